/* Check suite for the replay layer: wire timing, pacing modes, loops, host selection.
 * argv[1]: the source directory (for traces/). */
#include <arpa/inet.h>
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "inet.h"
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

/* A classic pcap of n 60-byte Ethernet frames at the given seconds since the epoch. */
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

/* Time in ps is a uint64_t; frame times stay below 2^62 ps (about 53 days): a capture spanning
 * 136 years (4.3e21 ps), or a long one slowed down by replay.multiplier, stops with an error
 * instead of wrapping around (the double -> integer conversion used to overflow). */
START_TEST(pacing_beyond_2_62_ps_is_an_error)
{
    char path[] = "/tmp/replay_longXXXXXX";
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    close(fd);
    const uint32_t secs[4] = {0, 100, 4611686, 4294967295u}; /* 4611686 s: just below 2^62 ps */
    write_pcap(path, secs, 4);
    ns_config c;
    ns_config_defaults(&c);
    ns_config_finalize(&c);
    c.trace_path = path;
    rp_replay *r = open_ok(&c);
    rp_frame fr;
    char err[512];
    ck_assert_int_eq(rp_next(r, &fr, err, sizeof err), 1);
    ck_assert_int_eq(rp_next(r, &fr, err, sizeof err), 1);
    ck_assert_uint_eq(fr.start_ps, 100000000000000ull);
    ck_assert_int_eq(rp_next(r, &fr, err, sizeof err), 1);
    ck_assert_uint_eq(fr.start_ps, 4611686000000000000ull);
    ck_assert_int_eq(rp_next(r, &fr, err, sizeof err), -1);
    ck_assert_msg(strstr(err, ": record 4 would arrive after 2^62 ps (about 53 days)"), "%s", err);
    ck_assert_ptr_null(strchr(err, '\n'));
    rp_close(r);

    /* 100 s slowed down 1000 times: 1e17 ps, fine; the slowest pacing of every mode too */
    c.multiplier = NS_MULTIPLIER_MIN;
    r = open_ok(&c);
    ck_assert_int_eq(rp_next(r, &fr, err, sizeof err), 1);
    ck_assert_int_eq(rp_next(r, &fr, err, sizeof err), 1);
    ck_assert_uint_eq(fr.start_ps, 100000000000000000ull);
    ck_assert_int_eq(rp_next(r, &fr, err, sizeof err), -1);
    rp_close(r);
    c.multiplier = 1;
    c.pps = NS_PPS_MIN;
    r = open_ok(&c);
    for (int i = 0; i < 3; i++)
        ck_assert_int_eq(rp_next(r, &fr, err, sizeof err), 1);
    ck_assert_uint_eq(fr.start_ps, 2000000000000000ull); /* 1000 s apart */
    rp_close(r);

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
    tcase_add_test(tc, open_errors_name_the_file);
    tcase_add_test(tc, pacing_beyond_2_62_ps_is_an_error);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
