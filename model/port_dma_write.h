// DMA write port (m_dma_wr_*): posted writes, accepted while the bus's posted-write queue has
// room; each strobed byte lands in host memory at once, the burst is timed on the bus at tlast.
#ifndef NICSIM_PORT_DMA_WRITE_H
#define NICSIM_PORT_DMA_WRITE_H

#include <cstdint>

#include "nic_clock.h"
#include "platform.h"
#include "port_bytes.h"

template <class V> class DmaWritePort {
  public:
    DmaWritePort(V &m, Platform &pf, const NicClock &clk) : m_(m), pf_(pf), clk_(clk) {}
    void drive() { m_.m_dma_wr_ready = pcie_write_ready(pf_.bus, clk_.now_ps()); }
    void sample()
    {
        if (!(m_.m_dma_wr_valid && m_.m_dma_wr_ready)) return;
        uint64_t a = m_.m_dma_wr_addr;
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
        if (m_.m_dma_wr_last) {
            pcie_write(pf_.bus, clk_.now_ps(), burst_bytes_);
            pf_.res->dma_write_bytes += burst_bytes_;
            burst_bytes_ = 0;
        }
    }

  private:
    V &m_;
    Platform &pf_;
    const NicClock &clk_;
    uint32_t burst_bytes_ = 0;
};

#endif
