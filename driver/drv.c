/* nicsim miniport-like driver: initialisation (MiniportInitializeEx), ISR, DPC and send path.
 *
 * Ring bookkeeping (docs/hw-interface.md): every ring index is a free-running 16-bit counter
 * and the ring slot of counter c is c mod entries. Per RX queue the driver keeps
 *   tail      descriptors posted (the value last written to the tail doorbell),
 *   next      counter of the next descriptor the NIC will fill (the oldest one posted),
 *   cpl_head  counter of the next completion entry to read.
 * The NIC fills descriptors in order and the driver re-posts them in the same order, so
 * re-posting writes slot (tail mod entries), which is a slot already consumed, normally with
 * the buffer it already had (slot s starts with buffer s; see "kept" below for the exception).
 * The TX queue uses the same three counters: tail = descriptors written, next = oldest
 * descriptor not yet reclaimed, cpl_head = next completion to read; bounce buffer s belongs
 * to descriptor slot s.
 *
 * A completion entry is new when its phase bit equals ((c >> log2 entries) & 1) ^ 1 for the
 * counter c it is read at; completion rings start zeroed, so no register is read to find
 * work. All multi-byte fields in host memory are little-endian.
 *
 * Receive buffers kept by the layer above (NetDMA, drv_rx_frame.retain): an RX queue owns
 * entries + rx_spare_buffers buffers, numbered b (0..entries-1 are the ring's own buffers,
 * buffer s starting in slot s; the spares follow). slot_buf[s] is the buffer that slot s holds;
 * a slot whose buffer the layer above kept holds none. Re-posting (rx_refill) still walks from
 * tail in order: the slot at tail gets its own buffer back, or, when that was kept, one from the
 * queue's pool (the spares and returned buffers); if the pool is empty, posting stops there, so
 * the NIC sees a shorter ring (tail - next < entries: fewer descriptors available, frames beyond
 * them dropped as FAKE_DROP_NO_DESC / the no-descriptor counter) until drv_rx_return gives a
 * buffer back: it joins the pool and the refill resumes at tail with one tail doorbell. During
 * the queue's own DPC a returned buffer only joins the pool (the frame being handed up may be
 * about to be kept); the refill at the end of the DPC uses it. A token is (queue << 20) | b.
 *
 * TCP offload (docs/toe.md, docs/hw-interface.md "TCP offload: the driver side"): commands are
 * bursts of posted writes; the driver keeps NIC_TOE_CMDQ_DEPTH command entries, entry i owning
 * result block i, and an entry is outstanding from its NIC_TOE_CMD write until the DPC decodes
 * its CMD event. TOE events are entries of the RX completion rings that name no descriptor. */
#include "drv.h"
#include "drv_common.h"

#include "nic_hw.h"
#include "rss.h"

#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Registers, descriptor and completion layouts: rtl/nic_hw.h (docs/hw-interface.md). */
#define MAX_RXQ ((NIC_REG_TXQ - NIC_REG_RXQ0) / NIC_REG_RXQ_STRIDE) /* RX queue blocks below the TX block */
#define RING_ALIGN 4096u    /* rings on their own page (the contract asks for 16) */
#define BUF_ALIGN 64u       /* buffers on cache lines */
#define TOE_RES_ALIGN 64u   /* TOE result blocks */
#define TOE_MAX_SLOTS 65536u /* the slot field of NIC_TOE_CMD is 16 bits */

typedef struct drv_ring {
    uint32_t regs;         /* CSR block of the queue */
    uint32_t entries, log2;
    uint8_t *desc, *cpl, *buf;
    uint64_t desc_dma, cpl_dma, buf_dma;
    uint32_t buf_bytes;    /* usable bytes per buffer */
    uint32_t buf_stride;   /* distance between buffers (buf_bytes rounded up to BUF_ALIGN) */
    uint16_t tail, next, cpl_head;
    int vector, cpu;
} drv_ring;

/* One TOE command written to the NIC whose CMD event has not been decoded yet. */
typedef struct drv_toe_cmd {
    int used;
    uint64_t seq;          /* issue order */
    int queue, op;
    uint32_t cookie, slot;
    int blk;               /* result block (UPLOAD, QUERY), -1 if none */
} drv_toe_cmd;

/* Receive buffer states. */
enum { RXB_SLOT = 0, RXB_KEPT = 1, RXB_POOL = 2 };
#define RXB_NONE UINT32_MAX
#define RX_TOKEN_SHIFT 20
#define MAX_SPARE 32768u

typedef struct drv_rxq {
    drv_ring r;
    uint8_t *lin;          /* linearization buffer for multi-buffer frames (host memory) */
    uint32_t lin_bytes;
    uint8_t *spare;        /* rx_spare_buffers buffers after the ring's own (host memory) */
    uint64_t spare_dma;
    uint32_t nbuf;         /* entries + rx_spare_buffers */
    uint32_t *slot_buf;    /* per slot: its buffer, RXB_NONE if it was kept */
    uint8_t *buf_state;    /* per buffer: RXB_* */
    uint32_t *pool, npool; /* free buffers (spares and returned ones) */
    int in_dpc;            /* the queue's DPC is handing frames up */
    uint32_t cur_bid;      /* during cb->rx: the frame's buffer (RXB_NONE if it cannot be kept) */
    const drv_callbacks *cb; /* the device's callbacks (cb->reposted) */
} drv_rxq;

struct drv_dev {
    drv_config cfg;        /* as used: table filled in, RSS-off overrides applied */
    drv_hw_ops hw;
    drv_callbacks cb;
    int num_rxq;           /* queues the NIC has */
    int nq;                /* queues in use */
    drv_rxq rx[MAX_RXQ];
    drv_ring tx;
    uint32_t *tx_len;      /* per TX slot: length of the frame whose first descriptor it is */
    uint8_t *tx_ndesc;     /* per TX slot: that frame's descriptor count */
    drv_stats st;
    /* TCP offload */
    uint32_t toe_slots;    /* NIC_TOE_SLOTS read at open */
    uint8_t *toe_res;      /* NIC_TOE_CMDQ_DEPTH result blocks of NIC_TOE_RESULT_BYTES */
    uint64_t toe_res_dma;
    int toe_nout;          /* commands outstanding */
    uint64_t toe_seq;
    drv_toe_cmd toe_cmd[NIC_TOE_CMDQ_DEPTH];
    /* receive buffers kept by the layer above */
    uint32_t rx_kept;
    int retain_flag;       /* drv_rx_frame.retain points here during cb->rx */
};

/* One decoded completion entry. */
typedef struct drv_cpl {
    uint32_t word0;        /* RX: RSS hash; TX: cookie */
    uint16_t len;
    uint8_t hash_type, flags;
    uint16_t first;
    uint8_t used, queue, type;
    uint16_t slot;         /* bytes 12..13: TOE slot */
    uint8_t tflags;        /* byte 15 without the phase bit: TOE flags */
    uint32_t word1;        /* bytes 4..7 (TOE events) */
} drv_cpl;

