/* --save-streams: one file per connection, DIR/SRC_SPORT-DST_DPORT.bin (':' of IPv6 addresses
 * written as '.'), holding exactly the bytes the application received. A consumer of
 * delivered bytes (hs_app_sink): it buffers per connection, writes out every HS_STREAM_SPILL
 * bytes, when the connection finishes, and on flush. Files are created on the first write
 * and appended to afterwards. */
#define _POSIX_C_SOURCE 200809L
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "hs_internal.h"

#define HS_STREAM_SPILL (1u << 20)  /* write a stream out once this much is buffered */
#define HS_STREAM_BUF_MIN 16384u    /* first buffer allocation */
#define HS_STREAM_BUCKETS0 64u
#define HS_STREAM_BUCKETS_MAX (1u << 24)

typedef struct hs_stream {
    struct hs_stream *hnext;  /* hash chain */
    struct hs_stream *lnext;  /* all streams, first delivery first */
    uint32_t hash;
    hs_conn_id key;
    uint8_t *buf;
    size_t len, cap;
    int started;              /* the file exists: append to it */
} hs_stream;

struct hs_streams {
    char *dir;
    hs_stream **bucket;
    uint32_t nbucket;
    uint64_t n;
    hs_stream *all, **all_tail;
    hs_stream *last;          /* the stream of the previous delivery */
    uint64_t bytes_written;
    uint64_t errors;          /* buffers or files that could not be written */
};

int hs_streams_create(hs_streams **out, const char *dir, char *err, size_t errlen)
{
    *out = NULL;
    hs_streams *w = calloc(1, sizeof *w);
    if (!w)
        goto nomem;
    w->dir = strdup(dir);
    w->nbucket = HS_STREAM_BUCKETS0;
    w->bucket = calloc(w->nbucket, sizeof *w->bucket);
    if (!w->dir || !w->bucket)
        goto nomem;
    w->all_tail = &w->all;
    *out = w;
    return 0;
nomem:
    hs_streams_destroy(w);
    return hs_errf(err, errlen, HS_ENOMEM, "hs_create: out of memory");
}

void hs_streams_destroy(hs_streams *w)
{
    if (!w)
        return;
    hs_stream *t = w->all;
    while (t) {
        hs_stream *n = t->lnext;
        free(t->buf);
        free(t);
        t = n;
    }
    free(w->bucket);
    free(w->dir);
    free(w);
}

void hs_streams_stats(const hs_streams *w, uint64_t *bytes_written, uint64_t *errors)
{
    *bytes_written = w->bytes_written;
    *errors = w->errors;
}

/* FNV-1a over the 4-tuple: only spreads the table, never visible outside. */
static uint32_t hs_stream_hash(const hs_conn_id *k)
{
    int alen = k->family == 6 ? 16 : 4;
    uint8_t b[37];
    b[0] = (uint8_t)k->family;
    memcpy(b + 1, k->src, (size_t)alen);
    memcpy(b + 1 + alen, k->dst, (size_t)alen);
    pkt_put16(b + 1 + 2 * alen, k->sport);
    pkt_put16(b + 3 + 2 * alen, k->dport);
    uint32_t h = 2166136261u;
    for (int i = 0; i < 5 + 2 * alen; i++)
        h = (h ^ b[i]) * 16777619u;
    return h;
}

static int hs_stream_key_eq(const hs_conn_id *a, const hs_conn_id *b)
{
    int alen = a->family == 6 ? 16 : 4;
    return a->family == b->family && a->sport == b->sport && a->dport == b->dport &&
           memcmp(a->src, b->src, (size_t)alen) == 0 && memcmp(a->dst, b->dst, (size_t)alen) == 0;
}

static hs_stream *hs_stream_find(hs_streams *w, const hs_conn_id *k, uint32_t h)
{
    if (w->last && w->last->hash == h && hs_stream_key_eq(&w->last->key, k))
        return w->last;
    for (hs_stream *t = w->bucket[h & (w->nbucket - 1)]; t; t = t->hnext)
        if (t->hash == h && hs_stream_key_eq(&t->key, k))
            return w->last = t;
    return NULL;
}

