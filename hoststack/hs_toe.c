/* TCP Chimney in the host stack: which connections are offloaded (EnableTCPChimney, the
 * Offload*Ports lists, the host features that rule it out, the always/automatic policy), the
 * OFFLOAD / POST / UPLOAD commands to the offload target (hs_toe_if), the NIC's events, and the
 * merge of both data sources into the connection's one reassembly by sequence number:
 *
 *   - bytes the NIC placed into posted buffers (BUF events, and the buffers an UPLOAD returns)
 *     are given to the application without a copy charge;
 *   - indicated frames (NIC_CPL_F_TOE_DATA) carry bytes outside every posted buffer's range;
 *     they are delivered by sequence number (no TCP processing, no ACK) and copied;
 *   - exception frames (NIC_CPL_F_TOE_EXC), and unmarked frames of a connection whose OFFLOAD
 *     or UPLOAD is on its way, are held and given to the normal TCP input after the upload.
 *
 * hs_tcp_place (hs_tcp_in.c) is the reassembly for all three: the first copy of a byte wins,
 * so a byte delivered twice (e.g. a held segment also present in a returned buffer) reaches
 * the application once. docs/toe.md is the engine contract; docs/cost-model.md the costs. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hs_internal.h"

#define HS_TOE_RACE_BACKOFF_NS 1000000ull /* no new OFFLOAD for 1 ms after an upload the NIC caused */

static const char *const hs_up_names[HS_UP_COUNT] = {
    [HS_UP_FIN] = "fin",           [HS_UP_RST] = "rst",
    [HS_UP_URG] = "urg",           [HS_UP_SYN] = "syn",
    [HS_UP_OOO] = "ooo",           [HS_UP_CHIMNEY_OFF] = "chimney_off",
    [HS_UP_LINK] = "link_loss",    [HS_UP_PREFERRED] = "preferred",
    [HS_UP_NIC_REQUEST] = "nic_request", [HS_UP_RACE] = "offload_race",
    [HS_UP_UNMARKED] = "unmarked", [HS_UP_END] = "end_of_run",
};

const char *hs_upload_reason_name(int r) { return r >= 0 && r < HS_UP_COUNT ? hs_up_names[r] : NULL; }

const char *hs_toe_state_name(int st)
{
    static const char *const n[] = {"in_host", "offloading", "offloaded", "uploading"};
    return st >= 0 && st < 4 ? n[st] : NULL;
}

const char *hs_chimney_blocker(const hs_config *c)
{
    if (c->windows_firewall)
        return "Windows Firewall is on";
    if (c->ipsec || c->bridging)
        return c->ipsec ? "IPsec is on" : "bridging/routing is on (it turns IP NAT and the IPsec policy agent on)";
    if (c->ip_nat)
        return "IP NAT is on";
    if (c->third_party_firewall)
        return "a third-party firewall is on";
    if (c->ndis51_im_driver)
        return "an NDIS 5.1 intermediate driver is installed";
    return NULL;
}

int hs_port_list_parse(const char *text, const char *name, uint16_t out[HS_PORT_LIST_MAX],
                       void (*warn)(void *user, const char *msg), void *warn_user)
{
    int n = 0, extra = 0;
    char msg[200];
    const char *p = text ? text : "";
    while (*p) {
        while (*p == ' ' || *p == ',' || *p == '\t')
            p++;
        if (!*p)
            break;
        const char *b = p;
        while (*p && *p != ' ' && *p != ',' && *p != '\t')
            p++;
        int len = (int)(p - b);
        long v = 0;
        int ok = len > 0 && len <= 5;
        for (int i = 0; ok && i < len; i++) {
            if (b[i] < '0' || b[i] > '9')
                ok = 0;
            else
                v = v * 10 + (b[i] - '0');
        }
        if (!ok || v < 1 || v > 65535) {
            if (warn) {
                snprintf(msg, sizeof msg, "%s: incorrect port '%.*s' ignored (expected 1..65535)",
                         name, len > 40 ? 40 : len, b);
                warn(warn_user, msg);
            }
            continue;
        }
        if (n == HS_PORT_LIST_MAX) {
            extra++;
            continue;
        }
        out[n++] = (uint16_t)v;
    }
    if (extra && warn) {
        snprintf(msg, sizeof msg, "%s: %d port%s beyond the first %d ignored (at most %d per value)",
                 name, extra, extra == 1 ? "" : "s", HS_PORT_LIST_MAX, HS_PORT_LIST_MAX);
        warn(warn_user, msg);
    }
    return n;
}

static int hs_port_in(const uint16_t *l, int n, uint16_t port)
{
    for (int i = 0; i < n; i++)
        if (l[i] == port)
            return 1;
    return 0;
}

/* ---- setup ---- */
void hs_toe_create(hs_stack *s)
{
    s->chimney_on = s->cfg.chimney != 0;
    s->link_up = 1;
    const char *why = hs_chimney_blocker(&s->cfg);
    snprintf(s->st.toe_blocked, sizeof s->st.toe_blocked, "%s", why ? why : "");
}

