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
    res->ndrops = 1;
    res->drops[0] = (ns_counter){"fifo_overflow", 0};
    res->ntrace = 1;
    res->trace[0] = (ns_counter){"truncated", 0};
    if (cfg->packet_log) {
        fprintf(cfg->packet_log, "frame,len\n");
        for (int i = 1; i <= 8; i++)
            fprintf(cfg->packet_log, "%d,1000\n", i);
    }
    return 0;
}
