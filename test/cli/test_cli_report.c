/* Report: JSON schema, values, determinism, text summary. */
#include "cli.h"
#include "test_util.h"

#include <check.h>
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static char tmpdir[512];

static void setup(void)
{
    tu_mkdtemp(tmpdir, sizeof tmpdir);
}

static void teardown(void)
{
    tu_rmdir(tmpdir);
}

static cli_scenario *make_scenario(const char *text)
{
    char path[1024], err[1024];
    tu_write(tmpdir, "quick.ini", text, path, sizeof path);
    cli_scenario *sc = cli_scenario_new();
    ck_assert_int_eq(cli_scenario_load(sc, path, err, sizeof err), CLI_OK);
    ck_assert_msg(cli_scenario_finish(sc, NULL, err, sizeof err) == CLI_OK, "%s", err);
    return sc;
}

static void fill_results(ns_results *r)
{
    memset(r, 0, sizeof *r);
    r->nic_cycles = 156250;
    r->sim_time_ps = 1000000000ULL; /* 1 ms */
    r->wall_s = 0.25;
    snprintf(r->host, sizeof r->host, "192.0.2.1");
    r->linktype = 1;
    snprintf(r->linktype_name, sizeof r->linktype_name, "EN10MB");
    r->records = 1000;
    r->frames_rx = 800;
    r->rx_bytes = 1000000; /* 8 Mbit in 1 ms = 8 Gb/s */
    r->from_host = 150;
    r->not_for_host = 50;
    r->queues = 4;
    for (int q = 0; q < 4; q++)
        r->queue_frames[q] = 200;
    r->hash_type_frames[0] = 10;
    r->hash_type_frames[2] = 790;
    r->csum_frames[1] = 795;
    r->csum_frames[3] = 5;
    r->ndrops = 4;
    r->drops[0] = (ns_counter){"rx_fifo_overflow", 7};
    r->drops[1] = (ns_counter){"no_descriptor", 0};
    r->drops[2] = (ns_counter){"completion_ring_full", 3};
    r->drops[3] = (ns_counter){"ring.full", 2};
    /* frames.rx == delivered + pending + dropped: 800 = 780 + 8 + 12 */
    r->frames_delivered = 780;
    r->frames_pending = 8;
    r->dma_read_bytes = 65536;
    r->dma_write_bytes = 1012800;
    r->pcie_read_busy_pct = 0.75;
    r->pcie_write_busy_pct = 42.5;
    r->irq_count = 100;
    r->nvectors = 17;
    r->irq_per_vector[0] = 40;
    r->irq_per_vector[3] = 59;
    r->irq_per_vector[16] = 1;
    r->tx_frames = 3;
    r->tx_bytes = 192;
    /* 1 ms at 2000 MHz: 2 000 000 cycles available per CPU */
    r->cpus = 3;
    r->cpu_mhz = 2000.0;
    r->cpu_busy_cycles[0] = 500000;
    r->cpu_busy_cycles[1] = 1999999;
    r->cpu_busy_cycles[2] = 0;
    r->cpu_frames[0] = 380;
    r->cpu_frames[1] = 400;
    r->ntrace = 2;
    r->trace[0] = (ns_counter){"truncated", 3};
    r->trace[1] = (ns_counter){"resegmented", 1};
    r->delivered_bytes = 975000; /* 7.8 Mbit in 1 ms = 7.8 Gb/s */
    r->tx_ring_full = 4;
    snprintf(r->cost_profile_name, sizeof r->cost_profile_name, "xeon-2006");
    hs_stats *st = &r->stack;
    st->cpus = 3;
    st->cpu_cycles[0] = 500000;
    st->cpu_cycles[1] = 1999999;
    st->total_cycles = 2499999;
    st->kind_cycles[HS_K_INTERRUPT] = 150000;
    st->kind_cycles[HS_K_DPC] = 120000;
    st->kind_cycles[HS_K_DRIVER] = 546000;
    st->kind_cycles[HS_K_IP_RX] = 780000;
    st->kind_cycles[HS_K_TCP_RX] = 500000;
    st->kind_cycles[HS_K_COPY] = 403999;
    st->mem_bytes = 1900000;
    st->rx_frames = 780;
    st->rx_bytes = 975000;
    st->rx_non_ip = 2;
    st->csum_hw_trusted = 778;
    st->hash_nic = 778;
    st->tcp_segments = 770;
    st->tcp_payload_bytes = 950000;
    st->conns = 4;
    st->conns_syn = 3;
    st->conns_midstream = 1;
    st->in_order_segments = 760;
    st->ooo_segments = 6;
    st->dup_segments = 4;
    st->retrans_bytes = 5792;
    st->acks_sent = 390;
    st->bytes_copied = 944208;
    st->app_bytes = 944208;
    st->app_receives = 20;
    st->buffers_posted = 28;
    st->udp_datagrams = 8;
    st->udp_bytes = 4000;
}

/* The software baseline of fill_results: the same trace, everything on CPU 0 and in
 * software: more cycles, fewer frames delivered. */
static void fill_baseline(ns_results *b)
{
    fill_results(b);
    b->wall_s = 0.5;
    for (int q = 0; q < 4; q++)
        b->queue_frames[q] = q == 0 ? 800 : 0;
    b->hash_type_frames[0] = 800;
    b->hash_type_frames[2] = 0;
    b->csum_frames[0] = 800;
    b->csum_frames[1] = 0;
    b->csum_frames[3] = 0;
    b->drops[1] = (ns_counter){"no_descriptor", 60};
    b->frames_delivered = 720;
    b->delivered_bytes = 900000;  /* 7.2 Gb/s */
    b->irq_count = 150;
    b->cpu_busy_cycles[0] = 2000000;
    b->cpu_busy_cycles[1] = 1500000;
    b->cpu_busy_cycles[2] = 500000;
    b->cpu_frames[0] = 720;
    b->cpu_frames[1] = 0;
    hs_stats *st = &b->stack;
    memset(st->cpu_cycles, 0, sizeof st->cpu_cycles);
    st->cpu_cycles[0] = 2000000;
    st->cpu_cycles[1] = 1500000;
    st->cpu_cycles[2] = 500000;
    st->total_cycles = 4000000;
    st->kind_cycles[HS_K_CHECKSUM] = 1000000;
    st->kind_cycles[HS_K_HASH] = 216000;
    st->kind_cycles[HS_K_COPY] = 608000;  /* warm after the checksum */
    st->kind_cycles[HS_K_INTERRUPT] = 225000;
    st->kind_cycles[HS_K_DPC] = 125000;
    st->mem_bytes = 2800000;
    st->csum_hw_trusted = 0;
    st->csum_sw_ip = 720;
    st->csum_sw_l4 = 720;
    st->csum_sw_bytes = 890000;
    st->hash_nic = 0;
    st->hash_sw = 720;
    st->bytes_copied = 871000;
    st->app_bytes = 871000;
}

static const char *const quick_text =
    "[scenario]\nname = quick\ndescription = test run\ntrace = t.pcap\nhost = auto\n"
    "[nic]\nrss_queues = 4\n[tcpip]\nEnableTCPChimney = 1\n";

static json_t *get(json_t *root, const char *path)
{
    char buf[256];
    snprintf(buf, sizeof buf, "%s", path);
    json_t *j = root;
    for (char *save = NULL, *p = strtok_r(buf, ".", &save); p; p = strtok_r(NULL, ".", &save)) {
        j = json_object_get(j, p);
        ck_assert_msg(j != NULL, "missing %s (at %s)", path, p);
    }
    return j;
}

static json_int_t geti(json_t *root, const char *path)
{
    json_t *j = get(root, path);
    ck_assert_msg(json_is_integer(j), "%s is not an integer", path);
    return json_integer_value(j);
}

static double getr(json_t *root, const char *path)
{
    json_t *j = get(root, path);
    ck_assert_msg(json_is_number(j), "%s is not a number", path);
    return json_number_value(j);
}

