/* Check suite of the NetDMA provider (driver/netdma.c) against the fake copy engine
 * (fake_ndma.c): open (register order, bad devices, memory), copies split at XFERCAP, the
 * cumulative doorbell, retirement in order from the completion word (partial progress, stale
 * words), interrupts and the DPC, ring full, the 16-bit count wrap, halts (errors for every
 * outstanding copy, reset and restart), channels shared by CPUs, cost accounting. */
#include "netdma.h"
#include "hostmem.h"
#include "fake_ndma.h"

#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DMA_BASE 0x240000000ull
#define MEM_BYTES (8u << 20)

/* Registers, spelled out for the assertions. */
#define R_ID 0x000u
#define R_CHANCNT 0x004u
#define R_XFERCAP 0x008u
#define R_INTRCTRL 0x00Cu
#define R_INTRDELAY 0x010u
#define R_MEMBASE_LO 0x018u
#define R_MEMBASE_HI 0x01Cu
#define R_MEMLIMIT_LO 0x020u
#define R_MEMLIMIT_HI 0x024u
#define R_CH(c, off) (0x100u + 0x80u * (unsigned)(c) + (off))
#define O_CTRL 0x00u
#define O_DMACOUNT 0x04u
#define O_CHAIN_LO 0x08u
#define O_CHAIN_HI 0x0Cu
#define O_CMD 0x10u
#define O_CMPL_LO 0x20u
#define O_CMPL_HI 0x24u
#define O_ERR 0x28u
#define CMD_START 1u
#define CMD_RESET 6u

static const uint64_t price[ND_OP_COUNT] = {13, 101, 7, 29, 1009, 307};
#define DONE_CYCLES 50021u

typedef struct rec_done {
    int cpu;
    uint64_t cookie;
    int status, by_irq;
} rec_done;

typedef struct env {
    hm_region *hm;
    uint8_t *mem;
    drv_mem_if dm;
    fake_ndma *f;
    nd_dev *d;
    nd_config cfg;
    rec_done *done;
    size_t ndone, capdone;
    uint64_t cost_count[ND_OP_COUNT];
    uint64_t cost_total;
    char err[256];
} env;

static uint64_t rec_done_cb(void *user, int cpu, uint64_t cookie, int status, int by_irq)
{
    env *e = user;
    if (e->ndone == e->capdone) {
        e->capdone = e->capdone ? 2 * e->capdone : 256;
        e->done = realloc(e->done, e->capdone * sizeof *e->done);
        ck_assert_ptr_nonnull(e->done);
    }
    e->done[e->ndone++] = (rec_done){cpu, cookie, status, by_irq};
    return DONE_CYCLES;
}

static uint64_t rec_cost(void *user, int cpu, int op, uint64_t count)
{
    env *e = user;
    ck_assert_msg(op >= 0 && op < ND_OP_COUNT, "cost: op %d", op);
    ck_assert_msg(cpu >= 0 && cpu < e->cfg.cpus, "cost: cpu %d", cpu);
    ck_assert_msg(count > 0, "cost: zero count for %s", nd_op_name(op));
    e->cost_count[op] += count;
    e->cost_total += price[op] * count;
    return price[op] * count;
}

static void env_init(env *e, int channels, uint32_t xfercap)
{
    memset(e, 0, sizeof *e);
    char err[256];
    ck_assert_msg(hm_open(&e->hm, DMA_BASE, MEM_BYTES, err, sizeof err) == 0, "%s", err);
    e->mem = hm_ptr(e->hm, DMA_BASE, MEM_BYTES);
    memset(e->mem, 0xA5, MEM_BYTES);
    e->dm = hm_driver_if(e->hm);
    e->f = fake_ndma_new(channels, xfercap, e->mem, DMA_BASE, MEM_BYTES);
    nd_config_defaults(&e->cfg);
    e->cfg.mem_base = DMA_BASE;
    e->cfg.mem_limit = DMA_BASE + MEM_BYTES;
}

static int env_open_rc(env *e)
{
    drv_hw_ops hw = fake_ndma_hw_ops(e->f);
    nd_callbacks cb = {.done = rec_done_cb, .cost = rec_cost, .user = e};
    e->err[0] = '\0';
    return nd_open(&e->d, &e->cfg, &hw, &e->dm, &cb, e->err, sizeof e->err);
}

static void env_open(env *e)
{
    int rc = env_open_rc(e);
    ck_assert_msg(rc == DRV_OK, "nd_open: %d %s", rc, e->err);
}

static void env_free(env *e)
{
    nd_close(e->d);
    fake_ndma_free(e->f);
    free(e->done);
    hm_close(e->hm);
}

static void check_fake_ok(const env *e)
{
    ck_assert_msg(fake_ndma_errors(e->f) == 0, "fake engine saw %u violations, first: %s",
                  fake_ndma_errors(e->f), fake_ndma_first_error(e->f));
}

/* A buffer of len bytes in host memory: host pointer, bus address in *dma. */
static uint8_t *buf(env *e, uint32_t len, uint64_t *dma)
{
    uint8_t *p = hm_alloc(e->hm, len, 1, dma);
    ck_assert_ptr_nonnull(p);
    return p;
}

