/*
 * Block benches of the host interface: nic_csr, nic_irq.
 *
 *   nic_csr  reset values of every global register; random writes and reads over the whole
 *            global map (RW, RO, key, table, unused addresses) against a software register
 *            map: read data one cycle after the strobe, writes to RO/unused addresses
 *            ignored, configuration outputs (enables, masks, key bytes, table entries) equal
 *            to the map after every write; sub-block decode (RX queue, TX queue, vector:
 *            strobes, index, word offset, write data; read data taken from s_sub_rdata);
 *            statistics counters under random strobes read back at random times
 *   nic_irq  interrupt moderation per docs/hw-interface.md, under random events, random
 *            per-vector thresholds (frames 0..8, time 0 or 50..3000 ns), a driver that
 *            re-arms each vector a random time after its message, and time that advances
 *            1..20 ns per cycle or jumps to the published deadline: every message must be
 *            justified (enabled, unmasked, events >= frames threshold or the time threshold
 *            reached since the first event) and every due vector must get its message within
 *            a bounded number of cycles; the published deadline is never later than a
 *            pending vector's; sent counters, enable/masked bits and thresholds read back;
 *            the statistics strobe counts the messages
 *   nic_desc_fetch  16 queues with small rings (2..64 entries, so reads wrap often) in a
 *            host-memory model; a driver posts descriptors and rings the tail doorbell
 *            whenever its ring has room; every read request must start at the queue's
 *            fetch position (base + 16 * (fetch mod entries)), ask for 1..n whole
 *            descriptors that are posted, fit the free on-chip slots and stop at the ring's
 *            wrap; completions come back in random order after random delays with random
 *            ready; a consumer pops, commits and rewinds at random on random queues and
 *            must see exactly the descriptors of its counter values (counter value on
 *            m_cons_ctr, contents from host memory); every posted descriptor is fetched
 *            once and consumed; the head registers read back the committed heads
 *   nic_dma_rx  batches of random frames (1..2000 bytes) with their queue and result on
 *            three independent streams (random idle), host write port with backpressure, a
 *            software descriptor fetcher on the consumer port (descriptors with random
 *            buffer addresses and sizes 64..2048, random on-chip delays) and per-queue
 *            completion rings; between batches the driver posts descriptors and frees
 *            completion slots, so every frame's fate is known in advance: delivered, no
 *            descriptor (engine or queue disabled, unknown queue, too few descriptors or
 *            more than 8) or completion ring full. Checked: the fate on m_axis_rxmeta with
 *            the result fields; write beats aligned, bursts never crossing 4 KiB; each
 *            completion (address, hash, length, hash type, status/L3/L4/fragment, first
 *            descriptor counter, descriptors used, queue, type, phase) written after the
 *            frame's bytes, which must be in the buffers of the descriptors it names; the
 *            event sideband on the completion's last beat; pops/commits/rewinds leave every
 *            queue's head where the model has it; drop strobes; per-queue registers.
 *            Routes: frames are HOST (random completion flags/slot, checked in bytes 12..13
 *            and 15), PLACE (random skip/plen/len0, unaligned extents crossing pages, frames
 *            ending early; the placed region is compared byte for byte with the reference:
 *            every expected byte once, nothing outside the extents) or CONSUME, with
 *            fates PLACED/CONSUMED (NO_DESC with the engine off). Events: injected at random
 *            times into a batch's event queues (no HOST frame there) and unknown or
 *            disabled queues; a driver frees their completion slots now and then, so rings
 *            fill: an event is never taken while its ring is full (cycles of waiting are
 *            counted and must occur), lands in order at its ring position with the phase
 *            ORed in and the vector sideband; dropped events strobe stat_ev_dropped; in
 *            some batches the result stream is held while an event is presented (must not
 *            deadlock)
 *   nic_dma_tx  random frames of 1..4 descriptors (0..1500 bytes each, random buffer
 *            addresses so buffers cross 4 KiB pages) posted over time to a software
 *            descriptor fetcher (random on-chip delays, wake pulses); host read requests
 *            must be the descriptors' buffers cut at 4 KiB boundaries, in order; the host
 *            answers in random order after random delays, with random ready; the line
 *            side (random ready) must carry each frame's bytes in order, full beats but
 *            the last; each completion (address in the ring, cookie of the last
 *            descriptor, length, first descriptor counter, descriptors used, type, phase,
 *            event sideband) is checked, and never written into a full ring: the driver
 *            frees slots late on purpose; registers and the frame strobe count the frames
 */
#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <deque>
#include <map>
#include <string>
#include <vector>

#include "nic_hw.h"
#include "tb_blocks.h"

using namespace tbh;

namespace {

/* ---------------------------------------------------------------------------------------- */
/* nic_csr (NUM_RXQ 16) */

struct CsrModel {
    unsigned width;
    uint32_t ctrl = 0x3, hmask = 0x1b, tmask = 0;
    uint8_t key[40] = {};
    uint8_t table[128] = {};
    uint64_t frames = 0, bytes = 0, bad_ip = 0, bad_l4 = 0, unver = 0, non_ip = 0, nodesc = 0,
             full = 0, tx = 0, irqs = 0;

