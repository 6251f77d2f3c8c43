/* Capture reader and replay: the fuzz bytes as a capture file (pcap or pcapng), opened with
 * rp_open and pulled frame by frame through rp_next, with the pacing of every replay mode.
 * Errors must come back as one line; frames must be in bounds and in time order. */
#include "fuzz_util.h"

#include <string.h>

#include "replay.h"

/* Frames pulled per input at most (a huge loop count or capture must not stall the fuzzer). */
#define FZ_MAX_FRAMES 20000

static void fz_replay(const char *path, const uint8_t *data, size_t size)
{
    ns_config cfg;
    ns_config_defaults(&cfg);
    /* the last byte picks the replay settings: pacing, host selection, oversize handling */
    uint8_t sel = size ? data[size - 1] : 0;
    switch (sel & 3) {
    case 0: cfg.timing = NS_TIMING_RECORDED; break;
    case 1: cfg.timing = NS_TIMING_RECORDED; cfg.multiplier = NS_MULTIPLIER_MIN; break;
    case 2: cfg.mbps = NS_MBPS_MIN; break;
    case 3: cfg.pps = NS_PPS_MIN; break;
    }
    cfg.host_mode = (sel >> 2) % 3; /* auto, any, list (empty: nothing for the host) */
    cfg.resegment = (sel >> 4) & 1;
    cfg.mtu = (sel & 0x20) ? 576 : 9000;
    cfg.link_gbps = (sel & 0x40) ? NS_LINK_GBPS_MIN : NS_LINK_GBPS_MAX;
    cfg.loop = (sel & 0x80) ? 3 : 1;
    ns_config_finalize(&cfg);
    cfg.trace_path = path;

    char err[512] = "";
    rp_replay *r = NULL;
    if (rp_open(&r, &cfg, err, sizeof err) < 0) {
        FZ_CHECK(r == NULL, "rp_open failed but returned a handle");
        FZ_CHECK(fz_one_line(err), "rp_open message '%s'", err);
        return;
    }
    rp_frame f;
    int rc;
    uint64_t n = 0, prev_start = 0;
    while (n < FZ_MAX_FRAMES && (rc = rp_next(r, &f, err, sizeof err)) > 0) {
        FZ_CHECK(f.f.len > 0 && f.f.data, "empty frame");
        volatile uint8_t sink = 0;
        for (uint32_t i = 0; i < f.f.len; i++) /* every byte must be readable */
            sink ^= f.f.data[i];
        (void)sink;
        FZ_CHECK(f.end_ps > f.start_ps, "frame ends before it starts");
        FZ_CHECK(f.start_ps >= prev_start, "frames out of time order");
        prev_start = f.start_ps;
        n++;
    }
    if (n < FZ_MAX_FRAMES && rc < 0)
        FZ_CHECK(fz_one_line(err), "rp_next message '%s'", err);
    rp_close(r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > (1u << 20))
        return 0;
    fz_replay(fz_file(data, size), data, size);
    return 0;
}
