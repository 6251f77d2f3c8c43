/*
 * tb_toe_ack: Verilator testbench of the TOE transmit-side blocks, through the wrapper
 * test/rtl/tb_toe_ack.v (Verilated as Vtb_toe_ack_w64 and Vtb_toe_ack_w512):
 *
 *   toe_hdr    random headers (IPv4/IPv6, 0..3 VLAN tags, IP and TCP options, fragments,
 *              bad versions/protocols/lengths, short captures, timestamp layouts) against
 *              a byte-walking C++ parser; every output compared (fields when cand is set)
 *   toe_ack    random requests; every frame compared byte by byte with a C++ builder, both
 *              checksums verified again with an independent 32-bit one's-complement sum,
 *              keep/last checked; random backpressure; the ACK rate at full speed
 *   toe_blkwr  random 4-byte aligned addresses (many near 4 KiB boundaries), random data and
 *              backpressure: every block's 192 bytes written exactly once at the right
 *              addresses, aligned beat addresses, no burst across 4 KiB, user 0, done pulse
 *   tx_mux     random frames on both inputs with random gaps and backpressure: each output
 *              frame whole and in order per source, nothing lost or duplicated, round robin
 *              at every frame start, no bubble cycle at full speed
 *
 *   tb_toe_ack [--width 64|512] [--seed N] [--n N]
 *
 * Exit status 0 when every check passed, 1 on a failed check, 2 on a usage error.
 */
#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <map>
#include <string>
#include <vector>

#include "Vtb_toe_ack_w512.h"
#include "Vtb_toe_ack_w64.h"
#include "harness.h"
#include "pkt.h"

using namespace tbh;

