/* Scenario files: every key good and bad, FILE:LINE in messages, --set, warnings,
 * cross-key checks, defaults. */
#include "cli.h"
#include "rss.h"
#include "test_util.h"

#include <arpa/inet.h>
#include <check.h>
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char tmpdir[512];

static void setup(void)
{
    tu_mkdtemp(tmpdir, sizeof tmpdir);
}

static void teardown(void)
{
    tu_rmdir(tmpdir);
}

/* One loaded scenario and its outcome. */
typedef struct loaded {
    cli_scenario *sc;
    int rc;
    char err[1024];
    char path[1024];
} loaded;

static void load_text(loaded *l, const char *text)
{
    tu_write(tmpdir, "s.ini", text, l->path, sizeof l->path);
    l->sc = cli_scenario_new();
    ck_assert_ptr_nonnull(l->sc);
    l->err[0] = '\0';
    l->rc = cli_scenario_load(l->sc, l->path, l->err, sizeof l->err);
    if (l->rc == CLI_OK)
        ck_assert_str_eq(l->err, "");
    else
        ck_assert_msg(strchr(l->err, '\n') == NULL, "multi-line message: %s", l->err);
}

/* Loads text, expects success, finishes with trace "t.pcap" given on the command line. */
static const ns_config *load_ok(loaded *l, const char *text)
{
    load_text(l, text);
    ck_assert_msg(l->rc == CLI_OK, "load failed: %s", l->err);
    int rc = cli_scenario_finish(l->sc, "t.pcap", l->err, sizeof l->err);
    ck_assert_msg(rc == CLI_OK, "finish failed: %s", l->err);
    return cli_scenario_config(l->sc);
}

/* Expects the message "PATH:LINE: <rest...>" where rest contains want. */
static void expect_at(const loaded *l, int line, const char *want)
{
    char prefix[1100];
    snprintf(prefix, sizeof prefix, "%s:%d: ", l->path, line);
    ck_assert_msg(strncmp(l->err, prefix, strlen(prefix)) == 0, "expected '%s...', got '%s'",
                  prefix, l->err);
    ck_assert_msg(strstr(l->err, want) != NULL, "expected '%s' in '%s'", want, l->err);
}

static void load_bad(loaded *l, const char *text, int line, const char *want)
{
    load_text(l, text);
    ck_assert_msg(l->rc == CLI_EUSAGE, "accepted: %s", text);
    ck_assert_int_eq(cli_exit_status(l->rc), 2);
    expect_at(l, line, want);
}

static void done(loaded *l)
{
    cli_scenario_free(l->sc);
    l->sc = NULL;
}

static int warning_contains(const cli_scenario *sc, const char *a, const char *b)
{
    for (size_t i = 0; i < cli_scenario_warning_count(sc); i++) {
        const char *w = cli_scenario_warning(sc, i);
        if (strstr(w, a) && (!b || strstr(w, b)))
            return 1;
    }
    return 0;
}

/* ---- defaults and good values ---- */

START_TEST(defaults)
{
    loaded l;
    const ns_config *c = load_ok(&l, "; nothing but a comment\n");
    ck_assert_int_eq(c->data_width, 64);
    ck_assert(c->clock_mhz == 156.25);
    ck_assert(c->link_gbps == 10.0);
    ck_assert_uint_eq(c->mtu, 1500);
    ck_assert_int_eq(c->resegment, 1);
    ck_assert_int_eq(c->rss_enable, 1);
    ck_assert_mem_eq(c->rss_key, rss_default_key, 40);
    ck_assert_uint_eq(c->rss_hash_types, RSS_HT_DEFAULT_MASK);
    ck_assert_int_eq(c->rss_queues, 1);
    ck_assert_int_eq(c->table_size, 128);
    ck_assert_int_eq(c->table_given, 0);
    for (int i = 0; i < 128; i++)
        ck_assert_int_eq(c->table[i], 0);
    ck_assert_int_eq(c->csum_offload, 1);
    ck_assert_uint_eq(c->rx_fifo_bytes, 65536);
    ck_assert_uint_eq(c->quantum_cycles, 1024);
    ck_assert_uint_eq(c->irq_moderation_frames, 8);
    ck_assert(c->irq_moderation_us == 50.0);
    ck_assert_int_eq(c->pcie.link, PCIE_GEN1);
    ck_assert_int_eq(c->pcie.lanes, 8);
    ck_assert_uint_eq(c->pcie.max_payload, 128);
    ck_assert_uint_eq(c->pcie.max_read_request, 512);
    ck_assert_uint_eq(c->pcie.read_latency_ns, 560);
    ck_assert_uint_eq(c->pcie.read_tags, 32);
    ck_assert_uint_eq(c->pcie.posted_buffer, 4096);
    ck_assert_int_eq(c->cpus, 2);
    ck_assert(c->cpu_mhz == 0.0); /* the cost profile's clock */
    ck_assert_uint_eq(c->memory_mb, 64);
    ck_assert_uint_eq(c->rx_ring_entries, 512);
    ck_assert_uint_eq(c->rx_buf_bytes, 2048);
    ck_assert_uint_eq(c->tx_ring_entries, 256);
    ck_assert_uint_eq(c->dpc_budget, 64);
    ck_assert_ptr_null(c->host_pcap);
    ck_assert_int_eq(c->timing, NS_TIMING_RECORDED);
    ck_assert(c->multiplier == 1.0);
    ck_assert(c->mbps == 0.0);
    ck_assert(c->pps == 0.0);
    ck_assert_uint_eq(c->loop, 1);
    ck_assert_int_eq(c->host_mode, NS_HOST_AUTO);
    ck_assert_str_eq(c->trace_path, "t.pcap");
    ck_assert_ptr_null(c->wave_path);
    ck_assert_ptr_null(c->packet_log);
    ck_assert_str_eq(cli_scenario_name(l.sc), "s");  /* the file's stem */
    ck_assert_str_eq(cli_scenario_description(l.sc), "");
    ck_assert_str_eq(cli_scenario_file(l.sc), l.path);
    ck_assert_uint_eq(cli_scenario_warning_count(l.sc), 0);
    /* host stack: hs_config_defaults, the xeon-2006 profile */
    ck_assert_str_eq(c->cost_profile, "xeon-2006");
    ck_assert_uint_eq(c->stack.ack_every, 2);
    ck_assert_uint_eq(c->stack.delack_ns, 200000000ull);
    ck_assert_uint_eq(c->stack.rcv_window_bytes, 65535);
    ck_assert_uint_eq(c->stack.recv_buffer_bytes, 65536);
    ck_assert_uint_eq(c->stack.posted_buffers, 2);
    ck_assert(c->stack.app_cycles_per_byte < 0);  /* the profile's app_byte */
    ck_assert(cli_scenario_app_cycles_per_byte(l.sc) == 0.0);
    ck_assert(c->stack.app_rate_bytes_per_s == 0.0);
    ck_assert_int_eq(c->stack.complete_on_push, 1);
    ck_assert_ptr_null(c->streams_dir);
    done(&l);
}
END_TEST

START_TEST(stack_keys_good)
{
    loaded l;
    const ns_config *c = load_ok(&l,
        "[host]\ncost_profile = modern\n"
        "[tcpip]\nTcpAckFrequency = 1\nTcpDelAckTicks = 0\nTcpWindowSize = 8760\n"
        "[app]\nrecv_buffer_bytes = 4096\nposted_buffers = 8\ncycles_per_byte = 0.75\n"
        "consume_mbps = 100\ncomplete_on_push = no\n");
    ck_assert_str_eq(c->cost_profile, "modern");
    ck_assert_uint_eq(c->stack.ack_every, 1);
    ck_assert_uint_eq(c->stack.delack_ns, 0);  /* ACK at the next timer run */
    ck_assert_uint_eq(c->stack.rcv_window_bytes, 8760);
    ck_assert_uint_eq(c->stack.recv_buffer_bytes, 4096);
    ck_assert_uint_eq(c->stack.posted_buffers, 8);
    ck_assert(c->stack.app_cycles_per_byte == 0.75);
    ck_assert(cli_scenario_app_cycles_per_byte(l.sc) == 0.75);
    ck_assert(c->stack.app_rate_bytes_per_s == 12500000.0);  /* 100 Mb/s in bytes/s */
    ck_assert_int_eq(c->stack.complete_on_push, 0);
    ck_assert_uint_eq(cli_scenario_warning_count(l.sc), 0);
    done(&l);

    c = load_ok(&l, "[tcpip]\nTcpAckFrequency = 255\nTcpDelAckTicks = 6\nTcpWindowSize = 1\n"
                    "[app]\ncycles_per_byte = 0\nconsume_mbps = 0.008\n[host]\n"
                    "cost_profile = xeon-2006\n");
    ck_assert_uint_eq(c->stack.ack_every, 255);
    ck_assert_uint_eq(c->stack.delack_ns, 600000000ull);
    ck_assert_uint_eq(c->stack.rcv_window_bytes, 1);
    ck_assert(c->stack.app_cycles_per_byte == 0.0);
    ck_assert(c->stack.app_rate_bytes_per_s == 1000.0);
    ck_assert_str_eq(c->cost_profile, "xeon-2006");
    done(&l);

    /* the same through --set, and a did-you-mean for the case */
    cli_scenario *sc = cli_scenario_new();
    char err[1024];
    ck_assert_int_eq(cli_scenario_set(sc, "tcpip.TcpDelAckTicks=1", err, sizeof err), CLI_OK);
    ck_assert_int_eq(cli_scenario_set(sc, "app.posted_buffers=3", err, sizeof err), CLI_OK);
    ck_assert_int_eq(cli_scenario_set(sc, "host.cost_profile=modern", err, sizeof err), CLI_OK);
    ck_assert_uint_eq(cli_scenario_config(sc)->stack.delack_ns, 100000000ull);
    ck_assert_uint_eq(cli_scenario_config(sc)->stack.posted_buffers, 3);
    ck_assert_int_eq(cli_scenario_set(sc, "tcpip.tcpackfrequency=2", err, sizeof err), CLI_EUSAGE);
    ck_assert_str_eq(err, "--set: unknown key 'tcpip.tcpackfrequency' (did you mean "
                          "'tcpip.TcpAckFrequency'?)");
    ck_assert_int_eq(cli_scenario_set(sc, "tcpip.posted_buffers=2", err, sizeof err), CLI_EUSAGE);
    ck_assert_ptr_nonnull(strstr(err, "(did you mean 'app.posted_buffers'?)"));
    cli_scenario_free(sc);
}
END_TEST

/* Writes a copy of a built-in profile to dir/name with app_byte set; returns its path. */
static void write_profile(const char *dir, const char *name, double app_byte, char *path,
                          size_t len)
{
    hs_cost *c = malloc(sizeof *c);
    ck_assert_ptr_nonnull(c);
    ck_assert_int_eq(hs_cost_builtin(c, "modern", NULL, 0), HS_OK);
    snprintf(c->name, sizeof c->name, "mine");
    c->v[HS_C_APP_BYTE] = app_byte;
    snprintf(path, len, "%s/%s", dir, name);
    char err[256];
    ck_assert_msg(hs_cost_save(c, path, err, sizeof err) == HS_OK, "%s", err);
    free(c);
}

START_TEST(cost_profile_files)
{
    loaded l;
    char prof[1100], want[2200], sub[1100];
    write_profile(tmpdir, "mine.profile", 0.25, prof, sizeof prof);
    /* relative to the scenario's directory; its app_byte is the default application work */
    const ns_config *c = load_ok(&l, "[host]\ncost_profile = mine.profile\n");
    ck_assert_str_eq(c->cost_profile, prof);
    ck_assert(cli_scenario_app_cycles_per_byte(l.sc) == 0.25);
    done(&l);
    c = load_ok(&l, "[app]\ncycles_per_byte = 2\n[host]\ncost_profile = mine.profile\n");
    ck_assert(cli_scenario_app_cycles_per_byte(l.sc) == 2.0);
    done(&l);
    /* in a subdirectory, and by absolute path */
    snprintf(sub, sizeof sub, "%s/prof", tmpdir);
    ck_assert_int_eq(mkdir(sub, 0755), 0);
    write_profile(sub, "x.profile", 0, prof, sizeof prof);
    c = load_ok(&l, "[host]\ncost_profile = prof/x.profile\n");
    ck_assert_str_eq(c->cost_profile, prof);
    done(&l);
    char text[1400];
    snprintf(text, sizeof text, "[host]\ncost_profile = %s\n", prof);
    c = load_ok(&l, text);
    ck_assert_str_eq(c->cost_profile, prof);
    done(&l);

    /* a missing file names the key and the line, before any run */
    load_bad(&l, "[host]\ncpus = 2\ncost_profile = nope.profile\n", 3,
             "host.cost_profile: cannot read profile file '");
    snprintf(want, sizeof want, "'%s/nope.profile': No such file or directory (built-in "
             "profiles: xeon-2006, modern) ('nope.profile')", tmpdir);
    ck_assert_msg(strstr(l.err, want) != NULL, "got '%s'", l.err);
    done(&l);
    /* a malformed one: the profile's own FILE:LINE: KEY: message */
    tu_write(tmpdir, "bad.profile", "name = bad\ncpu_mhz = fast\n", prof, sizeof prof);
    load_bad(&l, "[host]\ncost_profile = bad.profile\n", 2,
             "host.cost_profile: bad profile: ");
    snprintf(want, sizeof want, "%s:2: cpu_mhz: not a number", prof);
    ck_assert_msg(strstr(l.err, want) != NULL, "got '%s'", l.err);
    done(&l);
    /* a directory */
    load_bad(&l, "[host]\ncost_profile = prof\n", 2, "host.cost_profile: bad profile: ");
    done(&l);
    /* too long for ns_config */
    char longv[700];
    memset(longv, 'a', 600);
    longv[600] = '\0';
    snprintf(text, sizeof text, "[host]\ncost_profile = %s\n", longv);
    load_bad(&l, text, 2, "host.cost_profile: path longer than 511 bytes");
    done(&l);

    /* --set: relative to the current directory */
    ck_assert_int_eq(chdir(tmpdir), 0);
    cli_scenario *sc = cli_scenario_new();
    char err[1024];
    ck_assert_int_eq(cli_scenario_set(sc, "host.cost_profile=mine.profile", err, sizeof err),
                     CLI_OK);
    ck_assert_str_eq(cli_scenario_config(sc)->cost_profile, "mine.profile");
    ck_assert_int_eq(cli_scenario_set(sc, "host.cost_profile=prof/none", err, sizeof err),
                     CLI_EUSAGE);
    ck_assert_str_eq(err, "--set: host.cost_profile: cannot read profile file 'prof/none': No "
                          "such file or directory (built-in profiles: xeon-2006, modern) "
                          "('prof/none')");
    /* the last good value stays */
    ck_assert_str_eq(cli_scenario_config(sc)->cost_profile, "mine.profile");
    cli_scenario_free(sc);
}
END_TEST

