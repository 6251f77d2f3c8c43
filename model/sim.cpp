// nicsim simulated system. SystemC owns time. Modules:
//   TraceSource  frames with wire arrival times (capture reader + pacing + host filter)
//   Nic<V>       the Verilated NIC (--cc), clocked in a tight loop; serves its DMA port against
//                host memory with bus timing, feeds the line side, raises interrupts; syncs with
//                SystemC once per quantum, at each interrupt, and jumps over idle gaps
//   HostCpu      one thread per simulated CPU: ISR and DPC of the vectors it owns, charging the
//                cycles the driver and the layers above report
// Verilator's headers first: with SystemC already included they would expect a SystemC time
// source (--sc models); this model is --cc and gets time from the Nic module.
#include "Vnic_top_w512.h"
#include "Vnic_top_w64.h"
#include "verilated.h"
#include "verilated_fst_c.h"

#include <systemc>

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <deque>
#include <memory>
#include <string>
#include <type_traits>

extern "C" {
#include "hs.h"
#include "nicsim_model.h"
#include "replay.h"
#include "rss.h"
}
#include "platform.h"
#include "port_bytes.h"
#include "wave.h"

// libsystemc's own main() references sc_main; nicsim has its own main() and drives the
// kernel with sc_start(), so this entry point is never used.
int sc_main(int, char **) { return 1; }

namespace {

// One conversion point for simulated time units.
constexpr uint64_t kPsPerNs = 1000;
inline sc_core::sc_time ps_time(uint64_t ps) { return sc_core::sc_time((double)ps, sc_core::SC_PS); }
inline uint64_t sc_now_ps() { return (uint64_t)(sc_core::sc_time_stamp().to_seconds() * 1e12 + 0.5); }

// Registers the model itself touches (docs/architecture.md, docs/hw-interface.md).
constexpr uint32_t kCsrId = 0x000;
constexpr uint32_t kCsrStatRxFrames = 0x200;
constexpr uint32_t kNicId = 0x4E494353u;
constexpr uint32_t kCsrTxQueue = 0x2000;

// Source of frames with wire arrival times, bound to the Nic through a port.
class FrameSourceIf : virtual public sc_core::sc_interface {
  public:
    virtual bool peek(const rp_frame **f) = 0;  // false at the end of the trace or on error
    virtual void pop() = 0;
};

class TraceSource : public sc_core::sc_module, public FrameSourceIf {
  public:
    TraceSource(sc_core::sc_module_name name, rp_replay *rp) : sc_module(name), rp_(rp) {}
    bool peek(const rp_frame **f) override
    {
        if (!have_ && !done_) {
            int rc = rp_next(rp_, &cur_, err_, sizeof err_);
            if (rc > 0) {
                have_ = true;
                buf_.assign(cur_.f.data, cur_.f.data + cur_.f.len);  // reader reuses its buffer
                cur_.f.data = buf_.data();
            } else {
                done_ = true;
                failed_ = rc < 0;
            }
        }
        *f = have_ ? &cur_ : nullptr;
        return have_;
    }
    void pop() override { have_ = false; }
    bool failed() const { return failed_; }
    const char *error() const { return err_; }