static const char *const op_names[DRV_OP_COUNT] = {
    "isr", "dpc", "rx_completion", "rx_repost", "tx_frame",
    "tx_completion", "doorbell", "csr_read", "copy_byte", "toe_cmd", "toe_event",
};

const char *drv_op_name(int op)
{
    if (op < 0 || op >= DRV_OP_COUNT)
        return NULL;
    return op_names[op];
}

/* ---- little-endian host memory access ---- */
static uint16_t get_le16(const uint8_t *p) { return (uint16_t)(p[0] | (p[1] << 8)); }
static uint32_t get_le32(const uint8_t *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}
static void put_le16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}
static void put_le32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}
static void put_le64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static uint32_t log2u(uint32_t v)
{
    uint32_t l = 0;
    while ((1u << l) < v)
        l++;
    return l;
}

/* ---- cost accounting and register access at run time ---- */
static uint64_t charge(drv_dev *d, int cpu, enum drv_op op, uint64_t count)
{
    if (count == 0)
        return 0;
    d->st.ops[op] += count;
    return d->cb.cost ? d->cb.cost(d->cb.user, cpu, op, count) : 0;
}

static void csr_write(drv_dev *d, uint32_t addr, uint32_t val)
{
    d->hw.csr_write(d->hw.ctx, addr, val);
}

/* An MMIO write on the data path: doorbell, completion head, re-arm. */
static uint64_t doorbell(drv_dev *d, int cpu, uint32_t addr, uint32_t val)
{
    csr_write(d, addr, val);
    d->st.doorbells++;
    return charge(d, cpu, DRV_OP_DOORBELL, 1);
}

static uint32_t vec_reg(int v, uint32_t off) { return NIC_REG_VEC0 + NIC_REG_VEC_STRIDE * (uint32_t)v + off; }

/* ---- configuration ---- */
void drv_config_defaults(drv_config *c)
{
    memset(c, 0, sizeof *c);
    c->cpus = 4;
    c->rss_enable = 1;
    c->rx_queues = 4;
    memcpy(c->rss_key, rss_default_key, sizeof c->rss_key);
    c->hash_types = RSS_HT_DEFAULT_MASK;
    c->table_size = 0;
    c->csum_offload = 1;
    c->rx_ring_entries = 512;
    c->rx_buf_bytes = 2048;
    c->tx_ring_entries = 256;
    c->tx_buf_bytes = 2048;
    c->irq_mod_frames = 1;
    c->irq_mod_time_ns = 0;
    c->dpc_budget = 64;
    c->toe_enable = 0;
    c->toe_delack_ns = 200000000u;
    c->toe_push_ns = 0;
}

/* Checks what does not depend on the device. */
static int check_config(const drv_config *c, char *err, size_t errlen)
{
    if (c->cpus < 1 || c->cpus > 64)
        return drv_seterr(err, errlen, DRV_EINVAL, "driver: cpus %d out of range 1..64", c->cpus);
    if (c->rss_enable) {
        if (c->rx_queues < 1 || c->rx_queues > MAX_RXQ)
            return drv_seterr(err, errlen, DRV_EINVAL, "driver: rx_queues %d out of range 1..%d",
                          c->rx_queues, MAX_RXQ);
        if (c->table_size != 0) {
            if (c->table_size < 1 || c->table_size > 128 || !drv_is_pow2((uint64_t)c->table_size))
                return drv_seterr(err, errlen, DRV_EINVAL,
                              "driver: table_size %d is not a power of two in 1..128 (or 0)",
                              c->table_size);
            for (int i = 0; i < c->table_size; i++)
                if (c->table[i] >= c->rx_queues)
                    return drv_seterr(err, errlen, DRV_EINVAL,
                                  "driver: table[%d] = %u is not below rx_queues %d", i,
                                  (unsigned)c->table[i], c->rx_queues);
        }
        if (c->hash_types & ~(unsigned)NIC_HASH_TYPES_MASK)
            return drv_seterr(err, errlen, DRV_EINVAL,
                          "driver: hash_types 0x%x has bits beyond the six hash types (0x3f)",
                          (unsigned)c->hash_types);
    }
    if (!drv_is_pow2(c->rx_ring_entries) || c->rx_ring_entries < 2 || c->rx_ring_entries > 32768)
        return drv_seterr(err, errlen, DRV_EINVAL,
                      "driver: rx_ring_entries %u is not a power of two in 2..32768",
                      (unsigned)c->rx_ring_entries);
    if (!drv_is_pow2(c->tx_ring_entries) || c->tx_ring_entries < 2 || c->tx_ring_entries > 32768)
        return drv_seterr(err, errlen, DRV_EINVAL,
                      "driver: tx_ring_entries %u is not a power of two in 2..32768",
                      (unsigned)c->tx_ring_entries);
    if (c->rx_buf_bytes < 64 || c->rx_buf_bytes > (1u << 20))
        return drv_seterr(err, errlen, DRV_EINVAL, "driver: rx_buf_bytes %u out of range 64..1048576",
                      (unsigned)c->rx_buf_bytes);
    if (c->tx_buf_bytes < 64 || c->tx_buf_bytes > 65535)
        return drv_seterr(err, errlen, DRV_EINVAL, "driver: tx_buf_bytes %u out of range 64..65535",
                      (unsigned)c->tx_buf_bytes);
    if (c->dpc_budget < 1)
        return drv_seterr(err, errlen, DRV_EINVAL, "driver: dpc_budget must be at least 1");
    if (c->rx_spare_buffers > MAX_SPARE)
        return drv_seterr(err, errlen, DRV_EINVAL, "driver: rx_spare_buffers %u out of range 0..%u",
                      (unsigned)c->rx_spare_buffers, MAX_SPARE);
    return DRV_OK;
}

/* Layout of what drv_open allocates, shared by drv_open and drv_mem_required. */
static uint32_t buf_stride(uint32_t buf_bytes) { return (buf_bytes + BUF_ALIGN - 1) & ~(BUF_ALIGN - 1); }
/* Bytes of a queue's linearization buffer for multi-buffer frames (0: none needed): a frame
 * needs at most 255 descriptors and 65535 bytes. */
static uint64_t lin_bytes(const drv_config *c)
{
    if (c->rx_buf_bytes >= NIC_MAX_FRAME)
        return 0;
    uint64_t lin = (uint64_t)c->rx_ring_entries * c->rx_buf_bytes;
    return lin > NIC_MAX_FRAME ? NIC_MAX_FRAME : lin;
}
static void plan_add(uint64_t *end, uint64_t size, uint64_t align)
{
    *end = ((*end + align - 1) & ~(align - 1)) + size;
}
static void plan_ring(uint64_t *end, uint32_t entries, uint32_t buf_bytes)
{
    plan_add(end, (uint64_t)entries * NIC_DESC_BYTES, RING_ALIGN);
    plan_add(end, (uint64_t)entries * NIC_CPL_BYTES, RING_ALIGN);
    plan_add(end, (uint64_t)entries * buf_stride(buf_bytes), RING_ALIGN);
}