void hs_toe_destroy(hs_stack *s)
{
    free(s->toe_by_slot);
    free(s->conn_vec);
}

void hs_set_toe(hs_stack *s, const hs_toe_if *t)
{
    free(s->toe_by_slot);
    s->toe_by_slot = NULL;
    memset(&s->toe, 0, sizeof s->toe);
    if (!t || t->slots <= 0 || !t->offload || !t->upload || !t->post || !t->buf_alloc || !t->buf_free)
        return;
    s->toe_by_slot = calloc((size_t)t->slots, sizeof *s->toe_by_slot);
    if (s->toe_by_slot)
        s->toe = *t;
}

int hs_toe_conn_init(hs_stack *s, hs_conn *c)
{
    const hs_config *g = &s->cfg;
    c->toe_last_up = -1;
    /* Destination = the host's (local) port, source = the sender's, as in the received frames. */
    if (hs_port_in(g->offload_exclude_dst, g->n_exclude_dst, c->key.dport) ||
        hs_port_in(g->offload_exclude_src, g->n_exclude_src, c->key.sport))
        c->toe_policy = -1;
    else if (hs_port_in(g->offload_include_dst, g->n_include_dst, c->key.dport) ||
             hs_port_in(g->offload_include_src, g->n_include_src, c->key.sport))
        c->toe_policy = 1;
    if (c->id >= s->conn_vec_cap) {
        uint64_t cap = s->conn_vec_cap ? 2 * s->conn_vec_cap : 64;
        while (cap <= c->id)
            cap *= 2;
        hs_conn **v = realloc(s->conn_vec, cap * sizeof *v);
        if (!v)
            return HS_ENOMEM;
        memset(v + s->conn_vec_cap, 0, (cap - s->conn_vec_cap) * sizeof *v);
        s->conn_vec = v;
        s->conn_vec_cap = cap;
    }
    s->conn_vec[c->id] = c;
    return 0;
}

static void hs_held_free(hs_conn *c)
{
    hs_held *h = c->toe_held;
    while (h) {
        hs_held *n = h->next;
        free(h);
        h = n;
    }
    c->toe_held = NULL;
    c->toe_held_tail = NULL;
}

void hs_toe_conn_free(hs_stack *s, hs_conn *c)
{
    hs_held_free(c);
    for (int i = 0; i < c->toe_nbuf; i++)
        if (s->toe.buf_free)
            s->toe.buf_free(s->toe.user, c->toe_buf[i].p, c->toe_buf[i].len);
    c->toe_nbuf = 0;
}

static hs_conn *hs_toe_by_cookie(const hs_stack *s, uint32_t cookie)
{
    return cookie < s->conn_vec_cap ? s->conn_vec[cookie] : NULL;
}

static hs_conn *hs_toe_by_slot(const hs_stack *s, uint32_t slot)
{
    return s->toe_by_slot && slot < (uint32_t)s->toe.slots ? s->toe_by_slot[slot] : NULL;
}

static uint32_t hs_toe_buf_bytes(const hs_stack *s)
{
    return s->cfg.toe_buffer_bytes ? s->cfg.toe_buffer_bytes : s->cfg.recv_buffer_bytes;
}

static int hs_toe_nbufs(const hs_stack *s)
{
    uint32_t n = s->cfg.toe_posted_buffers ? s->cfg.toe_posted_buffers : s->cfg.posted_buffers;
    return n > NIC_TOE_BUFS ? NIC_TOE_BUFS : (int)n;
}

/* Charges the cycles a command callback returned (driver work). */
static void hs_toe_drv(hs_stack *s, int cpu, int64_t cyc)
{
    if (cyc > 0)
        hs_chg(s, cpu, HS_K_DRIVER, (double)cyc);
}

/* ---- delivery into the reassembly ---- */
/* Bytes [seq, seq+len) reach the connection's reassembly (nocopy: from a NIC-placed buffer). */
static void hs_toe_deliver(hs_stack *s, hs_conn *c, int cpu, uint64_t now, uint32_t seq,
                           const uint8_t *d, uint32_t len, int nocopy)
{
    if (c->state != HS_CS_OPEN)
        return;
    int32_t off = seq_diff(c->rcv_nxt, seq);
    if (off > 0) {
        if ((uint32_t)off >= len)
            return;
        seq += (uint32_t)off;
        d += off;
        len -= (uint32_t)off;
    }
    if (len == 0)
        return;
    int held_any = 0;
    s->toe_nocopy = nocopy;
    uint32_t fresh = hs_tcp_place(s, c, cpu, now, seq, d, len, 0, &held_any);
    hs_app_drain(s, c, cpu, now);
    hs_app_check_push_eof(s, c, cpu, now);
    s->toe_nocopy = 0;
    if (fresh) {
        s->rx_new_data = 1;
        s->rx_end_seq = seq + len;
        s->rx_incarnation = c->st_incarnation;
    }
    uint64_t q = (uint32_t)(c->rcv_nxt - c->app_nxt);
    if (q > s->st.max_queued_bytes)
        s->st.max_queued_bytes = q;
}