  private:
    rp_replay *rp_;
    rp_frame cur_{};
    std::vector<uint8_t> buf_;
    bool have_ = false, done_ = false, failed_ = false;
    char err_[512] = {0};
};

// A frame in the MAC receive FIFO, fed beat by beat no faster than its bytes arrive.
struct MacFrame {
    std::vector<uint8_t> data;
    uint64_t frame_no;
    uint64_t start_ps;
    bool unverifiable;
    uint32_t fed = 0;
};

// A DMA read request being served: its completion data streams to the NIC.
struct DmaRead {
    uint64_t addr;
    uint32_t len;
    uint32_t tag;
    uint64_t first_ps;     // first byte reaches the NIC
    double ps_per_byte;    // then one byte per this many ps
    uint32_t sent = 0;     // bytes delivered
};

template <class V> using TdataT = std::remove_reference_t<decltype(std::declval<V>().s_axis_rx_tdata)>;
template <class V> constexpr unsigned bytes_per_beat() { return sizeof(TdataT<V>) <= 8 ? 8 : sizeof(TdataT<V>); }

template <class T> bool lane_set(const T &mask, unsigned i)
{
    return ((uint64_t)mask >> i) & 1u;
}
class NicBase {
  public:
    virtual ~NicBase() = default;
    virtual void direct_csr_write(uint32_t addr, uint32_t val) = 0;
    virtual uint32_t direct_csr_read(uint32_t addr) = 0;
    virtual void reset() = 0;
};

class HostCpu;

template <class V> class Nic : public sc_core::sc_module, public NicBase {
  public:
    sc_core::sc_port<FrameSourceIf> src;

    SC_HAS_PROCESS(Nic);
    Nic(sc_core::sc_module_name name, Platform &pf, std::vector<HostCpu *> &cpus)
        : sc_module(name), pf_(pf), cpus_(cpus), ctx_(new VerilatedContext)
    {
        const ns_config &c = *pf.cfg;
        period_ps_ = (uint64_t)(1e6 / c.clock_mhz + 0.5);
        ps_per_byte_ = 8.0 * 1000.0 / c.link_gbps;
        if (c.wave_path) ctx_->traceEverOn(true);
        model_.reset(new V(ctx_.get(), "nic"));
        if (c.wave_path) {
            wave_.reset(new WaveWriter(c.wave_path, c.wave_from_ps, c.wave_to_ps));
            model_->trace(wave_->fst(), 99);
        }
        SC_THREAD(run);
    }

    bool open_wave(std::string &err) { return !wave_ || wave_->open(err); }

    void reset() override
    {
        V &m = *model_;
        m.rst = 1;
        idle_inputs();
        for (int i = 0; i < 4; i++) tick();
        m.rst = 0;
        tick();
    }

    void direct_csr_write(uint32_t addr, uint32_t val) override
    {
        V &m = *model_;
        m.s_csr_addr = addr;
        m.s_csr_wdata = val;
        m.s_csr_wr = 1;
        tick();
        m.s_csr_wr = 0;
    }

    uint32_t direct_csr_read(uint32_t addr) override
    {
        V &m = *model_;
        m.s_csr_addr = addr;
        m.s_csr_rd = 1;
        tick();
        m.s_csr_rd = 0;
        for (int i = 0; i < 16; i++) {
            settle();
            if (m.s_csr_rvalid) return m.s_csr_rdata;
            edge();
        }
        pf_.err = "NIC did not answer a register read";
        return 0;
    }

    uint64_t clocked() const { return clocked_; }
    uint64_t fifo_overflow() const { return fifo_overflow_; }
    uint64_t fifo_peak() const { return fifo_peak_; }
    uint64_t tx_frames() const { return tx_frames_; }
    uint64_t tx_bytes() const { return tx_bytes_; }
    uint32_t csr_rx_frames() const { return csr_rx_frames_; }
    bool finished() const { return finished_; }
    uint64_t total_frames = 0;

  private:
    Platform &pf_;
    std::vector<HostCpu *> &cpus_;
    std::unique_ptr<VerilatedContext> ctx_;
    std::unique_ptr<V> model_;
    std::unique_ptr<WaveWriter> wave_;
    uint64_t period_ps_ = 0;
    double ps_per_byte_ = 0.8;
    uint64_t cycle_ = 0;      // NIC cycle; time = cycle * period
    uint64_t clocked_ = 0;    // cycles evaluated
    // line side
    std::deque<MacFrame> fifo_;
    uint64_t fifo_bytes_ = 0, fifo_overflow_ = 0, fifo_peak_ = 0;
    std::deque<std::pair<uint64_t, uint64_t>> inflight_;  // (frame_no, start_ps) in arrival order
    // DMA
    std::deque<DmaRead> reads_;       // accepted, in completion order (by first_ps)
    uint32_t wr_burst_bytes_ = 0;
    // TX
    std::vector<uint8_t> tx_frame_;
    uint64_t tx_frames_ = 0, tx_bytes_ = 0;
    uint32_t csr_rx_frames_ = 0;
    bool finished_ = false;
    std::chrono::steady_clock::time_point wall0_, last_progress_;

    uint64_t now_ps() const { return cycle_ * period_ps_; }
    uint64_t cycle_at(uint64_t ps) const { return (ps + period_ps_ - 1) / period_ps_; }

    void idle_inputs()
    {
        V &m = *model_;
        m.s_axis_rx_tvalid = 0;
        m.s_axis_rx_tlast = 0;
        m.s_axis_rx_tuser = 0;
        m.s_csr_wr = 0;
        m.s_csr_rd = 0;
        m.m_axis_rxmeta_tready = 1;
        m.m_dma_rd_req_ready = 0;
        m.s_dma_rd_cpl_valid = 0;
        m.m_dma_wr_ready = 0;
        m.m_axis_tx_tready = 1;
        m.s_now_ns = now_ps() / kPsPerNs;
    }

    void dump(uint64_t t) { if (wave_) wave_->dump(t); }
    void settle()
    {
        V &m = *model_;
        m.clk = 0;
        m.eval();
        dump(now_ps());
    }
    void edge()
    {
        V &m = *model_;
        m.clk = 1;
        m.eval();
        dump(now_ps() + period_ps_ / 2);
        cycle_++;
        clocked_++;
    }
    void tick()
    {
        settle();
        edge();
    }

    // --- line side receive ---
    void admit()
    {
        const rp_frame *f;
        while (src->peek(&f) && f->start_ps <= now_ps()) {
            uint32_t len = f->f.len;
            if (fifo_bytes_ + len > pf_.cfg->rx_fifo_bytes) {
                // the frame reached the NIC but its receive FIFO had no room
                fifo_overflow_++;
                pf_.res->frames_rx++;
                pf_.res->rx_bytes += len;
                LogRow r;
                r.frame_no = f->f.frame_no;
                r.start_ps = f->start_ps;
                r.len = len;
                r.drop = 3;  // rx_fifo_overflow
                r.done = true;
                pf_.rows.push_back(r);
            } else {
                MacFrame mf;
                mf.data.assign(f->f.data, f->f.data + len);
                mf.frame_no = f->f.frame_no;
                mf.start_ps = f->start_ps;
                mf.unverifiable = f->f.unverifiable != 0;
                fifo_bytes_ += len;
                fifo_peak_ = std::max(fifo_peak_, fifo_bytes_);
                fifo_.push_back(std::move(mf));
            }
            src->pop();
        }
    }
    uint64_t head_ready_cycle() const
    {
        const MacFrame &h = fifo_.front();
        uint32_t upto = std::min<uint32_t>(h.fed + bytes_per_beat<V>(), (uint32_t)h.data.size());
        return cycle_at(h.start_ps + (uint64_t)((8.0 + upto) * ps_per_byte_ + 0.5));  // after preamble
    }

    // --- register writes from CPUs, applied in time order at the NIC's sync points ---
    void apply_csr_writes()
    {
        while (!pf_.csr_queue.empty() && pf_.csr_queue.front().at_ps <= now_ps()) {
            CsrWrite w = pf_.csr_queue.front();
            pf_.csr_queue.pop_front();
            V &m = *model_;
            m.s_csr_addr = w.addr;
            m.s_csr_wdata = w.val;
            m.s_csr_wr = 1;
            cycle_step();
            m.s_csr_wr = 0;
        }
    }

    // --- one clock cycle with every port served ---
    void drive()
    {
        V &m = *model_;
        m.s_now_ns = now_ps() / kPsPerNs;
        m.m_axis_rxmeta_tready = 1;
        m.m_axis_tx_tready = 1;
        // line-side RX
        if (!fifo_.empty() && head_ready_cycle() <= cycle_) {
            MacFrame &h = fifo_.front();
            unsigned n = std::min<unsigned>(bytes_per_beat<V>(), (unsigned)(h.data.size() - h.fed));
            put_bytes(m.s_axis_rx_tdata, h.data.data() + h.fed, n, bytes_per_beat<V>());
            m.s_axis_rx_tkeep = keep_mask(n, bytes_per_beat<V>());
            m.s_axis_rx_tvalid = 1;
            m.s_axis_rx_tlast = h.fed + n >= h.data.size();
            m.s_axis_rx_tuser = h.unverifiable;
        } else {
            m.s_axis_rx_tvalid = 0;
            m.s_axis_rx_tlast = 0;
        }
        // DMA read requests: as many outstanding as the host accepts
        m.m_dma_rd_req_ready = reads_.size() < pf_.cfg->pcie.read_tags;
        // DMA read completion data
        m.s_dma_rd_cpl_valid = 0;
        if (!reads_.empty()) {
            DmaRead &r = reads_.front();
            unsigned n = std::min<unsigned>(bytes_per_beat<V>(), r.len - r.sent);
            uint64_t ready_ps = r.first_ps + (uint64_t)((double)(r.sent + n) * r.ps_per_byte + 0.5);
            if (ready_ps <= now_ps()) {
                const uint8_t *p = (const uint8_t *)drv_mem_ptr(&pf_.dmem, r.addr + r.sent, n);
                uint8_t zero[64] = {0};
                if (!p) {
                    pf_.dma_errors++;
                    p = zero;
                }
                put_bytes(m.s_dma_rd_cpl_data, p, n, bytes_per_beat<V>());
                m.s_dma_rd_cpl_tag = r.tag;
                m.s_dma_rd_cpl_last = r.sent + n >= r.len;
                m.s_dma_rd_cpl_valid = 1;
            }
        }
        // DMA writes: posted, until the bus queue is full
        m.m_dma_wr_ready = pcie_write_ready(pf_.bus, now_ps());
    }

    void sample()
    {
        V &m = *model_;
        // RX beat accepted
        if (m.s_axis_rx_tvalid && m.s_axis_rx_tready) {
            MacFrame &h = fifo_.front();
            unsigned n = std::min<unsigned>(bytes_per_beat<V>(), (unsigned)(h.data.size() - h.fed));
            if (h.fed == 0) inflight_.emplace_back(h.frame_no, h.start_ps);
            h.fed += n;
            if (h.fed >= h.data.size()) {
                fifo_bytes_ -= h.data.size();
                fifo_.pop_front();
            }
        }
        // receive result (monitor)
        if (m.m_axis_rxmeta_tvalid && m.m_axis_rxmeta_tready) collect_meta(m);
        // DMA read request
        if (m.m_dma_rd_req_valid && m.m_dma_rd_req_ready) {
            DmaRead r;
            r.addr = m.m_dma_rd_req_addr;
            r.len = m.m_dma_rd_req_len;
            r.tag = m.m_dma_rd_req_tag;
            r.first_ps = pcie_read(pf_.bus, now_ps(), r.len, &r.ps_per_byte);
            pf_.res->dma_read_bytes += r.len;
            // completions return in the order their data arrives
            auto it = std::upper_bound(reads_.begin(), reads_.end(), r.first_ps,
                                       [](uint64_t t, const DmaRead &x) { return t < x.first_ps; });
            if (it == reads_.begin() && !reads_.empty() && reads_.front().sent > 0) ++it;  // never preempt a started one
            reads_.insert(it, r);
        }
        // DMA read data beat
        if (m.s_dma_rd_cpl_valid && m.s_dma_rd_cpl_ready) {
            DmaRead &r = reads_.front();
            r.sent += std::min<unsigned>(bytes_per_beat<V>(), r.len - r.sent);
            if (r.sent >= r.len) reads_.pop_front();
        }
        // DMA write beat
        if (m.m_dma_wr_valid && m.m_dma_wr_ready) {
            uint64_t a = m.m_dma_wr_addr;
            for (unsigned i = 0; i < bytes_per_beat<V>(); i++) {
                if (!lane_set(m.m_dma_wr_strb, i)) continue;
                uint8_t *p = (uint8_t *)drv_mem_ptr(&pf_.dmem, a + i, 1);
                if (!p) {
                    pf_.dma_errors++;
                    continue;
                }
                *p = get_byte(m.m_dma_wr_data, i);
                wr_burst_bytes_++;
            }
            if (m.m_dma_wr_last) {
                pcie_write(pf_.bus, now_ps(), wr_burst_bytes_);
                pf_.res->dma_write_bytes += wr_burst_bytes_;
                wr_burst_bytes_ = 0;
            }
        }
        // line-side TX
        if (m.m_axis_tx_tvalid && m.m_axis_tx_tready) {
            for (unsigned i = 0; i < bytes_per_beat<V>(); i++)
                if (lane_set(m.m_axis_tx_tkeep, i)) tx_frame_.push_back(get_byte(m.m_axis_tx_tdata, i));
            if (m.m_axis_tx_tlast) {
                tx_frames_++;
                tx_bytes_ += tx_frame_.size();
                tx_frame_.clear();
            }
        }
    }

    void collect_meta(V &m)
    {
        if (inflight_.empty()) {
            pf_.err = "NIC reported a receive result for a frame it was never given";
            return;
        }
        auto ff = inflight_.front();
        inflight_.pop_front();
        LogRow r;
        r.frame_no = ff.first;
        r.start_ps = ff.second;
        r.len = m.m_axis_rxmeta_len;
        r.l3 = m.m_axis_rxmeta_l3;
        r.l4 = m.m_axis_rxmeta_l4;
        r.hash_type = m.m_axis_rxmeta_hash_type;
        r.hash = m.m_axis_rxmeta_hash;
        r.queue = m.m_axis_rxmeta_queue;
        r.csum = m.m_axis_rxmeta_csum;
        r.drop = m.m_axis_rxmeta_drop;
        ns_results &res = *pf_.res;
        res.frames_rx++;
        res.rx_bytes += r.len;
        if (r.hash_type < 7) res.hash_type_frames[r.hash_type]++;
        if (r.queue < NS_MAX_QUEUES) res.queue_frames[r.queue]++;
        if (r.csum < NS_CSUM_COUNT) res.csum_frames[r.csum]++;
        if (r.drop == 0) {
            if (r.queue >= pf_.queue_rows.size()) {
                pf_.err = "NIC delivered a frame on a queue the driver does not use";
                return;
            }
            pf_.queue_rows[r.queue].push_back(pf_.rows_base + pf_.rows.size());
        } else {
            if (r.drop == 1) pf_.drop_no_desc++;
            if (r.drop == 2) pf_.drop_cpl_full++;
            r.done = true;
        }
        pf_.rows.push_back(r);
    }

    void cycle_step()
    {
        drive();
        settle();
        sample();
        bool irq = model_->m_irq_valid;
        unsigned vec = model_->m_irq_vector;
        edge();
        if (irq) raise_irq(vec);
    }

    void raise_irq(unsigned vec)
    {
        pf_.res->irq_count++;
        if (vec < NS_MAX_VECTORS) pf_.res->irq_per_vector[vec]++;
        irqs_.push_back(vec);
    }
    void deliver_irq(unsigned vec);
    std::vector<unsigned> irqs_;

    bool cpus_idle() const { return pf_.busy_cpus == 0; }

    void progress(bool final)
    {
        if (!pf_.cfg->progress) return;
        auto now = std::chrono::steady_clock::now();
        if (!final && now - last_progress_ < std::chrono::milliseconds(500)) return;
        last_progress_ = now;
        double el = std::chrono::duration<double>(now - wall0_).count();
        uint64_t done = pf_.res->frames_rx + fifo_overflow_;
        double frac = total_frames ? (double)done / (double)total_frames : 1.0;
        double eta = frac > 0 ? el * (1.0 - frac) / frac : 0.0;
        fprintf(stderr, "\r  %" PRIu64 "/%" PRIu64 " frames  sim %.3f ms  %5.1f%%  ETA %.0f s   %s", done,
                total_frames, (double)now_ps() / 1e9, 100.0 * frac, eta, final ? "\n" : "");
        fflush(stderr);
    }

    // Wait in SystemC until local time, so that other threads catch up; then one delta so that
    // CPUs woken at this time post their writes and publish their horizons first.
    void sync(uint64_t &synced_ps)
    {
        if (now_ps() > synced_ps) sc_core::wait(ps_time(now_ps() - synced_ps));
        for (unsigned v : irqs_) deliver_irq(v);  // at their simulated time
        irqs_.clear();
        sc_core::wait(sc_core::SC_ZERO_TIME);
        synced_ps = now_ps();
        pf_.flush_rows();
    }
    // How far the NIC may run before it must sync: the quantum, and no CPU's horizon.
    uint64_t run_limit(uint64_t synced_ps, uint64_t quantum_ps) const;

    void run();
};

class HostCpu : public sc_core::sc_module {
  public:
    SC_HAS_PROCESS(HostCpu);
    HostCpu(sc_core::sc_module_name name, Platform &pf, int id) : sc_module(name), pf_(pf), id_(id)
    {
        ps_per_cycle_ = 1e6 / pf.cost.v[HS_C_CPU_MHZ];
        SC_THREAD(run);
    }
    // An interrupt message for vector v (owned by this CPU). Immediate notification: the CPU
    // starts its ISR in the current evaluation phase and publishes its horizon before the NIC
    // runs on.
    void interrupt(int v)
    {
        if (std::find(pending_.begin(), pending_.end(), v) != pending_.end()) return;
        if (pending_.empty() && !running_) pf_.busy_cpus++;
        pending_.push_back(v);
        work_.notify();
    }
    uint64_t busy_cycles = 0;
    // Lookahead: this CPU makes no register write before this time (end of its current driver
    // call; UINT64_MAX when idle). The NIC never runs past the earliest horizon, so posted
    // writes always reach it at their exact time, whatever the quantum.
    uint64_t horizon_ps = UINT64_MAX;

