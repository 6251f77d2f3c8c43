#include "replay.h"

#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pkt.h"
#include "simtime.h"

#define RP_MAX_TALLY 4096
#define RP_MAX_PORTS 4096
#define RP_PS_PER_NS ((double)NS_PS_PER_NS) /* the model's units (simtime.h), as doubles */
#define RP_PS_PER_S ((double)NS_PS_PER_S)
#define RP_PS_PER_DAY (86400.0 * RP_PS_PER_S)
#define RP_TCP_SYN 0x02u
#define RP_TCP_ACK 0x10u

/* Auto host pre-scan: one entry per unicast destination address. */
typedef struct rp_tally {
    ns_addr addr;
    uint64_t tcp_payload;
    uint64_t frames;
    uint64_t self_frames; /* frames whose source is the same address */
    uint64_t self_payload; /* their TCP payload */
    int mac_state;        /* 0: no usable MAC yet, 1: all frames carried mac, 2: mixed or none */
    uint8_t mac[6];       /* destination MAC of its frames */
} rp_tally;

/* Loopback pre-scan: one entry per (address, port) of self-addressed TCP traffic. */
typedef struct rp_port_tally {
    ns_addr addr; /* with port */
    uint64_t payload_in;
    int syn_in;   /* received a SYN without ACK: the accepting side */
} rp_port_tally;

/* The real receiver's windows: one entry per TCP connection the host sent frames on (its
 * own frames in the capture, not fed), keyed host side first. */
typedef struct rp_win {
    int used;
    int family;
    int wscale;       /* the host's shift from its last SYN/SYN-ACK (0: no option); -1: none seen */
    int unknown;      /* a window came before any SYN: its scale is unknown, so is the bound */
    uint16_t host_port, peer_port;
    uint8_t host[16], peer[16];
    uint64_t max_wnd; /* largest window advertised, bytes (scaled) */
} rp_win;

/* Pacing state of one timeline. */
typedef struct rp_pace {
    int have_prev;
    uint64_t prev_start_ps, prev_wire_ps, prev_len;
    int pass_started;
    uint64_t pass_ts0_ns, pass_base_ps;
    uint64_t held; /* fixed-rate frames held back to the wire */
} rp_pace;

struct rp_replay {
    ns_config cfg;
    tr_trace *tr;
    tr_stats pass_stats;
    int host_any;
    int nhosts;
    ns_addr hosts[NS_MAX_HOSTS];
    char host_desc[NS_MAX_HOSTS * 56];
    uint64_t total_frames;
    uint64_t from_host, not_for_host;
    uint64_t pass_from_host, pass_not_for_host;
    uint64_t pass_fed;
    uint64_t pass_wire_ps; /* wire time of one pass's fed frames */
    uint64_t rate_held;    /* per pass */
    uint64_t start_ts_ns;  /* capture timestamp of the first frame fed: simulated time 0 */
    /* replay.loop: each pass after the first is new traffic (rp_rewrite_pass) */
    uint8_t port_used[65536 / 8]; /* remote ports of one pass's TCP/UDP frames (bitmap) */
    uint32_t nports;              /* how many */
    uint16_t *port_rank;          /* [65536]: rank of a used port among the used ones */
    uint16_t *port_free;          /* ports >= 1024 no frame uses, ascending */
    uint32_t nfree;
    uint16_t *port_by_rank;       /* [nports]: the used ports in ascending order */
    uint16_t *free_idx;           /* [65536]: index of a port in port_free; 0xffff: not free */
    rp_win *win;                  /* open-addressing table, wcap entries (a power of 2) */
    size_t nwin, wcap;
    uint8_t buf[TR_FRAME_MAX];    /* a rewritten frame */
    /* pacing state */
    uint32_t pass;
    rp_pace pc;
    /* [replay] limit, duration (the filter is the capture reader's) */
    uint64_t fed, records_base, filtered_base;
    int ended; /* limit or duration reached */
};

/* ---- loops: every pass new traffic ------------------------------------------------------ */

/* Sequence numbers of pass p are the first pass's + p * this (mod 2^32): far apart, odd. */
#define RP_PASS_SEQ_STRIDE 0x9E3779B9u

/* Which port of a TCP/UDP header the passes shift: the remote end's. The replay feeds frames
 * addressed to the host, so that is the source; with host = any, both directions are fed
 * and the higher port (the client's ephemeral one, the same in both directions) moves. 0:
 * source, 1: destination. */
static int rp_shift_side(const rp_replay *r, const uint8_t *l4)
{
    return r->host_any && pkt_get16(l4 + 2) > pkt_get16(l4) ? 1 : 0;
}

/* The L4 header of a TCP/UDP frame with its ports and (TCP) sequence numbers present; NULL
 * otherwise. */
static const uint8_t *rp_l4(const tr_frame *f, int *tcp)
{
    pkt_frame_info in;
    if (pkt_frame_parse(f->data, f->len, &in) != 0 || !in.l4_off)
        return NULL;
    *tcp = in.proto == PKT_IPPROTO_TCP;
    if (!*tcp && in.proto != PKT_IPPROTO_UDP)
        return NULL;
    if (in.l4_off + (*tcp ? 20u : 8u) > f->len)
        return NULL;
    return f->data + in.l4_off;
}

/* Port `port` (one the capture uses) in pass `pass` >= 1: pass p takes the p-th run of
 * nports ports among those >= 1024 the capture never uses, in the order of the used ports, so
 * no pass shares a port with the capture or with another pass while (loop - 1) x nports fit
 * (beyond, the runs wrap: rp_warnings says so). */
