/* Timers: one indexed min-heap per CPU of (deadline, connection, kind). Ties are broken by
 * connection creation number and kind, so expiry order never depends on addresses. */
#include <stdlib.h>

#include "hs_internal.h"

static int hs_heap_less(const hs_heap_ent *a, const hs_heap_ent *b)
{
    if (a->when != b->when)
        return a->when < b->when;
    if (a->c->id != b->c->id)
        return a->c->id < b->c->id;
    return a->kind < b->kind;
}

static void hs_heap_set(hs_heap *h, size_t i, hs_heap_ent e)
{
    h->e[i] = e;
    e.c->tm_idx[e.kind] = (long)i;
}

static void hs_heap_fix(hs_heap *h, size_t i)
{
    hs_heap_ent e = h->e[i];
    while (i > 0) {
        size_t p = (i - 1) / 2;
        if (!hs_heap_less(&e, &h->e[p]))
            break;
        hs_heap_set(h, i, h->e[p]);
        i = p;
    }
    for (;;) {
        size_t l = 2 * i + 1, m = i;
        const hs_heap_ent *best = &e;
        if (l < h->n && hs_heap_less(&h->e[l], best)) {
            m = l;
            best = &h->e[l];
        }
        if (l + 1 < h->n && hs_heap_less(&h->e[l + 1], best))
            m = l + 1;
        if (m == i)
            break;
        hs_heap_set(h, i, h->e[m]);
        i = m;
    }
    hs_heap_set(h, i, e);
}

void hs_timer_cancel(hs_stack *s, hs_conn *c, int kind)
{
    long i = c->tm_idx[kind];
    if (i < 0)
        return;
    hs_heap *h = &s->heap[c->cpu];
    c->tm_idx[kind] = -1;
    c->tm_when[kind] = UINT64_MAX;
    h->n--;
    if ((size_t)i < h->n) {
        hs_heap_set(h, (size_t)i, h->e[h->n]);
        hs_heap_fix(h, (size_t)i);
    }
}

int hs_timer_arm(hs_stack *s, hs_conn *c, int kind, uint64_t when)
{
    hs_heap *h = &s->heap[c->cpu];
    if (c->tm_idx[kind] >= 0) {
        c->tm_when[kind] = when;
        h->e[c->tm_idx[kind]].when = when;
        hs_heap_fix(h, (size_t)c->tm_idx[kind]);
        return 0;
    }
    if (h->n == h->cap) {
        size_t cap = h->cap ? h->cap * 2 : 64;
        hs_heap_ent *e = realloc(h->e, cap * sizeof *e);
        if (!e)
            return HS_ENOMEM;
        h->e = e;
        h->cap = cap;
    }
    c->tm_when[kind] = when;
    hs_heap_ent ent = {when, c, kind};
    hs_heap_set(h, h->n++, ent);
    hs_heap_fix(h, h->n - 1);
    return 0;
}

uint64_t hs_next_timer_cpu_ns(const hs_stack *s, int cpu)
{
    if (cpu < 0 || cpu >= s->cfg.cpus || s->heap[cpu].n == 0)
        return UINT64_MAX;
    return s->heap[cpu].e[0].when;
}

uint64_t hs_next_timer_ns(const hs_stack *s)
{
    uint64_t t = UINT64_MAX;
    for (int i = 0; i < s->cfg.cpus; i++) {
        uint64_t w = hs_next_timer_cpu_ns(s, i);
        if (w < t)
            t = w;
    }
    return t;
}

uint64_t hs_timer(hs_stack *s, int cpu, uint64_t now_ns)
{
    cpu = hs_cpu(s, cpu);
    uint64_t before = s->fx_cpu[cpu] >> HS_FX_SHIFT;
    hs_nd_enter(s, cpu); /* NetDMA: retire the copies the engine completed */
    hs_heap *h = &s->heap[cpu];
    while (h->n && h->e[0].when <= now_ns) {
        hs_conn *c = h->e[0].c;
        int kind = h->e[0].kind;
        uint64_t fx0 = s->fx_cpu[cpu];
        hs_timer_cancel(s, c, kind);
        s->st.timers_fired++;
        hs_chg(s, cpu, HS_K_TIMER, hs_c(s, HS_C_TIMER));
        if (kind == HS_TMR_DELACK)
            hs_tcp_delack_timer(s, c, cpu);
        else
            hs_app_timer(s, c, cpu, now_ns);
        c->st_fx += s->fx_cpu[cpu] - fx0; /* per-connection statistics */
    }
    hs_nd_leave(s, cpu);
    return (s->fx_cpu[cpu] >> HS_FX_SHIFT) - before;
}
