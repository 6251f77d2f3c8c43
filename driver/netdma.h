/* nicsim NetDMA provider: the driver of the chipset's copy engine (rtl/netdma_top.v). Plain
 * C11, no SystemC/Verilator headers. Prefix nd_. No global state; not thread-safe (the
 * simulation's CPUs run one at a time). The hardware/software contract is the NDMA_* part of
 * rtl/nic_hw.h and docs/hw-interface.md, "NetDMA copy engine".
 *
 * Windows vocabulary: this is a NetDMA provider (NetDmaRegisterProvider); nd_copy is a
 * ProviderSubmitDescriptor of one or more descriptors, nd_flush the ProviderAppendChain
 * doorbell, nd_poll the stack reading the channel's completion status, nd_isr/nd_dpc the
 * provider's interrupt and DPC that report completions (NetDmaInterruptDpc).
 *
 * One channel per CPU (channel = cpu % channels): the channel follows the CPU that runs the
 * connection's receive processing, so with RSS each CPU submits to and completes from its own
 * channel and no lock is needed. Each channel has a ring of ring_entries 64-byte descriptors
 * linked into a circle by their next pointers; the driver starts the channel once at open
 * (CHAINADDR, START) and appends by writing the channel's cumulative descriptor count
 * (NDMA_CH_DMACOUNT, the v2 scheme). A copy longer than the engine's XFERCAP takes several
 * descriptors; the last descriptor of each copy has NDMA_DC_CMPL_WRITE (and NDMA_DC_INT when the
 * caller asks for an interrupt), so the channel's completion word in host memory names the last
 * descriptor completed and every copy up to it is done. */
#ifndef NICSIM_NETDMA_H
#define NICSIM_NETDMA_H
#include <stddef.h>
#include <stdint.h>

#include "drv.h" /* drv_mem_if, drv_hw_ops, drv_status */

