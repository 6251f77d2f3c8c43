// ns_run: one simulation of the system, from the configuration to the results (the C ABI of
// model/nicsim_model.h). Builds the platform (host memory, bus, cost profile, host stack),
// elaborates the SystemC modules (trace source, NIC, CPUs) in a fresh simulation context,
// brings the NIC up through the driver, runs, and collects the results.
#include "Vnic_top_w512.h"
#include "Vnic_top_w64.h"

#include <cinttypes>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "driver_glue.h"
#include "host_cpu.h"
#include "nic.h"
#include "platform.h"
#include "sc_util.h"
#include "trace_source.h"

// libsystemc's own main() references sc_main; nicsim has its own main() and drives the
// kernel with sc_start(), so this entry point is never used.
int sc_main(int, char **) { return 1; }

namespace {

void add_counter(ns_counter *arr, int *n, const char *name, uint64_t v)
{
    if (*n < NS_MAX_COUNTERS) arr[(*n)++] = ns_counter{name, v};
}

void warn(ns_results *res, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void warn(ns_results *res, const char *fmt, ...)
{
    if (res->nwarnings >= NS_MAX_WARNINGS) return;
    int i = res->nwarnings++;
    va_list ap;
    va_start(ap, fmt);
    if (i == NS_MAX_WARNINGS - 1)
        snprintf(res->warnings[i], NS_WARNING_LEN, "further warnings were dropped");
    else
        vsnprintf(res->warnings[i], NS_WARNING_LEN, fmt, ap);
    va_end(ap);
}

void warn_line(void *ctx, const char *line) { warn(static_cast<ns_results *>(ctx), "%s", line); }

// The ownership checker's findings into the results.
void collect_violations(const nck *k, ns_results *res)
{
    nck_stats st;
    nck_get_stats(k, &st);
    res->netdma_checked = 1;
    res->netdma_violations = st.total;
    for (int i = 0; i < NS_NDCK_KINDS && i < NCK_KIND_COUNT; i++) res->netdma_violation_kind[i] = st.violations[i];
    size_t n = 0;
    const nck_violation *v = nck_violations(k, &n);
    for (size_t i = 0; i < n && res->nviolation_lines < NS_NDCK_LINES; i++)
        nck_format(&v[i], res->violation_lines[res->nviolation_lines++], NS_WARNING_LEN);
    if (st.total)
        warn(res, "NetDMA ownership check: %" PRIu64 " violation%s (netdma.check in the report)", st.total,
             st.total == 1 ? "" : "s");
}

// Elaborates and runs the system around a NIC of model class V. Returns 0 or -1 (pf.err).
template <class V> int run_width(Platform &pf, rp_replay *rp)
{
    ScContextGuard guard;
    sc_core::sc_report_handler::set_actions(sc_core::SC_INFO, sc_core::SC_DO_NOTHING);
    sc_core::sc_report_handler::set_actions(sc_core::SC_WARNING, sc_core::SC_DO_NOTHING);
    const ns_config &c = *pf.cfg;
    sc_core::sc_event csr_event("csr_event"), cpu_idle_event("cpu_idle_event");
    pf.csr.event = &csr_event;
    pf.cpu_idle_event = &cpu_idle_event;

    std::vector<HostCpu *> cpu_ptrs;
    std::vector<std::unique_ptr<HostCpu>> cpus;
    for (int i = 0; i < c.cpus; i++) {
        char n[32];
        snprintf(n, sizeof n, "cpu%d", i);
        cpus.emplace_back(new HostCpu(n, pf, i));
        cpu_ptrs.push_back(cpus.back().get());
    }
    auto source = std::make_unique<TraceSource>("trace_source", rp);
    auto nic = std::make_unique<Nic<V>>("nic", pf, cpu_ptrs);
    nic->src(*source);
    nic->total_frames = rp_total_frames(rp);
    if (!nic->open_wave(pf.err)) return -1;

    // Bring-up: reset, then the driver initialises the NIC through its registers.
    nic->reset();
    if (nic->direct_csr_read(NIC_REG_ID) != NIC_ID_VALUE) {
        pf.err = "NIC identification register mismatch";
        return -1;
    }
    drv_config dc;
    ns_driver_config(&c, &dc);
    DriverGlue glue{&pf, nic.get()};
    drv_hw_ops hw = glue.hw_ops();
    drv_callbacks cb = glue.callbacks();
    drv_mem_if mem = hm_driver_if(pf.mem);
    char derr[256];
    if (drv_open(&pf.drv, &dc, &hw, &mem, &cb, derr, sizeof derr) < 0) {
        pf.err = std::string("driver: ") + derr;
        return -1;
    }
    hs_toe_if toe = glue_toe_if(pf);
    hs_set_toe(pf.stack, &toe);

    // The NetDMA copy engine in the chipset, and its provider when the stack may use it.
    sc_core::sc_event nd_event("nd_event");
    pf.nd_event = &nd_event;
    std::unique_ptr<Engine> eng;
    if (ns_netdma_wanted(&c)) {  // the engine is built and its provider opened
        eng.reset(new Engine(pf));
        eng->reset();
        glue.eng = eng.get();
        nd_config ndc;
        ns_netdma_config(&c, &ndc);
        drv_hw_ops ndhw = glue.nd_hw_ops();
        nd_callbacks ndcb = glue.nd_cbs();
        if (nd_open(&pf.nd, &ndc, &ndhw, &mem, &ndcb, derr, sizeof derr) < 0) {
            pf.err = std::string("NetDMA provider: ") + derr;
            drv_close(pf.drv);
            pf.drv = nullptr;
            return -1;
        }
        for (int ch = 0; ch < nd_channels(pf.nd); ch++) {
            uint64_t a = (uint64_t)eng->direct_read(ndma_reg_ch(ch, NDMA_CH_CMPLADDR_LO)) |
                         (uint64_t)eng->direct_read(ndma_reg_ch(ch, NDMA_CH_CMPLADDR_HI)) << 32;
            eng->timing().cmpl_addrs.push_back(a);
            if (pf.ck) nck_allow(pf.ck, a, NDMA_CMPL_BYTES);
        }
        hs_netdma_if ndi = glue_netdma_if(pf, nd_channels(pf.nd));
        hs_set_netdma(pf.stack, &ndi);
        nic->set_engine(eng.get());
        pf.res->netdma_channels = nd_channels(pf.nd);
    }
    pf.csr.running = true;

    auto w0 = std::chrono::steady_clock::now();
    sc_core::sc_start();
    pf.res->wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - w0).count();
    pf.csr.running = false;
    if (source->failed() && pf.err.empty()) pf.err = source->error();
    if (!nic->finished() && pf.err.empty()) pf.err = "simulation stopped before the trace was replayed";
    uint64_t parsed = pf.res->frames_rx - nic->fifo_overflow() - nic->link_down_drops();
    if (pf.err.empty() && nic->csr_rx_frames() != (uint32_t)parsed) {
        char b[160];
        snprintf(b, sizeof b, "NIC counted %u frames but reported %" PRIu64, nic->csr_rx_frames(), parsed);
        pf.err = b;
    }
    ns_results &res = *pf.res;
    res.cpus = c.cpus;
    res.cpu_mhz = pf.cost.v[HS_C_CPU_MHZ];
    for (int i = 0; i < c.cpus && i < NS_MAX_CPUS; i++) res.cpu_busy_cycles[i] = cpus[i]->busy_cycles;
    res.nvectors = std::min(drv_vector_count(pf.drv), NS_MAX_VECTORS);
    res.tx_frames = nic->tx_frames();
    res.toe_acks = res.toe_nic_acks;
    res.tx_bytes = nic->tx_bytes();
    res.frames_delivered = pf.frames_delivered;
    res.frames_pending = pf.frames_pending;
    pcie_stats ps;
    pcie_get_stats(pf.bus, &ps);
    if (res.sim_time_ps) {
        res.pcie_write_busy_pct = 100.0 * (double)ps.up_busy_ps / (double)res.sim_time_ps;
        res.pcie_read_busy_pct = 100.0 * (double)ps.down_busy_ps / (double)res.sim_time_ps;
    }
    add_counter(res.drops, &res.ndrops, nic_fate_drop_key(NIC_FATE_FIFO_OVERFLOW), nic->fifo_overflow());
    add_counter(res.drops, &res.ndrops, nic_fate_drop_key(NIC_FATE_NO_DESC), pf.drop_no_desc);
    add_counter(res.drops, &res.ndrops, nic_fate_drop_key(NIC_FATE_CPL_FULL), pf.drop_cpl_full);
    add_counter(res.drops, &res.ndrops, nic_fate_drop_key(NIC_FATE_LINK_DOWN), nic->link_down_drops());
    pf.fifo_peak = nic->fifo_peak();
    drv_stats ds;
    drv_get_stats(pf.drv, &ds);
    if (pf.err.empty() && ds.bad_completion) pf.err = "driver found malformed completions";
    if (pf.nd) {
        nd_stats ns;
        nd_get_stats(pf.nd, &ns);
        res.netdma_descriptors = ns.descriptors;
        res.netdma_doorbells = ns.doorbells;
        res.netdma_polls = ns.polls;
        res.netdma_isr = ns.isr;
        res.netdma_dpc = ns.dpc;
        res.netdma_ring_full = ns.ring_full;
        res.netdma_errors = ns.errors;
        res.netdma_resets = ns.resets;
        res.netdma_cycles = eng->clocked();
        res.netdma_busy_cycles = eng->busy_cycles();
        res.netdma_engine_cycles = res.sim_time_ps / eng->period_ps();
        res.netdma_irqs = eng->irqs();
        res.netdma_cmpl_writes = eng->timing().cmpl_writes;
        res.netdma_wait_ps = pf.nd_wait_ps;
        nd_close(pf.nd);
        pf.nd = nullptr;
    }
    drv_close(pf.drv);
    pf.drv = nullptr;
    return pf.err.empty() ? 0 : -1;
}

// The cost profile named by the configuration: built in, or a file.
int load_cost(const ns_config *cfg, hs_cost *cost, char *err, size_t errlen)
{
    char cerr[512];
    const char *prof = cfg->cost_profile[0] ? cfg->cost_profile : "xeon-2006";
    int rc = strchr(prof, '/') || strstr(prof, ".profile") ? hs_cost_load(cost, prof, cerr, sizeof cerr)
                                                           : hs_cost_builtin(cost, prof, cerr, sizeof cerr);
    if (rc < 0) {
        snprintf(err, errlen, "host.cost_profile: %s", cerr);
        return -2;
    }
    if (cfg->cpu_mhz > 0) cost->v[HS_C_CPU_MHZ] = cfg->cpu_mhz;
    return 0;
}

int check_config(const ns_config *cfg, char *err, size_t errlen)
{
    if (cfg->data_width != 64 && cfg->data_width != 512) {
        snprintf(err, errlen, "nic.data_width %d is not built (64 or 512)", cfg->data_width);
        return -2;
    }
    if (!cfg->trace_path) {
        snprintf(err, errlen, "no trace given");
        return -2;
    }
    if (pcie_config_check(&cfg->pcie, err, errlen) < 0) return -2;
    // clock_mhz, link_gbps, cpu_mhz, ... in the ranges that keep the ps conversions exact
    if (ns_config_check(cfg, err, errlen) < 0) return -2;
    if (!(cfg->clock_mhz > 0) || !(cfg->link_gbps > 0)) {
        snprintf(err, errlen, "nic.clock_mhz and nic.link_gbps must be set (ns_config_finalize)");
        return -2;
    }
    if (cfg->cpus < 1 || cfg->cpus > NS_MAX_CPUS) {
        snprintf(err, errlen, "host.cpus %d is not in 1..%d", cfg->cpus, NS_MAX_CPUS);
        return -2;
    }
    return 0;
}

// The capture's real receiver's largest window on a connection (hs_config.peer_window).
uint64_t glue_peer_window(void *user, const hs_conn_id *k)
{
    return rp_peer_window(static_cast<const rp_replay *>(user), k->family, k->src, k->sport, k->dst, k->dport);
}

// The host stack for the run: the configuration's [tcpip]/[app] settings, plus what the model
// knows (CPUs, checksum offload, RSS key, the host's addresses from the capture).
int open_stack(Platform &pf, rp_replay *rp, char *err, size_t errlen)
{
    const ns_config *cfg = pf.cfg;
    hs_config hc = cfg->stack;
    hc.cpus = cfg->cpus;
    hc.csum_offload = cfg->csum_offload;
    memcpy(hc.rss_key, cfg->rss_key, sizeof hc.rss_key);
    hc.streams_dir = cfg->streams_dir;
    hc.app_consumed = glue_app_consumed;  // application latency
    hc.consumed_user = &pf;
    hc.peer_window = glue_peer_window;  // bounds out-of-order data by the real receiver's window
    hc.peer_window_user = rp;
    ns_addr hosts[NS_MAX_HOSTS];
    hc.host_count = rp_hosts(rp, hosts, NS_MAX_HOSTS);
    for (int i = 0; i < hc.host_count && i < HS_MAX_HOSTS; i++) {
        hc.hosts[i].family = hosts[i].family;
        memcpy(hc.hosts[i].a, hosts[i].a, 16);
    }
    char cerr[512];
    if (hs_create(&pf.stack, &hc, &pf.cost, glue_tx, &pf, cerr, sizeof cerr) < 0) {
        snprintf(err, errlen, "host stack: %s", cerr);
        return -2;
    }
    return 0;
}

// What the capture and the replay say about the run, once it is over.
void collect_trace(const ns_config *cfg, rp_replay *rp, const Platform &pf, ns_results *res)
{
    snprintf(res->host, sizeof res->host, "%s", rp_host_desc(rp));
    res->linktype = tr_linktype(rp_trace(rp));
    snprintf(res->linktype_name, sizeof res->linktype_name, "%s", tr_linktype_name(rp_trace(rp)));
    const tr_stats *ps = rp_pass_stats(rp);
    res->records = ps->records * cfg->loop;
    if (cfg->replay_limit || cfg->replay_duration_ps) res->records = rp_records_read(rp);  // may stop early
    res->filtered = rp_filtered(rp);
    res->from_host = rp_from_host(rp);
    res->not_for_host = rp_not_for_host(rp);
    res->queues = cfg->rss_queues;
    add_counter(res->trace, &res->ntrace, "records", ps->records);
    add_counter(res->trace, &res->ntrace, "frames", ps->frames);
    add_counter(res->trace, &res->ntrace, "truncated", ps->truncated);
    add_counter(res->trace, &res->ntrace, "resegmented", ps->resegmented);
    add_counter(res->trace, &res->ntrace, "segments", ps->segments);
    add_counter(res->trace, &res->ntrace, "oversize_dropped", ps->oversize_dropped);
    add_counter(res->trace, &res->ntrace, "unsupported", ps->unsupported);
    add_counter(res->trace, &res->ntrace, "other_linktype", ps->other_linktype);
    add_counter(res->trace, &res->ntrace, "csum_partial", ps->csum_partial);
    add_counter(res->trace, &res->ntrace, "csum_repaired", ps->csum_repaired);
    add_counter(res->trace, &res->ntrace, "jumbo", ps->jumbo);
    add_counter(res->trace, &res->ntrace, "ts_backwards", ps->ts_backwards);
    add_counter(res->trace, &res->ntrace, "cut_short", ps->cut_short);
    add_counter(res->trace, &res->ntrace, "filtered", ps->filtered);
    add_counter(res->trace, &res->ntrace, "mac_fifo_peak_bytes", pf.fifo_peak);
    if (cfg->wave_path && cfg->wave_from_ps > res->sim_time_ps)
        warn(res, "--wave-from is after the end of the simulation (%" PRIu64 " ns); %s holds no activity",
             ns_ns_from_ps(res->sim_time_ps), cfg->wave_path);
    for (int i = (int)res->events_fired; i < cfg->nevents; i++)
        warn(res, "[events] %" PRIu64 " ns '%s': after the last frame of the trace; not fired",
             ns_ns_from_ps(cfg->events[i].at_ps), ns_event_name(cfg->events[i].kind));
    // the capture's and the replay's warnings (truncated records among them)
    rp_warnings(rp, warn_line, res);
}

void bus_busy(void *user, int dir, uint64_t start_ps, uint64_t end_ps)
{
    auto *pf = static_cast<Platform *>(user);
    if (pf->ts) pf->ts->bus_busy(dir, start_ps, end_ps);
}

// Latency summaries and the per-queue CPU cycles, once the run is over.
void summarize_latency(Platform &pf, ns_results *res)
{
    pf.lat_all.summarize(&res->latency);
    pf.lat_app_all.summarize(&res->app_latency);
    for (int q = 0; q < NS_MAX_QUEUES; q++) {
        pf.lat_queue[(size_t)q].summarize(&res->queue_stats[q].latency);
        pf.lat_app_queue[(size_t)q].summarize(&res->queue_stats[q].app_latency);
        if (q < NS_MAX_VECTORS) res->queue_stats[q].cycles = pf.vector_cycles[q];
    }
}

// The stack's connections with their frames' latency (before hs_close frees them).
bool collect_conns(Platform &pf, ns_results *res)
{
    uint64_t n = hs_conn_count(pf.stack);
    if (!n) return true;
    std::vector<hs_conn_stats> st((size_t)n);
    n = hs_conn_stats_get(pf.stack, st.data(), n);
    res->conns = static_cast<ns_conn_result *>(calloc((size_t)n, sizeof *res->conns));
    if (!res->conns) return false;
    res->nconns = n;
    for (uint64_t i = 0; i < n; i++) {
        res->conns[i].st = st[(size_t)i];
        uint64_t idx = st[(size_t)i].index;
        if (idx < pf.lat_conn.size()) pf.lat_conn[(size_t)idx].summarize(&res->conns[i].latency);
        if (idx < pf.lat_app_conn.size()) pf.lat_app_conn[(size_t)idx].summarize(&res->conns[i].app_latency);
    }
    return true;
}

// --wave-frame N: the waveform starts a margin before frame N's first bit (its first
// segment, first pass), found by a replay of its own over the same capture.
int wave_frame_window(const ns_config *cfg, uint64_t *from_ps, char *err, size_t errlen)
{
    rp_replay *rp = nullptr;
    int rc = rp_open(&rp, cfg, err, errlen);
    if (rc < 0) return rc;
    rp_frame f;
    while ((rc = rp_next(rp, &f, err, errlen)) > 0) {
        if (f.f.frame_no == cfg->wave_frame && f.pass == 0) break;
        if (f.pass > 0) {
            rc = 0;
            break;
        }
    }
    rp_close(rp);
    if (rc < 0) return rc;
    if (rc == 0) {
        snprintf(err, errlen,
                 "--wave-frame %" PRIu64 ": record %" PRIu64 " of %s is not fed to the NIC (sent by the host, not "
                 "for it, filtered, past a replay limit, or beyond the end of the capture)",
                 cfg->wave_frame, cfg->wave_frame, cfg->trace_path);
        return -2;
    }
    *from_ps = f.start_ps > Platform::kWaveFrameMarginPs ? f.start_ps - Platform::kWaveFrameMarginPs : 0;
    return 0;
}

}  // namespace

