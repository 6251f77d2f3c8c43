/* Run report: JSON (docs/report.md) and the text summary. */
#include "cli.h"
#include "cli_util.h"

#include "membus.h"
#include "netdma_check.h"
#include "rss.h"

#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

_Static_assert(NS_MEM_AGENTS == MB_AGENTS, "ns_results.mem_bytes has one entry per mb_agent");
_Static_assert(NS_NDCK_KINDS == NCK_KIND_COUNT, "ns_results.netdma_violation_kind has one entry per nck kind");

#define CLI_REPORT_SCHEMA "nicsim-report/3"

/* Frames (and their bytes) the host received through the NIC: handed up by the driver, or
 * taken care of by the TCP offload engine (payload placed in an application buffer, or a pure
 * ACK/duplicate absorbed). The work both runs of a comparison are measured by. */
uint64_t cli_host_frames(const ns_results *res)
{
    return res->frames_delivered + res->toe_placed_frames + res->toe_consumed_frames;
}

uint64_t cli_host_bytes(const ns_results *res)
{
    return res->delivered_bytes + res->toe_placed_frame_bytes + res->toe_consumed_frame_bytes;
}

double cli_throughput_gbps(const ns_results *res)
{
    if (res->sim_time_ps == 0)
        return 0.0;
    /* bits per picosecond x 1000 = Gb/s */
    return (double)cli_host_bytes(res) * 8.0 * 1000.0 / (double)res->sim_time_ps;
}

uint64_t cli_total_cycles(const ns_results *res)
{
    return res->stack.total_cycles;
}

double cli_cycles_per_byte(const ns_results *res)
{
    uint64_t b = cli_host_bytes(res);
    return b ? (double)cli_total_cycles(res) / (double)b : 0.0;
}

double cli_cycles_per_packet(const ns_results *res)
{
    uint64_t n = cli_host_frames(res);
    return n ? (double)cli_total_cycles(res) / (double)n : 0.0;
}

uint64_t cli_frames_dropped(const ns_results *res)
{
    uint64_t n = 0;
    for (int i = 0; i < res->ndrops && i < NS_MAX_COUNTERS; i++)
        n += res->drops[i].value;
    return n;
}

int cli_ncpus(const ns_results *res)
{
    return res->cpus < 0 ? 0 : res->cpus > NS_MAX_CPUS ? NS_MAX_CPUS : res->cpus;
}

int cli_nvectors(const ns_results *res)
{
    return res->nvectors < 0 ? 0 : res->nvectors > NS_MAX_VECTORS ? NS_MAX_VECTORS : res->nvectors;
}

double cli_cpu_utilization(const ns_results *res, int cpu)
{
    if (cpu < 0 || cpu >= cli_ncpus(res))
        return 0.0;
    /* cycles available = sim_time_s x MHz x 1e6 = sim_time_ps x MHz x 1e-6 */
    double avail = (double)res->sim_time_ps * res->cpu_mhz * 1e-6;
    return avail > 0 ? (double)res->cpu_busy_cycles[cpu] / avail : 0.0;
}

double cli_cpu_utilization_avg_pct(const ns_results *res)
{
    int n = cli_ncpus(res);
    if (n == 0)
        return 0.0;
    double sum = 0;
    for (int i = 0; i < n; i++)
        sum += cli_cpu_utilization(res, i);
    return 100.0 * sum / n;
}

double cli_cpu_utilization_max_pct(const ns_results *res)
{
    double m = 0;
    for (int i = 0; i < cli_ncpus(res); i++)
        if (cli_cpu_utilization(res, i) > m)
            m = cli_cpu_utilization(res, i);
    return 100.0 * m;
}

int cli_results_check(const ns_results *res, char *msg, size_t msglen)
{
    uint64_t sum = 0;
    for (int i = 0; i < cli_ncpus(res); i++)
        sum += res->cpu_busy_cycles[i];
    if (sum == cli_total_cycles(res)) {
        cli_msg(msg, msglen, "%s", "");
        return 0;
    }
    cli_msg(msg, msglen, "CPU accounting: the stack's total (%llu cycles, cpu.total_cycles) "
            "differs from the sum of per-CPU busy cycles (%llu, cpu.per_cpu)",
            (unsigned long long)cli_total_cycles(res), (unsigned long long)sum);
    return 1;
}

void cli_host_text(const ns_config *c, char *buf, size_t len)
{
    if (c->host_mode == NS_HOST_AUTO) {
        snprintf(buf, len, "auto");
        return;
    }
    if (c->host_mode == NS_HOST_ANY) {
        snprintf(buf, len, "any");
        return;
    }
    size_t used = 0;
    buf[0] = '\0';
    for (int i = 0; i < c->host_count && i < NS_MAX_HOSTS; i++) {
        char a[INET6_ADDRSTRLEN];
        if (!inet_ntop(c->hosts[i].family == 6 ? AF_INET6 : AF_INET, c->hosts[i].a, a, sizeof a))
            snprintf(a, sizeof a, "?");
        int n;
        if (!c->hosts[i].port)
            n = snprintf(buf + used, len - used, "%s%s", i ? "," : "", a);
        else
            n = snprintf(buf + used, len - used, c->hosts[i].family == 6 ? "%s[%s]:%u" : "%s%s:%u",
                         i ? "," : "", a, (unsigned)c->hosts[i].port);
        if (n < 0 || (size_t)n >= len - used)
            break;
        used += (size_t)n;
    }
}

/* The host address(es) of the run: as the model reports them, else as configured. */
static void cli_host_used(const ns_config *c, const ns_results *res, char *buf, size_t len)
{
    if (res->host[0])
        snprintf(buf, len, "%.*s", (int)sizeof res->host, res->host);
    else
        cli_host_text(c, buf, len);
}

/* The cost profile of the run (*len bytes, not terminated): as the model reports it, else
 * as configured. */
static const char *cli_profile_used(const ns_config *c, const ns_results *res, int *len)
{
    if (res->cost_profile_name[0]) {
        *len = (int)strnlen(res->cost_profile_name, sizeof res->cost_profile_name);
        return res->cost_profile_name;
    }
    *len = (int)strlen(c->cost_profile);
    return c->cost_profile;
}

/* RX queues with a frame count in the results. */
static int cli_nqueues(const ns_config *c)
{
    return c->rss_queues < NS_MAX_QUEUES ? c->rss_queues : NS_MAX_QUEUES;
}

/* b - a, negative when a is larger. */
static long long cli_sdiff(uint64_t b, uint64_t a)
{
    return b >= a ? (long long)(b - a) : -(long long)(a - b);
}

/* A JSON string from user text; bytes that are not valid UTF-8 become '?'. */
static json_t *cli_text(const char *s)
{
    json_t *j = json_string(s);
    if (j)
        return j;
    char *copy = cli_strdup(s);
    if (!copy)
        return NULL;
    for (char *p = copy; *p; p++)
        if ((unsigned char)*p >= 0x80)
            *p = '?';
    j = json_string(copy);
    free(copy);
    return j;
}

/* cli_text of the first n bytes of s. */
static json_t *cli_text_n(const char *s, size_t n)
{
    char *copy = cli_asprintf("%.*s", (int)n, s);
    if (!copy)
        return NULL;
    json_t *j = cli_text(copy);
    free(copy);
    return j;
}

static json_t *cli_u64(uint64_t v)
{
    return json_integer((json_int_t)v);
}

/* obj[a][b]... = v for a dotted name "a.b...", creating objects on the way.
 * Returns 0, or -1 (v released) if a part is taken by a non-object. */
static int cli_set_dotted(json_t *obj, const char *name, json_t *v)
{
    char part[128];
    const char *p = name;
    for (;;) {
        const char *dot = strchr(p, '.');
        if (!dot)
            return json_object_set_new(obj, p, v);
        size_t n = (size_t)(dot - p);
        if (n >= sizeof part)
            n = sizeof part - 1;
        memcpy(part, p, n);
        part[n] = '\0';
        json_t *sub = json_object_get(obj, part);
        if (!sub) {
            sub = json_object();
            if (json_object_set_new(obj, part, sub) != 0) {
                json_decref(v);
                return -1;
            }
        } else if (!json_is_object(sub)) {
            json_decref(v);
            return -1;
        }
        obj = sub;
        p = dot + 1;
    }
}

/* A report key whose value is a uint64_t counter of ns_results (e.g. stack.conns). */
typedef struct cli_counter {
    const char *key;
    size_t off;
} cli_counter;

/* The entry for key and field; a field that is not a uint64_t does not compile. */
#define CLI_COUNTER(key, field) \
    {key, _Generic(((ns_results *)0)->field, uint64_t: offsetof(ns_results, field))}

/* obj[key] = the counter, for each entry of a table that ends with {NULL}. */
static void cli_set_counters(json_t *obj, const ns_results *res, const cli_counter *k)
{
    for (; k->key; k++)
        json_object_set_new(obj, k->key, cli_u64(*(const uint64_t *)((const char *)res + k->off)));
}

/* parent[key] = a new object with the table's counters; returned for any further keys. */
static json_t *cli_counters_object(json_t *parent, const char *key, const ns_results *res,
                                   const cli_counter *k)
{
    json_t *obj = json_object();
    json_object_set_new(parent, key, obj);
    cli_set_counters(obj, res, k);
    return obj;
}

