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
        [NIC_FATE_PLACED] = "toe:placed",
        [NIC_FATE_CONSUMED] = "toe:consumed",
        [NIC_FATE_FIFO_OVERFLOW] = "drop:rx_fifo_overflow",
        [NIC_FATE_PENDING] = "pending",
        [NIC_FATE_LINK_DOWN] = "drop:link_down",
    };
    return NIC_NAME_(names, NIC_FATE_COUNT, fate);
}

const char *nic_fate_drop_key(int fate)
{
    static const char *const names[NIC_FATE_COUNT] = {
        [NIC_FATE_NO_DESC] = "no_descriptor",
        [NIC_FATE_CPL_FULL] = "completion_ring_full",
        [NIC_FATE_FIFO_OVERFLOW] = "rx_fifo_overflow",
        [NIC_FATE_LINK_DOWN] = "link_down",
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
    static const char *const names[] = {[NIC_CPL_TYPE_RX] = "rx", [NIC_CPL_TYPE_TX] = "tx",
                                        [NIC_CPL_TYPE_TOE_BUF] = "toe_buf", [NIC_CPL_TYPE_TOE_UPREQ] = "toe_upreq",
                                        [NIC_CPL_TYPE_TOE_CMD] = "toe_cmd"};
    return NIC_NAME_(names, (int)(sizeof names / sizeof names[0]), type);
}

const char *nic_toe_up_name(int reason)
{
    static const char *const names[NIC_TOE_UP_COUNT] = {
        [NIC_TOE_UP_PENDING] = "pending", [NIC_TOE_UP_FIN] = "fin",       [NIC_TOE_UP_RST] = "rst",
        [NIC_TOE_UP_URG] = "urg",         [NIC_TOE_UP_SYN] = "syn",       [NIC_TOE_UP_OOO] = "HighOutofOrderPackets",
        [NIC_TOE_UP_OTHER] = "exception",
    };
    return NIC_NAME_(names, NIC_TOE_UP_COUNT, reason);
}

static uint32_t be32_(const uint8_t *p) { return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]; }
static void put_be32_(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

void nic_toe_state_to_args(const nic_toe_state *st, uint32_t a[NIC_TOE_ARGS])
{
    for (int k = 0; k < NIC_TOE_ARGS; k++) a[k] = 0;
    a[0] = (st->v6 ? NIC_TOE_F_V6 : 0u) | (st->ts_ok ? NIC_TOE_F_TS : 0u) | (st->vlan ? NIC_TOE_F_VLAN : 0u) |
           (uint32_t)(st->snd_wscale & 0xF) << 4 | (uint32_t)(st->rcv_wscale & 0xF) << 8 |
           (uint32_t)(st->queue & 0x1F) << 16 | (st->push_mode ? NIC_TOE_F_PUSH : 0u);
    for (int k = 0; k < 4; k++) {
        a[1 + k] = be32_(st->remote_addr + 4 * k);
        a[5 + k] = be32_(st->local_addr + 4 * k);
    }
    a[9] = (uint32_t)st->remote_port << 16 | st->local_port;
    a[10] = be32_(st->remote_mac);
    a[11] = (uint32_t)st->remote_mac[4] << 24 | (uint32_t)st->remote_mac[5] << 16 | (uint32_t)st->local_mac[0] << 8 |
            st->local_mac[1];
    a[12] = be32_(st->local_mac + 2);
    a[13] = (uint32_t)st->vlan_tci | (uint32_t)st->ttl << 16 | (uint32_t)st->tos << 24;
    a[14] = (uint32_t)st->mss | (uint32_t)st->ack_freq << 16;
    a[15] = st->rcv_nxt;
    a[16] = st->snd_una;
    a[17] = st->snd_nxt;
    a[18] = st->snd_max;
    a[19] = st->snd_wnd;
    a[20] = st->rcv_wnd;
    a[21] = st->ts_recent;
    a[22] = st->ts_offset;
}

void nic_toe_state_from_args(nic_toe_state *st, const uint32_t a[NIC_TOE_ARGS])
{
    *st = (nic_toe_state){0};
    st->v6 = (a[0] & NIC_TOE_F_V6) != 0;
    st->ts_ok = (a[0] & NIC_TOE_F_TS) != 0;
    st->vlan = (a[0] & NIC_TOE_F_VLAN) != 0;
    st->push_mode = (a[0] & NIC_TOE_F_PUSH) != 0;
    st->snd_wscale = (uint8_t)(a[0] >> 4 & 0xF);
    st->rcv_wscale = (uint8_t)(a[0] >> 8 & 0xF);
    st->queue = (uint8_t)(a[0] >> 16 & 0x1F);
    for (int k = 0; k < 4; k++) {
        put_be32_(st->remote_addr + 4 * k, a[1 + k]);
        put_be32_(st->local_addr + 4 * k, a[5 + k]);
    }
    st->remote_port = (uint16_t)(a[9] >> 16);
    st->local_port = (uint16_t)a[9];
    put_be32_(st->remote_mac, a[10]);
    st->remote_mac[4] = (uint8_t)(a[11] >> 24);
    st->remote_mac[5] = (uint8_t)(a[11] >> 16);
    st->local_mac[0] = (uint8_t)(a[11] >> 8);
    st->local_mac[1] = (uint8_t)a[11];
    put_be32_(st->local_mac + 2, a[12]);
    st->vlan_tci = (uint16_t)a[13];
    st->ttl = (uint8_t)(a[13] >> 16);
    st->tos = (uint8_t)(a[13] >> 24);
    st->mss = (uint16_t)a[14];
    st->ack_freq = (uint8_t)(a[14] >> 16);
    st->rcv_nxt = a[15];
    st->snd_una = a[16];
    st->snd_nxt = a[17];
    st->snd_max = a[18];
    st->snd_wnd = a[19];
    st->rcv_wnd = a[20];
    st->ts_recent = a[21];
    st->ts_offset = a[22];
    st->nbufs = (uint8_t)(a[25] & 0x7);
    st->ivl_valid = (uint8_t)(a[25] >> 4 & 0x1F);
    st->unacked = (uint8_t)(a[25] >> 16);
    for (int i = 0; i < 5; i++) {
        st->ivl_start[i] = a[26 + 2 * i];
        st->ivl_end[i] = a[27 + 2 * i];
    }
    for (int i = 0; i < 4; i++) {
        st->buf_start[i] = a[36 + 2 * i];
        st->buf_len[i] = a[37 + 2 * i];
    }
    st->bytes_placed = a[44];
    st->bytes_indicated = a[45];
    st->acks_sent = a[46];
    st->ooo_segs = a[47];
    st->segs = a[23];
    st->dup_segs = a[24];
}