static const char *gets_(json_t *root, const char *path)
{
    json_t *j = get(root, path);
    ck_assert_msg(json_is_string(j), "%s is not a string", path);
    return json_string_value(j);
}

START_TEST(schema_and_values)
{
    cli_scenario *sc = make_scenario(quick_text);
    ns_results r;
    fill_results(&r);
    json_t *j = cli_report_build(sc, &r, NULL);
    ck_assert_ptr_nonnull(j);

    ck_assert_str_eq(gets_(j, "schema"), "nicsim-report/3");
    ck_assert_str_eq(gets_(j, "nicsim_version"), cli_version());
    ck_assert_str_eq(gets_(j, "scenario.name"), "quick");
    ck_assert_str_eq(gets_(j, "scenario.description"), "test run");
    ck_assert_ptr_nonnull(strstr(gets_(j, "scenario.file"), "quick.ini"));
    ck_assert_ptr_nonnull(strstr(gets_(j, "scenario.trace"), "/t.pcap"));
    ck_assert_str_eq(gets_(j, "scenario.host"), "192.0.2.1");

    ck_assert_int_eq(geti(j, "config.nic.data_width"), 64);
    ck_assert(getr(j, "config.nic.clock_mhz") == 156.25);
    ck_assert(getr(j, "config.nic.link_gbps") == 10.0);
    ck_assert_int_eq(geti(j, "config.nic.mtu"), 1500);
    ck_assert_str_eq(gets_(j, "config.nic.oversize"), "resegment");
    ck_assert_str_eq(gets_(j, "config.nic.rss_key"),
                     "6d5a56da255b0ec24167253d43a38fb0d0ca2bcbae7b30b477cb2da38030f20c"
                     "6a42b73bbeac01fa");
    ck_assert_int_eq(geti(j, "config.nic.rss_queues"), 4);
    json_t *tab = get(j, "config.nic.indirection_table");
    ck_assert_uint_eq(json_array_size(tab), 128);
    ck_assert_int_eq(json_integer_value(json_array_get(tab, 5)), 1);
    json_t *ht = get(j, "config.nic.rss_hash_types");
    ck_assert_uint_eq(json_array_size(ht), 4);
    ck_assert_str_eq(json_string_value(json_array_get(ht, 0)), "ipv4");
    ck_assert_str_eq(json_string_value(json_array_get(ht, 3)), "tcp_ipv6");
    ck_assert_int_eq(geti(j, "config.nic.rx_fifo_bytes"), 65536);
    ck_assert_int_eq(geti(j, "config.nic.quantum_cycles"), 1024);
    ck_assert_int_eq(geti(j, "config.nic.irq_moderation_frames"), 8);
    ck_assert(getr(j, "config.nic.irq_moderation_us") == 50.0);
    ck_assert_int_eq(geti(j, "config.tcpip.EnableRSS"), 1);
    ck_assert_int_eq(geti(j, "config.tcpip.EnableChecksumOffload"), 1);
    ck_assert_int_eq(geti(j, "config.tcpip.TcpAckFrequency"), 2);
    ck_assert_int_eq(geti(j, "config.tcpip.TcpDelAckTicks"), 2);
    ck_assert_int_eq(geti(j, "config.tcpip.TcpWindowSize"), 65535);
    ck_assert_str_eq(gets_(j, "config.replay.timing"), "recorded");
    ck_assert(getr(j, "config.replay.multiplier") == 1.0);
    ck_assert(getr(j, "config.replay.mbps") == 0.0);
    ck_assert(getr(j, "config.replay.pps") == 0.0);
    ck_assert_int_eq(geti(j, "config.replay.loop"), 1);
    ck_assert_str_eq(gets_(j, "config.scenario.host"), "auto");
    ck_assert_str_eq(gets_(j, "config.pcie.link"), "gen1");
    ck_assert_int_eq(geti(j, "config.pcie.lanes"), 8);
    ck_assert_int_eq(geti(j, "config.pcie.max_payload"), 128);
    ck_assert_int_eq(geti(j, "config.pcie.max_read_request"), 512);
    ck_assert_int_eq(geti(j, "config.pcie.read_latency_ns"), 560);
    ck_assert_int_eq(geti(j, "config.pcie.read_tags"), 32);
    ck_assert_int_eq(geti(j, "config.pcie.posted_buffer"), 4096);
    ck_assert_int_eq(geti(j, "config.host.cpus"), 2);
    ck_assert(getr(j, "config.host.cpu_mhz") == 2000.0); /* default 0 = the clock the run used */
    ck_assert_int_eq(geti(j, "config.host.memory_mb"), 64);
    ck_assert_int_eq(geti(j, "config.driver.rx_ring_entries"), 512);
    ck_assert_int_eq(geti(j, "config.driver.rx_buf_bytes"), 2048);
    ck_assert_int_eq(geti(j, "config.driver.tx_ring_entries"), 256);
    ck_assert_int_eq(geti(j, "config.driver.dpc_budget"), 64);
    ck_assert_str_eq(gets_(j, "config.host.cost_profile"), "xeon-2006");
    ck_assert_int_eq(geti(j, "config.app.recv_buffer_bytes"), 65536);
    ck_assert_int_eq(geti(j, "config.app.posted_buffers"), 2);
    ck_assert(getr(j, "config.app.cycles_per_byte") == 0.0);  /* xeon-2006's app_byte */
    ck_assert(getr(j, "config.app.consume_mbps") == 0.0);
    ck_assert_int_eq(geti(j, "config.app.complete_on_push"), 1);
    /* config sections in their documented order */
    static const char *const corder[] = {"nic", "tcpip", "replay", "scenario", "pcie", "host",
                                         "driver", "app"};
    size_t ci = 0;
    const char *ckey;
    json_t *cv;
    json_object_foreach(get(j, "config"), ckey, cv) {
        ck_assert_msg(ci < 8, "extra key config.%s", ckey);
        ck_assert_str_eq(ckey, corder[ci]);
        ci++;
    }
    ck_assert_uint_eq(ci, 8);

    ck_assert_int_eq(geti(j, "sim.nic_cycles"), 156250);
    ck_assert_int_eq(geti(j, "sim.sim_time_ps"), 1000000000);
    ck_assert_int_eq(geti(j, "sim.sim_time_ns"), 1000000);
    ck_assert(getr(j, "sim.wall_s") == 0.25);
    ck_assert(getr(j, "sim.nic_cycles_per_s") == 625000.0);

    ck_assert_int_eq(geti(j, "frames.records"), 1000);
    ck_assert_int_eq(geti(j, "frames.rx"), 800);
    ck_assert_int_eq(geti(j, "frames.rx_bytes"), 1000000);
    ck_assert_int_eq(geti(j, "frames.from_host"), 150);
    ck_assert_int_eq(geti(j, "frames.not_for_host"), 50);
    ck_assert_int_eq(geti(j, "frames.delivered"), 780);
    ck_assert_int_eq(geti(j, "frames.pending"), 8);
    ck_assert_int_eq(geti(j, "frames.dropped.rx_fifo_overflow"), 7);
    ck_assert_int_eq(geti(j, "frames.dropped.no_descriptor"), 0);
    ck_assert_int_eq(geti(j, "frames.dropped.completion_ring_full"), 3);
    ck_assert_int_eq(geti(j, "frames.dropped.ring.full"), 2);  /* dotted names nest */
    /* the accounting identity holds for what the model gave */
    ck_assert_int_eq(geti(j, "frames.rx"), geti(j, "frames.delivered") + geti(j, "frames.pending") +
                                               7 + 0 + 3 + 2);
    ck_assert_int_eq(geti(j, "frames.delivered_bytes"), 975000);
    ck_assert_int_eq(geti(j, "frames.dropped_total"), 12);
    static const char *const forder[] = {"records", "rx", "rx_bytes", "from_host", "not_for_host", "filtered",
                                         "delivered", "delivered_bytes", "pending",
                                         "toe_placed", "toe_consumed", "host", "host_bytes",
                                         "dropped_total", "dropped"};
    size_t fi = 0;
    json_object_foreach(get(j, "frames"), ckey, cv) {
        ck_assert_msg(fi < sizeof forder / sizeof forder[0], "extra key frames.%s", ckey);
        ck_assert_str_eq(ckey, forder[fi]);
        fi++;
    }
    ck_assert_uint_eq(fi, sizeof forder / sizeof forder[0]);

    ck_assert_int_eq(geti(j, "dma.read_bytes"), 65536);
    ck_assert_int_eq(geti(j, "dma.write_bytes"), 1012800);
    ck_assert(getr(j, "pcie.read_busy_pct") == 0.75);
    ck_assert(getr(j, "pcie.write_busy_pct") == 42.5);
    ck_assert_int_eq(geti(j, "irq.count"), 100);
    json_t *pv = get(j, "irq.per_vector");
    ck_assert_uint_eq(json_array_size(pv), 17);
    ck_assert_int_eq(json_integer_value(json_array_get(pv, 0)), 40);
    ck_assert_int_eq(json_integer_value(json_array_get(pv, 1)), 0);
    ck_assert_int_eq(json_integer_value(json_array_get(pv, 3)), 59);
    ck_assert_int_eq(json_integer_value(json_array_get(pv, 16)), 1);
    ck_assert_int_eq(geti(j, "tx.frames"), 3);
    ck_assert_int_eq(geti(j, "tx.bytes"), 192);
    ck_assert_int_eq(geti(j, "tx.ring_full"), 4);
    ck_assert_int_eq(geti(j, "cpu.count"), 3);
    ck_assert(getr(j, "cpu.mhz") == 2000.0);
    json_t *pc = get(j, "cpu.per_cpu");
    ck_assert_uint_eq(json_array_size(pc), 3);
    ck_assert_int_eq(geti(json_array_get(pc, 0), "busy_cycles"), 500000);
    ck_assert(getr(json_array_get(pc, 0), "utilization") == 0.25);
    ck_assert_int_eq(geti(json_array_get(pc, 0), "frames"), 380);
    ck_assert(fabs(getr(json_array_get(pc, 1), "utilization") - 0.9999995) < 1e-12);
    ck_assert_int_eq(geti(json_array_get(pc, 1), "frames"), 400);
    ck_assert(json_is_real(get(json_array_get(pc, 2), "utilization")));
    ck_assert(getr(json_array_get(pc, 2), "utilization") == 0.0);
    ck_assert_int_eq(geti(json_array_get(pc, 2), "busy_cycles"), 0);
    ck_assert_uint_eq(json_object_size(json_array_get(pc, 2)), 3);
    ck_assert_int_eq(geti(j, "cpu.total_cycles"), 2499999);
    ck_assert_int_eq(geti(j, "cpu.total_cycles"),
                     geti(json_array_get(pc, 0), "busy_cycles") +
                         geti(json_array_get(pc, 1), "busy_cycles") +
                         geti(json_array_get(pc, 2), "busy_cycles"));
    ck_assert_str_eq(gets_(j, "cpu.profile"), "xeon-2006");
    ck_assert(getr(j, "cpu.utilization_avg_pct") == 100.0 * (0.25 + 1999999.0 / 2000000.0) / 3);
    ck_assert(fabs(getr(j, "cpu.utilization_max_pct") - 99.99995) < 1e-9);
    ck_assert(getr(j, "cpu.cycles_per_byte") == 2499999.0 / 975000.0);
    ck_assert(getr(j, "cpu.cycles_per_packet") == 2499999.0 / 780.0);
    ck_assert_int_eq(geti(j, "cpu.bytes_copied"), 944208);
    json_t *bd = get(j, "cpu.breakdown");
    ck_assert_uint_eq(json_object_size(bd), HS_K_COUNT);
    ck_assert_int_eq(geti(j, "cpu.breakdown.interrupt"), 150000);
    ck_assert_int_eq(geti(j, "cpu.breakdown.copy"), 403999);
    ck_assert_int_eq(geti(j, "cpu.breakdown.checksum"), 0);
    json_int_t bsum = 0;
    json_object_foreach(bd, ckey, cv)
        bsum += json_integer_value(cv);
    ck_assert_int_eq(bsum, geti(j, "cpu.total_cycles"));
    ck_assert_int_eq(geti(j, "memory.cpu_bytes"), 1900000);
    ck_assert(getr(j, "memory.cpu_bytes_per_byte") == 1900000.0 / 975000.0);
    ck_assert_int_eq(geti(j, "ip.rx_frames"), 780);
    ck_assert_int_eq(geti(j, "ip.dropped_non_ip"), 2);
    ck_assert_int_eq(geti(j, "tcp.connections"), 4);
    ck_assert_int_eq(geti(j, "tcp.connections_midstream"), 1);
    ck_assert_int_eq(geti(j, "tcp.segments"), 770);
    ck_assert_int_eq(geti(j, "tcp.retransmitted_bytes"), 5792);
    ck_assert_int_eq(geti(j, "tcp.out_of_order_segments"), 6);
    ck_assert_int_eq(geti(j, "tcp.duplicate_segments"), 4);
    ck_assert_int_eq(geti(j, "tcp.acks_sent"), 390);
    ck_assert_int_eq(geti(j, "udp.datagrams"), 8);
    ck_assert_int_eq(geti(j, "udp.bytes"), 4000);
    ck_assert_int_eq(geti(j, "app.bytes"), 944208);
    ck_assert_int_eq(geti(j, "app.receives"), 20);
    ck_assert_int_eq(geti(j, "app.buffers_posted"), 28);
    ck_assert_int_eq(geti(j, "csum.sw_verified"), 0);
    ck_assert_int_eq(geti(j, "csum.hw_trusted"), 778);
    ck_assert_int_eq(geti(j, "rss.lookups_nic_hash"), 778);
    ck_assert_int_eq(geti(j, "rss.lookups_sw_hash"), 0);

    json_t *qf = get(j, "rss.queue_frames");
    ck_assert_uint_eq(json_array_size(qf), 4);
    ck_assert_int_eq(json_integer_value(json_array_get(qf, 3)), 200);
    ck_assert_uint_eq(json_object_size(get(j, "rss.hash_types")), 7);
    ck_assert_int_eq(geti(j, "rss.hash_types.none"), 10);
    ck_assert_int_eq(geti(j, "rss.hash_types.tcp_ipv4"), 790);
    ck_assert_int_eq(geti(j, "rss.hash_types.udp_ipv6"), 0);
    ck_assert_uint_eq(json_object_size(get(j, "csum")), NIC_CSUM_COUNT + 7);
    ck_assert_int_eq(geti(j, "csum.ok"), 795);
    ck_assert_int_eq(geti(j, "csum.bad_l4"), 5);
    ck_assert_int_eq(geti(j, "csum.unverified"), 0);
    ck_assert_str_eq(gets_(j, "trace.linktype"), "EN10MB");
    ck_assert_int_eq(geti(j, "trace.truncated"), 3);
    ck_assert_int_eq(geti(j, "trace.resegmented"), 1);
    /* delivered bytes, no longer received bytes */
    ck_assert(fabs(getr(j, "throughput_gbps") - 7.8) < 1e-12);

    /* top-level keys in their documented order; no baseline given: no baseline, no savings */
    static const char *const order[] = {"schema", "nicsim_version", "scenario", "config", "sim",
                                        "frames", "rss", "csum", "dma", "pcie", "irq", "tx",
                                        "cpu", "memory", "ip", "tcp", "toe", "netdma", "udp", "app", "latency",
                                        "app_latency", "queues", "connections", "trace", "throughput_gbps"};
    const size_t norder = sizeof order / sizeof order[0];
    size_t i = 0;
    const char *key;
    json_t *v;
    json_object_foreach(j, key, v) {
        ck_assert_msg(i < norder, "extra key %s", key);
        ck_assert_str_eq(key, order[i]);
        i++;
    }
    ck_assert_uint_eq(i, norder);
    json_decref(j);
    cli_scenario_free(sc);
}
END_TEST

