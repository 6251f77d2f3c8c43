/* Check suite of the driver against the fake NIC (fake_nic.c): host memory allocator,
 * initialisation, receive (phase bits across wraps, re-posting, budget and re-arm,
 * multi-buffer frames, RSS on/off), moderation, transmit (byte-exact output, ring full,
 * reclaim, multi-descriptor frames), cost accounting, bad completions, two devices; TCP
 * offload (TCase "toe"): commands as posted writes, result blocks, the command-queue limit,
 * events interleaved with frames, marked frames, bad events. */
#include "drv.h"
#include "hostmem.h"
#include "fake_nic.h"

#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Above 4 GiB, so the high halves of ring bases matter. */
#define DMA_BASE 0x240000000ull
#define MEM_BYTES (8u << 20)

/* Register addresses, spelled out here for the assertions. */
#define R_CTRL 0x008u
#define R_HTYPES 0x00Cu
#define R_TMASK 0x010u
#define R_KEY(k) (0x040u + 4u * (k))
#define R_TABLE(j) (0x100u + 4u * (j))
#define R_DROP_NODESC 0x220u
#define R_DROP_CPLFULL 0x224u
#define R_RXQ(q, off) (0x1000u + 0x40u * (q) + (off))
#define R_TXQ(off) (0x2000u + (off))
#define R_VEC(v, off) (0x3000u + 0x10u * (v) + (off))

/* Distinct prices per op, so a wrong count changes the total. */
static const uint64_t price[DRV_OP_COUNT] = {1009, 307, 53, 23, 151, 41, 7, 907, 1, 401, 97};
#define EV_CYCLES 70001u
#define RX_CYCLES 100003u

typedef struct rec_frame {
    uint8_t *data;
    const uint8_t *ptr;
    uint32_t len, hash;
    uint8_t hash_type, csum, l3, l4, frag, queue;
    int cpu;
    uint8_t toe_flags, toe_reason;
    uint16_t toe_slot;
    uint64_t order;    /* position among everything the driver handed up (frames and events) */
    /* NetDMA: what the frame offered, and whether the callback kept it */
    uint64_t dma;
    uint32_t token;
    int can_keep, kept;
} rec_frame;

/* A TOE event as the callback saw it (the state copied: it is valid during the call only). */
typedef struct rec_event {
    drv_toe_event ev;
    nic_toe_state st;
    int has_state;
    uint64_t order;
} rec_event;

typedef struct env {
    hm_region *hm; /* host memory (model/hostmem.h) */
    uint8_t *mem;  /* its bytes */
    drv_mem_if dm; /* the driver's view of it */
    fake_nic *f;
    drv_dev *d;
    drv_config cfg;
    rec_frame *rx;
    size_t nrx, caprx;
    int rx_outside; /* frames whose bytes were not in host memory */
    uint64_t cost_count[DRV_OP_COUNT];
    uint64_t cost_cpu[64][DRV_OP_COUNT];
    uint64_t cost_total;
    uint64_t spent;   /* sum of what drv_isr/drv_dpc/drv_tx returned */
    uint64_t isr_runs, dpc_runs;
    char err[256];
    rec_event *ev;
    size_t nev, capev;
    uint64_t order;
    /* from inside the TOE event callback: a QUERY of this slot on queue 0 (if >= 0), result */
    int cb_query_slot;
    int64_t cb_query_rc;
    /* receive buffers kept (NetDMA): 0 keep none, 1 keep every frame that can be kept, 2 keep
       about half (keep_seed); return_in_cb: give the buffer back from inside the callback */
    int keep_mode;
    uint32_t keep_seed;
    int return_in_cb;
    int64_t cb_return_rc;
} env;

static uint64_t rec_rx(void *user, const drv_rx_frame *fr)
{
    env *e = user;
    if (e->nrx == e->caprx) {
        e->caprx = e->caprx ? 2 * e->caprx : 256;
        e->rx = realloc(e->rx, e->caprx * sizeof *e->rx);
        ck_assert_ptr_nonnull(e->rx);
    }
    rec_frame *r = &e->rx[e->nrx++];
    r->data = malloc(fr->len);
    ck_assert_ptr_nonnull(r->data);
    memcpy(r->data, fr->data, fr->len);
    r->ptr = fr->data;
    r->len = fr->len;
    r->hash = fr->hash;
    r->hash_type = fr->hash_type;
    r->csum = fr->csum;
    r->l3 = fr->l3;
    r->l4 = fr->l4;
    r->frag = fr->frag;
    r->queue = fr->queue;
    r->cpu = fr->cpu;
    r->toe_flags = fr->toe_flags;
    r->toe_reason = fr->toe_reason;
    r->toe_slot = fr->toe_slot;
    r->order = e->order++;
    if (fr->data < e->mem || fr->data + fr->len > e->mem + MEM_BYTES)
        e->rx_outside++;
    r->dma = fr->dma;
    r->token = fr->token;
    r->can_keep = fr->retain != NULL;
    r->kept = 0;
    if (fr->retain && e->keep_mode) {
        e->keep_seed = e->keep_seed * 1664525u + 1013904223u;
        if (e->keep_mode == 1 || (e->keep_seed >> 16) & 1) {
            *fr->retain = 1;
            r->kept = 1;
            if (e->return_in_cb)
                e->cb_return_rc = drv_rx_return(e->d, fr->cpu, fr->token);
        }
    }
    return RX_CYCLES;
}

static uint64_t rec_toe_event(void *user, const drv_toe_event *ev)
{
    env *e = user;
    if (e->nev == e->capev) {
        e->capev = e->capev ? 2 * e->capev : 256;
        e->ev = realloc(e->ev, e->capev * sizeof *e->ev);
        ck_assert_ptr_nonnull(e->ev);
    }
    rec_event *r = &e->ev[e->nev++];
    memset(r, 0, sizeof *r);
    r->ev = *ev;
    r->has_state = ev->state != NULL;
    if (ev->state)
        r->st = *ev->state;
    r->ev.state = NULL;
    r->order = e->order++;
    if (e->cb_query_slot >= 0) {
        e->cb_query_rc = drv_toe_query(e->d, ev->cpu, 0, (uint32_t)e->cb_query_slot, 0xCB);
        e->cb_query_slot = -1;
    }
    return EV_CYCLES;
}

static uint64_t rec_cost(void *user, int cpu, int op, uint64_t count)
{
    env *e = user;
    ck_assert_msg(op >= 0 && op < DRV_OP_COUNT, "cost: op %d", op);
    ck_assert_msg(cpu >= 0 && cpu < e->cfg.cpus, "cost: cpu %d of %d", cpu, e->cfg.cpus);
    ck_assert_msg(count > 0, "cost: zero count for %s", drv_op_name(op));
    e->cost_count[op] += count;
    e->cost_cpu[cpu][op] += count;
    e->cost_total += price[op] * count;
    return price[op] * count;
}

/* A small configuration most tests start from. */
static void small_cfg(drv_config *c)
{
    drv_config_defaults(c);
    c->cpus = 3;
    c->rx_queues = 4;
    c->hash_types = 0x3F;
    c->rx_ring_entries = 32;
    c->rx_buf_bytes = 2048;
    c->tx_ring_entries = 16;
    c->tx_buf_bytes = 2048;
    c->dpc_budget = 64;
}

static void env_init(env *e, int num_rxq)
{
    memset(e, 0, sizeof *e);
    e->cb_query_slot = -1;
    char err[256];
    ck_assert_msg(hm_open(&e->hm, DMA_BASE, MEM_BYTES, err, sizeof err) == 0, "%s", err);
    e->mem = hm_ptr(e->hm, DMA_BASE, MEM_BYTES);
    ck_assert_ptr_nonnull(e->mem);
    memset(e->mem, 0xA5, MEM_BYTES); /* the allocator must zero what it hands out */
    e->dm = hm_driver_if(e->hm);
    e->f = fake_nic_new(num_rxq, e->mem, DMA_BASE, MEM_BYTES);
}

static int env_open_rc(env *e)
{
    drv_hw_ops hw = fake_nic_hw_ops(e->f);
    drv_callbacks cb = {.rx = rec_rx, .cost = rec_cost, .user = e, .toe_event = rec_toe_event};
    e->err[0] = '\0';
    return drv_open(&e->d, &e->cfg, &hw, &e->dm, &cb, e->err, sizeof e->err);
}

static void env_open(env *e, const drv_config *c, int num_rxq)
{
    env_init(e, num_rxq);
    e->cfg = *c;
    int rc = env_open_rc(e);
    ck_assert_msg(rc == DRV_OK, "drv_open: %d %s", rc, e->err);
    ck_assert_msg(fake_nic_errors(e->f) == 0, "fake: %s", fake_nic_first_error(e->f));
}

static void env_free(env *e)
{
    drv_close(e->d);
    fake_nic_free(e->f);
    for (size_t i = 0; i < e->nrx; i++)
        free(e->rx[i].data);
    free(e->rx);
    free(e->ev);
    hm_close(e->hm);
}

static void check_fake_ok(const env *e)
{
    ck_assert_msg(fake_nic_errors(e->f) == 0, "fake NIC saw %u contract violations, first: %s",
                  fake_nic_errors(e->f), fake_nic_first_error(e->f));
}

/* Interrupts until none is pending: ISR then DPC runs until *more is 0, on the vector's CPU.
 * Returns the interrupts handled. */
static int service(env *e)
{
    int n = 0, v;
    while ((v = fake_nic_next_irq(e->f)) >= 0) {
        ck_assert_msg(drv_vector_cpu(e->d, v) >= 0, "interrupt on vector %d the driver did not set up", v);
        e->spent += drv_isr(e->d, v);
        e->isr_runs++;
        int more, guard = 0;
        do {
            e->spent += drv_dpc(e->d, v, &more);
            e->dpc_runs++;
            ck_assert_msg(++guard < 100000, "DPC never drains");
        } while (more);
        ck_assert_msg(++n < 100000, "interrupt storm");
    }
    return n;
}

static void make_frame(uint8_t *b, uint32_t len, uint32_t seed)
{
    uint32_t x = seed * 2654435761u + 12345u;
    for (uint32_t i = 0; i < len; i++) {
        x = x * 1103515245u + 12345u;
        b[i] = (uint8_t)(x >> 16);
    }
}

static uint32_t lcg(uint32_t *s)
{
    *s = *s * 1664525u + 1013904223u;
    return *s;
}

/* Expected RX queue of a hash under c (RSS on, every hash type enabled). */
static int table_queue(const drv_config *c, uint32_t hash)
{
    int size = c->table_size ? c->table_size : 128;
    int e = (int)(hash & (uint32_t)(size - 1));
    return c->table_size ? c->table[e] : e % c->rx_queues;
}

/* ------------------------------------------------------------------------------------ */

START_TEST(mem_allocator)
{
    hm_region *m;
    char err[128];
    uint64_t a;
    const uint64_t base = 0x1003, size = 4096; /* an odd bus base */
    ck_assert_int_eq(hm_open(&m, base, size, err, sizeof err), 0);
    uint8_t *buf = hm_ptr(m, base, size);
    memset(buf, 0xEE, size);
    ck_assert_ptr_eq(hm_alloc(m, 10, 1, &a), buf);
    ck_assert_uint_eq(a, base);
    uint8_t *p = hm_alloc(m, 100, 64, &a);
    ck_assert_uint_eq(a % 64, 0); /* the bus address is aligned */
    ck_assert_uint_ge(a, base + 10);
    ck_assert_ptr_eq(p, buf + (a - base));
    ck_assert_ptr_eq(hm_ptr(m, a, 100), p);
    for (int i = 0; i < 100; i++)
        ck_assert_uint_eq(p[i], 0);
    ck_assert_uint_eq(buf[10], 0xEE); /* padding not touched */
    uint64_t before = hm_mark(m);
    ck_assert_ptr_null(hm_alloc(m, 8, 3, &a)); /* not a power of two */
    ck_assert_ptr_null(hm_alloc(m, 8, 0, &a));
    ck_assert_ptr_null(hm_alloc(m, 4096, 1, &a)); /* too big */
    ck_assert_ptr_null(hm_alloc(m, UINT64_MAX, 1, &a));
    ck_assert_uint_eq(hm_mark(m), before);
    uint64_t rest = size - hm_used(m);
    ck_assert_ptr_nonnull(hm_alloc(m, rest, 1, &a)); /* exactly to the end */
    ck_assert_ptr_null(hm_alloc(m, 1, 1, &a));
    ck_assert_ptr_nonnull(hm_alloc(m, 0, 1, &a));
    hm_rewind(m, before); /* memory given back is zeroed when handed out again */
    memset(buf + before, 0x55, size - before);
    p = hm_alloc(m, 16, 1, &a);
    for (int i = 0; i < 16; i++)
        ck_assert_uint_eq(p[i], 0);

    ck_assert_ptr_null(hm_ptr(m, base - 1, 1));
    ck_assert_ptr_nonnull(hm_ptr(m, base, 4096));
    ck_assert_ptr_null(hm_ptr(m, base, 4097));
    ck_assert_ptr_null(hm_ptr(m, base + 4095, 2));
    ck_assert_ptr_nonnull(hm_ptr(m, base + 4095, 1));
    ck_assert_ptr_null(hm_ptr(m, base + 4097, 0));
    ck_assert_ptr_null(hm_ptr(m, base + 1, UINT64_MAX));
    ck_assert_ptr_null(hm_ptr(m, UINT64_MAX, 2));
    hm_close(m);
    /* a region the bus cannot address is refused with a message */
    ck_assert_int_eq(hm_open(&m, UINT64_MAX - 10, 4096, err, sizeof err), -1);
    ck_assert_ptr_nonnull(strstr(err, "host memory"));
}
END_TEST

/* drv_mem_required is what drv_open takes from a 4 KiB-aligned region, whatever the layout. */
START_TEST(mem_required_matches_open)
{
    static const struct {
        int rss, queues;
        uint32_t rx_entries, rx_buf, tx_entries;
    } cases[] = {{1, 4, 64, 2048, 32}, {0, 4, 64, 2048, 32}, {1, 3, 128, 9000, 64}, {1, 2, 16, 65535, 16},
                 {1, 1, 256, 100, 8}, {1, 2, 32, 3000, 16}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        env e;
        env_init(&e, 8);
        small_cfg(&e.cfg);
        e.cfg.rss_enable = cases[i].rss;
        e.cfg.rx_queues = cases[i].queues;
        e.cfg.rx_ring_entries = cases[i].rx_entries;
        e.cfg.rx_buf_bytes = cases[i].rx_buf;
        e.cfg.tx_ring_entries = cases[i].tx_entries;
        e.cfg.rx_spare_buffers = (uint32_t)i * 3; /* NetDMA spare receive buffers */
        ck_assert_msg(env_open_rc(&e) == DRV_OK, "case %zu: %s", i, e.err);
        ck_assert_uint_eq(drv_mem_required(&e.cfg), hm_used(e.hm));
        env_free(&e);
    }
    drv_config bad;
    drv_config_defaults(&bad);
    bad.rx_ring_entries = 3;
    ck_assert_uint_eq(drv_mem_required(&bad), 0);
}
END_TEST

START_TEST(op_names)
{
    for (int op = 0; op < DRV_OP_COUNT; op++) {
        ck_assert_ptr_nonnull(drv_op_name(op));
        for (int o2 = 0; o2 < op; o2++)
            ck_assert_str_ne(drv_op_name(op), drv_op_name(o2));
    }
    ck_assert_str_eq(drv_op_name(DRV_OP_DOORBELL), "doorbell");
    ck_assert_ptr_null(drv_op_name(-1));
    ck_assert_ptr_null(drv_op_name(DRV_OP_COUNT));
}
END_TEST

/* The registers hold exactly what the configuration says, every buffer is posted, and
 * CTRL (the enable) is written last. */
