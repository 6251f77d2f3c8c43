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