static uint16_t rp_pass_port(const rp_replay *r, uint16_t port, uint32_t pass)
{
    if (!r->nfree || !(r->port_used[port >> 3] & (1u << (port & 7))))
        return port;
    uint64_t k = (uint64_t)(pass - 1) * r->nports + r->port_rank[port];
    return r->port_free[k % r->nfree];
}

/* After the pre-scan: ranks of the used ports and the free ones. */
static int rp_port_tables(rp_replay *r)
{
    if (!r->nports || r->cfg.loop < 2)
        return 0;
    r->port_rank = calloc(65536, sizeof *r->port_rank);
    r->port_free = calloc(65536, sizeof *r->port_free);
    r->port_by_rank = calloc(r->nports, sizeof *r->port_by_rank);
    r->free_idx = malloc(65536 * sizeof *r->free_idx);
    if (!r->port_rank || !r->port_free || !r->port_by_rank || !r->free_idx)
        return -1;
    memset(r->free_idx, 0xff, 65536 * sizeof *r->free_idx);
    uint32_t used = 0;
    for (uint32_t p = 0; p < 65536; p++) {
        if (r->port_used[p >> 3] & (1u << (p & 7))) {
            r->port_by_rank[used] = (uint16_t)p;
            r->port_rank[p] = (uint16_t)used++;
        } else if (p >= 1024) {
            r->free_idx[p] = (uint16_t)r->nfree;
            r->port_free[r->nfree++] = (uint16_t)p;
        }
    }
    return 0;
}

/* RFC 1624 incremental update of a ones'-complement checksum for one 16-bit word: a checksum
 * that was right stays right, one that was wrong stays wrong by as much. */
static void rp_csum_replace16(uint8_t *ck, uint16_t from, uint16_t to)
{
    uint32_t sum = (uint16_t)~pkt_get16(ck);
    sum += (uint16_t)~from;
    sum += to;
    sum = (sum & 0xffff) + (sum >> 16);
    sum = (sum & 0xffff) + (sum >> 16);
    pkt_put16(ck, (uint16_t)~sum);
}

static void rp_add32(uint8_t *p, uint8_t *ck, uint32_t add)
{
    uint32_t v = pkt_get32(p), n = v + add;
    pkt_put32(p, n);
    if (ck) {
        rp_csum_replace16(ck, (uint16_t)(v >> 16), (uint16_t)(n >> 16));
        rp_csum_replace16(ck, (uint16_t)v, (uint16_t)n);
    }
}

/* Makes a frame of pass > 0 new traffic, as tcpreplay's --unique-ip does with addresses: the
 * remote port moves to the pass's range and that end's TCP sequence numbers by pass x
 * RP_PASS_SEQ_STRIDE (its seq when it sends, the ack when it receives); the TCP/UDP checksum
 * is updated incrementally (a UDP checksum of 0, none, stays 0). */
static void rp_rewrite_pass(rp_replay *r, rp_frame *out)
{
    if (out->pass == 0 || !r->nfree)
        return;
    int tcp;
    const uint8_t *l4 = rp_l4(&out->f, &tcp);
    if (!l4)
        return;
    size_t off = (size_t)(l4 - out->f.data);
    memcpy(r->buf, out->f.data, out->f.len);
    out->f.data = r->buf;
    uint8_t *h = r->buf + off;
    uint8_t *ck = h + (tcp ? 16 : 6);
    if (!tcp && pkt_get16(ck) == 0)
        ck = NULL;
    int side = rp_shift_side(r, h);
    uint16_t from = pkt_get16(h + 2 * side), to = rp_pass_port(r, from, out->pass);
    pkt_put16(h + 2 * side, to);
    if (ck)
        rp_csum_replace16(ck, from, to);
    if (tcp) {
        uint32_t add = out->pass * RP_PASS_SEQ_STRIDE;
        if (side == 0)
            rp_add32(h + 4, ck, add); /* the shifted end sends: its seq */
        else if (h[13] & 0x10)
            rp_add32(h + 8, ck, add); /* it receives: the ack of its bytes */
    }
}

uint64_t rp_wire_ps(uint32_t len, double link_gbps)
{
    if (!(link_gbps >= NS_LINK_GBPS_MIN))
        link_gbps = NS_LINK_GBPS_MIN; /* ns_config_check keeps it in range; never divide by 0 */
    uint32_t l = len < RP_MIN_FRAME_NOFCS ? RP_MIN_FRAME_NOFCS : len;
    double bits = (double)(l + RP_WIRE_OVERHEAD_BYTES) * 8.0;
    double ps = bits * 1000.0 / link_gbps + 0.5; /* 1 bit at G Gb/s = 1000/G ps */
    /* 2^64 and beyond (an absurdly slow link) saturates; pacing then refuses the frame */
    return ps < 18446744073709551616.0 ? (uint64_t)ps : UINT64_MAX;
}

