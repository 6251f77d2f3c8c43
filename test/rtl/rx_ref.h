/*
 * rx_ref.h: reference model of the receive path shared by tb_nic_rx (nic_top) and the
 * rx_parser block bench (tb_blocks): the classification rules documented in rtl/rx_parser.v
 * (ref_classify), random frame generation, random configurations and the Microsoft RSS
 * verification vectors reader.
 */
#ifndef NICSIM_TEST_RTL_RX_REF_H
#define NICSIM_TEST_RTL_RX_REF_H

#include <arpa/inet.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

extern "C" {
#include "nic_hw.h"
#include "pkt.h"
#include "rss.h"
}

namespace rxref {

// RTL parameters the reference model mirrors (nic_top defaults)
constexpr size_t kHdrBytes = 128;
constexpr int kExtMax = 4;

enum CsumStatus { CS_NONE = 0, CS_OK = 1, CS_BAD_IP = 2, CS_BAD_L4 = 3, CS_UNVERIFIED = 4 };

// CSR byte addresses
constexpr uint32_t kRegId = NIC_REG_ID, kRegWidth = NIC_REG_WIDTH, kRegCtrl = NIC_REG_CTRL,
                   kRegHashMask = NIC_REG_HASH_TYPES, kRegTableMask = NIC_REG_TABLE_MASK,
                   kRegKey = NIC_REG_KEY0, kRegTable = NIC_REG_TABLE0,
                   kRegFrames = NIC_REG_STAT_RX_FRAMES, kRegBytesLo = NIC_REG_STAT_RX_BYTES_LO,
                   kRegBytesHi = NIC_REG_STAT_RX_BYTES_HI, kRegBadIp = NIC_REG_STAT_BAD_IP,
                   kRegBadL4 = NIC_REG_STAT_BAD_L4, kRegUnver = NIC_REG_STAT_UNVERIFIED,
                   kRegNonIp = NIC_REG_STAT_NON_IP, kRegDropNoDesc = NIC_REG_STAT_DROP_NODESC;

struct Config {
    bool rss_enable = true;
    bool csum_enable = true;
    uint32_t hash_mask = RSS_HT_DEFAULT_MASK;
    uint32_t table_mask = 0;
    uint8_t key[RSS_KEY_BYTES] = {};
    uint8_t table[RSS_TABLE_MAX] = {};
};

struct Result {
    unsigned len = 0, l3 = 0, l4 = 0, hash_type = 0, queue = 0, csum = 0, frag = 0;
    uint32_t hash = 0;
    unsigned drop = 1; // RX DMA disabled: every frame dropped as 'no descriptor'
    bool operator==(const Result &o) const
    {
        return len == o.len && l3 == o.l3 && l4 == o.l4 && hash_type == o.hash_type &&
               queue == o.queue && csum == o.csum && frag == o.frag && hash == o.hash &&
               drop == o.drop;
    }
};

inline std::string fmt_result(const Result &r)
{
    char b[180];
    std::snprintf(b, sizeof b, "len=%u l3=%u l4=%u ht=%u hash=%08x q=%u csum=%u frag=%u drop=%u",
                  r.len, r.l3, r.l4, r.hash_type, r.hash, r.queue, r.csum, r.frag, r.drop);
    return b;
}

struct Frame {
    std::vector<uint8_t> bytes;
    bool tuser = false;
    Result expect;
};

struct Stats {
    uint64_t frames = 0, bytes = 0, bad_ip = 0, bad_l4 = 0, unver = 0, non_ip = 0;
    void add(const Result &r)
    {
        frames++;
        bytes += r.len;
        bad_ip += r.csum == CS_BAD_IP;
        bad_l4 += r.csum == CS_BAD_L4;
        unver += r.csum == CS_UNVERIFIED;
        non_ip += r.l3 == 0;
    }
};

/* ---------------------------------------------------------------------------------------
 * Reference classifier (rules in rtl/rx_parser.v)
 * ------------------------------------------------------------------------------------- */

inline bool is_tag(unsigned et) { return et == 0x8100 || et == 0x88a8; }
inline bool is_ext(unsigned nh) { return nh == 0 || nh == 43 || nh == 60 || nh == 44 || nh == 51; }

inline Result ref_classify(const std::vector<uint8_t> &f, bool tuser, const Config &c)
{
    const size_t len = f.size();
    const size_t cap = std::min(len, kHdrBytes);
    // captured header byte; zero past the capture (as the RTL sees it)
    auto B = [&](size_t i) -> unsigned { return i < cap ? f[i] : 0u; };
    auto W16 = [&](size_t i) -> unsigned { return (B(i) << 8) | B(i + 1); };

    Result r;
    r.len = (unsigned)std::min<size_t>(len, 0xffff);
    unsigned et = W16(12);
    size_t off = 14;
    if (is_tag(et)) {
        et = W16(16);
        off = 18;
        if (is_tag(et)) {
            et = W16(20);
            off = 22;
        }
    }
    if (et != 0x0800 && et != 0x86dd)
        return r;
    const bool v4 = et == 0x0800;
    r.l3 = v4 ? 1 : 2;

    enum { WALK, DONE, FRAG, UNPARSED } state = DONE;
    bool hdr_ok, len_bad = false, frag = false, jumbo = false;
    size_t l4off, ip_end;
    unsigned nh;
    if (v4) {
        unsigned ihl = B(off) & 15;
        unsigned tl = W16(off + 2);
        hdr_ok = (B(off) >> 4) == 4 && ihl >= 5 && off + 4 * ihl <= cap;
        l4off = off + 4 * ihl;
        ip_end = off + tl;
        len_bad = tl < 4 * ihl;
        frag = (B(off + 6) & 0x20) || (W16(off + 6) & 0x1fff);
        nh = B(off + 9);
    } else {
        unsigned plen = W16(off + 4);
        hdr_ok = (B(off) >> 4) == 6 && off + 40 <= cap;
        nh = B(off + 6);
        ip_end = off + 40 + plen;
        jumbo = plen == 0;
        size_t cur = off + 40;
        if (hdr_ok) {
            state = WALK;
            for (int i = 0; i < kExtMax && state == WALK; i++) {
                if (!is_ext(nh)) {
                    state = DONE;
                    break;
                }
                size_t hl = nh == 44 ? 8 : nh == 51 ? (B(cur + 1) + 2) * 4 : (B(cur + 1) + 1) * 8;
                if (cur + hl > cap)
                    state = UNPARSED;
                else if (nh == 44 && ((W16(cur + 2) >> 3) != 0 || (B(cur + 3) & 1)))
                    state = FRAG;
                else {
                    nh = B(cur);
                    cur += hl;
                }
            }
            if (state == WALK)
                state = is_ext(nh) ? UNPARSED : DONE;
        }
        l4off = cur;
        frag = state == FRAG;
    }

    if (!hdr_ok) {
        r.csum = c.csum_enable ? (tuser ? CS_UNVERIFIED : CS_BAD_IP) : CS_NONE;
        return r;
    }
    const bool unparsed = state == UNPARSED;
    r.frag = frag;
    r.l4 = unparsed ? 0 : frag ? 3 : nh == 6 ? 1 : nh == 17 ? 2 : 3;
    const bool ports_ok = (r.l4 == 1 || r.l4 == 2) && l4off + 4 <= cap;

    // hash type and Toeplitz input (src | dst | sport | dport as on the wire)
    if (c.rss_enable) {
        const unsigned m_ip = v4 ? RSS_HT_IPV4 : RSS_HT_IPV6;
        const unsigned m_tcp = v4 ? RSS_HT_TCP_IPV4 : RSS_HT_TCP_IPV6;
        const unsigned m_udp = v4 ? RSS_HT_UDP_IPV4 : RSS_HT_UDP_IPV6;
        if (r.l4 == 1 && ports_ok && (c.hash_mask & RSS_HT_BIT(m_tcp)))
            r.hash_type = m_tcp;
        else if (r.l4 == 2 && ports_ok && (c.hash_mask & RSS_HT_BIT(m_udp)))
            r.hash_type = m_udp;
        else if (c.hash_mask & RSS_HT_BIT(m_ip))
            r.hash_type = m_ip;
    }
    const size_t alen = v4 ? 4 : 16;
    const size_t aoff = off + (v4 ? 12 : 8);
    if (r.hash_type) {
        uint8_t in[36];
        size_t n = 0;
        for (size_t i = 0; i < 2 * alen; i++)
            in[n++] = (uint8_t)B(aoff + i);
        if (r.hash_type != RSS_HT_IPV4 && r.hash_type != RSS_HT_IPV6)
            for (size_t i = 0; i < 4; i++)
                in[n++] = (uint8_t)B(l4off + i);
        r.hash = rss_toeplitz(c.key, in, n);
        r.queue = c.table[r.hash & c.table_mask];
    }

    if (!c.csum_enable) {
        r.csum = CS_NONE;
        return r;
    }
    if (tuser) {
        r.csum = CS_UNVERIFIED;
        return r;
    }
    bool bad_ip = (v4 && len_bad) || (!v4 && !jumbo && state == DONE && l4off > ip_end);
    if (!(!v4 && jumbo) && ip_end > len)
        bad_ip = true;
    if (v4 && !bad_ip && pkt_csum_fold(pkt_csum_add(0, f.data() + off, l4off - off)) != 0xffff)
        bad_ip = true;
    if (bad_ip) {
        r.csum = CS_BAD_IP;
        return r;
    }
    bool udp0 = v4 && r.l4 == 2 && l4off + 8 <= cap && W16(l4off + 6) == 0;
    if (frag || unparsed || (!v4 && jumbo) || udp0) {
        r.csum = CS_UNVERIFIED;
        return r;
    }
    if (r.l4 == 1 || r.l4 == 2) {
        uint8_t src[16], dst[16];
        for (size_t i = 0; i < alen; i++) {
            src[i] = f[aoff + i];
            dst[i] = f[aoff + alen + i];
        }
        uint32_t sum = pkt_csum_pseudo(src, dst, (int)alen, (uint8_t)nh,
                                      (uint32_t)((ip_end - l4off) & 0xffff));
        sum = pkt_csum_add(sum, f.data() + l4off, ip_end - l4off);
        r.csum = pkt_csum_fold(sum) == 0xffff ? CS_OK : CS_BAD_L4;
        return r;
    }
    r.csum = CS_OK;
    return r;
}

/* ---------------------------------------------------------------------------------------
 * Random numbers and frame generation
 * ------------------------------------------------------------------------------------- */

class Rng {
public:
    explicit Rng(uint64_t seed) : g_(seed) {}
    uint32_t below(uint32_t n) { return n ? (uint32_t)(g_() % n) : 0; }
    bool pct(uint32_t p) { return below(100) < p; }
    uint8_t byte() { return (uint8_t)g_(); }
    uint32_t u32() { return (uint32_t)g_(); }

private:
    std::mt19937_64 g_;
};

inline std::vector<uint8_t> build_frame(const pkt_spec &s, const std::vector<uint8_t> &payload)
{
    std::vector<uint8_t> out(payload.size() + 200);
    int n = pkt_build(&s, payload.data(), payload.size(), out.data(), out.size());
    if (n < 0) {
        std::fprintf(stderr, "tb_nic_rx: pkt_build failed\n");
        std::abort();
    }
    out.resize((size_t)n);
    return out;
}

inline void random_spec(pkt_spec &s, Rng &rng, bool ipv6, uint8_t proto)
{
    std::memset(&s, 0, sizeof s);
    s.ipv6 = ipv6;
    for (int i = 0; i < 16; i++) {
        s.src[i] = rng.byte();
        s.dst[i] = rng.byte();
    }
    for (int i = 0; i < 6; i++) {
        s.src_mac[i] = rng.byte();
        s.dst_mac[i] = rng.byte();
    }
    s.proto = proto;
    s.sport = (uint16_t)rng.u32();
    s.dport = (uint16_t)rng.u32();
    s.seq = rng.u32();
    s.ack = rng.u32();
    s.tcp_flags = 0x10;
    s.window = (uint16_t)rng.u32();
    s.ip_id = (uint16_t)rng.u32();
}

inline void ipv4_fix_csum(std::vector<uint8_t> &b, size_t ip, bool bad)
{
    size_t hl = (size_t)(b[ip] & 15) * 4;
    b[ip + 10] = b[ip + 11] = 0;
    uint16_t c = (uint16_t)~pkt_csum_fold(pkt_csum_add(0, b.data() + ip, hl));
    if (bad)
        c ^= 0x5a5a;
    pkt_put16(&b[ip + 10], c);
}

inline Frame gen_random_frame(Rng &rng)
{
    Frame f;
    const uint32_t kind = rng.below(100);
    if (kind < 4) {
        // non-IP: other ethertypes, or three tags
        f.bytes.resize(60 + rng.below(300));
        for (auto &x : f.bytes)
            x = rng.byte();
        static const uint16_t ets[] = {0x0806, 0x88cc, 0x8847, 0x0842, 0x9000};
        size_t p = 12;
        if (rng.pct(30)) {
            pkt_put16(&f.bytes[p], 0x8100);
            p += 4;
        }
        if (rng.pct(20)) {
            // three tags: only two are walked, so the third makes it non-IP
            pkt_put16(&f.bytes[12], 0x88a8);
            pkt_put16(&f.bytes[16], 0x8100);
            pkt_put16(&f.bytes[20], 0x8100);
            pkt_put16(&f.bytes[24], rng.pct(50) ? 0x0800 : 0x86dd);
        } else {
            pkt_put16(&f.bytes[p], ets[rng.below(5)]);
        }
        return f;
    }
    if (kind < 7) {
        // runt, maybe claiming IP
        f.bytes.resize(1 + rng.below(59));
        for (auto &x : f.bytes)
            x = rng.byte();
        if (f.bytes.size() >= 14)
            pkt_put16(&f.bytes[12], rng.pct(50) ? 0x0800 : 0x86dd);
        if (f.bytes.size() >= 15)
            f.bytes[14] = rng.pct(50) ? 0x45 : 0x60;
        return f;
    }

    const bool v6 = rng.pct(50);
    uint32_t pk = rng.below(100);
    uint8_t proto = pk < 45 ? PKT_IPPROTO_TCP
                  : pk < 80 ? PKT_IPPROTO_UDP
                  : pk < 90 ? (v6 ? 58 : 1)
                            : (uint8_t)(std::vector<uint8_t>{47, 50, 132, 59, 103}[rng.below(5)]);
    pkt_spec s;
    random_spec(s, rng, v6, proto);
    uint32_t vk = rng.below(100);
    int tags = vk < 60 ? 0 : vk < 85 ? 1 : 2;
    s.vlan = tags > 0;
    s.vlan_tci = (uint16_t)rng.u32();
    bool bad_ip = !v6 && rng.pct(5);
    s.bad_ip_csum = bad_ip;
    s.bad_l4_csum = rng.pct(8);
    uint32_t sk = rng.below(100);
    size_t plen = sk < 30 ? rng.below(65) : sk < 70 ? 65 + rng.below(536) : 600 + rng.below(901);
    std::vector<uint8_t> payload(plen);
    for (auto &x : payload)
        x = rng.byte();
    f.bytes = build_frame(s, payload);
    std::vector<uint8_t> &b = f.bytes;
    if (tags == 2) {
        const uint8_t outer[4] = {0x88, 0xa8, rng.byte(), rng.byte()};
        b.insert(b.begin() + 12, outer, outer + 4);
    }
    const size_t ip = 14 + 4 * (size_t)tags;

    if (!v6) {
        if (rng.pct(20)) {
            // options
            size_t words = 1 + rng.below(10);
            std::vector<uint8_t> opt(words * 4);
            for (auto &x : opt)
                x = rng.pct(50) ? 1 : rng.byte();
            b.insert(b.begin() + (long)ip + 20, opt.begin(), opt.end());
            b[ip] = (uint8_t)(0x40 | (5 + words));
            pkt_put16(&b[ip + 2], (uint16_t)(pkt_get16(&b[ip + 2]) + words * 4));
            ipv4_fix_csum(b, ip, bad_ip);
        }
        if (rng.pct(8)) {
            // fragment: MF and/or an offset
            uint16_t fo = rng.pct(50) ? 0 : (uint16_t)(1 + rng.below(0x1fff));
            bool mf = fo == 0 || rng.pct(50);
            pkt_put16(&b[ip + 6], (uint16_t)((mf ? 0x2000 : 0) | fo));
            ipv4_fix_csum(b, ip, bad_ip);
        }
        size_t l4 = ip + (size_t)(b[ip] & 15) * 4;
        if (proto == PKT_IPPROTO_UDP && rng.pct(10)) {
            b[l4 + 6] = b[l4 + 7] = 0; // "no checksum"
        }
        if (rng.pct(5)) {
            // malformed
            switch (rng.below(4)) {
            case 0: b[ip] = (uint8_t)((b[ip] & 0x0f) | (rng.pct(50) ? 0x60 : 0x50)); break;
            case 1: b[ip] = (uint8_t)((b[ip] & 0xf0) | rng.below(5)); break;
            case 2: pkt_put16(&b[ip + 2], (uint16_t)(pkt_get16(&b[ip + 2]) + 1 + rng.below(200))); break;
            default: pkt_put16(&b[ip + 2], (uint16_t)rng.below(20)); break;
            }
            ipv4_fix_csum(b, ip, false);
        }
    } else {
        if (rng.pct(30)) {
            // extension chain; some longer than the walk, some running past the capture
            int n = 1 + (int)rng.below(6);
            std::vector<uint8_t> chain;
            std::vector<size_t> starts;
            std::vector<uint8_t> types;
            for (int i = 0; i < n; i++) {
                static const uint8_t ext_types[] = {0, 43, 60, 51, 44};
                uint8_t t = ext_types[rng.below(5)];
                size_t start = chain.size();
                size_t hl;
                uint8_t lenb;
                if (t == 44) {
                    hl = 8;
                    lenb = 0;
                } else if (t == 51) {
                    lenb = (uint8_t)(1 + rng.below(4));
                    hl = (size_t)(lenb + 2) * 4;
                } else {
                    lenb = (uint8_t)(rng.pct(5) ? 10 + rng.below(20) : rng.below(3));
                    hl = (size_t)(lenb + 1) * 8;
                }
                chain.resize(start + hl);
                for (size_t k = start; k < start + hl; k++)
                    chain[k] = rng.byte();
                chain[start + 1] = lenb;
                if (t == 44) {
                    uint16_t fo = 0;
                    bool m = false;
                    if (rng.pct(50)) {
                        fo = rng.pct(50) ? (uint16_t)(1 + rng.below(0x1fff)) : 0;
                        m = fo == 0 || rng.pct(50);
                    }
                    pkt_put16(&chain[start + 2], (uint16_t)((fo << 3) | (rng.below(4) << 1) | m));
                }
                starts.push_back(start);
                types.push_back(t);
            }
            for (int i = 0; i < n; i++)
                chain[starts[(size_t)i]] = i + 1 < n ? types[(size_t)i + 1] : b[ip + 6];
            b[ip + 6] = types[0];
            b.insert(b.begin() + (long)ip + 40, chain.begin(), chain.end());
            pkt_put16(&b[ip + 4], (uint16_t)(pkt_get16(&b[ip + 4]) + chain.size()));
        }
        if (rng.pct(5)) {
            switch (rng.below(4)) {
            case 0: b[ip] = (uint8_t)((b[ip] & 0x0f) | 0x40); break;
            case 1: pkt_put16(&b[ip + 4], (uint16_t)(pkt_get16(&b[ip + 4]) + 1 + rng.below(200))); break;
            case 2: pkt_put16(&b[ip + 4], 0); break; // jumbogram marker
            default: pkt_put16(&b[ip + 4], (uint16_t)rng.below(16)); break;
            }
        }
    }
    if (rng.pct(10)) {
        // Ethernet padding after the IP packet
        size_t n = 1 + rng.below(40);
        for (size_t i = 0; i < n; i++)
            b.push_back(rng.byte());
    }
    if (rng.pct(4)) {
        // truncated capture (zero-filled tail is not needed: just shorter)
        b.resize(1 + rng.below((uint32_t)b.size()));
        f.tuser = true;
    } else if (rng.pct(3)) {
        f.tuser = true;
    }
    return f;
}

inline void random_config(Config &c, Rng &rng)
{
    c.rss_enable = rng.pct(90);
    c.csum_enable = rng.pct(90);
    c.hash_mask = rng.pct(30) ? RSS_HT_DEFAULT_MASK : rng.below(64);
    c.table_mask = (1u << rng.below(8)) - 1;
    for (auto &k : c.key)
        k = rng.byte();
    for (auto &t : c.table)
        t = (uint8_t)rng.below(64);
}

/* ---------------------------------------------------------------------------------------
 * Microsoft vectors
 * ------------------------------------------------------------------------------------- */

struct MsVector {
    bool v6;
    uint8_t dst[16], src[16];
    uint16_t dport, sport;
    uint32_t hash_only, hash_tcp;
};

inline bool parse_port(const std::string &t, uint16_t &port)
{
    std::string d;
    for (char ch : t)
        if (ch >= '0' && ch <= '9')
            d += ch;
    if (d.empty())
        return false;
    port = (uint16_t)std::stoul(d);
    return true;
}

inline int load_ms_vectors(const std::string &path, std::vector<MsVector> &out, std::string &err)
{
    std::ifstream in(path);
    if (!in) {
        err = "cannot open " + path;
        return -1;
    }
    std::string line;
    int section = 0; // 1 IPv4 table, 2 IPv6 table
    while (std::getline(in, line)) {
        if (line.rfind("IPv4 table", 0) == 0) {
            section = 1;
            continue;
        }
        if (line.rfind("IPv6 table", 0) == 0) {
            section = 2;
            continue;
        }
        if (!section)
            continue;
        std::istringstream ls(line);
        std::vector<std::string> tok;
        std::string t;
        while (ls >> t)
            tok.push_back(t);
        if (tok.empty()) {
            if (section == 2 && !out.empty() && out.back().v6)
                break;
            continue;
        }
        if (tok[0] == "Destination")
            continue;
        if (tok.size() != 6)
            continue;
        MsVector v{};
        v.v6 = section == 2;
        int af = v.v6 ? AF_INET6 : AF_INET;
        if (inet_pton(af, tok[0].c_str(), v.dst) != 1 || inet_pton(af, tok[2].c_str(), v.src) != 1 ||
            !parse_port(tok[1], v.dport) || !parse_port(tok[3], v.sport)) {
            err = "bad vector line: " + line;
            return -1;
        }
        v.hash_only = (uint32_t)std::stoul(tok[4], nullptr, 16);
        v.hash_tcp = (uint32_t)std::stoul(tok[5], nullptr, 16);
        out.push_back(v);
    }
    return 0;
}

} // namespace rxref

#endif
