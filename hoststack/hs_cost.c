/* Cost profiles: key names, text format, load/save, built-in profiles, time <-> cycles. */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "hs_internal.h"

static const char *const hs_cost_names[HS_COST_COUNT] = {
    [HS_C_CPU_MHZ] = "cpu_mhz",
    [HS_C_ISR] = "isr",
    [HS_C_DPC] = "dpc",
    [HS_C_RX_COMPLETION] = "rx_completion",
    [HS_C_RX_REPOST] = "rx_repost",
    [HS_C_TX_FRAME] = "tx_frame",
    [HS_C_TX_COMPLETION] = "tx_completion",
    [HS_C_DOORBELL] = "doorbell",
    [HS_C_CSR_READ] = "csr_read",
    [HS_C_COPY_BYTE] = "copy_byte",
    [HS_C_IP_RX] = "ip_rx",
    [HS_C_TCP_RX] = "tcp_rx",
    [HS_C_UDP_RX] = "udp_rx",
    [HS_C_HASH_SW] = "hash_sw",
    [HS_C_LOOKUP] = "lookup",
    [HS_C_CONN_CREATE] = "conn_create",
    [HS_C_REASM_SEG] = "reasm_seg",
    [HS_C_ACK_BUILD] = "ack_build",
    [HS_C_TIMER] = "timer",
    [HS_C_CHECKSUM_PKT] = "checksum_pkt",
    [HS_C_CHECKSUM_BYTE] = "checksum_byte",
    [HS_C_COPY_COLD_BYTE] = "copy_cold_byte",
    [HS_C_COPY_WARM_BYTE] = "copy_warm_byte",
    [HS_C_APP_BYTE] = "app_byte",
    [HS_C_APP_RECV] = "app_recv",
    [HS_C_BUFFER_POST] = "buffer_post",
    [HS_C_TOE_OFFLOAD] = "toe_offload",
    [HS_C_TOE_UPLOAD] = "toe_upload",
    [HS_C_TOE_POST] = "toe_post",
    [HS_C_TOE_BUF] = "toe_buf",
    [HS_C_TOE_INDICATE] = "toe_indicate",
    [HS_C_TOE_EXCEPTION] = "toe_exception",
    [HS_C_DMA_DESC] = "dma_desc",
    [HS_C_DMA_POLL] = "dma_poll",
    [HS_C_DMA_COMPLETION] = "dma_completion",
    [HS_C_APP_COLD_BYTE] = "app_cold_byte",
};

