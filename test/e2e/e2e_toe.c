/* End-to-end tests of TCP Chimney (the TCP offload engine, docs/toe.md): the nicsim binary on
 * shipped traces with Chimney on, off and toggled by [events], checked against what the senders
 * sent (stream bytes), against a run with Chimney off (totals, ACK numbers), against the
 * report's accounting identity, and against the fidelity targets of the cost model.
 * argv: NICSIM_BINARY SOURCE_DIR WORK_DIR */
#include <dirent.h>
#include <inttypes.h>
#include <pcap/pcap.h>
#include <sys/stat.h>

#include "e2e_util.h"
#include "pkt.h"

/* ---- traces ---- */

/* Times (ns from the first record) of the records of a capture that carry TCP payload; returns
 * their number (*t malloc'd). */
static size_t payload_times(const char *trace, uint64_t **t)
{
    char perr[PCAP_ERRBUF_SIZE], path[2048];
    snprintf(path, sizeof path, "%s/%s", g_src, trace);
    pcap_t *p = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_NANO, perr);
    ck_assert_msg(p != NULL, "%s", perr);
    struct pcap_pkthdr *h;
    const u_char *d;
    uint64_t t0 = 0;
    size_t n = 0, cap = 0;
    *t = NULL;
    while (pcap_next_ex(p, &h, &d) == 1) {
        uint64_t ts = (uint64_t)h->ts.tv_sec * 1000000000u + (uint64_t)h->ts.tv_usec;
        if (!t0)
            t0 = ts;
        pkt_frame_info in;
        if (pkt_frame_parse(d, h->caplen, &in) == 0 && in.proto == PKT_IPPROTO_TCP && in.payload_len) {
            if (n == cap) {
                cap = cap ? 2 * cap : 1024;
                *t = realloc(*t, cap * sizeof **t);
            }
            (*t)[n++] = ts - t0;
        }
    }
    pcap_close(p);
    ck_assert_uint_gt(n, 10);
    return n;
}

/* A time (us from the start) between the payload records at fraction num/den of the trace's
 * payload records: inside a transfer, not at a gap between connections. */
static uint64_t payload_point_us(const char *trace, size_t num, size_t den)
{
    uint64_t *t;
    size_t n = payload_times(trace, &t);
    size_t i = (n - 1) * num / den;
    uint64_t us = (t[i] + t[i + 1]) / 2 / 1000;
    free(t);
    return us;
}

/* --set arguments toggling Chimney `times` times (DISABLED, ENABLED, ...; an even number ends
 * ENABLED), spread over the payload-carrying records of the trace. */
static void toggle_args(const char *trace, int times, char *out, size_t cap)
{
    size_t o = 0;
    out[0] = 0;
    for (int i = 1; i <= times; i++)
        o += (size_t)snprintf(out + o, cap - o, " --set 'events.%" PRIu64 "us=netsh int ip set chimney %s'",
                              payload_point_us(trace, (size_t)i, (size_t)times + 2), i % 2 ? "DISABLED" : "ENABLED");
}

/* traces/chimney-bulk.pcap: connection k (port 40000 + k) carried 1,000,000 bytes of stream 300 + k. */
static void expect_bulk_streams(const char *dir)
{
    ck_assert_int_eq(count_files(dir), 4);
    for (int k = 1; k <= 4; k++) {
        char name[128];
        snprintf(name, sizeof name, "10.0.1.%d_%d-10.0.0.2_445.bin", k, 40000 + k);
        expect_generated_stream(dir, name, 300 + (uint64_t)k, 1000000);
    }
}

/* traces/chimney-chatty.pcap: connection n's request, 300 bytes of stream 10000 + n. */
static void expect_chatty_streams(const char *dir)
{
    ck_assert_int_eq(count_files(dir), 2000);
    for (int n = 1; n <= 2000; n++) {
        int g = n > 1000, j = (n - 1) % 1000;
        char name[128];
        snprintf(name, sizeof name, "10.0.%d.%d_%d-10.0.0.2_%d.bin", 2 + g, 1 + j % 250, 33000 + j, g ? 8080 : 80);
        expect_generated_stream(dir, name, 10000 + (uint64_t)n, 300);
    }
}

