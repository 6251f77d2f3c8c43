/* Names of the codes of the hardware/software contract (rtl/nic_hw.h). */
#include "nic_hw.h"

#include <stddef.h>

#define NIC_NAME_(table, n, code) ((code) >= 0 && (code) < (n) ? (table)[code] : NULL)

const char *nic_csum_name(int csum)
{
    static const char *const names[NIC_CSUM_COUNT] = {
        [NIC_CSUM_NONE] = "none",       [NIC_CSUM_OK] = "ok",
        [NIC_CSUM_BAD_IP] = "bad_ip",   [NIC_CSUM_BAD_L4] = "bad_l4",
        [NIC_CSUM_UNVERIFIED] = "unverified",
    };
    return NIC_NAME_(names, NIC_CSUM_COUNT, csum);
}

const char *nic_fate_name(int fate)
{
    static const char *const names[NIC_FATE_COUNT] = {
        [NIC_FATE_DELIVERED] = "host",
        [NIC_FATE_NO_DESC] = "drop:no_descriptor",
        [NIC_FATE_CPL_FULL] = "drop:completion_ring_full",
        [NIC_FATE_FIFO_OVERFLOW] = "drop:rx_fifo_overflow",
        [NIC_FATE_PENDING] = "pending",
    };
    return NIC_NAME_(names, NIC_FATE_COUNT, fate);
}

const char *nic_fate_drop_key(int fate)
{
    static const char *const names[NIC_FATE_COUNT] = {
        [NIC_FATE_NO_DESC] = "no_descriptor",
        [NIC_FATE_CPL_FULL] = "completion_ring_full",
        [NIC_FATE_FIFO_OVERFLOW] = "rx_fifo_overflow",
    };
    return NIC_NAME_(names, NIC_FATE_COUNT, fate);
}

const char *nic_l3_name(int l3)
{
    static const char *const names[] = {[NIC_L3_OTHER] = "other", [NIC_L3_IPV4] = "ipv4", [NIC_L3_IPV6] = "ipv6"};
    return NIC_NAME_(names, (int)(sizeof names / sizeof names[0]), l3);
}

const char *nic_l4_name(int l4)
{
    static const char *const names[] = {[NIC_L4_NONE] = "none", [NIC_L4_TCP] = "tcp", [NIC_L4_UDP] = "udp",
                                        [NIC_L4_OTHER] = "other"};
    return NIC_NAME_(names, (int)(sizeof names / sizeof names[0]), l4);
}

const char *nic_cpl_type_name(int type)
{
    static const char *const names[] = {[NIC_CPL_TYPE_RX] = "rx", [NIC_CPL_TYPE_TX] = "tx"};
    return NIC_NAME_(names, (int)(sizeof names / sizeof names[0]), type);
}
