/* Check suite: software stack receive path (hoststack_tcp): ACK generation and delayed-ACK
 * timer, checksum verification vs NIC verdicts, demux and drops, UDP, RSS hash use,
 * streams on disk, two independent stacks. */
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hs_test_util.h"

static hs_stack *mk_default(tb_tx *tx, tb_app *app, int offload)
{
    hs_config cfg;
    hs_config_defaults(&cfg);
    cfg.csum_offload = offload;
    return tb_stack(&cfg, tx, app, NULL);
}

/* Every second full-size segment: one ACK with the right fields and valid checksums. */
START_TEST(ack_every_second_full_segment)
{
    tb_tx tx = {0};
    tb_app app = {0};
    hs_stack *s = mk_default(&tx, &app, 0);
    tb_flow fl;
    tb_flow4(&fl, 7, 1025, 445);
    uint8_t stream[6 * 1460];
    tb_fill(stream, sizeof stream, 1);
    const uint32_t isn = 0x10203040;
    tb_send(s, &fl, isn, stream, 0, 1460, 0x10, 100);
    ck_assert_int_eq(tx.n, 0);
    tb_send(s, &fl, isn, stream, 1460, 1460, 0x10, 200);
    ck_assert_int_eq(tx.n, 1);
    tb_seg a = tb_tx_decode(&tx, 0);
    ck_assert_uint_eq(a.flags, 0x10);
    ck_assert_uint_eq(a.ack, isn + 2920);
    ck_assert_uint_eq(a.seq, fl.ack);  /* our sequence = what the sender acknowledged */
    ck_assert_uint_eq(a.window, 65535);
    ck_assert_uint_eq(a.sport, 445);
    ck_assert_uint_eq(a.dport, 1025);
    ck_assert_int_eq(a.l3, 4);
    ck_assert_mem_eq(a.src, fl.dst, 4);
    ck_assert_mem_eq(a.dst, fl.src, 4);
    ck_assert_mem_eq(a.dst_mac, tb_mac_sender, 6);
    ck_assert_mem_eq(a.src_mac, tb_mac_host, 6);
    /* the ACK cancelled the delayed-ACK timer */
    ck_assert_uint_eq(hs_next_timer_ns(s), UINT64_MAX);
    for (int i = 2; i < 6; i++)
        tb_send(s, &fl, isn, stream, (uint32_t)i * 1460, 1460, 0x10, 300 + (uint64_t)i);
    ck_assert_int_eq(tx.n, 3);
    hs_stats st = tb_stats(s);
    ck_assert_uint_eq(st.acks_sent, 3);
    ck_assert_uint_eq(st.acks_every_n, 3);
    ck_assert_uint_eq(st.in_order_segments, 6);
    ck_assert_uint_eq(st.bytes_copied, sizeof stream);
    /* tx cycles are charged as driver work */
    ck_assert_uint_eq(st.kind_cycles[HS_K_DRIVER], 0);
    hs_close(s, NULL, 0);
    ck_assert_mem_eq(app.data, stream, sizeof stream);
    tb_app_free(&app);

    /* ack_every = 1, and the driver's cycles for each ACK land in the driver kind */
    memset(&tx, 0, sizeof tx);
    tx.cycles_each = 1234;
    hs_config cfg;
    hs_config_defaults(&cfg);
    cfg.ack_every = 1;
    s = tb_stack(&cfg, &tx, NULL, NULL);
    tb_send(s, &fl, isn, stream, 0, 1460, 0x10, 0);
    tb_send(s, &fl, isn, stream, 1460, 1460, 0x10, 1);
    ck_assert_int_eq(tx.n, 2);
    st = tb_stats(s);
    ck_assert_uint_eq(st.kind_cycles[HS_K_DRIVER], 2 * 1234);
    hs_close(s, NULL, 0);
}
END_TEST

/* A lone segment is acknowledged by the delayed-ACK timer exactly at its deadline. */
START_TEST(delayed_ack_timer)
{
    for (int variant = 0; variant < 2; variant++) {
        tb_tx tx = {0};
        hs_config cfg;
        hs_config_defaults(&cfg);
        uint64_t delack = variant ? 50000000ull : 200000000ull;
        if (variant)
            cfg.delack_ns = delack;
        cfg.cpus = 2;
        hs_stack *s = tb_stack(&cfg, &tx, NULL, NULL);
        tb_flow fl;
        tb_flow4(&fl, 7, 1026, 445);
        uint8_t pl[100];
        tb_fill(pl, sizeof pl, 2);
        uint8_t fr[TB_FRAME_CAP];
        int n = tb_tcp(&fl, 500, 0x18, pl, 100, fr);
        const uint64_t t0 = 1000000;
        hs_rx_frame f = {fr, (uint32_t)n, 0, 0, HS_CSUM_UNVERIFIED, 1, 1, 0, 0, 0, 0, 0};
        hs_rx(s, &f, t0);
        ck_assert_int_eq(tx.n, 0);
        ck_assert_uint_eq(hs_next_timer_ns(s), t0 + delack);
        ck_assert_uint_eq(hs_next_timer_cpu_ns(s, 1), t0 + delack);
        ck_assert_uint_eq(hs_next_timer_cpu_ns(s, 0), UINT64_MAX);
        ck_assert_uint_eq(hs_timer(s, 1, t0 + delack - 1), 0);
        ck_assert_uint_eq(hs_timer(s, 0, t0 + delack), 0); /* not that CPU's connection */
        ck_assert_int_eq(tx.n, 0);
        uint64_t cyc = hs_timer(s, 1, t0 + delack);
        ck_assert_uint_gt(cyc, 0);
        ck_assert_int_eq(tx.n, 1);
        ck_assert_int_eq(tx.cpu[0], 1);
        tb_seg a = tb_tx_decode(&tx, 0);
        ck_assert_uint_eq(a.ack, 600);
        hs_stats st = tb_stats(s);
        ck_assert_uint_eq(st.acks_timer, 1);
        ck_assert_uint_eq(st.timers_fired, 1);
        ck_assert_uint_eq(st.cpu_cycles[0], 0);
        ck_assert_uint_eq(hs_next_timer_ns(s), UINT64_MAX);
        hs_close(s, NULL, 0);
    }
}
END_TEST

