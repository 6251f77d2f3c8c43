/* Check suite: TCP receive reassembly of the software stack (hoststack_reasm).
 * Every case checks the exact bytes the application received. */
#include "hs_test_util.h"

static hs_stack *mk(tb_tx *tx, tb_app *app)
{
    hs_config cfg;
    hs_config_defaults(&cfg);
    cfg.csum_offload = 0;
    cfg.recv_buffer_bytes = 4096;
    cfg.posted_buffers = 2;
    return tb_stack(&cfg, tx, app, NULL);
}

static void close_ok(hs_stack *s)
{
    char err[256];
    ck_assert_msg(hs_close(s, err, sizeof err) == 0, "%s", err);
}

/* All 120 orderings of five segments (and a FIN on the last) deliver the exact stream. */
START_TEST(five_segments_every_order)
{
    const uint32_t seglen[5] = {1000, 1460, 700, 1460, 333};
    uint32_t total = 0, off[5];
    for (int i = 0; i < 5; i++) {
        off[i] = total;
        total += seglen[i];
    }
    uint8_t stream[8000];
    tb_fill(stream, total, 5);
    int perm[5] = {0, 1, 2, 3, 4};
    int count = 0;
    /* Heap's algorithm, iterative */
    int cidx[5] = {0};
    int i = 0;
    for (;;) {
        static tb_tx tx;
        memset(&tx, 0, sizeof tx);
        tb_app app = {0};
        hs_stack *s = mk(&tx, &app);
        tb_flow fl;
        tb_flow4(&fl, 1, 40000, 445);
        uint32_t isn = 1000000u + (uint32_t)count * 7919u;
        uint8_t syn[TB_FRAME_CAP];
        int sl = tb_tcp(&fl, isn - 1, 0x02, NULL, 0, syn);
        tb_rx(s, syn, sl, HS_CSUM_UNVERIFIED, 0, 0);
        for (int k = 0; k < 5; k++) {
            int sgi = perm[k];
            uint8_t flags = 0x10 | (sgi == 4 ? 0x01 : 0);
            tb_send(s, &fl, isn, stream, off[sgi], seglen[sgi], flags, (uint64_t)k * 1000);
        }
        hs_stats st = tb_stats(s);
        ck_assert_uint_eq(st.conns, 1);
        ck_assert_uint_eq(st.conns_fin, 1);
        ck_assert_uint_eq(st.retrans_bytes, 0);
        ck_assert_uint_eq(st.dup_segments, 0);
        ck_assert_uint_eq(st.app_bytes, total); /* everything reached the app before close */
        /* the last ACK acknowledges the FIN */
        ck_assert_int_gt(tx.n, 0);
        tb_seg a = tb_tx_decode(&tx, tx.n - 1);
        ck_assert_uint_eq(a.ack, isn + total + 1);
        close_ok(s);
        ck_assert_uint_eq(app.len, total);
        ck_assert_msg(memcmp(app.data, stream, total) == 0, "order %d %d %d %d %d", perm[0],
                      perm[1], perm[2], perm[3], perm[4]);
        tb_app_free(&app);
        count++;
        /* next permutation */
        while (i < 5 && cidx[i] >= i) {
            cidx[i] = 0;
            i++;
        }
        if (i >= 5)
            break;
        int j = (i % 2 == 0) ? 0 : cidx[i];
        int t = perm[j];
        perm[j] = perm[i];
        perm[i] = t;
        cidx[i]++;
        i = 0;
    }
    ck_assert_int_eq(count, 120);
}
END_TEST