/* ---- report checks ---- */

/* frames.rx == delivered + pending + toe_placed + toe_consumed + every dropped.* counter. */
static void check_conservation(json_t *r, const char *what)
{
    json_int_t drops = 0;
    json_t *d = jget(r, "frames.dropped");
    ck_assert_ptr_nonnull(d);
    const char *k;
    json_t *v;
    json_object_foreach(d, k, v) {
        ck_assert_msg(json_is_integer(v), "frames.dropped.%s not an integer", k);
        drops += json_integer_value(v);
    }
    json_int_t rx = jint(r, "frames.rx"), del = jint(r, "frames.delivered"), pend = jint(r, "frames.pending"),
               pl = jint(r, "frames.toe_placed"), co = jint(r, "frames.toe_consumed");
    ck_assert_msg(rx == del + pend + pl + co + drops,
                  "%s: frames.rx %lld != delivered %lld + pending %lld + toe_placed %lld + toe_consumed %lld + "
                  "dropped %lld",
                  what, (long long)rx, (long long)del, (long long)pend, (long long)pl, (long long)co,
                  (long long)drops);
    ck_assert_int_eq(jint(r, "frames.dropped_total"), drops);
    ck_assert_int_eq(jint(r, "frames.host"), del + pl + co);
}

/* Runs `args` (report to WORK/name.json), expects exit 0, returns the report. */
static json_t *run_report(const char *name, const char *args)
{
    char full[8192], rep[160];
    snprintf(full, sizeof full, "%s -o '%s/%s.json'", args, g_work, name);
    int rc = run_nicsim(name, full);
    char errn[160];
    snprintf(errn, sizeof errn, "%s.err", name);
    char *e = slurp(work_path(errn));
    ck_assert_msg(rc == 0, "nicsim %s exited %d: %s", full, rc, e ? e : "");
    free(e);
    snprintf(rep, sizeof rep, "%s.json", name);
    return load_report(rep);
}

#define BASE "run scenarios/quickstart.ini --quiet"

/* ---- 1. stream integrity with Chimney on ---- */

/* Offloaded the whole time (the default: Chimney on), and toggled off and on mid-stream. */
static const struct {
    const char *trace;
    int toggles;
} stream_cases[] = {
    {"traces/netns-loss.pcap", 0},
    {"traces/netns-loss.pcap", 6},
    {"traces/chimney-bulk.pcap", 0},
    {"traces/chimney-bulk.pcap", 6},
};

START_TEST(streams_exact_with_chimney)
{
    const char *trace = stream_cases[_i].trace;
    int bulk = strstr(trace, "bulk") != NULL;
    char name[64], dname[64], ev[2048], args[4096];
    snprintf(name, sizeof name, "streams%d", _i);
    snprintf(dname, sizeof dname, "streams%d.d", _i);
    char *dir = fresh_dir(dname);
    toggle_args(trace, stream_cases[_i].toggles, ev, sizeof ev);
    snprintf(args, sizeof args, BASE " --no-baseline --trace %s --save-streams '%s'%s", trace, dir, ev);
    json_t *r = run_report(name, args);
    if (bulk)
        expect_bulk_streams(dir);
    else
        expect_loss_streams(dir);
    printf("streams %s toggles %d: toe.successes %lld, frames.toe_placed %lld, toe.bytes_placed %lld, "
           "bytes_indicated %lld, bytes_host %lld, uploads.chimney_off %lld\n",
           trace, stream_cases[_i].toggles, (long long)jint(r, "toe.successes"), (long long)jint(r, "frames.toe_placed"),
           (long long)jint(r, "toe.bytes_placed"), (long long)jint(r, "toe.bytes_indicated"),
           (long long)jint(r, "toe.bytes_host"), (long long)jint(r, "toe.uploads.chimney_off"));
    fflush(stdout);
    ck_assert_int_gt(jint(r, "toe.successes"), 0);
    ck_assert_int_gt(jint(r, "frames.toe_placed"), 0);
    ck_assert_int_eq(jint(r, "app.stream_errors"), 0);
    ck_assert_int_eq(jint(r, "tcp.payload_bytes"), bulk ? 4000000 : 150000);
    if (stream_cases[_i].toggles) {
        /* the events fired: every offloaded connection went back, and came to the NIC again */
        ck_assert_int_gt(jint(r, "toe.uploads.chimney_off"), 0);
        ck_assert_int_gt(jint(r, "toe.successes"), bulk ? 4 : 3);
    } else {
        ck_assert_int_eq(jint(r, "toe.uploads.chimney_off"), 0);
        if (bulk) /* offloaded from the handshake to the FIN: all but a few segments placed */
            ck_assert_int_gt(jint(r, "toe.bytes_placed"), 3900000);
    }
    check_conservation(r, name);
    json_decref(r);
}
END_TEST

