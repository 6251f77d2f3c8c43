// Bare-model benchmark: the same Verilated NIC as `nicsim run`, clocked in a plain loop with
// no SystemC, no pacing and no host model, fed the frames of a capture back to back.
//   nicsim-bench-bare TRACE.pcap WIDTH(64|512) MIN_CYCLES
// Prints: cycles, frames, wall seconds, cycles per second.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <type_traits>
#include <vector>

#include "Vnic_top_w512.h"
#include "Vnic_top_w64.h"
#include "verilated.h"

extern "C" {
#include "trace.h"
}


namespace {
template <class V>
using TdataT = std::remove_reference_t<decltype(std::declval<V>().s_axis_rx_tdata)>;

template <class V> void drive(V &m, const uint8_t *p, unsigned n)
{
    constexpr unsigned bytes = sizeof(TdataT<V>);
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

template <class V> int bench(const std::vector<std::vector<uint8_t>> &frames, uint64_t min_cycles)
{
    auto ctx = std::make_unique<VerilatedContext>();
    auto m = std::make_unique<V>(ctx.get(), "nic");
    constexpr unsigned bpb = sizeof(TdataT<V>);
    m->rst = 1;
    for (int i = 0; i < 4; i++) {
        m->clk = 0; m->eval(); m->clk = 1; m->eval();
    }
    m->rst = 0;
    m->m_axis_rxmeta_tready = 1;
    uint64_t cycles = 0, results = 0;
    size_t fi = 0, off = 0;
    auto t0 = std::chrono::steady_clock::now();
    while (cycles < min_cycles) {
        const std::vector<uint8_t> &f = frames[fi];
        unsigned n = (unsigned)std::min<size_t>(bpb, f.size() - off);
        drive(*m, f.data() + off, n);
        m->s_axis_rx_tvalid = 1;
        m->s_axis_rx_tlast = off + n >= f.size();
        m->s_axis_rx_tuser = 0;
        m->clk = 0;
        m->eval();
        bool take = m->s_axis_rx_tready;
        results += m->m_axis_rxmeta_tvalid;
        m->clk = 1;
        m->eval();
        cycles++;
        if (take) {
            off += n;
            if (off >= f.size()) {
                off = 0;
                fi = (fi + 1) % frames.size();
            }
        }
    }
    double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::printf("cycles=%llu results=%llu wall_s=%.3f cycles_per_s=%.0f\n",
                (unsigned long long)cycles, (unsigned long long)results, wall, cycles / wall);
    return 0;
}
}  // namespace

int main(int argc, char **argv)
{
    if (argc != 4) {
        std::fprintf(stderr, "usage: nicsim-bench-bare TRACE WIDTH MIN_CYCLES\n");
        return 2;
    }
    char err[512];
    tr_trace *t = nullptr;
    tr_options o = {1500, 1};
    if (tr_open(&t, argv[1], &o, err, sizeof err) < 0) {
        std::fprintf(stderr, "nicsim-bench-bare: %s\n", err);
        return 1;
    }
    std::vector<std::vector<uint8_t>> frames;
    tr_frame f;
    int rc;
    while ((rc = tr_next(t, &f, err, sizeof err)) > 0) frames.emplace_back(f.data, f.data + f.len);
    tr_close(t);
    if (rc < 0 || frames.empty()) {
        std::fprintf(stderr, "nicsim-bench-bare: %s\n", rc < 0 ? err : "no frames");
        return 1;
    }
    int width = std::atoi(argv[2]);
    uint64_t n = std::strtoull(argv[3], nullptr, 10);
    return width == 512 ? bench<Vnic_top_w512>(frames, n) : bench<Vnic_top_w64>(frames, n);
}
