/* Host memory region shared with the NIC's DMA, and its bump allocator. */
#include "drv.h"

#include <assert.h>
#include <string.h>

void drv_mem_init(drv_mem *m, uint8_t *base, uint64_t dma_base, uint64_t size)
{
    assert(m && "drv_mem_init: no region");
    assert((base || size == 0) && "drv_mem_init: a non-empty region needs bytes");
    assert(dma_base + size >= dma_base && "drv_mem_init: bus addresses wrap around");
    m->base = base;
    m->dma_base = dma_base;
    m->size = size;
    m->next = 0;
}

int drv_mem_alloc(drv_mem *m, uint64_t size, uint64_t align, uint64_t *dma)
{
    if (align == 0 || (align & (align - 1)) != 0)
        return -1;
    assert(m->next <= m->size && "drv_mem_alloc: allocator past the end of its region");
    /* Align the bus address (what the NIC sees), not the offset. */
    uint64_t addr = m->dma_base + m->next;
    uint64_t pad = (align - (addr & (align - 1))) & (align - 1);
    uint64_t room = m->size - m->next;
    if (pad > room || size > room - pad)
        return -1;
    uint64_t off = m->next + pad;
    if (size)
        memset(m->base + off, 0, (size_t)size);
    m->next = off + size;
    if (dma)
        *dma = m->dma_base + off;
    return 0;
}

void *drv_mem_ptr(const drv_mem *m, uint64_t dma, uint64_t len)
{
    if (dma < m->dma_base)
        return NULL;
    uint64_t off = dma - m->dma_base;
    if (off > m->size || len > m->size - off)
        return NULL;
    return m->base + off;
}
