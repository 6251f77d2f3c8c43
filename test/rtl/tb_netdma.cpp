/*
 * tb_netdma: Verilator testbench of the NetDMA copy engine (rtl/netdma_top.v), CHANNELS 4,
 * XFERCAP 65536, at DATA_WIDTH 64 and 512.
 *
 *   tb_netdma [--width 64|512] [--seed N] [--iters N]
 *
 * The bench holds host memory (a byte array at 0x1_0000_0000), answers read requests after a
 * random latency in the order their data is ready (never interleaving two requests, random
 * gaps between beats, junk in the lanes past a request's end) and accepts writes with random
 * ready. Every accepted write is checked against the port rules (aligned address, burst within
 * 4 KiB and contiguous) and against a map of the bytes the engine may write (the destinations
 * of the descriptors that must run, and the completion words). Scenarios:
 *   chains     random chains on random channels: lengths 1..XFERCAP (edge sizes), any
 *              alignment, NULL, FENCE, CMPL_WRITE, INT; appended mid-run through DMACOUNT
 *              writes and CMD_APPEND; SUSPEND/RESUME mid-chain; status words (address, state,
 *              order, data complete before its word), COMPLETED/STATUS/ERR at the end;
 *              interrupts against a coalescing model (never early, never late, none extra)
 *   abort      ABORT mid-chain: HALTED, ERR_ABORT, completed descriptors intact, the others'
 *              destinations old-or-new byte by byte; RESET, then a new chain completes
 *   errors     every error code after some good descriptors: halt before any byte of the bad
 *              one, ERR, ERRADDR, HALTED status word; W1C; START while halted (ERR_CMD);
 *              RESUME when not suspended (ERR_CMD); RESET and restart
 *   fairness   every channel copying long chains at once: no channel waits more than a bound
 *              of other channels' read requests between two of its own
 *   throughput zero-latency always-ready memory: bytes per cycle of large aligned and
 *              unaligned copies (printed)
 * Throughout: idle is never high while a read is outstanding or a write/interrupt is due,
 * and the bench skips time to timer_deadline_ns when the engine is idle.
 */
#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "Vnetdma_w512.h"
#include "Vnetdma_w64.h"
#include "harness.h"
#include "nic_hw.h"

using namespace tbh;

