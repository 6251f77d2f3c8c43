/* nicsim compare: tables in three formats over reports written by the report builder;
 * headers, missing figures, bad files and schema mismatches. */
#include "cli.h"
#include "test_util.h"

#include <check.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static char tmpdir[512];

static void setup(void)
{
    tu_mkdtemp(tmpdir, sizeof tmpdir);
}

static void teardown(void)
{
    tu_rmdir(tmpdir);
}

/* A run of 1 ms on 2 CPUs at 2000 MHz (2 000 000 cycles available per CPU). */
static void fill(ns_results *r, uint64_t delivered_bytes, uint64_t frames, uint64_t cpu0,
                 uint64_t cpu1, uint64_t irqs, uint64_t dropped)
{
    memset(r, 0, sizeof *r);
    r->sim_time_ps = 1000000000ULL;
    r->wall_s = 0.5;
    r->frames_rx = frames + dropped;
    r->frames_delivered = frames;
    r->delivered_bytes = delivered_bytes;
    r->ndrops = 2;
    r->drops[0] = (ns_counter){"rx_fifo_overflow", dropped};
    r->drops[1] = (ns_counter){"no_descriptor", 0};
    r->irq_count = irqs;
    r->cpus = 2;
    r->cpu_mhz = 2000.0;
    r->cpu_busy_cycles[0] = cpu0;
    r->cpu_busy_cycles[1] = cpu1;
    r->stack.cpu_cycles[0] = cpu0;
    r->stack.cpu_cycles[1] = cpu1;
    r->stack.total_cycles = cpu0 + cpu1;
    r->stack.kind_cycles[HS_K_TCP_RX] = cpu0 + cpu1;
    r->stack.bytes_copied = delivered_bytes / 2;
    r->stack.app_bytes = delivered_bytes / 2;
    r->stack.conns = 4;
}

/* The savings split the next write_report puts in its report (NULL: none). */
static const cli_split *report_split;

/* Writes a report of scenario NAME (file stem `stem`) to dir/file; returns its path. */
static void write_report(const char *dir, const char *file, const char *name, const ns_results *r,
                         const ns_results *b, char *path, size_t len)
{
    char ini[1100], text[256], err[1024];
    snprintf(text, sizeof text, "[scenario]\nname = %s\ntrace = t.pcap\n", name);
    tu_write(dir, "s.ini", text, ini, sizeof ini);
    cli_scenario *sc = cli_scenario_new();
    ck_assert_int_eq(cli_scenario_load(sc, ini, err, sizeof err), CLI_OK);
    ck_assert_int_eq(cli_scenario_finish(sc, NULL, err, sizeof err), CLI_OK);
    json_t *j = cli_report_build_split(sc, r, b, report_split);
    snprintf(path, len, "%s/%s", dir, file);
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    ck_assert_int_eq(cli_report_write(j, f, err, sizeof err), CLI_OK);
    fclose(f);
    json_decref(j);
    cli_scenario_free(sc);
}

/* The two reports most tests use: "offload" (8 Gb/s) and "slow" (4 Gb/s), each with its
 * baseline. */
static void two_reports(char *a, char *b, size_t len)
{
    ns_results r, base;
    fill(&r, 1000000, 800, 1500000, 500000, 100, 0);
    fill(&base, 1000000, 800, 2000000, 1000000, 100, 0);
    write_report(tmpdir, "a.json", "offload", &r, &base, a, len);
    fill(&r, 500000, 400, 2000000, 1000000, 150, 40);
    fill(&base, 400000, 320, 2000000, 2000000, 150, 120);
    write_report(tmpdir, "b.json", "slow", &r, &base, b, len);
}

static json_t *load(const char *path)
{
    json_t *j = NULL;
    char err[1024];
    ck_assert_msg(cli_compare_load(path, &j, err, sizeof err) == CLI_OK, "%s", err);
    return j;
}

/* Runs cli_compare_print on the files; returns the output (caller frees). */
static char *table(const char *const *paths, int n, int format)
{
    json_t *js[8];
    for (int i = 0; i < n; i++)
        js[i] = load(paths[i]);
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    char err[1024] = "";
    int rc = cli_compare_print(f, js, paths, n, format, err, sizeof err);
    fclose(f);
    ck_assert_msg(rc == CLI_OK, "%s", err);
    for (int i = 0; i < n; i++)
        json_decref(js[i]);
    return buf;
}

static void expect_in(const char *buf, const char *want)
{
    ck_assert_msg(strstr(buf, want) != NULL, "no '%s' in:\n%s", want, buf);
}

