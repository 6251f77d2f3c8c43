/* A failed or interrupted run never costs the user data (cli/outfile.h): every output file is
 * written under a temporary name and renamed into place on success; a device or FIFO is written
 * directly and never removed; SIGINT/SIGTERM leave existing files as they were and exit 130/143.
 * Runs the front end given as argv[1] over the stand-in model (test/cli/stub_model.c), whose
 * traces "FAIL3" (write some outputs, then fail) and "SLOW" (write some, then wait to be
 * interrupted) exercise the failure paths. */
#include "test_util.h"

#include <check.h>
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static const char *nicsim;
static char dir[512];
static char good[1100], fail3[1100], slow[1100];

static void setup(void)
{
    tu_mkdtemp(dir, sizeof dir);
    char p[1100];
    tu_write(dir, "t.pcap", "a capture\n", p, sizeof p);
    tu_write(dir, "fail3.pcap", "FAIL3\n", p, sizeof p);
    tu_write(dir, "slow.pcap", "SLOW!\n", p, sizeof p);
    tu_write(dir, "good.ini", "[scenario]\ntrace = t.pcap\n", good, sizeof good);
    tu_write(dir, "fail3.ini", "[scenario]\ntrace = fail3.pcap\n", fail3, sizeof fail3);
    tu_write(dir, "slow.ini", "[scenario]\ntrace = slow.pcap\n", slow, sizeof slow);
}

static void teardown(void) { tu_rmdir(dir); }

static void path_of(char *out, size_t n, const char *name) { snprintf(out, n, "%s/%s", dir, name); }

/* Starts nicsim with args (NULL-terminated, after argv[0]); stderr to DIR/stderr.txt. */
static pid_t start(const char *const *args)
{
    const char *argv[32];
    int argc = 0;
    argv[argc++] = nicsim;
    for (; *args; args++)
        argv[argc++] = *args;
    argv[argc] = NULL;
    char errp[1100];
    path_of(errp, sizeof errp, "stderr.txt");
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 2, errp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    pid_t pid;
    ck_assert_int_eq(posix_spawn(&pid, nicsim, &fa, NULL, (char *const *)argv, environ), 0);
    posix_spawn_file_actions_destroy(&fa);
    return pid;
}

static int finish(pid_t pid)
{
    int st;
    ck_assert_int_eq(waitpid(pid, &st, 0), pid);
    ck_assert_msg(WIFEXITED(st), "nicsim died of signal %d", WIFSIGNALED(st) ? WTERMSIG(st) : 0);
    return WEXITSTATUS(st);
}

static int run(const char *const *args) { return finish(start(args)); }

static void put(const char *name, const char *text)
{
    char p[1100];
    tu_write(dir, name, text, p, sizeof p);
}

static void expect_content(const char *name, const char *want)
{
    char p[1100], buf[512] = "";
    path_of(p, sizeof p, name);
    FILE *f = fopen(p, "rb");
    ck_assert_msg(f != NULL, "%s is gone", name);
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = '\0';
    fclose(f);
    ck_assert_msg(strcmp(buf, want) == 0, "%s holds '%s', want '%s'", name, buf, want);
}

/* No temporary left in d (names starting with '.'). */
static void expect_no_temporaries(const char *d)
{
    DIR *dp = opendir(d);
    ck_assert_ptr_nonnull(dp);
    struct dirent *e;
    while ((e = readdir(dp)))
        ck_assert_msg(e->d_name[0] != '.' || strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0,
                      "temporary %s/%s left behind", d, e->d_name);
    closedir(dp);
}

static void stderr_has(const char *want)
{
    char p[1100], buf[4096] = "";
    path_of(p, sizeof p, "stderr.txt");
    FILE *f = fopen(p, "rb");
    ck_assert_ptr_nonnull(f);
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = '\0';
    fclose(f);
    ck_assert_msg(strstr(buf, want) != NULL, "stderr lacks '%s': %s", want, buf);
}

/* Existing outputs of every kind, each holding "OLD". */
static void old_outputs(char *rep, char *log, char *hp, char *wave, char *streams, size_t n)
{
    put("r.json", "OLD");
    put("p.csv", "OLD");
    put("h.pcap", "OLD");
    put("w.fst", "OLD");
    put("w.gtkw", "OLD");
    put("w.csum.gtkwf", "OLD");
    path_of(rep, n, "r.json");
    path_of(log, n, "p.csv");
    path_of(hp, n, "h.pcap");
    path_of(wave, n, "w.fst");
    path_of(streams, n, "st");
    mkdir(streams, 0755);
    char p[1100];
    tu_write(streams, "old.bin", "OLD", p, sizeof p);
}

