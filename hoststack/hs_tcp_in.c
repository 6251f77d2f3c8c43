/* TCP segment input: demux to a connection (NIC or software hash), connection open, restart
 * and reset, control flags, data placement with reassembly, FIN, and the ACK decision.
 * The stack is a receiver only: the sender's ACKs just track our next sequence number. */
#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "hs_internal.h"
#include "rss.h"

/* One TCP segment as hs_tcp_input decodes it (sequence numbers host order). */
typedef struct hs_tcp_seg {
    uint32_t seq, ack;
    uint8_t flags;
    const uint8_t *data;
    uint32_t plen;
} hs_tcp_seg;

/* What the segment asks of the ACK logic. */
typedef struct hs_tcp_ack_need {
    int immediate;     /* ACK at once */
    int counted_full;  /* a full-size in-order segment was counted for ack_every */
} hs_tcp_ack_need;

/* Places [seq, seq+len) of new data: bytes already held stay (the first copy received wins),
 * bytes in gaps are copied straight to the application when they are next in line and a
 * buffer is free, otherwise held. Returns the bytes that were new. */
uint32_t hs_tcp_place(hs_stack *s, hs_conn *c, int cpu, uint64_t now, uint32_t seq,
                      const uint8_t *data, uint32_t len, int warm, int *held_any)
{
    const uint32_t base = c->app_nxt;
    const uint64_t a = (uint32_t)(seq - base);
    const uint64_t b = a + len;
    uint64_t cursor = a;
    uint32_t fresh = 0;
    uint64_t direct = 0;

    /* Next in line with nothing queued: copy straight from the frame. */
    if (a == 0 && c->rcv_nxt == base) {
        uint64_t first = c->segs ? (uint32_t)(c->segs->seq - base) : b;
        uint64_t gap_end = first < b ? first : b;
        direct = hs_app_take(s, c, cpu, now, data, (uint32_t)gap_end, warm);
        fresh += (uint32_t)direct;
        cursor = direct;
    }

    /* The real receiver's window bounds what is held: nothing at or beyond rcv_nxt (moved
       over the direct copy) + its largest advertised window. So a connection holds at most
       peer_wnd bytes, and the list walk below visits at most peer_wnd / MSS runs. */
    uint64_t limit = UINT64_MAX;
    if (c->peer_wnd) {
        uint64_t r0 = (uint32_t)(c->rcv_nxt - base);
        limit = (r0 > direct ? r0 : direct) + c->peer_wnd;
    }

    hs_seg **pp = &c->segs;
    /* Beyond everything held (the common case behind a lost segment): append at the tail
     * instead of walking the list, with the same result. */
    if (c->segs_tail && cursor >= (uint64_t)(uint32_t)(c->segs_tail->seq - base) + c->segs_tail->len)
        pp = &c->segs_tail->next;
    while (cursor < b) {
        hs_seg *g = *pp;
        uint64_t so = g ? (uint32_t)(g->seq - base) : UINT64_MAX;
        uint64_t eo = g ? so + g->len : UINT64_MAX;
        if (g && eo <= cursor) {
            pp = &g->next;
            continue;
        }
        uint64_t ge = so < b ? so : b;
        if (ge > limit) {
            uint64_t from = cursor > limit ? cursor : limit;
            s->st.ooo_beyond_real_window_bytes += ge - from;
            ge = from;
        }
        if (ge > cursor) {
            uint32_t n = (uint32_t)(ge - cursor);
            if (c->held + n > s->cfg.max_hold_bytes) {
                s->st.hold_drop_bytes += n;
            } else {
                hs_seg *ns = malloc(sizeof *ns + n);
                if (!ns) {
                    s->st.hold_drop_bytes += n;
                } else {
                    ns->seq = base + (uint32_t)cursor;
                    ns->len = n;
                    ns->doff = 0;
                    memcpy(ns->data, data + (cursor - a), n);
                    ns->next = g;
                    *pp = ns;
                    if (!g)
                        c->segs_tail = ns;
                    pp = &ns->next;
                    c->held += n;
                    fresh += n;
                    *held_any = 1;
                }
            }
        }
        if (!g)
            break;
        if (b > so) {
            uint64_t o0 = cursor > so ? cursor : so;
            uint64_t o1 = b < eo ? b : eo;
            if (o1 > o0)
                s->st.retrans_bytes += o1 - o0;
        }
        cursor = eo;
        pp = &g->next;
    }

    /* rcv_nxt moves over the direct copy and every held run that is now contiguous. */
    uint64_t r = (uint32_t)(c->rcv_nxt - base);
    if (direct > r)
        r = direct;
    for (hs_seg *g = c->segs; g; g = g->next) {
        uint64_t so = (uint32_t)(g->seq - base);
        if (so > r)
            break;
        if (so + g->len > r)
            r = so + g->len;
    }
    c->rcv_nxt = base + (uint32_t)r;
    return fresh;
}