static void fill(uint8_t *b, uint32_t len, uint32_t seed)
{
    uint32_t x = seed * 2654435761u + 7u;
    for (uint32_t i = 0; i < len; i++) {
        x = x * 1103515245u + 12345u;
        b[i] = (uint8_t)(x >> 16);
    }
}

static uint64_t le64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}
static uint32_t le32(const uint8_t *p) { return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24; }

static uint64_t reg64(const env *e, uint32_t lo)
{
    return (uint64_t)fake_ndma_reg(e->f, lo + 4) << 32 | fake_ndma_reg(e->f, lo);
}

/* Host pointer of a bus address. */
static uint8_t *host(const env *e, uint64_t dma) { return e->mem + (dma - DMA_BASE); }

static void copy_ok(env *e, int cpu, uint64_t dst, uint64_t src, uint32_t len, uint64_t cookie, int flags)
{
    int64_t rc = nd_copy(e->d, cpu, dst, src, len, cookie, flags);
    ck_assert_msg(rc >= 0, "nd_copy(cpu %d, len %u): %lld", cpu, len, (long long)rc);
}

/* ------------------------------------------------------------------------------------ */

START_TEST(op_names)
{
    static const char *const want[] = {"dma_desc", "doorbell", "dma_poll", "dma_completion", "isr", "dpc"};
    for (int i = 0; i < ND_OP_COUNT; i++)
        ck_assert_str_eq(nd_op_name(i), want[i]);
    ck_assert_ptr_null(nd_op_name(-1));
    ck_assert_ptr_null(nd_op_name(ND_OP_COUNT));
}
END_TEST

START_TEST(open_programs_registers)
{
    env e;
    env_init(&e, 4, 4096);
    e.cfg.cpus = 3;
    e.cfg.channels = 0; /* all the engine has, no more than cpus: 3 */
    e.cfg.ring_entries = 64;
    e.cfg.irq_vector_base = 5;
    e.cfg.intr_delay_ns = 2500;
    env_open(&e);
    ck_assert_int_eq(nd_channels(e.d), 3);
    ck_assert_uint_eq(nd_xfercap(e.d), 4096);
    ck_assert_uint_eq(fake_ndma_read_count(e.f), 3); /* ID, CHANCNT, XFERCAP */

    const fake_csr_write *log = fake_ndma_write_log(e.f);
    size_t nw = fake_ndma_write_count(e.f);
    ck_assert_uint_eq(nw, 5 + 3 * 6 + 1);
    static const uint32_t head[] = {R_MEMBASE_LO, R_MEMBASE_HI, R_MEMLIMIT_LO, R_MEMLIMIT_HI, R_INTRDELAY};
    for (int i = 0; i < 5; i++)
        ck_assert_uint_eq(log[i].addr, head[i]);
    ck_assert_uint_eq(reg64(&e, R_MEMBASE_LO), DMA_BASE);
    ck_assert_uint_eq(reg64(&e, R_MEMLIMIT_LO), DMA_BASE + MEM_BYTES);
    ck_assert_uint_eq(fake_ndma_reg(e.f, R_INTRDELAY), 2500);
    for (int c = 0; c < 3; c++) {
        const fake_csr_write *w = log + 5 + 6 * c;
        static const uint32_t order[] = {O_CTRL, O_CMPL_LO, O_CMPL_HI, O_CHAIN_LO, O_CHAIN_HI, O_CMD};
        for (int k = 0; k < 6; k++)
            ck_assert_msg(w[k].addr == R_CH(c, order[k]), "channel %d write %d: 0x%x", c, k, w[k].addr);
        ck_assert_uint_eq(w[5].val, CMD_START);
        ck_assert_uint_eq(fake_ndma_reg(e.f, R_CH(c, O_CTRL)), 1u | (uint32_t)(5 + c) << 8);
        ck_assert_int_eq(nd_vector_of_channel(e.d, c), 5 + c);
        ck_assert_int_eq(nd_vector_cpu(e.d, 5 + c), c);
        uint64_t ring = reg64(&e, R_CH(c, O_CHAIN_LO));
        uint64_t cmpl = reg64(&e, R_CH(c, O_CMPL_LO));
        ck_assert_uint_eq(ring % 64, 0);
        ck_assert_uint_eq(cmpl % 8, 0);
        ck_assert_uint_eq(le64(host(&e, cmpl)), 0);
        /* a circle of next pointers */
        for (int s = 0; s < 64; s++)
            ck_assert_uint_eq(le64(host(&e, ring + 64u * (unsigned)s) + 24), ring + 64u * (unsigned)((s + 1) % 64));
    }
    ck_assert_uint_eq(log[nw - 1].addr, R_INTRCTRL);
    ck_assert_uint_eq(log[nw - 1].val, 1);
    ck_assert_int_eq(nd_vector_cpu(e.d, 4), -1);
    ck_assert_int_eq(nd_vector_cpu(e.d, 8), -1);
    ck_assert_int_eq(nd_vector_count(e.d), 3);
    check_fake_ok(&e);
    env_free(&e);
}
END_TEST

/* Bad devices and configurations: the right code, a one-line message, no register written,
 * host memory as it was. */