  private:
    Platform &pf_;
    int id_;
    double ps_per_cycle_;
    std::deque<int> pending_;
    bool running_ = false;
    sc_core::sc_event work_;

    // Waits for the cycles a driver call cost, then posts the register writes it made: a
    // doorbell leaves the CPU when the code that rings it has run (at the end of the call).
    void spend(uint64_t cycles)
    {
        busy_cycles += cycles;
        uint64_t t = (uint64_t)((double)cycles * ps_per_cycle_ + 0.5);
        horizon_ps = sc_now_ps() + t;
        sc_core::wait(ps_time(t));
        if (!deferred_.empty()) {
            uint64_t now = sc_now_ps();
            for (auto &w : deferred_) pf_.csr_queue.push_back(CsrWrite{now, w.addr, w.val});
            deferred_.clear();
            pf_.csr_event->notify(sc_core::SC_ZERO_TIME);
        }
    }
    uint64_t call_isr(int v)
    {
        pf_.defer = &deferred_;
        uint64_t c = drv_isr(pf_.drv, v);
        pf_.defer = nullptr;
        return c;
    }
    uint64_t call_dpc(int v, int *more)
    {
        pf_.defer = &deferred_;
        uint64_t c = drv_dpc(pf_.drv, v, more);
        pf_.defer = nullptr;
        return c;
    }
    std::vector<CsrWrite> deferred_;

