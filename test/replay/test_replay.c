/* Check suite for the replay layer: wire timing, pacing modes, loops, host selection.
 * argv[1]: the source directory (for traces/). */
#define _DEFAULT_SOURCE /* mkdtemp */
#include <arpa/inet.h>
#include <check.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pkt.h"
#include "nicsim_model.h"
#include "replay.h"

static const char *g_src;

static void cfg_for(ns_config *c, const char *trace)
{
    static char path[1024];
    ns_config_defaults(c);
    ns_config_finalize(c);
    snprintf(path, sizeof path, "%s/traces/%s", g_src, trace);
    c->trace_path = path;
}

static rp_replay *open_ok(const ns_config *c)
{
    rp_replay *r = NULL;
    char err[512];
    ck_assert_msg(rp_open(&r, c, err, sizeof err) == 0, "%s", err);
    return r;
}

/* All fed frames of a replay. */
typedef struct fed {
    uint64_t start[4096], end[4096], ts[4096];
    uint32_t len[4096];
    uint32_t pass[4096];
    int n;
} fed;

static void drain(rp_replay *r, fed *f)
{
    rp_frame fr;
    char err[512];
    int rc;
    f->n = 0;
    while ((rc = rp_next(r, &fr, err, sizeof err)) > 0) {
        ck_assert_int_lt(f->n, 4096);
        f->start[f->n] = fr.start_ps;
        f->end[f->n] = fr.end_ps;
        f->ts[f->n] = fr.f.ts_ns;
        f->len[f->n] = fr.f.len;
        f->pass[f->n] = fr.pass;
        f->n++;
    }
    ck_assert_msg(rc == 0, "%s", err);
}

START_TEST(wire_time_matches_rfc5180)
{
    /* 64-byte frames (60 without FCS) at 10 Gb/s: 84 bytes on the wire = 67.2 ns -> 14.88 Mpps */
    ck_assert_uint_eq(rp_wire_ps(60, 10.0), 67200);
    /* shorter frames are padded to the minimum */
    ck_assert_uint_eq(rp_wire_ps(42, 10.0), 67200);
    /* 1518-byte frames (1514 without FCS): 1538 bytes = 1230.4 ns -> 812,743 pps */
    ck_assert_uint_eq(rp_wire_ps(1514, 10.0), 1230400);
    double pps = 1e12 / (double)rp_wire_ps(1514, 10.0);
    ck_assert_int_eq((int)pps, 812743);
    /* 1 GbE and 100 GbE */
    ck_assert_uint_eq(rp_wire_ps(60, 1.0), 672000);
    ck_assert_uint_eq(rp_wire_ps(60, 100.0), 6720);
}
END_TEST

START_TEST(auto_host_picks_bulk_receiver)
{
    ns_config c;
    cfg_for(&c, "quickstart.pcap");
    rp_replay *r = open_ok(&c);
    ck_assert_str_eq(rp_host_desc(r), "10.0.0.2");
    fed *f = calloc(1, sizeof *f);
    drain(r, f);
    ck_assert_int_eq(f->n, 177);
    ck_assert_uint_eq(rp_total_frames(r), 177);
    ck_assert_uint_eq(rp_from_host(r), 89);
    ck_assert_uint_eq(rp_not_for_host(r), 0);
    rp_close(r);
    free(f);
}
END_TEST

START_TEST(host_list_and_any)
{
    ns_config c;
    cfg_for(&c, "quickstart.pcap");
    c.host_mode = NS_HOST_ANY;
    rp_replay *r = open_ok(&c);
    ck_assert_str_eq(rp_host_desc(r), "any");
    fed *f = calloc(1, sizeof *f);
    drain(r, f);
    ck_assert_int_eq(f->n, 266);
    rp_close(r);

    /* the sender 10.0.1.1 as host: its data segments are "from host", the ACKs to it are fed */
    cfg_for(&c, "quickstart.pcap");
    c.host_mode = NS_HOST_LIST;
    c.host_count = 1;
    c.hosts[0].family = 4;
    inet_pton(AF_INET, "10.0.1.1", c.hosts[0].a);
    r = open_ok(&c);
    ck_assert_str_eq(rp_host_desc(r), "10.0.1.1");
    drain(r, f);
    ck_assert_uint_gt(rp_from_host(r), 30);
    ck_assert_uint_gt(rp_not_for_host(r), 100);
    /* fed: ACKs to 10.0.1.1 plus non-IP frames */
    ck_assert_uint_eq((uint64_t)f->n + rp_from_host(r) + rp_not_for_host(r), 266);
    rp_close(r);
    free(f);
}
END_TEST

