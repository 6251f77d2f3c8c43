/* NetDMA in the host stack (hoststack/hs_netdma.c) against a fake copy engine.
 *
 * The fake provider (hs_netdma_if) records every copy request and can refuse one (ring full).
 * The test plays the engine: fd_exec performs queued copies between bus addresses (application
 * buffers come from a region with a fake bus base; frames sit in slots of another region with
 * their own fake bus base, like the driver's receive buffers), and completions are reported
 * through hs_netdma_done from the fake's poll (or as interrupts, or in an order the test picks).
 * The fake also checks ownership: a copy reading a receive buffer the stack gave back, a touch
 * (completion, application read, CPU write) over bytes a copy still owns, an rx_return of a
 * buffer that is not kept: each is logged as a violation. The reference is always the byte
 * stream the sender sent. */
#include <stdio.h>

#include "hs_test_util.h"

#define FD_MEM (1u << 22)
#define FD_BUS 0x100000000ull       /* bus address of the application-buffer region */
#define FD_FRAME_BUS 0x800000000ull /* bus address of frame slot 0 */
#define FD_SLOTS 64
#define FD_REQ 4096
#define FD_LOG 4096

enum { RQ_QUEUED = 0, RQ_EXECUTED, RQ_REPORTED };
enum { LG_COPY = 1, LG_EXEC, LG_DONE, LG_TOUCH, LG_RETURN, LG_VIOLATION };

typedef struct fd_req {
    uint64_t cookie, dst, src;
    uint32_t len;
    int irq, cpu, state, fail;
} fd_req;

typedef struct fd_log {
    int kind, sub;
    uint64_t a, cookie;
    uint32_t len;
} fd_log;

typedef struct fd {
    hs_stack *s;
    uint8_t *mem;
    size_t mem_used;
    uint8_t (*frames)[TB_FRAME_CAP];
    int kept[FD_SLOTS];
    int next_slot;
    fd_req req[FD_REQ];
    int nreq;
    int refuse_next;     /* refuse the next N copies (ring full) */
    int fail_next;       /* the next N executed copies fail */
    int alloc_fail;      /* buf_alloc returns NULL */
    long allocs, frees, flushes, polls, returns;
    uint32_t last_return;
    int violations;
    fd_log log[FD_LOG];
    int nlog;
    uint64_t now;
} fd;

static void fd_logit(fd *f, int kind, int sub, uint64_t a, uint32_t len, uint64_t cookie)
{
    if (kind == LG_VIOLATION)
        f->violations++;
    if (f->nlog < FD_LOG)
        f->log[f->nlog++] = (fd_log){kind, sub, a, cookie, len};
}

static uint8_t *fd_ptr(fd *f, uint64_t bus, uint32_t len, int *slot)
{
    *slot = -1;
    if (bus >= FD_BUS && bus + len <= FD_BUS + FD_MEM)
        return f->mem + (bus - FD_BUS);
    if (bus >= FD_FRAME_BUS && bus + len <= FD_FRAME_BUS + (uint64_t)FD_SLOTS * TB_FRAME_CAP) {
        uint64_t o = bus - FD_FRAME_BUS;
        *slot = (int)(o / TB_FRAME_CAP);
        return f->frames[*slot] + o % TB_FRAME_CAP;
    }
    ck_abort_msg("bus address 0x%llx outside every region", (unsigned long long)bus);
    return NULL;
}

static int overlap(uint64_t a, uint32_t al, uint64_t b, uint32_t bl) { return a < b + bl && b < a + al; }

/* ---- the provider ---- */
static int64_t fd_copy(void *u, int cpu, uint64_t dst, uint64_t src, uint32_t len, uint64_t cookie, int irq)
{
    fd *f = u;
    if (f->refuse_next > 0) {
        f->refuse_next--;
        return -1;
    }
    ck_assert_int_lt(f->nreq, FD_REQ);
    int slot;
    fd_ptr(f, dst, len, &slot);
    ck_assert_int_eq(slot, -1); /* destinations are application buffers */
    fd_ptr(f, src, len, &slot);
    ck_assert_int_ge(slot, 0);  /* sources are frames */
    if (f->nreq)
        ck_assert_uint_gt(cookie, f->req[f->nreq - 1].cookie);
    f->req[f->nreq++] = (fd_req){cookie, dst, src, len, irq, cpu, RQ_QUEUED, 0};
    fd_logit(f, LG_COPY, 0, dst, len, cookie);
    return 40; /* descriptor write */
}

static uint64_t fd_flush(void *u, int cpu)
{
    fd *f = u;
    f->flushes++;
    return 7;
}

/* Reports every executed copy of cpu not yet reported, in submission order. */
static void fd_report(fd *f, int by_irq)
{
    for (int i = 0; i < f->nreq; i++)
        if (f->req[i].state == RQ_EXECUTED) {
            f->req[i].state = RQ_REPORTED;
            fd_logit(f, LG_DONE, 0, f->req[i].dst, f->req[i].len, f->req[i].cookie);
            hs_netdma_done(f->s, f->req[i].cpu, f->req[i].cookie, f->req[i].fail ? -1 : 0, by_irq, f->now);
        }
}

static uint64_t fd_poll(void *u, int cpu)
{
    fd *f = u;
    f->polls++;
    fd_report(f, 0);
    return 30;
}

static uint64_t fd_rx_return(void *u, int cpu, uint32_t token)
{
    fd *f = u;
    ck_assert_uint_lt(token, FD_SLOTS);
    if (!f->kept[token])
        fd_logit(f, LG_VIOLATION, LG_RETURN, token, 0, 0);
    /* every copy reading it must have been reported */
    for (int i = 0; i < f->nreq; i++) {
        int slot;
        fd_ptr(f, f->req[i].src, f->req[i].len, &slot);
        if (slot == (int)token && f->req[i].state != RQ_REPORTED && f->kept[token])
            fd_logit(f, LG_VIOLATION, LG_RETURN, token, 0, f->req[i].cookie);
    }
    f->kept[token] = 0;
    f->returns++;
    f->last_return = token;
    fd_logit(f, LG_RETURN, 0, token, 0, 0);
    memset(f->frames[token], 0xAA, TB_FRAME_CAP); /* the NIC writes the next frame there */
    return 11;
}

