/* Helpers the NIC's driver (drv.c) and the NetDMA provider (netdma.c) share: one-line errors,
 * the checks every open makes of its arguments and of the device's identification register. */
#ifndef NICSIM_DRV_COMMON_H
#define NICSIM_DRV_COMMON_H
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>

#include "drv.h"

/* Writes a one-line message into err (if any); returns rc. */
static inline int drv_seterr(char *err, size_t errlen, int rc, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static inline int drv_seterr(char *err, size_t errlen, int rc, const char *fmt, ...)
{
    if (err && errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return rc;
}

static inline int drv_is_pow2(uint64_t v) { return v && (v & (v - 1)) == 0; }

/* An open's arguments: out, cfg, every hw op, every mem op and the callbacks must be given
 * (`who`: "driver: drv_open", "netdma: nd_open"). DRV_OK or DRV_EINVAL with a message. */
static inline int drv_check_open_args(const void *out, const void *cfg, const drv_hw_ops *hw,
                                      const drv_mem_if *mem, const void *cb, const char *who, char *err,
                                      size_t errlen)
{
    if (!out || !cfg || !hw || !hw->csr_write || !hw->csr_read || !mem || !mem->alloc || !mem->mark ||
        !mem->rewind || !cb)
        return drv_seterr(err, errlen, DRV_EINVAL, "%s needs out, cfg, hw ops, mem and cb", who);
    return DRV_OK;
}

/* The device's identification register at reg must read `want` (`what`: "a nicsim NIC"). */
static inline int drv_check_id(const drv_hw_ops *hw, uint32_t reg, uint32_t want, const char *prefix,
                               const char *what, char *err, size_t errlen)
{
    uint32_t id = hw->csr_read(hw->ctx, reg);
    if (id != want)
        return drv_seterr(err, errlen, DRV_EDEVICE, "%s: device ID 0x%08x is not %s (expected 0x%08x)", prefix,
                          (unsigned)id, what, (unsigned)want);
    return DRV_OK;
}

#endif
