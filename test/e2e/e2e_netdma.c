/* NetDMA end to end: the nicsim binary with the copy engine on real and generated captures.
 * Stream integrity (the engine's copies are the bytes the application receives), the SNP's
 * rules (Chimney wins per connection, MinPacketSizeToDma, DmaSyncCompletionHighThreshold), the
 * ownership checker against each deliberate ordering bug, and the bulk-receive fidelity figure.
 *
 *   e2e_netdma NICSIM SOURCE_DIR WORK_DIR */
#include <inttypes.h>
#include <pcap/pcap.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "e2e_util.h"
#include "pkt.h"

/* The report of `nicsim ARGS -o WORK/name.json --quiet` (the run must succeed). */
static json_t *run_report(const char *name, const char *args)
{
    char a[8192], out[512];
    snprintf(out, sizeof out, "%s.json", name);
    snprintf(a, sizeof a, "%s --quiet -o '%s'", args, work_path(out));
    int st = run_nicsim(name, a);
    if (st != 0) {
        char *e = slurp(work_path(name));
        ck_abort_msg("nicsim %s exited %d", a, st);
        free(e);
    }
    return load_report(out);
}

/* Every file of dir a equals the file of the same name in dir b, and both hold n files. */
static void expect_same_streams(const char *a, const char *b, int n)
{
    ck_assert_int_eq(count_files(a), n);
    ck_assert_int_eq(count_files(b), n);
    DIR *dh = opendir(a);
    ck_assert_ptr_nonnull(dh);
    struct dirent *de;
    while ((de = readdir(dh))) {
        if (de->d_name[0] == '.')
            continue;
        char pa[2048], pb[2048], cmd[4200];
        snprintf(pa, sizeof pa, "%s/%s", a, de->d_name);
        snprintf(pb, sizeof pb, "%s/%s", b, de->d_name);
        snprintf(cmd, sizeof cmd, "cmp -s '%s' '%s'", pa, pb);
        ck_assert_msg(system(cmd) == 0, "stream %s differs between %s and %s", de->d_name, a, b);
    }
    closedir(dh);
}

/* ---- stream integrity ---- */

START_TEST(lossy_capture_streams_exact_with_the_engine)
{
    char *dir = fresh_dir("loss-streams");
    char args[2048];
    snprintf(args, sizeof args, "run scenarios/quickstart.ini --trace traces/netns-loss.pcap "
             "--set tcpip.EnableTCPChimney=0 --save-streams '%s'", dir);
    json_t *r = run_report("loss", args);
    expect_loss_streams(dir);
    /* the engine did copy, and the checker watched every byte and found nothing */
    ck_assert_int_gt(jint(r, "netdma.copies"), 0);
    ck_assert_int_gt(jint(r, "netdma.engine_bytes"), 100000);
    ck_assert_int_eq(jint(r, "netdma.copy_errors"), 0);
    ck_assert(json_is_true(jget(r, "netdma.check.enabled")));
    ck_assert_int_eq(jint(r, "netdma.check.violations"), 0);
    /* the bytes that reached application buffers were copied by the engine or by a CPU, once */
    json_int_t copied = jint(r, "netdma.engine_bytes") + jint(r, "netdma.cpu_bytes");
    ck_assert_int_le(copied, 150000);
    ck_assert_int_ge(copied, 140000);
    /* the engine's traffic is on host memory: its reads cover at least the bytes it copied */
    ck_assert_int_ge(jint(r, "memory.agents.engine_read.bytes"), jint(r, "netdma.engine_bytes"));
    ck_assert_int_ge(jint(r, "memory.agents.engine_write.bytes"), jint(r, "netdma.engine_bytes"));
    printf("netns-loss.pcap with NetDMA: %" JSON_INTEGER_FORMAT " copies, %" JSON_INTEGER_FORMAT
           " bytes by the engine, %" JSON_INTEGER_FORMAT " by the CPU; engine busy %.2f%%\n",
           jint(r, "netdma.copies"), jint(r, "netdma.engine_bytes"), jint(r, "netdma.cpu_bytes"),
           jnum(r, "netdma.engine_busy_pct"));
    json_decref(r);
}
END_TEST