/* Overlaps: the copy received first wins; the overlapping copies carry different bytes. */
START_TEST(overlap_first_wins)
{
    tb_tx tx = {0};
    tb_app app = {0};
    hs_stack *s = mk(&tx, &app);
    tb_flow fl;
    tb_flow4(&fl, 1, 40001, 445);
    const uint32_t isn = 5000;
    uint8_t a[400], b[400], expect[400];
    memset(a, 'A', sizeof a);
    memset(b, 'B', sizeof b);
    uint8_t fr[TB_FRAME_CAP];
    /* A covers [100,300) out of order, then B covers [0,400): B may only fill the gaps */
    int n = tb_tcp(&fl, isn + 100, 0x10, a, 200, fr);
    tb_rx(s, fr, n, HS_CSUM_UNVERIFIED, 0, 0);
    /* no SYN: the connection starts mid-capture at the first segment seen (isn + 100), so
       B's first 100 bytes are old, [100,300) keep A's bytes, only [300,400) is B's */
    n = tb_tcp(&fl, isn + 0, 0x10, b, 400, fr);
    tb_rx(s, fr, n, HS_CSUM_UNVERIFIED, 0, 1);
    close_ok(s);
    memset(expect, 'A', 200);
    memset(expect + 200, 'B', 100);
    ck_assert_uint_eq(app.len, 300);
    ck_assert_mem_eq(app.data, expect, 300);
    tb_app_free(&app);

    /* Now with a known start: [0,100) first, then A at [200,300), C at [150,250) (overlaps the
       front of A), then B over everything. */
    memset(&tx, 0, sizeof tx);
    s = mk(&tx, &app);
    uint8_t c[400], z[100];
    memset(c, 'C', sizeof c);
    memset(z, 'Z', sizeof z);
    n = tb_tcp(&fl, isn, 0x10, z, 100, fr);
    tb_rx(s, fr, n, HS_CSUM_UNVERIFIED, 0, 0);
    n = tb_tcp(&fl, isn + 200, 0x10, a, 100, fr);
    tb_rx(s, fr, n, HS_CSUM_UNVERIFIED, 0, 1);
    n = tb_tcp(&fl, isn + 150, 0x10, c, 100, fr);
    tb_rx(s, fr, n, HS_CSUM_UNVERIFIED, 0, 2);
    n = tb_tcp(&fl, isn + 50, 0x10, b, 350, fr); /* [50,400): [50,100) old, fills [100,150) and [300,400) */
    tb_rx(s, fr, n, HS_CSUM_UNVERIFIED, 0, 3);
    hs_stats st = tb_stats(s);
    close_ok(s);
    memset(expect, 'Z', 100);
    memset(expect + 100, 'B', 50);
    memset(expect + 150, 'C', 50);
    memset(expect + 200, 'A', 100);
    memset(expect + 300, 'B', 100);
    ck_assert_uint_eq(app.len, 400);
    ck_assert_mem_eq(app.data, expect, 400);
    /* retransmitted: C's [200,250) over A, B's [50,100) delivered + [150,300) held */
    ck_assert_uint_eq(st.retrans_bytes, 50 + 50 + 150);
    ck_assert_uint_eq(st.ooo_segments, 2);
    tb_app_free(&app);
}
END_TEST

START_TEST(duplicates_counted_and_ignored)
{
    tb_tx tx = {0};
    tb_app app = {0};
    hs_stack *s = mk(&tx, &app);
    tb_flow fl;
    tb_flow4(&fl, 1, 40002, 445);
    uint8_t stream[3000], other[3000];
    tb_fill(stream, sizeof stream, 9);
    memset(other, 0xEE, sizeof other);
    uint8_t fr[TB_FRAME_CAP];
    const uint32_t isn = 77;
    tb_send(s, &fl, isn, stream, 0, 1000, 0x10, 0);
    tb_send(s, &fl, isn, stream, 2000, 1000, 0x10, 1); /* out of order */
    /* exact duplicates with different bytes: one of delivered data, one of held data */
    int n = tb_tcp(&fl, isn, 0x10, other, 1000, fr);
    int acks_before = tx.n;
    tb_rx(s, fr, n, HS_CSUM_UNVERIFIED, 0, 2);
    ck_assert_int_eq(tx.n, acks_before + 1); /* a duplicate is acknowledged at once */
    n = tb_tcp(&fl, isn + 2000, 0x10, other, 1000, fr);
    tb_rx(s, fr, n, HS_CSUM_UNVERIFIED, 0, 3);
    ck_assert_int_eq(tx.n, acks_before + 2);
    ck_assert_uint_eq(tb_tx_decode(&tx, tx.n - 1).ack, isn + 1000);
    acks_before = tx.n;
    tb_send(s, &fl, isn, stream, 1000, 1000, 0x10, 4);
    hs_stats st = tb_stats(s);
    ck_assert_uint_eq(st.dup_segments, 2);
    ck_assert_uint_eq(st.retrans_bytes, 2000);
    ck_assert_uint_eq(st.ooo_segments, 1);
    /* duplicates and out-of-order segments are acknowledged at once; so is the gap fill */
    ck_assert_int_eq(tx.n, acks_before + 1);
    tb_seg a = tb_tx_decode(&tx, tx.n - 1);
    ck_assert_uint_eq(a.ack, isn + 3000);
    close_ok(s);
    ck_assert_uint_eq(app.len, 3000);
    ck_assert_mem_eq(app.data, stream, 3000);
    tb_app_free(&app);
}
END_TEST

