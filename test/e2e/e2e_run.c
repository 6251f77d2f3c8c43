/* End-to-end tests: the nicsim binary on shipped traces, checked against independent
 * references (libpcap reader + software Toeplitz), plus waveforms, determinism and bad input.
 * argv: NICSIM_BINARY SOURCE_DIR WORK_DIR */
#include <check.h>
#include <dirent.h>
#include <jansson.h>
#include <math.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "pkt.h"
#include "rss.h"
#include "trace.h"

#include "e2e_util.h"

static const char *g_wave_check;

/* These tests are about the receive path through the host (RSS, checksums, DMA, interrupts,
 * latency, the stack): they run with TCP Chimney off (g_chimney_off) unless a test sets
 * EnableTCPChimney itself, so that every TCP frame reaches the stack. Chimney has its own
 * tests (e2e_toe.c). */

/* Independent expectation for one frame under the default RSS configuration. */
typedef struct expect {
    int hash_type;
    uint32_t hash;
} expect;

static expect rss_expect(const uint8_t *f, uint32_t len, uint32_t types)
{
    expect e = {RSS_HT_NONE, 0};
    pkt_frame_info in;
    if (pkt_frame_parse(f, len, &in) != 0)
        return e;
    uint8_t buf[36];
    int alen = in.l3 == 4 ? 4 : 16;
    memcpy(buf, in.src, (size_t)alen);
    memcpy(buf + alen, in.dst, (size_t)alen);
    int l4 = !in.frag && in.l4_off && (in.proto == PKT_IPPROTO_TCP || in.proto == PKT_IPPROTO_UDP) &&
             in.l4_off + 4 <= len;
    int t_l4 = in.l3 == 4 ? (in.proto == PKT_IPPROTO_TCP ? RSS_HT_TCP_IPV4 : RSS_HT_UDP_IPV4)
                          : (in.proto == PKT_IPPROTO_TCP ? RSS_HT_TCP_IPV6 : RSS_HT_UDP_IPV6);
    int t_ip = in.l3 == 4 ? RSS_HT_IPV4 : RSS_HT_IPV6;
    if (l4 && (types & RSS_HT_BIT(t_l4))) {
        memcpy(buf + 2 * alen, f + in.l4_off, 4);
        e.hash_type = t_l4;
        e.hash = rss_toeplitz(rss_default_key, buf, (size_t)(2 * alen + 4));
    } else if (types & RSS_HT_BIT(t_ip)) {
        e.hash_type = t_ip;
        e.hash = rss_toeplitz(rss_default_key, buf, (size_t)(2 * alen));
    }
    return e;
}

/* Loads every frame of a trace, indexed by frame number (first segment of each record). */
typedef struct frames {
    uint8_t **data;
    uint32_t *len;
    uint64_t *ts; /* capture time, ns since the epoch */
    uint64_t n;
} frames;

static frames load_frames(const char *path)
{
    frames fr = {0};
    tr_trace *t;
    char err[512];
    tr_options o = {1500, 1, 0, NULL};
    ck_assert_msg(tr_open(&t, path, &o, err, sizeof err) == 0, "%s", err);
    tr_frame f;
    int rc;
    size_t cap = 0;
    while ((rc = tr_next(t, &f, err, sizeof err)) > 0) {
        if (f.frame_no <= fr.n)
            continue;
        if (f.frame_no + 1 > cap) {
            cap = (f.frame_no + 1) * 2;
            fr.data = realloc(fr.data, cap * sizeof *fr.data);
            fr.len = realloc(fr.len, cap * sizeof *fr.len);
            fr.ts = realloc(fr.ts, cap * sizeof *fr.ts);
        }
        for (uint64_t k = fr.n + 1; k < f.frame_no; k++) {
            fr.data[k] = NULL;
            fr.len[k] = 0;
        }
        fr.data[f.frame_no] = malloc(f.len);
        memcpy(fr.data[f.frame_no], f.data, f.len);
        fr.len[f.frame_no] = f.len;
        fr.ts[f.frame_no] = f.ts_ns;
        fr.n = f.frame_no;
    }
    ck_assert_msg(rc == 0, "%s", err);
    tr_close(t);
    return fr;
}

static void free_frames(frames *fr)
{
    for (uint64_t i = 1; i <= fr->n; i++)
        free(fr->data[i]);
    free(fr->data);
    free(fr->len);
    free(fr->ts);
}

/* Runs nicsim with %W in fmt replaced by the work directory. */
static int run_w(const char *name, const char *fmt)
{
    char args[2048];
    size_t o = 0;
    for (const char *p = fmt; *p && o + 512 < sizeof args; p++) {
        if (p[0] == '%' && p[1] == 'W') {
            o += (size_t)snprintf(args + o, sizeof args - o, "%s", g_work);
            p++;
        } else {
            args[o++] = *p;
        }
    }
    args[o] = 0;
    return run_nicsim(name, args);
}

/* Host memory is mapped lazily: the largest host.memory_mb costs nothing up front, and a
 * mapping the host refuses is one clear error, not an abort. */
START_TEST(host_memory_is_lazy)
{
    ck_assert_int_eq(run_w("mem64g", "run scenarios/quickstart.ini --quiet --no-baseline "
                                     "--set host.memory_mb=65536 -o '%W/mem64g.json'"),
                     0);
    json_t *r = load_report("mem64g.json");
    ck_assert_int_gt(jint(r, "frames.delivered"), 100);
    json_decref(r);
    if (getenv("ASAN_OPTIONS"))
        return; /* the sanitizer's shadow memory needs an unlimited address space */
    char cmd[4096];
    snprintf(cmd, sizeof cmd,
             "cd '%s' && ulimit -v 3000000 && '%s' run scenarios/quickstart.ini --quiet --no-baseline "
             "--set host.memory_mb=8192 > '%s/memlim.out' 2> '%s/memlim.err'",
             g_src, g_bin, g_work, g_work);
    int st = system(cmd);
    ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 1);
    char *e = slurp(work_path("memlim.err"));
    /* 8192 MiB and the 128 MiB the application buffers of 1024 offloaded connections need */
    ck_assert_msg(strstr(e, "nicsim: error: host memory: cannot map 8320 MiB") == e, "%s", e);
    ck_assert_msg(strstr(e, "host.memory_mb 8192 + 128 MiB of application buffers"), "%s", e);
    ck_assert_ptr_null(strchr(e, '\n') == e + strlen(e) - 1 ? NULL : strchr(e, '\n'));
    free(e);
}
END_TEST

START_TEST(quickstart_hashes_match_reference)
{
    ck_assert_int_eq(run_w("qs", "run scenarios/quickstart.ini --quiet -o '%W/qs.json' "
                                 "--packet-log '%W/qs.csv'"),
                     0);
    json_t *r = load_report("qs.json");
    json_int_t rx = jint(r, "frames.rx");
    ck_assert_int_gt(rx, 100);
    /* every frame is accounted for in exactly one queue */
    json_t *qf = json_object_get(json_object_get(r, "rss"), "queue_frames");
    ck_assert_int_eq((int)json_array_size(qf), 4);
    json_int_t sum = 0;
    int busy = 0;
    for (size_t i = 0; i < json_array_size(qf); i++) {
        json_int_t v = json_integer_value(json_array_get(qf, i));
        sum += v;
        busy += v > 0;
    }
    ck_assert_int_eq(sum, rx);
    ck_assert_int_ge(busy, 2);

    char tpath[1024];
    snprintf(tpath, sizeof tpath, "%s/traces/quickstart.pcap", g_src);
    frames fr = load_frames(tpath);
    char *csv = slurp(work_path("qs.csv"));
    ck_assert_ptr_nonnull(csv);
    char *save;
    char *line = strtok_r(csv, "\n", &save);
    ck_assert_str_eq(line, "frame,time_ns,len,l3,l4,hash_type,hash,queue,csum,cpu,path,latency_ns,app_latency_ns");
    long rows = 0;
    while ((line = strtok_r(NULL, "\n", &save))) {
        unsigned long long frame;
        char time[32], l3[16], l4[16], ht[16], hash[16], csum[16];
        unsigned len, queue;
        /* hash may be empty: parse field by field */
        char *f[13];
        int nf = 0;
        for (char *p = line; nf < 13; nf++) {
            f[nf] = p;
            char *c = strchr(p, ',');
            if (!c) {
                nf++;
                break;
            }
            *c = 0;
            p = c + 1;
        }
        ck_assert_int_eq(nf, 13);
        /* recorded timing on a 10G link with 4 queues on 2 CPUs: every frame reaches the host
         * on the CPU that owns its queue (queue q on CPU q % cpus) */
        ck_assert_str_eq(f[10], "host");
        ck_assert_uint_eq(strtoul(f[9], NULL, 10), strtoul(f[7], NULL, 10) % 2);
        frame = strtoull(f[0], NULL, 10);
        snprintf(time, sizeof time, "%s", f[1]);
        len = (unsigned)strtoul(f[2], NULL, 10);
        snprintf(l3, sizeof l3, "%s", f[3]);
        snprintf(l4, sizeof l4, "%s", f[4]);
        snprintf(ht, sizeof ht, "%s", f[5]);
        snprintf(hash, sizeof hash, "%s", f[6]);
        queue = (unsigned)strtoul(f[7], NULL, 10);
        snprintf(csum, sizeof csum, "%s", f[8]);
        ck_assert_uint_le(frame, fr.n);
        ck_assert_ptr_nonnull(fr.data[frame]);
        ck_assert_uint_eq(len, fr.len[frame]);
        expect e = rss_expect(fr.data[frame], fr.len[frame], RSS_HT_DEFAULT_MASK);
        ck_assert_str_eq(ht, rss_hash_type_name(e.hash_type));
        if (e.hash_type != RSS_HT_NONE) {
            char want[16];
            snprintf(want, sizeof want, "0x%08x", e.hash);
            ck_assert_str_eq(hash, want);
            /* default table: entry i -> queue i % rss_queues */
            ck_assert_uint_eq(queue, (e.hash & 127) % 4);
        } else {
            ck_assert_str_eq(hash, "");
            ck_assert_uint_eq(queue, 0);
        }
        /* the generator writes correct checksums everywhere */
        pkt_frame_info in;
        if (pkt_frame_parse(fr.data[frame], fr.len[frame], &in) == 0)
            ck_assert_str_eq(csum, "ok");
        else
            ck_assert_str_eq(csum, "none");
        rows++;
    }
    ck_assert_int_eq(rows, rx);
    free(csv);
    free_frames(&fr);
    json_decref(r);
}
END_TEST

static void strip_wall_sim(json_t *sim);
static void strip_wall(json_t *r)
{
    strip_wall_sim(json_object_get(r, "sim"));
    strip_wall_sim(json_object_get(json_object_get(r, "baseline"), "sim"));
}

static void strip_wall_sim(json_t *sim)
{
    const char *k;
    json_t *v;
    void *tmp;
    json_object_foreach_safe(sim, tmp, k, v)
    {
        size_t n = strlen(k);
        if (strncmp(k, "wall_", 5) == 0 || (n > 6 && strcmp(k + n - 6, "_per_s") == 0))
            json_object_del(sim, k);
    }
}