/* Out-of-order segment: immediate duplicate ACK; SYN: a SYN-ACK; SYN-ACK: an ACK. */
START_TEST(immediate_acks)
{
    tb_tx tx = {0};
    hs_stack *s = mk_default(&tx, NULL, 1);
    tb_flow fl;
    tb_flow4(&fl, 7, 1027, 445);
    uint8_t fr[TB_FRAME_CAP], pl[1460] = {0};
    int n = tb_tcp(&fl, 999, 0x02, NULL, 0, fr);
    tb_rx(s, fr, n, HS_CSUM_OK, 0, 0);
    ck_assert_int_eq(tx.n, 1);
    tb_seg a = tb_tx_decode(&tx, 0);
    ck_assert_uint_eq(a.flags, 0x12);
    ck_assert_uint_eq(a.ack, 1000);
    n = tb_tcp(&fl, 1000 + 1460, 0x10, pl, 1460, fr);
    tb_rx(s, fr, n, HS_CSUM_OK, 0, 1);
    ck_assert_int_eq(tx.n, 2);
    a = tb_tx_decode(&tx, 1);
    ck_assert_uint_eq(a.ack, 1000);
    ck_assert_uint_eq(a.seq, fl.ack);

    tb_flow f2;
    tb_flow6(&f2, 80, 33000);
    n = tb_tcp(&f2, 4444, 0x12, NULL, 0, fr);
    tb_rx(s, fr, n, HS_CSUM_OK, 0, 2);
    ck_assert_int_eq(tx.n, 3);
    a = tb_tx_decode(&tx, 2);
    ck_assert_int_eq(a.l3, 6);
    ck_assert_uint_eq(a.flags, 0x10);
    ck_assert_uint_eq(a.ack, 4445);
    ck_assert_uint_eq(a.seq, f2.ack);
    hs_stats st = tb_stats(s);
    ck_assert_uint_eq(st.synacks_sent, 1);
    ck_assert_uint_eq(st.conns_syn, 2);
    hs_close(s, NULL, 0);
}
END_TEST

/* Corrupt checksums: caught in software when offload is off or the NIC could not verify. */
START_TEST(checksum_software_catches)
{
    tb_flow fl;
    tb_flow4(&fl, 7, 1028, 445);
    tb_flow u;
    tb_flow4(&u, 8, 53, 5353);
    uint8_t pl[500];
    tb_fill(pl, sizeof pl, 3);
    for (int mode = 0; mode < 3; mode++) {
        /* mode 0: offload off, NIC says ok (ignored); 1: offload on, NIC unverified;
           2: offload on, NIC none */
        int offload = mode != 0;
        uint8_t verdict = mode == 0 ? HS_CSUM_OK : mode == 1 ? HS_CSUM_UNVERIFIED : HS_CSUM_NONE;
        hs_stack *s = mk_default(NULL, NULL, offload);
        uint8_t fr[TB_FRAME_CAP];
        pkt_spec p;
        tb_spec(&fl, &p, PKT_IPPROTO_TCP, 1, 0x10);
        p.bad_ip_csum = 1;
        int n = pkt_build(&p, pl, 500, fr, sizeof fr);
        tb_rx(s, fr, n, verdict, 0, 0);
        tb_spec(&fl, &p, PKT_IPPROTO_TCP, 1, 0x10);
        p.bad_l4_csum = 1;
        n = pkt_build(&p, pl, 500, fr, sizeof fr);
        tb_rx(s, fr, n, verdict, 0, 0);
        /* a payload byte flipped after the checksum was computed */
        n = tb_tcp(&fl, 1, 0x10, pl, 500, fr);
        fr[n - 10] ^= 0x01;
        tb_rx(s, fr, n, verdict, 0, 0);
        tb_spec(&u, &p, PKT_IPPROTO_UDP, 0, 0);
        p.bad_l4_csum = 1;
        n = pkt_build(&p, pl, 100, fr, sizeof fr);
        tb_rx(s, fr, n, verdict, 0, 0);
        /* IPv6 TCP with a bad checksum */
        tb_flow f6;
        tb_flow6(&f6, 1029, 445);
        n = tb_tcp(&f6, 1, 0x10, pl, 200, fr);
        fr[n - 1] ^= 0x80;
        tb_rx(s, fr, n, verdict, 0, 0);
        hs_stats st = tb_stats(s);
        ck_assert_uint_eq(st.drop_bad_ip_csum, 1);
        ck_assert_uint_eq(st.drop_bad_l4_csum, 4);
        ck_assert_uint_eq(st.csum_drops, 5);
        ck_assert_uint_eq(st.csum_hw_trusted, 0);
        ck_assert_uint_eq(st.csum_sw_ip, 4);
        ck_assert_uint_eq(st.csum_sw_l4, 4);
        ck_assert_uint_eq(st.tcp_segments, 0);
        ck_assert_uint_eq(st.udp_datagrams, 0);
        ck_assert_uint_gt(st.kind_cycles[HS_K_CHECKSUM], 0);
        hs_close(s, NULL, 0);
    }
}
END_TEST

