/* TCP Chimney in the host stack (hoststack/hs_toe.c) against a fake offload target.
 *
 * The fake acts like the NIC at the API level (docs/toe.md): a table of slots, a command FIFO
 * executed when the test pumps it (so commands have latency), posted buffers with sequence
 * ranges (POST start, rebase, push), placement into host memory by sequence number, indicated
 * frames (NIC_CPL_F_TOE_DATA) for bytes outside every buffer, exception frames with UPREQ
 * (SYN/RST/URG/FIN, out-of-order limit), BUF events, UPLOAD result blocks with buffers,
 * intervals and counters. The reference is the byte stream the sender sent and a run of the
 * same frames through a stack without an engine. */
#include <stdio.h>

#include "hs_test_util.h"

/* ------------------------------------------------------------------------------------------
 * The fake offload target
 * ------------------------------------------------------------------------------------------ */
static int seq_gt_t(uint32_t a, uint32_t b) { return (int32_t)(a - b) > 0; }
static int seq_ge_t(uint32_t a, uint32_t b) { return (int32_t)(a - b) >= 0; }
static uint32_t seq_max_t(uint32_t a, uint32_t b) { return seq_gt_t(a, b) ? a : b; }

#define FK_SLOTS_MAX 16
#define FK_CMDQ 8
#define FK_EVQ 64

typedef struct fk_buf {
    uint8_t *p;
    uint32_t start, len;
    int cut; /* shortened by push */
} fk_buf;

typedef struct fk_conn {
    int used, uploading;
    nic_toe_state st;          /* key and constant state from the OFFLOAD */
    uint32_t rcv_nxt, decided_max;
    int nivl;
    uint32_t ivs[NIC_TOE_OOO], ive[NIC_TOE_OOO];
    int nbuf;
    fk_buf buf[NIC_TOE_BUFS];
    uint32_t full_unacked;
    uint32_t segs, dup, ooo, placed, indicated, acks;
} fk_conn;

typedef struct fk_cmd {
    int op;
    int queue;
    uint32_t slot, cookie, len;
    uint64_t dma;
    nic_toe_state st;
} fk_cmd;

typedef struct fake {
    int slots;          /* slots built */
    int accept_limit;   /* OFFLOAD refused with RESOURCES beyond this many used */
    fk_conn c[FK_SLOTS_MAX];
    fk_cmd q[FK_CMDQ];
    int qh, qn;
    hs_toe_ev ev[FK_EVQ];
    int evn;
    hs_stack *s;
    int busy_next;      /* refuse the next N commands with "queue full" */
    int depth;          /* command FIFO depth (the NIC's is NIC_TOE_CMDQ_DEPTH) */
    long allocs, frees;
    int offloads, uploads, posts;
    uint64_t now;
    nic_toe_state result; /* the UPLOAD result block being delivered */
} fake;

static int64_t fk_enqueue(fake *f, const fk_cmd *c)
{
    if (f->busy_next > 0) {
        f->busy_next--;
        return -1;
    }
    if (f->qn == f->depth)
        return -1; /* queue full: the host retries */
    f->q[(f->qh + f->qn) % FK_CMDQ] = *c;
    f->qn++;
    return 77; /* driver cycles of the argument writes */
}

static int64_t fk_offload(void *u, int cpu, int queue, const nic_toe_state *st, uint32_t cookie)
{
    fake *f = u;
    fk_cmd c = {.op = NIC_TOE_OP_OFFLOAD, .queue = queue, .cookie = cookie, .st = *st};
    f->offloads++;
    return fk_enqueue(f, &c);
}

static int64_t fk_upload(void *u, int cpu, int queue, uint32_t slot, uint32_t cookie)
{
    fake *f = u;
    fk_cmd c = {.op = NIC_TOE_OP_UPLOAD, .queue = queue, .slot = slot, .cookie = cookie};
    f->uploads++;
    return fk_enqueue(f, &c);
}

static int64_t fk_post(void *u, int cpu, int queue, uint32_t slot, uint64_t dma, uint32_t len,
                       uint32_t cookie)
{
    fake *f = u;
    fk_cmd c = {.op = NIC_TOE_OP_POST, .queue = queue, .slot = slot, .cookie = cookie, .dma = dma, .len = len};
    f->posts++;
    return fk_enqueue(f, &c);
}

static void *fk_alloc(void *u, uint32_t bytes, uint64_t *dma)
{
    fake *f = u;
    void *p = malloc(bytes);
    ck_assert_ptr_nonnull(p);
    memset(p, 0xEE, bytes); /* garbage a wrong offset would show */
    *dma = (uint64_t)(uintptr_t)p;
    f->allocs++;
    return p;
}

static void fk_free(void *u, void *p, uint32_t bytes)
{
    fake *f = u;
    free(p);
    f->frees++;
}

static void fk_event(fake *f, const hs_toe_ev *e)
{
    ck_assert_int_lt(f->evn, FK_EVQ);
    f->ev[f->evn++] = *e;
}

static int fk_find(const fake *f, const pkt_frame_info *fi)
{
    int alen = fi->l3 == 6 ? 16 : 4;
    for (int i = 0; i < f->slots; i++) {
        const fk_conn *c = &f->c[i];
        if (c->used && c->st.v6 == (fi->l3 == 6) && memcmp(c->st.remote_addr, fi->src, alen) == 0 &&
            memcmp(c->st.local_addr, fi->dst, alen) == 0 && c->st.remote_port == fi->sport &&
            c->st.local_port == fi->dport)
            return i;
    }
    return -1;
}

static void fk_exec(fake *f, const fk_cmd *cmd)
{
    hs_toe_ev e;
    memset(&e, 0, sizeof e);
    e.kind = HS_TOE_EV_CMD;
    e.queue = cmd->queue;
    e.cookie = cmd->cookie;
    e.op = cmd->op;
    e.slot = cmd->slot;
    e.result = NIC_TOE_R_OK;
    if (cmd->op == NIC_TOE_OP_OFFLOAD) {
        int used = 0, slot = -1;
        for (int i = 0; i < f->slots; i++) {
            if (f->c[i].used)
                used++;
            else if (slot < 0)
                slot = i;
        }
        if (slot < 0 || used >= f->accept_limit) {
            e.result = NIC_TOE_R_RESOURCES;
        } else {
            fk_conn *c = &f->c[slot];
            memset(c, 0, sizeof *c);
            c->used = 1;
            c->st = cmd->st;
            c->rcv_nxt = c->decided_max = cmd->st.rcv_nxt;
            e.slot = (uint32_t)slot;
        }
    } else if (cmd->op == NIC_TOE_OP_UPLOAD) {
        fk_conn *c = cmd->slot < (uint32_t)f->slots ? &f->c[cmd->slot] : NULL;
        if (!c || !c->used) {
            e.result = NIC_TOE_R_NO_CONN;
        } else {
            nic_toe_state *r = &f->result;
            *r = c->st;
            r->rcv_nxt = c->rcv_nxt;
            r->nbufs = (uint8_t)c->nbuf;
            for (int i = 0; i < c->nbuf; i++) {
                r->buf_start[i] = c->buf[i].start;
                r->buf_len[i] = c->buf[i].len;
            }
            r->ivl_valid = (uint8_t)((1u << c->nivl) - 1);
            for (int i = 0; i < c->nivl; i++) {
                r->ivl_start[i] = c->ivs[i];
                r->ivl_end[i] = c->ive[i];
            }
            r->unacked = (uint8_t)c->full_unacked;
            r->segs = c->segs;
            r->dup_segs = c->dup;
            r->ooo_segs = c->ooo;
            r->bytes_placed = c->placed;
            r->bytes_indicated = c->indicated;
            r->acks_sent = c->acks;
            e.state = r;
            c->used = 0;
        }
    } else if (cmd->op == NIC_TOE_OP_POST) {
        fk_conn *c = cmd->slot < (uint32_t)f->slots ? &f->c[cmd->slot] : NULL;
        if (!c || !c->used) {
            e.result = NIC_TOE_R_NO_CONN;
        } else if (c->nbuf == NIC_TOE_BUFS) {
            e.result = NIC_TOE_R_RING_FULL;
        } else {
            uint32_t st = c->rcv_nxt;
            if (seq_gt_t(c->decided_max, st))
                st = c->decided_max;
            if (c->nbuf && seq_gt_t(c->buf[c->nbuf - 1].start + c->buf[c->nbuf - 1].len, st))
                st = c->buf[c->nbuf - 1].start + c->buf[c->nbuf - 1].len;
            fk_buf *b = &c->buf[c->nbuf++];
            b->p = (uint8_t *)(uintptr_t)cmd->dma;
            b->start = st;
            b->len = cmd->len;
            b->cut = 0;
        }
    }
    hs_toe_event(f->s, &e, f->now);
}

