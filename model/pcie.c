#include "pcie.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Per-TLP cost on a PCIe link in bytes: 4-DW header with 64-bit address (16), sequence
 * number (2), LCRC (4), STP/END framing (2), plus an allowance of 8 for the ACK and
 * flow-control DLLPs each TLP causes (PCIe Base Specification 1.1 sections 2.2, 3.5, 4.2;
 * the accounting follows Neugebauer et al., "Understanding PCIe performance for end host
 * networking", SIGCOMM 2018). */
#define PCIE_TLP_OVERHEAD_BYTES 32u
/* A read request is a header-only TLP. */
#define PCIE_READ_REQ_BYTES 32u
/* PCI / PCI-X: address phase, turnaround and wait states per burst, in bus cycles
 * (PCI Local Bus Specification 3.0; PCI-X 2.0 attribute phase). */
#define PCI_BURST_OVERHEAD_CYCLES 8u

struct pcie_bus {
    pcie_config c;
    int shared;            /* PCI/PCI-X: one half-duplex bus */
    double ps_per_byte;    /* raw serialisation time of one byte */
    uint32_t bus_bytes;    /* PCI/PCI-X: bytes per bus cycle */
    uint64_t up_free_ps;   /* NIC -> host direction free from */
    uint64_t down_free_ps; /* host -> NIC direction free from */
    pcie_stats st;
    pcie_busy_fn busy_fn;  /* optional observer (pcie_set_busy_hook) */
    void *busy_user;
};

static void busy(pcie_bus *b, int dir, uint64_t start, uint64_t t)
{
    if (b->busy_fn && t)
        b->busy_fn(b->busy_user, dir, start, start + t);
}

void pcie_set_busy_hook(pcie_bus *b, pcie_busy_fn fn, void *user)
{
    b->busy_fn = fn;
    b->busy_user = user;
}

static const char *const link_names[PCIE_LINK_COUNT] = {"gen1", "gen2", "gen3", "pci-x", "pci"};

const char *pcie_link_name(int link)
{
    return link >= 0 && link < PCIE_LINK_COUNT ? link_names[link] : "?";
}

int pcie_link_from_name(const char *name)
{
    for (int i = 0; i < PCIE_LINK_COUNT; i++)
        if (strcmp(name, link_names[i]) == 0)
            return i;
    return -1;
}

void pcie_config_defaults(pcie_config *c)
{
    /* A 2006-era 10 GbE adapter: PCIe 1.1 x8 (see docs/cost-model.md, host bus). */
    c->link = PCIE_GEN1;
    c->lanes = 8;
    c->max_payload = 128;
    c->max_read_request = 512;
    c->read_latency_ns = 560;
    c->read_tags = 32;
    c->posted_buffer = 4096;
}

static int pow2_in(uint32_t v, uint32_t lo, uint32_t hi)
{
    return v >= lo && v <= hi && (v & (v - 1)) == 0;
}

int pcie_config_check(const pcie_config *c, char *err, size_t errlen)
{
    if (c->link < 0 || c->link >= PCIE_LINK_COUNT) {
        snprintf(err, errlen, "pcie.link: unknown bus");
        return -1;
    }
    if (c->link <= PCIE_GEN3 && (c->lanes < 1 || c->lanes > 16 || (c->lanes & (c->lanes - 1)))) {
        snprintf(err, errlen, "pcie.lanes: %d is not 1, 2, 4, 8 or 16", c->lanes);
        return -1;
    }
    if (!pow2_in(c->max_payload, 128, 4096)) {
        snprintf(err, errlen, "pcie.max_payload: %u is not a power of two in 128..4096", c->max_payload);
        return -1;
    }
    if (!pow2_in(c->max_read_request, 128, 4096)) {
        snprintf(err, errlen, "pcie.max_read_request: %u is not a power of two in 128..4096",
                 c->max_read_request);
        return -1;
    }
    if (c->read_tags < 1 || c->read_tags > 256) {
        snprintf(err, errlen, "pcie.read_tags: %u is not in 1..256", c->read_tags);
        return -1;
    }
    if (c->posted_buffer < 64) {
        snprintf(err, errlen, "pcie.posted_buffer: %u is below 64 bytes", c->posted_buffer);
        return -1;
    }
    return 0;
}

double pcie_raw_bps(const pcie_config *c)
{
    switch (c->link) {
    case PCIE_GEN1:
        return 2.5e9 * 8.0 / 10.0 * c->lanes; /* 8b/10b */
    case PCIE_GEN2:
        return 5.0e9 * 8.0 / 10.0 * c->lanes; /* 8b/10b */
    case PCIE_GEN3:
        return 8.0e9 * 128.0 / 130.0 * c->lanes; /* 128b/130b */
    case PCIE_PCIX:
        return 64.0 * 133.33e6; /* 64-bit, 133 MHz, shared by both directions */
    case PCIE_PCI:
    default:
        return 32.0 * 33.33e6; /* 32-bit, 33 MHz, shared */
    }
}

static uint64_t overhead_bytes(const pcie_bus *b, uint32_t bytes, uint32_t chunk)
{
    uint64_t n = (bytes + chunk - 1) / chunk;
    if (b->shared)
        return n * PCI_BURST_OVERHEAD_CYCLES * b->bus_bytes;
    return n * PCIE_TLP_OVERHEAD_BYTES;
}

double pcie_write_payload_bps(const pcie_config *c)
{
    pcie_bus *b = pcie_new(c);
    if (!b)
        return 0.0;
    uint32_t bytes = 1u << 20;
    double eff = (double)bytes / (double)(bytes + overhead_bytes(b, bytes, c->max_payload));
    pcie_free(b);
    return pcie_raw_bps(c) * eff;
}

pcie_bus *pcie_new(const pcie_config *c)
{
    pcie_bus *b = calloc(1, sizeof *b);
    if (!b)
        return NULL;
    b->c = *c;
    b->shared = c->link == PCIE_PCIX || c->link == PCIE_PCI;
    b->bus_bytes = c->link == PCIE_PCIX ? 8 : 4;
    b->ps_per_byte = 8.0 * 1e12 / pcie_raw_bps(c);
    return b;
}

void pcie_free(pcie_bus *b) { free(b); }

static uint64_t *up(pcie_bus *b) { return &b->up_free_ps; }
static uint64_t *down(pcie_bus *b) { return b->shared ? &b->up_free_ps : &b->down_free_ps; }

int pcie_write_ready(const pcie_bus *b, uint64_t now_ps)
{
    if (b->up_free_ps <= now_ps)
        return 1;
    double queued_bytes = (double)(b->up_free_ps - now_ps) / b->ps_per_byte;
    return queued_bytes < (double)b->c.posted_buffer;
}

uint64_t pcie_write(pcie_bus *b, uint64_t now_ps, uint32_t bytes)
{
    uint64_t wire = bytes + overhead_bytes(b, bytes, b->c.max_payload);
    uint64_t t = (uint64_t)((double)wire * b->ps_per_byte + 0.5);
    uint64_t *f = up(b);
    uint64_t start = *f > now_ps ? *f : now_ps;
    *f = start + t;
    b->st.up_busy_ps += t;
    busy(b, 0, start, t);
    b->st.write_bytes += bytes;
    b->st.write_tlps += (bytes + b->c.max_payload - 1) / b->c.max_payload;
    return *f;
}

uint64_t pcie_read(pcie_bus *b, uint64_t now_ps, uint32_t bytes, double *ps_per_byte)
{
    /* the request(s) travel up */
    uint32_t nreq = (bytes + b->c.max_read_request - 1) / b->c.max_read_request;
    uint64_t req_wire = b->shared ? (uint64_t)nreq * PCI_BURST_OVERHEAD_CYCLES * b->bus_bytes
                                  : (uint64_t)nreq * PCIE_READ_REQ_BYTES;
    uint64_t treq = (uint64_t)((double)req_wire * b->ps_per_byte + 0.5);
    uint64_t *u = up(b);
    uint64_t req_start = *u > now_ps ? *u : now_ps;
    *u = req_start + treq;
    b->st.up_busy_ps += treq;
    busy(b, 0, req_start, treq);
    /* the completions come down after the read latency (which includes the request's flight) */
    uint64_t wire = bytes + overhead_bytes(b, bytes, b->c.max_payload);
    uint64_t t = (uint64_t)((double)wire * b->ps_per_byte + 0.5);
    uint64_t *d = down(b);
    uint64_t ready = req_start + (uint64_t)b->c.read_latency_ns * 1000u;
    uint64_t start = *d > ready ? *d : ready;
    *d = start + t;
    b->st.down_busy_ps += t;
    busy(b, 1, start, t);
    b->st.read_bytes += bytes;
    b->st.read_requests += nreq;
    b->st.read_completion_tlps += (bytes + b->c.max_payload - 1) / b->c.max_payload;
    if (ps_per_byte)
        *ps_per_byte = bytes ? (double)t / (double)bytes : 0.0;
    return start;
}

void pcie_get_stats(const pcie_bus *b, pcie_stats *s) { *s = b->st; }
