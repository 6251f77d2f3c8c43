/* Host memory bandwidth, shared by every agent that moves bytes through the memory controller:
 * the NIC's DMA (after the PCIe link), the NetDMA copy engine's reads and writes, and the CPUs'
 * own copies, checksums and application reads. Plain C11, prefix mb_.
 *
 * The memory system serves B bytes per second in total (host.mem_gbps). Time is cut into
 * slots of MB_SLOT_PS; each slot holds B x MB_SLOT_PS bytes. A transfer of n bytes that may
 * start at t takes the free capacity of the slots from t on, in time order, and is done when
 * its last byte has a place: so agents share bandwidth in proportion to their demand, a busy
 * engine delays the NIC's DMA and vice versa, and an idle memory adds only n / B. Transfers may
 * be booked out of time order (each agent books at its own time; inside one slot bookings are
 * served in the order they are made, a 100 ns granularity); slots older than the
 * window behind the latest booking are forgotten and a booking in them starts at the window's
 * start. */
#ifndef NICSIM_MEMBUS_H
#define NICSIM_MEMBUS_H
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

enum mb_agent {
    MB_NIC_READ = 0,   /* the NIC's DMA reads (descriptors, transmit data) */
    MB_NIC_WRITE,      /* the NIC's DMA writes (frames, completions, placed data) */
    MB_ENGINE_READ,    /* the copy engine's reads (descriptors, sources) */
    MB_ENGINE_WRITE,   /* the copy engine's writes (destinations, completion words) */
    MB_CPU,            /* the CPUs' copies, checksums and application reads */
    MB_AGENTS
};
const char *mb_agent_name(int agent); /* "nic_read", "nic_write", "engine_read", "engine_write", "cpu" */

#define MB_SLOT_PS 100000ull /* 100 ns */
#define MB_SLOTS 65536       /* window: 6.55 ms */

typedef struct mb_bus mb_bus;

/* gbps: GB/s (10^9 bytes per second), > 0. NULL on allocation failure. */
mb_bus *mb_create(double gbps);
void mb_free(mb_bus *b);
/* Books n bytes for agent, ready to start at t_ps. Returns the time its last byte is served. */
uint64_t mb_book(mb_bus *b, int agent, uint64_t t_ps, uint64_t n);
/* Picoseconds per byte at full bandwidth. */
double mb_ps_per_byte(const mb_bus *b);
/* Bytes booked per agent, and the time bookings spent waiting for capacity beyond n / B. */
uint64_t mb_bytes(const mb_bus *b, int agent);
uint64_t mb_wait_ps(const mb_bus *b, int agent);

#ifdef __cplusplus
}
#endif
#endif