static char *dump(const json_t *j)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    char err[256];
    ck_assert_int_eq(cli_report_write(j, f, err, sizeof err), CLI_OK);
    fclose(f);
    return buf;
}

START_TEST(deterministic)
{
    /* same inputs, different wall clock: identical once sim.wall_s and sim.*_per_s go */
    cli_scenario *sc = make_scenario(quick_text);
    ns_results r1, r2;
    fill_results(&r1);
    fill_results(&r2);
    r2.wall_s = 9.5;
    ns_results b1, b2;
    fill_baseline(&b1);
    fill_baseline(&b2);
    b2.wall_s = 17.25;
    json_t *a = cli_report_build(sc, &r1, &b1);
    json_t *b = cli_report_build(sc, &r2, &b2);
    char *da = dump(a), *db = dump(b);
    ck_assert_str_ne(da, db);
    json_t *sa = json_object_get(a, "sim"), *sb = json_object_get(b, "sim");
    const char *key;
    json_t *v;
    void *tmp;
    json_object_foreach_safe(sa, tmp, key, v) {
        size_t n = strlen(key);
        if (strncmp(key, "wall_", 5) == 0 || (n > 6 && strcmp(key + n - 6, "_per_s") == 0)) {
            json_object_del(sb, key);
            json_object_del(sa, key);  /* frees key: last */
        }
    }
    /* the same inside the baseline */
    sa = json_object_get(json_object_get(a, "baseline"), "sim");
    sb = json_object_get(json_object_get(b, "baseline"), "sim");
    json_object_foreach_safe(sa, tmp, key, v) {
        size_t n = strlen(key);
        if (strncmp(key, "wall_", 5) == 0 || (n > 6 && strcmp(key + n - 6, "_per_s") == 0)) {
            json_object_del(sb, key);
            json_object_del(sa, key);
        }
    }
    free(da);
    free(db);
    da = dump(a);
    db = dump(b);
    ck_assert_str_eq(da, db);
    /* indented, newline-terminated */
    ck_assert_ptr_nonnull(strstr(da, "{\n  \"schema\": \"nicsim-report/3\",\n"));
    ck_assert_int_eq(da[strlen(da) - 1], '\n');
    ck_assert(json_equal(a, b));
    free(da);
    free(db);
    json_decref(a);
    json_decref(b);
    cli_scenario_free(sc);
}
END_TEST

