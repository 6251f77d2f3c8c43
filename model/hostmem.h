/* Host memory: the region of the simulated host's DRAM that the NIC reaches by DMA, at a
 * 64-bit bus address, and its allocator (prefix hm_). Owned by the platform (model/); the
 * driver allocates its rings and buffers through drv_mem_if (driver/drv.h), which
 * hm_driver_if() provides. Pages are mapped lazily: only the bytes the driver allocates are
 * ever touched, so a large host.memory_mb costs nothing up front. Plain C, no global state. */
#ifndef NICSIM_HOSTMEM_H
#define NICSIM_HOSTMEM_H
#include <stddef.h>
#include <stdint.h>

#include "drv.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct hm_region hm_region;

/* Maps size bytes (zero-filled on first touch) at bus address dma_base. Returns 0, or -1 with a
 * one-line message when the host cannot provide the mapping or the bus addresses would wrap. */
int hm_open(hm_region **out, uint64_t dma_base, uint64_t size, char *err, size_t errlen);
void hm_close(hm_region *m); /* NULL is accepted */

/* size bytes whose bus address is aligned to align (a power of two), zeroed: the host pointer,
 * and the bus address in *dma; NULL when the region is exhausted or align is not a power of
 * two. Bump allocation: memory is given back only by hm_rewind. */
void *hm_alloc(hm_region *m, uint64_t size, uint64_t align, uint64_t *dma);
uint64_t hm_mark(const hm_region *m);      /* the allocator's state */
void hm_rewind(hm_region *m, uint64_t mark); /* frees everything allocated after mark */

/* Pointer to [dma, dma+len) inside the region, or NULL if any byte lies outside it. */
void *hm_ptr(const hm_region *m, uint64_t dma, uint64_t len);
uint64_t hm_size(const hm_region *m);
uint64_t hm_dma_base(const hm_region *m);
uint64_t hm_used(const hm_region *m); /* bytes handed out (alignment padding included) */

/* The driver's view of the region. */
drv_mem_if hm_driver_if(hm_region *m);

#ifdef __cplusplus
}
#endif
#endif
