/* NetDMA ownership checker (model/netdma_check.h).
 *
 * Each outstanding copy keeps two interval sets of offsets into it: bytes the engine has written
 * at the destination and bytes it has read at the source (sorted, disjoint, merged on insert;
 * chunked in-order transfers keep them at one interval). A chained hash indexes copies by
 * (4 KiB page, source or destination) and by cookie. */
#include "netdma_check.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PAGE_SHIFT 12
enum { IX_SRC = 0, IX_DST = 1, IX_COOKIE = 2 };

typedef struct ivset {
    uint32_t *lo, *hi; /* [lo, hi) offsets, sorted, disjoint, not adjacent */
    uint32_t n, cap;
    uint64_t bytes;
} ivset;

typedef struct ncopy {
    int used;
    uint64_t cookie, frame, src, dst;
    uint32_t len;
    uint64_t stamp;
    ivset w, r;
} ncopy;

typedef struct ixent {
    uint64_t key;
    uint32_t idx;
    uint8_t kind;
    uint32_t next; /* entry index + 1, 0: end */
} ixent;

typedef struct range {
    uint64_t a, b;
} range;

struct nck {
    ncopy *c;
    uint32_t nc, capc;
    uint32_t *freec;
    uint32_t nfree, capfree;
    /* index: buckets of entry chains; entries recycled through a free list */
    uint32_t *bucket; /* entry index + 1 */
    uint32_t nbucket;
    ixent *ent;
    uint32_t nent, capent, freeent; /* freeent: entry index + 1 */
    uint64_t live;                  /* entries in use */
    uint64_t stamp;
    range *allow;
    uint32_t nallow, capallow;
    range *tmp;
    uint32_t ntmp, captmp;
    nck_stats st;
    nck_violation kept[NCK_MAX_KEPT];
    size_t nkept;
};

static const char *const kind_names[NCK_KIND_COUNT] = {"access_before_copy", "source_reused", "early_completion",
                                                       "engine_outside"};

const char *nck_kind_name(int kind)
{
    return kind >= 0 && kind < NCK_KIND_COUNT ? kind_names[kind] : NULL;
}

static void *grow(void *p, uint32_t *cap, uint32_t need, size_t elem)
{
    if (need <= *cap)
        return p;
    uint32_t n = *cap ? *cap : 8;
    while (n < need)
        n *= 2;
    void *q = realloc(p, (size_t)n * elem);
    if (!q) {
        fprintf(stderr, "nicsim: netdma checker: out of memory\n");
        abort();
    }
    *cap = n;
    return q;
}

/* ---- interval sets ---- */
/* Adds [lo, hi). */
static void iv_add(ivset *s, uint32_t lo, uint32_t hi)
{
    if (lo >= hi)
        return;
    /* first interval whose hi >= lo (may merge) */
    uint32_t i = 0, j;
    uint32_t l = 0, h = s->n;
    while (l < h) {
        uint32_t m = (l + h) / 2;
        if (s->hi[m] < lo)
            l = m + 1;
        else
            h = m;
    }
    i = l;
    j = i;
    uint32_t nlo = lo, nhi = hi;
    uint64_t removed = 0;
    while (j < s->n && s->lo[j] <= hi) {
        if (s->lo[j] < nlo)
            nlo = s->lo[j];
        if (s->hi[j] > nhi)
            nhi = s->hi[j];
        removed += s->hi[j] - s->lo[j];
        j++;
    }
    if (j == i) { /* insert */
        uint32_t cap_lo = s->cap, cap_hi = s->cap;
        s->lo = grow(s->lo, &cap_lo, s->n + 1, sizeof *s->lo);
        s->hi = grow(s->hi, &cap_hi, s->n + 1, sizeof *s->hi);
        s->cap = cap_lo;
        memmove(s->lo + i + 1, s->lo + i, (s->n - i) * sizeof *s->lo);
        memmove(s->hi + i + 1, s->hi + i, (s->n - i) * sizeof *s->hi);
        s->n++;
    } else if (j > i + 1) { /* intervals i..j-1 become one */
        memmove(s->lo + i + 1, s->lo + j, (s->n - j) * sizeof *s->lo);
        memmove(s->hi + i + 1, s->hi + j, (s->n - j) * sizeof *s->hi);
        s->n -= j - i - 1;
    }
    s->lo[i] = nlo;
    s->hi[i] = nhi;
    s->bytes = s->bytes - removed + (nhi - nlo);
}