    // Runs the host stack's due timers (delayed ACKs) for this CPU.
    void run_timers()
    {
        pf_.busy_cpus++;
        running_ = true;
        pf_.defer = &deferred_;
        uint64_t c = hs_timer(pf_.stack, id_, sc_now_ps() / kPsPerNs);
        pf_.defer = nullptr;
        spend(c);
        running_ = false;
        horizon_ps = UINT64_MAX;
        pf_.busy_cpus--;
        pf_.cpu_idle_event->notify(sc_core::SC_ZERO_TIME);
    }

    void run()
    {
        for (;;) {
            while (pending_.empty()) {
                uint64_t t_ns = hs_next_timer_cpu_ns(pf_.stack, id_);
                if (t_ns == UINT64_MAX) {
                    horizon_ps = UINT64_MAX;
                    sc_core::wait(work_);
                    continue;
                }
                uint64_t t_ps = t_ns * kPsPerNs;
                if (t_ps > sc_now_ps()) {
                    horizon_ps = t_ps;  // no register write before the timer fires
                    sc_core::wait(ps_time(t_ps - sc_now_ps()), work_);
                    continue;
                }
                run_timers();
            }
            running_ = true;
            int v = pending_.front();
            pending_.pop_front();
            spend(call_isr(v));
            int more = 1;
            while (more) {
                more = 0;
                spend(call_dpc(v, &more));
                if (more && !pending_.empty()) {  // re-queue behind the other DPCs
                    pending_.push_back(v);
                    break;
                }
            }
            running_ = false;
            horizon_ps = UINT64_MAX;
            if (pending_.empty()) {
                pf_.busy_cpus--;
                pf_.cpu_idle_event->notify(sc_core::SC_ZERO_TIME);
            }
        }
    }
};

template <class V> uint64_t Nic<V>::run_limit(uint64_t synced_ps, uint64_t quantum_ps) const
{
    uint64_t lim = synced_ps + quantum_ps;
    for (const HostCpu *c : cpus_) lim = std::min(lim, c->horizon_ps);
    return lim;
}

template <class V> void Nic<V>::deliver_irq(unsigned vec)
{
    int cpu = drv_vector_cpu(pf_.drv, (int)vec);
    if (cpu < 0 || cpu >= (int)cpus_.size()) {
        pf_.err = "NIC raised an interrupt on a vector the driver did not set up";
        return;
    }
    cpus_[cpu]->interrupt((int)vec);
}

template <class V> void Nic<V>::run()
{
    const ns_config &c = *pf_.cfg;
    V &m = *model_;
    wall0_ = last_progress_ = std::chrono::steady_clock::now();
    const uint64_t quantum_ps = (uint64_t)(c.quantum_cycles ? c.quantum_cycles : 4096) * period_ps_;
    uint64_t synced_ps = sc_now_ps();
    cycle_ = cycle_at(synced_ps);
    uint64_t limit_ps = run_limit(synced_ps, quantum_ps);
    for (;;) {
        if (!pf_.err.empty()) break;
        apply_csr_writes();
        admit();
        const rp_frame *next = nullptr;
        bool more = src->peek(&next);
        bool nic_idle = m.idle && inflight_.empty() && reads_.empty() && fifo_.empty();
        if (nic_idle) {
            // Idle skipping: jump to the next event instead of clocking empty cycles.
            uint64_t next_ps = UINT64_MAX;
            if (more) next_ps = next->start_ps;
            if (m.timer_armed) next_ps = std::min<uint64_t>(next_ps, m.timer_deadline_ns * kPsPerNs);
            if (!pf_.csr_queue.empty()) next_ps = std::min(next_ps, pf_.csr_queue.front().at_ps);
            if (next_ps == UINT64_MAX) {
                if (cpus_idle()) break;  // trace done, NIC drained, CPUs done
                sync(synced_ps);
                if (!cpus_idle()) sc_core::wait(*pf_.cpu_idle_event | *pf_.csr_event);
                synced_ps = sc_now_ps();
                cycle_ = std::max(cycle_, cycle_at(synced_ps));
                limit_ps = run_limit(synced_ps, quantum_ps);
                continue;
            }
            if (next_ps > now_ps()) {
                // hand time to the CPUs; a register write from one of them wakes us early
                sync(synced_ps);
                if (next_ps > now_ps()) sc_core::wait(ps_time(next_ps - now_ps()), *pf_.csr_event);
                synced_ps = sc_now_ps();
                cycle_ = std::max(cycle_, cycle_at(synced_ps));
                limit_ps = run_limit(synced_ps, quantum_ps);
                continue;
            }
        }
        uint64_t irqs_before = pf_.res->irq_count;
        cycle_step();
        if (pf_.res->irq_count != irqs_before || now_ps() >= limit_ps) {
            sync(synced_ps);  // interrupts reach the CPUs at their simulated time
            limit_ps = run_limit(synced_ps, quantum_ps);
            progress(false);
        }
    }
    if (pf_.err.empty()) csr_rx_frames_ = direct_csr_read(kCsrStatRxFrames);
    sync(synced_ps);
    // frames the NIC completed but no DPC processed (a moderation threshold never met)
    for (auto &r : pf_.rows)
        if (!r.done) {
            r.done = true;
            r.drop = 4;
            pf_.frames_pending++;
        }
    pf_.flush_rows();
    pf_.res->nic_cycles = clocked_;
    pf_.res->sim_time_ps = now_ps();
    progress(true);
    if (wave_) {
        std::string werr;
        wave_->close(now_ps(), werr);
        if (pf_.err.empty() && !werr.empty()) pf_.err = werr;
        std::string gerr = write_gtkw_save(c.wave_path, "nic.nic_top");
        if (pf_.err.empty() && !gerr.empty()) pf_.err = gerr;
    }
    finished_ = true;
    sc_core::sc_stop();
}

// A fresh SystemC simulation context per run, so that several runs in one process
// (scenario, then software baseline) never share kernel state.
struct ScContextGuard {
    sc_core::sc_simcontext *prev;
    sc_core::sc_simcontext *mine;
    ScContextGuard()
    {
        prev = sc_core::sc_curr_simcontext;
        mine = new sc_core::sc_simcontext();
        sc_core::sc_curr_simcontext = mine;
        sc_core::sc_default_global_context = mine;
    }
    ~ScContextGuard()
    {
        delete mine;
        sc_core::sc_curr_simcontext = prev;
        sc_core::sc_default_global_context = prev;
    }
};

// Driver environment: register access and costs.
struct DriverGlue {
    Platform *pf;
    NicBase *nic;
};

void glue_csr_write(void *ctx, uint32_t addr, uint32_t val)
{
    auto *g = static_cast<DriverGlue *>(ctx);
    if (!g->pf->running) {
        g->nic->direct_csr_write(addr, val);
        return;
    }
    // Writes to a CPU's own receive queue and vector leave at the end of its driver call. The
    // transmit ring is shared by every CPU under the driver's lock: its doorbells leave in
    // program order at the time of the call, so they can never overtake one another.
    bool shared_tx_ring = addr >= kCsrTxQueue && addr < kCsrTxQueue + 0x40;
    if (g->pf->defer && !shared_tx_ring) {
        g->pf->defer->push_back(CsrWrite{0, addr, val});
        return;
    }
    g->pf->csr_queue.push_back(CsrWrite{sc_now_ps(), addr, val});
    g->pf->csr_event->notify(sc_core::SC_ZERO_TIME);
}

uint32_t glue_csr_read(void *ctx, uint32_t addr)
{
    auto *g = static_cast<DriverGlue *>(ctx);
    if (!g->pf->running) return g->nic->direct_csr_read(addr);
    g->pf->err = "driver read a NIC register during the run (not modelled)";
    return 0;
}

struct UpperGlue {
    Platform *pf;
};

uint64_t glue_rx(void *user, const drv_rx_frame *f)
{
    auto *u = static_cast<UpperGlue *>(user);
    Platform &pf = *u->pf;
    if (f->queue >= pf.queue_rows.size() || pf.queue_rows[f->queue].empty()) {
        pf.err = "driver handed up a frame the NIC did not report";
        return 0;
    }
    uint64_t idx = pf.queue_rows[f->queue].front();
    pf.queue_rows[f->queue].pop_front();
    LogRow &r = pf.rows[idx - pf.rows_base];
    if (r.len != f->len) {
        char b[160];
        snprintf(b, sizeof b, "frame %" PRIu64 ": NIC reported %u bytes, driver read %u", r.frame_no, r.len, f->len);
        pf.err = b;
        return 0;
    }
    r.cpu = f->cpu;
    r.done = true;
    pf.frames_delivered++;
    pf.res->delivered_bytes += f->len;
    uint64_t cycles = 0;
    if (f->cpu >= 0 && f->cpu < NS_MAX_CPUS) pf.res->cpu_frames[f->cpu]++;
    if (pf.host_pcap) {
        struct pcap_pkthdr h;
        uint64_t ns = sc_now_ps() / kPsPerNs;
        h.ts.tv_sec = (time_t)(ns / 1000000000ull);
        h.ts.tv_usec = (suseconds_t)(ns % 1000000000ull);  // nanosecond pcap
        h.caplen = h.len = f->len;
        pcap_dump((u_char *)pf.host_pcap, &h, f->data);
    }
    hs_rx_frame hf;
    hf.data = f->data;
    hf.len = f->len;
    hf.hash = f->hash;
    hf.hash_type = f->hash_type;
    hf.csum = f->csum;
    hf.queue = f->queue;
    hf.cpu = f->cpu;
    cycles += hs_rx(pf.stack, &hf, sc_now_ps() / kPsPerNs);
    return cycles;
}

// The stack sends (ACKs, window updates) through the driver's transmit ring.
uint64_t glue_tx(void *user, int cpu, const uint8_t *frame, uint32_t len)
{
    auto *pf = static_cast<Platform *>(user);
    int64_t c = drv_tx(pf->drv, cpu, frame, len);
    if (c < 0) {
        pf->tx_ring_full++;
        return 0;
    }
    return (uint64_t)c;
}

// Driver operations are priced by the cost profile (the op names are profile keys) and booked
// into the stack's per-CPU, per-kind accounts.
uint64_t glue_cost(void *user, int cpu, int op, uint64_t count)
{
    auto *u = static_cast<UpperGlue *>(user);
    int kind = op == DRV_OP_ISR ? HS_K_INTERRUPT : op == DRV_OP_DPC ? HS_K_DPC : HS_K_DRIVER;
    uint64_t c = hs_cost_cycles(&u->pf->cost, drv_op_name(op), count);
    hs_charge(u->pf->stack, cpu, kind, c);
    return c;
}

template <class V> int run_width(Platform &pf, rp_replay *rp)
{
    ScContextGuard guard;
    sc_core::sc_report_handler::set_actions(sc_core::SC_INFO, sc_core::SC_DO_NOTHING);
    sc_core::sc_report_handler::set_actions(sc_core::SC_WARNING, sc_core::SC_DO_NOTHING);
    const ns_config &c = *pf.cfg;
    sc_core::sc_event csr_event("csr_event"), cpu_idle_event("cpu_idle_event");
    pf.csr_event = &csr_event;
    pf.cpu_idle_event = &cpu_idle_event;

    std::vector<HostCpu *> cpu_ptrs;
    std::vector<std::unique_ptr<HostCpu>> cpus;
    for (int i = 0; i < c.cpus; i++) {
        char n[32];
        snprintf(n, sizeof n, "cpu%d", i);
        cpus.emplace_back(new HostCpu(n, pf, i));
        cpu_ptrs.push_back(cpus.back().get());
    }
    auto source = std::make_unique<TraceSource>("trace_source", rp);
    auto nic = std::make_unique<Nic<V>>("nic", pf, cpu_ptrs);
    nic->src(*source);
    nic->total_frames = rp_total_frames(rp);
    if (!nic->open_wave(pf.err)) return -1;

    // Bring-up: reset, then the driver initialises the NIC through its registers.
    nic->reset();
    if (nic->direct_csr_read(kCsrId) != kNicId) {
        pf.err = "NIC identification register mismatch";
        return -1;
    }
    drv_config dc;
    drv_config_defaults(&dc);
    dc.cpus = c.cpus;
    dc.rss_enable = c.rss_enable;
    dc.rx_queues = c.rss_enable ? c.rss_queues : 1;
    memcpy(dc.rss_key, c.rss_key, sizeof dc.rss_key);
    dc.hash_types = c.rss_hash_types;
    dc.table_size = c.table_size;
    memcpy(dc.table, c.table, sizeof dc.table);
    dc.csum_offload = c.csum_offload;
    dc.rx_ring_entries = c.rx_ring_entries;
    dc.rx_buf_bytes = c.rx_buf_bytes;
    dc.tx_ring_entries = c.tx_ring_entries;
    dc.irq_mod_frames = (uint16_t)c.irq_moderation_frames;
    dc.irq_mod_time_ns = (uint32_t)(c.irq_moderation_us * 1000.0 + 0.5);
    dc.dpc_budget = c.dpc_budget;
    DriverGlue dg{&pf, nic.get()};
    drv_hw_ops hw{glue_csr_write, glue_csr_read, &dg};
    UpperGlue ug{&pf};
    drv_callbacks cb{glue_rx, glue_cost, &ug};
    char derr[256];
    if (drv_open(&pf.drv, &dc, &hw, &pf.dmem, &cb, derr, sizeof derr) < 0) {
        pf.err = std::string("driver: ") + derr;
        return -1;
    }
    pf.queue_rows.assign(NS_MAX_QUEUES, std::deque<uint64_t>());
    pf.running = true;

    auto w0 = std::chrono::steady_clock::now();
    sc_core::sc_start();
    pf.res->wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - w0).count();
    pf.running = false;
    if (source->failed() && pf.err.empty()) pf.err = source->error();
    if (!nic->finished() && pf.err.empty()) pf.err = "simulation stopped before the trace was replayed";
    uint64_t parsed = pf.res->frames_rx - nic->fifo_overflow();
    if (pf.err.empty() && nic->csr_rx_frames() != (uint32_t)parsed) {
        char b[160];
        snprintf(b, sizeof b, "NIC counted %u frames but reported %" PRIu64, nic->csr_rx_frames(), parsed);
        pf.err = b;
    }
    ns_results &res = *pf.res;
    res.cpus = c.cpus;
    res.cpu_mhz = pf.cost.v[HS_C_CPU_MHZ];
    for (int i = 0; i < c.cpus && i < NS_MAX_CPUS; i++) res.cpu_busy_cycles[i] = cpus[i]->busy_cycles;
    res.nvectors = std::min(drv_vector_count(pf.drv), NS_MAX_VECTORS);
    res.tx_frames = nic->tx_frames();
    res.tx_bytes = nic->tx_bytes();
    res.frames_delivered = pf.frames_delivered;
    res.frames_pending = pf.frames_pending;
    pcie_stats ps;
    pcie_get_stats(pf.bus, &ps);
    if (res.sim_time_ps) {
        res.pcie_write_busy_pct = 100.0 * (double)ps.up_busy_ps / (double)res.sim_time_ps;
        res.pcie_read_busy_pct = 100.0 * (double)ps.down_busy_ps / (double)res.sim_time_ps;
    }
    pf.fifo_overflow = nic->fifo_overflow();
    pf.fifo_peak = nic->fifo_peak();
    drv_stats ds;
    drv_get_stats(pf.drv, &ds);
    if (pf.err.empty() && ds.bad_completion) pf.err = "driver found malformed completions";
    drv_close(pf.drv);
    pf.drv = nullptr;
    return pf.err.empty() ? 0 : -1;
}

