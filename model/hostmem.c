/* Host memory region and its bump allocator (model/hostmem.h). */
#include "hostmem.h"

#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

struct hm_region {
    uint8_t *base;     /* the region's bytes (an anonymous mapping) */
    uint64_t dma_base; /* bus address of base[0] */
    uint64_t size;
    uint64_t next;     /* allocator: next free offset */
};

int hm_open(hm_region **out, uint64_t dma_base, uint64_t size, char *err, size_t errlen)
{
    int rc = -1;
    hm_region *m = NULL;
    *out = NULL;
    if (size == 0 || dma_base + size < dma_base || size > (uint64_t)SIZE_MAX) {
        snprintf(err, errlen, "host memory: %llu bytes at bus address 0x%llx do not fit the bus",
                 (unsigned long long)size, (unsigned long long)dma_base);
        goto out;
    }
    m = calloc(1, sizeof *m);
    if (!m) {
        snprintf(err, errlen, "host memory: out of memory");
        goto out;
    }
    /* Anonymous pages are zero and only take host memory once touched. */
    void *p = mmap(NULL, (size_t)size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
                   -1, 0);
    if (p == MAP_FAILED) {
        snprintf(err, errlen, "host memory: cannot map %llu MiB: %s", (unsigned long long)(size >> 20),
                 strerror(errno));
        goto out;
    }
    m->base = p;
    m->dma_base = dma_base;
    m->size = size;
    *out = m;
    m = NULL;
    rc = 0;
out:
    free(m);
    return rc;
}

void hm_close(hm_region *m)
{
    if (!m)
        return;
    munmap(m->base, (size_t)m->size);
    free(m);
}

void *hm_alloc(hm_region *m, uint64_t size, uint64_t align, uint64_t *dma)
{
    if (align == 0 || (align & (align - 1)) != 0)
        return NULL;
    assert(m->next <= m->size && "hm_alloc: allocator past the end of its region");
    /* Align the bus address (what the NIC sees), not the offset. */
    uint64_t addr = m->dma_base + m->next;
    uint64_t pad = (align - (addr & (align - 1))) & (align - 1);
    uint64_t room = m->size - m->next;
    if (pad > room || size > room - pad)
        return NULL;
    uint64_t off = m->next + pad;
    if (size)
        memset(m->base + off, 0, (size_t)size);
    m->next = off + size;
    if (dma)
        *dma = m->dma_base + off;
    return m->base + off;
}

uint64_t hm_mark(const hm_region *m) { return m->next; }

void hm_rewind(hm_region *m, uint64_t mark)
{
    assert(mark <= m->next && "hm_rewind: mark is after the allocator's state");
    m->next = mark;
}

void *hm_ptr(const hm_region *m, uint64_t dma, uint64_t len)
{
    if (dma < m->dma_base)
        return NULL;
    uint64_t off = dma - m->dma_base;
    if (off > m->size || len > m->size - off)
        return NULL;
    return m->base + off;
}

uint64_t hm_size(const hm_region *m) { return m->size; }
uint64_t hm_dma_base(const hm_region *m) { return m->dma_base; }
uint64_t hm_used(const hm_region *m) { return m->next; }

static void *hm_if_alloc(void *ctx, uint64_t size, uint64_t align, uint64_t *dma)
{
    return hm_alloc(ctx, size, align, dma);
}
static uint64_t hm_if_mark(void *ctx) { return hm_mark(ctx); }
static void hm_if_rewind(void *ctx, uint64_t mark) { hm_rewind(ctx, mark); }

drv_mem_if hm_driver_if(hm_region *m)
{
    drv_mem_if i = {hm_if_alloc, hm_if_mark, hm_if_rewind, m};
    return i;
}