START_TEST(app_buffers_limit)
{
    loaded l;
    /* 2 GiB per connection is the most the stack takes */
    const ns_config *c = load_ok(&l, "[app]\nrecv_buffer_bytes = 1073741824\nposted_buffers = 2\n");
    ck_assert_uint_eq(c->stack.recv_buffer_bytes, 1073741824u);
    done(&l);
    load_text(&l, "[app]\nposted_buffers = 4\nrecv_buffer_bytes = 1073741824\n");
    ck_assert_int_eq(l.rc, CLI_OK);
    ck_assert_int_eq(cli_scenario_finish(l.sc, "t.pcap", l.err, sizeof l.err), CLI_EUSAGE);
    expect_at(&l, 3, "app.recv_buffer_bytes x app.posted_buffers: 1073741824 x 4 = 4294967296 "
                     "bytes per connection exceeds 2 GiB");
    done(&l);
    /* the later key is blamed, --set after the file */
    load_text(&l, "[app]\nrecv_buffer_bytes = 1073741824\n");
    ck_assert_int_eq(cli_scenario_set(l.sc, "app.posted_buffers=3", l.err, sizeof l.err), CLI_OK);
    ck_assert_int_eq(cli_scenario_finish(l.sc, "t.pcap", l.err, sizeof l.err), CLI_EUSAGE);
    ck_assert_msg(strncmp(l.err, "--set: app.recv_buffer_bytes x app.posted_buffers:", 50) == 0,
                  "%s", l.err);
    done(&l);
}
END_TEST

START_TEST(every_key_good)
{
    loaded l;
    const ns_config *c = load_ok(&l,
        "[scenario]\n"
        "name = backup run\n"
        "description = bulk transfer ; inline comment\n"
        "trace = /abs/x.pcap\n"
        "host = 10.0.0.1\n"
        "[nic]\n"
        "data_width = 512\n"
        "clock_mhz = 300\n"
        "link_gbps = 40\n"
        "mtu = 9000\n"
        "oversize = drop\n"
        "rss_key = 0x000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f2021222324252627\n"
        "rss_queues = 8\n"
        "indirection_table = 7,6,5,4,3,2,1,0\n"
        "rss_hash_types = ipv4, udp_ipv4,udp_ipv6\n"
        "rx_fifo_bytes = 131072\n"
        "quantum_cycles = 100\n"
        "[tcpip]\n"
        "EnableRSS = off\n"
        "EnableChecksumOffload = false\n"
        "[replay]\n"
        "timing = topspeed\n"
        "loop = 3\n"
        "mbps = 2500.5\n");
    ck_assert_str_eq(cli_scenario_name(l.sc), "backup run");
    ck_assert_str_eq(cli_scenario_description(l.sc), "bulk transfer");
    ck_assert_str_eq(cli_scenario_trace(l.sc), "t.pcap");  /* --trace wins */
    ck_assert_int_eq(c->host_mode, NS_HOST_LIST);
    ck_assert_int_eq(c->host_count, 1);
    ck_assert_int_eq(c->hosts[0].family, 4);
    ck_assert_int_eq(c->hosts[0].a[0], 10);
    ck_assert_int_eq(c->hosts[0].a[3], 1);
    ck_assert_int_eq(c->data_width, 512);
    ck_assert(c->clock_mhz == 300.0);
    ck_assert(c->link_gbps == 40.0);
    ck_assert_uint_eq(c->mtu, 9000);
    ck_assert_int_eq(c->resegment, 0);
    for (int i = 0; i < 40; i++)
        ck_assert_int_eq(c->rss_key[i], i);
    ck_assert_int_eq(c->rss_queues, 8);
    ck_assert_int_eq(c->table_size, 8);
    ck_assert_int_eq(c->table_given, 1);
    for (int i = 0; i < 8; i++)
        ck_assert_int_eq(c->table[i], 7 - i);
    ck_assert_uint_eq(c->rss_hash_types, RSS_HT_BIT(RSS_HT_IPV4) | RSS_HT_BIT(RSS_HT_UDP_IPV4) |
                                             RSS_HT_BIT(RSS_HT_UDP_IPV6));
    ck_assert_uint_eq(c->rx_fifo_bytes, 131072);
    ck_assert_uint_eq(c->quantum_cycles, 100);
    ck_assert_int_eq(c->rss_enable, 0);
    ck_assert_int_eq(c->csum_offload, 0);
    ck_assert_int_eq(c->timing, NS_TIMING_TOPSPEED);
    ck_assert_uint_eq(c->loop, 3);
    ck_assert(c->mbps == 2500.5);
    /* mbps overrides timing: said, not silently ignored */
    ck_assert(warning_contains(l.sc, "replay.timing has no effect", ":22:"));
    done(&l);

    c = load_ok(&l, "[replay]\nmultiplier = 2.5\npps = 1e5\n[tcpip]\nEnableRSS = 1\n"
                    "EnableChecksumOffload = yes\n");
    ck_assert(c->multiplier == 2.5);
    ck_assert(c->pps == 100000.0);
    ck_assert_int_eq(c->rss_enable, 1);
    ck_assert_int_eq(c->csum_offload, 1);
    done(&l);
}
END_TEST

START_TEST(host_keys_good)
{
    loaded l;
    const ns_config *c = load_ok(&l,
        "[nic]\n"
        "irq_moderation_frames = 65535\n"
        "irq_moderation_us = 2.5\n"
        "[pcie]\n"
        "link = gen3\n"
        "lanes = 16\n"
        "max_payload = 4096\n"
        "max_read_request = 128\n"
        "read_latency_ns = 100000\n"
        "read_tags = 256\n"
        "posted_buffer = 1048576\n"
        "[host]\n"
        "cpus = 64\n"
        "cpu_mhz = 3333.5\n"
        "memory_mb = 65536\n"
        "[driver]\n"
        "rx_ring_entries = 32768\n"
        "rx_buf_bytes = 65536\n"
        "tx_ring_entries = 32768\n"
        "dpc_budget = 65536\n");
    ck_assert_uint_eq(c->irq_moderation_frames, 65535);
    ck_assert(c->irq_moderation_us == 2.5);
    ck_assert_int_eq(c->pcie.link, PCIE_GEN3);
    ck_assert_int_eq(c->pcie.lanes, 16);
    ck_assert_uint_eq(c->pcie.max_payload, 4096);
    ck_assert_uint_eq(c->pcie.max_read_request, 128);
    ck_assert_uint_eq(c->pcie.read_latency_ns, 100000);
    ck_assert_uint_eq(c->pcie.read_tags, 256);
    ck_assert_uint_eq(c->pcie.posted_buffer, 1048576);
    ck_assert_int_eq(c->cpus, 64);
    ck_assert(c->cpu_mhz == 3333.5);
    ck_assert_uint_eq(c->memory_mb, 65536);
    ck_assert_uint_eq(c->rx_ring_entries, 32768);
    ck_assert_uint_eq(c->rx_buf_bytes, 65536);
    ck_assert_uint_eq(c->tx_ring_entries, 32768);
    ck_assert_uint_eq(c->dpc_budget, 65536);
    ck_assert_uint_eq(cli_scenario_warning_count(l.sc), 0);
    done(&l);

    /* the other ends of the ranges */
    c = load_ok(&l,
        "[nic]\nirq_moderation_frames = 1\nirq_moderation_us = 0\n"
        "[pcie]\nlink = gen2\nlanes = 1\nmax_payload = 128\nmax_read_request = 4096\n"
        "read_latency_ns = 1\nread_tags = 1\nposted_buffer = 64\n"
        "[host]\ncpus = 1\ncpu_mhz = 1\nmemory_mb = 16\n"
        "[driver]\nrx_ring_entries = 8\nrx_buf_bytes = 256\ntx_ring_entries = 8\n"
        "dpc_budget = 1\n");
    ck_assert_uint_eq(c->irq_moderation_frames, 1);
    ck_assert(c->irq_moderation_us == 0.0);
    ck_assert_int_eq(c->pcie.link, PCIE_GEN2);
    ck_assert_int_eq(c->pcie.lanes, 1);
    ck_assert_uint_eq(c->pcie.max_read_request, 4096);
    ck_assert_uint_eq(c->pcie.read_latency_ns, 1);
    ck_assert_uint_eq(c->pcie.read_tags, 1);
    ck_assert_uint_eq(c->pcie.posted_buffer, 64);
    ck_assert_int_eq(c->cpus, 1);
    ck_assert(c->cpu_mhz == 1.0);
    ck_assert_uint_eq(c->memory_mb, 16);
    ck_assert_uint_eq(c->rx_ring_entries, 8);
    ck_assert_uint_eq(c->rx_buf_bytes, 256);
    ck_assert_uint_eq(c->tx_ring_entries, 8);
    ck_assert_uint_eq(c->dpc_budget, 1);
    done(&l);

    /* every bus by name; lanes left alone on a parallel bus: no warning */
    static const struct {
        const char *name;
        int link;
    } links[] = {{"gen1", PCIE_GEN1}, {"gen2", PCIE_GEN2}, {"gen3", PCIE_GEN3},
                 {"pci-x", PCIE_PCIX}, {"pci", PCIE_PCI}};
    for (size_t i = 0; i < sizeof links / sizeof links[0]; i++) {
        char text[64];
        snprintf(text, sizeof text, "[pcie]\nlink = %s\n", links[i].name);
        ck_assert_int_eq(load_ok(&l, text)->pcie.link, links[i].link);
        ck_assert_uint_eq(cli_scenario_warning_count(l.sc), 0);
        done(&l);
    }
    static const int lanes[] = {1, 2, 4, 8, 16};
    for (size_t i = 0; i < sizeof lanes / sizeof lanes[0]; i++) {
        char text[64];
        snprintf(text, sizeof text, "[pcie]\nlanes = %d\n", lanes[i]);
        ck_assert_int_eq(load_ok(&l, text)->pcie.lanes, lanes[i]);
        done(&l);
    }
}
END_TEST

START_TEST(host_keys_set)
{
    /* every new key through --set, over a file that sets some of them */
    loaded l;
    load_text(&l, "[pcie]\nlink = gen3\n[host]\ncpus = 8\n");
    ck_assert_int_eq(l.rc, CLI_OK);
    static const char *const sets[] = {
        "nic.irq_moderation_frames=32", "nic.irq_moderation_us=12.5", "pcie.link=gen2",
        "pcie.lanes=4", "pcie.max_payload=256", "pcie.max_read_request=1024",
        "pcie.read_latency_ns=900", "pcie.read_tags=64", "pcie.posted_buffer=8192",
        "host.cpus=4", "host.cpu_mhz=2000", "host.memory_mb=128",
        "driver.rx_ring_entries=1024", "driver.rx_buf_bytes=4096", "driver.tx_ring_entries=64",
        "driver.dpc_budget=16"};
    for (size_t i = 0; i < sizeof sets / sizeof sets[0]; i++)
        ck_assert_msg(cli_scenario_set(l.sc, sets[i], l.err, sizeof l.err) == CLI_OK, "%s: %s",
                      sets[i], l.err);
    ck_assert_uint_eq(cli_scenario_warning_count(l.sc), 0);
    ck_assert_int_eq(cli_scenario_finish(l.sc, "t.pcap", l.err, sizeof l.err), CLI_OK);
    const ns_config *c = cli_scenario_config(l.sc);
    ck_assert_uint_eq(c->irq_moderation_frames, 32);
    ck_assert(c->irq_moderation_us == 12.5);
    ck_assert_int_eq(c->pcie.link, PCIE_GEN2);
    ck_assert_int_eq(c->pcie.lanes, 4);
    ck_assert_uint_eq(c->pcie.max_payload, 256);
    ck_assert_uint_eq(c->pcie.max_read_request, 1024);
    ck_assert_uint_eq(c->pcie.read_latency_ns, 900);
    ck_assert_uint_eq(c->pcie.read_tags, 64);
    ck_assert_uint_eq(c->pcie.posted_buffer, 8192);
    ck_assert_int_eq(c->cpus, 4);
    ck_assert(c->cpu_mhz == 2000.0);
    ck_assert_uint_eq(c->memory_mb, 128);
    ck_assert_uint_eq(c->rx_ring_entries, 1024);
    ck_assert_uint_eq(c->rx_buf_bytes, 4096);
    ck_assert_uint_eq(c->tx_ring_entries, 64);
    ck_assert_uint_eq(c->dpc_budget, 16);
    done(&l);

    /* suggestions know the new sections */
    cli_scenario *sc = cli_scenario_new();
    char err[1024];
    ck_assert_int_eq(cli_scenario_set(sc, "nic.cpus=4", err, sizeof err), CLI_EUSAGE);
    ck_assert_str_eq(err, "--set: unknown key 'nic.cpus' (did you mean 'host.cpus'?)");
    ck_assert_int_eq(cli_scenario_set(sc, "pcie.Lanes=4", err, sizeof err), CLI_EUSAGE);
    ck_assert_str_eq(err, "--set: unknown key 'pcie.Lanes' (did you mean 'pcie.lanes'?)");
    ck_assert_int_eq(cli_scenario_set(sc, "host.dpc_budget=4", err, sizeof err), CLI_EUSAGE);
    ck_assert_str_eq(err, "--set: unknown key 'host.dpc_budget' (did you mean "
                          "'driver.dpc_budget'?)");
    cli_scenario_free(sc);
}
END_TEST