extern "C" int ns_run(const ns_config *cfg, ns_results *res, char *err, size_t errlen)
{
    std::memset(res, 0, sizeof *res);
    setenv("SYSTEMC_DISABLE_COPYRIGHT_MESSAGE", "1", 0);
    int rc = check_config(cfg, err, errlen);
    if (rc < 0) return rc;

    Platform pf;
    pcap_t *host_pcap_dead = nullptr, *tx_pcap_dead = nullptr;
    rp_replay *rp = nullptr;
    pf.cfg = cfg;
    pf.res = res;
    pf.log.reset(new PacketLog(cfg->packet_log, NS_MAX_QUEUES));
    rc = rp_open(&rp, cfg, err, errlen);
    if (rc < 0) {
        rc = -2;  // the trace cannot be read as a capture: bad input, not a failed run
        goto out;
    }
    pf.wave_from_ps = cfg->wave_from_ps;
    pf.wave_to_ps = cfg->wave_to_ps;
    if (cfg->wave_path && cfg->wave_frame) {
        rc = wave_frame_window(cfg, &pf.wave_from_ps, err, errlen);
        if (rc < 0) goto out;
        pf.wave_to_ps = 0;  // until the frame is done (Platform::frame_done)
    }
    rc = hm_open(&pf.mem, Platform::kDmaBase, ((uint64_t)cfg->memory_mb << 20) + ns_toe_buffer_bytes(cfg), err,
                 errlen);
    if (rc < 0) {
        size_t n = strlen(err);
        if (ns_toe_buffer_bytes(cfg) && n + 1 < errlen)
            snprintf(err + n, errlen - n, " (host.memory_mb %u + %" PRIu64 " MiB of application buffers "
                     "that offloaded connections post to the NIC)", (unsigned)cfg->memory_mb,
                     ns_toe_buffer_bytes(cfg) >> 20);
        goto out;
    }
    pf.bus = pcie_new(&cfg->pcie);
    pf.membus = mb_create(cfg->mem_gbps);
    if (!pf.membus) {
        snprintf(err, errlen, "out of memory (host memory model)");
        rc = -1;
        goto out;
    }
    if (cfg->netdma_check && ns_netdma_wanted(cfg)) {
        pf.ck = nck_create();
        if (!pf.ck) {
            snprintf(err, errlen, "out of memory (NetDMA ownership checker)");
            rc = -1;
            goto out;
        }
    }
    pf.host_pcap_t0_ns = rp_start_ts_ns(rp);
    if (cfg->host_pcap) {
        host_pcap_dead = pcap_open_dead_with_tstamp_precision(DLT_EN10MB, 262144, PCAP_TSTAMP_PRECISION_NANO);
        pf.host_pcap = host_pcap_dead ? pcap_dump_open(host_pcap_dead, cfg->host_pcap) : nullptr;
        if (!pf.host_pcap) {
            snprintf(err, errlen, "%s: cannot write host capture", cfg->host_pcap);
            rc = -1;
            goto out;
        }
    }
    if (cfg->tx_pcap) {
        tx_pcap_dead = pcap_open_dead_with_tstamp_precision(DLT_EN10MB, 262144, PCAP_TSTAMP_PRECISION_NANO);
        pf.tx_pcap = tx_pcap_dead ? pcap_dump_open(tx_pcap_dead, cfg->tx_pcap) : nullptr;
        if (!pf.tx_pcap) {
            snprintf(err, errlen, "%s: cannot write transmit capture", cfg->tx_pcap);
            rc = -1;
            goto out;
        }
    }
    rc = load_cost(cfg, &pf.cost, err, errlen);
    if (rc < 0) goto out;
    rc = open_stack(pf, rp, err, errlen);
    if (rc < 0) goto out;
    pf.log->header();
    if (cfg->stats_interval_ps && cfg->stats_out) {
        pf.ts.reset(new TimeSeries(cfg->stats_out, cfg->stats_interval_ps, cfg->cpus));
        pf.ts->header();
        pcie_set_busy_hook(pf.bus, bus_busy, &pf);
    }
    try {
        rc = cfg->data_width == 64 ? run_width<Vnic_top_w64>(pf, rp) : run_width<Vnic_top_w512>(pf, rp);
    } catch (const std::exception &e) {
        pf.err = std::string("simulation kernel: ") + e.what();
        rc = -1;
    }
    if (pf.ts) {
        pf.ts->finish(res->sim_time_ps);
        res->stats_rows = pf.ts->rows();
        if (pf.ts->late() && rc == 0) {
            pf.err = "internal: time series events arrived after their interval was written";
            rc = -1;
        }
        if (fflush(cfg->stats_out) != 0 && rc == 0) {
            pf.err = "cannot write the time series (--stats-out)";
            rc = -1;
        }
    }
    summarize_latency(pf, res);
    {
        // finish first (queued data handed over uncharged, streams written), so the stats carry
        // the end-of-run counters (close_*, stream_bytes_written); the CPU cycles are final
        char serr[512];
        int frc = hs_finish(pf.stack, serr, sizeof serr);
        hs_get_stats(pf.stack, &res->stack);
        if (!collect_conns(pf, res) && rc == 0) {
            pf.err = "out of memory (connection statistics)";
            rc = -1;
        }
        if (frc < 0 && rc == 0) {
            pf.err = std::string("host stack: ") + serr;
            rc = -1;
        }
    }
    snprintf(res->cost_profile_name, sizeof res->cost_profile_name, "%s", pf.cost.name);
    res->tx_ring_full = pf.tx_ring_full;
    if (rc == 0 && pf.dma_errors) {
        snprintf(err, errlen, "NIC accessed %" PRIu64 " bytes outside host memory", pf.dma_errors);
        rc = -1;
    } else if (rc < 0) {
        snprintf(err, errlen, "%s", pf.err.c_str());
    }
    if (rc == 0) collect_trace(cfg, rp, pf, res);
out:
    if (pf.host_pcap) pcap_dump_close(pf.host_pcap);
    if (pf.tx_pcap) pcap_dump_close(pf.tx_pcap);
    if (host_pcap_dead) pcap_close(host_pcap_dead);
    if (tx_pcap_dead) pcap_close(tx_pcap_dead);
    if (pf.stack) {
        char serr[512];
        hs_close(pf.stack, serr, sizeof serr);  // finished above: nothing left to report
    }
    pcie_free(pf.bus);
    if (pf.membus) {
        res->mem_gbps = cfg->mem_gbps;
        for (int a = 0; a < NS_MEM_AGENTS; a++) {
            res->mem_bytes[a] = mb_bytes(pf.membus, a);
            res->mem_wait_ps[a] = mb_wait_ps(pf.membus, a);
        }
        mb_free(pf.membus);
    }
    if (pf.app_buf_failed)
        warn(res, "host memory had no room for %" PRIu64 " application buffers: those connections' data was copied by "
             "the CPU (NetDMA) or not placed by the NIC (Chimney); raise [host] memory_mb", pf.app_buf_failed);
    if (pf.ck) {
        collect_violations(pf.ck, res);
        nck_free(pf.ck);
    }
    hm_close(pf.mem);
    rp_close(rp);
    return rc;
}