/* Sequence numbers wrap through 2^32 in the middle of the data, in every order. */
START_TEST(wraparound)
{
    uint8_t stream[5 * 1200];
    tb_fill(stream, sizeof stream, 3);
    const int orders[4][5] = {{0, 1, 2, 3, 4}, {4, 3, 2, 1, 0}, {2, 0, 4, 1, 3}, {1, 3, 0, 4, 2}};
    for (int o = 0; o < 4; o++) {
        tb_tx tx = {0};
        tb_app app = {0};
        hs_stack *s = mk(&tx, &app);
        tb_flow fl;
        tb_flow4(&fl, 1, 40003, 445);
        uint32_t isn = 0xFFFFFFFFu - 2500; /* segment 2 straddles zero */
        uint8_t fr[TB_FRAME_CAP];
        /* a SYN fixes the start regardless of the order that follows */
        int n = tb_tcp(&fl, isn - 1, 0x02, NULL, 0, fr);
        tb_rx(s, fr, n, HS_CSUM_UNVERIFIED, 0, 0);
        for (int k = 0; k < 5; k++) {
            int i = orders[o][k];
            /* PSH on segment 2, which ends after the wrap: the receive completes there */
            uint8_t flags = 0x10 | (i == 4 ? 0x01 : 0) | (i == 2 ? 0x08 : 0);
            tb_send(s, &fl, isn, stream, (uint32_t)i * 1200, 1200, flags, (uint64_t)k + 1);
        }
        hs_stats st = tb_stats(s);
        ck_assert_uint_eq(st.conns_syn, 1);
        ck_assert_uint_eq(st.conns_fin, 1);
        ck_assert_uint_eq(st.retrans_bytes, 0);
        /* expected classification: out of order when it starts beyond the in-order frontier */
        int got[5] = {0}, frontier = 0, ooo = 0;
        for (int k = 0; k < 5; k++) {
            int i = orders[o][k];
            got[i] = 1;
            if (i > frontier)
                ooo++;
            while (frontier < 5 && got[frontier])
                frontier++;
        }
        ck_assert_uint_eq(st.ooo_segments, (uint64_t)ooo);
        ck_assert_uint_eq(st.in_order_segments, (uint64_t)(5 - ooo));
        ck_assert_uint_eq(st.app_receives, 2); /* at the push (or later), at the FIN */
        tb_seg a = tb_tx_decode(&tx, tx.n - 1);
        ck_assert_uint_eq(a.ack, isn + 6000u + 1u);
        ck_assert_uint_lt(a.ack, 6000); /* really wrapped */
        /* retransmissions from both sides of zero are old data: acknowledged, not delivered */
        tb_send(s, &fl, isn, stream, 1200, 1200, 0x10, 10);
        tb_send(s, &fl, isn, stream, 3600, 1200, 0x10, 11);
        st = tb_stats(s);
        ck_assert_uint_eq(st.retrans_bytes, 2400);
        ck_assert_uint_eq(st.dup_segments, 2);
        a = tb_tx_decode(&tx, tx.n - 1);
        ck_assert_uint_eq(a.ack, isn + 6000u + 1u);
        close_ok(s);
        ck_assert_uint_eq(app.len, sizeof stream);
        ck_assert_mem_eq(app.data, stream, sizeof stream);
        tb_app_free(&app);
    }
}
END_TEST