uint64_t drv_mem_required(const drv_config *c)
{
    if (!c || check_config(c, NULL, 0) != DRV_OK)
        return 0;
    int nq = c->rss_enable ? c->rx_queues : 1;
    uint64_t end = 0;
    for (int q = 0; q < nq; q++) {
        plan_ring(&end, c->rx_ring_entries, c->rx_buf_bytes);
        if (lin_bytes(c))
            plan_add(&end, lin_bytes(c), BUF_ALIGN);
        if (c->rx_spare_buffers)
            plan_add(&end, (uint64_t)c->rx_spare_buffers * buf_stride(c->rx_buf_bytes), RING_ALIGN);
    }
    plan_ring(&end, c->tx_ring_entries, c->tx_buf_bytes);
    plan_add(&end, (uint64_t)NIC_TOE_CMDQ_DEPTH * NIC_TOE_RESULT_BYTES, TOE_RES_ALIGN);
    return end;
}

static int mem_exhausted(const drv_config *c, const char *what, char *err, size_t errlen)
{
    return drv_seterr(err, errlen, DRV_ENOMEM,
                  "driver: host memory exhausted allocating %s (the driver needs %llu bytes in all)",
                  what, (unsigned long long)drv_mem_required(c));
}

/* Allocates a ring's descriptors, completions and buffers from mem. */
static int ring_alloc(drv_ring *r, const drv_config *c, const drv_mem_if *mem, uint32_t entries,
                      uint32_t buf_bytes, const char *what, char *err, size_t errlen)
{
    r->entries = entries;
    r->log2 = log2u(entries);
    r->buf_bytes = buf_bytes;
    r->buf_stride = buf_stride(buf_bytes);
    r->desc = mem->alloc(mem->ctx, (uint64_t)entries * NIC_DESC_BYTES, RING_ALIGN, &r->desc_dma);
    r->cpl = r->desc ? mem->alloc(mem->ctx, (uint64_t)entries * NIC_CPL_BYTES, RING_ALIGN, &r->cpl_dma) : NULL;
    r->buf = r->cpl ? mem->alloc(mem->ctx, (uint64_t)entries * r->buf_stride, RING_ALIGN, &r->buf_dma) : NULL;
    if (!r->buf)
        return mem_exhausted(c, what, err, errlen);
    return DRV_OK;
}

static uint64_t buf_addr(const drv_ring *r, uint32_t slot)
{
    return r->buf_dma + (uint64_t)slot * r->buf_stride;
}

/* Receive buffer b of a queue: host pointer and bus address. */
static uint8_t *rxbuf_ptr(const drv_rxq *rq, uint32_t b)
{
    const drv_ring *r = &rq->r;
    if (b < r->entries)
        return r->buf + (size_t)b * r->buf_stride;
    return rq->spare + (size_t)(b - r->entries) * r->buf_stride;
}
static uint64_t rxbuf_dma(const drv_rxq *rq, uint32_t b)
{
    const drv_ring *r = &rq->r;
    if (b < r->entries)
        return buf_addr(r, b);
    return rq->spare_dma + (uint64_t)(b - r->entries) * r->buf_stride;
}

/* Writes RX descriptor slot with the buffer the slot holds. */
static void rx_write_desc(drv_rxq *rq, uint32_t slot)
{
    drv_ring *r = &rq->r;
    uint8_t *p = r->desc + (size_t)slot * NIC_DESC_BYTES;
    assert(rq->slot_buf[slot] != RXB_NONE && "rx_write_desc: the slot has no buffer");
    put_le64(p + NIC_RXD_ADDR, rxbuf_dma(rq, rq->slot_buf[slot]));
    put_le32(p + NIC_RXD_LEN, r->buf_bytes);
    if (rq->cb && rq->cb->reposted)
        rq->cb->reposted(rq->cb->user, rxbuf_dma(rq, rq->slot_buf[slot]), r->buf_bytes);
    put_le32(p + NIC_RXD_LEN + 4, 0);
}

static void rxq_free(drv_rxq *rq)
{
    free(rq->slot_buf);
    free(rq->buf_state);
    free(rq->pool);
}

static void program_ring(drv_dev *d, const drv_ring *r)
{
    csr_write(d, r->regs + NIC_Q_DESC_LO, (uint32_t)r->desc_dma);
    csr_write(d, r->regs + NIC_Q_DESC_HI, (uint32_t)(r->desc_dma >> 32));
    csr_write(d, r->regs + NIC_Q_DESC_LOG2, r->log2);
    csr_write(d, r->regs + NIC_Q_CPL_LO, (uint32_t)r->cpl_dma);
    csr_write(d, r->regs + NIC_Q_CPL_HI, (uint32_t)(r->cpl_dma >> 32));
    csr_write(d, r->regs + NIC_Q_CPL_LOG2, r->log2);
    csr_write(d, r->regs + NIC_Q_CPL_HEAD, r->cpl_head);
    csr_write(d, r->regs + NIC_Q_VECTOR, (uint32_t)r->vector);
    csr_write(d, r->regs + NIC_Q_ENABLE, 1);
    csr_write(d, r->regs + NIC_Q_TAIL, r->tail);
}

static void program_vector(drv_dev *d, int v, int used)
{
    if (!used) {
        csr_write(d, vec_reg(v, NIC_V_CTRL), 0);
        return;
    }
    csr_write(d, vec_reg(v, NIC_V_MOD_FRAMES), d->cfg.irq_mod_frames);
    csr_write(d, vec_reg(v, NIC_V_MOD_TIME), d->cfg.irq_mod_time_ns);
    csr_write(d, vec_reg(v, NIC_V_CTRL), NIC_VEC_ENABLE | NIC_VEC_REARM);
}