static void hs_toe_hold(hs_stack *s, hs_conn *c, const hs_rx_frame *f)
{
    hs_held *h = malloc(sizeof *h + f->len);
    if (!h)
        return; /* out of memory: the frame is lost like any drop */
    h->next = NULL;
    h->f = *f;
    memcpy(h->data, f->data, f->len);
    h->f.data = h->data;
    h->f.toe_flags = 0;
    h->f.dma = 0; /* a copy in host memory of our own: the engine never reads it */
    h->f.rx_token = 0;
    if (c->toe_held_tail)
        *c->toe_held_tail = h;
    else
        c->toe_held = h;
    c->toe_held_tail = &h->next;
}

/* The connection is in the host again: its held frames go through the normal TCP input. */
static void hs_toe_release_held(hs_stack *s, hs_conn *c, uint64_t now)
{
    hs_held *h = c->toe_held;
    c->toe_held = NULL;
    c->toe_held_tail = NULL;
    while (h) {
        hs_held *n = h->next;
        pkt_frame_info fi;
        memset(&fi, 0, sizeof fi);
        if (pkt_frame_parse(h->f.data, h->f.len, &fi) == 0 && fi.proto == PKT_IPPROTO_TCP &&
            fi.l4_off && fi.payload_off) {
            int cpu = hs_cpu(s, h->f.cpu);
            hs_tcp_input(s, cpu, now, &h->f, &fi, 0);
        }
        free(h);
        h = n;
    }
}

/* ---- commands ---- */
static void hs_toe_state_of(const hs_stack *s, const hs_conn *c, nic_toe_state *st)
{
    memset(st, 0, sizeof *st);
    int alen = c->key.family == 6 ? 16 : 4;
    st->v6 = c->key.family == 6;
    st->ts_ok = 0; /* the stack sends no timestamps */
    st->vlan = (uint8_t)c->vlan;
    st->vlan_tci = c->vlan_tci;
    st->push_mode = s->cfg.complete_on_push != 0;
    st->queue = c->toe_queue;
    memcpy(st->remote_addr, c->key.src, (size_t)alen);
    memcpy(st->local_addr, c->key.dst, (size_t)alen);
    st->remote_port = c->key.sport;
    st->local_port = c->key.dport;
    memcpy(st->remote_mac, c->peer_mac, 6);
    memcpy(st->local_mac, c->host_mac, 6);
    st->ttl = 128; /* the Windows default TTL / hop limit */
    st->mss = (uint16_t)(hs_mss(s, c) > 65535 ? 65535 : hs_mss(s, c));
    st->ack_freq = (uint8_t)(s->cfg.ack_every > 255 ? 255 : s->cfg.ack_every);
    st->rcv_wnd = s->rcv_wnd;
    st->rcv_nxt = c->rcv_nxt;
    st->snd_una = st->snd_nxt = st->snd_max = c->have_snd ? c->snd_nxt : c->iss + 1;
    st->snd_wnd = 65535;
}

static int hs_toe_can_offload(const hs_stack *s, const hs_conn *c, uint64_t now)
{
    const hs_config *g = &s->cfg;
    if (s->toe.slots <= 0 || !s->chimney_on || !s->link_up || s->toe_flushing || s->finished ||
        s->st.toe_blocked[0] || c->toe != HS_TOE_IN_HOST || c->toe_policy < 0 || c->toe_held)
        return 0;
    /* NetDMA copies into its buffers outstanding: offload once they completed (the stack
       hands its buffers' contents over in order; docs/netdma.md) */
    if (c->nd_busy || c->npend)
        return 0;
    /* TCP state: ESTABLISHED (CLOSED, LISTEN, SYN_SENT, SYN_RCVD, TIME_WAIT excluded); the
       receive side ends with the FIN, so a connection that saw one stays in the host */
    if (c->state != HS_CS_OPEN || !c->toe_estab || c->fin_seen)
        return 0;
    /* out-of-order bytes held beyond rcv_nxt: the NIC could not know them, it would take
       what follows as out of order; wait until the gap is filled */
    if (c->segs_tail && seq_gt(c->segs_tail->seq + c->segs_tail->len, c->rcv_nxt))
        return 0;
    if (now < c->toe_not_before || c->toe_wait_slot)
        return 0; /* backing off, or waiting for a slot to free */
    if (g->chimney_policy == HS_CHIMNEY_AUTOMATIC &&
        (c->st_payload < g->auto_min_bytes || g->link_bps < g->auto_min_link_bps ||
         g->path_rtt_ns > g->auto_max_rtt_ns))
        return 0;
    return 1;
}

static void hs_toe_upload(hs_stack *s, hs_conn *c, int cpu, uint64_t now, int reason);

