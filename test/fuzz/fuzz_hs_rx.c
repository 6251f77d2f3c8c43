/* The host stack's receive path: the fuzz bytes as a sequence of received frames, each given
 * to hs_rx of a small stack (2 CPUs, small buffers), with timers run in between and the stack
 * closed at the end. Input format (also written by fuzz_seeds from captures):
 *
 *   record = flags(1) len(2, big endian) [hash_type(1) hash(4) if flags & 0x80] frame(len)
 *   flags: bits 0-2 checksum verdict (mod 5), bit 3 CPU, bit 4 run timers after the frame,
 *          bits 5-6 time step (0, 1 us, 1 ms, 300 ms)
 */
#include "fuzz_util.h"

#include <string.h>

#include "hs.h"

static uint64_t fz_tx(void *user, int cpu, const uint8_t *frame, uint32_t len)
{
    (void)user;
    FZ_CHECK(cpu >= 0 && cpu < 2, "tx on CPU %d", cpu);
    FZ_CHECK(len >= 14 && len <= 65535 + 14, "tx frame of %u bytes", len);
    volatile uint8_t sink = 0;
    for (uint32_t i = 0; i < len; i++)
        sink ^= frame[i];
    (void)sink;
    return 100;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static hs_cost cost;
    static int have_cost;
    char err[256];
    if (!have_cost) {
        FZ_CHECK(hs_cost_builtin(&cost, "xeon-2006", err, sizeof err) == 0, "%s", err);
        have_cost = 1;
    }
    hs_config cfg;
    hs_config_defaults(&cfg);
    cfg.cpus = 2;
    cfg.csum_offload = 1;
    cfg.recv_buffer_bytes = 4096;
    cfg.posted_buffers = 2;
    cfg.rcv_window_bytes = 8192;
    cfg.max_hold_bytes = 1u << 16;
    cfg.app_rate_bytes_per_s = size && (data[0] & 1) ? 1e6 : 0; /* a slow application, or none */
    hs_stack *s = NULL;
    FZ_CHECK(hs_create(&s, &cfg, &cost, fz_tx, NULL, err, sizeof err) == 0, "%s", err);

    static const uint64_t steps_ns[4] = {0, 1000, 1000000, 300000000};
    uint64_t now = 1000;
    size_t p = 0;
    while (p + 3 <= size) {
        uint8_t flags = data[p];
        uint32_t len = (uint32_t)data[p + 1] << 8 | data[p + 2];
        p += 3;
        hs_rx_frame f = {0};
        if (flags & 0x80) {
            if (p + 5 > size)
                break;
            f.hash_type = data[p] % 7;
            f.hash = (uint32_t)data[p + 1] << 24 | (uint32_t)data[p + 2] << 16 |
                     (uint32_t)data[p + 3] << 8 | data[p + 4];
            p += 5;
        }
        if (len > size - p)
            len = (uint32_t)(size - p);
        /* a copy of exactly len bytes, so that ASan sees any read past the frame */
        uint8_t *frame = malloc(len ? len : 1);
        FZ_CHECK(frame != NULL, "out of memory");
        memcpy(frame, data + p, len);
        p += len;
        f.data = frame;
        f.len = len;
        f.csum = (uint8_t)((flags & 7) % 5);
        f.cpu = (flags >> 3) & 1;
        now += steps_ns[(flags >> 5) & 3];
        (void)hs_rx(s, &f, now);
        free(frame);
        if (flags & 0x10) {
            uint64_t next = hs_next_timer_ns(s);
            if (next != UINT64_MAX && next > now)
                now = next;
            (void)hs_timer(s, 0, now);
            (void)hs_timer(s, 1, now);
        }
    }
    hs_stats st;
    hs_get_stats(s, &st);
    FZ_CHECK(st.cpu_cycles[0] + st.cpu_cycles[1] == st.total_cycles, "cycles do not add up");
    FZ_CHECK(hs_close(s, err, sizeof err) == 0, "%s", err);
    return 0;
}
