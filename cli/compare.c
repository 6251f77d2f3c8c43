/* nicsim compare: the main figures of several reports side by side, each against the first. */
#include "cli.h"
#include "cli_util.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define CLI_SCHEMA_PREFIX "nicsim-report/"

int cli_compare_load(const char *path, json_t **out, char *err, size_t errlen)
{
    *out = NULL;
    struct stat st;
    if (stat(path, &st) != 0) {
        cli_msg(err, errlen, "cannot read report '%s': %s", path, strerror(errno));
        return CLI_EUSAGE;
    }
    if (S_ISDIR(st.st_mode)) {
        cli_msg(err, errlen, "cannot read report '%s': %s", path, strerror(EISDIR));
        return CLI_EUSAGE;
    }
    FILE *f = fopen(path, "rb");
    if (!f) {
        cli_msg(err, errlen, "cannot read report '%s': %s", path, strerror(errno));
        return CLI_EUSAGE;
    }
    json_error_t je;
    json_t *j = json_loadf(f, JSON_REJECT_DUPLICATES, &je);
    int read_error = ferror(f);
    fclose(f);
    if (!j) {
        if (read_error)
            cli_msg(err, errlen, "cannot read report '%s': %s", path, strerror(EIO));
        else
            cli_msg(err, errlen, "'%s' is not a nicsim report: not JSON (line %d: %s)", path,
                    je.line, je.text);
        return CLI_EUSAGE;
    }
    json_t *schema = json_object_get(j, "schema");
    if (!json_is_string(schema) ||
        strncmp(json_string_value(schema), CLI_SCHEMA_PREFIX, strlen(CLI_SCHEMA_PREFIX)) != 0) {
        cli_msg(err, errlen, "'%s' is not a nicsim report (no \"schema\": \"" CLI_SCHEMA_PREFIX
                "N\" key)", path);
        json_decref(j);
        return CLI_EUSAGE;
    }
    *out = j;
    return CLI_OK;
}

/* One figure of the table: a dotted path into the report. An object is summed (all the
 * integers below it: frames.dropped). decimals < 0: an integer. kind says what a difference
 * of it means: an amount (a relative difference makes sense when the first report's value is
 * positive), a percentage (the difference is in percentage points, no relative difference) or
 * a difference itself (saved = baseline - offload: may be zero or negative, no relative
 * difference). */
enum { CLI_M_AMOUNT, CLI_M_PCT, CLI_M_DIFF, CLI_M_DIFF_PCT };

typedef struct cli_metric {
    const char *label;
    const char *path;
    int decimals;
    int kind;
    /* a row only when every report has it (the savings split: reports made with --no-split or
     * by an older nicsim lack it) */
    int all;
    /* a string key beside it: when it is "off", the cell says "off" and has no difference */
    const char *state;
} cli_metric;

