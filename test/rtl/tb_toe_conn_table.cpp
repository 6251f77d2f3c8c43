/*
 * tb_toe_conn_table: testbench for rtl/toe_conn_table.v (the TOE connection table), run
 * against its two Verilated configurations Vtoe_conn_table_1k (SLOTS = 1024) and
 * Vtoe_conn_table_64k (SLOTS = 65536), both WAYS = 4, STASH = 16.
 *
 *   tb_toe_conn_table --slots 1024|65536 [--seed N] [--ops N]
 *
 * Every lookup result and every command completion is checked against a reference model
 * (std::map key -> slot, std::map slot -> key) that applies each command at the cycle the
 * RTL documents: lookups accepted from one cycle before the completion is presented see it,
 * earlier ones do not. Lookup results must come exactly 4 cycles after acceptance, in
 * order, with their user tag; command completions 5 cycles after acceptance.
 *
 * Cases (each counts as one check in the closing summary):
 *   init        after reset the lookup port is not ready for SLOTS/WAYS cycles (sweep)
 *   random      random inserts / deletes by key and by slot over a pool of IPv4 and IPv6
 *               keys, lookups of pool keys and of unknown keys, random idle cycles on the
 *               lookup stream and random backpressure on the completion port; half the
 *               commands offered while the previous one is still in flight
 *   load        random keys into the empty table until the first refusal: occupancy at
 *               that point (the load factor reachable), peak stash use
 *   collide     keys constructed to share both bucket indices (the hash is a CRC, so the
 *               testbench solves for them over GF(2)), IPv4 and IPv6: 2*WAYS + STASH are
 *               accepted, the next is refused with RESOURCES while slots are free; lookups
 *               of all of them hit; a delete makes room again
 *   full        the rest of the table filled with random keys while lookups run at full
 *               rate; one more insert is refused with RESOURCES; every key looked up
 *               back-to-back (lookups per cycle measured); a delete by slot, then an insert
 *               succeeds and takes the freed slot
 *   mixed_rate  commands back-to-back (each offered after the previous completion) while
 *               lookups are offered every cycle: lookups per cycle alongside
 *   cmd_queue   the same with the next command always waiting in the block's command
 *               buffer: the command path saturated
 *   stats       the statistics outputs against the counts of each phase
 */
#include <algorithm>
#include <array>
#include <cinttypes>
#include <cstdarg>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "Vtoe_conn_table_1k.h"
#include "Vtoe_conn_table_64k.h"
#include "verilated.h"