static void *fd_alloc(void *u, uint32_t bytes, uint64_t *dma)
{
    fd *f = u;
    if (f->alloc_fail)
        return NULL;
    size_t at = (f->mem_used + 63) & ~(size_t)63;
    ck_assert_uint_le(at + bytes, FD_MEM);
    f->mem_used = at + bytes;
    memset(f->mem + at, 0xEE, bytes); /* garbage a missing copy would show */
    *dma = FD_BUS + at;
    f->allocs++;
    return f->mem + at;
}

static void fd_free(void *u, void *p, uint32_t bytes)
{
    fd *f = u;
    ck_assert((uint8_t *)p >= f->mem && (uint8_t *)p + bytes <= f->mem + FD_MEM);
    f->frees++;
}

/* The ownership checker: nobody touches bytes a copy owns (submitted, not reported). */
static void fd_touch(void *u, int cpu, int kind, uint64_t dma, uint32_t len)
{
    fd *f = u;
    fd_logit(f, LG_TOUCH, kind, dma, len, 0);
    for (int i = 0; i < f->nreq; i++)
        if (f->req[i].state != RQ_REPORTED && overlap(dma, len, f->req[i].dst, f->req[i].len))
            fd_logit(f, LG_VIOLATION, kind, dma, len, f->req[i].cookie);
}

/* The engine performs the first n queued copies (n < 0: all). */
static void fd_exec(fd *f, int n)
{
    for (int i = 0; i < f->nreq && n != 0; i++) {
        fd_req *r = &f->req[i];
        if (r->state != RQ_QUEUED)
            continue;
        int ss, ds;
        uint8_t *src = fd_ptr(f, r->src, r->len, &ss);
        uint8_t *dst = fd_ptr(f, r->dst, r->len, &ds);
        if (!f->kept[ss])
            fd_logit(f, LG_VIOLATION, LG_EXEC, r->src, r->len, r->cookie); /* buffer given back */
        if (f->fail_next > 0) {
            f->fail_next--;
            r->fail = 1;
            memset(dst, 0x55, r->len / 2); /* a partial, wrong copy */
        } else {
            memcpy(dst, src, r->len);
        }
        r->state = RQ_EXECUTED;
        fd_logit(f, LG_EXEC, 0, r->dst, r->len, r->cookie);
        n--;
    }
}

static fd_req *fd_find(fd *f, uint64_t cookie)
{
    for (int i = 0; i < f->nreq; i++)
        if (f->req[i].cookie == cookie)
            return &f->req[i];
    return NULL;
}

/* Executes and reports one copy (by cookie), in whatever order the test wants. */
static void fd_complete(fd *f, uint64_t cookie, int by_irq)
{
    fd_req *r = fd_find(f, cookie);
    ck_assert_ptr_nonnull(r);
    ck_assert_int_eq(r->state, RQ_QUEUED);
    int ss, ds;
    uint8_t *src = fd_ptr(f, r->src, r->len, &ss);
    memcpy(fd_ptr(f, r->dst, r->len, &ds), src, r->len);
    r->state = RQ_REPORTED;
    fd_logit(f, LG_DONE, 0, r->dst, r->len, r->cookie);
    hs_netdma_done(f->s, r->cpu, cookie, 0, by_irq, f->now);
}

static hs_netdma_if fd_if(fd *f)
{
    hs_netdma_if n = {1, fd_copy, fd_flush, fd_poll, fd_rx_return, fd_alloc, fd_free, fd_touch, f};
    return n;
}

/* ------------------------------------------------------------------------------------------
 * Harness: one flow sender -> host
 * ------------------------------------------------------------------------------------------ */
#define NS_STREAM (256 * 1024)

typedef struct nd {
    fd f;
    hs_stack *s;
    hs_config cfg;
    tb_flow fl;
    uint32_t isn;
    uint8_t *stream;
    tb_app app;
    int engine;
} nd;

static void nd_cfg(hs_config *cfg)
{
    hs_config_defaults(cfg);
    cfg->recv_buffer_bytes = 4096;
    cfg->posted_buffers = 4;
}

/* cfg NULL: nd_cfg; engine 0: no hs_set_netdma. */
static void nd_start(nd *r, const hs_config *cfg, int engine)
{
    memset(r, 0, sizeof *r);
    if (cfg)
        r->cfg = *cfg;
    else
        nd_cfg(&r->cfg);
    r->cfg.app_data = tb_app_fn;
    r->cfg.app_user = &r->app;
    r->engine = engine;
    tb_flow4(&r->fl, 10, 40000, 5001);
    r->isn = 1000000;
    r->stream = malloc(NS_STREAM);
    tb_fill(r->stream, NS_STREAM, 7);
    r->f.mem = calloc(1, FD_MEM);
    r->f.frames = calloc(FD_SLOTS, TB_FRAME_CAP);
    ck_assert(r->f.mem && r->f.frames);
    hs_cost c;
    char err[256];
    ck_assert(hs_cost_builtin(&c, NULL, err, sizeof err) == 0);
    ck_assert_msg(hs_create(&r->s, &r->cfg, &c, NULL, NULL, err, sizeof err) == 0, "%s", err);
    r->f.s = r->s;
    if (engine) {
        hs_netdma_if n = fd_if(&r->f);
        hs_set_netdma(r->s, &n);
    }
}

