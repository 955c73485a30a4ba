/* SPDX-License-Identifier: Apache-2.0 */
/* The alert service on a real store: administrator sign-ins read from the
 * audit log (history ignored, new address alerted once, failed sign-ins
 * ignored), events through rules and rate limits, and a channel that
 * cannot be reached counted as failed. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "../store/tmpdir.h"
#include "alert/svc.h"
#include "store/admin.h"
#include "store/store.h"

struct fx {
    struct tmpdir dir;
    struct store *st;
    struct alert_svc *svc;
    int sock; /* holds the refused port */
    char err[512];
};

static int setup(void **state)
{
    struct fx *fx = calloc(1, sizeof(*fx));
    if (!fx || tmpdir_make(&fx->dir) != 0) {
        free(fx);
        return -1;
    }
    if (store_open(fx->dir.path, &fx->st, fx->err, sizeof(fx->err)) != 0) {
        tmpdir_rm(&fx->dir);
        free(fx);
        return -1;
    }
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    struct fx *fx = *state;
    alert_svc_free(fx->svc);
    if (fx->sock > 0) {
        close(fx->sock);
    }
    store_close(fx->st);
    tmpdir_rm(&fx->dir);
    free(fx);
    return 0;
}

static void audit_login(struct fx *fx, const char *who, const char *ip,
                        const char *result)
{
    struct store_audit a;
    memset(&a, 0, sizeof(a));
    a.at = (int64_t)time(NULL);
    snprintf(a.actor, sizeof(a.actor), "%s", who);
    a.admin_id = 1;
    snprintf(a.client_ip, sizeof(a.client_ip), "%s", ip);
    snprintf(a.action, sizeof(a.action), "auth.login");
    snprintf(a.target, sizeof(a.target), "%s", who);
    snprintf(a.result, sizeof(a.result), "%s", result);
    assert_int_equal(store_audit_add(fx->st, &a, NULL), 0);
}

static json_int_t status_int(struct fx *fx, const char *key)
{
    json_t *o = alert_svc_status_json(fx->svc);
    assert_non_null(o);
    json_int_t v = json_integer_value(json_object_get(o, key));
    json_decref(o);
    return v;
}

/* A loopback port bound but not listening: connections are refused at
 * once, and no other process can take it while the test runs. */
