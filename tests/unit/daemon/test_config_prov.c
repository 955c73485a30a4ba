/* SPDX-License-Identifier: Apache-2.0 */
/* The [provisioning] keys and the service firewall's provisioning hook:
 * plain_listen's port is opened by the rendered rules only when set. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/buf.h"
#include "daemon/config.h"
#include "fw/render.h"

/* The nftables rules for config text 'ini' (static, overwritten). */
static const char *rules_of(const char *ini)
{
    static char text[65536];
    struct sw_config c;
    struct sw_config_err err;
    struct fw_svc_cfg fc;
    struct buf b;
    sw_config_defaults(&c);
    assert_int_equal(sw_config_load_string(&c, ini, "test", &err), 0);
    assert_int_equal(sw_config_fw_svc(&c, &fc), 0);
    fc.n_ssh_ports = 0;
    fc.ssh_ports_from_sshd = false;
    buf_init(&b, sizeof(text) - 1);
    assert_int_equal(fw_svc_render(&fc, FW_BACKEND_NFTABLES, NULL, 0, &b), 0);
    memcpy(text, b.p, b.len);
    text[b.len] = '\0';
    buf_fini(&b);
    return text;
}

static void defaults(void **state)
{
    struct sw_config c;
    (void)state;
    sw_config_defaults(&c);
    assert_string_equal(c.prov_plain_listen, "");
    assert_int_equal(c.prov_guess_max, 5);
    assert_int_equal(c.prov_guess_window_s, 60);
    assert_non_null(strstr(c.prov_template_dir, "templates/provisioning"));
}

static void plain_port_opened_only_when_on(void **state)
{
    (void)state;
    const char *t = rules_of("[http]\nlisten = 127.0.0.1:8887\n");
    assert_non_null(strstr(t, "Provisioning: off"));
    assert_null(strstr(t, "phone provisioning"));

    t = rules_of("[provisioning]\nplain_listen = 0.0.0.0:8888\n");
    assert_non_null(
        strstr(t, "tcp dport 8888 accept comment \"phone provisioning\""));
    assert_null(strstr(t, "Provisioning: off"));
}

static void keys_checked(void **state)
{
    struct sw_config c;
    struct sw_config_err err;
    (void)state;
    sw_config_defaults(&c);
    assert_int_equal(sw_config_load_string(&c,
                                           "[provisioning]\n"
                                           "guess_max = 3\n"
                                           "guess_window_s = 30\n"
                                           "template_dir = /tmp/t\n"
                                           "sip_host = pbx.example.com\n",
                                           "test", &err),
                     0);
    assert_int_equal(c.prov_guess_max, 3);
    assert_int_equal(c.prov_guess_window_s, 30);
    assert_string_equal(c.prov_template_dir, "/tmp/t");
    assert_string_equal(c.prov_sip_host, "pbx.example.com");
    assert_int_equal(sw_config_load_string(
                         &c, "[provisioning]\nguess_max = 0\n", "test", &err),
                     -EINVAL);
    assert_int_equal(sw_config_load_string(&c,
                                           "[provisioning]\nplain_listen = "
                                           "nonsense\n",
                                           "test", &err),
                     -EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(defaults),
        cmocka_unit_test(plain_port_opened_only_when_on),
        cmocka_unit_test(keys_checked),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