START_TEST(runs_are_deterministic)
{
    ck_assert_int_eq(run_w("d1", "run scenarios/quickstart.ini --quiet -o '%W/d1.json' --packet-log '%W/d1.csv'"), 0);
    ck_assert_int_eq(run_w("d2", "run scenarios/quickstart.ini --quiet -o '%W/d2.json' --packet-log '%W/d2.csv'"), 0);
    json_t *a = load_report("d1.json"), *b = load_report("d2.json");
    strip_wall(a);
    strip_wall(b);
    ck_assert_msg(json_equal(a, b), "reports differ beyond sim.wall_* / sim.*_per_s");
    char *ca = slurp(work_path("d1.csv")), *cb = slurp(work_path("d2.csv"));
    ck_assert_str_eq(ca, cb);
    free(ca);
    free(cb);
    json_decref(a);
    json_decref(b);
}
END_TEST

/* Column `col` (0-based) of every row, joined. */
static char *csv_columns(const char *path, int c1, int c2, int c3)
{
    char *s = slurp(path);
    ck_assert_ptr_nonnull(s);
    size_t cap = strlen(s) + 1, o = 0;
    char *out = malloc(cap);
    char *save;
    for (char *line = strtok_r(s, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        int col = 0;
        for (char *p = line; *p; col++) {
            char *c = strchr(p, ',');
            size_t n = c ? (size_t)(c - p) : strlen(p);
            if (col == c1 || col == c2 || col == c3) {
                memcpy(out + o, p, n);
                o += n;
                out[o++] = '|';
            }
            if (!c)
                break;
            p = c + 1;
        }
        out[o++] = '\n';
    }
    out[o] = 0;
    free(s);
    return out;
}

START_TEST(width_512_gives_same_results)
{
    ck_assert_int_eq(run_w("w64", "run scenarios/quickstart.ini --quiet --packet-log '%W/w64.csv'"), 0);
    ck_assert_int_eq(run_w("w512", "run scenarios/quickstart.ini --quiet --set nic.data_width=512 "
                                   "--packet-log '%W/w512.csv' -o '%W/w512.json'"),
                     0);
    /* hash, queue, csum of every frame identical; only timing may differ */
    char *a = csv_columns(work_path("w64.csv"), 6, 7, 8);
    char *b = csv_columns(work_path("w512.csv"), 6, 7, 8);
    ck_assert_str_eq(a, b);
    free(a);
    free(b);
}
END_TEST

START_TEST(idle_skipping_follows_activity)
{
    ck_assert_int_eq(run_w("rec", "run scenarios/quickstart.ini --quiet -o '%W/rec.json'"), 0);
    ck_assert_int_eq(run_w("top", "run scenarios/quickstart.ini --quiet --set replay.timing=topspeed -o '%W/top.json'"), 0);
    json_t *rec = load_report("rec.json"), *top = load_report("top.json");
    json_int_t rec_cycles = jint(rec, "sim.nic_cycles"), rec_ns = jint(rec, "sim.sim_time_ns");
    json_int_t top_cycles = jint(top, "sim.nic_cycles"), top_ns = jint(top, "sim.sim_time_ns");
    /* recorded timing leaves the 10G link mostly idle: far fewer cycles clocked than elapsed */
    double elapsed_cycles = (double)rec_ns / 6.4;
    ck_assert_msg(rec_cycles < elapsed_cycles / 2, "clocked %lld of %.0f cycles", (long long)rec_cycles,
                  elapsed_cycles);
    /* same frames back to back: much shorter simulated time, comparable cycles clocked */
    ck_assert_int_lt(top_ns, rec_ns / 2);
    ck_assert_int_lt(top_cycles, rec_cycles * 2);
    ck_assert_int_eq(jint(rec, "frames.rx"), jint(top, "frames.rx"));
    json_decref(rec);
    json_decref(top);
}
END_TEST

START_TEST(waveform_fst_and_vcd_with_window)
{
    ck_assert_int_eq(run_w("wf", "run scenarios/quickstart.ini --quiet --wave '%W/w.fst' --wave-to 200us"), 0);
    struct stat st;
    ck_assert_int_eq(stat(work_path("w.fst"), &st), 0);
    ck_assert_int_gt(st.st_size, 100);
    char *g = slurp(work_path("w.gtkw"));
    ck_assert_ptr_nonnull(g);
    ck_assert_ptr_nonnull(strstr(g, "[dumpfile]"));
    ck_assert_ptr_nonnull(strstr(g, "@800200"));
    ck_assert_ptr_nonnull(strstr(g, "s_axis_rx_tvalid"));
    free(g);

    /* opened on the dump window: start time, a zoom that fits it and the marker at its start */
    ck_assert_int_eq(run_w("wg", "run scenarios/quickstart.ini --quiet --wave '%W/g.fst' "
                                 "--wave-from 1ms --wave-to 1.02ms"),
                     0);
    g = slurp(work_path("g.gtkw"));
    ck_assert_ptr_nonnull(g);
    ck_assert_ptr_nonnull(strstr(g, "[timestart] 1000000000\n"));
    char *z = strstr(g, "\n*");
    ck_assert_ptr_nonnull(z);
    char *end;
    double zoom = strtod(z + 2, &end);
    unsigned long long marker = strtoull(end, NULL, 10);
    ck_assert_uint_eq(marker, 1000000000ull);
    /* GTKWave shows 2^-zoom time units per 200 pixels: the 20 us window in 800..1100 pixels */
    double px = 200.0 * 20e6 / pow(2.0, -zoom);
    ck_assert_msg(px > 800 && px < 1100, "zoom %f shows the window in %f pixels", zoom, px);
    /* the open ports group holds the 52 ports of nic_top and nothing else */
    char *p0 = strstr(g, "-nic_top (ports)\n");
    ck_assert_ptr_nonnull(p0);
    char *p1 = strstr(p0 + 1, "-nic_top (ports)\n");
    ck_assert_ptr_nonnull(p1);
    int ntr = 0;
    for (char *q = strstr(p0, "\nnic.nic_top."); q && q < p1; q = strstr(q + 1, "\nnic.nic_top."))
        ntr++;
    ck_assert_int_eq(ntr, 52);
    char *ports = strndup(p0, (size_t)(p1 - p0));
    ck_assert_ptr_null(strstr(ports, "cm_hash_type"));   /* internal wire of nic_top */
    ck_assert_ptr_nonnull(strstr(ports, "m_axis_rxmeta_csum"));
    free(ports);
    /* enumerations translated by filter files beside the save file, names from nic_hw.h */
    ck_assert_ptr_nonnull(strstr(g, "@2022\n^2 "));
    char *f = slurp(work_path("g.csum.gtkwf"));
    ck_assert_ptr_nonnull(f);
    ck_assert_ptr_nonnull(strstr(f, "1 ok\n"));
    free(f);
    f = slurp(work_path("g.hash_type.gtkwf"));
    ck_assert_ptr_nonnull(f);
    ck_assert_ptr_nonnull(strstr(f, "2 tcp_ipv4\n"));
    free(f);
    f = slurp(work_path("g.fate.gtkwf"));
    ck_assert_ptr_nonnull(f);
    ck_assert_ptr_nonnull(strstr(f, "1 drop:no_descriptor\n"));
    free(f);
    /* the completion type: byte 14 of the entry (bits 119..112, 8..15 counted from the MSB) */
    f = slurp(work_path("g.cpl_type.gtkwf"));
    ck_assert_ptr_nonnull(f);
    ck_assert_ptr_nonnull(strstr(f, "01 rx\n02 tx\n"));
    free(f);
    ck_assert_ptr_nonnull(strstr(g, "#{nic.nic_top.rx_dma_inst.cpl_type} (8)nic.nic_top.rx_dma_inst.cpl_entry_reg[127:0] "
                                    "(9)nic.nic_top.rx_dma_inst.cpl_entry_reg[127:0]"));
    ck_assert_ptr_nonnull(strstr(g, "(15)nic.nic_top.tx_dma_inst.cw_entry_reg[127:0]\n"));
    free(g);

    ck_assert_int_eq(run_w("wv", "run scenarios/quickstart.ini --quiet --wave '%W/w.vcd' "
                                 "--wave-from 1ms --wave-to 1.05ms"),
                     0);
    char *v = slurp(work_path("w.vcd"));
    ck_assert_ptr_nonnull(v);
    ck_assert_ptr_nonnull(strstr(v, "$enddefinitions"));
    /* every timestamp inside the window (ps) */
    long stamps = 0;
    for (char *p = strstr(v, "\n#"); p; p = strstr(p + 1, "\n#")) {
        unsigned long long t = strtoull(p + 2, NULL, 10);
        ck_assert_msg(t >= 1000000000ull && t <= 1050000000ull, "timestamp %llu outside window", t);
        stamps++;
    }
    ck_assert_int_gt(stamps, 10);
    free(v);
    ck_assert_int_eq(stat(work_path("w.gtkw"), &st), 0);
}
END_TEST

/* The VCD holds the same value changes as the FST of the same window (read by fstapi). */
START_TEST(vcd_value_changes_equal_fst)
{
    const char *win = "--wave-from 1ms --wave-to 1.02ms";
    char a[512];
    snprintf(a, sizeof a, "run scenarios/quickstart.ini --quiet --wave '%%W/cmp.fst' %s", win);
    ck_assert_int_eq(run_w("cmpf", a), 0);
    snprintf(a, sizeof a, "run scenarios/quickstart.ini --quiet --wave '%%W/cmp.vcd' %s", win);
    ck_assert_int_eq(run_w("cmpv", a), 0);
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "'%s' '%s' '%s' > '%s' 2>&1", g_wave_check, work_path("cmp.fst"), work_path("cmp.vcd"),
             work_path("cmp.check"));
    int st = system(cmd);
    char *out = slurp(work_path("cmp.check"));
    ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0, "wave_check: %s", out ? out : "");
    /* a real comparison: many value changes, not just the initial values */
    ck_assert_int_gt(strtol(out, NULL, 10), 1000);
    free(out);
}
END_TEST

static void write_file(const char *name, const void *data, size_t n)
{
    FILE *f = fopen(work_path(name), "wb");
    ck_assert_ptr_nonnull(f);
    if (n)
        ck_assert_uint_eq(fwrite(data, 1, n, f), n);
    fclose(f);
}

/* One clear error line naming the file, non-zero exit, no crash. */
static void expect_trace_error(const char *name, const char *needle)
{
    char args[2048];
    snprintf(args, sizeof args, "run scenarios/quickstart.ini --quiet --trace '%s'", work_path(name));
    int rc = run_nicsim(name, args);
    ck_assert_msg(rc == 1 || rc == 2, "%s: exit status %d", name, rc);
    char errname[256];
    snprintf(errname, sizeof errname, "%s.err", name);
    char *e = slurp(work_path(errname));
    ck_assert_ptr_nonnull(e);
    ck_assert_msg(strncmp(e, "nicsim: error: ", 15) == 0, "%s: got '%s'", name, e);
    ck_assert_msg(strstr(e, name) != NULL, "%s: message does not name the file: '%s'", name, e);
    ck_assert_msg(strstr(e, needle) != NULL, "%s: message lacks '%s': '%s'", name, needle, e);
    ck_assert_msg(strchr(e, '\n') == e + strlen(e) - 1, "%s: not exactly one line: '%s'", name, e);
    free(e);
}

