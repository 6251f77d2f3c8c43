/*
 * Block benches of the arbiters: rr_arb, nic_dma_wr_arb, nic_dma_rd_arb.
 *
 *   rr_arb          (PORTS 5 and 8: both search variants) every request pattern against
 *                   every pointer value, compared with a
 *                   software round-robin; then a rotation run where each requester keeps
 *                   its request up until granted: every waiting requester is granted within
 *                   PORTS grants and the grant counts of always-requesting ports stay equal
 *   nic_dma_wr_arb  3 sources of random bursts (1..8 beats, random strobes and sideband)
 *                   under random idle and host backpressure: the host sees every burst
 *                   whole, in order per source, never interleaved, bytes unchanged; a
 *                   waiting source sees at most PORTS-1 other bursts start before its own;
 *                   at full speed one beat per cycle; busy falls at the end
 *   nic_dma_rd_arb  3 requesters with random requests (address, length, context) under
 *                   random idle; a host model accepts requests with random ready, checks
 *                   the tags (in range, never two outstanding alike, at most READ_TAGS),
 *                   answers in random order with per-request data, one request's beats
 *                   together; each requester (random ready per port) must get exactly its
 *                   requests' beats with its context, in the host's order; fairness as
 *                   above; busy falls at the end
 */
#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <deque>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "tb_blocks.h"

using namespace tbh;