START_TEST(config_variants)
{
    cli_scenario *sc = make_scenario(
        "[scenario]\ntrace = /abs/t.pcap\nhost = 10.0.0.1, 2001:db8::1\n"
        "[nic]\noversize = drop\nrss_queues = 2\nindirection_table = 1,0\n"
        "rss_hash_types = none\n[replay]\ntiming = topspeed\nloop = 2\n");
    ns_results r;
    memset(&r, 0, sizeof r);
    json_t *j = cli_report_build(sc, &r, NULL);
    ck_assert_str_eq(gets_(j, "scenario.name"), "quick");  /* file stem */
    ck_assert_str_eq(gets_(j, "scenario.trace"), "/abs/t.pcap");
    ck_assert_str_eq(gets_(j, "scenario.host"), "10.0.0.1,2001:db8::1");  /* from the config */
    ck_assert_str_eq(gets_(j, "config.scenario.host"), "10.0.0.1,2001:db8::1");
    ck_assert_str_eq(gets_(j, "config.nic.oversize"), "drop");
    ck_assert_uint_eq(json_array_size(get(j, "config.nic.indirection_table")), 2);
    ck_assert_uint_eq(json_array_size(get(j, "config.nic.rss_hash_types")), 0);
    ck_assert_str_eq(gets_(j, "config.replay.timing"), "topspeed");
    ck_assert_str_eq(gets_(j, "trace.linktype"), "DLT_0");
    ck_assert(getr(j, "throughput_gbps") == 0.0);  /* no time passed */
    ck_assert(getr(j, "cpu.cycles_per_byte") == 0.0);  /* nothing delivered */
    ck_assert(getr(j, "cpu.cycles_per_packet") == 0.0);
    ck_assert(getr(j, "cpu.utilization_avg_pct") == 0.0);
    ck_assert(getr(j, "memory.cpu_bytes_per_byte") == 0.0);
    ck_assert(getr(j, "sim.nic_cycles_per_s") == 0.0);
    ck_assert_uint_eq(json_object_size(get(j, "frames.dropped")), 0);
    /* no CPUs, no vectors reported: empty arrays, no division by zero */
    ck_assert_uint_eq(json_array_size(get(j, "cpu.per_cpu")), 0);
    ck_assert_uint_eq(json_array_size(get(j, "irq.per_vector")), 0);
    ck_assert_int_eq(geti(j, "cpu.total_cycles"), 0);
    json_decref(j);
    cli_scenario_free(sc);

    /* a name that is not UTF-8 still gives valid JSON */
    sc = make_scenario("[scenario]\nname = caf\xe9\ntrace = t.pcap\nhost = any\n");
    memset(&r, 0, sizeof r);
    j = cli_report_build(sc, &r, NULL);
    ck_assert_str_eq(gets_(j, "scenario.name"), "caf?");
    ck_assert_str_eq(gets_(j, "config.scenario.host"), "any");
    json_decref(j);
    cli_scenario_free(sc);
}
END_TEST

START_TEST(config_host_interface)
{
    cli_scenario *sc = make_scenario(
        "[scenario]\ntrace = t.pcap\n[nic]\nirq_moderation_frames = 1\nirq_moderation_us = 0.5\n"
        "[pcie]\nlink = pci-x\nmax_payload = 256\nmax_read_request = 1024\n"
        "read_latency_ns = 900\nread_tags = 8\nposted_buffer = 2048\n"
        "[host]\ncpus = 8\ncpu_mhz = 3000\nmemory_mb = 256\n"
        "[driver]\nrx_ring_entries = 1024\nrx_buf_bytes = 4096\ntx_ring_entries = 128\n"
        "dpc_budget = 32\n");
    ns_results r;
    memset(&r, 0, sizeof r);
    json_t *j = cli_report_build(sc, &r, NULL);
    ck_assert_int_eq(geti(j, "config.nic.irq_moderation_frames"), 1);
    ck_assert(getr(j, "config.nic.irq_moderation_us") == 0.5);
    ck_assert_str_eq(gets_(j, "config.pcie.link"), "pci-x");
    ck_assert_int_eq(geti(j, "config.pcie.max_payload"), 256);
    ck_assert_int_eq(geti(j, "config.pcie.max_read_request"), 1024);
    ck_assert_int_eq(geti(j, "config.pcie.read_latency_ns"), 900);
    ck_assert_int_eq(geti(j, "config.pcie.read_tags"), 8);
    ck_assert_int_eq(geti(j, "config.pcie.posted_buffer"), 2048);
    ck_assert_int_eq(geti(j, "config.host.cpus"), 8);
    ck_assert(getr(j, "config.host.cpu_mhz") == 3000.0);
    ck_assert_int_eq(geti(j, "config.host.memory_mb"), 256);
    ck_assert_int_eq(geti(j, "config.driver.rx_ring_entries"), 1024);
    ck_assert_int_eq(geti(j, "config.driver.rx_buf_bytes"), 4096);
    ck_assert_int_eq(geti(j, "config.driver.tx_ring_entries"), 128);
    ck_assert_int_eq(geti(j, "config.driver.dpc_budget"), 32);
    json_decref(j);
    cli_scenario_free(sc);
}
END_TEST

