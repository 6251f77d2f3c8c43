/* Capture reader: libpcap opens pcap (us/ns) and pcapng; every supported link type is
 * turned into an Ethernet frame; truncated records are zero-filled; oversize TCP packets
 * (GRO/TSO captures) are cut back into MTU-sized segments with fresh checksums. */
#define _DEFAULT_SOURCE /* POSIX.1-2008 (strdup, fileno) plus the BSD types pcap.h uses */
#include "trace.h"

#include "pkt.h"

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

/* TCP flags (byte 13 of the header). */

static const uint8_t tr_mac_local[PKT_ETH_ALEN] = TR_MAC_LOCAL_INIT;
static const uint8_t tr_mac_remote[PKT_ETH_ALEN] = TR_MAC_REMOTE_INIT;
static const uint8_t tr_mac_bcast[PKT_ETH_ALEN] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

/* Segmentation state of the current oversize record. Offsets are into the record's
 * Ethernet frame. */
typedef struct tr_seg_state {
    int active;
    int ipv6;
    size_t l2;       /* Ethernet header incl. VLAN tags */
    size_t iphl;     /* IPv4 header with options, or 40 */
    size_t tcphl;    /* TCP header with options */
    size_t pay_len;  /* TCP payload bytes in the record */
    size_t done;     /* payload bytes already emitted */
    size_t mss;      /* payload bytes per segment */
    uint32_t index;  /* segments already emitted */
} tr_seg_state;

struct tr_trace {
    char *path;
    pcap_t *pc;
    uint32_t mtu;
    int resegment;
    int dlt;
    size_t fcs_len; /* FCS bytes at the end of each Ethernet record (pcap header says) */
    char dlt_name[32];
    tr_stats st;

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

    tr_seg_state seg;
    uint8_t *segbuf;
    size_t segbuf_cap;
};

/* ---- helpers --------------------------------------------------------------------- */

/* The one place pcap time becomes nanoseconds. Handles are opened with nanosecond
 * precision, so tv_usec holds nanoseconds. */
