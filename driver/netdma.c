/* nicsim NetDMA provider: the driver of the chipset's copy engine (driver/netdma.h).
 *
 * Ring bookkeeping, per channel. Descriptors are numbered by a free-running 32-bit index i; the
 * ring slot of i is i mod entries and the ring is a circle of next pointers written at open.
 *   head     index of the oldest descriptor not yet retired (first descriptor of the oldest
 *            outstanding copy),
 *   tail     index of the next free descriptor (nd_copy writes from here),
 *   flushed  tail as of the last doorbell (descriptors the engine was told about),
 *   base     index of the first descriptor of the current chain: the one CHAINADDR named at the
 *            last START. The engine's DMACOUNT is (uint16_t)(flushed - base): the 16-bit count
 *            of descriptors appended since START, which wraps freely.
 * At most entries - 1 descriptors are outstanding (one slot stays free), so the completion
 * word's address names either a descriptor in [head, flushed) or the one just before head
 * (already retired: a stale word, no progress), never both: slot (head - 1) is only written
 * again after head moves on, which needs a newer word.
 *
 * The completion word (8 bytes per channel, written by the engine through its DMA port) is the
 * address of the last completed descriptor | state (NDMA_ST_*). Only the last descriptor of a
 * copy has NDMA_DC_CMPL_WRITE, so in normal operation the word names the end of a copy; every
 * copy whose last descriptor is at or before the named one is done.
 *
 * A halt (state NDMA_ST_HALTED in the word): the copies the word shows complete are retired
 * ND_DONE_OK, every other outstanding copy (flushed or only queued) ND_DONE_ERROR. Then the
 * channel restarts: CMD RESET (the engine drains, clears errors, counts and status), the
 * completion word is cleared in host memory (the halted word must not be seen again; after a
 * RESET the engine has nothing in flight), CHAINADDR = the next free descriptor (slot of tail),
 * CMD START. After START the engine's counts are 0, so the new chain's descriptor 0 is tail:
 * base = head = flushed = tail. The ring's next pointers are unchanged. */
#include "netdma.h"
#include "drv_common.h"

#include "nic_hw.h"

#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ND_RING_ALIGN 4096u /* the ring on its own page (the engine needs 64) */
#define ND_CMPL_ALIGN 64u   /* the completion word on its own cache line */
#define ND_MAX_LEN (1u << 31)

typedef struct nd_chan {
    uint32_t regs;          /* the channel's register block */
    uint8_t *ring, *cmpl;   /* host pointers */
    uint64_t ring_dma, cmpl_dma;
    uint32_t head, tail, flushed, base;
    uint32_t ncopies;       /* copies outstanding */
    uint64_t *cookie;       /* per slot: the cookie of the copy whose first descriptor it is */
    uint32_t *ndesc;        /* per slot: that copy's descriptor count (0: not a first slot) */
    int vector;
    int cpu;                /* lowest CPU on this channel, -1 if none */
} nd_chan;

struct nd_dev {
    nd_config cfg;
    drv_hw_ops hw;
    nd_callbacks cb;
    int nch;
    uint32_t xfercap;
    uint32_t entries, mask;
    nd_chan ch[ND_MAX_CHANNELS];
    nd_stats st;
};

static const char *const op_names[ND_OP_COUNT] = {"dma_desc", "doorbell", "dma_poll", "dma_completion",
                                                  "isr", "dpc"};

const char *nd_op_name(int op)
{
    if (op < 0 || op >= ND_OP_COUNT)
        return NULL;
    return op_names[op];
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
static uint64_t get_le64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}


static uint64_t charge(nd_dev *d, int cpu, enum nd_op op, uint64_t count)
{
    if (count == 0)
        return 0;
    d->st.ops[op] += count;
    return d->cb.cost ? d->cb.cost(d->cb.user, cpu, op, count) : 0;
}

static void reg_write(nd_dev *d, uint32_t addr, uint32_t val) { d->hw.csr_write(d->hw.ctx, addr, val); }

/* A register write at run time: charged as ND_OP_DOORBELL. */
static uint64_t reg_write_rt(nd_dev *d, int cpu, uint32_t addr, uint32_t val)
{
    reg_write(d, addr, val);
    return charge(d, cpu, ND_OP_DOORBELL, 1);
}

void nd_config_defaults(nd_config *c)
{
    memset(c, 0, sizeof *c);
    c->cpus = 4;
    c->channels = 0;
    c->ring_entries = 1024;
    c->irq_vector_base = 0;
    c->intr_delay_ns = 0;
    c->mem_base = 0;
    c->mem_limit = 0;
}

