// The packet log (model/packet_log.h).
#include "packet_log.h"

#include <cinttypes>

extern "C" {
#include "nic_hw.h"
#include "rss.h"
#include "simtime.h"
}

void PacketLog::header()
{
    if (out_) fputs("frame,time_ns,len,l3,l4,hash_type,hash,queue,csum,cpu,path,latency_ns,app_latency_ns\n", out_);
}

LogRow *PacketLog::take_delivered(unsigned q, uint64_t *abs_index)
{
    if (q >= queue_rows_.size() || queue_rows_[q].empty()) return nullptr;
    uint64_t idx = queue_rows_[q].front();
    queue_rows_[q].pop_front();
    if (abs_index) *abs_index = idx;
    return &rows_[idx - base_];
}

uint64_t PacketLog::finish_pending(uint64_t *per_queue, unsigned nq)
{
    uint64_t n = 0;
    for (auto &r : rows_) {
        r.app_wait = false;  // the run is over: bytes not consumed by now never were
        if (!r.done) {
            r.done = true;
            r.fate = NIC_FATE_PENDING;
            if (per_queue && r.queue < nq) per_queue[r.queue]++;
            n++;
        }
    }
    return n;
}

void PacketLog::flush()
{
    while (!rows_.empty() && rows_.front().done && !rows_.front().app_wait) {
        if (out_) write_row(rows_.front());
        rows_.pop_front();
        base_++;
    }
}

// ps as ns with three decimals, signed.
static void fmt_ps(int64_t l, char *buf, size_t len)
{
    uint64_t a = (uint64_t)(l < 0 ? -l : l);
    snprintf(buf, len, "%s%" PRIu64 ".%03u", l < 0 ? "-" : "", a / NS_PS_PER_NS, (unsigned)(a % NS_PS_PER_NS));
}

void PacketLog::write_row(const LogRow &r)
{
    const char *fate = nic_fate_name(r.fate);
    if (!fate) fate = nic_fate_name(NIC_FATE_DELIVERED);
    uint64_t ns = ns_ns_from_ps(r.start_ps);
    unsigned frac = (unsigned)(r.start_ps % NS_PS_PER_NS);
    if (r.fate == NIC_FATE_FIFO_OVERFLOW) {  // never reached the parser: no classification
        fprintf(out_, "%" PRIu64 ",%" PRIu64 ".%03u,%u,,,,,,,,%s,,\n", r.frame_no, ns, frac, r.len, fate);
        return;
    }
    char hbuf[16] = "";
    if (r.hash_type != NIC_HT_NONE) snprintf(hbuf, sizeof hbuf, "0x%08x", r.hash);
    const char *htn = rss_hash_type_name(r.hash_type);
    const char *l3 = nic_l3_name(r.l3), *l4 = nic_l4_name(r.l4 & NIC_CPL_ST_KIND_MASK);
    char cpu[16] = "";
    if (r.cpu >= 0) snprintf(cpu, sizeof cpu, "%d", r.cpu);
    char lat[32] = "", alat[32] = "";
    if (r.has_latency) fmt_ps(r.latency_ps, lat, sizeof lat);
    if (r.has_app_latency) fmt_ps(r.app_latency_ps, alat, sizeof alat);
    fprintf(out_, "%" PRIu64 ",%" PRIu64 ".%03u,%u,%s,%s,%s,%s,%u,%s,%s,%s,%s,%s\n", r.frame_no, ns, frac, r.len,
            l3 ? l3 : "?", l4, htn ? htn : "?", hbuf, r.queue, nic_csum_name(r.csum), cpu, fate, lat, alat);
}
