/* Check suite: packet helpers (pkt_unit). The frame parser's tag set must equal the RTL
 * parser's (rtl/rx_parser.v): 0x8100 and 0x88a8, at most two; 0x9100 is not a tag. */
#include <check.h>
#include <string.h>

#include "pkt.h"

static pkt_spec spec_v4(void)
{
    pkt_spec s;
    memset(&s, 0, sizeof s);
    const uint8_t src[4] = {192, 168, 1, 7}, dst[4] = {10, 0, 0, 2};
    memcpy(s.src, src, 4);
    memcpy(s.dst, dst, 4);
    s.proto = PKT_IPPROTO_TCP;
    s.sport = 1033;
    s.dport = 445;
    s.seq = 1000;
    s.ack = 1;
    s.tcp_flags = PKT_TCP_ACK;
    s.window = 65535;
    return s;
}

static const uint8_t payload[100] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};

/* Builds a frame and inserts `ntags` extra tags with the given TPIDs in front of the
 * ethertype (after the MAC addresses). Returns the length. */
static size_t tagged(uint8_t *out, size_t cap, int ntags, const uint16_t *tpid)
{
    pkt_spec s = spec_v4();
    uint8_t f[256];
    int n = pkt_build(&s, payload, sizeof payload, f, sizeof f);
    ck_assert_int_gt(n, 0);
    size_t len = (size_t)n + (size_t)ntags * PKT_VLAN_HLEN;
    ck_assert_uint_le(len, cap);
    memcpy(out, f, PKT_ETH_TYPE_OFF);
    uint8_t *p = out + PKT_ETH_TYPE_OFF;
    for (int i = 0; i < ntags; i++) {
        pkt_put16(p, tpid[i]);
        pkt_put16(p + 2, (uint16_t)(100 + i));
        p += PKT_VLAN_HLEN;
    }
    memcpy(p, f + PKT_ETH_TYPE_OFF, (size_t)n - PKT_ETH_TYPE_OFF);
    return len;
}

START_TEST(build_and_parse_ipv4_tcp)
{
    pkt_spec s = spec_v4();
    s.vlan = 1;
    s.vlan_tci = 42;
    uint8_t f[256];
    int n = pkt_build(&s, payload, sizeof payload, f, sizeof f);
    ck_assert_int_eq(n, PKT_ETH_HLEN + PKT_VLAN_HLEN + PKT_IPV4_HLEN + PKT_TCP_HLEN + 100);
    pkt_frame_info fi;
    ck_assert_int_eq(pkt_frame_parse(f, (size_t)n, &fi), 0);
    ck_assert_int_eq(fi.vlan_tags, 1);
    ck_assert_uint_eq(fi.vlan_tpid[0], PKT_ETHERTYPE_VLAN);
    ck_assert_uint_eq(fi.vlan_tci[0], 42);
    ck_assert_uint_eq(fi.ethertype, PKT_ETHERTYPE_IPV4);
    ck_assert_uint_eq(fi.l2_len, 18);
    ck_assert_int_eq(fi.l3, 4);
    ck_assert_uint_eq(fi.l3_off, 18);
    ck_assert_uint_eq(fi.proto, PKT_IPPROTO_TCP);
    ck_assert_uint_eq(fi.sport, 1033);
    ck_assert_uint_eq(fi.dport, 445);
    ck_assert_uint_eq(fi.payload_off, 58);
    ck_assert_uint_eq(fi.payload_len, 100);
    ck_assert_mem_eq(f + fi.payload_off, payload, 100);
    /* both checksums verify */
    ck_assert_uint_eq(pkt_csum_fold(pkt_csum_add(0, f + fi.l3_off, PKT_IPV4_HLEN)), 0xffff);
    uint32_t sum = pkt_csum_pseudo(fi.src, fi.dst, 4, fi.proto, (uint32_t)(fi.ip_end - fi.l4_off));
    ck_assert_uint_eq(pkt_csum_fold(pkt_csum_add(sum, f + fi.l4_off, fi.ip_end - fi.l4_off)),
                      0xffff);
}
END_TEST