static const cli_metric cli_metrics[] = {
    {"throughput (Gb/s)", "throughput_gbps", 3, CLI_M_AMOUNT, 0, NULL},
    {"CPU cycles total", "cpu.total_cycles", -1, CLI_M_AMOUNT, 0, NULL},
    {"cycles/byte", "cpu.cycles_per_byte", 3, CLI_M_AMOUNT, 0, NULL},
    {"cycles/packet", "cpu.cycles_per_packet", 1, CLI_M_AMOUNT, 0, NULL},
    {"CPU utilization avg (%)", "cpu.utilization_avg_pct", 1, CLI_M_PCT, 0, NULL},
    {"CPU utilization max (%)", "cpu.utilization_max_pct", 1, CLI_M_PCT, 0, NULL},
    {"software: throughput (Gb/s)", "baseline.throughput_gbps", 3, CLI_M_AMOUNT, 0, NULL},
    {"software: CPU cycles", "baseline.cpu.total_cycles", -1, CLI_M_AMOUNT, 0, NULL},
    {"software: cycles/byte", "baseline.cpu.cycles_per_byte", 3, CLI_M_AMOUNT, 0, NULL},
    {"saved: headline (%)", "savings.headline_pct", 1, CLI_M_DIFF_PCT, 0, NULL},
    {"saved: CPU cycles", "savings.cpu_cycles", -1, CLI_M_DIFF, 0, NULL},
    {"saved: CPU cycles (%)", "savings.cpu_cycles_pct", 1, CLI_M_DIFF_PCT, 0, NULL},
    {"saved: cycles/byte", "savings.cycles_per_byte", 3, CLI_M_DIFF, 0, NULL},
    {"saved: cycles/byte (%)", "savings.cycles_per_byte_pct", 1, CLI_M_DIFF_PCT, 0, NULL},
    {"saved: utilization (points)", "savings.cpu_utilization_pct", 1, CLI_M_DIFF_PCT, 0, NULL},
#define CLI_FEATURE_ROWS(key, name)                                                          \
    {"saved by " name ": CPU cycles", "savings.by_feature." key ".cpu_cycles", -1, CLI_M_DIFF, 1, \
     "savings.by_feature." key ".state"},                                                    \
    {"saved by " name " (%)", "savings.by_feature." key ".cpu_cycles_pct", 1, CLI_M_DIFF_PCT, 1,  \
     "savings.by_feature." key ".state"}
    CLI_FEATURE_ROWS("checksum", "checksum offload"),
    CLI_FEATURE_ROWS("rss", "RSS"),
    CLI_FEATURE_ROWS("netdma", "NetDMA"),
    CLI_FEATURE_ROWS("chimney", "TCP Chimney"),
#undef CLI_FEATURE_ROWS
    {"frames received", "frames.rx", -1, CLI_M_AMOUNT, 0, NULL},
    {"frames delivered", "frames.delivered", -1, CLI_M_AMOUNT, 0, NULL},
    {"frames dropped", "frames.dropped", -1, CLI_M_AMOUNT, 0, NULL},
    {"interrupts", "irq.count", -1, CLI_M_AMOUNT, 0, NULL},
    {"bytes copied", "cpu.bytes_copied", -1, CLI_M_AMOUNT, 0, NULL},
    {"CPU memory traffic (bytes)", "memory.cpu_bytes", -1, CLI_M_AMOUNT, 0, NULL},
    {"app bytes", "app.bytes", -1, CLI_M_AMOUNT, 0, NULL},
    {"TCP connections", "tcp.connections", -1, CLI_M_AMOUNT, 0, NULL},
    {"TCP retransmitted bytes", "tcp.retransmitted_bytes", -1, CLI_M_AMOUNT, 0, NULL},
    {"simulated time (ns)", "sim.sim_time_ns", -1, CLI_M_AMOUNT, 0, NULL},
};
#define CLI_NMETRICS (sizeof cli_metrics / sizeof cli_metrics[0])

/* A value: integers are kept exact. */
typedef struct cli_val {
    int have;
    int is_int;
    json_int_t i;
    double d;
} cli_val;

static void cli_sum_object(json_t *o, cli_val *v)
{
    const char *k;
    json_t *x;
    json_object_foreach(o, k, x) {
        if (json_is_integer(x)) {
            v->i += json_integer_value(x);
            v->d += (double)json_integer_value(x);
        } else if (json_is_real(x)) {
            v->is_int = 0;
            v->d += json_real_value(x);
        } else if (json_is_object(x)) {
            cli_sum_object(x, v);
        }
    }
}

static cli_val cli_lookup(json_t *root, const char *path)
{
    cli_val v = {0, 1, 0, 0.0};
    char buf[128];
    snprintf(buf, sizeof buf, "%s", path);
    json_t *j = root;
    char *save = NULL;
    for (char *p = strtok_r(buf, ".", &save); p && j; p = strtok_r(NULL, ".", &save))
        j = json_object_get(j, p);
    if (!j)
        return v;
    if (json_is_integer(j)) {
        v.have = 1;
        v.i = json_integer_value(j);
        v.d = (double)v.i;
    } else if (json_is_real(j)) {
        v.have = 1;
        v.is_int = 0;
        v.d = json_real_value(j);
    } else if (json_is_object(j)) {
        v.have = 1;
        cli_sum_object(j, &v);
    }
    return v;
}