/* Delivers the queued events, then executes every queued command (and what they cause). */
static void fk_pump(fake *f)
{
    for (int guard = 0; guard < 10000; guard++) {
        if (f->evn) {
            hs_toe_ev e = f->ev[0];
            memmove(&f->ev[0], &f->ev[1], (size_t)(f->evn - 1) * sizeof f->ev[0]);
            f->evn--;
            hs_toe_event(f->s, &e, f->now);
            continue;
        }
        if (!f->qn)
            return;
        fk_cmd c = f->q[f->qh];
        f->qh = (f->qh + 1) % FK_CMDQ;
        f->qn--;
        fk_exec(f, &c);
    }
    ck_abort_msg("fk_pump: no end");
}

/* rebase(X, Y) (docs/toe.md, "Posted buffers"). */
static void fk_rebase(fk_conn *c, uint32_t x, uint32_t y, int push)
{
    uint32_t cur = y;
    for (int i = 0; i < c->nbuf; i++) {
        fk_buf *b = &c->buf[i];
        if (seq_gt_t(x, b->start) && seq_gt_t(b->start + b->len, x)) {
            b->len = x - b->start;
            b->cut = push;
        } else if (seq_ge_t(b->start, x)) {
            b->start = cur;
            cur += b->len;
        }
    }
}

/* Sends the frame to the host with marks. */
static void fk_host(fake *f, const uint8_t *fr, int len, uint8_t flags, int reason, int slot)
{
    hs_rx_frame h;
    memset(&h, 0, sizeof h);
    h.data = fr;
    h.len = (uint32_t)len;
    h.csum = HS_CSUM_OK;
    h.toe_flags = flags;
    h.toe_reason = (uint8_t)reason;
    h.toe_slot = (uint16_t)(slot < 0 ? 0 : slot);
    hs_rx(f->s, &h, f->now);
}

static void fk_upreq(fake *f, int slot, int reason)
{
    hs_toe_ev e;
    memset(&e, 0, sizeof e);
    e.kind = HS_TOE_EV_UPREQ;
    e.slot = (uint32_t)slot;
    e.rcv_nxt = f->c[slot].rcv_nxt;
    e.reason = reason;
    fk_event(f, &e);
}

/* Commit of accepted data [s, e): rcv_nxt and intervals. */
static void fk_commit(fk_conn *c, uint32_t s, uint32_t e)
{
    if (seq_ge_t(c->rcv_nxt, s)) {
        if (seq_gt_t(e, c->rcv_nxt))
            c->rcv_nxt = e;
    } else {
        /* merge into the intervals (sorted, disjoint) */
        uint32_t ns = s, ne = e;
        int k = 0;
        uint32_t os[NIC_TOE_OOO + 1], oe[NIC_TOE_OOO + 1];
        int done = 0;
        for (int i = 0; i < c->nivl; i++) {
            if (seq_gt_t(c->ivs[i], ne) ) {
                if (!done) { os[k] = ns; oe[k++] = ne; done = 1; }
                os[k] = c->ivs[i]; oe[k++] = c->ive[i];
            } else if (seq_gt_t(ns, c->ive[i])) {
                os[k] = c->ivs[i]; oe[k++] = c->ive[i];
            } else {
                ns = seq_gt_t(ns, c->ivs[i]) ? c->ivs[i] : ns;
                ne = seq_max_t(ne, c->ive[i]);
            }
        }
        if (!done) { os[k] = ns; oe[k++] = ne; }
        ck_assert_int_le(k, NIC_TOE_OOO);
        c->nivl = k;
        memcpy(c->ivs, os, sizeof(uint32_t) * (size_t)k);
        memcpy(c->ive, oe, sizeof(uint32_t) * (size_t)k);
    }
    /* absorb intervals touching rcv_nxt */
    while (c->nivl && seq_ge_t(c->rcv_nxt, c->ivs[0])) {
        c->rcv_nxt = seq_max_t(c->rcv_nxt, c->ive[0]);
        memmove(c->ivs, c->ivs + 1, sizeof(uint32_t) * (size_t)(c->nivl - 1));
        memmove(c->ive, c->ive + 1, sizeof(uint32_t) * (size_t)(c->nivl - 1));
        c->nivl--;
    }
}

/* Intervals after adding [s, e) out of order (room check). */
static int fk_ivl_after(const fk_conn *c, uint32_t s, uint32_t e)
{
    int n = 1;
    for (int i = 0; i < c->nivl; i++)
        if (seq_gt_t(c->ivs[i], e) || seq_gt_t(s, c->ive[i]))
            n++;
    return n;
}

static void fk_buf_events(fake *f, int slot)
{
    fk_conn *c = &f->c[slot];
    while (c->nbuf && seq_ge_t(c->rcv_nxt, c->buf[0].start + c->buf[0].len)) {
        hs_toe_ev e;
        memset(&e, 0, sizeof e);
        e.kind = HS_TOE_EV_BUF;
        e.slot = (uint32_t)slot;
        e.seq = c->buf[0].start;
        e.bytes = c->buf[0].len;
        e.push = c->buf[0].cut;
        fk_event(f, &e);
        memmove(&c->buf[0], &c->buf[1], sizeof c->buf[0] * (size_t)(c->nbuf - 1));
        c->nbuf--;
    }
}

