/* Software model of the NIC's host interface for the driver tests; see fake_nic.h. */
#include "fake_nic.h"

#include "nic_hw.h"

#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Register map and layouts: rtl/nic_hw.h (docs/hw-interface.md). */
#define A_STAT NIC_REG_STAT_RX_FRAMES /* .. NIC_REG_STAT_NON_IP: receive-pipeline statistics */
#define A_KEY_BYTES (4u * NIC_KEY_WORDS)
#define A_TABLE_BYTES (4u * NIC_TABLE_WORDS)


#define LOG_MAX 65536u
#define IRQ_FIFO 1024u

typedef struct fq {
    uint32_t desc_lo, desc_hi, desc_log2;
    uint32_t cpl_lo, cpl_hi, cpl_log2;
    uint16_t tail, head, cpl_head, cpl_tail;
    uint32_t vector, enable;
    uint32_t drop_nodesc, drop_cplfull, completed;
} fq;

typedef struct fv {
    uint32_t frames_thr, time_thr;
    int enabled, masked;
    uint32_t events;
    uint64_t first_ns;
    uint32_t messages;
} fv;

/* TCP offload engine: a connection slot and a queued command. */
typedef struct ftslot {
    int used;
    uint32_t w[NIC_TOE_ARGS]; /* the slot's state in the argument layout (what UPLOAD returns) */
    uint64_t buf_addr[NIC_TOE_BUFS];
} ftslot;

typedef struct ftcmd {
    uint32_t cmd, cookie, a[25]; /* NIC_TOE_CMD, the cookie, ARG0..ARG24 as latched */
} ftcmd;

typedef struct fframe {
    uint8_t *data;
    uint32_t len;
} fframe;

struct fake_nic {
    int num_rxq;
    uint8_t *mem;
    uint64_t dma_base, size;
    uint32_t id, num_rxq_reg;
    uint32_t ctrl, htypes, tmask, key[10], table[32];
    fq rx[64];
    fq tx;
    fv vec[65];
    uint64_t now;
    uint32_t drop_nodesc, drop_cplfull, tx_frames, irqs;
    int irq_fifo[IRQ_FIFO];
    unsigned irq_rd, irq_wr;
    fake_csr_write *log;
    size_t nlog, nlog_all;
    uint64_t reads;
    unsigned errors;
    char first_error[256];
    fframe *txout;
    size_t ntx, captx;
    int corrupt_byte;      /* -1: none pending */
    uint8_t corrupt_value;
    /* TCP offload engine (fake_nic_toe_init) */
    uint32_t toe_slots, toe_ctrl, toe_delack, toe_push, toe_cookie, toe_args[NIC_TOE_ARGS];
    ftslot *toe;
    uint32_t *toe_free;    /* free-list FIFO of slots */
    uint32_t toe_free_head, toe_free_n, toe_used;
    ftcmd toe_q[NIC_TOE_CMDQ_DEPTH];
    unsigned toe_qh, toe_qn;
    uint32_t toe_accepted;
    uint8_t next_toe_flags; /* flags byte and slot of the next RX completion (marked frames) */
    uint16_t next_toe_slot;
};

static void violation(fake_nic *f, const char *fmt, ...)
{
    if (f->errors++ == 0) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(f->first_error, sizeof f->first_error, fmt, ap);
        va_end(ap);
    }
}

static uint8_t *host(fake_nic *f, uint64_t addr, uint64_t len)
{
    if (addr < f->dma_base || addr - f->dma_base > f->size || len > f->size - (addr - f->dma_base))
        return NULL;
    return f->mem + (addr - f->dma_base);
}

static uint64_t rd_le(const uint8_t *p, int n)
{
    uint64_t v = 0;
    for (int i = n - 1; i >= 0; i--)
        v = (v << 8) | p[i];
    return v;
}