START_TEST(malformed_captures_fail_cleanly)
{
    write_file("empty.pcap", "", 0);
    expect_trace_error("empty.pcap", "empty");
    write_file("garbage.pcap", "this is not a capture file at all, just text\n", 45);
    expect_trace_error("garbage.pcap", "magic");
    /* valid header, one record claiming 100 bytes with only 10 present */
    uint8_t hdr[24 + 16 + 10] = {0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                                 0xff, 0xff, 0, 0, 1, 0, 0, 0};
    uint8_t *rec = hdr + 24;
    rec[8] = 100;
    rec[12] = 100;
    write_file("truncrec.pcap", hdr, sizeof hdr);
    /* a capture stopped mid-write: the complete records (none here) are replayed, with
     * warnings saying so and that nothing reached the NIC */
    char args[2048];
    snprintf(args, sizeof args, "run scenarios/quickstart.ini --quiet --trace '%s'",
             work_path("truncrec.pcap"));
    ck_assert_int_eq(run_nicsim("truncrec.pcap", args), 0);
    char *e = slurp(work_path("truncrec.pcap.err"));
    ck_assert_ptr_nonnull(e);
    ck_assert_ptr_nonnull(strstr(e, "nicsim: warning: "));
    ck_assert_ptr_nonnull(strstr(e, "truncrec.pcap: the capture ends inside record 1"));
    ck_assert_ptr_nonnull(strstr(e, "truncrec.pcap: nothing reaches the NIC"));
    free(e);
    /* unknown link type 147 (USER0), no records */
    uint8_t user[24] = {0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                        0xff, 0xff, 0, 0, 147, 0, 0, 0};
    write_file("user0.pcap", user, sizeof user);
    expect_trace_error("user0.pcap", "link type");
    write_file("shorthdr.pcap", user, 10);
    expect_trace_error("shorthdr.pcap", "shorthdr.pcap");
}
END_TEST

/* Every frame the reader produced is accounted for exactly once: fed to the NIC or not, and
 * every frame the NIC received delivered, pending or dropped for one named reason. */
static void check_accounting(json_t *r, json_int_t loops)
{
    json_int_t fed_or_not = jint(r, "frames.rx") + jint(r, "frames.from_host") +
                            jint(r, "frames.not_for_host");
    ck_assert_int_eq(fed_or_not, jint(r, "trace.frames") * loops);
    json_int_t fate = jint(r, "frames.delivered") + jint(r, "frames.pending") +
                      jint(r, "frames.toe_placed") + jint(r, "frames.toe_consumed");
    json_t *d = json_object_get(json_object_get(r, "frames"), "dropped");
    const char *k;
    json_t *v;
    json_object_foreach(d, k, v) fate += json_integer_value(v);
    ck_assert_int_eq(fate, jint(r, "frames.rx"));
}

/* ---- latency, per-queue and per-connection tables, time series ---- */

/* Splits a CSV line in place (no quoting: nicsim's CSV has none); returns the field count. */
static int csv_split(char *line, char **f, int max)
{
    int n = 0;
    for (char *p = line; n < max;) {
        f[n++] = p;
        char *c = strchr(p, ',');
        if (!c)
            break;
        *c = 0;
        p = c + 1;
    }
    return n;
}

static int cmp_ll(const void *a, const void *b)
{
    long long x = *(const long long *)a, y = *(const long long *)b;
    return x < y ? -1 : x > y;
}

/* ps of "N.NNN" ns. */
static long long ps_of(const char *ns)
{
    char *dot;
    long long whole = strtoll(ns, &dot, 10);
    long long frac = *dot == '.' ? strtoll(dot + 1, NULL, 10) : 0;
    return whole * 1000 + (ns[0] == '-' ? -frac : frac);
}

/* The nearest-rank percentile of sorted samples, as docs/report.md defines it. */
static long long nearest_rank(const long long *v, size_t n, int pct)
{
    size_t rank = (size_t)((n * (size_t)pct + 99) / 100);
    return v[rank ? rank - 1 : 0];
}

/* The cycles of a cost key in the shipped xeon-2006 profile. */
static double profile_cost(const char *key)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/hoststack/profiles/xeon-2006.profile", g_src);
    FILE *f = fopen(path, "r");
    ck_assert_ptr_nonnull(f);
    char line[512];
    double v = -1;
    size_t kl = strlen(key);
    while (fgets(line, sizeof line, f))
        if (strncmp(line, key, kl) == 0 && (line[kl] == ' ' || line[kl] == '='))
            v = strtod(strchr(line, '=') + 1, NULL);
    fclose(f);
    ck_assert_msg(v >= 0, "profile key %s", key);
    return v;
}

START_TEST(latency_queues_and_connections_add_up)
{
    /* back to back with 16 receive buffers per queue: the driver falls behind, frames are
     * dropped for no_descriptor on every queue */
    ck_assert_int_eq(run_w("lat", "run scenarios/quickstart.ini --quiet --no-baseline "
                                  "--set replay.timing=topspeed --set driver.rx_ring_entries=16 "
                                  "-o '%W/lat.json' --packet-log '%W/lat.csv' --connections '%W/latc.csv'"),
                     0);
    json_t *r = load_report("lat.json");
    check_accounting(r, 1);
    json_int_t delivered = jint(r, "frames.delivered");
    ck_assert_int_gt(jint(r, "frames.dropped.no_descriptor"), 0);

    /* per queue: frames, bytes, drops and pending add up to the run's */
    json_t *qs = jget(r, "queues");
    ck_assert_int_eq((int)json_array_size(qs), 4);
    json_int_t qf = 0, qb = 0, qd = 0, qp = 0, ql = 0, qc = 0;
    for (size_t q = 0; q < json_array_size(qs); q++) {
        json_t *o = json_array_get(qs, q);
        qf += jint(o, "frames");
        qb += jint(o, "bytes");
        qd += jint(o, "dropped.no_descriptor") + jint(o, "dropped.completion_ring_full");
        qp += jint(o, "pending");
        ql += jint(o, "latency.frames");
        qc += jint(o, "cycles");
        ck_assert_int_eq(jint(o, "latency.frames"), jint(o, "frames"));
        ck_assert_int_gt(jint(o, "dropped.no_descriptor"), 0);
    }
    ck_assert_int_eq(qf, delivered);
    ck_assert_int_eq(qb, jint(r, "frames.delivered_bytes"));
    ck_assert_int_eq(qd, jint(r, "frames.dropped.no_descriptor") + jint(r, "frames.dropped.completion_ring_full"));
    ck_assert_int_eq(qp, jint(r, "frames.pending"));
    ck_assert_int_eq(ql, delivered);
    ck_assert_int_eq(jint(r, "latency.frames"), delivered);
    /* the queues' ISR/DPC cycles are part of the CPUs' total: timers and the transmit vector
     * are the rest */
    ck_assert_int_gt(qc, 0);
    ck_assert_int_le(qc, jint(r, "cpu.total_cycles"));

    /* the packet log's latency column: one value per delivered frame, none for the others;
     * the report's percentiles are the exact nearest-rank ones of these values */
    char *csv = slurp(work_path("lat.csv"));
    ck_assert_ptr_nonnull(csv);
    char *save, *line = strtok_r(csv, "\n", &save);
    ck_assert_str_eq(line, "frame,time_ns,len,l3,l4,hash_type,hash,queue,csum,cpu,path,latency_ns,app_latency_ns");
    long long *lat = calloc((size_t)delivered + 1, sizeof *lat);
    size_t n = 0;
    /* lower bound: after the last bit, the CPU must at least take the interrupt, dispatch the
     * DPC, read the completion and do the IP and TCP work of the frame */
    double floor_ns = (profile_cost("isr") + profile_cost("dpc") + profile_cost("rx_completion") +
                       profile_cost("ip_rx") + profile_cost("tcp_rx")) /
                      profile_cost("cpu_mhz") * 1000.0;
    json_int_t app_frames = jint(r, "app_latency.frames");
    long long *alat = calloc((size_t)app_frames + 1, sizeof *alat);
    size_t na = 0;
    while ((line = strtok_r(NULL, "\n", &save))) {
        char *f[14];
        int nf = csv_split(line, f, 14);
        ck_assert_int_eq(nf, 13);
        if (strcmp(f[10], "host") == 0) {
            ck_assert_msg(f[11][0], "delivered frame %s without latency", f[0]);
            ck_assert_uint_lt(n, (size_t)delivered);
            lat[n++] = ps_of(f[11]);
            ck_assert_msg((double)lat[n - 1] / 1000.0 >= floor_ns, "frame %s: latency %s ns below %.1f ns",
                          f[0], f[11], floor_ns);
            if (f[12][0]) {
                /* the application gets the bytes no earlier than the stack processed them */
                ck_assert_uint_lt(na, (size_t)app_frames);
                alat[na++] = ps_of(f[12]);
                ck_assert_int_ge(alat[na - 1], lat[n - 1]);
            }
        } else {
            ck_assert_str_eq(f[11], "");
            ck_assert_str_eq(f[12], "");
        }
    }
    /* the drops leave gaps the capture never fills: the application gets nothing past them */
    ck_assert_uint_eq(na, (size_t)app_frames);
    free(alat);
    ck_assert_uint_eq(n, (size_t)delivered);
    qsort(lat, n, sizeof *lat, cmp_ll);
    ck_assert_int_eq((long long)llround(jnum(r, "latency.min_ns") * 1000), lat[0]);
    ck_assert_int_eq((long long)llround(jnum(r, "latency.p50_ns") * 1000), nearest_rank(lat, n, 50));
    ck_assert_int_eq((long long)llround(jnum(r, "latency.p90_ns") * 1000), nearest_rank(lat, n, 90));
    ck_assert_int_eq((long long)llround(jnum(r, "latency.p99_ns") * 1000), nearest_rank(lat, n, 99));
    ck_assert_int_eq((long long)llround(jnum(r, "latency.max_ns") * 1000), lat[n - 1]);
    free(lat);
    free(csv);

    /* connections: the CSV and the report agree; every TCP segment belongs to one */
    json_t *cs = jget(r, "connections");
    ck_assert_int_eq((int)json_array_size(cs), 4);
    csv = slurp(work_path("latc.csv"));
    ck_assert_ptr_nonnull(csv);
    line = strtok_r(csv, "\n", &save);
    ck_assert_str_eq(line, "src,sport,dst,dport,cpu,frames,bytes,payload_bytes,cycles,latency_frames,"
                           "latency_p50_ns,latency_p90_ns,latency_p99_ns,latency_max_ns,app_latency_frames,"
                           "app_latency_p50_ns,app_latency_p90_ns,app_latency_p99_ns,app_latency_max_ns,"
                      "offload_state,offloads,last_upload,bytes_placed");
    size_t row = 0;
    json_int_t cf = 0, cp = 0, cc = 0, ca = 0;
    while ((line = strtok_r(NULL, "\n", &save))) {
        char *f[24];
        ck_assert_int_eq(csv_split(line, f, 24), 23);
        /* TCP Chimney's columns (this program runs with Chimney off) */
        ck_assert_str_eq(f[19], "InHost");
        ck_assert_str_eq(f[20], "0");
        ck_assert_str_eq(f[21], "");
        ck_assert_str_eq(f[22], "0");
        json_t *o = json_array_get(cs, row++);
        ck_assert_ptr_nonnull(o);
        ck_assert_int_eq(atoll(f[14]), jint(o, "app_latency.frames"));
        ca += atoll(f[14]);
        ck_assert_str_eq(f[0], json_string_value(json_object_get(o, "src")));
        ck_assert_int_eq(atoll(f[1]), jint(o, "sport"));
        ck_assert_int_eq(atoll(f[5]), jint(o, "frames"));
        ck_assert_int_eq(atoll(f[8]), jint(o, "cycles"));
        ck_assert_int_eq(atoll(f[9]), jint(o, "frames")); /* every frame of it was delivered */
        ck_assert_int_eq(ps_of(f[10]), (long long)llround(jnum(o, "latency.p50_ns") * 1000));
        ck_assert_int_eq(ps_of(f[13]), (long long)llround(jnum(o, "latency.max_ns") * 1000));
        ck_assert_int_le(ps_of(f[10]), ps_of(f[12]));
        cf += jint(o, "frames");
        cp += jint(o, "payload_bytes");
        cc += jint(o, "cycles");
    }
    ck_assert_uint_eq(row, 4);
    ck_assert_int_eq(cf, jint(r, "tcp.segments"));
    ck_assert_int_eq(cp, jint(r, "tcp.payload_bytes"));
    ck_assert_int_eq(ca, jint(r, "app_latency.frames"));
    ck_assert_int_lt(cc, jint(r, "cpu.total_cycles"));
    free(csv);
    json_decref(r);
}
END_TEST

