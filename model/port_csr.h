// Register port (s_csr_*): before the run the driver reaches the NIC directly (a write or read
// takes effect at once, clocking the NIC as needed); during the run CPUs post writes, which the
// NIC applies in time order at its sync points (CsrPath in platform.h).
#ifndef NICSIM_PORT_CSR_H
#define NICSIM_PORT_CSR_H

#include <cstdint>

#include "platform.h"

template <class V> class CsrPort {
  public:
    CsrPort(V &m, Platform &pf) : m_(m), pf_(pf) {}
    void idle()
    {
        m_.s_csr_wr = 0;
        m_.s_csr_rd = 0;
    }
    void write(uint32_t addr, uint32_t val)
    {
        m_.s_csr_addr = addr;
        m_.s_csr_wdata = val;
        m_.s_csr_wr = 1;
    }
    void read(uint32_t addr)
    {
        m_.s_csr_addr = addr;
        m_.s_csr_rd = 1;
    }
    bool rvalid() const { return m_.s_csr_rvalid; }
    // A register read before the run: the request for one cycle (tick), then the device clocked
    // (settle, edge) until it answers, at most 16 cycles; false if it never does.
    template <class Tick, class Settle, class Edge>
    bool read_direct(uint32_t addr, Tick tick, Settle settle, Edge edge, uint32_t *val)
    {
        read(addr);
        tick();
        idle();
        for (int i = 0; i < 16; i++) {
            settle();
            if (rvalid()) {
                *val = rdata();
                return true;
            }
            edge();
        }
        return false;
    }
    uint32_t rdata() const { return m_.s_csr_rdata; }
    // The oldest posted write due at or before now_ps, taken off the queue; false if none.
    bool next_due(uint64_t now_ps, CsrWrite &w)
    {
        auto &q = pf_.csr.queue;
        if (q.empty() || q.front().at_ps > now_ps) return false;
        w = q.front();
        q.pop_front();
        return true;
    }

  private:
    V &m_;
    Platform &pf_;
};

#endif