static int closed_port(struct fx *fx)
{
    struct sockaddr_in sa = { .sin_family = AF_INET,
                              .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    socklen_t len = sizeof(sa);
    fx->sock = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(fx->sock >= 0);
    assert_int_equal(bind(fx->sock, (struct sockaddr *)&sa, sizeof(sa)), 0);
    assert_int_equal(getsockname(fx->sock, (struct sockaddr *)&sa, &len), 0);
    return ntohs(sa.sin_port);
}

static void start(struct fx *fx)
{
    struct alert_svc_cfg cfg;
    alert_svc_cfg_defaults(&cfg);
    snprintf(cfg.send.webhook_url, sizeof(cfg.send.webhook_url),
             "http://127.0.0.1:%d/hook", closed_port(fx));
    cfg.send.timeout_ms = 2000;
    snprintf(cfg.send.host, sizeof(cfg.send.host), "unit");
    assert_int_equal(
        alert_svc_new(&cfg, fx->st, &fx->svc, fx->err, sizeof(fx->err)), 0);
    assert_non_null(fx->svc);
}

static void no_channel_is_off(void **state)
{
    struct fx *fx = *state;
    struct alert_svc_cfg cfg;
    alert_svc_cfg_defaults(&cfg);
    assert_int_equal(
        alert_svc_new(&cfg, fx->st, &fx->svc, fx->err, sizeof(fx->err)), 0);
    assert_null(fx->svc);
    /* bad values are refused, naming the key */
    snprintf(cfg.send.smtp_url, sizeof(cfg.send.smtp_url), "smtp://x:25");
    snprintf(cfg.send.mail_from, sizeof(cfg.send.mail_from), "a@b.test");
    snprintf(cfg.send.mail_to, sizeof(cfg.send.mail_to), "c@d.test\r\nX: y");
    assert_int_equal(
        alert_svc_new(&cfg, fx->st, &fx->svc, fx->err, sizeof(fx->err)),
        -EINVAL);
    assert_non_null(strstr(fx->err, "mail_to"));
    snprintf(cfg.send.mail_to, sizeof(cfg.send.mail_to), "c@d.test");
    snprintf(cfg.send.smtp_url, sizeof(cfg.send.smtp_url), "ftp://x");
    assert_int_equal(
        alert_svc_new(&cfg, fx->st, &fx->svc, fx->err, sizeof(fx->err)),
        -EINVAL);
    assert_non_null(strstr(fx->err, "smtp_url"));
    alert_svc_cfg_defaults(&cfg);
    snprintf(cfg.ban_rules, sizeof(cfg.ban_rules), "ua_blacklist, nope");
    snprintf(cfg.send.webhook_url, sizeof(cfg.send.webhook_url), "http://x/");
    assert_int_equal(
        alert_svc_new(&cfg, fx->st, &fx->svc, fx->err, sizeof(fx->err)),
        -EINVAL);
    assert_non_null(strstr(fx->err, "nope"));
    assert_null(fx->svc);
}

static void signins_from_new_addresses(void **state)
{
    struct fx *fx = *state;
    audit_login(fx, "admin", "10.0.0.1", "ok"); /* before the start */
    start(fx);
    alert_svc_poll(fx->svc);
    assert_int_equal(status_int(fx, "alerts"), 0);

    audit_login(fx, "admin", "10.0.0.2", "ok");
    alert_svc_poll(fx->svc);
    assert_int_equal(status_int(fx, "alerts"), 1);
    audit_login(fx, "admin", "10.0.0.2", "ok");
    audit_login(fx, "admin", "10.0.0.9", "bad_credentials");
    alert_svc_poll(fx->svc);
    alert_svc_poll(fx->svc);
    assert_int_equal(status_int(fx, "alerts"), 1);
    audit_login(fx, "admin", "10.0.0.3", "ok");
    audit_login(fx, "ops", "10.0.0.2", "ok");
    alert_svc_poll(fx->svc);
    assert_int_equal(status_int(fx, "alerts"), 3);
}

static void events_and_failed_channel(void **state)
{
    struct fx *fx = *state;
    start(fx);
    struct sec_evlog_entry e;
    memset(&e, 0, sizeof(e));
    e.ev = SEC_EV_BAN;
    e.at = (int64_t)time(NULL);
    snprintf(e.addr, sizeof(e.addr), "203.0.113.7");
    snprintf(e.detail, sizeof(e.detail),
             "net=203.0.113.7/32 reason=auth_failures count=10");
    alert_svc_event(fx->svc, &e);
    alert_svc_event(fx->svc, &e); /* same key within the interval */
    assert_int_equal(status_int(fx, "alerts"), 1);
    assert_int_equal(status_int(fx, "suppressed"), 1);
    uint64_t id = 0;
    assert_int_equal(alert_svc_test(fx->svc, &id), 0);
    assert_int_equal(id, 1);

    /* The unreachable webhook: both alerts failed after a retry each, and
     * the test reports the error. Bounded wait on the alert thread. */
    json_t *o = NULL;
    for (int i = 0; i < 200; i++) {
        json_decref(o);
        o = alert_svc_status_json(fx->svc);
        json_t *t = json_object_get(o, "test");
        if (json_integer_value(json_object_get(t, "id")) == 1) {
            break;
        }
        struct timespec ts = { 0, 50 * 1000000L };
        nanosleep(&ts, NULL);
    }
    json_t *t = json_object_get(o, "test");
    assert_int_equal(json_integer_value(json_object_get(t, "id")), 1);
    assert_string_not_equal(json_string_value(json_object_get(t, "webhook")),
                            "ok");
    assert_string_equal(json_string_value(json_object_get(t, "mail")), "off");
    json_t *w = json_object_get(json_object_get(o, "channels"), "webhook");
    assert_int_equal(json_integer_value(json_object_get(w, "failed")), 2);
    assert_int_equal(json_integer_value(json_object_get(w, "retries")), 2);
    assert_int_equal(json_integer_value(json_object_get(w, "sent")), 0);
    json_decref(o);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(no_channel_is_off, setup, teardown),
        cmocka_unit_test_setup_teardown(signins_from_new_addresses, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(events_and_failed_channel, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
