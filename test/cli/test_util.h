/* Temporary files for the cli Check suites. */
#ifndef NICSIM_TEST_CLI_UTIL_H
#define NICSIM_TEST_CLI_UTIL_H
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* A fresh directory under $TMPDIR (or /tmp); removed by tu_rmdir(). */
static inline void tu_mkdtemp(char *dir, size_t len)
{
    const char *base = getenv("TMPDIR");
    snprintf(dir, len, "%s/nicsim-cli-XXXXXX", base && *base ? base : "/tmp");
    ck_assert_msg(mkdtemp(dir) != NULL, "mkdtemp %s failed", dir);
}

/* Writes dir/name with the given text; returns the path in path. */
static inline void tu_write(const char *dir, const char *name, const char *text, char *path,
                            size_t len)
{
    snprintf(path, len, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    ck_assert_msg(f != NULL, "cannot create %s", path);
    ck_assert_int_eq(fputs(text, f) >= 0, 1);
    ck_assert_int_eq(fclose(f), 0);
}

/* Removes the files and the directory (one level). */
static inline void tu_rmdir(const char *dir)
{
    char cmd[1200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "warning: could not remove %s\n", dir);
}

#endif
