/* The NetDMA copy engine in software (fake_ndma.h). */
#include "fake_ndma.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* docs/hw-interface.md, "NetDMA copy engine", spelled out again. */
#define G_ID 0x000u
#define G_CHANCNT 0x004u
#define G_XFERCAP 0x008u
#define G_INTRCTRL 0x00Cu
#define G_INTRDELAY 0x010u
#define G_ATTN 0x014u
#define G_MEMBASE_LO 0x018u
#define G_MEMBASE_HI 0x01Cu
#define G_MEMLIMIT_LO 0x020u
#define G_MEMLIMIT_HI 0x024u
#define CH0 0x100u
#define CH_STRIDE 0x80u
#define C_CTRL 0x00u
#define C_DMACOUNT 0x04u
#define C_CHAIN_LO 0x08u
#define C_CHAIN_HI 0x0Cu
#define C_CMD 0x10u
#define C_STATUS_LO 0x14u
#define C_STATUS_HI 0x18u
#define C_COMPLETED 0x1Cu
#define C_CMPL_LO 0x20u
#define C_CMPL_HI 0x24u
#define C_ERR 0x28u
#define C_ERRADDR_LO 0x2Cu
#define C_ERRADDR_HI 0x30u
#define ID_VALUE 0x4E444D41u
#define ST_ACTIVE 0
#define ST_IDLE 1
#define ST_SUSPENDED 2
#define ST_HALTED 3
#define E_DESC 0x01u
#define E_SRC 0x02u
#define E_DST 0x04u
#define E_LEN0 0x08u
#define E_CAP 0x10u
#define E_CMPL 0x20u
#define E_ABORT 0x40u
#define E_CMD 0x80u
#define DC_INT 0x01u
#define DC_CMPL 0x08u
#define DC_NULL 0x20u
#define MAX_CH 16
#define LOG_MAX 65536
#define IRQ_MAX 65536

typedef struct fchan {
    uint32_t ctrl, chain_lo, chain_hi, cmpl_lo, cmpl_hi;
    uint16_t dmacount, completed;
    int state;
    uint64_t cur, last;
    uint32_t err;
    uint64_t erraddr;
    int inject;            /* 1: armed */
    uint16_t inject_at;
    uint32_t inject_err;
} fchan;

struct fake_ndma {
    uint8_t *mem;
    uint64_t base, size;
    int nch;
    uint32_t id, chancnt, xfercap;
    uint32_t intrctrl, intrdelay, attn;
    uint32_t membase_lo, membase_hi, memlimit_lo, memlimit_hi;
    fchan ch[MAX_CH];
    fake_csr_write *log;
    size_t nlog;
    uint64_t reads;
    unsigned errors;
    char first_error[256];
    int *irq;
    size_t irq_head, irq_tail;
    uint64_t bytes, descs;
};

static void violation(fake_ndma *f, const char *fmt, ...)
{
    if (f->errors++ == 0) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(f->first_error, sizeof f->first_error, fmt, ap);
        va_end(ap);
    }
}

static uint64_t rd64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}
static uint32_t rd32(const uint8_t *p) { return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24; }
static void wr64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t membase(const fake_ndma *f) { return (uint64_t)f->membase_hi << 32 | f->membase_lo; }
static uint64_t memlimit(const fake_ndma *f) { return (uint64_t)f->memlimit_hi << 32 | f->memlimit_lo; }

/* Host pointer of [a, a+len) if it lies in [MEMBASE, MEMLIMIT) and in the fake's memory. */
static uint8_t *range(fake_ndma *f, uint64_t a, uint64_t len)
{
    if (len == 0 || a < membase(f) || a > memlimit(f) || memlimit(f) - a < len)
        return NULL;
    if (a < f->base || a - f->base > f->size || f->size - (a - f->base) < len)
        return NULL;
    return f->mem + (a - f->base);
}

fake_ndma *fake_ndma_new(int channels, uint32_t xfercap, uint8_t *mem, uint64_t dma_base, uint64_t size)
{
    fake_ndma *f = calloc(1, sizeof *f);
    f->mem = mem;
    f->base = dma_base;
    f->size = size;
    f->nch = channels;
    f->id = ID_VALUE;
    f->chancnt = (uint32_t)channels;
    f->xfercap = xfercap;
    for (int c = 0; c < MAX_CH; c++)
        f->ch[c].state = ST_IDLE;
    f->log = calloc(LOG_MAX, sizeof *f->log);
    f->irq = calloc(IRQ_MAX, sizeof *f->irq);
    return f;
}

void fake_ndma_free(fake_ndma *f)
{
    if (!f)
        return;
    free(f->log);
    free(f->irq);
    free(f);
}

static void raise_irq(fake_ndma *f, int c)
{
    f->attn |= 1u << c;
    if ((f->intrctrl & 1) && (f->ch[c].ctrl & 1) && f->irq_tail - f->irq_head < IRQ_MAX) {
        f->irq[f->irq_tail % IRQ_MAX] = (int)(f->ch[c].ctrl >> 8 & 0xFF);
        f->irq_tail++;
    }
}