/* With offload on, the NIC's verdict is trusted: ok passes without software work (even if
 * the bytes are wrong, proving no software check ran), bad is dropped; it costs less. */
START_TEST(checksum_offload_trusted)
{
    tb_flow fl;
    tb_flow4(&fl, 7, 1030, 445);
    uint8_t pl[1460];
    tb_fill(pl, sizeof pl, 4);
    uint8_t fr[TB_FRAME_CAP];
    int n = tb_tcp(&fl, 1, 0x10, pl, 1460, fr);

    hs_stack *on = mk_default(NULL, NULL, 1), *off = mk_default(NULL, NULL, 0);
    uint64_t c_on = tb_rx(on, fr, n, HS_CSUM_OK, 0, 0);
    uint64_t c_off = tb_rx(off, fr, n, HS_CSUM_OK, 0, 0);
    ck_assert_uint_gt(c_on, 0);
    ck_assert_uint_lt(c_on, c_off);
    hs_stats a = tb_stats(on), b = tb_stats(off);
    ck_assert_uint_eq(a.csum_hw_trusted, 1);
    ck_assert_uint_eq(a.csum_sw_l4, 0);
    ck_assert_uint_eq(a.kind_cycles[HS_K_CHECKSUM], 0);
    ck_assert_uint_eq(b.csum_sw_l4, 1);
    ck_assert_uint_eq(b.csum_sw_ip, 1);
    ck_assert_uint_eq(b.csum_sw_bytes, 20 + 20 + 1460);
    /* the copy is cold when nothing read the payload before it */
    const hs_cost *cost = hs_get_cost(on);
    ck_assert_uint_eq(a.kind_cycles[HS_K_COPY], (uint64_t)llround(cost->v[HS_C_COPY_COLD_BYTE] * 1460));
    ck_assert_uint_eq(b.kind_cycles[HS_K_COPY], (uint64_t)llround(cost->v[HS_C_COPY_WARM_BYTE] * 1460));

    /* corrupted bytes with an ok verdict: accepted (the NIC is trusted) */
    int m = tb_tcp(&fl, 1461, 0x10, pl, 1460, fr);
    fr[m - 5] ^= 0xff;
    tb_rx(on, fr, m, HS_CSUM_OK, 0, 1);
    tb_rx(off, fr, m, HS_CSUM_OK, 0, 1);
    ck_assert_uint_eq(tb_stats(on).tcp_segments, 2);
    ck_assert_uint_eq(tb_stats(off).tcp_segments, 1);
    ck_assert_uint_eq(tb_stats(off).drop_bad_l4_csum, 1);

    /* NIC bad verdicts with offload on: dropped without software work */
    m = tb_tcp(&fl, 2921, 0x10, pl, 100, fr);
    tb_rx(on, fr, m, HS_CSUM_BAD_L4, 0, 2);
    tb_rx(on, fr, m, HS_CSUM_BAD_IP, 0, 3);
    a = tb_stats(on);
    ck_assert_uint_eq(a.drop_bad_l4_csum, 1);
    ck_assert_uint_eq(a.drop_bad_ip_csum, 1);
    ck_assert_uint_eq(a.csum_sw_bytes, 0);
    hs_close(on, NULL, 0);
    hs_close(off, NULL, 0);
}
END_TEST

