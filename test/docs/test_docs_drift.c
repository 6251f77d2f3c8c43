/* docs_drift: the reference documents and the code agree.
 *
 *   scenario_keys   every key `nicsim run` accepts (cli_scenario_key_*) has a row under its
 *                   section in docs/scenarios.md and every row there is a key; a default the
 *                   doc states (a leading number or `code` span) is the code's default.
 *   report_keys     every key of a report (cli_report_build, with a baseline and the savings
 *                   split, and without a baseline) has
 *                   a row in docs/report.md under "## Keys" by its full dotted name, every row
 *                   names a key the report has, and sibling keys are listed in the order the
 *                   report writes them.
 *   packet_log_columns  the packet log's header line (model/packet_log.cpp) is the one
 *                   docs/report.md quotes, and its column table lists the same columns in order.
 *   hw_registers    every register, queue/vector register and completion field of
 *                   rtl/nic_hw.h has a row in docs/hw-interface.md with its value and access,
 *                   and every row naming a constant gives the header's value.
 *
 * The docs are read from the source tree (NICSIM_SOURCE_DIR). Each case lists every
 * difference it finds before failing. */
#include "cli.h"
#include "nic_hw.h"

#include <check.h>
#include <ctype.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- small helpers ---- */

/* The whole file under the source tree; NULL-terminated, caller frees. */
static char *read_source(const char *rel)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", NICSIM_SOURCE_DIR, rel);
    FILE *f = fopen(path, "rb");
    ck_assert_msg(f != NULL, "cannot open %s", path);
    ck_assert_int_eq(fseek(f, 0, SEEK_END), 0);
    long n = ftell(f);
    ck_assert_int_ge(n, 0);
    rewind(f);
    char *buf = malloc((size_t)n + 1);
    ck_assert_ptr_nonnull(buf);
    ck_assert_int_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

/* A growing list of strings. */
typedef struct strlist {
    char **v;
    size_t n, cap;
} strlist;

static void sl_add(strlist *l, const char *s)
{
    if (l->n == l->cap) {
        l->cap = l->cap ? 2 * l->cap : 64;
        l->v = realloc(l->v, l->cap * sizeof *l->v);
        ck_assert_ptr_nonnull(l->v);
    }
    l->v[l->n] = strdup(s);
    ck_assert_ptr_nonnull(l->v[l->n]);
    l->n++;
}

static int sl_has(const strlist *l, const char *s)
{
    for (size_t i = 0; i < l->n; i++)
        if (strcmp(l->v[i], s) == 0)
            return 1;
    return 0;
}

static void sl_free(strlist *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->v[i]);
    free(l->v);
    memset(l, 0, sizeof *l);
}

/* Problems found, one per line; the case fails at the end if there is any. */
typedef struct problems {
    char text[16384];
    int n;
} problems;

static void problem(problems *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void problem(problems *p, const char *fmt, ...)
{
    size_t used = strlen(p->text);
    if (used + 2 < sizeof p->text) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(p->text + used, sizeof p->text - used - 1, fmt, ap);
        va_end(ap);
        strcat(p->text, "\n");
    }
    p->n++;
}

/* The problems go to stderr (Check's messages are short), the count into the failure. */
static void check_problems(const problems *p, const char *what)
{
    if (p->n)
        fprintf(stderr, "%s: %d difference(s) between docs and code:\n%s", what, p->n,
                p->text);
    ck_assert_msg(p->n == 0, "%s: %d difference(s) between docs and code (listed on stderr)",
                  what, p->n);
}

static char *trim(char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n > 0 && isspace((unsigned char)s[n - 1]))
        s[--n] = '\0';
    return s;
}

/* ---- the hardware constants (rtl/nic_hw.h) ---- */

typedef struct hw_const {
    const char *name;
    long value;
    int bits;
    const char *comment;
} hw_const;

#define HW_ROW_(name, value, bits, comment) {#name, (long)(value), bits, comment},
static const hw_const hw_consts[] = {NIC_HW_CONSTANTS(HW_ROW_)};
#undef HW_ROW_
#define HW_NCONSTS (sizeof hw_consts / sizeof hw_consts[0])

/* ---- Markdown tables ---- */

#define MAX_CELLS 8

