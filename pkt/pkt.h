/* nicsim packet helpers: big-endian loads/stores, the Internet checksum, a small frame
 * builder (Ethernet/802.1Q, IPv4, IPv6, TCP, UDP) and the one frame parser every C user of
 * nicsim shares (host stack, trace reader, replay, tests). Plain C11, no simulator headers.
 * Prefix pkt_. All multi-byte header fields in frames are in network byte order; values in
 * the structures below say their byte order next to them.
 *
 * VLAN tags: the parser skips at most PKT_MAX_VLAN_TAGS tags whose TPID is 0x8100 (802.1Q) or
 * 0x88a8 (802.1ad), exactly the set the RTL parser (rtl/rx_parser.v) accepts. The
 * pre-standard QinQ TPID 0x9100 is NOT a tag: a frame with ethertype 0x9100 is a non-IP frame,
 * for the NIC and for every software user alike. */
#ifndef NICSIM_PKT_H
#define NICSIM_PKT_H
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Ethernet */
#define PKT_ETH_ALEN 6             /* bytes per MAC address */
#define PKT_ETH_HLEN 14            /* destination MAC, source MAC, ethertype */
#define PKT_ETH_TYPE_OFF 12        /* offset of the (first) ethertype/TPID field */
#define PKT_ETH_MIN_FRAME 60       /* shortest frame without FCS; shorter ones are padded */
#define PKT_VLAN_HLEN 4            /* one tag: TPID + TCI */
#define PKT_MAX_VLAN_TAGS 2        /* tags skipped before the ethertype (as the RTL) */
#define PKT_ETHERTYPE_MIN 0x0600   /* smaller values in an ethertype field are 802.3 lengths */
#define PKT_ETHERTYPE_IPV4 0x0800
#define PKT_ETHERTYPE_IPV6 0x86DD
#define PKT_ETHERTYPE_ARP 0x0806
#define PKT_ETHERTYPE_VLAN 0x8100  /* 802.1Q C-tag TPID */
#define PKT_ETHERTYPE_QINQ 0x88A8  /* 802.1ad S-tag TPID */

/* IP */
#define PKT_IPV4_HLEN 20           /* IPv4 header without options */
#define PKT_IPV6_HLEN 40           /* IPv6 fixed header */
#define PKT_IPV4_DF 0x4000         /* IPv4 flags/fragment-offset word: don't fragment */
#define PKT_IPV4_FRAG_MASK 0x3fff  /* ... MF bit and fragment offset: nonzero = a fragment */
#define PKT_IPV6_FRAG_MASK 0xfff9  /* IPv6 fragment header offset/M word: nonzero = a fragment */
#define PKT_IPPROTO_HOPOPTS 0      /* IPv6 hop-by-hop options */
#define PKT_IPPROTO_TCP 6
#define PKT_IPPROTO_UDP 17
#define PKT_IPPROTO_ROUTING 43     /* IPv6 routing header */
#define PKT_IPPROTO_FRAGMENT 44    /* IPv6 fragment header */
#define PKT_IPPROTO_AH 51          /* authentication header */
#define PKT_IPPROTO_DSTOPTS 60     /* IPv6 destination options */
#define PKT_IPV6_EXT_MAX 8         /* extension headers walked before giving up */

/* TCP/UDP */
#define PKT_TCP_HLEN 20            /* TCP header without options */
#define PKT_UDP_HLEN 8
#define PKT_TCP_FIN 0x01           /* TCP flag bits (byte 13 of the header) */
#define PKT_TCP_SYN 0x02
#define PKT_TCP_RST 0x04
#define PKT_TCP_PSH 0x08
#define PKT_TCP_ACK 0x10
#define PKT_TCP_URG 0x20
#define PKT_TCP_ECE 0x40
#define PKT_TCP_CWR 0x80

/* Big-endian loads/stores. */
static inline uint16_t pkt_get16(const uint8_t *p) { return (uint16_t)((p[0] << 8) | p[1]); }
static inline uint32_t pkt_get32(const uint8_t *p)
{
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}
static inline void pkt_put16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }
static inline void pkt_put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24); p[1] = (uint8_t)(v >> 16); p[2] = (uint8_t)(v >> 8); p[3] = (uint8_t)v;
}

/* ---- Internet checksum (RFC 1071) ---- */

/* Ones'-complement sum of big-endian 16-bit words of `data`, starting the word
 * boundary at data[0]; an odd last byte is padded with zero. Unfolded 32-bit
 * accumulator: feed the result back in as `sum` to continue. */
uint32_t pkt_csum_add(uint32_t sum, const void *data, size_t len);
/* Fold to 16 bits (no complement). */
uint16_t pkt_csum_fold(uint32_t sum);
/* Pseudo-header sum for TCP/UDP (addresses in network order; alen 4 or 16; l4_len host order). */
uint32_t pkt_csum_pseudo(const uint8_t *src, const uint8_t *dst, int alen, uint8_t proto,
                         uint32_t l4_len);