START_TEST(demux_and_drops)
{
    hs_config cfg;
    hs_config_defaults(&cfg);
    cfg.host_count = 1;
    cfg.hosts[0].family = 4;
    const uint8_t h[4] = {10, 0, 0, 2};
    memcpy(cfg.hosts[0].a, h, 4);
    hs_stack *s = tb_stack(&cfg, NULL, NULL, NULL);
    uint8_t fr[TB_FRAME_CAP];
    /* ARP */
    memset(fr, 0, 60);
    fr[12] = 0x08;
    fr[13] = 0x06;
    tb_rx(s, fr, 60, HS_CSUM_NONE, 0, 0);
    /* to another address */
    tb_flow fl;
    tb_flow4(&fl, 7, 1031, 445);
    fl.dst[3] = 99;
    int n = tb_tcp(&fl, 1, 0x10, (const uint8_t *)"hello", 5, fr);
    tb_rx(s, fr, n, HS_CSUM_UNVERIFIED, 0, 0);
    /* truncated IPv4 (total length beyond the frame) */
    tb_flow4(&fl, 7, 1031, 445);
    uint8_t pl[200] = {0};
    n = tb_tcp(&fl, 1, 0x10, pl, 200, fr);
    tb_rx(s, fr, n - 100, HS_CSUM_UNVERIFIED, 0, 0);
    /* fragment: MF set, header checksum recomputed */
    n = tb_tcp(&fl, 1, 0x10, pl, 200, fr);
    fr[14 + 6] = 0x20;
    fr[14 + 10] = fr[14 + 11] = 0;
    uint16_t c = (uint16_t)~pkt_csum_fold(pkt_csum_add(0, fr + 14, 20));
    pkt_put16(fr + 14 + 10, c);
    tb_rx(s, fr, n, HS_CSUM_UNVERIFIED, 0, 0);
    /* ICMP (protocol 1) */
    pkt_spec p;
    tb_spec(&fl, &p, 1, 0, 0);
    n = pkt_build(&p, pl, 40, fr, sizeof fr);
    tb_rx(s, fr, n, HS_CSUM_UNVERIFIED, 0, 0);
    /* multicast UDP is accepted */
    tb_flow u;
    tb_flow4(&u, 7, 5000, 5001);
    u.dst[0] = 239; u.dst[1] = 1; u.dst[2] = 1; u.dst[3] = 1;
    n = tb_udp(&u, pl, 100, fr);
    tb_rx(s, fr, n, HS_CSUM_UNVERIFIED, 0, 0);
    /* bad CPU number: counted and CPU 0 used */
    n = tb_udp(&u, pl, 50, fr);
    tb_rx(s, fr, n, HS_CSUM_UNVERIFIED, 7, 0);
    hs_stats st = tb_stats(s);
    ck_assert_uint_eq(st.rx_frames, 7);
    ck_assert_uint_eq(st.rx_non_ip, 1);
    ck_assert_uint_eq(st.rx_not_for_host, 1);
    ck_assert_uint_eq(st.rx_malformed, 1);
    ck_assert_uint_eq(st.rx_ip_fragments, 1);
    ck_assert_uint_eq(st.rx_other_proto, 1);
    ck_assert_uint_eq(st.udp_datagrams, 2);
    ck_assert_uint_eq(st.udp_bytes, 150);
    ck_assert_uint_eq(st.bad_cpu, 1);
    ck_assert_uint_eq(st.conns, 0);
    /* every frame paid ip_rx */
    ck_assert_uint_eq(st.kind_cycles[HS_K_IP_RX],
                      (uint64_t)(7 * hs_get_cost(s)->v[HS_C_IP_RX]));
    hs_close(s, NULL, 0);
}
END_TEST

/* The NIC's 4-tuple hash saves the software Toeplitz; a wrong key is detected. */
START_TEST(rss_hash_lookup)
{
    hs_stack *s = mk_default(NULL, NULL, 1);
    tb_flow fl;
    tb_flow4(&fl, 7, 1032, 445);
    uint8_t in[12];
    memcpy(in, fl.src, 4);
    memcpy(in + 4, fl.dst, 4);
    pkt_put16(in + 8, fl.sport);
    pkt_put16(in + 10, fl.dport);
    uint32_t h = rss_toeplitz(rss_default_key, in, 12);
    uint8_t pl[100] = {1};
    uint8_t fr[TB_FRAME_CAP];
    int n = tb_tcp(&fl, 1, 0x10, pl, 100, fr);
    hs_rx_frame f = {fr, (uint32_t)n, h, RSS_HT_TCP_IPV4, HS_CSUM_OK, 0, 0, 0, 0, 0, 0, 0};
    hs_rx(s, &f, 0);
    n = tb_tcp(&fl, 101, 0x10, pl, 100, fr);
    f.len = (uint32_t)n;
    hs_rx(s, &f, 1);
    /* without a hash: software Toeplitz finds the same connection */
    n = tb_tcp(&fl, 201, 0x10, pl, 100, fr);
    f.len = (uint32_t)n;
    f.hash_type = 0;
    hs_rx(s, &f, 2);
    /* an address-only hash type does not count as a 4-tuple hash */
    n = tb_tcp(&fl, 301, 0x10, pl, 100, fr);
    f.len = (uint32_t)n;
    f.hash_type = RSS_HT_IPV4;
    hs_rx(s, &f, 3);
    hs_stats st = tb_stats(s);
    ck_assert_uint_eq(st.conns, 1);
    ck_assert_uint_eq(st.hash_nic, 2);
    ck_assert_uint_eq(st.hash_sw, 2);
    ck_assert_uint_eq(st.hash_mismatch, 0);
    ck_assert_uint_eq(st.in_order_segments, 4);
    ck_assert_uint_eq(st.kind_cycles[HS_K_HASH], (uint64_t)(2 * hs_get_cost(s)->v[HS_C_HASH_SW]));
    /* a NIC hash from another key: still one connection, mismatch counted */
    n = tb_tcp(&fl, 401, 0x10, pl, 100, fr);
    f.len = (uint32_t)n;
    f.hash_type = RSS_HT_TCP_IPV4;
    f.hash = h ^ 0x5555;
    hs_rx(s, &f, 4);
    st = tb_stats(s);
    ck_assert_uint_eq(st.conns, 1);
    ck_assert_uint_eq(st.hash_mismatch, 1);
    ck_assert_uint_eq(st.in_order_segments, 5);
    hs_close(s, NULL, 0);
}
END_TEST

