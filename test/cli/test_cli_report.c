/* Report: JSON schema, values, determinism, text summary. */
#include "cli.h"
#include "test_util.h"

#include <check.h>
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static char tmpdir[512];

static void setup(void)
{
    tu_mkdtemp(tmpdir, sizeof tmpdir);
}

static void teardown(void)
{
    tu_rmdir(tmpdir);
}

static cli_scenario *make_scenario(const char *text)
{
    char path[1024], err[1024];
    tu_write(tmpdir, "quick.ini", text, path, sizeof path);
    cli_scenario *sc = cli_scenario_new();
    ck_assert_int_eq(cli_scenario_load(sc, path, err, sizeof err), CLI_OK);
    ck_assert_msg(cli_scenario_finish(sc, NULL, err, sizeof err) == CLI_OK, "%s", err);
    return sc;
}

static void fill_results(ns_results *r)
{
    memset(r, 0, sizeof *r);
    r->nic_cycles = 156250;
    r->sim_time_ps = 1000000000ULL; /* 1 ms */
    r->wall_s = 0.25;
    snprintf(r->host, sizeof r->host, "192.0.2.1");
    r->linktype = 1;
    snprintf(r->linktype_name, sizeof r->linktype_name, "EN10MB");
    r->records = 1000;
    r->frames_rx = 800;
    r->rx_bytes = 1000000; /* 8 Mbit in 1 ms = 8 Gb/s */
    r->from_host = 150;
    r->not_for_host = 50;
    r->queues = 4;
    for (int q = 0; q < 4; q++)
        r->queue_frames[q] = 200;
    r->hash_type_frames[0] = 10;
    r->hash_type_frames[2] = 790;
    r->csum_frames[1] = 795;
    r->csum_frames[3] = 5;
    r->ndrops = 3;
    r->drops[0] = (ns_counter){"fifo_overflow", 7};
    r->drops[1] = (ns_counter){"oversize", 0};
    r->drops[2] = (ns_counter){"ring.full", 2};
    r->ntrace = 2;
    r->trace[0] = (ns_counter){"truncated", 3};
    r->trace[1] = (ns_counter){"resegmented", 1};
}

static const char *const quick_text =
    "[scenario]\nname = quick\ndescription = test run\ntrace = t.pcap\nhost = auto\n"
    "[nic]\nrss_queues = 4\n[tcpip]\nEnableTCPChimney = 1\n";

static json_t *get(json_t *root, const char *path)
{
    char buf[256];
    snprintf(buf, sizeof buf, "%s", path);
    json_t *j = root;
    for (char *save = NULL, *p = strtok_r(buf, ".", &save); p; p = strtok_r(NULL, ".", &save)) {
        j = json_object_get(j, p);
        ck_assert_msg(j != NULL, "missing %s (at %s)", path, p);
    }
    return j;
}

static json_int_t geti(json_t *root, const char *path)
{
    json_t *j = get(root, path);
    ck_assert_msg(json_is_integer(j), "%s is not an integer", path);
    return json_integer_value(j);
}

static double getr(json_t *root, const char *path)
{
    json_t *j = get(root, path);
    ck_assert_msg(json_is_number(j), "%s is not a number", path);
    return json_number_value(j);
}

static const char *gets_(json_t *root, const char *path)
{
    json_t *j = get(root, path);
    ck_assert_msg(json_is_string(j), "%s is not a string", path);
    return json_string_value(j);
}