/* One table row of the document, with the headings it is under. */
typedef struct md_row {
    char h2[128];                  /* the "## " heading, without the marks */
    char h3[128];                  /* the "### " heading ("" before the first in the h2) */
    int ncells;
    char cells[MAX_CELLS][512];    /* trimmed */
    int line;
} md_row;

typedef struct md_rows {
    md_row *v;
    size_t n, cap;
} md_rows;

/* Every table row of doc except header and separator lines. A cell is split at '|' outside
 * `code` spans. */
static md_rows md_table_rows(const char *doc)
{
    md_rows r = {0};
    char h2[128] = "", h3[128] = "";
    int line = 0, fence = 0;
    const char *p = doc;
    while (*p) {
        const char *eol = strchr(p, '\n');
        size_t len = eol ? (size_t)(eol - p) : strlen(p);
        char buf[4096];
        if (len >= sizeof buf)
            len = sizeof buf - 1;
        memcpy(buf, p, len);
        buf[len] = '\0';
        line++;
        p = eol ? eol + 1 : p + len;
        if (strncmp(buf, "```", 3) == 0) {
            fence = !fence;
            continue;
        }
        if (fence)
            continue;
        if (strncmp(buf, "## ", 3) == 0) {
            snprintf(h2, sizeof h2, "%s", trim(buf + 3));
            h3[0] = '\0';
            continue;
        }
        if (strncmp(buf, "### ", 4) == 0) {
            snprintf(h3, sizeof h3, "%s", trim(buf + 4));
            continue;
        }
        if (buf[0] != '|')
            continue;
        md_row row;
        memset(&row, 0, sizeof row);
        snprintf(row.h2, sizeof row.h2, "%s", h2);
        snprintf(row.h3, sizeof row.h3, "%s", h3);
        row.line = line;
        char *q = buf + 1;
        int code = 0;
        char *start = q;
        for (; *q; q++) {
            if (*q == '`')
                code = !code;
            if (*q == '|' && !code) {
                *q = '\0';
                if (row.ncells < MAX_CELLS)
                    snprintf(row.cells[row.ncells++], sizeof row.cells[0], "%s", trim(start));
                start = q + 1;
            }
        }
        if (row.ncells == 0 || strspn(row.cells[0], "-: ") == strlen(row.cells[0]))
            continue; /* separator */
        if (r.n == r.cap) {
            r.cap = r.cap ? 2 * r.cap : 64;
            r.v = realloc(r.v, r.cap * sizeof *r.v);
            ck_assert_ptr_nonnull(r.v);
        }
        r.v[r.n++] = row;
    }
    return r;
}

/* The text of a cell that is exactly one `code` span, or NULL. */
static const char *md_code_cell(const char *cell, char *buf, size_t len)
{
    size_t n = strlen(cell);
    if (n < 3 || cell[0] != '`' || cell[n - 1] != '`' || memchr(cell + 1, '`', n - 2))
        return NULL;
    snprintf(buf, len, "%.*s", (int)(n - 2), cell + 1);
    return buf;
}

/* ---- scenario keys ---- */

/* The value a default cell states: its leading `code` span, or its leading number; NULL if it
 * starts with prose ("file name without ...", "the cost profile's ..."). */
static const char *stated_default(const char *cell, char *buf, size_t len)
{
    if (cell[0] == '`') {
        const char *end = strchr(cell + 1, '`');
        if (!end)
            return NULL;
        snprintf(buf, len, "%.*s", (int)(end - cell - 1), cell + 1);
        return buf;
    }
    if (isdigit((unsigned char)cell[0])) {
        size_t n = strcspn(cell, " \t(");
        snprintf(buf, len, "%.*s", (int)n, cell);
        return buf;
    }
    return NULL;
}

/* s without blanks. */
static void squeeze(const char *s, char *out, size_t len)
{
    size_t o = 0;
    for (; *s && o + 1 < len; s++)
        if (!isspace((unsigned char)*s))
            out[o++] = *s;
    out[o] = '\0';
}

/* The doc's stated value against the code's: numbers numerically, "a...b" as prefix and
 * suffix, anything else without blanks. */
