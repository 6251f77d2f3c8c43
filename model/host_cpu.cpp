// A simulated host CPU (model/host_cpu.h).
#include "host_cpu.h"

#include <algorithm>

#include "sc_util.h"

HostCpu::HostCpu(sc_core::sc_module_name name, Platform &pf, int id) : sc_module(name), pf_(pf), id_(id)
{
    ps_per_cycle_ = 1e6 / pf.cost.v[HS_C_CPU_MHZ];
    SC_THREAD(run);
}

void HostCpu::interrupt(int v)
{
    if (std::find(pending_.begin(), pending_.end(), v) != pending_.end()) return;
    if (pending_.empty() && jobs_.empty() && !running_) pf_.busy_cpus++;
    pending_.push_back(v);
    work_.notify();
}

// The CPU's current work is done: idle again unless an interrupt or job is waiting.
void HostCpu::work_done()
{
    running_ = false;
    horizon_ps = NS_TIME_NEVER;
    if (pending_.empty() && jobs_.empty()) {
        pf_.busy_cpus--;
        pf_.cpu_idle_event->notify(sc_core::SC_ZERO_TIME);
    }
}

void HostCpu::job(std::function<uint64_t()> fn)
{
    if (pending_.empty() && jobs_.empty() && !running_) pf_.busy_cpus++;
    jobs_.push_back(std::move(fn));
    work_.notify();
}

// Waits for the cycles a driver call cost, then posts the register writes it made: a doorbell
// leaves the CPU when the code that rings it has run (at the end of the call).
void HostCpu::spend(uint64_t cycles)
{
    glue_cpu_memory(pf_, sc_now_ps());
    busy_cycles += cycles;
    uint64_t t = ns_ps_from_real((double)cycles, ps_per_cycle_);
    horizon_ps = ns_time_add(sc_now_ps(), t);
    if (pf_.ts) pf_.ts->cpu_busy(id_, sc_now_ps(), horizon_ps);
    sc_core::wait(ps_time(t));
    if (!deferred_.empty()) {
        uint64_t now = sc_now_ps();
        for (auto &w : deferred_) pf_.csr.queue.push_back(CsrWrite{now, w.addr, w.val});
        deferred_.clear();
        pf_.csr.event->notify(sc_core::SC_ZERO_TIME);
    }
}

// A driver or stack call begins now: the stack's books of this CPU at this point time the
// frames it hands up (latency).
void HostCpu::call_start()
{
    if (id_ < NS_MAX_CPUS) pf_.call_cycles0[id_] = hs_cpu_cycles(pf_.stack, id_);
}

uint64_t HostCpu::call_isr(int v)
{
    pf_.csr.defer = &deferred_;
    call_start();
    uint64_t c = v >= (int)kEngineVec ? nd_isr(pf_.nd, v - (int)kEngineVec) : drv_isr(pf_.drv, v);
    pf_.csr.defer = nullptr;
    if (v >= 0 && v < NS_MAX_VECTORS) pf_.vector_cycles[v] += c;
    return c;
}

uint64_t HostCpu::call_dpc(int v, int *more)
{
    pf_.csr.defer = &deferred_;
    call_start();
    uint64_t c;
    if (v >= (int)kEngineVec) {
        c = nd_dpc(pf_.nd, v - (int)kEngineVec);
        *more = 0;
    } else if (pf_.nd) {
        // one receive batch for NetDMA: one completion poll before it, one doorbell after it
        uint64_t h0 = hs_cpu_cycles(pf_.stack, id_);
        hs_batch_begin(pf_.stack, id_);
        uint64_t h1 = hs_cpu_cycles(pf_.stack, id_);
        c = drv_dpc(pf_.drv, v, more);
        uint64_t h2 = hs_cpu_cycles(pf_.stack, id_);
        hs_batch_end(pf_.stack, id_);
        c += (h1 - h0) + (hs_cpu_cycles(pf_.stack, id_) - h2);
    } else {
        c = drv_dpc(pf_.drv, v, more);
    }
    pf_.csr.defer = nullptr;
    if (v >= 0 && v < NS_MAX_VECTORS) pf_.vector_cycles[v] += c;
    return c;
}