    /* the value a read of a global address returns */
    uint32_t read(unsigned addr) const
    {
        unsigned a = addr & 0xffc;
        if (a >= NIC_REG_KEY0 && a < NIC_REG_KEY0 + 4 * NIC_KEY_WORDS) {
            unsigned k = (a - NIC_REG_KEY0) / 4;
            return static_cast<uint32_t>(key[4 * k] << 24 | key[4 * k + 1] << 16 |
                                         key[4 * k + 2] << 8 | key[4 * k + 3]);
        }
        if (a >= NIC_REG_TABLE0 && a < NIC_REG_TABLE0 + 4 * NIC_TABLE_WORDS) {
            unsigned j = (a - NIC_REG_TABLE0) / 4;
            return static_cast<uint32_t>(table[4 * j] | table[4 * j + 1] << 8 |
                                         table[4 * j + 2] << 16 | table[4 * j + 3] << 24);
        }
        switch (a) {
        case NIC_REG_ID: return NIC_ID_VALUE;
        case NIC_REG_WIDTH: return width;
        case NIC_REG_CTRL: return ctrl;
        case NIC_REG_HASH_TYPES: return hmask;
        case NIC_REG_TABLE_MASK: return tmask;
        case NIC_REG_NUM_RXQ: return 16;
        case NIC_REG_NUM_VEC: return 17;
        case NIC_REG_STAT_RX_FRAMES: return static_cast<uint32_t>(frames);
        case NIC_REG_STAT_RX_BYTES_LO: return static_cast<uint32_t>(bytes);
        case NIC_REG_STAT_RX_BYTES_HI: return static_cast<uint32_t>(bytes >> 32);
        case NIC_REG_STAT_BAD_IP: return static_cast<uint32_t>(bad_ip);
        case NIC_REG_STAT_BAD_L4: return static_cast<uint32_t>(bad_l4);
        case NIC_REG_STAT_UNVERIFIED: return static_cast<uint32_t>(unver);
        case NIC_REG_STAT_NON_IP: return static_cast<uint32_t>(non_ip);
        case NIC_REG_STAT_DROP_NODESC: return static_cast<uint32_t>(nodesc);
        case NIC_REG_STAT_DROP_CPL_FULL: return static_cast<uint32_t>(full);
        case NIC_REG_STAT_TX_FRAMES: return static_cast<uint32_t>(tx);
        case NIC_REG_STAT_IRQS: return static_cast<uint32_t>(irqs);
        default: return 0;
        }
    }
    void write(unsigned addr, uint32_t v)
    {
        unsigned a = addr & 0xffc;
        if (a >= NIC_REG_KEY0 && a < NIC_REG_KEY0 + 4 * NIC_KEY_WORDS) {
            unsigned k = (a - NIC_REG_KEY0) / 4;
            for (unsigned b = 0; b < 4; b++)
                key[4 * k + b] = static_cast<uint8_t>(v >> (24 - 8 * b));
        } else if (a >= NIC_REG_TABLE0 && a < NIC_REG_TABLE0 + 4 * NIC_TABLE_WORDS) {
            unsigned j = (a - NIC_REG_TABLE0) / 4;
            for (unsigned b = 0; b < 4; b++)
                table[4 * j + b] = static_cast<uint8_t>((v >> (8 * b)) & 0x7f);
        } else if (a == NIC_REG_CTRL) {
            ctrl = v & 0xf;
        } else if (a == NIC_REG_HASH_TYPES) {
            hmask = v & 0x3f;
        } else if (a == NIC_REG_TABLE_MASK) {
            tmask = v & 0x7f;
        }
    }
};

template <class V> int tb_nic_csr(const TbArgs &a, Dut<V> &d)
{
    Summary s("nic_csr", a.width, a.seed);
    Rng rng(a.seed);
    V &m = d.top();
    m.csr_s_csr_wr = 0;
    m.csr_s_csr_rd = 0;
    d.reset();
    CsrModel mdl;
    mdl.width = a.width;

    auto check_cfg = [&]() {
        bool ok = m.csr_cfg_rss_enable == (mdl.ctrl & 1) &&
                  m.csr_cfg_csum_enable == ((mdl.ctrl >> 1) & 1) &&
                  m.csr_cfg_rx_dma_enable == ((mdl.ctrl >> 2) & 1) &&
                  m.csr_cfg_tx_enable == ((mdl.ctrl >> 3) & 1) && m.csr_cfg_hash_mask == mdl.hmask &&
                  m.csr_cfg_table_mask == mdl.tmask;
        for (unsigned i = 0; i < 40 && ok; i++)
            ok = get_bits(m.csr_cfg_key, 319 - 8 * i - 7, 8) == mdl.key[i];
        for (unsigned e = 0; e < 128 && ok; e++)
            ok = get_bits(m.csr_cfg_table, 7 * e, 7) == mdl.table[e];
        s.check(ok, "configuration outputs differ from the register map (cycle %" PRIu64 ")",
                d.cycle());
    };
    check_cfg();

    /* addresses: every global register, some unused ones, the sub-block regions */
    std::vector<unsigned> glob;
    for (unsigned x = 0; x < 0x240; x += 4)
        glob.push_back(x);
    for (unsigned i = 0; i < 16; i++)
        glob.push_back(static_cast<unsigned>(rng.range(0x240, 0xfff)));

    /* reset values of all global registers */
    int pending_read = -1;
    uint32_t pending_value = 0;
    bool pending_sub = false;
    uint32_t sub_value = 0;
    auto cycle = [&](bool wr, bool rd, unsigned addr, uint32_t wdata, bool stats) {
        m.csr_s_csr_wr = wr;
        m.csr_s_csr_rd = rd;
        m.csr_s_csr_addr = static_cast<uint16_t>(addr);
        m.csr_s_csr_wdata = wdata;
        sub_value = rng.u32();
        m.csr_s_sub_rdata = sub_value;
        /* statistics strobes */
        bool sv = stats && rng.chance(0.3);
        unsigned len = static_cast<unsigned>(rng.range(0, 0xffff));
        unsigned cs = static_cast<unsigned>(rng.range(0, 4));
        unsigned l3 = static_cast<unsigned>(rng.range(0, 2));
        bool nd = stats && rng.chance(0.2), fu = stats && rng.chance(0.2),
             tx = stats && rng.chance(0.2), iq = stats && rng.chance(0.2);
        m.csr_stat_valid = sv;
        m.csr_stat_len = static_cast<uint16_t>(len);
        m.csr_stat_csum = static_cast<uint8_t>(cs);
        m.csr_stat_l3 = static_cast<uint8_t>(l3);
        m.csr_stat_drop_nodesc = nd;
        m.csr_stat_drop_full = fu;
        m.csr_stat_tx_frame = tx;
        m.csr_stat_irq = iq;
        d.settle();
        /* the read issued in the previous cycle */
        s.check(m.csr_s_csr_rvalid == (pending_read >= 0), "rvalid=%u, read pending %d",
                m.csr_s_csr_rvalid, pending_read >= 0);
        if (pending_read >= 0) {
            uint32_t want = pending_sub ? sub_value : pending_value;
            s.check(m.csr_s_csr_rdata == want, "read 0x%04x: %08x, expected %08x", pending_read,
                    m.csr_s_csr_rdata, want);
        }
        /* sub-block decode, combinational */
        bool rxq = (addr >> 12) == NIC_BLK_RXQ, txq = (addr >> 6) == (NIC_REG_TXQ >> 6), vec = (addr >> 12) == NIC_BLK_VEC;
        unsigned idx = vec ? (addr >> 4) & 0xff : (addr >> 6) & 0x3f;
        unsigned off = vec ? (addr >> 2) & 3 : (addr >> 2) & 15;
        s.check(m.csr_m_sub_wr == wr && m.csr_m_sub_rd == rd && m.csr_m_sub_rxq == rxq &&
                    m.csr_m_sub_txq == txq && m.csr_m_sub_vec == vec &&
                    (!(rxq || txq || vec) || (m.csr_m_sub_idx == idx && m.csr_m_sub_off == off)) &&
                    (!wr || m.csr_m_sub_wdata == wdata),
                "address 0x%04x: sub strobes wr=%u rd=%u rxq=%u txq=%u vec=%u idx=%u off=%u",
                addr, m.csr_m_sub_wr, m.csr_m_sub_rd, m.csr_m_sub_rxq, m.csr_m_sub_txq,
                m.csr_m_sub_vec, m.csr_m_sub_idx, m.csr_m_sub_off);
        /* the model as of this cycle's edge */
        pending_read = -1;
        if (rd) {
            pending_read = static_cast<int>(addr);
            pending_sub = rxq || txq || vec;
            pending_value = (addr >> 12) == 0 ? mdl.read(addr) : 0;
        }
        if (wr && (addr >> 12) == 0)
            mdl.write(addr, wdata);
        if (sv) {
            mdl.frames++;
            mdl.bytes += len;
            mdl.bad_ip += cs == 2;
            mdl.bad_l4 += cs == 3;
            mdl.unver += cs == 4;
            mdl.non_ip += l3 == 0;
        }
        mdl.nodesc += nd;
        mdl.full += fu;
        mdl.tx += tx;
        mdl.irqs += iq;
        d.tick();
    };

    for (unsigned x : glob)
        cycle(false, true, x, 0, false);
    cycle(false, false, 0, 0, false);
    check_cfg();

    /* random traffic */
    unsigned ops = 20000 * a.scale;
    for (unsigned n = 0; n < ops; n++) {
        unsigned addr;
        unsigned r = static_cast<unsigned>(rng.range(0, 9));
        if (r < 6)
            addr = glob[rng.range(0, glob.size() - 1)];
        else if (r == 6)
            addr = 0x1000 + static_cast<unsigned>(rng.range(0, 0xfff));
        else if (r == 7)
            addr = 0x2000 + static_cast<unsigned>(rng.range(0, 0x3f));
        else if (r == 8)
            addr = 0x3000 + static_cast<unsigned>(rng.range(0, 0xfff));
        else
            addr = static_cast<unsigned>(rng.range(0, 0xffff));
        addr |= static_cast<unsigned>(rng.range(0, 3)); /* low bits carry nothing */
        unsigned op = static_cast<unsigned>(rng.range(0, 2));
        cycle(op == 0, op == 1, addr, rng.u32(), true);
        if (op == 0)
            check_cfg();
    }
    /* final read of every counter, with the strobes quiet */
    for (unsigned x = 0x200; x < 0x230; x += 4)
        cycle(false, true, x, 0, false);
    cycle(false, false, 0, 0, false);
    s.note("%u random accesses; %" PRIu64 " frames counted", ops, mdl.frames);
    return s.finish();
}

/* ---------------------------------------------------------------------------------------- */
/* nic_irq (NUM_VEC 17) */

constexpr unsigned kVec = 17;

struct VecModel {
    unsigned fth = 0;
    uint32_t tth = 0;
    bool en = false, masked = false;
    unsigned events = 0;
    uint64_t first = 0;
    uint64_t live_since = 0; /* cycle the vector last became enabled, unmasked with events */
    bool was_live = false;
    uint64_t sent = 0;
    uint64_t due_since = 0; /* cycle the vector became due, 0: not due */
    uint64_t rearm_at = 0;  /* driver: cycle of the planned re-arm, 0: none */
};

template <class V> int tb_nic_irq(const TbArgs &a, Dut<V> &d)
{
    Summary s("nic_irq", a.width, a.seed);
    Rng rng(a.seed);
    V &m = d.top();
    constexpr uint64_t kLat = 120; /* cycles from due to message, at most */
    uint64_t msgs_total = 0, by_time = 0, by_frames = 0, jumps = 0;

    for (unsigned seg = 0; seg < 6 * a.scale; seg++) {
        uint64_t now = 1000 + rng.range(0, 1u << 20);
        m.irq_s_now_ns = now;
        m.irq_s_csr_wr = 0;
        m.irq_s_csr_rd = 0;
        m.irq_s_evt_valid = 0;
        d.reset();
        std::vector<VecModel> v(kVec);
        uint64_t stat_count = 0, msg_count = 0;
        uint64_t prev_now = now;

        /* one register access per cycle; events and time move on in the same cycle */
        struct Csr {
            bool wr, rd;
            unsigned idx, off;
            uint32_t data;
        };
        std::deque<Csr> csr_q;
        for (unsigned i = 0; i < kVec; i++) {
            VecModel &x = v[i];
            unsigned r = static_cast<unsigned>(rng.range(0, 9));
            x.fth = r < 3 ? static_cast<unsigned>(r) : static_cast<unsigned>(rng.range(2, 8));
            x.tth = rng.chance(0.5) ? 0 : static_cast<uint32_t>(rng.range(50, 3000));
            if (x.tth == 0 && x.fth > 4)
                x.fth = 4;
            csr_q.push_back({true, false, i, 0, x.fth});
            csr_q.push_back({true, false, i, 1, x.tth});
            csr_q.push_back({true, false, i, 2, rng.chance(0.9) ? 3u : 0u});
        }
        /* events start once all vectors are configured */
        uint64_t cycles = 15000;
        int pending_rd = -1;
        unsigned pending_rd_idx = 0;
        bool ev_prev = false;
        unsigned ev_prev_v = 0;
        bool wr_prev = false;
        Csr wr_prev_op{};
        bool configured = false;
        uint64_t quiet_from = d.cycle() + cycles;
        uint64_t end = quiet_from + 6000;

        while (d.cycle() < end) {
            uint64_t c = d.cycle();
            /* inputs of this cycle */
            bool quiet = c >= quiet_from;
            if (!configured && csr_q.empty())
                configured = true;
            /* driver re-arms */
            for (unsigned i = 0; i < kVec; i++)
                if (v[i].rearm_at && v[i].rearm_at <= c) {
                    csr_q.push_back({true, false, i, 2, 3});
                    v[i].rearm_at = 0;
                }
            Csr op{false, false, 0, 0, 0};
            if (!csr_q.empty()) {
                op = csr_q.front();
                csr_q.pop_front();
            } else if (rng.chance(0.05)) { /* reads that do not disturb anything */
                op = {false, true, static_cast<unsigned>(rng.range(0, kVec + 2)),
                      static_cast<unsigned>(rng.range(0, 3)), 0};
            }
            m.irq_s_csr_wr = op.wr;
            m.irq_s_csr_rd = op.rd;
            m.irq_s_csr_sel = op.wr || op.rd;
            m.irq_s_csr_idx = static_cast<uint8_t>(op.idx);
            m.irq_s_csr_off = static_cast<uint8_t>(op.off);
            m.irq_s_csr_wdata = op.data;
            bool ev = configured && !quiet && rng.chance(0.25);
            unsigned evv = static_cast<unsigned>(rng.range(0, kVec - 1));
            if (ev && rng.chance(0.02))
                evv = static_cast<unsigned>(rng.range(kVec, 255)); /* out of range: ignored */
            m.irq_s_evt_valid = ev;
            m.irq_s_evt_vector = static_cast<uint8_t>(evv);
            /* time: small steps, or a jump to the deadline when nothing is happening */
            if (m.irq_timer_armed && !ev && m.irq_timer_deadline_ns > now && rng.chance(0.2)) {
                now = m.irq_timer_deadline_ns;
                jumps++;
            } else {
                now += rng.range(1, 20);
            }
            m.irq_s_now_ns = now;
            d.settle();

            /* read data of the read in the previous cycle (state before the last edge) */
            if (pending_rd >= 0) {
                uint32_t want = 0;
                if (pending_rd_idx < kVec) {
                    const VecModel &x = v[pending_rd_idx];
                    switch (pending_rd) {
                    case 0: want = x.fth; break;
                    case 1: want = x.tth; break;
                    case 2: want = (x.en ? 2u : 0u) | (x.masked ? 4u : 0u); break;
                    default: want = static_cast<uint32_t>(x.sent); break;
                    }
                }
                s.check(m.irq_m_csr_rdata == want, "read vector %u word %d: %08x, expected %08x",
                        pending_rd_idx, pending_rd, m.irq_m_csr_rdata, want);
            }
            /* outputs: the message sent at the last edge, decided in the previous cycle */
            if (m.irq_m_irq_valid) {
                unsigned iv = m.irq_m_irq_vector;
                msg_count++;
                if (s.check(iv < kVec, "message on vector %u", iv)) {
                    VecModel &x = v[iv];
                    bool frames_ok = x.events > 0 && x.events >= std::max(x.fth, 1u);
                    bool time_ok = x.events > 0 && x.tth > 0 && prev_now >= x.first + x.tth;
                    s.check(x.en && !x.masked && (frames_ok || time_ok),
                            "cycle %" PRIu64 ": unjustified message on vector %u (en=%d masked=%d "
                            "events=%u fth=%u tth=%u first=%" PRIu64 " now=%" PRIu64 ")",
                            c, iv, x.en, x.masked, x.events, x.fth, x.tth, x.first, prev_now);
                    by_frames += frames_ok;
                    by_time += !frames_ok && time_ok;
                    x.masked = true;
                    x.events = 0;
                    x.sent++;
                    x.due_since = 0;
                    x.rearm_at = c + rng.range(1, 80);
                }
            }
            stat_count += m.irq_stat_irq;
            /* the inputs of the previous cycle took effect at the last edge, after the send */
            if (ev_prev && ev_prev_v < kVec) {
                VecModel &x = v[ev_prev_v];
                if (x.events == 0)
                    x.first = prev_now;
                x.events = std::min(x.events + 1, 0xffffu);
            }
            if (wr_prev && wr_prev_op.idx < kVec) {
                VecModel &x = v[wr_prev_op.idx];
                if (wr_prev_op.off == 0)
                    x.fth = wr_prev_op.data & 0xffff;
                else if (wr_prev_op.off == 1)
                    x.tth = wr_prev_op.data;
                else if (wr_prev_op.off == 2) {
                    x.en = (wr_prev_op.data >> 1) & 1;
                    if (wr_prev_op.data & 1)
                        x.masked = false;
                }
            }
            /* liveness and the published deadline */
            uint64_t earliest = UINT64_MAX;
            for (unsigned i = 0; i < kVec; i++) {
                VecModel &x = v[i];
                bool live = x.en && !x.masked && x.events > 0;
                if (live && !x.was_live)
                    x.live_since = c;
                x.was_live = live;
                bool due = live && (x.events >= std::max(x.fth, 1u) ||
                                    (x.tth > 0 && prev_now >= x.first + x.tth));
                if (due && !x.due_since)
                    x.due_since = c;
                if (!due)
                    x.due_since = 0;
                if (x.due_since)
                    s.check(c - x.due_since <= kLat,
                            "vector %u due since cycle %" PRIu64 ", no message at %" PRIu64, i,
                            x.due_since, c);
                if (x.due_since && c - x.due_since > kLat)
                    x.due_since = c; /* report once per period */
                if (live && !due && x.tth > 0 && c > x.live_since + 2 * kVec + 6)
                    earliest = std::min(earliest, x.first + x.tth);
            }
            if (earliest != UINT64_MAX)
                s.check(m.irq_timer_armed && m.irq_timer_deadline_ns <= earliest,
                        "cycle %" PRIu64 ": deadline %" PRIu64 " (armed %u), a vector is due at "
                        "%" PRIu64, c, static_cast<uint64_t>(m.irq_timer_deadline_ns),
                        m.irq_timer_armed, earliest);

            pending_rd = op.rd ? static_cast<int>(op.off) : -1;
            pending_rd_idx = op.idx;
            ev_prev = ev;
            ev_prev_v = evv;
            wr_prev = op.wr;
            wr_prev_op = op;
            prev_now = now;
            d.tick();
        }
        /* read back every vector */
        for (unsigned i = 0; i < kVec; i++) {
            for (unsigned off = 0; off < 4; off++) {
                m.irq_s_csr_wr = 0;
                m.irq_s_csr_rd = 1;
                m.irq_s_csr_sel = 1;
                m.irq_s_csr_idx = static_cast<uint8_t>(i);
                m.irq_s_csr_off = static_cast<uint8_t>(off);
                m.irq_s_evt_valid = 0;
                d.settle();
                d.tick();
                m.irq_s_csr_rd = 0;
                d.settle();
                const VecModel &x = v[i];
                uint32_t want = off == 0 ? x.fth : off == 1 ? x.tth
                                : off == 2 ? ((x.en ? 2u : 0u) | (x.masked ? 4u : 0u))
                                           : static_cast<uint32_t>(x.sent);
                s.check(m.irq_m_csr_rdata == want, "final read vector %u word %u: %08x, expected %08x",
                        i, off, m.irq_m_csr_rdata, want);
            }
        }
        s.check(stat_count == msg_count, "statistics strobe counted %" PRIu64 " of %" PRIu64
                " messages", stat_count, msg_count);
        msgs_total += msg_count;
    }
    s.note("%" PRIu64 " messages (%" PRIu64 " by frames, %" PRIu64 " by time), %" PRIu64
           " time jumps", msgs_total, by_frames, by_time, jumps);
    s.check(by_frames > 0 && by_time > 0, "both moderation rules must have fired");
    return s.finish();
}


/* ---------------------------------------------------------------------------------------- */
/* nic_desc_fetch (NUM_Q 16, DEPTH 8, CTX_WIDTH 16) */

constexpr unsigned kDfQ = 16;
constexpr unsigned kDfDepth = 8;

/* descriptor contents for counter value c of queue q (and the pass over the ring) */
void df_desc(unsigned q, unsigned c, uint8_t out[16])
{
    uint64_t x = (uint64_t{q} << 32 | c) * 0x9e3779b97f4a7c15ull;
    for (unsigned i = 0; i < 16; i++) {
        x ^= x >> 29;
        x *= 0xbf58476d1ce4e5b9ull;
        out[i] = static_cast<uint8_t>(x >> 56);
    }
}

template <class V> int tb_desc_fetch(const TbArgs &a, Dut<V> &d)
{
    constexpr unsigned B = tb_beat_bytes<V>();
    Summary s("nic_desc_fetch", a.width, a.seed);
    Rng rng(a.seed);
    V &m = d.top();
    m.dfe_cfg_enable = 0;
    m.dfe_s_csr_wr = 0;
    m.dfe_s_csr_rd = 0;
    m.dfe_s_cons_req = 0;
    m.dfe_s_cons_pop = 0;
    m.dfe_s_cons_commit = 0;
    m.dfe_s_cons_rewind = 0;
    m.dfe_s_rd_cpl_valid = 0;
    d.reset();

    struct Q {
        uint64_t base;
        unsigned log2;
        uint16_t tail = 0, hw_tail = 0, head = 0, rd = 0, fetch = 0;
        uint64_t posted = 0, fetched = 0, consumed = 0;
    };
    std::vector<Q> q(kDfQ);
    struct Csr {
        bool wr, rd;
        unsigned idx, off;
        uint32_t data;
    };
    std::deque<Csr> csr_q;
    for (unsigned i = 0; i < kDfQ; i++) {
        q[i].base = (uint64_t{i} + 1) << 36 | (rng.u32() & 0xfffff0u);
        q[i].log2 = static_cast<unsigned>(rng.range(1, 6));
        csr_q.push_back({true, false, i, 0, static_cast<uint32_t>(q[i].base)});
        csr_q.push_back({true, false, i, 1, static_cast<uint32_t>(q[i].base >> 32)});
        csr_q.push_back({true, false, i, 2, q[i].log2});
        csr_q.push_back({true, false, i, 11, 1});
    }
    struct Rd {
        unsigned q;
        std::vector<uint8_t> data;
        unsigned ctx;
        unsigned sent = 0;
        uint64_t ready_at;
    };
    std::vector<Rd> reads;
    int serving = -1;
    uint64_t reads_total = 0, pops = 0, rewinds = 0;
    int cur = -1;
    unsigned want_pops = 0, popped = 0, idle_cycles = 0;
    int pending_rd = -1;

    const uint64_t post_until = d.cycle() + 20000 * a.scale;
    const uint64_t guard = post_until + 200000;
    auto all_done = [&]() {
        for (const Q &x : q)
            if (x.consumed != x.posted || x.head != x.tail)
                return false;
        return reads.empty() && csr_q.empty() && cur < 0;
    };
    while (d.cycle() < guard && !(d.cycle() > post_until && all_done())) {
        uint64_t c = d.cycle();
        m.dfe_cfg_enable = c > 80; /* rising edge of the global enable after the setup */
        /* driver: post descriptors on a random queue */
        if (c < post_until && csr_q.empty() && rng.chance(0.1)) {
            unsigned i = static_cast<unsigned>(rng.range(0, kDfQ - 1));
            Q &x = q[i];
            unsigned entries = 1u << x.log2;
            unsigned room = entries - static_cast<uint16_t>(x.tail - x.head);
            if (room) {
                unsigned k = static_cast<unsigned>(rng.range(1, room));
                x.tail = static_cast<uint16_t>(x.tail + k);
                x.posted += k;
                csr_q.push_back({true, false, i, 3, x.tail});
            }
        }
        Csr op{false, false, 0, 0, 0};
        if (!csr_q.empty()) {
            op = csr_q.front();
            csr_q.pop_front();
        }
        m.dfe_s_csr_wr = op.wr;
        m.dfe_s_csr_rd = op.rd;
        m.dfe_s_csr_sel = op.wr || op.rd;
        m.dfe_s_csr_idx = static_cast<uint8_t>(op.idx);
        m.dfe_s_csr_off = static_cast<uint8_t>(op.off);
        m.dfe_s_csr_wdata = op.data;

        /* host: request ready, completion beats */
        bool req_ready = rng.chance(0.7);
        m.dfe_m_rd_req_ready = req_ready;
        if (serving < 0 && !reads.empty() && rng.chance(0.6)) {
            unsigned k = static_cast<unsigned>(rng.range(0, reads.size() - 1));
            if (reads[k].ready_at <= c)
                serving = static_cast<int>(k);
        }
        if (serving >= 0) {
            Rd &r = reads[static_cast<size_t>(serving)];
            unsigned beats = static_cast<unsigned>((r.data.size() + B - 1) / B);
            uint8_t beat[64] = {};
            for (unsigned k = 0; k < B && r.sent * B + k < r.data.size(); k++)
                beat[k] = r.data[r.sent * B + k];
            m.dfe_s_rd_cpl_valid = 1;
            put_bytes(m.dfe_s_rd_cpl_data, beat, B);
            m.dfe_s_rd_cpl_ctx = static_cast<uint16_t>(r.ctx);
            m.dfe_s_rd_cpl_last = r.sent + 1 == beats;
        } else {
            m.dfe_s_rd_cpl_valid = 0;
        }

        /* consumer */
        if (cur < 0 && c > 100 && rng.chance(0.5)) {
            cur = static_cast<int>(rng.range(0, kDfQ - 1));
            want_pops = static_cast<unsigned>(rng.range(1, 4));
            popped = 0;
            idle_cycles = 0;
        }
        m.dfe_s_cons_req = cur >= 0;
        m.dfe_s_cons_q = static_cast<uint8_t>(cur < 0 ? 0 : cur);
        m.dfe_s_cons_pop = 0;
        m.dfe_s_cons_commit = 0;
        m.dfe_s_cons_rewind = 0;
        d.settle();

        /* head register read issued in the previous cycle */
        if (pending_rd >= 0)
            s.check(m.dfe_m_csr_rdata == q[static_cast<unsigned>(pending_rd)].head,
                    "queue %d head register %u, expected %u", pending_rd, m.dfe_m_csr_rdata,
                    q[static_cast<unsigned>(pending_rd)].head);
        pending_rd = op.rd ? static_cast<int>(op.idx) : -1;

        if (cur >= 0) {
            Q &x = q[static_cast<unsigned>(cur)];
            bool enabled = m.dfe_cfg_enable;
            s.check(m.dfe_m_cons_avail == (enabled && x.hw_tail != x.rd) &&
                        m.dfe_m_cons_ctr == x.rd,
                    "queue %d: avail=%u ctr=%u, expected %d/%u (tail %u)", cur, m.dfe_m_cons_avail,
                    m.dfe_m_cons_ctr, enabled && x.hw_tail != x.rd, x.rd, x.hw_tail);
            s.check(!m.dfe_m_cons_valid || static_cast<uint16_t>(x.fetch - x.rd) != 0,
                    "queue %d: valid at rd %u with nothing fetched", cur, x.rd);
            bool pop = false, commit = false, rewind = false;
            if (m.dfe_m_cons_valid && m.dfe_m_cons_room && popped < want_pops && rng.chance(0.7)) {
                uint8_t want[16], got[16];
                df_desc(static_cast<unsigned>(cur), x.rd, want);
                take_bytes(m.dfe_m_cons_desc, got, 16);
                s.check(std::memcmp(want, got, 16) == 0, "queue %d descriptor %u: wrong contents",
                        cur, x.rd);
                pop = true;
                popped++;
            } else {
                idle_cycles++;
            }
            if (popped == want_pops || idle_cycles > 50) {
                if (rng.chance(0.8))
                    commit = true;
                else
                    rewind = !pop;
            }
            m.dfe_s_cons_pop = pop;
            m.dfe_s_cons_commit = commit;
            m.dfe_s_cons_rewind = rewind;
            if (pop) {
                x.rd++;
                pops++;
            }
            if (commit) {
                x.consumed += static_cast<uint16_t>(x.rd - x.head);
                x.head = x.rd;
            }
            if (rewind) {
                x.rd = x.head;
                rewinds++;
            }
            if (commit || rewind)
                cur = -1;
            else if (!pop && idle_cycles > 50)
                cur = -1;
        }
        d.settle();

        /* read request */
        if (m.dfe_m_rd_req_valid && req_ready) {
            uint64_t addr = m.dfe_m_rd_req_addr;
            unsigned len = m.dfe_m_rd_req_len;
            unsigned i = static_cast<unsigned>((addr >> 36) - 1);
            if (s.check(i < kDfQ && len % 16 == 0 && len > 0, "read %016" PRIx64 "/%u: bad",
                        addr, len)) {
                Q &x = q[i];
                unsigned n = len / 16, entries = 1u << x.log2;
                unsigned slot = x.fetch & (entries - 1);
                s.check(addr == x.base + 16 * slot, "queue %u read at %016" PRIx64 ", expected %016"
                        PRIx64, i, addr, x.base + 16 * slot);
                s.check(slot + n <= entries, "queue %u read of %u runs past the wrap", i, n);
                s.check(n <= static_cast<uint16_t>(x.hw_tail - x.fetch), "queue %u read of %u beyond "
                        "the tail", i, n);
                s.check(static_cast<uint16_t>(x.fetch + n - x.head) <= kDfDepth,
                        "queue %u read of %u exceeds the on-chip slots", i, n);
                Rd r;
                r.q = i;
                r.ctx = m.dfe_m_rd_req_ctx;
                for (unsigned k = 0; k < n; k++) {
                    uint8_t dd[16];
                    df_desc(i, static_cast<uint16_t>(x.fetch + k), dd);
                    r.data.insert(r.data.end(), dd, dd + 16);
                }
                r.ready_at = c + rng.range(2, 80);
                reads.push_back(r);
                x.fetch = static_cast<uint16_t>(x.fetch + n);
                x.fetched += n;
                reads_total++;
            }
        }
        /* completion beat taken */
        if (serving >= 0 && m.dfe_s_rd_cpl_ready) {
            Rd &r = reads[static_cast<size_t>(serving)];
            r.sent++;
            if (r.sent * B >= r.data.size()) {
                reads.erase(reads.begin() + serving);
                serving = -1;
            }
        }
        d.tick();
        if (op.wr && op.off == 3)
            q[op.idx].hw_tail = static_cast<uint16_t>(op.data);
    }
    s.check(d.cycle() < guard, "timeout: not every posted descriptor was consumed");
    uint64_t posted = 0, fetched = 0;
    for (unsigned i = 0; i < kDfQ; i++) {
        posted += q[i].posted;
        fetched += q[i].fetched;
        s.check(q[i].fetched == q[i].posted, "queue %u: %" PRIu64 " posted, %" PRIu64 " fetched",
                i, q[i].posted, q[i].fetched);
    }
    /* the looks at the queues still marked find nothing to fetch */
    m.dfe_s_csr_wr = 0;
    m.dfe_s_csr_rd = 0;
    m.dfe_s_csr_sel = 0;
    m.dfe_s_cons_req = 0;
    m.dfe_s_cons_pop = 0;
    m.dfe_s_cons_commit = 0;
    m.dfe_s_cons_rewind = 0;
    m.dfe_s_rd_cpl_valid = 0;
    for (unsigned i = 0; i < 4 * kDfQ; i++) {
        d.settle();
        d.tick();
    }
    /* head registers */
    for (unsigned i = 0; i <= kDfQ; i++) {
        m.dfe_s_csr_rd = i < kDfQ;
        m.dfe_s_csr_wr = 0;
        m.dfe_s_csr_sel = i < kDfQ;
        m.dfe_s_csr_idx = static_cast<uint8_t>(i);
        m.dfe_s_csr_off = 4;
        m.dfe_s_cons_req = 0;
        m.dfe_s_rd_cpl_valid = 0;
        d.settle();
        if (i > 0)
            s.check(m.dfe_m_csr_rdata == q[i - 1].head, "queue %u head register %u, expected %u",
                    i - 1, m.dfe_m_csr_rdata, q[i - 1].head);
        d.tick();
    }
    d.settle();
    s.check(!m.dfe_busy, "busy at the end (read request %u)", m.dfe_m_rd_req_valid);
    s.note("%" PRIu64 " descriptors posted and consumed in %" PRIu64 " reads; %" PRIu64
           " pops, %" PRIu64 " rewinds", posted, reads_total, pops, rewinds);
    return s.finish();
}

/* ---------------------------------------------------------------------------------------- */
/* nic_dma_rx (NUM_Q 16, descriptor depth 8 on the consumer side) */

constexpr unsigned kRxQ = 16;
constexpr unsigned kRxDepth = 8;

template <class V> int tb_dma_rx(const TbArgs &a, Dut<V> &d)
{
    constexpr unsigned B = tb_beat_bytes<V>();
    Summary s("nic_dma_rx", a.width, a.seed);
    Rng rng(a.seed);
    V &m = d.top();
    m.drx_cfg_enable = 1;
    m.drx_s_csr_wr = 0;
    m.drx_s_csr_rd = 0;
    m.drx_s_q_valid = 0;
    m.drx_s_axis_tvalid = 0;
    m.drx_s_meta_valid = 0;
    m.drx_s_ev_valid = 0;
    d.reset();

    struct Desc {
        uint64_t addr;
        uint32_t size;
    };
    struct Q {
        bool enabled = true;
        std::map<uint16_t, Desc> desc; /* by counter value */
        uint16_t tail = 0, head = 0, rd = 0;
        uint64_t cpl_base = 0;
        unsigned cpl_log2 = 0;
        uint16_t cpl_head = 0, cpl_tail = 0; /* driver's head (= the register), model tail */
        uint16_t cpl_landed = 0;             /* entries written (last beat seen) */
        unsigned vector = 0;
        uint64_t drops_nodesc = 0, drops_full = 0, done = 0;
    };
    std::vector<Q> q(kRxQ);
    uint64_t next_buf = uint64_t{1} << 44;

    /* registers: one write per cycle */
    auto csr_write = [&](unsigned idx, unsigned off, uint32_t v) {
        m.drx_s_csr_wr = 1;
        m.drx_s_csr_sel = 1;
        m.drx_s_csr_idx = static_cast<uint8_t>(idx);
        m.drx_s_csr_off = static_cast<uint8_t>(off);
        m.drx_s_csr_wdata = v;
        m.drx_s_cons_avail = 0;
        m.drx_s_cons_valid = 0;
        m.drx_s_cons_room = 0;
        d.settle();
        d.tick();
        m.drx_s_csr_wr = 0;
        m.drx_s_csr_sel = 0;
    };
    auto csr_read = [&](unsigned idx, unsigned off) {
        m.drx_s_csr_rd = 1;
        m.drx_s_csr_sel = 1;
        m.drx_s_csr_idx = static_cast<uint8_t>(idx);
        m.drx_s_csr_off = static_cast<uint8_t>(off);
        d.settle();
        d.tick();
        m.drx_s_csr_rd = 0;
        m.drx_s_csr_sel = 0;
        d.settle();
        return static_cast<uint32_t>(m.drx_m_csr_rdata);
    };
    for (unsigned i = 0; i < kRxQ; i++) {
        q[i].cpl_base = (uint64_t{0xc0} << 40) | (uint64_t{i} << 24) | (rng.u32() & 0xff0u);
        q[i].cpl_log2 = static_cast<unsigned>(rng.range(2, 5));
        q[i].vector = static_cast<unsigned>(rng.range(0, 16));
        csr_write(i, 5, static_cast<uint32_t>(q[i].cpl_base));
        csr_write(i, 6, static_cast<uint32_t>(q[i].cpl_base >> 32));
        csr_write(i, 7, q[i].cpl_log2);
        csr_write(i, 10, q[i].vector);
        csr_write(i, 11, 1);
    }

    struct Frame {
        unsigned q;    /* queue on s_q (may be out of range) */
        std::vector<uint8_t> bytes;
        unsigned l3, l4, ht, csum, frag;
        uint32_t hash;
        unsigned fate;
        uint16_t first;  /* delivered: counter of the first descriptor */
        unsigned used;   /* delivered: descriptors used */
        uint16_t cpl_ctr; /* delivered: completion counter value */
        unsigned kind;    /* route: 0 HOST, 1 PLACE, 2 CONSUME */
        unsigned flags;   /* HOST: completion flags */
        uint16_t slot;    /* HOST: completion slot */
        unsigned skip, plen, len0; /* PLACE */
        uint64_t addr0, addr1;     /* PLACE */
    };
    /* an event on s_ev, and its expected entry */
    struct Ev {
        unsigned q;
        uint8_t entry[16];
        bool drop;
        uint16_t ctr;
    };
    /* an expected completion-ring entry: a delivered frame or an event */
    struct Cpl {
        bool ev;
        Frame f;
        Ev e;
    };
    struct Meta {
        unsigned len, l3, l4, ht, queue, csum, frag, drop;
        uint32_t hash;
        bool operator==(const Meta &o) const
        {
            return len == o.len && l3 == o.l3 && l4 == o.l4 && ht == o.ht && queue == o.queue &&
                   csum == o.csum && frag == o.frag && drop == o.drop && hash == o.hash;
        }
    };
    auto fmt_m = [](const Meta &r) {
        char b[160];
        std::snprintf(b, sizeof b, "len=%u q=%u l3=%u l4=%u ht=%u hash=%08x csum=%u frag=%u drop=%u",
                      r.len, r.queue, r.l3, r.l4, r.ht, r.hash, r.csum, r.frag, r.drop);
        return std::string(b);
    };
    Scoreboard<Meta> sb_meta(s, "results", fmt_m);

    std::map<uint64_t, uint8_t> mem; /* bytes written by the engine */
    /* expected completions per queue, in order */
    std::vector<std::deque<Cpl>> cpl_expect(kRxQ);
    uint64_t delivered = 0, fates[5] = {}, stat_nodesc = 0, stat_full = 0, beats_written = 0;
    uint64_t ev_written = 0, ev_dropped = 0, ev_dropped_expect = 0, ev_full_waits = 0;
    uint64_t ev_full_seen = 0, hold_cycles = 0, placed_bytes = 0, host_flagged = 0;
    /* placed bytes: expected and written (addresses 0xd0 << 40 on, fresh for every frame) */
    std::map<uint64_t, uint8_t> place_exp, place_got;
    uint64_t place_next = uint64_t{0xd0} << 40;

    for (unsigned batch = 0; batch < 24 * a.scale; batch++) {
        bool engine_on = batch % 8 != 7;
        m.drx_cfg_enable = engine_on;
        /* driver: enable/disable a queue now and then, post descriptors, free completions */
        for (unsigned i = 0; i < kRxQ; i++) {
            Q &x = q[i];
            x.enabled = !(rng.chance(0.05));
            csr_write(i, 11, x.enabled ? 1 : 0);
            unsigned post = static_cast<unsigned>(rng.range(0, 12));
            bool small = rng.chance(0.3);
            for (unsigned k = 0; k < post; k++) {
                Desc dd;
                dd.size = small ? static_cast<uint32_t>(rng.range(64, 256))
                                : static_cast<uint32_t>(rng.range(64, 2048));
                dd.addr = next_buf + rng.range(0, 4095);
                next_buf += 8192;
                x.desc[x.tail] = dd;
                x.tail++;
            }
            unsigned entries = 1u << x.cpl_log2;
            unsigned used = static_cast<uint16_t>(x.cpl_tail - x.cpl_head);
            /* half of the batches free nothing: completion rings fill */
            if (used && rng.chance(batch % 4 < 2 ? 0.0 : 0.8)) {
                x.cpl_head = static_cast<uint16_t>(x.cpl_head + rng.range(1, used));
                csr_write(i, 8, x.cpl_head);
            }
            (void)entries;
        }
        /* event queues of this batch (no HOST frame goes there, so every frame's fate
           stays known in advance) */
        std::vector<bool> evq(kRxQ, false);
        std::vector<unsigned> evq_list;
        bool ev_batch = batch % 4 != 0;
        if (ev_batch) {
            unsigned ne = static_cast<unsigned>(rng.range(1, 4));
            for (unsigned k = 0; k < ne; k++) {
                unsigned i = static_cast<unsigned>(rng.range(0, kRxQ - 1));
                if (!evq[i])
                    evq_list.push_back(i);
                evq[i] = true;
            }
        }
        /* results held while an event is presented (the TOE may do so): must not deadlock */
        bool hold_mode = ev_batch && rng.chance(0.3);
        /* frames of this batch and their fates */
        std::vector<Frame> frames;
        unsigned n = static_cast<unsigned>(rng.range(10, 40));
        for (unsigned k = 0; k < n; k++) {
            Frame f;
            unsigned kr = static_cast<unsigned>(rng.range(0, 9));
            f.kind = kr < 5 ? 0 : kr < 8 ? 1 : 2;
            do {
                f.q = rng.chance(0.03) ? static_cast<unsigned>(rng.range(kRxQ, 127))
                                       : static_cast<unsigned>(rng.range(0, kRxQ - 1));
            } while (f.kind == 0 && f.q < kRxQ && evq[f.q]);
            f.bytes.resize(rng.chance(0.3) ? rng.range(1, 128) : rng.range(1, 2000));
            rng.bytes(f.bytes.data(), f.bytes.size());
            f.l3 = static_cast<unsigned>(rng.range(0, 3));
            f.l4 = static_cast<unsigned>(rng.range(0, 3));
            f.ht = static_cast<unsigned>(rng.range(0, 6));
            f.csum = static_cast<unsigned>(rng.range(0, 4));
            f.frag = static_cast<unsigned>(rng.range(0, 1));
            f.hash = rng.u32();
            f.first = 0;
            f.used = 0;
            f.cpl_ctr = 0;
            f.flags = rng.chance(0.5) ? 0u : static_cast<unsigned>(rng.range(1, 255));
            f.slot = static_cast<uint16_t>(rng.u32());
            size_t len = f.bytes.size();
            f.skip = rng.chance(0.2) ? static_cast<unsigned>(rng.range(0, len + 100))
                                     : static_cast<unsigned>(rng.range(0, std::min<size_t>(len, 120)));
            f.plen = rng.chance(0.2) || f.skip > len
                         ? static_cast<unsigned>(rng.range(0, 2100))
                         : static_cast<unsigned>(rng.range(0, len - f.skip));
            f.len0 = rng.chance(0.1) ? static_cast<unsigned>(rng.range(0, f.plen + 50))
                                     : static_cast<unsigned>(rng.range(0, f.plen));
            f.addr0 = place_next + rng.range(0, 8191);
            f.addr1 = rng.chance(0.2) ? f.addr0 + f.len0 /* back to back */
                                      : f.addr0 + f.len0 + rng.range(1, 8191);
            place_next += uint64_t{1} << 15;
            if (!engine_on) {
                f.fate = 1;
            } else if (f.kind == 1) {
                f.fate = 3;
                size_t nn = f.skip < len ? std::min<size_t>(f.plen, len - f.skip) : 0;
                size_t n0 = std::min<size_t>(nn, std::min(f.len0, f.plen));
                for (size_t j = 0; j < nn; j++)
                    place_exp[j < n0 ? f.addr0 + j : f.addr1 + (j - n0)] = f.bytes[f.skip + j];
                placed_bytes += nn;
            } else if (f.kind == 2) {
                f.fate = 4;
            } else if (f.q >= kRxQ || !q[f.q].enabled || q[f.q].rd == q[f.q].tail) {
                f.fate = 1;
            } else {
                Q &x = q[f.q];
                if (static_cast<uint16_t>(x.cpl_tail - x.cpl_head) >= (1u << x.cpl_log2)) {
                    f.fate = 2;
                } else {
                    size_t need = f.bytes.size();
                    unsigned k2 = 0;
                    uint16_t c = x.rd;
                    while (need > 0 && c != x.tail && k2 < kRxDepth) {
                        need -= std::min<size_t>(need, x.desc[c].size);
                        c++;
                        k2++;
                    }
                    if (need > 0) {
                        f.fate = 1;
                    } else {
                        f.fate = 0;
                        f.first = x.rd;
                        f.used = k2;
                        f.cpl_ctr = x.cpl_tail;
                        host_flagged += f.flags != 0;
                        x.rd = c;
                        x.head = c;
                        x.cpl_tail++;
                        x.done++;
                    }
                }
            }
            if (f.q < kRxQ && f.fate == 1)
                q[f.q].drops_nodesc++;
            if (f.q < kRxQ && f.fate == 2)
                q[f.q].drops_full++;
            fates[f.fate]++;
            frames.push_back(f);
        }
        /* events of this batch: in the event queues, now and then an unknown queue */
        std::vector<Ev> evs;
        if (ev_batch) {
            unsigned ne = static_cast<unsigned>(rng.range(0, 40));
            for (unsigned k = 0; k < ne; k++) {
                Ev e;
                e.q = rng.chance(0.05) ? static_cast<unsigned>(rng.range(kRxQ, 127))
                                       : evq_list[rng.range(0, evq_list.size() - 1)];
                rng.bytes(e.entry, 16);
                e.entry[15] &= 0x7f;
                e.drop = !engine_on || e.q >= kRxQ || !q[e.q].enabled;
                e.ctr = 0;
                if (e.drop) {
                    ev_dropped_expect++;
                } else {
                    e.ctr = q[e.q].cpl_tail++;
                }
                evs.push_back(e);
            }
        }
        /* the engine's view of the queues starts from the state before the batch */
        struct Hw {
            uint16_t head, rd;
        };
        std::vector<Hw> hw(kRxQ);
        {
            /* recompute: heads before this batch = heads after minus what the batch used */
            std::vector<uint16_t> used(kRxQ, 0);
            for (const Frame &f : frames)
                if (f.fate == 0)
                    used[f.q] = static_cast<uint16_t>(used[f.q] + f.used);
            for (unsigned i = 0; i < kRxQ; i++) {
                hw[i].head = static_cast<uint16_t>(q[i].head - used[i]);
                hw[i].rd = hw[i].head;
            }
        }
        Source<Frame> qs(
            rng,
            [&m](const Frame *x) {
                m.drx_s_q_valid = x != nullptr;
                if (!x)
                    return;
                m.drx_s_q_queue = static_cast<uint8_t>(x->q);
                m.drx_s_q_kind = static_cast<uint8_t>(x->kind);
                m.drx_s_q_flags = static_cast<uint8_t>(x->flags);
                m.drx_s_q_slot = x->slot;
                m.drx_s_q_skip = static_cast<uint16_t>(x->skip);
                m.drx_s_q_plen = static_cast<uint16_t>(x->plen);
                m.drx_s_q_addr0 = x->addr0;
                m.drx_s_q_len0 = static_cast<uint16_t>(x->len0);
                m.drx_s_q_addr1 = x->addr1;
            },
            [&m]() { return m.drx_s_q_ready != 0; });
        Source<Ev> es(
            rng,
            [&m](const Ev *e) {
                m.drx_s_ev_valid = e != nullptr;
                if (!e)
                    return;
                m.drx_s_ev_queue = static_cast<uint8_t>(e->q);
                put_bytes(m.drx_s_ev_entry, e->entry, 16);
            },
            [&m]() { return m.drx_s_ev_ready != 0; });
        {
            /* events spread over the batch */
            Traffic te;
            te.idle = static_cast<double>(rng.range(80, 99)) / 100.0;
            es.set_traffic(te);
        }
        Source<Beat> bs(
            rng,
            [&m](const Beat *b) {
                m.drx_s_axis_tvalid = b != nullptr;
                if (!b)
                    return;
                put_bytes(m.drx_s_axis_tdata, b->data.data(), B);
                set_bits(m.drx_s_axis_tkeep, 0, B, b->keep);
                m.drx_s_axis_tlast = b->last;
            },
            [&m]() { return m.drx_s_axis_tready != 0; });
        Source<Frame> ms(
            rng,
            [&m](const Frame *f) {
                m.drx_s_meta_valid = f != nullptr;
                if (!f)
                    return;
                m.drx_s_meta_len = static_cast<uint16_t>(f->bytes.size());
                m.drx_s_meta_l3 = static_cast<uint8_t>(f->l3);
                m.drx_s_meta_l4 = static_cast<uint8_t>(f->l4);
                m.drx_s_meta_hash_type = static_cast<uint8_t>(f->ht);
                m.drx_s_meta_hash = f->hash;
                m.drx_s_meta_queue = static_cast<uint8_t>(f->q);
                m.drx_s_meta_csum = static_cast<uint8_t>(f->csum);
                m.drx_s_meta_frag = static_cast<uint8_t>(f->frag);
            },
            [&m]() { return m.drx_s_meta_ready != 0; });
        Traffic t = Traffic::pick(rng, static_cast<int>(batch % 4));
        qs.set_traffic(t);
        bs.set_traffic(t);
        ms.set_traffic(t);
        Sink<Meta> out(
            rng, [&m](bool r) { m.drx_m_axis_rxmeta_tready = r; },
            [&m]() { return m.drx_m_axis_rxmeta_tvalid != 0; },
            [&m]() {
                Meta r;
                r.len = m.drx_m_axis_rxmeta_len;
                r.l3 = m.drx_m_axis_rxmeta_l3;
                r.l4 = m.drx_m_axis_rxmeta_l4;
                r.ht = m.drx_m_axis_rxmeta_hash_type;
                r.hash = m.drx_m_axis_rxmeta_hash;
                r.queue = m.drx_m_axis_rxmeta_queue;
                r.csum = m.drx_m_axis_rxmeta_csum;
                r.frag = m.drx_m_axis_rxmeta_frag;
                r.drop = m.drx_m_axis_rxmeta_drop;
                return r;
            });
        out.set_traffic(t);
        size_t ev_idx = 0;
        for (const Ev &e : evs) {
            es.push(e);
            if (!e.drop)
                cpl_expect[e.q].push_back(Cpl{true, Frame{}, e});
        }
        for (const Frame &f : frames) {
            qs.push(f);
            for (const Beat &b : split_frame(f.bytes, B, false, rng))
                bs.push(b);
            ms.push(f);
            sb_meta.expect(Meta{static_cast<unsigned>(f.bytes.size()), f.l3, f.l4, f.ht, f.q,
                                f.csum, f.frag, f.fate, f.hash});
            if (f.fate == 0)
                cpl_expect[f.q].push_back(Cpl{false, f, Ev{}});
        }
        uint64_t guard = d.cycle() + 100000;
        uint64_t burst_page = 0, burst_next = 0;
        bool in_burst = false;
        auto cpl_left = [&]() {
            for (auto &x : cpl_expect)
                if (!x.empty())
                    return true;
            return false;
        };
        while ((qs.pending() || bs.pending() || ms.pending() || es.pending() ||
                sb_meta.outstanding() || cpl_left() || m.drx_busy) && d.cycle() < guard) {
            qs.drive();
            bs.drive();
            ms.drive();
            es.drive();
            out.hold(hold_mode && es.presenting());
            hold_cycles += hold_mode && es.presenting();
            out.drive();
            /* driver: frees landed entries of the event queues now and then */
            int csr_q = -1;
            if (!evq_list.empty() && rng.chance(0.02)) {
                unsigned i = evq_list[rng.range(0, evq_list.size() - 1)];
                uint16_t landed = static_cast<uint16_t>(q[i].cpl_landed - q[i].cpl_head);
                if (landed) {
                    csr_q = static_cast<int>(i);
                    m.drx_s_csr_wr = 1;
                    m.drx_s_csr_sel = 1;
                    m.drx_s_csr_idx = static_cast<uint8_t>(i);
                    m.drx_s_csr_off = 8;
                    m.drx_s_csr_wdata = static_cast<uint16_t>(q[i].cpl_head + rng.range(1, landed));
                }
            }
            bool wr_ready = !(t.stall > 0 && rng.chance(t.stall));
            m.drx_m_wr_ready = wr_ready;
            /* consumer port: the fetcher's answer to the engine's question */
            d.settle();
            unsigned cq = m.drx_m_cons_q;
            bool creq = m.drx_m_cons_req;
            if (creq && cq < kRxQ) {
                Q &x = q[cq];
                Hw &h = hw[cq];
                bool avail = engine_on && x.enabled && h.rd != x.tail;
                bool room = static_cast<uint16_t>(h.rd - h.head) < kRxDepth;
                bool valid = avail && room && rng.chance(0.8);
                m.drx_s_cons_avail = avail;
                m.drx_s_cons_room = room;
                m.drx_s_cons_valid = valid;
                m.drx_s_cons_ctr = h.rd;
                uint8_t dd[16] = {};
                if (valid) {
                    const Desc &e = x.desc[h.rd];
                    for (unsigned k = 0; k < 8; k++)
                        dd[k] = static_cast<uint8_t>(e.addr >> (8 * k));
                    for (unsigned k = 0; k < 4; k++)
                        dd[8 + k] = static_cast<uint8_t>(e.size >> (8 * k));
                }
                put_bytes(m.drx_s_cons_desc, dd, 16);
            } else {
                m.drx_s_cons_avail = 0;
                m.drx_s_cons_room = 0;
                m.drx_s_cons_valid = 0;
            }
            d.settle();
            qs.observe();
            bs.observe();
            ms.observe();
            if (es.presenting()) {
                /* the event at the head of the stream: it waits while its ring is full
                   (the head register holds the driver's head of the previous cycles) */
                const Ev &e = evs[ev_idx];
                bool full = !e.drop && static_cast<uint16_t>(e.ctr - q[e.q].cpl_head) >=
                                           (1u << q[e.q].cpl_log2);
                ev_full_seen += full;
                if (m.drx_s_ev_ready) {
                    s.check(!full, "event %u of queue %u accepted into a full ring (head %u)",
                            e.ctr, e.q, e.q < kRxQ ? static_cast<unsigned>(q[e.q].cpl_head) : 0u);
                    s.check((m.drx_stat_ev_dropped != 0) == e.drop,
                            "event for queue %u: dropped strobe %u, expected %u", e.q,
                            m.drx_stat_ev_dropped, e.drop);
                    ev_idx++;
                } else {
                    ev_full_waits += full;
                }
            }
            s.check(!m.drx_stat_ev_dropped || (es.presenting() && m.drx_s_ev_ready),
                    "event dropped strobe without an event");
            ev_dropped += m.drx_stat_ev_dropped;
            es.observe();
            Meta r;
            if (out.observe(&r))
                sb_meta.got(r);
            if (m.drx_m_cons_pop || m.drx_m_cons_commit || m.drx_m_cons_rewind) {
                s.check(cq < kRxQ, "consumer strobes on queue %u", cq);
                if (cq < kRxQ) {
                    Hw &h = hw[cq];
                    s.check(!m.drx_m_cons_pop || (creq && m.drx_s_cons_valid),
                            "pop of a descriptor not on chip");
                    uint16_t next = static_cast<uint16_t>(h.rd + (m.drx_m_cons_pop ? 1 : 0));
                    if (m.drx_m_cons_rewind)
                        h.rd = h.head;
                    else
                        h.rd = next;
                    if (m.drx_m_cons_commit)
                        h.head = next;
                }
            }
            stat_nodesc += m.drx_stat_drop_nodesc;
            stat_full += m.drx_stat_drop_full;
            /* host write port */
            if (m.drx_m_wr_valid && wr_ready) {
                uint64_t addr = m.drx_m_wr_addr;
                uint64_t strb = get_bits(m.drx_m_wr_strb, 0, B);
                bool last = m.drx_m_wr_last;
                unsigned user = m.drx_m_wr_user;
                beats_written++;
                s.check(addr % B == 0, "write address %016" PRIx64 " not aligned", addr);
                if (in_burst)
                    s.check(addr == burst_next && (addr >> 12) == burst_page,
                            "burst jumps to %016" PRIx64 " (expected %016" PRIx64 " in page %"
                            PRIx64 ")", addr, burst_next, burst_page);
                in_burst = !last;
                burst_page = addr >> 12;
                burst_next = addr + B;
                uint8_t data[64];
                take_bytes(m.drx_m_wr_data, data, B);
                bool is_place = (addr >> 40) == 0xd0;
                for (unsigned k = 0; k < B; k++) {
                    if (!((strb >> k) & 1u))
                        continue;
                    if (is_place) {
                        s.check(place_got.count(addr + k) == 0, "placed byte %016" PRIx64
                                " written twice", addr + k);
                        place_got[addr + k] = data[k];
                    } else {
                        mem[addr + k] = data[k];
                    }
                }
                unsigned cq2 = static_cast<unsigned>((addr >> 24) & 0xff);
                bool is_cpl = (addr >> 40) == 0xc0;
                if (!is_cpl) {
                    s.check((user & 0x100u) == 0, "data beat with an event sideband %03x", user);
                } else if (s.check(cq2 < kRxQ && !cpl_expect[cq2].empty(),
                                   "unexpected completion write at %016" PRIx64, addr) && last) {
                    Cpl c = cpl_expect[cq2].front();
                    cpl_expect[cq2].pop_front();
                    Q &x = q[cq2];
                    x.cpl_landed++;
                    s.check(user == (0x100u | x.vector), "completion sideband %03x, expected %03x",
                            user, 0x100u | x.vector);
                    if (c.ev) {
                        uint16_t ctr = c.e.ctr;
                        uint64_t ca = x.cpl_base + 16 * (ctr & ((1u << x.cpl_log2) - 1));
                        uint8_t e[16];
                        std::memcpy(e, c.e.entry, 16);
                        e[15] = static_cast<uint8_t>(e[15] | (((ctr >> x.cpl_log2) & 1u) ^ 1u) << 7);
                        bool ok = true;
                        for (unsigned k = 0; k < 16; k++) {
                            auto it = mem.find(ca + k);
                            ok = ok && it != mem.end() && it->second == e[k];
                        }
                        s.check(ok, "queue %u event entry %u at %016" PRIx64 ": wrong or missing",
                                cq2, ctr, ca);
                        s.check(x.cpl_landed == static_cast<uint16_t>(ctr + 1),
                                "queue %u: event entry %u landed as entry %u", cq2, ctr,
                                static_cast<uint16_t>(x.cpl_landed - 1));
                        ev_written++;
                    } else {
                        Frame f = c.f;
                        uint64_t ca = x.cpl_base + 16 * (f.cpl_ctr & ((1u << x.cpl_log2) - 1));
                        s.check(x.cpl_landed == static_cast<uint16_t>(f.cpl_ctr + 1),
                                "queue %u: completion %u landed as entry %u", cq2, f.cpl_ctr,
                                static_cast<uint16_t>(x.cpl_landed - 1));
                        uint8_t e[16] = {};
                        for (unsigned k = 0; k < 4; k++)
                            e[k] = static_cast<uint8_t>(f.hash >> (8 * k));
                        e[4] = static_cast<uint8_t>(f.bytes.size());
                        e[5] = static_cast<uint8_t>(f.bytes.size() >> 8);
                        e[6] = static_cast<uint8_t>(f.ht);
                        e[7] = static_cast<uint8_t>(f.csum | f.l3 << 3 | f.l4 << 5 | f.frag << 7);
                        e[8] = static_cast<uint8_t>(f.first);
                        e[9] = static_cast<uint8_t>(f.first >> 8);
                        e[10] = static_cast<uint8_t>(f.used);
                        e[11] = static_cast<uint8_t>(cq2);
                        if (f.flags) {
                            e[12] = static_cast<uint8_t>(f.slot);
                            e[13] = static_cast<uint8_t>(f.slot >> 8);
                        }
                        e[14] = 1;
                        e[15] = static_cast<uint8_t>((((f.cpl_ctr >> x.cpl_log2) & 1u) ^ 1u) << 7 |
                                                     (f.flags & 0x1fu));
                        bool ok = true;
                        for (unsigned k = 0; k < 16; k++) {
                            auto it = mem.find(ca + k);
                            ok = ok && it != mem.end() && it->second == e[k];
                        }
                        s.check(ok, "queue %u completion %u at %016" PRIx64 ": wrong or missing entry",
                                cq2, f.cpl_ctr, ca);
                        /* the frame's bytes in its buffers, already written */
                        size_t off = 0;
                        bool dok = true;
                        for (unsigned k = 0; k < f.used && dok; k++) {
                            const Desc &dd = x.desc[static_cast<uint16_t>(f.first + k)];
                            size_t nn = std::min<size_t>(dd.size, f.bytes.size() - off);
                            for (size_t j = 0; j < nn && dok; j++) {
                                auto it = mem.find(dd.addr + j);
                                dok = it != mem.end() && it->second == f.bytes[off + j];
                            }
                            off += nn;
                        }
                        s.check(dok && off == f.bytes.size(), "queue %u frame of %zu bytes (completion "
                                "%u): data not in its buffers", cq2, f.bytes.size(), f.cpl_ctr);
                        delivered++;
                        /* written bytes of delivered buffers are not looked at again */
                    }
                }
            }
            d.tick();
            if (csr_q >= 0) {
                q[csr_q].cpl_head = static_cast<uint16_t>(m.drx_s_csr_wdata);
                m.drx_s_csr_wr = 0;
                m.drx_s_csr_sel = 0;
            }
        }
        s.check(d.cycle() < guard, "batch %u: timeout", batch);
        for (unsigned i = 0; i < kRxQ; i++)
            s.check(hw[i].head == q[i].head && hw[i].rd == q[i].head,
                    "queue %u: engine left head/rd %u/%u, model %u", i, hw[i].head, hw[i].rd,
                    q[i].head);
        m.drx_s_q_valid = 0;
        m.drx_s_axis_tvalid = 0;
        m.drx_s_meta_valid = 0;
        m.drx_s_ev_valid = 0;
        s.check(ev_idx == evs.size(), "batch %u: %zu of %zu events taken", batch, ev_idx,
                evs.size());
        /* placed bytes: exactly the expected ones, nothing outside the extents */
        {
            size_t bad = 0;
            uint64_t first_bad = 0;
            for (const auto &kv : place_exp) {
                auto it = place_got.find(kv.first);
                if (it == place_got.end() || it->second != kv.second) {
                    if (!bad++)
                        first_bad = kv.first;
                }
            }
            for (const auto &kv : place_got)
                if (!place_exp.count(kv.first) && !bad++)
                    first_bad = kv.first;
            s.check(bad == 0, "batch %u: %zu placed bytes wrong, missing or outside the extents "
                    "(first at %016" PRIx64 "; %zu expected, %zu written)", batch, bad, first_bad,
                    place_exp.size(), place_got.size());
            place_exp.clear();
            place_got.clear();
        }
        if (mem.size() > (1u << 22))
            mem.clear();
    }
    sb_meta.drained();
    m.drx_cfg_enable = 1;
    for (unsigned i = 0; i < kRxQ; i++) {
        const Q &x = q[i];
        s.check(csr_read(i, 9) == x.cpl_tail && csr_read(i, 12) == static_cast<uint32_t>(x.drops_nodesc) &&
                    csr_read(i, 13) == static_cast<uint32_t>(x.drops_full) &&
                    csr_read(i, 14) == static_cast<uint32_t>(x.done),
                "queue %u registers: tail/nodesc/full/done differ from %u/%" PRIu64 "/%" PRIu64 "/%"
                PRIu64, i, x.cpl_tail, x.drops_nodesc, x.drops_full, x.done);
    }
    s.check(ev_dropped == ev_dropped_expect, "events dropped %" PRIu64 ", expected %" PRIu64,
            ev_dropped, ev_dropped_expect);
    s.note("%" PRIu64 " events written (%" PRIu64 " cycles waiting on a full ring), %" PRIu64
           " dropped; %" PRIu64 " placed, %" PRIu64 " consumed (%" PRIu64 " bytes placed); %"
           PRIu64 " completions with slot/flags; results held %" PRIu64 " cycles for events",
           ev_written, ev_full_waits, ev_dropped, fates[3], fates[4], placed_bytes, host_flagged,
           hold_cycles);
    s.check(ev_written > 0 && ev_full_waits > 0 && ev_dropped > 0 && fates[3] > 0 &&
                fates[4] > 0 && host_flagged > 0 && hold_cycles > 0,
            "events written, waits on a full ring, dropped events, PLACE and CONSUME frames, "
            "flagged completions and held results must all occur");
    s.check(stat_nodesc == fates[1] && stat_full == fates[2],
            "drop strobes %" PRIu64 "/%" PRIu64 ", expected %" PRIu64 "/%" PRIu64, stat_nodesc,
            stat_full, fates[1], fates[2]);
    s.note("%" PRIu64 " delivered, %" PRIu64 " dropped no descriptor, %" PRIu64
           " dropped ring full; %" PRIu64 " write beats", fates[0], fates[1], fates[2],
           beats_written);
    s.check(fates[0] > 0 && fates[1] > 0 && fates[2] > 0, "every fate must occur");
    return s.finish();
}

/* ---------------------------------------------------------------------------------------- */
/* nic_dma_tx (BUF_BYTES 16384, CHUNKS 32, CTX_WIDTH 16) */

uint8_t tx_mem_byte(uint64_t addr)
{
    uint64_t x = addr * 0x9e3779b97f4a7c15ull;
    x ^= x >> 31;
    return static_cast<uint8_t>(x >> 24);
}

template <class V> int tb_dma_tx(const TbArgs &a, Dut<V> &d)
{
    constexpr unsigned B = tb_beat_bytes<V>();
    Summary s("nic_dma_tx", a.width, a.seed);
    Rng rng(a.seed);
    V &m = d.top();
    m.dtx_cfg_enable = 0;
    m.dtx_s_csr_wr = 0;
    m.dtx_s_csr_rd = 0;
    m.dtx_s_cons_avail = 0;
    m.dtx_s_cons_valid = 0;
    m.dtx_s_cons_wake = 0;
    m.dtx_s_rd_cpl_valid = 0;
    m.dtx_m_axis_tx_tready = 1;
    m.dtx_m_wr_ready = 1;
    d.reset();

    auto csr_write = [&](unsigned off, uint32_t v) {
        m.dtx_s_csr_wr = 1;
        m.dtx_s_csr_sel = 1;
        m.dtx_s_csr_off = static_cast<uint8_t>(off);
        m.dtx_s_csr_wdata = v;
        d.settle();
        d.tick();
        m.dtx_s_csr_wr = 0;
        m.dtx_s_csr_sel = 0;
    };
    auto csr_read = [&](unsigned off) {
        m.dtx_s_csr_rd = 1;
        m.dtx_s_csr_sel = 1;
        m.dtx_s_csr_off = static_cast<uint8_t>(off);
        d.settle();
        d.tick();
        m.dtx_s_csr_rd = 0;
        m.dtx_s_csr_sel = 0;
        d.settle();
        return static_cast<uint32_t>(m.dtx_m_csr_rdata);
    };
    const uint64_t cpl_base = (uint64_t{0xd0} << 40) | (rng.u32() & 0xfff0u);
    const unsigned cpl_log2 = static_cast<unsigned>(rng.range(1, 4));
    const unsigned entries = 1u << cpl_log2;
    const unsigned vector = static_cast<unsigned>(rng.range(0, 16));
    csr_write(5, static_cast<uint32_t>(cpl_base));
    csr_write(6, static_cast<uint32_t>(cpl_base >> 32));
    csr_write(7, cpl_log2);
    csr_write(10, vector);
    m.dtx_cfg_enable = 1;

    struct Desc {
        uint64_t addr;
        unsigned len;
        bool eof;
        uint32_t cookie;
    };
    struct Frame {
        std::vector<uint8_t> bytes;
        uint16_t first;
        unsigned used;
        uint32_t cookie;
    };
    std::vector<Desc> desc;     /* by counter value (16-bit counters wrap only far later) */
    std::deque<Frame> frames;   /* expected on the line, in order */
    std::deque<Frame> cpls;     /* expected completions, in order */
    std::deque<std::pair<uint64_t, unsigned>> chunks; /* expected reads */
    unsigned nframes = 300 * a.scale;
    for (unsigned f = 0; f < nframes; f++) {
        Frame fr;
        fr.first = static_cast<uint16_t>(desc.size());
        fr.used = static_cast<unsigned>(rng.range(1, 4));
        for (unsigned k = 0; k < fr.used; k++) {
            Desc dd;
            dd.addr = (uint64_t{1} << 40) + rng.range(0, 1u << 30);
            dd.len = rng.chance(0.1) ? 0 : static_cast<unsigned>(rng.range(1, 1500));
            if (k + 1 == fr.used && fr.bytes.size() + dd.len == 0)
                dd.len = 1;
            dd.eof = k + 1 == fr.used;
            dd.cookie = rng.u32();
            for (unsigned j = 0; j < dd.len; j++)
                fr.bytes.push_back(tx_mem_byte(dd.addr + j));
            for (unsigned off = 0; off < dd.len;) {
                uint64_t a0 = dd.addr + off;
                unsigned n = std::min<unsigned>(dd.len - off, 4096 - static_cast<unsigned>(a0 & 4095));
                chunks.emplace_back(a0, n);
                off += n;
            }
            fr.cookie = dd.cookie;
            desc.push_back(dd);
        }
        frames.push_back(fr);
        cpls.push_back(fr);
    }

    /* descriptor fetcher model */
    uint16_t tail = 0, rd = 0, onchip = 0;
    uint16_t cpl_head = 0, cpl_tail = 0; /* driver's head, completions seen */
    std::deque<std::pair<uint64_t, uint16_t>> frees; /* (cycle, new head) */
    struct Rd {
        uint64_t addr;
        unsigned len, ctx, sent;
        uint64_t ready_at;
    };
    std::vector<Rd> reads;
    int serving = -1;
    std::vector<uint8_t> line;
    uint8_t entry[16] = {}; /* completion being written */
    unsigned got = 0;
    uint64_t stat_frames = 0, line_frames = 0, cpl_count = 0, full_waits = 0;
    Traffic t = Traffic::pick(rng, 3);
    t.stall = 0.3;
    uint64_t guard = d.cycle() + 600000 * a.scale;
    unsigned total = static_cast<unsigned>(desc.size());
    while ((!frames.empty() || !cpls.empty()) && d.cycle() < guard) {
        uint64_t c = d.cycle();
        /* driver posts more descriptors now and then */
        if (tail < total && rng.chance(0.05))
            tail = static_cast<uint16_t>(std::min<unsigned>(total, tail + rng.range(1, 6)));
        /* driver frees completion slots late */
        while (!frames.empty() && !frees.empty() && frees.front().first <= c) {
            cpl_head = frees.front().second;
            frees.pop_front();
            m.dtx_s_csr_wr = 1;
            m.dtx_s_csr_sel = 1;
            m.dtx_s_csr_off = 8;
            m.dtx_s_csr_wdata = cpl_head;
            break;
        }
        if (frames.empty() && !frees.empty()) { /* the end: free everything */
            cpl_head = frees.back().second;
            frees.clear();
            m.dtx_s_csr_wr = 1;
            m.dtx_s_csr_sel = 1;
            m.dtx_s_csr_off = 8;
            m.dtx_s_csr_wdata = cpl_head;
        }
        bool wake = false;
        if (onchip != tail && static_cast<uint16_t>(onchip - rd) < 8 && rng.chance(0.3)) {
            onchip++;
            wake = true;
        }
        bool avail = rd != tail, valid = rd != onchip;
        m.dtx_s_cons_avail = avail;
        m.dtx_s_cons_valid = valid;
        m.dtx_s_cons_wake = wake;
        m.dtx_s_cons_ctr = rd;
        uint8_t dd[16] = {};
        if (valid) {
            const Desc &e = desc[rd];
            for (unsigned k = 0; k < 8; k++)
                dd[k] = static_cast<uint8_t>(e.addr >> (8 * k));
            dd[8] = static_cast<uint8_t>(e.len);
            dd[9] = static_cast<uint8_t>(e.len >> 8);
            dd[10] = e.eof ? 1 : 0;
            for (unsigned k = 0; k < 4; k++)
                dd[12 + k] = static_cast<uint8_t>(e.cookie >> (8 * k));
        }
        put_bytes(m.dtx_s_cons_desc, dd, 16);
        /* host */
        bool req_ready = rng.chance(0.7);
        m.dtx_m_rd_req_ready = req_ready;
        if (serving < 0 && !reads.empty() && rng.chance(0.6)) {
            unsigned k = static_cast<unsigned>(rng.range(0, reads.size() - 1));
            if (reads[k].ready_at <= c)
                serving = static_cast<int>(k);
        }
        if (serving >= 0) {
            Rd &r = reads[static_cast<size_t>(serving)];
            unsigned beats = (r.len + B - 1) / B;
            uint8_t beat[64] = {};
            for (unsigned k = 0; k < B && r.sent * B + k < r.len; k++)
                beat[k] = tx_mem_byte(r.addr + r.sent * B + k);
            m.dtx_s_rd_cpl_valid = 1;
            put_bytes(m.dtx_s_rd_cpl_data, beat, B);
            m.dtx_s_rd_cpl_ctx = static_cast<uint16_t>(r.ctx);
            m.dtx_s_rd_cpl_last = r.sent + 1 == beats;
        } else {
            m.dtx_s_rd_cpl_valid = 0;
        }
        bool tx_ready = !rng.chance(t.stall);
        bool wr_ready = !rng.chance(t.stall);
        m.dtx_m_axis_tx_tready = tx_ready;
        m.dtx_m_wr_ready = wr_ready;
        d.settle();

        if (m.dtx_m_cons_pop) {
            s.check(m.dtx_m_cons_req && valid && m.dtx_m_cons_commit, "pop without a descriptor");
            rd++;
        }
        if (m.dtx_m_rd_req_valid && req_ready) {
            uint64_t addr = m.dtx_m_rd_req_addr;
            unsigned len = m.dtx_m_rd_req_len;
            if (s.check(!chunks.empty(), "read %016" PRIx64 "/%u not expected", addr, len)) {
                s.check(chunks.front().first == addr && chunks.front().second == len,
                        "read %016" PRIx64 "/%u, expected %016" PRIx64 "/%u", addr, len,
                        chunks.front().first, chunks.front().second);
                chunks.pop_front();
            }
            reads.push_back({addr, len, m.dtx_m_rd_req_ctx, 0, c + rng.range(2, 100)});
        }
        if (serving >= 0 && m.dtx_s_rd_cpl_ready) {
            Rd &r = reads[static_cast<size_t>(serving)];
            r.sent++;
            if (r.sent * B >= r.len) {
                reads.erase(reads.begin() + serving);
                serving = -1;
            }
        }
        if (m.dtx_m_axis_tx_tvalid && tx_ready) {
            uint64_t keep = get_bits(m.dtx_m_axis_tx_tkeep, 0, B);
            uint8_t data[64];
            take_bytes(m.dtx_m_axis_tx_tdata, data, B);
            bool last = m.dtx_m_axis_tx_tlast;
            unsigned n = 0;
            while (n < B && ((keep >> n) & 1u))
                n++;
            s.check(last ? n > 0 && (n == B || (keep >> n) == 0) : n == B,
                    "line beat keep %" PRIx64 " last %d", keep, last);
            line.insert(line.end(), data, data + n);
            if (last) {
                if (s.check(!frames.empty(), "frame on the line not expected")) {
                    s.check(line == frames.front().bytes, "frame %" PRIu64 ": %zu bytes on the line "
                            "differ from the %zu expected", line_frames, line.size(),
                            frames.front().bytes.size());
                    frames.pop_front();
                }
                line_frames++;
                line.clear();
            }
        }
        if (m.dtx_m_wr_valid && wr_ready) {
            uint64_t addr = m.dtx_m_wr_addr;
            uint64_t strb = get_bits(m.dtx_m_wr_strb, 0, B);
            uint8_t data[64];
            take_bytes(m.dtx_m_wr_data, data, B);
            uint64_t ca = cpl_base + 16 * (cpl_tail & (entries - 1));
            for (unsigned k = 0; k < B; k++) {
                if (!((strb >> k) & 1u))
                    continue;
                uint64_t ad = addr + k;
                if (s.check(ad >= ca && ad < ca + 16, "write at %016" PRIx64 " outside completion "
                            "slot %016" PRIx64, ad, ca)) {
                    entry[ad - ca] = data[k];
                    got++;
                }
            }
            unsigned user = m.dtx_m_wr_user;
            if (m.dtx_m_wr_last) {
                s.check(user == (0x100u | vector), "completion sideband %03x", user);
                s.check(got == 16, "completion of %u bytes", got);
                s.check(static_cast<uint16_t>(cpl_tail - cpl_head) < entries,
                        "completion %u written into a full ring (head %u)", cpl_tail, cpl_head);
                if (s.check(!cpls.empty(), "completion not expected")) {
                    const Frame &f = cpls.front();
                    uint8_t e[16] = {};
                    for (unsigned k = 0; k < 4; k++)
                        e[k] = static_cast<uint8_t>(f.cookie >> (8 * k));
                    e[4] = static_cast<uint8_t>(f.bytes.size());
                    e[5] = static_cast<uint8_t>(f.bytes.size() >> 8);
                    e[8] = static_cast<uint8_t>(f.first);
                    e[9] = static_cast<uint8_t>(f.first >> 8);
                    e[10] = static_cast<uint8_t>(f.used);
                    e[14] = 2;
                    e[15] = static_cast<uint8_t>((((cpl_tail >> cpl_log2) & 1u) ^ 1u) << 7);
                    s.check(std::memcmp(e, entry, 16) == 0, "completion %u: wrong contents",
                            cpl_tail);
                    cpls.pop_front();
                }
                got = 0;
                cpl_tail++;
                cpl_count++;
                frees.emplace_back(c + rng.range(1, 400), cpl_tail);
            } else {
                s.check((user & 0x100u) == 0, "event sideband %03x on a non-last completion beat",
                        user);
            }
        }
        if (static_cast<uint16_t>(cpl_tail - cpl_head) == entries)
            full_waits++;
        stat_frames += m.dtx_stat_tx_frame;
        d.tick();
        m.dtx_s_csr_wr = 0;
        m.dtx_s_csr_sel = 0;
    }
    s.check(d.cycle() < guard, "timeout: %zu frames, %zu completions missing", frames.size(),
            cpls.size());
    s.check(chunks.empty(), "%zu reads never issued", chunks.size());
    for (int i = 0; i < 50; i++) {
        d.settle();
        d.tick();
    }
    s.check(csr_read(9) == cpl_tail && csr_read(14) == nframes, "registers: tail %u / sent, "
            "expected %u / %u", csr_read(9), cpl_tail, nframes);
    s.check(stat_frames == nframes, "frame strobe counted %" PRIu64 " of %u", stat_frames,
            nframes);
    s.check(!m.dtx_busy, "busy at the end");
    s.note("%u frames, %u descriptors, %" PRIu64 " completions, %" PRIu64
           " cycles with the ring full", nframes, total, cpl_count, full_waits);
    return s.finish();
}

} // namespace

void tb_register_host(std::vector<TbEntry> &v)
{
    v.push_back({"nic_csr", tb_nic_csr<Vtb_blocks_w64>, tb_nic_csr<Vtb_blocks_w512>});
    v.push_back({"nic_irq", tb_nic_irq<Vtb_blocks_w64>, nullptr});
    v.push_back({"nic_desc_fetch", tb_desc_fetch<Vtb_blocks_w64>, tb_desc_fetch<Vtb_blocks_w512>});
    v.push_back({"nic_dma_rx", tb_dma_rx<Vtb_blocks_w64>, tb_dma_rx<Vtb_blocks_w512>});
    v.push_back({"nic_dma_tx", tb_dma_tx<Vtb_blocks_w64>, tb_dma_tx<Vtb_blocks_w512>});
}