/* A connection waits for a slot (w 1) or no longer (w 0); s->toe_waiting counts them. */
static void hs_toe_wait(hs_stack *s, hs_conn *c, int w)
{
    if (c->toe_wait_slot != w)
        s->toe_waiting += w ? 1 : -1;
    c->toe_wait_slot = w;
}

/* The least active offloaded connection that is not OFFLOAD_PREFERRED (NULL: none). */
static hs_conn *hs_toe_victim(hs_stack *s)
{
    hs_conn *v = NULL;
    for (int i = 0; i < s->toe.slots; i++) {
        hs_conn *c = s->toe_by_slot[i];
        if (c && c->toe == HS_TOE_OFFLOADED && c->toe_policy == 0 && !c->toe_up_want &&
            (!v || c->toe_active < v->toe_active))
            v = c;
    }
    return v;
}

static void hs_toe_try_offload(hs_stack *s, hs_conn *c, int cpu, uint64_t now)
{
    if (!hs_toe_can_offload(s, c, now))
        return;
    if (s->toe_used >= (uint32_t)s->toe.slots) {
        if (!c->toe_wait_slot)
            s->st.toe_no_slot++; /* every slot in use: the connection stays in the host */
        hs_toe_wait(s, c, 1); /* the table is full */
        if (c->toe_policy > 0) {
            hs_conn *v = hs_toe_victim(s);
            if (v)
                hs_toe_upload(s, v, cpu, now, HS_UP_PREFERRED);
        }
        return;
    }
    nic_toe_state st;
    hs_toe_state_of(s, c, &st);
    int64_t cyc = s->toe.offload(s->toe.user, cpu, c->toe_queue, &st, (uint32_t)c->id);
    if (cyc < 0) {
        s->st.toe_cmd_busy++; /* retried at the connection's next frame */
        return;
    }
    hs_toe_drv(s, cpu, cyc);
    hs_chg(s, cpu, HS_K_OFFLOAD, hs_c(s, HS_C_TOE_OFFLOAD));
    s->toe_cmds_out++;
    s->toe_used++;
    s->st.toe_attempts++;
    c->toe = HS_TOE_OFFLOADING;
    hs_toe_wait(s, c, 0);
    c->toe_race = 0;
}

static void hs_toe_post_some(hs_stack *s, hs_conn *c, int cpu)
{
    while (c->toe == HS_TOE_OFFLOADED && !c->toe_up_want && c->toe_post_want > 0 &&
           c->toe_nbuf < NIC_TOE_BUFS) {
        uint32_t bytes = hs_toe_buf_bytes(s);
        uint64_t dma = 0;
        void *p = s->toe.buf_alloc(s->toe.user, bytes, &dma);
        if (!p)
            return;
        int64_t cyc = s->toe.post(s->toe.user, cpu, c->toe_queue, c->toe_slot, dma, bytes,
                                  (uint32_t)c->id);
        if (cyc < 0) {
            s->toe.buf_free(s->toe.user, p, bytes);
            s->st.toe_cmd_busy++;
            s->toe_need_retry = 1;
            return;
        }
        hs_toe_drv(s, cpu, cyc);
        hs_chg(s, cpu, HS_K_OFFLOAD, hs_c(s, HS_C_TOE_POST));
        s->toe_cmds_out++;
        s->st.toe_buffers_posted++;
        c->toe_buf[c->toe_nbuf].p = p;
        c->toe_buf[c->toe_nbuf].dma = dma;
        c->toe_buf[c->toe_nbuf].len = bytes;
        c->toe_nbuf++;
        c->toe_post_want--;
    }
}

static void hs_toe_upload(hs_stack *s, hs_conn *c, int cpu, uint64_t now, int reason)
{
    if (c->toe == HS_TOE_OFFLOADING) {
        if (!c->toe_up_want)
            c->toe_up_want = reason + 1; /* sent when the OFFLOAD completes */
        return;
    }
    if (c->toe != HS_TOE_OFFLOADED)
        return;
    int64_t cyc = s->toe.upload(s->toe.user, cpu, c->toe_queue, c->toe_slot, (uint32_t)c->id);
    if (cyc < 0) {
        s->st.toe_cmd_busy++;
        s->toe_need_retry = 1;
        c->toe_up_want = reason + 1; /* retried at the next command completion or frame */
        return;
    }
    hs_toe_drv(s, cpu, cyc);
    s->toe_cmds_out++;
    c->toe_up_want = 0;
    c->toe_up_reason = reason;
    c->toe = HS_TOE_UPLOADING;
    s->st.toe_offloaded_now--;
}

/* Retries of commands refused with a full queue: uploads first, then posts. */
static void hs_toe_retry(hs_stack *s, hs_conn *c, int cpu, uint64_t now)
{
    if (c->toe == HS_TOE_OFFLOADED && c->toe_up_want)
        hs_toe_upload(s, c, cpu, now, c->toe_up_want - 1);
    hs_toe_post_some(s, c, cpu);
}