static void wr_le(uint8_t *p, uint64_t v, int n)
{
    for (int i = 0; i < n; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

fake_nic *fake_nic_new(int num_rxq, uint8_t *mem, uint64_t dma_base, uint64_t size)
{
    assert(num_rxq >= 1 && num_rxq <= 64 && "fake_nic_new: 1..64 RX queues");
    fake_nic *f = calloc(1, sizeof *f);
    assert(f && "fake_nic_new: out of memory");
    f->num_rxq = num_rxq;
    f->mem = mem;
    f->dma_base = dma_base;
    f->size = size;
    f->id = NIC_ID_VALUE;
    f->num_rxq_reg = (uint32_t)num_rxq;
    f->ctrl = NIC_CTRL_RSS | NIC_CTRL_CSUM; /* reset values */
    f->htypes = 0x1B;
    f->corrupt_byte = -1;
    f->log = calloc(LOG_MAX, sizeof *f->log);
    assert(f->log && "fake_nic_new: out of memory");
    return f;
}

void fake_nic_free(fake_nic *f)
{
    if (!f)
        return;
    free(f->toe);
    free(f->toe_free);
    for (size_t i = 0; i < f->ntx; i++)
        free(f->txout[i].data);
    free(f->txout);
    free(f->log);
    free(f);
}

void fake_nic_poke(fake_nic *f, uint32_t addr, uint32_t val)
{
    if (addr == NIC_REG_ID)
        f->id = val;
    else if (addr == NIC_REG_NUM_RXQ)
        f->num_rxq_reg = val;
    else
        assert(0 && "fake_nic_poke: only ID and NUM_RXQ");
}

/* ---- interrupt vectors ---- */
static void vec_eval(fake_nic *f, int v)
{
    fv *x = &f->vec[v];
    if (!x->enabled || x->masked || x->events == 0)
        return;
    uint32_t thr = x->frames_thr & 0xFFFFu;
    if (thr < 1)
        thr = 1;
    int fire = x->events >= thr || (x->time_thr && f->now - x->first_ns >= x->time_thr);
    if (!fire)
        return;
    x->masked = 1; /* auto-mask */
    x->events = 0;
    x->messages++;
    f->irqs++;
    if (f->irq_wr - f->irq_rd >= IRQ_FIFO) {
        violation(f, "interrupt FIFO overflow (vector %d)", v);
        return;
    }
    f->irq_fifo[f->irq_wr++ % IRQ_FIFO] = v;
}

static void vec_event(fake_nic *f, uint32_t v)
{
    if (v > (uint32_t)f->num_rxq) {
        violation(f, "completion on a queue whose vector %u does not exist", (unsigned)v);
        return;
    }
    fv *x = &f->vec[v];
    if (x->events++ == 0)
        x->first_ns = f->now;
    vec_eval(f, (int)v);
}

void fake_nic_set_time(fake_nic *f, uint64_t now_ns)
{
    if (now_ns > f->now)
        f->now = now_ns;
    for (int v = 0; v <= f->num_rxq; v++)
        vec_eval(f, v);
}

int fake_nic_next_irq(fake_nic *f)
{
    if (f->irq_rd == f->irq_wr)
        return -1;
    return f->irq_fifo[f->irq_rd++ % IRQ_FIFO];
}

int fake_nic_irq_pending(const fake_nic *f) { return (int)(f->irq_wr - f->irq_rd); }
int fake_nic_vector_masked(const fake_nic *f, int v) { return f->vec[v].masked; }
uint32_t fake_nic_vector_events(const fake_nic *f, int v) { return f->vec[v].events; }

/* ---- registers ---- */
static uint32_t q_entries(uint32_t log2) { return log2 ? 1u << log2 : 0; }

static int q_configured(fake_nic *f, const fq *q, const char *name)
{
    uint64_t desc = ((uint64_t)q->desc_hi << 32) | q->desc_lo;
    uint64_t cpl = ((uint64_t)q->cpl_hi << 32) | q->cpl_lo;
    if (q->desc_log2 < 1 || q->desc_log2 > 15 || q->cpl_log2 < 1 || q->cpl_log2 > 15) {
        violation(f, "%s enabled with ring sizes log2 %u/%u", name, (unsigned)q->desc_log2,
                  (unsigned)q->cpl_log2);
        return 0;
    }
    if ((desc & 15) || (cpl & 15)) {
        violation(f, "%s ring base not 16-byte aligned", name);
        return 0;
    }
    if (!host(f, desc, 16ull << q->desc_log2) || !host(f, cpl, 16ull << q->cpl_log2)) {
        violation(f, "%s ring outside host memory", name);
        return 0;
    }
    return 1;
}

static void q_write(fake_nic *f, fq *q, const char *name, uint32_t off, uint32_t val)
{
    switch (off) {
    case NIC_Q_DESC_LO: q->desc_lo = val; break;
    case NIC_Q_DESC_HI: q->desc_hi = val; break;
    case NIC_Q_DESC_LOG2:
        if (val < 1 || val > 15)
            violation(f, "%s descriptor ring log2 %u out of 1..15", name, (unsigned)val);
        q->desc_log2 = val;
        break;
    case NIC_Q_TAIL: {
        uint16_t t = (uint16_t)val;
        if (val > 0xFFFF)
            violation(f, "%s doorbell 0x%x wider than 16 bits", name, (unsigned)val);
        if ((uint16_t)(t - q->head) > q_entries(q->desc_log2))
            violation(f, "%s doorbell %u: %u descriptors past head %u, ring holds %u", name,
                      (unsigned)t, (unsigned)(uint16_t)(t - q->head), (unsigned)q->head,
                      (unsigned)q_entries(q->desc_log2));
        q->tail = t;
        break;
    }
    case NIC_Q_CPL_LO: q->cpl_lo = val; break;
    case NIC_Q_CPL_HI: q->cpl_hi = val; break;
    case NIC_Q_CPL_LOG2:
        if (val < 1 || val > 15)
            violation(f, "%s completion ring log2 %u out of 1..15", name, (unsigned)val);
        q->cpl_log2 = val;
        break;
    case NIC_Q_CPL_HEAD: {
        uint16_t h = (uint16_t)val;
        if ((uint16_t)(q->cpl_tail - h) > (uint16_t)(q->cpl_tail - q->cpl_head))
            violation(f, "%s completion head %u moves back or past tail %u (was %u)", name,
                      (unsigned)h, (unsigned)q->cpl_tail, (unsigned)q->cpl_head);
        q->cpl_head = h;
        break;
    }
    case NIC_Q_VECTOR:
        if (val > (uint32_t)f->num_rxq)
            violation(f, "%s vector %u does not exist", name, (unsigned)val);
        q->vector = val;
        break;
    case NIC_Q_ENABLE:
        q->enable = val & 1;
        if (q->enable)
            q_configured(f, q, name);
        break;
    default:
        violation(f, "%s: write 0x%x to read-only or unknown offset 0x%02x", name, (unsigned)val,
                  (unsigned)off);
    }
}

static uint32_t q_read(const fq *q, uint32_t off, int *ok)
{
    *ok = 1;
    switch (off) {
    case NIC_Q_DESC_LO: return q->desc_lo;
    case NIC_Q_DESC_HI: return q->desc_hi;
    case NIC_Q_DESC_LOG2: return q->desc_log2;
    case NIC_Q_TAIL: return q->tail;
    case NIC_Q_HEAD: return q->head;
    case NIC_Q_CPL_LO: return q->cpl_lo;
    case NIC_Q_CPL_HI: return q->cpl_hi;
    case NIC_Q_CPL_LOG2: return q->cpl_log2;
    case NIC_Q_CPL_HEAD: return q->cpl_head;
    case NIC_Q_CPL_TAIL: return q->cpl_tail;
    case NIC_Q_VECTOR: return q->vector;
    case NIC_Q_ENABLE: return q->enable;
    case NIC_Q_DROP_NODESC: return q->drop_nodesc;
    case NIC_Q_DROP_CPL_FULL: return q->drop_cplfull;
    case NIC_Q_DONE: return q->completed;
    }
    *ok = 0;
    return 0;
}

static void toe_write(fake_nic *f, uint32_t addr, uint32_t val);

static void csr_write(void *ctx, uint32_t addr, uint32_t val)
{
    fake_nic *f = ctx;
    if (f->nlog < LOG_MAX)
        f->log[f->nlog++] = (fake_csr_write){addr, val};
    f->nlog_all++;
    if (addr & 3) {
        violation(f, "unaligned register write 0x%x", (unsigned)addr);
        return;
    }
    if (addr == NIC_REG_CTRL) {
        const uint32_t ctrl_bits = NIC_CTRL_RSS | NIC_CTRL_CSUM | NIC_CTRL_RX_DMA | NIC_CTRL_TX;
        if (val & ~ctrl_bits)
            violation(f, "CTRL 0x%x sets undefined bits", (unsigned)val);
        f->ctrl = val & ctrl_bits;
    } else if (addr == NIC_REG_HASH_TYPES) {
        f->htypes = val & NIC_HASH_TYPES_MASK;
    } else if (addr == NIC_REG_TABLE_MASK) {
        if (val > 127 || (val & (val + 1)) != 0)
            violation(f, "table mask 0x%x is not a power of two minus one <= 127", (unsigned)val);
        f->tmask = val & 0x7F;
    } else if (addr >= NIC_REG_KEY0 && addr < NIC_REG_KEY0 + A_KEY_BYTES) {
        f->key[(addr - NIC_REG_KEY0) / 4] = val;
    } else if (addr >= NIC_REG_TABLE0 && addr < NIC_REG_TABLE0 + A_TABLE_BYTES) {
        f->table[(addr - NIC_REG_TABLE0) / 4] = val;
    } else if (addr >= NIC_REG_RXQ0 && addr < NIC_REG_RXQ0 + NIC_REG_RXQ_STRIDE * (uint32_t)f->num_rxq) {
        char name[24];
        unsigned q = (addr - NIC_REG_RXQ0) / NIC_REG_RXQ_STRIDE;
        snprintf(name, sizeof name, "RX queue %u", q);
        q_write(f, &f->rx[q], name, (addr - NIC_REG_RXQ0) % NIC_REG_RXQ_STRIDE, val);
    } else if (addr >= NIC_REG_TXQ && addr < NIC_REG_TXQ + NIC_Q_BLOCK_BYTES) {
        q_write(f, &f->tx, "TX queue", addr - NIC_REG_TXQ, val);
    } else if (addr >= NIC_REG_VEC0 && addr < NIC_REG_VEC0 + NIC_REG_VEC_STRIDE * (uint32_t)(f->num_rxq + 1)) {
        unsigned v = (addr - NIC_REG_VEC0) / NIC_REG_VEC_STRIDE;
        fv *x = &f->vec[v];
        switch ((addr - NIC_REG_VEC0) % NIC_REG_VEC_STRIDE) {
        case NIC_V_MOD_FRAMES: x->frames_thr = val & 0xFFFF; break;
        case NIC_V_MOD_TIME: x->time_thr = val; break;
        case NIC_V_CTRL:
            x->enabled = (val >> 1) & 1;
            if (val & 1)
                x->masked = 0;
            vec_eval(f, (int)v);
            break;
        default: violation(f, "write to read-only vector register 0x%x", (unsigned)addr);
        }
    } else if (f->toe_slots && (addr >> 12) == NIC_BLK_TOE) {
        toe_write(f, addr, val);
    } else {
        violation(f, "write 0x%x to read-only or unknown register 0x%x", (unsigned)val,
                  (unsigned)addr);
    }
}

static uint32_t reg_value(const fake_nic *f, uint32_t addr, int *known)
{
    int ok = 1;
    *known = 1;
    if (addr == NIC_REG_ID) return f->id;
    if (addr == NIC_REG_WIDTH) return 64;
    if (addr == NIC_REG_CTRL) return f->ctrl;
    if (addr == NIC_REG_HASH_TYPES) return f->htypes;
    if (addr == NIC_REG_TABLE_MASK) return f->tmask;
    if (addr == NIC_REG_NUM_RXQ) return f->num_rxq_reg;
    if (addr == NIC_REG_NUM_VEC) return (uint32_t)f->num_rxq + 1;
    if (addr >= NIC_REG_KEY0 && addr < NIC_REG_KEY0 + A_KEY_BYTES) return f->key[(addr - NIC_REG_KEY0) / 4];
    if (addr >= NIC_REG_TABLE0 && addr < NIC_REG_TABLE0 + A_TABLE_BYTES) return f->table[(addr - NIC_REG_TABLE0) / 4];
    if (addr >= A_STAT && addr <= NIC_REG_STAT_NON_IP) return 0;
    if (addr == NIC_REG_STAT_DROP_NODESC) return f->drop_nodesc;
    if (addr == NIC_REG_STAT_DROP_CPL_FULL) return f->drop_cplfull;
    if (addr == NIC_REG_STAT_TX_FRAMES) return f->tx_frames;
    if (addr == NIC_REG_STAT_IRQS) return f->irqs;
    if (addr == NIC_TOE_SLOTS) return f->toe_slots; /* 0: no engine */
    if (f->toe_slots && (addr >> 12) == NIC_BLK_TOE) {
        if (addr == NIC_TOE_CTRL) return f->toe_ctrl;
        if (addr == NIC_TOE_USED) return f->toe_used;
        if (addr == NIC_TOE_CMD_COOKIE) return f->toe_cookie;
        if (addr == NIC_TOE_CMD_PENDING) return f->toe_qn;
        if (addr == NIC_TOE_DELACK_NS) return f->toe_delack;
        if (addr == NIC_TOE_PUSH_NS) return f->toe_push;
        if (addr >= NIC_TOE_STAT_PLACED_LO && addr <= NIC_TOE_STAT_SEGS) return 0;
        if (addr >= NIC_TOE_ARG0 && addr < NIC_TOE_ARG0 + 4u * NIC_TOE_ARGS) return f->toe_args[(addr - NIC_TOE_ARG0) / 4];
    }
    if (addr >= NIC_REG_RXQ0 && addr < NIC_REG_RXQ0 + NIC_REG_RXQ_STRIDE * (uint32_t)f->num_rxq) {
        uint32_t v = q_read(&f->rx[(addr - NIC_REG_RXQ0) / NIC_REG_RXQ_STRIDE], (addr - NIC_REG_RXQ0) % NIC_REG_RXQ_STRIDE, &ok);
        if (ok) return v;
    }
    if (addr >= NIC_REG_TXQ && addr < NIC_REG_TXQ + NIC_Q_BLOCK_BYTES) {
        uint32_t v = q_read(&f->tx, addr - NIC_REG_TXQ, &ok);
        if (ok) return v;
    }
    if (addr >= NIC_REG_VEC0 && addr < NIC_REG_VEC0 + NIC_REG_VEC_STRIDE * (uint32_t)(f->num_rxq + 1)) {
        const fv *x = &f->vec[(addr - NIC_REG_VEC0) / NIC_REG_VEC_STRIDE];
        switch ((addr - NIC_REG_VEC0) % NIC_REG_VEC_STRIDE) {
        case NIC_V_MOD_FRAMES: return x->frames_thr;
        case NIC_V_MOD_TIME: return x->time_thr;
        case NIC_V_CTRL: return (uint32_t)x->enabled << 1;
        case NIC_V_SENT: return x->messages;
        }
    }
    *known = 0;
    return 0;
}

uint32_t fake_nic_reg(const fake_nic *f, uint32_t addr)
{
    int known;
    return reg_value(f, addr, &known);
}

static uint32_t csr_read(void *ctx, uint32_t addr)
{
    fake_nic *f = ctx;
    int known;
    f->reads++;
    uint32_t v = reg_value(f, addr, &known);
    if (!known || (addr & 3))
        violation(f, "read of unknown register 0x%x", (unsigned)addr);
    return v;
}

drv_hw_ops fake_nic_hw_ops(fake_nic *f)
{
    drv_hw_ops ops = {csr_write, csr_read, f};
    return ops;
}

size_t fake_nic_write_count(const fake_nic *f) { return f->nlog_all; }
const fake_csr_write *fake_nic_write_log(const fake_nic *f) { return f->log; }
void fake_nic_clear_log(fake_nic *f) { f->nlog = f->nlog_all = 0; }
uint64_t fake_nic_read_count(const fake_nic *f) { return f->reads; }
unsigned fake_nic_errors(const fake_nic *f) { return f->errors; }
const char *fake_nic_first_error(const fake_nic *f) { return f->first_error; }

size_t fake_nic_writes_to(const fake_nic *f, uint32_t addr)
{
    size_t n = 0;
    for (size_t i = 0; i < f->nlog; i++)
        n += f->log[i].addr == addr;
    return n;
}

/* ---- receive DMA ---- */
uint32_t fake_nic_rx_avail(const fake_nic *f, int q) { return (uint16_t)(f->rx[q].tail - f->rx[q].head); }

/* Writes one 16-byte completion on ring q with its phase bit, advances cpl_tail. */
static int write_cpl(fake_nic *f, fq *q, uint8_t e[16])
{
    uint32_t n = q_entries(q->cpl_log2);
    if (!n || (uint16_t)(q->cpl_tail - q->cpl_head) >= n)
        return -1;
    uint64_t base = ((uint64_t)q->cpl_hi << 32) | q->cpl_lo;
    uint8_t *p = host(f, base + (uint64_t)NIC_CPL_BYTES * (q->cpl_tail & (n - 1)), NIC_CPL_BYTES);
    if (!p) {
        violation(f, "completion ring outside host memory");
        return -1;
    }
    unsigned phase = nic_cpl_phase(q->cpl_tail, q->cpl_log2);
    e[NIC_CPL_FLAGS] = (uint8_t)((e[NIC_CPL_FLAGS] & ~NIC_CPL_PHASE) | (phase ? NIC_CPL_PHASE : 0));
    memcpy(p, e, NIC_CPL_BYTES); /* one burst */
    q->cpl_tail++;
    return 0;
}

int fake_nic_rx_queue(fake_nic *f, int qi, const uint8_t *data, uint32_t len,
                      const fake_rx_meta *m)
{
    assert(qi >= 0 && qi < f->num_rxq && "fake_nic_rx_queue: no such queue");
    assert(len >= 1 && len <= 65535 && "fake_nic_rx_queue: frame length 1..65535");
    fq *q = &f->rx[qi];
    if (!(f->ctrl & NIC_CTRL_RX_DMA) || !q->enable)
        goto no_desc;

    /* Walk the descriptors the frame needs before writing anything. */
    uint32_t entries = q_entries(q->desc_log2);
    uint64_t dbase = ((uint64_t)q->desc_hi << 32) | q->desc_lo;
    uint32_t avail = (uint16_t)(q->tail - q->head);
    uint32_t used = 0, rem = len;
    while (rem) {
        if (used == avail || used == 255)
            goto no_desc;
        const uint8_t *d = host(f, dbase + 16ull * ((q->head + used) & (entries - 1)), 16);
        if (!d) {
            violation(f, "RX descriptor ring outside host memory");
            return FAKE_DROP_BAD;
        }
        uint64_t addr = rd_le(d, 8);
        uint32_t bytes = (uint32_t)rd_le(d + NIC_RXD_LEN, 4);
        if (bytes == 0 || !host(f, addr, bytes)) {
            violation(f, "RX descriptor %u: buffer 0x%llx + %u outside host memory or empty",
                      (unsigned)(uint16_t)(q->head + used), (unsigned long long)addr,
                      (unsigned)bytes);
            return FAKE_DROP_BAD;
        }
        rem -= rem < bytes ? rem : bytes;
        used++;
    }
    uint32_t cn = q_entries(q->cpl_log2);
    if ((uint16_t)(q->cpl_tail - q->cpl_head) >= cn) {
        q->drop_cplfull++;
        f->drop_cplfull++;
        return FAKE_DROP_CPL_FULL;
    }

    uint32_t off = 0;
    for (uint32_t i = 0; i < used; i++) {
        const uint8_t *d = host(f, dbase + 16ull * ((q->head + i) & (entries - 1)), 16);
        uint64_t addr = rd_le(d, 8);
        uint32_t bytes = (uint32_t)rd_le(d + NIC_RXD_LEN, 4);
        uint32_t chunk = len - off < bytes ? len - off : bytes;
        memcpy(host(f, addr, chunk), data + off, chunk);
        off += chunk;
    }

    uint8_t hash_type = m->hash_type;
    if (!(f->ctrl & NIC_CTRL_RSS) || (hash_type && !(f->htypes & (1u << (hash_type - 1)))))
        hash_type = 0;
    uint8_t csum = (f->ctrl & NIC_CTRL_CSUM) ? m->csum : 0;
    uint8_t e[NIC_CPL_BYTES] = {0};
    wr_le(e + NIC_CPL_HASH, hash_type ? m->hash : 0, 4);
    wr_le(e + NIC_CPL_LEN, len, 2);
    e[NIC_CPL_HASH_TYPE] = hash_type;
    e[NIC_CPL_STATUS] = (uint8_t)((csum & NIC_CPL_ST_CSUM_MASK) |
                                  ((m->l3 & NIC_CPL_ST_KIND_MASK) << NIC_CPL_ST_L3_SHIFT) |
                                  ((m->l4 & NIC_CPL_ST_KIND_MASK) << NIC_CPL_ST_L4_SHIFT) |
                                  (m->frag ? NIC_CPL_ST_FRAG : 0));
    wr_le(e + NIC_CPL_FIRST_DESC, q->head, 2);
    e[NIC_CPL_NDESC] = (uint8_t)used;
    e[NIC_CPL_QUEUE] = (uint8_t)qi;
    e[NIC_CPL_TYPE] = NIC_CPL_TYPE_RX;
    wr_le(e + NIC_CPL_SLOT, f->next_toe_slot, 2);
    e[NIC_CPL_FLAGS] = f->next_toe_flags;
    f->next_toe_flags = 0;
    f->next_toe_slot = 0;
    if (f->corrupt_byte >= 0) {
        e[f->corrupt_byte] = f->corrupt_value;
        f->corrupt_byte = -1;
    }
    q->head = (uint16_t)(q->head + used);
    int rc = write_cpl(f, q, e);
    assert(rc == 0 && "fake_nic_rx_queue: completion ring checked above");
    (void)rc;
    q->completed++;
    vec_event(f, q->vector);
    return qi;

no_desc:
    q->drop_nodesc++;
    f->drop_nodesc++;
    f->next_toe_flags = 0;
    f->next_toe_slot = 0;
    return FAKE_DROP_NO_DESC;
}

int fake_nic_rx(fake_nic *f, const uint8_t *data, uint32_t len, const fake_rx_meta *m)
{
    int q = 0;
    int ht = m->hash_type;
    if ((f->ctrl & NIC_CTRL_RSS) && ht && (f->htypes & (1u << (ht - 1)))) {
        uint32_t e = m->hash & f->tmask;
        q = (int)((f->table[e / 4] >> (8 * (e % 4))) & 0x7F);
        if (q >= f->num_rxq) {
            violation(f, "table entry %u names queue %d of %d", (unsigned)e, q, f->num_rxq);
            return FAKE_DROP_BAD;
        }
    }
    return fake_nic_rx_queue(f, q, data, len, m);
}

void fake_nic_corrupt_next_rx(fake_nic *f, int byte, uint8_t value)
{
    assert(byte >= 0 && byte < 15 && "fake_nic_corrupt_next_rx: bytes 0..14 (15 holds the phase)");
    f->corrupt_byte = byte;
    f->corrupt_value = value;
}

int fake_nic_inject_completion(fake_nic *f, int qi, const uint8_t entry[16])
{
    fq *q = qi < 0 ? &f->tx : &f->rx[qi];
    uint8_t e[16];
    memcpy(e, entry, 16);
    if (write_cpl(f, q, e) != 0)
        return -1;
    vec_event(f, q->vector);
    return 0;
}

/* ---- transmit ---- */
int fake_nic_tx_run(fake_nic *f, int max_frames)
{
    fq *q = &f->tx;
    int sent = 0;
    while (max_frames < 0 || sent < max_frames) {
        if (!(f->ctrl & NIC_CTRL_TX) || !q->enable)
            break;
        uint32_t entries = q_entries(q->desc_log2);
        uint32_t avail = (uint16_t)(q->tail - q->head);
        if (avail == 0 || (uint16_t)(q->cpl_tail - q->cpl_head) >= q_entries(q->cpl_log2))
            break;
        uint64_t dbase = ((uint64_t)q->desc_hi << 32) | q->desc_lo;
        uint32_t n = 0, total = 0, cookie = 0;
        int eop = 0;
        while (n < avail && !eop) {
            const uint8_t *d = host(f, dbase + 16ull * ((q->head + n) & (entries - 1)), 16);
            if (!d) {
                violation(f, "TX descriptor ring outside host memory");
                return sent;
            }
            uint32_t bytes = (uint32_t)rd_le(d + NIC_TXD_LEN, 2);
            uint32_t flags = (uint32_t)rd_le(d + NIC_TXD_FLAGS, 2);
            if (bytes == 0 || !host(f, rd_le(d, 8), bytes)) {
                violation(f, "TX descriptor %u: empty or outside host memory",
                          (unsigned)(uint16_t)(q->head + n));
                return sent;
            }
            if (flags & ~1u)
                violation(f, "TX descriptor %u: undefined flags 0x%x",
                          (unsigned)(uint16_t)(q->head + n), (unsigned)flags);
            cookie = (uint32_t)rd_le(d + NIC_TXD_COOKIE, 4);
            eop = flags & 1;
            total += bytes;
            n++;
        }
        if (!eop)
            break; /* the rest of the frame is not posted yet */
        if (total > 65535 || n > 255) {
            violation(f, "TX frame of %u bytes in %u descriptors", (unsigned)total, (unsigned)n);
            return sent;
        }
        uint8_t *frame = malloc(total);
        assert(frame && "fake_nic_tx_run: out of memory");
        uint32_t off = 0;
        for (uint32_t i = 0; i < n; i++) {
            const uint8_t *d = host(f, dbase + 16ull * ((q->head + i) & (entries - 1)), 16);
            uint32_t bytes = (uint32_t)rd_le(d + NIC_TXD_LEN, 2);
            memcpy(frame + off, host(f, rd_le(d, 8), bytes), bytes);
            off += bytes;
        }
        if (f->ntx == f->captx) {
            f->captx = f->captx ? 2 * f->captx : 64;
            f->txout = realloc(f->txout, f->captx * sizeof *f->txout);
            assert(f->txout && "fake_nic_tx_run: out of memory");
        }
        f->txout[f->ntx++] = (fframe){frame, total};
        uint8_t e[NIC_CPL_BYTES] = {0};
        wr_le(e + NIC_CPL_HASH, cookie, 4);
        wr_le(e + NIC_CPL_LEN, total, 2);
        wr_le(e + NIC_CPL_FIRST_DESC, q->head, 2);
        e[NIC_CPL_NDESC] = (uint8_t)n;
        e[NIC_CPL_TYPE] = NIC_CPL_TYPE_TX;
        q->head = (uint16_t)(q->head + n);
        int rc = write_cpl(f, q, e);
        assert(rc == 0 && "fake_nic_tx_run: completion ring checked above");
        (void)rc;
        q->completed++;
        f->tx_frames++;
        sent++;
        vec_event(f, q->vector);
    }
    return sent;
}

size_t fake_nic_tx_count(const fake_nic *f) { return f->ntx; }

const uint8_t *fake_nic_tx_frame(const fake_nic *f, size_t i, uint32_t *len)
{
    assert(i < f->ntx && "fake_nic_tx_frame: no such frame");
    *len = f->txout[i].len;
    return f->txout[i].data;
}

/* ---- TCP offload engine ---- */
void fake_nic_toe_init(fake_nic *f, uint32_t slots)
{
    assert(slots >= 1 && slots <= 4096 && "fake_nic_toe_init: 1..4096 slots");
    assert(!f->toe && "fake_nic_toe_init: once");
    f->toe_slots = slots;
    f->toe_delack = 200000000u; /* reset values */
    f->toe_push = 0;
    f->toe = calloc(slots, sizeof *f->toe);
    f->toe_free = calloc(slots, sizeof *f->toe_free);
    assert(f->toe && f->toe_free && "fake_nic_toe_init: out of memory");
    for (uint32_t i = 0; i < slots; i++)
        f->toe_free[i] = i; /* never-used slots in order, then freed ones first-in first-out */
    f->toe_free_n = slots;
}

static int toe_cpl(fake_nic *f, int qi, uint8_t type, uint32_t w0, uint32_t w1, uint16_t slot, uint8_t flags)
{
    if (qi < 0 || qi >= f->num_rxq) {
        violation(f, "TOE event for RX queue %d of %d", qi, f->num_rxq);
        return -1;
    }
    fq *q = &f->rx[qi];
    uint8_t e[NIC_CPL_BYTES] = {0};
    wr_le(e, w0, 4);
    wr_le(e + 4, w1, 4);
    wr_le(e + NIC_CPL_SLOT, slot, 2);
    e[NIC_CPL_TYPE] = type;
    e[NIC_CPL_FLAGS] = flags;
    if (write_cpl(f, q, e) != 0)
        return -1;
    vec_event(f, q->vector);
    return 0;
}

static void toe_write(fake_nic *f, uint32_t addr, uint32_t val)
{
    if (addr == NIC_TOE_CTRL) {
        if (val & ~1u)
            violation(f, "NIC_TOE_CTRL 0x%x sets undefined bits", (unsigned)val);
        f->toe_ctrl = val & 1;
    } else if (addr == NIC_TOE_DELACK_NS) {
        f->toe_delack = val;
    } else if (addr == NIC_TOE_PUSH_NS) {
        f->toe_push = val;
    } else if (addr == NIC_TOE_CMD_COOKIE) {
        f->toe_cookie = val;
    } else if (addr >= NIC_TOE_ARG0 && addr < NIC_TOE_ARG0 + 4u * NIC_TOE_ARGS) {
        f->toe_args[(addr - NIC_TOE_ARG0) / 4] = val;
    } else if (addr == NIC_TOE_CMD) {
        unsigned qi = val >> 4 & 0x1F;
        if ((val & 0xFE00u) != 0)
            violation(f, "NIC_TOE_CMD 0x%08x sets bits 15:9", (unsigned)val);
        if (qi >= (unsigned)f->num_rxq || !f->rx[qi].enable)
            violation(f, "TOE command 0x%08x names RX queue %u, not enabled", (unsigned)val, qi);
        if (f->toe_qn == NIC_TOE_CMDQ_DEPTH) {
            violation(f, "TOE command 0x%08x with %u commands pending: refused with BUSY", (unsigned)val,
                      f->toe_qn);
            toe_cpl(f, (int)qi, NIC_CPL_TYPE_TOE_CMD, f->toe_cookie, (uint32_t)(val & 0xF) | (uint32_t)NIC_TOE_R_BUSY << 8,
                    (uint16_t)(val >> 16), 0);
            return;
        }
        ftcmd *c = &f->toe_q[(f->toe_qh + f->toe_qn++) % NIC_TOE_CMDQ_DEPTH];
        c->cmd = val;
        c->cookie = f->toe_cookie;
        memcpy(c->a, f->toe_args, sizeof c->a); /* the snapshot: ARG0..ARG24 */
        f->toe_accepted++;
    } else {
        violation(f, "write 0x%x to read-only or unknown TOE register 0x%x", (unsigned)val, (unsigned)addr);
    }
}

/* Executes one command; returns the result and the slot for the event. */
static int toe_exec(fake_nic *f, const ftcmd *c, uint32_t *slot_out)
{
    const unsigned op = c->cmd & 0xF;
    const uint32_t slot = c->cmd >> 16;
    *slot_out = slot;
    if (!(f->toe_ctrl & 1))
        return NIC_TOE_R_DISABLED;
    if (op == NIC_TOE_OP_OFFLOAD) {
        *slot_out = 0;
        for (uint32_t s = 0; s < f->toe_slots; s++) {
            const ftslot *t = &f->toe[s];
            if (t->used && ((t->w[0] ^ c->a[0]) & NIC_TOE_F_V6) == 0 && memcmp(t->w + 1, c->a + 1, 9 * 4) == 0) {
                *slot_out = s;
                return NIC_TOE_R_EXISTS;
            }
        }
        if (f->toe_free_n == 0)
            return NIC_TOE_R_RESOURCES;
        uint32_t s = f->toe_free[f->toe_free_head];
        f->toe_free_head = (f->toe_free_head + 1) % f->toe_slots;
        f->toe_free_n--;
        ftslot *t = &f->toe[s];
        memset(t, 0, sizeof *t);
        t->used = 1;
        memcpy(t->w, c->a, 23 * 4);
        f->toe_used++;
        *slot_out = s;
        return NIC_TOE_R_OK;
    }
    if (op < NIC_TOE_OP_UPLOAD || op > NIC_TOE_OP_QUERY || slot >= f->toe_slots)
        return NIC_TOE_R_BAD;
    ftslot *t = &f->toe[slot];
    if (!t->used)
        return NIC_TOE_R_NO_CONN;
    switch (op) {
    case NIC_TOE_OP_UPLOAD:
    case NIC_TOE_OP_QUERY: {
        uint64_t addr = (uint64_t)c->a[24] << 32 | c->a[23];
        uint8_t *p = host(f, addr, NIC_TOE_RESULT_BYTES);
        if (!p || (addr & 3)) {
            violation(f, "TOE result block 0x%llx outside host memory or unaligned", (unsigned long long)addr);
            return NIC_TOE_R_BAD;
        }
        for (int k = 0; k < NIC_TOE_ARGS; k++)
            wr_le(p + 4 * k, t->w[k], 4);
        if (op == NIC_TOE_OP_UPLOAD) {
            t->used = 0;
            f->toe_free[(f->toe_free_head + f->toe_free_n++) % f->toe_slots] = slot;
            f->toe_used--;
        }
        return NIC_TOE_R_OK;
    }
    case NIC_TOE_OP_POST: {
        uint32_t n = t->w[25] & 7, len = c->a[2];
        if (len == 0 || len > (1u << 31))
            return NIC_TOE_R_BAD;
        if (n == NIC_TOE_BUFS)
            return NIC_TOE_R_RING_FULL;
        /* The last buffer's end (not yet reached by rcv_nxt, or it would have been popped);
         * rcv_nxt with none. (No decided_max here: the fake places nothing.) */
        uint32_t start = n ? t->w[36 + 2 * (n - 1)] + t->w[37 + 2 * (n - 1)] : t->w[15];
        t->w[36 + 2 * n] = start;
        t->w[37 + 2 * n] = len;
        t->buf_addr[n] = (uint64_t)c->a[1] << 32 | c->a[0];
        t->w[25] = (t->w[25] & ~7u) | (n + 1);
        return NIC_TOE_R_OK;
    }
    case NIC_TOE_OP_UPDATE:
        t->w[14] = c->a[14];
        t->w[20] = c->a[20];
        return NIC_TOE_R_OK;
    }
    return NIC_TOE_R_BAD;
}

int fake_nic_toe_run(fake_nic *f, int max_cmds)
{
    int done = 0;
    while (f->toe_qn && (max_cmds < 0 || done < max_cmds)) {
        const ftcmd *c = &f->toe_q[f->toe_qh];
        const int qi = (int)(c->cmd >> 4 & 0x1F);
        if (qi >= f->num_rxq) { /* reported when written; dropped */
            f->toe_qh = (f->toe_qh + 1) % NIC_TOE_CMDQ_DEPTH;
            f->toe_qn--;
            continue;
        }
        fq *q = &f->rx[qi];
        if ((uint16_t)(q->cpl_tail - q->cpl_head) >= q_entries(q->cpl_log2))
            break; /* the event waits for room; so do the commands behind it */
        uint32_t slot;
        int res = toe_exec(f, c, &slot);
        int rc = toe_cpl(f, qi, NIC_CPL_TYPE_TOE_CMD, c->cookie, (c->cmd & 0xF) | (uint32_t)res << 8,
                         (uint16_t)slot, 0);
        assert(rc == 0 && "fake_nic_toe_run: room checked above");
        (void)rc;
        f->toe_qh = (f->toe_qh + 1) % NIC_TOE_CMDQ_DEPTH;
        f->toe_qn--;
        done++;
    }
    return done;
}

unsigned fake_nic_toe_pending(const fake_nic *f) { return f->toe_qn; }
uint32_t fake_nic_toe_accepted(const fake_nic *f) { return f->toe_accepted; }

uint32_t *fake_nic_toe_slot_words(fake_nic *f, uint32_t slot)
{
    if (slot >= f->toe_slots || !f->toe[slot].used)
        return NULL;
    return f->toe[slot].w;
}

uint64_t fake_nic_toe_buf_addr(const fake_nic *f, uint32_t slot, int i)
{
    assert(slot < f->toe_slots && i >= 0 && i < NIC_TOE_BUFS && "fake_nic_toe_buf_addr");
    return f->toe[slot].buf_addr[i];
}

int fake_nic_toe_event(fake_nic *f, int q, uint8_t type, uint32_t w0, uint32_t w1, uint16_t slot, uint8_t flags)
{
    return toe_cpl(f, q, type, w0, w1, slot, (uint8_t)(flags & ~NIC_CPL_PHASE));
}

int fake_nic_rx_queue_marked(fake_nic *f, int q, const uint8_t *data, uint32_t len, const fake_rx_meta *m,
                             uint8_t toe_flags, uint16_t slot)
{
    f->next_toe_flags = (uint8_t)(toe_flags & ~NIC_CPL_PHASE);
    f->next_toe_slot = slot;
    return fake_nic_rx_queue(f, q, data, len, m);
}
