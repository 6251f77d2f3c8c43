// The NIC's clock as the port adapters see it: the current cycle and the time it stands for,
// plus the byte lanes of the Verilated model's data ports.
#ifndef NICSIM_NIC_CLOCK_H
#define NICSIM_NIC_CLOCK_H

#include <cstdint>
#include <type_traits>
#include <utility>

struct NicClock {
    uint64_t period_ps = 0;
    uint64_t cycle = 0;    // NIC cycle; time = cycle * period
    uint64_t clocked = 0;  // cycles evaluated
    uint64_t now_ps() const { return cycle * period_ps; }
    uint64_t cycle_at(uint64_t ps) const { return (ps + period_ps - 1) / period_ps; }
};

template <class V> using TdataT = std::remove_reference_t<decltype(std::declval<V>().m_dma_wr_data)>;
// Bytes per beat of the Verilated model V's data ports.
template <class V> constexpr unsigned bytes_per_beat() { return sizeof(TdataT<V>) <= 8 ? 8 : sizeof(TdataT<V>); }
template <class T> bool lane_set(const T &mask, unsigned i) { return ((uint64_t)mask >> i) & 1u; }

#endif
