/* Stand-in for the simulation model's ns_run(), so that the nicsim front end (cli/main.c)
 * can be tested end to end without SystemC and the Verilated NIC. Results are made up
 * but deterministic. A trace whose first bytes are "FAIL" makes the run fail. */
#include "nicsim_model.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

int ns_run(const ns_config *cfg, ns_results *res, char *err, size_t errlen)
{
    FILE *f = fopen(cfg->trace_path, "rb");
    if (!f) {
        snprintf(err, errlen, "%s: %s", cfg->trace_path, strerror(errno));
        return -1;
    }
    char head[4] = {0};
    size_t n = fread(head, 1, sizeof head, f);
    fclose(f);
    if (n == 4 && memcmp(head, "FAIL", 4) == 0) {
        snprintf(err, errlen, "stand-in model: simulated failure");
        return -1;
    }
    memset(res, 0, sizeof *res);
    res->nic_cycles = 1000;
    res->sim_time_ps = 6400000;
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
        res->queue_frames[cfg->table[i % cfg->table_size] % cfg->rss_queues]++;
    res->hash_type_frames[2] = 8;
    res->csum_frames[1] = 8;
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
    for (int i = 0; i < cfg->cpus && i < NS_MAX_CPUS; i++)
        res->cpu_busy_cycles[i] = 1000u * (unsigned)(i + 1);
    res->cpu_frames[0] = 6;
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