/* Checks a time series against its report: contiguous rows, sums equal to the totals. */
static void check_series(const char *csvname, json_t *r, long long interval_ps)
{
    char *csv = slurp(work_path(csvname));
    ck_assert_ptr_nonnull(csv);
    char *save, *line = strtok_r(csv, "\n", &save);
    ck_assert_str_eq(line, "time_ns,interval_ns,rx_frames,rx_bytes,delivered_frames,delivered_bytes,"
                           "throughput_gbps,dropped,interrupts,cpu0_util,cpu1_util,bus_write_busy_pct,"
                           "bus_read_busy_pct");
    long long rows = 0, rx = 0, dl = 0, dlb = 0, drop = 0, irq = 0, total_ps = 0;
    double cpu_ps[2] = {0, 0}, bus_ps = 0;
    while ((line = strtok_r(NULL, "\n", &save))) {
        char *f[14];
        ck_assert_int_eq(csv_split(line, f, 14), 13);
        ck_assert_int_eq(ps_of(f[0]), rows * interval_ps);
        long long len = ps_of(f[1]);
        ck_assert_int_le(len, interval_ps);
        total_ps += len;
        rx += atoll(f[2]);
        dl += atoll(f[4]);
        dlb += atoll(f[5]);
        drop += atoll(f[7]);
        irq += atoll(f[8]);
        for (int c = 0; c < 2; c++) {
            double u = strtod(f[9 + c], NULL);
            ck_assert(u >= 0.0 && u <= 1.0);
            cpu_ps[c] += u * (double)len;
        }
        bus_ps += strtod(f[11], NULL) / 100.0 * (double)len;
        rows++;
    }
    long long sim_ps = jint(r, "sim.sim_time_ps");
    ck_assert_int_eq(rows, (sim_ps + interval_ps - 1) / interval_ps);
    ck_assert_int_eq(total_ps, sim_ps);
    ck_assert_int_eq(rx, jint(r, "frames.rx"));
    ck_assert_int_eq(dl, jint(r, "frames.delivered"));
    ck_assert_int_eq(dlb, jint(r, "frames.delivered_bytes"));
    ck_assert_int_eq(drop, jint(r, "frames.dropped_total"));
    ck_assert_int_eq(irq, jint(r, "irq.count"));
    json_t *pc = jget(r, "cpu.per_cpu");
    double mhz = jnum(r, "cpu.mhz");
    for (int c = 0; c < 2; c++) {
        double busy_ps = (double)json_integer_value(json_object_get(json_array_get(pc, (size_t)c), "busy_cycles")) /
                         mhz * 1e6;
        /* utilisation is printed with 6 decimals: allow that rounding per row */
        ck_assert_msg(fabs(cpu_ps[c] - busy_ps) <= 1e-6 * (double)sim_ps + 0.5e-6 * (double)interval_ps * (double)rows,
                      "cpu%d: %.0f ps busy in the rows, %.0f in the report", c, cpu_ps[c], busy_ps);
    }
    double bus_report = jnum(r, "pcie.write_busy_pct") / 100.0 * (double)sim_ps;
    ck_assert_msg(fabs(bus_ps - bus_report) <= 1e-6 * (double)sim_ps + 0.5e-6 * (double)interval_ps * (double)rows,
                  "bus: %.0f ps busy in the rows, %.0f in the report", bus_ps, bus_report);
    free(csv);
}

START_TEST(time_series_rows_add_up_to_the_totals)
{
    /* busy: back to back with drops; 20 us intervals */
    ck_assert_int_eq(run_w("ts1", "run scenarios/quickstart.ini --quiet --no-baseline "
                                  "--set replay.timing=topspeed --set driver.rx_ring_entries=16 --set host.cpus=2 "
                                  "-o '%W/ts1.json' --stats-interval 20us --stats-out '%W/ts1.csv'"),
                     0);
    json_t *r = load_report("ts1.json");
    ck_assert_int_gt(jint(r, "frames.dropped_total"), 0);
    check_series("ts1.csv", r, 20000000);
    json_decref(r);
    /* sparse: recorded timing over 1.4 s with 1 ms intervals, the default file name beside the
     * report; idle stretches skipped by the NIC still get their (empty) rows */
    ck_assert_int_eq(run_w("ts2", "run scenarios/storage-backup.ini --quiet --no-baseline "
                                  "-o '%W/ts2.json' --stats-interval 1ms"),
                     0);
    r = load_report("ts2.json");
    check_series("ts2-stats.csv", r, 1000000000);
    ck_assert_int_gt(jint(r, "sim.sim_time_ps"), 1000 * 1000000000LL);
    json_decref(r);
    /* bad values: one line, exit status 2 */
    ck_assert_int_eq(run_w("ts3", "run scenarios/quickstart.ini --quiet --stats-interval 0ns"), 2);
    ck_assert_int_eq(run_w("ts4", "run scenarios/quickstart.ini --quiet --stats-interval 10"), 2);
    ck_assert_int_eq(run_w("ts5", "run scenarios/quickstart.ini --quiet --stats-out '%W/x.csv'"), 2);
    char *e = slurp(work_path("ts5.err"));
    ck_assert_str_eq(e, "nicsim: error: --stats-out needs --stats-interval TIME\n");
    free(e);
}
END_TEST

/* Rows of a packet log (without the header) and the largest time_ns among them. */
/* Every frame fed ends delivered, pending or dropped. */
static void check_delivery(json_t *r)
{
    json_int_t fate = jint(r, "frames.delivered") + jint(r, "frames.pending") + jint(r, "frames.dropped_total");
    ck_assert_int_eq(fate, jint(r, "frames.rx"));
}

static long log_rows(const char *name, long long *max_time_ps, unsigned *min_len)
{
    char *csv = slurp(work_path(name));
    ck_assert_ptr_nonnull(csv);
    char *save, *line = strtok_r(csv, "\n", &save);
    long n = 0;
    *max_time_ps = -1;
    *min_len = UINT32_MAX;
    while ((line = strtok_r(NULL, "\n", &save))) {
        char *f[14];
        ck_assert_int_eq(csv_split(line, f, 14), 13);
        long long t = ps_of(f[1]);
        if (t > *max_time_ps)
            *max_time_ps = t;
        unsigned len = (unsigned)strtoul(f[2], NULL, 10);
        if (len < *min_len)
            *min_len = len;
        n++;
    }
    free(csv);
    return n;
}