START_TEST(recorded_timing_follows_capture_and_never_beats_wire)
{
    ns_config c;
    cfg_for(&c, "quickstart.pcap");
    rp_replay *r = open_ok(&c);
    fed *f = calloc(1, sizeof *f);
    drain(r, f);
    ck_assert_uint_eq(f->start[0], 0);
    for (int i = 1; i < f->n; i++) {
        /* never earlier than the previous frame's end on the wire */
        ck_assert_uint_ge(f->start[i], f->end[i - 1]);
        /* at 1 Gb/s recorded on a 10 Gb/s link, frames are at their capture offsets */
        uint64_t want = (f->ts[i] - f->ts[0]) * 1000;
        ck_assert_uint_eq(f->start[i], want > f->end[i - 1] ? want : f->end[i - 1]);
    }
    rp_close(r);
    /* multiplier 2: half the time */
    cfg_for(&c, "quickstart.pcap");
    c.multiplier = 2.0;
    r = open_ok(&c);
    fed *g = calloc(1, sizeof *g);
    drain(r, g);
    ck_assert_int_eq(g->n, f->n);
    ck_assert_uint_eq(g->start[g->n - 1], f->start[f->n - 1] / 2);
    rp_close(r);
    free(f);
    free(g);
}
END_TEST

START_TEST(topspeed_is_back_to_back)
{
    ns_config c;
    cfg_for(&c, "quickstart.pcap");
    c.timing = NS_TIMING_TOPSPEED;
    rp_replay *r = open_ok(&c);
    fed *f = calloc(1, sizeof *f);
    drain(r, f);
    for (int i = 1; i < f->n; i++) {
        ck_assert_uint_eq(f->start[i], f->end[i - 1]);
        ck_assert_uint_eq(f->end[i] - f->start[i], rp_wire_ps(f->len[i], 10.0));
    }
    rp_close(r);
    free(f);
}
END_TEST

START_TEST(fixed_rates)
{
    ns_config c;
    cfg_for(&c, "quickstart.pcap");
    c.pps = 1000.0; /* one frame per ms */
    rp_replay *r = open_ok(&c);
    fed *f = calloc(1, sizeof *f);
    drain(r, f);
    for (int i = 1; i < f->n; i++)
        ck_assert_uint_eq(f->start[i] - f->start[i - 1], 1000000000ull);
    rp_close(r);
    /* 100 Mb/s: gap = previous frame bits / rate */
    cfg_for(&c, "quickstart.pcap");
    c.mbps = 100.0;
    r = open_ok(&c);
    drain(r, f);
    for (int i = 1; i < f->n; i++)
        ck_assert_uint_eq(f->start[i] - f->start[i - 1], (uint64_t)f->len[i - 1] * 8 * 10000);
    rp_close(r);
    /* a rate above the link: clamped to the wire */
    cfg_for(&c, "quickstart.pcap");
    c.mbps = 1e6;
    r = open_ok(&c);
    drain(r, f);
    for (int i = 1; i < f->n; i++)
        ck_assert_uint_eq(f->start[i], f->end[i - 1]);
    rp_close(r);
    free(f);
}
END_TEST

START_TEST(loops_continue_after_the_previous_pass)
{
    ns_config c;
    cfg_for(&c, "quickstart.pcap");
    c.loop = 3;
    rp_replay *r = open_ok(&c);
    fed *f = calloc(1, sizeof *f);
    drain(r, f);
    ck_assert_int_eq(f->n, 3 * 177);
    ck_assert_uint_eq(rp_total_frames(r), 3 * 177);
    ck_assert_uint_eq(f->pass[177], 1);
    ck_assert_uint_eq(f->pass[354], 2);
    /* pass 2 starts right after pass 1 ended on the wire and keeps the recorded spacing */
    ck_assert_uint_eq(f->start[177], f->end[176]);
    ck_assert_uint_eq(f->start[178] - f->start[177], f->start[1] - f->start[0]);
    ck_assert_uint_eq(rp_from_host(r), 3 * 89);
    rp_close(r);
    free(f);
}
END_TEST

/* A TCP/UDP checksum over the pseudo-header: 1 if it verifies. */
static int l4_csum_ok(const uint8_t *d, uint32_t len)
{
    pkt_frame_info in;
    ck_assert_int_eq(pkt_frame_parse(d, len, &in), 0);
    uint32_t l4len = (uint32_t)(in.ip_end - in.l4_off);
    uint32_t s = pkt_csum_pseudo(in.src, in.dst, in.l3 == 4 ? 4 : 16, in.proto, l4len);
    s = pkt_csum_add(s, d + in.l4_off, l4len);
    return pkt_csum_fold(s) == 0xffff;
}

/* replay.loop: every pass after the first is new traffic. Against pass 0, a frame of pass k
 * has its remote (source) port moved to a port no other pass and no frame of the capture
 * uses, its sequence number moved by k x 0x9E3779B9, a checksum that still verifies, and
 * every other byte the same. With host = any the ephemeral (higher) port of each connection
 * moves in both directions, the acks of the other direction with it. */