static uint64_t cmpl_addr(const fchan *ch) { return (uint64_t)ch->cmpl_hi << 32 | ch->cmpl_lo; }

/* Writes the status word; 0 if CMPLADDR is unusable. */
static int write_status(fake_ndma *f, fchan *ch)
{
    uint64_t a = cmpl_addr(ch);
    uint8_t *p = (a & 7) ? NULL : range(f, a, 8);
    if (!p)
        return 0;
    wr64(p, ch->last | (uint64_t)ch->state);
    return 1;
}

static void halt(fake_ndma *f, int c, uint32_t bits, uint64_t addr)
{
    fchan *ch = &f->ch[c];
    if (ch->err == 0)
        ch->erraddr = addr;
    ch->err |= bits;
    ch->state = ST_HALTED;
    write_status(f, ch);
    raise_irq(f, c);
}

static void settle(fchan *ch)
{
    if (ch->state == ST_ACTIVE || ch->state == ST_IDLE)
        ch->state = ch->completed == ch->dmacount ? ST_IDLE : ST_ACTIVE;
}

static void command(fake_ndma *f, int c, uint32_t cmd)
{
    fchan *ch = &f->ch[c];
    switch (cmd) {
    case 1: /* START */
        if (ch->state == ST_HALTED || ch->state == ST_SUSPENDED || (ch->state == ST_ACTIVE && ch->completed != ch->dmacount)) {
            violation(f, "channel %d: START in state %d", c, ch->state);
            halt(f, c, E_CMD, ch->cur);
            return;
        }
        ch->cur = (uint64_t)ch->chain_hi << 32 | ch->chain_lo;
        ch->completed = 0;
        ch->dmacount = 0;
        ch->state = ST_IDLE;
        break;
    case 2: /* APPEND */
        ch->dmacount++;
        settle(ch);
        break;
    case 3: /* SUSPEND */
        if (ch->state != ST_HALTED)
            ch->state = ST_SUSPENDED;
        break;
    case 4: /* RESUME */
        if (ch->state != ST_SUSPENDED) {
            violation(f, "channel %d: RESUME in state %d", c, ch->state);
            halt(f, c, E_CMD, ch->cur);
            return;
        }
        ch->state = ST_ACTIVE;
        settle(ch);
        break;
    case 5: /* ABORT */
        halt(f, c, E_ABORT, ch->cur);
        break;
    case 6: /* RESET */
        ch->err = 0;
        ch->erraddr = 0;
        ch->completed = 0;
        ch->dmacount = 0;
        ch->last = 0;
        ch->state = ST_IDLE;
        break;
    default:
        violation(f, "channel %d: unknown command %u", c, (unsigned)cmd);
        break;
    }
}

static void csr_write(void *ctx, uint32_t addr, uint32_t val)
{
    fake_ndma *f = ctx;
    if (f->nlog < LOG_MAX)
        f->log[f->nlog++] = (fake_csr_write){addr, val};
    if (addr >= CH0) {
        uint32_t c = (addr - CH0) / CH_STRIDE, off = (addr - CH0) % CH_STRIDE;
        if (c >= (uint32_t)f->nch) {
            violation(f, "write 0x%x to channel %u the engine does not have", (unsigned)val, (unsigned)c);
            return;
        }
        fchan *ch = &f->ch[c];
        switch (off) {
        case C_CTRL: ch->ctrl = val; return;
        case C_DMACOUNT:
            ch->dmacount = (uint16_t)val;
            settle(ch);
            return;
        case C_CHAIN_LO: ch->chain_lo = val; return;
        case C_CHAIN_HI: ch->chain_hi = val; return;
        case C_CMD: command(f, (int)c, val); return;
        case C_CMPL_LO: ch->cmpl_lo = val; return;
        case C_CMPL_HI: ch->cmpl_hi = val; return;
        case C_ERR:
            ch->err &= ~val;
            return;
        default:
            violation(f, "write 0x%x to read-only or unknown channel register 0x%x", (unsigned)val, (unsigned)addr);
            return;
        }
    }
    switch (addr) {
    case G_INTRCTRL: f->intrctrl = val; return;
    case G_INTRDELAY: f->intrdelay = val; return;
    case G_MEMBASE_LO: f->membase_lo = val; return;
    case G_MEMBASE_HI: f->membase_hi = val; return;
    case G_MEMLIMIT_LO: f->memlimit_lo = val; return;
    case G_MEMLIMIT_HI: f->memlimit_hi = val; return;
    default:
        violation(f, "write 0x%x to read-only or unknown register 0x%x", (unsigned)val, (unsigned)addr);
    }
}

