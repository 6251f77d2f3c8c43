/*
 * tb_nic_rx: testbench for the nic_top receive pipeline (rtl/), run against the Verilated
 * models of the shared library nicsim_vnic (Vnic_top_w64, Vnic_top_w512).
 *
 *   tb_nic_rx --width 64|512 --vectors FILE [--seed N] [--frames N] [--wave OUT.fst]
 *
 * Cases (each counts as one check in the closing summary):
 *   ms_vectors    the Microsoft RSS verification vectors (FILE): TCP and UDP frames built
 *                 with pkt_build from the table tuples (the file lists the destination
 *                 first; the hash input is source first), Microsoft key, 128-entry table;
 *                 address-only ("only") and with-ports ("with TCP") hashes, queue =
 *                 table[hash & 127]
 *   random        random frames (IPv4/IPv6, TCP/UDP/ICMP/other, 0-2 VLAN tags, IPv4
 *                 options, IPv6 extension chains incl. fragment headers, fragments, bad
 *                 checksums, malformed headers, padding, truncation with tuser, non-IP,
 *                 runts) under random RSS/checksum configurations, compared field by field
 *                 with ref_classify() below
 *   throughput    back-to-back frames of fixed sizes 60..1522 with the result port always
 *                 ready: every beat must be accepted on arrival (1 beat/cycle), results per
 *                 cycle, frames/s at the width's clock against the line rate
 *                 (64: 156.25 MHz vs 10 Gb/s, 512: 250 MHz vs 100 Gb/s, (len+20)*8 bits
 *                 per frame); also the latency from last beat in to result out
 *   backpressure  random result-port ready and random input gaps, then a long ready=0
 *                 stretch: results complete, in order, correct; input ready falls while
 *                 stalled; idle returns to 1 after the last result
 *   csr           ID, width, control, key and table readback; statistics counters against
 *                 the totals of everything sent since reset
 *
 * ref_classify() implements the classification rules documented in rtl/rx_parser.v.
 *
 * The host interface is left idle: RX DMA stays disabled (CTRL bit 2 is never set), so every
 * frame's result leaves on m_axis_rxmeta with drop code 1 ('no descriptor', also counted at
 * 0x220); the DMA write and transmit ports are always ready and no read completion is ever
 * offered (tb_nic_dma covers them).
 */
#include <arpa/inet.h>

#include <algorithm>
#include <cinttypes>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <memory>
#include <random>
#include <sstream>
#include <string>
#include <type_traits>
#include <vector>

#include "Vnic_top_w512.h"
#include "Vnic_top_w64.h"
#include "verilated.h"
#include "verilated_fst_c.h"

#include "rx_ref.h" // also pkt.h and rss.h

