/* Host TCP/IP stack, software receive path: demux, checksums, connection table, TCP
 * receive with reassembly, delayed ACKs, the application model, streams and cycle
 * accounting. Everything is per hs_stack; there is no global mutable state. */
#define _POSIX_C_SOURCE 200809L
#include <arpa/inet.h>
#include <assert.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "hs_internal.h"
#include "inet.h"
#include "rss.h"

/* Cycle accounts are fixed point: 1 cycle = 2^16 units, so fractional per-byte costs add up
 * exactly and per-kind sums equal per-CPU totals. */
#define HS_FX_SHIFT 16
#define HS_FX_ONE ((uint64_t)1 << HS_FX_SHIFT)

#define HS_TCP_FIN 0x01
#define HS_TCP_SYN 0x02
#define HS_TCP_RST 0x04
#define HS_TCP_PSH 0x08
#define HS_TCP_ACK 0x10

#define HS_STREAM_SPILL (1u << 20) /* write a stream out once this much is buffered */
#define HS_UDP_SINK_BYTES 65536

enum { HS_TMR_DELACK = 0, HS_TMR_APP = 1, HS_TMR_COUNT };
enum { HS_CS_OPEN = 0, HS_CS_RESET = 1 };

/* A run of received bytes not yet copied to the application: out of order, or in order but
 * waiting for a free application buffer. Bytes [doff, doff + len) of data[] are live. */
typedef struct hs_seg {
    struct hs_seg *next;
    uint32_t seq;   /* sequence number of data[doff] */
    uint32_t len;
    uint32_t doff;
    uint8_t data[];
} hs_seg;

typedef struct hs_conn hs_conn;

typedef struct hs_heap_ent {
    uint64_t when;
    hs_conn *c;
    int kind;
} hs_heap_ent;

typedef struct hs_heap {
    hs_heap_ent *e;
    size_t n, cap;
} hs_heap;

struct hs_conn {
    hs_conn *hnext;           /* hash chain */
    hs_conn *lnext;           /* all connections in creation order */
    uint64_t id;              /* creation number (orders timers deterministically) */
    uint32_t hash;            /* Toeplitz hash the connection is filed under */
    hs_conn_id key;           /* sender -> host */
    uint8_t peer_mac[6];      /* sender's MAC (source MAC of its frames) */
    uint8_t host_mac[6];
    int vlan;
    uint16_t vlan_tci;
    int cpu;                  /* owner: timers run here */
    int state;                /* HS_CS_* */
    int syn_seen;
    uint32_t irs;             /* sender's initial sequence number (if syn_seen) */
    uint32_t iss;             /* our sequence number for a SYN-ACK we send */
    uint32_t rcv_nxt;         /* next sequence number expected from the network */
    uint32_t app_nxt;         /* next sequence number to copy to the application (<= rcv_nxt) */
    int fin_seen, fin_done, app_eof;
    uint32_t fin_seq;         /* sequence number of the FIN */
    int push_valid;
    uint32_t push_seq;        /* end of the last pushed segment not yet completed */
    hs_seg *segs;             /* sorted, disjoint, all at or after app_nxt */
    uint64_t held;            /* bytes in segs */
    int have_snd;
    uint32_t snd_nxt;         /* our next sequence number (highest ACK from the sender) */
    uint32_t max_seg;         /* largest payload seen: the receiver's MSS estimate */
    uint32_t full_unacked;    /* full-size segments since the last ACK */
    int ack_pending;          /* in-order data not yet acknowledged */
    uint32_t last_wnd;        /* window in the last ACK sent (or the initial window) */
    /* application: nbuf buffers of bufsz in a ring; ncomp completed buffers (waiting for
       the application) precede fill_idx, which is being filled with fill_len bytes */
    uint8_t *buf;
    uint32_t fill_idx, fill_len, ncomp;
    uint32_t *comp_len;
    uint64_t *comp_time;
    uint64_t app_head_done;   /* time the application finishes the head completed buffer */
    uint64_t app_free_at;     /* the application is busy until */
    /* timers */
    uint64_t tm_when[HS_TMR_COUNT];
    long tm_idx[HS_TMR_COUNT]; /* heap position, -1 if not armed */
    /* stream of application bytes */
    uint8_t *sbuf;
    size_t slen, scap;
    int sfile_started;
};

struct hs_stack {
    hs_config cfg;
    hs_cost cost;
    char *streams_dir;
    hs_tx_fn tx;
    void *tx_user;
    double app_cpb;           /* app work cycles per byte */
    uint32_t rcv_wnd;         /* window with nothing waiting */
    hs_conn **bucket;
    uint32_t nbucket;
    uint64_t nconn;
    hs_conn *all, **all_tail;
    hs_heap heap[HS_MAX_CPUS];
    uint64_t fx_cpu[HS_MAX_CPUS];
    uint64_t fx_kind[HS_MAX_CPUS][HS_K_COUNT];
    hs_stats st;
    uint8_t txbuf[160];
    uint8_t *udp_sink;
};

static const char *const hs_kind_names[HS_K_COUNT] = {
    [HS_K_INTERRUPT] = "interrupt", [HS_K_DPC] = "dpc",       [HS_K_DRIVER] = "driver",
    [HS_K_IP_RX] = "ip_rx",         [HS_K_TCP_RX] = "tcp_rx", [HS_K_UDP_RX] = "udp_rx",
    [HS_K_CHECKSUM] = "checksum",   [HS_K_HASH] = "hash",     [HS_K_LOOKUP] = "lookup",
    [HS_K_REASM] = "reasm",         [HS_K_COPY] = "copy",     [HS_K_ACK_TX] = "ack_tx",
    [HS_K_TIMER] = "timer",         [HS_K_APP] = "app",       [HS_K_BUFFER_POST] = "buffer_post",
};

const char *hs_kind_name(int kind)
{
    return kind >= 0 && kind < HS_K_COUNT ? hs_kind_names[kind] : NULL;
}

/* ---- sequence arithmetic (RFC 793, modulo 2^32) ---- */
static inline int32_t seq_diff(uint32_t a, uint32_t b) { return (int32_t)(a - b); }
static inline int seq_lt(uint32_t a, uint32_t b) { return seq_diff(a, b) < 0; }
static inline int seq_gt(uint32_t a, uint32_t b) { return seq_diff(a, b) > 0; }
static inline int seq_ge(uint32_t a, uint32_t b) { return seq_diff(a, b) >= 0; }

