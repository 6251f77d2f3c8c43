/* Capture reader: libpcap opens pcap (us/ns); pcapng is read by a small block reader of
 * our own (libpcap refuses files whose interfaces differ in link type or snap length);
 * every supported link type is turned into an Ethernet frame; truncated records are
 * zero-filled; partial (transmit-offload) checksums are repaired; oversize TCP packets
 * (GRO/TSO/BIG TCP captures) are cut back into MTU-sized segments with fresh checksums. */
#define _DEFAULT_SOURCE /* POSIX.1-2008 (strdup, fileno) plus the BSD types pcap.h uses */
#include "trace.h"

#include "pkt.h"
#include "simtime.h"

#include <assert.h>
#include <errno.h>
#include <pcap/pcap.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* Link types as libpcap reports them after reading the file header. LINKTYPE_RAW (101) is
 * normally mapped to DLT_RAW by libpcap; accept the raw value too. */
#define TR_LINKTYPE_RAW 101

/* Bytes kept free in front of a record so the Ethernet header can be written in place of
 * (or before) the captured link-layer header. Must hold 14 bytes minus the shortest header. */
#define TR_HEADROOM 32u
/* Largest IP packet a zero-filled truncated record is grown to. */
#define TR_IP_MAX 65535u


/* Linux cooked packet types (sll_pkttype). */
#define TR_SLL_BROADCAST 1
#define TR_SLL_MULTICAST 2
#define TR_SLL_OUTGOING 4

/* pcapng (draft-ietf-opsawg-pcapng): block types, options and limits. */
#define TR_NG_SHB 0x0a0d0d0au
#define TR_NG_IDB 1u
#define TR_NG_PB 2u  /* obsolete Packet Block */
#define TR_NG_SPB 3u
#define TR_NG_EPB 6u
#define TR_NG_BOM 0x1a2b3c4du
#define TR_NG_OPT_END 0u
#define TR_NG_IF_TSRESOL 9u
#define TR_NG_IF_FCSLEN 13u
#define TR_NG_IF_TSOFFSET 14u
#define TR_NG_MAX_BLOCK (256u << 20) /* a longer block length is taken as corruption */
#define TR_NG_DEFAULT_TSEXP 6u       /* microseconds unless if_tsresol says otherwise */
/* tr_ng_read_block()/record readers: the file ends inside a block or record. */
#define TR_CUT 2

#define TR_NS_PER_S NS_NS_PER_S

/* IPv6 hop-by-hop options (RFC 8200, RFC 2675). */
#define TR_IPPROTO_HOPOPTS 0u
#define TR_HBH_PAD1 0x00u
#define TR_HBH_PADN 0x01u
#define TR_HBH_JUMBO 0xc2u

/* TCP flags (byte 13 of the header). */

static const uint8_t tr_mac_local[PKT_ETH_ALEN] = TR_MAC_LOCAL_INIT;
static const uint8_t tr_mac_remote[PKT_ETH_ALEN] = TR_MAC_REMOTE_INIT;
static const uint8_t tr_mac_bcast[PKT_ETH_ALEN] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

/* One pcapng interface (IDB) of the current section. */
typedef struct tr_ng_if {
    int dlt;
    int supported;
    size_t fcs_len;      /* if_fcslen: FCS bytes at the end of Ethernet records */
    int ts_binary;       /* 1: timestamp unit 2^-ts_exp s; 0: 10^-ts_exp s */
    unsigned ts_exp;
    int64_t ts_offset_s; /* if_tsoffset */
} tr_ng_if;

/* One record as the file holds it, before link-layer conversion. */
typedef struct tr_rec {
    uint64_t ts_ns;
    uint32_t caplen, len;
    const uint8_t *data;
    int dlt;
    size_t fcs_len;
} tr_rec;

/* Segmentation state of the current oversize record. Offsets are into the record's
 * Ethernet frame. */
typedef struct tr_seg_state {
    int active;
    int ipv6;
    size_t l2;       /* Ethernet header incl. VLAN tags */
    size_t iphl;     /* IPv4 header with options, or 40 (+ a stripped hop-by-hop header) */
    size_t strip;    /* bytes of IPv6 hop-by-hop (Jumbo Payload) header left out of segments */
    size_t tcphl;    /* TCP header with options */
    size_t pay_len;  /* TCP payload bytes in the record */
    size_t done;     /* payload bytes already emitted */
    size_t mss;      /* payload bytes per segment */
    uint32_t index;  /* segments already emitted */
} tr_seg_state;

#define TR_MAX_FILTER_DLTS 16 /* link types a filter is compiled for, at most */

struct tr_trace {
    char *path;
    pcap_t *pc;     /* pcap files: libpcap's handle */
    uint32_t mtu;
    int resegment;
    int fix_checksums;
    int dlt;
    size_t fcs_len; /* FCS bytes at the end of each Ethernet record (pcap header says) */
    char dlt_name[32];
    int other_dlt;  /* first unsupported pcapng interface link type seen, -1 if none */
    tr_stats st;

    /* pcapng files: our own block reader */
    FILE *ngf;
    int ng_be;          /* current section is big-endian */
    tr_ng_if *ifs;
    size_t nifs, ifs_cap;
    uint8_t *blk;       /* the last block read, whole (header, body, trailing length) */
    size_t blk_cap, blk_len;
    uint32_t blk_type;
    int ng_pending;     /* 1: blk holds a block read ahead at open; TR_CUT: the file ended
                           inside a block read ahead at open */
    uint64_t ng_off;    /* file offset of the next block */
    uint64_t prev_ts_ns;
    int have_prev_ts;

    uint64_t recno; /* records read in this pass */
    int eof;
    int err_code;   /* sticky error of this pass, 0 if none */
    char err_msg[512];

    /* Current record: Ethernet frame at buf + eth_off, eth_len bytes. */
    uint8_t *buf;
    size_t buf_cap;
    size_t eth_off, eth_len;
    uint64_t ts_ns;
    int unverifiable;
    int l2_kind;    /* TR_L2_* of the current record */

    tr_seg_state seg;
    uint8_t *segbuf;
    size_t segbuf_cap;

    /* tr_options.filter, compiled once per link type met */
    char *filter;
    int nfilt;
    struct {
        int dlt;
        struct bpf_program prog;
    } filt[TR_MAX_FILTER_DLTS];
};

/* ---- helpers --------------------------------------------------------------------- */

/* The one place pcap time becomes nanoseconds. Handles are opened with nanosecond
 * precision, so tv_usec holds nanoseconds. Returns -1 when the time is before the epoch
 * or does not fit 64-bit nanoseconds (after the year 2554). */
static int tr_ts_to_ns(const struct timeval *tv, uint64_t *ns)
{
    if (tv->tv_sec < 0 || tv->tv_usec < 0)
        return -1;
    uint64_t sec = (uint64_t)tv->tv_sec, sub = (uint64_t)tv->tv_usec;
    if (sec > (UINT64_MAX - sub) / TR_NS_PER_S)
        return -1;
    *ns = sec * TR_NS_PER_S + sub;
    return 0;
}

/* The one place pcapng time becomes nanoseconds: units of 10^-exp or 2^-exp seconds
 * (if_tsresol) plus the interface's if_tsoffset seconds. -1 when out of range. */