START_TEST(cpu_utilization)
{
    ns_results r;
    memset(&r, 0, sizeof r);
    r.sim_time_ps = 2500000000ULL; /* 2.5 ms */
    r.cpu_mhz = 2660.0;            /* 6 650 000 cycles available */
    r.cpus = 2;
    r.cpu_busy_cycles[0] = 6650000;
    r.cpu_busy_cycles[1] = 665000;
    ck_assert(fabs(cli_cpu_utilization(&r, 0) - 1.0) < 1e-12);
    ck_assert(fabs(cli_cpu_utilization(&r, 1) - 0.1) < 1e-12);
    ck_assert(cli_cpu_utilization(&r, 2) == 0.0);   /* beyond cpus */
    ck_assert(cli_cpu_utilization(&r, -1) == 0.0);
    r.cpu_mhz = 0;
    ck_assert(cli_cpu_utilization(&r, 0) == 0.0);   /* no clock */
    r.cpu_mhz = 2660.0;
    r.sim_time_ps = 0;
    ck_assert(cli_cpu_utilization(&r, 0) == 0.0);   /* no time */
    /* counts beyond the arrays are clamped */
    r.cpus = NS_MAX_CPUS + 5;
    r.nvectors = NS_MAX_VECTORS + 1;
    ck_assert_int_eq(cli_ncpus(&r), NS_MAX_CPUS);
    ck_assert_int_eq(cli_nvectors(&r), NS_MAX_VECTORS);
    r.cpus = -1;
    r.nvectors = -3;
    ck_assert_int_eq(cli_ncpus(&r), 0);
    ck_assert_int_eq(cli_nvectors(&r), 0);
}
END_TEST

START_TEST(text_summary)
{
    cli_scenario *sc = make_scenario(quick_text);
    ns_results r;
    fill_results(&r);
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    cli_report_print_text(f, sc, &r, NULL);
    fclose(f);
    ck_assert_ptr_nonnull(strstr(buf, "nicsim "));
    ck_assert_ptr_nonnull(strstr(buf, ": quick\n"));
    ck_assert_ptr_nonnull(strstr(buf, "  host           192.0.2.1\n"));
    ck_assert_ptr_nonnull(strstr(buf, "  simulated      1 ms, 156250 NIC cycles\n"));
    ck_assert_ptr_nonnull(strstr(buf, "  throughput     7.800 Gb/s delivered (975000 bytes)\n"));
    ck_assert_ptr_nonnull(strstr(buf, "  cost profile   xeon-2006\n"));
    ck_assert_ptr_nonnull(strstr(buf, "  TCP            4 connections, 770 segments (6 out of order, "
                                      "4 duplicate), 390 ACKs\n"));
    ck_assert_ptr_nonnull(strstr(buf, "  UDP            8 datagrams, 4000 bytes\n"));
    ck_assert_ptr_nonnull(strstr(buf, "  application    944208 bytes in 20 receives\n"));
    /* without a baseline: the offload column alone, and the breakdown */
    ck_assert_ptr_nonnull(strstr(buf, "no software baseline"));
    ck_assert_ptr_null(strstr(buf, "software  "));
    ck_assert_ptr_nonnull(strstr(buf, "  CPU cycles total                2499999\n"));
    ck_assert_ptr_nonnull(strstr(buf, "  copy                             403999   16.2%\n"));
    ck_assert_ptr_nonnull(strstr(buf, "  dropped        12\n"));
    ck_assert_ptr_nonnull(strstr(buf, "    rx_fifo_overflow         7\n"));
    ck_assert_ptr_nonnull(strstr(buf, "    completion_ring_full     3\n"));
    ck_assert_ptr_null(strstr(buf, "no_descriptor"));  /* zero: not listed */
    ck_assert_ptr_nonnull(strstr(buf, "  delivered      780 frames\n"));
    ck_assert_ptr_nonnull(strstr(buf, "  pending        8 frames\n"));
    ck_assert_ptr_nonnull(strstr(buf, "  transmitted    3 frames, 192 bytes, 4 not sent (TX ring "
                                      "full)\n"));
    ck_assert_ptr_nonnull(strstr(buf, "  DMA            1012800 bytes written to the host, "
                                      "65536 bytes read\n"));
    ck_assert_ptr_nonnull(strstr(buf, "  bus busy       42.5% NIC to host, 0.8% host to NIC\n"));
    ck_assert_ptr_nonnull(strstr(buf, "  interrupts     100\n"));
    ck_assert_ptr_nonnull(strstr(buf, "    vector 3                 59\n"));
    ck_assert_ptr_nonnull(strstr(buf, "    vector 16                1\n"));
    ck_assert_ptr_null(strstr(buf, "vector 1 "));  /* zero: not listed */
    ck_assert_ptr_nonnull(strstr(buf, "  CPU               busy cycles   util.     frames\n"));
    ck_assert_ptr_nonnull(strstr(buf, "  cpu 0                  500000   25.0%        380\n"));
    ck_assert_ptr_nonnull(strstr(buf, "  cpu 1                 1999999  100.0%        400\n"));
    ck_assert_ptr_nonnull(strstr(buf, "  cpu 2                       0    0.0%          0\n"));
    ck_assert_ptr_nonnull(strstr(buf, "  all CPUs              2499999 cycles at 2000 MHz\n"));
    ck_assert_ptr_nonnull(strstr(buf, "  host bus       PCIe gen1 x8, 16 Gb/s per direction, "
                                      "max payload 128, read request 512\n"));
    ck_assert_ptr_nonnull(strstr(buf, "  host CPUs      2 at 2000 MHz, 64 MiB memory\n"));
    ck_assert_ptr_nonnull(strstr(buf, "  driver         512 x 2048-byte RX buffers per queue, "
                                      "256 TX slots, DPC budget 64\n"));
    ck_assert_ptr_nonnull(strstr(buf, "  irq moderation 8 frames or 50 us\n"));
    ck_assert_ptr_nonnull(strstr(buf, "  hash tcp_ipv4         790 frames  98.8%\n"));
    ck_assert_ptr_nonnull(strstr(buf, "  wall clock     0.250 s (625.0 k NIC cycles/s)\n"));
    ck_assert_ptr_nonnull(strstr(buf, "  queue 3               200 frames  25.0%\n"));
    ck_assert_ptr_nonnull(strstr(buf, "  csum bad_l4             5 frames   0.6%\n"));
    free(buf);
    ck_assert(cli_throughput_gbps(&r) == 7.8);
    cli_scenario_free(sc);
}
END_TEST

START_TEST(text_summary_variants)
{
    static const struct {
        const char *link, *want;
    } buses[] = {
        {"pci", "  host bus       PCI 32-bit/33 MHz, 1.07 Gb/s shared by both directions\n"},
        {"pci-x", "  host bus       PCI-X 64-bit/133 MHz, 8.53 Gb/s shared by both directions\n"},
        {"gen3", "  host bus       PCIe gen3 x8, 63 Gb/s per direction, max payload 128, read "
                 "request 512\n"},
    };
    for (size_t i = 0; i < sizeof buses / sizeof buses[0]; i++) {
        char text[256];
        snprintf(text, sizeof text, "[scenario]\ntrace = t.pcap\n[pcie]\nlink = %s\n"
                 "[nic]\nirq_moderation_frames = 1\nirq_moderation_us = 0\n", buses[i].link);
        cli_scenario *sc = make_scenario(text);
        ns_results r;
        memset(&r, 0, sizeof r);
        r.frames_delivered = 1;
        r.frames_pending = 1;
        char *buf = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&buf, &len);
        cli_report_print_text(f, sc, &r, NULL);
        fclose(f);
        ck_assert_msg(strstr(buf, buses[i].want) != NULL, "no '%s' in:\n%s", buses[i].want, buf);
        ck_assert_ptr_nonnull(strstr(buf, "  irq moderation 1 frame\n"));
        ck_assert_ptr_nonnull(strstr(buf, "  delivered      1 frame\n"));
        ck_assert_ptr_nonnull(strstr(buf, "  pending        1 frame\n"));
        ck_assert_ptr_null(strstr(buf, "busy cycles"));  /* no CPUs reported: no table */
        free(buf);
        cli_scenario_free(sc);
    }
}
END_TEST