namespace {

// RTL parameters of both configurations
constexpr uint32_t kWays = 4;
constexpr uint32_t kStash = 16;
constexpr uint64_t kLookupLatency = 4;
constexpr uint64_t kCmdLatency = 5; // one cycle in the command buffer, then the pipeline
constexpr int kKeyBits = 289;       // {v6, src addr, dst addr, src port, dst port}

enum Op { OP_INSERT = 0, OP_DELETE_KEY = 1, OP_DELETE_SLOT = 2 };
enum Status { ST_OK = 0, ST_EXISTS = 1, ST_RESOURCES = 2, ST_NOT_FOUND = 3 };

// A key as the 289-bit vector of the RTL: bit i in w[i / 64]. Field positions:
// dst port [15:0], src port [31:16], dst addr [159:32], src addr [287:160], v6 [288].
// Addresses in network byte order, first wire byte most significant; IPv4 in the low 32 bits.
struct Key {
    std::array<uint64_t, 5> w{};
    bool operator<(const Key &o) const { return w < o.w; }
    bool operator==(const Key &o) const { return w == o.w; }
};

bool kbit(const Key &k, int i) { return (k.w[i >> 6] >> (i & 63)) & 1; }
void kflip(Key &k, int i) { k.w[i >> 6] ^= uint64_t(1) << (i & 63); }
void kset(Key &k, int i, bool v) {
    if (kbit(k, i) != v) kflip(k, i);
}
uint32_t kbits32(const Key &k, int lo) {
    int wi = lo >> 6, sh = lo & 63;
    uint64_t v = k.w[wi] >> sh;
    if (sh > 32 && wi + 1 < 5) v |= k.w[wi + 1] << (64 - sh);
    return uint32_t(v);
}
void kput32(Key &k, int lo, uint32_t v, int n = 32) {
    for (int b = 0; b < n; b++) kset(k, lo + b, (v >> b) & 1);
}
Key kxor(const Key &a, const Key &b) {
    Key r;
    for (int i = 0; i < 5; i++) r.w[i] = a.w[i] ^ b.w[i];
    return r;
}

std::string kstr(const Key &k) {
    char buf[160];
    if (!kbit(k, 288)) {
        uint32_t s = kbits32(k, 160), d = kbits32(k, 32);
        snprintf(buf, sizeof buf, "v4 %u.%u.%u.%u:%u > %u.%u.%u.%u:%u", s >> 24, (s >> 16) & 255,
                 (s >> 8) & 255, s & 255, kbits32(k, 16) & 0xffff, d >> 24, (d >> 16) & 255,
                 (d >> 8) & 255, d & 255, kbits32(k, 0) & 0xffff);
    } else {
        snprintf(buf, sizeof buf, "v6 %08x%08x%08x%08x:%u > %08x%08x%08x%08x:%u", kbits32(k, 256),
                 kbits32(k, 224), kbits32(k, 192), kbits32(k, 160), kbits32(k, 16) & 0xffff,
                 kbits32(k, 128), kbits32(k, 96), kbits32(k, 64), kbits32(k, 32),
                 kbits32(k, 0) & 0xffff);
    }
    return buf;
}

// The RTL hash (rtl/toe_hash.v): CRC-32 over the key, MSB (bit 288) first, non-reflected,
// init 0xFFFFFFFF, no final XOR; sub-table 0 CRC-32C polynomial, sub-table 1 CRC-32.
uint32_t crc_key(const Key &k, uint32_t poly) {
    uint32_t crc = 0xFFFFFFFFu;
    for (int i = kKeyBits - 1; i >= 0; i--) {
        bool fb = ((crc >> 31) & 1) ^ kbit(k, i);
        crc <<= 1;
        if (fb) crc ^= poly;
    }
    return crc;
}

// both bucket indices packed: idx0 | idx1 << iw
uint64_t bucket_pair(const Key &k, int iw) {
    uint64_t m = (uint64_t(1) << iw) - 1;
    return (crc_key(k, 0x1EDC6F41u) & m) | (uint64_t(crc_key(k, 0x04C11DB7u) & m) << iw);
}

/*
 * Keys colliding with a base key in both sub-tables. The bucket pair is an affine function
 * of the key over GF(2): pair(base ^ d) ^ pair(base) = pair(d) ^ pair(0) = L(d), linear.
 * Gaussian elimination over the chosen bit positions gives the kernel of L (deltas that keep
 * the pair) and, for a target t, a particular delta with L(delta) = t.
 */
class CollisionSolver {
public:
    CollisionSolver(int iw, const std::vector<int> &positions) {
        Key zero;
        uint64_t p0 = bucket_pair(zero, iw);
        for (int p : positions) {
            Key e;
            kflip(e, p);
            uint64_t v = bucket_pair(e, iw) ^ p0;
            Key comb = e;
            reduce(v, comb);
            if (v == 0) {
                kernel_.push_back(comb);
            } else {
                int piv = 63 - __builtin_clzll(v);
                basis_[piv] = {v, comb};
            }
        }
    }
    // a delta with L(delta) = t, false if none in the span
    bool solve(uint64_t t, Key &delta) const {
        Key comb;
        reduce(t, comb);
        delta = comb;
        return t == 0;
    }
    Key random_kernel(std::mt19937_64 &rng) const {
        Key d;
        for (const Key &k : kernel_)
            if (rng() & 1) d = kxor(d, k);
        return d;
    }
    size_t kernel_dim() const { return kernel_.size(); }

private:
    void reduce(uint64_t &v, Key &comb) const {
        for (int b = 63; b >= 0; b--) {
            if (!((v >> b) & 1)) continue;
            auto it = basis_.find(b);
            if (it == basis_.end()) return;
            v ^= it->second.first;
            comb = kxor(comb, it->second.second);
        }
    }
    std::map<int, std::pair<uint64_t, Key>> basis_;
    std::vector<Key> kernel_;
};

struct Counts {
    uint64_t lookups = 0, hits = 0, inserts = 0, refused = 0, deletes = 0;
};

template <class M>
class Tb {
public:
    Tb(uint32_t slots, uint64_t seed) : slots_(slots), rng_(seed) {
        ctx_ = std::make_unique<VerilatedContext>();
        ctx_->randReset(2);
        ctx_->randSeed(int(seed & 0x7fffffff));
        m_ = std::make_unique<M>(ctx_.get());
        iw_ = 0;
        while ((1u << iw_) < slots_ / kWays) iw_++;
    }

    uint32_t slots() const { return slots_; }
    int idx_width() const { return iw_; }
    std::mt19937_64 &rng() { return rng_; }
    uint64_t cycle() const { return cyc_; }
    int errors() const { return errors_; }
    const std::map<Key, uint32_t> &ref() const { return ref_; }
    const std::map<uint32_t, Key> &by_slot() const { return by_slot_; }
    M *model() { return m_.get(); }
    Counts &counts() { return counts_; }

    void fail(const char *fmt, ...) __attribute__((format(printf, 2, 3))) {
        if (errors_ < 20) {
            va_list ap;
            va_start(ap, fmt);
            fprintf(stderr, "FAIL @%" PRIu64 ": ", cyc_);
            vfprintf(stderr, fmt, ap);
            fputc('\n', stderr);
            va_end(ap);
        }
        errors_++;
    }