static void hs_conn_init_seq(hs_conn *c, uint32_t rcv_nxt)
{
    c->rcv_nxt = c->app_nxt = rcv_nxt;
    c->st_cons_seq = rcv_nxt;
}

/* A new incarnation on the same 4-tuple (SYN with another ISN): what was received in order
 * goes to the application, the rest is dropped, the sequence space restarts. */
static void hs_conn_restart(hs_stack *s, hs_conn *c, int cpu, uint64_t now)
{
    hs_app_complete_buffer(s, c, cpu, now);
    s->st.rst_discard_bytes += c->held;
    hs_conn_free_segs(c);
    hs_timer_cancel(s, c, HS_TMR_DELACK);
    c->st_incarnation++;       /* per-frame application latency: a new byte stream */
    c->st_old_bufs = c->ncomp + c->npend; /* buffers of the old one, consumed later */
    c->state = HS_CS_OPEN;
    c->fin_seen = c->fin_done = c->app_eof = 0;
    c->push_valid = 0;
    c->have_snd = 0;
    c->max_seg = 0;
    c->full_unacked = 0;
    c->ack_pending = 0;
    c->last_wnd = s->rcv_wnd;
    s->st.conns++;
}

static void hs_conn_reset(hs_stack *s, hs_conn *c, int cpu, uint64_t now)
{
    hs_app_complete_buffer(s, c, cpu, now);
    s->st.rst_discard_bytes += c->held;
    hs_conn_free_segs(c);
    hs_timer_cancel(s, c, HS_TMR_DELACK);
    c->state = HS_CS_RESET;
    c->app_nxt = c->rcv_nxt;
    s->st.conns_rst++;
    hs_app_maybe_release(s, c);
}

/* The sender's SYN: sequence space starts after its ISN. */
static void hs_conn_syn(hs_stack *s, hs_conn *c, uint32_t seq)
{
    c->syn_seen = 1;
    c->irs = seq;
    hs_conn_init_seq(c, seq + 1);
    s->st.conns_syn++;
}

static void hs_tcp_key(const pkt_frame_info *fi, hs_conn_id *key)
{
    memset(key, 0, sizeof *key);
    key->family = fi->l3;
    int alen = fi->l3 == 6 ? 16 : 4;
    memcpy(key->src, fi->src, (size_t)alen);
    memcpy(key->dst, fi->dst, (size_t)alen);
    key->sport = fi->sport;
    key->dport = fi->dport;
}

/* Finds the connection of key: by the NIC's 4-tuple RSS hash when it gave one, else by the
 * software Toeplitz (charged). *hash gets the hash the connection is filed under. */
