/*
 * tb_nic_dma: testbench for the host interface of nic_top (rtl/): receive and transmit
 * descriptor-ring DMA, completions, interrupt moderation, the DMA arbiters and the queue and
 * vector registers (docs/hw-interface.md), against the Verilated models of the shared
 * library nicsim_vnic (Vnic_top_w64, Vnic_top_w512).
 *
 *   tb_nic_dma --width 64|512 [--seed N] [--frames N] [--wave OUT.fst]
 * (128 and 256 too when built with TB_NIC_DMA_W128_W256 and those models)
 *
 * The bench holds a host-memory model (a byte array above 4 GiB) that serves DMA reads with
 * random latency and random completion order across tags, applies writes with random
 * write-port backpressure and checks every write: aligned beat addresses, bursts within a
 * 4 KiB page and at most 4096 bytes, strobes only on bytes the driver has handed to the NIC
 * (posted buffers, completion-ring slots that are free). A small driver programs rings per
 * the contract, posts buffers at random unaligned addresses, reaps completions by their
 * phase bit and re-arms vectors.
 *
 * Cases (each one check in the closing summary):
 *   registers     reset values, NUM_RXQ/vectors, queue and vector register read-back
 *   rx_random     TCP/IPv4 and non-IP frames of 60..1518 bytes, some bigger than their
 *                 buffers (spanning up to 6 descriptors), over 6 queues with random ring
 *                 sizes, random write backpressure, input gaps and read latency; every
 *                 frame's bytes in host memory, completion fields (length, hash, hash type,
 *                 checksum/L3/L4, queue, first descriptor counter, descriptors used, type,
 *                 phase over several ring wraps), order per queue, rxmeta = completion, drop
 *                 codes, per-queue and global counters, head/tail registers
 *   rx_drops      deterministic: a queue with K descriptors and no refill delivers K frames
 *                 and drops the rest as 'no descriptor'; a disabled queue and RX DMA off drop
 *                 everything; a 4-entry completion ring that is not reaped delivers 4 frames
 *                 and drops the rest as 'completion ring full'; frames needing more buffers
 *                 than posted are dropped and give their descriptors back; nothing hangs
 *   irq           frames threshold N: messages = completions / N with the driver re-arming at
 *                 once; no message while masked; events accumulated while masked fire at
 *                 re-arm; time threshold: timer_armed/timer_deadline_ns = first event +
 *                 threshold, idle with the timer armed, a jump of s_now_ns to the deadline
 *                 fires it; disabled vectors stay silent
 *   tx            frames from 1..3 buffers at unaligned addresses (some empty) leave on
 *                 m_axis_tx byte-exact with tkeep only on the last beat, under random tready
 *                 and read latency; completions (cookie of the last descriptor, length, first
 *                 descriptor, descriptors used, type 2, phase) over ring wraps; a completion
 *                 ring that fills holds transmission until reaped; TX events on the TX vector
 *   mixed         receive and transmit at once with interrupts, both arbiters under load
 *   throughput    1518-, 60-, 64- and 256-byte frames back to back over 8 queues, write port
 *                 always ready, reads 40..80 cycles, buffers aligned: frames/s against the
 *                 line rate ((len + 20) * 8 bits per frame; 64 bits at 156.25 MHz: 1518 must
 *                 reach it). Environment TB_LAT_MIN / TB_LAT_MAX / TB_UNALIGNED=1 change the
 *                 read latency and the buffer alignment of this case.
 * After every case idle must return to 1.
 */
#include <algorithm>
#include <cinttypes>
#include <cstdarg>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <functional>
#include <memory>
#include <random>
#include <string>
#include <type_traits>
#include <vector>

#include "Vnic_top_w512.h"
#include "Vnic_top_w64.h"
#ifdef TB_NIC_DMA_W128_W256
// optional: models verilated at 128 and 256 bits as well (not in nicsim_vnic)
#include "Vnic_top_w128.h"
#include "Vnic_top_w256.h"
#endif
#include "verilated.h"
#include "verilated_fst_c.h"

extern "C" {
#include "nic_hw.h"
#include "pkt.h"
#include "rss.h"
}

