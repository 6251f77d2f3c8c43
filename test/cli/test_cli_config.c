/* The configurations of the savings split (model/config.c): the features a run uses and the
 * rungs of the ladder from the software baseline to the run (ns_config_features,
 * ns_ladder_rung, ns_config_ladder). */
#include "nicsim_model.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A run with every feature on, outputs set, and one event of each kind. */
static void full_config(ns_config *c)
{
    ns_config_defaults(c);
    c->rss_queues = 4;
    c->cpus = 4;
    c->stack.chimney = 1;
    c->stack.netdma = 1;
    c->csum_offload = 1;
    c->stack.csum_offload = 1;
    c->trace_path = "t.pcap";
    c->wave_path = "w.fst";
    c->packet_log = stdout;
    c->host_pcap = "h.pcap";
    c->tx_pcap = "tx.pcap";
    c->streams_dir = "streams";
    c->stack.streams_dir = "streams";
    c->stats_interval_ps = 1000;
    c->stats_out = stdout;
    c->nevents = NS_EV_COUNT;
    for (int k = 0; k < NS_EV_COUNT; k++)
        c->events[k] = (ns_event){(uint64_t)(k + 1) * 1000, k};
    ns_config_finalize(c);
}

START_TEST(features)
{
    ns_config c;
    full_config(&c);
    ck_assert_uint_eq(ns_config_features(&c), NS_FEAT_ALL);
    c.rss_enable = 0;
    ck_assert_uint_eq(ns_config_features(&c), NS_FEAT_CHECKSUM | NS_FEAT_NETDMA | NS_FEAT_CHIMNEY);
    c.csum_offload = c.stack.csum_offload = 0;
    c.stack.netdma = 0;
    /* Chimney off at the start, but an event turns it on: used */
    c.stack.chimney = 0;
    ck_assert_uint_eq(ns_config_features(&c), NS_FEAT_CHIMNEY);
    c.nevents = 0;
    ck_assert_uint_eq(ns_config_features(&c), 0);
    ck_assert_str_eq(ns_feature_keys[0], "checksum");
    ck_assert_str_eq(ns_feature_keys[3], "chimney");
    ck_assert_str_eq(ns_feature_names[1], "RSS");
}
END_TEST

START_TEST(rungs)
{
    /* the first k features of those used, in the fixed order */
    ck_assert_uint_eq(ns_ladder_rung(NS_FEAT_ALL, 0), 0);
    ck_assert_uint_eq(ns_ladder_rung(NS_FEAT_ALL, 1), NS_FEAT_CHECKSUM);
    ck_assert_uint_eq(ns_ladder_rung(NS_FEAT_ALL, 2), NS_FEAT_CHECKSUM | NS_FEAT_RSS);
    ck_assert_uint_eq(ns_ladder_rung(NS_FEAT_ALL, 3), NS_FEAT_CHECKSUM | NS_FEAT_RSS | NS_FEAT_NETDMA);
    ck_assert_uint_eq(ns_ladder_rung(NS_FEAT_ALL, 4), NS_FEAT_ALL);
    ck_assert_uint_eq(ns_ladder_rung(NS_FEAT_ALL, 9), NS_FEAT_ALL);
    unsigned f = NS_FEAT_RSS | NS_FEAT_CHIMNEY;
    ck_assert_uint_eq(ns_ladder_rung(f, 1), NS_FEAT_RSS);
    ck_assert_uint_eq(ns_ladder_rung(f, 2), f);
}
END_TEST

/* Outputs are the run's only. */
static void expect_no_outputs(const ns_config *b)
{
    ck_assert_ptr_null(b->wave_path);
    ck_assert_ptr_null(b->packet_log);
    ck_assert_ptr_null(b->host_pcap);
    ck_assert_ptr_null(b->tx_pcap);
    ck_assert_ptr_null(b->streams_dir);
    ck_assert_ptr_null(b->stack.streams_dir);
    ck_assert_ptr_null(b->stats_out);
    ck_assert_uint_eq(b->stats_interval_ps, 0);
}

