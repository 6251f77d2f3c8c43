/* Two simulations in one process must not interfere (the design's "no global mutable state"):
 * runs A, then B, then A again in this process, and A alone in a child process, and checks
 * that all three A runs give the same results (wall-clock time aside). B differs on purpose
 * (another width, no RSS) so that state left behind by it would show. */
#include "nicsim_model.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static void config_a(ns_config *c)
{
    ns_config_defaults(c);
    c->rss_queues = 4;
    c->trace_path = NICSIM_SOURCE_DIR "/traces/quickstart.pcap";
    ns_config_finalize(c);
}

static void config_b(ns_config *c)
{
    ns_config_defaults(c);
    c->data_width = 512;
    c->rss_enable = 0;
    c->cpus = 1;
    c->trace_path = NICSIM_SOURCE_DIR "/traces/netns-loss.pcap";
    ns_config_finalize(c);
}

static void run(const ns_config *c, ns_results *r)
{
    char err[1024] = "";
    int rc = ns_run(c, r, err, sizeof err);
    ck_assert_msg(rc == 0, "ns_run: %s", err);
    r->wall_s = 0; /* the one field that may differ */
}

/* The per-connection results live outside the struct: compares them, then sets the pointers
 * aside so that the structs compare byte for byte. */
static void conns_equal(ns_results *x, const ns_conn_result *y, uint64_t ny, const char *what)
{
    ck_assert_msg(x->nconns == ny, "%s: %llu connections, alone %llu", what,
                  (unsigned long long)x->nconns, (unsigned long long)ny);
    ck_assert_msg(ny == 0 || memcmp(x->conns, y, (size_t)ny * sizeof *y) == 0,
                  "%s: connection statistics differ from A alone", what);
    ns_results_free(x);
}

START_TEST(two_runs_match_separate_runs)
{
    ns_config a, b;
    config_a(&a);
    config_b(&b);
    ns_results *alone = calloc(1, sizeof *alone), *first = calloc(1, sizeof *first);
    ns_results *mid = calloc(1, sizeof *mid), *again = calloc(1, sizeof *again);
    ck_assert(alone && first && mid && again);

    /* A alone, in a fresh process */
    int fds[2];
    ck_assert_int_eq(pipe(fds), 0);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        close(fds[0]);
        ns_results *r = calloc(1, sizeof *r);
        char err[1024];
        if (!r || ns_run(&a, r, err, sizeof err) != 0)
            _exit(1);
        r->wall_s = 0;
        ns_conn_result *cs = r->conns;
        uint64_t nc = r->nconns;
        r->conns = NULL;
        r->nconns = 0;
        const struct {
            const void *p;
            size_t n;
        } parts[3] = {{&nc, sizeof nc}, {r, sizeof *r}, {cs, (size_t)nc * sizeof *cs}};
        for (int k = 0; k < 3; k++) {
            const char *p = parts[k].p;
            size_t left = parts[k].n;
            while (left) {
                ssize_t w = write(fds[1], p, left);
                if (w <= 0)
                    _exit(1);
                p += w;
                left -= (size_t)w;
            }
        }
        _exit(0);
    }
    close(fds[1]);
    uint64_t nconns = 0;
    ns_conn_result *conns = NULL;
    for (int k = 0; k < 3; k++) {
        char *p = k == 0 ? (char *)&nconns : k == 1 ? (char *)alone : (char *)conns;
        size_t left = k == 0 ? sizeof nconns : k == 1 ? sizeof *alone : (size_t)nconns * sizeof *conns;
        while (left) {
            ssize_t n = read(fds[0], p, left);
            ck_assert_msg(n > 0, "child run failed");
            p += n;
            left -= (size_t)n;
        }
        if (k == 0) {
            conns = calloc(nconns ? (size_t)nconns : 1, sizeof *conns);
            ck_assert(conns);
        }
    }
    close(fds[0]);
    int st;
    ck_assert_int_eq(waitpid(pid, &st, 0), pid);
    ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);

    run(&a, first);
    run(&b, mid);
    run(&a, again);
    ck_assert_uint_gt(first->frames_delivered, 0);
    ck_assert_uint_gt(nconns, 0);
    conns_equal(first, conns, nconns, "run A in this process");
    conns_equal(again, conns, nconns, "run A after run B");
    ns_results_free(mid);
    free(conns);
    ck_assert_msg(memcmp(first, alone, sizeof *first) == 0, "run A in this process differs from A alone");
    ck_assert_msg(memcmp(again, alone, sizeof *again) == 0, "run A after run B differs from A alone");
    ck_assert_msg(mid->frames_rx != first->frames_rx, "B should be a different run");
    free(alone);
    free(first);
    free(mid);
    free(again);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("model");
    TCase *tc = tcase_create("two_runs");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, two_runs_match_separate_runs);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_set_fork_status(sr, CK_NOFORK);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
