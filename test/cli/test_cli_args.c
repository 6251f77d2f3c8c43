/* Command-line parsing: commands, options, values, errors. */
#include "cli.h"
#include "hs.h"

#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define ARGC(v) ((int)(sizeof(v) / sizeof((v)[0])))

static char err[1024];

static int parse(cli_args *a, int argc, const char **argv)
{
    err[0] = '\0';
    int rc = cli_args_parse(a, argc, (char **)argv, err, sizeof err);
    if (rc != CLI_OK) {
        ck_assert_int_eq(rc, CLI_EUSAGE);
        ck_assert_msg(err[0] && !strchr(err, '\n'), "bad message '%s'", err);
    }
    return rc;
}

static void expect_error(int argc, const char **argv, const char *want)
{
    cli_args a;
    int rc = parse(&a, argc, argv);
    ck_assert_msg(rc == CLI_EUSAGE, "accepted (want error '%s')", want);
    ck_assert_msg(strstr(err, want) != NULL, "expected '%s' in '%s'", want, err);
    cli_args_free(&a);
}

START_TEST(commands)
{
    cli_args a;
    const char *h[] = {"nicsim", "--help"};
    ck_assert_int_eq(parse(&a, ARGC(h), h), CLI_OK);
    ck_assert_int_eq(a.command, CLI_CMD_HELP);
    cli_args_free(&a);
    const char *h2[] = {"nicsim", "-h"};
    ck_assert_int_eq(parse(&a, ARGC(h2), h2), CLI_OK);
    ck_assert_int_eq(a.command, CLI_CMD_HELP);
    cli_args_free(&a);
    const char *v[] = {"nicsim", "--version"};
    ck_assert_int_eq(parse(&a, ARGC(v), v), CLI_OK);
    ck_assert_int_eq(a.command, CLI_CMD_VERSION);
    cli_args_free(&a);
    const char *rh[] = {"nicsim", "run", "--help"};
    ck_assert_int_eq(parse(&a, ARGC(rh), rh), CLI_OK);
    ck_assert_int_eq(a.command, CLI_CMD_RUN_HELP);
    cli_args_free(&a);
    const char *rh2[] = {"nicsim", "run", "s.ini", "--bogus-later", "-h"};
    /* an unknown option before --help is still an error */
    ck_assert_int_eq(parse(&a, ARGC(rh2), rh2), CLI_EUSAGE);
    cli_args_free(&a);
    const char *rh3[] = {"nicsim", "help", "run"};
    ck_assert_int_eq(parse(&a, ARGC(rh3), rh3), CLI_OK);
    ck_assert_int_eq(a.command, CLI_CMD_RUN_HELP);
    cli_args_free(&a);
}
END_TEST

START_TEST(run_minimal)
{
    cli_args a;
    const char *v[] = {"nicsim", "run", "s.ini"};
    ck_assert_int_eq(parse(&a, ARGC(v), v), CLI_OK);
    ck_assert_int_eq(a.command, CLI_CMD_RUN);
    ck_assert_str_eq(a.scenario, "s.ini");
    ck_assert_ptr_null(a.trace);
    ck_assert_ptr_null(a.report);
    ck_assert_ptr_null(a.packet_log);
    ck_assert_ptr_null(a.host_pcap);
    ck_assert_ptr_null(a.wave);
    ck_assert_int_eq(a.wave_from_given, 0);
    ck_assert_int_eq(a.wave_to_given, 0);
    ck_assert_int_eq(a.quiet, 0);
    ck_assert_int_eq(a.nsets, 0);
    ck_assert_ptr_null(a.streams_dir);
    ck_assert_int_eq(a.no_baseline, 0);  /* the baseline runs by default */
    cli_args_free(&a);
}
END_TEST