uint32_t fake_ndma_reg(const fake_ndma *f, uint32_t addr)
{
    if (addr >= CH0) {
        uint32_t c = (addr - CH0) / CH_STRIDE, off = (addr - CH0) % CH_STRIDE;
        if (c >= MAX_CH)
            return 0;
        const fchan *ch = &f->ch[c];
        switch (off) {
        case C_CTRL: return ch->ctrl;
        case C_DMACOUNT: return ch->dmacount;
        case C_CHAIN_LO: return ch->chain_lo;
        case C_CHAIN_HI: return ch->chain_hi;
        case C_STATUS_LO: return (uint32_t)ch->last | (uint32_t)ch->state;
        case C_STATUS_HI: return (uint32_t)(ch->last >> 32);
        case C_COMPLETED: return ch->completed;
        case C_CMPL_LO: return ch->cmpl_lo;
        case C_CMPL_HI: return ch->cmpl_hi;
        case C_ERR: return ch->err;
        case C_ERRADDR_LO: return (uint32_t)ch->erraddr;
        case C_ERRADDR_HI: return (uint32_t)(ch->erraddr >> 32);
        default: return 0;
        }
    }
    switch (addr) {
    case G_ID: return f->id;
    case G_CHANCNT: return f->chancnt;
    case G_XFERCAP: return f->xfercap;
    case G_INTRCTRL: return f->intrctrl;
    case G_INTRDELAY: return f->intrdelay;
    case G_ATTN: return f->attn;
    case G_MEMBASE_LO: return f->membase_lo;
    case G_MEMBASE_HI: return f->membase_hi;
    case G_MEMLIMIT_LO: return f->memlimit_lo;
    case G_MEMLIMIT_HI: return f->memlimit_hi;
    default: return 0;
    }
}

static uint32_t csr_read(void *ctx, uint32_t addr)
{
    fake_ndma *f = ctx;
    f->reads++;
    return fake_ndma_reg(f, addr);
}

drv_hw_ops fake_ndma_hw_ops(fake_ndma *f) { return (drv_hw_ops){csr_write, csr_read, f}; }

void fake_ndma_poke(fake_ndma *f, uint32_t addr, uint32_t val)
{
    if (addr == G_ID)
        f->id = val;
    else if (addr == G_CHANCNT)
        f->chancnt = val;
    else if (addr == G_XFERCAP)
        f->xfercap = val;
}

size_t fake_ndma_write_count(const fake_ndma *f) { return f->nlog; }
const fake_csr_write *fake_ndma_write_log(const fake_ndma *f) { return f->log; }
size_t fake_ndma_writes_to(const fake_ndma *f, uint32_t addr)
{
    size_t n = 0;
    for (size_t i = 0; i < f->nlog; i++)
        n += f->log[i].addr == addr;
    return n;
}
void fake_ndma_clear_log(fake_ndma *f) { f->nlog = 0; }
uint64_t fake_ndma_read_count(const fake_ndma *f) { return f->reads; }
unsigned fake_ndma_errors(const fake_ndma *f) { return f->errors; }
const char *fake_ndma_first_error(const fake_ndma *f) { return f->first_error; }

int fake_ndma_run(fake_ndma *f, int c, int max_desc)
{
    fchan *ch = &f->ch[c];
    int n = 0;
    settle(ch);
    while ((max_desc < 0 || n < max_desc) && ch->state == ST_ACTIVE) {
        uint64_t a = ch->cur;
        const uint8_t *d = (a & 63) ? NULL : range(f, a, 64);
        if (!d) {
            halt(f, c, E_DESC, a);
            break;
        }
        if (ch->inject && ch->inject_at == ch->completed) {
            ch->inject = 0;
            halt(f, c, ch->inject_err, a);
            break;
        }
        uint32_t size = rd32(d), ctl = rd32(d + 4);
        uint64_t src = rd64(d + 8), dst = rd64(d + 16), next = rd64(d + 24);
        if (!(ctl & DC_NULL)) {
            uint8_t *s = range(f, src, size), *t = range(f, dst, size);
            uint32_t bad = size == 0 ? E_LEN0 : size > f->xfercap ? E_CAP : !s ? E_SRC : !t ? E_DST : 0;
            if (bad) {
                halt(f, c, bad, a);
                break;
            }
            memmove(t, s, size);
            f->bytes += size;
        }
        if ((ctl & DC_CMPL) && ((cmpl_addr(ch) & 7) || !range(f, cmpl_addr(ch), 8))) {
            halt(f, c, E_CMPL, a);
            break;
        }
        ch->completed++;
        ch->last = a;
        ch->cur = next;
        settle(ch);
        f->descs++;
        n++;
        if (ctl & DC_CMPL)
            write_status(f, ch);
        if (ctl & DC_INT)
            raise_irq(f, c);
    }
    return n;
}

void fake_ndma_inject(fake_ndma *f, int c, uint16_t at_count, uint32_t err_bits)
{
    f->ch[c].inject = 1;
    f->ch[c].inject_at = at_count;
    f->ch[c].inject_err = err_bits;
}

int fake_ndma_state(const fake_ndma *f, int c)
{
    fchan ch = f->ch[c];
    settle(&ch);
    return ch.state;
}
uint16_t fake_ndma_completed(const fake_ndma *f, int c) { return f->ch[c].completed; }
uint64_t fake_ndma_bytes(const fake_ndma *f) { return f->bytes; }
uint64_t fake_ndma_descriptors(const fake_ndma *f) { return f->descs; }

int fake_ndma_next_irq(fake_ndma *f)
{
    if (f->irq_head == f->irq_tail)
        return -1;
    return f->irq[f->irq_head++ % IRQ_MAX];
}
