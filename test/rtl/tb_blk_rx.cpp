/*
 * Block benches of the receive pipeline: rx_fifo, rss_toeplitz, rx_ingress, rx_csum,
 * rx_parser (with rx_ipv6_ext).
 *
 *   rx_fifo       random entries under random idle and backpressure: order, no loss, no
 *                 duplicates; s_ready low exactly when DEPTH entries are held, m_valid and
 *                 empty follow the occupancy; one entry per cycle at full speed
 *   rss_toeplitz  the Microsoft verification vectors (test/data/rss-vectors-microsoft.txt,
 *                 --vectors) with the Microsoft key, then random keys and inputs of 8, 12,
 *                 32 and 36 bytes with random enable gaps, against rss_toeplitz() of the
 *                 packet library (pkt/rss.c); results two enabled cycles after the input
 *   rx_ingress    random frames (1..2000 bytes, random tuser, garbage in absent lanes) with
 *                 random idle, backpressure on both outputs: every beat forwarded unchanged
 *                 (bytes under tkeep, tkeep, tlast, tuser); one header descriptor per frame,
 *                 in order, with the first min(len, 128) bytes and zeros after them; one beat
 *                 per cycle at full speed
 *   rx_csum       frames with a parse plan: built frames (IPv4/IPv6, TCP/UDP, VLAN) with
 *                 their real plan and random damage (IP header, L4 bytes, truncation, tuser,
 *                 flags), and random bytes with random plans; the result (length, status,
 *                 passed-through fields) against a software checksum evaluator (ones'
 *                 complement sums with pkt_csum_add); data beats unchanged; statistics strobe
 *   rx_parser     random frames and configurations of tb_nic_rx (rx_ref.h) with random idle
 *                 and backpressure: l3, l4, fragment, hash type, hash and queue against
 *                 ref_classify(), and the checksum plan (offsets, IP end, pseudo-header sum,
 *                 flags) evaluated in software on the frame must give ref_classify()'s
 *                 checksum status
 */
#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <deque>
#include <string>
#include <vector>

#include "rx_ref.h"
#include "tb_blocks.h"

using namespace tbh;

