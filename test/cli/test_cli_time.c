/* cli_parse_time: units, decimals, missing unit, garbage, overflow. */
#include "cli.h"

#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static uint64_t ok_time(const char *s)
{
    uint64_t ps = 12345;
    char err[256] = "";
    int rc = cli_parse_time(s, &ps, err, sizeof err);
    ck_assert_msg(rc == CLI_OK, "'%s' rejected: %s", s, err);
    return ps;
}

/* Returns the message; the value must be left alone. */
static const char *bad_time(const char *s)
{
    static char err[256];
    uint64_t ps = 777;
    err[0] = '\0';
    int rc = cli_parse_time(s, &ps, err, sizeof err);
    ck_assert_msg(rc == CLI_EUSAGE, "'%s' accepted (%llu ps)", s, (unsigned long long)ps);
    ck_assert_int_eq(cli_exit_status(rc), 2);
    ck_assert_msg(ps == 777, "'%s' changed the output on error", s);
    ck_assert_msg(err[0] != '\0', "'%s': no message", s);
    ck_assert_msg(strchr(err, '\n') == NULL, "'%s': message has a newline", s);
    return err;
}

START_TEST(units)
{
    ck_assert_uint_eq(ok_time("1ps"), 1);
    ck_assert_uint_eq(ok_time("1ns"), 1000);
    ck_assert_uint_eq(ok_time("1us"), 1000000);
    ck_assert_uint_eq(ok_time("1\xc2\xb5s"), 1000000);
    ck_assert_uint_eq(ok_time("1ms"), 1000000000ULL);
    ck_assert_uint_eq(ok_time("1s"), 1000000000000ULL);
    ck_assert_uint_eq(ok_time("0s"), 0);
    ck_assert_uint_eq(ok_time("0ns"), 0);
    ck_assert_uint_eq(ok_time("250ns"), 250000);
    ck_assert_uint_eq(ok_time("007us"), 7000000);
}
END_TEST

START_TEST(decimals)
{
    ck_assert_uint_eq(ok_time("1.5ms"), 1500000000ULL);
    ck_assert_uint_eq(ok_time("1.2ms"), 1200000000ULL);
    ck_assert_uint_eq(ok_time("0.5ns"), 500);
    ck_assert_uint_eq(ok_time(".5ns"), 500);
    ck_assert_uint_eq(ok_time("2.ns"), 2000);
    ck_assert_uint_eq(ok_time("0.000001s"), 1000000);
    ck_assert_uint_eq(ok_time("1.000000000001s"), 1000000000001ULL);
    ck_assert_uint_eq(ok_time("6.4ns"), 6400);  /* exact, no binary rounding */
    ck_assert_uint_eq(ok_time("1.000ps"), 1);   /* zeros below 1 ps are fine */
    ck_assert_uint_eq(ok_time("1.500ns"), 1500);
    ck_assert_uint_eq(ok_time("2.0010000ns"), 2001);
    ck_assert_ptr_nonnull(strstr(bad_time("1.0005ns"), "finer than 1 ps"));
    ck_assert_ptr_nonnull(strstr(bad_time("1.5ps"), "finer than 1 ps"));
    ck_assert_ptr_nonnull(strstr(bad_time("0.0000000000001s"), "finer than 1 ps"));
}
END_TEST

START_TEST(missing_unit)
{
    ck_assert_ptr_nonnull(strstr(bad_time("1500"), "missing unit"));
    ck_assert_ptr_nonnull(strstr(bad_time("1.5"), "missing unit"));
    ck_assert_ptr_nonnull(strstr(bad_time("0"), "missing unit"));
}
END_TEST

START_TEST(garbage)
{
    ck_assert_ptr_nonnull(strstr(bad_time(""), "empty"));
    ck_assert_ptr_nonnull(strstr(bad_time("ms"), "missing number"));
    ck_assert_ptr_nonnull(strstr(bad_time("."), "missing number"));
    ck_assert_ptr_nonnull(strstr(bad_time(".ms"), "missing number"));
    ck_assert_ptr_nonnull(strstr(bad_time("-1ms"), "negative"));
    ck_assert_ptr_nonnull(strstr(bad_time("1 ms"), "unknown unit"));
    ck_assert_ptr_nonnull(strstr(bad_time("1min"), "unknown unit"));
    ck_assert_ptr_nonnull(strstr(bad_time("1MS"), "unknown unit"));
    ck_assert_ptr_nonnull(strstr(bad_time("1msx"), "unknown unit"));
    ck_assert_ptr_nonnull(strstr(bad_time("1e3ns"), "unknown unit"));
    ck_assert_ptr_nonnull(strstr(bad_time("1.2.3ms"), "unknown unit"));
    ck_assert_ptr_nonnull(strstr(bad_time("+1ms"), "missing number"));
    ck_assert_ptr_nonnull(strstr(bad_time("0x10ns"), "unknown unit"));
    ck_assert_ptr_nonnull(strstr(bad_time(" 1ms"), "missing number"));
}
END_TEST

START_TEST(overflow)
{
    /* UINT64_MAX = 18446744073709551615 ps */
    ck_assert_uint_eq(ok_time("18446744073709551615ps"), UINT64_MAX);
    ck_assert_uint_eq(ok_time("18446744.073709551615s"), UINT64_MAX);
    ck_assert_ptr_nonnull(strstr(bad_time("18446744073709551616ps"), "too large"));
    ck_assert_ptr_nonnull(strstr(bad_time("18446744.073709551616s"), "too large"));
    ck_assert_ptr_nonnull(strstr(bad_time("18446745s"), "too large"));
    ck_assert_ptr_nonnull(strstr(bad_time("99999999999999999999999ms"), "too large"));
    ck_assert_ptr_nonnull(strstr(bad_time("18446744073709552ns"), "too large"));
}
END_TEST

START_TEST(null_error_buffer)
{
    uint64_t ps;
    ck_assert_int_eq(cli_parse_time("x", &ps, NULL, 0), CLI_EUSAGE);
    ck_assert_int_eq(cli_parse_time("3us", &ps, NULL, 0), CLI_OK);
    ck_assert_uint_eq(ps, 3000000);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("cli_time");
    TCase *tc = tcase_create("parse");
    tcase_add_test(tc, units);
    tcase_add_test(tc, decimals);
    tcase_add_test(tc, missing_unit);
    tcase_add_test(tc, garbage);
    tcase_add_test(tc, overflow);
    tcase_add_test(tc, null_error_buffer);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