/* One frame from the wire: the receive rules of docs/toe.md, decided and committed at once. */
static void fk_rx(fake *f, const uint8_t *fr, int len)
{
    pkt_frame_info fi;
    ck_assert_int_eq(pkt_frame_parse(fr, (size_t)len, &fi), 0);
    int slot = fi.proto == PKT_IPPROTO_TCP ? fk_find(f, &fi) : -1;
    if (slot < 0) {
        fk_host(f, fr, len, 0, 0, -1);
        return;
    }
    fk_conn *c = &f->c[slot];
    const uint8_t *th = fr + fi.l4_off;
    uint32_t seq = pkt_get32(th + 4);
    uint8_t fl = th[13];
    uint32_t plen = (uint32_t)fi.payload_len;
    if (c->uploading) {
        fk_host(f, fr, len, NIC_CPL_F_TOE_EXC, NIC_TOE_UP_PENDING, slot);
        return;
    }
    int reason = (fl & PKT_TCP_SYN) ? NIC_TOE_UP_SYN : (fl & PKT_TCP_RST) ? NIC_TOE_UP_RST
               : (fl & PKT_TCP_URG) ? NIC_TOE_UP_URG : (fl & PKT_TCP_FIN) ? NIC_TOE_UP_FIN : -1;
    if (reason >= 0) {
        c->uploading = 1;
        fk_host(f, fr, len, NIC_CPL_F_TOE_EXC, reason, slot);
        fk_upreq(f, slot, reason);
        return;
    }
    if (plen == 0)
        return; /* CONSUME: pure ACK */
    uint32_t end = seq + plen, skip = 0;
    if (seq_ge_t(c->rcv_nxt, end)) {
        c->segs++;
        c->dup++;
        c->acks++; /* immediate ACK */
        return;
    }
    if (seq_gt_t(c->rcv_nxt, seq)) {
        skip = c->rcv_nxt - seq;
        seq = c->rcv_nxt;
    }
    int in_order = seq == c->rcv_nxt || seq == c->decided_max;
    if (!in_order && fk_ivl_after(c, seq, end) > NIC_TOE_OOO) {
        c->uploading = 1;
        fk_host(f, fr, len, NIC_CPL_F_TOE_EXC, NIC_TOE_UP_OOO, slot);
        fk_upreq(f, slot, NIC_TOE_UP_OOO);
        return;
    }
    /* inside the buffers (one or back-to-back ones), outside all, or partly */
    uint32_t covered = 0;
    int touches = 0;
    for (int i = 0; i < c->nbuf; i++) {
        uint32_t bs = c->buf[i].start, be = bs + c->buf[i].len;
        uint32_t a = seq_gt_t(bs, seq) ? bs : seq, b = seq_gt_t(be, end) ? end : be;
        if (seq_gt_t(b, a)) {
            covered += b - a;
            touches = 1;
        }
    }
    const uint8_t *d = fr + fi.payload_off + skip;
    if (touches && covered == end - seq) {
        for (int i = 0; i < c->nbuf; i++) {
            uint32_t bs = c->buf[i].start, be = bs + c->buf[i].len;
            uint32_t a = seq_gt_t(bs, seq) ? bs : seq, b = seq_gt_t(be, end) ? end : be;
            if (seq_gt_t(b, a))
                memcpy(c->buf[i].p + (a - bs), d + (a - seq), b - a);
        }
        c->placed += end - seq;
        c->decided_max = seq_max_t(c->decided_max, end);
        if ((fl & PKT_TCP_PSH) && c->st.push_mode && seq_ge_t(end, c->decided_max))
            fk_rebase(c, end, end, 1);
    } else {
        if (touches) {
            if (seq_gt_t(c->decided_max, seq)) {
                c->uploading = 1;
                fk_host(f, fr, len, NIC_CPL_F_TOE_EXC, NIC_TOE_UP_OTHER, slot);
                fk_upreq(f, slot, NIC_TOE_UP_OTHER);
                return;
            }
            fk_rebase(c, seq, end, 0);
        }
        c->indicated += end - seq;
        c->decided_max = seq_max_t(c->decided_max, end);
        fk_host(f, fr, len, NIC_CPL_F_TOE_DATA, 0, slot);
    }
    c->segs++;
    uint32_t before = c->rcv_nxt;
    if (seq_gt_t(seq, before))
        c->ooo++;
    fk_commit(c, seq, end);
    if (seq_gt_t(seq, before) || seq_gt_t(c->rcv_nxt, end)) {
        c->acks++;
        c->full_unacked = 0;
    } else if (plen >= c->st.mss && ++c->full_unacked >= c->st.ack_freq) {
        c->acks++;
        c->full_unacked = 0;
    }
    fk_buf_events(f, slot);
}

static hs_toe_if fk_if(fake *f)
{
    hs_toe_if t = {f->slots, fk_offload, fk_upload, fk_post, fk_alloc, fk_free, f};
    return t;
}

static void fk_init(fake *f, int slots)
{
    memset(f, 0, sizeof *f);
    f->slots = slots;
    f->accept_limit = slots;
    f->depth = NIC_TOE_CMDQ_DEPTH < FK_CMDQ ? NIC_TOE_CMDQ_DEPTH : FK_CMDQ;
}

/* ------------------------------------------------------------------------------------------
 * Harness: up to 4 flows sender -> host, per-flow application capture, with or without engine
 * ------------------------------------------------------------------------------------------ */
#define RN_FLOWS 4
#define RN_STREAM (256 * 1024)

typedef struct rn {
    fake f;
    int engine, pump;    /* pump: run the fake's commands/events after every frame */
    hs_stack *s;
    hs_config cfg;
    tb_flow fl[RN_FLOWS];
    uint32_t isn[RN_FLOWS];
    uint8_t *stream[RN_FLOWS];
    tb_app app[RN_FLOWS];
    uint32_t sent[RN_FLOWS]; /* mix_run: stream bytes sent per flow */
    uint64_t now;
} rn;

static void rn_app(void *u, const hs_conn_id *c, const uint8_t *d, size_t n)
{
    rn *r = u;
    for (int i = 0; i < RN_FLOWS; i++)
        if (c->sport == r->fl[i].sport) {
            tb_app_fn(&r->app[i], c, d, n);
            return;
        }
    ck_abort_msg("bytes of an unknown flow");
}

static void rn_init_cfg(hs_config *cfg)
{
    hs_config_defaults(cfg);
    cfg->recv_buffer_bytes = 16384;
    cfg->posted_buffers = 2;
}

/* cfg: NULL for defaults (rn_init_cfg); slots 0: no engine. */
static void rn_start(rn *r, const hs_config *cfg, int slots)
{
    memset(r, 0, sizeof *r);
    if (cfg)
        r->cfg = *cfg;
    else
        rn_init_cfg(&r->cfg);
    r->cfg.app_data = rn_app;
    r->cfg.app_user = r;
    r->engine = slots > 0;
    r->pump = 1;
    for (int i = 0; i < RN_FLOWS; i++) {
        tb_flow4(&r->fl[i], (uint8_t)(10 + i), (uint16_t)(40000 + i), 5001);
        r->isn[i] = 1000000u * (uint32_t)(i + 1) - 7777u * (uint32_t)i;
        r->stream[i] = malloc(RN_STREAM);
        tb_fill(r->stream[i], RN_STREAM, (uint32_t)(i + 3));
    }
    hs_cost c;
    char err[256];
    ck_assert(hs_cost_builtin(&c, NULL, err, sizeof err) == 0);
    ck_assert_msg(hs_create(&r->s, &r->cfg, &c, NULL, NULL, err, sizeof err) == 0, "%s", err);
    fk_init(&r->f, slots > 0 ? slots : 1);
    r->f.s = r->s;
    if (r->engine) {
        hs_toe_if t = fk_if(&r->f);
        hs_set_toe(r->s, &t);
    }
}

/* One segment of flow i: stream bytes [off, off+n) (n 0: no payload), TCP flags. */
static void rn_seg(rn *r, int i, uint32_t off, uint32_t n, uint8_t flags)
{
    uint8_t fr[TB_FRAME_CAP];
    int len = tb_tcp(&r->fl[i], r->isn[i] + off, flags, r->stream[i] + off, n, fr);
    r->now += 10000;
    r->f.now = r->now;
    if (r->engine) {
        fk_rx(&r->f, fr, len);
        if (r->pump)
            fk_pump(&r->f);
    } else {
        tb_rx(r->s, fr, len, HS_CSUM_OK, 0, r->now);
    }
    hs_timer(r->s, 0, r->now);
}