static json_t *cli_config_json(const cli_scenario *sc, const ns_results *res)
{
    const ns_config *c = cli_scenario_config_const(sc);
    json_t *cfg = json_object();
    json_t *nic = json_object();
    json_object_set_new(cfg, "nic", nic);
    json_object_set_new(nic, "data_width", json_integer(c->data_width));
    json_object_set_new(nic, "clock_mhz", json_real(c->clock_mhz));
    json_object_set_new(nic, "link_gbps", json_real(c->link_gbps));
    json_object_set_new(nic, "mtu", json_integer(c->mtu));
    json_object_set_new(nic, "oversize", json_string(c->resegment ? "resegment" : "drop"));
    char key[2 * sizeof c->rss_key + 1];
    for (size_t i = 0; i < sizeof c->rss_key; i++)
        snprintf(key + 2 * i, 3, "%02x", c->rss_key[i]);
    json_object_set_new(nic, "rss_key", json_string(key));
    json_object_set_new(nic, "rss_queues", json_integer(c->rss_queues));
    json_t *table = json_array();
    for (int i = 0; i < c->table_size && i < NS_TABLE_MAX; i++)
        json_array_append_new(table, json_integer(c->table[i]));
    json_object_set_new(nic, "indirection_table", table);
    json_t *ht = json_array();
    for (int t = 1; t < RSS_HT_COUNT; t++)
        if (c->rss_hash_types & RSS_HT_BIT(t))
            json_array_append_new(ht, json_string(rss_hash_type_name(t)));
    json_object_set_new(nic, "rss_hash_types", ht);
    json_object_set_new(nic, "rx_fifo_bytes", json_integer(c->rx_fifo_bytes));
    json_object_set_new(nic, "quantum_cycles", json_integer(c->quantum_cycles));
    json_object_set_new(nic, "irq_moderation_frames", json_integer(c->irq_moderation_frames));
    json_object_set_new(nic, "irq_moderation_us", json_real(c->irq_moderation_us));

    json_t *tcpip = json_object();
    json_object_set_new(cfg, "tcpip", tcpip);
    json_object_set_new(tcpip, "EnableRSS", json_integer(c->rss_enable ? 1 : 0));
    json_object_set_new(tcpip, "EnableChecksumOffload", json_integer(c->csum_offload ? 1 : 0));
    json_object_set_new(tcpip, "TcpAckFrequency", json_integer(c->stack.ack_every));
    /* the key sets whole 100 ms ticks */
    json_object_set_new(tcpip, "TcpDelAckTicks",
                        cli_u64(c->stack.delack_ns / 100000000ull));
    json_object_set_new(tcpip, "TcpWindowSize", json_integer(c->stack.rcv_window_bytes));

    json_t *replay = json_object();
    json_object_set_new(cfg, "replay", replay);
    json_object_set_new(replay, "timing",
                        json_string(c->timing == NS_TIMING_TOPSPEED ? "topspeed" : "recorded"));
    json_object_set_new(replay, "multiplier", json_real(c->multiplier));
    json_object_set_new(replay, "mbps", json_real(c->mbps));
    json_object_set_new(replay, "pps", json_real(c->pps));
    json_object_set_new(replay, "loop", json_integer(c->loop));
    json_object_set_new(replay, "limit", cli_u64(c->replay_limit));
    json_object_set_new(replay, "duration_ps", cli_u64(c->replay_duration_ps));
    json_object_set_new(replay, "filter", cli_text(c->replay_filter));
    json_object_set_new(replay, "fix_checksums",
                        json_string(c->fix_checksums == NS_FIX_CSUM_OFF ? "off" : "auto"));

    json_t *scen = json_object();
    json_object_set_new(cfg, "scenario", scen);
    char host[NS_MAX_HOSTS * (INET6_ADDRSTRLEN + 1) + 8];
    cli_host_text(c, host, sizeof host);
    json_object_set_new(scen, "host", json_string(host));

    json_t *pcie = json_object();
    json_object_set_new(cfg, "pcie", pcie);
    json_object_set_new(pcie, "link", json_string(pcie_link_name(c->pcie.link)));
    json_object_set_new(pcie, "lanes", json_integer(c->pcie.lanes));
    json_object_set_new(pcie, "max_payload", json_integer(c->pcie.max_payload));
    json_object_set_new(pcie, "max_read_request", json_integer(c->pcie.max_read_request));
    json_object_set_new(pcie, "read_latency_ns", json_integer(c->pcie.read_latency_ns));
    json_object_set_new(pcie, "read_tags", json_integer(c->pcie.read_tags));
    json_object_set_new(pcie, "posted_buffer", json_integer(c->pcie.posted_buffer));

    json_t *h = json_object();
    json_object_set_new(cfg, "host", h);
    json_object_set_new(h, "cpus", json_integer(c->cpus));
    /* 0 in the scenario means the cost profile's clock: report the clock the run used */
    json_object_set_new(h, "cpu_mhz", json_real(c->cpu_mhz > 0 ? c->cpu_mhz : res->cpu_mhz));
    json_object_set_new(h, "memory_mb", json_integer(c->memory_mb));
    json_object_set_new(h, "cost_profile", cli_text(c->cost_profile));

    json_t *drv = json_object();
    json_object_set_new(cfg, "driver", drv);
    json_object_set_new(drv, "rx_ring_entries", json_integer(c->rx_ring_entries));
    json_object_set_new(drv, "rx_buf_bytes", json_integer(c->rx_buf_bytes));
    json_object_set_new(drv, "tx_ring_entries", json_integer(c->tx_ring_entries));
    json_object_set_new(drv, "dpc_budget", json_integer(c->dpc_budget));

    json_t *app = json_object();
    json_object_set_new(cfg, "app", app);
    json_object_set_new(app, "recv_buffer_bytes", json_integer(c->stack.recv_buffer_bytes));
    json_object_set_new(app, "posted_buffers", json_integer(c->stack.posted_buffers));
    json_object_set_new(app, "cycles_per_byte", json_real(cli_scenario_app_cycles_per_byte(sc)));
    json_object_set_new(app, "consume_mbps", json_real(c->stack.app_rate_bytes_per_s * 8.0 / 1e6));
    json_object_set_new(app, "complete_on_push", json_integer(c->stack.complete_on_push ? 1 : 0));
    return cfg;
}

/* The plain counters of cli_run_keys, object by object, in report order. */
static const cli_counter cli_frames_counters[] = {
    CLI_COUNTER("records", records),
    CLI_COUNTER("rx", frames_rx),
    CLI_COUNTER("rx_bytes", rx_bytes),
    CLI_COUNTER("from_host", from_host),
    CLI_COUNTER("not_for_host", not_for_host),
    CLI_COUNTER("filtered", filtered),
    CLI_COUNTER("delivered", frames_delivered),
    CLI_COUNTER("delivered_bytes", delivered_bytes),
    CLI_COUNTER("pending", frames_pending),
    CLI_COUNTER("toe_placed", toe_placed_frames),
    CLI_COUNTER("toe_consumed", toe_consumed_frames),
    {NULL, 0},
};

/* after rss.queue_frames and rss.hash_types */
static const cli_counter cli_rss_counters[] = {
    CLI_COUNTER("lookups_nic_hash", stack.hash_nic),
    CLI_COUNTER("lookups_sw_hash", stack.hash_sw),
    CLI_COUNTER("hash_mismatch", stack.hash_mismatch),
    {NULL, 0},
};

/* after the per-verdict counts and csum.sw_verified */
static const cli_counter cli_csum_counters[] = {
    CLI_COUNTER("sw_ip", stack.csum_sw_ip),
    CLI_COUNTER("sw_l4", stack.csum_sw_l4),
    CLI_COUNTER("sw_bytes", stack.csum_sw_bytes),
    CLI_COUNTER("hw_trusted", stack.csum_hw_trusted),
    CLI_COUNTER("dropped_bad_ip", stack.drop_bad_ip_csum),
    CLI_COUNTER("dropped_bad_l4", stack.drop_bad_l4_csum),
    {NULL, 0},
};

static const cli_counter cli_dma_counters[] = {
    CLI_COUNTER("read_bytes", dma_read_bytes),
    CLI_COUNTER("write_bytes", dma_write_bytes),
    {NULL, 0},
};

static const cli_counter cli_tx_counters[] = {
    CLI_COUNTER("frames", tx_frames),
    CLI_COUNTER("bytes", tx_bytes),
    CLI_COUNTER("ring_full", tx_ring_full),
    CLI_COUNTER("toe_acks", toe_acks),
    {NULL, 0},
};

static const cli_counter cli_ip_counters[] = {
    CLI_COUNTER("rx_frames", stack.rx_frames),
    CLI_COUNTER("rx_bytes", stack.rx_bytes),
    CLI_COUNTER("dropped_non_ip", stack.rx_non_ip),
    CLI_COUNTER("dropped_malformed", stack.rx_malformed),
    CLI_COUNTER("dropped_not_for_host", stack.rx_not_for_host),
    CLI_COUNTER("dropped_fragments", stack.rx_ip_fragments),
    CLI_COUNTER("dropped_other_proto", stack.rx_other_proto),
    {NULL, 0},
};

static const cli_counter cli_tcp_counters[] = {
    CLI_COUNTER("connections", stack.conns),
    CLI_COUNTER("connections_syn", stack.conns_syn),
    CLI_COUNTER("connections_midstream", stack.conns_midstream),
    CLI_COUNTER("connections_fin", stack.conns_fin),
    CLI_COUNTER("connections_rst", stack.conns_rst),
    CLI_COUNTER("segments", stack.tcp_segments),
    CLI_COUNTER("payload_bytes", stack.tcp_payload_bytes),
    CLI_COUNTER("in_order_segments", stack.in_order_segments),
    CLI_COUNTER("out_of_order_segments", stack.ooo_segments),
    CLI_COUNTER("duplicate_segments", stack.dup_segments),
    CLI_COUNTER("retransmitted_bytes", stack.retrans_bytes),
    CLI_COUNTER("beyond_window_bytes", stack.beyond_window_bytes),
    CLI_COUNTER("hold_dropped_bytes", stack.hold_drop_bytes),
    CLI_COUNTER("ooo_beyond_real_window_bytes", stack.ooo_beyond_real_window_bytes),
    CLI_COUNTER("after_fin_bytes", stack.after_fin_bytes),
    CLI_COUNTER("rst_discarded_bytes", stack.rst_discard_bytes),
    CLI_COUNTER("rst_ignored", stack.rst_ignored),
    CLI_COUNTER("closed_segments", stack.closed_segments),
    CLI_COUNTER("max_queued_bytes", stack.max_queued_bytes),
    CLI_COUNTER("acks_sent", stack.acks_sent),
    CLI_COUNTER("acks_every_n", stack.acks_every_n),
    CLI_COUNTER("acks_timer", stack.acks_timer),
    CLI_COUNTER("acks_immediate", stack.acks_immediate),
    CLI_COUNTER("window_updates", stack.window_updates),
    CLI_COUNTER("synacks_sent", stack.synacks_sent),
    CLI_COUNTER("zero_window_acks", stack.zero_window_acks),
    CLI_COUNTER("timers_fired", stack.timers_fired),
    {NULL, 0},
};

static const cli_counter cli_udp_counters[] = {
    CLI_COUNTER("datagrams", stack.udp_datagrams),
    CLI_COUNTER("bytes", stack.udp_bytes),
    {NULL, 0},
};

static const cli_counter cli_app_counters[] = {
    CLI_COUNTER("bytes", stack.app_bytes),
    CLI_COUNTER("receives", stack.app_receives),
    CLI_COUNTER("buffers_posted", stack.buffers_posted),
    CLI_COUNTER("close_delivered_bytes", stack.close_delivered_bytes),
    CLI_COUNTER("close_gap_bytes", stack.close_gap_bytes),
    CLI_COUNTER("stream_bytes_written", stack.stream_bytes_written),
    CLI_COUNTER("stream_errors", stack.stream_errors),
    {NULL, 0},
};

/* ---- latency, queues, connections ---- */

/* ps as ns (a real with the ps in its decimals). */
/* TCP offload engine (Chimney): the host stack's view and the NIC's own counters. */
static const cli_counter cli_toe_counters[] = {
    CLI_COUNTER("offloaded_now", stack.toe_offloaded_now),
    CLI_COUNTER("offloaded_peak", stack.toe_offloaded_peak),
    CLI_COUNTER("attempts", stack.toe_attempts),
    CLI_COUNTER("successes", stack.toe_successes),
    CLI_COUNTER("refusals", stack.toe_refusals),
    CLI_COUNTER("no_slot", stack.toe_no_slot),
    CLI_COUNTER("other_failures", stack.toe_other_failures),
    CLI_COUNTER("bytes_placed", stack.toe_bytes_placed),
    CLI_COUNTER("bytes_indicated", stack.toe_bytes_indicated),
    CLI_COUNTER("bytes_host", stack.toe_bytes_host),
    CLI_COUNTER("nic_acks", stack.toe_nic_acks),
    CLI_COUNTER("buffers_posted", stack.toe_buffers_posted),
    CLI_COUNTER("buffer_completions", stack.toe_buf_events),
    CLI_COUNTER("exception_frames", stack.toe_exc_frames),
    CLI_COUNTER("held_frames", stack.toe_held_frames),
    CLI_COUNTER("upload_requests", stack.toe_upreqs),
    CLI_COUNTER("commands_busy", stack.toe_cmd_busy),
    CLI_COUNTER("marked_frames", toe_marked_frames),
    {NULL, 0},
};