static void expect_old_outputs(const char *streams)
{
    expect_content("r.json", "OLD");
    expect_content("p.csv", "OLD");
    expect_content("h.pcap", "OLD");
    expect_content("w.fst", "OLD");
    expect_content("w.gtkw", "OLD");
    expect_content("w.csum.gtkwf", "OLD");
    expect_content("st/old.bin", "OLD");
    char p[1200];
    snprintf(p, sizeof p, "%s/partial.bin", streams);
    ck_assert_msg(access(p, F_OK) != 0, "a failed run's stream file reached the directory");
    expect_no_temporaries(dir);
    expect_no_temporaries(streams);
}

START_TEST(failed_run_keeps_every_file)
{
    char rep[1100], log[1100], hp[1100], wave[1100], st[1100];
    old_outputs(rep, log, hp, wave, st, sizeof rep);
    const char *args[] = {"run", fail3, "-o", rep, "--packet-log", log, "--host-pcap", hp, "--wave", wave,
                          "--save-streams", st, NULL};
    ck_assert_int_eq(run(args), 1);
    expect_old_outputs(st);
}
END_TEST

START_TEST(good_run_replaces_files)
{
    char rep[1100], log[1100], hp[1100], wave[1100], st[1100];
    old_outputs(rep, log, hp, wave, st, sizeof rep);
    chmod(rep, 0640);
    const char *args[] = {"run", good, "-o", rep, "--packet-log", log, "--host-pcap", hp, "--save-streams", st,
                          "--no-baseline", NULL};
    ck_assert_int_eq(run(args), 0);
    char buf[64];
    FILE *f = fopen(rep, "r");
    ck_assert_ptr_nonnull(f);
    ck_assert_ptr_nonnull(fgets(buf, sizeof buf, f));
    fclose(f);
    ck_assert_str_eq(buf, "{\n");
    struct stat sb;
    ck_assert_int_eq(stat(rep, &sb), 0);
    ck_assert_uint_eq(sb.st_mode & 0777, 0640); /* the replaced file keeps its mode */
    expect_content("st/old.bin", "OLD");     /* other files of the directory stay */
    char p[1200];
    snprintf(p, sizeof p, "%s/stub-runs.txt", st);
    ck_assert_int_eq(access(p, F_OK), 0);
    expect_no_temporaries(dir);
    expect_no_temporaries(st);
}
END_TEST

/* --connections and the time series (default name beside the report) go through the same
 * path: kept on failure, written on success. */
START_TEST(connections_and_time_series_outputs)
{
    put("r.json", "OLD");
    put("c.csv", "OLD");
    put("r-stats.csv", "OLD");
    char rep[1100], conns[1100];
    path_of(rep, sizeof rep, "r.json");
    path_of(conns, sizeof conns, "c.csv");
    const char *bad[] = {"run", fail3, "-o", rep, "--connections", conns, "--stats-interval", "1us", NULL};
    ck_assert_int_eq(run(bad), 1);
    expect_content("r.json", "OLD");
    expect_content("c.csv", "OLD");
    expect_content("r-stats.csv", "OLD");
    expect_no_temporaries(dir);
    const char *ok[] = {"run", good, "-o", rep, "--connections", conns, "--stats-interval", "1us",
                        "--no-baseline", NULL};
    ck_assert_int_eq(run(ok), 0);
    /* the stand-in model writes no rows: the headers */
    expect_content("c.csv", "src,sport,dst,dport,cpu,frames,bytes,payload_bytes,cycles,latency_frames,"
                            "latency_p50_ns,latency_p90_ns,latency_p99_ns,latency_max_ns,app_latency_frames,"
                            "app_latency_p50_ns,app_latency_p90_ns,app_latency_p99_ns,app_latency_max_ns,"
                            "offload_state,offloads,last_upload,bytes_placed\n");
    char sp[1100];
    path_of(sp, sizeof sp, "r-stats.csv");
    ck_assert_int_eq(access(sp, F_OK), 0);
    expect_no_temporaries(dir);
    /* the same file twice: one error before the run */
    const char *twice[] = {"run", good, "-o", rep, "--connections", rep, NULL};
    ck_assert_int_eq(run(twice), 2);
    stderr_has("-o and --connections name the same file");
    const char *twice2[] = {"run", good, "-o", rep, "--stats-interval", "1ms", "--stats-out", rep, NULL};
    ck_assert_int_eq(run(twice2), 2);
    stderr_has("-o and --stats-out name the same file");
}
END_TEST