static void program_device(drv_dev *d)
{
    const drv_config *c = &d->cfg;
    csr_write(d, NIC_REG_CTRL, 0); /* quiet while the rings are set up */
    for (int k = 0; k < 10; k++) {
        const uint8_t *b = c->rss_key + 4 * k;
        csr_write(d, NIC_REG_KEY0 + 4u * (uint32_t)k,
                  ((uint32_t)b[0] << 24) | ((uint32_t)b[1] << 16) | ((uint32_t)b[2] << 8) | b[3]);
    }
    csr_write(d, NIC_REG_HASH_TYPES, c->hash_types & NIC_HASH_TYPES_MASK);
    csr_write(d, NIC_REG_TABLE_MASK, (uint32_t)c->table_size - 1);
    /* All 128 entries, the table repeated past table_size, so the NIC routes consistently
     * whatever it does with the mask. */
    for (int j = 0; j < 32; j++) {
        uint32_t w = 0;
        for (int e = 0; e < 4; e++)
            w |= (uint32_t)(c->table[(4 * j + e) & (c->table_size - 1)] & 0x7F) << (8 * e);
        csr_write(d, NIC_REG_TABLE0 + 4u * (uint32_t)j, w);
    }
    for (int q = 0; q < d->num_rxq; q++) {
        if (q < d->nq)
            program_ring(d, &d->rx[q].r);
        else
            csr_write(d, NIC_REG_RXQ0 + NIC_REG_RXQ_STRIDE * (uint32_t)q + NIC_Q_ENABLE, 0);
    }
    program_ring(d, &d->tx);
    for (int v = 0; v <= d->num_rxq; v++)
        program_vector(d, v, v < d->nq || v == d->num_rxq);
    if (d->toe_slots) {
        csr_write(d, NIC_TOE_DELACK_NS, c->toe_delack_ns);
        csr_write(d, NIC_TOE_PUSH_NS, c->toe_push_ns);
        csr_write(d, NIC_TOE_CTRL, c->toe_enable ? 1u : 0u);
    }
    uint32_t ctrl = NIC_CTRL_RX_DMA | NIC_CTRL_TX;
    if (c->rss_enable)
        ctrl |= NIC_CTRL_RSS;
    if (c->csum_offload)
        ctrl |= NIC_CTRL_CSUM;
    csr_write(d, NIC_REG_CTRL, ctrl);
}

int drv_open(drv_dev **out, const drv_config *cfg, const drv_hw_ops *hw, const drv_mem_if *mem,
             const drv_callbacks *cb, char *err, size_t errlen)
{
    int rc = DRV_OK;
    drv_dev *d = NULL;
    uint64_t mem_mark = mem && mem->mark ? mem->mark(mem->ctx) : 0;

    if (out)
        *out = NULL;
    rc = drv_check_open_args(out, cfg, hw, mem, cb, "driver: drv_open", err, errlen);
    if (rc == DRV_OK)
        rc = check_config(cfg, err, errlen);
    if (rc == DRV_OK)
        rc = drv_check_id(hw, NIC_REG_ID, NIC_ID_VALUE, "driver", "a nicsim NIC", err, errlen);
    if (rc != DRV_OK)
        goto fail;
    uint32_t num_rxq = hw->csr_read(hw->ctx, NIC_REG_NUM_RXQ);
    if (num_rxq < 1 || num_rxq > MAX_RXQ) {
        rc = drv_seterr(err, errlen, DRV_EDEVICE, "driver: device reports %u RX queues (expected 1..%d)",
                    (unsigned)num_rxq, MAX_RXQ);
        goto fail;
    }
    uint32_t toe_slots = hw->csr_read(hw->ctx, NIC_TOE_SLOTS);
    if (toe_slots > TOE_MAX_SLOTS) {
        rc = drv_seterr(err, errlen, DRV_EDEVICE,
                    "driver: device reports %u TCP offload slots (expected 0..%u)",
                    (unsigned)toe_slots, (unsigned)TOE_MAX_SLOTS);
        goto fail;
    }
    if (cfg->rss_enable && (uint32_t)cfg->rx_queues > num_rxq) {
        rc = drv_seterr(err, errlen, DRV_EINVAL, "driver: rx_queues %d exceeds the NIC's %u RX queues",
                    cfg->rx_queues, (unsigned)num_rxq);
        goto fail;
    }

    d = calloc(1, sizeof *d);
    if (!d) {
        rc = drv_seterr(err, errlen, DRV_ENOMEM, "driver: out of memory");
        goto fail;
    }
    d->cfg = *cfg;
    d->hw = *hw;
    d->cb = *cb;
    d->num_rxq = (int)num_rxq;
    d->toe_slots = toe_slots;
    if (!cfg->rss_enable) {
        /* The un-scaled stack: one queue, everything on CPU 0, a table that only names 0. */
        d->nq = 1;
        d->cfg.rx_queues = 1;
        d->cfg.table_size = 1;
        memset(d->cfg.table, 0, sizeof d->cfg.table);
    } else {
        d->nq = cfg->rx_queues;
        if (cfg->table_size == 0) {
            d->cfg.table_size = 128;
            for (int i = 0; i < 128; i++)
                d->cfg.table[i] = (uint8_t)(i % cfg->rx_queues);
        }
    }

    for (int q = 0; q < d->nq; q++) {
        drv_rxq *rq = &d->rx[q];
        char what[48];
        snprintf(what, sizeof what, "RX queue %d", q);
        rc = ring_alloc(&rq->r, cfg, mem, cfg->rx_ring_entries, cfg->rx_buf_bytes, what, err, errlen);
        if (rc != DRV_OK)
            goto fail;
        rq->r.regs = NIC_REG_RXQ0 + NIC_REG_RXQ_STRIDE * (uint32_t)q;
        rq->r.vector = q;
        rq->r.cpu = cfg->rss_enable ? q % cfg->cpus : 0;
        uint64_t lin = lin_bytes(cfg);
        if (lin) {
            uint64_t lin_dma;
            snprintf(what, sizeof what, "RX queue %d linearization buffer", q);
            rq->lin = mem->alloc(mem->ctx, lin, BUF_ALIGN, &lin_dma);
            if (!rq->lin) {
                rc = mem_exhausted(cfg, what, err, errlen);
                goto fail;
            }
            rq->lin_bytes = (uint32_t)lin;
        }
        uint32_t spares = cfg->rx_spare_buffers;
        if (spares) {
            snprintf(what, sizeof what, "RX queue %d spare buffers", q);
            rq->spare = mem->alloc(mem->ctx, (uint64_t)spares * rq->r.buf_stride, RING_ALIGN, &rq->spare_dma);
            if (!rq->spare) {
                rc = mem_exhausted(cfg, what, err, errlen);
                goto fail;
            }
        }
        rq->nbuf = rq->r.entries + spares;
        rq->cur_bid = RXB_NONE;
        rq->cb = &d->cb;
        rq->slot_buf = calloc(rq->r.entries, sizeof *rq->slot_buf);
        rq->buf_state = calloc(rq->nbuf, sizeof *rq->buf_state);
        rq->pool = calloc(rq->nbuf, sizeof *rq->pool);
        if (!rq->slot_buf || !rq->buf_state || !rq->pool) {
            rc = drv_seterr(err, errlen, DRV_ENOMEM, "driver: out of memory");
            goto fail;
        }
        for (uint32_t b = rq->r.entries; b < rq->nbuf; b++) {
            rq->buf_state[b] = RXB_POOL;
            rq->pool[rq->npool++] = rq->nbuf - 1 - (b - rq->r.entries); /* lowest spare on top */
        }
        for (uint32_t s = 0; s < rq->r.entries; s++) {
            rq->slot_buf[s] = s;
            rx_write_desc(rq, s);
        }
        rq->r.tail = (uint16_t)rq->r.entries; /* every buffer posted */
    }
    rc = ring_alloc(&d->tx, cfg, mem, cfg->tx_ring_entries, cfg->tx_buf_bytes, "the TX queue", err,
                    errlen);
    if (rc != DRV_OK)
        goto fail;
    d->tx.regs = NIC_REG_TXQ;
    d->tx.vector = (int)num_rxq;
    d->tx.cpu = 0;
    d->tx_len = calloc(cfg->tx_ring_entries, sizeof *d->tx_len);
    d->tx_ndesc = calloc(cfg->tx_ring_entries, sizeof *d->tx_ndesc);
    if (!d->tx_len || !d->tx_ndesc) {
        rc = drv_seterr(err, errlen, DRV_ENOMEM, "driver: out of memory");
        goto fail;
    }
    d->toe_res = mem->alloc(mem->ctx, (uint64_t)NIC_TOE_CMDQ_DEPTH * NIC_TOE_RESULT_BYTES,
                            TOE_RES_ALIGN, &d->toe_res_dma);
    if (!d->toe_res) {
        rc = mem_exhausted(cfg, "the TCP offload result blocks", err, errlen);
        goto fail;
    }

    program_device(d);
    *out = d;
    return DRV_OK;

fail:
    if (d) {
        for (int q = 0; q < MAX_RXQ; q++)
            rxq_free(&d->rx[q]);
        free(d->tx_len);
        free(d->tx_ndesc);
        free(d);
    }
    if (mem && mem->rewind)
        mem->rewind(mem->ctx, mem_mark);
    return rc;
}