START_TEST(text_format)
{
    char a[1100], b[1100];
    two_reports(a, b, sizeof a);
    const char *paths[] = {a, b};
    char *out = table(paths, 2, CLI_FMT_TEXT);
    expect_in(out, "nicsim compare (nicsim-report/3): differences against offload\n\n");
    expect_in(out, "metric                       offload     slow      diff   diff %\n");
    expect_in(out, "throughput (Gb/s)              8.000    4.000    -4.000   -50.0%\n");
    expect_in(out, "CPU cycles total             2000000  3000000  +1000000   +50.0%\n");
    expect_in(out, "cycles/byte                    2.000    6.000    +4.000  +200.0%\n");
    expect_in(out, "cycles/packet                 2500.0   7500.0   +5000.0  +200.0%\n");
    expect_in(out, "CPU utilization avg (%)         50.0     75.0  +25.0 pp        -\n");
    expect_in(out, "software: CPU cycles         3000000  4000000  +1000000   +33.3%\n");
    expect_in(out, "saved: CPU cycles            1000000  1000000        +0        -\n");
    expect_in(out, "saved: CPU cycles (%)           33.3     25.0   -8.3 pp        -\n");
    expect_in(out, "frames dropped                     0       40       +40        -\n");
    expect_in(out, "interrupts                       100      150       +50   +50.0%\n");
    expect_in(out, "app bytes                     500000   250000   -250000   -50.0%\n");
    expect_in(out, "(diff = report - first report");
    free(out);
}
END_TEST

START_TEST(csv_format)
{
    char a[1100], b[1100];
    two_reports(a, b, sizeof a);
    const char *paths[] = {a, b};
    char *out = table(paths, 2, CLI_FMT_CSV);
    ck_assert_msg(strncmp(out, "metric,offload,slow,slow diff,slow diff %\n", 42) == 0, "%s", out);
    expect_in(out, "\nthroughput (Gb/s),8,4,-4,-50\n");
    expect_in(out, "\nCPU cycles total,2000000,3000000,1000000,50\n");
    expect_in(out, "\nframes dropped,0,40,40,\n");
    expect_in(out, "\nsaved: CPU cycles (%),33.3333333333,25,-8.33333333333,\n");
    ck_assert_ptr_null(strstr(out, "nicsim compare"));  /* nothing but the table */
    free(out);

    /* a name with a comma and a quote is quoted */
    ns_results r;
    fill(&r, 1000000, 800, 1500000, 500000, 100, 0);
    char c[1100];
    write_report(tmpdir, "c.json", "x \"y\", z", &r, NULL, c, sizeof c);
    const char *paths2[] = {a, c};
    out = table(paths2, 2, CLI_FMT_CSV);
    ck_assert_msg(strncmp(out, "metric,offload,\"x \"\"y\"\", z\",\"x \"\"y\"\", z diff\","
                               "\"x \"\"y\"\", z diff %\"\n", 54) == 0, "%s", out);
    free(out);
}
END_TEST

START_TEST(markdown_format)
{
    char a[1100], b[1100];
    two_reports(a, b, sizeof a);
    const char *paths[] = {a, b};
    char *out = table(paths, 2, CLI_FMT_MARKDOWN);
    ck_assert_msg(strncmp(out, "| metric | offload | slow | diff | diff % |\n"
                               "|---|---:|---:|---:|---:|\n", 67) == 0, "%s", out);
    expect_in(out, "| throughput (Gb/s) | 8.000 | 4.000 | -4.000 | -50.0% |\n");
    expect_in(out, "| CPU cycles total | 2000000 | 3000000 | +1000000 | +50.0% |\n");
    expect_in(out, "| frames dropped | 0 | 40 | +40 | - |\n");
    free(out);
}
END_TEST

