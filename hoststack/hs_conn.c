/* Connection table: connections filed under the Toeplitz hash of their 4-tuple (the same
 * hash the NIC reports with RSS), chained per bucket, the table doubling as it fills. */
#include <stdlib.h>
#include <string.h>

#include "hs_internal.h"
#include "rss.h"

#define HS_MAX_BUCKETS (1u << 24)
#define HS_ISS_SALT 0x6e696373u /* mixed into the hash for a deterministic SYN-ACK sequence */

uint32_t hs_tuple_hash(const hs_stack *s, const hs_conn_id *k)
{
    /* Toeplitz input: src addr, dst addr, src port, dst port, all network order */
    uint8_t in[36];
    int alen = k->family == 6 ? 16 : 4;
    memcpy(in, k->src, (size_t)alen);
    memcpy(in + alen, k->dst, (size_t)alen);
    pkt_put16(in + 2 * alen, k->sport);
    pkt_put16(in + 2 * alen + 2, k->dport);
    return rss_toeplitz(s->cfg.rss_key, in, (size_t)(2 * alen + 4));
}

static int hs_key_eq(const hs_conn_id *a, const hs_conn_id *b)
{
    int alen = a->family == 6 ? 16 : 4;
    return a->family == b->family && a->sport == b->sport && a->dport == b->dport &&
           memcmp(a->src, b->src, (size_t)alen) == 0 && memcmp(a->dst, b->dst, (size_t)alen) == 0;
}

hs_conn *hs_conn_find(const hs_stack *s, uint32_t h, const hs_conn_id *k)
{
    for (hs_conn *c = s->bucket[h & (s->nbucket - 1)]; c; c = c->hnext)
        if (c->hash == h && hs_key_eq(&c->key, k))
            return c;
    return NULL;
}

int hs_calib_lookup(const hs_stack *s, const hs_conn_id *k, uint32_t hash)
{
    return hs_conn_find(s, hash, k) != NULL;
}

uint32_t hs_calib_hash(const hs_stack *s, const hs_conn_id *k) { return hs_tuple_hash(s, k); }

static void hs_table_grow(hs_stack *s)
{
    uint32_t n = s->nbucket * 2;
    hs_conn **b = calloc(n, sizeof *b);
    if (!b)
        return; /* keep the old table: longer chains, still correct */
    for (uint32_t i = 0; i < s->nbucket; i++) {
        hs_conn *c = s->bucket[i];
        while (c) {
            hs_conn *nx = c->hnext;
            c->hnext = b[c->hash & (n - 1)];
            b[c->hash & (n - 1)] = c;
            c = nx;
        }
    }
    free(s->bucket);
    s->bucket = b;
    s->nbucket = n;
}

hs_conn *hs_conn_new(hs_stack *s, uint32_t h, const hs_conn_id *k, int cpu,
                     const uint8_t *frame, const pkt_frame_info *fi)
{
    hs_conn *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    uint32_t nb = s->cfg.posted_buffers;
    c->comp_len = calloc(nb, sizeof *c->comp_len);
    c->comp_time = calloc(nb, sizeof *c->comp_time);
    if (!c->comp_len || !c->comp_time) {
        free(c->comp_len);
        free(c->comp_time);
        free(c);
        return NULL;
    }
    c->id = s->nconn;
    c->hash = h;
    c->key = *k;
    memcpy(c->host_mac, frame, PKT_ETH_ALEN);
    memcpy(c->peer_mac, frame + PKT_ETH_ALEN, PKT_ETH_ALEN);
    if (fi->vlan_tags > 0 && fi->vlan_tpid[0] == PKT_ETHERTYPE_VLAN) {
        c->vlan = 1;
        c->vlan_tci = fi->vlan_tci[0];
    }
    c->cpu = cpu;
    c->last_wnd = s->rcv_wnd;
    c->peer_wnd = s->cfg.peer_window ? s->cfg.peer_window(s->cfg.peer_window_user, k) : 0;
    for (int i = 0; i < HS_TMR_COUNT; i++) {
        c->tm_idx[i] = -1;
        c->tm_when[i] = UINT64_MAX;
    }
    c->iss = h ^ HS_ISS_SALT;
    uint32_t b = h & (s->nbucket - 1);
    c->hnext = s->bucket[b];
    s->bucket[b] = c;
    *s->all_tail = c;
    s->all_tail = &c->lnext;
    s->nconn++;
    if (s->nconn > 2ull * s->nbucket && s->nbucket < HS_MAX_BUCKETS)
        hs_table_grow(s);
    return c;
}

void hs_conn_free_segs(hs_conn *c)
{
    hs_seg *g = c->segs;
    while (g) {
        hs_seg *n = g->next;
        free(g);
        g = n;
    }
    c->segs = NULL;
    c->segs_tail = NULL;
    c->held = 0;
}

void hs_conn_free(hs_conn *c)
{
    hs_conn_free_segs(c);
    free(c->buf); /* NULL when hs_nd_buf_release gave it back */
    free(c->nd_out);
    free(c->nd_cold);
    free(c->comp_len);
    free(c->comp_time);
    free(c);
}
