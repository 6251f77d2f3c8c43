// The simulated host platform around the NIC: host memory, bus, driver, CPUs, outputs.
// Shared by the Nic module (which serves DMA against it) and the HostCpu threads.
#ifndef NICSIM_PLATFORM_H
#define NICSIM_PLATFORM_H

#include <cstdint>
#include <deque>
#include <string>
#include <vector>

#include <pcap/pcap.h>

extern "C" {
#include "drv.h"
#include "hs.h"
#include "nicsim_model.h"
#include "pcie.h"
}

namespace sc_core {
class sc_event;
}

// One row of the packet log, completed when the frame's fate is known.
struct LogRow {
    uint64_t frame_no = 0;
    uint64_t start_ps = 0;
    uint32_t len = 0;
    uint8_t l3 = 0, l4 = 0, hash_type = 0, csum = 0, queue = 0, drop = 0;
    uint32_t hash = 0;
    int cpu = -1;
    bool done = false;
};

// A register write from a CPU on its way to the NIC (posted; applied at the NIC's next sync).
struct CsrWrite {
    uint64_t at_ps;
    uint32_t addr, val;
};

struct Platform {
    const ns_config *cfg = nullptr;
    ns_results *res = nullptr;
    std::string err;

    // host memory: one flat region at a 64-bit bus address
    static constexpr uint64_t kDmaBase = 0x100000000ull;
    std::vector<uint8_t> mem;
    drv_mem dmem{};
    pcie_bus *bus = nullptr;
    drv_dev *drv = nullptr;
    hs_stack *stack = nullptr;
    hs_cost cost{};
    uint64_t tx_ring_full = 0;

    // register traffic: before the run the driver talks to the NIC directly
    bool running = false;
    std::deque<CsrWrite> csr_queue;
    sc_core::sc_event *csr_event = nullptr;  // notified when csr_queue gains an entry
    std::vector<CsrWrite> *defer = nullptr;   // set while a CPU runs driver code

    // CPUs
    int busy_cpus = 0;                        // CPUs with ISR/DPC work queued or running
    sc_core::sc_event *cpu_idle_event = nullptr;

    // packet log (rows in arrival order; per-queue FIFOs of rows awaiting the driver)
    FILE *plog = nullptr;
    std::deque<LogRow> rows;
    uint64_t rows_base = 0;                   // index of rows.front()
    std::vector<std::deque<uint64_t>> queue_rows;

    // outputs
    pcap_t *host_pcap_dead = nullptr;
    pcap_dumper_t *host_pcap = nullptr;

    // counters
    uint64_t frames_delivered = 0;
    uint64_t drop_no_desc = 0, drop_cpl_full = 0;
    uint64_t dma_errors = 0;
    uint64_t fifo_overflow = 0, fifo_peak = 0;
    uint64_t frames_pending = 0;

    void flush_rows();
    void write_row(const LogRow &r);
};

#endif