static void rp_msg(char *err, size_t errlen, const char *fmt, ...)
{
    if (!err || errlen == 0)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

static int addr_eq(const ns_addr *a, int family, const uint8_t *p)
{
    return a->family == family && memcmp(a->a, p, family == 4 ? 4 : 16) == 0;
}

/* Ports of a frame, when it has them (TCP/UDP, not a fragment). */
static int frame_ports(const pkt_frame_info *in)
{
    return !in->frag && in->l4_off &&
           (in->proto == PKT_IPPROTO_TCP || in->proto == PKT_IPPROTO_UDP) &&
           (in->sport || in->dport);
}

static int host_match(const ns_addr *h, const pkt_frame_info *in, const uint8_t *a, uint16_t port)
{
    if (!addr_eq(h, in->l3, a))
        return 0;
    return h->port == 0 || !frame_ports(in) || h->port == port;
}

static int is_from_host(const rp_replay *r, const pkt_frame_info *in)
{
    for (int i = 0; i < r->nhosts; i++)
        if (host_match(&r->hosts[i], in, in->src, in->sport))
            return 1;
    return 0;
}

static int is_to_host(const rp_replay *r, const pkt_frame_info *in)
{
    for (int i = 0; i < r->nhosts; i++)
        if (host_match(&r->hosts[i], in, in->dst, in->dport))
            return 1;
    return 0;
}

static int is_group(int family, const uint8_t *p)
{
    if (family == 4)
        return (p[0] & 0xf0) == 0xe0 || (p[0] == 255 && p[1] == 255 && p[2] == 255 && p[3] == 255);
    return p[0] == 0xff;
}

static void addr_fmt(const ns_addr *a, char *buf, size_t n)
{
    char ip[INET6_ADDRSTRLEN];
    if (!inet_ntop(a->family == 4 ? AF_INET : AF_INET6, a->a, ip, (socklen_t)sizeof ip))
        snprintf(ip, sizeof ip, "?");
    if (!a->port)
        snprintf(buf, n, "%s", ip);
    else if (a->family == 4)
        snprintf(buf, n, "%s:%u", ip, (unsigned)a->port);
    else
        snprintf(buf, n, "[%s]:%u", ip, (unsigned)a->port);
}

/* 1: feed, 0: skip (counted in *from / *notfor). */
static int classify(const rp_replay *r, const tr_frame *f, uint64_t *from, uint64_t *notfor)
{
    if (r->host_any)
        return 1;
    pkt_frame_info in;
    if (pkt_frame_parse(f->data, f->len, &in) != 0)
        return 1; /* not IP (ARP, ...): the NIC sees it */
    if (is_from_host(r, &in)) {
        (*from)++;
        return 0;
    }
    if (is_to_host(r, &in) || is_group(in.l3, in.dst))
        return 1;
    (*notfor)++;
    return 0;
}

static int tally_add(rp_tally *t, int *n, const pkt_frame_info *in, const tr_frame *f,
                     uint64_t payload)
{
    int i;
    for (i = 0; i < *n; i++)
        if (addr_eq(&t[i].addr, in->l3, in->dst))
            break;
    if (i == *n) {
        if (*n >= RP_MAX_TALLY)
            return -1;
        memset(&t[i], 0, sizeof t[i]);
        t[i].addr.family = in->l3;
        memcpy(t[i].addr.a, in->dst, in->l3 == 4 ? 4 : 16);
        (*n)++;
    }
    rp_tally *e = &t[i];
    e->tcp_payload += payload;
    e->frames++;
    if (memcmp(in->src, in->dst, in->l3 == 4 ? 4 : 16) == 0) {
        e->self_frames++;
        e->self_payload += payload;
    }
    /* Destination MACs say which addresses belong to one host, when they mean something. */
    int usable = f->l2 != TR_L2_NONE && f->len >= 6 && !(f->data[0] & 1);
    if (!usable)
        e->mac_state = 2;
    else if (e->mac_state == 0) {
        e->mac_state = 1;
        memcpy(e->mac, f->data, 6);
    } else if (e->mac_state == 1 && memcmp(e->mac, f->data, 6) != 0)
        e->mac_state = 2;
    return 0;
}

static void port_add(rp_port_tally *p, int *n, const pkt_frame_info *in, const tr_frame *f)
{
    if (in->proto != PKT_IPPROTO_TCP || !frame_ports(in))
        return;
    uint8_t flags = in->l4_off + 13 < f->len ? f->data[in->l4_off + 13] : 0;
    uint16_t ports[2] = { in->dport, in->sport };
    for (int k = 0; k < 2; k++) {
        int i;
        for (i = 0; i < *n; i++)
            if (addr_eq(&p[i].addr, in->l3, in->dst) && p[i].addr.port == ports[k])
                break;
        if (i == *n) {
            if (*n >= RP_MAX_PORTS)
                return;
            memset(&p[i], 0, sizeof p[i]);
            p[i].addr.family = in->l3;
            memcpy(p[i].addr.a, in->dst, in->l3 == 4 ? 4 : 16);
            p[i].addr.port = ports[k];
            (*n)++;
        }
        if (k == 0) {
            p[i].payload_in += in->payload_len;
            if ((flags & RP_TCP_SYN) && !(flags & RP_TCP_ACK))
                p[i].syn_in = 1;
        }
    }
}

static void pass_delta(tr_stats *d, const tr_stats *a, const tr_stats *b)
{
    d->records = b->records - a->records;
    d->frames = b->frames - a->frames;
    d->truncated = b->truncated - a->truncated;
    d->oversize_dropped = b->oversize_dropped - a->oversize_dropped;
    d->resegmented = b->resegmented - a->resegmented;
    d->segments = b->segments - a->segments;
    d->unsupported = b->unsupported - a->unsupported;
    d->other_linktype = b->other_linktype - a->other_linktype;
    d->csum_partial = b->csum_partial - a->csum_partial;
    d->csum_repaired = b->csum_repaired - a->csum_repaired;
    d->jumbo = b->jumbo - a->jumbo;
    d->ts_backwards = b->ts_backwards - a->ts_backwards;
    d->cut_short = b->cut_short - a->cut_short;
    d->filtered = b->filtered - a->filtered;
}

/* Mostly talks to itself: a loopback conversation (most TCP payload, or with none most
 * frames, come from the same address). */
static int mostly_self(const rp_tally *e)
{
    if (e->tcp_payload)
        return e->self_payload > e->tcp_payload / 2;
    return e->self_frames > e->frames / 2;
}

/* Chooses the auto host from the tallies (see rp_open() in replay.h). */
static void choose_auto(rp_replay *r, const rp_tally *t, int n, const rp_port_tally *p, int np)
{
    int best = -1;
    for (int i = 0; i < n; i++) {
        if (best < 0 || t[i].tcp_payload > t[best].tcp_payload ||
            (t[i].tcp_payload == t[best].tcp_payload && t[i].frames > t[best].frames))
            best = i;
    }
    if (best < 0) {
        r->host_any = 1; /* no unicast IP at all: feed everything */
        return;
    }
    r->hosts[0] = t[best].addr;
    r->nhosts = 1;
    if (mostly_self(&t[best])) {
        /* Loopback: both ends share the address; take the accepting (server) side. */
        int pick = -1, syn = 0;
        for (int i = 0; i < np; i++) {
            if (!addr_eq(&p[i].addr, t[best].addr.family, t[best].addr.a))
                continue;
            if (p[i].syn_in && (!syn || p[i].payload_in > p[pick].payload_in ||
                                (p[i].payload_in == p[pick].payload_in &&
                                 p[i].addr.port < p[pick].addr.port))) {
                pick = i;
                syn = 1;
            } else if (!syn && (pick < 0 || p[i].addr.port < p[pick].addr.port)) {
                pick = i;
            }
        }
        if (pick >= 0)
            r->hosts[0].port = p[pick].addr.port;
        return;
    }
    if (t[best].mac_state != 1)
        return;
    /* Dual stack: every address reached through the same MAC. */
    for (int i = 0; i < n && r->nhosts < NS_MAX_HOSTS; i++) {
        if (i == best || t[i].mac_state != 1 || memcmp(t[i].mac, t[best].mac, 6) != 0 ||
            mostly_self(&t[i]))
            continue;
        r->hosts[r->nhosts++] = t[i].addr;
    }
}

/* Start time of the next frame on timeline st; -1 when it would pass RP_TIME_LIMIT_PS. */
static int pace(const ns_config *c, rp_pace *st, const tr_frame *f, uint64_t *startp)
{
    uint64_t wire = rp_wire_ps(f->len, c->link_gbps);
    uint64_t earliest = st->have_prev ? st->prev_start_ps + st->prev_wire_ps : 0;
    if (!st->pass_started) {
        st->pass_started = 1;
        st->pass_ts0_ns = f->ts_ns;
        st->pass_base_ps = earliest;
    }
    /* Requested start = from + off; off is converted only once it is known to fit. */
    uint64_t from = 0;
    double off = -1.0;
    int fixed = c->mbps > 0 || c->pps > 0;
    if (c->mbps > 0) {
        if (st->have_prev) {
            from = st->prev_start_ps;
            off = (double)st->prev_len * 8.0 * 1e6 / c->mbps;
        }
    } else if (c->pps > 0) {
        if (st->have_prev) {
            from = st->prev_start_ps;
            off = RP_PS_PER_S / c->pps;
        }
    } else if (c->timing == NS_TIMING_RECORDED) {
        uint64_t rel_ns = f->ts_ns >= st->pass_ts0_ns ? f->ts_ns - st->pass_ts0_ns : 0;
        from = st->pass_base_ps;
        off = (double)rel_ns * RP_PS_PER_NS / c->multiplier;
    }
    uint64_t start = earliest;
    if (off >= 0.0) {
        if (!(off < (double)RP_TIME_LIMIT_PS))
            return -1;
        uint64_t o = (uint64_t)(off + 0.5);
        if (!fixed && c->multiplier == 1.0) /* exact: a double holds only 53 bits */
            o = (f->ts_ns >= st->pass_ts0_ns ? f->ts_ns - st->pass_ts0_ns : 0) *
                (uint64_t)RP_PS_PER_NS;
        if (from > RP_TIME_LIMIT_PS || o > RP_TIME_LIMIT_PS - from)
            return -1;
        uint64_t req = from + o;
        if (fixed && req < earliest)
            st->held++;
        if (req > start)
            start = req;
    }
    if (start > RP_TIME_LIMIT_PS || wire > RP_TIME_LIMIT_PS - start)
        return -1;
    st->have_prev = 1;
    st->prev_start_ps = start;
    st->prev_wire_ps = wire;
    st->prev_len = f->len;
    *startp = start;
    return 0;
}

/* ---- the real receiver's windows ------------------------------------------------------ */

#define RP_WSCALE_MAX 14 /* RFC 7323 */

static uint64_t rp_win_hash(int family, const uint8_t *host, uint16_t hport, const uint8_t *peer,
                            uint16_t pport)
{
    int alen = family == 6 ? 16 : 4;
    uint64_t h = 1469598103934665603ull ^ (uint64_t)family;
    for (int i = 0; i < alen; i++)
        h = (h ^ host[i]) * 1099511628211ull;
    for (int i = 0; i < alen; i++)
        h = (h ^ peer[i]) * 1099511628211ull;
    h = (h ^ hport) * 1099511628211ull;
    h = (h ^ pport) * 1099511628211ull;
    return h ^ (h >> 29);
}

/* The entry of a connection, or the free slot where it goes; NULL when the table is empty. */
static rp_win *rp_win_slot(const rp_replay *r, int family, const uint8_t *host, uint16_t hport,
                           const uint8_t *peer, uint16_t pport)
{
    if (!r->wcap)
        return NULL;
    int alen = family == 6 ? 16 : 4;
    size_t i = (size_t)rp_win_hash(family, host, hport, peer, pport) & (r->wcap - 1);
    for (;; i = (i + 1) & (r->wcap - 1)) {
        rp_win *w = &r->win[i];
        if (!w->used || (w->family == family && w->host_port == hport && w->peer_port == pport &&
                         memcmp(w->host, host, (size_t)alen) == 0 &&
                         memcmp(w->peer, peer, (size_t)alen) == 0))
            return w;
    }
}

static int rp_win_grow(rp_replay *r)
{
    size_t ncap = r->wcap ? r->wcap * 2 : 64;
    rp_win *old = r->win, *nw = calloc(ncap, sizeof *nw);
    size_t ocap = r->wcap;
    if (!nw)
        return -1;
    r->win = nw;
    r->wcap = ncap;
    for (size_t i = 0; i < ocap; i++)
        if (old[i].used)
            *rp_win_slot(r, old[i].family, old[i].host, old[i].host_port, old[i].peer,
                         old[i].peer_port) = old[i];
    free(old);
    return 0;
}

/* The window-scale option of a SYN's TCP header th (hlen bytes): its shift, 0 without one. */
static int rp_wscale(const uint8_t *th, size_t hlen)
{
    size_t i = 20;
    while (i < hlen) {
        uint8_t kind = th[i];
        if (kind == 0)
            break;
        if (kind == 1) {
            i++;
            continue;
        }
        if (i + 1 >= hlen || th[i + 1] < 2 || i + th[i + 1] > hlen)
            break;
        if (kind == 3 && th[i + 1] == 3)
            return th[i + 2] > RP_WSCALE_MAX ? RP_WSCALE_MAX : th[i + 2];
        i += th[i + 1];
    }
    return 0;
}

/* A frame the host sent (skipped, not fed): a TCP one's window goes into its connection's
 * entry. Returns -1 when out of memory. */
static int rp_win_note(rp_replay *r, const tr_frame *f)
{
    pkt_frame_info in;
    if (pkt_frame_parse(f->data, f->len, &in) != 0 || in.proto != PKT_IPPROTO_TCP || !in.l4_off ||
        in.frag || in.l4_off + 20 > f->len || !is_from_host(r, &in))
        return 0;
    const uint8_t *th = f->data + in.l4_off;
    uint8_t flags = th[13];
    if (flags & 0x04)
        return 0; /* RST: its window means nothing */
    if ((r->nwin + 1) * 2 > r->wcap && rp_win_grow(r) < 0)
        return -1;
    rp_win *w = rp_win_slot(r, in.l3, in.src, in.sport, in.dst, in.dport);
    if (!w->used) {
        w->used = 1;
        w->family = in.l3;
        w->wscale = -1;
        memcpy(w->host, in.src, in.l3 == 6 ? 16 : 4);
        memcpy(w->peer, in.dst, in.l3 == 6 ? 16 : 4);
        w->host_port = in.sport;
        w->peer_port = in.dport;
        r->nwin++;
    }
    uint64_t wnd = pkt_get16(th + 14);
    if (flags & RP_TCP_SYN) {
        size_t hlen = (size_t)(th[12] >> 4) * 4;
        if (in.l4_off + hlen > f->len)
            hlen = f->len - in.l4_off;
        w->wscale = rp_wscale(th, hlen); /* a SYN's own window is never scaled */
    } else if (w->wscale < 0) {
        w->unknown = 1;
        return 0;
    } else {
        wnd <<= w->wscale;
    }
    if (wnd > w->max_wnd)
        w->max_wnd = wnd;
    return 0;
}

/* The remote port of pass 0 that port `port` (seen by the stack) stands for: candidates in
 * out[] (several when the passes' runs of ports wrapped); 0 when there are too many. */
static int rp_orig_ports(const rp_replay *r, uint16_t port, uint16_t *out, int max)
{
    if (!r->nfree || (r->port_used[port >> 3] & (1u << (port & 7))) || r->free_idx[port] == 0xffff) {
        out[0] = port;
        return 1;
    }
    uint64_t end = (uint64_t)(r->cfg.loop - 1) * r->nports;
    int n = 0;
    for (uint64_t k = r->free_idx[port]; k < end; k += r->nfree) {
        if (n == max)
            return 0;
        out[n++] = r->port_by_rank[k % r->nports];
    }
    return n;
}

uint64_t rp_peer_window(const rp_replay *r, int family, const uint8_t *peer, uint16_t peer_port,
                        const uint8_t *host, uint16_t host_port)
{
    if (!r || r->host_any || !r->nwin)
        return 0;
    uint16_t cand[16];
    int n = rp_orig_ports(r, peer_port, cand, 16);
    uint64_t best = 0;
    for (int i = 0; i < n; i++) {
        const rp_win *w = rp_win_slot(r, family, host, host_port, peer, cand[i]);
        if (!w || !w->used || w->unknown || w->wscale < 0)
            return 0; /* one candidate unknown: no bound */
        if (w->max_wnd > best)
            best = w->max_wnd;
    }
    return best;
}

static double days(double ps) { return ps / RP_PS_PER_DAY; }

/* Pre-scan: pick the auto host, count the frames that will be fed, pace one pass to check the
 * timeline, catch file errors early. */
static int prescan(rp_replay *r, char *err, size_t errlen)
{
    int rc = 0, n = 0, np = 0;
    rp_tally *t = NULL;
    rp_port_tally *p = NULL;
    tr_frame f;
    const char *path = r->cfg.trace_path;
    if (r->cfg.host_mode == NS_HOST_AUTO) {
        t = calloc(RP_MAX_TALLY, sizeof *t);
        p = calloc(RP_MAX_PORTS, sizeof *p);
        if (!t || !p) {
            rp_msg(err, errlen, "%s: out of memory", path);
            rc = -1;
            goto out;
        }
        while ((rc = tr_next(r->tr, &f, err, errlen)) > 0) {
            pkt_frame_info in;
            if (pkt_frame_parse(f.data, f.len, &in) != 0 || is_group(in.l3, in.dst))
                continue;
            tally_add(t, &n, &in, &f, in.proto == PKT_IPPROTO_TCP ? in.payload_len : 0);
            if (memcmp(in.src, in.dst, in.l3 == 4 ? 4 : 16) == 0)
                port_add(p, &np, &in, &f);
        }
        if (rc < 0)
            goto out;
        choose_auto(r, t, n, p, np);
        if ((rc = tr_rewind(r->tr, err, errlen)) < 0)
            goto out;
    }
    const tr_stats before_count = *tr_get_stats(r->tr);
    uint64_t fed = 0, ts_min = UINT64_MAX, ts_max = 0;
    r->start_ts_ns = 0;
    rp_pace pc;
    memset(&pc, 0, sizeof pc);
    while ((rc = tr_next(r->tr, &f, err, errlen)) > 0) {
        if (!classify(r, &f, &r->pass_from_host, &r->pass_not_for_host)) {
            if (rp_win_note(r, &f) < 0) {
                rp_msg(err, errlen, "%s: out of memory", path);
                rc = -1;
                goto out;
            }
            continue;
        }
        if (fed++ == 0)
            r->start_ts_ns = f.ts_ns; /* simulated time 0 */
        int tcp;
        const uint8_t *l4 = rp_l4(&f, &tcp);
        if (l4) {
            uint16_t port = pkt_get16(l4 + 2 * rp_shift_side(r, l4));
            if (!(r->port_used[port >> 3] & (1u << (port & 7)))) {
                r->port_used[port >> 3] |= (uint8_t)(1u << (port & 7));
                r->nports++;
            }
        }
        ts_min = f.ts_ns < ts_min ? f.ts_ns : ts_min;
        ts_max = f.ts_ns > ts_max ? f.ts_ns : ts_max;
        uint64_t start;
        r->pass_wire_ps += rp_wire_ps(f.len, r->cfg.link_gbps);
        if (pace(&r->cfg, &pc, &f, &start) < 0) {
            rp_msg(err, errlen,
                   "%s: record %llu: the replay exceeds the simulated-time limit of %.2f days "
                   "(2^63 ps): the capture's timestamps span %.1f days so far (replay.multiplier "
                   "%g); use a larger multiplier, a fixed rate or timing = topspeed",
                   path, (unsigned long long)f.frame_no, days((double)RP_TIME_LIMIT_PS),
                   (double)(ts_max - ts_min) / 86400e9, r->cfg.multiplier);
            rc = -1;
            goto out;
        }
    }
    if (rc < 0)
        goto out;
    if (fed && r->cfg.loop > UINT64_MAX / fed) {
        rp_msg(err, errlen, "%s: %llu frames x replay.loop %u passes exceeds 2^64 frames",
               path, (unsigned long long)fed, (unsigned)r->cfg.loop);
        rc = -1;
        goto out;
    }
    r->pass_fed = fed;
    r->rate_held = pc.held;
    pass_delta(&r->pass_stats, &before_count, tr_get_stats(r->tr));
    if (fed && r->cfg.loop > 1) {
        /* Later passes start where the previous one ended and last as long, give or take
         * one fixed-rate gap. */
        double pass_ps = (double)(pc.prev_start_ps + pc.prev_wire_ps);
        double gap = r->cfg.mbps > 0   ? (double)TR_FRAME_MAX * 8.0 * 1e6 / r->cfg.mbps
                     : r->cfg.pps > 0 ? RP_PS_PER_S / r->cfg.pps
                                      : 0.0;
        if (!((pass_ps + gap) * (double)r->cfg.loop < (double)RP_TIME_LIMIT_PS)) {
            rp_msg(err, errlen,
                   "%s: replay.loop = %u passes of %.3g days each exceed the simulated-time "
                   "limit of %.2f days (2^63 ps)",
                   path, r->cfg.loop, days(pass_ps), days((double)RP_TIME_LIMIT_PS));
            rc = -1;
            goto out;
        }
    }
    r->total_frames = fed * r->cfg.loop;
    if (rp_port_tables(r) < 0) {
        rp_msg(err, errlen, "out of memory");
        rc = -1;
        goto out;
    }
    if (r->cfg.replay_limit && r->total_frames > r->cfg.replay_limit)
        r->total_frames = r->cfg.replay_limit;
    rc = tr_rewind(r->tr, err, errlen);
    r->records_base = tr_get_stats(r->tr)->records;
    r->filtered_base = tr_get_stats(r->tr)->filtered;
out:
    free(t);
    free(p);
    return rc < 0 ? rc : 0;
}

int rp_open(rp_replay **out, const ns_config *cfg, char *err, size_t errlen)
{
    int rc;
    rp_replay *r = calloc(1, sizeof *r);
    *out = NULL;
    if (!r) {
        rp_msg(err, errlen, "out of memory");
        return -1;
    }
    r->cfg = *cfg;
    if (r->cfg.loop == 0)
        r->cfg.loop = 1;
    ns_config_finalize(&r->cfg);
    if ((rc = ns_config_check(&r->cfg, err, errlen)) < 0)
        goto fail;
    tr_options to = {.mtu = cfg->mtu,
                     .resegment = cfg->resegment,
                     .fix_checksums = cfg->fix_checksums != NS_FIX_CSUM_OFF,
                     .filter = cfg->replay_filter};
    if ((rc = tr_open(&r->tr, cfg->trace_path, &to, err, errlen)) < 0)
        goto fail;
    if (cfg->host_mode == NS_HOST_ANY) {
        r->host_any = 1;
    } else if (cfg->host_mode == NS_HOST_LIST) {
        r->nhosts = cfg->host_count;
        memcpy(r->hosts, cfg->hosts, sizeof r->hosts);
    }
    if ((rc = prescan(r, err, errlen)) < 0)
        goto fail;
    if (r->host_any) {
        snprintf(r->host_desc, sizeof r->host_desc, "any");
    } else {
        size_t used = 0;
        for (int i = 0; i < r->nhosts && used < sizeof r->host_desc; i++) {
            char a[INET6_ADDRSTRLEN + 8];
            addr_fmt(&r->hosts[i], a, sizeof a);
            used += (size_t)snprintf(r->host_desc + used, sizeof r->host_desc - used, "%s%s",
                                     i ? "," : "", a);
        }
    }
    *out = r;
    return 0;
fail:
    rp_close(r);
    return rc;
}

int rp_next(rp_replay *r, rp_frame *out, char *err, size_t errlen)
{
    if (r->ended || (r->cfg.replay_limit && r->fed >= r->cfg.replay_limit))
        return 0; /* [replay] limit reached */
    for (;;) {
        int rc = tr_next(r->tr, &out->f, err, errlen);
        if (rc < 0)
            return rc;
        if (rc == 0) {
            if (r->pass + 1 >= r->cfg.loop)
                return 0;
            r->pass++;
            r->pc.pass_started = 0;
            if ((rc = tr_rewind(r->tr, err, errlen)) < 0)
                return rc;
            continue;
        }
        if (!classify(r, &out->f, &r->from_host, &r->not_for_host))
            continue;
        if (pace(&r->cfg, &r->pc, &out->f, &out->start_ps) < 0) {
            rp_msg(err, errlen,
                   "%s: record %llu (pass %u): the replay exceeds the simulated-time limit of "
                   "%.2f days (2^63 ps)",
                   r->cfg.trace_path, (unsigned long long)out->f.frame_no, r->pass + 1,
                   days((double)RP_TIME_LIMIT_PS));
            return -1;
        }
        if (r->cfg.replay_duration_ps && out->start_ps >= r->cfg.replay_duration_ps) {
            r->ended = 1; /* [replay] duration reached */
            return 0;
        }
        out->end_ps = out->start_ps + r->pc.prev_wire_ps;
        out->pass = r->pass;
        rp_rewrite_pass(r, out);
        r->fed++;
        return 1;
    }
}

void rp_close(rp_replay *r)
{
    if (!r)
        return;
    if (r->tr)
        tr_close(r->tr);
    free(r->port_rank);
    free(r->port_free);
    free(r->port_by_rank);
    free(r->free_idx);
    free(r->win);
    free(r);
}

/* ---- warnings -------------------------------------------------------------------------- */

typedef struct rp_wctx {
    void (*emit)(void *ctx, const char *line);
    void *ctx;
    int n;
} rp_wctx;

static void warn(rp_wctx *w, const char *fmt, ...)
{
    char line[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    if (w->emit)
        w->emit(w->ctx, line);
    w->n++;
}

static const char *plural(uint64_t n, const char *one, const char *many)
{
    return n == 1 ? one : many;
}

int rp_warnings(const rp_replay *r, void (*emit)(void *ctx, const char *line), void *ctx)
{
    if (!r)
        return 0;
    rp_wctx w = {emit, ctx, 0};
    const tr_stats *s = &r->pass_stats;
    const char *file = r->cfg.trace_path;
    const ns_config *c = &r->cfg;
    unsigned long long u;

    if (r->nfree && (uint64_t)(c->loop - 1) * r->nports > r->nfree)
        warn(&w,
             "%s: replay.loop = %u passes of %u remote ports need more than the %u free ports: "
             "passes after the %uth reuse ports of earlier ones",
             file, c->loop, r->nports, r->nfree, r->nfree / r->nports + 1);
    if (s->cut_short)
        warn(&w,
             "%s: the capture ends inside record %llu (stopped while being written?); the %llu "
             "complete %s before it %s replayed",
             file, (unsigned long long)s->records + 1, (unsigned long long)s->records,
             plural(s->records, "record", "records"), plural(s->records, "was", "were"));
    if ((u = s->truncated))
        warn(&w,
             "%s: %llu %s truncated in the capture (caplen < len); zero-filled and marked "
             "unverifiable",
             file, u, plural(u, "record was", "records were"));
    if ((u = s->csum_partial)) {
        if (s->csum_repaired)
            warn(&w,
                 "%s: %llu %s partial (transmit-offload) checksums; repaired "
                 "(replay.fix_checksums = off keeps them)",
                 file, u, plural(u, "record had", "records had"));
        else
            warn(&w,
                 "%s: %llu %s partial (transmit-offload) checksums, kept as captured "
                 "(replay.fix_checksums = off): they fail checksum verification "
                 "(replay.fix_checksums = auto repairs them)",
                 file, u, plural(u, "record has", "records have"));
    }
    if ((u = s->other_linktype)) {
        int dlt = tr_other_linktype(r->tr);
        char name[32];
        tr_linktype_name_of(dlt, name, sizeof name);
        warn(&w,
             "%s: %llu %s on interfaces of a link type that cannot become Ethernet (first: %d, "
             "%s) skipped",
             file, u, plural(u, "record", "records"), dlt, name);
    }
    if ((u = s->unsupported))
        warn(&w, "%s: %llu %s could not be turned into Ethernet frames; skipped", file, u,
             plural(u, "record", "records"));
    if ((u = s->oversize_dropped))
        warn(&w,
             "%s: %llu oversize %s dropped (IP packet above nic.mtu %u or frame above %u "
             "bytes, and not re-segmentable TCP or nic.resegment off)",
             file, u, plural(u, "record", "records"), c->mtu ? c->mtu : TR_DEFAULT_MTU,
             TR_FRAME_MAX);
    if ((u = s->ts_backwards))
        warn(&w,
             "%s: %llu %s a timestamp before the previous record's; replayed in file order "
             "(right after the previous frame)",
             file, u, plural(u, "record has", "records have"));
    if (c->mbps > 0 && c->mbps > c->link_gbps * 1000.0)
        warn(&w,
             "%s: replay.mbps = %g is above the link rate (%g Gb/s): frames go back to back at "
             "the link rate (%llu held back per pass)",
             file, c->mbps, c->link_gbps, (unsigned long long)r->rate_held);
    else if (c->pps > 0 && r->pass_fed &&
             c->pps * ((double)r->pass_wire_ps / (double)r->pass_fed) > RP_PS_PER_S)
        warn(&w,
             "%s: replay.pps = %g is above the link's packet rate for this capture's frames "
             "(%.0f pps at %g Gb/s): frames go back to back at the link rate (%llu held back "
             "per pass)",
             file, c->pps, RP_PS_PER_S * (double)r->pass_fed / (double)r->pass_wire_ps,
             c->link_gbps, (unsigned long long)r->rate_held);
    if (r->total_frames == 0 && s->records && s->filtered == s->records)
        warn(&w, "%s: nothing reaches the NIC: [replay] filter '%s' rejects all %llu %s", file,
             c->replay_filter, (unsigned long long)s->records, plural(s->records, "record", "records"));
    else if (r->total_frames == 0) {
        if (s->records == 0)
            warn(&w, "%s: nothing reaches the NIC: the capture holds no records%s", file,
                 s->cut_short ? " (its first record is cut short)" : " (header only)");
        else
            warn(&w,
                 "%s: nothing reaches the NIC: of %llu %s, %llu %s sent by the host (%s), "
                 "%llu not for it, %llu oversize dropped, %llu not convertible to Ethernet, "
                 "%llu on other link types; check [scenario] host",
                 file, (unsigned long long)s->records, plural(s->records, "record", "records"),
                 (unsigned long long)r->pass_from_host,
                 plural(r->pass_from_host, "was", "were"), r->host_desc,
                 (unsigned long long)r->pass_not_for_host,
                 (unsigned long long)s->oversize_dropped, (unsigned long long)s->unsupported,
                 (unsigned long long)s->other_linktype);
    }
    return w.n;
}

const char *rp_host_desc(const rp_replay *r) { return r->host_desc; }

int rp_hosts(const rp_replay *r, ns_addr *out, int max)
{
    if (r->host_any)
        return 0;
    int n = r->nhosts < max ? r->nhosts : max;
    memcpy(out, r->hosts, (size_t)n * sizeof *out);
    return n;
}
uint64_t rp_start_ts_ns(const rp_replay *r) { return r->start_ts_ns; }
uint64_t rp_total_frames(const rp_replay *r) { return r->total_frames; }
uint64_t rp_from_host(const rp_replay *r) { return r->from_host; }
uint64_t rp_not_for_host(const rp_replay *r) { return r->not_for_host; }
uint64_t rp_pass_from_host(const rp_replay *r) { return r->pass_from_host; }
uint64_t rp_pass_not_for_host(const rp_replay *r) { return r->pass_not_for_host; }
uint64_t rp_rate_held(const rp_replay *r) { return r->rate_held; }
const tr_trace *rp_trace(const rp_replay *r) { return r->tr; }
uint64_t rp_filtered(const rp_replay *r) { return tr_get_stats(r->tr)->filtered - r->filtered_base; }
uint64_t rp_records_read(const rp_replay *r) { return tr_get_stats(r->tr)->records - r->records_base; }
const tr_stats *rp_pass_stats(const rp_replay *r) { return &r->pass_stats; }
