/* Internal declarations shared by the hs_*.c files (not part of the public API).
 *
 * The stack is split the way lwIP splits its TCP:
 *   hs_stack.c    create/close/stats, cycle accounting, the receive entry (IP demux,
 *                 checksums, the UDP sink)
 *   hs_conn.c     connection table: Toeplitz tuple hash, lookup, creation, growth
 *   hs_tcp_in.c   TCP segment input: connection open/restart/reset, data placement and
 *                 reassembly, FIN, which ACK to send
 *   hs_tcp_out.c  transmit: ACKs, SYN-ACKs, window and window updates
 *   hs_timers.c   one timer heap per CPU, delayed-ACK and application timers
 *   hs_app.c      application model: posted buffers, completion, delivery to the consumers
 *   hs_streams.c  --save-streams: a consumer of delivered bytes writing one file per
 *                 connection (the TCP code knows nothing about files)
 *   hs_cost.c, hs_calibrate.c  cost profiles and their calibration */
#ifndef NICSIM_HS_INTERNAL_H
#define NICSIM_HS_INTERNAL_H
#include <math.h>
#include <stdarg.h>
#include <stdio.h>

#include "hs.h"
#include "pkt.h"

/* Shipped profiles, generated at configure time from hoststack/profiles/NAME.profile. */
typedef struct hs_builtin_profile {
    const char *name;  /* "xeon-2006" */
    const char *file;  /* "profiles/xeon-2006.profile" (for error messages) */
    const char *text;
} hs_builtin_profile;
extern const hs_builtin_profile hs_builtin_profiles[]; /* ends with a NULL name */
extern const char *const hs_builtin_profile_names[];    /* the same names, NULL-terminated */

/* Calibration hook: one connection-table lookup (no charge). Returns 1 if found. */
int hs_calib_lookup(const hs_stack *s, const hs_conn_id *k, uint32_t hash);
/* Calibration hook: the Toeplitz hash the table files k under. */
uint32_t hs_calib_hash(const hs_stack *s, const hs_conn_id *k);