static int default_matches(const char *doc, const char *code)
{
    char d[1024], c[1024];
    squeeze(doc, d, sizeof d);
    squeeze(code, c, sizeof c);
    const char *dots = strstr(d, "...");
    if (dots) {
        size_t pre = (size_t)(dots - d), suf = strlen(dots + 3);
        return strlen(c) >= pre + suf && strncmp(c, d, pre) == 0 &&
               strcmp(c + strlen(c) - suf, dots + 3) == 0;
    }
    char *e1, *e2;
    double x = strtod(d, &e1), y = strtod(c, &e2);
    if (*d && *c && !*e1 && !*e2)
        return x == y;
    return strcmp(d, c) == 0;
}

START_TEST(scenario_keys)
{
    problems pr = {{0}, 0};
    char *doc = read_source("docs/scenarios.md");
    md_rows rows = md_table_rows(doc);
    char err[512], buf[1024], v0[1024], v1[1024], cb[256];

    /* defaults: a fresh scenario; the derived ones once it is finished */
    cli_scenario *fresh = cli_scenario_new();
    cli_scenario *done = cli_scenario_new();
    ck_assert_ptr_nonnull(fresh);
    ck_assert_ptr_nonnull(done);
    ck_assert_int_eq(cli_scenario_set(done, "scenario.trace=x.pcap", err, sizeof err), CLI_OK);
    ck_assert_msg(cli_scenario_finish(done, NULL, err, sizeof err) == CLI_OK, "%s", err);

    int nkeys = cli_scenario_key_count(), compared = 0;
    ck_assert_int_gt(nkeys, 40);
    int *seen = calloc((size_t)nkeys, sizeof *seen);
    ck_assert_ptr_nonnull(seen);

    for (size_t r = 0; r < rows.n; r++) {
        const md_row *row = &rows.v[r];
        size_t h = strlen(row->h2);
        if (h < 3 || row->h2[0] != '[' || row->h2[h - 1] != ']' || row->h3[0])
            continue;
        char section[64];
        snprintf(section, sizeof section, "%.*s", (int)(h - 2), row->h2 + 1);
        const char *name = md_code_cell(row->cells[0], cb, sizeof cb);
        if (!name)
            continue; /* header row */
        int k;
        for (k = 0; k < nkeys; k++)
            if (strcmp(cli_scenario_key_section(k), section) == 0 &&
                strcmp(cli_scenario_key_name(k), name) == 0)
                break;
        if (k == nkeys) {
            problem(&pr, "docs/scenarios.md:%d: [%s] %s is documented but nicsim does not "
                    "accept it", row->line, section, name);
            continue;
        }
        if (seen[k]++)
            problem(&pr, "docs/scenarios.md:%d: %s.%s has more than one row", row->line,
                    section, name);
        if (row->ncells < 3) {
            problem(&pr, "docs/scenarios.md:%d: %s.%s: expected key | type | default | "
                    "meaning", row->line, section, name);
            continue;
        }
        const char *stated = stated_default(row->cells[2], buf, sizeof buf);
        if (!stated)
            continue;
        const char *code = NULL;
        if (cli_scenario_key_value(fresh, k, v0, sizeof v0) == 1)
            code = v0;
        else if (cli_scenario_key_value(done, k, v1, sizeof v1) == 1)
            code = v1;
        if (!code) {
            problem(&pr, "docs/scenarios.md:%d: %s.%s: the doc states the default '%s' but "
                    "the code derives it (describe it in words)", row->line, section, name,
                    stated);
            continue;
        }
        compared++;
        if (!default_matches(stated, code))
            problem(&pr, "docs/scenarios.md:%d: %s.%s: default '%s' in the doc, '%s' in the "
                    "code", row->line, section, name, stated, code);
    }
    for (int k = 0; k < nkeys; k++)
        if (!seen[k])
            problem(&pr, "%s.%s: nicsim accepts it but docs/scenarios.md has no row for it "
                    "under ## [%s]", cli_scenario_key_section(k), cli_scenario_key_name(k),
                    cli_scenario_key_section(k));
    /* the parser found the defaults at all */
    if (compared < 35)
        problem(&pr, "only %d documented defaults were compared (expected most keys)", compared);

    free(seen);
    cli_scenario_free(fresh);
    cli_scenario_free(done);
    free(rows.v);
    free(doc);
    check_problems(&pr, "docs/scenarios.md");
}
END_TEST

/* ---- report keys ---- */

/* The counters the model reports, in its order: the names ns_run.cpp passes to add_counter()
 * for res->trace (string literals), and for the drop reasons (nic_fate_drop_key(NIC_FATE_*)). */