static int check_config(const nd_config *c, char *err, size_t errlen)
{
    if (c->cpus < 1 || c->cpus > 64)
        return drv_seterr(err, errlen, DRV_EINVAL, "netdma: cpus %d out of range 1..64", c->cpus);
    if (c->channels < 0 || c->channels > ND_MAX_CHANNELS)
        return drv_seterr(err, errlen, DRV_EINVAL, "netdma: channels %d out of range 0..%d", c->channels,
                      ND_MAX_CHANNELS);
    if (!drv_is_pow2(c->ring_entries) || c->ring_entries < 16 || c->ring_entries > 32768)
        return drv_seterr(err, errlen, DRV_EINVAL, "netdma: ring_entries %u is not a power of two in 16..32768",
                      (unsigned)c->ring_entries);
    if (c->irq_vector_base < 0 || c->irq_vector_base > 255)
        return drv_seterr(err, errlen, DRV_EINVAL, "netdma: irq_vector_base %d out of range 0..255",
                      c->irq_vector_base);
    if (c->mem_limit != 0 && c->mem_limit <= c->mem_base)
        return drv_seterr(err, errlen, DRV_EINVAL, "netdma: mem_limit 0x%llx is not above mem_base 0x%llx",
                      (unsigned long long)c->mem_limit, (unsigned long long)c->mem_base);
    return DRV_OK;
}

/* Channels in use for cfg on an engine with `chancnt` channels; -1 if cfg asks for more. */
static int channels_used(const nd_config *c, int chancnt)
{
    if (c->channels == 0)
        return chancnt < c->cpus ? chancnt : c->cpus;
    return c->channels <= chancnt ? c->channels : -1;
}

static void plan_add(uint64_t *end, uint64_t size, uint64_t align)
{
    *end = ((*end + align - 1) & ~(align - 1)) + size;
}

uint64_t nd_mem_required(const nd_config *cfg, int channels)
{
    if (!cfg || check_config(cfg, NULL, 0) != DRV_OK || channels < 1 || channels > ND_MAX_CHANNELS)
        return 0;
    int n = channels_used(cfg, channels);
    if (n < 1)
        return 0;
    uint64_t end = 0;
    for (int c = 0; c < n; c++) {
        plan_add(&end, (uint64_t)cfg->ring_entries * NDMA_DESC_BYTES, ND_RING_ALIGN);
        plan_add(&end, NDMA_CMPL_BYTES, ND_CMPL_ALIGN);
    }
    return end;
}

static uint64_t desc_addr(const nd_dev *d, const nd_chan *ch, uint32_t idx)
{
    return ch->ring_dma + (uint64_t)(idx & d->mask) * NDMA_DESC_BYTES;
}

static void free_chans(nd_dev *d)
{
    for (int c = 0; c < ND_MAX_CHANNELS; c++) {
        free(d->ch[c].cookie);
        free(d->ch[c].ndesc);
    }
}