START_TEST(open_rejects)
{
    static const struct {
        uint32_t id, chancnt, xfercap;
        int channels;
        uint32_t ring;
        int rc;
        const char *msg;
    } cases[] = {
        {0x12345678, 4, 4096, 0, 64, DRV_EDEVICE, "not a nicsim copy engine"},
        {0x4E444D41, 0, 4096, 0, 64, DRV_EDEVICE, "0 channels"},
        {0x4E444D41, 17, 4096, 0, 64, DRV_EDEVICE, "17 channels"},
        {0x4E444D41, 4, 0, 0, 64, DRV_EDEVICE, "XFERCAP 0"},
        {0x4E444D41, 2, 4096, 3, 64, DRV_EINVAL, "exceeds"},
        {0x4E444D41, 4, 4096, 0, 100, DRV_EINVAL, "ring_entries"},
        {0x4E444D41, 4, 4096, 0, 8, DRV_EINVAL, "ring_entries"},
        {0x4E444D41, 4, 4096, 17, 64, DRV_EINVAL, "channels"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        env e;
        env_init(&e, 4, 4096);
        fake_ndma_poke(e.f, R_ID, cases[i].id);
        fake_ndma_poke(e.f, R_CHANCNT, cases[i].chancnt);
        fake_ndma_poke(e.f, R_XFERCAP, cases[i].xfercap);
        e.cfg.channels = cases[i].channels;
        e.cfg.ring_entries = cases[i].ring;
        uint64_t used = hm_used(e.hm);
        int rc = env_open_rc(&e);
        ck_assert_msg(rc == cases[i].rc, "case %zu: rc %d (%s)", i, rc, e.err);
        ck_assert_ptr_null(e.d);
        ck_assert_msg(strstr(e.err, cases[i].msg) != NULL, "case %zu: message '%s'", i, e.err);
        ck_assert_ptr_null(strchr(e.err, '\n'));
        ck_assert_uint_eq(fake_ndma_write_count(e.f), 0);
        ck_assert_uint_eq(hm_used(e.hm), used);
        env_free(&e);
    }
    /* host memory too small: ENOMEM, rewound */
    env e;
    env_init(&e, 4, 4096);
    uint64_t a;
    ck_assert_ptr_nonnull(hm_alloc(e.hm, MEM_BYTES - 100000, 1, &a));
    uint64_t used = hm_used(e.hm);
    e.cfg.ring_entries = 1024; /* 64 KiB per channel */
    ck_assert_int_eq(env_open_rc(&e), DRV_ENOMEM);
    ck_assert_ptr_nonnull(strstr(e.err, "host memory"));
    ck_assert_uint_eq(hm_used(e.hm), used);
    ck_assert_uint_eq(fake_ndma_write_count(e.f), 0);
    env_free(&e);
}
END_TEST

START_TEST(mem_required_matches_open)
{
    static const struct {
        int engine, cpus, channels;
        uint32_t ring;
    } cases[] = {{4, 4, 0, 1024}, {4, 2, 0, 16}, {16, 64, 0, 256}, {8, 2, 5, 4096}, {1, 8, 1, 64}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        env e;
        env_init(&e, cases[i].engine, 4096);
        e.cfg.cpus = cases[i].cpus;
        e.cfg.channels = cases[i].channels;
        e.cfg.ring_entries = cases[i].ring;
        env_open(&e);
        ck_assert_uint_eq(nd_mem_required(&e.cfg, cases[i].engine), hm_used(e.hm));
        env_free(&e);
    }
    nd_config c;
    nd_config_defaults(&c);
    ck_assert_uint_eq(nd_mem_required(&c, 0), 0);
    c.channels = 5;
    ck_assert_uint_eq(nd_mem_required(&c, 4), 0);
    c.channels = 0;
    c.ring_entries = 3;
    ck_assert_uint_eq(nd_mem_required(&c, 4), 0);
}
END_TEST

/* A copy longer than XFERCAP takes several descriptors; only the last one reports. */
START_TEST(copy_split_at_xfercap)
{
    env e;
    env_init(&e, 1, 4096);
    e.cfg.cpus = 1;
    e.cfg.ring_entries = 16;
    env_open(&e);
    uint64_t sd, dd;
    uint8_t *s = buf(&e, 10000, &sd), *dp = buf(&e, 10000, &dd);
    fill(s, 10000, 1);
    int64_t rc = nd_copy(e.d, 0, dd, sd, 10000, 0xC0FFEE, ND_F_INT);
    ck_assert_int_eq(rc, (int64_t)(3 * price[ND_OP_DESC]));
    uint64_t ring = reg64(&e, R_CH(0, O_CHAIN_LO));
    static const uint32_t size[] = {4096, 4096, 1808};
    for (int k = 0; k < 3; k++) {
        const uint8_t *p = host(&e, ring + 64u * (unsigned)k);
        ck_assert_uint_eq(le32(p), size[k]);
        ck_assert_uint_eq(le32(p + 4), k == 2 ? 0x08u | 0x01u : 0u); /* CMPL_WRITE | INT on the last */
        ck_assert_uint_eq(le64(p + 8), sd + 4096u * (unsigned)k);
        ck_assert_uint_eq(le64(p + 16), dd + 4096u * (unsigned)k);
        ck_assert_uint_eq(le64(p + 24), ring + 64u * (unsigned)(k + 1));
        ck_assert_uint_eq(le64(p + 32), 0);
        ck_assert_uint_eq(le64(p + 40), 0);
    }
    /* exactly XFERCAP: one descriptor, without INT */
    copy_ok(&e, 0, dd, sd, 4096, 2, 0);
    ck_assert_uint_eq(le32(host(&e, ring + 3 * 64u)), 4096);
    ck_assert_uint_eq(le32(host(&e, ring + 3 * 64u) + 4), 0x08u);
    /* nothing reaches the engine before the doorbell */
    ck_assert_int_eq(fake_ndma_run(e.f, 0, -1), 0);
    nd_flush(e.d, 0);
    ck_assert_int_eq(fake_ndma_run(e.f, 0, -1), 4);
    ck_assert_int_eq(memcmp(s, dp, 10000), 0);
    ck_assert_int_eq(fake_ndma_next_irq(e.f), 0);
    ck_assert_int_eq(fake_ndma_next_irq(e.f), -1); /* one interrupt: the copy without INT raises none */
    nd_poll(e.d, 0);
    ck_assert_uint_eq(e.ndone, 2);
    ck_assert_uint_eq(e.done[0].cookie, 0xC0FFEE);
    ck_assert_uint_eq(e.done[1].cookie, 2);
    ck_assert_int_eq(e.done[0].status, ND_DONE_OK);
    nd_stats st;
    nd_get_stats(e.d, &st);
    ck_assert_uint_eq(st.copies, 2);
    ck_assert_uint_eq(st.bytes, 14096);
    ck_assert_uint_eq(st.descriptors, 4);
    /* bad arguments */
    ck_assert_int_eq(nd_copy(e.d, 0, dd, sd, 0, 1, 0), DRV_EINVAL);
    ck_assert_int_eq(nd_copy(e.d, 1, dd, sd, 10, 1, 0), DRV_EINVAL);
    ck_assert_int_eq(nd_copy(e.d, -1, dd, sd, 10, 1, 0), DRV_EINVAL);
    ck_assert_int_eq(nd_copy(e.d, 0, dd, sd, 10, 1, 4), DRV_EINVAL);
    ck_assert_int_eq(nd_copy(e.d, 0, DMA_BASE - 1, sd, 10, 1, 0), DRV_EINVAL);
    ck_assert_int_eq(nd_copy(e.d, 0, dd, DMA_BASE + MEM_BYTES - 5, 10, 1, 0), DRV_EINVAL);
    ck_assert_int_eq(nd_copy(e.d, 0, dd, sd, 15 * 4096 + 1, 1, 0), DRV_EINVAL); /* never fits */
    check_fake_ok(&e);
    env_free(&e);
}
END_TEST

/* One DMACOUNT write per batch, the cumulative count. */
START_TEST(batch_doorbell_counts)
{
    env e;
    env_init(&e, 1, 1000);
    e.cfg.cpus = 1;
    e.cfg.ring_entries = 64;
    env_open(&e);
    uint64_t sd, dd;
    buf(&e, 8000, &sd);
    buf(&e, 8000, &dd);
    fake_ndma_clear_log(e.f);
    ck_assert_uint_eq(nd_flush(e.d, 0), 0); /* nothing queued: no write */
    ck_assert_uint_eq(fake_ndma_write_count(e.f), 0);
    uint32_t total = 0;
    for (int k = 1; k <= 5; k++) {
        copy_ok(&e, 0, dd, sd, 1000u * (unsigned)k, (uint64_t)k, 0);
        total += (uint32_t)k;
    }
    ck_assert_uint_eq(fake_ndma_write_count(e.f), 0);
    ck_assert_uint_eq(nd_flush(e.d, 0), price[ND_OP_DOORBELL]);
    ck_assert_uint_eq(fake_ndma_write_count(e.f), 1);
    ck_assert_uint_eq(fake_ndma_write_log(e.f)[0].addr, R_CH(0, O_DMACOUNT));
    ck_assert_uint_eq(fake_ndma_write_log(e.f)[0].val, total);
    ck_assert_uint_eq(nd_flush(e.d, 0), 0);
    copy_ok(&e, 0, dd, sd, 1, 6, 0);
    nd_flush(e.d, 0);
    ck_assert_uint_eq(fake_ndma_write_log(e.f)[1].val, total + 1);
    nd_stats st;
    nd_get_stats(e.d, &st);
    ck_assert_uint_eq(st.doorbells, 2);
    fake_ndma_run(e.f, 0, -1);
    nd_poll(e.d, 0);
    ck_assert_uint_eq(e.ndone, 6);
    check_fake_ok(&e);
    env_free(&e);
}
END_TEST

/* Copies retire in order, only when their last descriptor is complete; a stale word retires
 * nothing. */
START_TEST(poll_partial_progress)
{
    env e;
    env_init(&e, 1, 100);
    e.cfg.cpus = 1;
    e.cfg.ring_entries = 32;
    env_open(&e);
    uint64_t sd, dd;
    uint8_t *s = buf(&e, 2000, &sd), *dp = buf(&e, 2000, &dd);
    fill(s, 2000, 3);
    /* copies of 1, 3, 2, 1, 4 descriptors: last descriptors at 0, 3, 5, 6, 10 */
    static const uint32_t len[] = {50, 250, 200, 100, 301};
    uint32_t off = 0;
    for (int k = 0; k < 5; k++) {
        copy_ok(&e, 0, dd + off, sd + off, len[k], 100u + (unsigned)k, 0);
        off += len[k];
    }
    ck_assert_uint_eq(nd_outstanding(e.d, 0), 5);
    nd_flush(e.d, 0);
    nd_poll(e.d, 0); /* nothing done yet */
    ck_assert_uint_eq(e.ndone, 0);
    static const int steps[] = {1, 2, 1, 1, 1, 1, 3, 1};
    static const size_t want[] = {1, 1, 2, 2, 3, 4, 4, 5};
    for (int i = 0; i < 8; i++) {
        fake_ndma_run(e.f, 0, steps[i]);
        nd_poll(e.d, 0);
        ck_assert_msg(e.ndone == want[i], "step %d: %zu done, want %zu", i, e.ndone, want[i]);
        nd_poll(e.d, 0); /* the same word again: nothing more */
        ck_assert_uint_eq(e.ndone, want[i]);
    }
    for (size_t k = 0; k < 5; k++) {
        ck_assert_uint_eq(e.done[k].cookie, 100 + k);
        ck_assert_int_eq(e.done[k].status, ND_DONE_OK);
        ck_assert_int_eq(e.done[k].by_irq, 0);
    }
    ck_assert_int_eq(memcmp(s, dp, off), 0);
    ck_assert_uint_eq(nd_outstanding(e.d, 0), 0);
    nd_stats st;
    nd_get_stats(e.d, &st);
    ck_assert_uint_eq(st.polls, 17);
    ck_assert_uint_eq(st.done_by_poll, 5);
    check_fake_ok(&e);
    env_free(&e);
}
END_TEST

/* ND_F_INT: the channel's vector; ISR then DPC retire by interrupt on the vector's CPU. */
START_TEST(interrupts_and_dpc)
{
    env e;
    env_init(&e, 2, 4096);
    e.cfg.cpus = 2;
    e.cfg.ring_entries = 16;
    e.cfg.irq_vector_base = 9;
    env_open(&e);
    uint64_t sd, dd;
    buf(&e, 4096, &sd);
    buf(&e, 4096, &dd);
    copy_ok(&e, 1, dd, sd, 100, 1, 0);
    copy_ok(&e, 1, dd + 100, sd + 100, 100, 2, ND_F_INT);
    copy_ok(&e, 1, dd + 200, sd + 200, 100, 3, 0);
    nd_flush(e.d, 1);
    fake_ndma_run(e.f, 1, -1);
    int v = fake_ndma_next_irq(e.f);
    ck_assert_int_eq(v, 10);
    ck_assert_int_eq(fake_ndma_next_irq(e.f), -1);
    ck_assert_int_eq(nd_vector_cpu(e.d, v), 1);
    uint64_t cyc = nd_isr(e.d, v);
    ck_assert_uint_eq(cyc, price[ND_OP_ISR]);
    cyc = nd_dpc(e.d, v);
    ck_assert_uint_eq(cyc, price[ND_OP_DPC] + 3 * (price[ND_OP_COMPLETION] + DONE_CYCLES));
    ck_assert_uint_eq(e.ndone, 3); /* the later copy's word covers all three */
    for (size_t k = 0; k < 3; k++) {
        ck_assert_int_eq(e.done[k].by_irq, 1);
        ck_assert_int_eq(e.done[k].cpu, 1);
        ck_assert_uint_eq(e.done[k].cookie, k + 1);
    }
    ck_assert_uint_eq(nd_dpc(e.d, v), price[ND_OP_DPC]); /* nothing more */
    ck_assert_uint_eq(nd_dpc(e.d, 42), 0);               /* not ours */
    nd_stats st;
    nd_get_stats(e.d, &st);
    ck_assert_uint_eq(st.isr, 1);
    ck_assert_uint_eq(st.dpc, 2);
    ck_assert_uint_eq(st.done_by_irq, 3);
    ck_assert_uint_eq(st.polls, 0);
    ck_assert_uint_eq(e.cost_count[ND_OP_POLL], 0);
    /* interrupts off at the engine: none raised */
    fake_csr_write w = {0x00C, 0};
    fake_ndma_hw_ops(e.f).csr_write(e.f, w.addr, w.val);
    copy_ok(&e, 0, dd, sd, 10, 4, ND_F_INT);
    nd_flush(e.d, 0);
    fake_ndma_run(e.f, 0, -1);
    ck_assert_int_eq(fake_ndma_next_irq(e.f), -1);
    check_fake_ok(&e);
    env_free(&e);
}
END_TEST

/* The ring holds entries - 1 descriptors; a refused copy writes nothing; room comes back. */
START_TEST(ring_full_and_recovery)
{
    env e;
    env_init(&e, 1, 100);
    e.cfg.cpus = 1;
    e.cfg.ring_entries = 16;
    env_open(&e);
    uint64_t sd, dd;
    uint8_t *s = buf(&e, 4000, &sd), *dp = buf(&e, 4000, &dd);
    fill(s, 4000, 9);
    for (int k = 0; k < 5; k++)
        copy_ok(&e, 0, dd + 300u * (unsigned)k, sd + 300u * (unsigned)k, 300, (uint64_t)k, 0);
    ck_assert_int_eq(nd_copy(e.d, 0, dd, sd, 1, 99, 0), DRV_EBUSY); /* 15 of 15 used */
    nd_stats st;
    nd_get_stats(e.d, &st);
    ck_assert_uint_eq(st.ring_full, 1);
    ck_assert_uint_eq(st.copies, 5);
    nd_flush(e.d, 0);
    fake_ndma_run(e.f, 0, 4); /* copy 0 and one descriptor of copy 1 */
    nd_poll(e.d, 0);
    ck_assert_uint_eq(e.ndone, 1);
    /* 3 free now: a 4-descriptor copy does not fit, a 3-descriptor one does */
    ck_assert_int_eq(nd_copy(e.d, 0, dd + 1500, sd + 1500, 301, 5, 0), DRV_EBUSY);
    copy_ok(&e, 0, dd + 1500, sd + 1500, 300, 5, 0); /* spans the ring's wrap (slots 15, 0, 1) */
    ck_assert_int_eq(nd_copy(e.d, 0, dd, sd, 1, 99, 0), DRV_EBUSY);
    nd_flush(e.d, 0);
    fake_ndma_run(e.f, 0, -1);
    nd_poll(e.d, 0);
    ck_assert_uint_eq(e.ndone, 6);
    for (size_t k = 0; k < 6; k++)
        ck_assert_uint_eq(e.done[k].cookie, k);
    ck_assert_int_eq(memcmp(s, dp, 1800), 0);
    nd_get_stats(e.d, &st);
    ck_assert_uint_eq(st.ring_full, 3);
    check_fake_ok(&e);
    env_free(&e);
}
END_TEST

/* More than 65535 descriptors since START: DMACOUNT wraps, everything still completes in
 * order, copies span the ring's wrap. */
START_TEST(count_wraps)
{
    env e;
    env_init(&e, 1, 64);
    e.cfg.cpus = 1;
    e.cfg.ring_entries = 16;
    env_open(&e);
    uint64_t sd, dd;
    uint8_t *s = buf(&e, 4096, &sd), *dp = buf(&e, 4096, &dd);
    uint32_t seed = 1, descs = 0;
    uint64_t cookie = 0, checked = 0;
    while (descs < 70000) {
        /* batches of copies of 1..4 descriptors, then the engine runs a random part */
        int n = 0;
        for (;;) {
            seed = seed * 1664525u + 1013904223u;
            uint32_t len = 1 + (seed >> 8) % 256;
            uint32_t off = (seed >> 20) % 3000;
            fill(s + off, len, (uint32_t)cookie);
            int64_t rc = nd_copy(e.d, 0, dd + off, sd + off, len, cookie, 0);
            if (rc == DRV_EBUSY)
                break;
            ck_assert_int_ge(rc, 0);
            cookie++;
            descs += (len + 63) / 64;
            if (++n == 3)
                break;
        }
        nd_flush(e.d, 0);
        ck_assert_uint_eq(fake_ndma_reg(e.f, R_CH(0, O_DMACOUNT)), descs & 0xFFFF);
        fake_ndma_run(e.f, 0, (int)((seed >> 4) % 8));
        nd_poll(e.d, 0);
        for (; checked < e.ndone; checked++) {
            ck_assert_uint_eq(e.done[checked].cookie, checked);
            ck_assert_int_eq(e.done[checked].status, ND_DONE_OK);
        }
    }
    fake_ndma_run(e.f, 0, -1);
    nd_poll(e.d, 0);
    ck_assert_uint_eq(e.ndone, cookie);
    for (; checked < e.ndone; checked++)
        ck_assert_uint_eq(e.done[checked].cookie, checked);
    ck_assert_uint_eq(fake_ndma_descriptors(e.f), descs);
    /* the last batch's bytes (same region reused: only the last copy per byte counts) */
    (void)dp;
    ck_assert_uint_eq(nd_outstanding(e.d, 0), 0);
    check_fake_ok(&e);
    env_free(&e);
}
END_TEST

/* A halt: completed copies OK, all others ND_DONE_ERROR (queued ones too); RESET,
 * CHAINADDR = next free descriptor, START; then copies work again. */
START_TEST(error_halt_reset_restart)
{
    env e;
    env_init(&e, 1, 100);
    e.cfg.cpus = 1;
    e.cfg.ring_entries = 16;
    env_open(&e);
    uint64_t sd, dd;
    uint8_t *s = buf(&e, 4000, &sd), *dp = buf(&e, 4000, &dd);
    fill(s, 4000, 5);
    uint64_t ring = reg64(&e, R_CH(0, O_CHAIN_LO));
    for (int k = 0; k < 4; k++) /* 2 descriptors each: 0-1, 2-3, 4-5, 6-7 */
        copy_ok(&e, 0, dd + 200u * (unsigned)k, sd + 200u * (unsigned)k, 200, (uint64_t)k, 0);
    nd_flush(e.d, 0);
    copy_ok(&e, 0, dd + 800, sd + 800, 50, 4, 0); /* queued, not flushed: slot 8 */
    fake_ndma_inject(e.f, 0, 3, 0x04); /* halt at descriptor 3 (copy 1's second) */
    fake_ndma_run(e.f, 0, -1);
    ck_assert_int_eq(fake_ndma_state(e.f, 0), 3);
    ck_assert_int_eq(fake_ndma_next_irq(e.f), 0); /* the halt raises the interrupt */
    fake_ndma_clear_log(e.f);
    uint64_t cyc = nd_poll(e.d, 0);
    ck_assert_uint_eq(e.ndone, 5);
    ck_assert_int_eq(e.done[0].status, ND_DONE_OK);
    for (size_t k = 1; k < 5; k++) {
        ck_assert_uint_eq(e.done[k].cookie, k);
        ck_assert_int_eq(e.done[k].status, ND_DONE_ERROR);
    }
    ck_assert_uint_eq(cyc, price[ND_OP_POLL] + 5 * (price[ND_OP_COMPLETION] + DONE_CYCLES) + 4 * price[ND_OP_DOORBELL]);
    const fake_csr_write *log = fake_ndma_write_log(e.f);
    ck_assert_uint_eq(fake_ndma_write_count(e.f), 4);
    ck_assert_uint_eq(log[0].addr, R_CH(0, O_CMD));
    ck_assert_uint_eq(log[0].val, CMD_RESET);
    ck_assert_uint_eq(log[1].addr, R_CH(0, O_CHAIN_LO));
    ck_assert_uint_eq(log[2].addr, R_CH(0, O_CHAIN_HI));
    ck_assert_uint_eq(reg64(&e, R_CH(0, O_CHAIN_LO)), ring + 9 * 64); /* the next free descriptor */
    ck_assert_uint_eq(log[3].addr, R_CH(0, O_CMD));
    ck_assert_uint_eq(log[3].val, CMD_START);
    ck_assert_uint_eq(fake_ndma_reg(e.f, R_CH(0, O_ERR)), 0);
    ck_assert_int_eq(fake_ndma_state(e.f, 0), 1);
    ck_assert_uint_eq(nd_outstanding(e.d, 0), 0);
    nd_stats st;
    nd_get_stats(e.d, &st);
    ck_assert_uint_eq(st.errors, 1);
    ck_assert_uint_eq(st.resets, 1);
    nd_poll(e.d, 0); /* the halted word is gone */
    ck_assert_uint_eq(e.ndone, 5);
    /* the channel works again, across the ring's wrap and past the old descriptors */
    memset(dp, 0, 4000);
    for (int round = 0; round < 10; round++) {
        for (int k = 0; k < 3; k++) {
            uint32_t o = 300u * (unsigned)k + 10u * (unsigned)round;
            copy_ok(&e, 0, dd + o, sd + o, 150, 1000u + 3u * (unsigned)round + (unsigned)k, 0);
        }
        nd_flush(e.d, 0);
        fake_ndma_run(e.f, 0, -1);
        nd_poll(e.d, 0);
    }
    ck_assert_uint_eq(e.ndone, 35);
    for (size_t k = 5; k < 35; k++) {
        ck_assert_uint_eq(e.done[k].cookie, 1000 + k - 5);
        ck_assert_int_eq(e.done[k].status, ND_DONE_OK);
    }
    ck_assert_int_eq(memcmp(s + 90, dp + 90, 150), 0);
    /* a second halt, found by the DPC this time */
    copy_ok(&e, 0, dd, sd, 10, 7, ND_F_INT);
    nd_flush(e.d, 0);
    fake_ndma_inject(e.f, 0, fake_ndma_completed(e.f, 0), 0x02);
    fake_ndma_run(e.f, 0, -1);
    int v = fake_ndma_next_irq(e.f);
    ck_assert_int_eq(v, 0);
    nd_isr(e.d, v);
    nd_dpc(e.d, v);
    ck_assert_uint_eq(e.ndone, 36);
    ck_assert_int_eq(e.done[35].status, ND_DONE_ERROR);
    ck_assert_int_eq(e.done[35].by_irq, 1);
    copy_ok(&e, 0, dd, sd, 10, 8, 0);
    nd_flush(e.d, 0);
    fake_ndma_run(e.f, 0, -1);
    nd_poll(e.d, 0);
    ck_assert_uint_eq(e.ndone, 37);
    ck_assert_int_eq(e.done[36].status, ND_DONE_OK);
    nd_get_stats(e.d, &st);
    ck_assert_uint_eq(st.errors, 2);
    ck_assert_uint_eq(st.resets, 2);
    check_fake_ok(&e);
    env_free(&e);
}
END_TEST

/* cpu % channels: CPUs sharing a channel complete in one order; channels are independent. */
START_TEST(channels_and_cpus)
{
    env e;
    env_init(&e, 4, 4096);
    e.cfg.cpus = 5;
    e.cfg.channels = 2;
    e.cfg.ring_entries = 16;
    env_open(&e);
    ck_assert_int_eq(nd_channels(e.d), 2);
    for (int cpu = 0; cpu < 5; cpu++)
        ck_assert_int_eq(nd_channel_of_cpu(e.d, cpu), cpu % 2);
    ck_assert_int_eq(nd_channel_of_cpu(e.d, 5), -1);
    ck_assert_int_eq(nd_vector_cpu(e.d, 0), 0);
    ck_assert_int_eq(nd_vector_cpu(e.d, 1), 1);
    ck_assert_int_eq(nd_vector_cpu(e.d, 2), -1);
    uint64_t sd, dd;
    uint8_t *s = buf(&e, 5000, &sd), *dp = buf(&e, 5000, &dd);
    fill(s, 5000, 11);
    for (int cpu = 0; cpu < 5; cpu++)
        copy_ok(&e, cpu, dd + 1000u * (unsigned)cpu, sd + 1000u * (unsigned)cpu, 1000, (uint64_t)cpu, 0);
    ck_assert_uint_eq(nd_outstanding(e.d, 0), 3); /* cpus 0, 2, 4 */
    ck_assert_uint_eq(nd_outstanding(e.d, 4), 3);
    ck_assert_uint_eq(nd_outstanding(e.d, 1), 2);
    nd_flush(e.d, 2); /* channel 0's doorbell, rung from cpu 2 */
    nd_flush(e.d, 0); /* nothing more to ring */
    ck_assert_uint_eq(fake_ndma_reg(e.f, R_CH(0, O_DMACOUNT)), 3);
    ck_assert_uint_eq(fake_ndma_reg(e.f, R_CH(1, O_DMACOUNT)), 0);
    fake_ndma_run(e.f, 0, -1);
    fake_ndma_run(e.f, 1, -1); /* not flushed: nothing */
    nd_poll(e.d, 1);
    ck_assert_uint_eq(e.ndone, 0);
    nd_poll(e.d, 4);
    ck_assert_uint_eq(e.ndone, 3);
    for (size_t k = 0; k < 3; k++) {
        ck_assert_uint_eq(e.done[k].cookie, 2 * k);
        ck_assert_int_eq(e.done[k].cpu, 4);
    }
    nd_flush(e.d, 3);
    fake_ndma_run(e.f, 1, -1);
    nd_poll(e.d, 1);
    ck_assert_uint_eq(e.ndone, 5);
    ck_assert_uint_eq(e.done[3].cookie, 1);
    ck_assert_uint_eq(e.done[4].cookie, 3);
    ck_assert_int_eq(memcmp(s, dp, 5000), 0);
    env_free(&e);

    /* channels 0: all the engine has but no more than cpus */
    env_init(&e, 4, 4096);
    e.cfg.cpus = 2;
    env_open(&e);
    ck_assert_int_eq(nd_channels(e.d), 2);
    env_free(&e);
    env_init(&e, 2, 4096);
    e.cfg.cpus = 8;
    env_open(&e);
    ck_assert_int_eq(nd_channels(e.d), 2);
    ck_assert_int_eq(nd_channel_of_cpu(e.d, 7), 1);
    check_fake_ok(&e);
    env_free(&e);
}
END_TEST

/* Every op is charged once per occurrence, and returned cycles are what was charged (plus what
 * done() returned). */
START_TEST(costs_per_op)
{
    env e;
    env_init(&e, 1, 512);
    e.cfg.cpus = 1;
    e.cfg.ring_entries = 64;
    env_open(&e);
    ck_assert_uint_eq(e.cost_total, 0); /* open is not charged */
    uint64_t sd, dd;
    buf(&e, 4096, &sd);
    buf(&e, 4096, &dd);
    uint64_t spent = 0;
    for (int k = 0; k < 4; k++)
        spent += (uint64_t)nd_copy(e.d, 0, dd, sd, 1000, (uint64_t)k, k == 3 ? ND_F_INT : 0); /* 2 each */
    spent += nd_flush(e.d, 0);
    fake_ndma_run(e.f, 0, -1);
    spent += nd_poll(e.d, 0);
    spent += nd_poll(e.d, 0);
    int v = fake_ndma_next_irq(e.f);
    spent += nd_isr(e.d, v);
    spent += nd_dpc(e.d, v);
    ck_assert_uint_eq(e.cost_count[ND_OP_DESC], 8);
    ck_assert_uint_eq(e.cost_count[ND_OP_DOORBELL], 1);
    ck_assert_uint_eq(e.cost_count[ND_OP_POLL], 2);
    ck_assert_uint_eq(e.cost_count[ND_OP_COMPLETION], 4);
    ck_assert_uint_eq(e.cost_count[ND_OP_ISR], 1);
    ck_assert_uint_eq(e.cost_count[ND_OP_DPC], 1);
    ck_assert_uint_eq(spent, e.cost_total + 4 * DONE_CYCLES);
    nd_stats st;
    nd_get_stats(e.d, &st);
    for (int op = 0; op < ND_OP_COUNT; op++)
        ck_assert_uint_eq(st.ops[op], e.cost_count[op]);
    ck_assert_uint_eq(st.completed, 4);
    env_free(&e);
}
END_TEST

static Suite *netdma_suite(void)
{
    Suite *s = suite_create("netdma");
    TCase *t = tcase_create("provider");
    tcase_set_timeout(t, 60);
    tcase_add_test(t, op_names);
    tcase_add_test(t, open_programs_registers);
    tcase_add_test(t, open_rejects);
    tcase_add_test(t, mem_required_matches_open);
    tcase_add_test(t, copy_split_at_xfercap);
    tcase_add_test(t, batch_doorbell_counts);
    tcase_add_test(t, poll_partial_progress);
    tcase_add_test(t, interrupts_and_dpc);
    tcase_add_test(t, ring_full_and_recovery);
    tcase_add_test(t, count_wraps);
    tcase_add_test(t, error_halt_reset_restart);
    tcase_add_test(t, channels_and_cpus);
    tcase_add_test(t, costs_per_op);
    suite_add_tcase(s, t);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(netdma_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