START_TEST(three_reports_and_headers)
{
    char a[1100], b[1100], c[1100];
    two_reports(a, b, sizeof a);
    ns_results r;
    fill(&r, 1000000, 800, 1000000, 1000000, 80, 0);
    /* same scenario name as a.json: both headers get the file name */
    write_report(tmpdir, "c.json", "offload", &r, NULL, c, sizeof c);
    const char *paths[] = {a, b, c};
    char *out = table(paths, 3, CLI_FMT_CSV);
    ck_assert_msg(strncmp(out, "metric,offload (a.json),slow,slow diff,slow diff %,"
                               "offload (c.json),offload (c.json) diff,offload (c.json) diff %\n",
                          113) == 0, "%s", out);
    /* c.json has no baseline: its software and saved figures are empty, the others kept */
    expect_in(out, "\nsoftware: CPU cycles,3000000,4000000,1000000,33.3333333333,,,\n");
    expect_in(out, "\nCPU cycles total,2000000,3000000,1000000,50,2000000,0,0\n");
    free(out);

    /* same name and same file name in another directory: the whole path */
    char sub[1100], d[1100];
    snprintf(sub, sizeof sub, "%s/sub", tmpdir);
    ck_assert_int_eq(mkdir(sub, 0755), 0);
    write_report(sub, "a.json", "offload", &r, NULL, d, sizeof d);
    const char *paths2[] = {a, d};
    out = table(paths2, 2, CLI_FMT_MARKDOWN);
    char want[3000];
    snprintf(want, sizeof want, "| metric | offload (%s) | offload (%s) | diff | diff %% |\n", a, d);
    expect_in(out, want);
    free(out);

    /* through cli_compare with parsed arguments */
    const char *argv[] = {"nicsim", "compare", a, b, c, "--format", "markdown"};
    cli_args args;
    char err[1024] = "";
    ck_assert_int_eq(cli_args_parse(&args, 7, (char **)argv, err, sizeof err), CLI_OK);
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    ck_assert_int_eq(cli_compare(&args, f, err, sizeof err), CLI_OK);
    fclose(f);
    expect_in(buf, "| metric | offload (a.json) | slow | diff | diff % | offload (c.json) | diff |"
                   " diff % |\n");
    free(buf);
    cli_args_free(&args);
}
END_TEST

/* Expects cli_compare_load to fail with a message naming path and containing want. */
static void expect_load_error(const char *path, const char *want)
{
    json_t *j = (json_t *)1;
    char err[1024] = "";
    ck_assert_int_eq(cli_compare_load(path, &j, err, sizeof err), CLI_EUSAGE);
    ck_assert_ptr_null(j);
    ck_assert_msg(strstr(err, path) != NULL, "'%s' does not name %s", err, path);
    ck_assert_msg(strstr(err, want) != NULL, "expected '%s' in '%s'", want, err);
    ck_assert_ptr_null(strchr(err, '\n'));
}

START_TEST(bad_files)
{
    char p[1100];
    tu_write(tmpdir, "garbage.json", "this is not JSON\n", p, sizeof p);
    expect_load_error(p, "is not a nicsim report: not JSON (line 1");
    tu_write(tmpdir, "other.json", "{\"name\": \"something else\"}\n", p, sizeof p);
    expect_load_error(p, "is not a nicsim report (no \"schema\"");
    tu_write(tmpdir, "array.json", "[1, 2]\n", p, sizeof p);
    expect_load_error(p, "is not a nicsim report");
    tu_write(tmpdir, "foreign.json", "{\"schema\": \"other-report/3\"}\n", p, sizeof p);
    expect_load_error(p, "is not a nicsim report");
    tu_write(tmpdir, "empty.json", "", p, sizeof p);
    expect_load_error(p, "not JSON");
    snprintf(p, sizeof p, "%s/none.json", tmpdir);
    expect_load_error(p, "cannot read report");
    expect_load_error(tmpdir, "Is a directory");
}
END_TEST

START_TEST(schema_mismatch)
{
    char a[1100], b[1100], old[1100];
    two_reports(a, b, sizeof a);
    json_t *j = load(b);
    json_object_set_new(j, "schema", json_string("nicsim-report/2"));
    snprintf(old, sizeof old, "%s/old.json", tmpdir);
    ck_assert_int_eq(json_dump_file(j, old, 0), 0);
    json_decref(j);

    json_t *js[2] = {load(a), load(old)};
    const char *paths[] = {a, old};
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    char err[2048] = "";
    ck_assert_int_eq(cli_compare_print(f, js, paths, 2, CLI_FMT_TEXT, err, sizeof err),
                     CLI_EUSAGE);
    fclose(f);
    ck_assert_str_eq(buf, "");  /* nothing printed */
    char want[3000];
    snprintf(want, sizeof want, "'%s' is a nicsim-report/2 report but '%s' is nicsim-report/3", old,
             a);
    ck_assert_msg(strstr(err, want) != NULL, "got '%s'", err);
    ck_assert_ptr_null(strchr(err, '\n'));
    free(buf);
    json_decref(js[0]);
    json_decref(js[1]);

    /* the same older schema on both sides compares what both have */
    const char *paths2[] = {old, old};
    char *out = table(paths2, 2, CLI_FMT_CSV);
    expect_in(out, "\nthroughput (Gb/s),4,4,0,0\n");
    free(out);
}
END_TEST