START_TEST(run_all_options)
{
    cli_args a;
    const char *v[] = {"nicsim", "run", "--trace", "t.pcap", "--set", "nic.mtu=9000",
                       "S.ini", "--set=nic.rss_queues=4", "-o", "r.json", "--packet-log",
                       "p.csv", "--wave", "w.fst", "--wave-from", "1ms", "--wave-to=1.2ms",
                       "--quiet", "--save-streams", "streams", "--no-baseline"};
    ck_assert_int_eq(parse(&a, ARGC(v), v), CLI_OK);
    ck_assert_str_eq(a.scenario, "S.ini");
    ck_assert_str_eq(a.trace, "t.pcap");
    ck_assert_int_eq(a.nsets, 2);
    ck_assert_str_eq(a.sets[0], "nic.mtu=9000");
    ck_assert_str_eq(a.sets[1], "nic.rss_queues=4");
    ck_assert_str_eq(a.report, "r.json");
    ck_assert_str_eq(a.packet_log, "p.csv");
    ck_assert_str_eq(a.wave, "w.fst");
    ck_assert_int_eq(a.wave_from_given, 1);
    ck_assert_uint_eq(a.wave_from_ps, 1000000000ULL);
    ck_assert_int_eq(a.wave_to_given, 1);
    ck_assert_uint_eq(a.wave_to_ps, 1200000000ULL);
    ck_assert_int_eq(a.quiet, 1);
    ck_assert_str_eq(a.streams_dir, "streams");
    ck_assert_int_eq(a.no_baseline, 1);
    cli_args_free(&a);

    const char *w[] = {"nicsim", "run", "-or.json", "-q", "--output=x.json", "S.ini"};
    ck_assert_int_eq(parse(&a, ARGC(w), w), CLI_EUSAGE);  /* -o twice */
    ck_assert_ptr_nonnull(strstr(err, "--output given more than once"));
    cli_args_free(&a);
    const char *x[] = {"nicsim", "run", "-or.json", "-q", "--wave", "W.VCD", "--", "-odd.ini"};
    ck_assert_int_eq(parse(&a, ARGC(x), x), CLI_OK);
    ck_assert_str_eq(a.report, "r.json");
    ck_assert_str_eq(a.wave, "W.VCD");
    ck_assert_str_eq(a.scenario, "-odd.ini");
    cli_args_free(&a);
}
END_TEST

START_TEST(errors)
{
    const char *none[] = {"nicsim"};
    expect_error(ARGC(none), none, "no command given (try 'nicsim --help')");
    const char *cmd[] = {"nicsim", "simulate"};
    expect_error(ARGC(cmd), cmd, "unknown command 'simulate'");
    const char *opt[] = {"nicsim", "--frobnicate"};
    expect_error(ARGC(opt), opt, "unknown option '--frobnicate'");
    const char *ver[] = {"nicsim", "--version", "x"};
    expect_error(ARGC(ver), ver, "unexpected argument 'x'");
    const char *noscen[] = {"nicsim", "run"};
    expect_error(ARGC(noscen), noscen, "run: missing scenario file");
    const char *two[] = {"nicsim", "run", "a.ini", "b.ini"};
    expect_error(ARGC(two), two, "unexpected argument 'b.ini'");
    const char *ropt[] = {"nicsim", "run", "a.ini", "--fast"};
    expect_error(ARGC(ropt), ropt, "unknown option '--fast' (try 'nicsim run --help')");
    const char *sopt[] = {"nicsim", "run", "a.ini", "-x"};
    expect_error(ARGC(sopt), sopt, "unknown option '-x'");
    const char *qv[] = {"nicsim", "run", "a.ini", "--quiet=1"};
    expect_error(ARGC(qv), qv, "unknown option '--quiet=1'");
    const char *miss[] = {"nicsim", "run", "a.ini", "--trace"};
    expect_error(ARGC(miss), miss, "--trace: missing argument");
    const char *miss2[] = {"nicsim", "run", "a.ini", "--trace", "--quiet"};
    expect_error(ARGC(miss2), miss2, "--trace: missing argument (got option '--quiet'");
    const char *misso[] = {"nicsim", "run", "a.ini", "-o"};
    expect_error(ARGC(misso), misso, "--output: missing argument");
    const char *empty[] = {"nicsim", "run", "a.ini", "--trace="};
    expect_error(ARGC(empty), empty, "--trace: empty value");
    const char *trace2[] = {"nicsim", "run", "a.ini", "--trace", "a", "--trace", "b"};
    expect_error(ARGC(trace2), trace2, "--trace given more than once");
}
END_TEST

