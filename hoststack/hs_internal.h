/* Internal declarations shared by the hs_*.c files (not part of the public API). */
#ifndef NICSIM_HS_INTERNAL_H
#define NICSIM_HS_INTERNAL_H
#include <stdarg.h>
#include <stdio.h>

#include "hs.h"

/* Shipped profiles, generated at configure time from hoststack/profiles/NAME.profile. */
typedef struct hs_builtin_profile {
    const char *name;  /* "xeon-2006" */
    const char *file;  /* "profiles/xeon-2006.profile" (for error messages) */
    const char *text;
} hs_builtin_profile;
extern const hs_builtin_profile hs_builtin_profiles[]; /* ends with a NULL name */
extern const char *const hs_builtin_profile_names[];    /* the same names, NULL-terminated */

/* Calibration hook: one connection-table lookup (no charge). Returns 1 if found. */
int hs_calib_lookup(const hs_stack *s, const hs_conn_id *k, uint32_t hash);
/* Calibration hook: the Toeplitz hash the table files k under. */
uint32_t hs_calib_hash(const hs_stack *s, const hs_conn_id *k);

/* printf into the caller's error buffer (err may be NULL); returns code. */
int hs_errf(char *err, size_t errlen, int code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

#endif