/* 1500 connections open at once, 1024 slots: some connections find no slot and stay in the
 * host, every request arrives exactly. As configured (4 queues), and with 8 queues. The
 * clients run 10x slower (replay.multiplier 0.1): at the capture's own pace each request
 * follows the handshake by 10 us, before the host has even seen the handshake (interrupt
 * moderation), so every offload meets its connection's data on the way and is taken back at
 * once (toe.uploads.offload_race) and the table never fills; docs/chimney.md. */
static const char *const chatty_extra[] = {"", " --set nic.rss_queues=8"};

START_TEST(streams_exact_with_slot_table_overflow)
{
    char dname[32], name[32], args[4096];
    snprintf(dname, sizeof dname, "chatty%d.d", _i);
    snprintf(name, sizeof name, "chatty%d", _i);
    char *dir = fresh_dir(dname);
    snprintf(args, sizeof args,
             BASE " --no-baseline --trace traces/chimney-chatty.pcap --set replay.multiplier=0.1 "
                  "--save-streams '%s'%s", dir, chatty_extra[_i]);
    json_t *r = run_report(name, args);
    printf("chatty%s: toe.attempts %lld successes %lld refusals %lld no_slot %lld offloaded_peak %lld "
           "uploads.offload_race %lld\n",
           chatty_extra[_i], (long long)jint(r, "toe.attempts"), (long long)jint(r, "toe.successes"),
           (long long)jint(r, "toe.refusals"), (long long)jint(r, "toe.no_slot"),
           (long long)jint(r, "toe.offloaded_peak"),
           (long long)jint(r, "toe.uploads.offload_race"));
    expect_chatty_streams(dir);
    ck_assert_int_eq(jint(r, "tcp.connections"), 2000);
    ck_assert_int_eq(jint(r, "tcp.payload_bytes"), 2000 * 300);
    ck_assert_int_eq(jint(r, "toe.slots"), 1024);
    check_conservation(r, name);
    ck_assert_int_gt(jint(r, "toe.successes"), 0);
    /* the table overflowed: every slot was in use, and more connections wanted one */
    ck_assert_int_eq(jint(r, "toe.offloaded_peak"), 1024);
    ck_assert_int_gt(jint(r, "toe.no_slot") + jint(r, "toe.refusals"), 0);
    json_decref(r);
}
END_TEST

/* ---- 2. no double counting ---- */

