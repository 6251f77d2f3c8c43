/* Calibration: times this stack's own per-packet and per-byte functions on the machine it
 * runs on (hs_rx on synthetic frames, memcpy and checksum loops), takes the median of
 * repeated runs and converts nanoseconds to cycles at the measured or given clock.
 * Interrupt, driver-bus and application costs cannot be measured here: they come from a
 * base profile. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#if defined(__x86_64__) || defined(__i386__)
#include <x86intrin.h>
#define HS_HAVE_TSC 1
#endif

#include "hs_internal.h"
#include "inet.h"
#include "rss.h"

#define CAL_MAX_RUNS 101
#define CAL_PAYLOAD 1460
#define CAL_COLD_BYTES (32u << 20) /* larger than the last-level caches it is meant for */

static uint64_t cal_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int cal_cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double cal_median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cal_cmp);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* Defeats dead-code elimination of measured work without global state. */
static void cal_sink(volatile uint32_t *sink, uint32_t v) { *sink ^= v; }

static double cal_measure_mhz(void)
{
#ifdef HS_HAVE_TSC
    double r[5];
    for (int i = 0; i < 5; i++) {
        uint64_t t0 = cal_now_ns();
        uint64_t c0 = __rdtsc();
        while (cal_now_ns() - t0 < 10000000ull)
            ;
        uint64_t t1 = cal_now_ns();
        uint64_t c1 = __rdtsc();
        r[i] = (double)(c1 - c0) * 1000.0 / (double)(t1 - t0);
    }
    return cal_median(r, 5);
#else
    FILE *f = fopen("/proc/cpuinfo", "r");
    double mhz = 0;
    if (f) {
        char line[256];
        while (fgets(line, sizeof line, f))
            if (sscanf(line, "cpu MHz : %lf", &mhz) == 1 || sscanf(line, "cpu MHz\t: %lf", &mhz) == 1)
                break;
        fclose(f);
    }
    return mhz;
#endif
}

void hs_calib_defaults(hs_calib_opts *o)
{
    memset(o, 0, sizeof *o);
    o->runs = 15;
    o->name = "calibrated";
}

/* ---- synthetic traffic ---- */
typedef struct cal_ctx {
    hs_cost cost;
    uint8_t *frames;       /* n frames of up to 1600 bytes */
    uint32_t *flen;
    int n;
    uint32_t acks;         /* frames the stack transmitted */
} cal_ctx;

#define CAL_FRAME_CAP 1600

static uint64_t cal_tx(void *user, int cpu, const uint8_t *frame, uint32_t len)
{
    (void)cpu;
    (void)frame;
    (void)len;
    ((cal_ctx *)user)->acks++;
    return 0;
}

static void cal_spec(hs_pkt_spec *p, uint16_t sport, uint32_t seq, uint8_t flags)
{
    memset(p, 0, sizeof *p);
    const uint8_t src[4] = {10, 0, 0, 1}, dst[4] = {10, 0, 0, 2};
    memcpy(p->src, src, 4);
    memcpy(p->dst, dst, 4);
    p->proto = HS_IPPROTO_TCP;
    p->sport = sport;
    p->dport = 445;
    p->seq = seq;
    p->ack = 1;
    p->tcp_flags = flags;
    p->window = 65535;
    const uint8_t m1[6] = {2, 0, 0, 0, 0, 1}, m2[6] = {2, 0, 0, 0, 0, 2};
    memcpy(p->src_mac, m1, 6);
    memcpy(p->dst_mac, m2, 6);
}

static int cal_stack(hs_stack **s, cal_ctx *cx, char *err, size_t errlen)
{
    hs_config cfg;
    hs_config_defaults(&cfg);
    cfg.recv_buffer_bytes = 65536;
    cfg.posted_buffers = 4;
    cfg.app_cycles_per_byte = 0;
    cx->acks = 0;
    return hs_create(s, &cfg, &cx->cost, cal_tx, cx, err, errlen);
}

