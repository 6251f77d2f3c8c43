/* Trace replay: turns capture records into frames with wire arrival times.
 * Host selection ([scenario] host) and pacing ([replay]) live here. Plain C. */
#ifndef NICSIM_REPLAY_H
#define NICSIM_REPLAY_H
#include <stdint.h>

#include "nicsim_model.h"
#include "trace.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct rp_replay rp_replay;

typedef struct rp_frame {
    tr_frame f;          /* frame bytes and capture facts */
    uint64_t start_ps;   /* first bit on the wire at the NIC, simulated time */
    uint64_t end_ps;     /* last bit of the FCS on the wire */
    uint32_t pass;       /* 0-based loop pass */
} rp_frame;

/* Ethernet overhead on the wire per frame, bytes: preamble+SFD 8, FCS 4, inter-frame gap 12. */
#define RP_WIRE_OVERHEAD_BYTES 24u
#define RP_MIN_FRAME_NOFCS 60u

/* Wire time of a frame of len bytes (without FCS) at link_gbps, in ps (the frame padded to the
 * 60-byte minimum, plus FCS, preamble and gap). */
uint64_t rp_wire_ps(uint32_t len, double link_gbps);

/* Opens the capture, runs the selection pre-scan (auto host = the address receiving the most TCP
 * payload). Returns 0 or a negative code with a one-line message. */
int rp_open(rp_replay **out, const ns_config *cfg, char *err, size_t errlen);
/* Next frame to feed: 1 = frame, 0 = end, negative = error. Frames not fed (sent by the host,
 * not addressed to it) are skipped and counted. */
int rp_next(rp_replay *r, rp_frame *out, char *err, size_t errlen);
void rp_close(rp_replay *r);

/* Selection result and counters. */
const char *rp_host_desc(const rp_replay *r);      /* "10.0.0.2", "any", ... */
/* The host addresses in use (0 for "any"); copies up to max into out. */
int rp_hosts(const rp_replay *r, ns_addr *out, int max);
uint64_t rp_total_frames(const rp_replay *r);      /* frames that will be fed over all passes */
uint64_t rp_from_host(const rp_replay *r);
uint64_t rp_not_for_host(const rp_replay *r);
const tr_trace *rp_trace(const rp_replay *r);
/* Trace statistics of one pass (the pre-scan). */
const tr_stats *rp_pass_stats(const rp_replay *r);

#ifdef __cplusplus
}
#endif
#endif
