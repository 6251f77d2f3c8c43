/* Value conversions shared by the command line and scenario files. */
#include "cli.h"
#include "cli_util.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#ifndef NICSIM_VERSION
#define NICSIM_VERSION "0.0.0"
#endif

int cli_exit_status(int rc)
{
    if (rc == CLI_OK)
        return 0;
    if (rc == CLI_EUSAGE)
        return 2;
    return 1;
}

const char *cli_version(void)
{
    return NICSIM_VERSION;
}

/* Units of cli_parse_time, as powers of ten of a picosecond. */
static const struct {
    const char *name;
    int exp10;
} cli_time_units[] = {
    {"ps", 0}, {"ns", 3}, {"us", 6}, {"\xc2\xb5s", 6} /* µs */, {"ms", 9}, {"s", 12},
};

int cli_parse_time(const char *s, uint64_t *ps, char *err, size_t errlen)
{
    if (!s || !*s) {
        cli_msg(err, errlen, "empty time (expected a number and a unit, e.g. 1.5ms)");
        return CLI_EUSAGE;
    }
    const char *p = s;
    if (*p == '-') {
        cli_msg(err, errlen, "negative time '%s'", s);
        return CLI_EUSAGE;
    }
    /* integer part */
    const char *int_start = p;
    while (isdigit((unsigned char)*p))
        p++;
    const char *int_end = p;
    /* fraction */
    const char *frac_start = NULL, *frac_end = NULL;
    if (*p == '.') {
        p++;
        frac_start = p;
        while (isdigit((unsigned char)*p))
            p++;
        frac_end = p;
    }
    size_t nint = (size_t)(int_end - int_start);
    size_t nfrac = frac_start ? (size_t)(frac_end - frac_start) : 0;
    if (nint == 0 && nfrac == 0) {
        cli_msg(err, errlen, "missing number in time '%s' (expected e.g. 1.5ms)", s);
        return CLI_EUSAGE;
    }
    const char *unit = p;
    if (!*unit) {
        cli_msg(err, errlen, "missing unit in time '%s' (use ps, ns, us, ms or s)", s);
        return CLI_EUSAGE;
    }
    int exp10 = -1;
    for (size_t i = 0; i < sizeof cli_time_units / sizeof cli_time_units[0]; i++) {
        if (strcmp(unit, cli_time_units[i].name) == 0) {
            exp10 = cli_time_units[i].exp10;
            break;
        }
    }
    if (exp10 < 0) {
        cli_msg(err, errlen, "unknown unit '%s' in time '%s' (use ps, ns, us, ms or s)", unit, s);
        return CLI_EUSAGE;
    }

    /* value = int * 10^exp10 + sum(frac digit i (1-based) * 10^(exp10 - i)), exactly */
    uint64_t scale = 1;
    for (int i = 0; i < exp10; i++)
        scale *= 10;
    uint64_t v = 0;
    for (const char *q = int_start; q < int_end; q++) {
        unsigned d = (unsigned)(*q - '0');
        if (v > (UINT64_MAX - d) / 10)
            goto overflow;
        v = v * 10 + d;
    }
    if (v != 0 && v > UINT64_MAX / scale)
        goto overflow;
    v *= scale;
    uint64_t place = scale;
    for (size_t i = 0; i < nfrac; i++) {
        unsigned d = (unsigned)(frac_start[i] - '0');
        place /= 10;  /* 0 once past picoseconds */
        if (place == 0) {
            if (d != 0) {
                cli_msg(err, errlen, "time '%s' is finer than 1 ps", s);
                return CLI_EUSAGE;
            }
            continue;
        }
        uint64_t add = d * place;
        if (v > UINT64_MAX - add)
            goto overflow;
        v += add;
    }
    *ps = v;
    return CLI_OK;

overflow:
    cli_msg(err, errlen, "time '%s' is too large (at most %llu ps, about 213 days)", s,
            (unsigned long long)UINT64_MAX);
    return CLI_EUSAGE;
}

int cli_parse_bool(const char *s, int *out, char *err, size_t errlen)
{
    static const char *const yes[] = {"1", "true", "yes", "on"};
    static const char *const no[] = {"0", "false", "no", "off"};
    for (size_t i = 0; i < 4; i++) {
        if (strcasecmp(s, yes[i]) == 0) {
            *out = 1;
            return CLI_OK;
        }
        if (strcasecmp(s, no[i]) == 0) {
            *out = 0;
            return CLI_OK;
        }
    }
    cli_msg(err, errlen, "expected 0/1, true/false, yes/no or on/off");
    return CLI_EUSAGE;
}

int cli_parse_uint(const char *s, uint64_t min, uint64_t max, uint64_t *out, char *err,
                   size_t errlen)
{
    if (!*s) {
        cli_msg(err, errlen, "empty value, expected an integer");
        return CLI_EUSAGE;
    }
    if (*s == '-') {
        cli_msg(err, errlen, "must not be negative (expected %llu..%llu)",
                (unsigned long long)min, (unsigned long long)max);
        return CLI_EUSAGE;
    }
    uint64_t v = 0;
    const char *p = s;
    for (; isdigit((unsigned char)*p); p++) {
        unsigned d = (unsigned)(*p - '0');
        if (v > (UINT64_MAX - d) / 10) {
            cli_msg(err, errlen, "too large (expected %llu..%llu)", (unsigned long long)min,
                    (unsigned long long)max);
            return CLI_EUSAGE;
        }
        v = v * 10 + d;
    }
    if (*p || p == s) {
        cli_msg(err, errlen, "not an integer");
        return CLI_EUSAGE;
    }
    if (v < min || v > max) {
        cli_msg(err, errlen, "out of range (expected %llu..%llu)", (unsigned long long)min,
                (unsigned long long)max);
        return CLI_EUSAGE;
    }
    *out = v;
    return CLI_OK;
}

int cli_parse_double(const char *s, double *out, char *err, size_t errlen)
{
    if (!*s) {
        cli_msg(err, errlen, "empty value, expected a number");
        return CLI_EUSAGE;
    }
    /* strtod also takes hex, inf and nan: allow decimal notation only */
    for (const char *p = s; *p; p++) {
        if (!isdigit((unsigned char)*p) && !strchr(".eE+-", *p)) {
            cli_msg(err, errlen, "not a number");
            return CLI_EUSAGE;
        }
    }
    char *end = NULL;
    errno = 0;
    double v = strtod(s, &end);
    if (end == s || *end) {
        cli_msg(err, errlen, "not a number");
        return CLI_EUSAGE;
    }
    if (errno == ERANGE || !isfinite(v)) {
        cli_msg(err, errlen, "number out of range");
        return CLI_EUSAGE;
    }
    *out = v;
    return CLI_OK;
}
