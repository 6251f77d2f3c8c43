#include "replay.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "inet.h"

#define RP_MAX_TALLY 4096

typedef struct rp_tally {
    ns_addr addr;
    uint64_t tcp_payload;
    uint64_t frames;
} rp_tally;

struct rp_replay {
    ns_config cfg;
    tr_trace *tr;
    tr_stats pass_stats;
    int host_any;
    int nhosts;
    ns_addr hosts[NS_MAX_HOSTS];
    char host_desc[NS_MAX_HOSTS * 48];
    uint64_t total_frames;
    uint64_t from_host, not_for_host;
    /* pacing state */
    uint32_t pass;
    int have_prev;
    uint64_t prev_start_ps, prev_wire_ps, prev_len;
    int pass_started;
    uint64_t pass_ts0_ns, pass_base_ps;
};

uint64_t rp_wire_ps(uint32_t len, double link_gbps)
{
    if (!(link_gbps >= NS_LINK_GBPS_MIN))
        link_gbps = NS_LINK_GBPS_MIN; /* ns_config_check keeps it in range; never divide by 0 */
    uint32_t l = len < RP_MIN_FRAME_NOFCS ? RP_MIN_FRAME_NOFCS : len;
    double bits = (double)(l + RP_WIRE_OVERHEAD_BYTES) * 8.0;
    return (uint64_t)(bits * 1000.0 / link_gbps + 0.5); /* 1 bit at G Gb/s = 1000/G ps */
}

static int addr_eq(const ns_addr *a, int family, const uint8_t *p)
{
    return a->family == family && memcmp(a->a, p, family == 4 ? 4 : 16) == 0;
}

static int is_host(const rp_replay *r, int family, const uint8_t *p)
{
    for (int i = 0; i < r->nhosts; i++)
        if (addr_eq(&r->hosts[i], family, p))
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
    if (!inet_ntop(a->family == 4 ? AF_INET : AF_INET6, a->a, buf, (socklen_t)n))
        snprintf(buf, n, "?");
}

/* 1: feed, 0: skip (counted). */
static int classify(rp_replay *r, const tr_frame *f, int count)
{
    if (r->host_any)
        return 1;
    hs_frame_info in;
    if (hs_frame_parse(f->data, f->len, &in) != 0)
        return 1; /* not IP (ARP, ...): the NIC sees it */
    if (is_host(r, in.l3, in.src)) {
        if (count)
            r->from_host++;
        return 0;
    }
    if (is_host(r, in.l3, in.dst) || is_group(in.l3, in.dst))
        return 1;
    if (count)
        r->not_for_host++;
    return 0;
}

static int tally_add(rp_tally *t, int *n, const hs_frame_info *in, uint64_t payload)
{
    for (int i = 0; i < *n; i++) {
        if (addr_eq(&t[i].addr, in->l3, in->dst)) {
            t[i].tcp_payload += payload;
            t[i].frames++;
            return 0;
        }
    }
    if (*n >= RP_MAX_TALLY)
        return -1;
    t[*n].addr.family = in->l3;
    memset(t[*n].addr.a, 0, 16);
    memcpy(t[*n].addr.a, in->dst, in->l3 == 4 ? 4 : 16);
    t[*n].tcp_payload = payload;
    t[*n].frames = 1;
    (*n)++;
    return 0;
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
}

/* Pre-scan: pick the auto host, count the frames that will be fed, catch file errors early. */
static int prescan(rp_replay *r, char *err, size_t errlen)
{
    int rc = 0, n = 0;
    rp_tally *t = NULL;
    tr_frame f;
    tr_stats before = *tr_get_stats(r->tr);
    if (r->cfg.host_mode == NS_HOST_AUTO) {
        t = calloc(RP_MAX_TALLY, sizeof *t);
        if (!t) {
            snprintf(err, errlen, "out of memory");
            rc = -1;
            goto out;
        }
        while ((rc = tr_next(r->tr, &f, err, errlen)) > 0) {
            hs_frame_info in;
            if (hs_frame_parse(f.data, f.len, &in) != 0 || is_group(in.l3, in.dst))
                continue;
            tally_add(t, &n, &in, in.proto == HS_IPPROTO_TCP ? in.payload_len : 0);
        }
        if (rc < 0)
            goto out;
        int best = -1;
        for (int i = 0; i < n; i++) {
            if (best < 0 || t[i].tcp_payload > t[best].tcp_payload ||
                (t[i].tcp_payload == t[best].tcp_payload && t[i].frames > t[best].frames))
                best = i;
        }
        if (best < 0) {
            r->host_any = 1; /* no unicast IP at all: feed everything */
        } else {
            r->hosts[0] = t[best].addr;
            r->nhosts = 1;
        }
        pass_delta(&r->pass_stats, &before, tr_get_stats(r->tr));
        if ((rc = tr_rewind(r->tr, err, errlen)) < 0)
            goto out;
    }
    uint64_t fed = 0;
    while ((rc = tr_next(r->tr, &f, err, errlen)) > 0)
        fed += (uint64_t)classify(r, &f, 0);
    if (rc < 0)
        goto out;
    if (fed && r->cfg.loop > UINT64_MAX / fed) {
        snprintf(err, errlen, "%s: %llu frames x replay.loop %u passes exceeds 2^64 frames",
                 r->cfg.trace_path, (unsigned long long)fed, (unsigned)r->cfg.loop);
        rc = -1;
        goto out;
    }
    r->total_frames = fed * r->cfg.loop;
    if (r->cfg.host_mode != NS_HOST_AUTO)
        pass_delta(&r->pass_stats, &before, tr_get_stats(r->tr));
    rc = tr_rewind(r->tr, err, errlen);
out:
    free(t);
    return rc < 0 ? rc : 0;
}