START_TEST(loop_passes_are_new_traffic)
{
    for (int any = 0; any < 2; any++) {
        ns_config c;
        cfg_for(&c, "quickstart.pcap");
        c.loop = 3;
        if (any)
            c.host_mode = NS_HOST_ANY;
        rp_replay *r = open_ok(&c);
        int per = any ? 266 : 177;
        static uint8_t frames[3 * 266][1600];
        static uint32_t lens[3 * 266];
        rp_frame fr;
        char err[512];
        int n = 0, rc;
        while ((rc = rp_next(r, &fr, err, sizeof err)) > 0) {
            ck_assert_int_lt(n, 3 * 266);
            ck_assert_uint_le(fr.f.len, 1600);
            memcpy(frames[n], fr.f.data, fr.f.len);
            lens[n++] = fr.f.len;
        }
        ck_assert_msg(rc == 0, "%s", err);
        ck_assert_int_eq(n, 3 * per);
        int tcp_frames = 0;
        for (int i = 0; i < per; i++) {
            pkt_frame_info in;
            if (pkt_frame_parse(frames[i], lens[i], &in) != 0 || !in.l4_off ||
                (in.proto != PKT_IPPROTO_TCP && in.proto != PKT_IPPROTO_UDP))
                continue;
            int tcp = in.proto == PKT_IPPROTO_TCP;
            uint16_t sp0 = in.sport, dp0 = in.dport;
            int side = any && dp0 > sp0 ? 1 : 0;
            uint16_t ports[3] = {side ? dp0 : sp0, 0, 0};
            for (int k = 1; k < 3; k++) {
                const uint8_t *a = frames[i], *b = frames[i + k * per];
                ck_assert_uint_eq(lens[i + k * per], lens[i]);
                pkt_frame_info ib;
                ck_assert_int_eq(pkt_frame_parse(b, lens[i], &ib), 0);
                ck_assert_uint_eq(side ? ib.sport : ib.dport, side ? sp0 : dp0); /* host's end */
                ports[k] = side ? ib.dport : ib.sport;
                ck_assert_uint_ge(ports[k], 1024);
                ck_assert_int_eq(l4_csum_ok(b, lens[i]), l4_csum_ok(a, lens[i]));
                size_t o = in.l4_off;
                if (tcp) {
                    tcp_frames++;
                    uint32_t add = (uint32_t)k * 0x9E3779B9u;
                    if (side == 0) {
                        ck_assert_uint_eq(pkt_get32(b + o + 4), pkt_get32(a + o + 4) + add);
                        ck_assert_uint_eq(pkt_get32(b + o + 8), pkt_get32(a + o + 8));
                    } else {
                        ck_assert_uint_eq(pkt_get32(b + o + 4), pkt_get32(a + o + 4));
                        if (a[o + 13] & 0x10)
                            ck_assert_uint_eq(pkt_get32(b + o + 8), pkt_get32(a + o + 8) + add);
                    }
                }
                /* nothing else changed: headers up to the ports, and the payload */
                ck_assert_int_eq(memcmp(a, b, o), 0);
                size_t from = o + (tcp ? 18 : 8);
                ck_assert_int_eq(memcmp(a + from, b + from, lens[i] - from), 0);
            }
            ck_assert_uint_ne(ports[1], ports[0]);
            ck_assert_uint_ne(ports[2], ports[0]);
            ck_assert_uint_ne(ports[2], ports[1]);
            /* no port of a later pass is one any frame of the first pass uses */
            for (int k = 1; k < 3; k++) {
                for (int j = 0; j < per; j++) {
                    pkt_frame_info ij;
                    if (pkt_frame_parse(frames[j], lens[j], &ij) == 0 && ij.l4_off)
                        ck_assert_msg(ij.sport != ports[k] && ij.dport != ports[k],
                                      "pass %d port %u is used in pass 0", k, ports[k]);
                }
            }
        }
        ck_assert_int_gt(tcp_frames, 100);
        /* a single pass is left as it was */
        rp_close(r);
    }
}
END_TEST

/* A classic pcap of n 60-byte Ethernet frames at the given seconds since the epoch. */
/* The host's own frames (not fed) give each connection's largest advertised window, scaled
 * by its SYN-ACK's shift: quickstart's host advertises 2048 << 7 after a SYN-ACK of 65160.
 * Every pass of a loop finds it under the pass's port; nothing for unknown connections or
 * with host = any (the host's frames are fed then). */
START_TEST(peer_window_from_host_frames)
{
    for (int any = 0; any < 2; any++) {
        ns_config c;
        cfg_for(&c, "quickstart.pcap");
        c.loop = 3;
        if (any)
            c.host_mode = NS_HOST_ANY;
        rp_replay *r = open_ok(&c);
        rp_frame fr;
        char err[512];
        int rc, syns = 0;
        while ((rc = rp_next(r, &fr, err, sizeof err)) > 0) {
            pkt_frame_info in;
            if (pkt_frame_parse(fr.f.data, fr.f.len, &in) != 0 || in.proto != PKT_IPPROTO_TCP)
                continue;
            uint8_t flags = fr.f.data[in.l4_off + 13];
            if (flags != 0x02 || in.dport != 5001)
                continue; /* the clients' SYNs */
            syns++;
            ck_assert_uint_eq(rp_peer_window(r, 4, in.src, in.sport, in.dst, in.dport),
                              any ? 0 : 2048u << 7);
            ck_assert_uint_eq(rp_peer_window(r, 4, in.src, (uint16_t)(in.sport + 1), in.dst, in.dport), 0);
            ck_assert_uint_eq(rp_peer_window(r, 4, in.dst, in.dport, in.src, in.sport), 0);
        }
        ck_assert_msg(rc == 0, "%s", err);
        ck_assert_int_eq(syns, 3 * 4);
        rp_close(r);
    }
}
END_TEST