static void hs_stream_grow_table(hs_streams *w)
{
    uint32_t n = w->nbucket * 2;
    hs_stream **b = calloc(n, sizeof *b);
    if (!b)
        return; /* longer chains, still correct */
    for (hs_stream *t = w->all; t; t = t->lnext) {
        t->hnext = b[t->hash & (n - 1)];
        b[t->hash & (n - 1)] = t;
    }
    free(w->bucket);
    w->bucket = b;
    w->nbucket = n;
}

static hs_stream *hs_stream_get(hs_streams *w, const hs_conn_id *k)
{
    uint32_t h = hs_stream_hash(k);
    hs_stream *t = hs_stream_find(w, k, h);
    if (t)
        return t;
    t = calloc(1, sizeof *t);
    if (!t)
        return NULL;
    t->hash = h;
    t->key = *k;
    t->hnext = w->bucket[h & (w->nbucket - 1)];
    w->bucket[h & (w->nbucket - 1)] = t;
    *w->all_tail = t;
    w->all_tail = &t->lnext;
    w->last = t;
    if (++w->n > 2ull * w->nbucket && w->nbucket < HS_STREAM_BUCKETS_MAX)
        hs_stream_grow_table(w);
    return t;
}

/* Address as text for a file name: ':' (IPv6) becomes '.'. */
static void hs_addr_text(char *out, size_t n, int family, const uint8_t *a)
{
    if (!inet_ntop(family == 6 ? AF_INET6 : AF_INET, a, out, (socklen_t)n)) {
        snprintf(out, n, "invalid");
        return;
    }
    for (char *p = out; *p; p++)
        if (*p == ':')
            *p = '.';
}

/* Writes out the buffered bytes of one stream (the buffer is emptied even on failure). */
static int hs_stream_write(hs_streams *w, hs_stream *t, char *err, size_t errlen)
{
    if (t->len == 0)
        return 0;
    char sa[64], da[64], path[4096];
    hs_addr_text(sa, sizeof sa, t->key.family, t->key.src);
    hs_addr_text(da, sizeof da, t->key.family, t->key.dst);
    snprintf(path, sizeof path, "%s/%s_%u-%s_%u.bin", w->dir, sa, t->key.sport, da,
             t->key.dport);
    int rc = 0;
    FILE *f = fopen(path, t->started ? "ab" : "wb");
    if (!f) {
        w->errors++;
        rc = hs_errf(err, errlen, HS_EIO, "%s: cannot write stream: %s", path, strerror(errno));
        goto out;
    }
    size_t n = fwrite(t->buf, 1, t->len, f);
    if (fclose(f) != 0 || n != t->len) {
        w->errors++;
        rc = hs_errf(err, errlen, HS_EIO, "%s: write failed", path);
    }
    w->bytes_written += n;
    t->started = 1;
out:
    t->len = 0;
    return rc;
}

void hs_streams_data(void *user, const hs_conn_id *conn, const uint8_t *d, size_t n)
{
    hs_streams *w = user;
    if (n == 0)
        return;
    hs_stream *t = hs_stream_get(w, conn);
    if (!t) {
        w->errors++;
        return;
    }
    if (t->len + n > t->cap) {
        size_t cap = t->cap ? t->cap : HS_STREAM_BUF_MIN;
        while (cap < t->len + n)
            cap *= 2;
        uint8_t *b = realloc(t->buf, cap);
        if (!b) {
            w->errors++;
            return;
        }
        t->buf = b;
        t->cap = cap;
    }
    memcpy(t->buf + t->len, d, n);
    t->len += n;
    if (t->len >= HS_STREAM_SPILL)
        hs_stream_write(w, t, NULL, 0);
}

void hs_streams_finished(void *user, const hs_conn_id *conn)
{
    hs_streams *w = user;
    hs_stream *t = hs_stream_find(w, conn, hs_stream_hash(conn));
    if (t)
        hs_stream_write(w, t, NULL, 0);
}

int hs_streams_flush(hs_streams *w, char *err, size_t errlen)
{
    int rc = 0;
    for (hs_stream *t = w->all; t; t = t->lnext) {
        int r = hs_stream_write(w, t, rc ? NULL : err, errlen);
        if (r && !rc)
            rc = r;
    }
    return rc;
}
