// Line-side receive port (s_axis_rx_*): the MAC receive FIFO ahead of the NIC. Frames enter
// it at their wire arrival time (admit) and are fed beat by beat no faster than their bytes
// arrive; a frame that finds the FIFO full is dropped and counted.
#ifndef NICSIM_PORT_LINE_RX_H
#define NICSIM_PORT_LINE_RX_H

#include <algorithm>
#include <deque>
#include <utility>
#include <vector>

#include "nic_clock.h"
#include "platform.h"
#include "port_bytes.h"
#include "trace_source.h"

extern "C" {
#include "nic_hw.h"
}

template <class V> class LineRxPort {
  public:
    LineRxPort(V &m, Platform &pf, const NicClock &clk, sc_core::sc_port<FrameSourceIf> &src)
        : m_(m), pf_(pf), clk_(clk), src_(src), ps_per_byte_(8.0 * 1000.0 / pf.cfg->link_gbps)
    {
    }

    // Moves the frames that have started to arrive into the FIFO.
    void admit()
    {
        const rp_frame *f;
        while (src_->peek(&f) && f->start_ps <= clk_.now_ps()) {
            uint32_t len = f->f.len;
            bool down = pf_.link_down;
            if (down || bytes_ + len > pf_.cfg->rx_fifo_bytes) {
                // the link was down (the frame is lost on the wire), or the frame reached the
                // NIC but its receive FIFO had no room
                if (down)
                    link_down_++;
                else
                    overflow_++;
                pf_.res->frames_rx++;
                pf_.res->rx_bytes += len;
                LogRow r;
                r.frame_no = f->f.frame_no;
                r.start_ps = f->start_ps;
                r.len = len;
                r.fate = down ? NIC_FATE_LINK_DOWN : NIC_FATE_FIFO_OVERFLOW;
                r.done = true;
                pf_.log->add_done(r);
                if (pf_.ts) {
                    pf_.ts->rx(clk_.now_ps(), len);
                    pf_.ts->drop(clk_.now_ps());
                }
                pf_.frame_done(r.frame_no, clk_.now_ps());
            } else {
                Frame mf;
                mf.data.assign(f->f.data, f->f.data + len);
                mf.frame_no = f->f.frame_no;
                mf.start_ps = f->start_ps;
                mf.unverifiable = f->f.unverifiable != 0;
                bytes_ += len;
                peak_ = std::max(peak_, bytes_);
                fifo_.push_back(std::move(mf));
            }
            src_->pop();
        }
    }

    void drive()
    {
        if (!fifo_.empty() && head_ready_cycle() <= clk_.cycle) {
            Frame &h = fifo_.front();
            unsigned n = std::min<unsigned>(kBeat, (unsigned)(h.data.size() - h.fed));
            put_bytes(m_.s_axis_rx_tdata, h.data.data() + h.fed, n, kBeat);
            m_.s_axis_rx_tkeep = keep_mask(n, kBeat);
            m_.s_axis_rx_tvalid = 1;
            m_.s_axis_rx_tlast = h.fed + n >= h.data.size();
            m_.s_axis_rx_tuser = h.unverifiable;
        } else {
            m_.s_axis_rx_tvalid = 0;
            m_.s_axis_rx_tlast = 0;
        }
    }

    void sample()
    {
        if (!(m_.s_axis_rx_tvalid && m_.s_axis_rx_tready)) return;
        Frame &h = fifo_.front();
        unsigned n = std::min<unsigned>(kBeat, (unsigned)(h.data.size() - h.fed));
        if (h.fed == 0) inflight_.emplace_back(h.frame_no, h.start_ps);
        h.fed += n;
        if (h.fed >= h.data.size()) {
            bytes_ -= h.data.size();
            fifo_.pop_front();
        }
    }

    bool empty() const { return fifo_.empty(); }
    // Frames fed to the NIC whose receive result has not come out yet: (frame_no, start_ps).
    std::deque<std::pair<uint64_t, uint64_t>> &inflight() { return inflight_; }
    uint64_t overflow() const { return overflow_; }
    uint64_t link_down() const { return link_down_; }
    uint64_t peak() const { return peak_; }

  private:
    static constexpr unsigned kBeat = bytes_per_beat<V>();
    struct Frame {
        std::vector<uint8_t> data;
        uint64_t frame_no;
        uint64_t start_ps;
        bool unverifiable;
        uint32_t fed = 0;
    };
    V &m_;
    Platform &pf_;
    const NicClock &clk_;
    sc_core::sc_port<FrameSourceIf> &src_;
    double ps_per_byte_;
    std::deque<Frame> fifo_;
    uint64_t bytes_ = 0, overflow_ = 0, peak_ = 0, link_down_ = 0;
    std::deque<std::pair<uint64_t, uint64_t>> inflight_;

    // The head frame's next beat is complete (after the 8-byte preamble) at this cycle.
    uint64_t head_ready_cycle() const
    {
        const Frame &h = fifo_.front();
        uint32_t upto = std::min<uint32_t>(h.fed + kBeat, (uint32_t)h.data.size());
        return clk_.cycle_at(h.start_ps + (uint64_t)((8.0 + upto) * ps_per_byte_ + 0.5));
    }
};

#endif