    // reset, then run the sweep with lookups offered; returns the cycles until ready
    uint64_t reset() {
        m_->rst = 1;
        m_->s_lookup_valid = 0;
        m_->s_cmd_valid = 0;
        m_->m_cmd_ready = 1;
        for (int i = 0; i < 4; i++) tick();
        m_->rst = 0;
        lq_.clear();
        changes_.clear();
        ref_.clear();
        by_slot_.clear();
        counts_ = Counts();
        cmd_pending_ = resp_seen_ = false;
        sent_.clear();
        prev_done_ = 0;
        uint64_t start = cyc_;
        Key k = random_key();
        while (!m_->status_ready && cyc_ - start < 2u * slots_ + 16) step(true, k);
        if (!lq_.empty()) fail("lookup accepted during the reset sweep");
        return cyc_ - start;
    }

    // one clock cycle; returns whether the offered lookup was accepted
    bool step(bool lk_valid, const Key &lk) {
        m_->s_lookup_valid = lk_valid;
        drive_lookup(lk);
        m_->s_lookup_user = user_ & 0xffff;
        m_->s_cmd_valid = cmd_pending_;
        drive_cmd(cur_);
        bool cready = std::uniform_real_distribution<double>(0, 1)(rng_) < cmd_ready_p;
        m_->m_cmd_ready = cready;
        m_->clk = 0;
        m_->eval();
        bool lk_acc = lk_valid && m_->s_lookup_ready;
        bool c_acc = cmd_pending_ && m_->s_cmd_ready;
        bool c_done = m_->m_cmd_valid && cready;
        m_->clk = 1;
        m_->eval();
        cyc_++;
        if (lk_acc) {
            lq_.push_back({cyc_ - 1, lk, uint16_t(user_)});
            user_++;
        }
        if (c_acc) {
            cmd_pending_ = false;
            sent_.push_back({cur_, cyc_ - 1});
        }
        if (c_done) {
            if (!resp_seen_) fail("completion taken before it was seen");
            resp_seen_ = false;
            prev_done_ = cyc_ - 1;
            if (!sent_.empty()) sent_.pop_front();
        }
        if (m_->m_cmd_valid && !resp_seen_) {
            resp_seen_ = true;
            check_cmd();
        }
        if (m_->m_lookup_valid) check_lookup();
        return lk_acc;
    }

    // issue one command and clock (with the given lookup source) until it is complete
    template <class F>
    int command(int op, const Key &k, uint32_t slot, F &&lookup_src, uint32_t *slot_out = nullptr) {
        post(op, k, slot);
        last_status_ = -1;
        uint64_t start = cyc_;
        while (cmd_pending_ || !sent_.empty()) {
            Key lk;
            bool v = lookup_src(lk);
            step(v, lk);
            if (cyc_ - start > 10000) {
                fail("command %d never completed", op);
                break;
            }
        }
        if (slot_out) *slot_out = last_slot_;
        return last_status_;
    }

    // offer a command without waiting for it (it may wait in the block's command buffer)
    void post(int op, const Key &k, uint32_t slot) {
        cur_ = {op, k, slot};
        cmd_pending_ = true;
    }
    bool cmd_pending() const { return cmd_pending_; }
    size_t cmds_outstanding() const { return sent_.size() + (cmd_pending_ ? 1 : 0); }

    // clock idle cycles until every lookup result is back
    void drain() {
        Key k;
        for (int i = 0; i < 16; i++) step(false, k);
        if (!lq_.empty()) fail("%zu lookups without a result", lq_.size());
    }

    void check_stats(const char *phase) {
        drain();
        auto chk = [&](const char *name, uint64_t got, uint64_t want) {
            if (got != (want & 0xffffffffu))
                fail("%s: stat_%s %" PRIu64 " want %" PRIu64, phase, name, got, want);
        };
        chk("lookups", m_->stat_lookups, counts_.lookups);
        chk("hits", m_->stat_hits, counts_.hits);
        chk("inserts", m_->stat_inserts, counts_.inserts);
        chk("refused", m_->stat_refused, counts_.refused);
        chk("deletes", m_->stat_deletes, counts_.deletes);
        if (m_->status_occupancy != ref_.size())
            fail("%s: occupancy %u want %zu", phase, unsigned(m_->status_occupancy), ref_.size());
    }

