/* Host TCP/IP stack, software receive path: creation, statistics, cycle accounting, the
 * receive entry (IP demux, checksums, the UDP sink) and teardown. TCP is in hs_tcp_in.c /
 * hs_tcp_out.c, the connection table in hs_conn.c, timers in hs_timers.c, the application
 * model in hs_app.c, stream files in hs_streams.c. Everything is per hs_stack; there is no
 * global mutable state. */
#include <stdlib.h>
#include <string.h>

#include "hs_internal.h"
#include "rss.h"

static const char *const hs_kind_names[HS_K_COUNT] = {
    [HS_K_INTERRUPT] = "interrupt", [HS_K_DPC] = "dpc",       [HS_K_DRIVER] = "driver",
    [HS_K_IP_RX] = "ip_rx",         [HS_K_TCP_RX] = "tcp_rx", [HS_K_UDP_RX] = "udp_rx",
    [HS_K_CHECKSUM] = "checksum",   [HS_K_HASH] = "hash",     [HS_K_LOOKUP] = "lookup",
    [HS_K_REASM] = "reasm",         [HS_K_COPY] = "copy",     [HS_K_ACK_TX] = "ack_tx",
    [HS_K_TIMER] = "timer",         [HS_K_APP] = "app",       [HS_K_BUFFER_POST] = "buffer_post",
    [HS_K_OFFLOAD] = "offload",     [HS_K_NETDMA] = "netdma", [HS_K_NETDMA_WAIT] = "netdma_wait",
};

const char *hs_kind_name(int kind)
{
    return kind >= 0 && kind < HS_K_COUNT ? hs_kind_names[kind] : NULL;
}

/* ---- accounting ---- */
int hs_cpu(hs_stack *s, int cpu)
{
    if (cpu < 0 || cpu >= s->cfg.cpus) {
        s->st.bad_cpu++;
        return 0;
    }
    return cpu;
}

uint64_t hs_charge(hs_stack *s, int cpu, int kind, uint64_t cycles)
{
    cpu = hs_cpu(s, cpu);
    if (kind < 0 || kind >= HS_K_COUNT)
        kind = HS_K_DRIVER;
    s->fx_cpu[cpu] += cycles << HS_FX_SHIFT;
    s->fx_kind[cpu][kind] += cycles << HS_FX_SHIFT;
    return cycles;
}

uint64_t hs_charge_op(hs_stack *s, int cpu, int kind, const char *key, uint64_t count)
{
    return hs_charge(s, cpu, kind, hs_cost_cycles(&s->cost, key, count));
}

/* ---- configuration ---- */
void hs_config_defaults(hs_config *c)
{
    memset(c, 0, sizeof *c);
    c->cpus = 1;
    c->csum_offload = 1;
    memcpy(c->rss_key, rss_default_key, sizeof c->rss_key);
    c->recv_buffer_bytes = 65536;
    c->posted_buffers = 2;
    c->app_cycles_per_byte = -1;
    c->app_rate_bytes_per_s = 0;
    c->complete_on_push = 1;
    c->rcv_window_bytes = 65535;
    c->ack_every = 2;
    c->delack_ns = 200000000ull;
    c->mss = 0;
    c->max_hold_bytes = 64ull << 20;
    c->chimney = 1;
    c->netdma = 1;
    c->min_dma_bytes = 256;
    c->dma_sync_threshold = 0;
    c->netdma_break = HS_NDB_NONE;
    c->chimney_policy = HS_CHIMNEY_ALWAYS;
    c->auto_min_bytes = 130000;
    c->auto_max_rtt_ns = 20000000ull;
    c->auto_min_link_bps = 10000000000ull;
    c->link_bps = 10000000000ull;
}