/* The first run of [lo, hi) not covered: 1 and [*glo, *ghi), or 0 if all covered. */
static int iv_gap(const ivset *s, uint32_t lo, uint32_t hi, uint32_t *glo, uint32_t *ghi)
{
    uint32_t pos = lo;
    for (uint32_t i = 0; i < s->n && pos < hi; i++) {
        if (s->hi[i] <= pos)
            continue;
        if (s->lo[i] > pos) {
            *glo = pos;
            *ghi = s->lo[i] < hi ? s->lo[i] : hi;
            return 1;
        }
        pos = s->hi[i];
    }
    if (pos < hi) {
        *glo = pos;
        *ghi = hi;
        return 1;
    }
    return 0;
}

static void iv_free(ivset *s)
{
    free(s->lo);
    free(s->hi);
    memset(s, 0, sizeof *s);
}

/* ---- index ---- */
static uint32_t hash(uint64_t key, int kind, uint32_t nbucket)
{
    uint64_t h = (key ^ ((uint64_t)kind << 61)) * 0x9E3779B97F4A7C15ull;
    return (uint32_t)(h >> 32) & (nbucket - 1);
}

static void ix_rehash(nck *k, uint32_t nb)
{
    uint32_t *b = calloc(nb, sizeof *b);
    if (!b) {
        fprintf(stderr, "nicsim: netdma checker: out of memory\n");
        abort();
    }
    for (uint32_t i = 0; i < k->nbucket; i++) {
        uint32_t e = k->bucket[i];
        while (e) {
            ixent *x = &k->ent[e - 1];
            uint32_t next = x->next;
            uint32_t h = hash(x->key, x->kind, nb);
            x->next = b[h];
            b[h] = e;
            e = next;
        }
    }
    free(k->bucket);
    k->bucket = b;
    k->nbucket = nb;
}

static void ix_add(nck *k, uint64_t key, int kind, uint32_t idx)
{
    if (k->live + 1 > k->nbucket)
        ix_rehash(k, k->nbucket * 2);
    uint32_t e;
    if (k->freeent) {
        e = k->freeent;
        k->freeent = k->ent[e - 1].next;
    } else {
        k->ent = grow(k->ent, &k->capent, k->nent + 1, sizeof *k->ent);
        e = ++k->nent;
    }
    uint32_t h = hash(key, kind, k->nbucket);
    k->ent[e - 1] = (ixent){key, idx, (uint8_t)kind, k->bucket[h]};
    k->bucket[h] = e;
    k->live++;
}

static void ix_del(nck *k, uint64_t key, int kind, uint32_t idx)
{
    uint32_t h = hash(key, kind, k->nbucket);
    uint32_t *link = &k->bucket[h];
    while (*link) {
        uint32_t e = *link;
        ixent *x = &k->ent[e - 1];
        if (x->key == key && x->kind == kind && x->idx == idx) {
            *link = x->next;
            x->next = k->freeent;
            k->freeent = e;
            k->live--;
            return;
        }
        link = &x->next;
    }
}

static int64_t find_cookie(const nck *k, uint64_t cookie)
{
    uint32_t e = k->bucket[hash(cookie, IX_COOKIE, k->nbucket)];
    while (e) {
        const ixent *x = &k->ent[e - 1];
        if (x->kind == IX_COOKIE && x->key == cookie)
            return x->idx;
        e = x->next;
    }
    return -1;
}

static void pages(uint64_t a, uint32_t len, uint64_t *p0, uint64_t *p1)
{
    *p0 = a >> PAGE_SHIFT;
    *p1 = (a + len - 1) >> PAGE_SHIFT;
}

/* Calls fn for every outstanding copy whose source (IX_SRC) or destination (IX_DST) overlaps
 * [a, a+len), once each, with the overlap [lo, hi) as offsets into the copy. */
typedef void (*visit_fn)(nck *k, ncopy *c, uint32_t lo, uint32_t hi, void *arg);
static void visit(nck *k, uint64_t a, uint32_t len, int kind, visit_fn fn, void *arg)
{
    if (len == 0)
        return;
    uint64_t p0, p1, end = a + len;
    pages(a, len, &p0, &p1);
    uint64_t stamp = ++k->stamp;
    for (uint64_t p = p0; p <= p1; p++) {
        uint32_t e = k->bucket[hash(p, kind, k->nbucket)];
        while (e) {
            const ixent *x = &k->ent[e - 1];
            e = x->next;
            if (x->kind != kind || x->key != p)
                continue;
            ncopy *c = &k->c[x->idx];
            if (c->stamp == stamp)
                continue;
            c->stamp = stamp;
            uint64_t base = kind == IX_SRC ? c->src : c->dst;
            uint64_t lo = a > base ? a : base, hi = end < base + c->len ? end : base + c->len;
            if (lo < hi)
                fn(k, c, (uint32_t)(lo - base), (uint32_t)(hi - base), arg);
        }
    }
}