int nd_open(nd_dev **out, const nd_config *cfg, const drv_hw_ops *hw, const drv_mem_if *mem,
            const nd_callbacks *cb, char *err, size_t errlen)
{
    int rc = DRV_OK;
    nd_dev *d = NULL;
    uint64_t mark = mem && mem->mark ? mem->mark(mem->ctx) : 0;

    if (out)
        *out = NULL;
    rc = drv_check_open_args(out, cfg, hw, mem, cb, "netdma: nd_open", err, errlen);
    if (rc == DRV_OK)
        rc = check_config(cfg, err, errlen);
    if (rc == DRV_OK)
        rc = drv_check_id(hw, NDMA_REG_ID, NDMA_ID_VALUE, "netdma", "a nicsim copy engine", err, errlen);
    if (rc != DRV_OK)
        goto fail;
    uint32_t chancnt = hw->csr_read(hw->ctx, NDMA_REG_CHANCNT);
    if (chancnt < 1 || chancnt > ND_MAX_CHANNELS) {
        rc = drv_seterr(err, errlen, DRV_EDEVICE, "netdma: engine reports %u channels (expected 1..%d)",
                    (unsigned)chancnt, ND_MAX_CHANNELS);
        goto fail;
    }
    uint32_t xfercap = hw->csr_read(hw->ctx, NDMA_REG_XFERCAP);
    if (xfercap == 0) {
        rc = drv_seterr(err, errlen, DRV_EDEVICE, "netdma: engine reports XFERCAP 0");
        goto fail;
    }
    int nch = channels_used(cfg, (int)chancnt);
    if (nch < 1) {
        rc = drv_seterr(err, errlen, DRV_EINVAL, "netdma: channels %d exceeds the engine's %u channels",
                    cfg->channels, (unsigned)chancnt);
        goto fail;
    }
    if (cfg->irq_vector_base + nch - 1 > 255) {
        rc = drv_seterr(err, errlen, DRV_EINVAL, "netdma: vectors %d..%d do not fit in 8 bits",
                    cfg->irq_vector_base, cfg->irq_vector_base + nch - 1);
        goto fail;
    }

    d = calloc(1, sizeof *d);
    if (!d) {
        rc = drv_seterr(err, errlen, DRV_ENOMEM, "netdma: out of memory");
        goto fail;
    }
    d->cfg = *cfg;
    d->cfg.channels = nch;
    d->hw = *hw;
    d->cb = *cb;
    d->nch = nch;
    d->xfercap = xfercap;
    d->entries = cfg->ring_entries;
    d->mask = cfg->ring_entries - 1;
    for (int c = 0; c < nch; c++) {
        nd_chan *ch = &d->ch[c];
        ch->regs = NDMA_REG_CH0 + NDMA_REG_CH_STRIDE * (uint32_t)c;
        ch->vector = cfg->irq_vector_base + c;
        ch->cpu = c < cfg->cpus ? c : -1;
        ch->ring = mem->alloc(mem->ctx, (uint64_t)d->entries * NDMA_DESC_BYTES, ND_RING_ALIGN, &ch->ring_dma);
        ch->cmpl = ch->ring ? mem->alloc(mem->ctx, NDMA_CMPL_BYTES, ND_CMPL_ALIGN, &ch->cmpl_dma) : NULL;
        if (!ch->cmpl) {
            rc = drv_seterr(err, errlen, DRV_ENOMEM,
                        "netdma: host memory exhausted allocating channel %d (the provider needs %llu bytes in all)",
                        c, (unsigned long long)nd_mem_required(cfg, (int)chancnt));
            goto fail;
        }
        ch->cookie = calloc(d->entries, sizeof *ch->cookie);
        ch->ndesc = calloc(d->entries, sizeof *ch->ndesc);
        if (!ch->cookie || !ch->ndesc) {
            rc = drv_seterr(err, errlen, DRV_ENOMEM, "netdma: out of memory");
            goto fail;
        }
        for (uint32_t s = 0; s < d->entries; s++)
            put_le64(ch->ring + (size_t)s * NDMA_DESC_BYTES + NDMA_D_NEXT, desc_addr(d, ch, s + 1));
    }

    /* Program the engine: global limits, then each channel, interrupts on last. */
    uint64_t limit = cfg->mem_limit ? cfg->mem_limit : UINT64_MAX;
    reg_write(d, NDMA_REG_MEMBASE_LO, (uint32_t)cfg->mem_base);
    reg_write(d, NDMA_REG_MEMBASE_HI, (uint32_t)(cfg->mem_base >> 32));
    reg_write(d, NDMA_REG_MEMLIMIT_LO, (uint32_t)limit);
    reg_write(d, NDMA_REG_MEMLIMIT_HI, (uint32_t)(limit >> 32));
    reg_write(d, NDMA_REG_INTRDELAY_NS, cfg->intr_delay_ns);
    for (int c = 0; c < nch; c++) {
        nd_chan *ch = &d->ch[c];
        reg_write(d, ch->regs + NDMA_CH_CTRL, 1u | (uint32_t)ch->vector << 8);
        reg_write(d, ch->regs + NDMA_CH_CMPLADDR_LO, (uint32_t)ch->cmpl_dma);
        reg_write(d, ch->regs + NDMA_CH_CMPLADDR_HI, (uint32_t)(ch->cmpl_dma >> 32));
        reg_write(d, ch->regs + NDMA_CH_CHAINADDR_LO, (uint32_t)ch->ring_dma);
        reg_write(d, ch->regs + NDMA_CH_CHAINADDR_HI, (uint32_t)(ch->ring_dma >> 32));
        reg_write(d, ch->regs + NDMA_CH_CMD, NDMA_CMD_START);
    }
    reg_write(d, NDMA_REG_INTRCTRL, 1);
    *out = d;
    return DRV_OK;

fail:
    if (d) {
        free_chans(d);
        free(d);
    }
    if (mem && mem->rewind)
        mem->rewind(mem->ctx, mark);
    return rc;
}

void nd_close(nd_dev *d)
{
    if (!d)
        return;
    free_chans(d);
    free(d);
}