START_TEST(open_programs_registers)
{
    env e;
    drv_config c;
    small_cfg(&c);
    c.cpus = 3;
    c.rx_queues = 5;
    for (int i = 0; i < 40; i++)
        c.rss_key[i] = (uint8_t)(i * 7 + 3);
    c.hash_types = 0x3F;
    c.table_size = 16;
    for (int i = 0; i < 16; i++)
        c.table[i] = (uint8_t)((i * 3) % 5);
    c.csum_offload = 1;
    c.rx_ring_entries = 64;
    c.rx_buf_bytes = 500; /* not a multiple of the buffer alignment */
    c.tx_ring_entries = 32;
    c.tx_buf_bytes = 1024;
    c.irq_mod_frames = 8;
    c.irq_mod_time_ns = 5000;
    env_open(&e, &c, 8);
    fake_nic *f = e.f;

    ck_assert_uint_eq(fake_nic_read_count(f), 3); /* ID, NUM_RXQ and NIC_TOE_SLOTS, nothing else */
    for (unsigned k = 0; k < 10; k++) {
        uint32_t w = ((uint32_t)c.rss_key[4 * k] << 24) | ((uint32_t)c.rss_key[4 * k + 1] << 16) |
                     ((uint32_t)c.rss_key[4 * k + 2] << 8) | c.rss_key[4 * k + 3];
        ck_assert_msg(fake_nic_reg(f, R_KEY(k)) == w, "key word %u: 0x%08x, want 0x%08x", k,
                      fake_nic_reg(f, R_KEY(k)), w);
    }
    ck_assert_uint_eq(fake_nic_reg(f, R_KEY(0)), 0x030A1118u); /* bytes 3, 10, 17, 24 */
    ck_assert_uint_eq(fake_nic_reg(f, R_HTYPES), 0x3F);
    ck_assert_uint_eq(fake_nic_reg(f, R_TMASK), 15);
    for (unsigned j = 0; j < 32; j++) {
        uint32_t w = 0;
        for (unsigned k = 0; k < 4; k++)
            w |= (uint32_t)c.table[(4 * j + k) % 16] << (8 * k);
        ck_assert_msg(fake_nic_reg(f, R_TABLE(j)) == w, "table word %u: 0x%08x, want 0x%08x", j,
                      fake_nic_reg(f, R_TABLE(j)), w);
    }
    ck_assert_uint_eq(fake_nic_reg(f, R_TABLE(1)), 0x02u | 0x00u << 8 | 0x03u << 16 | 0x01u << 24);
    ck_assert_uint_eq(fake_nic_reg(f, R_CTRL), 0xF);
    size_t nw = fake_nic_write_count(f);
    const fake_csr_write *log = fake_nic_write_log(f);
    ck_assert_uint_eq(log[nw - 1].addr, R_CTRL);
    ck_assert_uint_eq(log[nw - 1].val, 0xF);
    ck_assert_uint_eq(fake_nic_writes_to(f, R_CTRL), 2); /* off while programming, then on */
    ck_assert_uint_eq(log[0].addr, R_CTRL);
    ck_assert_uint_eq(log[0].val, 0);

    /* Every byte the NIC may write, as [start, end) bus-address intervals. */
    struct iv { uint64_t a, b; } iv[5 * 66 + 3];
    int niv = 0;
    for (unsigned q = 0; q < 5; q++) {
        uint64_t desc = ((uint64_t)fake_nic_reg(f, R_RXQ(q, 0x04)) << 32) | fake_nic_reg(f, R_RXQ(q, 0x00));
        uint64_t cpl = ((uint64_t)fake_nic_reg(f, R_RXQ(q, 0x18)) << 32) | fake_nic_reg(f, R_RXQ(q, 0x14));
        ck_assert_uint_eq(desc % 16, 0);
        ck_assert_uint_eq(cpl % 16, 0);
        ck_assert_uint_eq(desc >> 32, DMA_BASE >> 32);
        ck_assert_uint_eq(fake_nic_reg(f, R_RXQ(q, 0x08)), 6);
        ck_assert_uint_eq(fake_nic_reg(f, R_RXQ(q, 0x1C)), 6);
        ck_assert_uint_eq(fake_nic_reg(f, R_RXQ(q, 0x0C)), 64); /* every buffer posted */
        ck_assert_uint_eq(fake_nic_reg(f, R_RXQ(q, 0x20)), 0);
        ck_assert_uint_eq(fake_nic_reg(f, R_RXQ(q, 0x28)), q);
        ck_assert_uint_eq(fake_nic_reg(f, R_RXQ(q, 0x2C)), 1);
        ck_assert_uint_eq(fake_nic_rx_avail(f, (int)q), 64);
        iv[niv++] = (struct iv){desc, desc + 64 * 16};
        iv[niv++] = (struct iv){cpl, cpl + 64 * 16};
        const uint8_t *cp = e.mem + (cpl - DMA_BASE);
        for (int i = 0; i < 64 * 16; i++)
            ck_assert_msg(cp[i] == 0, "completion ring of queue %u not zeroed", q);
        const uint8_t *dp = e.mem + (desc - DMA_BASE);
        for (int s = 0; s < 64; s++) {
            const uint8_t *p = dp + 16 * s;
            uint64_t a = 0;
            for (int b = 7; b >= 0; b--)
                a = (a << 8) | p[b];
            uint32_t bytes = p[8] | (uint32_t)p[9] << 8 | (uint32_t)p[10] << 16 | (uint32_t)p[11] << 24;
            ck_assert_uint_eq(bytes, 500);
            ck_assert(p[12] == 0 && p[13] == 0 && p[14] == 0 && p[15] == 0);
            ck_assert(a >= DMA_BASE && a + bytes <= DMA_BASE + MEM_BYTES);
            iv[niv++] = (struct iv){a, a + bytes};
        }
    }
    for (unsigned q = 5; q < 8; q++) { /* disabled explicitly, not left as found */
        ck_assert_uint_eq(fake_nic_writes_to(f, R_RXQ(q, 0x2C)), 1);
        ck_assert_uint_eq(fake_nic_reg(f, R_RXQ(q, 0x2C)), 0);
        ck_assert_uint_eq(fake_nic_writes_to(f, R_VEC(q, 0x8)), 1);
    }
    uint64_t tdesc = ((uint64_t)fake_nic_reg(f, R_TXQ(0x04)) << 32) | fake_nic_reg(f, R_TXQ(0x00));
    uint64_t tcpl = ((uint64_t)fake_nic_reg(f, R_TXQ(0x18)) << 32) | fake_nic_reg(f, R_TXQ(0x14));
    ck_assert_uint_eq(fake_nic_reg(f, R_TXQ(0x08)), 5);
    ck_assert_uint_eq(fake_nic_reg(f, R_TXQ(0x1C)), 5);
    ck_assert_uint_eq(fake_nic_reg(f, R_TXQ(0x0C)), 0);
    ck_assert_uint_eq(fake_nic_reg(f, R_TXQ(0x28)), 8);
    ck_assert_uint_eq(fake_nic_reg(f, R_TXQ(0x2C)), 1);
    iv[niv++] = (struct iv){tdesc, tdesc + 32 * 16};
    iv[niv++] = (struct iv){tcpl, tcpl + 32 * 16};
    for (int i = 0; i < niv; i++)
        for (int j = i + 1; j < niv; j++)
            ck_assert_msg(iv[i].b <= iv[j].a || iv[j].b <= iv[i].a,
                          "DMA areas overlap: [%llx,%llx) and [%llx,%llx)",
                          (unsigned long long)iv[i].a, (unsigned long long)iv[i].b,
                          (unsigned long long)iv[j].a, (unsigned long long)iv[j].b);

    for (unsigned v = 0; v <= 8; v++) {
        int used = v < 5 || v == 8;
        ck_assert_uint_eq(fake_nic_reg(f, R_VEC(v, 0x8)), used ? 2u : 0u);
        if (used) {
            ck_assert_uint_eq(fake_nic_reg(f, R_VEC(v, 0x0)), 8);
            ck_assert_uint_eq(fake_nic_reg(f, R_VEC(v, 0x4)), 5000);
            ck_assert(!fake_nic_vector_masked(f, (int)v));
        }
    }
    ck_assert_int_eq(drv_vector_count(e.d), 9);
    ck_assert_int_eq(drv_tx_vector(e.d), 8);
    ck_assert_int_eq(drv_rx_queue_count(e.d), 5);
    for (int q = 0; q < 5; q++)
        ck_assert_int_eq(drv_vector_cpu(e.d, q), q % 3);
    ck_assert_int_eq(drv_vector_cpu(e.d, 5), -1);
    ck_assert_int_eq(drv_vector_cpu(e.d, 8), 0);
    ck_assert_int_eq(drv_vector_cpu(e.d, -1), -1);
    ck_assert_int_eq(drv_vector_cpu(e.d, 9), -1);

    drv_stats s;
    drv_get_stats(e.d, &s);
    drv_stats zero;
    memset(&zero, 0, sizeof zero);
    ck_assert_msg(memcmp(&s, &zero, sizeof s) == 0, "opening counted something");
    ck_assert_uint_eq(e.cost_total, 0);
    check_fake_ok(&e);
    env_free(&e);
}
END_TEST

/* Each bad configuration or device: a negative code, a one-line message naming the problem,
 * no register written, host memory left as it was. */
typedef struct bad_case {
    const char *what;
    int expect_rc;
    void (*mutate)(drv_config *c, env *e);
} bad_case;

static void m_cpus0(drv_config *c, env *e) { (void)e; c->cpus = 0; }
static void m_cpus65(drv_config *c, env *e) { (void)e; c->cpus = 65; }
static void m_rxq0(drv_config *c, env *e) { (void)e; c->rx_queues = 0; }
static void m_rxq_many(drv_config *c, env *e) { (void)e; c->rx_queues = 9; }
static void m_tsize3(drv_config *c, env *e) { (void)e; c->table_size = 3; }
static void m_tsize256(drv_config *c, env *e) { (void)e; c->table_size = 256; }
static void m_tentry(drv_config *c, env *e) { (void)e; c->table_size = 8; c->table[5] = 4; }
static void m_htypes(drv_config *c, env *e) { (void)e; c->hash_types = 0x40; }
static void m_rxring100(drv_config *c, env *e) { (void)e; c->rx_ring_entries = 100; }
static void m_rxring1(drv_config *c, env *e) { (void)e; c->rx_ring_entries = 1; }
static void m_rxring64k(drv_config *c, env *e) { (void)e; c->rx_ring_entries = 65536; }
static void m_txring0(drv_config *c, env *e) { (void)e; c->tx_ring_entries = 0; }
static void m_rxbuf63(drv_config *c, env *e) { (void)e; c->rx_buf_bytes = 63; }
static void m_txbuf63(drv_config *c, env *e) { (void)e; c->tx_buf_bytes = 63; }
static void m_txbuf64k(drv_config *c, env *e) { (void)e; c->tx_buf_bytes = 65536; }
static void m_budget0(drv_config *c, env *e) { (void)e; c->dpc_budget = 0; }
static void m_nomem(drv_config *c, env *e) { (void)e; c->rx_ring_entries = 4096; }
static void m_badid(drv_config *c, env *e) { (void)c; fake_nic_poke(e->f, 0x000, 0x12345678); }
static void m_norxq(drv_config *c, env *e) { (void)c; fake_nic_poke(e->f, 0x01C, 0); }
static void m_manyrxq(drv_config *c, env *e) { (void)c; fake_nic_poke(e->f, 0x01C, 65); }

static const bad_case bad_cases[] = {
    {"cpus", DRV_EINVAL, m_cpus0},
    {"cpus", DRV_EINVAL, m_cpus65},
    {"rx_queues", DRV_EINVAL, m_rxq0},
    {"exceeds", DRV_EINVAL, m_rxq_many},
    {"table_size", DRV_EINVAL, m_tsize3},
    {"table_size", DRV_EINVAL, m_tsize256},
    {"table[5]", DRV_EINVAL, m_tentry},
    {"hash_types", DRV_EINVAL, m_htypes},
    {"rx_ring_entries", DRV_EINVAL, m_rxring100},
    {"rx_ring_entries", DRV_EINVAL, m_rxring1},
    {"rx_ring_entries", DRV_EINVAL, m_rxring64k},
    {"tx_ring_entries", DRV_EINVAL, m_txring0},
    {"rx_buf_bytes", DRV_EINVAL, m_rxbuf63},
    {"tx_buf_bytes", DRV_EINVAL, m_txbuf63},
    {"tx_buf_bytes", DRV_EINVAL, m_txbuf64k},
    {"dpc_budget", DRV_EINVAL, m_budget0},
    {"host memory", DRV_ENOMEM, m_nomem},
    {"device ID", DRV_EDEVICE, m_badid},
    {"RX queues", DRV_EDEVICE, m_norxq},
    {"RX queues", DRV_EDEVICE, m_manyrxq},
};

START_TEST(open_rejects_bad_config)
{
    const bad_case *bc = &bad_cases[_i];
    env e;
    env_init(&e, 8);
    small_cfg(&e.cfg);
    ck_assert_ptr_nonnull(hm_alloc(e.hm, 100, 1, NULL)); /* something already allocated */
    bc->mutate(&e.cfg, &e);
    e.d = (drv_dev *)&e; /* must be cleared */
    int rc = env_open_rc(&e);
    ck_assert_msg(rc == bc->expect_rc, "case %d (%s): rc %d, want %d (%s)", _i, bc->what, rc,
                  bc->expect_rc, e.err);
    ck_assert_ptr_null(e.d);
    ck_assert_msg(strstr(e.err, bc->what) != NULL, "case %d: message '%s' lacks '%s'", _i, e.err,
                  bc->what);
    ck_assert_msg(strchr(e.err, '\n') == NULL, "message has a newline: %s", e.err);
    ck_assert_uint_eq(fake_nic_write_count(e.f), 0);
    ck_assert_uint_eq(hm_used(e.hm), 100);
    env_free(&e);
}
END_TEST

START_TEST(open_recovers_after_failure)
{
    env e;
    env_init(&e, 8);
    small_cfg(&e.cfg);
    e.cfg.rx_ring_entries = 4096; /* does not fit in 8 MiB with 4 queues */
    ck_assert_int_eq(env_open_rc(&e), DRV_ENOMEM);
    ck_assert_uint_eq(hm_used(e.hm), 0);
    e.cfg.rx_ring_entries = 512; /* fits: the failed attempt gave its memory back */
    e.cfg.rx_buf_bytes = 3000;
    ck_assert_msg(env_open_rc(&e) == DRV_OK, "%s", e.err);
    check_fake_ok(&e);

    drv_hw_ops hw = fake_nic_hw_ops(e.f);
    drv_callbacks cb = {0};
    drv_dev *d2 = (drv_dev *)&e;
    ck_assert_int_eq(drv_open(&d2, NULL, &hw, &e.dm, &cb, e.err, sizeof e.err), DRV_EINVAL);
    ck_assert_ptr_null(d2);
    ck_assert_int_eq(drv_open(&d2, &e.cfg, NULL, &e.dm, &cb, NULL, 0), DRV_EINVAL);
    drv_close(NULL);
    env_free(&e);
}
END_TEST

START_TEST(defaults_open)
{
    drv_config c;
    drv_config_defaults(&c);
    ck_assert_int_eq(c.cpus, 4);
    ck_assert_int_eq(c.rss_enable, 1);
    ck_assert_int_eq(c.rx_queues, 4);
    ck_assert_int_eq(c.table_size, 0);
    ck_assert_uint_eq(c.hash_types, 0x1B);
    ck_assert_uint_eq(c.rss_key[0], 0x6d);
    ck_assert_uint_eq(c.rss_key[39], 0xfa);
    ck_assert_uint_ge(c.dpc_budget, 1);
    env e;
    env_open(&e, &c, 16);
    ck_assert_uint_eq(fake_nic_reg(e.f, R_TMASK), 127);
    for (unsigned j = 0; j < 32; j++) {
        uint32_t w = 0;
        for (unsigned k = 0; k < 4; k++)
            w |= ((4 * j + k) % 4) << (8 * k);
        ck_assert_uint_eq(fake_nic_reg(e.f, R_TABLE(j)), w);
    }
    ck_assert_uint_eq(fake_nic_reg(e.f, R_KEY(0)), 0x6d5a56dau);
    ck_assert_uint_eq(fake_nic_reg(e.f, R_KEY(9)), 0xbeac01fau);
    ck_assert_uint_eq(fake_nic_reg(e.f, R_HTYPES), 0x1B);
    ck_assert_int_eq(drv_vector_count(e.d), 17);
    env_free(&e);
}
END_TEST

/* Frames routed by the table to 4 queues, several ring wraps per queue (so the phase bit
 * flips both ways), in bursts the rings can hold: every byte and field arrives, on CPU
 * queue % cpus, and the NIC never runs dry. */
START_TEST(rx_frames_exact_across_wraps)
{
    env e;
    drv_config c;
    small_cfg(&c);
    c.table_size = 8;
    const uint8_t tbl[8] = {3, 1, 0, 2, 2, 0, 1, 3};
    memcpy(c.table, tbl, 8);
    env_open(&e, &c, 8);
    const int total = 600;
    uint32_t seed = 7;
    uint8_t frame[1600];
    fake_rx_meta metas[600];
    uint32_t lens[600];
    int sent = 0;
    while (sent < total) {
        int burst = 1 + (int)(lcg(&seed) % 24); /* at most 24 < 32 per queue */
        for (int k = 0; k < burst && sent < total; k++, sent++) {
            fake_rx_meta *m = &metas[sent];
            m->hash = lcg(&seed);
            m->hash_type = (uint8_t)(1 + sent % 6);
            m->csum = (uint8_t)(sent % 5);
            m->l3 = (uint8_t)(sent % 3);
            m->l4 = (uint8_t)(sent % 4);
            m->frag = (uint8_t)(sent % 2);
            lens[sent] = 60 + lcg(&seed) % 1455;
            make_frame(frame, lens[sent], (uint32_t)sent);
            int q = fake_nic_rx(e.f, frame, lens[sent], m);
            ck_assert_int_eq(q, table_queue(&c, m->hash));
        }
        service(&e);
    }
    check_fake_ok(&e);
    ck_assert_uint_eq(fake_nic_reg(e.f, R_DROP_NODESC), 0);
    ck_assert_uint_eq(fake_nic_reg(e.f, R_DROP_CPLFULL), 0);
    ck_assert_uint_eq(e.nrx, total);
    /* Per queue, frames arrive in order; match them up by queue. */
    size_t next_in_q[4] = {0, 0, 0, 0};
    int per_q[4] = {0, 0, 0, 0};
    for (int i = 0; i < total; i++) {
        int q = table_queue(&c, metas[i].hash);
        per_q[q]++;
        size_t j = next_in_q[q];
        while (j < e.nrx && e.rx[j].queue != q)
            j++;
        ck_assert_msg(j < e.nrx, "frame %d (queue %d) never indicated", i, q);
        next_in_q[q] = j + 1;
        rec_frame *r = &e.rx[j];
        make_frame(frame, lens[i], (uint32_t)i);
        ck_assert_uint_eq(r->len, lens[i]);
        ck_assert_msg(memcmp(r->data, frame, lens[i]) == 0, "frame %d bytes differ", i);
        ck_assert_uint_eq(r->hash, metas[i].hash);
        ck_assert_uint_eq(r->hash_type, metas[i].hash_type);
        ck_assert_uint_eq(r->csum, metas[i].csum);
        ck_assert_uint_eq(r->l3, metas[i].l3);
        ck_assert_uint_eq(r->l4, metas[i].l4);
        ck_assert_uint_eq(r->frag, metas[i].frag);
        ck_assert_int_eq(r->cpu, q % 3);
    }
    for (int q = 0; q < 4; q++) {
        ck_assert_msg(per_q[q] > 3 * 32, "queue %d saw only %d frames: not enough wraps", q, per_q[q]);
        ck_assert_uint_eq(fake_nic_rx_avail(e.f, q), 32);
        ck_assert_uint_eq(fake_nic_reg(e.f, R_RXQ(q, 0x0C)), (uint32_t)(32 + per_q[q]));
    }
    ck_assert_int_eq(e.rx_outside, 0);
    drv_stats s;
    drv_get_stats(e.d, &s);
    ck_assert_uint_eq(s.rx_frames, total);
    ck_assert_uint_eq(s.rx_reposted, total);
    ck_assert_uint_eq(s.rx_multi_buffer, 0);
    ck_assert_uint_eq(s.bad_completion, 0);
    ck_assert_uint_eq(s.ops[DRV_OP_COPY_BYTE], 0); /* single-buffer frames are not copied */
    ck_assert_uint_eq(s.csr_reads, 0);
    ck_assert_uint_eq(fake_nic_read_count(e.f), 3); /* only drv_open read registers */
    env_free(&e);
}
END_TEST

/* Full-ring bursts for more than 65536 frames: the 16-bit counters wrap, every buffer comes
 * back each time, and the tail moves by exactly what was consumed. */
START_TEST(rx_reposts_keep_ring_full)
{
    env e;
    drv_config c;
    small_cfg(&c);
    c.rss_enable = 0;
    c.rx_ring_entries = 16;
    c.dpc_budget = 16;
    env_open(&e, &c, 2);
    uint8_t frame[64];
    fake_rx_meta m = {0};
    uint32_t tail = 16;
    for (int round = 0; round < 4200; round++) {
        for (int k = 0; k < 16; k++) {
            frame[0] = (uint8_t)round;
            frame[1] = (uint8_t)k;
            ck_assert_int_eq(fake_nic_rx(e.f, frame, 64, &m), 0);
        }
        ck_assert_int_eq(fake_nic_rx(e.f, frame, 64, &m), FAKE_DROP_NO_DESC); /* ring empty */
        service(&e);
        tail = (tail + 16) & 0xFFFF;
        ck_assert_uint_eq(fake_nic_reg(e.f, R_RXQ(0, 0x0C)), tail);
        ck_assert_uint_eq(fake_nic_rx_avail(e.f, 0), 16);
        ck_assert_uint_eq(e.nrx, 16u * (round + 1));
        ck_assert_uint_eq(e.rx[e.nrx - 1].data[0], (uint8_t)round);
        ck_assert_uint_eq(e.rx[e.nrx - 1].data[1], 15);
        ck_assert_uint_eq(fake_nic_reg(e.f, R_RXQ(0, 0x20)), fake_nic_reg(e.f, R_RXQ(0, 0x24)));
    }
    check_fake_ok(&e);
    ck_assert_uint_eq(fake_nic_reg(e.f, R_DROP_NODESC), 4200);
    ck_assert_uint_eq(fake_nic_reg(e.f, R_DROP_CPLFULL), 0);
    drv_stats s;
    drv_get_stats(e.d, &s);
    ck_assert_uint_eq(s.rx_frames, 16u * 4200);
    ck_assert_uint_eq(s.rx_reposted, 16u * 4200);
    env_free(&e);
}
END_TEST

