/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "base/sv.h"
#include "fw/fw_int.h"

static struct sec_net net_of(const char *s)
{
    struct sec_net n;
    assert_int_equal(sec_net_parse(sv_cstr(s), 0, &n, NULL, NULL, 0), 0);
    return n;
}

static void req_roundtrip(void **state)
{
    static const char *const nets[] = { "1.2.3.4", "10.0.0.0/8", "2001:db8::1",
                                        "2001:db8:1:2::/64" };
    uint8_t buf[FW_REQ_LEN];
    struct fw_req in, out;

    (void)state;
    for (size_t i = 0; i < sizeof(nets) / sizeof(nets[0]); i++) {
        for (uint8_t t = FW_REQ_ADD; t <= FW_REQ_DEL; t++) {
            memset(&in, 0, sizeof(in));
            in.type = t;
            in.net = net_of(nets[i]);
            in.arg = t == FW_REQ_ADD ? 0xdeadbeefu : 0;
            assert_int_equal(fw_req_encode(&in, buf), 0);
            assert_int_equal(fw_req_decode(buf, sizeof(buf), &out), 0);
            assert_int_equal(out.type, t);
            assert_true(sec_net_eq(&out.net, &in.net));
            assert_int_equal(out.arg, in.arg);
        }
    }
    memset(&in, 0, sizeof(in));
    in.type = FW_REQ_SYNC;
    in.arg = 77;
    assert_int_equal(fw_req_encode(&in, buf), 0);
    assert_int_equal(buf[0], FW_REQ_SYNC);
    assert_int_equal(buf[7], 77); /* big-endian */
    assert_int_equal(fw_req_decode(buf, sizeof(buf), &out), 0);
    assert_int_equal(out.arg, 77);
    in.type = FW_REQ_FLUSH;
    in.arg = 0;
    assert_int_equal(fw_req_encode(&in, buf), 0);
    assert_int_equal(fw_req_decode(buf, sizeof(buf), &out), 0);
    assert_int_equal(out.type, FW_REQ_FLUSH);
}

static void req_refusals(void **state)
{
    uint8_t buf[FW_REQ_LEN], bad[FW_REQ_LEN];
    struct fw_req in, out;

    (void)state;
    memset(&in, 0, sizeof(in));
    in.type = 9;
    assert_int_equal(fw_req_encode(&in, buf), -EINVAL);
    in.type = FW_REQ_ADD; /* zero net: invalid */
    assert_int_equal(fw_req_encode(&in, buf), -EINVAL);

    in.net = net_of("192.0.2.1");
    assert_int_equal(fw_req_encode(&in, buf), 0);
    assert_int_equal(fw_req_decode(buf, sizeof(buf) - 1, &out), -EINVAL);
    memcpy(bad, buf, sizeof(bad));
    bad[0] = 0;
    assert_int_equal(fw_req_decode(bad, sizeof(bad), &out), -EINVAL);
    memcpy(bad, buf, sizeof(bad));
    bad[1] = 5; /* family */
    assert_int_equal(fw_req_decode(bad, sizeof(bad), &out), -EINVAL);
    memcpy(bad, buf, sizeof(bad));
    bad[2] = 33; /* prefix */
    assert_int_equal(fw_req_decode(bad, sizeof(bad), &out), -EINVAL);
    memcpy(bad, buf, sizeof(bad));
    bad[3] = 1; /* reserved */
    assert_int_equal(fw_req_decode(bad, sizeof(bad), &out), -EINVAL);
    memcpy(bad, buf, sizeof(bad));
    bad[8 + 5] = 1; /* IPv4 with bytes beyond 4 */
    assert_int_equal(fw_req_decode(bad, sizeof(bad), &out), -EINVAL);
    memcpy(bad, buf, sizeof(bad));
    bad[2] = 24; /* host bits set under /24 */
    assert_int_equal(fw_req_decode(bad, sizeof(bad), &out), -EINVAL);

    memset(&in, 0, sizeof(in));
    in.type = FW_REQ_FLUSH;
    assert_int_equal(fw_req_encode(&in, buf), 0);
    buf[10] = 1; /* stray address byte */
    assert_int_equal(fw_req_decode(buf, sizeof(buf), &out), -EINVAL);
    buf[10] = 0;
    buf[5] = 1; /* DEL / FLUSH carry no argument */
    assert_int_equal(fw_req_decode(buf, sizeof(buf), &out), -EINVAL);
}

static void rep_roundtrip_and_refusals(void **state)
{
    uint8_t buf[FW_REP_LEN];
    struct fw_rep in, out;
    char big[400];

    (void)state;
    fw_rep_set(&in, FW_REP_UNAVAIL, EPERM, 5, "no %s", "CAP_NET_ADMIN");
    fw_rep_encode(&in, buf);
    assert_int_equal(fw_rep_decode(buf, sizeof(buf), &out), 0);
    assert_int_equal(out.type, FW_REP_UNAVAIL);
    assert_int_equal(out.err, EPERM);
    assert_int_equal(out.arg, 5);
    assert_string_equal(out.text, "no CAP_NET_ADMIN");

    memset(big, 'x', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    fw_rep_set(&in, FW_REP_ERROR, 0, 0, "%s", big);
    fw_rep_encode(&in, buf);
    assert_int_equal(fw_rep_decode(buf, sizeof(buf), &out), 0);
    assert_int_equal(strlen(out.text), FW_REP_TEXT_CAP - 1);

    fw_rep_set(&in, FW_REP_ERROR, 0, 0, "a\nb\x01");
    fw_rep_encode(&in, buf);
    assert_int_equal(fw_rep_decode(buf, sizeof(buf), &out), 0);
    assert_string_equal(out.text, "a?b?"); /* control bytes neutralised */

    assert_int_equal(fw_rep_decode(buf, sizeof(buf) - 1, &out), -EINVAL);
    buf[0] = 0;
    assert_int_equal(fw_rep_decode(buf, sizeof(buf), &out), -EINVAL);
    buf[0] = FW_REP_ERROR;
    buf[2] = 1;
    assert_int_equal(fw_rep_decode(buf, sizeof(buf), &out), -EINVAL);
    buf[2] = 0;
    memset(buf + 12, 'y', FW_REP_LEN - 12); /* unterminated text */
    assert_int_equal(fw_rep_decode(buf, sizeof(buf), &out), -EINVAL);
    fw_rep_set(&in, FW_REP_UNAVAIL, 0, 0, "x");
    fw_rep_encode(&in, buf);
    buf[4] = 0x80; /* negative errno */
    assert_int_equal(fw_rep_decode(buf, sizeof(buf), &out), -EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(req_roundtrip),
        cmocka_unit_test(req_refusals),
        cmocka_unit_test(rep_roundtrip_and_refusals),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