START_TEST(write_error)
{
    cli_scenario *sc = make_scenario(quick_text);
    ns_results r;
    fill_results(&r);
    json_t *j = cli_report_build(sc, &r, NULL);
    FILE *f = fopen("/dev/full", "w");
    if (f) {
        char err[256] = "";
        ck_assert_int_eq(cli_report_write(j, f, err, sizeof err), CLI_ERUN);
        ck_assert_ptr_nonnull(strstr(err, "cannot write the report"));
        fclose(f);
    }
    json_decref(j);
    cli_scenario_free(sc);
}
END_TEST

START_TEST(baseline_and_savings)
{
    cli_scenario *sc = make_scenario(quick_text);
    ns_results r, b;
    fill_results(&r);
    fill_baseline(&b);
    json_t *j = cli_report_build(sc, &r, &b);
    ck_assert_ptr_nonnull(j);
    ck_assert_str_eq(gets_(j, "schema"), "nicsim-report/3");

    /* the baseline: its own run keys, in order, with what it changed */
    json_t *bj = get(j, "baseline");
    static const char *const border[] = {"config", "sim", "frames", "rss", "csum", "dma", "pcie",
                                         "irq", "tx", "cpu", "memory", "ip", "tcp", "toe", "netdma", "udp",
                                         "app", "latency", "app_latency", "queues", "throughput_gbps"};
    size_t i = 0;
    const char *key;
    json_t *v;
    json_object_foreach(bj, key, v) {
        ck_assert_msg(i < sizeof border / sizeof border[0], "extra key baseline.%s", key);
        ck_assert_str_eq(key, border[i]);
        i++;
    }
    ck_assert_uint_eq(i, sizeof border / sizeof border[0]);
    ck_assert_int_eq(geti(j, "baseline.config.tcpip.EnableRSS"), 0);
    ck_assert_int_eq(geti(j, "baseline.config.tcpip.EnableChecksumOffload"), 0);
    ck_assert_int_eq(geti(j, "config.tcpip.EnableRSS"), 1);  /* the run's own config unchanged */
    ck_assert_int_eq(geti(j, "baseline.cpu.total_cycles"), 4000000);
    ck_assert_int_eq(geti(j, "baseline.frames.delivered"), 720);
    ck_assert_int_eq(geti(j, "baseline.frames.dropped.no_descriptor"), 60);
    ck_assert_int_eq(geti(j, "baseline.cpu.breakdown.checksum"), 1000000);
    ck_assert_int_eq(geti(j, "baseline.csum.sw_verified"), 1440);
    ck_assert_int_eq(geti(j, "baseline.rss.hash_types.none"), 800);
    ck_assert_int_eq(geti(j, "baseline.rss.lookups_sw_hash"), 720);
    ck_assert(fabs(getr(j, "baseline.throughput_gbps") - 7.2) < 1e-12);
    ck_assert(getr(j, "baseline.sim.wall_s") == 0.25 * 2);
    ck_assert_ptr_null(json_object_get(bj, "trace"));  /* the same capture */

    /* savings: exact arithmetic on the two runs */
    static const char *const sorder[] = {"basis", "headline_pct", "headline", "cpu_cycles",
                                         "cpu_cycles_pct", "cycles_per_byte", "cycles_per_byte_pct",
                                         "cycles_per_packet", "throughput_gbps", "throughput_pct",
                                         "cpu_utilization_pct", "bytes_copied", "memory_cpu_bytes",
                                         "interrupts", "breakdown"};
    i = 0;
    json_object_foreach(get(j, "savings"), key, v) {
        ck_assert_msg(i < sizeof sorder / sizeof sorder[0], "extra key savings.%s", key);
        ck_assert_str_eq(key, sorder[i]);
        i++;
    }
    ck_assert_uint_eq(i, sizeof sorder / sizeof sorder[0]);
    ck_assert_int_eq(geti(j, "savings.cpu_cycles"), 4000000 - 2499999);
    ck_assert(getr(j, "savings.cpu_cycles_pct") == 1500001.0 / 4000000.0 * 100.0);
    ck_assert(fabs(getr(j, "savings.cpu_cycles_pct") - 37.500025) < 1e-9);
    ck_assert(getr(j, "savings.cycles_per_byte") == 4000000.0 / 900000.0 - 2499999.0 / 975000.0);
    ck_assert(getr(j, "savings.cycles_per_packet") == 4000000.0 / 720.0 - 2499999.0 / 780.0);
    ck_assert(getr(j, "savings.throughput_gbps") ==
              cli_throughput_gbps(&r) - cli_throughput_gbps(&b));
    ck_assert(fabs(getr(j, "savings.throughput_gbps") - 0.6) < 1e-12);
    ck_assert(getr(j, "savings.cpu_utilization_pct") ==
              cli_cpu_utilization_avg_pct(&b) - cli_cpu_utilization_avg_pct(&r));
    ck_assert(fabs(getr(j, "savings.cpu_utilization_pct") -
                   (200.0 / 3.0 - (25.0 + 99.99995) / 3.0)) < 1e-9);
    ck_assert_int_eq(geti(j, "savings.bytes_copied"), 871000 - 944208);  /* negative */
    ck_assert_int_eq(geti(j, "savings.memory_cpu_bytes"), 900000);
    ck_assert_int_eq(geti(j, "savings.interrupts"), 50);
    ck_assert_int_eq(geti(j, "savings.breakdown.checksum"), 1000000);
    ck_assert_int_eq(geti(j, "savings.breakdown.hash"), 216000);
    ck_assert_int_eq(geti(j, "savings.breakdown.copy"), 608000 - 403999);
    ck_assert_int_eq(geti(j, "savings.breakdown.dpc"), 5000);
    ck_assert_int_eq(geti(j, "savings.breakdown.tcp_rx"), 0);
    json_int_t sum = 0;
    json_object_foreach(get(j, "savings.breakdown"), key, v)
        sum += json_integer_value(v);
    ck_assert_int_eq(sum, geti(j, "savings.cpu_cycles"));
    /* the runs delivered different amounts (975000 vs 900000 bytes): the headline is the
     * saving per delivered byte, not of total cycles */
    double cpb_sw = 4000000.0 / 900000.0, cpb_off = 2499999.0 / 975000.0;
    ck_assert(getr(j, "savings.cycles_per_byte_pct") == (cpb_sw - cpb_off) / cpb_sw * 100.0);
    ck_assert_str_eq(gets_(j, "savings.basis"), "cycles_per_delivered_byte");
    ck_assert(getr(j, "savings.headline_pct") == getr(j, "savings.cycles_per_byte_pct"));
    ck_assert(fabs(getr(j, "savings.throughput_pct") - 0.6 / 7.2 * 100.0) < 1e-9);
    ck_assert_str_eq(gets_(j, "savings.headline"),
                     "the runs delivered different amounts (offload 975000 bytes, software 900000): "
                     "per delivered byte the offloads saved 42.3% CPU cycles; throughput 7.800 vs "
                     "7.200 Gb/s (+8.3%)");

    /* top level: baseline and savings last */
    const char *last = NULL, *before = NULL;
    json_object_foreach(j, key, v) {
        before = last;
        last = key;
    }
    ck_assert_str_eq(before, "baseline");
    ck_assert_str_eq(last, "savings");
    json_decref(j);

    /* --no-baseline: neither object */
    j = cli_report_build(sc, &r, NULL);
    ck_assert_ptr_null(json_object_get(j, "baseline"));
    ck_assert_ptr_null(json_object_get(j, "savings"));
    json_decref(j);

    /* a baseline without cycles: no division by zero */
    ns_results z;
    memset(&z, 0, sizeof z);
    j = cli_report_build(sc, &r, &z);
    ck_assert(getr(j, "savings.cpu_cycles_pct") == 0.0);
    ck_assert_int_eq(geti(j, "savings.cpu_cycles"), -2499999);
    json_decref(j);
    cli_scenario_free(sc);
}
END_TEST

