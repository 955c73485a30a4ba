/* SPDX-License-Identifier: Apache-2.0 */
/* The service-table probe of the audit checklist: its wire request (a
 * sequence number, nothing else), the client without a helper, and the
 * in-process probe's refusals. Nothing here touches nftables. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "fw/fw.h"
#include "fw/fw_int.h"

static void probe_wire(void **state)
{
    (void)state;
    struct fw_req in = { .type = FW_REQ_SVC_PROBE, .seq = 42 };
    struct fw_req out;
    uint8_t buf[FW_REQ_LEN];

    assert_int_equal(fw_req_encode(&in, buf), 0);
    assert_int_equal(buf[0], FW_REQ_SVC_PROBE);
    assert_int_equal(buf[3], 42);
    assert_int_equal(fw_req_decode(buf, sizeof(buf), &out), 0);
    assert_int_equal(out.type, FW_REQ_SVC_PROBE);
    assert_int_equal(out.seq, 42);
    /* No network and no argument may ride along. */
    buf[8] = 1;
    assert_int_equal(fw_req_decode(buf, sizeof(buf), &out), -EINVAL);
    buf[8] = 0;
    buf[7] = 1;
    assert_int_equal(fw_req_decode(buf, sizeof(buf), &out), -EINVAL);
    buf[7] = 0;
    buf[1] = 4;
    assert_int_equal(fw_req_decode(buf, sizeof(buf), &out), -EINVAL);
}

static void probe_without_helper(void **state)
{
    (void)state;
    char err[FW_STATUS_CAP + 64];

    assert_int_equal(fw_svc_probe(NULL, 100, err, sizeof(err)), -ENOTCONN);
    assert_non_null(strstr(err, "not running"));
}

static void local_probe_refuses_bad_names(void **state)
{
    (void)state;
    char err[256];

    assert_int_equal(fw_svc_loaded(NULL, err, sizeof(err)), -EINVAL);
    assert_int_equal(fw_svc_loaded("bad name;", err, sizeof(err)), -EINVAL);
    assert_non_null(strstr(err, "table"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(probe_wire),
        cmocka_unit_test(probe_without_helper),
        cmocka_unit_test(local_probe_refuses_bad_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