namespace {

/* ---------------------------------------------------------------------------------------- */
/* rr_arb: instance rr with PORTS = 5 (two-pass search), rr8 with PORTS = 8 (wrapping search) */

/* reference: first requester after `last` in cyclic order; none: (false, last) */
bool rr_ref(unsigned ports, unsigned req, unsigned last, unsigned &grant)
{
    grant = last;
    if (req == 0)
        return false;
    for (unsigned k = 1; k <= ports; k++) {
        unsigned i = (last + k) % ports;
        if (last >= ports) /* out-of-range pointer: search from requester 0 */
            i = k - 1;
        if ((req >> i) & 1u) {
            grant = i;
            return true;
        }
    }
    return false;
}

/* one instance: set(req, last), then settle and read (valid, grant) */
struct RrPort {
    unsigned ports, width;
    std::function<void(unsigned, unsigned)> set;
    std::function<bool()> valid;
    std::function<unsigned()> grant;
};

template <class V> void rr_check(Summary &s, Rng &rng, Dut<V> &d, const RrPort &p, unsigned scale)
{
    /* exhaustive: every request pattern, every pointer value */
    for (unsigned last = 0; last < (1u << p.width); last++) {
        for (unsigned req = 0; req < (1u << p.ports); req++) {
            p.set(req, last);
            d.settle();
            unsigned g;
            bool v = rr_ref(p.ports, req, last, g);
            s.check(p.valid() == v && p.grant() == g,
                    "PORTS=%u req=0x%02x last=%u: grant_valid=%u grant=%u, expected %u/%u", p.ports,
                    req, last, p.valid(), p.grant(), v, g);
        }
    }

    /* rotation: requests held until granted, pointer loaded with each grant */
    unsigned last = 0, req = 0;
    std::vector<unsigned> wait(p.ports, 0);
    std::vector<uint64_t> grants(p.ports, 0);
    unsigned always = static_cast<unsigned>(rng.range(1, (1u << p.ports) - 1));
    unsigned rounds = 4000 * scale;
    for (unsigned n = 0; n < rounds; n++) {
        req |= always;
        for (unsigned i = 0; i < p.ports; i++)
            if (rng.chance(0.3))
                req |= 1u << i;
        p.set(req, last);
        d.settle();
        if (!p.valid())
            continue;
        unsigned g = p.grant();
        s.check(g < p.ports && ((req >> g) & 1u), "PORTS=%u: granted %u without a request",
                p.ports, g);
        if (g >= p.ports)
            break;
        for (unsigned i = 0; i < p.ports; i++) {
            if (i == g || !((req >> i) & 1u))
                continue;
            wait[i]++;
            s.check(wait[i] < p.ports, "PORTS=%u: port %u waited %u grants", p.ports, i, wait[i]);
        }
        wait[g] = 0;
        grants[g]++;
        req &= ~(1u << g);
        last = g;
    }
    uint64_t lo = UINT64_MAX, hi = 0;
    for (unsigned i = 0; i < p.ports; i++) {
        if (!((always >> i) & 1u))
            continue;
        lo = std::min(lo, grants[i]);
        hi = std::max(hi, grants[i]);
    }
    s.check(hi - lo <= 1, "PORTS=%u: always-requesting ports (mask 0x%02x) granted %" PRIu64
            "..%" PRIu64 " times", p.ports, always, lo, hi);
}

template <class V> int tb_rr_arb(const TbArgs &a, Dut<V> &d)
{
    Summary s("rr_arb", a.width, a.seed);
    Rng rng(a.seed);
    V &m = d.top();
    d.reset();
    RrPort p5{5, 3,
              [&m](unsigned req, unsigned last) {
                  m.rr_req = static_cast<uint8_t>(req);
                  m.rr_last = static_cast<uint8_t>(last);
              },
              [&m]() { return m.rr_grant_valid != 0; }, [&m]() { return unsigned{m.rr_grant}; }};
    RrPort p8{8, 3,
              [&m](unsigned req, unsigned last) {
                  m.rr8_req = static_cast<uint8_t>(req);
                  m.rr8_last = static_cast<uint8_t>(last);
              },
              [&m]() { return m.rr8_grant_valid != 0; }, [&m]() { return unsigned{m.rr8_grant}; }};
    rr_check(s, rng, d, p5, a.scale);
    rr_check(s, rng, d, p8, a.scale);
    return s.finish();
}

/* ---------------------------------------------------------------------------------------- */
/* nic_dma_wr_arb (PORTS = 3, USER_WIDTH = 9) */

constexpr unsigned kWrPorts = 3;

struct WrBeat {
    uint64_t addr = 0;
    std::vector<uint8_t> data;
    uint64_t strb = 0;
    bool last = false;
    unsigned user = 0;
    bool operator==(const WrBeat &o) const
    {
        return addr == o.addr && data == o.data && strb == o.strb && last == o.last &&
               user == o.user;
    }
};

std::string fmt_wr(const WrBeat &b)
{
    char t[160];
    std::snprintf(t, sizeof t, "addr=%016" PRIx64 " strb=%" PRIx64 " last=%d user=%03x d0=%02x",
                  b.addr, b.strb, b.last, b.user, b.data.empty() ? 0 : b.data[0]);
    return t;
}

template <class V> int tb_wr_arb(const TbArgs &a, Dut<V> &d)
{
    constexpr unsigned B = tb_beat_bytes<V>();
    Summary s("nic_dma_wr_arb", a.width, a.seed);
    Rng rng(a.seed);
    V &m = d.top();
    d.reset();
    s.check(!m.wra_busy, "busy after reset");

    std::vector<std::unique_ptr<Source<WrBeat>>> src;
    std::vector<std::unique_ptr<Scoreboard<WrBeat>>> sb;
    for (unsigned p = 0; p < kWrPorts; p++) {
        src.emplace_back(new Source<WrBeat>(
            rng,
            [&m, p](const WrBeat *b) {
                set_bits(m.wra_s_wr_valid, p, 1, b != nullptr);
                if (!b)
                    return;
                set_bits(m.wra_s_wr_addr, 64 * p, 64, b->addr);
                for (unsigned k = 0; k < B; k++)
                    set_bits(m.wra_s_wr_data, p * B * 8 + 8 * k, 8, b->data[k]);
                set_bits(m.wra_s_wr_strb, p * B, B, b->strb);
                set_bits(m.wra_s_wr_last, p, 1, b->last);
                set_bits(m.wra_s_wr_user, 9 * p, 9, b->user);
            },
            [&m, p]() { return get_bits(m.wra_s_wr_ready, p, 1) != 0; }));
        sb.emplace_back(new Scoreboard<WrBeat>(s, "source beats", fmt_wr));
    }
    Sink<WrBeat> host(
        rng, [&m](bool r) { m.wra_m_wr_ready = r; }, [&m]() { return m.wra_m_wr_valid != 0; },
        [&m]() {
            WrBeat b;
            b.addr = m.wra_m_wr_addr;
            b.data.resize(B);
            take_bytes(m.wra_m_wr_data, b.data.data(), B);
            b.strb = get_bits(m.wra_m_wr_strb, 0, B);
            b.last = m.wra_m_wr_last;
            b.user = m.wra_m_wr_user;
            return b;
        });

    uint64_t serial = 0;
    auto make_burst = [&](unsigned p) {
        unsigned n = static_cast<unsigned>(rng.range(1, 8));
        for (unsigned i = 0; i < n; i++) {
            WrBeat b;
            b.addr = (uint64_t{p} << 60) | (serial << 12) | (uint64_t{i} * B);
            b.data.resize(B);
            rng.bytes(b.data.data(), B);
            b.strb = rng.u64() & (B >= 64 ? ~uint64_t{0} : (uint64_t{1} << B) - 1);
            b.last = i + 1 == n;
            b.user = rng.u32() & 0x1ff;
            src[p]->push(b);
            sb[p]->expect(b);
        }
        serial++;
    };

    for (int mode = 0; mode < 4; mode++) {
        Traffic t = Traffic::pick(rng, mode);
        for (auto &x : src)
            x->set_traffic(t);
        host.set_traffic(t);
        unsigned bursts = 300 * a.scale;
        for (unsigned i = 0; i < bursts; i++)
            make_burst(static_cast<unsigned>(rng.range(0, kWrPorts - 1)));
        uint64_t beats = 0;
        for (auto &x : src)
            beats += x->pending();
        uint64_t start = d.cycle();
        int cur = -1; /* source whose burst the host is receiving */
        unsigned waited[kWrPorts] = {};
        bool started[kWrPorts] = {};
        uint64_t guard = d.cycle() + 200000 * a.scale;
        auto busy_src = [&]() {
            for (auto &x : src)
                if (x->pending())
                    return true;
            return false;
        };
        while ((busy_src() || m.wra_busy) && d.cycle() < guard) {
            for (auto &x : src)
                x->drive();
            host.drive();
            d.settle();
            bool presenting[kWrPorts];
            for (unsigned p = 0; p < kWrPorts; p++)
                presenting[p] = src[p]->presenting();
            for (unsigned p = 0; p < kWrPorts; p++) {
                WrBeat b;
                if (!src[p]->observe(&b))
                    continue;
                if (!started[p]) { /* a new burst of p starts: the waiting ones count it */
                    for (unsigned q = 0; q < kWrPorts; q++) {
                        if (q == p || !presenting[q] || started[q])
                            continue;
                        waited[q]++;
                        s.check(waited[q] < kWrPorts, "source %u waited for %u bursts", q,
                                waited[q]);
                    }
                    waited[p] = 0;
                }
                started[p] = !b.last;
            }
            WrBeat o;
            if (host.observe(&o)) {
                unsigned p = static_cast<unsigned>(o.addr >> 60);
                if (s.check(p < kWrPorts, "beat with unknown source: %s", fmt_wr(o).c_str())) {
                    s.check(cur < 0 || static_cast<unsigned>(cur) == p,
                            "burst of source %d interleaved with source %u", cur, p);
                    sb[p]->got(o);
                    cur = o.last ? -1 : static_cast<int>(p);
                }
            }
            d.tick();
        }
        s.check(d.cycle() < guard, "mode %d: timeout", mode);
        for (auto &x : sb)
            x->drained();
        s.check(!m.wra_busy, "busy after the last beat");
        uint64_t cycles = d.cycle() - start;
        if (mode == 0)
            s.check(cycles <= beats + 4, "full speed: %" PRIu64 " beats took %" PRIu64 " cycles",
                    beats, cycles);
        s.note("mode %d: %" PRIu64 " beats in %" PRIu64 " cycles", mode, beats, cycles);
    }
    return s.finish();
}

/* ---------------------------------------------------------------------------------------- */
/* nic_dma_rd_arb (PORTS = 3, CTX_WIDTH = 16, READ_TAGS = 32) */

constexpr unsigned kRdPorts = 3;
constexpr unsigned kRdTags = 32;

struct RdReq {
    uint64_t addr = 0;
    unsigned len = 0;
    unsigned ctx = 0;
};

struct RdCpl {
    unsigned port = 0;
    unsigned ctx = 0;
    std::vector<uint8_t> data;
    bool last = false;
    bool operator==(const RdCpl &o) const
    {
        return port == o.port && ctx == o.ctx && data == o.data && last == o.last;
    }
};

std::string fmt_cpl(const RdCpl &c)
{
    char t[96];
    std::snprintf(t, sizeof t, "port=%u ctx=%04x last=%d d0=%02x", c.port, c.ctx, c.last,
                  c.data.empty() ? 0 : c.data[0]);
    return t;
}

/* the host's data for beat i of a read of addr */
uint8_t rd_byte(uint64_t addr, unsigned beat, unsigned k)
{
    uint64_t x = addr * 0x9e3779b97f4a7c15ull + beat * 0x100000001b3ull + k * 0x2545f491ull;
    return static_cast<uint8_t>(x >> 56);
}

template <class V> int tb_rd_arb(const TbArgs &a, Dut<V> &d)
{
    constexpr unsigned B = tb_beat_bytes<V>();
    Summary s("nic_dma_rd_arb", a.width, a.seed);
    Rng rng(a.seed);
    V &m = d.top();
    d.reset();
    s.check(!m.rda_busy, "busy after reset");

    std::vector<std::unique_ptr<Source<RdReq>>> src;
    std::vector<std::unique_ptr<Scoreboard<RdCpl>>> sb; /* per port, in host order */
    for (unsigned p = 0; p < kRdPorts; p++) {
        src.emplace_back(new Source<RdReq>(
            rng,
            [&m, p](const RdReq *r) {
                set_bits(m.rda_s_req_valid, p, 1, r != nullptr);
                if (!r)
                    return;
                set_bits(m.rda_s_req_addr, 64 * p, 64, r->addr);
                set_bits(m.rda_s_req_len, 13 * p, 13, r->len);
                set_bits(m.rda_s_req_ctx, 16 * p, 16, r->ctx);
            },
            [&m, p]() { return get_bits(m.rda_s_req_ready, p, 1) != 0; }));
        sb.emplace_back(new Scoreboard<RdCpl>(s, "completion beats", fmt_cpl));
    }

    /* host: outstanding requests by tag, then answered one request at a time */
    struct Out {
        RdReq r;
        unsigned port;
        unsigned beats;
        unsigned sent;
        uint64_t ready_at;
    };
    std::map<unsigned, Out> outstanding;
    std::vector<std::deque<RdReq>> issued(kRdPorts); /* per requester, in issue order */
    int serving = -1;
    Traffic host_t;
    bool req_ready = true;

    uint64_t serial = 0;
    for (int mode = 0; mode < 4; mode++) {
        Traffic t = Traffic::pick(rng, mode);
        host_t = t;
        for (auto &x : src)
            x->set_traffic(t);
        unsigned reqs = 300 * a.scale;
        for (unsigned i = 0; i < reqs; i++) {
            unsigned p = static_cast<unsigned>(rng.range(0, kRdPorts - 1));
            RdReq r;
            r.addr = (uint64_t{p} << 60) | (serial++ << 16) | (rng.u32() & 0xfff0);
            r.len = static_cast<unsigned>(rng.range(1, 4096));
            r.ctx = rng.u32() & 0xffff;
            src[p]->push(r);
        }
        unsigned waited[kRdPorts] = {};
        uint64_t guard = d.cycle() + 400000 * a.scale;
        auto work = [&]() {
            for (auto &x : src)
                if (x->pending())
                    return true;
            return !outstanding.empty() || m.rda_busy;
        };
        while (work() && d.cycle() < guard) {
            for (auto &x : src)
                x->drive();
            req_ready = !(host_t.stall > 0 && rng.chance(host_t.stall));
            m.rda_m_dma_rd_req_ready = req_ready;
            for (unsigned p = 0; p < kRdPorts; p++)
                set_bits(m.rda_m_cpl_ready, p, 1, !(t.stall > 0 && rng.chance(t.stall)));
            /* completion beat: continue the request being served, else pick a ready one */
            if (serving < 0 && !outstanding.empty() && !(host_t.idle > 0 && rng.chance(host_t.idle))) {
                std::vector<unsigned> cand;
                for (auto &kv : outstanding)
                    if (kv.second.ready_at <= d.cycle())
                        cand.push_back(kv.first);
                if (!cand.empty())
                    serving = static_cast<int>(cand[rng.range(0, cand.size() - 1)]);
            }
            if (serving >= 0) {
                Out &o = outstanding[static_cast<unsigned>(serving)];
                m.rda_s_dma_rd_cpl_valid = 1;
                m.rda_s_dma_rd_cpl_tag = static_cast<uint8_t>(serving);
                m.rda_s_dma_rd_cpl_last = o.sent + 1 == o.beats;
                for (unsigned k = 0; k < B; k++)
                    set_bits(m.rda_s_dma_rd_cpl_data, 8 * k, 8, rd_byte(o.r.addr, o.sent, k));
            } else {
                m.rda_s_dma_rd_cpl_valid = 0;
            }
            d.settle();

            bool presenting[kRdPorts];
            for (unsigned p = 0; p < kRdPorts; p++)
                presenting[p] = src[p]->presenting();
            for (unsigned p = 0; p < kRdPorts; p++) {
                RdReq r;
                if (!src[p]->observe(&r))
                    continue;
                issued[p].push_back(r);
                for (unsigned q = 0; q < kRdPorts; q++) {
                    if (q == p || !presenting[q])
                        continue;
                    waited[q]++;
                    s.check(waited[q] < kRdPorts, "requester %u waited for %u grants", q,
                            waited[q]);
                }
                waited[p] = 0;
            }
            /* host request port */
            if (m.rda_m_dma_rd_req_valid && req_ready) {
                unsigned tag = m.rda_m_dma_rd_req_tag;
                uint64_t addr = m.rda_m_dma_rd_req_addr;
                unsigned p = static_cast<unsigned>(addr >> 60);
                s.check(tag < kRdTags, "tag %u out of range", tag);
                s.check(!outstanding.count(tag), "tag %u handed out twice", tag);
                s.check(outstanding.size() < kRdTags, "more than %u reads outstanding", kRdTags);
                if (s.check(p < kRdPorts && !issued[p].empty(),
                            "request nobody issued: address %016" PRIx64, addr)) {
                    Out o;
                    o.r = issued[p].front();
                    issued[p].pop_front();
                    s.check(o.r.addr == addr && o.r.len == m.rda_m_dma_rd_req_len,
                            "requester %u: request %016" PRIx64 "/%u reached the host as %016" PRIx64
                            "/%u (lost or reordered)", p, o.r.addr, o.r.len, addr,
                            static_cast<unsigned>(m.rda_m_dma_rd_req_len));
                    o.port = p;
                    o.beats = (o.r.len + B - 1) / B;
                    o.sent = 0;
                    o.ready_at = d.cycle() + rng.range(1, 60);
                    outstanding[tag] = o;
                }
            }
            /* completion accepted by the arbiter */
            if (serving >= 0 && m.rda_s_dma_rd_cpl_ready) {
                Out &o = outstanding[static_cast<unsigned>(serving)];
                RdCpl c;
                c.port = o.port;
                c.ctx = o.r.ctx;
                c.data.resize(B);
                for (unsigned k = 0; k < B; k++)
                    c.data[k] = rd_byte(o.r.addr, o.sent, k);
                c.last = o.sent + 1 == o.beats;
                sb[o.port]->expect(c);
                o.sent++;
                if (o.sent == o.beats) {
                    outstanding.erase(static_cast<unsigned>(serving));
                    serving = -1;
                }
            }
            /* completion beats towards the requesters */
            unsigned nvalid = 0;
            for (unsigned p = 0; p < kRdPorts; p++) {
                if (!get_bits(m.rda_m_cpl_valid, p, 1))
                    continue;
                nvalid++;
                if (!get_bits(m.rda_m_cpl_ready, p, 1))
                    continue;
                RdCpl c;
                c.port = p;
                c.ctx = m.rda_m_cpl_ctx;
                c.data.resize(B);
                take_bytes(m.rda_m_cpl_data, c.data.data(), B);
                c.last = m.rda_m_cpl_last;
                sb[p]->got(c);
            }
            s.check(nvalid <= 1, "completion valid on %u ports at once", nvalid);
            d.tick();
        }
        s.check(d.cycle() < guard, "mode %d: timeout", mode);
        for (auto &x : sb)
            x->drained();
        s.check(!m.rda_busy, "busy after the last completion");
        s.note("mode %d: %u requests, %" PRIu64 " cycles", mode, reqs, d.cycle());
    }
    return s.finish();
}

} // namespace

void tb_register_arb(std::vector<TbEntry> &v)
{
    v.push_back({"rr_arb", tb_rr_arb<Vtb_blocks_w64>, nullptr});
    v.push_back({"nic_dma_wr_arb", tb_wr_arb<Vtb_blocks_w64>, tb_wr_arb<Vtb_blocks_w512>});
    v.push_back({"nic_dma_rd_arb", tb_rd_arb<Vtb_blocks_w64>, tb_rd_arb<Vtb_blocks_w512>});
}