static int hs_config_check(const hs_config *cfg, const hs_cost *cost, char *err, size_t errlen)
{
    if (cfg->cpus < 1 || cfg->cpus > HS_MAX_CPUS)
        return hs_errf(err, errlen, HS_EINVAL, "hs_create: cpus %d out of range 1..%d", cfg->cpus,
                       HS_MAX_CPUS);
    if (cfg->recv_buffer_bytes < 1 || cfg->recv_buffer_bytes > (1u << 30))
        return hs_errf(err, errlen, HS_EINVAL, "hs_create: recv_buffer_bytes %u out of range 1..2^30",
                       cfg->recv_buffer_bytes);
    if (cfg->posted_buffers < 1 || cfg->posted_buffers > 1024)
        return hs_errf(err, errlen, HS_EINVAL, "hs_create: posted_buffers %u out of range 1..1024",
                       cfg->posted_buffers);
    if ((uint64_t)cfg->recv_buffer_bytes * cfg->posted_buffers > (1ull << 31))
        return hs_errf(err, errlen, HS_EINVAL,
                       "hs_create: recv_buffer_bytes x posted_buffers above 2 GiB per connection");
    if (cfg->ack_every < 1)
        return hs_errf(err, errlen, HS_EINVAL, "hs_create: ack_every must be >= 1");
    if (cfg->rcv_window_bytes > 65535)
        return hs_errf(err, errlen, HS_EINVAL,
                       "hs_create: rcv_window_bytes %u above 65535 (no window scaling)",
                       cfg->rcv_window_bytes);
    if (!(cfg->app_rate_bytes_per_s == 0 || (cfg->app_rate_bytes_per_s >= HS_APP_RATE_MIN &&
                                             cfg->app_rate_bytes_per_s <= HS_APP_RATE_MAX)))
        return hs_errf(err, errlen, HS_EINVAL, "hs_create: app_rate_bytes_per_s %g out of range "
                       "(expected 0, or %g..%g)", cfg->app_rate_bytes_per_s, HS_APP_RATE_MIN,
                       HS_APP_RATE_MAX);
    if (!isfinite(cfg->app_cycles_per_byte) || cfg->app_cycles_per_byte > HS_COST_BYTE_MAX)
        return hs_errf(err, errlen, HS_EINVAL, "hs_create: app_cycles_per_byte %g out of range "
                       "(expected <= %g; < 0: the profile's)", cfg->app_cycles_per_byte,
                       HS_COST_BYTE_MAX);
    if (cfg->host_count < 0 || cfg->host_count > HS_MAX_HOSTS)
        return hs_errf(err, errlen, HS_EINVAL, "hs_create: host_count %d out of range 0..%d",
                       cfg->host_count, HS_MAX_HOSTS);
    for (int i = 0; i < cfg->host_count; i++)
        if (cfg->hosts[i].family != 4 && cfg->hosts[i].family != 6)
            return hs_errf(err, errlen, HS_EINVAL, "hs_create: host %d: family must be 4 or 6", i);
    if (cfg->toe_posted_buffers > NIC_TOE_BUFS)
        return hs_errf(err, errlen, HS_EINVAL, "hs_create: toe_posted_buffers %u out of range 0..%d",
                       cfg->toe_posted_buffers, NIC_TOE_BUFS);
    if (cfg->toe_buffer_bytes > (1u << 30))
        return hs_errf(err, errlen, HS_EINVAL, "hs_create: toe_buffer_bytes %u out of range 0..2^30",
                       cfg->toe_buffer_bytes);
    if (cfg->chimney_policy != HS_CHIMNEY_ALWAYS && cfg->chimney_policy != HS_CHIMNEY_AUTOMATIC)
        return hs_errf(err, errlen, HS_EINVAL, "hs_create: chimney_policy %d unknown", cfg->chimney_policy);
    {
        const int nl[4] = {cfg->n_exclude_dst, cfg->n_exclude_src, cfg->n_include_dst, cfg->n_include_src};
        for (int i = 0; i < 4; i++)
            if (nl[i] < 0 || nl[i] > HS_PORT_LIST_MAX)
                return hs_errf(err, errlen, HS_EINVAL, "hs_create: port list of %d entries (at most %d)",
                               nl[i], HS_PORT_LIST_MAX);
    }
    if (cfg->min_dma_bytes < HS_MIN_DMA_MIN || cfg->min_dma_bytes > HS_MIN_DMA_MAX)
        return hs_errf(err, errlen, HS_EINVAL, "hs_create: min_dma_bytes %u out of range %d..%d "
                       "(MinPacketSizeToDma)", cfg->min_dma_bytes, HS_MIN_DMA_MIN, HS_MIN_DMA_MAX);
    if (cfg->dma_sync_threshold > HS_DMA_SYNC_MAX)
        return hs_errf(err, errlen, HS_EINVAL, "hs_create: dma_sync_threshold %u out of range 0..%d "
                       "(DmaSyncCompletionHighThreshold)", cfg->dma_sync_threshold, HS_DMA_SYNC_MAX);
    if (cfg->netdma_break < 0 || cfg->netdma_break >= HS_NDB_COUNT)
        return hs_errf(err, errlen, HS_EINVAL, "hs_create: netdma_break %d unknown", cfg->netdma_break);
    char cerr[160];
    if (hs_cost_check(cost, cerr, sizeof cerr) != 0)
        return hs_errf(err, errlen, HS_EINVAL, "hs_create: cost profile: %s", cerr);
    return 0;
}