/* Flushes, checks nothing is left with the engine, finishes the stack. */
static hs_stats rn_end(rn *r)
{
    if (r->engine) {
        fk_pump(&r->f);
        hs_toe_flush(r->s, 0, r->now);
        fk_pump(&r->f);
        ck_assert_int_eq(hs_toe_busy(r->s), 0);
        for (int i = 0; i < r->f.slots; i++)
            ck_assert_int_eq(r->f.c[i].used, 0);
    }
    char err[256];
    ck_assert_msg(hs_finish(r->s, err, sizeof err) == 0, "%s", err);
    hs_stats st;
    hs_get_stats(r->s, &st);
    return st;
}

static void rn_free(rn *r)
{
    hs_close(r->s, NULL, 0);
    ck_assert_int_eq(r->f.allocs, r->f.frees);
    for (int i = 0; i < RN_FLOWS; i++) {
        free(r->stream[i]);
        tb_app_free(&r->app[i]);
    }
}

/* The application received exactly stream[0 .. n). */
static void rn_expect(const rn *r, int i, uint32_t n)
{
    size_t m = r->app[i].len < n ? r->app[i].len : n, d = 0;
    while (d < m && r->app[i].data[d] == r->stream[i][d])
        d++;
    if (d < m || r->app[i].len != n)
        fprintf(stderr, "flow %d: first difference at byte %zu of %zu delivered (want %u)\n", i, d,
                r->app[i].len, n);
    ck_assert_msg(r->app[i].len == n, "flow %d: %zu bytes delivered, want %u", i, r->app[i].len, n);
    ck_assert_msg(memcmp(r->app[i].data, r->stream[i], n) == 0, "flow %d: stream differs", i);
}

static hs_conn_stats rn_conn(const rn *r, int idx)
{
    hs_conn_stats cs[8];
    uint64_t n = hs_conn_stats_get(r->s, cs, 8);
    ck_assert_uint_gt(n, (uint64_t)idx);
    return cs[idx];
}

/* The connection of flow i. */
static hs_conn_stats rn_conn_flow(const rn *r, int i)
{
    hs_conn_stats cs[8];
    uint64_t n = hs_conn_stats_get(r->s, cs, 8);
    for (uint64_t k = 0; k < n; k++)
        if (cs[k].id.sport == r->fl[i].sport)
            return cs[k];
    ck_abort_msg("flow %d has no connection", i);
    return cs[0];
}

/* Totals that must not depend on offloading. */
static void rn_same_totals(const hs_stats *a, const hs_stats *b)
{
    ck_assert_uint_eq(a->tcp_segments, b->tcp_segments);
    ck_assert_uint_eq(a->tcp_payload_bytes, b->tcp_payload_bytes);
    ck_assert_uint_eq(a->in_order_segments, b->in_order_segments);
    ck_assert_uint_eq(a->ooo_segments, b->ooo_segments);
    ck_assert_uint_eq(a->dup_segments, b->dup_segments);
    ck_assert_uint_eq(a->conns, b->conns);
    ck_assert_uint_eq(a->conns_fin, b->conns_fin);
}

typedef void (*rn_hook)(rn *r, int k);

static uint32_t rn_rand(uint32_t *x)
{
    *x = *x * 1103515245u + 12345u;
    return *x >> 8;
}

/* Sends `total` bytes of flow i in segments of 200..1460 bytes (PSH on about one in six),
 * adjacent segments swapped with probability 1/reorder (0: never), then a FIN if asked;
 * hook(r, k) runs before segment k. Seeded: the same plan in every run. */
static void rn_flow(rn *r, int i, uint32_t seed, uint32_t total, int reorder, int fin, rn_hook hook)
{
    uint32_t x = seed;
    int cap = (int)(total / 200 + 2), n = 0;
    uint32_t *so = malloc(sizeof *so * (size_t)cap), *sl = malloc(sizeof *sl * (size_t)cap);
    uint8_t *sf = malloc((size_t)cap);
    for (uint32_t off = 0; off < total; n++) {
        uint32_t len = 200 + rn_rand(&x) % 1261;
        if (rn_rand(&x) % 3 == 0)
            len = 1460; /* full-size segments count for the ACK policy */
        if (len > total - off)
            len = total - off;
        so[n] = off;
        sl[n] = len;
        sf[n] = (uint8_t)(0x10 | (rn_rand(&x) % 6 == 0 ? PKT_TCP_PSH : 0));
        off += len;
    }
    if (reorder)
        for (int k = 1; k + 1 < n; k++) /* the first segment opens the connection */
            if (rn_rand(&x) % (uint32_t)reorder == 0) {
                uint32_t a = so[k], b = sl[k];
                uint8_t c = sf[k];
                so[k] = so[k + 1]; sl[k] = sl[k + 1]; sf[k] = sf[k + 1];
                so[k + 1] = a; sl[k + 1] = b; sf[k + 1] = c;
                k++;
            }
    for (int k = 0; k < n; k++) {
        if (hook)
            hook(r, k);
        rn_seg(r, i, so[k], sl[k], sf[k]);
    }
    if (fin)
        rn_seg(r, i, total, 0, PKT_TCP_FIN | PKT_TCP_ACK);
    free(so);
    free(sl);
    free(sf);
}

/* ------------------------------------------------------------------------------------------
 * Cases
 * ------------------------------------------------------------------------------------------ */

/* Offload on the first eligible segment (mid-stream pickup is ESTABLISHED); placed and
 * indicated bytes give the exact stream; totals equal the software run's. */