static int has_event(const ns_config *c, int kind)
{
    for (int i = 0; i < c->nevents; i++)
        if (c->events[i].kind == kind)
            return 1;
    return 0;
}

START_TEST(ladder_configs)
{
    ns_config c, b, l;
    full_config(&c);
    /* rung 0 is the software baseline */
    memset(&b, 0x5a, sizeof b);
    memset(&l, 0xa5, sizeof l);
    ns_config_baseline(&c, &b);
    ns_config_ladder(&c, 0, &l);
    ck_assert_mem_eq(&b, &l, sizeof b);
    ck_assert_int_eq(l.rss_enable, 0);
    ck_assert_int_eq(l.csum_offload, 0);
    ck_assert_int_eq(l.stack.csum_offload, 0);
    ck_assert_int_eq(l.stack.netdma, 0);
    ck_assert_int_eq(l.stack.chimney, 0);
    expect_no_outputs(&l);
    /* netsh and firewall events dropped, link events kept in order */
    ck_assert_int_eq(l.nevents, 2);
    ck_assert_int_eq(l.events[0].kind, NS_EV_LINK_DOWN);
    ck_assert_int_eq(l.events[1].kind, NS_EV_LINK_UP);
    ck_assert_uint_eq(l.events[1].at_ps, c.events[NS_EV_LINK_UP].at_ps);

    /* each rung: the features so far as configured, the others off */
    for (int k = 1; k <= NS_FEATURES; k++) {
        unsigned m = ns_ladder_rung(NS_FEAT_ALL, k);
        ns_config_ladder(&c, m, &l);
        ck_assert_int_eq(l.csum_offload, !!(m & NS_FEAT_CHECKSUM));
        ck_assert_int_eq(l.stack.csum_offload, !!(m & NS_FEAT_CHECKSUM));
        ck_assert_int_eq(l.rss_enable, !!(m & NS_FEAT_RSS));
        ck_assert_int_eq(l.stack.netdma, !!(m & NS_FEAT_NETDMA));
        ck_assert_int_eq(l.stack.chimney, !!(m & NS_FEAT_CHIMNEY));
        ck_assert_int_eq(has_event(&l, NS_EV_CHIMNEY_ENABLED), !!(m & NS_FEAT_CHIMNEY));
        ck_assert_int_eq(has_event(&l, NS_EV_FIREWALL_ON), !!(m & NS_FEAT_CHIMNEY));
        ck_assert(has_event(&l, NS_EV_LINK_DOWN));
        expect_no_outputs(&l);
        /* everything else as in the run */
        ck_assert_str_eq(l.trace_path, "t.pcap");
        ck_assert_int_eq(l.rss_queues, 4);
        ck_assert_int_eq(l.cpus, 4);
        ck_assert_mem_eq(l.table, c.table, sizeof c.table);
    }
    /* the top rung is the run itself, but for its outputs */
    ns_config_ladder(&c, NS_FEAT_ALL, &l);
    ck_assert_int_eq(l.nevents, c.nevents);
    ck_assert_mem_eq(l.events, c.events, sizeof c.events);

    /* a feature the run does not use stays off even when asked for */
    c.rss_enable = 0;
    ns_config_ladder(&c, NS_FEAT_ALL, &l);
    ck_assert_int_eq(l.rss_enable, 0);
    /* out may be the input */
    ns_config_ladder(&c, NS_FEAT_CHECKSUM, &c);
    ck_assert_int_eq(c.csum_offload, 1);
    ck_assert_int_eq(c.stack.chimney, 0);
    ck_assert_ptr_null(c.wave_path);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("cli_config");
    TCase *tc = tcase_create("ladder");
    tcase_add_test(tc, features);
    tcase_add_test(tc, rungs);
    tcase_add_test(tc, ladder_configs);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
