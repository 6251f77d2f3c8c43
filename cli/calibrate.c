/* nicsim calibrate: measure the host stack's costs on this machine, write a cost profile. */
#include "cli.h"
#include "cli_util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The keys hs_calibrate measures (hs.h); the others come from its base profile. */
static const char *const cli_measured_keys[] = {
    "cpu_mhz",   "ip_rx",      "tcp_rx",      "udp_rx",       "hash_sw",
    "lookup",    "conn_create", "reasm_seg",  "ack_build",    "timer",
    "checksum_pkt", "checksum_byte", "copy_cold_byte", "copy_warm_byte", "copy_byte",
};

int cli_calibrate(const cli_args *a, FILE *out, char *err, size_t errlen)
{
    return cli_calibrate_hooked(a, NULL, out, err, errlen);
}

int cli_calibrate_hooked(const cli_args *a, const struct hs_calib_opts *hooks, FILE *out,
                         char *err, size_t errlen)
{
    const char *path = a->profile_out ? a->profile_out : CLI_CALIBRATE_DEFAULT_OUT;
    int rc = CLI_OK, created = 0;
    hs_cost *cost = NULL, *modern = NULL, *xeon = NULL;
    hs_calib_stats *st = NULL;
    char herr[512] = "", spread_err[512] = "";
    struct stat fst;

    if (stat(path, &fst) == 0) {
        if (S_ISDIR(fst.st_mode)) {
            cli_msg(err, errlen, "calibrate: '%s' is a directory (give a file with -o)", path);
            return CLI_EUSAGE;
        }
        if (!a->force) {
            cli_msg(err, errlen, "calibrate: '%s' exists; use --force to overwrite it or -o to "
                    "write another file", path);
            return CLI_EUSAGE;
        }
        if (S_ISREG(fst.st_mode) && access(path, W_OK) != 0) {
            cli_msg(err, errlen, "calibrate: cannot write '%s': %s", path, strerror(errno));
            return CLI_EUSAGE;
        }
    } else {
        /* create it now so that a bad path fails before the measurement */
        int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0644);
        if (fd < 0) {
            cli_msg(err, errlen, "calibrate: cannot write '%s': %s", path, strerror(errno));
            return CLI_EUSAGE;
        }
        close(fd);
        created = 1;
    }

    cost = malloc(sizeof *cost);
    modern = malloc(sizeof *modern);
    xeon = malloc(sizeof *xeon);
    st = malloc(sizeof *st);
    if (!cost || !modern || !xeon || !st) {
        cli_msg(err, errlen, "out of memory");
        rc = CLI_ENOMEM;
        goto out;
    }
    hs_calib_opts o;
    hs_calib_defaults(&o);
    o.mhz = a->mhz;
    if (a->cal_runs > 0)
        o.runs = a->cal_runs;
    if (a->cal_max_seconds > 0)
        o.max_seconds = a->cal_max_seconds;
    if (a->cal_max_spread_pct > 0)
        o.max_spread_pct = a->cal_max_spread_pct;
    o.accept_spread = a->accept_spread;
    o.stats = st;
    if (hooks) {
        o.run_fn = hooks->run_fn;
        o.clock_fn = hooks->clock_fn;
        o.user = hooks->user;
    }
    int hrc = hs_calibrate(cost, &o, herr, sizeof herr);
    if (hrc == HS_ESPREAD) {
        /* the table shows every spread; the error line names the widest */
        snprintf(spread_err, sizeof spread_err, "%s", herr);
    } else if (hrc != HS_OK) {
        cli_msg(err, errlen, "calibrate: %s", herr[0] ? herr : "the measurement failed");
        rc = CLI_ERUN;
        goto out;
    } else {
        if (hs_cost_save(cost, path, herr, sizeof herr) != HS_OK) {
            cli_msg(err, errlen, "calibrate: %s", herr);
            rc = CLI_ERUN;
            goto out;
        }
        if (hs_cost_load(cost, path, herr, sizeof herr) != HS_OK) {
            cli_msg(err, errlen, "calibrate: cannot read back '%s': %s", path, herr);
            rc = CLI_ERUN;
            goto out;
        }
        created = 0; /* a good profile stays */
    }
    int have_m = hs_cost_builtin(modern, "modern", NULL, 0) == HS_OK;
    int have_x = hs_cost_builtin(xeon, "xeon-2006", NULL, 0) == HS_OK;

    if (!spread_err[0])
        fprintf(out, "wrote %s (profile '%s'); use it with '[host] cost_profile = %s'\n", path,
                cost->name, path);
    else
        fprintf(out, "not written: %s (a spread is too wide, see below)\n", path);
    fprintf(out, "clock %s: %g MHz\n", a->mhz > 0 ? "given (--mhz)" : "measured",
            cost->v[HS_C_CPU_MHZ]);
    fprintf(out, "%d runs in %.1f s, stopped: %s (limits: %d runs, %g s; spread limit %g%%)\n\n",
            st->runs, st->seconds, hs_calib_stop_name(st->stop), o.runs, o.max_seconds,
            o.max_spread_pct);
    fprintf(out, "%-16s %10s %10s %10s %10s %7s %10s %10s  %s\n", "key", "written", "min",
            "median", "max", "spread", "modern", "xeon-2006", "unit");
    for (size_t i = 0; i < sizeof cli_measured_keys / sizeof cli_measured_keys[0]; i++) {
        const char *k = cli_measured_keys[i];
        size_t n = strlen(k);
        int per_byte = n > 5 && strcmp(k + n - 5, "_byte") == 0;
        const char *unit = strcmp(k, "cpu_mhz") == 0 ? "MHz" : per_byte ? "cycles/byte" : "cycles";
        char m[32] = "-", x[32] = "-", lo[32] = "-", md[32] = "-", hi[32] = "-", sp[32] = "-";
        if (have_m)
            snprintf(m, sizeof m, "%g", hs_cost_get(modern, k));
        if (have_x)
            snprintf(x, sizeof x, "%g", hs_cost_get(xeon, k));
        int key = hs_cost_key_from_name(k);
        if (key >= 0 && st->key[key].measured) {
            const hs_calib_key_stats *ks = &st->key[key];
            int prec = per_byte ? 3 : 0;
            snprintf(lo, sizeof lo, "%.*f", prec, ks->min);
            snprintf(md, sizeof md, "%.*f", prec, ks->median);
            snprintf(hi, sizeof hi, "%.*f", prec, ks->max);
            snprintf(sp, sizeof sp, "%.0f%%%s", 100 * ks->spread,
                     o.max_spread_pct > 0 && 100 * ks->spread > o.max_spread_pct ? "!" : "");
        }
        fprintf(out, "%-16s %10g %10s %10s %10s %7s %10s %10s  %s\n", k, hs_cost_get(cost, k),
                lo, md, hi, sp, m, x, unit);
    }
    fprintf(out, "\nspread: interquartile range of the runs over the median (or over 20 cycles,\n"
                 "0.01 cycles/byte, when the median is smaller); '!' marks a spread over the limit.\n");
    if (!spread_err[0] && st->over)
        fprintf(out, "accepted with --accept-spread: %d cost(s) over the spread limit, widest %s "
                "(%.0f%%)\n", st->over, hs_cost_key_name(st->worst),
                100 * st->key[st->worst].spread);
    fprintf(out, "Interrupt, driver and application costs are copied from 'modern' "
            "(docs/cost-model.md).\n");
    if (fflush(out) != 0 && !spread_err[0]) {
        cli_msg(err, errlen, "cannot write the summary: %s", strerror(errno));
        rc = CLI_ERUN;
    }
    if (spread_err[0]) {
        cli_msg(err, errlen, "%s; rerun on a quieter machine, or keep it with --accept-spread",
                spread_err);
        rc = CLI_ERUN;
    }
out:
    if (created)
        remove(path);
    free(cost);
    free(modern);
    free(xeon);
    free(st);
    return rc;
}
