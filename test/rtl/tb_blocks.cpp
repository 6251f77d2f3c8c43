/*
 * tb_blocks: per-block Verilator testbenches of the NIC RTL (see tb_blocks.h).
 *
 *   tb_blocks --block NAME [--width 64|512] [--seed N] [--scale N] [--vectors FILE]
 *   tb_blocks --list
 *
 * Exit status 0 when every check passed, 1 on a failed check, 2 on a usage error.
 */
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "tb_blocks.h"

namespace {

int usage()
{
    std::fprintf(stderr, "usage: tb_blocks --block NAME [--width 64|512] [--seed N] [--scale N] "
                         "[--vectors FILE] | --list\n");
    return 2;
}

} // namespace

int main(int argc, char **argv)
{
    std::vector<TbEntry> blocks;
    tb_register_rx(blocks);
    tb_register_host(blocks);
    tb_register_arb(blocks);

    TbArgs a;
    for (int i = 1; i < argc; i++) {
        std::string s = argv[i];
        bool has = i + 1 < argc;
        if (s == "--list") {
            for (const TbEntry &e : blocks)
                std::printf("%s%s\n", e.name, e.w512 ? "" : " (width 64 only)");
            return 0;
        } else if (s == "--block" && has) {
            a.block = argv[++i];
        } else if (s == "--width" && has) {
            a.width = static_cast<unsigned>(std::strtoul(argv[++i], nullptr, 10));
        } else if (s == "--seed" && has) {
            a.seed = std::strtoull(argv[++i], nullptr, 0);
        } else if (s == "--scale" && has) {
            a.scale = static_cast<unsigned>(std::strtoul(argv[++i], nullptr, 10));
        } else if (s == "--vectors" && has) {
            a.vectors = argv[++i];
        } else {
            return usage();
        }
    }
    if (a.block.empty() || (a.width != 64 && a.width != 512) || a.scale == 0)
        return usage();
    for (const TbEntry &e : blocks) {
        if (a.block != e.name)
            continue;
        if (a.width == 64) {
            tbh::Dut<Vtb_blocks_w64> dut;
            return e.w64(a, dut);
        }
        if (!e.w512) {
            std::fprintf(stderr, "tb_blocks: %s has no data-width parameter; run it at 64\n", e.name);
            return 2;
        }
        tbh::Dut<Vtb_blocks_w512> dut;
        return e.w512(a, dut);
    }
    std::fprintf(stderr, "tb_blocks: unknown block '%s' (--list)\n", a.block.c_str());
    return 2;
}