START_TEST(schema_and_values)
{
    cli_scenario *sc = make_scenario(quick_text);
    ns_results r;
    fill_results(&r);
    json_t *j = cli_report_build(sc, &r);
    ck_assert_ptr_nonnull(j);

    ck_assert_str_eq(gets_(j, "schema"), "nicsim-report/1");
    ck_assert_str_eq(gets_(j, "nicsim_version"), cli_version());
    ck_assert_str_eq(gets_(j, "scenario.name"), "quick");
    ck_assert_str_eq(gets_(j, "scenario.description"), "test run");
    ck_assert_ptr_nonnull(strstr(gets_(j, "scenario.file"), "quick.ini"));
    ck_assert_ptr_nonnull(strstr(gets_(j, "scenario.trace"), "/t.pcap"));
    ck_assert_str_eq(gets_(j, "scenario.host"), "192.0.2.1");

    ck_assert_int_eq(geti(j, "config.nic.data_width"), 64);
    ck_assert(getr(j, "config.nic.clock_mhz") == 156.25);
    ck_assert(getr(j, "config.nic.link_gbps") == 10.0);
    ck_assert_int_eq(geti(j, "config.nic.mtu"), 1500);
    ck_assert_str_eq(gets_(j, "config.nic.oversize"), "resegment");
    ck_assert_str_eq(gets_(j, "config.nic.rss_key"),
                     "6d5a56da255b0ec24167253d43a38fb0d0ca2bcbae7b30b477cb2da38030f20c"
                     "6a42b73bbeac01fa");
    ck_assert_int_eq(geti(j, "config.nic.rss_queues"), 4);
    json_t *tab = get(j, "config.nic.indirection_table");
    ck_assert_uint_eq(json_array_size(tab), 128);
    ck_assert_int_eq(json_integer_value(json_array_get(tab, 5)), 1);
    json_t *ht = get(j, "config.nic.rss_hash_types");
    ck_assert_uint_eq(json_array_size(ht), 4);
    ck_assert_str_eq(json_string_value(json_array_get(ht, 0)), "ipv4");
    ck_assert_str_eq(json_string_value(json_array_get(ht, 3)), "tcp_ipv6");
    ck_assert_int_eq(geti(j, "config.nic.rx_fifo_bytes"), 65536);
    ck_assert_int_eq(geti(j, "config.nic.quantum_cycles"), 4096);
    ck_assert_int_eq(geti(j, "config.tcpip.EnableRSS"), 1);
    ck_assert_int_eq(geti(j, "config.tcpip.EnableChecksumOffload"), 1);
    ck_assert_str_eq(gets_(j, "config.replay.timing"), "recorded");
    ck_assert(getr(j, "config.replay.multiplier") == 1.0);
    ck_assert(getr(j, "config.replay.mbps") == 0.0);
    ck_assert(getr(j, "config.replay.pps") == 0.0);
    ck_assert_int_eq(geti(j, "config.replay.loop"), 1);
    ck_assert_str_eq(gets_(j, "config.host"), "auto");

    ck_assert_int_eq(geti(j, "sim.nic_cycles"), 156250);
    ck_assert_int_eq(geti(j, "sim.sim_time_ps"), 1000000000);
    ck_assert_int_eq(geti(j, "sim.sim_time_ns"), 1000000);
    ck_assert(getr(j, "sim.wall_s") == 0.25);
    ck_assert(getr(j, "sim.nic_cycles_per_s") == 625000.0);

    ck_assert_int_eq(geti(j, "frames.records"), 1000);
    ck_assert_int_eq(geti(j, "frames.rx"), 800);
    ck_assert_int_eq(geti(j, "frames.rx_bytes"), 1000000);
    ck_assert_int_eq(geti(j, "frames.from_host"), 150);
    ck_assert_int_eq(geti(j, "frames.not_for_host"), 50);
    ck_assert_int_eq(geti(j, "frames.dropped.fifo_overflow"), 7);
    ck_assert_int_eq(geti(j, "frames.dropped.oversize"), 0);
    ck_assert_int_eq(geti(j, "frames.dropped.ring.full"), 2);  /* dotted names nest */

    json_t *qf = get(j, "rss.queue_frames");
    ck_assert_uint_eq(json_array_size(qf), 4);
    ck_assert_int_eq(json_integer_value(json_array_get(qf, 3)), 200);
    ck_assert_uint_eq(json_object_size(get(j, "rss.hash_types")), 7);
    ck_assert_int_eq(geti(j, "rss.hash_types.none"), 10);
    ck_assert_int_eq(geti(j, "rss.hash_types.tcp_ipv4"), 790);
    ck_assert_int_eq(geti(j, "rss.hash_types.udp_ipv6"), 0);
    ck_assert_uint_eq(json_object_size(get(j, "csum")), NS_CSUM_COUNT);
    ck_assert_int_eq(geti(j, "csum.ok"), 795);
    ck_assert_int_eq(geti(j, "csum.bad_l4"), 5);
    ck_assert_int_eq(geti(j, "csum.unverified"), 0);
    ck_assert_str_eq(gets_(j, "trace.linktype"), "EN10MB");
    ck_assert_int_eq(geti(j, "trace.truncated"), 3);
    ck_assert_int_eq(geti(j, "trace.resegmented"), 1);
    ck_assert(fabs(getr(j, "throughput_gbps") - 8.0) < 1e-12);

    /* top-level keys in their documented order */
    static const char *const order[] = {"schema", "nicsim_version", "scenario", "config", "sim",
                                        "frames", "rss", "csum", "trace", "throughput_gbps"};
    size_t i = 0;
    const char *key;
    json_t *v;
    json_object_foreach(j, key, v) {
        ck_assert_msg(i < 10, "extra key %s", key);
        ck_assert_str_eq(key, order[i]);
        i++;
    }
    ck_assert_uint_eq(i, 10);
    json_decref(j);
    cli_scenario_free(sc);
}
END_TEST