void drv_close(drv_dev *d)
{
    if (!d)
        return;
    for (int q = 0; q < MAX_RXQ; q++)
        rxq_free(&d->rx[q]);
    free(d->tx_len);
    free(d->tx_ndesc);
    free(d);
}

int drv_vector_count(const drv_dev *d) { return d->num_rxq + 1; }
int drv_tx_vector(const drv_dev *d) { return d->num_rxq; }
int drv_rx_queue_count(const drv_dev *d) { return d->nq; }

int drv_vector_cpu(const drv_dev *d, int vector)
{
    if (vector >= 0 && vector < d->nq)
        return d->rx[vector].r.cpu;
    return vector == d->num_rxq ? d->tx.cpu : -1;
}

void drv_get_stats(const drv_dev *d, drv_stats *s) { *s = d->st; }

/* ---- completions ---- */
static int cpl_ready(const drv_ring *r)
{
    const uint8_t *e = r->cpl + (size_t)(r->cpl_head & (r->entries - 1)) * NIC_CPL_BYTES;
    unsigned phase = nic_cpl_phase(r->cpl_head, r->log2);
    return ((e[NIC_CPL_FLAGS] & NIC_CPL_PHASE) != 0) == phase;
}

static void cpl_read(const drv_ring *r, drv_cpl *c)
{
    const uint8_t *e = r->cpl + (size_t)(r->cpl_head & (r->entries - 1)) * NIC_CPL_BYTES;
    c->word0 = get_le32(e + NIC_CPL_HASH);
    c->len = get_le16(e + NIC_CPL_LEN);
    c->hash_type = e[NIC_CPL_HASH_TYPE];
    c->flags = e[NIC_CPL_STATUS];
    c->first = get_le16(e + NIC_CPL_FIRST_DESC);
    c->used = e[NIC_CPL_NDESC];
    c->queue = e[NIC_CPL_QUEUE];
    c->type = e[NIC_CPL_TYPE];
    c->slot = get_le16(e + NIC_CPL_SLOT);
    c->tflags = e[NIC_CPL_FLAGS] & (uint8_t)~NIC_CPL_PHASE;
    c->word1 = get_le32(e + 4);
}

/* Descriptors posted to the NIC and not yet consumed (RX) or reclaimed (TX). */
static uint32_t outstanding(const drv_ring *r)
{
    uint32_t n = (uint16_t)(r->tail - r->next);
    assert(n <= r->entries && "ring: more descriptors outstanding than the ring holds");
    return n;
}

/* The descriptors a completion names are the next ones the driver expects. */
static int cpl_names_next(const drv_ring *r, const drv_cpl *c)
{
    return c->first == r->next && c->used >= 1 && c->used <= outstanding(r);
}

static int rx_cpl_valid(const drv_dev *d, const drv_ring *r, int q, const drv_cpl *c)
{
    if (c->type != NIC_CPL_TYPE_RX || c->queue != q || !cpl_names_next(r, c))
        return 0;
    const uint8_t marks = c->tflags & (NIC_CPL_F_TOE_DATA | NIC_CPL_F_TOE_EXC);
    if (marks) {
        /* A frame of an offloaded connection: one mark, a slot the NIC has, a known reason. */
        if (marks == (NIC_CPL_F_TOE_DATA | NIC_CPL_F_TOE_EXC) || c->slot >= d->toe_slots)
            return 0;
        if ((marks & NIC_CPL_F_TOE_EXC) && (c->tflags >> NIC_CPL_F_REASON_SHIFT & 7) >= NIC_TOE_UP_COUNT)
            return 0;
    }
    if (c->len == 0 || c->len > (uint32_t)c->used * r->buf_bytes ||
        c->len <= (uint32_t)(c->used - 1) * r->buf_bytes)
        return 0;
    if (c->hash_type >= RSS_HT_COUNT || (c->flags & NIC_CPL_ST_CSUM_MASK) >= NIC_CSUM_COUNT)
        return 0;
    return 1;
}

/* ---- TCP offload ---- */
static uint8_t *toe_block(const drv_dev *d, int blk)
{
    return d->toe_res + (size_t)blk * NIC_TOE_RESULT_BYTES;
}

/* The outstanding command a CMD event on ring q completes: the oldest one issued for q with
 * the event's op and cookie (commands complete in order; each ring sees its own in order). */
static drv_toe_cmd *toe_match(drv_dev *d, int q, int op, uint32_t cookie)
{
    drv_toe_cmd *best = NULL;
    for (int i = 0; i < NIC_TOE_CMDQ_DEPTH; i++) {
        drv_toe_cmd *k = &d->toe_cmd[i];
        if (k->used && k->queue == q && k->op == op && k->cookie == cookie && (!best || k->seq < best->seq))
            best = k;
    }
    return best;
}