int rp_open(rp_replay **out, const ns_config *cfg, char *err, size_t errlen)
{
    int rc;
    rp_replay *r = calloc(1, sizeof *r);
    *out = NULL;
    if (!r) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    r->cfg = *cfg;
    if (r->cfg.loop == 0)
        r->cfg.loop = 1;
    ns_config_finalize(&r->cfg);
    if ((rc = ns_config_check(&r->cfg, err, errlen)) < 0)
        goto fail;
    tr_options to = {.mtu = cfg->mtu, .resegment = cfg->resegment};
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
        for (int i = 0; i < r->nhosts; i++) {
            char a[INET6_ADDRSTRLEN];
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

/* Simulated time is a uint64_t of picoseconds. Frame times stay below RP_MAX_PS (2^62 ps,
 * about 53 days), which leaves the model room for what it adds to them (wire times, quanta,
 * CPU work: each far below 2^62). Every conversion from a double and every sum is checked
 * (a capture whose timestamps span years, slowed down by replay.multiplier, would otherwise
 * overflow the conversion or wrap around). */
#define RP_MAX_PS (UINT64_C(1) << 62)

static int ps_from_double(double v, uint64_t *out)
{
    double r = v + 0.5;
    if (!(r >= 0 && r < (double)RP_MAX_PS))
        return -1;
    *out = (uint64_t)r;
    return 0;
}

static int ps_add(uint64_t a, uint64_t b, uint64_t *out)
{
    if (a >= RP_MAX_PS || b >= RP_MAX_PS || a + b >= RP_MAX_PS)
        return -1;
    *out = a + b;
    return 0;
}

/* Start time of frame f, or -1 if it (or its end) lies beyond RP_MAX_PS. */
static int pace(rp_replay *r, const tr_frame *f, uint64_t *start_out, char *err, size_t errlen)
{
    const ns_config *c = &r->cfg;
    uint64_t earliest = 0, start, gap, t;
    if (r->have_prev && ps_add(r->prev_start_ps, r->prev_wire_ps, &earliest) < 0)
        goto overflow;
    start = earliest;
    if (!r->pass_started) {
        r->pass_started = 1;
        r->pass_ts0_ns = f->ts_ns;
        r->pass_base_ps = earliest;
    }
    if (c->mbps > 0) {
        if (r->have_prev) {
            if (ps_from_double((double)r->prev_len * 8.0 * 1e6 / c->mbps, &gap) < 0 ||
                ps_add(r->prev_start_ps, gap, &t) < 0)
                goto overflow;
            if (t > start)
                start = t;
        }
    } else if (c->pps > 0) {
        if (r->have_prev) {
            if (ps_from_double(1e12 / c->pps, &gap) < 0 || ps_add(r->prev_start_ps, gap, &t) < 0)
                goto overflow;
            if (t > start)
                start = t;
        }
    } else if (c->timing == NS_TIMING_RECORDED) {
        uint64_t rel_ns = f->ts_ns >= r->pass_ts0_ns ? f->ts_ns - r->pass_ts0_ns : 0;
        if (ps_from_double((double)rel_ns * 1000.0 / c->multiplier, &gap) < 0 ||
            ps_add(r->pass_base_ps, gap, &t) < 0)
            goto overflow;
        if (t > start)
            start = t;
    }
    uint64_t wire = rp_wire_ps(f->len, c->link_gbps), end;
    if (ps_add(start, wire, &end) < 0)
        goto overflow;
    r->have_prev = 1;
    r->prev_start_ps = start;
    r->prev_wire_ps = wire;
    r->prev_len = f->len;
    *start_out = start;
    return 0;
overflow:
    snprintf(err, errlen, "%s: record %llu would arrive after 2^62 ps (about 53 days) of "
             "simulated time; the capture spans too long for this replay pacing",
             c->trace_path ? c->trace_path : "trace", (unsigned long long)f->frame_no);
    return -1;
}

int rp_next(rp_replay *r, rp_frame *out, char *err, size_t errlen)
{
    for (;;) {
        int rc = tr_next(r->tr, &out->f, err, errlen);
        if (rc < 0)
            return rc;
        if (rc == 0) {
            if (r->pass + 1 >= r->cfg.loop)
                return 0;
            r->pass++;
            r->pass_started = 0;
            if ((rc = tr_rewind(r->tr, err, errlen)) < 0)
                return rc;
            continue;
        }
        if (!classify(r, &out->f, 1))
            continue;
        if (pace(r, &out->f, &out->start_ps, err, errlen) < 0)
            return -1;
        out->end_ps = out->start_ps + r->prev_wire_ps;
        out->pass = r->pass;
        return 1;
    }
}

void rp_close(rp_replay *r)
{
    if (!r)
        return;
    if (r->tr)
        tr_close(r->tr);
    free(r);
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
uint64_t rp_total_frames(const rp_replay *r) { return r->total_frames; }
uint64_t rp_from_host(const rp_replay *r) { return r->from_host; }
uint64_t rp_not_for_host(const rp_replay *r) { return r->not_for_host; }
const tr_trace *rp_trace(const rp_replay *r) { return r->tr; }
const tr_stats *rp_pass_stats(const rp_replay *r) { return &r->pass_stats; }