/* A slot is free again: connections refused or waiting get their chance, preferred first. */
static void hs_toe_slot_freed(hs_stack *s, int cpu, uint64_t now)
{
    for (int pass = 1; pass >= 0; pass--)
        for (hs_conn *c = s->all; c && s->toe_waiting && s->toe_used < (uint32_t)s->toe.slots;
             c = c->lnext)
            if (c->toe_wait_slot && c->toe_policy == pass) {
                hs_toe_wait(s, c, 0);
                hs_toe_try_offload(s, c, cpu, now);
            }
}

/* ---- receive hooks ---- */
int hs_toe_input(hs_stack *s, hs_conn *c, int cpu, uint64_t now, const hs_rx_frame *f,
                 const pkt_frame_info *fi)
{
    if (s->toe.slots <= 0)
        return 0; /* no engine: no frame is marked (toe_* fields are not looked at) */
    if (!(f->toe_flags & (NIC_CPL_F_TOE_DATA | NIC_CPL_F_TOE_EXC)) &&
        (!c || c->toe == HS_TOE_IN_HOST))
        return 0;
    if (!c) {
        /* marked frame of a connection the host does not know: cannot happen with a NIC
           that only marks offloaded connections; process it normally */
        return 0;
    }
    s->rx_conn = c;
    c->toe_queue = f->queue;
    if (f->toe_flags & NIC_CPL_F_TOE_DATA) {
        /* indicated data: accepted by the NIC, delivered by sequence number */
        hs_chg(s, cpu, HS_K_OFFLOAD, hs_c(s, HS_C_TOE_INDICATE));
        uint32_t plen = (uint32_t)fi->payload_len;
        if (plen && hs_nd_want_host_buffers(s) && !s->nd_blocked)
            s->st.netdma_conn_chimney++; /* Chimney wins: never NetDMA */
        const uint8_t *th = f->data + fi->l4_off;
        c->st_payload += plen;
        c->toe_active = now;
        s->st.toe_bytes_indicated += plen;
        if ((th[13] & PKT_TCP_PSH) && s->cfg.complete_on_push && plen) {
            c->push_valid = 1;
            c->push_seq = pkt_get32(th + 4) + plen;
        }
        hs_toe_deliver(s, c, cpu, now, pkt_get32(th + 4), f->data + fi->payload_off, plen, 0);
        return 1;
    }
    hs_toe_hold(s, c, f);
    if (f->toe_flags & NIC_CPL_F_TOE_EXC) {
        s->st.toe_exc_frames++;
        hs_chg(s, cpu, HS_K_OFFLOAD, hs_c(s, HS_C_TOE_EXCEPTION));
        static const int map[NIC_TOE_UP_COUNT] = {
            [NIC_TOE_UP_PENDING] = -1,     [NIC_TOE_UP_FIN] = HS_UP_FIN,
            [NIC_TOE_UP_RST] = HS_UP_RST,  [NIC_TOE_UP_URG] = HS_UP_URG,
            [NIC_TOE_UP_SYN] = HS_UP_SYN,  [NIC_TOE_UP_OOO] = HS_UP_OOO,
            [NIC_TOE_UP_OTHER] = HS_UP_NIC_REQUEST,
        };
        int r = f->toe_reason < NIC_TOE_UP_COUNT ? map[f->toe_reason] : HS_UP_NIC_REQUEST;
        if (r >= 0)
            hs_toe_upload(s, c, cpu, now, r);
    } else {
        s->st.toe_held_frames++;
        hs_chg(s, cpu, HS_K_OFFLOAD, hs_c(s, HS_C_TOE_EXCEPTION));
        if (c->toe == HS_TOE_OFFLOADING)
            c->toe_race = 1;
        else if (c->toe == HS_TOE_OFFLOADED)
            hs_toe_upload(s, c, cpu, now, HS_UP_UNMARKED); /* the NIC could not parse it */
    }
    if (c->toe == HS_TOE_IN_HOST) /* already back (cannot happen; keep the bytes) */
        hs_toe_release_held(s, c, now);
    return 1;
}

void hs_toe_maybe_offload(hs_stack *s, hs_conn *c, int cpu, uint64_t now)
{
    if (s->toe.slots > 0)
        hs_toe_try_offload(s, c, cpu, now);
}

void hs_toe_after_input(hs_stack *s, hs_conn *c, int cpu, uint64_t now, const hs_rx_frame *f)
{
    if (s->toe.slots <= 0)
        return;
    c->toe_queue = f->queue;
    hs_toe_try_offload(s, c, cpu, now);
}

/* ---- events ---- */
static void hs_toe_merge_counters(hs_stack *s, const nic_toe_state *st)
{
    uint64_t segs = st->segs, dup = st->dup_segs, ooo = st->ooo_segs;
    s->st.tcp_segments += segs;
    s->st.dup_segments += dup;
    s->st.ooo_segments += ooo;
    s->st.in_order_segments += segs > dup + ooo ? segs - dup - ooo : 0;
    s->st.tcp_payload_bytes += (uint64_t)st->bytes_placed + st->bytes_indicated;
    s->st.acks_sent += st->acks_sent;
    s->st.toe_nic_acks += st->acks_sent;
}