/* printf into the caller's error buffer (err may be NULL); returns code. */
int hs_errf(char *err, size_t errlen, int code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* ------------------------------------------------------------------------------------------
 * State
 * ------------------------------------------------------------------------------------------ */

/* Cycle accounts are fixed point: 1 cycle = 2^16 units, so fractional per-byte costs add up
 * exactly and per-kind sums equal per-CPU totals. */
#define HS_FX_SHIFT 16
#define HS_FX_ONE ((uint64_t)1 << HS_FX_SHIFT)

#define HS_UDP_SINK_BYTES 65536
#define HS_TXBUF_BYTES 160 /* one ACK frame: Ethernet + tag + IPv6 + TCP, padded */

enum { HS_TMR_DELACK = 0, HS_TMR_APP = 1, HS_TMR_COUNT };
enum { HS_CS_OPEN = 0, HS_CS_RESET = 1 };
/* Why an ACK is sent (counted per reason in hs_stats). */
enum { HS_ACK_EVERY_N, HS_ACK_TIMER, HS_ACK_IMMEDIATE, HS_ACK_WINDOW };

/* A run of received bytes not yet copied to the application: out of order, or in order but
 * waiting for a free application buffer. Bytes [doff, doff + len) of data[] are live. */
typedef struct hs_seg {
    struct hs_seg *next;
    uint32_t seq;   /* sequence number of data[doff] */
    uint32_t len;
    uint32_t doff;
    uint8_t data[];
} hs_seg;

typedef struct hs_conn hs_conn;

typedef struct hs_heap_ent {
    uint64_t when;
    hs_conn *c;
    int kind;
} hs_heap_ent;

typedef struct hs_heap {
    hs_heap_ent *e;
    size_t n, cap;
} hs_heap;

struct hs_conn {
    hs_conn *hnext;           /* hash chain */
    hs_conn *lnext;           /* all connections in creation order */
    uint64_t id;              /* creation number (orders timers deterministically) */
    uint32_t hash;            /* Toeplitz hash the connection is filed under */
    hs_conn_id key;           /* sender -> host */
    uint8_t peer_mac[PKT_ETH_ALEN]; /* sender's MAC (source MAC of its frames) */
    uint8_t host_mac[PKT_ETH_ALEN];
    int vlan;                 /* echo the sender's outer 802.1Q tag */
    uint16_t vlan_tci;        /* host order */
    int cpu;                  /* owner: timers run here */
    int state;                /* HS_CS_* */
    int syn_seen;
    uint32_t irs;             /* sender's initial sequence number (if syn_seen) */
    uint32_t iss;             /* our sequence number for a SYN-ACK we send */
    uint32_t rcv_nxt;         /* next sequence number expected from the network */
    uint32_t app_nxt;         /* next sequence number to copy to the application (<= rcv_nxt) */
    int fin_seen, fin_done, app_eof;
    uint32_t fin_seq;         /* sequence number of the FIN */
    int push_valid;
    uint32_t push_seq;        /* end of the last pushed segment not yet completed */
    hs_seg *segs;             /* sorted, disjoint, all at or after app_nxt */
    hs_seg *segs_tail;        /* the last of segs (NULL when empty): appends cost O(1) */
    uint64_t held;            /* bytes in segs */
    uint64_t peer_wnd;        /* the real receiver's largest window (hs_config.peer_window); 0: unknown */
    int have_snd;
    uint32_t snd_nxt;         /* our next sequence number (highest ACK from the sender) */
    uint32_t max_seg;         /* largest payload seen: the receiver's MSS estimate */
    uint32_t full_unacked;    /* full-size segments since the last ACK */
    int ack_pending;          /* in-order data not yet acknowledged */
    uint32_t last_wnd;        /* window in the last ACK sent (or the initial window) */
    /* application: nbuf buffers of bufsz in a ring; ncomp completed buffers (waiting for
       the application) precede fill_idx, which is being filled with fill_len bytes */
    uint8_t *buf;
    uint32_t fill_idx, fill_len, ncomp;
    uint32_t *comp_len;
    uint64_t *comp_time;
    uint64_t app_head_done;   /* time the application finishes the head completed buffer */
    uint64_t app_free_at;     /* the application is busy until */
    /* timers */
    uint64_t tm_when[HS_TMR_COUNT];
    long tm_idx[HS_TMR_COUNT]; /* heap position, -1 if not armed */
    /* per-connection statistics (hs_conn_stats) */
    uint64_t st_frames, st_bytes, st_payload;
    uint64_t st_fx;           /* fixed-point cycles */
    uint32_t st_incarnation;  /* re-openings by a new SYN */
    uint32_t st_cons_seq;     /* sequence number after the last byte the application consumed */
    uint32_t st_old_bufs;     /* completed buffers of the previous incarnation still unconsumed */
    /* TCP Chimney (hs_toe.c) */
    int toe;                  /* enum hs_toe_state */
    int toe_policy;           /* -1 excluded by port, 0 normal, 1 OFFLOAD_PREFERRED */
    int toe_estab;            /* ESTABLISHED: past the handshake (or picked up mid-stream) */
    uint8_t toe_queue;        /* RX queue its frames arrive on */
    uint32_t toe_slot;
    int toe_up_want;          /* upload to send (reason + 1; 0: none): after the OFFLOAD, or retry */
    int toe_up_reason;        /* reason of the UPLOAD in flight */
    int toe_last_up;          /* last upload reason, -1 none */
    int toe_race;             /* unmarked frames held while the OFFLOAD was on its way */
    int toe_wait_slot;        /* refused (RESOURCES) or table full: retry when a slot frees */
    uint32_t toe_times;
    uint64_t toe_placed;
    uint64_t toe_active;      /* time of the last data (least-active eviction) */
    uint64_t toe_not_before;  /* no new OFFLOAD before this time (after a race) */
    struct hs_held *toe_held, **toe_held_tail; /* frames held until the connection is in the host */
    int toe_nbuf, toe_nconf;  /* buffers posted to the NIC (ring from 0); POSTs confirmed */
    int toe_post_want;        /* buffers still to post (a POST was refused BUSY) */
    struct { void *p; uint64_t dma; uint32_t len; } toe_buf[NIC_TOE_BUFS];
    /* NetDMA (hs_netdma.c). The ring of application buffers is: ncomp completed buffers, then
       npend "complete pending" buffers (full, pushed or at end of stream, but the engine has
       not finished every copy into them, or an older one is pending), then fill_idx. */
    uint32_t npend;
    int buf_nd;               /* buf came from hs_netdma_if.buf_alloc (bus address buf_dma) */
    uint64_t buf_dma;
    uint32_t *nd_out;         /* per buffer: engine copies outstanding into it */
    uint32_t *nd_cold;        /* per buffer: bytes the engine wrote (read cold by the app) */
    uint64_t nd_busy;         /* engine copies outstanding into this connection's buffers */
};

/* A frame held by the offload code (a copy), processed by the TCP input later. */
typedef struct hs_held {
    struct hs_held *next;
    hs_rx_frame f;
    uint8_t data[];
} hs_held;

/* A consumer of the bytes the application receives. hs_app.c hands every delivered byte to
 * each consumer in order; `finished` (optional) says a connection has nothing left in the
 * application model (end of stream or reset), so a consumer may write out what it holds. */
typedef struct hs_app_sink {
    hs_app_fn data;
    void (*finished)(void *user, const hs_conn_id *conn);
    void *user;
} hs_app_sink;
#define HS_MAX_SINKS 2 /* the stream writer and the configured hs_config.app_data */

typedef struct hs_streams hs_streams;

/* NetDMA: a receive buffer of the driver kept while engine copies read it. */
typedef struct hs_nd_frame {
    uint32_t refs;            /* copies reading it, not yet completed */
    uint32_t token;           /* hs_rx_frame.rx_token */
    int cpu;                  /* the CPU that received it */
    int in_rx;                /* the hs_rx that received it is still running */
    int no_return;            /* not kept (debug early_return): no rx_return */
    const uint8_t *data;      /* the frame's bytes (valid until rx_return) */
} hs_nd_frame;

/* NetDMA: one copy queued to the engine. */
typedef struct hs_nd_copy {
    uint64_t cookie;
    hs_conn *c;
    hs_nd_frame *fr;
    uint32_t idx;             /* application buffer of c */
    uint32_t boff;            /* destination: offset in c->buf */
    uint32_t soff;            /* source: offset in fr->data */
    uint32_t len;
    int done;
} hs_nd_copy;

/* NetDMA: the copies one CPU queued, in cookie (= submission) order. */
typedef struct hs_nd_queue {
    hs_nd_copy *e;
    size_t head, n, cap;      /* ring of n entries from head (completed ones leave the front) */
    uint64_t live;            /* entries not yet completed */
    int queued;               /* copies queued since the last flush */
    int wait;                 /* hs_netdma_wait_pending: wait for wait_cookie */
    uint64_t wait_cookie;
} hs_nd_queue;

struct hs_stack {
    hs_config cfg;
    int finished;             /* hs_finish ran: connections handed over, streams written */
    hs_cost cost;
    hs_tx_fn tx;
    void *tx_user;
    double app_cpb;           /* app work cycles per byte */
    uint32_t rcv_wnd;         /* window with nothing waiting */
    hs_conn **bucket;
    uint32_t nbucket;
    uint64_t nconn;
    hs_conn *all, **all_tail;
    hs_heap heap[HS_MAX_CPUS];
    uint64_t fx_cpu[HS_MAX_CPUS];
    uint64_t fx_kind[HS_MAX_CPUS][HS_K_COUNT];
    hs_stats st;
    hs_streams *streams;      /* --save-streams writer, NULL when off */
    hs_app_sink sinks[HS_MAX_SINKS];
    int nsinks;
    uint8_t txbuf[HS_TXBUF_BYTES];
    uint8_t *udp_sink;
    hs_conn *rx_conn;         /* connection the frame in hs_rx went to (NULL: none) */
    int rx_new_data;          /* hs_last_rx_data */
    uint32_t rx_end_seq, rx_incarnation;
    int64_t last_rx_conn;     /* hs_last_rx_conn */
    /* TCP Chimney (hs_toe.c) */
    hs_toe_if toe;            /* slots 0: no engine */
    int chimney_on;           /* EnableTCPChimney / netsh, at run time */
    int link_up;
    int toe_flushing;         /* hs_toe_flush ran: no new offloads */
    int toe_nocopy;           /* bytes given to the app come from NIC-placed buffers: no copy */
    uint32_t toe_used;        /* slots the host accounts as taken (offloading/offloaded/uploading) */
    uint64_t toe_cmds_out;    /* commands sent, not completed */
    uint64_t toe_waiting;     /* connections waiting for a slot */
    int toe_need_retry;       /* a command was refused (queue full): retry at the next completion */
    hs_conn **toe_by_slot;    /* slot -> connection (slots entries) */
    hs_conn **conn_vec;       /* creation number -> connection (cookies) */
    uint64_t conn_vec_cap;
    /* NetDMA (hs_netdma.c) */
    hs_netdma_if nd;          /* channels 0: no engine */
    int nd_blocked;           /* a [host] switch rules NetDMA out (hs_netdma_blocker), at run time */
    uint64_t nd_cookie;       /* last cookie given out */
    uint64_t nd_out;          /* copies outstanding, all CPUs */
    int nd_depth;             /* nesting of stack entry points (flush at the outermost) */
    hs_nd_queue ndq[HS_MAX_CPUS];
    /* the frame whose payload hs_tcp_place copies straight to the application (NULL: none) */
    const hs_rx_frame *nd_frame;
    int nd_mode;              /* HS_ND_MODE_*: how that payload is copied */
    hs_nd_frame *nd_rxf;      /* the frame kept for copies of the running hs_rx (NULL: none) */
    int rx_retained;          /* hs_last_rx_retained */
    uint64_t nd_seg_cookie;   /* last copy queued for the segment being processed (0: none) */
};

/* ---- sequence arithmetic (RFC 793, modulo 2^32) ---- */
static inline int32_t seq_diff(uint32_t a, uint32_t b) { return (int32_t)(a - b); }
static inline int seq_lt(uint32_t a, uint32_t b) { return seq_diff(a, b) < 0; }
static inline int seq_gt(uint32_t a, uint32_t b) { return seq_diff(a, b) > 0; }
static inline int seq_ge(uint32_t a, uint32_t b) { return seq_diff(a, b) >= 0; }

/* ---- accounting (hs_stack.c) ---- */
/* Charges `cycles` (fractional) to cpu under kind. */
static inline void hs_chg(hs_stack *s, int cpu, int kind, double cycles)
{
    if (cycles <= 0)
        return;
    uint64_t fx = (uint64_t)llround(cycles * (double)HS_FX_ONE);
    s->fx_cpu[cpu] += fx;
    s->fx_kind[cpu][kind] += fx;
}
/* One cost of the profile. */
static inline double hs_c(const hs_stack *s, int key) { return s->cost.v[key]; }
/* cpu if in range, else 0 (counted in bad_cpu). */
int hs_cpu(hs_stack *s, int cpu);

/* ---- connection table (hs_conn.c) ---- */
uint32_t hs_tuple_hash(const hs_stack *s, const hs_conn_id *k);
hs_conn *hs_conn_find(const hs_stack *s, uint32_t h, const hs_conn_id *k);
/* New connection filed under hash h, owned by cpu; MACs and the 802.1Q tag are taken from
 * the frame that opened it. NULL when out of memory. */
hs_conn *hs_conn_new(hs_stack *s, uint32_t h, const hs_conn_id *k, int cpu,
                     const uint8_t *frame, const pkt_frame_info *fi);
void hs_conn_free_segs(hs_conn *c);
void hs_conn_free(hs_conn *c);

/* ---- timers (hs_timers.c) ---- */
void hs_timer_cancel(hs_stack *s, hs_conn *c, int kind);
int hs_timer_arm(hs_stack *s, hs_conn *c, int kind, uint64_t when);

/* ---- TCP input (hs_tcp_in.c) ---- */
void hs_tcp_input(hs_stack *s, int cpu, uint64_t now, const hs_rx_frame *f,
                  const pkt_frame_info *fi, int warm);
/* The reassembly: places [seq, seq+len) of new data by sequence number (bytes already held
 * stay), copies what is next in line to the application; returns the new bytes. */
uint32_t hs_tcp_place(hs_stack *s, hs_conn *c, int cpu, uint64_t now, uint32_t seq,
                      const uint8_t *data, uint32_t len, int warm, int *held_any);

/* ---- TCP Chimney (hs_toe.c) ---- */
/* hs_tcp_input's hook, after the lookup (c may be NULL): 1 when the frame was taken by the
 * offload path (indicated data, exception, held), 0 to process it normally. */
int hs_toe_input(hs_stack *s, hs_conn *c, int cpu, uint64_t now, const hs_rx_frame *f,
                 const pkt_frame_info *fi);
/* After a frame was processed normally: offload the connection when it is eligible. */
void hs_toe_after_input(hs_stack *s, hs_conn *c, int cpu, uint64_t now, const hs_rx_frame *f);
/* New connection: its port policy; registers it for cookies. 0, or HS_ENOMEM. */
int hs_toe_conn_init(hs_stack *s, hs_conn *c);
void hs_toe_conn_free(hs_stack *s, hs_conn *c);
void hs_toe_create(hs_stack *s);
/* A connection's engine copies all completed: an offload deferred for them may start. */
void hs_toe_maybe_offload(hs_stack *s, hs_conn *c, int cpu, uint64_t now);
void hs_toe_destroy(hs_stack *s);

/* ---- NetDMA (hs_netdma.c) ---- */
enum {
    HS_ND_MODE_CPU = 0,       /* not eligible: CPU copy, no NetDMA counter */
    HS_ND_MODE_ENGINE,        /* the engine copies (CPU fallback if refused) */
    HS_ND_MODE_SMALL,         /* below MinPacketSizeToDma: CPU copy, netdma_small_bytes */
    HS_ND_MODE_FALLBACK       /* eligible, but the frame has no bus address: netdma_fallback_bytes */
};
void hs_nd_create(hs_stack *s);
void hs_nd_destroy(hs_stack *s);
/* 1 when NetDMA may copy for connection c now (engine, EnableTCPA, no blocker, in the host). */
int hs_nd_usable(const hs_stack *s, const hs_conn *c);
/* 1 when c's application buffers should come from hs_netdma_if.buf_alloc. */
int hs_nd_want_host_buffers(const hs_stack *s);
/* Copies n bytes from d into c's application buffer at the fill position (buffer idx at boff):
   through the engine when the bytes are a piece of s->nd_frame's payload and the segment's mode
   says so, else by the CPU (charged, counted). ends_receive: this piece fills, pushes or ends
   the buffer. */
void hs_nd_copy_piece(hs_stack *s, hs_conn *c, int cpu, uint32_t idx, uint32_t boff,
                      const uint8_t *d, uint32_t n, int warm, int ends_receive);
/* Entry/exit of a stack entry point on cpu: poll the engine at entry (copies outstanding),
   ring the doorbell at the outermost exit (copies queued). */
void hs_nd_enter(hs_stack *s, int cpu);
void hs_nd_leave(hs_stack *s, int cpu);
/* After a segment's copies: the synchronous wait (DmaSyncCompletionHighThreshold). */
void hs_nd_after_segment(hs_stack *s, hs_conn *c, int cpu);
/* End of hs_rx: keep the frame (rx_retained) or free its record. */
void hs_nd_rx_end(hs_stack *s);
/* Frees c's application buffers (buf_free for engine-reachable ones). */
void hs_nd_buf_release(hs_stack *s, hs_conn *c);

/* ---- TCP output (hs_tcp_out.c) ---- */
/* Window to advertise now (rcv_wnd minus what waits for the application). */
uint32_t hs_wnd(const hs_stack *s, const hs_conn *c);
/* Full-size segment: configured, or the largest payload seen. */
uint32_t hs_mss(const hs_stack *s, const hs_conn *c);
/* Builds and transmits one TCP segment without payload (seq, ack host order). */
void hs_send(hs_stack *s, hs_conn *c, int cpu, uint8_t flags, uint32_t seq, uint32_t ack,
             uint16_t wnd);
/* Sends an ACK for everything received (why: HS_ACK_*), clears the delayed-ACK state. */
void hs_send_ack(hs_stack *s, hs_conn *c, int cpu, int why);
/* Window update when the window opened far enough (receiver-side SWS avoidance). */
void hs_maybe_window_update(hs_stack *s, hs_conn *c, int cpu);
/* Delayed-ACK timer expiry. */
void hs_tcp_delack_timer(hs_stack *s, hs_conn *c, int cpu);

/* ---- application model (hs_app.c) ---- */
/* Copies up to len bytes into posted application buffers (the receive copy). Returns the
 * bytes taken; fewer than len when every buffer is full. */
uint32_t hs_app_take(hs_stack *s, hs_conn *c, int cpu, uint64_t now, const uint8_t *d,
                     uint32_t len, int warm);
/* After bytes reached the application buffers: PSH and end-of-stream complete a receive. */
void hs_app_check_push_eof(hs_stack *s, hs_conn *c, int cpu, uint64_t now);
/* Copies queued in-order bytes (held segments up to rcv_nxt) into free application buffers. */
void hs_app_drain(hs_stack *s, hs_conn *c, int cpu, uint64_t now);
/* The current buffer completes to the application (full, pushed, or end of stream). */
void hs_app_complete_buffer(hs_stack *s, hs_conn *c, int cpu, uint64_t now);
/* Releases the application buffers of a finished connection once the app has everything. */
void hs_app_maybe_release(hs_stack *s, hs_conn *c);
/* Pending buffers whose copies are all done complete to the application, in order. */
void hs_app_pending_check(hs_stack *s, hs_conn *c, int cpu, uint64_t now);
/* After engine copies into c completed: complete, drain, window update, release. */
void hs_app_nd_progress(hs_stack *s, hs_conn *c, int cpu, uint64_t now);
/* Application timer expiry: the application finished buffers; re-post, refill. */
void hs_app_timer(hs_stack *s, hs_conn *c, int cpu, uint64_t now);
/* End of run: everything in buffers and in-order queues reaches the application. */
void hs_app_close_conn(hs_stack *s, hs_conn *c);
/* Adds a consumer of delivered bytes (at most HS_MAX_SINKS). */
void hs_app_add_sink(hs_stack *s, hs_app_fn data, void (*finished)(void *, const hs_conn_id *),
                     void *user);

/* ---- stream files (hs_streams.c) ---- */
int hs_streams_create(hs_streams **out, const char *dir, char *err, size_t errlen);
/* hs_app_fn: buffers bytes of one connection, writing them out every HS_STREAM_SPILL bytes. */
void hs_streams_data(void *user, const hs_conn_id *conn, const uint8_t *data, size_t len);
/* The connection finished: write out what is buffered. */
void hs_streams_finished(void *user, const hs_conn_id *conn);
/* Writes every buffered byte; returns the first error. */
int hs_streams_flush(hs_streams *w, char *err, size_t errlen);
void hs_streams_stats(const hs_streams *w, uint64_t *bytes_written, uint64_t *errors);
void hs_streams_destroy(hs_streams *w);

#endif
