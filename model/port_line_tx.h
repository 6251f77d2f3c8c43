// Line-side transmit port (m_axis_tx_*): always ready; collects the frames the NIC sends.
#ifndef NICSIM_PORT_LINE_TX_H
#define NICSIM_PORT_LINE_TX_H

#include <cstdint>
#include <vector>

#include "nic_clock.h"
#include "port_bytes.h"

template <class V> class LineTxPort {
  public:
    explicit LineTxPort(V &m) : m_(m) {}
    void drive() { m_.m_axis_tx_tready = 1; }
    void sample()
    {
        if (!(m_.m_axis_tx_tvalid && m_.m_axis_tx_tready)) return;
        for (unsigned i = 0; i < bytes_per_beat<V>(); i++)
            if (lane_set(m_.m_axis_tx_tkeep, i)) frame_.push_back(get_byte(m_.m_axis_tx_tdata, i));
        if (m_.m_axis_tx_tlast) {
            frames_++;
            bytes_ += frame_.size();
            frame_.clear();
        }
    }
    uint64_t frames() const { return frames_; }
    uint64_t bytes() const { return bytes_; }

  private:
    V &m_;
    std::vector<uint8_t> frame_;
    uint64_t frames_ = 0, bytes_ = 0;
};

#endif