static const cli_counter cli_toe_nic_counters[] = {
    CLI_COUNTER("placed_bytes", toe_nic_placed_bytes),
    CLI_COUNTER("indicated_bytes", toe_nic_indicated_bytes),
    CLI_COUNTER("acks", toe_nic_acks),
    CLI_COUNTER("exceptions", toe_nic_exceptions),
    CLI_COUNTER("segments", toe_nic_segments),
    {NULL, 0},
};

static void cli_toe_keys(json_t *r, const ns_results *res)
{
    const hs_stats *st = &res->stack;
    json_t *t = json_object();
    json_object_set_new(r, "toe", t);
    json_object_set_new(t, "slots", cli_u64(res->toe_slots));
    json_object_set_new(t, "blocked", st->toe_blocked[0] ? cli_text_n(st->toe_blocked, strnlen(st->toe_blocked, sizeof st->toe_blocked)) : json_null());
    cli_set_counters(t, res, cli_toe_counters);
    json_t *up = json_object();
    json_object_set_new(t, "uploads", up);
    uint64_t total = 0;
    for (int k = 0; k < HS_UP_COUNT; k++) {
        json_object_set_new(up, hs_upload_reason_name(k), cli_u64(st->toe_uploads[k]));
        total += st->toe_uploads[k];
    }
    json_object_set_new(t, "uploads_total", cli_u64(total));
    cli_counters_object(t, "nic", res, cli_toe_nic_counters);
}

/* NetDMA: the stack's use of the copy engine, the provider's and the engine's counters, the
 * ownership checker; and host memory bandwidth per agent. */
static const cli_counter cli_netdma_counters[] = {
    CLI_COUNTER("copies", stack.netdma_copies),
    CLI_COUNTER("engine_bytes", stack.netdma_bytes),
    CLI_COUNTER("cpu_bytes", stack.bytes_copied),
    CLI_COUNTER("small_bytes", stack.netdma_small_bytes),
    CLI_COUNTER("fallback_bytes", stack.netdma_fallback_bytes),
    CLI_COUNTER("copy_errors", stack.netdma_errors),
    CLI_COUNTER("sync_waits", stack.netdma_sync_waits),
    CLI_COUNTER("sync_wait_cycles", stack.netdma_sync_wait_cycles),
    CLI_COUNTER("done_by_poll", stack.netdma_done_poll),
    CLI_COUNTER("done_by_interrupt", stack.netdma_done_irq),
    CLI_COUNTER("cold_bytes", stack.netdma_cold_bytes),
    CLI_COUNTER("descriptors", netdma_descriptors),
    CLI_COUNTER("doorbells", netdma_doorbells),
    CLI_COUNTER("polls", netdma_polls),
    CLI_COUNTER("interrupts", netdma_irqs),
    CLI_COUNTER("ring_full", netdma_ring_full),
    CLI_COUNTER("channel_errors", netdma_errors),
    CLI_COUNTER("engine_cycles", netdma_engine_cycles),
    CLI_COUNTER("engine_busy_cycles", netdma_busy_cycles),
    {NULL, 0},
};

static void cli_netdma_keys(json_t *r, const ns_results *res)
{
    const hs_stats *st = &res->stack;
    json_t *t = json_object();
    json_object_set_new(r, "netdma", t);
    json_object_set_new(t, "channels", json_integer(res->netdma_channels));
    json_object_set_new(t, "blocked", st->netdma_blocked[0] ? cli_text_n(st->netdma_blocked, strnlen(st->netdma_blocked, sizeof st->netdma_blocked)) : json_null());
    cli_set_counters(t, res, cli_netdma_counters);
    json_object_set_new(t, "engine_busy_pct", json_real(res->netdma_engine_cycles ? 100.0 * (double)res->netdma_busy_cycles / (double)res->netdma_engine_cycles : 0.0));
    json_object_set_new(t, "sync_wait_ns", json_real((double)res->netdma_wait_ps / 1000.0));
    json_t *ck = json_object();
    json_object_set_new(t, "check", ck);
    json_object_set_new(ck, "enabled", json_boolean(res->netdma_checked));
    json_object_set_new(ck, "violations", cli_u64(res->netdma_violations));
    for (int k = 0; k < NS_NDCK_KINDS; k++)
        json_object_set_new(ck, nck_kind_name(k), cli_u64(res->netdma_violation_kind[k]));
    json_t *lines = json_array();
    for (int i = 0; i < res->nviolation_lines; i++)
        json_array_append_new(lines, cli_text_n(res->violation_lines[i], strnlen(res->violation_lines[i], NS_WARNING_LEN)));
    json_object_set_new(ck, "first", lines);
}

/* Host memory bandwidth per agent (model/membus.h), into the report's memory object. */
static void cli_memory_keys(json_t *m, const ns_results *res)
{
    json_object_set_new(m, "gbps", json_real(res->mem_gbps));
    uint64_t total = 0;
    for (int a = 0; a < NS_MEM_AGENTS; a++) total += res->mem_bytes[a];
    double secs = (double)res->sim_time_ps / 1e12;
    json_object_set_new(m, "total_bytes", cli_u64(total));
    json_object_set_new(m, "busy_pct", json_real(secs > 0 && res->mem_gbps > 0 ? 100.0 * (double)total / (res->mem_gbps * 1e9 * secs) : 0.0));
    json_t *ag = json_object();
    json_object_set_new(m, "agents", ag);
    for (int a = 0; a < NS_MEM_AGENTS; a++) {
        json_t *o = json_object();
        json_object_set_new(ag, mb_agent_name(a), o);
        json_object_set_new(o, "bytes", cli_u64(res->mem_bytes[a]));
        json_object_set_new(o, "gbps", json_real(secs > 0 ? (double)res->mem_bytes[a] / secs / 1e9 : 0.0));
        json_object_set_new(o, "wait_ns", json_real((double)res->mem_wait_ps[a] / 1000.0));
    }
}

static json_t *cli_ns_real(int64_t ps)
{
    return json_real((double)ps / 1000.0);
}

static json_t *cli_latency_json(const ns_latency *l)
{
    json_t *o = json_object();
    json_object_set_new(o, "frames", cli_u64(l->count));
    json_object_set_new(o, "min_ns", cli_ns_real(l->min_ps));
    json_object_set_new(o, "p50_ns", cli_ns_real(l->p50_ps));
    json_object_set_new(o, "p90_ns", cli_ns_real(l->p90_ps));
    json_object_set_new(o, "p99_ns", cli_ns_real(l->p99_ps));
    json_object_set_new(o, "max_ns", cli_ns_real(l->max_ps));
    json_object_set_new(o, "mean_ns", json_real(l->mean_ps / 1000.0));
    return o;
}

/* One address of a connection as text. */
static void cli_conn_addr(int family, const uint8_t *a, char *buf, size_t len)
{
    if (!inet_ntop(family == 6 ? AF_INET6 : AF_INET, a, buf, (socklen_t)len))
        snprintf(buf, len, "?");
}

/* A connection's offload state when the trace ended, as netstat -t shows it: "Offloaded" if it
 * was on the NIC then (taken back only by the end-of-run uploads), else "InHost". */
static const char *cli_conn_netstat(const hs_conn_stats *st)
{
    return st->toe_last_upload == HS_UP_END || st->toe_state == HS_TOE_OFFLOADED ? "Offloaded" : "InHost";
}

static void cli_latency_keys(json_t *r, const ns_config *c, const ns_results *res, int with_conns)
{
    json_object_set_new(r, "latency", cli_latency_json(&res->latency));
    json_object_set_new(r, "app_latency", cli_latency_json(&res->app_latency));
    json_t *qs = json_array();
    json_object_set_new(r, "queues", qs);
    for (int q = 0; q < cli_nqueues(c); q++) {
        const ns_queue_stats *qq = &res->queue_stats[q];
        json_t *o = json_object();
        json_object_set_new(o, "frames", cli_u64(qq->frames));
        json_object_set_new(o, "bytes", cli_u64(qq->bytes));
        json_object_set_new(o, "cycles", cli_u64(qq->cycles));
        json_t *d = json_object();
        json_object_set_new(d, "no_descriptor", cli_u64(qq->drop_no_desc));
        json_object_set_new(d, "completion_ring_full", cli_u64(qq->drop_cpl_full));
        json_object_set_new(o, "dropped", d);
        json_object_set_new(o, "pending", cli_u64(qq->pending));
        json_object_set_new(o, "latency", cli_latency_json(&qq->latency));
        json_object_set_new(o, "app_latency", cli_latency_json(&qq->app_latency));
        json_array_append_new(qs, o);
    }
    if (!with_conns)
        return;
    json_t *cs = json_array();
    json_object_set_new(r, "connections", cs);
    for (uint64_t i = 0; i < res->nconns && res->conns; i++) {
        const ns_conn_result *cr = &res->conns[i];
        char a[INET6_ADDRSTRLEN];
        json_t *o = json_object();
        cli_conn_addr(cr->st.id.family, cr->st.id.src, a, sizeof a);
        json_object_set_new(o, "src", json_string(a));
        json_object_set_new(o, "sport", json_integer(cr->st.id.sport));
        cli_conn_addr(cr->st.id.family, cr->st.id.dst, a, sizeof a);
        json_object_set_new(o, "dst", json_string(a));
        json_object_set_new(o, "dport", json_integer(cr->st.id.dport));
        json_object_set_new(o, "cpu", json_integer(cr->st.cpu));
        json_object_set_new(o, "frames", cli_u64(cr->st.frames));
        json_object_set_new(o, "bytes", cli_u64(cr->st.bytes));
        json_object_set_new(o, "payload_bytes", cli_u64(cr->st.payload_bytes));
        json_object_set_new(o, "cycles", cli_u64(cr->st.cycles));
        json_object_set_new(o, "latency", cli_latency_json(&cr->latency));
        json_object_set_new(o, "app_latency", cli_latency_json(&cr->app_latency));
        json_object_set_new(o, "offload_state", json_string(cli_conn_netstat(&cr->st)));
        json_object_set_new(o, "offloads", cli_u64(cr->st.toe_times_offloaded));
        const char *up = hs_upload_reason_name(cr->st.toe_last_upload);
        json_object_set_new(o, "last_upload", up ? json_string(up) : json_null());
        json_object_set_new(o, "bytes_placed", cli_u64(cr->st.toe_bytes_placed));
        json_array_append_new(cs, o);
    }
}

/* ps as "N.NNN" ns. */
static void cli_fmt_ns(int64_t ps, char *buf, size_t len)
{
    uint64_t a = (uint64_t)(ps < 0 ? -ps : ps);
    snprintf(buf, len, "%s%llu.%03u", ps < 0 ? "-" : "", (unsigned long long)(a / 1000),
             (unsigned)(a % 1000));
}