/* Receives a frame the way the driver hands it over: in a receive buffer (slot) with a bus
 * address and a token; a buffer the stack did not keep is re-used at once. Returns whether
 * the stack kept it. */
static int nd_frame(nd *r, const uint8_t *fr, int len, uint8_t toe_flags, uint16_t slot_toe)
{
    int slot = -1;
    for (int k = 0; k < FD_SLOTS; k++) {
        int i = (r->f.next_slot + k) % FD_SLOTS;
        if (!r->f.kept[i]) {
            slot = i;
            break;
        }
    }
    ck_assert_int_ge(slot, 0);
    r->f.next_slot = (slot + 1) % FD_SLOTS;
    memcpy(r->f.frames[slot], fr, (size_t)len);
    hs_rx_frame f;
    memset(&f, 0, sizeof f);
    f.data = r->f.frames[slot];
    f.len = (uint32_t)len;
    f.csum = HS_CSUM_OK;
    f.dma = FD_FRAME_BUS + (uint64_t)slot * TB_FRAME_CAP;
    f.rx_token = (uint32_t)slot;
    f.toe_flags = toe_flags;
    f.toe_slot = slot_toe;
    r->f.now += 10000;
    hs_rx(r->s, &f, r->f.now);
    int kept = hs_last_rx_retained(r->s);
    if (kept)
        r->f.kept[slot] = 1;
    else
        memset(r->f.frames[slot], 0xAA, TB_FRAME_CAP); /* re-posted: the NIC writes over it */
    return kept;
}

/* Stream bytes [off, off+n) in one segment. Returns whether the stack kept the frame. */
static int nd_seg(nd *r, uint32_t off, uint32_t n, uint8_t flags)
{
    uint8_t fr[TB_FRAME_CAP];
    int len = tb_tcp(&r->fl, r->isn + off, flags, r->stream + off, n, fr);
    return nd_frame(r, fr, len, 0, 0);
}

/* Payload offset of the frames nd_seg builds. */
static uint32_t nd_poff(void) { return 14 + 20 + 20; }

/* Drives the engine dry, finishes the stack, checks the delivered stream is stream[0..n). */
static hs_stats nd_end(nd *r, uint32_t n)
{
    for (int i = 0; i < 8 && hs_netdma_outstanding(r->s); i++) {
        fd_exec(&r->f, -1);
        fd_report(&r->f, 0);
    }
    ck_assert_uint_eq(hs_netdma_outstanding(r->s), 0);
    char err[256];
    ck_assert_msg(hs_finish(r->s, err, sizeof err) == 0, "%s", err);
    hs_stats st = tb_stats(r->s);
    ck_assert_uint_eq(st.netdma_unfinished, 0);
    ck_assert_msg(r->app.len == n, "%zu bytes delivered, want %u", r->app.len, n);
    ck_assert_msg(memcmp(r->app.data, r->stream, n) == 0, "stream differs");
    return st;
}

static void nd_free(nd *r)
{
    hs_close(r->s, NULL, 0);
    ck_assert_int_eq(r->f.allocs, r->f.frees);
    for (int i = 0; i < FD_SLOTS; i++)
        ck_assert_msg(!r->f.kept[i], "receive buffer %d never given back", i);
    free(r->stream);
    free(r->f.mem);
    free(r->f.frames);
    tb_app_free(&r->app);
}

/* ------------------------------------------------------------------------------------------
 * Cases
 * ------------------------------------------------------------------------------------------ */

/* MinPacketSizeToDma 256: 255 bytes by the CPU, 256 and 257 by the engine; cost kinds. */
START_TEST(threshold)
{
    nd r;
    hs_config cfg;
    nd_cfg(&cfg);
    cfg.app_cycles_per_byte = 0.5; /* an application that reads its data: it pays app_cold_byte */
    nd_start(&r, &cfg, 1);
    ck_assert_int_eq(nd_seg(&r, 0, 255, 0x10), 0);
    hs_stats st = tb_stats(r.s);
    ck_assert_uint_eq(st.netdma_copies, 0);
    ck_assert_uint_eq(st.netdma_small_bytes, 255);
    ck_assert_uint_eq(st.bytes_copied, 255);
    ck_assert_uint_gt(st.kind_cycles[HS_K_COPY], 0);
    ck_assert_uint_eq(st.kind_cycles[HS_K_NETDMA], 0);
    uint64_t copy_cyc = st.kind_cycles[HS_K_COPY], mem = st.mem_bytes;
    ck_assert_int_eq(r.f.allocs, 1); /* the application's buffers came from the engine's memory */

    ck_assert_int_eq(nd_seg(&r, 255, 256, 0x10), 1);
    ck_assert_int_eq(nd_seg(&r, 511, 257, 0x10), 1);
    st = tb_stats(r.s);
    ck_assert_uint_eq(st.netdma_copies, 2);
    ck_assert_uint_eq(st.netdma_bytes, 513);
    ck_assert_uint_eq(st.netdma_small_bytes, 255);
    ck_assert_uint_eq(st.bytes_copied, 255);               /* CPU copies only */
    ck_assert_uint_eq(st.kind_cycles[HS_K_COPY], copy_cyc); /* no copy charge for them */
    ck_assert_uint_eq(st.mem_bytes, mem);                   /* the engine's traffic is the model's */
    /* descriptors, doorbells, and one poll: the second frame found a copy outstanding */
    ck_assert_uint_eq(st.kind_cycles[HS_K_NETDMA], 2 * 40 + 2 * 7 + 30);
    ck_assert_int_eq(r.f.polls, 1);
    ck_assert_int_eq(r.f.flushes, 2);
    ck_assert_uint_eq(hs_netdma_outstanding(r.s), 2);
    /* the copies: source = the payload in the frame's buffer, destination = fill position */
    ck_assert_uint_eq(r.f.req[0].len, 256);
    ck_assert_uint_eq(r.f.req[0].dst, FD_BUS + 255);
    ck_assert_uint_eq((r.f.req[0].src - FD_FRAME_BUS) % TB_FRAME_CAP, nd_poff());
    ck_assert_uint_eq(r.f.req[1].dst, FD_BUS + 511);
    ck_assert_int_eq(r.f.req[0].irq, 0);
    /* a PSH ends the receive: its copy asks for an interrupt; completion by interrupt */
    nd_seg(&r, 768, 300, 0x18);
    ck_assert_int_eq(r.f.req[2].irq, 1);
    ck_assert_uint_eq(tb_stats(r.s).app_receives, 0);
    fd_exec(&r.f, -1);
    fd_report(&r.f, 1);
    st = tb_stats(r.s);
    ck_assert_uint_eq(st.netdma_done_irq, 3);
    ck_assert_uint_eq(st.app_receives, 1);
    ck_assert_uint_eq(st.netdma_cold_bytes, 813);
    ck_assert_uint_eq(r.app.len, 1068);
    ck_assert_int_eq(r.f.returns, 3);
    st = nd_end(&r, 1068);
    ck_assert_int_eq(r.f.violations, 0);
    nd_free(&r);

    /* 300 bytes with MinPacketSizeToDma 512: CPU */
    nd_cfg(&cfg);
    cfg.min_dma_bytes = 512;
    nd_start(&r, &cfg, 1);
    nd_seg(&r, 0, 300, 0x10);
    nd_seg(&r, 300, 512, 0x10);
    st = nd_end(&r, 812);
    ck_assert_uint_eq(st.netdma_small_bytes, 300);
    ck_assert_uint_eq(st.netdma_bytes, 512);
    ck_assert_uint_eq(st.netdma_done_poll, 1);
    nd_free(&r);
}
END_TEST

