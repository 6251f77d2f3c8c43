/* Helpers shared by the hoststack Check suites: a sender that builds frames, a transmit
 * capture, an application-byte capture. Everything lives in caller-owned structs. */
#ifndef NICSIM_HS_TEST_UTIL_H
#define NICSIM_HS_TEST_UTIL_H
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "hs.h"
#include "pkt.h"
#include "rss.h"

#define TB_FRAME_CAP 9200

/* One direction of a TCP/UDP flow: sender -> host. */
typedef struct tb_flow {
    int v6;
    uint8_t src[16], dst[16];
    uint16_t sport, dport;
    uint32_t ack;        /* acknowledgment number the sender puts in its segments */
    int vlan;
    uint16_t tci;
} tb_flow;

static inline void tb_flow4(tb_flow *f, uint8_t last_src, uint16_t sport, uint16_t dport)
{
    memset(f, 0, sizeof *f);
    f->src[0] = 192; f->src[1] = 168; f->src[2] = 1; f->src[3] = last_src;
    f->dst[0] = 10; f->dst[1] = 0; f->dst[2] = 0; f->dst[3] = 2;
    f->sport = sport;
    f->dport = dport;
    f->ack = 5000;
}

static inline void tb_flow6(tb_flow *f, uint16_t sport, uint16_t dport)
{
    memset(f, 0, sizeof *f);
    f->v6 = 1;
    const uint8_t s[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01};
    const uint8_t d[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x02};
    memcpy(f->src, s, 16);
    memcpy(f->dst, d, 16);
    f->sport = sport;
    f->dport = dport;
    f->ack = 7000;
}

static const uint8_t tb_mac_sender[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x01};
static const uint8_t tb_mac_host[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x02};

static inline void tb_spec(const tb_flow *fl, pkt_spec *p, uint8_t proto, uint32_t seq, uint8_t flags)
{
    memset(p, 0, sizeof *p);
    p->ipv6 = fl->v6;
    memcpy(p->src, fl->src, 16);
    memcpy(p->dst, fl->dst, 16);
    p->proto = proto;
    p->sport = fl->sport;
    p->dport = fl->dport;
    p->seq = seq;
    p->ack = fl->ack;
    p->tcp_flags = flags;
    p->window = 65535;
    p->vlan = fl->vlan;
    p->vlan_tci = fl->tci;
    memcpy(p->src_mac, tb_mac_sender, 6);
    memcpy(p->dst_mac, tb_mac_host, 6);
}

/* Builds a TCP segment; flags 0x10 (ACK) is added unless SYN alone is asked for. */
static inline int tb_tcp(const tb_flow *fl, uint32_t seq, uint8_t flags, const uint8_t *pl, size_t n,
                         uint8_t *out)
{
    pkt_spec p;
    tb_spec(fl, &p, PKT_IPPROTO_TCP, seq, flags);
    int len = pkt_build(&p, pl, n, out, TB_FRAME_CAP);
    ck_assert_int_gt(len, 0);
    return len;
}

static inline int tb_udp(const tb_flow *fl, const uint8_t *pl, size_t n, uint8_t *out)
{
    pkt_spec p;
    tb_spec(fl, &p, PKT_IPPROTO_UDP, 0, 0);
    int len = pkt_build(&p, pl, n, out, TB_FRAME_CAP);
    ck_assert_int_gt(len, 0);
    return len;
}

/* Frame offset of the L4 header in a frame built by tb_tcp/tb_udp. */
static inline size_t tb_l4_off(const tb_flow *fl) { return 14 + (fl->vlan ? 4 : 0) + (fl->v6 ? 40 : 20); }

static inline uint64_t tb_rx(hs_stack *s, const uint8_t *fr, int len, uint8_t csum, int cpu, uint64_t now)
{
    hs_rx_frame f;
    memset(&f, 0, sizeof f);
    f.data = fr;
    f.len = (uint32_t)len;
    f.csum = csum;
    f.cpu = cpu;
    return hs_rx(s, &f, now);
}

/* Sends a segment of `n` payload bytes taken from stream[off..] at sequence isn + off. */
static inline uint64_t tb_send(hs_stack *s, const tb_flow *fl, uint32_t isn, const uint8_t *stream,
                               uint32_t off, uint32_t n, uint8_t flags, uint64_t now)
{
    uint8_t fr[TB_FRAME_CAP];
    int len = tb_tcp(fl, isn + off, flags, stream + off, n, fr);
    return tb_rx(s, fr, len, HS_CSUM_UNVERIFIED, 0, now);
}