int cli_connections_write(FILE *f, const ns_results *res, char *err, size_t errlen)
{
    fputs("src,sport,dst,dport,cpu,frames,bytes,payload_bytes,cycles,latency_frames,"
          "latency_p50_ns,latency_p90_ns,latency_p99_ns,latency_max_ns,app_latency_frames,"
          "app_latency_p50_ns,app_latency_p90_ns,app_latency_p99_ns,app_latency_max_ns,"
          "offload_state,offloads,last_upload,bytes_placed\n",
          f);
    for (uint64_t i = 0; i < res->nconns && res->conns; i++) {
        const ns_conn_result *cr = &res->conns[i];
        char s[INET6_ADDRSTRLEN], d[INET6_ADDRSTRLEN], l[4][32], al[4][32];
        cli_conn_addr(cr->st.id.family, cr->st.id.src, s, sizeof s);
        cli_conn_addr(cr->st.id.family, cr->st.id.dst, d, sizeof d);
        const ns_latency *lt = &cr->latency;
        int64_t v[4] = {lt->p50_ps, lt->p90_ps, lt->p99_ps, lt->max_ps};
        const ns_latency *at = &cr->app_latency;
        int64_t av[4] = {at->p50_ps, at->p90_ps, at->p99_ps, at->max_ps};
        for (int k = 0; k < 4; k++) {
            if (lt->count)
                cli_fmt_ns(v[k], l[k], sizeof l[k]);
            else
                l[k][0] = '\0';
            if (at->count)
                cli_fmt_ns(av[k], al[k], sizeof al[k]);
            else
                al[k][0] = '\0';
        }
        const char *up = hs_upload_reason_name(cr->st.toe_last_upload);
        fprintf(f, "%s,%u,%s,%u,%d,%llu,%llu,%llu,%llu,%llu,%s,%s,%s,%s,%llu,%s,%s,%s,%s,%s,%u,%s,%llu\n", s,
                cr->st.id.sport, d, cr->st.id.dport, cr->st.cpu, (unsigned long long)cr->st.frames,
                (unsigned long long)cr->st.bytes, (unsigned long long)cr->st.payload_bytes,
                (unsigned long long)cr->st.cycles, (unsigned long long)lt->count, l[0], l[1], l[2],
                l[3], (unsigned long long)at->count, al[0], al[1], al[2], al[3], cli_conn_netstat(&cr->st),
                (unsigned)cr->st.toe_times_offloaded, up ? up : "", (unsigned long long)cr->st.toe_bytes_placed);
    }
    if (fflush(f) != 0 || ferror(f)) {
        cli_msg(err, errlen, "cannot write --connections: %s", strerror(errno ? errno : EIO));
        return CLI_ERUN;
    }
    return CLI_OK;
}

/* The keys every run has (the run as configured and its baseline): sim, frames, rss, csum,
 * dma, pcie, irq, tx, cpu, memory, ip, tcp, udp, app, [trace], throughput_gbps. */
static void cli_run_keys(json_t *r, const ns_config *c, const ns_results *res, int with_trace)
{
    const hs_stats *st = &res->stack;

    json_t *sim = json_object();
    json_object_set_new(r, "sim", sim);
    json_object_set_new(sim, "nic_cycles", cli_u64(res->nic_cycles));
    json_object_set_new(sim, "sim_time_ps", cli_u64(res->sim_time_ps));
    json_object_set_new(sim, "sim_time_ns", cli_u64(res->sim_time_ps / 1000));  /* floor */
    json_object_set_new(sim, "wall_s", json_real(res->wall_s));
    json_object_set_new(sim, "nic_cycles_per_s",
                        json_real(res->wall_s > 0 ? (double)res->nic_cycles / res->wall_s : 0.0));

    json_t *fr = cli_counters_object(r, "frames", res, cli_frames_counters);
    json_object_set_new(fr, "host", cli_u64(cli_host_frames(res)));
    json_object_set_new(fr, "host_bytes", cli_u64(cli_host_bytes(res)));
    json_object_set_new(fr, "dropped_total", cli_u64(cli_frames_dropped(res)));
    json_t *dropped = json_object();
    json_object_set_new(fr, "dropped", dropped);
    for (int i = 0; i < res->ndrops && i < NS_MAX_COUNTERS; i++)
        if (res->drops[i].name)
            cli_set_dotted(dropped, res->drops[i].name, cli_u64(res->drops[i].value));

    json_t *rss = json_object();
    json_object_set_new(r, "rss", rss);
    json_t *qf = json_array();
    for (int q = 0; q < cli_nqueues(c); q++)
        json_array_append_new(qf, cli_u64(res->queue_frames[q]));
    json_object_set_new(rss, "queue_frames", qf);
    json_t *ht = json_object();
    for (int t = 0; t < RSS_HT_COUNT; t++)
        json_object_set_new(ht, rss_hash_type_name(t), cli_u64(res->hash_type_frames[t]));
    json_object_set_new(rss, "hash_types", ht);
    cli_set_counters(rss, res, cli_rss_counters);

    json_t *cs = json_object();
    json_object_set_new(r, "csum", cs);
    for (int k = 0; k < NIC_CSUM_COUNT; k++)
        json_object_set_new(cs, nic_csum_name(k), cli_u64(res->csum_frames[k]));
    json_object_set_new(cs, "sw_verified", cli_u64(st->csum_sw_ip + st->csum_sw_l4));
    cli_set_counters(cs, res, cli_csum_counters);

    cli_counters_object(r, "dma", res, cli_dma_counters);

    json_t *pcie = json_object();
    json_object_set_new(r, "pcie", pcie);
    json_object_set_new(pcie, "read_busy_pct", json_real(res->pcie_read_busy_pct));
    json_object_set_new(pcie, "write_busy_pct", json_real(res->pcie_write_busy_pct));

    json_t *irq = json_object();
    json_object_set_new(r, "irq", irq);
    json_object_set_new(irq, "count", cli_u64(res->irq_count));
    json_t *pv = json_array();
    for (int v = 0; v < cli_nvectors(res); v++)
        json_array_append_new(pv, cli_u64(res->irq_per_vector[v]));
    json_object_set_new(irq, "per_vector", pv);

    cli_counters_object(r, "tx", res, cli_tx_counters);

    json_t *cpu = json_object();
    json_object_set_new(r, "cpu", cpu);
    json_object_set_new(cpu, "count", json_integer(cli_ncpus(res)));
    json_object_set_new(cpu, "mhz", json_real(res->cpu_mhz));
    int prof_len;
    const char *prof = cli_profile_used(c, res, &prof_len);
    json_object_set_new(cpu, "profile", cli_text_n(prof, (size_t)prof_len));
    json_t *pc = json_array();
    for (int i = 0; i < cli_ncpus(res); i++) {
        json_t *o = json_object();
        json_object_set_new(o, "busy_cycles", cli_u64(res->cpu_busy_cycles[i]));
        json_object_set_new(o, "utilization", json_real(cli_cpu_utilization(res, i)));
        json_object_set_new(o, "frames", cli_u64(res->cpu_frames[i]));
        json_array_append_new(pc, o);
    }
    json_object_set_new(cpu, "per_cpu", pc);
    json_object_set_new(cpu, "total_cycles", cli_u64(cli_total_cycles(res)));
    json_object_set_new(cpu, "utilization_avg_pct", json_real(cli_cpu_utilization_avg_pct(res)));
    json_object_set_new(cpu, "utilization_max_pct", json_real(cli_cpu_utilization_max_pct(res)));
    json_object_set_new(cpu, "cycles_per_byte", json_real(cli_cycles_per_byte(res)));
    json_object_set_new(cpu, "cycles_per_packet", json_real(cli_cycles_per_packet(res)));
    json_object_set_new(cpu, "bytes_copied", cli_u64(st->bytes_copied));
    json_t *bd = json_object();
    for (int k = 0; k < HS_K_COUNT; k++)
        json_object_set_new(bd, hs_kind_name(k), cli_u64(st->kind_cycles[k]));
    json_object_set_new(cpu, "breakdown", bd);

    json_t *mem = json_object();
    json_object_set_new(r, "memory", mem);
    json_object_set_new(mem, "cpu_bytes", cli_u64(st->mem_bytes));
    json_object_set_new(mem, "cpu_bytes_per_byte",
                        json_real(cli_host_bytes(res)
                                      ? (double)st->mem_bytes / (double)cli_host_bytes(res)
                                      : 0.0));
    cli_memory_keys(mem, res);

    cli_counters_object(r, "ip", res, cli_ip_counters);

    cli_counters_object(r, "tcp", res, cli_tcp_counters);

    cli_toe_keys(r, res);
    cli_netdma_keys(r, res);

    cli_counters_object(r, "udp", res, cli_udp_counters);

    cli_counters_object(r, "app", res, cli_app_counters);

    cli_latency_keys(r, c, res, with_trace);

    if (with_trace) {
        json_t *tr = json_object();
        json_object_set_new(r, "trace", tr);
        if (res->linktype_name[0]) {
            json_object_set_new(tr, "linktype",
                                json_stringn(res->linktype_name,
                                             strnlen(res->linktype_name,
                                                     sizeof res->linktype_name)));
        } else {
            char lt[32];
            snprintf(lt, sizeof lt, "DLT_%d", res->linktype);
            json_object_set_new(tr, "linktype", json_string(lt));
        }
        for (int i = 0; i < res->ntrace && i < NS_MAX_COUNTERS; i++)
            if (res->trace[i].name)
                cli_set_dotted(tr, res->trace[i].name, cli_u64(res->trace[i].value));
    }

    json_object_set_new(r, "throughput_gbps", json_real(cli_throughput_gbps(res)));
}

/* b - a as a JSON integer. */
static json_t *cli_diff(uint64_t b, uint64_t a)
{
    return json_integer((json_int_t)cli_sdiff(b, a));
}

/* ---- the headline saving ---- */

/* Both runs did the same work (delivered the same bytes): total cycles compare. Otherwise
 * (the baseline dropped at saturation, say) only cost per delivered byte and throughput do. */
static int cli_same_work(const ns_results *off, const ns_results *sw)
{
    return cli_host_bytes(off) == cli_host_bytes(sw);
}

static double cli_saved_cycles_pct(const ns_results *off, const ns_results *sw)
{
    uint64_t t_off = cli_total_cycles(off), t_sw = cli_total_cycles(sw);
    double saved = t_sw >= t_off ? (double)(t_sw - t_off) : -(double)(t_off - t_sw);
    return t_sw ? saved / (double)t_sw * 100.0 : 0.0;
}

static double cli_saved_cpb_pct(const ns_results *off, const ns_results *sw)
{
    double b = cli_cycles_per_byte(sw);
    return b > 0 ? (b - cli_cycles_per_byte(off)) / b * 100.0 : 0.0;
}

static double cli_gain_gbps_pct(const ns_results *off, const ns_results *sw)
{
    double b = cli_throughput_gbps(sw);
    return b > 0 ? (cli_throughput_gbps(off) - b) / b * 100.0 : 0.0;
}

/* The saving the headline gives: of total cycles for the same work, else per delivered byte. */
static double cli_headline_pct(const ns_results *off, const ns_results *sw)
{
    return cli_same_work(off, sw) ? cli_saved_cycles_pct(off, sw) : cli_saved_cpb_pct(off, sw);
}

