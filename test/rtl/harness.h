/*
 * harness.h: shared C++ harness of the per-block Verilator testbenches (tb_blocks).
 *
 *   Rng           seeded random numbers (std::mt19937_64), the only source of randomness
 *   Bits          bit-field access to Verilated ports of any width (CData .. VlWide<N>)
 *   Dut<V>        the Verilated model in unique_ptr, clock and reset
 *   Source<T>     stream source: queue of items, random idle cycles between items; valid is
 *                 held until the item is taken (no retraction)
 *   Sink<T>       stream sink: random ready-low cycles and long stalls (backpressure)
 *   Scoreboard<T> in-order expected/received comparison with a formatter for messages
 *   Summary       uniform check counting and the closing PASS/FAIL line; exit code
 *   Beat          one beat of a frame; split_frame() cuts a frame into beats
 *
 * A bench cycle is: drivers put their inputs (Source::drive, Sink::drive), Dut::settle()
 * evaluates the combinational outputs with the clock low, drivers observe handshakes
 * (Source::observe, Sink::observe), then Dut::tick() makes the rising edge.
 */
#ifndef NICSIM_TEST_RTL_HARNESS_H
#define NICSIM_TEST_RTL_HARNESS_H

#include <cinttypes>
#include <cstdarg>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <deque>
#include <functional>
#include <memory>
#include <random>
#include <string>
#include <type_traits>
#include <vector>

#include "verilated.h"

namespace tbh {

/* ---------------------------------------------------------------------------------------- */

class Rng {
public:
    explicit Rng(uint64_t seed) : gen_(seed) {}
    uint64_t u64() { return gen_(); }
    uint32_t u32() { return static_cast<uint32_t>(gen_() >> 32); }
    /* uniform in [lo, hi] */
    uint64_t range(uint64_t lo, uint64_t hi) { return lo + gen_() % (hi - lo + 1); }
    /* true with probability p */
    bool chance(double p) { return static_cast<double>(gen_() >> 11) * 0x1.0p-53 < p; }
    void bytes(uint8_t *p, size_t n)
    {
        for (size_t i = 0; i < n; i++)
            p[i] = static_cast<uint8_t>(gen_() >> 56);
    }

private:
    std::mt19937_64 gen_;
};

/* ---------------------------------------------------------------------------------------- */
/* Bit fields of Verilated ports: integral types up to 64 bits and VlWide<N> (32-bit words). */

template <class T> struct Bits {
    static_assert(std::is_integral<T>::value, "port type");
    static uint64_t get(const T &p, unsigned lsb, unsigned width)
    {
        uint64_t v = static_cast<uint64_t>(p) >> lsb;
        return width >= 64 ? v : v & ((uint64_t{1} << width) - 1);
    }
    static void set(T &p, unsigned lsb, unsigned width, uint64_t v)
    {
        uint64_t m = width >= 64 ? ~uint64_t{0} : (uint64_t{1} << width) - 1;
        uint64_t x = static_cast<uint64_t>(p);
        x = (x & ~(m << lsb)) | ((v & m) << lsb);
        p = static_cast<T>(x);
    }
    static void clear(T &p) { p = 0; }
};

template <std::size_t N> struct Bits<VlWide<N>> {
    static uint64_t get(const VlWide<N> &p, unsigned lsb, unsigned width)
    {
        uint64_t v = 0;
        for (unsigned i = 0; i < width; i++) {
            unsigned b = lsb + i;
            if ((p[b / 32] >> (b % 32)) & 1u)
                v |= uint64_t{1} << i;
        }
        return v;
    }
    static void set(VlWide<N> &p, unsigned lsb, unsigned width, uint64_t v)
    {
        if (lsb % 32 == 0 && width % 32 == 0) {
            for (unsigned w = 0; w < width / 32; w++)
                p[lsb / 32 + w] = static_cast<uint32_t>(v >> (32 * w));
            return;
        }
        for (unsigned i = 0; i < width; i++) {
            unsigned b = lsb + i;
            uint32_t m = 1u << (b % 32);
            if ((v >> i) & 1u)
                p[b / 32] |= m;
            else
                p[b / 32] &= ~m;
        }
    }
    static void clear(VlWide<N> &p)
    {
        for (std::size_t i = 0; i < N; i++)
            p[i] = 0;
    }
};

template <class T> uint64_t get_bits(const T &p, unsigned lsb, unsigned width)
{
    return Bits<T>::get(p, lsb, width);
}
template <class T> void set_bits(T &p, unsigned lsb, unsigned width, uint64_t v)
{
    Bits<T>::set(p, lsb, width, v);
}
template <class T> void clear_bits(T &p) { Bits<T>::clear(p); }

/* byte k of the port in bits [8k+7:8k] */
template <class T> void put_bytes(T &p, const uint8_t *b, size_t n)
{
    clear_bits(p);
    for (size_t k = 0; k < n; k++)
        set_bits(p, static_cast<unsigned>(8 * k), 8, b[k]);
}
template <class T> void take_bytes(const T &p, uint8_t *b, size_t n)
{
    for (size_t k = 0; k < n; k++)
        b[k] = static_cast<uint8_t>(get_bits(p, static_cast<unsigned>(8 * k), 8));
}

/* ---------------------------------------------------------------------------------------- */

template <class V> class Dut {
public:
    Dut() : ctx_(new VerilatedContext), m_(new V(ctx_.get(), "tb_blocks")) {}
    ~Dut() { m_->final(); }
    V *operator->() { return m_.get(); }
    V &top() { return *m_; }
    /* combinational outputs for the inputs as set, clock low */
    void settle()
    {
        m_->clk = 0;
        m_->eval();
    }
    /* rising edge; inputs keep their values until the next drive */
    void tick()
    {
        m_->clk = 1;
        m_->eval();
        m_->clk = 0;
        m_->eval();
        cycle_++;
        ctx_->timeInc(1);
    }
    void reset(unsigned cycles = 4)
    {
        m_->rst = 1;
        for (unsigned i = 0; i < cycles; i++) {
            settle();
            tick();
        }
        m_->rst = 0;
        settle();
    }
    uint64_t cycle() const { return cycle_; }

private:
    std::unique_ptr<VerilatedContext> ctx_;
    std::unique_ptr<V> m_;
    uint64_t cycle_ = 0;
};

/* ---------------------------------------------------------------------------------------- */
/* Random idle and backpressure. */

struct Traffic {
    double idle = 0.0;       /* source: chance of an idle cycle before presenting an item */
    double stall = 0.0;      /* sink: chance of a ready-low cycle */
    double long_stall = 0.0; /* sink: chance of starting a long ready-low stretch */
    unsigned long_len = 40;  /* length of a long stretch in cycles (upper bound) */

