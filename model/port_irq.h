// Interrupt port (m_irq_valid/m_irq_vector): a one-cycle pulse per MSI-X-style message,
// sampled before the clock edge. Messages are counted at once and handed to the CPU that owns
// the vector when the NIC next syncs with SystemC (at the message's simulated time).
#ifndef NICSIM_PORT_IRQ_H
#define NICSIM_PORT_IRQ_H

#include <vector>

#include "nic_clock.h"
#include "platform.h"

template <class V> class IrqPort {
  public:
    IrqPort(V &m, Platform &pf, const NicClock &clk) : m_(m), pf_(pf), clk_(clk) {}
    // Returns true when a message was raised this cycle.
    bool sample()
    {
        if (!m_.m_irq_valid) return false;
        unsigned vec = m_.m_irq_vector;
        pf_.res->irq_count++;
        if (pf_.ts) pf_.ts->irq(clk_.now_ps());
        if (vec < NS_MAX_VECTORS) pf_.res->irq_per_vector[vec]++;
        pending_.push_back(vec);
        return true;
    }
    // Messages raised and not yet handed to a CPU (the caller clears it).
    std::vector<unsigned> &pending() { return pending_; }

  private:
    V &m_;
    Platform &pf_;
    const NicClock &clk_;
    std::vector<unsigned> pending_;
};

#endif
