// Line-side transmit port (m_axis_tx_*): always ready; collects the frames the NIC sends (the
// host stack's through the transmit ring, and the offload engine's own ACKs) and writes them
// to the transmit capture (--tx-pcap) stamped with the time their last beat left the NIC.
#ifndef NICSIM_PORT_LINE_TX_H
#define NICSIM_PORT_LINE_TX_H

#include <cstdint>
#include <vector>

#include <pcap/pcap.h>

#include "nic_clock.h"
#include "platform.h"
#include "port_bytes.h"
#include "simtime.h"

template <class V> class LineTxPort {
  public:
    LineTxPort(V &m, Platform &pf, const NicClock &clk) : m_(m), pf_(pf), clk_(clk) {}
    void drive() { m_.m_axis_tx_tready = 1; }
    void sample()
    {
        if (!(m_.m_axis_tx_tvalid && m_.m_axis_tx_tready)) return;
        for (unsigned i = 0; i < bytes_per_beat<V>(); i++)
            if (lane_set(m_.m_axis_tx_tkeep, i)) frame_.push_back(get_byte(m_.m_axis_tx_tdata, i));
        if (m_.m_axis_tx_tlast) {
            frames_++;
            bytes_ += frame_.size();
            if (pf_.tx_pcap) dump();
            frame_.clear();
        }
    }
    uint64_t frames() const { return frames_; }
    uint64_t bytes() const { return bytes_; }

  private:
    void dump()
    {
        struct pcap_pkthdr h;
        uint64_t ns = pf_.host_pcap_t0_ns + ns_ns_from_ps(clk_.now_ps());
        h.ts.tv_sec = (time_t)(ns / NS_NS_PER_S);
        h.ts.tv_usec = (suseconds_t)(ns % NS_NS_PER_S);  // nanosecond pcap
        h.caplen = h.len = (bpf_u_int32)frame_.size();
        pcap_dump((u_char *)pf_.tx_pcap, &h, frame_.data());
    }
    V &m_;
    Platform &pf_;
    const NicClock &clk_;
    std::vector<uint8_t> frame_;
    uint64_t frames_ = 0, bytes_ = 0;
};

#endif