static int tr_ng_ts_to_ns(const tr_ng_if *ifc, uint64_t units, uint64_t *ns)
{
    uint64_t sec, sub;
    if (ifc->ts_binary) {
        unsigned e = ifc->ts_exp;
        sec = e >= 64 ? 0 : units >> e;
        uint64_t frac = e >= 64 ? units : units & ((1ull << e) - 1);
        /* frac * 1e9 / 2^e without overflow: keep at most 30 fraction bits */
        if (e > 30) {
            frac = e - 30 >= 64 ? 0 : frac >> (e - 30);
            e = 30;
        }
        sub = (frac * TR_NS_PER_S) >> e;
    } else if (ifc->ts_exp <= 9) {
        uint64_t per_s = 1;
        for (unsigned i = 0; i < ifc->ts_exp; i++)
            per_s *= 10;
        sec = units / per_s;
        sub = (units % per_s) * (TR_NS_PER_S / per_s);
    } else {
        uint64_t div = 1; /* units per ns */
        for (unsigned i = 9; i < ifc->ts_exp && i < 28; i++)
            div = div > UINT64_MAX / 10 ? UINT64_MAX : div * 10;
        uint64_t n = units / div;
        sec = n / TR_NS_PER_S;
        sub = n % TR_NS_PER_S;
    }
    if (ifc->ts_offset_s < 0) {
        uint64_t back = (uint64_t)(-(ifc->ts_offset_s + 1)) + 1;
        if (back > sec)
            return -1;
        sec -= back;
    } else {
        if ((uint64_t)ifc->ts_offset_s > UINT64_MAX - sec)
            return -1;
        sec += (uint64_t)ifc->ts_offset_s;
    }
    if (sec > (UINT64_MAX - sub) / TR_NS_PER_S)
        return -1;
    *ns = sec * TR_NS_PER_S + sub;
    return 0;
}

/* printf into the caller's buffer, forced onto one line. */
static void tr_seterr(char *err, size_t errlen, const char *fmt, ...)
{
    if (!err || errlen == 0)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    for (char *p = err; *p; p++)
        if (*p == '\n' || *p == '\r' || *p == '\t')
            *p = ' ';
    size_t n = strlen(err);
    while (n > 0 && err[n - 1] == ' ')
        err[--n] = '\0';
}

static int tr_grow(uint8_t **buf, size_t *cap, size_t need)
{
    if (need <= *cap)
        return 0;
    size_t ncap = *cap ? *cap : 2048;
    while (ncap < need)
        ncap *= 2;
    uint8_t *nb = realloc(*buf, ncap);
    if (!nb)
        return -1;
    *buf = nb;
    *cap = ncap;
    return 0;
}

static int tr_fail(tr_trace *t, int code, char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char tmp[sizeof t->err_msg];
    vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    t->err_code = code;
    tr_seterr(t->err_msg, sizeof t->err_msg, "%s", tmp);
    tr_seterr(err, errlen, "%s", t->err_msg);
    return code;
}

static int tr_dlt_supported(int dlt)
{
    switch (dlt) {
    case DLT_NULL:
    case DLT_EN10MB:
    case DLT_RAW:
    case TR_LINKTYPE_RAW:
    case DLT_LOOP:
    case DLT_LINUX_SLL:
    case DLT_LINUX_SLL2:
    case DLT_IPV4:
    case DLT_IPV6:
        return 1;
    default:
        return 0;
    }
}

/* Link-layer header bytes in front of the network packet, for bounding zero-fill. */
static size_t tr_dlt_hdrlen(int dlt)
{
    switch (dlt) {
    case DLT_EN10MB:
        return PKT_ETH_HLEN + PKT_VLAN_HLEN * PKT_MAX_VLAN_TAGS;
    case DLT_LINUX_SLL:
        return 16;
    case DLT_LINUX_SLL2:
        return 20;
    case DLT_NULL:
    case DLT_LOOP:
        return 4;
    default:
        return 0;
    }
}

/* libpcap's name for a link type; a few values libpcap has no name for get one here. */
static void tr_dlt_name(int dlt, char *out, size_t outlen)
{
    const char *n = pcap_datalink_val_to_name(dlt);
    if (n)
        snprintf(out, outlen, "%s", n);
    else if (dlt == TR_LINKTYPE_RAW)
        snprintf(out, outlen, "RAW");
    else if (dlt >= DLT_USER0 && dlt <= DLT_USER15)
        snprintf(out, outlen, "USER%d", dlt - DLT_USER0);
    else
        snprintf(out, outlen, "unknown");
}

/* ---- open ------------------------------------------------------------------------ */

static int tr_is_pcap_magic(const uint8_t *m)
{
    static const uint32_t magics[] = { 0xa1b2c3d4u, 0xa1b23c4du, 0xa1b2cd34u };
    uint32_t be = pkt_get32(m);
    uint32_t le = (uint32_t)m[0] | (uint32_t)m[1] << 8 | (uint32_t)m[2] << 16 |
                  (uint32_t)m[3] << 24;
    for (size_t i = 0; i < sizeof magics / sizeof magics[0]; i++)
        if (be == magics[i] || le == magics[i])
            return 1;
    return 0;
}

static int tr_is_pcapng_magic(const uint8_t *m)
{
    return m[0] == 0x0a && m[1] == 0x0d && m[2] == 0x0d && m[3] == 0x0a;
}

/* libpcap's reasons for refusing a file whose start looked like a capture, in the words
 * of the rest of the simulator. */
static int tr_map_open_msg(const char *name, const char *pcap_msg, char *err, size_t errlen)
{
    if (strstr(pcap_msg, "unknown file format")) { /* e.g. a bad pcapng byte-order magic */
        tr_seterr(err, errlen, "%s: not a pcap or pcapng file (bad magic)", name);
        return TR_ERR_FORMAT;
    }
    if (strstr(pcap_msg, "truncated")) {
        tr_seterr(err, errlen, "%s: truncated global header (file ends inside it)", name);
        return TR_ERR_TRUNCATED;
    }
    /* A well-formed start libpcap still rejects (version, snaplen, no interface block):
     * its own words are the best description. */
    tr_seterr(err, errlen, "%s: %s", name, pcap_msg);
    return TR_ERR_FORMAT;
}

/* libpcap refused the file: look at it to say why in plain words. */
static int tr_open_error(const char *path, const char *pcap_msg, char *err, size_t errlen)
{
    int rc;
    FILE *f = NULL;
    struct stat sb;
    uint8_t hdr[4];
    size_t got;

    if (strcmp(path, "-") == 0) {
        /* Standard input cannot be looked at again: go by libpcap's message. */
        if (strstr(pcap_msg, "read 4 file header bytes, only got 0")) {
            rc = TR_ERR_EMPTY;
            tr_seterr(err, errlen, "standard input: empty file, not a capture");
        } else {
            rc = tr_map_open_msg("standard input", pcap_msg, err, errlen);
        }
        goto out;
    }
    f = fopen(path, "rb");
    if (!f) {
        rc = TR_ERR_IO;
        tr_seterr(err, errlen, "%s: cannot open: %s", path, strerror(errno));
        goto out;
    }
    if (fstat(fileno(f), &sb) != 0) {
        rc = TR_ERR_IO;
        tr_seterr(err, errlen, "%s: cannot stat: %s", path, strerror(errno));
        goto out;
    }
    if (S_ISDIR(sb.st_mode)) {
        rc = TR_ERR_IO;
        tr_seterr(err, errlen, "%s: is a directory, not a capture", path);
        goto out;
    }
    got = fread(hdr, 1, sizeof hdr, f);
    if (got < sizeof hdr && ferror(f)) {
        rc = TR_ERR_IO;
        tr_seterr(err, errlen, "%s: cannot read: %s", path, strerror(errno));
        goto out;
    }
    if (got == 0) {
        rc = TR_ERR_EMPTY;
        tr_seterr(err, errlen, "%s: empty file, not a capture", path);
        goto out;
    }
    if (got < sizeof hdr) {
        /* Too short to hold a magic number: only a prefix of a real magic is "truncated". */
        static const uint8_t prefixes[][4] = { { 0xd4, 0xc3, 0xb2, 0xa1 },
                                               { 0xa1, 0xb2, 0xc3, 0xd4 },
                                               { 0x4d, 0x3c, 0xb2, 0xa1 },
                                               { 0xa1, 0xb2, 0x3c, 0x4d },
                                               { 0x0a, 0x0d, 0x0d, 0x0a } };
        int prefix = 0;
        for (size_t i = 0; i < sizeof prefixes / sizeof prefixes[0]; i++)
            if (memcmp(hdr, prefixes[i], got) == 0)
                prefix = 1;
        if (prefix) {
            rc = TR_ERR_TRUNCATED;
            tr_seterr(err, errlen, "%s: truncated global header (file is only %zu bytes)", path,
                      got);
        } else {
            rc = TR_ERR_FORMAT;
            tr_seterr(err, errlen, "%s: not a pcap or pcapng file (bad magic)", path);
        }
        goto out;
    }
    if (!tr_is_pcap_magic(hdr) && !tr_is_pcapng_magic(hdr)) {
        rc = TR_ERR_FORMAT;
        tr_seterr(err, errlen, "%s: not a pcap or pcapng file (bad magic)", path);
        goto out;
    }
    if (tr_is_pcap_magic(hdr) && sb.st_size < 24) {
        rc = TR_ERR_TRUNCATED;
        tr_seterr(err, errlen, "%s: truncated global header (%lld of 24 bytes)", path,
                  (long long)sb.st_size);
        goto out;
    }
    rc = tr_map_open_msg(path, pcap_msg, err, errlen);
out:
    if (f)
        fclose(f);
    return rc;
}