    static Traffic pick(Rng &rng, int mode)
    {
        Traffic t;
        switch (mode) {
        case 0: /* full speed */
            break;
        case 1: /* light */
            t.idle = 0.1;
            t.stall = 0.1;
            break;
        case 2: /* heavy */
            t.idle = 0.5;
            t.stall = 0.5;
            t.long_stall = 0.01;
            break;
        default: /* random */
            t.idle = static_cast<double>(rng.range(0, 70)) / 100.0;
            t.stall = static_cast<double>(rng.range(0, 70)) / 100.0;
            t.long_stall = rng.chance(0.5) ? 0.005 : 0.0;
            break;
        }
        return t;
    }
};

/*
 * Stream source. put(item or nullptr) sets the data/valid ports; ready() reads the ready
 * port after settle(). An item is presented after a random number of idle cycles and held
 * until taken.
 */
template <class T> class Source {
public:
    using PutFn = std::function<void(const T *)>;
    using ReadyFn = std::function<bool()>;

    Source(Rng &rng, PutFn put, ReadyFn ready) : rng_(rng), put_(std::move(put)), ready_(std::move(ready)) {}
    void set_traffic(const Traffic &t) { t_ = t; }
    void push(const T &x) { q_.push_back(x); }
    size_t pending() const { return q_.size(); }
    bool presenting() const { return showing_; }
    uint64_t taken() const { return taken_; }

    void drive()
    {
        if (!showing_ && !q_.empty() && !(t_.idle > 0 && rng_.chance(t_.idle)))
            showing_ = true;
        put_(showing_ ? &q_.front() : nullptr);
    }
    /* after settle(): returns true and the item when it was taken this cycle */
    bool observe(T *out = nullptr)
    {
        if (!showing_ || !ready_())
            return false;
        if (out)
            *out = q_.front();
        q_.pop_front();
        showing_ = false;
        taken_++;
        return true;
    }

private:
    Rng &rng_;
    PutFn put_;
    ReadyFn ready_;
    Traffic t_;
    std::deque<T> q_;
    bool showing_ = false;
    uint64_t taken_ = 0;
};

/*
 * Stream sink. set_ready(bool) drives the ready port, valid() and capture() read the
 * outputs after settle().
 */
template <class T> class Sink {
public:
    using ReadyFn = std::function<void(bool)>;
    using ValidFn = std::function<bool()>;
    using CaptureFn = std::function<T()>;

    Sink(Rng &rng, ReadyFn set_ready, ValidFn valid, CaptureFn capture)
        : rng_(rng), set_ready_(std::move(set_ready)), valid_(std::move(valid)),
          capture_(std::move(capture))
    {
    }
    void set_traffic(const Traffic &t) { t_ = t; }
    void hold(bool h) { hold_ = h; }
    bool ready() const { return ready_; }

    void drive()
    {
        if (stretch_ > 0) {
            stretch_--;
            ready_ = false;
        } else if (t_.long_stall > 0 && rng_.chance(t_.long_stall)) {
            stretch_ = static_cast<unsigned>(rng_.range(1, t_.long_len));
            ready_ = false;
        } else {
            ready_ = !(t_.stall > 0 && rng_.chance(t_.stall));
        }
        if (hold_)
            ready_ = false;
        set_ready_(ready_);
    }
    bool observe(T *out)
    {
        if (!ready_ || !valid_())
            return false;
        *out = capture_();
        taken_++;
        return true;
    }
    uint64_t taken() const { return taken_; }

private:
    Rng &rng_;
    ReadyFn set_ready_;
    ValidFn valid_;
    CaptureFn capture_;
    Traffic t_;
    bool ready_ = true;
    bool hold_ = false;
    unsigned stretch_ = 0;
    uint64_t taken_ = 0;
};

/* ---------------------------------------------------------------------------------------- */

class Summary {
public:
    Summary(std::string block, unsigned width, uint64_t seed)
        : block_(std::move(block)), width_(width), seed_(seed)
    {
    }
    /* one check; prints the message on failure (first few only) */
    bool check(bool ok, const char *fmt, ...) __attribute__((format(printf, 3, 4)))
    {
        checks_++;
        if (ok)
            return true;
        fails_++;
        if (fails_ <= 20) {
            std::va_list ap;
            va_start(ap, fmt);
            std::printf("  FAIL %s: ", block_.c_str());
            std::vprintf(fmt, ap);
            std::printf("\n");
            va_end(ap);
        } else if (fails_ == 21) {
            std::printf("  (further failures not shown)\n");
        }
        return false;
    }
    void note(const char *fmt, ...) __attribute__((format(printf, 2, 3)))
    {
        std::va_list ap;
        va_start(ap, fmt);
        std::printf("  %s: ", block_.c_str());
        std::vprintf(fmt, ap);
        std::printf("\n");
        va_end(ap);
    }
    uint64_t failures() const { return fails_; }
    int finish() const
    {
        std::printf("%s %s width=%u seed=%" PRIu64 " checks=%" PRIu64 " failures=%" PRIu64 "\n",
                    fails_ ? "FAIL" : "PASS", block_.c_str(), width_, seed_, checks_, fails_);
        return fails_ ? 1 : 0;
    }

private:
    std::string block_;
    unsigned width_;
    uint64_t seed_;
    uint64_t checks_ = 0;
    uint64_t fails_ = 0;
};

/* In-order scoreboard: expect() what must come out, got() what came out. */
template <class T> class Scoreboard {
public:
    using FmtFn = std::function<std::string(const T &)>;
    Scoreboard(Summary &s, const char *what, FmtFn fmt) : s_(s), what_(what), fmt_(std::move(fmt)) {}
    void expect(const T &x) { q_.push_back(x); }
    size_t outstanding() const { return q_.size(); }
    void got(const T &x)
    {
        if (!s_.check(!q_.empty(), "%s: unexpected %s", what_, fmt_(x).c_str()))
            return;
        s_.check(q_.front() == x, "%s #%" PRIu64 ": got %s, expected %s", what_, n_,
                 fmt_(x).c_str(), fmt_(q_.front()).c_str());
        q_.pop_front();
        n_++;
    }
    uint64_t matched() const { return n_; }
    /* at the end: nothing may be left */
    void drained()
    {
        s_.check(q_.empty(), "%s: %zu expected items never came out (after %" PRIu64 ")", what_,
                 q_.size(), n_);
    }

private:
    Summary &s_;
    const char *what_;
    FmtFn fmt_;
    std::deque<T> q_;
    uint64_t n_ = 0;
};

/* ---------------------------------------------------------------------------------------- */
/* Frames as stream beats (AXI4-Stream style: byte k of a beat in lane k). */

struct Beat {
    std::vector<uint8_t> data; /* all lanes (absent lanes: garbage on input) */
    uint64_t keep = 0;
    bool last = false;
    bool user = false;
    /* compared on the bytes under tkeep only */
    bool operator==(const Beat &o) const
    {
        if (keep != o.keep || last != o.last || user != o.user || data.size() != o.data.size())
            return false;
        for (size_t k = 0; k < data.size(); k++)
            if (((keep >> k) & 1u) && data[k] != o.data[k])
                return false;
        return true;
    }
};

inline std::string fmt_beat(const Beat &b)
{
    char t[96];
    std::snprintf(t, sizeof t, "keep=%" PRIx64 " last=%d user=%d d0=%02x", b.keep, b.last, b.user,
                  b.data.empty() ? 0 : b.data[0]);
    return t;
}

inline std::vector<Beat> split_frame(const std::vector<uint8_t> &f, unsigned B, bool user, Rng &rng)
{
    std::vector<Beat> out;
    for (size_t off = 0; off < f.size() || off == 0; off += B) {
        Beat b;
        b.data.resize(B);
        rng.bytes(b.data.data(), B);
        size_t n = std::min<size_t>(B, f.size() - off);
        std::memcpy(b.data.data(), f.data() + off, n);
        b.keep = n >= 64 ? ~uint64_t{0} : (uint64_t{1} << n) - 1;
        b.last = off + B >= f.size();
        b.user = b.last && user;
        out.push_back(b);
        if (f.empty())
            break;
    }
    return out;
}

} // namespace tbh

#endif