/* UPLOAD completed: the returned buffers' valid bytes and the NIC's counters come back, the
 * slot is free, held frames are processed. */
static void hs_toe_uploaded(hs_stack *s, hs_conn *c, int cpu, uint64_t now, const nic_toe_state *st)
{
    hs_chg(s, cpu, HS_K_OFFLOAD, hs_c(s, HS_C_TOE_UPLOAD));
    if (st) {
        hs_toe_merge_counters(s, st);
        int nb = st->nbufs < c->toe_nbuf ? st->nbufs : c->toe_nbuf;
        for (int i = 0; i < nb; i++) {
            const uint8_t *p = c->toe_buf[i].p;
            uint32_t b0 = st->buf_start[i], blen = st->buf_len[i];
            if (blen > c->toe_buf[i].len)
                blen = c->toe_buf[i].len;
            uint32_t b1 = b0 + blen;
            /* [start, min(end, rcv_nxt)) */
            uint32_t e = seq_lt(st->rcv_nxt, b1) ? st->rcv_nxt : b1;
            if (seq_gt(e, b0)) {
                uint32_t n = e - b0;
                s->st.toe_bytes_placed += n;
                c->toe_placed += n;
                hs_toe_deliver(s, c, cpu, now, b0, p, n, 1);
            }
            /* every valid interval's part inside the buffer */
            for (int k = 0; k < 5; k++) {
                if (!(st->ivl_valid & (1u << k)))
                    continue;
                uint32_t i0 = seq_gt(st->ivl_start[k], b0) ? st->ivl_start[k] : b0;
                uint32_t i1 = seq_lt(st->ivl_end[k], b1) ? st->ivl_end[k] : b1;
                if (seq_gt(i1, i0)) {
                    s->st.toe_bytes_placed += i1 - i0;
                    c->toe_placed += i1 - i0;
                    hs_toe_deliver(s, c, cpu, now, i0, p + (i0 - b0), i1 - i0, 1);
                }
            }
        }
        if (c->have_snd ? seq_gt(st->snd_una, c->snd_nxt) : 0)
            c->snd_nxt = st->snd_una;
        c->full_unacked = st->unacked;
    }
    for (int i = 0; i < c->toe_nbuf; i++)
        s->toe.buf_free(s->toe.user, c->toe_buf[i].p, c->toe_buf[i].len);
    c->toe_nbuf = c->toe_nconf = 0;
    c->toe_post_want = 0;
    c->toe_up_want = 0;
    if (s->toe_by_slot[c->toe_slot] == c)
        s->toe_by_slot[c->toe_slot] = NULL;
    c->toe = HS_TOE_IN_HOST;
    s->toe_used--;
    s->st.toe_uploads[c->toe_up_reason]++;
    c->toe_last_up = c->toe_up_reason;
    /* after an upload the NIC caused, wait before offloading again (no ping-pong) */
    if (c->toe_up_reason == HS_UP_RACE || c->toe_up_reason == HS_UP_UNMARKED ||
        c->toe_up_reason == HS_UP_NIC_REQUEST || c->toe_up_reason == HS_UP_OOO ||
        c->toe_up_reason == HS_UP_URG)
        c->toe_not_before = now + HS_TOE_RACE_BACKOFF_NS;
    hs_toe_release_held(s, c, now);
    hs_app_maybe_release(s, c);
    hs_toe_slot_freed(s, cpu, now);
}

