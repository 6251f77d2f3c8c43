// Run statistics beyond the totals: frame latency (per run, per queue, per connection) and
// the time series of --stats-interval. Plain C++ (no SystemC): the model feeds it events with
// their simulated times.
#ifndef NICSIM_RUN_STATS_H
#define NICSIM_RUN_STATS_H

#include <cstdint>
#include <cstdio>
#include <deque>
#include <vector>

extern "C" {
#include "nicsim_model.h"
}

// Latency samples (ps), summarised exactly: nearest-rank percentiles over every sample.
class LatencySet {
  public:
    void add(int64_t ps) { v_.push_back(ps); }
    uint64_t count() const { return v_.size(); }
    // Sorts the samples (once) and fills out.
    void summarize(ns_latency *out);

  private:
    std::vector<int64_t> v_;
};

// The p-th percentile (0 < p <= 100) of sorted samples by the nearest-rank method: the
// smallest sample with at least p % of the samples at or below it.
int64_t latency_percentile(const std::vector<int64_t> &sorted, double p);

// --stats-interval: per-interval counters binned by the simulated time of each event, written
// as CSV rows once no later event can fall into the interval (the caller says up to when).
class TimeSeries {
  public:
    TimeSeries(FILE *out, uint64_t interval_ps, int cpus);
    void header();
    void rx(uint64_t t, uint32_t len);         // a frame fed to the NIC (received or FIFO-dropped)
    void delivered(uint64_t t, uint32_t len);  // the stack finished a delivered frame
    void drop(uint64_t t);                     // the NIC dropped a frame
    void irq(uint64_t t);                      // an interrupt message
    void cpu_busy(int cpu, uint64_t start, uint64_t end);
    void bus_busy(int dir, uint64_t start, uint64_t end);
    // Writes the rows of every interval that ends at or before t (no event can come earlier).
    void flush(uint64_t t);
    // End of the run at end_ps: writes every remaining row; the last one may be shorter.
    void finish(uint64_t end_ps);
    uint64_t rows() const { return rows_; }
    // Events that came after their interval had been written (counted in the next one); the
    // model guarantees none, and the run fails if one happens.
    uint64_t late() const { return late_; }

  private:
    struct Bin {
        uint64_t rx_frames = 0, rx_bytes = 0, dl_frames = 0, dl_bytes = 0, drops = 0, irqs = 0;
        uint64_t bus_ps[2] = {0, 0};
        std::vector<uint64_t> cpu_ps;
    };
    FILE *out_;
    uint64_t interval_ps_;
    int cpus_;
    std::deque<Bin> bins_;
    uint64_t base_ = 0;  // interval index of bins_.front()
    uint64_t rows_ = 0;
    uint64_t late_ = 0;
    Bin &bin(uint64_t t);
    void spread(uint64_t start, uint64_t end, int cpu, int dir);
    void write(const Bin &b, uint64_t idx, uint64_t len_ps);
};

#endif
