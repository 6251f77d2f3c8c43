/* Check suite of the NetDMA ownership checker (model/netdma_check.h): each violation with its
 * fields, correct orderings give none, chunked transfers at any alignment, overlapping and
 * adjacent copies, many outstanding copies, the formatter. */
#include "netdma_check.h"

#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SRC 0x100000000ull
#define DST 0x200000000ull

static uint64_t total(const nck *k)
{
    nck_stats s;
    nck_get_stats(k, &s);
    return s.total;
}

static const nck_violation *only(const nck *k, int kind)
{
    size_t n;
    const nck_violation *v = nck_violations(k, &n);
    ck_assert_uint_eq(n, 1);
    ck_assert_str_eq(nck_kind_name(v->kind), nck_kind_name(kind));
    return v;
}

/* The engine does the whole copy in chunks of `chunk` bytes (reads then writes). */
static void engine_copy(nck *k, uint64_t src, uint64_t dst, uint32_t len, uint32_t chunk, uint64_t t)
{
    for (uint32_t off = 0; off < len; off += chunk) {
        uint32_t n = len - off < chunk ? len - off : chunk;
        nck_engine_read(k, src + off, n, t);
        nck_engine_write(k, dst + off, n, t);
    }
}

START_TEST(correct_orderings_clean)
{
    nck *k = nck_create();
    nck_allow(k, 0x3000, 8); /* a completion word */
    for (uint64_t i = 0; i < 50; i++) {
        uint64_t s = SRC + i * 2048, d = DST + i * 1500 + 3;
        ck_assert_int_eq(nck_submit(k, i, 1000 + i, s, d, 1500, i * 10), 0);
        engine_copy(k, s, d, 1500, 64, i * 10 + 1);
        nck_engine_write(k, 0x3000, 8, i * 10 + 2);
        nck_repost(k, s, 2048, i * 10 + 3);        /* after the engine read it */
        nck_done(k, i, i * 10 + 4);
        nck_cpu_access(k, d, 1500, NCK_COMPLETE, i * 10 + 5);
        nck_cpu_access(k, d, 1500, NCK_APP_READ, i * 10 + 6);
        nck_cpu_access(k, d, 100, NCK_CPU_WRITE, i * 10 + 7);
    }
    /* touching a destination after its bytes were written but before done is fine too */
    nck_submit(k, 99, 1, SRC, DST, 100, 0);
    nck_engine_read(k, SRC, 100, 1);
    nck_engine_write(k, DST, 100, 1);
    nck_cpu_access(k, DST, 100, NCK_APP_READ, 2);
    nck_repost(k, SRC, 100, 2);
    nck_done(k, 99, 3);
    nck_stats s;
    nck_get_stats(k, &s);
    ck_assert_uint_eq(s.total, 0);
    ck_assert_uint_eq(s.submitted, 51);
    ck_assert_uint_eq(s.done, 51);
    ck_assert_uint_eq(s.outstanding, 0);
    ck_assert_uint_eq(s.bad_calls, 0);
    nck_free(k);
}
END_TEST

START_TEST(access_before_copy_caught)
{
    nck *k = nck_create();
    nck_submit(k, 7, 42, SRC + 10, DST + 100, 1000, 5);
    nck_engine_read(k, SRC + 10, 1000, 6);
    nck_engine_write(k, DST + 100, 300, 7); /* bytes 0..299 written */
    nck_cpu_access(k, DST + 100, 300, NCK_APP_READ, 8); /* fine */
    ck_assert_uint_eq(total(k), 0);
    nck_cpu_access(k, DST + 350, 100, NCK_APP_READ, 9);
    const nck_violation *v = only(k, NCK_ACCESS_BEFORE_COPY);
    ck_assert_int_eq(v->kind, NCK_ACCESS_BEFORE_COPY);
    ck_assert_uint_eq(v->frame, 42);
    ck_assert_uint_eq(v->cookie, 7);
    ck_assert_uint_eq(v->src, SRC + 10);
    ck_assert_uint_eq(v->dst, DST + 100);
    ck_assert_uint_eq(v->len, 1000);
    ck_assert_uint_eq(v->addr, DST + 400); /* the first unwritten byte in the access */
    ck_assert_uint_eq(v->alen, 50);
    ck_assert_uint_eq(v->time_ps, 9);
    /* a CPU write counts the same; accesses next to the copy do not */
    nck_cpu_access(k, DST + 1100, 50, NCK_CPU_WRITE, 10);
    nck_cpu_access(k, DST + 50, 50, NCK_CPU_WRITE, 10);
    ck_assert_uint_eq(total(k), 1);
    nck_cpu_access(k, DST + 1099, 1, NCK_CPU_WRITE, 11);
    nck_stats s;
    nck_get_stats(k, &s);
    ck_assert_uint_eq(s.violations[NCK_ACCESS_BEFORE_COPY], 2);
    char line[512];
    size_t n;
    const nck_violation *all = nck_violations(k, &n);
    nck_format(&all[0], line, sizeof line);
    ck_assert_ptr_nonnull(strstr(line, "access_before_copy"));
    ck_assert_ptr_nonnull(strstr(line, "frame 42"));
    ck_assert_ptr_nonnull(strstr(line, "0x200000190")); /* DST + 400 */
    ck_assert_ptr_nonnull(strstr(line, "9 ps"));
    ck_assert_ptr_null(strchr(line, '\n'));
    nck_free(k);
}
END_TEST

