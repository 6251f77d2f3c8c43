/* Helpers shared by the nicsim_cli sources (not part of the public API). */
#ifndef NICSIM_CLI_UTIL_H
#define NICSIM_CLI_UTIL_H
#include <stdarg.h>
#include <stddef.h>

/* printf into a caller-owned message buffer (no-op if err is NULL or errlen 0). */
void cli_msg(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Heap copies; NULL if out of memory. */
char *cli_strdup(const char *s);
char *cli_asprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char *cli_vasprintf(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));

/* [scenario] host as configured: "auto", "any" or the addresses, comma-separated, an
 * address with a port as 127.0.0.1:5201 or [::1]:5201 (report key config.scenario.host). */
struct ns_config;
void cli_host_text(const struct ns_config *c, char *buf, size_t len);

#endif
