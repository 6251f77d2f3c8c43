// One simulated host CPU: a SystemC thread that runs the ISRs and DPCs of the interrupt vectors
// it owns and the host stack's timers, waiting the cycles each driver/stack call reports.
#ifndef NICSIM_HOST_CPU_H
#define NICSIM_HOST_CPU_H

#include <systemc>

#include <cstdint>
#include <deque>
#include <functional>
#include <vector>

#include "platform.h"

class HostCpu : public sc_core::sc_module {
  public:
    SC_HAS_PROCESS(HostCpu);
    HostCpu(sc_core::sc_module_name name, Platform &pf, int id);
    // An interrupt message for vector v (owned by this CPU). Immediate notification: the CPU
    // starts its ISR in the current evaluation phase and publishes its horizon before the NIC
    // runs on.
    void interrupt(int v);
    // Host work that is not an interrupt (a timed scenario event such as netsh, the end-of-run
    // uploads): runs on this CPU like a DPC, after the work already queued; fn returns the
    // cycles it cost (charged to the stack by fn itself).
    void job(std::function<uint64_t()> fn);
    uint64_t busy_cycles = 0;
    // Lookahead: this CPU makes no register write before this time (end of its current driver
    // call; NS_TIME_NEVER when idle). The NIC never runs past the earliest horizon, so posted
    // writes always reach it at their exact time, whatever the quantum.
    uint64_t horizon_ps = UINT64_MAX;

  private:
    Platform &pf_;
    int id_;
    double ps_per_cycle_;
    std::deque<int> pending_;
    std::deque<std::function<uint64_t()>> jobs_;
    bool running_ = false;
    sc_core::sc_event work_;
    std::vector<CsrWrite> deferred_;

    void spend(uint64_t cycles);
    void work_done();
    void call_start();
    uint64_t call_isr(int v);
    uint64_t call_dpc(int v, int *more);
    void run_timers();
    void netdma_wait();
    void run();
};

#endif
