/* nicsim host TCP/IP stack (software receive path), application model and CPU cost model.
 * Plain C11, no SystemC/Verilator headers. Prefix hs_. No global mutable state: every
 * hs_stack owns everything it uses, so several stacks in one process never interfere.
 *
 * Errors: functions that can fail return 0 or a negative HS_E* code and write a one-line
 * message into a buffer the caller owns (err, errlen; err may be NULL).
 * Byte order: addresses are network order (as on the wire); ports, sequence numbers and
 * lengths in the API are host order.
 * Time: simulated nanoseconds (uint64_t, "now_ns"); cycles: CPU cycles of the cost profile's
 * cpu_mhz clock (hs_ns_to_cycles / hs_cycles_to_ns convert). */
#ifndef NICSIM_HS_H
#define NICSIM_HS_H
#include <stddef.h>
#include <stdint.h>

#include "nic_hw.h"

#ifdef __cplusplus
extern "C" {
#endif

#define HS_MAX_CPUS 64
#define HS_MAX_HOSTS 16
#define HS_PORT_LIST_MAX 12 /* ports per Offload*Ports value (REG_MULTI_SZ, KB 912222) */

/* Why an offloaded connection was uploaded (hs_stats.toe_uploads, hs_conn_stats). */
enum hs_upload_reason {
    HS_UP_FIN = 0,       /* "fin": FIN received (TIME_WAIT follows) */
    HS_UP_RST,           /* "rst" */
    HS_UP_URG,           /* "urg": urgent data */
    HS_UP_SYN,           /* "syn": SYN on an offloaded connection */
    HS_UP_OOO,           /* "ooo": HighOutofOrderPackets */
    HS_UP_CHIMNEY_OFF,   /* "chimney_off": netsh int ip set chimney DISABLED */
    HS_UP_LINK,          /* "link_loss": media disconnect */
    HS_UP_PREFERRED,     /* "preferred": slot taken by an OFFLOAD_PREFERRED connection */
    HS_UP_NIC_REQUEST,   /* "nic_request": UPREQ for another reason */
    HS_UP_RACE,          /* "offload_race": frames arrived while the OFFLOAD was on its way */
    HS_UP_UNMARKED,      /* "unmarked": a frame the NIC could not parse */
    HS_UP_END,           /* "end_of_run": hs_toe_flush */
    HS_UP_COUNT
};
/* Reason name ("fin"), NULL if out of range. */
const char *hs_upload_reason_name(int reason);
/* Offload state of a connection (netstat -t: InHost / Offloaded). */
enum hs_toe_state {
    HS_TOE_IN_HOST = 0,  /* "in_host" */
    HS_TOE_OFFLOADING,   /* "offloading": OFFLOAD sent, not completed */
    HS_TOE_OFFLOADED,    /* "offloaded" */
    HS_TOE_UPLOADING     /* "uploading": UPLOAD sent, not completed */
};
const char *hs_toe_state_name(int state);

enum hs_err {
    HS_OK = 0,
    HS_EINVAL = -1,  /* bad argument or configuration */
    HS_ENOMEM = -2,  /* allocation failed */
    HS_EIO = -3,     /* file could not be read or written */
    HS_EPARSE = -4,  /* malformed profile file */
    HS_ETIME = -5,   /* calibration: no usable clock */
    HS_ESPREAD = -6  /* calibration: a measured cost varies too much between runs */
};

/* ------------------------------------------------------------------------------------------
 * Cost model: named per-operation costs in CPU cycles (per byte costs are fractional).
 * ------------------------------------------------------------------------------------------ */
enum hs_cost_key {
    HS_C_CPU_MHZ = 0,      /* cpu_mhz: core clock, converts cycles <-> time */
    /* driver operations: the names are the driver's op names (drv_op_name) */
    HS_C_ISR,              /* isr: interrupt delivery, entry, ISR body, EOI, exit */
    HS_C_DPC,              /* dpc: DPC dispatch and loop overhead, per DPC run */
    HS_C_RX_COMPLETION,    /* rx_completion: read/decode one RX completion, build the packet descriptor */
    HS_C_RX_REPOST,        /* rx_repost: re-post one RX buffer */
    HS_C_TX_FRAME,         /* tx_frame: build TX descriptors for one frame */
    HS_C_TX_COMPLETION,    /* tx_completion: reclaim one TX completion */
    HS_C_DOORBELL,         /* doorbell: one MMIO register write */
    HS_C_CSR_READ,         /* csr_read: one MMIO register read (a bus round trip) */
    HS_C_COPY_BYTE,        /* copy_byte: per byte the driver copies (TX bounce, RX linearization) */
    /* stack, per packet / per event */
    HS_C_IP_RX,            /* ip_rx: L2 demux and IP receive processing, per frame */
    HS_C_TCP_RX,           /* tcp_rx: TCP receive processing, per segment */
    HS_C_UDP_RX,           /* udp_rx: UDP receive processing, per datagram */
    HS_C_HASH_SW,          /* hash_sw: software Toeplitz of the 4-tuple (no NIC hash) */
    HS_C_LOOKUP,           /* lookup: connection table lookup given the hash (TCB miss included) */
    HS_C_CONN_CREATE,      /* conn_create: allocate and initialise a connection */
    HS_C_REASM_SEG,        /* reasm_seg: queue one segment (out of order, or no app buffer) */
    HS_C_ACK_BUILD,        /* ack_build: build one ACK/window update (the driver's send is extra) */
    HS_C_TIMER,            /* timer: one timer expiry handled */
    HS_C_CHECKSUM_PKT,     /* checksum_pkt: fixed part of one software checksum verification */
    /* per byte */
    HS_C_CHECKSUM_BYTE,    /* checksum_byte: software checksum per byte of received data */
    HS_C_COPY_COLD_BYTE,   /* copy_cold_byte: copy to the app buffer, source not in cache */
    HS_C_COPY_WARM_BYTE,   /* copy_warm_byte: copy to the app buffer, source just read (checksummed) */
    HS_C_APP_BYTE,         /* app_byte: application work per received byte (default; hs_config overrides) */
    /* application events */
    HS_C_APP_RECV,         /* app_recv: one receive completes to the application (wake-up, return) */
    HS_C_BUFFER_POST,      /* buffer_post: the application posts one receive buffer */
    /* TCP Chimney (offloaded connections; docs/cost-model.md) */
    HS_C_TOE_OFFLOAD,      /* toe_offload: initiate offload (state snapshot, command build) */
    HS_C_TOE_UPLOAD,       /* toe_upload: terminate offload and merge the returned state back */
    HS_C_TOE_POST,         /* toe_post: post one application buffer to the NIC */
    HS_C_TOE_BUF,          /* toe_buf: one posted buffer completed by the NIC (no copy) */
    HS_C_TOE_INDICATE,     /* toe_indicate: one indicated data frame (delivered by sequence
                              number, no TCP processing); its copy is copy_cold_byte */
    HS_C_TOE_EXCEPTION,    /* toe_exception: one exception frame held for the upload */
    /* NetDMA (copies by the chipset's engine; docs/netdma.md) */
    HS_C_DMA_DESC,         /* dma_desc: write one copy descriptor */
    HS_C_DMA_POLL,         /* dma_poll: read a channel's completion word (a cache miss) */
    HS_C_DMA_COMPLETION,   /* dma_completion: retire one completed copy */
    HS_C_APP_COLD_BYTE,    /* app_cold_byte: the application's first read of a byte the engine
                              wrote (not in any CPU cache: no DCA in 2006) */
    HS_COST_COUNT
};

#define HS_COST_NOTE_MAX 160

typedef struct hs_cost {
    char name[64];                          /* profile name ("xeon-2006") */
    double v[HS_COST_COUNT];                /* value per key (cycles; cpu_mhz in MHz) */
    char note[HS_COST_COUNT][HS_COST_NOTE_MAX]; /* source comment per key ("" if none) */
} hs_cost;

/* Value ranges of a profile (docs/cost-model.md). They keep every conversion exact: a cost
 * times a count (at most 2^31 bytes for a per-byte key) stays below 2^53 cycles, and cycles
 * times picoseconds per cycle (at most 10^6 at 1 MHz) below 2^64 ps. */
#define HS_COST_MHZ_MIN 1.0      /* cpu_mhz: 1 MHz .. 10 GHz */
#define HS_COST_MHZ_MAX 10000.0
#define HS_COST_OP_MAX 1e7       /* per-operation keys: 0 .. 10^7 cycles */
#define HS_COST_BYTE_MAX 1000.0  /* per-byte keys (names ending in _byte): 0 .. 1000 cycles */

/* 1 if key is a per-byte cost (its name ends in "_byte"). */
int hs_cost_key_per_byte(int key);
/* Upper bound of key's range (lower bound: HS_COST_MHZ_MIN for cpu_mhz, 0 otherwise). */
double hs_cost_key_max(int key);
/* Checks every value against its range. 0, or HS_EINVAL with "KEY: VALUE is out of range
 * (expected LO..HI UNIT)" in err. */
int hs_cost_check(const hs_cost *c, char *err, size_t errlen);

/* Application settings of hs_config: per-byte work at most HS_COST_BYTE_MAX cycles; drain
 * rate 0 (at once) or HS_APP_RATE_MIN..HS_APP_RATE_MAX bytes per second (1 kb/s .. 10 Tb/s). */
#define HS_APP_RATE_MIN 125.0
#define HS_APP_RATE_MAX 1.25e12

/* Key name ("ip_rx"), NULL if out of range. */
const char *hs_cost_key_name(int key);
/* Key number from its name, -1 if unknown. */
int hs_cost_key_from_name(const char *name);
/* Value of the named key, or -1.0 if the name is unknown. The driver's op names
 * (isr, dpc, rx_completion, rx_repost, tx_frame, tx_completion, doorbell, csr_read,
 * copy_byte) are keys, so drv costs are priced with hs_cost_get(c, drv_op_name(op)). */
double hs_cost_get(const hs_cost *c, const char *name);
/* Cycles for `count` occurrences of the named key, rounded to the nearest cycle
 * (0 for an unknown name). */
uint64_t hs_cost_cycles(const hs_cost *c, const char *name, uint64_t count);

/* Parses profile text (format: "key = value  # source", '#' comments, blank lines; the
 * key "name" takes a word; every cost key must appear exactly once). `file` names the source
 * in errors, which read "FILE:LINE: KEY: problem". */
int hs_cost_parse(hs_cost *out, const char *text, const char *file, char *err, size_t errlen);
/* Loads a profile file. */
int hs_cost_load(hs_cost *out, const char *path, char *err, size_t errlen);
/* Writes a profile file that hs_cost_load reads back to the same values. */
int hs_cost_save(const hs_cost *c, const char *path, char *err, size_t errlen);
/* The shipped profiles compiled in from hoststack/profiles/NAME.profile ("xeon-2006",
 * "modern"). hs_cost_builtin(c, NULL, ...) gives the default, xeon-2006. */
int hs_cost_builtin(hs_cost *out, const char *name, char *err, size_t errlen);
/* Names of the built-in profiles, NULL-terminated. */
const char *const *hs_cost_builtin_names(void);

/* The one conversion between time and cycles (cycles at cpu_mhz). */
uint64_t hs_ns_to_cycles(const hs_cost *c, uint64_t ns);
uint64_t hs_cycles_to_ns(const hs_cost *c, uint64_t cycles);

/* ------------------------------------------------------------------------------------------
 * Stack
 * ------------------------------------------------------------------------------------------ */

/* Operation kinds of the cycle breakdown (report: cpu.breakdown). */
enum hs_kind {
    HS_K_INTERRUPT = 0, /* interrupt entry/exit and ISR (charged by the glue via hs_charge) */
    HS_K_DPC,           /* DPC dispatch (glue) */
    HS_K_DRIVER,        /* other driver work: completions, re-posts, doorbells, and the
                           driver's cycles for every frame the stack transmits */
    HS_K_IP_RX,         /* ip_rx per frame */
    HS_K_TCP_RX,        /* tcp_rx per segment, conn_create */
    HS_K_UDP_RX,        /* udp_rx per datagram */
    HS_K_CHECKSUM,      /* software checksum verification (checksum_pkt + checksum_byte) */
    HS_K_HASH,          /* software Toeplitz when the NIC gave no usable hash */
    HS_K_LOOKUP,        /* connection lookup */
    HS_K_REASM,         /* reasm_seg: segments queued out of order or for lack of app buffers */
    HS_K_COPY,          /* copy into application buffers (copy_cold_byte / copy_warm_byte) */
    HS_K_ACK_TX,        /* ack_build for ACKs, window updates, SYN-ACKs */
    HS_K_TIMER,         /* timer expiries */
    HS_K_APP,           /* app_recv + app work per byte */
    HS_K_BUFFER_POST,   /* buffer_post */
    HS_K_OFFLOAD,       /* TCP Chimney: offload, upload, buffer posts to the NIC, buffer
                           completions, indicated frames, exception frames (the copy of
                           indicated bytes is HS_K_COPY) */
    HS_K_NETDMA,        /* NetDMA: descriptors, doorbells, completion polls and retirements,
                           the engine's interrupts and DPCs */
    HS_K_NETDMA_WAIT,   /* NetDMA: CPU busy waiting for a copy (DmaSyncCompletionHighThreshold) */
    HS_K_COUNT
};
/* Kind name ("ip_rx"), NULL if out of range. */
const char *hs_kind_name(int kind);

/* NIC checksum verdict, as in the completion entry. */
enum hs_csum_verdict {     /* the NIC's checksum status codes (NIC_CSUM_*, rtl/nic_hw.h) */
    HS_CSUM_NONE = NIC_CSUM_NONE,            /* not an IP frame / not looked at */
    HS_CSUM_OK = NIC_CSUM_OK,                /* IP header and TCP/UDP checksum verified good */
    HS_CSUM_BAD_IP = NIC_CSUM_BAD_IP,        /* IPv4 header checksum wrong */
    HS_CSUM_BAD_L4 = NIC_CSUM_BAD_L4,        /* TCP/UDP checksum wrong */
    HS_CSUM_UNVERIFIED = NIC_CSUM_UNVERIFIED /* NIC could not verify (fragment, unknown protocol, offload off) */
};

/* One received Ethernet frame (no FCS) with the NIC's metadata. The bytes are valid during
 * the hs_rx call only, unless the stack keeps the frame's receive buffer for NetDMA copies
 * (hs_last_rx_retained): then they stay valid until it gives the buffer back (rx_return), and
 * the stack reads them again only to redo a copy the engine failed. Same content as the
 * driver's drv_rx_frame; the model copies fields. */
typedef struct hs_rx_frame {
    const uint8_t *data;
    uint32_t len;
    uint32_t hash;       /* RSS hash, meaningful if hash_type != 0 */
    uint8_t hash_type;   /* rss_hash_type numbering (rss.h) */
    uint8_t csum;        /* enum hs_csum_verdict */
    uint8_t queue;       /* RX queue (informational) */
    int cpu;             /* CPU doing the receive processing (0 .. cpus-1) */
    uint8_t toe_flags;   /* NIC_CPL_F_TOE_DATA: data the NIC accepted for offloaded connection toe_slot
                            (deliver by sequence number, no TCP processing, no ACK);
                            NIC_CPL_F_TOE_EXC: exception frame of toe_slot, reason toe_reason (NIC_TOE_UP_*):
                            hold it until the connection is uploaded, then process it normally */
    uint8_t toe_reason;
    uint16_t toe_slot;
    /* NetDMA: the bus address of data[0] when the frame lies in one receive buffer the stack
       may keep (0: it may not; the engine then never reads it), and the driver's token for
       that buffer (hs_netdma_if.rx_return) */
    uint64_t dma;
    uint32_t rx_token;
} hs_rx_frame;

/* One host address, network order; family 4 or 6. */
typedef struct hs_addr {
    int family;
    uint8_t a[16];
} hs_addr;

/* A connection as the application sees it: sender -> host. */
typedef struct hs_conn_id {
    int family;          /* 4 or 6 */
    uint8_t src[16];     /* sender address, network order */
    uint8_t dst[16];     /* host address, network order */
    uint16_t sport, dport; /* host order */
} hs_conn_id;

/* Transmit: one complete Ethernet frame (no FCS) the stack sends on `cpu`. Returns the
 * cycles the driver spent sending it (charged to the CPU under HS_K_DRIVER). */
typedef uint64_t (*hs_tx_fn)(void *user, int cpu, const uint8_t *frame, uint32_t len);
/* Optional: bytes the application receives on a connection, in order (a completed receive). */
typedef void (*hs_app_fn)(void *user, const hs_conn_id *conn, const uint8_t *data, size_t len);

typedef struct hs_config {
    int cpus;                      /* simulated CPUs, 1..HS_MAX_CPUS (default 1) */
    int csum_offload;              /* 1: trust the NIC's verdict when it verified (ok/bad);
                                      0: verify every checksum in software (default 1) */
    uint8_t rss_key[40];           /* Toeplitz key for the connection table: must equal the
                                      key programmed into the NIC (default: the Microsoft key) */
    /* host addresses whose frames are accepted (plus multicast/broadcast); 0 = accept all */
    int host_count;
    hs_addr hosts[HS_MAX_HOSTS];
    /* application model, per connection */
    uint32_t recv_buffer_bytes;    /* bytes per posted receive buffer (default 65536) */
    uint32_t posted_buffers;       /* receive buffers kept posted (default 2) */
    double app_cycles_per_byte;    /* application work per byte; < 0: the profile's app_byte (default -1) */
    double app_rate_bytes_per_s;   /* how fast the application drains completed buffers;
                                      0: at once (default) */
    int complete_on_push;          /* 1: a PSH completes the current receive (default 1) */
    /* TCP receive */
    uint32_t rcv_window_bytes;     /* advertised window when nothing waits (default 65535, max 65535) */
    uint32_t ack_every;            /* ACK every Nth full-size segment (default 2; Windows TcpAckFrequency) */
    uint64_t delack_ns;            /* delayed-ACK timer (default 200 ms, the Windows default) */
    uint32_t mss;                  /* full-size segment; 0: SYN's MSS option or largest seen (default 0) */
    uint64_t max_hold_bytes;       /* per-connection cap on queued (not yet copied) bytes; beyond it
                                      segments are dropped and counted (default 64 MiB) */
    /* optional: the largest receive window (bytes, window scale applied) the capture's real
       receiver advertised on connection `conn` (sender -> host), 0 when unknown. New
       out-of-order bytes beyond rcv_nxt + that window are dropped and counted
       (ooo_beyond_real_window_bytes), so a connection holds no more than the real receiver
       could have; NULL or 0: only max_hold_bytes bounds them. Asked once, when the
       connection is created. */
    uint64_t (*peer_window)(void *user, const hs_conn_id *conn);
    void *peer_window_user;
    const char *streams_dir;       /* write each connection's app bytes here; NULL: off */
    hs_app_fn app_data;            /* optional: called with every byte the app receives */
    void *app_user;
    /* optional: the application consumed (and was charged for) the bytes of connection
       conn_index (hs_conn_stats.index) up to, not including, sequence number `seq`, during the
       hs_rx or hs_timer call running on `cpu`; `incarnation` counts the connection's
       re-openings by a new SYN (hs_last_rx_data). Not called for bytes handed over at
       hs_close. */
    void (*app_consumed)(void *user, uint64_t conn_index, uint32_t incarnation, uint32_t seq, int cpu);
    void *consumed_user;
    /* TCP Chimney (docs/scenarios.md [tcpip], [host], [chimney]; docs/references/offload-reference.md) */
    int chimney;                   /* EnableTCPChimney (default 1); netsh: hs_chimney_set */
    uint16_t offload_exclude_dst[HS_PORT_LIST_MAX]; /* OffloadExcludeDestinationPorts */
    uint16_t offload_exclude_src[HS_PORT_LIST_MAX]; /* OffloadExcludeSourcePorts */
    uint16_t offload_include_dst[HS_PORT_LIST_MAX]; /* OffloadIncludeDestinationPorts */
    uint16_t offload_include_src[HS_PORT_LIST_MAX]; /* OffloadIncludeSourcePorts */
    int n_exclude_dst, n_exclude_src, n_include_dst, n_include_src; /* entries used (0..12) */
    /* host features that rule Chimney out (KB 912222): any on -> no offload (hs_chimney_blocker) */
    int windows_firewall, ipsec, ip_nat, third_party_firewall, ndis51_im_driver, bridging;
    int chimney_policy;            /* HS_CHIMNEY_ALWAYS (default) or HS_CHIMNEY_AUTOMATIC */
    /* automatic policy (nicsim's assumptions, configurable): offload a connection once it
       received auto_min_bytes payload bytes, if the link is at least auto_min_link_bps and the
       path RTT at most auto_max_rtt_ns */
    uint64_t auto_min_bytes;       /* default 130000 */
    uint64_t auto_max_rtt_ns;      /* default 20 ms */
    uint64_t auto_min_link_bps;    /* default 10 Gb/s */
    uint64_t link_bps;             /* the NIC's link speed (the model sets it; default 10 Gb/s) */
    uint64_t path_rtt_ns;          /* the connections' round-trip time (scenario; default 0) */
    uint32_t toe_buffer_bytes;     /* bytes per buffer posted to the NIC; 0: recv_buffer_bytes */
    uint32_t toe_posted_buffers;   /* buffers kept posted per offloaded connection, 1..NIC_TOE_BUFS;
                                      0: min(posted_buffers, NIC_TOE_BUFS) */
    /* NetDMA (docs/netdma.md; [tcpip] EnableTCPA, MinPacketSizeToDma,
       DmaSyncCompletionHighThreshold; [netdma]) */
    int netdma;                    /* EnableTCPA (default 1); used only with an engine (hs_set_netdma) */
    uint32_t min_dma_bytes;        /* MinPacketSizeToDma, 128..4096 (default 256) */
    uint32_t dma_sync_threshold;   /* DmaSyncCompletionHighThreshold, 0..87600 (default 0: never wait) */
    int netdma_break;              /* debug: HS_NDB_* breaks the copy ordering on purpose (default 0) */
} hs_config;

/* MinPacketSizeToDma and DmaSyncCompletionHighThreshold ranges (KB 912222). */
#define HS_MIN_DMA_MIN 128
#define HS_MIN_DMA_MAX 4096
#define HS_DMA_SYNC_MAX 87600
/* [netdma] debug_break: ways to break the ordering the ownership checker guards */
enum {
    HS_NDB_NONE = 0,
    HS_NDB_EARLY_COMPLETE, /* "early_complete": complete receives without waiting for their copies */
    HS_NDB_EARLY_RETURN,   /* "early_return": give the receive buffer back to the driver at submit */
    HS_NDB_EARLY_ACCESS,   /* "early_access": the CPU reads a destination right after submit */
    HS_NDB_COUNT
};
const char *hs_netdma_break_name(int b);   /* "none", "early_complete", ... */
void hs_config_defaults(hs_config *c);

/* Chimney policies ([chimney] policy). */
enum { HS_CHIMNEY_ALWAYS = 0, HS_CHIMNEY_AUTOMATIC = 1 };
/* Why the host configuration rules Chimney out ("Windows Firewall is on", ...), NULL if
 * nothing does (EnableTCPChimney itself is not a blocker). */
const char *hs_chimney_blocker(const hs_config *c);
/* Parses a REG_MULTI_SZ port list ("80 443,8080"): ports 1..65535 separated by spaces or
 * commas; at most HS_PORT_LIST_MAX are kept. An incorrect port is ignored and an excess port
 * is ignored, each with a warning through warn (may be NULL) naming the value `name`.
 * Returns the number of ports stored in out. */
int hs_port_list_parse(const char *text, const char *name, uint16_t out[HS_PORT_LIST_MAX],
                       void (*warn)(void *user, const char *msg), void *warn_user);

/* Statistics. All counters are totals since hs_create. */
typedef struct hs_stats {
    int cpus;
    /* cycles */
    uint64_t cpu_cycles[HS_MAX_CPUS];   /* busy cycles per CPU: everything charged to it */
    uint64_t kind_cycles[HS_K_COUNT];   /* cpu.breakdown: cycles per operation kind, all CPUs */
    uint64_t cpu_kind_cycles[HS_MAX_CPUS][HS_K_COUNT]; /* per CPU and kind */
    uint64_t total_cycles;              /* sum over CPUs */
    /* memory traffic caused by the CPU on payload: checksum reads + copy reads and writes
       + application reads (when app work is > 0) */
    uint64_t mem_bytes;
    /* frames */
    uint64_t rx_frames, rx_bytes;       /* frames given to hs_rx and their bytes */
    uint64_t rx_non_ip;                 /* not IPv4/IPv6 (ARP, ...): dropped */
    uint64_t rx_malformed;              /* truncated or inconsistent headers: dropped */
    uint64_t rx_not_for_host;           /* IP destination not a host address: dropped */
    uint64_t rx_ip_fragments;           /* IP fragments: dropped (no IP reassembly) */
    uint64_t rx_other_proto;            /* IP but neither TCP nor UDP: dropped after IP */
    uint64_t bad_cpu;                   /* frames/timers with a CPU out of range (CPU 0 used) */
    /* checksums */
    uint64_t csum_sw_ip;                /* IPv4 header checksums verified in software */
    uint64_t csum_sw_l4;                /* TCP/UDP checksums verified in software */
    uint64_t csum_sw_bytes;             /* bytes summed in software */
    uint64_t csum_hw_trusted;           /* frames whose NIC verdict was used instead */
    uint64_t drop_bad_ip_csum;          /* dropped: bad IPv4 header checksum (sw or NIC) */
    uint64_t drop_bad_l4_csum;          /* dropped: bad TCP/UDP checksum (sw or NIC) */
    uint64_t csum_drops;                /* drop_bad_ip_csum + drop_bad_l4_csum */
    /* connection table */
    uint64_t hash_nic;                  /* lookups using the NIC's RSS hash */
    uint64_t hash_sw;                   /* lookups that computed the hash in software */
    uint64_t hash_mismatch;             /* NIC hash differed from the software one (key mismatch) */
    /* TCP */
    uint64_t tcp_segments;              /* TCP segments accepted past the checksums */
    uint64_t tcp_payload_bytes;         /* their payload bytes */
    uint64_t conns;                     /* connections created (including re-incarnations) */
    uint64_t conns_syn;                 /* ... opened by a SYN or SYN-ACK we saw */
    uint64_t conns_midstream;           /* ... picked up mid-capture (no SYN seen) */
    uint64_t conns_fin;                 /* connections whose FIN was reached in order */
    uint64_t conns_rst;                 /* connections reset */
    uint64_t in_order_segments;         /* data segments starting exactly at rcv_nxt */
    uint64_t ooo_segments;              /* data segments starting beyond rcv_nxt (a gap) */
    uint64_t dup_segments;              /* data segments carrying no new byte */
    uint64_t retrans_bytes;             /* bytes received again (already received or queued) */
    uint64_t beyond_window_bytes;       /* new bytes beyond the advertised window (accepted) */
    uint64_t hold_drop_bytes;           /* new bytes dropped at max_hold_bytes */
    uint64_t ooo_beyond_real_window_bytes; /* new out-of-order bytes dropped beyond rcv_nxt +
                                           the real receiver's window (hs_config.peer_window) */
    uint64_t after_fin_bytes;           /* bytes beyond the FIN: ignored */
    uint64_t rst_discard_bytes;         /* received bytes discarded by a RST */
    uint64_t rst_ignored;               /* RSTs outside the window or for unknown connections */
    uint64_t closed_segments;           /* segments for a reset connection: ignored */
    uint64_t max_queued_bytes;          /* largest in-order backlog waiting for app buffers */
    /* application */
    uint64_t bytes_copied;              /* bytes copied into application buffers (the copy
                                           NetDMA/Chimney remove) */
    uint64_t app_bytes;                 /* bytes the application consumed */
    uint64_t app_receives;              /* receives completed to the application */
    uint64_t buffers_posted;            /* receive buffers posted (initial + re-posts) */
    uint64_t close_delivered_bytes;     /* bytes handed to the app at hs_close without charge */
    uint64_t close_gap_bytes;           /* out-of-order bytes never filled, at hs_close */
    /* transmit */
    uint64_t acks_sent;                 /* ACK frames sent (the reasons below, and toe_nic_acks) */
    uint64_t acks_every_n;              /* ... for every Nth full-size segment */
    uint64_t acks_timer;                /* ... by the delayed-ACK timer */
    uint64_t acks_immediate;            /* ... at once: out of order, duplicate, gap filled, FIN, SYN-ACK */
    uint64_t window_updates;            /* ... because the window opened */
    uint64_t synacks_sent;              /* SYN-ACKs sent for SYNs */
    uint64_t zero_window_acks;          /* ACKs that advertised a zero window */
    uint64_t timers_fired;              /* timer expiries handled */
    /* UDP */
    uint64_t udp_datagrams, udp_bytes;  /* datagrams delivered to the sink and their payload */
    /* streams */
    uint64_t stream_bytes_written;
    uint64_t stream_errors;             /* files that could not be written */
    /* TCP Chimney. The TCP totals above (tcp_segments, tcp_payload_bytes, in_order/ooo/dup
       segments, acks_sent) include what the NIC did for offloaded connections, merged in
       from each UPLOAD's returned counters, so they do not depend on offloading. */
    uint64_t toe_offloaded_now, toe_offloaded_peak; /* connections offloaded */
    uint64_t toe_attempts;              /* OFFLOAD commands sent */
    uint64_t toe_successes;             /* ... completed OK */
    uint64_t toe_refusals;              /* ... refused with RESOURCES (stays in the host) */
    uint64_t toe_no_slot;               /* connections that found every slot in use (the stack
                                           knows the NIC's slot count): not attempted, they stay
                                           in the host and are offloaded when a slot frees */
    uint64_t toe_other_failures;        /* ... other results (EXISTS, DISABLED, BAD) */
    uint64_t toe_uploads[HS_UP_COUNT];  /* uploads by reason (hs_upload_reason_name) */
    uint64_t toe_bytes_placed;          /* payload bytes the NIC placed in posted buffers */
    uint64_t toe_bytes_indicated;       /* payload bytes of indicated (TOE_DATA) frames */
    uint64_t toe_bytes_host;            /* payload bytes processed by the host's TCP */
    uint64_t toe_nic_acks;              /* ACKs the NIC sent (from UPLOAD results) */
    uint64_t toe_buffers_posted;        /* buffers posted to the NIC */
    uint64_t toe_buf_events;            /* BUF events (completed posted buffers) */
    uint64_t toe_exc_frames;            /* exception frames held until the upload */
    uint64_t toe_held_frames;           /* unmarked frames held during OFFLOAD/UPLOAD */
    uint64_t toe_upreqs;                /* UPREQ events */
    uint64_t toe_cmd_busy;              /* commands refused at once (queue full), retried */
    /* NetDMA */
    uint64_t netdma_copies, netdma_bytes; /* copies (and payload bytes) handed to the engine */
    uint64_t netdma_small_bytes;        /* in-order payload below MinPacketSizeToDma: copied by the CPU */
    uint64_t netdma_fallback_bytes;     /* eligible but copied by the CPU (ring full, no buffer address,
                                           engine error) */
    uint64_t netdma_errors;             /* copies the engine failed (redone by the CPU) */
    uint64_t netdma_sync_waits;         /* synchronous waits (space left below DmaSyncCompletionHighThreshold) */
    uint64_t netdma_sync_wait_cycles;   /* CPU cycles spent in them (also in kind netdma_wait) */
    uint64_t netdma_done_poll, netdma_done_irq; /* copies whose completion was seen by poll / interrupt */
    uint64_t netdma_cold_bytes;         /* bytes the application read cold (engine-written) */
    uint64_t netdma_unfinished;         /* copies still outstanding at hs_finish (the model
                                           should drive the engine until hs_netdma_outstanding
                                           is 0 first; their bytes may be missing) */
    uint64_t netdma_conn_chimney;       /* copies avoided because the connection was offloaded
                                           (counted per segment the NIC handled: never NetDMA) */
    char netdma_blocked[96];            /* why NetDMA cannot be used ("" if nothing rules it out) */
    char toe_blocked[96];               /* why Chimney cannot be used (hs_chimney_blocker); "" if
                                           nothing rules it out (a copy: the struct is plain data) */
} hs_stats;

typedef struct hs_stack hs_stack;

/* Creates a stack. cost is copied. tx may be NULL (frames are then dropped, 0 cycles). */
int hs_create(hs_stack **out, const hs_config *cfg, const hs_cost *cost, hs_tx_fn tx,
              void *tx_user, char *err, size_t errlen);
/* End of run: hands every byte waiting in application buffers and in-order socket queues
 * to the application (counted in close_delivered_bytes, not charged) and writes the streams,
 * so that hs_get_stats afterwards sees the final close_* and stream_* counters. Runs once
 * (later calls do nothing); the stack must receive nothing after it. Returns the first
 * stream-writing error. */
int hs_finish(hs_stack *s, char *err, size_t errlen);
/* hs_finish if it has not run, then frees the stack. Returns the first stream-writing error,
 * the stack is freed anyway. */
int hs_close(hs_stack *s, char *err, size_t errlen);
/* Writes the bytes applications received so far to the stream files. */
int hs_flush_streams(hs_stack *s, char *err, size_t errlen);

/* One received frame. Returns the cycles charged to f->cpu (also accumulated in the stats). */
uint64_t hs_rx(hs_stack *s, const hs_rx_frame *f, uint64_t now_ns);
/* Runs the due timers (delayed ACK, application drain) of connections owned by cpu. */
uint64_t hs_timer(hs_stack *s, int cpu, uint64_t now_ns);
/* Earliest armed timer deadline (all CPUs / one CPU), UINT64_MAX if none. */
uint64_t hs_next_timer_ns(const hs_stack *s);
uint64_t hs_next_timer_cpu_ns(const hs_stack *s, int cpu);

/* Accounts cycles spent outside the stack (driver ISR/DPC...) to cpu under kind, so that
 * per-CPU totals and the breakdown cover the whole host. Returns cycles. */
uint64_t hs_charge(hs_stack *s, int cpu, int kind, uint64_t cycles);
/* Prices `count` occurrences of the named cost key and accounts them. Returns cycles. */
uint64_t hs_charge_op(hs_stack *s, int cpu, int kind, const char *key, uint64_t count);

const hs_cost *hs_get_cost(const hs_stack *s);
void hs_get_stats(const hs_stack *s, hs_stats *st);

/* Per-connection statistics (one entry per connection the stack created, in creation order;
 * a 4-tuple re-opened by a new SYN stays one entry). Cycles are those the stack charged while
 * processing the connection's frames (hs_rx: IP, TCP, checksums, lookup, copy, ACKs, app
 * completions triggered by them) and while running its timers; driver work (interrupts, DPCs,
 * completions) is not attributed to connections. */
typedef struct hs_conn_stats {
    uint64_t index;      /* creation number, 0-based (hs_last_rx_conn's numbering) */
    hs_conn_id id;       /* sender -> host */
    int cpu;             /* the CPU that owns its timers */
    uint64_t frames;     /* frames hs_rx attributed to it (TCP segments past the checksums) */
    uint64_t bytes;      /* their bytes (Ethernet frames without FCS) */
    uint64_t payload_bytes; /* their TCP payload bytes */
    uint64_t cycles;     /* cycles charged for them and for its timers (rounded down) */
    int toe_state;       /* enum hs_toe_state, now */
    uint32_t toe_times_offloaded; /* OFFLOADs completed OK */
    int toe_last_upload; /* enum hs_upload_reason of the last upload; -1: none */
    uint64_t toe_bytes_placed;    /* payload bytes the NIC placed in its posted buffers */
} hs_conn_stats;
/* Number of connections created so far. */
uint64_t hs_conn_count(const hs_stack *s);
/* Fills out[0 .. min(max, count)) in creation order; returns the count written. */
uint64_t hs_conn_stats_get(const hs_stack *s, hs_conn_stats *out, uint64_t max);
/* The connection (creation number) the last frame given to hs_rx was attributed to; -1 if
 * none (not TCP, dropped before TCP, or not for an open connection). */
int64_t hs_last_rx_conn(const hs_stack *s);
/* The new payload the last frame given to hs_rx brought: 1 with *end_seq the sequence number
 * after its last byte and *incarnation its connection's (see app_consumed), 0 if it brought
 * none (no payload, duplicate, not TCP, dropped). */
int hs_last_rx_data(const hs_stack *s, uint32_t *end_seq, uint32_t *incarnation);
/* hs_stats.mem_bytes so far, cheaply. */
uint64_t hs_mem_bytes(const hs_stack *s);
/* Cycles charged to cpu so far (rounded down): hs_get_stats' cpu_cycles[cpu], cheaply. */
uint64_t hs_cpu_cycles(const hs_stack *s, int cpu);

/* ------------------------------------------------------------------------------------------
 * TCP Chimney: offloaded connections (docs/toe.md)
 * ------------------------------------------------------------------------------------------ */
/* The offload target (the model implements it with the driver). */
typedef struct hs_toe_if {
    int slots;   /* the NIC's connection slots; 0: no engine */
    /* commands: return cycles spent (>= 0; charge them HS_K_DRIVER) or < 0 when the NIC's command
       queue is full (retry later). Completion comes through hs_toe_event(kind CMD, same cookie). */
    int64_t (*offload)(void *user, int cpu, int queue, const nic_toe_state *st, uint32_t cookie);
    int64_t (*upload)(void *user, int cpu, int queue, uint32_t slot, uint32_t cookie);
    int64_t (*post)(void *user, int cpu, int queue, uint32_t slot, uint64_t dma, uint32_t len, uint32_t cookie);
    /* application receive buffers in host memory that the NIC can reach (DMA address in *dma) */
    void *(*buf_alloc)(void *user, uint32_t bytes, uint64_t *dma);
    void (*buf_free)(void *user, void *p, uint32_t bytes);
    void *user;
} hs_toe_if;
/* Installs the offload target (copied); NULL or slots 0: no engine. Call before traffic. */
void hs_set_toe(hs_stack *s, const hs_toe_if *t);
enum { HS_TOE_EV_CMD = 1, HS_TOE_EV_BUF = 2, HS_TOE_EV_UPREQ = 3 };
/* One TOE event. (Named hs_toe_ev: C cannot have a type and the function hs_toe_event under
 * one name, and in C++ a struct tag of the function's name would be hidden by it.) */
typedef struct hs_toe_ev {
    int kind, cpu, queue;
    uint32_t slot, cookie;
    int op, result;                 /* CMD: NIC_TOE_OP_*, NIC_TOE_R_* */
    const nic_toe_state *state;     /* CMD of an UPLOAD with result OK: the returned state; else NULL */
    uint32_t seq, bytes; int push;  /* BUF: the head posted buffer is complete: `bytes` valid bytes from sequence `seq` */
    uint32_t rcv_nxt; int reason;   /* UPREQ: the NIC asks for an upload (NIC_TOE_UP_*) */
} hs_toe_ev;
uint64_t hs_toe_event(hs_stack *s, const hs_toe_ev *ev, uint64_t now_ns);  /* cycles charged to ev->cpu */
/* Timed switches (scenario events at simulated times) */
uint64_t hs_chimney_set(hs_stack *s, int enabled, int cpu, uint64_t now_ns);  /* netsh int ip set chimney ENABLED|DISABLED */
uint64_t hs_link_set(hs_stack *s, int up, int cpu, uint64_t now_ns);          /* link loss uploads every offloaded connection */
/* Windows Firewall turned on/off at run time ([events] firewall on|off): on, Chimney stops
 * working and every offloaded connection is uploaded; off, eligible connections offload again
 * (unless another [host] switch rules Chimney out). Returns the cycles charged to cpu. */
uint64_t hs_firewall_set(hs_stack *s, int on, int cpu, uint64_t now_ns);
uint64_t hs_toe_flush(hs_stack *s, int cpu, uint64_t now_ns);   /* end of run: upload every offloaded connection */
/* The end of a run with an engine: hs_toe_flush, then deliver the NIC's events until
 * hs_toe_busy is 0, then hs_finish. Bytes still in the NIC's buffers at hs_finish are lost
 * (posted buffers still held are given back through buf_free at hs_close). */
int hs_toe_busy(const hs_stack *s);   /* commands outstanding or connections offloaded/being uploaded */

/* ------------------------------------------------------------------------------------------
 * NetDMA: copies into application buffers by the chipset's copy engine (docs/netdma.md)
 * ------------------------------------------------------------------------------------------ */
/* What the stack touches, for the ownership checker (hs_netdma_if.touch). */
enum {
    HS_ND_TOUCH_CPU_WRITE = 1, /* the CPU writes application-buffer bytes (its own copy) */
    HS_ND_TOUCH_APP_READ,      /* the application reads bytes of a completed receive */
    HS_ND_TOUCH_COMPLETE       /* a receive is completed to the application over these bytes */
};
typedef struct hs_netdma_if {
    int channels;   /* the engine's channels in use; 0: no engine */
    /* queue a copy of len bytes from bus address src to dst on cpu's channel; the engine's
       completion comes back through hs_netdma_done with the same cookie. Returns cycles (>= 0,
       the stack charges them HS_K_NETDMA) or < 0 when the channel has no room (the stack copies
       with the CPU). want_irq: ask for an interrupt when it completes. */
    int64_t (*copy)(void *user, int cpu, uint64_t dst, uint64_t src, uint32_t len, uint64_t cookie,
                    int want_irq);
    /* ring cpu's doorbell for the copies queued (the stack calls it once at the end of each
       hs_rx / hs_timer / hs_netdma_done that queued some). Returns cycles. */
    uint64_t (*flush)(void *user, int cpu);
    /* read cpu's channel completion word and retire the completed copies (hs_netdma_done for
       each, from inside this call). Returns cycles (without those hs_netdma_done charged). */
    uint64_t (*poll)(void *user, int cpu);
    /* give a receive buffer kept for a copy (hs_rx_frame.rx_token) back to the driver */
    uint64_t (*rx_return)(void *user, int cpu, uint32_t rx_token);
    /* application receive buffers in host memory the engine can reach (bus address in *dma) */
    void *(*buf_alloc)(void *user, uint32_t bytes, uint64_t *dma);
    void (*buf_free)(void *user, void *p, uint32_t bytes);
    /* optional (NULL: off): the ownership checker sees every stack access to application
       buffers (HS_ND_TOUCH_*), at bus address dma */
    void (*touch)(void *user, int cpu, int kind, uint64_t dma, uint32_t len);
    void *user;
} hs_netdma_if;
/* Installs the engine (copied); NULL or channels 0: none. Call before traffic. */
void hs_set_netdma(hs_stack *s, const hs_netdma_if *nd);
/* A copy completed (status 0) or failed (< 0: the stack redoes it with the CPU), seen by a poll
   (by_irq 0) or the engine's interrupt (1), on cpu. Returns the cycles charged to cpu. */
uint64_t hs_netdma_done(hs_stack *s, int cpu, uint64_t cookie, int status, int by_irq, uint64_t now_ns);
/* 1 if the stack kept the receive buffer of the last frame given to hs_rx (it calls rx_return
   with its token once the engine has read it). */
int hs_last_rx_retained(const hs_stack *s);
/* After an hs_rx on cpu: the copy (cookie) cpu must wait for synchronously before it does
   anything else (space left in the posted buffer below DmaSyncCompletionHighThreshold): 1 and
   *cookie, or 0. The model then keeps the CPU busy until the engine completes it, polls
   (hs_netdma_if.poll) and charges the waited cycles with hs_netdma_waited. */
int hs_netdma_wait_pending(const hs_stack *s, int cpu, uint64_t *cookie);
uint64_t hs_netdma_waited(hs_stack *s, int cpu, uint64_t cycles);
/* A receive batch on cpu (the driver's DPC handing up frames): between begin and end the stack
   reads the channel's completion word once (at begin, if copies are outstanding) and rings
   the engine's doorbell once (at end), instead of once per frame. Nests with hs_rx. */
void hs_batch_begin(hs_stack *s, int cpu);
void hs_batch_end(hs_stack *s, int cpu);
/* Copies queued and not yet completed (all CPUs). */
uint64_t hs_netdma_outstanding(const hs_stack *s);
/* Why the host configuration rules NetDMA out (the [host] switches of hs_chimney_blocker), NULL
   if nothing does (EnableTCPA itself is not a blocker). */
const char *hs_netdma_blocker(const hs_config *c);

/* ------------------------------------------------------------------------------------------
 * Calibration: measures this stack's own functions on the machine it runs on.
 * ------------------------------------------------------------------------------------------ */
#define HS_CALIB_MAX_RUNS 101           /* most repetitions hs_calibrate makes */
#define HS_CALIB_MAX_SPREAD_PCT 25.0     /* default refusal threshold (docs/cost-model.md) */

/* One measured key over the runs, in the key's unit (cycles, or cycles per byte), before the
 * clamp to a minimal positive cost that the profile gets. */
typedef struct hs_calib_key_stats {
    int measured;          /* 1: measured here; 0: taken from the base profile */
    double min, median, max;
    double spread;         /* interquartile range / max(|median|, floor), as a fraction: the
                              floor is 20 cycles (0.01 cycles/byte), so a cost at noise level is
                              not called unstable for being small */
} hs_calib_key_stats;

enum hs_calib_stop {
    HS_CALIB_STABLE = 0,   /* every median settled */
    HS_CALIB_RUN_LIMIT,    /* `runs` repetitions made */
    HS_CALIB_TIME_LIMIT    /* `max_seconds` used up */
};

typedef struct hs_calib_stats {
    int runs;              /* repetitions made */
    int stop;              /* enum hs_calib_stop */
    double seconds;        /* time the repetitions took */
    int worst;             /* the measured key with the widest spread */
    int over;              /* measured keys whose spread exceeds max_spread_pct */
    hs_calib_key_stats key[HS_COST_COUNT];
} hs_calib_stats;

/* Testing hooks. A run function replaces one repetition of the real measurement: it writes
 * the cost of every measured key (cycles, or cycles per byte) into cycles[key] and returns 0,
 * or a negative hs_err with a message in err. A clock function replaces CLOCK_MONOTONIC for
 * the time budget (ns). */
typedef int (*hs_calib_run_fn)(void *user, int run, double *cycles, char *err, size_t errlen);
typedef uint64_t (*hs_calib_clock_fn)(void *user);

typedef struct hs_calib_opts {
    double mhz;            /* > 0: cycles at this clock; 0: measure the clock (TSC / cpuinfo) */
    int runs;              /* most repetitions (default 61, at most HS_CALIB_MAX_RUNS) */
    int min_runs;          /* fewest repetitions (default 9; at most runs) */
    double max_seconds;    /* time budget of the repetitions (default 20 s); at least 3 run */
    double stable_pct;     /* a median has settled when its 95% confidence interval (order
                              statistics) is within +/- this % of it, or of the floor (default 2) */
    double max_spread_pct; /* refuse (HS_ESPREAD) a key whose spread exceeds this % (default
                              HS_CALIB_MAX_SPREAD_PCT); 0: no check */
    int accept_spread;     /* 1: keep a result whose spread exceeds the threshold */
    const hs_cost *base;   /* costs that cannot be measured here (interrupts, driver, app);
                              NULL: the built-in "modern" profile */
    const char *name;      /* profile name to write (default "calibrated") */
    hs_calib_stats *stats; /* optional: filled with the spread of every key (also on
                              HS_ESPREAD) */
    hs_calib_run_fn run_fn;     /* testing: NULL = measure */
    hs_calib_clock_fn clock_fn; /* testing: NULL = CLOCK_MONOTONIC */
    void *user;                 /* passed to both hooks */
} hs_calib_opts;
void hs_calib_defaults(hs_calib_opts *o);
/* Measures ip_rx, tcp_rx, udp_rx, hash_sw, lookup, conn_create, reasm_seg, ack_build,
 * timer, checksum_pkt, checksum_byte, copy_cold_byte, copy_warm_byte, copy_byte and cpu_mhz;
 * the other keys come from base. Each repetition measures every key once; repetitions go on
 * until every key's median has settled (stable_pct), `runs` were made or `max_seconds`
 * passed, and each key gets the median of its runs. A key whose spread exceeds
 * max_spread_pct makes it return HS_ESPREAD (out and stats still filled) unless
 * accept_spread; the message names the key with the widest spread. */
int hs_calibrate(hs_cost *out, const hs_calib_opts *o, char *err, size_t errlen);
/* hs_calibrate with defaults (mhz 0 = measure), the spread accepted, and hs_cost_save to
 * out_path. */
int hs_calibrate_to_file(const char *out_path, double mhz, char *err, size_t errlen);
/* Name of an enum hs_calib_stop value ("stable", "run limit", "time limit"). */
const char *hs_calib_stop_name(int stop);

#ifdef __cplusplus
}
#endif
#endif
