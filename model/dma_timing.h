// How a DMA port's transfers are timed and counted: the NIC's reads and writes cross the PCIe
// link (model/pcie.h) and then host memory (model/membus.h); the copy engine in the chipset
// reaches host memory directly. The ports (port_dma_read.h, port_dma_write.h) move the bytes;
// a DmaTiming says when and books them.
#ifndef NICSIM_DMA_TIMING_H
#define NICSIM_DMA_TIMING_H

#include <algorithm>
#include <cstdint>

#include "platform.h"

extern "C" {
#include "membus.h"
#include "pcie.h"
}

class DmaTiming {
  public:
    virtual ~DmaTiming() = default;
    virtual uint32_t read_tags() const = 0;
    // A read of len bytes at addr requested at now: the time its first byte arrives, and then
    // one byte per *ps_per_byte.
    virtual uint64_t read(uint64_t now_ps, uint64_t addr, uint32_t len, double *ps_per_byte) = 0;
    virtual bool write_ready(uint64_t now_ps) const = 0;
    // A write burst of bytes at addr completed at now (its bytes are in host memory already).
    virtual void write(uint64_t now_ps, uint64_t addr, uint32_t bytes) = 0;
    // Observers (the NetDMA ownership checker): bytes delivered from a read, bytes written.
    virtual void read_data(uint64_t, uint32_t) {}
    virtual bool observe_writes() const { return false; }
    virtual void wrote(uint64_t, uint32_t) {}

  protected:
    // A read of len bytes booked on host memory at now: memory serves it from the request on,
    // so its first byte is there `len` bytes' worth of bandwidth before the booking ends.
    static uint64_t memory_first_byte(mb_bus *mb, int agent, uint64_t now_ps, uint32_t len)
    {
        uint64_t done = mb_book(mb, agent, now_ps, len);
        uint64_t span = (uint64_t)((double)len * mb_ps_per_byte(mb));
        return done > now_ps + span ? done - span : now_ps;
    }
};

// The NIC: PCIe link timing, then host memory (contention with the copy engine and the CPUs).
class PcieTiming : public DmaTiming {
  public:
    explicit PcieTiming(Platform &pf) : pf_(pf) {}
    uint32_t read_tags() const override { return pf_.cfg->pcie.read_tags; }
    uint64_t read(uint64_t now_ps, uint64_t, uint32_t len, double *ps_per_byte) override
    {
        uint64_t first = pcie_read(pf_.bus, now_ps, len, ps_per_byte);
        pf_.res->dma_read_bytes += len;
        // its first byte can not cross the link before memory had it
        if (pf_.membus) first = std::max(first, memory_first_byte(pf_.membus, MB_NIC_READ, now_ps, len));
        return first;
    }
    bool write_ready(uint64_t now_ps) const override { return pcie_write_ready(pf_.bus, now_ps); }
    void write(uint64_t now_ps, uint64_t, uint32_t bytes) override
    {
        pcie_write(pf_.bus, now_ps, bytes);
        pf_.res->dma_write_bytes += bytes;
        if (pf_.membus) mb_book(pf_.membus, MB_NIC_WRITE, now_ps, bytes);
    }

  private:
    Platform &pf_;
};

#endif