static void write_pcap(const char *path, const uint32_t *secs, int n)
{
    FILE *f = fopen(path, "wb");
    ck_assert_ptr_nonnull(f);
    const uint32_t gh[6] = {0xa1b2c3d4, 0x00040002, 0, 0, 65535, 1};
    fwrite(gh, 4, 6, f);
    for (int i = 0; i < n; i++) {
        const uint32_t rh[4] = {secs[i], 0, 60, 60};
        uint8_t frame[60] = {0};
        frame[12] = 0x08;
        frame[13] = 0x06; /* ARP: fed with host = auto, no IP needed */
        fwrite(rh, 4, 4, f);
        fwrite(frame, 1, sizeof frame, f);
    }
    fclose(f);
}

/* Out-of-range settings never reach the pacing arithmetic: rp_open refuses them (the model's
 * own range check, ns_config_check), whatever the caller skipped. */
START_TEST(pacing_settings_out_of_range)
{
    char path[] = "/tmp/replay_rangeXXXXXX";
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    close(fd);
    const uint32_t secs[2] = {0, 100};
    write_pcap(path, secs, 2);
    ns_config c;
    ns_config_defaults(&c);
    ns_config_finalize(&c);
    c.trace_path = path;
    rp_replay *r = open_ok(&c);
    rp_close(r);
    char err[512];
    /* out-of-range settings never reach the pacing arithmetic */
    c.pps = 1e-300;
    r = NULL;
    ck_assert_int_lt(rp_open(&r, &c, err, sizeof err), 0);
    ck_assert_ptr_null(r);
    ck_assert_msg(strstr(err, "replay.pps 1e-300 is out of range"), "%s", err);
    c.pps = 0;
    c.clock_mhz = 1e-14;
    ck_assert_int_lt(rp_open(&r, &c, err, sizeof err), 0);
    ck_assert_msg(strstr(err, "nic.clock_mhz 1e-14 is out of range"), "%s", err);
    unlink(path);
}
END_TEST

START_TEST(open_errors_name_the_file)
{
    ns_config c;
    cfg_for(&c, "does-not-exist.pcap");
    rp_replay *r = NULL;
    char err[512];
    ck_assert_int_lt(rp_open(&r, &c, err, sizeof err), 0);
    ck_assert_ptr_null(r);
    ck_assert_ptr_nonnull(strstr(err, "does-not-exist.pcap"));
}
END_TEST

/* ---- crafted captures -------------------------------------------------------------- */

static const uint8_t mac_a[6] = { 0x02, 0, 0, 0, 0, 0x0a };
static const uint8_t mac_b[6] = { 0x02, 0, 0, 0, 0, 0x0b };
static const uint8_t mac_r[6] = { 0x02, 0, 0, 0, 0, 0x01 };
static const uint8_t mac_zero[6] = { 0 };

/* A nanosecond pcap written by hand (any timestamp, any link type). */
typedef struct cap {
    FILE *f;
    char path[600];
    int dlt;
} cap;

static char g_tmp[512];

static void tmp_setup(void)
{
    const char *base = getenv("TMPDIR");
    snprintf(g_tmp, sizeof g_tmp, "%s/rptest.XXXXXX", base && *base ? base : "/tmp");
    ck_assert_ptr_nonnull(mkdtemp(g_tmp));
}

static void cap_open(cap *c, const char *name, int dlt)
{
    snprintf(c->path, sizeof c->path, "%s/%s", g_tmp, name);
    c->f = fopen(c->path, "wb");
    ck_assert_ptr_nonnull(c->f);
    c->dlt = dlt;
    uint8_t h[24] = { 0x4d, 0x3c, 0xb2, 0xa1, 2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                      0xff, 0xff, 0, 0 };
    h[20] = (uint8_t)dlt;
    ck_assert_uint_eq(fwrite(h, 1, 24, c->f), 24);
}

static void put32le(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); p[2] = (uint8_t)(v >> 16); p[3] = (uint8_t)(v >> 24);
}

static void cap_rec(cap *c, uint64_t ts_ns, const uint8_t *d, uint32_t caplen, uint32_t len)
{
    uint8_t h[16];
    put32le(h, (uint32_t)(ts_ns / 1000000000u));
    put32le(h + 4, (uint32_t)(ts_ns % 1000000000u));
    put32le(h + 8, caplen);
    put32le(h + 12, len);
    ck_assert_uint_eq(fwrite(h, 1, 16, c->f), 16);
    ck_assert_uint_eq(fwrite(d, 1, caplen, c->f), caplen);
}

static void cap_close(cap *c) { ck_assert_int_eq(fclose(c->f), 0); }

typedef struct pk {
    int v6;
    const char *src, *dst;
    uint16_t sport, dport;
    uint8_t flags;
    size_t plen;
    const uint8_t *smac, *dmac;
    int udp;
} pk;

