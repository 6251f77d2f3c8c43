/* Command-line arguments of nicsim. */
#include "cli.h"
#include "cli_util.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

void cli_print_usage(FILE *f)
{
    fprintf(f,
            "usage: nicsim COMMAND [ARGS]\n"
            "\n"
            "Cycle-level simulator of an offload NIC (RSS, checksum offload) replaying a\n"
            "packet capture through the Verilated RTL, measuring the host CPU cycles the\n"
            "offloads save against a pure software path.\n"
            "\n"
            "commands:\n"
            "  run SCENARIO.ini [options]      simulate one scenario and its software baseline;\n"
            "                                  'nicsim run --help' for options\n"
            "  compare A.json B.json [C.json...] [--format text|csv|markdown]\n"
            "                                  side-by-side table of reports, each against the\n"
            "                                  first; 'nicsim compare --help'\n"
            "  calibrate [-o PROFILE] [--mhz N] [--force] [--accept-spread]\n"
            "                                  measure the host stack's costs on this machine and\n"
            "                                  write a cost profile; 'nicsim calibrate --help'\n"
            "  help [COMMAND]                  this help, or a command's\n"
            "\n"
            "options:\n"
            "  -h, --help      this help\n"
            "  --version       print the version\n"
            "\n"
            "Scenario files are described in docs/scenarios.md, reports in docs/report.md,\n"
            "cost profiles in docs/cost-model.md.\n");
}

void cli_print_run_usage(FILE *f)
{
    fprintf(f,
            "usage: nicsim run SCENARIO.ini [options]\n"
            "\n"
            "Runs the scenario, then the same trace with every offload off (the software\n"
            "baseline: EnableRSS = 0, EnableChecksumOffload = 0), and reports both and the\n"
            "cycles the offloads save. The saving is split by feature: one more run per\n"
            "offload the scenario uses, adding them to the baseline one at a time in the\n"
            "order checksum, RSS, NetDMA, Chimney (runs side by side, at most one per CPU).\n"
            "\n"
            "options:\n"
            "  --trace FILE            capture to replay (pcap or pcapng); overrides\n"
            "                          'trace' in the scenario's [scenario] section\n"
            "  --set SECTION.KEY=VALUE change one scenario key after the file is read\n"
            "                          (repeatable; e.g. --set nic.rss_queues=8)\n"
            "  -o, --output FILE       write the JSON report to FILE\n"
            "  --no-baseline           skip the software baseline run (no 'baseline' and\n"
            "                          'savings' in the report; implies --no-split)\n"
            "  --no-split              no split of the saving by feature (no extra runs;\n"
            "                          no 'savings.by_feature' in the report)\n"
            "  --packet-log FILE       write one CSV row per frame the NIC received\n"
            "                          (with its latency)\n"
            "  --connections FILE      write one CSV row per TCP connection (frames, bytes,\n"
            "                          CPU cycles, latency percentiles)\n"
            "  --stats-interval TIME   write the main counters every TIME of simulated\n"
            "                          time as CSV rows (time series)\n"
            "  --stats-out FILE        the time series file (default: the report's name\n"
            "                          with -stats.csv, or SCENARIO-stats.csv)\n"
            "  --host-pcap FILE        write every frame as the driver read it from host\n"
            "                          memory (pcap)\n"
            "  --tx-pcap FILE          write every frame the NIC sent on the wire: the host\n"
            "                          stack's and the offload engine's ACKs (pcap)\n"
            "  --save-streams DIR      write the bytes each connection's application\n"
            "                          received into files in DIR (an existing directory)\n"
            "  --wave FILE             dump a waveform (.fst or .vcd)\n"
            "  --wave-from TIME        start of the waveform window (default: start)\n"
            "  --wave-to TIME          end of the waveform window (default: end of run)\n"
            "  --wave-frame N          waveform window around record N of the capture: from\n"
            "                          1 us before its first bit to 1 us after the host\n"
            "                          stack finished it\n"
            "  --wave-scope B[,B...]   dump only these blocks of nic_top (instance names,\n"
            "                          e.g. parser_inst; 'ports': nic_top's own ports)\n"
            "  -q, --quiet             no text summary on stdout\n"
            "  -h, --help              this help\n"
            "\n"
            "The outputs (packet log, host pcap, streams, waveform) come from the run as\n"
            "configured only, never from the baseline.\n"
            "TIME is a number with a unit: ps, ns, us, ms or s (e.g. 1.5ms).\n"
            "Exit status: 0 success, 1 the run failed, 2 bad command line or scenario.\n");
}

