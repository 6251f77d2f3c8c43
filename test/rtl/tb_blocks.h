/*
 * tb_blocks.h: the per-block Verilator testbenches, all driving the shared wrapper
 * test/rtl/tb_blocks.v (Verilated as Vtb_blocks_w64 with every block, and Vtb_blocks_w512
 * with the blocks that have a data-width parameter).
 */
#ifndef NICSIM_TEST_RTL_TB_BLOCKS_H
#define NICSIM_TEST_RTL_TB_BLOCKS_H

#include <cstdint>
#include <string>
#include <vector>

#include "Vtb_blocks_w512.h"
#include "Vtb_blocks_w64.h"
#include "harness.h"

struct TbArgs {
    std::string block;
    unsigned width = 64;
    uint64_t seed = 1;
    unsigned scale = 1;      /* multiplies the amount of random traffic */
    std::string vectors;     /* RSS verification vectors (rss_toeplitz) */
};

using TbFn64 = int (*)(const TbArgs &, tbh::Dut<Vtb_blocks_w64> &);
using TbFn512 = int (*)(const TbArgs &, tbh::Dut<Vtb_blocks_w512> &);

struct TbEntry {
    const char *name;
    TbFn64 w64;   /* every block */
    TbFn512 w512; /* nullptr: the block has no data-width parameter, run once at 64 */
};

/* each bench file appends its blocks */
void tb_register_arb(std::vector<TbEntry> &v);
void tb_register_rx(std::vector<TbEntry> &v);
void tb_register_host(std::vector<TbEntry> &v);

/* data-path bytes per beat of a wrapper model */
template <class V> constexpr unsigned tb_beat_bytes();
template <> constexpr unsigned tb_beat_bytes<Vtb_blocks_w64>() { return 8; }
template <> constexpr unsigned tb_beat_bytes<Vtb_blocks_w512>() { return 64; }

#endif