/* Ethernet frame of p; with raw, the IP packet only. */
static size_t mk(const pk *p, uint8_t *out, size_t outcap, int raw)
{
    pkt_spec s;
    memset(&s, 0, sizeof s);
    s.ipv6 = p->v6;
    inet_pton(p->v6 ? AF_INET6 : AF_INET, p->src, s.src);
    inet_pton(p->v6 ? AF_INET6 : AF_INET, p->dst, s.dst);
    s.proto = p->udp ? PKT_IPPROTO_UDP : PKT_IPPROTO_TCP;
    s.sport = p->sport;
    s.dport = p->dport;
    s.tcp_flags = p->flags ? p->flags : 0x10;
    s.seq = 1;
    s.ack = 1;
    s.window = 1000;
    memcpy(s.src_mac, p->smac ? p->smac : mac_r, 6);
    memcpy(s.dst_mac, p->dmac ? p->dmac : mac_a, 6);
    uint8_t pl[2000];
    memset(pl, 0x5a, sizeof pl);
    int n = pkt_build(&s, pl, p->plen, out, outcap);
    ck_assert_int_gt(n, 0);
    if (raw) {
        size_t ipn = (size_t)n - 14;
        memmove(out, out + 14, ipn);
        return ipn;
    }
    return (size_t)n;
}

static void cfg_path(ns_config *c, const char *path)
{
    static char p[1024];
    ns_config_defaults(c);
    ns_config_finalize(c);
    snprintf(p, sizeof p, "%s", path);
    c->trace_path = p;
}

/* Collected warning lines. */
typedef struct lines {
    char v[16][1024];
    int n;
} lines;

static void collect(void *ctx, const char *line)
{
    lines *l = ctx;
    ck_assert_int_lt(l->n, 16);
    ck_assert_ptr_null(strchr(line, '\n'));
    snprintf(l->v[l->n++], sizeof l->v[0], "%s", line);
}

/* The one line containing all of a, b (b may be NULL); fails if none or several. */
static const char *find_line(const lines *l, const char *a, const char *b)
{
    const char *hit = NULL;
    for (int i = 0; i < l->n; i++) {
        if (strstr(l->v[i], a) && (!b || strstr(l->v[i], b))) {
            ck_assert_msg(hit == NULL, "two lines match '%s'", a);
            hit = l->v[i];
        }
    }
    ck_assert_msg(hit != NULL, "no line has '%s' / '%s' (%d lines, first '%s')", a, b ? b : "",
                  l->n, l->n ? l->v[0] : "");
    return hit;
}

static void warnings_of(const rp_replay *r, lines *l)
{
    memset(l, 0, sizeof *l);
    ck_assert_int_eq(rp_warnings(r, collect, l), l->n);
}

/* Records farther apart than the simulated-time limit: one clear error at open naming the
 * file, never a wrapped arrival time; exact up to the limit; loops and slow fixed rates are
 * checked too. */
START_TEST(time_limit)
{
    tmp_setup();
    uint8_t fr[256];
    pk p = { 0, "10.0.0.1", "10.0.0.2", 1000, 80, 0, 100, NULL, NULL, 0 };
    size_t n = mk(&p, fr, sizeof fr, 0);
    const uint64_t day_ns = 86400ull * 1000000000ull;
    cap c;
    cap_open(&c, "far.pcap", 1);
    cap_rec(&c, 1000 * 1000000000ull, fr, (uint32_t)n, (uint32_t)n);
    cap_rec(&c, 1000 * 1000000000ull + 214 * day_ns, fr, (uint32_t)n, (uint32_t)n);
    cap_close(&c);
    ns_config cf;
    cfg_path(&cf, c.path);
    rp_replay *r = NULL;
    char err[512];
    ck_assert_int_lt(rp_open(&r, &cf, err, sizeof err), 0);
    ck_assert_ptr_null(r);
    ck_assert_ptr_nonnull(strstr(err, c.path));
    ck_assert_ptr_nonnull(strstr(err, "record 2"));
    ck_assert_ptr_nonnull(strstr(err, "simulated-time limit"));
    /* a faster multiplier or topspeed fits */
    cf.multiplier = 4.0;
    r = open_ok(&cf);
    fed *f = calloc(1, sizeof *f);
    drain(r, f);
    ck_assert_int_eq(f->n, 2);
    ck_assert_uint_eq(f->start[1], 214 * day_ns / 4 * 1000);
    ck_assert_uint_le(f->end[1], RP_TIME_LIMIT_PS);
    rp_close(r);
    cfg_path(&cf, c.path);
    cf.timing = NS_TIMING_TOPSPEED;
    r = open_ok(&cf);
    rp_close(r);

    /* 100 days: below the limit (2^63 ps = 106.75 days), replayed exactly */
    cap_open(&c, "100d.pcap", 1);
    cap_rec(&c, 5 * 1000000000ull, fr, (uint32_t)n, (uint32_t)n);
    cap_rec(&c, 5 * 1000000000ull + 100 * day_ns + 1, fr, (uint32_t)n, (uint32_t)n);
    cap_close(&c);
    cfg_path(&cf, c.path);
    r = open_ok(&cf);
    drain(r, f);
    ck_assert_int_eq(f->n, 2);
    ck_assert_uint_eq(f->start[1], (100 * day_ns + 1) * 1000);
    rp_close(r);
    /* ... but not twice */
    cf.loop = 2;
    ck_assert_int_lt(rp_open(&r, &cf, err, sizeof err), 0);
    ck_assert_ptr_nonnull(strstr(err, "replay.loop = 2"));
    ck_assert_ptr_nonnull(strstr(err, c.path));
    /* a fixed rate so slow that the second frame would come after the limit */
    cfg_path(&cf, c.path);
    cf.pps = 1e-8; /* below replay.pps's range: refused before any pacing arithmetic */
    ck_assert_int_lt(rp_open(&r, &cf, err, sizeof err), 0);
    ck_assert_ptr_nonnull(strstr(err, "replay.pps 1e-08 is out of range"));
    cfg_path(&cf, c.path);
    cf.mbps = 1e-12;
    ck_assert_int_lt(rp_open(&r, &cf, err, sizeof err), 0);
    free(f);
}
END_TEST