START_TEST(width_defaults)
{
    loaded l;
    const ns_config *c = load_ok(&l, "[nic]\ndata_width = 512\n");
    ck_assert(c->clock_mhz == 250.0);
    ck_assert(c->link_gbps == 100.0);
    done(&l);
    c = load_ok(&l, "[nic]\ndata_width = 64\nlink_gbps = 25\n");
    ck_assert(c->clock_mhz == 156.25);
    ck_assert(c->link_gbps == 25.0);
    /* 25 Gb/s into a 10 Gb/s datapath: warned */
    ck_assert(warning_contains(l.sc, ":3: nic.link_gbps 25 exceeds the datapath", NULL));
    done(&l);
}
END_TEST

START_TEST(booleans)
{
    static const char *const on[] = {"1", "true", "TRUE", "yes", "Yes", "on", "ON"};
    static const char *const off[] = {"0", "false", "False", "no", "NO", "off", "Off"};
    char text[128];
    for (size_t i = 0; i < 7; i++) {
        loaded l;
        snprintf(text, sizeof text, "[tcpip]\nEnableRSS = %s\n", on[i]);
        ck_assert_int_eq(load_ok(&l, text)->rss_enable, 1);
        done(&l);
        snprintf(text, sizeof text, "[tcpip]\nEnableRSS = %s\n", off[i]);
        ck_assert_int_eq(load_ok(&l, text)->rss_enable, 0);
        done(&l);
    }
}
END_TEST

/* ---- every key bad ---- */

static const struct bad_case {
    const char *section, *key, *value, *why;
} bad_cases[] = {
    {"nic", "data_width", "128", "only 64 and 512 are built"},
    {"nic", "data_width", "256", "only 64 and 512 are built"},
    {"nic", "data_width", "96", "expected 64 or 512"},
    {"nic", "data_width", "wide", "expected 64 or 512"},
    {"nic", "clock_mhz", "0", "out of range (expected 1..2000 MHz)"},
    {"nic", "clock_mhz", "-5", "out of range (expected 1..2000 MHz)"},
    /* found by fuzzing: a period of 0 ps (SIGFPE) and a run that never ends */
    {"nic", "clock_mhz", "1e-14", "out of range (expected 1..2000 MHz)"},
    {"nic", "clock_mhz", "1e-13", "out of range (expected 1..2000 MHz)"},
    {"nic", "clock_mhz", "0.999", "out of range (expected 1..2000 MHz)"},
    {"nic", "clock_mhz", "2000.001", "out of range (expected 1..2000 MHz)"},
    {"nic", "clock_mhz", "100000", "out of range (expected 1..2000 MHz)"},
    {"nic", "clock_mhz", "fast", "not a number"},
    {"nic", "clock_mhz", "inf", "not a number"},
    {"nic", "clock_mhz", "nan", "not a number"},
    {"nic", "clock_mhz", "0x10", "not a number"},
    {"nic", "clock_mhz", "1e400", "number out of range"},
    {"nic", "clock_mhz", "156.25MHz", "not a number"},
    {"nic", "link_gbps", "0", "out of range (expected 0.01..1000 Gb/s)"},
    {"nic", "link_gbps", "1e-300", "out of range (expected 0.01..1000 Gb/s)"},
    {"nic", "link_gbps", "0.009", "out of range (expected 0.01..1000 Gb/s)"},
    {"nic", "link_gbps", "1001", "out of range (expected 0.01..1000 Gb/s)"},
    {"nic", "link_gbps", "10G", "not a number"},
    {"nic", "link_gbps", "1-0", "not a number"},
    {"nic", "mtu", "575", "out of range"},
    {"nic", "mtu", "9001", "out of range"},
    {"nic", "mtu", "1500x", "not an integer"},
    {"nic", "mtu", "1500.0", "not an integer"},
    {"nic", "mtu", "-1500", "must not be negative"},
    {"nic", "mtu", "+1500", "not an integer"},
    {"nic", "mtu", "99999999999999999999999", "too large"},
    {"nic", "mtu", "", "empty value"},
    {"nic", "oversize", "fragment", "expected resegment or drop"},
    {"nic", "oversize", "Drop", "expected resegment or drop"},
    {"nic", "rss_key", "00", "expected 80 hex digits (40 bytes), got 2"},
    {"nic", "rss_queues", "0", "out of range"},
    {"nic", "rss_queues", "65", "out of range"},
    {"nic", "rss_queues", "four", "not an integer"},
    {"nic", "indirection_table", "0,1,2", "3 entries; the count must be a power of two"},
    {"nic", "indirection_table", "0,x", "entry 1 ('x'): not an integer"},
    {"nic", "indirection_table", "0,64", "entry 1 ('64'): out of range"},
    {"nic", "indirection_table", "0,-1", "entry 1 ('-1'): must not be negative"},
    {"nic", "indirection_table", "0,,1,2", "entry 1 (''): empty value"},
    {"nic", "indirection_table", "", "entry 0 (''): empty value"},
    {"nic", "rss_hash_types", "ipv4_ex", "'ipv4_ex' is not supported"},
    {"nic", "rss_hash_types", "ipv4,tcp_ipv6_ex", "'tcp_ipv6_ex' is not supported"},
    {"nic", "rss_hash_types", "udp_ipv6_ex", "'udp_ipv6_ex' is not supported"},
    {"nic", "rss_hash_types", "ipv5", "unknown hash type 'ipv5'"},
    {"nic", "rss_hash_types", "IPV4", "unknown hash type"},
    {"nic", "rss_hash_types", "none,ipv4", "'none' cannot be combined"},
    {"nic", "rss_hash_types", "ipv4,,tcp_ipv4", "empty name"},
    {"nic", "rss_hash_types", "", "empty name"},
    {"nic", "rx_fifo_bytes", "63", "out of range"},
    {"nic", "rx_fifo_bytes", "64k", "not an integer"},
    {"nic", "rx_fifo_bytes", "1073741825", "out of range"},
    {"nic", "quantum_cycles", "0", "out of range"},
    {"nic", "quantum_cycles", "1000001", "out of range"},
    {"nic", "irq_moderation_frames", "0", "out of range"},
    {"nic", "irq_moderation_frames", "65536", "out of range"},
    {"nic", "irq_moderation_frames", "8.5", "not an integer"},
    {"nic", "irq_moderation_us", "-1", "out of range (expected 0..100000 us) (0: no time threshold)"},
    {"nic", "irq_moderation_us", "100000.5", "out of range (expected 0..100000 us) (0: no time threshold)"},
    {"nic", "irq_moderation_us", "50us", "not a number"},
    {"nic", "irq_moderation_us", "", "empty value"},
    {"pcie", "link", "gen4", "expected gen1, gen2, gen3, pci-x or pci"},
    {"pcie", "link", "Gen1", "expected gen1, gen2, gen3, pci-x or pci"},
    {"pcie", "link", "pcix", "expected gen1, gen2, gen3, pci-x or pci"},
    {"pcie", "link", "", "expected gen1"},
    {"pcie", "lanes", "0", "expected 1, 2, 4, 8 or 16"},
    {"pcie", "lanes", "3", "expected 1, 2, 4, 8 or 16"},
    {"pcie", "lanes", "32", "expected 1, 2, 4, 8 or 16"},
    {"pcie", "lanes", "x8", "expected 1, 2, 4, 8 or 16"},
    {"pcie", "max_payload", "64", "out of range (expected 128..4096)"},
    {"pcie", "max_payload", "8192", "out of range"},
    {"pcie", "max_payload", "384", "not a power of two (expected 128, 256, ..., 4096)"},
    {"pcie", "max_payload", "256B", "not an integer"},
    {"pcie", "max_read_request", "127", "out of range"},
    {"pcie", "max_read_request", "5000", "out of range"},
    {"pcie", "max_read_request", "1000", "not a power of two"},
    {"pcie", "read_latency_ns", "0", "out of range (expected 1..100000)"},
    {"pcie", "read_latency_ns", "100001", "out of range"},
    {"pcie", "read_latency_ns", "1.5", "not an integer"},
    {"pcie", "read_tags", "0", "out of range (expected 1..256)"},
    {"pcie", "read_tags", "257", "out of range"},
    {"pcie", "posted_buffer", "63", "out of range (expected 64..1048576)"},
    {"pcie", "posted_buffer", "1048577", "out of range"},
    {"pcie", "posted_buffer", "4k", "not an integer"},
    {"host", "cpus", "0", "out of range (expected 1..64)"},
    {"host", "cpus", "65", "out of range"},
    {"host", "cpus", "two", "not an integer"},
    {"host", "cpu_mhz", "0", "out of range (expected 1..10000 MHz)"},
    {"host", "cpu_mhz", "-2660", "out of range (expected 1..10000 MHz)"},
    {"host", "cpu_mhz", "0.5", "out of range (expected 1..10000 MHz)"},
    {"host", "cpu_mhz", "1e-300", "out of range (expected 1..10000 MHz)"},
    {"host", "cpu_mhz", "10001", "out of range (expected 1..10000 MHz)"},
    {"host", "cpu_mhz", "2.66GHz", "not a number"},
    {"host", "memory_mb", "15", "out of range (expected 16..65536)"},
    {"host", "memory_mb", "65537", "out of range"},
    {"host", "memory_mb", "1G", "not an integer"},
    {"driver", "rx_ring_entries", "4", "out of range (expected 8..32768)"},
    {"driver", "rx_ring_entries", "65536", "out of range"},
    {"driver", "rx_ring_entries", "500", "not a power of two (expected 8, 16, ..., 32768)"},
    {"driver", "rx_buf_bytes", "255", "out of range (expected 256..65536)"},
    {"driver", "rx_buf_bytes", "65600", "out of range"},
    {"driver", "rx_buf_bytes", "1500", "not a multiple of 64"},
    {"driver", "rx_buf_bytes", "2k", "not an integer"},
    {"driver", "tx_ring_entries", "7", "out of range"},
    {"driver", "tx_ring_entries", "32769", "out of range"},
    {"driver", "tx_ring_entries", "96", "not a power of two"},
    {"driver", "dpc_budget", "0", "out of range (expected 1..65536)"},
    {"driver", "dpc_budget", "65537", "out of range"},
    {"driver", "dpc_budget", "-1", "must not be negative"},
    {"tcpip", "EnableRSS", "2", "expected 0/1, true/false, yes/no or on/off"},
    {"tcpip", "EnableRSS", "maybe", "expected 0/1"},
    {"tcpip", "EnableRSS", "", "expected 0/1"},
    {"tcpip", "EnableTCPChimney", "2", "expected 0/1"},
    {"tcpip", "EnableTCPA", "x", "expected 0/1"},
    {"tcpip", "MinPacketSizeToDma", "big", "not an integer"},
    {"tcpip", "MinPacketSizeToDma", "-1", "must not be negative"},
    {"tcpip", "DmaSyncCompletionHighThreshold", "1.5", "not an integer"},
    {"netdma", "channels", "0", "out of range (expected 1..4)"},
    {"netdma", "channels", "5", "out of range (expected 1..4)"},
    {"netdma", "check", "2", "expected 0/1"},
    {"netdma", "clock_mhz", "5", "out of range"},
    {"netdma", "clock_mhz", "2001", "out of range"},
    {"netdma", "ring", "8", "out of range"},
    {"netdma", "ring", "65536", "out of range"},
    {"netdma", "ring", "1000", "not a power of two"},
    {"netdma", "intr_delay_us", "100001", "out of range"},
    {"netdma", "intr_delay_us", "-1", "out of range"},
    {"netdma", "debug_break", "late", "expected none, early_complete, early_return or early_access"},
    {"host", "mem_gbps", "0", "out of range"},
    {"host", "mem_gbps", "10001", "out of range"},
    {"tcpip", "EnableChecksumOffload", "enabled", "expected 0/1"},
    {"tcpip", "TcpAckFrequency", "0", "out of range (expected 1..255)"},
    {"tcpip", "TcpAckFrequency", "256", "out of range (expected 1..255)"},
    {"tcpip", "TcpAckFrequency", "two", "not an integer"},
    {"tcpip", "TcpDelAckTicks", "7", "out of range (expected 0..6)"},
    {"tcpip", "TcpDelAckTicks", "200ms", "not an integer"},
    {"tcpip", "TcpDelAckTicks", "-1", "must not be negative"},
    {"tcpip", "TcpWindowSize", "0", "out of range (expected 1..65535)"},
    {"tcpip", "TcpWindowSize", "65536", "out of range (expected 1..65535)"},
    {"tcpip", "TcpWindowSize", "64k", "not an integer"},
    {"host", "cost_profile", "", "empty value (expected a built-in profile: xeon-2006, modern; "
                                 "or a profile file)"},
    {"host", "cost_profile", "no-such.profile", "cannot read profile file '"},
    {"host", "cost_profile", "Modern", "cannot read profile file '"},
    {"app", "recv_buffer_bytes", "0", "out of range (expected 1..1073741824)"},
    {"app", "recv_buffer_bytes", "1073741825", "out of range"},
    {"app", "recv_buffer_bytes", "64k", "not an integer"},
    {"app", "posted_buffers", "0", "out of range (expected 1..1024)"},
    {"app", "posted_buffers", "1025", "out of range (expected 1..1024)"},
    {"app", "cycles_per_byte", "-0.5", "out of range (expected 0..1000 cycles per byte)"},
    {"app", "cycles_per_byte", "1000.5", "out of range (expected 0..1000 cycles per byte)"},
    {"app", "cycles_per_byte", "2e6", "out of range (expected 0..1000 cycles per byte)"},
    {"app", "cycles_per_byte", "fast", "not a number"},
    {"app", "consume_mbps", "-1", "out of range (expected 0 for at once, or 0.001..10000000 Mb/s)"},
    {"app", "consume_mbps", "1e-300", "out of range (expected 0 for at once, or 0.001..10000000 Mb/s)"},
    {"app", "consume_mbps", "2e7", "out of range (expected 0 for at once, or 0.001..10000000 Mb/s)"},
    {"app", "consume_mbps", "100Mb", "not a number"},
    {"app", "complete_on_push", "2", "expected 0/1"},
    {"replay", "timing", "realtime", "expected recorded or topspeed"},
    {"replay", "multiplier", "0", "out of range (expected 0.001..1000000)"},
    {"replay", "multiplier", "-1", "out of range (expected 0.001..1000000)"},
    {"replay", "multiplier", "1e-300", "out of range (expected 0.001..1000000)"},
    {"replay", "multiplier", "0.0009", "out of range (expected 0.001..1000000)"},
    {"replay", "multiplier", "1e7", "out of range (expected 0.001..1000000)"},
    {"replay", "multiplier", "x2", "not a number"},
    {"replay", "mbps", "-1", "out of range (expected 0 for off, or 0.001..10000000 Mb/s)"},
    {"replay", "mbps", "1e-300", "out of range (expected 0 for off, or 0.001..10000000 Mb/s)"},
    {"replay", "mbps", "0.0001", "out of range (expected 0 for off, or 0.001..10000000 Mb/s)"},
    {"replay", "mbps", "1.5e7", "out of range (expected 0 for off, or 0.001..10000000 Mb/s)"},
    {"replay", "mbps", "fast", "not a number"},
    {"replay", "pps", "-5", "out of range (expected 0 for off, or 0.001..10000000000 frames/s)"},
    {"replay", "pps", "1e-300", "out of range (expected 0 for off, or 0.001..10000000000 frames/s)"},
    {"replay", "pps", "0.0001", "out of range (expected 0 for off, or 0.001..10000000000 frames/s)"},
    {"replay", "pps", "2e10", "out of range (expected 0 for off, or 0.001..10000000000 frames/s)"},
    {"replay", "pps", "1k", "not a number"},
    {"replay", "loop", "0", "out of range"},
    {"replay", "loop", "4294967296", "out of range"},
    {"replay", "loop", "1.5", "not an integer"},
    {"replay", "limit", "x", "not an integer"},
    {"replay", "limit", "-1", "must not be negative"},
    {"replay", "duration", "5", "missing unit"},
    {"replay", "duration", "-1ms", "negative time"},
    {"replay", "filter", "tcp port", "not a valid filter: "},
    {"replay", "filter", "host 300.1.1.1", "not a valid filter: invalid IPv4 address"},
    {"scenario", "trace", "", "empty path"},
    {"scenario", "host", "1.2.3", "'1.2.3' is not an IPv4 or IPv6 address"},
    {"scenario", "host", "", "empty address"},
};

