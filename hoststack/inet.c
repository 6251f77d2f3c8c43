#include "inet.h"

#include <string.h>

uint32_t hs_csum_add(uint32_t sum, const void *data, size_t len)
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

uint16_t hs_csum_fold(uint32_t sum)
{
    while (sum >> 16)
        sum = (sum & 0xffffu) + (sum >> 16);
    return (uint16_t)sum;
}

uint32_t hs_csum_pseudo(const uint8_t *src, const uint8_t *dst, int alen, uint8_t proto,
                        uint32_t l4_len)
{
    uint32_t sum = hs_csum_add(0, src, (size_t)alen);
    sum = hs_csum_add(sum, dst, (size_t)alen);
    uint8_t tail[8] = {0};
    hs_put32(tail, l4_len);
    tail[7] = proto;
    return hs_csum_add(sum, tail, sizeof tail);
}

int hs_pkt_build(const hs_pkt_spec *s, const uint8_t *payload, size_t plen, uint8_t *out,
                 size_t cap)
{
    size_t l2 = HS_ETH_HLEN + (s->vlan ? 4 : 0);
    size_t l3 = s->ipv6 ? 40 : 20;
    size_t l4 = s->proto == HS_IPPROTO_TCP ? 20 : s->proto == HS_IPPROTO_UDP ? 8 : 0;
    size_t total = l2 + l3 + l4 + plen;
    size_t framelen = total < 60 ? 60 : total;
    if (framelen > cap || l3 + l4 + plen > 0xffff)
        return -1;
    memset(out, 0, framelen);

    memcpy(out, s->dst_mac, 6);
    memcpy(out + 6, s->src_mac, 6);
    uint8_t *p = out + 12;
    if (s->vlan) {
        hs_put16(p, HS_ETHERTYPE_VLAN);
        hs_put16(p + 2, s->vlan_tci);
        p += 4;
    }
    hs_put16(p, s->ipv6 ? HS_ETHERTYPE_IPV6 : HS_ETHERTYPE_IPV4);
    uint8_t *ip = out + l2;
    uint8_t *th = ip + l3;
    uint8_t ttl = s->ttl ? s->ttl : 64;
    int alen = s->ipv6 ? 16 : 4;
    if (s->ipv6) {
        ip[0] = 0x60;
        hs_put16(ip + 4, (uint16_t)(l4 + plen));
        ip[6] = s->proto;
        ip[7] = ttl;
        memcpy(ip + 8, s->src, 16);
        memcpy(ip + 24, s->dst, 16);
    } else {
        ip[0] = 0x45;
        hs_put16(ip + 2, (uint16_t)(l3 + l4 + plen));
        hs_put16(ip + 4, s->ip_id);
        ip[6] = 0x40; /* DF */
        ip[8] = ttl;
        ip[9] = s->proto;
        memcpy(ip + 12, s->src, 4);
        memcpy(ip + 16, s->dst, 4);
        uint16_t c = (uint16_t)~hs_csum_fold(hs_csum_add(0, ip, 20));
        if (s->bad_ip_csum)
            c ^= 0x5a5a;
        hs_put16(ip + 10, c);
    }
    if (plen)
        memcpy(th + l4, payload, plen);
    if (l4) {
        hs_put16(th, s->sport);
        hs_put16(th + 2, s->dport);
        size_t csum_off;
        if (s->proto == HS_IPPROTO_TCP) {
            hs_put32(th + 4, s->seq);
            hs_put32(th + 8, s->ack);
            th[12] = 5 << 4;
            th[13] = s->tcp_flags;
            hs_put16(th + 14, s->window);
            csum_off = 16;
        } else {
            hs_put16(th + 4, (uint16_t)(l4 + plen));
            csum_off = 6;
        }
        uint32_t sum = hs_csum_pseudo(ip + (s->ipv6 ? 8 : 12), ip + (s->ipv6 ? 24 : 16), alen,
                                      s->proto, (uint32_t)(l4 + plen));
        uint16_t c = (uint16_t)~hs_csum_fold(hs_csum_add(sum, th, l4 + plen));
        if (s->proto == HS_IPPROTO_UDP && c == 0)
            c = 0xffff;
        if (s->bad_l4_csum)
            c ^= 0x1234;
        hs_put16(th + csum_off, c);
    }
    return (int)framelen;
}