START_TEST(wave_options)
{
    const char *ext[] = {"nicsim", "run", "a.ini", "--wave", "w.vcd.gz"};
    expect_error(ARGC(ext), ext, "--wave: 'w.vcd.gz' must end in .fst or .vcd");
    const char *ext2[] = {"nicsim", "run", "a.ini", "--wave", ".fst2"};
    expect_error(ARGC(ext2), ext2, "must end in .fst or .vcd");
    const char *ext3[] = {"nicsim", "run", "a.ini", "--wave", ".fst"};
    expect_error(ARGC(ext3), ext3, "must end in .fst or .vcd");
    const char *unit[] = {"nicsim", "run", "a.ini", "--wave", "w.fst", "--wave-from", "1500"};
    expect_error(ARGC(unit), unit, "--wave-from: missing unit");
    const char *bad[] = {"nicsim", "run", "a.ini", "--wave", "w.fst", "--wave-to", "soon"};
    expect_error(ARGC(bad), bad, "--wave-to: missing number");
    const char *order[] = {"nicsim", "run", "a.ini", "--wave", "w.fst", "--wave-from", "2ms",
                           "--wave-to", "1ms"};
    expect_error(ARGC(order), order, "--wave-from (2000000000 ps) must be before --wave-to "
                                     "(1000000000 ps)");
    const char *eq[] = {"nicsim", "run", "a.ini", "--wave", "w.fst", "--wave-from", "1ms",
                        "--wave-to", "1000us"};
    expect_error(ARGC(eq), eq, "must be before --wave-to");
    const char *nowave[] = {"nicsim", "run", "a.ini", "--wave-from", "1ms"};
    expect_error(ARGC(nowave), nowave, "--wave-from needs --wave FILE");
    const char *nowave2[] = {"nicsim", "run", "a.ini", "--wave-to", "1ms"};
    expect_error(ARGC(nowave2), nowave2, "--wave-to needs --wave FILE");
    const char *twice[] = {"nicsim", "run", "a.ini", "--wave", "w.fst", "--wave-to", "1ms",
                           "--wave-to", "2ms"};
    expect_error(ARGC(twice), twice, "--wave-to given more than once");

    cli_args a;
    const char *only_from[] = {"nicsim", "run", "a.ini", "--wave", "w.fst", "--wave-from", "5us"};
    ck_assert_int_eq(parse(&a, ARGC(only_from), only_from), CLI_OK);
    ck_assert_uint_eq(a.wave_from_ps, 5000000);
    ck_assert_int_eq(a.wave_to_given, 0);
    cli_args_free(&a);
}
END_TEST

/* --wave-frame, --wave-scope, --connections, --stats-interval, --stats-out */
START_TEST(analysis_options)
{
    cli_args a;
    const char *all[] = {"nicsim", "run", "a.ini", "--wave", "w.fst", "--wave-frame", "42", "--wave-scope",
                         "ports,parser_inst", "--connections", "c.csv", "--stats-interval=1.5us",
                         "--stats-out", "s.csv"};
    ck_assert_int_eq(parse(&a, ARGC(all), all), CLI_OK);
    ck_assert_uint_eq(a.wave_frame, 42);
    ck_assert_str_eq(a.wave_scope, "ports,parser_inst");
    ck_assert_str_eq(a.connections, "c.csv");
    ck_assert_uint_eq(a.stats_interval_ps, 1500000);
    ck_assert_str_eq(a.stats_out, "s.csv");
    cli_args_free(&a);

    const char *zero[] = {"nicsim", "run", "a.ini", "--wave", "w.fst", "--wave-frame", "0"};
    expect_error(ARGC(zero), zero, "--wave-frame: ");
    const char *nowave[] = {"nicsim", "run", "a.ini", "--wave-frame", "3"};
    expect_error(ARGC(nowave), nowave, "--wave-frame needs --wave FILE");
    const char *nowave2[] = {"nicsim", "run", "a.ini", "--wave-scope", "ports"};
    expect_error(ARGC(nowave2), nowave2, "--wave-scope needs --wave FILE");
    const char *both[] = {"nicsim", "run", "a.ini", "--wave", "w.fst", "--wave-frame", "3", "--wave-to", "1ms"};
    expect_error(ARGC(both), both, "--wave-frame sets the waveform window itself");
    const char *list1[] = {"nicsim", "run", "a.ini", "--wave", "w.fst", "--wave-scope", "a,,b"};
    expect_error(ARGC(list1), list1, "is not a comma-separated list of block names");
    const char *list2[] = {"nicsim", "run", "a.ini", "--wave", "w.fst", "--wave-scope", "a.b"};
    expect_error(ARGC(list2), list2, "is not a comma-separated list of block names");
    const char *list3[] = {"nicsim", "run", "a.ini", "--wave", "w.fst", "--wave-scope", "a,"};
    expect_error(ARGC(list3), list3, "is not a comma-separated list of block names");
    const char *iv0[] = {"nicsim", "run", "a.ini", "--stats-interval", "0s"};
    expect_error(ARGC(iv0), iv0, "--stats-interval: the interval must be longer than 0");
    const char *ivu[] = {"nicsim", "run", "a.ini", "--stats-interval", "10"};
    expect_error(ARGC(ivu), ivu, "--stats-interval: missing unit");
    const char *out[] = {"nicsim", "run", "a.ini", "--stats-out", "s.csv"};
    expect_error(ARGC(out), out, "--stats-out needs --stats-interval TIME");
    const char *twice[] = {"nicsim", "run", "a.ini", "--connections", "a.csv", "--connections", "b.csv"};
    expect_error(ARGC(twice), twice, "--connections given more than once");
}
END_TEST

