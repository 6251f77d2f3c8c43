/* Output files that never cost the user data (cli/outfile.h). */
#define _DEFAULT_SOURCE 1 /* mkstemps, mkdtemp */
#include "outfile.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- the registry of temporaries, for the signal handler ---- */
#define OUT_MAX_TMP 16
static char out_tmp[OUT_MAX_TMP][PATH_MAX];
static volatile sig_atomic_t out_tmp_used[OUT_MAX_TMP];
static volatile sig_atomic_t out_signal;

static void out_register(const char *tmp)
{
    for (int i = 0; i < OUT_MAX_TMP; i++) {
        if (!out_tmp_used[i]) {
            snprintf(out_tmp[i], sizeof out_tmp[i], "%s", tmp);
            out_tmp_used[i] = 1;
            return;
        }
    }
}

static void out_unregister(const char *tmp)
{
    for (int i = 0; i < OUT_MAX_TMP; i++)
        if (out_tmp_used[i] && strcmp(out_tmp[i], tmp) == 0)
            out_tmp_used[i] = 0;
}

static void out_on_signal(int sig)
{
    if (!out_signal) {
        out_signal = sig; /* the run stops at its next sync point and cleans up */
        return;
    }
    /* a second signal: remove the temporary files now (unlink is async-signal-safe) */
    for (int i = 0; i < OUT_MAX_TMP; i++)
        if (out_tmp_used[i])
            unlink(out_tmp[i]);
    static const char msg[] = "nicsim: interrupted; existing files were left as they were\n";
    ssize_t w = write(STDERR_FILENO, msg, sizeof msg - 1);
    (void)w;
    _exit(128 + out_signal);
}

void cli_out_signals_install(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = out_on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}

int cli_out_interrupted(void) { return out_signal; }
const volatile sig_atomic_t *cli_out_interrupt_flag(void) { return &out_signal; }

/* ---- files ---- */

static int out_fail(char *err, size_t errlen, const char *opt, const char *path, int e)
{
    snprintf(err, errlen, "%s: cannot write '%s': %s", opt, path, strerror(e));
    return -1;
}

/* The temporary's template: DIR/.BASE.nicsim-XXXXXX + suffix. */
static char *out_template(const char *path, const char *suffix)
{
    const char *slash = strrchr(path, '/');
    size_t dlen = slash ? (size_t)(slash - path + 1) : 0;
    const char *base = slash ? slash + 1 : path;
    size_t n = dlen + strlen(base) + strlen(suffix) + 32;
    char *t = malloc(n);
    if (t)
        snprintf(t, n, "%.*s.%s.nicsim-XXXXXX%s", (int)dlen, path, base, suffix);
    return t;
}

int cli_out_open(cli_out *o, const char *opt, const char *path, const char *suffix, int stream, char *err,
                 size_t errlen)
{
    memset(o, 0, sizeof *o);
    o->opt = opt;
    o->path = path;
    if (!path)
        return 0;
    struct stat st;
    if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
        return out_fail(err, errlen, opt, path, EISDIR);
    if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
        /* a device or FIFO: written directly, never removed */
        if (stream && !(o->f = fopen(path, "w")))
            return out_fail(err, errlen, opt, path, errno);
        return 0;
    }
    o->tmp = out_template(path, suffix ? suffix : "");
    if (!o->tmp)
        return out_fail(err, errlen, opt, path, ENOMEM);
    int fd = mkstemps(o->tmp, suffix ? (int)strlen(suffix) : 0);
    if (fd < 0) {
        int e = errno;
        free(o->tmp);
        o->tmp = NULL;
        return out_fail(err, errlen, opt, path, e);
    }
    out_register(o->tmp);
    /* the file gets the mode a plain create would give it */
    mode_t um = umask(0);
    umask(um);
    if (stat(path, &st) == 0)
        fchmod(fd, st.st_mode & 07777);
    else
        fchmod(fd, 0666 & ~um);
    if (stream) {
        o->f = fdopen(fd, "w");
        if (!o->f) {
            int e = errno;
            close(fd);
            cli_out_abort(o);
            return out_fail(err, errlen, opt, path, e);
        }
    } else {
        close(fd);
    }
    return 0;
}

int cli_out_open_dir(cli_out *o, const char *opt, const char *dir, char *err, size_t errlen)
{
    memset(o, 0, sizeof *o);
    o->opt = opt;
    o->path = dir;
    o->is_dir = 1;
    if (!dir)
        return 0;
    size_t n = strlen(dir) + 32;
    o->tmp = malloc(n);
    if (!o->tmp)
        return out_fail(err, errlen, opt, dir, ENOMEM);
    snprintf(o->tmp, n, "%s/.nicsim-XXXXXX", dir);
    if (!mkdtemp(o->tmp)) {
        int e = errno;
        free(o->tmp);
        o->tmp = NULL;
        return out_fail(err, errlen, opt, dir, e);
    }
    return 0;
}

const char *cli_out_target(const cli_out *o) { return o->tmp ? o->tmp : o->path; }

/* Calls fn(tmpdir/name, dir/name) for every file of the temporary directory. */
static int out_dir_each(cli_out *o, int (*fn)(const char *from, const char *to), char *err, size_t errlen)
{
    DIR *d = opendir(o->tmp);
    if (!d)
        return out_fail(err, errlen, o->opt, o->path, errno);
    int rc = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        char from[PATH_MAX], to[PATH_MAX];
        snprintf(from, sizeof from, "%s/%s", o->tmp, e->d_name);
        snprintf(to, sizeof to, "%s/%s", o->path, e->d_name);
        if (fn(from, to) != 0 && rc == 0) {
            rc = out_fail(err, errlen, o->opt, to, errno);
        }
    }
    closedir(d);
    return rc;
}

static int out_move(const char *from, const char *to) { return rename(from, to); }
static int out_remove(const char *from, const char *to)
{
    (void)to;
    return unlink(from);
}

int cli_out_commit(cli_out *o, char *err, size_t errlen)
{
    if (!o->path)
        return 0;
    if (o->f) {
        FILE *f = o->f;
        o->f = NULL;
        int bad = ferror(f);
        if (fclose(f) != 0 || bad) {
            int e = errno ? errno : EIO;
            cli_out_abort(o);
            return out_fail(err, errlen, o->opt, o->path, e);
        }
    }
    if (!o->tmp)
        return 0;
    if (o->is_dir) {
        int rc = out_dir_each(o, out_move, err, errlen);
        if (rc != 0) {
            cli_out_abort(o);
            return rc;
        }
        rmdir(o->tmp);
    } else if (rename(o->tmp, o->path) != 0) {
        int e = errno;
        cli_out_abort(o);
        return out_fail(err, errlen, o->opt, o->path, e);
    }
    out_unregister(o->tmp);
    free(o->tmp);
    o->tmp = NULL;
    return 0;
}

void cli_out_abort(cli_out *o)
{
    if (o->f) {
        fclose(o->f);
        o->f = NULL;
    }
    if (!o->tmp)
        return;
    if (o->is_dir) {
        char err[16];
        out_dir_each(o, out_remove, err, sizeof err);
        rmdir(o->tmp);
    } else {
        unlink(o->tmp);
        out_unregister(o->tmp);
    }
    free(o->tmp);
    o->tmp = NULL;
}
