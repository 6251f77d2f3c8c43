// DMA read port (m_dma_rd_req_* / s_dma_rd_cpl_*): requests are accepted while the bus has read
// tags free and timed by the bus model (DmaTiming: the NIC's PCIe link and host memory, or the
// copy engine's memory port); their data returns beat by beat, requests in the order their
// first byte arrives, never interleaved.
#ifndef NICSIM_PORT_DMA_READ_H
#define NICSIM_PORT_DMA_READ_H

#include <algorithm>
#include <cstdint>
#include <deque>

#include "nic_clock.h"
#include "platform.h"
#include "port_bytes.h"
#include "dma_timing.h"

template <class V> class DmaReadPort {
  public:
    DmaReadPort(V &m, Platform &pf, const NicClock &clk, DmaTiming &t) : m_(m), pf_(pf), clk_(clk), t_(t) {}

    void drive()
    {
        m_.m_dma_rd_req_ready = reads_.size() < t_.read_tags();
        m_.s_dma_rd_cpl_valid = 0;
        if (reads_.empty()) return;
        Read &r = reads_.front();
        unsigned n = std::min<unsigned>(kBeat, r.len - r.sent);
        uint64_t ready_ps = r.first_ps + (uint64_t)((double)(r.sent + n) * r.ps_per_byte + 0.5);
        if (ready_ps > clk_.now_ps()) return;
        const uint8_t *p = (const uint8_t *)hm_ptr(pf_.mem, r.addr + r.sent, n);
        uint8_t zero[64] = {0};
        if (!p) {
            pf_.dma_errors++;
            p = zero;
        }
        put_bytes(m_.s_dma_rd_cpl_data, p, n, kBeat);
        m_.s_dma_rd_cpl_tag = r.tag;
        m_.s_dma_rd_cpl_last = r.sent + n >= r.len;
        m_.s_dma_rd_cpl_valid = 1;
    }

    void sample()
    {
        if (m_.m_dma_rd_req_valid && m_.m_dma_rd_req_ready) {
            Read r;
            r.addr = m_.m_dma_rd_req_addr;
            r.len = m_.m_dma_rd_req_len;
            r.tag = m_.m_dma_rd_req_tag;
            r.first_ps = t_.read(clk_.now_ps(), r.addr, r.len, &r.ps_per_byte);
            // completions return in the order their data arrives
            auto it = std::upper_bound(reads_.begin(), reads_.end(), r.first_ps,
                                       [](uint64_t t, const Read &x) { return t < x.first_ps; });
            if (it == reads_.begin() && !reads_.empty() && reads_.front().sent > 0) ++it;  // never preempt a started one
            reads_.insert(it, r);
        }
        if (m_.s_dma_rd_cpl_valid && m_.s_dma_rd_cpl_ready) {
            Read &r = reads_.front();
            unsigned n = std::min<unsigned>(kBeat, r.len - r.sent);
            t_.read_data(r.addr + r.sent, n);
            r.sent += n;
            if (r.sent >= r.len) reads_.pop_front();
        }
    }

    bool empty() const { return reads_.empty(); }

  private:
    static constexpr unsigned kBeat = bytes_per_beat<V>();
    // A request being served: its completion data streams to the NIC.
    struct Read {
        uint64_t addr;
        uint32_t len;
        uint32_t tag;
        uint64_t first_ps;   // first byte reaches the NIC
        double ps_per_byte;  // then one byte per this many ps
        uint32_t sent = 0;   // bytes delivered
    };
    V &m_;
    Platform &pf_;
    const NicClock &clk_;
    DmaTiming &t_;
    std::deque<Read> reads_;  // accepted, in completion order (by first_ps)
};

#endif
