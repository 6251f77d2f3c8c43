/* Stand-in for the simulation model's ns_run(), so that the nicsim front end (cli/main.c)
 * can be tested end to end without SystemC and the Verilated NIC. Results are made up
 * but deterministic, and follow the offloads: without RSS every frame is hashed in software
 * on CPU 0, without checksum offload every checksum is verified in software, so the
 * software baseline costs more cycles than the run with offloads; NetDMA (stack.netdma) takes
 * some of the copy off the CPU, TCP Chimney (stack.chimney) some of the TCP receive work, and
 * RSS costs an extra DPC, more than the hashing it saves (a negative saving). A trace whose
 * first bytes are "FAIL" makes the run fail; "FAIL2" makes only a run without offloads fail;
 * "FAIL4" only a run with checksum offload but without RSS (a rung of the split); "JUNK" (and
 * a directory) is a trace the model cannot read (bad input, -2). With
 * --save-streams, each run appends one line to DIR/stub-runs.txt. */
#include "nicsim_model.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* The stack's books for 6 delivered 1000-byte frames of one TCP connection, priced with
 * round xeon-2006-like costs. */
static void stub_stack(const ns_config *cfg, ns_results *res)
{
    hs_stats *st = &res->stack;
    const uint64_t frames = 6, bytes = 6000, payload = 6000 - 6 * 54;
    int rss = cfg->rss_enable, csum = cfg->csum_offload;
    int netdma = cfg->stack.netdma, chimney = cfg->stack.chimney;
    st->cpus = cfg->cpus;
    st->kind_cycles[HS_K_INTERRUPT] = 1500 * res->irq_count;
    /* RSS: a DPC per queue, which at this load costs more than the hashing it saves */
    st->kind_cycles[HS_K_DPC] = 1200 * res->irq_count + (rss ? 2000 : 0);
    st->kind_cycles[HS_K_DRIVER] = 700 * frames;
    st->kind_cycles[HS_K_IP_RX] = 1000 * frames;
    /* TCP Chimney: the NIC does most of the TCP receive work */
    st->kind_cycles[HS_K_TCP_RX] = (chimney ? 1200 : 2000) * frames;
    st->kind_cycles[HS_K_LOOKUP] = 400 * frames;
    /* the copy reads a cold source unless the software checksum just read it; NetDMA's engine
     * takes 400 cycles of it off the CPU */
    st->kind_cycles[HS_K_COPY] = (csum ? 13 * payload / 10 : 6 * payload / 10) - (netdma ? 400 : 0);
    st->kind_cycles[HS_K_CHECKSUM] = csum ? 0 : frames * 200 + 9 * bytes / 10;
    st->kind_cycles[HS_K_HASH] = rss ? 0 : 300 * frames;
    st->kind_cycles[HS_K_ACK_TX] = 1500 * 3;
    st->kind_cycles[HS_K_APP] = 4000;
    st->kind_cycles[HS_K_BUFFER_POST] = 2000 * 2;
    for (int k = 0; k < HS_K_COUNT; k++)
        st->total_cycles += st->kind_cycles[k];
    /* with RSS: half on CPU 0, the rest spread over the others; without: all on CPU 0 */
    int n = cfg->cpus < 1 ? 1 : cfg->cpus > NS_MAX_CPUS ? NS_MAX_CPUS : cfg->cpus;
    if (rss && n > 1) {
        uint64_t rest = st->total_cycles / 2, each = rest / (uint64_t)(n - 1);
        for (int i = 1; i < n; i++)
            st->cpu_cycles[i] = each;
        st->cpu_cycles[0] = st->total_cycles - each * (uint64_t)(n - 1);
        res->cpu_frames[0] = 3;
        res->cpu_frames[1] = 3;
    } else {
        st->cpu_cycles[0] = st->total_cycles;
        res->cpu_frames[0] = 6;
    }
    for (int i = 0; i < n; i++)
        res->cpu_busy_cycles[i] = st->cpu_cycles[i];
    st->mem_bytes = (csum ? 0 : bytes) + 2 * payload;
    st->rx_frames = frames;
    st->rx_bytes = bytes;
    st->csum_sw_ip = csum ? 0 : frames;
    st->csum_sw_l4 = csum ? 0 : frames;
    st->csum_sw_bytes = csum ? 0 : bytes - frames * 14;
    st->csum_hw_trusted = csum ? frames : 0;
    st->hash_nic = rss ? frames : 0;
    st->hash_sw = rss ? 0 : frames;
    st->tcp_segments = frames;
    st->tcp_payload_bytes = payload;
    st->conns = 1;
    st->conns_syn = 1;
    st->in_order_segments = 5;
    st->ooo_segments = 1;
    st->bytes_copied = payload;
    st->app_bytes = payload;
    st->app_receives = 1;
    st->buffers_posted = 2;
    st->acks_sent = 3;
    st->acks_every_n = 2;
    st->acks_immediate = 1;
    res->delivered_bytes = bytes;
    res->tx_frames = 3;
    res->tx_bytes = 3 * 60;
    /* the profile's name: a built-in name, or the file's name without ".profile" */
    const char *p = strrchr(cfg->cost_profile, '/');
    p = p ? p + 1 : cfg->cost_profile;
    size_t len = strlen(p);
    if (len > 8 && strcmp(p + len - 8, ".profile") == 0)
        len -= 8;
    snprintf(res->cost_profile_name, sizeof res->cost_profile_name, "%.*s", (int)len, p);
}