/* A driver that falls behind loses frames at the NIC (counted there), then recovers. */
START_TEST(rx_overrun_then_recovers)
{
    env e;
    drv_config c;
    small_cfg(&c);
    c.rss_enable = 0;
    c.rx_ring_entries = 16;
    env_open(&e, &c, 4);
    uint8_t frame[100];
    fake_rx_meta m = {0};
    int ok = 0, dropped = 0;
    for (int i = 0; i < 20; i++) {
        make_frame(frame, 100, (uint32_t)i);
        int q = fake_nic_rx(e.f, frame, 100, &m);
        ok += q == 0;
        dropped += q == FAKE_DROP_NO_DESC;
    }
    ck_assert_int_eq(ok, 16);
    ck_assert_int_eq(dropped, 4);
    ck_assert_uint_eq(fake_nic_reg(e.f, R_RXQ(0, 0x30)), 4);
    service(&e);
    ck_assert_uint_eq(e.nrx, 16);
    for (int i = 0; i < 16; i++) {
        make_frame(frame, 100, (uint32_t)(20 + i));
        ck_assert_int_eq(fake_nic_rx(e.f, frame, 100, &m), 0);
    }
    service(&e);
    ck_assert_uint_eq(e.nrx, 32);
    make_frame(frame, 100, 35);
    ck_assert_mem_eq(e.rx[31].data, frame, 100);
    check_fake_ok(&e);
    env_free(&e);
}
END_TEST

/* More completions than the budget: *more and no re-arm until drained, one DPC charge per
 * run, one tail doorbell and one completion-head write per run. */
START_TEST(dpc_budget_requeues)
{
    env e;
    drv_config c;
    small_cfg(&c);
    c.rss_enable = 0;
    c.rx_ring_entries = 64;
    c.dpc_budget = 8;
    env_open(&e, &c, 4);
    fake_nic *f = e.f;
    uint8_t frame[80];
    fake_rx_meta m = {0};
    for (int i = 0; i < 20; i++) {
        make_frame(frame, 80, (uint32_t)i);
        ck_assert_int_eq(fake_nic_rx(f, frame, 80, &m), 0);
    }
    ck_assert_int_eq(fake_nic_next_irq(f), 0);
    ck_assert_int_eq(fake_nic_next_irq(f), -1); /* masked after the first message */
    fake_nic_clear_log(f);
    drv_isr(e.d, 0);
    ck_assert_uint_eq(fake_nic_write_count(f), 0); /* the ISR touches nothing */

    const uint32_t rearm = R_VEC(0, 0x8);
    int more = -1;
    drv_dpc(e.d, 0, &more);
    ck_assert_int_eq(more, 1);
    ck_assert_uint_eq(e.nrx, 8);
    ck_assert_uint_eq(fake_nic_writes_to(f, rearm), 0);
    ck_assert(fake_nic_vector_masked(f, 0));
    ck_assert_uint_eq(fake_nic_writes_to(f, R_RXQ(0, 0x0C)), 1);
    ck_assert_uint_eq(fake_nic_writes_to(f, R_RXQ(0, 0x20)), 1);
    ck_assert_uint_eq(fake_nic_reg(f, R_RXQ(0, 0x0C)), 64 + 8);
    ck_assert_uint_eq(fake_nic_reg(f, R_RXQ(0, 0x20)), 8);
    ck_assert_uint_eq(fake_nic_write_count(f), 2);

    drv_dpc(e.d, 0, &more);
    ck_assert_int_eq(more, 1);
    ck_assert_uint_eq(e.nrx, 16);
    ck_assert_uint_eq(fake_nic_writes_to(f, rearm), 0);

    drv_dpc(e.d, 0, &more);
    ck_assert_int_eq(more, 0);
    ck_assert_uint_eq(e.nrx, 20);
    ck_assert_uint_eq(fake_nic_writes_to(f, rearm), 1);
    ck_assert_uint_eq(fake_nic_write_log(f)[fake_nic_write_count(f) - 1].addr, rearm);
    ck_assert_uint_eq(fake_nic_write_log(f)[fake_nic_write_count(f) - 1].val, 3);
    ck_assert_uint_eq(fake_nic_writes_to(f, R_RXQ(0, 0x0C)), 3);
    ck_assert_uint_eq(fake_nic_writes_to(f, R_RXQ(0, 0x20)), 3);
    ck_assert_uint_eq(fake_nic_write_count(f), 7);

    drv_stats s;
    drv_get_stats(e.d, &s);
    ck_assert_uint_eq(s.dpc, 3);
    ck_assert_uint_eq(s.dpc_requeued, 2);
    ck_assert_uint_eq(s.ops[DRV_OP_DPC], 3);
    ck_assert_uint_eq(e.cost_count[DRV_OP_DPC], 3);
    ck_assert_uint_eq(e.cost_count[DRV_OP_DOORBELL], 7);
    ck_assert_uint_eq(s.doorbells, 7);

    /* The 19 events that came in while masked fire at re-arm; that DPC finds nothing and
     * only re-arms. */
    ck_assert_int_eq(fake_nic_next_irq(f), 0);
    fake_nic_clear_log(f);
    drv_isr(e.d, 0);
    drv_dpc(e.d, 0, &more);
    ck_assert_int_eq(more, 0);
    ck_assert_uint_eq(e.nrx, 20);
    ck_assert_uint_eq(fake_nic_write_count(f), 1);
    ck_assert_uint_eq(fake_nic_write_log(f)[0].addr, rearm);
    ck_assert(!fake_nic_vector_masked(f, 0));

    /* Exactly the budget's worth: drained in one run, re-armed. */
    for (int i = 0; i < 8; i++)
        ck_assert_int_eq(fake_nic_rx(f, frame, 80, &m), 0);
    ck_assert_int_eq(fake_nic_next_irq(f), 0);
    fake_nic_clear_log(f);
    drv_dpc(e.d, 0, NULL); /* more may be NULL */
    ck_assert_uint_eq(e.nrx, 28);
    ck_assert_uint_eq(fake_nic_writes_to(f, rearm), 1);
    check_fake_ok(&e);
    env_free(&e);
}
END_TEST

/* Frames over 2-3 buffers (buffers of 200 bytes, 256 apart), including ones that wrap from
 * the last ring slot to the first, arrive byte-exact through the linearization buffer. */
START_TEST(rx_multi_buffer_linearized)
{
    env e;
    drv_config c;
    small_cfg(&c);
    c.rss_enable = 0;
    c.rx_ring_entries = 16;
    c.rx_buf_bytes = 200;
    env_open(&e, &c, 2);
    static const uint32_t lens[] = {200, 201, 400, 401, 600, 60, 399, 555, 1, 199, 250, 590};
    const int n = 12;
    uint8_t frame[600];
    fake_rx_meta m = {0};
    uint64_t copied = 0;
    int multi = 0, sent = 0;
    for (int round = 0; round < 30; round++) {
        for (int k = 0; k < 4; k++, sent++) { /* at most 12 buffers per round */
            uint32_t len = lens[sent % n];
            make_frame(frame, len, (uint32_t)sent);
            ck_assert_int_eq(fake_nic_rx(e.f, frame, len, &m), 0);
            if (len > 200) {
                copied += len;
                multi++;
            }
        }
        service(&e);
    }
    check_fake_ok(&e);
    ck_assert_uint_eq(e.nrx, (size_t)sent);
    for (int i = 0; i < sent; i++) {
        uint32_t len = lens[i % n];
        make_frame(frame, len, (uint32_t)i);
        ck_assert_uint_eq(e.rx[i].len, len);
        ck_assert_msg(memcmp(e.rx[i].data, frame, len) == 0, "frame %d (%u bytes) differs", i, len);
    }
    ck_assert_int_eq(e.rx_outside, 0);
    drv_stats s;
    drv_get_stats(e.d, &s);
    ck_assert_uint_eq(s.rx_multi_buffer, (uint64_t)multi);
    ck_assert_uint_eq(s.ops[DRV_OP_COPY_BYTE], copied);
    ck_assert_uint_eq(e.cost_count[DRV_OP_COPY_BYTE], copied);
    ck_assert_uint_eq(s.rx_reposted, fake_nic_reg(e.f, R_RXQ(0, 0x10))); /* all the NIC took */
    ck_assert_uint_eq(s.ops[DRV_OP_RX_REPOST], s.rx_reposted);
    ck_assert_uint_eq(s.ops[DRV_OP_RX_COMPLETION], (uint64_t)sent);
    ck_assert_uint_eq(fake_nic_rx_avail(e.f, 0), 16);
    env_free(&e);
}
END_TEST

/* RSS off: one queue, CTRL without the RSS bit, everything on queue 0 and CPU 0, whatever
 * rx_queues and the table say. */
START_TEST(rss_off_single_queue)
{
    env e;
    drv_config c;
    small_cfg(&c);
    c.rss_enable = 0;
    c.cpus = 4;
    c.rx_queues = 4;
    c.table_size = 4;
    const uint8_t tbl[4] = {1, 2, 3, 1};
    memcpy(c.table, tbl, 4);
    c.csum_offload = 0;
    env_open(&e, &c, 8);
    ck_assert_uint_eq(fake_nic_reg(e.f, R_CTRL), 0xC); /* RX DMA + TX, no RSS, no checksum */
    ck_assert_uint_eq(fake_nic_reg(e.f, R_TMASK), 0);
    for (unsigned j = 0; j < 32; j++)
        ck_assert_uint_eq(fake_nic_reg(e.f, R_TABLE(j)), 0);
    ck_assert_uint_eq(fake_nic_reg(e.f, R_RXQ(0, 0x2C)), 1);
    for (unsigned q = 1; q < 8; q++)
        ck_assert_uint_eq(fake_nic_reg(e.f, R_RXQ(q, 0x2C)), 0);
    for (unsigned v = 1; v < 8; v++)
        ck_assert_uint_eq(fake_nic_reg(e.f, R_VEC(v, 0x8)), 0);
    ck_assert_uint_eq(fake_nic_reg(e.f, R_VEC(0, 0x8)), 2);
    ck_assert_uint_eq(fake_nic_reg(e.f, R_VEC(8, 0x8)), 2);
    ck_assert_int_eq(drv_rx_queue_count(e.d), 1);
    ck_assert_int_eq(drv_vector_cpu(e.d, 0), 0);
    ck_assert_int_eq(drv_vector_cpu(e.d, 1), -1);
    ck_assert_int_eq(drv_vector_cpu(e.d, 8), 0);

    uint8_t frame[300];
    uint32_t seed = 99;
    for (int i = 0; i < 100; i++) {
        fake_rx_meta m = {lcg(&seed), (uint8_t)(1 + i % 6), 1, 1, 1, 0};
        make_frame(frame, 300, (uint32_t)i);
        ck_assert_int_eq(fake_nic_rx(e.f, frame, 300, &m), 0);
        if (i % 10 == 9)
            service(&e);
    }
    ck_assert_uint_eq(e.nrx, 100);
    for (int i = 0; i < 100; i++) {
        ck_assert_uint_eq(e.rx[i].queue, 0);
        ck_assert_int_eq(e.rx[i].cpu, 0);
        ck_assert_uint_eq(e.rx[i].hash_type, 0);
        ck_assert_uint_eq(e.rx[i].hash, 0);
        ck_assert_uint_eq(e.rx[i].csum, 0); /* the NIC was told not to verify */
    }
    for (int cpu = 1; cpu < 4; cpu++)
        for (int op = 0; op < DRV_OP_COUNT; op++)
            ck_assert_uint_eq(e.cost_cpu[cpu][op], 0);
    check_fake_ok(&e);
    env_free(&e);
}
END_TEST

/* A frame whose hash type is not enabled gets no hash and goes to queue 0 (as the fake NIC
 * models it): shows the hash-type register the driver wrote is the one in effect. */
START_TEST(rx_hash_type_disabled)
{
    env e;
    drv_config c;
    small_cfg(&c);
    c.hash_types = 0x1B; /* no UDP */
    env_open(&e, &c, 4);
    uint8_t frame[64] = {0};
    fake_rx_meta udp = {0x7, 3, 1, 1, 2, 0}, tcp = {0x7, 2, 1, 1, 1, 0};
    ck_assert_int_eq(fake_nic_rx(e.f, frame, 64, &udp), 0);
    ck_assert_int_eq(fake_nic_rx(e.f, frame, 64, &tcp), 3);
    service(&e);
    ck_assert_uint_eq(e.nrx, 2);
    ck_assert_uint_eq(e.rx[0].hash_type, 0);
    ck_assert_uint_eq(e.rx[0].queue, 0);
    ck_assert_int_eq(e.rx[0].cpu, 0);
    ck_assert_uint_eq(e.rx[1].hash_type, 2);
    ck_assert_uint_eq(e.rx[1].hash, 7);
    ck_assert_uint_eq(e.rx[1].queue, 3);
    ck_assert_int_eq(e.rx[1].cpu, 0); /* 3 % 3 */
    /* A hash word in an entry without a hash type is not passed up. */
    fake_nic_corrupt_next_rx(e.f, 0, 0x55);
    ck_assert_int_eq(fake_nic_rx(e.f, frame, 64, &udp), 0);
    service(&e);
    ck_assert_uint_eq(e.nrx, 3);
    ck_assert_uint_eq(e.rx[2].hash_type, 0);
    ck_assert_uint_eq(e.rx[2].hash, 0);
    drv_stats s;
    drv_get_stats(e.d, &s);
    ck_assert_uint_eq(s.bad_completion, 0);
    env_free(&e);
}
END_TEST

/* Moderation as programmed: a message after `frames` completions, or after the time
 * threshold since the first one; none before. */
START_TEST(moderation_frames_and_time)
{
    env e;
    drv_config c;
    small_cfg(&c);
    c.rss_enable = 0;
    c.rx_ring_entries = 64;
    c.irq_mod_frames = 4;
    c.irq_mod_time_ns = 10000;
    env_open(&e, &c, 2);
    ck_assert_uint_eq(fake_nic_reg(e.f, R_VEC(0, 0x0)), 4);
    ck_assert_uint_eq(fake_nic_reg(e.f, R_VEC(0, 0x4)), 10000);
    ck_assert_uint_eq(fake_nic_reg(e.f, R_VEC(2, 0x0)), 4);
    ck_assert_uint_eq(fake_nic_reg(e.f, R_VEC(2, 0x4)), 10000);
    uint8_t frame[64] = {0};
    fake_rx_meta m = {0};
    fake_nic_set_time(e.f, 1000);
    for (int i = 0; i < 3; i++)
        fake_nic_rx(e.f, frame, 64, &m);
    ck_assert_int_eq(fake_nic_irq_pending(e.f), 0);
    fake_nic_rx(e.f, frame, 64, &m);
    ck_assert_int_eq(service(&e), 1);
    ck_assert_uint_eq(e.nrx, 4);

    fake_nic_set_time(e.f, 20000);
    fake_nic_rx(e.f, frame, 64, &m);
    fake_nic_set_time(e.f, 29999);
    ck_assert_int_eq(fake_nic_irq_pending(e.f), 0);
    fake_nic_set_time(e.f, 30000);
    ck_assert_int_eq(service(&e), 1);
    ck_assert_uint_eq(e.nrx, 5);
    ck_assert_uint_eq(fake_nic_reg(e.f, R_VEC(0, 0xC)), 2);

    /* TX completions are moderated the same way on the TX vector. */
    for (int i = 0; i < 4; i++)
        ck_assert_int_ge(drv_tx(e.d, 0, frame, 64), 0);
    ck_assert_int_eq(fake_nic_tx_run(e.f, 3), 3);
    ck_assert_int_eq(fake_nic_irq_pending(e.f), 0);
    ck_assert_int_eq(fake_nic_tx_run(e.f, -1), 1);
    ck_assert_int_eq(fake_nic_next_irq(e.f), 2);
    check_fake_ok(&e);
    env_free(&e);
}
END_TEST

/* Frames sent come out of the NIC byte-exact and in order, over many ring wraps; the TX
 * vector's DPC (CPU 0) reclaims them. */
START_TEST(tx_frames_byte_exact)
{
    env e;
    drv_config c;
    small_cfg(&c);
    c.tx_ring_entries = 16;
    env_open(&e, &c, 4);
    uint8_t frame[1514];
    uint32_t seed = 3, lens[200];
    int sent = 0;
    uint64_t bytes = 0;
    while (sent < 200) {
        int burst = 1 + (int)(lcg(&seed) % 16);
        for (int k = 0; k < burst && sent < 200; k++, sent++) {
            lens[sent] = 42 + lcg(&seed) % 1473;
            make_frame(frame, lens[sent], 1000u + (uint32_t)sent);
            int cpu = sent % 3;
            uint64_t before = e.cost_total;
            int64_t cyc = drv_tx(e.d, cpu, frame, lens[sent]);
            ck_assert_msg(cyc >= 0, "frame %d refused", sent);
            ck_assert_uint_eq((uint64_t)cyc, e.cost_total - before);
            ck_assert_uint_eq((uint64_t)cyc, price[DRV_OP_COPY_BYTE] * lens[sent] +
                                                 price[DRV_OP_TX_FRAME] + price[DRV_OP_DOORBELL]);
            bytes += lens[sent];
        }
        fake_nic_tx_run(e.f, -1);
        service(&e);
    }
    ck_assert_uint_eq(fake_nic_tx_count(e.f), 200);
    for (int i = 0; i < 200; i++) {
        uint32_t len;
        const uint8_t *p = fake_nic_tx_frame(e.f, (size_t)i, &len);
        make_frame(frame, lens[i], 1000u + (uint32_t)i);
        ck_assert_uint_eq(len, lens[i]);
        ck_assert_msg(memcmp(p, frame, len) == 0, "TX frame %d differs", i);
    }
    drv_stats s;
    drv_get_stats(e.d, &s);
    ck_assert_uint_eq(s.tx_frames, 200);
    ck_assert_uint_eq(s.tx_bytes, bytes);
    ck_assert_uint_eq(s.tx_completed, 200);
    ck_assert_uint_eq(s.tx_ring_full, 0);
    ck_assert_uint_eq(s.bad_completion, 0);
    ck_assert_uint_eq(e.cost_cpu[0][DRV_OP_TX_COMPLETION], 200); /* TX vector on CPU 0 */
    ck_assert_uint_eq(e.cost_cpu[1][DRV_OP_TX_FRAME], 67);       /* frames 1, 4, 7, ... */
    ck_assert_uint_eq(fake_nic_reg(e.f, R_TXQ(0x0C)), 200);
    ck_assert_uint_eq(fake_nic_reg(e.f, R_TXQ(0x20)), 200);
    ck_assert_uint_eq(fake_nic_reg(e.f, 0x228), 200);
    check_fake_ok(&e);
    env_free(&e);
}
END_TEST

/* Ring full: -1 and counted; completions the NIC wrote are reclaimed by drv_tx itself
 * (without a DPC) before it gives up. */
