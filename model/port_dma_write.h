// DMA write port (m_dma_wr_*): posted writes, accepted while the bus's posted-write queue has
// room; each strobed byte lands in host memory at once, the burst is timed on the bus
// (DmaTiming) at tlast.
#ifndef NICSIM_PORT_DMA_WRITE_H
#define NICSIM_PORT_DMA_WRITE_H

#include <cstdint>

#include "nic_clock.h"
#include "platform.h"
#include "port_bytes.h"
#include "dma_timing.h"

template <class V> class DmaWritePort {
  public:
    DmaWritePort(V &m, Platform &pf, const NicClock &clk, DmaTiming &t) : m_(m), pf_(pf), clk_(clk), t_(t) {}
    void drive() { m_.m_dma_wr_ready = t_.write_ready(clk_.now_ps()); }
    void sample()
    {
        if (!(m_.m_dma_wr_valid && m_.m_dma_wr_ready)) return;
        uint64_t a = m_.m_dma_wr_addr;
        if (burst_bytes_ == 0) burst_addr_ = a;
        // one look-up per beat; byte by byte only for a beat that leaves host memory
        uint8_t *beat = (uint8_t *)hm_ptr(pf_.mem, a, bytes_per_beat<V>());
        for (unsigned i = 0; i < bytes_per_beat<V>(); i++) {
            if (!lane_set(m_.m_dma_wr_strb, i)) continue;
            uint8_t *p = beat ? beat + i : (uint8_t *)hm_ptr(pf_.mem, a + i, 1);
            if (!p) {
                pf_.dma_errors++;
                continue;
            }
            *p = get_byte(m_.m_dma_wr_data, i);
            burst_bytes_++;
        }
        if (t_.observe_writes()) {  // the checker sees each beat's bytes (strobes may leave holes)
            for (unsigned i = 0; i < bytes_per_beat<V>(); i++)
                if (lane_set(m_.m_dma_wr_strb, i)) {
                    unsigned j = i;
                    while (j + 1 < bytes_per_beat<V>() && lane_set(m_.m_dma_wr_strb, j + 1)) j++;
                    t_.wrote(a + i, j - i + 1);
                    i = j;
                }
        }
        if (m_.m_dma_wr_last) {
            t_.write(clk_.now_ps(), burst_addr_, burst_bytes_);
            burst_bytes_ = 0;
        }
    }

  private:
    V &m_;
    Platform &pf_;
    const NicClock &clk_;
    DmaTiming &t_;
    uint32_t burst_bytes_ = 0;
    uint64_t burst_addr_ = 0;
};

#endif