int hs_create(hs_stack **out, const hs_config *cfg, const hs_cost *cost, hs_tx_fn tx,
              void *tx_user, char *err, size_t errlen)
{
    *out = NULL;
    if (!cfg || !cost)
        return hs_errf(err, errlen, HS_EINVAL, "hs_create: config and cost profile are required");
    int rc = hs_config_check(cfg, cost, err, errlen);
    if (rc)
        return rc;

    hs_stack *s = calloc(1, sizeof *s);
    if (!s)
        return hs_errf(err, errlen, HS_ENOMEM, "hs_create: out of memory");
    s->cfg = *cfg;
    s->cfg.streams_dir = NULL; /* the stream writer keeps its own copy */
    s->cost = *cost;
    s->tx = tx;
    s->tx_user = tx_user;
    s->app_cpb = cfg->app_cycles_per_byte >= 0 ? cfg->app_cycles_per_byte : cost->v[HS_C_APP_BYTE];
    s->rcv_wnd = cfg->rcv_window_bytes;
    s->st.cpus = cfg->cpus;
    s->all_tail = &s->all;
    s->last_rx_conn = -1;
    hs_toe_create(s);
    hs_nd_create(s);
    s->nbucket = 256;
    s->bucket = calloc(s->nbucket, sizeof *s->bucket);
    s->udp_sink = malloc(HS_UDP_SINK_BYTES);
    if (!s->bucket || !s->udp_sink) {
        rc = hs_errf(err, errlen, HS_ENOMEM, "hs_create: out of memory");
        goto fail;
    }
    /* consumers of delivered bytes: the stream files first, then the caller's callback */
    if (cfg->streams_dir) {
        rc = hs_streams_create(&s->streams, cfg->streams_dir, err, errlen);
        if (rc)
            goto fail;
        hs_app_add_sink(s, hs_streams_data, hs_streams_finished, s->streams);
    }
    if (cfg->app_data)
        hs_app_add_sink(s, cfg->app_data, NULL, cfg->app_user);
    *out = s;
    return 0;
fail:
    hs_streams_destroy(s->streams);
    free(s->bucket);
    free(s->udp_sink);
    free(s);
    return rc;
}

const hs_cost *hs_get_cost(const hs_stack *s) { return &s->cost; }

void hs_get_stats(const hs_stack *s, hs_stats *st)
{
    *st = s->st;
    st->total_cycles = 0;
    memset(st->kind_cycles, 0, sizeof st->kind_cycles);
    for (int c = 0; c < HS_MAX_CPUS; c++) {
        st->cpu_cycles[c] = s->fx_cpu[c] >> HS_FX_SHIFT;
        st->total_cycles += st->cpu_cycles[c];
        for (int k = 0; k < HS_K_COUNT; k++)
            st->cpu_kind_cycles[c][k] = s->fx_kind[c][k] >> HS_FX_SHIFT;
    }
    for (int k = 0; k < HS_K_COUNT; k++) {
        uint64_t fx = 0;
        for (int c = 0; c < HS_MAX_CPUS; c++)
            fx += s->fx_kind[c][k];
        st->kind_cycles[k] = fx >> HS_FX_SHIFT;
    }
    st->csum_drops = st->drop_bad_ip_csum + st->drop_bad_l4_csum;
    if (s->streams)
        hs_streams_stats(s->streams, &st->stream_bytes_written, &st->stream_errors);
}