START_TEST(multi_connection_streams_equal_without_the_engine)
{
    char *on = fresh_dir("par-on"), *off = fresh_dir("par-off");
    char args[2048];
    snprintf(args, sizeof args, "run scenarios/quickstart.ini --trace traces/netns-parallel.pcap "
             "--set tcpip.EnableTCPChimney=0 --save-streams '%s'", on);
    json_t *r = run_report("par-on", args);
    ck_assert_int_gt(jint(r, "netdma.engine_bytes"), 1000000);
    ck_assert_int_eq(jint(r, "netdma.check.violations"), 0);
    json_decref(r);
    snprintf(args, sizeof args, "run scenarios/quickstart.ini --trace traces/netns-parallel.pcap "
             "--set tcpip.EnableTCPChimney=0 --set tcpip.EnableTCPA=0 --save-streams '%s'", off);
    r = run_report("par-off", args);
    ck_assert_int_eq(jint(r, "netdma.engine_bytes"), 0);
    json_decref(r);
    expect_same_streams(on, off, 8);
}
END_TEST

/* traces/netdma-mix.pcap: 1,024 sessions hold every Chimney slot, six bulk clients stay in the
 * host stack and use NetDMA (traces/README.md). */
START_TEST(chimney_and_netdma_side_by_side_over_the_slot_limit)
{
    char *dir = fresh_dir("mix-streams");
    char args[2048];
    snprintf(args, sizeof args, "run scenarios/netdma-mix.ini --no-baseline --save-streams '%s'", dir);
    json_t *r = run_report("mix", args);
    ck_assert_int_eq(count_files(dir), 1024 + 6);
    for (int n = 1; n <= 1024; n++) {
        char name[128];
        snprintf(name, sizeof name, "10.0.%d.%d_%d-10.0.0.2_445.bin", 4 + (n - 1) / 250, 1 + (n - 1) % 250, 34000 + n);
        expect_generated_stream(dir, name, 40000 + (uint64_t)n, 2048);
    }
    for (int b = 1; b <= 6; b++) {
        char name[128];
        snprintf(name, sizeof name, "10.0.9.%d_%d-10.0.0.2_445.bin", b, 45000 + b);
        expect_generated_stream(dir, name, 41000 + (uint64_t)b, 262144);
    }
    /* Chimney wins: the sessions are offloaded (every slot), and the engine copied only the
     * bulk clients' bytes, nearly all of them */
    ck_assert_int_eq(jint(r, "toe.offloaded_peak"), 1024);
    ck_assert_int_ge(jint(r, "toe.no_slot"), 6);
    json_int_t eng = jint(r, "netdma.engine_bytes");
    ck_assert_int_le(eng, 6 * 262144);
    ck_assert_int_ge(eng, 6 * 262144 * 9 / 10);
    ck_assert_int_eq(jint(r, "netdma.check.violations"), 0);
    printf("netdma-mix.pcap: %" JSON_INTEGER_FORMAT " connections offloaded at the peak, %" JSON_INTEGER_FORMAT
           " bytes placed by the NIC, %" JSON_INTEGER_FORMAT " copied by the engine, %" JSON_INTEGER_FORMAT
           " by the CPUs\n", jint(r, "toe.offloaded_peak"), jint(r, "toe.bytes_placed"), eng,
           jint(r, "netdma.cpu_bytes"));
    json_decref(r);
}
END_TEST

/* ---- the SNP's rules ---- */

/* WORK/sizes.pcap: three connections to 10.0.0.2:445, each sending 20 in-order segments of
 * 255, 256 and 257 payload bytes (no handshake: the stack picks them up mid-stream). */
