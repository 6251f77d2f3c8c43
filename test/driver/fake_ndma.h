/* A C model of the NetDMA copy engine's software-visible behaviour (docs/hw-interface.md,
 * "NetDMA copy engine"), to test driver/netdma.c without the RTL: the global and channel
 * registers, the v2 chain-and-count scheme (CHAINADDR + START, cumulative 16-bit DMACOUNT),
 * descriptor walking in host memory, byte copies, the status word (CMPL_WRITE), interrupts
 * (INT, master and channel enables, the channel's vector), the commands and error halts.
 *
 * Written from the contract, not from the provider: offsets are spelled out again here, so a
 * misreading on one side fails a test instead of agreeing with itself.
 *
 * Nothing happens by itself: the engine processes descriptors when the test calls
 * fake_ndma_run. Interrupt messages queue up and are taken with fake_ndma_next_irq. The
 * coalescing delay is recorded but not modelled (interrupts are raised at once).
 *
 * Besides the registers it checks the driver's side of the contract (writes to read-only or
 * unknown registers, commands not allowed in the state) and counts each violation. */
#ifndef NICSIM_FAKE_NDMA_H
#define NICSIM_FAKE_NDMA_H
#include "drv.h"
#include "fake_nic.h" /* fake_csr_write */

#include <stddef.h>
#include <stdint.h>

typedef struct fake_ndma fake_ndma;

/* An engine with `channels` channels (1..16) and XFERCAP xfercap serving DMA into
 * [mem, mem+size), which the bus sees at dma_base. */
fake_ndma *fake_ndma_new(int channels, uint32_t xfercap, uint8_t *mem, uint64_t dma_base, uint64_t size);
void fake_ndma_free(fake_ndma *f);
drv_hw_ops fake_ndma_hw_ops(fake_ndma *f);
/* Overrides a read-only identification register (ID, CHANCNT, XFERCAP). */
void fake_ndma_poke(fake_ndma *f, uint32_t addr, uint32_t val);
/* A register's value as the driver would read it, without counting a read. */
uint32_t fake_ndma_reg(const fake_ndma *f, uint32_t addr);

/* Writes the driver made, in order (the first 65536 are logged). */
size_t fake_ndma_write_count(const fake_ndma *f);
const fake_csr_write *fake_ndma_write_log(const fake_ndma *f);
size_t fake_ndma_writes_to(const fake_ndma *f, uint32_t addr);
void fake_ndma_clear_log(fake_ndma *f);
uint64_t fake_ndma_read_count(const fake_ndma *f);
unsigned fake_ndma_errors(const fake_ndma *f);
const char *fake_ndma_first_error(const fake_ndma *f);

/* Processes up to max_desc descriptors of channel c (all it may if max_desc < 0), stopping at
 * DMACOUNT or a halt. Returns the descriptors completed. */
int fake_ndma_run(fake_ndma *f, int c, int max_desc);
/* The channel halts with err_bits (NDMA_ERR_*) instead of processing the descriptor it reaches
 * when its completed count since START is at_count. One injection per channel; cleared when
 * it fires. */
void fake_ndma_inject(fake_ndma *f, int c, uint16_t at_count, uint32_t err_bits);
/* State NDMA_ST_* of channel c, its completed count, bytes copied by all channels. */
int fake_ndma_state(const fake_ndma *f, int c);
uint16_t fake_ndma_completed(const fake_ndma *f, int c);
uint64_t fake_ndma_bytes(const fake_ndma *f);
/* Descriptors processed by all channels. */
uint64_t fake_ndma_descriptors(const fake_ndma *f);
/* The oldest interrupt message (vector) not yet taken, or -1. */
int fake_ndma_next_irq(fake_ndma *f);

#endif