/* ---- UDP receive: a datagram sink ---- */
static void hs_udp_input(hs_stack *s, int cpu, const hs_rx_frame *f, const pkt_frame_info *fi,
                         uint32_t plen, int warm)
{
    hs_chg(s, cpu, HS_K_UDP_RX, hs_c(s, HS_C_UDP_RX));
    hs_chg(s, cpu, HS_K_LOOKUP, hs_c(s, HS_C_LOOKUP));
    uint32_t n = plen < HS_UDP_SINK_BYTES ? plen : HS_UDP_SINK_BYTES;
    memcpy(s->udp_sink, f->data + fi->payload_off, n);
    hs_chg(s, cpu, HS_K_COPY, hs_c(s, warm ? HS_C_COPY_WARM_BYTE : HS_C_COPY_COLD_BYTE) * n);
    s->st.bytes_copied += n;
    s->st.mem_bytes += 2ull * n;
    hs_chg(s, cpu, HS_K_APP, hs_c(s, HS_C_APP_RECV) + s->app_cpb * n);
    if (s->app_cpb > 0)
        s->st.mem_bytes += n;
    s->st.app_bytes += n;
    s->st.app_receives++;
    s->st.udp_datagrams++;
    s->st.udp_bytes += n;
}

/* ---- frame receive ---- */
static int hs_dst_accepted(const hs_stack *s, const pkt_frame_info *fi)
{
    if (s->cfg.host_count == 0)
        return 1;
    const uint8_t *d = fi->dst;
    if (fi->l3 == 4 && ((d[0] & 0xf0) == 0xe0 || (d[0] == 255 && d[1] == 255 && d[2] == 255 && d[3] == 255)))
        return 1; /* IPv4 multicast or limited broadcast */
    if (fi->l3 == 6 && d[0] == 0xff)
        return 1; /* IPv6 multicast */
    int fam = fi->l3;
    int alen = fam == 6 ? 16 : 4;
    for (int i = 0; i < s->cfg.host_count; i++)
        if (s->cfg.hosts[i].family == fam && memcmp(s->cfg.hosts[i].a, d, (size_t)alen) == 0)
            return 1;
    return 0;
}

static void hs_sw_csum_charge(hs_stack *s, int cpu, size_t bytes)
{
    hs_chg(s, cpu, HS_K_CHECKSUM, hs_c(s, HS_C_CHECKSUM_PKT) + hs_c(s, HS_C_CHECKSUM_BYTE) * (double)bytes);
    s->st.csum_sw_bytes += bytes;
    s->st.mem_bytes += bytes;
}

/* The IP layer: parse, lengths, the IPv4 header checksum (NIC verdict when trusted, else in
 * software), destination, fragments, protocol. Returns 0 when the frame goes on to TCP/UDP,
 * -1 when it was dropped (counted). */
static int hs_ip_input(hs_stack *s, int cpu, const hs_rx_frame *f, int trust, pkt_frame_info *fi)
{
    memset(fi, 0, sizeof *fi);
    if (!f->data || f->len == 0 || pkt_frame_parse(f->data, f->len, fi) != 0) {
        if (fi->ethertype == PKT_ETHERTYPE_IPV4 || fi->ethertype == PKT_ETHERTYPE_IPV6)
            s->st.rx_malformed++;
        else
            s->st.rx_non_ip++;
        return -1;
    }
    const uint8_t *ip = f->data + fi->l3_off;
    size_t avail = f->len - fi->l3_off;
    size_t ihl = fi->l3 == 4 ? (size_t)(ip[0] & 15) * 4 : PKT_IPV6_HLEN;
    size_t iplen = fi->l3 == 4 ? pkt_get16(ip + 2) : PKT_IPV6_HLEN + (size_t)pkt_get16(ip + 4);
    if (iplen > avail) {
        s->st.rx_malformed++;
        return -1;
    }
    if (trust) {
        s->st.csum_hw_trusted++;
        if (f->csum == HS_CSUM_BAD_IP) {
            s->st.drop_bad_ip_csum++;
            return -1;
        }
    } else if (fi->l3 == 4) {
        s->st.csum_sw_ip++;
        hs_sw_csum_charge(s, cpu, ihl);
        if (pkt_csum_fold(pkt_csum_add(0, ip, ihl)) != 0xffff) {
            s->st.drop_bad_ip_csum++;
            return -1;
        }
    }
    if (!hs_dst_accepted(s, fi)) {
        s->st.rx_not_for_host++;
        return -1;
    }
    if (fi->frag) {
        s->st.rx_ip_fragments++;
        return -1;
    }
    if (fi->proto != PKT_IPPROTO_TCP && fi->proto != PKT_IPPROTO_UDP) {
        s->st.rx_other_proto++;
        return -1;
    }
    if (fi->l4_off == 0 || fi->payload_off == 0) {
        s->st.rx_malformed++;
        return -1;
    }
    return 0;
}