/* One TOE event entry of RX ring q (already charged). Returns what the layer above spent. */
static uint64_t toe_event(drv_dev *d, int q, int cpu, const drv_cpl *c)
{
    drv_toe_event ev;
    nic_toe_state st;
    drv_toe_cmd *k = NULL;
    memset(&ev, 0, sizeof ev);
    ev.cpu = cpu;
    ev.queue = q;
    ev.slot = c->slot;
    if (d->toe_slots == 0) {
        d->st.bad_completion++; /* an event from a NIC without an engine */
        return 0;
    }
    switch (c->type) {
    case NIC_CPL_TYPE_TOE_CMD:
        ev.kind = DRV_TOE_EV_CMD;
        ev.cookie = c->word0;
        ev.op = (int)(c->word1 & 0xFF);
        ev.result = (int)(c->word1 >> 8 & 0xFF);
        k = toe_match(d, q, ev.op, ev.cookie);
        if (!k) {
            d->st.bad_completion++;
            return 0;
        }
        if (k->blk >= 0 && ev.result == NIC_TOE_R_OK) {
            uint32_t args[NIC_TOE_ARGS];
            const uint8_t *b = toe_block(d, k->blk);
            for (int i = 0; i < NIC_TOE_ARGS; i++)
                args[i] = get_le32(b + 4 * i);
            nic_toe_state_from_args(&st, args);
            ev.state = &st;
        }
        break;
    case NIC_CPL_TYPE_TOE_BUF:
        ev.kind = DRV_TOE_EV_BUF;
        ev.seq = c->word0;
        ev.bytes = c->word1;
        ev.push = (c->tflags & NIC_CPL_F_PUSH) != 0;
        if (c->slot >= d->toe_slots) {
            d->st.bad_completion++;
            return 0;
        }
        break;
    default: /* NIC_CPL_TYPE_TOE_UPREQ */
        ev.kind = DRV_TOE_EV_UPREQ;
        ev.rcv_nxt = c->word0;
        ev.reason = (int)c->word1;
        if (c->slot >= d->toe_slots || c->word1 >= NIC_TOE_UP_COUNT) {
            d->st.bad_completion++;
            return 0;
        }
        break;
    }
    d->st.toe_events++;
    if (k) {
        /* The command and its result block (already decoded into st) are free: the layer
         * above may issue the next command from the callback. */
        k->used = 0;
        d->toe_nout--;
    }
    return d->cb.toe_event ? d->cb.toe_event(d->cb.user, &ev) : 0;
}

int drv_toe_slots(const drv_dev *d) { return (int)d->toe_slots; }
int drv_toe_outstanding(const drv_dev *d) { return d->toe_nout; }

/* Writes one command: the argument words args[k] for the k with bit k of mask set (k < 32)
 * or listed in hi (ARG23/ARG24 of UPLOAD and QUERY), the cookie, then NIC_TOE_CMD. */
static int64_t toe_issue(drv_dev *d, int cpu, int queue, int op, uint32_t slot, const uint32_t *args,
                         uint32_t mask, uint32_t cookie)
{
    if (cpu < 0 || cpu >= d->cfg.cpus || queue < 0 || queue >= d->nq || d->toe_slots == 0)
        return DRV_EINVAL;
    if (op != NIC_TOE_OP_OFFLOAD && slot >= d->toe_slots)
        return DRV_EINVAL;
    if (d->toe_nout >= NIC_TOE_CMDQ_DEPTH) {
        d->st.toe_busy++;
        return DRV_EBUSY;
    }
    drv_toe_cmd *k = NULL;
    for (int i = 0; i < NIC_TOE_CMDQ_DEPTH && !k; i++)
        if (!d->toe_cmd[i].used)
            k = &d->toe_cmd[i];
    assert(k && "toe_issue: fewer than NIC_TOE_CMDQ_DEPTH outstanding but no free entry");
    uint32_t a[NIC_TOE_ARGS];
    memcpy(a, args, sizeof a);
    k->blk = -1;
    if (op == NIC_TOE_OP_UPLOAD || op == NIC_TOE_OP_QUERY) {
        /* Entry i owns result block i: a free entry has a free block. */
        k->blk = (int)(k - d->toe_cmd);
        uint64_t dma = d->toe_res_dma + (uint64_t)k->blk * NIC_TOE_RESULT_BYTES;
        a[23] = (uint32_t)dma;
        a[24] = (uint32_t)(dma >> 32);
        mask |= 1u << 23 | 1u << 24;
    }
    uint64_t cyc = charge(d, cpu, DRV_OP_TOE_CMD, 1);
    for (int i = 0; i < 32; i++)
        if (mask & (1u << i))
            cyc += doorbell(d, cpu, nic_reg_toe_arg(i), a[i]);
    cyc += doorbell(d, cpu, NIC_TOE_CMD_COOKIE, cookie);
    cyc += doorbell(d, cpu, NIC_TOE_CMD, nic_toe_cmd((unsigned)op, (unsigned)queue, slot));
    k->used = 1;
    k->seq = d->toe_seq++;
    k->queue = queue;
    k->op = op;
    k->cookie = cookie;
    k->slot = slot;
    d->toe_nout++;
    d->st.toe_cmds++;
    assert(cyc <= (uint64_t)INT64_MAX && "toe_issue: cycle count overflows the return type");
    return (int64_t)cyc;
}

int64_t drv_toe_offload(drv_dev *d, int cpu, int queue, const nic_toe_state *st, uint32_t cookie)
{
    if (!st || st->snd_wscale > 14 || st->rcv_wscale > 14 || st->queue >= d->nq)
        return DRV_EINVAL;
    uint32_t a[NIC_TOE_ARGS];
    nic_toe_state_to_args(st, a);
    return toe_issue(d, cpu, queue, NIC_TOE_OP_OFFLOAD, 0, a, (1u << 23) - 1, cookie); /* ARG0..22 */
}

int64_t drv_toe_upload(drv_dev *d, int cpu, int queue, uint32_t slot, uint32_t cookie)
{
    uint32_t a[NIC_TOE_ARGS] = {0};
    return toe_issue(d, cpu, queue, NIC_TOE_OP_UPLOAD, slot, a, 0, cookie);
}

int64_t drv_toe_query(drv_dev *d, int cpu, int queue, uint32_t slot, uint32_t cookie)
{
    uint32_t a[NIC_TOE_ARGS] = {0};
    return toe_issue(d, cpu, queue, NIC_TOE_OP_QUERY, slot, a, 0, cookie);
}

int64_t drv_toe_post(drv_dev *d, int cpu, int queue, uint32_t slot, uint64_t dma, uint32_t len, uint32_t cookie)
{
    if (len == 0 || len > (1u << 31))
        return DRV_EINVAL;
    uint32_t a[NIC_TOE_ARGS] = {0};
    a[0] = (uint32_t)dma;
    a[1] = (uint32_t)(dma >> 32);
    a[2] = len;
    return toe_issue(d, cpu, queue, NIC_TOE_OP_POST, slot, a, 0x7u, cookie);
}

int64_t drv_toe_update(drv_dev *d, int cpu, int queue, uint32_t slot, uint16_t mss, uint8_t ack_freq,
                       uint32_t rcv_wnd, uint32_t cookie)
{
    uint32_t a[NIC_TOE_ARGS] = {0};
    a[14] = (uint32_t)mss | (uint32_t)ack_freq << 16;
    a[20] = rcv_wnd;
    return toe_issue(d, cpu, queue, NIC_TOE_OP_UPDATE, slot, a, 1u << 14 | 1u << 20, cookie);
}