START_TEST(host_pcap_option)
{
    cli_args a;
    const char *v[] = {"nicsim", "run", "S.ini", "--host-pcap", "h.pcap", "-o", "r.json"};
    ck_assert_int_eq(parse(&a, ARGC(v), v), CLI_OK);
    ck_assert_str_eq(a.host_pcap, "h.pcap");
    ck_assert_str_eq(a.report, "r.json");
    ck_assert_str_eq(a.scenario, "S.ini");
    cli_args_free(&a);
    const char *eq[] = {"nicsim", "run", "--host-pcap=dir/h.pcap", "S.ini"};
    ck_assert_int_eq(parse(&a, ARGC(eq), eq), CLI_OK);
    ck_assert_str_eq(a.host_pcap, "dir/h.pcap");
    ck_assert_str_eq(a.scenario, "S.ini");
    cli_args_free(&a);
    /* the value may look like anything but an option */
    const char *odd[] = {"nicsim", "run", "S.ini", "--host-pcap", "-"};
    ck_assert_int_eq(parse(&a, ARGC(odd), odd), CLI_OK);
    ck_assert_str_eq(a.host_pcap, "-");
    cli_args_free(&a);

    const char *miss[] = {"nicsim", "run", "S.ini", "--host-pcap"};
    expect_error(ARGC(miss), miss, "--host-pcap: missing argument");
    const char *miss2[] = {"nicsim", "run", "S.ini", "--host-pcap", "--quiet"};
    expect_error(ARGC(miss2), miss2, "--host-pcap: missing argument (got option '--quiet'");
    const char *empty[] = {"nicsim", "run", "S.ini", "--host-pcap="};
    expect_error(ARGC(empty), empty, "--host-pcap: empty value");
    const char *twice[] = {"nicsim", "run", "S.ini", "--host-pcap", "a", "--host-pcap=b"};
    expect_error(ARGC(twice), twice, "--host-pcap given more than once");
    const char *prefix[] = {"nicsim", "run", "S.ini", "--host-pcapx", "a"};
    expect_error(ARGC(prefix), prefix, "unknown option '--host-pcapx'");
    const char *flag[] = {"nicsim", "run", "S.ini", "--host"};
    expect_error(ARGC(flag), flag, "unknown option '--host'");
}
END_TEST

START_TEST(streams_and_baseline_options)
{
    cli_args a;
    const char *eq[] = {"nicsim", "run", "S.ini", "--save-streams=out/dir"};
    ck_assert_int_eq(parse(&a, ARGC(eq), eq), CLI_OK);
    ck_assert_str_eq(a.streams_dir, "out/dir");
    cli_args_free(&a);
    const char *miss[] = {"nicsim", "run", "S.ini", "--save-streams"};
    expect_error(ARGC(miss), miss, "--save-streams: missing argument");
    const char *empty[] = {"nicsim", "run", "S.ini", "--save-streams="};
    expect_error(ARGC(empty), empty, "--save-streams: empty value");
    const char *twice[] = {"nicsim", "run", "S.ini", "--save-streams", "a", "--save-streams", "b"};
    expect_error(ARGC(twice), twice, "--save-streams given more than once");
    const char *nbv[] = {"nicsim", "run", "S.ini", "--no-baseline=1"};
    expect_error(ARGC(nbv), nbv, "unknown option '--no-baseline=1'");

    /* the directory check */
    char err2[1024], dir[256], file[300];
    const char *base = getenv("TMPDIR");
    snprintf(dir, sizeof dir, "%s/nicsim-args-XXXXXX", base && *base ? base : "/tmp");
    ck_assert_ptr_nonnull(mkdtemp(dir));
    ck_assert_int_eq(cli_check_streams_dir(dir, err2, sizeof err2), CLI_OK);
    snprintf(file, sizeof file, "%s/f", dir);
    FILE *f = fopen(file, "w");
    ck_assert_ptr_nonnull(f);
    fclose(f);
    ck_assert_int_eq(cli_check_streams_dir(file, err2, sizeof err2), CLI_EUSAGE);
    ck_assert_ptr_nonnull(strstr(err2, "is not a directory"));
    ck_assert_int_eq(cli_check_streams_dir("/no/such/dir", err2, sizeof err2), CLI_EUSAGE);
    ck_assert_str_eq(err2, "--save-streams: cannot use '/no/such/dir': No such file or directory "
                           "(give an existing directory)");
    if (geteuid() != 0) {  /* root may write anywhere */
        ck_assert_int_eq(chmod(dir, 0500), 0);
        ck_assert_int_eq(cli_check_streams_dir(dir, err2, sizeof err2), CLI_EUSAGE);
        ck_assert_ptr_nonnull(strstr(err2, "cannot write into"));
        chmod(dir, 0700);
    }
    remove(file);
    rmdir(dir);
}
END_TEST