/* TCP/UDP checksum: the NIC's verdict when trusted, else verified in software (the payload
 * is then warm in the cache for the copy). Returns 0 if good, -1 when dropped (counted). */
static int hs_l4_csum(hs_stack *s, int cpu, const hs_rx_frame *f, const pkt_frame_info *fi,
                      int trust, size_t l4len, int *warm)
{
    *warm = 0;
    if (trust) {
        if (f->csum == HS_CSUM_BAD_L4) {
            s->st.drop_bad_l4_csum++;
            return -1;
        }
        return 0;
    }
    const uint8_t *l4 = f->data + fi->l4_off;
    /* a zero UDP checksum over IPv4 means "none" */
    if (fi->proto == PKT_IPPROTO_UDP && fi->l3 == 4 && pkt_get16(l4 + 6) == 0)
        return 0;
    s->st.csum_sw_l4++;
    hs_sw_csum_charge(s, cpu, l4len);
    int alen = fi->l3 == 6 ? 16 : 4;
    uint32_t sum = pkt_csum_pseudo(fi->src, fi->dst, alen, fi->proto, (uint32_t)l4len);
    *warm = 1;
    int bad = pkt_csum_fold(pkt_csum_add(sum, l4, l4len)) != 0xffff;
    if (fi->proto == PKT_IPPROTO_UDP && fi->l3 == 6 && pkt_get16(l4 + 6) == 0)
        bad = 1; /* RFC 8200: a zero UDP checksum is invalid over IPv6 */
    if (bad) {
        s->st.drop_bad_l4_csum++;
        return -1;
    }
    return 0;
}

static void hs_rx_frame_body(hs_stack *s, int cpu, const hs_rx_frame *f, uint64_t now)
{
    hs_chg(s, cpu, HS_K_IP_RX, hs_c(s, HS_C_IP_RX));
    int trust = s->cfg.csum_offload &&
                (f->csum == HS_CSUM_OK || f->csum == HS_CSUM_BAD_IP || f->csum == HS_CSUM_BAD_L4);
    pkt_frame_info fi;
    if (hs_ip_input(s, cpu, f, trust, &fi) != 0)
        return;
    size_t l4len = fi.ip_end - fi.l4_off;
    uint32_t udp_plen = 0;
    if (fi.proto == PKT_IPPROTO_UDP) {
        size_t ulen = pkt_get16(f->data + fi.l4_off + 4);
        if (ulen < PKT_UDP_HLEN || ulen > l4len) {
            s->st.rx_malformed++;
            return;
        }
        l4len = ulen;
        udp_plen = (uint32_t)(ulen - PKT_UDP_HLEN);
    }
    int warm;
    if (hs_l4_csum(s, cpu, f, &fi, trust, l4len, &warm) != 0)
        return;
    if (fi.proto == PKT_IPPROTO_TCP)
        hs_tcp_input(s, cpu, now, f, &fi, warm);
    else
        hs_udp_input(s, cpu, f, &fi, udp_plen, warm);
}

