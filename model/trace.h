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

typedef struct tr_options {
    uint32_t mtu;   /* IP MTU: frames carrying a bigger IP packet are "oversize" (default 1500) */
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

typedef struct tr_stats {
    uint64_t records;           /* records read */
    uint64_t frames;            /* Ethernet frames produced (after re-segmentation) */
    uint64_t truncated;         /* records with caplen < len (zero-filled) */
    uint64_t oversize_dropped;  /* oversize records dropped (resegment=0, or not TCP) */
    uint64_t resegmented;       /* oversize TCP records cut into segments */
    uint64_t segments;          /* segments produced from them */
    uint64_t unsupported;       /* records whose link-layer payload could not be turned into Ethernet */
} tr_stats;

/* Opens a capture. Returns 0, or a negative code with a one-line message naming the
 * file in err (missing, empty, bad magic, unknown link type, ...). */
int tr_open(tr_trace **out, const char *path, const tr_options *opt, char *err, size_t errlen);
/* Next frame: 1 = frame in *f, 0 = end of file, negative = error (truncated record,
 * read error) with a one-line message naming the file and record number in err. */
int tr_next(tr_trace *t, tr_frame *f, char *err, size_t errlen);
/* Back to the first record (for loops and multi-pass scans); stats keep counting. */
int tr_rewind(tr_trace *t, char *err, size_t errlen);
void tr_close(tr_trace *t);
const tr_stats *tr_get_stats(const tr_trace *t);
int tr_linktype(const tr_trace *t);            /* libpcap DLT_* of the file */
const char *tr_linktype_name(const tr_trace *t);
const char *tr_path(const tr_trace *t);

#ifdef __cplusplus
}
#endif
#endif
