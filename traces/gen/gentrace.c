/* gentrace: writes the small synthetic captures shipped in traces/.
 *
 *   gentrace OUTDIR    writes OUTDIR/quickstart.pcap, OUTDIR/mixed-v6.pcapng, OUTDIR/sll-gro.pcap,
 *                      OUTDIR/chimney-bulk.pcap, OUTDIR/chimney-chatty.pcap, OUTDIR/netdma-mix.pcap
 *
 * Output is fully deterministic (fixed clocks, fixed sequence numbers, payload bytes from
 * gt_stream_byte()) and written byte by byte in little-endian order, so the files are
 * identical on every host. traces/README.md describes what each file holds. */
#include "pkt.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define GT_MAX_FRAME 70000u
#define GT_NS_PER_US 1000u
#define GT_NS_PER_S 1000000000ull
#define GT_DLT_EN10MB 1u
#define GT_DLT_LINUX_SLL 113u


/* Byte `off` of the TCP/UDP stream numbered `stream`: the 64-bit finalizer of MurmurHash3
 * applied to (stream << 48) ^ off, low 8 bits. Stateless, so any segment can be checked
 * on its own. */
static uint8_t gt_stream_byte(uint32_t stream, uint64_t off)
{
    uint64_t x = ((uint64_t)stream << 48) ^ off;
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdull;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ull;
    x ^= x >> 33;
    return (uint8_t)x;
}

static void gt_fill(uint8_t *p, size_t n, uint32_t stream, uint64_t off)
{
    for (size_t i = 0; i < n; i++)
        p[i] = gt_stream_byte(stream, off + i);
}

/* ---- record list, sorted by time before writing ------------------------------------ */

typedef struct gt_rec {
    uint64_t ts_ns;
    size_t order;    /* insertion order breaks ties */
    uint32_t len;    /* original length */
    uint32_t caplen; /* bytes stored */
    uint8_t *data;
} gt_rec;

typedef struct gt_list {
    gt_rec *v;
    size_t n, cap;
    int failed;
} gt_list;

static void gt_add(gt_list *l, uint64_t ts_ns, const uint8_t *data, size_t len, size_t caplen)
{
    if (l->failed)
        return;
    if (caplen > len)
        caplen = len;
    if (l->n == l->cap) {
        size_t ncap = l->cap ? l->cap * 2 : 256;
        gt_rec *nv = realloc(l->v, ncap * sizeof *nv);
        if (!nv) {
            l->failed = 1;
            return;
        }
        l->v = nv;
        l->cap = ncap;
    }
    gt_rec *r = &l->v[l->n];
    r->data = malloc(caplen ? caplen : 1);
    if (!r->data) {
        l->failed = 1;
        return;
    }
    memcpy(r->data, data, caplen);
    r->ts_ns = ts_ns;
    r->order = l->n;
    r->len = (uint32_t)len;
    r->caplen = (uint32_t)caplen;
    l->n++;
}

static int gt_rec_cmp(const void *a, const void *b)
{
    const gt_rec *x = a, *y = b;
    if (x->ts_ns != y->ts_ns)
        return x->ts_ns < y->ts_ns ? -1 : 1;
    return x->order < y->order ? -1 : x->order > y->order;
}

static void gt_free(gt_list *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->v[i].data);
    free(l->v);
    memset(l, 0, sizeof *l);
}

/* ---- file writers (little-endian) -------------------------------------------------- */