/* The headline in one line (no newline). */
static void cli_headline(char *buf, size_t len, const ns_results *off, const ns_results *sw)
{
    double pct = cli_headline_pct(off, sw);
    const char *verb = pct >= 0 ? "saved" : "cost";
    const char *more = pct >= 0 ? "" : " more";
    if (cli_same_work(off, sw)) {
        snprintf(buf, len, "the offloads %s %.1f%%%s CPU cycles for the same work (both runs "
                 "delivered %llu bytes)", verb, fabs(pct), more,
                 (unsigned long long)cli_host_bytes(off));
        return;
    }
    double g = cli_gain_gbps_pct(off, sw);
    snprintf(buf, len, "the runs delivered different amounts (offload %llu bytes, software %llu): "
             "per delivered byte the offloads %s %.1f%%%s CPU cycles; throughput %.3f vs %.3f "
             "Gb/s (%+.1f%%)", (unsigned long long)cli_host_bytes(off),
             (unsigned long long)cli_host_bytes(sw), verb, fabs(pct), more,
             cli_throughput_gbps(off), cli_throughput_gbps(sw), g);
}

/* Why the offloads cost more, when they do: the kinds of work that grew most, with what
 * makes them grow (one line, no newline; "" when nothing grew). On equal work only. */
static void cli_cost_reasons(char *buf, size_t len, const ns_results *off, const ns_results *sw)
{
    buf[0] = '\0';
    int top[3] = {-1, -1, -1};
    for (int k = 0; k < HS_K_COUNT; k++) {
        long long d = cli_sdiff(off->stack.kind_cycles[k], sw->stack.kind_cycles[k]);
        if (d <= 0)
            continue;
        for (int i = 0; i < 3; i++) {
            if (top[i] < 0 || d > cli_sdiff(off->stack.kind_cycles[top[i]], sw->stack.kind_cycles[top[i]])) {
                for (int j = 2; j > i; j--)
                    top[j] = top[j - 1];
                top[i] = k;
                break;
            }
        }
    }
    size_t o = 0;
    for (int i = 0; i < 3 && top[i] >= 0 && o < len; i++) {
        int k = top[i];
        const char *why = "";
        char w[160] = "";
        if (k == HS_K_DPC && (top[0] == HS_K_INTERRUPT || top[1] == HS_K_INTERRUPT)) {
            why = " (one per interrupt)";
        } else if (k == HS_K_INTERRUPT || k == HS_K_DPC) {
            snprintf(w, sizeof w, " (%llu vs %llu interrupts: each receive queue interrupts on "
                     "its own)", (unsigned long long)off->irq_count,
                     (unsigned long long)sw->irq_count);
            why = w;
        } else if (k == HS_K_COPY) {
            why = " (the NIC verified the checksums, so no software checksum pass brought the "
                  "data into cache: the copy reads it cold)";
        }
        o += (size_t)snprintf(buf + o, len - o, "%s%s +%lld cycles%s", i ? ", " : "",
                              hs_kind_name(k),
                              cli_sdiff(off->stack.kind_cycles[k], sw->stack.kind_cycles[k]), why);
    }
}

/* The savings object: what the offloads save against the software baseline. */
static json_t *cli_savings_json(const ns_results *off, const ns_results *sw)
{
    json_t *s = json_object();
    uint64_t t_off = cli_total_cycles(off), t_sw = cli_total_cycles(sw);
    char line[1024];
    json_object_set_new(s, "basis", json_string(cli_same_work(off, sw) ? "total_cycles"
                                                                       : "cycles_per_delivered_byte"));
    json_object_set_new(s, "headline_pct", json_real(cli_headline_pct(off, sw)));
    cli_headline(line, sizeof line, off, sw);
    json_object_set_new(s, "headline", json_string(line));
    json_object_set_new(s, "cpu_cycles", cli_diff(t_sw, t_off));
    json_object_set_new(s, "cpu_cycles_pct", json_real(cli_saved_cycles_pct(off, sw)));
    json_object_set_new(s, "cycles_per_byte",
                        json_real(cli_cycles_per_byte(sw) - cli_cycles_per_byte(off)));
    json_object_set_new(s, "cycles_per_byte_pct", json_real(cli_saved_cpb_pct(off, sw)));
    json_object_set_new(s, "cycles_per_packet",
                        json_real(cli_cycles_per_packet(sw) - cli_cycles_per_packet(off)));
    json_object_set_new(s, "throughput_gbps",
                        json_real(cli_throughput_gbps(off) - cli_throughput_gbps(sw)));
    json_object_set_new(s, "throughput_pct", json_real(cli_gain_gbps_pct(off, sw)));
    json_object_set_new(s, "cpu_utilization_pct",
                        json_real(cli_cpu_utilization_avg_pct(sw) -
                                  cli_cpu_utilization_avg_pct(off)));
    json_object_set_new(s, "bytes_copied",
                        cli_diff(sw->stack.bytes_copied, off->stack.bytes_copied));
    json_object_set_new(s, "memory_cpu_bytes", cli_diff(sw->stack.mem_bytes, off->stack.mem_bytes));
    json_object_set_new(s, "interrupts", cli_diff(sw->irq_count, off->irq_count));
    json_t *bd = json_object();
    for (int k = 0; k < HS_K_COUNT; k++)
        json_object_set_new(bd, hs_kind_name(k),
                            cli_diff(sw->stack.kind_cycles[k], off->stack.kind_cycles[k]));
    json_object_set_new(s, "breakdown", bd);
    return s;
}

/* ---- the savings split by feature ---- */

enum { CLI_SPLIT_NONE = -1, CLI_SPLIT_TOTAL = 0, CLI_SPLIT_PER_BYTE = 1 };

/* The split worked out: each rung's cycles for the run's work, each feature's saving. */
typedef struct cli_split_calc {
    int n;                            /* the run's features; rungs 0..n */
    int basis;                        /* CLI_SPLIT_* */
    uint64_t work;                    /* the run's frames.host_bytes */
    long long norm[NS_FEATURES + 1];  /* rung k's cycles scaled to the run's work */
    long long saved[NS_FEATURES];     /* by feature index: norm[k-1] - norm[k] of the rung
                                         adding it; 0 for a feature the run does not use */
    double pct[NS_FEATURES];          /* saved / norm[0] x 100 (0 when norm[0] is 0) */
    long long total;                  /* norm[0] - norm[n]: the sum of saved[] */
    double total_pct;
} cli_split_calc;

/* The number of features in a mask. */
static int cli_nfeatures(unsigned f)
{
    int n = 0;
    for (int i = 0; i < NS_FEATURES; i++)
        n += (f >> i) & 1u;
    return n;
}

/* The feature rung k (k >= 1) of a split adds: its index. */
static int cli_rung_feature(unsigned features, int k)
{
    unsigned added = ns_ladder_rung(features, k) & ~ns_ladder_rung(features, k - 1);
    for (int i = 0; i < NS_FEATURES; i++)
        if (added == 1u << i)
            return i;
    return -1;
}

/* Every rung is normalised to the run's work (frames.host_bytes), as the headline is: when all
 * rungs delivered what the run delivered, total cycles compare as they are; when not, a rung's
 * cycles are scaled by run bytes / rung bytes (its cycles per delivered byte times the run's
 * bytes), rounded to the nearest cycle. When the bytes differ and either side is 0 there is no
 * per-byte cost to compare: basis none. Savings are differences of those integers, so they add
 * up exactly to the total. */
static void cli_split_calc_do(const cli_split *sp, cli_split_calc *c)
{
    memset(c, 0, sizeof *c);
    c->n = cli_nfeatures(sp->features);
    const ns_results *run = sp->rung[c->n];
    c->work = cli_host_bytes(run);
    c->basis = CLI_SPLIT_TOTAL;
    for (int k = 0; k <= c->n; k++) {
        uint64_t hb = cli_host_bytes(sp->rung[k]);
        if (hb == c->work)
            continue;
        if (hb == 0 || c->work == 0) {
            c->basis = CLI_SPLIT_NONE;
            break;
        }
        c->basis = CLI_SPLIT_PER_BYTE;
    }
    if (c->basis == CLI_SPLIT_NONE)
        return;
    for (int k = 0; k <= c->n; k++) {
        uint64_t t = cli_total_cycles(sp->rung[k]), hb = cli_host_bytes(sp->rung[k]);
        if (hb == c->work)
            c->norm[k] = (long long)t;
        else
            c->norm[k] = llroundl((long double)t * (long double)c->work / (long double)hb);
    }
    for (int k = 1; k <= c->n; k++) {
        int i = cli_rung_feature(sp->features, k);
        if (i >= 0)
            c->saved[i] = c->norm[k - 1] - c->norm[k];
    }
    c->total = c->norm[0] - c->norm[c->n];
    for (int i = 0; i < NS_FEATURES; i++)
        c->pct[i] = c->norm[0] > 0 ? (double)c->saved[i] / (double)c->norm[0] * 100.0 : 0.0;
    c->total_pct = c->norm[0] > 0 ? (double)c->total / (double)c->norm[0] * 100.0 : 0.0;
}

static const char *cli_split_basis_name(int basis)
{
    return basis == CLI_SPLIT_TOTAL ? "total_cycles"
           : basis == CLI_SPLIT_PER_BYTE ? "cycles_per_delivered_byte" : "none";
}

/* The features of a mask as a JSON array of their keys, in order. */
static json_t *cli_features_json(unsigned f)
{
    json_t *a = json_array();
    for (int i = 0; i < NS_FEATURES; i++)
        if (f & (1u << i))
            json_array_append_new(a, json_string(ns_feature_keys[i]));
    return a;
}

/* savings.split, savings.by_feature and savings.ladder into s. */
static void cli_split_json(json_t *s, const cli_split *sp)
{
    cli_split_calc c;
    cli_split_calc_do(sp, &c);
    int ok = c.basis != CLI_SPLIT_NONE;

    json_t *meta = json_object();
    json_object_set_new(s, "split", meta);
    json_object_set_new(meta, "order", cli_features_json(NS_FEAT_ALL));
    json_object_set_new(meta, "basis", json_string(cli_split_basis_name(c.basis)));
    json_object_set_new(meta, "work_bytes", cli_u64(c.work));
    json_object_set_new(meta, "baseline_cycles", ok ? json_integer(c.norm[0]) : json_null());
    json_object_set_new(meta, "cpu_cycles", ok ? json_integer(c.total) : json_null());
    json_object_set_new(meta, "cpu_cycles_pct", ok ? json_real(c.total_pct) : json_null());

    json_t *bf = json_object();
    json_object_set_new(s, "by_feature", bf);
    for (int i = 0; i < NS_FEATURES; i++) {
        json_t *o = json_object();
        json_object_set_new(bf, ns_feature_keys[i], o);
        json_object_set_new(o, "state", json_string(sp->features & (1u << i) ? "on" : "off"));
        json_object_set_new(o, "cpu_cycles", ok ? json_integer(c.saved[i]) : json_null());
        json_object_set_new(o, "cpu_cycles_pct", ok ? json_real(c.pct[i]) : json_null());
    }

    json_t *lad = json_array();
    json_object_set_new(s, "ladder", lad);
    for (int k = 0; k <= c.n; k++) {
        const ns_results *r = sp->rung[k];
        json_t *o = json_object();
        json_array_append_new(lad, o);
        json_object_set_new(o, "features", cli_features_json(ns_ladder_rung(sp->features, k)));
        int i = k ? cli_rung_feature(sp->features, k) : -1;
        json_object_set_new(o, "added", i >= 0 ? json_string(ns_feature_keys[i]) : json_null());
        json_object_set_new(o, "cpu_cycles", cli_u64(cli_total_cycles(r)));
        json_object_set_new(o, "cpu_cycles_normalised", ok ? json_integer(c.norm[k]) : json_null());
        json_object_set_new(o, "throughput_gbps", json_real(cli_throughput_gbps(r)));
        json_object_set_new(o, "host_bytes", cli_u64(cli_host_bytes(r)));
    }
}