static int hs_ext_header_len(uint8_t nh, const uint8_t *p)
{
    switch (nh) {
    case 0:  /* hop-by-hop */
    case 43: /* routing */
    case 60: /* destination options */
        return (p[1] + 1) * 8;
    case 44: /* fragment */
        return 8;
    case 51: /* AH */
        return (p[1] + 2) * 4;
    default:
        return -1;
    }
}

int hs_frame_parse(const uint8_t *f, size_t len, hs_frame_info *in)
{
    memset(in, 0, sizeof *in);
    if (len < HS_ETH_HLEN)
        return -1;
    size_t off = 12;
    uint16_t et = hs_get16(f + off);
    for (int tags = 0; (et == HS_ETHERTYPE_VLAN || et == 0x88a8) && tags < 2; tags++) {
        off += 4;
        if (off + 2 > len)
            return -1;
        et = hs_get16(f + off);
    }
    off += 2;
    const uint8_t *ip = f + off;
    if (et == HS_ETHERTYPE_IPV4) {
        if (off + 20 > len || (ip[0] >> 4) != 4)
            return -1;
        size_t ihl = (size_t)(ip[0] & 15) * 4;
        size_t tot = hs_get16(ip + 2);
        if (ihl < 20 || off + ihl > len || tot < ihl)
            return -1;
        in->l3 = 4;
        in->l3_off = off;
        in->proto = ip[9];
        in->src = ip + 12;
        in->dst = ip + 16;
        in->frag = (hs_get16(ip + 6) & 0x3fff) != 0;
        in->ip_end = off + tot < len ? off + tot : len;
        in->l4_off = off + ihl;
    } else if (et == HS_ETHERTYPE_IPV6) {
        if (off + 40 > len || (ip[0] >> 4) != 6)
            return -1;
        in->l3 = 6;
        in->l3_off = off;
        in->src = ip + 8;
        in->dst = ip + 24;
        size_t end = off + 40 + hs_get16(ip + 4);
        in->ip_end = end < len ? end : len;
        uint8_t nh = ip[6];
        size_t p = off + 40;
        for (int i = 0; i < 8; i++) {
            if (nh != 0 && nh != 43 && nh != 60 && nh != 44 && nh != 51)
                break;
            if (p + 8 > len)
                return 0; /* addresses known, L4 not reached */
            if (nh == 44 && (hs_get16(f + p + 2) & 0xfff9) != 0)
                in->frag = 1;
            int hl = hs_ext_header_len(nh, f + p);
            nh = f[p];
            p += (size_t)hl;
        }
        in->proto = nh;
        in->l4_off = p;
    } else {
        return -1;
    }
    if (in->frag)
        return 0;
    size_t l4 = in->l4_off;
    if (in->proto == HS_IPPROTO_TCP && l4 + 20 <= in->ip_end) {
        size_t doff = (size_t)(f[l4 + 12] >> 4) * 4;
        in->sport = hs_get16(f + l4);
        in->dport = hs_get16(f + l4 + 2);
        if (doff >= 20 && l4 + doff <= in->ip_end) {
            in->payload_off = l4 + doff;
            in->payload_len = in->ip_end - in->payload_off;
        }
    } else if (in->proto == HS_IPPROTO_UDP && l4 + 8 <= in->ip_end) {
        in->sport = hs_get16(f + l4);
        in->dport = hs_get16(f + l4 + 2);
        in->payload_off = l4 + 8;
        in->payload_len = in->ip_end - in->payload_off;
    }
    return 0;
}
