/* Simulated time: picoseconds in a uint64_t everywhere in the model (2^64 ps = 213.5 days).
 * The one place where time units are converted. Conversions saturate at NS_TIME_NEVER instead
 * of wrapping, so an out-of-range time can never come out small. */
#ifndef NICSIM_SIMTIME_H
#define NICSIM_SIMTIME_H
#include <stdint.h>

#define NS_PS_PER_NS UINT64_C(1000)
#define NS_NS_PER_S UINT64_C(1000000000)
#define NS_PS_PER_US (NS_PS_PER_NS * 1000)
#define NS_PS_PER_S (NS_PS_PER_NS * NS_NS_PER_S)
#define NS_TIME_NEVER UINT64_MAX /* "no such time": no timer armed, no next event */

static inline uint64_t ns_ps_from_ns(uint64_t ns)
{
    return ns > NS_TIME_NEVER / NS_PS_PER_NS ? NS_TIME_NEVER : ns * NS_PS_PER_NS;
}
static inline uint64_t ns_ns_from_ps(uint64_t ps) { return ps / NS_PS_PER_NS; }
/* value * scale rounded to nearest as a uint64_t; NS_TIME_NEVER when it does not fit, 0 when
 * negative or not a number. */
static inline uint64_t ns_scale_round(double value, double scale)
{
    double x = value * scale + 0.5;
    if (!(x >= 0.0))
        return 0;
    if (x >= 18446744073709549568.0) /* largest double below 2^64 */
        return NS_TIME_NEVER;
    return (uint64_t)x;
}
/* Picoseconds of a duration of value units of unit_ps picoseconds each, rounded. */
static inline uint64_t ns_ps_from_real(double value, double unit_ps) { return ns_scale_round(value, unit_ps); }
/* Period in ps of a clock of f MHz, rounded to nearest. */
static inline uint64_t ns_period_ps(double mhz) { return ns_scale_round(1e6 / mhz, 1.0); }
/* Adds two times, saturating. */
static inline uint64_t ns_time_add(uint64_t a, uint64_t b) { return a > NS_TIME_NEVER - b ? NS_TIME_NEVER : a + b; }

#endif