void cli_print_compare_usage(FILE *f)
{
    fprintf(f,
            "usage: nicsim compare A.json B.json [C.json...] [--format text|csv|markdown]\n"
            "\n"
            "Prints the main figures of nicsim reports side by side (throughput, CPU cycles,\n"
            "cycles per byte and per packet, utilization, savings against the software\n"
            "baseline and, when every report has it, their split by feature, frames\n"
            "delivered and dropped, interrupts, application bytes, ...),\n"
            "with the absolute and percentage difference of each report against the first.\n"
            "Columns are headed by scenario names (with the file name when two are equal).\n"
            "All reports must have the same schema version.\n"
            "\n"
            "options:\n"
            "  --format FORMAT         text (default, aligned columns), csv, or markdown\n"
            "  -h, --help              this help\n"
            "\n"
            "Exit status: 0 success, 2 bad command line or a report that cannot be read.\n");
}

void cli_print_calibrate_usage(FILE *f)
{
    fprintf(f,
            "usage: nicsim calibrate [-o PROFILE] [--mhz N] [--force] [--runs N]\n"
            "                        [--max-seconds S] [--max-spread PCT] [--accept-spread]\n"
            "\n"
            "Measures the host stack's own functions (IP/TCP/UDP receive, lookups, ACKs,\n"
            "checksum and copy per byte) on this machine and writes a cost profile usable\n"
            "as '[host] cost_profile = PROFILE'. Costs that cannot be measured here\n"
            "(interrupts, driver, application) come from the built-in 'modern' profile.\n"
            "Each measurement is repeated until its median is stable (at least 9 runs, at\n"
            "most --runs, at most --max-seconds); each cost's min/median/max and spread are\n"
            "printed, and a cost whose spread exceeds --max-spread is refused.\n"
            "\n"
            "options:\n"
            "  -o, --output PROFILE    file to write (default: " CLI_CALIBRATE_DEFAULT_OUT
            " in the\n"
            "                          current directory)\n"
            "  --mhz N                 express cycles at this clock in MHz (default: measure\n"
            "                          the clock)\n"
            "  --force                 overwrite PROFILE if it exists\n"
            "  --runs N                most repetitions, 9..101 (default 61)\n"
            "  --max-seconds S         time budget of the repetitions, 1..3600 (default 20)\n"
            "  --max-spread PCT        refuse a cost whose spread (interquartile range over\n"
            "                          the median) exceeds PCT %%, 1..1000 (default 25)\n"
            "  --accept-spread         write the profile even if a spread is too wide\n"
            "  -h, --help              this help\n"
            "\n"
            "Exit status: 0 success, 1 the measurement or writing failed or a spread is too\n"
            "wide, 2 bad command line or an existing PROFILE without --force.\n");
}

void cli_args_free(cli_args *a)
{
    free(a->sets);
    a->sets = NULL;
    a->nsets = 0;
    free(a->reports);
    a->reports = NULL;
    a->nreports = 0;
}

/* One option of a command. */
typedef struct cli_opt {
    const char *lng;
    char shrt;
    int takes_value;
} cli_opt;

/* Returned by an option handler to stop parsing (help). */
#define CLI_STOP 1

typedef int (*cli_opt_fn)(cli_args *a, int o, const char *name, const char *value, char *err,
                          size_t errlen);
typedef int (*cli_pos_fn)(cli_args *a, const char *arg, char *err, size_t errlen);

/* Walks argv[2..] of command cmd: options from the table (--long, --long=VALUE, -x,
 * -xVALUE; the value may also be the next argument) go to on_opt, everything else (and
 * everything after "--") to on_pos. */
