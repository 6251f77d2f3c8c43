/* Internet checksum and a small frame builder (Ethernet/802.1Q, IPv4, IPv6, TCP, UDP).
 * All multi-byte header fields are written in network byte order. */
#ifndef NICSIM_INET_H
#define NICSIM_INET_H
#include <stddef.h>
#include <stdint.h>

#define HS_ETH_HLEN 14
#define HS_ETHERTYPE_IPV4 0x0800
#define HS_ETHERTYPE_IPV6 0x86DD
#define HS_ETHERTYPE_VLAN 0x8100
#define HS_IPPROTO_TCP 6
#define HS_IPPROTO_UDP 17

/* Ones'-complement sum of big-endian 16-bit words of `data`, starting the word
 * boundary at data[0]; an odd last byte is padded with zero. Unfolded 32-bit
 * accumulator: feed the result back in as `sum` to continue. */
uint32_t hs_csum_add(uint32_t sum, const void *data, size_t len);
/* Fold to 16 bits (no complement). */
uint16_t hs_csum_fold(uint32_t sum);
/* Pseudo-header sum for TCP/UDP (addresses in network order; alen 4 or 16). */
uint32_t hs_csum_pseudo(const uint8_t *src, const uint8_t *dst, int alen, uint8_t proto,
                        uint32_t l4_len);

/* Frame builder. */
typedef struct hs_pkt_spec {
    int ipv6;              /* 0: IPv4, 1: IPv6 */
    uint8_t src[16];       /* source address, network order (first 4 bytes for IPv4) */
    uint8_t dst[16];       /* destination address, network order */
    uint8_t proto;         /* HS_IPPROTO_TCP, HS_IPPROTO_UDP or another IP protocol */
    uint16_t sport, dport; /* host order */
    uint32_t seq, ack;     /* TCP, host order */
    uint8_t tcp_flags;     /* TCP flags byte (0x10 = ACK, 0x02 = SYN, 0x01 = FIN, 0x08 = PSH) */
    uint16_t window;       /* TCP window, host order */
    int vlan;              /* 1: insert an 802.1Q tag */
    uint16_t vlan_tci;     /* host order */
    uint8_t src_mac[6], dst_mac[6];
    uint16_t ip_id;        /* IPv4 identification, host order */
    uint8_t ttl;           /* 0 means 64 */
    int bad_ip_csum;       /* 1: corrupt the IPv4 header checksum */
    int bad_l4_csum;       /* 1: corrupt the TCP/UDP checksum */
} hs_pkt_spec;

/* Builds one frame (no FCS) carrying `plen` payload bytes into out[cap].
 * Frames shorter than 60 bytes are zero-padded to 60.
 * Returns the frame length, or -1 if cap is too small. */
int hs_pkt_build(const hs_pkt_spec *s, const uint8_t *payload, size_t plen, uint8_t *out,
                 size_t cap);

/* Big-endian loads/stores. */
static inline uint16_t hs_get16(const uint8_t *p) { return (uint16_t)((p[0] << 8) | p[1]); }
static inline uint32_t hs_get32(const uint8_t *p)
{
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}
static inline void hs_put16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }
static inline void hs_put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24); p[1] = (uint8_t)(v >> 16); p[2] = (uint8_t)(v >> 8); p[3] = (uint8_t)v;
}

#endif

/* Result of a light parse of an Ethernet frame (no checksum work). */
typedef struct hs_frame_info {
    int l3;              /* 0 other, 4 IPv4, 6 IPv6 */
    int frag;            /* IP fragment (IPv4 MF/offset, IPv6 fragment header with offset/M) */
    uint8_t proto;       /* IPv4 protocol / IPv6 final next header */
    size_t l3_off;       /* offset of the IP header */
    size_t l4_off;       /* offset of the L4 header (0 if not found) */
    size_t ip_end;       /* offset just past the IP packet (excludes Ethernet padding) */
    const uint8_t *src;  /* source address in the frame (network order), NULL if not IP */
    const uint8_t *dst;
    uint16_t sport, dport;  /* host order, TCP/UDP non-fragments only */
    size_t payload_off;  /* TCP/UDP payload offset (0 if none) */
    size_t payload_len;  /* TCP/UDP payload bytes */
} hs_frame_info;

/* Parses Ethernet (+ up to two VLAN tags), IPv4/IPv6 (options, extension headers), TCP/UDP.
 * Returns 0 when an IP header was found, -1 otherwise (info->l3 == 0). */
int hs_frame_parse(const uint8_t *frame, size_t len, hs_frame_info *info);