START_TEST(offload_first_segment)
{
    rn base, r;
    rn_start(&base, NULL, 0);
    rn_flow(&base, 0, 11, 200000, 0, 1, NULL);
    hs_stats sb = rn_end(&base);
    rn_expect(&base, 0, 200000);

    rn_start(&r, NULL, 4);
    r.f.busy_next = 1; /* the first OFFLOAD finds the queue full: retried at the next frame */
    rn_seg(&r, 0, 0, 1000, 0x10);
    hs_stats st = tb_stats(r.s);
    ck_assert_uint_eq(st.toe_cmd_busy, 1);
    ck_assert_uint_eq(st.toe_attempts, 0);
    ck_assert_int_eq(rn_conn(&r, 0).toe_state, HS_TOE_IN_HOST);
    rn_seg(&r, 0, 1000, 1000, 0x10);
    st = tb_stats(r.s);
    ck_assert_uint_eq(st.toe_attempts, 1);
    ck_assert_uint_eq(st.toe_successes, 1);
    ck_assert_uint_eq(st.toe_offloaded_now, 1);
    ck_assert_uint_eq(st.toe_buffers_posted, 2);
    ck_assert_int_eq(rn_conn(&r, 0).toe_state, HS_TOE_OFFLOADED);
    ck_assert_int_eq(r.f.c[0].nbuf, 2);
    ck_assert_uint_eq(r.f.c[0].st.rcv_nxt, r.isn[0] + 2000);
    ck_assert_uint_eq(r.f.c[0].st.local_port, 5001);
    ck_assert_uint_eq(r.f.c[0].st.remote_port, 40000);
    ck_assert_uint_eq(r.f.c[0].st.ack_freq, 2);
    ck_assert_uint_eq(r.f.c[0].st.push_mode, 1);
    ck_assert_uint_eq(r.f.c[0].st.ts_ok, 0);
    ck_assert_mem_eq(r.f.c[0].st.remote_mac, tb_mac_sender, 6);
    /* the rest of the same plan: replay it from scratch in a second engine run is simpler */
    rn_end(&r);
    rn_expect(&r, 0, 2000);
    rn_expect(&r, 0, 2000);
    rn_free(&r);

    hs_config cfg;
    rn_init_cfg(&cfg);
    cfg.toe_posted_buffers = 1; /* segments straddling the one buffer's end are indicated */
    rn_start(&r, &cfg, 4);
    rn_flow(&r, 0, 11, 200000, 0, 1, NULL);
    st = rn_end(&r);
    rn_expect(&r, 0, 200000);
    rn_same_totals(&sb, &st);
    ck_assert_uint_eq(st.toe_successes, 1);
    ck_assert_uint_eq(st.toe_uploads[HS_UP_FIN], 1);
    ck_assert_uint_gt(st.toe_bytes_placed, 100000);
    ck_assert_uint_gt(st.toe_bytes_indicated, 0);
    ck_assert_uint_gt(st.toe_buf_events, 5);
    ck_assert_uint_gt(st.toe_nic_acks, 0);
    ck_assert_uint_eq(st.toe_exc_frames, 1);
    ck_assert_uint_eq(st.toe_offloaded_now, 0);
    ck_assert_uint_eq(st.toe_offloaded_peak, 1);
    /* no copy for placed bytes; the offload work is its own kind */
    ck_assert_uint_lt(st.bytes_copied + st.toe_bytes_placed, sb.bytes_copied + 1);
    ck_assert_uint_lt(st.kind_cycles[HS_K_COPY], sb.kind_cycles[HS_K_COPY]);
    ck_assert_uint_gt(st.kind_cycles[HS_K_OFFLOAD], 0);
    ck_assert_uint_lt(st.kind_cycles[HS_K_TCP_RX], sb.kind_cycles[HS_K_TCP_RX]);
    printf("toe: 200000 bytes, xeon-2006: software %llu cycles, offloaded %llu cycles (%.1f%%; "
           "offload %llu, copy %llu vs %llu, tcp_rx %llu vs %llu)\n",
           (unsigned long long)sb.total_cycles, (unsigned long long)st.total_cycles,
           100.0 * (double)st.total_cycles / (double)sb.total_cycles,
           (unsigned long long)st.kind_cycles[HS_K_OFFLOAD], (unsigned long long)st.kind_cycles[HS_K_COPY],
           (unsigned long long)sb.kind_cycles[HS_K_COPY], (unsigned long long)st.kind_cycles[HS_K_TCP_RX],
           (unsigned long long)sb.kind_cycles[HS_K_TCP_RX]);
    ck_assert_uint_lt(st.total_cycles, sb.total_cycles);
    hs_conn_stats cs = rn_conn(&r, 0);
    ck_assert_int_eq(cs.toe_state, HS_TOE_IN_HOST);
    ck_assert_uint_eq(cs.toe_times_offloaded, 1);
    ck_assert_int_eq(cs.toe_last_upload, HS_UP_FIN);
    ck_assert_uint_eq(cs.toe_bytes_placed, st.toe_bytes_placed);
    ck_assert_uint_eq(sb.conns_fin, 1);
    rn_free(&r);
    rn_free(&base);
}
END_TEST

typedef struct warns {
    int n;
    char msg[8][200];
} warns;

static void warn_fn(void *u, const char *m)
{
    warns *w = u;
    if (w->n < 8)
        snprintf(w->msg[w->n], sizeof w->msg[0], "%s", m);
    w->n++;
}

START_TEST(port_lists)
{
    uint16_t p[HS_PORT_LIST_MAX];
    warns w = {0};
    int n = hs_port_list_parse("1 2,3 4 5 6 7 8 9 10 11 12 13", "OffloadExcludeDestinationPorts", p, warn_fn, &w);
    ck_assert_int_eq(n, 12);
    ck_assert_uint_eq(p[11], 12);
    ck_assert_int_eq(w.n, 1);
    ck_assert_ptr_nonnull(strstr(w.msg[0], "OffloadExcludeDestinationPorts"));
    ck_assert_ptr_nonnull(strstr(w.msg[0], "1 port beyond the first 12 ignored"));
    memset(&w, 0, sizeof w);
    n = hs_port_list_parse("80,abc 70000 0, 443", "OffloadIncludeSourcePorts", p, warn_fn, &w);
    ck_assert_int_eq(n, 2);
    ck_assert_uint_eq(p[0], 80);
    ck_assert_uint_eq(p[1], 443);
    ck_assert_int_eq(w.n, 3);
    ck_assert_ptr_nonnull(strstr(w.msg[0], "'abc'"));
    ck_assert_ptr_nonnull(strstr(w.msg[1], "'70000'"));
    ck_assert_ptr_nonnull(strstr(w.msg[2], "'0'"));
    ck_assert_int_eq(hs_port_list_parse("", "x", p, warn_fn, &w), 0);

    /* exclusion first: a port in both lists is excluded; source = the sender's port */
    hs_config cfg;
    rn_init_cfg(&cfg);
    cfg.offload_exclude_src[0] = 40001;
    cfg.n_exclude_src = 1;
    cfg.offload_exclude_dst[0] = 5001;
    cfg.offload_include_src[0] = 40002;
    cfg.n_include_src = 1;
    rn r;
    rn_start(&r, &cfg, 4); /* n_exclude_dst 0: the 5001 entry is not in use */
    for (int i = 0; i < 3; i++)
        rn_flow(&r, i, 20 + (uint32_t)i, 30000, 0, 0, NULL);
    ck_assert_int_eq(rn_conn(&r, 0).toe_state, HS_TOE_OFFLOADED);
    ck_assert_int_eq(rn_conn(&r, 1).toe_state, HS_TOE_IN_HOST);
    ck_assert_int_eq(rn_conn(&r, 2).toe_state, HS_TOE_OFFLOADED);
    hs_stats st = rn_end(&r);
    ck_assert_uint_eq(st.toe_attempts, 2);
    for (int i = 0; i < 3; i++)
        rn_expect(&r, i, 30000);
    rn_free(&r);

    cfg.n_exclude_dst = 1; /* every connection goes to port 5001 */
    rn_start(&r, &cfg, 4);
    rn_flow(&r, 0, 20, 30000, 0, 0, NULL);
    st = rn_end(&r);
    ck_assert_uint_eq(st.toe_attempts, 0);
    rn_expect(&r, 0, 30000);
    rn_free(&r);
}
END_TEST

/* Any of the host features that rule Chimney out: never offloaded, with the reason. */
START_TEST(firewall_blocks)
{
    hs_config cfg;
    rn_init_cfg(&cfg);
    ck_assert_ptr_null(hs_chimney_blocker(&cfg));
    cfg.windows_firewall = 1;
    rn r;
    rn_start(&r, &cfg, 4);
    rn_flow(&r, 0, 5, 20000, 0, 1, NULL);
    hs_stats st = rn_end(&r);
    ck_assert_uint_eq(st.toe_attempts, 0);
    ck_assert_ptr_nonnull(strstr(st.toe_blocked, "Firewall"));
    rn_expect(&r, 0, 20000);
    rn_free(&r);
    rn_init_cfg(&cfg);
    cfg.bridging = 1;
    ck_assert_ptr_nonnull(strstr(hs_chimney_blocker(&cfg), "IP NAT"));
    rn_init_cfg(&cfg);
    cfg.ndis51_im_driver = 1;
    ck_assert_ptr_nonnull(strstr(hs_chimney_blocker(&cfg), "NDIS 5.1"));
    rn_init_cfg(&cfg);
    cfg.chimney = 0; /* EnableTCPChimney = 0: no offload, and not a "blocker" */
    rn_start(&r, &cfg, 4);
    rn_flow(&r, 0, 5, 20000, 0, 1, NULL);
    st = rn_end(&r);
    ck_assert_uint_eq(st.toe_attempts, 0);
    ck_assert_str_eq(st.toe_blocked, "");
    rn_free(&r);
}
END_TEST