static void loopback_capture(cap *c, const char *name, int v6, int with_syn)
{
    const char *a = v6 ? "::1" : "127.0.0.1";
    uint8_t fr[2048];
    size_t n;
    cap_open(c, name, 1);
    uint64_t t = 1000000000ull;
    pk cli = { v6, a, a, 40000, 5201, 0, 0, mac_zero, mac_zero, 0 };
    pk srv = { v6, a, a, 5201, 40000, 0, 0, mac_zero, mac_zero, 0 };
    if (with_syn) {
        cli.flags = 0x02;
        n = mk(&cli, fr, sizeof fr, 0);
        cap_rec(c, t += 1000, fr, (uint32_t)n, (uint32_t)n);
        srv.flags = 0x12;
        n = mk(&srv, fr, sizeof fr, 0);
        cap_rec(c, t += 1000, fr, (uint32_t)n, (uint32_t)n);
    }
    for (int i = 0; i < 4; i++) {
        cli.flags = 0x18;
        cli.plen = 1000;
        n = mk(&cli, fr, sizeof fr, 0);
        cap_rec(c, t += 1000, fr, (uint32_t)n, (uint32_t)n);
        srv.flags = 0x10;
        n = mk(&srv, fr, sizeof fr, 0);
        cap_rec(c, t += 1000, fr, (uint32_t)n, (uint32_t)n);
    }
    cap_close(c);
}

/* Loopback: both ends are 127.0.0.1 (or ::1). auto takes the side that accepted the
 * connection; host = ADDR:PORT names a side. */
START_TEST(loopback_server_side)
{
    tmp_setup();
    cap c;
    fed *f = calloc(1, sizeof *f);
    static const char *const want[4] = { "127.0.0.1:5201", "[::1]:5201", "127.0.0.1:5201",
                                         "[::1]:5201" };
    for (int k = 0; k < 4; k++) {
        loopback_capture(&c, "lo.pcap", k & 1, k < 2);
        ns_config cf;
        cfg_path(&cf, c.path);
        rp_replay *r = open_ok(&cf);
        ck_assert_str_eq(rp_host_desc(r), want[k]);
        ns_addr h[4];
        ck_assert_int_eq(rp_hosts(r, h, 4), 1);
        ck_assert_int_eq(h[0].port, 5201);
        drain(r, f);
        ck_assert_int_eq(f->n, k < 2 ? 5 : 4);           /* SYN + data to the server */
        ck_assert_uint_eq(rp_from_host(r), k < 2 ? 5 : 4); /* SYN-ACK + ACKs */
        ck_assert_uint_eq(rp_not_for_host(r), 0);
        lines l;
        warnings_of(r, &l);
        ck_assert_int_eq(l.n, 0);
        rp_close(r);
    }
    /* other loopback traffic to the same address (a local resolver answering) does not
     * change the pick; it is not for the chosen side */
    {
        cap_open(&c, "lo2.pcap", 1);
        uint8_t fr[2048];
        uint64_t t = 1000000000ull;
        pk dns = { 0, "127.0.0.53", "127.0.0.1", 53, 45000, 0, 120, mac_zero, mac_zero, 1 };
        size_t n = mk(&dns, fr, sizeof fr, 0);
        for (int i = 0; i < 3; i++)
            cap_rec(&c, t += 1000, fr, (uint32_t)n, (uint32_t)n);
        pk cl = { 0, "127.0.0.1", "127.0.0.1", 40000, 5201, 0x02, 0, mac_zero, mac_zero, 0 };
        n = mk(&cl, fr, sizeof fr, 0);
        cap_rec(&c, t += 1000, fr, (uint32_t)n, (uint32_t)n);
        cl.flags = 0x18;
        cl.plen = 1000;
        n = mk(&cl, fr, sizeof fr, 0);
        cap_rec(&c, t += 1000, fr, (uint32_t)n, (uint32_t)n);
        cap_close(&c);
        ns_config cf;
        cfg_path(&cf, c.path);
        rp_replay *r = open_ok(&cf);
        ck_assert_str_eq(rp_host_desc(r), "127.0.0.1:5201");
        drain(r, f);
        ck_assert_int_eq(f->n, 2);
        ck_assert_uint_eq(rp_not_for_host(r), 3);
        rp_close(r);
    }
    /* the client side, by hand */
    loopback_capture(&c, "lo.pcap", 0, 1);
    ns_config cf;
    cfg_path(&cf, c.path);
    cf.host_mode = NS_HOST_LIST;
    cf.host_count = 1;
    cf.hosts[0].family = 4;
    inet_pton(AF_INET, "127.0.0.1", cf.hosts[0].a);
    cf.hosts[0].port = 40000;
    rp_replay *r = open_ok(&cf);
    ck_assert_str_eq(rp_host_desc(r), "127.0.0.1:40000");
    drain(r, f);
    ck_assert_int_eq(f->n, 5);
    ck_assert_uint_eq(rp_from_host(r), 5);
    rp_close(r);
    /* the address alone: everything is from the host; nothing reaches the NIC, and the
     * warning says why */
    cf.hosts[0].port = 0;
    r = open_ok(&cf);
    ck_assert_uint_eq(rp_total_frames(r), 0);
    lines l;
    warnings_of(r, &l);
    const char *w = find_line(&l, "nothing reaches the NIC", "10 were sent by the host (127.0.0.1)");
    ck_assert_ptr_nonnull(strstr(w, c.path));
    rp_close(r);
    free(f);
}
END_TEST