START_TEST(source_reused_caught)
{
    nck *k = nck_create();
    nck_submit(k, 1, 5, SRC, DST, 2000, 0);
    nck_engine_read(k, SRC, 512, 1);
    nck_repost(k, SRC, 512, 2); /* only read bytes: fine */
    ck_assert_uint_eq(total(k), 0);
    nck_repost(k, SRC - 100, 2048, 3);
    const nck_violation *v = only(k, NCK_SOURCE_REUSED);
    ck_assert_uint_eq(v->frame, 5);
    ck_assert_uint_eq(v->addr, SRC + 512);
    ck_assert_uint_eq(v->alen, 2048 - 100 - 512);
    ck_assert_uint_eq(v->time_ps, 3);
    nck_free(k);
}
END_TEST

START_TEST(early_completion_caught)
{
    nck *k = nck_create();
    /* complete-to-app over unwritten bytes */
    nck_submit(k, 1, 8, SRC, DST, 100, 0);
    nck_cpu_access(k, DST, 100, NCK_COMPLETE, 1);
    const nck_violation *v = only(k, NCK_EARLY_COMPLETION);
    ck_assert_uint_eq(v->addr, DST);
    ck_assert_uint_eq(v->alen, 100);
    /* done before every byte was written */
    nck_engine_read(k, SRC, 100, 2);
    nck_engine_write(k, DST, 60, 2);
    nck_done(k, 1, 3);
    size_t n;
    const nck_violation *all = nck_violations(k, &n);
    ck_assert_uint_eq(n, 2);
    ck_assert_int_eq(all[1].kind, NCK_EARLY_COMPLETION);
    ck_assert_uint_eq(all[1].addr, DST + 60);
    ck_assert_uint_eq(all[1].alen, 40);
    ck_assert_uint_eq(all[1].time_ps, 3);
    /* done with everything written but not everything read */
    nck_submit(k, 2, 9, SRC + 1000, DST + 1000, 100, 4);
    nck_engine_write(k, DST + 1000, 100, 5);
    nck_engine_read(k, SRC + 1000, 99, 5);
    nck_done(k, 2, 6);
    all = nck_violations(k, &n);
    ck_assert_uint_eq(n, 3);
    ck_assert_uint_eq(all[2].addr, SRC + 1099);
    ck_assert_uint_eq(all[2].alen, 1);
    ck_assert_uint_eq(all[2].frame, 9);
    /* the copy is forgotten: accesses after done are not checked against it */
    nck_cpu_access(k, DST, 100, NCK_APP_READ, 7);
    ck_assert_uint_eq(total(k), 3);
    nck_stats s;
    nck_get_stats(k, &s);
    ck_assert_uint_eq(s.outstanding, 0);
    nck_free(k);
}
END_TEST

START_TEST(engine_outside_caught)
{
    nck *k = nck_create();
    nck_allow(k, 0x5000, 8);
    nck_submit(k, 1, 3, SRC, DST, 100, 0);
    nck_engine_write(k, 0x5000, 8, 1); /* the completion word */
    nck_engine_write(k, DST + 90, 10, 1);
    ck_assert_uint_eq(total(k), 0);
    nck_engine_write(k, DST + 95, 20, 2); /* runs 15 bytes past the copy */
    const nck_violation *v = only(k, NCK_ENGINE_OUTSIDE);
    ck_assert_uint_eq(v->addr, DST + 100);
    ck_assert_uint_eq(v->alen, 15);
    ck_assert_uint_eq(v->frame, 0);
    ck_assert_uint_eq(v->time_ps, 2);
    char line[256];
    nck_format(v, line, sizeof line);
    ck_assert_ptr_nonnull(strstr(line, "engine_outside"));
    ck_assert_ptr_nonnull(strstr(line, "0x200000064"));
    /* after done the destination is no longer the engine's */
    nck_engine_write(k, DST, 90, 3);
    nck_engine_read(k, SRC, 100, 3);
    nck_done(k, 1, 4);
    nck_engine_write(k, DST, 1, 5);
    nck_engine_write(k, 0x5004, 8, 5); /* half outside the allowed word */
    nck_stats s;
    nck_get_stats(k, &s);
    ck_assert_uint_eq(s.violations[NCK_ENGINE_OUTSIDE], 3);
    size_t n;
    const nck_violation *all = nck_violations(k, &n);
    ck_assert_uint_eq(all[2].addr, 0x5008);
    ck_assert_uint_eq(all[2].alen, 4);
    nck_free(k);
}
END_TEST