/* ---- accounting ---- */
static void hs_chg(hs_stack *s, int cpu, int kind, double cycles)
{
    if (cycles <= 0)
        return;
    uint64_t fx = (uint64_t)llround(cycles * (double)HS_FX_ONE);
    s->fx_cpu[cpu] += fx;
    s->fx_kind[cpu][kind] += fx;
}

static inline double hs_c(const hs_stack *s, int key) { return s->cost.v[key]; }

static int hs_cpu(hs_stack *s, int cpu)
{
    if (cpu < 0 || cpu >= s->cfg.cpus) {
        s->st.bad_cpu++;
        return 0;
    }
    return cpu;
}

uint64_t hs_charge(hs_stack *s, int cpu, int kind, uint64_t cycles)
{
    cpu = hs_cpu(s, cpu);
    if (kind < 0 || kind >= HS_K_COUNT)
        kind = HS_K_DRIVER;
    s->fx_cpu[cpu] += cycles << HS_FX_SHIFT;
    s->fx_kind[cpu][kind] += cycles << HS_FX_SHIFT;
    return cycles;
}

uint64_t hs_charge_op(hs_stack *s, int cpu, int kind, const char *key, uint64_t count)
{
    return hs_charge(s, cpu, kind, hs_cost_cycles(&s->cost, key, count));
}

/* ---- timers: one indexed min-heap per CPU ---- */
static int hs_heap_less(const hs_heap_ent *a, const hs_heap_ent *b)
{
    if (a->when != b->when)
        return a->when < b->when;
    if (a->c->id != b->c->id)
        return a->c->id < b->c->id;
    return a->kind < b->kind;
}

static void hs_heap_set(hs_heap *h, size_t i, hs_heap_ent e)
{
    h->e[i] = e;
    e.c->tm_idx[e.kind] = (long)i;
}

static void hs_heap_fix(hs_heap *h, size_t i)
{
    hs_heap_ent e = h->e[i];
    while (i > 0) {
        size_t p = (i - 1) / 2;
        if (!hs_heap_less(&e, &h->e[p]))
            break;
        hs_heap_set(h, i, h->e[p]);
        i = p;
    }
    for (;;) {
        size_t l = 2 * i + 1, m = i;
        const hs_heap_ent *best = &e;
        if (l < h->n && hs_heap_less(&h->e[l], best)) {
            m = l;
            best = &h->e[l];
        }
        if (l + 1 < h->n && hs_heap_less(&h->e[l + 1], best))
            m = l + 1;
        if (m == i)
            break;
        hs_heap_set(h, i, h->e[m]);
        i = m;
    }
    hs_heap_set(h, i, e);
}

static void hs_timer_cancel(hs_stack *s, hs_conn *c, int kind)
{
    long i = c->tm_idx[kind];
    if (i < 0)
        return;
    hs_heap *h = &s->heap[c->cpu];
    c->tm_idx[kind] = -1;
    c->tm_when[kind] = UINT64_MAX;
    h->n--;
    if ((size_t)i < h->n) {
        hs_heap_set(h, (size_t)i, h->e[h->n]);
        hs_heap_fix(h, (size_t)i);
    }
}

static int hs_timer_arm(hs_stack *s, hs_conn *c, int kind, uint64_t when)
{
    hs_heap *h = &s->heap[c->cpu];
    if (c->tm_idx[kind] >= 0) {
        c->tm_when[kind] = when;
        h->e[c->tm_idx[kind]].when = when;
        hs_heap_fix(h, (size_t)c->tm_idx[kind]);
        return 0;
    }
    if (h->n == h->cap) {
        size_t cap = h->cap ? h->cap * 2 : 64;
        hs_heap_ent *e = realloc(h->e, cap * sizeof *e);
        if (!e)
            return HS_ENOMEM;
        h->e = e;
        h->cap = cap;
    }
    c->tm_when[kind] = when;
    hs_heap_ent ent = {when, c, kind};
    hs_heap_set(h, h->n++, ent);
    hs_heap_fix(h, h->n - 1);
    return 0;
}

uint64_t hs_next_timer_cpu_ns(const hs_stack *s, int cpu)
{
    if (cpu < 0 || cpu >= s->cfg.cpus || s->heap[cpu].n == 0)
        return UINT64_MAX;
    return s->heap[cpu].e[0].when;
}

uint64_t hs_next_timer_ns(const hs_stack *s)
{
    uint64_t t = UINT64_MAX;
    for (int i = 0; i < s->cfg.cpus; i++) {
        uint64_t w = hs_next_timer_cpu_ns(s, i);
        if (w < t)
            t = w;
    }
    return t;
}

/* ---- configuration ---- */
void hs_config_defaults(hs_config *c)
{
    memset(c, 0, sizeof *c);
    c->cpus = 1;
    c->csum_offload = 1;
    memcpy(c->rss_key, rss_default_key, sizeof c->rss_key);
    c->recv_buffer_bytes = 65536;
    c->posted_buffers = 2;
    c->app_cycles_per_byte = -1;
    c->app_rate_bytes_per_s = 0;
    c->complete_on_push = 1;
    c->rcv_window_bytes = 65535;
    c->ack_every = 2;
    c->delack_ns = 200000000ull;
    c->mss = 0;
    c->max_hold_bytes = 64ull << 20;
}