static void gt_le16(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static void gt_le32(uint8_t *p, uint32_t v)
{
    gt_le16(p, v);
    gt_le16(p + 2, v >> 16);
}

/* Classic pcap, microsecond timestamps. */
static int gt_write_pcap(const char *path, gt_list *l, uint32_t linktype, uint32_t snaplen)
{
    int rc = -1;
    FILE *f = fopen(path, "wb");
    if (!f) {
        perror(path);
        goto out;
    }
    qsort(l->v, l->n, sizeof l->v[0], gt_rec_cmp);
    uint8_t h[24];
    gt_le32(h, 0xa1b2c3d4u);
    gt_le16(h + 4, 2);
    gt_le16(h + 6, 4);
    gt_le32(h + 8, 0);  /* thiszone */
    gt_le32(h + 12, 0); /* sigfigs */
    gt_le32(h + 16, snaplen);
    gt_le32(h + 20, linktype);
    if (fwrite(h, 1, sizeof h, f) != sizeof h)
        goto out;
    for (size_t i = 0; i < l->n; i++) {
        const gt_rec *r = &l->v[i];
        uint8_t rh[16];
        gt_le32(rh, (uint32_t)(r->ts_ns / GT_NS_PER_S));
        gt_le32(rh + 4, (uint32_t)(r->ts_ns % GT_NS_PER_S / GT_NS_PER_US));
        gt_le32(rh + 8, r->caplen);
        gt_le32(rh + 12, r->len);
        if (fwrite(rh, 1, sizeof rh, f) != sizeof rh ||
            fwrite(r->data, 1, r->caplen, f) != r->caplen)
            goto out;
    }
    rc = 0;
out:
    if (f && fclose(f) != 0)
        rc = -1;
    if (rc < 0)
        fprintf(stderr, "gentrace: cannot write %s\n", path);
    return rc;
}

/* pcapng block: type, total length, body, total length. Body padded to 32 bits. */
static int gt_ng_block(FILE *f, uint32_t type, const uint8_t *body, size_t blen)
{
    static const uint8_t zero[4] = { 0 };
    size_t pad = (4 - blen % 4) % 4;
    uint8_t h[8], t[4];
    uint32_t total = (uint32_t)(12 + blen + pad);
    gt_le32(h, type);
    gt_le32(h + 4, total);
    gt_le32(t, total);
    if (fwrite(h, 1, 8, f) != 8 || fwrite(body, 1, blen, f) != blen ||
        fwrite(zero, 1, pad, f) != pad || fwrite(t, 1, 4, f) != 4)
        return -1;
    return 0;
}

/* pcapng: one section, one Ethernet interface with nanosecond timestamps, EPBs. */
static int gt_write_pcapng(const char *path, gt_list *l)
{
    int rc = -1;
    uint8_t *body = NULL;
    FILE *f = fopen(path, "wb");
    if (!f) {
        perror(path);
        goto out;
    }
    qsort(l->v, l->n, sizeof l->v[0], gt_rec_cmp);

    uint8_t shb[28] = { 0 };
    gt_le32(shb, 0x1a2b3c4du); /* byte-order magic */
    gt_le16(shb + 4, 1);
    gt_le16(shb + 6, 0);
    memset(shb + 8, 0xff, 8);  /* section length unknown */
    gt_le16(shb + 16, 4);      /* shb_userappl */
    gt_le16(shb + 18, 8);
    memcpy(shb + 20, "gentrace", 8);
    uint8_t shb_all[32];
    memcpy(shb_all, shb, 28);
    memset(shb_all + 28, 0, 4); /* opt_endofopt */
    if (gt_ng_block(f, 0x0a0d0d0au, shb_all, sizeof shb_all) < 0)
        goto out;

    uint8_t idb[28] = { 0 };
    gt_le16(idb, GT_DLT_EN10MB);
    gt_le32(idb + 4, 262144); /* snaplen */
    gt_le16(idb + 8, 2);      /* if_name */
    gt_le16(idb + 10, 4);
    memcpy(idb + 12, "eth0", 4);
    gt_le16(idb + 16, 9); /* if_tsresol: 10^-9 */
    gt_le16(idb + 18, 1);
    idb[20] = 9;
    /* 21..23 padding, 24..27 opt_endofopt */
    if (gt_ng_block(f, 1, idb, sizeof idb) < 0)
        goto out;

    body = malloc(20 + GT_MAX_FRAME);
    if (!body)
        goto out;
    for (size_t i = 0; i < l->n; i++) {
        const gt_rec *r = &l->v[i];
        gt_le32(body, 0); /* interface id */
        gt_le32(body + 4, (uint32_t)(r->ts_ns >> 32));
        gt_le32(body + 8, (uint32_t)r->ts_ns);
        gt_le32(body + 12, r->caplen);
        gt_le32(body + 16, r->len);
        memcpy(body + 20, r->data, r->caplen);
        if (gt_ng_block(f, 6, body, 20 + (size_t)r->caplen) < 0)
            goto out;
    }
    rc = 0;
out:
    free(body);
    if (f && fclose(f) != 0)
        rc = -1;
    if (rc < 0)
        fprintf(stderr, "gentrace: cannot write %s\n", path);
    return rc;
}

/* ---- frame helpers ----------------------------------------------------------------- */

/* L2 header length of a frame built by pkt_build. */
static size_t gt_l2len(const pkt_spec *s) { return PKT_ETH_HLEN + (s->vlan ? 4u : 0u); }

/* Frame length without Ethernet padding: L2 + IP packet. */
static size_t gt_unpadded(const uint8_t *frame, size_t l2)
{
    const uint8_t *ip = frame + l2;
    if (ip[0] >> 4 == 6)
        return l2 + 40 + pkt_get16(ip + 4);
    return l2 + pkt_get16(ip + 2);
}

static size_t gt_pad60(uint8_t *frame, size_t len)
{
    if (len < 60) {
        memset(frame + len, 0, 60 - len);
        len = 60;
    }
    return len;
}

static void gt_ipv4_csum(uint8_t *ip)
{
    size_t ihl = (size_t)(ip[0] & 0x0f) * 4;
    pkt_put16(ip + 10, 0);
    pkt_put16(ip + 10, (uint16_t)~pkt_csum_fold(pkt_csum_add(0, ip, ihl)));
}

/* TCP segment with options: pkt_build writes a 20-byte header, the options travel as
 * the first bytes of its payload, then the data offset and checksum are fixed up.
 * Returns the unpadded frame length when `unpadded` is set, else the padded one. */
static size_t gt_tcp(const pkt_spec *s, const uint8_t *opt, size_t optlen, const uint8_t *data,
                     size_t dlen, uint8_t *out, int unpadded)
{
    static const size_t cap = GT_MAX_FRAME;
    uint8_t *pl = malloc(optlen + dlen + 1);
    if (!pl) {
        fprintf(stderr, "gentrace: out of memory\n");
        exit(1);
    }
    if (optlen)
        memcpy(pl, opt, optlen);
    if (dlen)
        memcpy(pl + optlen, data, dlen);
    int n = pkt_build(s, pl, optlen + dlen, out, cap);
    free(pl);
    if (n < 0) {
        fprintf(stderr, "gentrace: frame too large\n");
        exit(1);
    }
    size_t l2 = gt_l2len(s);
    uint8_t *ip = out + l2;
    uint8_t *th = ip + (s->ipv6 ? 40 : 20);
    size_t l4 = 20 + optlen + dlen;
    th[12] = (uint8_t)((5 + optlen / 4) << 4);
    pkt_put16(th + 16, 0);
    uint32_t sum = s->ipv6 ? pkt_csum_pseudo(ip + 8, ip + 24, 16, PKT_IPPROTO_TCP, (uint32_t)l4)
                           : pkt_csum_pseudo(ip + 12, ip + 16, 4, PKT_IPPROTO_TCP, (uint32_t)l4);
    uint16_t c = (uint16_t)~pkt_csum_fold(pkt_csum_add(sum, th, l4));
    if (s->bad_l4_csum)
        c ^= 0x1234;
    pkt_put16(th + 16, c);
    return unpadded ? gt_unpadded(out, l2) : (size_t)n;
}

static size_t gt_build(const pkt_spec *s, const uint8_t *pl, size_t plen, uint8_t *out)
{
    int n = pkt_build(s, pl, plen, out, GT_MAX_FRAME);
    if (n < 0) {
        fprintf(stderr, "gentrace: frame too large\n");
        exit(1);
    }
    return (size_t)n;
}

/* TCP options as Linux sends them. */
static size_t gt_opt_syn(uint8_t *o, uint16_t mss, uint32_t tsval, uint32_t tsecr)
{
    o[0] = 2; o[1] = 4; pkt_put16(o + 2, mss);          /* MSS */
    o[4] = 4; o[5] = 2;                                /* SACK permitted */
    o[6] = 8; o[7] = 10; pkt_put32(o + 8, tsval); pkt_put32(o + 12, tsecr); /* timestamps */
    o[16] = 1;                                         /* NOP */
    o[17] = 3; o[18] = 3; o[19] = 7;                   /* window scale 7 */
    return 20;
}

static size_t gt_opt_ts(uint8_t *o, uint32_t tsval, uint32_t tsecr)
{
    o[0] = 1; o[1] = 1; o[2] = 8; o[3] = 10;
    pkt_put32(o + 4, tsval);
    pkt_put32(o + 8, tsecr);
    return 12;
}

static size_t gt_arp(uint8_t *out, int op, const uint8_t *dst_mac, const uint8_t *sha,
                     const uint8_t *spa, const uint8_t *tha, const uint8_t *tpa)
{
    memset(out, 0, 60);
    memcpy(out, dst_mac, 6);
    memcpy(out + 6, sha, 6);
    pkt_put16(out + 12, PKT_ETHERTYPE_ARP);
    uint8_t *a = out + 14;
    pkt_put16(a, 1);      /* Ethernet */
    pkt_put16(a + 2, PKT_ETHERTYPE_IPV4);
    a[4] = 6;
    a[5] = 4;
    pkt_put16(a + 6, (uint16_t)op);
    memcpy(a + 8, sha, 6);
    memcpy(a + 14, spa, 4);
    memcpy(a + 18, tha, 6);
    memcpy(a + 24, tpa, 4);
    return 60;
}

static void gt_ip4(uint8_t *a, int b0, int b1, int b2, int b3)
{
    memset(a, 0, 16);
    a[0] = (uint8_t)b0;
    a[1] = (uint8_t)b1;
    a[2] = (uint8_t)b2;
    a[3] = (uint8_t)b3;
}

/* 2001:db8:<net>::<host> */
static void gt_ip6(uint8_t *a, uint16_t net, uint16_t host)
{
    memset(a, 0, 16);
    pkt_put16(a, 0x2001);
    pkt_put16(a + 2, 0x0db8);
    pkt_put16(a + 4, net);
    pkt_put16(a + 14, host);
}

static const uint8_t gt_bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
static const uint8_t gt_zero_mac[6] = { 0 };

/* ---- quickstart.pcap --------------------------------------------------------------- */

/* Wire time of a frame at 1 Gb/s: preamble+SFD 8, FCS 4, inter-frame gap 12 bytes. */
static uint64_t gt_wire_ns_1g(size_t frame_len) { return (uint64_t)(frame_len + 24) * 8u; }

#define QS_CONNS 4
#define QS_T0 (1700000000ull * GT_NS_PER_S)

typedef struct qs_conn {
    uint32_t stream; /* gt_stream_byte() stream id */
    pkt_spec c2h; /* client -> host template */
    pkt_spec h2c; /* host -> client template */
    uint32_t c_isn, h_isn;
    uint32_t c_ts0, h_ts0;
    size_t bytes, sent, acked_segs;
    uint16_t c_id, h_id;
} qs_conn;

static uint32_t qs_tsval(uint32_t base, uint64_t t_ns) { return base + (uint32_t)((t_ns - QS_T0) / 1000000u); }

static int gen_quickstart(const char *path)
{
    int rc = -1;
    gt_list l = { 0 };
    uint8_t *fr = malloc(GT_MAX_FRAME);
    uint8_t *data = malloc(GT_MAX_FRAME);
    if (!fr || !data)
        goto out;
    static const uint8_t host_mac[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x02 };
    static const uint8_t rtr_mac[6] = { 0x02, 0x00, 0x00, 0x00, 0x01, 0xfe };
    static const uint8_t dns_mac[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x35 };
    uint8_t host_ip[16], rtr_ip[16], dns_ip[16];
    gt_ip4(host_ip, 10, 0, 0, 2);
    gt_ip4(rtr_ip, 10, 0, 0, 1);
    gt_ip4(dns_ip, 10, 0, 0, 53);
    uint8_t opt[40];
    size_t n, ol;
    uint64_t t = QS_T0;

    /* The router resolves the host. */
    n = gt_arp(fr, 1, gt_bcast, rtr_mac, rtr_ip, gt_zero_mac, host_ip);
    gt_add(&l, t, fr, n, n);
    n = gt_arp(fr, 2, rtr_mac, host_mac, host_ip, rtr_mac, rtr_ip);
    gt_add(&l, t + 21 * GT_NS_PER_US, fr, n, n);

    /* DNS: the host looks up the first backup client. */
    {
        static const uint8_t q[] = { 0x4e, 0x53, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0,
                                     6, 'c', 'l', 'i', 'e', 'n', 't',
                                     7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 0, 0, 1, 0, 1 };
        static const uint8_t a[] = { 0x4e, 0x53, 0x81, 0x80, 0, 1, 0, 1, 0, 0, 0, 0,
                                     6, 'c', 'l', 'i', 'e', 'n', 't',
                                     7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 0, 0, 1, 0, 1,
                                     0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0x01, 0x2c, 0, 4,
                                     10, 0, 1, 1 };
        pkt_spec s = { 0 };
        memcpy(s.src, host_ip, 16);
        memcpy(s.dst, dns_ip, 16);
        memcpy(s.src_mac, host_mac, 6);
        memcpy(s.dst_mac, dns_mac, 6);
        s.proto = PKT_IPPROTO_UDP;
        s.sport = 53001;
        s.dport = 53;
        s.ip_id = 0x3a10;
        n = gt_build(&s, q, sizeof q, fr);
        gt_add(&l, t + 97 * GT_NS_PER_US, fr, n, n);
        pkt_spec r = s;
        memcpy(r.src, dns_ip, 16);
        memcpy(r.dst, host_ip, 16);
        memcpy(r.src_mac, dns_mac, 6);
        memcpy(r.dst_mac, host_mac, 6);
        r.sport = 53;
        r.dport = 53001;
        r.ip_id = 0x0000;
        n = gt_build(&r, a, sizeof a, fr);
        gt_add(&l, t + 243 * GT_NS_PER_US, fr, n, n);
    }

    /* Four backup clients 10.0.1.1-4, ephemeral ports 49155 + 7i, push data to 10.0.0.2:5001.
     * The ports are chosen so that the four connections land on four different queues
     * with the default key and a round-robin table over 4 queues. */
    qs_conn c[QS_CONNS];
    const uint64_t rtt = 112 * GT_NS_PER_US;
    for (int i = 0; i < QS_CONNS; i++) {
        qs_conn *k = &c[i];
        memset(k, 0, sizeof *k);
        k->stream = (uint32_t)(i + 1);
        pkt_spec *s = &k->c2h;
        gt_ip4(s->src, 10, 0, 1, i + 1);
        memcpy(s->dst, host_ip, 16);
        memcpy(s->src_mac, rtr_mac, 6);
        memcpy(s->dst_mac, host_mac, 6);
        s->proto = PKT_IPPROTO_TCP;
        s->sport = (uint16_t)(49155 + 7 * i);
        s->dport = 5001;
        s->ttl = 63;
        k->h2c = *s;
        pkt_spec *h = &k->h2c;
        memcpy(h->src, s->dst, 16);
        memcpy(h->dst, s->src, 16);
        memcpy(h->src_mac, host_mac, 6);
        memcpy(h->dst_mac, rtr_mac, 6);
        h->sport = s->dport;
        h->dport = s->sport;
        h->ttl = 64;
        k->c_isn = 0x1a2b3c4du * (uint32_t)(i + 1);
        k->h_isn = 0x5e6f7081u + 0x01010101u * (uint32_t)i;
        k->c_ts0 = 3000000u + 77777u * (uint32_t)i;
        k->h_ts0 = 1234567u;
        k->c_id = (uint16_t)(0x1000 * (i + 1));
        k->h_id = (uint16_t)(0x8000 + 0x100 * i);
        k->bytes = (size_t)(37 + i) * 1448 + 500 + 200 * (size_t)i;

        /* Handshake. */
        uint64_t ts = t + (300 + 40 * (uint64_t)i) * GT_NS_PER_US;
        s->seq = k->c_isn;
        s->ack = 0;
        s->tcp_flags = PKT_TCP_SYN;
        s->window = 64240;
        s->ip_id = k->c_id++;
        ol = gt_opt_syn(opt, 1460, qs_tsval(k->c_ts0, ts), 0);
        n = gt_tcp(s, opt, ol, NULL, 0, fr, 0);
        gt_add(&l, ts, fr, n, n);

        uint64_t ts2 = ts + 9 * GT_NS_PER_US;
        h->seq = k->h_isn;
        h->ack = k->c_isn + 1;
        h->tcp_flags = PKT_TCP_SYN | PKT_TCP_ACK;
        h->window = 65160;
        h->ip_id = 0;
        ol = gt_opt_syn(opt, 1460, qs_tsval(k->h_ts0, ts2), qs_tsval(k->c_ts0, ts));
        n = gt_tcp(h, opt, ol, NULL, 0, fr, 0);
        gt_add(&l, ts2, fr, n, n);

        uint64_t ts3 = ts2 + rtt;
        s->seq = k->c_isn + 1;
        s->ack = k->h_isn + 1;
        s->tcp_flags = PKT_TCP_ACK;
        s->window = 502;
        s->ip_id = k->c_id++;
        ol = gt_opt_ts(opt, qs_tsval(k->c_ts0, ts3), qs_tsval(k->h_ts0, ts2));
        n = gt_tcp(s, opt, ol, NULL, 0, fr, 0);
        gt_add(&l, ts3, fr, n, n);
        h->seq = k->h_isn + 1;
        h->window = 2048;
    }

    /* Bulk data: bursts of two segments per connection, round robin, back to back at
     * 1 Gb/s with small gaps; the host ACKs every second segment and the last one. */
    t += 1000 * GT_NS_PER_US;
    uint64_t last_h_ts[QS_CONNS] = { 0 };
    for (int active = QS_CONNS, burst = 0; active > 0; burst++) {
        active = 0;
        for (int i = 0; i < QS_CONNS; i++) {
            qs_conn *k = &c[i];
            for (int j = 0; j < 2 && k->sent < k->bytes; j++) {
                size_t len = k->bytes - k->sent < 1448 ? k->bytes - k->sent : 1448;
                int last = k->sent + len == k->bytes;
                pkt_spec *s = &k->c2h;
                s->seq = k->c_isn + 1 + (uint32_t)k->sent;
                s->ack = k->h_isn + 1;
                s->tcp_flags = (uint8_t)(PKT_TCP_ACK | (last ? PKT_TCP_PSH : 0));
                s->ip_id = k->c_id++;
                ol = gt_opt_ts(opt, qs_tsval(k->c_ts0, t), qs_tsval(k->h_ts0, last_h_ts[i] ? last_h_ts[i] : t));
                gt_fill(data, len, k->stream, k->sent);
                n = gt_tcp(s, opt, ol, data, len, fr, 0);
                gt_add(&l, t, fr, n, n);
                uint64_t arrival = t;
                t += gt_wire_ns_1g(n);
                k->sent += len;
                k->acked_segs++;
                if (k->acked_segs % 2 == 0 || last) {
                    pkt_spec *h = &k->h2c;
                    uint64_t ta = arrival + (5 + (uint64_t)i) * GT_NS_PER_US;
                    h->ack = k->c_isn + 1 + (uint32_t)k->sent;
                    h->tcp_flags = PKT_TCP_ACK;
                    h->ip_id = k->h_id++;
                    ol = gt_opt_ts(opt, qs_tsval(k->h_ts0, ta), qs_tsval(k->c_ts0, arrival));
                    n = gt_tcp(h, opt, ol, NULL, 0, fr, 0);
                    gt_add(&l, ta, fr, n, n);
                    last_h_ts[i] = ta;
                }
            }
            if (k->sent < k->bytes)
                active++;
        }
        t += (uint64_t)(burst * 7 % 5) * GT_NS_PER_US;
    }

    /* Close: client FIN, host FIN+ACK, client ACK. */
    for (int i = 0; i < QS_CONNS; i++) {
        qs_conn *k = &c[i];
        uint64_t ts = t + (30 + 25 * (uint64_t)i) * GT_NS_PER_US;
        pkt_spec *s = &k->c2h, *h = &k->h2c;
        uint32_t fin_seq = k->c_isn + 1 + (uint32_t)k->bytes;
        s->seq = fin_seq;
        s->ack = k->h_isn + 1;
        s->tcp_flags = PKT_TCP_FIN | PKT_TCP_ACK;
        s->ip_id = k->c_id++;
        ol = gt_opt_ts(opt, qs_tsval(k->c_ts0, ts), qs_tsval(k->h_ts0, last_h_ts[i]));
        n = gt_tcp(s, opt, ol, NULL, 0, fr, 0);
        gt_add(&l, ts, fr, n, n);

        uint64_t ts2 = ts + 14 * GT_NS_PER_US;
        h->seq = k->h_isn + 1;
        h->ack = fin_seq + 1;
        h->tcp_flags = PKT_TCP_FIN | PKT_TCP_ACK;
        h->ip_id = k->h_id++;
        ol = gt_opt_ts(opt, qs_tsval(k->h_ts0, ts2), qs_tsval(k->c_ts0, ts));
        n = gt_tcp(h, opt, ol, NULL, 0, fr, 0);
        gt_add(&l, ts2, fr, n, n);

        uint64_t ts3 = ts2 + rtt;
        s->seq = fin_seq + 1;
        s->ack = k->h_isn + 2;
        s->tcp_flags = PKT_TCP_ACK;
        s->ip_id = k->c_id++;
        ol = gt_opt_ts(opt, qs_tsval(k->c_ts0, ts3), qs_tsval(k->h_ts0, ts2));
        n = gt_tcp(s, opt, ol, NULL, 0, fr, 0);
        gt_add(&l, ts3, fr, n, n);
    }
    if (l.failed)
        goto out;
    rc = gt_write_pcap(path, &l, GT_DLT_EN10MB, 262144);
out:
    if (l.failed)
        fprintf(stderr, "gentrace: out of memory\n");
    gt_free(&l);
    free(fr);
    free(data);
    return rc;
}

/* ---- mixed-v6.pcapng --------------------------------------------------------------- */

/* Inserts n bytes at offset `at` of a frame of len bytes; returns the new length. */
static size_t gt_insert(uint8_t *fr, size_t len, size_t at, const uint8_t *ins, size_t n)
{
    memmove(fr + at + n, fr + at, len - at);
    memcpy(fr + at, ins, n);
    return len + n;
}

/* IPv4 options into an unpadded IPv4 frame (options length a multiple of 4). The TCP/UDP
 * checksum does not cover the IP header, so only the IP header is fixed. */
static size_t gt_add_ipv4_opts(uint8_t *fr, size_t len, size_t l2, const uint8_t *o, size_t olen)
{
    uint8_t *ip = fr + l2;
    len = gt_insert(fr, len, l2 + 20, o, olen);
    ip[0] = (uint8_t)(0x40 | (5 + olen / 4));
    pkt_put16(ip + 2, (uint16_t)(pkt_get16(ip + 2) + olen));
    gt_ipv4_csum(ip);
    return len;
}

/* IPv6 extension headers (already chained, the last one's next-header left for us)
 * between the fixed header and the upper layer. The upper-layer checksum is unchanged:
 * its pseudo-header uses the upper-layer length and the final destination. */
static size_t gt_add_ipv6_ext(uint8_t *fr, size_t len, size_t l2, uint8_t *ext, size_t elen,
                              uint8_t first_type, size_t last_off)
{
    uint8_t *ip = fr + l2;
    ext[last_off] = ip[6];
    ip[6] = first_type;
    len = gt_insert(fr, len, l2 + 40, ext, elen);
    pkt_put16(ip + 4, (uint16_t)(pkt_get16(ip + 4) + elen));
    return len;
}

typedef struct mx_ctx {
    gt_list l;
    uint64_t t;
    uint8_t *fr;
    uint8_t *data;
    uint32_t k;
} mx_ctx;

static void mx_emit(mx_ctx *m, size_t n)
{
    gt_add(&m->l, m->t, m->fr, n, n);
    m->k++;
    /* Irregular nanosecond spacing. */
    m->t += 1000u + (uint64_t)(m->k * 7919u % 4093u) * 37u + m->k;
}

static int gen_mixed(const char *path)
{
    int rc = -1;
    mx_ctx m = { 0 };
    m.t = 1700000100ull * GT_NS_PER_S + 123456789u;
    m.fr = malloc(GT_MAX_FRAME);
    m.data = malloc(GT_MAX_FRAME);
    if (!m.fr || !m.data)
        goto out;
    uint8_t *fr = m.fr, *data = m.data;
    static const uint8_t host_mac[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x02 };
    static const uint8_t peer_mac[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x0a };
    uint8_t h4[16], p4[16], h6[16], p6[16];
    gt_ip4(h4, 192, 0, 2, 2);
    gt_ip4(p4, 192, 0, 2, 10);
    gt_ip6(h6, 0, 2);
    gt_ip6(p6, 0, 0x10);
    uint8_t opt[40];
    size_t n, ol;

    pkt_spec v4 = { 0 };
    memcpy(v4.src, p4, 16);
    memcpy(v4.dst, h4, 16);
    memcpy(v4.src_mac, peer_mac, 6);
    memcpy(v4.dst_mac, host_mac, 6);
    v4.proto = PKT_IPPROTO_TCP;
    v4.sport = 33000;
    v4.dport = 80;
    v4.seq = 1000000;
    v4.ack = 2000000;
    v4.window = 1024;
    v4.tcp_flags = PKT_TCP_ACK;
    v4.ip_id = 0x2000;
    pkt_spec v6 = v4;
    v6.ipv6 = 1;
    memcpy(v6.src, p6, 16);
    memcpy(v6.dst, h6, 16);
    v6.sport = 34000;
    v6.dport = 443;

    /* 1: ARP request (not IP). */
    n = gt_arp(fr, 1, gt_bcast, peer_mac, p4, gt_zero_mac, h4);
    mx_emit(&m, n);

    /* 2: IPv4 TCP SYN. */
    pkt_spec s = v4;
    s.tcp_flags = PKT_TCP_SYN;
    s.ack = 0;
    s.seq = 999999;
    s.ip_id = 0x1fff;
    ol = gt_opt_syn(opt, 1460, 100, 0);
    n = gt_tcp(&s, opt, ol, NULL, 0, fr, 0);
    mx_emit(&m, n);

    /* 3: IPv4 TCP data, plain. */
    s = v4;
    gt_fill(data, 1000, 201, 0);
    n = gt_tcp(&s, NULL, 0, data, 1000, fr, 0);
    mx_emit(&m, n);

    /* 4: IPv4 TCP data, 802.1Q VLAN 100. */
    s = v4;
    s.vlan = 1;
    s.vlan_tci = 100;
    s.seq += 1000;
    s.ip_id++;
    gt_fill(data, 1448, 201, 1000);
    ol = gt_opt_ts(opt, 101, 55);
    n = gt_tcp(&s, opt, ol, data, 1448, fr, 0);
    mx_emit(&m, n);

    /* 5: IPv4 UDP. */
    s = v4;
    s.proto = PKT_IPPROTO_UDP;
    s.sport = 40000;
    s.dport = 9000;
    s.ip_id = 0x2100;
    gt_fill(data, 200, 202, 0);
    n = gt_build(&s, data, 200, fr);
    mx_emit(&m, n);

    /* 6: IPv4 UDP, VLAN 200 with priority 5. */
    s.vlan = 1;
    s.vlan_tci = (uint16_t)(5 << 13 | 200);
    s.ip_id++;
    gt_fill(data, 64, 202, 200);
    n = gt_build(&s, data, 64, fr);
    mx_emit(&m, n);

    /* 7: IPv6 TCP data. */
    s = v6;
    gt_fill(data, 1200, 203, 0);
    ol = gt_opt_ts(opt, 5000, 6000);
    n = gt_tcp(&s, opt, ol, data, 1200, fr, 0);
    mx_emit(&m, n);

    /* 8: IPv6 UDP. */
    s = v6;
    s.proto = PKT_IPPROTO_UDP;
    s.sport = 40001;
    s.dport = 9001;
    gt_fill(data, 300, 204, 0);
    n = gt_build(&s, data, 300, fr);
    mx_emit(&m, n);

    /* 9: IPv6 TCP, VLAN 300. */
    s = v6;
    s.vlan = 1;
    s.vlan_tci = 300;
    s.seq += 1200;
    gt_fill(data, 1200, 203, 1200);
    ol = gt_opt_ts(opt, 5001, 6000);
    n = gt_tcp(&s, opt, ol, data, 1200, fr, 0);
    mx_emit(&m, n);

    /* 10: IPv4 TCP, QinQ: 802.1ad S-tag 10 outside an 802.1Q C-tag 100. */
    s = v4;
    s.vlan = 1;
    s.vlan_tci = 100;
    s.seq += 2448;
    s.ip_id += 2;
    gt_fill(data, 500, 201, 2448);
    n = gt_tcp(&s, NULL, 0, data, 500, fr, 1);
    {
        uint8_t tag[4];
        pkt_put16(tag, PKT_ETHERTYPE_QINQ);
        pkt_put16(tag + 2, 10);
        n = gt_insert(fr, n, 12, tag, 4);
    }
    mx_emit(&m, gt_pad60(fr, n));

    /* 11: IPv4 with options (Router Alert) carrying TCP. */
    s = v4;
    s.seq += 2948;
    s.ip_id += 3;
    gt_fill(data, 700, 201, 2948);
    n = gt_tcp(&s, NULL, 0, data, 700, fr, 1);
    {
        static const uint8_t ra[4] = { 0x94, 0x04, 0x00, 0x00 };
        n = gt_add_ipv4_opts(fr, n, 14, ra, sizeof ra);
    }
    mx_emit(&m, gt_pad60(fr, n));

    /* 12: IPv4 with a 12-byte Timestamp option carrying UDP. */
    s = v4;
    s.proto = PKT_IPPROTO_UDP;
    s.sport = 40000;
    s.dport = 9000;
    s.ip_id = 0x2102;
    gt_fill(data, 100, 202, 264);
    n = gt_build(&s, data, 100, fr);
    n = gt_unpadded(fr, 14);
    {
        /* type 0x44, length 12, pointer 9 (second slot free), timestamps only, 2 slots */
        static const uint8_t tso[12] = { 0x44, 12, 9, 0x00, 0x00, 0x01, 0x02, 0x03,
                                         0x00, 0x00, 0x00, 0x00 };
        n = gt_add_ipv4_opts(fr, n, 14, tso, sizeof tso);
    }
    mx_emit(&m, gt_pad60(fr, n));

    /* 13: IPv6 hop-by-hop (PadN) then TCP. */
    s = v6;
    s.seq += 2400;
    gt_fill(data, 800, 203, 2400);
    n = gt_tcp(&s, NULL, 0, data, 800, fr, 1);
    {
        uint8_t e[8] = { 0, 0, 1, 4, 0, 0, 0, 0 };
        n = gt_add_ipv6_ext(fr, n, 14, e, sizeof e, 0, 0);
    }
    mx_emit(&m, gt_pad60(fr, n));

    /* 14: IPv6 routing header (segment routing, type 4, segments left 0: the one segment
     * is the final destination, the IPv6 destination) then TCP. */
    s = v6;
    s.seq += 3200;
    gt_fill(data, 600, 203, 3200);
    n = gt_tcp(&s, NULL, 0, data, 600, fr, 1);
    {
        uint8_t e[24] = { 0, 2, 4, 0, 0, 0, 0, 0 }; /* last entry 0, flags 0, tag 0 */
        memcpy(e + 8, h6, 16);
        n = gt_add_ipv6_ext(fr, n, 14, e, sizeof e, 43, 0);
    }
    mx_emit(&m, gt_pad60(fr, n));

    /* 15: IPv6 destination options (PadN) then UDP. */
    s = v6;
    s.proto = PKT_IPPROTO_UDP;
    s.sport = 40001;
    s.dport = 9001;
    gt_fill(data, 150, 204, 300);
    n = gt_build(&s, data, 150, fr);
    n = gt_unpadded(fr, 14);
    {
        uint8_t e[8] = { 0, 0, 1, 4, 0, 0, 0, 0 };
        n = gt_add_ipv6_ext(fr, n, 14, e, sizeof e, 60, 0);
    }
    mx_emit(&m, gt_pad60(fr, n));

    /* 16: IPv6 hop-by-hop + destination options chain then TCP. */
    s = v6;
    s.seq += 3800;
    gt_fill(data, 400, 203, 3800);
    n = gt_tcp(&s, NULL, 0, data, 400, fr, 1);
    {
        uint8_t e[16] = { 60, 0, 1, 4, 0, 0, 0, 0, /* HBH -> dest opts */
                          0, 0, 1, 4, 0, 0, 0, 0 };
        n = gt_add_ipv6_ext(fr, n, 14, e, sizeof e, 0, 8);
    }
    mx_emit(&m, gt_pad60(fr, n));

    /* 17, 18: one IPv6 UDP datagram of 1800 bytes in two fragments. */
    {
        s = v6;
        s.proto = PKT_IPPROTO_UDP;
        s.sport = 40002;
        s.dport = 9002;
        gt_fill(data, 1800, 205, 0);
        uint8_t *whole = malloc(GT_MAX_FRAME);
        if (!whole)
            goto out;
        size_t wn = gt_build(&s, data, 1800, whole);
        wn = gt_unpadded(whole, 14);
        const uint8_t *frag_src = whole + 14 + 40; /* UDP header + data */
        size_t flen = wn - 14 - 40;
        size_t cut = 1232; /* multiple of 8 */
        for (int part = 0; part < 2; part++) {
            size_t off = part ? cut : 0;
            size_t cl = part ? flen - cut : cut;
            memcpy(fr, whole, 14 + 40);
            uint8_t *ip = fr + 14;
            ip[6] = 44;
            pkt_put16(ip + 4, (uint16_t)(8 + cl));
            uint8_t *fh = ip + 40;
            fh[0] = PKT_IPPROTO_UDP;
            fh[1] = 0;
            pkt_put16(fh + 2, (uint16_t)(off | (part ? 0 : 1))); /* offset in 8-byte units << 3, M */
            pkt_put32(fh + 4, 0x6a6b6c6du);
            memcpy(fh + 8, frag_src + off, cl);
            mx_emit(&m, gt_pad60(fr, 14 + 40 + 8 + cl));
        }
        free(whole);
    }

    /* 19, 20: one IPv4 UDP datagram of 2000 bytes in two fragments. */
    {
        s = v4;
        s.proto = PKT_IPPROTO_UDP;
        s.sport = 5001;
        s.dport = 5002;
        s.ip_id = 0x2200;
        gt_fill(data, 2000, 206, 0);
        uint8_t *whole = malloc(GT_MAX_FRAME);
        if (!whole)
            goto out;
        size_t wn = gt_build(&s, data, 2000, whole);
        wn = gt_unpadded(whole, 14);
        const uint8_t *frag_src = whole + 14 + 20;
        size_t flen = wn - 14 - 20;
        size_t cut = 1480;
        for (int part = 0; part < 2; part++) {
            size_t off = part ? cut : 0;
            size_t cl = part ? flen - cut : cut;
            memcpy(fr, whole, 14 + 20);
            uint8_t *ip = fr + 14;
            pkt_put16(ip + 2, (uint16_t)(20 + cl));
            pkt_put16(ip + 6, (uint16_t)((off / 8) | (part ? 0 : 0x2000))); /* MF */
            gt_ipv4_csum(ip);
            memcpy(ip + 20, frag_src + off, cl);
            mx_emit(&m, gt_pad60(fr, 14 + 20 + cl));
        }
        free(whole);
    }

    /* 21: IPv4 TCP with a bad IP header checksum. */
    s = v4;
    s.seq += 3648;
    s.ip_id += 4;
    s.bad_ip_csum = 1;
    gt_fill(data, 300, 201, 3648);
    n = gt_tcp(&s, NULL, 0, data, 300, fr, 0);
    mx_emit(&m, n);

    /* 22: IPv4 TCP with a bad TCP checksum. */
    s = v4;
    s.seq += 3948;
    s.ip_id += 5;
    s.bad_l4_csum = 1;
    gt_fill(data, 300, 201, 3948);
    n = gt_tcp(&s, NULL, 0, data, 300, fr, 0);
    mx_emit(&m, n);

    /* 23: ICMP echo request. */
    {
        uint8_t icmp[64];
        icmp[0] = 8;
        icmp[1] = 0;
        pkt_put16(icmp + 2, 0);
        pkt_put16(icmp + 4, 0x1234);
        pkt_put16(icmp + 6, 1);
        gt_fill(icmp + 8, 56, 207, 0);
        pkt_put16(icmp + 2, (uint16_t)~pkt_csum_fold(pkt_csum_add(0, icmp, sizeof icmp)));
        s = v4;
        s.proto = 1;
        s.ip_id = 0x2300;
        n = gt_build(&s, icmp, sizeof icmp, fr);
        mx_emit(&m, n);
    }

    /* 24: ICMPv6 echo request (checksum over the pseudo-header). */
    {
        uint8_t icmp[64];
        icmp[0] = 128;
        icmp[1] = 0;
        pkt_put16(icmp + 2, 0);
        pkt_put16(icmp + 4, 0x4321);
        pkt_put16(icmp + 6, 1);
        gt_fill(icmp + 8, 56, 208, 0);
        uint32_t sum = pkt_csum_pseudo(p6, h6, 16, 58, sizeof icmp);
        pkt_put16(icmp + 2, (uint16_t)~pkt_csum_fold(pkt_csum_add(sum, icmp, sizeof icmp)));
        s = v6;
        s.proto = 58;
        n = gt_build(&s, icmp, sizeof icmp, fr);
        mx_emit(&m, n);
    }

    /* 25: the host's IPv4 TCP ACK back to the peer. */
    s = v4;
    memcpy(s.src, h4, 16);
    memcpy(s.dst, p4, 16);
    memcpy(s.src_mac, host_mac, 6);
    memcpy(s.dst_mac, peer_mac, 6);
    s.sport = 80;
    s.dport = 33000;
    s.seq = 2000000;
    s.ack = 1000000 + 4248;
    s.ip_id = 0x7000;
    n = gt_tcp(&s, NULL, 0, NULL, 0, fr, 0);
    mx_emit(&m, n);

    if (m.l.failed)
        goto out;
    rc = gt_write_pcapng(path, &m.l);
out:
    if (m.l.failed)
        fprintf(stderr, "gentrace: out of memory\n");
    gt_free(&m.l);
    free(m.fr);
    free(m.data);
    return rc;
}

/* ---- sll-gro.pcap ------------------------------------------------------------------ */

#define SG_SNAPLEN 9000u
#define SG_PKT_HOST 0
#define SG_PKT_BROADCAST 1
#define SG_PKT_MULTICAST 2
#define SG_PKT_OUTGOING 4

typedef struct sg_ctx {
    gt_list l;
    uint64_t t;
    uint8_t *rec;
} sg_ctx;

/* One Linux cooked record: 16-byte header + the packet after the Ethernet header of
 * `frame` (unpadded length `flen`). Records longer than the snaplen are cut. */
static void sg_emit(sg_ctx *g, uint16_t pkttype, const uint8_t *mac, const uint8_t *frame,
                    size_t flen, uint64_t gap_ns)
{
    uint8_t *r = g->rec;
    pkt_put16(r, pkttype);
    pkt_put16(r + 2, 1); /* ARPHRD_ETHER */
    pkt_put16(r + 4, 6);
    memset(r + 6, 0, 8);
    memcpy(r + 6, mac, 6);
    memcpy(r + 14, frame + 12, 2); /* protocol = ethertype */
    size_t plen = flen - PKT_ETH_HLEN;
    memcpy(r + 16, frame + PKT_ETH_HLEN, plen);
    size_t len = 16 + plen;
    gt_add(&g->l, g->t, r, len, len < SG_SNAPLEN ? len : SG_SNAPLEN);
    g->t += gap_ns;
}

typedef struct sg_conn {
    pkt_spec c2h, h2c;
    uint32_t stream;
    uint32_t c_isn, h_isn;
    size_t sent;
    size_t mss;
    uint32_t tsv; /* both clocks tick once per record here, good enough for a trace */
} sg_conn;

static void sg_handshake(sg_ctx *g, sg_conn *k, uint8_t *fr, const uint8_t *cmac,
                         const uint8_t *hmac)
{
    uint8_t opt[40];
    size_t ol, n;
    pkt_spec *s = &k->c2h, *h = &k->h2c;
    s->seq = k->c_isn;
    s->tcp_flags = PKT_TCP_SYN;
    s->window = 64800;
    ol = gt_opt_syn(opt, (uint16_t)(k->mss + 12), k->tsv++, 0);
    n = gt_tcp(s, opt, ol, NULL, 0, fr, 1);
    s->ip_id++;
    sg_emit(g, SG_PKT_HOST, cmac, fr, n, 7000);
    h->seq = k->h_isn;
    h->ack = k->c_isn + 1;
    h->tcp_flags = PKT_TCP_SYN | PKT_TCP_ACK;
    h->window = 65160;
    ol = gt_opt_syn(opt, (uint16_t)(k->mss + 12), 900000 + k->tsv, k->tsv - 1);
    n = gt_tcp(h, opt, ol, NULL, 0, fr, 1);
    h->ip_id++;
    sg_emit(g, SG_PKT_OUTGOING, hmac, fr, n, 41000);
    s->seq = k->c_isn + 1;
    s->ack = k->h_isn + 1;
    s->tcp_flags = PKT_TCP_ACK;
    s->window = 507;
    ol = gt_opt_ts(opt, k->tsv, 900000 + k->tsv);
    k->tsv++;
    n = gt_tcp(s, opt, ol, NULL, 0, fr, 1);
    s->ip_id++;
    sg_emit(g, SG_PKT_HOST, cmac, fr, n, 30000);
    h->seq = k->h_isn + 1;
    h->window = 3000;
}

/* One GRO-merged record of `bytes` payload bytes, then the host's ACK. */
static void sg_gro(sg_ctx *g, sg_conn *k, uint8_t *fr, uint8_t *data, size_t bytes, int psh,
                   const uint8_t *cmac, const uint8_t *hmac)
{
    uint8_t opt[40];
    size_t ol, n;
    pkt_spec *s = &k->c2h, *h = &k->h2c;
    s->seq = k->c_isn + 1 + (uint32_t)k->sent;
    s->tcp_flags = (uint8_t)(PKT_TCP_ACK | (psh ? PKT_TCP_PSH : 0));
    ol = gt_opt_ts(opt, k->tsv, 900000 + k->tsv);
    k->tsv++;
    gt_fill(data, bytes, k->stream, k->sent);
    n = gt_tcp(s, opt, ol, data, bytes, fr, 1);
    /* Arrival of all the merged segments at 10 Gb/s. */
    uint64_t segs = (bytes + k->mss - 1) / k->mss;
    sg_emit(g, SG_PKT_HOST, cmac, fr, n, 3000);
    g->t += segs * 1230;
    s->ip_id = (uint16_t)(s->ip_id + segs);
    k->sent += bytes;
    h->ack = k->c_isn + 1 + (uint32_t)k->sent;
    h->tcp_flags = PKT_TCP_ACK;
    ol = gt_opt_ts(opt, 900000 + k->tsv, k->tsv - 1);
    n = gt_tcp(h, opt, ol, NULL, 0, fr, 1);
    h->ip_id++;
    sg_emit(g, SG_PKT_OUTGOING, hmac, fr, n, 2000);
}

static void sg_close(sg_ctx *g, sg_conn *k, uint8_t *fr, const uint8_t *cmac, const uint8_t *hmac)
{
    uint8_t opt[40];
    size_t ol, n;
    pkt_spec *s = &k->c2h, *h = &k->h2c;
    uint32_t fin = k->c_isn + 1 + (uint32_t)k->sent;
    s->seq = fin;
    s->tcp_flags = PKT_TCP_FIN | PKT_TCP_ACK;
    ol = gt_opt_ts(opt, k->tsv, 900000 + k->tsv);
    k->tsv++;
    n = gt_tcp(s, opt, ol, NULL, 0, fr, 1);
    s->ip_id++;
    sg_emit(g, SG_PKT_HOST, cmac, fr, n, 15000);
    h->ack = fin + 1;
    h->tcp_flags = PKT_TCP_FIN | PKT_TCP_ACK;
    ol = gt_opt_ts(opt, 900000 + k->tsv, k->tsv - 1);
    n = gt_tcp(h, opt, ol, NULL, 0, fr, 1);
    h->ip_id++;
    sg_emit(g, SG_PKT_OUTGOING, hmac, fr, n, 40000);
    s->seq = fin + 1;
    s->ack = k->h_isn + 2;
    s->tcp_flags = PKT_TCP_ACK;
    ol = gt_opt_ts(opt, k->tsv, 900000 + k->tsv);
    k->tsv++;
    n = gt_tcp(s, opt, ol, NULL, 0, fr, 1);
    s->ip_id++;
    sg_emit(g, SG_PKT_HOST, cmac, fr, n, 20000);
}

static int gen_sll_gro(const char *path)
{
    int rc = -1;
    sg_ctx g = { 0 };
    g.t = 1700000200ull * GT_NS_PER_S + 500000000u;
    g.rec = malloc(GT_MAX_FRAME + 16);
    uint8_t *fr = malloc(GT_MAX_FRAME);
    uint8_t *data = malloc(GT_MAX_FRAME);
    if (!g.rec || !fr || !data)
        goto out;
    static const uint8_t host_mac[6] = { 0x02, 0x00, 0x00, 0x00, 0x02, 0x02 };
    static const uint8_t snd_mac[6] = { 0x02, 0x00, 0x00, 0x00, 0x02, 0x0a };
    size_t n;

    /* ARP request from the sender (broadcast). */
    {
        uint8_t a[16], b[16];
        gt_ip4(a, 198, 51, 100, 10);
        gt_ip4(b, 198, 51, 100, 2);
        n = gt_arp(fr, 1, gt_bcast, snd_mac, a, gt_zero_mac, b);
        /* ARP in a cooked capture: 28 bytes, no padding. */
        sg_emit(&g, SG_PKT_BROADCAST, snd_mac, fr, 14 + 28, 50000);
    }

    /* IPv4 connection 198.51.100.10:45678 -> 198.51.100.2:5201, MSS 1448 + timestamps. */
    sg_conn a = { 0 };
    pkt_spec *s = &a.c2h;
    gt_ip4(s->src, 198, 51, 100, 10);
    gt_ip4(s->dst, 198, 51, 100, 2);
    memcpy(s->src_mac, snd_mac, 6);
    memcpy(s->dst_mac, host_mac, 6);
    s->proto = PKT_IPPROTO_TCP;
    s->sport = 45678;
    s->dport = 5201;
    s->ip_id = 0x4a00;
    a.h2c = *s;
    memcpy(a.h2c.src, s->dst, 16);
    memcpy(a.h2c.dst, s->src, 16);
    a.h2c.sport = 5201;
    a.h2c.dport = 45678;
    a.h2c.ip_id = 0x6600;
    a.stream = 101;
    a.c_isn = 0xfffff000u; /* sequence numbers wrap during the transfer */
    a.h_isn = 0x3c3c0000u;
    a.mss = 1448;
    a.tsv = 4000000;
    sg_handshake(&g, &a, fr, snd_mac, host_mac);
    static const size_t a_sizes[] = { 1, 2, 4, 4, 16, 4, 45 };
    for (size_t i = 0; i < sizeof a_sizes / sizeof a_sizes[0]; i++)
        sg_gro(&g, &a, fr, data, a_sizes[i] * 1448, 0, snd_mac, host_mac);
    sg_gro(&g, &a, fr, data, 3 * 1448 - 500, 1, snd_mac, host_mac);

    /* IPv6 connection [2001:db8:1::10]:45680 -> [2001:db8:1::2]:5201, MSS 1428 + timestamps. */
    sg_conn b = { 0 };
    s = &b.c2h;
    gt_ip6(s->src, 1, 0x10);
    gt_ip6(s->dst, 1, 0x2);
    s->ipv6 = 1;
    memcpy(s->src_mac, snd_mac, 6);
    memcpy(s->dst_mac, host_mac, 6);
    s->proto = PKT_IPPROTO_TCP;
    s->sport = 45680;
    s->dport = 5201;
    b.h2c = *s;
    memcpy(b.h2c.src, s->dst, 16);
    memcpy(b.h2c.dst, s->src, 16);
    b.h2c.sport = 5201;
    b.h2c.dport = 45680;
    b.stream = 102;
    b.c_isn = 0x01000000u;
    b.h_isn = 0x02000000u;
    b.mss = 1428;
    b.tsv = 7000000;
    sg_handshake(&g, &b, fr, snd_mac, host_mac);
    sg_gro(&g, &b, fr, data, 1428, 0, snd_mac, host_mac);
    sg_gro(&g, &b, fr, data, 3 * 1428, 0, snd_mac, host_mac);

    /* A UDP GRO super-packet (2 x 1472): oversize but not TCP. */
    {
        pkt_spec u = a.c2h;
        u.proto = PKT_IPPROTO_UDP;
        u.sport = 41000;
        u.dport = 9000;
        u.ip_id = 0x5000;
        gt_fill(data, 2944, 103, 0);
        gt_build(&u, data, 2944, fr);
        n = gt_unpadded(fr, 14);
        sg_emit(&g, SG_PKT_HOST, snd_mac, fr, n, 9000);
    }
    /* mDNS query to 224.0.0.251 (multicast): PTR _iperf._tcp.local. */
    {
        static const uint8_t q[] = { 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0,
                                     6, '_', 'i', 'p', 'e', 'r', 'f', 4, '_', 't', 'c', 'p',
                                     5, 'l', 'o', 'c', 'a', 'l', 0, 0, 12, 0, 1 };
        pkt_spec u = a.c2h;
        u.proto = PKT_IPPROTO_UDP;
        u.sport = 5353;
        u.dport = 5353;
        u.ttl = 255;
        u.ip_id = 0;
        gt_ip4(u.dst, 224, 0, 0, 251);
        gt_build(&u, q, sizeof q, fr);
        n = gt_unpadded(fr, 14);
        sg_emit(&g, SG_PKT_MULTICAST, snd_mac, fr, n, 11000);
    }

    sg_gro(&g, &b, fr, data, 2 * 1428, 1, snd_mac, host_mac);
    sg_close(&g, &a, fr, snd_mac, host_mac);
    sg_close(&g, &b, fr, snd_mac, host_mac);

    if (g.l.failed)
        goto out;
    rc = gt_write_pcap(path, &g.l, GT_DLT_LINUX_SLL, SG_SNAPLEN);
out:
    if (g.l.failed)
        fprintf(stderr, "gentrace: out of memory\n");
    gt_free(&g.l);
    free(g.rec);
    free(fr);
    free(data);
    return rc;
}

/* ---- chimney-bulk.pcap and chimney-chatty.pcap ------------------------------------- */

/* Captures for the TCP Chimney (TCP offload) fidelity runs, taken at the receiving host
 * 10.0.0.2 (MAC 02:00:00:00:00:02) behind the router 10.0.0.1 (MAC 02:00:00:00:01:fe),
 * like quickstart.pcap. Plain TCP: the SYNs carry only an MSS option of 1460 (no window
 * scaling, no timestamps, no SACK), so every data segment has a 20-byte TCP header and a
 * full one is a 1514-byte frame. Frames from the host are in the captures as a capture at
 * the host would show them. */

#define CH_US GT_NS_PER_US
#define CH_MSS 1460u

static const uint8_t ch_host_mac[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x02 };
static const uint8_t ch_rtr_mac[6] = { 0x02, 0x00, 0x00, 0x00, 0x01, 0xfe };

typedef struct ch_conn {
    pkt_spec c2h, h2c; /* client -> host, host -> client templates */
    uint32_t c_isn, h_isn;
} ch_conn;

/* Client a.b.c.d:sport -> 10.0.0.2:dport. */
static void ch_conn_init(ch_conn *k, int c, int d, uint16_t sport, uint16_t dport,
                         uint32_t c_isn, uint32_t h_isn, uint16_t c_id, uint16_t h_id)
{
    memset(k, 0, sizeof *k);
    pkt_spec *s = &k->c2h;
    gt_ip4(s->src, 10, 0, c, d);
    gt_ip4(s->dst, 10, 0, 0, 2);
    memcpy(s->src_mac, ch_rtr_mac, 6);
    memcpy(s->dst_mac, ch_host_mac, 6);
    s->proto = PKT_IPPROTO_TCP;
    s->sport = sport;
    s->dport = dport;
    s->ttl = 63;
    s->window = 64240;
    s->ip_id = c_id;
    pkt_spec *h = &k->h2c;
    *h = *s;
    memcpy(h->src, s->dst, 16);
    memcpy(h->dst, s->src, 16);
    memcpy(h->src_mac, ch_host_mac, 6);
    memcpy(h->dst_mac, ch_rtr_mac, 6);
    h->sport = dport;
    h->dport = sport;
    h->ttl = 64;
    h->window = 65535;
    h->ip_id = h_id;
    k->c_isn = c_isn;
    k->h_isn = h_isn;
}

/* One segment of `s` (seq, ack, flags as given; IP ID taken and incremented); a SYN
 * carries the MSS option alone. */
static void ch_seg(gt_list *l, uint64_t ts, pkt_spec *s, uint32_t seq, uint32_t ack,
                   uint8_t flags, const uint8_t *data, size_t dlen, uint8_t *fr)
{
    uint8_t opt[4];
    size_t ol = 0;
    if (flags & PKT_TCP_SYN) {
        opt[0] = 2;
        opt[1] = 4;
        pkt_put16(opt + 2, (uint16_t)CH_MSS);
        ol = 4;
    }
    s->seq = seq;
    s->ack = ack;
    s->tcp_flags = flags;
    size_t n = gt_tcp(s, opt, ol, data, dlen, fr, 0);
    s->ip_id++;
    gt_add(l, ts, fr, n, n);
}

/* Handshake: client SYN at ts, host SYN-ACK 8 us later, client ACK at ts + rtt. */
static void ch_open(gt_list *l, ch_conn *k, uint64_t ts, uint64_t rtt, uint8_t *fr)
{
    ch_seg(l, ts, &k->c2h, k->c_isn, 0, PKT_TCP_SYN, NULL, 0, fr);
    ch_seg(l, ts + 8 * CH_US, &k->h2c, k->h_isn, k->c_isn + 1, PKT_TCP_SYN | PKT_TCP_ACK,
           NULL, 0, fr);
    ch_seg(l, ts + rtt, &k->c2h, k->c_isn + 1, k->h_isn + 1, PKT_TCP_ACK, NULL, 0, fr);
}

/* Close after the client sent c_bytes and the host h_bytes: client FIN at ts, host FIN-ACK
 * 8 us later, client ACK at ts + rtt. */
static void ch_close(gt_list *l, ch_conn *k, uint64_t ts, uint64_t rtt, uint32_t c_bytes,
                     uint32_t h_bytes, uint8_t *fr)
{
    uint32_t cs = k->c_isn + 1 + c_bytes, hs = k->h_isn + 1 + h_bytes;
    ch_seg(l, ts, &k->c2h, cs, hs, PKT_TCP_FIN | PKT_TCP_ACK, NULL, 0, fr);
    ch_seg(l, ts + 8 * CH_US, &k->h2c, hs, cs + 1, PKT_TCP_FIN | PKT_TCP_ACK, NULL, 0, fr);
    ch_seg(l, ts + rtt, &k->c2h, cs + 1, hs + 1, PKT_TCP_ACK, NULL, 0, fr);
}

#define CB_CONNS 4
#define CB_BYTES 1000000u
#define CB_PSH_EVERY 65536u
#define CB_STREAM0 300u /* connection k (1..4) carries stream 300 + k */
#define CB_T0 (1700000300ull * GT_NS_PER_S)

/* Bulk receive: 4 connections of 1,000,000 bytes each into 10.0.0.2:445, round robin one
 * 1514-byte frame every 12 us. */
/* Bulk data of n established connections c[0..n-1], `bytes` each (connection i carries stream
 * stream1 + i): one MSS segment per connection in turn, one every `slot` from t; PSH on the
 * segment holding the last byte of each CB_PSH_EVERY bytes, and on the last one; the host ACKs
 * every second segment of a connection and its last one, 5 us after it arrives. Returns the
 * time after the last segment's slot. */
static uint64_t ch_bulk(gt_list *l, ch_conn *c, int n, uint32_t bytes, uint32_t stream1, uint64_t t,
                        uint64_t slot, uint8_t *data, uint8_t *fr)
{
    const uint32_t segs = (bytes + CH_MSS - 1) / CH_MSS;
    for (uint32_t j = 0; j < segs; j++) {
        for (int i = 0; i < n; i++, t += slot) {
            ch_conn *k = &c[i];
            uint32_t off = j * CH_MSS;
            uint32_t len = bytes - off < CH_MSS ? bytes - off : CH_MSS;
            int last = off + len == bytes;
            int psh = last || (off + len) / CB_PSH_EVERY != off / CB_PSH_EVERY;
            gt_fill(data, len, stream1 + (uint32_t)i, off);
            ch_seg(l, t, &k->c2h, k->c_isn + 1 + off, k->h_isn + 1,
                   (uint8_t)(PKT_TCP_ACK | (psh ? PKT_TCP_PSH : 0)), data, len, fr);
            if ((j + 1) % 2 == 0 || last)
                ch_seg(l, t + 5 * CH_US, &k->h2c, k->h_isn + 1, k->c_isn + 1 + off + len,
                       PKT_TCP_ACK, NULL, 0, fr);
        }
    }
    return t;
}

static int gen_chimney_bulk(const char *path)
{
    int rc = -1;
    gt_list l = { 0 };
    uint8_t *fr = malloc(GT_MAX_FRAME);
    uint8_t *data = malloc(GT_MAX_FRAME);
    if (!fr || !data)
        goto out;
    const uint64_t rtt = 60 * CH_US, slot = 12 * CH_US;
    ch_conn c[CB_CONNS];
    for (int i = 0; i < CB_CONNS; i++) {
        /* Connection 4's sequence numbers wrap after 524,288 bytes. */
        uint32_t c_isn = i == 3 ? 0xfff80000u : 0x2c3d4e5fu * (uint32_t)(i + 1);
        ch_conn_init(&c[i], 1, i + 1, (uint16_t)(40001 + i), 445, c_isn,
                     0x71a2b3c4u + 0x10203040u * (uint32_t)i, (uint16_t)(0x3000 * (i + 1)),
                     (uint16_t)(0x9000 + 0x100 * i));
        ch_open(&l, &c[i], CB_T0 + (uint64_t)i * 20 * CH_US, rtt, fr);
    }

    uint64_t t = ch_bulk(&l, c, CB_CONNS, CB_BYTES, CB_STREAM0 + 1, CB_T0 + 200 * CH_US, slot, data, fr);
    /* Close: each client's FIN in the slot after the round robin ends. */
    for (int i = 0; i < CB_CONNS; i++, t += slot)
        ch_close(&l, &c[i], t, rtt, CB_BYTES, 0, fr);

    if (l.failed)
        goto out;
    rc = gt_write_pcap(path, &l, GT_DLT_EN10MB, 262144);
out:
    if (l.failed)
        fprintf(stderr, "gentrace: out of memory\n");
    gt_free(&l);
    free(fr);
    free(data);
    return rc;
}

#define CC_CONNS 2000u
#define CC_PEAK 1500u
#define CC_REQ 300u
#define CC_RESP 200u
#define CC_REQ_STREAM0 10000u  /* connection n (1..2000): request stream 10000 + n */
#define CC_RESP_STREAM0 20000u /*                         response stream 20000 + n */
#define CC_T0 (1700000400ull * GT_NS_PER_S)

/* Open time of connection n (1..2000), microseconds from CC_T0: one every 120 us while
 * the first 1500 open, then one every 180 us. */
static uint64_t cc_open_us(uint32_t n)
{
    return n <= CC_PEAK ? (uint64_t)(n - 1) * 120u : 180000u + (uint64_t)(n - CC_PEAK - 1) * 180u;
}

/* Close (client FIN) time of connection n: the first 500 close 90 us before connections
 * 1501..2000 open (so at most 1500 are open), the rest one every 60 us after the last open. */
static uint64_t cc_close_us(uint32_t n)
{
    const uint32_t plateau = CC_CONNS - CC_PEAK;
    return n <= plateau ? cc_open_us(n + CC_PEAK) - 90u
                        : 180000u + (uint64_t)plateau * 180u + (uint64_t)(n - plateau - 1) * 60u;
}

/* Chatty: 2,000 short request/response connections, up to 1,500 open at once. */
static int gen_chimney_chatty(const char *path)
{
    int rc = -1;
    gt_list l = { 0 };
    uint8_t *fr = malloc(GT_MAX_FRAME);
    uint8_t *data = malloc(GT_MAX_FRAME);
    if (!fr || !data)
        goto out;
    const uint64_t rtt = 50 * CH_US;
    for (uint32_t n = 1; n <= CC_CONNS; n++) {
        /* 1..1000: clients 10.0.2.1-250 to port 80; 1001..2000: 10.0.3.1-250 to 8080;
         * client j (0..999 in its group) is 10.0.g.(1 + j % 250), source port 33000 + j. */
        uint32_t g = (n - 1) / 1000, j = (n - 1) % 1000;
        ch_conn k;
        ch_conn_init(&k, (int)(2 + g), (int)(1 + j % 250), (uint16_t)(33000 + j),
                     g ? 8080 : 80, 0x9e3779b9u * n + 0x01234567u, 0x85ebca6bu * n + 0x7654321u,
                     (uint16_t)(n * 40503u), (uint16_t)(n * 2654u));
        uint64_t o = CC_T0 + cc_open_us(n) * CH_US;
        ch_open(&l, &k, o, rtt, fr);
        /* Request (PSH) 10 us after the ACK, the host's response 25 us later, the
         * client's ACK of it one round trip after that. */
        uint64_t tq = o + rtt + 10 * CH_US, tr = tq + 25 * CH_US;
        gt_fill(data, CC_REQ, CC_REQ_STREAM0 + n, 0);
        ch_seg(&l, tq, &k.c2h, k.c_isn + 1, k.h_isn + 1, PKT_TCP_ACK | PKT_TCP_PSH, data,
               CC_REQ, fr);
        gt_fill(data, CC_RESP, CC_RESP_STREAM0 + n, 0);
        ch_seg(&l, tr, &k.h2c, k.h_isn + 1, k.c_isn + 1 + CC_REQ, PKT_TCP_ACK | PKT_TCP_PSH,
               data, CC_RESP, fr);
        ch_seg(&l, tr + rtt, &k.c2h, k.c_isn + 1 + CC_REQ, k.h_isn + 1 + CC_RESP, PKT_TCP_ACK,
               NULL, 0, fr);
        ch_close(&l, &k, CC_T0 + cc_close_us(n) * CH_US, rtt, CC_REQ, CC_RESP, fr);
    }
    if (l.failed)
        goto out;
    rc = gt_write_pcap(path, &l, GT_DLT_EN10MB, 262144);
out:
    if (l.failed)
        fprintf(stderr, "gentrace: out of memory\n");
    gt_free(&l);
    free(fr);
    free(data);
    return rc;
}

#define NM_HOLDERS 1024u     /* sessions that take every Chimney slot of the NIC */
#define NM_HOLD_BYTES 2048u
#define NM_BULK 6u           /* bulk clients that arrive when no slot is left */
#define NM_BULK_BYTES 262144u
#define NM_STREAM0 40000u    /* holder n (1..1024): stream 40000 + n; bulk client b (1..6): 41000 + b */
#define NM_T0 (1700000500ull * GT_NS_PER_S)

/* NetDMA beside Chimney: 1,024 SMB sessions open first and each write 2 KiB (the stack offloads
 * them and they hold every slot until the end); then six clients copy 256 KiB each to the same
 * port: they find no slot, stay in the host stack and use NetDMA. No session closes. */
static int gen_netdma_mix(const char *path)
{
    int rc = -1;
    gt_list l = { 0 };
    uint8_t *fr = malloc(GT_MAX_FRAME);
    uint8_t *data = malloc(GT_MAX_FRAME);
    if (!fr || !data)
        goto out;
    const uint64_t rtt = 40 * CH_US;
    /* every session opens first, one every 60 us (the stack offloads each as it is established);
       2 ms after the last, each writes its 2 KiB, one session every 10 us: 2 segments 2 us
       apart, the last with PSH; the host ACKs the last 5 us later */
    const uint64_t data0 = NM_T0 + (uint64_t)NM_HOLDERS * 60 * CH_US + 2000 * CH_US;
    for (uint32_t n = 1; n <= NM_HOLDERS; n++) {
        /* clients 10.0.4.1-250 .. 10.0.8.x, source port 34000 + n */
        ch_conn k;
        ch_conn_init(&k, (int)(4 + (n - 1) / 250), (int)(1 + (n - 1) % 250), (uint16_t)(34000 + n), 445,
                     0x6a09e667u * n + 0x1234u, 0xbb67ae85u * n + 0x4321u, (uint16_t)(n * 31337u),
                     (uint16_t)(n * 7919u));
        ch_open(&l, &k, NM_T0 + (uint64_t)(n - 1) * 60 * CH_US, rtt, fr);
        uint64_t t = data0 + (uint64_t)(n - 1) * 10 * CH_US;
        for (uint32_t off = 0; off < NM_HOLD_BYTES; off += CH_MSS, t += 2 * CH_US) {
            uint32_t len = NM_HOLD_BYTES - off < CH_MSS ? NM_HOLD_BYTES - off : CH_MSS;
            int last = off + len == NM_HOLD_BYTES;
            gt_fill(data, len, NM_STREAM0 + n, off);
            ch_seg(&l, t, &k.c2h, k.c_isn + 1 + off, k.h_isn + 1,
                   (uint8_t)(PKT_TCP_ACK | (last ? PKT_TCP_PSH : 0)), data, len, fr);
            if (last)
                ch_seg(&l, t + 5 * CH_US, &k.h2c, k.h_isn + 1, k.c_isn + 1 + NM_HOLD_BYTES, PKT_TCP_ACK,
                       NULL, 0, fr);
        }
    }
    /* the bulk clients, 2 ms after the sessions' data: round robin, one segment each 12 us */
    uint64_t t0 = data0 + (uint64_t)NM_HOLDERS * 10 * CH_US + 2000 * CH_US;
    ch_conn b[NM_BULK];
    for (uint32_t i = 0; i < NM_BULK; i++) {
        ch_conn_init(&b[i], 9, (int)(1 + i), (uint16_t)(45001 + i), 445, 0x3c6ef372u * (i + 1),
                     0xa54ff53au * (i + 1), (uint16_t)(0x5000 + i), (uint16_t)(0xa000 + i));
        ch_open(&l, &b[i], t0 + (uint64_t)i * 20 * CH_US, rtt, fr);
    }
    ch_bulk(&l, b, NM_BULK, NM_BULK_BYTES, NM_STREAM0 + 1001, t0 + 400 * CH_US, 12 * CH_US, data, fr);
    if (l.failed)
        goto out;
    rc = gt_write_pcap(path, &l, GT_DLT_EN10MB, 262144);
out:
    if (l.failed)
        fprintf(stderr, "gentrace: out of memory\n");
    gt_free(&l);
    free(fr);
    free(data);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: gentrace OUTDIR\n"
                        "writes OUTDIR/quickstart.pcap, OUTDIR/mixed-v6.pcapng, OUTDIR/sll-gro.pcap,\n"
                        "OUTDIR/chimney-bulk.pcap, OUTDIR/chimney-chatty.pcap, OUTDIR/netdma-mix.pcap\n");
        return 2;
    }
    char path[4096];
    int rc = 0;
    snprintf(path, sizeof path, "%s/quickstart.pcap", argv[1]);
    if (gen_quickstart(path) < 0)
        rc = 1;
    snprintf(path, sizeof path, "%s/mixed-v6.pcapng", argv[1]);
    if (gen_mixed(path) < 0)
        rc = 1;
    snprintf(path, sizeof path, "%s/sll-gro.pcap", argv[1]);
    if (gen_sll_gro(path) < 0)
        rc = 1;
    snprintf(path, sizeof path, "%s/chimney-bulk.pcap", argv[1]);
    if (gen_chimney_bulk(path) < 0)
        rc = 1;
    snprintf(path, sizeof path, "%s/chimney-chatty.pcap", argv[1]);
    if (gen_chimney_chatty(path) < 0)
        rc = 1;
    snprintf(path, sizeof path, "%s/netdma-mix.pcap", argv[1]);
    if (gen_netdma_mix(path) < 0)
        rc = 1;
    return rc;
}
