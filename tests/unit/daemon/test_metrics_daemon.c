/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "api/metrics.h"
#include "daemon/config.h"
#include "daemon/metrics.h"
#include "sip/msg.h"

static void allow_key(void **state)
{
    (void)state;
    struct sw_config c;
    struct sw_config_err e;
    sw_config_defaults(&c);
    assert_string_equal(c.metrics_allow, API_METRICS_ALLOW_DEFAULT);
    assert_int_equal(
        sw_config_load_string(
            &c, "[metrics]\nallow = 10.0.0.0/8, 2001:db8::/32\n", "t.conf", &e),
        0);
    assert_string_equal(c.metrics_allow, "10.0.0.0/8, 2001:db8::/32");
    /* Empty: no source reads without a token. */
    assert_int_equal(
        sw_config_load_string(&c, "[metrics]\nallow =\n", "t.conf", &e), 0);
    assert_string_equal(c.metrics_allow, "");

    sw_config_defaults(&c);
    assert_int_equal(
        sw_config_load_string(&c, "[metrics]\nallow = 10.0.0.0/8, nonsense\n",
                              "t.conf", &e),
        -EINVAL);
    assert_int_equal(e.line, 2);
    assert_non_null(strstr(e.reason, "nonsense"));
    assert_int_equal(
        sw_config_load_string(&c, "[metrics]\nlisten = x\n", "t.conf", &e),
        -EINVAL);
}

static void lat_classes(void **state)
{
    (void)state;
    assert_int_equal(sw_lat_class_of(SIP_METHOD_REGISTER), SW_LAT_REGISTER);
    assert_int_equal(sw_lat_class_of(SIP_METHOD_INVITE), SW_LAT_INVITE);
    assert_int_equal(sw_lat_class_of(SIP_METHOD_OPTIONS), SW_LAT_OTHER);
    assert_int_equal(sw_lat_class_of(SIP_METHOD_BYE), SW_LAT_OTHER);
    assert_int_equal(sw_lat_class_of(SIP_METHOD_UNKNOWN), SW_LAT_OTHER);
    assert_string_equal(sw_lat_class_name(SW_LAT_REGISTER), "register");
    assert_string_equal(sw_lat_class_name(SW_LAT_INVITE), "invite");
    assert_string_equal(sw_lat_class_name(SW_LAT_OTHER), "other");
}

static void register_results(void **state)
{
    (void)state;
    struct sw_wmetrics m;
    memset(&m, 0, sizeof(m));
    sw_wmetrics_reg_result(&m, 200);
    sw_wmetrics_reg_result(&m, 401);
    sw_wmetrics_reg_result(&m, 401);
    sw_wmetrics_reg_result(&m, 403);
    sw_wmetrics_reg_result(&m, 423);
    sw_wmetrics_reg_result(&m, 500);
    assert_int_equal(atomic_load(&m.reg_results[SW_REG_200]), 1);
    assert_int_equal(atomic_load(&m.reg_results[SW_REG_401]), 2);
    assert_int_equal(atomic_load(&m.reg_results[SW_REG_403]), 1);
    assert_int_equal(atomic_load(&m.reg_results[SW_REG_OTHER]), 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(allow_key),
        cmocka_unit_test(lat_classes),
        cmocka_unit_test(register_results),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
