/* NetDMA ownership checker (prefix nck_): follows every byte range a copy engine owns between
 * the submission of a copy and its completion, and reports the orderings that corrupt data
 * silently: the CPU or the application touching a destination before the engine wrote it, a
 * receive buffer given back to the NIC before the engine read it, a receive completed (or a
 * copy retired) early, and the engine writing where no copy points. This is the class of bug
 * that got Linux's NET_DMA removed. Plain C11, no SystemC; no global state; not thread-safe.
 *
 * Addresses are bus addresses. A copy is identified by its cookie (unique among the outstanding
 * ones) and forgotten at nck_done / nck_cancel. Lookups go through a per-4 KiB page index, so
 * thousands of outstanding copies cost little (a copy of n bytes takes about 2 n / 4096 index
 * entries). Engine reads and writes may come in chunks of any size and alignment, in any order,
 * and may cover several copies (overlapping or adjacent). */
#ifndef NICSIM_NETDMA_CHECK_H
#define NICSIM_NETDMA_CHECK_H
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

enum nck_kind {
    NCK_ACCESS_BEFORE_COPY = 0, /* CPU write or app read of a destination byte the engine has not written */
    NCK_SOURCE_REUSED,          /* a repost over a source byte the engine has not read */
    NCK_EARLY_COMPLETION,       /* complete-to-app over unwritten bytes, or nck_done before the
                                   engine wrote (and read) every byte of the copy */
    NCK_ENGINE_OUTSIDE,         /* an engine write outside every outstanding copy's destination
                                   and every nck_allow range */
    NCK_KIND_COUNT
};
const char *nck_kind_name(int kind); /* "access_before_copy", ...; NULL if out of range */

/* nck_cpu_access kinds (the values of hs.h's HS_ND_TOUCH_*). */
enum { NCK_CPU_WRITE = 1, NCK_APP_READ = 2, NCK_COMPLETE = 3 };

#define NCK_MAX_KEPT 16 /* violations kept in full; the rest are only counted */

typedef struct nck_violation {
    int kind;               /* NCK_* */
    uint64_t frame;         /* the copy's frame number (0 for engine_outside) */
    uint64_t cookie;        /* the copy (0 for engine_outside) */
    uint64_t src, dst;      /* the copy (0 for engine_outside) */
    uint32_t len;
    uint64_t addr;          /* the offending range: the first run of bytes at fault */
    uint32_t alen;
    uint64_t time_ps;
} nck_violation;

typedef struct nck_stats {
    uint64_t submitted, done, cancelled; /* copies */
    uint64_t outstanding;                /* copies submitted and not yet done or cancelled */
    uint64_t bad_calls;                  /* submit with len 0 or a cookie outstanding; done or
                                            cancel of an unknown cookie (ignored) */
    uint64_t violations[NCK_KIND_COUNT];
    uint64_t total;                      /* all violations */
} nck_stats;

typedef struct nck nck;

nck *nck_create(void); /* NULL if out of memory */
void nck_free(nck *k); /* NULL is accepted */

/* Ranges the engine may write besides copy destinations: the channels' completion words. */
void nck_allow(nck *k, uint64_t addr, uint32_t len);

/* A copy handed to the engine. Returns 0, or -1 (counted in bad_calls, ignored) for len 0 or a
 * cookie already outstanding. */
int nck_submit(nck *k, uint64_t cookie, uint64_t frame, uint64_t src, uint64_t dst, uint32_t len,
               uint64_t now_ps);
/* Bytes the engine read / wrote, as observed at its DMA port. Reads outside every copy's source
 * (descriptors) are not checked. */
void nck_engine_read(nck *k, uint64_t addr, uint32_t len, uint64_t now_ps);
void nck_engine_write(nck *k, uint64_t addr, uint32_t len, uint64_t now_ps);
/* The provider retired the copy as done: checked (every byte written and read), then forgotten. */
void nck_done(nck *k, uint64_t cookie, uint64_t now_ps);
/* The copy failed (the engine halted) and the stack redoes it: forgotten without a check. */
void nck_cancel(nck *k, uint64_t cookie, uint64_t now_ps);
/* The CPU or the application touches host memory (NCK_CPU_WRITE, NCK_APP_READ, NCK_COMPLETE). */
void nck_cpu_access(nck *k, uint64_t addr, uint32_t len, int kind, uint64_t now_ps);
/* The driver gives a receive buffer back to the NIC. */
void nck_repost(nck *k, uint64_t addr, uint32_t len, uint64_t now_ps);

void nck_get_stats(const nck *k, nck_stats *s);
/* The first NCK_MAX_KEPT violations, in order; *n set to how many are kept. */
const nck_violation *nck_violations(const nck *k, size_t *n);
/* One line (no newline) naming the kind, frame, copy and offending range. Returns what
 * snprintf returns. */
int nck_format(const nck_violation *v, char *buf, size_t size);

#ifdef __cplusplus
}
#endif
#endif
