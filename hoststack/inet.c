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
