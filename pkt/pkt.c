#include "pkt.h"

#include <string.h>

uint32_t pkt_csum_add(uint32_t sum, const void *data, size_t len)
{
    const uint8_t *p = data;
    uint64_t acc = sum;
    size_t i = 0;
    for (; i + 1 < len; i += 2)
        acc += (uint32_t)((p[i] << 8) | p[i + 1]);
    if (i < len)
        acc += (uint32_t)(p[i] << 8);
    while (acc >> 32)
        acc = (acc & 0xffffffffu) + (acc >> 32);
    return (uint32_t)acc;
}

uint16_t pkt_csum_fold(uint32_t sum)
{
    while (sum >> 16)
        sum = (sum & 0xffffu) + (sum >> 16);
    return (uint16_t)sum;
}

uint32_t pkt_csum_pseudo(const uint8_t *src, const uint8_t *dst, int alen, uint8_t proto,
                         uint32_t l4_len)
{
    uint32_t sum = pkt_csum_add(0, src, (size_t)alen);
    sum = pkt_csum_add(sum, dst, (size_t)alen);
    uint8_t tail[8] = {0};
    pkt_put32(tail, l4_len);
    tail[7] = proto;
    return pkt_csum_add(sum, tail, sizeof tail);
}

int pkt_build(const pkt_spec *s, const uint8_t *payload, size_t plen, uint8_t *out, size_t cap)
{
    size_t l2 = PKT_ETH_HLEN + (s->vlan ? PKT_VLAN_HLEN : 0);
    size_t l3 = s->ipv6 ? PKT_IPV6_HLEN : PKT_IPV4_HLEN;
    size_t l4 = s->proto == PKT_IPPROTO_TCP ? PKT_TCP_HLEN
              : s->proto == PKT_IPPROTO_UDP ? PKT_UDP_HLEN : 0;
    size_t total = l2 + l3 + l4 + plen;
    size_t framelen = total < PKT_ETH_MIN_FRAME ? PKT_ETH_MIN_FRAME : total;
    if (framelen > cap || l3 + l4 + plen > 0xffff)
        return -1;
    memset(out, 0, framelen);

    memcpy(out, s->dst_mac, PKT_ETH_ALEN);
    memcpy(out + PKT_ETH_ALEN, s->src_mac, PKT_ETH_ALEN);
    uint8_t *p = out + PKT_ETH_TYPE_OFF;
    if (s->vlan) {
        pkt_put16(p, PKT_ETHERTYPE_VLAN);
        pkt_put16(p + 2, s->vlan_tci);
        p += PKT_VLAN_HLEN;
    }
    pkt_put16(p, s->ipv6 ? PKT_ETHERTYPE_IPV6 : PKT_ETHERTYPE_IPV4);
    uint8_t *ip = out + l2;
    uint8_t *th = ip + l3;
    uint8_t ttl = s->ttl ? s->ttl : 64;
    int alen = s->ipv6 ? 16 : 4;
    if (s->ipv6) {
        ip[0] = 0x60; /* version 6 */
        pkt_put16(ip + 4, (uint16_t)(l4 + plen));
        ip[6] = s->proto;
        ip[7] = ttl;
        memcpy(ip + 8, s->src, 16);
        memcpy(ip + 24, s->dst, 16);
    } else {
        ip[0] = 0x45; /* version 4, 5 words */
        pkt_put16(ip + 2, (uint16_t)(l3 + l4 + plen));
        pkt_put16(ip + 4, s->ip_id);
        pkt_put16(ip + 6, PKT_IPV4_DF);
        ip[8] = ttl;
        ip[9] = s->proto;
        memcpy(ip + 12, s->src, 4);
        memcpy(ip + 16, s->dst, 4);
        uint16_t c = (uint16_t)~pkt_csum_fold(pkt_csum_add(0, ip, PKT_IPV4_HLEN));
        if (s->bad_ip_csum)
            c ^= 0x5a5a;
        pkt_put16(ip + 10, c);
    }
    if (plen)
        memcpy(th + l4, payload, plen);
    if (l4) {
        pkt_put16(th, s->sport);
        pkt_put16(th + 2, s->dport);
        size_t csum_off;
        if (s->proto == PKT_IPPROTO_TCP) {
            pkt_put32(th + 4, s->seq);
            pkt_put32(th + 8, s->ack);
            th[12] = (PKT_TCP_HLEN / 4) << 4;
            th[13] = s->tcp_flags;
            pkt_put16(th + 14, s->window);
            csum_off = 16;
        } else {
            pkt_put16(th + 4, (uint16_t)(l4 + plen));
            csum_off = 6;
        }
        uint32_t sum = pkt_csum_pseudo(ip + (s->ipv6 ? 8 : 12), ip + (s->ipv6 ? 24 : 16), alen,
                                       s->proto, (uint32_t)(l4 + plen));
        uint16_t c = (uint16_t)~pkt_csum_fold(pkt_csum_add(sum, th, l4 + plen));
        if (s->proto == PKT_IPPROTO_UDP && c == 0)
            c = 0xffff;
        if (s->bad_l4_csum)
            c ^= 0x1234;
        pkt_put16(th + csum_off, c);
    }
    return (int)framelen;
}

/* ---- parser ---- */

static int pkt_is_ext_header(uint8_t nh)
{
    return nh == PKT_IPPROTO_HOPOPTS || nh == PKT_IPPROTO_ROUTING || nh == PKT_IPPROTO_DSTOPTS ||
           nh == PKT_IPPROTO_FRAGMENT || nh == PKT_IPPROTO_AH;
}

