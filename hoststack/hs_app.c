/* Application model: per connection, posted_buffers receive buffers of recv_buffer_bytes in
 * a ring. The receive copy fills the current buffer; a full buffer, a PSH or the end of the
 * stream completes it to the application, which consumes completed buffers at once or at
 * app_rate_bytes_per_s and re-posts them. Consumed bytes are delivered to the consumers
 * (hs_app_sink: the stream writer, hs_config.app_data), in order. */
#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "hs_internal.h"

void hs_app_add_sink(hs_stack *s, hs_app_fn data, void (*finished)(void *, const hs_conn_id *),
                     void *user)
{
    assert(s->nsinks < HS_MAX_SINKS && "hs_app_add_sink: too many consumers");
    hs_app_sink *k = &s->sinks[s->nsinks++];
    k->data = data;
    k->finished = finished;
    k->user = user;
}

static void hs_app_deliver(hs_stack *s, hs_conn *c, const uint8_t *d, size_t n)
{
    if (n == 0)
        return;
    for (int i = 0; i < s->nsinks; i++)
        s->sinks[i].data(s->sinks[i].user, &c->key, d, n);
}

static uint64_t hs_app_dur_ns(const hs_stack *s, uint32_t len)
{
    double r = s->cfg.app_rate_bytes_per_s;
    return (uint64_t)llround((double)len * 1e9 / r);
}

static uint32_t hs_head_idx(const hs_stack *s, const hs_conn *c)
{
    uint32_t nb = s->cfg.posted_buffers;
    return (c->fill_idx + 2 * nb - c->ncomp - c->npend) % nb;
}

/* The ownership checker's view of buffer idx's first len bytes (engine-reachable buffers). */
static void hs_app_touch(hs_stack *s, const hs_conn *c, int cpu, int kind, uint32_t idx, uint32_t len)
{
    if (s->nd.touch && c->buf_nd && len)
        s->nd.touch(s->nd.user, cpu, kind, c->buf_dma + (uint64_t)idx * s->cfg.recv_buffer_bytes, len);
}

/* The application takes the head completed buffer: its work, then it re-posts the buffer. */
static void hs_app_consume_head(hs_stack *s, hs_conn *c, int cpu, int charge)
{
    uint32_t idx = hs_head_idx(s, c);
    uint32_t len = c->comp_len[idx];
    const uint8_t *d = c->buf + (size_t)idx * s->cfg.recv_buffer_bytes;
    hs_app_touch(s, c, cpu, HS_ND_TOUCH_APP_READ, idx, len);
    uint32_t cold = c->nd_cold ? c->nd_cold[idx] : 0;
    if (c->nd_cold)
        c->nd_cold[idx] = 0;
    if (charge) {
        hs_chg(s, cpu, HS_K_APP, hs_c(s, HS_C_APP_RECV) + s->app_cpb * len);
        /* the engine wrote these bytes: an application that reads its data (app work per byte
           above 0) misses every cache on its first read */
        if (s->app_cpb > 0) {
            hs_chg(s, cpu, HS_K_APP, hs_c(s, HS_C_APP_COLD_BYTE) * (double)cold);
            s->st.netdma_cold_bytes += cold;
        }
        if (s->app_cpb > 0)
            s->st.mem_bytes += len;
        s->st.app_bytes += len;
        hs_chg(s, cpu, HS_K_BUFFER_POST, hs_c(s, HS_C_BUFFER_POST));
        s->st.buffers_posted++;
    } else {
        s->st.close_delivered_bytes += len;
    }
    hs_app_deliver(s, c, d, len);
    c->ncomp--;
    if (c->st_old_bufs) {
        c->st_old_bufs--; /* a buffer of the connection's previous incarnation */
    } else {
        c->st_cons_seq += len;
        if (charge && s->cfg.app_consumed)
            s->cfg.app_consumed(s->cfg.consumed_user, c->id, c->st_incarnation, c->st_cons_seq, cpu);
    }
}

static void hs_app_schedule(hs_stack *s, hs_conn *c, uint64_t start)
{
    if (c->ncomp == 0) {
        hs_timer_cancel(s, c, HS_TMR_APP);
        return;
    }
    uint32_t idx = hs_head_idx(s, c);
    uint64_t t = start > c->comp_time[idx] ? start : c->comp_time[idx];
    c->app_head_done = t + hs_app_dur_ns(s, c->comp_len[idx]);
    hs_timer_arm(s, c, HS_TMR_APP, c->app_head_done);
}

