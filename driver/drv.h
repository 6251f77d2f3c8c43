/* nicsim miniport-like driver: plain C11, no SystemC/Verilator headers.
 * Owns the NIC's rings in host memory, posts receive buffers, runs ISR/DPC per queue on the
 * queue's CPU, hands frames to the layer above, transmits frames. The hardware/software
 * contract is docs/hw-interface.md. Prefix drv_. No global state. Not thread-safe: calls on one
 * device must not overlap (the simulation's CPUs run one at a time).
 *
 * NDIS vocabulary, for readers who know Windows drivers: drv_open is MiniportInitializeEx,
 * drv_isr is MiniportInterrupt (MSI-X: the vector is already masked by the device, so the ISR
 * only queues the DPC), drv_dpc is MiniportInterruptDPC, cb->rx is
 * NdisMIndicateReceiveNetBufferLists for one frame, drv_tx is MiniportSendNetBufferLists for
 * one frame, and the TX vector's DPC reclaims sent frames (where a miniport would call
 * NdisMSendNetBufferListsComplete). */
#ifndef NICSIM_DRV_H
#define NICSIM_DRV_H
#include <stddef.h>
#include <stdint.h>

#include "nic_hw.h" /* nic_toe_state */

#ifdef __cplusplus
extern "C" {
#endif

/* ---- return codes (negative) ---- */
enum drv_status {
    DRV_OK = 0,
    DRV_EINVAL = -1,   /* bad configuration or argument (the message says which field) */
    DRV_EDEVICE = -2,  /* the device is not a nicsim NIC or reports an unusable geometry */
    DRV_ENOMEM = -3,   /* the host memory region (drv_mem_if) or the C heap is exhausted */
    DRV_EBUSY = -4,    /* TOE: NIC_TOE_CMDQ_DEPTH commands already outstanding (nothing written) */
};

/* ---- host memory: the platform owns the region the NIC reaches by DMA; the driver
 * allocates its rings and buffers from it through this interface (model/hostmem.h) ---- */
typedef struct drv_mem_if {
    /* size bytes whose bus address is aligned to align (a power of two), zeroed: the host
     * pointer, and the bus address in *dma; NULL when the region is exhausted */
    void *(*alloc)(void *ctx, uint64_t size, uint64_t align, uint64_t *dma);
    uint64_t (*mark)(void *ctx);              /* the allocator's state ... */
    void (*rewind)(void *ctx, uint64_t mark); /* ... and back to it: frees what came after */
    void *ctx;
} drv_mem_if;

/* ---- what the driver needs from its environment ---- */
typedef struct drv_hw_ops {
    void (*csr_write)(void *ctx, uint32_t addr, uint32_t val); /* posted register write */
    uint32_t (*csr_read)(void *ctx, uint32_t addr);            /* register read (slow on a real bus) */
    void *ctx;
} drv_hw_ops;

/* Driver operations the cost model prices (cycles per occurrence). */
enum drv_op {
    DRV_OP_ISR = 0,          /* interrupt entry, ISR body, exit */
    DRV_OP_DPC,              /* DPC dispatch and loop overhead, once per DPC run */
    DRV_OP_RX_COMPLETION,    /* reading and decoding one RX completion */
    DRV_OP_RX_REPOST,        /* re-posting one RX buffer (descriptor write) */
    DRV_OP_TX_FRAME,         /* building TX descriptors for one frame */
    DRV_OP_TX_COMPLETION,    /* reclaiming one TX completion */
    DRV_OP_DOORBELL,         /* one MMIO register write (doorbell, completion head, re-arm) */
    DRV_OP_CSR_READ,         /* one MMIO register read */
    DRV_OP_COPY_BYTE,        /* per byte copied by the driver (TX bounce, RX linearization) */
    DRV_OP_TOE_CMD,          /* building one TCP offload command (its register writes are
                                charged as DRV_OP_DOORBELL each) */
    DRV_OP_TOE_EVENT,        /* reading and decoding one TOE event completion entry */
    DRV_OP_COUNT
};
/* "isr", "dpc", ...; NULL if op is out of range. */
const char *drv_op_name(int op);

/* One received frame as the driver hands it up. Bytes are in host memory (the receive
 * buffer, or a linearization buffer for multi-buffer frames), valid during the call only. */
typedef struct drv_rx_frame {
    const uint8_t *data;
    uint32_t len;
    uint32_t hash;       /* RSS hash, 0 if hash_type is 0 */
    uint8_t hash_type;   /* rss_hash_type numbering (pkt/rss.h) */
    uint8_t csum;        /* checksum status NIC_CSUM_* (rtl/nic_hw.h) */
    uint8_t l3, l4;      /* as in the completion entry */
    uint8_t frag;
    uint8_t queue;
    int cpu;             /* the CPU running the DPC */
    /* TCP offload: a frame of an offloaded connection that the NIC sent to the host */
    uint8_t toe_flags;   /* NIC_CPL_F_TOE_DATA / NIC_CPL_F_TOE_EXC, 0 for ordinary frames */
    uint8_t toe_reason;  /* NIC_TOE_UP_* of an EXC frame (0 otherwise) */
    uint16_t toe_slot;   /* the connection's slot (0 for ordinary frames) */
    /* NetDMA: a frame in one receive buffer may be kept by the layer above until a copy engine
       has read it (NDIS: a receive indication returned later). dma: bus address of data[0]
       (0 for a linearized frame); retain: NULL when the frame cannot be kept, else the layer
       above sets *retain = 1 to keep the buffer and later gives `token` to drv_rx_return. */
    uint64_t dma;
    int *retain;
    uint32_t token;
} drv_rx_frame;

/* A TCP offload event: an entry of an RX completion ring that is not a frame (it uses no
 * descriptor). Delivered from the DPC of the ring's queue, in ring order with the frames. */
enum drv_toe_ev_kind { DRV_TOE_EV_CMD = 1, DRV_TOE_EV_BUF = 2, DRV_TOE_EV_UPREQ = 3 };
typedef struct drv_toe_event {
    int kind;                   /* DRV_TOE_EV_* */
    int cpu;                    /* the CPU running the DPC */
    int queue;                  /* the RX queue whose ring held the event */
    uint32_t slot;              /* connection slot (CMD of an OFFLOAD with result OK: the new slot) */
    /* CMD: a command completed */
    uint32_t cookie;            /* as given to drv_toe_* */
    int op;                     /* NIC_TOE_OP_* */
    int result;                 /* NIC_TOE_R_* */
    const nic_toe_state *state; /* UPLOAD/QUERY with result OK: the decoded result block (valid
                                   during the call only); else NULL */
    /* BUF: a posted buffer is complete */
    uint32_t seq;               /* start sequence of the buffer */
    uint32_t bytes;             /* bytes valid from seq */
    int push;                   /* 1: completed early (PSH or the push timer) */
    /* UPREQ: the NIC asks the host to upload the connection */
    uint32_t rcv_nxt;
    int reason;                 /* NIC_TOE_UP_* */
} drv_toe_event;

typedef struct drv_callbacks {
    /* A received frame, from the DPC on f->cpu. Returns the CPU cycles the layer above spent.
     * NULL: frames are counted and dropped. */
    uint64_t (*rx)(void *user, const drv_rx_frame *f);
    /* Cycles one occurrence of op costs on cpu (times count). NULL: everything costs 0. */
    uint64_t (*cost)(void *user, int cpu, int op, uint64_t count);
    void *user;
    /* A TCP offload event, from the DPC on ev->cpu. Returns the CPU cycles the layer above
     * spent. NULL: events are counted and ignored. (Last, so {rx, cost, user} initialisers
     * keep their meaning.) */
    uint64_t (*toe_event)(void *user, const drv_toe_event *ev);
    /* Optional: a receive buffer (bus address, bytes) was written into an RX descriptor, i.e.
     * given to the NIC again (the NetDMA ownership checker watches this). */
    void (*reposted)(void *user, uint64_t dma, uint32_t len);
} drv_callbacks;

typedef struct drv_config {
    int cpus;                   /* simulated CPUs (1..64) */
    int rss_enable;             /* 0: one queue (queue 0), RSS off, all receive work on CPU 0;
                                   rx_queues and the table are then ignored */
    int rx_queues;              /* RSS queues used (1..NUM_RXQ of the NIC); queue q on CPU q % cpus */
    uint8_t rss_key[40];        /* wire order: byte 0 is the first key byte of the Toeplitz hash */
    uint32_t hash_types;        /* RSS_HT_BIT mask (bits 0..5) */
    int table_size;             /* power of two 1..128; 0: 128 entries, entry i = i % rx_queues */
    uint8_t table[128];         /* queue per entry (< rx_queues) */
    int csum_offload;           /* NIC verifies checksums (CTRL bit 1) */
    uint32_t rx_ring_entries;   /* descriptors per RX queue (power of two, 2..32768) */
    uint32_t rx_buf_bytes;      /* bytes per receive buffer (64..1 MiB) */
    uint32_t tx_ring_entries;   /* power of two, 2..32768 */
    uint32_t tx_buf_bytes;      /* bytes per transmit bounce buffer (64..65535); a longer frame
                                   spans several descriptors */
    uint16_t irq_mod_frames;    /* interrupt moderation: frames threshold (0 or 1: every one) */
    uint32_t irq_mod_time_ns;   /* interrupt moderation: time threshold (0: none) */
    uint32_t dpc_budget;        /* completions per DPC run before it re-queues itself (>= 1) */
    /* TCP offload engine (docs/toe.md) */
    int toe_enable;             /* program NIC_TOE_CTRL bit 0 at open (only if the NIC has slots) */
    uint32_t toe_delack_ns;     /* NIC_TOE_DELACK_NS: the engine's delayed-ACK timer */
    uint32_t toe_push_ns;       /* NIC_TOE_PUSH_NS: the engine's push timer, 0: off */
    /* NetDMA: spare receive buffers per RX queue (0..32768, allocated at open and counted in
       drv_mem_required) that replace buffers the layer above keeps (drv_rx_frame.retain); 0: a
       kept buffer's descriptor is re-posted only when it returns */
    uint32_t rx_spare_buffers;
} drv_config;
/* 4 CPUs, RSS on with 4 queues and the Microsoft key, default hash types, default table
 * (table_size 0), checksum offload, 512 x 2048-byte RX buffers per queue, 256 x 2048-byte TX
 * bounce buffers, no moderation (1 frame, 0 ns), DPC budget 64; TCP offload off, delayed ACK
 * 200 ms, push timer off. */
void drv_config_defaults(drv_config *c);

/* Counters of what happened after drv_open returned (drv_open's own register programming
 * is neither counted nor charged). */
typedef struct drv_stats {
    uint64_t isr, dpc, dpc_requeued;
    uint64_t rx_frames, rx_bytes, rx_multi_buffer, rx_reposted;
    uint64_t tx_frames, tx_bytes, tx_ring_full, tx_completed;
    uint64_t tx_bad_len;        /* drv_tx calls refused for their length (0, > 65535, too many
                                   descriptors) */
    uint64_t doorbells, csr_reads;
    uint64_t bad_completion;    /* completions that made no sense (should stay 0) */
    uint64_t spurious_irq;      /* ISR/DPC calls for a vector the driver does not use */
    uint64_t toe_cmds;          /* TOE commands written to the NIC */
    uint64_t toe_events;        /* TOE event entries decoded (CMD, BUF, UPREQ) */
    uint64_t toe_busy;          /* TOE commands refused with DRV_EBUSY */
    uint64_t toe_frames_marked; /* received frames with a NIC_CPL_F_TOE_* flag */
    uint64_t ops[DRV_OP_COUNT]; /* occurrences charged through cb->cost, per drv_op */
} drv_stats;

typedef struct drv_dev drv_dev;

/* Initialises the NIC: reads its ID, queue count and TCP offload slot count, allocates the
 * rings (and the RX buffers, TX bounce buffers and TOE result blocks) from mem, posts every RX
 * buffer, programs key, table, hash types, vectors, moderation and (if the NIC has slots) the
 * TOE timers and enable, enables (CTRL last). Returns DRV_OK and the device in *out, or a
 * negative drv_status with a one-line message in err; on error mem is left as it was and no
 * register has been written. */
int drv_open(drv_dev **out, const drv_config *cfg, const drv_hw_ops *hw, const drv_mem_if *mem,
             const drv_callbacks *cb, char *err, size_t errlen);
/* Bytes of host memory drv_open allocates for cfg from a region whose bus address is 4 KiB
 * aligned (alignment padding included); 0 if cfg is invalid. */
uint64_t drv_mem_required(const drv_config *cfg);
/* Frees the driver's state. Does not touch the NIC or the host memory region (the
 * simulation that owns both may already be gone). NULL is accepted. */
void drv_close(drv_dev *d);

/* Number of interrupt vectors of the NIC (NUM_RXQ + 1): RX queue q uses vector q, the TX
 * queue vector NUM_RXQ (drv_tx_vector). Vectors of unused queues stay disabled. */
int drv_vector_count(const drv_dev *d);
int drv_tx_vector(const drv_dev *d);
/* RX queues in use (1 when RSS is off). */
int drv_rx_queue_count(const drv_dev *d);
/* CPU that services vector v (ISR and DPC): q % cpus for RX queue q with RSS on, 0 with RSS
 * off, 0 for the TX vector; -1 for a vector the driver did not set up. */
int drv_vector_cpu(const drv_dev *d, int vector);
/* The interrupt for vector v. Returns the cycles the ISR cost; the caller then runs the DPC
 * on the same CPU. */
uint64_t drv_isr(drv_dev *d, int vector);
/* The DPC for vector v: harvests up to dpc_budget completions, found by their phase bit
 * without reading a register (RX frames go up through cb->rx, TOE events through
 * cb->toe_event, in ring order; TX completions are reclaimed),
 * re-posts the buffers with one tail doorbell, frees the completion slots with one
 * completion-head write, and re-arms the vector unless work remains (*more = 1: run the DPC
 * again). A completion that makes no sense is counted in bad_completion and skipped; if it is
 * an RX entry naming the next descriptors, those are re-posted (the NIC did fill them). Returns
 * cycles spent, including what cb->rx returned. more may be NULL. */
uint64_t drv_dpc(drv_dev *d, int vector, int *more);
/* Sends one frame (copied into TX bounce buffers, one descriptor per tx_buf_bytes, then the
 * doorbell) on cpu. When the ring looks full it first reclaims the TX completions the NIC has
 * written (as the TX DPC would). Returns the cycles spent, -1 if the ring has no room for the
 * frame even then (counted in tx_ring_full; a reclaim that freed too little for a
 * multi-descriptor frame is charged through cb->cost but not returned), -2 if len is 0, above
 * 65535 or needs more descriptors than the ring has (counted in tx_bad_len). */
int64_t drv_tx(drv_dev *d, int cpu, const uint8_t *frame, uint32_t len);
void drv_get_stats(const drv_dev *d, drv_stats *s);

/* ---- TCP offload (Chimney) commands: docs/toe.md "Commands", docs/hw-interface.md ----
 * A command is a burst of posted register writes (only the argument words it uses, then
 * NIC_TOE_CMD_COOKIE, then NIC_TOE_CMD); the driver reads no register. Each function returns
 * the cycles spent (>= 0, also charged through cb->cost: DRV_OP_TOE_CMD once, DRV_OP_DOORBELL
 * per register write) or DRV_EBUSY when NIC_TOE_CMDQ_DEPTH commands are already outstanding
 * (nothing is written; counted in toe_busy), DRV_EINVAL for a bad argument (cpu or queue out
 * of range, the NIC has no engine, slot beyond NIC_TOE_SLOTS, NULL state, len 0 or above
 * 2^31). The outcome arrives later as a DRV_TOE_EV_CMD event with the same cookie, from the
 * DPC of `queue`'s vector (queue: an RX queue in use, normally the connection's RSS queue). */
/* NIC_TOE_SLOTS read at open; 0: the NIC has no engine (all commands DRV_EINVAL). */
int drv_toe_slots(const drv_dev *d);
int64_t drv_toe_offload(drv_dev *d, int cpu, int queue, const nic_toe_state *st, uint32_t cookie);
/* UPLOAD and QUERY: the driver gives the NIC one of its NIC_TOE_CMDQ_DEPTH result blocks; the
 * event carries the decoded block in ev->state. */
int64_t drv_toe_upload(drv_dev *d, int cpu, int queue, uint32_t slot, uint32_t cookie);
int64_t drv_toe_query(drv_dev *d, int cpu, int queue, uint32_t slot, uint32_t cookie);
/* POST a receive buffer of len bytes (1..2^31) at bus address dma. */
int64_t drv_toe_post(drv_dev *d, int cpu, int queue, uint32_t slot, uint64_t dma, uint32_t len,
                     uint32_t cookie);
/* UPDATE the cached state (ARG14: mss, ack_freq; ARG20: rcv_wnd). */
int64_t drv_toe_update(drv_dev *d, int cpu, int queue, uint32_t slot, uint16_t mss, uint8_t ack_freq,
                       uint32_t rcv_wnd, uint32_t cookie);
/* NetDMA: gives back a receive buffer kept through drv_rx_frame.retain (token), on cpu. The
 * buffer joins its queue's spare pool, then the descriptors left empty are re-filled in ring
 * order from the tail (each slot gets its own buffer back, or one from the pool) with one tail
 * doorbell. With no spare left, a kept buffer's descriptor stays un-posted and so do the ones
 * after it: the NIC sees fewer descriptors (it drops frames when they run out) until a return.
 * From inside cb->rx: the frame being indicated is simply not kept; another buffer of the same
 * queue joins the pool and the DPC re-posts. Returns cycles (DRV_OP_RX_REPOST per descriptor
 * written, none for a buffer that only joins the pool; DRV_OP_DOORBELL if the tail was
 * written), or DRV_EINVAL for a bad cpu
 * or a token that is not kept. */
int64_t drv_rx_return(drv_dev *d, int cpu, uint32_t token);
/* Receive buffers kept by the layer above right now (all queues). */
uint32_t drv_rx_kept(const drv_dev *d);
/* Commands written and not yet completed (their CMD event not yet decoded). */
int drv_toe_outstanding(const drv_dev *d);

#ifdef __cplusplus
}
#endif
#endif
