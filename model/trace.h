/* Capture reader: pcap (us/ns) and pcapng through libpcap, every supported link type
 * turned into Ethernet frames. Plain C, prefix tr_. */
#ifndef NICSIM_TRACE_H
#define NICSIM_TRACE_H
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct tr_trace tr_trace;

/* Negative return codes. Every one comes with a one-line message in the caller's buffer. */
enum {
    TR_ERR_ARG = -1,       /* NULL handle/path/output pointer */
    TR_ERR_IO = -2,        /* cannot open or read the file (missing, permission, directory) */
    TR_ERR_EMPTY = -3,     /* 0-byte file */
    TR_ERR_FORMAT = -4,    /* not a pcap or pcapng file, or a header libpcap rejects */
    TR_ERR_TRUNCATED = -5, /* file ends inside the global header or inside a record */
    TR_ERR_LINKTYPE = -6,  /* link type that cannot be turned into Ethernet */
    TR_ERR_NOMEM = -7      /* allocation failed */
};

/* Synthetic MAC addresses (locally administered) used when the capture carries none:
 * LOCAL stands for the simulated host's NIC, REMOTE for the far end. Raw IP and
 * DLT_NULL/DLT_LOOP frames become REMOTE -> LOCAL; Linux cooked frames use the captured
 * link address when it is 6 bytes long and these otherwise (outgoing packets, SLL packet
 * type 4, go LOCAL -> REMOTE). */
#define TR_MAC_LOCAL_INIT { 0x02, 0x6e, 0x73, 0x00, 0x00, 0x01 }
#define TR_MAC_REMOTE_INIT { 0x02, 0x6e, 0x73, 0x00, 0x00, 0x02 }
#define TR_DEFAULT_MTU 1500u

/* A NULL tr_options pointer means all fields zero (MTU 1500, oversize frames dropped). */
typedef struct tr_options {
    uint32_t mtu;   /* IP MTU: frames carrying a bigger IP packet are "oversize" (0 = 1500).
                       The IP packet size is the IPv4 total length or 40 + IPv6 payload
                       length; when that field is 0 (or the frame is not IP), the frame
                       length minus the L2 header (Ethernet + up to 2 VLAN tags). */
    int resegment;  /* 1: cut oversize TCP packets into MSS-sized segments with correct
                       checksums; 0: drop them (counted in oversize_dropped) */
} tr_options;

typedef struct tr_frame {
    uint64_t frame_no;    /* 1-based record number in the file (Wireshark's numbering);
                             segments cut from one record share it */
    uint64_t ts_ns;       /* capture timestamp in ns since the epoch */
    uint32_t len;         /* bytes in data: an Ethernet frame without FCS */
    int unverifiable;     /* 1: the record was truncated (caplen < len) and zero-filled,
                             or cut from such a record: its checksums cannot be trusted */
    const uint8_t *data;  /* valid until the next tr_next()/tr_rewind()/tr_close() */
} tr_frame;
/* Frames are what the capture holds, converted to Ethernet: no FCS (stripped only when
 * the pcap header declares its length), not padded to the 60-byte minimum. */

typedef struct tr_stats {
    uint64_t records;           /* records read */
    uint64_t frames;            /* Ethernet frames produced (after re-segmentation) */
    uint64_t truncated;         /* records with caplen < len (zero-filled) */
    uint64_t oversize_dropped;  /* oversize records dropped (resegment=0, or not TCP) */
    uint64_t resegmented;       /* oversize TCP records cut into segments */
    uint64_t segments;          /* segments produced from them */
    uint64_t unsupported;       /* records whose link-layer payload could not be turned into Ethernet */
} tr_stats;
/* Statistics accumulate over all passes: tr_rewind() does not reset them (callers that
 * pre-scan and then replay snapshot them between passes). frame_no restarts at 1 on
 * every pass. */

/* Opens a capture. Returns 0, or a negative code with a one-line message naming the
 * file in err (missing, empty, bad magic, unknown link type, ...). */
int tr_open(tr_trace **out, const char *path, const tr_options *opt, char *err, size_t errlen);
/* Next frame: 1 = frame in *f, 0 = end of file, negative = error (truncated record,
 * read error) with a one-line message naming the file and record number in err.
 * Records that cannot become Ethernet (stats.unsupported) and dropped oversize records
 * are skipped. An error is sticky: later calls return it again until tr_rewind(). */
int tr_next(tr_trace *t, tr_frame *f, char *err, size_t errlen);
/* Back to the first record by reopening the file (for loops and multi-pass scans);
 * stats keep counting. Fails for standard input ("-"). */
int tr_rewind(tr_trace *t, char *err, size_t errlen);
void tr_close(tr_trace *t); /* NULL is allowed */
const tr_stats *tr_get_stats(const tr_trace *t);
int tr_linktype(const tr_trace *t);            /* libpcap DLT_* of the file */
const char *tr_linktype_name(const tr_trace *t); /* e.g. "EN10MB", "LINUX_SLL" */
const char *tr_path(const tr_trace *t);

#ifdef __cplusplus
}
#endif
#endif