/* A payload straddling two buffers: two copies with the right addresses; the receive of the
 * first buffer completes only after the copy of its last byte; the frame is kept until both
 * copies completed and given back exactly then. */
START_TEST(straddle_and_return)
{
    nd r;
    nd_start(&r, NULL, 1);
    ck_assert_int_eq(nd_seg(&r, 0, 3000, 0x10), 1);
    ck_assert_int_eq(nd_seg(&r, 3000, 1460, 0x10), 1); /* 1096 to buffer 0, 364 to buffer 1 */
    ck_assert_int_eq(r.f.nreq, 3);
    fd_req a = r.f.req[1], b = r.f.req[2];
    ck_assert_uint_eq(a.len, 1096);
    ck_assert_uint_eq(a.dst, FD_BUS + 3000);
    ck_assert_int_eq(a.irq, 1); /* fills the buffer */
    ck_assert_uint_eq(b.len, 364);
    ck_assert_uint_eq(b.dst, FD_BUS + 4096);
    ck_assert_uint_eq(b.src, a.src + 1096);
    ck_assert_int_eq(b.irq, 0);
    ck_assert_uint_eq((a.src - FD_FRAME_BUS) / TB_FRAME_CAP, (b.src - FD_FRAME_BUS) / TB_FRAME_CAP);
    uint32_t tok = (uint32_t)((a.src - FD_FRAME_BUS) / TB_FRAME_CAP);

    /* the last byte of buffer 0 is in copy a: copy 0 alone does not complete it */
    fd_complete(&r.f, r.f.req[0].cookie, 0);
    ck_assert_uint_eq(tb_stats(r.s).app_receives, 0);
    ck_assert_int_eq(r.f.returns, 1);
    /* copy b first: the frame is still read by a, not returned; nothing completes */
    fd_complete(&r.f, b.cookie, 0);
    ck_assert_int_eq(r.f.returns, 1);
    ck_assert_uint_eq(tb_stats(r.s).app_receives, 0);
    ck_assert_int_eq(r.f.kept[tok], 1);
    fd_complete(&r.f, a.cookie, 1);
    ck_assert_int_eq(r.f.returns, 2);
    ck_assert_uint_eq(r.f.last_return, tok);
    hs_stats st = tb_stats(r.s);
    ck_assert_uint_eq(st.app_receives, 1);
    ck_assert_uint_eq(r.app.len, 4096);
    ck_assert_uint_eq(st.netdma_done_irq, 1);
    ck_assert_uint_eq(st.netdma_done_poll, 2);
    nd_seg(&r, 4460, 100, 0x18); /* small: CPU, PSH completes buffer 1 at once */
    ck_assert_uint_eq(r.app.len, 4560);
    st = nd_end(&r, 4560);
    ck_assert_int_eq(r.f.violations, 0);
    nd_free(&r);
}
END_TEST

/* Receives complete in order: a later buffer whose copies are done (or that the CPU filled)
 * waits for an earlier one that is still pending. */
START_TEST(in_order_completion)
{
    hs_config cfg;
    nd_cfg(&cfg);
    cfg.recv_buffer_bytes = 1000;
    cfg.posted_buffers = 4;
    nd r;
    nd_start(&r, &cfg, 1);
    nd_seg(&r, 0, 1000, 0x10);    /* buffer 0 */
    nd_seg(&r, 1000, 1000, 0x10); /* buffer 1 */
    nd_seg(&r, 2000, 200, 0x18);  /* buffer 2: small, CPU, pushed */
    ck_assert_int_eq(r.f.nreq, 2);
    fd_complete(&r.f, r.f.req[1].cookie, 0);
    ck_assert_uint_eq(r.app.len, 0);
    ck_assert_uint_eq(tb_stats(r.s).app_receives, 0);
    fd_complete(&r.f, r.f.req[0].cookie, 0);
    ck_assert_uint_eq(tb_stats(r.s).app_receives, 3);
    ck_assert_uint_eq(r.app.len, 2200);
    ck_assert_int_eq(memcmp(r.app.data, r.stream, 2200), 0);
    /* every buffer pending: data waits in the stack, the window closes, nothing is lost */
    for (uint32_t off = 2200; off < 2200 + 6000; off += 1000)
        nd_seg(&r, off, 1000, 0x10);
    hs_stats st = tb_stats(r.s);
    ck_assert_uint_eq(st.netdma_copies, 2 + 4); /* 4 free buffers filled straight; 2 segments wait */
    nd_end(&r, 8200);
    ck_assert_int_eq(r.f.violations, 0);
    nd_free(&r);
}
END_TEST

