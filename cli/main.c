/* nicsim: command-line entry point. Everything but the process plumbing lives in
 * nicsim_cli (cli.h). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1 /* sched_getaffinity, CPU_COUNT */
#endif
#include "cli.h"
#include "outfile.h"

#include <errno.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

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
static int check_outputs(const cli_args *a, const char *trace, const char *stats_path, char *err,
                         size_t errlen)
{
    const struct {
        const char *opt, *path;
    } out[] = {{"-o", a->report},
               {"--packet-log", a->packet_log},
               {"--host-pcap", a->host_pcap},
               {"--tx-pcap", a->tx_pcap},
               {"--connections", a->connections},
               {"--stats-out", stats_path}};
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

/* Prints the warnings of the run and of its baseline, each line once. */
static void print_run_warnings(const ns_results *res, const ns_results *base)
{
    const ns_results *runs[2] = {res, base};
    for (int r = 0; r < 2; r++) {
        if (!runs[r])
            continue;
        for (int i = 0; i < runs[r]->nwarnings; i++) {
            const char *w = runs[r]->warnings[i];
            int seen = 0;
            for (int j = 0; j < res->nwarnings && r == 1 && !seen; j++)
                seen = strcmp(w, res->warnings[j]) == 0;
            if (!seen)
                fprintf(stderr, "nicsim: warning: %s%s\n", r == 1 ? "software baseline: " : "", w);
        }
    }
}

/* Every output of a run, written through temporaries (cli/outfile.h). */
typedef struct run_outputs {
    cli_out report, log, host_pcap, tx_pcap, wave, gtkw, filter[NS_WAVE_FILTERS], streams, conns, stats;
    char *gtkw_path, *filter_path[NS_WAVE_FILTERS];
    char *stats_path; /* --stats-out, or its default name (NULL without --stats-interval) */
} run_outputs;

#define RUN_OUTPUTS (9 + NS_WAVE_FILTERS)
static void outputs_list(run_outputs *o, cli_out *l[RUN_OUTPUTS])
{
    cli_out *fixed[9] = {&o->report, &o->log,     &o->host_pcap, &o->tx_pcap, &o->wave,
                         &o->gtkw,   &o->streams, &o->conns,     &o->stats};
    for (int i = 0; i < 9; i++)
        l[i] = fixed[i];
    for (int k = 0; k < NS_WAVE_FILTERS; k++)
        l[9 + k] = &o->filter[k];
}

/* The time series file: --stats-out, else the report's name with -stats.csv instead of .json,
 * else the scenario file's name (without directory and .ini) with -stats.csv. NULL without
 * --stats-interval or when out of memory (*oom set). */
static char *stats_out_path(const cli_args *a, int *oom)
{
    *oom = 0;
    if (!a->stats_interval_ps)
        return NULL;
    const char *base = a->stats_out;
    size_t stem;
    char *p;
    if (base) {
        p = strdup(base);
    } else {
        const char *src = a->report;
        const char *ext = ".json";
        if (!src) {
            src = strrchr(a->scenario, '/') ? strrchr(a->scenario, '/') + 1 : a->scenario;
            ext = ".ini";
        }
        stem = strlen(src);
        if (stem > strlen(ext) && strcasecmp(src + stem - strlen(ext), ext) == 0)
            stem -= strlen(ext);
        p = malloc(stem + 11);
        if (p)
            snprintf(p, stem + 11, "%.*s-stats.csv", (int)stem, src);
    }
    if (!p)
        *oom = 1;
    return p;
}

static int open_outputs(const cli_args *a, run_outputs *o, char *err, size_t errlen)
{
    char *stats_path = o->stats_path;
    memset(o, 0, sizeof *o);
    o->stats_path = stats_path;
    if (cli_out_open(&o->report, "-o", a->report, "", 1, err, errlen) < 0 ||
        cli_out_open(&o->log, "--packet-log", a->packet_log, "", 1, err, errlen) < 0 ||
        cli_out_open(&o->host_pcap, "--host-pcap", a->host_pcap, "", 0, err, errlen) < 0 ||
        cli_out_open(&o->tx_pcap, "--tx-pcap", a->tx_pcap, "", 0, err, errlen) < 0)
        return CLI_EUSAGE;
    if (a->wave) {
        /* the waveform keeps its extension (it selects the format); the save file is beside it */
        const char *dot = strrchr(a->wave, '.');
        size_t stem = dot ? (size_t)(dot - a->wave) : strlen(a->wave);
        o->gtkw_path = malloc(stem + 6);
        if (!o->gtkw_path) {
            snprintf(err, errlen, "out of memory");
            return CLI_ENOMEM;
        }
        snprintf(o->gtkw_path, stem + 6, "%.*s.gtkw", (int)stem, a->wave);
        if (cli_out_open(&o->wave, "--wave", a->wave, dot ? dot : "", 0, err, errlen) < 0 ||
            cli_out_open(&o->gtkw, "--wave", o->gtkw_path, ".gtkw", 0, err, errlen) < 0)
            return CLI_EUSAGE;
        /* the GTKWave translate filters beside it: STEM.KEY.gtkwf */
        for (int k = 0; k < NS_WAVE_FILTERS; k++) {
            size_t n = stem + strlen(ns_wave_filter_keys[k]) + 8;
            if (!(o->filter_path[k] = malloc(n))) {
                snprintf(err, errlen, "out of memory");
                return CLI_ENOMEM;
            }
            snprintf(o->filter_path[k], n, "%.*s.%s.gtkwf", (int)stem, a->wave, ns_wave_filter_keys[k]);
            if (cli_out_open(&o->filter[k], "--wave", o->filter_path[k], ".gtkwf", 0, err, errlen) < 0)
                return CLI_EUSAGE;
        }
    }
    if (a->streams_dir && cli_out_open_dir(&o->streams, "--save-streams", a->streams_dir, err, errlen) < 0)
        return CLI_EUSAGE;
    if (cli_out_open(&o->conns, "--connections", a->connections, "", 1, err, errlen) < 0 ||
        cli_out_open(&o->stats, "--stats-out", o->stats_path, "", 1, err, errlen) < 0)
        return CLI_EUSAGE;
    return CLI_OK;
}

static int commit_outputs(run_outputs *o, char *err, size_t errlen)
{
    cli_out *l[RUN_OUTPUTS];
    outputs_list(o, l);
    for (int i = 0; i < RUN_OUTPUTS; i++)
        if (cli_out_commit(l[i], err, errlen) < 0)
            return CLI_ERUN;
    return CLI_OK;
}

static void abort_outputs(run_outputs *o)
{
    cli_out *l[RUN_OUTPUTS];
    outputs_list(o, l);
    for (int i = 0; i < RUN_OUTPUTS; i++)
        cli_out_abort(l[i]);
    free(o->gtkw_path);
    o->gtkw_path = NULL;
    for (int k = 0; k < NS_WAVE_FILTERS; k++) {
        free(o->filter_path[k]);
        o->filter_path[k] = NULL;
    }
    free(o->stats_path);
    o->stats_path = NULL;
}

/* Loads the scenario, the --set values and the trace override; prints their warnings. */
static int load_scenario(const cli_args *a, cli_scenario *sc, char *err, size_t errlen)
{
    size_t shown = 0;
    int rc = cli_scenario_load(sc, a->scenario, err, errlen);
    print_warnings(sc, &shown);
    for (int i = 0; rc == CLI_OK && i < a->nsets; i++) {
        rc = cli_scenario_set(sc, a->sets[i], err, errlen);
        print_warnings(sc, &shown);
    }
    if (rc == CLI_OK) {
        rc = cli_scenario_finish(sc, a->trace, err, errlen);
        print_warnings(sc, &shown);
    }
    return rc;
}

/* Writes all of buf to fd; 0 or -1. */
static int write_all(int fd, const void *buf, size_t n)
{
    const char *p = buf;
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

static int read_all(int fd, void *buf, size_t n)
{
    char *p = buf;
    while (n) {
        ssize_t r = read(fd, p, n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return -1;
        p += r;
        n -= (size_t)r;
    }
    return 0;
}

/* ---- runs beside the run as configured ----
 *
 * The software baseline and the rungs of the savings split (ns_config_ladder) are independent
 * simulations of the same trace: each runs in a child process of its own, started before the
 * run as configured, and sends its results back through a pipe. At most `jobs` simulations
 * (one per CPU, or NICSIM_JOBS) run at once: the children share a pipe of tokens, one per free
 * CPU, and take one before they simulate. The run as configured holds a CPU of its own until it
 * ends, then adds its token. NICSIM_SERIAL=1 runs everything one after the other in this
 * process, as does a child that cannot be started. */

typedef struct side_run {
    char what[160];   /* for the error line: "software baseline run" */
    ns_config *cfg;   /* owned */
    ns_results *res;  /* the caller's */
    pid_t pid;        /* > 0: its child process while it runs; -1: runs in this process */
    int fd;           /* read end of the child's pipe */
    int done;
    const char *hint; /* after its error message, or "" */
} side_run;

/* CPUs this process may use: NICSIM_JOBS (a positive number), else its affinity mask. */
static int side_jobs(void)
{
    const char *e = getenv("NICSIM_JOBS");
    if (e && *e) {
        char *end;
        long v = strtol(e, &end, 10);
        if (*end == '\0' && v >= 1 && v <= 1024)
            return (int)v;
    }
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) == 0 && CPU_COUNT(&set) > 0)
        return CPU_COUNT(&set);
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (int)n : 1;
}

/* In the child: waits for a token (0), or -1 when interrupted first. */
static int side_take_token(int fd)
{
    char t;
    for (;;) {
        ssize_t r = read(fd, &t, 1);
        if (r == 1)
            return 0;
        if (cli_out_interrupted() || !(r < 0 && errno == EINTR))
            return -1;
    }
}

/* Starts r in a child process. 0, or -1 when no process could be started (r then runs here). */
static int side_start(side_run *r, const int tokens[2])
{
    int fds[2];
    r->pid = -1;
    if (pipe(fds) != 0)
        return -1;
    pid_t pid = fork();
    if (pid < 0) {
        close(fds[0]);
        close(fds[1]);
        return -1;
    }
    if (pid == 0) {
#ifdef __linux__
        prctl(PR_SET_PDEATHSIG, SIGKILL); /* no simulation outlives nicsim */
#endif
        close(fds[0]);
        ns_results *res = calloc(1, sizeof *res);
        char err[1024] = "";
        int rc = -1;
        if (!res) {
            snprintf(err, sizeof err, "out of memory");
        } else if (side_take_token(tokens[0]) != 0) {
            snprintf(err, sizeof err, "interrupted");
        } else {
            rc = ns_run(r->cfg, res, err, sizeof err);
            char t = 't';
            if (write_all(tokens[1], &t, 1) != 0)
                _exit(1);
        }
        int ok = write_all(fds[1], &rc, sizeof rc) == 0 && write_all(fds[1], err, sizeof err) == 0 &&
                 (rc != 0 || write_all(fds[1], res, sizeof *res) == 0);
        _exit(ok ? 0 : 1);
    }
    close(fds[1]);
    r->fd = fds[0];
    r->pid = pid;
    return 0;
}

/* Reads r's results from its child and waits for the child. 0, or the run's failure code with
 * its message in err. */
static int side_finish(side_run *r, char *err, size_t errlen)
{
    int rc = -1;
    char cerr[1024] = "";
    if (read_all(r->fd, &rc, sizeof rc) != 0 || read_all(r->fd, cerr, sizeof cerr) != 0 ||
        (rc == 0 && read_all(r->fd, r->res, sizeof *r->res) != 0)) {
        rc = -1;
        snprintf(cerr, sizeof cerr, "the process running it ended without a result");
    }
    /* pointers in the results belong to the child's memory */
    r->res->conns = NULL;
    r->res->nconns = 0;
    close(r->fd);
    int st;
    while (waitpid(r->pid, &st, 0) < 0 && errno == EINTR)
        ;
    r->pid = -1;
    r->done = 1;
    cerr[sizeof cerr - 1] = '\0';
    if (rc != 0)
        snprintf(err, errlen, "%s", cerr[0] ? cerr : "the simulation failed");
    return rc;
}

/* Stops every child still running (their results are not wanted any more). */
static void side_abandon(side_run *runs, int n)
{
    for (int i = 0; i < n; i++) {
        if (runs[i].pid <= 0)
            continue;
        kill(runs[i].pid, SIGKILL);
        close(runs[i].fd);
        while (waitpid(runs[i].pid, NULL, 0) < 0 && errno == EINTR)
            ;
        runs[i].pid = -1;
    }
}

/* Collects the children as they end. CLI_OK, or CLI_ERUN with "WHAT: message" in err for the
 * first that failed (the others are stopped). */
static int side_collect(side_run *runs, int n, char *err, size_t errlen)
{
    struct pollfd pfd[NS_FEATURES + 1];
    int idx[NS_FEATURES + 1];
    for (;;) {
        int np = 0;
        for (int i = 0; i < n; i++)
            if (runs[i].pid > 0) {
                pfd[np].fd = runs[i].fd;
                pfd[np].events = POLLIN;
                pfd[np].revents = 0;
                idx[np++] = i;
            }
        if (!np)
            return CLI_OK;
        if (poll(pfd, (nfds_t)np, -1) < 0) {
            if (errno == EINTR && !cli_out_interrupted())
                continue;
            side_abandon(runs, n);
            snprintf(err, errlen, "%s", errno == EINTR ? "interrupted" : "cannot wait for the runs");
            return CLI_ERUN;
        }
        for (int p = 0; p < np; p++) {
            if (!pfd[p].revents)
                continue;
            side_run *r = &runs[idx[p]];
            char rerr[1024] = "";
            if (side_finish(r, rerr, sizeof rerr) != 0) {
                side_abandon(runs, n);
                snprintf(err, errlen, "%s: %.800s%s", r->what, rerr, r->hint);
                return CLI_ERUN;
            }
        }
    }
}

/* What a rung of the split is, for messages: "feature split run (checksum offload, RSS on)". */
static void rung_name(char *buf, size_t len, unsigned mask)
{
    size_t o = (size_t)snprintf(buf, len, "feature split run (");
    int first = 1;
    for (int i = 0; i < NS_FEATURES && o < len; i++) {
        if (!(mask & (1u << i)))
            continue;
        o += (size_t)snprintf(buf + o, len - o, "%s%s", first ? "" : ", ", ns_feature_names[i]);
        first = 0;
    }
    if (o < len)
        snprintf(buf + o, len - o, " on)");
}

/* The run as configured, its software baseline (unless base is NULL) and, with split, the rungs
 * of the savings split between them (split->rung[] set to the results: base, mid[], res). */
static int simulate(ns_config *cfg, ns_results *res, ns_results *base, cli_split *split,
                    ns_results *mid, char *err, size_t errlen)
{
    side_run runs[NS_FEATURES + 1];
    int n = 0, rc = CLI_OK;
    int tokens[2] = {-1, -1};
    memset(runs, 0, sizeof runs);
    if (base) {
        runs[n].cfg = malloc(sizeof *runs[n].cfg);
        runs[n].res = base;
        snprintf(runs[n].what, sizeof runs[n].what, "software baseline run");
        if (!runs[n].cfg)
            goto nomem;
        /* the same trace with every offload off; outputs only from the run as configured */
        ns_config_baseline(cfg, runs[n].cfg);
        n++;
    }
    if (base && split) {
        split->features = ns_config_features(cfg);
        int nf = 0;
        for (int i = 0; i < NS_FEATURES; i++)
            nf += (split->features >> i) & 1u;
        split->rung[0] = base;
        split->rung[nf] = res;
        /* rungs 1 .. nf-1: the last one is the run as configured */
        for (int k = 1; k < nf; k++) {
            side_run *r = &runs[n++];
            unsigned mask = ns_ladder_rung(split->features, k);
            r->cfg = malloc(sizeof *r->cfg);
            r->res = &mid[k - 1];
            rung_name(r->what, sizeof r->what, mask);
            split->rung[k] = r->res;
            if (!r->cfg)
                goto nomem;
            ns_config_ladder(cfg, mask, r->cfg);
        }
    }
    for (int i = 0; i < n; i++) {
        runs[i].cfg->progress = 0;
        runs[i].pid = -1;
        runs[i].hint = i ? " (--no-split skips the split's runs)" : "";
    }
    const char *serial = getenv("NICSIM_SERIAL");
    int started = 0;
    if (n && !(serial && strcmp(serial, "1") == 0) && pipe(tokens) == 0) {
        /* one token per CPU beside the one this run takes */
        int free_cpus = side_jobs() - 1;
        char t = 't';
        for (int i = 0; i < free_cpus && i < n; i++)
            if (write_all(tokens[1], &t, 1) != 0)
                break;
        fflush(NULL);
        for (int i = 0; i < n; i++)
            started += side_start(&runs[i], tokens) == 0;
    }
    if (cfg->progress && n)
        fprintf(stderr, "offloads as configured%s\n",
                started == 1 ? " (software baseline alongside)"
                : started ? " (software baseline and feature split runs alongside)" : "");
    int nrc = ns_run(cfg, res, err, errlen);
    if (nrc != 0) {
        if (!err[0])
            snprintf(err, errlen, "the simulation failed");
        /* bad input found by the model (an unreadable trace): exit status 2, as for the
         * command line */
        rc = nrc == -2 ? CLI_EUSAGE : CLI_ERUN;
        side_abandon(runs, n);
        goto out;
    }
    if (started) {
        char t = 't';
        write_all(tokens[1], &t, 1); /* this run's CPU is free */
    }
    /* the runs that could not start a process: here, one after the other */
    for (int i = 0; i < n && rc == CLI_OK; i++) {
        if (runs[i].pid > 0)
            continue;
        if (cfg->progress)
            fprintf(stderr, "%s\n", runs[i].what);
        char rerr[1024] = "";
        if (ns_run(runs[i].cfg, runs[i].res, rerr, sizeof rerr) != 0) {
            side_abandon(runs, n);
            if (!rerr[0])
                snprintf(rerr, sizeof rerr, "the simulation failed");
            snprintf(err, errlen, "%s: %s%s", runs[i].what, rerr, runs[i].hint);
            rc = CLI_ERUN;
        }
        runs[i].done = 1;
    }
    if (rc == CLI_OK)
        rc = side_collect(runs, n, err, errlen);
out:
    if (tokens[0] >= 0) {
        close(tokens[0]);
        close(tokens[1]);
    }
    for (int i = 0; i < n; i++)
        free(runs[i].cfg);
    if (rc == CLI_OK) {
        check_results("run", res);
        for (int i = 0; i < n; i++)
            check_results(i == 0 ? "software baseline" : runs[i].what, runs[i].res);
    }
    return rc;
nomem:
    snprintf(err, errlen, "out of memory");
    rc = CLI_ENOMEM;
    goto out;
}

static int cmd_run(const cli_args *a)
{
    char err[1024] = "";
    int rc = CLI_OK;
    json_t *report = NULL;
    ns_results *res = NULL, *base = NULL, *mid = NULL;
    cli_split split;
    int with_split = !a->no_baseline && !a->no_split;
    run_outputs out;
    memset(&out, 0, sizeof out);

    cli_out_signals_install();
    cli_scenario *sc = cli_scenario_new();
    if (!sc) {
        snprintf(err, sizeof err, "out of memory");
        rc = CLI_ENOMEM;
        goto out;
    }
    rc = load_scenario(a, sc, err, sizeof err);
    if (rc != CLI_OK)
        goto out;

    ns_config *cfg = cli_scenario_config(sc);
    const char *trace = cli_scenario_trace(sc);
    if (access(trace, R_OK) != 0) {
        snprintf(err, sizeof err, "cannot read trace '%s': %s", trace, strerror(errno));
        rc = CLI_EUSAGE;
        goto out;
    }
    int oom;
    out.stats_path = stats_out_path(a, &oom);
    if (oom) {
        snprintf(err, sizeof err, "out of memory");
        rc = CLI_ENOMEM;
        goto out;
    }
    rc = check_outputs(a, trace, out.stats_path, err, sizeof err);
    if (rc == CLI_OK && a->streams_dir)
        rc = cli_check_streams_dir(a->streams_dir, err, sizeof err);
    if (rc == CLI_OK)
        rc = open_outputs(a, &out, err, sizeof err);
    if (rc != CLI_OK)
        goto out;
    cfg->host_pcap = out.host_pcap.path ? cli_out_target(&out.host_pcap) : NULL;
    cfg->tx_pcap = out.tx_pcap.path ? cli_out_target(&out.tx_pcap) : NULL;
    cfg->wave_path = out.wave.path ? cli_out_target(&out.wave) : NULL;
    cfg->wave_save_path = out.gtkw.path ? cli_out_target(&out.gtkw) : NULL;
    cfg->wave_dumpfile = a->wave;
    for (int k = 0; k < NS_WAVE_FILTERS; k++)
        cfg->wave_filter_paths[k] = out.filter[k].path ? cli_out_target(&out.filter[k]) : NULL;
    cfg->wave_from_ps = a->wave_from_given ? a->wave_from_ps : 0;
    cfg->wave_to_ps = a->wave_to_given ? a->wave_to_ps : 0;
    cfg->wave_frame = a->wave_frame;
    snprintf(cfg->wave_scope, sizeof cfg->wave_scope, "%s", a->wave_scope ? a->wave_scope : "");
    cfg->packet_log = out.log.f;
    cfg->stats_interval_ps = a->stats_interval_ps;
    cfg->stats_out = out.stats.f;
    cfg->streams_dir = out.streams.path ? cli_out_target(&out.streams) : NULL;
    cfg->progress = isatty(STDERR_FILENO) && !a->quiet;
    cfg->cancel = cli_out_interrupt_flag();

    res = calloc(1, sizeof *res);
    base = a->no_baseline ? NULL : calloc(1, sizeof *base);
    mid = with_split ? calloc(NS_FEATURES, sizeof *mid) : NULL;
    memset(&split, 0, sizeof split);
    if (!res || (!a->no_baseline && !base) || (with_split && !mid)) {
        snprintf(err, sizeof err, "out of memory");
        rc = CLI_ENOMEM;
        goto out;
    }
    rc = simulate(cfg, res, base, with_split ? &split : NULL, mid, err, sizeof err);
    if (rc != CLI_OK)
        goto out;
    print_run_warnings(res, base);

    if (out.report.path) {
        report = cli_report_build_split(sc, res, base, with_split ? &split : NULL);
        if (!report) {
            snprintf(err, sizeof err, "out of memory");
            rc = CLI_ENOMEM;
            goto out;
        }
        rc = cli_report_write(report, out.report.f, err, sizeof err);
        if (rc != CLI_OK)
            goto out;
    }
    if (out.conns.f) {
        rc = cli_connections_write(out.conns.f, res, err, sizeof err);
        if (rc != CLI_OK)
            goto out;
    }
    if (cli_out_interrupted())
        goto out;
    rc = commit_outputs(&out, err, sizeof err);
    if (rc != CLI_OK)
        goto out;
    if (!a->quiet) {
        cli_report_print_text_split(stdout, sc, res, base, with_split ? &split : NULL);
        if (fflush(stdout) != 0) {
            snprintf(err, sizeof err, "cannot write the summary: %s", strerror(errno));
            rc = CLI_ERUN;
            goto out;
        }
    }

out:
    /* a failed or interrupted run leaves every existing file as it was */
    abort_outputs(&out);
    int status = cli_exit_status(rc);
    if (cli_out_interrupted()) {
        int sig = cli_out_interrupted();
        fprintf(stderr, "nicsim: interrupted by %s; no output was written and existing files were left "
                        "as they were\n", sig == SIGINT ? "SIGINT" : "SIGTERM");
        status = 128 + sig;
    } else if (rc != CLI_OK) {
        print_error(err);
    }
    json_decref(report);
    ns_results_free(res);
    ns_results_free(base);
    free(res);
    free(base);
    for (int i = 0; mid && i < NS_FEATURES; i++)
        ns_results_free(&mid[i]);
    free(mid);
    cli_scenario_free(sc);
    return status;
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
