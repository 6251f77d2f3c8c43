/* Host memory bandwidth shared by the NIC, the copy engine and the CPUs (model/membus.h). */
#include "membus.h"

#include <math.h>
#include <stdlib.h>

struct mb_bus {
    double bytes_per_slot;   /* capacity of one slot */
    double ps_per_byte;
    uint64_t base;           /* slot number of used[0 % MB_SLOTS]... the window is [base, base + MB_SLOTS) */
    double used[MB_SLOTS];   /* bytes booked in slot s at used[s % MB_SLOTS] */
    uint64_t bytes[MB_AGENTS];
    uint64_t wait_ps[MB_AGENTS];
};

const char *mb_agent_name(int agent)
{
    static const char *const n[MB_AGENTS] = {"nic_read", "nic_write", "engine_read", "engine_write", "cpu"};
    return agent >= 0 && agent < MB_AGENTS ? n[agent] : NULL;
}

mb_bus *mb_create(double gbps)
{
    if (!(gbps > 0))
        return NULL;
    mb_bus *b = calloc(1, sizeof *b);
    if (!b)
        return NULL;
    b->bytes_per_slot = gbps * 1e9 * (double)MB_SLOT_PS / 1e12;
    b->ps_per_byte = 1e3 / gbps;
    return b;
}

void mb_free(mb_bus *b) { free(b); }

double mb_ps_per_byte(const mb_bus *b) { return b->ps_per_byte; }
uint64_t mb_bytes(const mb_bus *b, int agent) { return agent >= 0 && agent < MB_AGENTS ? b->bytes[agent] : 0; }
uint64_t mb_wait_ps(const mb_bus *b, int agent) { return agent >= 0 && agent < MB_AGENTS ? b->wait_ps[agent] : 0; }

/* Moves the window so that slot s is inside it (forgetting the oldest slots). */
static void mb_slide(mb_bus *b, uint64_t s)
{
    if (s < b->base + MB_SLOTS)
        return;
    uint64_t nb = s - MB_SLOTS + 1;
    if (nb - b->base >= MB_SLOTS) {
        for (size_t i = 0; i < MB_SLOTS; i++)
            b->used[i] = 0;
    } else {
        for (uint64_t k = b->base; k < nb; k++)
            b->used[k % MB_SLOTS] = 0;
    }
    b->base = nb;
}

uint64_t mb_book(mb_bus *b, int agent, uint64_t t_ps, uint64_t n)
{
    if (agent < 0 || agent >= MB_AGENTS)
        agent = MB_CPU;
    b->bytes[agent] += n;
    if (n == 0)
        return t_ps;
    uint64_t s = t_ps / MB_SLOT_PS;
    if (s < b->base) { /* older than the window: served from its start */
        s = b->base;
        t_ps = s * MB_SLOT_PS;
    }
    double left = (double)n;
    uint64_t done = t_ps;
    for (;;) {
        mb_slide(b, s);
        double *u = &b->used[s % MB_SLOTS];
        uint64_t slot_start = s * MB_SLOT_PS;
        /* a booking that starts inside a slot can only use the capacity after its start */
        double cap = b->bytes_per_slot;
        if (t_ps > slot_start)
            cap = b->bytes_per_slot * (double)(slot_start + MB_SLOT_PS - t_ps) / (double)MB_SLOT_PS;
        double room = b->bytes_per_slot - *u;
        if (room > cap)
            room = cap;
        if (room > 0) {
            double take = left < room ? left : room;
            /* the slot's earlier bookings come first: this one ends after them and its own bytes */
            double from = *u > b->bytes_per_slot - cap ? *u : b->bytes_per_slot - cap;
            *u += take;
            left -= take;
            if (left <= 0) {
                done = slot_start + (uint64_t)llround((from + take) * b->ps_per_byte);
                break;
            }
        }
        s++;
    }
    uint64_t ideal = t_ps + (uint64_t)llround((double)n * b->ps_per_byte);
    if (done < ideal)
        done = ideal;
    b->wait_ps[agent] += done - ideal;
    return done;
}