START_TEST(tx_ring_full_and_reclaim)
{
    env e;
    drv_config c;
    small_cfg(&c);
    c.tx_ring_entries = 8;
    env_open(&e, &c, 4);
    uint8_t frame[200];
    for (int i = 0; i < 8; i++) {
        make_frame(frame, 200, (uint32_t)i);
        ck_assert_int_ge(drv_tx(e.d, 0, frame, 200), 0);
    }
    make_frame(frame, 200, 8);
    ck_assert_int_eq(drv_tx(e.d, 1, frame, 200), -1);
    ck_assert_int_eq(drv_tx(e.d, 1, frame, 200), -1);
    drv_stats s;
    drv_get_stats(e.d, &s);
    ck_assert_uint_eq(s.tx_ring_full, 2);
    ck_assert_uint_eq(s.tx_frames, 8);
    ck_assert_uint_eq(fake_nic_reg(e.f, R_TXQ(0x0C)), 8);

    ck_assert_int_eq(fake_nic_tx_run(e.f, 1), 1);
    fake_nic_clear_log(e.f);
    uint64_t before = e.cost_total;
    int64_t cyc = drv_tx(e.d, 1, frame, 200);
    ck_assert_int_ge(cyc, 0);
    ck_assert_uint_eq((uint64_t)cyc, e.cost_total - before);
    ck_assert_uint_eq((uint64_t)cyc, price[DRV_OP_TX_COMPLETION] + 2 * price[DRV_OP_DOORBELL] +
                                         price[DRV_OP_TX_FRAME] + 200 * price[DRV_OP_COPY_BYTE]);
    ck_assert_uint_eq(fake_nic_writes_to(e.f, R_TXQ(0x20)), 1); /* completion head */
    ck_assert_uint_eq(fake_nic_reg(e.f, R_TXQ(0x20)), 1);
    ck_assert_uint_eq(e.cost_cpu[1][DRV_OP_TX_COMPLETION], 1);
    drv_get_stats(e.d, &s);
    ck_assert_uint_eq(s.tx_completed, 1);
    ck_assert_uint_eq(s.tx_frames, 9);
    make_frame(frame, 200, 9);
    ck_assert_int_eq(drv_tx(e.d, 1, frame, 200), -1); /* full again */

    ck_assert_int_eq(fake_nic_tx_run(e.f, -1), 8);
    service(&e); /* the TX vector reclaims the rest */
    drv_get_stats(e.d, &s);
    ck_assert_uint_eq(s.tx_completed, 9);
    ck_assert_uint_eq(s.tx_ring_full, 3);
    for (int i = 0; i < 8; i++) {
        make_frame(frame, 200, 100u + (uint32_t)i);
        ck_assert_int_ge(drv_tx(e.d, 2, frame, 200), 0);
    }
    ck_assert_int_eq(fake_nic_tx_run(e.f, -1), 8);
    ck_assert_uint_eq(fake_nic_tx_count(e.f), 17);
    for (int i = 0; i < 17; i++) {
        uint32_t len;
        const uint8_t *p = fake_nic_tx_frame(e.f, (size_t)i, &len);
        make_frame(frame, 200, i < 9 ? (uint32_t)i : 100u + (uint32_t)(i - 9));
        ck_assert_uint_eq(len, 200);
        ck_assert_msg(memcmp(p, frame, 200) == 0, "TX frame %d differs", i);
    }
    check_fake_ok(&e);
    env_free(&e);
}
END_TEST

/* The TX vector's DPC keeps to the budget too: *more, no re-arm, until drained. */
START_TEST(tx_dpc_budget)
{
    env e;
    drv_config c;
    small_cfg(&c);
    c.tx_ring_entries = 32;
    c.dpc_budget = 8;
    env_open(&e, &c, 4);
    uint8_t frame[64] = {0};
    for (int i = 0; i < 20; i++)
        ck_assert_int_ge(drv_tx(e.d, 0, frame, 64), 0);
    ck_assert_int_eq(fake_nic_tx_run(e.f, -1), 20);
    ck_assert_int_eq(fake_nic_next_irq(e.f), 4);
    fake_nic_clear_log(e.f);
    int more;
    drv_stats s;
    const int want_more[3] = {1, 1, 0};
    const uint64_t want_done[3] = {8, 16, 20};
    for (int run = 0; run < 3; run++) {
        drv_dpc(e.d, 4, &more);
        drv_get_stats(e.d, &s);
        ck_assert_int_eq(more, want_more[run]);
        ck_assert_uint_eq(s.tx_completed, want_done[run]);
        ck_assert_uint_eq(fake_nic_writes_to(e.f, R_VEC(4, 0x8)), run == 2 ? 1u : 0u);
        ck_assert_uint_eq(fake_nic_writes_to(e.f, R_TXQ(0x20)), (size_t)run + 1);
    }
    ck_assert_uint_eq(fake_nic_reg(e.f, R_TXQ(0x20)), 20);
    ck_assert_uint_eq(e.cost_cpu[0][DRV_OP_DPC], 3);
    ck_assert_uint_eq(e.cost_cpu[0][DRV_OP_TX_COMPLETION], 20);
    check_fake_ok(&e);
    env_free(&e);
}
END_TEST

/* A frame longer than a bounce buffer spans several descriptors (end-of-frame on the last);
 * lengths the ring cannot carry are refused with -2. */
START_TEST(tx_multi_descriptor)
{
    env e;
    drv_config c;
    small_cfg(&c);
    c.tx_ring_entries = 8;
    c.tx_buf_bytes = 100;
    env_open(&e, &c, 4);
    uint8_t frame[1000];
    for (int i = 0; i < 2; i++) {
        make_frame(frame, 250, (uint32_t)i);
        ck_assert_int_ge(drv_tx(e.d, 0, frame, 250), 0); /* 3 descriptors each */
    }
    ck_assert_uint_eq(fake_nic_reg(e.f, R_TXQ(0x0C)), 6);
    make_frame(frame, 250, 2);
    ck_assert_int_eq(drv_tx(e.d, 0, frame, 250), -1); /* needs 3, 2 free */
    make_frame(frame, 200, 3);
    ck_assert_int_ge(drv_tx(e.d, 0, frame, 200), 0); /* 2 fit */
    ck_assert_int_eq(drv_tx(e.d, 0, frame, 0), -2);
    ck_assert_int_eq(drv_tx(e.d, 0, frame, 801), -2); /* 9 descriptors > 8 */
    drv_stats s;
    drv_get_stats(e.d, &s);
    ck_assert_uint_eq(s.tx_bad_len, 2);
    ck_assert_uint_eq(s.tx_ring_full, 1);

    ck_assert_int_eq(fake_nic_tx_run(e.f, -1), 3);
    service(&e);
    make_frame(frame, 800, 4);
    ck_assert_int_ge(drv_tx(e.d, 0, frame, 800), 0); /* the whole ring */
    ck_assert_int_eq(fake_nic_tx_run(e.f, -1), 1);
    service(&e);
    const uint32_t want[4] = {250, 250, 200, 800};
    for (int i = 0; i < 4; i++) {
        uint32_t len;
        const uint8_t *p = fake_nic_tx_frame(e.f, (size_t)i, &len);
        make_frame(frame, want[i], (uint32_t)(i < 2 ? i : i + 1));
        ck_assert_uint_eq(len, want[i]);
        ck_assert_msg(memcmp(p, frame, len) == 0, "TX frame %d differs", i);
    }
    drv_get_stats(e.d, &s);
    ck_assert_uint_eq(s.tx_completed, 4);
    ck_assert_uint_eq(s.bad_completion, 0);
    check_fake_ok(&e);

    /* Larger than 65535 bytes: refused whatever the ring. */
    env e2;
    small_cfg(&c);
    c.tx_ring_entries = 64;
    c.tx_buf_bytes = 2048;
    env_open(&e2, &c, 4);
    uint8_t *big = calloc(1, 65536);
    ck_assert_int_eq(drv_tx(e2.d, 0, big, 65536), -2);
    ck_assert_int_ge(drv_tx(e2.d, 0, big, 65535), 0);
    ck_assert_int_eq(fake_nic_tx_run(e2.f, -1), 1);
    uint32_t len;
    fake_nic_tx_frame(e2.f, 0, &len);
    ck_assert_uint_eq(len, 65535);
    free(big);
    env_free(&e2);
    env_free(&e);
}
END_TEST

/* What the cost callback sees for one interrupt with k frames, and that every call returns
 * exactly the cycles it charged plus what the layer above spent. */
START_TEST(cost_accounting)
{
    env e;
    drv_config c;
    small_cfg(&c);
    c.cpus = 4;
    c.rx_queues = 4;
    c.table_size = 1;
    c.table[0] = 2; /* everything to queue 2, CPU 2 */
    c.rx_ring_entries = 64;
    c.irq_mod_frames = 10;
    c.irq_mod_time_ns = 5000;
    env_open(&e, &c, 4);
    uint8_t frame[500];
    fake_rx_meta m = {5, 2, 1, 1, 1, 0};
    for (int i = 0; i < 10; i++) {
        make_frame(frame, 500, (uint32_t)i);
        ck_assert_int_eq(fake_nic_rx(e.f, frame, 500, &m), 2);
    }
    ck_assert_int_eq(fake_nic_next_irq(e.f), 2);
    ck_assert_int_eq(fake_nic_next_irq(e.f), -1);
    uint64_t isr = drv_isr(e.d, 2);
    ck_assert_uint_eq(isr, price[DRV_OP_ISR]);
    int more;
    uint64_t dpc = drv_dpc(e.d, 2, &more);
    ck_assert_int_eq(more, 0);
    ck_assert_uint_eq(dpc, price[DRV_OP_DPC] + 10 * price[DRV_OP_RX_COMPLETION] +
                               10 * price[DRV_OP_RX_REPOST] + 3 * price[DRV_OP_DOORBELL] +
                               10ull * RX_CYCLES);
    ck_assert_uint_eq(e.cost_cpu[2][DRV_OP_ISR], 1);
    ck_assert_uint_eq(e.cost_cpu[2][DRV_OP_DPC], 1);
    ck_assert_uint_eq(e.cost_cpu[2][DRV_OP_RX_COMPLETION], 10);
    ck_assert_uint_eq(e.cost_cpu[2][DRV_OP_RX_REPOST], 10);
    ck_assert_uint_eq(e.cost_cpu[2][DRV_OP_DOORBELL], 3);
    ck_assert_uint_eq(e.cost_cpu[2][DRV_OP_CSR_READ], 0);
    ck_assert_uint_eq(e.cost_cpu[2][DRV_OP_COPY_BYTE], 0);
    for (int cpu = 0; cpu < 4; cpu++)
        if (cpu != 2)
            for (int op = 0; op < DRV_OP_COUNT; op++)
                ck_assert_uint_eq(e.cost_cpu[cpu][op], 0);
    ck_assert_int_eq(fake_nic_irq_pending(e.f), 0); /* no events while masked */

    /* A longer mixed run: the driver's op counters equal what the callback saw, and the
     * returned cycles add up. */
    e.spent = isr + dpc;
    uint32_t seed = 1;
    for (int i = 0; i < 300; i++) {
        fake_rx_meta mm = {lcg(&seed), 2, 1, 1, 1, 0};
        make_frame(frame, 60 + i, (uint32_t)i);
        fake_nic_rx(e.f, frame, 60u + (uint32_t)i, &mm);
        int64_t t = drv_tx(e.d, i % 4, frame, 100);
        if (t >= 0)
            e.spent += (uint64_t)t;
        if (i % 7 == 0) {
            fake_nic_tx_run(e.f, -1);
            fake_nic_set_time(e.f, (uint64_t)i * 1000);
            service(&e);
        }
    }
    fake_nic_tx_run(e.f, -1);
    fake_nic_set_time(e.f, 1000000);
    service(&e);
    drv_stats s;
    drv_get_stats(e.d, &s);
    for (int op = 0; op < DRV_OP_COUNT; op++)
        ck_assert_msg(s.ops[op] == e.cost_count[op], "%s: driver %llu, callback %llu",
                      drv_op_name(op), (unsigned long long)s.ops[op],
                      (unsigned long long)e.cost_count[op]);
    ck_assert_uint_eq(e.spent, e.cost_total + s.rx_frames * RX_CYCLES);
    ck_assert_uint_eq(s.ops[DRV_OP_ISR], s.isr);
    ck_assert_uint_eq(s.isr, e.isr_runs + 1);
    ck_assert_uint_eq(s.ops[DRV_OP_DPC], e.dpc_runs + 1);
    ck_assert_uint_eq(s.ops[DRV_OP_DOORBELL], s.doorbells);
    ck_assert_uint_eq(s.ops[DRV_OP_RX_COMPLETION], s.rx_frames);
    ck_assert_uint_eq(s.ops[DRV_OP_TX_COMPLETION], s.tx_completed);
    ck_assert_uint_eq(s.ops[DRV_OP_TX_FRAME], s.tx_frames);
    ck_assert_uint_eq(s.ops[DRV_OP_CSR_READ], 0);
    ck_assert_uint_eq(s.rx_frames, 310 - fake_nic_reg(e.f, R_DROP_NODESC));
    check_fake_ok(&e);
    env_free(&e);
}
END_TEST

static void cpl_entry(uint8_t e[16], uint32_t w0, uint16_t len, uint8_t ht, uint8_t flags,
                      uint16_t first, uint8_t used, uint8_t queue, uint8_t type)
{
    memset(e, 0, 16);
    e[0] = (uint8_t)w0;
    e[1] = (uint8_t)(w0 >> 8);
    e[2] = (uint8_t)(w0 >> 16);
    e[3] = (uint8_t)(w0 >> 24);
    e[4] = (uint8_t)len;
    e[5] = (uint8_t)(len >> 8);
    e[6] = ht;
    e[7] = flags;
    e[8] = (uint8_t)first;
    e[9] = (uint8_t)(first >> 8);
    e[10] = used;
    e[11] = queue;
    e[14] = type;
}

/* Completions that make no sense are counted and skipped; the frames around them still
 * arrive exactly, the ring stays full, nothing is indicated for them. */
START_TEST(bad_completions_counted)
{
    env e;
    drv_config c;
    small_cfg(&c);
    c.rss_enable = 0;
    c.rx_ring_entries = 16;
    c.rx_buf_bytes = 256;
    env_open(&e, &c, 2);
    uint8_t frame[600], ent[16];
    fake_rx_meta m = {0};
    int good = 0, bad = 0;
#define GOOD_FRAME(len)                                                                   \
    do {                                                                                  \
        make_frame(frame, (len), (uint32_t)good);                                         \
        ck_assert_int_eq(fake_nic_rx(e.f, frame, (len), &m), 0);                          \
        good++;                                                                           \
    } while (0)

    GOOD_FRAME(100);
    cpl_entry(ent, 0, 100, 0, 1, 1, 1, 0, 2); /* TX type on an RX ring */
    ck_assert_int_eq(fake_nic_inject_completion(e.f, 0, ent), 0);
    bad++;
    GOOD_FRAME(300);
    cpl_entry(ent, 0, 100, 0, 1, 9, 1, 0, 1); /* not the next descriptor (3) */
    ck_assert_int_eq(fake_nic_inject_completion(e.f, 0, ent), 0);
    bad++;
    cpl_entry(ent, 0, 100, 0, 1, 3, 0, 0, 1); /* zero descriptors */
    ck_assert_int_eq(fake_nic_inject_completion(e.f, 0, ent), 0);
    bad++;
    cpl_entry(ent, 0, 100, 0, 1, 3, 17, 0, 1); /* more descriptors than posted */
    ck_assert_int_eq(fake_nic_inject_completion(e.f, 0, ent), 0);
    bad++;
    cpl_entry(ent, 0, 0, 0, 0, 0, 0, 0, 0); /* all zero but a valid phase */
    ck_assert_int_eq(fake_nic_inject_completion(e.f, 0, ent), 0);
    bad++;
    service(&e);
    /* Real frames whose completion is wrong: their descriptors come back. */
    fake_nic_corrupt_next_rx(e.f, 5, 0x0F); /* length 100 -> 3940 in one 256-byte buffer */
    GOOD_FRAME(100);
    good--, bad++;
    fake_nic_corrupt_next_rx(e.f, 4, 0x00); /* 300 bytes -> 256 in 2 buffers */
    GOOD_FRAME(300);
    good--, bad++;
    fake_nic_corrupt_next_rx(e.f, 6, 9); /* hash type 9 */
    GOOD_FRAME(60);
    good--, bad++;
    fake_nic_corrupt_next_rx(e.f, 7, 6); /* checksum status 6 */
    GOOD_FRAME(60);
    good--, bad++;
    fake_nic_corrupt_next_rx(e.f, 11, 1); /* queue 1 on queue 0's ring */
    GOOD_FRAME(60);
    good--, bad++;
    fake_nic_corrupt_next_rx(e.f, 4, 0); /* length 60 -> 0 */
    GOOD_FRAME(60);
    good--, bad++;
    service(&e);
    for (int i = 0; i < 40; i++) {
        GOOD_FRAME(60 + 13 * (uint32_t)i);
        if (i % 5 == 4)
            service(&e);
    }
    service(&e);
    drv_stats s;
    drv_get_stats(e.d, &s);
    ck_assert_uint_eq(s.bad_completion, (uint64_t)bad);
    ck_assert_uint_eq(s.rx_frames, (uint64_t)good);
    ck_assert_uint_eq(e.nrx, (size_t)good);
    ck_assert_uint_eq(fake_nic_rx_avail(e.f, 0), 16); /* nothing leaked */
    /* The good ones, in order: frames 0 and 1, then 40 after the corrupted six (whose seeds
     * were reused, since `good` went back). */
    make_frame(frame, 100, 0);
    ck_assert_mem_eq(e.rx[0].data, frame, 100);
    make_frame(frame, 300, 1);
    ck_assert_mem_eq(e.rx[1].data, frame, 300);
    for (int i = 0; i < 40; i++) {
        uint32_t len = 60 + 13 * (uint32_t)i;
        make_frame(frame, len, (uint32_t)(2 + i));
        ck_assert_uint_eq(e.rx[2 + i].len, len);
        ck_assert_msg(memcmp(e.rx[2 + i].data, frame, len) == 0, "frame %d differs", 2 + i);
    }

    /* On the TX ring: wrong entries are counted and reclaim nothing. */
    ck_assert_int_ge(drv_tx(e.d, 0, frame, 100), 0);
    cpl_entry(ent, 0, 100, 0, 0, 0, 1, 0, 1); /* RX type */
    ck_assert_int_eq(fake_nic_inject_completion(e.f, -1, ent), 0);
    cpl_entry(ent, 5, 100, 0, 0, 0, 1, 0, 2); /* cookie of another slot */
    ck_assert_int_eq(fake_nic_inject_completion(e.f, -1, ent), 0);
    service(&e);
    drv_get_stats(e.d, &s);
    ck_assert_uint_eq(s.bad_completion, (uint64_t)bad + 2);
    ck_assert_uint_eq(s.tx_completed, 0);
    ck_assert_int_eq(fake_nic_tx_run(e.f, -1), 1); /* the real completion still reclaims */
    service(&e);
    drv_get_stats(e.d, &s);
    ck_assert_uint_eq(s.tx_completed, 1);
    ck_assert_uint_eq(s.bad_completion, (uint64_t)bad + 2);
    check_fake_ok(&e);
    env_free(&e);
#undef GOOD_FRAME
}
END_TEST