static int cli_parse_opts(cli_args *a, int argc, char **argv, const char *cmd,
                          const cli_opt *tab, int ntab, cli_opt_fn on_opt, cli_pos_fn on_pos,
                          char *err, size_t errlen)
{
    int only_positional = 0;
    for (int i = 2; i < argc; i++) {
        const char *arg = argv[i];
        int rc;
        if (only_positional || arg[0] != '-' || strcmp(arg, "-") == 0) {
            rc = on_pos(a, arg, err, errlen);
            if (rc != CLI_OK)
                return rc;
            continue;
        }
        if (strcmp(arg, "--") == 0) {
            only_positional = 1;
            continue;
        }
        int o = -1;
        const char *value = NULL;
        for (int k = 0; k < ntab; k++) {
            size_t n = strlen(tab[k].lng);
            if (arg[1] == '-' && strncmp(arg, tab[k].lng, n) == 0 &&
                (arg[n] == '\0' || (arg[n] == '=' && tab[k].takes_value))) {
                o = k;
                if (arg[n] == '=')
                    value = arg + n + 1;
                break;
            }
            if (arg[1] != '-' && tab[k].shrt && arg[1] == tab[k].shrt &&
                (arg[2] == '\0' || tab[k].takes_value)) {
                o = k;
                if (arg[2])
                    value = arg + 2;
                break;
            }
        }
        if (o < 0) {
            cli_msg(err, errlen, "unknown option '%s' (try 'nicsim %s --help')", arg, cmd);
            return CLI_EUSAGE;
        }
        const char *name = tab[o].lng;
        if (tab[o].takes_value && !value) {
            if (i + 1 >= argc) {
                cli_msg(err, errlen, "%s: missing argument", name);
                return CLI_EUSAGE;
            }
            if (strncmp(argv[i + 1], "--", 2) == 0) {
                cli_msg(err, errlen, "%s: missing argument (got option '%s'; write %s=%s if "
                        "that is meant as the value)", name, argv[i + 1], name, argv[i + 1]);
                return CLI_EUSAGE;
            }
            value = argv[++i];
        }
        rc = on_opt(a, o, name, value, err, errlen);
        if (rc == CLI_STOP)
            return CLI_OK;
        if (rc != CLI_OK)
            return rc;
    }
    return CLI_OK;
}

static int cli_ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n > m && strcasecmp(s + n - m, suffix) == 0;
}

/* Sets a single-use string option. */
static int cli_set_once(const char **dst, const char *opt, const char *v, char *err,
                        size_t errlen)
{
    if (*dst) {
        cli_msg(err, errlen, "%s given more than once", opt);
        return CLI_EUSAGE;
    }
    if (!*v) {
        cli_msg(err, errlen, "%s: empty value", opt);
        return CLI_EUSAGE;
    }
    *dst = v;
    return CLI_OK;
}

/* ---- run ---- */

enum {
    O_TRACE, O_SET, O_OUTPUT, O_PACKET_LOG, O_HOST_PCAP, O_TX_PCAP, O_WAVE, O_WAVE_FROM, O_WAVE_TO, O_QUIET,
    O_SAVE_STREAMS, O_NO_BASELINE, O_NO_SPLIT, O_HELP, O_CONNECTIONS, O_STATS_INTERVAL, O_STATS_OUT, O_WAVE_FRAME, O_WAVE_SCOPE, O_RUN_COUNT
};
static const cli_opt cli_run_opts[O_RUN_COUNT] = {
    [O_TRACE] = {"--trace", 0, 1},
    [O_SET] = {"--set", 0, 1},
    [O_OUTPUT] = {"--output", 'o', 1},
    [O_PACKET_LOG] = {"--packet-log", 0, 1},
    [O_HOST_PCAP] = {"--host-pcap", 0, 1},
    [O_TX_PCAP] = {"--tx-pcap", 0, 1},
    [O_WAVE] = {"--wave", 0, 1},
    [O_WAVE_FROM] = {"--wave-from", 0, 1},
    [O_WAVE_TO] = {"--wave-to", 0, 1},
    [O_QUIET] = {"--quiet", 'q', 0},
    [O_SAVE_STREAMS] = {"--save-streams", 0, 1},
    [O_NO_BASELINE] = {"--no-baseline", 0, 0},
    [O_NO_SPLIT] = {"--no-split", 0, 0},
    [O_HELP] = {"--help", 'h', 0},
    [O_CONNECTIONS] = {"--connections", 0, 1},
    [O_STATS_INTERVAL] = {"--stats-interval", 0, 1},
    [O_STATS_OUT] = {"--stats-out", 0, 1},
    [O_WAVE_FRAME] = {"--wave-frame", 0, 1},
    [O_WAVE_SCOPE] = {"--wave-scope", 0, 1},
};