static uint64_t tr_ts_to_ns(const struct timeval *tv)
{
    return (uint64_t)tv->tv_sec * 1000000000u + (uint64_t)tv->tv_usec;
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

/* (Re)opens the file and resets the per-pass state. */
static int tr_reopen(tr_trace *t, char *err, size_t errlen)
{
    int rc = 0;
    char pcap_err[PCAP_ERRBUF_SIZE] = "";

    if (t->pc) {
        pcap_close(t->pc);
        t->pc = NULL;
    }
    t->recno = 0;
    t->eof = 0;
    t->err_code = 0;
    t->err_msg[0] = '\0';
    memset(&t->seg, 0, sizeof t->seg);

    t->pc = pcap_open_offline_with_tstamp_precision(t->path, PCAP_TSTAMP_PRECISION_NANO, pcap_err);
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
    if (rc < 0 && t->pc) {
        pcap_close(t->pc);
        t->pc = NULL;
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
    free(t->buf);
    free(t->segbuf);
    free(t->path);
    free(t);
}

const tr_stats *tr_get_stats(const tr_trace *t) { return &t->st; }
int tr_linktype(const tr_trace *t) { return t->dlt; }
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
static int tr_to_ethernet(tr_trace *t, size_t len)
{
    uint8_t *r = t->buf + TR_HEADROOM;
    uint16_t et;
    switch (t->dlt) {
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
    size_t iphl, tcphl;
} tr_ip_info;

/* Sizes the record for the MTU check and finds what re-segmentation needs, with the shared
 * frame parser (VLAN tags as the NIC: 0x8100/0x88a8, at most two; 0x9100 is no tag). An IP
 * length field of 0 means "to the end of the record" (GSO/BIG TCP captures). Only TCP right
 * after the IPv4 header or the bare IPv6 header is re-segmentable. */
static void tr_parse(const uint8_t *f, size_t len, tr_ip_info *ii)
{
    memset(ii, 0, sizeof *ii);
    pkt_frame_info fi;
    pkt_frame_parse_opts(f, len, PKT_PARSE_LEN0_TO_END, &fi);
    ii->l2 = fi.l2_len;
    /* the IP packet, also when its header turns out malformed; else the L2 payload */
    ii->ip_len = (fi.ip_end ? fi.ip_end : len) - fi.l2_len;
    int bare = fi.l3 == 4 || (fi.l3 == 6 && fi.l4_off == fi.l3_off + PKT_IPV6_HLEN);
    if (fi.l3 && bare && fi.proto == PKT_IPPROTO_TCP && fi.payload_off) {
        ii->tcp = 1;
        ii->ipv6 = fi.l3 == 6;
        ii->iphl = fi.l4_off - fi.l3_off;
        ii->tcphl = fi.payload_off - fi.l4_off;
    }
}

/* Builds segment number seg.index of the current record into segbuf. */
static int tr_make_segment(tr_trace *t, tr_frame *f)
{
    tr_seg_state *s = &t->seg;
    const uint8_t *src = t->buf + t->eth_off;
    size_t hdrs = s->l2 + s->iphl + s->tcphl;
    size_t n = s->pay_len - s->done < s->mss ? s->pay_len - s->done : s->mss;
    int first = s->done == 0;
    int last = s->done + n == s->pay_len;

    if (tr_grow(&t->segbuf, &t->segbuf_cap, hdrs + n) < 0)
        return TR_ERR_NOMEM;
    uint8_t *out = t->segbuf;
    memcpy(out, src, hdrs);
    memcpy(out + hdrs, src + hdrs + s->done, n);

    uint8_t *ip = out + s->l2;
    uint8_t *th = ip + s->iphl;
    size_t l4 = s->tcphl + n;
    if (s->ipv6) {
        pkt_put16(ip + 4, (uint16_t)l4);
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
    return 1;
}

/* ---- reading ----------------------------------------------------------------------- */

/* Copies record data, zero-filling a truncated record; returns the record length in buf,
 * or a negative code. */
static int tr_load(tr_trace *t, const struct pcap_pkthdr *h, const uint8_t *d, size_t *lenp)
{
    size_t cap = h->caplen, len = h->len;
    if (len < cap)
        len = cap; /* inconsistent header: the captured bytes are what exists */
    if (t->fcs_len && len >= t->fcs_len) {
        len -= t->fcs_len;
        if (cap > len)
            cap = len;
    }
    int truncated = cap < len;
    if (truncated) {
        t->st.truncated++;
        size_t bound = TR_IP_MAX + tr_dlt_hdrlen(t->dlt);
        if (len > bound)
            len = cap > bound ? cap : bound;
    }
    if (tr_grow(&t->buf, &t->buf_cap, TR_HEADROOM + len) < 0)
        return TR_ERR_NOMEM;
    memset(t->buf, 0, TR_HEADROOM);
    memcpy(t->buf + TR_HEADROOM, d, cap);
    memset(t->buf + TR_HEADROOM + cap, 0, len - cap);
    t->unverifiable = truncated;
    *lenp = len;
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
    if (!t->pc) { /* a failed rewind left no file open */
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
        struct pcap_pkthdr *h;
        const u_char *d;
        int r = pcap_next_ex(t->pc, &h, &d);
        if (r == PCAP_ERROR_BREAK) {
            t->eof = 1;
            break;
        }
        if (r != 1) {
            const char *pm = r == PCAP_ERROR ? pcap_geterr(t->pc) : "unexpected read result";
            unsigned long long n = (unsigned long long)t->recno + 1;
            if (strstr(pm, "truncated"))
                rc = tr_fail(t, TR_ERR_TRUNCATED, err, errlen,
                             "%s: record %llu truncated (file ends inside it)", t->path, n);
            else
                rc = tr_fail(t, TR_ERR_FORMAT, err, errlen, "%s: record %llu: %s", t->path, n,
                             pm);
            goto out;
        }
        t->recno++;
        t->st.records++;
        size_t len;
        if (tr_load(t, h, d, &len) < 0) {
            rc = tr_fail(t, TR_ERR_NOMEM, err, errlen, "%s: record %llu: out of memory",
                         t->path, (unsigned long long)t->recno);
            goto out;
        }
        t->ts_ns = tr_ts_to_ns(&h->ts);
        if (!tr_to_ethernet(t, len)) {
            t->st.unsupported++;
            continue;
        }

        tr_ip_info ii;
        tr_parse(t->buf + t->eth_off, t->eth_len, &ii);
        if (ii.ip_len > t->mtu) {
            /* Segments must fit the 16-bit IP length fields whatever the MTU. */
            size_t seg_mtu = t->mtu < TR_IP_MAX ? t->mtu : TR_IP_MAX;
            if (!t->resegment || !ii.tcp || seg_mtu <= ii.iphl + ii.tcphl) {
                t->st.oversize_dropped++;
                continue;
            }
            tr_seg_state *s = &t->seg;
            memset(s, 0, sizeof *s);
            s->active = 1;
            s->ipv6 = ii.ipv6;
            s->l2 = ii.l2;
            s->iphl = ii.iphl;
            s->tcphl = ii.tcphl;
            s->pay_len = ii.ip_len - ii.iphl - ii.tcphl;
            s->mss = seg_mtu - ii.iphl - ii.tcphl;
            t->st.resegmented++;
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
        rc = 1;
        goto out;
    }
    rc = 0;
out:
    return rc;
}