START_TEST(totals_equal_with_chimney_toggled_and_off)
{
    const char *trace = "traces/chimney-bulk.pcap";
    char ev[2048], args[4096];
    toggle_args(trace, 6, ev, sizeof ev);
    snprintf(args, sizeof args, BASE " --no-baseline --trace %s%s", trace, ev);
    json_t *on = run_report("count_toggled", args);
    snprintf(args, sizeof args, BASE " --no-baseline --trace %s --set tcpip.EnableTCPChimney=0", trace);
    json_t *off = run_report("count_off", args);
    static const char *equal[] = {"tcp.segments", "tcp.payload_bytes", "app.bytes", "tcp.connections",
                                  "tcp.duplicate_segments", "frames.host", "frames.host_bytes"};
    for (size_t i = 0; i < sizeof equal / sizeof equal[0]; i++)
        ck_assert_msg(jint(on, equal[i]) == jint(off, equal[i]), "%s: toggled %lld, Chimney off %lld", equal[i],
                      (long long)jint(on, equal[i]), (long long)jint(off, equal[i]));
    /* every data segment counted once, by the NIC or by the host */
    json_int_t seg_on = jint(on, "tcp.in_order_segments") + jint(on, "tcp.out_of_order_segments") +
                        jint(on, "tcp.duplicate_segments");
    json_int_t seg_off = jint(off, "tcp.in_order_segments") + jint(off, "tcp.out_of_order_segments") +
                         jint(off, "tcp.duplicate_segments");
    ck_assert_int_eq(seg_on, seg_off);
    json_int_t handovers = jint(on, "toe.successes") + jint(on, "toe.uploads_total");
    json_int_t ack_on = jint(on, "tcp.acks_sent"), ack_off = jint(off, "tcp.acks_sent");
    printf("totals, bulk toggled 6 times vs Chimney off: segments %lld / %lld, payload %lld / %lld, app.bytes "
           "%lld / %lld, out_of_order_segments %lld / %lld, acks_sent %lld / %lld (tx.frames %lld / %lld, "
           "tx.toe_acks %lld), hand-overs %lld (offloads %lld, uploads %lld)\n",
           (long long)jint(on, "tcp.segments"), (long long)jint(off, "tcp.segments"),
           (long long)jint(on, "tcp.payload_bytes"), (long long)jint(off, "tcp.payload_bytes"),
           (long long)jint(on, "app.bytes"), (long long)jint(off, "app.bytes"),
           (long long)jint(on, "tcp.out_of_order_segments"), (long long)jint(off, "tcp.out_of_order_segments"),
           (long long)ack_on, (long long)ack_off, (long long)jint(on, "tx.frames"), (long long)jint(off, "tx.frames"),
           (long long)jint(on, "tx.toe_acks"), (long long)handovers, (long long)jint(on, "toe.successes"),
           (long long)jint(on, "toe.uploads_total"));
    ck_assert_int_gt(jint(on, "toe.uploads.chimney_off"), 0);
    /* ACKs of offloaded periods are the NIC's own counters (docs/cost-model.md), counted once:
     * the uploads' counters equal the engine's statistics register and the frames on the wire */
    ck_assert_int_eq(jint(on, "toe.nic_acks"), jint(on, "tx.toe_acks"));
    ck_assert_int_eq(jint(on, "toe.nic_acks"), jint(on, "toe.nic.acks"));
    ck_assert_int_eq(ack_on - jint(on, "tx.frames"), ack_off - jint(off, "tx.frames"));
    /* the every-2nd-segment count restarts at each hand-over: at most one extra ACK per hand-over */
    ck_assert_msg(llabs((long long)(ack_on - ack_off)) <= handovers, "acks_sent %lld vs %lld, %lld hand-overs",
                  (long long)ack_on, (long long)ack_off, (long long)handovers);
    json_decref(on);
    json_decref(off);
}
END_TEST

/* ---- 3. conservation ---- */

static const struct {
    const char *trace, *extra;
} cons_cases[] = {
    {"traces/netns-loss.pcap", ""},
    {"traces/chimney-bulk.pcap", ""},
    {"traces/quickstart.pcap", ""},
    {"traces/mixed-v6.pcapng", ""},
    {"traces/netns-parallel.pcap", ""},
    {"traces/chimney-chatty.pcap", " --set replay.duration=150ms"},
};