static int cli_run_pos(cli_args *a, const char *arg, char *err, size_t errlen)
{
    if (a->scenario) {
        cli_msg(err, errlen, "run: unexpected argument '%s' (one scenario per run)", arg);
        return CLI_EUSAGE;
    }
    a->scenario = arg;
    return CLI_OK;
}

static int cli_run_opt(cli_args *a, int o, const char *name, const char *value, char *err,
                       size_t errlen)
{
    char sub[200];
    switch (o) {
    case O_HELP:
        a->command = CLI_CMD_RUN_HELP;
        return CLI_STOP;
    case O_QUIET:
        a->quiet = 1;
        return CLI_OK;
    case O_NO_BASELINE:
        a->no_baseline = 1;
        return CLI_OK;
    case O_NO_SPLIT:
        a->no_split = 1;
        return CLI_OK;
    case O_TRACE:
        return cli_set_once(&a->trace, name, value, err, errlen);
    case O_OUTPUT:
        return cli_set_once(&a->report, name, value, err, errlen);
    case O_PACKET_LOG:
        return cli_set_once(&a->packet_log, name, value, err, errlen);
    case O_HOST_PCAP:
        return cli_set_once(&a->host_pcap, name, value, err, errlen);
    case O_TX_PCAP:
        return cli_set_once(&a->tx_pcap, name, value, err, errlen);
    case O_SAVE_STREAMS:
        return cli_set_once(&a->streams_dir, name, value, err, errlen);
    case O_CONNECTIONS:
        return cli_set_once(&a->connections, name, value, err, errlen);
    case O_STATS_OUT:
        return cli_set_once(&a->stats_out, name, value, err, errlen);
    case O_WAVE_FRAME:
        if (a->wave_frame) {
            cli_msg(err, errlen, "%s given more than once", name);
            return CLI_EUSAGE;
        }
        if (cli_parse_uint(value, 1, UINT64_MAX, &a->wave_frame, sub, sizeof sub) != CLI_OK) {
            cli_msg(err, errlen, "%s: %s (a record number of the capture, from 1)", name, sub);
            return CLI_EUSAGE;
        }
        return CLI_OK;
    case O_WAVE_SCOPE: {
        int rc = cli_set_once(&a->wave_scope, name, value, err, errlen);
        if (rc != CLI_OK)
            return rc;
        if (strlen(value) >= NS_WAVE_SCOPE_MAX) {
            cli_msg(err, errlen, "%s: longer than %d characters", name, NS_WAVE_SCOPE_MAX - 1);
            return CLI_EUSAGE;
        }
        /* BLOCK[,BLOCK...]: instance names (letters, digits, '_'), no empty item */
        for (const char *p = value; *p; p++) {
            int word = isalnum((unsigned char)*p) || *p == '_';
            int empty_item = *p == ',' && (p == value || p[1] == '\0' || p[1] == ',');
            if ((!word && *p != ',') || empty_item) {
                cli_msg(err, errlen, "%s: '%s' is not a comma-separated list of block names "
                        "(e.g. ports,parser_inst)", name, value);
                return CLI_EUSAGE;
            }
        }
        return CLI_OK;
    }
    case O_STATS_INTERVAL:
        if (a->stats_interval_ps) {
            cli_msg(err, errlen, "%s given more than once", name);
            return CLI_EUSAGE;
        }
        if (cli_parse_time(value, &a->stats_interval_ps, sub, sizeof sub) != CLI_OK) {
            cli_msg(err, errlen, "%s: %s", name, sub);
            return CLI_EUSAGE;
        }
        if (a->stats_interval_ps == 0) {
            cli_msg(err, errlen, "%s: the interval must be longer than 0", name);
            return CLI_EUSAGE;
        }
        return CLI_OK;
    case O_WAVE: {
        int rc = cli_set_once(&a->wave, name, value, err, errlen);
        if (rc == CLI_OK && !cli_ends_with(value, ".fst") && !cli_ends_with(value, ".vcd")) {
            cli_msg(err, errlen, "--wave: '%s' must end in .fst or .vcd", value);
            rc = CLI_EUSAGE;
        }
        return rc;
    }
    case O_WAVE_FROM:
    case O_WAVE_TO: {
        int *given = o == O_WAVE_FROM ? &a->wave_from_given : &a->wave_to_given;
        uint64_t *ps = o == O_WAVE_FROM ? &a->wave_from_ps : &a->wave_to_ps;
        if (*given) {
            cli_msg(err, errlen, "%s given more than once", name);
            return CLI_EUSAGE;
        }
        if (cli_parse_time(value, ps, sub, sizeof sub) != CLI_OK) {
            cli_msg(err, errlen, "%s: %s", name, sub);
            return CLI_EUSAGE;
        }
        *given = 1;
        return CLI_OK;
    }
    case O_SET:
        a->sets[a->nsets++] = value;
        return CLI_OK;
    default:
        return CLI_OK;
    }
}