namespace {

// Host memory seen by the NIC's DMA: above 4 GiB so the high address bits matter.
constexpr uint64_t kHostBase = 0x0000000812340000ull;
constexpr size_t kHostSize = 48u << 20;

// RTL parameters (nic_top defaults)
constexpr unsigned kNumRxq = 16;
constexpr unsigned kNumVec = kNumRxq + 1;
constexpr unsigned kReadTags = 32;

// registers (docs/hw-interface.md)
constexpr uint32_t kRegId = NIC_REG_ID, kRegCtrl = NIC_REG_CTRL, kRegHashMask = NIC_REG_HASH_TYPES,
                   kRegTableMask = NIC_REG_TABLE_MASK, kRegNumRxq = NIC_REG_NUM_RXQ,
                   kRegNumVec = NIC_REG_NUM_VEC, kRegKey = NIC_REG_KEY0, kRegTable = NIC_REG_TABLE0,
                   kRegFrames = NIC_REG_STAT_RX_FRAMES, kRegDropNoDesc = NIC_REG_STAT_DROP_NODESC,
                   kRegDropFull = NIC_REG_STAT_DROP_CPL_FULL, kRegTxFrames = NIC_REG_STAT_TX_FRAMES,
                   kRegIrqs = NIC_REG_STAT_IRQS;
constexpr uint32_t kCtrlRss = 1, kCtrlCsum = 2, kCtrlRxDma = 4, kCtrlTx = 8;
// register map: rtl/nic_hw.h
constexpr uint32_t kTxq = NIC_REG_TXQ;
enum : uint32_t {
    Q_BASE_LO = NIC_Q_DESC_LO, Q_BASE_HI = NIC_Q_DESC_HI, Q_LOG2 = NIC_Q_DESC_LOG2, Q_TAIL = NIC_Q_TAIL,
    Q_HEAD = NIC_Q_HEAD, Q_CPL_LO = NIC_Q_CPL_LO, Q_CPL_HI = NIC_Q_CPL_HI, Q_CPL_LOG2 = NIC_Q_CPL_LOG2,
    Q_CPL_HEAD = NIC_Q_CPL_HEAD, Q_CPL_TAIL = NIC_Q_CPL_TAIL, Q_VEC = NIC_Q_VECTOR, Q_EN = NIC_Q_ENABLE,
    Q_DROP_NODESC = NIC_Q_DROP_NODESC, Q_DROP_FULL = NIC_Q_DROP_CPL_FULL, Q_DONE = NIC_Q_DONE
};
enum : uint32_t { V_FRAMES = NIC_V_MOD_FRAMES, V_TIME = NIC_V_MOD_TIME, V_CTRL = NIC_V_CTRL, V_SENT = NIC_V_SENT };
constexpr uint32_t kVecRearm = NIC_VEC_REARM, kVecEnable = NIC_VEC_ENABLE;

uint32_t rxq_reg(unsigned q, uint32_t off) { return nic_reg_rxq((int)q, off); }
uint32_t vec_reg(unsigned v, uint32_t off) { return nic_reg_vec((int)v, off); }

uint32_t rd_le(const uint8_t *p, int n)
{
    uint32_t v = 0;
    for (int i = n - 1; i >= 0; i--)
        v = (v << 8) | p[i];
    return v;
}
void wr_le(uint8_t *p, uint64_t v, int n)
{
    for (int i = 0; i < n; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

class Rng {
public:
    explicit Rng(uint64_t seed) : g_(seed) {}
    uint32_t below(uint32_t n) { return n ? (uint32_t)(g_() % n) : 0; }
    uint32_t range(uint32_t lo, uint32_t hi) { return lo + below(hi - lo + 1); }
    bool pct(uint32_t p) { return below(100) < p; }
    uint8_t byte() { return (uint8_t)g_(); }
    uint32_t u32() { return (uint32_t)g_(); }

private:
    std::mt19937_64 g_;
};

// Failures of the current case (the first few are printed).
struct Errors {
    unsigned count = 0;
    void fail(const char *fmt, ...) __attribute__((format(printf, 2, 3)))
    {
        if (count++ < 12) {
            va_list ap;
            va_start(ap, fmt);
            std::printf("    ERROR: ");
            std::vprintf(fmt, ap);
            std::printf("\n");
            va_end(ap);
        }
    }
};

/* ---------------------------------------------------------------------------------------
 * Frames and their expected receive results
 * ------------------------------------------------------------------------------------- */

struct RxFrame {
    std::vector<uint8_t> bytes;
    unsigned queue = 0, hash_type = 0, csum = 0, l3 = 0, l4 = 0;
    uint32_t hash = 0;
};

struct RssCfg {
    uint8_t key[RSS_KEY_BYTES];
    uint8_t table[RSS_TABLE_MAX];
    unsigned mask = 127;
};

// TCP/IPv4 (good or bad TCP checksum) or, with non_ip, an unparsed frame (queue 0, no hash)
RxFrame make_frame(Rng &rng, size_t len, const RssCfg &c, bool non_ip)
{
    RxFrame f;
    if (non_ip) {
        f.bytes.resize(len);
        for (auto &x : f.bytes)
            x = rng.byte();
        pkt_put16(&f.bytes[12], 0x88b5);
        return f;
    }
    pkt_spec s;
    std::memset(&s, 0, sizeof s);
    for (int i = 0; i < 4; i++) {
        s.src[i] = rng.byte();
        s.dst[i] = rng.byte();
    }
    for (int i = 0; i < 6; i++) {
        s.src_mac[i] = rng.byte();
        s.dst_mac[i] = rng.byte();
    }
    s.proto = PKT_IPPROTO_TCP;
    s.sport = (uint16_t)rng.u32();
    s.dport = (uint16_t)rng.u32();
    s.seq = rng.u32();
    s.ack = rng.u32();
    s.tcp_flags = 0x10;
    s.window = (uint16_t)rng.u32();
    s.ip_id = (uint16_t)rng.u32();
    s.bad_l4_csum = rng.pct(10);
    std::vector<uint8_t> payload(len > 54 ? len - 54 : 0);
    for (auto &x : payload)
        x = rng.byte();
    f.bytes.resize(len + 200);
    int n = pkt_build(&s, payload.data(), payload.size(), f.bytes.data(), f.bytes.size());
    if (n < 0 || (size_t)n != std::max<size_t>(len, 60)) {
        std::fprintf(stderr, "tb_nic_dma: pkt_build gave %d bytes for %zu\n", n, len);
        std::abort();
    }
    f.bytes.resize((size_t)n);
    uint8_t in[12];
    std::memcpy(in, s.src, 4);
    std::memcpy(in + 4, s.dst, 4);
    pkt_put16(in + 8, s.sport);
    pkt_put16(in + 10, s.dport);
    f.hash = rss_toeplitz(c.key, in, 12);
    f.hash_type = RSS_HT_TCP_IPV4;
    f.queue = c.table[f.hash & c.mask];
    f.l3 = 1;
    f.l4 = 1;
    f.csum = s.bad_l4_csum ? 3 : 1;
    return f;
}

struct Meta {
    unsigned len, l3, l4, hash_type, queue, csum, frag, drop;
    uint32_t hash;
};

/* ---------------------------------------------------------------------------------------
 * Bench: one Verilated nic_top with its host memory, line side and register port
 * ------------------------------------------------------------------------------------- */

struct Knobs {
    unsigned wr_ready_pct = 100;    // host write port ready
    unsigned rdreq_ready_pct = 100; // host read-request port ready
    unsigned lat_min = 20, lat_max = 80; // read latency in cycles
    unsigned cpl_gap_pct = 0;       // idle cycles inside a read completion
    unsigned tx_ready_pct = 100;    // line-side transmit ready
    unsigned gap_pct = 0;           // idle cycles between receive beats
};

template <class V, unsigned W> class Bench {
public:
    static constexpr unsigned kB = W / 8;

    Bench(const char *wave, uint64_t seed) : rng(seed)
    {
        mem.assign(kHostSize, 0);
        perm.assign(kHostSize, 0);
        ctx_ = std::make_unique<VerilatedContext>();
        if (wave)
            ctx_->traceEverOn(true);
        m = std::make_unique<V>(ctx_.get(), "nic");
        if (wave) {
            fst_ = std::make_unique<VerilatedFstC>();
            m->trace(fst_.get(), 99);
            fst_->open(wave);
        }
        period_ps = W == 64 ? 6400 : 4000;
        m->clk = 0;
        m->rst = 1;
        m->m_axis_rxmeta_tready = 1;
        for (int i = 0; i < 4; i++)
            step();
        m->rst = 0;
        step();
    }
    ~Bench()
    {
        if (fst_)
            fst_->close();
        m->final();
    }

    // ---- host memory ----
    uint8_t *host(uint64_t a, size_t n)
    {
        if (a < kHostBase || a + n > kHostBase + kHostSize) {
            err.fail("host access 0x%" PRIx64 "+%zu outside memory", a, n);
            return &scratch_[0];
        }
        return &mem[a - kHostBase];
    }
    uint64_t alloc(size_t n, size_t align = 64)
    {
        brk_ = (brk_ + align - 1) & ~(uint64_t)(align - 1);
        uint64_t a = kHostBase + brk_;
        brk_ += n;
        if (brk_ > kHostSize) {
            std::fprintf(stderr, "tb_nic_dma: host memory exhausted\n");
            std::abort();
        }
        return a;
    }
    void reset_alloc()
    {
        brk_ = 0;
        std::fill(perm.begin(), perm.end(), 0);
    }
    void set_perm(uint64_t a, size_t n, uint8_t v)
    {
        std::fill(perm.begin() + (long)(a - kHostBase), perm.begin() + (long)(a - kHostBase + n), v);
    }

    // ---- one clock cycle with every port served ----
    void step()
    {
        const uint64_t now_ns = (cycle * period_ps) / 1000 + time_jump_ns;
        m->s_now_ns = now_ns;

        // line-side receive
        bool offer = false;
        if (!rx_frames.empty() && (rx_holding || !rng.pct(k.gap_pct))) {
            const std::vector<uint8_t> &f = rx_frames.front();
            uint8_t beat[64] = {0};
            size_t n = std::min<size_t>(kB, f.size() - rx_off);
            std::memcpy(beat, f.data() + rx_off, n);
            for (size_t i = n; i < kB; i++)
                beat[i] = rng.byte(); // absent lanes carry junk
            put(m->s_axis_rx_tdata, beat);
            m->s_axis_rx_tkeep = (std::remove_reference_t<decltype(m->s_axis_rx_tkeep)>)lanes(n);
            m->s_axis_rx_tlast = rx_off + n >= f.size();
            m->s_axis_rx_tuser = 0;
            offer = true;
            rx_holding = true;
        }
        m->s_axis_rx_tvalid = offer;
        m->m_axis_rxmeta_tready = meta_ready_pct >= 100 || rng.pct(meta_ready_pct);

        // host read requests and completions
        m->m_dma_rd_req_ready = k.rdreq_ready_pct >= 100 || rng.pct(k.rdreq_ready_pct);
        if (!rd_active && !rd_pending.empty()) {
            std::vector<size_t> due;
            for (size_t i = 0; i < rd_pending.size(); i++)
                if (rd_pending[i].due <= cycle)
                    due.push_back(i);
            if (!due.empty()) {
                size_t pick = due[rng.below((uint32_t)due.size())];
                rd_cur = rd_pending[pick];
                rd_pending.erase(rd_pending.begin() + (long)pick);
                rd_active = true;
                rd_beat = 0;
            }
        }
        bool cpl_offer = rd_active && !rng.pct(k.cpl_gap_pct);
        if (cpl_offer) {
            uint8_t beat[64];
            const unsigned beats = (rd_cur.len + kB - 1) / kB;
            for (unsigned i = 0; i < kB; i++) {
                size_t o = (size_t)rd_beat * kB + i;
                beat[i] = o < rd_cur.len ? *host(rd_cur.addr + o, 1) : rng.byte();
            }
            put(m->s_dma_rd_cpl_data, beat);
            m->s_dma_rd_cpl_tag = rd_cur.tag;
            m->s_dma_rd_cpl_last = rd_beat + 1 == beats;
        }
        m->s_dma_rd_cpl_valid = cpl_offer;
        m->m_dma_wr_ready = k.wr_ready_pct >= 100 || rng.pct(k.wr_ready_pct);
        m->m_axis_tx_tready = k.tx_ready_pct >= 100 || rng.pct(k.tx_ready_pct);

        m->clk = 0;
        m->eval();
        dump();

        // handshakes
        if (offer && m->s_axis_rx_tready) {
            rx_holding = false;
            rx_beats++;
            rx_off += kB;
            if (rx_off >= rx_frames.front().size()) {
                rx_off = 0;
                rx_frames.pop_front();
                rx_frames_in++;
                last_rx_in_cycle = cycle;
            }
        } else if (offer) {
            rx_stalls++;
        }
        if (m->m_axis_rxmeta_tvalid && m->m_axis_rxmeta_tready) {
            Meta r;
            r.len = m->m_axis_rxmeta_len;
            r.l3 = m->m_axis_rxmeta_l3;
            r.l4 = m->m_axis_rxmeta_l4;
            r.hash_type = m->m_axis_rxmeta_hash_type;
            r.hash = m->m_axis_rxmeta_hash;
            r.queue = m->m_axis_rxmeta_queue;
            r.csum = m->m_axis_rxmeta_csum;
            r.frag = m->m_axis_rxmeta_frag;
            r.drop = m->m_axis_rxmeta_drop;
            metas.push_back(r);
            if (on_meta)
                on_meta(r);
        }
        if (m->m_dma_rd_req_valid && m->m_dma_rd_req_ready) {
            Rd r;
            r.tag = m->m_dma_rd_req_tag;
            r.addr = m->m_dma_rd_req_addr;
            r.len = m->m_dma_rd_req_len;
            r.due = cycle + rng.range(k.lat_min, k.lat_max);
            if (r.len < 1 || r.len > 4096)
                err.fail("read request length %u", r.len);
            if (r.tag >= kReadTags || tag_busy[r.tag])
                err.fail("read request tag %u out of range or in use", r.tag);
            else
                tag_busy[r.tag] = true;
            host(r.addr, r.len);
            rd_pending.push_back(r);
            rd_reqs++;
            rd_bytes += r.len;
        }
        if (cpl_offer && m->s_dma_rd_cpl_ready) {
            const unsigned beats = (rd_cur.len + kB - 1) / kB;
            if (++rd_beat == beats) {
                rd_active = false;
                tag_busy[rd_cur.tag] = false;
            }
        }
        if (m->m_dma_wr_valid && m->m_dma_wr_ready)
            take_write();
        if (m->m_irq_valid) {
            irqs.push_back({cycle, (unsigned)m->m_irq_vector});
            if (on_irq)
                on_irq(m->m_irq_vector);
        }
        if (m->m_axis_tx_tvalid && m->m_axis_tx_tready)
            take_tx();

        m->clk = 1;
        m->eval();
        dump();
        cycle++;
        m->s_csr_wr = 0;
        m->s_csr_rd = 0;
    }

    void run(uint64_t n)
    {
        for (uint64_t i = 0; i < n; i++)
            step();
    }

    // ---- register port (the other ports keep being served) ----
    void csr_write(uint32_t addr, uint32_t val)
    {
        m->s_csr_addr = (uint16_t)addr;
        m->s_csr_wdata = val;
        m->s_csr_wr = 1;
        step();
    }
    uint32_t csr_read(uint32_t addr)
    {
        m->s_csr_addr = (uint16_t)addr;
        m->s_csr_rd = 1;
        step();
        m->clk = 0;
        m->eval();
        if (!m->s_csr_rvalid)
            err.fail("csr read 0x%04x: no rvalid the cycle after rd", addr);
        uint32_t v = m->s_csr_rdata;
        step();
        return v;
    }

    // Clocks until idle (and no host read in flight); false on timeout.
    bool drain(uint64_t max_cycles)
    {
        for (uint64_t i = 0; i < max_cycles; i++) {
            m->clk = 0;
            m->eval();
            if (m->idle && rx_frames.empty() && rd_pending.empty() && !rd_active)
                return true;
            step();
        }
        return false;
    }

    static uint64_t lanes(size_t n) { return n >= 64 ? ~0ull : ((1ull << n) - 1); }

    // ---- state visible to the cases (the context outlives the model) ----
    std::unique_ptr<VerilatedContext> ctx_;
    std::unique_ptr<V> m;
    Rng rng;
    Knobs k;
    Errors err;
    std::vector<uint8_t> mem, perm;
    uint64_t cycle = 0, period_ps = 6400, time_jump_ns = 0;
    unsigned meta_ready_pct = 100;

    std::deque<std::vector<uint8_t>> rx_frames;
    uint64_t rx_frames_in = 0, rx_beats = 0, rx_stalls = 0, last_rx_in_cycle = 0;
    std::vector<Meta> metas;
    std::function<void(const Meta &)> on_meta;

    std::vector<std::pair<uint64_t, unsigned>> irqs;
    std::function<void(unsigned)> on_irq;

    std::vector<std::vector<uint8_t>> tx_out;
    uint64_t tx_beats = 0;

    // writes: hook sees every accepted beat (after memory is updated)
    std::function<void(uint64_t addr, uint64_t strb, bool last)> on_write;
    uint64_t wr_beats = 0, last_wr_cycle = 0, first_wr_cycle = UINT64_MAX;
    uint64_t rd_reqs = 0, rd_bytes = 0;

private:
    struct Rd {
        uint8_t tag;
        uint64_t addr;
        unsigned len;
        uint64_t due;
    };

    template <class T> static void put(T &p, const uint8_t *b)
    {
        if constexpr (W == 64) {
            uint64_t v = 0;
            for (int i = 7; i >= 0; i--)
                v = (v << 8) | b[i];
            p = v;
        } else {
            for (unsigned w = 0; w < W / 32; w++)
                p[w] = (uint32_t)b[4 * w] | ((uint32_t)b[4 * w + 1] << 8) |
                       ((uint32_t)b[4 * w + 2] << 16) | ((uint32_t)b[4 * w + 3] << 24);
        }
    }
    template <class T> static void get(const T &p, uint8_t *b)
    {
        if constexpr (W == 64) {
            uint64_t v = p;
            for (int i = 0; i < 8; i++)
                b[i] = (uint8_t)(v >> (8 * i));
        } else {
            for (unsigned w = 0; w < W / 32; w++)
                for (int i = 0; i < 4; i++)
                    b[4 * w + i] = (uint8_t)(p[w] >> (8 * i));
        }
    }

    void take_write()
    {
        const uint64_t addr = m->m_dma_wr_addr;
        const uint64_t strb = (uint64_t)m->m_dma_wr_strb;
        const bool last = m->m_dma_wr_last;
        uint8_t data[64];
        get(m->m_dma_wr_data, data);
        if (addr % kB)
            err.fail("write beat address 0x%" PRIx64 " not %u-byte aligned", addr, kB);
        if (!wr_in_burst) {
            wr_start = addr;
            wr_next = addr;
        }
        if (addr != wr_next)
            err.fail("write burst not contiguous: 0x%" PRIx64 " after 0x%" PRIx64, addr,
                     wr_next - kB);
        if ((addr >> 12) != (wr_start >> 12))
            err.fail("write burst from 0x%" PRIx64 " crosses a 4 KiB boundary at 0x%" PRIx64,
                     wr_start, addr);
        if (addr + kB - wr_start > 4096)
            err.fail("write burst from 0x%" PRIx64 " longer than 4096 bytes", wr_start);
        wr_next = addr + kB;
        wr_in_burst = !last;
        for (unsigned i = 0; i < kB; i++) {
            if (!((strb >> i) & 1))
                continue;
            uint8_t *p = host(addr + i, 1);
            if (p == &scratch_[0])
                break;
            if (!perm[addr + i - kHostBase]) {
                err.fail("write to 0x%" PRIx64 ", a byte the NIC does not own", addr + i);
                break;
            }
            *p = data[i];
        }
        wr_beats++;
        if (first_wr_cycle == UINT64_MAX)
            first_wr_cycle = cycle;
        last_wr_cycle = cycle;
        if (on_write)
            on_write(addr, strb, last);
    }

    void take_tx()
    {
        uint8_t data[64];
        get(m->m_axis_tx_tdata, data);
        const uint64_t keep = (uint64_t)m->m_axis_tx_tkeep;
        const bool last = m->m_axis_tx_tlast;
        tx_beats++;
        if (!last && keep != lanes(kB))
            err.fail("tx: tkeep 0x%" PRIx64 " on a beat that is not the last", keep);
        unsigned n = 0;
        while (n < kB && ((keep >> n) & 1))
            n++;
        if (n == 0 || (n < kB && (keep >> n) != 0))
            err.fail("tx: tkeep 0x%" PRIx64 " not a non-empty run from lane 0", keep);
        tx_cur_.insert(tx_cur_.end(), data, data + n);
        if (last) {
            tx_out.push_back(tx_cur_);
            tx_cur_.clear();
        }
    }

    void dump()
    {
        if (fst_)
            fst_->dump(ctx_->time());
        ctx_->timeInc(1);
    }

    std::unique_ptr<VerilatedFstC> fst_;
    uint64_t brk_ = 0;
    uint8_t scratch_[64] = {0};
    size_t rx_off = 0;
    bool rx_holding = false;
    std::vector<Rd> rd_pending;
    bool rd_active = false;
    Rd rd_cur{};
    unsigned rd_beat = 0;
    bool tag_busy[256] = {false};
    bool wr_in_burst = false;
    uint64_t wr_start = 0, wr_next = 0;
    std::vector<uint8_t> tx_cur_;
};

/* ---------------------------------------------------------------------------------------
 * Driver model
 * ------------------------------------------------------------------------------------- */

struct BufPolicy {
    uint32_t min = 2048, max = 2048; // buffer bytes
    bool unaligned = true;
};

struct RxQ {
    unsigned q = 0;
    unsigned log2 = 6, cpl_log2 = 5;
    uint64_t ring = 0, cpl_ring = 0, area = 0;
    size_t stride = 0;
    uint16_t tail = 0;      // descriptors posted
    uint16_t cons = 0;      // descriptor counter of the next delivered frame
    uint16_t cpl_head = 0;  // completions reaped (and written to the register)
    uint16_t cpl_seen = 0;  // completion entries the NIC wrote (from the write stream)
    unsigned vector = 0;
    BufPolicy pol;
    std::vector<uint64_t> buf;
    std::vector<uint32_t> size;
    std::deque<RxFrame> expect;       // delivered frames, awaiting their completion
    uint64_t delivered = 0, completed = 0, drop_nodesc = 0, drop_full = 0;
    unsigned entries() const { return 1u << log2; }
    unsigned cpl_entries() const { return 1u << cpl_log2; }
};

struct TxExpect {
    std::vector<uint8_t> bytes;
    uint32_t cookie = 0;
    uint16_t first = 0;
    unsigned ndesc = 0;
};

struct TxQ {
    unsigned log2 = 5, cpl_log2 = 4;
    uint64_t ring = 0, cpl_ring = 0;
    uint16_t tail = 0, cons = 0, cpl_head = 0, cpl_seen = 0;
    unsigned vector = kNumRxq;
    std::deque<TxExpect> sent;   // awaiting the frame on the line
    std::deque<TxExpect> cpl;    // awaiting the completion
    std::vector<uint64_t> bufs;  // buffer memory per descriptor slot (reused)
    uint64_t frames_out = 0, completed = 0;
    unsigned entries() const { return 1u << log2; }
};

template <class V, unsigned W> class Driver {
public:
    using B = Bench<V, W>;
    explicit Driver(B &b) : b_(b) {}

    RssCfg rss;
    std::vector<RxQ> rxq;    // index = queue number (kNumRxq entries)
    TxQ txq;
    std::vector<RxFrame> sent;   // receive frames in the order sent
    size_t meta_seen = 0;
    Errors &err() { return b_.err; }

    // Random key; table entries drawn from `queues` (uniform: each queue equally often).
    void program_rss(const std::vector<unsigned> &queues, bool uniform = false)
    {
        for (auto &k : rss.key)
            k = b_.rng.byte();
        for (unsigned i = 0; i < RSS_TABLE_MAX; i++)
            rss.table[i] = (uint8_t)(uniform ? queues[i % queues.size()]
                                             : queues[b_.rng.below((uint32_t)queues.size())]);
        rss.mask = 127;
        for (uint32_t k = 0; k < 10; k++)
            b_.csr_write(kRegKey + 4 * k, pkt_get32(&rss.key[4 * k]));
        for (uint32_t j = 0; j < 32; j++) {
            uint32_t w = 0;
            for (uint32_t i = 0; i < 4; i++)
                w |= (uint32_t)rss.table[4 * j + i] << (8 * i);
            b_.csr_write(kRegTable + 4 * j, w);
        }
        b_.csr_write(kRegTableMask, rss.mask);
        b_.csr_write(kRegHashMask, RSS_HT_DEFAULT_MASK);
    }

    // Sets up RX queue q (rings, buffers area, vector) without enabling it.
    void setup_rxq(unsigned q, unsigned log2, unsigned cpl_log2, const BufPolicy &pol,
                   unsigned vector)
    {
        RxQ &r = rxq[q];
        r = RxQ();
        r.q = q;
        r.log2 = log2;
        r.cpl_log2 = cpl_log2;
        r.pol = pol;
        r.vector = vector;
        r.ring = b_.alloc(16 * r.entries(), 16);
        r.cpl_ring = b_.alloc(16 * r.cpl_entries(), 16);
        std::memset(b_.host(r.cpl_ring, 16 * r.cpl_entries()), 0, 16 * r.cpl_entries());
        r.stride = (pol.max + 64 + 63) & ~(size_t)63;
        r.area = b_.alloc(r.stride * r.entries(), 4096);
        r.buf.assign(r.entries(), 0);
        r.size.assign(r.entries(), 0);
        b_.csr_write(rxq_reg(q, Q_BASE_LO), (uint32_t)r.ring);
        b_.csr_write(rxq_reg(q, Q_BASE_HI), (uint32_t)(r.ring >> 32));
        b_.csr_write(rxq_reg(q, Q_LOG2), log2);
        b_.csr_write(rxq_reg(q, Q_CPL_LO), (uint32_t)r.cpl_ring);
        b_.csr_write(rxq_reg(q, Q_CPL_HI), (uint32_t)(r.cpl_ring >> 32));
        b_.csr_write(rxq_reg(q, Q_CPL_LOG2), cpl_log2);
        b_.csr_write(rxq_reg(q, Q_VEC), vector);
        // completion slots belong to the NIC until reaped
        b_.set_perm(r.cpl_ring, 16 * r.cpl_entries(), 1);
    }

    // Posts descriptors until `target` are outstanding (tail - cons).
    void post(unsigned q, unsigned target, bool doorbell = true)
    {
        RxQ &r = rxq[q];
        target = std::min(target, r.entries());
        while ((uint16_t)(r.tail - r.cons) < target) {
            unsigned s = r.tail & (r.entries() - 1);
            uint32_t size = b_.rng.range(r.pol.min, r.pol.max);
            uint64_t addr = r.area + r.stride * s + (r.pol.unaligned ? b_.rng.below(64) : 0);
            r.buf[s] = addr;
            r.size[s] = size;
            uint8_t *d = b_.host(r.ring + 16 * s, 16);
            wr_le(d, addr, 8);
            wr_le(d + 8, size, 4);
            wr_le(d + 12, 0, 4);
            b_.set_perm(addr, size, 1);
            r.tail++;
        }
        if (doorbell)
            b_.csr_write(rxq_reg(q, Q_TAIL), r.tail);
    }

    // Receive results arrive in frame order; delivered frames wait for their completion.
    void on_meta(const Meta &mt)
    {
        if (meta_seen >= sent.size()) {
            err().fail("rxmeta for a frame that was never sent");
            return;
        }
        const RxFrame &f = sent[meta_seen++];
        if (mt.len != f.bytes.size() || mt.queue != f.queue || mt.hash != f.hash ||
            mt.hash_type != f.hash_type || mt.csum != f.csum || mt.l3 != f.l3 ||
            mt.l4 != f.l4 || mt.frag != 0)
            err().fail("rxmeta of frame %zu: len %u q %u hash %08x ht %u csum %u l3 %u l4 %u; "
                       "expected len %zu q %u hash %08x ht %u csum %u l3 %u l4 %u",
                       meta_seen - 1, mt.len, mt.queue, mt.hash, mt.hash_type, mt.csum, mt.l3,
                       mt.l4, f.bytes.size(), f.queue, f.hash, f.hash_type, f.csum, f.l3, f.l4);
        if (mt.queue >= rxq.size())
            return;
        RxQ &r = rxq[mt.queue];
        if (mt.drop == 0) {
            r.expect.push_back(f);
            r.delivered++;
        } else if (mt.drop == 1) {
            r.drop_nodesc++;
        } else if (mt.drop == 2) {
            r.drop_full++;
        } else {
            err().fail("rxmeta drop code %u", mt.drop);
        }
    }

    // Completion writes seen on the write port: slot order, no overwrite of unreaped entries.
    std::function<void(unsigned vector, uint64_t cyc)> on_event;
    uint64_t events[kNumVec + 1] = {0};

    void on_write(uint64_t addr, uint64_t strb, bool last)
    {
        if (!last || !strb)
            return;
        // the entry's address: the beat's first strobe (at 64 bits the entry started a beat
        // earlier)
        uint64_t ea = addr + (uint64_t)__builtin_ctzll(strb) - (W == 64 ? 8 : 0);
        for (auto &r : rxq) {
            if (!r.cpl_ring || ea < r.cpl_ring || ea >= r.cpl_ring + 16 * r.cpl_entries())
                continue;
            check_cpl_slot("rx", r.q, (ea - r.cpl_ring) / 16, r.cpl_seen, r.cpl_head,
                           r.cpl_entries());
            r.cpl_seen++;
            count_event(r.vector);
            return;
        }
        if (txq.cpl_ring && ea >= txq.cpl_ring && ea < txq.cpl_ring + 16u * (1u << txq.cpl_log2)) {
            check_cpl_slot("tx", 0, (ea - txq.cpl_ring) / 16, txq.cpl_seen, txq.cpl_head,
                           1u << txq.cpl_log2);
            txq.cpl_seen++;
            count_event(txq.vector);
        }
    }

    void check_cpl_slot(const char *what, unsigned q, uint64_t slot, uint16_t seen,
                        uint16_t head, unsigned entries)
    {
        if (slot != (seen & (entries - 1))) {
            err().fail("%s queue %u: completion written to slot %" PRIu64 ", expected %u", what,
                       q, slot, seen & (entries - 1));
        }
        if ((uint16_t)(seen - head) >= entries)
            err().fail("%s queue %u: completion %u written over an entry not reaped (head %u)",
                       what, q, seen, head);
    }

    void count_event(unsigned v)
    {
        events[std::min(v, kNumVec)]++;
        if (on_event)
            on_event(v, b_.cycle);
    }

    // Reaps queue q's completions; re-posts up to `repost` outstanding (0: none).
    unsigned reap(unsigned q, unsigned repost, bool doorbells = true)
    {
        RxQ &r = rxq[q];
        unsigned n = 0;
        for (;;) {
            const unsigned slot = r.cpl_head & (r.cpl_entries() - 1);
            uint8_t *e = b_.host(r.cpl_ring + 16 * slot, 16);
            const unsigned phase = ((r.cpl_head >> r.cpl_log2) & 1) ^ 1;
            if ((e[15] >> 7) != phase)
                break;
            // the result of the frame may still wait in the rxmeta port (tready low)
            if (r.expect.empty())
                break;
            check_rx_cpl(r, e);
            r.cpl_head++;
            r.completed++;
            n++;
        }
        if (n && doorbells)
            b_.csr_write(rxq_reg(q, Q_CPL_HEAD), r.cpl_head);
        if (repost)
            post(q, repost, doorbells);
        return n;
    }

    void check_rx_cpl(RxQ &r, const uint8_t *e)
    {
        if (r.expect.empty()) {
            err().fail("queue %u: completion with no delivered frame pending", r.q);
            return;
        }
        RxFrame f = r.expect.front();
        r.expect.pop_front();
        const uint32_t hash = rd_le(e, 4);
        const unsigned len = rd_le(e + 4, 2), ht = e[6], flags = e[7];
        const uint16_t first = (uint16_t)rd_le(e + 8, 2);
        const unsigned used = e[10], queue = e[11], rsvd = rd_le(e + 12, 2), type = e[14];
        const unsigned want_flags = f.csum | (f.l3 << 3) | (f.l4 << 5);
        if (len != f.bytes.size() || hash != f.hash || ht != f.hash_type || flags != want_flags ||
            queue != r.q || rsvd != 0 || type != 1 || (e[15] & 0x7f) != 0)
            err().fail("queue %u completion: len %u hash %08x ht %u flags %02x queue %u type %u "
                       "rsvd %u b15 %02x; expected len %zu hash %08x ht %u flags %02x",
                       r.q, len, hash, ht, flags, queue, type, rsvd, e[15], f.bytes.size(), f.hash,
                       f.hash_type, want_flags);
        if (first != r.cons)
            err().fail("queue %u completion: first descriptor %u, expected %u", r.q, first, r.cons);
        // the frame's bytes, buffer after buffer
        size_t off = 0;
        unsigned n = 0;
        while (off < f.bytes.size() && n < 64) {
            const unsigned s = (r.cons + n) & (r.entries() - 1);
            size_t take = std::min<size_t>(r.size[s], f.bytes.size() - off);
            const uint8_t *p = b_.host(r.buf[s], take);
            if (std::memcmp(p, f.bytes.data() + off, take) != 0) {
                size_t i = 0;
                while (p[i] == f.bytes[off + i])
                    i++;
                err().fail("queue %u: frame byte %zu (buffer %u at 0x%" PRIx64 " + %zu) is %02x, "
                           "expected %02x (len %zu)",
                           r.q, off + i, n, r.buf[s], i, p[i], f.bytes[off + i], f.bytes.size());
            }
            b_.set_perm(r.buf[s], r.size[s], 0);
            off += take;
            n++;
        }
        if (used != n)
            err().fail("queue %u completion: %u descriptors used, expected %u (len %zu)", r.q,
                       used, n, f.bytes.size());
        r.cons = (uint16_t)(r.cons + n);
    }

    // Sends receive frames (the bench feeds them beat by beat).
    void send(const RxFrame &f)
    {
        sent.push_back(f);
        b_.rx_frames.push_back(f.bytes);
    }

    // ---- transmit ----
    void setup_txq(unsigned log2, unsigned cpl_log2, unsigned vector)
    {
        txq = TxQ();
        txq.log2 = log2;
        txq.cpl_log2 = cpl_log2;
        txq.vector = vector;
        txq.ring = b_.alloc(16 * txq.entries(), 16);
        txq.cpl_ring = b_.alloc(16u << cpl_log2, 16);
        std::memset(b_.host(txq.cpl_ring, 16u << cpl_log2), 0, 16u << cpl_log2);
        b_.set_perm(txq.cpl_ring, 16u << cpl_log2, 1);
        txq.bufs.assign(txq.entries(), 0);
        for (auto &a : txq.bufs)
            a = b_.alloc(4096 + 128, 64);
        b_.csr_write(kTxq + Q_BASE_LO, (uint32_t)txq.ring);
        b_.csr_write(kTxq + Q_BASE_HI, (uint32_t)(txq.ring >> 32));
        b_.csr_write(kTxq + Q_LOG2, log2);
        b_.csr_write(kTxq + Q_CPL_LO, (uint32_t)txq.cpl_ring);
        b_.csr_write(kTxq + Q_CPL_HI, (uint32_t)(txq.cpl_ring >> 32));
        b_.csr_write(kTxq + Q_CPL_LOG2, cpl_log2);
        b_.csr_write(kTxq + Q_VEC, vector);
        b_.csr_write(kTxq + Q_EN, 1);
    }

    // Queues one frame of `len` bytes in `pieces` buffers; false if the ring is full.
    bool tx_frame(size_t len, unsigned pieces, bool doorbell = true)
    {
        if ((uint16_t)(txq.tail - txq.cons) + pieces > txq.entries())
            return false;
        TxExpect x;
        x.bytes.resize(len);
        for (auto &c : x.bytes)
            c = b_.rng.byte();
        x.first = txq.tail;
        x.ndesc = pieces;
        size_t off = 0;
        for (unsigned i = 0; i < pieces; i++) {
            size_t n = i + 1 == pieces ? len - off
                                       : std::min<size_t>(len - off, b_.rng.below((uint32_t)len + 1));
            n = std::min<size_t>(n, 4096);
            if (i + 1 == pieces && len - off > 4096) {
                std::fprintf(stderr, "tb_nic_dma: tx piece too long\n");
                std::abort();
            }
            const unsigned s = txq.tail & (txq.entries() - 1);
            uint64_t addr = txq.bufs[s] + b_.rng.below(128);
            std::memcpy(b_.host(addr, n), x.bytes.data() + off, n);
            uint8_t *d = b_.host(txq.ring + 16 * s, 16);
            uint32_t cookie = b_.rng.u32();
            wr_le(d, addr, 8);
            wr_le(d + 8, n, 2);
            wr_le(d + 10, i + 1 == pieces ? 1 : 0, 2);
            wr_le(d + 12, cookie, 4);
            x.cookie = cookie;
            txq.tail++;
            off += n;
        }
        txq.sent.push_back(x);
        txq.cpl.push_back(x);
        if (doorbell)
            b_.csr_write(kTxq + Q_TAIL, txq.tail);
        return true;
    }

    // Checks transmitted frames and reaps TX completions.
    unsigned tx_reap(bool doorbell = true)
    {
        while (txq.frames_out < b_.tx_out.size()) {
            const std::vector<uint8_t> &got = b_.tx_out[txq.frames_out];
            if (txq.sent.empty()) {
                err().fail("tx: frame %" PRIu64 " on the line that was never queued", txq.frames_out);
            } else {
                const TxExpect &x = txq.sent.front();
                if (got != x.bytes) {
                    size_t i = 0;
                    while (i < got.size() && i < x.bytes.size() && got[i] == x.bytes[i])
                        i++;
                    err().fail("tx frame %" PRIu64 ": %zu bytes, expected %zu; first difference "
                               "at byte %zu",
                               txq.frames_out, got.size(), x.bytes.size(), i);
                }
                txq.sent.pop_front();
            }
            txq.frames_out++;
        }
        unsigned n = 0;
        const unsigned ce = 1u << txq.cpl_log2;
        for (;;) {
            const unsigned slot = txq.cpl_head & (ce - 1);
            uint8_t *e = b_.host(txq.cpl_ring + 16 * slot, 16);
            const unsigned phase = ((txq.cpl_head >> txq.cpl_log2) & 1) ^ 1;
            if ((e[15] >> 7) != phase)
                break;
            if (txq.cpl.empty()) {
                err().fail("tx completion with no frame pending");
            } else {
                const TxExpect x = txq.cpl.front();
                txq.cpl.pop_front();
                const uint32_t cookie = rd_le(e, 4);
                const unsigned len = rd_le(e + 4, 2);
                const uint16_t first = (uint16_t)rd_le(e + 8, 2);
                const unsigned used = e[10];
                if (cookie != x.cookie || len != x.bytes.size() || first != x.first ||
                    used != x.ndesc || e[14] != 2 || (e[15] & 0x7f) || e[6] || e[7] || e[11])
                    err().fail("tx completion: cookie %08x len %u first %u used %u type %u; "
                               "expected cookie %08x len %zu first %u used %u",
                               cookie, len, first, used, e[14], x.cookie, x.bytes.size(), x.first,
                               x.ndesc);
                txq.cons = (uint16_t)(x.first + x.ndesc);
            }
            txq.cpl_head++;
            txq.completed++;
            n++;
        }
        if (n && doorbell)
            b_.csr_write(kTxq + Q_CPL_HEAD, txq.cpl_head);
        return n;
    }

private:
    B &b_;
};

/* ---------------------------------------------------------------------------------------
 * Cases
 * ------------------------------------------------------------------------------------- */

struct Args {
    unsigned width = 64;
    uint64_t seed = 20240611;
    unsigned frames = 3000;
    const char *wave = nullptr;
};

template <class V, unsigned W> using BenchT = Bench<V, W>;

// A fresh bench and driver per case keeps the cases independent.
template <class V, unsigned W> struct Env {
    Bench<V, W> b;
    Driver<V, W> d;
    Env(const Args &a, uint64_t salt) : b(a.wave, a.seed * 7919 + salt), d(b)
    {
        d.rxq.resize(kNumRxq);
        b.on_meta = [this](const Meta &mt) { d.on_meta(mt); };
        b.on_write = [this](uint64_t addr, uint64_t strb, bool last) { d.on_write(addr, strb, last); };
    }
};

bool finish(Errors &err, bool drained, const char *what)
{
    if (!drained)
        err.fail("%s: idle did not return to 1", what);
    return err.count == 0;
}

template <class V, unsigned W> bool test_registers(const Args &a)
{
    Env<V, W> e(a, 1);
    auto &b = e.b;
    auto expect = [&](const char *name, uint32_t got, uint32_t want) {
        if (got != want)
            b.err.fail("%s = 0x%x, expected 0x%x", name, got, want);
    };
    expect("id", b.csr_read(kRegId), NIC_ID_VALUE);
    expect("ctrl reset", b.csr_read(kRegCtrl), 3);
    expect("num_rxq", b.csr_read(kRegNumRxq), kNumRxq);
    expect("num_vec", b.csr_read(kRegNumVec), kNumVec);
    expect("drops", b.csr_read(kRegDropNoDesc) | b.csr_read(kRegDropFull), 0);
    b.csr_write(kRegCtrl, 0xf);
    expect("ctrl", b.csr_read(kRegCtrl), 0xf);
    b.csr_write(kRegCtrl, 0x3);
    // every queue register that is RW reads back; RO ones start at zero
    for (unsigned q = 0; q < kNumRxq; q += 5) {
        const uint32_t v = 0x1000 + q * 16;
        b.csr_write(rxq_reg(q, Q_BASE_LO), v + 0x10);
        b.csr_write(rxq_reg(q, Q_BASE_HI), v + 1);
        b.csr_write(rxq_reg(q, Q_LOG2), 7);
        b.csr_write(rxq_reg(q, Q_TAIL), 0);
        b.csr_write(rxq_reg(q, Q_CPL_LO), v + 0x20);
        b.csr_write(rxq_reg(q, Q_CPL_HI), v + 2);
        b.csr_write(rxq_reg(q, Q_CPL_LOG2), 9);
        b.csr_write(rxq_reg(q, Q_CPL_HEAD), 0);
        b.csr_write(rxq_reg(q, Q_VEC), q + 1);
        expect("base_lo", b.csr_read(rxq_reg(q, Q_BASE_LO)), v + 0x10);
        expect("base_hi", b.csr_read(rxq_reg(q, Q_BASE_HI)), v + 1);
        expect("log2", b.csr_read(rxq_reg(q, Q_LOG2)), 7);
        expect("cpl_lo", b.csr_read(rxq_reg(q, Q_CPL_LO)), v + 0x20);
        expect("cpl_hi", b.csr_read(rxq_reg(q, Q_CPL_HI)), v + 2);
        expect("cpl_log2", b.csr_read(rxq_reg(q, Q_CPL_LOG2)), 9);
        expect("vector", b.csr_read(rxq_reg(q, Q_VEC)), q + 1);
        expect("enable", b.csr_read(rxq_reg(q, Q_EN)), 0);
        for (uint32_t off : {Q_HEAD, Q_CPL_TAIL, Q_DROP_NODESC, Q_DROP_FULL, Q_DONE})
            expect("ro", b.csr_read(rxq_reg(q, off)), 0);
    }
    b.csr_write(kTxq + Q_LOG2, 3);
    b.csr_write(kTxq + Q_VEC, kNumRxq);
    expect("tx log2", b.csr_read(kTxq + Q_LOG2), 3);
    expect("tx vector", b.csr_read(kTxq + Q_VEC), kNumRxq);
    for (unsigned v = 0; v < kNumVec; v += 4) {
        b.csr_write(vec_reg(v, V_FRAMES), 100 + v);
        b.csr_write(vec_reg(v, V_TIME), 5000 + v);
        b.csr_write(vec_reg(v, V_CTRL), kVecEnable);
        expect("vec frames", b.csr_read(vec_reg(v, V_FRAMES)), 100 + v);
        expect("vec time", b.csr_read(vec_reg(v, V_TIME)), 5000 + v);
        expect("vec ctrl", b.csr_read(vec_reg(v, V_CTRL)), kVecEnable);
        expect("vec sent", b.csr_read(vec_reg(v, V_SENT)), 0);
    }
    expect("unmapped 0x4000", b.csr_read(0x4000), 0);
    expect("unmapped 0x1000 past the queues", b.csr_read(rxq_reg(40, Q_LOG2)), 0);
    bool drained = b.drain(1000);
    std::printf("  register read-back for queues, TX queue and vectors\n");
    return finish(b.err, drained, "registers");
}

// The receive random case; also used by 'mixed' with transmit running alongside.
template <class V, unsigned W>
bool rx_random(Env<V, W> &e, const Args &a, bool with_tx, const char *what,
               const std::function<void()> &dpc_hook = nullptr)
{
    auto &b = e.b;
    auto &d = e.d;
    b.k.wr_ready_pct = 70;
    b.k.rdreq_ready_pct = 80;
    b.k.lat_min = 10;
    b.k.lat_max = 150;
    b.k.cpl_gap_pct = 10;
    b.k.gap_pct = 20;
    b.k.tx_ready_pct = 60;
    b.meta_ready_pct = 80;
    const std::vector<unsigned> queues = {0, 1, 2, 5, 9, 15};
    d.program_rss(queues);
    for (unsigned q : queues) {
        BufPolicy pol;
        if (q == 1) { pol.min = 256; pol.max = 700; }       // most frames span descriptors
        else if (q == 2) { pol.min = 1; pol.max = 3000; }   // anything, some 1-byte buffers
        else { pol.min = 512; pol.max = 2048; }
        unsigned log2 = 3 + b.rng.below(4), cpl_log2 = 2 + b.rng.below(4);
        if (q == 1)
            log2 = 6; // several descriptors per frame
        if (q == 9)
            cpl_log2 = 2; // reaped rarely: the completion ring fills
        d.setup_rxq(q, log2, cpl_log2, pol, q % kNumVec);
        d.post(q, d.rxq[q].entries());
        b.csr_write(rxq_reg(q, Q_EN), 1);
    }
    uint32_t ctrl = kCtrlRss | kCtrlCsum | kCtrlRxDma;
    if (with_tx) {
        d.setup_txq(4, 3, kNumRxq);
        ctrl |= kCtrlTx;
    }
    b.csr_write(kRegCtrl, ctrl);

    const unsigned nframes = a.frames;
    unsigned sent = 0, tx_sent = 0;
    uint64_t next_dpc = b.cycle + 200;
    const uint64_t limit = b.cycle + 400ull * nframes + 200000;
    while ((sent < nframes || d.meta_seen < d.sent.size() || (with_tx && tx_sent < nframes / 4) ||
            [&] {
                for (unsigned q : queues)
                    if (!d.rxq[q].expect.empty())
                        return true;
                return with_tx && !d.txq.cpl.empty();
            }()) && b.cycle < limit) {
        while (sent < nframes && b.rx_frames.size() < 4) {
            size_t len = b.rng.pct(20) ? b.rng.range(60, 80) : b.rng.range(60, 1518);
            d.send(make_frame(b.rng, len, d.rss, b.rng.pct(5)));
            sent++;
        }
        if (with_tx && tx_sent < nframes / 4) {
            size_t len = b.rng.range(1, 1600);
            if (d.tx_frame(len, 1 + b.rng.below(3)))
                tx_sent++;
        }
        b.run(b.rng.range(1, 40));
        if (b.cycle >= next_dpc) {
            for (unsigned q : queues) {
                // queue 5 is starved (refilled rarely), queue 9 reaps rarely (ring fills)
                bool slow = q == 9 && b.rng.pct(80);
                if (q == 5) {
                    d.reap(q, 0);
                    if (b.rng.pct(20))
                        d.post(q, b.rng.range(1, 4));
                } else if (!slow) {
                    d.reap(q, d.rxq[q].entries());
                }
            }
            if (with_tx)
                d.tx_reap();
            if (dpc_hook)
                dpc_hook();
            next_dpc = b.cycle + b.rng.range(50, 600);
        }
    }
    // drain: refill everything and reap to the end
    for (int i = 0; i < 50; i++) {
        b.run(200);
        for (unsigned q : queues)
            d.reap(q, d.rxq[q].entries());
        if (with_tx)
            d.tx_reap();
    }
    bool drained = b.drain(100000);
    for (unsigned q : queues)
        d.reap(q, 0);
    if (with_tx)
        d.tx_reap();
    if (b.cycle >= limit)
        b.err.fail("%s: timeout (%u/%u frames sent, %zu results)", what, sent, nframes, d.meta_seen);

    // accounting
    uint64_t tot_nodesc = 0, tot_full = 0, tot_done = 0;
    for (unsigned q : queues) {
        RxQ &r = d.rxq[q];
        if (!r.expect.empty())
            b.err.fail("queue %u: %zu delivered frames without a completion", q, r.expect.size());
        {
            const uint8_t *ne = b.host(r.cpl_ring + 16 * (r.cpl_head & (r.cpl_entries() - 1)), 16);
            if ((ne[15] >> 7) == (((r.cpl_head >> r.cpl_log2) & 1) ^ 1))
                b.err.fail("queue %u: a completion for no delivered frame", q);
        }
        uint32_t c_nodesc = b.csr_read(rxq_reg(q, Q_DROP_NODESC));
        uint32_t c_full = b.csr_read(rxq_reg(q, Q_DROP_FULL));
        uint32_t c_done = b.csr_read(rxq_reg(q, Q_DONE));
        uint32_t head = b.csr_read(rxq_reg(q, Q_HEAD));
        uint32_t ctail = b.csr_read(rxq_reg(q, Q_CPL_TAIL));
        if (c_nodesc != r.drop_nodesc || c_full != r.drop_full || c_done != r.delivered ||
            r.completed != r.delivered || head != r.cons || ctail != r.cpl_head)
            b.err.fail("queue %u counters: nodesc %u/%" PRIu64 " full %u/%" PRIu64 " done %u/%" PRIu64
                       " reaped %" PRIu64 " head %u/%u cpl_tail %u/%u",
                       q, c_nodesc, r.drop_nodesc, c_full, r.drop_full, c_done, r.delivered,
                       r.completed, head, r.cons, ctail, r.cpl_head);
        tot_nodesc += r.drop_nodesc;
        tot_full += r.drop_full;
        tot_done += r.delivered;
        std::printf("    queue %2u: %4" PRIu64 " delivered, %3" PRIu64 " dropped no descriptor, %3" PRIu64
                    " dropped ring full (ring %u, completions %u)\n",
                    q, r.delivered, r.drop_nodesc, r.drop_full, r.entries(), r.cpl_entries());
    }
    if (b.csr_read(kRegDropNoDesc) != tot_nodesc || b.csr_read(kRegDropFull) != tot_full)
        b.err.fail("global drop counters differ from the per-frame results");
    if (b.csr_read(kRegFrames) != d.sent.size())
        b.err.fail("frames received counter");
    if (d.meta_seen != d.sent.size())
        b.err.fail("%zu results for %zu frames", d.meta_seen, d.sent.size());
    if (tot_done + tot_nodesc + tot_full != d.sent.size())
        b.err.fail("frames unaccounted for");
    if (tot_done < d.sent.size() / 2 || (!with_tx && (tot_nodesc == 0 || tot_full == 0)))
        b.err.fail("the mix did not exercise delivery and both drops (%" PRIu64 "/%" PRIu64 "/%" PRIu64 ")",
                   tot_done, tot_nodesc, tot_full);
    if (with_tx) {
        if (d.txq.frames_out != tx_sent || d.txq.completed != tx_sent || !d.txq.cpl.empty())
            b.err.fail("tx: %" PRIu64 " frames out, %" PRIu64 " completions for %u queued",
                       d.txq.frames_out, d.txq.completed, tx_sent);
        if (b.csr_read(kRegTxFrames) != tx_sent)
            b.err.fail("tx frames counter");
        std::printf("    tx: %u frames sent and completed\n", tx_sent);
    }
    std::printf("  %s: %zu frames in %" PRIu64 " cycles; %" PRIu64 " reads, %" PRIu64 " write beats\n",
                what, d.sent.size(), b.cycle, b.rd_reqs, b.wr_beats);
    return finish(b.err, drained, what);
}

template <class V, unsigned W> bool test_rx_random(const Args &a)
{
    Env<V, W> e(a, 2);
    return rx_random(e, a, false, "rx_random");
}

template <class V, unsigned W> bool test_mixed(const Args &a)
{
    Env<V, W> e(a, 6);
    auto &b = e.b;
    // moderation by frames (1..3) and time (3 us); the DPC re-arms the vectors that fired
    for (unsigned v = 0; v < kNumVec; v++) {
        b.csr_write(vec_reg(v, V_FRAMES), 1 + v % 3);
        b.csr_write(vec_reg(v, V_TIME), 3000);
        b.csr_write(vec_reg(v, V_CTRL), kVecEnable);
    }
    std::vector<uint64_t> msgs(kNumVec, 0);
    std::vector<bool> masked(kNumVec, false);
    b.on_irq = [&](unsigned v) {
        if (v >= kNumVec) {
            b.err.fail("interrupt on vector %u", v);
            return;
        }
        if (masked[v])
            b.err.fail("interrupt on masked vector %u", v);
        msgs[v]++;
        masked[v] = true;
    };
    auto rearm_all = [&] {
        for (unsigned v = 0; v < kNumVec; v++)
            if (masked[v]) {
                masked[v] = false;
                b.csr_write(vec_reg(v, V_CTRL), kVecEnable | kVecRearm);
            }
    };
    Args a2 = a;
    a2.frames = a.frames / 2;
    bool ok = rx_random(e, a2, true, "mixed", rearm_all);
    rearm_all();
    bool drained = b.drain(20000);
    uint64_t total = 0, sent_reg = 0;
    for (unsigned v = 0; v < kNumVec; v++) {
        total += msgs[v];
        sent_reg += b.csr_read(vec_reg(v, V_SENT));
    }
    if (total == 0)
        b.err.fail("no interrupts in the mixed run");
    if (sent_reg != total || b.csr_read(kRegIrqs) != total)
        b.err.fail("interrupt counters %" PRIu64 "/%u for %" PRIu64 " messages", sent_reg,
                   b.csr_read(kRegIrqs), total);
    std::printf("  mixed: %" PRIu64 " interrupt messages\n", total);
    return finish(b.err, drained, "mixed") && ok;
}

template <class V, unsigned W> bool test_rx_drops(const Args &a)
{
    Env<V, W> e(a, 3);
    auto &b = e.b;
    auto &d = e.d;
    b.k.wr_ready_pct = 80;
    BufPolicy pol;
    pol.min = 1600;
    pol.max = 1600;
    auto all_to = [&](unsigned q) {
        // every frame to queue q: table entry 0 = q, table size 1
        d.rss.mask = 0;
        std::memset(d.rss.table, q, sizeof d.rss.table);
        b.csr_write(kRegTableMask, 0);
        b.csr_write(kRegTable, q);
    };
    auto burst = [&](unsigned n, size_t lo, size_t hi) {
        for (unsigned i = 0; i < n; i++)
            d.send(make_frame(b.rng, b.rng.range((uint32_t)lo, (uint32_t)hi), d.rss, false));
        while (d.meta_seen < d.sent.size() && b.cycle < 50000000)
            b.run(100);
        b.run(500);
    };
    for (auto &k : d.rss.key)
        k = b.rng.byte();
    for (uint32_t k = 0; k < 10; k++)
        b.csr_write(kRegKey + 4 * k, pkt_get32(&d.rss.key[4 * k]));
    d.setup_rxq(3, 5, 6, pol, 3);
    d.setup_rxq(4, 5, 2, pol, 4);
    d.setup_rxq(6, 5, 5, pol, 6);
    BufPolicy small = pol;
    small.min = small.max = 500;
    d.setup_rxq(7, 4, 5, small, 7);
    for (unsigned q : {3u, 4u, 6u, 7u})
        b.csr_write(rxq_reg(q, Q_EN), 1);

    // RX DMA off: all dropped as 'no descriptor'
    all_to(3);
    d.post(3, 10);
    burst(20, 60, 1518);
    if (d.rxq[3].drop_nodesc != 20 || d.rxq[3].delivered)
        b.err.fail("RX DMA off: %" PRIu64 " delivered, %" PRIu64 " no-descriptor of 20",
                   d.rxq[3].delivered, d.rxq[3].drop_nodesc);
    b.csr_write(kRegCtrl, kCtrlRss | kCtrlCsum | kCtrlRxDma);

    // K = 10 descriptors, no refill: 10 delivered, the rest dropped
    burst(30, 60, 1518);
    d.reap(3, 0);
    if (d.rxq[3].delivered != 10 || d.rxq[3].drop_nodesc != 40 || d.rxq[3].completed != 10)
        b.err.fail("10 descriptors: %" PRIu64 " delivered, %" PRIu64 " completed, %" PRIu64
                   " no-descriptor (of 30 + 20 earlier)",
                   d.rxq[3].delivered, d.rxq[3].completed, d.rxq[3].drop_nodesc);
    // refill: delivery resumes
    d.post(3, 32);
    burst(10, 60, 1518);
    d.reap(3, 32);
    if (d.rxq[3].delivered != 20)
        b.err.fail("after refill: %" PRIu64 " delivered of 20", d.rxq[3].delivered);

    // disabled queue: dropped as 'no descriptor' although descriptors are posted
    all_to(6);
    d.post(6, 32);
    b.csr_write(rxq_reg(6, Q_EN), 0);
    burst(12, 60, 300);
    if (d.rxq[6].drop_nodesc != 12 || d.rxq[6].delivered)
        b.err.fail("disabled queue: %" PRIu64 " delivered, %" PRIu64 " no-descriptor of 12",
                   d.rxq[6].delivered, d.rxq[6].drop_nodesc);
    b.csr_write(rxq_reg(6, Q_EN), 1);
    burst(5, 60, 300);
    d.reap(6, 32);
    if (d.rxq[6].delivered != 5)
        b.err.fail("re-enabled queue: %" PRIu64 " delivered of 5", d.rxq[6].delivered);

    // 4-entry completion ring, not reaped: 4 delivered, the rest 'completion ring full'
    all_to(4);
    d.post(4, 32);
    burst(25, 60, 1518);
    if (d.rxq[4].delivered != 4 || d.rxq[4].drop_full != 21)
        b.err.fail("full completion ring: %" PRIu64 " delivered, %" PRIu64 " ring-full of 25",
                   d.rxq[4].delivered, d.rxq[4].drop_full);
    d.reap(4, 32);
    burst(3, 60, 1518);
    d.reap(4, 32);
    if (d.rxq[4].delivered != 7 || d.rxq[4].completed != 7)
        b.err.fail("after reaping: %" PRIu64 " delivered of 7", d.rxq[4].delivered);

    // 500-byte buffers, 3 posted: a 1518-byte frame needs 4 and is dropped, giving its
    // descriptors back; a 1000-byte frame then uses 2 of them
    all_to(7);
    d.post(7, 3);
    burst(1, 1518, 1518);
    burst(1, 1000, 1000);
    d.reap(7, 0);
    if (d.rxq[7].drop_nodesc != 1 || d.rxq[7].delivered != 1 || d.rxq[7].completed != 1 ||
        d.rxq[7].cons != 2)
        b.err.fail("spanning drop: %" PRIu64 " no-descriptor, %" PRIu64 " delivered, cons %u",
                   d.rxq[7].drop_nodesc, d.rxq[7].delivered, d.rxq[7].cons);
    // more than DESC_DEPTH (8) descriptors for one frame: dropped even with many posted
    {
        BufPolicy tiny = pol;
        tiny.min = tiny.max = 100;
        d.rxq[7].pol = tiny;
        d.post(7, 16);
        burst(1, 1518, 1518); // the 500-byte leftover + 11 of 100 bytes: over 8 descriptors
        burst(1, 700, 700);   // 500 + 2 x 100: delivered
        d.reap(7, 0);
        if (d.rxq[7].drop_nodesc != 2 || d.rxq[7].delivered != 2)
            b.err.fail("frame over the prefetch depth: %" PRIu64 " no-descriptor, %" PRIu64
                       " delivered (expected 2, 2)",
                       d.rxq[7].drop_nodesc, d.rxq[7].delivered);
    }
    bool drained = b.drain(100000);
    uint64_t nodesc = 0, full = 0;
    for (auto &r : d.rxq) {
        nodesc += r.drop_nodesc;
        full += r.drop_full;
    }
    if (b.csr_read(kRegDropNoDesc) != nodesc || b.csr_read(kRegDropFull) != full)
        b.err.fail("global drop counters %u/%u, expected %" PRIu64 "/%" PRIu64,
                   b.csr_read(kRegDropNoDesc), b.csr_read(kRegDropFull), nodesc, full);
    std::printf("  rx_drops: %" PRIu64 " no-descriptor and %" PRIu64 " ring-full drops as "
                "expected, %zu frames\n", nodesc, full, d.sent.size());
    return finish(b.err, drained, "rx_drops");
}

template <class V, unsigned W> bool test_irq(const Args &a)
{
    Env<V, W> e(a, 4);
    auto &b = e.b;
    auto &d = e.d;
    for (auto &k : d.rss.key)
        k = b.rng.byte();
    for (uint32_t k = 0; k < 10; k++)
        b.csr_write(kRegKey + 4 * k, pkt_get32(&d.rss.key[4 * k]));
    BufPolicy pol;
    d.rss.mask = 0;
    std::memset(d.rss.table, 0, sizeof d.rss.table);
    b.csr_write(kRegTableMask, 0);
    auto to_queue = [&](unsigned q) {
        std::memset(d.rss.table, q, sizeof d.rss.table);
        b.csr_write(kRegTable, q);
    };
    for (unsigned q = 0; q < 4; q++) {
        d.setup_rxq(q, 7, 7, pol, q);
        d.post(q, 128);
        b.csr_write(rxq_reg(q, Q_EN), 1);
    }
    b.csr_write(kRegCtrl, kCtrlRss | kCtrlCsum | kCtrlRxDma);

    std::vector<bool> masked(kNumVec, false);
    std::vector<uint64_t> msgs(kNumVec, 0), pending(kNumVec, 0), first_ev(kNumVec, 0);
    std::vector<std::deque<uint64_t>> ev_cycles(kNumVec);
    // events as the host sees them (completion writes accepted), with their cycle
    d.on_event = [&](unsigned v, uint64_t) {
        if (v < kNumVec) {
            if (!pending[v])
                first_ev[v] = b.cycle;
            pending[v]++;
            ev_cycles[v].push_back(b.cycle);
        }
    };
    std::vector<unsigned> fth(kNumVec, 1);
    std::vector<uint64_t> msg_events;
    b.on_irq = [&](unsigned v) {
        if (v >= kNumVec) {
            b.err.fail("interrupt on vector %u", v);
            return;
        }
        if (masked[v])
            b.err.fail("interrupt on vector %u while masked", v);
        msgs[v]++;
        masked[v] = true;
        // the message left at the previous clock edge: events at that edge and in this
        // cycle count towards the next message
        auto &q = ev_cycles[v];
        size_t later = 0;
        while (later < q.size() && q[q.size() - 1 - later] + 1 >= b.cycle)
            later++;
        msg_events.push_back(pending[v] - later);
        q.erase(q.begin(), q.end() - (long)later);
        pending[v] = later;
        if (later)
            first_ev[v] = q.front();
    };
    auto rearm = [&](unsigned v) {
        masked[v] = false;
        b.csr_write(vec_reg(v, V_CTRL), kVecEnable | kVecRearm);
    };

    // runs until the sent frames have their results, re-arming vector v as soon as it fires
    auto settle = [&](int rearm_v) {
        while (!b.rx_frames.empty() || d.meta_seen < d.sent.size()) {
            b.step();
            if (rearm_v >= 0 && masked[(unsigned)rearm_v])
                rearm((unsigned)rearm_v);
        }
        for (int i = 0; i < 300; i++) {
            b.step();
            if (rearm_v >= 0 && masked[(unsigned)rearm_v])
                rearm((unsigned)rearm_v);
        }
    };

    // 1) frames threshold N on vector 0, re-armed at once: messages = completions / N
    const unsigned N = 5;
    b.csr_write(vec_reg(0, V_FRAMES), N);
    b.csr_write(vec_reg(0, V_CTRL), kVecEnable);
    to_queue(0);
    const unsigned F = 103;
    for (unsigned i = 0; i < F; i++) {
        d.send(make_frame(b.rng, b.rng.range(60, 400), d.rss, false));
        if (i % 20 == 19 || i + 1 == F) {
            settle(0);
            d.reap(0, 128);
        }
    }
    for (uint64_t ev : msg_events)
        if (ev < N)
            b.err.fail("frames threshold %u: a message after %" PRIu64 " events", N, ev);
    if (msgs[0] != F / N || pending[0] != F % N)
        b.err.fail("frames threshold %u: %" PRIu64 " messages for %u completions (%" PRIu64
                   " events left), expected %u",
                   N, msgs[0], F, pending[0], F / N);
    std::printf("  frames threshold %u: %" PRIu64 " messages for %u completions\n", N, msgs[0], F);

    // 2) masked: events accumulate, nothing is sent; re-arm sends at once
    msg_events.clear();
    const uint64_t m0 = msgs[0];
    for (unsigned i = 0; i < 2 * N + 2 - pending[0]; i++)
        d.send(make_frame(b.rng, 100, d.rss, false));
    settle(-1);
    // one message went out at N events, then masked while the rest came in
    if (msgs[0] != m0 + 1 || !masked[0] || pending[0] != N + 2)
        b.err.fail("masked: %" PRIu64 " messages (expected 1), %" PRIu64 " events waiting "
                   "(expected %u)", msgs[0] - m0, pending[0], N + 2);
    rearm(0);
    b.run(50);
    if (msgs[0] != m0 + 2)
        b.err.fail("re-arm with %u events waiting did not send at once", N + 2);
    d.reap(0, 128);

    // 3) time threshold: vector 1 (frames threshold 1000, 2 us); the deadline is exported,
    //    the NIC goes idle with the timer armed, a jump of now to the deadline fires it
    const uint32_t tth = 2000;
    b.csr_write(vec_reg(1, V_FRAMES), 1000);
    b.csr_write(vec_reg(1, V_TIME), tth);
    b.csr_write(vec_reg(1, V_CTRL), kVecEnable);
    to_queue(1);
    for (unsigned i = 0; i < 3; i++)
        d.send(make_frame(b.rng, 200, d.rss, false));
    while (!b.rx_frames.empty() || d.meta_seen < d.sent.size())
        b.step();
    if (!b.drain(5000))
        b.err.fail("time threshold: not idle with only the timer armed");
    const uint64_t first_ns = first_ev[1] * b.period_ps / 1000;
    if (!b.m->timer_armed || msgs[1] != 0)
        b.err.fail("time threshold: timer not armed (messages %" PRIu64 ")", msgs[1]);
    const uint64_t dl = b.m->timer_deadline_ns;
    if (dl < first_ns + tth - 8 || dl > first_ns + tth + 8)
        b.err.fail("timer_deadline_ns %" PRIu64 ", expected about %" PRIu64, dl, first_ns + tth);
    const uint64_t now = b.cycle * b.period_ps / 1000 + b.time_jump_ns;
    if (dl > now)
        b.time_jump_ns += dl - now; // the model's idle skip
    const uint64_t t_jump = b.cycle;
    b.run(40);
    if (msgs[1] != 1)
        b.err.fail("time threshold: %" PRIu64 " messages after the jump to the deadline", msgs[1]);
    else if (b.irqs.back().first - t_jump > 30)
        b.err.fail("time threshold: message %" PRIu64 " cycles after the jump",
                   b.irqs.back().first - t_jump);
    if (b.m->timer_armed)
        b.err.fail("time threshold: timer still armed after the message");
    d.reap(1, 128);
    rearm(1);
    b.run(100);
    if (msgs[1] != 1)
        b.err.fail("time threshold: message after re-arm with no events");
    // without a jump: the message comes once now passes the deadline, not before
    d.send(make_frame(b.rng, 200, d.rss, false));
    while (!b.rx_frames.empty() || d.meta_seen < d.sent.size())
        b.step();
    b.run(20);
    const uint64_t ev_ns = first_ev[1] * b.period_ps / 1000 + b.time_jump_ns;
    while (msgs[1] < 2 && b.cycle < first_ev[1] + 2 * tth)
        b.run(1);
    const uint64_t msg_ns = b.irqs.back().first * b.period_ps / 1000 + b.time_jump_ns;
    if (msgs[1] != 2 || msg_ns < ev_ns + tth || msg_ns > ev_ns + tth + 200)
        b.err.fail("time threshold: message at %" PRIu64 " ns for an event at %" PRIu64
                   " ns (threshold %u)", msg_ns, ev_ns, tth);
    d.reap(1, 128);
    rearm(1);

    // 4) disabled vector 2: silent; vector 3 on two queues counts both
    b.csr_write(vec_reg(2, V_FRAMES), 1);
    b.csr_write(vec_reg(2, V_CTRL), 0);
    b.csr_write(vec_reg(3, V_FRAMES), 4);
    b.csr_write(vec_reg(3, V_CTRL), kVecEnable);
    b.csr_write(rxq_reg(3, Q_VEC), 3);
    b.csr_write(rxq_reg(2, Q_VEC), 2);
    to_queue(2);
    for (unsigned i = 0; i < 6; i++)
        d.send(make_frame(b.rng, 100, d.rss, false));
    settle(-1);
    if (msgs[2] != 0)
        b.err.fail("disabled vector sent %" PRIu64 " messages", msgs[2]);
    b.csr_write(rxq_reg(2, Q_VEC), 3);
    d.rxq[2].vector = 3;
    for (unsigned i = 0; i < 2; i++)
        d.send(make_frame(b.rng, 100, d.rss, false));
    settle(-1);
    to_queue(3);
    for (unsigned i = 0; i < 2; i++)
        d.send(make_frame(b.rng, 100, d.rss, false));
    settle(-1);
    if (msgs[3] != 1)
        b.err.fail("shared vector: %" PRIu64 " messages for 4 events on two queues", msgs[3]);
    for (unsigned q = 0; q < 4; q++)
        d.reap(q, 128);

    bool drained = b.drain(20000);
    uint64_t total = 0;
    for (unsigned v = 0; v < kNumVec; v++) {
        uint32_t s = b.csr_read(vec_reg(v, V_SENT));
        if (s != msgs[v])
            b.err.fail("vector %u sent counter %u, %" PRIu64 " messages seen", v, s, msgs[v]);
        total += msgs[v];
    }
    if (b.csr_read(kRegIrqs) != total)
        b.err.fail("global interrupt counter");
    return finish(b.err, drained, "irq");
}

template <class V, unsigned W> bool test_tx(const Args &a)
{
    Env<V, W> e(a, 5);
    auto &b = e.b;
    auto &d = e.d;
    b.k.tx_ready_pct = 50;
    b.k.lat_min = 5;
    b.k.lat_max = 200;
    b.k.cpl_gap_pct = 10;
    b.k.wr_ready_pct = 60;
    d.setup_txq(5, 3, kNumRxq);
    b.csr_write(vec_reg(kNumRxq, V_FRAMES), 1);
    b.csr_write(vec_reg(kNumRxq, V_CTRL), kVecEnable);
    uint64_t msgs = 0;
    b.on_irq = [&](unsigned v) {
        if (v != kNumRxq)
            b.err.fail("tx: interrupt on vector %u", v);
        msgs++;
    };
    b.csr_write(kRegCtrl, kCtrlRss | kCtrlCsum | kCtrlTx);
    const unsigned nframes = std::max(50u, a.frames / 3);
    unsigned queued = 0;
    uint64_t next_dpc = b.cycle + 300;
    bool held = false;
    const uint64_t limit = b.cycle + 2000ull * nframes + 100000;
    while ((queued < nframes || d.txq.completed < queued) && b.cycle < limit) {
        if (queued < nframes) {
            size_t len = b.rng.pct(10) ? b.rng.range(1, 64) : b.rng.range(60, 4000);
            unsigned pieces = 1 + b.rng.below(3);
            if (d.tx_frame(len, pieces))
                queued++;
        }
        b.run(b.rng.range(1, 100));
        if (b.cycle >= next_dpc) {
            // sometimes leave the 8-entry completion ring full for a while
            if (!b.rng.pct(20) || held) {
                d.tx_reap();
                held = false;
                b.csr_write(vec_reg(kNumRxq, V_CTRL), kVecEnable | kVecRearm);
            } else {
                held = true;
            }
            next_dpc = b.cycle + b.rng.range(100, 1500);
        }
    }
    d.tx_reap();
    bool drained = b.drain(50000);
    d.tx_reap();
    if (b.cycle >= limit)
        b.err.fail("tx: timeout, %u queued, %" PRIu64 " out, %" PRIu64 " completed", queued,
                   d.txq.frames_out, d.txq.completed);
    if (d.txq.frames_out != queued || d.txq.completed != queued)
        b.err.fail("tx: %" PRIu64 " frames out, %" PRIu64 " completed of %u", d.txq.frames_out,
                   d.txq.completed, queued);
    if (b.csr_read(kTxq + Q_DONE) != queued || b.csr_read(kRegTxFrames) != queued ||
        b.csr_read(kTxq + Q_HEAD) != d.txq.tail || b.csr_read(kTxq + Q_CPL_TAIL) != d.txq.cpl_head)
        b.err.fail("tx counters/registers");
    if (msgs == 0)
        b.err.fail("tx: no interrupts on the TX vector");
    std::printf("  tx: %u frames (1..4000 bytes, 1..3 buffers) byte-exact, %" PRIu64
                " beats, %" PRIu64 " messages\n", queued, b.tx_beats, msgs);
    return finish(b.err, drained, "tx");
}

template <class V, unsigned W> bool test_throughput(const Args &a)
{
    const unsigned lat_min = getenv("TB_LAT_MIN") ? (unsigned)atoi(getenv("TB_LAT_MIN")) : 40;
    const unsigned lat_max = getenv("TB_LAT_MAX") ? (unsigned)atoi(getenv("TB_LAT_MAX")) : 80;
    const bool unaligned = getenv("TB_UNALIGNED") && atoi(getenv("TB_UNALIGNED"));
    const double clock_hz = W == 64 ? 156.25e6 : 250e6;
    const double link_bps = W == 64 ? 10e9 : 100e9;
    bool ok = true;
    std::printf("  RX DMA, write port always ready, reads %u..%u cycles, %s buffers, %u-bit at "
                "%.2f MHz:\n",
                lat_min, lat_max, unaligned ? "unaligned" : "aligned", W, clock_hz / 1e6);
    std::printf("    %5s %7s %11s %11s %9s %12s\n", "len", "frames", "Mframes/s", "line Mf/s",
                "cyc/frame", "write beats");
    for (size_t len : {(size_t)1518, (size_t)60, (size_t)64, (size_t)256}) {
        Env<V, W> e(a, 100 + len);
        auto &b = e.b;
        auto &d = e.d;
        b.k.lat_min = lat_min;
        b.k.lat_max = lat_max;
        const std::vector<unsigned> queues = {0, 1, 2, 3, 4, 5, 6, 7};
        d.program_rss(queues, true);
        BufPolicy pol;
        pol.unaligned = unaligned;
        for (unsigned q : queues) {
            d.setup_rxq(q, 9, 9, pol, q);
            d.post(q, 512);
            b.csr_write(rxq_reg(q, Q_EN), 1);
        }
        b.csr_write(kRegCtrl, kCtrlRss | kCtrlCsum | kCtrlRxDma);
        const unsigned count = len < 300 ? (W == 64 ? 1500 : 3000) : (W == 64 ? 250 : 600);
        for (unsigned i = 0; i < count; i++)
            d.send(make_frame(b.rng, len, d.rss, false));
        const uint64_t start = b.cycle;
        uint64_t t10 = 0, t90 = 0;
        while (d.meta_seen < count && b.cycle < start + 100ull * count * (len / 8 + 10)) {
            b.step();
            if (!t10 && d.meta_seen >= count / 10)
                t10 = b.cycle;
            if (!t90 && d.meta_seen >= count * 9 / 10)
                t90 = b.cycle;
        }
        bool drained = b.drain(100000);
        unsigned delivered = 0;
        for (unsigned q : queues) {
            d.reap(q, 0);
            delivered += (unsigned)d.rxq[q].completed;
        }
        // steady state between 10% and 90% of the results
        const double frames = (double)(count * 8 / 10);
        const double cyc = (double)(t90 - t10);
        const double fps = frames / (cyc / clock_hz);
        const double line = link_bps / ((double)(len + 20) * 8);
        std::printf("    %5zu %7u %11.3f %11.3f %9.2f %12" PRIu64 "%s\n", len, count, fps / 1e6,
                    line / 1e6, cyc / frames, b.wr_beats,
                    fps >= line ? "  line rate" : "  below line rate");
        if (delivered != count) {
            unsigned codes[4] = {0, 0, 0, 0};
            for (const Meta &mt : b.metas)
                codes[mt.drop & 3]++;
            b.err.fail("throughput %zu: %u of %u frames delivered (fates %u/%u/%u/%u)", len,
                       delivered, count, codes[0], codes[1], codes[2], codes[3]);
        }
        if (W == 64 && len == 1518 && fps < line)
            b.err.fail("1518-byte frames below 10 Gb/s line rate");
        ok = finish(b.err, drained, "throughput") && ok;
    }
    return ok;
}

template <class V, unsigned W> int run_all(const Args &a)
{
    int passed = 0, failed = 0;
    struct Case {
        const char *name;
        bool (*fn)(const Args &);
    };
    const Case cases[] = {
        {"registers", test_registers<V, W>}, {"rx_random", test_rx_random<V, W>},
        {"rx_drops", test_rx_drops<V, W>},   {"irq", test_irq<V, W>},
        {"tx", test_tx<V, W>},               {"mixed", test_mixed<V, W>},
        {"throughput", test_throughput<V, W>},
    };
    for (const auto &c : cases) {
        std::printf("-- %s\n", c.name);
        std::fflush(stdout);
        bool ok = c.fn(a);
        std::printf("%s %s\n", ok ? "PASS" : "FAIL", c.name);
        (ok ? passed : failed)++;
    }
    int total = passed + failed;
    std::printf("tb_nic_dma w%u: %d%%: Checks: %d, Failures: %d, Errors: 0 (%d passed, %d failed)\n",
                W, total ? 100 * passed / total : 0, total, failed, passed, failed);
    return failed ? 1 : 0;
}

int usage()
{
    std::fprintf(stderr, "usage: tb_nic_dma --width 64|512 [--seed N] [--frames N] [--wave OUT.fst]\n");
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
        else if (s == "--seed")
            a.seed = std::strtoull(argv[++i], nullptr, 0);
        else if (s == "--frames")
            a.frames = (unsigned)std::strtoul(argv[++i], nullptr, 10);
        else if (s == "--wave")
            a.wave = argv[++i];
        else
            return usage();
    }
    if (a.width == 64)
        return run_all<Vnic_top_w64, 64>(a);
    if (a.width == 512)
        return run_all<Vnic_top_w512, 512>(a);
#ifdef TB_NIC_DMA_W128_W256
    if (a.width == 128)
        return run_all<Vnic_top_w128, 128>(a);
    if (a.width == 256)
        return run_all<Vnic_top_w256, 256>(a);
#endif
    return usage();
}
