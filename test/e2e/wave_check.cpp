// wave_check FST VCD: compares the value changes of a VCD with those of an FST of the same
// window, the FST read through the fstapi bundled with Verilator (an independent reader of
// what the model wrote). Prints the number of changes compared, or the first difference and
// exits 1.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <tuple>
#include <vector>

#include "gtkwave/fstapi.h"

namespace {
using Change = std::tuple<uint64_t, uint32_t, std::string>;  // time, handle, value

void on_change(void *user, uint64_t time, fstHandle h, const unsigned char *value)
{
    auto *v = static_cast<std::vector<Change> *>(user);
    v->emplace_back(time, h, std::string(reinterpret_cast<const char *>(value)));
}

// VCD identifiers written by fstapi: handle in base 94 from '!', least significant first,
// each digit offset by one
uint32_t vcd_id_handle(const char *id)
{
    size_t n = std::strlen(id);
    uint32_t v = 0;
    for (size_t i = n; i-- > 0;) v = v * 94 + (uint32_t)(id[i] - '!') + 1;
    return v;
}

bool read_vcd(const char *path, std::vector<Change> &out)
{
    FILE *f = std::fopen(path, "r");
    if (!f) return false;
    char line[65536];
    bool defs = true;
    uint64_t t = 0;
    while (std::fgets(line, sizeof line, f)) {
        line[std::strcspn(line, "\r\n")] = 0;
        if (defs) {
            if (std::strstr(line, "$enddefinitions")) defs = false;
            continue;
        }
        if (line[0] == '#') {
            t = std::strtoull(line + 1, nullptr, 10);
        } else if (line[0] == 'b' || line[0] == 'B') {
            char *sp = std::strchr(line, ' ');
            if (!sp) continue;
            *sp = 0;
            out.emplace_back(t, vcd_id_handle(sp + 1), std::string(line + 1));
        } else if (std::strchr("01xzXZ", line[0]) && line[0] && line[1]) {
            out.emplace_back(t, vcd_id_handle(line + 1), std::string(1, line[0]));
        }
    }
    std::fclose(f);
    return true;
}
}  // namespace

int main(int argc, char **argv)
{
    if (argc != 3) {
        std::fprintf(stderr, "usage: wave_check FST VCD\n");
        return 2;
    }
    void *rd = fstReaderOpen(argv[1]);
    if (!rd) {
        std::fprintf(stderr, "%s: cannot read FST\n", argv[1]);
        return 2;
    }
    std::vector<Change> fst, vcd;
    fstReaderSetFacProcessMaskAll(rd);
    fstReaderIterBlocks(rd, on_change, &fst, nullptr);
    fstReaderClose(rd);
    if (!read_vcd(argv[2], vcd)) {
        std::fprintf(stderr, "%s: cannot read VCD\n", argv[2]);
        return 2;
    }
    std::sort(fst.begin(), fst.end());
    std::sort(vcd.begin(), vcd.end());
    if (fst.empty()) {
        std::fprintf(stderr, "%s holds no value change\n", argv[1]);
        return 1;
    }
    size_t n = std::min(fst.size(), vcd.size());
    for (size_t i = 0; i < n; i++) {
        if (fst[i] != vcd[i]) {
            std::fprintf(stderr, "change %zu differs: FST t=%llu handle %u = %s, VCD t=%llu handle %u = %s\n", i,
                         (unsigned long long)std::get<0>(fst[i]), std::get<1>(fst[i]), std::get<2>(fst[i]).c_str(),
                         (unsigned long long)std::get<0>(vcd[i]), std::get<1>(vcd[i]), std::get<2>(vcd[i]).c_str());
            return 1;
        }
    }
    if (fst.size() != vcd.size()) {
        std::fprintf(stderr, "FST has %zu value changes, VCD %zu\n", fst.size(), vcd.size());
        return 1;
    }
    std::printf("%zu value changes equal\n", fst.size());
    return 0;
}