static char *dump(const json_t *j)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    char err[256];
    ck_assert_int_eq(cli_report_write(j, f, err, sizeof err), CLI_OK);
    fclose(f);
    return buf;
}

START_TEST(deterministic)
{
    /* same inputs, different wall clock: identical once sim.wall_s and sim.*_per_s go */
    cli_scenario *sc = make_scenario(quick_text);
    ns_results r1, r2;
    fill_results(&r1);
    fill_results(&r2);
    r2.wall_s = 9.5;
    json_t *a = cli_report_build(sc, &r1);
    json_t *b = cli_report_build(sc, &r2);
    char *da = dump(a), *db = dump(b);
    ck_assert_str_ne(da, db);
    json_t *sa = json_object_get(a, "sim"), *sb = json_object_get(b, "sim");
    const char *key;
    json_t *v;
    void *tmp;
    json_object_foreach_safe(sa, tmp, key, v) {
        size_t n = strlen(key);
        if (strncmp(key, "wall_", 5) == 0 || (n > 6 && strcmp(key + n - 6, "_per_s") == 0)) {
            json_object_del(sb, key);
            json_object_del(sa, key);  /* frees key: last */
        }
    }
    free(da);
    free(db);
    da = dump(a);
    db = dump(b);
    ck_assert_str_eq(da, db);
    /* indented, newline-terminated */
    ck_assert_ptr_nonnull(strstr(da, "{\n  \"schema\": \"nicsim-report/1\",\n"));
    ck_assert_int_eq(da[strlen(da) - 1], '\n');
    ck_assert(json_equal(a, b));
    free(da);
    free(db);
    json_decref(a);
    json_decref(b);
    cli_scenario_free(sc);
}
END_TEST