/* 1 if the string at path is "off". */
static int cli_is_off(json_t *root, const char *path)
{
    char buf[128];
    snprintf(buf, sizeof buf, "%s", path);
    json_t *j = root;
    char *save = NULL;
    for (char *p = strtok_r(buf, ".", &save); p && j; p = strtok_r(NULL, ".", &save))
        j = json_object_get(j, p);
    return j && json_is_string(j) && strcmp(json_string_value(j), "off") == 0;
}

/* A table of strings, rendered as text, CSV or Markdown. */
typedef struct cli_table {
    int rows, cols;
    char **cell;  /* rows x cols */
} cli_table;

static int cli_table_init(cli_table *t, int rows, int cols)
{
    t->rows = rows;
    t->cols = cols;
    t->cell = calloc((size_t)rows * (size_t)cols, sizeof *t->cell);
    return t->cell ? CLI_OK : CLI_ENOMEM;
}

static void cli_table_free(cli_table *t)
{
    if (!t->cell)
        return;
    for (int i = 0; i < t->rows * t->cols; i++)
        free(t->cell[i]);
    free(t->cell);
    t->cell = NULL;
}

static int cli_table_set(cli_table *t, int r, int c, const char *s)
{
    char *d = cli_strdup(s);
    if (!d)
        return CLI_ENOMEM;
    free(t->cell[r * t->cols + c]);
    t->cell[r * t->cols + c] = d;
    return CLI_OK;
}

static const char *cli_table_get(const cli_table *t, int r, int c)
{
    const char *s = t->cell[r * t->cols + c];
    return s ? s : "";
}

