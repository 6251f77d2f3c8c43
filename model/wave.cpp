#include "wave.h"

#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <map>
#include <vector>

#include "verilated.h"
#include "verilated_fst_c.h"
#include "gtkwave/fstapi.h"

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

std::string write_gtkw_save(const std::string &wave_path, const std::string &dumpfile, const std::string &save,
                            const char *top_scope)
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
    FILE *g = std::fopen(save.c_str(), "w");
    if (!g) return save + ": cannot write GTKWave save file";
    char cwd[4096];
    std::string abs = dumpfile;
    if (!dumpfile.empty() && dumpfile[0] != '/' && getcwd(cwd, sizeof cwd))
        abs = std::string(cwd) + "/" + dumpfile;
    std::fprintf(g, "[*] nicsim waveform save file: one group per block\n");
    std::fprintf(g, "[dumpfile] \"%s\"\n[savefile] \"%s\"\n[timestart] 0\n[size] 1600 900\n",
                 abs.c_str(), (strip_ext(dumpfile) + ".gtkw").c_str());
    std::fprintf(g, "[sst_width] 260\n[signals_width] 320\n[sst_expanded] 1\n");
    std::string top = top_scope;
    for (auto &scope : order) {
        // the top wrapper (TOP) repeats the nic ports; group the nic instance and its blocks
        if (scope.compare(0, top.size(), top) != 0) continue;
        std::string label = scope == top ? "nic_top (ports)" : scope.substr(top.size() + 1);
        // the nic_top ports open, each block's group closed (click to expand)
        std::fprintf(g, "%s\n-%s\n", scope == top ? "@800200" : "@c00200", label.c_str());
        for (auto &s : groups[scope]) {
            if (s.width > 1)
                std::fprintf(g, "@22\n%s.%s[%u:0]\n", scope.c_str(), s.name.c_str(), s.width - 1);
            else
                std::fprintf(g, "@28\n%s.%s\n", scope.c_str(), s.name.c_str());
        }
        std::fprintf(g, "@1000200\n-%s\n", label.c_str());
    }
    std::fclose(g);
    return "";
}