/* The oldest pending buffer (or the one just closed) completes to the application. */
static void hs_app_finish_one(hs_stack *s, hs_conn *c, int cpu, uint64_t now, uint32_t idx)
{
    c->comp_time[idx] = now;
    c->ncomp++;
    s->st.app_receives++;
    hs_app_touch(s, c, cpu, HS_ND_TOUCH_COMPLETE, idx, c->comp_len[idx]);
    if (s->cfg.app_rate_bytes_per_s <= 0) {
        hs_app_consume_head(s, c, cpu, 1);
    } else if (c->ncomp == 1) {
        hs_app_schedule(s, c, now > c->app_free_at ? now : c->app_free_at);
    }
}

void hs_app_complete_buffer(hs_stack *s, hs_conn *c, int cpu, uint64_t now)
{
    if (c->fill_len == 0)
        return;
    uint32_t idx = c->fill_idx;
    c->comp_len[idx] = c->fill_len;
    c->comp_time[idx] = now;
    c->fill_idx = (c->fill_idx + 1) % s->cfg.posted_buffers;
    c->fill_len = 0;
    /* NetDMA: a receive completes only once the engine has written its last byte, and
       receives complete in order (debug early_complete skips the wait on purpose) */
    if ((c->npend || (c->nd_out && c->nd_out[idx])) && s->cfg.netdma_break != HS_NDB_EARLY_COMPLETE) {
        c->npend++;
        return;
    }
    hs_app_finish_one(s, c, cpu, now, idx);
}

void hs_app_pending_check(hs_stack *s, hs_conn *c, int cpu, uint64_t now)
{
    uint32_t nb = s->cfg.posted_buffers;
    while (c->npend) {
        uint32_t idx = (c->fill_idx + nb - c->npend) % nb;
        if (c->nd_out && c->nd_out[idx])
            break;
        c->npend--;
        hs_app_finish_one(s, c, cpu, now, idx);
    }
}

void hs_app_nd_progress(hs_stack *s, hs_conn *c, int cpu, uint64_t now)
{
    hs_app_pending_check(s, c, cpu, now);
    hs_app_drain(s, c, cpu, now);
    hs_app_check_push_eof(s, c, cpu, now);
    if (c->state == HS_CS_OPEN)
        hs_maybe_window_update(s, c, cpu);
    hs_app_maybe_release(s, c);
}

static int hs_app_alloc(hs_stack *s, hs_conn *c)
{
    if (c->buf)
        return 0;
    size_t bytes = (size_t)s->cfg.recv_buffer_bytes * s->cfg.posted_buffers;
    if (hs_nd_want_host_buffers(s)) {
        /* application buffers in host memory the engine can reach (rule: docs/netdma.md) */
        if (!c->nd_out) {
            c->nd_out = calloc(s->cfg.posted_buffers, sizeof *c->nd_out);
            c->nd_cold = calloc(s->cfg.posted_buffers, sizeof *c->nd_cold);
            if (!c->nd_out || !c->nd_cold)
                return HS_ENOMEM;
        }
        uint64_t dma = 0;
        c->buf = s->nd.buf_alloc(s->nd.user, (uint32_t)bytes, &dma);
        if (c->buf) {
            c->buf_nd = 1;
            c->buf_dma = dma;
            return 0;
        }
        /* no engine-reachable memory: this connection's copies are done by the CPU */
    }
    c->buf_nd = 0;
    c->buf = malloc(bytes);
    return c->buf ? 0 : HS_ENOMEM;
}

uint32_t hs_app_take(hs_stack *s, hs_conn *c, int cpu, uint64_t now, const uint8_t *d,
                     uint32_t len, int warm)
{
    uint32_t total = 0;
    uint32_t bsz = s->cfg.recv_buffer_bytes;
    if (len && hs_app_alloc(s, c) != 0)
        return 0;
    while (len && c->ncomp + c->npend < s->cfg.posted_buffers) {
        uint32_t n = bsz - c->fill_len;
        if (n > len)
            n = len;
        if (c->push_valid) {
            /* a receive completes exactly at the pushed byte */
            int32_t to_push = seq_diff(c->push_seq, c->app_nxt);
            if (to_push > 0 && (uint32_t)to_push < n)
                n = (uint32_t)to_push;
        }
        int ends = c->fill_len + n == bsz || (c->push_valid && c->app_nxt + n == c->push_seq) ||
                   (c->fin_seen && c->app_nxt + n == c->fin_seq);
        hs_nd_copy_piece(s, c, cpu, c->fill_idx, c->fill_len, d, n, warm, ends);
        c->fill_len += n;
        c->app_nxt += n;
        d += n;
        len -= n;
        total += n;
        if (c->push_valid && c->app_nxt == c->push_seq) {
            c->push_valid = 0;
            hs_app_complete_buffer(s, c, cpu, now);
        } else if (c->fill_len == bsz) {
            hs_app_complete_buffer(s, c, cpu, now);
        }
    }
    return total;
}