/* Dual stack: the host's IPv4 and IPv6 addresses share its MAC; both are picked. Without
 * MACs (raw IP) only the busiest address is. */
START_TEST(dual_stack)
{
    tmp_setup();
    fed *f = calloc(1, sizeof *f);
    for (int raw = 0; raw < 2; raw++) {
        cap c;
        cap_open(&c, "ds.pcap", raw ? 101 : 1);
        uint8_t fr[2048];
        size_t n;
        uint64_t t = 1000000000ull;
        /* host A: 10.0.0.2 and 2001:db8::2, MAC a; host B: 10.0.0.3, MAC b */
        pk v4 = { 0, "10.0.0.1", "10.0.0.2", 1000, 80, 0x18, 1400, mac_r, mac_a, 0 };
        pk v6 = { 1, "2001:db8::1", "2001:db8::2", 1000, 80, 0x18, 500, mac_r, mac_a, 0 };
        pk b4 = { 0, "10.0.0.1", "10.0.0.3", 1000, 80, 0x18, 100, mac_r, mac_b, 0 };
        pk back = { 0, "10.0.0.2", "10.0.0.1", 80, 1000, 0x10, 0, mac_a, mac_r, 0 };
        pk back6 = { 1, "2001:db8::2", "2001:db8::1", 80, 1000, 0x10, 0, mac_a, mac_r, 0 };
        const pk *seq[] = { &v4, &back, &v6, &back6, &b4, &v4, &v6 };
        for (size_t i = 0; i < sizeof seq / sizeof seq[0]; i++) {
            n = mk(seq[i], fr, sizeof fr, raw);
            cap_rec(&c, t += 1000, fr, (uint32_t)n, (uint32_t)n);
        }
        cap_close(&c);
        ns_config cf;
        cfg_path(&cf, c.path);
        rp_replay *r = open_ok(&cf);
        drain(r, f);
        ns_addr h[4];
        if (!raw) {
            ck_assert_str_eq(rp_host_desc(r), "10.0.0.2,2001:db8::2");
            ck_assert_int_eq(rp_hosts(r, h, 4), 2);
            ck_assert_int_eq(f->n, 4);
            ck_assert_uint_eq(rp_not_for_host(r), 1);
        } else {
            ck_assert_str_eq(rp_host_desc(r), "10.0.0.2");
            ck_assert_int_eq(rp_hosts(r, h, 4), 1);
            ck_assert_int_eq(f->n, 2);
            ck_assert_uint_eq(rp_not_for_host(r), 4);
        }
        rp_close(r);
    }
    free(f);
}
END_TEST

/* The shipped dual-stack captures: the host's IPv6 traffic is no longer dropped. */
START_TEST(dual_stack_shipped)
{
    ns_config c;
    cfg_for(&c, "mixed-v6.pcapng");
    rp_replay *r = open_ok(&c);
    ns_addr h[NS_MAX_HOSTS];
    int nh = rp_hosts(r, h, NS_MAX_HOSTS);
    int v4 = 0, v6 = 0;
    for (int i = 0; i < nh; i++) {
        v4 += h[i].family == 4;
        v6 += h[i].family == 6;
    }
    ck_assert_int_ge(v4, 1);
    ck_assert_int_ge(v6, 1);
    rp_close(r);
    cfg_for(&c, "sll-gro.pcap");
    r = open_ok(&c);
    nh = rp_hosts(r, h, NS_MAX_HOSTS);
    ck_assert_int_ge(nh, 2);
    rp_close(r);
}
END_TEST