START_TEST(frames_are_conserved)
{
    for (int chimney = 0; chimney < 2; chimney++) {
        char name[64], args[4096];
        snprintf(name, sizeof name, "cons%d_%d", _i, chimney);
        snprintf(args, sizeof args, BASE " --no-baseline --trace %s --set tcpip.EnableTCPChimney=%d%s",
                 cons_cases[_i].trace, chimney, cons_cases[_i].extra);
        json_t *r = run_report(name, args);
        check_conservation(r, name);
        if (!chimney) {
            ck_assert_int_eq(jint(r, "frames.toe_placed") + jint(r, "frames.toe_consumed"), 0);
            ck_assert_int_eq(jint(r, "toe.successes"), 0);
        } else if (strstr(cons_cases[_i].trace, "bulk") || strstr(cons_cases[_i].trace, "quickstart")) {
            ck_assert_int_gt(jint(r, "frames.toe_placed"), 0);
        }
        json_decref(r);
    }
}
END_TEST

/* ---- 4. the NIC's ACKs ---- */

typedef struct ackseq {
    uint16_t port; /* the peer's port */
    uint32_t *ack;
    int *nic;
    size_t n, cap;
} ackseq;

/* Reads a transmit capture: per peer port, the ACK numbers in order; checks every frame's IPv4
 * header and TCP checksums. Frames the engine built (IPv4 ID 0, flags ACK alone, no payload:
 * docs/toe.md "ACK contents"; the host stack numbers its IDs) are marked. */
static size_t read_tx(const char *path, ackseq *out, size_t max, long *nic_frames, long *frames)
{
    char perr[PCAP_ERRBUF_SIZE];
    pcap_t *p = pcap_open_offline(path, perr);
    ck_assert_msg(p != NULL, "%s", perr);
    struct pcap_pkthdr *h;
    const u_char *d;
    size_t nconn = 0;
    *nic_frames = *frames = 0;
    while (pcap_next_ex(p, &h, &d) == 1) {
        pkt_frame_info in;
        ck_assert_uint_eq(h->caplen, h->len);
        ck_assert_msg(pkt_frame_parse(d, h->caplen, &in) == 0 && in.l3 == 4 && in.proto == PKT_IPPROTO_TCP,
                      "transmitted frame %ld is not IPv4 TCP", *frames + 1);
        size_t ihl = (size_t)(d[in.l3_off] & 15) * 4;
        ck_assert_msg(pkt_csum_fold(pkt_csum_add(0, d + in.l3_off, ihl)) == 0xffff,
                      "transmitted frame %ld: bad IPv4 header checksum", *frames + 1);
        uint32_t l4len = (uint32_t)(in.ip_end - in.l4_off);
        uint32_t s = pkt_csum_pseudo(in.src, in.dst, 4, PKT_IPPROTO_TCP, l4len);
        ck_assert_msg(pkt_csum_fold(pkt_csum_add(s, d + in.l4_off, l4len)) == 0xffff,
                      "transmitted frame %ld: bad TCP checksum", *frames + 1);
        const uint8_t *t = d + in.l4_off;
        uint32_t ack = (uint32_t)t[8] << 24 | (uint32_t)t[9] << 16 | (uint32_t)t[10] << 8 | t[11];
        int ipid = d[in.l3_off + 4] << 8 | d[in.l3_off + 5];
        int nic = ipid == 0 && t[13] == 0x10 && in.payload_len == 0;
        size_t c = 0;
        while (c < nconn && out[c].port != in.dport)
            c++;
        if (c == nconn) {
            ck_assert_uint_lt(nconn, max);
            memset(&out[c], 0, sizeof out[c]);
            out[c].port = in.dport;
            nconn++;
        }
        ackseq *a = &out[c];
        if (a->n == a->cap) {
            a->cap = a->cap ? 2 * a->cap : 256;
            a->ack = realloc(a->ack, a->cap * sizeof *a->ack);
            a->nic = realloc(a->nic, a->cap * sizeof *a->nic);
        }
        a->ack[a->n] = ack;
        a->nic[a->n++] = nic;
        *nic_frames += nic;
        (*frames)++;
    }
    pcap_close(p);
    return nconn;
}