START_TEST(short_frame_padded)
{
    pkt_spec s = spec_v4();
    uint8_t f[128];
    ck_assert_int_eq(pkt_build(&s, NULL, 0, f, sizeof f), PKT_ETH_MIN_FRAME);
    pkt_frame_info fi;
    ck_assert_int_eq(pkt_frame_parse(f, PKT_ETH_MIN_FRAME, &fi), 0);
    ck_assert_uint_eq(fi.ip_end, 54); /* padding is not part of the IP packet */
    ck_assert_uint_eq(fi.payload_len, 0);
    ck_assert_int_eq(pkt_build(&s, NULL, 0, f, 59), -1);
}
END_TEST

/* 802.1ad outside 802.1Q (QinQ) and two 802.1Q tags: both skipped. */
START_TEST(two_tags)
{
    static const uint16_t sets[2][2] = {{PKT_ETHERTYPE_QINQ, PKT_ETHERTYPE_VLAN},
                                        {PKT_ETHERTYPE_VLAN, PKT_ETHERTYPE_VLAN}};
    for (int i = 0; i < 2; i++) {
        uint8_t f[256];
        size_t n = tagged(f, sizeof f, 2, sets[i]);
        pkt_frame_info fi;
        ck_assert_int_eq(pkt_frame_parse(f, n, &fi), 0);
        ck_assert_int_eq(fi.vlan_tags, 2);
        ck_assert_uint_eq(fi.vlan_tpid[0], sets[i][0]);
        ck_assert_uint_eq(fi.vlan_tci[1], 101);
        ck_assert_uint_eq(fi.l3_off, 22);
        ck_assert_uint_eq(fi.payload_len, 100);
    }
}
END_TEST

/* The pre-standard QinQ TPID 0x9100 is not a tag (the NIC does not skip it either). */
START_TEST(tpid_9100_is_not_a_tag)
{
    ck_assert(!pkt_is_vlan_tpid(0x9100));
    ck_assert(pkt_is_vlan_tpid(PKT_ETHERTYPE_VLAN));
    ck_assert(pkt_is_vlan_tpid(PKT_ETHERTYPE_QINQ));
    static const uint16_t outer[2] = {0x9100, PKT_ETHERTYPE_VLAN};
    uint8_t f[256];
    size_t n = tagged(f, sizeof f, 2, outer);
    pkt_frame_info fi;
    ck_assert_int_eq(pkt_frame_parse(f, n, &fi), -1);
    ck_assert_int_eq(fi.l3, 0);
    ck_assert_int_eq(fi.vlan_tags, 0);
    ck_assert_uint_eq(fi.ethertype, 0x9100);
    ck_assert_uint_eq(fi.l2_len, PKT_ETH_HLEN);
    ck_assert_uint_eq(fi.ip_end, 0);
}
END_TEST

/* A third tag is not skipped: its TPID is the ethertype, the frame is not IP. */
START_TEST(three_tags_not_ip)
{
    static const uint16_t t3[3] = {PKT_ETHERTYPE_QINQ, PKT_ETHERTYPE_VLAN, PKT_ETHERTYPE_VLAN};
    uint8_t f[256];
    size_t n = tagged(f, sizeof f, 3, t3);
    pkt_frame_info fi;
    ck_assert_int_eq(pkt_frame_parse(f, n, &fi), -1);
    ck_assert_int_eq(fi.vlan_tags, 2);
    ck_assert_uint_eq(fi.ethertype, PKT_ETHERTYPE_VLAN);
    ck_assert_uint_eq(fi.l2_len, 22);
}
END_TEST