/* [replay] limit, duration, filter */
START_TEST(replay_window_keys)
{
    loaded l;
    const ns_config *c = load_ok(&l, "[replay]\nlimit = 1000\nduration = 2.5ms\nfilter = tcp dst port 5001 and not "
                                     "host 10.0.0.9\n");
    ck_assert_uint_eq(c->replay_limit, 1000);
    ck_assert_uint_eq(c->replay_duration_ps, 2500000000ull);
    ck_assert_str_eq(c->replay_filter, "tcp dst port 5001 and not host 10.0.0.9");
    done(&l);
    c = load_ok(&l, "[replay]\nlimit = 0\nduration = 0\nfilter =\n");
    ck_assert_uint_eq(c->replay_limit, 0);
    ck_assert_uint_eq(c->replay_duration_ps, 0);
    ck_assert_str_eq(c->replay_filter, "");
    done(&l);
    /* defaults: everything */
    c = load_ok(&l, "[replay]\n");
    ck_assert_uint_eq(c->replay_limit, 0);
    ck_assert_uint_eq(c->replay_duration_ps, 0);
    ck_assert_str_eq(c->replay_filter, "");
    done(&l);
    /* a filter longer than the configuration holds */
    char text[2600];
    int n = snprintf(text, sizeof text, "[replay]\nfilter = tcp");
    for (int i = 0; i < 300; i++)
        n += snprintf(text + n, sizeof text - (size_t)n, " or tcp");
    snprintf(text + n, sizeof text - (size_t)n, "\n");
    load_bad(&l, text, 2, "replay.filter: longer than 1023 characters");
    done(&l);
}
END_TEST

START_TEST(bad_value)
{
    const struct bad_case *b = &bad_cases[_i];
    char text[512], want[512];
    /* the key on line 4, after a comment and a blank line */
    snprintf(text, sizeof text, "[%s]\n; comment\n\n  %s = %s\n", b->section, b->key, b->value);
    loaded l;
    load_bad(&l, text, 4, b->why);
    snprintf(want, sizeof want, ": %s.%s: %s", b->section, b->key, b->why);
    ck_assert_msg(strstr(l.err, want) != NULL, "expected '%s' in '%s'", want, l.err);
    snprintf(want, sizeof want, "('%s')", b->value);
    ck_assert_msg(strstr(l.err, want) != NULL, "expected '%s' in '%s'", want, l.err);
    done(&l);

    /* the same through --set: "--set: SECTION.KEY: why ('VALUE')" */
    cli_scenario *sc = cli_scenario_new();
    char assign[256], err[1024];
    snprintf(assign, sizeof assign, "%s.%s=%s", b->section, b->key, b->value);
    int rc = cli_scenario_set(sc, assign, err, sizeof err);
    ck_assert_int_eq(rc, CLI_EUSAGE);
    snprintf(want, sizeof want, "--set: %s.%s: %s", b->section, b->key, b->why);
    ck_assert_msg(strncmp(err, want, strlen(want)) == 0, "expected '%s...', got '%s'", want, err);
    cli_scenario_free(sc);
}
END_TEST

/* Both ends of every number's range are accepted, exactly (docs/scenarios.md). */
START_TEST(number_range_edges)
{
    loaded l;
    const ns_config *c = load_ok(&l, "[nic]\nclock_mhz = 1\nlink_gbps = 0.01\n"
                                     "irq_moderation_us = 100000\n"
                                     "[host]\ncpu_mhz = 10000\n[app]\ncycles_per_byte = 1000\n"
                                     "consume_mbps = 0.001\n"
                                     "[replay]\nmultiplier = 0.001\npps = 0.001\n");
    ck_assert(c->clock_mhz == 1.0);
    ck_assert(c->link_gbps == 0.01);
    ck_assert(c->irq_moderation_us == 100000.0);
    ck_assert(c->cpu_mhz == 10000.0);
    ck_assert(c->stack.app_cycles_per_byte == 1000.0);
    ck_assert(c->stack.app_rate_bytes_per_s == HS_APP_RATE_MIN);
    ck_assert(c->multiplier == 0.001);
    ck_assert(c->pps == 0.001);
    char err[256];
    ck_assert_int_eq(ns_config_check(c, err, sizeof err), 0);
    done(&l);
    c = load_ok(&l, "[nic]\nclock_mhz = 2000\nlink_gbps = 1000\n[host]\ncpu_mhz = 1\n"
                    "[app]\nconsume_mbps = 1e7\n[replay]\nmultiplier = 1e6\nmbps = 0.001\n");
    ck_assert(c->clock_mhz == 2000.0);
    ck_assert(c->link_gbps == 1000.0);
    ck_assert(c->cpu_mhz == 1.0);
    ck_assert(c->stack.app_rate_bytes_per_s == HS_APP_RATE_MAX);
    ck_assert(c->multiplier == 1e6);
    ck_assert(c->mbps == 0.001);
    ck_assert_int_eq(ns_config_check(c, err, sizeof err), 0);
    done(&l);
    c = load_ok(&l, "[replay]\nmbps = 1e7\n");
    ck_assert(c->mbps == 1e7);
    done(&l);
    c = load_ok(&l, "[replay]\npps = 1e10\n");
    ck_assert(c->pps == 1e10);
    done(&l);
}
END_TEST

/* The model's own check (ns_config_check) stops what the scenario reader would have refused:
 * the reproductions of the fuzzing findings, set directly in an ns_config. */
START_TEST(config_check_defence)
{
    static const struct {
        size_t off;
        double v;
        const char *want;
    } cases[] = {
        {offsetof(ns_config, clock_mhz), 1e-14, "nic.clock_mhz 1e-14 is out of range"},
        {offsetof(ns_config, clock_mhz), 1e-13, "nic.clock_mhz 1e-13 is out of range"},
        {offsetof(ns_config, link_gbps), 1e-300, "nic.link_gbps 1e-300 is out of range"},
        {offsetof(ns_config, mbps), 1e-300, "replay.mbps 1e-300 is out of range"},
        {offsetof(ns_config, pps), 1e-300, "replay.pps 1e-300 is out of range"},
        {offsetof(ns_config, multiplier), 1e-300, "replay.multiplier 1e-300 is out of range"},
        {offsetof(ns_config, multiplier), 0, "replay.multiplier 0 is out of range"},
        {offsetof(ns_config, cpu_mhz), 1e-9, "host.cpu_mhz 1e-09 is out of range"},
        {offsetof(ns_config, irq_moderation_us), -1, "nic.irq_moderation_us -1 is out of range"},
        {offsetof(ns_config, clock_mhz), NAN, "nic.clock_mhz nan is out of range"},
    };
    char err[256];
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        ns_config c;
        ns_config_defaults(&c);
        ns_config_finalize(&c);
        ck_assert_int_eq(ns_config_check(&c, err, sizeof err), 0);
        memcpy((char *)&c + cases[i].off, &cases[i].v, sizeof(double));
        ck_assert_int_eq(ns_config_check(&c, err, sizeof err), -2);
        ck_assert_msg(strstr(err, cases[i].want), "expected '%s' in '%s'", cases[i].want, err);
    }
}
END_TEST

START_TEST(long_values_quoted_short)
{
    loaded l;
    char text[512] = "[nic]\nrss_key = ";
    for (int i = 0; i < 60; i++)
        strcat(text, "ab:");
    strcat(text, "ab\n");
    load_bad(&l, text, 2, "got 122");
    ck_assert_ptr_nonnull(strstr(l.err, "...')"));
    done(&l);
}
END_TEST

/* ---- structure errors ---- */

START_TEST(unknown_key)
{
    loaded l;
    load_bad(&l, "[nic]\nmtu = 1500\nbogus = 1\n", 3, "unknown key 'nic.bogus'");
    done(&l);
    load_bad(&l, "[nic]\nMTU = 1500\n", 2, "unknown key 'nic.MTU' (did you mean 'nic.mtu'?)");
    done(&l);
    load_bad(&l, "[nic]\nEnableRSS = 1\n", 2,
             "unknown key 'nic.EnableRSS' (did you mean 'tcpip.EnableRSS'?)");
    done(&l);
    load_bad(&l, "[tcpip]\nenablerss = 1\n", 2, "(did you mean 'tcpip.EnableRSS'?)");
    done(&l);
    /* Windows knobs that are not modelled yet are not silently accepted */
    load_bad(&l, "[tcpip]\nTcpMaxDataRetransmissions = 1\n", 2,
             "unknown key 'tcpip.TcpMaxDataRetransmissions'");
    done(&l);
    load_bad(&l, "mtu = 1500\n", 1, "key 'mtu' is outside any section");
    done(&l);
}
END_TEST

START_TEST(unknown_section)
{
    loaded l;
    load_bad(&l, "[nic]\nmtu = 1500\n\n[firewall]\nenable = 1\n", 4,
             "unknown section '[firewall]' (expected [scenario], [nic], [pcie], [host], [driver], "
             "[tcpip], [app], [chimney], [netdma], [replay] or [events])");
    done(&l);
    /* [host] is a section now; its Windows flags are not keys (yet) */
    load_bad(&l, "[host]\nfirewall = 1\n", 2, "unknown key 'host.firewall'");
    done(&l);
    load_bad(&l, "[Host]\n", 1, "unknown section '[Host]'");
    done(&l);
    /* even an empty one */
    load_bad(&l, "[Nic]\n", 1, "unknown section '[Nic]'");
    done(&l);
    load_bad(&l, "[nic\nmtu = 1500\n", 1, "missing ']'");
    done(&l);
    load_bad(&l, "[nic] mtu = 1500\n", 1, "unexpected text after the section header");
    done(&l);
    /* a section header with a comment is fine */
    load_text(&l, "[nic] ; the NIC\nmtu = 1400\n");
    ck_assert_int_eq(l.rc, CLI_OK);
    done(&l);
}
END_TEST

START_TEST(syntax_error)
{
    loaded l;
    load_bad(&l, "[nic]\nmtu = 1500\nrss_queues\n", 3, "expected 'key = value'");
    done(&l);
    load_bad(&l, "[nic]\nmtu ; = 9000\n", 2, "expected 'key = value'");
    done(&l);
}
END_TEST

START_TEST(first_error_wins)
{
    loaded l;
    load_bad(&l, "[nic]\nmtu = 1\nrss_queues = 0\n[bogus]\n", 2, "nic.mtu");
    done(&l);
}
END_TEST

START_TEST(missing_file)
{
    cli_scenario *sc = cli_scenario_new();
    char err[1024], path[1100];
    snprintf(path, sizeof path, "%s/nope.ini", tmpdir);
    int rc = cli_scenario_load(sc, path, err, sizeof err);
    ck_assert_int_eq(rc, CLI_EUSAGE);
    ck_assert_ptr_nonnull(strstr(err, "cannot open scenario"));
    ck_assert_ptr_nonnull(strstr(err, "nope.ini"));
    cli_scenario_free(sc);

    /* a directory */
    sc = cli_scenario_new();
    rc = cli_scenario_load(sc, tmpdir, err, sizeof err);
    ck_assert_int_eq(rc, CLI_EUSAGE);
    ck_assert_ptr_nonnull(strstr(err, "cannot read scenario"));
    cli_scenario_free(sc);
}
END_TEST