namespace {

constexpr uint64_t kBase = 0x100000000ull;
constexpr size_t kMem = 12u << 20;
constexpr unsigned kCh = 4;
constexpr uint32_t kXferCap = 65536;
constexpr uint64_t kNsPerCycle = 4;

struct Desc {
    uint64_t addr = 0;
    uint32_t size = 0, ctl = 0;
    uint64_t src = 0, dst = 0, next = 0;
    bool runs = true;  // expected to be processed (before any error)
};

struct Chan {
    std::vector<Desc> d;
    uint64_t cmpl = 0;
    unsigned count = 0;     // DMACOUNT written
    unsigned ptr = 0;       // next descriptor whose status word is expected
    bool halted_seen = false;
    uint64_t halt_word = 0;
    bool int_en = false;
    bool pend = false;
    uint64_t dl = 0;
    uint64_t due_cycle = 0;
    unsigned irqs = 0;
    uint64_t last_rd = 0;   // fairness: index of this channel's last data read request
    uint64_t max_gap = 0;
    bool active = false;
};

struct Cfg {
    unsigned lat_max = 20;
    double rd_ready = 0.8, cpl_gap = 0.2, wr_ready = 0.8;
    unsigned max_out = 16;
};

template <class V> class Tb {
public:
    Tb(unsigned width, uint64_t seed, Summary &s) : rng_(seed), sum_(s), kw_(width / 8)
    {
        mem_.resize(kMem);
        allowed_.resize(kMem);
        dut_.reset();
    }

    /* ---- memory ---- */
    void mem_reset()
    {
        // interrupts of the last scenario (also of channels with interrupts off) have fired
        for (int i = 0; i < 100000 && (dut_.top().timer_armed || !dut_.top().idle); i++) step();
        for (size_t i = 0; i < mem_.size(); i += 8) {
            uint64_t v = rng_.u64();
            std::memcpy(&mem_[i], &v, 8);
        }
        exp_ = mem_;
        for (auto &ch : ch_) ch = Chan();
        std::fill(allowed_.begin(), allowed_.end(), 0);
        bump_ = 4096;
    }
    uint64_t alloc(uint64_t n, uint64_t align)
    {
        bump_ = (bump_ + align - 1) / align * align;
        uint64_t a = bump_;
        bump_ += n;
        if (bump_ > kMem - 4096) {
            sum_.check(false, "bench memory exhausted");
            bump_ = 4096;
            a = 4096;
        }
        return kBase + a;
    }
    uint8_t *at(uint64_t a) { return &mem_[a - kBase]; }
    void put64(uint64_t a, uint64_t v)
    {
        for (int i = 0; i < 8; i++) *at(a + i) = (uint8_t)(v >> (8 * i));
        for (int i = 0; i < 8; i++) exp_[a - kBase + i] = (uint8_t)(v >> (8 * i));
    }
    uint64_t get64(uint64_t a)
    {
        uint64_t v = 0;
        for (int i = 0; i < 8; i++) v |= (uint64_t)*at(a + i) << (8 * i);
        return v;
    }
    void allow(uint64_t a, uint64_t n)
    {
        for (uint64_t i = 0; i < n; i++) allowed_[a - kBase + i] = 1;
    }
    void write_desc(const Desc &d)
    {
        put64(d.addr + 0, (uint64_t)d.size | ((uint64_t)d.ctl << 32));
        put64(d.addr + 8, d.src);
        put64(d.addr + 16, d.dst);
        put64(d.addr + 24, d.next);
        for (int k = 32; k < 64; k += 8) put64(d.addr + k, rng_.u64() & (k < 48 ? 0 : ~0ull));
    }

    /* ---- the clock ---- */
    void step()
    {
        V &m = dut_.top();
        m.s_now_ns = now_;
        m.m_dma_rd_req_ready = reads_.size() < cfg_.max_out && rng_.chance(cfg_.rd_ready);
        m.m_dma_wr_ready = rng_.chance(cfg_.wr_ready);
        m.s_csr_wr = csr_wr_;
        m.s_csr_rd = csr_rd_;
        m.s_csr_addr = csr_addr_;
        m.s_csr_wdata = csr_wdata_;
        drive_cpl(m);
        dut_.settle();
        observe(m);
        bool quiet = m.idle && !csr_wr_ && !csr_rd_;
        // the model does not clock an idle engine: skip some edges (nothing may be lost)
        if (quiet && !m.s_dma_rd_cpl_valid && rng_.chance(0.5))
            edge_skips_++;
        else
            dut_.tick();
        csr_wr_ = csr_rd_ = 0;
        cycle_++;
        now_ += kNsPerCycle;
        if (quiet && skip_time_ && m.timer_armed && m.timer_deadline_ns > now_) {
            now_ = m.timer_deadline_ns;  // the model's idle skip
            skips_++;
        }
    }
    void csr_write(uint32_t a, uint32_t v)
    {
        csr_wr_ = 1;
        csr_addr_ = a;
        csr_wdata_ = v;
        step();
    }
    uint32_t csr_read(uint32_t a)
    {
        csr_rd_ = 1;
        csr_addr_ = a;
        step();
        V &m = dut_.top();
        dut_.settle();
        sum_.check(m.s_csr_rvalid, "rvalid one cycle after read");
        return m.s_csr_rdata;
    }
    uint32_t chr(unsigned c, unsigned off) { return csr_read(ndma_reg_ch((int)c, off)); }
    void chw(unsigned c, unsigned off, uint32_t v) { csr_write(ndma_reg_ch((int)c, off), v); }
    unsigned state(unsigned c) { return chr(c, NDMA_CH_STATUS_LO) & NDMA_ST_MASK; }
    void run(unsigned n)
    {
        for (unsigned i = 0; i < n; i++) step();
    }

    /* ---- read responder ---- */
    struct Rd {
        uint64_t addr;
        unsigned len, tag, sent;
        uint64_t ready;
    };
    void drive_cpl(V &m)
    {
        m.s_dma_rd_cpl_valid = 0;
        if (cur_ < 0) {
            uint64_t best = ~0ull;
            for (size_t i = 0; i < reads_.size(); i++)
                if (reads_[i].ready <= cycle_ && reads_[i].ready < best) {
                    best = reads_[i].ready;
                    cur_ = (int)i;
                }
        }
        if (cur_ < 0 || rng_.chance(cfg_.cpl_gap)) return;
        Rd &r = reads_[cur_];
        unsigned n = std::min(kw_, r.len - r.sent);
        uint8_t b[64];
        rng_.bytes(b, sizeof b);
        uint64_t a = r.addr + r.sent;
        if (a >= kBase && a + n <= kBase + kMem) std::memcpy(b, at(a), n);
        put_bytes(m.s_dma_rd_cpl_data, b, kw_);
        m.s_dma_rd_cpl_tag = r.tag;
        m.s_dma_rd_cpl_last = r.sent + n >= r.len;
        m.s_dma_rd_cpl_valid = 1;
    }

    void observe(V &m)
    {
        // idle: nothing outstanding, nothing due
        if (m.idle) {
            sum_.check(reads_.empty(), "idle with %zu reads outstanding (cycle %" PRIu64 ")", reads_.size(), cycle_);
            sum_.check(!m.m_dma_rd_req_valid && !m.m_dma_wr_valid && !m.m_irq_valid, "idle with a port active");
        }
        if (m.m_irq_valid) {
            unsigned v = m.m_irq_vector, c = (v - 0x40) / 3;
            bool ok = v >= 0x40 && c < kCh && (v - 0x40) % 3 == 0 && ch_[c].pend && now_ >= ch_[c].dl;
            sum_.check(ok, "unexpected interrupt vector 0x%x at %" PRIu64 " ns", v, now_);
            if (ok) {
                attn_ |= 1u << c;
                ch_[c].pend = false;
                ch_[c].due_cycle = 0;
                ch_[c].irqs++;
            }
            irqs_++;
            if (verbose_) std::printf("irq vec 0x%x at %" PRIu64 "\n", v, now_);
        }
        for (unsigned c = 0; c < kCh; c++) {
            Chan &ch = ch_[c];
            if (!ch.pend) continue;
            sum_.check(m.timer_armed && m.timer_deadline_ns <= ch.dl,
                       "timer not armed for pending channel %u (armed %d, deadline %" PRIu64 " > %" PRIu64 ", now %" PRIu64 ")", c,
                       (int)m.timer_armed, (uint64_t)m.timer_deadline_ns, ch.dl, now_);
            if (now_ >= ch.dl) {
                if (!ch.due_cycle) ch.due_cycle = cycle_;
                sum_.check(cycle_ - ch.due_cycle < 3 * kCh + 8, "interrupt late on channel %u", c);
                sum_.check(!m.idle || cycle_ == ch.due_cycle, "idle while an interrupt is due");
            }
        }
        // read requests
        if (m.m_dma_rd_req_valid && m.m_dma_rd_req_ready) {
            Rd r{m.m_dma_rd_req_addr, (unsigned)m.m_dma_rd_req_len, (unsigned)m.m_dma_rd_req_tag, 0,
                 cycle_ + rng_.range(0, cfg_.lat_max)};
            sum_.check(r.len >= 1 && r.len <= 4096 && (r.addr & 4095) + r.len <= 4096,
                       "read request len %u at 0x%" PRIx64 " crosses 4 KiB", r.len, r.addr);
            sum_.check(r.addr >= kBase && r.addr + r.len <= kBase + kMem, "read outside memory 0x%" PRIx64, r.addr);
            for (auto &o : reads_) sum_.check(o.tag != r.tag, "tag 0x%x reused while outstanding", r.tag);
            reads_.push_back(r);
            rd_reqs_++;
            if (dbg_lo_ && r.addr + r.len > dbg_lo_ - 0x1000 && r.addr < dbg_lo_ + 0x1000)
                std::printf("cyc %" PRIu64 " rd 0x%" PRIx64 " len %u tag %u\n", cycle_, r.addr, r.len, r.tag);
            if (!(r.tag & 0x80)) {
                rd_bytes_ += r.len;
                for (unsigned c = 0; c < kCh; c++) {
                    for (auto &d : ch_[c].d)
                        if (!(d.ctl & NDMA_DC_NULL) && r.addr >= d.src && r.addr < d.src + d.size) {
                            Chan &ch = ch_[c];
                            // a wait within a descriptor (not over its fetch)
                            if (ch.active && ch.last_rd && r.addr != d.src)
                                ch.max_gap = std::max(ch.max_gap, data_reqs_ - ch.last_rd);
                            ch.last_rd = data_reqs_;
                            c = kCh;
                            break;
                        }
                }
                data_reqs_++;
            }
        }
        if (m.s_dma_rd_cpl_valid) {
            sum_.check(m.s_dma_rd_cpl_ready, "completion not ready");
            Rd &r = reads_[cur_];
            r.sent += std::min(kw_, r.len - r.sent);
            if (r.sent >= r.len) {
                reads_.erase(reads_.begin() + cur_);
                cur_ = -1;
            }
        }
        // writes
        if (m.m_dma_wr_valid && m.m_dma_wr_ready) {
            uint64_t a = m.m_dma_wr_addr;
            uint8_t b[64];
            take_bytes(m.m_dma_wr_data, b, kw_);
            if (dbg_lo_ && a + kw_ > dbg_lo_ - 0x1000 && a < dbg_lo_ + 0x1000)
                std::printf("cyc %" PRIu64 " wr 0x%" PRIx64 " strb %" PRIx64 " last %d\n", cycle_, a,
                            (uint64_t)get_bits(m.m_dma_wr_strb, 0, kw_), (int)m.m_dma_wr_last);
            uint64_t strb = get_bits(m.m_dma_wr_strb, 0, kw_);
            sum_.check(a % kw_ == 0, "write address 0x%" PRIx64 " not beat-aligned", a);
            if (in_burst_) {
                sum_.check(a == burst_next_, "burst not contiguous at 0x%" PRIx64, a);
            } else {
                burst_start_ = a;
            }
            sum_.check(a / 4096 == burst_start_ / 4096, "burst crosses 4 KiB at 0x%" PRIx64, a);
            in_burst_ = !m.m_dma_wr_last;
            burst_next_ = a + kw_;
            sum_.check(strb != 0, "write beat without strobes");
            for (unsigned i = 0; i < kw_; i++) {
                if (!((strb >> i) & 1)) continue;
                uint64_t x = a + i;
                if (!sum_.check(x >= kBase && x < kBase + kMem, "write outside memory 0x%" PRIx64, x)) continue;
                sum_.check(allowed_[x - kBase], "write to a byte the engine must not touch: 0x%" PRIx64, x);
                mem_[x - kBase] = b[i];
                wr_bytes_++;
            }
            for (unsigned c = 0; c < kCh; c++) {
                uint64_t w = ch_[c].cmpl;
                if (w && w >= a && w + 8 <= a + kw_ && ((strb >> (w - a)) & 0xff) == 0xff) on_status(c, get64(w));
            }
            last_wr_cycle_ = cycle_;
        }
    }

    bool data_done(const Desc &d)
    {
        return (d.ctl & NDMA_DC_NULL) || std::memcmp(at(d.dst), at(d.src), d.size) == 0;
    }

    void make_pending(unsigned c)
    {
        Chan &ch = ch_[c];
        if (!ch.int_en || !intr_en_ || ch.pend) return;
        ch.pend = true;
        ch.dl = now_ + delay_;
        if (verbose_) std::printf("pend ch %u at %" PRIu64 " dl %" PRIu64 "\n", c, now_, ch.dl);
        ch.due_cycle = 0;
    }

    void on_status(unsigned c, uint64_t w)
    {
        Chan &ch = ch_[c];
        unsigned st = w & NDMA_ST_MASK;
        uint64_t addr = w & ~63ull;
        if (st == NDMA_ST_HALTED) {
            sum_.check(!ch.halted_seen, "second halt status word on channel %u", c);
            ch.halted_seen = true;
            ch.halt_word = w;
            make_pending(c);
            return;
        }
        sum_.check(st == NDMA_ST_ACTIVE || st == NDMA_ST_IDLE, "status word state %u", st);
        unsigned k = ch.ptr;
        while (k < ch.d.size() && !(ch.d[k].ctl & NDMA_DC_CMPL_WRITE)) k++;
        if (!sum_.check(k < ch.d.size() && ch.d[k].addr == addr,
                        "channel %u status word 0x%" PRIx64 " out of order (expected descriptor %u)", c, w, k))
            return;
        for (unsigned j = ch.ptr; j <= k; j++)
            sum_.check(data_done(ch.d[j]), "channel %u descriptor %u completed before its data", c, j);
        if (ch.d[k].ctl & NDMA_DC_INT) make_pending(c);
        ch.ptr = k + 1;
    }

    /* ---- scenario helpers ---- */
    void setup_global(bool ints)
    {
        csr_write(NDMA_REG_MEMBASE_LO, (uint32_t)kBase);
        csr_write(NDMA_REG_MEMBASE_HI, (uint32_t)(kBase >> 32));
        csr_write(NDMA_REG_MEMLIMIT_LO, (uint32_t)(kBase + kMem));
        csr_write(NDMA_REG_MEMLIMIT_HI, (uint32_t)((kBase + kMem) >> 32));
        static const uint32_t delays[] = {0, 50, 400, 3000};
        delay_ = delays[rng_.range(0, 3)];
        csr_write(NDMA_REG_INTRDELAY_NS, (uint32_t)delay_);
        intr_en_ = ints;
        csr_write(NDMA_REG_INTRCTRL, ints);
    }

    uint32_t pick_size(bool big)
    {
        static const uint32_t edges[] = {1, 2, 3, 7, 8, 9, 15, 16, 17, 63, 64, 65, 127, 128, 255, 256, 511, 512,
                                         513, 1023, 1024, 2047, 2048, 2049, 4095, 4096, 4097, 8191, 8192};
        double r = rng_.u32() / 4294967296.0;
        if (r < 0.25) return (uint32_t)rng_.range(1, 64);
        if (r < 0.5) return edges[rng_.range(0, sizeof edges / sizeof edges[0] - 1)];
        if (r < 0.75) return (uint32_t)rng_.range(1, 1500);
        if (r < 0.9 || !big) return (uint32_t)rng_.range(1, 9000);
        return rng_.chance(0.5) ? kXferCap - (uint32_t)rng_.range(0, 1) : (uint32_t)rng_.range(1, kXferCap);
    }

    /* a chain of n descriptors on channel c (descriptors from `first`) */
    void build(unsigned c, unsigned n, bool big, double p_null = 0.05)
    {
        Chan &ch = ch_[c];
        ch = Chan();
        ch.cmpl = alloc(8, 8);
        allow(ch.cmpl, 8);
        uint64_t ring = alloc(64 * (n + 1), 64);
        for (unsigned k = 0; k < n; k++) {
            Desc d;
            d.addr = ring + 64 * k;
            d.next = ring + 64 * (k + 1);
            if (rng_.chance(p_null)) {
                d.ctl = NDMA_DC_NULL;
                d.size = (uint32_t)rng_.range(0, 5000);  // ignored
            } else {
                d.size = pick_size(big);
                d.src = alloc(d.size + 64, 1) + rng_.range(0, 63);
                d.dst = alloc(d.size + 64, 1) + rng_.range(0, 63);
                allow(d.dst, d.size);
            }
            if (rng_.chance(0.2)) d.ctl |= NDMA_DC_FENCE;
            if (rng_.chance(0.5) || k + 1 == n) d.ctl |= NDMA_DC_CMPL_WRITE;
            if ((d.ctl & NDMA_DC_CMPL_WRITE) && rng_.chance(0.5)) d.ctl |= NDMA_DC_INT;
            ch.d.push_back(d);
        }
        for (auto &d : ch.d) write_desc(d);
    }
    void expect_copies(unsigned c, unsigned upto)
    {
        for (unsigned k = 0; k < upto && k < ch_[c].d.size(); k++) {
            const Desc &d = ch_[c].d[k];
            if (!(d.ctl & NDMA_DC_NULL)) std::memcpy(&exp_[d.dst - kBase], &exp_[d.src - kBase], d.size);
        }
    }
    void start(unsigned c, bool ints)
    {
        Chan &ch = ch_[c];
        ch.int_en = ints;
        sum_.check(state(c) == NDMA_ST_IDLE, "channel %u not IDLE before START", c);
        chw(c, NDMA_CH_CTRL, (ints ? 1u : 0u) | ((0x40u + 3 * c) << 8));
        chw(c, NDMA_CH_CMPLADDR_LO, (uint32_t)ch.cmpl);
        chw(c, NDMA_CH_CMPLADDR_HI, (uint32_t)(ch.cmpl >> 32));
        chw(c, NDMA_CH_CHAINADDR_LO, (uint32_t)ch.d[0].addr);
        chw(c, NDMA_CH_CHAINADDR_HI, (uint32_t)(ch.d[0].addr >> 32));
        chw(c, NDMA_CH_CMD, NDMA_CMD_START);
        ch.active = true;
    }
    void set_count(unsigned c, unsigned k, bool by_cmd)
    {
        Chan &ch = ch_[c];
        if (by_cmd && k == ch.count + 1)
            chw(c, NDMA_CH_CMD, NDMA_CMD_APPEND);
        else
            chw(c, NDMA_CH_DMACOUNT, k);
        ch.count = k;
    }
    /* runs until every channel in mask has its status words for `n` descriptors or a halt */
    bool wait_done(unsigned mask, uint64_t limit, bool appends, bool suspends)
    {
        uint64_t t0 = cycle_;
        while (cycle_ - t0 < limit) {
            bool all = true;
            for (unsigned c = 0; c < kCh; c++) {
                if (!((mask >> c) & 1)) continue;
                Chan &ch = ch_[c];
                if (ch.count < ch.d.size()) {
                    all = false;
                    if (!appends || rng_.chance(0.01)) {
                        unsigned k = appends ? (unsigned)std::min<size_t>(ch.d.size(), ch.count + rng_.range(1, 3))
                                             : (unsigned)ch.d.size();
                        set_count(c, k, rng_.chance(0.5));
                    }
                } else if (ch.ptr < ch.d.size() && !ch.halted_seen) {
                    all = false;
                }
                if (suspends && ch.ptr < ch.d.size() && rng_.chance(0.0005)) suspend_resume(c);
            }
            if (all) return true;
            step();
        }
        return false;
    }
    void suspend_resume(unsigned c)
    {
        chw(c, NDMA_CH_CMD, NDMA_CMD_SUSPEND);
        unsigned st = 0;
        for (int i = 0; i < 200000; i++) {
            st = state(c);
            if (st == NDMA_ST_SUSPENDED || st == NDMA_ST_IDLE) break;
            run(10);
        }
        sum_.check(st == NDMA_ST_SUSPENDED, "channel %u did not suspend (state %u)", c, st);
        uint32_t n0 = chr(c, NDMA_CH_COMPLETED);
        run((unsigned)rng_.range(50, 400));
        sum_.check(chr(c, NDMA_CH_COMPLETED) == n0, "channel %u completed descriptors while suspended", c);
        sum_.check(state(c) == NDMA_ST_SUSPENDED, "channel %u left SUSPENDED", c);
        chw(c, NDMA_CH_CMD, NDMA_CMD_RESUME);
        suspends_++;
    }
    void drain(unsigned n = 2000)
    {
        for (unsigned i = 0; i < n; i++) {
            step();
            if (dut_.top().idle && reads_.empty() && i > 20) {
                bool pend = false;
                for (auto &ch : ch_) pend = pend || ch.pend;
                if (!pend) break;
            }
        }
    }
    void check_mem(const char *what)
    {
        size_t bad = 0, first = 0;
        for (size_t i = 0; i < kMem; i++)
            if (mem_[i] != exp_[i] && bad++ == 0) first = i;
        if (!sum_.check(bad == 0, "%s: %zu bytes differ, first at 0x%" PRIx64, what, bad, kBase + first)) {
            uint64_t x = kBase + first;
            for (unsigned c = 0; c < kCh; c++)
                for (size_t k = 0; k < ch_[c].d.size(); k++) {
                    const Desc &d = ch_[c].d[k];
                    if (!(d.ctl & NDMA_DC_NULL) && x >= d.dst && x < d.dst + d.size)
                        sum_.note("  in channel %u descriptor %zu (dst 0x%" PRIx64 " size %u, src 0x%" PRIx64
                                  ") offset %" PRIu64 ": have %02x want %02x src %02x",
                                  c, k, d.dst, d.size, d.src, x - d.dst, mem_[first], exp_[first],
                                  exp_[d.src - kBase + (x - d.dst)]);
                }
        }
    }
    void cmpl_words_expected()
    {
        for (auto &ch : ch_)
            if (ch.cmpl) std::memcpy(&exp_[ch.cmpl - kBase], at(ch.cmpl), 8);
    }
    void reset_channel(unsigned c)
    {
        chw(c, NDMA_CH_CMD, NDMA_CMD_RESET);
        unsigned st = 0;
        for (int i = 0; i < 100000; i++) {
            run(5);
            st = state(c);
            if (st == NDMA_ST_IDLE && chr(c, NDMA_CH_ERR) == 0) break;
        }
        sum_.check(st == NDMA_ST_IDLE, "channel %u not IDLE after RESET", c);
        sum_.check(chr(c, NDMA_CH_COMPLETED) == 0 && chr(c, NDMA_CH_ERR) == 0 && chr(c, NDMA_CH_STATUS_HI) == 0 &&
                       (chr(c, NDMA_CH_STATUS_LO) & ~7u) == 0 && chr(c, NDMA_CH_DMACOUNT) == 0,
                   "channel %u registers not cleared by RESET", c);
    }

    /* ---- scenarios ---- */
    void sc_chains(bool suspends)
    {
        if (verbose_) std::printf("chains at %" PRIu64 "\n", now_);
        mem_reset();
        cfg_ = Cfg();
        cfg_.lat_max = (unsigned)rng_.range(0, 60);
        cfg_.rd_ready = rng_.chance(0.3) ? 1.0 : 0.6;
        cfg_.wr_ready = rng_.chance(0.3) ? 1.0 : 0.6;
        cfg_.cpl_gap = rng_.chance(0.3) ? 0.0 : 0.3;
        bool ints = rng_.chance(0.7);
        setup_global(ints);
        unsigned mask = (unsigned)rng_.range(1, (1u << kCh) - 1);
        for (unsigned c = 0; c < kCh; c++)
            if ((mask >> c) & 1) {
                build(c, (unsigned)rng_.range(1, 16), rng_.chance(0.2));
                start(c, ints && rng_.chance(0.8));
            } else {
                ch_[c] = Chan();
            }
        bool ok = wait_done(mask, 4000000, true, suspends);
        sum_.check(ok, "chains did not complete (cycle %" PRIu64 ")", cycle_);
        drain();
        for (unsigned c = 0; c < kCh; c++) {
            if (!((mask >> c) & 1)) continue;
            Chan &ch = ch_[c];
            expect_copies(c, (unsigned)ch.d.size());
            uint32_t lo = chr(c, NDMA_CH_STATUS_LO), hi = chr(c, NDMA_CH_STATUS_HI);
            uint64_t last = ch.d.back().addr;
            sum_.check(chr(c, NDMA_CH_COMPLETED) == ch.d.size(), "channel %u COMPLETED %u != %zu", c,
                       chr(c, NDMA_CH_COMPLETED), ch.d.size());
            sum_.check((lo & ~63u) == (uint32_t)last && hi == (uint32_t)(last >> 32) && (lo & 7) == NDMA_ST_IDLE,
                       "channel %u STATUS 0x%08x%08x", c, hi, lo);
            sum_.check(get64(ch.cmpl) == (last | NDMA_ST_IDLE), "channel %u completion word 0x%" PRIx64, c,
                       get64(ch.cmpl));
            sum_.check(chr(c, NDMA_CH_ERR) == 0, "channel %u ERR set", c);
            sum_.check(!ch.pend, "channel %u interrupt never raised", c);
            ch.active = false;
            descs_ += ch.d.size();
        }
        uint32_t attn = csr_read(NDMA_REG_ATTN);
        sum_.check(attn == attn_, "ATTN 0x%x, expected 0x%x", attn, attn_);
        attn_ = 0;
        sum_.check(csr_read(NDMA_REG_ATTN) == 0, "ATTN not cleared by its read");
        cmpl_words_expected();
        check_mem("chains");
    }

    void sc_abort()
    {
        mem_reset();
        cfg_ = Cfg();
        cfg_.lat_max = (unsigned)rng_.range(0, 40);
        setup_global(true);
        unsigned c = (unsigned)rng_.range(0, kCh - 1);
        build(c, (unsigned)rng_.range(2, 12), true, 0.0);
        start(c, true);
        set_count(c, (unsigned)ch_[c].d.size(), false);
        run((unsigned)rng_.range(1, 3000));
        if (rng_.chance(0.3)) {
            sc_reset_active(c);
            return;
        }
        chw(c, NDMA_CH_CMD, NDMA_CMD_ABORT);
        if (verbose_) std::printf("cyc %" PRIu64 " abort ch %u\n", cycle_, c);
        unsigned st = 0;
        for (int i = 0; i < 100000 && st != NDMA_ST_HALTED; i++) {
            run(5);
            st = state(c);
        }
        Chan &ch = ch_[c];
        bool finished = ch.ptr == ch.d.size();
        sum_.check(st == NDMA_ST_HALTED || finished, "abort: not HALTED (state %u)", st);
        if (st == NDMA_ST_HALTED) {
            sum_.check(chr(c, NDMA_CH_ERR) == NDMA_ERR_ABORT, "abort: ERR 0x%x", chr(c, NDMA_CH_ERR));
            sum_.check(ch.halted_seen, "abort: no HALTED status word");
        }
        drain();
        sum_.check(reads_.empty(), "abort: reads still outstanding");
        unsigned done = chr(c, NDMA_CH_COMPLETED);
        if (verbose_) std::printf("abort: completed %u of %zu, status words %u\n", done, ch.d.size(), ch.ptr);
        sum_.check(done >= ch.ptr, "abort: COMPLETED %u behind status words %u", done, ch.ptr);
        expect_copies(c, done);
        for (unsigned k = done; k < ch.d.size(); k++) {
            const Desc &d = ch.d[k];
            for (uint32_t i = 0; i < d.size; i++) {
                size_t x = d.dst - kBase + i;
                uint8_t nw = exp_[d.src - kBase + i];
                if (mem_[x] == nw) exp_[x] = nw;  // old or new
            }
        }
        cmpl_words_expected();
        check_mem("abort");
        reset_channel(c);
        // a new chain after the reset
        build(c, (unsigned)rng_.range(1, 4), false);
        start(c, true);
        set_count(c, (unsigned)ch.d.size(), false);
        sum_.check(wait_done(1u << c, 2000000, false, false), "abort: restart did not complete");
        drain();
        expect_copies(c, (unsigned)ch.d.size());
        cmpl_words_expected();
        check_mem("after abort and reset");
        ch.active = false;
        aborts_++;
    }

    /* RESET of a running channel: drains, IDLE with everything cleared, no status word */
    void sc_reset_active(unsigned c)
    {
        Chan &ch = ch_[c];
        reset_channel(c);
        drain();
        sum_.check(reads_.empty(), "reset: reads still outstanding");
        sum_.check(!ch.halted_seen, "reset: a HALTED status word");
        expect_copies(c, ch.ptr);
        for (unsigned k = ch.ptr; k < ch.d.size(); k++) {
            const Desc &d = ch.d[k];
            if (d.ctl & NDMA_DC_NULL) continue;
            for (uint32_t i = 0; i < d.size; i++) {
                size_t x = d.dst - kBase + i;
                uint8_t nw = exp_[d.src - kBase + i];
                if (mem_[x] == nw) exp_[x] = nw;  // old or new
            }
        }
        cmpl_words_expected();
        check_mem("reset while active");
        build(c, (unsigned)rng_.range(1, 4), false);
        start(c, true);
        set_count(c, (unsigned)ch.d.size(), false);
        sum_.check(wait_done(1u << c, 2000000, false, false), "reset: restart did not complete");
        drain();
        expect_copies(c, (unsigned)ch.d.size());
        cmpl_words_expected();
        check_mem("after reset while active");
        ch.active = false;
        resets_++;
    }

    void sc_error(int kind)
    {
        if (verbose_) std::printf("error scenario %d at %" PRIu64 "\n", kind, now_);
        mem_reset();
        cfg_ = Cfg();
        setup_global(true);
        unsigned c = (unsigned)rng_.range(0, kCh - 1);
        unsigned n = (unsigned)rng_.range(kind == 0 ? 2 : 1, 6);
        unsigned bad = (unsigned)rng_.range(kind == 0 ? 1 : 0, n - 1);
        build(c, n, false, 0.1);
        Chan &ch = ch_[c];
        Desc &b = ch.d[bad];
        uint32_t err = 0;
        uint64_t bad_addr = b.addr;
        bool ints = true;
        uint64_t lim = kBase + kMem;
        switch (kind) {
        case 0:  // descriptor address misaligned or outside
            err = NDMA_ERR_DESC_ADDR;
            bad_addr = rng_.chance(0.5) ? ch.d[bad].addr + 8 * rng_.range(1, 7) : (rng_.chance(0.5) ? lim : kBase - 64);
            ch.d[bad - 1].next = bad_addr;
            ch.d[bad].addr = bad_addr;
            break;
        case 1:
            err = NDMA_ERR_SRC_ADDR;
            b.ctl &= ~NDMA_DC_NULL;
            b.size = (uint32_t)rng_.range(1, 100);
            b.src = rng_.chance(0.5) ? lim - b.size + 1 : kBase - 1;
            b.dst = alloc(b.size, 1);
            break;
        case 2:
            err = NDMA_ERR_DST_ADDR;
            b.ctl &= ~NDMA_DC_NULL;
            b.size = (uint32_t)rng_.range(1, 100);
            b.src = alloc(b.size, 1);
            b.dst = rng_.chance(0.5) ? lim - b.size + 1 : kBase - 2;
            break;
        case 3:
            err = NDMA_ERR_LEN_ZERO;
            b.ctl &= ~NDMA_DC_NULL;
            b.size = 0;
            b.src = alloc(16, 1);
            b.dst = alloc(16, 1);
            break;
        case 4:
            err = NDMA_ERR_LEN_CAP;
            b.ctl &= ~NDMA_DC_NULL;
            b.size = kXferCap + (uint32_t)rng_.range(1, 3);
            b.src = alloc(b.size, 1);
            b.dst = alloc(b.size, 1);
            break;
        default:  // completion address: every descriptor before writes it, so only misalign it late
            err = NDMA_ERR_CMPL_ADDR;
            for (auto &d : ch.d) d.ctl &= ~(NDMA_DC_CMPL_WRITE | NDMA_DC_INT);
            b.ctl |= NDMA_DC_CMPL_WRITE;
            ch.cmpl += rng_.range(1, 7);
            ints = false;  // the halt is not visible on the bus
            break;
        }
        for (unsigned k = bad; k < ch.d.size(); k++) {
            ch.d[k].runs = false;
            if (ch.d[k].size && !(ch.d[k].ctl & NDMA_DC_NULL) && ch.d[k].dst >= kBase && ch.d[k].dst < lim)
                for (uint64_t i = 0; i < ch.d[k].size && ch.d[k].dst + i < lim; i++)
                    allowed_[ch.d[k].dst - kBase + i] = 0;
        }
        if (kind == 5) {
            std::fill(allowed_.begin() + (ch.cmpl & ~7ull) - kBase, allowed_.begin() + (ch.cmpl & ~7ull) - kBase + 16, 0);
        }
        for (unsigned k = 0; k < ch.d.size(); k++)
            if (k != bad || kind != 0) write_desc(ch.d[k]);
        start(c, ints);
        set_count(c, n, false);
        unsigned st = 0;
        for (int i = 0; i < 200000 && st != NDMA_ST_HALTED; i++) {
            run(5);
            st = state(c);
        }
        sum_.check(st == NDMA_ST_HALTED, "error %d: not HALTED", kind);
        drain();
        sum_.check(chr(c, NDMA_CH_ERR) == err, "error %d: ERR 0x%x, expected 0x%x", kind, chr(c, NDMA_CH_ERR), err);
        uint64_t ea = chr(c, NDMA_CH_ERRADDR_LO) | ((uint64_t)chr(c, NDMA_CH_ERRADDR_HI) << 32);
        sum_.check(ea == bad_addr, "error %d: ERRADDR 0x%" PRIx64 " expected 0x%" PRIx64, kind, ea, bad_addr);
        sum_.check(chr(c, NDMA_CH_COMPLETED) == bad, "error %d: COMPLETED %u expected %u", kind,
                   chr(c, NDMA_CH_COMPLETED), bad);
        uint64_t last = bad ? ch.d[bad - 1].addr : 0;
        if (kind != 5) {
            sum_.check(ch.halted_seen && ch.halt_word == (last | NDMA_ST_HALTED),
                       "error %d: halt word 0x%" PRIx64 " expected 0x%" PRIx64, kind, ch.halt_word, last | NDMA_ST_HALTED);
        }
        expect_copies(c, bad);
        cmpl_words_expected();
        check_mem("error");
        // W1C, commands while halted
        chw(c, NDMA_CH_ERR, err);
        sum_.check(chr(c, NDMA_CH_ERR) == 0, "ERR not cleared by W1C");
        sum_.check(state(c) == NDMA_ST_HALTED, "W1C left HALTED");
        chw(c, NDMA_CH_CMD, NDMA_CMD_START);
        run(5);
        sum_.check(chr(c, NDMA_CH_ERR) == NDMA_ERR_CMD && state(c) == NDMA_ST_HALTED, "START while halted: ERR_CMD");
        reset_channel(c);
        // a restart, then RESUME while running: ERR_CMD
        mem_reset();
        build(c, (unsigned)rng_.range(1, 5), false);
        start(c, true);
        set_count(c, (unsigned)ch_[c].d.size(), false);
        sum_.check(wait_done(1u << c, 2000000, false, false), "restart after error did not complete");
        drain();
        expect_copies(c, (unsigned)ch_[c].d.size());
        cmpl_words_expected();
        check_mem("restart after error");
        chw(c, NDMA_CH_CMD, NDMA_CMD_RESUME);
        run(20);
        drain();
        sum_.check(state(c) == NDMA_ST_HALTED && chr(c, NDMA_CH_ERR) == NDMA_ERR_CMD, "RESUME when not suspended");
        reset_channel(c);
        ch_[c].active = false;
        errors_++;
    }

    void sc_fairness()
    {
        mem_reset();
        cfg_ = Cfg();
        cfg_.lat_max = 30;
        cfg_.rd_ready = 0.9;
        cfg_.wr_ready = 0.9;
        setup_global(false);
        for (unsigned c = 0; c < kCh; c++) {
            build(c, 3, false, 0.0);
            for (auto &d : ch_[c].d) {  // long copies
                d.size = kXferCap - (uint32_t)rng_.range(0, 100);
                d.src = alloc(d.size + 64, 1) + rng_.range(0, 63);
                d.dst = alloc(d.size + 64, 1) + rng_.range(0, 63);
                allow(d.dst, d.size);
                write_desc(d);
            }
            start(c, false);
        }
        for (unsigned c = 0; c < kCh; c++) set_count(c, 3, false);
        sum_.check(wait_done((1u << kCh) - 1, 4000000, false, false), "fairness: did not complete");
        uint64_t worst = 0;
        for (unsigned c = 0; c < kCh; c++) {
            ch_[c].active = false;
            expect_copies(c, 3);
            worst = std::max(worst, ch_[c].max_gap);
        }
        // in rounds of the arbiter: one chunk each, plus a descriptor fetch
        sum_.check(worst <= 2 * kCh, "fairness: a channel waited %" PRIu64 " requests", worst);
        sum_.note("fairness: longest wait %" PRIu64 " other data requests (%u channels)", worst, kCh);
        drain();
        cmpl_words_expected();
        check_mem("fairness");
    }

    void sc_throughput()
    {
        cfg_ = Cfg();
        cfg_.lat_max = 0;
        cfg_.rd_ready = cfg_.wr_ready = 1.0;
        cfg_.cpl_gap = 0.0;
        cfg_.max_out = 64;
        for (int unaligned = 0; unaligned < 2; unaligned++) {
            mem_reset();
            setup_global(false);
            unsigned c = 0;
            build(c, 8, false, 0.0);
            for (auto &d : ch_[c].d) {
                d.size = kXferCap;
                d.ctl = NDMA_DC_CMPL_WRITE;
                d.src = alloc(d.size + 128, 64) + (unaligned ? 3 : 0);
                d.dst = alloc(d.size + 128, 64) + (unaligned ? 13 : 0);
                allow(d.dst, d.size);
                write_desc(d);
            }
            start(c, false);
            uint64_t t0 = cycle_;
            set_count(c, 8, false);
            sum_.check(wait_done(1, 4000000, false, false), "throughput: did not complete");
            uint64_t cyc = last_wr_cycle_ - t0;
            double bpc = (double)(8.0 * kXferCap) / (double)cyc;
            sum_.note("throughput %s: 8 x %u bytes in %" PRIu64 " cycles: %.2f bytes/cycle (port %u)",
                      unaligned ? "unaligned (src+3, dst+13)" : "aligned", kXferCap, cyc, bpc, kw_);
            sum_.check(bpc >= 0.85 * kw_, "throughput below 85%% of the port");
            drain();
            expect_copies(c, 8);
            cmpl_words_expected();
            check_mem("throughput");
            ch_[c].active = false;
            reset_channel(c);
        }
    }

    void identity()
    {
        sum_.check(csr_read(NDMA_REG_ID) == NDMA_ID_VALUE, "ID");
        sum_.check(csr_read(NDMA_REG_CHANCNT) == kCh, "CHANCNT");
        sum_.check(csr_read(NDMA_REG_XFERCAP) == kXferCap, "XFERCAP");
        for (unsigned c = 0; c < kCh; c++) sum_.check(state(c) == NDMA_ST_IDLE, "channel %u IDLE at reset", c);
    }

    void report()
    {
        sum_.note("%" PRIu64 " descriptors, %" PRIu64 " read requests, %" PRIu64 " bytes read, %" PRIu64
                  " written, %" PRIu64 " interrupts, %" PRIu64 " suspends, %" PRIu64 " aborts, %" PRIu64
                  " error halts, %" PRIu64 " resets while active, %" PRIu64 " time skips, %" PRIu64
                  " idle edges skipped, %" PRIu64 " cycles",
                  descs_, rd_reqs_, rd_bytes_, wr_bytes_, irqs_, suspends_, aborts_, errors_, resets_, skips_,
                  edge_skips_, cycle_);
    }

private:
    Dut<V> dut_;
    Rng rng_;
    Summary &sum_;
    unsigned kw_;
    Cfg cfg_;
    std::vector<uint8_t> mem_, exp_, allowed_;
    uint64_t bump_ = 4096;
    uint64_t now_ = 1000;
    uint64_t cycle_ = 0;
    bool skip_time_ = true;
    bool verbose_ = std::getenv("TB_VERBOSE") != nullptr;
    uint64_t dbg_lo_ = std::getenv("TB_DBG") ? std::strtoull(std::getenv("TB_DBG"), nullptr, 0) : 0;
    uint64_t delay_ = 0;
    bool intr_en_ = false;
    Chan ch_[kCh];
    std::vector<Rd> reads_;
    int cur_ = -1;
    bool in_burst_ = false;
    uint64_t burst_start_ = 0, burst_next_ = 0;
    uint8_t csr_wr_ = 0, csr_rd_ = 0;
    uint32_t csr_addr_ = 0, csr_wdata_ = 0;
    uint64_t last_wr_cycle_ = 0, data_reqs_ = 1;
    uint64_t descs_ = 0, rd_reqs_ = 0, rd_bytes_ = 0, wr_bytes_ = 0, irqs_ = 0, suspends_ = 0, aborts_ = 0,
             errors_ = 0, skips_ = 0, resets_ = 0, edge_skips_ = 0;
    uint32_t attn_ = 0;
};

template <class V> int run(unsigned width, uint64_t seed, unsigned iters)
{
    Summary sum("netdma", width, seed);
    Tb<V> tb(width, seed, sum);
    tb.identity();
    if (std::getenv("TB_VERBOSE")) std::printf("identity done\n");
    tb.sc_throughput();
    tb.sc_fairness();
    for (int k = 0; k < 6; k++) tb.sc_error(k);
    for (unsigned i = 0; i < iters; i++) {
        tb.sc_chains(i % 3 == 1);
        if (i % 4 == 3) tb.sc_abort();
        if (i % 8 == 5) tb.sc_error((int)(i / 8) % 6);
    }
    tb.report();
    return sum.finish();
}

}  // namespace

static int usage()
{
    std::fprintf(stderr, "usage: tb_netdma [--width 64|512] [--seed N] [--iters N]\n");
    return 2;
}

int main(int argc, char **argv)
{
    unsigned width = 64, iters = 40;
    uint64_t seed = 1;
    for (int i = 1; i < argc; i++) {
        std::string s = argv[i];
        bool has = i + 1 < argc;
        if (s == "--width" && has)
            width = static_cast<unsigned>(std::strtoul(argv[++i], nullptr, 10));
        else if (s == "--seed" && has)
            seed = std::strtoull(argv[++i], nullptr, 0);
        else if (s == "--iters" && has)
            iters = static_cast<unsigned>(std::strtoul(argv[++i], nullptr, 10));
        else
            return usage();
    }
    if (width != 64 && width != 512) return usage();
    return width == 64 ? run<Vnetdma_w64>(width, seed, iters) : run<Vnetdma_w512>(width, seed, iters);
}
