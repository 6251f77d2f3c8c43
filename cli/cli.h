/* nicsim command-line front end: command-line arguments, scenario files, reports.
 * Prefix cli_. Every function that can fail returns 0 or a negative CLI_E* code and
 * writes a one-line message (without the "nicsim: error: " prefix) into a buffer the
 * caller owns. No global mutable state. */
#ifndef NICSIM_CLI_H
#define NICSIM_CLI_H
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "nicsim_model.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Return codes. */
#define CLI_OK 0
#define CLI_ERUN (-1)    /* the run failed (simulation, I/O after start): exit status 1 */
#define CLI_EUSAGE (-2)  /* bad command line or scenario: exit status 2 */
#define CLI_ENOMEM (-3)  /* out of memory: exit status 1 */

/* Process exit status for a return code: 0, 2 for CLI_EUSAGE, 1 otherwise. */
int cli_exit_status(int rc);

/* The version string ("0.1.0"). */
const char *cli_version(void);

/* ---- values ---- */

/* Time with a unit: ps, ns, us, ms or s; decimals allowed ("1.5ms"); result in
 * picoseconds. Errors (CLI_EUSAGE): empty, missing number, missing or unknown unit,
 * negative, finer than 1 ps, overflow of uint64. */
int cli_parse_time(const char *s, uint64_t *ps, char *err, size_t errlen);
/* [replay] filter: CLI_OK if expr is a BPF expression libpcap compiles for Ethernet (a syntax
 * check; the run compiles it for the capture's link type), else CLI_EUSAGE with "not a valid
 * filter: <libpcap's message>" in err. */
int cli_filter_check(const char *expr, char *err, size_t errlen);

/* 0/1/true/false/yes/no/on/off (words in any case). */
int cli_parse_bool(const char *s, int *out, char *err, size_t errlen);
/* Unsigned decimal integer in [min, max]: no sign, no trailing garbage, no overflow. */
int cli_parse_uint(const char *s, uint64_t min, uint64_t max, uint64_t *out, char *err,
                   size_t errlen);
/* Finite decimal number (no hex, inf or nan), no trailing garbage. */
int cli_parse_double(const char *s, double *out, char *err, size_t errlen);

/* ---- scenario ---- */

typedef struct cli_scenario cli_scenario;

/* A scenario holding every default (ns_config_defaults()). NULL if out of memory. */
cli_scenario *cli_scenario_new(void);
void cli_scenario_free(cli_scenario *sc);

/* Reads an INI scenario file into sc. Errors name FILE:LINE; parsing stops at the
 * first error. Warnings (duplicate key, knob without effect) are collected; see
 * cli_scenario_warning(). */
int cli_scenario_load(cli_scenario *sc, const char *path, char *err, size_t errlen);

/* Applies "SECTION.KEY=VALUE" (a --set option) through the same rules as a file line;
 * messages say "--set" instead of FILE:LINE. Call after cli_scenario_load(). */
int cli_scenario_set(cli_scenario *sc, const char *assignment, char *err, size_t errlen);

/* Cross-key checks (rss_queues against the NIC's 16 RX queues, indirection table against
 * rss_queues, mbps with pps, the bus settings, host memory against the driver's rings, a
 * trace given), then ns_config_finalize(). trace_override: --trace, or NULL. Call once,
 * after load and every set. */
int cli_scenario_finish(cli_scenario *sc, const char *trace_override, char *err,
                        size_t errlen);

/* The configuration the scenario filled. Output fields (wave, packet log, progress)
 * are left for the caller to set. Valid until cli_scenario_free(). */
ns_config *cli_scenario_config(cli_scenario *sc);
const ns_config *cli_scenario_config_const(const cli_scenario *sc);

/* scenario.name (default: the file name without directory and ".ini"), description
 * ("" if none), the scenario file path as given, and the trace path in use (after
 * finish; NULL before or if none). */
const char *cli_scenario_name(const cli_scenario *sc);
const char *cli_scenario_description(const cli_scenario *sc);
const char *cli_scenario_file(const cli_scenario *sc);
const char *cli_scenario_trace(const cli_scenario *sc);

/* Application work per received byte the run will use: app.cycles_per_byte, or the cost
 * profile's app_byte when it was not given. */
double cli_scenario_app_cycles_per_byte(const cli_scenario *sc);

/* Warnings collected so far, oldest first, each one line without the
 * "nicsim: warning: " prefix. */
size_t cli_scenario_warning_count(const cli_scenario *sc);
const char *cli_scenario_warning(const cli_scenario *sc, size_t i);

/* ---- scenario keys ---- */

/* The keys a scenario accepts, in documentation order (docs/scenarios.md; the docs_drift
 * test compares the two): their number, and key i's section and name (NULL when i is out of
 * range). */
int cli_scenario_key_count(void);
const char *cli_scenario_key_section(int i);
const char *cli_scenario_key_name(int i);