static void hs_toe_cmd(hs_stack *s, const hs_toe_ev *ev, int cpu, uint64_t now)
{
    hs_conn *c = hs_toe_by_cookie(s, ev->cookie);
    if (s->toe_cmds_out)
        s->toe_cmds_out--;
    if (!c)
        return;
    if (ev->op == NIC_TOE_OP_OFFLOAD && c->toe == HS_TOE_OFFLOADING) {
        if (ev->result == NIC_TOE_R_OK && ev->slot < (uint32_t)s->toe.slots) {
            s->st.toe_successes++;
            c->toe_times++;
            c->toe_slot = ev->slot;
            s->toe_by_slot[ev->slot] = c;
            c->toe = HS_TOE_OFFLOADED;
            c->toe_active = now;
            if (++s->st.toe_offloaded_now > s->st.toe_offloaded_peak)
                s->st.toe_offloaded_peak = s->st.toe_offloaded_now;
            if (c->toe_race) {
                hs_toe_upload(s, c, cpu, now, HS_UP_RACE);
            } else if (c->toe_up_want) {
                int r = c->toe_up_want - 1;
                c->toe_up_want = 0;
                hs_toe_upload(s, c, cpu, now, r);
            } else {
                c->toe_post_want = hs_toe_nbufs(s);
                hs_toe_post_some(s, c, cpu);
            }
            return;
        }
        if (ev->result == NIC_TOE_R_RESOURCES) {
            s->st.toe_refusals++;
            hs_toe_wait(s, c, 1); /* stays in the host; retried when a slot frees */
        } else {
            s->st.toe_other_failures++;
            c->toe_not_before = now + HS_TOE_RACE_BACKOFF_NS;
        }
        c->toe = HS_TOE_IN_HOST;
        c->toe_up_want = 0;
        c->toe_race = 0;
        s->toe_used--;
        hs_toe_release_held(s, c, now);
        if (c->toe_wait_slot && c->toe_policy > 0) {
            hs_conn *v = hs_toe_victim(s);
            if (v)
                hs_toe_upload(s, v, cpu, now, HS_UP_PREFERRED);
        }
        return;
    }
    if (ev->op == NIC_TOE_OP_UPLOAD && c->toe == HS_TOE_UPLOADING) {
        hs_toe_uploaded(s, c, cpu, now, ev->result == NIC_TOE_R_OK ? ev->state : NULL);
        return;
    }
    if (ev->op == NIC_TOE_OP_POST && c->toe_nconf < c->toe_nbuf) {
        if (ev->result == NIC_TOE_R_OK) {
            c->toe_nconf++;
        } else {
            /* the buffer was not appended: it is the first unconfirmed one */
            int i = c->toe_nconf;
            s->toe.buf_free(s->toe.user, c->toe_buf[i].p, c->toe_buf[i].len);
            memmove(&c->toe_buf[i], &c->toe_buf[i + 1], (size_t)(c->toe_nbuf - i - 1) * sizeof c->toe_buf[0]);
            c->toe_nbuf--;
        }
    }
    hs_toe_retry(s, c, cpu, now);
}

static void hs_toe_buf(hs_stack *s, const hs_toe_ev *ev, int cpu, uint64_t now)
{
    hs_conn *c = hs_toe_by_slot(s, ev->slot);
    if (!c || c->toe_nbuf == 0)
        return;
    hs_chg(s, cpu, HS_K_OFFLOAD, hs_c(s, HS_C_TOE_BUF));
    s->st.toe_buf_events++;
    if (hs_nd_want_host_buffers(s) && !s->nd_blocked)
        s->st.netdma_conn_chimney++; /* placed by the NIC: no copy at all */
    uint32_t n = ev->bytes < c->toe_buf[0].len ? ev->bytes : c->toe_buf[0].len;
    s->st.toe_bytes_placed += n;
    c->toe_placed += n;
    c->toe_active = now;
    if (ev->push && s->cfg.complete_on_push && n) {
        c->push_valid = 1;
        c->push_seq = ev->seq + n;
    }
    hs_toe_deliver(s, c, cpu, now, ev->seq, c->toe_buf[0].p, n, 1);
    s->toe.buf_free(s->toe.user, c->toe_buf[0].p, c->toe_buf[0].len);
    memmove(&c->toe_buf[0], &c->toe_buf[1], (size_t)(c->toe_nbuf - 1) * sizeof c->toe_buf[0]);
    c->toe_nbuf--;
    if (c->toe_nconf)
        c->toe_nconf--;
    c->toe_post_want++; /* the application re-posts */
    hs_toe_post_some(s, c, cpu);
}

static uint64_t hs_toe_event_body(hs_stack *s, const hs_toe_ev *ev, uint64_t now_ns)
{
    int cpu = hs_cpu(s, ev->cpu);
    uint64_t before = s->fx_cpu[cpu] >> HS_FX_SHIFT;
    if (s->toe.slots <= 0)
        return 0;
    switch (ev->kind) {
    case HS_TOE_EV_CMD:
        hs_toe_cmd(s, ev, cpu, now_ns);
        if (s->toe_need_retry) { /* a queue entry is free: commands refused earlier */
            s->toe_need_retry = 0;
            /* in connection order until the queue is full again (a refusal sets toe_need_retry
               once more): the connections after that one would only be refused too */
            for (hs_conn *c = s->all; c && !s->toe_need_retry; c = c->lnext)
                if (c->toe == HS_TOE_OFFLOADED && (c->toe_up_want || c->toe_post_want))
                    hs_toe_retry(s, c, cpu, now_ns);
        }
        break;
    case HS_TOE_EV_BUF:
        hs_toe_buf(s, ev, cpu, now_ns);
        break;
    case HS_TOE_EV_UPREQ: {
        hs_conn *c = hs_toe_by_slot(s, ev->slot);
        s->st.toe_upreqs++;
        if (c) {
            int r = ev->reason == NIC_TOE_UP_FIN   ? HS_UP_FIN
                    : ev->reason == NIC_TOE_UP_RST ? HS_UP_RST
                    : ev->reason == NIC_TOE_UP_URG ? HS_UP_URG
                    : ev->reason == NIC_TOE_UP_SYN ? HS_UP_SYN
                    : ev->reason == NIC_TOE_UP_OOO ? HS_UP_OOO
                                                   : HS_UP_NIC_REQUEST;
            hs_toe_upload(s, c, cpu, now_ns, r);
        }
        break;
    }
    default:
        break;
    }
    return (s->fx_cpu[cpu] >> HS_FX_SHIFT) - before;
}

