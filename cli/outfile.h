/* Output files that never cost the user data (prefix cli_out_). A regular file (or a new one)
 * is written under a temporary name in its own directory and renamed into place only when the
 * run succeeds; a failed or interrupted run removes the temporary and leaves whatever was at
 * the path untouched. A path that names something other than a regular file (a device such as
 * /dev/null, a FIFO) is written directly and never removed. A directory output (--save-streams)
 * is filled through a temporary directory inside it whose files are moved in on success.
 *
 * Interrupts: cli_out_signals_install() catches SIGINT and SIGTERM. The first one only sets a
 * flag (cli_out_interrupted), which the simulation polls to stop at its next sync point, after
 * which the caller aborts its outputs as for any failure; a second one removes every registered
 * temporary file at once and exits (130/143). The registry of temporaries is the process's
 * only mutable global state: signals are process-wide. */
#ifndef NICSIM_CLI_OUTFILE_H
#define NICSIM_CLI_OUTFILE_H
#include <signal.h>
#include <stddef.h>
#include <stdio.h>

typedef struct cli_out {
    const char *opt;  /* the option, for messages ("-o", "--packet-log", ...) */
    const char *path; /* the user's path; NULL: output not requested */
    char *tmp;        /* the temporary (a file, or a directory for cli_out_open_dir); NULL when direct */
    FILE *f;          /* the stream, when opened with a stream */
    int is_dir;
} cli_out;

/* Prepares output o for path. suffix (may be "") ends the temporary's name (a waveform needs its
 * extension). With stream, opens it for writing in o->f. Returns 0, or -1 with "OPT: cannot
 * write 'PATH': reason" in err. A NULL path prepares nothing and succeeds. */
int cli_out_open(cli_out *o, const char *opt, const char *path, const char *suffix, int stream, char *err,
                 size_t errlen);
/* Prepares an output directory (which must exist): a temporary directory inside it. */
int cli_out_open_dir(cli_out *o, const char *opt, const char *dir, char *err, size_t errlen);
/* Where the producer writes: the temporary, or the path itself when written directly. */
const char *cli_out_target(const cli_out *o);
/* Closes the stream (reporting write errors) and renames the temporary into place (a
 * directory's files into the directory). Returns 0, or -1 with a message; on failure the
 * output is aborted. */
int cli_out_commit(cli_out *o, char *err, size_t errlen);
/* Closes and removes the temporary; the user's path is left as it was. Safe to call twice. */
void cli_out_abort(cli_out *o);

/* Installs the SIGINT/SIGTERM handlers (idempotent). */
void cli_out_signals_install(void);
/* The signal that interrupted the run (SIGINT, SIGTERM), 0 if none; the flag itself for polling. */
int cli_out_interrupted(void);
const volatile sig_atomic_t *cli_out_interrupt_flag(void);

#endif