/* Feeds frames [from, to) with the given NIC verdict; returns elapsed ns. */
static uint64_t cal_feed(hs_stack *s, cal_ctx *cx, int from, int to, uint8_t csum)
{
    uint64_t t0 = cal_now_ns();
    for (int i = from; i < to; i++) {
        hs_rx_frame f = {cx->frames + (size_t)i * CAL_FRAME_CAP, cx->flen[i], 0, 0, csum, 0, 0};
        hs_rx(s, &f, 1000);
    }
    return cal_now_ns() - t0;
}

static void cal_build(cal_ctx *cx, int i, const hs_pkt_spec *p, const uint8_t *pl, size_t plen)
{
    int n = hs_pkt_build(p, pl, plen, cx->frames + (size_t)i * CAL_FRAME_CAP, CAL_FRAME_CAP);
    cx->flen[i] = n > 0 ? (uint32_t)n : 0;
}

/* Per-frame ns of: in-order 1460-byte data, pure ACKs, frames for another host, new
 * connections, out-of-order/fill pairs, UDP datagrams; all with trusted checksums. */
typedef struct cal_pkt {
    double in_order, pure_ack, not_host, new_conn, ooo_pair, udp, timer;
} cal_pkt;

static int cal_packets(cal_ctx *cx, int batch, cal_pkt *out, char *err, size_t errlen)
{
    hs_stack *s = NULL;
    int rc = cal_stack(&s, cx, err, errlen);
    if (rc)
        return rc;
    uint8_t payload[CAL_PAYLOAD];
    for (int i = 0; i < CAL_PAYLOAD; i++)
        payload[i] = (uint8_t)(i * 7 + 3);
    hs_pkt_spec p;
    uint32_t seq = 1000;

    /* warm-up: the connection exists and its application buffers (4 x 64 KiB) have been
       written once, so first-touch page faults are not measured */
    for (int round = 0; round < 2; round++) {
        for (int i = 0; i < batch; i++) {
            cal_spec(&p, 5000, seq, 0x10);
            cal_build(cx, i, &p, payload, CAL_PAYLOAD);
            seq += CAL_PAYLOAD;
        }
        cal_feed(s, cx, 0, batch, HS_CSUM_OK);
    }

    /* in-order data */
    for (int i = 0; i < batch; i++) {
        cal_spec(&p, 5000, seq, 0x10);
        cal_build(cx, i, &p, payload, CAL_PAYLOAD);
        seq += CAL_PAYLOAD;
    }
    out->in_order = (double)cal_feed(s, cx, 0, batch, HS_CSUM_OK) / batch;

    /* pure ACKs on the same connection */
    for (int i = 0; i < batch; i++) {
        cal_spec(&p, 5000, seq, 0x10);
        cal_build(cx, i, &p, NULL, 0);
    }
    out->pure_ack = (double)cal_feed(s, cx, 0, batch, HS_CSUM_OK) / batch;

    /* out of order then the fill: seg k+1 first, then seg k */
    for (int i = 0; i + 1 < batch; i += 2) {
        cal_spec(&p, 5000, seq + CAL_PAYLOAD, 0x10);
        cal_build(cx, i, &p, payload, CAL_PAYLOAD);
        cal_spec(&p, 5000, seq, 0x10);
        cal_build(cx, i + 1, &p, payload, CAL_PAYLOAD);
        seq += 2 * CAL_PAYLOAD;
    }
    int pairs = batch / 2;
    out->ooo_pair = (double)cal_feed(s, cx, 0, pairs * 2, HS_CSUM_OK) / pairs;

    /* new connections (picked up mid-stream by a pure ACK each) */
    for (int i = 0; i < batch; i++) {
        cal_spec(&p, (uint16_t)(10000 + i), 77, 0x10);
        cal_build(cx, i, &p, NULL, 0);
    }
    out->new_conn = (double)cal_feed(s, cx, 0, batch, HS_CSUM_OK) / batch;

    /* delayed-ACK timers: one small in-order segment on each of those connections */
    for (int i = 0; i < batch; i++) {
        cal_spec(&p, (uint16_t)(10000 + i), 77, 0x10);
        cal_build(cx, i, &p, payload, 10);
    }
    cal_feed(s, cx, 0, batch, HS_CSUM_OK);
    uint64_t t0 = cal_now_ns();
    hs_timer(s, 0, UINT64_MAX / 2);
    out->timer = (double)(cal_now_ns() - t0) / batch;

    /* frames for another host */
    hs_stack *s2 = NULL;
    hs_config cfg;
    hs_config_defaults(&cfg);
    cfg.host_count = 1;
    cfg.hosts[0].family = 4;
    cfg.hosts[0].a[0] = 192;
    rc = hs_create(&s2, &cfg, &cx->cost, cal_tx, cx, err, errlen);
    if (rc)
        goto out;
    for (int i = 0; i < batch; i++) {
        cal_spec(&p, 5000, seq, 0x10);
        cal_build(cx, i, &p, payload, 64);
    }
    out->not_host = (double)cal_feed(s2, cx, 0, batch, HS_CSUM_OK) / batch;

    /* UDP datagrams of 64 bytes */
    for (int i = 0; i < batch; i++) {
        cal_spec(&p, 5000, 0, 0);
        p.proto = HS_IPPROTO_UDP;
        cal_build(cx, i, &p, payload, 64);
    }
    hs_close(s2, NULL, 0);
    s2 = NULL;
    cfg.host_count = 0;
    rc = hs_create(&s2, &cfg, &cx->cost, cal_tx, cx, err, errlen);
    if (rc)
        goto out;
    out->udp = (double)cal_feed(s2, cx, 0, batch, HS_CSUM_OK) / batch;
out:
    hs_close(s2, NULL, 0);
    hs_close(s, NULL, 0);
    return rc;
}