/* Key i's value in sc, written as a scenario file line would give it (for a fresh scenario:
 * its default). Numbers in %g form with up to 15 significant digits, flags 0 or 1, lists
 * comma-separated with a blank. Returns 1, or 0 with buf "" when the key has no value of its
 * own yet: it follows the scenario file or other keys (scenario.name and scenario.trace before
 * they are given, nic.clock_mhz and nic.link_gbps before cli_scenario_finish(),
 * nic.indirection_table when not given, host.cpu_mhz and app.cycles_per_byte while they
 * follow the cost profile). -1 when i is out of range. */
int cli_scenario_key_value(const cli_scenario *sc, int i, char *buf, size_t len);

/* ---- command line ---- */

enum cli_command {
    CLI_CMD_HELP = 0,           /* nicsim --help / -h */
    CLI_CMD_VERSION = 1,        /* nicsim --version */
    CLI_CMD_RUN = 2,            /* nicsim run SCENARIO ... */
    CLI_CMD_RUN_HELP = 3,       /* nicsim run --help */
    CLI_CMD_COMPARE = 4,        /* nicsim compare A.json B.json ... */
    CLI_CMD_COMPARE_HELP = 5,   /* nicsim compare --help */
    CLI_CMD_CALIBRATE = 6,      /* nicsim calibrate ... */
    CLI_CMD_CALIBRATE_HELP = 7  /* nicsim calibrate --help */
};

/* Output formats of nicsim compare. */
enum cli_format { CLI_FMT_TEXT = 0, CLI_FMT_CSV = 1, CLI_FMT_MARKDOWN = 2 };

/* Default output of nicsim calibrate (in the current directory). */
#define CLI_CALIBRATE_DEFAULT_OUT "calibrated.profile"

typedef struct cli_args {
    int command;              /* enum cli_command */
    /* run */
    const char *scenario;     /* run: the scenario file */
    const char *trace;        /* --trace, or NULL */
    const char *report;       /* -o, or NULL */
    const char *packet_log;   /* --packet-log, or NULL */
    const char *host_pcap;    /* --host-pcap, or NULL */
    const char *tx_pcap;      /* --tx-pcap, or NULL */
    const char *wave;         /* --wave (.fst or .vcd), or NULL */
    int wave_from_given;
    int wave_to_given;
    uint64_t wave_from_ps;    /* --wave-from */
    uint64_t wave_to_ps;      /* --wave-to */
    int quiet;                /* --quiet: no text summary */
    int nsets;
    const char **sets;        /* --set values, in order (pointers into argv) */
    const char *streams_dir;  /* --save-streams DIR, or NULL */
    int no_baseline;          /* --no-baseline: skip the software baseline run */
    int no_split;             /* --no-split: no savings split by feature (implied by
                                 --no-baseline) */
    const char *connections;  /* --connections FILE.csv, or NULL */
    uint64_t stats_interval_ps; /* --stats-interval TIME (0: no time series) */
    const char *stats_out;    /* --stats-out FILE, or NULL (default name: cli_stats_default_name) */
    uint64_t wave_frame;      /* --wave-frame N (0: not given) */
    const char *wave_scope;   /* --wave-scope BLOCK[,BLOCK...], or NULL */
    /* compare */
    int nreports;
    const char **reports;     /* the report files, in order (pointers into argv) */
    int format;               /* --format: enum cli_format (default text) */
    int format_given;
    /* calibrate */
    const char *profile_out;  /* -o PROFILE (default CLI_CALIBRATE_DEFAULT_OUT) */
    double mhz;               /* --mhz N: cycles at this clock; 0: measure it */
    int force;                /* --force: overwrite an existing profile */
    int cal_runs;             /* --runs N: most repetitions (0: the default, 61) */
    double cal_max_seconds;   /* --max-seconds S (0: the default, 20) */
    double cal_max_spread_pct; /* --max-spread PCT (0: the default, HS_CALIB_MAX_SPREAD_PCT) */
    int accept_spread;        /* --accept-spread: keep a result whose spread is too wide */
} cli_args;

/* Parses argv (argv[0] is the program). Errors are CLI_EUSAGE. Strings point into argv.
 * Free with cli_args_free() whatever the result. */
int cli_args_parse(cli_args *a, int argc, char **argv, char *err, size_t errlen);
void cli_args_free(cli_args *a);

/* Help texts. */
void cli_print_usage(FILE *f);
void cli_print_run_usage(FILE *f);
void cli_print_compare_usage(FILE *f);
void cli_print_calibrate_usage(FILE *f);

/* --save-streams DIR: DIR must exist, be a directory, and be writable. */
int cli_check_streams_dir(const char *dir, char *err, size_t errlen);


/* ---- calibrate ---- */

/* nicsim calibrate: measures the stack's functions on this machine (hs_calibrate_to_file),
 * writes a->profile_out (refusing to overwrite an existing file without a->force) and
 * prints a short summary of the measured values on out. */
