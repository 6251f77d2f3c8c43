// Receive result stream (m_axis_rxmeta_*): a monitor, always ready. Each result closes the
// oldest frame fed to the NIC: counted, and entered in the packet log (dropped frames done,
// delivered ones waiting for the driver).
#ifndef NICSIM_PORT_RX_RESULT_H
#define NICSIM_PORT_RX_RESULT_H

#include <cstdint>
#include <deque>
#include <utility>

#include "nic_clock.h"
#include "platform.h"

extern "C" {
#include "nic_hw.h"
}

template <class V> class RxResultPort {
  public:
    RxResultPort(V &m, Platform &pf, const NicClock &clk, std::deque<std::pair<uint64_t, uint64_t>> &inflight)
        : m_(m), pf_(pf), clk_(clk), inflight_(inflight)
    {
    }
    void drive() { m_.m_axis_rxmeta_tready = 1; }
    void sample()
    {
        if (!(m_.m_axis_rxmeta_tvalid && m_.m_axis_rxmeta_tready)) return;
        if (inflight_.empty()) {
            pf_.err = "NIC reported a receive result for a frame it was never given";
            return;
        }
        auto ff = inflight_.front();
        inflight_.pop_front();
        LogRow r;
        r.frame_no = ff.first;
        r.start_ps = ff.second;
        r.len = m_.m_axis_rxmeta_len;
        r.l3 = m_.m_axis_rxmeta_l3;
        r.l4 = m_.m_axis_rxmeta_l4;
        r.hash_type = m_.m_axis_rxmeta_hash_type;
        r.hash = m_.m_axis_rxmeta_hash;
        r.queue = m_.m_axis_rxmeta_queue;
        r.csum = m_.m_axis_rxmeta_csum;
        r.fate = m_.m_axis_rxmeta_drop;
        ns_results &res = *pf_.res;
        res.frames_rx++;
        res.rx_bytes += r.len;
        if (r.hash_type < NIC_HT_COUNT) res.hash_type_frames[r.hash_type]++;
        if (r.queue < NS_MAX_QUEUES) res.queue_frames[r.queue]++;
        if (r.csum < NIC_CSUM_COUNT) res.csum_frames[r.csum]++;
        if (pf_.ts) pf_.ts->rx(now_ps_(), r.len);
        if (r.fate == NIC_FATE_DELIVERED) {
            if (!pf_.log->queue_known(r.queue)) {
                pf_.err = "NIC delivered a frame on a queue the driver does not use";
                return;
            }
            pf_.log->add_delivered(r);
        } else if (r.fate == NIC_FATE_PLACED || r.fate == NIC_FATE_CONSUMED) {
            // handled by the TOE: placed into an application buffer, or absorbed
            if (r.fate == NIC_FATE_PLACED) {
                res.toe_placed_frames++;
                res.toe_placed_frame_bytes += r.len;
            } else {
                res.toe_consumed_frames++;
                res.toe_consumed_frame_bytes += r.len;
            }
            pf_.frame_done(r.frame_no, now_ps_());
            r.done = true;
            pf_.log->add_done(r);
        } else {
            if (r.fate == NIC_FATE_NO_DESC) pf_.drop_no_desc++;
            if (r.fate == NIC_FATE_CPL_FULL) pf_.drop_cpl_full++;
            if (r.queue < NS_MAX_QUEUES) {
                if (r.fate == NIC_FATE_NO_DESC) res.queue_stats[r.queue].drop_no_desc++;
                if (r.fate == NIC_FATE_CPL_FULL) res.queue_stats[r.queue].drop_cpl_full++;
            }
            if (pf_.ts) pf_.ts->drop(now_ps_());
            pf_.frame_done(r.frame_no, now_ps_());
            r.done = true;
            pf_.log->add_done(r);
        }
    }

  private:
    V &m_;
    Platform &pf_;
    const NicClock &clk_;
    uint64_t now_ps_() const { return clk_.now_ps(); }
    std::deque<std::pair<uint64_t, uint64_t>> &inflight_;
};

#endif