START_TEST(devices_are_never_removed)
{
    const char *args[] = {"run", fail3, "-o", "/dev/null", "--packet-log", "/dev/null", NULL};
    ck_assert_int_eq(run(args), 1);
    struct stat sb;
    ck_assert_int_eq(stat("/dev/null", &sb), 0);
    ck_assert(S_ISCHR(sb.st_mode));
    const char *ok[] = {"run", good, "-o", "/dev/null", NULL};
    ck_assert_int_eq(run(ok), 0);
    ck_assert_int_eq(stat("/dev/null", &sb), 0);
    ck_assert(S_ISCHR(sb.st_mode));
}
END_TEST

START_TEST(fifo_is_written_directly)
{
    char fifo[1100];
    path_of(fifo, sizeof fifo, "report.fifo");
    ck_assert_int_eq(mkfifo(fifo, 0644), 0);
    const char *args[] = {"run", good, "-o", fifo, "--no-baseline", NULL};
    pid_t pid = start(args);
    int fd = open(fifo, O_RDONLY);
    ck_assert_int_ge(fd, 0);
    char buf[65536];
    size_t got = 0;
    ssize_t n;
    while ((n = read(fd, buf + got, sizeof buf - 1 - got)) > 0)
        got += (size_t)n;
    close(fd);
    buf[got] = '\0';
    ck_assert_int_eq(finish(pid), 0);
    ck_assert_ptr_nonnull(strstr(buf, "\"schema\""));
    struct stat sb;
    ck_assert_int_eq(stat(fifo, &sb), 0);
    ck_assert(S_ISFIFO(sb.st_mode));
    expect_no_temporaries(dir);
}
END_TEST

static void interrupt_case(int sig, int want_status)
{
    char rep[1100], log[1100], hp[1100], wave[1100], st[1100];
    old_outputs(rep, log, hp, wave, st, sizeof rep);
    const char *args[] = {"run", slow, "-o", rep, "--packet-log", log, "--host-pcap", hp, "--wave", wave,
                          "--save-streams", st, "--no-baseline", NULL};
    pid_t pid = start(args);
    /* wait until the run is under way: its temporary host capture has been written */
    for (int i = 0; i < 500; i++) {
        DIR *dp = opendir(dir);
        struct dirent *e;
        int seen = 0;
        while (dp && (e = readdir(dp)))
            seen |= strncmp(e->d_name, ".h.pcap.", 8) == 0;
        if (dp)
            closedir(dp);
        if (seen)
            break;
        struct timespec ts = {0, 10 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    kill(pid, sig);
    ck_assert_int_eq(finish(pid), want_status);
    stderr_has("interrupted");
    expect_old_outputs(st);
}

/* With the software baseline and the split's runs in child processes: a signal to nicsim alone
 * stops them too (they would wait 20 s), and nothing is left behind. */
START_TEST(sigint_stops_side_runs)
{
    char rep[1100];
    path_of(rep, sizeof rep, "r.json");
    const char *args[] = {"run", slow, "-o", rep, NULL};
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    pid_t pid = start(args);
    struct timespec ts = {0, 300 * 1000 * 1000};
    nanosleep(&ts, NULL);
    kill(pid, SIGINT);
    ck_assert_int_eq(finish(pid), 130);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double s = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    ck_assert_msg(s < 10.0, "nicsim took %.1f s to stop", s);
    stderr_has("interrupted");
    struct stat sb;
    ck_assert_msg(stat(rep, &sb) != 0, "an interrupted run wrote a report");
    expect_no_temporaries(dir);
}
END_TEST

START_TEST(sigint_leaves_files)
{
    interrupt_case(SIGINT, 130);
}
END_TEST

START_TEST(sigterm_leaves_files)
{
    interrupt_case(SIGTERM, 143);
}
END_TEST

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: test_cli_outputs NICSIM_STUB\n");
        return 2;
    }
    nicsim = argv[1];
    Suite *s = suite_create("cli_outputs");
    TCase *tc = tcase_create("outputs");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, failed_run_keeps_every_file);
    tcase_add_test(tc, good_run_replaces_files);
    tcase_add_test(tc, connections_and_time_series_outputs);
    tcase_add_test(tc, devices_are_never_removed);
    tcase_add_test(tc, fifo_is_written_directly);
    tcase_add_test(tc, sigint_leaves_files);
    tcase_add_test(tc, sigint_stops_side_runs);
    tcase_add_test(tc, sigterm_leaves_files);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