/* UDP: a zero checksum means "none" over IPv4 and is invalid over IPv6 (RFC 8200). */
START_TEST(udp_zero_checksum)
{
    hs_stack *s = mk_default(NULL, NULL, 0);
    uint8_t pl[64];
    tb_fill(pl, sizeof pl, 5);
    uint8_t fr[TB_FRAME_CAP];
    tb_flow u4, u6;
    tb_flow4(&u4, 7, 53, 5353);
    tb_flow6(&u6, 53, 5353);
    int n = tb_udp(&u4, pl, 64, fr);
    pkt_put16(fr + tb_l4_off(&u4) + 6, 0);
    tb_rx(s, fr, n, HS_CSUM_NONE, 0, 0);
    n = tb_udp(&u6, pl, 64, fr);
    pkt_put16(fr + tb_l4_off(&u6) + 6, 0);
    tb_rx(s, fr, n, HS_CSUM_NONE, 0, 0);
    hs_stats st = tb_stats(s);
    ck_assert_uint_eq(st.udp_datagrams, 1);
    ck_assert_uint_eq(st.drop_bad_l4_csum, 1);
    ck_assert_uint_eq(st.csum_sw_l4, 1); /* the IPv4 one needed no L4 verification */
    ck_assert_uint_eq(st.bytes_copied, 64);
    hs_close(s, NULL, 0);
}
END_TEST

static const char *g_tmp_parent = "/tmp";

static int read_file(const char *path, uint8_t **out, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return -1;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    rewind(f);
    *out = malloc((size_t)n + 1);
    *len = fread(*out, 1, (size_t)n, f);
    fclose(f);
    return 0;
}

/* Streams: one file per connection, named after the sender and the host, exact bytes. */
START_TEST(streams_written)
{
    char dir[256];
    snprintf(dir, sizeof dir, "%s/hs_streams_XXXXXX", g_tmp_parent);
    ck_assert_ptr_nonnull(mkdtemp(dir));
    hs_config cfg;
    hs_config_defaults(&cfg);
    cfg.streams_dir = dir;
    cfg.recv_buffer_bytes = 1000;
    hs_stack *s = tb_stack(&cfg, NULL, NULL, NULL);
    tb_flow a, b;
    tb_flow4(&a, 7, 1033, 445);
    tb_flow6(&b, 1034, 80);
    static uint8_t sa[5000], sb[3000];
    tb_fill(sa, sizeof sa, 11);
    tb_fill(sb, sizeof sb, 12);
    for (int i = 0; i < 5; i++) {
        tb_send(s, &a, 100, sa, (uint32_t)i * 1000, 1000, 0x10, (uint64_t)i);
        if (i < 3)
            tb_send(s, &b, 200, sb, (uint32_t)(2 - i) * 1000, 1000, 0x10, (uint64_t)i); /* reverse */
    }
    /* b started mid-capture at offset 2000: only that segment counts */
    char err[256];
    ck_assert_msg(hs_flush_streams(s, err, sizeof err) == 0, "%s", err);
    ck_assert_msg(hs_close(s, err, sizeof err) == 0, "%s", err);
    char p[512];
    uint8_t *d;
    size_t n;
    snprintf(p, sizeof p, "%s/192.168.1.7_1033-10.0.0.2_445.bin", dir);
    ck_assert_msg(read_file(p, &d, &n) == 0, "missing %s", p);
    ck_assert_uint_eq(n, sizeof sa);
    ck_assert_mem_eq(d, sa, sizeof sa);
    free(d);
    unlink(p);
    snprintf(p, sizeof p, "%s/2001.db8..1_1034-2001.db8..2_80.bin", dir);
    ck_assert_msg(read_file(p, &d, &n) == 0, "missing %s", p);
    ck_assert_uint_eq(n, 1000);
    ck_assert_mem_eq(d, sb + 2000, 1000);
    free(d);
    unlink(p);
    ck_assert_int_eq(rmdir(dir), 0); /* no other file was written */

    /* an unwritable directory: a one-line error, counted */
    cfg.streams_dir = "/nonexistent/dir";
    s = tb_stack(&cfg, NULL, NULL, NULL);
    tb_send(s, &a, 100, sa, 0, 1000, 0x18, 0);
    int rc = hs_close(s, err, sizeof err);
    ck_assert_int_eq(rc, HS_EIO);
    ck_assert_ptr_nonnull(strstr(err, "/nonexistent/dir/192.168.1.7_1033-10.0.0.2_445.bin"));
    ck_assert_ptr_null(strchr(err, '\n'));
}
END_TEST

/* Stream files are a consumer of delivered bytes: a stream longer than the spill threshold is
 * written out as it grows, a finished connection at its FIN, an open one at close; the
 * application callback sees the same bytes. */
