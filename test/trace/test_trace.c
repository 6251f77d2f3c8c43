/* Check suite for the capture reader (model/trace.c). Small captures of each link type are
 * written with libpcap at test time; malformed inputs are made in a temporary directory;
 * the shipped traces (traces/) are read and verified against what gentrace put in them. */
#define _DEFAULT_SOURCE /* mkdtemp, BSD types for pcap.h */
#include "pkt.h"
#include "trace.h"

#include <check.h>
#include <dirent.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef NICSIM_TRACES_DIR
#error "NICSIM_TRACES_DIR must name the traces/ folder"
#endif
#define QUICKSTART NICSIM_TRACES_DIR "/quickstart.pcap"
#define MIXED NICSIM_TRACES_DIR "/mixed-v6.pcapng"
#define SLLGRO NICSIM_TRACES_DIR "/sll-gro.pcap"
#define CHIMNEY_BULK NICSIM_TRACES_DIR "/chimney-bulk.pcap"
#define CHIMNEY_CHATTY NICSIM_TRACES_DIR "/chimney-chatty.pcap"

static const uint8_t mac_local[6] = TR_MAC_LOCAL_INIT;
static const uint8_t mac_remote[6] = TR_MAC_REMOTE_INIT;

/* ---- temp dirs and files ----------------------------------------------------------- */

typedef struct tmpdir {
    char path[512];
} tmpdir;

static void tmp_make(tmpdir *d)
{
    const char *base = getenv("TMPDIR");
    snprintf(d->path, sizeof d->path, "%s/trtest.XXXXXX", base && *base ? base : "/tmp");
    ck_assert_msg(mkdtemp(d->path) != NULL, "mkdtemp %s failed", d->path);
}

static void tmp_file(const tmpdir *d, const char *name, char *out, size_t outlen)
{
    snprintf(out, outlen, "%s/%s", d->path, name);
}