/* Random completion entries: the driver must neither crash nor touch memory it does not own
 * (run under ASan), and must count them. */
START_TEST(bad_completions_fuzz)
{
    env e;
    drv_config c;
    small_cfg(&c);
    c.rss_enable = 0;
    c.rx_ring_entries = 64;
    c.rx_buf_bytes = 128;
    c.tx_ring_entries = 64;
    c.dpc_budget = 16;
    env_open(&e, &c, 2);
    uint32_t seed = 12345;
    uint8_t ent[16];
    int injected = 0;
    for (int i = 0; i < 2000; i++) {
        for (int b = 0; b < 16; b++)
            ent[b] = (uint8_t)lcg(&seed);
        if (ent[14] == 1 || ent[14] == 2)
            ent[14] = 3; /* a right type could name the next descriptors by chance */
        if (fake_nic_inject_completion(e.f, (i % 3 == 0) ? -1 : 0, ent) == 0)
            injected++;
        if (i % 10 == 0)
            service(&e);
    }
    service(&e);
    drv_stats s;
    drv_get_stats(e.d, &s);
    ck_assert_uint_eq(s.bad_completion, (uint64_t)injected);
    ck_assert_uint_eq(s.rx_frames, 0);
    ck_assert_uint_eq(e.nrx, 0);
    /* Still works. */
    uint8_t frame[300];
    fake_rx_meta m = {0};
    make_frame(frame, 300, 1);
    ck_assert_int_eq(fake_nic_rx(e.f, frame, 300, &m), 0);
    service(&e);
    ck_assert_uint_eq(e.nrx, 1);
    ck_assert_mem_eq(e.rx[0].data, frame, 300);
    check_fake_ok(&e);
    env_free(&e);
}
END_TEST

/* ISR/DPC for vectors the driver did not set up: counted, nothing written. */
START_TEST(spurious_vectors)
{
    env e;
    drv_config c;
    small_cfg(&c);
    c.rx_queues = 2;
    env_open(&e, &c, 8);
    int more = 7;
    int vs[] = {2, 7, -1, 9, 100};
    fake_nic_clear_log(e.f);
    for (int i = 0; i < 5; i++) {
        drv_isr(e.d, vs[i]);
        ck_assert_uint_eq(drv_dpc(e.d, vs[i], &more), 0);
        ck_assert_int_eq(more, 0);
    }
    drv_stats s;
    drv_get_stats(e.d, &s);
    ck_assert_uint_eq(s.spurious_irq, 10);
    ck_assert_uint_eq(s.dpc, 0);
    ck_assert_uint_eq(fake_nic_write_count(e.f), 0);
    /* An RX or TX DPC with nothing to do only re-arms. */
    fake_nic_clear_log(e.f);
    drv_dpc(e.d, 1, &more);
    drv_dpc(e.d, 8, &more);
    ck_assert_uint_eq(fake_nic_write_count(e.f), 2);
    ck_assert_uint_eq(fake_nic_write_log(e.f)[0].addr, R_VEC(1, 0x8));
    ck_assert_uint_eq(fake_nic_write_log(e.f)[1].addr, R_VEC(8, 0x8));
    check_fake_ok(&e);
    env_free(&e);
}
END_TEST

/* Two drivers on two devices in one process, interleaved: each sees only its own frames and
 * counts only its own work; closing one leaves the other running. */
START_TEST(two_drivers_independent)
{
    env a, b;
    drv_config ca, cb;
    small_cfg(&ca);
    small_cfg(&cb);
    ca.rx_queues = 4;
    ca.cpus = 2;
    cb.rx_queues = 2;
    cb.cpus = 2;
    cb.rx_ring_entries = 16;
    cb.rx_buf_bytes = 300;
    for (int i = 0; i < 40; i++)
        cb.rss_key[i] = (uint8_t)~ca.rss_key[i];
    env_open(&a, &ca, 4);
    env_open(&b, &cb, 2);
    ck_assert_uint_ne(fake_nic_reg(a.f, R_KEY(0)), fake_nic_reg(b.f, R_KEY(0)));
    uint8_t frame[1000];
    uint32_t seed = 5;
    int na = 0, nb = 0;
    for (int i = 0; i < 200; i++) {
        fake_rx_meta m = {lcg(&seed), 2, 1, 1, 1, 0};
        if (i % 3 == 0) {
            make_frame(frame, 500, 0xB0000u + (uint32_t)nb);
            if (fake_nic_rx(b.f, frame, 500, &m) >= 0)
                nb++;
            drv_tx(b.d, 1, frame, 77);
        } else {
            make_frame(frame, 400, 0xA0000u + (uint32_t)na);
            if (fake_nic_rx(a.f, frame, 400, &m) >= 0)
                na++;
        }
        if (i % 4 == 0) {
            service(&b);
            fake_nic_tx_run(b.f, -1);
        }
        if (i % 5 == 0)
            service(&a);
    }
    service(&a);
    service(&b);
    fake_nic_tx_run(b.f, -1);
    service(&b);
    ck_assert_uint_eq(a.nrx, (size_t)na);
    ck_assert_uint_eq(b.nrx, (size_t)nb);
    drv_stats sa, sb;
    drv_get_stats(a.d, &sa);
    drv_get_stats(b.d, &sb);
    ck_assert_uint_eq(sa.rx_frames, (uint64_t)na);
    ck_assert_uint_eq(sb.rx_frames, (uint64_t)nb);
    ck_assert_uint_eq(sa.tx_frames, 0);
    ck_assert_uint_eq(sb.tx_frames, fake_nic_tx_count(b.f));
    ck_assert_uint_eq(fake_nic_tx_count(a.f), 0);
    ck_assert_uint_eq(sb.rx_multi_buffer, (uint64_t)nb); /* 500 bytes in 300-byte buffers */
    ck_assert_uint_eq(sa.rx_multi_buffer, 0);
    for (size_t i = 0; i < a.nrx; i++)
        ck_assert_uint_eq(a.rx[i].len, 400);
    for (size_t i = 0; i < b.nrx; i++) {
        ck_assert_uint_eq(b.rx[i].len, 500);
        ck_assert_uint_lt(b.rx[i].queue, 2);
    }
    for (int op = 0; op < DRV_OP_COUNT; op++) {
        ck_assert_uint_eq(sa.ops[op], a.cost_count[op]);
        ck_assert_uint_eq(sb.ops[op], b.cost_count[op]);
    }
    /* Close A, B carries on. */
    drv_close(a.d);
    a.d = NULL;
    fake_rx_meta m = {0};
    make_frame(frame, 500, 0xB0000u + (uint32_t)nb);
    ck_assert_int_eq(fake_nic_rx(b.f, frame, 500, &m), 0);
    service(&b);
    ck_assert_uint_eq(b.nrx, (size_t)nb + 1);
    ck_assert_mem_eq(b.rx[nb].data, frame, 500);
    check_fake_ok(&a);
    check_fake_ok(&b);
    env_free(&a);
    env_free(&b);
}
END_TEST

/* ------------------------------------------------------------------------------------ */
/* TCP offload (docs/toe.md "Commands", "Events"). */

#define R_TOE_CTRL 0x4000u
#define R_TOE_SLOTS 0x4004u
#define R_TOE_CMD 0x400Cu
#define R_TOE_COOKIE 0x4010u
#define R_TOE_DELACK 0x4018u
#define R_TOE_PUSH 0x401Cu
#define R_TOE_ARG(k) (0x4040u + 4u * (k))
#define CPL_TOE_BUF 3
#define CPL_TOE_UPREQ 4
#define CPL_TOE_CMD 5

static void env_open_toe(env *e, const drv_config *c, int num_rxq, uint32_t slots)
{
    env_init(e, num_rxq);
    if (slots)
        fake_nic_toe_init(e->f, slots);
    e->cfg = *c;
    int rc = env_open_rc(e);
    ck_assert_msg(rc == DRV_OK, "drv_open: %d %s", rc, e->err);
    check_fake_ok(e);
}

static void toe_cfg(drv_config *c)
{
    small_cfg(c);
    c->toe_enable = 1;
    c->rx_ring_entries = 16;
}

/* A state with every field random within its width (out-only fields too). */
static void rand_state(nic_toe_state *x, uint32_t *seed, int nq)
{
    memset(x, 0, sizeof *x);
    x->v6 = lcg(seed) >> 31;
    x->ts_ok = lcg(seed) >> 31;
    x->vlan = lcg(seed) >> 31;
    x->push_mode = lcg(seed) >> 31;
    x->snd_wscale = (uint8_t)(lcg(seed) % 15);
    x->rcv_wscale = (uint8_t)(lcg(seed) % 15);
    x->queue = (uint8_t)(lcg(seed) % (uint32_t)nq);
    for (int i = 0; i < 16; i++) {
        x->remote_addr[i] = (uint8_t)(lcg(seed) >> 24);
        x->local_addr[i] = (uint8_t)(lcg(seed) >> 24);
    }
    x->remote_port = (uint16_t)(lcg(seed) >> 16);
    x->local_port = (uint16_t)(lcg(seed) >> 16);
    for (int i = 0; i < 6; i++) {
        x->remote_mac[i] = (uint8_t)(lcg(seed) >> 24);
        x->local_mac[i] = (uint8_t)(lcg(seed) >> 24);
    }
    x->vlan_tci = (uint16_t)(lcg(seed) >> 16);
    x->ttl = (uint8_t)(lcg(seed) >> 24);
    x->tos = (uint8_t)(lcg(seed) >> 24);
    x->mss = (uint16_t)(lcg(seed) >> 16);
    x->ack_freq = (uint8_t)(lcg(seed) >> 24);
    x->rcv_wnd = lcg(seed);
    x->rcv_nxt = lcg(seed);
    x->snd_una = lcg(seed);
    x->snd_nxt = lcg(seed);
    x->snd_max = lcg(seed);
    x->snd_wnd = lcg(seed);
    x->ts_recent = lcg(seed);
    x->ts_offset = lcg(seed);
    x->nbufs = (uint8_t)(lcg(seed) % 5);
    x->ivl_valid = (uint8_t)(lcg(seed) >> 27);
    x->unacked = (uint8_t)(lcg(seed) >> 24);
    for (int i = 0; i < 5; i++) {
        x->ivl_start[i] = lcg(seed);
        x->ivl_end[i] = lcg(seed);
    }
    for (int i = 0; i < 4; i++) {
        x->buf_start[i] = lcg(seed);
        x->buf_len[i] = lcg(seed);
    }
    x->bytes_placed = lcg(seed);
    x->bytes_indicated = lcg(seed);
    x->acks_sent = lcg(seed);
    x->ooo_segs = lcg(seed);
    x->segs = lcg(seed);
    x->dup_segs = lcg(seed);
}

static uint32_t be4(const uint8_t *p) { return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]; }

/* The argument words of a state, written from the table in docs/toe.md (not from
 * nic_toe_state_to_args): ARG0..ARG22, and the out-only words 23..47 when out is set. */
static void ref_args(const nic_toe_state *x, uint32_t w[48], int out)
{
    memset(w, 0, 48 * sizeof *w);
    w[0] = (uint32_t)x->v6 | (uint32_t)x->ts_ok << 1 | (uint32_t)x->vlan << 2 | (uint32_t)x->snd_wscale << 4 |
           (uint32_t)x->rcv_wscale << 8 | (uint32_t)x->queue << 16 | (uint32_t)x->push_mode << 24;
    for (int k = 0; k < 4; k++) {
        w[1 + k] = be4(x->remote_addr + 4 * k);
        w[5 + k] = be4(x->local_addr + 4 * k);
    }
    w[9] = (uint32_t)x->remote_port << 16 | x->local_port;
    w[10] = be4(x->remote_mac);
    w[11] = (uint32_t)x->remote_mac[4] << 24 | (uint32_t)x->remote_mac[5] << 16 | (uint32_t)x->local_mac[0] << 8 |
            x->local_mac[1];
    w[12] = be4(x->local_mac + 2);
    w[13] = x->vlan_tci | (uint32_t)x->ttl << 16 | (uint32_t)x->tos << 24;
    w[14] = x->mss | (uint32_t)x->ack_freq << 16;
    const uint32_t del[8] = {x->rcv_nxt, x->snd_una, x->snd_nxt, x->snd_max, x->snd_wnd, x->rcv_wnd, x->ts_recent, x->ts_offset};
    for (int k = 0; k < 8; k++)
        w[15 + k] = del[k];
    if (!out)
        return;
    w[23] = x->segs;
    w[24] = x->dup_segs;
    w[25] = (uint32_t)x->nbufs | (uint32_t)x->ivl_valid << 4 | (uint32_t)x->unacked << 16;
    for (int i = 0; i < 5; i++) {
        w[26 + 2 * i] = x->ivl_start[i];
        w[27 + 2 * i] = x->ivl_end[i];
    }
    for (int i = 0; i < 4; i++) {
        w[36 + 2 * i] = x->buf_start[i];
        w[37 + 2 * i] = x->buf_len[i];
    }
    w[44] = x->bytes_placed;
    w[45] = x->bytes_indicated;
    w[46] = x->acks_sent;
    w[47] = x->ooo_segs;
}

/* Every field of two states (no memcmp: padding). */
static void check_state_eq(const nic_toe_state *a, const nic_toe_state *b)
{
#define F(x) ck_assert_msg(a->x == b->x, "state field " #x ": %llu, want %llu", (unsigned long long)a->x, (unsigned long long)b->x)
    F(v6); F(ts_ok); F(vlan); F(push_mode); F(snd_wscale); F(rcv_wscale); F(queue);
    ck_assert_mem_eq(a->remote_addr, b->remote_addr, 16);
    ck_assert_mem_eq(a->local_addr, b->local_addr, 16);
    F(remote_port); F(local_port);
    ck_assert_mem_eq(a->remote_mac, b->remote_mac, 6);
    ck_assert_mem_eq(a->local_mac, b->local_mac, 6);
    F(vlan_tci); F(ttl); F(tos); F(mss); F(ack_freq); F(rcv_wnd);
    F(rcv_nxt); F(snd_una); F(snd_nxt); F(snd_max); F(snd_wnd); F(ts_recent); F(ts_offset);
    F(nbufs); F(ivl_valid); F(unacked);
    for (int i = 0; i < 5; i++) {
        F(ivl_start[i]);
        F(ivl_end[i]);
    }
    for (int i = 0; i < 4; i++) {
        F(buf_start[i]);
        F(buf_len[i]);
    }
    F(bytes_placed); F(bytes_indicated); F(acks_sent); F(ooo_segs); F(segs); F(dup_segs);
#undef F
}

/* The writes since the log was cleared are exactly addr[i] = val[i]. */
static void check_writes(const env *e, const uint32_t *addr, const uint32_t *val, size_t n)
{
    ck_assert_uint_eq(fake_nic_write_count(e->f), n);
    const fake_csr_write *log = fake_nic_write_log(e->f);
    for (size_t i = 0; i < n; i++) {
        ck_assert_msg(log[i].addr == addr[i], "write %zu to 0x%x, want 0x%x", i, log[i].addr, addr[i]);
        ck_assert_msg(log[i].val == val[i], "write %zu (0x%x) = 0x%x, want 0x%x", i, addr[i], log[i].val, val[i]);
    }
}

static const rec_event *last_event(const env *e)
{
    ck_assert_uint_gt(e->nev, 0);
    return &e->ev[e->nev - 1];
}

/* Offloads x on queue q and completes it; returns the slot (the event's) and its result. */
static uint32_t offload_now(env *e, const nic_toe_state *x, int q, uint32_t cookie, int *result)
{
    size_t before = e->nev;
    ck_assert_int_ge(drv_toe_offload(e->d, 0, q, x, cookie), 0);
    ck_assert_int_eq(fake_nic_toe_run(e->f, -1), 1);
    service(e);
    ck_assert_uint_eq(e->nev, before + 1);
    const rec_event *r = last_event(e);
    ck_assert_int_eq(r->ev.kind, DRV_TOE_EV_CMD);
    ck_assert_uint_eq(r->ev.cookie, cookie);
    ck_assert_int_eq(r->ev.op, NIC_TOE_OP_OFFLOAD);
    ck_assert_int_eq(r->ev.queue, q);
    ck_assert(!r->has_state);
    *result = r->ev.result;
    return r->ev.slot;
}

/* Open: NIC_TOE_SLOTS read, timers and enable programmed before CTRL; no engine: nothing. */
START_TEST(toe_open_programs)
{
    drv_config c;
    drv_config_defaults(&c);
    ck_assert_int_eq(c.toe_enable, 0);
    ck_assert_uint_eq(c.toe_delack_ns, 200000000u);
    ck_assert_uint_eq(c.toe_push_ns, 0);
    for (int variant = 0; variant < 3; variant++) {
        env e;
        toe_cfg(&c);
        c.toe_enable = variant != 1;
        c.toe_delack_ns = 12345678u + (uint32_t)variant;
        c.toe_push_ns = 4321u;
        env_open_toe(&e, &c, 4, variant == 2 ? 0 : 64);
        ck_assert_uint_eq(fake_nic_read_count(e.f), 3);
        ck_assert_int_eq(drv_toe_slots(e.d), variant == 2 ? 0 : 64);
        const fake_csr_write *log = fake_nic_write_log(e.f);
        size_t nw = fake_nic_write_count(e.f);
        ck_assert_uint_eq(log[nw - 1].addr, R_CTRL); /* still the last write */
        if (variant == 2) {
            for (size_t i = 0; i < nw; i++)
                ck_assert_msg((log[i].addr >> 12) != 4, "TOE register 0x%x written without an engine", log[i].addr);
            fake_nic_clear_log(e.f);
            nic_toe_state x;
            uint32_t seed = 1;
            rand_state(&x, &seed, 4);
            ck_assert_int_eq(drv_toe_offload(e.d, 0, 0, &x, 1), DRV_EINVAL);
            ck_assert_int_eq(drv_toe_query(e.d, 0, 0, 0, 1), DRV_EINVAL);
            ck_assert_uint_eq(fake_nic_write_count(e.f), 0);
        } else {
            ck_assert_uint_eq(fake_nic_writes_to(e.f, R_TOE_CTRL), 1);
            ck_assert_uint_eq(fake_nic_reg(e.f, R_TOE_CTRL), variant == 1 ? 0u : 1u);
            ck_assert_uint_eq(fake_nic_reg(e.f, R_TOE_DELACK), 12345678u + (uint32_t)variant);
            ck_assert_uint_eq(fake_nic_reg(e.f, R_TOE_PUSH), 4321u);
        }
        ck_assert_uint_eq(drv_mem_required(&e.cfg), hm_used(e.hm));
        drv_stats s;
        drv_get_stats(e.d, &s);
        ck_assert_uint_eq(s.doorbells, 0);
        ck_assert_int_eq(drv_toe_outstanding(e.d), 0);
        check_fake_ok(&e);
        env_free(&e);
    }
}
END_TEST

/* OFFLOAD: exactly ARG0..22 (docs/toe.md layout), cookie, CMD; the CMD event arrives from the
 * named queue's DPC on its CPU with the slot; EXISTS for the same 4-tuple; engine disabled. */