static void model_counters(strlist *trace, strlist *drops)
{
    char *src = read_source("model/ns_run.cpp");
    const char *pat = "add_counter(res->trace, &res->ntrace, \"";
    for (const char *p = strstr(src, pat); p; p = strstr(p + 1, pat)) {
        const char *name = p + strlen(pat);
        const char *end = strchr(name, '"');
        ck_assert_ptr_nonnull(end);
        char buf[128];
        snprintf(buf, sizeof buf, "%.*s", (int)(end - name), name);
        sl_add(trace, buf);
    }
    const char *dpat = "add_counter(res.drops, &res.ndrops, nic_fate_drop_key(";
    for (const char *p = strstr(src, dpat); p; p = strstr(p + 1, dpat)) {
        const char *name = p + strlen(dpat);
        size_t n = strcspn(name, ")");
        size_t i;
        for (i = 0; i < HW_NCONSTS; i++)
            if (strlen(hw_consts[i].name) == n && strncmp(hw_consts[i].name, name, n) == 0)
                break;
        ck_assert_msg(i < HW_NCONSTS, "model/ns_run.cpp: unknown fate %.*s", (int)n, name);
        const char *key = nic_fate_drop_key((int)hw_consts[i].value);
        ck_assert_msg(key != NULL, "model/ns_run.cpp: %.*s has no drop key", (int)n, name);
        sl_add(drops, key);
    }
    free(src);
    ck_assert_msg(trace->n >= 5, "found only %zu trace counters in model/ns_run.cpp", trace->n);
    ck_assert_msg(drops->n >= 2, "found only %zu drop counters in model/ns_run.cpp", drops->n);
}

/* Results with every array and object populated: 3 CPUs, 4 queues, 17 vectors, the model's
 * drop reasons and trace counters. */
static void fill_results(ns_results *r, const strlist *trace_names, const strlist *drop_names)
{
    memset(r, 0, sizeof *r);
    r->nic_cycles = 1000;
    r->sim_time_ps = 1000000;
    r->wall_s = 0.5;
    snprintf(r->host, sizeof r->host, "192.0.2.1");
    snprintf(r->linktype_name, sizeof r->linktype_name, "EN10MB");
    r->queues = 4;
    r->cpus = 3;
    r->cpu_mhz = 2000;
    r->nvectors = 17;
    for (size_t i = 0; i < drop_names->n && i < NS_MAX_COUNTERS; i++)
        r->drops[r->ndrops++] = (ns_counter){drop_names->v[i], 1};
    for (size_t i = 0; i < trace_names->n && i < NS_MAX_COUNTERS; i++)
        r->trace[r->ntrace++] = (ns_counter){trace_names->v[i], 1};
    snprintf(r->cost_profile_name, sizeof r->cost_profile_name, "xeon-2006");
    /* one connection, so that the report has its connections[] keys */
    static ns_conn_result conn;
    memset(&conn, 0, sizeof conn);
    conn.st.id.family = 4;
    r->nconns = 1;
    r->conns = &conn;
}

/* Every path of j under prefix into all; leaves (and arrays of scalars) into leaves too.
 * Arrays of objects add "[]" to the path. */
static void flatten(json_t *j, const char *prefix, strlist *all, strlist *leaves)
{
    char path[512];
    if (json_is_object(j)) {
        const char *k;
        json_t *v;
        json_object_foreach(j, k, v)
        {
            snprintf(path, sizeof path, "%s%s%s", prefix, *prefix ? "." : "", k);
            if (!sl_has(all, path))
                sl_add(all, path);
            if (json_is_object(v) && json_object_size(v) > 0) {
                flatten(v, path, all, leaves);
            } else if (json_is_array(v) && json_array_size(v) > 0 &&
                       json_is_object(json_array_get(v, 0))) {
                char sub[520];
                snprintf(sub, sizeof sub, "%s[]", path);
                size_t i;
                json_t *e;
                json_array_foreach(v, i, e) flatten(e, sub, all, leaves);
            } else if (!sl_has(leaves, path)) {
                sl_add(leaves, path);
            }
        }
    }
}

/* Does the documented key d (a full dotted name; a "<name>" part stands for any one part,
 * a trailing ".*" for anything below) cover the report key k? */
