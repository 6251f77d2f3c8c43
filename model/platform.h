// The simulated host platform around the NIC, shared by the port adapters, the CPUs and the
// glue: configuration and results, host memory and bus, driver and stack handles, the
// register path from the CPUs to the NIC, and the packet log.
#ifndef NICSIM_PLATFORM_H
#define NICSIM_PLATFORM_H

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <pcap/pcap.h>

extern "C" {
#include "drv.h"
#include "hostmem.h"
#include "hs.h"
#include "nicsim_model.h"
#include "pcie.h"
#include "membus.h"
#include "netdma.h"
#include "netdma_check.h"
}
#include "packet_log.h"
#include "run_stats.h"
#include "wave.h"

namespace sc_core {
class sc_event;
}

// A register write from a CPU on its way to the NIC (posted; applied at the NIC's next sync).
struct CsrWrite {
    uint64_t at_ps;
    uint32_t addr, val;
};

// The path of register writes from the CPUs to the NIC.
struct CsrPath {
    bool running = false;                    // before the run the driver talks to the NIC directly
    std::deque<CsrWrite> queue;              // posted, in time order
    sc_core::sc_event *event = nullptr;      // notified when the queue gains an entry
    std::vector<CsrWrite> *defer = nullptr;  // set while a CPU runs driver code
};

// Register writes and interrupt vectors of the NetDMA copy engine share the NIC's paths,
// marked: a register address with kEngineCsr set goes to the engine; vector kEngineVec + v is
// the engine's vector v.
constexpr uint32_t kEngineCsr = 0x80000000u;
constexpr unsigned kEngineVec = 1024;

struct Platform {
    const ns_config *cfg = nullptr;
    ns_results *res = nullptr;
    std::string err;  // the first error; the run stops at the next check

    // host memory: one flat region at a 64-bit bus address, and the bus to it
    static constexpr uint64_t kDmaBase = NS_HOST_DMA_BASE;
    hm_region *mem = nullptr;
    pcie_bus *bus = nullptr;
    mb_bus *membus = nullptr;  // host memory bandwidth (NIC DMA, copy engine, CPU copies)
    uint64_t dma_errors = 0;  // bytes the NIC tried to reach outside host memory

    drv_dev *drv = nullptr;
    nd_dev *nd = nullptr;    // the NetDMA provider (nullptr: no engine in use)
    nck *ck = nullptr;       // the ownership checker ([netdma] check)
    int nd_waiters = 0;      // CPUs in a synchronous wait for a copy
    sc_core::sc_event *nd_event = nullptr;  // notified when the engine wrote a completion word
    uint64_t nd_wait_ps = 0; // simulated time spent in those waits
    uint64_t cur_frame = 0;  // the capture record of the frame the stack is processing
    uint64_t cpu_mem_seen = 0; // the stack's memory traffic already booked on host memory
    hs_stack *stack = nullptr;
    hs_cost cost{};
    uint64_t tx_ring_full = 0;

    CsrPath csr;

    // application receive buffers for offloaded connections, free ones by size: (host, bus address)
    std::map<uint32_t, std::vector<std::pair<void *, uint64_t>>> app_bufs;
    std::map<void *, uint64_t> app_buf_dma;
    uint64_t app_buf_failed = 0;  // application buffers host memory had no room for
    bool toe_flushed = false;
    bool link_down = false;  // [events] link down .. link up: frames arriving meanwhile are lost  // end of the trace: offloaded connections were uploaded

    // CPUs
    int busy_cpus = 0;  // CPUs with ISR/DPC work queued or running
    sc_core::sc_event *cpu_idle_event = nullptr;

    std::unique_ptr<PacketLog> log;
    uint64_t frames_delivered = 0, frames_pending = 0;
    uint64_t drop_no_desc = 0, drop_cpl_full = 0;
    uint64_t fifo_peak = 0;  // MAC receive FIFO's peak fill, bytes

    // latency (run_stats.h): every delivered frame, per queue, per connection (creation number)
    LatencySet lat_all;
    std::vector<LatencySet> lat_queue = std::vector<LatencySet>(NS_MAX_QUEUES);
    std::vector<LatencySet> lat_conn;
    uint64_t vector_cycles[NS_MAX_VECTORS] = {};  // ISR/DPC cycles per interrupt vector
    uint64_t call_cycles0[NS_MAX_CPUS] = {};      // the stack's cycles of each CPU when its
                                                  // current driver call began
    std::unique_ptr<TimeSeries> ts;               // --stats-interval; null when off

    // application latency: frames waiting for the application to consume their last new byte
    struct AppPending {
        uint64_t last_bit_ps;
        uint64_t row;  // packet log row (absolute index)
        uint8_t queue;
    };
    struct ConnApp {
        uint32_t incarnation = 0;
        bool have_ref = false;
        uint32_t ref32 = 0;  // a recent sequence number and its 64-bit stream position
        uint64_t ref64 = 0;
        std::multimap<uint64_t, AppPending> pending;  // by the stream position of the frame's end
    };
    std::vector<ConnApp> app_conn;
    LatencySet lat_app_all;
    std::vector<LatencySet> lat_app_queue = std::vector<LatencySet>(NS_MAX_QUEUES);
    std::vector<LatencySet> lat_app_conn;
    struct ConsEvent {
        uint64_t conn, end64, t_ps;
    };
    std::vector<ConsEvent> cons_events;  // consumptions during the current hs_rx call

    // waveform window: [wave_from_ps, wave_to_ps] (to 0: the end); with --wave-frame it ends
    // kWaveFrameMargin after the frame is done
    static constexpr uint64_t kWaveFrameMarginPs = 1000000;  // 1 us
    uint64_t wave_from_ps = 0, wave_to_ps = 0;
    WaveWriter *wave = nullptr;
    bool wave_frame_done = false;
    // A frame's fate is known at t_ps (dropped, or the stack finished it).
    void frame_done(uint64_t frame_no, uint64_t t_ps)
    {
        if (!wave || !cfg->wave_frame || frame_no != cfg->wave_frame || wave_frame_done) return;
        wave_frame_done = true;
        wave->set_end(t_ps + kWaveFrameMarginPs);
    }

    // outputs
    pcap_dumper_t *host_pcap = nullptr;
    pcap_dumper_t *tx_pcap = nullptr;
    uint64_t host_pcap_t0_ns = 0;  // capture time at simulated time 0 (rp_start_ts_ns)

    void fail(const std::string &e)
    {
        if (err.empty()) err = e;
    }
};

// NetDMA: reads cpu's channel completion word and retires its finished copies (the stack's
// hs_netdma_done for each). Returns the cycles it cost (charged to the stack already).
uint64_t glue_netdma_poll(Platform &pf, int cpu);
// The CPUs' own memory traffic (copies, checksums, application reads) since the last call,
// booked on host memory at t0_ps (called when each CPU call's cycles are spent).
void glue_cpu_memory(Platform &pf, uint64_t t0_ps);

#endif