/* ---- transmit capture ---- */
#define TB_TX_MAX 256
typedef struct tb_tx {
    int n;
    uint8_t frame[TB_TX_MAX][128];
    uint32_t len[TB_TX_MAX];
    int cpu[TB_TX_MAX];
    uint64_t cycles_each; /* what the "driver" charges per frame */
} tb_tx;

static inline uint64_t tb_tx_fn(void *user, int cpu, const uint8_t *frame, uint32_t len)
{
    tb_tx *t = user;
    if (t->n < TB_TX_MAX) {
        ck_assert_uint_le(len, 128);
        memcpy(t->frame[t->n], frame, len);
        t->len[t->n] = len;
        t->cpu[t->n] = cpu;
        t->n++;
    }
    return t->cycles_each;
}

/* Decoded transmitted TCP frame; checks that both checksums are right. */
typedef struct tb_seg {
    uint32_t seq, ack;
    uint8_t flags;
    uint16_t window, sport, dport;
    int l3;
    const uint8_t *src, *dst;
    uint8_t dst_mac[6], src_mac[6];
} tb_seg;

static inline tb_seg tb_tx_decode(const tb_tx *t, int i)
{
    tb_seg r;
    memset(&r, 0, sizeof r);
    ck_assert_int_lt(i, t->n);
    const uint8_t *fr = t->frame[i];
    pkt_frame_info fi;
    ck_assert_int_eq(pkt_frame_parse(fr, t->len[i], &fi), 0);
    ck_assert_int_eq(fi.proto, PKT_IPPROTO_TCP);
    const uint8_t *ip = fr + fi.l3_off;
    if (fi.l3 == 4)
        ck_assert_uint_eq(pkt_csum_fold(pkt_csum_add(0, ip, 20)), 0xffff);
    size_t l4len = fi.ip_end - fi.l4_off;
    uint32_t sum = pkt_csum_pseudo(fi.src, fi.dst, fi.l3 == 6 ? 16 : 4, PKT_IPPROTO_TCP, (uint32_t)l4len);
    ck_assert_uint_eq(pkt_csum_fold(pkt_csum_add(sum, fr + fi.l4_off, l4len)), 0xffff);
    const uint8_t *th = fr + fi.l4_off;
    r.seq = pkt_get32(th + 4);
    r.ack = pkt_get32(th + 8);
    r.flags = th[13];
    r.window = pkt_get16(th + 14);
    r.sport = fi.sport;
    r.dport = fi.dport;
    r.l3 = fi.l3;
    r.src = fi.src;
    r.dst = fi.dst;
    memcpy(r.dst_mac, fr, 6);
    memcpy(r.src_mac, fr + 6, 6);
    return r;
}

/* ---- application capture (one buffer, all connections in arrival order) ---- */
typedef struct tb_app {
    uint8_t *data;
    size_t len, cap;
    int calls;
    hs_conn_id last;
} tb_app;

static inline void tb_app_fn(void *user, const hs_conn_id *c, const uint8_t *d, size_t n)
{
    tb_app *a = user;
    if (a->len + n > a->cap) {
        size_t cap = a->cap ? a->cap : 4096;
        while (cap < a->len + n)
            cap *= 2;
        a->data = realloc(a->data, cap);
        ck_assert_ptr_nonnull(a->data);
        a->cap = cap;
    }
    memcpy(a->data + a->len, d, n);
    a->len += n;
    a->calls++;
    a->last = *c;
}

static inline void tb_app_free(tb_app *a)
{
    free(a->data);
    memset(a, 0, sizeof *a);
}

/* Deterministic test bytes. */
static inline void tb_fill(uint8_t *b, size_t n, uint32_t seed)
{
    uint32_t x = seed * 2654435761u + 12345;
    for (size_t i = 0; i < n; i++) {
        x = x * 1103515245u + 12345;
        b[i] = (uint8_t)(x >> 16);
    }
}

/* A stack with the built-in profile, capturing tx and app bytes. */
static inline hs_stack *tb_stack(hs_config *cfg, tb_tx *tx, tb_app *app, const char *profile)
{
    hs_cost c;
    char err[256];
    ck_assert_msg(hs_cost_builtin(&c, profile, err, sizeof err) == 0, "%s", err);
    if (app) {
        cfg->app_data = tb_app_fn;
        cfg->app_user = app;
    }
    hs_stack *s = NULL;
    int rc = hs_create(&s, cfg, &c, tx ? tb_tx_fn : NULL, tx, err, sizeof err);
    ck_assert_msg(rc == 0, "hs_create: %s", err);
    return s;
}

static inline hs_stats tb_stats(const hs_stack *s)
{
    hs_stats st;
    hs_get_stats(s, &st);
    return st;
}

#endif