json_t *cli_report_build(const cli_scenario *sc, const ns_results *res, const ns_results *base)
{
    return cli_report_build_split(sc, res, base, NULL);
}

json_t *cli_report_build_split(const cli_scenario *sc, const ns_results *res, const ns_results *base,
                               const cli_split *split)
{
    const ns_config *c = cli_scenario_config_const(sc);
    json_t *r = json_object();
    if (!r)
        return NULL;
    json_object_set_new(r, "schema", json_string(CLI_REPORT_SCHEMA));
    json_object_set_new(r, "nicsim_version", json_string(cli_version()));

    json_t *s = json_object();
    json_object_set_new(r, "scenario", s);
    json_object_set_new(s, "name", cli_text(cli_scenario_name(sc)));
    json_object_set_new(s, "description", cli_text(cli_scenario_description(sc)));
    const char *file = cli_scenario_file(sc);
    json_object_set_new(s, "file", file ? cli_text(file) : json_null());
    const char *trace = cli_scenario_trace(sc);
    json_object_set_new(s, "trace", trace ? cli_text(trace) : json_null());
    char host[NS_MAX_HOSTS * (INET6_ADDRSTRLEN + 1) + 8];
    cli_host_used(c, res, host, sizeof host);
    json_object_set_new(s, "host", json_string(host));

    json_object_set_new(r, "config", cli_config_json(sc, res));
    cli_run_keys(r, c, res, 1);

    if (base) {
        json_t *b = json_object();
        json_object_set_new(r, "baseline", b);
        /* what the baseline changed, from the same derivation the run used */
        ns_config *bc = malloc(sizeof *bc);
        if (!bc) {
            json_decref(r);
            return NULL;
        }
        ns_config_baseline(c, bc);
        json_t *bcfg = json_object();
        json_object_set_new(b, "config", bcfg);
        json_t *tcpip = json_object();
        json_object_set_new(bcfg, "tcpip", tcpip);
        json_object_set_new(tcpip, "EnableRSS", json_integer(bc->rss_enable ? 1 : 0));
        json_object_set_new(tcpip, "EnableChecksumOffload",
                            json_integer(bc->csum_offload ? 1 : 0));
        cli_run_keys(b, bc, base, 0);
        free(bc);
        json_t *sv = cli_savings_json(res, base);
        json_object_set_new(r, "savings", sv);
        if (split && sv)
            cli_split_json(sv, split);
    }
    return r;
}

int cli_report_write(const json_t *report, FILE *f, char *err, size_t errlen)
{
    if (json_dumpf(report, f, JSON_INDENT(2) | JSON_REAL_PRECISION(15)) != 0 ||
        fputc('\n', f) == EOF || fflush(f) != 0 || ferror(f)) {
        cli_msg(err, errlen, "cannot write the report: %s", strerror(errno ? errno : EIO));
        return CLI_ERUN;
    }
    return CLI_OK;
}

/* ---- text summary ---- */