static const char *write_sizes_trace(void)
{
    const char *path = work_path("sizes.pcap");
    pcap_t *dead = pcap_open_dead(DLT_EN10MB, 65535);
    pcap_dumper_t *d = pcap_dump_open(dead, path);
    ck_assert_ptr_nonnull(d);
    uint8_t frame[2048], payload[300];
    uint64_t t_us = 0;
    for (int seg = 0; seg < 20; seg++)
        for (int k = 0; k < 3; k++) {
            pkt_spec s;
            memset(&s, 0, sizeof s);
            uint8_t src[4] = {10, 0, 7, (uint8_t)(1 + k)}, dst[4] = {10, 0, 0, 2};
            memcpy(s.src, src, 4);
            memcpy(s.dst, dst, 4);
            uint8_t smac[6] = {2, 0, 0, 0, 0, 1}, dmac[6] = {2, 0, 0, 0, 0, 2};
            memcpy(s.src_mac, smac, 6);
            memcpy(s.dst_mac, dmac, 6);
            s.proto = PKT_IPPROTO_TCP;
            s.sport = (uint16_t)(50000 + k);
            s.dport = 445;
            uint32_t len = 255u + (uint32_t)k;
            s.seq = 1000u + (uint32_t)seg * len;
            s.ack = 1;
            s.tcp_flags = PKT_TCP_ACK | PKT_TCP_PSH;
            s.window = 65535;
            for (uint32_t i = 0; i < len; i++)
                payload[i] = (uint8_t)(seg * 7 + (int)i + k);
            int n = pkt_build(&s, payload, len, frame, sizeof frame);
            ck_assert_int_gt(n, 0);
            struct pcap_pkthdr h;
            t_us += 50;
            h.ts.tv_sec = 1700000000 + (time_t)(t_us / 1000000);
            h.ts.tv_usec = (suseconds_t)(t_us % 1000000);
            h.caplen = h.len = (bpf_u_int32)n;
            pcap_dump((u_char *)d, &h, frame);
        }
    pcap_dump_close(d);
    pcap_close(dead);
    return path;
}

START_TEST(min_packet_size_to_dma_threshold)
{
    const char *trace = write_sizes_trace();
    char args[2048];
    /* the default 256: the 256- and 257-byte payloads go to the engine, the 255-byte ones not */
    snprintf(args, sizeof args, "run scenarios/quickstart.ini --no-baseline --trace '%s' --set scenario.host=10.0.0.2 "
             "--set tcpip.EnableTCPChimney=0", trace);
    json_t *r = run_report("sizes256", args);
    ck_assert_int_eq(jint(r, "netdma.engine_bytes"), 20 * (256 + 257));
    ck_assert_int_eq(jint(r, "netdma.small_bytes"), 20 * 255);
    json_decref(r);
    snprintf(args, sizeof args, "run scenarios/quickstart.ini --no-baseline --trace '%s' --set scenario.host=10.0.0.2 "
             "--set tcpip.EnableTCPChimney=0 --set tcpip.MinPacketSizeToDma=257", trace);
    r = run_report("sizes257", args);
    ck_assert_int_eq(jint(r, "netdma.engine_bytes"), 20 * 257);
    ck_assert_int_eq(jint(r, "netdma.small_bytes"), 20 * (255 + 256));
    json_decref(r);
    /* out of range: the registry's behaviour, a warning and the default */
    snprintf(args, sizeof args, "run scenarios/quickstart.ini --no-baseline --trace '%s' --set scenario.host=10.0.0.2 "
             "--set tcpip.EnableTCPChimney=0 --set tcpip.MinPacketSizeToDma=64", trace);
    r = run_report("sizes64", args);
    ck_assert_int_eq(jint(r, "netdma.engine_bytes"), 20 * (256 + 257));
    json_decref(r);
    char *err = slurp(work_path("sizes64.err"));
    ck_assert_msg(err && strstr(err, "MinPacketSizeToDma"), "no warning about MinPacketSizeToDma=64: %s", err);
    free(err);
}
END_TEST

START_TEST(synchronous_waits_only_below_the_threshold)
{
    const char *base = "run scenarios/quickstart.ini --no-baseline --trace traces/netns-loss.pcap "
                       "--set tcpip.EnableTCPChimney=0";
    char args[2048];
    snprintf(args, sizeof args, "%s", base);
    json_t *r = run_report("sync0", args);
    ck_assert_int_eq(jint(r, "netdma.sync_waits"), 0);
    ck_assert_int_eq(jint(r, "cpu.breakdown.netdma_wait"), 0);
    json_int_t copies = jint(r, "netdma.copies");
    json_decref(r);
    /* 16 KiB: only copies into the last 16 KiB of a 64 KiB buffer wait */
    char *dir = fresh_dir("sync-streams");
    snprintf(args, sizeof args, "%s --set tcpip.DmaSyncCompletionHighThreshold=16384 --save-streams '%s'", base, dir);
    r = run_report("sync16k", args);
    json_int_t w = jint(r, "netdma.sync_waits");
    ck_assert_int_gt(w, 0);
    ck_assert_int_lt(w, copies);
    ck_assert_int_gt(jint(r, "netdma.sync_wait_cycles"), 0);
    ck_assert_int_eq(jint(r, "cpu.breakdown.netdma_wait"), jint(r, "netdma.sync_wait_cycles"));
    ck_assert_int_eq(jint(r, "netdma.check.violations"), 0);
    json_decref(r);
    expect_loss_streams(dir);
}
END_TEST