int cli_calibrate(const cli_args *a, FILE *out, char *err, size_t errlen);
/* cli_calibrate with the measurement replaced (tests): hooks->run_fn, clock_fn and user are
 * used, the rest of hooks is ignored; NULL measures. A spread above the threshold without
 * a->accept_spread: the table is printed, no file is written, CLI_ERUN with one line naming
 * the key and its spread. */
struct hs_calib_opts;
int cli_calibrate_hooked(const cli_args *a, const struct hs_calib_opts *hooks, FILE *out,
                         char *err, size_t errlen);

/* ---- report ---- */

/* The report object ("nicsim-report/3"), keys in insertion order (documented in
 * docs/report.md). res is the run as configured; base its software baseline
 * (ns_config_baseline, model/nicsim_model.h), or NULL for none (--no-baseline: no "baseline" and no "savings").
 * Everything except sim.wall_s and sim.*_per_s depends only on the inputs. NULL if out of
 * memory. Release with json_decref(). */
json_t *cli_report_build(const cli_scenario *sc, const ns_results *res, const ns_results *base);

/* The savings split by feature: the ladder of runs from the software baseline to the run as
 * configured, adding the features the run uses one at a time in NS_FEAT order (checksum
 * offload, RSS, NetDMA, TCP Chimney; ns_config_ladder, model/nicsim_model.h). */
typedef struct cli_split {
    unsigned features;   /* the run's features (ns_config_features) */
    /* rung[k]: the run of ns_ladder_rung(features, k), k = 0 .. number of features: rung[0]
     * is the baseline, the last one the run as configured */
    const ns_results *rung[NS_FEATURES + 1];
} cli_split;
/* cli_report_build with the split (savings.split, savings.by_feature, savings.ladder; only
 * with a baseline): split NULL is cli_report_build. */
json_t *cli_report_build_split(const cli_scenario *sc, const ns_results *res, const ns_results *base,
                               const cli_split *split);
/* Writes the report as indented JSON plus a newline. */
int cli_report_write(const json_t *report, FILE *f, char *err, size_t errlen);
/* --connections: one CSV row per connection of the host stack (docs/report.md). */
int cli_connections_write(FILE *f, const ns_results *res, char *err, size_t errlen);

/* The human-readable summary: the run's details (aligned two-column table), then the
 * offload | software | saved table and the cycle breakdown by kind (base may be NULL). */
void cli_report_print_text(FILE *f, const cli_scenario *sc, const ns_results *res,
                           const ns_results *base);
/* cli_report_print_text with the "savings by feature" block after the tables (split NULL:
 * none). */
void cli_report_print_text_split(FILE *f, const cli_scenario *sc, const ns_results *res,
                                 const ns_results *base, const cli_split *split);

/* A one-line warning if the results contradict themselves (the stack's total cycles
 * differ from the sum of per-CPU busy cycles); 0 and "" if they do not. */
int cli_results_check(const ns_results *res, char *msg, size_t msglen);

/* delivered_bytes * 8 / simulated time, in Gb/s (0 if no time passed). */
/* Frames and bytes the host received through the NIC (driver + TCP offload engine). */
uint64_t cli_host_frames(const ns_results *res);
uint64_t cli_host_bytes(const ns_results *res);
double cli_throughput_gbps(const ns_results *res);
/* The stack's total CPU cycles (stack.total_cycles). */
uint64_t cli_total_cycles(const ns_results *res);
/* Total cycles per delivered byte / per delivered frame (0 if none was delivered). */
double cli_cycles_per_byte(const ns_results *res);
double cli_cycles_per_packet(const ns_results *res);
/* Sum of every drop reason. */
uint64_t cli_frames_dropped(const ns_results *res);

/* res->cpus and res->nvectors, clamped to the arrays of ns_results. */
int cli_ncpus(const ns_results *res);
int cli_nvectors(const ns_results *res);
/* Busy fraction of one CPU: busy cycles / (simulated seconds x cpu_mhz x 1e6); 0 if no time
 * passed, no clock, or cpu out of range. */
double cli_cpu_utilization(const ns_results *res, int cpu);
/* Average and highest cli_cpu_utilization over the CPUs, in percent (0 without CPUs). */
double cli_cpu_utilization_avg_pct(const ns_results *res);
double cli_cpu_utilization_max_pct(const ns_results *res);

/* ---- compare ---- */

/* Reads one report for nicsim compare. Errors (CLI_EUSAGE) name the file: unreadable,
 * not JSON, not a nicsim report. */
int cli_compare_load(const char *path, json_t **out, char *err, size_t errlen);

/* Side-by-side table of the main figures of n >= 1 reports (loaded by cli_compare_load;
 * paths name them in messages and headers), each against the first: absolute and
 * percentage difference. Refuses (CLI_EUSAGE) reports of different schema versions. */
int cli_compare_print(FILE *f, json_t *const *reports, const char *const *paths, int n,
                      int format, char *err, size_t errlen);

/* nicsim compare: loads a->reports and prints the table on out. */
int cli_compare(const cli_args *a, FILE *out, char *err, size_t errlen);

#ifdef __cplusplus
}
#endif
#endif