static hs_conn *hs_tcp_lookup(hs_stack *s, int cpu, const hs_rx_frame *f, int family,
                              const hs_conn_id *key, uint32_t *hash)
{
    int want_ht = family == 6 ? RSS_HT_TCP_IPV6 : RSS_HT_TCP_IPV4;
    uint32_t h;
    int nic = f->hash_type == want_ht;
    if (nic) {
        h = f->hash;
        s->st.hash_nic++;
    } else {
        h = hs_tuple_hash(s, key);
        s->st.hash_sw++;
        hs_chg(s, cpu, HS_K_HASH, hs_c(s, HS_C_HASH_SW));
    }
    hs_chg(s, cpu, HS_K_LOOKUP, hs_c(s, HS_C_LOOKUP));
    hs_conn *c = hs_conn_find(s, h, key);
    if (!c && nic) {
        /* Consistency check, not charged: a miss with a NIC hash is a new connection unless
           the NIC was programmed with another key. Connections are filed under the software
           hash so that frames with and without a NIC hash find the same entry. */
        uint32_t h2 = hs_tuple_hash(s, key);
        if (h2 != h) {
            s->st.hash_mismatch++;
            c = hs_conn_find(s, h2, key);
        }
        h = h2;
    }
    *hash = h;
    return c;
}

/* The connection a segment belongs to: found, created (SYN or mid-stream pickup), restarted
 * by a SYN with a new ISN. NULL when the segment is not for an open connection (counted). */
static hs_conn *hs_tcp_demux(hs_stack *s, int cpu, uint64_t now, const hs_rx_frame *f,
                             const pkt_frame_info *fi, const hs_tcp_seg *sg, hs_conn *c,
                             const hs_conn_id *kp, uint32_t h)
{
    const hs_conn_id key = *kp;
    if (!c) {
        if (sg->flags & PKT_TCP_RST) {
            s->st.rst_ignored++;
            return NULL;
        }
        c = hs_conn_new(s, h, &key, cpu, f->data, fi);
        if (!c)
            return NULL;
        if (hs_toe_conn_init(s, c) != 0)
            c->toe_policy = -1; /* not registered for cookies: never offloaded */
        hs_chg(s, cpu, HS_K_TCP_RX, hs_c(s, HS_C_CONN_CREATE));
        hs_chg(s, cpu, HS_K_BUFFER_POST, hs_c(s, HS_C_BUFFER_POST) * s->cfg.posted_buffers);
        s->st.buffers_posted += s->cfg.posted_buffers;
        s->st.conns++;
        if (sg->flags & PKT_TCP_SYN) {
            hs_conn_syn(s, c, sg->seq);
        } else {
            hs_conn_init_seq(c, sg->seq);
            s->st.conns_midstream++;
        }
    } else if (sg->flags & PKT_TCP_SYN) {
        if (!(c->syn_seen && c->irs == sg->seq)) {
            hs_conn_restart(s, c, cpu, now);
            hs_conn_syn(s, c, sg->seq);
        }
    } else if (c->state == HS_CS_RESET) {
        s->st.closed_segments++;
        return NULL;
    }
    return c;
}

/* RST, the sender's ACK, SYN and SYN-ACK. Returns 1 when the segment is fully handled. */
static int hs_tcp_control(hs_stack *s, hs_conn *c, int cpu, uint64_t now, const hs_tcp_seg *sg)
{
    if (sg->flags & PKT_TCP_RST) {
        int32_t d = seq_diff(sg->seq, c->rcv_nxt);
        if (d >= 0 && d <= (int32_t)s->rcv_wnd + 1)
            hs_conn_reset(s, c, cpu, now);
        else
            s->st.rst_ignored++;
        return 1;
    }
    if (sg->flags & PKT_TCP_ACK) {
        if (!c->have_snd || seq_gt(sg->ack, c->snd_nxt))
            c->snd_nxt = sg->ack;
        c->have_snd = 1;
    }
    if (sg->flags & PKT_TCP_SYN) {
        if (sg->flags & PKT_TCP_ACK) {
            /* SYN-ACK from the sender: the host opened; acknowledge it. */
            hs_send_ack(s, c, cpu, HS_ACK_IMMEDIATE);
        } else {
            hs_send(s, c, cpu, PKT_TCP_SYN | PKT_TCP_ACK, c->iss, sg->seq + 1,
                    (uint16_t)s->rcv_wnd);
            s->st.synacks_sent++;
            s->st.acks_sent++;
            s->st.acks_immediate++;
            c->last_wnd = s->rcv_wnd;
        }
        return 1;
    }
    return 0;
}