START_TEST(toe_offload_event)
{
    env e;
    drv_config c;
    toe_cfg(&c);
    env_open_toe(&e, &c, 4, 16);
    uint32_t seed = 7;
    nic_toe_state x;
    rand_state(&x, &seed, 4);
    uint32_t w[48], addr[25], val[25];
    ref_args(&x, w, 0);
    for (int k = 0; k < 23; k++) {
        addr[k] = R_TOE_ARG((uint32_t)k);
        val[k] = w[k];
    }
    addr[23] = R_TOE_COOKIE;
    val[23] = 0xC0FFEE01u;
    addr[24] = R_TOE_CMD;
    val[24] = 1u | 2u << 4; /* OFFLOAD on queue 2, slot 0 */
    fake_nic_clear_log(e.f);
    int64_t cyc = drv_toe_offload(e.d, 1, 2, &x, 0xC0FFEE01u);
    ck_assert_int_eq(cyc, (int64_t)(price[DRV_OP_TOE_CMD] + 25 * price[DRV_OP_DOORBELL]));
    check_writes(&e, addr, val, 25);
    ck_assert_uint_eq(e.cost_cpu[1][DRV_OP_TOE_CMD], 1);
    ck_assert_uint_eq(e.cost_cpu[1][DRV_OP_DOORBELL], 25);
    ck_assert_int_eq(drv_toe_outstanding(e.d), 1);
    ck_assert_uint_eq(fake_nic_toe_pending(e.f), 1);
    service(&e);
    ck_assert_uint_eq(e.nev, 0); /* nothing yet */
    ck_assert_int_eq(fake_nic_toe_run(e.f, -1), 1);
    ck_assert_int_eq(fake_nic_next_irq(e.f), 2);
    e.spent += drv_isr(e.d, 2);
    int more;
    uint64_t dpc = drv_dpc(e.d, 2, &more);
    ck_assert_int_eq(more, 0);
    /* DPC, one event decoded, the layer above, completion head and re-arm; no re-post. */
    ck_assert_uint_eq(dpc, price[DRV_OP_DPC] + price[DRV_OP_TOE_EVENT] + EV_CYCLES + 2 * price[DRV_OP_DOORBELL]);
    ck_assert_uint_eq(e.nev, 1);
    const rec_event *r = &e.ev[0];
    ck_assert_int_eq(r->ev.kind, DRV_TOE_EV_CMD);
    ck_assert_uint_eq(r->ev.cookie, 0xC0FFEE01u);
    ck_assert_int_eq(r->ev.op, NIC_TOE_OP_OFFLOAD);
    ck_assert_int_eq(r->ev.result, NIC_TOE_R_OK);
    ck_assert_uint_eq(r->ev.slot, 0);
    ck_assert_int_eq(r->ev.queue, 2);
    ck_assert_int_eq(r->ev.cpu, 2);
    ck_assert(!r->has_state);
    ck_assert_int_eq(drv_toe_outstanding(e.d), 0);
    /* The fake latched what the driver wrote. */
    const uint32_t *sw = fake_nic_toe_slot_words(e.f, 0);
    ck_assert_ptr_nonnull(sw);
    for (int k = 0; k < 23; k++)
        ck_assert_uint_eq(sw[k], w[k]);
    drv_stats s;
    drv_get_stats(e.d, &s);
    ck_assert_uint_eq(s.toe_cmds, 1);
    ck_assert_uint_eq(s.toe_events, 1);
    ck_assert_uint_eq(s.rx_frames, 0);
    ck_assert_uint_eq(s.rx_reposted, 0);
    ck_assert_uint_eq(s.ops[DRV_OP_RX_COMPLETION], 0);
    ck_assert_uint_eq(fake_nic_rx_avail(e.f, 2), 16);

    int res;
    ck_assert_uint_eq(offload_now(&e, &x, 1, 2, &res), 0); /* same 4-tuple */
    ck_assert_int_eq(res, NIC_TOE_R_EXISTS);
    x.local_port++;
    ck_assert_uint_eq(offload_now(&e, &x, 3, 3, &res), 1);
    ck_assert_int_eq(res, NIC_TOE_R_OK);
    ck_assert_int_eq(e.ev[e.nev - 1].ev.cpu, 0); /* queue 3 on CPU 0 of 3 */
    /* Bad arguments: nothing written. */
    fake_nic_clear_log(e.f);
    nic_toe_state y = x;
    y.snd_wscale = 15;
    ck_assert_int_eq(drv_toe_offload(e.d, 0, 0, &y, 1), DRV_EINVAL);
    y = x;
    y.queue = 4;
    ck_assert_int_eq(drv_toe_offload(e.d, 0, 0, &y, 1), DRV_EINVAL);
    ck_assert_int_eq(drv_toe_offload(e.d, 0, 0, NULL, 1), DRV_EINVAL);
    ck_assert_int_eq(drv_toe_offload(e.d, 0, 4, &x, 1), DRV_EINVAL);
    ck_assert_int_eq(drv_toe_offload(e.d, 3, 0, &x, 1), DRV_EINVAL);
    ck_assert_int_eq(drv_toe_offload(e.d, -1, 0, &x, 1), DRV_EINVAL);
    ck_assert_uint_eq(fake_nic_write_count(e.f), 0);
    /* Engine disabled: the NIC says so. */
    x.local_port++;
    fake_nic_hw_ops(e.f).csr_write(e.f, R_TOE_CTRL, 0);
    ck_assert_uint_eq(offload_now(&e, &x, 0, 4, &res), 0);
    ck_assert_int_eq(res, NIC_TOE_R_DISABLED);
    ck_assert_uint_eq(fake_nic_read_count(e.f), 3); /* no register read after open */
    check_fake_ok(&e);
    env_free(&e);
}
END_TEST

/* RESOURCES when every slot is used; an upload frees one, which the next offload gets. */
START_TEST(toe_resources)
{
    env e;
    drv_config c;
    toe_cfg(&c);
    env_open_toe(&e, &c, 4, 4);
    uint32_t seed = 11;
    nic_toe_state x;
    rand_state(&x, &seed, 4);
    int res;
    for (uint32_t i = 0; i < 4; i++) {
        x.remote_port = (uint16_t)(1000 + i);
        ck_assert_uint_eq(offload_now(&e, &x, (int)i, 10 + i, &res), i);
        ck_assert_int_eq(res, NIC_TOE_R_OK);
    }
    x.remote_port = 2000;
    offload_now(&e, &x, 0, 20, &res);
    ck_assert_int_eq(res, NIC_TOE_R_RESOURCES);
    ck_assert_int_ge(drv_toe_upload(e.d, 0, 1, 2, 21), 0);
    fake_nic_toe_run(e.f, -1);
    service(&e);
    ck_assert_int_eq(last_event(&e)->ev.result, NIC_TOE_R_OK);
    ck_assert(last_event(&e)->has_state);
    ck_assert_uint_eq(last_event(&e)->st.remote_port, 1002);
    ck_assert_uint_eq(offload_now(&e, &x, 0, 22, &res), 2);
    ck_assert_int_eq(res, NIC_TOE_R_OK);
    /* A slot beyond NIC_TOE_SLOTS is refused by the driver. */
    ck_assert_int_eq(drv_toe_upload(e.d, 0, 0, 4, 1), DRV_EINVAL);
    check_fake_ok(&e);
    env_free(&e);
}
END_TEST

/* UPLOAD and QUERY: 4 writes (ARG23/24 = a result block in host memory, cookie, CMD); the
 * event carries the block decoded: every nic_toe_state field round-trips. Several queries in
 * flight use distinct blocks. UPLOAD frees the slot: then NO_CONN, no state. */
START_TEST(toe_upload_round_trip)
{
    env e;
    drv_config c;
    toe_cfg(&c);
    c.cpus = 4;
    env_open_toe(&e, &c, 4, 16);
    uint32_t seed = 99;
    nic_toe_state x[8];
    int res;
    for (uint32_t i = 0; i < 8; i++) {
        rand_state(&x[i], &seed, 4);
        x[i].local_port = (uint16_t)i; /* distinct 4-tuples */
        ck_assert_uint_eq(offload_now(&e, &x[i], 0, i, &res), i);
        ck_assert_int_eq(res, NIC_TOE_R_OK);
        /* The engine's view moves on: delegated and out-only words as the receive path
         * would leave them. */
        nic_toe_state moved;
        rand_state(&moved, &seed, 4);
        memcpy(moved.remote_addr, x[i].remote_addr, 16);
        memcpy(moved.local_addr, x[i].local_addr, 16);
        moved.v6 = x[i].v6;
        moved.remote_port = x[i].remote_port;
        moved.local_port = x[i].local_port;
        x[i] = moved;
        uint32_t w[48];
        ref_args(&x[i], w, 1);
        memcpy(fake_nic_toe_slot_words(e.f, i), w, sizeof w);
    }
    /* 8 queries in flight, on two queues, then all complete. */
    uint64_t blocks[8];
    for (uint32_t i = 0; i < 8; i++) {
        fake_nic_clear_log(e.f);
        int q = (int)(i % 2) * 3;
        ck_assert_int_eq(drv_toe_query(e.d, (int)i % 4, q, 7 - i, 100 + i),
                         (int64_t)(price[DRV_OP_TOE_CMD] + 4 * price[DRV_OP_DOORBELL]));
        const fake_csr_write *log = fake_nic_write_log(e.f);
        ck_assert_uint_eq(fake_nic_write_count(e.f), 4);
        ck_assert_uint_eq(log[0].addr, R_TOE_ARG(23));
        ck_assert_uint_eq(log[1].addr, R_TOE_ARG(24));
        ck_assert_uint_eq(log[2].addr, R_TOE_COOKIE);
        ck_assert_uint_eq(log[2].val, 100 + i);
        ck_assert_uint_eq(log[3].addr, R_TOE_CMD);
        ck_assert_uint_eq(log[3].val, 5u | (uint32_t)q << 4 | (7u - i) << 16);
        blocks[i] = (uint64_t)log[1].val << 32 | log[0].val;
        ck_assert(blocks[i] >= DMA_BASE && blocks[i] + 192 <= DMA_BASE + MEM_BYTES);
        for (uint32_t j = 0; j < i; j++)
            ck_assert(blocks[i] + 192 <= blocks[j] || blocks[j] + 192 <= blocks[i]);
    }
    ck_assert_int_eq(drv_toe_outstanding(e.d), 8);
    ck_assert_int_eq(fake_nic_toe_run(e.f, -1), 8);
    size_t base = e.nev;
    service(&e);
    ck_assert_uint_eq(e.nev, base + 8);
    int seen[8] = {0};
    for (size_t k = base; k < e.nev; k++) {
        const rec_event *r = &e.ev[k];
        uint32_t i = r->ev.cookie - 100;
        ck_assert_uint_lt(i, 8);
        seen[i]++;
        ck_assert_int_eq(r->ev.op, NIC_TOE_OP_QUERY);
        ck_assert_int_eq(r->ev.result, NIC_TOE_R_OK);
        ck_assert_uint_eq(r->ev.slot, 7 - i);
        ck_assert_int_eq(r->ev.queue, (int)(i % 2) * 3);
        ck_assert(r->has_state);
        check_state_eq(&r->st, &x[7 - i]);
    }
    for (int i = 0; i < 8; i++)
        ck_assert_int_eq(seen[i], 1);
    ck_assert_int_eq(drv_toe_outstanding(e.d), 0);
    /* The blocks sit in the driver's memory, outside every ring. */
    ck_assert_uint_le(hm_used(e.hm), drv_mem_required(&e.cfg));

    /* UPLOAD returns the state and frees the slot. */
    ck_assert_int_ge(drv_toe_upload(e.d, 2, 1, 5, 77), 0);
    fake_nic_toe_run(e.f, -1);
    service(&e);
    const rec_event *r = last_event(&e);
    ck_assert_int_eq(r->ev.op, NIC_TOE_OP_UPLOAD);
    ck_assert_int_eq(r->ev.result, NIC_TOE_R_OK);
    ck_assert(r->has_state);
    check_state_eq(&r->st, &x[5]);
    ck_assert_ptr_null(fake_nic_toe_slot_words(e.f, 5));
    ck_assert_int_ge(drv_toe_upload(e.d, 2, 1, 5, 78), 0);
    ck_assert_int_ge(drv_toe_query(e.d, 2, 1, 5, 79), 0);
    fake_nic_toe_run(e.f, -1);
    service(&e);
    ck_assert_int_eq(e.ev[e.nev - 2].ev.result, NIC_TOE_R_NO_CONN);
    ck_assert(!e.ev[e.nev - 2].has_state);
    ck_assert_int_eq(e.ev[e.nev - 1].ev.result, NIC_TOE_R_NO_CONN);
    ck_assert(!e.ev[e.nev - 1].has_state);

    /* nic_toe_state_to_args/from_args against the documented layout, many random states. */
    for (int t = 0; t < 200; t++) {
        nic_toe_state a, b;
        rand_state(&a, &seed, 32);
        uint32_t w[48], w2[48];
        ref_args(&a, w, 0);
        nic_toe_state_to_args(&a, w2);
        for (int k = 0; k < 48; k++)
            ck_assert_msg(w2[k] == w[k], "to_args word %d: 0x%08x, want 0x%08x", k, w2[k], w[k]);
        ref_args(&a, w, 1);
        nic_toe_state_from_args(&b, w);
        check_state_eq(&b, &a);
    }
    check_fake_ok(&e);
    env_free(&e);
}
END_TEST

/* POST (ARG0..2) and UPDATE (ARG14, ARG20): only those words, then cookie and CMD; the
 * engine sees them; RING_FULL after NIC_TOE_BUFS; bad lengths and slots refused. */
START_TEST(toe_post_update)
{
    env e;
    drv_config c;
    toe_cfg(&c);
    env_open_toe(&e, &c, 4, 8);
    uint32_t seed = 5;
    nic_toe_state x;
    rand_state(&x, &seed, 4);
    x.rcv_nxt = 0xFFFFFF00u; /* buffers wrap the sequence space */
    int res;
    uint32_t slot = offload_now(&e, &x, 1, 1, &res);
    ck_assert_int_eq(res, NIC_TOE_R_OK);
    const uint32_t lens[5] = {1000, 1u << 31, 1, 4096, 512};
    const uint64_t dma[5] = {DMA_BASE + 0x100000, 0x123456789ABCull, 0xFFFFFFFFull, DMA_BASE, 7};
    uint32_t start = 0xFFFFFF00u;
    for (int i = 0; i < 5; i++) {
        fake_nic_clear_log(e.f);
        ck_assert_int_eq(drv_toe_post(e.d, 0, 1, slot, dma[i], lens[i], 200u + (uint32_t)i),
                         (int64_t)(price[DRV_OP_TOE_CMD] + 5 * price[DRV_OP_DOORBELL]));
        const uint32_t addr[5] = {R_TOE_ARG(0), R_TOE_ARG(1), R_TOE_ARG(2), R_TOE_COOKIE, R_TOE_CMD};
        const uint32_t val[5] = {(uint32_t)dma[i], (uint32_t)(dma[i] >> 32), lens[i], 200u + (uint32_t)i,
                                 3u | 1u << 4 | slot << 16};
        check_writes(&e, addr, val, 5);
        fake_nic_toe_run(e.f, -1);
        service(&e);
        const rec_event *r = last_event(&e);
        ck_assert_int_eq(r->ev.op, NIC_TOE_OP_POST);
        ck_assert_uint_eq(r->ev.cookie, 200u + (uint32_t)i);
        ck_assert_int_eq(r->ev.result, i < 4 ? NIC_TOE_R_OK : NIC_TOE_R_RING_FULL);
        if (i < 4) {
            const uint32_t *w = fake_nic_toe_slot_words(e.f, slot);
            ck_assert_uint_eq(w[25] & 7, (uint32_t)i + 1);
            ck_assert_uint_eq(w[36 + 2 * i], start);
            ck_assert_uint_eq(w[37 + 2 * i], lens[i]);
            ck_assert_uint_eq(fake_nic_toe_buf_addr(e.f, slot, i), dma[i]);
            start += lens[i];
        }
    }
    fake_nic_clear_log(e.f);
    ck_assert_int_eq(drv_toe_update(e.d, 2, 1, slot, 1460, 3, 0x00ABCDEFu, 300),
                     (int64_t)(price[DRV_OP_TOE_CMD] + 4 * price[DRV_OP_DOORBELL]));
    const uint32_t ua[4] = {R_TOE_ARG(14), R_TOE_ARG(20), R_TOE_COOKIE, R_TOE_CMD};
    const uint32_t uv[4] = {1460u | 3u << 16, 0x00ABCDEFu, 300, 4u | 1u << 4 | slot << 16};
    check_writes(&e, ua, uv, 4);
    ck_assert_int_ge(drv_toe_query(e.d, 2, 1, slot, 301), 0);
    fake_nic_toe_run(e.f, -1);
    service(&e);
    ck_assert_int_eq(e.ev[e.nev - 2].ev.op, NIC_TOE_OP_UPDATE);
    ck_assert_int_eq(e.ev[e.nev - 2].ev.result, NIC_TOE_R_OK);
    const rec_event *r = last_event(&e);
    ck_assert(r->has_state);
    ck_assert_uint_eq(r->st.mss, 1460);
    ck_assert_uint_eq(r->st.ack_freq, 3);
    ck_assert_uint_eq(r->st.rcv_wnd, 0x00ABCDEFu);
    ck_assert_uint_eq(r->st.nbufs, 4);
    ck_assert_uint_eq(r->st.buf_start[0], 0xFFFFFF00u);
    ck_assert_uint_eq(r->st.buf_start[1], 0xFFFFFF00u + 1000u);
    ck_assert_uint_eq(r->st.buf_len[1], 1u << 31);
    ck_assert_uint_eq(r->st.snd_una, x.snd_una); /* the rest unchanged */
    /* Refused by the driver, nothing written. */
    fake_nic_clear_log(e.f);
    ck_assert_int_eq(drv_toe_post(e.d, 0, 1, slot, DMA_BASE, 0, 1), DRV_EINVAL);
    ck_assert_int_eq(drv_toe_post(e.d, 0, 1, slot, DMA_BASE, (1u << 31) + 1, 1), DRV_EINVAL);
    ck_assert_int_eq(drv_toe_post(e.d, 0, 1, 8, DMA_BASE, 100, 1), DRV_EINVAL);
    ck_assert_int_eq(drv_toe_update(e.d, 0, 1, 8, 1, 1, 1, 1), DRV_EINVAL);
    ck_assert_int_eq(drv_toe_update(e.d, 0, 4, slot, 1, 1, 1, 1), DRV_EINVAL);
    ck_assert_int_eq(drv_toe_query(e.d, 0, -1, slot, 1), DRV_EINVAL);
    ck_assert_uint_eq(fake_nic_write_count(e.f), 0);
    drv_stats s;
    drv_get_stats(e.d, &s);
    ck_assert_uint_eq(s.toe_cmds, 1 + 5 + 2);
    ck_assert_uint_eq(s.toe_events, 1 + 5 + 2);
    ck_assert_uint_eq(s.toe_busy, 0);
    check_fake_ok(&e);
    env_free(&e);
}
END_TEST