/* A tag cut short by the end of the frame: not IP, the TPID stays the ethertype. */
START_TEST(truncated_tag)
{
    static const uint16_t t1[1] = {PKT_ETHERTYPE_VLAN};
    uint8_t f[256];
    tagged(f, sizeof f, 1, t1);
    pkt_frame_info fi;
    ck_assert_int_eq(pkt_frame_parse(f, 17, &fi), -1);
    ck_assert_uint_eq(fi.ethertype, PKT_ETHERTYPE_VLAN);
    ck_assert_uint_eq(fi.l2_len, PKT_ETH_HLEN);
    ck_assert_int_eq(pkt_frame_parse(f, 13, &fi), -1);
    ck_assert_uint_eq(fi.ethertype, 0);
}
END_TEST

/* IPv4 total length 0: malformed by default, "to the end of the frame" on request (BIG TCP). */
START_TEST(ipv4_length_zero)
{
    pkt_spec s = spec_v4();
    uint8_t f[256];
    int n = pkt_build(&s, payload, sizeof payload, f, sizeof f);
    pkt_put16(f + PKT_ETH_HLEN + 2, 0);
    pkt_frame_info fi;
    ck_assert_int_eq(pkt_frame_parse(f, (size_t)n, &fi), -1);
    ck_assert_int_eq(fi.l3, 0);
    ck_assert_uint_eq(fi.ip_end, PKT_ETH_HLEN); /* the declared (empty) packet */
    ck_assert_int_eq(pkt_frame_parse_opts(f, (size_t)n, PKT_PARSE_LEN0_TO_END, &fi), 0);
    ck_assert_uint_eq(fi.ip_end, (size_t)n);
    ck_assert_uint_eq(fi.payload_len, 100);
}
END_TEST

START_TEST(ipv6_udp_and_fragment)
{
    pkt_spec s = spec_v4();
    s.ipv6 = 1;
    s.src[0] = 0x20; s.src[1] = 0x01; s.src[15] = 1;
    s.dst[0] = 0x20; s.dst[1] = 0x01; s.dst[15] = 2;
    s.proto = PKT_IPPROTO_UDP;
    uint8_t f[256];
    int n = pkt_build(&s, payload, 10, f, sizeof f);
    pkt_frame_info fi;
    ck_assert_int_eq(pkt_frame_parse(f, (size_t)n, &fi), 0);
    ck_assert_int_eq(fi.l3, 6);
    ck_assert_uint_eq(fi.proto, PKT_IPPROTO_UDP);
    ck_assert_uint_eq(fi.payload_off, PKT_ETH_HLEN + PKT_IPV6_HLEN + PKT_UDP_HLEN);
    ck_assert_uint_eq(fi.payload_len, 10);
    /* insert a fragment header with offset 1: a fragment, no ports */
    uint8_t g[256];
    size_t ip = PKT_ETH_HLEN;
    memcpy(g, f, ip + PKT_IPV6_HLEN);
    memcpy(g + ip + PKT_IPV6_HLEN + 8, f + ip + PKT_IPV6_HLEN, (size_t)n - ip - PKT_IPV6_HLEN);
    uint8_t *fh = g + ip + PKT_IPV6_HLEN;
    memset(fh, 0, 8);
    fh[0] = PKT_IPPROTO_UDP;
    pkt_put16(fh + 2, 1 << 3);
    g[ip + 6] = PKT_IPPROTO_FRAGMENT;
    pkt_put16(g + ip + 4, (uint16_t)(pkt_get16(f + ip + 4) + 8));
    ck_assert_int_eq(pkt_frame_parse(g, (size_t)n + 8, &fi), 0);
    ck_assert_int_eq(fi.frag, 1);
    ck_assert_uint_eq(fi.payload_off, 0);
    ck_assert_uint_eq(fi.sport, 0);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("pkt_unit");
    TCase *tc = tcase_create("pkt");
    tcase_add_test(tc, build_and_parse_ipv4_tcp);
    tcase_add_test(tc, short_frame_padded);
    tcase_add_test(tc, two_tags);
    tcase_add_test(tc, tpid_9100_is_not_a_tag);
    tcase_add_test(tc, three_tags_not_ip);
    tcase_add_test(tc, truncated_tag);
    tcase_add_test(tc, ipv4_length_zero);
    tcase_add_test(tc, ipv6_udp_and_fragment);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