/* RESOURCES: the connection stays in the host (counted) and is retried when a slot frees. */
START_TEST(resources_retry)
{
    rn r;
    rn_start(&r, NULL, 4);
    r.f.accept_limit = 1; /* the NIC refuses a second connection although slots look free */
    rn_flow(&r, 0, 31, 20000, 0, 0, NULL);
    rn_flow(&r, 1, 32, 20000, 0, 0, NULL);
    hs_stats st = tb_stats(r.s);
    ck_assert_uint_eq(st.toe_refusals, 1);
    ck_assert_uint_eq(st.toe_successes, 1);
    ck_assert_int_eq(rn_conn(&r, 1).toe_state, HS_TOE_IN_HOST);
    /* flow 0 ends: its FIN uploads it, the slot frees, flow 1 is offloaded at once */
    rn_seg(&r, 0, 20000, 0, PKT_TCP_FIN | PKT_TCP_ACK);
    st = tb_stats(r.s);
    ck_assert_uint_eq(st.toe_uploads[HS_UP_FIN], 1);
    ck_assert_uint_eq(st.toe_successes, 2);
    ck_assert_int_eq(rn_conn(&r, 1).toe_state, HS_TOE_OFFLOADED);
    for (uint32_t off = 20000; off < 40000; off += 1000)
        rn_seg(&r, 1, off, 1000, 0x10);
    rn_seg(&r, 1, 40000, 0, PKT_TCP_FIN | PKT_TCP_ACK);
    st = rn_end(&r);
    ck_assert_uint_eq(st.toe_refusals, 1);
    ck_assert_uint_eq(st.toe_uploads[HS_UP_FIN], 2);
    ck_assert_uint_eq(st.conns_fin, 2);
    rn_expect(&r, 0, 20000);
    rn_expect(&r, 1, 40000);
    rn_free(&r);
}
END_TEST

/* A full table: an OFFLOAD_PREFERRED connection takes the slot of the least active other one. */
START_TEST(preferred_eviction)
{
    hs_config cfg;
    rn_init_cfg(&cfg);
    cfg.offload_include_dst[0] = 5001; /* flows 0..2 go to 5001 but flow 3 is redirected below */
    cfg.n_include_dst = 0;
    cfg.offload_include_src[0] = 40002;
    cfg.n_include_src = 1;
    rn r;
    rn_start(&r, &cfg, 2);
    rn_flow(&r, 0, 41, 10000, 0, 0, NULL);
    rn_flow(&r, 1, 42, 10000, 0, 0, NULL);
    /* flow 0 active more recently (the host sees a buffer complete): flow 1 is the victim */
    rn_seg(&r, 0, 10000, 1000, 0x18);
    ck_assert_int_eq(rn_conn(&r, 0).toe_state, HS_TOE_OFFLOADED);
    ck_assert_int_eq(rn_conn(&r, 1).toe_state, HS_TOE_OFFLOADED);
    rn_flow(&r, 2, 43, 10000, 0, 0, NULL); /* preferred */
    hs_stats st = tb_stats(r.s);
    ck_assert_uint_eq(st.toe_uploads[HS_UP_PREFERRED], 1);
    ck_assert_int_eq(rn_conn(&r, 0).toe_state, HS_TOE_OFFLOADED);
    ck_assert_int_eq(rn_conn(&r, 1).toe_state, HS_TOE_IN_HOST);
    ck_assert_int_eq(rn_conn(&r, 2).toe_state, HS_TOE_OFFLOADED);
    ck_assert_int_eq(rn_conn(&r, 1).toe_last_upload, HS_UP_PREFERRED);
    /* flow 1 keeps going in the host; a non-preferred connection never evicts */
    for (uint32_t off = 10000; off < 20000; off += 1000)
        rn_seg(&r, 1, off, 1000, 0x10);
    ck_assert_int_eq(rn_conn(&r, 1).toe_state, HS_TOE_IN_HOST);
    ck_assert_int_eq(rn_conn(&r, 2).toe_state, HS_TOE_OFFLOADED);
    st = rn_end(&r);
    ck_assert_uint_eq(st.toe_uploads[HS_UP_PREFERRED], 1);
    rn_expect(&r, 0, 11000);
    rn_expect(&r, 1, 20000);
    rn_expect(&r, 2, 10000);
    rn_free(&r);
}
END_TEST

/* Frames reaching the host unmarked while the OFFLOAD is on its way: held; OK -> UPLOAD at
 * once (offload race) -> held frames processed; the offload is retried later. */
START_TEST(offload_race)
{
    rn r;
    rn_start(&r, NULL, 4);
    r.pump = 0;
    rn_seg(&r, 0, 0, 1000, 0x18); /* OFFLOAD queued, not executed */
    rn_seg(&r, 0, 1000, 1000, 0x18);
    rn_seg(&r, 0, 3000, 1000, 0x18); /* out of order too */
    hs_stats st = tb_stats(r.s);
    ck_assert_uint_eq(st.toe_held_frames, 2);
    ck_assert_int_eq(rn_conn(&r, 0).toe_state, HS_TOE_OFFLOADING);
    ck_assert_uint_eq(r.app[0].len, 1000);
    fk_pump(&r.f);
    st = tb_stats(r.s);
    ck_assert_uint_eq(st.toe_successes, 1);
    ck_assert_uint_eq(st.toe_uploads[HS_UP_RACE], 1);
    ck_assert_int_eq(rn_conn(&r, 0).toe_state, HS_TOE_IN_HOST);
    ck_assert_uint_eq(r.app[0].len, 2000);
    ck_assert_uint_eq(st.ooo_segments, 1);
    r.pump = 1;
    rn_seg(&r, 0, 2000, 1000, 0x10); /* fills the gap; within the back-off: stays in host */
    ck_assert_int_eq(rn_conn(&r, 0).toe_state, HS_TOE_IN_HOST);
    r.now += 2000000; /* past the 1 ms back-off */
    rn_seg(&r, 0, 4000, 1000, 0x10);
    ck_assert_int_eq(rn_conn(&r, 0).toe_state, HS_TOE_OFFLOADED);
    for (uint32_t off = 5000; off < 60000; off += 1000)
        rn_seg(&r, 0, off, 1000, 0x10);
    st = rn_end(&r);
    ck_assert_uint_eq(st.toe_successes, 2);
    ck_assert_uint_eq(st.tcp_segments, 60);
    ck_assert_uint_eq(st.tcp_payload_bytes, 60000);
    rn_expect(&r, 0, 60000);
    rn_free(&r);
}
END_TEST

static void fin_rst_case(uint8_t last, int reorder)
{
    rn base, r;
    rn_start(&base, NULL, 0);
    rn_flow(&base, 0, 51, 100000, reorder, 0, NULL);
    rn_seg(&base, 0, 100000, 0, last);
    hs_stats sb = rn_end(&base);
    rn_start(&r, NULL, 4);
    rn_flow(&r, 0, 51, 100000, reorder, 0, NULL);
    ck_assert_int_eq(rn_conn(&r, 0).toe_state, HS_TOE_OFFLOADED);
    rn_seg(&r, 0, 100000, 0, last);
    ck_assert_int_eq(rn_conn(&r, 0).toe_state, HS_TOE_IN_HOST);
    hs_stats st = rn_end(&r);
    ck_assert_uint_eq(st.toe_uploads[(last & PKT_TCP_RST) ? HS_UP_RST : HS_UP_FIN], 1);
    ck_assert_uint_eq(st.toe_exc_frames, 1);
    ck_assert_uint_eq(st.toe_upreqs, 1);
    ck_assert_uint_eq(r.app[0].len, base.app[0].len);
    ck_assert_mem_eq(r.app[0].data, base.app[0].data, base.app[0].len);
    rn_expect(&r, 0, 100000);
    rn_same_totals(&sb, &st);
    ck_assert_uint_eq(st.conns_rst, sb.conns_rst);
    rn_free(&r);
    rn_free(&base);
}