/* One warning line per condition, each naming the file and the count. */
START_TEST(warnings_lines)
{
    tmp_setup();
    uint8_t fr[2048];
    size_t n;
    cap c;
    cap_open(&c, "w.pcap", 1);
    pk d = { 0, "10.0.0.1", "10.0.0.2", 1000, 80, 0x18, 600, mac_r, mac_a, 0 };
    n = mk(&d, fr, sizeof fr, 0);
    /* a partial checksum: the folded pseudo-header sum, as Linux leaves it */
    uint8_t part[2048];
    memcpy(part, fr, n);
    uint32_t ps = pkt_csum_pseudo(part + 26, part + 30, 4, 6, (uint32_t)(n - 34));
    pkt_put16(part + 34 + 16, pkt_csum_fold(ps));
    cap_rec(&c, 5000, part, (uint32_t)n, (uint32_t)n);
    cap_rec(&c, 4000, fr, (uint32_t)n, (uint32_t)n);          /* backwards */
    cap_rec(&c, 6000, part, (uint32_t)n, (uint32_t)n);
    cap_rec(&c, 7000, fr, 100, (uint32_t)n);                   /* truncated */
    pk u = { 0, "10.0.0.1", "10.0.0.2", 1000, 53, 0, 1400, mac_r, mac_a, 1 };
    uint8_t big[4096];
    memset(big, 0, sizeof big);
    n = mk(&u, big, sizeof big, 0);
    pkt_put16(big + 16, 3000 - 14);                             /* oversize UDP */
    cap_rec(&c, 8000, big, 3000, 3000);
    cap_close(&c);
    /* and cut short in the middle of a last record */
    FILE *fa = fopen(c.path, "ab");
    ck_assert_ptr_nonnull(fa);
    uint8_t half[20] = { 0 };
    half[8] = 200;
    half[12] = 200;
    ck_assert_uint_eq(fwrite(half, 1, sizeof half, fa), sizeof half);
    fclose(fa);

    ns_config cf;
    cfg_path(&cf, c.path);
    cf.mbps = 20000; /* above the 10 Gb/s link */
    rp_replay *r = open_ok(&cf);
    lines l;
    warnings_of(r, &l);
    find_line(&l, c.path, "2 records had partial (transmit-offload) checksums; repaired "
                          "(replay.fix_checksums = off keeps them)");
    find_line(&l, c.path, "1 record has a timestamp before the previous record's");
    find_line(&l, c.path, "1 record was truncated in the capture");
    find_line(&l, c.path, "1 oversize record dropped");
    find_line(&l, c.path, "the capture ends inside record 6");
    find_line(&l, c.path, "replay.mbps = 20000 is above the link rate (10 Gb/s)");
    ck_assert_int_eq(l.n, 6);
    ck_assert_int_eq(rp_warnings(r, NULL, NULL), 6);
    fed *f = calloc(1, sizeof *f);
    drain(r, f);
    ck_assert_int_eq(f->n, 4);
    rp_close(r);

    cf.mbps = 0;
    cf.fix_checksums = NS_FIX_CSUM_OFF;
    cf.pps = 1e9; /* far above what 10 Gb/s carries */
    r = open_ok(&cf);
    warnings_of(r, &l);
    find_line(&l, c.path, "2 records have partial (transmit-offload) checksums, kept as captured");
    find_line(&l, c.path, "replay.pps = 1e+09 is above the link's packet rate");
    rp_close(r);

    /* a header-only file */
    cap_open(&c, "empty.pcap", 1);
    cap_close(&c);
    cfg_path(&cf, c.path);
    r = open_ok(&cf);
    ck_assert_uint_eq(rp_total_frames(r), 0);
    warnings_of(r, &l);
    ck_assert_int_eq(l.n, 1);
    find_line(&l, c.path, "nothing reaches the NIC: the capture holds no records (header only)");
    rp_close(r);

    /* quiet on the shipped quickstart */
    cfg_for(&cf, "quickstart.pcap");
    r = open_ok(&cf);
    ck_assert_int_eq(rp_warnings(r, collect, &l), 0);
    rp_close(r);
    free(f);
}
END_TEST

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: test_replay SOURCE_DIR\n");
        return 2;
    }
    g_src = argv[1];
    Suite *s = suite_create("replay");
    TCase *tc = tcase_create("replay");
    tcase_add_test(tc, wire_time_matches_rfc5180);
    tcase_add_test(tc, auto_host_picks_bulk_receiver);
    tcase_add_test(tc, host_list_and_any);
    tcase_add_test(tc, recorded_timing_follows_capture_and_never_beats_wire);
    tcase_add_test(tc, topspeed_is_back_to_back);
    tcase_add_test(tc, fixed_rates);
    tcase_add_test(tc, loops_continue_after_the_previous_pass);
    tcase_add_test(tc, loop_passes_are_new_traffic);
    tcase_add_test(tc, peer_window_from_host_frames);
    tcase_add_test(tc, open_errors_name_the_file);
    tcase_add_test(tc, time_limit);
    tcase_add_test(tc, loopback_server_side);
    tcase_add_test(tc, dual_stack);
    tcase_add_test(tc, dual_stack_shipped);
    tcase_add_test(tc, warnings_lines);
    tcase_add_test(tc, pacing_settings_out_of_range);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