namespace {

/* ---------------------------------------------------------------------------------------- */
/* rx_fifo (WIDTH 40, DEPTH 8) */

template <class V> int tb_rx_fifo(const TbArgs &a, Dut<V> &d)
{
    constexpr unsigned kDepth = 8;
    Summary s("rx_fifo", a.width, a.seed);
    Rng rng(a.seed);
    V &m = d.top();
    d.reset();
    s.check(m.fifo_empty && !m.fifo_m_valid && m.fifo_s_ready, "not empty after reset");

    Source<uint64_t> src(
        rng,
        [&m](const uint64_t *x) {
            m.fifo_s_valid = x != nullptr;
            if (x)
                m.fifo_s_data = *x;
        },
        [&m]() { return m.fifo_s_ready != 0; });
    Sink<uint64_t> snk(
        rng, [&m](bool r) { m.fifo_m_ready = r; }, [&m]() { return m.fifo_m_valid != 0; },
        [&m]() { return static_cast<uint64_t>(m.fifo_m_data); });
    Scoreboard<uint64_t> sb(s, "entries", [](const uint64_t &x) {
        char t[32];
        std::snprintf(t, sizeof t, "%010" PRIx64, x);
        return std::string(t);
    });

    unsigned occ = 0;
    for (int mode = 0; mode < 5; mode++) {
        Traffic t = Traffic::pick(rng, mode < 4 ? mode : 2);
        if (mode == 4) { /* fill completely, then drain */
            t.idle = 0;
            t.stall = 0;
        }
        src.set_traffic(t);
        snk.set_traffic(t);
        unsigned n = 2000 * a.scale;
        for (unsigned i = 0; i < n; i++) {
            uint64_t x = rng.u64() & ((uint64_t{1} << 40) - 1);
            src.push(x);
            sb.expect(x);
        }
        uint64_t start = d.cycle(), guard = d.cycle() + 100000 * a.scale;
        unsigned full_seen = 0;
        while ((src.pending() || occ) && d.cycle() < guard) {
            src.drive();
            snk.drive();
            if (mode == 4) { /* hold the read side until the FIFO is full, a few cycles more */
                if (occ == kDepth)
                    full_seen++;
                snk.hold(full_seen < 4);
            }
            d.settle();
            s.check(m.fifo_s_ready == (occ < kDepth), "occupancy %u: s_ready=%u", occ,
                    m.fifo_s_ready);
            s.check(m.fifo_m_valid == (occ > 0) && m.fifo_empty == (occ == 0),
                    "occupancy %u: m_valid=%u empty=%u", occ, m.fifo_m_valid, m.fifo_empty);
            bool in = src.observe();
            uint64_t x;
            bool out = snk.observe(&x);
            if (out)
                sb.got(x);
            occ = occ + in - out;
            d.tick();
        }
        s.check(d.cycle() < guard, "mode %d: timeout", mode);
        if (mode == 0)
            s.check(d.cycle() - start <= n + 2, "full speed: %u entries took %" PRIu64 " cycles", n,
                    d.cycle() - start);
        if (mode == 4)
            s.check(full_seen > 0, "the FIFO never filled up");
    }
    sb.drained();
    return s.finish();
}

/* ---------------------------------------------------------------------------------------- */
/* rss_toeplitz (IN_BYTES 36, KEY_BYTES 40) */

const uint8_t kMsKey[RSS_KEY_BYTES] = {
    0x6d, 0x5a, 0x56, 0xda, 0x25, 0x5b, 0x0e, 0xc2, 0x41, 0x67, 0x25, 0x3d, 0x43, 0xa3,
    0x8f, 0xb0, 0xd0, 0xca, 0x2b, 0xcb, 0xae, 0x7b, 0x30, 0xb4, 0x77, 0xcb, 0x2d, 0xa3,
    0x80, 0x30, 0xf2, 0x0c, 0x6a, 0x42, 0xb7, 0x3b, 0xbe, 0xac, 0x01, 0xfa};

/* the key as the vector file states it ("as one hex string: ...") */
bool file_key(const std::string &path, uint8_t key[RSS_KEY_BYTES])
{
    std::ifstream in(path);
    std::string line;
    const std::string tag = "as one hex string:";
    while (std::getline(in, line)) {
        size_t p = line.find(tag);
        if (p == std::string::npos)
            continue;
        std::string hex;
        for (char c : line.substr(p + tag.size()))
            if (std::isxdigit(static_cast<unsigned char>(c)))
                hex += c;
        if (hex.size() != 2 * RSS_KEY_BYTES)
            return false;
        for (unsigned i = 0; i < RSS_KEY_BYTES; i++)
            key[i] = static_cast<uint8_t>(std::stoul(hex.substr(2 * i, 2), nullptr, 16));
        return true;
    }
    return false;
}

template <class V> int tb_rss_toeplitz(const TbArgs &a, Dut<V> &d)
{
    Summary s("rss_toeplitz", a.width, a.seed);
    Rng rng(a.seed);
    V &m = d.top();
    d.reset();

    auto set_key = [&m](const uint8_t *k) {
        for (unsigned i = 0; i < 40; i++)
            set_bits(m.rss_key, 319 - 8 * i - 7, 8, k[i]);
    };
    struct In {
        uint8_t b[36];
        uint32_t expect;
        std::string what;
    };
    /* pipeline model: stage 1 holds the input taken at the last enabled edge */
    bool v1 = false;
    uint32_t e1 = 0;
    std::string w1;
    bool have_out = false;
    uint32_t out = 0;
    std::string wout;
    std::deque<In> q;
    uint64_t hashes = 0;

    auto run = [&](double en_gap, double in_gap) {
        while (!q.empty() || v1) {
            bool en = !(en_gap > 0 && rng.chance(en_gap));
            bool valid = !q.empty() && !(in_gap > 0 && rng.chance(in_gap));
            m.rss_en = en;
            m.rss_s_valid = valid;
            if (valid)
                for (unsigned i = 0; i < 36; i++)
                    set_bits(m.rss_s_data, 287 - 8 * i - 7, 8, q.front().b[i]);
            else
                for (unsigned i = 0; i < 36; i++) /* garbage when not valid */
                    set_bits(m.rss_s_data, 287 - 8 * i - 7, 8, rng.u32() & 0xff);
            d.settle();
            d.tick();
            if (en) {
                if (v1) {
                    have_out = true;
                    out = e1;
                    wout = w1;
                }
                v1 = valid;
                if (valid) {
                    e1 = q.front().expect;
                    w1 = q.front().what;
                    q.pop_front();
                }
            }
            d.settle();
            if (have_out) {
                s.check(m.rss_m_hash == out, "%s: hash %08x, expected %08x", wout.c_str(),
                        m.rss_m_hash, out);
                hashes++;
            }
        }
    };

    /* Microsoft vectors */
    std::vector<rxref::MsVector> vec;
    std::string err;
    uint8_t key[RSS_KEY_BYTES];
    if (!s.check(!a.vectors.empty(), "no --vectors file") ||
        !s.check(rxref::load_ms_vectors(a.vectors, vec, err) == 0, "%s", err.c_str()) ||
        !s.check(file_key(a.vectors, key), "%s: no key line", a.vectors.c_str()))
        return s.finish();
    s.check(vec.size() == 8, "expected 8 vector rows, found %zu", vec.size());
    s.check(std::memcmp(key, kMsKey, RSS_KEY_BYTES) == 0, "the file's key is not Microsoft's");
    set_key(key);
    for (const rxref::MsVector &v : vec) {
        unsigned al = v.v6 ? 16 : 4;
        In x{};
        std::memcpy(x.b, v.src, al);
        std::memcpy(x.b + al, v.dst, al);
        x.expect = v.hash_only;
        x.what = std::string(v.v6 ? "IPv6" : "IPv4") + " vector, addresses only";
        s.check(rss_toeplitz(key, x.b, 2 * al) == v.hash_only, "%s: software Toeplitz disagrees",
                x.what.c_str());
        q.push_back(x);
        x.b[2 * al] = static_cast<uint8_t>(v.sport >> 8);
        x.b[2 * al + 1] = static_cast<uint8_t>(v.sport);
        x.b[2 * al + 2] = static_cast<uint8_t>(v.dport >> 8);
        x.b[2 * al + 3] = static_cast<uint8_t>(v.dport);
        x.expect = v.hash_tcp;
        x.what = std::string(v.v6 ? "IPv6" : "IPv4") + " vector with ports";
        s.check(rss_toeplitz(key, x.b, 2 * al + 4) == v.hash_tcp, "%s: software Toeplitz disagrees",
                x.what.c_str());
        q.push_back(x);
    }
    run(0, 0);
    run(0.3, 0.3);
    uint64_t vec_hashes = hashes;

    /* random keys and inputs */
    static const unsigned lens[] = {8, 12, 32, 36};
    for (unsigned k = 0; k < 20 * a.scale; k++) {
        rng.bytes(key, RSS_KEY_BYTES);
        set_key(key);
        for (unsigned i = 0; i < 200; i++) {
            In x{};
            unsigned len = lens[rng.range(0, 3)];
            rng.bytes(x.b, len);
            x.expect = rss_toeplitz(key, x.b, len);
            x.what = "random input of " + std::to_string(len) + " bytes";
            q.push_back(x);
        }
        run(k % 3 == 0 ? 0.0 : 0.3, k % 2 == 0 ? 0.0 : 0.3);
    }
    s.note("%" PRIu64 " hash results compared (%" PRIu64 " from the vector file)", hashes,
           vec_hashes);
    return s.finish();
}

/* ---------------------------------------------------------------------------------------- */
/* rx_ingress (HDR_BYTES 128) */

struct Hdr {
    std::vector<uint8_t> data; /* 128 bytes */
    unsigned len = 0;
    bool operator==(const Hdr &o) const { return data == o.data && len == o.len; }
};

std::string fmt_hdr(const Hdr &h)
{
    char t[64];
    std::snprintf(t, sizeof t, "len=%u b0..3=%02x%02x%02x%02x", h.len, h.data[0], h.data[1],
                  h.data[2], h.data[3]);
    return t;
}

template <class V> int tb_rx_ingress(const TbArgs &a, Dut<V> &d)
{
    constexpr unsigned B = tb_beat_bytes<V>();
    constexpr unsigned kHdr = 128;
    Summary s("rx_ingress", a.width, a.seed);
    Rng rng(a.seed);
    V &m = d.top();
    d.reset();

    Source<Beat> src(
        rng,
        [&m](const Beat *b) {
            m.ing_s_axis_rx_tvalid = b != nullptr;
            if (!b)
                return;
            put_bytes(m.ing_s_axis_rx_tdata, b->data.data(), B);
            set_bits(m.ing_s_axis_rx_tkeep, 0, B, b->keep);
            m.ing_s_axis_rx_tlast = b->last;
            m.ing_s_axis_rx_tuser = b->user;
        },
        [&m]() { return m.ing_s_axis_rx_tready != 0; });
    Sink<Beat> data(
        rng, [&m](bool r) { m.ing_m_axis_data_tready = r; },
        [&m]() { return m.ing_m_axis_data_tvalid != 0; },
        [&m]() {
            Beat b;
            b.data.resize(B);
            take_bytes(m.ing_m_axis_data_tdata, b.data.data(), B);
            b.keep = get_bits(m.ing_m_axis_data_tkeep, 0, B);
            b.last = m.ing_m_axis_data_tlast;
            b.user = m.ing_m_axis_data_tuser;
            return b;
        });
    Sink<Hdr> hdr(
        rng, [&m](bool r) { m.ing_m_hdr_ready = r; }, [&m]() { return m.ing_m_hdr_valid != 0; },
        [&m]() {
            Hdr h;
            h.data.resize(kHdr);
            take_bytes(m.ing_m_hdr_data, h.data.data(), kHdr);
            h.len = m.ing_m_hdr_len;
            return h;
        });
    Scoreboard<Beat> sb_data(s, "data beats", fmt_beat);
    Scoreboard<Hdr> sb_hdr(s, "headers", fmt_hdr);

    for (int mode = 0; mode < 4; mode++) {
        Traffic t = Traffic::pick(rng, mode);
        src.set_traffic(t);
        data.set_traffic(t);
        hdr.set_traffic(t);
        uint64_t beats = 0;
        unsigned frames = 150 * a.scale;
        for (unsigned i = 0; i < frames; i++) {
            size_t len = rng.chance(0.3) ? rng.range(1, 140) : rng.range(1, 2000);
            std::vector<uint8_t> f(len);
            rng.bytes(f.data(), len);
            bool user = rng.chance(0.1);
            for (const Beat &b : split_frame(f, B, user, rng)) {
                src.push(b);
                sb_data.expect(b);
                beats++;
            }
            Hdr h;
            h.data.assign(kHdr, 0);
            h.len = static_cast<unsigned>(std::min<size_t>(len, kHdr));
            std::memcpy(h.data.data(), f.data(), h.len);
            sb_hdr.expect(h);
        }
        uint64_t start = d.cycle(), guard = d.cycle() + 400000 * a.scale;
        while ((src.pending() || sb_data.outstanding() || sb_hdr.outstanding() || m.ing_busy) &&
               d.cycle() < guard) {
            src.drive();
            data.drive();
            hdr.drive();
            d.settle();
            src.observe();
            Beat b;
            if (data.observe(&b))
                sb_data.got(b);
            Hdr h;
            if (hdr.observe(&h))
                sb_hdr.got(h);
            d.tick();
        }
        s.check(d.cycle() < guard, "mode %d: timeout", mode);
        if (mode == 0)
            s.check(d.cycle() - start <= beats + 8, "full speed: %" PRIu64 " beats took %" PRIu64
                    " cycles", beats, d.cycle() - start);
        s.note("mode %d: %u frames, %" PRIu64 " beats, %" PRIu64 " cycles", mode, frames, beats,
               d.cycle() - start);
    }
    sb_data.drained();
    sb_hdr.drained();
    return s.finish();
}

/* ---------------------------------------------------------------------------------------- */
/* checksum plan and its software evaluation (the rules listed in rtl/rx_parser.v) */

struct Plan {
    unsigned l3 = 0, l4 = 0, frag = 0, ht = 0, queue = 0;
    uint32_t hash = 0;
    bool cs_en = false, bad_ip = false, chk_end = false, chk_ip = false, unver = false,
         chk_l4 = false;
    unsigned l3_off = 0, l4_off = 0, ip_end = 0, pseudo = 0;
};

/* ones' complement sum of frame bytes [a, b) (clipped to the frame), a even */
uint32_t sum_range(const std::vector<uint8_t> &f, size_t a, size_t b)
{
    b = std::min(b, f.size());
    if (a >= b)
        return 0;
    return pkt_csum_add(0, f.data() + a, b - a);
}

unsigned eval_plan(const Plan &p, const std::vector<uint8_t> &f, bool tuser)
{
    if (!p.cs_en)
        return rxref::CS_NONE;
    if (tuser)
        return rxref::CS_UNVERIFIED;
    bool ip_bad = p.chk_ip && pkt_csum_fold(sum_range(f, p.l3_off, p.l4_off)) != 0xffff;
    if (p.bad_ip || (p.chk_end && p.ip_end > f.size()) || ip_bad)
        return rxref::CS_BAD_IP;
    if (p.unver)
        return rxref::CS_UNVERIFIED;
    if (p.chk_l4 && pkt_csum_fold(sum_range(f, p.l4_off, p.ip_end) + p.pseudo) != 0xffff)
        return rxref::CS_BAD_L4;
    return rxref::CS_OK;
}

/* ---------------------------------------------------------------------------------------- */
/* rx_csum (OUT_DEPTH 4) */

struct Meta {
    unsigned len = 0, l3 = 0, l4 = 0, ht = 0, queue = 0, csum = 0, frag = 0;
    uint32_t hash = 0;
    bool operator==(const Meta &o) const
    {
        return len == o.len && l3 == o.l3 && l4 == o.l4 && ht == o.ht && queue == o.queue &&
               csum == o.csum && frag == o.frag && hash == o.hash;
    }
};

std::string fmt_meta(const Meta &r)
{
    char b[160];
    std::snprintf(b, sizeof b, "len=%u l3=%u l4=%u ht=%u hash=%08x q=%u csum=%u frag=%u", r.len,
                  r.l3, r.l4, r.ht, r.hash, r.queue, r.csum, r.frag);
    return b;
}

struct Stat {
    unsigned len = 0, csum = 0, l3 = 0;
    bool operator==(const Stat &o) const { return len == o.len && csum == o.csum && l3 == o.l3; }
};

std::string fmt_stat(const Stat &x)
{
    char b[64];
    std::snprintf(b, sizeof b, "len=%u csum=%u l3=%u", x.len, x.csum, x.l3);
    return b;
}

/* sum of 16-bit words of a byte string (unfolded) */
unsigned word_sum(const uint8_t *p, size_t n)
{
    unsigned s = 0;
    for (size_t i = 0; i + 1 < n; i += 2)
        s += static_cast<unsigned>(p[i] << 8 | p[i + 1]);
    return s;
}

/* a frame and its plan: a built frame with its real plan and random damage, or random */
void gen_csum_case(Rng &rng, std::vector<uint8_t> &f, bool &tuser, Plan &p)
{
    p = Plan();
    tuser = false;
    p.l3 = static_cast<unsigned>(rng.range(0, 3));
    p.l4 = static_cast<unsigned>(rng.range(0, 3));
    p.frag = static_cast<unsigned>(rng.range(0, 1));
    p.ht = static_cast<unsigned>(rng.range(0, 7));
    p.queue = static_cast<unsigned>(rng.range(0, 127));
    p.hash = rng.u32();
    if (rng.chance(0.7)) {
        pkt_spec sp;
        std::memset(&sp, 0, sizeof sp);
        sp.ipv6 = rng.chance(0.4);
        rng.bytes(sp.src, 16);
        rng.bytes(sp.dst, 16);
        sp.proto = rng.chance(0.5) ? 6 : 17;
        sp.sport = static_cast<uint16_t>(rng.u32());
        sp.dport = static_cast<uint16_t>(rng.u32());
        sp.seq = rng.u32();
        sp.tcp_flags = 0x10;
        sp.vlan = rng.chance(0.2);
        std::vector<uint8_t> pay(rng.range(0, 1500));
        rng.bytes(pay.data(), pay.size());
        f.assign(pay.size() + 200, 0);
        int n = pkt_build(&sp, pay.data(), pay.size(), f.data(), f.size());
        if (n < 0)
            std::abort();
        f.resize(static_cast<size_t>(n));
        unsigned l3 = sp.vlan ? 18 : 14;
        unsigned al = sp.ipv6 ? 16 : 4;
        unsigned l4 = sp.ipv6 ? l3 + 40 : l3 + 4u * (f[l3] & 15);
        unsigned ip_end = sp.ipv6 ? l3 + 40 + pkt_get16(&f[l3 + 4]) : l3 + pkt_get16(&f[l3 + 2]);
        const uint8_t *src = &f[l3 + (sp.ipv6 ? 8 : 12)];
        p.cs_en = true;
        p.chk_end = true;
        p.chk_ip = !sp.ipv6;
        p.chk_l4 = true;
        p.l3_off = l3;
        p.l4_off = l4;
        p.ip_end = ip_end;
        p.pseudo = word_sum(src, 2 * al) + sp.proto + (ip_end - l4);
        switch (rng.range(0, 9)) {
        case 0: /* damage in the IP header */
            f[l3 + rng.range(0, l4 - l3 - 1)] ^= static_cast<uint8_t>(rng.range(1, 255));
            break;
        case 1: /* damage in the L4 bytes */
            f[l4 + rng.range(0, ip_end - l4 - 1)] ^= static_cast<uint8_t>(rng.range(1, 255));
            break;
        case 2: /* truncated */
            f.resize(rng.range(l4, f.size() - 1));
            break;
        case 3:
            tuser = true;
            break;
        case 4: /* padding after the IP end */
            for (unsigned i = static_cast<unsigned>(rng.range(1, 40)); i; i--)
                f.push_back(static_cast<uint8_t>(rng.u32()));
            break;
        case 5:
            p.unver = true;
            break;
        case 6:
            p.bad_ip = rng.chance(0.5);
            p.cs_en = !p.bad_ip;
            break;
        default:
            break;
        }
        return;
    }
    /* random bytes, random plan (even offsets; the IP end inside the frame unless checked) */
    f.resize(rng.range(1, 1600));
    rng.bytes(f.data(), f.size());
    tuser = rng.chance(0.1);
    p.cs_en = rng.chance(0.9);
    p.bad_ip = rng.chance(0.1);
    p.chk_end = rng.chance(0.5);
    p.chk_ip = rng.chance(0.5);
    p.unver = rng.chance(0.1);
    p.chk_l4 = rng.chance(0.7);
    const unsigned max_even = static_cast<unsigned>(f.size()) & ~1u;
    p.l3_off = std::min(2 * static_cast<unsigned>(rng.range(0, 15)), max_even);
    p.l4_off = std::min(std::max(p.l3_off, 2 * static_cast<unsigned>(rng.range(0, 60))), max_even);
    p.ip_end = static_cast<unsigned>(rng.range(p.l4_off, f.size() + (p.chk_end ? 20 : 0)));
    p.pseudo = static_cast<unsigned>(rng.range(0, (1u << 21) - 1));
    /* make some of the sums right so 'ok' is reached too */
    if (p.chk_ip && p.l4_off >= p.l3_off + 2 && p.l4_off <= f.size() && rng.chance(0.6)) {
        f[p.l3_off] = f[p.l3_off + 1] = 0;
        uint16_t c = static_cast<uint16_t>(~pkt_csum_fold(sum_range(f, p.l3_off, p.l4_off)));
        pkt_put16(&f[p.l3_off], c);
    }
    if (p.chk_l4 && p.ip_end >= p.l4_off + 2 && p.ip_end <= f.size() && rng.chance(0.6)) {
        size_t w = p.l4_off + 2 * rng.range(0, (p.ip_end - p.l4_off) / 2 - 1);
        f[w] = f[w + 1] = 0;
        uint32_t sum = sum_range(f, p.l4_off, p.ip_end) + p.pseudo;
        uint16_t c = static_cast<uint16_t>(~pkt_csum_fold(sum));
        pkt_put16(&f[w], c);
    }
}

template <class V> int tb_rx_csum(const TbArgs &a, Dut<V> &d)
{
    constexpr unsigned B = tb_beat_bytes<V>();
    Summary s("rx_csum", a.width, a.seed);
    Rng rng(a.seed);
    V &m = d.top();
    d.reset();

    Source<Beat> src(
        rng,
        [&m](const Beat *b) {
            m.csm_s_axis_tvalid = b != nullptr;
            if (!b)
                return;
            put_bytes(m.csm_s_axis_tdata, b->data.data(), B);
            set_bits(m.csm_s_axis_tkeep, 0, B, b->keep);
            m.csm_s_axis_tlast = b->last;
            m.csm_s_axis_tuser = b->user;
        },
        [&m]() { return m.csm_s_axis_tready != 0; });
    Source<Plan> prs(
        rng,
        [&m](const Plan *p) {
            m.csm_s_pr_valid = p != nullptr;
            if (!p)
                return;
            m.csm_s_pr_l3 = static_cast<uint8_t>(p->l3);
            m.csm_s_pr_l4 = static_cast<uint8_t>(p->l4);
            m.csm_s_pr_frag = static_cast<uint8_t>(p->frag);
            m.csm_s_pr_hash_type = static_cast<uint8_t>(p->ht);
            m.csm_s_pr_hash = p->hash;
            m.csm_s_pr_queue = static_cast<uint8_t>(p->queue);
            m.csm_s_pr_cs_en = p->cs_en;
            m.csm_s_pr_cs_bad_ip = p->bad_ip;
            m.csm_s_pr_cs_chk_end = p->chk_end;
            m.csm_s_pr_cs_chk_ip = p->chk_ip;
            m.csm_s_pr_cs_unver = p->unver;
            m.csm_s_pr_cs_chk_l4 = p->chk_l4;
            m.csm_s_pr_l3_off = static_cast<uint8_t>(p->l3_off);
            m.csm_s_pr_l4_off = static_cast<uint16_t>(p->l4_off);
            m.csm_s_pr_ip_end = p->ip_end;
            m.csm_s_pr_pseudo = p->pseudo;
        },
        [&m]() { return m.csm_s_pr_ready != 0; });
    Sink<Meta> meta(
        rng, [&m](bool r) { m.csm_m_axis_rxmeta_tready = r; },
        [&m]() { return m.csm_m_axis_rxmeta_tvalid != 0; },
        [&m]() {
            Meta r;
            r.len = m.csm_m_axis_rxmeta_len;
            r.l3 = m.csm_m_axis_rxmeta_l3;
            r.l4 = m.csm_m_axis_rxmeta_l4;
            r.ht = m.csm_m_axis_rxmeta_hash_type;
            r.hash = m.csm_m_axis_rxmeta_hash;
            r.queue = m.csm_m_axis_rxmeta_queue;
            r.csum = m.csm_m_axis_rxmeta_csum;
            r.frag = m.csm_m_axis_rxmeta_frag;
            return r;
        });
    Sink<Beat> data(
        rng, [&m](bool r) { m.csm_m_axis_tready = r; },
        [&m]() { return m.csm_m_axis_tvalid != 0; },
        [&m]() {
            Beat b;
            b.data.resize(B);
            take_bytes(m.csm_m_axis_tdata, b.data.data(), B);
            b.keep = get_bits(m.csm_m_axis_tkeep, 0, B);
            b.last = m.csm_m_axis_tlast;
            return b;
        });
    Scoreboard<Meta> sb_meta(s, "results", fmt_meta);
    Scoreboard<Beat> sb_data(s, "data beats", fmt_beat);
    Scoreboard<Stat> sb_stat(s, "statistics strobes", fmt_stat);
    unsigned counts[5] = {};

    for (int mode = 0; mode < 4; mode++) {
        Traffic t = Traffic::pick(rng, mode);
        src.set_traffic(t);
        prs.set_traffic(t);
        meta.set_traffic(t);
        data.set_traffic(t);
        unsigned frames = 300 * a.scale;
        uint64_t beats = 0;
        for (unsigned i = 0; i < frames; i++) {
            std::vector<uint8_t> f;
            bool tuser;
            Plan p;
            gen_csum_case(rng, f, tuser, p);
            for (Beat b : split_frame(f, B, tuser, rng)) {
                src.push(b);
                b.user = false; /* not carried on the output */
                sb_data.expect(b);
                beats++;
            }
            prs.push(p);
            Meta r;
            r.len = static_cast<unsigned>(std::min<size_t>(f.size(), 0xffff));
            r.l3 = p.l3;
            r.l4 = p.l4;
            r.ht = p.ht;
            r.hash = p.hash;
            r.queue = p.queue;
            r.frag = p.frag;
            r.csum = eval_plan(p, f, tuser);
            counts[r.csum]++;
            sb_meta.expect(r);
            sb_stat.expect(Stat{r.len, r.csum, r.l3});
        }
        uint64_t start = d.cycle(), guard = d.cycle() + 400000 * a.scale;
        while ((src.pending() || prs.pending() || sb_meta.outstanding() || sb_data.outstanding() ||
                m.csm_busy) && d.cycle() < guard) {
            src.drive();
            prs.drive();
            meta.drive();
            data.drive();
            d.settle();
            src.observe();
            prs.observe();
            Meta r;
            if (meta.observe(&r))
                sb_meta.got(r);
            Beat b;
            if (data.observe(&b))
                sb_data.got(b);
            if (m.csm_stat_valid)
                sb_stat.got(Stat{m.csm_stat_len, m.csm_stat_csum, m.csm_stat_l3});
            d.tick();
        }
        s.check(d.cycle() < guard, "mode %d: timeout", mode);
        if (mode == 0)
            s.check(d.cycle() - start <= beats + 16, "full speed: %" PRIu64 " beats took %" PRIu64
                    " cycles", beats, d.cycle() - start);
    }
    sb_meta.drained();
    sb_data.drained();
    sb_stat.drained();
    s.note("statuses none/ok/bad_ip/bad_l4/unverified: %u/%u/%u/%u/%u", counts[0], counts[1],
           counts[2], counts[3], counts[4]);
    for (unsigned c = 0; c < 5; c++)
        s.check(counts[c] > 0, "status %u never produced", c);
    return s.finish();
}

/* ---------------------------------------------------------------------------------------- */
/* rx_parser (HDR_BYTES 128, EXT_MAX 4, FIFO_DEPTH 16) */

template <class V> int tb_rx_parser(const TbArgs &a, Dut<V> &d)
{
    constexpr unsigned kHdr = 128;
    Summary s("rx_parser", a.width, a.seed);
    Rng rng(a.seed);
    rxref::Rng frng(a.seed ^ 0x5eed);
    V &m = d.top();
    d.reset();

    struct In {
        std::vector<uint8_t> frame;
        bool tuser;
    };
    Source<In> src(
        rng,
        [&m](const In *x) {
            m.prs_s_hdr_valid = x != nullptr;
            if (!x)
                return;
            uint8_t h[kHdr] = {};
            size_t n = std::min<size_t>(x->frame.size(), kHdr);
            std::memcpy(h, x->frame.data(), n);
            put_bytes(m.prs_s_hdr_data, h, kHdr);
            m.prs_s_hdr_len = static_cast<uint8_t>(n);
        },
        [&m]() { return m.prs_s_hdr_ready != 0; });
    Sink<Plan> out(
        rng, [&m](bool r) { m.prs_m_pr_ready = r; }, [&m]() { return m.prs_m_pr_valid != 0; },
        [&m]() {
            Plan p;
            p.l3 = m.prs_m_pr_l3;
            p.l4 = m.prs_m_pr_l4;
            p.frag = m.prs_m_pr_frag;
            p.ht = m.prs_m_pr_hash_type;
            p.hash = m.prs_m_pr_hash;
            p.queue = m.prs_m_pr_queue;
            p.cs_en = m.prs_m_pr_cs_en;
            p.bad_ip = m.prs_m_pr_cs_bad_ip;
            p.chk_end = m.prs_m_pr_cs_chk_end;
            p.chk_ip = m.prs_m_pr_cs_chk_ip;
            p.unver = m.prs_m_pr_cs_unver;
            p.chk_l4 = m.prs_m_pr_cs_chk_l4;
            p.l3_off = m.prs_m_pr_l3_off;
            p.l4_off = m.prs_m_pr_l4_off;
            p.ip_end = m.prs_m_pr_ip_end;
            p.pseudo = m.prs_m_pr_pseudo;
            return p;
        });

    std::deque<std::pair<In, rxref::Result>> expect;
    uint64_t frames_total = 0;
    for (unsigned seg = 0; seg < 8 * a.scale; seg++) {
        rxref::Config c;
        rxref::random_config(c, frng);
        m.prs_cfg_rss_enable = c.rss_enable;
        m.prs_cfg_csum_enable = c.csum_enable;
        m.prs_cfg_hash_mask = static_cast<uint8_t>(c.hash_mask);
        m.prs_cfg_table_mask = static_cast<uint8_t>(c.table_mask);
        for (unsigned i = 0; i < 40; i++)
            set_bits(m.prs_cfg_key, 319 - 8 * i - 7, 8, c.key[i]);
        for (unsigned e = 0; e < 128; e++)
            set_bits(m.prs_cfg_table, 7 * e, 7, c.table[e]);
        Traffic t = Traffic::pick(rng, static_cast<int>(seg % 4));
        src.set_traffic(t);
        out.set_traffic(t);
        unsigned n = 400;
        for (unsigned i = 0; i < n; i++) {
            rxref::Frame f = rxref::gen_random_frame(frng);
            In x{f.bytes, f.tuser};
            src.push(x);
            expect.emplace_back(x, rxref::ref_classify(f.bytes, f.tuser, c));
        }
        uint64_t start = d.cycle(), guard = d.cycle() + 200000 * a.scale;
        while ((src.pending() || !expect.empty()) && d.cycle() < guard) {
            src.drive();
            out.drive();
            d.settle();
            src.observe();
            Plan p;
            if (out.observe(&p)) {
                if (!s.check(!expect.empty(), "result without a header"))
                    break;
                const In &x = expect.front().first;
                const rxref::Result &r = expect.front().second;
                unsigned cs = eval_plan(p, x.frame, x.tuser);
                bool ok = p.l3 == r.l3 && p.l4 == r.l4 && p.frag == r.frag &&
                          p.ht == r.hash_type && p.hash == r.hash && p.queue == r.queue &&
                          cs == r.csum;
                s.check(ok,
                        "frame #%" PRIu64 " (len %zu): got l3=%u l4=%u frag=%u ht=%u hash=%08x q=%u "
                        "csum=%u (plan en=%d bad_ip=%d end=%d ip=%d unver=%d l4=%d l3off=%u "
                        "l4off=%u ipend=%u pseudo=%x), expected %s",
                        frames_total, x.frame.size(), p.l3, p.l4, p.frag, p.ht, p.hash, p.queue, cs,
                        p.cs_en, p.bad_ip, p.chk_end, p.chk_ip, p.unver, p.chk_l4, p.l3_off,
                        p.l4_off, p.ip_end, p.pseudo, rxref::fmt_result(r).c_str());
                expect.pop_front();
                frames_total++;
            }
            d.tick();
        }
        s.check(d.cycle() < guard, "segment %u: timeout", seg);
        if (seg % 4 == 0)
            s.check(d.cycle() - start <= n + 20, "full speed: %u headers took %" PRIu64 " cycles",
                    n, d.cycle() - start);
        /* configuration changes only when the pipeline is empty */
        for (int i = 0; i < 4; i++) {
            d.settle();
            d.tick();
        }
        s.check(!m.prs_busy, "busy with nothing in flight");
    }
    s.check(expect.empty(), "%zu results missing", expect.size());
    s.note("%" PRIu64 " frames compared", frames_total);
    return s.finish();
}

} // namespace

void tb_register_rx(std::vector<TbEntry> &v)
{
    v.push_back({"rx_ingress", tb_rx_ingress<Vtb_blocks_w64>, tb_rx_ingress<Vtb_blocks_w512>});
    v.push_back({"rx_parser", tb_rx_parser<Vtb_blocks_w64>, nullptr});
    v.push_back({"rss_toeplitz", tb_rss_toeplitz<Vtb_blocks_w64>, nullptr});
    v.push_back({"rx_csum", tb_rx_csum<Vtb_blocks_w64>, tb_rx_csum<Vtb_blocks_w512>});
    v.push_back({"rx_fifo", tb_rx_fifo<Vtb_blocks_w64>, nullptr});
}
