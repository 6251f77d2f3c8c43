/* Host bus timing: PCIe (gen1/2/3, x1..x16), PCI-X 64-bit/133 MHz and PCI 32-bit/33 MHz.
 * Serves the NIC's DMA port inside the NIC's cycle loop: posted writes and split reads,
 * each direction with its own bandwidth (PCIe) or one shared half-duplex bus (PCI, PCI-X),
 * TLP overhead per max_payload / max_read_request chunk, read latency, read tags.
 * Plain C, prefix pcie_. Times in ps. */
#ifndef NICSIM_PCIE_H
#define NICSIM_PCIE_H
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

enum pcie_link { PCIE_GEN1 = 0, PCIE_GEN2, PCIE_GEN3, PCIE_PCIX, PCIE_PCI, PCIE_LINK_COUNT };

typedef struct pcie_config {
    int link;                   /* enum pcie_link */
    int lanes;                  /* PCIe lanes 1..16 (ignored for PCI/PCI-X) */
    uint32_t max_payload;       /* bytes per write/completion TLP (128..4096, power of two) */
    uint32_t max_read_request;  /* bytes per read request (128..4096, power of two) */
    uint32_t read_latency_ns;   /* request issue to first completion byte */
    uint32_t read_tags;         /* outstanding read requests the host accepts */
    uint32_t posted_buffer;     /* bytes of posted writes the link may queue before the NIC waits */
} pcie_config;

void pcie_config_defaults(pcie_config *c);
const char *pcie_link_name(int link);
int pcie_link_from_name(const char *name);  /* -1 if unknown */
/* One-line error for an impossible configuration; 0 if fine. */
int pcie_config_check(const pcie_config *c, char *err, size_t errlen);

/* Raw data rate of one direction in bits per second (after line coding). */
double pcie_raw_bps(const pcie_config *c);
/* Payload rate of long posted writes in bits per second (TLP and DLLP overhead counted). */
double pcie_write_payload_bps(const pcie_config *c);

typedef struct pcie_bus pcie_bus;

pcie_bus *pcie_new(const pcie_config *c);
void pcie_free(pcie_bus *b);

/* Posted write of `bytes` at now: 1 if the link accepts it now (its queue of posted data is
 * below posted_buffer), 0 if the NIC must wait. */
int pcie_write_ready(const pcie_bus *b, uint64_t now_ps);
/* Accounts a posted write burst issued at now; returns when its last byte has crossed. */
uint64_t pcie_write(pcie_bus *b, uint64_t now_ps, uint32_t bytes);
/* Read request for `bytes` issued at now: returns the time the first byte of the completion
 * data reaches the NIC; *bytes_ps receives the ps per completion byte that follows (the data
 * then streams at the link rate). */
uint64_t pcie_read(pcie_bus *b, uint64_t now_ps, uint32_t bytes, double *ps_per_byte);

typedef struct pcie_stats {
    uint64_t write_bytes, read_bytes;       /* payload */
    uint64_t write_tlps, read_requests, read_completion_tlps;
    uint64_t up_busy_ps, down_busy_ps;      /* serialisation time per direction (NIC→host = up) */
} pcie_stats;
void pcie_get_stats(const pcie_bus *b, pcie_stats *s);

/* Optional observer of bus occupancy: called with every stretch [start_ps, end_ps) one
 * direction (0 NIC->host, 1 host->NIC; PCI/PCI-X: reads 1, writes 0 on the one bus) is busy,
 * as it is scheduled. The stretches of a direction add up to its *_busy_ps. NULL: none. */
typedef void (*pcie_busy_fn)(void *user, int dir, uint64_t start_ps, uint64_t end_ps);
void pcie_set_busy_hook(pcie_bus *b, pcie_busy_fn fn, void *user);

#ifdef __cplusplus
}
#endif
#endif