START_TEST(replay_limit_duration_and_filter)
{
    char *e;
    /* filter: only the host's received data segments of 1000 bytes or more; counted against
     * an independent pass over the capture with the frame parser */
    ck_assert_int_eq(run_w("flt", "run scenarios/quickstart.ini --quiet --no-baseline "
                                  "--set 'replay.filter=tcp dst port 5001 and greater 1000' "
                                  "-o '%W/flt.json' --packet-log '%W/flt.csv'"),
                     0);
    json_t *r = load_report("flt.json");
    char tpath[1024];
    snprintf(tpath, sizeof tpath, "%s/traces/quickstart.pcap", g_src);
    tr_trace *t;
    char err[512];
    tr_options o = {1500, 1, 1, NULL};
    ck_assert_msg(tr_open(&t, tpath, &o, err, sizeof err) == 0, "%s", err);
    tr_frame f;
    long long want = 0, total = 0;
    while (tr_next(t, &f, err, sizeof err) > 0) {
        pkt_frame_info in;
        total++;
        if (pkt_frame_parse(f.data, f.len, &in) == 0 && in.proto == PKT_IPPROTO_TCP && in.l4_off &&
            ((unsigned)f.data[in.l4_off + 2] << 8 | f.data[in.l4_off + 3]) == 5001 && f.len >= 1000)
            want++;
    }
    tr_close(t);
    ck_assert_int_gt(want, 10);
    /* one frame per record in this capture: records and frames count alike */
    ck_assert_int_eq(jint(r, "trace.resegmented"), 0);
    ck_assert_int_eq(jint(r, "frames.rx"), want);
    ck_assert_int_eq(jint(r, "frames.filtered"), total - want);
    ck_assert_int_eq(jint(r, "trace.filtered"), total - want);
    ck_assert_int_eq(jint(r, "trace.records"), total);
    ck_assert_int_eq(jint(r, "frames.rx") + jint(r, "frames.from_host") + jint(r, "frames.not_for_host"),
                     jint(r, "trace.frames"));
    ck_assert_str_eq(json_string_value(jget(r, "config.replay.filter")), "tcp dst port 5001 and greater 1000");
    long long tmax;
    unsigned lmin;
    ck_assert_int_eq(log_rows("flt.csv", &tmax, &lmin), want);
    ck_assert_uint_ge(lmin, 1000);
    json_decref(r);

    /* limit: the first 250 frames fed over three passes (one pass feeds fewer) */
    ck_assert_int_eq(run_w("lim", "run scenarios/quickstart.ini --quiet --no-baseline --set replay.loop=3 "
                                  "--set replay.limit=250 -o '%W/lim.json'"),
                     0);
    r = load_report("lim.json");
    ck_assert_int_eq(jint(r, "frames.rx"), 250);
    ck_assert_int_eq(jint(r, "config.replay.limit"), 250);
    ck_assert_int_lt(jint(r, "frames.records"), 3 * jint(r, "trace.records"));
    ck_assert_int_gt(jint(r, "frames.records"), jint(r, "trace.records"));
    check_delivery(r);
    json_decref(r);

    /* duration: exactly the frames of the full run that start before 2 ms */
    ck_assert_int_eq(run_w("full", "run scenarios/quickstart.ini --quiet --no-baseline --packet-log '%W/full.csv'"), 0);
    ck_assert_int_eq(run_w("dur", "run scenarios/quickstart.ini --quiet --no-baseline --set replay.duration=2ms "
                                  "-o '%W/dur.json' --packet-log '%W/dur.csv'"),
                     0);
    char *csv = slurp(work_path("full.csv"));
    ck_assert_ptr_nonnull(csv);
    char *save, *line = strtok_r(csv, "\n", &save);
    long before = 0;
    while ((line = strtok_r(NULL, "\n", &save))) {
        char *fl[13];
        csv_split(line, fl, 13);
        before += ps_of(fl[1]) < 2000000000LL;
    }
    free(csv);
    r = load_report("dur.json");
    ck_assert_int_gt(before, 0);
    ck_assert_int_eq(jint(r, "frames.rx"), before);
    ck_assert_int_eq(log_rows("dur.csv", &tmax, &lmin), before);
    ck_assert_int_lt(tmax, 2000000000LL);
    ck_assert_int_eq(jint(r, "config.replay.duration_ps"), 2000000000LL);
    json_decref(r);

    /* the capture's own link type: Linux cooked captures know a packet's direction */
    ck_assert_int_eq(run_w("fsll", "run scenarios/quickstart.ini --quiet --no-baseline --trace traces/sll-gro.pcap "
                                   "--set scenario.host=any --set replay.filter=inbound -o '%W/fsll.json'"),
                     0);
    r = load_report("fsll.json");
    ck_assert_int_gt(jint(r, "frames.filtered"), 0);
    ck_assert_int_gt(jint(r, "frames.rx"), 0);
    ck_assert_int_eq(jint(r, "frames.rx") + jint(r, "frames.from_host") + jint(r, "frames.not_for_host"),
                     jint(r, "trace.frames"));
    json_decref(r);
    /* ... and have no Ethernet addresses: one error naming the key and the link type */
    ck_assert_int_eq(run_w("fsll2", "run scenarios/quickstart.ini --quiet --no-baseline --trace traces/sll-gro.pcap "
                                    "--set 'replay.filter=ether host 02:00:00:00:00:01'"),
                     2); /* found when the capture is opened: bad input, exit status 2 */
    e = slurp(work_path("fsll2.err"));
    static const char want_sll[] = "nicsim: error: replay.filter: 'ether host 02:00:00:00:00:01' cannot be used on ";
    ck_assert_msg(strncmp(e, want_sll, sizeof want_sll - 1) == 0, "%s", e);
    ck_assert_ptr_nonnull(strstr(e, "(link type LINUX_SLL): "));
    free(e);
    /* a filter that rejects everything says so */
    ck_assert_int_eq(run_w("fnone", "run scenarios/quickstart.ini --quiet --no-baseline --set 'replay.filter=udp port 9'"), 0);
    e = slurp(work_path("fnone.err"));
    ck_assert_ptr_nonnull(strstr(e, "nothing reaches the NIC: [replay] filter 'udp port 9' rejects all 266 records"));
    free(e);

    /* a bad filter or duration: one line naming the key, exit status 2 */
    ck_assert_int_eq(run_w("fbad", "run scenarios/quickstart.ini --quiet --set 'replay.filter=tcp port'"), 2);
    e = slurp(work_path("fbad.err"));
    ck_assert_msg(strncmp(e, "nicsim: error: --set: replay.filter: not a valid filter: ", 57) == 0, "%s", e);
    ck_assert_ptr_eq(strchr(e, '\n'), e + strlen(e) - 1);
    free(e);
    ck_assert_int_eq(run_w("dbad", "run scenarios/quickstart.ini --quiet --set replay.duration=5"), 2);
    ck_assert_int_eq(run_w("lbad", "run scenarios/quickstart.ini --quiet --set replay.limit=-1"), 2);
}
END_TEST

START_TEST(waveform_around_a_frame_and_some_blocks)
{
    /* the packet log names a delivered frame, its start and latency */
    ck_assert_int_eq(run_w("wfl", "run scenarios/quickstart.ini --quiet --no-baseline --packet-log '%W/wfl.csv'"), 0);
    char *csv = slurp(work_path("wfl.csv"));
    ck_assert_ptr_nonnull(csv);
    char *save, *line = strtok_r(csv, "\n", &save);
    unsigned long long frame = 0;
    long long start = 0, lat = 0, first_host = 0;
    unsigned len = 0;
    int seen = 0;
    while ((line = strtok_r(NULL, "\n", &save))) {
        char *f[13];
        csv_split(line, f, 13);
        if (strcmp(f[10], "host") != 0)
            continue;
        if (!first_host)
            first_host = atoll(f[0]);
        if (++seen == 40) { /* somewhere in the middle of the run */
            frame = strtoull(f[0], NULL, 10);
            start = ps_of(f[1]);
            len = (unsigned)strtoul(f[2], NULL, 10);
            lat = ps_of(f[11]);
            break;
        }
    }
    free(csv);
    ck_assert_uint_gt(frame, 0);
    char args[512];
    snprintf(args, sizeof args, "run scenarios/quickstart.ini --quiet --no-baseline --wave '%%W/wfr.vcd' "
                                "--wave-frame %llu --wave-scope ports,parser",
             frame);
    ck_assert_int_eq(run_w("wfr", args), 0);
    char *v = slurp(work_path("wfr.vcd"));
    ck_assert_ptr_nonnull(v);
    /* the window: from 1 us before the frame's first bit to about 1 us after the stack was
     * done with it (last bit + latency) */
    long long wire = (long long)((8 + (len < 60 ? 60 : len) + 4) * 800 + 0); /* 10 Gb/s: 800 ps/byte */
    long long done = start + wire + lat;
    long long tmin = -1, tmax = -1;
    for (char *p = strstr(v, "\n#"); p; p = strstr(p + 1, "\n#")) {
        long long t = strtoll(p + 2, NULL, 10);
        if (tmin < 0)
            tmin = t;
        tmax = t;
    }
    ck_assert_int_eq(tmin, start - 1000000);
    ck_assert_int_ge(tmax, done + 1000000 - 10000);
    ck_assert_int_le(tmax, done + 1000000 + 50000);
    /* only nic_top's ports and the parser's signals */
    ck_assert_ptr_nonnull(strstr(v, "$scope module parser_inst $end"));
    ck_assert_ptr_null(strstr(v, "$scope module csum_inst $end"));
    ck_assert_ptr_null(strstr(v, "$scope module rx_dma_inst $end"));
    ck_assert_ptr_nonnull(strstr(v, " s_axis_rx_tvalid "));
    free(v);
    char *g = slurp(work_path("wfr.gtkw"));
    ck_assert_ptr_nonnull(g);
    ck_assert_ptr_nonnull(strstr(g, "-parser_inst\n"));
    ck_assert_ptr_null(strstr(g, "-csum_inst\n"));
    free(g);

    /* errors: one line, before or without a run */
    ck_assert_int_eq(run_w("wfe1", "run scenarios/quickstart.ini --quiet --wave-frame 3"), 2);
    ck_assert_int_eq(run_w("wfe2", "run scenarios/quickstart.ini --quiet --wave '%W/x.fst' --wave-frame 3 --wave-from 1ms"), 2);
    ck_assert_int_eq(run_w("wfe3", "run scenarios/quickstart.ini --quiet --wave '%W/x.fst' --wave-scope 'parser,,csum'"), 2);
    ck_assert_int_eq(run_w("wfe4", "run scenarios/quickstart.ini --quiet --no-baseline --wave '%W/x.fst' --wave-scope nosuch"), 1);
    char *e = slurp(work_path("wfe4.err"));
    ck_assert_msg(strncmp(e, "nicsim: error: --wave-scope: no block 'nosuch' in the NIC (blocks: ports, ", 74) == 0, "%s", e);
    ck_assert_ptr_nonnull(strstr(e, "parser_inst"));
    free(e);
    /* a record the host sent is never fed: named in the error */
    ck_assert_int_eq(run_w("wfe5", "run scenarios/quickstart.ini --quiet --no-baseline --wave '%W/x.fst' --wave-frame 100000"), 2); /* a bad option value: exit status 2 */
    e = slurp(work_path("wfe5.err"));
    ck_assert_ptr_nonnull(strstr(e, "--wave-frame 100000: record 100000 of "));
    free(e);
}
END_TEST

/* Application latency of one run: checks the packet log against the report; returns p50 (ps). */
static long long check_app_latency(const char *name, const char *args, int expect_all)
{
    ck_assert_int_eq(run_w(name, args), 0);
    char rep[64], log[64];
    snprintf(rep, sizeof rep, "%s.json", name);
    snprintf(log, sizeof log, "%s.csv", name);
    json_t *r = load_report(rep);
    json_int_t n_app = jint(r, "app_latency.frames");
    char *csv = slurp(work_path(log));
    ck_assert_ptr_nonnull(csv);
    char *save, *line = strtok_r(csv, "\n", &save);
    long long *v = calloc((size_t)n_app + 1, sizeof *v);
    size_t n = 0;
    long long payload_frames = 0;
    while ((line = strtok_r(NULL, "\n", &save))) {
        char *f[14];
        ck_assert_int_eq(csv_split(line, f, 14), 13);
        if (strcmp(f[10], "host") == 0 && strcmp(f[4], "tcp") == 0 && strtoul(f[2], NULL, 10) > 100)
            payload_frames++;
        if (!f[12][0])
            continue;
        ck_assert_str_eq(f[10], "host");
        ck_assert_uint_lt(n, (size_t)n_app);
        v[n++] = ps_of(f[12]);
        ck_assert_int_ge(v[n - 1], ps_of(f[11]));
    }
    free(csv);
    ck_assert_uint_eq(n, (size_t)n_app);
    /* every data segment of the clean capture reaches the application during the run, unless
     * the application is too slow to consume everything before the run ends */
    if (expect_all)
        ck_assert_int_eq((long long)n, payload_frames);
    else
        ck_assert(n > 0 && (long long)n < payload_frames);
    qsort(v, n, sizeof *v, cmp_ll);
    ck_assert_int_eq((long long)llround(jnum(r, "app_latency.p50_ns") * 1000), nearest_rank(v, n, 50));
    ck_assert_int_eq((long long)llround(jnum(r, "app_latency.p90_ns") * 1000), nearest_rank(v, n, 90));
    ck_assert_int_eq((long long)llround(jnum(r, "app_latency.p99_ns") * 1000), nearest_rank(v, n, 99));
    ck_assert_int_eq((long long)llround(jnum(r, "app_latency.max_ns") * 1000), v[n - 1]);
    json_int_t qa = 0;
    json_t *qs = jget(r, "queues");
    for (size_t q = 0; q < json_array_size(qs); q++)
        qa += jint(json_array_get(qs, q), "app_latency.frames");
    ck_assert_int_eq(qa, n_app);
    long long p50 = v[(n + 1) / 2 - 1];
    free(v);
    json_decref(r);
    return p50;
}