/* ---- a minimal offload target: commands completed when the test says so ---- */
typedef struct tk {
    hs_stack *s;
    int offloads, uploads, posts;
    uint32_t cookie;
    long allocs, frees;
} tk;

static int64_t tk_offload(void *u, int cpu, int queue, const nic_toe_state *st, uint32_t cookie)
{
    tk *t = u;
    t->offloads++;
    t->cookie = cookie;
    return 5;
}
static int64_t tk_upload(void *u, int cpu, int queue, uint32_t slot, uint32_t cookie)
{
    ((tk *)u)->uploads++;
    return 5;
}
static int64_t tk_post(void *u, int cpu, int queue, uint32_t slot, uint64_t dma, uint32_t len, uint32_t cookie)
{
    ((tk *)u)->posts++;
    return 5;
}
static void *tk_alloc(void *u, uint32_t bytes, uint64_t *dma)
{
    ((tk *)u)->allocs++;
    void *p = malloc(bytes);
    *dma = (uint64_t)(uintptr_t)p;
    return p;
}
static void tk_free(void *u, void *p, uint32_t bytes)
{
    ((tk *)u)->frees++;
    free(p);
}
static void tk_cmd(tk *t, int op, const nic_toe_state *st)
{
    hs_toe_ev e;
    memset(&e, 0, sizeof e);
    e.kind = HS_TOE_EV_CMD;
    e.op = op;
    e.result = NIC_TOE_R_OK;
    e.cookie = t->cookie;
    e.slot = 0;
    e.state = st;
    hs_toe_event(t->s, &e, 0);
}

/* Chimney wins: no offload while copies are outstanding (deferred until they complete); an
 * offloaded connection makes no copy; after the upload copies resume. */
START_TEST(chimney_wins)
{
    nd r;
    nd_start(&r, NULL, 1);
    tk t = {.s = r.s};
    hs_toe_if ti = {4, tk_offload, tk_upload, tk_post, tk_alloc, tk_free, &t};
    hs_set_toe(r.s, &ti);
    nd_seg(&r, 0, 1000, 0x10);
    ck_assert_int_eq(r.f.nreq, 1);
    ck_assert_int_eq(t.offloads, 0); /* deferred: a copy is outstanding */
    fd_exec(&r.f, -1);
    fd_report(&r.f, 0);
    ck_assert_int_eq(t.offloads, 1); /* started when the copy completed */
    tk_cmd(&t, NIC_TOE_OP_OFFLOAD, NULL);
    hs_conn_stats cs;
    ck_assert_uint_eq(hs_conn_stats_get(r.s, &cs, 1), 1);
    ck_assert_int_eq(cs.toe_state, HS_TOE_OFFLOADED);
    /* indicated data of the offloaded connection: never NetDMA */
    uint8_t fr[TB_FRAME_CAP];
    int len = tb_tcp(&r.fl, r.isn + 1000, 0x10, r.stream + 1000, 1000, fr);
    ck_assert_int_eq(nd_frame(&r, fr, len, NIC_CPL_F_TOE_DATA, 0), 0);
    hs_stats st = tb_stats(r.s);
    ck_assert_int_eq(r.f.nreq, 1);
    ck_assert_uint_eq(st.netdma_conn_chimney, 1);
    ck_assert_uint_eq(st.toe_bytes_indicated, 1000);
    /* netsh ... chimney DISABLED: upload; the connection is in the host again */
    hs_chimney_set(r.s, 0, 0, r.f.now);
    ck_assert_int_eq(t.uploads, 1);
    nic_toe_state ret;
    memset(&ret, 0, sizeof ret);
    ret.rcv_nxt = r.isn + 2000;
    ret.snd_una = r.fl.ack;
    tk_cmd(&t, NIC_TOE_OP_UPLOAD, &ret);
    ck_assert_uint_eq(hs_conn_stats_get(r.s, &cs, 1), 1);
    ck_assert_int_eq(cs.toe_state, HS_TOE_IN_HOST);
    nd_seg(&r, 2000, 1000, 0x10);
    ck_assert_int_eq(r.f.nreq, 2); /* copies resume */
    st = nd_end(&r, 3000);
    ck_assert_uint_eq(st.netdma_bytes, 2000);
    ck_assert_int_eq(r.f.violations, 0);
    nd_free(&r);
    ck_assert_int_eq(t.allocs, t.frees);
}
END_TEST

