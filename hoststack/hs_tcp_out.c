/* TCP transmit: the stack only receives data, so everything it sends is a segment without
 * payload: ACKs (every Nth full-size segment, delayed, immediate, window updates) and
 * SYN-ACKs. Frames go to the driver through the hs_tx_fn the stack was created with. */
#include <assert.h>
#include <string.h>

#include "hs_internal.h"

uint32_t hs_wnd(const hs_stack *s, const hs_conn *c)
{
    uint32_t queued = c->rcv_nxt - c->app_nxt;
    return queued >= s->rcv_wnd ? 0 : s->rcv_wnd - queued;
}

uint32_t hs_mss(const hs_stack *s, const hs_conn *c)
{
    return s->cfg.mss ? s->cfg.mss : c->max_seg;
}

void hs_send(hs_stack *s, hs_conn *c, int cpu, uint8_t flags, uint32_t seq, uint32_t ack,
             uint16_t wnd)
{
    pkt_spec p;
    memset(&p, 0, sizeof p);
    p.ipv6 = c->key.family == 6;
    memcpy(p.src, c->key.dst, 16);
    memcpy(p.dst, c->key.src, 16);
    p.proto = PKT_IPPROTO_TCP;
    p.sport = c->key.dport;
    p.dport = c->key.sport;
    p.seq = seq;
    p.ack = ack;
    p.tcp_flags = flags;
    p.window = wnd;
    p.vlan = c->vlan;
    p.vlan_tci = c->vlan_tci;
    memcpy(p.src_mac, c->host_mac, PKT_ETH_ALEN);
    memcpy(p.dst_mac, c->peer_mac, PKT_ETH_ALEN);
    p.ip_id = (uint16_t)s->st.acks_sent;
    hs_chg(s, cpu, HS_K_ACK_TX, hs_c(s, HS_C_ACK_BUILD));
    int len = pkt_build(&p, NULL, 0, s->txbuf, sizeof s->txbuf);
    assert(len > 0 && "an ACK frame always fits the transmit buffer");
    if (s->tx)
        hs_charge(s, cpu, HS_K_DRIVER, s->tx(s->tx_user, cpu, s->txbuf, (uint32_t)len));
}

void hs_send_ack(hs_stack *s, hs_conn *c, int cpu, int why)
{
    uint32_t wnd = hs_wnd(s, c);
    uint32_t seq = c->have_snd ? c->snd_nxt : c->iss + (c->syn_seen ? 1u : 0u);
    hs_send(s, c, cpu, PKT_TCP_ACK, seq, c->rcv_nxt + (c->fin_done ? 1u : 0u), (uint16_t)wnd);
    s->st.acks_sent++;
    switch (why) {
    case HS_ACK_EVERY_N: s->st.acks_every_n++; break;
    case HS_ACK_TIMER: s->st.acks_timer++; break;
    case HS_ACK_IMMEDIATE: s->st.acks_immediate++; break;
    default: s->st.window_updates++; break;
    }
    if (wnd == 0)
        s->st.zero_window_acks++;
    c->last_wnd = wnd;
    c->full_unacked = 0;
    c->ack_pending = 0;
    hs_timer_cancel(s, c, HS_TMR_DELACK);
}

/* Sends a window update when the window opened by at least min(window/2, MSS) (RFC 1122
 * 4.2.3.3 receiver-side silly window avoidance). */
void hs_maybe_window_update(hs_stack *s, hs_conn *c, int cpu)
{
    if (c->state != HS_CS_OPEN)
        return;
    uint32_t w = hs_wnd(s, c);
    uint32_t mss = hs_mss(s, c);
    uint32_t thr = s->rcv_wnd / 2;
    if (mss && mss < thr)
        thr = mss;
    if (w > c->last_wnd && w - c->last_wnd >= thr)
        hs_send_ack(s, c, cpu, HS_ACK_WINDOW);
}

void hs_tcp_delack_timer(hs_stack *s, hs_conn *c, int cpu)
{
    if (c->ack_pending && c->state == HS_CS_OPEN)
        hs_send_ack(s, c, cpu, HS_ACK_TIMER);
}