void add_counter(ns_counter *arr, int *n, const char *name, uint64_t v)
{
    if (*n < NS_MAX_COUNTERS) arr[(*n)++] = ns_counter{name, v};
}

}  // namespace

void Platform::write_row(const LogRow &r)
{
    static const char *const l3n[4] = {"other", "ipv4", "ipv6", "?"};
    static const char *const l4n[4] = {"none", "tcp", "udp", "other"};
    static const char *const drops[5] = {"host", "drop:no_descriptor", "drop:completion_ring_full",
                                         "drop:rx_fifo_overflow", "pending"};
    char hbuf[16] = "";
    if (r.drop == 3) {  // never reached the parser: no classification
        fprintf(plog, "%" PRIu64 ",%" PRIu64 ".%03u,%u,,,,,,,,%s\n", r.frame_no, r.start_ps / kPsPerNs,
                (unsigned)(r.start_ps % kPsPerNs), r.len, drops[3]);
        return;
    }
    if (r.hash_type != RSS_HT_NONE) snprintf(hbuf, sizeof hbuf, "0x%08x", r.hash);
    const char *htn = rss_hash_type_name(r.hash_type);
    char cpu[16] = "";
    if (r.cpu >= 0) snprintf(cpu, sizeof cpu, "%d", r.cpu);
    fprintf(plog, "%" PRIu64 ",%" PRIu64 ".%03u,%u,%s,%s,%s,%s,%u,%s,%s,%s\n", r.frame_no,
            r.start_ps / kPsPerNs, (unsigned)(r.start_ps % kPsPerNs), r.len, l3n[r.l3 & 3],
            l4n[r.l4 & 3], htn ? htn : "?", hbuf, r.queue, ns_csum_name(r.csum), cpu,
            drops[r.drop < 5 ? r.drop : 0]);
}