/* No SYN seen: the stream starts at the first segment's sequence number. */
START_TEST(mid_capture_start)
{
    tb_tx tx = {0};
    tb_app app = {0};
    hs_stack *s = mk(&tx, &app);
    tb_flow fl;
    tb_flow4(&fl, 1, 40004, 445);
    uint8_t stream[4000];
    tb_fill(stream, sizeof stream, 4);
    const uint32_t isn = 123456789;
    tb_send(s, &fl, isn, stream, 1000, 1000, 0x10, 0);  /* first seen */
    tb_send(s, &fl, isn, stream, 0, 1000, 0x10, 1);     /* before the start: old */
    tb_send(s, &fl, isn, stream, 3000, 1000, 0x10, 2);  /* gap */
    tb_send(s, &fl, isn, stream, 2000, 1000, 0x10, 3);  /* fill */
    hs_stats st = tb_stats(s);
    ck_assert_uint_eq(st.conns_midstream, 1);
    ck_assert_uint_eq(st.conns_syn, 0);
    ck_assert_uint_eq(st.retrans_bytes, 1000);
    close_ok(s);
    ck_assert_uint_eq(app.len, 3000);
    ck_assert_mem_eq(app.data, stream + 1000, 3000);
    tb_app_free(&app);
}
END_TEST

/* The FIN arrives before the data in front of it; the connection ends when the gap fills. */
START_TEST(fin_after_out_of_order)
{
    tb_tx tx = {0};
    tb_app app = {0};
    hs_stack *s = mk(&tx, &app);
    tb_flow fl;
    tb_flow4(&fl, 1, 40005, 445);
    uint8_t stream[3000];
    tb_fill(stream, sizeof stream, 6);
    const uint32_t isn = 900;
    tb_send(s, &fl, isn, stream, 0, 1000, 0x10, 0);
    tb_send(s, &fl, isn, stream, 2000, 1000, 0x19, 1); /* ACK|PSH|FIN, out of order */
    hs_stats st = tb_stats(s);
    ck_assert_uint_eq(st.conns_fin, 0);
    tb_seg a = tb_tx_decode(&tx, tx.n - 1);
    ck_assert_uint_eq(a.ack, isn + 1000); /* duplicate ACK, FIN not yet acknowledged */
    /* data after the FIN is ignored */
    uint8_t fr[TB_FRAME_CAP];
    int n = tb_tcp(&fl, isn + 3000, 0x10, stream, 500, fr);
    tb_rx(s, fr, n, HS_CSUM_UNVERIFIED, 0, 2);
    tb_send(s, &fl, isn, stream, 1000, 1000, 0x10, 3);
    st = tb_stats(s);
    ck_assert_uint_eq(st.conns_fin, 1);
    ck_assert_uint_eq(st.after_fin_bytes, 500);
    a = tb_tx_decode(&tx, tx.n - 1);
    ck_assert_uint_eq(a.ack, isn + 3001);
    /* the application got end-of-stream before close: everything consumed, no close delivery */
    ck_assert_uint_eq(st.app_bytes, 3000);
    close_ok(s);
    ck_assert_uint_eq(app.len, 3000);
    ck_assert_mem_eq(app.data, stream, 3000);
    tb_app_free(&app);
}
END_TEST