START_TEST(fin_exception)
{
    fin_rst_case(PKT_TCP_FIN | PKT_TCP_ACK, 0);
    fin_rst_case(PKT_TCP_FIN | PKT_TCP_ACK, 5);
}
END_TEST

START_TEST(rst_exception)
{
    fin_rst_case(PKT_TCP_RST | PKT_TCP_ACK, 0);
}
END_TEST

/* netsh DISABLED/ENABLED several times mid-stream, with reordering: the stream and the totals
 * equal a never-offloaded run. */
static int g_toggle_every;
static void toggle_hook(rn *r, int k)
{
    if (k && k % g_toggle_every == 0) {
        int on = (k / g_toggle_every) % 2 == 0;
        hs_chimney_set(r->s, on, 0, r->now);
        if (r->engine)
            fk_pump(&r->f);
    }
}

START_TEST(toggle_exact)
{
    uint64_t ind_total = 0;
    for (uint32_t seed = 1; seed <= 4; seed++) {
        g_toggle_every = 23 + (int)seed * 7;
        rn base, r;
        rn_start(&base, NULL, 0);
        rn_flow(&base, 0, 60 + seed, RN_STREAM, 6, 1, toggle_hook);
        hs_stats sb = rn_end(&base);
        hs_config cfg;
        rn_init_cfg(&cfg);
        cfg.toe_posted_buffers = 1 + seed % 2;
        rn_start(&r, &cfg, 4);
        rn_flow(&r, 0, 60 + seed, RN_STREAM, 6, 1, toggle_hook);
        hs_stats st = rn_end(&r);
        rn_expect(&base, 0, RN_STREAM);
        rn_expect(&r, 0, RN_STREAM);
        rn_same_totals(&sb, &st);
        ck_assert_uint_ge(st.toe_uploads[HS_UP_CHIMNEY_OFF], 2);
        ck_assert_uint_ge(st.toe_successes, st.toe_uploads[HS_UP_CHIMNEY_OFF]);
        ck_assert_uint_ge(st.toe_successes, 3);
        ck_assert_uint_gt(st.toe_bytes_placed, 0);
        ind_total += st.toe_bytes_indicated;
        ck_assert_uint_eq(st.toe_bytes_placed + st.toe_bytes_indicated + st.toe_bytes_host,
                          st.tcp_payload_bytes);
        /* ACKs: the NIC's and the host's policy are the same, only the hand-over points differ */
        ck_assert_uint_le(st.acks_sent, sb.acks_sent + 2 * st.toe_successes);
        ck_assert_uint_ge(st.acks_sent + 2 * st.toe_successes, sb.acks_sent);
        rn_free(&r);
        rn_free(&base);
    }
    ck_assert_uint_gt(ind_total, 0);
}
END_TEST

/* Link loss uploads every offloaded connection; nothing is offloaded while it is down. */
START_TEST(link_down)
{
    rn r;
    rn_start(&r, NULL, 4);
    for (int i = 0; i < 3; i++)
        rn_flow(&r, i, 70 + (uint32_t)i, 20000, 0, 0, NULL);
    ck_assert_uint_eq(tb_stats(r.s).toe_offloaded_now, 3);
    hs_link_set(r.s, 0, 0, r.now);
    fk_pump(&r.f);
    hs_stats st = tb_stats(r.s);
    ck_assert_uint_eq(st.toe_uploads[HS_UP_LINK], 3);
    ck_assert_uint_eq(st.toe_offloaded_now, 0);
    ck_assert_int_eq(hs_toe_busy(r.s), 0);
    rn_seg(&r, 0, 20000, 1000, 0x10);
    ck_assert_int_eq(rn_conn(&r, 0).toe_state, HS_TOE_IN_HOST);
    hs_link_set(r.s, 1, 0, r.now);
    rn_seg(&r, 0, 21000, 1000, 0x10);
    ck_assert_int_eq(rn_conn(&r, 0).toe_state, HS_TOE_OFFLOADED);
    st = rn_end(&r);
    rn_expect(&r, 0, 22000);
    rn_expect(&r, 1, 20000);
    rn_expect(&r, 2, 20000);
    ck_assert_uint_eq(st.toe_successes, 4);
    rn_free(&r);
}
END_TEST

/* Policy automatic: offload once auto_min_bytes arrived, only on a fast link and a short path. */
START_TEST(policy_automatic)
{
    hs_config cfg;
    rn_init_cfg(&cfg);
    cfg.chimney_policy = HS_CHIMNEY_AUTOMATIC;
    cfg.auto_min_bytes = 5000;
    rn r;
    rn_start(&r, &cfg, 4);
    for (uint32_t off = 0; off < 4000; off += 1000)
        rn_seg(&r, 0, off, 1000, 0x10);
    ck_assert_int_eq(rn_conn(&r, 0).toe_state, HS_TOE_IN_HOST);
    rn_seg(&r, 0, 4000, 1000, 0x10);
    ck_assert_int_eq(rn_conn(&r, 0).toe_state, HS_TOE_OFFLOADED);
    rn_end(&r);
    rn_expect(&r, 0, 5000);
    rn_free(&r);

    const uint64_t rtt[2] = {50000000ull, 0}, link[2] = {10000000000ull, 1000000000ull};
    for (int k = 0; k < 2; k++) {
        cfg.path_rtt_ns = rtt[k];
        cfg.link_bps = link[k];
        rn_start(&r, &cfg, 4);
        rn_flow(&r, 0, 80, 50000, 0, 0, NULL);
        hs_stats st = rn_end(&r);
        ck_assert_uint_eq(st.toe_attempts, 0);
        rn_expect(&r, 0, 50000);
        rn_free(&r);
    }
}
END_TEST

/* HighOutofOrderPackets: the fifth interval makes the NIC ask for an upload; no byte lost. */
START_TEST(ooo_limit)
{
    rn r;
    rn_start(&r, NULL, 4);
    rn_seg(&r, 0, 0, 1000, 0x10);
    ck_assert_int_eq(rn_conn(&r, 0).toe_state, HS_TOE_OFFLOADED);
    for (int k = 0; k < 6; k++) /* holes at 1000, 3000, ... */
        rn_seg(&r, 0, 2000 + 2000 * (uint32_t)k, 1000, 0x10);
    hs_stats st = tb_stats(r.s);
    ck_assert_uint_eq(st.toe_uploads[HS_UP_OOO], 1);
    for (int k = 0; k < 7; k++)
        rn_seg(&r, 0, 1000 + 2000 * (uint32_t)k, 1000, 0x10);
    st = rn_end(&r);
    rn_expect(&r, 0, 14000);
    ck_assert_uint_eq(st.tcp_segments, 14);
    ck_assert_uint_eq(st.ooo_segments, 6);
    rn_free(&r);
}
END_TEST

/* Four interleaved flows, a command queue of 2 (POSTs and UPLOADs refused and retried), four
 * buffers per connection, Chimney toggled and the link lost and back, and SYN/URG/unmarked
 * frames on offloaded connections: every stream and the totals equal a run without engine. */