void hs_app_check_push_eof(hs_stack *s, hs_conn *c, int cpu, uint64_t now)
{
    if (c->push_valid && seq_ge(c->app_nxt, c->push_seq)) {
        c->push_valid = 0;
        hs_app_complete_buffer(s, c, cpu, now);
    }
    if (c->fin_done && !c->app_eof && c->app_nxt == c->fin_seq) {
        c->app_eof = 1;
        hs_app_complete_buffer(s, c, cpu, now);
    }
}

void hs_app_drain(hs_stack *s, hs_conn *c, int cpu, uint64_t now)
{
    while (c->segs && seq_lt(c->app_nxt, c->rcv_nxt) && c->ncomp + c->npend < s->cfg.posted_buffers) {
        hs_seg *g = c->segs;
        assert(g->seq == c->app_nxt && "queued bytes are contiguous from app_nxt");
        uint32_t want = g->len;
        if (seq_diff(c->rcv_nxt, g->seq) < (int32_t)want)
            want = (uint32_t)seq_diff(c->rcv_nxt, g->seq);
        uint32_t n = hs_app_take(s, c, cpu, now, g->data + g->doff, want, 0);
        if (n == 0)
            break;
        g->seq += n;
        g->doff += n;
        g->len -= n;
        c->held -= n;
        if (g->len == 0) {
            c->segs = g->next;
            if (c->segs_tail == g)
                c->segs_tail = NULL;
            free(g);
        }
        hs_app_check_push_eof(s, c, cpu, now);
    }
    uint64_t q = (uint32_t)(c->rcv_nxt - c->app_nxt);
    if (q > s->st.max_queued_bytes)
        s->st.max_queued_bytes = q;
}

void hs_app_maybe_release(hs_stack *s, hs_conn *c)
{
    int finished = (c->app_eof || c->state == HS_CS_RESET) && c->ncomp == 0 && c->npend == 0 &&
                   c->fill_len == 0 && c->nd_busy == 0;
    if (!finished)
        return;
    hs_nd_buf_release(s, c);
    for (int i = 0; i < s->nsinks; i++)
        if (s->sinks[i].finished)
            s->sinks[i].finished(s->sinks[i].user, &c->key);
}

void hs_app_timer(hs_stack *s, hs_conn *c, int cpu, uint64_t now)
{
    /* every completed buffer whose work is done by now */
    while (c->ncomp && c->app_head_done <= now) {
        uint64_t done = c->app_head_done;
        hs_app_consume_head(s, c, cpu, 1);
        c->app_free_at = done;
        if (c->ncomp) {
            uint32_t idx = hs_head_idx(s, c);
            uint64_t t = done > c->comp_time[idx] ? done : c->comp_time[idx];
            c->app_head_done = t + hs_app_dur_ns(s, c->comp_len[idx]);
        }
    }
    if (c->ncomp)
        hs_timer_arm(s, c, HS_TMR_APP, c->app_head_done);
    hs_app_drain(s, c, cpu, now);
    hs_app_check_push_eof(s, c, cpu, now);
    hs_maybe_window_update(s, c, cpu);
    hs_app_maybe_release(s, c);
}

void hs_app_close_conn(hs_stack *s, hs_conn *c)
{
    /* everything in application buffers, then the in-order queue, reaches the app (pending
       receives too: hs_finish counts copies still outstanding) */
    c->ncomp += c->npend;
    c->npend = 0;
    while (c->ncomp)
        hs_app_consume_head(s, c, c->cpu, 0);
    if (c->fill_len && c->buf) {
        const uint8_t *d = c->buf + (size_t)c->fill_idx * s->cfg.recv_buffer_bytes;
        s->st.close_delivered_bytes += c->fill_len;
        hs_app_deliver(s, c, d, c->fill_len);
        c->fill_len = 0;
    }
    for (hs_seg *g = c->segs; g; g = g->next) {
        if (seq_ge(g->seq, c->rcv_nxt)) {
            s->st.close_gap_bytes += g->len;
            continue;
        }
        uint32_t n = g->len;
        if (seq_diff(c->rcv_nxt, g->seq) < (int32_t)n)
            n = (uint32_t)seq_diff(c->rcv_nxt, g->seq);
        s->st.close_delivered_bytes += n;
        hs_app_deliver(s, c, g->data + g->doff, n);
        s->st.close_gap_bytes += g->len - n;
    }
}