/* The [host] switches that rule Chimney out rule NetDMA out; EnableTCPA 0; no engine. */
START_TEST(blockers_and_off)
{
    const char *want[6] = {"Windows Firewall is on", "IPsec is on", "IP NAT is on",
                           "a third-party firewall is on", "an NDIS 5.1 intermediate driver is installed",
                           "bridging"};
    for (int k = 0; k < 6; k++) {
        hs_config cfg;
        nd_cfg(&cfg);
        int *sw[6] = {&cfg.windows_firewall, &cfg.ipsec, &cfg.ip_nat, &cfg.third_party_firewall,
                      &cfg.ndis51_im_driver, &cfg.bridging};
        *sw[k] = 1;
        ck_assert_ptr_nonnull(hs_netdma_blocker(&cfg));
        nd r;
        nd_start(&r, &cfg, 1);
        nd_seg(&r, 0, 1460, 0x10);
        nd_seg(&r, 1460, 1460, 0x18);
        hs_stats st = nd_end(&r, 2920);
        ck_assert_int_eq(r.f.nreq, 0);
        ck_assert_uint_eq(st.netdma_copies, 0);
        ck_assert_uint_eq(st.bytes_copied, 2920);
        ck_assert_msg(strncmp(st.netdma_blocked, want[k], strlen(want[k])) == 0, "%s", st.netdma_blocked);
        ck_assert_str_eq(st.netdma_blocked, st.toe_blocked);
        nd_free(&r);
    }
    /* Windows Firewall turned off at run time: copies start */
    hs_config cfg;
    nd_cfg(&cfg);
    cfg.windows_firewall = 1;
    nd r;
    nd_start(&r, &cfg, 1);
    nd_seg(&r, 0, 1460, 0x10);
    hs_firewall_set(r.s, 0, 0, r.f.now);
    ck_assert_str_eq(tb_stats(r.s).netdma_blocked, "");
    nd_seg(&r, 1460, 1460, 0x10);
    hs_stats st = nd_end(&r, 2920);
    ck_assert_uint_eq(st.netdma_bytes, 1460);
    nd_free(&r);

    /* EnableTCPA 0: no copy, buffers not from the engine's memory */
    nd_cfg(&cfg);
    cfg.netdma = 0;
    nd_start(&r, &cfg, 1);
    nd_seg(&r, 0, 1460, 0x10);
    st = nd_end(&r, 1460);
    ck_assert_int_eq(r.f.nreq, 0);
    ck_assert_int_eq(r.f.allocs, 0);
    ck_assert_uint_eq(st.netdma_blocked[0], 0);
    ck_assert_uint_eq(st.netdma_small_bytes + st.netdma_fallback_bytes, 0);
    nd_free(&r);

    /* no engine installed */
    nd_start(&r, NULL, 0);
    nd_seg(&r, 0, 1460, 0x18);
    st = nd_end(&r, 1460);
    ck_assert_int_eq(r.f.nreq, 0);
    ck_assert_uint_eq(st.kind_cycles[HS_K_NETDMA], 0);
    ck_assert_int_eq(hs_last_rx_retained(r.s), 0);
    nd_free(&r);
}
END_TEST

/* DmaSyncCompletionHighThreshold: wait only when the space left is below it; 0 never. */
START_TEST(sync_wait)
{
    hs_config cfg;
    nd_cfg(&cfg);
    cfg.recv_buffer_bytes = 4000;
    cfg.dma_sync_threshold = 1100;
    nd r;
    nd_start(&r, &cfg, 1);
    uint64_t ck = 0;
    nd_seg(&r, 0, 1460, 0x10); /* 2540 left */
    ck_assert_int_eq(hs_netdma_wait_pending(r.s, 0, &ck), 0);
    nd_seg(&r, 1460, 1460, 0x10); /* 1080 left < 1100 */
    ck_assert_int_eq(hs_netdma_wait_pending(r.s, 0, &ck), 1);
    ck_assert_uint_eq(ck, r.f.req[1].cookie);
    /* the model keeps the CPU busy until the engine is done, polls, charges the wait */
    fd_exec(&r.f, -1);
    uint64_t before = tb_stats(r.s).kind_cycles[HS_K_NETDMA];
    fd_poll(&r.f, 0);
    ck_assert_int_eq(hs_netdma_wait_pending(r.s, 0, &ck), 0);
    ck_assert_uint_eq(hs_netdma_waited(r.s, 0, 500), 500);
    hs_stats st = tb_stats(r.s);
    ck_assert_uint_eq(st.kind_cycles[HS_K_NETDMA], before);
    ck_assert_uint_eq(st.kind_cycles[HS_K_NETDMA_WAIT], 500);
    ck_assert_uint_eq(st.netdma_sync_waits, 1);
    ck_assert_uint_eq(st.netdma_sync_wait_cycles, 500);
    nd_seg(&r, 2920, 1460, 0x10); /* fills buffer 0, 380 in buffer 1: 3620 left */
    ck_assert_int_eq(hs_netdma_wait_pending(r.s, 0, &ck), 0);
    nd_end(&r, 4380);
    nd_free(&r);

    /* the segment completes the buffer and no other is posted: space 0, wait */
    nd_cfg(&cfg);
    cfg.recv_buffer_bytes = 2000;
    cfg.posted_buffers = 1;
    cfg.dma_sync_threshold = 1;
    nd_start(&r, &cfg, 1);
    nd_seg(&r, 0, 1000, 0x10);
    ck_assert_int_eq(hs_netdma_wait_pending(r.s, 0, &ck), 0);
    nd_seg(&r, 1000, 1000, 0x10);
    ck_assert_int_eq(hs_netdma_wait_pending(r.s, 0, &ck), 1);
    nd_end(&r, 2000);
    nd_free(&r);

    /* threshold 0: never */
    nd_cfg(&cfg);
    cfg.recv_buffer_bytes = 4000;
    nd_start(&r, &cfg, 1);
    for (uint32_t off = 0; off < 8 * 1460; off += 1460) {
        nd_seg(&r, off, 1460, 0x10);
        ck_assert_int_eq(hs_netdma_wait_pending(r.s, 0, &ck), 0);
    }
    hs_stats st2 = nd_end(&r, 8 * 1460);
    ck_assert_uint_eq(st2.netdma_sync_waits, 0);
    nd_free(&r);
}
END_TEST

/* Ring full: the CPU copies that piece. Engine error: the CPU redoes the copy from the kept
 * frame. The stream is intact either way. */
