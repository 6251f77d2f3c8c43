// The NetDMA copy engine (rtl/netdma_top.v, Verilated as Vnetdma_top) in the chipset: its own
// clock, register port, interrupt vectors and a DMA port on host memory (timed by the memory
// model, not the PCIe link). The NIC's loop (model/nic.h) owns the run: it advances the engine
// to its own time before each of its cycles, and the engine is evaluated only while it has
// work (its `idle` output low, a transfer in flight, or a register access), so an idle engine
// costs nothing per cycle; its clock then jumps, exactly as the NIC's idle skipping does (the
// engine's only timer, interrupt coalescing, compares with the s_now_ns input).
#ifndef NICSIM_ENGINE_H
#define NICSIM_ENGINE_H

#include "Vnetdma_top.h"
#include "verilated.h"

#include <cstdint>
#include <memory>
#include <vector>

#include "dma_timing.h"
#include "nic_clock.h"
#include "platform.h"
#include "port_csr.h"
#include "port_dma_read.h"
#include "port_dma_write.h"
#include "simtime.h"

extern "C" {
#include "netdma_check.h"
}

// The engine's memory port: host memory directly (no PCIe), a fixed access latency, bandwidth
// shared through the memory model; the ownership checker sees every byte it reads and writes.
class MemTiming : public DmaTiming {
  public:
    explicit MemTiming(Platform &pf) : pf_(pf) {}
    static constexpr uint64_t kLatencyPs = 100000;  // 100 ns from request to first byte (docs/netdma.md)
    static constexpr uint32_t kTags = 16;            // reads in flight
    uint32_t read_tags() const override { return kTags; }
    uint64_t read(uint64_t now_ps, uint64_t, uint32_t len, double *ps_per_byte) override
    {
        *ps_per_byte = pf_.membus ? mb_ps_per_byte(pf_.membus) : 0.0;
        uint64_t first = pf_.membus ? memory_first_byte(pf_.membus, MB_ENGINE_READ, now_ps, len) : now_ps;
        return first + kLatencyPs;
    }
    bool write_ready(uint64_t) const override { return true; }
    void write(uint64_t now_ps, uint64_t addr, uint32_t bytes) override
    {
        if (pf_.membus) mb_book(pf_.membus, MB_ENGINE_WRITE, now_ps, bytes);
        for (uint64_t a : cmpl_addrs)
            if (a == addr) cmpl_writes++;
    }
    void read_data(uint64_t addr, uint32_t len) override
    {
        if (pf_.ck) nck_engine_read(pf_.ck, addr, len, now_hint);
    }
    bool observe_writes() const override { return pf_.ck != nullptr; }
    void wrote(uint64_t addr, uint32_t len) override { nck_engine_write(pf_.ck, addr, len, now_hint); }

    uint64_t cmpl_writes = 0;            // completion-word writes seen
    std::vector<uint64_t> cmpl_addrs;    // the channels' completion words
    uint64_t now_hint = 0;               // the engine's time, for the checker's records

  private:
    Platform &pf_;
};

class Engine {
  public:
    explicit Engine(Platform &pf)
        : pf_(pf), ctx_(new VerilatedContext), m_(new Vnetdma_top(make_ctx(ctx_.get()), "netdma")), t_(pf),
          rd_(*m_, pf, clk_, t_), wr_(*m_, pf, clk_, t_), csr_(*m_, pf)
    {
        clk_.period_ps = ns_period_ps(pf.cfg->netdma_clock_mhz);
    }

    void reset()
    {
        m_->rst = 1;
        idle_inputs();
        for (int i = 0; i < 4; i++) tick();
        m_->rst = 0;
        tick();
    }
    void direct_write(uint32_t addr, uint32_t val)
    {
        csr_.write(addr, val);
        tick();
        csr_.idle();
    }
    uint32_t direct_read(uint32_t addr)
    {
        uint32_t v = 0;
        if (!csr_.read_direct(addr, [this] { tick(); }, [this] { settle(); }, [this] { edge(); }, &v))
            pf_.fail("copy engine did not answer a register read");
        return v;
    }

    // Work in flight: the engine must be clocked.
    bool busy() const { return !m_->idle || !rd_.empty(); }
    // The next moment the engine needs the loop: its next edge while busy, its coalescing
    // deadline while idle; NS_TIME_NEVER if neither.
    uint64_t next_event_ps() const
    {
        if (busy()) return clk_.now_ps();
        if (m_->timer_armed) return ns_ps_from_ns(m_->timer_deadline_ns);
        return NS_TIME_NEVER;
    }
    // Clocks the engine through every cycle that starts before t_ps while it has work; an idle
    // engine's clock jumps (nothing changes until an input does or its deadline passes).
    void run_until(uint64_t t_ps)
    {
        for (;;) {
            uint64_t c = clk_.cycle_at(t_ps);
            if (clk_.cycle >= c) return;
            if (!busy()) {
                uint64_t next = m_->timer_armed ? ns_ps_from_ns(m_->timer_deadline_ns) : NS_TIME_NEVER;
                uint64_t nc = next == NS_TIME_NEVER ? c : std::min(c, clk_.cycle_at(next));
                if (nc > clk_.cycle) clk_.cycle = nc;
                if (clk_.cycle >= c) return;
            }
            step();
        }
    }
    // A posted register write from a CPU, at the engine's current time.
    void write(uint32_t addr, uint32_t val)
    {
        csr_.write(addr, val);
        step();
        csr_.idle();
    }
    std::vector<unsigned> &irq_pending() { return irqs_; }
    uint64_t clocked() const { return clk_.clocked; }
    uint64_t busy_cycles() const { return busy_cycles_; }
    uint64_t period_ps() const { return clk_.period_ps; }
    MemTiming &timing() { return t_; }
    uint64_t irqs() const { return nirq_; }

  private:
    Platform &pf_;
    std::unique_ptr<VerilatedContext> ctx_;
    std::unique_ptr<Vnetdma_top> m_;
    NicClock clk_;
    MemTiming t_;
    DmaReadPort<Vnetdma_top> rd_;
    DmaWritePort<Vnetdma_top> wr_;
    CsrPort<Vnetdma_top> csr_;
    std::vector<unsigned> irqs_;
    uint64_t busy_cycles_ = 0, nirq_ = 0;

    static VerilatedContext *make_ctx(VerilatedContext *c)
    {
        c->threads(1);
        return c;
    }
    void idle_inputs()
    {
        csr_.idle();
        m_->m_dma_rd_req_ready = 0;
        m_->s_dma_rd_cpl_valid = 0;
        m_->m_dma_wr_ready = 0;
        m_->s_now_ns = ns_ns_from_ps(clk_.now_ps());
    }
    void settle()
    {
        m_->clk = 0;
        m_->eval();
    }
    void edge()
    {
        m_->clk = 1;
        m_->eval();
        clk_.cycle++;
        clk_.clocked++;
    }
    void tick()
    {
        settle();
        edge();
    }
    void step()
    {
        if (busy()) busy_cycles_++;
        t_.now_hint = clk_.now_ps();
        m_->s_now_ns = ns_ns_from_ps(clk_.now_ps());
        rd_.drive();
        wr_.drive();
        settle();
        rd_.sample();
        wr_.sample();
        if (m_->m_irq_valid) {
            irqs_.push_back(m_->m_irq_vector);
            nirq_++;
        }
        edge();
    }
};

#endif