    Key random_key() {
        Key k;
        bool v6 = rng_() % 5 < 2;
        // local side (destination): one of a few server addresses and ports
        static const uint16_t ports[] = {445, 80, 443, 3260, 2049, 5001};
        uint16_t lport = ports[rng_() % 6];
        uint16_t pport = uint16_t(1024 + rng_() % 64512);
        kput32(k, 0, lport, 16);
        kput32(k, 16, pport, 16);
        kset(k, 288, v6);
        if (v6) {
            kput32(k, 128, 0x20010db8u);
            kput32(k, 32, uint32_t(1 + rng_() % 4));
            for (int i = 0; i < 4; i++) kput32(k, 160 + 32 * i, uint32_t(rng_()));
            kput32(k, 256, 0x20010db8u);
        } else {
            kput32(k, 32, 0x0a000001u + uint32_t(rng_() % 4));
            kput32(k, 160, 0xc0a80000u | uint32_t(rng_() & 0xffff));
        }
        return k;
    }

    double cmd_ready_p = 1.0;
    int last_status_ = -1;
    uint32_t last_slot_ = 0;
    uint32_t overflow_refusals = 0; // RESOURCES with free slots (buckets and stash full)
    int64_t first_refusal_occupancy = -1;
    uint32_t peak_stash = 0;

private:
    struct Pending {
        uint64_t acc;
        Key key;
        uint16_t user;
    };
    struct Change {
        uint64_t vis; // first acceptance cycle of a lookup that sees the change
        Key key;
        bool had;
        uint32_t slot;
    };
    struct Cmd {
        int op = 0;
        Key key;
        uint32_t slot = 0;
    };

    void tick() {
        m_->clk = 0;
        m_->eval();
        m_->clk = 1;
        m_->eval();
        cyc_++;
    }

    void drive_lookup(const Key &k) {
        m_->s_lookup_v6 = kbit(k, 288);
        for (int i = 0; i < 4; i++) {
            m_->s_lookup_src_addr[i] = kbits32(k, 160 + 32 * i);
            m_->s_lookup_dst_addr[i] = kbits32(k, 32 + 32 * i);
        }
        m_->s_lookup_src_port = kbits32(k, 16) & 0xffff;
        m_->s_lookup_dst_port = kbits32(k, 0) & 0xffff;
    }

    void drive_cmd(const Cmd &c) {
        m_->s_cmd_op = c.op;
        m_->s_cmd_slot = c.slot;
        m_->s_cmd_v6 = kbit(c.key, 288);
        for (int i = 0; i < 4; i++) {
            m_->s_cmd_src_addr[i] = kbits32(c.key, 160 + 32 * i);
            m_->s_cmd_dst_addr[i] = kbits32(c.key, 32 + 32 * i);
        }
        m_->s_cmd_src_port = kbits32(c.key, 16) & 0xffff;
        m_->s_cmd_dst_port = kbits32(c.key, 0) & 0xffff;
    }

    Key cmd_key_out() {
        Key k;
        kset(k, 288, m_->m_cmd_v6);
        for (int i = 0; i < 4; i++) {
            kput32(k, 160 + 32 * i, m_->m_cmd_src_addr[i]);
            kput32(k, 32 + 32 * i, m_->m_cmd_dst_addr[i]);
        }
        kput32(k, 16, m_->m_cmd_src_port, 16);
        kput32(k, 0, m_->m_cmd_dst_port, 16);
        return k;
    }

    void apply(const Key &k, bool insert, uint32_t slot) {
        Change c{cyc_ - 1, k, !insert, slot};
        changes_.push_back(c);
        if (changes_.size() > 8) changes_.pop_front();
        if (insert) {
            ref_[k] = slot;
            by_slot_[slot] = k;
        } else {
            ref_.erase(k);
            by_slot_.erase(slot);
        }
    }