/* Posts descriptors from tail while the NIC lacks some (tail - next < entries): the slot at
 * tail holds its own buffer again unless the layer above kept it, then it takes one from the
 * pool; a slot with neither stops the walk (the ring stays shorter until a buffer returns).
 * Writes descriptors only; returns how many (the caller rings the tail doorbell). */
static uint32_t rx_refill(drv_rxq *rq)
{
    drv_ring *r = &rq->r;
    const uint32_t mask = r->entries - 1;
    uint32_t n = 0;
    while (outstanding(r) < r->entries) {
        uint32_t s = r->tail & mask;
        if (rq->slot_buf[s] == RXB_NONE) {
            if (rq->npool == 0)
                break;
            uint32_t b = rq->pool[--rq->npool];
            rq->buf_state[b] = RXB_SLOT;
            rq->slot_buf[s] = b;
        }
        rx_write_desc(rq, s);
        r->tail++;
        n++;
    }
    return n;
}

int64_t drv_rx_return(drv_dev *d, int cpu, uint32_t token)
{
    uint32_t q = token >> RX_TOKEN_SHIFT, b = token & ((1u << RX_TOKEN_SHIFT) - 1);
    if (cpu < 0 || cpu >= d->cfg.cpus || q >= (uint32_t)d->nq)
        return DRV_EINVAL;
    drv_rxq *rq = &d->rx[q];
    if (rq->in_dpc && b == rq->cur_bid && d->retain_flag) {
        /* kept and given back within the same indication: the buffer simply stays in its slot
         * and is re-posted with the others at the end of the DPC */
        d->retain_flag = 0;
        return 0;
    }
    if (b >= rq->nbuf || rq->buf_state[b] != RXB_KEPT)
        return DRV_EINVAL;
    rq->buf_state[b] = RXB_POOL;
    rq->pool[rq->npool++] = b;
    d->rx_kept--;
    /* Not inside this queue's DPC: fill what the ring lacks now (at most the slot this buffer
     * left, and the ones after it that were waiting behind it). */
    uint32_t posted = rq->in_dpc ? 0 : rx_refill(rq);
    /* joining the pool is a list insert; only descriptors written cost a re-post each */
    uint64_t cyc = posted ? charge(d, cpu, DRV_OP_RX_REPOST, posted) : 0;
    if (posted) {
        d->st.rx_reposted += posted;
        cyc += doorbell(d, cpu, rq->r.regs + NIC_Q_TAIL, rq->r.tail);
    }
    assert(cyc <= (uint64_t)INT64_MAX && "drv_rx_return: cycle count overflows the return type");
    return (int64_t)cyc;
}

uint32_t drv_rx_kept(const drv_dev *d) { return d->rx_kept; }

/* DPC body for RX queue q. */
static uint64_t rx_dpc(drv_dev *d, int q, int *more)
{
    drv_rxq *rq = &d->rx[q];
    drv_ring *r = &rq->r;
    const int cpu = r->cpu;
    const uint32_t mask = r->entries - 1;
    uint64_t cyc = charge(d, cpu, DRV_OP_DPC, 1);
    uint32_t n = 0;

    d->st.dpc++;
    while (n < d->cfg.dpc_budget && cpl_ready(r)) {
        drv_cpl c;
        cpl_read(r, &c);
        r->cpl_head++;
        n++;
        if (c.type == NIC_CPL_TYPE_TOE_BUF || c.type == NIC_CPL_TYPE_TOE_UPREQ ||
            c.type == NIC_CPL_TYPE_TOE_CMD) {
            /* An event: no descriptor, no frame. */
            cyc += charge(d, cpu, DRV_OP_TOE_EVENT, 1);
            cyc += toe_event(d, q, cpu, &c);
            continue;
        }
        cyc += charge(d, cpu, DRV_OP_RX_COMPLETION, 1);
        if (!rx_cpl_valid(d, r, q, &c)) {
            d->st.bad_completion++;
            /* An RX entry on this ring naming the next descriptors: the NIC did fill them,
             * so they go back to it with the others. Anything else is left alone. */
            if (c.type == NIC_CPL_TYPE_RX && cpl_names_next(r, &c)) {
                r->next = (uint16_t)(r->next + c.used);
            }
            continue;
        }
        drv_rx_frame f;
        uint32_t bid = RXB_NONE;
        if (c.used == 1) {
            bid = rq->slot_buf[c.first & mask];
            f.data = rxbuf_ptr(rq, bid);
        } else {
            assert(c.len <= rq->lin_bytes && "rx_dpc: frame longer than the linearization buffer");
            uint32_t off = 0;
            for (uint32_t i = 0; i < c.used; i++) {
                uint32_t chunk = c.len - off < r->buf_bytes ? c.len - off : r->buf_bytes;
                memcpy(rq->lin + off, rxbuf_ptr(rq, rq->slot_buf[(c.first + i) & mask]), chunk);
                off += chunk;
            }
            cyc += charge(d, cpu, DRV_OP_COPY_BYTE, c.len);
            d->st.rx_multi_buffer++;
            f.data = rq->lin;
        }
        f.len = c.len;
        f.hash_type = c.hash_type;
        f.hash = c.hash_type ? c.word0 : 0;
        f.csum = c.flags & NIC_CPL_ST_CSUM_MASK;
        f.l3 = (c.flags >> NIC_CPL_ST_L3_SHIFT) & NIC_CPL_ST_KIND_MASK;
        f.l4 = (c.flags >> NIC_CPL_ST_L4_SHIFT) & NIC_CPL_ST_KIND_MASK;
        f.frag = c.flags >> 7;
        f.queue = (uint8_t)q;
        f.cpu = cpu;
        f.toe_flags = c.tflags & (NIC_CPL_F_TOE_DATA | NIC_CPL_F_TOE_EXC);
        f.toe_reason = (f.toe_flags & NIC_CPL_F_TOE_EXC) ? (uint8_t)(c.tflags >> NIC_CPL_F_REASON_SHIFT & 7) : 0;
        f.toe_slot = f.toe_flags ? c.slot : 0;
        if (f.toe_flags)
            d->st.toe_frames_marked++;
        r->next = (uint16_t)(r->next + c.used);
        d->st.rx_frames++;
        d->st.rx_bytes += c.len;
        /* NetDMA: a frame in one buffer may be kept by the layer above */
        d->retain_flag = 0;
        f.dma = bid != RXB_NONE ? rxbuf_dma(rq, bid) : 0;
        f.retain = bid != RXB_NONE ? &d->retain_flag : NULL;
        f.token = bid != RXB_NONE ? (uint32_t)q << RX_TOKEN_SHIFT | bid : 0;
        if (d->cb.rx) {
            rq->in_dpc = 1;
            rq->cur_bid = bid;
            cyc += d->cb.rx(d->cb.user, &f);
            rq->in_dpc = 0;
            rq->cur_bid = RXB_NONE;
        }
        if (bid != RXB_NONE && d->retain_flag) {
            rq->slot_buf[c.first & mask] = RXB_NONE;
            rq->buf_state[bid] = RXB_KEPT;
            d->rx_kept++;
        }
        d->retain_flag = 0;
    }

    /* Re-post in order from tail: each consumed slot gets its buffer back, or a spare for a
     * kept one (rx_refill). */
    uint32_t posted = rx_refill(rq);
    if (posted) {
        d->st.rx_reposted += posted;
        cyc += charge(d, cpu, DRV_OP_RX_REPOST, posted);
        cyc += doorbell(d, cpu, r->regs + NIC_Q_TAIL, r->tail);
    }
    if (n)
        cyc += doorbell(d, cpu, r->regs + NIC_Q_CPL_HEAD, r->cpl_head);
    if (cpl_ready(r)) {
        *more = 1;
        d->st.dpc_requeued++;
    } else {
        cyc += doorbell(d, cpu, vec_reg(r->vector, NIC_V_CTRL), NIC_VEC_ENABLE | NIC_VEC_REARM);
    }
    return cyc;
}