START_TEST(ring_full_and_error)
{
    nd r;
    nd_start(&r, NULL, 1);
    r.f.refuse_next = 1;
    ck_assert_int_eq(nd_seg(&r, 0, 1460, 0x10), 0); /* nothing queued: not kept */
    hs_stats st = tb_stats(r.s);
    ck_assert_uint_eq(st.netdma_fallback_bytes, 1460);
    ck_assert_uint_eq(st.bytes_copied, 1460);
    ck_assert_int_eq(r.f.violations, 0); /* the CPU write touched no copy's bytes */
    ck_assert_int_eq(nd_seg(&r, 1460, 1460, 0x10), 1);
    r.f.fail_next = 1;
    fd_exec(&r.f, -1);
    fd_report(&r.f, 0);
    st = tb_stats(r.s);
    ck_assert_uint_eq(st.netdma_errors, 1);
    ck_assert_uint_eq(st.netdma_fallback_bytes, 2920);
    ck_assert_uint_eq(st.bytes_copied, 2920);
    ck_assert_int_eq(r.f.returns, 1); /* given back after the redo */
    nd_seg(&r, 2920, 1176, 0x10); /* fills buffer 0 */
    st = nd_end(&r, 4096);
    ck_assert_uint_eq(st.netdma_bytes, 1460 + 1176);
    ck_assert_uint_eq(st.netdma_cold_bytes, 0); /* the application does not read its data */ /* the redone bytes are the CPU's */
    nd_free(&r);

    /* no engine memory for the application buffers: that connection's copies are the CPU's */
    nd_start(&r, NULL, 1);
    r.f.alloc_fail = 1;
    nd_seg(&r, 0, 1460, 0x18);
    st = nd_end(&r, 1460);
    ck_assert_int_eq(r.f.nreq, 0);
    ck_assert_uint_eq(st.netdma_fallback_bytes, 1460);
    nd_free(&r);
}
END_TEST

/* A long stream with PSH and reordering, the engine running late and in bursts: intact. */
START_TEST(stream_mix)
{
    hs_config cfg;
    nd_cfg(&cfg);
    cfg.recv_buffer_bytes = 8192;
    cfg.posted_buffers = 3;
    cfg.dma_sync_threshold = 2000;
    nd r;
    nd_start(&r, &cfg, 1);
    uint32_t x = 99, off = 0, total = 200000;
    while (off < total) {
        x = x * 1103515245u + 12345u;
        uint32_t n = 100 + (x >> 8) % 1361;
        if (n > total - off)
            n = total - off;
        uint8_t fl = (x >> 20) % 7 == 0 ? 0x18 : 0x10;
        if ((x >> 4) % 11 == 0 && off + n < total) {
            /* swap with the next segment: out of order, then the gap filled */
            uint32_t m = n / 2;
            nd_seg(&r, off + m, n - m, fl);
            nd_seg(&r, off, m, 0x10);
        } else {
            nd_seg(&r, off, n, fl);
        }
        off += n;
        uint64_t ck;
        if (hs_netdma_wait_pending(r.s, 0, &ck)) {
            fd_exec(&r.f, -1);
            fd_poll(&r.f, 0);
            hs_netdma_waited(r.s, 0, 100);
        }
        if ((x >> 12) % 5 == 0) {
            fd_exec(&r.f, (int)((x >> 16) % 4));
            if ((x >> 14) % 2)
                fd_report(&r.f, 1);
        }
        hs_timer(r.s, 0, r.f.now);
    }
    hs_stats st = nd_end(&r, total);
    ck_assert_uint_gt(st.netdma_copies, 50);
    ck_assert_uint_gt(st.netdma_small_bytes, 0);
    ck_assert_uint_eq(st.netdma_bytes + st.bytes_copied, total);
    ck_assert_uint_eq(st.netdma_done_poll + st.netdma_done_irq, st.netdma_copies);
    ck_assert_int_eq(r.f.violations, 0);
    printf("netdma: 200000 bytes: %llu copies (%llu bytes), CPU %llu bytes, %llu sync waits\n",
           (unsigned long long)st.netdma_copies, (unsigned long long)st.netdma_bytes,
           (unsigned long long)st.bytes_copied, (unsigned long long)st.netdma_sync_waits);
    nd_free(&r);
}
END_TEST

/* Index of the first log entry of kind (and sub, if >= 0) at or after from; -1 if none. */
static int lg_find(const fd *f, int from, int kind, int sub)
{
    for (int i = from; i < f->nlog; i++)
        if (f->log[i].kind == kind && (sub < 0 || f->log[i].sub == sub))
            return i;
    return -1;
}