static int cli_parse_run(cli_args *a, int argc, char **argv, char *err, size_t errlen)
{
    a->sets = calloc((size_t)argc, sizeof *a->sets);
    if (!a->sets) {
        cli_msg(err, errlen, "out of memory");
        return CLI_ENOMEM;
    }
    int rc = cli_parse_opts(a, argc, argv, "run", cli_run_opts, O_RUN_COUNT, cli_run_opt,
                            cli_run_pos, err, errlen);
    if (rc != CLI_OK || a->command != CLI_CMD_RUN)
        return rc;
    if (!a->scenario) {
        cli_msg(err, errlen, "run: missing scenario file (usage: nicsim run SCENARIO.ini "
                "[options])");
        return CLI_EUSAGE;
    }
    if ((a->wave_from_given || a->wave_to_given) && !a->wave) {
        cli_msg(err, errlen, "%s needs --wave FILE",
                a->wave_from_given ? "--wave-from" : "--wave-to");
        return CLI_EUSAGE;
    }
    if ((a->wave_frame || a->wave_scope) && !a->wave) {
        cli_msg(err, errlen, "%s needs --wave FILE", a->wave_frame ? "--wave-frame" : "--wave-scope");
        return CLI_EUSAGE;
    }
    if (a->wave_frame && (a->wave_from_given || a->wave_to_given)) {
        cli_msg(err, errlen, "--wave-frame sets the waveform window itself; give it or --wave-from/--wave-to, "
                "not both");
        return CLI_EUSAGE;
    }
    if (a->stats_out && !a->stats_interval_ps) {
        cli_msg(err, errlen, "--stats-out needs --stats-interval TIME");
        return CLI_EUSAGE;
    }
    if (a->wave_from_given && a->wave_to_given && a->wave_from_ps >= a->wave_to_ps) {
        cli_msg(err, errlen, "--wave-from (%llu ps) must be before --wave-to (%llu ps)",
                (unsigned long long)a->wave_from_ps, (unsigned long long)a->wave_to_ps);
        return CLI_EUSAGE;
    }
    return CLI_OK;
}

/* ---- compare ---- */

enum { OC_FORMAT, OC_HELP, OC_COUNT };
static const cli_opt cli_compare_opts[OC_COUNT] = {
    [OC_FORMAT] = {"--format", 0, 1},
    [OC_HELP] = {"--help", 'h', 0},
};

static int cli_compare_pos(cli_args *a, const char *arg, char *err, size_t errlen)
{
    if (!*arg) {
        cli_msg(err, errlen, "compare: empty report file name");
        return CLI_EUSAGE;
    }
    a->reports[a->nreports++] = arg;
    return CLI_OK;
}

static int cli_compare_opt(cli_args *a, int o, const char *name, const char *value, char *err,
                           size_t errlen)
{
    if (o == OC_HELP) {
        a->command = CLI_CMD_COMPARE_HELP;
        return CLI_STOP;
    }
    if (a->format_given) {
        cli_msg(err, errlen, "%s given more than once", name);
        return CLI_EUSAGE;
    }
    a->format_given = 1;
    if (strcmp(value, "text") == 0)
        a->format = CLI_FMT_TEXT;
    else if (strcmp(value, "csv") == 0)
        a->format = CLI_FMT_CSV;
    else if (strcmp(value, "markdown") == 0 || strcmp(value, "md") == 0)
        a->format = CLI_FMT_MARKDOWN;
    else {
        cli_msg(err, errlen, "%s: '%s' is not a format (expected text, csv or markdown)", name,
                value);
        return CLI_EUSAGE;
    }
    return CLI_OK;
}

