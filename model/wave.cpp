#include "wave.h"

#include <unistd.h>

#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <algorithm>
#include <map>
#include <vector>

#include "verilated.h"
#include "verilated_fst_c.h"
#include "gtkwave/fstapi.h"
#include "nic_hw.h"
extern "C" {
#include "nicsim_model.h"
#include "rss.h"  // no C++ guards of its own
}

namespace {
bool ends_with(const std::string &s, const char *suf)
{
    std::string t(suf);
    return s.size() >= t.size() && s.compare(s.size() - t.size(), t.size(), t) == 0;
}
}  // namespace

std::string strip_ext(const std::string &p)
{
    size_t dot = p.find_last_of('.');
    size_t slash = p.find_last_of('/');
    if (dot == std::string::npos || (slash != std::string::npos && dot < slash)) return p;
    return p.substr(0, dot);
}

WaveWriter::WaveWriter(const std::string &path, uint64_t from_ps, uint64_t to_ps)
    : path_(path), from_ps_(from_ps), to_ps_(to_ps), fst_(new VerilatedFstC)
{
    vcd_ = ends_with(path, ".vcd");
    fst_path_ = vcd_ ? path + ".tmp.fst" : path;
}

WaveWriter::~WaveWriter()
{
    std::string ignored;
    if (opened_) close(0, ignored);
}

bool WaveWriter::open(std::string &err)
{
    FILE *probe = std::fopen(path_.c_str(), "wb");
    if (!probe) {
        err = path_ + ": cannot write waveform file";
        return false;
    }
    std::fclose(probe);
    fst_->open(fst_path_.c_str());
    if (!fst_->isOpen()) {
        err = fst_path_ + ": cannot write waveform file";
        return false;
    }
    opened_ = true;
    return true;
}

void WaveWriter::do_dump(uint64_t t_ps)
{
    if (dumped_ && t_ps <= last_ps_) return;  // the window edge coincided with a clock phase
    dumped_ = true;
    last_ps_ = t_ps;
    fst_->dump(t_ps);
}

bool WaveWriter::close(uint64_t end_ps, std::string &err)
{
    if (!opened_) return true;
    // the last stretch was idle: extend the waveform to the end of the run (or window)
    dump(to_ps_ && end_ps > to_ps_ ? to_ps_ + 1 : end_ps);
    opened_ = false;
    fst_->close();
    if (!vcd_) return true;
    void *rd = fstReaderOpen(fst_path_.c_str());
    FILE *out = rd ? std::fopen(path_.c_str(), "w") : nullptr;
    bool ok = rd && out;
    if (ok) {
        // reading the hierarchy (re)allocates the mask of signals to process, cleared: the
        // mask is set after it, or the value changes are all skipped and only times remain
        ok = fstReaderProcessHier(rd, out);
        fstReaderSetFacProcessMaskAll(rd);
        ok = ok && fstReaderIterBlocks(rd, nullptr, nullptr, out);
    }
    if (out && std::fclose(out) != 0) ok = false;
    if (rd) fstReaderClose(rd);
    unlink(fst_path_.c_str());
    if (!ok) err = path_ + ": failed to convert the waveform to VCD";
    return ok;
}

namespace {
// One GTKWave translate filter file: "value name" per line, the value as the trace shows it
// (hexadecimal).
struct Enum {
    const char *key;  // file name part
    std::vector<std::pair<int, const char *>> names;
    int hex_digits;   // as GTKWave shows the value
};

std::vector<Enum> enums()
{
    std::vector<Enum> e;
    Enum ht{ns_wave_filter_keys[0], {}, 1}, cs{ns_wave_filter_keys[1], {}, 1}, fate{ns_wave_filter_keys[2], {}, 1},
        cpl{ns_wave_filter_keys[3], {}, 2};
    for (int i = 0; i < NIC_HT_COUNT; i++)
        if (rss_hash_type_name(i)) ht.names.emplace_back(i, rss_hash_type_name(i));
    for (int i = 0; i < NIC_CSUM_COUNT; i++)
        if (nic_csum_name(i)) cs.names.emplace_back(i, nic_csum_name(i));
    // the RTL's 2-bit fate: delivered or one of the NIC's own drops
    for (int i = 0; i < NIC_FATE_FIFO_OVERFLOW; i++)
        if (nic_fate_name(i)) fate.names.emplace_back(i, nic_fate_name(i));
    for (int i : {0, (int)NIC_CPL_TYPE_RX, (int)NIC_CPL_TYPE_TX})
        cpl.names.emplace_back(i, i ? nic_cpl_type_name(i) : "none");
    e.push_back(ht);
    e.push_back(cs);
    e.push_back(fate);
    e.push_back(cpl);
    return e;
}

// Which enumeration a signal carries (index into enums()), -1 for none: by name and width.
int enum_of(const std::string &name, uint32_t width)
{
    auto ends = [&](const char *suf) { return ends_with(name, suf); };
    if (width == 3 && (ends("hash_type") || name == "ht" || ends("_ht"))) return 0;
    if (width == 3 && ends("csum")) return 1;
    if ((width == 2 || width == 3) && (ends("rxmeta_drop") || ends("fate") || ends("drop_code") || ends("drop_code_reg"))) return 2;
    return -1;
}

// The wave window: first and last time stamped in the file (in its time unit).
bool wave_window(const std::string &wave_path, uint64_t &t0, uint64_t &t1)
{
    if (ends_with(wave_path, ".vcd")) {
        FILE *f = std::fopen(wave_path.c_str(), "r");
        if (!f) return false;
        char line[4096];
        bool any = false;
        while (std::fgets(line, sizeof line, f)) {
            if (line[0] != '#') continue;
            uint64_t t = std::strtoull(line + 1, nullptr, 10);
            if (!any) t0 = t;
            t1 = t;
            any = true;
        }
        std::fclose(f);
        return any;
    }
    void *rd = fstReaderOpen(wave_path.c_str());
    if (!rd) return false;
    t0 = fstReaderGetStartTime(rd);
    t1 = fstReaderGetEndTime(rd);
    fstReaderClose(rd);
    return true;
}
}  // namespace

