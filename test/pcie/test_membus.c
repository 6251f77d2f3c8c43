/* Host memory bandwidth model (model/membus.h). */
#include <check.h>
#include <stdlib.h>

#include "membus.h"

/* 10 GB/s: 100 ps per byte, 1000 bytes per 100 ns slot */
START_TEST(idle_memory_costs_n_over_b)
{
    mb_bus *b = mb_create(10.0);
    ck_assert_ptr_nonnull(b);
    ck_assert_uint_eq(mb_book(b, MB_NIC_WRITE, 0, 1000), 100000);
    ck_assert_uint_eq(mb_book(b, MB_NIC_WRITE, 1000000, 64), 1000000 + 6400);
    ck_assert_uint_eq(mb_bytes(b, MB_NIC_WRITE), 1064);
    ck_assert_uint_eq(mb_wait_ps(b, MB_NIC_WRITE), 0);
    ck_assert_uint_eq(mb_book(b, MB_CPU, 5, 0), 5);
    mb_free(b);
}
END_TEST

START_TEST(agents_share_the_bandwidth)
{
    mb_bus *b = mb_create(10.0);
    /* two 100 KB transfers at once: together they need 20 us; the second ends there */
    uint64_t a = mb_book(b, MB_ENGINE_WRITE, 0, 100000);
    uint64_t c = mb_book(b, MB_NIC_WRITE, 0, 100000);
    ck_assert_uint_eq(a, 10000000);
    ck_assert_uint_eq(c, 20000000);
    ck_assert_uint_eq(mb_wait_ps(b, MB_NIC_WRITE), 10000000);
    ck_assert_uint_eq(mb_wait_ps(b, MB_ENGINE_WRITE), 0);
    /* after the busy stretch the memory is free again */
    ck_assert_uint_eq(mb_book(b, MB_CPU, 30000000, 1000), 30100000);
    mb_free(b);
}
END_TEST

START_TEST(booking_inside_a_slot_and_out_of_order)
{
    mb_bus *b = mb_create(10.0);
    /* starts 50 ns into a slot: only half its capacity is ahead of it */
    ck_assert_uint_eq(mb_book(b, MB_CPU, 50000, 500), 100000);
    /* inside a slot, bookings are served in the order they are made */
    ck_assert_uint_eq(mb_book(b, MB_NIC_READ, 0, 400), 90000);
    /* the slot is now full: the next byte goes to the next slot */
    ck_assert_uint_eq(mb_book(b, MB_NIC_READ, 0, 200), 100000 + 10000);
    mb_free(b);
}
END_TEST

START_TEST(window_slides_far_ahead)
{
    mb_bus *b = mb_create(1.0);
    uint64_t far = (uint64_t)MB_SLOTS * MB_SLOT_PS * 10;
    ck_assert_uint_eq(mb_book(b, MB_CPU, far, 100), far + 100000);
    /* a booking before the window is served from the window's start */
    uint64_t d = mb_book(b, MB_CPU, 0, 100);
    ck_assert(d >= far - (uint64_t)MB_SLOTS * MB_SLOT_PS);
    ck_assert_ptr_null(mb_create(0));
    ck_assert_str_eq(mb_agent_name(MB_ENGINE_READ), "engine_read");
    ck_assert_ptr_null(mb_agent_name(MB_AGENTS));
    mb_free(b);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("membus");
    TCase *t = tcase_create("membus");
    tcase_add_test(t, idle_memory_costs_n_over_b);
    tcase_add_test(t, agents_share_the_bandwidth);
    tcase_add_test(t, booking_inside_a_slot_and_out_of_order);
    tcase_add_test(t, window_slides_far_ahead);
    suite_add_tcase(s, t);
    SRunner *r = srunner_create(s);
    srunner_run_all(r, CK_NORMAL);
    int f = srunner_ntests_failed(r);
    srunner_free(r);
    return f ? EXIT_FAILURE : EXIT_SUCCESS;
}
