/* Small helpers shared by the end-to-end test programs: run the nicsim binary with
 * arguments in shell syntax, read its JSON report. Each program sets g_bin, g_src, g_work. */
#ifndef NICSIM_E2E_UTIL_H
#define NICSIM_E2E_UTIL_H

#include <check.h>
#include <dirent.h>
#include <stdint.h>
#include <sys/stat.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

static const char *g_bin, *g_src, *g_work;
/* Set by a program whose tests are about the receive path through the host: its `run`
 * commands get --set tcpip.EnableTCPChimney=0 unless they set EnableTCPChimney themselves. */
static int g_chimney_off;

/* Runs nicsim with args (shell syntax) from the source directory, stdout/stderr to
 * WORK/name.out and WORK/name.err. Returns the exit status. */
static int run_nicsim(const char *name, const char *args)
{
    const char *chimney = g_chimney_off && !strstr(args, "EnableTCPChimney") && strncmp(args, "run ", 4) == 0
                              ? " --set tcpip.EnableTCPChimney=0" : "";
    size_t n = strlen(args) + strlen(chimney) + 3 * strlen(g_work) + strlen(g_src) + strlen(g_bin) +
               2 * strlen(name) + 64;
    char *cmd = malloc(n);
    snprintf(cmd, n, "cd '%s' && '%s' %s%s > '%s/%s.out' 2> '%s/%s.err'", g_src, g_bin, args, chimney, g_work,
             name, g_work, name);
    int st = system(cmd);
    free(cmd);
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

/* WORK/name, in one of 8 rotating buffers. */
static char *work_path(const char *name)
{
    static char bufs[8][1024];
    static int i;
    char *b = bufs[i++ % 8];
    snprintf(b, 1024, "%s/%s", g_work, name);
    return b;
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *b = malloc((size_t)n + 1);
    if (fread(b, 1, (size_t)n, f) != (size_t)n)
        n = 0;
    b[n] = 0;
    fclose(f);
    return b;
}

static json_t *load_report(const char *name)
{
    json_error_t e;
    json_t *j = json_load_file(work_path(name), 0, &e);
    ck_assert_msg(j != NULL, "report %s: %s", name, e.text);
    return j;
}

/* The value at a dotted path, or NULL. */
static json_t *jget(json_t *root, const char *path)
{
    char buf[256];
    snprintf(buf, sizeof buf, "%s", path);
    json_t *cur = root;
    char *save = NULL;
    for (char *tok = strtok_r(buf, ".", &save); tok && cur; tok = strtok_r(NULL, ".", &save))
        cur = json_object_get(cur, tok);
    return cur;
}

static json_int_t jint(json_t *root, const char *path)
{
    json_t *v = jget(root, path);
    ck_assert_msg(v && json_is_integer(v), "report key %s missing or not an integer", path);
    return json_integer_value(v);
}

static double jnum(json_t *root, const char *path)
{
    json_t *v = jget(root, path);
    ck_assert_msg(v && json_is_number(v), "report key %s missing or not a number", path);
    return json_number_value(v);
}

/* rm -rf then mkdir -p WORK/name; returns the path (rotating buffer). */
__attribute__((unused)) static char *fresh_dir(const char *name)
{
    char *d = work_path(name);
    char cmd[2200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s' && mkdir -p '%s'", d, d);
    ck_assert_int_eq(system(cmd), 0);
    return d;
}

/* Connection k of the netns-*.pcap captures sent head -c len of `seq -f "%08g k" 1 ...`. */
__attribute__((unused)) static char *seq_sent_bytes(int k, size_t len)
{
    char *b = malloc(len + 64);
    size_t n = 0;
    for (int i = 1; n < len; i++)
        n += (size_t)sprintf(b + n, "%08d %d\n", i, k);
    return b;
}

/* traces/README.md: payload byte `off` of stream `stream`. */
__attribute__((unused)) static uint8_t trace_byte(uint64_t stream, uint64_t off)
{
    uint64_t x = (stream << 48) ^ off;
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ULL;
    x ^= x >> 33;
    return (uint8_t)x;
}

/* The file dir/name has exactly len bytes, byte i = trace_byte(stream, i). */
__attribute__((unused)) static void expect_generated_stream(const char *dir, const char *name, uint64_t stream, size_t len)
{
    char path[2048];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "rb");
    ck_assert_msg(f != NULL, "no stream file %s", path);
    uint8_t *got = malloc(len + 1);
    size_t n = fread(got, 1, len + 1, f);
    fclose(f);
    ck_assert_msg(n == len, "stream %s: %zu bytes, sent %zu", name, n, len);
    for (size_t i = 0; i < len; i++)
        if (got[i] != trace_byte(stream, i))
            ck_abort_msg("stream %s differs from what was sent at byte %zu", name, i);
    free(got);
}

/* Stream files in dir. */
__attribute__((unused)) static int count_files(const char *dir)
{
    int n = 0;
    DIR *dh = opendir(dir);
    ck_assert_ptr_nonnull(dh);
    struct dirent *de;
    while ((de = readdir(dh)))
        n += de->d_name[0] != '.';
    closedir(dh);
    return n;
}

/* traces/netns-loss.pcap: each of the 3 stream files equals exactly one connection's bytes. */
__attribute__((unused)) static void expect_loss_streams(const char *dir)
{
    char *want[4] = {NULL, seq_sent_bytes(1, 50000), seq_sent_bytes(2, 50000), seq_sent_bytes(3, 50000)};
    int matched[4] = {0}, files = 0;
    DIR *dh = opendir(dir);
    ck_assert_ptr_nonnull(dh);
    struct dirent *de;
    while ((de = readdir(dh))) {
        if (de->d_name[0] == '.')
            continue;
        char path[2048];
        snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
        char *got = slurp(path);
        struct stat st;
        ck_assert_int_eq(stat(path, &st), 0);
        ck_assert_msg(st.st_size == 50000, "stream %s: %lld bytes, sent 50000", de->d_name, (long long)st.st_size);
        int k = 0;
        for (int j = 1; j <= 3; j++)
            if (memcmp(got, want[j], 50000) == 0)
                k = j;
        ck_assert_msg(k > 0 && !matched[k], "stream %s equals no (unclaimed) sent stream", de->d_name);
        matched[k] = 1;
        files++;
        free(got);
    }
    closedir(dh);
    ck_assert_int_eq(files, 3);
    for (int j = 1; j <= 3; j++)
        free(want[j]);
}

/* The main of an end-to-end program: `NAME NICSIM SOURCE_DIR WORK_DIR` plus `extra` more
 * arguments (kept in *extra_args), one suite `name` of one test case with a timeout in seconds,
 * whose tests add() adds. Returns the exit status. */
__attribute__((unused)) static int e2e_main(int argc, char **argv, const char *name, const char *usage_extra,
                                            int extra, char ***extra_args, int timeout, void (*add)(TCase *))
{
    if (argc != 4 + extra) {
        fprintf(stderr, "usage: %s NICSIM SOURCE_DIR WORK_DIR%s\n", name, usage_extra);
        return 2;
    }
    g_bin = argv[1];
    g_src = argv[2];
    g_work = argv[3];
    if (extra_args)
        *extra_args = argv + 4;
    mkdir(g_work, 0755);
    setvbuf(stdout, NULL, _IOLBF, 0); /* the figures survive a failing (forked) test */
    Suite *s = suite_create(name);
    TCase *tc = tcase_create(name);
    tcase_set_timeout(tc, timeout);
    add(tc);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}

#endif