START_TEST(streams_spill_and_finish)
{
    char dir[256];
    snprintf(dir, sizeof dir, "%s/hs_streams_XXXXXX", g_tmp_parent);
    ck_assert_ptr_nonnull(mkdtemp(dir));
    hs_config cfg;
    hs_config_defaults(&cfg);
    cfg.streams_dir = dir;
    tb_app app = {0};
    hs_stack *s = tb_stack(&cfg, NULL, &app, NULL);
    tb_flow a, b;
    tb_flow4(&a, 7, 1040, 445);
    tb_flow4(&b, 8, 1041, 445);
    const uint32_t na = 1536 * 1024, nb = 3000;
    uint8_t *sa = malloc(na);
    static uint8_t sb[3000];
    ck_assert_ptr_nonnull(sa);
    tb_fill(sa, na, 31);
    tb_fill(sb, nb, 32);
    tb_send(s, &b, 200, sb, 0, nb, 0x10, 0);
    for (uint32_t off = 0; off < na; off += 1460) {
        uint32_t n = na - off < 1460 ? na - off : 1460;
        tb_send(s, &a, 100, sa, off, n, off + n == na ? 0x19 : 0x10, 1 + off);
    }
    hs_stats st = tb_stats(s);
    ck_assert_uint_eq(st.stream_bytes_written, na); /* spilled at 1 MiB, the rest at the FIN */
    char err[256];
    ck_assert_msg(hs_close(s, err, sizeof err) == 0, "%s", err);
    ck_assert_uint_eq(app.len, na + nb);
    char p[512];
    uint8_t *d;
    size_t n;
    snprintf(p, sizeof p, "%s/192.168.1.7_1040-10.0.0.2_445.bin", dir);
    ck_assert_msg(read_file(p, &d, &n) == 0, "missing %s", p);
    ck_assert_uint_eq(n, na);
    ck_assert_mem_eq(d, sa, na);
    free(d);
    unlink(p);
    snprintf(p, sizeof p, "%s/192.168.1.8_1041-10.0.0.2_445.bin", dir);
    ck_assert_msg(read_file(p, &d, &n) == 0, "missing %s", p);
    ck_assert_uint_eq(n, nb);
    ck_assert_mem_eq(d, sb, nb);
    free(d);
    unlink(p);
    ck_assert_int_eq(rmdir(dir), 0);
    free(sa);
    tb_app_free(&app);
}
END_TEST

/* Two stacks in one process, fed interleaved: no shared state. */
START_TEST(two_stacks_independent)
{
    tb_tx t1 = {0}, t2 = {0};
    tb_app a1 = {0}, a2 = {0};
    hs_config c1, c2;
    hs_config_defaults(&c1);
    hs_config_defaults(&c2);
    c2.ack_every = 1;
    c2.csum_offload = 0;
    hs_stack *s1 = tb_stack(&c1, &t1, &a1, "xeon-2006");
    hs_stack *s2 = tb_stack(&c2, &t2, &a2, "modern");
    tb_flow fl;
    tb_flow4(&fl, 7, 1035, 445); /* the same 4-tuple in both */
    static uint8_t x[8 * 1460], y[8 * 1460];
    tb_fill(x, sizeof x, 21);
    tb_fill(y, sizeof y, 22);
    for (int i = 0; i < 8; i++) {
        tb_send(s1, &fl, 1, x, (uint32_t)i * 1460, 1460, 0x10, (uint64_t)i);
        tb_send(s2, &fl, 9, y, (uint32_t)(7 - i) * 1460, 1460, 0x10, (uint64_t)i);
    }
    hs_stats st1 = tb_stats(s1), st2 = tb_stats(s2);
    ck_assert_uint_eq(st1.acks_sent, 4);
    ck_assert_uint_eq(st2.conns, 1);
    ck_assert_uint_eq(st1.ooo_segments, 0);
    ck_assert_uint_eq(st2.retrans_bytes, 7 * 1460); /* mid-capture at the last segment */
    ck_assert_uint_ne(st1.total_cycles, st2.total_cycles);
    hs_close(s1, NULL, 0);
    hs_close(s2, NULL, 0);
    ck_assert_uint_eq(a1.len, sizeof x);
    ck_assert_mem_eq(a1.data, x, sizeof x);
    ck_assert_uint_eq(a2.len, 1460);
    ck_assert_mem_eq(a2.data, y + 7 * 1460, 1460);
    tb_app_free(&a1);
    tb_app_free(&a2);
}
END_TEST