int ns_run(const ns_config *cfg, ns_results *res, char *err, size_t errlen)
{
    FILE *f = fopen(cfg->trace_path, "rb");
    if (!f) {
        snprintf(err, errlen, "%s: %s", cfg->trace_path, strerror(errno));
        return -1;
    }
    char head[5] = {0};
    size_t n = fread(head, 1, sizeof head, f);
    int rerr = ferror(f);
    fclose(f);
    if (rerr) { /* a directory, as the real model finds it */
        snprintf(err, errlen, "%s: is a directory, not a capture", cfg->trace_path);
        return -2;
    }
    int offloads = cfg->rss_enable || cfg->csum_offload;
    if (n >= 5 && (memcmp(head, "FAIL3", 5) == 0 || memcmp(head, "SLOW", 4) == 0)) {
        /* writes some of its outputs, then fails (FAIL3) or waits until interrupted (SLOW) */
        if (cfg->host_pcap) {
            FILE *hp = fopen(cfg->host_pcap, "wb");
            if (hp) {
                fputs("partial", hp);
                fclose(hp);
            }
        }
        if (cfg->packet_log)
            fputs("frame,partial\n", cfg->packet_log);
        if (cfg->streams_dir) {
            char path[4096];
            snprintf(path, sizeof path, "%s/partial.bin", cfg->streams_dir);
            FILE *sf = fopen(path, "w");
            if (sf)
                fclose(sf);
        }
        for (int i = 0; head[0] == 'S' && i < 2000 && !(cfg->cancel && *cfg->cancel); i++)
            usleep(10000);
        snprintf(err, errlen, "%s", head[0] == 'S' ? "interrupted" : "stand-in model: simulated failure");
        return -1;
    }
    if (n >= 4 && memcmp(head, "JUNK", 4) == 0) {
        /* what the real model does with a file that is not a capture */
        snprintf(err, errlen, "%s: not a pcap or pcapng file (bad magic)", cfg->trace_path);
        return -2;
    }
    /* FAIL4: only the rung of the feature split with checksum offload but not RSS fails */
    if (n >= 5 && memcmp(head, "FAIL4", 5) == 0 && !(cfg->csum_offload && !cfg->rss_enable))
        n = 0;
    if (n >= 4 && memcmp(head, "FAIL", 4) == 0 && (n < 5 || head[4] != '2' || !offloads)) {
        snprintf(err, errlen, "stand-in model: simulated failure");
        return -1;
    }
    memset(res, 0, sizeof *res);
    res->nic_cycles = 10000;
    res->sim_time_ps = 64000000; /* 64 us */
    res->wall_s = 0.001;
    snprintf(res->host, sizeof res->host, "%s",
             cfg->host_mode == NS_HOST_ANY ? "any" : "192.0.2.1");
    res->linktype = 1;
    snprintf(res->linktype_name, sizeof res->linktype_name, "EN10MB");
    res->records = 10;
    res->frames_rx = 8;
    res->rx_bytes = 8000;
    res->from_host = 2;
    res->queues = cfg->rss_queues;
    for (int i = 0; i < 8; i++)
        res->queue_frames[cfg->rss_enable ? cfg->table[i % cfg->table_size] % cfg->rss_queues
                                          : 0]++;
    res->hash_type_frames[cfg->rss_enable ? 2 : 0] = 8;
    res->csum_frames[cfg->csum_offload ? 1 : 0] = 8;
    /* frames.rx == delivered + pending + dropped: 8 = 6 + 1 + 1 */
    res->ndrops = 3;
    res->drops[0] = (ns_counter){"rx_fifo_overflow", 0};
    res->drops[1] = (ns_counter){"no_descriptor", 1};
    res->drops[2] = (ns_counter){"completion_ring_full", 0};
    res->frames_delivered = 6;
    res->frames_pending = 1;
    res->ntrace = 1;
    res->trace[0] = (ns_counter){"truncated", 0};
    res->dma_write_bytes = 7000;
    res->dma_read_bytes = 1024;
    res->pcie_write_busy_pct = 12.5;
    res->pcie_read_busy_pct = 0.5;
    res->nvectors = 17;
    res->irq_per_vector[0] = 2;
    res->irq_count = 2;
    res->cpus = cfg->cpus;
    res->cpu_mhz = cfg->cpu_mhz > 0 ? cfg->cpu_mhz : 2666.0; /* the default profile's clock */
    stub_stack(cfg, res);
    if (cfg->streams_dir) {
        char path[4096];
        snprintf(path, sizeof path, "%s/stub-runs.txt", cfg->streams_dir);
        FILE *sf = fopen(path, "a");
        int bad = !sf;
        if (sf) {
            bad = fprintf(sf, "run rss=%d csum=%d\n", cfg->rss_enable, cfg->csum_offload) < 0;
            bad |= fclose(sf) != 0;
        }
        if (bad) {
            snprintf(err, errlen, "stand-in model: cannot write %s", path);
            return -1;
        }
    }
    if (cfg->packet_log) {
        fprintf(cfg->packet_log, "frame,len,cpu,path\n");
        for (int i = 1; i <= 8; i++)
            fprintf(cfg->packet_log, "%d,1000,%s\n", i,
                    i <= 6 ? "0,host" : i == 7 ? ",pending" : ",drop:no_descriptor");
    }
    if (cfg->host_pcap) {
        /* a pcap file header (little-endian, microseconds, Ethernet) and no records */
        static const unsigned char hdr[24] = {0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0, 0, 0, 0, 0,
                                              0,    0,    0,    0,    0xff, 0xff, 0, 0, 1, 0, 0, 0};
        FILE *hp = fopen(cfg->host_pcap, "wb");
        int bad = !hp;
        if (hp) {
            bad = fwrite(hdr, 1, sizeof hdr, hp) != sizeof hdr;
            bad |= fclose(hp) != 0;
        }
        if (bad) {
            snprintf(err, errlen, "--host-pcap: cannot write '%s'", cfg->host_pcap);
            return -1;
        }
    }
    return 0;
}