#ifdef __cplusplus
extern "C" {
#endif

#define ND_MAX_CHANNELS 16

/* Operations the cost model prices (cycles per occurrence; hs cost keys in parentheses). */
enum nd_op {
    ND_OP_DESC = 0,     /* writing one descriptor (dma_desc) */
    ND_OP_DOORBELL,     /* one register write to the engine (doorbell) */
    ND_OP_POLL,         /* reading a channel's completion word in host memory (dma_poll) */
    ND_OP_COMPLETION,   /* retiring one completed copy (dma_completion) */
    ND_OP_ISR,          /* the engine's interrupt: entry, ISR, exit (isr) */
    ND_OP_DPC,          /* the provider's DPC run (dpc) */
    ND_OP_COUNT
};
const char *nd_op_name(int op); /* "dma_desc", "doorbell", "dma_poll", "dma_completion", "isr", "dpc" */

/* Flags of nd_copy. */
enum { ND_F_INT = 1 }; /* interrupt when this copy completes (NDMA_DC_INT on its last descriptor) */

/* Status passed to done(). */
enum { ND_DONE_OK = 0, ND_DONE_ERROR = -1 /* the channel halted: the copy may be partial */ };

typedef struct nd_callbacks {
    /* A copy completed (in submission order per channel), from nd_poll (by_irq 0) or nd_dpc
     * (by_irq 1) on `cpu`. Returns the cycles the layer above spent. */
    uint64_t (*done)(void *user, int cpu, uint64_t cookie, int status, int by_irq);
    /* Cycles `count` occurrences of op cost on cpu. NULL: everything costs 0. */
    uint64_t (*cost)(void *user, int cpu, int op, uint64_t count);
    void *user;
} nd_callbacks;

typedef struct nd_config {
    int cpus;                 /* simulated CPUs (1..64) */
    int channels;             /* channels to use (1..ND_MAX_CHANNELS, at most the engine's
                                 CHANCNT, else DRV_EINVAL); 0: all the engine has, but no more
                                 than cpus. Channels beyond cpus get no CPU (nd_vector_cpu -1). */
    uint32_t ring_entries;    /* descriptors per channel (power of two, 16..32768; default 1024) */
    int irq_vector_base;      /* MSI vector of channel c: irq_vector_base + c (default 0) */
    uint32_t intr_delay_ns;   /* NDMA_REG_INTRDELAY_NS (default 0) */
    uint64_t mem_base, mem_limit; /* host memory range the engine may touch (NDMA_REG_MEMBASE/LIMIT);
                                     mem_limit 0: no limit (all ones is programmed) */
} nd_config;
void nd_config_defaults(nd_config *c);

typedef struct nd_stats {
    uint64_t copies, bytes, descriptors;  /* submitted */
    uint64_t completed;                   /* copies retired (OK or error) */
    uint64_t doorbells;                   /* DMACOUNT writes */
    uint64_t polls;                       /* completion-word reads */
    uint64_t done_by_poll, done_by_irq;   /* copies retired by nd_poll / nd_dpc */
    uint64_t isr, dpc;
    uint64_t ring_full;                   /* nd_copy refused: not enough free descriptors */
    uint64_t errors;                      /* channel halts seen (copies then retired with ND_DONE_ERROR) */
    uint64_t resets;                      /* channel resets after a halt */
    uint64_t ops[ND_OP_COUNT];            /* occurrences charged through cb->cost */
} nd_stats;

typedef struct nd_dev nd_dev;

/* Reads NDMA_REG_ID (DRV_EDEVICE if it is not NDMA_ID_VALUE), CHANCNT and XFERCAP; allocates per
 * channel the descriptor ring and an 8-byte completion word from mem; programs MEMBASE/LIMIT,
 * INTRDELAY, per channel CTRL (interrupt enable, vector), CMPLADDR, CHAINADDR, then START, and
 * INTRCTRL last. Returns DRV_OK and the device, or a negative drv_status with a one-line message
 * in err (mem left as it was, no register written). Register writes at open are not charged. */
int nd_open(nd_dev **out, const nd_config *cfg, const drv_hw_ops *hw, const drv_mem_if *mem,
            const nd_callbacks *cb, char *err, size_t errlen);
/* Bytes nd_open allocates for cfg on an engine whose NDMA_REG_CHANCNT reads `channels`
 * (alignment included, from a 4 KiB-aligned region); 0 if invalid. */
uint64_t nd_mem_required(const nd_config *cfg, int channels);
void nd_close(nd_dev *d);  /* frees the driver's state only */

int nd_channels(const nd_dev *d);        /* channels in use */
uint32_t nd_xfercap(const nd_dev *d);    /* bytes per descriptor at most */
int nd_channel_of_cpu(const nd_dev *d, int cpu); /* cpu % channels; -1 if cpu is out of range */
int nd_vector_count(const nd_dev *d);    /* = nd_channels */
int nd_vector_of_channel(const nd_dev *d, int chan);  /* irq_vector_base + chan */
int nd_vector_cpu(const nd_dev *d, int vector);       /* the CPU whose channel it is (lowest such CPU); -1 if unused */

/* Queues a copy of len bytes (1..2^31) from bus address src to dst on cpu's channel: writes its
 * descriptors (ceil(len / XFERCAP)) in the ring but does not ring the doorbell (nd_flush does,
 * once per batch). A ring holds at most ring_entries - 1 descriptors (one slot stays free so the
 * completion word is never ambiguous). Returns cycles (>= 0; ND_OP_DESC per descriptor),
 * DRV_EBUSY if the ring lacks room now (nothing written; counted in ring_full), DRV_EINVAL for a
 * bad argument (cpu, len, flags, a range outside [mem_base, mem_limit), or more descriptors than
 * even an empty ring holds). */
int64_t nd_copy(nd_dev *d, int cpu, uint64_t dst, uint64_t src, uint32_t len, uint64_t cookie, int flags);
/* Rings cpu's channel doorbell if descriptors were queued since the last one: one write of the
 * cumulative count to NDMA_CH_DMACOUNT. Returns cycles (0 if nothing was queued). */
uint64_t nd_flush(nd_dev *d, int cpu);
/* Reads cpu's channel completion word (ND_OP_POLL) and retires every copy the engine completed
 * (done(by_irq 0) for each, ND_OP_COMPLETION each). No register is read. A halted channel
 * (state HALTED in the word): the copies the word shows complete are retired ND_DONE_OK, every
 * other outstanding copy (queued but not yet flushed ones too) ND_DONE_ERROR, then the channel is
 * reset and started again at its next free descriptor (RESET, CHAINADDR, START: ND_OP_DOORBELL
 * each; counted in errors and resets). Returns cycles including what done() returned. */
uint64_t nd_poll(nd_dev *d, int cpu);
/* The engine's interrupt for `vector`: ND_OP_ISR (on CPU 0 for a vector no CPU services);
 * nothing is read or acknowledged. The caller then runs nd_dpc on nd_vector_cpu(vector). */
uint64_t nd_isr(nd_dev *d, int vector);
/* Retires completed copies of the vector's channel as nd_poll does (done(by_irq 1), on the
 * lowest CPU of the channel), ND_OP_DPC once (no ND_OP_POLL). Returns cycles; 0 and nothing
 * done for a vector no CPU services. */
uint64_t nd_dpc(nd_dev *d, int vector);
/* Copies submitted on cpu's channel and not yet retired. */
uint32_t nd_outstanding(const nd_dev *d, int cpu);
void nd_get_stats(const nd_dev *d, nd_stats *s);

#ifdef __cplusplus
}
#endif
#endif