int hs_create(hs_stack **out, const hs_config *cfg, const hs_cost *cost, hs_tx_fn tx,
              void *tx_user, char *err, size_t errlen)
{
    *out = NULL;
    if (!cfg || !cost)
        return hs_errf(err, errlen, HS_EINVAL, "hs_create: config and cost profile are required");
    if (cfg->cpus < 1 || cfg->cpus > HS_MAX_CPUS)
        return hs_errf(err, errlen, HS_EINVAL, "hs_create: cpus %d out of range 1..%d", cfg->cpus,
                       HS_MAX_CPUS);
    if (cfg->recv_buffer_bytes < 1 || cfg->recv_buffer_bytes > (1u << 30))
        return hs_errf(err, errlen, HS_EINVAL, "hs_create: recv_buffer_bytes %u out of range 1..2^30",
                       cfg->recv_buffer_bytes);
    if (cfg->posted_buffers < 1 || cfg->posted_buffers > 1024)
        return hs_errf(err, errlen, HS_EINVAL, "hs_create: posted_buffers %u out of range 1..1024",
                       cfg->posted_buffers);
    if ((uint64_t)cfg->recv_buffer_bytes * cfg->posted_buffers > (1ull << 31))
        return hs_errf(err, errlen, HS_EINVAL,
                       "hs_create: recv_buffer_bytes x posted_buffers above 2 GiB per connection");
    if (cfg->ack_every < 1)
        return hs_errf(err, errlen, HS_EINVAL, "hs_create: ack_every must be >= 1");
    if (cfg->rcv_window_bytes > 65535)
        return hs_errf(err, errlen, HS_EINVAL,
                       "hs_create: rcv_window_bytes %u above 65535 (no window scaling)",
                       cfg->rcv_window_bytes);
    if (!(cfg->app_rate_bytes_per_s == 0 || (cfg->app_rate_bytes_per_s >= HS_APP_RATE_MIN &&
                                             cfg->app_rate_bytes_per_s <= HS_APP_RATE_MAX)))
        return hs_errf(err, errlen, HS_EINVAL, "hs_create: app_rate_bytes_per_s %g out of range "
                       "(expected 0, or %g..%g)", cfg->app_rate_bytes_per_s, HS_APP_RATE_MIN,
                       HS_APP_RATE_MAX);
    if (!isfinite(cfg->app_cycles_per_byte) || cfg->app_cycles_per_byte > HS_COST_BYTE_MAX)
        return hs_errf(err, errlen, HS_EINVAL, "hs_create: app_cycles_per_byte %g out of range "
                       "(expected <= %g; < 0: the profile's)", cfg->app_cycles_per_byte,
                       HS_COST_BYTE_MAX);
    if (cfg->host_count < 0 || cfg->host_count > HS_MAX_HOSTS)
        return hs_errf(err, errlen, HS_EINVAL, "hs_create: host_count %d out of range 0..%d",
                       cfg->host_count, HS_MAX_HOSTS);
    for (int i = 0; i < cfg->host_count; i++)
        if (cfg->hosts[i].family != 4 && cfg->hosts[i].family != 6)
            return hs_errf(err, errlen, HS_EINVAL, "hs_create: host %d: family must be 4 or 6", i);
    char cerr[160];
    if (hs_cost_check(cost, cerr, sizeof cerr) != 0)
        return hs_errf(err, errlen, HS_EINVAL, "hs_create: cost profile: %s", cerr);

    int rc = 0;
    hs_stack *s = calloc(1, sizeof *s);
    if (!s)
        return hs_errf(err, errlen, HS_ENOMEM, "hs_create: out of memory");
    s->cfg = *cfg;
    s->cost = *cost;
    s->tx = tx;
    s->tx_user = tx_user;
    s->app_cpb = cfg->app_cycles_per_byte >= 0 ? cfg->app_cycles_per_byte : cost->v[HS_C_APP_BYTE];
    s->rcv_wnd = cfg->rcv_window_bytes;
    s->st.cpus = cfg->cpus;
    s->all_tail = &s->all;
    s->nbucket = 256;
    s->bucket = calloc(s->nbucket, sizeof *s->bucket);
    s->udp_sink = malloc(HS_UDP_SINK_BYTES);
    if (!s->bucket || !s->udp_sink) {
        rc = hs_errf(err, errlen, HS_ENOMEM, "hs_create: out of memory");
        goto fail;
    }
    if (cfg->streams_dir) {
        s->streams_dir = strdup(cfg->streams_dir);
        if (!s->streams_dir) {
            rc = hs_errf(err, errlen, HS_ENOMEM, "hs_create: out of memory");
            goto fail;
        }
    }
    s->cfg.streams_dir = s->streams_dir;
    *out = s;
    return 0;
fail:
    free(s->bucket);
    free(s->udp_sink);
    free(s->streams_dir);
    free(s);
    return rc;
}

const hs_cost *hs_get_cost(const hs_stack *s) { return &s->cost; }

void hs_get_stats(const hs_stack *s, hs_stats *st)
{
    *st = s->st;
    st->total_cycles = 0;
    memset(st->kind_cycles, 0, sizeof st->kind_cycles);
    for (int c = 0; c < HS_MAX_CPUS; c++) {
        st->cpu_cycles[c] = s->fx_cpu[c] >> HS_FX_SHIFT;
        st->total_cycles += st->cpu_cycles[c];
        for (int k = 0; k < HS_K_COUNT; k++)
            st->cpu_kind_cycles[c][k] = s->fx_kind[c][k] >> HS_FX_SHIFT;
    }
    for (int k = 0; k < HS_K_COUNT; k++) {
        uint64_t fx = 0;
        for (int c = 0; c < HS_MAX_CPUS; c++)
            fx += s->fx_kind[c][k];
        st->kind_cycles[k] = fx >> HS_FX_SHIFT;
    }
    st->csum_drops = st->drop_bad_ip_csum + st->drop_bad_l4_csum;
}

/* ---- connection table ---- */
static uint32_t hs_tuple_hash(const hs_stack *s, const hs_conn_id *k)
{
    uint8_t in[36];
    int alen = k->family == 6 ? 16 : 4;
    memcpy(in, k->src, (size_t)alen);
    memcpy(in + alen, k->dst, (size_t)alen);
    hs_put16(in + 2 * alen, k->sport);
    hs_put16(in + 2 * alen + 2, k->dport);
    return rss_toeplitz(s->cfg.rss_key, in, (size_t)(2 * alen + 4));
}

static int hs_key_eq(const hs_conn_id *a, const hs_conn_id *b)
{
    int alen = a->family == 6 ? 16 : 4;
    return a->family == b->family && a->sport == b->sport && a->dport == b->dport &&
           memcmp(a->src, b->src, (size_t)alen) == 0 && memcmp(a->dst, b->dst, (size_t)alen) == 0;
}

static hs_conn *hs_find(const hs_stack *s, uint32_t h, const hs_conn_id *k)
{
    for (hs_conn *c = s->bucket[h & (s->nbucket - 1)]; c; c = c->hnext)
        if (c->hash == h && hs_key_eq(&c->key, k))
            return c;
    return NULL;
}

