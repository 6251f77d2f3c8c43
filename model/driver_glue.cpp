// The environment of the C driver and host stack (model/driver_glue.h).
#include "driver_glue.h"

#include <cinttypes>
#include <algorithm>
#include <cstring>

namespace {

void glue_csr_write(void *ctx, uint32_t addr, uint32_t val)
{
    auto *g = static_cast<DriverGlue *>(ctx);
    CsrPath &csr = g->pf->csr;
    if (!csr.running) {
        g->nic->direct_csr_write(addr, val);
        return;
    }
    // Writes to a CPU's own receive queue and vector leave at the end of its driver call. The
    // transmit ring is shared by every CPU under the driver's lock: its doorbells leave in
    // program order at the time of the call, so they can never overtake one another.
    bool shared_tx_ring = addr >= NIC_REG_TXQ && addr < NIC_REG_TXQ + NIC_Q_BLOCK_BYTES;
    if (csr.defer && !shared_tx_ring) {
        csr.defer->push_back(CsrWrite{0, addr, val});
        return;
    }
    csr.queue.push_back(CsrWrite{sc_now_ps(), addr, val});
    csr.event->notify(sc_core::SC_ZERO_TIME);
}

uint32_t glue_csr_read(void *ctx, uint32_t addr)
{
    auto *g = static_cast<DriverGlue *>(ctx);
    if (!g->pf->csr.running) return g->nic->direct_csr_read(addr);
    g->pf->err = "driver read a NIC register during the run (not modelled)";
    return 0;
}

// The host capture (--host-pcap): the frame as the driver read it from host memory.
void dump_host_frame(Platform &pf, const drv_rx_frame *f)
{
    struct pcap_pkthdr h;
    uint64_t ns = ns_ns_from_ps(sc_now_ps());
    h.ts.tv_sec = (time_t)(ns / NS_NS_PER_S);
    h.ts.tv_usec = (suseconds_t)(ns % NS_NS_PER_S);  // nanosecond pcap
    h.caplen = h.len = f->len;
    pcap_dump((u_char *)pf.host_pcap, &h, f->data);
}

// Latency of a delivered frame: from its last bit on the wire (start, preamble and SFD, the
// frame padded to 60 bytes, FCS, at the link rate) to the moment the stack finished it: the
// driver call began at the current SystemC time, and the CPU has spent the cycles the stack
// booked to it since then (driver work before the frame included), hs_rx's own last.
void account_latency(Platform &pf, LogRow &r, const drv_rx_frame *f)
{
    int cpu = f->cpu >= 0 && f->cpu < NS_MAX_CPUS ? f->cpu : 0;
    uint64_t into = hs_cpu_cycles(pf.stack, cpu) - pf.call_cycles0[cpu];
    uint64_t done = ns_time_add(sc_now_ps(), ns_ps_from_real((double)into, 1e6 / pf.cost.v[HS_C_CPU_MHZ]));
    double ps_per_byte = 8.0 * 1000.0 / pf.cfg->link_gbps;
    uint32_t wire_bytes = 8 + std::max<uint32_t>(r.len, 60) + 4;
    uint64_t last_bit = ns_time_add(r.start_ps, ns_ps_from_real((double)wire_bytes, ps_per_byte));
    int64_t lat = (int64_t)(done - last_bit);
    r.has_latency = true;
    r.latency_ps = lat;
    pf.lat_all.add(lat);
    if (r.queue < pf.lat_queue.size()) pf.lat_queue[r.queue].add(lat);
    if (r.queue < NS_MAX_QUEUES) {
        pf.res->queue_stats[r.queue].frames++;
        pf.res->queue_stats[r.queue].bytes += r.len;
    }
    int64_t conn = hs_last_rx_conn(pf.stack);
    if (conn >= 0) {
        if ((uint64_t)conn >= pf.lat_conn.size()) pf.lat_conn.resize((size_t)conn + 1);
        pf.lat_conn[(size_t)conn].add(lat);
    }
    if (pf.ts) pf.ts->delivered(done, r.len);
    pf.frame_done(r.frame_no, done);
}

uint64_t glue_rx(void *user, const drv_rx_frame *f)
{
    auto *g = static_cast<DriverGlue *>(user);
    Platform &pf = *g->pf;
    LogRow *r = pf.log->take_delivered(f->queue);
    if (!r) {
        pf.err = "driver handed up a frame the NIC did not report";
        return 0;
    }
    if (r->len != f->len) {
        char b[160];
        snprintf(b, sizeof b, "frame %" PRIu64 ": NIC reported %u bytes, driver read %u", r->frame_no, r->len,
                 f->len);
        pf.err = b;
        return 0;
    }
    r->cpu = f->cpu;
    r->done = true;
    pf.frames_delivered++;
    pf.res->delivered_bytes += f->len;
    if (f->cpu >= 0 && f->cpu < NS_MAX_CPUS) pf.res->cpu_frames[f->cpu]++;
    if (pf.host_pcap) dump_host_frame(pf, f);
    hs_rx_frame hf;
    hf.data = f->data;
    hf.len = f->len;
    hf.hash = f->hash;
    hf.hash_type = f->hash_type;
    hf.csum = f->csum;
    hf.queue = f->queue;
    hf.cpu = f->cpu;
    uint64_t c = hs_rx(pf.stack, &hf, ns_ns_from_ps(sc_now_ps()));
    account_latency(pf, *r, f);
    return c;
}

// Driver operations are priced by the cost profile (the op names are profile keys) and booked
// into the stack's per-CPU, per-kind accounts.
uint64_t glue_cost(void *user, int cpu, int op, uint64_t count)
{
    auto *g = static_cast<DriverGlue *>(user);
    int kind = op == DRV_OP_ISR ? HS_K_INTERRUPT : op == DRV_OP_DPC ? HS_K_DPC : HS_K_DRIVER;
    uint64_t c = hs_cost_cycles(&g->pf->cost, drv_op_name(op), count);
    hs_charge(g->pf->stack, cpu, kind, c);
    return c;
}

}  // namespace

drv_hw_ops DriverGlue::hw_ops() { return drv_hw_ops{glue_csr_write, glue_csr_read, this}; }
drv_callbacks DriverGlue::callbacks() { return drv_callbacks{glue_rx, glue_cost, this}; }

uint64_t glue_tx(void *user, int cpu, const uint8_t *frame, uint32_t len)
{
    auto *pf = static_cast<Platform *>(user);
    int64_t c = drv_tx(pf->drv, cpu, frame, len);
    if (c < 0) {
        pf->tx_ring_full++;
        return 0;
    }
    return (uint64_t)c;
}