START_TEST(text_offload_table)
{
    cli_scenario *sc = make_scenario(quick_text);
    ns_results r, b;
    fill_results(&r);
    fill_baseline(&b);
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    cli_report_print_text(f, sc, &r, &b);
    fclose(f);
    /* the details stay above the table */
    const char *details = strstr(buf, "  delivered      780 frames\n");
    const char *table = strstr(buf, "offload vs software baseline");
    ck_assert_ptr_nonnull(details);
    ck_assert_ptr_nonnull(table);
    ck_assert(details < table);
    static const char *const want[] = {
        "                                  offload       software    saved (abs)        saved %\n",
        "  throughput (Gb/s)                 7.800          7.200          0.600           8.3%\n",
        "  CPU cycles total                2499999        4000000        1500001          37.5%\n",
        "  cycles/byte                       2.564          4.444          1.880          42.3%\n",
        "  cycles/packet                    3205.1         5555.6         2350.4          42.3%\n",
        /* percentages: their difference in percentage points, never a percent of a percent */
        "  CPU utilization avg (%)            41.7           66.7        25.0 pp              -\n",
        "  CPU utilization max (%)           100.0          100.0         0.0 pp              -\n",
        "  interrupts                          100            150             50          33.3%\n",
        "  bytes copied                     944208         871000         -73208          -8.4%\n",
        "  frames dropped                       12             72             60          83.3%\n",
        "cycle breakdown                   offload       %       software       %          saved\n",
        "  interrupt                        150000    6.0%         225000    5.6%          75000\n",
        "  checksum                              0    0.0%        1000000   25.0%        1000000\n",
        "  copy                             403999   16.2%         608000   15.2%         204001\n",
        "  total                           2499999  100.0%        4000000  100.0%        1500001\n",
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
        ck_assert_msg(strstr(table, want[i]) != NULL, "no '%s' in:\n%s", want[i], table);
    ck_assert_ptr_null(strstr(table, "  timer "));  /* zero in both runs: not listed */
    free(buf);
    cli_scenario_free(sc);
}
END_TEST

static char *summary(const cli_scenario *sc, const ns_results *r, const ns_results *b)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    cli_report_print_text(f, sc, r, b);
    fclose(f);
    return buf;
}

/* The headline compares equal work. A saturated baseline that dropped half the bytes spent
 * fewer cycles in total: the headline is the saving per delivered byte (and throughput), not
 * the -60% of total cycles. With equal work and a cost, the summary says where it comes from. */
START_TEST(headline_compares_equal_work)
{
    cli_scenario *sc = make_scenario(quick_text);
    ns_results r, b;
    fill_results(&r);
    fill_baseline(&b);
    /* offload: 4000000 cycles for 2000000 bytes (2 cycles/byte); software: 2500000 cycles
     * for 1000000 bytes (2.5 cycles/byte) */
    r.delivered_bytes = 2000000;
    r.stack.total_cycles = 4000000;
    b.delivered_bytes = 1000000;
    b.stack.total_cycles = 2500000;
    json_t *j = cli_report_build(sc, &r, &b);
    ck_assert(fabs(getr(j, "savings.cpu_cycles_pct") - -60.0) < 1e-9);
    ck_assert_str_eq(gets_(j, "savings.basis"), "cycles_per_delivered_byte");
    ck_assert(fabs(getr(j, "savings.headline_pct") - 20.0) < 1e-9);
    ck_assert(fabs(getr(j, "savings.throughput_pct") - 100.0) < 1e-9);
    json_decref(j);
    char *t = summary(sc, &r, &b);
    ck_assert_msg(strstr(t, "headline: the runs delivered different amounts (offload 2000000 bytes, "
                            "software 1000000): per delivered byte the offloads saved 20.0% CPU "
                            "cycles; throughput 16.000 vs 8.000 Gb/s (+100.0%)\n") != NULL, "%s", t);
    ck_assert_ptr_nonnull(strstr(t, "(the runs delivered different amounts: total cycles"));
    ck_assert_ptr_null(strstr(t, "  where: "));
    free(t);

    /* equal work, the offloads cost more: the headline says so, and where */
    fill_results(&r);
    fill_baseline(&b);
    b.delivered_bytes = r.delivered_bytes;
    b.stack.total_cycles = 2450000;
    b.irq_count = 80;
    r.irq_count = 131;
    memset(b.stack.kind_cycles, 0, sizeof b.stack.kind_cycles);
    memset(r.stack.kind_cycles, 0, sizeof r.stack.kind_cycles);
    r.stack.kind_cycles[HS_K_COPY] = 300000;
    b.stack.kind_cycles[HS_K_COPY] = 140000;
    r.stack.kind_cycles[HS_K_INTERRUPT] = 200000;
    b.stack.kind_cycles[HS_K_INTERRUPT] = 120000;
    j = cli_report_build(sc, &r, &b);
    ck_assert_str_eq(gets_(j, "savings.basis"), "total_cycles");
    ck_assert(getr(j, "savings.headline_pct") == getr(j, "savings.cpu_cycles_pct"));
    ck_assert(getr(j, "savings.headline_pct") < 0);
    json_decref(j);
    t = summary(sc, &r, &b);
    ck_assert_msg(strstr(t, "headline: the offloads cost 2.0% more CPU cycles for the same work (both "
                            "runs delivered 975000 bytes)\n") != NULL, "%s", t);
    ck_assert_msg(strstr(t, "  where: copy +160000 cycles (the NIC verified the checksums, so no "
                            "software checksum pass brought the data into cache: the copy reads it "
                            "cold), interrupt +80000 cycles (131 vs 80 interrupts: each receive queue "
                            "interrupts on its own)\n") != NULL, "%s", t);
    free(t);
    cli_scenario_free(sc);
}
END_TEST

START_TEST(results_check)
{
    ns_results r;
    fill_results(&r);
    char msg[512];
    ck_assert_int_eq(cli_results_check(&r, msg, sizeof msg), 0);
    ck_assert_str_eq(msg, "");
    r.stack.total_cycles = 7;
    ck_assert_int_eq(cli_results_check(&r, msg, sizeof msg), 1);
    ck_assert_ptr_nonnull(strstr(msg, "(7 cycles"));
    ck_assert_ptr_nonnull(strstr(msg, "(2499999,"));
    ck_assert_ptr_null(strchr(msg, '\n'));
    ck_assert_uint_eq(cli_total_cycles(&r), 7);
    ck_assert_uint_eq(cli_frames_dropped(&r), 12);
}
END_TEST

/* The savings split: rungs with the given total cycles and delivered bytes (features: the
 * run's), the run as the last rung. */
static void make_split(cli_split *sp, ns_results rungs[NS_FEATURES + 1], unsigned features,
                       const uint64_t *cycles, const uint64_t *bytes)
{
    memset(sp, 0, sizeof *sp);
    sp->features = features;
    int n = 0;
    for (int i = 0; i < NS_FEATURES; i++)
        n += (features >> i) & 1;
    for (int k = 0; k <= n; k++) {
        fill_results(&rungs[k]);
        rungs[k].stack.total_cycles = cycles[k];
        rungs[k].delivered_bytes = bytes[k];
        sp->rung[k] = &rungs[k];
    }
}