static void cli_row(FILE *f, const char *label, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void cli_row(FILE *f, const char *label, const char *fmt, ...)
{
    va_list ap;
    fprintf(f, "  %-14s ", label);
    va_start(ap, fmt);
    vfprintf(f, fmt, ap);
    va_end(ap);
    fputc('\n', f);
}

/* Time in the largest unit that keeps it >= 1. */
static void cli_fmt_time(uint64_t ps, char *buf, size_t len)
{
    static const struct {
        const char *unit;
        double scale;
    } u[] = {{"s", 1e12}, {"ms", 1e9}, {"us", 1e6}, {"ns", 1e3}};
    for (size_t i = 0; i < sizeof u / sizeof u[0]; i++) {
        if ((double)ps >= u[i].scale) {
            snprintf(buf, len, "%.6g %s", (double)ps / u[i].scale, u[i].unit);
            return;
        }
    }
    snprintf(buf, len, "%llu ps", (unsigned long long)ps);
}

static double cli_pct(uint64_t part, uint64_t whole)
{
    return whole ? 100.0 * (double)part / (double)whole : 0.0;
}

/* "N frames P%" of all received frames. */
static void cli_frames_row(FILE *f, const char *label, uint64_t n, uint64_t rx)
{
    cli_row(f, label, "%10llu frames %5.1f%%", (unsigned long long)n, cli_pct(n, rx));
}

/* "" for one, "s" for any other count. */
static const char *cli_plural(uint64_t n)
{
    return n == 1 ? "" : "s";
}

/* Latency (last bit on the wire to the stack done) of the run, then per queue: frames,
 * bytes, cycles, drops and latency percentiles. */
/* One latency summary line; 0 (nothing printed) when l has no sample. */
static int cli_print_latency_row(FILE *f, const char *label, const ns_latency *l, const char *span)
{
    char p50[32], p90[32], p99[32], mx[32];
    if (!l->count)
        return 0;
    cli_fmt_ns(l->p50_ps, p50, sizeof p50);
    cli_fmt_ns(l->p90_ps, p90, sizeof p90);
    cli_fmt_ns(l->p99_ps, p99, sizeof p99);
    cli_fmt_ns(l->max_ps, mx, sizeof mx);
    cli_row(f, label, "p50 %s ns, p90 %s ns, p99 %s ns, max %s ns (%llu frames; %s)", p50, p90, p99,
            mx, (unsigned long long)l->count, span);
    return 1;
}

static void cli_print_latency(FILE *f, const ns_config *c, const ns_results *res)
{
    char p50[32], p99[32];
    if (!cli_print_latency_row(f, "latency", &res->latency, "wire to stack"))
        cli_row(f, "latency", "no frame delivered");
    cli_print_latency_row(f, "app latency", &res->app_latency, "wire to application");
    cli_row(f, "queue", "%10s %12s %14s %8s %12s %12s", "frames", "bytes", "cycles", "dropped",
            "p50 ns", "p99 ns");
    for (int q = 0; q < cli_nqueues(c); q++) {
        const ns_queue_stats *qq = &res->queue_stats[q];
        char label[16];
        snprintf(label, sizeof label, "queue %d", q);
        p50[0] = p99[0] = '-';
        p50[1] = p99[1] = '\0';
        if (qq->latency.count) {
            cli_fmt_ns(qq->latency.p50_ps, p50, sizeof p50);
            cli_fmt_ns(qq->latency.p99_ps, p99, sizeof p99);
        }
        cli_row(f, label, "%10llu %12llu %14llu %8llu %12s %12s", (unsigned long long)qq->frames,
                (unsigned long long)qq->bytes, (unsigned long long)qq->cycles,
                (unsigned long long)(qq->drop_no_desc + qq->drop_cpl_full), p50, p99);
    }
    if (res->nconns)
        cli_row(f, "connections", "%llu (per connection: --connections FILE.csv or the report)",
                (unsigned long long)res->nconns);
}

/* The run's setup: scenario, trace, host, NIC, offloads, bus, CPUs, driver, replay. */
static void cli_print_setup(FILE *f, const cli_scenario *sc, const ns_results *res)
{
    const ns_config *c = cli_scenario_config_const(sc);

    fprintf(f, "nicsim %s: %s\n", cli_version(), cli_scenario_name(sc));
    if (cli_scenario_file(sc))
        cli_row(f, "scenario", "%s", cli_scenario_file(sc));
    cli_row(f, "trace", "%s (%s)", cli_scenario_trace(sc) ? cli_scenario_trace(sc) : "-",
            res->linktype_name[0] ? res->linktype_name : "unknown link type");
    char host[NS_MAX_HOSTS * (INET6_ADDRSTRLEN + 1) + 8];
    cli_host_used(c, res, host, sizeof host);
    cli_row(f, "host", "%s", host);
    cli_row(f, "NIC", "%d-bit datapath at %g MHz, %g Gb/s link, MTU %u", c->data_width,
            c->clock_mhz, c->link_gbps, (unsigned)c->mtu);
    cli_row(f, "offloads", "RSS %s (%d queue%s, %d-entry table), checksum %s, TCP Chimney %s, NetDMA %s",
            c->rss_enable ? "on" : "off", c->rss_queues, cli_plural((uint64_t)c->rss_queues),
            c->table_size, c->csum_offload ? "on" : "off", c->stack.chimney ? "on" : "off",
            c->stack.netdma ? "on" : "off");
    if (c->pcie.link == PCIE_PCI || c->pcie.link == PCIE_PCIX)
        cli_row(f, "host bus", "%s, %.3g Gb/s shared by both directions",
                c->pcie.link == PCIE_PCI ? "PCI 32-bit/33 MHz" : "PCI-X 64-bit/133 MHz",
                pcie_raw_bps(&c->pcie) / 1e9);
    else
        cli_row(f, "host bus", "PCIe %s x%d, %.3g Gb/s per direction, max payload %u, read "
                "request %u", pcie_link_name(c->pcie.link), c->pcie.lanes,
                pcie_raw_bps(&c->pcie) / 1e9, (unsigned)c->pcie.max_payload,
                (unsigned)c->pcie.max_read_request);
    cli_row(f, "host CPUs", "%d at %g MHz, %u MiB memory", c->cpus, res->cpu_mhz,
            (unsigned)c->memory_mb);
    int prof_len;
    const char *prof = cli_profile_used(c, res, &prof_len);
    cli_row(f, "cost profile", "%.*s", prof_len, prof);
    cli_row(f, "driver", "%u x %u-byte RX buffers per queue, %u TX slots, DPC budget %u",
            (unsigned)c->rx_ring_entries, (unsigned)c->rx_buf_bytes,
            (unsigned)c->tx_ring_entries, (unsigned)c->dpc_budget);
    char us[48] = "";
    if (c->irq_moderation_us > 0)
        snprintf(us, sizeof us, " or %g us", c->irq_moderation_us);
    cli_row(f, "irq moderation", "%u frame%s%s", (unsigned)c->irq_moderation_frames,
            cli_plural(c->irq_moderation_frames), us);
    char pace[64];
    if (c->mbps > 0)
        snprintf(pace, sizeof pace, "fixed %g Mb/s", c->mbps);
    else if (c->pps > 0)
        snprintf(pace, sizeof pace, "fixed %g packets/s", c->pps);
    else if (c->timing == NS_TIMING_TOPSPEED)
        snprintf(pace, sizeof pace, "top speed");
    else
        snprintf(pace, sizeof pace, "recorded timing x%g", c->multiplier);
    cli_row(f, "replay", "%s, %u loop%s", pace, (unsigned)c->loop, cli_plural(c->loop));
    if (c->replay_limit || c->replay_duration_ps || c->replay_filter[0]) {
        char lim[40] = "", dur[64] = "";
        if (c->replay_limit)
            snprintf(lim, sizeof lim, "first %llu frames", (unsigned long long)c->replay_limit);
        if (c->replay_duration_ps)
            cli_fmt_time(c->replay_duration_ps, dur, sizeof dur);
        cli_row(f, "replay limits", "%s%s%s%s%s%s", lim, lim[0] && dur[0] ? ", " : "",
                dur[0] ? "frames starting before " : "", dur,
                (lim[0] || dur[0]) && c->replay_filter[0] ? ", filter: " : c->replay_filter[0] ? "filter: " : "",
                c->replay_filter);
    }
    fputc('\n', f);
}

/* What happened to the frames: simulated time, counts, drops, throughput, transmit, DMA,
 * bus and interrupts. */
static void cli_print_frames(FILE *f, const ns_results *res)
{
    char t[64];

    cli_fmt_time(res->sim_time_ps, t, sizeof t);
    cli_row(f, "simulated", "%s, %llu NIC cycles", t, (unsigned long long)res->nic_cycles);
    double rate = res->wall_s > 0 ? (double)res->nic_cycles / res->wall_s : 0.0;
    if (rate >= 1e6)
        cli_row(f, "wall clock", "%.3f s (%.2f M NIC cycles/s)", res->wall_s, rate / 1e6);
    else if (rate >= 1e3)
        cli_row(f, "wall clock", "%.3f s (%.1f k NIC cycles/s)", res->wall_s, rate / 1e3);
    else
        cli_row(f, "wall clock", "%.3f s (%.0f NIC cycles/s)", res->wall_s, rate);
    cli_row(f, "records", "%llu", (unsigned long long)res->records);
    cli_row(f, "received", "%llu frames, %llu bytes", (unsigned long long)res->frames_rx,
            (unsigned long long)res->rx_bytes);
    cli_row(f, "not fed", "%llu from the host, %llu not for the host",
            (unsigned long long)res->from_host, (unsigned long long)res->not_for_host);
    cli_row(f, "delivered", "%llu frame%s", (unsigned long long)res->frames_delivered,
            cli_plural(res->frames_delivered));
    cli_row(f, "pending", "%llu frame%s", (unsigned long long)res->frames_pending,
            cli_plural(res->frames_pending));
    cli_row(f, "dropped", "%llu", (unsigned long long)cli_frames_dropped(res));
    for (int i = 0; i < res->ndrops && i < NS_MAX_COUNTERS; i++)
        if (res->drops[i].value && res->drops[i].name)
            cli_row(f, "", "  %-24s %llu", res->drops[i].name,
                    (unsigned long long)res->drops[i].value);
    cli_row(f, "throughput", "%.3f Gb/s delivered (%llu bytes)", cli_throughput_gbps(res),
            (unsigned long long)res->delivered_bytes);
    if (res->tx_ring_full)
        cli_row(f, "transmitted", "%llu frames, %llu bytes, %llu not sent (TX ring full)",
                (unsigned long long)res->tx_frames, (unsigned long long)res->tx_bytes,
                (unsigned long long)res->tx_ring_full);
    else
        cli_row(f, "transmitted", "%llu frames, %llu bytes", (unsigned long long)res->tx_frames,
                (unsigned long long)res->tx_bytes);
    cli_row(f, "DMA", "%llu bytes written to the host, %llu bytes read",
            (unsigned long long)res->dma_write_bytes, (unsigned long long)res->dma_read_bytes);
    cli_row(f, "bus busy", "%.1f%% NIC to host, %.1f%% host to NIC", res->pcie_write_busy_pct,
            res->pcie_read_busy_pct);
    cli_row(f, "interrupts", "%llu", (unsigned long long)res->irq_count);
    for (int v = 0; v < cli_nvectors(res); v++)
        if (res->irq_per_vector[v]) {
            char name[24];
            snprintf(name, sizeof name, "vector %d", v);
            cli_row(f, "", "  %-24s %llu", name, (unsigned long long)res->irq_per_vector[v]);
        }
    fputc('\n', f);
}

/* The per-CPU table with the total (nothing without CPUs). */
static void cli_print_cpus(FILE *f, const ns_results *res)
{
    if (cli_ncpus(res) == 0)
        return;
    cli_row(f, "CPU", "%14s %7s %10s", "busy cycles", "util.", "frames");
    uint64_t total = 0;
    for (int i = 0; i < cli_ncpus(res); i++) {
        char label[16];
        snprintf(label, sizeof label, "cpu %d", i);
        cli_row(f, label, "%14llu %6.1f%% %10llu", (unsigned long long)res->cpu_busy_cycles[i],
                100.0 * cli_cpu_utilization(res, i), (unsigned long long)res->cpu_frames[i]);
        total += res->cpu_busy_cycles[i];
    }
    cli_row(f, "all CPUs", "%14llu cycles at %g MHz", (unsigned long long)total, res->cpu_mhz);
    fputc('\n', f);
}

/* The host stack: TCP, UDP, application. */
static void cli_print_stack(FILE *f, const ns_results *res)
{
    const hs_stats *st = &res->stack;
    cli_row(f, "TCP", "%llu connection%s, %llu segments (%llu out of order, %llu duplicate), "
            "%llu ACKs", (unsigned long long)st->conns, cli_plural(st->conns),
            (unsigned long long)st->tcp_segments, (unsigned long long)st->ooo_segments,
            (unsigned long long)st->dup_segments, (unsigned long long)st->acks_sent);
    if (st->udp_datagrams)
        cli_row(f, "UDP", "%llu datagrams, %llu bytes", (unsigned long long)st->udp_datagrams,
                (unsigned long long)st->udp_bytes);
    cli_row(f, "application", "%llu bytes in %llu receive%s", (unsigned long long)st->app_bytes,
            (unsigned long long)st->app_receives, cli_plural(st->app_receives));
    fputc('\n', f);
}

/* Frames per queue, and the non-zero hash types and checksum results, each with its share of
 * the received frames. */
static void cli_print_classes(FILE *f, const ns_config *c, const ns_results *res)
{
    char label[24];
    for (int q = 0; q < cli_nqueues(c); q++) {
        snprintf(label, sizeof label, "queue %d", q);
        cli_frames_row(f, label, res->queue_frames[q], res->frames_rx);
    }
    for (int h = 0; h < RSS_HT_COUNT; h++) {
        if (!res->hash_type_frames[h])
            continue;
        snprintf(label, sizeof label, "hash %s", rss_hash_type_name(h));
        cli_frames_row(f, label, res->hash_type_frames[h], res->frames_rx);
    }
    for (int k = 0; k < NIC_CSUM_COUNT; k++) {
        if (!res->csum_frames[k])
            continue;
        snprintf(label, sizeof label, "csum %s", nic_csum_name(k));
        cli_frames_row(f, label, res->csum_frames[k], res->frames_rx);
    }
    fputc('\n', f);
    cli_print_latency(f, c, res);
}

/* TCP Chimney in the summary: what was offloaded and what the NIC did. */
static void cli_print_toe(FILE *f, const ns_results *res)
{
    const hs_stats *st = &res->stack;
    if (st->toe_blocked[0]) {
        cli_row(f, "TCP Chimney", "not used: %.*s", (int)strnlen(st->toe_blocked, sizeof st->toe_blocked),
                st->toe_blocked);
        return;
    }
    if (!st->toe_attempts && !st->toe_no_slot)
        return;
    cli_row(f, "TCP Chimney", "%llu offloads of %llu attempts (peak %llu of %u slots), %llu refused, "
            "%llu found no slot", (unsigned long long)st->toe_successes, (unsigned long long)st->toe_attempts,
            (unsigned long long)st->toe_offloaded_peak, (unsigned)res->toe_slots,
            (unsigned long long)st->toe_refusals, (unsigned long long)st->toe_no_slot);
    cli_row(f, "", "  NIC: %llu frames placed, %llu absorbed, %llu payload bytes placed, %llu indicated, "
            "%llu ACKs", (unsigned long long)res->toe_placed_frames, (unsigned long long)res->toe_consumed_frames,
            (unsigned long long)st->toe_bytes_placed, (unsigned long long)st->toe_bytes_indicated,
            (unsigned long long)res->toe_acks);
    char up[512];
    size_t o = 0;
    up[0] = 0;
    for (int k = 0; k < HS_UP_COUNT && o < sizeof up; k++)
        if (st->toe_uploads[k])
            o += (size_t)snprintf(up + o, sizeof up - o, "%s%s %llu", o ? ", " : "", hs_upload_reason_name(k),
                                  (unsigned long long)st->toe_uploads[k]);
    cli_row(f, "", "  uploads: %s", o ? up : "none");
}

static void cli_print_netdma(FILE *f, const ns_results *res)
{
    const hs_stats *st = &res->stack;
    if (st->netdma_blocked[0]) {
        cli_row(f, "NetDMA", "not used: %.*s", (int)strnlen(st->netdma_blocked, sizeof st->netdma_blocked),
                st->netdma_blocked);
        return;
    }
    if (!res->netdma_channels)
        return;
    uint64_t all = st->netdma_bytes + st->bytes_copied;
    cli_row(f, "NetDMA", "%llu copies, %llu bytes by the engine (%.1f%%), %llu by the CPUs; engine busy %.1f%%",
            (unsigned long long)st->netdma_copies, (unsigned long long)st->netdma_bytes,
            all ? 100.0 * (double)st->netdma_bytes / (double)all : 0.0, (unsigned long long)st->bytes_copied,
            res->netdma_engine_cycles ? 100.0 * (double)res->netdma_busy_cycles / (double)res->netdma_engine_cycles : 0.0);
    cli_row(f, "", "  completions: %llu by poll, %llu by interrupt; %llu synchronous waits (%llu cycles)",
            (unsigned long long)st->netdma_done_poll, (unsigned long long)st->netdma_done_irq,
            (unsigned long long)st->netdma_sync_waits, (unsigned long long)st->netdma_sync_wait_cycles);
    if (res->netdma_checked)
        cli_row(f, "", "  ownership check: %llu violation%s", (unsigned long long)res->netdma_violations,
                res->netdma_violations == 1 ? "" : "s");
    for (int i = 0; i < res->nviolation_lines; i++) cli_row(f, "", "    %s", res->violation_lines[i]);
}

/* The run's details: configuration, frames, host interface, CPUs, stack, queues. */
static void cli_print_details(FILE *f, const cli_scenario *sc, const ns_results *res)
{
    cli_print_setup(f, sc, res);
    cli_print_frames(f, res);
    cli_print_toe(f, res);
    cli_print_netdma(f, res);
    cli_print_cpus(f, res);
    cli_print_stack(f, res);
    cli_print_classes(f, cli_scenario_config_const(sc), res);
}

/* ---- offload vs software table ---- */

/* One row of the comparison: a value per run, how to print it, and whether a larger
 * value is the gain (throughput) rather than the cost. */
typedef struct cli_cmp_row {
    const char *label;
    int decimals;       /* -1: integer */
    int gain;           /* 1: saved = offload - software; 0: software - offload */
    double (*get)(const ns_results *res);
    int points;         /* 1: a percentage: its difference is in percentage points */
} cli_cmp_row;

static double cli_get_gbps(const ns_results *r) { return cli_throughput_gbps(r); }
static double cli_get_cycles(const ns_results *r) { return (double)cli_total_cycles(r); }
static double cli_get_cpb(const ns_results *r) { return cli_cycles_per_byte(r); }
static double cli_get_cpp(const ns_results *r) { return cli_cycles_per_packet(r); }
static double cli_get_util_avg(const ns_results *r) { return cli_cpu_utilization_avg_pct(r); }
static double cli_get_util_max(const ns_results *r) { return cli_cpu_utilization_max_pct(r); }
static double cli_get_irq(const ns_results *r) { return (double)r->irq_count; }
static double cli_get_copied(const ns_results *r) { return (double)r->stack.bytes_copied; }
static double cli_get_dropped(const ns_results *r) { return (double)cli_frames_dropped(r); }

static const cli_cmp_row cli_cmp_rows[] = {
    {"throughput (Gb/s)", 3, 1, cli_get_gbps, 0},
    {"CPU cycles total", -1, 0, cli_get_cycles, 0},
    {"cycles/byte", 3, 0, cli_get_cpb, 0},
    {"cycles/packet", 1, 0, cli_get_cpp, 0},
    {"CPU utilization avg (%)", 1, 0, cli_get_util_avg, 1},
    {"CPU utilization max (%)", 1, 0, cli_get_util_max, 1},
    {"interrupts", -1, 0, cli_get_irq, 0},
    {"bytes copied", -1, 0, cli_get_copied, 0},
    {"frames dropped", -1, 0, cli_get_dropped, 0},
};

#define CLI_TLABEL 26
#define CLI_TCOL 14

static void cli_num(char *buf, size_t len, double v, int decimals)
{
    if (decimals < 0)
        snprintf(buf, len, "%.0f", v);
    else
        snprintf(buf, len, "%.*f", decimals, v);
}

static void cli_print_comparison(FILE *f, const ns_results *res, const ns_results *base)
{
    char a[48], b[48], d[48], p[48];
    if (base) {
        fprintf(f, "offload vs software baseline (same trace; software: RSS, checksum offload "
                "and TCP Chimney off)\n");
        char line[1024];
        cli_headline(line, sizeof line, res, base);
        fprintf(f, "headline: %s\n", line);
        if (cli_headline_pct(res, base) < 0) {
            cli_cost_reasons(line, sizeof line, res, base);
            if (line[0])
                fprintf(f, "  where: %s\n", line);
        }
        fprintf(f, "%-*s %*s %*s %*s %*s\n", CLI_TLABEL, "", CLI_TCOL, "offload", CLI_TCOL,
                "software", CLI_TCOL, "saved (abs)", CLI_TCOL, "saved %");
    } else {
        fprintf(f, "host CPU (no software baseline: --no-baseline)\n");
        fprintf(f, "%-*s %*s\n", CLI_TLABEL, "", CLI_TCOL, "offload");
    }
    for (size_t i = 0; i < sizeof cli_cmp_rows / sizeof cli_cmp_rows[0]; i++) {
        const cli_cmp_row *row = &cli_cmp_rows[i];
        double vo = row->get(res);
        cli_num(a, sizeof a, vo, row->decimals);
        if (!base) {
            fprintf(f, "  %-*s %*s\n", CLI_TLABEL - 2, row->label, CLI_TCOL, a);
            continue;
        }
        double vs = row->get(base);
        double saved = row->gain ? vo - vs : vs - vo;
        cli_num(b, sizeof b, vs, row->decimals);
        cli_num(d, sizeof d, saved, row->decimals);
        /* a difference of percentages is in percentage points, never a percent of a percent;
         * no percentage of a base that is zero or negative */
        if (row->points)
            strncat(d, " pp", sizeof d - strlen(d) - 1);
        if (vs > 0 && !row->points)
            snprintf(p, sizeof p, "%.1f%%", saved / vs * 100.0);
        else
            snprintf(p, sizeof p, "-");
        fprintf(f, "  %-*s %*s %*s %*s %*s\n", CLI_TLABEL - 2, row->label, CLI_TCOL, a, CLI_TCOL,
                b, CLI_TCOL, d, CLI_TCOL, p);
    }
    if (base)
        fprintf(f, "  (saved = software - offload; for throughput, offload - software; "
                "saved %% of software; pp: percentage points)\n");
    if (base && !cli_same_work(res, base))
        fprintf(f, "  (the runs delivered different amounts: total cycles, utilization and "
                "copies cover different work; compare cycles/byte)\n");
    fputc('\n', f);

    /* cycle breakdown by kind, both runs side by side */
    uint64_t to = cli_total_cycles(res), ts = base ? cli_total_cycles(base) : 0;
    if (base)
        fprintf(f, "%-*s %*s %7s %*s %7s %*s\n", CLI_TLABEL, "cycle breakdown", CLI_TCOL,
                "offload", "%", CLI_TCOL, "software", "%", CLI_TCOL, "saved");
    else
        fprintf(f, "%-*s %*s %7s\n", CLI_TLABEL, "cycle breakdown", CLI_TCOL, "offload", "%");
    for (int k = 0; k < HS_K_COUNT; k++) {
        uint64_t ko = res->stack.kind_cycles[k], ks = base ? base->stack.kind_cycles[k] : 0;
        if (ko == 0 && ks == 0)
            continue;
        snprintf(p, sizeof p, "%.1f%%", cli_pct(ko, to));
        if (!base) {
            fprintf(f, "  %-*s %*llu %7s\n", CLI_TLABEL - 2, hs_kind_name(k), CLI_TCOL,
                    (unsigned long long)ko, p);
            continue;
        }
        snprintf(d, sizeof d, "%.1f%%", cli_pct(ks, ts));
        snprintf(b, sizeof b, "%lld", cli_sdiff(ks, ko));
        fprintf(f, "  %-*s %*llu %7s %*llu %7s %*s\n", CLI_TLABEL - 2, hs_kind_name(k), CLI_TCOL,
                (unsigned long long)ko, p, CLI_TCOL, (unsigned long long)ks, d, CLI_TCOL, b);
    }
    if (base) {
        snprintf(b, sizeof b, "%lld", cli_sdiff(ts, to));
        fprintf(f, "  %-*s %*llu %7s %*llu %7s %*s\n", CLI_TLABEL - 2, "total", CLI_TCOL,
                (unsigned long long)to, to ? "100.0%" : "-", CLI_TCOL, (unsigned long long)ts,
                ts ? "100.0%" : "-", CLI_TCOL, b);
    } else {
        fprintf(f, "  %-*s %*llu %7s\n", CLI_TLABEL - 2, "total", CLI_TCOL,
                (unsigned long long)to, to ? "100.0%" : "-");
    }
}

/* Tenths of a percent for each feature's pct, rounded so that they add up to the rounded total
 * (largest remainder: each rounded down, then the missing tenths to the largest remainders). */
static void cli_split_tenths(const cli_split_calc *c, unsigned features, long long tenths[NS_FEATURES])
{
    double rem[NS_FEATURES];
    long long sum = 0, want = llround(c->total_pct * 10.0);
    for (int i = 0; i < NS_FEATURES; i++) {
        double x = c->pct[i] * 10.0;
        tenths[i] = (features & (1u << i)) ? (long long)floor(x) : 0;
        rem[i] = (features & (1u << i)) ? x - floor(x) : -1.0;
        sum += tenths[i];
    }
    for (; sum < want; sum++) {
        int best = -1;
        for (int i = 0; i < NS_FEATURES; i++)
            if (rem[i] >= 0 && (best < 0 || rem[i] > rem[best]))
                best = i;
        if (best < 0)
            break;
        tenths[best]++;
        rem[best] = -1.0;
    }
}

static void cli_fmt_tenths(char *buf, size_t len, long long t)
{
    snprintf(buf, len, "%s%lld.%lld%%", t < 0 ? "-" : "", llabs(t) / 10, llabs(t) % 10);
}

/* The "savings by feature" block. */
static void cli_print_split(FILE *f, const cli_split *sp)
{
    cli_split_calc c;
    cli_split_calc_do(sp, &c);
    fprintf(f, "\nsavings by feature, in the order checksum, RSS, NetDMA, Chimney\n(each added "
            "to the software baseline on top of the ones before it: a saving depends on that "
            "order)\n");
    if (c.basis == CLI_SPLIT_NONE) {
        fprintf(f, "  (no split: a run of the ladder delivered nothing while another delivered "
                "bytes, so no cost per byte compares)\n");
        return;
    }
    long long tenths[NS_FEATURES];
    cli_split_tenths(&c, sp->features, tenths);
    fprintf(f, "%-*s %5s %*s %*s %9s\n", CLI_TLABEL, "", "state", CLI_TCOL, "cycles after",
            CLI_TCOL, "saved", "saved %");
    fprintf(f, "  %-*s %5s %*lld\n", CLI_TLABEL - 2, "software baseline", "", CLI_TCOL, c.norm[0]);
    for (int i = 0; i < NS_FEATURES; i++) {
        char p[32];
        if (!(sp->features & (1u << i))) {
            fprintf(f, "  %-*s %5s %*s %*s %9s\n", CLI_TLABEL - 2, ns_feature_names[i], "off",
                    CLI_TCOL, "-", CLI_TCOL, "0", "-");
            continue;
        }
        int k = 0;
        while (k < c.n && cli_rung_feature(sp->features, k + 1) != i)
            k++;
        cli_fmt_tenths(p, sizeof p, tenths[i]);
        fprintf(f, "  %-*s %5s %*lld %*lld %9s\n", CLI_TLABEL - 2, ns_feature_names[i], "on",
                CLI_TCOL, c.norm[k + 1], CLI_TCOL, c.saved[i], p);
    }
    char tp[32];
    cli_fmt_tenths(tp, sizeof tp, llround(c.total_pct * 10.0));
    fprintf(f, "  %-*s %5s %*s %*lld %9s\n", CLI_TLABEL - 2, "total", "", CLI_TCOL, "", CLI_TCOL,
            c.total, tp);
    if (c.basis == CLI_SPLIT_PER_BYTE)
        fprintf(f, "  (the runs delivered different amounts: every run's cycles are scaled to this "
                "run's %llu delivered bytes,\n   i.e. its cycles per delivered byte x %llu, to the "
                "nearest cycle)\n", (unsigned long long)c.work, (unsigned long long)c.work);
    fprintf(f, "  (cycles after: the run with the features up to that one on; saved %% of the "
            "baseline's cycles,\n   rounded so the features add up to the total)\n");
}

void cli_report_print_text_split(FILE *f, const cli_scenario *sc, const ns_results *res,
                                 const ns_results *base, const cli_split *split)
{
    cli_print_details(f, sc, res);
    fputc('\n', f);
    cli_print_comparison(f, res, base);
    if (base && split)
        cli_print_split(f, split);
}

void cli_report_print_text(FILE *f, const cli_scenario *sc, const ns_results *res,
                           const ns_results *base)
{
    cli_report_print_text_split(f, sc, res, base, NULL);
}