// Runs the host stack's due timers (delayed ACKs) for this CPU.
void HostCpu::run_timers()
{
    // counted busy like a DPC: only if no interrupt or job already made it so
    if (pending_.empty() && jobs_.empty()) pf_.busy_cpus++;
    running_ = true;
    pf_.csr.defer = &deferred_;
    call_start();
    uint64_t c = hs_timer(pf_.stack, id_, ns_ns_from_ps(sc_now_ps()));
    pf_.csr.defer = nullptr;
    spend(c);
    work_done();  // an interrupt or job that arrived meanwhile keeps it busy (run() next)
}

// NetDMA: TCP on this CPU waits for a copy synchronously (DmaSyncCompletionHighThreshold): the
// CPU stays busy, reading the channel's completion word each time the engine writes one, until
// the copy is done; the time it waited is charged as CPU cycles (kind netdma_wait). The NIC's
// loop syncs at every completion word while a CPU waits, so the CPU's next register write is
// still exactly timed.
void HostCpu::netdma_wait()
{
    uint64_t cookie;
    if (!pf_.nd || !hs_netdma_wait_pending(pf_.stack, id_, &cookie)) return;
    uint64_t t0 = sc_now_ps(), polled = 0;
    pf_.nd_waiters++;
    for (;;) {
        pf_.csr.defer = &deferred_;
        call_start();
        uint64_t c = glue_netdma_poll(pf_, id_);
        pf_.csr.defer = nullptr;
        polled += c;
        spend(c);
        if (!hs_netdma_wait_pending(pf_.stack, id_, &cookie)) break;
        horizon_ps = NS_TIME_NEVER;  // the loop stops at each completion word instead
        sc_core::wait(*pf_.nd_event);
    }
    pf_.nd_waiters--;
    uint64_t waited = sc_now_ps() - t0;
    pf_.nd_wait_ps += waited;
    uint64_t all = (uint64_t)((double)waited / ps_per_cycle_);
    uint64_t cycles = all > polled ? all - polled : 0;  // the polls are charged already
    busy_cycles += cycles;
    hs_netdma_waited(pf_.stack, id_, cycles);
    if (pf_.ts) pf_.ts->cpu_busy(id_, t0, sc_now_ps());
}

void HostCpu::run()
{
    for (;;) {
        while (pending_.empty() && jobs_.empty()) {
            // a timer beyond the representable time never fires: wait for work as if none
            uint64_t t_ps = ns_ps_from_ns(hs_next_timer_cpu_ns(pf_.stack, id_));
            if (t_ps == NS_TIME_NEVER) {
                horizon_ps = NS_TIME_NEVER;
                sc_core::wait(work_);
                continue;
            }
            if (t_ps > sc_now_ps()) {
                horizon_ps = t_ps;  // no register write before the timer fires
                sc_core::wait(ps_time(t_ps - sc_now_ps()), work_);
                continue;
            }
            run_timers();
        }
        running_ = true;
        if (!jobs_.empty()) {
            auto fn = std::move(jobs_.front());
            jobs_.pop_front();
            pf_.csr.defer = &deferred_;
            call_start();
            uint64_t c = fn();
            pf_.csr.defer = nullptr;
            spend(c);
            work_done();
            continue;
        }
        int v = pending_.front();
        pending_.pop_front();
        spend(call_isr(v));
        int more = 1;
        while (more) {
            more = 0;
            spend(call_dpc(v, &more));
            netdma_wait();
            if (more && !pending_.empty()) {  // re-queue behind the other DPCs
                pending_.push_back(v);
                break;
            }
        }
        work_done();
    }
}
