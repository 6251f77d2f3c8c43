/* nicsim: command-line entry point. Everything but the process plumbing lives in
 * nicsim_cli (cli.h). */
#include "cli.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void print_error(const char *msg)
{
    fprintf(stderr, "nicsim: error: %s\n", msg);
}

/* Prints the scenario's warnings from index *shown on. */
static void print_warnings(const cli_scenario *sc, size_t *shown)
{
    for (; *shown < cli_scenario_warning_count(sc); (*shown)++)
        fprintf(stderr, "nicsim: warning: %s\n", cli_scenario_warning(sc, *shown));
}

/* Opens an output file before the run so that a bad path fails early. */
static FILE *open_output(const char *opt, const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "w");
    if (!f)
        snprintf(err, errlen, "%s: cannot write '%s': %s", opt, path, strerror(errno));
    return f;
}

/* 1 if a and b name the same regular file: the same string, or both exist and are one
 * inode. Devices and pipes (/dev/null, /dev/stdout) may be shared. */
static int same_file(const char *a, const char *b)
{
    struct stat sa, sb;
    int ha = stat(a, &sa) == 0;
    if (ha && !S_ISREG(sa.st_mode))
        return 0;
    if (strcmp(a, b) == 0)
        return 1;
    return ha && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

/* Output files must differ from each other and from the inputs: opening one truncates it. */
static int check_outputs(const cli_args *a, const char *trace, char *err, size_t errlen)
{
    const struct {
        const char *opt, *path;
    } out[] = {{"-o", a->report}, {"--packet-log", a->packet_log}, {"--host-pcap", a->host_pcap}};
    const size_t n = sizeof out / sizeof out[0];
    for (size_t i = 0; i < n; i++) {
        if (!out[i].path)
            continue;
        for (size_t j = i + 1; j < n; j++) {
            if (out[j].path && same_file(out[i].path, out[j].path)) {
                snprintf(err, errlen, "%s and %s name the same file '%s'", out[i].opt,
                         out[j].opt, out[i].path);
                return CLI_EUSAGE;
            }
        }
        if (same_file(out[i].path, trace)) {
            snprintf(err, errlen, "%s: '%s' is the trace being replayed", out[i].opt,
                     out[i].path);
            return CLI_EUSAGE;
        }
        if (same_file(out[i].path, a->scenario)) {
            snprintf(err, errlen, "%s: '%s' is the scenario file", out[i].opt, out[i].path);
            return CLI_EUSAGE;
        }
    }
    return CLI_OK;
}

/* Warns when a run's results contradict themselves. */
static void check_results(const char *which, const ns_results *res)
{
    char msg[512];
    if (cli_results_check(res, msg, sizeof msg))
        fprintf(stderr, "nicsim: warning: %s: %s\n", which, msg);
}

static int cmd_run(const cli_args *a)
{
    char err[1024] = "";
    int rc = CLI_OK;
    size_t shown = 0;
    FILE *report_f = NULL, *log_f = NULL;
    json_t *report = NULL;
    ns_results *res = NULL, *base = NULL;
    ns_config *base_cfg = NULL;

    cli_scenario *sc = cli_scenario_new();
    if (!sc) {
        snprintf(err, sizeof err, "out of memory");
        rc = CLI_ENOMEM;
        goto out;
    }
    rc = cli_scenario_load(sc, a->scenario, err, sizeof err);
    print_warnings(sc, &shown);
    if (rc != CLI_OK)
        goto out;
    for (int i = 0; i < a->nsets; i++) {
        rc = cli_scenario_set(sc, a->sets[i], err, sizeof err);
        print_warnings(sc, &shown);
        if (rc != CLI_OK)
            goto out;
    }
    rc = cli_scenario_finish(sc, a->trace, err, sizeof err);
    print_warnings(sc, &shown);
    if (rc != CLI_OK)
        goto out;

    ns_config *cfg = cli_scenario_config(sc);
    const char *trace = cli_scenario_trace(sc);
    if (access(trace, R_OK) != 0) {
        snprintf(err, sizeof err, "cannot read trace '%s': %s", trace, strerror(errno));
        rc = CLI_EUSAGE;
        goto out;
    }
    rc = check_outputs(a, trace, err, sizeof err);
    if (rc != CLI_OK)
        goto out;
    if (a->streams_dir) {
        rc = cli_check_streams_dir(a->streams_dir, err, sizeof err);
        if (rc != CLI_OK)
            goto out;
    }
    if (a->report && !(report_f = open_output("-o", a->report, err, sizeof err))) {
        rc = CLI_EUSAGE;
        goto out;
    }
    if (a->packet_log && !(log_f = open_output("--packet-log", a->packet_log, err, sizeof err))) {
        rc = CLI_EUSAGE;
        goto out;
    }
    if (a->host_pcap) {
        /* the model writes it; open it here only so that a bad path fails before the run */
        FILE *f = open_output("--host-pcap", a->host_pcap, err, sizeof err);
        if (!f) {
            rc = CLI_EUSAGE;
            goto out;
        }
        fclose(f);
    }
    cfg->host_pcap = a->host_pcap;
    cfg->wave_path = a->wave;
    cfg->wave_from_ps = a->wave_from_given ? a->wave_from_ps : 0;
    cfg->wave_to_ps = a->wave_to_given ? a->wave_to_ps : 0;
    cfg->packet_log = log_f;
    cfg->streams_dir = a->streams_dir;
    cfg->progress = isatty(STDERR_FILENO) && !a->quiet;

    res = calloc(1, sizeof *res);
    if (!a->no_baseline) {
        base = calloc(1, sizeof *base);
        base_cfg = calloc(1, sizeof *base_cfg);
    }
    if (!res || (!a->no_baseline && (!base || !base_cfg))) {
        snprintf(err, sizeof err, "out of memory");
        rc = CLI_ENOMEM;
        goto out;
    }
    if (cfg->progress && base)
        fprintf(stderr, "run 1 of 2: offloads as configured\n");
    if (ns_run(cfg, res, err, sizeof err) != 0) {
        if (!err[0])
            snprintf(err, sizeof err, "the simulation failed");
        rc = CLI_ERUN;
        goto out;
    }
    check_results("run", res);
    if (base) {
        /* the same trace with every offload off; outputs only from the run above */
        cli_baseline_config(cfg, base_cfg);
        if (cfg->progress)
            fprintf(stderr, "run 2 of 2: software baseline (RSS and checksum offload off)\n");
        if (ns_run(base_cfg, base, err, sizeof err) != 0) {
            char sub[1024];
            snprintf(sub, sizeof sub, "%s", err[0] ? err : "the simulation failed");
            snprintf(err, sizeof err, "software baseline run: %.900s", sub);
            rc = CLI_ERUN;
            goto out;
        }
        check_results("software baseline", base);
    }
    if (log_f) {
        FILE *f = log_f;
        log_f = NULL;
        if (fclose(f) != 0) {
            snprintf(err, sizeof err, "--packet-log: cannot write '%s': %s", a->packet_log,
                     strerror(errno));
            rc = CLI_ERUN;
            goto out;
        }
    }

    if (report_f) {
        report = cli_report_build(sc, res, base);
        if (!report) {
            snprintf(err, sizeof err, "out of memory");
            rc = CLI_ENOMEM;
            goto out;
        }
        rc = cli_report_write(report, report_f, err, sizeof err);
        if (rc != CLI_OK)
            goto out;
        FILE *f = report_f;
        report_f = NULL;
        if (fclose(f) != 0) {
            snprintf(err, sizeof err, "-o: cannot write '%s': %s", a->report, strerror(errno));
            rc = CLI_ERUN;
            goto out;
        }
    }
    if (!a->quiet) {
        cli_report_print_text(stdout, sc, res, base);
        if (fflush(stdout) != 0) {
            snprintf(err, sizeof err, "cannot write the summary: %s", strerror(errno));
            rc = CLI_ERUN;
            goto out;
        }
    }

out:
    if (rc != CLI_OK)
        print_error(err);
    if (report_f) {
        /* no report from a failed run: an old one must not pass for its result */
        fclose(report_f);
        remove(a->report);
    }
    if (log_f)
        fclose(log_f);
    json_decref(report);
    free(res);
    free(base);
    free(base_cfg);
    cli_scenario_free(sc);
    return cli_exit_status(rc);
}

static int cmd_compare(const cli_args *a)
{
    char err[1024] = "";
    int rc = cli_compare(a, stdout, err, sizeof err);
    if (rc == CLI_OK && fflush(stdout) != 0) {
        snprintf(err, sizeof err, "cannot write the table: %s", strerror(errno));
        rc = CLI_ERUN;
    }
    if (rc != CLI_OK)
        print_error(err);
    return cli_exit_status(rc);
}

static int cmd_calibrate(const cli_args *a)
{
    char err[1024] = "";
    int rc = cli_calibrate(a, stdout, err, sizeof err);
    if (rc != CLI_OK)
        print_error(err);
    return cli_exit_status(rc);
}

int main(int argc, char **argv)
{
    char err[1024] = "";
    cli_args a;
    int status;
    int rc = cli_args_parse(&a, argc, argv, err, sizeof err);
    if (rc != CLI_OK) {
        print_error(err);
        status = cli_exit_status(rc);
        goto out;
    }
    switch (a.command) {
    case CLI_CMD_HELP:
        cli_print_usage(stdout);
        status = 0;
        break;
    case CLI_CMD_RUN_HELP:
        cli_print_run_usage(stdout);
        status = 0;
        break;
    case CLI_CMD_COMPARE_HELP:
        cli_print_compare_usage(stdout);
        status = 0;
        break;
    case CLI_CMD_CALIBRATE_HELP:
        cli_print_calibrate_usage(stdout);
        status = 0;
        break;
    case CLI_CMD_COMPARE:
        status = cmd_compare(&a);
        break;
    case CLI_CMD_CALIBRATE:
        status = cmd_calibrate(&a);
        break;
    case CLI_CMD_VERSION:
        printf("nicsim %s\n", cli_version());
        status = 0;
        break;
    case CLI_CMD_RUN:
        status = cmd_run(&a);
        break;
    default:
        print_error("internal: unknown command");
        status = 1;
        break;
    }
out:
    cli_args_free(&a);
    return status;
}