START_TEST(file_format)
{
    loaded l;
    /* BOM, CRLF, indentation (not a continuation), '#' and ';' comments, ':' separator */
    const ns_config *c = load_ok(&l,
        "\xef\xbb\xbf[nic]\r\n"
        "# comment\r\n"
        "    mtu = 1400\r\n"
        "\trss_queues = 2 ; two\r\n"
        "rx_fifo_bytes: 4096\r\n");
    ck_assert_uint_eq(c->mtu, 1400);
    ck_assert_int_eq(c->rss_queues, 2);
    ck_assert_uint_eq(c->rx_fifo_bytes, 4096);
    done(&l);
    /* NUL bytes: not a text file */
    char path[1100];
    snprintf(path, sizeof path, "%s/bin.ini", tmpdir);
    FILE *f = fopen(path, "wb");
    fwrite("[nic]\nmtu\0= 1\n", 1, 14, f);
    fclose(f);
    cli_scenario *sc = cli_scenario_new();
    char err[1024];
    ck_assert_int_eq(cli_scenario_load(sc, path, err, sizeof err), CLI_EUSAGE);
    ck_assert_ptr_nonnull(strstr(err, ":2: NUL byte"));
    cli_scenario_free(sc);
}
END_TEST

/* ---- duplicates, --set, warnings ---- */

START_TEST(duplicate_key_warning)
{
    loaded l;
    const ns_config *c = load_ok(&l, "[nic]\nmtu = 1400\nrss_queues = 2\n\n[nic]\nmtu = 1300\n");
    ck_assert_uint_eq(c->mtu, 1300);
    ck_assert_uint_eq(cli_scenario_warning_count(l.sc), 1);
    char want[1200];
    snprintf(want, sizeof want, "%s:6: nic.mtu is also set on line 2; the later value (line 6) wins",
             l.path);
    ck_assert_str_eq(cli_scenario_warning(l.sc, 0), want);
    ck_assert_ptr_null(cli_scenario_warning(l.sc, 1));
    done(&l);
}
END_TEST

START_TEST(set_overrides)
{
    loaded l;
    load_text(&l, "[nic]\nmtu = 1400\nrss_queues = 2\n[scenario]\ntrace = a.pcap\n");
    ck_assert_int_eq(l.rc, CLI_OK);
    char err[1024];
    ck_assert_int_eq(cli_scenario_set(l.sc, "nic.mtu=9000", err, sizeof err), CLI_OK);
    ck_assert_int_eq(cli_scenario_set(l.sc, " nic . rss_queues = 4 ", err, sizeof err), CLI_OK);
    ck_assert_int_eq(cli_scenario_set(l.sc, "scenario.name=from the command line", err, sizeof err),
                     CLI_OK);
    ck_assert_int_eq(cli_scenario_set(l.sc, "scenario.host=::1,192.0.2.7", err, sizeof err), CLI_OK);
    /* overriding the file is the point of --set: no warning */
    ck_assert_uint_eq(cli_scenario_warning_count(l.sc), 0);
    ck_assert_int_eq(cli_scenario_set(l.sc, "nic.mtu=8000", err, sizeof err), CLI_OK);
    ck_assert(warning_contains(l.sc, "--set: nic.mtu is given more than once", NULL));
    ck_assert_int_eq(cli_scenario_finish(l.sc, NULL, err, sizeof err), CLI_OK);
    const ns_config *c = cli_scenario_config(l.sc);
    ck_assert_uint_eq(c->mtu, 8000);
    ck_assert_int_eq(c->rss_queues, 4);
    for (int i = 0; i < 128; i++)
        ck_assert_int_eq(c->table[i], i % 4);  /* round-robin over the final queue count */
    ck_assert_str_eq(cli_scenario_name(l.sc), "from the command line");
    ck_assert_int_eq(c->host_count, 2);
    ck_assert_int_eq(c->hosts[0].family, 6);
    ck_assert_int_eq(c->hosts[0].a[15], 1);
    ck_assert_int_eq(c->hosts[1].family, 4);
    ck_assert_int_eq(c->hosts[1].a[3], 7);
    done(&l);
}
END_TEST

START_TEST(set_errors)
{
    cli_scenario *sc = cli_scenario_new();
    char err[1024];
    ck_assert_int_eq(cli_scenario_set(sc, "nic.bogus=1", err, sizeof err), CLI_EUSAGE);
    ck_assert_str_eq(err, "--set: unknown key 'nic.bogus'");
    ck_assert_int_eq(cli_scenario_set(sc, "host.firewall=1", err, sizeof err), CLI_EUSAGE);
    ck_assert_str_eq(err, "--set: unknown key 'host.firewall'");
    ck_assert_int_eq(cli_scenario_set(sc, "nic.MTU=1", err, sizeof err), CLI_EUSAGE);
    ck_assert_str_eq(err, "--set: unknown key 'nic.MTU' (did you mean 'nic.mtu'?)");
    static const char *const malformed[] = {"nicmtu=5", "nic.mtu", "mtu=5", ".mtu=5", "nic.=5",
                                            "nic=mtu.5", ""};
    for (size_t i = 0; i < sizeof malformed / sizeof malformed[0]; i++) {
        ck_assert_int_eq(cli_scenario_set(sc, malformed[i], err, sizeof err), CLI_EUSAGE);
        ck_assert_msg(strstr(err, "--set: expected SECTION.KEY=VALUE") == err, "%s: %s",
                      malformed[i], err);
    }
    cli_scenario_free(sc);
}
END_TEST

START_TEST(set_without_file)
{
    /* a scenario built from --set alone (no file) still works */
    cli_scenario *sc = cli_scenario_new();
    char err[1024];
    ck_assert_int_eq(cli_scenario_set(sc, "scenario.trace=rel/x.pcap", err, sizeof err), CLI_OK);
    ck_assert_int_eq(cli_scenario_finish(sc, NULL, err, sizeof err), CLI_OK);
    ck_assert_str_eq(cli_scenario_trace(sc), "rel/x.pcap");  /* relative to the cwd */
    ck_assert_int_eq(cli_scenario_finish(sc, NULL, err, sizeof err), CLI_EUSAGE);
    ck_assert_int_eq(cli_scenario_set(sc, "nic.mtu=1400", err, sizeof err), CLI_EUSAGE);
    cli_scenario_free(sc);
}
END_TEST

START_TEST(chimney_warnings)
{
    /* EnableTCPChimney and EnableTCPA have an effect (both are modelled): no warning */
    loaded l;
    load_ok(&l, "[tcpip]\nEnableTCPChimney = 1\nEnableTCPA = 0\n");
    ck_assert_uint_eq(cli_scenario_warning_count(l.sc), 0);
    ck_assert_int_eq(cli_scenario_config(l.sc)->stack.chimney, 1);
    ck_assert_int_eq(cli_scenario_config(l.sc)->stack.netdma, 0);
    done(&l);

    /* the port lists: at most 12 per value, incorrect ports ignored, each with a warning */
    load_ok(&l, "[tcpip]\nOffloadExcludeDestinationPorts = 1 2 3 4 5 6 7 8 9 10 11 12 13\n"
                "OffloadIncludeSourcePorts = 80,abc 70000\n[host]\nbridging = 1\n"
                "[chimney]\npolicy = automatic\nauto_min_bytes = 1000\n");
    ck_assert_uint_eq(cli_scenario_warning_count(l.sc), 3);
    ck_assert(warning_contains(l.sc, ":2: tcpip.OffloadExcludeDestinationPorts: 1 port beyond the "
                                     "first 12 ignored", NULL));
    ck_assert(warning_contains(l.sc, ":3: tcpip.OffloadIncludeSourcePorts: incorrect port 'abc' "
                                     "ignored", NULL));
    ck_assert(warning_contains(l.sc, ":3: tcpip.OffloadIncludeSourcePorts: incorrect port '70000' "
                                     "ignored", NULL));
    const hs_config *h = &cli_scenario_config(l.sc)->stack;
    ck_assert_int_eq(h->n_exclude_dst, 12);
    ck_assert_int_eq(h->n_include_src, 1);
    ck_assert_uint_eq(h->offload_include_src[0], 80);
    ck_assert_int_eq(h->ip_nat, 1); /* bridging turns IP NAT and IPsec on */
    ck_assert_int_eq(h->ipsec, 1);
    ck_assert_int_eq(h->chimney_policy, HS_CHIMNEY_AUTOMATIC);
    ck_assert_uint_eq(h->auto_min_bytes, 1000);
    done(&l);

    cli_scenario *sc = cli_scenario_new();
    char err[1024];
    ck_assert_int_eq(cli_scenario_set(sc, "tcpip.EnableTCPChimney=0", err, sizeof err), CLI_OK);
    ck_assert_uint_eq(cli_scenario_warning_count(sc), 0);
    ck_assert_int_eq(cli_scenario_set(sc, "host.bridging=0", err, sizeof err), CLI_OK);
    ck_assert_int_eq(cli_scenario_set(sc, "chimney.policy=sometimes", err, sizeof err), CLI_EUSAGE);
    /* timed events ([events]), kept in time order */
    ck_assert_int_eq(cli_scenario_set(sc, "events.40ms=netsh int ip set chimney ENABLED", err, sizeof err), CLI_OK);
    ck_assert_int_eq(cli_scenario_set(sc, "events.20ms=netsh int ip set chimney DISABLED", err, sizeof err), CLI_OK);
    ck_assert_int_eq(cli_scenario_set(sc, "events.30ms=link down", err, sizeof err), CLI_OK);
    const ns_config *nc = cli_scenario_config(sc);
    ck_assert_int_eq(nc->nevents, 3);
    ck_assert_uint_eq(nc->events[0].at_ps, 20000000000ull);
    ck_assert_int_eq(nc->events[0].kind, NS_EV_CHIMNEY_DISABLED);
    ck_assert_int_eq(nc->events[1].kind, NS_EV_LINK_DOWN);
    ck_assert_int_eq(nc->events[2].kind, NS_EV_CHIMNEY_ENABLED);
    /* written exactly so */
    ck_assert_int_eq(cli_scenario_set(sc, "events.5ms=netsh int ip set chimney disabled", err, sizeof err), CLI_EUSAGE);
    ck_assert_ptr_nonnull(strstr(err, "unknown action"));
    ck_assert_int_eq(cli_scenario_set(sc, "events.soon=link up", err, sizeof err), CLI_EUSAGE);
    ck_assert_ptr_nonnull(strstr(err, "not a time"));
    cli_scenario_free(sc);
}
END_TEST

START_TEST(replay_warnings)
{
    loaded l;
    load_ok(&l, "[replay]\ntiming = topspeed\nmultiplier = 2\n");
    ck_assert(warning_contains(l.sc, ":3: replay.multiplier has no effect with replay.timing = "
                                     "topspeed", NULL));
    done(&l);
    load_ok(&l, "[replay]\nmultiplier = 2\npps = 1000\n");
    ck_assert(warning_contains(l.sc, ":2: replay.multiplier has no effect: replay.pps sets a fixed "
                                     "rate", NULL));
    done(&l);
    load_ok(&l, "[replay]\nmultiplier = 2\n");
    ck_assert_uint_eq(cli_scenario_warning_count(l.sc), 0);
    done(&l);
}
END_TEST

/* ---- cross-key checks ---- */

START_TEST(table_against_queues)
{
    loaded l;
    /* rss_queues after the table: checked once everything is read */
    const ns_config *c = load_ok(&l, "[nic]\nindirection_table = 0,1,2,3\nrss_queues = 4\n");
    ck_assert_int_eq(c->table_size, 4);
    ck_assert_int_eq(c->table[3], 3);
    done(&l);

    load_text(&l, "[nic]\nrss_queues = 2\n\nindirection_table = 0,1,2,3\n");
    ck_assert_int_eq(l.rc, CLI_OK);
    int rc = cli_scenario_finish(l.sc, "t.pcap", l.err, sizeof l.err);
    ck_assert_int_eq(rc, CLI_EUSAGE);
    expect_at(&l, 4, "nic.indirection_table: entry 2 is queue 2 but nic.rss_queues is 2 "
                     "(queues 0..1) ('0,1,2,3')");
    done(&l);

    /* --set lowering rss_queues below the table */
    load_text(&l, "[nic]\nrss_queues = 4\nindirection_table = 0,1,2,3\n");
    ck_assert_int_eq(cli_scenario_set(l.sc, "nic.rss_queues=3", l.err, sizeof l.err), CLI_OK);
    ck_assert_int_eq(cli_scenario_finish(l.sc, "t.pcap", l.err, sizeof l.err), CLI_EUSAGE);
    expect_at(&l, 3, "entry 3 is queue 3 but nic.rss_queues is 3");
    done(&l);

    /* table from --set */
    load_text(&l, "[nic]\nrss_queues = 2\n");
    ck_assert_int_eq(cli_scenario_set(l.sc, "nic.indirection_table=1,0,1,1", l.err, sizeof l.err),
                     CLI_OK);
    ck_assert_int_eq(cli_scenario_finish(l.sc, "t.pcap", l.err, sizeof l.err), CLI_OK);
    c = cli_scenario_config(l.sc);
    ck_assert_int_eq(c->table_size, 4);
    ck_assert_int_eq(c->table[0], 1);
    ck_assert_int_eq(c->table[1], 0);
    done(&l);
}
END_TEST

START_TEST(table_sizes)
{
    /* every power of two up to 128, including one long line of 128 entries */
    for (int n = 1; n <= 128; n *= 2) {
        char text[1024] = "[nic]\nrss_queues = 16\nindirection_table = ";
        for (int i = 0; i < n; i++) {
            char e[8];
            snprintf(e, sizeof e, "%s%d", i ? ", " : "", (i * 7) % 16);
            strcat(text, e);
        }
        strcat(text, " ; comment after a long value\n");
        loaded l;
        const ns_config *c = load_ok(&l, text);
        ck_assert_int_eq(c->table_size, n);
        ck_assert_int_eq(c->table_given, 1);
        for (int i = 0; i < n; i++)
            ck_assert_int_eq(c->table[i], (i * 7) % 16);
        done(&l);
    }
    char text[2048] = "[nic]\nrss_queues = 2\nindirection_table = 0";
    for (int i = 1; i < 129; i++)
        strcat(text, ",1");
    strcat(text, "\n");
    loaded l;
    load_bad(&l, text, 3, "more than 128 entries");
    done(&l);
    load_bad(&l, "[nic]\nindirection_table = 0,0,0,0,0,0\n", 2, "6 entries");
    done(&l);
}
END_TEST