START_TEST(baseline_config)
{
    ns_config c, b;
    ns_config_defaults(&c);
    c.rss_queues = 4;
    c.cpus = 4;
    c.stack.ack_every = 3;
    c.stack.recv_buffer_bytes = 4096;
    c.trace_path = "t.pcap";
    c.wave_path = "w.fst";
    c.wave_from_ps = 5;
    c.wave_to_ps = 10;
    c.packet_log = stdout;
    c.host_pcap = "h.pcap";
    c.streams_dir = "streams";
    c.stack.streams_dir = "streams";
    c.progress = 1;
    snprintf(c.cost_profile, sizeof c.cost_profile, "modern");
    ns_config_finalize(&c);
    memset(&b, 0xa5, sizeof b);
    ns_config_baseline(&c, &b);
    /* every offload off */
    ck_assert_int_eq(b.rss_enable, 0);
    ck_assert_int_eq(b.csum_offload, 0);
    ck_assert_int_eq(b.stack.csum_offload, 0);
    /* no outputs */
    ck_assert_ptr_null(b.wave_path);
    ck_assert_uint_eq(b.wave_from_ps, 0);
    ck_assert_uint_eq(b.wave_to_ps, 0);
    ck_assert_ptr_null(b.packet_log);
    ck_assert_ptr_null(b.host_pcap);
    ck_assert_ptr_null(b.streams_dir);
    ck_assert_ptr_null(b.stack.streams_dir);
    /* everything else as in the run: same trace, host, stack and profile */
    ck_assert_int_eq(b.progress, 1);
    ck_assert_str_eq(b.trace_path, "t.pcap");
    ck_assert_str_eq(b.cost_profile, "modern");
    ck_assert_int_eq(b.rss_queues, 4);
    ck_assert_int_eq(b.cpus, 4);
    ck_assert_uint_eq(b.stack.ack_every, 3);
    ck_assert_uint_eq(b.stack.recv_buffer_bytes, 4096);
    ck_assert_mem_eq(b.table, c.table, sizeof c.table);
    ck_assert_mem_eq(&b.pcie, &c.pcie, sizeof c.pcie);
    /* the input is left alone; out may be the input itself */
    ck_assert_int_eq(c.rss_enable, 1);
    ck_assert_int_eq(c.csum_offload, 1);
    ck_assert_str_eq(c.wave_path, "w.fst");
    ns_config_baseline(&c, &c);
    ck_assert_int_eq(c.rss_enable, 0);
    ck_assert_ptr_null(c.wave_path);
}
END_TEST

START_TEST(compare_options)
{
    cli_args a;
    const char *v[] = {"nicsim", "compare", "a.json", "b.json", "c.json"};
    ck_assert_int_eq(parse(&a, ARGC(v), v), CLI_OK);
    ck_assert_int_eq(a.command, CLI_CMD_COMPARE);
    ck_assert_int_eq(a.nreports, 3);
    ck_assert_str_eq(a.reports[0], "a.json");
    ck_assert_str_eq(a.reports[2], "c.json");
    ck_assert_int_eq(a.format, CLI_FMT_TEXT);
    cli_args_free(&a);
    static const struct {
        const char *name;
        int fmt;
    } fm[] = {{"text", CLI_FMT_TEXT}, {"csv", CLI_FMT_CSV}, {"markdown", CLI_FMT_MARKDOWN},
              {"md", CLI_FMT_MARKDOWN}};
    for (size_t i = 0; i < sizeof fm / sizeof fm[0]; i++) {
        const char *w[] = {"nicsim", "compare", "--format", fm[i].name, "a.json", "b.json"};
        ck_assert_int_eq(parse(&a, ARGC(w), w), CLI_OK);
        ck_assert_int_eq(a.format, fm[i].fmt);
        ck_assert_int_eq(a.nreports, 2);
        cli_args_free(&a);
    }
    const char *eq[] = {"nicsim", "compare", "a.json", "--format=csv", "b.json"};
    ck_assert_int_eq(parse(&a, ARGC(eq), eq), CLI_OK);
    ck_assert_int_eq(a.format, CLI_FMT_CSV);
    cli_args_free(&a);
    const char *h[] = {"nicsim", "compare", "--help"};
    ck_assert_int_eq(parse(&a, ARGC(h), h), CLI_OK);
    ck_assert_int_eq(a.command, CLI_CMD_COMPARE_HELP);
    cli_args_free(&a);
    const char *h2[] = {"nicsim", "help", "compare"};
    ck_assert_int_eq(parse(&a, ARGC(h2), h2), CLI_OK);
    ck_assert_int_eq(a.command, CLI_CMD_COMPARE_HELP);
    cli_args_free(&a);

    const char *one[] = {"nicsim", "compare", "a.json"};
    expect_error(ARGC(one), one, "compare: needs at least two reports");
    const char *none[] = {"nicsim", "compare"};
    expect_error(ARGC(none), none, "compare: needs at least two reports");
    const char *bad[] = {"nicsim", "compare", "a.json", "b.json", "--format", "html"};
    expect_error(ARGC(bad), bad, "--format: 'html' is not a format (expected text, csv or "
                                 "markdown)");
    const char *twice[] = {"nicsim", "compare", "a.json", "b.json", "--format", "csv",
                           "--format", "text"};
    expect_error(ARGC(twice), twice, "--format given more than once");
    const char *miss[] = {"nicsim", "compare", "a.json", "b.json", "--format"};
    expect_error(ARGC(miss), miss, "--format: missing argument");
    const char *unk[] = {"nicsim", "compare", "a.json", "b.json", "-o", "x"};
    expect_error(ARGC(unk), unk, "unknown option '-o' (try 'nicsim compare --help')");
}
END_TEST