START_TEST(application_latency)
{
    /* receives complete when a 64 KiB buffer fills (no PSH in this capture), so the
     * application gets a frame's bytes well after the stack processed it */
    long long fast = check_app_latency("al1", "run scenarios/quickstart.ini --quiet --no-baseline "
                                              "-o '%W/al1.json' --packet-log '%W/al1.csv'", 1);
    /* small buffers complete sooner */
    long long small = check_app_latency("al2", "run scenarios/quickstart.ini --quiet --no-baseline "
                                               "--set app.recv_buffer_bytes=4096 "
                                               "-o '%W/al2.json' --packet-log '%W/al2.csv'", 1);
    ck_assert_int_lt(small, fast);
    /* a slow application (timer-driven consumption) adds its drain time; what it has not
     * consumed when the run ends has no application latency */
    long long slow = check_app_latency("al3", "run scenarios/quickstart.ini --quiet --no-baseline "
                                              "--set app.recv_buffer_bytes=4096 --set app.consume_mbps=50 "
                                              "-o '%W/al3.json' --packet-log '%W/al3.csv'", 0);
    ck_assert_int_gt(slow, small);
}
END_TEST

START_TEST(accounting_and_fifo_overflow)
{
    /* quickstart at recorded timing: nothing dropped */
    ck_assert_int_eq(run_w("acc", "run scenarios/quickstart.ini --quiet -o '%W/acc.json'"), 0);
    json_t *r = load_report("acc.json");
    check_accounting(r, 1);
    ck_assert_int_eq(jint(r, "frames.dropped.rx_fifo_overflow"), 0);
    ck_assert_int_eq(jint(r, "frames.from_host"), 89); /* the host's ACKs, SYN-ACKs, FINs */
    json_decref(r);
    /* a 40 Gb/s link into a 64-bit x 156.25 MHz (10 Gb/s) datapath, back to back, 3 loops:
     * the MAC FIFO fills and frames are dropped and counted, never lost silently */
    ck_assert_int_eq(run_w("ovf", "run scenarios/quickstart.ini --quiet --set nic.link_gbps=40 "
                                  "--set replay.timing=topspeed --set replay.loop=3 "
                                  "--set nic.rx_fifo_bytes=16384 -o '%W/ovf.json'"),
                     0);
    r = load_report("ovf.json");
    check_accounting(r, 3);
    ck_assert_int_gt(jint(r, "frames.dropped.rx_fifo_overflow"), 10);
    ck_assert_int_le(jint(r, "trace.mac_fifo_peak_bytes"), 16384);
    json_decref(r);
}
END_TEST

START_TEST(cooked_gro_capture_resegmented)
{
    ck_assert_int_eq(run_w("sll", "run scenarios/quickstart.ini --quiet --trace traces/sll-gro.pcap "
                                  "--set scenario.host=any -o '%W/sll.json'"),
                     0);
    json_t *r = load_report("sll.json");
    check_accounting(r, 1);
    ck_assert_int_eq(jint(r, "trace.records"), 37);
    ck_assert_int_eq(jint(r, "trace.resegmented"), 9);
    ck_assert_int_eq(jint(r, "trace.segments"), 83);
    ck_assert_int_eq(jint(r, "frames.rx"), 110);
    ck_assert_int_eq(jint(r, "trace.oversize_dropped"), 1);
    /* segments of snaplen-cut records cannot be verified; the rest verify */
    ck_assert_int_eq(jint(r, "csum.unverified"), 61);
    ck_assert_int_eq(jint(r, "csum.bad_ip") + jint(r, "csum.bad_l4"), 0);
    json_decref(r);
    /* one warning line about the truncated records */
    char *e = slurp(work_path("sll.err"));
    ck_assert_ptr_nonnull(strstr(e, "nicsim: warning: "));
    ck_assert_ptr_nonnull(strstr(e, "2 records were truncated"));
    free(e);
    /* resegmentation off: oversize records dropped and counted */
    ck_assert_int_eq(run_w("slld", "run scenarios/quickstart.ini --quiet --trace traces/sll-gro.pcap "
                                   "--set scenario.host=any --set nic.oversize=drop -o '%W/slld.json'"),
                     0);
    r = load_report("slld.json");
    ck_assert_int_eq(jint(r, "frames.rx"), 27);
    ck_assert_int_eq(jint(r, "trace.oversize_dropped"), 10);
    json_decref(r);
}
END_TEST

/* The line starting with `start` contains `needle`. */
static int line_has(const char *text, const char *start, const char *needle)
{
    const char *l = strstr(text, start);
    if (!l)
        return 0;
    const char *eol = strchr(l + 1, '\n');
    const char *n = strstr(l + 1, needle);
    return n && (!eol || n < eol);
}

START_TEST(mixed_pcapng_checksums_and_fragments)
{
    ck_assert_int_eq(run_w("mix", "run scenarios/quickstart.ini --quiet --trace traces/mixed-v6.pcapng "
                                  "--set scenario.host=any -o '%W/mix.json' --packet-log '%W/mix.csv'"),
                     0);
    json_t *r = load_report("mix.json");
    ck_assert_int_eq(jint(r, "frames.rx"), 25);
    ck_assert_int_eq(jint(r, "csum.bad_ip"), 1);
    ck_assert_int_eq(jint(r, "csum.bad_l4"), 1);
    json_decref(r);
    char *csv = slurp(work_path("mix.csv"));
    /* frame 21 carries the bad IPv4 header checksum, frame 22 the bad TCP checksum */
    ck_assert(line_has(csv, "\n21,", ",bad_ip,"));
    ck_assert(line_has(csv, "\n22,", ",bad_l4,"));
    /* fragments: address-only hash, l4 other, unverified */
    long frags = 0;
    for (char *p = strstr(csv, ",other,ipv"); p; p = strstr(p + 1, ",other,ipv")) {
        char *eol = strchr(p, '\n');
        if (eol && strstr(p, ",unverified,") && strstr(p, ",unverified,") < eol)
            frags++;
    }
    ck_assert_int_ge(frags, 4);
    free(csv);
}
END_TEST

START_TEST(real_linux_capture)
{
    ck_assert_int_eq(run_w("real", "run scenarios/quickstart.ini --quiet --trace traces/netns-loss.pcap "
                                   "-o '%W/real.json'"),
                     0);
    json_t *r = load_report("real.json");
    json_t *sc = json_object_get(r, "scenario");
    ck_assert_str_eq(json_string_value(json_object_get(sc, "host")), "10.99.0.2"); /* receiver */
    check_accounting(r, 1);
    ck_assert_int_eq(jint(r, "csum.ok"), jint(r, "frames.rx"));
    ck_assert_int_eq(jint(r, "rss.hash_types.tcp_ipv4"), jint(r, "frames.rx"));
    json_decref(r);
}
END_TEST

/* Frames of a capture file in file order. */
static int read_all(const char *path, uint8_t ***data, uint32_t **len, uint64_t **ts)
{
    tr_trace *t;
    char err[512];
    tr_options o = {65535, 0, 0, NULL};
    ck_assert_msg(tr_open(&t, path, &o, err, sizeof err) == 0, "%s", err);
    int n = 0, cap = 0;
    tr_frame f;
    while (tr_next(t, &f, err, sizeof err) > 0) {
        if (n == cap) {
            cap = cap ? 2 * cap : 256;
            *data = realloc(*data, (size_t)cap * sizeof **data);
            *len = realloc(*len, (size_t)cap * sizeof **len);
            if (ts)
                *ts = realloc(*ts, (size_t)cap * sizeof **ts);
        }
        if (ts)
            (*ts)[n] = f.ts_ns;
        (*data)[n] = malloc(f.len);
        memcpy((*data)[n], f.data, f.len);
        (*len)[n] = f.len;
        n++;
    }
    tr_close(t);
    return n;
}

