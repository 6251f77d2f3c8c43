// Byte lanes of a Verilated DATA_WIDTH-bit port (byte i in bits [8i+7:8i]): an integer for
// widths up to 64, a VlWide word array above. Shared by the model and the bare benchmark.
#ifndef NICSIM_PORT_BYTES_H
#define NICSIM_PORT_BYTES_H
#include <cstdint>
#include <type_traits>

template <class T> void put_bytes(T &port, const uint8_t *p, unsigned n, unsigned width_bytes)
{
    if constexpr (std::is_integral<T>::value) {
        uint64_t d = 0;
        for (unsigned i = 0; i < n && i < 8; i++) d |= (uint64_t)p[i] << (8 * i);
        port = (T)d;
        (void)width_bytes;
    } else {
        for (unsigned w = 0; w < width_bytes / 4; w++) {
            uint32_t v = 0;
            for (unsigned b = 0; b < 4 && 4 * w + b < n; b++) v |= (uint32_t)p[4 * w + b] << (8 * b);
            port[w] = v;
        }
    }
}

template <class T> uint8_t get_byte(const T &port, unsigned i)
{
    if constexpr (std::is_integral<T>::value)
        return (uint8_t)((uint64_t)port >> (8 * i));
    else
        return (uint8_t)(port[i / 4] >> (8 * (i % 4)));
}

// tkeep/strobe value with the low n of width_bytes lanes set.
inline uint64_t keep_mask(unsigned n, unsigned width_bytes)
{
    if (n >= width_bytes) return width_bytes >= 64 ? ~0ull : ((1ull << width_bytes) - 1ull);
    return (1ull << n) - 1ull;
}

#endif