START_TEST(config_variants)
{
    cli_scenario *sc = make_scenario(
        "[scenario]\ntrace = /abs/t.pcap\nhost = 10.0.0.1, 2001:db8::1\n"
        "[nic]\noversize = drop\nrss_queues = 2\nindirection_table = 1,0\n"
        "rss_hash_types = none\n[replay]\ntiming = topspeed\nloop = 2\n");
    ns_results r;
    memset(&r, 0, sizeof r);
    json_t *j = cli_report_build(sc, &r);
    ck_assert_str_eq(gets_(j, "scenario.name"), "quick");  /* file stem */
    ck_assert_str_eq(gets_(j, "scenario.trace"), "/abs/t.pcap");
    ck_assert_str_eq(gets_(j, "scenario.host"), "10.0.0.1,2001:db8::1");  /* from the config */
    ck_assert_str_eq(gets_(j, "config.host"), "10.0.0.1,2001:db8::1");
    ck_assert_str_eq(gets_(j, "config.nic.oversize"), "drop");
    ck_assert_uint_eq(json_array_size(get(j, "config.nic.indirection_table")), 2);
    ck_assert_uint_eq(json_array_size(get(j, "config.nic.rss_hash_types")), 0);
    ck_assert_str_eq(gets_(j, "config.replay.timing"), "topspeed");
    ck_assert_str_eq(gets_(j, "trace.linktype"), "DLT_0");
    ck_assert(getr(j, "throughput_gbps") == 0.0);  /* no time passed */
    ck_assert(getr(j, "sim.nic_cycles_per_s") == 0.0);
    ck_assert_uint_eq(json_object_size(get(j, "frames.dropped")), 0);
    json_decref(j);
    cli_scenario_free(sc);

    /* a name that is not UTF-8 still gives valid JSON */
    sc = make_scenario("[scenario]\nname = caf\xe9\ntrace = t.pcap\nhost = any\n");
    memset(&r, 0, sizeof r);
    j = cli_report_build(sc, &r);
    ck_assert_str_eq(gets_(j, "scenario.name"), "caf?");
    ck_assert_str_eq(gets_(j, "config.host"), "any");
    json_decref(j);
    cli_scenario_free(sc);
}
END_TEST

START_TEST(text_summary)
{
    cli_scenario *sc = make_scenario(quick_text);
    ns_results r;
    fill_results(&r);
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    cli_report_print_text(f, sc, &r);
    fclose(f);
    ck_assert_ptr_nonnull(strstr(buf, "nicsim "));
    ck_assert_ptr_nonnull(strstr(buf, ": quick\n"));
    ck_assert_ptr_nonnull(strstr(buf, "  host           192.0.2.1\n"));
    ck_assert_ptr_nonnull(strstr(buf, "  simulated      1 ms, 156250 NIC cycles\n"));
    ck_assert_ptr_nonnull(strstr(buf, "  throughput     8.000 Gb/s\n"));
    ck_assert_ptr_nonnull(strstr(buf, "  dropped        9\n"));
    ck_assert_ptr_nonnull(strstr(buf, "fifo_overflow"));
    ck_assert_ptr_nonnull(strstr(buf, "  hash tcp_ipv4         790 frames  98.8%\n"));
    ck_assert_ptr_nonnull(strstr(buf, "  wall clock     0.250 s (625.0 k NIC cycles/s)\n"));
    ck_assert_ptr_null(strstr(buf, "oversize  "));  /* zero drop counters are not listed */
    ck_assert_ptr_nonnull(strstr(buf, "  queue 3               200 frames  25.0%\n"));
    ck_assert_ptr_nonnull(strstr(buf, "  csum bad_l4             5 frames   0.6%\n"));
    free(buf);
    ck_assert(cli_throughput_gbps(&r) == 8.0);
    cli_scenario_free(sc);
}
END_TEST

START_TEST(write_error)
{
    cli_scenario *sc = make_scenario(quick_text);
    ns_results r;
    fill_results(&r);
    json_t *j = cli_report_build(sc, &r);
    FILE *f = fopen("/dev/full", "w");
    if (f) {
        char err[256] = "";
        ck_assert_int_eq(cli_report_write(j, f, err, sizeof err), CLI_ERUN);
        ck_assert_ptr_nonnull(strstr(err, "cannot write the report"));
        fclose(f);
    }
    json_decref(j);
    cli_scenario_free(sc);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("cli_report");
    TCase *tc = tcase_create("report");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, schema_and_values);
    tcase_add_test(tc, deterministic);
    tcase_add_test(tc, config_variants);
    tcase_add_test(tc, text_summary);
    tcase_add_test(tc, write_error);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