namespace {

using namespace rxref;

/* ---------------------------------------------------------------------------------------
 * Bench: drives one Verilated nic_top
 * ------------------------------------------------------------------------------------- */

struct RunOpts {
    uint32_t ready_pct = 100; // result-port ready probability per cycle
    uint32_t gap_pct = 0;     // probability of an idle input cycle between beats
    uint64_t stall_from = 0;  // hold result ready low for cycles [stall_from, stall_to)
    uint64_t stall_to = 0;
    uint64_t max_cycles = 50000000;
};

// cycles the offload engine may take after the last result to commit it (its commit stage)
constexpr int kCommitCycles = 8;

struct RunReport {
    uint64_t cycles = 0;
    uint64_t beats = 0;
    uint64_t in_stalls = 0;      // cycles with tvalid high and tready low
    uint64_t first_in = 0, last_in = 0;
    uint64_t first_out = 0, last_out = 0;
    uint64_t results = 0;
    uint64_t mismatches = 0;
    uint64_t latency_min = UINT64_MAX, latency_max = 0;
    bool timeout = false;
    bool idle_after = false;
    bool idle_seen_busy = false; // idle was 0 at some point while frames were in flight
    uint64_t idle_false = 0;     // cycles with idle high although a frame was inside
};

template <class V, unsigned W> class Bench {
public:
    static constexpr unsigned kBytes = W / 8;

    Bench(const char *wave, Stats &stats) : stats_(stats)
    {
        ctx_ = std::make_unique<VerilatedContext>();
        if (wave)
            ctx_->traceEverOn(true);
        m_ = std::make_unique<V>(ctx_.get(), "nic");
        if (wave) {
            fst_ = std::make_unique<VerilatedFstC>();
            m_->trace(fst_.get(), 99);
            fst_->open(wave);
        }
        m_->clk = 0;
        m_->rst = 1;
        m_->s_axis_rx_tvalid = 0;
        m_->s_axis_rx_tlast = 0;
        m_->s_axis_rx_tuser = 0;
        m_->s_csr_wr = 0;
        m_->s_csr_rd = 0;
        m_->m_axis_rxmeta_tready = 1;
        // host interface tied off: nothing to read, writes and transmit always accepted
        m_->s_now_ns = 0;
        m_->m_dma_rd_req_ready = 1;
        m_->s_dma_rd_cpl_valid = 0;
        m_->m_dma_wr_ready = 1;
        m_->m_axis_tx_tready = 1;
        for (int i = 0; i < 4; i++)
            tick();
        m_->rst = 0;
        tick();
        // the TCP offload engine clears its connection context after reset (one slot per
        // cycle); the NIC reports idle once it is done
        for (int i = 0; i < 1 << 17 && !m_->idle; i++)
            tick();
    }

    ~Bench()
    {
        if (fst_)
            fst_->close();
        m_->final();
    }

    V &m() { return *m_; }

    void tick()
    {
        m_->clk = 0;
        m_->eval();
        dump();
        m_->clk = 1;
        m_->eval();
        dump();
        cycle_++;
    }

    void csr_write(uint32_t addr, uint32_t val)
    {
        m_->s_csr_addr = (uint16_t)addr;
        m_->s_csr_wdata = val;
        m_->s_csr_wr = 1;
        tick();
        m_->s_csr_wr = 0;
    }

    uint32_t csr_read(uint32_t addr)
    {
        m_->s_csr_addr = (uint16_t)addr;
        m_->s_csr_rd = 1;
        tick();
        m_->s_csr_rd = 0;
        if (!m_->s_csr_rvalid) {
            std::printf("  csr read 0x%03x: rvalid not set the cycle after rd\n", addr);
            csr_errors_++;
        }
        uint32_t v = m_->s_csr_rdata;
        m_->s_csr_addr = 0;
        tick();
        if (m_->s_csr_rvalid) {
            std::printf("  csr read 0x%03x: rvalid longer than one cycle\n", addr);
            csr_errors_++;
        }
        return v;
    }

    void program(const Config &c)
    {
        csr_write(kRegCtrl, (c.rss_enable ? 1u : 0u) | (c.csum_enable ? 2u : 0u));
        csr_write(kRegHashMask, c.hash_mask);
        csr_write(kRegTableMask, c.table_mask);
        for (uint32_t k = 0; k < 10; k++)
            csr_write(kRegKey + 4 * k, pkt_get32(&c.key[4 * k]));
        for (uint32_t j = 0; j < 32; j++) {
            uint32_t w = 0;
            for (uint32_t b = 0; b < 4; b++)
                w |= (uint32_t)c.table[4 * j + b] << (8 * b);
            csr_write(kRegTable + 4 * j, w);
        }
    }

    // Sends frames (expect filled in), checks every result in order.
    RunReport run(const std::vector<Frame> &frames, const RunOpts &o, Rng &rng,
                  const char *what)
    {
        RunReport rep;
        size_t fi = 0, off = 0, ei = 0;
        bool holding = false;     // a beat is being offered and must stay until taken
        uint64_t start = cycle_;
        std::vector<uint64_t> last_beat_cycle(frames.size(), 0);
        while (ei < frames.size()) {
            const uint64_t now = cycle_ - start;
            if (now > o.max_cycles) {
                rep.timeout = true;
                std::printf("  %s: timeout after %" PRIu64 " cycles, %zu/%zu results\n", what,
                            now, ei, frames.size());
                break;
            }
            bool offer = false;
            if (fi < frames.size()) {
                offer = holding || !rng.pct(o.gap_pct);
            }
            if (offer) {
                drive_beat(frames[fi], off, rng);
                holding = true;
            } else {
                m_->s_axis_rx_tvalid = 0;
            }
            bool stall = now >= o.stall_from && now < o.stall_to;
            m_->m_axis_rxmeta_tready = !stall && (o.ready_pct >= 100 || rng.pct(o.ready_pct));

            m_->clk = 0;
            m_->eval();
            dump();
            const bool in_fire = offer && m_->s_axis_rx_tready;
            const bool out_fire = m_->m_axis_rxmeta_tvalid && m_->m_axis_rxmeta_tready;
            if (offer && !m_->s_axis_rx_tready)
                rep.in_stalls++;
            if (!m_->idle)
                rep.idle_seen_busy = true;
            else if (fi > ei || off > 0)
                rep.idle_false++; // a frame is inside, idle must be 0
            if (out_fire) {
                Result got = sample();
                const Frame &fr = frames[ei];
                if (!(got == fr.expect)) {
                    if (rep.mismatches < 10) {
                        std::printf("  %s: frame %zu (len %zu, tuser %d) mismatch\n    got    %s\n"
                                    "    expect %s\n",
                                    what, ei, fr.bytes.size(), fr.tuser, fmt_result(got).c_str(),
                                    fmt_result(fr.expect).c_str());
                        dump_frame(fr);
                    }
                    rep.mismatches++;
                }
                stats_.add(got);
                if (ei < fi) {
                    uint64_t lat = now - last_beat_cycle[ei];
                    rep.latency_min = std::min(rep.latency_min, lat);
                    rep.latency_max = std::max(rep.latency_max, lat);
                }
                if (!rep.results)
                    rep.first_out = now;
                rep.last_out = now;
                rep.results++;
                ei++;
            }
            m_->clk = 1;
            m_->eval();
            dump();
            cycle_++;
            if (in_fire) {
                if (!rep.beats)
                    rep.first_in = now;
                rep.last_in = now;
                rep.beats++;
                holding = false;
                off += kBytes;
                if (off >= frames[fi].bytes.size()) {
                    last_beat_cycle[fi] = now;
                    off = 0;
                    fi++;
                }
            }
        }
        m_->s_axis_rx_tvalid = 0;
        m_->m_axis_rxmeta_tready = 1;
        rep.cycles = cycle_ - start;
        // the pipeline must report idle right after the last result left: the receive path
        // at once, the offload engine once it has committed that result (a few cycles)
        m_->clk = 0;
        m_->eval();
        for (int i = 0; i < kCommitCycles && !m_->idle; i++) {
            m_->clk = 1;
            m_->eval();
            cycle_++;
            m_->clk = 0;
            m_->eval();
        }
        rep.idle_after = m_->idle;
        m_->clk = 1;
        m_->eval();
        cycle_++;
        return rep;
    }

    int csr_errors() const { return csr_errors_; }

private:
    void dump()
    {
        if (fst_) {
            ctx_->timeInc(1);
            fst_->dump(ctx_->time());
        }
    }

    void drive_beat(const Frame &f, size_t off, Rng &rng)
    {
        const size_t n = std::min<size_t>(kBytes, f.bytes.size() - off);
        uint32_t words[kBytes / 4];
        for (unsigned i = 0; i < kBytes; i++) {
            // lanes past the end of the frame carry junk: the RTL must ignore them
            uint8_t v = i < n ? f.bytes[off + i] : rng.byte();
            if (i % 4 == 0)
                words[i / 4] = 0;
            words[i / 4] |= (uint32_t)v << (8 * (i % 4));
        }
        if constexpr (W <= 64) {
            m_->s_axis_rx_tdata = ((uint64_t)words[1] << 32) | words[0];
        } else {
            for (unsigned w = 0; w < kBytes / 4; w++)
                m_->s_axis_rx_tdata[w] = words[w];
        }
        uint64_t keep = n >= 64 ? ~0ull : ((1ull << n) - 1);
        m_->s_axis_rx_tkeep = static_cast<std::remove_reference_t<decltype(m_->s_axis_rx_tkeep)>>(keep);
        m_->s_axis_rx_tvalid = 1;
        m_->s_axis_rx_tlast = off + n >= f.bytes.size();
        m_->s_axis_rx_tuser = f.tuser;
    }

    Result sample()
    {
        Result r;
        r.len = m_->m_axis_rxmeta_len;
        r.l3 = m_->m_axis_rxmeta_l3;
        r.l4 = m_->m_axis_rxmeta_l4;
        r.hash_type = m_->m_axis_rxmeta_hash_type;
        r.hash = m_->m_axis_rxmeta_hash;
        r.queue = m_->m_axis_rxmeta_queue;
        r.csum = m_->m_axis_rxmeta_csum;
        r.frag = m_->m_axis_rxmeta_frag;
        r.drop = m_->m_axis_rxmeta_drop;
        return r;
    }

    static void dump_frame(const Frame &f)
    {
        std::printf("    bytes:");
        for (size_t i = 0; i < f.bytes.size() && i < 160; i++)
            std::printf("%s%02x", i % 32 ? "" : "\n      ", f.bytes[i]);
        std::printf("\n");
    }

    std::unique_ptr<VerilatedContext> ctx_;
    std::unique_ptr<V> m_;
    std::unique_ptr<VerilatedFstC> fst_;
    Stats &stats_;
    uint64_t cycle_ = 0;
    int csr_errors_ = 0;
};

/* ---------------------------------------------------------------------------------------
 * Test cases
 * ------------------------------------------------------------------------------------- */

struct Args {
    unsigned width = 64;
    std::string vectors;
    uint64_t seed = 20240611;
    unsigned frames = 8000;
    const char *wave = nullptr;
};

void expect_all(std::vector<Frame> &frames, const Config &c)
{
    for (auto &f : frames)
        f.expect = ref_classify(f.bytes, f.tuser, c);
}

bool report_run(const RunReport &r, const char *what)
{
    bool ok = !r.timeout && r.mismatches == 0;
    if (!r.idle_after) {
        std::printf("  %s: idle not 1 after the last result\n", what);
        ok = false;
    }
    if (r.idle_false) {
        std::printf("  %s: idle was 1 for %" PRIu64 " cycles with a frame inside\n", what,
                    r.idle_false);
        ok = false;
    }
    return ok;
}

template <class V, unsigned W>
bool test_ms_vectors(Bench<V, W> &b, const Args &a, Rng &rng, Config &cfg)
{
    std::vector<MsVector> vec;
    std::string err;
    if (load_ms_vectors(a.vectors, vec, err) < 0) {
        std::printf("  ms_vectors: %s\n", err.c_str());
        return false;
    }
    size_t n4 = (size_t)std::count_if(vec.begin(), vec.end(), [](const MsVector &v) { return !v.v6; });
    if (n4 != 5 || vec.size() != 8) {
        std::printf("  ms_vectors: expected 5 IPv4 and 3 IPv6 rows, found %zu and %zu\n", n4,
                    vec.size() - n4);
        return false;
    }
    cfg = Config();
    std::memcpy(cfg.key, rss_default_key, RSS_KEY_BYTES);
    cfg.table_mask = 127;
    for (auto &t : cfg.table)
        t = (uint8_t)rng.below(64);

    bool ok = true;
    // pass 0: default type set (TCP -> with ports, UDP -> address only: udp types disabled)
    // pass 1: only ipv4/ipv6 enabled (TCP -> address only)
    for (int pass = 0; pass < 2; pass++) {
        cfg.hash_mask = pass == 0 ? RSS_HT_DEFAULT_MASK
                                  : RSS_HT_BIT(RSS_HT_IPV4) | RSS_HT_BIT(RSS_HT_IPV6);
        b.program(cfg);
        std::vector<Frame> frames;
        std::vector<uint32_t> want;
        for (const auto &v : vec) {
            for (int udp = 0; udp < 2; udp++) {
                pkt_spec s;
                random_spec(s, rng, v.v6, udp ? PKT_IPPROTO_UDP : PKT_IPPROTO_TCP);
                std::memcpy(s.src, v.src, 16);
                std::memcpy(s.dst, v.dst, 16);
                s.sport = v.sport;
                s.dport = v.dport;
                Frame f;
                std::vector<uint8_t> payload(rng.below(100));
                for (auto &x : payload)
                    x = rng.byte();
                f.bytes = build_frame(s, payload);
                f.expect = ref_classify(f.bytes, false, cfg);
                const bool with_ports = pass == 0 && !udp;
                uint32_t h = with_ports ? v.hash_tcp : v.hash_only;
                unsigned ht = v.v6 ? (with_ports ? RSS_HT_TCP_IPV6 : RSS_HT_IPV6)
                                   : (with_ports ? RSS_HT_TCP_IPV4 : RSS_HT_IPV4);
                // the reference must agree with the published numbers
                if (f.expect.hash != h || f.expect.hash_type != ht ||
                    f.expect.queue != cfg.table[h & 127] || f.expect.csum != CS_OK) {
                    std::printf("  ms_vectors: reference disagrees with the vector file "
                                "(%s)\n", fmt_result(f.expect).c_str());
                    ok = false;
                }
                frames.push_back(f);
                want.push_back(h);
            }
        }
        RunOpts o;
        RunReport r = b.run(frames, o, rng, "ms_vectors");
        ok = report_run(r, "ms_vectors") && ok;
        if (r.mismatches == 0)
            std::printf("  ms_vectors pass %d: %zu frames, hashes and queues match the file\n",
                        pass, frames.size());
    }
    return ok;
}

template <class V, unsigned W>
bool test_random(Bench<V, W> &b, const Args &a, Rng &rng, Config &cfg)
{
    bool ok = true;
    const unsigned batches = 12;
    unsigned per = std::max(1u, a.frames / batches);
    uint64_t total_frames = 0, total_mism = 0, cyc = 0;
    unsigned counts[5] = {0, 0, 0, 0, 0}, hts[7] = {0}, l4s[12] = {0}, frags = 0;
    for (unsigned bi = 0; bi < batches; bi++) {
        random_config(cfg, rng);
        if (bi == 0) { // start from the defaults
            cfg.rss_enable = cfg.csum_enable = true;
            cfg.hash_mask = RSS_HT_DEFAULT_MASK;
        }
        b.program(cfg);
        std::vector<Frame> frames;
        for (unsigned i = 0; i < per; i++)
            frames.push_back(gen_random_frame(rng));
        expect_all(frames, cfg);
        for (auto &f : frames) {
            counts[f.expect.csum]++;
            hts[f.expect.hash_type]++;
            l4s[f.expect.l3 * 4 + f.expect.l4]++;
            frags += f.expect.frag;
        }
        RunOpts o;
        RunReport r = b.run(frames, o, rng, "random");
        ok = report_run(r, "random") && ok;
        total_frames += frames.size();
        total_mism += r.mismatches;
        cyc += r.cycles;
    }

    // every truncation length of a few header shapes (capture boundaries)
    {
        Config c2 = cfg;
        c2.rss_enable = c2.csum_enable = true;
        c2.hash_mask = 0x3f;
        b.program(c2);
        std::vector<Frame> frames;
        for (int shape = 0; shape < 24; shape++) {
            Frame base;
            do {
                base = gen_random_frame(rng);
            } while (base.bytes.size() < 100 || base.tuser);
            const size_t maxlen = std::min<size_t>(base.bytes.size(), kHdrBytes + 24);
            for (size_t n = 1; n <= maxlen; n++) {
                Frame f;
                f.bytes.assign(base.bytes.begin(), base.bytes.begin() + (long)n);
                f.tuser = rng.pct(20);
                f.expect = ref_classify(f.bytes, f.tuser, c2);
                frames.push_back(f);
            }
        }
        RunOpts o;
        RunReport r = b.run(frames, o, rng, "truncations");
        ok = report_run(r, "truncations") && ok;
        total_frames += frames.size();
        total_mism += r.mismatches;
        cyc += r.cycles;
        for (auto &f : frames) {
            counts[f.expect.csum]++;
            hts[f.expect.hash_type]++;
            l4s[f.expect.l3 * 4 + f.expect.l4]++;
            frags += f.expect.frag;
        }
    }
    std::printf("  random: %" PRIu64 " frames in %" PRIu64 " cycles, %" PRIu64 " mismatching\n"
                "    csum none/ok/bad_ip/bad_l4/unverified: %u/%u/%u/%u/%u\n"
                "    hash type none/ipv4/tcp4/udp4/ipv6/tcp6/udp6: %u/%u/%u/%u/%u/%u/%u\n"
                "    non-IP %u; IPv4 l4 none/tcp/udp/other %u/%u/%u/%u; "
                "IPv6 l4 none/tcp/udp/other %u/%u/%u/%u; fragments %u\n",
                total_frames, cyc, total_mism, counts[0], counts[1], counts[2], counts[3],
                counts[4], hts[0], hts[1], hts[2], hts[3], hts[4], hts[5], hts[6], l4s[0], l4s[4],
                l4s[5], l4s[6], l4s[7], l4s[8], l4s[9], l4s[10], l4s[11], frags);
    return ok;
}

template <class V, unsigned W>
bool test_throughput(Bench<V, W> &b, const Args &, Rng &rng, Config &cfg)
{
    const double clock_hz = W == 64 ? 156.25e6 : 250e6;
    const double link_bps = W == 64 ? 10e9 : 100e9;
    bool ok = true;
    cfg = Config();
    std::memcpy(cfg.key, rss_default_key, RSS_KEY_BYTES);
    cfg.table_mask = 127;
    for (auto &t : cfg.table)
        t = (uint8_t)rng.below(64);
    b.program(cfg);
    std::printf("  throughput at %.2f MHz vs %.0f Gb/s:\n", clock_hz / 1e6, link_bps / 1e9);
    std::printf("    %5s %5s %7s %9s %9s %11s %11s %11s %8s\n", "len", "vlan", "frames",
                "beats/cyc", "res/cyc", "Mframes/s", "port Mf/s", "line Mf/s", "latency");
    static const size_t sizes[] = {60, 61, 64, 65, 79, 80, 100, 127, 128, 129, 130, 200, 256,
                                   511, 512, 513, 1000, 1514, 1518, 1522};
    std::vector<size_t> port_limited;
    for (size_t len : sizes) {
        const bool vlan = len > 1518 || len == 64;
        const size_t hdr = 14 + (vlan ? 4 : 0) + 20 + 20;
        const unsigned count = len < 300 ? (W == 64 ? 400 : 1500) : (W == 64 ? 60 : 300);
        std::vector<Frame> frames;
        for (unsigned i = 0; i < count; i++) {
            pkt_spec s;
            random_spec(s, rng, false, PKT_IPPROTO_TCP);
            s.vlan = vlan;
            std::vector<uint8_t> payload(len > hdr ? len - hdr : 0);
            for (auto &x : payload)
                x = rng.byte();
            Frame f;
            f.bytes = build_frame(s, payload);
            f.bytes.resize(len, 0); // exact size (zero padding if the builder made it shorter)
            frames.push_back(f);
        }
        expect_all(frames, cfg);
        RunOpts o;
        RunReport r = b.run(frames, o, rng, "throughput");
        ok = report_run(r, "throughput") && ok;
        const double in_cycles = (double)(r.last_in - r.first_in + 1);
        const double out_cycles = (double)(r.last_out - r.first_out + 1);
        const double bpc = (double)r.beats / in_cycles;
        const double rpc = (double)(r.results - 1) / std::max(1.0, out_cycles - 1);
        const double fps = (double)count / (in_cycles / clock_hz);
        // what the port can carry at all: every frame starts on a new beat
        const double port = clock_hz / (double)((len + Bench<V, W>::kBytes - 1) / Bench<V, W>::kBytes);
        const double line = link_bps / ((double)(len + 20) * 8);
        std::printf("    %5zu %5s %7u %9.4f %9.4f %11.3f %11.3f %11.3f %4" PRIu64 "-%" PRIu64
                    "%s\n",
                    len, vlan ? "yes" : "no", count, bpc, rpc, fps / 1e6, port / 1e6, line / 1e6,
                    r.latency_min, r.latency_max, port < line ? "  port-limited" : "");
        if (r.in_stalls) {
            std::printf("    len %zu: input not ready for %" PRIu64
                        " cycles (must accept every beat)\n",
                        len, r.in_stalls);
            ok = false;
        }
        if (fps < port * 0.999) {
            std::printf("    len %zu: pipeline below the port's capacity\n", len);
            ok = false;
        }
        if (port < line) {
            port_limited.push_back(len);
        } else if (fps < line) {
            std::printf("    len %zu: below line rate\n", len);
            ok = false;
        }
    }
    if (!port_limited.empty()) {
        std::printf("    note: at %u bits and %.2f MHz a frame occupies whole beats, so the port\n"
                    "    itself cannot carry line rate for sizes:",
                    W, clock_hz / 1e6);
        for (size_t l : port_limited)
            std::printf(" %zu", l);
        std::printf(" (the pipeline takes every beat; see 'port Mf/s')\n");
    }
    // latency of a lone frame through an empty pipeline
    for (size_t len : {(size_t)60, (size_t)1518}) {
        pkt_spec s;
        random_spec(s, rng, false, PKT_IPPROTO_TCP);
        std::vector<uint8_t> payload(len - 54);
        Frame f;
        f.bytes = build_frame(s, payload);
        f.expect = ref_classify(f.bytes, false, cfg);
        RunOpts o;
        RunReport r = b.run({f}, o, rng, "latency");
        ok = report_run(r, "latency") && ok;
        std::printf("  latency, %zu-byte frame into an idle pipeline: %" PRIu64
                    " cycles from last beat accepted to result valid\n",
                    len, r.latency_min);
    }
    return ok;
}

template <class V, unsigned W>
bool test_backpressure(Bench<V, W> &b, const Args &a, Rng &rng, Config &cfg)
{
    bool ok = true;
    random_config(cfg, rng);
    cfg.rss_enable = cfg.csum_enable = true;
    b.program(cfg);
    std::vector<Frame> frames;
    for (unsigned i = 0; i < std::max(50u, a.frames / 4); i++)
        frames.push_back(gen_random_frame(rng));
    expect_all(frames, cfg);
    RunOpts o;
    o.ready_pct = 40;
    o.gap_pct = 30;
    RunReport r = b.run(frames, o, rng, "backpressure");
    ok = report_run(r, "backpressure") && ok;
    std::printf("  backpressure (ready 40%%, input gaps 30%%): %" PRIu64 " results in %" PRIu64
                " cycles, %" PRIu64 " mismatching, input held off %" PRIu64 " cycles\n",
                r.results, r.cycles, r.mismatches, r.in_stalls);
    if (!r.idle_seen_busy) {
        std::printf("  backpressure: idle never went low\n");
        ok = false;
    }

    // long stall: results held back, input must stop, nothing lost
    frames.clear();
    for (unsigned i = 0; i < 300; i++) {
        Frame f;
        pkt_spec s;
        random_spec(s, rng, rng.pct(50), PKT_IPPROTO_TCP);
        std::vector<uint8_t> payload(rng.below(200));
        f.bytes = build_frame(s, payload);
        frames.push_back(f);
    }
    expect_all(frames, cfg);
    RunOpts o2;
    o2.stall_from = 0;
    o2.stall_to = 3000;
    RunReport r2 = b.run(frames, o2, rng, "stall");
    ok = report_run(r2, "stall") && ok;
    std::printf("  stall (result ready low 3000 cycles): %" PRIu64 " results, %" PRIu64
                " mismatching, input held off %" PRIu64 " cycles\n",
                r2.results, r2.mismatches, r2.in_stalls);
    if (r2.in_stalls == 0) {
        std::printf("  stall: s_axis_rx_tready never fell\n");
        ok = false;
    }
    return ok;
}

template <class V, unsigned W>
bool test_csr(Bench<V, W> &b, const Args &, Rng &rng, const Stats &stats)
{
    bool ok = true;
    auto check = [&](const char *name, uint64_t got, uint64_t want) {
        if (got != want) {
            std::printf("  csr: %s = 0x%" PRIx64 ", expected 0x%" PRIx64 "\n", name, got, want);
            ok = false;
        }
    };
    // statistics first (they cover every frame sent so far)
    check("rx_frames", b.csr_read(kRegFrames), stats.frames & 0xffffffff);
    uint64_t bytes = b.csr_read(kRegBytesLo) | ((uint64_t)b.csr_read(kRegBytesHi) << 32);
    check("rx_bytes", bytes, stats.bytes);
    check("bad_ip", b.csr_read(kRegBadIp), stats.bad_ip);
    check("bad_l4", b.csr_read(kRegBadL4), stats.bad_l4);
    check("unverified", b.csr_read(kRegUnver), stats.unver);
    check("non_ip", b.csr_read(kRegNonIp), stats.non_ip);
    check("dropped_no_descriptor", b.csr_read(kRegDropNoDesc), stats.frames & 0xffffffff);
    std::printf("  csr: counters frames=%" PRIu64 " bytes=%" PRIu64 " bad_ip=%" PRIu64
                " bad_l4=%" PRIu64 " unverified=%" PRIu64 " non_ip=%" PRIu64 "\n",
                stats.frames, stats.bytes, stats.bad_ip, stats.bad_l4, stats.unver, stats.non_ip);

    check("id", b.csr_read(kRegId), NIC_ID_VALUE);
    check("width", b.csr_read(kRegWidth), W);
    Config c;
    random_config(c, rng);
    b.program(c);
    check("ctrl", b.csr_read(kRegCtrl), (c.rss_enable ? 1u : 0u) | (c.csum_enable ? 2u : 0u));
    check("hash_mask", b.csr_read(kRegHashMask), c.hash_mask);
    check("table_mask", b.csr_read(kRegTableMask), c.table_mask);
    for (uint32_t k = 0; k < 10; k++)
        check("key", b.csr_read(kRegKey + 4 * k), pkt_get32(&c.key[4 * k]));
    for (uint32_t j = 0; j < 32; j++) {
        uint32_t w = 0;
        for (uint32_t i = 0; i < 4; i++)
            w |= (uint32_t)c.table[4 * j + i] << (8 * i);
        check("table", b.csr_read(kRegTable + 4 * j), w);
    }
    check("unmapped", b.csr_read(0x300), 0);
    if (b.csr_errors()) {
        std::printf("  csr: %d read-timing errors\n", b.csr_errors());
        ok = false;
    }
    return ok;
}

template <class V, unsigned W> int run_all(const Args &a)
{
    Stats stats;
    Bench<V, W> b(a.wave, stats);
    Rng rng(a.seed);
    Config cfg;
    int passed = 0, failed = 0;

    // reset values first
    {
        bool ok = b.csr_read(kRegCtrl) == 3 && b.csr_read(kRegHashMask) == RSS_HT_DEFAULT_MASK &&
                  b.csr_read(kRegTableMask) == 0 && b.csr_read(kRegKey) == 0 &&
                  b.csr_read(kRegTable) == 0 && b.m().idle;
        std::printf("%s reset_values\n", ok ? "PASS" : "FAIL");
        (ok ? passed : failed)++;
    }
    struct Case {
        const char *name;
        bool (*fn)(Bench<V, W> &, const Args &, Rng &, Config &);
    };
    const Case cases[] = {
        {"ms_vectors", test_ms_vectors<V, W>},
        {"random", test_random<V, W>},
        {"throughput", test_throughput<V, W>},
        {"backpressure", test_backpressure<V, W>},
    };
    for (const auto &c : cases) {
        std::printf("-- %s\n", c.name);
        bool ok = c.fn(b, a, rng, cfg);
        std::printf("%s %s\n", ok ? "PASS" : "FAIL", c.name);
        (ok ? passed : failed)++;
    }
    std::printf("-- csr\n");
    bool ok = test_csr(b, a, rng, stats);
    std::printf("%s csr\n", ok ? "PASS" : "FAIL");
    (ok ? passed : failed)++;

    int total = passed + failed;
    std::printf("tb_nic_rx w%u: %d%%: Checks: %d, Failures: %d, Errors: 0 (%d passed, %d failed)\n",
                W, total ? 100 * passed / total : 0, total, failed, passed, failed);
    return failed ? 1 : 0;
}

int usage()
{
    std::fprintf(stderr, "usage: tb_nic_rx --width 64|512 --vectors FILE [--seed N] [--frames N] "
                         "[--wave OUT.fst]\n");
    return 2;
}

} // namespace

int main(int argc, char **argv)
{
    Args a;
    for (int i = 1; i < argc; i++) {
        std::string s = argv[i];
        if (i + 1 >= argc)
            return usage();
        if (s == "--width")
            a.width = (unsigned)std::strtoul(argv[++i], nullptr, 10);
        else if (s == "--vectors")
            a.vectors = argv[++i];
        else if (s == "--seed")
            a.seed = std::strtoull(argv[++i], nullptr, 0);
        else if (s == "--frames")
            a.frames = (unsigned)std::strtoul(argv[++i], nullptr, 10);
        else if (s == "--wave")
            a.wave = argv[++i];
        else
            return usage();
    }
    if (a.vectors.empty())
        return usage();
    if (a.width == 64)
        return run_all<Vnic_top_w64, 64>(a);
    if (a.width == 512)
        return run_all<Vnic_top_w512, 512>(a);
    return usage();
}