int nd_channels(const nd_dev *d) { return d->nch; }
uint32_t nd_xfercap(const nd_dev *d) { return d->xfercap; }
int nd_channel_of_cpu(const nd_dev *d, int cpu)
{
    if (cpu < 0 || cpu >= d->cfg.cpus)
        return -1;
    return cpu % d->nch;
}
int nd_vector_count(const nd_dev *d) { return d->nch; }
int nd_vector_of_channel(const nd_dev *d, int chan)
{
    if (chan < 0 || chan >= d->nch)
        return -1;
    return d->ch[chan].vector;
}
static int chan_of_vector(const nd_dev *d, int vector)
{
    int c = vector - d->cfg.irq_vector_base;
    return c >= 0 && c < d->nch ? c : -1;
}
int nd_vector_cpu(const nd_dev *d, int vector)
{
    int c = chan_of_vector(d, vector);
    return c < 0 ? -1 : d->ch[c].cpu;
}

uint32_t nd_outstanding(const nd_dev *d, int cpu)
{
    int c = nd_channel_of_cpu(d, cpu);
    return c < 0 ? 0 : d->ch[c].ncopies;
}

void nd_get_stats(const nd_dev *d, nd_stats *s) { *s = d->st; }

/* ---- submission ---- */
int64_t nd_copy(nd_dev *d, int cpu, uint64_t dst, uint64_t src, uint32_t len, uint64_t cookie, int flags)
{
    int c = nd_channel_of_cpu(d, cpu);
    if (c < 0 || len == 0 || len > ND_MAX_LEN || (flags & ~ND_F_INT))
        return DRV_EINVAL;
    uint64_t limit = d->cfg.mem_limit ? d->cfg.mem_limit : UINT64_MAX;
    if (src < d->cfg.mem_base || dst < d->cfg.mem_base || src > limit - len || dst > limit - len)
        return DRV_EINVAL; /* the engine would halt on it */
    nd_chan *ch = &d->ch[c];
    uint32_t ndesc = (uint32_t)(((uint64_t)len + d->xfercap - 1) / d->xfercap);
    if (ndesc > d->entries - 1)
        return DRV_EINVAL; /* would not fit even in an empty ring */
    uint32_t used = ch->tail - ch->head;
    if (ndesc > d->entries - 1 - used) {
        d->st.ring_full++;
        return DRV_EBUSY;
    }
    uint32_t first = ch->tail & d->mask;
    uint32_t off = 0;
    for (uint32_t k = 0; k < ndesc; k++) {
        uint32_t idx = ch->tail;
        uint8_t *p = ch->ring + (size_t)(idx & d->mask) * NDMA_DESC_BYTES;
        uint32_t chunk = len - off < d->xfercap ? len - off : d->xfercap;
        uint32_t ctl = 0;
        if (k + 1 == ndesc) {
            ctl |= NDMA_DC_CMPL_WRITE;
            if (flags & ND_F_INT)
                ctl |= NDMA_DC_INT;
        }
        put_le32(p + NDMA_D_SIZE, chunk);
        put_le32(p + NDMA_D_CTL, ctl);
        put_le64(p + NDMA_D_SRC, src + off);
        put_le64(p + NDMA_D_DST, dst + off);
        put_le64(p + NDMA_D_NEXT, desc_addr(d, ch, idx + 1));
        put_le64(p + NDMA_D_RSVD1, 0);
        put_le64(p + NDMA_D_RSVD2, 0);
        /* software context: the cookie, and (descriptor k of n) for whoever reads a dump */
        put_le64(p + NDMA_D_USER1, cookie);
        put_le64(p + NDMA_D_USER2, (uint64_t)k << 32 | ndesc);
        ch->ndesc[idx & d->mask] = 0;
        off += chunk;
        ch->tail++;
    }
    ch->cookie[first] = cookie;
    ch->ndesc[first] = ndesc;
    ch->ncopies++;
    d->st.copies++;
    d->st.bytes += len;
    d->st.descriptors += ndesc;
    uint64_t cyc = charge(d, cpu, ND_OP_DESC, ndesc);
    assert(cyc <= (uint64_t)INT64_MAX && "nd_copy: cycle count overflows the return type");
    return (int64_t)cyc;
}

uint64_t nd_flush(nd_dev *d, int cpu)
{
    int c = nd_channel_of_cpu(d, cpu);
    if (c < 0)
        return 0;
    nd_chan *ch = &d->ch[c];
    if (ch->flushed == ch->tail)
        return 0;
    ch->flushed = ch->tail;
    d->st.doorbells++;
    return reg_write_rt(d, cpu, ch->regs + NDMA_CH_DMACOUNT, (uint16_t)(ch->flushed - ch->base));
}

