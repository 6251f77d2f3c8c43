// The Verilated NIC (--cc) as a SystemC module: clocked in a tight loop, one adapter per port
// (line RX, receive result, line TX, DMA read, DMA write, registers, interrupts). A cycle is
// every adapter's drive(), the model's evaluation with the clock low, every adapter's sample(),
// then the rising edge. The loop syncs with SystemC once per quantum, at each interrupt and
// never past a CPU's horizon, and jumps over idle gaps (idle skipping: docs/architecture.md).
#ifndef NICSIM_NIC_H
#define NICSIM_NIC_H

#include "verilated.h"
#include "verilated_fst_c.h"

#include <systemc>

#include <algorithm>
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include <unistd.h>

#include "engine.h"
#include "host_cpu.h"
#include "nic_clock.h"
#include "platform.h"
#include "port_csr.h"
#include "port_dma_read.h"
#include "port_dma_write.h"
#include "port_irq.h"
#include "port_line_rx.h"
#include "port_line_tx.h"
#include "port_rx_result.h"
#include "sc_util.h"
#include "trace_source.h"
#include "wave.h"

extern "C" {
#include "nic_hw.h"
}

// What the driver glue needs of the NIC whatever its width: register access before the run.
class NicBase {
  public:
    virtual ~NicBase() = default;
    virtual void direct_csr_write(uint32_t addr, uint32_t val) = 0;
    virtual uint32_t direct_csr_read(uint32_t addr) = 0;
    virtual void reset() = 0;
};