    void check_cmd() {
        if (sent_.empty()) {
            fail("completion without a command");
            return;
        }
        const Cmd c = sent_.front().cmd;
        // the command enters the pipeline the cycle after it was accepted and after the
        // previous completion was taken, and completes 4 cycles later
        uint64_t want = std::max(sent_.front().acc, prev_done_) + kCmdLatency;
        if (cyc_ != want)
            fail("completion in cycle %" PRIu64 ", want %" PRIu64 " (accepted %" PRIu64 ")", cyc_,
                 want, sent_.front().acc);
        int st = m_->m_cmd_status;
        uint32_t slot = m_->m_cmd_slot;
        Key rk = cmd_key_out();
        last_status_ = st;
        last_slot_ = slot;
        if (int(m_->m_cmd_op) != c.op) fail("completion op %d want %d", int(m_->m_cmd_op), c.op);
        switch (c.op) {
        case OP_INSERT: {
            counts_.inserts++;
            auto it = ref_.find(c.key);
            if (!(rk == c.key)) fail("insert completion key differs");
            if (it != ref_.end()) {
                if (st != ST_EXISTS || slot != it->second)
                    fail("insert of present %s: status %d slot %u, want EXISTS slot %u",
                         kstr(c.key).c_str(), st, slot, it->second);
            } else if (ref_.size() == slots_) {
                if (st != ST_RESOURCES) fail("insert into full table: status %d, want RESOURCES", st);
                counts_.refused++;
                if (first_refusal_occupancy < 0) first_refusal_occupancy = int64_t(ref_.size());
            } else if (st == ST_OK) {
                if (slot >= slots_ || by_slot_.count(slot))
                    fail("insert got slot %u which is in use or out of range", slot);
                apply(c.key, true, slot);
            } else if (st == ST_RESOURCES) {
                counts_.refused++;
                overflow_refusals++;
                if (first_refusal_occupancy < 0) first_refusal_occupancy = int64_t(ref_.size());
                if (m_->status_stash_used != kStash)
                    fail("RESOURCES with %zu of %u slots used and the stash not full (%u)",
                         ref_.size(), slots_, unsigned(m_->status_stash_used));
            } else {
                fail("insert of %s: status %d", kstr(c.key).c_str(), st);
            }
            break;
        }
        case OP_DELETE_KEY: {
            auto it = ref_.find(c.key);
            if (it != ref_.end()) {
                if (st != ST_OK || slot != it->second)
                    fail("delete of %s: status %d slot %u, want OK slot %u", kstr(c.key).c_str(),
                         st, slot, it->second);
                counts_.deletes++;
                apply(c.key, false, it->second);
            } else if (st != ST_NOT_FOUND) {
                fail("delete of absent %s: status %d", kstr(c.key).c_str(), st);
            }
            break;
        }
        case OP_DELETE_SLOT: {
            auto it = by_slot_.find(c.slot);
            if (slot != c.slot) fail("delete-slot completion slot %u want %u", slot, c.slot);
            if (it != by_slot_.end()) {
                if (st != ST_OK) fail("delete of slot %u: status %d, want OK", c.slot, st);
                if (!(rk == it->second))
                    fail("delete of slot %u returned %s, want %s", c.slot, kstr(rk).c_str(),
                         kstr(it->second).c_str());
                counts_.deletes++;
                Key k = it->second;
                apply(k, false, c.slot);
            } else if (st != ST_NOT_FOUND) {
                fail("delete of unused slot %u: status %d", c.slot, st);
            }
            break;
        }
        default:
            break;
        }
        if (m_->status_occupancy != ref_.size())
            fail("occupancy %u want %zu", unsigned(m_->status_occupancy), ref_.size());
        peak_stash = std::max<uint32_t>(peak_stash, m_->status_stash_used);
    }

    void check_lookup() {
        if (lq_.empty()) {
            fail("lookup result without a request");
            return;
        }
        Pending p = lq_.front();
        lq_.pop_front();
        if (cyc_ != p.acc + kLookupLatency)
            fail("lookup result %" PRIu64 " cycles after acceptance, want %" PRIu64, cyc_ - p.acc,
                 kLookupLatency);
        if (m_->m_lookup_user != p.user) fail("lookup user %u want %u", unsigned(m_->m_lookup_user), p.user);
        auto it = ref_.find(p.key);
        bool hit = it != ref_.end();
        uint32_t slot = hit ? it->second : 0;
        // undo the changes this lookup must not see (accepted before they became visible)
        for (auto c = changes_.rbegin(); c != changes_.rend(); ++c) {
            if (c->vis > p.acc && c->key == p.key) {
                hit = c->had;
                slot = c->slot;
            }
        }
        counts_.lookups++;
        if (hit) counts_.hits++;
        if (bool(m_->m_lookup_hit) != hit || (hit && m_->m_lookup_slot != slot))
            fail("lookup %s: hit %d slot %u, want hit %d slot %u", kstr(p.key).c_str(),
                 int(m_->m_lookup_hit), unsigned(m_->m_lookup_slot), int(hit), slot);
    }

