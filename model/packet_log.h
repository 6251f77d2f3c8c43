// The packet log (--packet-log): one CSV row per frame the NIC received, written in arrival
// order once the frame's fate is known (dropped by the NIC, handed up by the driver, or
// pending at the end of the run).
#ifndef NICSIM_PACKET_LOG_H
#define NICSIM_PACKET_LOG_H

#include <cstdint>
#include <cstdio>
#include <deque>
#include <vector>

// One row, completed when the frame's fate is known.
struct LogRow {
    uint64_t frame_no = 0;
    uint64_t start_ps = 0;
    uint32_t len = 0;
    uint8_t l3 = 0, l4 = 0, hash_type = 0, csum = 0, queue = 0;
    uint8_t fate = 0;  // NIC_FATE_* (rtl/nic_hw.h)
    uint32_t hash = 0;
    int cpu = -1;
    bool done = false;
    bool has_latency = false;
    int64_t latency_ps = 0;  // delivered frames: last bit on the wire -> stack done
    bool app_wait = false;       // not written until the application consumed its bytes
    bool has_app_latency = false;
    int64_t app_latency_ps = 0;  // last bit on the wire -> the application consumed its last new byte
};

class PacketLog {
  public:
    explicit PacketLog(FILE *out, unsigned queues) : out_(out), queue_rows_(queues) {}
    void header();
    // A frame whose fate is already known (dropped before or by the NIC).
    void add_done(const LogRow &r) { rows_.push_back(r); }
    // A frame delivered on queue q: completed when the driver hands it up (take_delivered).
    void add_delivered(const LogRow &r) { queue_rows_[r.queue].push_back(base_ + rows_.size()); rows_.push_back(r); }
    bool queue_known(unsigned q) const { return q < queue_rows_.size(); }
    // Rows are written (--packet-log): only then do delivered rows wait for their application
    // latency before they are written.
    bool writing() const { return out_ != nullptr; }
    // The oldest row delivered on queue q that the driver has not handed up; nullptr if none.
    LogRow *take_delivered(unsigned q, uint64_t *abs_index = nullptr);
    // The row of absolute index i (take_delivered's), nullptr if already written.
    LogRow *row(uint64_t i) { return i >= base_ && i - base_ < rows_.size() ? &rows_[(size_t)(i - base_)] : nullptr; }
    // Marks every unfinished row pending; returns how many.
    // per_queue (optional, nq entries) counts them by queue.
    uint64_t finish_pending(uint64_t *per_queue = nullptr, unsigned nq = 0);
    // Writes the completed rows at the head (rows are written in arrival order).
    void flush();

  private:
    FILE *out_;
    std::deque<LogRow> rows_;
    uint64_t base_ = 0;  // index of rows_.front()
    std::vector<std::deque<uint64_t>> queue_rows_;
    void write_row(const LogRow &r);
};

#endif
