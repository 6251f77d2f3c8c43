// nicsim simulated system: SystemC owns time; the Verilated NIC (--cc) is clocked in a tight
// loop inside the Nic module, synchronising with SystemC once per quantum (temporal
// decoupling) and jumping over idle gaps (idle skipping: cost follows activity).
// Verilator's headers first: with SystemC already included they would expect a SystemC
// time source (--sc models); this model is --cc and gets time from the Nic module.
#include "Vnic_top_w512.h"
#include "Vnic_top_w64.h"
#include "verilated.h"
#include "verilated_fst_c.h"

#include <systemc>

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <deque>
#include <memory>
#include <string>
#include <type_traits>

extern "C" {
#include "nicsim_model.h"
#include "replay.h"
#include "rss.h"
}
#include "wave.h"

// libsystemc's own main() references sc_main; nicsim has its own main() and drives the
// kernel with sc_start(), so this entry point is never used.
int sc_main(int, char **) { return 1; }

namespace {

// One conversion point for simulated time units.
constexpr uint64_t kPsPerNs = 1000;

// CSR map of nic_top (see rtl/nic_csr.v and docs/architecture.md).
constexpr uint32_t kCsrId = 0x000;
constexpr uint32_t kCsrWidth = 0x004;
constexpr uint32_t kCsrCtrl = 0x008;
constexpr uint32_t kCsrHashTypes = 0x00C;
constexpr uint32_t kCsrTableMask = 0x010;
constexpr uint32_t kCsrKey = 0x040;
constexpr uint32_t kCsrTable = 0x100;
constexpr uint32_t kCsrStatRxFrames = 0x200;
constexpr uint32_t kNicId = 0x4E494353u;

// Results of one frame through the receive pipeline, in arrival order.
struct FedFrame {
    uint64_t frame_no;
    uint64_t start_ps;
};

// Source of frames with wire arrival times: the replay (pcap reader + pacing + host filter)
// wrapped as a SystemC module that the Nic pulls from through a port.
class FrameSourceIf : virtual public sc_core::sc_interface {
  public:
    // Peek at the next frame; false at the end of the trace or on error.
    virtual bool peek(const rp_frame **f) = 0;
    virtual void pop() = 0;
    virtual bool failed() const = 0;
};

class TraceSource : public sc_core::sc_module, public FrameSourceIf {
  public:
    TraceSource(sc_core::sc_module_name name, rp_replay *rp) : sc_module(name), rp_(rp) {}
    bool peek(const rp_frame **f) override
    {
        if (!have_ && !done_) {
            int rc = rp_next(rp_, &cur_, err_, sizeof err_);
            if (rc > 0) {
                have_ = true;
                // copy the bytes: the reader's buffer is reused on the next call
                buf_.assign(cur_.f.data, cur_.f.data + cur_.f.len);
                cur_.f.data = buf_.data();
            } else {
                done_ = true;
                failed_ = rc < 0;
            }
        }
        *f = have_ ? &cur_ : nullptr;
        return have_;
    }
    void pop() override { have_ = false; }
    bool failed() const override { return failed_; }
    const char *error() const { return err_; }