START_TEST(host_pcap_equals_accepted_frames)
{
    ck_assert_int_eq(run_w("hp", "run scenarios/quickstart.ini --quiet --host-pcap '%W/host.pcap' "
                                 "--packet-log '%W/hp.csv' -o '%W/hp.json'"),
                     0);
    json_t *r = load_report("hp.json");
    check_accounting(r, 1);
    json_int_t delivered = jint(r, "frames.delivered");
    ck_assert_int_eq(delivered, jint(r, "frames.rx"));
    json_decref(r);
    uint8_t **hd = NULL;
    uint32_t *hl = NULL;
    uint64_t *hts = NULL;
    int nh = read_all(work_path("host.pcap"), &hd, &hl, &hts);
    ck_assert_int_eq(nh, delivered);
    /* per queue, the host capture holds the packet log's frames in the same order, byte-exact */
    char tpath[1024];
    snprintf(tpath, sizeof tpath, "%s/traces/quickstart.pcap", g_src);
    frames fr = load_frames(tpath);
    char *csv = slurp(work_path("hp.csv"));
    uint64_t per_q[4][512];
    int nq[4] = {0};
    char *save;
    strtok_r(csv, "\n", &save);
    for (char *line = strtok_r(NULL, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        unsigned long long frame = strtoull(line, NULL, 10);
        const char *c = line;
        for (int i = 0; i < 7; i++)
            c = strchr(c, ',') + 1;
        int q = atoi(c);
        ck_assert(q >= 0 && q < 4 && nq[q] < 512);
        per_q[q][nq[q]++] = frame;
    }
    int pos[4] = {0};
    for (int i = 0; i < nh; i++) {
        expect e = rss_expect(hd[i], hl[i], RSS_HT_DEFAULT_MASK);
        int q = e.hash_type == RSS_HT_NONE ? 0 : (int)((e.hash & 127) % 4);
        ck_assert_int_lt(pos[q], nq[q]);
        uint64_t frame = per_q[q][pos[q]++];
        ck_assert_uint_eq(hl[i], fr.len[frame]);
        ck_assert_msg(memcmp(hd[i], fr.data[frame], hl[i]) == 0, "host frame %d differs from capture frame %llu",
                      i, (unsigned long long)frame);
        /* stamped on the capture's clock: after the frame arrived (recorded timing), and soon
         * after (the quickstart host keeps up) */
        ck_assert_msg(hts[i] >= fr.ts[frame] && hts[i] - fr.ts[frame] < 10000000ull,
                      "host frame %d stamped %llu ns, capture frame %llu at %llu ns", i,
                      (unsigned long long)hts[i], (unsigned long long)frame,
                      (unsigned long long)fr.ts[frame]);
        free(hd[i]);
    }
    free(hd);
    free(hl);
    free(hts);
    free(csv);
    free_frames(&fr);
}
END_TEST

START_TEST(slow_bus_limits_and_drops)
{
    /* PCI 32-bit/33 MHz (133 MB/s) under a topspeed 10 GbE replay: the bus, not the link, sets
     * the pace; frames back up into the MAC FIFO and are dropped there */
    ck_assert_int_eq(run_w("pci", "run scenarios/quickstart.ini --quiet --set pcie.link=pci "
                                  "--set replay.timing=topspeed --set replay.loop=3 -o '%W/pci.json'"),
                     0);
    json_t *r = load_report("pci.json");
    check_accounting(r, 3);
    ck_assert_int_gt(jint(r, "frames.dropped.rx_fifo_overflow"), 50);
    json_t *pcie = json_object_get(r, "pcie");
    ck_assert_double_gt(json_number_value(json_object_get(pcie, "write_busy_pct")), 80.0);
    json_decref(r);
    /* PCIe gen2 x8 carries the same replay without a loss */
    ck_assert_int_eq(run_w("gen2", "run scenarios/quickstart.ini --quiet --set pcie.link=gen2 "
                                   "--set replay.timing=topspeed --set replay.loop=3 -o '%W/gen2.json'"),
                     0);
    r = load_report("gen2.json");
    check_accounting(r, 3);
    ck_assert_int_eq(jint(r, "frames.dropped.rx_fifo_overflow"), 0);
    ck_assert_int_eq(jint(r, "frames.delivered"), jint(r, "frames.rx"));
    json_decref(r);
}
END_TEST

static json_int_t rx_irqs(json_t *r)
{
    json_t *pv = json_object_get(json_object_get(r, "irq"), "per_vector");
    ck_assert_int_ge((int)json_array_size(pv), 17);
    json_int_t n = 0;
    for (size_t i = 0; i < 4; i++)
        n += json_integer_value(json_array_get(pv, i));
    return n;
}

START_TEST(interrupts_follow_moderation)
{
    ck_assert_int_eq(run_w("m1", "run scenarios/quickstart.ini --quiet --set nic.irq_moderation_frames=1 "
                                 "--set nic.irq_moderation_us=0 -o '%W/m1.json'"),
                     0);
    ck_assert_int_eq(run_w("m8", "run scenarios/quickstart.ini --quiet --set nic.irq_moderation_frames=8 "
                                 "--set nic.irq_moderation_us=1000 -o '%W/m8.json'"),
                     0);
    json_t *a = load_report("m1.json"), *b = load_report("m8.json");
    json_int_t d = jint(a, "frames.delivered");
    ck_assert_int_eq(jint(b, "frames.delivered"), d);
    /* receive vectors are 0..3 (queue = vector); vector 16 serves the ACKs' TX completions */
    json_int_t rx_a = rx_irqs(a), rx_b = rx_irqs(b);
    /* 1 frame per interrupt at ~1 Gb/s recorded pacing: about one interrupt per frame */
    ck_assert_int_ge(rx_a, d * 9 / 10);
    ck_assert_int_le(rx_a, d);
    /* 8 frames or 1 ms: at most one interrupt per 8 frames per queue, plus one partial batch
     * per queue at the end */
    ck_assert_int_le(rx_b, d / 8 + 4 + 4);
    ck_assert_int_ge(rx_b, 4);
    json_decref(a);
    json_decref(b);
}
END_TEST

START_TEST(streams_equal_what_linux_sent)
{
    char dir[1024], cmd[4096];
    snprintf(dir, sizeof dir, "%s/streams", g_work);
    snprintf(cmd, sizeof cmd, "rm -rf '%s' && mkdir -p '%s'", dir, dir);
    ck_assert_int_eq(system(cmd), 0);
    char args[4096];
    snprintf(args, sizeof args, "run scenarios/quickstart.ini --quiet --trace traces/netns-loss.pcap "
             "--save-streams '%s' -o '%s/streams.json'", dir, g_work);
    ck_assert_int_eq(run_nicsim("streams", args), 0);
    /* a real capture with loss and retransmission: each of the three stream files equals
     * exactly one connection's sent bytes */
    expect_loss_streams(dir);
    json_int_t on_disk = 3 * 50000;
    json_t *r = load_report("streams.json");
    ck_assert_int_eq(jint(r, "tcp.connections"), 3);
    ck_assert_int_eq(jint(r, "tcp.payload_bytes"), 150000);
    ck_assert_int_gt(jint(r, "tcp.out_of_order_segments"), 0); /* holes the loss left */
    /* the end-of-run counters are read after the stack handed everything over */
    ck_assert_int_eq(jint(r, "app.stream_bytes_written"), on_disk);
    ck_assert_int_eq(jint(r, "app.stream_errors"), 0);
    json_decref(r);
}
END_TEST

/* Each of the `conns` stream files in dir (names starting with `prefix`) equals exactly one
 * connection's sent bytes (50,000 each, seq_sent_bytes()). */
/* Copies the first n records of capture src to dst (WORK). */
static void cut_capture(const char *src, const char *dst, int n)
{
    char perr[PCAP_ERRBUF_SIZE];
    char path[2048];
    snprintf(path, sizeof path, "%s/%s", g_src, src);
    pcap_t *in = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_NANO, perr);
    ck_assert_msg(in != NULL, "%s", perr);
    pcap_dumper_t *out = pcap_dump_open(in, work_path(dst));
    ck_assert_ptr_nonnull(out);
    struct pcap_pkthdr *h;
    const u_char *d;
    for (int i = 0; i < n && pcap_next_ex(in, &h, &d) == 1; i++)
        pcap_dump((u_char *)out, h, d);
    pcap_dump_close(out);
    pcap_close(in);
}

/* A capture cut mid-transfer: the connections never finish, so the end of the run hands the
 * queued bytes to the application and writes the streams; the report's end-of-run counters
 * (read after that) agree with the files. */
START_TEST(cut_capture_end_of_run_counters)
{
    cut_capture("traces/netns-loss.pcap", "cut.pcap", 99);
    char dir[1024], cmd[4096];
    snprintf(dir, sizeof dir, "%s/cutstreams", g_work);
    snprintf(cmd, sizeof cmd, "rm -rf '%s' && mkdir -p '%s'", dir, dir);
    ck_assert_int_eq(system(cmd), 0);
    char args[4096];
    snprintf(args, sizeof args, "run scenarios/quickstart.ini --quiet --no-baseline --trace '%s' "
             "--save-streams '%s' -o '%s/cut.json'", work_path("cut.pcap"), dir, g_work);
    ck_assert_int_eq(run_nicsim("cut", args), 0);
    json_int_t on_disk = 0;
    DIR *dh = opendir(dir);
    ck_assert_ptr_nonnull(dh);
    struct dirent *de;
    while ((de = readdir(dh))) {
        if (de->d_name[0] == '.')
            continue;
        char path[2048];
        struct stat sst;
        snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
        ck_assert_int_eq(stat(path, &sst), 0);
        on_disk += (json_int_t)sst.st_size;
    }
    closedir(dh);
    json_t *r = load_report("cut.json");
    ck_assert_int_gt(on_disk, 0);
    ck_assert_int_eq(jint(r, "app.stream_bytes_written"), on_disk);
    ck_assert_int_gt(jint(r, "app.close_delivered_bytes"), 0);
    /* every byte the application got: during the run, or handed over at its end */
    ck_assert_int_eq(jint(r, "app.bytes") + jint(r, "app.close_delivered_bytes"), on_disk);
    json_decref(r);
}
END_TEST

/* Stream files in dir: their number, and their total size in *bytes. */
static int count_streams(const char *dir, json_int_t *bytes)
{
    int n = 0;
    *bytes = 0;
    DIR *dh = opendir(dir);
    ck_assert_ptr_nonnull(dh);
    struct dirent *de;
    while ((de = readdir(dh))) {
        if (de->d_name[0] == '.')
            continue;
        char path[2048];
        struct stat sst;
        snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
        ck_assert_int_eq(stat(path, &sst), 0);
        *bytes += (json_int_t)sst.st_size;
        n++;
    }
    closedir(dh);
    return n;
}

/* replay.loop = 3: each pass is new traffic (other ports, other sequence numbers), so the
 * application receives three times the bytes of one pass, over three times the connections,
 * instead of the stack discarding passes 2 and 3 as duplicates. */
START_TEST(loop_passes_reach_the_application)
{
    json_int_t bytes[2], conns[2], disk[2];
    int files[2];
    for (int k = 0; k < 2; k++) {
        char dir[1024], cmd[4096], args[4096], name[32];
        snprintf(name, sizeof name, "loop%d", k ? 3 : 1);
        snprintf(dir, sizeof dir, "%s/%s.streams", g_work, name);
        snprintf(cmd, sizeof cmd, "rm -rf '%s' && mkdir -p '%s'", dir, dir);
        ck_assert_int_eq(system(cmd), 0);
        snprintf(args, sizeof args, "run scenarios/quickstart.ini --quiet --no-baseline --set replay.loop=%d "
                 "--save-streams '%s' -o '%s/%s.json'", k ? 3 : 1, dir, g_work, name);
        ck_assert_int_eq(run_nicsim(name, args), 0);
        char rep[64];
        snprintf(rep, sizeof rep, "%s.json", name);
        json_t *r = load_report(rep);
        bytes[k] = jint(r, "app.bytes") + jint(r, "app.close_delivered_bytes");
        conns[k] = jint(r, "tcp.connections");
        ck_assert_int_eq(jint(r, "csum.bad_l4"), 0); /* rewritten checksums verify */
        json_decref(r);
        files[k] = count_streams(dir, &disk[k]);
    }
    ck_assert_int_gt(bytes[0], 100000);
    ck_assert_int_eq(bytes[1], 3 * bytes[0]);
    ck_assert_int_eq(conns[1], 3 * conns[0]);
    ck_assert_int_eq(files[1], 3 * files[0]);
    ck_assert_int_eq(disk[1], 3 * disk[0]);
}
END_TEST

/* Returns the total size of the stream files. */
static json_int_t expect_sent_streams(const char *dir, int conns, const char *prefix)
{
    json_int_t on_disk = 0;
    int matched[8] = {0};
    char *want[8] = {NULL};
    ck_assert_int_lt(conns, 8);
    for (int j = 1; j <= conns; j++)
        want[j] = seq_sent_bytes(j, 50000);
    DIR *dh = opendir(dir);
    ck_assert_ptr_nonnull(dh);
    struct dirent *de;
    int files = 0;
    while ((de = readdir(dh))) {
        if (de->d_name[0] == '.')
            continue;
        ck_assert_msg(strncmp(de->d_name, prefix, strlen(prefix)) == 0, "unexpected stream file %s",
                      de->d_name);
        char path[2048];
        snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
        FILE *f = fopen(path, "rb");
        ck_assert_ptr_nonnull(f);
        char *got = malloc(60000);
        size_t n = fread(got, 1, 60000, f);
        fclose(f);
        ck_assert_uint_eq(n, 50000);
        struct stat sst;
        ck_assert_int_eq(stat(path, &sst), 0);
        on_disk += (json_int_t)sst.st_size;
        int k = 0;
        for (int j = 1; j <= conns; j++)
            if (memcmp(got, want[j], 50000) == 0)
                k = j;
        ck_assert_msg(k > 0 && !matched[k], "stream %s equals no (unclaimed) sent stream", de->d_name);
        matched[k] = 1;
        files++;
        free(got);
    }
    closedir(dh);
    ck_assert_int_eq(files, conns);
    for (int j = 1; j <= conns; j++)
        free(want[j]);
    return on_disk;
}

/* traces/netns-parallel.pcap: eight concurrent connections of 250,000 bytes; the one from
 * source port 40003 + k sent head -c 250000 of `seq -f "%08g k" 1 27778` (traces/README.md).
 * Run as shipped (scenarios/backup-parallel.ini): each stream equals its connection's bytes,
 * RSS puts two connections on each of the four queues, and both CPUs carry real load. */
