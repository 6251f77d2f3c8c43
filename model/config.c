/* Defaults of the simulated system's configuration (ns_config) and small name tables.
 * Plain C: the CLI and its tests use it without the SystemC/Verilator model. */
#include "nicsim_model.h"
#include "netdma.h"

#include "rss.h"
#include "simtime.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void ns_config_defaults(ns_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);

    /* [nic] */
    cfg->data_width = 64;
    cfg->clock_mhz = 0;  /* 0: chosen by ns_config_finalize() from data_width */
    cfg->link_gbps = 0;  /* 0: likewise */
    cfg->mtu = 1500;
    cfg->resegment = 1;
    cfg->rss_enable = 1;
    memcpy(cfg->rss_key, rss_default_key, sizeof cfg->rss_key);
    cfg->rss_hash_types = RSS_HT_DEFAULT_MASK;
    cfg->rss_queues = 1;
    cfg->table_size = NS_TABLE_MAX;
    cfg->table_given = 0;
    for (int i = 0; i < NS_TABLE_MAX; i++)
        cfg->table[i] = 0;  /* round-robin over one queue */
    cfg->csum_offload = 1;
    cfg->rx_fifo_bytes = 65536;
    cfg->quantum_cycles = 1024;

    /* [replay] */
    cfg->timing = NS_TIMING_RECORDED;
    cfg->multiplier = 1.0;
    cfg->mbps = 0;
    cfg->pps = 0;
    cfg->loop = 1;
    cfg->fix_checksums = NS_FIX_CSUM_AUTO;

    /* [scenario] */
    cfg->host_mode = NS_HOST_AUTO;
    cfg->host_count = 0;

    /* host interface */
    pcie_config_defaults(&cfg->pcie);
    cfg->irq_moderation_frames = 8;
    cfg->irq_moderation_us = 50.0;
    cfg->cpus = 2;
    cfg->cpu_mhz = 0; /* 0: the cost profile's clock */
    cfg->memory_mb = 64;
    cfg->rx_ring_entries = 512;
    cfg->rx_buf_bytes = 2048;
    cfg->tx_ring_entries = 256;
    cfg->dpc_budget = 64;
    cfg->host_pcap = NULL;
    snprintf(cfg->cost_profile, sizeof cfg->cost_profile, "xeon-2006");
    hs_config_defaults(&cfg->stack);
    cfg->netdma_channels = NS_NETDMA_CHANNELS;
    cfg->netdma_check = 1;
    cfg->netdma_clock_mhz = 266.67;
    cfg->netdma_ring = 1024;
    cfg->netdma_intr_delay_us = 0;
    cfg->mem_gbps = 21.3;
    cfg->streams_dir = NULL;

    /* outputs: all off */
    cfg->trace_path = NULL;
    cfg->wave_path = NULL;
    cfg->wave_from_ps = 0;
    cfg->wave_to_ps = 0;
    cfg->packet_log = NULL;
    cfg->progress = 0;
}

/* Core clock for a data width: 64 bits at 156.25 MHz is exactly 10 Gb/s; the wider
 * datapaths run at 250 MHz. */
static double ns_default_clock_mhz(int data_width)
{
    return data_width <= 64 ? 156.25 : 250.0;
}

/* Line rate a data width is built for (always below data_width x clock). */
static double ns_default_link_gbps(int data_width)
{
    if (data_width <= 64)
        return 10.0;
    if (data_width <= 128)
        return 25.0;
    if (data_width <= 256)
        return 40.0;
    return 100.0;
}

void ns_config_finalize(ns_config *cfg)
{
    if (cfg->clock_mhz <= 0)
        cfg->clock_mhz = ns_default_clock_mhz(cfg->data_width);
    if (cfg->link_gbps <= 0)
        cfg->link_gbps = ns_default_link_gbps(cfg->data_width);
    cfg->stack.link_bps = (uint64_t)llround(cfg->link_gbps * 1e9); /* Chimney's automatic policy */
    if (cfg->rss_queues < 1)
        cfg->rss_queues = 1;
    if (cfg->rss_queues > NS_MAX_QUEUES)
        cfg->rss_queues = NS_MAX_QUEUES;
    if (cfg->table_size < 1 || cfg->table_size > NS_TABLE_MAX ||
        (cfg->table_size & (cfg->table_size - 1)) != 0) {
        cfg->table_size = NS_TABLE_MAX;
        cfg->table_given = 0;
    }
    if (!cfg->table_given) {
        for (int i = 0; i < cfg->table_size; i++)
            cfg->table[i] = (uint8_t)(i % cfg->rss_queues);
    }
}