static int doc_key_matches(const char *d, const char *k)
{
    size_t dl = strlen(d);
    if (dl > 2 && strcmp(d + dl - 2, ".*") == 0)
        return strncmp(k, d, dl - 1) == 0 && k[dl - 1] != '\0';
    while (*d && *k) {
        const char *de = strchr(d, '.'), *ke = strchr(k, '.');
        size_t dn = de ? (size_t)(de - d) : strlen(d), kn = ke ? (size_t)(ke - k) : strlen(k);
        int wild = dn > 2 && d[0] == '<' && d[dn - 1] == '>';
        if (!wild && (dn != kn || strncmp(d, k, dn) != 0))
            return 0;
        d += dn;
        k += kn;
        if (*d != *k)
            return 0;
        if (*d == '.') {
            d++;
            k++;
        }
    }
    return *d == '\0' && *k == '\0';
}

static int documented(const strlist *doc, const char *k)
{
    for (size_t i = 0; i < doc->n; i++)
        if (doc_key_matches(doc->v[i], k))
            return 1;
    return 0;
}

START_TEST(report_keys)
{
    problems pr = {{0}, 0};
    char *doc = read_source("docs/report.md");
    md_rows rows = md_table_rows(doc);
    strlist dkeys = {0}, all = {0}, leaves = {0}, trace_names = {0}, drop_names = {0};
    char cb[256], err[512];

    for (size_t r = 0; r < rows.n; r++) {
        if (strcmp(rows.v[r].h2, "Keys") != 0)
            continue;
        const char *k = md_code_cell(rows.v[r].cells[0], cb, sizeof cb);
        if (!k)
            continue;
        if (sl_has(&dkeys, k))
            problem(&pr, "docs/report.md:%d: %s has more than one row", rows.v[r].line, k);
        else
            sl_add(&dkeys, k);
    }
    ck_assert_msg(dkeys.n > 100, "docs/report.md: only %zu key rows under ## Keys", dkeys.n);

    model_counters(&trace_names, &drop_names);
    cli_scenario *sc = cli_scenario_new();
    ck_assert_ptr_nonnull(sc);
    ck_assert_int_eq(cli_scenario_set(sc, "scenario.trace=x.pcap", err, sizeof err), CLI_OK);
    ck_assert_int_eq(cli_scenario_set(sc, "nic.rss_queues=4", err, sizeof err), CLI_OK);
    ck_assert_int_eq(cli_scenario_set(sc, "host.cpus=3", err, sizeof err), CLI_OK);
    ck_assert_msg(cli_scenario_finish(sc, NULL, err, sizeof err) == CLI_OK, "%s", err);
    ns_results *res = malloc(sizeof *res), *base = malloc(sizeof *base);
    ck_assert_ptr_nonnull(res);
    ck_assert_ptr_nonnull(base);
    fill_results(res, &trace_names, &drop_names);
    fill_results(base, &trace_names, &drop_names);

    /* with a baseline and the savings split: every key; without: a subset (checked to hold no
     * other key) */
    cli_split split;
    memset(&split, 0, sizeof split);
    split.features = NS_FEAT_CHECKSUM | NS_FEAT_RSS;
    split.rung[0] = base;
    split.rung[1] = base;
    split.rung[2] = res;
    json_t *with = cli_report_build_split(sc, res, base, &split);
    json_t *without = cli_report_build(sc, res, NULL);
    ck_assert_ptr_nonnull(with);
    ck_assert_ptr_nonnull(without);
    flatten(with, "", &all, &leaves);
    strlist all2 = {0}, leaves2 = {0};
    flatten(without, "", &all2, &leaves2);
    for (size_t i = 0; i < all2.n; i++)
        if (!sl_has(&all, all2.v[i]))
            problem(&pr, "%s: only in the report without a baseline", all2.v[i]);
    ck_assert_msg(!json_object_get(without, "baseline") && !json_object_get(without, "savings"),
                  "a report without a baseline has baseline or savings");

    /* code -> doc: every leaf and every top-level key */
    const char *top;
    json_t *tv;
    json_object_foreach(with, top, tv)
    {
        if (!documented(&dkeys, top))
            problem(&pr, "%s: the report has it, docs/report.md has no row for it", top);
    }
    for (size_t i = 0; i < leaves.n; i++)
        if (!documented(&dkeys, leaves.v[i]))
            problem(&pr, "%s: the report has it, docs/report.md has no row for it",
                    leaves.v[i]);

    /* doc -> code: every row names a key (or, for a pattern, at least one) */
    for (size_t i = 0; i < dkeys.n; i++) {
        int found = 0;
        for (size_t j = 0; j < all.n && !found; j++)
            found = doc_key_matches(dkeys.v[i], all.v[j]);
        if (!found)
            problem(&pr, "%s: docs/report.md documents it, the report has no such key",
                    dkeys.v[i]);
    }

    /* order: docs/report.md promises the report's key order; siblings the doc names literally
     * come in the report in the order of their rows */
    for (size_t i = 0; i < dkeys.n; i++) {
        for (size_t j = i + 1; j < dkeys.n; j++) {
            const char *a = dkeys.v[i], *b = dkeys.v[j];
            const char *da = strrchr(a, '.'), *db = strrchr(b, '.');
            size_t pa = da ? (size_t)(da - a) : 0, pb = db ? (size_t)(db - b) : 0;
            if (pa != pb || strncmp(a, b, pa) != 0 || strchr(a, '<') || strchr(b, '<') ||
                strchr(a, '*') || strchr(b, '*'))
                continue; /* not siblings, or a pattern */
            size_t ia = all.n, ib = all.n;
            for (size_t k = 0; k < all.n; k++) {
                if (strcmp(all.v[k], a) == 0)
                    ia = k;
                if (strcmp(all.v[k], b) == 0)
                    ib = k;
            }
            if (ia < all.n && ib < all.n && ia > ib)
                problem(&pr, "docs/report.md lists %s before %s, the report writes it after",
                        a, b);
        }
    }

    /* baseline.R mirrors the run's R (config: only what the baseline changed; no trace) */
    for (size_t i = 0; i < all.n; i++) {
        const char *k = all.v[i];
        if (strncmp(k, "baseline.", 9) != 0 || strncmp(k + 9, "config", 6) == 0)
            continue;
        if (!sl_has(&all, k + 9) || strncmp(k + 9, "trace", 5) == 0)
            problem(&pr, "%s: not a key of the run as configured", k);
    }

    json_decref(with);
    json_decref(without);
    free(res);
    free(base);
    cli_scenario_free(sc);
    sl_free(&dkeys);
    sl_free(&all);
    sl_free(&leaves);
    sl_free(&all2);
    sl_free(&leaves2);
    sl_free(&trace_names);
    sl_free(&drop_names);
    free(rows.v);
    free(doc);
    check_problems(&pr, "docs/report.md");
}
END_TEST