static void mix_run(rn *r, int engine)
{
    hs_config cfg;
    rn_init_cfg(&cfg);
    cfg.recv_buffer_bytes = 4096;
    cfg.toe_posted_buffers = 4;
    rn_start(r, &cfg, engine ? 3 : 0); /* 3 slots for 4 flows: one waits */
    r->f.depth = 2;
    uint32_t x = 99, off[RN_FLOWS] = {0};
    int urg_done = 0;
    const uint32_t total = 120000;
    for (int k = 0; k < 600; k++) {
        int i = (int)(rn_rand(&x) % RN_FLOWS);
        uint32_t n = 100 + rn_rand(&x) % 1400;
        if (off[i] + n > total)
            continue;
        uint8_t fl = (uint8_t)(0x10 | (rn_rand(&x) % 5 == 0 ? PKT_TCP_PSH : 0));
        if (k >= 300 && !urg_done && off[i] &&
            (!r->engine || rn_conn_flow(r, i).toe_state == HS_TOE_OFFLOADED)) {
            fl |= PKT_TCP_URG; /* urgent data: an exception, then the host's TCP (it ignores URG) */
            urg_done = 1;
        }
        rn_seg(r, i, off[i], n, fl);
        off[i] += n;
        if (k % 97 == 50) {
            hs_chimney_set(r->s, 0, 0, r->now);
            if (r->engine)
                fk_pump(&r->f);
            hs_chimney_set(r->s, 1, 0, r->now);
        }
        if (k == 420) {
            hs_link_set(r->s, 0, 0, r->now);
            if (r->engine)
                fk_pump(&r->f);
            hs_link_set(r->s, 1, 0, r->now);
        }
        if (k == 200 && r->engine) {
            /* a frame of an offloaded connection the NIC could not parse reaches the host
               unmarked (the fake does not look at it) */
            uint8_t fr[TB_FRAME_CAP];
            int j = 0;
            while (j < RN_FLOWS && (!off[j] || rn_conn_flow(r, j).toe_state != HS_TOE_OFFLOADED))
                j++;
            ck_assert_int_lt(j, RN_FLOWS);
            int len = tb_tcp(&r->fl[j], r->isn[j] + off[j], 0x10, r->stream[j] + off[j], 500, fr);
            tb_rx(r->s, fr, len, HS_CSUM_OK, 0, r->now);
            fk_pump(&r->f);
            ck_assert_int_eq(rn_conn_flow(r, j).toe_last_upload, HS_UP_UNMARKED);
            ck_assert_int_eq(rn_conn_flow(r, j).toe_state, HS_TOE_IN_HOST);
            off[j] += 500;
        }
    }
    memcpy(r->sent, off, sizeof off);
}

START_TEST(command_queue_full)
{
    rn r;
    mix_run(&r, 1);
    hs_stats st = rn_end(&r);
    ck_assert_uint_gt(st.toe_cmd_busy, 0);
    ck_assert_uint_gt(st.toe_uploads[HS_UP_CHIMNEY_OFF], 0);
    ck_assert_uint_gt(st.toe_uploads[HS_UP_LINK], 0);
    ck_assert_uint_eq(st.toe_uploads[HS_UP_URG], 1);
    ck_assert_uint_eq(st.toe_uploads[HS_UP_UNMARKED], 1);
    ck_assert_uint_gt(st.toe_refusals + st.toe_offloaded_peak, 0);
    ck_assert_uint_le(st.toe_offloaded_peak, 3);
    ck_assert_uint_eq(st.toe_bytes_placed + st.toe_bytes_indicated + st.toe_bytes_host,
                      st.tcp_payload_bytes);
    for (int i = 0; i < RN_FLOWS; i++) {
        hs_conn_stats cs = rn_conn(&r, i);
        int k = 0;
        for (; k < RN_FLOWS; k++)
            if (cs.id.sport == r.fl[k].sport)
                break;
        ck_assert_int_lt(k, RN_FLOWS);
        ck_assert_uint_gt(r.sent[k], 10000);
        rn_expect(&r, k, r.sent[k]);
    }
    rn_free(&r);
}
END_TEST

/* A SYN with a new ISN on an offloaded connection: upload (reason syn), then the host restarts
 * the connection; the new incarnation is offloaded again. */
START_TEST(syn_exception)
{
    rn r;
    rn_start(&r, NULL, 4);
    rn_flow(&r, 0, 7, 30000, 0, 0, NULL);
    ck_assert_int_eq(rn_conn(&r, 0).toe_state, HS_TOE_OFFLOADED);
    uint32_t old_isn = r.isn[0];
    rn_seg(&r, 0, 30000, 0, PKT_TCP_PSH | PKT_TCP_ACK); /* pure ACK: absorbed by the NIC */
    r.isn[0] = old_isn + 5000000u;
    rn_seg(&r, 0, 0, 0, PKT_TCP_SYN); /* SYN of a new incarnation: sequence isn */
    hs_stats st = tb_stats(r.s);
    ck_assert_uint_eq(st.toe_uploads[HS_UP_SYN], 1);
    ck_assert_int_eq(rn_conn(&r, 0).toe_state, HS_TOE_IN_HOST);
    ck_assert_uint_eq(st.conns_syn, 1);
    r.isn[0] += 1; /* data starts after the SYN */
    rn_seg(&r, 0, 0, 1000, 0x18);
    ck_assert_int_eq(rn_conn(&r, 0).toe_state, HS_TOE_OFFLOADED);
    st = rn_end(&r);
    ck_assert_uint_eq(st.toe_successes, 2);
    ck_assert_uint_eq(r.app[0].len, 31000);
    ck_assert_mem_eq(r.app[0].data, r.stream[0], 30000);
    ck_assert_mem_eq(r.app[0].data + 30000, r.stream[0], 1000);
    rn_free(&r);
}
END_TEST

/* IPv6 with an 802.1Q tag: the OFFLOAD carries addresses, ports, MACs and the tag. */
START_TEST(ipv6_vlan_state)
{
    rn r;
    rn_start(&r, NULL, 4);
    tb_flow6(&r.fl[0], 40000, 5001);
    r.fl[0].vlan = 1;
    r.fl[0].tci = 0x2064;
    rn_flow(&r, 0, 3, 50000, 4, 1, NULL);
    ck_assert_uint_eq(r.f.offloads, 1);
    hs_stats st = rn_end(&r);
    rn_expect(&r, 0, 50000);
    ck_assert_uint_eq(st.toe_successes, 1);
    ck_assert_uint_eq(st.toe_uploads[HS_UP_FIN], 1);
    /* the fake keeps the state of the slot it used */
    const nic_toe_state *k = &r.f.c[0].st;
    ck_assert_uint_eq(k->v6, 1);
    ck_assert_uint_eq(k->vlan, 1);
    ck_assert_uint_eq(k->vlan_tci, 0x2064);
    ck_assert_mem_eq(k->remote_addr, r.fl[0].src, 16);
    ck_assert_mem_eq(k->local_addr, r.fl[0].dst, 16);
    ck_assert_mem_eq(k->local_mac, tb_mac_host, 6);
    ck_assert_uint_eq(k->remote_port, 40000);
    ck_assert_uint_eq(k->local_port, 5001);
    rn_free(&r);
}
END_TEST

static Suite *toe_suite(void)
{
    Suite *s = suite_create("hoststack_toe");
    TCase *t = tcase_create("toe");
    tcase_set_timeout(t, 60);
    tcase_add_test(t, offload_first_segment);
    tcase_add_test(t, port_lists);
    tcase_add_test(t, firewall_blocks);
    tcase_add_test(t, resources_retry);
    tcase_add_test(t, preferred_eviction);
    tcase_add_test(t, offload_race);
    tcase_add_test(t, fin_exception);
    tcase_add_test(t, rst_exception);
    tcase_add_test(t, toggle_exact);
    tcase_add_test(t, link_down);
    tcase_add_test(t, policy_automatic);
    tcase_add_test(t, ooo_limit);
    tcase_add_test(t, command_queue_full);
    tcase_add_test(t, syn_exception);
    tcase_add_test(t, ipv6_vlan_state);
    suite_add_tcase(s, t);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(toe_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