START_TEST(rss_key_forms)
{
    static const char hex[] = "6d5a56da255b0ec24167253d43a38fb0d0ca2bcbae7b30b477cb2da38030f20c"
                              "6a42b73bbeac01fa";
    char text[512];
    loaded l;
    snprintf(text, sizeof text, "[nic]\nrss_key = %s\n", hex);
    ck_assert_mem_eq(load_ok(&l, text)->rss_key, rss_default_key, 40);
    done(&l);
    /* upper case, 0X prefix, ':' between bytes */
    char colons[160] = "";
    for (int i = 0; i < 40; i++) {
        char b[4];
        snprintf(b, sizeof b, "%s%02X", i ? ":" : "", rss_default_key[i]);
        strcat(colons, b);
    }
    snprintf(text, sizeof text, "[nic]\nrss_key = 0X%s\n", colons);
    ck_assert_mem_eq(load_ok(&l, text)->rss_key, rss_default_key, 40);
    done(&l);
    /* lengths */
    snprintf(text, sizeof text, "[nic]\nrss_key = %.78s\n", hex);
    load_bad(&l, text, 2, "expected 80 hex digits (40 bytes), got 78");
    done(&l);
    snprintf(text, sizeof text, "[nic]\nrss_key = %sab\n", hex);
    load_bad(&l, text, 2, "got 82");
    done(&l);
    snprintf(text, sizeof text, "[nic]\nrss_key = %.79s\n", hex);
    load_bad(&l, text, 2, "got 79");
    done(&l);
    load_bad(&l, "[nic]\nrss_key = 0x\n", 2, "got 0");
    done(&l);
    /* characters */
    snprintf(text, sizeof text, "[nic]\nrss_key = %.78sg0\n", hex);
    load_bad(&l, text, 2, "'g' is not a hex digit");
    done(&l);
    snprintf(text, sizeof text, "[nic]\nrss_key = %.40s %.40s\n", hex, hex + 40);
    load_bad(&l, text, 2, "spaces are not allowed");
    done(&l);
    snprintf(text, sizeof text, "[nic]\nrss_key = %.40s-%.40s\n", hex, hex + 40);
    load_bad(&l, text, 2, "'-' is not a hex digit");
    done(&l);
}
END_TEST