START_TEST(config_errors)
{
    hs_cost c;
    char err[256];
    ck_assert_int_eq(hs_cost_builtin(&c, NULL, err, sizeof err), 0);
    hs_config cfg;
    hs_stack *s = (hs_stack *)&c;
    hs_config_defaults(&cfg);
    cfg.cpus = 0;
    ck_assert_int_eq(hs_create(&s, &cfg, &c, NULL, NULL, err, sizeof err), HS_EINVAL);
    ck_assert_ptr_null(s);
    ck_assert_ptr_nonnull(strstr(err, "cpus"));
    hs_config_defaults(&cfg);
    cfg.rcv_window_bytes = 70000;
    ck_assert_int_eq(hs_create(&s, &cfg, &c, NULL, NULL, err, sizeof err), HS_EINVAL);
    ck_assert_ptr_nonnull(strstr(err, "rcv_window_bytes"));
    hs_config_defaults(&cfg);
    cfg.posted_buffers = 0;
    ck_assert_int_eq(hs_create(&s, &cfg, &c, NULL, NULL, err, sizeof err), HS_EINVAL);
    hs_config_defaults(&cfg);
    cfg.host_count = 1;
    cfg.hosts[0].family = 5;
    ck_assert_int_eq(hs_create(&s, &cfg, &c, NULL, NULL, err, sizeof err), HS_EINVAL);
}
END_TEST

/* Per-connection statistics: frames, bytes, payload and cycles per connection, in creation
 * order; hs_last_rx_conn names the connection of the last frame; timers are charged to their
 * connection; frames that reach no connection are in no entry. */
START_TEST(connection_stats)
{
    tb_tx tx = {0};
    hs_stack *s = mk_default(&tx, NULL, 0);
    ck_assert_uint_eq(hs_conn_count(s), 0);
    ck_assert_int_eq(hs_last_rx_conn(s), -1);
    tb_flow a, b;
    tb_flow4(&a, 7, 1025, 445);
    tb_flow6(&b, 2000, 80);
    uint8_t stream[4 * 1460];
    tb_fill(stream, sizeof stream, 3);
    uint64_t ca = 0, cb = 0, before = tb_stats(s).total_cycles;
    ca += tb_send(s, &a, 100, stream, 0, 1460, 0x10, 10);
    ck_assert_int_eq(hs_last_rx_conn(s), 0);
    cb += tb_send(s, &b, 900, stream, 0, 1000, 0x10, 20);
    ck_assert_int_eq(hs_last_rx_conn(s), 1);
    ca += tb_send(s, &a, 100, stream, 1460, 1460, 0x10, 30);
    ck_assert_int_eq(hs_last_rx_conn(s), 0);
    /* a lone segment of b: its delayed ACK fires later, charged to b */
    cb += tb_send(s, &b, 900, stream, 1000, 500, 0x10, 40);
    uint64_t t = hs_next_timer_ns(s);
    ck_assert_uint_ne(t, UINT64_MAX);
    uint64_t timer_cycles = hs_timer(s, 0, t);
    ck_assert_uint_gt(timer_cycles, 0);
    /* a UDP datagram and a RST for an unknown connection: no connection */
    uint8_t fr[TB_FRAME_CAP];
    int len = tb_udp(&a, stream, 100, fr);
    tb_rx(s, fr, len, HS_CSUM_UNVERIFIED, 0, 50);
    ck_assert_int_eq(hs_last_rx_conn(s), -1);
    tb_flow c;
    tb_flow4(&c, 9, 3000, 445);
    len = tb_tcp(&c, 1, 0x04, NULL, 0, fr);
    tb_rx(s, fr, len, HS_CSUM_UNVERIFIED, 0, 60);
    ck_assert_int_eq(hs_last_rx_conn(s), -1);

    ck_assert_uint_eq(hs_conn_count(s), 2);
    hs_conn_stats st[3];
    memset(st, 0xff, sizeof st);
    ck_assert_uint_eq(hs_conn_stats_get(s, st, 3), 2);
    ck_assert_uint_eq(st[0].index, 0);
    ck_assert_int_eq(st[0].id.family, 4);
    ck_assert_mem_eq(st[0].id.src, a.src, 4);
    ck_assert_uint_eq(st[0].id.sport, 1025);
    ck_assert_uint_eq(st[0].id.dport, 445);
    ck_assert_uint_eq(st[0].frames, 2);
    ck_assert_uint_eq(st[0].payload_bytes, 2 * 1460);
    ck_assert_uint_eq(st[0].bytes, 2 * (14 + 20 + 20 + 1460));
    ck_assert_uint_eq(st[1].index, 1);
    ck_assert_int_eq(st[1].id.family, 6);
    ck_assert_uint_eq(st[1].frames, 2);
    ck_assert_uint_eq(st[1].payload_bytes, 1500);
    ck_assert_uint_eq(st[1].bytes, 2 * (14 + 40 + 20) + 1500);
    /* cycles: each frame's hs_rx cycles (fixed-point sums, so within a cycle), b's timer too */
    ck_assert_uint_le(st[0].cycles, ca);
    ck_assert_uint_ge(st[0].cycles + 1, ca);
    ck_assert_uint_le(st[1].cycles, cb + timer_cycles);
    ck_assert_uint_ge(st[1].cycles + 1, cb + timer_cycles);
    ck_assert_uint_lt(st[0].cycles + st[1].cycles, tb_stats(s).total_cycles - before);
    ck_assert_uint_eq(hs_cpu_cycles(s, 0), tb_stats(s).cpu_cycles[0]);
    ck_assert_uint_eq(hs_cpu_cycles(s, HS_MAX_CPUS), 0);
    /* max bounds what is written */
    ck_assert_uint_eq(hs_conn_stats_get(s, st, 1), 1);
    hs_close(s, NULL, 0);
}
END_TEST