START_TEST(nic_acks_equal_host_stack_acks)
{
    char args[4096];
    snprintf(args, sizeof args, BASE " --no-baseline --trace traces/chimney-bulk.pcap --tx-pcap '%s/tx_on.pcap'",
             g_work);
    json_t *on = run_report("tx_on", args);
    snprintf(args, sizeof args,
             /* the host stack copying with the CPU: with NetDMA a receive completes only when
                the engine's copy does, which moves the stack's window updates */
             BASE " --no-baseline --trace traces/chimney-bulk.pcap --set tcpip.EnableTCPChimney=0 "
                  "--set tcpip.EnableTCPA=0 --tx-pcap '%s/tx_off.pcap'",
             g_work);
    json_t *off = run_report("tx_off", args);
    ackseq a[8], b[8];
    long nic_a, fr_a, nic_b, fr_b;
    size_t na = read_tx(work_path("tx_on.pcap"), a, 8, &nic_a, &fr_a);
    size_t nb = read_tx(work_path("tx_off.pcap"), b, 8, &nic_b, &fr_b);
    printf("tx: Chimney on %ld frames (%ld built by the NIC, tx.toe_acks %lld), off %ld frames\n", fr_a, nic_a,
           (long long)jint(on, "tx.toe_acks"), fr_b);
    ck_assert_int_gt(jint(on, "tx.toe_acks"), 0);
    ck_assert_int_eq(fr_a, jint(on, "tx.frames"));
    ck_assert_int_eq(fr_b, jint(off, "tx.frames"));
    ck_assert_int_eq(nic_a, jint(on, "tx.toe_acks"));
    ck_assert_int_eq(nic_b, 0);
    ck_assert_uint_eq(na, 4);
    ck_assert_uint_eq(nb, 4);
    /* Per connection, frame by frame: the ACK numbers sent with Chimney on (by the host before
     * the offload and after the FIN's upload, by the NIC in between) are the host stack's
     * sequence for the same trace. The hand-overs here (offload right after the handshake,
     * upload at the FIN) fall between two ACKs: no difference allowed. */
    for (size_t i = 0; i < na; i++) {
        size_t j = 0;
        while (j < nb && b[j].port != a[i].port)
            j++;
        ck_assert_msg(j < nb, "port %u: no frames with Chimney off", a[i].port);
        size_t nicn = 0;
        for (size_t k = 0; k < a[i].n; k++)
            nicn += (size_t)a[i].nic[k];
        ck_assert_msg(nicn > 300, "port %u: %zu ACKs built by the NIC", a[i].port, nicn);
        ck_assert_msg(a[i].n == b[j].n, "port %u: %zu frames with Chimney on, %zu off", a[i].port, a[i].n, b[j].n);
        for (size_t k = 0; k < a[i].n; k++)
            ck_assert_msg(a[i].ack[k] == b[j].ack[k], "port %u frame %zu (%s): ack %u, host stack sent %u",
                          a[i].port, k + 1, a[i].nic[k] ? "NIC" : "host", a[i].ack[k], b[j].ack[k]);
        free(a[i].ack);
        free(a[i].nic);
        free(b[j].ack);
        free(b[j].nic);
    }
    json_decref(on);
    json_decref(off);
}
END_TEST

/* ---- 5. fidelity ---- */