/* Chunks of every size and alignment, out of order: exactly the bytes not yet transferred are
 * reported. */
START_TEST(partial_transfers_any_alignment)
{
    uint32_t seed = 1;
    for (int round = 0; round < 200; round++) {
        nck *k = nck_create();
        seed = seed * 1664525u + 1013904223u;
        uint32_t len = 1 + (seed >> 8) % 9000;
        uint64_t d = DST + (seed & 4095), s = SRC + ((seed >> 3) & 4095);
        nck_submit(k, 1, (uint64_t)round, s, d, len, 0);
        uint8_t *w = calloc(len, 1);
        /* random chunks, random order, some twice */
        for (int c = 0; c < 30; c++) {
            seed = seed * 1664525u + 1013904223u;
            uint32_t off = (seed >> 4) % len, n = 1 + (seed >> 20) % 700;
            if (n > len - off)
                n = len - off;
            nck_engine_write(k, d + off, n, 1);
            nck_engine_read(k, s + off, n, 1);
            memset(w + off, 1, n);
        }
        ck_assert_uint_eq(total(k), 0);
        /* probe a byte: reported iff not written */
        for (int p = 0; p < 20; p++) {
            seed = seed * 1664525u + 1013904223u;
            uint32_t off = (seed >> 6) % len;
            uint64_t before = total(k);
            nck_cpu_access(k, d + off, 1, NCK_APP_READ, 2);
            ck_assert_uint_eq(total(k) - before, w[off] ? 0 : 1);
            before = total(k);
            nck_repost(k, s + off, 1, 2);
            ck_assert_uint_eq(total(k) - before, w[off] ? 0 : 1);
        }
        /* the first gap of the whole destination */
        uint32_t g = 0;
        while (g < len && w[g])
            g++;
        uint64_t before = total(k);
        nck_cpu_access(k, d, len, NCK_COMPLETE, 3);
        if (g == len) {
            ck_assert_uint_eq(total(k), before);
        } else {
            uint32_t e = g;
            while (e < len && !w[e])
                e++;
            ck_assert_uint_eq(total(k), before + 1);
            nck_stats st;
            nck_get_stats(k, &st);
            size_t n;
            const nck_violation *v = nck_violations(k, &n);
            if (n < NCK_MAX_KEPT) {
                ck_assert_uint_eq(v[n - 1].addr, d + g);
                ck_assert_uint_eq(v[n - 1].alen, e - g);
            }
        }
        /* fill the rest in 3-byte chunks: then nothing is reported */
        engine_copy(k, s, d, len, 3, 4);
        before = total(k);
        nck_cpu_access(k, d, len, NCK_COMPLETE, 5);
        nck_repost(k, s, len, 5);
        nck_done(k, 1, 6);
        ck_assert_uint_eq(total(k), before);
        free(w);
        nck_free(k);
    }
}
END_TEST

/* Overlapping and adjacent copies: a write credits every copy it covers; an access is checked
 * against each copy. */