/* Cuts off what was received already (before rcv_nxt) and what lies beyond the FIN. */
static void hs_tcp_trim(hs_stack *s, const hs_conn *c, hs_tcp_seg *sg)
{
    int32_t off = seq_diff(c->rcv_nxt, sg->seq);
    if (off > 0) {
        uint32_t old = (uint32_t)off < sg->plen ? (uint32_t)off : sg->plen;
        s->st.retrans_bytes += old;
        sg->seq += old;
        sg->data += old;
        sg->plen -= old;
    }
    if (c->fin_seen && sg->plen) {
        int32_t room = seq_diff(c->fin_seq, sg->seq);
        if (room <= 0) {
            s->st.after_fin_bytes += sg->plen;
            sg->plen = 0;
        } else if ((uint32_t)room < sg->plen) {
            s->st.after_fin_bytes += sg->plen - (uint32_t)room;
            sg->plen = (uint32_t)room;
        }
    }
}

/* A segment with payload: trim, place, classify (in order / out of order / duplicate), move
 * what became in order to the application. */
static void hs_tcp_data(hs_stack *s, hs_conn *c, int cpu, uint64_t now, const hs_rx_frame *f,
                        hs_tcp_seg *sg, uint32_t rcv_before, int warm, hs_tcp_ack_need *need)
{
    uint32_t full_len = sg->plen;
    hs_tcp_trim(s, c, sg);
    uint32_t fresh = 0;
    int held_any = 0;
    if ((sg->flags & PKT_TCP_PSH) && s->cfg.complete_on_push && sg->plen) {
        c->push_valid = 1;
        c->push_seq = sg->seq + sg->plen;
    }
    if (sg->plen) {
        int32_t edge = seq_diff(sg->seq + sg->plen, rcv_before + c->last_wnd);
        if (edge > 0)
            s->st.beyond_window_bytes += (uint32_t)edge < sg->plen ? (uint32_t)edge : sg->plen;
        /* NetDMA: how the payload that goes straight into application buffers is copied
           (the rule: docs/netdma.md); bytes queued earlier are always copied by the CPU */
        s->nd_frame = f;
        s->nd_mode = !hs_nd_usable(s, c)             ? HS_ND_MODE_CPU
                     : full_len < s->cfg.min_dma_bytes ? HS_ND_MODE_SMALL
                     : f->dma == 0                    ? HS_ND_MODE_FALLBACK
                                                      : HS_ND_MODE_ENGINE;
        fresh = hs_tcp_place(s, c, cpu, now, sg->seq, sg->data, sg->plen, warm, &held_any);
        s->nd_frame = NULL;
        s->nd_mode = HS_ND_MODE_CPU;
        if (fresh) { /* hs_last_rx_data */
            s->rx_new_data = 1;
            s->rx_end_seq = sg->seq + sg->plen;
            s->rx_incarnation = c->st_incarnation;
        }
        if (held_any)
            hs_chg(s, cpu, HS_K_REASM, hs_c(s, HS_C_REASM_SEG));
    }
    if (fresh == 0) {
        s->st.dup_segments++;
        need->immediate = 1;
    } else if (seq_gt(sg->seq, rcv_before)) {
        s->st.ooo_segments++;
        need->immediate = 1;
    } else {
        s->st.in_order_segments++;
        if (seq_gt(c->rcv_nxt, sg->seq + sg->plen))
            need->immediate = 1; /* filled a gap: held data became in order */
        c->ack_pending = 1;
        if (full_len >= hs_mss(s, c)) {
            c->full_unacked++;
            need->counted_full = 1;
        }
    }
    hs_app_drain(s, c, cpu, now);
    hs_app_check_push_eof(s, c, cpu, now);
    hs_nd_after_segment(s, c, cpu);
    uint64_t q = (uint32_t)(c->rcv_nxt - c->app_nxt);
    if (q > s->st.max_queued_bytes)
        s->st.max_queued_bytes = q;
}