/* ---- hardware interface ---- */

/* The constants docs/hw-interface.md must give a row: every register (global, queue and
 * vector; the header marks them with a negative Verilog width), the register block bases,
 * and the completion fields. */
static int hw_must_document(const hw_const *c)
{
    static const char *const extra[] = {
        "NIC_REG_RXQ0", "NIC_REG_RXQ_STRIDE", "NIC_REG_TXQ", "NIC_REG_VEC0", "NIC_REG_VEC_STRIDE",
        "NIC_CPL_HASH", "NIC_CPL_LEN", "NIC_CPL_HASH_TYPE", "NIC_CPL_STATUS",
        "NIC_CPL_FIRST_DESC", "NIC_CPL_NDESC", "NIC_CPL_QUEUE", "NIC_CPL_TYPE", "NIC_CPL_FLAGS",
        "NIC_RXD_ADDR", "NIC_RXD_LEN", "NIC_TXD_ADDR", "NIC_TXD_LEN", "NIC_TXD_FLAGS",
        "NIC_TXD_COOKIE", NULL};
    if (c->bits < 0)
        return 1;
    for (size_t i = 0; extra[i]; i++)
        if (strcmp(c->name, extra[i]) == 0)
            return 1;
    return 0;
}

/* "RO", "RW" or "W" from the start of a register's comment; NULL for other constants. */
static const char *hw_access(const hw_const *c, char *buf, size_t len)
{
    size_t n = strcspn(c->comment, " ");
    if ((n == 2 && (strncmp(c->comment, "RO", 2) == 0 || strncmp(c->comment, "RW", 2) == 0)) ||
        (n == 1 && c->comment[0] == 'W')) {
        snprintf(buf, len, "%.*s", (int)n, c->comment);
        return buf;
    }
    return NULL;
}