static int cli_parse_compare(cli_args *a, int argc, char **argv, char *err, size_t errlen)
{
    a->reports = calloc((size_t)argc, sizeof *a->reports);
    if (!a->reports) {
        cli_msg(err, errlen, "out of memory");
        return CLI_ENOMEM;
    }
    int rc = cli_parse_opts(a, argc, argv, "compare", cli_compare_opts, OC_COUNT,
                            cli_compare_opt, cli_compare_pos, err, errlen);
    if (rc != CLI_OK || a->command != CLI_CMD_COMPARE)
        return rc;
    if (a->nreports < 2) {
        cli_msg(err, errlen, "compare: needs at least two reports (usage: nicsim compare "
                "A.json B.json [C.json...])");
        return CLI_EUSAGE;
    }
    return CLI_OK;
}

/* ---- calibrate ---- */

enum { OK_OUTPUT, OK_MHZ, OK_FORCE, OK_RUNS, OK_MAX_SECONDS, OK_MAX_SPREAD, OK_ACCEPT_SPREAD,
       OK_HELP, OK_COUNT };
static const cli_opt cli_calibrate_opts[OK_COUNT] = {
    [OK_OUTPUT] = {"--output", 'o', 1},
    [OK_MHZ] = {"--mhz", 0, 1},
    [OK_FORCE] = {"--force", 0, 0},
    [OK_RUNS] = {"--runs", 0, 1},
    [OK_MAX_SECONDS] = {"--max-seconds", 0, 1},
    [OK_MAX_SPREAD] = {"--max-spread", 0, 1},
    [OK_ACCEPT_SPREAD] = {"--accept-spread", 0, 0},
    [OK_HELP] = {"--help", 'h', 0},
};

static int cli_calibrate_pos(cli_args *a, const char *arg, char *err, size_t errlen)
{
    cli_msg(err, errlen, "calibrate: unexpected argument '%s' (write the profile with -o %s)",
            arg, arg);
    return CLI_EUSAGE;
}

static int cli_calibrate_opt(cli_args *a, int o, const char *name, const char *value, char *err,
                             size_t errlen)
{
    char sub[200];
    switch (o) {
    case OK_HELP:
        a->command = CLI_CMD_CALIBRATE_HELP;
        return CLI_STOP;
    case OK_FORCE:
        a->force = 1;
        return CLI_OK;
    case OK_ACCEPT_SPREAD:
        a->accept_spread = 1;
        return CLI_OK;
    case OK_RUNS: {
        uint64_t u;
        if (a->cal_runs > 0) {
            cli_msg(err, errlen, "%s given more than once", name);
            return CLI_EUSAGE;
        }
        if (cli_parse_uint(value, 9, 101, &u, sub, sizeof sub) != CLI_OK) {
            cli_msg(err, errlen, "%s: %s ('%s')", name, sub, value);
            return CLI_EUSAGE;
        }
        a->cal_runs = (int)u;
        return CLI_OK;
    }
    case OK_MAX_SECONDS:
    case OK_MAX_SPREAD: {
        double d, *dst = o == OK_MAX_SECONDS ? &a->cal_max_seconds : &a->cal_max_spread_pct;
        double lo = 1, hi = o == OK_MAX_SECONDS ? 3600 : 1000;
        if (*dst > 0) {
            cli_msg(err, errlen, "%s given more than once", name);
            return CLI_EUSAGE;
        }
        if (cli_parse_double(value, &d, sub, sizeof sub) != CLI_OK) {
            cli_msg(err, errlen, "%s: %s ('%s')", name, sub, value);
            return CLI_EUSAGE;
        }
        if (!(d >= lo && d <= hi)) {
            cli_msg(err, errlen, "%s: must be %g..%g ('%s')", name, lo, hi, value);
            return CLI_EUSAGE;
        }
        *dst = d;
        return CLI_OK;
    }
    case OK_OUTPUT:
        return cli_set_once(&a->profile_out, name, value, err, errlen);
    case OK_MHZ: {
        double d;
        if (a->mhz > 0) {
            cli_msg(err, errlen, "%s given more than once", name);
            return CLI_EUSAGE;
        }
        if (cli_parse_double(value, &d, sub, sizeof sub) != CLI_OK) {
            cli_msg(err, errlen, "%s: %s ('%s')", name, sub, value);
            return CLI_EUSAGE;
        }
        if (!(d >= HS_COST_MHZ_MIN && d <= HS_COST_MHZ_MAX)) {
            cli_msg(err, errlen, "%s: out of range (expected %.0f..%.0f MHz) ('%s')", name,
                    HS_COST_MHZ_MIN, HS_COST_MHZ_MAX, value);
            return CLI_EUSAGE;
        }
        a->mhz = d;
        return CLI_OK;
    }
    default:
        return CLI_OK;
    }
}