uint64_t hs_rx(hs_stack *s, const hs_rx_frame *f, uint64_t now_ns)
{
    int cpu = hs_cpu(s, f->cpu);
    uint64_t before = s->fx_cpu[cpu] >> HS_FX_SHIFT;
    s->rx_retained = 0;
    hs_nd_enter(s, cpu); /* NetDMA: retire the copies the engine completed */
    uint64_t fx_before = s->fx_cpu[cpu];
    s->st.rx_frames++;
    s->st.rx_bytes += f->len;
    s->rx_conn = NULL;
    s->rx_new_data = 0;
    hs_rx_frame_body(s, cpu, f, now_ns);
    hs_nd_rx_end(s);
    hs_nd_leave(s, cpu); /* NetDMA: the doorbell for this frame's copies */
    s->last_rx_conn = -1;
    if (s->rx_conn) {
        hs_conn *c = s->rx_conn;
        c->st_frames++;
        c->st_bytes += f->len;
        c->st_fx += s->fx_cpu[cpu] - fx_before;
        s->last_rx_conn = (int64_t)c->id;
        s->rx_conn = NULL;
    }
    return (s->fx_cpu[cpu] >> HS_FX_SHIFT) - before;
}

/* ---- per-connection statistics ---- */
uint64_t hs_conn_count(const hs_stack *s) { return s->nconn; }

uint64_t hs_conn_stats_get(const hs_stack *s, hs_conn_stats *out, uint64_t max)
{
    uint64_t n = 0;
    for (const hs_conn *c = s->all; c && n < max; c = c->lnext, n++) {
        hs_conn_stats *o = &out[n];
        memset(o, 0, sizeof *o);
        o->index = c->id;
        o->id = c->key;
        o->cpu = c->cpu;
        o->frames = c->st_frames;
        o->bytes = c->st_bytes;
        o->payload_bytes = c->st_payload;
        o->cycles = c->st_fx >> HS_FX_SHIFT;
        o->toe_state = c->toe;
        o->toe_times_offloaded = c->toe_times;
        o->toe_last_upload = c->toe_last_up;
        o->toe_bytes_placed = c->toe_placed;
    }
    return n;
}

int64_t hs_last_rx_conn(const hs_stack *s) { return s->last_rx_conn; }

int hs_last_rx_data(const hs_stack *s, uint32_t *end_seq, uint32_t *incarnation)
{
    if (!s->rx_new_data || s->last_rx_conn < 0)
        return 0;
    *end_seq = s->rx_end_seq;
    *incarnation = s->rx_incarnation;
    return 1;
}

uint64_t hs_mem_bytes(const hs_stack *s) { return s->st.mem_bytes; }

uint64_t hs_cpu_cycles(const hs_stack *s, int cpu)
{
    return cpu >= 0 && cpu < HS_MAX_CPUS ? s->fx_cpu[cpu] >> HS_FX_SHIFT : 0;
}

/* ---- teardown ---- */
int hs_flush_streams(hs_stack *s, char *err, size_t errlen)
{
    return s->streams ? hs_streams_flush(s->streams, err, errlen) : 0;
}

int hs_finish(hs_stack *s, char *err, size_t errlen)
{
    if (!s || s->finished)
        return 0;
    s->finished = 1;
    /* the model drives the engine dry before (hs_netdma_outstanding() == 0); copies still
       outstanding are counted: their bytes reach the application as the buffers hold them */
    s->st.netdma_unfinished += s->nd_out;
    for (hs_conn *c = s->all; c; c = c->lnext)
        hs_app_close_conn(s, c);
    return hs_flush_streams(s, err, errlen);
}

int hs_close(hs_stack *s, char *err, size_t errlen)
{
    if (!s)
        return 0;
    int rc = hs_finish(s, err, errlen);
    hs_conn *c = s->all;
    while (c) {
        hs_conn *n = c->lnext;
        hs_toe_conn_free(s, c);
        hs_nd_buf_release(s, c);
        hs_conn_free(c);
        c = n;
    }
    for (int i = 0; i < HS_MAX_CPUS; i++)
        free(s->heap[i].e);
    hs_streams_destroy(s->streams);
    hs_toe_destroy(s);
    hs_nd_destroy(s);
    free(s->bucket);
    free(s->udp_sink);
    free(s);
    return rc;
}