int hs_calibrate(hs_cost *out, const hs_calib_opts *o, char *err, size_t errlen)
{
    hs_calib_opts def;
    if (!o) {
        hs_calib_defaults(&def);
        o = &def;
    }
    int runs = o->runs > 0 ? o->runs : 15;
    if (runs > CAL_MAX_RUNS)
        runs = CAL_MAX_RUNS;
    int rc = 0;
    cal_ctx cx;
    memset(&cx, 0, sizeof cx);
    uint8_t *cold = NULL, *dst = NULL;

    if (o->base) {
        cx.cost = *o->base;
    } else {
        rc = hs_cost_builtin(&cx.cost, "modern", err, errlen);
        if (rc)
            return rc;
    }
    double mhz = o->mhz > 0 ? o->mhz : cal_measure_mhz();
    if (!(mhz >= 1))
        return hs_errf(err, errlen, HS_ETIME,
                       "calibrate: cannot measure the CPU clock here; give the MHz explicitly");
    if (mhz > HS_COST_MHZ_MAX)
        return hs_errf(err, errlen, HS_EINVAL, "calibrate: %.0f MHz is out of range (expected "
                       "%.0f..%.0f)", mhz, HS_COST_MHZ_MIN, HS_COST_MHZ_MAX);

    const int batch = 256;
    cx.n = batch;
    cx.frames = malloc((size_t)batch * CAL_FRAME_CAP);
    cx.flen = calloc((size_t)batch, sizeof *cx.flen);
    cold = malloc(CAL_COLD_BYTES);
    dst = malloc(65536 + 4096);
    if (!cx.frames || !cx.flen || !cold || !dst) {
        rc = hs_errf(err, errlen, HS_ENOMEM, "calibrate: out of memory");
        goto out;
    }
    for (size_t i = 0; i < CAL_COLD_BYTES; i++)
        cold[i] = (uint8_t)(i * 131 + (i >> 9));
    memset(dst, 0, 65536 + 4096);

    double r_cw[CAL_MAX_RUNS], r_cc[CAL_MAX_RUNS], r_ck[CAL_MAX_RUNS], r_ckp[CAL_MAX_RUNS];
    double r_hash[CAL_MAX_RUNS], r_look[CAL_MAX_RUNS], r_ack[CAL_MAX_RUNS];
    double r_in[CAL_MAX_RUNS], r_pa[CAL_MAX_RUNS], r_nh[CAL_MAX_RUNS], r_nc[CAL_MAX_RUNS];
    double r_oo[CAL_MAX_RUNS], r_udp[CAL_MAX_RUNS], r_tm[CAL_MAX_RUNS];
    volatile uint32_t sink = 0;
    size_t cold_off = 0;

    for (int r = 0; r < runs; r++) {
        /* copy, warm: 1460-byte copies within a 64 KiB source that stays in cache */
        {
            const int reps = 2048;
            uint8_t *src = cold; /* first 64 KiB, touched every iteration -> cached */
            for (int i = 0; i < 64; i++)
                memcpy(dst + (size_t)(i % 44) * CAL_PAYLOAD, src + (size_t)(i % 44) * CAL_PAYLOAD, CAL_PAYLOAD);
            uint64_t t0 = cal_now_ns();
            for (int i = 0; i < reps; i++) {
                size_t k = (size_t)(i % 44) * CAL_PAYLOAD;
                memcpy(dst + k, src + k, CAL_PAYLOAD);
                cal_sink(&sink, dst[k + (size_t)(i & 1023)]);
            }
            r_cw[r] = (double)(cal_now_ns() - t0) / ((double)reps * CAL_PAYLOAD);
        }
        /* copy, cold: walk the large buffer, never the same line twice in a run */
        {
            const int reps = 2048;
            uint64_t t0 = cal_now_ns();
            for (int i = 0; i < reps; i++) {
                if (cold_off + 2 * CAL_PAYLOAD > CAL_COLD_BYTES)
                    cold_off = 65536;
                memcpy(dst + (size_t)(i % 44) * CAL_PAYLOAD, cold + cold_off, CAL_PAYLOAD);
                cold_off += CAL_PAYLOAD + 64;
                cal_sink(&sink, dst[(size_t)(i % 44) * CAL_PAYLOAD]);
            }
            r_cc[r] = (double)(cal_now_ns() - t0) / ((double)reps * CAL_PAYLOAD);
        }
        /* checksum of received data (not in cache: no DDIO assumed) */
        {
            const int reps = 2048;
            uint64_t t0 = cal_now_ns();
            for (int i = 0; i < reps; i++) {
                if (cold_off + 2 * CAL_PAYLOAD > CAL_COLD_BYTES)
                    cold_off = 65536;
                cal_sink(&sink, hs_csum_fold(hs_csum_add(0, cold + cold_off, CAL_PAYLOAD + 20)));
                cold_off += CAL_PAYLOAD + 64;
            }
            r_ck[r] = (double)(cal_now_ns() - t0) / ((double)reps * (CAL_PAYLOAD + 20));
        }
        /* checksum setup: pseudo-header + fold on a 20-byte header */
        {
            const int reps = 20000;
            uint64_t t0 = cal_now_ns();
            for (int i = 0; i < reps; i++) {
                uint32_t sum = hs_csum_pseudo(cold + (i & 255), cold + 4 + (i & 255), 4, 6, 1480);
                cal_sink(&sink, hs_csum_fold(hs_csum_add(sum, cold + 64 + (i & 255), 20)));
            }
            r_ckp[r] = (double)(cal_now_ns() - t0) / reps;
        }
        /* software Toeplitz of a 12-byte tuple */
        {
            const int reps = 20000;
            uint8_t in[12];
            memcpy(in, cold + 128, 12);
            uint64_t t0 = cal_now_ns();
            for (int i = 0; i < reps; i++) {
                in[11] = (uint8_t)i;
                cal_sink(&sink, rss_toeplitz(rss_default_key, in, 12));
            }
            r_hash[r] = (double)(cal_now_ns() - t0) / reps;
        }
        /* building an ACK frame */
        {
            const int reps = 20000;
            hs_pkt_spec p;
            cal_spec(&p, 445, 1, 0x10);
            uint8_t fr[128];
            uint64_t t0 = cal_now_ns();
            for (int i = 0; i < reps; i++) {
                p.ack = (uint32_t)i;
                cal_sink(&sink, (uint32_t)hs_pkt_build(&p, NULL, 0, fr, sizeof fr) + fr[50]);
            }
            r_ack[r] = (double)(cal_now_ns() - t0) / reps;
        }
        /* the stack's receive path */
        cal_pkt pk;
        rc = cal_packets(&cx, batch, &pk, err, errlen);
        if (rc)
            goto out;
        r_in[r] = pk.in_order;
        r_pa[r] = pk.pure_ack;
        r_nh[r] = pk.not_host;
        r_nc[r] = pk.new_conn;
        r_oo[r] = pk.ooo_pair;
        r_udp[r] = pk.udp;
        r_tm[r] = pk.timer;
        /* lookups in a table of `batch` connections */
        {
            hs_stack *s = NULL;
            rc = cal_stack(&s, &cx, err, errlen);
            if (rc)
                goto out;
            hs_pkt_spec p;
            for (int i = 0; i < batch; i++) {
                cal_spec(&p, (uint16_t)(20000 + i), 5, 0x10);
                cal_build(&cx, i, &p, NULL, 0);
            }
            cal_feed(s, &cx, 0, batch, HS_CSUM_OK);
            hs_conn_id k[64];
            uint32_t h[64];
            for (int i = 0; i < 64; i++) {
                memset(&k[i], 0, sizeof k[i]);
                k[i].family = 4;
                k[i].src[0] = 10; k[i].src[3] = 1;
                k[i].dst[0] = 10; k[i].dst[3] = 2;
                k[i].sport = (uint16_t)(20000 + i * 3);
                k[i].dport = 445;
                h[i] = hs_calib_hash(s, &k[i]);
            }
            const int reps = 20000;
            uint64_t t0 = cal_now_ns();
            for (int i = 0; i < reps; i++)
                cal_sink(&sink, (uint32_t)hs_calib_lookup(s, &k[i & 63], h[i & 63]));
            r_look[r] = (double)(cal_now_ns() - t0) / reps;
            hs_close(s, NULL, 0);
        }
    }

    double ns_cw = cal_median(r_cw, runs), ns_cc = cal_median(r_cc, runs);
    double ns_ck = cal_median(r_ck, runs), ns_ckp = cal_median(r_ckp, runs);
    double ns_hash = cal_median(r_hash, runs), ns_look = cal_median(r_look, runs);
    double ns_ack = cal_median(r_ack, runs), ns_in = cal_median(r_in, runs);
    double ns_pa = cal_median(r_pa, runs), ns_nh = cal_median(r_nh, runs);
    double ns_nc = cal_median(r_nc, runs), ns_oo = cal_median(r_oo, runs);
    double ns_udp = cal_median(r_udp, runs), ns_tm = cal_median(r_tm, runs);

    /* Decompose the stack measurements (all in ns). */
    double ip_rx = ns_nh;
    double tcp_lookup = ns_pa - ip_rx;
    double tcp_rx = tcp_lookup - ns_look;
    double conn_create = ns_nc - ns_pa;
    /* in-order data also copies 1460 bytes (warm source) and builds an ACK every 2nd frame */
    double in_extra = ns_in - ns_pa - CAL_PAYLOAD * ns_cw - ns_ack / 2;
    if (in_extra > 0)
        tcp_rx += in_extra; /* data-path bookkeeping belongs to the segment processing */
    /* pair = two in-order-sized frames + holding one segment (malloc + copy) + two ACKs */
    double reasm = ns_oo - 2 * ns_in - ns_ack;
    double udp_rx = ns_udp - ip_rx - ns_look - 64 * ns_cw;
    double timer = ns_tm - ns_ack;
    double ck_pkt = ns_ckp - 20 * ns_ck;

    hs_cost c = cx.cost;
    double k = mhz / 1000.0; /* cycles per ns */
#define SETV(key, ns, what)                                                                   \
    do {                                                                                      \
        double v_ = (ns) * k;                                                                 \
        const char *kn_ = hs_cost_key_name(key);                                              \
        size_t kl_ = strlen(kn_);                                                             \
        int per_byte_ = kl_ > 5 && strcmp(kn_ + kl_ - 5, "_byte") == 0;                       \
        /* a difference of two timings can come out <= 0 in noise: keep a minimal cost */     \
        if (!(v_ > 0))                                                                        \
            v_ = 0;                                                                           \
        c.v[key] = per_byte_ ? fmax(round(v_ * 1000.0) / 1000.0, 0.001) : fmax(round(v_), 1); \
        snprintf(c.note[key], HS_COST_NOTE_MAX, "measured: %s (median of %d runs, %.0f MHz)",  \
                 what, runs, mhz);                                                            \
    } while (0)
    c.v[HS_C_CPU_MHZ] = round(mhz);
    snprintf(c.note[HS_C_CPU_MHZ], HS_COST_NOTE_MAX, "%s",
             o->mhz > 0 ? "given" : "measured: TSC rate against CLOCK_MONOTONIC (or /proc/cpuinfo)");
    SETV(HS_C_IP_RX, ip_rx, "hs_rx of frames for another host");
    SETV(HS_C_TCP_RX, tcp_rx, "hs_rx pure ACK + data bookkeeping - ip_rx - lookup");
    SETV(HS_C_UDP_RX, udp_rx, "hs_rx 64-byte UDP - ip_rx - lookup - copy");
    SETV(HS_C_HASH_SW, ns_hash, "rss_toeplitz on a 12-byte tuple");
    SETV(HS_C_LOOKUP, ns_look, "connection table lookup, 256 connections");
    SETV(HS_C_CONN_CREATE, conn_create, "hs_rx creating a connection - pure ACK");
    SETV(HS_C_REASM_SEG, reasm, "out-of-order + fill pair - 2 in-order - ACK");
    SETV(HS_C_ACK_BUILD, ns_ack, "hs_pkt_build of a pure ACK");
    SETV(HS_C_TIMER, timer, "delayed-ACK expiry - ACK build");
    SETV(HS_C_CHECKSUM_PKT, ck_pkt, "pseudo-header + fold - 20 bytes");
    SETV(HS_C_CHECKSUM_BYTE, ns_ck, "hs_csum_add over data not in cache");
    SETV(HS_C_COPY_COLD_BYTE, ns_cc, "1460-byte memcpy from a 32 MiB buffer");
    SETV(HS_C_COPY_WARM_BYTE, ns_cw, "1460-byte memcpy, cache-resident source");
    SETV(HS_C_COPY_BYTE, ns_cw, "as copy_warm_byte");
#undef SETV
    for (int key = 0; key < HS_COST_COUNT; key++) {
        int measured = strncmp(c.note[key], "measured", 8) == 0 || key == HS_C_CPU_MHZ;
        if (!measured) {
            char note[HS_COST_NOTE_MAX];
            snprintf(note, sizeof note, "from %s: %s", cx.cost.name, cx.cost.note[key]);
            memcpy(c.note[key], note, sizeof note);
        }
    }
    snprintf(c.name, sizeof c.name, "%s", o->name ? o->name : "calibrated");
    {
        char why[160];
        if (hs_cost_check(&c, why, sizeof why) != 0) {
            rc = hs_errf(err, errlen, HS_EINVAL, "calibrate: measured %.120s", why);
            goto out;
        }
    }
    *out = c;
    cal_sink(&sink, 0);
out:
    free(cx.frames);
    free(cx.flen);
    free(cold);
    free(dst);
    return rc;
}

int hs_calibrate_to_file(const char *out_path, double mhz, char *err, size_t errlen)
{
    hs_calib_opts o;
    hs_calib_defaults(&o);
    o.mhz = mhz;
    hs_cost c;
    int rc = hs_calibrate(&c, &o, err, errlen);
    if (rc)
        return rc;
    return hs_cost_save(&c, out_path, err, errlen);
}