/* ---- violations ---- */
static void report(nck *k, int kind, const ncopy *c, uint64_t addr, uint64_t alen, uint64_t now)
{
    k->st.violations[kind]++;
    k->st.total++;
    if (k->nkept >= NCK_MAX_KEPT)
        return;
    nck_violation *v = &k->kept[k->nkept++];
    memset(v, 0, sizeof *v);
    v->kind = kind;
    if (c) {
        v->frame = c->frame;
        v->cookie = c->cookie;
        v->src = c->src;
        v->dst = c->dst;
        v->len = c->len;
    }
    v->addr = addr;
    v->alen = alen > UINT32_MAX ? UINT32_MAX : (uint32_t)alen;
    v->time_ps = now;
}

int nck_format(const nck_violation *v, char *buf, size_t size)
{
    const char *name = nck_kind_name(v->kind);
    if (!name)
        name = "?";
    if (v->kind == NCK_ENGINE_OUTSIDE)
        return snprintf(buf, size,
                        "netdma ownership: %s: engine wrote bytes 0x%" PRIx64 "..0x%" PRIx64
                        " (%" PRIu32 ") outside every outstanding copy, at %" PRIu64 " ps",
                        name, v->addr, v->addr + v->alen - 1, v->alen, v->time_ps);
    return snprintf(buf, size,
                    "netdma ownership: %s: frame %" PRIu64 ", copy %" PRIu64 " (src 0x%" PRIx64 " dst 0x%" PRIx64
                    " len %" PRIu32 "): bytes 0x%" PRIx64 "..0x%" PRIx64 " (%" PRIu32 ") at %" PRIu64 " ps",
                    name, v->frame, v->cookie, v->src, v->dst, v->len, v->addr, v->addr + v->alen - 1, v->alen,
                    v->time_ps);
}

/* ---- API ---- */
nck *nck_create(void)
{
    nck *k = calloc(1, sizeof *k);
    if (!k)
        return NULL;
    k->nbucket = 1024;
    k->bucket = calloc(k->nbucket, sizeof *k->bucket);
    if (!k->bucket) {
        free(k);
        return NULL;
    }
    return k;
}

void nck_free(nck *k)
{
    if (!k)
        return;
    for (uint32_t i = 0; i < k->nc; i++) {
        iv_free(&k->c[i].w);
        iv_free(&k->c[i].r);
    }
    free(k->c);
    free(k->freec);
    free(k->bucket);
    free(k->ent);
    free(k->allow);
    free(k->tmp);
    free(k);
}

void nck_allow(nck *k, uint64_t addr, uint32_t len)
{
    if (len == 0)
        return;
    k->allow = grow(k->allow, &k->capallow, k->nallow + 1, sizeof *k->allow);
    k->allow[k->nallow++] = (range){addr, addr + len};
}

int nck_submit(nck *k, uint64_t cookie, uint64_t frame, uint64_t src, uint64_t dst, uint32_t len, uint64_t now_ps)
{
    (void)now_ps;
    if (len == 0 || find_cookie(k, cookie) >= 0) {
        k->st.bad_calls++;
        return -1;
    }
    uint32_t idx;
    if (k->nfree) {
        idx = k->freec[--k->nfree];
    } else {
        k->c = grow(k->c, &k->capc, k->nc + 1, sizeof *k->c);
        idx = k->nc++;
        memset(&k->c[idx], 0, sizeof k->c[idx]);
    }
    ncopy *c = &k->c[idx];
    c->used = 1;
    c->cookie = cookie;
    c->frame = frame;
    c->src = src;
    c->dst = dst;
    c->len = len;
    c->stamp = 0;
    c->w.n = c->r.n = 0;
    c->w.bytes = c->r.bytes = 0;
    uint64_t p0, p1;
    pages(src, len, &p0, &p1);
    for (uint64_t p = p0; p <= p1; p++)
        ix_add(k, p, IX_SRC, idx);
    pages(dst, len, &p0, &p1);
    for (uint64_t p = p0; p <= p1; p++)
        ix_add(k, p, IX_DST, idx);
    ix_add(k, cookie, IX_COOKIE, idx);
    k->st.submitted++;
    k->st.outstanding++;
    return 0;
}

static void forget(nck *k, uint32_t idx)
{
    ncopy *c = &k->c[idx];
    uint64_t p0, p1;
    pages(c->src, c->len, &p0, &p1);
    for (uint64_t p = p0; p <= p1; p++)
        ix_del(k, p, IX_SRC, idx);
    pages(c->dst, c->len, &p0, &p1);
    for (uint64_t p = p0; p <= p1; p++)
        ix_del(k, p, IX_DST, idx);
    ix_del(k, c->cookie, IX_COOKIE, idx);
    c->used = 0;
    k->freec = grow(k->freec, &k->capfree, k->nfree + 1, sizeof *k->freec);
    k->freec[k->nfree++] = idx;
    k->st.outstanding--;
}

