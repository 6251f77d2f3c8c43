/* nicsim miniport-like driver: plain C11, no SystemC/Verilator headers.
 * Owns the NIC's rings in host memory, posts receive buffers, runs ISR/DPC per queue on the
 * queue's CPU, hands frames to the layer above, transmits frames. The hardware/software
 * contract is docs/hw-interface.md. Prefix drv_. No global state. */
#ifndef NICSIM_DRV_H
#define NICSIM_DRV_H
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- host memory: one flat region shared with the NIC's DMA, and its allocator ---- */
typedef struct drv_mem {
    uint8_t *base;      /* the region's bytes */
    uint64_t dma_base;  /* bus address of base[0] */
    uint64_t size;
    uint64_t next;      /* allocator: next free offset (bump allocation, never freed) */
} drv_mem;

void drv_mem_init(drv_mem *m, uint8_t *base, uint64_t dma_base, uint64_t size);
/* Allocates size bytes aligned to align (a power of two), zeroed. Returns 0 and the bus
 * address in *dma, or -1 when the region is exhausted. */
int drv_mem_alloc(drv_mem *m, uint64_t size, uint64_t align, uint64_t *dma);
/* Pointer to [dma, dma+len) inside the region, or NULL if any byte is outside it. */
void *drv_mem_ptr(const drv_mem *m, uint64_t dma, uint64_t len);

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
    DRV_OP_DOORBELL,         /* one MMIO register write (doorbell, re-arm) */
    DRV_OP_CSR_READ,         /* one MMIO register read */
    DRV_OP_COPY_BYTE,        /* per byte copied by the driver (TX bounce, RX linearization) */
    DRV_OP_COUNT
};
const char *drv_op_name(int op);

/* One received frame as the driver hands it up. Bytes are in host memory (the receive
 * buffer, or a linearization buffer for multi-buffer frames), valid during the call only. */
typedef struct drv_rx_frame {
    const uint8_t *data;
    uint32_t len;
    uint32_t hash;       /* RSS hash, 0 if hash_type is 0 */
    uint8_t hash_type;   /* rss_hash_type numbering (hoststack/rss.h) */
    uint8_t csum;        /* NS_CSUM_* numbering: 0 none, 1 ok, 2 bad_ip, 3 bad_l4, 4 unverified */
    uint8_t l3, l4;      /* as in the completion entry */
    uint8_t frag;
    uint8_t queue;
    int cpu;             /* the CPU running the DPC */
} drv_rx_frame;

typedef struct drv_callbacks {
    /* A received frame, from the DPC on f->cpu. Returns the CPU cycles the layer above spent. */
    uint64_t (*rx)(void *user, const drv_rx_frame *f);
    /* Cycles one occurrence of op costs on cpu (times count). */
    uint64_t (*cost)(void *user, int cpu, int op, uint64_t count);
    void *user;
} drv_callbacks;

typedef struct drv_config {
    int cpus;                   /* simulated CPUs (1..64) */
    int rss_enable;             /* 0: one queue, all receive work on CPU 0 */
    int rx_queues;              /* RSS queues used (1..NUM_RXQ of the NIC); queue q on CPU q % cpus */
    uint8_t rss_key[40];
    uint32_t hash_types;        /* RSS_HT_BIT mask */
    int table_size;             /* power of two 1..128 */
    uint8_t table[128];         /* queue per entry */
    int csum_offload;           /* NIC verifies checksums (CTRL bit 1) */
    uint32_t rx_ring_entries;   /* descriptors per RX queue (power of two) */
    uint32_t rx_buf_bytes;      /* bytes per receive buffer */
    uint32_t tx_ring_entries;   /* power of two */
    uint32_t tx_buf_bytes;      /* bytes per transmit bounce buffer */
    uint16_t irq_mod_frames;    /* interrupt moderation: frames threshold */
    uint32_t irq_mod_time_ns;   /* interrupt moderation: time threshold */
    uint32_t dpc_budget;        /* completions per DPC run before it re-queues itself */
} drv_config;
void drv_config_defaults(drv_config *c);

typedef struct drv_stats {
    uint64_t isr, dpc, dpc_requeued;
    uint64_t rx_frames, rx_bytes, rx_multi_buffer, rx_reposted;
    uint64_t tx_frames, tx_bytes, tx_ring_full, tx_completed;
    uint64_t doorbells, csr_reads;
    uint64_t bad_completion;    /* completions that made no sense (should stay 0) */
} drv_stats;

typedef struct drv_dev drv_dev;

/* Initialises the NIC: reads its queue count, allocates and programs the rings, posts every
 * RX buffer, programs key, table, hash types, vectors and moderation, enables. */
int drv_open(drv_dev **out, const drv_config *cfg, const drv_hw_ops *hw, drv_mem *mem,
             const drv_callbacks *cb, char *err, size_t errlen);
void drv_close(drv_dev *d);

int drv_vector_count(const drv_dev *d);
/* CPU that services vector v (ISR and DPC). */
int drv_vector_cpu(const drv_dev *d, int vector);
/* The interrupt for vector v. Returns the cycles the ISR cost; the caller then runs the DPC
 * on the same CPU. */
uint64_t drv_isr(drv_dev *d, int vector);
/* The DPC for vector v: harvests up to dpc_budget completions (RX frames go up through
 * cb->rx; TX completions are reclaimed), re-posts the buffers with one doorbell, and re-arms
 * the vector unless work remains (*more = 1: run the DPC again). Returns cycles spent,
 * including what cb->rx returned. */
uint64_t drv_dpc(drv_dev *d, int vector, int *more);
/* Sends one frame (copied into a TX bounce buffer, then the doorbell) on cpu. Returns the
 * cycles spent, or -1 if the TX ring is full (counted in tx_ring_full). */
int64_t drv_tx(drv_dev *d, int cpu, const uint8_t *frame, uint32_t len);
void drv_get_stats(const drv_dev *d, drv_stats *s);

#ifdef __cplusplus
}
#endif
#endif