    uint32_t slots_;
    int iw_;
    std::mt19937_64 rng_;
    std::unique_ptr<VerilatedContext> ctx_;
    std::unique_ptr<M> m_;
    uint64_t cyc_ = 0;
    uint32_t user_ = 0;
    int errors_ = 0;
    std::deque<Pending> lq_;
    std::deque<Change> changes_;
    std::map<Key, uint32_t> ref_;
    std::map<uint32_t, Key> by_slot_;
    Counts counts_;
    struct Sent {
        Cmd cmd;
        uint64_t acc;
    };
    Cmd cur_;
    std::deque<Sent> sent_;
    bool cmd_pending_ = false, resp_seen_ = false;
    uint64_t prev_done_ = 0;
};

struct Summary {
    int checks = 0, failed = 0;
    void add(const char *name, bool ok) {
        checks++;
        if (!ok) failed++;
        printf("  %-11s %s\n", name, ok ? "ok" : "FAILED");
    }
};

template <class M>
int run(uint32_t slots, uint64_t seed, uint64_t ops) {
    Tb<M> tb(slots, seed);
    auto &rng = tb.rng();
    auto uni = [&]() { return std::uniform_real_distribution<double>(0, 1)(rng); };
    Summary sum;
    printf("tb_toe_conn_table: SLOTS=%u WAYS=%u STASH=%u seed=%" PRIu64 "\n", slots, kWays, kStash,
           seed);

    // --- init ---
    {
        int e0 = tb.errors();
        uint64_t n = tb.reset();
        if (n < slots / kWays || n > slots / kWays + 2)
            tb.fail("reset sweep took %" PRIu64 " cycles, want %u", n, slots / kWays);
        sum.add("init", tb.errors() == e0);
    }

    // --- random ---
    {
        int e0 = tb.errors();
        std::vector<Key> pool;
        size_t pool_n = std::min<size_t>(slots + slots / 2, 3000);
        for (size_t i = 0; i < pool_n; i++) pool.push_back(tb.random_key());
        tb.cmd_ready_p = 0.6;
        double idle_p = 0.3;
        auto lk_src = [&](Key &k) {
            if (uni() < idle_p) return false;
            k = uni() < 0.8 ? pool[rng() % pool.size()] : tb.random_key();
            return true;
        };
        for (uint64_t i = 0; i < ops; i++) {
            // idle stretch between commands
            int gap = int(rng() % 4);
            for (int g = 0; g < gap; g++) {
                Key k;
                bool v = lk_src(k);
                tb.step(v, k);
            }
            int r = int(rng() % 8);
            const Key &k = pool[rng() % pool.size()];
            // half the commands wait for their completion, half only for acceptance (the next
            // one then waits in the block's command buffer)
            auto issue = [&](int op, const Key &key, uint32_t slot) {
                if (rng() & 1) {
                    tb.command(op, key, slot, lk_src);
                    return;
                }
                tb.post(op, key, slot);
                while (tb.cmd_pending()) {
                    Key lk;
                    bool v = lk_src(lk);
                    tb.step(v, lk);
                }
            };
            if (r < 4) {
                issue(OP_INSERT, k, 0);
            } else if (r < 6) {
                issue(OP_DELETE_KEY, k, 0);
            } else {
                uint32_t s = uint32_t(rng() % slots);
                if (!tb.by_slot().empty() && (rng() & 1)) {
                    auto it = tb.by_slot().lower_bound(s);
                    if (it == tb.by_slot().end()) it = tb.by_slot().begin();
                    s = it->first;
                }
                issue(OP_DELETE_SLOT, k, s);
            }
        }
        while (tb.cmds_outstanding() > 0) {
            Key lk;
            bool v = lk_src(lk);
            tb.step(v, lk);
        }
        tb.check_stats("random");
        printf("    %" PRIu64 " commands, %" PRIu64 " lookups (%" PRIu64 " hits), occupancy at end %zu\n",
               ops, tb.counts().lookups, tb.counts().hits, tb.ref().size());
        tb.cmd_ready_p = 1.0;
        sum.add("random", tb.errors() == e0);
    }

    // --- load: random keys into the empty table until the first refusal ---
    {
        int e0 = tb.errors();
        tb.reset();
        tb.first_refusal_occupancy = -1;
        tb.overflow_refusals = 0;
        tb.peak_stash = 0;
        std::vector<Key> keys;
        auto lk_src = [&](Key &k) {
            if (keys.empty()) return false;
            k = keys[rng() % keys.size()];
            return true;
        };
        uint64_t inserts = 0;
        while (tb.first_refusal_occupancy < 0 && inserts < 4ull * slots) {
            Key k = tb.random_key();
            if (tb.ref().count(k)) continue;
            if (tb.command(OP_INSERT, k, 0, lk_src) == ST_OK) keys.push_back(k);
            inserts++;
        }
        tb.check_stats("load");
        printf("    load: first refusal at occupancy %" PRId64 " of %u (%.2f%% of slots, %.2f%% of "
               "the %u hash entries), %s; peak stash use %u of %u\n",
               tb.first_refusal_occupancy, slots, 100.0 * double(tb.first_refusal_occupancy) / slots,
               100.0 * double(tb.first_refusal_occupancy) / (2.0 * slots), 2 * slots,
               tb.overflow_refusals ? "buckets and stash full" : "every slot in use", tb.peak_stash,
               kStash);
        sum.add("load", tb.errors() == e0 && tb.first_refusal_occupancy > 0);
    }

    // --- collide, then full ---
    std::vector<Key> group;
    {
        int e0 = tb.errors();
        tb.reset();
        int iw = tb.idx_width();
        std::vector<int> v4pos, v6pos;
        for (int i = 0; i < 64; i++) v4pos.push_back(i);   // ports, IPv4 destination
        for (int i = 160; i < 192; i++) v4pos.push_back(i); // IPv4 source
        for (int i = 0; i < 288; i++) v6pos.push_back(i);
        CollisionSolver s4(iw, v4pos), s6(iw, v6pos);
        Key base = tb.random_key();
        kset(base, 288, false);
        for (int i = 64; i < 288; i++) kset(base, i, i >= 160 && i < 192 ? kbit(base, i) : false);
        uint64_t pair = bucket_pair(base, iw);
        // IPv6 keys with the same pair: base ^ v6 flag ^ d, L(d) = L(v6 flag)
        Key flag;
        kflip(flag, 288);
        Key zero;
        Key d6;
        bool ok6 = s6.solve(bucket_pair(flag, iw) ^ bucket_pair(zero, iw), d6);
        if (!ok6) tb.fail("no IPv6 key collides with the IPv4 base");
        std::map<Key, int> seen;
        size_t want = 2 * kWays + kStash + 4;
        while (group.size() < want) {
            Key k;
            if (group.size() % 2 == 0 || !ok6)
                k = kxor(base, s4.random_kernel(rng));
            else
                k = kxor(kxor(kxor(base, flag), d6), s6.random_kernel(rng));
            if (bucket_pair(k, iw) != pair) {
                tb.fail("constructed key does not collide");
                break;
            }
            if (seen.count(k)) continue;
            seen[k] = 1;
            group.push_back(k);
        }
        auto lk_src = [&](Key &k) {
            if (group.empty()) return false;
            k = group[rng() % group.size()];
            return true;
        };
        tb.overflow_refusals = 0;
        size_t accepted = 0;
        std::vector<Key> in;
        for (const Key &k : group) {
            int st = tb.command(OP_INSERT, k, 0, lk_src);
            if (st == ST_OK) {
                accepted++;
                in.push_back(k);
            }
        }
        if (accepted != 2 * kWays + kStash || tb.overflow_refusals != 4 ||
            tb.model()->status_stash_used != kStash)
            tb.fail("collide: %zu accepted (want %u), %u refusals (want 4), stash %u", accepted,
                    2 * kWays + kStash, tb.overflow_refusals, unsigned(tb.model()->status_stash_used));
        // every accepted key hits, back to back
        for (const Key &k : in) tb.step(true, k);
        for (const Key &k : group) tb.step(true, k);
        // a delete (one in the stash, one in a bucket) makes room for the refused ones
        tb.command(OP_DELETE_KEY, in.back(), 0, lk_src);
        tb.command(OP_DELETE_KEY, in.front(), 0, lk_src);
        int st1 = tb.command(OP_INSERT, group[group.size() - 1], 0, lk_src);
        int st2 = tb.command(OP_INSERT, group[group.size() - 2], 0, lk_src);
        int st3 = tb.command(OP_INSERT, group[group.size() - 3], 0, lk_src);
        if (st1 != ST_OK || st2 != ST_OK || st3 != ST_RESOURCES)
            tb.fail("collide: after two deletes inserts gave %d %d %d, want OK OK RESOURCES", st1, st2,
                    st3);
        tb.check_stats("collide");
        printf("    collide: %zu keys (IPv4 and IPv6) on one bucket pair: %zu accepted, kernel "
               "dimension %zu (IPv4 bits) / %zu (IPv6 bits)\n",
               group.size(), accepted, s4.kernel_dim(), s6.kernel_dim());
        sum.add("collide", tb.errors() == e0);
    }

    {
        int e0 = tb.errors();
        // fill every slot with random keys while lookups of present keys run every cycle
        std::vector<Key> keys;
        for (auto &kv : tb.ref()) keys.push_back(kv.first);
        auto lk_src = [&](Key &k) {
            k = keys.empty() || (rng() & 7) == 0 ? tb.random_key() : keys[rng() % keys.size()];
            return true;
        };
        uint64_t c0 = tb.cycle(), l0 = tb.counts().lookups;
        while (tb.ref().size() < slots) {
            Key k = tb.random_key();
            if (tb.ref().count(k)) continue;
            if (tb.command(OP_INSERT, k, 0, lk_src) == ST_OK) keys.push_back(k);
            if (tb.errors() > 20) break;
        }
        uint64_t fill_cycles = tb.cycle() - c0;
        tb.drain();
        uint64_t fill_lookups = tb.counts().lookups - l0;
        // one more is refused with RESOURCES
        Key extra = tb.random_key();
        while (tb.ref().count(extra)) extra = tb.random_key();
        int st = tb.command(OP_INSERT, extra, 0, lk_src);
        if (st != ST_RESOURCES) tb.fail("insert into the full table: status %d, want RESOURCES", st);
        // every key looked up back-to-back
        std::vector<Key> all;
        for (auto &kv : tb.ref()) all.push_back(kv.first);
        std::shuffle(all.begin(), all.end(), rng);
        uint64_t a0 = tb.cycle(), acc = 0;
        for (const Key &k : all) {
            while (!tb.step(true, k)) {
            }
            acc++;
        }
        double lpc = double(acc) / double(tb.cycle() - a0);
        tb.drain();
        // delete by slot, then an insert takes that slot
        uint32_t victim = uint32_t(rng() % slots), got = 0;
        int sd = tb.command(OP_DELETE_SLOT, Key(), victim, lk_src);
        int si = tb.command(OP_INSERT, extra, 0, lk_src, &got);
        if (sd != ST_OK || si != ST_OK || got != victim)
            tb.fail("full: delete slot %u gave %d, insert gave %d slot %u (want OK, OK, slot %u)",
                    victim, sd, si, got, victim);
        tb.check_stats("full");
        printf("    full: %u slots filled in %" PRIu64 " cycles with %" PRIu64
               " lookups alongside (%.3f lookups/cycle); %zu keys looked up back-to-back: %.4f "
               "lookups/cycle, all %s\n",
               slots, fill_cycles, fill_lookups, double(fill_lookups) / double(fill_cycles), all.size(),
               lpc, tb.errors() == e0 ? "correct" : "CHECKED WITH ERRORS");
        sum.add("full", tb.errors() == e0);
    }

    // --- mixed_rate: commands back-to-back, lookups offered every cycle ---
    {
        int e0 = tb.errors();
        std::vector<Key> keys;
        for (auto &kv : tb.ref()) keys.push_back(kv.first);
        auto lk_src = [&](Key &k) {
            k = keys[rng() % keys.size()];
            return true;
        };
        uint64_t c0 = tb.cycle(), l0 = tb.counts().lookups;
        for (int i = 0; i < 2000; i++) {
            const Key &k = keys[rng() % keys.size()];
            if (i % 2 == 0)
                tb.command(OP_DELETE_KEY, k, 0, lk_src);
            else
                tb.command(OP_INSERT, k, 0, lk_src);
        }
        uint64_t cycles = tb.cycle() - c0;
        tb.drain();
        uint64_t lks = tb.counts().lookups - l0;
        printf("    mixed_rate: 2000 commands in %" PRIu64 " cycles (%.2f cycles each), %.3f "
               "lookups/cycle alongside\n",
               cycles, double(cycles) / 2000.0, double(lks) / double(cycles));
        tb.check_stats("mixed_rate");
        sum.add("mixed_rate", tb.errors() == e0);
    }

    // --- cmd_queue: the command buffer kept full, lookups offered every cycle ---
    {
        int e0 = tb.errors();
        std::vector<Key> keys;
        for (auto &kv : tb.ref()) keys.push_back(kv.first);
        uint64_t c0 = tb.cycle(), l0 = tb.counts().lookups;
        int posted = 0;
        while (posted < 2000 || tb.cmds_outstanding() > 0) {
            if (posted < 2000 && !tb.cmd_pending()) {
                const Key &k = keys[rng() % keys.size()];
                tb.post(posted % 2 == 0 ? OP_DELETE_KEY : OP_INSERT, k, 0);
                posted++;
            }
            tb.step(true, keys[rng() % keys.size()]);
            if (tb.cycle() - c0 > 100000) {
                tb.fail("cmd_queue: commands stuck");
                break;
            }
        }
        uint64_t cycles = tb.cycle() - c0;
        tb.drain();
        uint64_t lks = tb.counts().lookups - l0;
        printf("    cmd_queue: 2000 commands in %" PRIu64 " cycles (%.2f cycles each), %.3f "
               "lookups/cycle alongside\n",
               cycles, double(cycles) / 2000.0, double(lks) / double(cycles));
        tb.check_stats("cmd_queue");
        sum.add("cmd_queue", tb.errors() == e0);
    }

    {
        int e0 = tb.errors();
        tb.check_stats("stats");
        sum.add("stats", tb.errors() == e0);
    }

    printf("tb_toe_conn_table SLOTS=%u: %d checks, %d failed (%d errors)\n", slots, sum.checks,
           sum.failed, tb.errors());
    return sum.failed == 0 && tb.errors() == 0 ? 0 : 1;
}

} // namespace

int main(int argc, char **argv) {
    uint32_t slots = 1024;
    uint64_t seed = 1;
    uint64_t ops = 20000;
    for (int i = 1; i < argc; i++) {
        std::string a = argv[i];
        if (i + 1 < argc && a == "--slots") {
            slots = uint32_t(strtoul(argv[++i], nullptr, 0));
        } else if (i + 1 < argc && a == "--seed") {
            seed = strtoull(argv[++i], nullptr, 0);
        } else if (i + 1 < argc && a == "--ops") {
            ops = strtoull(argv[++i], nullptr, 0);
        } else {
            fprintf(stderr, "usage: tb_toe_conn_table --slots 1024|65536 [--seed N] [--ops N]\n");
            return 2;
        }
    }
    if (slots == 1024) return run<Vtoe_conn_table_1k>(slots, seed, ops);
    if (slots == 65536) return run<Vtoe_conn_table_64k>(slots, seed, ops);
    fprintf(stderr, "tb_toe_conn_table: --slots must be 1024 or 65536\n");
    return 2;
}