int hs_calib_lookup(const hs_stack *s, const hs_conn_id *k, uint32_t hash)
{
    return hs_find(s, hash, k) != NULL;
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

static hs_conn *hs_conn_new(hs_stack *s, uint32_t h, const hs_conn_id *k, int cpu,
                            const uint8_t *frame, const hs_frame_info *fi)
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
    memcpy(c->host_mac, frame, 6);
    memcpy(c->peer_mac, frame + 6, 6);
    if (fi->l3_off >= HS_ETH_HLEN + 4 && hs_get16(frame + 12) == HS_ETHERTYPE_VLAN) {
        c->vlan = 1;
        c->vlan_tci = hs_get16(frame + 14);
    }
    c->cpu = cpu;
    c->last_wnd = s->rcv_wnd;
    for (int i = 0; i < HS_TMR_COUNT; i++) {
        c->tm_idx[i] = -1;
        c->tm_when[i] = UINT64_MAX;
    }
    c->iss = h ^ 0x6e696373u; /* deterministic initial sequence number for SYN-ACKs */
    uint32_t b = h & (s->nbucket - 1);
    c->hnext = s->bucket[b];
    s->bucket[b] = c;
    *s->all_tail = c;
    s->all_tail = &c->lnext;
    s->nconn++;
    if (s->nconn > 2ull * s->nbucket && s->nbucket < (1u << 24))
        hs_table_grow(s);
    return c;
}

/* ---- streams ---- */
static void hs_addr_text(char *out, size_t n, int family, const uint8_t *a)
{
    if (!inet_ntop(family == 6 ? AF_INET6 : AF_INET, a, out, (socklen_t)n)) {
        snprintf(out, n, "invalid");
        return;
    }
    for (char *p = out; *p; p++)
        if (*p == ':')
            *p = '.';
}

static int hs_stream_write(hs_stack *s, hs_conn *c, char *err, size_t errlen)
{
    if (!s->streams_dir || c->slen == 0)
        return 0;
    char sa[64], da[64], path[4096];
    hs_addr_text(sa, sizeof sa, c->key.family, c->key.src);
    hs_addr_text(da, sizeof da, c->key.family, c->key.dst);
    snprintf(path, sizeof path, "%s/%s_%u-%s_%u.bin", s->streams_dir, sa, c->key.sport, da,
             c->key.dport);
    FILE *f = fopen(path, c->sfile_started ? "ab" : "wb");
    int rc = 0;
    if (!f) {
        s->st.stream_errors++;
        rc = hs_errf(err, errlen, HS_EIO, "%s: cannot write stream: %s", path, strerror(errno));
        c->slen = 0;
        return rc;
    }
    size_t w = fwrite(c->sbuf, 1, c->slen, f);
    if (fclose(f) != 0 || w != c->slen) {
        s->st.stream_errors++;
        rc = hs_errf(err, errlen, HS_EIO, "%s: write failed", path);
    }
    s->st.stream_bytes_written += w;
    c->sfile_started = 1;
    c->slen = 0;
    return rc;
}

static void hs_stream_append(hs_stack *s, hs_conn *c, const uint8_t *d, size_t n)
{
    if (!s->streams_dir || n == 0)
        return;
    if (c->slen + n > c->scap) {
        size_t cap = c->scap ? c->scap : 16384;
        while (cap < c->slen + n)
            cap *= 2;
        uint8_t *b = realloc(c->sbuf, cap);
        if (!b) {
            s->st.stream_errors++;
            return;
        }
        c->sbuf = b;
        c->scap = cap;
    }
    memcpy(c->sbuf + c->slen, d, n);
    c->slen += n;
    if (c->slen >= HS_STREAM_SPILL)
        hs_stream_write(s, c, NULL, 0);
}

int hs_flush_streams(hs_stack *s, char *err, size_t errlen)
{
    int rc = 0;
    for (hs_conn *c = s->all; c; c = c->lnext) {
        int r = hs_stream_write(s, c, rc ? NULL : err, errlen);
        if (r && !rc)
            rc = r;
    }
    return rc;
}

/* ---- transmit ---- */
static uint32_t hs_wnd(const hs_stack *s, const hs_conn *c)
{
    uint32_t queued = c->rcv_nxt - c->app_nxt;
    return queued >= s->rcv_wnd ? 0 : s->rcv_wnd - queued;
}

static uint32_t hs_mss(const hs_stack *s, const hs_conn *c)
{
    return s->cfg.mss ? s->cfg.mss : c->max_seg;
}

static void hs_send(hs_stack *s, hs_conn *c, int cpu, uint8_t flags, uint32_t seq, uint32_t ack,
                    uint16_t wnd)
{
    hs_pkt_spec p;
    memset(&p, 0, sizeof p);
    p.ipv6 = c->key.family == 6;
    memcpy(p.src, c->key.dst, 16);
    memcpy(p.dst, c->key.src, 16);
    p.proto = HS_IPPROTO_TCP;
    p.sport = c->key.dport;
    p.dport = c->key.sport;
    p.seq = seq;
    p.ack = ack;
    p.tcp_flags = flags;
    p.window = wnd;
    p.vlan = c->vlan;
    p.vlan_tci = c->vlan_tci;
    memcpy(p.src_mac, c->host_mac, 6);
    memcpy(p.dst_mac, c->peer_mac, 6);
    p.ip_id = (uint16_t)s->st.acks_sent;
    hs_chg(s, cpu, HS_K_ACK_TX, hs_c(s, HS_C_ACK_BUILD));
    int len = hs_pkt_build(&p, NULL, 0, s->txbuf, sizeof s->txbuf);
    assert(len > 0 && "an ACK frame always fits the transmit buffer");
    if (s->tx)
        hs_charge(s, cpu, HS_K_DRIVER, s->tx(s->tx_user, cpu, s->txbuf, (uint32_t)len));
}

enum { HS_ACK_EVERY_N, HS_ACK_TIMER, HS_ACK_IMMEDIATE, HS_ACK_WINDOW };

static void hs_send_ack(hs_stack *s, hs_conn *c, int cpu, int why)
{
    uint32_t wnd = hs_wnd(s, c);
    uint32_t seq = c->have_snd ? c->snd_nxt : c->iss + (c->syn_seen ? 1u : 0u);
    hs_send(s, c, cpu, HS_TCP_ACK, seq, c->rcv_nxt + (c->fin_done ? 1u : 0u), (uint16_t)wnd);
    s->st.acks_sent++;
    switch (why) {
    case HS_ACK_EVERY_N: s->st.acks_every_n++; break;
    case HS_ACK_TIMER: s->st.acks_timer++; break;
    case HS_ACK_IMMEDIATE: s->st.acks_immediate++; break;
    default: s->st.window_updates++; break;
    }
    if (wnd == 0)
        s->st.zero_window_acks++;
    c->last_wnd = wnd;
    c->full_unacked = 0;
    c->ack_pending = 0;
    hs_timer_cancel(s, c, HS_TMR_DELACK);
}