static int tx_cpl_valid(const drv_dev *d, const drv_cpl *c)
{
    const drv_ring *r = &d->tx;
    if (c->type != NIC_CPL_TYPE_TX || !cpl_names_next(r, c))
        return 0;
    uint32_t slot = r->next & (r->entries - 1);
    return c->used == d->tx_ndesc[slot] && c->len == d->tx_len[slot] &&
           c->word0 == ((uint32_t)(c->first + c->used - 1) & (r->entries - 1));
}

/* Reclaims up to budget TX completions; *n counts the entries read. */
static uint64_t tx_reclaim(drv_dev *d, int cpu, uint32_t budget, uint32_t *n)
{
    drv_ring *r = &d->tx;
    uint64_t cyc = 0;
    uint32_t got = 0;

    while (got < budget && cpl_ready(r)) {
        drv_cpl c;
        cpl_read(r, &c);
        r->cpl_head++;
        got++;
        cyc += charge(d, cpu, DRV_OP_TX_COMPLETION, 1);
        if (!tx_cpl_valid(d, &c)) {
            /* Unlike RX, nothing is given back: the NIC may still be reading the buffers. */
            d->st.bad_completion++;
            continue;
        }
        d->st.tx_completed++;
        /* The bounce buffers of the frame are free again. */
        uint32_t slot = r->next & (r->entries - 1);
        d->tx_len[slot] = 0;
        d->tx_ndesc[slot] = 0;
        r->next = (uint16_t)(r->next + c.used);
    }
    if (got)
        cyc += doorbell(d, cpu, r->regs + NIC_Q_CPL_HEAD, r->cpl_head);
    *n = got;
    return cyc;
}

static uint64_t tx_dpc(drv_dev *d, int *more)
{
    drv_ring *r = &d->tx;
    uint32_t n;
    uint64_t cyc = charge(d, r->cpu, DRV_OP_DPC, 1);
    d->st.dpc++;
    cyc += tx_reclaim(d, r->cpu, d->cfg.dpc_budget, &n);
    if (cpl_ready(r)) {
        *more = 1;
        d->st.dpc_requeued++;
    } else {
        cyc += doorbell(d, r->cpu, vec_reg(r->vector, NIC_V_CTRL), NIC_VEC_ENABLE | NIC_VEC_REARM);
    }
    return cyc;
}

/* ---- interrupt path ---- */
uint64_t drv_isr(drv_dev *d, int vector)
{
    int cpu = drv_vector_cpu(d, vector);
    d->st.isr++;
    if (cpu < 0) {
        d->st.spurious_irq++; /* still an interrupt entry; charged to CPU 0 */
        cpu = 0;
    }
    /* MSI-X with auto-mask: nothing to read or acknowledge; the DPC follows. */
    return charge(d, cpu, DRV_OP_ISR, 1);
}

uint64_t drv_dpc(drv_dev *d, int vector, int *more)
{
    int dummy;
    if (!more)
        more = &dummy;
    *more = 0;
    if (vector == d->num_rxq)
        return tx_dpc(d, more);
    if (vector < 0 || vector >= d->nq) {
        d->st.spurious_irq++;
        return 0;
    }
    return rx_dpc(d, vector, more);
}

/* ---- send path ---- */
int64_t drv_tx(drv_dev *d, int cpu, const uint8_t *frame, uint32_t len)
{
    drv_ring *r = &d->tx;
    const uint32_t mask = r->entries - 1;
    assert(cpu >= 0 && cpu < d->cfg.cpus && "drv_tx: cpu out of range");
    assert((frame || len == 0) && "drv_tx: no frame");

    uint32_t ndesc = len ? (len + r->buf_bytes - 1) / r->buf_bytes : 0;
    if (len == 0 || len > NIC_MAX_FRAME || ndesc > r->entries || ndesc > NIC_MAX_DESC_PER_FRAME) {
        d->st.tx_bad_len++;
        return -2;
    }
    uint64_t cyc = 0;
    if (r->entries - outstanding(r) < ndesc) {
        uint32_t n;
        cyc += tx_reclaim(d, cpu, UINT32_MAX, &n);
        if (r->entries - outstanding(r) < ndesc) {
            d->st.tx_ring_full++;
            return -1;
        }
    }

    uint32_t first = r->tail & mask, off = 0;
    for (uint32_t i = 0; i < ndesc; i++) {
        uint32_t slot = r->tail & mask;
        uint32_t chunk = len - off < r->buf_bytes ? len - off : r->buf_bytes;
        memcpy(r->buf + (size_t)slot * r->buf_stride, frame + off, chunk);
        uint8_t *p = r->desc + (size_t)slot * NIC_DESC_BYTES;
        put_le64(p + NIC_TXD_ADDR, buf_addr(r, slot));
        put_le16(p + NIC_TXD_LEN, (uint16_t)chunk);
        put_le16(p + NIC_TXD_FLAGS, i + 1 == ndesc ? NIC_TXD_F_EOP : 0);
        put_le32(p + NIC_TXD_COOKIE, slot);
        off += chunk;
        r->tail++;
    }
    d->tx_len[first] = len;
    d->tx_ndesc[first] = (uint8_t)ndesc;
    d->st.tx_frames++;
    d->st.tx_bytes += len;
    cyc += charge(d, cpu, DRV_OP_COPY_BYTE, len);
    cyc += charge(d, cpu, DRV_OP_TX_FRAME, 1);
    cyc += doorbell(d, cpu, r->regs + NIC_Q_TAIL, r->tail);
    assert(cyc <= (uint64_t)INT64_MAX && "drv_tx: cycle count overflows the return type");
    return (int64_t)cyc;
}