/* 0 if lo <= v <= hi (or v == 0 and zero_ok), else -2 with a message. */
static int ns_check_range(const char *key, double v, double lo, double hi, int zero_ok,
                          const char *zero_means, char *err, size_t errlen)
{
    if ((zero_ok && v == 0) || (v >= lo && v <= hi))
        return 0;
    snprintf(err, errlen, "%s %g is out of range (expected %s%g..%g)", key, v,
             zero_ok ? zero_means : "", lo, hi);
    return -2;
}

int ns_config_check(const ns_config *cfg, char *err, size_t errlen)
{
    int rc;
    if ((rc = ns_check_range("nic.clock_mhz", cfg->clock_mhz, NS_CLOCK_MHZ_MIN, NS_CLOCK_MHZ_MAX,
                             1, "0 for the default, or ", err, errlen)) < 0 ||
        (rc = ns_check_range("nic.link_gbps", cfg->link_gbps, NS_LINK_GBPS_MIN, NS_LINK_GBPS_MAX,
                             1, "0 for the default, or ", err, errlen)) < 0 ||
        (rc = ns_check_range("nic.irq_moderation_us", cfg->irq_moderation_us, 0, NS_IRQ_US_MAX, 0,
                             "", err, errlen)) < 0 ||
        (rc = ns_check_range("host.cpu_mhz", cfg->cpu_mhz, NS_CPU_MHZ_MIN, NS_CPU_MHZ_MAX, 1,
                             "0 for the profile's, or ", err, errlen)) < 0 ||
        (rc = ns_check_range("replay.multiplier", cfg->multiplier, NS_MULTIPLIER_MIN,
                             NS_MULTIPLIER_MAX, 0, "", err, errlen)) < 0 ||
        (rc = ns_check_range("replay.mbps", cfg->mbps, NS_MBPS_MIN, NS_MBPS_MAX, 1,
                             "0 for off, or ", err, errlen)) < 0 ||
        (rc = ns_check_range("replay.pps", cfg->pps, NS_PPS_MIN, NS_PPS_MAX, 1, "0 for off, or ",
                             err, errlen)) < 0 ||
        (rc = ns_check_range("app.cycles_per_byte", cfg->stack.app_cycles_per_byte < 0 ? 0 :
                             cfg->stack.app_cycles_per_byte, 0, HS_COST_BYTE_MAX, 0, "", err,
                             errlen)) < 0 ||
        (rc = ns_check_range("app.consume_mbps in bytes/s", cfg->stack.app_rate_bytes_per_s,
                             HS_APP_RATE_MIN, HS_APP_RATE_MAX, 1, "0 for at once, or ", err,
                             errlen)) < 0 ||
        (rc = ns_check_range("netdma.channels", cfg->netdma_channels, 1, NS_NETDMA_CHANNELS, 0, "",
                             err, errlen)) < 0 ||
        (rc = ns_check_range("netdma.clock_mhz", cfg->netdma_clock_mhz, NS_NETDMA_MHZ_MIN,
                             NS_NETDMA_MHZ_MAX, 0, "", err, errlen)) < 0 ||
        (rc = ns_check_range("netdma.ring", cfg->netdma_ring, 16, 32768, 0, "", err, errlen)) < 0 ||
        (rc = ns_check_range("netdma.intr_delay_us", cfg->netdma_intr_delay_us, 0, 100000, 0, "",
                             err, errlen)) < 0 ||
        (rc = ns_check_range("host.mem_gbps", cfg->mem_gbps, NS_MEM_GBPS_MIN, NS_MEM_GBPS_MAX, 0,
                             "", err, errlen)) < 0)
        return rc;
    if ((cfg->netdma_ring & (cfg->netdma_ring - 1)) != 0) {
        snprintf(err, errlen, "netdma.ring %u is not a power of two (expected 16..32768)",
                 (unsigned)cfg->netdma_ring);
        return -2;
    }
    if (cfg->netdma_check != 0 && cfg->netdma_check != 1) {
        snprintf(err, errlen, "netdma.check %d is out of range (expected 0 or 1)", cfg->netdma_check);
        return -2;
    }
    return 0;
}