START_TEST(hw_registers)
{
    problems pr = {{0}, 0};
    char *doc = read_source("docs/hw-interface.md");
    md_rows rows = md_table_rows(doc);
    int *seen = calloc(HW_NCONSTS, sizeof *seen);
    ck_assert_ptr_nonnull(seen);
    char cb[256], ab[8];
    int nrows = 0;

    /* rows: | value | `NAME` | access or size | ... | */
    for (size_t r = 0; r < rows.n; r++) {
        const md_row *row = &rows.v[r];
        if (row->ncells < 3)
            continue;
        const char *name = md_code_cell(row->cells[1], cb, sizeof cb);
        if (!name || (strncmp(name, "NIC_", 4) != 0 && strncmp(name, "NDMA_", 5) != 0))
            continue;
        nrows++;
        size_t i;
        for (i = 0; i < HW_NCONSTS; i++)
            if (strcmp(hw_consts[i].name, name) == 0)
                break;
        if (i == HW_NCONSTS) {
            problem(&pr, "docs/hw-interface.md:%d: %s is not in rtl/nic_hw.h", row->line, name);
            continue;
        }
        seen[i]++;
        char *end;
        long v = strtol(row->cells[0], &end, 0);
        if (end == row->cells[0])
            problem(&pr, "docs/hw-interface.md:%d: %s: '%s' is not a number", row->line, name,
                    row->cells[0]);
        else if (v != hw_consts[i].value)
            problem(&pr, "docs/hw-interface.md:%d: %s: 0x%lx in the doc, 0x%lx in "
                    "rtl/nic_hw.h", row->line, name, v, hw_consts[i].value);
        const char *acc = hw_access(&hw_consts[i], ab, sizeof ab);
        if (acc && strcmp(row->cells[2], acc) != 0)
            problem(&pr, "docs/hw-interface.md:%d: %s: access '%s' in the doc, '%s' in "
                    "rtl/nic_hw.h", row->line, name, row->cells[2], acc);
    }
    for (size_t i = 0; i < HW_NCONSTS; i++)
        if (hw_must_document(&hw_consts[i]) && !seen[i])
            problem(&pr, "%s (0x%lx, %s): in rtl/nic_hw.h, no row in docs/hw-interface.md",
                    hw_consts[i].name, hw_consts[i].value, hw_consts[i].comment);
    if (nrows < 40)
        problem(&pr, "only %d rows naming a constant (expected the whole register map)", nrows);

    free(seen);
    free(rows.v);
    free(doc);
    check_problems(&pr, "docs/hw-interface.md");
}
END_TEST

/* ---- packet log ---- */

START_TEST(packet_log_columns)
{
    problems pr = {{0}, 0};
    char *src = read_source("model/packet_log.cpp");
    const char *pat = "fputs(\"";
    const char *p = strstr(src, pat);
    ck_assert_msg(p != NULL, "model/packet_log.cpp: no header line found");
    p += strlen(pat);
    size_t n = strcspn(p, "\\\"");
    char header[512];
    snprintf(header, sizeof header, "%.*s", (int)n, p);
    free(src);

    char *doc = read_source("docs/report.md");
    /* the header line the doc quotes */
    if (!strstr(doc, header))
        problem(&pr, "docs/report.md does not quote the packet log's header line '%s'", header);
    /* the column table, in order */
    md_rows rows = md_table_rows(doc);
    char cols[512] = "", cb[128];
    for (size_t r = 0; r < rows.n; r++) {
        if (strncmp(rows.v[r].h2, "Packet log", 10) != 0)
            continue;
        const char *c = md_code_cell(rows.v[r].cells[0], cb, sizeof cb);
        if (!c)
            continue;
        size_t used = strlen(cols);
        snprintf(cols + used, sizeof cols - used, "%s%s", used ? "," : "", c);
    }
    if (strcmp(cols, header) != 0)
        problem(&pr, "docs/report.md packet log columns '%s', model/packet_log.cpp writes '%s'",
                cols, header);
    free(rows.v);
    free(doc);
    check_problems(&pr, "docs/report.md (packet log)");
}
END_TEST

int main(void)
{
    Suite *s = suite_create("docs_drift");
    TCase *tc = tcase_create("docs");
    tcase_add_test(tc, scenario_keys);
    tcase_add_test(tc, report_keys);
    tcase_add_test(tc, hw_registers);
    tcase_add_test(tc, packet_log_columns);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