START_TEST(calibrate_options)
{
    cli_args a;
    const char *v[] = {"nicsim", "calibrate"};
    ck_assert_int_eq(parse(&a, ARGC(v), v), CLI_OK);
    ck_assert_int_eq(a.command, CLI_CMD_CALIBRATE);
    ck_assert_str_eq(a.profile_out, "calibrated.profile");
    ck_assert(a.mhz == 0.0);
    ck_assert_int_eq(a.force, 0);
    cli_args_free(&a);
    const char *all[] = {"nicsim", "calibrate", "-o", "my.profile", "--mhz", "2666.5", "--force"};
    ck_assert_int_eq(parse(&a, ARGC(all), all), CLI_OK);
    ck_assert_str_eq(a.profile_out, "my.profile");
    ck_assert(a.mhz == 2666.5);
    ck_assert_int_eq(a.force, 1);
    cli_args_free(&a);
    const char *eq[] = {"nicsim", "calibrate", "--output=p", "--mhz=3000"};
    ck_assert_int_eq(parse(&a, ARGC(eq), eq), CLI_OK);
    ck_assert_str_eq(a.profile_out, "p");
    ck_assert(a.mhz == 3000.0);
    cli_args_free(&a);
    const char *h[] = {"nicsim", "calibrate", "-h"};
    ck_assert_int_eq(parse(&a, ARGC(h), h), CLI_OK);
    ck_assert_int_eq(a.command, CLI_CMD_CALIBRATE_HELP);
    cli_args_free(&a);
    const char *h2[] = {"nicsim", "help", "calibrate"};
    ck_assert_int_eq(parse(&a, ARGC(h2), h2), CLI_OK);
    ck_assert_int_eq(a.command, CLI_CMD_CALIBRATE_HELP);
    cli_args_free(&a);

    const char *zero[] = {"nicsim", "calibrate", "--mhz", "0"};
    expect_error(ARGC(zero), zero, "--mhz: out of range (expected 1..10000 MHz) ('0')");
    const char *neg[] = {"nicsim", "calibrate", "--mhz", "-5"};
    expect_error(ARGC(neg), neg, "--mhz: out of range (expected 1..10000 MHz) ('-5')");
    const char *word[] = {"nicsim", "calibrate", "--mhz", "fast"};
    expect_error(ARGC(word), word, "--mhz: not a number ('fast')");
    const char *big10[] = {"nicsim", "calibrate", "--mhz", "10000.5"};
    expect_error(ARGC(big10), big10, "--mhz: out of range (expected 1..10000 MHz) ('10000.5')");
    const char *big[] = {"nicsim", "calibrate", "--mhz", "2e6"};
    expect_error(ARGC(big), big, "--mhz: out of range (expected 1..10000 MHz)");
    const char *twice[] = {"nicsim", "calibrate", "--mhz", "2", "--mhz", "3"};
    expect_error(ARGC(twice), twice, "--mhz given more than once");
    const char *pos[] = {"nicsim", "calibrate", "out.profile"};
    expect_error(ARGC(pos), pos, "calibrate: unexpected argument 'out.profile' (write the "
                                 "profile with -o out.profile)");
    const char *empty[] = {"nicsim", "calibrate", "-o", ""};
    expect_error(ARGC(empty), empty, "--output: empty value");
    const char *unk[] = {"nicsim", "calibrate", "--repeat", "3"};
    expect_error(ARGC(unk), unk, "unknown option '--repeat' (try 'nicsim calibrate --help')");

    /* repetitions and the spread check */
    ck_assert_int_eq(a.cal_runs, 0);
    const char *sp[] = {"nicsim", "calibrate", "--runs", "31", "--max-seconds", "7.5",
                        "--max-spread", "40", "--accept-spread"};
    ck_assert_int_eq(parse(&a, ARGC(sp), sp), CLI_OK);
    ck_assert_int_eq(a.cal_runs, 31);
    ck_assert(a.cal_max_seconds == 7.5);
    ck_assert(a.cal_max_spread_pct == 40.0);
    ck_assert_int_eq(a.accept_spread, 1);
    cli_args_free(&a);
    const char *few[] = {"nicsim", "calibrate", "--runs", "3"};
    expect_error(ARGC(few), few, "--runs: ");
    const char *many[] = {"nicsim", "calibrate", "--runs", "102"};
    expect_error(ARGC(many), many, "--runs: ");
    const char *r2[] = {"nicsim", "calibrate", "--runs", "20", "--runs", "30"};
    expect_error(ARGC(r2), r2, "--runs given more than once");
    const char *ms[] = {"nicsim", "calibrate", "--max-spread", "0"};
    expect_error(ARGC(ms), ms, "--max-spread: must be 1..1000 ('0')");
    const char *mt[] = {"nicsim", "calibrate", "--max-seconds", "soon"};
    expect_error(ARGC(mt), mt, "--max-seconds: not a number ('soon')");
}
END_TEST

