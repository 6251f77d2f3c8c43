// The environment of the C driver and host stack (model/driver_glue.h).
#include "driver_glue.h"

#include <cinttypes>
#include <algorithm>
#include <cstring>

namespace {

// A posted register write during the run: at the end of the calling CPU's current call (its own
// registers), or now in program order (shared ones).
void post_csr(CsrPath &csr, uint32_t addr, uint32_t val, bool at_call_end)
{
    if (csr.defer && at_call_end) {
        csr.defer->push_back(CsrWrite{0, addr, val});
        return;
    }
    csr.queue.push_back(CsrWrite{sc_now_ps(), addr, val});
    csr.event->notify(sc_core::SC_ZERO_TIME);
}

void glue_csr_write(void *ctx, uint32_t addr, uint32_t val)
{
    auto *g = static_cast<DriverGlue *>(ctx);
    if (!g->pf->csr.running) {
        g->nic->direct_csr_write(addr, val);
        return;
    }
    // Writes to a CPU's own receive queue and vector leave at the end of its driver call. The
    // transmit ring is shared by every CPU under the driver's lock: its doorbells leave in
    // program order at the time of the call, so they can never overtake one another.
    bool shared_tx_ring = addr >= NIC_REG_TXQ && addr < NIC_REG_TXQ + NIC_Q_BLOCK_BYTES;
    post_csr(g->pf->csr, addr, val, !shared_tx_ring);
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
    // the capture's clock: its first frame's time plus the simulated time
    uint64_t ns = pf.host_pcap_t0_ns + ns_ns_from_ps(sc_now_ps());
    h.ts.tv_sec = (time_t)(ns / NS_NS_PER_S);
    h.ts.tv_usec = (suseconds_t)(ns % NS_NS_PER_S);  // nanosecond pcap
    h.caplen = h.len = f->len;
    pcap_dump((u_char *)pf.host_pcap, &h, f->data);
}

// Latency of a delivered frame: from its last bit on the wire (start, preamble and SFD, the
// frame padded to 60 bytes, FCS, at the link rate) to the moment the stack finished it: the
// driver call began at the current SystemC time, and the CPU has spent the cycles the stack
// booked to it since then (driver work before the frame included), hs_rx's own last.
// Now, inside the driver or stack call running on cpu: the call's start (the current SystemC
// time) plus the cycles the stack booked to the CPU since it began.
uint64_t call_time_ps(Platform &pf, int cpu)
{
    cpu = cpu >= 0 && cpu < NS_MAX_CPUS ? cpu : 0;
    uint64_t into = hs_cpu_cycles(pf.stack, cpu) - pf.call_cycles0[cpu];
    return ns_time_add(sc_now_ps(), ns_ps_from_real((double)into, 1e6 / pf.cost.v[HS_C_CPU_MHZ]));
}

// A stream position (64 bits) of a connection's 32-bit sequence number, near the last one seen.
uint64_t unwrap_seq(Platform::ConnApp &c, uint32_t seq)
{
    if (!c.have_ref) {
        c.have_ref = true;
        c.ref32 = seq;
        c.ref64 = UINT64_C(1) << 40;
    }
    uint64_t v = c.ref64 + (uint64_t)(int64_t)(int32_t)(seq - c.ref32);
    c.ref32 = seq;
    c.ref64 = v;
    return v;
}

Platform::ConnApp &conn_app(Platform &pf, uint64_t conn, uint32_t incarnation)
{
    if (conn >= pf.app_conn.size()) pf.app_conn.resize((size_t)conn + 1);
    Platform::ConnApp &c = pf.app_conn[(size_t)conn];
    if (incarnation != c.incarnation) {
        // re-opened by a new SYN: what the old byte stream still owed is never consumed
        for (auto &e : c.pending)
            if (LogRow *row = pf.log->row(e.second.row)) row->app_wait = false;
        c.pending.clear();
        c.have_ref = false;
        c.incarnation = incarnation;
    }
    return c;
}

void app_latency(Platform &pf, uint64_t conn, const Platform::AppPending &p, uint64_t t_ps)
{
    int64_t lat = (int64_t)(t_ps - p.last_bit_ps);
    pf.lat_app_all.add(lat);
    if (p.queue < pf.lat_app_queue.size()) pf.lat_app_queue[p.queue].add(lat);
    if (conn >= pf.lat_app_conn.size()) pf.lat_app_conn.resize((size_t)conn + 1);
    pf.lat_app_conn[(size_t)conn].add(lat);
    if (LogRow *row = pf.log->row(p.row)) {
        row->has_app_latency = true;
        row->app_latency_ps = lat;
        row->app_wait = false;
    }
}

// hs_config.app_consumed: the application consumed a connection's bytes up to seq.
void glue_consumed(void *user, uint64_t conn, uint32_t incarnation, uint32_t seq, int cpu)
{
    auto *pf = static_cast<Platform *>(user);
    Platform::ConnApp &c = conn_app(*pf, conn, incarnation);
    uint64_t end = unwrap_seq(c, seq), t = call_time_ps(*pf, cpu);
    pf->cons_events.push_back(Platform::ConsEvent{conn, end, t});
    while (!c.pending.empty() && c.pending.begin()->first <= end) {
        app_latency(*pf, conn, c.pending.begin()->second, t);
        c.pending.erase(c.pending.begin());
    }
}

// After hs_rx: a frame that brought new payload waits for the application to consume its last
// byte (which may already have happened inside this hs_rx call).
void register_app_frame(Platform &pf, uint64_t row_index, LogRow &r, uint64_t last_bit_ps)
{
    uint32_t end_seq, inc;
    int64_t conn = hs_last_rx_conn(pf.stack);
    if (conn < 0 || !hs_last_rx_data(pf.stack, &end_seq, &inc)) return;
    Platform::ConnApp &c = conn_app(pf, (uint64_t)conn, inc);
    uint64_t end = unwrap_seq(c, end_seq);
    Platform::AppPending p{last_bit_ps, row_index, r.queue};
    for (const auto &e : pf.cons_events)
        if (e.conn == (uint64_t)conn && e.end64 >= end) {
            app_latency(pf, (uint64_t)conn, p, e.t_ps);
            return;
        }
    r.app_wait = pf.log->writing();  // without a packet log, rows need not wait
    c.pending.emplace(end, p);
}

uint64_t account_latency(Platform &pf, LogRow &r, const drv_rx_frame *f)
{
    uint64_t done = call_time_ps(pf, f->cpu);
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
    return last_bit;
}

uint64_t glue_rx(void *user, const drv_rx_frame *f)
{
    auto *g = static_cast<DriverGlue *>(user);
    Platform &pf = *g->pf;
    uint64_t row_index = 0;
    LogRow *r = pf.log->take_delivered(f->queue, &row_index);
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
    hf.toe_flags = f->toe_flags;
    hf.toe_reason = f->toe_reason;
    hf.toe_slot = f->toe_slot;
    hf.dma = f->retain ? f->dma : 0;
    hf.rx_token = f->token;
    if (f->toe_flags) pf.res->toe_marked_frames++;
    pf.cons_events.clear();
    pf.cur_frame = r->frame_no;
    uint64_t c = hs_rx(pf.stack, &hf, ns_ns_from_ps(sc_now_ps()));
    if (f->retain && hs_last_rx_retained(pf.stack)) *f->retain = 1;
    uint64_t last_bit = account_latency(pf, *r, f);
    register_app_frame(pf, row_index, *r, last_bit);
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

// A TOE event from the DPC (command completion, buffer done, upload request) to the stack.
uint64_t glue_toe_event(void *user, const drv_toe_event *ev)
{
    auto *g = static_cast<DriverGlue *>(user);
    hs_toe_ev h;
    std::memset(&h, 0, sizeof h);
    h.kind = ev->kind == DRV_TOE_EV_CMD ? HS_TOE_EV_CMD : ev->kind == DRV_TOE_EV_BUF ? HS_TOE_EV_BUF : HS_TOE_EV_UPREQ;
    h.cpu = ev->cpu;
    h.queue = ev->queue;
    h.slot = ev->slot;
    h.cookie = ev->cookie;
    h.op = ev->op;
    h.result = ev->result;
    h.state = ev->state;
    h.seq = ev->seq;
    h.bytes = ev->bytes;
    h.push = ev->push;
    h.rcv_nxt = ev->rcv_nxt;
    h.reason = ev->reason;
    return hs_toe_event(g->pf->stack, &h, ns_ns_from_ps(call_time_ps(*g->pf, ev->cpu)));
}

// A receive buffer given back to the NIC: the ownership checker's "source reused" watch.
void glue_reposted(void *user, uint64_t dma, uint32_t len)
{
    auto *g = static_cast<DriverGlue *>(user);
    if (g->pf->ck && g->pf->csr.running) nck_repost(g->pf->ck, dma, len, sc_now_ps());
}

}  // namespace

drv_hw_ops DriverGlue::hw_ops() { return drv_hw_ops{glue_csr_write, glue_csr_read, this}; }
drv_callbacks DriverGlue::callbacks()
{
    drv_callbacks cb;
    std::memset(&cb, 0, sizeof cb);
    cb.rx = glue_rx;
    cb.cost = glue_cost;
    cb.toe_event = glue_toe_event;
    cb.reposted = glue_reposted;
    cb.user = this;
    return cb;
}

// The driver books its own cycles to the stack's accounts (glue_cost), so the transmit and
// offload functions return 0 to the stack: charging what they return again would count them
// twice.
uint64_t glue_tx(void *user, int cpu, const uint8_t *frame, uint32_t len)
{
    auto *pf = static_cast<Platform *>(user);
    if (drv_tx(pf->drv, cpu, frame, len) < 0) pf->tx_ring_full++;
    return 0;
}

namespace {

int64_t toe_ret(int64_t c) { return c < 0 ? c : 0; }

int64_t glue_toe_offload(void *user, int cpu, int queue, const nic_toe_state *st, uint32_t cookie)
{
    return toe_ret(drv_toe_offload(static_cast<Platform *>(user)->drv, cpu, queue, st, cookie));
}

int64_t glue_toe_upload(void *user, int cpu, int queue, uint32_t slot, uint32_t cookie)
{
    return toe_ret(drv_toe_upload(static_cast<Platform *>(user)->drv, cpu, queue, slot, cookie));
}

int64_t glue_toe_post(void *user, int cpu, int queue, uint32_t slot, uint64_t dma, uint32_t len, uint32_t cookie)
{
    return toe_ret(drv_toe_post(static_cast<Platform *>(user)->drv, cpu, queue, slot, dma, len, cookie));
}

// Application receive buffers the NIC places into: host memory, recycled by size.
void *glue_buf_alloc(void *user, uint32_t bytes, uint64_t *dma)
{
    auto *pf = static_cast<Platform *>(user);
    auto &fl = pf->app_bufs[bytes];
    if (!fl.empty()) {
        auto b = fl.back();
        fl.pop_back();
        *dma = b.second;
        return b.first;
    }
    void *p = hm_alloc(pf->mem, bytes, 64, dma);
    if (p)
        pf->app_buf_dma[p] = *dma;
    else
        pf->app_buf_failed++;
    return p;
}

void glue_buf_free(void *user, void *p, uint32_t bytes)
{
    auto *pf = static_cast<Platform *>(user);
    if (!p) return;
    pf->app_bufs[bytes].emplace_back(p, pf->app_buf_dma[p]);
}

}  // namespace

namespace {

// ---- NetDMA: the copy engine's registers, the provider's callbacks, the stack's engine ----

void nd_csr_write(void *ctx, uint32_t addr, uint32_t val)
{
    auto *g = static_cast<DriverGlue *>(ctx);
    if (!g->pf->csr.running) {
        g->eng->direct_write(addr, val);
        return;
    }
    // a CPU's channel is its own: its doorbells leave at the end of the call, like the NIC's
    post_csr(g->pf->csr, addr | kEngineCsr, val, true);
}

uint32_t nd_csr_read(void *ctx, uint32_t addr)
{
    auto *g = static_cast<DriverGlue *>(ctx);
    if (!g->pf->csr.running) return g->eng->direct_read(addr);
    g->pf->err = "provider read a copy-engine register during the run (not modelled)";
    return 0;
}

uint64_t nd_done(void *user, int cpu, uint64_t cookie, int status, int by_irq)
{
    auto *g = static_cast<DriverGlue *>(user);
    Platform &pf = *g->pf;
    uint64_t t = call_time_ps(pf, cpu);
    if (pf.ck) {
        if (status == ND_DONE_OK)
            nck_done(pf.ck, cookie, t);
        else
            nck_cancel(pf.ck, cookie, t);  // the stack redoes it with the CPU
    }
    return hs_netdma_done(pf.stack, cpu, cookie, status, by_irq, ns_ns_from_ps(t));
}

uint64_t nd_cost(void *user, int cpu, int op, uint64_t count)
{
    auto *g = static_cast<DriverGlue *>(user);
    static const int key[ND_OP_COUNT] = {HS_C_DMA_DESC, HS_C_DOORBELL, HS_C_DMA_POLL, HS_C_DMA_COMPLETION,
                                         HS_C_ISR, HS_C_DPC};
    if (op < 0 || op >= ND_OP_COUNT) return 0;
    int kind = op == ND_OP_ISR ? HS_K_INTERRUPT : op == ND_OP_DPC ? HS_K_DPC : HS_K_NETDMA;
    return hs_charge_op(g->pf->stack, cpu, kind, hs_cost_key_name(key[op]), count);
}

// The stack's side. The provider charges its own cycles (nd_cost), so these return 0 to the
// stack, as the TOE commands do.
int64_t sn_copy(void *user, int cpu, uint64_t dst, uint64_t src, uint32_t len, uint64_t cookie, int want_irq)
{
    auto *pf = static_cast<Platform *>(user);
    int64_t c = nd_copy(pf->nd, cpu, dst, src, len, cookie, want_irq ? ND_F_INT : 0);
    if (c < 0) return c;
    if (pf->ck) nck_submit(pf->ck, cookie, pf->cur_frame, src, dst, len, call_time_ps(*pf, cpu));
    return 0;
}

uint64_t sn_flush(void *user, int cpu)
{
    nd_flush(static_cast<Platform *>(user)->nd, cpu);
    return 0;
}

uint64_t sn_poll(void *user, int cpu)
{
    nd_poll(static_cast<Platform *>(user)->nd, cpu);
    return 0;
}

uint64_t sn_rx_return(void *user, int cpu, uint32_t token)
{
    auto *pf = static_cast<Platform *>(user);
    int64_t c = drv_rx_return(pf->drv, cpu, token);
    if (c < 0) pf->fail("the stack returned a receive buffer the driver did not lend");
    return 0;
}

void sn_touch(void *user, int cpu, int kind, uint64_t dma, uint32_t len)
{
    auto *pf = static_cast<Platform *>(user);
    if (pf->ck) nck_cpu_access(pf->ck, dma, len, kind, call_time_ps(*pf, cpu));
}

}  // namespace

drv_hw_ops DriverGlue::nd_hw_ops() { return drv_hw_ops{nd_csr_write, nd_csr_read, this}; }
nd_callbacks DriverGlue::nd_cbs()
{
    nd_callbacks cb;
    std::memset(&cb, 0, sizeof cb);
    cb.done = nd_done;
    cb.cost = nd_cost;
    cb.user = this;
    return cb;
}

hs_netdma_if glue_netdma_if(Platform &pf, int channels)
{
    hs_netdma_if n;
    std::memset(&n, 0, sizeof n);
    n.channels = channels;
    n.copy = sn_copy;
    n.flush = sn_flush;
    n.poll = sn_poll;
    n.rx_return = sn_rx_return;
    n.buf_alloc = glue_buf_alloc;
    n.buf_free = glue_buf_free;
    n.touch = pf.ck ? sn_touch : nullptr;
    n.user = &pf;
    return n;
}

uint64_t glue_netdma_poll(Platform &pf, int cpu)
{
    if (!pf.nd) return 0;
    uint64_t c0 = hs_cpu_cycles(pf.stack, cpu);
    nd_poll(pf.nd, cpu);
    return hs_cpu_cycles(pf.stack, cpu) - c0;
}

void glue_cpu_memory(Platform &pf, uint64_t t0_ps)
{
    if (!pf.membus) return;
    uint64_t b = hs_mem_bytes(pf.stack);
    if (b > pf.cpu_mem_seen) mb_book(pf.membus, MB_CPU, t0_ps, b - pf.cpu_mem_seen);
    pf.cpu_mem_seen = b;
}

hs_toe_if glue_toe_if(Platform &pf)
{
    hs_toe_if t;
    std::memset(&t, 0, sizeof t);
    t.slots = pf.drv ? drv_toe_slots(pf.drv) : 0;
    t.offload = glue_toe_offload;
    t.upload = glue_toe_upload;
    t.post = glue_toe_post;
    t.buf_alloc = glue_buf_alloc;
    t.buf_free = glue_buf_free;
    t.user = &pf;
    return t;
}

void glue_app_consumed(void *user, uint64_t conn, uint32_t incarnation, uint32_t seq, int cpu)
{
    glue_consumed(user, conn, incarnation, seq, cpu);
}