void Platform::flush_rows()
{
    while (!rows.empty() && rows.front().done) {
        if (plog) write_row(rows.front());
        rows.pop_front();
        rows_base++;
    }
}

extern "C" int ns_run(const ns_config *cfg, ns_results *res, char *err, size_t errlen)
{
    std::memset(res, 0, sizeof *res);
    setenv("SYSTEMC_DISABLE_COPYRIGHT_MESSAGE", "1", 0);
    if (cfg->data_width != 64 && cfg->data_width != 512) {
        snprintf(err, errlen, "nic.data_width %d is not built (64 or 512)", cfg->data_width);
        return -2;
    }
    if (!cfg->trace_path) {
        snprintf(err, errlen, "no trace given");
        return -2;
    }
    if (pcie_config_check(&cfg->pcie, err, errlen) < 0) return -2;
    // clock_mhz, link_gbps, cpu_mhz, ... in the ranges that keep the ps conversions below exact
    if (ns_config_check(cfg, err, errlen) < 0) return -2;
    if (!(cfg->clock_mhz > 0) || !(cfg->link_gbps > 0)) {
        snprintf(err, errlen, "nic.clock_mhz and nic.link_gbps must be set (ns_config_finalize)");
        return -2;
    }
    if (cfg->cpus < 1 || cfg->cpus > NS_MAX_CPUS) {
        snprintf(err, errlen, "host.cpus %d is not in 1..%d", cfg->cpus, NS_MAX_CPUS);
        return -2;
    }
    rp_replay *rp = nullptr;
    int rc = rp_open(&rp, cfg, err, errlen);
    if (rc < 0) return rc;

    Platform pf;
    pf.cfg = cfg;
    pf.res = res;
    pf.plog = cfg->packet_log;
    pf.mem.assign((size_t)cfg->memory_mb << 20, 0);
    drv_mem_init(&pf.dmem, pf.mem.data(), Platform::kDmaBase, pf.mem.size());
    pf.bus = pcie_new(&cfg->pcie);
    if (cfg->host_pcap) {
        pf.host_pcap_dead = pcap_open_dead_with_tstamp_precision(DLT_EN10MB, 262144, PCAP_TSTAMP_PRECISION_NANO);
        pf.host_pcap = pf.host_pcap_dead ? pcap_dump_open(pf.host_pcap_dead, cfg->host_pcap) : nullptr;
        if (!pf.host_pcap) {
            snprintf(err, errlen, "%s: cannot write host capture", cfg->host_pcap);
            if (pf.host_pcap_dead) pcap_close(pf.host_pcap_dead);
            pcie_free(pf.bus);
            rp_close(rp);
            return -1;
        }
    }
    // CPU cost profile and the host stack
    char cerr[512];
    const char *prof = cfg->cost_profile[0] ? cfg->cost_profile : "xeon-2006";
    rc = strchr(prof, '/') || strstr(prof, ".profile") ? hs_cost_load(&pf.cost, prof, cerr, sizeof cerr)
                                                        : hs_cost_builtin(&pf.cost, prof, cerr, sizeof cerr);
    if (rc < 0) {
        snprintf(err, errlen, "host.cost_profile: %s", cerr);
        pcie_free(pf.bus);
        rp_close(rp);
        return -2;
    }
    if (cfg->cpu_mhz > 0) pf.cost.v[HS_C_CPU_MHZ] = cfg->cpu_mhz;
    hs_config hc = cfg->stack;
    hc.cpus = cfg->cpus;
    hc.csum_offload = cfg->csum_offload;
    memcpy(hc.rss_key, cfg->rss_key, sizeof hc.rss_key);
    hc.streams_dir = cfg->streams_dir;
    ns_addr hosts[NS_MAX_HOSTS];
    hc.host_count = rp_hosts(rp, hosts, NS_MAX_HOSTS);
    for (int i = 0; i < hc.host_count && i < HS_MAX_HOSTS; i++) {
        hc.hosts[i].family = hosts[i].family;
        memcpy(hc.hosts[i].a, hosts[i].a, 16);
    }
    if (hs_create(&pf.stack, &hc, &pf.cost, glue_tx, &pf, cerr, sizeof cerr) < 0) {
        snprintf(err, errlen, "host stack: %s", cerr);
        pcie_free(pf.bus);
        rp_close(rp);
        return -2;
    }
    if (pf.plog) fputs("frame,time_ns,len,l3,l4,hash_type,hash,queue,csum,cpu,path\n", pf.plog);
    try {
        rc = cfg->data_width == 64 ? run_width<Vnic_top_w64>(pf, rp) : run_width<Vnic_top_w512>(pf, rp);
    } catch (const std::exception &e) {
        pf.err = std::string("simulation kernel: ") + e.what();
        rc = -1;
    }
    if (pf.host_pcap) pcap_dump_close(pf.host_pcap);
    if (pf.host_pcap_dead) pcap_close(pf.host_pcap_dead);
    if (pf.stack) {
        hs_get_stats(pf.stack, &res->stack);  // before close: close hands over queued data uncharged
        char serr[512];
        if (hs_close(pf.stack, serr, sizeof serr) < 0 && rc == 0) {
            pf.err = std::string("host stack: ") + serr;
            rc = -1;
        }
        pf.stack = nullptr;
    }
    snprintf(res->cost_profile_name, sizeof res->cost_profile_name, "%s", pf.cost.name);
    res->tx_ring_full = pf.tx_ring_full;
    if (rc == 0 && pf.dma_errors) {
        snprintf(err, errlen, "NIC accessed %" PRIu64 " bytes outside host memory", pf.dma_errors);
        rc = -1;
    } else if (rc < 0) {
        snprintf(err, errlen, "%s", pf.err.c_str());
    }
    pcie_free(pf.bus);
    if (rc < 0) {
        rp_close(rp);
        return rc;
    }
    snprintf(res->host, sizeof res->host, "%s", rp_host_desc(rp));
    res->linktype = tr_linktype(rp_trace(rp));
    snprintf(res->linktype_name, sizeof res->linktype_name, "%s", tr_linktype_name(rp_trace(rp)));
    const tr_stats *ps = rp_pass_stats(rp);
    res->records = ps->records * cfg->loop;
    res->from_host = rp_from_host(rp);
    res->not_for_host = rp_not_for_host(rp);
    res->queues = cfg->rss_queues;
    res->ndrops = 0;
    add_counter(res->drops, &res->ndrops, "rx_fifo_overflow", pf.fifo_overflow);
    add_counter(res->drops, &res->ndrops, "no_descriptor", pf.drop_no_desc);
    add_counter(res->drops, &res->ndrops, "completion_ring_full", pf.drop_cpl_full);
    add_counter(res->trace, &res->ntrace, "records", ps->records);
    add_counter(res->trace, &res->ntrace, "frames", ps->frames);
    add_counter(res->trace, &res->ntrace, "truncated", ps->truncated);
    add_counter(res->trace, &res->ntrace, "resegmented", ps->resegmented);
    add_counter(res->trace, &res->ntrace, "segments", ps->segments);
    add_counter(res->trace, &res->ntrace, "oversize_dropped", ps->oversize_dropped);
    add_counter(res->trace, &res->ntrace, "unsupported", ps->unsupported);
    add_counter(res->trace, &res->ntrace, "mac_fifo_peak_bytes", pf.fifo_peak);
    if (cfg->wave_path && cfg->wave_from_ps > res->sim_time_ps)
        fprintf(stderr,
                "nicsim: warning: --wave-from is after the end of the simulation (%" PRIu64
                " ns); %s holds no activity\n",
                res->sim_time_ps / kPsPerNs, cfg->wave_path);
    if (ps->truncated)
        fprintf(stderr,
                "nicsim: warning: %s: %" PRIu64
                " records were truncated in the capture (caplen < len); zero-filled and marked "
                "unverifiable\n",
                cfg->trace_path, ps->truncated);
    rp_close(rp);
    return 0;
}