/* The debug breaks make exactly the mistakes the ownership checker exists for. */
START_TEST(debug_breaks)
{
    ck_assert_str_eq(hs_netdma_break_name(HS_NDB_NONE), "none");
    ck_assert_str_eq(hs_netdma_break_name(HS_NDB_EARLY_COMPLETE), "early_complete");
    ck_assert_str_eq(hs_netdma_break_name(HS_NDB_EARLY_RETURN), "early_return");
    ck_assert_str_eq(hs_netdma_break_name(HS_NDB_EARLY_ACCESS), "early_access");
    ck_assert_ptr_null(hs_netdma_break_name(HS_NDB_COUNT));

    /* early_complete: the receive completes (and is read) before its copy */
    hs_config cfg;
    nd_cfg(&cfg);
    cfg.netdma_break = HS_NDB_EARLY_COMPLETE;
    nd r;
    nd_start(&r, &cfg, 1);
    nd_seg(&r, 0, 1000, 0x18);
    int c = lg_find(&r.f, 0, LG_COPY, -1), t = lg_find(&r.f, 0, LG_TOUCH, HS_ND_TOUCH_COMPLETE);
    int d = lg_find(&r.f, 0, LG_DONE, -1);
    ck_assert_int_ge(c, 0);
    ck_assert_int_gt(t, c);
    ck_assert_int_eq(d, -1); /* completed before any completion */
    ck_assert_int_ge(lg_find(&r.f, 0, LG_VIOLATION, HS_ND_TOUCH_COMPLETE), 0);
    ck_assert_int_ge(lg_find(&r.f, 0, LG_VIOLATION, HS_ND_TOUCH_APP_READ), 0);
    ck_assert_int_ne(memcmp(r.app.data, r.stream, 1000), 0); /* the application read garbage */
    fd_exec(&r.f, -1);
    fd_report(&r.f, 0);
    hs_finish(r.s, NULL, 0);
    nd_free(&r);

    /* early_return: the frame's buffer goes back while the engine still has to read it */
    nd_cfg(&cfg);
    cfg.netdma_break = HS_NDB_EARLY_RETURN;
    nd_start(&r, &cfg, 1);
    ck_assert_int_eq(nd_seg(&r, 0, 1000, 0x18), 0); /* not kept */
    ck_assert_uint_eq(hs_netdma_outstanding(r.s), 1);
    fd_exec(&r.f, -1);
    ck_assert_int_ge(lg_find(&r.f, 0, LG_VIOLATION, LG_EXEC), 0);
    fd_report(&r.f, 0);
    ck_assert_int_eq(r.f.returns, 0); /* no rx_return for it later */
    ck_assert_uint_eq(r.app.len, 1000);
    ck_assert_int_ne(memcmp(r.app.data, r.stream, 1000), 0); /* it copied the next frame's bytes */
    hs_finish(r.s, NULL, 0);
    nd_free(&r);

    /* early_access: the CPU reads a destination right after submitting its copy */
    nd_cfg(&cfg);
    cfg.netdma_break = HS_NDB_EARLY_ACCESS;
    nd_start(&r, &cfg, 1);
    nd_seg(&r, 0, 1000, 0x10);
    c = lg_find(&r.f, 0, LG_COPY, -1);
    t = lg_find(&r.f, 0, LG_TOUCH, HS_ND_TOUCH_APP_READ);
    ck_assert_int_eq(t, c + 1);
    ck_assert_uint_eq(r.f.log[t].a, r.f.log[c].a);
    ck_assert_int_ge(lg_find(&r.f, 0, LG_VIOLATION, HS_ND_TOUCH_APP_READ), 0);
    nd_end(&r, 1000); /* the stream itself is intact */
    nd_free(&r);

    /* none: completion touch, then the application's read, both after the copy's completion */
    nd_start(&r, NULL, 1);
    nd_seg(&r, 0, 1000, 0x18);
    fd_exec(&r.f, -1);
    fd_report(&r.f, 1);
    d = lg_find(&r.f, 0, LG_DONE, -1);
    t = lg_find(&r.f, 0, LG_TOUCH, HS_ND_TOUCH_COMPLETE);
    int a = lg_find(&r.f, 0, LG_TOUCH, HS_ND_TOUCH_APP_READ);
    ck_assert_int_gt(t, d);
    ck_assert_int_gt(a, t);
    ck_assert_int_eq(r.f.violations, 0);
    nd_end(&r, 1000);
    nd_free(&r);
}
END_TEST

/* hs_create checks the registry ranges; hs_finish counts copies left outstanding. */
START_TEST(config_and_finish)
{
    hs_cost c;
    char err[256];
    ck_assert(hs_cost_builtin(&c, NULL, err, sizeof err) == 0);
    const struct { uint32_t min, sync; int ok; } cases[] = {
        {128, 0, 1}, {4096, 87600, 1}, {127, 0, 0}, {4097, 0, 0}, {256, 87601, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        hs_config cfg;
        hs_config_defaults(&cfg);
        ck_assert_uint_eq(cfg.min_dma_bytes, 256);
        ck_assert_uint_eq(cfg.dma_sync_threshold, 0);
        ck_assert_int_eq(cfg.netdma, 1);
        cfg.min_dma_bytes = cases[i].min;
        cfg.dma_sync_threshold = cases[i].sync;
        hs_stack *s = NULL;
        err[0] = 0;
        int rc = hs_create(&s, &cfg, &c, NULL, NULL, err, sizeof err);
        ck_assert_int_eq(rc, cases[i].ok ? 0 : HS_EINVAL);
        if (!cases[i].ok) {
            ck_assert_ptr_nonnull(strstr(err, cases[i].min != 256 && i != 4 ? "min_dma_bytes" : "dma_sync_threshold"));
            ck_assert_ptr_null(strchr(err, '\n'));
        }
        hs_close(s, NULL, 0);
    }
    /* a run ended with a copy outstanding: counted */
    nd r;
    nd_start(&r, NULL, 1);
    nd_seg(&r, 0, 1000, 0x10);
    hs_finish(r.s, NULL, 0);
    ck_assert_uint_eq(tb_stats(r.s).netdma_unfinished, 1);
    r.f.kept[r.f.next_slot - 1] = 0; /* the model tears the driver down */
    nd_free(&r);
}
END_TEST

static Suite *netdma_suite(void)
{
    Suite *s = suite_create("hoststack_netdma");
    TCase *t = tcase_create("netdma");
    tcase_set_timeout(t, 60);
    tcase_add_test(t, threshold);
    tcase_add_test(t, straddle_and_return);
    tcase_add_test(t, in_order_completion);
    tcase_add_test(t, chimney_wins);
    tcase_add_test(t, blockers_and_off);
    tcase_add_test(t, sync_wait);
    tcase_add_test(t, ring_full_and_error);
    tcase_add_test(t, stream_mix);
    tcase_add_test(t, debug_breaks);
    tcase_add_test(t, config_and_finish);
    suite_add_tcase(s, t);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(netdma_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