/* ---- frame builder ---- */
typedef struct pkt_spec {
    int ipv6;              /* 0: IPv4, 1: IPv6 */
    uint8_t src[16];       /* source address, network order (first 4 bytes for IPv4) */
    uint8_t dst[16];       /* destination address, network order */
    uint8_t proto;         /* PKT_IPPROTO_TCP, PKT_IPPROTO_UDP or another IP protocol */
    uint16_t sport, dport; /* host order */
    uint32_t seq, ack;     /* TCP, host order */
    uint8_t tcp_flags;     /* TCP flags byte (PKT_TCP_*) */
    uint16_t window;       /* TCP window, host order */
    int vlan;              /* 1: insert an 802.1Q tag */
    uint16_t vlan_tci;     /* host order */
    uint8_t src_mac[PKT_ETH_ALEN], dst_mac[PKT_ETH_ALEN];
    uint16_t ip_id;        /* IPv4 identification, host order */
    uint8_t ttl;           /* 0 means 64 */
    int bad_ip_csum;       /* 1: corrupt the IPv4 header checksum */
    int bad_l4_csum;       /* 1: corrupt the TCP/UDP checksum */
} pkt_spec;

/* Builds one frame (no FCS) carrying `plen` payload bytes into out[cap].
 * Frames shorter than PKT_ETH_MIN_FRAME bytes are zero-padded to it.
 * Returns the frame length, or -1 if cap is too small. */
int pkt_build(const pkt_spec *s, const uint8_t *payload, size_t plen, uint8_t *out, size_t cap);

/* ---- frame parser ---- */

/* Result of a light parse of an Ethernet frame (no checksum work). Offsets are from the
 * start of the frame. */
typedef struct pkt_frame_info {
    /* L2: valid whenever the frame has an Ethernet header (len >= PKT_ETH_HLEN) */
    int vlan_tags;       /* tags skipped (0..PKT_MAX_VLAN_TAGS) */
    uint16_t vlan_tpid[PKT_MAX_VLAN_TAGS]; /* their TPIDs, outermost first, host order */
    uint16_t vlan_tci[PKT_MAX_VLAN_TAGS];  /* their TCIs, host order */
    uint16_t ethertype;  /* after the tags, host order (a TPID if a tag was cut short) */
    size_t l2_len;       /* Ethernet header + tags (<= len) */
    /* L3 */
    int l3;              /* 0 other (or malformed), 4 IPv4, 6 IPv6 */
    int frag;            /* IP fragment (IPv4 MF/offset, IPv6 fragment header with offset/M) */
    uint8_t proto;       /* IPv4 protocol / IPv6 final next header */
    size_t l3_off;       /* offset of the IP header (0 if not IP) */
    size_t l4_off;       /* offset of the L4 header (0 if not found) */
    size_t ip_end;       /* offset just past the IP packet (excludes Ethernet padding, <= len);
                            also set when the IP header turns out malformed (return -1), as soon
                            as the fixed header is present; 0 if there is none */
    const uint8_t *src;  /* source address in the frame (network order), NULL if not IP */
    const uint8_t *dst;
    uint16_t sport, dport;  /* host order, TCP/UDP non-fragments only */
    size_t payload_off;  /* TCP/UDP payload offset (0 if none) */
    size_t payload_len;  /* TCP/UDP payload bytes */
} pkt_frame_info;

/* Parser options (pkt_frame_parse_opts). */
enum pkt_parse_flags {
    /* An IPv4 total length or IPv6 payload length of 0 means "up to the end of the frame"
     * (how Linux captures GSO/BIG TCP packets) instead of a malformed header. */
    PKT_PARSE_LEN0_TO_END = 1u << 0
};

/* 1 if `ethertype` is a VLAN tag TPID the parser skips (0x8100, 0x88a8; never 0x9100). */
static inline int pkt_is_vlan_tpid(uint16_t ethertype)
{
    return ethertype == PKT_ETHERTYPE_VLAN || ethertype == PKT_ETHERTYPE_QINQ;
}

/* Parses Ethernet (+ up to two VLAN tags), IPv4/IPv6 (options, extension headers), TCP/UDP.
 * Returns 0 when an IP header was found, -1 otherwise (info->l3 == 0; the L2 fields and
 * ip_end stay meaningful as documented above). */
int pkt_frame_parse(const uint8_t *frame, size_t len, pkt_frame_info *info);
/* pkt_frame_parse with PKT_PARSE_* flags. */
int pkt_frame_parse_opts(const uint8_t *frame, size_t len, unsigned flags, pkt_frame_info *info);

#ifdef __cplusplus
}
#endif
#endif
