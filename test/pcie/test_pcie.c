/* Check suite for the host bus timing model (model/pcie.c). */
#include <check.h>
#include <math.h>
#include <string.h>

#include "pcie.h"

static pcie_config cfg(int link, int lanes, uint32_t mps)
{
    pcie_config c;
    pcie_config_defaults(&c);
    c.link = link;
    c.lanes = lanes;
    c.max_payload = mps;
    return c;
}

START_TEST(raw_rates_follow_the_specs)
{
    pcie_config c = cfg(PCIE_GEN1, 8, 128);
    ck_assert_double_eq_tol(pcie_raw_bps(&c), 16e9, 1e3);   /* 2.5 GT/s x8, 8b/10b */
    c = cfg(PCIE_GEN2, 8, 128);
    ck_assert_double_eq_tol(pcie_raw_bps(&c), 32e9, 1e3);
    c = cfg(PCIE_GEN3, 8, 256);
    ck_assert_double_eq_tol(pcie_raw_bps(&c), 63.015e9, 1e7); /* 8 GT/s, 128b/130b */
    c = cfg(PCIE_PCIX, 1, 128);
    ck_assert_double_eq_tol(pcie_raw_bps(&c) / 8, 1.0666e9, 1e6); /* 1.06 GB/s peak */
    c = cfg(PCIE_PCI, 1, 128);
    ck_assert_double_eq_tol(pcie_raw_bps(&c) / 8, 133.3e6, 1e5);  /* 133 MB/s peak */
}
END_TEST

START_TEST(payload_rate_counts_tlp_overhead)
{
    /* 128-byte TLPs with 32 bytes of overhead: 80% of 16 Gb/s */
    pcie_config c = cfg(PCIE_GEN1, 8, 128);
    ck_assert_double_eq_tol(pcie_write_payload_bps(&c), 12.8e9, 1e7);
    c = cfg(PCIE_GEN1, 8, 256);
    ck_assert_double_eq_tol(pcie_write_payload_bps(&c), 16e9 * 256 / 288, 1e7);
    /* a gen1 x1 link cannot carry 10 Gb/s; gen2 x8 can */
    c = cfg(PCIE_GEN1, 1, 128);
    ck_assert(pcie_write_payload_bps(&c) < 10e9);
    c = cfg(PCIE_GEN2, 8, 256);
    ck_assert(pcie_write_payload_bps(&c) > 20e9);
}
END_TEST

START_TEST(write_serialises_and_backpressures)
{
    pcie_config c = cfg(PCIE_GEN1, 8, 128);
    c.posted_buffer = 4096;
    pcie_bus *b = pcie_new(&c);
    /* 1500 bytes = 12 TLPs: (1500 + 12*32) bytes at 0.5 ns/byte = 942 ns */
    uint64_t done = pcie_write(b, 0, 1500);
    ck_assert_uint_eq(done, 942000);
    ck_assert(pcie_write_ready(b, 0));
    /* queue 8 KB more at t=0: beyond the posted buffer, the NIC must wait */
    pcie_write(b, 0, 4096);
    pcie_write(b, 0, 4096);
    ck_assert(!pcie_write_ready(b, 0));
    uint64_t t = 0;
    while (!pcie_write_ready(b, t))
        t += 1000;
    ck_assert(t > 0 && t < 10000000);
    /* back-to-back writes are serialised */
    uint64_t d2 = pcie_write(b, t, 64);
    ck_assert(d2 > t);
    pcie_stats s;
    pcie_get_stats(b, &s);
    ck_assert_uint_eq(s.write_bytes, 1500 + 4096 + 4096 + 64);
    ck_assert_uint_eq(s.write_tlps, 12 + 32 + 32 + 1);
    pcie_free(b);
}
END_TEST

START_TEST(read_latency_and_full_duplex)
{
    pcie_config c = cfg(PCIE_GEN1, 8, 128);
    c.read_latency_ns = 560;
    pcie_bus *b = pcie_new(&c);
    double ppb = 0;
    uint64_t first = pcie_read(b, 1000000, 64, &ppb);
    ck_assert_uint_eq(first, 1000000 + 560000);
    ck_assert(ppb > 500 && ppb < 1000); /* 500 ps/byte raw plus the TLP overhead of one completion */
    /* PCIe: a read request may not pass posted writes going the same way (ordering rules), so
     * it leaves after the write; its completion then only pays the latency: the data comes
     * back on the other direction, which the write did not occupy */
    uint64_t wd = pcie_write(b, 2000000, 4096);
    uint64_t r2 = pcie_read(b, 2000000, 64, NULL);
    ck_assert_uint_eq(r2, wd + 560000);
    pcie_free(b);

    /* PCI: one shared bus, the completion waits for the write to finish */
    c = cfg(PCIE_PCI, 1, 128);
    b = pcie_new(&c);
    uint64_t wdone = pcie_write(b, 0, 4096);
    ck_assert(wdone > 30000000); /* 4 KB at 133 MB/s: > 30 us */
    uint64_t r = pcie_read(b, 0, 64, NULL);
    ck_assert(r >= wdone);
    pcie_free(b);
}
END_TEST

START_TEST(config_errors)
{
    char err[128];
    pcie_config c = cfg(PCIE_GEN2, 3, 128);
    ck_assert_int_lt(pcie_config_check(&c, err, sizeof err), 0);
    ck_assert_ptr_nonnull(strstr(err, "pcie.lanes"));
    c = cfg(PCIE_GEN2, 4, 100);
    ck_assert_int_lt(pcie_config_check(&c, err, sizeof err), 0);
    ck_assert_ptr_nonnull(strstr(err, "pcie.max_payload"));
    c = cfg(PCIE_GEN2, 4, 256);
    c.max_read_request = 8192;
    ck_assert_int_lt(pcie_config_check(&c, err, sizeof err), 0);
    c = cfg(PCIE_GEN2, 4, 256);
    ck_assert_int_eq(pcie_config_check(&c, err, sizeof err), 0);
    ck_assert_int_eq(pcie_link_from_name("pci-x"), PCIE_PCIX);
    ck_assert_int_eq(pcie_link_from_name("gen4"), -1);
    ck_assert_str_eq(pcie_link_name(PCIE_GEN3), "gen3");
}
END_TEST

int main(void)
{
    Suite *s = suite_create("pcie");
    TCase *tc = tcase_create("pcie");
    tcase_add_test(tc, raw_rates_follow_the_specs);
    tcase_add_test(tc, payload_rate_counts_tlp_overhead);
    tcase_add_test(tc, write_serialises_and_backpressures);
    tcase_add_test(tc, read_latency_and_full_duplex);
    tcase_add_test(tc, config_errors);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