static void tmp_remove(tmpdir *d)
{
    DIR *dir = opendir(d->path);
    if (!dir)
        return;
    struct dirent *e;
    char p[1024];
    while ((e = readdir(dir)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        snprintf(p, sizeof p, "%s/%s", d->path, e->d_name);
        if (rmdir(p) != 0)
            unlink(p);
    }
    closedir(dir);
    rmdir(d->path);
}

static void write_bytes(const char *path, const void *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(fwrite(data, 1, len, f), len);
    ck_assert_int_eq(fclose(f), 0);
}

static uint8_t *read_bytes(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    ck_assert_msg(f != NULL, "cannot open %s", path);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *b = malloc((size_t)n + 1);
    ck_assert_ptr_nonnull(b);
    ck_assert_uint_eq(fread(b, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    *len = (size_t)n;
    return b;
}

/* One record for write_capture(). */
typedef struct rec {
    const uint8_t *data;
    uint32_t caplen, len;
    uint64_t ts_ns;
} rec;

/* A capture of link type dlt written by libpcap itself. */
static void write_capture(const char *path, int dlt, int nano, const rec *r, size_t n)
{
    pcap_t *p = pcap_open_dead_with_tstamp_precision(
        dlt, 262144, nano ? PCAP_TSTAMP_PRECISION_NANO : PCAP_TSTAMP_PRECISION_MICRO);
    ck_assert_ptr_nonnull(p);
    pcap_dumper_t *d = pcap_dump_open(p, path);
    ck_assert_msg(d != NULL, "pcap_dump_open: %s", pcap_geterr(p));
    for (size_t i = 0; i < n; i++) {
        struct pcap_pkthdr h;
        memset(&h, 0, sizeof h);
        h.ts.tv_sec = (time_t)(r[i].ts_ns / 1000000000u);
        h.ts.tv_usec = (suseconds_t)(nano ? r[i].ts_ns % 1000000000u
                                          : r[i].ts_ns % 1000000000u / 1000u);
        h.caplen = r[i].caplen;
        h.len = r[i].len;
        pcap_dump((u_char *)d, &h, r[i].data);
    }
    pcap_dump_close(d);
    pcap_close(p);
}

static void write_one(const char *path, int dlt, const uint8_t *data, uint32_t len)
{
    rec r = { data, len, len, 1000000000u };
    write_capture(path, dlt, 0, &r, 1);
}

/* ---- reading everything ------------------------------------------------------------ */

typedef struct fcopy {
    uint64_t no, ts;
    uint32_t len;
    int unv;
    uint8_t *d;
} fcopy;

typedef struct fset {
    fcopy *v;
    size_t n;
    int rc;       /* open error, or the final tr_next result (0 = clean end) */
    tr_stats st;
    int dlt;
    char err[512];
} fset;

static void fset_read(fset *s, tr_trace *t)
{
    tr_frame f;
    int r;
    size_t cap = s->n;
    while ((r = tr_next(t, &f, s->err, sizeof s->err)) == 1) {
        if (s->n == cap) {
            cap = cap ? cap * 2 : 64;
            s->v = realloc(s->v, cap * sizeof *s->v);
            ck_assert_ptr_nonnull(s->v);
        }
        fcopy *c = &s->v[s->n++];
        c->no = f.frame_no;
        c->ts = f.ts_ns;
        c->len = f.len;
        c->unv = f.unverifiable;
        c->d = malloc(f.len ? f.len : 1);
        ck_assert_ptr_nonnull(c->d);
        memcpy(c->d, f.data, f.len);
    }
    s->rc = r;
    s->st = *tr_get_stats(t);
}

static fset read_all_fix(const char *path, uint32_t mtu, int reseg, int fix)
{
    fset s;
    memset(&s, 0, sizeof s);
    tr_options o = { mtu, reseg, fix, NULL };
    tr_trace *t = NULL;
    s.rc = tr_open(&t, path, &o, s.err, sizeof s.err);
    if (s.rc < 0) {
        ck_assert_ptr_null(t);
        return s;
    }
    s.dlt = tr_linktype(t);
    fset_read(&s, t);
    tr_close(t);
    return s;
}

static fset read_all(const char *path, uint32_t mtu, int reseg)
{
    return read_all_fix(path, mtu, reseg, 0);
}

static void fset_free(fset *s)
{
    for (size_t i = 0; i < s->n; i++)
        free(s->v[i].d);
    free(s->v);
    memset(s, 0, sizeof *s);
}

/* ---- packet checks ----------------------------------------------------------------- */

typedef struct pinfo {
    size_t l2;
    int v6;
    uint8_t proto;     /* upper-layer protocol after extension headers */
    size_t l3;         /* IP header + extension headers */
    size_t ip_len;     /* whole IP packet */
    int fragment;
    const uint8_t *ip, *l4;
    size_t l4_len;
} pinfo;

/* Parses Ethernet (+VLANs) / IPv4 / IPv6 (+ext headers). 0 if not IP. */
static int parse(const uint8_t *f, size_t len, pinfo *p)
{
    memset(p, 0, sizeof *p);
    size_t off = 12;
    uint16_t et = pkt_get16(f + off);
    while (pkt_is_vlan_tpid(et)) {
        off += 4;
        et = pkt_get16(f + off);
    }
    p->l2 = off + 2;
    p->ip = f + p->l2;
    if (et == PKT_ETHERTYPE_IPV4) {
        p->l3 = (size_t)(p->ip[0] & 15) * 4;
        p->ip_len = pkt_get16(p->ip + 2);
        p->proto = p->ip[9];
        p->fragment = (pkt_get16(p->ip + 6) & 0x3fff) != 0;
    } else if (et == PKT_ETHERTYPE_IPV6) {
        p->v6 = 1;
        p->ip_len = 40u + pkt_get16(p->ip + 4);
        uint8_t nh = p->ip[6];
        size_t o = 40;
        while (nh == 0 || nh == 43 || nh == 60 || nh == 44) {
            if (nh == 44) {
                p->fragment = 1;
                nh = p->ip[o];
                o += 8;
                continue;
            }
            uint8_t next = p->ip[o];
            o += ((size_t)p->ip[o + 1] + 1) * 8;
            nh = next;
        }
        p->l3 = o;
        p->proto = nh;
    } else {
        return 0;
    }
    ck_assert_uint_le(p->l2 + p->ip_len, len);
    p->l4 = p->ip + p->l3;
    p->l4_len = p->ip_len - p->l3;
    return 1;
}

static int ipv4_csum_ok(const pinfo *p)
{
    return p->v6 || pkt_csum_fold(pkt_csum_add(0, p->ip, p->l3)) == 0xffff;
}

/* TCP/UDP/ICMPv6 checksum including the pseudo-header (ICMPv4 without). */
static int l4_csum_ok(const pinfo *p)
{
    uint32_t sum = 0;
    if (p->proto != 1)
        sum = p->v6 ? pkt_csum_pseudo(p->ip + 8, p->ip + 24, 16, p->proto, (uint32_t)p->l4_len)
                    : pkt_csum_pseudo(p->ip + 12, p->ip + 16, 4, p->proto, (uint32_t)p->l4_len);
    return pkt_csum_fold(pkt_csum_add(sum, p->l4, p->l4_len)) == 0xffff;
}

/* Same formula as traces/gen/gentrace.c (documented in traces/README.md). */
static uint8_t stream_byte(uint32_t stream, uint64_t off)
{
    uint64_t x = ((uint64_t)stream << 48) ^ off;
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdull;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ull;
    x ^= x >> 33;
    return (uint8_t)x;
}

static pkt_spec spec_v4_tcp(void)
{
    pkt_spec s;
    memset(&s, 0, sizeof s);
    s.src[0] = 10; s.src[3] = 1;
    s.dst[0] = 10; s.dst[3] = 2;
    s.proto = PKT_IPPROTO_TCP;
    s.sport = 1234;
    s.dport = 80;
    s.seq = 100;
    s.ack = 200;
    s.tcp_flags = 0x10;
    s.window = 1000;
    memcpy(s.src_mac, mac_remote, 6);
    memcpy(s.dst_mac, mac_local, 6);
    s.ip_id = 7;
    return s;
}

static size_t build(const pkt_spec *s, size_t plen, uint8_t *out, size_t cap)
{
    uint8_t *pl = malloc(plen + 1);
    ck_assert_ptr_nonnull(pl);
    for (size_t i = 0; i < plen; i++)
        pl[i] = (uint8_t)(i * 7 + 3);
    int n = pkt_build(s, pl, plen, out, cap);
    free(pl);
    ck_assert_int_gt(n, 0);
    return (size_t)n;
}

/* Unpadded length of a built frame. */
static size_t unpadded(const uint8_t *f, size_t len)
{
    pinfo p;
    ck_assert(parse(f, len, &p));
    return p.l2 + p.ip_len;
}

/* ---- link types -------------------------------------------------------------------- */

START_TEST(test_en10mb_as_is)
{
    tmpdir d;
    tmp_make(&d);
    char path[600];
    tmp_file(&d, "en.pcap", path, sizeof path);
    uint8_t fr[2048], tiny[10] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 };
    pkt_spec s = spec_v4_tcp();
    s.vlan = 1;
    s.vlan_tci = 42;
    size_t n = build(&s, 100, fr, sizeof fr);
    rec r[3] = { { fr, (uint32_t)n, (uint32_t)n, 1000 }, { tiny, 10, 10, 2000 },
                 { fr, 60, 60, 3000 } };
    write_capture(path, DLT_EN10MB, 0, r, 3);

    fset s1 = read_all(path, 0, 0);
    ck_assert_int_eq(s1.rc, 0);
    ck_assert_int_eq(s1.dlt, DLT_EN10MB);
    ck_assert_uint_eq(s1.n, 2);
    ck_assert_uint_eq(s1.v[0].len, n);
    ck_assert_mem_eq(s1.v[0].d, fr, n);
    ck_assert_uint_eq(s1.v[0].no, 1);
    ck_assert_uint_eq(s1.v[1].no, 3);
    ck_assert_uint_eq(s1.v[1].len, 60); /* short record passes unchanged */
    ck_assert_uint_eq(s1.st.records, 3);
    ck_assert_uint_eq(s1.st.frames, 2);
    ck_assert_uint_eq(s1.st.unsupported, 1); /* 10 bytes: no Ethernet header */
    fset_free(&s1);
    tmp_remove(&d);
}
END_TEST

/* Payload used for the cooked / raw / loopback cases: a UDP/IPv4 packet and a TCP/IPv6 one. */
static size_t ip_packet(int v6, uint8_t *out, size_t cap)
{
    uint8_t fr[2048];
    pkt_spec s = spec_v4_tcp();
    s.ipv6 = v6;
    if (!v6) {
        s.proto = PKT_IPPROTO_UDP;
        s.dst[0] = 224; s.dst[1] = 1; s.dst[2] = 130; s.dst[3] = 7; /* multicast */
    } else {
        s.dst[0] = 0xff; s.dst[1] = 0x02; s.dst[12] = 0xab; s.dst[13] = 0xcd; s.dst[14] = 0x12;
        s.dst[15] = 0x34;
    }
    size_t n = build(&s, 30, fr, sizeof fr);
    n = unpadded(fr, n) - 14;
    ck_assert_uint_le(n, cap);
    memcpy(out, fr + 14, n);
    return n;
}

static void expect_eth(const fcopy *c, const uint8_t *dst, const uint8_t *src, uint16_t et,
                       const uint8_t *pkt, size_t plen)
{
    ck_assert_uint_eq(c->len, 14 + plen);
    ck_assert_mem_eq(c->d, dst, 6);
    ck_assert_mem_eq(c->d + 6, src, 6);
    ck_assert_uint_eq(pkt_get16(c->d + 12), et);
    ck_assert_mem_eq(c->d + 14, pkt, plen);
}

static size_t sll1(uint8_t *out, uint16_t pkttype, uint16_t halen, const uint8_t *addr,
                   uint16_t proto, const uint8_t *pkt, size_t plen)
{
    memset(out, 0, 16);
    pkt_put16(out, pkttype);
    pkt_put16(out + 2, 1);
    pkt_put16(out + 4, halen);
    if (halen)
        memcpy(out + 6, addr, halen > 8 ? 8 : halen);
    pkt_put16(out + 14, proto);
    memcpy(out + 16, pkt, plen);
    return 16 + plen;
}

START_TEST(test_linux_sll)
{
    tmpdir d;
    tmp_make(&d);
    char path[600];
    tmp_file(&d, "sll.pcap", path, sizeof path);
    uint8_t v4[2048], v6[2048], r[8][2100];
    size_t n4 = ip_packet(0, v4, sizeof v4), n6 = ip_packet(1, v6, sizeof v6);
    const uint8_t peer[6] = { 0x00, 0x11, 0x22, 0x33, 0x44, 0x55 };
    const uint8_t me[6] = { 0x00, 0xaa, 0xbb, 0xcc, 0xdd, 0xee };
    const uint8_t bc[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
    const uint8_t ipoib[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
    size_t len[8];
    len[0] = sll1(r[0], 0, 6, peer, 0x0800, v4, n4);   /* to us */
    len[1] = sll1(r[1], 4, 6, me, 0x86dd, v6, n6);     /* outgoing */
    len[2] = sll1(r[2], 0, 8, ipoib, 0x0800, v4, n4);  /* 8-byte address: synthetic MAC */
    len[3] = sll1(r[3], 1, 6, peer, 0x0800, v4, n4);   /* broadcast */
    len[4] = sll1(r[4], 2, 6, peer, 0x0800, v4, n4);   /* multicast IPv4 */
    len[5] = sll1(r[5], 2, 6, peer, 0x86dd, v6, n6);   /* multicast IPv6 */
    len[6] = sll1(r[6], 0, 6, peer, 0x0004, v4, n4);   /* 802.2 LLC: unsupported */
    len[7] = 12;                                       /* shorter than the header */
    rec rr[8];
    for (int i = 0; i < 8; i++)
        rr[i] = (rec){ r[i], (uint32_t)len[i], (uint32_t)len[i], 1000u * (uint64_t)i };
    write_capture(path, DLT_LINUX_SLL, 0, rr, 8);

    fset s = read_all(path, 0, 0);
    ck_assert_int_eq(s.rc, 0);
    ck_assert_int_eq(s.dlt, DLT_LINUX_SLL);
    ck_assert_uint_eq(s.n, 6);
    ck_assert_uint_eq(s.st.unsupported, 2);
    expect_eth(&s.v[0], mac_local, peer, 0x0800, v4, n4);
    expect_eth(&s.v[1], mac_remote, me, 0x86dd, v6, n6);
    expect_eth(&s.v[2], mac_local, mac_remote, 0x0800, v4, n4);
    expect_eth(&s.v[3], bc, peer, 0x0800, v4, n4);
    const uint8_t m4[6] = { 0x01, 0x00, 0x5e, 0x01, 130, 7 };
    expect_eth(&s.v[4], m4, peer, 0x0800, v4, n4);
    const uint8_t m6[6] = { 0x33, 0x33, 0xab, 0xcd, 0x12, 0x34 };
    expect_eth(&s.v[5], m6, peer, 0x86dd, v6, n6);
    fset_free(&s);
    tmp_remove(&d);
}
END_TEST

START_TEST(test_linux_sll2)
{
    tmpdir d;
    tmp_make(&d);
    char path[600];
    tmp_file(&d, "sll2.pcap", path, sizeof path);
    uint8_t v4[2048], r[3][2100];
    size_t n4 = ip_packet(0, v4, sizeof v4);
    const uint8_t peer[6] = { 0x00, 0x11, 0x22, 0x33, 0x44, 0x55 };
    for (int i = 0; i < 3; i++) {
        memset(r[i], 0, 20);
        pkt_put16(r[i], i == 2 ? 0x0001 : 0x0800); /* protocol */
        pkt_put32(r[i] + 4, 3);                     /* ifindex */
        pkt_put16(r[i] + 8, 1);                     /* ARPHRD_ETHER */
        r[i][10] = i == 1 ? 4 : 0;                 /* packet type */
        r[i][11] = 6;
        memcpy(r[i] + 12, peer, 6);
        memcpy(r[i] + 20, v4, n4);
    }
    rec rr[3];
    for (int i = 0; i < 3; i++)
        rr[i] = (rec){ r[i], (uint32_t)(20 + n4), (uint32_t)(20 + n4), 5000 };
    write_capture(path, DLT_LINUX_SLL2, 0, rr, 3);
    fset s = read_all(path, 0, 0);
    ck_assert_int_eq(s.rc, 0);
    ck_assert_int_eq(s.dlt, DLT_LINUX_SLL2);
    ck_assert_uint_eq(s.n, 2);
    expect_eth(&s.v[0], mac_local, peer, 0x0800, v4, n4);
    expect_eth(&s.v[1], mac_remote, peer, 0x0800, v4, n4);
    ck_assert_uint_eq(s.st.unsupported, 1);
    fset_free(&s);
    tmp_remove(&d);
}
END_TEST

/* Raw IP link types: the version nibble picks the ethertype. */
static const int raw_dlts[] = { DLT_RAW, DLT_IPV4, DLT_IPV6 };

START_TEST(test_raw_ip)
{
    int dlt = raw_dlts[_i];
    tmpdir d;
    tmp_make(&d);
    char path[600];
    tmp_file(&d, "raw.pcap", path, sizeof path);
    uint8_t v4[2048], v6[2048], junk[20];
    size_t n4 = ip_packet(0, v4, sizeof v4), n6 = ip_packet(1, v6, sizeof v6);
    memset(junk, 0x55, sizeof junk); /* version 5 */
    rec rr[3] = { { v4, (uint32_t)n4, (uint32_t)n4, 1 }, { v6, (uint32_t)n6, (uint32_t)n6, 2 },
                  { junk, 20, 20, 3 } };
    write_capture(path, dlt, 0, rr, 3);
    fset s = read_all(path, 0, 0);
    ck_assert_int_eq(s.rc, 0);
    ck_assert_int_eq(s.dlt, dlt); /* LINKTYPE_RAW (101) in the file reads back as DLT_RAW */
    ck_assert_uint_eq(s.n, 2);
    expect_eth(&s.v[0], mac_local, mac_remote, 0x0800, v4, n4);
    expect_eth(&s.v[1], mac_local, mac_remote, 0x86dd, v6, n6);
    ck_assert_uint_eq(s.st.unsupported, 1);
    fset_free(&s);
    tmp_remove(&d);
}
END_TEST

/* LINKTYPE_RAW written by hand (libpcap maps it to DLT_RAW on reading). */
START_TEST(test_linktype_raw_101)
{
    tmpdir d;
    tmp_make(&d);
    char path[600];
    tmp_file(&d, "raw101.pcap", path, sizeof path);
    uint8_t v6[2048], file[4096];
    size_t n6 = ip_packet(1, v6, sizeof v6);
    uint8_t hdr[24] = { 0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                        0xff, 0xff, 0, 0, 101, 0, 0, 0 };
    uint8_t rh[16] = { 1, 0, 0, 0, 0, 0, 0, 0, (uint8_t)n6, 0, 0, 0, (uint8_t)n6, 0, 0, 0 };
    memcpy(file, hdr, 24);
    memcpy(file + 24, rh, 16);
    memcpy(file + 40, v6, n6);
    write_bytes(path, file, 40 + n6);
    fset s = read_all(path, 0, 0);
    ck_assert_int_eq(s.rc, 0);
    ck_assert_uint_eq(s.n, 1);
    expect_eth(&s.v[0], mac_local, mac_remote, 0x86dd, v6, n6);
    fset_free(&s);
    tmp_remove(&d);
}
END_TEST

/* DLT_NULL / DLT_LOOP: 4-byte family in either byte order; AF_INET6 has several values. */
static const int loop_dlts[] = { DLT_NULL, DLT_LOOP };

START_TEST(test_null_loop)
{
    int dlt = loop_dlts[_i];
    tmpdir d;
    tmp_make(&d);
    char path[600];
    tmp_file(&d, "null.pcap", path, sizeof path);
    uint8_t v4[2048], v6[2048];
    size_t n4 = ip_packet(0, v4, sizeof v4), n6 = ip_packet(1, v6, sizeof v6);
    static const uint32_t fams[] = { 2, 10, 24, 28, 30, 2, 30, 99 };
    enum { N = 8 };
    uint8_t r[N][2100];
    rec rr[N];
    for (int i = 0; i < N; i++) {
        uint32_t fam = fams[i];
        int big = i >= 5; /* the last three in network byte order */
        if (big) {
            pkt_put32(r[i], fam);
        } else {
            r[i][0] = (uint8_t)fam; r[i][1] = 0; r[i][2] = 0; r[i][3] = 0;
        }
        const uint8_t *pkt = fam == 2 ? v4 : v6;
        size_t plen = fam == 2 ? n4 : n6;
        memcpy(r[i] + 4, pkt, plen);
        rr[i] = (rec){ r[i], (uint32_t)(4 + plen), (uint32_t)(4 + plen), 1000u * (uint64_t)i };
    }
    write_capture(path, dlt, 0, rr, N);
    fset s = read_all(path, 0, 0);
    ck_assert_int_eq(s.rc, 0);
    ck_assert_int_eq(s.dlt, dlt);
    ck_assert_uint_eq(s.n, N - 1);
    for (int i = 0; i < N - 1; i++) {
        int v = fams[i] == 2 ? 4 : 6;
        expect_eth(&s.v[i], mac_local, mac_remote, v == 4 ? 0x0800 : 0x86dd, v == 4 ? v4 : v6,
                   v == 4 ? n4 : n6);
    }
    ck_assert_uint_eq(s.st.unsupported, 1); /* family 99 */
    fset_free(&s);
    tmp_remove(&d);
}
END_TEST

START_TEST(test_linktype_names)
{
    static const struct {
        int dlt;
        const char *name;
    } cases[] = { { DLT_EN10MB, "EN10MB" },     { DLT_LINUX_SLL, "LINUX_SLL" },
                  { DLT_LINUX_SLL2, "LINUX_SLL2" }, { DLT_RAW, "RAW" },
                  { DLT_NULL, "NULL" },         { DLT_LOOP, "LOOP" },
                  { DLT_IPV4, "IPV4" },         { DLT_IPV6, "IPV6" } };
    tmpdir d;
    tmp_make(&d);
    char path[600], err[256];
    tmp_file(&d, "n.pcap", path, sizeof path);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        write_capture(path, cases[i].dlt, 0, NULL, 0);
        tr_trace *t = NULL;
        ck_assert_int_eq(tr_open(&t, path, NULL, err, sizeof err), 0);
        ck_assert_int_eq(tr_linktype(t), cases[i].dlt);
        ck_assert_str_eq(tr_linktype_name(t), cases[i].name);
        ck_assert_str_eq(tr_path(t), path);
        tr_frame f;
        ck_assert_int_eq(tr_next(t, &f, err, sizeof err), 0); /* no records */
        ck_assert_int_eq(tr_next(t, &f, err, sizeof err), 0); /* still the end */
        tr_close(t);
    }
    tmp_remove(&d);
}
END_TEST

/* ---- timestamps -------------------------------------------------------------------- */

START_TEST(test_timestamps_us_ns)
{
    tmpdir d;
    tmp_make(&d);
    char pu[600], pn[600];
    tmp_file(&d, "us.pcap", pu, sizeof pu);
    tmp_file(&d, "ns.pcap", pn, sizeof pn);
    uint8_t fr[128];
    pkt_spec s = spec_v4_tcp();
    size_t n = build(&s, 0, fr, sizeof fr);
    const uint64_t ts = 1700000000ull * 1000000000u + 123456789u;
    rec r = { fr, (uint32_t)n, (uint32_t)n, ts };
    write_capture(pu, DLT_EN10MB, 0, &r, 1);
    write_capture(pn, DLT_EN10MB, 1, &r, 1);
    fset a = read_all(pu, 0, 0), b = read_all(pn, 0, 0);
    ck_assert_uint_eq(a.n, 1);
    ck_assert_uint_eq(b.n, 1);
    ck_assert_uint_eq(a.v[0].ts, ts - 789); /* microsecond file: ns = us * 1000 */
    ck_assert_uint_eq(b.v[0].ts, ts);
    fset_free(&a);
    fset_free(&b);
    tmp_remove(&d);
}
END_TEST

/* ---- shipped traces ---------------------------------------------------------------- */

START_TEST(test_pcapng_mixed)
{
    fset s = read_all(MIXED, 0, 1);
    ck_assert_msg(s.rc == 0, "%s", s.err);
    ck_assert_int_eq(s.dlt, DLT_EN10MB);
    ck_assert_uint_eq(s.n, 25);
    ck_assert_uint_eq(s.st.records, 25);
    ck_assert_uint_eq(s.st.oversize_dropped + s.st.unsupported + s.st.truncated, 0);
    int bad_ip = 0, bad_l4 = 0, v6 = 0, vlan = 0, ext = 0, frags = 0, icmp = 0, nonip = 0,
        v4opt = 0, sub_us = 0;
    for (size_t i = 0; i < s.n; i++) {
        const fcopy *c = &s.v[i];
        ck_assert_uint_eq(c->no, i + 1);
        ck_assert_int_eq(c->unv, 0);
        if (i > 0)
            ck_assert_uint_gt(c->ts, s.v[i - 1].ts);
        if (c->ts % 1000 != 0)
            sub_us++;
        if (pkt_is_vlan_tpid(pkt_get16(c->d + 12)))
            vlan++;
        pinfo p;
        if (!parse(c->d, c->len, &p)) {
            nonip++;
            continue;
        }
        v6 += p.v6;
        if (p.v6 && p.l3 > 40)
            ext++;
        if (!p.v6 && p.l3 > 20)
            v4opt++;
        if (p.proto == 1 || p.proto == 58)
            icmp++;
        if (!ipv4_csum_ok(&p)) {
            bad_ip++;
            ck_assert_uint_eq(c->no, 21);
        }
        if (p.fragment) {
            frags++;
            continue;
        }
        if (!l4_csum_ok(&p)) {
            bad_l4++;
            ck_assert_uint_eq(c->no, 22);
        }
    }
    ck_assert_int_eq(bad_ip, 1);
    ck_assert_int_eq(bad_l4, 1);
    ck_assert_int_eq(nonip, 1);
    ck_assert_int_eq(vlan, 4);
    ck_assert_int_eq(v6, 10);
    ck_assert_int_eq(ext, 6); /* HBH, routing, dest opts, HBH+dest, 2 fragments */
    ck_assert_int_eq(v4opt, 2);
    ck_assert_int_eq(frags, 4);
    ck_assert_int_eq(icmp, 2);
    ck_assert_int_gt(sub_us, 20); /* nanosecond timestamps survive */
    fset_free(&s);
}
END_TEST

START_TEST(test_quickstart)
{
    fset s = read_all(QUICKSTART, 0, 1);
    ck_assert_msg(s.rc == 0, "%s", s.err);
    ck_assert_uint_eq(s.n, 266);
    ck_assert_uint_eq(s.st.frames, 266);
    ck_assert_uint_eq(s.st.truncated + s.st.oversize_dropped + s.st.unsupported, 0);
    size_t bytes[5] = { 0 };
    uint32_t isn[5] = { 0 };
    int syn = 0, fin = 0, udp = 0, arp = 0;
    for (size_t i = 0; i < s.n; i++) {
        const fcopy *c = &s.v[i];
        ck_assert_uint_eq(c->ts % 1000, 0);
        pinfo p;
        if (!parse(c->d, c->len, &p)) {
            arp += pkt_get16(c->d + 12) == PKT_ETHERTYPE_ARP;
            continue;
        }
        ck_assert(ipv4_csum_ok(&p));
        ck_assert_msg(l4_csum_ok(&p), "frame %zu", i + 1);
        if (p.proto == PKT_IPPROTO_UDP) {
            udp++;
            continue;
        }
        ck_assert_uint_eq(p.proto, PKT_IPPROTO_TCP);
        const uint8_t *th = p.l4;
        size_t thl = (size_t)(th[12] >> 4) * 4;
        uint16_t sport = pkt_get16(th), dport = pkt_get16(th + 2);
        if (dport != 5001)
            continue; /* host -> client */
        ck_assert_uint_eq(pkt_get32(p.ip + 16), 0x0a000002u); /* host 10.0.0.2 */
        ck_assert_msg(sport >= 49155 && (sport - 49155) % 7 == 0, "sport %u", sport);
        int k = (sport - 49155) / 7 + 1; /* client k uses port 49155 + 7(k-1) */
        ck_assert(k >= 1 && k <= 4);
        ck_assert_uint_eq(pkt_get32(p.ip + 12), 0x0a000100u + (uint32_t)k);
        if (th[13] & 0x02) {
            syn++;
            isn[k] = pkt_get32(th + 4);
        }
        fin += (th[13] & 0x01) != 0;
        size_t plen = p.l4_len - thl;
        if (plen) {
            uint32_t off = pkt_get32(th + 4) - isn[k] - 1;
            ck_assert_uint_eq(off, bytes[k]); /* in order, no gaps */
            for (size_t j = 0; j < plen; j++)
                ck_assert_uint_eq(th[thl + j], stream_byte((uint32_t)k, off + j));
            bytes[k] += plen;
        }
    }
    ck_assert_int_eq(syn, 4);
    ck_assert_int_eq(fin, 4);
    ck_assert_int_eq(udp, 2);
    ck_assert_int_eq(arp, 2);
    for (int k = 1; k <= 4; k++)
        ck_assert_uint_eq(bytes[k], (size_t)(36 + k) * 1448 + 300 + 200 * (size_t)k);
    fset_free(&s);
}
END_TEST

/* chimney-bulk.pcap: 4 connections x 1,000,000 bytes in 1460-byte segments into
 * 10.0.0.2:445 (traces/README.md). */
START_TEST(test_chimney_bulk)
{
    fset s = read_all(CHIMNEY_BULK, 0, 1);
    ck_assert_msg(s.rc == 0, "%s", s.err);
    ck_assert_uint_eq(s.n, 4136);
    ck_assert_uint_eq(s.st.frames, 4136);
    ck_assert_uint_eq(s.st.truncated + s.st.oversize_dropped + s.st.unsupported, 0);
    uint32_t c_isn[5] = { 0 }, h_isn[5] = { 0 };
    size_t bytes[5] = { 0 }, segs[5] = { 0 }, psh[5] = { 0 }, acks[5] = { 0 };
    uint32_t last_ack[5] = { 0 };
    int c_syn = 0, h_syn = 0, c_fin = 0, h_fin = 0, wrapped = 0;
    uint64_t prev_data_ts = 0, first_ts = s.v[0].ts;
    for (size_t i = 0; i < s.n; i++) {
        const fcopy *c = &s.v[i];
        ck_assert_uint_eq(c->ts % 1000, 0);
        if (i)
            ck_assert_uint_ge(c->ts, s.v[i - 1].ts);
        pinfo p;
        ck_assert(parse(c->d, c->len, &p));
        ck_assert(!p.v6 && p.proto == PKT_IPPROTO_TCP);
        ck_assert(ipv4_csum_ok(&p));
        ck_assert_msg(l4_csum_ok(&p), "frame %zu", i + 1);
        const uint8_t *th = p.l4;
        size_t thl = (size_t)(th[12] >> 4) * 4;
        uint8_t fl = th[13];
        size_t plen = p.l4_len - thl;
        int from_host = pkt_get32(p.ip + 12) == 0x0a000002u;
        uint32_t peer = pkt_get32(p.ip + (from_host ? 16 : 12));
        uint16_t cport = pkt_get16(th + (from_host ? 2 : 0));
        ck_assert_uint_eq(pkt_get16(th + (from_host ? 0 : 2)), 445);
        int k = (int)(cport - 40000);
        ck_assert(k >= 1 && k <= 4);
        ck_assert_uint_eq(peer, 0x0a000100u + (uint32_t)k);
        if (fl & PKT_TCP_SYN) {
            /* MSS 1460 and nothing else */
            ck_assert_uint_eq(thl, 24);
            ck_assert_uint_eq(pkt_get32(th + 20), 0x020405b4u);
        } else {
            ck_assert_uint_eq(thl, 20);
        }
        if (from_host) {
            ck_assert_uint_eq(plen, 0);
            if (fl & PKT_TCP_SYN) {
                h_syn++;
                h_isn[k] = pkt_get32(th + 4);
                ck_assert_uint_eq(pkt_get32(th + 8), c_isn[k] + 1);
            } else if (fl & PKT_TCP_FIN) {
                h_fin++;
                ck_assert_uint_eq(pkt_get32(th + 4), h_isn[k] + 1);
                ck_assert_uint_eq(pkt_get32(th + 8), c_isn[k] + 1000002u);
            } else {
                /* ACK of every second segment and of the last one */
                uint32_t a = pkt_get32(th + 8) - c_isn[k] - 1;
                ck_assert_uint_eq(a, bytes[k]);
                ck_assert(segs[k] % 2 == 0 || a == 1000000u);
                ck_assert_uint_gt(a, last_ack[k]);
                last_ack[k] = a;
                acks[k]++;
            }
            continue;
        }
        if (fl & PKT_TCP_SYN) {
            c_syn++;
            c_isn[k] = pkt_get32(th + 4);
            continue;
        }
        if (fl & PKT_TCP_FIN) {
            c_fin++;
            ck_assert_uint_eq(bytes[k], 1000000u);
            ck_assert_uint_eq(pkt_get32(th + 4) - c_isn[k] - 1, 1000000u);
            continue;
        }
        if (!plen)
            continue;
        ck_assert_uint_eq(pkt_get32(th + 8), h_isn[k] + 1);
        uint32_t off = pkt_get32(th + 4) - c_isn[k] - 1;
        ck_assert_uint_eq(off, bytes[k]); /* in order, no gaps */
        wrapped += pkt_get32(th + 4) + (uint32_t)plen < pkt_get32(th + 4);
        ck_assert_uint_eq(plen, bytes[k] + 1460 <= 1000000u ? 1460 : 1000000u - bytes[k]);
        ck_assert_uint_eq(c->len, 54 + plen);
        int pl_ok = 1;
        for (size_t j = 0; j < plen; j++)
            pl_ok &= th[thl + j] == stream_byte(300u + (uint32_t)k, off + j);
        ck_assert_msg(pl_ok, "frame %zu: payload", i + 1);
        /* PSH exactly on the segments holding byte 65536 m - 1, and on the last one */
        int want_psh = off + plen == 1000000u;
        for (uint32_t b = 65535; b < 1000000u; b += 65536)
            want_psh |= b >= off && b < off + plen;
        ck_assert_int_eq((fl & PKT_TCP_PSH) != 0, want_psh);
        psh[k] += want_psh;
        /* round robin, one frame every 12 us */
        if (prev_data_ts)
            ck_assert_uint_eq(c->ts - prev_data_ts, 12000);
        prev_data_ts = c->ts;
        bytes[k] += plen;
        segs[k]++;
    }
    ck_assert_int_eq(c_syn, 4);
    ck_assert_int_eq(h_syn, 4);
    ck_assert_int_eq(c_fin, 4);
    ck_assert_int_eq(h_fin, 4);
    ck_assert_int_eq(wrapped, 1); /* connection 4's sequence numbers wrap once */
    for (int k = 1; k <= 4; k++) {
        ck_assert_uint_eq(bytes[k], 1000000u);
        ck_assert_uint_eq(segs[k], 685);
        ck_assert_uint_eq(psh[k], 16);
        ck_assert_uint_eq(acks[k], 343);
    }
    ck_assert_uint_eq(s.v[s.n - 1].ts - first_ts, 33176000u);
    fset_free(&s);
}
END_TEST

/* chimney-chatty.pcap: 2,000 request/response connections, at most 1,500 open at once
 * (traces/README.md). */
START_TEST(test_chimney_chatty)
{
    enum { CONNS = 2000 };
    fset s = read_all(CHIMNEY_CHATTY, 0, 1);
    ck_assert_msg(s.rc == 0, "%s", s.err);
    ck_assert_uint_eq(s.n, 18000);
    ck_assert_uint_eq(s.st.frames, 18000);
    ck_assert_uint_eq(s.st.truncated + s.st.oversize_dropped + s.st.unsupported, 0);
    /* The frames of every connection, in order: flags, sender, payload length. */
    static const struct { uint8_t fl; int host; size_t plen; } seq[9] = {
        { PKT_TCP_SYN, 0, 0 },
        { PKT_TCP_SYN | PKT_TCP_ACK, 1, 0 },
        { PKT_TCP_ACK, 0, 0 },
        { PKT_TCP_ACK | PKT_TCP_PSH, 0, 300 },
        { PKT_TCP_ACK | PKT_TCP_PSH, 1, 200 },
        { PKT_TCP_ACK, 0, 0 },
        { PKT_TCP_FIN | PKT_TCP_ACK, 0, 0 },
        { PKT_TCP_FIN | PKT_TCP_ACK, 1, 0 },
        { PKT_TCP_ACK, 0, 0 },
    };
    uint8_t *step = calloc(CONNS + 1, 1);
    uint32_t *c_isn = calloc(CONNS + 1, sizeof *c_isn), *h_isn = calloc(CONNS + 1, sizeof *h_isn);
    ck_assert(step && c_isn && h_isn);
    int open = 0, peak = 0, port80 = 0;
    for (size_t i = 0; i < s.n; i++) {
        const fcopy *c = &s.v[i];
        ck_assert_uint_eq(c->ts % 1000, 0);
        if (i)
            ck_assert_uint_ge(c->ts, s.v[i - 1].ts);
        pinfo p;
        ck_assert(parse(c->d, c->len, &p));
        ck_assert(!p.v6 && p.proto == PKT_IPPROTO_TCP);
        ck_assert(ipv4_csum_ok(&p));
        ck_assert_msg(l4_csum_ok(&p), "frame %zu", i + 1);
        const uint8_t *th = p.l4;
        size_t thl = (size_t)(th[12] >> 4) * 4;
        size_t plen = p.l4_len - thl;
        int from_host = pkt_get32(p.ip + 12) == 0x0a000002u;
        uint32_t peer = pkt_get32(p.ip + (from_host ? 16 : 12));
        uint16_t cport = pkt_get16(th + (from_host ? 2 : 0));
        uint16_t sport = pkt_get16(th + (from_host ? 0 : 2));
        /* connection n: group g (port 80 / 8080), client j = n - 1 - 1000 g at
         * 10.0.(2 + g).(1 + j % 250), source port 33000 + j */
        ck_assert(sport == 80 || sport == 8080);
        int g = sport == 8080;
        ck_assert(cport >= 33000 && cport < 34000);
        uint32_t j = cport - 33000u;
        ck_assert_uint_eq(peer, 0x0a000000u | (uint32_t)(2 + g) << 8 | (1 + j % 250));
        uint32_t n = (uint32_t)g * 1000 + j + 1;
        uint8_t st = step[n];
        ck_assert_uint_lt(st, 9);
        ck_assert_int_eq(from_host, seq[st].host);
        ck_assert_uint_eq(th[13], seq[st].fl);
        ck_assert_uint_eq(plen, seq[st].plen);
        ck_assert_uint_eq(thl, st < 2 ? 24 : 20);
        if (st < 2)
            ck_assert_uint_eq(pkt_get32(th + 20), 0x020405b4u); /* MSS 1460 alone */
        uint32_t sq = pkt_get32(th + 4), ak = pkt_get32(th + 8);
        if (st == 0) {
            c_isn[n] = sq;
            open++;
            port80 += !g;
            peak = open > peak ? open : peak;
        } else if (st == 1) {
            h_isn[n] = sq;
            ck_assert_uint_eq(ak, c_isn[n] + 1);
        } else {
            /* client bytes sent before this frame / host bytes, from the sequence */
            /* sequence and acknowledgment numbers relative to the sender's and the
             * receiver's ISN, per step */
            static const uint32_t rel_seq[9] = { 0, 0, 1, 1, 1, 301, 301, 201, 302 };
            static const uint32_t rel_ack[9] = { 0, 0, 1, 1, 301, 201, 201, 302, 202 };
            ck_assert_uint_eq(sq - (from_host ? h_isn[n] : c_isn[n]), rel_seq[st]);
            ck_assert_uint_eq(ak - (from_host ? c_isn[n] : h_isn[n]), rel_ack[st]);
        }
        int pl_ok = 1;
        for (size_t b = 0; b < plen; b++)
            pl_ok &= th[thl + b] == stream_byte(from_host ? 20000u + n : 10000u + n, b);
        ck_assert_msg(pl_ok, "frame %zu: payload", i + 1);
        step[n] = (uint8_t)(st + 1);
        open -= st == 8;
    }
    for (uint32_t n = 1; n <= CONNS; n++)
        ck_assert_uint_eq(step[n], 9);
    ck_assert_int_eq(open, 0);
    ck_assert_int_eq(port80, 1000);
    ck_assert_int_eq(peak, 1500); /* more than a 1024-slot table holds */
    /* 20 us between frames on average: 359.99 ms for 18,000 frames */
    ck_assert_uint_eq(s.v[s.n - 1].ts - s.v[0].ts, 359990000u);
    free(step);
    free(c_isn);
    free(h_isn);
    fset_free(&s);
}
END_TEST

/* Checks one produced segment; returns its TCP payload length. */
static size_t check_segment(const fcopy *c, size_t mtu)
{
    pinfo p;
    ck_assert(parse(c->d, c->len, &p));
    ck_assert_uint_eq(p.proto, PKT_IPPROTO_TCP);
    ck_assert_uint_le(p.ip_len, mtu);
    ck_assert_uint_eq(c->len, p.l2 + p.ip_len);
    ck_assert(ipv4_csum_ok(&p));
    ck_assert(l4_csum_ok(&p));
    return p.l4_len - (size_t)(p.l4[12] >> 4) * 4;
}

START_TEST(test_sll_gro)
{
    fset s = read_all(SLLGRO, 1500, 1);
    ck_assert_msg(s.rc == 0, "%s", s.err);
    ck_assert_int_eq(s.dlt, DLT_LINUX_SLL);
    ck_assert_uint_eq(s.st.records, 37);
    ck_assert_uint_eq(s.st.truncated, 2);
    ck_assert_uint_eq(s.st.resegmented, 9);
    ck_assert_uint_eq(s.st.segments, 83);
    ck_assert_uint_eq(s.st.oversize_dropped, 1); /* the UDP GRO packet */
    ck_assert_uint_eq(s.st.unsupported, 0);
    ck_assert_uint_eq(s.st.frames, 37 - 9 - 1 + 83);
    ck_assert_uint_eq(s.n, s.st.frames);

    /* Every frame fits the MTU and every TCP checksum verifies; the two streams carry
     * the generator's bytes in order, except where the capture was cut (zero-filled). */
    size_t unv = 0, got[2] = { 0 };
    uint32_t isn[2] = { 0 };
    for (size_t i = 0; i < s.n; i++) {
        const fcopy *c = &s.v[i];
        unv += (size_t)c->unv;
        pinfo p;
        if (!parse(c->d, c->len, &p))
            continue;
        ck_assert_uint_le(p.ip_len, 1500);
        ck_assert(ipv4_csum_ok(&p));
        if (p.proto != PKT_IPPROTO_TCP)
            continue;
        ck_assert(l4_csum_ok(&p));
        const uint8_t *th = p.l4;
        if (pkt_get16(th + 2) != 5201)
            continue;
        int k = p.v6;
        if (th[13] & 0x02)
            isn[k] = pkt_get32(th + 4);
        size_t thl = (size_t)(th[12] >> 4) * 4, plen = p.l4_len - thl;
        if (!plen)
            continue;
        uint32_t off = pkt_get32(th + 4) - isn[k] - 1;
        ck_assert_uint_eq(off, got[k]);
        if (!c->unv)
            for (size_t j = 0; j < plen; j++)
                ck_assert_uint_eq(th[thl + j], stream_byte(101u + (uint32_t)k, off + j));
        got[k] += plen;
    }
    ck_assert_uint_eq(unv, 16 + 45);
    ck_assert_uint_eq(got[0], 76 * 1448 + 3 * 1448 - 500);
    ck_assert_uint_eq(got[1], 6 * 1428);
    fset_free(&s);

    /* Without re-segmentation every oversize record is dropped. */
    s = read_all(SLLGRO, 1500, 0);
    ck_assert_int_eq(s.rc, 0);
    ck_assert_uint_eq(s.st.oversize_dropped, 10);
    ck_assert_uint_eq(s.st.resegmented + s.st.segments, 0);
    ck_assert_uint_eq(s.n, 27);
    fset_free(&s);
}
END_TEST

/* ---- re-segmentation --------------------------------------------------------------- */

/* An oversize TCP frame with TCP options (and optionally IPv4 options / a VLAN tag). */
static size_t oversize_frame(int v6, int vlan, int ipopt, uint8_t flags, uint32_t seq,
                             size_t plen, uint8_t *out, size_t cap)
{
    pkt_spec s = spec_v4_tcp();
    s.ipv6 = v6;
    if (v6) {
        s.src[0] = 0x20; s.src[1] = 0x01; s.src[15] = 1;
        s.dst[0] = 0x20; s.dst[1] = 0x01; s.dst[15] = 2;
    }
    s.vlan = vlan;
    s.vlan_tci = 7;
    s.seq = seq;
    s.tcp_flags = flags;
    s.ip_id = 0xfffe; /* wraps */
    /* 12 bytes of TCP options travel as the first payload bytes, then get fixed up. */
    uint8_t *pl = malloc(12 + plen);
    ck_assert_ptr_nonnull(pl);
    static const uint8_t ts[12] = { 1, 1, 8, 10, 0, 0, 0, 1, 0, 0, 0, 2 };
    memcpy(pl, ts, 12);
    for (size_t i = 0; i < plen; i++)
        pl[12 + i] = (uint8_t)(i * 13 + i / 256);
    int n = pkt_build(&s, pl, 12 + plen, out, cap);
    free(pl);
    ck_assert_int_gt(n, 0);
    size_t l2 = 14 + (vlan ? 4 : 0);
    uint8_t *ip = out + l2;
    if (ipopt) {
        /* 8 bytes of IPv4 options: Router Alert, 3 NOPs, EOL. */
        static const uint8_t o[8] = { 0x94, 4, 0, 0, 1, 1, 1, 0 };
        memmove(ip + 28, ip + 20, (size_t)n - l2 - 20);
        memcpy(ip + 20, o, 8);
        n += 8;
        ip[0] = 0x47;
        pkt_put16(ip + 2, (uint16_t)(pkt_get16(ip + 2) + 8));
        pkt_put16(ip + 10, 0);
        pkt_put16(ip + 10, (uint16_t)~pkt_csum_fold(pkt_csum_add(0, ip, 28)));
    }
    pinfo p;
    size_t iphl = v6 ? 40 : (size_t)(ip[0] & 15) * 4;
    uint8_t *th = ip + iphl;
    th[12] = 8 << 4;
    pkt_put16(th + 16, 0);
    pkt_put16(th + 18, 0x0105); /* urgent pointer: kept on the first segment only */
    ck_assert(parse(out, (size_t)n, &p));
    uint32_t sum = v6 ? pkt_csum_pseudo(ip + 8, ip + 24, 16, 6, (uint32_t)p.l4_len)
                      : pkt_csum_pseudo(ip + 12, ip + 16, 4, 6, (uint32_t)p.l4_len);
    pkt_put16(th + 16, (uint16_t)~pkt_csum_fold(pkt_csum_add(sum, th, p.l4_len)));
    ck_assert(l4_csum_ok(&p));
    return p.l2 + p.ip_len;
}

typedef struct reseg_case {
    int v6, vlan, ipopt;
    uint8_t flags;
    size_t plen;
    uint32_t mtu;
} reseg_case;

static const reseg_case reseg_cases[] = {
    { 0, 0, 0, 0x10 | 0x08 | 0x01 | 0x80, 5792, 1500 }, /* ACK PSH FIN CWR */
    { 0, 1, 1, 0x10 | 0x08 | 0x20 | 0x40, 5000, 1500 }, /* VLAN, IP options, URG ECE */
    { 1, 0, 0, 0x10 | 0x08, 4284, 1500 },
    { 1, 1, 0, 0x02, 3001, 1280 },                      /* SYN with data */
    { 0, 0, 0, 0x10, 65483, 9000 },                     /* maximum IPv4 packet */
    { 0, 0, 0, 0x10 | 0x04, 1500, 1000 },               /* RST on the first only */
};

START_TEST(test_resegment)
{
    const reseg_case *rc = &reseg_cases[_i];
    tmpdir d;
    tmp_make(&d);
    char path[600];
    tmp_file(&d, "big.pcap", path, sizeof path);
    uint8_t *fr = malloc(70000);
    ck_assert_ptr_nonnull(fr);
    const uint32_t seq0 = 0xfffffc00u; /* wraps inside the record */
    size_t n = oversize_frame(rc->v6, rc->vlan, rc->ipopt, rc->flags, seq0, rc->plen, fr, 70000);
    uint8_t small[128];
    pkt_spec sp = spec_v4_tcp();
    size_t ns = build(&sp, 0, small, sizeof small);
    rec rr[3] = { { small, (uint32_t)ns, (uint32_t)ns, 1000 },
                  { fr, (uint32_t)n, (uint32_t)n, 777000 },
                  { small, (uint32_t)ns, (uint32_t)ns, 999000 } };
    write_capture(path, DLT_EN10MB, 1, rr, 3);

    pinfo op;
    ck_assert(parse(fr, n, &op));
    const uint8_t *oth = op.l4;
    size_t othl = (size_t)(oth[12] >> 4) * 4;
    size_t mss = rc->mtu - op.l3 - othl;
    size_t nseg = (rc->plen + mss - 1) / mss;

    fset s = read_all(path, rc->mtu, 1);
    ck_assert_int_eq(s.rc, 0);
    ck_assert_uint_eq(s.n, nseg + 2);
    ck_assert_uint_eq(s.st.resegmented, 1);
    ck_assert_uint_eq(s.st.segments, nseg);
    ck_assert_uint_eq(s.st.frames, nseg + 2);
    ck_assert_uint_eq(s.v[0].no, 1);
    ck_assert_uint_eq(s.v[nseg + 1].no, 3);
    uint8_t *cat = malloc(rc->plen);
    ck_assert_ptr_nonnull(cat);
    size_t done = 0;
    for (size_t k = 0; k < nseg; k++) {
        const fcopy *c = &s.v[1 + k];
        ck_assert_uint_eq(c->no, 2);
        ck_assert_uint_eq(c->ts, 777000);
        ck_assert_int_eq(c->unv, 0);
        size_t plen = check_segment(c, rc->mtu);
        ck_assert_uint_eq(plen, k + 1 < nseg ? mss : rc->plen - done);
        pinfo p;
        ck_assert(parse(c->d, c->len, &p));
        /* L2 and the IP/TCP headers are copies, except the fields that must change. */
        ck_assert_mem_eq(c->d, fr, op.l2);
        const uint8_t *th = p.l4;
        ck_assert_uint_eq((size_t)(th[12] >> 4) * 4, othl);
        ck_assert_mem_eq(th + 20, oth + 20, othl - 20); /* TCP options */
        ck_assert_mem_eq(th, oth, 4);                    /* ports */
        ck_assert_mem_eq(th + 8, oth + 8, 4);            /* ack */
        ck_assert_mem_eq(th + 14, oth + 14, 2);          /* window */
        if (!rc->v6) {
            ck_assert_uint_eq(pkt_get16(p.ip + 4), (uint16_t)(0xfffe + k));
            ck_assert_mem_eq(p.ip + 20, op.ip + 20, op.l3 - 20); /* IP options */
        }
        int syn = (rc->flags & 0x02) != 0;
        uint32_t want_seq = seq0 + (uint32_t)done + (k > 0 && syn ? 1u : 0u);
        ck_assert_uint_eq(pkt_get32(th + 4), want_seq);
        uint8_t want = rc->flags;
        if (k + 1 < nseg)
            want &= (uint8_t)~(0x01 | 0x08);
        if (k > 0)
            want &= (uint8_t)~(0x02 | 0x04 | 0x20 | 0x80);
        ck_assert_uint_eq(th[13], want);
        ck_assert_uint_eq(pkt_get16(th + 18), (k == 0 ? 0x0105u : 0u));
        memcpy(cat + done, th + othl, plen);
        done += plen;
    }
    ck_assert_uint_eq(done, rc->plen);
    ck_assert_mem_eq(cat, oth + othl, rc->plen);
    free(cat);
    fset_free(&s);

    /* resegment = 0: dropped and counted. */
    s = read_all(path, rc->mtu, 0);
    ck_assert_int_eq(s.rc, 0);
    ck_assert_uint_eq(s.n, 2);
    ck_assert_uint_eq(s.st.oversize_dropped, 1);
    ck_assert_uint_eq(s.st.resegmented, 0);
    fset_free(&s);

    /* A larger MTU lets it through untouched, unless the frame is longer than the NIC's
     * 16-bit frame length field can say: then it is cut to fit. */
    s = read_all(path, 65535, 1);
    if (n <= TR_FRAME_MAX) {
        ck_assert_uint_eq(s.n, 3);
        ck_assert_uint_eq(s.v[1].len, n);
        ck_assert_mem_eq(s.v[1].d, fr, n);
    } else {
        size_t big_mss = TR_FRAME_MAX - op.l2 - op.l3 - othl;
        ck_assert_uint_eq(s.st.resegmented, 1);
        ck_assert_uint_eq(s.n, 2 + (rc->plen + big_mss - 1) / big_mss);
        for (size_t k = 1; k + 1 < s.n; k++)
            ck_assert_uint_le(s.v[k].len, TR_FRAME_MAX);
    }
    fset_free(&s);
    free(fr);
    tmp_remove(&d);
}
END_TEST

/* Oversize packets that cannot be cut: UDP, IPv6 with an extension header, IPv4 fragment,
 * non-IP; and an MTU too small for the headers. */
START_TEST(test_oversize_not_resegmentable)
{
    tmpdir d;
    tmp_make(&d);
    char path[600];
    tmp_file(&d, "o.pcap", path, sizeof path);
    uint8_t f[5][4000];
    size_t n[5];
    pkt_spec s = spec_v4_tcp();
    s.proto = PKT_IPPROTO_UDP;
    n[0] = build(&s, 3000, f[0], sizeof f[0]);
    /* IPv6 + hop-by-hop + TCP */
    n[1] = oversize_frame(1, 0, 0, 0x10, 1, 3000, f[1], sizeof f[1]);
    {
        uint8_t *ip = f[1] + 14;
        memmove(ip + 48, ip + 40, n[1] - 54);
        uint8_t hbh[8] = { 6, 0, 1, 4, 0, 0, 0, 0 };
        memcpy(ip + 40, hbh, 8);
        ip[6] = 0;
        pkt_put16(ip + 4, (uint16_t)(pkt_get16(ip + 4) + 8));
        n[1] += 8;
    }
    /* IPv4 fragment (MF set) carrying TCP */
    n[2] = oversize_frame(0, 0, 0, 0x10, 1, 3000, f[2], sizeof f[2]);
    pkt_put16(f[2] + 14 + 6, 0x2000);
    /* non-IP: 3000 bytes of an unknown ethertype */
    memset(f[3], 0x11, 3014);
    pkt_put16(f[3] + 12, 0x88b5);
    n[3] = 3014;
    /* TCP, cut with an MTU below the headers (see below) */
    n[4] = oversize_frame(0, 0, 0, 0x10, 1, 3000, f[4], sizeof f[4]);
    rec rr[5];
    for (int i = 0; i < 5; i++)
        rr[i] = (rec){ f[i], (uint32_t)n[i], (uint32_t)n[i], 1000u * (uint64_t)i };
    write_capture(path, DLT_EN10MB, 0, rr, 5);
    fset r = read_all(path, 1500, 1);
    ck_assert_int_eq(r.rc, 0);
    ck_assert_uint_eq(r.st.oversize_dropped, 4);
    ck_assert_uint_eq(r.st.resegmented, 1);
    ck_assert_uint_eq(r.n, 3);
    fset_free(&r);
    r = read_all(path, 40, 1); /* 20 + 32 header bytes do not fit in 40 */
    ck_assert_uint_eq(r.st.oversize_dropped, 5);
    ck_assert_uint_eq(r.n, 0);
    fset_free(&r);
    tmp_remove(&d);
}
END_TEST

/* An IP packet of exactly the MTU passes untouched, one byte more is cut; mtu 0 = 1500. */
START_TEST(test_mtu_boundary)
{
    tmpdir d;
    tmp_make(&d);
    char path[600];
    tmp_file(&d, "mtu.pcap", path, sizeof path);
    uint8_t f[5][2000];
    size_t n[5];
    n[0] = oversize_frame(0, 0, 0, 0x10, 1, 1448, f[0], sizeof f[0]); /* IP 1500 */
    n[1] = oversize_frame(0, 0, 0, 0x10, 1, 1449, f[1], sizeof f[1]); /* IP 1501 */
    n[2] = oversize_frame(1, 1, 0, 0x10, 1, 1428, f[2], sizeof f[2]); /* IPv6 1500 + VLAN */
    n[3] = oversize_frame(1, 1, 0, 0x10, 1, 1429, f[3], sizeof f[3]); /* IPv6 1501 */
    /* An IPv4 total length larger than the frame (malformed): the frame is what counts. */
    n[4] = oversize_frame(0, 0, 0, 0x10, 1, 200, f[4], sizeof f[4]);
    pkt_put16(f[4] + 14 + 2, 9000);
    rec rr[5];
    for (int i = 0; i < 5; i++)
        rr[i] = (rec){ f[i], (uint32_t)n[i], (uint32_t)n[i], 1000u * (uint64_t)i };
    write_capture(path, DLT_EN10MB, 0, rr, 5);
    fset r = read_all(path, 0, 1);
    ck_assert_int_eq(r.rc, 0);
    ck_assert_uint_eq(r.n, 7);
    ck_assert_uint_eq(r.v[6].len, n[4]);
    ck_assert_mem_eq(r.v[6].d, f[4], n[4]);
    ck_assert_uint_eq(r.st.resegmented, 2);
    ck_assert_uint_eq(r.v[0].len, n[0]);
    ck_assert_mem_eq(r.v[0].d, f[0], n[0]);
    ck_assert_uint_eq(check_segment(&r.v[1], 1500), 1448);
    ck_assert_uint_eq(check_segment(&r.v[2], 1500), 1);
    ck_assert_uint_eq(r.v[3].len, n[2]);
    ck_assert_uint_eq(check_segment(&r.v[4], 1500), 1428);
    ck_assert_uint_eq(check_segment(&r.v[5], 1500), 1);
    fset_free(&r);
    r = read_all(path, 1501, 0);
    ck_assert_uint_eq(r.n, 5);
    ck_assert_uint_eq(r.st.oversize_dropped, 0);
    fset_free(&r);
    tmp_remove(&d);
}
END_TEST

/* The tag set is the NIC's (pkt.h): 0x8100 and 0x88a8 are skipped when sizing a record for
 * the MTU, the pre-standard 0x9100 is not a tag. A full-size frame behind one 0x9100 "tag" is
 * an unknown ethertype with 1504 payload bytes: above the MTU, dropped, not re-segmented. */
START_TEST(test_vlan_tag_set)
{
    tmpdir d;
    tmp_make(&d);
    char path[600];
    tmp_file(&d, "tags.pcap", path, sizeof path);
    uint8_t f[3][2000];
    size_t n[3];
    rec rr[3];
    for (int i = 0; i < 3; i++) {
        n[i] = oversize_frame(0, 1, 0, 0x10, 1, 1448, f[i], sizeof f[i]); /* IP 1500 + tag */
        rr[i] = (rec){ f[i], (uint32_t)n[i], (uint32_t)n[i], 1000u * (uint64_t)i };
    }
    pkt_put16(f[1] + 12, PKT_ETHERTYPE_QINQ);
    pkt_put16(f[2] + 12, 0x9100);
    write_capture(path, DLT_EN10MB, 0, rr, 3);
    fset r = read_all(path, 0, 1);
    ck_assert_int_eq(r.rc, 0);
    ck_assert_uint_eq(r.n, 2);
    ck_assert_uint_eq(r.st.oversize_dropped, 1);
    ck_assert_uint_eq(r.st.resegmented, 0);
    ck_assert_mem_eq(r.v[0].d, f[0], n[0]);
    ck_assert_mem_eq(r.v[1].d, f[1], n[1]);
    fset_free(&r);
    tmp_remove(&d);
}
END_TEST

/* Linux BIG TCP: an IPv4 packet above 64 KiB carries total length 0; its size is the frame
 * minus L2. Segments stay within 16-bit length fields even when the MTU is larger. */
START_TEST(test_big_tcp)
{
    tmpdir d;
    tmp_make(&d);
    char path[600];
    tmp_file(&d, "big.pcap", path, sizeof path);
    enum { PLEN = 100000, HDRS = 14 + 20 + 32 };
    uint8_t hdr[2048];
    oversize_frame(0, 0, 0, 0x18, 1000, 100, hdr, sizeof hdr);
    uint8_t *fr = malloc(HDRS + PLEN);
    ck_assert_ptr_nonnull(fr);
    memcpy(fr, hdr, HDRS);
    for (size_t i = 0; i < PLEN; i++)
        fr[HDRS + i] = (uint8_t)(i ^ (i >> 8));
    uint8_t *ip = fr + 14, *th = ip + 20;
    pkt_put16(ip + 2, 0);
    pkt_put16(ip + 10, 0);
    pkt_put16(ip + 10, (uint16_t)~pkt_csum_fold(pkt_csum_add(0, ip, 20)));
    pkt_put16(th + 16, 0);
    uint32_t sum = pkt_csum_pseudo(ip + 12, ip + 16, 4, 6, 32 + PLEN);
    pkt_put16(th + 16, (uint16_t)~pkt_csum_fold(pkt_csum_add(sum, th, 32 + PLEN)));
    rec r = { fr, HDRS + PLEN, HDRS + PLEN, 5 };
    write_capture(path, DLT_EN10MB, 0, &r, 1);

    static const uint32_t mtus[] = { 1500, 100000 };
    for (int m = 0; m < 2; m++) {
        fset s = read_all(path, mtus[m], 1);
        ck_assert_msg(s.rc == 0, "%s", s.err);
        /* segments fit the IP length field and the NIC's frame length field */
        size_t mss = (mtus[m] < TR_FRAME_MAX - 14 ? mtus[m] : TR_FRAME_MAX - 14) - 52;
        ck_assert_uint_eq(s.n, (PLEN + mss - 1) / mss);
        size_t done = 0;
        for (size_t k = 0; k < s.n; k++) {
            size_t plen = check_segment(&s.v[k], 65535);
            ck_assert_uint_eq(plen, k + 1 < s.n ? mss : PLEN - done);
            ck_assert_mem_eq(s.v[k].d + HDRS, fr + HDRS + done, plen);
            done += plen;
        }
        ck_assert_uint_eq(done, PLEN);
        fset_free(&s);
    }
    free(fr);
    tmp_remove(&d);
}
END_TEST

/* ---- truncated records ------------------------------------------------------------- */

START_TEST(test_truncated_zero_fill)
{
    tmpdir d;
    tmp_make(&d);
    char path[600];
    tmp_file(&d, "t.pcap", path, sizeof path);
    uint8_t fr[2048];
    pkt_spec s = spec_v4_tcp();
    size_t n = build(&s, 500, fr, sizeof fr);
    rec rr[3] = { { fr, 64, (uint32_t)n, 10 }, { fr, (uint32_t)n, (uint32_t)n, 20 },
                  { fr, 8, (uint32_t)n, 30 } /* cut inside the Ethernet header */ };
    write_capture(path, DLT_EN10MB, 0, rr, 3);
    fset r = read_all(path, 0, 0);
    ck_assert_int_eq(r.rc, 0);
    ck_assert_uint_eq(r.n, 3);
    ck_assert_uint_eq(r.st.truncated, 2);
    ck_assert_uint_eq(r.v[0].len, n);
    ck_assert_int_eq(r.v[0].unv, 1);
    ck_assert_mem_eq(r.v[0].d, fr, 64);
    for (size_t i = 64; i < n; i++)
        ck_assert_uint_eq(r.v[0].d[i], 0);
    ck_assert_int_eq(r.v[1].unv, 0);
    ck_assert_mem_eq(r.v[1].d, fr, n);
    ck_assert_int_eq(r.v[2].unv, 1);
    ck_assert_uint_eq(r.v[2].len, n);
    fset_free(&r);
    tmp_remove(&d);
}
END_TEST

/* A record claiming a huge original length is zero-filled only up to 64 KiB + header;
 * caplen > len (a broken writer) keeps the captured bytes. */
START_TEST(test_truncated_bounds)
{
    tmpdir d;
    tmp_make(&d);
    char path[600];
    tmp_file(&d, "b.pcap", path, sizeof path);
    uint8_t fr[128];
    pkt_spec s = spec_v4_tcp();
    size_t n = build(&s, 10, fr, sizeof fr);
    rec rr[2] = { { fr, (uint32_t)n, 200000, 10 }, { fr, (uint32_t)n, 20, 20 } };
    write_capture(path, DLT_EN10MB, 0, rr, 2);
    fset r = read_all(path, 0, 1);
    ck_assert_int_eq(r.rc, 0);
    ck_assert_uint_eq(r.n, 2);
    /* IP total length says 50, but the zero-filled frame (65535 + 14 + 8 bytes) is longer
     * than the NIC's frame length field: a TCP frame, so cut back to its IP packet. */
    ck_assert_uint_eq(r.v[0].len, n);
    ck_assert_mem_eq(r.v[0].d, fr, n);
    ck_assert_int_eq(r.v[0].unv, 1);
    ck_assert_uint_eq(r.st.resegmented, 1);
    ck_assert_uint_eq(r.v[1].len, n);
    ck_assert_int_eq(r.v[1].unv, 0);
    ck_assert_uint_eq(r.st.truncated, 1);
    fset_free(&r);
    r = read_all(path, 0, 0); /* not re-segmenting: dropped as oversize */
    ck_assert_uint_eq(r.n, 1);
    ck_assert_uint_eq(r.st.oversize_dropped, 1);
    fset_free(&r);
    tmp_remove(&d);
}
END_TEST

/* Re-segmenting a snaplen-cut record: segments are produced, all unverifiable. */
START_TEST(test_truncated_resegment)
{
    tmpdir d;
    tmp_make(&d);
    char path[600];
    tmp_file(&d, "tr.pcap", path, sizeof path);
    static uint8_t fr[8000];
    size_t n = oversize_frame(0, 0, 0, 0x18, 5, 5792, fr, sizeof fr);
    rec rr = { fr, 2000, (uint32_t)n, 10 };
    write_capture(path, DLT_EN10MB, 0, &rr, 1);
    fset r = read_all(path, 1500, 1);
    ck_assert_int_eq(r.rc, 0);
    ck_assert_uint_eq(r.n, 4);
    ck_assert_uint_eq(r.st.truncated, 1);
    ck_assert_uint_eq(r.st.segments, 4);
    for (size_t i = 0; i < r.n; i++) {
        ck_assert_int_eq(r.v[i].unv, 1);
        check_segment(&r.v[i], 1500); /* well-formed, even if the bytes are made up */
    }
    fset_free(&r);
    tmp_remove(&d);
}
END_TEST

/* pcap header announcing a 4-byte FCS: stripped. */
START_TEST(test_fcs_stripped)
{
    tmpdir d;
    tmp_make(&d);
    char path[600];
    tmp_file(&d, "fcs.pcap", path, sizeof path);
    uint8_t fr[256], file[512];
    pkt_spec s = spec_v4_tcp();
    size_t n = build(&s, 100, fr, sizeof fr);
    memcpy(fr + n, "\xde\xad\xbe\xef", 4);
    uint32_t lt = 1u | 0x04000000u | (2u << 28); /* FCS present, 2 16-bit words */
    uint8_t hdr[24] = { 0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0 };
    hdr[16] = 0xff; hdr[17] = 0xff;
    hdr[20] = (uint8_t)lt; hdr[21] = (uint8_t)(lt >> 8); hdr[22] = (uint8_t)(lt >> 16);
    hdr[23] = (uint8_t)(lt >> 24);
    uint8_t rh[16] = { 1, 0, 0, 0, 0, 0, 0, 0, (uint8_t)(n + 4), 0, 0, 0, (uint8_t)(n + 4) };
    memcpy(file, hdr, 24);
    memcpy(file + 24, rh, 16);
    memcpy(file + 40, fr, n + 4);
    write_bytes(path, file, 40 + n + 4);
    fset r = read_all(path, 0, 0);
    ck_assert_msg(r.rc == 0, "%s", r.err);
    ck_assert_uint_eq(r.n, 1);
    ck_assert_uint_eq(r.v[0].len, n);
    ck_assert_mem_eq(r.v[0].d, fr, n);
    fset_free(&r);
    tmp_remove(&d);
}
END_TEST

/* ---- malformed input --------------------------------------------------------------- */

/* Opening fails with this code and exactly "<path>: <msg>" on one line. */
static void expect_open_error(const char *path, int code, const char *msg)
{
    char err[512] = "", want[1024];
    tr_trace *t = (tr_trace *)(uintptr_t)0x10; /* tr_open must reset it to NULL */
    int rc = tr_open(&t, path, NULL, err, sizeof err);
    ck_assert_int_eq(rc, code);
    ck_assert_ptr_null(t);
    snprintf(want, sizeof want, "%s: %s", path, msg);
    ck_assert_str_eq(err, want);
    ck_assert_ptr_null(strchr(err, '\n'));
}

static void make_bad(const tmpdir *d, const char *name, const void *data, size_t len, char *path,
                     size_t plen)
{
    tmp_file(d, name, path, plen);
    write_bytes(path, data, len);
}

START_TEST(test_bad_open)
{
    tmpdir d;
    tmp_make(&d);
    char p[600];
    uint8_t pcaphdr[24] = { 0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0, 0, 0, 0, 0,
                            0,    0,    0,    0,    0xff, 0xff, 0, 0, 1, 0, 0, 0 };

    tmp_file(&d, "missing.pcap", p, sizeof p);
    expect_open_error(p, TR_ERR_IO, "cannot open: No such file or directory");

    expect_open_error(d.path, TR_ERR_IO, "is a directory, not a capture");

    make_bad(&d, "empty.pcap", "", 0, p, sizeof p);
    expect_open_error(p, TR_ERR_EMPTY, "empty file, not a capture");

    make_bad(&d, "text.pcap", "hello, this is not a capture file\n", 34, p, sizeof p);
    expect_open_error(p, TR_ERR_FORMAT, "not a pcap or pcapng file (bad magic)");

    make_bad(&d, "tiny.pcap", "hi", 2, p, sizeof p);
    expect_open_error(p, TR_ERR_FORMAT, "not a pcap or pcapng file (bad magic)");

    make_bad(&d, "magic2.pcap", pcaphdr, 2, p, sizeof p);
    expect_open_error(p, TR_ERR_TRUNCATED, "truncated global header (file is only 2 bytes)");

    make_bad(&d, "hdr10.pcap", pcaphdr, 10, p, sizeof p);
    expect_open_error(p, TR_ERR_TRUNCATED, "truncated global header (10 of 24 bytes)");

    make_bad(&d, "hdr23.pcap", pcaphdr, 23, p, sizeof p);
    expect_open_error(p, TR_ERR_TRUNCATED, "truncated global header (23 of 24 bytes)");

    size_t mlen;
    uint8_t *ng = read_bytes(MIXED, &mlen);
    make_bad(&d, "shb.pcapng", ng, 20, p, sizeof p);
    expect_open_error(p, TR_ERR_TRUNCATED, "truncated global header (file ends inside it)");
    make_bad(&d, "idb.pcapng", ng, 60, p, sizeof p); /* inside the interface block */
    expect_open_error(p, TR_ERR_TRUNCATED, "truncated global header (file ends inside it)");
    make_bad(&d, "noidb.pcapng", ng, 44, p, sizeof p); /* section header only */
    expect_open_error(p, TR_ERR_FORMAT, "the capture file has no Interface Description Blocks");
    ng[8] = 0x5a; /* byte-order magic */
    make_bad(&d, "bom.pcapng", ng, mlen, p, sizeof p);
    expect_open_error(p, TR_ERR_FORMAT, "not a pcap or pcapng file (bad magic)");
    free(ng);

    /* Version libpcap does not read: its own words, after the file name. */
    uint8_t v3[24];
    memcpy(v3, pcaphdr, 24);
    v3[4] = 3;
    make_bad(&d, "v3.pcap", v3, 24, p, sizeof p);
    char err[512];
    tr_trace *t = NULL;
    ck_assert_int_eq(tr_open(&t, p, NULL, err, sizeof err), TR_ERR_FORMAT);
    ck_assert_ptr_null(t);
    ck_assert_int_eq(strncmp(err, p, strlen(p)), 0);
    ck_assert_ptr_null(strchr(err, '\n'));

    /* Link types that are not Ethernet and cannot become Ethernet. */
    tmp_file(&d, "user0.pcap", p, sizeof p);
    uint8_t x[20] = { 0 };
    write_one(p, DLT_USER0, x, 20);
    expect_open_error(p, TR_ERR_LINKTYPE, "unsupported link type 147 (USER0)");
    tmp_file(&d, "wifi.pcap", p, sizeof p);
    write_one(p, DLT_IEEE802_11, x, 20);
    expect_open_error(p, TR_ERR_LINKTYPE, "unsupported link type 105 (IEEE802_11)");
    tmp_file(&d, "999.pcap", p, sizeof p);
    uint8_t l999[24];
    memcpy(l999, pcaphdr, 24);
    l999[20] = 0xe7;
    l999[21] = 0x03;
    write_bytes(p, l999, 24);
    expect_open_error(p, TR_ERR_LINKTYPE, "unsupported link type 999 (unknown)");

    /* Bad arguments. */
    ck_assert_int_eq(tr_open(NULL, p, NULL, err, sizeof err), TR_ERR_ARG);
    ck_assert_int_eq(tr_open(&t, NULL, NULL, err, sizeof err), TR_ERR_ARG);
    ck_assert_int_eq(tr_open(&t, p, NULL, NULL, 0), TR_ERR_LINKTYPE); /* no buffer is fine */
    tr_close(NULL);
    tmp_remove(&d);
}
END_TEST

/* Cut a shipped capture at `cut` bytes (a capture stopped mid-write): the records before
 * record `recno` are read, the pass ends cleanly and counts one cut_short; every pass
 * (rewind) says the same. */
static void expect_truncated_at(const tmpdir *d, const char *src, size_t cut, uint64_t recno,
                                const char *name)
{
    size_t len;
    uint8_t *b = read_bytes(src, &len);
    ck_assert_uint_lt(cut, len);
    char p[600];
    make_bad(d, name, b, cut, p, sizeof p);
    free(b);
    fset s = read_all(p, 1500, 1);
    ck_assert_msg(s.rc == 0, "%s", s.err);
    ck_assert_uint_eq(s.st.records, recno - 1);
    ck_assert_uint_eq(s.st.cut_short, 1);
    fset_free(&s);

    tr_trace *t = NULL;
    char err[512];
    tr_frame f;
    ck_assert_int_eq(tr_open(&t, p, NULL, err, sizeof err), 0);
    int r;
    while ((r = tr_next(t, &f, err, sizeof err)) == 1)
        ;
    ck_assert_int_eq(r, 0);
    ck_assert_int_eq(tr_next(t, &f, err, sizeof err), 0);
    ck_assert_int_eq(tr_rewind(t, err, sizeof err), 0);
    while ((r = tr_next(t, &f, err, sizeof err)) == 1)
        ;
    ck_assert_int_eq(r, 0);
    ck_assert_uint_eq(tr_get_stats(t)->cut_short, 2);
    ck_assert_uint_eq(tr_get_stats(t)->records, 2 * (recno - 1));
    tr_close(t);
}

START_TEST(test_truncated_file)
{
    tmpdir d;
    tmp_make(&d);
    /* quickstart.pcap: 24-byte header, then records of 16 + caplen bytes. */
    size_t len;
    uint8_t *b = read_bytes(QUICKSTART, &len);
    size_t off = 24;
    size_t starts[8];
    for (int i = 0; i < 8; i++) {
        starts[i] = off;
        uint32_t cl = (uint32_t)b[off + 8] | (uint32_t)b[off + 9] << 8;
        off += 16 + cl;
    }
    free(b);
    expect_truncated_at(&d, QUICKSTART, starts[5] + 20, 6, "data.pcap");   /* in the data */
    expect_truncated_at(&d, QUICKSTART, starts[6] + 10, 7, "rhdr.pcap");   /* in the header */
    expect_truncated_at(&d, QUICKSTART, 24 + 3, 1, "first.pcap");
    /* pcapng: cut inside the 3rd enhanced packet block */
    uint8_t *ng = read_bytes(MIXED, &len);
    off = 0;
    int epb = 0;
    size_t cut = 0;
    while (off + 8 <= len) {
        uint32_t bl =
            (uint32_t)ng[off + 4] | (uint32_t)ng[off + 5] << 8 | (uint32_t)ng[off + 6] << 16;
        if (ng[off] == 6 && ++epb == 3) {
            cut = off + bl / 2;
            break;
        }
        off += bl;
    }
    free(ng);
    ck_assert_uint_gt(cut, 0);
    expect_truncated_at(&d, MIXED, cut, 3, "cut.pcapng");
    expect_truncated_at(&d, MIXED, cut - (cut % 4) - 4 + 2, 3, "cut2.pcapng");
    /* cut inside the first block: truncated, not "bad magic" */
    uint8_t *ng2 = read_bytes(MIXED, &len);
    char p[600];
    static const size_t firstcuts[] = { 4, 6, 8, 10, 11 };
    for (size_t i = 0; i < sizeof firstcuts / sizeof firstcuts[0]; i++) {
        make_bad(&d, "first.pcapng", ng2, firstcuts[i], p, sizeof p);
        expect_open_error(p, TR_ERR_TRUNCATED, "truncated global header (file ends inside it)");
    }
    free(ng2);
    tmp_remove(&d);
}
END_TEST

/* "-" reads standard input, which cannot be rewound. */
START_TEST(test_stdin)
{
    char err[512];
    tr_trace *t = NULL;
    ck_assert_ptr_nonnull(freopen(SLLGRO, "rb", stdin));
    tr_options o = { 1500, 1, 0, NULL };
    ck_assert_int_eq(tr_open(&t, "-", &o, err, sizeof err), 0);
    ck_assert_str_eq(tr_path(t), "-");
    tr_frame f;
    int n = 0;
    while (tr_next(t, &f, err, sizeof err) == 1)
        n++;
    ck_assert_int_eq(n, 110);
    ck_assert_int_eq(tr_rewind(t, err, sizeof err), TR_ERR_IO);
    ck_assert_str_eq(err, "standard input: cannot rewind");
    tr_close(t);

    /* pcapng on standard input goes to our own reader */
    ck_assert_ptr_nonnull(freopen(MIXED, "rb", stdin));
    ck_assert_int_eq(tr_open(&t, "-", &o, err, sizeof err), 0);
    n = 0;
    while (tr_next(t, &f, err, sizeof err) == 1)
        n++;
    ck_assert_int_eq(n, 25);
    tr_close(t);

    tmpdir d;
    tmp_make(&d);
    char p[600];
    make_bad(&d, "empty", "", 0, p, sizeof p);
    ck_assert_ptr_nonnull(freopen(p, "rb", stdin));
    ck_assert_int_eq(tr_open(&t, "-", NULL, err, sizeof err), TR_ERR_EMPTY);
    ck_assert_str_eq(err, "standard input: empty file, not a capture");
    make_bad(&d, "text", "this is text, not a capture", 28, p, sizeof p);
    ck_assert_ptr_nonnull(freopen(p, "rb", stdin));
    ck_assert_int_eq(tr_open(&t, "-", NULL, err, sizeof err), TR_ERR_FORMAT);
    ck_assert_str_eq(err, "standard input: not a pcap or pcapng file (bad magic)");
    tmp_remove(&d);
}
END_TEST

/* ---- rewind and independence ------------------------------------------------------- */

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
    const uint8_t *b = p;
    for (size_t i = 0; i < n; i++)
        h = (h ^ b[i]) * 0x100000001b3ull;
    return h;
}

static uint64_t pass_hash(tr_trace *t, uint64_t *frames)
{
    uint64_t h = 0xcbf29ce484222325ull;
    tr_frame f;
    char err[256];
    int r;
    *frames = 0;
    while ((r = tr_next(t, &f, err, sizeof err)) == 1) {
        h = fnv(h, f.data, f.len);
        h = fnv(h, &f.ts_ns, sizeof f.ts_ns);
        h = fnv(h, &f.frame_no, sizeof f.frame_no);
        h = fnv(h, &f.unverifiable, sizeof f.unverifiable);
        (*frames)++;
    }
    ck_assert_int_eq(r, 0);
    return h;
}

START_TEST(test_rewind)
{
    const char *files[] = { QUICKSTART, MIXED, SLLGRO };
    for (size_t i = 0; i < 3; i++) {
        tr_trace *t = NULL;
        char err[256];
        tr_options o = { 1500, 1, 0, NULL };
        ck_assert_int_eq(tr_open(&t, files[i], &o, err, sizeof err), 0);
        uint64_t n1, n2, n3;
        uint64_t h1 = pass_hash(t, &n1);
        tr_stats s1 = *tr_get_stats(t);
        ck_assert_int_eq(tr_rewind(t, err, sizeof err), 0);
        uint64_t h2 = pass_hash(t, &n2);
        ck_assert_uint_eq(h1, h2);
        ck_assert_uint_eq(n1, n2);
        const tr_stats *s2 = tr_get_stats(t);
        ck_assert_uint_eq(s2->records, 2 * s1.records); /* stats accumulate */
        ck_assert_uint_eq(s2->frames, 2 * s1.frames);
        ck_assert_uint_eq(s2->segments, 2 * s1.segments);
        /* Rewind in the middle of a re-segmented record. */
        ck_assert_int_eq(tr_rewind(t, err, sizeof err), 0);
        tr_frame f;
        for (int k = 0; k < 22; k++)
            ck_assert_int_eq(tr_next(t, &f, err, sizeof err), 1);
        ck_assert_int_eq(tr_rewind(t, err, sizeof err), 0);
        uint64_t h3 = pass_hash(t, &n3);
        ck_assert_uint_eq(h1, h3);
        tr_close(t);
    }
}
END_TEST

/* Two readers in one process do not interfere. */
START_TEST(test_two_handles)
{
    tr_trace *a = NULL, *b = NULL;
    char err[256];
    tr_options o = { 1500, 1, 0, NULL };
    ck_assert_int_eq(tr_open(&a, SLLGRO, &o, err, sizeof err), 0);
    ck_assert_int_eq(tr_open(&b, SLLGRO, &o, err, sizeof err), 0);
    uint64_t ha = 0xcbf29ce484222325ull, hb = ha, n = 0;
    tr_frame fa, fb;
    int ra, rb;
    do {
        ra = tr_next(a, &fa, err, sizeof err);
        rb = tr_next(b, &fb, err, sizeof err);
        ck_assert_int_eq(ra, rb);
        if (ra == 1) {
            ck_assert_uint_eq(fa.len, fb.len);
            ck_assert_mem_eq(fa.data, fb.data, fa.len);
            ha = fnv(ha, fa.data, fa.len);
            hb = fnv(hb, fb.data, fb.len);
        }
        n++;
    } while (ra == 1);
    ck_assert_uint_eq(ha, hb);
    ck_assert_uint_eq(tr_get_stats(a)->frames, tr_get_stats(b)->frames);
    tr_close(a);
    tr_close(b);
}
END_TEST

/* ---- no crash on corrupted input ------------------------------------------------------ */

static uint32_t xorshift(uint32_t *s)
{
    uint32_t x = *s;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    return *s = x;
}

START_TEST(test_fuzz_shipped)
{
    const char *files[] = { QUICKSTART, MIXED, SLLGRO, NICSIM_TRACES_DIR "/netns-sender.pcap" };
    const char *it = getenv("TRACE_FUZZ_ITERS");
    int iters = it ? atoi(it) : 150;
    tmpdir d;
    tmp_make(&d);
    char p[600];
    tmp_file(&d, "fuzz.cap", p, sizeof p);
    uint32_t seed = 0x12345678u;
    for (size_t fi = 0; fi < sizeof files / sizeof files[0]; fi++) {
        size_t len;
        uint8_t *orig = read_bytes(files[fi], &len);
        uint8_t *b = malloc(len);
        ck_assert_ptr_nonnull(b);
        for (int i = 0; i < iters; i++) {
            memcpy(b, orig, len);
            size_t n = len;
            int flips = 1 + (int)(xorshift(&seed) % 16);
            for (int k = 0; k < flips; k++) {
                /* bias towards headers: the first 2 KiB and record boundaries */
                size_t pos = xorshift(&seed) % 3 == 0 ? xorshift(&seed) % (n < 2048 ? n : 2048)
                                                      : xorshift(&seed) % n;
                switch (xorshift(&seed) % 4) {
                case 0: b[pos] = (uint8_t)xorshift(&seed); break;
                case 1: b[pos] ^= (uint8_t)(1u << (xorshift(&seed) % 8)); break;
                case 2: b[pos] = 0xff; break;
                default: b[pos] = 0; break;
                }
            }
            if (xorshift(&seed) % 3 == 0) {
                /* Same bytes read as another supported link type: exercises every
                 * converter on odd input. pcap: header offset 20; pcapng: the IDB's. */
                static const uint16_t lts[] = { 0, 1, 101, 108, 113, 228, 229, 276 };
                uint16_t lt = lts[xorshift(&seed) % (sizeof lts / sizeof lts[0])];
                size_t at = fi == 1 ? 52 : 20;
                if (at + 2 <= n) {
                    b[at] = (uint8_t)lt;
                    b[at + 1] = (uint8_t)(lt >> 8);
                }
            }
            if (xorshift(&seed) % 4 == 0)
                n = xorshift(&seed) % (n + 1);
            write_bytes(p, b, n);
            tr_options o = { xorshift(&seed) % 2 ? 1500u : 60u + xorshift(&seed) % 3000u,
                             (int)(xorshift(&seed) % 2), (int)(xorshift(&seed) % 2), NULL };
            tr_trace *t = NULL;
            char err[512] = "";
            int rc = tr_open(&t, p, &o, err, sizeof err);
            if (rc < 0) {
                ck_assert_ptr_null(t);
                ck_assert_int_eq(strncmp(err, p, strlen(p)), 0);
                ck_assert_ptr_null(strchr(err, '\n'));
                continue;
            }
            tr_frame f;
            uint64_t frames = 0;
            for (int pass = 0; pass < 2; pass++) {
                while ((rc = tr_next(t, &f, err, sizeof err)) == 1) {
                    ck_assert_uint_ge(f.len, 14);
                    ck_assert_uint_le(f.len, TR_FRAME_MAX);
                    volatile uint8_t sink = f.data[0] ^ f.data[f.len - 1];
                    (void)sink;
                    ck_assert_uint_lt(++frames, 1000000);
                }
                if (rc < 0) {
                    ck_assert_int_eq(strncmp(err, p, strlen(p)), 0);
                    ck_assert_ptr_null(strchr(err, '\n'));
                }
                if (tr_rewind(t, err, sizeof err) < 0)
                    break;
            }
            tr_close(t);
        }
        free(b);
        free(orig);
    }
    tmp_remove(&d);
}
END_TEST

/* ---- items of real-world captures -------------------------------------------------- */

/* A pcapng file written block by block, in either byte order. */
typedef struct ngbuf {
    uint8_t b[300000];
    size_t n;
    int be;
} ngbuf;

static void ng_put(ngbuf *g, uint64_t v, int bytes)
{
    for (int i = 0; i < bytes; i++)
        g->b[g->n + (size_t)i] = (uint8_t)(g->be ? v >> (8 * (bytes - 1 - i)) : v >> (8 * i));
    g->n += (size_t)bytes;
}

static void ng_raw(ngbuf *g, const void *p, size_t len)
{
    memcpy(g->b + g->n, p, len);
    g->n += len;
    while (g->n % 4)
        g->b[g->n++] = 0;
}

static size_t ng_begin(ngbuf *g, uint32_t type)
{
    size_t start = g->n;
    ng_put(g, type, 4);
    ng_put(g, 0, 4); /* length, set by ng_end */
    return start;
}

static void ng_end(ngbuf *g, size_t start)
{
    uint32_t len = (uint32_t)(g->n - start + 4);
    size_t save = g->n;
    g->n = start + 4;
    ng_put(g, len, 4);
    g->n = save;
    ng_put(g, len, 4);
}

static void ng_shb(ngbuf *g)
{
    size_t st = ng_begin(g, 0x0a0d0d0a);
    ng_put(g, 0x1a2b3c4d, 4);
    ng_put(g, 1, 2);
    ng_put(g, 0, 2);
    ng_put(g, UINT64_MAX, 8);
    ng_end(g, st);
}

/* tsresol < 0: no option. */
static void ng_idb(ngbuf *g, uint16_t lt, uint32_t snap, int tsresol, int64_t tsoffset)
{
    size_t st = ng_begin(g, 1);
    ng_put(g, lt, 2);
    ng_put(g, 0, 2);
    ng_put(g, snap, 4);
    if (tsresol >= 0) {
        ng_put(g, 9, 2);
        ng_put(g, 1, 2);
        uint8_t v = (uint8_t)tsresol;
        ng_raw(g, &v, 1);
    }
    if (tsoffset) {
        ng_put(g, 14, 2);
        ng_put(g, 8, 2);
        ng_put(g, (uint64_t)tsoffset, 8);
    }
    ng_put(g, 0, 4); /* opt_endofopt */
    ng_end(g, st);
}

static void ng_epb(ngbuf *g, uint32_t ifid, uint64_t units, const uint8_t *d, uint32_t caplen,
                   uint32_t len)
{
    size_t st = ng_begin(g, 6);
    ng_put(g, ifid, 4);
    ng_put(g, units >> 32, 4);
    ng_put(g, units & 0xffffffffu, 4);
    ng_put(g, caplen, 4);
    ng_put(g, len, 4);
    ng_raw(g, d, caplen);
    ng_end(g, st);
}

static void ng_spb(ngbuf *g, const uint8_t *d, uint32_t len)
{
    size_t st = ng_begin(g, 3);
    ng_put(g, len, 4);
    ng_raw(g, d, len);
    ng_end(g, st);
}

static void ng_other(ngbuf *g, uint32_t type)
{
    size_t st = ng_begin(g, type);
    ng_put(g, 0xdeadbeef, 4);
    ng_end(g, st);
}

/* Interfaces of different link types, snap lengths and timestamp resolutions in one file
 * (Wireshark reads these; libpcap refuses them), in both byte orders; blocks we do not
 * need are skipped, records on an interface of an unsupported link type counted. */
START_TEST(test_pcapng_multi_interface)
{
    tmpdir d;
    tmp_make(&d);
    char path[600];
    tmp_file(&d, "multi.pcapng", path, sizeof path);
    ngbuf *g = calloc(1, sizeof *g);
    ck_assert_ptr_nonnull(g);
    uint8_t fr[256], ip[256], sll[300];
    pkt_spec sp = spec_v4_tcp();
    size_t n = build(&sp, 40, fr, sizeof fr);
    size_t ipn = n - 14;
    memcpy(ip, fr + 14, ipn);
    size_t sn = sll1(sll, 0, 6, mac_remote, PKT_ETHERTYPE_IPV4, ip, ipn);
    const uint64_t sec = 1700000000ull;
    g->be = _i;
    ng_shb(g);
    ng_idb(g, DLT_EN10MB, 262144, -1, 0);                 /* microseconds */
    ng_other(g, 4);                                        /* name resolution block */
    ng_idb(g, DLT_LINUX_SLL, 128, 9, 0);                   /* nanoseconds, short snaplen */
    ng_idb(g, 105, 65535, 0x80 | 20, 0);                   /* 802.11, 2^-20 s */
    ng_idb(g, 101, 65535, 3, 10);                          /* raw IP, ms, +10 s offset */
    ng_epb(g, 0, sec * 1000000 + 5, fr, (uint32_t)n, (uint32_t)n);
    ng_epb(g, 1, sec * 1000000000 + 123456789, sll, (uint32_t)sn, (uint32_t)sn);
    ng_epb(g, 2, (sec << 20) | (1u << 19), fr, 20, 20);    /* skipped */
    ng_other(g, 0x40000bad);                               /* unknown block */
    ng_spb(g, fr, (uint32_t)n);                            /* interface 0, no timestamp */
    ng_epb(g, 3, sec * 1000 + 7, ip, (uint32_t)ipn, (uint32_t)ipn);
    ng_other(g, 5);                                        /* interface statistics */
    write_bytes(path, g->b, g->n);

    fset s = read_all(path, 1500, 1);
    ck_assert_msg(s.rc == 0, "%s", s.err);
    ck_assert_int_eq(s.dlt, DLT_EN10MB);
    ck_assert_uint_eq(s.st.records, 5);
    ck_assert_uint_eq(s.st.other_linktype, 1);
    ck_assert_uint_eq(s.n, 4);
    ck_assert_uint_eq(s.v[0].no, 1);
    ck_assert_uint_eq(s.v[0].ts, sec * 1000000000 + 5000);
    ck_assert_uint_eq(s.v[1].no, 2);
    ck_assert_uint_eq(s.v[1].ts, sec * 1000000000 + 123456789);
    ck_assert_uint_eq(s.v[2].no, 4);
    ck_assert_uint_eq(s.v[2].ts, sec * 1000000000 + 500000000); /* simple packet block:
                                                                    the previous record's time */
    ck_assert_uint_eq(s.v[3].no, 5);
    ck_assert_uint_eq(s.v[3].ts, (sec + 10) * 1000000000 + 7000000);
    for (size_t i = 0; i < 4; i++) {
        ck_assert_uint_eq(s.v[i].len, n);
        ck_assert_mem_eq(s.v[i].d + 14, ip, ipn);
    }
    ck_assert_mem_eq(s.v[0].d, fr, n);
    ck_assert_uint_eq(s.st.ts_backwards, 0);
    fset_free(&s);

    tr_trace *t = NULL;
    char err[512];
    ck_assert_int_eq(tr_open(&t, path, NULL, err, sizeof err), 0);
    ck_assert_int_eq(tr_other_linktype(t), -1);
    tr_frame f;
    while (tr_next(t, &f, err, sizeof err) == 1)
        ;
    ck_assert_int_eq(tr_other_linktype(t), 105);
    tr_close(t);

    /* binary resolution: 2^-20 s */
    g->n = 0;
    ng_shb(g);
    ng_idb(g, DLT_EN10MB, 0, 0x80 | 20, 0);
    ng_epb(g, 0, (sec << 20) | (1u << 19), fr, (uint32_t)n, (uint32_t)n);
    write_bytes(path, g->b, g->n);
    s = read_all(path, 1500, 1);
    ck_assert_msg(s.rc == 0, "%s", s.err);
    ck_assert_uint_eq(s.v[0].ts, sec * 1000000000 + 500000000);
    fset_free(&s);

    /* only unsupported interfaces: refused at open */
    g->n = 0;
    ng_shb(g);
    ng_idb(g, 105, 0, -1, 0);
    ng_epb(g, 0, 1, fr, 20, 20);
    write_bytes(path, g->b, g->n);
    expect_open_error(path, TR_ERR_LINKTYPE, "unsupported link type 105 (IEEE802_11)");

    /* a record on an interface never described */
    g->n = 0;
    ng_shb(g);
    ng_idb(g, DLT_EN10MB, 0, -1, 0);
    ng_epb(g, 0, 1, fr, (uint32_t)n, (uint32_t)n);
    ng_epb(g, 7, 2, fr, (uint32_t)n, (uint32_t)n);
    write_bytes(path, g->b, g->n);
    s = read_all(path, 1500, 1);
    ck_assert_int_eq(s.rc, TR_ERR_FORMAT);
    ck_assert_uint_eq(s.n, 1);
    ck_assert_ptr_nonnull(strstr(s.err, "record 2: interface 7 is not described"));
    ck_assert_int_eq(strncmp(s.err, path, strlen(path)), 0);
    fset_free(&s);

    /* a timestamp that does not fit 64-bit nanoseconds */
    g->n = 0;
    ng_shb(g);
    ng_idb(g, DLT_EN10MB, 0, 0, 0); /* seconds */
    ng_epb(g, 0, UINT64_MAX / 2, fr, (uint32_t)n, (uint32_t)n);
    write_bytes(path, g->b, g->n);
    s = read_all(path, 1500, 1);
    ck_assert_int_eq(s.rc, TR_ERR_FORMAT);
    ck_assert_ptr_nonnull(strstr(s.err, "record 1: timestamp out of range"));
    fset_free(&s);
    free(g);
    tmp_remove(&d);
}
END_TEST

/* A capture taken on a sender with transmit checksum offload: its TCP/UDP checksums hold
 * the folded pseudo-header sum (Linux) or its complement. Repaired on request, counted
 * either way; good and plainly bad checksums are left alone. */
START_TEST(test_partial_checksums)
{
    tmpdir d;
    tmp_make(&d);
    char path[600];
    tmp_file(&d, "partial.pcap", path, sizeof path);
    static uint8_t f[6][4096];
    size_t n[6];
    pkt_spec sp = spec_v4_tcp();
    n[0] = build(&sp, 1000, f[0], sizeof f[0]);
    n[1] = build(&sp, 0, f[1], sizeof f[1]);         /* correct: kept */
    sp.bad_l4_csum = 1;
    n[2] = build(&sp, 100, f[2], sizeof f[2]);       /* wrong, not partial: kept */
    sp.bad_l4_csum = 0;
    sp.proto = PKT_IPPROTO_UDP;
    sp.ipv6 = 1;
    sp.src[0] = 0x20; sp.src[15] = 1;
    sp.dst[0] = 0x20; sp.dst[15] = 2;
    n[3] = build(&sp, 300, f[3], sizeof f[3]);
    sp.ipv6 = 0;
    memset(sp.src, 0, 16); memset(sp.dst, 0, 16);
    sp.src[0] = 10; sp.src[3] = 1; sp.dst[0] = 10; sp.dst[3] = 2;
    n[4] = build(&sp, 10, f[4], sizeof f[4]);
    pkt_put16(f[4] + 14 + 20 + 6, 0);                 /* UDP without checksum: kept */
    sp.proto = PKT_IPPROTO_TCP;
    n[5] = build(&sp, 3000 - 40, f[5], sizeof f[5]); /* oversize: re-segmented anyway */
    /* partial: Linux style (folded sum) on 0 and 5, complement on 3 */
    for (int i = 0; i < 6; i++) {
        if (i != 0 && i != 3 && i != 5)
            continue;
        pinfo p;
        ck_assert(parse(f[i], n[i], &p));
        uint32_t ps = p.v6 ? pkt_csum_pseudo(p.ip + 8, p.ip + 24, 16, p.proto, (uint32_t)p.l4_len)
                           : pkt_csum_pseudo(p.ip + 12, p.ip + 16, 4, p.proto, (uint32_t)p.l4_len);
        uint16_t v = pkt_csum_fold(ps);
        pkt_put16((uint8_t *)p.l4 + (p.proto == PKT_IPPROTO_TCP ? 16 : 6),
                 i == 3 ? (uint16_t)~v : v);
        ck_assert(!l4_csum_ok(&p));
    }
    rec rr[6];
    for (int i = 0; i < 6; i++)
        rr[i] = (rec){ f[i], (uint32_t)n[i], (uint32_t)n[i], 1000u * (uint64_t)(i + 1) };
    write_capture(path, DLT_EN10MB, 0, rr, 6);

    fset s = read_all_fix(path, 1500, 1, 1);
    ck_assert_msg(s.rc == 0, "%s", s.err);
    ck_assert_uint_eq(s.st.csum_partial, 3);
    ck_assert_uint_eq(s.st.csum_repaired, 3);
    ck_assert_uint_eq(s.n, 5 + 3);
    for (size_t i = 0; i < s.n; i++) {
        pinfo p;
        ck_assert(parse(s.v[i].d, s.v[i].len, &p));
        if (s.v[i].no == 3)
            ck_assert(!l4_csum_ok(&p));
        else if (s.v[i].no == 5)
            ck_assert_uint_eq(pkt_get16(p.l4 + 6), 0);
        else
            ck_assert_msg(l4_csum_ok(&p), "record %llu", (unsigned long long)s.v[i].no);
        if (s.v[i].no <= 5) /* only the checksum field may differ */
            ck_assert_mem_eq(s.v[i].d + p.l2 + p.l3 + (p.proto == 6 ? 18 : 8),
                             f[s.v[i].no - 1] + p.l2 + p.l3 + (p.proto == 6 ? 18 : 8),
                             p.l4_len - (p.proto == 6 ? 18 : 8));
    }
    fset_free(&s);

    s = read_all_fix(path, 1500, 1, 0); /* kept as captured, still counted */
    ck_assert_uint_eq(s.st.csum_partial, 3);
    ck_assert_uint_eq(s.st.csum_repaired, 0);
    ck_assert_mem_eq(s.v[0].d, f[0], n[0]);
    ck_assert_mem_eq(s.v[2].d, f[2], n[2]);
    ck_assert_mem_eq(s.v[3].d, f[3], n[3]);
    fset_free(&s);

    /* shipped traces hold none (the deliberately bad checksum in mixed-v6 is not partial) */
    s = read_all_fix(MIXED, 1500, 1, 1);
    ck_assert_uint_eq(s.st.csum_partial, 0);
    fset_free(&s);
    s = read_all_fix(QUICKSTART, 1500, 1, 1);
    ck_assert_uint_eq(s.st.csum_partial, 0);
    fset_free(&s);
    tmp_remove(&d);
}
END_TEST

/* Frames of 64 KiB and more do not fit the NIC's 16-bit frame length: a TCP one is
 * re-segmented even when its IP packet is within the MTU, anything else is dropped. */
START_TEST(test_frame_64k)
{
    tmpdir d;
    tmp_make(&d);
    char path[600];
    tmp_file(&d, "64k.pcap", path, sizeof path);
    uint8_t *f[3];
    size_t n[3];
    for (int i = 0; i < 3; i++) {
        f[i] = calloc(1, 70000);
        ck_assert_ptr_nonnull(f[i]);
    }
    /* 65,536-byte TCP frame: IP 65,522 bytes (VLAN tag makes L2 18) */
    n[0] = oversize_frame(0, 1, 0, 0x10, 1, 65536 - 18 - 20 - 32, f[0], 70000);
    ck_assert_uint_eq(n[0], 65536);
    /* 65,600-byte UDP frame (IPv4 total length 0, as GSO leaves it) */
    pkt_spec sp = spec_v4_tcp();
    sp.proto = PKT_IPPROTO_UDP;
    size_t small = build(&sp, 100, f[1], 70000);
    (void)small;
    pkt_put16(f[1] + 14 + 2, 0);
    n[1] = 65600;
    /* 65,535 bytes: the largest that passes untouched (MTU permitting) */
    n[2] = oversize_frame(0, 0, 0, 0x10, 1, 65535 - 14 - 20 - 32, f[2], 70000);
    rec rr[3];
    for (int i = 0; i < 3; i++)
        rr[i] = (rec){ f[i], (uint32_t)n[i], (uint32_t)n[i], 1000u * (uint64_t)(i + 1) };
    write_capture(path, DLT_EN10MB, 0, rr, 3);
    fset s = read_all(path, 65535, 1);
    ck_assert_msg(s.rc == 0, "%s", s.err);
    ck_assert_uint_eq(s.st.oversize_dropped, 1);
    ck_assert_uint_eq(s.st.resegmented, 1);
    ck_assert_uint_eq(s.n, 3);
    size_t total = 0;
    for (size_t i = 0; i < 2; i++) {
        ck_assert_uint_eq(s.v[i].no, 1);
        ck_assert_uint_le(s.v[i].len, TR_FRAME_MAX);
        total += check_segment(&s.v[i], 65535);
    }
    ck_assert_uint_eq(total, 65536 - 18 - 20 - 32);
    ck_assert_uint_eq(s.v[2].no, 3);
    ck_assert_uint_eq(s.v[2].len, 65535);
    ck_assert_mem_eq(s.v[2].d, f[2], 65535);
    fset_free(&s);
    s = read_all(path, 65535, 0);
    ck_assert_uint_eq(s.st.oversize_dropped, 2);
    ck_assert_uint_eq(s.n, 1);
    fset_free(&s);
    for (int i = 0; i < 3; i++)
        free(f[i]);
    tmp_remove(&d);
}
END_TEST

/* IPv6 BIG TCP: payload length 0 and a hop-by-hop Jumbo Payload option. Re-segmented like
 * the same packet without the option; the segments carry no hop-by-hop header. */
START_TEST(test_ipv6_jumbo)
{
    tmpdir d;
    tmp_make(&d);
    char path[600];
    tmp_file(&d, "jumbo.pcap", path, sizeof path);
    enum { PLEN = 100000, TCPHL = 32 };
    uint8_t hdr[2048];
    size_t hn = oversize_frame(1, 0, 0, 0x18, 7000, 100, hdr, sizeof hdr);
    (void)hn;
    size_t l2 = 14, total = l2 + 40 + 8 + TCPHL + PLEN;
    uint8_t *fr = malloc(total);
    ck_assert_ptr_nonnull(fr);
    memcpy(fr, hdr, l2 + 40);
    uint8_t *ip = fr + l2;
    pkt_put16(ip + 4, 0);
    ip[6] = 0; /* hop-by-hop */
    uint8_t hbh[8] = { 6, 0, 0xc2, 4, 0, 0, 0, 0 };
    pkt_put32(hbh + 4, 8 + TCPHL + PLEN);
    memcpy(ip + 40, hbh, 8);
    uint8_t *th = ip + 48;
    memcpy(th, hdr + l2 + 40, TCPHL);
    for (size_t i = 0; i < PLEN; i++)
        th[TCPHL + i] = (uint8_t)(i * 31 + (i >> 9));
    pkt_put16(th + 16, 0);
    uint32_t sum = pkt_csum_pseudo(ip + 8, ip + 24, 16, 6, TCPHL + PLEN);
    pkt_put16(th + 16, (uint16_t)~pkt_csum_fold(pkt_csum_add(sum, th, TCPHL + PLEN)));
    rec r = { fr, (uint32_t)total, (uint32_t)total, 5 };
    write_capture(path, DLT_EN10MB, 0, &r, 1);

    fset s = read_all(path, 1500, 1);
    ck_assert_msg(s.rc == 0, "%s", s.err);
    ck_assert_uint_eq(s.st.resegmented, 1);
    ck_assert_uint_eq(s.st.jumbo, 1);
    ck_assert_uint_eq(s.st.oversize_dropped, 0);
    size_t mss = 1500 - 40 - TCPHL;
    ck_assert_uint_eq(s.n, (PLEN + mss - 1) / mss);
    size_t done = 0;
    for (size_t k = 0; k < s.n; k++) {
        pinfo p;
        ck_assert(parse(s.v[k].d, s.v[k].len, &p));
        ck_assert_uint_eq(p.ip[6], 6); /* no hop-by-hop header left */
        ck_assert_uint_eq(p.l3, 40);
        size_t plen = check_segment(&s.v[k], 1500);
        ck_assert_uint_eq(plen, k + 1 < s.n ? mss : PLEN - done);
        ck_assert_mem_eq(p.l4 + TCPHL, th + TCPHL + done, plen);
        ck_assert_uint_eq(pkt_get32(p.l4 + 4), 7000u + (uint32_t)done);
        done += plen;
    }
    ck_assert_uint_eq(done, PLEN);
    fset_free(&s);
    s = read_all(path, 1500, 0);
    ck_assert_uint_eq(s.st.oversize_dropped, 1);
    ck_assert_uint_eq(s.n, 0);
    fset_free(&s);
    free(fr);
    tmp_remove(&d);
}
END_TEST

/* Timestamps that go backwards are counted (and replayed as they come). */
START_TEST(test_ts_backwards)
{
    tmpdir d;
    tmp_make(&d);
    char path[600];
    tmp_file(&d, "back.pcap", path, sizeof path);
    uint8_t fr[128];
    pkt_spec sp = spec_v4_tcp();
    size_t n = build(&sp, 0, fr, sizeof fr);
    rec rr[5] = { { fr, (uint32_t)n, (uint32_t)n, 5000 }, { fr, (uint32_t)n, (uint32_t)n, 3000 },
                  { fr, (uint32_t)n, (uint32_t)n, 3000 }, { fr, (uint32_t)n, (uint32_t)n, 9000 },
                  { fr, (uint32_t)n, (uint32_t)n, 1000 } };
    write_capture(path, DLT_EN10MB, 1, rr, 5);
    fset s = read_all(path, 1500, 1);
    ck_assert_uint_eq(s.n, 5);
    ck_assert_uint_eq(s.st.ts_backwards, 2);
    ck_assert_uint_eq(s.v[4].ts, 1000);
    fset_free(&s);
    tmp_remove(&d);
}
END_TEST

/* tr_options.filter: applied to each record as captured, rejected records counted; an
 * expression that does not fit the capture's link type is an error naming the key. */
START_TEST(test_filter)
{
    char err[512];
    tr_trace *t = NULL;
    tr_options all = {1500, 1, 0, NULL};
    ck_assert_int_eq(tr_open(&t, QUICKSTART, &all, err, sizeof err), 0);
    tr_frame f;
    uint64_t total = 0, tcp5001 = 0;
    while (tr_next(t, &f, err, sizeof err) > 0) {
        pkt_frame_info in;
        total++;
        if (pkt_frame_parse(f.data, f.len, &in) == 0 && in.proto == PKT_IPPROTO_TCP && in.l4_off &&
            pkt_get16(f.data + in.l4_off + 2) == 5001)
            tcp5001++;
    }
    tr_close(t);
    ck_assert_uint_gt(tcp5001, 0);

    tr_options flt = {1500, 1, 0, "tcp dst port 5001"};
    ck_assert_int_eq(tr_open(&t, QUICKSTART, &flt, err, sizeof err), 0);
    uint64_t n = 0;
    for (int pass = 0; pass < 2; pass++) {
        while (tr_next(t, &f, err, sizeof err) > 0) {
            pkt_frame_info in;
            ck_assert_int_eq(pkt_frame_parse(f.data, f.len, &in), 0);
            ck_assert_uint_eq(pkt_get16(f.data + in.l4_off + 2), 5001);
            n++;
        }
        if (pass == 0)
            ck_assert_int_eq(tr_rewind(t, err, sizeof err), 0);
    }
    ck_assert_uint_eq(n, 2 * tcp5001);
    ck_assert_uint_eq(tr_get_stats(t)->filtered, 2 * (total - tcp5001));
    ck_assert_uint_eq(tr_get_stats(t)->records, 2 * total);
    tr_close(t);

    /* Linux cooked capture: "inbound" is its own; Ethernet addresses it has not */
    tr_options in = {1500, 1, 0, "inbound"};
    ck_assert_int_eq(tr_open(&t, NICSIM_TRACES_DIR "/sll-gro.pcap", &in, err, sizeof err), 0);
    while (tr_next(t, &f, err, sizeof err) > 0)
        ;
    ck_assert_uint_gt(tr_get_stats(t)->filtered, 0);
    ck_assert_uint_lt(tr_get_stats(t)->filtered, tr_get_stats(t)->records);
    tr_close(t);
    tr_options eth = {1500, 1, 0, "ether src 02:00:00:00:00:01"};
    ck_assert_int_eq(tr_open(&t, NICSIM_TRACES_DIR "/sll-gro.pcap", &eth, err, sizeof err), 0);
    ck_assert_int_lt(tr_next(t, &f, err, sizeof err), 0);
    ck_assert_msg(strstr(err, "replay.filter: 'ether src 02:00:00:00:00:01' cannot be used on ") == err, "%s", err);
    ck_assert_ptr_nonnull(strstr(err, "(link type LINUX_SLL)"));
    tr_close(t);
}
END_TEST

static Suite *trace_suite(void)
{
    Suite *s = suite_create("trace");
    TCase *tc = tcase_create("linktypes");
    tcase_add_test(tc, test_en10mb_as_is);
    tcase_add_test(tc, test_linux_sll);
    tcase_add_test(tc, test_linux_sll2);
    tcase_add_loop_test(tc, test_raw_ip, 0, (int)(sizeof raw_dlts / sizeof raw_dlts[0]));
    tcase_add_test(tc, test_linktype_raw_101);
    tcase_add_loop_test(tc, test_null_loop, 0, 2);
    tcase_add_test(tc, test_linktype_names);
    tcase_add_test(tc, test_fcs_stripped);
    suite_add_tcase(s, tc);

    tc = tcase_create("records");
    tcase_add_test(tc, test_timestamps_us_ns);
    tcase_add_test(tc, test_truncated_zero_fill);
    tcase_add_test(tc, test_truncated_bounds);
    tcase_add_test(tc, test_truncated_resegment);
    tcase_add_loop_test(tc, test_resegment, 0,
                        (int)(sizeof reseg_cases / sizeof reseg_cases[0]));
    tcase_add_test(tc, test_oversize_not_resegmentable);
    tcase_add_test(tc, test_mtu_boundary);
    tcase_add_test(tc, test_vlan_tag_set);
    tcase_add_test(tc, test_big_tcp);
    tcase_add_test(tc, test_frame_64k);
    tcase_add_test(tc, test_ipv6_jumbo);
    tcase_add_test(tc, test_partial_checksums);
    tcase_add_test(tc, test_ts_backwards);
    tcase_add_loop_test(tc, test_pcapng_multi_interface, 0, 2);
    suite_add_tcase(s, tc);

    tc = tcase_create("shipped");
    tcase_add_test(tc, test_pcapng_mixed);
    tcase_add_test(tc, test_quickstart);
    tcase_add_test(tc, test_sll_gro);
    tcase_add_test(tc, test_chimney_bulk);
    tcase_add_test(tc, test_chimney_chatty);
    tcase_add_test(tc, test_rewind);
    tcase_add_test(tc, test_two_handles);
    suite_add_tcase(s, tc);

    tc = tcase_create("malformed");
    tcase_add_test(tc, test_bad_open);
    tcase_add_test(tc, test_truncated_file);
    tcase_add_test(tc, test_stdin);
    tcase_add_test(tc, test_fuzz_shipped);
    tcase_add_test(tc, test_filter);
    tcase_set_timeout(tc, 120);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(trace_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