/* Percent differences only where they mean something: percentages differ by percentage
 * points, and a saving (a difference itself, here negative) or a zero base gets none. */
START_TEST(points_and_no_percent_of_differences)
{
    char a[1100], b[1100];
    ns_results r, base;
    /* the offload costs more than its baseline: a negative saving */
    fill(&r, 1000000, 800, 2000000, 1000000, 100, 0);
    fill(&base, 1000000, 800, 1500000, 1000000, 100, 0);
    write_report(tmpdir, "neg.json", "neg", &r, &base, a, sizeof a);
    fill(&r, 1000000, 800, 1000000, 500000, 100, 0);
    fill(&base, 1000000, 800, 2000000, 1000000, 100, 0);
    write_report(tmpdir, "pos.json", "pos", &r, &base, b, sizeof b);
    const char *paths[] = {a, b};
    char *out = table(paths, 2, CLI_FMT_TEXT);
    /* -500000 -> +1500000 is no "+400%" */
    expect_in(out, "saved: CPU cycles            -500000  1500000  +2000000       -\n");
    expect_in(out, "saved: CPU cycles (%)          -20.0     50.0  +70.0 pp       -\n");
    expect_in(out, "saved: headline (%)            -20.0     50.0  +70.0 pp       -\n");
    expect_in(out, "CPU utilization avg (%)         75.0     37.5  -37.5 pp       -\n");
    expect_in(out, "CPU cycles total             3000000  1500000  -1500000  -50.0%\n");
    expect_in(out, "TCP retransmitted bytes            0        0        +0       -\n");
    free(out);
    out = table(paths, 2, CLI_FMT_MARKDOWN);
    expect_in(out, "| saved: CPU cycles (%) | -20.0 | 50.0 | +70.0 pp | - |\n");
    free(out);
    out = table(paths, 2, CLI_FMT_CSV);
    expect_in(out, "\nsaved: CPU cycles,-500000,1500000,2000000,\n");
    expect_in(out, "\nCPU utilization avg (%),75,37.5,-37.5,\n");
    free(out);
}
END_TEST

/* The split by feature side by side, only when every report has it; a feature off says so. */
START_TEST(split_by_feature)
{
    char a[1100], b[1100], c[1100];
    ns_results r, base, mid;
    cli_split sp;
    memset(&sp, 0, sizeof sp);
    fill(&r, 1000000, 800, 1500000, 500000, 100, 0);
    fill(&base, 1000000, 800, 2000000, 1000000, 100, 0);
    fill(&mid, 1000000, 800, 2000000, 600000, 100, 0);
    sp.features = NS_FEAT_CHECKSUM | NS_FEAT_RSS;
    sp.rung[0] = &base;
    sp.rung[1] = &mid;
    sp.rung[2] = &r;
    report_split = &sp;
    write_report(tmpdir, "a.json", "both", &r, &base, a, sizeof a);
    sp.features = NS_FEAT_CHECKSUM;
    sp.rung[1] = &r;
    write_report(tmpdir, "b.json", "checksum", &r, &base, b, sizeof b);
    report_split = NULL;
    write_report(tmpdir, "c.json", "nosplit", &r, &base, c, sizeof c);
    const char *ab[] = {a, b}, *ac[] = {a, c};
    char *t = table(ab, 2, CLI_FMT_TEXT);
    expect_in(t, "saved by checksum offload: CPU cycles   400000   1000000   +600000       -\n");
    expect_in(t, "saved by checksum offload (%)             13.3      33.3  +20.0 pp       -\n");
    expect_in(t, "saved by RSS: CPU cycles                600000       off         -       -\n");
    expect_in(t, "saved by RSS (%)                          20.0       off         -       -\n");
    expect_in(t, "saved by NetDMA: CPU cycles                off       off         -       -\n");
    free(t);
    t = table(ac, 2, CLI_FMT_TEXT);
    ck_assert_msg(strstr(t, "saved by") == NULL, "%s", t);
    free(t);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("cli_compare");
    TCase *tc = tcase_create("compare");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, text_format);
    tcase_add_test(tc, csv_format);
    tcase_add_test(tc, markdown_format);
    tcase_add_test(tc, points_and_no_percent_of_differences);
    tcase_add_test(tc, three_reports_and_headers);
    tcase_add_test(tc, bad_files);
    tcase_add_test(tc, schema_mismatch);
    tcase_add_test(tc, split_by_feature);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
