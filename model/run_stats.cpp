// Run statistics: latency and time series (model/run_stats.h).
#include "run_stats.h"

#include <algorithm>
#include <cinttypes>
#include <cmath>

extern "C" {
#include "simtime.h"
}

int64_t latency_percentile(const std::vector<int64_t> &sorted, double p)
{
    if (sorted.empty()) return 0;
    double rank = std::ceil(p / 100.0 * (double)sorted.size());
    size_t i = rank < 1.0 ? 0 : (size_t)rank - 1;
    return sorted[std::min(i, sorted.size() - 1)];
}

void LatencySet::summarize(ns_latency *out)
{
    *out = ns_latency{};
    if (v_.empty()) return;
    std::sort(v_.begin(), v_.end());
    out->count = v_.size();
    out->min_ps = v_.front();
    out->max_ps = v_.back();
    out->p50_ps = latency_percentile(v_, 50);
    out->p90_ps = latency_percentile(v_, 90);
    out->p99_ps = latency_percentile(v_, 99);
    long double sum = 0;
    for (int64_t x : v_) sum += x;
    out->mean_ps = (double)(sum / (long double)v_.size());
}

TimeSeries::TimeSeries(FILE *out, uint64_t interval_ps, int cpus) : out_(out), interval_ps_(interval_ps), cpus_(cpus) {}

void TimeSeries::header()
{
    fputs("time_ns,interval_ns,rx_frames,rx_bytes,delivered_frames,delivered_bytes,throughput_gbps,dropped,"
          "interrupts",
          out_);
    for (int c = 0; c < cpus_; c++) fprintf(out_, ",cpu%d_util", c);
    fputs(",bus_write_busy_pct,bus_read_busy_pct\n", out_);
}

TimeSeries::Bin &TimeSeries::bin(uint64_t t)
{
    uint64_t idx = t / interval_ps_;
    if (idx < base_) {  // the caller flushes only the past: never happens
        late_++;
        idx = base_;
    }
    while (base_ + bins_.size() <= idx) {
        bins_.emplace_back();
        bins_.back().cpu_ps.assign((size_t)cpus_, 0);
    }
    return bins_[(size_t)(idx - base_)];
}

void TimeSeries::rx(uint64_t t, uint32_t len)
{
    Bin &b = bin(t);
    b.rx_frames++;
    b.rx_bytes += len;
}

void TimeSeries::delivered(uint64_t t, uint32_t len)
{
    Bin &b = bin(t);
    b.dl_frames++;
    b.dl_bytes += len;
}

void TimeSeries::drop(uint64_t t) { bin(t).drops++; }
void TimeSeries::irq(uint64_t t) { bin(t).irqs++; }

// Splits a busy stretch over the intervals it covers (cpu >= 0: that CPU; else bus dir).
void TimeSeries::spread(uint64_t start, uint64_t end, int cpu, int dir)
{
    while (start < end) {
        Bin &b = bin(start);
        uint64_t bin_end = (start / interval_ps_ + 1) * interval_ps_;
        uint64_t e = std::min(end, bin_end);
        if (cpu >= 0)
            b.cpu_ps[(size_t)cpu] += e - start;
        else
            b.bus_ps[dir] += e - start;
        start = e;
    }
}

void TimeSeries::cpu_busy(int cpu, uint64_t start, uint64_t end)
{
    if (cpu >= 0 && cpu < cpus_) spread(start, end, cpu, 0);
}

void TimeSeries::bus_busy(int dir, uint64_t start, uint64_t end) { spread(start, end, -1, dir & 1); }

void TimeSeries::write(const Bin &b, uint64_t idx, uint64_t len_ps)
{
    uint64_t t0 = idx * interval_ps_;
    double len = (double)len_ps;
    double gbps = len_ps ? (double)b.dl_bytes * 8.0 * 1000.0 / len : 0.0;
    fprintf(out_, "%" PRIu64 ".%03u,%" PRIu64 ".%03u,%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%.6f,%" PRIu64
                  ",%" PRIu64,
            ns_ns_from_ps(t0), (unsigned)(t0 % NS_PS_PER_NS), ns_ns_from_ps(len_ps), (unsigned)(len_ps % NS_PS_PER_NS),
            b.rx_frames, b.rx_bytes, b.dl_frames, b.dl_bytes, gbps, b.drops, b.irqs);
    for (int c = 0; c < cpus_; c++) fprintf(out_, ",%.6f", len_ps ? (double)b.cpu_ps[(size_t)c] / len : 0.0);
    fprintf(out_, ",%.4f,%.4f\n", len_ps ? 100.0 * (double)b.bus_ps[0] / len : 0.0,
            len_ps ? 100.0 * (double)b.bus_ps[1] / len : 0.0);
    rows_++;
}

void TimeSeries::flush(uint64_t t)
{
    uint64_t done = t / interval_ps_;  // intervals [0, done) are complete
    while (base_ < done) {
        if (bins_.empty()) {
            Bin empty;
            empty.cpu_ps.assign((size_t)cpus_, 0);
            write(empty, base_, interval_ps_);
        } else {
            write(bins_.front(), base_, interval_ps_);
            bins_.pop_front();
        }
        base_++;
    }
}

void TimeSeries::finish(uint64_t end_ps)
{
    flush(end_ps);
    // the interval holding the end (shorter), and any later one an event reached (a bus
    // transfer scheduled to finish after the last cycle)
    uint64_t last = std::max(end_ps / interval_ps_ + (end_ps % interval_ps_ ? 1 : 0), base_ + bins_.size());
    if (last == 0) last = 1;  // a run of zero time still gets one row
    while (base_ < last) {
        uint64_t t0 = base_ * interval_ps_;
        uint64_t len = end_ps > t0 ? std::min(interval_ps_, end_ps - t0) : interval_ps_;
        if (bins_.empty()) {
            Bin empty;
            empty.cpu_ps.assign((size_t)cpus_, 0);
            write(empty, base_, len);
        } else {
            write(bins_.front(), base_, len);
            bins_.pop_front();
        }
        base_++;
    }
}
