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

/* Latest simulated time a frame may arrive at (its last bit on the wire), in ps: 2^63 ps,
 * about 106.75 days. Half the uint64_t picosecond range, so that code adding timers
 * (interrupt moderation, TCP timers: a few ms) to an arrival time can never wrap, and so that
 * arrival times also fit a signed 64-bit picosecond count. A replay whose timeline would go
 * past it (recorded timing of a capture spanning months, a very slow fixed rate, many loops)
 * is refused by rp_open() with one error naming the file. */
#define RP_TIME_LIMIT_PS (UINT64_C(1) << 63)

/* Ethernet overhead on the wire per frame, bytes: preamble+SFD 8, FCS 4, inter-frame gap 12. */
#define RP_WIRE_OVERHEAD_BYTES 24u
#define RP_MIN_FRAME_NOFCS 60u

/* Wire time of a frame of len bytes (without FCS) at link_gbps, in ps (the frame padded to the
 * 60-byte minimum, plus FCS, preamble and gap). */
uint64_t rp_wire_ps(uint32_t len, double link_gbps);

/* Opens the capture, runs the selection pre-scan and checks the timeline against
 * RP_TIME_LIMIT_PS. Returns 0 or a negative code with a one-line message naming the file.
 *
 * host = auto picks the address receiving the most TCP payload (ties: most frames), then
 *  - every other address of the same host: addresses whose frames all carry the chosen
 *    address's destination MAC (Ethernet captures), or all arrived at the capturing host
 *    (Linux cooked captures). Raw IP and BSD loopback captures have no MACs: only the one
 *    address is picked there (list the others in host = ...).
 *  - when that address mostly talks to itself (a loopback capture: 127.0.0.1 or ::1 at both
 *    ends carry most of its TCP payload, or most of its frames without payload), the server
 *    side of it: the port that received a SYN (the side that
 *    accepted the connection; the one receiving the most payload if several), or, with no
 *    SYN in the capture, the lowest port seen on that address. */
int rp_open(rp_replay **out, const ns_config *cfg, char *err, size_t errlen);
/* Next frame to feed: 1 = frame, 0 = end, negative = error. Frames not fed (sent by the host,
 * not addressed to it) are skipped and counted. A host entry with a port matches only frames
 * to/from that port (frames without ports by address). */
int rp_next(rp_replay *r, rp_frame *out, char *err, size_t errlen);
void rp_close(rp_replay *r);

/* Selection result and counters. */
const char *rp_host_desc(const rp_replay *r);      /* "10.0.0.2", "any", ... */
/* The host addresses in use (0 for "any"); copies up to max into out. */
int rp_hosts(const rp_replay *r, ns_addr *out, int max);
uint64_t rp_total_frames(const rp_replay *r);      /* frames that will be fed over all passes */
/* Capture timestamp (ns since the epoch) of the first frame fed, which arrives at simulated
 * time 0: capture time = this + simulated time. 0 when no frame is fed. */
uint64_t rp_start_ts_ns(const rp_replay *r);
uint64_t rp_from_host(const rp_replay *r);
uint64_t rp_not_for_host(const rp_replay *r);
const tr_trace *rp_trace(const rp_replay *r);
/* Frames [replay] filter rejected so far (every pass), and capture records read by rp_next
 * (with [replay] limit or duration the replay may stop before the end of the capture). */
uint64_t rp_filtered(const rp_replay *r);
uint64_t rp_records_read(const rp_replay *r);
/* Trace statistics of one pass (the pre-scan). */
const tr_stats *rp_pass_stats(const rp_replay *r);
/* Pre-scan (one pass) counts of frames the host sent and frames not for it. */
uint64_t rp_pass_from_host(const rp_replay *r);
uint64_t rp_pass_not_for_host(const rp_replay *r);
/* The largest receive window (bytes, the window scale of its SYN/SYN-ACK applied) the host
 * advertised in its own frames of the capture (which are not fed) on the TCP connection
 * peer:peer_port -> host:host_port (as the stack sees it: in a later pass of replay.loop,
 * peer_port is the pass's port), over the whole capture. 0 when unknown: host = any, no frame
 * of the host on that connection, or none of its SYN/SYN-ACK before its first window.
 * Addresses in network order, ports in host order. */
uint64_t rp_peer_window(const rp_replay *r, int family, const uint8_t *peer, uint16_t peer_port,
                        const uint8_t *host, uint16_t host_port);
/* Frames per pass a fixed rate ([replay] mbps/pps) asked to send before the previous frame
 * had left the wire: held back to the link rate. */
uint64_t rp_rate_held(const rp_replay *r);

/* Emits every warning about this replay, one line per condition, each naming the file and
 * the count (per pass of the capture): records cut short, truncated (caplen < len),
 * partial checksums (repaired or kept), records on unsupported link types or not
 * convertible to Ethernet, oversize frames dropped, timestamps going backwards, a fixed
 * rate above the link rate, and nothing at all reaching the NIC (and why). The library
 * itself never prints. Returns the number of lines emitted. */
int rp_warnings(const rp_replay *r, void (*emit)(void *ctx, const char *line), void *ctx);

#ifdef __cplusplus
}
#endif
#endif