namespace {

template <class V> constexpr unsigned beat_bytes();
template <> constexpr unsigned beat_bytes<Vtb_toe_ack_w64>() { return 8; }
template <> constexpr unsigned beat_bytes<Vtb_toe_ack_w512>() { return 64; }

/* ---------------------------------------------------------------------------------------- */
/* byte helpers */

void put16(std::vector<uint8_t> &f, unsigned v)
{
    f.push_back(static_cast<uint8_t>(v >> 8));
    f.push_back(static_cast<uint8_t>(v));
}
void put32(std::vector<uint8_t> &f, uint32_t v)
{
    put16(f, v >> 16);
    put16(f, v & 0xffff);
}
unsigned rd16(const uint8_t *p) { return static_cast<unsigned>(p[0]) << 8 | p[1]; }
uint32_t rd32(const uint8_t *p) { return static_cast<uint32_t>(rd16(p)) << 16 | rd16(p + 2); }

/* RFC 1071 checksum of a byte string (16-bit big-endian words) */
uint16_t csum16(const std::vector<uint8_t> &b)
{
    uint32_t s = 0;
    for (size_t i = 0; i < b.size(); i += 2)
        s += static_cast<uint32_t>(b[i]) << 8 | (i + 1 < b.size() ? b[i + 1] : 0);
    while (s >> 16)
        s = (s & 0xffff) + (s >> 16);
    return static_cast<uint16_t>(~s);
}

/* independent check: one's-complement sum in 32-bit words (64-bit accumulator, end-around
 * carry), folded to 16 bits; a correct checksum field makes the sum 0xffff */
uint16_t ones_sum32(const std::vector<uint8_t> &b)
{
    uint64_t s = 0;
    std::vector<uint8_t> p(b);
    while (p.size() % 4)
        p.push_back(0);
    for (size_t i = 0; i < p.size(); i += 4)
        s += rd32(&p[i]);
    while (s >> 32)
        s = (s & 0xffffffffu) + (s >> 32);
    while (s >> 16)
        s = (s & 0xffff) + (s >> 16);
    return static_cast<uint16_t>(s);
}

/* 128-bit address ports: first address byte in [127:120] */
template <class T> void set_addr(T &port, const uint8_t a[16])
{
    for (unsigned k = 0; k < 16; k++)
        set_bits(port, 8 * k, 8, a[15 - k]);
}
template <class T> void get_addr(const T &port, uint8_t a[16])
{
    for (unsigned k = 0; k < 16; k++)
        a[15 - k] = static_cast<uint8_t>(get_bits(port, 8 * k, 8));
}

/* byte k of a port in bits [8k+7:8k], whole 32-bit words at a time (the harness's
 * put_bytes/take_bytes go bit by bit, too slow for 1536-bit ports every cycle) */
template <class T> void put_le(T &p, const uint8_t *b, size_t n)
{
    uint64_t v = 0;
    for (size_t k = 0; k < n && k < sizeof(T); k++)
        v |= static_cast<uint64_t>(b[k]) << (8 * k);
    p = static_cast<T>(v);
}
template <std::size_t N> void put_le(VlWide<N> &p, const uint8_t *b, size_t n)
{
    for (size_t w = 0; w < N; w++) {
        uint32_t v = 0;
        for (size_t k = 0; k < 4; k++)
            if (4 * w + k < n)
                v |= static_cast<uint32_t>(b[4 * w + k]) << (8 * k);
        p[w] = v;
    }
}
template <class T> void take_le(const T &p, uint8_t *b, size_t n)
{
    uint64_t v = static_cast<uint64_t>(p);
    for (size_t k = 0; k < n; k++)
        b[k] = k < 8 ? static_cast<uint8_t>(v >> (8 * k)) : 0;
}
template <std::size_t N> void take_le(const VlWide<N> &p, uint8_t *b, size_t n)
{
    for (size_t k = 0; k < n; k++)
        b[k] = k / 4 < N ? static_cast<uint8_t>(p[k / 4] >> (8 * (k % 4))) : 0;
}

/* ---------------------------------------------------------------------------------------- */
/* toe_hdr */

struct HdrRef {
    bool cand = false, v6 = false, ts = false;
    uint8_t src[16] = {}, dst[16] = {};
    unsigned sport = 0, dport = 0, flags = 0, win = 0, pay_off = 0, pay_len = 0;
    uint32_t seq = 0, ack = 0, tsval = 0, tsecr = 0;
};

/* reference parser: walks the captured bytes (n of them) */
HdrRef parse_ref(const uint8_t *h, unsigned n)
{
    HdrRef r;
    auto have = [&](unsigned end) { return end <= n; };
    unsigned off = 12;
    int tags = 0;
    if (!have(14))
        return r;
    unsigned et = rd16(h + off);
    while ((et == 0x8100 || et == 0x88a8) && tags < 2) {
        off += 4;
        tags++;
        if (!have(off + 2))
            return r;
        et = rd16(h + off);
    }
    unsigned l3 = off + 2, l4 = 0, iplen = 0, hdrs = 0;
    if (et == 0x0800) {
        if (!have(l3 + 20))
            return r;
        const uint8_t *ip = h + l3;
        if (ip[0] != 0x45 || (rd16(ip + 6) & 0x3fff) != 0 || ip[9] != 6)
            return r;
        iplen = rd16(ip + 2);
        l4 = l3 + 20;
        hdrs = 20;
        std::memset(r.src, 0, 16);
        std::memset(r.dst, 0, 16);
        std::memcpy(r.src + 12, ip + 12, 4);
        std::memcpy(r.dst + 12, ip + 16, 4);
    } else if (et == 0x86dd) {
        if (!have(l3 + 40))
            return r;
        const uint8_t *ip = h + l3;
        if ((ip[0] >> 4) != 6 || ip[6] != 6)
            return r;
        iplen = rd16(ip + 4);
        l4 = l3 + 40;
        hdrs = 0;
        r.v6 = true;
        std::memcpy(r.src, ip + 8, 16);
        std::memcpy(r.dst, ip + 24, 16);
    } else {
        return r;
    }
    if (!have(l4 + 20))
        return r;
    const uint8_t *t = h + l4;
    unsigned doff = t[12] >> 4;
    if (doff < 5)
        return r;
    unsigned thl = doff * 4;
    if (!have(l4 + thl))
        return r;
    if (iplen < hdrs + thl)
        return r;
    r.cand = true;
    r.sport = rd16(t);
    r.dport = rd16(t + 2);
    r.seq = rd32(t + 4);
    r.ack = rd32(t + 8);
    r.flags = (t[12] & 1u) << 8 | t[13];
    r.win = rd16(t + 14);
    r.pay_off = l4 + thl;
    r.pay_len = iplen - hdrs - thl;
    const uint8_t *o = t + 20;
    if (thl >= 30 && o[0] == 8 && o[1] == 10) {
        r.ts = true;
        r.tsval = rd32(o + 2);
        r.tsecr = rd32(o + 6);
    } else if (thl >= 32 && o[0] == 1 && o[1] == 1 && o[2] == 8 && o[3] == 10) {
        r.ts = true;
        r.tsval = rd32(o + 4);
        r.tsecr = rd32(o + 8);
    }
    return r;
}

/* a random frame header (and the frame length) with many ways to be or not be a candidate */
std::vector<uint8_t> random_header(Rng &rng, unsigned *frame_len)
{
    std::vector<uint8_t> f(12);
    rng.bytes(f.data(), 12);
    unsigned tags = static_cast<unsigned>(rng.range(0, 2));
    if (rng.chance(0.05))
        tags = 3;
    for (unsigned i = 0; i < tags; i++) {
        unsigned tpid = rng.chance(0.5) ? 0x8100 : 0x88a8;
        if (rng.chance(0.03))
            tpid = static_cast<unsigned>(rng.range(0, 0xffff));
        put16(f, tpid);
        put16(f, static_cast<unsigned>(rng.range(0, 0xffff)));
    }
    bool v6 = rng.chance(0.5);
    unsigned et = v6 ? 0x86dd : 0x0800;
    if (rng.chance(0.03))
        et = rng.chance(0.5) ? 0x0806 : static_cast<unsigned>(rng.range(0, 0xffff));
    put16(f, et);

    unsigned doff = static_cast<unsigned>(rng.range(5, 15));
    if (rng.chance(0.05))
        doff = static_cast<unsigned>(rng.range(0, 4));
    unsigned thl = doff * 4;
    unsigned pay = rng.chance(0.2) ? 0 : static_cast<unsigned>(rng.range(1, 1460));

    if (!v6) {
        unsigned vihl = 0x45;
        if (rng.chance(0.04))
            vihl = rng.chance(0.5) ? 0x46 : static_cast<unsigned>(rng.range(0, 255));
        f.push_back(static_cast<uint8_t>(vihl));
        f.push_back(static_cast<uint8_t>(rng.range(0, 255)));
        unsigned tl = 20 + thl + pay;
        if (rng.chance(0.05))
            tl = static_cast<unsigned>(rng.range(0, 20 + thl + 2));
        put16(f, tl);
        put16(f, static_cast<unsigned>(rng.range(0, 0xffff)));
        unsigned fl = rng.chance(0.5) ? 0x4000 : 0;
        if (rng.chance(0.04))
            fl |= 0x2000;
        if (rng.chance(0.04))
            fl |= static_cast<unsigned>(rng.range(1, 0x1fff));
        if (rng.chance(0.02))
            fl |= 0x8000;
        put16(f, fl);
        f.push_back(static_cast<uint8_t>(rng.range(0, 255)));
        f.push_back(rng.chance(0.95) ? 6 : static_cast<uint8_t>(rng.range(0, 255)));
        put16(f, static_cast<unsigned>(rng.range(0, 0xffff)));
        for (int i = 0; i < 8; i++)
            f.push_back(static_cast<uint8_t>(rng.range(0, 255)));
        if ((vihl & 15) > 5 && (vihl >> 4) == 4)
            for (unsigned i = 20; i < (vihl & 15) * 4u; i++)
                f.push_back(static_cast<uint8_t>(rng.range(0, 255)));
    } else {
        f.push_back(static_cast<uint8_t>(rng.chance(0.96) ? 0x60 | rng.range(0, 15) : rng.range(0, 255)));
        for (int i = 0; i < 3; i++)
            f.push_back(static_cast<uint8_t>(rng.range(0, 255)));
        unsigned pl = thl + pay;
        if (rng.chance(0.05))
            pl = static_cast<unsigned>(rng.range(0, thl + 2));
        put16(f, pl);
        unsigned nh = 6;
        if (rng.chance(0.05))
            nh = rng.chance(0.5) ? 0 : static_cast<unsigned>(rng.range(0, 255));
        f.push_back(static_cast<uint8_t>(nh));
        f.push_back(static_cast<uint8_t>(rng.range(0, 255)));
        for (int i = 0; i < 32; i++)
            f.push_back(static_cast<uint8_t>(rng.range(0, 255)));
    }
    /* TCP */
    for (int i = 0; i < 12; i++)
        f.push_back(static_cast<uint8_t>(rng.range(0, 255)));
    f.push_back(static_cast<uint8_t>(doff << 4 | rng.range(0, 15)));
    f.push_back(static_cast<uint8_t>(rng.range(0, 255)));
    for (int i = 0; i < 6; i++)
        f.push_back(static_cast<uint8_t>(rng.range(0, 255)));
    /* options: a timestamp layout or random bytes */
    std::vector<uint8_t> o(thl > 20 ? thl - 20 : 0);
    rng.bytes(o.data(), o.size());
    int lay = static_cast<int>(rng.range(0, 5));
    auto ts_at = [&](size_t at, uint8_t len) {
        if (o.size() >= at + 2) {
            o[at] = 8;
            o[at + 1] = len;
        }
    };
    switch (lay) {
    case 0: ts_at(0, 10); break;
    case 1:
        if (o.size() >= 2) {
            o[0] = 1;
            o[1] = 1;
        }
        ts_at(2, 10);
        break;
    case 2: /* almost: one byte of the NOP, NOP, kind 8, length 10 layout wrong */
        if (o.size() >= 4) {
            unsigned bad = static_cast<unsigned>(rng.range(0, 3));
            uint8_t good[4] = {1, 1, 8, 10};
            for (unsigned k = 0; k < 4; k++)
                o[k] = good[k];
            uint8_t x;
            do
                x = static_cast<uint8_t>(rng.range(0, 255));
            while (x == good[bad]);
            o[bad] = x;
        }
        break;
    case 3: ts_at(0, 9); break;
    default: break; /* random bytes */
    }
    f.insert(f.end(), o.begin(), o.end());
    *frame_len = static_cast<unsigned>(f.size()) + pay;
    return f;
}

template <class V> void run_hdr(Dut<V> &dut, Rng &rng, Summary &sum, unsigned n)
{
    V &m = dut.top();
    uint64_t cands = 0, tss = 0, v6s = 0, pkt_checked = 0;
    for (unsigned it = 0; it < n; it++) {
        unsigned flen = 0;
        std::vector<uint8_t> h = random_header(rng, &flen);
        std::vector<uint8_t> cap(128);
        rng.bytes(cap.data(), cap.size()); /* garbage beyond hdr_len */
        unsigned hl = std::min(flen, 128u);
        if (rng.chance(0.1))
            hl = static_cast<unsigned>(rng.range(0, std::min<size_t>(h.size() + 2, 128)));
        for (unsigned k = 0; k < hl; k++)
            cap[k] = k < h.size() ? h[k] : static_cast<uint8_t>(rng.range(0, 255));
        HdrRef r = parse_ref(cap.data(), hl);
        put_le(m.hdr_hdr_data, cap.data(), cap.size());
        m.hdr_hdr_len = static_cast<uint8_t>(hl);
        dut.settle();
        if (!sum.check(m.hdr_cand == r.cand, "hdr #%u: cand %d, expected %d (hdr_len %u)", it,
                       m.hdr_cand, r.cand, hl))
            continue;
        if (!r.cand)
            continue;
        cands++;
        tss += r.ts;
        v6s += r.v6;
        uint8_t s[16], d[16];
        get_addr(m.hdr_src_addr, s);
        get_addr(m.hdr_dst_addr, d);
        sum.check(m.hdr_v6 == r.v6, "hdr #%u: v6", it);
        sum.check(!std::memcmp(s, r.src, 16) && !std::memcmp(d, r.dst, 16), "hdr #%u: addresses", it);
        sum.check(m.hdr_src_port == r.sport && m.hdr_dst_port == r.dport, "hdr #%u: ports", it);
        sum.check(m.hdr_seq == r.seq && m.hdr_ack == r.ack, "hdr #%u: seq/ack", it);
        sum.check(m.hdr_flags == r.flags, "hdr #%u: flags %03x, expected %03x", it, m.hdr_flags, r.flags);
        sum.check(m.hdr_win == r.win, "hdr #%u: window", it);
        sum.check(m.hdr_pay_off == r.pay_off && m.hdr_pay_len == r.pay_len,
                  "hdr #%u: payload off %u len %u, expected %u %u", it, m.hdr_pay_off, m.hdr_pay_len,
                  r.pay_off, r.pay_len);
        if (sum.check(m.hdr_ts == r.ts, "hdr #%u: ts %d, expected %d", it, m.hdr_ts, r.ts) && r.ts)
            sum.check(m.hdr_tsval == r.tsval && m.hdr_tsecr == r.tsecr, "hdr #%u: tsval/tsecr", it);
        /* second opinion, the project's parser (pkt/), on the whole frame when the capture is
         * not cut short and the IP length covers the frame exactly (toe_hdr cannot see an IP
         * length beyond the frame: its user compares pay_off + pay_len with the frame length) */
        if (hl == std::min(flen, 128u) && r.pay_off + r.pay_len == flen) {
            std::vector<uint8_t> fr(h);
            fr.resize(flen);
            rng.bytes(fr.data() + h.size(), flen - h.size());
            pkt_frame_info pi;
            if (pkt_frame_parse(fr.data(), fr.size(), &pi) == 0 && pi.ip_end == flen && pi.l4_off) {
                pkt_checked++;
                size_t alen = pi.l3 == 6 ? 16 : 4;
                sum.check(pi.l3 == (r.v6 ? 6 : 4) && pi.proto == 6 && !pi.frag, "hdr #%u: pkt l3/proto", it);
                sum.check(!std::memcmp(pi.src, s + 16 - alen, alen) && !std::memcmp(pi.dst, d + 16 - alen, alen),
                          "hdr #%u: pkt addresses", it);
                sum.check(pi.sport == m.hdr_src_port && pi.dport == m.hdr_dst_port, "hdr #%u: pkt ports", it);
                sum.check(pi.payload_off == m.hdr_pay_off && pi.payload_len == m.hdr_pay_len,
                          "hdr #%u: pkt payload %zu+%zu, toe_hdr %u+%u", it, pi.payload_off,
                          pi.payload_len, m.hdr_pay_off, m.hdr_pay_len);
            }
        }
    }
    sum.note("toe_hdr: %u headers, %" PRIu64 " candidates (%" PRIu64 " IPv6, %" PRIu64
             " with timestamps, %" PRIu64 " also checked with pkt_frame_parse)", n, cands, v6s, tss,
             pkt_checked);
    sum.check(pkt_checked > n / 10, "hdr: only %" PRIu64 " frames checked with pkt_frame_parse", pkt_checked);
    sum.check(cands > n / 3 && cands < n, "hdr: candidate mix %" PRIu64 " of %u", cands, n);
}

/* ---------------------------------------------------------------------------------------- */
/* toe_ack */

struct AckReq {
    bool v6, vlan, ts;
    unsigned tci, ttl, tos, sport, dport, win;
    uint64_t smac, dmac;
    uint8_t src[16], dst[16];
    uint32_t seq, ack, tsval, tsecr;
};

AckReq random_ack(Rng &rng)
{
    AckReq a;
    a.v6 = rng.chance(0.5);
    a.vlan = rng.chance(0.5);
    a.ts = rng.chance(0.5);
    a.tci = static_cast<unsigned>(rng.range(0, 0xffff));
    a.ttl = static_cast<unsigned>(rng.range(0, 255));
    a.tos = static_cast<unsigned>(rng.range(0, 255));
    a.sport = static_cast<unsigned>(rng.range(0, 0xffff));
    a.dport = static_cast<unsigned>(rng.range(0, 0xffff));
    a.win = static_cast<unsigned>(rng.range(0, 0xffff));
    a.smac = rng.u64() & 0xffffffffffffull;
    a.dmac = rng.u64() & 0xffffffffffffull;
    rng.bytes(a.src, 16); /* IPv4: bytes 0..11 are garbage the block must ignore */
    rng.bytes(a.dst, 16);
    a.seq = rng.u32();
    a.ack = rng.u32();
    a.tsval = rng.u32();
    a.tsecr = rng.u32();
    if (rng.chance(0.05)) { /* extremes */
        a.seq = a.ack = a.tsval = a.tsecr = rng.chance(0.5) ? 0xffffffffu : 0;
        a.win = a.seq & 0xffff;
    }
    return a;
}

/* the expected frame: built field by field, checksums by RFC 1071 over the built bytes */
std::vector<uint8_t> build_ack(const AckReq &a)
{
    std::vector<uint8_t> f;
    for (int i = 5; i >= 0; i--)
        f.push_back(static_cast<uint8_t>(a.dmac >> (8 * i)));
    for (int i = 5; i >= 0; i--)
        f.push_back(static_cast<uint8_t>(a.smac >> (8 * i)));
    if (a.vlan) {
        put16(f, 0x8100);
        put16(f, a.tci);
    }
    put16(f, a.v6 ? 0x86dd : 0x0800);
    unsigned thl = a.ts ? 32 : 20;
    size_t l3 = f.size();
    std::vector<uint8_t> pseudo;
    if (!a.v6) {
        f.push_back(0x45);
        f.push_back(static_cast<uint8_t>(a.tos));
        put16(f, 20 + thl);
        put16(f, 0);
        put16(f, 0x4000);
        f.push_back(static_cast<uint8_t>(a.ttl));
        f.push_back(6);
        put16(f, 0);
        f.insert(f.end(), a.src + 12, a.src + 16);
        f.insert(f.end(), a.dst + 12, a.dst + 16);
        uint16_t c = csum16(std::vector<uint8_t>(f.begin() + static_cast<long>(l3), f.end()));
        f[l3 + 10] = static_cast<uint8_t>(c >> 8);
        f[l3 + 11] = static_cast<uint8_t>(c);
        pseudo.insert(pseudo.end(), a.src + 12, a.src + 16);
        pseudo.insert(pseudo.end(), a.dst + 12, a.dst + 16);
        pseudo.push_back(0);
        pseudo.push_back(6);
        put16(pseudo, thl);
    } else {
        f.push_back(static_cast<uint8_t>(0x60 | a.tos >> 4));
        f.push_back(static_cast<uint8_t>((a.tos & 15) << 4));
        put16(f, 0);
        put16(f, thl);
        f.push_back(6);
        f.push_back(static_cast<uint8_t>(a.ttl));
        f.insert(f.end(), a.src, a.src + 16);
        f.insert(f.end(), a.dst, a.dst + 16);
        pseudo.insert(pseudo.end(), a.src, a.src + 16);
        pseudo.insert(pseudo.end(), a.dst, a.dst + 16);
        put32(pseudo, thl);
        put32(pseudo, 6);
    }
    size_t l4 = f.size();
    put16(f, a.sport);
    put16(f, a.dport);
    put32(f, a.seq);
    put32(f, a.ack);
    f.push_back(static_cast<uint8_t>(thl / 4 << 4));
    f.push_back(0x10);
    put16(f, a.win);
    put16(f, 0);
    put16(f, 0);
    if (a.ts) {
        f.push_back(1);
        f.push_back(1);
        f.push_back(8);
        f.push_back(10);
        put32(f, a.tsval);
        put32(f, a.tsecr);
    }
    pseudo.insert(pseudo.end(), f.begin() + static_cast<long>(l4), f.end());
    uint16_t c = csum16(pseudo);
    f[l4 + 16] = static_cast<uint8_t>(c >> 8);
    f[l4 + 17] = static_cast<uint8_t>(c);
    while (f.size() < 60)
        f.push_back(0);
    return f;
}

/* checksums of a received ACK frame, verified from its own bytes */
bool verify_ack_sums(const std::vector<uint8_t> &f, std::string *why)
{
    if (f.size() < 54) {
        *why = "short";
        return false;
    }
    size_t l3 = rd16(&f[12]) == 0x8100 ? 18 : 14;
    unsigned et = rd16(&f[l3 - 2]);
    std::vector<uint8_t> ps;
    size_t l4;
    unsigned tl;
    if (et == 0x0800) {
        std::vector<uint8_t> ip(f.begin() + static_cast<long>(l3), f.begin() + static_cast<long>(l3 + 20));
        if (ones_sum32(ip) != 0xffff) {
            *why = "IPv4 header checksum";
            return false;
        }
        l4 = l3 + 20;
        tl = rd16(&f[l3 + 2]) - 20;
        ps.insert(ps.end(), f.begin() + static_cast<long>(l3 + 12), f.begin() + static_cast<long>(l3 + 20));
        put16(ps, 6);
        put16(ps, tl);
    } else {
        l4 = l3 + 40;
        tl = rd16(&f[l3 + 4]);
        ps.insert(ps.end(), f.begin() + static_cast<long>(l3 + 8), f.begin() + static_cast<long>(l3 + 40));
        put32(ps, tl);
        put32(ps, f[l3 + 6]);
    }
    if (l4 + tl > f.size()) {
        *why = "length";
        return false;
    }
    ps.insert(ps.end(), f.begin() + static_cast<long>(l4), f.begin() + static_cast<long>(l4 + tl));
    if (ones_sum32(ps) != 0xffff) {
        *why = "TCP checksum";
        return false;
    }
    return true;
}

/* and once more with the project's parser and checksum helpers (pkt/) */
bool verify_ack_pkt(const std::vector<uint8_t> &f, std::string *why)
{
    pkt_frame_info pi;
    if (pkt_frame_parse(f.data(), f.size(), &pi) != 0 || pi.proto != 6 || pi.frag || !pi.l4_off) {
        *why = "not parsed as TCP";
        return false;
    }
    if (pi.payload_len != 0 || pi.payload_off != pi.l4_off + ((f[pi.l4_off + 12] >> 4) * 4u)) {
        *why = "payload";
        return false;
    }
    if (pi.l3 == 4 && pkt_csum_fold(pkt_csum_add(0, &f[pi.l3_off], 20)) != 0xffff) {
        *why = "IPv4 checksum";
        return false;
    }
    size_t l4len = pi.ip_end - pi.l4_off;
    uint32_t s = pkt_csum_pseudo(pi.src, pi.dst, pi.l3 == 6 ? 16 : 4, 6, static_cast<uint32_t>(l4len));
    if (pkt_csum_fold(pkt_csum_add(s, &f[pi.l4_off], l4len)) != 0xffff) {
        *why = "TCP checksum";
        return false;
    }
    return true;
}

template <class V> void run_ack(Dut<V> &dut, Rng &rng, Summary &sum, unsigned n)
{
    constexpr unsigned B = beat_bytes<V>();
    V &m = dut.top();
    Source<AckReq> src(
        rng,
        [&m](const AckReq *a) {
            m.ack_s_ack_valid = a != nullptr;
            if (!a)
                return;
            m.ack_s_ack_v6 = a->v6;
            m.ack_s_ack_vlan = a->vlan;
            m.ack_s_ack_ts = a->ts;
            m.ack_s_ack_vlan_tci = static_cast<uint16_t>(a->tci);
            m.ack_s_ack_ttl = static_cast<uint8_t>(a->ttl);
            m.ack_s_ack_tos = static_cast<uint8_t>(a->tos);
            m.ack_s_ack_src_mac = a->smac;
            m.ack_s_ack_dst_mac = a->dmac;
            set_addr(m.ack_s_ack_src_addr, a->src);
            set_addr(m.ack_s_ack_dst_addr, a->dst);
            m.ack_s_ack_src_port = static_cast<uint16_t>(a->sport);
            m.ack_s_ack_dst_port = static_cast<uint16_t>(a->dport);
            m.ack_s_ack_seq = a->seq;
            m.ack_s_ack_ack = a->ack;
            m.ack_s_ack_win = static_cast<uint16_t>(a->win);
            m.ack_s_ack_tsval = a->tsval;
            m.ack_s_ack_tsecr = a->tsecr;
        },
        [&m]() { return m.ack_s_ack_ready != 0; });
    Sink<Beat> out(
        rng, [&m](bool r) { m.ack_m_axis_tready = r; }, [&m]() { return m.ack_m_axis_tvalid != 0; },
        [&m]() {
            Beat b;
            b.data.resize(B);
            take_le(m.ack_m_axis_tdata, b.data.data(), B);
            b.keep = get_bits(m.ack_m_axis_tkeep, 0, B);
            b.last = m.ack_m_axis_tlast;
            return b;
        });

    std::deque<std::vector<uint8_t>> expect;
    std::vector<uint8_t> cur;
    uint64_t frames = 0, bad_sum = 0, fast_checked = 0;
    uint64_t full_keep = B >= 64 ? ~uint64_t{0} : (uint64_t{1} << B) - 1;
    /* phases: full speed (rate checked), then light, heavy, random traffic */
    for (int phase = 0; phase < 4; phase++) {
        Traffic t = Traffic::pick(rng, phase);
        src.set_traffic(t);
        out.set_traffic(t);
        unsigned cnt = phase == 0 ? n / 4 : n / 4;
        for (unsigned i = 0; i < cnt; i++)
            src.push(random_ack(rng));
        uint64_t last_first = 0, last_beats = 0, guard = 0;
        bool have_prev = false;
        while ((src.pending() || !expect.empty() || !cur.empty() || m.ack_busy) &&
               guard++ < 200ull * cnt + 1000) {
            src.drive();
            out.drive();
            dut.settle();
            AckReq a;
            if (src.observe(&a))
                expect.push_back(build_ack(a));
            Beat b;
            if (out.observe(&b)) {
                if (cur.empty() && phase == 0) {
                    /* full speed: a frame starts (beats of the previous) + 2 cycles after it */
                    if (have_prev) {
                        fast_checked++;
                        sum.check(dut.cycle() - last_first == last_beats + 2,
                                  "ack: frame start %" PRIu64 " cycles after the previous one "
                                  "(%" PRIu64 " beats)", dut.cycle() - last_first, last_beats);
                    }
                    last_first = dut.cycle();
                    have_prev = true;
                }
                unsigned nb = 0;
                for (unsigned k = 0; k < B; k++)
                    if ((b.keep >> k) & 1u)
                        nb = k + 1;
                sum.check(b.last ? (b.keep == ((nb >= 64) ? ~uint64_t{0} : (uint64_t{1} << nb) - 1) && nb > 0)
                                 : b.keep == full_keep,
                          "ack: beat keep %" PRIx64 " last %d", b.keep, b.last);
                cur.insert(cur.end(), b.data.begin(), b.data.begin() + nb);
                if (b.last) {
                    if (phase == 0)
                        last_beats = (cur.size() + B - 1) / B;
                    if (sum.check(!expect.empty(), "ack: frame without a request")) {
                        const std::vector<uint8_t> &e = expect.front();
                        bool same = e == cur;
                        if (!same) {
                            size_t k = 0;
                            while (k < e.size() && k < cur.size() && e[k] == cur[k])
                                k++;
                            sum.check(false, "ack #%" PRIu64 ": %zu bytes, expected %zu; first difference at byte %zu",
                                      frames, cur.size(), e.size(), k);
                        }
                        std::string why;
                        if (!sum.check(verify_ack_sums(cur, &why), "ack #%" PRIu64 ": %s", frames, why.c_str()))
                            bad_sum++;
                        sum.check(verify_ack_pkt(cur, &why), "ack #%" PRIu64 ": pkt: %s", frames, why.c_str());
                        expect.pop_front();
                    }
                    frames++;
                    cur.clear();
                }
            }
            dut.tick();
        }
        sum.check(src.pending() == 0 && expect.empty() && cur.empty(), "ack: phase %d did not drain", phase);
    }
    sum.note("toe_ack: %" PRIu64 " frames, %" PRIu64 " full-speed intervals checked (beats + 2 cycles)",
             frames, fast_checked);
}

/* ---------------------------------------------------------------------------------------- */
/* toe_blkwr */

struct Blk {
    uint64_t addr;
    std::vector<uint8_t> data; /* 192 bytes */
};

struct WrBeat {
    uint64_t addr = 0, strb = 0;
    std::vector<uint8_t> data;
    bool last = false;
    unsigned user = 0;
};

template <class V> void run_blk(Dut<V> &dut, Rng &rng, Summary &sum, unsigned n)
{
    constexpr unsigned B = beat_bytes<V>();
    V &m = dut.top();
    Source<Blk> src(
        rng,
        [&m](const Blk *b) {
            m.blk_s_blk_valid = b != nullptr;
            if (!b)
                return;
            m.blk_s_blk_addr = b->addr;
            put_le(m.blk_s_blk_data, b->data.data(), 192);
        },
        [&m]() { return m.blk_s_blk_ready != 0; });
    Sink<WrBeat> host(
        rng, [&m](bool r) { m.blk_m_wr_ready = r; }, [&m]() { return m.blk_m_wr_valid != 0; },
        [&m]() {
            WrBeat w;
            w.addr = m.blk_m_wr_addr;
            w.strb = get_bits(m.blk_m_wr_strb, 0, B);
            w.data.resize(B);
            take_le(m.blk_m_wr_data, w.data.data(), B);
            w.last = m.blk_m_wr_last;
            w.user = m.blk_m_wr_user;
            return w;
        });

    std::deque<Blk> pending;       /* taken by the block, not yet completely written */
    std::map<uint64_t, uint8_t> written; /* bytes of the oldest pending block */
    uint64_t blocks = 0, beats = 0, bursts_4k = 0, dones = 0, done_due = 0;
    bool in_burst = false;
    uint64_t burst_page = 0;
    bool done_expected_now = false;
    for (int phase = 0; phase < 4; phase++) {
        Traffic t = Traffic::pick(rng, phase);
        src.set_traffic(t);
        host.set_traffic(t);
        for (unsigned i = 0; i < n / 4; i++) {
            Blk b;
            uint64_t page = rng.u64() & ~uint64_t{0xfff};
            uint64_t off = rng.chance(0.5) ? 4096 - rng.range(1, 64) * 4 : rng.range(0, 1023) * 4;
            b.addr = page + off;
            b.data.resize(192);
            rng.bytes(b.data.data(), 192);
            src.push(b);
        }
        uint64_t guard = 0;
        while ((src.pending() || !pending.empty() || m.blk_busy) && guard++ < 400ull * n + 1000) {
            src.drive();
            host.drive();
            dut.settle();
            /* the done pulse: exactly in the cycle after a block's last beat was taken */
            sum.check(m.blk_m_blk_done == done_expected_now, "blk: done %d, expected %d",
                      m.blk_m_blk_done, done_expected_now);
            dones += m.blk_m_blk_done;
            done_expected_now = false;
            Blk b;
            if (src.observe(&b))
                pending.push_back(b);
            WrBeat w;
            if (host.observe(&w)) {
                beats++;
                sum.check(w.addr % B == 0, "blk: beat address %" PRIx64 " not aligned", w.addr);
                sum.check(w.user == 0, "blk: user %u", w.user);
                uint64_t page = w.addr >> 12;
                if (!in_burst)
                    burst_page = page;
                sum.check(page == burst_page, "blk: burst crosses 4 KiB at %" PRIx64, w.addr);
                in_burst = !w.last;
                if (sum.check(!pending.empty(), "blk: write beat without a block")) {
                    const Blk &p = pending.front();
                    for (unsigned k = 0; k < B; k++) {
                        if (!((w.strb >> k) & 1u))
                            continue;
                        uint64_t a = w.addr + k;
                        bool inside = a - p.addr < 192;
                        sum.check(inside, "blk: byte written at %" PRIx64 " outside the block at %" PRIx64,
                                  a, p.addr);
                        sum.check(!written.count(a), "blk: byte %" PRIx64 " written twice", a);
                        if (inside)
                            sum.check(w.data[k] == p.data[a - p.addr], "blk: byte %" PRIx64 " value", a);
                        written[a] = w.data[k];
                    }
                    if (written.size() >= 192) {
                        /* the block is complete: it must end with this beat */
                        sum.check(w.last, "blk: block's final beat without last");
                        sum.check(written.size() == 192, "blk: %zu bytes written", written.size());
                        if (((w.addr + B) & 0xfff) == 0)
                            bursts_4k++;
                        written.clear();
                        pending.pop_front();
                        blocks++;
                        done_expected_now = true;
                        done_due++;
                    } else {
                        /* a burst may end only at a 4 KiB boundary inside a block */
                        sum.check(w.last == (((w.addr + B) & 0xfff) == 0),
                                  "blk: last %d at %" PRIx64 " inside a block", w.last, w.addr);
                        if (w.last)
                            bursts_4k++;
                    }
                }
            }
            dut.tick();
        }
        /* the done pulse of the final block */
        src.drive();
        host.drive();
        dut.settle();
        sum.check(m.blk_m_blk_done == done_expected_now, "blk: final done");
        dones += m.blk_m_blk_done;
        done_expected_now = false;
        dut.tick();
        sum.check(src.pending() == 0 && pending.empty(), "blk: phase %d did not drain", phase);
    }
    sum.check(dones == done_due && blocks == n / 4 * 4, "blk: %" PRIu64 " done pulses, %" PRIu64 " blocks",
              dones, blocks);
    sum.note("toe_blkwr: %" PRIu64 " blocks, %" PRIu64 " beats, %" PRIu64 " bursts cut at 4 KiB",
             blocks, beats, bursts_4k);
}

/* ---------------------------------------------------------------------------------------- */
/* tx_mux */

template <class V> void run_mux(Dut<V> &dut, Rng &rng, Summary &sum, unsigned n)
{
    constexpr unsigned B = beat_bytes<V>();
    V &m = dut.top();
    auto put0 = [&m](const Beat *b) {
        m.mux_s0_axis_tvalid = b != nullptr;
        if (!b)
            return;
        put_le(m.mux_s0_axis_tdata, b->data.data(), B);
        set_bits(m.mux_s0_axis_tkeep, 0, B, b->keep);
        m.mux_s0_axis_tlast = b->last;
    };
    auto put1 = [&m](const Beat *b) {
        m.mux_s1_axis_tvalid = b != nullptr;
        if (!b)
            return;
        put_le(m.mux_s1_axis_tdata, b->data.data(), B);
        set_bits(m.mux_s1_axis_tkeep, 0, B, b->keep);
        m.mux_s1_axis_tlast = b->last;
    };
    Source<Beat> s0(rng, put0, [&m]() { return m.mux_s0_axis_tready != 0; });
    Source<Beat> s1(rng, put1, [&m]() { return m.mux_s1_axis_tready != 0; });
    Sink<Beat> out(
        rng, [&m](bool r) { m.mux_m_axis_tready = r; }, [&m]() { return m.mux_m_axis_tvalid != 0; },
        [&m]() {
            Beat b;
            b.data.resize(B);
            take_le(m.mux_m_axis_tdata, b.data.data(), B);
            b.keep = get_bits(m.mux_m_axis_tkeep, 0, B);
            b.last = m.mux_m_axis_tlast;
            return b;
        });

    std::deque<std::vector<Beat>> exp[2];
    std::vector<Beat> cur;
    uint64_t frames[2] = {0, 0}, beats_in = 0, beats_out = 0, rr_checked = 0;
    bool mid[2] = {false, false};
    int last_granted = -1;
    for (int phase = 0; phase < 5; phase++) {
        /* 0: both saturated, full speed; 1: source 0 only, full speed; 2..4: random */
        Traffic t = Traffic::pick(rng, phase <= 1 ? 0 : phase - 1);
        Traffic t0 = t, t1 = phase <= 1 ? t : Traffic::pick(rng, 3);
        s0.set_traffic(t0);
        s1.set_traffic(t1);
        out.set_traffic(t);
        for (int s = 0; s < 2; s++) {
            if (phase == 1 && s == 1)
                continue;
            for (unsigned i = 0; i < n / 5; i++) {
                unsigned len = rng.chance(0.3) ? static_cast<unsigned>(rng.range(1, 2 * B))
                                               : static_cast<unsigned>(rng.range(60, 1514));
                std::vector<uint8_t> f(len);
                rng.bytes(f.data(), len);
                std::vector<Beat> bs = split_frame(f, B, false, rng);
                for (const Beat &b : bs)
                    (s ? s1 : s0).push(b);
                exp[s].push_back(bs);
            }
        }
        bool started = false, bubble = false;
        uint64_t guard = 0;
        while ((s0.pending() || s1.pending() || !cur.empty() || m.mux_busy) && guard++ < 4000ull * n) {
            s0.drive();
            s1.drive();
            out.drive();
            dut.settle();
            bool v0 = s0.presenting(), v1 = s1.presenting();
            if (phase <= 1) {
                if (m.mux_m_axis_tvalid)
                    started = true;
                else if (started && (s0.pending() || s1.pending()))
                    bubble = true;
            }
            Beat b;
            for (int s = 0; s < 2; s++) {
                Source<Beat> &src = s ? s1 : s0;
                if (!src.observe(&b))
                    continue;
                beats_in++;
                if (!mid[s]) {
                    /* a frame starts: round robin when the other source waits too */
                    if ((s ? v0 : v1) && last_granted >= 0) {
                        rr_checked++;
                        sum.check(last_granted != s, "mux: source %d granted twice while %d waited", s, 1 - s);
                    }
                    last_granted = s;
                }
                mid[s] = !b.last;
                sum.check(!(mid[0] && mid[1]), "mux: both sources inside a frame");
            }
            if (out.observe(&b)) {
                beats_out++;
                cur.push_back(b);
                if (b.last) {
                    /* the frame must be the next one of one of the sources, whole */
                    int who = -1;
                    for (int s = 0; s < 2 && who < 0; s++)
                        if (!exp[s].empty() && exp[s].front() == cur)
                            who = s;
                    if (sum.check(who >= 0, "mux: output frame of %zu beats matches no source's next frame",
                                  cur.size())) {
                        exp[who].pop_front();
                        frames[who]++;
                    }
                    cur.clear();
                }
            }
            dut.tick();
        }
        if (phase <= 1)
            sum.check(!bubble, "mux: bubble cycle at full speed (phase %d)", phase);
        sum.check(s0.pending() == 0 && s1.pending() == 0 && cur.empty(), "mux: phase %d did not drain", phase);
    }
    sum.check(exp[0].empty() && exp[1].empty(), "mux: frames lost (%zu, %zu)", exp[0].size(), exp[1].size());
    sum.check(beats_in == beats_out, "mux: %" PRIu64 " beats in, %" PRIu64 " out", beats_in, beats_out);
    sum.note("tx_mux: %" PRIu64 " + %" PRIu64 " frames, %" PRIu64 " beats, %" PRIu64
             " contended frame starts checked for round robin",
             frames[0], frames[1], beats_out, rr_checked);
}

template <class V> int run(unsigned width, uint64_t seed, unsigned n)
{
    Summary sum("toe_ack", width, seed);
    Rng rng(seed);
    Dut<V> dut;
    V &m = dut.top();
    m.ack_s_ack_valid = 0;
    m.ack_m_axis_tready = 0;
    m.blk_s_blk_valid = 0;
    m.blk_m_wr_ready = 0;
    m.mux_s0_axis_tvalid = 0;
    m.mux_s1_axis_tvalid = 0;
    m.mux_m_axis_tready = 0;
    dut.reset();
    run_hdr(dut, rng, sum, n);
    run_ack(dut, rng, sum, n / 4);
    run_blk(dut, rng, sum, n / 8);
    run_mux(dut, rng, sum, n / 20);
    return sum.finish();
}

int usage()
{
    std::fprintf(stderr, "usage: tb_toe_ack [--width 64|512] [--seed N] [--n N]\n");
    return 2;
}

} // namespace

int main(int argc, char **argv)
{
    unsigned width = 64, n = 20000;
    uint64_t seed = 1;
    for (int i = 1; i < argc; i++) {
        std::string s = argv[i];
        bool has = i + 1 < argc;
        if (s == "--width" && has)
            width = static_cast<unsigned>(std::strtoul(argv[++i], nullptr, 10));
        else if (s == "--seed" && has)
            seed = std::strtoull(argv[++i], nullptr, 0);
        else if (s == "--n" && has)
            n = static_cast<unsigned>(std::strtoul(argv[++i], nullptr, 10));
        else
            return usage();
    }
    if ((width != 64 && width != 512) || n < 100)
        return usage();
    return width == 64 ? run<Vtb_toe_ack_w64>(width, seed, n) : run<Vtb_toe_ack_w512>(width, seed, n);
}
