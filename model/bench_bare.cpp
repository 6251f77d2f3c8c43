// Bare-model benchmark: the same Verilated NIC as `nicsim run`, clocked in a plain loop with
// no SystemC, no pacing, no bus timing and a zero-time host: the real driver programs the
// rings through the register port and, on every interrupt, runs its ISR and DPC at once
// (costs ignored, frames discarded). Frames of a capture are fed back to back.
//   nicsim-bench-bare TRACE.pcap WIDTH(64|512) MIN_CYCLES
// Prints: cycles, frames completed, wall seconds, cycles per second.
#ifndef NICSIM_BENCH_W64_ONLY  // (the 65,536-slot build has the 64-bit model only)
#include "Vnic_top_w512.h"
#endif
#include "Vnic_top_w64.h"
#include "verilated.h"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <memory>
#include <type_traits>
#include <vector>

#include "port_bytes.h"

extern "C" {
#include "drv.h"
#include "hostmem.h"
#include "trace.h"
}

namespace {
// One simulation thread, as in nicsim run: no idle worker threads.
VerilatedContext *single_thread(VerilatedContext *c)
{
    c->threads(1);
    return c;
}

template <class V> using TdataT = std::remove_reference_t<decltype(std::declval<V>().s_axis_rx_tdata)>;

template <class V> struct Bench {
    static constexpr unsigned kBytes = sizeof(TdataT<V>) <= 8 ? 8 : sizeof(TdataT<V>);
    std::unique_ptr<VerilatedContext> ctx{single_thread(new VerilatedContext)};
    std::unique_ptr<V> m{new V(ctx.get(), "nic")};
    hm_region *mem = nullptr;
    ~Bench() { hm_close(mem); }
    drv_dev *drv = nullptr;
    uint64_t cycles = 0, delivered = 0;
    struct Rd {
        uint64_t addr;
        uint32_t len, tag, sent;
    };
    std::deque<Rd> reads;

    void tick()
    {
        m->clk = 0;
        m->eval();
        m->clk = 1;
        m->eval();
        cycles++;
    }
    // Register access from the zero-time host: every other port idle meanwhile.
    void quiet_ports()
    {
        m->s_axis_rx_tvalid = 0;
        m->s_dma_rd_cpl_valid = 0;
        m->m_dma_rd_req_ready = 0;
        m->m_dma_wr_ready = 0;
    }
    static void csr_write(void *ctx, uint32_t a, uint32_t v)
    {
        auto *b = static_cast<Bench *>(ctx);
        b->quiet_ports();
        b->m->s_csr_addr = a;
        b->m->s_csr_wdata = v;
        b->m->s_csr_wr = 1;
        b->tick();
        b->m->s_csr_wr = 0;
    }
    static uint32_t csr_read(void *ctx, uint32_t a)
    {
        auto *b = static_cast<Bench *>(ctx);
        b->quiet_ports();
        b->m->s_csr_addr = a;
        b->m->s_csr_rd = 1;
        b->tick();
        b->m->s_csr_rd = 0;
        for (int i = 0; i < 16; i++) {
            b->m->clk = 0;
            b->m->eval();
            if (b->m->s_csr_rvalid) return b->m->s_csr_rdata;
            b->m->clk = 1;
            b->m->eval();
        }
        return 0;
    }
    static uint64_t rx(void *user, const drv_rx_frame *) { static_cast<Bench *>(user)->delivered++; return 0; }
    static uint64_t cost(void *, int, int, uint64_t) { return 0; }

    int run(const std::vector<std::vector<uint8_t>> &frames, uint64_t min_cycles)
    {
        m->rst = 1;
        for (int i = 0; i < 4; i++) tick();
        m->rst = 0;
        m->m_axis_rxmeta_tready = 1;
        m->m_axis_tx_tready = 1;
        char err[256];
        if (hm_open(&mem, 0x100000000ull, 64u << 20, err, sizeof err) < 0) {
            std::fprintf(stderr, "nicsim-bench-bare: %s\n", err);
            return 1;
        }
        drv_mem_if dmem = hm_driver_if(mem);
        drv_config dc;
        drv_config_defaults(&dc);
        dc.cpus = 4;
        dc.rx_queues = 4;
        drv_hw_ops hw{csr_write, csr_read, this};
        drv_callbacks cb{rx, cost, this, nullptr};
        if (drv_open(&drv, &dc, &hw, &dmem, &cb, err, sizeof err) < 0) {
            std::fprintf(stderr, "nicsim-bench-bare: %s\n", err);
            return 1;
        }
        size_t fi = 0, off = 0;
        uint64_t start = cycles;
        auto t0 = std::chrono::steady_clock::now();
        while (cycles - start < min_cycles) {
            const std::vector<uint8_t> &f = frames[fi];
            unsigned n = (unsigned)std::min<size_t>(kBytes, f.size() - off);
            put_bytes(m->s_axis_rx_tdata, f.data() + off, n, kBytes);
            m->s_axis_rx_tkeep = keep_mask(n, kBytes);
            m->s_axis_rx_tvalid = 1;
            m->s_axis_rx_tlast = off + n >= f.size();
            m->s_axis_rx_tuser = 0;
            m->m_dma_rd_req_ready = reads.size() < 32;
            m->m_dma_wr_ready = 1;
            m->s_dma_rd_cpl_valid = 0;
            if (!reads.empty()) {  // zero-latency host memory
                Rd &r = reads.front();
                unsigned k = std::min<unsigned>(kBytes, r.len - r.sent);
                put_bytes(m->s_dma_rd_cpl_data, (const uint8_t *)hm_ptr(mem, r.addr + r.sent, k), k, kBytes);
                m->s_dma_rd_cpl_tag = r.tag;
                m->s_dma_rd_cpl_last = r.sent + k >= r.len;
                m->s_dma_rd_cpl_valid = 1;
            }
            m->s_now_ns = cycles * 64 / 10;
            m->clk = 0;
            m->eval();
            bool take = m->s_axis_rx_tready;
            bool rd_req = m->m_dma_rd_req_valid && m->m_dma_rd_req_ready;
            bool rd_beat = m->s_dma_rd_cpl_valid && m->s_dma_rd_cpl_ready;
            if (rd_req) reads.push_back(Rd{m->m_dma_rd_req_addr, (uint32_t)m->m_dma_rd_req_len, (uint32_t)m->m_dma_rd_req_tag, 0});
            if (m->m_dma_wr_valid) {
                uint64_t a = m->m_dma_wr_addr;
                for (unsigned i = 0; i < kBytes; i++)
                    if (((uint64_t)m->m_dma_wr_strb >> i) & 1) {
                        uint8_t *p = (uint8_t *)hm_ptr(mem, a + i, 1);
                        if (p) *p = get_byte(m->m_dma_wr_data, i);
                    }
            }
            bool irq = m->m_irq_valid;
            unsigned vec = m->m_irq_vector;
            m->clk = 1;
            m->eval();
            cycles++;
            if (rd_beat) {
                Rd &r = reads.front();
                r.sent += std::min<unsigned>(kBytes, r.len - r.sent);
                if (r.sent >= r.len) reads.pop_front();
            }
            if (take) {
                off += n;
                if (off >= f.size()) {
                    off = 0;
                    fi = (fi + 1) % frames.size();
                }
            }
            if (irq) {  // zero-time host: ISR and DPC at once
                drv_isr(drv, (int)vec);
                int more = 1;
                while (more) drv_dpc(drv, (int)vec, &more);
            }
        }
        double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        std::printf("cycles=%llu delivered=%llu wall_s=%.3f cycles_per_s=%.0f\n",
                    (unsigned long long)(cycles - start), (unsigned long long)delivered, wall,
                    (double)(cycles - start) / wall);
        drv_close(drv);
        return 0;
    }
};
}  // namespace

int main(int argc, char **argv)
{
    if (argc != 4) {
        std::fprintf(stderr, "usage: nicsim-bench-bare TRACE WIDTH MIN_CYCLES\n");
        return 2;
    }
    char err[512];
    tr_trace *t = nullptr;
    tr_options o = {1500, 1, 0, nullptr};
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
#ifdef NICSIM_BENCH_W64_ONLY
    if (width != 64) {
        std::fprintf(stderr, "nicsim-bench-bare: this build has the 64-bit model only\n");
        return 2;
    }
#else
    if (width == 512) return Bench<Vnic_top_w512>().run(frames, n);
#endif
    return Bench<Vnic_top_w64>().run(frames, n);
}