/* Application consumption reports (application latency): hs_last_rx_data names the end of
 * the new payload a frame brought, app_consumed the sequence number the application has
 * consumed up to, when it does; a new SYN starts a new incarnation. */
typedef struct cons_log {
    int n;
    uint64_t conn[16];
    uint32_t inc[16], seq[16];
} cons_log;

static void cons_fn(void *user, uint64_t conn, uint32_t inc, uint32_t seq, int cpu)
{
    cons_log *l = user;
    ck_assert_int_eq(cpu, 0);
    ck_assert_int_lt(l->n, 16);
    l->conn[l->n] = conn;
    l->inc[l->n] = inc;
    l->seq[l->n++] = seq;
}

START_TEST(application_consumption)
{
    cons_log log = {0};
    hs_config cfg;
    hs_config_defaults(&cfg);
    cfg.recv_buffer_bytes = 2920;
    cfg.complete_on_push = 1;
    cfg.app_consumed = cons_fn;
    cfg.consumed_user = &log;
    hs_stack *s = tb_stack(&cfg, NULL, NULL, NULL);
    tb_flow a;
    tb_flow4(&a, 7, 1025, 445);
    uint8_t stream[4 * 1460];
    tb_fill(stream, sizeof stream, 5);
    const uint32_t isn = 0xfffff000; /* wraps */
    uint32_t end, inc;
    tb_send(s, &a, isn, stream, 0, 1460, 0x10, 10);
    ck_assert_int_eq(hs_last_rx_data(s, &end, &inc), 1);
    ck_assert_uint_eq(end, isn + 1460);
    ck_assert_uint_eq(inc, 0);
    ck_assert_int_eq(log.n, 0); /* the buffer is not full yet */
    /* out of order: new bytes, consumed only once the gap is filled */
    tb_send(s, &a, isn, stream, 2920, 1460, 0x10, 20);
    ck_assert_int_eq(hs_last_rx_data(s, &end, &inc), 1);
    ck_assert_uint_eq(end, isn + 4380);
    ck_assert_int_eq(log.n, 0);
    /* a duplicate brings nothing new */
    tb_send(s, &a, isn, stream, 0, 1460, 0x10, 30);
    ck_assert_int_eq(hs_last_rx_data(s, &end, &inc), 0);
    /* the gap: the first buffer (2920 bytes) completes and is consumed at once */
    tb_send(s, &a, isn, stream, 1460, 1460, 0x10, 40);
    ck_assert_int_eq(hs_last_rx_data(s, &end, &inc), 1);
    ck_assert_uint_eq(end, isn + 2920);
    ck_assert_int_ge(log.n, 1);
    ck_assert_uint_eq(log.conn[0], 0);
    ck_assert_uint_eq(log.seq[0], isn + 2920);
    /* PSH on the last segment completes the second buffer up to its end */
    tb_send(s, &a, isn, stream, 4380, 1460, 0x18, 50);
    ck_assert_uint_eq(log.seq[log.n - 1], isn + 5840);
    /* a SYN with a new ISN: a new incarnation of connection 0 */
    int before = log.n;
    uint8_t fr[TB_FRAME_CAP];
    int len = tb_tcp(&a, 777, 0x02, NULL, 0, fr);
    tb_rx(s, fr, len, HS_CSUM_UNVERIFIED, 0, 60);
    tb_send(s, &a, 778, stream, 0, 1460, 0x18, 70);
    ck_assert_int_eq(hs_last_rx_data(s, &end, &inc), 1);
    ck_assert_uint_eq(inc, 1);
    ck_assert_uint_eq(end, 778 + 1460);
    ck_assert_int_eq(log.n, before + 1);
    ck_assert_uint_eq(log.inc[before], 1);
    ck_assert_uint_eq(log.seq[before], 778 + 1460);
    /* not TCP: nothing */
    len = tb_udp(&a, stream, 100, fr);
    tb_rx(s, fr, len, HS_CSUM_UNVERIFIED, 0, 80);
    ck_assert_int_eq(hs_last_rx_data(s, &end, &inc), 0);
    hs_close(s, NULL, 0);
    ck_assert_int_eq(log.n, before + 1); /* bytes handed over at close are not reported */
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("hoststack_tcp");
    TCase *tc = tcase_create("tcp");
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, ack_every_second_full_segment);
    tcase_add_test(tc, delayed_ack_timer);
    tcase_add_test(tc, immediate_acks);
    tcase_add_test(tc, checksum_software_catches);
    tcase_add_test(tc, checksum_offload_trusted);
    tcase_add_test(tc, demux_and_drops);
    tcase_add_test(tc, udp_zero_checksum);
    tcase_add_test(tc, rss_hash_lookup);
    tcase_add_test(tc, streams_written);
    tcase_add_test(tc, streams_spill_and_finish);
    tcase_add_test(tc, two_stacks_independent);
    tcase_add_test(tc, config_errors);
    tcase_add_test(tc, connection_stats);
    tcase_add_test(tc, application_consumption);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    const char *t = getenv("TMPDIR");
    if (t && *t)
        g_tmp_parent = t;
    SRunner *sr = srunner_create(suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
