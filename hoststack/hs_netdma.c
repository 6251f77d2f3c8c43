/* NetDMA in the host stack: copies of received payload into application buffers by the
 * chipset's copy engine (hs_netdma_if) instead of the CPU. docs/netdma.md, "How the stack uses
 * the engine", states the rules this file implements:
 *
 *   - who may use it: an engine installed, EnableTCPA, no [host] switch that rules it out (the
 *     Chimney blockers of KB 912222), the connection in the host (Chimney wins);
 *   - what is copied by the engine: each piece of an in-order segment's payload that goes
 *     straight into a posted application buffer, when the segment's payload is at least
 *     MinPacketSizeToDma and the frame lies in a receive buffer the stack may keep;
 *   - the frame's receive buffer is kept until every copy reading it completed (rx_return);
 *   - a receive completes to the application only once the engine wrote its last byte, in
 *     order (hs_app.c: "complete pending" buffers);
 *   - completions come from hs_netdma_done (poll or the engine's interrupt); a failed copy is
 *     redone by the CPU; a full ring means a CPU copy;
 *   - DmaSyncCompletionHighThreshold: the CPU waits for the segment's last copy when little
 *     space is left in the posted buffer (hs_netdma_wait_pending / hs_netdma_waited).
 *
 * Copies are tracked per submitting CPU in cookie order (cookies increase, so a queue is
 * sorted and a completion is found by binary search); completed copies leave the front. */
#include <stdlib.h>
#include <string.h>

#include "hs_internal.h"

static const char *const hs_ndb_names[HS_NDB_COUNT] = {
    [HS_NDB_NONE] = "none",
    [HS_NDB_EARLY_COMPLETE] = "early_complete",
    [HS_NDB_EARLY_RETURN] = "early_return",
    [HS_NDB_EARLY_ACCESS] = "early_access",
};

const char *hs_netdma_break_name(int b) { return b >= 0 && b < HS_NDB_COUNT ? hs_ndb_names[b] : NULL; }

const char *hs_netdma_blocker(const hs_config *c) { return hs_chimney_blocker(c); }

/* ---- setup ---- */
void hs_nd_create(hs_stack *s)
{
    const char *why = hs_netdma_blocker(&s->cfg);
    s->nd_blocked = why != NULL;
    snprintf(s->st.netdma_blocked, sizeof s->st.netdma_blocked, "%s", why ? why : "");
}

void hs_nd_destroy(hs_stack *s)
{
    for (int i = 0; i < HS_MAX_CPUS; i++) {
        hs_nd_queue *q = &s->ndq[i];
        /* frames still kept (the run ended with copies outstanding): their records only */
        for (size_t k = 0; k < q->n; k++) {
            hs_nd_copy *e = &q->e[(q->head + k) % q->cap];
            if (!e->done && e->fr && --e->fr->refs == 0)
                free(e->fr);
        }
        free(q->e);
        memset(q, 0, sizeof *q);
    }
    free(s->nd_rxf);
    s->nd_rxf = NULL;
}

void hs_set_netdma(hs_stack *s, const hs_netdma_if *nd)
{
    memset(&s->nd, 0, sizeof s->nd);
    if (!nd || nd->channels <= 0 || !nd->copy || !nd->flush || !nd->poll || !nd->rx_return ||
        !nd->buf_alloc || !nd->buf_free)
        return;
    s->nd = *nd;
}

int hs_nd_want_host_buffers(const hs_stack *s) { return s->nd.channels > 0 && s->cfg.netdma; }

int hs_nd_usable(const hs_stack *s, const hs_conn *c)
{
    return hs_nd_want_host_buffers(s) && !s->nd_blocked && c->toe == HS_TOE_IN_HOST &&
           !s->finished;
}

void hs_nd_buf_release(hs_stack *s, hs_conn *c)
{
    if (!c->buf)
        return;
    if (c->buf_nd)
        s->nd.buf_free(s->nd.user, c->buf,
                       (uint32_t)((size_t)s->cfg.recv_buffer_bytes * s->cfg.posted_buffers));
    else
        free(c->buf);
    c->buf = NULL;
    c->buf_nd = 0;
    c->buf_dma = 0;
}