std::string write_gtkw_save(const std::string &wave_path, const std::string &dumpfile, const std::string &save,
                            const char *const *filter_paths, const char *top_scope)
{
    // VCD output was converted from the FST, which is deleted; read the hierarchy of
    // whichever file exists (fstapi reads both FST and, via its VCD front end, only FST,
    // so for VCD we rebuild the scope list from the VCD header ourselves).
    struct Sig {
        std::string name;
        uint32_t width;
    };
    std::vector<std::string> order;
    std::map<std::string, std::vector<Sig>> groups;
    auto add = [&](const std::string &scope, const std::string &name, uint32_t width) {
        if (!groups.count(scope)) order.push_back(scope);
        auto &g = groups[scope];
        for (auto &s : g)
            if (s.name == name) return;
        g.push_back(Sig{name, width});
    };
    if (ends_with(wave_path, ".vcd")) {
        FILE *f = std::fopen(wave_path.c_str(), "r");
        if (!f) return wave_path + ": cannot read back waveform";
        char line[1024];
        std::vector<std::string> stack;
        while (std::fgets(line, sizeof line, f)) {
            char a[256], b[256], c[256], d[256];
            unsigned w;
            if (std::sscanf(line, " $scope %255s %255s", a, b) == 2) {
                stack.push_back(b);
            } else if (std::strncmp(line, " $upscope", 9) == 0 || std::strncmp(line, "$upscope", 8) == 0) {
                if (!stack.empty()) stack.pop_back();
            } else if (std::sscanf(line, " $var %255s %u %255s %255s", a, &w, c, d) == 4 &&
                       std::strcmp(a, "parameter") != 0) {
                std::string scope;
                for (auto &s : stack) scope += (scope.empty() ? "" : ".") + s;
                add(scope, d, w);
            } else if (std::strstr(line, "$enddefinitions")) {
                break;
            }
        }
        std::fclose(f);
    } else {
        void *rd = fstReaderOpen(wave_path.c_str());
        if (!rd) return wave_path + ": cannot read back waveform";
        std::vector<std::string> stack;
        struct fstHier *h;
        while ((h = fstReaderIterateHier(rd))) {
            if (h->htyp == FST_HT_SCOPE) {
                stack.push_back(h->u.scope.name);
            } else if (h->htyp == FST_HT_UPSCOPE) {
                if (!stack.empty()) stack.pop_back();
            } else if (h->htyp == FST_HT_VAR && h->u.var.typ != FST_VT_VCD_PARAMETER) {
                std::string scope;
                for (auto &s : stack) scope += (scope.empty() ? "" : ".") + s;
                std::string n = h->u.var.name;
                size_t br = n.find(' ');
                if (br != std::string::npos) n = n.substr(0, br);
                add(scope, n, h->u.var.length);
            }
        }
        fstReaderClose(rd);
    }
    uint64_t t0 = 0, t1 = 0;
    if (!wave_window(wave_path, t0, t1)) return wave_path + ": cannot read back waveform";
    char cwd[4096];
    std::string abs = dumpfile;
    if (!dumpfile.empty() && dumpfile[0] != '/' && getcwd(cwd, sizeof cwd))
        abs = std::string(cwd) + "/" + dumpfile;
    // translate filter files beside the save file (named after the waveform): small and
    // always the same, written directly
    std::vector<Enum> en = enums();
    std::vector<std::string> filters;
    for (size_t k = 0; k < en.size(); k++) {
        const Enum &e = en[k];
        std::string fp = strip_ext(abs) + "." + e.key + ".gtkwf";  // the name the save file uses
        std::string wp = filter_paths && filter_paths[k] ? filter_paths[k] : fp;  // where it is written
        FILE *ff = std::fopen(wp.c_str(), "w");
        if (!ff) return wp + ": cannot write GTKWave translate filter";
        for (auto &n : e.names) std::fprintf(ff, "%0*X %s\n", e.hex_digits, n.first, n.second);
        if (std::fclose(ff) != 0) return wp + ": cannot write GTKWave translate filter";
        filters.push_back(fp);
    }
    FILE *g = std::fopen(save.c_str(), "w");
    if (!g) return save + ": cannot write GTKWave save file";
    // Open on the whole dump window, as GTKWave's zoom-to-fit would: its zoom z shows
    // 2^-z time units per 200 pixels; the wave area is the window width less the signal
    // tree, the name pane and the borders (a few pixels to spare).
    const int width_px = 1600, sst_px = 260, names_px = 320;
    double span = t1 > t0 ? (double)(t1 - t0 + 1) : 1.0;
    double zoom = std::min(0.0, -std::log2(span * 200.0 / (double)(width_px - sst_px - names_px - 50)));
    std::fprintf(g, "[*] nicsim waveform save file: one group per block\n");
    std::fprintf(g, "[dumpfile] \"%s\"\n[savefile] \"%s\"\n[timestart] %" PRIu64 "\n[size] %d 900\n", abs.c_str(),
                 (strip_ext(dumpfile) + ".gtkw").c_str(), t0, width_px);
    // zoom, primary marker at the window's start, the 26 named markers unset
    std::fprintf(g, "*%f %" PRIu64, zoom, t0);
    for (int i = 0; i < 26; i++) std::fprintf(g, " -1");
    std::fprintf(g, "\n[sst_width] %d\n[signals_width] %d\n[sst_expanded] 1\n", sst_px, names_px);
    std::string top = top_scope;
    // the top wrapper (TOP) holds exactly the top module's ports
    std::string wrapper = top.substr(0, top.find_last_of('.') == std::string::npos ? 0 : top.find_last_of('.'));
    std::map<std::string, bool> ports;
    if (groups.count(wrapper))
        for (auto &s : groups[wrapper]) ports[s.name] = true;
    auto trace = [&](const std::string &scope, const Sig &s) {
        int k = enum_of(s.name, s.width);
        if (k >= 0) {
            std::fprintf(g, "@2022\n^%d %s\n%s.%s[%u:0]\n", k + 1, filters[(size_t)k].c_str(), scope.c_str(),
                         s.name.c_str(), s.width - 1);
        } else if (s.width > 1) {
            std::fprintf(g, "@22\n%s.%s[%u:0]\n", scope.c_str(), s.name.c_str(), s.width - 1);
        } else {
            std::fprintf(g, "@28\n%s.%s\n", scope.c_str(), s.name.c_str());
        }
        // the completion type (byte NIC_CPL_TYPE) of the completion entry a DMA engine writes:
        // its 8 bits combined into a trace of their own ((i) counts bits from the MSB)
        if (s.width == 8 * NIC_CPL_BYTES && (s.name == "cpl_entry_reg" || s.name == "cw_entry_reg")) {
            std::string full = scope + "." + s.name + "[" + std::to_string(s.width - 1) + ":0]";
            std::fprintf(g, "@2022\n^4 %s\n#{%s.cpl_type}", filters[3].c_str(), scope.c_str());
            for (uint32_t b = 8 * NIC_CPL_TYPE + 7; b + 1 > 8 * NIC_CPL_TYPE; b--)
                std::fprintf(g, " (%u)%s", s.width - 1 - b, full.c_str());
            std::fprintf(g, "\n");
        }
    };
    for (auto &scope : order) {
        // group the nic instance and its blocks
        if (scope.compare(0, top.size(), top) != 0) continue;
        if (scope == top) {
            // the ports open; the top module's internal signals in a closed group of their own
            std::fprintf(g, "@800200\n-nic_top (ports)\n");
            for (auto &s : groups[scope])
                if (ports.count(s.name)) trace(scope, s);
            std::fprintf(g, "@1000200\n-nic_top (ports)\n@c00200\n-nic_top (internal)\n");
            for (auto &s : groups[scope])
                if (!ports.count(s.name)) trace(scope, s);
            std::fprintf(g, "@1000200\n-nic_top (internal)\n");
            continue;
        }
        std::string label = scope.substr(top.size() + 1);
        // each block's group closed (click to expand)
        std::fprintf(g, "@c00200\n-%s\n", label.c_str());
        for (auto &s : groups[scope]) trace(scope, s);
        std::fprintf(g, "@1000200\n-%s\n", label.c_str());
    }
    if (std::fclose(g) != 0) return save + ": cannot write GTKWave save file";
    return "";
}