static void on_read(nck *k, ncopy *c, uint32_t lo, uint32_t hi, void *arg)
{
    (void)k;
    (void)arg;
    iv_add(&c->r, lo, hi);
}

void nck_engine_read(nck *k, uint64_t addr, uint32_t len, uint64_t now_ps)
{
    (void)now_ps;
    visit(k, addr, len, IX_SRC, on_read, NULL);
}

static void push_tmp(nck *k, uint64_t a, uint64_t b)
{
    k->tmp = grow(k->tmp, &k->captmp, k->ntmp + 1, sizeof *k->tmp);
    k->tmp[k->ntmp++] = (range){a, b};
}

static void on_write(nck *k, ncopy *c, uint32_t lo, uint32_t hi, void *arg)
{
    (void)arg;
    iv_add(&c->w, lo, hi);
    push_tmp(k, c->dst + lo, c->dst + hi);
}

static int range_cmp(const void *x, const void *y)
{
    const range *a = x, *b = y;
    return a->a < b->a ? -1 : a->a > b->a;
}

void nck_engine_write(nck *k, uint64_t addr, uint32_t len, uint64_t now_ps)
{
    if (len == 0)
        return;
    uint64_t end = addr + len;
    k->ntmp = 0;
    visit(k, addr, len, IX_DST, on_write, NULL);
    for (uint32_t i = 0; i < k->nallow; i++)
        if (k->allow[i].a < end && k->allow[i].b > addr)
            push_tmp(k, k->allow[i].a, k->allow[i].b);
    qsort(k->tmp, k->ntmp, sizeof *k->tmp, range_cmp);
    uint64_t pos = addr;
    for (uint32_t i = 0; i < k->ntmp && pos < end; i++) {
        if (k->tmp[i].b <= pos)
            continue;
        if (k->tmp[i].a > pos) {
            report(k, NCK_ENGINE_OUTSIDE, NULL, pos, (k->tmp[i].a < end ? k->tmp[i].a : end) - pos, now_ps);
            return;
        }
        pos = k->tmp[i].b;
    }
    if (pos < end)
        report(k, NCK_ENGINE_OUTSIDE, NULL, pos, end - pos, now_ps);
}

typedef struct access_arg {
    int vkind;
    uint64_t now;
} access_arg;

static void on_access(nck *k, ncopy *c, uint32_t lo, uint32_t hi, void *arg)
{
    const access_arg *a = arg;
    uint32_t glo, ghi;
    if (iv_gap(&c->w, lo, hi, &glo, &ghi))
        report(k, a->vkind, c, c->dst + glo, ghi - glo, a->now);
}

void nck_cpu_access(nck *k, uint64_t addr, uint32_t len, int kind, uint64_t now_ps)
{
    access_arg a = {kind == NCK_COMPLETE ? NCK_EARLY_COMPLETION : NCK_ACCESS_BEFORE_COPY, now_ps};
    visit(k, addr, len, IX_DST, on_access, &a);
}

static void on_repost(nck *k, ncopy *c, uint32_t lo, uint32_t hi, void *arg)
{
    const access_arg *a = arg;
    uint32_t glo, ghi;
    if (iv_gap(&c->r, lo, hi, &glo, &ghi))
        report(k, NCK_SOURCE_REUSED, c, c->src + glo, ghi - glo, a->now);
}

void nck_repost(nck *k, uint64_t addr, uint32_t len, uint64_t now_ps)
{
    access_arg a = {NCK_SOURCE_REUSED, now_ps};
    visit(k, addr, len, IX_SRC, on_repost, &a);
}

void nck_done(nck *k, uint64_t cookie, uint64_t now_ps)
{
    int64_t idx = find_cookie(k, cookie);
    if (idx < 0) {
        k->st.bad_calls++;
        return;
    }
    ncopy *c = &k->c[idx];
    uint32_t glo, ghi;
    if (iv_gap(&c->w, 0, c->len, &glo, &ghi))
        report(k, NCK_EARLY_COMPLETION, c, c->dst + glo, ghi - glo, now_ps);
    else if (iv_gap(&c->r, 0, c->len, &glo, &ghi))
        report(k, NCK_EARLY_COMPLETION, c, c->src + glo, ghi - glo, now_ps);
    k->st.done++;
    forget(k, (uint32_t)idx);
}

void nck_cancel(nck *k, uint64_t cookie, uint64_t now_ps)
{
    (void)now_ps;
    int64_t idx = find_cookie(k, cookie);
    if (idx < 0) {
        k->st.bad_calls++;
        return;
    }
    k->st.cancelled++;
    forget(k, (uint32_t)idx);
}

void nck_get_stats(const nck *k, nck_stats *s) { *s = k->st; }

const nck_violation *nck_violations(const nck *k, size_t *n)
{
    *n = k->nkept;
    return k->kept;
}
