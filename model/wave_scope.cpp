// --wave-scope support: the blocks of the NIC as an FST file's hierarchy shows them (wave.h).
#include <algorithm>
#include <string>
#include <vector>

#include "gtkwave/fstapi.h"
#include "wave.h"

bool read_fst_blocks(const std::string &fst_path, const std::string &scope, std::vector<std::string> &out)
{
    void *rd = fstReaderOpen(fst_path.c_str());
    if (!rd) return false;
    std::vector<std::string> stack;
    struct fstHier *h;
    while ((h = fstReaderIterateHier(rd))) {
        if (h->htyp == FST_HT_SCOPE) {
            std::string parent;
            for (auto &s : stack) parent += (parent.empty() ? "" : ".") + s;
            std::string name = h->u.scope.name;
            if (parent == scope && std::find(out.begin(), out.end(), name) == out.end()) out.push_back(name);
            stack.push_back(name);
        } else if (h->htyp == FST_HT_UPSCOPE) {
            if (!stack.empty()) stack.pop_back();
        }
    }
    fstReaderClose(rd);
    return true;
}
