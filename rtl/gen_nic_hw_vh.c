/* Writes nic_hw.vh, the Verilog view of rtl/nic_hw.h: one `define per constant the RTL uses
 * (rows with a Verilog width), as a sized literal. Usage: nicsim-gen-hw-vh [OUT]
 * (standard output without OUT). The CTest check hw_contract_vh compares its output with
 * the committed rtl/nic_hw.vh; `cmake --build build --target regen-hw-vh` rewrites it. */
#include "nic_hw.h"

#include <stdio.h>

static int emit(FILE *f, const char *cname, long long value, int bits, const char *comment)
{
    char name[64];
    if (bits == 0) return 0;
    snprintf(name, sizeof name, "%s%s", cname, bits < 0 ? "_W" : "");
    if (bits < 0) {  /* a register byte address the RTL decodes as a word address */
        if (value % 4) {
            fprintf(stderr, "nicsim-gen-hw-vh: %s = %lld is not word-aligned\n", cname, value);
            return -1;
        }
        value /= 4;
        bits = -bits;
    }
    if (value < 0 || (bits < 63 && value >= (1ll << bits))) {
        fprintf(stderr, "nicsim-gen-hw-vh: %s = %lld does not fit in %d bits\n", name, value, bits);
        return -1;
    }
    int pad = 32 - (int)__builtin_strlen(name);
    fprintf(f, "`define %s%*s %d'h%llx%s%s\n", name, pad > 0 ? pad : 1, "", bits, value, comment[0] ? "  // " : "",
            comment);
    return 0;
}

int main(int argc, char **argv)
{
    FILE *f = stdout;
    if (argc > 2) {
        fprintf(stderr, "usage: nicsim-gen-hw-vh [OUT]\n");
        return 2;
    }
    if (argc == 2 && !(f = fopen(argv[1], "w"))) {
        perror(argv[1]);
        return 1;
    }
    int rc = 0;
    fputs("// Generated from rtl/nic_hw.h by nicsim-gen-hw-vh: do not edit. The hardware/software\n"
          "// contract (docs/hw-interface.md); the CTest check hw_contract_vh keeps the two equal.\n"
          "`ifndef NICSIM_NIC_HW_VH\n`define NICSIM_NIC_HW_VH\n",
          f);
#define NIC_EMIT_(name, value, bits, comment) rc |= emit(f, #name, (long long)(value), bits, comment);
    NIC_HW_CONSTANTS(NIC_EMIT_)
#undef NIC_EMIT_
    fputs("`endif\n", f);
    if (f != stdout && fclose(f) != 0) rc = -1;
    return rc ? 1 : 0;
}