/* ---- pcapng block reader ------------------------------------------------------------ */

static uint32_t tr_ng32(const tr_trace *t, const uint8_t *p)
{
    if (t->ng_be)
        return pkt_get32(p);
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint16_t tr_ng16(const tr_trace *t, const uint8_t *p)
{
    if (t->ng_be)
        return pkt_get16(p);
    return (uint16_t)(p[0] | p[1] << 8);
}

/* Reads the next block into t->blk. Returns 1, 0 at a clean end of file, TR_CUT when the
 * file ends inside the block, TR_ERR_IO on a read error, TR_ERR_FORMAT for a block whose
 * length fields are corrupt or a section header with a bad byte-order magic (*why says
 * which). */
static int tr_ng_read_block(tr_trace *t, const char **why)
{
    uint8_t h[12];
    *why = "";
    size_t got = fread(h, 1, 8, t->ngf);
    if (got < 8) {
        if (ferror(t->ngf)) {
            *why = strerror(errno);
            return TR_ERR_IO;
        }
        return got == 0 ? 0 : TR_CUT;
    }
    size_t hdr = 8;
    uint32_t type = pkt_get32(h); /* the SHB type reads the same in both byte orders */
    if (type == TR_NG_SHB) {
        got = fread(h + 8, 1, 4, t->ngf);
        if (got < 4)
            return ferror(t->ngf) ? TR_ERR_IO : TR_CUT;
        hdr = 12;
        if (pkt_get32(h + 8) == TR_NG_BOM)
            t->ng_be = 1;
        else if (h[8] == 0x4d && h[9] == 0x3c && h[10] == 0x2b && h[11] == 0x1a)
            t->ng_be = 0;
        else {
            *why = "bad byte-order magic";
            return TR_ERR_FORMAT;
        }
    } else {
        type = tr_ng32(t, h);
    }
    uint32_t len = tr_ng32(t, h + 4);
    if (len < 12 || len % 4 != 0 || len > TR_NG_MAX_BLOCK || len < hdr + 4) {
        *why = "bad block length";
        return TR_ERR_FORMAT;
    }
    if (tr_grow(&t->blk, &t->blk_cap, len) < 0) {
        *why = "out of memory";
        return TR_ERR_NOMEM;
    }
    memcpy(t->blk, h, hdr);
    got = fread(t->blk + hdr, 1, len - hdr, t->ngf);
    if (got < len - hdr)
        return ferror(t->ngf) ? TR_ERR_IO : TR_CUT;
    if (tr_ng32(t, t->blk + len - 4) != len) {
        *why = "block lengths at its start and end differ";
        return TR_ERR_FORMAT;
    }
    t->blk_type = type;
    t->blk_len = len;
    t->ng_off += len;
    return 1;
}

/* Section header in blk: checks the version, forgets the previous section's interfaces. */
static int tr_ng_section(tr_trace *t, const char **why)
{
    if (t->blk_len < 28) {
        *why = "section header block too short";
        return TR_ERR_FORMAT;
    }
    unsigned major = tr_ng16(t, t->blk + 12);
    if (major != 1) {
        *why = "unsupported pcapng major version";
        return TR_ERR_FORMAT;
    }
    t->nifs = 0;
    return 0;
}

/* Interface description block in blk: link type and the options that change reading. */
static int tr_ng_interface(tr_trace *t, const char **why)
{
    if (t->blk_len < 20) {
        *why = "interface description block too short";
        return TR_ERR_FORMAT;
    }
    if (t->nifs == t->ifs_cap) {
        size_t ncap = t->ifs_cap ? 2 * t->ifs_cap : 4;
        tr_ng_if *n = realloc(t->ifs, ncap * sizeof *n);
        if (!n) {
            *why = "out of memory";
            return TR_ERR_NOMEM;
        }
        t->ifs = n;
        t->ifs_cap = ncap;
    }
    tr_ng_if *ifc = &t->ifs[t->nifs++];
    memset(ifc, 0, sizeof *ifc);
    /* LINKTYPE_ values equal DLT_ values for every type read here except raw IP, which
     * libpcap reports as DLT_RAW for pcap files too. */
    ifc->dlt = tr_ng16(t, t->blk + 8);
    if (ifc->dlt == TR_LINKTYPE_RAW)
        ifc->dlt = DLT_RAW;
    ifc->supported = tr_dlt_supported(ifc->dlt);
    ifc->ts_exp = TR_NG_DEFAULT_TSEXP;
    size_t off = 16, end = t->blk_len - 4;
    while (off + 4 <= end) {
        unsigned code = tr_ng16(t, t->blk + off), olen = tr_ng16(t, t->blk + off + 2);
        const uint8_t *v = t->blk + off + 4;
        if (code == TR_NG_OPT_END || off + 4 + olen > end)
            break;
        if (code == TR_NG_IF_TSRESOL && olen >= 1) {
            ifc->ts_binary = (v[0] & 0x80) != 0;
            ifc->ts_exp = v[0] & 0x7fu;
        } else if (code == TR_NG_IF_FCSLEN && olen >= 1) {
            ifc->fcs_len = v[0];
        } else if (code == TR_NG_IF_TSOFFSET && olen >= 8) {
            uint64_t hi = tr_ng32(t, v), lo = tr_ng32(t, v + 4);
            uint64_t u = t->ng_be ? hi << 32 | lo : lo << 32 | hi;
            ifc->ts_offset_s = (int64_t)u;
        }
        off += 4 + (((size_t)olen + 3) & ~(size_t)3);
    }
    return 0;
}

/* Next packet record of a pcapng file. Returns 1, 0 at the end, TR_CUT when the file ends
 * inside a block, or a negative code with the message set (tr_fail). */
static int tr_read_ng(tr_trace *t, tr_rec *rec, char *err, size_t errlen)
{
    const char *why = "";
    unsigned long long n = (unsigned long long)t->recno + 1;
    for (;;) {
        int r;
        if (t->ng_pending) {
            r = t->ng_pending;
            t->ng_pending = 0;
        } else {
            r = tr_ng_read_block(t, &why);
        }
        if (r == 0 || r == TR_CUT)
            return r;
        if (r < 0)
            return tr_fail(t, r, err, errlen, "%s: record %llu: pcapng block at byte %llu: %s",
                           t->path, n, (unsigned long long)t->ng_off, why);
        const uint8_t *b = t->blk;
        size_t blen = t->blk_len;
        uint32_t ifid = 0, caplen = 0, len = 0;
        uint64_t units = 0;
        size_t data_off = 0;
        int have_ts = 1;
        switch (t->blk_type) {
        case TR_NG_SHB:
            if ((r = tr_ng_section(t, &why)) < 0)
                return tr_fail(t, r, err, errlen, "%s: record %llu: section header at byte %llu: %s",
                               t->path, n, (unsigned long long)(t->ng_off - blen), why);
            continue;
        case TR_NG_IDB:
            if ((r = tr_ng_interface(t, &why)) < 0)
                return tr_fail(t, r, err, errlen, "%s: record %llu: interface block at byte %llu: %s",
                               t->path, n, (unsigned long long)(t->ng_off - blen), why);
            continue;
        case TR_NG_EPB:
        case TR_NG_PB: /* the obsolete packet block: a 16-bit interface id, then the same */
            if (blen < 32)
                goto short_block;
            ifid = t->blk_type == TR_NG_EPB ? tr_ng32(t, b + 8) : tr_ng16(t, b + 8);
            units = (uint64_t)tr_ng32(t, b + 12) << 32 | tr_ng32(t, b + 16);
            caplen = tr_ng32(t, b + 20);
            len = tr_ng32(t, b + 24);
            data_off = 28;
            break;
        case TR_NG_SPB:
            if (blen < 16)
                goto short_block;
            len = tr_ng32(t, b + 8);
            caplen = (uint32_t)(blen - 16) < len ? (uint32_t)(blen - 16) : len;
            data_off = 12;
            have_ts = 0; /* no timestamp: the previous record's is used */
            break;
        default:
            continue; /* name resolution, statistics, secrets, custom...: not needed */
        }
        if (ifid >= t->nifs)
            return tr_fail(t, TR_ERR_FORMAT, err, errlen,
                           "%s: record %llu: interface %u is not described (%zu interface blocks "
                           "so far)", t->path, n, ifid, t->nifs);
        if (data_off + caplen > blen - 4)
            return tr_fail(t, TR_ERR_FORMAT, err, errlen,
                           "%s: record %llu: captured length %u exceeds its block", t->path, n,
                           caplen);
        const tr_ng_if *ifc = &t->ifs[ifid];
        rec->ts_ns = t->prev_ts_ns;
        if (have_ts && tr_ng_ts_to_ns(ifc, units, &rec->ts_ns) < 0)
            return tr_fail(t, TR_ERR_FORMAT, err, errlen,
                           "%s: record %llu: timestamp out of range (before 1970 or after 2554)",
                           t->path, n);
        rec->caplen = caplen;
        rec->len = len;
        rec->data = b + data_off;
        rec->dlt = ifc->supported ? ifc->dlt : -1 - ifc->dlt;
        rec->fcs_len = ifc->dlt == DLT_EN10MB ? ifc->fcs_len : 0;
        return 1;
    short_block:
        return tr_fail(t, TR_ERR_FORMAT, err, errlen, "%s: record %llu: packet block too short",
                       t->path, n);
    }
}

/* Opens a pcapng file (f at its start): section header, then every block up to the first
 * packet, which is kept for tr_read_ng(). */
static int tr_ng_open(tr_trace *t, FILE *f, char *err, size_t errlen)
{
    int rc = 0;
    const char *why = "";
    const char *name = strcmp(t->path, "-") == 0 ? "standard input" : t->path;
    t->ngf = f;
    t->ng_be = 0;
    t->nifs = 0;
    t->ng_off = 0;
    t->ng_pending = 0;
    rc = tr_ng_read_block(t, &why);
    if (rc == 0 || rc == TR_CUT) {
        rc = TR_ERR_TRUNCATED;
        tr_seterr(err, errlen, "%s: truncated global header (file ends inside it)", name);
        goto out;
    }
    if (rc == TR_ERR_FORMAT && strcmp(why, "bad byte-order magic") == 0) {
        tr_seterr(err, errlen, "%s: not a pcap or pcapng file (bad magic)", name);
        goto out;
    }
    if (rc < 0 || (rc = tr_ng_section(t, &why)) < 0) {
        tr_seterr(err, errlen, "%s: section header: %s", name, why);
        goto out;
    }
    for (;;) {
        rc = tr_ng_read_block(t, &why);
        if (rc == 0)
            break;
        if (rc == TR_CUT) {
            if (t->nifs == 0) {
                rc = TR_ERR_TRUNCATED;
                tr_seterr(err, errlen, "%s: truncated global header (file ends inside it)", name);
                goto out;
            }
            t->ng_pending = TR_CUT; /* the first record read reports it */
            break;
        }
        if (rc < 0) {
            tr_seterr(err, errlen, "%s: pcapng block at byte %llu: %s", name,
                      (unsigned long long)t->ng_off, why);
            goto out;
        }
        if (t->blk_type == TR_NG_IDB) {
            if ((rc = tr_ng_interface(t, &why)) < 0) {
                tr_seterr(err, errlen, "%s: interface block: %s", name, why);
                goto out;
            }
        } else if (t->blk_type == TR_NG_EPB || t->blk_type == TR_NG_SPB ||
                   t->blk_type == TR_NG_PB || t->blk_type == TR_NG_SHB) {
            t->ng_pending = 1;
            break;
        }
    }
    if (t->nifs == 0) {
        rc = TR_ERR_FORMAT;
        tr_seterr(err, errlen, "%s: the capture file has no Interface Description Blocks", name);
        goto out;
    }
    t->dlt = t->ifs[0].dlt;
    for (size_t i = 0; i < t->nifs; i++) {
        if (t->ifs[i].supported) {
            t->dlt = t->ifs[i].dlt;
            break;
        }
    }
    tr_dlt_name(t->dlt, t->dlt_name, sizeof t->dlt_name);
    if (!tr_dlt_supported(t->dlt)) {
        rc = TR_ERR_LINKTYPE;
        tr_seterr(err, errlen, "%s: unsupported link type %d (%s)", name, t->dlt, t->dlt_name);
        goto out;
    }
    rc = 0;
out:
    return rc;
}

/* (Re)opens the file and resets the per-pass state. */
static int tr_reopen(tr_trace *t, char *err, size_t errlen)
{
    int rc = 0;
    char pcap_err[PCAP_ERRBUF_SIZE] = "";

    FILE *f = NULL;
    int stdin_in = strcmp(t->path, "-") == 0;

    if (t->pc) {
        pcap_close(t->pc);
        t->pc = NULL;
    }
    if (t->ngf) {
        if (t->ngf != stdin)
            fclose(t->ngf);
        t->ngf = NULL;
    }
    t->recno = 0;
    t->eof = 0;
    t->err_code = 0;
    t->err_msg[0] = '\0';
    t->have_prev_ts = 0;
    t->prev_ts_ns = 0;
    memset(&t->seg, 0, sizeof t->seg);

    /* pcapng goes to our reader; anything else to libpcap (which explains its refusals). */
    if (stdin_in) {
        int c = getc(stdin);
        if (c == EOF) {
            rc = TR_ERR_EMPTY;
            tr_seterr(err, errlen, "standard input: empty file, not a capture");
            goto out;
        }
        ungetc(c, stdin);
        if (c == 0x0a) {
            rc = tr_ng_open(t, stdin, err, errlen);
            goto out;
        }
        t->pc = pcap_fopen_offline_with_tstamp_precision(stdin, PCAP_TSTAMP_PRECISION_NANO,
                                                         pcap_err);
    } else {
        uint8_t m[4];
        f = fopen(t->path, "rb");
        if (f && fread(m, 1, 4, f) == 4 && tr_is_pcapng_magic(m) && fseek(f, 0, SEEK_SET) == 0) {
            rc = tr_ng_open(t, f, err, errlen);
            f = NULL; /* t->ngf now */
            goto out;
        }
        t->pc = pcap_open_offline_with_tstamp_precision(t->path, PCAP_TSTAMP_PRECISION_NANO,
                                                        pcap_err);
    }
    if (!t->pc) {
        rc = tr_open_error(t->path, pcap_err, err, errlen);
        goto out;
    }
    t->dlt = pcap_datalink(t->pc);
    tr_dlt_name(t->dlt, t->dlt_name, sizeof t->dlt_name);
    if (!tr_dlt_supported(t->dlt)) {
        rc = TR_ERR_LINKTYPE;
        tr_seterr(err, errlen, "%s: unsupported link type %d (%s)", t->path, t->dlt, t->dlt_name);
        goto out;
    }
    int ext = pcap_datalink_ext(t->pc);
    t->fcs_len = 0;
    if (t->dlt == DLT_EN10MB && ext > 0 && LT_FCS_LENGTH_PRESENT((unsigned)ext))
        t->fcs_len = 2u * LT_FCS_LENGTH((unsigned)ext); /* in 16-bit words */
out:
    if (f)
        fclose(f);
    if (rc < 0 && t->pc) {
        pcap_close(t->pc);
        t->pc = NULL;
    }
    if (rc < 0 && t->ngf) {
        if (t->ngf != stdin)
            fclose(t->ngf);
        t->ngf = NULL;
    }
    return rc;
}

int tr_open(tr_trace **out, const char *path, const tr_options *opt, char *err, size_t errlen)
{
    int rc = 0;
    tr_trace *t = NULL;

    if (!out || !path) {
        rc = TR_ERR_ARG;
        tr_seterr(err, errlen, "%s: invalid argument to tr_open", path ? path : "(null)");
        goto out;
    }
    *out = NULL;
    t = calloc(1, sizeof *t);
    if (!t || !(t->path = strdup(path))) {
        rc = TR_ERR_NOMEM;
        tr_seterr(err, errlen, "%s: out of memory", path);
        goto out;
    }
    t->mtu = opt && opt->mtu ? opt->mtu : TR_DEFAULT_MTU;
    t->resegment = opt ? opt->resegment : 0;
    t->fix_checksums = opt ? opt->fix_checksums : 0;
    t->other_dlt = -1;
    if (opt && opt->filter && opt->filter[0] && !(t->filter = strdup(opt->filter))) {
        rc = TR_ERR_NOMEM;
        tr_seterr(err, errlen, "%s: out of memory", path);
        goto out;
    }
    rc = tr_reopen(t, err, errlen);
    if (rc < 0)
        goto out;
    *out = t;
    t = NULL;
out:
    tr_close(t);
    return rc;
}

int tr_rewind(tr_trace *t, char *err, size_t errlen)
{
    int rc = 0;
    if (!t) {
        rc = TR_ERR_ARG;
        tr_seterr(err, errlen, "(null): invalid argument to tr_rewind");
        goto out;
    }
    if (strcmp(t->path, "-") == 0) {
        rc = TR_ERR_IO;
        tr_seterr(err, errlen, "standard input: cannot rewind");
        goto out;
    }
    rc = tr_reopen(t, err, errlen);
out:
    return rc;
}

void tr_close(tr_trace *t)
{
    if (!t)
        return;
    if (t->pc)
        pcap_close(t->pc);
    if (t->ngf && t->ngf != stdin)
        fclose(t->ngf);
    free(t->ifs);
    free(t->blk);
    free(t->buf);
    free(t->segbuf);
    free(t->path);
    for (int i = 0; i < t->nfilt; i++)
        pcap_freecode(&t->filt[i].prog);
    free(t->filter);
    free(t);
}

const tr_stats *tr_get_stats(const tr_trace *t) { return &t->st; }
int tr_linktype(const tr_trace *t) { return t->dlt; }
int tr_other_linktype(const tr_trace *t) { return t->other_dlt; }
void tr_linktype_name_of(int dlt, char *out, size_t outlen) { tr_dlt_name(dlt, out, outlen); }
const char *tr_linktype_name(const tr_trace *t) { return t->dlt_name; }
const char *tr_path(const tr_trace *t) { return t->path; }

/* ---- link layer -> Ethernet -------------------------------------------------------- */

/* Destination MAC of a multicast packet: mapped from the IP destination when the
 * payload is plain IPv4/IPv6, else the local synthetic MAC with the group bit set. */
static void tr_mcast_mac(uint16_t proto, const uint8_t *pkt, size_t len, uint8_t *mac)
{
    if (proto == PKT_ETHERTYPE_IPV4 && len >= PKT_IPV4_HLEN) {
        mac[0] = 0x01;
        mac[1] = 0x00;
        mac[2] = 0x5e;
        mac[3] = pkt[17] & 0x7f;
        mac[4] = pkt[18];
        mac[5] = pkt[19];
    } else if (proto == PKT_ETHERTYPE_IPV6 && len >= PKT_IPV6_HLEN) {
        mac[0] = 0x33;
        mac[1] = 0x33;
        memcpy(mac + 2, pkt + 36, 4);
    } else {
        memcpy(mac, tr_mac_local, PKT_ETH_ALEN);
        mac[0] |= 0x01;
    }
}

/* Linux cooked v1/v2: header of hlen bytes at r, then the packet (len - hlen bytes).
 * Writes the Ethernet header into the last 14 bytes before the packet. */
static int tr_from_sll(tr_trace *t, uint8_t *r, size_t len, size_t hlen, uint16_t pkttype,
                       size_t halen, const uint8_t *addr, uint16_t proto)
{
    if (proto < PKT_ETHERTYPE_MIN)
        return 0; /* 802.2/802.3, CAN, netlink...: no Ethernet II equivalent */
    uint8_t src[PKT_ETH_ALEN], dst[PKT_ETH_ALEN];
    const uint8_t *pkt = r + hlen;
    size_t plen = len - hlen;
    if (pkttype == TR_SLL_OUTGOING) {
        memcpy(src, halen == PKT_ETH_ALEN ? addr : tr_mac_local, PKT_ETH_ALEN);
        memcpy(dst, tr_mac_remote, PKT_ETH_ALEN);
    } else {
        memcpy(src, halen == PKT_ETH_ALEN ? addr : tr_mac_remote, PKT_ETH_ALEN);
        if (pkttype == TR_SLL_BROADCAST)
            memcpy(dst, tr_mac_bcast, PKT_ETH_ALEN);
        else if (pkttype == TR_SLL_MULTICAST)
            tr_mcast_mac(proto, pkt, plen, dst);
        else
            memcpy(dst, tr_mac_local, PKT_ETH_ALEN);
    }
    /* src/dst were copied out first: the Ethernet header overlaps the cooked header. */
    uint8_t *eth = r + hlen - PKT_ETH_HLEN;
    memcpy(eth, dst, PKT_ETH_ALEN);
    memcpy(eth + PKT_ETH_ALEN, src, PKT_ETH_ALEN);
    pkt_put16(eth + PKT_ETH_TYPE_OFF, proto);
    t->eth_off = (size_t)(eth - t->buf);
    t->eth_len = plen + PKT_ETH_HLEN;
    return 1;
}

/* Network packet at r + hlen with the given ethertype: synthetic REMOTE -> LOCAL header. */
static int tr_from_ip(tr_trace *t, uint8_t *r, size_t len, size_t hlen, uint16_t ethertype)
{
    uint8_t *eth = r + hlen - PKT_ETH_HLEN;
    memcpy(eth, tr_mac_local, PKT_ETH_ALEN);
    memcpy(eth + PKT_ETH_ALEN, tr_mac_remote, PKT_ETH_ALEN);
    pkt_put16(eth + PKT_ETH_TYPE_OFF, ethertype);
    t->eth_off = (size_t)(eth - t->buf);
    t->eth_len = len - hlen + PKT_ETH_HLEN;
    return 1;
}

static uint16_t tr_ethertype_of_version(const uint8_t *pkt, size_t len)
{
    if (len < 1)
        return 0;
    switch (pkt[0] >> 4) {
    case 4:
        return PKT_ETHERTYPE_IPV4;
    case 6:
        return PKT_ETHERTYPE_IPV6;
    default:
        return 0;
    }
}

/* BSD loopback family: host byte order of the capturing machine, so try both. */
static uint16_t tr_ethertype_of_family(const uint8_t *r)
{
    uint32_t le = (uint32_t)r[0] | (uint32_t)r[1] << 8 | (uint32_t)r[2] << 16 |
                  (uint32_t)r[3] << 24;
    uint32_t be = pkt_get32(r);
    static const uint32_t inet6[] = { 10, 24, 28, 30 }; /* Linux, BSDs, FreeBSD, macOS */
    for (int pass = 0; pass < 2; pass++) {
        uint32_t fam = pass == 0 ? le : be;
        if (fam == 2)
            return PKT_ETHERTYPE_IPV4;
        for (size_t i = 0; i < sizeof inet6 / sizeof inet6[0]; i++)
            if (fam == inet6[i])
                return PKT_ETHERTYPE_IPV6;
    }
    return 0;
}

/* Converts the record at buf + TR_HEADROOM (len bytes, already zero-filled) into an
 * Ethernet frame. Returns 1, or 0 when the record has no Ethernet equivalent. */
static int tr_to_ethernet(tr_trace *t, int dlt, size_t len)
{
    uint8_t *r = t->buf + TR_HEADROOM;
    uint16_t et;
    t->l2_kind = dlt == DLT_EN10MB ? TR_L2_CAPTURED
                 : dlt == DLT_LINUX_SLL || dlt == DLT_LINUX_SLL2 ? TR_L2_DIRECTION
                                                                  : TR_L2_NONE;
    switch (dlt) {
    case DLT_EN10MB:
        if (len < PKT_ETH_HLEN)
            return 0;
        t->eth_off = TR_HEADROOM;
        t->eth_len = len;
        return 1;
    case DLT_LINUX_SLL:
        /* pkttype(2) hatype(2) halen(2) addr(8) protocol(2), network byte order */
        if (len < 16)
            return 0;
        return tr_from_sll(t, r, len, 16, pkt_get16(r), pkt_get16(r + 4), r + 6, pkt_get16(r + 14));
    case DLT_LINUX_SLL2:
        /* protocol(2) reserved(2) ifindex(4) hatype(2) pkttype(1) halen(1) addr(8) */
        if (len < 20)
            return 0;
        return tr_from_sll(t, r, len, 20, r[10], r[11], r + 12, pkt_get16(r));
    case DLT_RAW:
    case TR_LINKTYPE_RAW:
    case DLT_IPV4:
    case DLT_IPV6:
        et = tr_ethertype_of_version(r, len);
        return et ? tr_from_ip(t, r, len, 0, et) : 0;
    case DLT_NULL:
    case DLT_LOOP:
        if (len < 4)
            return 0;
        et = tr_ethertype_of_family(r);
        return et ? tr_from_ip(t, r, len, 4, et) : 0;
    default:
        return 0;
    }
}

/* ---- oversize packets -------------------------------------------------------------- */

typedef struct tr_ip_info {
    size_t l2;      /* Ethernet header + VLAN tags */
    size_t ip_len;  /* IP packet size compared with the MTU */
    int tcp;        /* 1: re-segmentable TCP (fields below valid) */
    int ipv6;
    int jumbo;      /* IPv6 with a hop-by-hop Jumbo Payload option (BIG TCP) */
    size_t iphl, tcphl;
    size_t strip;   /* hop-by-hop header bytes (inside iphl) to leave out of segments */
} tr_ip_info;

/* IPv6 hop-by-hop header at h (avail bytes) holding a Jumbo Payload option and nothing but
 * padding besides: returns its length and the jumbo payload length, or 0. */
static size_t tr_hbh_jumbo(const uint8_t *h, size_t avail, uint32_t *jumbo_len)
{
    if (avail < 8)
        return 0;
    size_t hl = ((size_t)h[1] + 1) * 8;
    if (hl > avail)
        return 0;
    int found = 0;
    for (size_t o = 2; o < hl;) {
        if (h[o] == TR_HBH_PAD1) {
            o++;
            continue;
        }
        if (o + 2 > hl || o + 2 + h[o + 1] > hl)
            return 0;
        if (h[o] == TR_HBH_JUMBO && h[o + 1] == 4) {
            *jumbo_len = pkt_get32(h + o + 2);
            found = 1;
        } else if (h[o] != TR_HBH_PADN) {
            return 0;
        }
        o += 2 + (size_t)h[o + 1];
    }
    return found ? hl : 0;
}

/* Sizes the record for the MTU check and finds what re-segmentation needs. The L2 header comes
 * from the shared frame parser (VLAN tags as the NIC: 0x8100/0x88a8, at most two; 0x9100 is no
 * tag); the IP part is read here because a capture's IP length may be 0 ("to the end of the
 * record", GSO/BIG TCP) or carried in an IPv6 Jumbo Payload option. Only TCP right after the
 * IPv4 header, the bare IPv6 header or a jumbo hop-by-hop header is re-segmentable. */
static void tr_parse(const uint8_t *f, size_t len, tr_ip_info *ii)
{
    memset(ii, 0, sizeof *ii);
    pkt_frame_info fi;
    pkt_frame_parse_opts(f, len, PKT_PARSE_LEN0_TO_END, &fi);
    uint16_t et = fi.ethertype;
    ii->l2 = fi.l2_len;
    const uint8_t *ip = f + ii->l2;
    size_t avail = len - ii->l2;
    ii->ip_len = avail;
    if (et == PKT_ETHERTYPE_IPV4 && avail >= 20 && ip[0] >> 4 == 4) {
        size_t tl = pkt_get16(ip + 2);
        size_t ihl = (size_t)(ip[0] & 0x0f) * 4;
        if (tl && tl < avail)
            ii->ip_len = tl;
        int fragment = (pkt_get16(ip + 6) & 0x3fff) != 0; /* MF or offset */
        if (ip[9] == PKT_IPPROTO_TCP && !fragment && ihl >= 20 && ihl + 20 <= ii->ip_len) {
            size_t thl = (size_t)(ip[ihl + 12] >> 4) * 4;
            if (thl >= 20 && ihl + thl <= ii->ip_len) {
                ii->tcp = 1;
                ii->iphl = ihl;
                ii->tcphl = thl;
            }
        }
    } else if (et == PKT_ETHERTYPE_IPV6 && avail >= 40 && ip[0] >> 4 == 6) {
        size_t pl = pkt_get16(ip + 4);
        if (pl && 40 + pl < avail)
            ii->ip_len = 40 + pl;
        size_t hbh = 0;
        uint8_t nh = ip[6];
        uint32_t jl = 0;
        if (nh == TR_IPPROTO_HOPOPTS && pl == 0 &&
            (hbh = tr_hbh_jumbo(ip + 40, avail - 40, &jl)) > 0) {
            ii->jumbo = 1;
            if (jl && 40 + (size_t)jl < avail)
                ii->ip_len = 40 + (size_t)jl;
            nh = ip[40];
        }
        size_t l4 = 40 + hbh;
        if (nh == PKT_IPPROTO_TCP && l4 + 20 <= ii->ip_len) {
            size_t thl = (size_t)(ip[l4 + 12] >> 4) * 4;
            if (thl >= 20 && l4 + thl <= ii->ip_len) {
                ii->tcp = 1;
                ii->ipv6 = 1;
                ii->iphl = l4;
                ii->strip = hbh;
                ii->tcphl = thl;
            }
        }
    }
}

/* Builds segment number seg.index of the current record into segbuf. */
static int tr_make_segment(tr_trace *t, tr_frame *f)
{
    tr_seg_state *s = &t->seg;
    const uint8_t *src = t->buf + t->eth_off;
    size_t hdrs_in = s->l2 + s->iphl + s->tcphl;
    size_t iphl = s->iphl - s->strip; /* IP header bytes in the segment */
    size_t hdrs = s->l2 + iphl + s->tcphl;
    size_t n = s->pay_len - s->done < s->mss ? s->pay_len - s->done : s->mss;
    int first = s->done == 0;
    int last = s->done + n == s->pay_len;

    if (tr_grow(&t->segbuf, &t->segbuf_cap, hdrs + n) < 0)
        return TR_ERR_NOMEM;
    uint8_t *out = t->segbuf;
    memcpy(out, src, s->l2 + iphl);
    memcpy(out + s->l2 + iphl, src + s->l2 + s->iphl, s->tcphl);
    memcpy(out + hdrs, src + hdrs_in + s->done, n);

    uint8_t *ip = out + s->l2;
    uint8_t *th = ip + iphl;
    size_t l4 = s->tcphl + n;
    if (s->ipv6) {
        pkt_put16(ip + 4, (uint16_t)l4);
        if (s->strip)
            ip[6] = src[s->l2 + 40]; /* the hop-by-hop header's next header: TCP */
    } else {
        pkt_put16(ip + 2, (uint16_t)(s->iphl + l4));
        pkt_put16(ip + 4, (uint16_t)(pkt_get16(ip + 4) + s->index));
        pkt_put16(ip + 10, 0);
        pkt_put16(ip + 10, (uint16_t)~pkt_csum_fold(pkt_csum_add(0, ip, s->iphl)));
    }

    uint8_t flags = th[13];
    /* A SYN occupies one sequence number before the data. */
    uint32_t seq_off = (uint32_t)s->done + (!first && (flags & PKT_TCP_SYN) ? 1u : 0u);
    pkt_put32(th + 4, pkt_get32(th + 4) + seq_off);
    if (!last)
        flags &= (uint8_t)~(PKT_TCP_FIN | PKT_TCP_PSH);
    if (!first) {
        flags &= (uint8_t)~(PKT_TCP_SYN | PKT_TCP_RST | PKT_TCP_URG | PKT_TCP_CWR);
        pkt_put16(th + 18, 0); /* urgent pointer */
    }
    th[13] = flags;
    pkt_put16(th + 16, 0);
    uint32_t sum = s->ipv6 ? pkt_csum_pseudo(ip + 8, ip + 24, 16, PKT_IPPROTO_TCP, (uint32_t)l4)
                           : pkt_csum_pseudo(ip + 12, ip + 16, 4, PKT_IPPROTO_TCP, (uint32_t)l4);
    pkt_put16(th + 16, (uint16_t)~pkt_csum_fold(pkt_csum_add(sum, th, l4)));

    s->done += n;
    s->index++;
    if (last)
        s->active = 0;
    t->st.segments++;
    t->st.frames++;
    f->frame_no = t->recno;
    f->ts_ns = t->ts_ns;
    f->unverifiable = t->unverifiable;
    f->data = out;
    f->len = (uint32_t)(hdrs + n);
    f->l2 = t->l2_kind;
    assert(f->len <= TR_FRAME_MAX && "segment longer than the NIC's frame length field");
    return 1;
}

/* ---- reading ----------------------------------------------------------------------- */

/* Copies record data, zero-filling a truncated record; returns the record length in buf,
 * or a negative code. */
static int tr_load(tr_trace *t, const tr_rec *rec, size_t *lenp)
{
    size_t cap = rec->caplen, len = rec->len;
    if (len < cap)
        len = cap; /* inconsistent header: the captured bytes are what exists */
    if (rec->fcs_len && len >= rec->fcs_len) {
        len -= rec->fcs_len;
        if (cap > len)
            cap = len;
    }
    int truncated = cap < len;
    if (truncated) {
        t->st.truncated++;
        size_t bound = TR_IP_MAX + tr_dlt_hdrlen(rec->dlt);
        if (len > bound)
            len = cap > bound ? cap : bound;
    }
    if (tr_grow(&t->buf, &t->buf_cap, TR_HEADROOM + len) < 0)
        return TR_ERR_NOMEM;
    memset(t->buf, 0, TR_HEADROOM);
    memcpy(t->buf + TR_HEADROOM, rec->data, cap);
    memset(t->buf + TR_HEADROOM + cap, 0, len - cap);
    t->unverifiable = truncated;
    *lenp = len;
    return 0;
}

/* Next record of a pcap file through libpcap: 1, 0 at the end, TR_CUT when the file ends
 * inside the record, or a negative code with the message set (tr_fail). */
static int tr_read_pcap(tr_trace *t, tr_rec *rec, char *err, size_t errlen)
{
    struct pcap_pkthdr *h;
    const u_char *d;
    unsigned long long n = (unsigned long long)t->recno + 1;
    int r = pcap_next_ex(t->pc, &h, &d);
    if (r == PCAP_ERROR_BREAK)
        return 0;
    if (r != 1) {
        const char *pm = r == PCAP_ERROR ? pcap_geterr(t->pc) : "unexpected read result";
        if (strstr(pm, "truncated"))
            return TR_CUT;
        return tr_fail(t, TR_ERR_FORMAT, err, errlen, "%s: record %llu: %s", t->path, n, pm);
    }
    if (tr_ts_to_ns(&h->ts, &rec->ts_ns) < 0)
        return tr_fail(t, TR_ERR_FORMAT, err, errlen,
                       "%s: record %llu: timestamp out of range (before 1970 or after 2554)",
                       t->path, n);
    rec->caplen = h->caplen;
    rec->len = h->len;
    rec->data = d;
    rec->dlt = t->dlt;
    rec->fcs_len = t->fcs_len;
    return 1;
}

/* Partial checksum check of a TCP/UDP frame: a sender with transmit checksum offload hands
 * its NIC the folded pseudo-header sum in the checksum field (Linux: ~csum_tcpudp_magic()
 * of the pseudo header, i.e. the folded sum itself; some stacks store its complement) and a
 * capture on that sender holds it as is. Returns 1 when the field is such a value and the
 * checksum does not verify; with fix, the real checksum is written. */
static int tr_partial_csum(uint8_t *f, size_t len, int fix)
{
    pkt_frame_info in;
    if (pkt_frame_parse(f, len, &in) != 0 || in.frag || in.l4_off == 0 ||
        in.ip_end <= in.l4_off)
        return 0;
    size_t csum_off;
    if (in.proto == PKT_IPPROTO_TCP)
        csum_off = 16;
    else if (in.proto == PKT_IPPROTO_UDP)
        csum_off = 6;
    else
        return 0;
    size_t l4len = in.ip_end - in.l4_off;
    if (l4len < csum_off + 2 || (in.proto == PKT_IPPROTO_TCP && l4len < 20))
        return 0;
    uint8_t *l4 = f + in.l4_off;
    uint16_t c = pkt_get16(l4 + csum_off);
    if (in.proto == PKT_IPPROTO_UDP && in.l3 == 4 && c == 0)
        return 0; /* no checksum */
    int alen = in.l3 == 4 ? 4 : 16;
    uint32_t ps = pkt_csum_pseudo(in.src, in.dst, alen, in.proto, (uint32_t)l4len);
    unsigned pf = pkt_csum_fold(ps), pf_not = 0xffffu ^ pf, cv = c;
    if (cv != pf && cv != pf_not)
        return 0;
    if (pkt_csum_fold(pkt_csum_add(ps, l4, l4len)) == 0xffff)
        return 0; /* verifies: a coincidence, not a partial checksum */
    if (fix) {
        pkt_put16(l4 + csum_off, 0);
        uint16_t nc = (uint16_t)~pkt_csum_fold(pkt_csum_add(ps, l4, l4len));
        if (in.proto == PKT_IPPROTO_UDP && nc == 0)
            nc = 0xffff;
        pkt_put16(l4 + csum_off, nc);
    }
    return 1;
}

/* tr_options.filter on a record as captured: 1 accept, 0 reject, or a negative code (the
 * expression does not compile for the record's link type; message set). */
static int tr_filter_accepts(tr_trace *t, const tr_rec *rec, char *err, size_t errlen)
{
    int i;
    for (i = 0; i < t->nfilt && t->filt[i].dlt != rec->dlt; i++)
        ;
    if (i == t->nfilt) {
        char name[32];
        tr_dlt_name(rec->dlt, name, sizeof name);
        if (t->nfilt == TR_MAX_FILTER_DLTS)
            return tr_fail(t, TR_ERR_FORMAT, err, errlen, "replay.filter: %s: more than %d link types",
                           t->path, TR_MAX_FILTER_DLTS);
        pcap_t *dead = pcap_open_dead(rec->dlt, 262144);
        if (!dead)
            return tr_fail(t, TR_ERR_NOMEM, err, errlen, "%s: out of memory", t->path);
        if (pcap_compile(dead, &t->filt[i].prog, t->filter, 1, PCAP_NETMASK_UNKNOWN) != 0) {
            int rc = tr_fail(t, TR_ERR_FORMAT, err, errlen,
                             "replay.filter: '%s' cannot be used on %s (link type %s): %s", t->filter,
                             t->path, name, pcap_geterr(dead));
            pcap_close(dead);
            return rc;
        }
        pcap_close(dead);
        t->filt[i].dlt = rec->dlt;
        t->nfilt++;
    }
    struct pcap_pkthdr h;
    memset(&h, 0, sizeof h);
    h.caplen = rec->caplen;
    h.len = rec->len;
    return pcap_offline_filter(&t->filt[i].prog, &h, rec->data) != 0;
}

int tr_next(tr_trace *t, tr_frame *f, char *err, size_t errlen)
{
    int rc = 0;
    if (!t || !f) {
        rc = TR_ERR_ARG;
        tr_seterr(err, errlen, "(null): invalid argument to tr_next");
        goto out;
    }
    if (t->err_code) {
        rc = t->err_code;
        tr_seterr(err, errlen, "%s", t->err_msg);
        goto out;
    }
    if (!t->pc && !t->ngf) { /* a failed rewind left no file open */
        rc = tr_fail(t, TR_ERR_IO, err, errlen, "%s: not open (rewind failed)", t->path);
        goto out;
    }
    if (t->seg.active) {
        rc = tr_make_segment(t, f);
        if (rc < 0)
            rc = tr_fail(t, rc, err, errlen, "%s: record %llu: out of memory", t->path,
                         (unsigned long long)t->recno);
        goto out;
    }
    while (!t->eof) {
        tr_rec rec = { 0 };
        int r = t->ngf ? tr_read_ng(t, &rec, err, errlen) : tr_read_pcap(t, &rec, err, errlen);
        if (r == 0 || r == TR_CUT) {
            /* A capture stopped mid-write: keep what is complete (counted, warned about). */
            if (r == TR_CUT)
                t->st.cut_short++;
            t->eof = 1;
            break;
        }
        if (r < 0) {
            rc = r;
            goto out;
        }
        t->recno++;
        t->st.records++;
        if (t->have_prev_ts && rec.ts_ns < t->prev_ts_ns)
            t->st.ts_backwards++;
        t->have_prev_ts = 1;
        t->prev_ts_ns = rec.ts_ns;
        if (rec.dlt < 0) { /* pcapng interface of an unsupported link type */
            t->st.other_linktype++;
            if (t->other_dlt < 0)
                t->other_dlt = -1 - rec.dlt;
            continue;
        }
        if (t->filter) {
            int keep = tr_filter_accepts(t, &rec, err, errlen);
            if (keep < 0) {
                rc = keep;
                goto out;
            }
            if (!keep) {
                t->st.filtered++;
                continue;
            }
        }
        size_t len;
        if (tr_load(t, &rec, &len) < 0) {
            rc = tr_fail(t, TR_ERR_NOMEM, err, errlen, "%s: record %llu: out of memory",
                         t->path, (unsigned long long)t->recno);
            goto out;
        }
        t->ts_ns = rec.ts_ns;
        if (!tr_to_ethernet(t, rec.dlt, len)) {
            t->st.unsupported++;
            continue;
        }
        if (!t->unverifiable &&
            tr_partial_csum(t->buf + t->eth_off, t->eth_len, t->fix_checksums)) {
            t->st.csum_partial++;
            if (t->fix_checksums)
                t->st.csum_repaired++;
        }

        tr_ip_info ii;
        tr_parse(t->buf + t->eth_off, t->eth_len, &ii);
        if (ii.ip_len > t->mtu || t->eth_len > TR_FRAME_MAX || ii.jumbo) {
            /* Segments must fit the 16-bit IP length fields and the NIC's 16-bit frame
             * length whatever the MTU. */
            size_t seg_mtu = t->mtu < TR_IP_MAX ? t->mtu : TR_IP_MAX;
            if (seg_mtu > TR_FRAME_MAX - ii.l2)
                seg_mtu = TR_FRAME_MAX - ii.l2;
            size_t seg_hdrs = ii.iphl - ii.strip + ii.tcphl;
            if (!t->resegment || !ii.tcp || seg_mtu <= seg_hdrs) {
                t->st.oversize_dropped++;
                continue;
            }
            tr_seg_state *s = &t->seg;
            memset(s, 0, sizeof *s);
            s->active = 1;
            s->ipv6 = ii.ipv6;
            s->l2 = ii.l2;
            s->iphl = ii.iphl;
            s->strip = ii.strip;
            s->tcphl = ii.tcphl;
            s->pay_len = ii.ip_len - ii.iphl - ii.tcphl;
            s->mss = seg_mtu - seg_hdrs;
            t->st.resegmented++;
            if (ii.jumbo)
                t->st.jumbo++;
            rc = tr_make_segment(t, f);
            if (rc < 0)
                rc = tr_fail(t, rc, err, errlen, "%s: record %llu: out of memory", t->path,
                             (unsigned long long)t->recno);
            goto out;
        }

        t->st.frames++;
        f->frame_no = t->recno;
        f->ts_ns = t->ts_ns;
        f->unverifiable = t->unverifiable;
        f->data = t->buf + t->eth_off;
        f->len = (uint32_t)t->eth_len;
        f->l2 = t->l2_kind;
        assert(f->len <= TR_FRAME_MAX && "oversize frame not caught");
        rc = 1;
        goto out;
    }
    rc = 0;
out:
    return rc;
}
