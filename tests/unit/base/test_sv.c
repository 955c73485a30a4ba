/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "base/buf.h"
#include "base/sv.h"

static void to_u64_bounds(void **state)
{
    (void)state;
    uint64_t v = 7;
    assert_int_equal(sv_to_u64(SV_LIT("4294967295"), UINT32_MAX, &v), 0);
    assert_int_equal(v, UINT32_MAX);
    assert_int_equal(sv_to_u64(SV_LIT("4294967296"), UINT32_MAX, &v), -ERANGE);
    assert_int_equal(sv_to_u64(SV_LIT("-1"), UINT32_MAX, &v), -EINVAL);
    assert_int_equal(sv_to_u64(SV_LIT(""), UINT32_MAX, &v), -EINVAL);
    assert_int_equal(
        sv_to_u64(SV_LIT("99999999999999999999999"), UINT64_MAX, &v), -ERANGE);
}

static void contains_nocase(void **state)
{
    (void)state;
    assert_true(sv_contains_nocase(SV_LIT("Friendly-Scanner 1.0"),
                                   SV_LIT("friendly-scanner")));
    assert_false(sv_contains_nocase(SV_LIT("Yealink"), SV_LIT("sipvicious")));
    assert_true(sv_eq_nocase(SV_LIT("VIA"), SV_LIT("via")));
}

static void buf_ceiling(void **state)
{
    (void)state;
    struct buf b;
    buf_init(&b, 8);
    assert_int_equal(buf_append_cstr(&b, "12345678"), 0);
    assert_int_equal(buf_append_char(&b, 'x'), -ENOSPC);
    assert_int_equal(b.err, -ENOSPC);
    assert_int_equal(b.len, 8);
    buf_fini(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(to_u64_bounds),
        cmocka_unit_test(contains_nocase),
        cmocka_unit_test(buf_ceiling),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