START_TEST(rst_discards_queued)
{
    tb_tx tx = {0};
    tb_app app = {0};
    hs_stack *s = mk(&tx, &app);
    tb_flow fl;
    tb_flow4(&fl, 1, 40006, 445);
    uint8_t stream[3000];
    tb_fill(stream, sizeof stream, 7);
    const uint32_t isn = 1;
    tb_send(s, &fl, isn, stream, 0, 1000, 0x10, 0);
    tb_send(s, &fl, isn, stream, 2000, 1000, 0x10, 1);
    uint8_t fr[TB_FRAME_CAP];
    /* out-of-window RST ignored, in-window RST resets */
    int n = tb_tcp(&fl, isn + 900000, 0x14, NULL, 0, fr);
    tb_rx(s, fr, n, HS_CSUM_UNVERIFIED, 0, 2);
    ck_assert_uint_eq(tb_stats(s).conns_rst, 0);
    ck_assert_uint_eq(tb_stats(s).rst_ignored, 1);
    n = tb_tcp(&fl, isn + 1000, 0x14, NULL, 0, fr);
    tb_rx(s, fr, n, HS_CSUM_UNVERIFIED, 0, 3);
    tb_send(s, &fl, isn, stream, 1000, 1000, 0x10, 4); /* after the reset: ignored */
    hs_stats st = tb_stats(s);
    ck_assert_uint_eq(st.conns_rst, 1);
    ck_assert_uint_eq(st.rst_discard_bytes, 1000);
    ck_assert_uint_eq(st.closed_segments, 1);
    close_ok(s);
    ck_assert_uint_eq(app.len, 1000);
    ck_assert_mem_eq(app.data, stream, 1000);
    tb_app_free(&app);
}
END_TEST

/* A slow application: buffers fill, data waits in the socket queue, the advertised window
 * shrinks to zero; as the application drains, window updates reopen it. */
START_TEST(app_buffers_full_window_shrinks)
{
    tb_tx tx = {0};
    tb_app app = {0};
    hs_config cfg;
    hs_config_defaults(&cfg);
    cfg.csum_offload = 0;
    cfg.recv_buffer_bytes = 8192;
    cfg.posted_buffers = 2;
    cfg.rcv_window_bytes = 16384;
    cfg.complete_on_push = 0;
    cfg.app_rate_bytes_per_s = 8192.0 * 1000; /* one buffer per millisecond */
    cfg.ack_every = 1;
    hs_stack *s = tb_stack(&cfg, &tx, &app, NULL);
    tb_flow fl;
    tb_flow4(&fl, 1, 40007, 445);
    enum { N = 40 };
    static uint8_t stream[N * 1000];
    tb_fill(stream, sizeof stream, 8);
    const uint32_t isn = 42;
    uint32_t min_wnd = 65535;
    for (int i = 0; i < N; i++) {
        tx.n = 0;
        tb_send(s, &fl, isn, stream, (uint32_t)i * 1000, 1000, 0x10, (uint64_t)i * 1000); /* 1 us apart */
        ck_assert_int_eq(tx.n, 1);
        tb_seg a = tb_tx_decode(&tx, 0);
        ck_assert_uint_eq(a.ack, isn + (uint32_t)(i + 1) * 1000);
        if (a.window < min_wnd)
            min_wnd = a.window;
    }
    hs_stats st = tb_stats(s);
    /* 16 KiB in buffers, the rest (24 KB) queued: the window went to zero */
    ck_assert_uint_eq(min_wnd, 0);
    ck_assert_uint_ge(st.max_queued_bytes, 16384);
    ck_assert_uint_ge(st.zero_window_acks, 1);
    ck_assert_uint_eq(st.app_bytes, 0);
    ck_assert_uint_eq(st.bytes_copied, 16384);
    /* the application drains over time: timers move data and send window updates */
    uint64_t now = (uint64_t)N * 1000;
    int guard = 0;
    tx.n = 0;
    while (hs_next_timer_ns(s) != UINT64_MAX && guard++ < 1000) {
        now = hs_next_timer_ns(s);
        hs_timer(s, 0, now);
    }
    st = tb_stats(s);
    ck_assert_uint_ge(st.window_updates, 1);
    ck_assert_uint_eq(st.bytes_copied, (uint64_t)N * 1000);
    /* last buffer is partial (no push): everything else consumed */
    ck_assert_uint_eq(st.app_bytes, (uint64_t)N * 1000 - (N * 1000) % 8192);
    tb_seg last = tb_tx_decode(&tx, tx.n - 1);
    ck_assert_uint_eq(last.window, 16384);
    /* drain took ~ (40000/8192) ms */
    ck_assert_uint_ge(now, 4000000);
    close_ok(s);
    ck_assert_uint_eq(app.len, sizeof stream);
    ck_assert_mem_eq(app.data, stream, sizeof stream);
    tb_app_free(&app);
}
END_TEST