static int cli_parse_calibrate(cli_args *a, int argc, char **argv, char *err, size_t errlen)
{
    int rc = cli_parse_opts(a, argc, argv, "calibrate", cli_calibrate_opts, OK_COUNT,
                            cli_calibrate_opt, cli_calibrate_pos, err, errlen);
    if (rc != CLI_OK || a->command != CLI_CMD_CALIBRATE)
        return rc;
    if (!a->profile_out)
        a->profile_out = CLI_CALIBRATE_DEFAULT_OUT;
    return CLI_OK;
}

/* ---- commands ---- */

int cli_args_parse(cli_args *a, int argc, char **argv, char *err, size_t errlen)
{
    memset(a, 0, sizeof *a);
    if (argc < 2) {
        cli_msg(err, errlen, "no command given (try 'nicsim --help')");
        return CLI_EUSAGE;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "-h") == 0 || strcmp(cmd, "--help") == 0 || strcmp(cmd, "help") == 0) {
        a->command = CLI_CMD_HELP;
        if (argc > 2 && strcmp(cmd, "help") == 0) {
            if (strcmp(argv[2], "run") == 0)
                a->command = CLI_CMD_RUN_HELP;
            else if (strcmp(argv[2], "compare") == 0)
                a->command = CLI_CMD_COMPARE_HELP;
            else if (strcmp(argv[2], "calibrate") == 0)
                a->command = CLI_CMD_CALIBRATE_HELP;
        }
        return CLI_OK;
    }
    if (strcmp(cmd, "--version") == 0) {
        if (argc > 2) {
            cli_msg(err, errlen, "--version: unexpected argument '%s'", argv[2]);
            return CLI_EUSAGE;
        }
        a->command = CLI_CMD_VERSION;
        return CLI_OK;
    }
    if (strcmp(cmd, "run") == 0) {
        a->command = CLI_CMD_RUN;
        return cli_parse_run(a, argc, argv, err, errlen);
    }
    if (strcmp(cmd, "compare") == 0) {
        a->command = CLI_CMD_COMPARE;
        a->format = CLI_FMT_TEXT;
        return cli_parse_compare(a, argc, argv, err, errlen);
    }
    if (strcmp(cmd, "calibrate") == 0) {
        a->command = CLI_CMD_CALIBRATE;
        return cli_parse_calibrate(a, argc, argv, err, errlen);
    }
    if (cmd[0] == '-')
        cli_msg(err, errlen, "unknown option '%s' (try 'nicsim --help')", cmd);
    else
        cli_msg(err, errlen, "unknown command '%s' (try 'nicsim --help')", cmd);
    return CLI_EUSAGE;
}

int cli_check_streams_dir(const char *dir, char *err, size_t errlen)
{
    struct stat st;
    if (stat(dir, &st) != 0) {
        cli_msg(err, errlen, "--save-streams: cannot use '%s': %s (give an existing directory)",
                dir, strerror(errno));
        return CLI_EUSAGE;
    }
    if (!S_ISDIR(st.st_mode)) {
        cli_msg(err, errlen, "--save-streams: '%s' is not a directory", dir);
        return CLI_EUSAGE;
    }
    if (access(dir, W_OK | X_OK) != 0) {
        cli_msg(err, errlen, "--save-streams: cannot write into '%s': %s", dir, strerror(errno));
        return CLI_EUSAGE;
    }
    return CLI_OK;
}