const char *const ns_wave_filter_keys[NS_WAVE_FILTERS] = {"hash_type", "csum", "fate", "cpl_type"};

const char *const ns_feature_keys[NS_FEATURES] = {"checksum", "rss", "netdma", "chimney"};
const char *const ns_feature_names[NS_FEATURES] = {"checksum offload", "RSS", "NetDMA", "TCP Chimney"};

unsigned ns_config_features(const ns_config *cfg)
{
    unsigned f = 0;
    if (cfg->csum_offload || cfg->stack.csum_offload)
        f |= NS_FEAT_CHECKSUM;
    if (cfg->rss_enable)
        f |= NS_FEAT_RSS;
    if (cfg->stack.netdma)
        f |= NS_FEAT_NETDMA;
    /* Chimney is in use when it is on from the start, or when an event turns it on */
    int chimney = cfg->stack.chimney != 0;
    for (int i = 0; i < cfg->nevents && !chimney; i++)
        chimney = cfg->events[i].kind == NS_EV_CHIMNEY_ENABLED;
    if (chimney)
        f |= NS_FEAT_CHIMNEY;
    return f;
}

unsigned ns_ladder_rung(unsigned features, int k)
{
    unsigned m = 0;
    for (int i = 0; i < NS_FEATURES && k > 0; i++) {
        if (features & (1u << i)) {
            m |= 1u << i;
            k--;
        }
    }
    return m;
}

void ns_config_ladder(const ns_config *cfg, unsigned features, ns_config *out)
{
    if (out != cfg)
        memcpy(out, cfg, sizeof *out);
    /* every offload the model has, off (then the features asked for, back as configured):
     * RSS (the NIC does not hash; one queue, one CPU for receive interrupts and DPCs),
     * checksum offload (the stack verifies every checksum), TCP Chimney (no connection is
     * offloaded) and NetDMA (the CPU copies every byte). */
    if (!(features & NS_FEAT_RSS))
        out->rss_enable = 0;
    if (!(features & NS_FEAT_CHECKSUM)) {
        out->csum_offload = 0;
        out->stack.csum_offload = 0;
    }
    if (!(features & NS_FEAT_CHIMNEY))
        out->stack.chimney = 0;
    if (!(features & NS_FEAT_NETDMA))
        out->stack.netdma = 0;
    /* timed events: a link outage is part of the workload (every run loses the same frames);
     * netsh and firewall events only switch Chimney, which a run without it does not use */
    if (!(features & NS_FEAT_CHIMNEY)) {
        int ne = 0;
        for (int i = 0; i < cfg->nevents; i++)
            if (cfg->events[i].kind == NS_EV_LINK_DOWN || cfg->events[i].kind == NS_EV_LINK_UP)
                out->events[ne++] = cfg->events[i];
        out->nevents = ne;
    }
    /* outputs belong to the run as configured */
    out->wave_path = NULL;
    out->wave_save_path = NULL;
    out->wave_dumpfile = NULL;
    for (int i = 0; i < NS_WAVE_FILTERS; i++)
        out->wave_filter_paths[i] = NULL;
    out->wave_from_ps = 0;
    out->wave_to_ps = 0;
    out->packet_log = NULL;
    out->host_pcap = NULL;
    out->tx_pcap = NULL;
    out->streams_dir = NULL;
    out->stack.streams_dir = NULL;
    out->stack.app_data = NULL;
    out->stack.app_user = NULL;
    out->stats_interval_ps = 0;
    out->stats_out = NULL;
}

void ns_config_baseline(const ns_config *cfg, ns_config *out)
{
    ns_config_ladder(cfg, 0, out);
}

void ns_results_free(ns_results *res)
{
    if (!res)
        return;
    free(res->conns);
    res->conns = NULL;
    res->nconns = 0;
}

