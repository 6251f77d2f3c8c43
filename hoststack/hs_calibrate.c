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
#include "rss.h"

#define CAL_MAX_RUNS HS_CALIB_MAX_RUNS
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
    o->runs = 61;
    o->min_runs = 9;
    o->max_seconds = 20;
    o->stable_pct = 2;
    o->max_spread_pct = HS_CALIB_MAX_SPREAD_PCT;
    o->name = "calibrated";
}

const char *hs_calib_stop_name(int stop)
{
    switch (stop) {
    case HS_CALIB_STABLE:
        return "stable";
    case HS_CALIB_RUN_LIMIT:
        return "run limit";
    case HS_CALIB_TIME_LIMIT:
        return "time limit";
    default:
        return "?";
    }
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
#define CAL_FRAME_BLOCKS_MAX 64
#define CAL_SUB 8 /* timed blocks per micro-benchmark */

static uint64_t cal_tx(void *user, int cpu, const uint8_t *frame, uint32_t len)
{
    (void)cpu;
    (void)frame;
    (void)len;
    ((cal_ctx *)user)->acks++;
    return 0;
}

static void cal_spec(pkt_spec *p, uint16_t sport, uint32_t seq, uint8_t flags)
{
    memset(p, 0, sizeof *p);
    const uint8_t src[4] = {10, 0, 0, 1}, dst[4] = {10, 0, 0, 2};
    memcpy(p->src, src, 4);
    memcpy(p->dst, dst, 4);
    p->proto = PKT_IPPROTO_TCP;
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

/* Feeds frames [from, to) with the given NIC verdict, timing blocks of CAL_BLOCK frames;
 * returns the elapsed ns as if every block took the median block's time, so that a block the
 * scheduler interrupted (a busy machine) does not move the result. */
#define CAL_BLOCK 32
static uint64_t cal_feed(hs_stack *s, cal_ctx *cx, int from, int to, uint8_t csum)
{
    double bt[CAL_FRAME_BLOCKS_MAX];
    int nb = 0;
    for (int b = from; b < to; b += CAL_BLOCK) {
        int e = b + CAL_BLOCK < to ? b + CAL_BLOCK : to;
        uint64_t t0 = cal_now_ns();
        for (int i = b; i < e; i++) {
            hs_rx_frame f = {cx->frames + (size_t)i * CAL_FRAME_CAP, cx->flen[i], 0, 0, csum, 0, 0, 0, 0, 0, 0, 0};
            hs_rx(s, &f, 1000);
        }
        if (nb < CAL_FRAME_BLOCKS_MAX)
            bt[nb++] = (double)(cal_now_ns() - t0) / (e - b);
    }
    return nb ? (uint64_t)llround(cal_median(bt, nb) * (to - from)) : 0;
}

static void cal_build(cal_ctx *cx, int i, const pkt_spec *p, const uint8_t *pl, size_t plen)
{
    int n = pkt_build(p, pl, plen, cx->frames + (size_t)i * CAL_FRAME_CAP, CAL_FRAME_CAP);
    cx->flen[i] = n > 0 ? (uint32_t)n : 0;
}

/* Timings of one run, in ns (per byte for the copy and checksum loops). */
enum cal_item {
    CAL_COPY_WARM,   /* memcpy per byte, source in cache */
    CAL_COPY_COLD,   /* memcpy per byte, source not in cache */
    CAL_CSUM_BYTE,   /* pkt_csum_add per byte, data not in cache */
    CAL_CSUM_SETUP,  /* pseudo-header + fold on a 20-byte header */
    CAL_HASH,        /* rss_toeplitz of a 12-byte tuple */
    CAL_ACK,         /* pkt_build of a pure ACK */
    CAL_IN_ORDER,    /* hs_rx per frame: in-order 1460-byte data */
    CAL_PURE_ACK,    /* ... pure ACKs on a known connection */
    CAL_NOT_HOST,    /* ... frames for another host */
    CAL_NEW_CONN,    /* ... a pure ACK creating a connection */
    CAL_OOO_PAIR,    /* ... per out-of-order + fill pair */
    CAL_UDP,         /* ... 64-byte UDP datagrams */
    CAL_TIMER,       /* hs_timer per delayed-ACK expiry */
    CAL_LOOKUP,      /* connection table lookup in 256 connections */
    CAL_ITEMS
};

/* Per-frame ns of: in-order 1460-byte data, pure ACKs, new connections, out-of-order/fill
 * pairs and delayed-ACK expiries on one stack; all with trusted checksums. */
static int cal_packets_tcp(cal_ctx *cx, int batch, double *v, char *err, size_t errlen)
{
    hs_stack *s = NULL;
    int rc = cal_stack(&s, cx, err, errlen);
    if (rc)
        return rc;
    uint8_t payload[CAL_PAYLOAD];
    for (int i = 0; i < CAL_PAYLOAD; i++)
        payload[i] = (uint8_t)(i * 7 + 3);
    pkt_spec p;
    uint32_t seq = 1000;

    /* warm-up: the connection exists and its application buffers (4 x 64 KiB) have been
       written once, so first-touch page faults are not measured */
    for (int round = 0; round < 2; round++) {
        for (int i = 0; i < batch; i++) {
            cal_spec(&p, 5000, seq, PKT_TCP_ACK);
            cal_build(cx, i, &p, payload, CAL_PAYLOAD);
            seq += CAL_PAYLOAD;
        }
        cal_feed(s, cx, 0, batch, HS_CSUM_OK);
    }

    /* in-order data */
    for (int i = 0; i < batch; i++) {
        cal_spec(&p, 5000, seq, PKT_TCP_ACK);
        cal_build(cx, i, &p, payload, CAL_PAYLOAD);
        seq += CAL_PAYLOAD;
    }
    v[CAL_IN_ORDER] = (double)cal_feed(s, cx, 0, batch, HS_CSUM_OK) / batch;

    /* pure ACKs on the same connection */
    for (int i = 0; i < batch; i++) {
        cal_spec(&p, 5000, seq, PKT_TCP_ACK);
        cal_build(cx, i, &p, NULL, 0);
    }
    v[CAL_PURE_ACK] = (double)cal_feed(s, cx, 0, batch, HS_CSUM_OK) / batch;

    /* out of order then the fill: seg k+1 first, then seg k */
    for (int i = 0; i + 1 < batch; i += 2) {
        cal_spec(&p, 5000, seq + CAL_PAYLOAD, PKT_TCP_ACK);
        cal_build(cx, i, &p, payload, CAL_PAYLOAD);
        cal_spec(&p, 5000, seq, PKT_TCP_ACK);
        cal_build(cx, i + 1, &p, payload, CAL_PAYLOAD);
        seq += 2 * CAL_PAYLOAD;
    }
    int pairs = batch / 2;
    v[CAL_OOO_PAIR] = (double)cal_feed(s, cx, 0, pairs * 2, HS_CSUM_OK) / pairs;

    /* new connections (picked up mid-stream by a pure ACK each) */
    for (int i = 0; i < batch; i++) {
        cal_spec(&p, (uint16_t)(10000 + i), 77, PKT_TCP_ACK);
        cal_build(cx, i, &p, NULL, 0);
    }
    v[CAL_NEW_CONN] = (double)cal_feed(s, cx, 0, batch, HS_CSUM_OK) / batch;

    /* delayed-ACK timers: one small in-order segment on each of those connections */
    for (int i = 0; i < batch; i++) {
        cal_spec(&p, (uint16_t)(10000 + i), 77, PKT_TCP_ACK);
        cal_build(cx, i, &p, payload, 10);
    }
    cal_feed(s, cx, 0, batch, HS_CSUM_OK);
    uint64_t t0 = cal_now_ns();
    hs_timer(s, 0, UINT64_MAX / 2);
    v[CAL_TIMER] = (double)(cal_now_ns() - t0) / batch;
    hs_close(s, NULL, 0);
    return 0;
}

/* Per-frame ns of frames for another host and of 64-byte UDP datagrams (fresh stacks). */
static int cal_packets_other(cal_ctx *cx, int batch, double *v, char *err, size_t errlen)
{
    uint8_t payload[64];
    for (int i = 0; i < 64; i++)
        payload[i] = (uint8_t)(i * 7 + 3);
    pkt_spec p;
    hs_stack *s = NULL;
    hs_config cfg;
    hs_config_defaults(&cfg);
    cfg.host_count = 1;
    cfg.hosts[0].family = 4;
    cfg.hosts[0].a[0] = 192;
    int rc = hs_create(&s, &cfg, &cx->cost, cal_tx, cx, err, errlen);
    if (rc)
        goto out;
    for (int i = 0; i < batch; i++) {
        cal_spec(&p, 5000, 1000, PKT_TCP_ACK);
        cal_build(cx, i, &p, payload, 64);
    }
    v[CAL_NOT_HOST] = (double)cal_feed(s, cx, 0, batch, HS_CSUM_OK) / batch;

    for (int i = 0; i < batch; i++) {
        cal_spec(&p, 5000, 0, 0);
        p.proto = PKT_IPPROTO_UDP;
        cal_build(cx, i, &p, payload, 64);
    }
    hs_close(s, NULL, 0);
    s = NULL;
    cfg.host_count = 0;
    rc = hs_create(&s, &cfg, &cx->cost, cal_tx, cx, err, errlen);
    if (rc)
        goto out;
    v[CAL_UDP] = (double)cal_feed(s, cx, 0, batch, HS_CSUM_OK) / batch;
out:
    hs_close(s, NULL, 0);
    return rc;
}

/* Lookups in a table of `batch` connections (hashes precomputed: lookup only). */
static int cal_lookups(cal_ctx *cx, int batch, double *v, volatile uint32_t *sink, char *err,
                       size_t errlen)
{
    hs_stack *s = NULL;
    int rc = cal_stack(&s, cx, err, errlen);
    if (rc)
        return rc;
    pkt_spec p;
    for (int i = 0; i < batch; i++) {
        cal_spec(&p, (uint16_t)(20000 + i), 5, PKT_TCP_ACK);
        cal_build(cx, i, &p, NULL, 0);
    }
    cal_feed(s, cx, 0, batch, HS_CSUM_OK);
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
    double best = HUGE_VAL; /* the fastest of CAL_SUB blocks: one the scheduler
                               interrupted does not count */
    for (int b = 0; b < CAL_SUB; b++) {
        uint64_t t0 = cal_now_ns();
        for (int i = b * (reps / CAL_SUB); i < (b + 1) * (reps / CAL_SUB); i++) {
            cal_sink(sink, (uint32_t)hs_calib_lookup(s, &k[i & 63], h[i & 63]));
        }
        best = fmin(best, (double)(cal_now_ns() - t0));
    }
    v[CAL_LOOKUP] = best * CAL_SUB / reps;
    hs_close(s, NULL, 0);
    return 0;
}

/* Buffers of the memory micro-benchmarks. */
typedef struct cal_mem {
    uint8_t *cold;     /* CAL_COLD_BYTES, walked so that no line is read twice in a run */
    uint8_t *dst;      /* copy destination, 64 KiB + 4 KiB */
    size_t cold_off;   /* walk position in cold */
    volatile uint32_t *sink;
} cal_mem;

/* memcpy per byte, source in cache (the first 64 KiB of cold, touched every iteration). */
static double cal_copy_warm(cal_mem *m)
{
    const int reps = 2048;
    uint8_t *src = m->cold;
    for (int i = 0; i < 64; i++)
        memcpy(m->dst + (size_t)(i % 44) * CAL_PAYLOAD, src + (size_t)(i % 44) * CAL_PAYLOAD, CAL_PAYLOAD);
    double best = HUGE_VAL; /* the fastest of CAL_SUB blocks: one the scheduler
                               interrupted does not count */
    for (int b = 0; b < CAL_SUB; b++) {
        uint64_t t0 = cal_now_ns();
        for (int i = b * (reps / CAL_SUB); i < (b + 1) * (reps / CAL_SUB); i++) {
            size_t k = (size_t)(i % 44) * CAL_PAYLOAD;
            memcpy(m->dst + k, src + k, CAL_PAYLOAD);
            cal_sink(m->sink, m->dst[k + (size_t)(i & 1023)]);
        }
        best = fmin(best, (double)(cal_now_ns() - t0));
    }
    return best * CAL_SUB / ((double)reps * CAL_PAYLOAD);
}

/* Next cold source: never the same line twice in a run. */
static const uint8_t *cal_cold_next(cal_mem *m)
{
    if (m->cold_off + 2 * CAL_PAYLOAD > CAL_COLD_BYTES)
        m->cold_off = 65536;
    const uint8_t *p = m->cold + m->cold_off;
    m->cold_off += CAL_PAYLOAD + 64;
    return p;
}

/* The next block's cold sources, evicted from every cache level first where the CPU can
 * (x86 CLFLUSH): a last-level cache larger than the buffer (hundreds of MiB on current
 * servers) would otherwise keep it warm after one walk. */
#define CAL_COLD_REPS 2048
static void cal_cold_block(cal_mem *m, const uint8_t **src, int n, size_t len)
{
    for (int i = 0; i < n; i++) {
        src[i] = cal_cold_next(m);
#ifdef HS_HAVE_TSC
        for (size_t o = 0; o < len; o += 64)
            _mm_clflush(src[i] + o);
        _mm_clflush(src[i] + len - 1);
#else
        (void)len;
#endif
    }
#ifdef HS_HAVE_TSC
    _mm_mfence();
#endif
}

/* memcpy per byte from memory (the sources flushed from the caches). */
static double cal_copy_cold(cal_mem *m)
{
    const int per = CAL_COLD_REPS / CAL_SUB;
    const uint8_t *src[CAL_COLD_REPS / CAL_SUB];
    double best = HUGE_VAL; /* the fastest of CAL_SUB blocks: one the scheduler
                               interrupted does not count */
    for (int b = 0; b < CAL_SUB; b++) {
        cal_cold_block(m, src, per, CAL_PAYLOAD);
        uint64_t t0 = cal_now_ns();
        for (int i = 0; i < per; i++) {
            size_t k = (size_t)((b * per + i) % 44) * CAL_PAYLOAD;
            memcpy(m->dst + k, src[i], CAL_PAYLOAD);
            cal_sink(m->sink, m->dst[k]);
        }
        best = fmin(best, (double)(cal_now_ns() - t0));
    }
    return best / ((double)per * CAL_PAYLOAD);
}

/* Checksum per byte of received data (not in cache: no DDIO assumed). */
static double cal_csum_byte(cal_mem *m)
{
    const int per = CAL_COLD_REPS / CAL_SUB;
    const uint8_t *src[CAL_COLD_REPS / CAL_SUB];
    double best = HUGE_VAL;
    for (int b = 0; b < CAL_SUB; b++) {
        cal_cold_block(m, src, per, CAL_PAYLOAD + 20);
        uint64_t t0 = cal_now_ns();
        for (int i = 0; i < per; i++)
            cal_sink(m->sink, pkt_csum_fold(pkt_csum_add(0, src[i], CAL_PAYLOAD + 20)));
        best = fmin(best, (double)(cal_now_ns() - t0));
    }
    return best / ((double)per * (CAL_PAYLOAD + 20));
}

/* Checksum setup: pseudo-header + fold on a 20-byte header. */
static double cal_csum_setup(cal_mem *m)
{
    const int reps = 20000;
    const uint8_t *c = m->cold;
    double best = HUGE_VAL; /* the fastest of CAL_SUB blocks: one the scheduler
                               interrupted does not count */
    for (int b = 0; b < CAL_SUB; b++) {
        uint64_t t0 = cal_now_ns();
        for (int i = b * (reps / CAL_SUB); i < (b + 1) * (reps / CAL_SUB); i++) {
            uint32_t sum = pkt_csum_pseudo(c + (i & 255), c + 4 + (i & 255), 4, PKT_IPPROTO_TCP, 1480);
            cal_sink(m->sink, pkt_csum_fold(pkt_csum_add(sum, c + 64 + (i & 255), 20)));
        }
        best = fmin(best, (double)(cal_now_ns() - t0));
    }
    return best * CAL_SUB / reps;
}

/* Software Toeplitz of a 12-byte tuple. */
static double cal_hash(cal_mem *m)
{
    const int reps = 20000;
    uint8_t in[12];
    memcpy(in, m->cold + 128, 12);
    double best = HUGE_VAL; /* the fastest of CAL_SUB blocks: one the scheduler
                               interrupted does not count */
    for (int b = 0; b < CAL_SUB; b++) {
        uint64_t t0 = cal_now_ns();
        for (int i = b * (reps / CAL_SUB); i < (b + 1) * (reps / CAL_SUB); i++) {
            in[11] = (uint8_t)i;
            cal_sink(m->sink, rss_toeplitz(rss_default_key, in, 12));
        }
        best = fmin(best, (double)(cal_now_ns() - t0));
    }
    return best * CAL_SUB / reps;
}

/* Building an ACK frame. */
static double cal_ack_build(cal_mem *m)
{
    const int reps = 20000;
    pkt_spec p;
    cal_spec(&p, 445, 1, PKT_TCP_ACK);
    uint8_t fr[128];
    double best = HUGE_VAL; /* the fastest of CAL_SUB blocks: one the scheduler
                               interrupted does not count */
    for (int b = 0; b < CAL_SUB; b++) {
        uint64_t t0 = cal_now_ns();
        for (int i = b * (reps / CAL_SUB); i < (b + 1) * (reps / CAL_SUB); i++) {
            p.ack = (uint32_t)i;
            cal_sink(m->sink, (uint32_t)pkt_build(&p, NULL, 0, fr, sizeof fr) + fr[50]);
        }
        best = fmin(best, (double)(cal_now_ns() - t0));
    }
    return best * CAL_SUB / reps;
}

/* One run of every measurement, in a fixed order (cache state carries over). */
static int cal_run(cal_ctx *cx, cal_mem *m, int batch, double *v, char *err, size_t errlen)
{
    v[CAL_COPY_WARM] = cal_copy_warm(m);
    v[CAL_COPY_COLD] = cal_copy_cold(m);
    v[CAL_CSUM_BYTE] = cal_csum_byte(m);
    v[CAL_CSUM_SETUP] = cal_csum_setup(m);
    v[CAL_HASH] = cal_hash(m);
    v[CAL_ACK] = cal_ack_build(m);
    int rc = cal_packets_tcp(cx, batch, v, err, errlen);
    if (!rc)
        rc = cal_packets_other(cx, batch, v, err, errlen);
    if (!rc)
        rc = cal_lookups(cx, batch, v, m->sink, err, errlen);
    return rc;
}

/* The keys measured here, with what each measurement is. */
static const struct {
    int key;
    const char *what;
} cal_keys[] = {
    {HS_C_IP_RX, "hs_rx of frames for another host"},
    {HS_C_TCP_RX, "hs_rx pure ACK + data bookkeeping - ip_rx - lookup"},
    {HS_C_UDP_RX, "hs_rx 64-byte UDP - ip_rx - lookup - copy"},
    {HS_C_HASH_SW, "rss_toeplitz on a 12-byte tuple"},
    {HS_C_LOOKUP, "connection table lookup, 256 connections"},
    {HS_C_CONN_CREATE, "hs_rx creating a connection - pure ACK"},
    {HS_C_REASM_SEG, "out-of-order + fill pair - 2 in-order - ACK"},
    {HS_C_ACK_BUILD, "pkt_build of a pure ACK"},
    {HS_C_TIMER, "delayed-ACK expiry - ACK build"},
    {HS_C_CHECKSUM_PKT, "pseudo-header + fold - 20 bytes"},
    {HS_C_CHECKSUM_BYTE, "pkt_csum_add over data not in cache"},
    {HS_C_COPY_COLD_BYTE, "1460-byte memcpy from a 32 MiB buffer"},
    {HS_C_COPY_WARM_BYTE, "1460-byte memcpy, cache-resident source"},
    {HS_C_COPY_BYTE, "as copy_warm_byte"},
};
#define CAL_NKEYS ((int)(sizeof cal_keys / sizeof cal_keys[0]))

static int cal_per_byte(int key)
{
    const char *kn = hs_cost_key_name(key);
    size_t kl = strlen(kn);
    return kl > 5 && strcmp(kn + kl - 5, "_byte") == 0;
}

/* Below this a cost is at noise level: spreads and settling are judged against it. */
static double cal_floor(int key) { return cal_per_byte(key) ? 0.01 : 20; }

/* One run's costs (cycles at mhz) from its timings (ns): the stack timings are differences
 * of scenarios, so a cost can come out <= 0 in noise here; the clamp comes later. */
static void cal_decompose(const double *ns, double mhz, double *cyc)
{
    double ip_rx = ns[CAL_NOT_HOST];
    double tcp_lookup = ns[CAL_PURE_ACK] - ip_rx;
    double tcp_rx = tcp_lookup - ns[CAL_LOOKUP];
    double conn_create = ns[CAL_NEW_CONN] - ns[CAL_PURE_ACK];
    /* in-order data also copies 1460 bytes (warm source) and builds an ACK every 2nd frame */
    double in_extra = ns[CAL_IN_ORDER] - ns[CAL_PURE_ACK] - CAL_PAYLOAD * ns[CAL_COPY_WARM] -
                      ns[CAL_ACK] / 2;
    if (in_extra > 0)
        tcp_rx += in_extra; /* data-path bookkeeping belongs to the segment processing */
    /* pair = two in-order-sized frames + holding one segment (malloc + copy) + two ACKs */
    double reasm = ns[CAL_OOO_PAIR] - 2 * ns[CAL_IN_ORDER] - ns[CAL_ACK];
    double udp_rx = ns[CAL_UDP] - ip_rx - ns[CAL_LOOKUP] - 64 * ns[CAL_COPY_WARM];
    double timer = ns[CAL_TIMER] - ns[CAL_ACK];
    double ck_pkt = ns[CAL_CSUM_SETUP] - 20 * ns[CAL_CSUM_BYTE];
    double c = mhz / 1000.0; /* cycles per ns */

    cyc[HS_C_IP_RX] = ip_rx * c;
    cyc[HS_C_TCP_RX] = tcp_rx * c;
    cyc[HS_C_UDP_RX] = udp_rx * c;
    cyc[HS_C_HASH_SW] = ns[CAL_HASH] * c;
    cyc[HS_C_LOOKUP] = ns[CAL_LOOKUP] * c;
    cyc[HS_C_CONN_CREATE] = conn_create * c;
    cyc[HS_C_REASM_SEG] = reasm * c;
    cyc[HS_C_ACK_BUILD] = ns[CAL_ACK] * c;
    cyc[HS_C_TIMER] = timer * c;
    cyc[HS_C_CHECKSUM_PKT] = ck_pkt * c;
    cyc[HS_C_CHECKSUM_BYTE] = ns[CAL_CSUM_BYTE] * c;
    cyc[HS_C_COPY_COLD_BYTE] = ns[CAL_COPY_COLD] * c;
    cyc[HS_C_COPY_WARM_BYTE] = ns[CAL_COPY_WARM] * c;
    cyc[HS_C_COPY_BYTE] = ns[CAL_COPY_WARM] * c;
}

/* Sorted copy statistics of n samples: min, median, max, spread; and whether the median has
 * settled (its distribution-free 95% confidence interval, order statistics
 * n/2 -/+ 0.98 sqrt(n), within +/- tol of the median or of the floor). */
static int cal_stats(const double *v, int n, int key, double tol, hs_calib_key_stats *ks)
{
    double t[CAL_MAX_RUNS];
    memcpy(t, v, (size_t)n * sizeof *t);
    double med = cal_median(t, n); /* sorts t */
    double q1 = t[(n - 1) / 4], q3 = t[n - 1 - (n - 1) / 4];
    double ref = fmax(fabs(med), cal_floor(key));
    ks->measured = 1;
    ks->min = t[0];
    ks->max = t[n - 1];
    ks->median = med;
    ks->spread = (q3 - q1) / ref;
    double h = 0.98 * sqrt((double)n);
    int lo = (int)floor(n / 2.0 - h), hi = (int)ceil(n / 2.0 + 1 + h); /* 1-based */
    if (lo < 1)
        lo = 1;
    if (hi > n)
        hi = n;
    return (t[hi - 1] - t[lo - 1]) / 2 <= tol * ref;
}

/* Sets one measured cost: a cost that came out <= 0 in noise keeps a minimal value. */
static void cal_set(hs_cost *c, int key, const char *what, const hs_calib_key_stats *ks, int runs,
                    double mhz)
{
    double v = ks->median > 0 ? ks->median : 0;
    c->v[key] = cal_per_byte(key) ? fmax(round(v * 1000.0) / 1000.0, 0.001) : fmax(round(v), 1);
    snprintf(c->note[key], HS_COST_NOTE_MAX,
             "measured: %s (median of %d runs, spread %.0f%%, %.0f MHz)", what, runs,
             100 * ks->spread, mhz);
}

/* Notes of the costs taken from the base profile say so. */
static void cal_note_base(hs_cost *c, const hs_cost *base)
{
    for (int key = 0; key < HS_COST_COUNT; key++) {
        int measured = strncmp(c->note[key], "measured", 8) == 0 || key == HS_C_CPU_MHZ;
        if (!measured) {
            /* a long note is cut to the note size (the result says by how much) */
            int n = snprintf(c->note[key], HS_COST_NOTE_MAX, "from %s: %s", base->name,
                             base->note[key]);
            (void)n;
        }
    }
}

/* One real repetition: every timing once, turned into costs. */
typedef struct cal_real {
    cal_ctx *cx;
    cal_mem *m;
    int batch;
    double mhz;
} cal_real;

static int cal_real_run(void *user, int run, double *cycles, char *err, size_t errlen)
{
    cal_real *r = user;
    double v[CAL_ITEMS];
    (void)run;
    int rc = cal_run(r->cx, r->m, r->batch, v, err, errlen);
    if (!rc)
        cal_decompose(v, r->mhz, cycles);
    return rc;
}

static uint64_t cal_clock(void *user)
{
    (void)user;
    return cal_now_ns();
}

int hs_calibrate(hs_cost *out, const hs_calib_opts *o, char *err, size_t errlen)
{
    hs_calib_opts def;
    if (!o) {
        hs_calib_defaults(&def);
        o = &def;
    }
    int max_runs = o->runs > 0 ? o->runs : 61;
    if (max_runs > CAL_MAX_RUNS)
        max_runs = CAL_MAX_RUNS;
    int min_runs = o->min_runs > 0 ? o->min_runs : 9;
    if (min_runs > max_runs)
        min_runs = max_runs;
    double budget_ns = (o->max_seconds > 0 ? o->max_seconds : 20) * 1e9;
    double tol = (o->stable_pct > 0 ? o->stable_pct : 2) / 100.0;
    int rc = 0;
    cal_ctx cx;
    memset(&cx, 0, sizeof cx);
    volatile uint32_t sink = 0;
    cal_mem m = {NULL, NULL, 0, &sink};
    hs_calib_stats st_local, *st = o->stats ? o->stats : &st_local;
    memset(st, 0, sizeof *st);

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
    cal_real real = {&cx, &m, batch, mhz};
    hs_calib_run_fn run_fn = o->run_fn ? o->run_fn : cal_real_run;
    void *run_user = o->run_fn ? o->user : &real;
    hs_calib_clock_fn clock_fn = o->clock_fn ? o->clock_fn : cal_clock;
    if (!o->run_fn) {
        cx.n = batch;
        cx.frames = malloc((size_t)batch * CAL_FRAME_CAP);
        cx.flen = calloc((size_t)batch, sizeof *cx.flen);
        m.cold = malloc(CAL_COLD_BYTES);
        m.dst = malloc(65536 + 4096);
        if (!cx.frames || !cx.flen || !m.cold || !m.dst) {
            rc = hs_errf(err, errlen, HS_ENOMEM, "calibrate: out of memory");
            goto out;
        }
        for (size_t i = 0; i < CAL_COLD_BYTES; i++)
            m.cold[i] = (uint8_t)(i * 131 + (i >> 9));
        memset(m.dst, 0, 65536 + 4096);
    }

    /* repeat until every median has settled, or the runs or the time run out */
    double (*samples)[CAL_MAX_RUNS] = calloc(HS_COST_COUNT, sizeof *samples);
    if (!samples) {
        rc = hs_errf(err, errlen, HS_ENOMEM, "calibrate: out of memory");
        goto out;
    }
    uint64_t t0 = clock_fn(o->user);
    int n = 0;
    for (;;) {
        double cyc[HS_COST_COUNT];
        for (int k = 0; k < HS_COST_COUNT; k++)
            cyc[k] = NAN;
        rc = run_fn(run_user, n, cyc, err, errlen);
        if (rc)
            break;
        for (int i = 0; i < CAL_NKEYS; i++) {
            int key = cal_keys[i].key;
            if (!isfinite(cyc[key])) {
                rc = hs_errf(err, errlen, HS_EINVAL, "calibrate: run %d gave no value for %s",
                             n + 1, hs_cost_key_name(key));
                break;
            }
            samples[key][n] = cyc[key];
        }
        if (rc)
            break;
        n++;
        double el = (double)(clock_fn(o->user) - t0);
        st->seconds = el / 1e9;
        int settled = 1;
        for (int i = 0; i < CAL_NKEYS; i++) {
            int key = cal_keys[i].key;
            if (!cal_stats(samples[key], n, key, tol, &st->key[key]))
                settled = 0;
        }
        if (n >= min_runs && settled) {
            st->stop = HS_CALIB_STABLE;
            break;
        }
        if (n >= max_runs) {
            st->stop = HS_CALIB_RUN_LIMIT;
            break;
        }
        if (el >= budget_ns && n >= (min_runs < 3 ? min_runs : 3)) {
            st->stop = HS_CALIB_TIME_LIMIT;
            break;
        }
    }
    free(samples);
    if (rc)
        goto out;
    st->runs = n;

    hs_cost c = cx.cost;
    c.v[HS_C_CPU_MHZ] = round(mhz);
    snprintf(c.note[HS_C_CPU_MHZ], HS_COST_NOTE_MAX, "%s",
             o->mhz > 0 ? "given" : "measured: TSC rate against CLOCK_MONOTONIC (or /proc/cpuinfo)");
    st->worst = cal_keys[0].key;
    for (int i = 0; i < CAL_NKEYS; i++) {
        int key = cal_keys[i].key;
        cal_set(&c, key, cal_keys[i].what, &st->key[key], n, mhz);
        if (st->key[key].spread > st->key[st->worst].spread)
            st->worst = key;
        if (o->max_spread_pct > 0 && 100 * st->key[key].spread > o->max_spread_pct)
            st->over++;
    }
    cal_note_base(&c, &cx.cost);
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
    if (st->over && !o->accept_spread) {
        const hs_calib_key_stats *w = &st->key[st->worst];
        int pb = cal_per_byte(st->worst);
        rc = hs_errf(err, errlen, HS_ESPREAD,
                     "calibrate: %s varies too much between runs: spread %.0f%% exceeds %g%% "
                     "(min %.*f, median %.*f, max %.*f %s over %d runs%s)",
                     hs_cost_key_name(st->worst), 100 * w->spread, o->max_spread_pct, pb ? 3 : 0,
                     w->min, pb ? 3 : 0, w->median, pb ? 3 : 0, w->max,
                     pb ? "cycles/byte" : "cycles", n,
                     st->over > 1 ? "; other keys too" : "");
    }
out:
    free(cx.frames);
    free(cx.flen);
    free(m.cold);
    free(m.dst);
    return rc;
}

int hs_calibrate_to_file(const char *out_path, double mhz, char *err, size_t errlen)
{
    hs_calib_opts o;
    hs_calib_defaults(&o);
    o.mhz = mhz;
    o.accept_spread = 1;
    hs_cost c;
    int rc = hs_calibrate(&c, &o, err, errlen);
    if (rc)
        return rc;
    return hs_cost_save(&c, out_path, err, errlen);
}