static void cli_put_csv(FILE *f, const char *s)
{
    if (!strpbrk(s, ",\"\r\n")) {
        fputs(s, f);
        return;
    }
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

static void cli_put_md(FILE *f, const char *s)
{
    for (; *s; s++) {
        if (*s == '|' || *s == '\\')
            fputc('\\', f);
        fputc(*s == '\n' || *s == '\r' ? ' ' : *s, f);
    }
}

static void cli_table_print(FILE *f, const cli_table *t, int format)
{
    if (format == CLI_FMT_CSV) {
        for (int r = 0; r < t->rows; r++) {
            for (int c = 0; c < t->cols; c++) {
                if (c)
                    fputc(',', f);
                cli_put_csv(f, cli_table_get(t, r, c));
            }
            fputc('\n', f);
        }
        return;
    }
    if (format == CLI_FMT_MARKDOWN) {
        for (int r = 0; r < t->rows; r++) {
            fputc('|', f);
            for (int c = 0; c < t->cols; c++) {
                fputc(' ', f);
                cli_put_md(f, cli_table_get(t, r, c));
                fputs(" |", f);
            }
            fputc('\n', f);
            if (r == 0) {
                fputc('|', f);
                for (int c = 0; c < t->cols; c++)
                    fputs(c == 0 ? "---|" : "---:|", f);
                fputc('\n', f);
            }
        }
        return;
    }
    /* text: first column left-aligned, the others right-aligned, two blanks between */
    size_t *w = calloc((size_t)t->cols, sizeof *w);
    if (!w)
        return;
    for (int r = 0; r < t->rows; r++)
        for (int c = 0; c < t->cols; c++)
            if (strlen(cli_table_get(t, r, c)) > w[c])
                w[c] = strlen(cli_table_get(t, r, c));
    for (int r = 0; r < t->rows; r++) {
        for (int c = 0; c < t->cols; c++) {
            if (c == 0)
                fprintf(f, "%-*s", (int)w[c], cli_table_get(t, r, c));
            else
                fprintf(f, "  %*s", (int)w[c], cli_table_get(t, r, c));
        }
        fputc('\n', f);
    }
    free(w);
}

/* Formats a value for a format: text and Markdown rounded to the metric's decimals (signed
 * when it is a difference), CSV with full precision. */
static void cli_fmt_val(char *buf, size_t len, const cli_val *v, int decimals, int format,
                        int is_diff)
{
    if (!v->have) {
        snprintf(buf, len, "%s", format == CLI_FMT_CSV ? "" : "-");
        return;
    }
    if (v->is_int && decimals < 0) {
        snprintf(buf, len, is_diff && format != CLI_FMT_CSV ? "%+lld" : "%lld", (long long)v->i);
        return;
    }
    if (format == CLI_FMT_CSV)
        snprintf(buf, len, "%.12g", v->d);
    else
        snprintf(buf, len, is_diff ? "%+.*f" : "%.*f", decimals < 0 ? 0 : decimals, v->d);
}

/* The base name of a path. */
static const char *cli_basename(const char *p)
{
    const char *s = strrchr(p, '/');
    return s ? s + 1 : p;
}

/* Column header of report i: its scenario name, with the file when another report has the
 * same name (the file name, or the whole path if that is not enough). */
static char *cli_report_header(json_t *const *reports, const char *const *paths, int n, int i)
{
    const char *name = json_string_value(json_object_get(json_object_get(reports[i], "scenario"),
                                                         "name"));
    if (!name || !*name)
        return cli_strdup(cli_basename(paths[i]));
    int same_name = 0, same_base = 0;
    for (int k = 0; k < n; k++) {
        if (k == i)
            continue;
        const char *o = json_string_value(json_object_get(json_object_get(reports[k], "scenario"),
                                                          "name"));
        if (o && strcmp(o, name) == 0) {
            same_name = 1;
            if (strcmp(cli_basename(paths[k]), cli_basename(paths[i])) == 0)
                same_base = 1;
        }
    }
    if (!same_name)
        return cli_strdup(name);
    return cli_asprintf("%s (%s)", name, same_base ? paths[i] : cli_basename(paths[i]));
}

int cli_compare_print(FILE *f, json_t *const *reports, const char *const *paths, int n,
                      int format, char *err, size_t errlen)
{
    if (n < 1) {
        cli_msg(err, errlen, "compare: no reports");
        return CLI_EUSAGE;
    }
    const char *schema0 = json_string_value(json_object_get(reports[0], "schema"));
    for (int i = 1; i < n; i++) {
        const char *si = json_string_value(json_object_get(reports[i], "schema"));
        if (!schema0 || !si || strcmp(si, schema0) != 0) {
            cli_msg(err, errlen, "'%s' is a %s report but '%s' is %s: compare needs reports of "
                    "the same schema version (rerun them with one nicsim)", paths[i],
                    si ? si : "schema-less", paths[0], schema0 ? schema0 : "schema-less");
            return CLI_EUSAGE;
        }
    }

    /* rows: the metrics at least one report has */
    int used[CLI_NMETRICS];
    int nrows = 1;
    for (size_t m = 0; m < CLI_NMETRICS; m++) {
        used[m] = 0;
        for (int i = 0; i < n && !used[m]; i++)
            used[m] = cli_lookup(reports[i], cli_metrics[m].path).have;
        for (int i = 0; i < n && used[m] && cli_metrics[m].all; i++)
            used[m] = cli_lookup(reports[i], cli_metrics[m].path).have;
        nrows += used[m];
    }
    int ncols = 2 + 3 * (n - 1);
    cli_table t;
    int rc = cli_table_init(&t, nrows, ncols);
    if (rc != CLI_OK)
        goto nomem;

    rc = cli_table_set(&t, 0, 0, "metric");
    for (int i = 0; i < n && rc == CLI_OK; i++) {
        char *h = cli_report_header(reports, paths, n, i);
        if (!h) {
            rc = CLI_ENOMEM;
            break;
        }
        int col = i == 0 ? 1 : 2 + 3 * (i - 1);
        rc = cli_table_set(&t, 0, col, h);
        if (rc == CLI_OK && i > 0) {
            char *d = format == CLI_FMT_CSV ? cli_asprintf("%s diff", h) : cli_strdup("diff");
            char *p = format == CLI_FMT_CSV ? cli_asprintf("%s diff %%", h) : cli_strdup("diff %");
            if (!d || !p)
                rc = CLI_ENOMEM;
            else
                rc = cli_table_set(&t, 0, col + 1, d);
            if (rc == CLI_OK)
                rc = cli_table_set(&t, 0, col + 2, p);
            free(d);
            free(p);
        }
        free(h);
    }

    int r = 1;
    for (size_t m = 0; m < CLI_NMETRICS && rc == CLI_OK; m++) {
        if (!used[m])
            continue;
        const cli_metric *mt = &cli_metrics[m];
        char buf[64];
        rc = cli_table_set(&t, r, 0, mt->label);
        cli_val v0 = cli_lookup(reports[0], mt->path);
        int off0 = mt->state && cli_is_off(reports[0], mt->state);
        cli_fmt_val(buf, sizeof buf, &v0, mt->decimals, format, 0);
        if (rc == CLI_OK)
            rc = cli_table_set(&t, r, 1, off0 ? "off" : buf);
        for (int i = 1; i < n && rc == CLI_OK; i++) {
            int col = 2 + 3 * (i - 1);
            cli_val vi = cli_lookup(reports[i], mt->path);
            int offi = mt->state && cli_is_off(reports[i], mt->state);
            cli_fmt_val(buf, sizeof buf, &vi, mt->decimals, format, 0);
            rc = cli_table_set(&t, r, col, offi ? "off" : buf);
            /* no difference against a feature that is off (its 0 is no measurement) */
            cli_val d = {v0.have && vi.have && !off0 && !offi, v0.is_int && vi.is_int, vi.i - v0.i,
                         vi.d - v0.d};
            cli_fmt_val(buf, sizeof buf, &d, mt->decimals, format, 1);
            /* a difference of percentages is in percentage points */
            int points = mt->kind == CLI_M_PCT || mt->kind == CLI_M_DIFF_PCT;
            if (points && d.have && format != CLI_FMT_CSV && strlen(buf) + 4 < sizeof buf)
                strcat(buf, " pp");
            if (rc == CLI_OK)
                rc = cli_table_set(&t, r, col + 1, buf);
            /* a relative difference only of an amount, against a positive base */
            if (d.have && mt->kind == CLI_M_AMOUNT && v0.d > 0) {
                double pct = d.d / v0.d * 100.0;
                if (format == CLI_FMT_CSV)
                    snprintf(buf, sizeof buf, "%.12g", pct);
                else
                    snprintf(buf, sizeof buf, "%+.1f%%", pct);
            } else {
                snprintf(buf, sizeof buf, "%s", format == CLI_FMT_CSV ? "" : "-");
            }
            if (rc == CLI_OK)
                rc = cli_table_set(&t, r, col + 2, buf);
        }
        r++;
    }
    if (rc != CLI_OK) {
        cli_table_free(&t);
        goto nomem;
    }

    if (format == CLI_FMT_TEXT) {
        fprintf(f, "nicsim compare (%s): differences against %s\n\n", schema0,
                cli_table_get(&t, 0, 1));
    }
    cli_table_print(f, &t, format);
    if (format == CLI_FMT_TEXT)
        fprintf(f, "\n(diff = report - first report; pp = percentage points; diff %% of the first "
                "report's value, only for amounts with a positive first value; saved = software "
                "baseline - offload)\n");
    cli_table_free(&t);
    return CLI_OK;
nomem:
    cli_msg(err, errlen, "out of memory");
    return CLI_ENOMEM;
}

int cli_compare(const cli_args *a, FILE *out, char *err, size_t errlen)
{
    int rc = CLI_OK;
    json_t **reports = calloc((size_t)(a->nreports > 0 ? a->nreports : 1), sizeof *reports);
    if (!reports) {
        cli_msg(err, errlen, "out of memory");
        return CLI_ENOMEM;
    }
    for (int i = 0; i < a->nreports; i++) {
        rc = cli_compare_load(a->reports[i], &reports[i], err, errlen);
        if (rc != CLI_OK)
            goto out;
    }
    rc = cli_compare_print(out, reports, a->reports, a->nreports, a->format, err, errlen);
out:
    for (int i = 0; i < a->nreports; i++)
        json_decref(reports[i]);
    free(reports);
    return rc;
}