/* NIC_TOE_CMDQ_DEPTH commands outstanding: the next one is refused with DRV_EBUSY and
 * nothing written, until the DPC has decoded a completion (not merely the NIC executed it).
 * A command issued from the event callback gets the entry just completed. */
START_TEST(toe_busy)
{
    env e;
    drv_config c;
    toe_cfg(&c);
    env_open_toe(&e, &c, 4, 8);
    uint32_t seed = 3;
    nic_toe_state x;
    rand_state(&x, &seed, 4);
    int res;
    uint32_t slot = offload_now(&e, &x, 0, 1, &res);
    ck_assert_int_eq(res, NIC_TOE_R_OK);
    for (int i = 0; i < 8; i++)
        ck_assert_int_ge(drv_toe_query(e.d, 0, i % 4, slot, (uint32_t)i), 0);
    ck_assert_int_eq(drv_toe_outstanding(e.d), 8);
    /* Command 0's cookie and op, but on queue 1's ring: no command of queue 1 matches. */
    ck_assert_int_eq(fake_nic_toe_event(e.f, 1, CPL_TOE_CMD, 0, NIC_TOE_OP_QUERY, slot, 0), 0);
    fake_nic_clear_log(e.f);
    uint64_t cost_before = e.cost_total;
    ck_assert_int_eq(drv_toe_query(e.d, 0, 0, slot, 8), DRV_EBUSY);
    ck_assert_int_eq(drv_toe_post(e.d, 0, 0, slot, DMA_BASE, 10, 8), DRV_EBUSY);
    ck_assert_int_eq(drv_toe_update(e.d, 0, 0, slot, 1, 1, 1, 8), DRV_EBUSY);
    ck_assert_int_eq(drv_toe_upload(e.d, 0, 0, slot, 8), DRV_EBUSY);
    ck_assert_int_eq(drv_toe_offload(e.d, 0, 0, &x, 8), DRV_EBUSY);
    ck_assert_uint_eq(fake_nic_write_count(e.f), 0);
    ck_assert_uint_eq(e.cost_total, cost_before);
    ck_assert_int_eq(fake_nic_toe_run(e.f, 3), 3); /* executed, events not yet seen */
    ck_assert_int_eq(drv_toe_query(e.d, 0, 0, slot, 8), DRV_EBUSY);
    ck_assert_uint_eq(fake_nic_write_count(e.f), 0);
    drv_stats s;
    drv_get_stats(e.d, &s);
    ck_assert_uint_eq(s.toe_busy, 6);
    /* Queue 1's DPC decodes its one event (command 1): one entry free. */
    ck_assert_int_eq(drv_vector_cpu(e.d, 1), 1);
    int more;
    drv_dpc(e.d, 1, &more);
    ck_assert_int_eq(drv_toe_outstanding(e.d), 7);
    /* From the callback of the next event, with 8 outstanding again. */
    ck_assert_int_ge(drv_toe_query(e.d, 0, 0, slot, 9), 0);
    ck_assert_int_eq(drv_toe_outstanding(e.d), 8);
    e.cb_query_slot = (int)slot;
    drv_dpc(e.d, 0, &more); /* queue 0: command 0's event */
    ck_assert_int_ge(e.cb_query_rc, 0);
    ck_assert_int_eq(drv_toe_outstanding(e.d), 8);
    fake_nic_toe_run(e.f, -1);
    while (fake_nic_next_irq(e.f) >= 0)
        ;
    for (int v = 0; v < 4; v++)
        drv_dpc(e.d, v, &more);
    ck_assert_int_eq(drv_toe_outstanding(e.d), 0);
    drv_get_stats(e.d, &s);
    ck_assert_uint_eq(s.toe_cmds, 1 + 8 + 2);
    ck_assert_uint_eq(s.toe_events, 1 + 8 + 2);
    ck_assert_uint_eq(s.bad_completion, 1);
    ck_assert_uint_eq(fake_nic_toe_accepted(e.f), 11);
    check_fake_ok(&e); /* the NIC's queue never overflowed */
    env_free(&e);
}
END_TEST

/* What the test injected on a queue, in order: a frame (with its TOE marks) or an event. */
typedef struct inj {
    int is_frame;
    uint32_t len, seed;      /* frame */
    uint8_t tflags, reason;  /* frame marks */
    uint16_t slot;
    int kind;                /* event: DRV_TOE_EV_* */
    uint32_t w0, w1;
    int push;
} inj;

/* Frames, marked frames, BUF/UPREQ events and CMD events interleaved in one completion ring
 * (small ring, wraps many times, DPC budget 5, the ring often full: the NIC waits): every
 * frame delivered byte-exact in order, every event in its place among them, buffers re-posted
 * only for frames, costs per entry kind. */
START_TEST(toe_events_interleaved)
{
    env e;
    drv_config c;
    toe_cfg(&c);
    c.rss_enable = 0;
    c.rx_ring_entries = 16;
    c.rx_buf_bytes = 256;
    c.dpc_budget = 5;
    env_open_toe(&e, &c, 2, 32);
    uint32_t seed = 2024;
    nic_toe_state x;
    rand_state(&x, &seed, 1);
    int res;
    for (int i = 0; i < 4; i++) { /* slots 0..3 */
        x.remote_port = (uint16_t)(7000 + i);
        offload_now(&e, &x, 0, (uint32_t)i, &res);
        ck_assert_int_eq(res, NIC_TOE_R_OK);
    }
    const size_t ev0 = e.nev;
    const uint64_t order0 = e.order, spent0 = e.spent, cost0 = e.cost_total;
    uint64_t cmd_cycles = 0, ndesc = 0;
    enum { N = 3000 };
    inj *log = calloc(N, sizeof *log);
    ck_assert_ptr_nonnull(log);
    size_t n = 0;
    uint32_t cmd_cookie = 1000;
    int nframes = 0, nevents = 0, nmarked = 0, ncmd_out = 0;
    uint8_t frame[700];
    fake_rx_meta m = {0, 0, 1, 1, 1, 0};
    while (n < N) {
        uint32_t r = lcg(&seed) % 100;
        inj it;
        memset(&it, 0, sizeof it);
        int rc;
        if (r < 45) { /* frame, sometimes marked, sometimes multi-buffer */
            it.is_frame = 1;
            it.len = 60 + lcg(&seed) % 600;
            it.seed = (uint32_t)n;
            uint32_t mk = lcg(&seed) % 4;
            it.slot = (uint16_t)(lcg(&seed) % 32);
            if (mk == 1)
                it.tflags = NIC_CPL_F_TOE_DATA;
            else if (mk == 2) {
                it.reason = (uint8_t)(lcg(&seed) % NIC_TOE_UP_COUNT);
                it.tflags = (uint8_t)(NIC_CPL_F_TOE_EXC | it.reason << NIC_CPL_F_REASON_SHIFT);
            }
            make_frame(frame, it.len, it.seed);
            /* unmarked: bytes 12..13 may hold anything, the frame has no slot */
            rc = mk ? fake_nic_rx_queue_marked(e.f, 0, frame, it.len, &m, it.tflags, it.slot)
                    : fake_nic_rx_queue(e.f, 0, frame, it.len, &m);
            if (!it.tflags)
                it.slot = 0;
            rc = rc >= 0 ? 0 : -1;
        } else if (r < 70) {
            it.kind = DRV_TOE_EV_BUF;
            it.slot = (uint16_t)(lcg(&seed) % 32);
            it.w0 = lcg(&seed);
            it.w1 = lcg(&seed);
            it.push = (int)(lcg(&seed) >> 31);
            rc = fake_nic_toe_event(e.f, 0, CPL_TOE_BUF, it.w0, it.w1, it.slot, (uint8_t)it.push);
        } else if (r < 85) {
            it.kind = DRV_TOE_EV_UPREQ;
            it.slot = (uint16_t)(lcg(&seed) % 32);
            it.w0 = lcg(&seed);
            it.w1 = lcg(&seed) % NIC_TOE_UP_COUNT;
            rc = fake_nic_toe_event(e.f, 0, CPL_TOE_UPREQ, it.w0, it.w1, it.slot, 0);
        } else { /* a command whose event lands now (if the ring has room) */
            int64_t t = ncmd_out == NIC_TOE_CMDQ_DEPTH ? -1 : drv_toe_query(e.d, 0, 0, lcg(&seed) % 4, cmd_cookie);
            if (t < 0) {
                service(&e);
                continue;
            }
            cmd_cycles += (uint64_t)t;
            ncmd_out++;
            it.kind = DRV_TOE_EV_CMD;
            it.w0 = cmd_cookie++;
            rc = fake_nic_toe_run(e.f, 1) == 1 ? 0 : -1;
            if (rc == 0)
                ncmd_out--;
        }
        if (rc != 0) { /* ring full (or no descriptor): the host catches up, then again */
            if (it.kind == DRV_TOE_EV_CMD) {
                service(&e);
                ck_assert_int_eq(fake_nic_toe_run(e.f, 1), 1);
                ncmd_out--;
            } else {
                service(&e);
                continue;
            }
        }
        log[n++] = it;
        if (it.is_frame) {
            nframes++;
            ndesc += (it.len + 255) / 256;
            nmarked += it.tflags != 0;
        } else {
            nevents++;
        }
        if (lcg(&seed) % 9 == 0)
            service(&e);
    }
    service(&e);
    /* Replay the log against what the driver handed up, in order. */
    size_t fi = 0, ei = ev0;
    uint64_t ord = order0;
    for (size_t k = 0; k < n; k++, ord++) {
        const inj *it = &log[k];
        if (it->is_frame) {
            ck_assert_uint_lt(fi, e.nrx);
            const rec_frame *f = &e.rx[fi++];
            ck_assert_msg(f->order == ord, "entry %zu: frame out of place", k);
            ck_assert_uint_eq(f->len, it->len);
            make_frame(frame, it->len, it->seed);
            ck_assert_msg(memcmp(f->data, frame, it->len) == 0, "entry %zu: frame bytes differ", k);
            ck_assert_uint_eq(f->toe_flags, it->tflags & 3);
            ck_assert_uint_eq(f->toe_reason, it->reason);
            ck_assert_uint_eq(f->toe_slot, it->slot);
        } else {
            ck_assert_uint_lt(ei, e.nev);
            const rec_event *r = &e.ev[ei++];
            ck_assert_msg(r->order == ord, "entry %zu: event out of place", k);
            ck_assert_int_eq(r->ev.kind, it->kind);
            ck_assert_int_eq(r->ev.queue, 0);
            ck_assert_int_eq(r->ev.cpu, 0);
            if (it->kind == DRV_TOE_EV_CMD) {
                ck_assert_uint_eq(r->ev.cookie, it->w0);
                ck_assert_int_eq(r->ev.result, NIC_TOE_R_OK);
                ck_assert(r->has_state);
            } else {
                ck_assert_uint_eq(r->ev.slot, it->slot);
                if (it->kind == DRV_TOE_EV_BUF) {
                    ck_assert_uint_eq(r->ev.seq, it->w0);
                    ck_assert_uint_eq(r->ev.bytes, it->w1);
                    ck_assert_int_eq(r->ev.push, it->push);
                } else {
                    ck_assert_uint_eq(r->ev.rcv_nxt, it->w0);
                    ck_assert_int_eq(r->ev.reason, (int)it->w1);
                }
            }
        }
    }
    ck_assert_uint_eq(fi, e.nrx);
    ck_assert_uint_eq(ei, e.nev);
    drv_stats s;
    drv_get_stats(e.d, &s);
    ck_assert_uint_eq(s.bad_completion, 0);
    ck_assert_uint_eq(s.rx_frames, (uint64_t)nframes);
    ck_assert_uint_eq(s.toe_events, (uint64_t)nevents + 4);
    ck_assert_uint_eq(s.toe_frames_marked, (uint64_t)nmarked);
    ck_assert_uint_eq(s.ops[DRV_OP_RX_COMPLETION], (uint64_t)nframes);
    ck_assert_uint_eq(s.ops[DRV_OP_TOE_EVENT], (uint64_t)nevents + 4);
    ck_assert_uint_eq(s.rx_reposted, ndesc);
    ck_assert_uint_eq(fake_nic_rx_avail(e.f, 0), 16); /* every buffer posted again */
    ck_assert_int_eq(drv_toe_outstanding(e.d), 0);
    ck_assert_uint_gt(s.dpc_requeued, 0);
    for (int op = 0; op < DRV_OP_COUNT; op++)
        ck_assert_uint_eq(s.ops[op], e.cost_count[op]);
    ck_assert_uint_eq(e.spent - spent0 + cmd_cycles,
                      e.cost_total - cost0 + (uint64_t)nframes * RX_CYCLES + (uint64_t)nevents * EV_CYCLES);
    check_fake_ok(&e);
    free(log);
    env_free(&e);
}
END_TEST

/* Entries that make no sense: unknown types, a CMD event nobody waits for (or with another
 * cookie or op), BUF/UPREQ naming a slot the NIC does not have or an unknown reason, marked
 * frames with both marks, a slot beyond NIC_TOE_SLOTS or an unknown reason; events from a NIC
 * without an engine. Counted in bad_completion; a bad frame's descriptors still come back;
 * no event handed up; good entries around them unaffected. */
START_TEST(toe_bad_events)
{
    env e;
    drv_config c;
    toe_cfg(&c);
    c.rss_enable = 0;
    c.rx_buf_bytes = 256;
    env_open_toe(&e, &c, 2, 8);
    fake_rx_meta m = {0};
    uint8_t frame[300];
    int bad = 0, good_ev = 0;
    /* types beyond the known ones */
    const uint8_t types[] = {0, 6, 7, 0x7F, 0xFF};
    for (size_t i = 0; i < sizeof types; i++) {
        ck_assert_int_eq(fake_nic_toe_event(e.f, 0, types[i], 1, 2, 0, 0), 0);
        bad++;
    }
    ck_assert_int_eq(fake_nic_toe_event(e.f, 0, CPL_TOE_CMD, 5, NIC_TOE_OP_QUERY, 0, 0), 0); /* none outstanding */
    bad++;
    ck_assert_int_eq(fake_nic_toe_event(e.f, 0, CPL_TOE_BUF, 5, 6, 8, 0), 0); /* slot 8 of 8 */
    bad++;
    ck_assert_int_eq(fake_nic_toe_event(e.f, 0, CPL_TOE_UPREQ, 5, 7, 1, 0), 0); /* reason 7 */
    bad++;
    ck_assert_int_eq(fake_nic_toe_event(e.f, 0, CPL_TOE_UPREQ, 5, NIC_TOE_UP_FIN, 7, 0), 0); /* good */
    good_ev++;
    make_frame(frame, 100, 1);
    ck_assert_int_eq(fake_nic_rx_queue_marked(e.f, 0, frame, 100, &m, 3, 1), 0); /* DATA and EXC */
    bad++;
    ck_assert_int_eq(fake_nic_rx_queue_marked(e.f, 0, frame, 100, &m, NIC_CPL_F_TOE_DATA, 8), 0); /* slot 8 */
    bad++;
    ck_assert_int_eq(fake_nic_rx_queue_marked(e.f, 0, frame, 300, &m, NIC_CPL_F_TOE_EXC | 7 << 2, 2), 0);
    bad++;
    ck_assert_int_eq(fake_nic_rx_queue_marked(e.f, 0, frame, 100, &m, NIC_CPL_F_TOE_EXC | 4 << 2, 2), 0); /* good */
    service(&e);
    drv_stats s;
    drv_get_stats(e.d, &s);
    ck_assert_uint_eq(s.bad_completion, (uint64_t)bad);
    ck_assert_uint_eq(e.nev, (size_t)good_ev);
    ck_assert_int_eq(e.ev[0].ev.kind, DRV_TOE_EV_UPREQ);
    ck_assert_int_eq(e.ev[0].ev.reason, NIC_TOE_UP_FIN);
    ck_assert_uint_eq(e.ev[0].ev.slot, 7);
    ck_assert_uint_eq(e.nrx, 1);
    ck_assert_uint_eq(e.rx[0].toe_flags, NIC_CPL_F_TOE_EXC);
    ck_assert_uint_eq(e.rx[0].toe_reason, NIC_TOE_UP_SYN);
    ck_assert_uint_eq(e.rx[0].toe_slot, 2);
    ck_assert_uint_eq(s.toe_frames_marked, 1);
    ck_assert_uint_eq(s.toe_events, (uint64_t)good_ev);
    ck_assert_uint_eq(fake_nic_rx_avail(e.f, 0), 16); /* the bad frames' buffers came back */
    ck_assert_uint_eq(s.rx_reposted, 5);

    /* A CMD event must match an outstanding command of its ring: cookie, op. */
    nic_toe_state x;
    uint32_t seed = 8;
    rand_state(&x, &seed, 1);
    ck_assert_int_ge(drv_toe_offload(e.d, 0, 0, &x, 55), 0);
    ck_assert_int_eq(fake_nic_toe_event(e.f, 0, CPL_TOE_CMD, 56, NIC_TOE_OP_OFFLOAD, 0, 0), 0);
    ck_assert_int_eq(fake_nic_toe_event(e.f, 0, CPL_TOE_CMD, 55, NIC_TOE_OP_QUERY, 0, 0), 0);
    bad += 2;
    service(&e);
    ck_assert_int_eq(drv_toe_outstanding(e.d), 1);
    fake_nic_toe_run(e.f, -1);
    service(&e);
    ck_assert_int_eq(drv_toe_outstanding(e.d), 0);
    ck_assert_uint_eq(last_event(&e)->ev.cookie, 55);
    drv_get_stats(e.d, &s);
    ck_assert_uint_eq(s.bad_completion, (uint64_t)bad);
    check_fake_ok(&e);
    env_free(&e);

    /* No engine: every TOE entry and every marked frame is nonsense. */
    toe_cfg(&c);
    c.rss_enable = 0;
    env_open_toe(&e, &c, 2, 0);
    ck_assert_int_eq(fake_nic_toe_event(e.f, 0, CPL_TOE_BUF, 1, 2, 0, 0), 0);
    ck_assert_int_eq(fake_nic_toe_event(e.f, 0, CPL_TOE_UPREQ, 1, 1, 0, 0), 0);
    ck_assert_int_eq(fake_nic_toe_event(e.f, 0, CPL_TOE_CMD, 1, 1, 0, 0), 0);
    ck_assert_int_eq(fake_nic_rx_queue_marked(e.f, 0, frame, 100, &m, NIC_CPL_F_TOE_DATA, 0), 0);
    make_frame(frame, 100, 9);
    ck_assert_int_eq(fake_nic_rx_queue(e.f, 0, frame, 100, &m), 0);
    service(&e);
    drv_get_stats(e.d, &s);
    ck_assert_uint_eq(s.bad_completion, 4);
    ck_assert_uint_eq(e.nev, 0);
    ck_assert_uint_eq(e.nrx, 1);
    ck_assert_mem_eq(e.rx[0].data, frame, 100);
    ck_assert_uint_eq(e.rx[0].toe_flags, 0);
    check_fake_ok(&e);
    env_free(&e);
}
END_TEST

/* Random entries with TOE types on an engine's ring: no crash, each one either an event or a
 * bad completion, nothing leaks. */
