/* [replay] filter: its syntax checked with libpcap's compiler when the scenario is read (for
 * Ethernet; the capture reader compiles it again for the capture's own link type). */
#define _DEFAULT_SOURCE 1 /* the BSD types pcap.h uses */
#include "cli.h"
#include "cli_util.h"

#include <pcap/pcap.h>

int cli_filter_check(const char *expr, char *err, size_t errlen)
{
    pcap_t *dead = pcap_open_dead(DLT_EN10MB, 262144);
    if (!dead) {
        cli_msg(err, errlen, "out of memory");
        return CLI_ENOMEM;
    }
    struct bpf_program prog;
    int rc = CLI_OK;
    if (pcap_compile(dead, &prog, expr, 1, PCAP_NETMASK_UNKNOWN) != 0) {
        cli_msg(err, errlen, "not a valid filter: %s", pcap_geterr(dead));
        rc = CLI_EUSAGE;
    } else {
        pcap_freecode(&prog);
    }
    pcap_close(dead);
    return rc;
}