/* ---- completion ---- */
/* Retires the oldest copy with status. */
static uint64_t retire_one(nd_dev *d, nd_chan *ch, int cpu, int status, int by_irq)
{
    uint32_t slot = ch->head & d->mask;
    uint32_t n = ch->ndesc[slot];
    uint64_t cookie = ch->cookie[slot];
    assert(n >= 1 && ch->ncopies > 0 && "netdma: retiring a copy that does not exist");
    ch->ndesc[slot] = 0;
    ch->head += n;
    ch->ncopies--;
    d->st.completed++;
    if (by_irq)
        d->st.done_by_irq++;
    else
        d->st.done_by_poll++;
    uint64_t cyc = charge(d, cpu, ND_OP_COMPLETION, 1);
    if (d->cb.done)
        cyc += d->cb.done(d->cb.user, cpu, cookie, status, by_irq);
    return cyc;
}

/* Reads channel c's completion word and retires what it shows (see the top of the file). */
static uint64_t reap(nd_dev *d, int c, int cpu, int by_irq)
{
    nd_chan *ch = &d->ch[c];
    uint64_t word = get_le64(ch->cmpl);
    uint64_t addr = word & ~(uint64_t)(NDMA_DESC_BYTES - 1);
    uint32_t state = (uint32_t)(word & NDMA_ST_MASK);
    uint64_t cyc = 0;

    /* descriptors [head, head + done) are complete */
    uint32_t done = 0;
    if (addr >= ch->ring_dma && addr < ch->ring_dma + (uint64_t)d->entries * NDMA_DESC_BYTES) {
        uint32_t k = ((uint32_t)((addr - ch->ring_dma) / NDMA_DESC_BYTES) - ch->head) & d->mask;
        if (k < ch->flushed - ch->head)
            done = k + 1;
    }
    while (ch->ncopies > 0 && ch->ndesc[ch->head & d->mask] <= done) {
        done -= ch->ndesc[ch->head & d->mask];
        cyc += retire_one(d, ch, cpu, ND_DONE_OK, by_irq);
    }
    if (state != NDMA_ST_HALTED)
        return cyc;

    d->st.errors++;
    while (ch->ncopies > 0)
        cyc += retire_one(d, ch, cpu, ND_DONE_ERROR, by_irq);
    assert(ch->head == ch->tail && "netdma: descriptors left after retiring every copy");
    /* Restart at the next free descriptor: after RESET the counts are 0, so CHAINADDR names
     * descriptor 0 of the new chain. */
    cyc += reg_write_rt(d, cpu, ch->regs + NDMA_CH_CMD, NDMA_CMD_RESET);
    put_le64(ch->cmpl, 0);
    uint64_t start = desc_addr(d, ch, ch->tail);
    cyc += reg_write_rt(d, cpu, ch->regs + NDMA_CH_CHAINADDR_LO, (uint32_t)start);
    cyc += reg_write_rt(d, cpu, ch->regs + NDMA_CH_CHAINADDR_HI, (uint32_t)(start >> 32));
    cyc += reg_write_rt(d, cpu, ch->regs + NDMA_CH_CMD, NDMA_CMD_START);
    ch->base = ch->flushed = ch->head = ch->tail;
    d->st.resets++;
    return cyc;
}

uint64_t nd_poll(nd_dev *d, int cpu)
{
    int c = nd_channel_of_cpu(d, cpu);
    if (c < 0)
        return 0;
    d->st.polls++;
    uint64_t cyc = charge(d, cpu, ND_OP_POLL, 1);
    return cyc + reap(d, c, cpu, 0);
}

uint64_t nd_isr(nd_dev *d, int vector)
{
    int cpu = nd_vector_cpu(d, vector);
    d->st.isr++;
    /* nothing to read or acknowledge: the DPC reads the completion word */
    return charge(d, cpu < 0 ? 0 : cpu, ND_OP_ISR, 1);
}

uint64_t nd_dpc(nd_dev *d, int vector)
{
    int c = chan_of_vector(d, vector);
    int cpu = c < 0 ? -1 : d->ch[c].cpu;
    if (cpu < 0)
        return 0; /* a vector no CPU services */
    d->st.dpc++;
    uint64_t cyc = charge(d, cpu, ND_OP_DPC, 1);
    return cyc + reap(d, c, cpu, 1);
}