START_TEST(calibrate_refuses_overwrite)
{
    /* the checks that come before any measurement */
    char dir[256], path[300], err2[1024];
    const char *base = getenv("TMPDIR");
    snprintf(dir, sizeof dir, "%s/nicsim-cal-XXXXXX", base && *base ? base : "/tmp");
    ck_assert_ptr_nonnull(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/old.profile", dir);
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs("keep me\n", f);
    fclose(f);
    cli_args a;
    memset(&a, 0, sizeof a);
    a.command = CLI_CMD_CALIBRATE;
    a.profile_out = path;
    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);
    ck_assert_int_eq(cli_calibrate(&a, out, err2, sizeof err2), CLI_EUSAGE);
    ck_assert_ptr_nonnull(strstr(err2, "exists; use --force to overwrite it"));
    a.profile_out = dir;  /* a directory, --force or not */
    a.force = 1;
    ck_assert_int_eq(cli_calibrate(&a, out, err2, sizeof err2), CLI_EUSAGE);
    ck_assert_ptr_nonnull(strstr(err2, "is a directory"));
    snprintf(path, sizeof path, "%s/no/such/dir/p.profile", dir);
    a.profile_out = path;
    ck_assert_int_eq(cli_calibrate(&a, out, err2, sizeof err2), CLI_EUSAGE);
    ck_assert_ptr_nonnull(strstr(err2, "calibrate: cannot write"));
    fclose(out);
    ck_assert_str_eq(buf, "");
    free(buf);
    snprintf(path, sizeof path, "%s/old.profile", dir);
    char line[32] = "";
    f = fopen(path, "r");
    ck_assert_ptr_nonnull(fgets(line, sizeof line, f));
    fclose(f);
    ck_assert_str_eq(line, "keep me\n");
    remove(path);
    rmdir(dir);
}
END_TEST

/* nicsim calibrate with the measurement replaced: every cost 1000 cycles (per byte 0.5),
 * tcp_rx alternating 100 / 300 when `wide`. */
static int cal_wide;
static int fake_cal_run(void *user, int run, double *cycles, char *msg, size_t msglen)
{
    (void)user;
    (void)msg;
    (void)msglen;
    for (int k = 0; k < HS_COST_COUNT; k++) {
        const char *n = hs_cost_key_name(k);
        size_t l = strlen(n);
        cycles[k] = l > 5 && strcmp(n + l - 5, "_byte") == 0 ? 0.5 : 1000;
    }
    if (cal_wide)
        cycles[HS_C_TCP_RX] = run % 2 ? 300 : 100;
    return 0;
}