  private:
    rp_replay *rp_;
    rp_frame cur_{};
    std::vector<uint8_t> buf_;
    bool have_ = false, done_ = false, failed_ = false;
    char err_[512] = {0};
};

// A frame sitting in the MAC receive FIFO, fed to the pipeline beat by beat no faster than
// its bytes arrive on the wire.
struct MacFrame {
    std::vector<uint8_t> data;
    uint64_t frame_no;
    uint64_t start_ps;
    bool unverifiable;
    uint32_t fed = 0;  // bytes already accepted by the pipeline
};

template <class V>
using TdataT = std::remove_reference_t<decltype(std::declval<V>().s_axis_rx_tdata)>;

template <class V> constexpr int data_width_of() { return sizeof(TdataT<V>) * 8; }

// Drive one beat of bytes onto the line-side stream (byte 0 in bits [7:0]).
template <class V> void drive_beat(V &m, const uint8_t *p, unsigned n)
{
    constexpr unsigned bytes = data_width_of<V>() / 8;
    if constexpr (bytes <= 8) {
        uint64_t d = 0;
        for (unsigned i = 0; i < n; i++) d |= (uint64_t)p[i] << (8 * i);
        m.s_axis_rx_tdata = d;
        m.s_axis_rx_tkeep = n >= 8 ? 0xffu : ((1u << n) - 1u);
    } else {
        uint32_t words[bytes / 4] = {0};
        for (unsigned i = 0; i < n; i++) words[i / 4] |= (uint32_t)p[i] << (8 * (i % 4));
        for (unsigned w = 0; w < bytes / 4; w++) m.s_axis_rx_tdata[w] = words[w];
        m.s_axis_rx_tkeep = n >= 64 ? ~0ull : ((1ull << n) - 1ull);
    }
}

struct RunState {
    const ns_config *cfg;
    ns_results *res;
    FILE *plog;
    std::string err;
    uint64_t fifo_overflow = 0;
    uint64_t fifo_peak_bytes = 0;
    uint64_t csr_rx_frames = 0;
    uint64_t csr_id = 0, csr_width = 0;
    uint64_t total_frames = 0;
    bool finished = false;
};

template <class V> class Nic : public sc_core::sc_module {
  public:
    sc_core::sc_port<FrameSourceIf> src;

    SC_HAS_PROCESS(Nic);
    Nic(sc_core::sc_module_name name, RunState &st)
        : sc_module(name), st_(st), ctx_(new VerilatedContext)
    {
        const ns_config &c = *st.cfg;
        period_ps_ = (uint64_t)(1e6 / c.clock_mhz + 0.5);
        bytes_per_beat_ = data_width_of<V>() / 8;
        ps_per_byte_ = 8.0 * 1000.0 / c.link_gbps;
        if (c.wave_path) ctx_->traceEverOn(true);
        model_.reset(new V(ctx_.get(), "nic"));
        SC_THREAD(run);
    }

  private:
    RunState &st_;
    std::unique_ptr<VerilatedContext> ctx_;
    std::unique_ptr<V> model_;
    std::unique_ptr<WaveWriter> wave_;
    uint64_t period_ps_ = 0;
    unsigned bytes_per_beat_ = 8;
    double ps_per_byte_ = 0.8;
    uint64_t cycle_ = 0;        // current NIC cycle (time = cycle * period)
    uint64_t clocked_ = 0;      // cycles actually evaluated
    std::deque<MacFrame> fifo_;
    uint64_t fifo_bytes_ = 0;
    std::deque<FedFrame> inflight_;
    // progress
    std::chrono::steady_clock::time_point wall0_, last_progress_;

    uint64_t now_ps() const { return cycle_ * period_ps_; }
    uint64_t cycle_at(uint64_t ps) const { return (ps + period_ps_ - 1) / period_ps_; }

    void dump(uint64_t t_ps)
    {
        if (wave_) wave_->dump(t_ps);
    }

    // Low phase: settles the combinational outputs for the inputs just driven.
    void settle()
    {
        V &m = *model_;
        m.clk = 0;
        m.eval();
        dump(now_ps());
    }
    // Rising edge: registers take the inputs sampled in the low phase.
    void edge()
    {
        V &m = *model_;
        m.clk = 1;
        m.eval();
        dump(now_ps() + period_ps_ / 2);
        cycle_++;
        clocked_++;
    }
    void tick()
    {
        settle();
        edge();
    }

    void csr_write(uint32_t addr, uint32_t val)
    {
        V &m = *model_;
        m.s_csr_addr = addr;
        m.s_csr_wdata = val;
        m.s_csr_wr = 1;
        tick();
        m.s_csr_wr = 0;
    }

    uint32_t csr_read(uint32_t addr)
    {
        V &m = *model_;
        m.s_csr_addr = addr;
        m.s_csr_rd = 1;
        tick();
        m.s_csr_rd = 0;
        for (int i = 0; i < 16; i++) {
            if (m.s_csr_rvalid) return m.s_csr_rdata;
            tick();
        }
        st_.err = "NIC did not answer a CSR read";
        return 0;
    }

    void program()
    {
        const ns_config &c = *st_.cfg;
        st_.csr_id = csr_read(kCsrId);
        st_.csr_width = csr_read(kCsrWidth);
        for (int k = 0; k < 10; k++) {
            const uint8_t *b = c.rss_key + 4 * k;
            csr_write(kCsrKey + 4 * k, ((uint32_t)b[0] << 24) | ((uint32_t)b[1] << 16) |
                                           ((uint32_t)b[2] << 8) | b[3]);
        }
        for (int j = 0; j < NS_TABLE_MAX / 4; j++) {
            uint32_t w = 0;
            for (int e = 0; e < 4; e++) w |= (uint32_t)(c.table[4 * j + e] & 0x7f) << (8 * e);
            csr_write(kCsrTable + 4 * j, w);
        }
        csr_write(kCsrTableMask, (uint32_t)(c.table_size - 1));
        csr_write(kCsrHashTypes, c.rss_hash_types);
        csr_write(kCsrCtrl, (c.rss_enable ? 1u : 0u) | (c.csum_offload ? 2u : 0u));
    }

    // Admit frames whose first bit has reached the NIC into the MAC FIFO (or drop them).
    void admit()
    {
        const rp_frame *f;
        while (src->peek(&f) && f->start_ps <= now_ps()) {
            uint32_t len = f->f.len;
            if (fifo_bytes_ + len > st_.cfg->rx_fifo_bytes) {
                st_.fifo_overflow++;
            } else {
                MacFrame mf;
                mf.data.assign(f->f.data, f->f.data + len);
                mf.frame_no = f->f.frame_no;
                mf.start_ps = f->start_ps;
                mf.unverifiable = f->f.unverifiable != 0;
                fifo_bytes_ += len;
                st_.fifo_peak_bytes = std::max<uint64_t>(st_.fifo_peak_bytes, fifo_bytes_);
                fifo_.push_back(std::move(mf));
            }
            src->pop();
        }
    }

    // Cycle at which the head frame's next beat has fully arrived on the wire.
    uint64_t head_ready_cycle() const
    {
        const MacFrame &h = fifo_.front();
        uint32_t upto = std::min<uint32_t>(h.fed + bytes_per_beat_, (uint32_t)h.data.size());
        // the preamble+SFD (8 bytes) precede the first byte of the frame
        uint64_t ps = h.start_ps + (uint64_t)((8.0 + upto) * ps_per_byte_ + 0.5);
        return cycle_at(ps);
    }

    void drive_inputs()
    {
        V &m = *model_;
        m.m_axis_rxmeta_tready = 1;
        if (!fifo_.empty() && head_ready_cycle() <= cycle_) {
            MacFrame &h = fifo_.front();
            unsigned n = std::min<unsigned>(bytes_per_beat_, (unsigned)(h.data.size() - h.fed));
            drive_beat(m, h.data.data() + h.fed, n);
            m.s_axis_rx_tvalid = 1;
            m.s_axis_rx_tlast = h.fed + n >= h.data.size();
            m.s_axis_rx_tuser = h.unverifiable;
        } else {
            m.s_axis_rx_tvalid = 0;
            m.s_axis_rx_tlast = 0;
        }
    }

    // In the low phase, before the edge: what the NIC accepts and delivers at this edge.
    void sample_before_edge(bool &beat_taken, bool &meta_taken)
    {
        V &m = *model_;
        settle();
        beat_taken = m.s_axis_rx_tvalid && m.s_axis_rx_tready;
        meta_taken = m.m_axis_rxmeta_tvalid && m.m_axis_rxmeta_tready;
        if (meta_taken) collect(m);
    }

    void collect(V &m)
    {
        ns_results &r = *st_.res;
        if (inflight_.empty()) {
            st_.err = "NIC produced a receive result for a frame it was never given";
            return;
        }
        FedFrame ff = inflight_.front();
        inflight_.pop_front();
        unsigned ht = m.m_axis_rxmeta_hash_type;
        unsigned q = m.m_axis_rxmeta_queue;
        unsigned cs = m.m_axis_rxmeta_csum;
        uint32_t hash = m.m_axis_rxmeta_hash;
        uint32_t len = m.m_axis_rxmeta_len;
        r.frames_rx++;
        r.rx_bytes += len;
        if (ht < 7) r.hash_type_frames[ht]++;
        if (q < NS_MAX_QUEUES) r.queue_frames[q]++;
        if (cs < NS_CSUM_COUNT) r.csum_frames[cs]++;
        if (st_.plog) {
            static const char *const l3n[4] = {"other", "ipv4", "ipv6", "?"};
            static const char *const l4n[4] = {"none", "tcp", "udp", "other"};
            char hbuf[16] = "";
            if (ht != RSS_HT_NONE) snprintf(hbuf, sizeof hbuf, "0x%08x", hash);
            const char *htn = rss_hash_type_name((int)ht);
            fprintf(st_.plog, "%" PRIu64 ",%" PRIu64 ".%03u,%u,%s,%s,%s,%s,%u,%s\n", ff.frame_no,
                    ff.start_ps / kPsPerNs, (unsigned)(ff.start_ps % kPsPerNs), len,
                    l3n[m.m_axis_rxmeta_l3 & 3], l4n[m.m_axis_rxmeta_l4 & 3], htn ? htn : "?", hbuf,
                    q, ns_csum_name((int)cs));
        }
    }

    void progress(bool final)
    {
        if (!st_.cfg->progress) return;
        auto now = std::chrono::steady_clock::now();
        if (!final && now - last_progress_ < std::chrono::milliseconds(500)) return;
        last_progress_ = now;
        double el = std::chrono::duration<double>(now - wall0_).count();
        uint64_t done = st_.res->frames_rx + st_.fifo_overflow;
        double frac = st_.total_frames ? (double)done / (double)st_.total_frames : 1.0;
        double eta = frac > 0 ? el * (1.0 - frac) / frac : 0.0;
        fprintf(stderr, "\r  %" PRIu64 "/%" PRIu64 " frames  sim %.3f ms  %5.1f%%  ETA %.0f s   %s",
                done, st_.total_frames, (double)now_ps() / 1e9, 100.0 * frac, eta,
                final ? "\n" : "");
        fflush(stderr);
    }

    void run()
    {
        const ns_config &c = *st_.cfg;
        V &m = *model_;
        wall0_ = last_progress_ = std::chrono::steady_clock::now();
        if (c.wave_path) {
            wave_.reset(new WaveWriter(c.wave_path, c.wave_from_ps, c.wave_to_ps));
            model_->trace(wave_->fst(), 99);
            if (!wave_->open(st_.err)) {
                sc_core::sc_stop();
                return;
            }
        }
        // reset
        m.rst = 1;
        m.s_axis_rx_tvalid = 0;
        m.s_csr_wr = 0;
        m.s_csr_rd = 0;
        m.m_axis_rxmeta_tready = 1;
        for (int i = 0; i < 4; i++) tick();
        m.rst = 0;
        tick();
        program();
        const uint32_t quantum = c.quantum_cycles ? c.quantum_cycles : 4096;
        uint64_t synced_ps = 0;
        sc_core::wait(sc_core::sc_time((double)(now_ps()), sc_core::SC_PS));
        synced_ps = now_ps();
        for (;;) {
            if (!st_.err.empty()) break;
            admit();
            const rp_frame *next = nullptr;
            bool more = src->peek(&next);
            bool rtl_idle = m.idle && inflight_.empty();
            if (rtl_idle && fifo_.empty() && !more) break;  // trace done, pipeline drained
            // Idle skipping: nothing in flight in the RTL and the next event lies ahead.
            if (m.idle) {
                uint64_t next_cycle = UINT64_MAX;
                if (!fifo_.empty()) next_cycle = head_ready_cycle();
                if (more) next_cycle = std::min(next_cycle, cycle_at(next->start_ps));
                if (next_cycle != UINT64_MAX && next_cycle > cycle_) {
                    cycle_ = next_cycle;
                    admit();
                }
            }
            drive_inputs();
            bool beat = false, meta = false;
            sample_before_edge(beat, meta);
            if (beat) {
                MacFrame &h = fifo_.front();
                unsigned n = std::min<unsigned>(bytes_per_beat_, (unsigned)(h.data.size() - h.fed));
                if (h.fed == 0) inflight_.push_back(FedFrame{h.frame_no, h.start_ps});
                h.fed += n;
                if (h.fed >= h.data.size()) {
                    fifo_bytes_ -= h.data.size();
                    fifo_.pop_front();
                }
            }
            edge();
            // Temporal decoupling: hand time back to SystemC once per quantum.
            if (now_ps() - synced_ps >= (uint64_t)quantum * period_ps_) {
                sc_core::wait(sc_core::sc_time((double)(now_ps() - synced_ps), sc_core::SC_PS));
                synced_ps = now_ps();
                progress(false);
            }
            (void)meta;
        }
        m.s_axis_rx_tvalid = 0;
        if (st_.err.empty()) st_.csr_rx_frames = csr_read(kCsrStatRxFrames);
        if (now_ps() > synced_ps)
            sc_core::wait(sc_core::sc_time((double)(now_ps() - synced_ps), sc_core::SC_PS));
        st_.res->nic_cycles = clocked_;
        st_.res->sim_time_ps = now_ps();
        progress(true);
        if (wave_) {
            std::string werr;
            wave_->close(now_ps(), werr);
            if (st_.err.empty() && !werr.empty()) st_.err = werr;
            std::string gerr = write_gtkw_save(c.wave_path, "nic.nic_top");
            if (st_.err.empty() && !gerr.empty()) st_.err = gerr;
        }
        st_.finished = true;
        sc_core::sc_stop();
    }
};

// A fresh SystemC simulation context per run, so that several runs in one process
// (scenario, then software baseline) never share kernel state.
struct ScContextGuard {
    sc_core::sc_simcontext *prev;
    sc_core::sc_simcontext *mine;
    ScContextGuard()
    {
        prev = sc_core::sc_curr_simcontext;
        mine = new sc_core::sc_simcontext();
        sc_core::sc_curr_simcontext = mine;
        sc_core::sc_default_global_context = mine;
    }
    ~ScContextGuard()
    {
        delete mine;
        sc_core::sc_curr_simcontext = prev;
        sc_core::sc_default_global_context = prev;
    }
};

template <class V> int run_width(RunState &st, rp_replay *rp)
{
    ScContextGuard guard;
    sc_core::sc_report_handler::set_actions(sc_core::SC_INFO, sc_core::SC_DO_NOTHING);
    sc_core::sc_report_handler::set_actions(sc_core::SC_WARNING, sc_core::SC_DO_NOTHING);
    auto source = std::make_unique<TraceSource>("trace_source", rp);
    auto nic = std::make_unique<Nic<V>>("nic", st);
    nic->src(*source);
    auto w0 = std::chrono::steady_clock::now();
    sc_core::sc_start();
    st.res->wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - w0).count();
    if (source->failed() && st.err.empty()) st.err = source->error();
    if (!st.finished && st.err.empty()) st.err = "simulation stopped before the trace was replayed";
    return st.err.empty() ? 0 : -1;
}