int hs_errf(char *err, size_t errlen, int code, const char *fmt, ...)
{
    if (err && errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return code;
}

const char *hs_cost_key_name(int key)
{
    return key >= 0 && key < HS_COST_COUNT ? hs_cost_names[key] : NULL;
}

int hs_cost_key_from_name(const char *name)
{
    if (!name)
        return -1;
    for (int k = 0; k < HS_COST_COUNT; k++)
        if (strcmp(hs_cost_names[k], name) == 0)
            return k;
    return -1;
}

int hs_cost_key_per_byte(int key)
{
    const char *n = hs_cost_key_name(key);
    size_t len = n ? strlen(n) : 0;
    return len > 5 && strcmp(n + len - 5, "_byte") == 0;
}

double hs_cost_key_max(int key)
{
    if (key == HS_C_CPU_MHZ)
        return HS_COST_MHZ_MAX;
    return hs_cost_key_per_byte(key) ? HS_COST_BYTE_MAX : HS_COST_OP_MAX;
}

/* "KEY: VALUE is out of range (expected LO..HI UNIT)" unless v is in key's range. */
static int hs_cost_check_value(int key, double v, const char *text, char *err, size_t errlen)
{
    double lo = key == HS_C_CPU_MHZ ? HS_COST_MHZ_MIN : 0.0;
    double hi = hs_cost_key_max(key);
    if (v >= lo && v <= hi)
        return 0;
    const char *unit = key == HS_C_CPU_MHZ ? "MHz" : hs_cost_key_per_byte(key) ? "cycles per byte"
                                                                                : "cycles";
    char num[40];
    if (!text) {
        snprintf(num, sizeof num, "%g", v);
        text = num;
    }
    return hs_errf(err, errlen, HS_EINVAL, "%s: %s is out of range (expected %.0f..%.0f %s)",
                   hs_cost_names[key], text, lo, hi, unit);
}

int hs_cost_check(const hs_cost *c, char *err, size_t errlen)
{
    for (int k = 0; k < HS_COST_COUNT; k++)
        if (hs_cost_check_value(k, c->v[k], NULL, err, errlen) != 0)
            return HS_EINVAL;
    return 0;
}

double hs_cost_get(const hs_cost *c, const char *name)
{
    int k = hs_cost_key_from_name(name);
    return k < 0 ? -1.0 : c->v[k];
}

uint64_t hs_cost_cycles(const hs_cost *c, const char *name, uint64_t count)
{
    int k = hs_cost_key_from_name(name);
    if (k < 0 || k == HS_C_CPU_MHZ)
        return 0;
    return (uint64_t)llround(c->v[k] * (double)count);
}

uint64_t hs_ns_to_cycles(const hs_cost *c, uint64_t ns)
{
    return (uint64_t)llround((double)ns * c->v[HS_C_CPU_MHZ] / 1000.0);
}

uint64_t hs_cycles_to_ns(const hs_cost *c, uint64_t cycles)
{
    return (uint64_t)llround((double)cycles * 1000.0 / c->v[HS_C_CPU_MHZ]);
}

/* ---- text format ---- */

static char *hs_trim(char *s)
{
    while (isspace((unsigned char)*s))
        s++;
    size_t n = strlen(s);
    while (n && isspace((unsigned char)s[n - 1]))
        s[--n] = 0;
    return s;
}

int hs_cost_parse(hs_cost *out, const char *text, const char *file, char *err, size_t errlen)
{
    hs_cost c;
    memset(&c, 0, sizeof c);
    int seen_line[HS_COST_COUNT] = {0};
    int name_line = 0;
    int rc = 0;
    int line = 0;
    const char *p = text;
    if (!file)
        file = "(profile)";
    while (*p) {
        line++;
        const char *eol = strchr(p, '\n');
        size_t n = eol ? (size_t)(eol - p) : strlen(p);
        char buf[512];
        if (n >= sizeof buf) {
            rc = hs_errf(err, errlen, HS_EPARSE, "%s:%d: line longer than %zu characters", file,
                         line, sizeof buf - 1);
            goto out;
        }
        memcpy(buf, p, n);
        buf[n] = 0;
        p = eol ? eol + 1 : p + n;

        char *note = NULL;
        char *hash = strchr(buf, '#');
        if (hash) {
            *hash = 0;
            note = hs_trim(hash + 1);
        }
        char *s = hs_trim(buf);
        if (!*s)
            continue;
        char *eq = strchr(s, '=');
        if (!eq) {
            rc = hs_errf(err, errlen, HS_EPARSE, "%s:%d: expected 'key = value', got '%s'", file,
                         line, s);
            goto out;
        }
        *eq = 0;
        char *key = hs_trim(s);
        char *val = hs_trim(eq + 1);
        if (!*key) {
            rc = hs_errf(err, errlen, HS_EPARSE, "%s:%d: missing key before '='", file, line);
            goto out;
        }
        if (strcmp(key, "name") == 0) {
            if (name_line) {
                rc = hs_errf(err, errlen, HS_EPARSE, "%s:%d: name: given twice (first at line %d)",
                             file, line, name_line);
                goto out;
            }
            if (!*val || strlen(val) >= sizeof c.name || strpbrk(val, " \t")) {
                rc = hs_errf(err, errlen, HS_EPARSE, "%s:%d: name: expected one word of at most %zu characters",
                             file, line, sizeof c.name - 1);
                goto out;
            }
            strcpy(c.name, val);
            name_line = line;
            continue;
        }
        int k = hs_cost_key_from_name(key);
        if (k < 0) {
            rc = hs_errf(err, errlen, HS_EPARSE, "%s:%d: %s: unknown key", file, line, key);
            goto out;
        }
        if (seen_line[k]) {
            rc = hs_errf(err, errlen, HS_EPARSE, "%s:%d: %s: given twice (first at line %d)", file,
                         line, key, seen_line[k]);
            goto out;
        }
        if (!*val) {
            rc = hs_errf(err, errlen, HS_EPARSE, "%s:%d: %s: missing value", file, line, key);
            goto out;
        }
        char *end = NULL;
        errno = 0;
        double v = strtod(val, &end);
        if (end == val || *end || errno == ERANGE || !isfinite(v)) {
            rc = hs_errf(err, errlen, HS_EPARSE, "%s:%d: %s: not a number: '%s'", file, line, key,
                         val);
            goto out;
        }
        if (k == HS_C_CPU_MHZ && !(v >= HS_COST_MHZ_MIN && v <= HS_COST_MHZ_MAX)) {
            rc = hs_errf(err, errlen, HS_EPARSE, "%s:%d: %s: %s is not a clock in MHz (expected "
                         "%.0f..%.0f)", file, line, key, val, HS_COST_MHZ_MIN, HS_COST_MHZ_MAX);
            goto out;
        }
        if (v < 0) {
            rc = hs_errf(err, errlen, HS_EPARSE, "%s:%d: %s: negative value %s (expected 0..%.0f "
                         "%s)", file, line, key, val, hs_cost_key_max(k),
                         hs_cost_key_per_byte(k) ? "cycles per byte" : "cycles");
            goto out;
        }
        char why[160];
        if (hs_cost_check_value(k, v, val, why, sizeof why) != 0) {
            rc = hs_errf(err, errlen, HS_EPARSE, "%s:%d: %s", file, line, why);
            goto out;
        }
        c.v[k] = v;
        seen_line[k] = line;
        if (note) {
            strncpy(c.note[k], note, HS_COST_NOTE_MAX - 1);
            c.note[k][HS_COST_NOTE_MAX - 1] = 0;
        }
    }
    for (int k = 0; k < HS_COST_COUNT; k++) {
        if (!seen_line[k]) {
            rc = hs_errf(err, errlen, HS_EPARSE, "%s:%d: %s: missing (every cost key must be given)",
                         file, line, hs_cost_names[k]);
            goto out;
        }
    }
    if (!name_line)
        strcpy(c.name, "unnamed");
    *out = c;
out:
    return rc;
}

int hs_cost_load(hs_cost *out, const char *path, char *err, size_t errlen)
{
    int rc = 0;
    char *text = NULL;
    FILE *f = fopen(path, "rb");
    if (!f)
        return hs_errf(err, errlen, HS_EIO, "%s:0: cannot open: %s", path, strerror(errno));
    if (fseek(f, 0, SEEK_END) != 0) {
        rc = hs_errf(err, errlen, HS_EIO, "%s:0: cannot read: %s", path, strerror(errno));
        goto out;
    }
    long sz = ftell(f);
    if (sz < 0 || sz > (1 << 20)) {
        rc = hs_errf(err, errlen, HS_EIO, "%s:0: not a profile (size %ld)", path, sz);
        goto out;
    }
    rewind(f);
    text = malloc((size_t)sz + 1);
    if (!text) {
        rc = hs_errf(err, errlen, HS_ENOMEM, "%s:0: out of memory", path);
        goto out;
    }
    if (fread(text, 1, (size_t)sz, f) != (size_t)sz) {
        rc = hs_errf(err, errlen, HS_EIO, "%s:0: cannot read: %s", path, strerror(errno));
        goto out;
    }
    text[sz] = 0;
    if (memchr(text, 0, (size_t)sz)) {
        rc = hs_errf(err, errlen, HS_EPARSE, "%s:0: binary data in a profile", path);
        goto out;
    }
    rc = hs_cost_parse(out, text, path, err, errlen);
out:
    free(text);
    fclose(f);
    return rc;
}

/* Shortest %g form that reads back to exactly v. */
static void hs_fmt_double(char *buf, size_t n, double v)
{
    for (int prec = 6; prec <= 17; prec++) {
        snprintf(buf, n, "%.*g", prec, v);
        if (strtod(buf, NULL) == v)
            return;
    }
}

int hs_cost_save(const hs_cost *c, const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return hs_errf(err, errlen, HS_EIO, "%s: cannot write: %s", path, strerror(errno));
    fprintf(f, "# nicsim cost profile: cycles per operation (per byte where the key ends in _byte).\n"
               "# Format: key = value  # source. Reference: docs/cost-model.md\n");
    fprintf(f, "name = %s\n", c->name[0] ? c->name : "unnamed");
    for (int k = 0; k < HS_COST_COUNT; k++) {
        char num[40];
        hs_fmt_double(num, sizeof num, c->v[k]);
        char note[HS_COST_NOTE_MAX];
        /* a note cannot span lines */
        size_t i = 0;
        for (; i + 1 < sizeof note && c->note[k][i]; i++)
            note[i] = (c->note[k][i] == '\n' || c->note[k][i] == '\r') ? ' ' : c->note[k][i];
        note[i] = 0;
        if (note[0])
            fprintf(f, "%-15s = %-10s # %s\n", hs_cost_names[k], num, note);
        else
            fprintf(f, "%-15s = %s\n", hs_cost_names[k], num);
    }
    int bad = ferror(f);
    if (fclose(f) != 0 || bad)
        return hs_errf(err, errlen, HS_EIO, "%s: write failed", path);
    return 0;
}

int hs_cost_builtin(hs_cost *out, const char *name, char *err, size_t errlen)
{
    if (!name)
        name = "xeon-2006";
    for (const hs_builtin_profile *p = hs_builtin_profiles; p->name; p++)
        if (strcmp(p->name, name) == 0)
            return hs_cost_parse(out, p->text, p->file, err, errlen);
    char known[256] = "";
    for (const hs_builtin_profile *p = hs_builtin_profiles; p->name; p++) {
        size_t n = strlen(known);
        snprintf(known + n, sizeof known - n, "%s%s", n ? ", " : "", p->name);
    }
    return hs_errf(err, errlen, HS_EINVAL, "unknown cost profile '%s' (built in: %s)", name, known);
}

const char *const *hs_cost_builtin_names(void)
{
    return hs_builtin_profile_names;
}