START_TEST(fidelity_bulk_saves_chatty_does_not)
{
    json_t *r = run_report("fid_bulk", BASE " --trace traces/chimney-bulk.pcap --set host.cost_profile=xeon-2006");
    double cpb = jnum(r, "cpu.cycles_per_byte"), base = jnum(r, "baseline.cpu.cycles_per_byte");
    printf("fidelity, chimney-bulk, xeon-2006: cycles/byte Chimney %.4f, software baseline %.4f (%.1fx), "
           "savings.cycles_per_byte_pct %.1f%%\n",
           cpb, base, base / cpb, jnum(r, "savings.cycles_per_byte_pct"));
    fflush(stdout);
    ck_assert_int_gt(jint(r, "toe.successes"), 0);
    ck_assert_msg(cpb * 4 <= base, "bulk: Chimney %.4f cycles/byte, baseline %.4f: less than 4x", cpb, base);
    json_t *c = run_report("fid_chatty", BASE " --trace traces/chimney-chatty.pcap --set host.cost_profile=xeon-2006");
    printf("fidelity, chimney-chatty, xeon-2006: cycles/byte Chimney %.4f, software baseline %.4f, "
           "savings.cycles_per_byte_pct %.1f%%, savings.cpu_cycles_pct %.1f%%\n",
           jnum(c, "cpu.cycles_per_byte"), jnum(c, "baseline.cpu.cycles_per_byte"),
           jnum(c, "savings.cycles_per_byte_pct"), jnum(c, "savings.cpu_cycles_pct"));
    fflush(stdout);
    ck_assert_msg(jnum(c, "savings.cycles_per_byte_pct") < 10.0, "chatty: Chimney saves %.1f%% (target < 10%%)",
                  jnum(c, "savings.cycles_per_byte_pct"));
    json_decref(r);
    json_decref(c);
}
END_TEST

/* ---- 6. link down / up ---- */

START_TEST(link_down_uploads_and_drops)
{
    uint64_t down = payload_point_us("traces/chimney-bulk.pcap", 1, 3), up = down + 1000;
    char args[4096];
    snprintf(args, sizeof args,
             BASE " --no-baseline --trace traces/chimney-bulk.pcap --set 'events.%" PRIu64
                  "us=link down' --set 'events.%" PRIu64 "us=link up'",
             down, up);
    json_t *r = run_report("link", args);
    printf("link down at %" PRIu64 " us, up at %" PRIu64 " us: uploads.link_loss %lld, dropped.link_down %lld, "
           "toe.successes %lld\n",
           down, up, (long long)jint(r, "toe.uploads.link_loss"), (long long)jint(r, "frames.dropped.link_down"),
           (long long)jint(r, "toe.successes"));
    ck_assert_int_eq(jint(r, "toe.uploads.link_loss"), 4); /* the four bulk connections were offloaded */
    ck_assert_int_gt(jint(r, "frames.dropped.link_down"), 0);
    /* about 1 ms of frames every 12 us lost: 83 or 84 */
    ck_assert_int_ge(jint(r, "frames.dropped.link_down"), 80);
    ck_assert_int_le(jint(r, "frames.dropped.link_down"), 86);
    check_conservation(r, "link");
    ck_assert_int_eq(jint(r, "toe.offloaded_now"), 0);
    json_decref(r);
}
END_TEST

static void add_tests(TCase *tc)
{
    /* The sanitizer build (ASAN_OPTIONS set by CI) runs the model many times slower: there the
     * program checks the streams of the real lossy capture (offloaded, and toggled) and leaves
     * the long runs (the 4 MB and 2,000-connection captures, the baseline runs, the
     * conservation sweep) to the normal build, which runs them all. */
    if (getenv("ASAN_OPTIONS")) {
        tcase_add_loop_test(tc, streams_exact_with_chimney, 0, 2); /* netns-loss.pcap */
    } else {
        tcase_add_loop_test(tc, streams_exact_with_chimney, 0, (int)(sizeof stream_cases / sizeof stream_cases[0]));
        tcase_add_loop_test(tc, streams_exact_with_slot_table_overflow, 0, 2);
        tcase_add_test(tc, totals_equal_with_chimney_toggled_and_off);
        tcase_add_loop_test(tc, frames_are_conserved, 0, (int)(sizeof cons_cases / sizeof cons_cases[0]));
        tcase_add_test(tc, nic_acks_equal_host_stack_acks);
        tcase_add_test(tc, fidelity_bulk_saves_chatty_does_not);
        tcase_add_test(tc, link_down_uploads_and_drops);
    }
}

int main(int argc, char **argv)
{
    return e2e_main(argc, argv, "e2e_toe", "", 0, NULL, 150, add_tests);
}