/* IPv6 inside an 802.1Q tag: reassembly and the ACK's addresses. */
START_TEST(ipv6_and_vlan_reassembly)
{
    tb_tx tx = {0};
    tb_app app = {0};
    hs_stack *s = mk(&tx, &app);
    tb_flow fl;
    tb_flow6(&fl, 50000, 80);
    fl.vlan = 1;
    fl.tci = 100;
    uint8_t stream[4000];
    tb_fill(stream, sizeof stream, 10);
    const uint32_t isn = 0x80000000u;
    tb_send(s, &fl, isn, stream, 0, 1000, 0x10, 0);
    tb_send(s, &fl, isn, stream, 3000, 1000, 0x10, 1);
    tb_send(s, &fl, isn, stream, 2000, 1000, 0x10, 2);
    tb_send(s, &fl, isn, stream, 1000, 1000, 0x18, 3);
    tb_seg a = tb_tx_decode(&tx, tx.n - 1);
    ck_assert_int_eq(a.l3, 6);
    ck_assert_uint_eq(a.ack, isn + 4000);
    close_ok(s);
    ck_assert_uint_eq(app.len, 4000);
    ck_assert_mem_eq(app.data, stream, 4000);
    ck_assert_int_eq(app.last.family, 6);
    ck_assert_uint_eq(app.last.sport, 50000);
    tb_app_free(&app);
}
END_TEST

/* The queue of bytes waiting (out of order or for buffers) is capped; beyond it, dropped. */
START_TEST(hold_cap)
{
    tb_tx tx = {0};
    tb_app app = {0};
    hs_config cfg;
    hs_config_defaults(&cfg);
    cfg.max_hold_bytes = 2500;
    hs_stack *s = tb_stack(&cfg, &tx, &app, NULL);
    tb_flow fl;
    tb_flow4(&fl, 1, 40008, 445);
    uint8_t stream[5000];
    tb_fill(stream, sizeof stream, 13);
    tb_send(s, &fl, 10, stream, 0, 1000, 0x10, 0);
    tb_send(s, &fl, 10, stream, 2000, 1000, 0x10, 1);
    tb_send(s, &fl, 10, stream, 3000, 1000, 0x10, 2);
    tb_send(s, &fl, 10, stream, 4000, 1000, 0x10, 3); /* 3000 bytes would be held: dropped */
    ck_assert_uint_eq(tb_stats(s).hold_drop_bytes, 1000);
    tb_send(s, &fl, 10, stream, 1000, 1000, 0x10, 4);
    ck_assert_uint_eq(tb_tx_decode(&tx, tx.n - 1).ack, 10 + 4000);
    tb_send(s, &fl, 10, stream, 4000, 1000, 0x10, 5); /* the retransmission fits now */
    hs_timer(s, 0, hs_next_timer_ns(s));                /* delayed ACK */
    ck_assert_uint_eq(tb_tx_decode(&tx, tx.n - 1).ack, 10 + 5000);
    hs_close(s, NULL, 0);
    ck_assert_uint_eq(app.len, 5000);
    ck_assert_mem_eq(app.data, stream, 5000);
    tb_app_free(&app);
}
END_TEST

/* The capture's real receiver advertised at most W bytes: behind a lost segment the stack
 * holds only what lies within rcv_nxt + W; the rest is dropped and counted. */
typedef struct tb_peer {
    uint64_t wnd;
    int calls;
    hs_conn_id key;
} tb_peer;

static uint64_t tb_peer_window(void *user, const hs_conn_id *k)
{
    tb_peer *p = user;
    p->calls++;
    p->key = *k;
    return p->wnd;
}

enum { PW_SEG = 1000, PW_LEN = 200000 };

/* Sends segment 0, loses segment 1, then every later one (never retransmitted); returns the
 * ACK after segment 1 finally arrives. */
