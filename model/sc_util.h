// SystemC helpers of the model: simulated time in picoseconds, and a fresh simulation context
// per run. Process-global SystemC state is described in nicsim_model.h.
#ifndef NICSIM_SC_UTIL_H
#define NICSIM_SC_UTIL_H

#include <systemc>

#include <cstdint>

extern "C" {
#include "simtime.h"
}

// The kernel's time resolution is SystemC's default, 1 ps: a time's value() is picoseconds.
inline sc_core::sc_time ps_time(uint64_t ps) { return sc_core::sc_time((double)ps, sc_core::SC_PS); }
inline uint64_t sc_now_ps() { return (uint64_t)(sc_core::sc_time_stamp().to_seconds() * 1e12 + 0.5); }

// A fresh SystemC simulation context per run, so that several runs in one process (scenario,
// then software baseline) never share kernel state. Swaps SystemC's two process-global context
// pointers for the lifetime of the guard and restores them after.
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
    ScContextGuard(const ScContextGuard &) = delete;
    ScContextGuard &operator=(const ScContextGuard &) = delete;
};

#endif