START_TEST(split_by_feature)
{
    cli_scenario *sc = make_scenario(quick_text);
    ns_results rg[NS_FEATURES + 1];
    cli_split sp;
    /* the same work everywhere: the savings are the differences of total cycles; RSS costs */
    const uint64_t cyc[] = {4000000, 3000001, 3100000, 3100000, 2499999};
    const uint64_t by[] = {975000, 975000, 975000, 975000, 975000};
    make_split(&sp, rg, NS_FEAT_ALL, cyc, by);
    json_t *j = cli_report_build_split(sc, &rg[4], &rg[0], &sp);
    ck_assert_ptr_nonnull(j);
    ck_assert_str_eq(gets_(j, "savings.split.basis"), "total_cycles");
    ck_assert_int_eq(geti(j, "savings.by_feature.checksum.cpu_cycles"), 999999);
    ck_assert_int_eq(geti(j, "savings.by_feature.rss.cpu_cycles"), -99999);
    ck_assert_int_eq(geti(j, "savings.by_feature.netdma.cpu_cycles"), 0);
    ck_assert_int_eq(geti(j, "savings.by_feature.chimney.cpu_cycles"), 600001);
    json_int_t sum = 0;
    double psum = 0;
    for (int i = 0; i < NS_FEATURES; i++) {
        char k[96];
        snprintf(k, sizeof k, "savings.by_feature.%s.cpu_cycles", ns_feature_keys[i]);
        sum += geti(j, k);
        snprintf(k, sizeof k, "savings.by_feature.%s.cpu_cycles_pct", ns_feature_keys[i]);
        psum += getr(j, k);
        snprintf(k, sizeof k, "savings.by_feature.%s.state", ns_feature_keys[i]);
        ck_assert_str_eq(gets_(j, k), "on");
    }
    /* exact: the features add up to the total saving */
    ck_assert_int_eq(sum, geti(j, "savings.cpu_cycles"));
    ck_assert_int_eq(sum, geti(j, "savings.split.cpu_cycles"));
    ck_assert(fabs(psum - getr(j, "savings.cpu_cycles_pct")) < 1e-9);
    ck_assert(fabs(getr(j, "savings.by_feature.rss.cpu_cycles_pct") - -99999 / 40000.0) < 1e-9);
    json_t *lad = get(j, "savings.ladder");
    ck_assert_uint_eq(json_array_size(lad), 5);
    ck_assert(json_is_null(json_object_get(json_array_get(lad, 0), "added")));
    ck_assert_uint_eq(json_array_size(json_object_get(json_array_get(lad, 0), "features")), 0);
    ck_assert_str_eq(json_string_value(json_object_get(json_array_get(lad, 2), "added")), "rss");
    ck_assert_int_eq(json_integer_value(json_object_get(json_array_get(lad, 1), "cpu_cycles")),
                     3000001);
    ck_assert_int_eq(json_integer_value(json_object_get(json_array_get(lad, 3), "host_bytes")),
                     975000);
    json_decref(j);

    /* the text block: the order, each rung, percentages that add up to the printed total */
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    cli_report_print_text_split(f, sc, &rg[4], &rg[0], &sp);
    fclose(f);
    ck_assert_msg(strstr(buf, "savings by feature, in the order checksum, RSS, NetDMA, Chimney\n") != NULL,
                  "%s", buf);
    ck_assert_msg(strstr(buf, "  checksum offload            on        3000001         999999     25.0%\n") !=
                      NULL, "%s", buf);
    ck_assert_msg(strstr(buf, "  RSS                         on        3100000         -99999     -2.5%\n") != NULL,
                  "%s", buf);
    ck_assert_msg(strstr(buf, "  TCP Chimney                 on        2499999         600001     15.0%\n") !=
                      NULL, "%s", buf);
    ck_assert_msg(strstr(buf, "  total                                                1500001     37.5%\n") !=
                      NULL, "%s", buf);
    free(buf);

    /* features the run does not use: no rung, reported off with no saving */
    const uint64_t cyc2[] = {4000000, 3000000, 2500000};
    make_split(&sp, rg, NS_FEAT_CHECKSUM | NS_FEAT_CHIMNEY, cyc2, by);
    j = cli_report_build_split(sc, &rg[2], &rg[0], &sp);
    ck_assert_str_eq(gets_(j, "savings.by_feature.rss.state"), "off");
    ck_assert_int_eq(geti(j, "savings.by_feature.rss.cpu_cycles"), 0);
    ck_assert_str_eq(gets_(j, "savings.by_feature.netdma.state"), "off");
    ck_assert_str_eq(gets_(j, "savings.by_feature.chimney.state"), "on");
    ck_assert_int_eq(geti(j, "savings.by_feature.chimney.cpu_cycles"), 500000);
    ck_assert_uint_eq(json_array_size(get(j, "savings.ladder")), 3);
    json_decref(j);
    buf = NULL;
    f = open_memstream(&buf, &len);
    cli_report_print_text_split(f, sc, &rg[2], &rg[0], &sp);
    fclose(f);
    ck_assert_msg(strstr(buf, "  RSS                        off              -              0         -\n") !=
                      NULL, "%s", buf);
    free(buf);

    /* different work: every rung scaled to the run's bytes (cycles per byte x run bytes) */
    const uint64_t cyc3[] = {2500000, 2400000, 4000000};
    const uint64_t by3[] = {1000000, 1000000, 2000000};
    make_split(&sp, rg, NS_FEAT_CHECKSUM | NS_FEAT_RSS, cyc3, by3);
    j = cli_report_build_split(sc, &rg[2], &rg[0], &sp);
    ck_assert_str_eq(gets_(j, "savings.split.basis"), "cycles_per_delivered_byte");
    ck_assert_int_eq(geti(j, "savings.split.work_bytes"), 2000000);
    ck_assert_int_eq(geti(j, "savings.split.baseline_cycles"), 5000000);
    ck_assert_int_eq(geti(j, "savings.by_feature.checksum.cpu_cycles"), 200000);
    ck_assert_int_eq(geti(j, "savings.by_feature.rss.cpu_cycles"), 800000);
    ck_assert_int_eq(geti(j, "savings.split.cpu_cycles"), 1000000);
    /* the same saving the headline gives, per delivered byte */
    ck_assert(fabs(getr(j, "savings.split.cpu_cycles_pct") - getr(j, "savings.headline_pct")) < 1e-9);
    json_decref(j);

    /* a rung that delivered nothing: no per-byte cost, no split figures */
    const uint64_t by4[] = {0, 1000000, 2000000};
    make_split(&sp, rg, NS_FEAT_CHECKSUM | NS_FEAT_RSS, cyc3, by4);
    j = cli_report_build_split(sc, &rg[2], &rg[0], &sp);
    ck_assert_str_eq(gets_(j, "savings.split.basis"), "none");
    ck_assert(json_is_null(get(j, "savings.by_feature.rss.cpu_cycles")));
    ck_assert_str_eq(gets_(j, "savings.by_feature.rss.state"), "on");
    json_decref(j);

    /* without a split (--no-split): none of its keys */
    j = cli_report_build_split(sc, &rg[2], &rg[0], NULL);
    ck_assert_ptr_null(json_object_get(get(j, "savings"), "by_feature"));
    ck_assert_ptr_null(json_object_get(get(j, "savings"), "ladder"));
    json_decref(j);
    cli_scenario_free(sc);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("cli_report");
    TCase *tc = tcase_create("report");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, schema_and_values);
    tcase_add_test(tc, deterministic);
    tcase_add_test(tc, config_variants);
    tcase_add_test(tc, config_host_interface);
    tcase_add_test(tc, cpu_utilization);
    tcase_add_test(tc, text_summary);
    tcase_add_test(tc, text_summary_variants);
    tcase_add_test(tc, write_error);
    tcase_add_test(tc, baseline_and_savings);
    tcase_add_test(tc, text_offload_table);
    tcase_add_test(tc, headline_compares_equal_work);
    tcase_add_test(tc, results_check);
    tcase_add_test(tc, split_by_feature);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