static int pkt_ext_header_len(uint8_t nh, const uint8_t *p)
{
    switch (nh) {
    case PKT_IPPROTO_HOPOPTS:
    case PKT_IPPROTO_ROUTING:
    case PKT_IPPROTO_DSTOPTS:
        return (p[1] + 1) * 8;
    case PKT_IPPROTO_FRAGMENT:
        return 8;
    case PKT_IPPROTO_AH:
        return (p[1] + 2) * 4;
    default:
        return -1;
    }
}

/* Ethernet header and VLAN tags. Returns 0 when an ethertype follows, -1 when a tag is cut
 * short (the ethertype is then the tag's TPID and l2_len stops before it). */
static int pkt_parse_l2(const uint8_t *f, size_t len, pkt_frame_info *in)
{
    size_t off = PKT_ETH_TYPE_OFF;
    uint16_t et = pkt_get16(f + off);
    while (pkt_is_vlan_tpid(et) && in->vlan_tags < PKT_MAX_VLAN_TAGS) {
        if (off + PKT_VLAN_HLEN + 2 > len) {
            in->ethertype = et;
            in->l2_len = off + 2;
            return -1;
        }
        in->vlan_tpid[in->vlan_tags] = et;
        in->vlan_tci[in->vlan_tags] = pkt_get16(f + off + 2);
        in->vlan_tags++;
        off += PKT_VLAN_HLEN;
        et = pkt_get16(f + off);
    }
    in->ethertype = et;
    in->l2_len = off + 2;
    return 0;
}

static int pkt_parse_ipv4(const uint8_t *f, size_t len, unsigned flags, pkt_frame_info *in)
{
    size_t off = in->l2_len;
    const uint8_t *ip = f + off;
    if (off + PKT_IPV4_HLEN > len || (ip[0] >> 4) != 4)
        return -1;
    size_t ihl = (size_t)(ip[0] & 15) * 4;
    size_t tot = pkt_get16(ip + 2);
    if (tot == 0 && (flags & PKT_PARSE_LEN0_TO_END))
        tot = len - off;
    in->ip_end = off + tot < len ? off + tot : len;
    if (ihl < PKT_IPV4_HLEN || off + ihl > len || tot < ihl)
        return -1;
    in->l3 = 4;
    in->l3_off = off;
    in->proto = ip[9];
    in->src = ip + 12;
    in->dst = ip + 16;
    in->frag = (pkt_get16(ip + 6) & PKT_IPV4_FRAG_MASK) != 0;
    in->l4_off = off + ihl;
    return 0;
}

static int pkt_parse_ipv6(const uint8_t *f, size_t len, unsigned flags, pkt_frame_info *in)
{
    size_t off = in->l2_len;
    const uint8_t *ip = f + off;
    if (off + PKT_IPV6_HLEN > len || (ip[0] >> 4) != 6)
        return -1;
    size_t plen = pkt_get16(ip + 4);
    if (plen == 0 && (flags & PKT_PARSE_LEN0_TO_END))
        plen = len - off - PKT_IPV6_HLEN;
    size_t end = off + PKT_IPV6_HLEN + plen;
    in->ip_end = end < len ? end : len;
    in->l3 = 6;
    in->l3_off = off;
    in->src = ip + 8;
    in->dst = ip + 24;
    uint8_t nh = ip[6];
    size_t p = off + PKT_IPV6_HLEN;
    for (int i = 0; i < PKT_IPV6_EXT_MAX && pkt_is_ext_header(nh); i++) {
        if (p + 8 > len)
            return 0; /* addresses known, L4 not reached */
        if (nh == PKT_IPPROTO_FRAGMENT && (pkt_get16(f + p + 2) & PKT_IPV6_FRAG_MASK) != 0)
            in->frag = 1;
        int hl = pkt_ext_header_len(nh, f + p);
        nh = f[p];
        p += (size_t)hl;
    }
    in->proto = nh;
    in->l4_off = p;
    return 0;
}

/* TCP/UDP ports and payload of a non-fragment. */
static void pkt_parse_l4(const uint8_t *f, pkt_frame_info *in)
{
    size_t l4 = in->l4_off;
    if (in->proto == PKT_IPPROTO_TCP && l4 + PKT_TCP_HLEN <= in->ip_end) {
        size_t doff = (size_t)(f[l4 + 12] >> 4) * 4;
        in->sport = pkt_get16(f + l4);
        in->dport = pkt_get16(f + l4 + 2);
        if (doff >= PKT_TCP_HLEN && l4 + doff <= in->ip_end) {
            in->payload_off = l4 + doff;
            in->payload_len = in->ip_end - in->payload_off;
        }
    } else if (in->proto == PKT_IPPROTO_UDP && l4 + PKT_UDP_HLEN <= in->ip_end) {
        in->sport = pkt_get16(f + l4);
        in->dport = pkt_get16(f + l4 + 2);
        in->payload_off = l4 + PKT_UDP_HLEN;
        in->payload_len = in->ip_end - in->payload_off;
    }
}

int pkt_frame_parse_opts(const uint8_t *f, size_t len, unsigned flags, pkt_frame_info *in)
{
    memset(in, 0, sizeof *in);
    if (len < PKT_ETH_HLEN)
        return -1;
    if (pkt_parse_l2(f, len, in) != 0)
        return -1;
    int rc;
    if (in->ethertype == PKT_ETHERTYPE_IPV4)
        rc = pkt_parse_ipv4(f, len, flags, in);
    else if (in->ethertype == PKT_ETHERTYPE_IPV6)
        rc = pkt_parse_ipv6(f, len, flags, in);
    else
        rc = -1;
    if (rc != 0 || in->frag || in->l4_off == 0)
        return rc;
    pkt_parse_l4(f, in);
    return 0;
}

int pkt_frame_parse(const uint8_t *f, size_t len, pkt_frame_info *in)
{
    return pkt_frame_parse_opts(f, len, 0, in);
}