START_TEST(overlapping_and_adjacent)
{
    nck *k = nck_create();
    /* adjacent destinations, one engine write across both */
    nck_submit(k, 1, 1, SRC, DST, 100, 0);
    nck_submit(k, 2, 2, SRC + 100, DST + 100, 100, 0);
    nck_engine_write(k, DST + 50, 100, 1);
    ck_assert_uint_eq(total(k), 0);
    nck_cpu_access(k, DST + 99, 2, NCK_APP_READ, 2); /* both written there */
    ck_assert_uint_eq(total(k), 0);
    nck_cpu_access(k, DST + 40, 120, NCK_APP_READ, 3); /* each copy has a gap: two reports */
    size_t n;
    const nck_violation *v = nck_violations(k, &n);
    ck_assert_uint_eq(n, 2);
    int seen1 = 0, seen2 = 0;
    for (size_t i = 0; i < 2; i++) {
        if (v[i].cookie == 1) {
            seen1 = 1;
            ck_assert_uint_eq(v[i].addr, DST + 40);
            ck_assert_uint_eq(v[i].alen, 10);
        } else {
            seen2 = 1;
            ck_assert_uint_eq(v[i].addr, DST + 150);
            ck_assert_uint_eq(v[i].alen, 10);
        }
    }
    ck_assert(seen1 && seen2);
    /* a third copy overlapping the first's destination */
    nck_submit(k, 3, 3, SRC + 500, DST + 20, 50, 4);
    nck_engine_write(k, DST + 20, 30, 5);
    nck_cpu_access(k, DST + 20, 30, NCK_APP_READ, 6);
    ck_assert_uint_eq(total(k), 2);
    nck_cpu_access(k, DST + 49, 2, NCK_APP_READ, 6); /* copy 3's byte 29 written, 30 not */
    ck_assert_uint_eq(total(k), 3);
    /* duplicate cookie and unknown cookies are bad calls, not violations */
    ck_assert_int_eq(nck_submit(k, 3, 9, SRC, DST, 10, 7), -1);
    ck_assert_int_eq(nck_submit(k, 4, 9, SRC, DST, 0, 7), -1);
    nck_done(k, 77, 8);
    nck_cancel(k, 78, 8);
    nck_cancel(k, 3, 8); /* the copy failed: forgotten unchecked */
    nck_stats s;
    nck_get_stats(k, &s);
    ck_assert_uint_eq(s.bad_calls, 4);
    ck_assert_uint_eq(s.cancelled, 1);
    ck_assert_uint_eq(s.outstanding, 2);
    ck_assert_uint_eq(s.total, 3);
    nck_free(k);
}
END_TEST

/* Thousands of outstanding copies, retired out of order; more violations than are kept. */
START_TEST(many_outstanding)
{
    nck *k = nck_create();
    enum { N = 20000 };
    for (uint64_t i = 0; i < N; i++)
        ck_assert_int_eq(nck_submit(k, i, i, SRC + i * 1500, DST + i * 1460, 1460, i), 0);
    nck_stats s;
    nck_get_stats(k, &s);
    ck_assert_uint_eq(s.outstanding, N);
    for (uint64_t i = 0; i < N; i += 2) /* even copies done by the engine */
        engine_copy(k, SRC + i * 1500, DST + i * 1460, 1460, 256, N + i);
    ck_assert_uint_eq(total(k), 0);
    for (uint64_t i = 0; i < N; i++)
        nck_cpu_access(k, DST + i * 1460 + 700, 10, NCK_APP_READ, 3 * N);
    nck_get_stats(k, &s);
    ck_assert_uint_eq(s.violations[NCK_ACCESS_BEFORE_COPY], N / 2);
    size_t n;
    const nck_violation *v = nck_violations(k, &n);
    ck_assert_uint_eq(n, NCK_MAX_KEPT);
    ck_assert_uint_eq(v[0].frame, 1);
    ck_assert_uint_eq(v[NCK_MAX_KEPT - 1].frame, 2 * NCK_MAX_KEPT - 1);
    for (uint64_t i = 0; i < N; i += 2)
        nck_done(k, N - 2 - i, 4 * N);
    for (uint64_t i = 1; i < N; i += 2)
        nck_cancel(k, i, 4 * N);
    nck_get_stats(k, &s);
    ck_assert_uint_eq(s.outstanding, 0);
    ck_assert_uint_eq(s.violations[NCK_EARLY_COMPLETION], 0);
    /* the index is empty again: a write anywhere is outside */
    nck_engine_write(k, DST, 1, 5 * N);
    nck_get_stats(k, &s);
    ck_assert_uint_eq(s.violations[NCK_ENGINE_OUTSIDE], 1);
    nck_free(k);
}
END_TEST

START_TEST(kind_names)
{
    ck_assert_str_eq(nck_kind_name(NCK_ACCESS_BEFORE_COPY), "access_before_copy");
    ck_assert_str_eq(nck_kind_name(NCK_SOURCE_REUSED), "source_reused");
    ck_assert_str_eq(nck_kind_name(NCK_EARLY_COMPLETION), "early_completion");
    ck_assert_str_eq(nck_kind_name(NCK_ENGINE_OUTSIDE), "engine_outside");
    ck_assert_ptr_null(nck_kind_name(NCK_KIND_COUNT));
    ck_assert_ptr_null(nck_kind_name(-1));
    nck_free(NULL);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("netdma_check");
    TCase *t = tcase_create("core");
    tcase_set_timeout(t, 60);
    tcase_add_test(t, correct_orderings_clean);
    tcase_add_test(t, access_before_copy_caught);
    tcase_add_test(t, source_reused_caught);
    tcase_add_test(t, early_completion_caught);
    tcase_add_test(t, engine_outside_caught);
    tcase_add_test(t, partial_transfers_any_alignment);
    tcase_add_test(t, overlapping_and_adjacent);
    tcase_add_test(t, many_outstanding);
    tcase_add_test(t, kind_names);
    suite_add_tcase(s, t);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
