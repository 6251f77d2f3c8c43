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
    const char *path = a->profile_out ? a->profile_out : CLI_CALIBRATE_DEFAULT_OUT;
    int rc = CLI_OK, created = 0;
    hs_cost *cost = NULL, *modern = NULL, *xeon = NULL;
    char herr[512] = "";
    struct stat st;

    if (stat(path, &st) == 0) {
        if (S_ISDIR(st.st_mode)) {
            cli_msg(err, errlen, "calibrate: '%s' is a directory (give a file with -o)", path);
            return CLI_EUSAGE;
        }
        if (!a->force) {
            cli_msg(err, errlen, "calibrate: '%s' exists; use --force to overwrite it or -o to "
                    "write another file", path);
            return CLI_EUSAGE;
        }
        if (S_ISREG(st.st_mode) && access(path, W_OK) != 0) {
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

    if (hs_calibrate_to_file(path, a->mhz, herr, sizeof herr) != HS_OK) {
        cli_msg(err, errlen, "calibrate: %s", herr[0] ? herr : "the measurement failed");
        rc = CLI_ERUN;
        goto out;
    }
    cost = malloc(sizeof *cost);
    modern = malloc(sizeof *modern);
    xeon = malloc(sizeof *xeon);
    if (!cost || !modern || !xeon) {
        cli_msg(err, errlen, "out of memory");
        rc = CLI_ENOMEM;
        goto out;
    }
    if (hs_cost_load(cost, path, herr, sizeof herr) != HS_OK) {
        cli_msg(err, errlen, "calibrate: cannot read back '%s': %s", path, herr);
        rc = CLI_ERUN;
        goto out;
    }
    created = 0; /* a good profile stays */
    int have_m = hs_cost_builtin(modern, "modern", NULL, 0) == HS_OK;
    int have_x = hs_cost_builtin(xeon, "xeon-2006", NULL, 0) == HS_OK;

    fprintf(out, "wrote %s (profile '%s'); use it with '[host] cost_profile = %s'\n", path,
            cost->name, path);
    fprintf(out, "clock %s: %g MHz\n\n", a->mhz > 0 ? "given (--mhz)" : "measured",
            cost->v[HS_C_CPU_MHZ]);
    fprintf(out, "%-16s %12s %12s %12s  %s\n", "key", "measured", "modern", "xeon-2006", "unit");
    for (size_t i = 0; i < sizeof cli_measured_keys / sizeof cli_measured_keys[0]; i++) {
        const char *k = cli_measured_keys[i];
        size_t n = strlen(k);
        const char *unit = strcmp(k, "cpu_mhz") == 0 ? "MHz"
                           : n > 5 && strcmp(k + n - 5, "_byte") == 0 ? "cycles/byte"
                                                                      : "cycles";
        char m[32] = "-", x[32] = "-";
        if (have_m)
            snprintf(m, sizeof m, "%g", hs_cost_get(modern, k));
        if (have_x)
            snprintf(x, sizeof x, "%g", hs_cost_get(xeon, k));
        fprintf(out, "%-16s %12g %12s %12s  %s\n", k, hs_cost_get(cost, k), m, x, unit);
    }
    fprintf(out, "\nInterrupt, driver and application costs are copied from 'modern' "
            "(docs/cost-model.md).\n");
    if (fflush(out) != 0) {
        cli_msg(err, errlen, "cannot write the summary: %s", strerror(errno));
        rc = CLI_ERUN;
    }
out:
    if (created)
        remove(path);
    free(cost);
    free(modern);
    free(xeon);
    return rc;
}