/* hs_last_rx_conn / hs_last_rx_data describe the last hs_rx call: work done outside it (events,
 * switches) must not change them. */
typedef struct hs_rx_mark {
    hs_conn *conn;
    int new_data;
    uint32_t end_seq, incarnation;
} hs_rx_mark;

static hs_rx_mark hs_rx_mark_save(const hs_stack *s)
{
    hs_rx_mark m = {s->rx_conn, s->rx_new_data, s->rx_end_seq, s->rx_incarnation};
    return m;
}

static void hs_rx_mark_restore(hs_stack *s, const hs_rx_mark *m)
{
    s->rx_conn = m->conn;
    s->rx_new_data = m->new_data;
    s->rx_end_seq = m->end_seq;
    s->rx_incarnation = m->incarnation;
}

uint64_t hs_toe_event(hs_stack *s, const hs_toe_ev *ev, uint64_t now_ns)
{
    hs_rx_mark m = hs_rx_mark_save(s);
    uint64_t r = hs_toe_event_body(s, ev, now_ns);
    hs_rx_mark_restore(s, &m);
    return r;
}

/* Uploads every offloaded connection (and marks those whose OFFLOAD is on its way). */
static void hs_toe_upload_all(hs_stack *s, int cpu, uint64_t now, int reason)
{
    for (hs_conn *c = s->all; c; c = c->lnext) {
        hs_toe_wait(s, c, 0);
        if (c->toe == HS_TOE_OFFLOADED || c->toe == HS_TOE_OFFLOADING)
            hs_toe_upload(s, c, cpu, now, reason);
    }
}

uint64_t hs_chimney_set(hs_stack *s, int enabled, int cpu, uint64_t now_ns)
{
    cpu = hs_cpu(s, cpu);
    uint64_t before = s->fx_cpu[cpu] >> HS_FX_SHIFT;
    hs_rx_mark m = hs_rx_mark_save(s);
    s->chimney_on = enabled != 0;
    if (!enabled)
        hs_toe_upload_all(s, cpu, now_ns, HS_UP_CHIMNEY_OFF);
    else
        for (hs_conn *c = s->all; c; c = c->lnext)
            hs_toe_try_offload(s, c, cpu, now_ns);
    hs_rx_mark_restore(s, &m);
    return (s->fx_cpu[cpu] >> HS_FX_SHIFT) - before;
}

uint64_t hs_link_set(hs_stack *s, int up, int cpu, uint64_t now_ns)
{
    cpu = hs_cpu(s, cpu);
    uint64_t before = s->fx_cpu[cpu] >> HS_FX_SHIFT;
    hs_rx_mark m = hs_rx_mark_save(s);
    s->link_up = up != 0;
    if (!up)
        hs_toe_upload_all(s, cpu, now_ns, HS_UP_LINK);
    hs_rx_mark_restore(s, &m);
    return (s->fx_cpu[cpu] >> HS_FX_SHIFT) - before;
}

uint64_t hs_toe_flush(hs_stack *s, int cpu, uint64_t now_ns)
{
    cpu = hs_cpu(s, cpu);
    uint64_t before = s->fx_cpu[cpu] >> HS_FX_SHIFT;
    hs_rx_mark m = hs_rx_mark_save(s);
    s->toe_flushing = 1;
    hs_toe_upload_all(s, cpu, now_ns, HS_UP_END);
    hs_rx_mark_restore(s, &m);
    return (s->fx_cpu[cpu] >> HS_FX_SHIFT) - before;
}

int hs_toe_busy(const hs_stack *s)
{
    if (s->toe_cmds_out || s->toe_used)
        return 1;
    return 0;
}

/* [events] firewall on/off: Windows Firewall rules Chimney out while it is on (KB 912222). */
uint64_t hs_firewall_set(hs_stack *s, int on, int cpu, uint64_t now_ns)
{
    cpu = hs_cpu(s, cpu);
    uint64_t before = s->fx_cpu[cpu] >> HS_FX_SHIFT;
    s->cfg.windows_firewall = on != 0;
    const char *why = hs_chimney_blocker(&s->cfg);
    snprintf(s->st.toe_blocked, sizeof s->st.toe_blocked, "%s", why ? why : "");
    /* the same switches rule NetDMA out (copies already queued complete normally) */
    const char *ndwhy = hs_netdma_blocker(&s->cfg);
    s->nd_blocked = ndwhy != NULL;
    snprintf(s->st.netdma_blocked, sizeof s->st.netdma_blocked, "%s", ndwhy ? ndwhy : "");
    if (why)
        hs_toe_upload_all(s, cpu, now_ns, HS_UP_CHIMNEY_OFF);
    else
        for (hs_conn *c = s->all; c; c = c->lnext)
            hs_toe_try_offload(s, c, cpu, now_ns);
    return (s->fx_cpu[cpu] >> HS_FX_SHIFT) - before;
}