START_TEST(host_lists)
{
    loaded l;
    const ns_config *c = load_ok(&l, "[scenario]\nhost = auto\n");
    ck_assert_int_eq(c->host_mode, NS_HOST_AUTO);
    done(&l);
    c = load_ok(&l, "[scenario]\nhost = any\n");
    ck_assert_int_eq(c->host_mode, NS_HOST_ANY);
    ck_assert_int_eq(c->host_count, 0);
    done(&l);
    c = load_ok(&l, "[scenario]\nhost = 192.0.2.1 , 2001:db8::5,10.1.2.3\n");
    ck_assert_int_eq(c->host_mode, NS_HOST_LIST);
    ck_assert_int_eq(c->host_count, 3);
    uint8_t v6[16];
    inet_pton(AF_INET6, "2001:db8::5", v6);
    ck_assert_int_eq(c->hosts[0].family, 4);
    ck_assert_int_eq(c->hosts[1].family, 6);
    ck_assert_mem_eq(c->hosts[1].a, v6, 16);
    ck_assert_int_eq(c->hosts[2].family, 4);
    ck_assert_int_eq(c->hosts[2].a[1], 1);
    done(&l);
    c = load_ok(&l, "[scenario]\nhost = ::ffff:10.0.0.1\n");
    ck_assert_int_eq(c->hosts[0].family, 6);
    ck_assert_int_eq(c->hosts[0].port, 0);
    done(&l);
    /* one side of a loopback conversation: address and port */
    c = load_ok(&l, "[scenario]\nhost = 127.0.0.1:5201, [::1]:443, 10.0.0.1\n");
    ck_assert_int_eq(c->host_count, 3);
    ck_assert_int_eq(c->hosts[0].family, 4);
    ck_assert_int_eq(c->hosts[0].a[0], 127);
    ck_assert_int_eq(c->hosts[0].port, 5201);
    ck_assert_int_eq(c->hosts[1].family, 6);
    ck_assert_int_eq(c->hosts[1].a[15], 1);
    ck_assert_int_eq(c->hosts[1].port, 443);
    ck_assert_int_eq(c->hosts[2].port, 0);
    done(&l);

    /* sixteen is the limit */
    char text[1024] = "[scenario]\nhost = ";
    for (int i = 0; i < 16; i++) {
        char a[24];
        snprintf(a, sizeof a, "%s10.0.0.%d", i ? "," : "", i + 1);
        strcat(text, a);
    }
    char text17[1100];
    snprintf(text17, sizeof text17, "%s,10.0.0.17\n", text);
    strcat(text, "\n");
    ck_assert_int_eq(load_ok(&l, text)->host_count, 16);
    done(&l);
    load_bad(&l, text17, 2, "at most 16 addresses");
    done(&l);

    static const struct {
        const char *v, *why;
    } bad[] = {
        {"1.2.3", "'1.2.3' is not an IPv4 or IPv6 address"},
        {"256.1.1.1", "'256.1.1.1' is not an IPv4"},
        {"10.0.0.1,", "empty address"},
        {",10.0.0.1", "empty address"},
        {"10.0.0.1 10.0.0.2", "not an IPv4 or IPv6"},
        {"auto,10.0.0.1", "'auto' cannot be combined"},
        {"10.0.0.1,any", "'any' cannot be combined"},
        {"fe80::1%eth0", "not an IPv4 or IPv6"},
        {"[::1]", "not an IPv4 or IPv6"},
        {"2001:db8::g", "not an IPv4 or IPv6"},
        {"localhost", "not an IPv4 or IPv6"},
        {"127.0.0.1:0", "'0' is not a port"},
        {"127.0.0.1:65536", "'65536' is not a port"},
        {"127.0.0.1:", "'' is not a port"},
        {"[::1]:http", "'http' is not a port"},
        {"[::1]:-5", "'-5' is not a port"},
        {"[127.0.0.1:5]", "not an IPv4 or IPv6"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        snprintf(text, sizeof text, "[scenario]\nhost = %s\n", bad[i].v);
        load_bad(&l, text, 2, bad[i].why);
        done(&l);
    }
}
END_TEST

START_TEST(fix_checksums_key)
{
    loaded l;
    ck_assert_int_eq(load_ok(&l, "[scenario]\nname = x\n")->fix_checksums, NS_FIX_CSUM_AUTO);
    done(&l);
    ck_assert_int_eq(load_ok(&l, "[replay]\nfix_checksums = off\n")->fix_checksums,
                     NS_FIX_CSUM_OFF);
    done(&l);
    ck_assert_int_eq(load_ok(&l, "[replay]\nfix_checksums = auto\n")->fix_checksums,
                     NS_FIX_CSUM_AUTO);
    done(&l);
    load_bad(&l, "[replay]\nfix_checksums = yes\n", 2, "expected auto or off");
    done(&l);
}
END_TEST

START_TEST(hash_types)
{
    loaded l;
    ck_assert_uint_eq(load_ok(&l, "[nic]\nrss_hash_types = none\n")->rss_hash_types, 0);
    done(&l);
    ck_assert_uint_eq(load_ok(&l, "[nic]\nrss_hash_types = ipv4,tcp_ipv4,udp_ipv4,ipv6,"
                                  "tcp_ipv6,udp_ipv6\n")->rss_hash_types, 0x3f);
    done(&l);
    ck_assert_uint_eq(load_ok(&l, "[nic]\nrss_hash_types = tcp_ipv6\n")->rss_hash_types,
                      RSS_HT_BIT(RSS_HT_TCP_IPV6));
    done(&l);
    load_bad(&l, "[nic]\nrss_hash_types = ipv4,ipv6_ex\n", 2,
             "nic.rss_hash_types: 'ipv6_ex' is not supported");
    done(&l);
}
END_TEST

START_TEST(rate_conflict)
{
    loaded l;
    load_text(&l, "[replay]\nmbps = 100\n\npps = 1000\n");
    ck_assert_int_eq(l.rc, CLI_OK);
    ck_assert_int_eq(cli_scenario_finish(l.sc, "t.pcap", l.err, sizeof l.err), CLI_EUSAGE);
    char want[1200];
    snprintf(want, sizeof want, "replay.pps cannot be combined with replay.mbps (set at %s:2)",
             l.path);
    expect_at(&l, 4, want);
    done(&l);

    load_text(&l, "[replay]\npps = 1000\n");
    ck_assert_int_eq(cli_scenario_set(l.sc, "replay.mbps=10", l.err, sizeof l.err), CLI_OK);
    ck_assert_int_eq(cli_scenario_finish(l.sc, "t.pcap", l.err, sizeof l.err), CLI_EUSAGE);
    snprintf(want, sizeof want, "--set: replay.mbps cannot be combined with replay.pps (set at "
                                "%s:2)", l.path);
    ck_assert_msg(strstr(l.err, want) == l.err, "got '%s'", l.err);
    done(&l);

    /* 0 turns a rate off again */
    load_text(&l, "[replay]\npps = 1000\n");
    ck_assert_int_eq(cli_scenario_set(l.sc, "replay.pps=0", l.err, sizeof l.err), CLI_OK);
    ck_assert_int_eq(cli_scenario_set(l.sc, "replay.mbps=10", l.err, sizeof l.err), CLI_OK);
    ck_assert_int_eq(cli_scenario_finish(l.sc, "t.pcap", l.err, sizeof l.err), CLI_OK);
    ck_assert(cli_scenario_config(l.sc)->mbps == 10.0);
    ck_assert(cli_scenario_config(l.sc)->pps == 0.0);
    done(&l);
}
END_TEST

START_TEST(trace_paths)
{
    loaded l;
    char want[1200];
    /* relative to the scenario's directory */
    load_text(&l, "[scenario]\ntrace = ../traces/q.pcap\n");
    ck_assert_int_eq(cli_scenario_finish(l.sc, NULL, l.err, sizeof l.err), CLI_OK);
    snprintf(want, sizeof want, "%s/../traces/q.pcap", tmpdir);
    ck_assert_str_eq(cli_scenario_trace(l.sc), want);
    ck_assert_str_eq(cli_scenario_config(l.sc)->trace_path, want);
    done(&l);
    /* absolute: as written */
    load_text(&l, "[scenario]\ntrace = /data/q.pcap\n");
    ck_assert_int_eq(cli_scenario_finish(l.sc, NULL, l.err, sizeof l.err), CLI_OK);
    ck_assert_str_eq(cli_scenario_trace(l.sc), "/data/q.pcap");
    done(&l);
    /* --trace wins */
    load_text(&l, "[scenario]\ntrace = q.pcap\n");
    ck_assert_int_eq(cli_scenario_finish(l.sc, "other.pcap", l.err, sizeof l.err), CLI_OK);
    ck_assert_str_eq(cli_scenario_trace(l.sc), "other.pcap");
    done(&l);
    /* none at all */
    load_text(&l, "[scenario]\nname = x\n");
    ck_assert_int_eq(cli_scenario_finish(l.sc, NULL, l.err, sizeof l.err), CLI_EUSAGE);
    ck_assert_msg(strstr(l.err, "no trace: give --trace FILE") == l.err, "%s", l.err);
    ck_assert_ptr_null(cli_scenario_trace(l.sc));
    done(&l);
    /* scenario in the current directory: path unchanged */
    cli_scenario *sc = cli_scenario_new();
    char err[1024];
    ck_assert_int_eq(chdir(tmpdir), 0);
    tu_write(tmpdir, "here.ini", "[scenario]\ntrace = t/x.pcap\n", want, sizeof want);
    ck_assert_int_eq(cli_scenario_load(sc, "here.ini", err, sizeof err), CLI_OK);
    ck_assert_int_eq(cli_scenario_finish(sc, NULL, err, sizeof err), CLI_OK);
    ck_assert_str_eq(cli_scenario_trace(sc), "t/x.pcap");
    ck_assert_str_eq(cli_scenario_name(sc), "here");
    cli_scenario_free(sc);
}
END_TEST

START_TEST(rss_queues_limit)
{
    loaded l;
    /* 16 RX queues are built into the NIC */
    ck_assert_int_eq(load_ok(&l, "[nic]\nrss_queues = 16\n")->rss_queues, 16);
    done(&l);
    load_text(&l, "[nic]\nmtu = 1500\nrss_queues = 17\n");
    ck_assert_int_eq(l.rc, CLI_OK);
    ck_assert_int_eq(cli_scenario_finish(l.sc, "t.pcap", l.err, sizeof l.err), CLI_EUSAGE);
    expect_at(&l, 3, "nic.rss_queues: 17 exceeds the 16 RX queues the NIC is built with "
                     "(expected 1..16)");
    done(&l);
    /* checked before the table, which would otherwise pass */
    load_text(&l, "[nic]\nrss_queues = 32\nindirection_table = 0,31\n");
    ck_assert_int_eq(cli_scenario_finish(l.sc, "t.pcap", l.err, sizeof l.err), CLI_EUSAGE);
    expect_at(&l, 2, "nic.rss_queues: 32 exceeds");
    done(&l);
    /* through --set, and put right by a later --set */
    load_text(&l, "[nic]\nrss_queues = 4\n");
    ck_assert_int_eq(cli_scenario_set(l.sc, "nic.rss_queues=64", l.err, sizeof l.err), CLI_OK);
    ck_assert_int_eq(cli_scenario_finish(l.sc, "t.pcap", l.err, sizeof l.err), CLI_EUSAGE);
    ck_assert_msg(strstr(l.err, "--set: nic.rss_queues: 64 exceeds the 16 RX queues") == l.err,
                  "%s", l.err);
    done(&l);
    load_text(&l, "[nic]\nrss_queues = 20\n");
    ck_assert_int_eq(cli_scenario_set(l.sc, "nic.rss_queues=8", l.err, sizeof l.err), CLI_OK);
    ck_assert_int_eq(cli_scenario_finish(l.sc, "t.pcap", l.err, sizeof l.err), CLI_OK);
    done(&l);
}
END_TEST

START_TEST(memory_check)
{
    loaded l;
    /* 4 queues x 2048 x (2048 + 32) + 256 x (2048 + 32) + 1 MiB = 18620416 bytes = 17.76 MiB */
    static const char rings[] = "[nic]\nrss_queues = 4\n[driver]\nrx_ring_entries = 2048\n"
                                "rx_buf_bytes = 2048\n[host]\nmemory_mb = %d\n[tcpip]\nEnableTCPA = 0\n";
    char text[256];
    snprintf(text, sizeof text, rings, 18);
    ck_assert_uint_eq(load_ok(&l, text)->memory_mb, 18);
    done(&l);
    snprintf(text, sizeof text, rings, 17);
    load_text(&l, text);
    ck_assert_int_eq(l.rc, CLI_OK);
    ck_assert_int_eq(cli_scenario_finish(l.sc, "t.pcap", l.err, sizeof l.err), CLI_EUSAGE);
    expect_at(&l, 7, "host.memory_mb: 17 MiB cannot hold the driver's rings: they need 17.01 MiB "
                     "(4 RX queues x 2048 x 2048-byte buffers, 256 TX buffers, "
                     "descriptors and completions); set host.memory_mb to 18 or more");
    done(&l);
    /* NetDMA on: a quarter of each ring again as spare buffers, and the engine's rings */
    load_text(&l, "[nic]\nrss_queues = 4\n[driver]\nrx_ring_entries = 2048\nrx_buf_bytes = 2048\n"
                  "[host]\nmemory_mb = 18\n");
    ck_assert_int_eq(cli_scenario_finish(l.sc, "t.pcap", l.err, sizeof l.err), CLI_EUSAGE);
    expect_at(&l, 7, "host.memory_mb: 18 MiB cannot hold the driver's rings: they need 21.27 MiB "
                     "(4 RX queues x 2048 x 2048-byte buffers, 256 TX buffers, descriptors and "
                     "completions; NetDMA: spare receive buffers and the copy engine's rings); set "
                     "host.memory_mb to 22 or more");
    done(&l);

    /* RSS off: one queue in use, whatever rss_queues says */
    snprintf(text, sizeof text, "%sEnableRSS = 0\n", rings);
    char text2[300];
    snprintf(text2, sizeof text2, text, 16);
    ck_assert_int_eq(load_ok(&l, text2)->rss_enable, 0);
    done(&l);

    /* memory_mb not given: the default is named and the error points at the latest key
     * that sized the rings */
    load_text(&l, "[driver]\nrx_ring_entries = 16384\n[tcpip]\nEnableTCPA = 0\n");
    ck_assert_int_eq(cli_scenario_set(l.sc, "driver.rx_buf_bytes=4096", l.err, sizeof l.err),
                     CLI_OK);
    ck_assert_int_eq(cli_scenario_finish(l.sc, "t.pcap", l.err, sizeof l.err), CLI_EUSAGE);
    ck_assert_msg(strstr(l.err, "--set: host.memory_mb: 64 MiB (default) cannot hold the "
                                "driver's rings: they need 65.07 MiB (1 RX queue x 16384 x "
                                "4096-byte buffers") == l.err, "%s", l.err);
    ck_assert_ptr_nonnull(strstr(l.err, "set host.memory_mb to 66 or more"));
    done(&l);
    load_text(&l, "[driver]\nrx_ring_entries = 16384\nrx_buf_bytes = 4096\n");
    ck_assert_int_eq(cli_scenario_finish(l.sc, "t.pcap", l.err, sizeof l.err), CLI_EUSAGE);
    expect_at(&l, 3, "host.memory_mb: 64 MiB (default)");
    done(&l);
    /* ... and a --set of memory_mb settles it */
    load_text(&l, "[driver]\nrx_ring_entries = 16384\nrx_buf_bytes = 4096\n");
    ck_assert_int_eq(cli_scenario_set(l.sc, "host.memory_mb=82", l.err, sizeof l.err), CLI_OK); /* NetDMA's spares too */
    ck_assert_int_eq(cli_scenario_finish(l.sc, "t.pcap", l.err, sizeof l.err), CLI_OK);
    done(&l);
    load_text(&l, "[driver]\nrx_ring_entries = 16384\nrx_buf_bytes = 4096\n");
    ck_assert_int_eq(cli_scenario_set(l.sc, "host.memory_mb=65", l.err, sizeof l.err), CLI_OK);
    ck_assert_int_eq(cli_scenario_finish(l.sc, "t.pcap", l.err, sizeof l.err), CLI_EUSAGE);
    ck_assert_msg(strstr(l.err, "--set: host.memory_mb: 65 MiB cannot hold") == l.err, "%s",
                  l.err);
    done(&l);
    /* the largest rings (32850 MiB with the TOE result blocks) fit the largest memory; no overflow on the way */
    ck_assert_uint_eq(load_ok(&l, "[nic]\nrss_queues = 16\n[driver]\nrx_ring_entries = 32768\n"
                                  "rx_buf_bytes = 65536\ntx_ring_entries = 32768\n"
                                  "[host]\nmemory_mb = 65536\n[tcpip]\nEnableTCPA = 0\n")->memory_mb, 65536);
    done(&l);
    load_text(&l, "[nic]\nrss_queues = 16\n[driver]\nrx_ring_entries = 32768\n"
                  "rx_buf_bytes = 65536\ntx_ring_entries = 32768\n[host]\nmemory_mb = 32768\n"
                  "[tcpip]\nEnableTCPA = 0\n");
    ck_assert_int_eq(cli_scenario_finish(l.sc, "t.pcap", l.err, sizeof l.err), CLI_EUSAGE);
    expect_at(&l, 8, "they need 32849.00 MiB (16 RX queues x 32768 x 65536-byte buffers, "
                     "32768 TX buffers");
    ck_assert_ptr_nonnull(strstr(l.err, "set host.memory_mb to 32850 or more"));
    done(&l);
}
END_TEST

START_TEST(pcie_checks)
{
    loaded l;
    /* lanes with a parallel bus: accepted, with a warning at the lanes line */
    load_ok(&l, "[pcie]\nlanes = 4\nlink = pci\n");
    char want[1200];
    snprintf(want, sizeof want, "%s:2: pcie.lanes has no effect with pcie.link = pci (a parallel "
             "bus, not PCIe lanes)", l.path);
    ck_assert_uint_eq(cli_scenario_warning_count(l.sc), 1);
    ck_assert_str_eq(cli_scenario_warning(l.sc, 0), want);
    done(&l);
    load_text(&l, "[pcie]\nlink = pci-x\n");
    ck_assert_int_eq(cli_scenario_set(l.sc, "pcie.lanes=16", l.err, sizeof l.err), CLI_OK);
    ck_assert_int_eq(cli_scenario_finish(l.sc, "t.pcap", l.err, sizeof l.err), CLI_OK);
    ck_assert(warning_contains(l.sc, "--set: pcie.lanes has no effect with pcie.link = pci-x",
                               NULL));
    done(&l);
    /* ... and none when lanes was not given, or the link is PCIe */
    load_ok(&l, "[pcie]\nlink = pci\n");
    ck_assert_uint_eq(cli_scenario_warning_count(l.sc), 0);
    done(&l);
    load_ok(&l, "[pcie]\nlink = gen2\nlanes = 4\n");
    ck_assert_uint_eq(cli_scenario_warning_count(l.sc), 0);
    done(&l);

    /* pcie_config_check runs in finish: a configuration changed behind the key parsers
     * is caught there, at the key's line */
    load_text(&l, "[pcie]\nlink = gen2\nlanes = 4\n");
    cli_scenario_config(l.sc)->pcie.lanes = 3;
    ck_assert_int_eq(cli_scenario_finish(l.sc, "t.pcap", l.err, sizeof l.err), CLI_EUSAGE);
    expect_at(&l, 3, "pcie.lanes: 3 is not 1, 2, 4, 8 or 16");
    done(&l);
    load_text(&l, "[pcie]\nlink = gen2\n");
    cli_scenario_config(l.sc)->pcie.max_payload = 100;
    ck_assert_int_eq(cli_scenario_finish(l.sc, "t.pcap", l.err, sizeof l.err), CLI_EUSAGE);
    expect_at(&l, 2, "pcie.max_payload: 100 is not a power of two in 128..4096");
    done(&l);
}
END_TEST

#ifdef NICSIM_SOURCE_DIR
/* The shipped scenarios load and finish without errors or warnings. */
static cli_scenario *load_shipped(const char *name)
{
    char path[1024], err[1024];
    snprintf(path, sizeof path, "%s/scenarios/%s", NICSIM_SOURCE_DIR, name);
    cli_scenario *sc = cli_scenario_new();
    ck_assert_msg(cli_scenario_load(sc, path, err, sizeof err) == CLI_OK, "%s", err);
    ck_assert_msg(cli_scenario_finish(sc, NULL, err, sizeof err) == CLI_OK, "%s", err);
    ck_assert_msg(cli_scenario_warning_count(sc) == 0, "%s: %s", name,
                  cli_scenario_warning(sc, 0));
    ck_assert_msg(access(cli_scenario_trace(sc), R_OK) == 0, "%s: no trace %s", name,
                  cli_scenario_trace(sc));
    return sc;
}

START_TEST(shipped_scenarios)
{
    cli_scenario *sc = load_shipped("quickstart.ini");
    ck_assert_int_eq(cli_scenario_config(sc)->rss_queues, 4);
    cli_scenario_free(sc);

    sc = load_shipped("slow-bus.ini");
    const ns_config *c = cli_scenario_config(sc);
    ck_assert_int_eq(c->pcie.link, PCIE_PCI);
    ck_assert_int_eq(c->timing, NS_TIMING_TOPSPEED);
    ck_assert_uint_eq(c->loop, 5);
    ck_assert_ptr_nonnull(strstr(cli_scenario_trace(sc), "traces/quickstart.pcap"));
    cli_scenario_free(sc);

    sc = load_shipped("rss-off.ini");
    c = cli_scenario_config(sc);
    ck_assert_int_eq(c->rss_enable, 0);
    ck_assert_int_eq(c->cpus, 4);
    cli_scenario_free(sc);

    sc = load_shipped("storage-backup.ini");
    c = cli_scenario_config(sc);
    ck_assert_int_eq(c->cpus, 2);
    ck_assert_int_eq(c->rss_queues, 2);
    ck_assert_str_eq(c->cost_profile, "xeon-2006");
    ck_assert_uint_eq(c->stack.posted_buffers, 4);
    ck_assert_ptr_nonnull(strstr(cli_scenario_trace(sc), "traces/netns-loss.pcap"));
    cli_scenario_free(sc);
}
END_TEST
#endif

START_TEST(exit_codes)
{
    ck_assert_int_eq(cli_exit_status(CLI_OK), 0);
    ck_assert_int_eq(cli_exit_status(CLI_EUSAGE), 2);
    ck_assert_int_eq(cli_exit_status(CLI_ERUN), 1);
    ck_assert_int_eq(cli_exit_status(CLI_ENOMEM), 1);
}
END_TEST

START_TEST(independent_scenarios)
{
    /* no shared state: two scenarios side by side */
    loaded a, b;
    load_text(&a, "[nic]\nmtu = 1400\n");
    cli_scenario *first = a.sc;
    char pa[1024];
    snprintf(pa, sizeof pa, "%s", a.path);
    load_text(&b, "[nic]\nmtu = 1300\n[tcpip]\nMinPacketSizeToDma = 5000\n");
    ck_assert_uint_eq(cli_scenario_config(first)->mtu, 1400);
    ck_assert_uint_eq(cli_scenario_config(b.sc)->mtu, 1300);
    ck_assert_uint_eq(cli_scenario_warning_count(first), 0);
    ck_assert_uint_eq(cli_scenario_warning_count(b.sc), 1);
    cli_scenario_free(first);
    done(&b);
}
END_TEST

/* NetDMA: the [tcpip] registry values (out of range: a warning and the default, as Windows
 * does), [netdma] and host.mem_gbps, from a file and through --set. */
START_TEST(netdma_keys)
{
    loaded l;
    load_ok(&l, "[tcpip]\nEnableTCPA = 0\nMinPacketSizeToDma = 1024\n"
                "DmaSyncCompletionHighThreshold = 87600\n[netdma]\nchannels = 2\ncheck = 0\n"
                "clock_mhz = 333\nring = 256\nintr_delay_us = 12.5\ndebug_break = early_return\n"
                "[host]\nmem_gbps = 6.4\n");
    ck_assert_uint_eq(cli_scenario_warning_count(l.sc), 0);
    const ns_config *c = cli_scenario_config(l.sc);
    ck_assert_int_eq(c->stack.netdma, 0);
    ck_assert_uint_eq(c->stack.min_dma_bytes, 1024);
    ck_assert_uint_eq(c->stack.dma_sync_threshold, 87600);
    ck_assert_int_eq(c->netdma_channels, 2);
    ck_assert_int_eq(c->netdma_check, 0);
    ck_assert_double_eq(c->netdma_clock_mhz, 333);
    ck_assert_uint_eq(c->netdma_ring, 256);
    ck_assert_double_eq(c->netdma_intr_delay_us, 12.5);
    ck_assert_int_eq(c->stack.netdma_break, HS_NDB_EARLY_RETURN);
    ck_assert_double_eq(c->mem_gbps, 6.4);
    char err[1024];
    ck_assert_int_eq(ns_config_check(c, err, sizeof err), 0);
    done(&l);

    /* the registry's behaviour for a value out of range: the default, with a warning */
    load_ok(&l, "[tcpip]\nMinPacketSizeToDma = 127\nDmaSyncCompletionHighThreshold = 87601\n");
    ck_assert_uint_eq(cli_scenario_warning_count(l.sc), 2);
    ck_assert(warning_contains(l.sc, ":2: tcpip.MinPacketSizeToDma: 127 is out of range "
                                     "(128..4096); the default 256 is used", NULL));
    ck_assert(warning_contains(l.sc, ":3: tcpip.DmaSyncCompletionHighThreshold: 87601 is out of "
                                     "range (0..87600); the default 0 is used", NULL));
    c = cli_scenario_config(l.sc);
    ck_assert_uint_eq(c->stack.min_dma_bytes, 256);
    ck_assert_uint_eq(c->stack.dma_sync_threshold, 0);
    done(&l);

    /* the defaults, and --set */
    cli_scenario *sc = cli_scenario_new();
    c = cli_scenario_config(sc);
    ck_assert_int_eq(c->stack.netdma, 1);
    ck_assert_uint_eq(c->stack.min_dma_bytes, 256);
    ck_assert_int_eq(c->stack.netdma_break, HS_NDB_NONE);
    ck_assert_int_eq(cli_scenario_set(sc, "netdma.ring=4096", err, sizeof err), CLI_OK);
    ck_assert_int_eq(cli_scenario_set(sc, "netdma.debug_break=early_access", err, sizeof err), CLI_OK);
    ck_assert_int_eq(cli_scenario_set(sc, "tcpip.MinPacketSizeToDma=4096", err, sizeof err), CLI_OK);
    ck_assert_int_eq(cli_scenario_set(sc, "host.mem_gbps=100", err, sizeof err), CLI_OK);
    ck_assert_int_eq(cli_scenario_set(sc, "tcpip.MinPacketSizeToDma=4097", err, sizeof err), CLI_OK);
    ck_assert(warning_contains(sc, "--set: tcpip.MinPacketSizeToDma: 4097 is out of range", NULL));
    ck_assert_uint_eq(c->netdma_ring, 4096);
    ck_assert_int_eq(c->stack.netdma_break, HS_NDB_EARLY_ACCESS);
    ck_assert_uint_eq(c->stack.min_dma_bytes, 256);
    ck_assert_double_eq(c->mem_gbps, 100);
    ck_assert_int_eq(cli_scenario_set(sc, "netdma.channels=9", err, sizeof err), CLI_EUSAGE);
    ck_assert_ptr_nonnull(strstr(err, "--set: netdma.channels: out of range"));
    ck_assert_ptr_null(strchr(err, '\n'));
    cli_scenario_free(sc);

    /* ns_config_check guards the same ranges for configurations built in code */
    ns_config cfg;
    ns_config_defaults(&cfg);
    ck_assert_int_eq(ns_config_check(&cfg, err, sizeof err), 0);
    cfg.netdma_ring = 1000;
    ck_assert_int_lt(ns_config_check(&cfg, err, sizeof err), 0);
    ck_assert_ptr_nonnull(strstr(err, "netdma.ring"));
    ns_config_defaults(&cfg);
    cfg.mem_gbps = 0;
    ck_assert_int_lt(ns_config_check(&cfg, err, sizeof err), 0);
    ck_assert_ptr_nonnull(strstr(err, "host.mem_gbps"));
    ns_config_defaults(&cfg);
    cfg.netdma_channels = 0;
    ck_assert_int_lt(ns_config_check(&cfg, err, sizeof err), 0);
    ck_assert_ptr_nonnull(strstr(err, "netdma.channels"));
}
END_TEST

/* cli_scenario_key_*: the key table and each key's value written as a scenario line. */
static int key_index(const char *section, const char *name)
{
    for (int k = 0; k < cli_scenario_key_count(); k++)
        if (strcmp(cli_scenario_key_section(k), section) == 0 &&
            strcmp(cli_scenario_key_name(k), name) == 0)
            return k;
    ck_abort_msg("no key %s.%s", section, name);
    return -1;
}

static const char *key_value(const cli_scenario *sc, const char *section, const char *name,
                             char *buf, size_t len)
{
    int rc = cli_scenario_key_value(sc, key_index(section, name), buf, len);
    ck_assert_int_ge(rc, 0);
    return rc ? buf : NULL;
}

START_TEST(key_values)
{
    char err[512], buf[1024];
    int n = cli_scenario_key_count();
    ck_assert_int_gt(n, 40);
    ck_assert_ptr_null(cli_scenario_key_section(-1));
    ck_assert_ptr_null(cli_scenario_key_name(n));

    /* a fresh scenario: every key has its default, except those that follow other settings */
    cli_scenario *sc = cli_scenario_new();
    ck_assert_ptr_nonnull(sc);
    ck_assert_int_eq(cli_scenario_key_value(sc, n, buf, sizeof buf), -1);
    static const char *const derived[] = {"scenario.name", "scenario.trace", "nic.clock_mhz",
                                          "nic.link_gbps", "nic.indirection_table",
                                          "host.cpu_mhz", "app.cycles_per_byte"};
    for (int k = 0; k < n; k++) {
        char full[128];
        snprintf(full, sizeof full, "%s.%s", cli_scenario_key_section(k), cli_scenario_key_name(k));
        int want = 1;
        for (size_t d = 0; d < sizeof derived / sizeof derived[0]; d++)
            if (strcmp(full, derived[d]) == 0)
                want = 0;
        ck_assert_msg(cli_scenario_key_value(sc, k, buf, sizeof buf) == want, "%s", full);
        if (!want)
            ck_assert_str_eq(buf, "");
    }
    ck_assert_str_eq(key_value(sc, "nic", "mtu", buf, sizeof buf), "1500");
    ck_assert_str_eq(key_value(sc, "nic", "rss_hash_types", buf, sizeof buf),
                     "ipv4, tcp_ipv4, ipv6, tcp_ipv6");
    ck_assert_str_eq(key_value(sc, "tcpip", "TcpDelAckTicks", buf, sizeof buf), "2");
    ck_assert_str_eq(key_value(sc, "pcie", "link", buf, sizeof buf), "gen1");
    ck_assert_str_eq(key_value(sc, "nic", "irq_moderation_us", buf, sizeof buf), "50");
    ck_assert_int_eq(strlen(key_value(sc, "nic", "rss_key", buf, sizeof buf)), 80);

    /* values that were set come back in scenario syntax */
    static const char *const sets[] = {
        "scenario.host=10.0.0.1:80, [::1]:5201", "nic.rss_queues=2", "nic.indirection_table=1,0",
        "nic.rss_hash_types=udp_ipv6, ipv4", "nic.clock_mhz=200.5", "host.cpu_mhz=2000",
        "app.cycles_per_byte=0.25", "app.consume_mbps=100", "tcpip.TcpDelAckTicks=0",
        "replay.timing=topspeed", "replay.fix_checksums=off", "nic.oversize=drop",
        "driver.rx_buf_bytes=4096", "tcpip.EnableRSS=no", "scenario.trace=t.pcap"};
    for (size_t i = 0; i < sizeof sets / sizeof sets[0]; i++)
        ck_assert_msg(cli_scenario_set(sc, sets[i], err, sizeof err) == CLI_OK, "%s", err);
    ck_assert_int_eq(cli_scenario_finish(sc, NULL, err, sizeof err), CLI_OK);
    ck_assert_str_eq(key_value(sc, "scenario", "host", buf, sizeof buf), "10.0.0.1:80,[::1]:5201");
    ck_assert_str_eq(key_value(sc, "nic", "indirection_table", buf, sizeof buf), "1, 0");
    ck_assert_str_eq(key_value(sc, "nic", "rss_hash_types", buf, sizeof buf), "ipv4, udp_ipv6");
    ck_assert_str_eq(key_value(sc, "nic", "clock_mhz", buf, sizeof buf), "200.5");
    ck_assert_str_eq(key_value(sc, "nic", "link_gbps", buf, sizeof buf), "10");
    ck_assert_str_eq(key_value(sc, "host", "cpu_mhz", buf, sizeof buf), "2000");
    ck_assert_str_eq(key_value(sc, "app", "cycles_per_byte", buf, sizeof buf), "0.25");
    ck_assert_str_eq(key_value(sc, "app", "consume_mbps", buf, sizeof buf), "100");
    ck_assert_str_eq(key_value(sc, "tcpip", "TcpDelAckTicks", buf, sizeof buf), "0");
    ck_assert_str_eq(key_value(sc, "replay", "timing", buf, sizeof buf), "topspeed");
    ck_assert_str_eq(key_value(sc, "replay", "fix_checksums", buf, sizeof buf), "off");
    ck_assert_str_eq(key_value(sc, "nic", "oversize", buf, sizeof buf), "drop");
    ck_assert_str_eq(key_value(sc, "driver", "rx_buf_bytes", buf, sizeof buf), "4096");
    ck_assert_str_eq(key_value(sc, "tcpip", "EnableRSS", buf, sizeof buf), "0");
    ck_assert_str_eq(key_value(sc, "scenario", "trace", buf, sizeof buf), "t.pcap");

    /* every value is a valid scenario value that gives itself back */
    cli_scenario *copy = cli_scenario_new();
    ck_assert_ptr_nonnull(copy);
    for (int k = 0; k < n; k++) {
        char v[1024], line[1200], back[1024];
        if (cli_scenario_key_value(sc, k, v, sizeof v) != 1)
            continue;
        snprintf(line, sizeof line, "%s.%s=%s", cli_scenario_key_section(k),
                 cli_scenario_key_name(k), v);
        ck_assert_msg(cli_scenario_set(copy, line, err, sizeof err) == CLI_OK, "%s: %s", line,
                      err);
        ck_assert_int_eq(cli_scenario_key_value(copy, k, back, sizeof back), 1);
        ck_assert_str_eq(back, v);
    }
    cli_scenario_free(copy);
    cli_scenario_free(sc);
}
END_TEST

/* A misspelt key gets the nearest known key (edit distance, a swap counts once); a name
 * far from every key gets no guess. */
START_TEST(misspelt_key_suggestion)
{
    cli_scenario *sc = cli_scenario_new();
    char err[1024];
    ck_assert_int_eq(cli_scenario_set(sc, "nic.rss_queeus=4", err, sizeof err), CLI_EUSAGE);
    ck_assert_str_eq(err, "--set: unknown key 'nic.rss_queeus' (did you mean 'nic.rss_queues'?)");
    ck_assert_int_eq(cli_scenario_set(sc, "nic.rss_queue=4", err, sizeof err), CLI_EUSAGE);
    ck_assert_str_eq(err, "--set: unknown key 'nic.rss_queue' (did you mean 'nic.rss_queues'?)");
    ck_assert_int_eq(cli_scenario_set(sc, "replay.lopo=2", err, sizeof err), CLI_EUSAGE);
    ck_assert_str_eq(err, "--set: unknown key 'replay.lopo' (did you mean 'replay.loop'?)");
    ck_assert_int_eq(cli_scenario_set(sc, "tcpip.EnableTCPChimey=1", err, sizeof err), CLI_EUSAGE);
    ck_assert_str_eq(err, "--set: unknown key 'tcpip.EnableTCPChimey' (did you mean "
                          "'tcpip.EnableTCPChimney'?)");
    /* nothing close: no guess */
    ck_assert_int_eq(cli_scenario_set(sc, "nic.bogus=1", err, sizeof err), CLI_EUSAGE);
    ck_assert_str_eq(err, "--set: unknown key 'nic.bogus'");
    ck_assert_int_eq(cli_scenario_set(sc, "nic.completely_unrelated=1", err, sizeof err), CLI_EUSAGE);
    ck_assert_ptr_null(strstr(err, "did you mean"));
    cli_scenario_free(sc);
    /* the same in a file, with its line */
    loaded l;
    load_bad(&l, "[nic]\nrss_queeus = 4\n", 2, "unknown key 'nic.rss_queeus' (did you mean 'nic.rss_queues'?)");
    done(&l);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("cli_scenario");
    TCase *tc = tcase_create("scenario");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, defaults);
    tcase_add_test(tc, key_values);
    tcase_add_test(tc, netdma_keys);
    tcase_add_test(tc, every_key_good);
    tcase_add_test(tc, host_keys_good);
    tcase_add_test(tc, host_keys_set);
    tcase_add_test(tc, width_defaults);
    tcase_add_test(tc, booleans);
    tcase_add_test(tc, replay_window_keys);
    tcase_add_loop_test(tc, bad_value, 0, (int)(sizeof bad_cases / sizeof bad_cases[0]));
    tcase_add_test(tc, number_range_edges);
    tcase_add_test(tc, config_check_defence);
    tcase_add_test(tc, long_values_quoted_short);
    tcase_add_test(tc, unknown_key);
    tcase_add_test(tc, unknown_section);
    tcase_add_test(tc, syntax_error);
    tcase_add_test(tc, first_error_wins);
    tcase_add_test(tc, missing_file);
    tcase_add_test(tc, file_format);
    tcase_add_test(tc, duplicate_key_warning);
    tcase_add_test(tc, set_overrides);
    tcase_add_test(tc, set_errors);
    tcase_add_test(tc, set_without_file);
    tcase_add_test(tc, chimney_warnings);
    tcase_add_test(tc, replay_warnings);
    tcase_add_test(tc, table_against_queues);
    tcase_add_test(tc, table_sizes);
    tcase_add_test(tc, rss_key_forms);
    tcase_add_test(tc, host_lists);
    tcase_add_test(tc, fix_checksums_key);
    tcase_add_test(tc, hash_types);
    tcase_add_test(tc, rate_conflict);
    tcase_add_test(tc, trace_paths);
    tcase_add_test(tc, rss_queues_limit);
    tcase_add_test(tc, memory_check);
    tcase_add_test(tc, pcie_checks);
    tcase_add_test(tc, stack_keys_good);
    tcase_add_test(tc, cost_profile_files);
    tcase_add_test(tc, app_buffers_limit);
#ifdef NICSIM_SOURCE_DIR
    tcase_add_test(tc, shipped_scenarios);
#endif
    tcase_add_test(tc, exit_codes);
    tcase_add_test(tc, independent_scenarios);
    tcase_add_test(tc, misspelt_key_suggestion);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