START_TEST(toe_events_fuzz)
{
    env e;
    drv_config c;
    toe_cfg(&c);
    c.rss_enable = 0;
    c.dpc_budget = 7;
    env_open_toe(&e, &c, 2, 16);
    uint32_t seed = 4242;
    int injected = 0;
    for (int i = 0; i < 3000; i++) {
        uint8_t type = (uint8_t)(3 + lcg(&seed) % 4); /* 3..6 */
        if (fake_nic_toe_event(e.f, 0, type, lcg(&seed), lcg(&seed), (uint16_t)(lcg(&seed) % 24),
                               (uint8_t)lcg(&seed)) == 0)
            injected++;
        if (i % 13 == 0)
            service(&e);
    }
    service(&e);
    drv_stats s;
    drv_get_stats(e.d, &s);
    ck_assert_uint_eq(s.bad_completion + s.toe_events, (uint64_t)injected);
    ck_assert_uint_eq(s.toe_events, e.nev);
    ck_assert_uint_gt(s.toe_events, 0);
    ck_assert_uint_gt(s.bad_completion, 0);
    ck_assert_uint_eq(s.rx_frames, 0);
    ck_assert_uint_eq(s.rx_reposted, 0);
    ck_assert_uint_eq(s.ops[DRV_OP_TOE_EVENT], (uint64_t)injected - (s.ops[DRV_OP_RX_COMPLETION]));
    for (size_t k = 0; k < e.nev; k++) {
        ck_assert(e.ev[k].ev.kind == DRV_TOE_EV_BUF || e.ev[k].ev.kind == DRV_TOE_EV_UPREQ);
        ck_assert_uint_lt(e.ev[k].ev.slot, 16);
    }
    ck_assert_uint_eq(fake_nic_rx_avail(e.f, 0), 16);
    check_fake_ok(&e);
    env_free(&e);
}
END_TEST


/* ---- receive buffers kept by the layer above (NetDMA) ---- */

/* Bus address of RX descriptor slot s's buffer on queue q. */
static uint64_t rx_desc_addr(const env *e, int q, uint32_t s)
{
    uint64_t desc = ((uint64_t)fake_nic_reg(e->f, R_RXQ(q, 0x04)) << 32) | fake_nic_reg(e->f, R_RXQ(q, 0x00));
    const uint8_t *p = e->mem + (desc - DMA_BASE) + 16u * s;
    uint64_t a = 0;
    for (int i = 7; i >= 0; i--)
        a = a << 8 | p[i];
    return a;
}

static void keep_cfg(drv_config *c, uint32_t spares)
{
    small_cfg(c);
    c->rss_enable = 0;
    c->rx_ring_entries = 16;
    c->dpc_budget = 64;
    c->rx_spare_buffers = spares;
}

static void rx_one(env *e, uint32_t seed)
{
    uint8_t frame[200];
    fake_rx_meta m = {0};
    make_frame(frame, sizeof frame, seed);
    ck_assert_int_eq(fake_nic_rx(e->f, frame, sizeof frame, &m), 0);
}

/* A kept frame's slot is re-posted with a spare buffer; the returned buffer joins the pool. */
START_TEST(rx_keep_uses_spare)
{
    env e;
    drv_config c;
    keep_cfg(&c, 4);
    env_open(&e, &c, 2);
    uint64_t orig = rx_desc_addr(&e, 0, 0);
    e.keep_mode = 1;
    rx_one(&e, 1);
    service(&e);
    ck_assert_uint_eq(e.nrx, 1);
    rec_frame *r = &e.rx[0];
    ck_assert(r->can_keep);
    ck_assert_uint_eq(r->dma, DMA_BASE + (uint64_t)(r->ptr - e.mem)); /* bus address of data[0] */
    ck_assert_uint_eq(r->dma, orig);
    ck_assert_uint_eq(drv_rx_kept(e.d), 1);
    uint64_t spare = rx_desc_addr(&e, 0, 0);
    ck_assert_uint_ne(spare, orig); /* slot 0 re-posted with a spare */
    for (uint32_t s = 0; s < 16; s++)
        ck_assert_uint_ne(rx_desc_addr(&e, 0, s) == orig, 1);
    ck_assert_uint_eq(fake_nic_rx_avail(e.f, 0), 16);
    ck_assert_uint_eq(fake_nic_reg(e.f, R_RXQ(0, 0x0C)), 17);
    /* the kept buffer is not overwritten while the ring goes round */
    e.keep_mode = 0;
    for (uint32_t k = 0; k < 40; k++) {
        rx_one(&e, 100 + k);
        service(&e);
    }
    ck_assert_int_eq(memcmp(e.rx[0].ptr, e.rx[0].data, e.rx[0].len), 0);
    /* return: to the pool, no doorbell (the ring is full) */
    size_t tails = fake_nic_writes_to(e.f, R_RXQ(0, 0x0C));
    uint64_t before = e.cost_count[DRV_OP_RX_REPOST];
    int64_t rc = drv_rx_return(e.d, 0, r->token);
    ck_assert_int_eq(rc, 0); /* a list insert: no descriptor written */
    ck_assert_uint_eq(e.cost_count[DRV_OP_RX_REPOST], before);
    ck_assert_uint_eq(fake_nic_writes_to(e.f, R_RXQ(0, 0x0C)), tails);
    ck_assert_uint_eq(drv_rx_kept(e.d), 0);
    ck_assert_int_eq(drv_rx_return(e.d, 0, r->token), DRV_EINVAL); /* not kept any more */
    /* keep 5 with 4 spares: the 5th leaves its slot empty */
    e.keep_mode = 1;
    size_t first = e.nrx;
    for (uint32_t k = 0; k < 5; k++)
        rx_one(&e, 200 + k);
    service(&e);
    ck_assert_uint_eq(drv_rx_kept(e.d), 5);
    ck_assert_uint_eq(fake_nic_rx_avail(e.f, 0), 15);
    uint32_t tail = fake_nic_reg(e.f, R_RXQ(0, 0x0C));
    rc = drv_rx_return(e.d, 0, e.rx[first + 2].token);
    ck_assert_int_eq(rc, (int64_t)(price[DRV_OP_RX_REPOST] + price[DRV_OP_DOORBELL]));
    ck_assert_uint_eq(fake_nic_rx_avail(e.f, 0), 16);
    ck_assert_uint_eq(fake_nic_reg(e.f, R_RXQ(0, 0x0C)), (tail + 1) & 0xFFFF);
    ck_assert_uint_eq(rx_desc_addr(&e, 0, (tail - 16) & 15), e.rx[first + 2].dma); /* the returned buffer */
    for (int k = 0; k < 5; k++)
        if (k != 2)
            ck_assert_int_ge(drv_rx_return(e.d, 0, e.rx[first + (size_t)k].token), 0);
    ck_assert_uint_eq(drv_rx_kept(e.d), 0);
    check_fake_ok(&e);
    env_free(&e);
}
END_TEST

START_TEST(rx_return_bad_token)
{
    env e;
    drv_config c;
    keep_cfg(&c, 2);
    env_open(&e, &c, 2);
    ck_assert_int_eq(drv_rx_return(e.d, 0, 0), DRV_EINVAL);       /* buffer 0 is posted */
    ck_assert_int_eq(drv_rx_return(e.d, 0, 17), DRV_EINVAL);      /* a spare in the pool */
    ck_assert_int_eq(drv_rx_return(e.d, 0, 18), DRV_EINVAL);      /* no such buffer */
    ck_assert_int_eq(drv_rx_return(e.d, 0, 1u << 20), DRV_EINVAL); /* queue 1 not in use */
    ck_assert_int_eq(drv_rx_return(e.d, 0, UINT32_MAX), DRV_EINVAL);
    e.keep_mode = 1;
    rx_one(&e, 1);
    service(&e);
    ck_assert_int_eq(drv_rx_return(e.d, 3, e.rx[0].token), DRV_EINVAL); /* cpu out of range */
    ck_assert_int_eq(drv_rx_return(e.d, -1, e.rx[0].token), DRV_EINVAL);
    ck_assert_uint_eq(drv_rx_kept(e.d), 1);
    ck_assert_int_ge(drv_rx_return(e.d, 2, e.rx[0].token), 0);
    ck_assert_int_eq(drv_rx_return(e.d, 2, e.rx[0].token), DRV_EINVAL); /* twice */
    ck_assert_uint_eq(drv_rx_kept(e.d), 0);
    drv_config bad;
    keep_cfg(&bad, 32769);
    ck_assert_uint_eq(drv_mem_required(&bad), 0);
    env_free(&e);
}
END_TEST

/* No spares: kept slots stay empty (the NIC sees fewer descriptors), the slots after them wait
 * in order, and each return re-fills from tail. */
START_TEST(rx_keep_pool_empty_shrinks_ring)
{
    env e;
    drv_config c;
    keep_cfg(&c, 0);
    env_open(&e, &c, 2);
    uint64_t b0 = rx_desc_addr(&e, 0, 0);
    e.keep_mode = 1;
    rx_one(&e, 1); /* slot 0: kept */
    service(&e);
    e.keep_mode = 0;
    for (uint32_t k = 0; k < 5; k++) /* slots 1..5: not kept, but behind the hole */
        rx_one(&e, 10 + k);
    service(&e);
    ck_assert_uint_eq(fake_nic_rx_avail(e.f, 0), 10);
    ck_assert_uint_eq(fake_nic_reg(e.f, R_RXQ(0, 0x0C)), 16);
    /* frames still arrive in the remaining descriptors; the NIC drops when they run out */
    for (uint32_t k = 0; k < 10; k++)
        rx_one(&e, 20 + k);
    uint8_t frame[64] = {0};
    fake_rx_meta m = {0};
    ck_assert_int_eq(fake_nic_rx(e.f, frame, 64, &m), FAKE_DROP_NO_DESC);
    service(&e);
    ck_assert_uint_eq(e.nrx, 16);
    ck_assert_uint_eq(fake_nic_rx_avail(e.f, 0), 0);
    ck_assert_int_eq(memcmp(e.rx[0].ptr, e.rx[0].data, e.rx[0].len), 0); /* kept buffer intact */
    /* the return fills slot 0 and the 15 waiting behind it, one doorbell */
    size_t tails = fake_nic_writes_to(e.f, R_RXQ(0, 0x0C));
    int64_t rc = drv_rx_return(e.d, 0, e.rx[0].token);
    ck_assert_int_eq(rc, (int64_t)(16 * price[DRV_OP_RX_REPOST] + price[DRV_OP_DOORBELL]));
    ck_assert_uint_eq(fake_nic_writes_to(e.f, R_RXQ(0, 0x0C)), tails + 1);
    ck_assert_uint_eq(fake_nic_rx_avail(e.f, 0), 16);
    ck_assert_uint_eq(rx_desc_addr(&e, 0, 0), b0);
    /* keep three, return them out of order: each goes to the slot at tail */
    e.keep_mode = 1;
    size_t first = e.nrx;
    for (uint32_t k = 0; k < 3; k++)
        rx_one(&e, 40 + k);
    service(&e);
    ck_assert_uint_eq(fake_nic_rx_avail(e.f, 0), 13);
    static const int order[] = {1, 2, 0};
    for (int i = 0; i < 3; i++) {
        uint32_t tail = fake_nic_reg(e.f, R_RXQ(0, 0x0C));
        ck_assert_int_ge(drv_rx_return(e.d, 0, e.rx[first + (size_t)order[i]].token), 0);
        ck_assert_uint_eq(fake_nic_rx_avail(e.f, 0), 14u + (unsigned)i);
        ck_assert_uint_eq(rx_desc_addr(&e, 0, tail & 15), e.rx[first + (size_t)order[i]].dma);
    }
    check_fake_ok(&e);
    env_free(&e);
}
END_TEST

/* A buffer kept and returned within the same callback stays in its slot and is re-posted by
 * the DPC; multi-buffer frames cannot be kept. */
START_TEST(rx_keep_return_in_dpc_and_multi_buffer)
{
    env e;
    drv_config c;
    keep_cfg(&c, 0);
    c.rx_buf_bytes = 256;
    env_open(&e, &c, 2);
    e.keep_mode = 1;
    e.return_in_cb = 1;
    for (uint32_t k = 0; k < 40; k++) {
        rx_one(&e, k); /* 200 bytes: one buffer */
        if (k % 8 == 7)
            service(&e);
    }
    ck_assert_uint_eq(e.nrx, 40);
    ck_assert_int_ge(e.cb_return_rc, 0);
    ck_assert_uint_eq(drv_rx_kept(e.d), 0);
    ck_assert_uint_eq(fake_nic_rx_avail(e.f, 0), 16);
    uint8_t big[600];
    make_frame(big, sizeof big, 77);
    fake_rx_meta m = {0};
    ck_assert_int_eq(fake_nic_rx(e.f, big, sizeof big, &m), 0);
    service(&e);
    rec_frame *r = &e.rx[e.nrx - 1];
    ck_assert_uint_eq(r->len, 600);
    ck_assert(!r->can_keep);
    ck_assert_uint_eq(r->dma, 0);
    ck_assert_uint_eq(r->token, 0);
    ck_assert_int_eq(memcmp(r->data, big, 600), 0);
    ck_assert_uint_eq(drv_rx_kept(e.d), 0);
    ck_assert_uint_eq(fake_nic_rx_avail(e.f, 0), 16);
    check_fake_ok(&e);
    env_free(&e);
}
END_TEST

/* Many keep/return cycles on several queues: every frame byte-exact, every kept buffer intact
 * until returned, everything posted again at the end. */
START_TEST(rx_keep_return_cycles)
{
    env e;
    drv_config c;
    small_cfg(&c);
    c.rx_queues = 3;
    c.rx_ring_entries = 16;
    c.rx_spare_buffers = 3;
    env_open(&e, &c, 4);
    e.keep_mode = 2;
    e.keep_seed = 12345;
    size_t *held = malloc(4096 * sizeof *held);
    size_t nheld = 0;
    uint32_t seed = 7, sent = 0;
    uint8_t *sent_data = malloc((size_t)6000 * 64);
    uint32_t *sent_len = malloc(6000 * sizeof *sent_len);
    for (int round = 0; round < 800; round++) {
        int burst = 1 + (int)(lcg(&seed) >> 29);
        for (int k = 0; k < burst; k++) {
            uint32_t len = 60 + (lcg(&seed) >> 26);
            uint8_t frame[128];
            make_frame(frame, len, sent);
            fake_rx_meta m = {.hash = lcg(&seed), .hash_type = 1};
            int q = fake_nic_rx(e.f, frame, len, &m);
            if (q < 0)
                continue; /* ring short of descriptors: dropped at the NIC */
            memcpy(sent_data + (size_t)sent * 64, frame, 64);
            sent_len[sent++] = len;
            ck_assert_uint_lt(sent, 6000);
        }
        size_t before = e.nrx;
        service(&e);
        for (size_t i = before; i < e.nrx; i++)
            if (e.rx[i].kept)
                held[nheld++] = i;
        /* return a random part of what is held, in random order */
        while (nheld && (lcg(&seed) >> 30) != 0) {
            size_t j = lcg(&seed) % nheld;
            rec_frame *r = &e.rx[held[j]];
            ck_assert_msg(memcmp(r->ptr, r->data, r->len) == 0, "kept buffer of frame %zu overwritten", held[j]);
            ck_assert_int_ge(drv_rx_return(e.d, r->cpu, r->token), 0);
            held[j] = held[--nheld];
        }
        ck_assert_uint_eq(drv_rx_kept(e.d), nheld);
    }
    ck_assert_uint_eq(e.nrx, sent);
    for (size_t i = 0; i < nheld; i++)
        ck_assert_int_ge(drv_rx_return(e.d, e.rx[held[i]].cpu, e.rx[held[i]].token), 0);
    ck_assert_uint_eq(drv_rx_kept(e.d), 0);
    for (int q = 0; q < 3; q++)
        ck_assert_uint_eq(fake_nic_rx_avail(e.f, q), 16);
    /* every delivered frame is one that was sent, byte-exact (DPC order differs from arrival
       order across queues: found by length and content, make_frame seeds being distinct) */
    size_t kept_total = 0;
    for (size_t i = 0; i < e.nrx; i++) {
        int found = 0;
        for (uint32_t k = 0; k < sent && !found; k++)
            found = sent_len[k] == e.rx[i].len && memcmp(sent_data + (size_t)k * 64, e.rx[i].data, 60) == 0;
        ck_assert_msg(found, "frame %zu not among those sent", i);
        kept_total += (size_t)e.rx[i].kept;
    }
    ck_assert_uint_gt(kept_total, 500);
    check_fake_ok(&e);
    free(held);
    free(sent_data);
    free(sent_len);
    env_free(&e);
}
END_TEST

static Suite *driver_suite(void)
{
    Suite *s = suite_create("driver");
    TCase *t = tcase_create("core");
    tcase_set_timeout(t, 60);
    tcase_add_test(t, mem_allocator);
    tcase_add_test(t, mem_required_matches_open);
    tcase_add_test(t, op_names);
    tcase_add_test(t, open_programs_registers);
    tcase_add_loop_test(t, open_rejects_bad_config, 0,
                        (int)(sizeof bad_cases / sizeof bad_cases[0]));
    tcase_add_test(t, open_recovers_after_failure);
    tcase_add_test(t, defaults_open);
    tcase_add_test(t, rx_frames_exact_across_wraps);
    tcase_add_test(t, rx_reposts_keep_ring_full);
    tcase_add_test(t, rx_overrun_then_recovers);
    tcase_add_test(t, dpc_budget_requeues);
    tcase_add_test(t, rx_multi_buffer_linearized);
    tcase_add_test(t, rss_off_single_queue);
    tcase_add_test(t, rx_hash_type_disabled);
    tcase_add_test(t, moderation_frames_and_time);
    tcase_add_test(t, tx_frames_byte_exact);
    tcase_add_test(t, tx_ring_full_and_reclaim);
    tcase_add_test(t, tx_dpc_budget);
    tcase_add_test(t, tx_multi_descriptor);
    tcase_add_test(t, cost_accounting);
    tcase_add_test(t, bad_completions_counted);
    tcase_add_test(t, bad_completions_fuzz);
    tcase_add_test(t, spurious_vectors);
    tcase_add_test(t, two_drivers_independent);
    suite_add_tcase(s, t);
    TCase *toe = tcase_create("toe");
    tcase_set_timeout(toe, 60);
    tcase_add_test(toe, toe_open_programs);
    tcase_add_test(toe, toe_offload_event);
    tcase_add_test(toe, toe_resources);
    tcase_add_test(toe, toe_upload_round_trip);
    tcase_add_test(toe, toe_post_update);
    tcase_add_test(toe, toe_busy);
    tcase_add_test(toe, toe_events_interleaved);
    tcase_add_test(toe, toe_bad_events);
    tcase_add_test(toe, toe_events_fuzz);
    suite_add_tcase(s, toe);
    TCase *keep = tcase_create("rx_keep");
    tcase_set_timeout(keep, 60);
    tcase_add_test(keep, rx_keep_uses_spare);
    tcase_add_test(keep, rx_return_bad_token);
    tcase_add_test(keep, rx_keep_pool_empty_shrinks_ring);
    tcase_add_test(keep, rx_keep_return_in_dpc_and_multi_buffer);
    tcase_add_test(keep, rx_keep_return_cycles);
    suite_add_tcase(s, keep);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(driver_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