/* ACK now, every Nth full-size segment, or arm the delayed-ACK timer. */
static void hs_tcp_ack_decide(hs_stack *s, hs_conn *c, int cpu, uint64_t now,
                              const hs_tcp_ack_need *need)
{
    if (need->immediate)
        hs_send_ack(s, c, cpu, HS_ACK_IMMEDIATE);
    else if (need->counted_full && c->full_unacked >= s->cfg.ack_every)
        hs_send_ack(s, c, cpu, HS_ACK_EVERY_N);
    else if (c->ack_pending && c->tm_idx[HS_TMR_DELACK] < 0)
        hs_timer_arm(s, c, HS_TMR_DELACK, now + s->cfg.delack_ns);
}

void hs_tcp_input(hs_stack *s, int cpu, uint64_t now, const hs_rx_frame *f,
                  const pkt_frame_info *fi, int warm)
{
    const uint8_t *th = f->data + fi->l4_off;
    hs_tcp_seg sg;
    sg.seq = pkt_get32(th + 4);
    sg.ack = pkt_get32(th + 8);
    sg.flags = th[13];
    sg.data = f->data + fi->payload_off;
    sg.plen = (uint32_t)fi->payload_len;
    if (sg.flags & PKT_TCP_SYN)
        sg.plen = 0; /* data on a SYN is not taken (no TCP Fast Open) */

    hs_conn_id key;
    hs_tcp_key(fi, &key);
    uint32_t h;
    hs_conn *c = hs_tcp_lookup(s, cpu, f, fi->l3, &key, &h);
    if (hs_toe_input(s, c, cpu, now, f, fi))
        return; /* offloaded connection: indicated data, exception or held frame */

    s->st.tcp_segments++;
    s->st.tcp_payload_bytes += sg.plen;
    s->st.toe_bytes_host += sg.plen;
    hs_chg(s, cpu, HS_K_TCP_RX, hs_c(s, HS_C_TCP_RX));

    c = hs_tcp_demux(s, cpu, now, f, fi, &sg, c, &key, h);
    if (c) {
        s->rx_conn = c; /* per-connection statistics (hs_rx) */
        c->st_payload += sg.plen;
    }
    if (c && !(sg.flags & PKT_TCP_SYN) && c->state == HS_CS_OPEN)
        c->toe_estab = 1; /* past the handshake, or picked up mid-stream */
    if (!c || hs_tcp_control(s, c, cpu, now, &sg))
        return;

    uint32_t rcv_before = c->rcv_nxt;
    int fin = (sg.flags & PKT_TCP_FIN) != 0;
    if (fin && !c->fin_seen) {
        c->fin_seen = 1;
        c->fin_seq = sg.seq + sg.plen;
    }
    if (sg.plen > c->max_seg)
        c->max_seg = sg.plen;

    hs_tcp_ack_need need = {0, 0};
    if (sg.plen)
        hs_tcp_data(s, c, cpu, now, f, &sg, rcv_before, warm, &need);

    if (c->fin_seen && !c->fin_done && c->rcv_nxt == c->fin_seq) {
        c->fin_done = 1;
        s->st.conns_fin++;
        need.immediate = 1;
        hs_app_check_push_eof(s, c, cpu, now);
    } else if (fin && c->fin_done && sg.plen == 0) {
        need.immediate = 1; /* retransmitted FIN: acknowledge again */
    }
    hs_tcp_ack_decide(s, c, cpu, now, &need);
    hs_app_maybe_release(s, c);
    hs_toe_after_input(s, c, cpu, now, f);
}