/* ---- the copy queue of one CPU ---- */
static hs_nd_copy *hs_nd_push(hs_nd_queue *q)
{
    if (q->n == q->cap) {
        size_t cap = q->cap ? 2 * q->cap : 64;
        hs_nd_copy *e = malloc(cap * sizeof *e);
        if (!e)
            return NULL;
        for (size_t k = 0; k < q->n; k++)
            e[k] = q->e[(q->head + k) % q->cap];
        free(q->e);
        q->e = e;
        q->cap = cap;
        q->head = 0;
    }
    hs_nd_copy *r = &q->e[(q->head + q->n) % q->cap];
    q->n++;
    return r;
}

static hs_nd_copy *hs_nd_find(hs_nd_queue *q, uint64_t cookie)
{
    size_t lo = 0, hi = q->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        hs_nd_copy *e = &q->e[(q->head + mid) % q->cap];
        if (e->cookie == cookie)
            return e;
        if (e->cookie < cookie)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

static void hs_nd_pop_done(hs_nd_queue *q)
{
    while (q->n && q->e[q->head].done) {
        q->head = (q->head + 1) % q->cap;
        q->n--;
    }
    if (q->n == 0)
        q->head = 0;
}

/* ---- copying ---- */
static void hs_nd_touch(hs_stack *s, const hs_conn *c, int cpu, int kind, uint32_t boff, uint32_t n)
{
    if (s->nd.touch && c->buf_nd && n)
        s->nd.touch(s->nd.user, cpu, kind, c->buf_dma + boff, n);
}

/* The CPU copies n bytes to c->buf + boff (charged to HS_K_COPY, counted). */
static void hs_nd_cpu_copy(hs_stack *s, hs_conn *c, int cpu, uint32_t boff, const uint8_t *d,
                           uint32_t n, int warm)
{
    hs_nd_touch(s, c, cpu, HS_ND_TOUCH_CPU_WRITE, boff, n);
    memcpy(c->buf + boff, d, n);
    hs_chg(s, cpu, HS_K_COPY, hs_c(s, warm ? HS_C_COPY_WARM_BYTE : HS_C_COPY_COLD_BYTE) * (double)n);
    s->st.bytes_copied += n;
    s->st.mem_bytes += 2ull * n;
}

void hs_nd_copy_piece(hs_stack *s, hs_conn *c, int cpu, uint32_t idx, uint32_t boff,
                      const uint8_t *d, uint32_t n, int warm, int ends_receive)
{
    boff += idx * s->cfg.recv_buffer_bytes;
    if (s->toe_nocopy) {
        /* NIC-placed bytes (Chimney): in the application's buffer already, no copy charge */
        hs_nd_touch(s, c, cpu, HS_ND_TOUCH_CPU_WRITE, boff, n);
        memcpy(c->buf + boff, d, n);
        return;
    }
    const hs_rx_frame *f = s->nd_frame;
    int mode = HS_ND_MODE_CPU;
    if (f && d >= f->data && d + n <= f->data + f->len)
        mode = s->nd_mode; /* a piece of the frame's payload, straight to the application */
    if (mode == HS_ND_MODE_SMALL)
        s->st.netdma_small_bytes += n;
    if (mode == HS_ND_MODE_ENGINE && !c->buf_nd)
        mode = HS_ND_MODE_FALLBACK;
    if (mode == HS_ND_MODE_ENGINE) {
        hs_nd_queue *q = &s->ndq[cpu];
        hs_nd_frame *fr = s->nd_rxf;
        if (!fr) {
            fr = calloc(1, sizeof *fr);
            if (fr) {
                fr->token = f->rx_token;
                fr->cpu = cpu;
                fr->in_rx = 1;
                fr->data = f->data;
                s->nd_rxf = fr;
            }
        }
        hs_nd_copy *e = fr ? hs_nd_push(q) : NULL;
        if (e) {
            uint64_t cookie = s->nd_cookie + 1;
            uint32_t soff = (uint32_t)(d - f->data);
            int64_t cyc = s->nd.copy(s->nd.user, cpu, c->buf_dma + boff, f->dma + soff, n, cookie,
                                     ends_receive);
            if (cyc >= 0) {
                s->nd_cookie = cookie;
                e->cookie = cookie;
                e->c = c;
                e->fr = fr;
                e->idx = idx;
                e->boff = boff;
                e->soff = soff;
                e->len = n;
                e->done = 0;
                q->live++;
                q->queued = 1;
                fr->refs++;
                c->nd_out[idx]++;
                c->nd_cold[idx] += n;
                c->nd_busy++;
                s->nd_out++;
                s->nd_seg_cookie = cookie;
                s->st.netdma_copies++;
                s->st.netdma_bytes += n;
                hs_chg(s, cpu, HS_K_NETDMA, (double)cyc);
                if (s->cfg.netdma_break == HS_NDB_EARLY_ACCESS)
                    hs_nd_touch(s, c, cpu, HS_ND_TOUCH_APP_READ, boff, n); /* debug: too early */
                return;
            }
            q->n--; /* the channel has no room: the CPU copies this piece */
        }
        mode = HS_ND_MODE_FALLBACK;
    }
    if (mode == HS_ND_MODE_FALLBACK)
        s->st.netdma_fallback_bytes += n;
    hs_nd_cpu_copy(s, c, cpu, boff, d, n, warm);
}

/* ---- entry points ---- */
void hs_nd_enter(hs_stack *s, int cpu)
{
    if (s->nd_depth++ == 0 && s->nd.channels > 0 && s->ndq[cpu].live)
        hs_chg(s, cpu, HS_K_NETDMA, (double)s->nd.poll(s->nd.user, cpu));
}

void hs_nd_leave(hs_stack *s, int cpu)
{
    (void)cpu;
    if (--s->nd_depth != 0 || s->nd.channels <= 0)
        return;
    for (int i = 0; i < s->cfg.cpus; i++)
        if (s->ndq[i].queued) {
            s->ndq[i].queued = 0;
            hs_chg(s, i, HS_K_NETDMA, (double)s->nd.flush(s->nd.user, i));
        }
}

void hs_batch_begin(hs_stack *s, int cpu)
{
    if (cpu < 0 || cpu >= s->cfg.cpus)
        cpu = 0;
    hs_nd_enter(s, cpu);
}

void hs_batch_end(hs_stack *s, int cpu)
{
    if (cpu < 0 || cpu >= s->cfg.cpus)
        cpu = 0;
    hs_nd_leave(s, cpu);
}

void hs_nd_after_segment(hs_stack *s, hs_conn *c, int cpu)
{
    uint64_t cookie = s->nd_seg_cookie;
    s->nd_seg_cookie = 0;
    if (!cookie || s->cfg.dma_sync_threshold == 0)
        return;
    /* space left in the posted buffer after this segment: the buffer being filled; when the
       segment completed it (nothing in the next one yet), the next posted buffer's, 0 if the
       application has none posted */
    uint32_t bsz = s->cfg.recv_buffer_bytes;
    uint32_t space = c->fill_len ? bsz - c->fill_len
                     : c->ncomp + c->npend < s->cfg.posted_buffers ? bsz
                                                                   : 0;
    if (space < s->cfg.dma_sync_threshold) {
        s->ndq[cpu].wait = 1;
        s->ndq[cpu].wait_cookie = cookie;
    }
}

void hs_nd_rx_end(hs_stack *s)
{
    hs_nd_frame *fr = s->nd_rxf;
    s->nd_rxf = NULL;
    if (!fr)
        return;
    fr->in_rx = 0;
    if (fr->refs == 0) {
        free(fr);
        return;
    }
    if (s->cfg.netdma_break == HS_NDB_EARLY_RETURN) {
        /* debug: the buffer goes back to the driver at once (reported as not kept) although
           the engine has not read it yet; no rx_return later */
        fr->no_return = 1;
        return;
    }
    s->rx_retained = 1;
}

int hs_last_rx_retained(const hs_stack *s) { return s->rx_retained; }

uint64_t hs_netdma_outstanding(const hs_stack *s) { return s->nd_out; }

int hs_netdma_wait_pending(const hs_stack *s, int cpu, uint64_t *cookie)
{
    if (cpu < 0 || cpu >= s->cfg.cpus || !s->ndq[cpu].wait)
        return 0;
    if (cookie)
        *cookie = s->ndq[cpu].wait_cookie;
    return 1;
}

uint64_t hs_netdma_waited(hs_stack *s, int cpu, uint64_t cycles)
{
    cpu = hs_cpu(s, cpu);
    s->ndq[cpu].wait = 0;
    s->st.netdma_sync_waits++;
    s->st.netdma_sync_wait_cycles += cycles;
    return hs_charge(s, cpu, HS_K_NETDMA_WAIT, cycles);
}

/* ---- completions ---- */
static hs_nd_copy *hs_nd_lookup(hs_stack *s, int cpu, uint64_t cookie, hs_nd_queue **qp)
{
    hs_nd_copy *e = hs_nd_find(&s->ndq[cpu], cookie);
    if (e) {
        *qp = &s->ndq[cpu];
        return e;
    }
    /* completed on another CPU than the submitting one (fewer channels than CPUs) */
    for (int i = 0; i < s->cfg.cpus; i++)
        if (i != cpu && (e = hs_nd_find(&s->ndq[i], cookie)) != NULL) {
            *qp = &s->ndq[i];
            return e;
        }
    return NULL;
}

uint64_t hs_netdma_done(hs_stack *s, int cpu, uint64_t cookie, int status, int by_irq, uint64_t now_ns)
{
    cpu = hs_cpu(s, cpu);
    uint64_t before = s->fx_cpu[cpu] >> HS_FX_SHIFT;
    hs_nd_queue *q = NULL;
    hs_nd_copy *e = hs_nd_lookup(s, cpu, cookie, &q);
    if (!e || e->done)
        return 0; /* unknown or already retired: nothing to do */
    /* what hs_last_rx_* report belongs to the last hs_rx, not to this completion */
    hs_conn *rx_conn = s->rx_conn;
    int rx_new = s->rx_new_data;
    uint32_t rx_end = s->rx_end_seq, rx_inc = s->rx_incarnation;
    s->nd_depth++;
    hs_conn *c = e->c;
    e->done = 1;
    q->live--;
    s->nd_out--;
    if (by_irq)
        s->st.netdma_done_irq++;
    else
        s->st.netdma_done_poll++;
    if (status < 0) {
        /* the engine failed (the copy may be partial): the CPU redoes it from the kept frame */
        s->st.netdma_errors++;
        s->st.netdma_fallback_bytes += e->len;
        c->nd_cold[e->idx] -= e->len < c->nd_cold[e->idx] ? e->len : c->nd_cold[e->idx];
        if (c->buf)
            hs_nd_cpu_copy(s, c, cpu, e->boff, e->fr->data + e->soff, e->len, 0);
    }
    c->nd_out[e->idx]--;
    c->nd_busy--;
    hs_nd_frame *fr = e->fr;
    e->fr = NULL;
    if (--fr->refs == 0 && !fr->in_rx) {
        if (!fr->no_return)
            hs_chg(s, cpu, HS_K_DRIVER, (double)s->nd.rx_return(s->nd.user, cpu, fr->token));
        free(fr);
    }
    if (q->wait && q->wait_cookie == cookie)
        q->wait = 0; /* a synchronous wait on it is over; hs_netdma_waited still charges it */
    hs_nd_pop_done(q);
    if (!s->finished) {
        hs_app_nd_progress(s, c, cpu, now_ns);
        if (c->nd_busy == 0 && c->state == HS_CS_OPEN)
            hs_toe_maybe_offload(s, c, cpu, now_ns);
    }
    s->nd_depth--;
    if (s->nd_depth == 0) {
        s->nd_depth = 1;
        hs_nd_leave(s, cpu);
    }
    s->rx_conn = rx_conn;
    s->rx_new_data = rx_new;
    s->rx_end_seq = rx_end;
    s->rx_incarnation = rx_inc;
    return (s->fx_cpu[cpu] >> HS_FX_SHIFT) - before;
}