START_TEST(calibrate_spread_refused_or_accepted)
{
    char dir[256], path[300], err2[1024] = "";
    const char *base = getenv("TMPDIR");
    snprintf(dir, sizeof dir, "%s/nicsim-cal-XXXXXX", base && *base ? base : "/tmp");
    ck_assert_ptr_nonnull(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/c.profile", dir);
    cli_args a;
    memset(&a, 0, sizeof a);
    a.command = CLI_CMD_CALIBRATE;
    a.profile_out = path;
    a.mhz = 2000;
    a.cal_runs = 15;
    hs_calib_opts hooks;
    memset(&hooks, 0, sizeof hooks);
    hooks.run_fn = fake_cal_run;
    char *buf = NULL;
    size_t len = 0;

    /* too wide: the table, no file, one error line naming the key and its spread */
    cal_wide = 1;
    FILE *out = open_memstream(&buf, &len);
    ck_assert_int_eq(cli_calibrate_hooked(&a, &hooks, out, err2, sizeof err2), CLI_ERUN);
    fclose(out);
    ck_assert_str_eq(err2, "calibrate: tcp_rx varies too much between runs: spread 200% exceeds "
                           "25% (min 100, median 100, max 300 cycles over 15 runs); rerun on a "
                           "quieter machine, or keep it with --accept-spread");
    ck_assert_int_ne(access(path, F_OK), 0);
    ck_assert_ptr_nonnull(strstr(buf, "not written: "));
    ck_assert_ptr_nonnull(strstr(buf, "15 runs in "));
    ck_assert_ptr_nonnull(strstr(buf, "stopped: run limit"));
    ck_assert_ptr_nonnull(strstr(buf, "min     median        max  spread"));
    ck_assert_ptr_nonnull(strstr(buf, "tcp_rx                  100        100        100        300   200%!"));
    ck_assert_ptr_nonnull(strstr(buf, "ip_rx                  1000       1000       1000       1000      0%"));
    free(buf);
    buf = NULL;

    /* accepted: written, with the median, and the summary says what was accepted */
    a.accept_spread = 1;
    out = open_memstream(&buf, &len);
    ck_assert_msg(cli_calibrate_hooked(&a, &hooks, out, err2, sizeof err2) == CLI_OK, "%s", err2);
    fclose(out);
    ck_assert_ptr_nonnull(strstr(buf, "wrote "));
    ck_assert_ptr_nonnull(strstr(buf, "accepted with --accept-spread: 1 cost(s) over the spread "
                                      "limit, widest tcp_rx (200%)"));
    hs_cost c;
    char herr[256];
    ck_assert_msg(hs_cost_load(&c, path, herr, sizeof herr) == 0, "%s", herr);
    ck_assert(c.v[HS_C_TCP_RX] == 100);
    free(buf);
    buf = NULL;

    /* stable: settles after the fewest runs, no spread note */
    cal_wide = 0;
    a.accept_spread = 0;
    a.force = 1;
    out = open_memstream(&buf, &len);
    ck_assert_msg(cli_calibrate_hooked(&a, &hooks, out, err2, sizeof err2) == CLI_OK, "%s", err2);
    fclose(out);
    ck_assert_ptr_nonnull(strstr(buf, "9 runs in "));
    ck_assert_ptr_nonnull(strstr(buf, "stopped: stable"));
    ck_assert_ptr_null(strstr(buf, "accepted with"));
    free(buf);
    remove(path);
    rmdir(dir);
}
END_TEST

START_TEST(usage_texts)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    cli_print_usage(f);
    fclose(f);
    ck_assert_ptr_nonnull(strstr(buf, "usage: nicsim COMMAND"));
    ck_assert_ptr_nonnull(strstr(buf, "  run SCENARIO.ini"));
    ck_assert_ptr_nonnull(strstr(buf, "  compare A.json B.json"));
    ck_assert_ptr_nonnull(strstr(buf, "  calibrate [-o PROFILE] [--mhz N] [--force]"));
    free(buf);
    f = open_memstream(&buf, &len);
    cli_print_run_usage(f);
    cli_print_compare_usage(f);
    cli_print_calibrate_usage(f);
    fclose(f);
    ck_assert_ptr_nonnull(strstr(buf, "--save-streams DIR"));
    ck_assert_ptr_nonnull(strstr(buf, "--no-baseline"));
    ck_assert_ptr_nonnull(strstr(buf, "--format FORMAT"));
    ck_assert_ptr_nonnull(strstr(buf, "--mhz N"));
    ck_assert_ptr_nonnull(strstr(buf, "--force"));
    ck_assert_ptr_nonnull(strstr(buf, "--wave-from TIME"));
    ck_assert_ptr_nonnull(strstr(buf, "--set SECTION.KEY=VALUE"));
    ck_assert_ptr_nonnull(strstr(buf, "--host-pcap FILE"));
    free(buf);
    ck_assert_str_eq(cli_version(), NICSIM_TEST_VERSION);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("cli_args");
    TCase *tc = tcase_create("args");
    tcase_add_test(tc, commands);
    tcase_add_test(tc, run_minimal);
    tcase_add_test(tc, run_all_options);
    tcase_add_test(tc, errors);
    tcase_add_test(tc, wave_options);
    tcase_add_test(tc, analysis_options);
    tcase_add_test(tc, host_pcap_option);
    tcase_add_test(tc, streams_and_baseline_options);
    tcase_add_test(tc, baseline_config);
    tcase_add_test(tc, compare_options);
    tcase_add_test(tc, calibrate_options);
    tcase_add_test(tc, calibrate_refuses_overwrite);
    tcase_add_test(tc, calibrate_spread_refused_or_accepted);
    tcase_add_test(tc, usage_texts);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