void add_counter(ns_counter *arr, int *n, const char *name, uint64_t v)
{
    if (*n < NS_MAX_COUNTERS) arr[(*n)++] = ns_counter{name, v};
}

}  // namespace

extern "C" int ns_run(const ns_config *cfg, ns_results *res, char *err, size_t errlen)
{
    std::memset(res, 0, sizeof *res);
    setenv("SYSTEMC_DISABLE_COPYRIGHT_MESSAGE", "1", 0);
    if (cfg->data_width != 64 && cfg->data_width != 512) {
        snprintf(err, errlen, "nic.data_width %d is not built (64 or 512)", cfg->data_width);
        return -2;
    }
    if (!cfg->trace_path) {
        snprintf(err, errlen, "no trace given");
        return -2;
    }
    rp_replay *rp = nullptr;
    int rc = rp_open(&rp, cfg, err, errlen);
    if (rc < 0) return rc;

    RunState st;
    st.cfg = cfg;
    st.res = res;
    st.plog = cfg->packet_log;
    st.total_frames = rp_total_frames(rp);
    if (st.plog) fputs("frame,time_ns,len,l3,l4,hash_type,hash,queue,csum\n", st.plog);
    try {
        rc = cfg->data_width == 64 ? run_width<Vnic_top_w64>(st, rp)
                                   : run_width<Vnic_top_w512>(st, rp);
    } catch (const std::exception &e) {
        st.err = std::string("simulation kernel: ") + e.what();
        rc = -1;
    }
    if (rc == 0 && st.csr_id != kNicId) {
        st.err = "NIC identification register mismatch";
        rc = -1;
    }
    if (rc == 0 && st.csr_rx_frames != (res->frames_rx & 0xffffffffu)) {
        char b[160];
        snprintf(b, sizeof b, "NIC counted %" PRIu64 " frames but delivered %" PRIu64 " results",
                 st.csr_rx_frames, res->frames_rx);
        st.err = b;
        rc = -1;
    }
    if (rc < 0) {
        snprintf(err, errlen, "%s", st.err.c_str());
        rp_close(rp);
        return rc;
    }
    snprintf(res->host, sizeof res->host, "%s", rp_host_desc(rp));
    res->linktype = tr_linktype(rp_trace(rp));
    snprintf(res->linktype_name, sizeof res->linktype_name, "%s", tr_linktype_name(rp_trace(rp)));
    const tr_stats *ps = rp_pass_stats(rp);
    res->records = ps->records * cfg->loop;
    res->from_host = rp_from_host(rp);
    res->not_for_host = rp_not_for_host(rp);
    res->queues = cfg->rss_queues;
    add_counter(res->drops, &res->ndrops, "rx_fifo_overflow", st.fifo_overflow);
    add_counter(res->drops, &res->ndrops, "oversize", ps->oversize_dropped * cfg->loop);
    add_counter(res->drops, &res->ndrops, "unsupported_link_payload", ps->unsupported * cfg->loop);
    add_counter(res->trace, &res->ntrace, "records", ps->records);
    add_counter(res->trace, &res->ntrace, "frames", ps->frames);
    add_counter(res->trace, &res->ntrace, "truncated", ps->truncated);
    add_counter(res->trace, &res->ntrace, "resegmented", ps->resegmented);
    add_counter(res->trace, &res->ntrace, "segments", ps->segments);
    add_counter(res->trace, &res->ntrace, "oversize_dropped", ps->oversize_dropped);
    add_counter(res->trace, &res->ntrace, "unsupported", ps->unsupported);
    add_counter(res->trace, &res->ntrace, "mac_fifo_peak_bytes", st.fifo_peak_bytes);
    if (cfg->wave_path && cfg->wave_from_ps > res->sim_time_ps)
        fprintf(stderr,
                "nicsim: warning: --wave-from is after the end of the simulation (%" PRIu64
                " ns); %s holds no activity\n",
                res->sim_time_ps / kPsPerNs, cfg->wave_path);
    if (ps->truncated)
        fprintf(stderr,
                "nicsim: warning: %s: %" PRIu64
                " records were truncated in the capture (caplen < len); zero-filled and marked "
                "unverifiable\n",
                cfg->trace_path, ps->truncated);
    rp_close(rp);
    return 0;
}
