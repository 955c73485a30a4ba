/* SPDX-License-Identifier: Apache-2.0 */
/* buf: printf in one pass or two, growth, the ceiling, sticky errors. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "base/buf.h"

static void printf_fits_and_grows(void **state)
{
    (void)state;
    struct buf b;
    buf_init(&b, 1u << 20);
    assert_int_equal(buf_printf(&b, "%s=%d", "a", 1), 0);
    assert_string_equal(b.p, "a=1");
    size_t cap = b.cap;
    /* formatted in place while it fits */
    assert_int_equal(buf_printf(&b, ";%03u", 7u), 0);
    assert_string_equal(b.p, "a=1;007");
    assert_int_equal(b.cap, cap);
    /* longer than the free space: grown, then formatted again */
    char big[1000];
    memset(big, 'x', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    assert_int_equal(buf_printf(&b, "[%s]", big), 0);
    assert_int_equal(b.len, 7 + 2 + 999);
    assert_true(b.cap > cap);
    assert_int_equal(b.p[8], 'x');
    assert_int_equal(b.p[b.len - 1], ']');
    assert_int_equal(b.p[b.len], '\0');
    buf_fini(&b);
}

static void printf_respects_ceiling(void **state)
{
    (void)state;
    struct buf b;
    buf_init(&b, 10);
    assert_int_equal(buf_append_cstr(&b, "12345"), 0);
    /* fits in the allocation (256) but not under max_len */
    assert_int_equal(buf_printf(&b, "%s", "678901"), -ENOSPC);
    assert_int_equal(b.len, 5);
    assert_string_equal(b.p, "12345");
    /* sticky */
    assert_int_equal(buf_printf(&b, "%d", 6), -ENOSPC);
    assert_string_equal(b.p, "12345");
    buf_reset(&b);
    assert_int_equal(buf_printf(&b, "%s", "0123456789"), 0);
    assert_int_equal(b.len, 10);
    buf_fini(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(printf_fits_and_grows),
        cmocka_unit_test(printf_respects_ceiling),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