static uint32_t peer_window_run(hs_stack *s, tb_tx *tx, const uint8_t *stream)
{
    tb_flow fl;
    tb_flow4(&fl, 1, 40009, 445);
    tb_send(s, &fl, 10, stream, 0, PW_SEG, 0x10, 0);
    for (uint32_t off = 2 * PW_SEG; off < PW_LEN; off += PW_SEG)
        tb_send(s, &fl, 10, stream, off, PW_SEG, 0x10, off);
    tb_send(s, &fl, 10, stream, PW_SEG, PW_SEG, 0x10, PW_LEN);
    return tb_tx_decode(tx, tx->n - 1).ack - 10;
}

START_TEST(peer_window_bounds_hold)
{
    static uint8_t stream[PW_LEN];
    tb_fill(stream, sizeof stream, 17);
    tb_tx tx = {0};
    tb_app app = {0};
    tb_peer peer = {.wnd = 4500};
    hs_config cfg;
    hs_config_defaults(&cfg);
    cfg.peer_window = tb_peer_window;
    cfg.peer_window_user = &peer;
    hs_stack *s = tb_stack(&cfg, &tx, &app, NULL);
    uint32_t acked = peer_window_run(s, &tx, stream);
    ck_assert_int_eq(peer.calls, 1);
    ck_assert_uint_eq(peer.key.sport, 40009);
    ck_assert_uint_eq(peer.key.dport, 445);
    /* held: [2000, 5500) = rcv_nxt 1000 + 4500 (the segment at 5000 half); the rest dropped */
    hs_stats st = tb_stats(s);
    ck_assert_uint_eq(st.ooo_beyond_real_window_bytes, PW_LEN - 5500);
    ck_assert_uint_eq(st.hold_drop_bytes, 0);
    ck_assert_uint_eq(acked, 5500);
    hs_close(s, NULL, 0);
    ck_assert_uint_eq(app.len, 5500);
    ck_assert_mem_eq(app.data, stream, 5500);
    tb_app_free(&app);
}
END_TEST

/* Nothing known of the real receiver (no callback, or it answers 0): everything is held up to
 * max_hold_bytes, as before. */
START_TEST(peer_window_unknown_unchanged)
{
    static uint8_t stream[PW_LEN];
    tb_fill(stream, sizeof stream, 17);
    for (int with_cb = 0; with_cb < 2; with_cb++) {
        tb_tx tx = {0};
        tb_app app = {0};
        tb_peer peer = {.wnd = 0};
        hs_config cfg;
        hs_config_defaults(&cfg);
        if (with_cb) {
            cfg.peer_window = tb_peer_window;
            cfg.peer_window_user = &peer;
        }
        hs_stack *s = tb_stack(&cfg, &tx, &app, NULL);
        uint32_t acked = peer_window_run(s, &tx, stream);
        hs_stats st = tb_stats(s);
        ck_assert_uint_eq(st.ooo_beyond_real_window_bytes, 0);
        ck_assert_uint_eq(st.hold_drop_bytes, 0);
        ck_assert_uint_eq(acked, PW_LEN);
        hs_close(s, NULL, 0);
        ck_assert_uint_eq(app.len, PW_LEN);
        ck_assert_mem_eq(app.data, stream, PW_LEN);
        tb_app_free(&app);
    }
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("hoststack_reasm");
    TCase *tc = tcase_create("reasm");
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, five_segments_every_order);
    tcase_add_test(tc, overlap_first_wins);
    tcase_add_test(tc, duplicates_counted_and_ignored);
    tcase_add_test(tc, wraparound);
    tcase_add_test(tc, mid_capture_start);
    tcase_add_test(tc, fin_after_out_of_order);
    tcase_add_test(tc, rst_discards_queued);
    tcase_add_test(tc, app_buffers_full_window_shrinks);
    tcase_add_test(tc, ipv6_and_vlan_reassembly);
    tcase_add_test(tc, hold_cap);
    tcase_add_test(tc, peer_window_bounds_hold);
    tcase_add_test(tc, peer_window_unknown_unchanged);
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