/* ---- the ownership checker ---- */

static const struct {
    const char *brk, *kind;
} brk_cases[] = {
    {"early_complete", "netdma.check.early_completion"},
    {"early_return", "netdma.check.source_reused"},
    {"early_access", "netdma.check.access_before_copy"},
};

START_TEST(checker_catches_each_ordering_bug)
{
    char args[2048], name[64];
    snprintf(name, sizeof name, "brk-%s", brk_cases[_i].brk);
    snprintf(args, sizeof args, "run scenarios/quickstart.ini --no-baseline --trace traces/netns-loss.pcap "
             "--set tcpip.EnableTCPChimney=0 --set netdma.debug_break=%s", brk_cases[_i].brk);
    json_t *r = run_report(name, args);
    ck_assert_msg(jint(r, brk_cases[_i].kind) > 0, "%s: no %s", brk_cases[_i].brk, brk_cases[_i].kind);
    ck_assert_int_gt(jint(r, "netdma.check.violations"), 0);
    json_t *first = jget(r, "netdma.check.first");
    ck_assert(json_is_array(first) && json_array_size(first) > 0);
    const char *line = json_string_value(json_array_get(first, 0));
    ck_assert_msg(line && strstr(line, "frame") && strstr(line, "0x"), "violation line names no frame/address: %s",
                  line ? line : "(null)");
    printf("debug_break=%s: %" JSON_INTEGER_FORMAT " violations, first: %s\n", brk_cases[_i].brk,
           jint(r, "netdma.check.violations"), line);
    json_decref(r);
}
END_TEST

/* ---- fidelity ---- */

START_TEST(fidelity_bulk_receive)
{
    const char *base = "run scenarios/chimney-bulk.ini --no-baseline --set tcpip.EnableTCPChimney=0";
    char args[2048];
    snprintf(args, sizeof args, "%s", base);
    json_t *on = run_report("bulk-netdma", args);
    snprintf(args, sizeof args, "%s --set tcpip.EnableTCPA=0", base);
    json_t *off = run_report("bulk-cpu", args);
    double c_on = (double)jint(on, "cpu.total_cycles"), c_off = (double)jint(off, "cpu.total_cycles");
    ck_assert_int_eq(jint(on, "frames.host_bytes"), jint(off, "frames.host_bytes"));
    double saved = 100.0 * (c_off - c_on) / c_off;
    printf("bulk receive, 1514-byte frames, xeon-2006: NetDMA %.0f cycles vs CPU copy %.0f: %.1f%% less CPU; copy "
           "kind %" JSON_INTEGER_FORMAT " vs %" JSON_INTEGER_FORMAT "\n",
           c_on, c_off, saved, jint(on, "cpu.breakdown.copy"), jint(off, "cpu.breakdown.copy"));
    ck_assert(saved > 5.0);
    ck_assert(saved < 60.0);
    json_decref(on);
    json_decref(off);
}
END_TEST

static void add_tests(TCase *tc)
{
    tcase_add_test(tc, lossy_capture_streams_exact_with_the_engine);
    tcase_add_loop_test(tc, checker_catches_each_ordering_bug, 0, (int)(sizeof brk_cases / sizeof brk_cases[0]));
    /* the sanitizer build runs the model many times slower: the real capture's streams and the
     * checker there, everything here in the normal build */
    if (!getenv("ASAN_OPTIONS")) {
        tcase_add_test(tc, multi_connection_streams_equal_without_the_engine);
        tcase_add_test(tc, chimney_and_netdma_side_by_side_over_the_slot_limit);
        tcase_add_test(tc, min_packet_size_to_dma_threshold);
        tcase_add_test(tc, synchronous_waits_only_below_the_threshold);
        tcase_add_test(tc, fidelity_bulk_receive);
    }
}

int main(int argc, char **argv)
{
    return e2e_main(argc, argv, "e2e_netdma", "", 0, NULL, 300, add_tests);
}
