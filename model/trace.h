/* Capture reader: pcap (us/ns) through libpcap, pcapng through a small block reader of
 * its own (interfaces of different link types, snap lengths and timestamp resolutions in
 * one file), every supported link type turned into Ethernet frames. Plain C, prefix tr_. */
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
    TR_ERR_FORMAT = -4,    /* not a pcap or pcapng file, a header libpcap rejects, a corrupt
                              block or record header, a timestamp out of range */
    TR_ERR_TRUNCATED = -5, /* file ends inside the global header (pcapng: before the first
                              interface block is complete) */
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
/* Largest frame (without FCS) the NIC's 16-bit frame length field can carry. Longer
 * frames are oversize whatever their IP length: TCP ones are re-segmented, others dropped. */
#define TR_FRAME_MAX 65535u

/* Where a frame's Ethernet addresses come from (tr_frame.l2). */
enum {
    TR_L2_CAPTURED = 0,  /* Ethernet as captured: the MACs are real */
    TR_L2_DIRECTION = 1, /* Linux cooked: synthetic destination MAC, but the packet type said
                            whether the capturing host sent or received it */
    TR_L2_NONE = 2       /* raw IP, BSD loopback: synthetic MACs, no direction known */
};

/* A NULL tr_options pointer means all fields zero (MTU 1500, oversize frames dropped). */
typedef struct tr_options {
    uint32_t mtu;   /* IP MTU: frames carrying a bigger IP packet are "oversize" (0 = 1500).
                       The IP packet size is the IPv4 total length or 40 + IPv6 payload
                       length; when that field is 0 (or the frame is not IP), the frame
                       length minus the L2 header (Ethernet + up to 2 VLAN tags). */
    int resegment;  /* 1: cut oversize TCP packets into MSS-sized segments with correct
                       checksums; 0: drop them (counted in oversize_dropped) */
    int fix_checksums; /* 1: repair partial TCP/UDP checksums (see csum_partial); 0: keep
                          them as captured (still counted) */
    const char *filter; /* BPF expression ([replay] filter); NULL or "": every record. Compiled
                           for the link type of each record (the file's, or each pcapng
                           interface's) and applied to the record as captured, before the
                           conversion to Ethernet; rejected records count in `filtered` */
} tr_options;
/* A frame is also oversize when it is longer than TR_FRAME_MAX. IPv6 BIG TCP frames (payload
 * length 0 and a hop-by-hop Jumbo Payload option) are re-segmented like other oversize TCP;
 * the segments carry no hop-by-hop header. */

typedef struct tr_frame {
    uint64_t frame_no;    /* 1-based record number in the file (Wireshark's numbering);
                             segments cut from one record share it */
    uint64_t ts_ns;       /* capture timestamp in ns since the epoch */
    uint32_t len;         /* bytes in data: an Ethernet frame without FCS */
    int unverifiable;     /* 1: the record was truncated (caplen < len) and zero-filled,
                             or cut from such a record: its checksums cannot be trusted */
    const uint8_t *data;  /* valid until the next tr_next()/tr_rewind()/tr_close() */
    int l2;               /* TR_L2_*: what the Ethernet addresses mean */
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
    uint64_t other_linktype;    /* pcapng records on interfaces of a link type that cannot become
                                   Ethernet (skipped; tr_other_linktype() names the first) */
    uint64_t csum_partial;      /* records holding a partial TCP/UDP checksum: the folded
                                   pseudo-header sum (or its complement) a sender with transmit
                                   checksum offload leaves for the NIC (repaired when
                                   fix_checksums) */
    uint64_t csum_repaired;     /* of those, repaired */
    uint64_t jumbo;             /* IPv6 BIG TCP records (hop-by-hop Jumbo Payload) re-segmented */
    uint64_t ts_backwards;      /* records whose timestamp is before the previous record's */
    uint64_t filtered;          /* records the filter (tr_options.filter) rejected */
    uint64_t cut_short;         /* passes that ended in a record cut short by the end of the file
                                   (capture stopped mid-write): the complete records before it
                                   were read, the partial one ignored */
} tr_stats;
/* Statistics accumulate over all passes: tr_rewind() does not reset them (callers that
 * pre-scan and then replay snapshot them between passes). frame_no restarts at 1 on
 * every pass. */

/* Opens a capture. Returns 0, or a negative code with a one-line message naming the
 * file in err (missing, empty, bad magic, unknown link type, ...). */
int tr_open(tr_trace **out, const char *path, const tr_options *opt, char *err, size_t errlen);
/* Next frame: 1 = frame in *f, 0 = end of file, negative = error (corrupt record header,
 * timestamp out of range, read error) with a one-line message naming the file and record
 * number in err. A last record cut short by the end of the file ends the pass normally
 * (0) and counts in stats.cut_short.
 * Records that cannot become Ethernet (stats.unsupported) and dropped oversize records
 * are skipped. An error is sticky: later calls return it again until tr_rewind(). */
int tr_next(tr_trace *t, tr_frame *f, char *err, size_t errlen);
/* Back to the first record by reopening the file (for loops and multi-pass scans);
 * stats keep counting. Fails for standard input ("-"). */
int tr_rewind(tr_trace *t, char *err, size_t errlen);
void tr_close(tr_trace *t); /* NULL is allowed */
const tr_stats *tr_get_stats(const tr_trace *t);
int tr_linktype(const tr_trace *t);            /* libpcap DLT_* of the file (pcapng: of the
                                                  first interface of a supported type) */
int tr_other_linktype(const tr_trace *t);      /* first unsupported pcapng interface link
                                                  type records were skipped for, -1 if none */
const char *tr_linktype_name(const tr_trace *t); /* e.g. "EN10MB", "LINUX_SLL" */
void tr_linktype_name_of(int dlt, char *out, size_t outlen); /* name of any DLT_* value */
const char *tr_path(const tr_trace *t);

#ifdef __cplusplus
}
#endif
#endif