void ns_driver_config(const ns_config *c, drv_config *dc)
{
    drv_config_defaults(dc);
    dc->cpus = c->cpus;
    dc->rss_enable = c->rss_enable;
    dc->rx_queues = c->rss_enable ? c->rss_queues : 1;
    memcpy(dc->rss_key, c->rss_key, sizeof dc->rss_key);
    dc->hash_types = c->rss_hash_types;
    dc->table_size = c->table_size;
    memcpy(dc->table, c->table, sizeof dc->table);
    dc->csum_offload = c->csum_offload;
    dc->rx_ring_entries = c->rx_ring_entries;
    dc->rx_buf_bytes = c->rx_buf_bytes;
    dc->tx_ring_entries = c->tx_ring_entries;
    dc->irq_mod_frames = (uint16_t)c->irq_moderation_frames;
    dc->irq_mod_time_ns = (uint32_t)ns_scale_round(c->irq_moderation_us, 1000.0); /* us to ns */
    dc->dpc_budget = c->dpc_budget;
    dc->toe_enable = c->stack.chimney;
    /* NetDMA: the stack keeps a frame's receive buffer until the engine has read it; spares
       keep the ring full meanwhile */
    dc->rx_spare_buffers = ns_netdma_wanted(c) ? c->rx_ring_entries / 4 : 0;
    dc->toe_delack_ns = (uint32_t)(c->stack.delack_ns < UINT32_MAX ? c->stack.delack_ns : UINT32_MAX);
}

const char *ns_event_name(int kind)
{
    static const char *const names[NS_EV_COUNT] = {
        [NS_EV_CHIMNEY_ENABLED] = "netsh int ip set chimney ENABLED",
        [NS_EV_CHIMNEY_DISABLED] = "netsh int ip set chimney DISABLED",
        [NS_EV_FIREWALL_ON] = "firewall on",
        [NS_EV_FIREWALL_OFF] = "firewall off",
        [NS_EV_LINK_DOWN] = "link down",
        [NS_EV_LINK_UP] = "link up",
    };
    return kind >= 0 && kind < NS_EV_COUNT ? names[kind] : NULL;
}

uint64_t ns_toe_buffer_bytes(const ns_config *cfg)
{
    if (!cfg->stack.chimney)
        return 0;
    /* whole buffers, 64-byte aligned, for every slot (hs_config: toe_buffer_bytes and
       toe_posted_buffers, 0 meaning the application's own settings) */
    uint64_t bytes = cfg->stack.toe_buffer_bytes ? cfg->stack.toe_buffer_bytes : cfg->stack.recv_buffer_bytes;
    uint64_t n = cfg->stack.toe_posted_buffers ? cfg->stack.toe_posted_buffers : cfg->stack.posted_buffers;
    if (n > NIC_TOE_BUFS)
        n = NIC_TOE_BUFS;
    return (uint64_t)NS_TOE_SLOTS * n * ((bytes + 63) & ~(uint64_t)63);
}

int ns_netdma_wanted(const ns_config *cfg) { return cfg->stack.netdma && !hs_netdma_blocker(&cfg->stack); }

void ns_netdma_config(const ns_config *cfg, nd_config *ndc)
{
    nd_config_defaults(ndc);
    ndc->cpus = cfg->cpus;
    ndc->channels = cfg->netdma_channels;
    ndc->ring_entries = cfg->netdma_ring;
    ndc->irq_vector_base = 0;
    ndc->intr_delay_ns = (uint32_t)ns_scale_round(cfg->netdma_intr_delay_us, 1000.0);
    ndc->mem_base = NS_HOST_DMA_BASE;
    ndc->mem_limit = NS_HOST_DMA_BASE + ((uint64_t)cfg->memory_mb << 20) + ns_toe_buffer_bytes(cfg);
}

uint64_t ns_mem_required(const ns_config *cfg)
{
    drv_config dc;
    ns_driver_config(cfg, &dc);
    uint64_t n = drv_mem_required(&dc);
    if (ns_netdma_wanted(cfg)) {
        nd_config ndc;
        ns_netdma_config(cfg, &ndc);
        n += nd_mem_required(&ndc, cfg->netdma_channels);
    }
    return n;
}
