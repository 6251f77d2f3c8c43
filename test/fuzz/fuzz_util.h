/* Shared helpers of the libFuzzer harnesses: the fuzz bytes as a file with a path, without
 * touching the disk (an anonymous memory file, reached through /proc/self/fd). */
#ifndef NICSIM_FUZZ_UTIL_H
#define NICSIM_FUZZ_UTIL_H
#define _GNU_SOURCE
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

/* Replaces the contents of the memory file and returns its path (valid for the process). */
static inline const char *fz_file(const uint8_t *data, size_t size)
{
    static int fd = -1;
    static char path[64];
    if (fd < 0) {
        fd = memfd_create("nicsim-fuzz", 0);
        if (fd < 0) {
            perror("memfd_create");
            abort();
        }
        snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    }
    if (ftruncate(fd, 0) != 0) {
        perror("ftruncate");
        abort();
    }
    size_t off = 0;
    while (off < size) {
        ssize_t n = pwrite(fd, data + off, size - off, (off_t)off);
        if (n <= 0) {
            perror("pwrite");
            abort();
        }
        off += (size_t)n;
    }
    return path;
}

/* A failed invariant: print it and abort, so libFuzzer keeps the input. */
#define FZ_CHECK(cond, ...)                                                                \
    do {                                                                                   \
        if (!(cond)) {                                                                     \
            fprintf(stderr, "fuzz invariant failed: %s: ", #cond);                         \
            fprintf(stderr, __VA_ARGS__);                                                  \
            fputc('\n', stderr);                                                           \
            abort();                                                                       \
        }                                                                                  \
    } while (0)

/* An error message must be one non-empty line. */
static inline int fz_one_line(const char *s)
{
    if (!s[0])
        return 0;
    for (const char *p = s; *p; p++)
        if (*p == '\n')
            return 0;
    return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
#endif