START_TEST(parallel_capture_streams_and_rss_spread)
{
    const size_t len = 250000;
    char dir[1024], cmd[4096], args[4096];
    snprintf(dir, sizeof dir, "%s/pstreams", g_work);
    snprintf(cmd, sizeof cmd, "rm -rf '%s' && mkdir -p '%s'", dir, dir);
    ck_assert_int_eq(system(cmd), 0);
    snprintf(args, sizeof args, "run scenarios/backup-parallel.ini --quiet --save-streams '%s' "
             "-o '%s/parallel.json'", dir, g_work);
    ck_assert_int_eq(run_nicsim("parallel", args), 0);
    char *want = malloc(len + 64), *got = malloc(len + 1);
    ck_assert_ptr_nonnull(want);
    ck_assert_ptr_nonnull(got);
    for (int k = 1; k <= 8; k++) {
        size_t n = 0;
        for (int i = 1; n < len; i++)
            n += (size_t)sprintf(want + n, "%08d %d\n", i, k);
        char path[2048];
        snprintf(path, sizeof path, "%s/10.99.1.1_%d-10.99.0.2_5001.bin", dir, 40003 + k);
        FILE *f = fopen(path, "rb");
        ck_assert_msg(f != NULL, "no stream file %s", path);
        n = fread(got, 1, len + 1, f);
        fclose(f);
        ck_assert_uint_eq(n, len);
        ck_assert_msg(memcmp(got, want, len) == 0, "stream of port %d differs from what it sent",
                      40003 + k);
    }
    free(want);
    free(got);
    json_t *r = load_report("parallel.json");
    ck_assert_int_eq(jint(r, "tcp.connections"), 8);
    ck_assert_int_eq(jint(r, "frames.dropped_total"), 0);
    json_t *qf = json_object_get(json_object_get(r, "rss"), "queue_frames");
    ck_assert_int_eq((int)json_array_size(qf), 4);
    json_int_t rx = jint(r, "frames.rx");
    for (size_t q = 0; q < 4; q++) { /* two connections per queue: about a quarter each */
        json_int_t f = json_integer_value(json_array_get(qf, q));
        ck_assert_int_gt(f * 5, rx);
        ck_assert_int_lt(f * 3, rx);
    }
    json_t *pc = json_object_get(json_object_get(r, "cpu"), "per_cpu");
    for (size_t c = 0; c < 2; c++) /* busy, not idle: tens of per cent at 2.4 Gb/s */
        ck_assert_double_gt(json_real_value(json_object_get(json_array_get(pc, c), "utilization")), 0.15);
    ck_assert_double_gt(json_real_value(json_object_get(r, "throughput_gbps")), 1.0);
    json_decref(r);
}
END_TEST

/* Real captures with Linux's default offloads: on the sending host (TSO super-packets,
 * partial checksums in what it sent) and on loopback (both ends 127.0.0.1, 64 KiB
 * super-packets, partial checksums everywhere). Re-segmented and repaired, with auto picking
 * the receiver (on loopback: the accepting side, 127.0.0.1:5001), the saved streams equal
 * the sent bytes; with replay.fix_checksums = off the partial checksums fail verification. */
static const struct {
    const char *trace, *prefix, *host;
} real_offload_cases[] = {
    {"traces/netns-sender.pcap", "10.99.1.1_", "10.99.0.2"},
    {"traces/netns-loopback.pcap", "127.0.0.1_", "127.0.0.1:5001"},
};

START_TEST(offloaded_capture_streams_equal_what_was_sent)
{
    const char *trace = real_offload_cases[_i].trace;
    char dir[1024], cmd[4096], name[64];
    snprintf(dir, sizeof dir, "%s/ostreams%d", g_work, _i);
    snprintf(cmd, sizeof cmd, "rm -rf '%s' && mkdir -p '%s'", dir, dir);
    ck_assert_int_eq(system(cmd), 0);
    char args[4096];
    snprintf(name, sizeof name, "ostreams%d", _i);
    snprintf(args, sizeof args, "run scenarios/storage-backup.ini --quiet --no-baseline "
             "--trace %s --save-streams '%s' -o '%s/%s.json'", trace, dir, g_work, name);
    ck_assert_int_eq(run_nicsim(name, args), 0);
    json_int_t on_disk = expect_sent_streams(dir, 2, real_offload_cases[_i].prefix);
    char rep_name[96];
    snprintf(rep_name, sizeof rep_name, "%s.json", name);
    json_t *r = load_report(rep_name);
    ck_assert_int_eq(jint(r, "app.stream_bytes_written"), on_disk);
    ck_assert_str_eq(json_string_value(json_object_get(json_object_get(r, "scenario"), "host")),
                     real_offload_cases[_i].host);
    ck_assert_int_gt(jint(r, "trace.csum_partial"), 0);
    ck_assert_int_eq(jint(r, "trace.csum_repaired"), jint(r, "trace.csum_partial"));
    ck_assert_int_gt(jint(r, "trace.resegmented"), 0);
    ck_assert_int_eq(jint(r, "csum.bad_l4"), 0);
    ck_assert_int_eq(jint(r, "frames.not_for_host"), 0);
    json_decref(r);
    char errname[96];
    snprintf(errname, sizeof errname, "%s.err", name);
    char *e = slurp(work_path(errname));
    ck_assert_ptr_nonnull(strstr(e, "partial (transmit-offload) checksums; repaired"));
    free(e);

    snprintf(name, sizeof name, "ostreams_off%d", _i);
    snprintf(args, sizeof args, "run scenarios/storage-backup.ini --quiet --no-baseline "
             "--trace %s --set replay.fix_checksums=off -o '%s/%s.json'", trace, g_work, name);
    ck_assert_int_eq(run_nicsim(name, args), 0);
    snprintf(rep_name, sizeof rep_name, "%s.json", name);
    r = load_report(rep_name);
    ck_assert_int_eq(jint(r, "trace.csum_repaired"), 0);
    ck_assert_int_gt(jint(r, "csum.bad_l4"), 0);
    json_decref(r);
}
END_TEST

static json_int_t cpu_busy(json_t *r, size_t i)
{
    json_t *pc = json_object_get(json_object_get(r, "cpu"), "per_cpu");
    return json_integer_value(json_object_get(json_array_get(pc, i), "busy_cycles"));
}

START_TEST(rss_spreads_cpu_cycles_and_saturation_emerges)
{
    /* 4 connections, 4 queues, 4 CPUs: every CPU works, none more than twice another */
    ck_assert_int_eq(run_w("on4", "run scenarios/quickstart.ini --quiet --no-baseline --set host.cpus=4 "
                                  "-o '%W/on4.json'"),
                     0);
    ck_assert_int_eq(run_w("off4", "run scenarios/quickstart.ini --quiet --no-baseline --set host.cpus=4 "
                                   "--set tcpip.EnableRSS=0 -o '%W/off4.json'"),
                     0);
    json_t *on = load_report("on4.json"), *off = load_report("off4.json");
    json_int_t lo = cpu_busy(on, 0), hi = lo;
    for (size_t i = 1; i < 4; i++) {
        json_int_t v = cpu_busy(on, i);
        lo = v < lo ? v : lo;
        hi = v > hi ? v : hi;
    }
    ck_assert_int_gt(lo, 0);
    ck_assert_int_le(hi, 2 * lo);
    /* RSS off: the un-scaled stack does all receive work on CPU 0 */
    ck_assert_int_gt(cpu_busy(off, 0), 0);
    for (size_t i = 1; i < 4; i++)
        ck_assert_int_eq(cpu_busy(off, i), 0);
    json_decref(on);
    json_decref(off);

    /* 10 GbE back to back: one CPU without RSS saturates and the NIC runs out of buffers;
     * four CPUs with RSS keep up (every pass is new connections, hashed anew: bursts on one
     * queue need a ring of a few hundred entries) */
    const char *common = "--quiet --no-baseline --set replay.timing=topspeed --set replay.loop=10 "
                         "--set driver.rx_ring_entries=256";
    char args[1024];
    snprintf(args, sizeof args, "run scenarios/quickstart.ini %s --set host.cpus=1 --set tcpip.EnableRSS=0 "
             "-o '%s/sat1.json'", common, g_work);
    ck_assert_int_eq(run_nicsim("sat1", args), 0);
    snprintf(args, sizeof args, "run scenarios/quickstart.ini %s --set host.cpus=4 -o '%s/sat4.json'", common,
             g_work);
    ck_assert_int_eq(run_nicsim("sat4", args), 0);
    json_t *one = load_report("sat1.json"), *four = load_report("sat4.json");
    check_accounting(one, 10);
    check_accounting(four, 10);
    ck_assert_int_gt(jint(one, "frames.dropped.no_descriptor"), 100);
    json_t *pc = json_object_get(json_object_get(one, "cpu"), "per_cpu");
    ck_assert_double_gt(json_number_value(json_object_get(json_array_get(pc, 0), "utilization")), 0.95);
    ck_assert_int_eq(jint(four, "frames.dropped.no_descriptor"), 0);
    ck_assert_int_eq(jint(four, "frames.delivered"), jint(four, "frames.rx"));
    ck_assert_double_gt(json_number_value(json_object_get(four, "throughput_gbps")),
                        2 * json_number_value(json_object_get(one, "throughput_gbps")));
    json_decref(one);
    json_decref(four);
}
END_TEST

int main(int argc, char **argv)
{
    if (argc != 5) {
        fprintf(stderr, "usage: e2e_run NICSIM SOURCE_DIR WORK_DIR WAVE_CHECK\n");
        return 2;
    }
    g_wave_check = argv[4];
    g_chimney_off = 1;
    g_bin = argv[1];
    g_src = argv[2];
    g_work = argv[3];
    mkdir(g_work, 0755);
    Suite *s = suite_create("e2e");
    TCase *tc = tcase_create("run");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, quickstart_hashes_match_reference);
    tcase_add_test(tc, runs_are_deterministic);
    tcase_add_test(tc, width_512_gives_same_results);
    tcase_add_test(tc, idle_skipping_follows_activity);
    tcase_add_test(tc, waveform_fst_and_vcd_with_window);
    tcase_add_test(tc, vcd_value_changes_equal_fst);
    tcase_add_test(tc, malformed_captures_fail_cleanly);
    tcase_add_test(tc, accounting_and_fifo_overflow);
    tcase_add_test(tc, cooked_gro_capture_resegmented);
    tcase_add_test(tc, mixed_pcapng_checksums_and_fragments);
    tcase_add_test(tc, real_linux_capture);
    tcase_add_test(tc, host_pcap_equals_accepted_frames);
    tcase_add_test(tc, slow_bus_limits_and_drops);
    tcase_add_test(tc, interrupts_follow_moderation);
    tcase_add_test(tc, streams_equal_what_linux_sent);
    tcase_add_test(tc, cut_capture_end_of_run_counters);
    tcase_add_test(tc, loop_passes_reach_the_application);
    tcase_add_loop_test(tc, offloaded_capture_streams_equal_what_was_sent, 0,
                        (int)(sizeof real_offload_cases / sizeof real_offload_cases[0]));
    tcase_add_test(tc, rss_spreads_cpu_cycles_and_saturation_emerges);
    tcase_add_test(tc, parallel_capture_streams_and_rss_spread);
    tcase_add_test(tc, host_memory_is_lazy);
    tcase_add_test(tc, latency_queues_and_connections_add_up);
    tcase_add_test(tc, time_series_rows_add_up_to_the_totals);
    tcase_add_test(tc, replay_limit_duration_and_filter);
    tcase_add_test(tc, waveform_around_a_frame_and_some_blocks);
    tcase_add_test(tc, application_latency);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