template <class V> class Nic : public sc_core::sc_module, public NicBase {
  public:
    sc_core::sc_port<FrameSourceIf> src;

    SC_HAS_PROCESS(Nic);
    Nic(sc_core::sc_module_name name, Platform &pf, std::vector<HostCpu *> &cpus)
        : sc_module(name), pf_(pf), cpus_(cpus), ctx_(new VerilatedContext), model_(make_model(pf, ctx_.get())),
          m_(*model_), line_rx_(m_, pf, clk_, src), result_(m_, pf, clk_, line_rx_.inflight()), line_tx_(m_, pf, clk_),
          pcie_t_(pf), dma_rd_(m_, pf, clk_, pcie_t_), dma_wr_(m_, pf, clk_, pcie_t_), csr_(m_, pf), irq_(m_, pf, clk_)
    {
        clk_.period_ps = ns_period_ps(pf.cfg->clock_mhz);
        if (pf.cfg->wave_path) {
            wave_.reset(new WaveWriter(pf.cfg->wave_path, pf.wave_from_ps, pf.wave_to_ps));
            model_->trace(wave_->fst(), 99);
            pf.wave = wave_.get();
        }
        SC_THREAD(run);
    }

    bool open_wave(std::string &err)
    {
        if (wave_ && pf_.cfg->wave_scope[0] && !select_wave_scope(err)) return false;
        return !wave_ || wave_->open(err);
    }

    void reset() override
    {
        m_.rst = 1;
        idle_inputs();
        for (int i = 0; i < 4; i++) tick();
        m_.rst = 0;
        tick();
    }

    void direct_csr_write(uint32_t addr, uint32_t val) override
    {
        csr_.write(addr, val);
        tick();
        csr_.idle();
    }

    uint32_t direct_csr_read(uint32_t addr) override
    {
        uint32_t v = 0;
        if (!csr_.read_direct(addr, [this] { tick(); }, [this] { settle(); }, [this] { edge(); }, &v))
            pf_.fail("NIC did not answer a register read");
        return v;
    }

    uint64_t clocked() const { return clk_.clocked; }
    uint64_t fifo_overflow() const { return line_rx_.overflow(); }
    uint64_t link_down_drops() const { return line_rx_.link_down(); }
    uint64_t fifo_peak() const { return line_rx_.peak(); }
    uint64_t tx_frames() const { return line_tx_.frames(); }
    uint64_t tx_bytes() const { return line_tx_.bytes(); }
    uint32_t csr_rx_frames() const { return csr_rx_frames_; }
    bool finished() const { return finished_; }
    uint64_t total_frames = 0;
    // The NetDMA copy engine, clocked from this loop (nullptr: none).
    void set_engine(Engine *e) { eng_ = e; }

  private:
    Platform &pf_;
    std::vector<HostCpu *> &cpus_;
    int ev_next_ = 0;  // the next scenario event ([events]) to fire
    Engine *eng_ = nullptr;
    uint64_t eng_cmpl_seen_ = 0;  // the engine's completion writes when the loop last looked
    std::unique_ptr<VerilatedContext> ctx_;
    std::unique_ptr<V> model_;
    V &m_;
    std::unique_ptr<WaveWriter> wave_;
    NicClock clk_;
    LineRxPort<V> line_rx_;
    RxResultPort<V> result_;
    LineTxPort<V> line_tx_;
    PcieTiming pcie_t_;
    DmaReadPort<V> dma_rd_;
    DmaWritePort<V> dma_wr_;
    CsrPort<V> csr_;
    IrqPort<V> irq_;
    uint32_t csr_rx_frames_ = 0;
    int nd_polls_ = 0;
    bool finished_ = false;
    std::chrono::steady_clock::time_point wall0_, last_progress_;

    // --wave-scope: dump only the named blocks (instance names under nic_top, with or without
    // their "_inst" suffix; "ports": nic_top's own ports). The names are checked against the
    // hierarchy of a probe model dumped to a temporary file.
    bool select_wave_scope(std::string &err)
    {
        std::vector<std::string> blocks;
        if (!probe_blocks(blocks, err)) return false;
        std::string list = pf_.cfg->wave_scope;
        size_t pos = 0;
        while (pos <= list.size()) {
            size_t comma = list.find(',', pos);
            std::string name = list.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
            pos = comma == std::string::npos ? list.size() + 1 : comma + 1;
            if (name == "ports") {
                wave_->fst()->dumpvars(1, "nic.nic_top");
                continue;
            }
            std::string inst;
            for (const std::string &b : blocks)
                if (b == name || b == name + "_inst") inst = b;
            if (inst.empty()) {
                err = "--wave-scope: no block '" + name + "' in the NIC (blocks: ports";
                for (const std::string &b : blocks) err += ", " + b;
                err += ")";
                return false;
            }
            wave_->fst()->dumpvars(99, "nic.nic_top." + inst);
        }
        return true;
    }

    // The instance names directly under nic_top, from a throw-away model's trace hierarchy.
    static bool probe_blocks(std::vector<std::string> &out, std::string &err)
    {
        const char *dir = getenv("TMPDIR");
        std::string tmpl = std::string(dir && *dir ? dir : "/tmp") + "/nicsim-scope-XXXXXX.fst";
        std::vector<char> path(tmpl.begin(), tmpl.end());
        path.push_back('\0');
        int fd = mkstemps(path.data(), 4);
        if (fd < 0) {
            err = "--wave-scope: cannot create a temporary file in " + std::string(dir && *dir ? dir : "/tmp");
            return false;
        }
        close(fd);
        {
            VerilatedContext ctx;
            ctx.threads(1);
            ctx.traceEverOn(true);
            V probe(&ctx, "nic");
            VerilatedFstC t;
            probe.trace(&t, 99);
            t.open(path.data());
            t.close();
        }
        bool ok = read_fst_blocks(path.data(), "nic.nic_top", out);
        unlink(path.data());
        if (!ok) err = "--wave-scope: cannot read the NIC's hierarchy";
        return ok;
    }

    static V *make_model(const Platform &pf, VerilatedContext *ctx)
    {
        ctx->threads(1);  // the model is single-threaded: no idle worker threads per run
        if (pf.cfg->wave_path) ctx->traceEverOn(true);
        return new V(ctx, "nic");
    }

    uint64_t now_ps() const { return clk_.now_ps(); }

    void idle_inputs()
    {
        m_.s_axis_rx_tvalid = 0;
        m_.s_axis_rx_tlast = 0;
        m_.s_axis_rx_tuser = 0;
        csr_.idle();
        m_.m_axis_rxmeta_tready = 1;
        m_.m_dma_rd_req_ready = 0;
        m_.s_dma_rd_cpl_valid = 0;
        m_.m_dma_wr_ready = 0;
        m_.m_axis_tx_tready = 1;
        m_.s_now_ns = ns_ns_from_ps(now_ps());
    }

    void dump(uint64_t t) { if (wave_) wave_->dump(t); }
    void settle()
    {
        m_.clk = 0;
        m_.eval();
        dump(now_ps());
    }
    void edge()
    {
        m_.clk = 1;
        m_.eval();
        dump(now_ps() + clk_.period_ps / 2);
        clk_.cycle++;
        clk_.clocked++;
    }
    void tick()
    {
        settle();
        edge();
    }

    // One clock cycle with every port served.
    void cycle_step()
    {
        m_.s_now_ns = ns_ns_from_ps(now_ps());
        result_.drive();
        line_tx_.drive();
        line_rx_.drive();
        dma_rd_.drive();
        dma_wr_.drive();
        settle();
        line_rx_.sample();
        result_.sample();
        dma_rd_.sample();
        dma_wr_.sample();
        line_tx_.sample();
        irq_.sample();
        edge();
    }

    // Register writes from CPUs, applied in time order at the NIC's sync points.
    void apply_csr_writes()
    {
        CsrWrite w;
        while (csr_.next_due(now_ps(), w)) {
            if (w.addr & kEngineCsr) {  // for the copy engine, at its own clock
                if (eng_) {
                    eng_->run_until(w.at_ps);
                    eng_->write(w.addr & ~kEngineCsr, w.val);
                }
                continue;
            }
            csr_.write(w.addr, w.val);
            cycle_step();
            csr_.idle();
        }
    }

    void deliver_irq(unsigned vec)
    {
        if (vec >= kEngineVec) {
            int cpu = pf_.nd ? nd_vector_cpu(pf_.nd, (int)(vec - kEngineVec)) : -1;
            if (cpu < 0 || cpu >= (int)cpus_.size()) {
                pf_.err = "copy engine raised an interrupt on a vector the provider did not set up";
                return;
            }
            cpus_[cpu]->interrupt((int)vec);
            return;
        }
        int cpu = drv_vector_cpu(pf_.drv, (int)vec);
        if (cpu < 0 || cpu >= (int)cpus_.size()) {
            pf_.err = "NIC raised an interrupt on a vector the driver did not set up";
            return;
        }
        cpus_[cpu]->interrupt((int)vec);
    }

    bool cpus_idle() const { return pf_.busy_cpus == 0; }

    void progress(bool final)
    {
        if (!pf_.cfg->progress) return;
        auto now = std::chrono::steady_clock::now();
        if (!final && now - last_progress_ < std::chrono::milliseconds(500)) return;
        last_progress_ = now;
        double el = std::chrono::duration<double>(now - wall0_).count();
        uint64_t done = pf_.res->frames_rx + line_rx_.overflow();
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
        for (unsigned v : irq_.pending()) deliver_irq(v);  // at their simulated time
        irq_.pending().clear();
        if (eng_) {
            for (unsigned v : eng_->irq_pending()) deliver_irq(kEngineVec + v);
            eng_->irq_pending().clear();
            // CPUs waiting for a copy (synchronous NetDMA waits) look again now
            if (eng_->timing().cmpl_writes != eng_cmpl_seen_) {
                eng_cmpl_seen_ = eng_->timing().cmpl_writes;
                if (pf_.nd_waiters) pf_.nd_event->notify();
            }
        }
        sc_core::wait(sc_core::SC_ZERO_TIME);
        synced_ps = now_ps();
        pf_.log->flush();
        if (pf_.ts) pf_.ts->flush(sc_now_ps());  // no event can come before SystemC time
    }

    // How far the NIC may run before it must sync: the quantum, and no CPU's horizon.
    uint64_t run_limit(uint64_t synced_ps, uint64_t quantum_ps) const
    {
        uint64_t lim = synced_ps + quantum_ps;
        for (const HostCpu *c : cpus_) lim = std::min(lim, c->horizon_ps);
        return lim;
    }

    // Resumes after waiting in SystemC: the NIC's clock catches up with SystemC time.
    void resume(uint64_t &synced_ps, uint64_t &limit_ps, uint64_t quantum_ps)
    {
        synced_ps = sc_now_ps();
        clk_.cycle = std::max(clk_.cycle, clk_.cycle_at(synced_ps));
        limit_ps = run_limit(synced_ps, quantum_ps);
    }

    // The time of the next thing that can happen while the NIC is idle; NS_TIME_NEVER if none.
    uint64_t next_event_ps(bool more, const rp_frame *next) const
    {
        uint64_t next_ps = NS_TIME_NEVER;
        if (more) next_ps = next->start_ps;
        if (m_.timer_armed) next_ps = std::min<uint64_t>(next_ps, ns_ps_from_ns(m_.timer_deadline_ns));
        if (!pf_.csr.queue.empty()) next_ps = std::min(next_ps, pf_.csr.queue.front().at_ps);
        if (more && ev_next_ < pf_.cfg->nevents) next_ps = std::min(next_ps, pf_.cfg->events[ev_next_].at_ps);
        if (eng_) next_ps = std::min(next_ps, eng_->next_event_ps());
        return next_ps;
    }

    // The scenario's timed events that are due ([events]): host work runs on CPU 0.
    void fire_events()
    {
        const ns_config &c = *pf_.cfg;
        while (ev_next_ < c.nevents && c.events[ev_next_].at_ps <= now_ps()) {
            int kind = c.events[ev_next_++].kind;
            Platform &pf = pf_;
            if (kind == NS_EV_LINK_DOWN) pf_.link_down = true;
            if (kind == NS_EV_LINK_UP) pf_.link_down = false;
            pf_.res->events_fired++;
            cpus_[0]->job([&pf, kind]() -> uint64_t {
                uint64_t now = ns_ns_from_ps(sc_now_ps());
                switch (kind) {
                case NS_EV_CHIMNEY_ENABLED: return hs_chimney_set(pf.stack, 1, 0, now);
                case NS_EV_CHIMNEY_DISABLED: return hs_chimney_set(pf.stack, 0, 0, now);
                case NS_EV_FIREWALL_ON: return hs_firewall_set(pf.stack, 1, 0, now);
                case NS_EV_FIREWALL_OFF: return hs_firewall_set(pf.stack, 0, 0, now);
                case NS_EV_LINK_DOWN: return hs_link_set(pf.stack, 0, 0, now);
                case NS_EV_LINK_UP: return hs_link_set(pf.stack, 1, 0, now);
                default: return 0;
                }
            });
        }
    }

    void run()
    {
        const ns_config &c = *pf_.cfg;
        wall0_ = last_progress_ = std::chrono::steady_clock::now();
        // quantum_cycles is at least 1 (the scenario's range); 0 would mean "sync every cycle"
        const uint64_t quantum_ps = (uint64_t)(c.quantum_cycles ? c.quantum_cycles : 1) * clk_.period_ps;
        uint64_t synced_ps = sc_now_ps();
        clk_.cycle = clk_.cycle_at(synced_ps);
        uint64_t limit_ps = run_limit(synced_ps, quantum_ps);
        for (;;) {
            if (!pf_.err.empty()) break;
            if (c.cancel && *c.cancel) {
                pf_.fail("interrupted");
                break;
            }
            apply_csr_writes();
            if (ev_next_ < c.nevents && pf_.cfg->events[ev_next_].at_ps <= now_ps()) {
                sync(synced_ps);
                fire_events();
                resume(synced_ps, limit_ps, quantum_ps);
            }
            line_rx_.admit();
            if (eng_) {
                // the engine catches up with the NIC's time; its interrupts, and completions a
                // waiting CPU needs, reach the CPUs at this time like the NIC's interrupts
                uint64_t irq0 = eng_->irqs(), cmpl0 = eng_->timing().cmpl_writes;
                eng_->run_until(now_ps() + 1);
                if (eng_->irqs() != irq0 || (pf_.nd_waiters && eng_->timing().cmpl_writes != cmpl0)) {
                    sync(synced_ps);
                    resume(synced_ps, limit_ps, quantum_ps);
                    continue;
                }
            }
            const rp_frame *next = nullptr;
            bool more = src->peek(&next);
            bool nic_idle = m_.idle && line_rx_.inflight().empty() && dma_rd_.empty() && line_rx_.empty();
            if (nic_idle) {
                // Idle skipping: jump to the next event instead of clocking empty cycles.
                uint64_t next_ps = next_event_ps(more, next);
                if (next_ps == NS_TIME_NEVER) {
                    if (cpus_idle() && pf_.nd && hs_netdma_outstanding(pf_.stack) && nd_polls_ < 2) {
                        // end of the trace: copies the engine finished whose completion no
                        // interrupt announced are retired by a poll on each CPU (twice at most:
                        // a copy still outstanding then is an engine that stopped)
                        nd_polls_++;
                        sync(synced_ps);
                        Platform &pf = pf_;
                        for (int k = 0; k < (int)cpus_.size(); k++)
                            cpus_[(size_t)k]->job([&pf, k]() { return glue_netdma_poll(pf, k); });
                        sc_core::wait(*pf_.cpu_idle_event | *pf_.csr.event);
                        resume(synced_ps, limit_ps, quantum_ps);
                        continue;
                    }
                    if (cpus_idle() && !pf_.toe_flushed && hs_toe_busy(pf_.stack)) {
                        // end of the trace: the stack takes its offloaded connections back, so
                        // their data and counters are in the host (charged like any upload,
                        // as when the connections close)
                        pf_.toe_flushed = true;
                        sync(synced_ps);
                        Platform &pf = pf_;
                        cpus_[0]->job([&pf]() { return hs_toe_flush(pf.stack, 0, ns_ns_from_ps(sc_now_ps())); });
                        sc_core::wait(*pf_.cpu_idle_event | *pf_.csr.event);
                        resume(synced_ps, limit_ps, quantum_ps);
                        continue;
                    }
                    if (cpus_idle()) break;  // trace done, NIC drained, CPUs done
                    sync(synced_ps);
                    if (!cpus_idle()) sc_core::wait(*pf_.cpu_idle_event | *pf_.csr.event);
                    resume(synced_ps, limit_ps, quantum_ps);
                    continue;
                }
                if (eng_ && eng_->busy() && next_ps > now_ps() && next_ps < limit_ps) {
                    // only the engine has work: the NIC's clock moves on without evaluating it
                    clk_.cycle = std::max(clk_.cycle + 1, clk_.cycle_at(next_ps));
                    continue;
                }
                if (next_ps > now_ps()) {
                    // hand time to the CPUs; a register write from one of them wakes us early
                    sync(synced_ps);
                    if (next_ps > now_ps()) sc_core::wait(ps_time(next_ps - now_ps()), *pf_.csr.event);
                    resume(synced_ps, limit_ps, quantum_ps);
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
        if (pf_.err.empty()) {
            csr_rx_frames_ = direct_csr_read(NIC_REG_STAT_RX_FRAMES);
            ns_results &r = *pf_.res;
            auto rd64 = [&](uint32_t lo, uint32_t hi) {
                return (uint64_t)direct_csr_read(lo) | (uint64_t)direct_csr_read(hi) << 32;
            };
            r.toe_slots = direct_csr_read(NIC_TOE_SLOTS);
            r.toe_nic_placed_bytes = rd64(NIC_TOE_STAT_PLACED_LO, NIC_TOE_STAT_PLACED_HI);
            r.toe_nic_indicated_bytes = rd64(NIC_TOE_STAT_IND_LO, NIC_TOE_STAT_IND_HI);
            r.toe_nic_acks = direct_csr_read(NIC_TOE_STAT_ACKS);
            r.toe_nic_exceptions = direct_csr_read(NIC_TOE_STAT_EXC);
            r.toe_nic_segments = direct_csr_read(NIC_TOE_STAT_SEGS);
        }
        sync(synced_ps);
        // frames the NIC completed but no DPC processed (a moderation threshold never met)
        uint64_t pend_q[NS_MAX_QUEUES] = {};
        pf_.frames_pending += pf_.log->finish_pending(pend_q, NS_MAX_QUEUES);
        for (int q = 0; q < NS_MAX_QUEUES; q++) pf_.res->queue_stats[q].pending += pend_q[q];
        pf_.log->flush();
        pf_.res->nic_cycles = clk_.clocked;
        pf_.res->sim_time_ps = now_ps();
        progress(true);
        if (wave_) {
            std::string werr;
            wave_->close(now_ps(), werr);
            if (pf_.err.empty() && !werr.empty()) pf_.err = werr;
            std::string dumpfile = c.wave_dumpfile ? c.wave_dumpfile : c.wave_path;
            std::string save = c.wave_save_path ? c.wave_save_path : strip_ext(c.wave_path) + ".gtkw";
            std::string gerr = write_gtkw_save(c.wave_path, dumpfile, save, c.wave_filter_paths, "nic.nic_top");
            if (pf_.err.empty() && !gerr.empty()) pf_.err = gerr;
        }
        finished_ = true;
        sc_core::sc_stop();
    }
};

#endif
