/* nicsim simulated system: C ABI between the CLI and the SystemC/Verilator model.
 * Prefix ns_. No global state: every run owns its own context. */
#ifndef NICSIM_MODEL_H
#define NICSIM_MODEL_H
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "drv.h"
#include "hs.h"
#include "nic_hw.h"
#include "pcie.h"

#ifdef __cplusplus
extern "C" {
#endif

#define NS_MAX_QUEUES 64
#define NS_TABLE_MAX 128
#define NS_MAX_HOSTS 16
#define NS_MAX_CPUS 64
#define NS_MAX_VECTORS 65
/* RX queues the Verilated NIC is built with: nic_top's default NUM_RXQ (model/CMakeLists.txt
 * sets only DATA_WIDTH). */
#define NS_NIC_RX_QUEUES 16
#define NS_TOE_SLOTS 1024   /* the Verilated NIC's TCP offload connection slots (nic_top TOE_SLOTS) */
#define NS_MAX_WARNINGS 16
/* GTKWave translate filter files written beside a waveform: WAVE_STEM.KEY.gtkwf */
#define NS_WAVE_FILTERS 4
extern const char *const ns_wave_filter_keys[NS_WAVE_FILTERS];
#define NS_WARNING_LEN 512
#define NS_WAVE_SCOPE_MAX 512 /* --wave-scope, bytes including the NUL */
#define NS_FILTER_MAX 1024  /* [replay] filter: bytes including the terminating NUL */

/* Ranges of the numeric settings (docs/scenarios.md). Each keeps its conversion to integer
 * picoseconds exact and far from overflow: the clock period 1e6/clock_mhz is 500..10^6 ps, a
 * frame's wire time at link_gbps at most 2^32 x 8 x 10^5 ps, a replay gap at most 10^15 ps,
 * an interrupt moderation time at most 10^8 ns. */
#define NS_CLOCK_MHZ_MIN 1.0        /* nic.clock_mhz: 1 MHz .. 2 GHz */
#define NS_CLOCK_MHZ_MAX 2000.0
#define NS_LINK_GBPS_MIN 0.01       /* nic.link_gbps: 10 Mb/s .. 1 Tb/s */
#define NS_LINK_GBPS_MAX 1000.0
#define NS_IRQ_US_MAX 100000.0      /* nic.irq_moderation_us: 0 .. 100 ms */
#define NS_CPU_MHZ_MIN HS_COST_MHZ_MIN  /* host.cpu_mhz: as a profile's cpu_mhz */
#define NS_CPU_MHZ_MAX HS_COST_MHZ_MAX
#define NS_MULTIPLIER_MIN 0.001     /* replay.multiplier: 1000x slower .. 10^6x faster */
#define NS_MULTIPLIER_MAX 1e6
#define NS_MBPS_MIN 0.001           /* replay.mbps: 1 kb/s .. 10 Tb/s (0: off) */
#define NS_MBPS_MAX 1e7
#define NS_PPS_MIN 0.001            /* replay.pps: one frame per 1000 s .. 10^10 per second (0: off) */
#define NS_PPS_MAX 1e10

enum ns_timing { NS_TIMING_RECORDED = 0, NS_TIMING_TOPSPEED = 1 };
enum ns_host_mode { NS_HOST_AUTO = 0, NS_HOST_ANY = 1, NS_HOST_LIST = 2 };

/* One host address, network order; family 4 or 6. A port narrows it to one side of a
 * conversation (loopback captures, where both ends share the address). */
typedef struct ns_addr {
    int family;
    uint8_t a[16];
    uint16_t port;               /* TCP/UDP port, host order; 0 = every port */
} ns_addr;

/* [replay] fix_checksums */
enum ns_fix_csum { NS_FIX_CSUM_OFF = 0, NS_FIX_CSUM_AUTO = 1 };

/* A timed scenario event ([events] in the scenario file; docs/scenarios.md). */
enum ns_event_kind {
    NS_EV_CHIMNEY_ENABLED = 0, /* netsh int ip set chimney ENABLED */
    NS_EV_CHIMNEY_DISABLED,    /* netsh int ip set chimney DISABLED: every offloaded connection uploaded */
    NS_EV_FIREWALL_ON,         /* Windows Firewall turned on: Chimney stops working, connections uploaded */
    NS_EV_FIREWALL_OFF,
    NS_EV_LINK_DOWN,           /* media disconnect: offloaded connections uploaded, frames lost on the link */
    NS_EV_LINK_UP,
    NS_EV_COUNT
};
#define NS_MAX_EVENTS 64
typedef struct ns_event {
    uint64_t at_ps; /* simulated time */
    int kind;       /* enum ns_event_kind */
} ns_event;
/* The event's action as written in a scenario ("netsh int ip set chimney ENABLED", ...). */
const char *ns_event_name(int kind);

typedef struct ns_config {
    /* [nic] */
    int data_width;              /* 64 (default) or 512: bits of the line-side stream */
    double clock_mhz;            /* NIC core clock; 0 (default): ns_config_finalize() picks
                                    156.25 for 64 bits, 250 for wider datapaths */
    double link_gbps;            /* line rate; 0 (default): ns_config_finalize() picks 10, 25,
                                    40 or 100 for 64, 128, 256 or 512 bits */
    uint32_t mtu;                /* IP MTU in bytes (default 1500); bigger frames resegmented or dropped */
    int resegment;               /* 1: re-segment TCP frames above the MTU (default), 0: drop+count */
    int rss_enable;              /* [tcpip] EnableRSS (default 1) */
    uint8_t rss_key[40];         /* default: the Microsoft key */
    uint32_t rss_hash_types;     /* RSS_HT_BIT() mask (default NDIS 6.0 set) */
    int rss_queues;              /* 1..NS_MAX_QUEUES (default 1) */
    int table_size;              /* power of two 1..128 (default 128) */
    uint8_t table[NS_TABLE_MAX]; /* queue per entry (default: round-robin over rss_queues) */
    int csum_offload;            /* [tcpip] EnableChecksumOffload: NIC verifies checksums (default 1) */
    uint32_t rx_fifo_bytes;      /* MAC receive FIFO ahead of the pipeline; overflow drops (default 65536) */
    uint32_t quantum_cycles;     /* temporal-decoupling quantum in NIC cycles (default 1024) */

    /* [replay] */
    int timing;                  /* enum ns_timing (default NS_TIMING_RECORDED) */
    double multiplier;           /* speed multiplier for recorded timing (default 1) */
    double mbps;                 /* if > 0: fixed rate in Mb/s (overrides timing; default 0) */
    double pps;                  /* if > 0: fixed packets per second (overrides timing; default 0) */
    uint32_t loop;               /* play the trace this many times (default 1) */

    /* [scenario] host = auto|any|ADDR[,ADDR...]; ADDR may carry a port: 127.0.0.1:5201,
       [::1]:5201 */
    int host_mode;               /* enum ns_host_mode (default NS_HOST_AUTO) */
    int host_count;
    ns_addr hosts[NS_MAX_HOSTS];

    /* outputs (optional, NULL = off) */
    const char *trace_path;      /* input capture */
    const char *wave_path;       /* .fst or .vcd; a .gtkw save file is written beside it */
    uint64_t wave_from_ps;       /* window start (0 = start) */
    uint64_t wave_to_ps;         /* window end (0 = end of run) */
    FILE *packet_log;            /* CSV, one row per frame the NIC received */
    int progress;                /* 1: progress line on stderr */

    /* appended fields */
    int table_given;             /* 1: table[] came from the user; 0: ns_config_finalize()
                                    fills it round-robin over rss_queues */

    /* host interface (docs/hw-interface.md) */
    pcie_config pcie;            /* [pcie] */
    uint32_t irq_moderation_frames; /* [nic] frames per interrupt (default 8) */
    double irq_moderation_us;    /* [nic] time threshold in us (0 = none; default 50) */
    int cpus;                    /* [host] simulated CPUs (default 2) */
    double cpu_mhz;              /* [host] CPU clock; 0 (default): the cost profile's clock
                                    (2666 for xeon-2006) */
    uint32_t memory_mb;          /* [host] host memory shared with the NIC (default 64) */
    uint32_t rx_ring_entries;    /* [driver] descriptors per RX queue (default 512) */
    uint32_t rx_buf_bytes;       /* [driver] bytes per receive buffer (default 2048) */
    uint32_t tx_ring_entries;    /* [driver] TX descriptors (default 256) */
    uint32_t dpc_budget;         /* [driver] completions per DPC run (default 64) */
    const char *host_pcap;       /* output: frames as the driver read them from host memory */
    const char *tx_pcap;         /* output: frames the NIC sent on the wire */
    int nevents;                 /* timed events, in time order */
    ns_event events[NS_MAX_EVENTS];

    /* host stack (hoststack/hs.h) */
    char cost_profile[512];      /* [host] cost_profile: a built-in name ("xeon-2006", "modern")
                                    or a profile file path (default "xeon-2006") */
    hs_config stack;             /* [tcpip] / [app] settings of the software stack; cpus,
                                    csum_offload, rss_key and hosts are filled by the model */
    const char *streams_dir;     /* output: --save-streams DIR */

    /* output names when the caller writes through temporaries (cli/outfile.h) */
    const char *wave_save_path;  /* the .gtkw file to write (NULL: beside wave_path) */
    const char *wave_dumpfile;   /* the waveform's name inside the .gtkw (NULL: wave_path) */
    /* the GTKWave translate filter files to write, in ns_wave_filter_keys order (NULL: beside
     * the waveform, named WAVE_STEM.KEY.gtkwf; the .gtkw always names those) */
    const char *wave_filter_paths[NS_WAVE_FILTERS];
    /* polled by the run: when *cancel becomes non-zero the run stops at its next sync point
     * and fails with "interrupted" (NULL: never) */
    const volatile sig_atomic_t *cancel;

    /* [replay] fix_checksums = auto|off: repair partial (transmit-offload) TCP/UDP checksums
       of a sender-side capture (enum ns_fix_csum, default auto) */
    int fix_checksums;

    /* time series (--stats-interval, --stats-out): every stats_interval_ps of simulated time
       one CSV row of the interval's counters is written to stats_out (0 / NULL: off) */
    uint64_t stats_interval_ps;
    FILE *stats_out;

    /* [replay] limit, duration, filter (tcpreplay's --limit, --duration and a BPF filter):
       feed at most replay_limit frames (0: all), none that starts on the wire at or after
       replay_duration_ps (0: no limit); only capture records the BPF filter accepts (compiled
       for the capture's link type; "": every record) */
    uint64_t replay_limit;
    uint64_t replay_duration_ps;
    char replay_filter[NS_FILTER_MAX];

    /* waveform window around one frame (--wave-frame N: the 1-based record number of the
       capture, 0 = off; replaces wave_from_ps/wave_to_ps), and the blocks to dump
       (--wave-scope: comma-separated instance names under nic_top, "ports" for nic_top's own
       ports; "" = everything) */
    uint64_t wave_frame;
    char wave_scope[NS_WAVE_SCOPE_MAX];

    /* NetDMA copy engine ([netdma]; docs/netdma.md). The stack's rules are in stack
       (netdma = EnableTCPA, min_dma_bytes, dma_sync_threshold, netdma_break). */
    int netdma_channels;         /* channels the provider uses, 1..NS_NETDMA_CHANNELS (default 4) */
    int netdma_check;            /* 1: the ownership checker runs (default 1) */
    double netdma_clock_mhz;     /* the engine's clock (default 266.67: the FSB-1066 MCH core) */
    uint32_t netdma_ring;        /* descriptors per channel ring (default 1024) */
    double netdma_intr_delay_us; /* interrupt coalescing delay (default 0) */
    /* [host] memory bandwidth shared by the NIC's DMA, the engine and the CPUs' copies, GB/s
       (default 21.3: the 2006 Bensley platform, 4 x FBD-667) */
    double mem_gbps;
} ns_config;

#define NS_HOST_DMA_BASE 0x100000000ull /* bus address of host memory (Platform::kDmaBase) */
#define NS_MEM_AGENTS 5            /* mb_agent (model/membus.h) */
#define NS_NDCK_KINDS 4            /* ownership-checker violation kinds (model/netdma_check.h) */
#define NS_NDCK_LINES 8            /* violations described line by line in the results */
#define NS_NETDMA_CHANNELS 4       /* channels the Verilated engine is built with (netdma_top CHANNELS) */
#define NS_NETDMA_MHZ_MIN 10.0     /* netdma.clock_mhz range */
#define NS_NETDMA_MHZ_MAX 2000.0
#define NS_MEM_GBPS_MIN 0.1        /* host.mem_gbps range */
#define NS_MEM_GBPS_MAX 10000.0

/* Fills cfg with every default (Microsoft key, round-robin table over 1 queue, ...). */
void ns_config_defaults(ns_config *cfg);
/* Recomputes width-dependent defaults (clock, link) that were left at 0, and the
 * indirection table (round-robin over rss_queues) unless table_given. */
void ns_config_finalize(ns_config *cfg);
/* Checks the numeric settings against their ranges (NS_*_MIN/MAX above; clock_mhz, link_gbps
 * and cpu_mhz may be 0 = default, mbps and pps 0 = off) and the stack's settings. 0, or -2
 * with "KEY VALUE is out of range (expected LO..HI)" in err. A last line of defence: the CLI
 * checks every key as it reads it. */
int ns_config_check(const ns_config *cfg, char *err, size_t errlen);

/* The software baseline of cfg: the same run with every offload off, and no outputs (they
 * belong to the run as configured). out may be cfg. */
void ns_config_baseline(const ns_config *cfg, ns_config *out);
/* The offload features, one bit each, in the order the savings split adds them to the
 * software baseline (docs/report.md, savings.by_feature): checksum offload (csum_offload and
 * stack.csum_offload), RSS (rss_enable), NetDMA (stack.netdma, EnableTCPA) and TCP Chimney
 * (stack.chimney, with the [events] that switch it or the firewall). */
enum ns_feature {
    NS_FEAT_CHECKSUM = 1u << 0,
    NS_FEAT_RSS = 1u << 1,
    NS_FEAT_NETDMA = 1u << 2,
    NS_FEAT_CHIMNEY = 1u << 3
};
#define NS_FEATURES 4
#define NS_FEAT_ALL ((1u << NS_FEATURES) - 1)
/* Feature i (bit 1 << i): its report key ("checksum", "rss", "netdma", "chimney") and its
 * name in text ("checksum offload", "RSS", "NetDMA", "TCP Chimney"). */
extern const char *const ns_feature_keys[NS_FEATURES];
extern const char *const ns_feature_names[NS_FEATURES];
/* The features cfg uses (NS_FEAT_* bits). Chimney counts as used when it is on from the start
 * or an [events] netsh ENABLED turns it on. */
unsigned ns_config_features(const ns_config *cfg);
/* Rung k of the ladder from the baseline to a run using `features`: the first k of those
 * features in NS_FEAT order (k = 0: none, the baseline; k >= their number: all of them). */
unsigned ns_ladder_rung(unsigned features, int k);
/* A rung of that ladder: cfg with every offload off except the features in `features`, which
 * keep cfg's settings (a feature cfg does not use stays off). Without NS_FEAT_CHIMNEY the
 * netsh and firewall [events] are dropped (link events stay: they are part of the workload).
 * No outputs, as for the baseline. ns_config_ladder(cfg, 0, out) is ns_config_baseline;
 * out may be cfg. */
void ns_config_ladder(const ns_config *cfg, unsigned features, ns_config *out);
/* The driver's configuration for cfg. */
void ns_driver_config(const ns_config *cfg, drv_config *dc);
/* Bytes of host memory the driver allocates for cfg (host.memory_mb must hold them); 0 when
 * the driver settings are invalid. */
uint64_t ns_mem_required(const ns_config *cfg);
/* 1 if the run may use NetDMA: EnableTCPA and no [host] switch rules it out (hs_netdma_blocker). */
int ns_netdma_wanted(const ns_config *cfg);
/* The NetDMA provider's settings for cfg (driver/netdma.h); memory range left 0 (the model sets it). */
struct nd_config;
void ns_netdma_config(const ns_config *cfg, struct nd_config *ndc);

/* A named counter (drop and error reasons, trace statistics). */
typedef struct ns_counter {
    const char *name;  /* static string, dotted report key below "frames." or "trace." */
    uint64_t value;
} ns_counter;

#define NS_MAX_COUNTERS 32

/* Latency of delivered frames: from the frame's last bit on the wire (start + preamble, frame
 * padded to 60 bytes, FCS at the link rate) to the moment the host stack finished processing
 * it (docs/report.md, "latency"). Percentiles are exact (nearest rank over every sample). */
typedef struct ns_latency {
    uint64_t count;
    int64_t min_ps, p50_ps, p90_ps, p99_ps, max_ps;
    double mean_ps;
} ns_latency;

/* One receive queue (docs/report.md, "queues"). */
typedef struct ns_queue_stats {
    uint64_t frames, bytes;       /* frames the driver handed up from this queue, their bytes */
    uint64_t cycles;              /* CPU cycles of the ISRs and DPCs of the queue's vector */
    uint64_t drop_no_desc, drop_cpl_full; /* frames the NIC dropped on this queue */
    uint64_t pending;             /* completed, never processed when the run ended */
    ns_latency latency;
    ns_latency app_latency;       /* to the application (docs/report.md, "app_latency") */
} ns_queue_stats;

/* One connection of the host stack (hs_conn_stats) with its frames' latency. */
typedef struct ns_conn_result {
    hs_conn_stats st;
    ns_latency latency;
    ns_latency app_latency;
} ns_conn_result;

typedef struct ns_results {
    /* sim.* */
    uint64_t nic_cycles;      /* cycles the RTL was actually clocked */
    uint64_t sim_time_ps;     /* simulated time at the end of the run */
    double wall_s;            /* wall-clock seconds of the simulation loop */
    /* selection */
    char host[128];           /* the host address(es) used ("any" or the list) */
    int linktype;             /* capture's libpcap DLT */
    char linktype_name[32];
    /* frames.* */
    uint64_t records;         /* records read from the capture (all loops) */
    uint64_t frames_rx;       /* frames the NIC received */
    uint64_t rx_bytes;        /* their bytes */
    uint64_t from_host;       /* frames the host itself sent in the capture (not fed) */
    uint64_t not_for_host;    /* frames neither to nor from the host (not fed) */
    uint64_t queue_frames[NS_MAX_QUEUES];
    int queues;
    uint64_t hash_type_frames[7];
    uint64_t csum_frames[NIC_CSUM_COUNT];
    /* drops and other named counters; every drop reason has one, zero or not */
    int ndrops;
    ns_counter drops[NS_MAX_COUNTERS];
    int ntrace;
    ns_counter trace[NS_MAX_COUNTERS];

    /* host interface */
    uint64_t frames_delivered;   /* frames the driver handed up */
    uint64_t delivered_bytes;    /* their bytes */
    uint64_t frames_pending;     /* completed by the NIC, never processed by a DPC (moderation
                                    threshold not met when the run ended) */
    uint64_t dma_read_bytes, dma_write_bytes;
    double pcie_read_busy_pct;   /* host->NIC direction busy, % of simulated time */
    double pcie_write_busy_pct;  /* NIC->host direction busy */
    uint64_t irq_count;
    int nvectors;
    uint64_t irq_per_vector[NS_MAX_VECTORS];
    uint64_t tx_frames, tx_bytes;  /* frames the NIC transmitted on the line */
    uint64_t toe_acks;             /* ... of which ACKs the TCP offload engine generated */
    uint64_t events_fired;         /* [events] fired (the others came after the end of the trace) */
    /* TCP offload engine (frames.* and toe.*) */
    uint64_t toe_placed_frames;      /* frames whose payload the NIC placed in posted buffers */
    uint64_t toe_placed_frame_bytes; /* their frame bytes */
    uint64_t toe_consumed_frames;    /* frames the NIC absorbed (pure ACKs, duplicates) */
    uint64_t toe_consumed_frame_bytes; /* their frame bytes */
    uint64_t toe_marked_frames;      /* frames handed up marked with an offloaded connection */
    uint32_t toe_slots;              /* the NIC's connection slots */
    uint64_t toe_nic_placed_bytes, toe_nic_indicated_bytes, toe_nic_acks, toe_nic_exceptions,
        toe_nic_segments;            /* the NIC's own statistics registers, read after the run */
    int cpus;
    double cpu_mhz;
    uint64_t cpu_busy_cycles[NS_MAX_CPUS];
    uint64_t cpu_frames[NS_MAX_CPUS];  /* frames each CPU's DPCs handed up */
    hs_stats stack;              /* the host stack's counters and cycle breakdown */
    char cost_profile_name[64];
    uint64_t tx_ring_full;       /* frames the stack could not send: TX ring full */
    /* warnings about the run (one line each, without "nicsim: warning: "), printed by the
     * caller; the last one says so when more were dropped */
    int nwarnings;
    char warnings[NS_MAX_WARNINGS][NS_WARNING_LEN];

    /* latency of every delivered frame, per queue, per connection */
    ns_latency latency;
    ns_latency app_latency;      /* frames whose payload the application consumed */
    ns_queue_stats queue_stats[NS_MAX_QUEUES];
    uint64_t nconns;             /* entries of conns */
    ns_conn_result *conns;       /* malloc'd by ns_run (NULL if none); ns_results_free */
    uint64_t stats_rows;         /* time-series rows written (--stats-interval) */
    uint64_t filtered;           /* frames [replay] filter rejected (all passes) */

    /* host memory (model/membus.h): bytes each agent moved, and the time its transfers waited
       for bandwidth (mb_agent order: nic_read, nic_write, engine_read, engine_write, cpu) */
    double mem_gbps;
    uint64_t mem_bytes[NS_MEM_AGENTS];
    uint64_t mem_wait_ps[NS_MEM_AGENTS];
    /* NetDMA copy engine (netdma.*) */
    int netdma_channels;          /* channels the provider used; 0: no engine */
    uint64_t netdma_cycles;       /* engine cycles evaluated (busy or serving a register write) */
    uint64_t netdma_busy_cycles;  /* engine cycles with work in flight (its idle output low) */
    uint64_t netdma_engine_cycles;/* engine clock cycles over the run (its clock x sim time) */
    uint64_t netdma_irqs;         /* interrupt messages the engine raised */
    uint64_t netdma_cmpl_writes;  /* completion words it wrote */
    uint64_t netdma_descriptors, netdma_doorbells, netdma_polls, netdma_isr, netdma_dpc,
        netdma_ring_full, netdma_errors, netdma_resets; /* the provider's counters (nd_stats) */
    uint64_t netdma_wait_ps;      /* simulated time CPUs spent in synchronous waits */
    /* ownership checker ([netdma] check) */
    int netdma_checked;           /* 1: the checker ran */
    uint64_t netdma_violations;   /* violations found (any kind) */
    uint64_t netdma_violation_kind[NS_NDCK_KINDS];
    int nviolation_lines;
    char violation_lines[NS_NDCK_LINES][NS_WARNING_LEN]; /* the first ones, one line each */
} ns_results;

/* Host memory for the application buffers of offloaded connections, beyond memory_mb: every
 * slot's posted buffers (touched only as used). 0 when Chimney is off. */
uint64_t ns_toe_buffer_bytes(const ns_config *cfg);

/* Frees what ns_run allocated in res (conns) and clears those fields; res itself stays. */
void ns_results_free(ns_results *res);

/* Process-global state. Each run owns its simulation: its own SystemC simulation context, its
 * own VerilatedContext and model, host memory, driver and stack; nothing of one run survives it,
 * and runs one after another in one process give the results they give alone (CTest
 * model_two_runs). What ns_run does touch that belongs to the process:
 *   - SystemC's two current-context pointers (sc_curr_simcontext, sc_default_global_context)
 *     are pointed at the run's fresh context for its duration and restored after it;
 *   - SystemC's report handler actions for SC_INFO and SC_WARNING are set to "do nothing"
 *     (a static table of the library, left so: nicsim prints no SystemC reports);
 *   - the environment variable SYSTEMC_DISABLE_COPYRIGHT_MESSAGE is set to 1 if unset.
 * Hence ns_run is not reentrant: two runs must not overlap in threads of one process (run
 * them in processes, as the software baseline could be). */

/* Runs one simulation of cfg over cfg->trace_path. Returns 0 on success, a negative
 * code with a one-line message in err on failure: -2 bad input (a configuration the model
 * rejects, a cost profile or trace that cannot be read), -1 the run itself failed. Warnings are returned in res->warnings;
 * nothing is printed (except the progress line when cfg->progress is set). */
int ns_run(const ns_config *cfg, ns_results *res, char *err, size_t errlen);

#ifdef __cplusplus
}
#endif
#endif