/* ---- application model ---- */
static void hs_app_deliver(hs_stack *s, hs_conn *c, const uint8_t *d, size_t n)
{
    hs_stream_append(s, c, d, n);
    if (s->cfg.app_data && n)
        s->cfg.app_data(s->cfg.app_user, &c->key, d, n);
}

static uint64_t hs_app_dur_ns(const hs_stack *s, uint32_t len)
{
    double r = s->cfg.app_rate_bytes_per_s;
    return (uint64_t)llround((double)len * 1e9 / r);
}

static uint32_t hs_head_idx(const hs_stack *s, const hs_conn *c)
{
    uint32_t nb = s->cfg.posted_buffers;
    return (c->fill_idx + nb - c->ncomp) % nb;
}

/* The application takes the head completed buffer: its work, then it re-posts the buffer. */
static void hs_app_consume_head(hs_stack *s, hs_conn *c, int cpu, int charge)
{
    uint32_t idx = hs_head_idx(s, c);
    uint32_t len = c->comp_len[idx];
    const uint8_t *d = c->buf + (size_t)idx * s->cfg.recv_buffer_bytes;
    if (charge) {
        hs_chg(s, cpu, HS_K_APP, hs_c(s, HS_C_APP_RECV) + s->app_cpb * len);
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

/* The current buffer completes to the application (full, pushed, or end of stream). */
static void hs_complete_buffer(hs_stack *s, hs_conn *c, int cpu, uint64_t now)
{
    if (c->fill_len == 0)
        return;
    c->comp_len[c->fill_idx] = c->fill_len;
    c->comp_time[c->fill_idx] = now;
    c->fill_idx = (c->fill_idx + 1) % s->cfg.posted_buffers;
    c->fill_len = 0;
    c->ncomp++;
    s->st.app_receives++;
    if (s->cfg.app_rate_bytes_per_s <= 0) {
        hs_app_consume_head(s, c, cpu, 1);
    } else if (c->ncomp == 1) {
        hs_app_schedule(s, c, now > c->app_free_at ? now : c->app_free_at);
    }
}

static int hs_app_alloc(hs_stack *s, hs_conn *c)
{
    if (c->buf)
        return 0;
    c->buf = malloc((size_t)s->cfg.recv_buffer_bytes * s->cfg.posted_buffers);
    return c->buf ? 0 : HS_ENOMEM;
}

/* Copies up to len bytes into posted application buffers (the receive copy). Returns the
 * bytes taken; fewer than len when every buffer is full. */
static uint32_t hs_app_take(hs_stack *s, hs_conn *c, int cpu, uint64_t now, const uint8_t *d,
                            uint32_t len, int warm)
{
    uint32_t total = 0;
    uint32_t bsz = s->cfg.recv_buffer_bytes;
    if (len && hs_app_alloc(s, c) != 0)
        return 0;
    while (len && c->ncomp < s->cfg.posted_buffers) {
        uint32_t n = bsz - c->fill_len;
        if (n > len)
            n = len;
        if (c->push_valid) {
            /* a receive completes exactly at the pushed byte */
            int32_t to_push = seq_diff(c->push_seq, c->app_nxt);
            if (to_push > 0 && (uint32_t)to_push < n)
                n = (uint32_t)to_push;
        }
        memcpy(c->buf + (size_t)c->fill_idx * bsz + c->fill_len, d, n);
        hs_chg(s, cpu, HS_K_COPY,
               hs_c(s, warm ? HS_C_COPY_WARM_BYTE : HS_C_COPY_COLD_BYTE) * (double)n);
        s->st.bytes_copied += n;
        s->st.mem_bytes += 2ull * n;
        c->fill_len += n;
        c->app_nxt += n;
        d += n;
        len -= n;
        total += n;
        if (c->push_valid && c->app_nxt == c->push_seq) {
            c->push_valid = 0;
            hs_complete_buffer(s, c, cpu, now);
        } else if (c->fill_len == bsz) {
            hs_complete_buffer(s, c, cpu, now);
        }
    }
    return total;
}

/* After bytes reached the application buffers: PSH and end-of-stream complete a receive. */
static void hs_app_check_push_eof(hs_stack *s, hs_conn *c, int cpu, uint64_t now)
{
    if (c->push_valid && seq_ge(c->app_nxt, c->push_seq)) {
        c->push_valid = 0;
        hs_complete_buffer(s, c, cpu, now);
    }
    if (c->fin_done && !c->app_eof && c->app_nxt == c->fin_seq) {
        c->app_eof = 1;
        hs_complete_buffer(s, c, cpu, now);
    }
}

/* Copies queued in-order bytes (held segments up to rcv_nxt) into free application buffers. */
static void hs_app_drain(hs_stack *s, hs_conn *c, int cpu, uint64_t now)
{
    while (c->segs && seq_lt(c->app_nxt, c->rcv_nxt) && c->ncomp < s->cfg.posted_buffers) {
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
            free(g);
        }
        hs_app_check_push_eof(s, c, cpu, now);
    }
    uint64_t q = (uint32_t)(c->rcv_nxt - c->app_nxt);
    if (q > s->st.max_queued_bytes)
        s->st.max_queued_bytes = q;
}

/* Sends a window update when the window opened by at least min(window/2, MSS) (RFC 1122
 * 4.2.3.3 receiver-side silly window avoidance). */
static void hs_maybe_window_update(hs_stack *s, hs_conn *c, int cpu)
{
    if (c->state != HS_CS_OPEN)
        return;
    uint32_t w = hs_wnd(s, c);
    uint32_t mss = hs_mss(s, c);
    uint32_t thr = s->rcv_wnd / 2;
    if (mss && mss < thr)
        thr = mss;
    if (w > c->last_wnd && w - c->last_wnd >= thr)
        hs_send_ack(s, c, cpu, HS_ACK_WINDOW);
}

static void hs_free_segs(hs_conn *c)
{
    hs_seg *g = c->segs;
    while (g) {
        hs_seg *n = g->next;
        free(g);
        g = n;
    }
    c->segs = NULL;
    c->held = 0;
}

/* Releases the application buffers of a finished connection once the app has everything. */
static void hs_maybe_release(hs_stack *s, hs_conn *c)
{
    int finished = (c->app_eof || c->state == HS_CS_RESET) && c->ncomp == 0 && c->fill_len == 0;
    if (finished && c->buf) {
        free(c->buf);
        c->buf = NULL;
    }
    if (finished && c->slen)
        hs_stream_write(s, c, NULL, 0);
}

/* ---- TCP receive ---- */

/* Places [seq, seq+len) of new data: bytes already held stay (the first copy received wins),
 * bytes in gaps are copied straight to the application when they are next in line and a
 * buffer is free, otherwise held. Returns the bytes that were new. */
static uint32_t hs_tcp_place(hs_stack *s, hs_conn *c, int cpu, uint64_t now, uint32_t seq,
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

    hs_seg **pp = &c->segs;
    while (cursor < b) {
        hs_seg *g = *pp;
        uint64_t so = g ? (uint32_t)(g->seq - base) : UINT64_MAX;
        uint64_t eo = g ? so + g->len : UINT64_MAX;
        if (g && eo <= cursor) {
            pp = &g->next;
            continue;
        }
        uint64_t ge = so < b ? so : b;
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
}

/* A new incarnation on the same 4-tuple (SYN with another ISN): what was received in order
 * goes to the application, the rest is dropped, the sequence space restarts. */
static void hs_conn_restart(hs_stack *s, hs_conn *c, int cpu, uint64_t now)
{
    hs_complete_buffer(s, c, cpu, now);
    s->st.rst_discard_bytes += c->held;
    hs_free_segs(c);
    hs_timer_cancel(s, c, HS_TMR_DELACK);
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
    hs_complete_buffer(s, c, cpu, now);
    s->st.rst_discard_bytes += c->held;
    hs_free_segs(c);
    hs_timer_cancel(s, c, HS_TMR_DELACK);
    c->state = HS_CS_RESET;
    c->app_nxt = c->rcv_nxt;
    s->st.conns_rst++;
    hs_maybe_release(s, c);
}

static void hs_tcp_input(hs_stack *s, int cpu, uint64_t now, const hs_rx_frame *f,
                         const hs_frame_info *fi, int warm)
{
    const uint8_t *th = f->data + fi->l4_off;
    uint32_t seq = hs_get32(th + 4);
    uint32_t ack = hs_get32(th + 8);
    uint8_t flags = th[13];
    const uint8_t *data = f->data + fi->payload_off;
    uint32_t plen = (uint32_t)fi->payload_len;
    if (flags & HS_TCP_SYN)
        plen = 0; /* data on a SYN is not taken (no TCP Fast Open) */

    s->st.tcp_segments++;
    s->st.tcp_payload_bytes += plen;
    hs_chg(s, cpu, HS_K_TCP_RX, hs_c(s, HS_C_TCP_RX));

    hs_conn_id key;
    memset(&key, 0, sizeof key);
    key.family = fi->l3;
    int alen = fi->l3 == 6 ? 16 : 4;
    memcpy(key.src, fi->src, (size_t)alen);
    memcpy(key.dst, fi->dst, (size_t)alen);
    key.sport = fi->sport;
    key.dport = fi->dport;

    /* Hash: the NIC's 4-tuple RSS hash when it gave one, else software Toeplitz. */
    int want_ht = fi->l3 == 6 ? RSS_HT_TCP_IPV6 : RSS_HT_TCP_IPV4;
    uint32_t h;
    int nic = f->hash_type == want_ht;
    if (nic) {
        h = f->hash;
        s->st.hash_nic++;
    } else {
        h = hs_tuple_hash(s, &key);
        s->st.hash_sw++;
        hs_chg(s, cpu, HS_K_HASH, hs_c(s, HS_C_HASH_SW));
    }
    hs_chg(s, cpu, HS_K_LOOKUP, hs_c(s, HS_C_LOOKUP));
    hs_conn *c = hs_find(s, h, &key);
    if (!c && nic) {
        /* Consistency check, not charged: a miss with a NIC hash is a new connection unless
           the NIC was programmed with another key. Connections are filed under the software
           hash so that frames with and without a NIC hash find the same entry. */
        uint32_t h2 = hs_tuple_hash(s, &key);
        if (h2 != h) {
            s->st.hash_mismatch++;
            c = hs_find(s, h2, &key);
        }
        h = h2;
    }

    if (!c) {
        if (flags & HS_TCP_RST) {
            s->st.rst_ignored++;
            return;
        }
        c = hs_conn_new(s, h, &key, cpu, f->data, fi);
        if (!c)
            return;
        hs_chg(s, cpu, HS_K_TCP_RX, hs_c(s, HS_C_CONN_CREATE));
        hs_chg(s, cpu, HS_K_BUFFER_POST, hs_c(s, HS_C_BUFFER_POST) * s->cfg.posted_buffers);
        s->st.buffers_posted += s->cfg.posted_buffers;
        s->st.conns++;
        if (flags & HS_TCP_SYN) {
            c->syn_seen = 1;
            c->irs = seq;
            hs_conn_init_seq(c, seq + 1);
            s->st.conns_syn++;
        } else {
            hs_conn_init_seq(c, seq);
            s->st.conns_midstream++;
        }
    } else if (flags & HS_TCP_SYN) {
        if (!(c->syn_seen && c->irs == seq)) {
            hs_conn_restart(s, c, cpu, now);
            c->syn_seen = 1;
            c->irs = seq;
            hs_conn_init_seq(c, seq + 1);
            s->st.conns_syn++;
        }
    } else if (c->state == HS_CS_RESET) {
        s->st.closed_segments++;
        return;
    }

    if (flags & HS_TCP_RST) {
        int32_t d = seq_diff(seq, c->rcv_nxt);
        if (d >= 0 && d <= (int32_t)s->rcv_wnd + 1)
            hs_conn_reset(s, c, cpu, now);
        else
            s->st.rst_ignored++;
        return;
    }
    if (flags & HS_TCP_ACK) {
        if (!c->have_snd || seq_gt(ack, c->snd_nxt))
            c->snd_nxt = ack;
        c->have_snd = 1;
    }
    if (flags & HS_TCP_SYN) {
        if (flags & HS_TCP_ACK) {
            /* SYN-ACK from the sender: the host opened; acknowledge it. */
            hs_send_ack(s, c, cpu, HS_ACK_IMMEDIATE);
        } else {
            hs_send(s, c, cpu, HS_TCP_SYN | HS_TCP_ACK, c->iss, seq + 1, (uint16_t)s->rcv_wnd);
            s->st.synacks_sent++;
            s->st.acks_sent++;
            s->st.acks_immediate++;
            c->last_wnd = s->rcv_wnd;
        }
        return;
    }

    uint32_t rcv_before = c->rcv_nxt;
    int fin = (flags & HS_TCP_FIN) != 0;
    if (fin && !c->fin_seen) {
        c->fin_seen = 1;
        c->fin_seq = seq + plen;
    }
    if (plen > c->max_seg)
        c->max_seg = plen;

    int immediate = 0, counted_full = 0;
    if (plen) {
        uint32_t full_len = plen;
        /* Bytes before rcv_nxt were received already. */
        int32_t off = seq_diff(c->rcv_nxt, seq);
        if (off > 0) {
            uint32_t old = (uint32_t)off < plen ? (uint32_t)off : plen;
            s->st.retrans_bytes += old;
            seq += old;
            data += old;
            plen -= old;
        }
        if (c->fin_seen && plen) {
            int32_t room = seq_diff(c->fin_seq, seq);
            if (room <= 0) {
                s->st.after_fin_bytes += plen;
                plen = 0;
            } else if ((uint32_t)room < plen) {
                s->st.after_fin_bytes += plen - (uint32_t)room;
                plen = (uint32_t)room;
            }
        }
        uint32_t fresh = 0;
        int held_any = 0;
        if ((flags & HS_TCP_PSH) && s->cfg.complete_on_push && plen) {
            c->push_valid = 1;
            c->push_seq = seq + plen;
        }
        if (plen) {
            int32_t edge = seq_diff(seq + plen, rcv_before + c->last_wnd);
            if (edge > 0)
                s->st.beyond_window_bytes += (uint32_t)edge < plen ? (uint32_t)edge : plen;
            fresh = hs_tcp_place(s, c, cpu, now, seq, data, plen, warm, &held_any);
            if (held_any)
                hs_chg(s, cpu, HS_K_REASM, hs_c(s, HS_C_REASM_SEG));
        }
        if (fresh == 0) {
            s->st.dup_segments++;
            immediate = 1;
        } else if (seq_gt(seq, rcv_before)) {
            s->st.ooo_segments++;
            immediate = 1;
        } else {
            s->st.in_order_segments++;
            if (seq_gt(c->rcv_nxt, seq + plen))
                immediate = 1; /* filled a gap: held data became in order */
            c->ack_pending = 1;
            if (full_len >= hs_mss(s, c)) {
                c->full_unacked++;
                counted_full = 1;
            }
        }
        hs_app_drain(s, c, cpu, now);
        hs_app_check_push_eof(s, c, cpu, now);
        uint64_t q = (uint32_t)(c->rcv_nxt - c->app_nxt);
        if (q > s->st.max_queued_bytes)
            s->st.max_queued_bytes = q;
    }

    if (c->fin_seen && !c->fin_done && c->rcv_nxt == c->fin_seq) {
        c->fin_done = 1;
        s->st.conns_fin++;
        immediate = 1;
        hs_app_check_push_eof(s, c, cpu, now);
    } else if (fin && c->fin_done && plen == 0) {
        immediate = 1; /* retransmitted FIN: acknowledge again */
    }

    if (immediate)
        hs_send_ack(s, c, cpu, HS_ACK_IMMEDIATE);
    else if (counted_full && c->full_unacked >= s->cfg.ack_every)
        hs_send_ack(s, c, cpu, HS_ACK_EVERY_N);
    else if (c->ack_pending && c->tm_idx[HS_TMR_DELACK] < 0)
        hs_timer_arm(s, c, HS_TMR_DELACK, now + s->cfg.delack_ns);
    hs_maybe_release(s, c);
}

/* ---- UDP receive: a datagram sink ---- */
static void hs_udp_input(hs_stack *s, int cpu, const hs_rx_frame *f, const hs_frame_info *fi,
                         uint32_t plen, int warm)
{
    hs_chg(s, cpu, HS_K_UDP_RX, hs_c(s, HS_C_UDP_RX));
    hs_chg(s, cpu, HS_K_LOOKUP, hs_c(s, HS_C_LOOKUP));
    uint32_t n = plen < HS_UDP_SINK_BYTES ? plen : HS_UDP_SINK_BYTES;
    memcpy(s->udp_sink, f->data + fi->payload_off, n);
    hs_chg(s, cpu, HS_K_COPY, hs_c(s, warm ? HS_C_COPY_WARM_BYTE : HS_C_COPY_COLD_BYTE) * n);
    s->st.bytes_copied += n;
    s->st.mem_bytes += 2ull * n;
    hs_chg(s, cpu, HS_K_APP, hs_c(s, HS_C_APP_RECV) + s->app_cpb * n);
    if (s->app_cpb > 0)
        s->st.mem_bytes += n;
    s->st.app_bytes += n;
    s->st.app_receives++;
    s->st.udp_datagrams++;
    s->st.udp_bytes += n;
}

/* ---- frame receive ---- */
static int hs_is_ip_ethertype(const uint8_t *d, size_t len)
{
    size_t off = 12;
    if (len < HS_ETH_HLEN)
        return 0;
    uint16_t et = hs_get16(d + off);
    for (int t = 0; (et == HS_ETHERTYPE_VLAN || et == 0x88a8) && t < 2; t++) {
        off += 4;
        if (off + 2 > len)
            return 0;
        et = hs_get16(d + off);
    }
    return et == HS_ETHERTYPE_IPV4 || et == HS_ETHERTYPE_IPV6;
}

static int hs_dst_accepted(const hs_stack *s, const hs_frame_info *fi)
{
    if (s->cfg.host_count == 0)
        return 1;
    const uint8_t *d = fi->dst;
    if (fi->l3 == 4 && ((d[0] & 0xf0) == 0xe0 || (d[0] == 255 && d[1] == 255 && d[2] == 255 && d[3] == 255)))
        return 1;
    if (fi->l3 == 6 && d[0] == 0xff)
        return 1;
    int fam = fi->l3;
    int alen = fam == 6 ? 16 : 4;
    for (int i = 0; i < s->cfg.host_count; i++)
        if (s->cfg.hosts[i].family == fam && memcmp(s->cfg.hosts[i].a, d, (size_t)alen) == 0)
            return 1;
    return 0;
}

static void hs_sw_csum_charge(hs_stack *s, int cpu, size_t bytes)
{
    hs_chg(s, cpu, HS_K_CHECKSUM, hs_c(s, HS_C_CHECKSUM_PKT) + hs_c(s, HS_C_CHECKSUM_BYTE) * (double)bytes);
    s->st.csum_sw_bytes += bytes;
    s->st.mem_bytes += bytes;
}

static void hs_rx_frame_body(hs_stack *s, int cpu, const hs_rx_frame *f, uint64_t now)
{
    hs_chg(s, cpu, HS_K_IP_RX, hs_c(s, HS_C_IP_RX));
    hs_frame_info fi;
    if (!f->data || f->len == 0 || hs_frame_parse(f->data, f->len, &fi) != 0) {
        if (f->data && hs_is_ip_ethertype(f->data, f->len))
            s->st.rx_malformed++;
        else
            s->st.rx_non_ip++;
        return;
    }
    const uint8_t *ip = f->data + fi.l3_off;
    size_t avail = f->len - fi.l3_off;
    size_t ihl = fi.l3 == 4 ? (size_t)(ip[0] & 15) * 4 : 40;
    size_t iplen = fi.l3 == 4 ? hs_get16(ip + 2) : 40 + (size_t)hs_get16(ip + 4);
    if (iplen > avail) {
        s->st.rx_malformed++;
        return;
    }

    int trust = s->cfg.csum_offload &&
                (f->csum == HS_CSUM_OK || f->csum == HS_CSUM_BAD_IP || f->csum == HS_CSUM_BAD_L4);
    if (trust) {
        s->st.csum_hw_trusted++;
        if (f->csum == HS_CSUM_BAD_IP) {
            s->st.drop_bad_ip_csum++;
            return;
        }
    } else if (fi.l3 == 4) {
        s->st.csum_sw_ip++;
        hs_sw_csum_charge(s, cpu, ihl);
        if (hs_csum_fold(hs_csum_add(0, ip, ihl)) != 0xffff) {
            s->st.drop_bad_ip_csum++;
            return;
        }
    }
    if (!hs_dst_accepted(s, &fi)) {
        s->st.rx_not_for_host++;
        return;
    }
    if (fi.frag) {
        s->st.rx_ip_fragments++;
        return;
    }
    if (fi.proto != HS_IPPROTO_TCP && fi.proto != HS_IPPROTO_UDP) {
        s->st.rx_other_proto++;
        return;
    }
    if (fi.l4_off == 0 || fi.payload_off == 0) {
        s->st.rx_malformed++;
        return;
    }
    size_t l4len = fi.ip_end - fi.l4_off;
    uint32_t udp_plen = 0;
    if (fi.proto == HS_IPPROTO_UDP) {
        size_t ulen = hs_get16(f->data + fi.l4_off + 4);
        if (ulen < 8 || ulen > l4len) {
            s->st.rx_malformed++;
            return;
        }
        l4len = ulen;
        udp_plen = (uint32_t)(ulen - 8);
    }
    if (trust) {
        if (f->csum == HS_CSUM_BAD_L4) {
            s->st.drop_bad_l4_csum++;
            return;
        }
    }
    int warm = 0; /* the payload was just read by the software checksum */
    if (!trust) {
        const uint8_t *l4 = f->data + fi.l4_off;
        int skip = fi.proto == HS_IPPROTO_UDP && fi.l3 == 4 && hs_get16(l4 + 6) == 0;
        if (!skip) {
            s->st.csum_sw_l4++;
            hs_sw_csum_charge(s, cpu, l4len);
            int alen = fi.l3 == 6 ? 16 : 4;
            uint32_t sum = hs_csum_pseudo(fi.src, fi.dst, alen, fi.proto, (uint32_t)l4len);
            warm = 1;
            int bad = hs_csum_fold(hs_csum_add(sum, l4, l4len)) != 0xffff;
            if (fi.proto == HS_IPPROTO_UDP && fi.l3 == 6 && hs_get16(l4 + 6) == 0)
                bad = 1; /* RFC 8200: a zero UDP checksum is invalid over IPv6 */
            if (bad) {
                s->st.drop_bad_l4_csum++;
                return;
            }
        }
    }
    if (fi.proto == HS_IPPROTO_TCP)
        hs_tcp_input(s, cpu, now, f, &fi, warm);
    else
        hs_udp_input(s, cpu, f, &fi, udp_plen, warm);
}

uint64_t hs_rx(hs_stack *s, const hs_rx_frame *f, uint64_t now_ns)
{
    int cpu = hs_cpu(s, f->cpu);
    uint64_t before = s->fx_cpu[cpu] >> HS_FX_SHIFT;
    s->st.rx_frames++;
    s->st.rx_bytes += f->len;
    hs_rx_frame_body(s, cpu, f, now_ns);
    return (s->fx_cpu[cpu] >> HS_FX_SHIFT) - before;
}

uint64_t hs_timer(hs_stack *s, int cpu, uint64_t now_ns)
{
    cpu = hs_cpu(s, cpu);
    uint64_t before = s->fx_cpu[cpu] >> HS_FX_SHIFT;
    hs_heap *h = &s->heap[cpu];
    while (h->n && h->e[0].when <= now_ns) {
        hs_conn *c = h->e[0].c;
        int kind = h->e[0].kind;
        hs_timer_cancel(s, c, kind);
        s->st.timers_fired++;
        hs_chg(s, cpu, HS_K_TIMER, hs_c(s, HS_C_TIMER));
        if (kind == HS_TMR_DELACK) {
            if (c->ack_pending && c->state == HS_CS_OPEN)
                hs_send_ack(s, c, cpu, HS_ACK_TIMER);
            continue;
        }
        /* application drain: every completed buffer whose work is done by now */
        while (c->ncomp && c->app_head_done <= now_ns) {
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
        hs_app_drain(s, c, cpu, now_ns);
        hs_app_check_push_eof(s, c, cpu, now_ns);
        hs_maybe_window_update(s, c, cpu);
        hs_maybe_release(s, c);
    }
    return (s->fx_cpu[cpu] >> HS_FX_SHIFT) - before;
}

/* ---- teardown ---- */
static void hs_close_conn(hs_stack *s, hs_conn *c)
{
    /* everything in application buffers, then the in-order queue, reaches the app */
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

int hs_close(hs_stack *s, char *err, size_t errlen)
{
    if (!s)
        return 0;
    for (hs_conn *c = s->all; c; c = c->lnext)
        hs_close_conn(s, c);
    int rc = hs_flush_streams(s, err, errlen);
    hs_conn *c = s->all;
    while (c) {
        hs_conn *n = c->lnext;
        hs_free_segs(c);
        free(c->buf);
        free(c->comp_len);
        free(c->comp_time);
        free(c->sbuf);
        free(c);
        c = n;
    }
    for (int i = 0; i < HS_MAX_CPUS; i++)
        free(s->heap[i].e);
    free(s->bucket);
    free(s->udp_sink);
    free(s->streams_dir);
    free(s);
    return rc;
}
