/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "api/metrics.h"

/* Render 'live' (JSON text) into a NUL-ended string the caller frees with
 * buf_fini(). */
static void render(const char *live_text, const struct http_stats *hs,
                   const struct hist_snap *lat, struct buf *out)
{
    json_error_t jerr;
    json_t *live = live_text ? json_loads(live_text, 0, &jerr) : NULL;
    if (live_text) {
        assert_non_null(live);
    }
    buf_init(out, 1u << 20);
    assert_int_equal(api_metrics_render(live, hs, lat, out), 0);
    assert_int_equal(buf_append_char(out, '\0'), 0);
    json_decref(live);
}

static bool has_line(const struct buf *b, const char *line)
{
    size_t n = strlen(line);
    const char *p = b->p;
    while ((p = strstr(p, line)) != NULL) {
        if ((p == b->p || p[-1] == '\n') && (p[n] == '\n' || p[n] == '\0')) {
            return true;
        }
        p++;
    }
    return false;
}

static void help_and_type(void **state)
{
    (void)state;
    struct buf b;
    render("{\"ok\":true,\"registrations\":3,\"calls\":{\"active\":2,"
           "\"started\":7},\"packets\":{\"udp\":10,\"tcp\":0,\"tls\":1},"
           "\"drops\":{\"ban\":4}}",
           NULL, NULL, &b);
    assert_true(has_line(&b, "# TYPE sipwarden_registrations_active gauge"));
    assert_true(has_line(&b, "sipwarden_registrations_active 3"));
    assert_true(has_line(&b, "# TYPE sipwarden_calls_active gauge"));
    assert_true(has_line(&b, "sipwarden_calls_active 2"));
    assert_true(has_line(&b, "# TYPE sipwarden_calls_started_total counter"));
    assert_true(has_line(&b, "sipwarden_calls_started_total 7"));
    assert_true(
        has_line(&b, "sipwarden_sip_packets_received_total{transport=\"udp\"} "
                     "10"));
    assert_true(has_line(&b, "sipwarden_shield_drops_total{reason=\"ban\"} 4"));
    /* A plain counter the figures lack is shown as 0. */
    assert_true(has_line(&b, "sipwarden_auth_failures_total 0"));
    /* A labelled family the figures lack is left out. */
    assert_null(strstr(b.p, "sipwarden_security_events_total"));
    /* No HTTP figures given: no HTTP families. */
    assert_null(strstr(b.p, "sipwarden_http_"));

    /* Every sample's family was announced with HELP and TYPE before it. */
    const char *line = b.p;
    while (*line) {
        const char *nl = strchr(line, '\n');
        assert_non_null(nl);
        if (line[0] != '#') {
            char name[128];
            size_t n = strcspn(line, "{ ");
            assert_true(n < sizeof(name));
            memcpy(name, line, n);
            name[n] = '\0';
            char want[200];
            snprintf(want, sizeof(want), "# HELP %s ", name);
            const char *help = strstr(b.p, want);
            assert_non_null(help);
            assert_true(help < line);
            snprintf(want, sizeof(want), "# TYPE %s ", name);
            const char *type = strstr(b.p, want);
            assert_non_null(type);
            assert_true(type < line);
        }
        line = nl + 1;
    }
    buf_fini(&b);
}

static void label_escaping(void **state)
{
    (void)state;
    struct buf b;
    /* A kind with a backslash, a quote and a newline. */
    render("{\"security_events\":{\"a\\\\b\\\"c\\nd\":5}}", NULL, NULL, &b);
    assert_true(has_line(
        &b, "sipwarden_security_events_total{kind=\"a\\\\b\\\"c\\nd\"} 5"));
    buf_fini(&b);

    struct buf e;
    buf_init(&e, 256);
    assert_int_equal(api_metrics_escape_label(&e, "plain"), 0);
    assert_int_equal(api_metrics_escape_label(&e, "\\\"\n"), 0);
    assert_int_equal(e.len, strlen("plain\\\\\\\"\\n"));
    assert_memory_equal(e.p, "plain\\\\\\\"\\n", e.len);
    buf_fini(&e);
}

static void seconds_text(void **state)
{
    (void)state;
    struct {
        uint64_t ns;
        const char *text;
    } cases[] = {
        { 0, "0" },           { 10000, "0.00001" },  { 250000, "0.00025" },
        { 1000000, "0.001" }, { 2500000000, "2.5" }, { 5000000000, "5" },
        { 1, "0.000000001" },
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct buf b;
        buf_init(&b, 64);
        assert_int_equal(api_metrics_seconds(&b, cases[i].ns), 0);
        assert_int_equal(b.len, strlen(cases[i].text));
        assert_memory_equal(b.p, cases[i].text, b.len);
        buf_fini(&b);
    }
}

static void histograms(void **state)
{
    (void)state;
    /* SIP: bucket 0 has 2, bucket 3 has 1, the overflow bucket 1. */
    char live[1024];
    char arr[256] = "";
    for (size_t i = 0; i < HIST_BUCKETS; i++) {
        unsigned v = i == 0 ? 2 : i == 3 ? 1 : i == HIST_BOUNDS ? 1 : 0;
        snprintf(arr + strlen(arr), sizeof(arr) - strlen(arr), "%s%u",
                 i ? "," : "", v);
    }
    snprintf(live, sizeof(live),
             "{\"sip_latency\":{\"register\":{\"buckets\":[%s],"
             "\"sum_ns\":6000250000},\"bad\":{\"buckets\":[1,2]}}}",
             arr);
    struct hist_snap http;
    memset(&http, 0, sizeof(http));
    http.n[1] = 3;
    http.sum_ns = 60000;
    struct http_stats hs;
    memset(&hs, 0, sizeof(hs));
    hs.requests = 9;
    hs.responses[2] = 7;
    hs.responses[4] = 2;
    struct buf b;
    render(live, &hs, &http, &b);
    const char *n = "sipwarden_sip_request_duration_seconds";
    char want[256];
    snprintf(want, sizeof(want), "# TYPE %s histogram", n);
    assert_true(has_line(&b, want));
    snprintf(want, sizeof(want),
             "%s_bucket{method=\"register\",le=\"0.00001\"} 2", n);
    assert_true(has_line(&b, want));
    snprintf(want, sizeof(want),
             "%s_bucket{method=\"register\",le=\"0.00005\"} 2", n);
    assert_true(has_line(&b, want));
    snprintf(want, sizeof(want),
             "%s_bucket{method=\"register\",le=\"0.0001\"} 3", n);
    assert_true(has_line(&b, want));
    snprintf(want, sizeof(want), "%s_bucket{method=\"register\",le=\"5\"} 3",
             n);
    assert_true(has_line(&b, want));
    snprintf(want, sizeof(want), "%s_bucket{method=\"register\",le=\"+Inf\"} 4",
             n);
    assert_true(has_line(&b, want));
    snprintf(want, sizeof(want), "%s_count{method=\"register\"} 4", n);
    assert_true(has_line(&b, want));
    snprintf(want, sizeof(want), "%s_sum{method=\"register\"} 6.00025", n);
    assert_true(has_line(&b, want));
    /* A histogram of the wrong shape is left out. */
    assert_null(strstr(b.p, "method=\"bad\""));

    const char *h = "sipwarden_http_handler_duration_seconds";
    snprintf(want, sizeof(want), "%s_bucket{le=\"0.00001\"} 0", h);
    assert_true(has_line(&b, want));
    snprintf(want, sizeof(want), "%s_bucket{le=\"0.000025\"} 3", h);
    assert_true(has_line(&b, want));
    snprintf(want, sizeof(want), "%s_bucket{le=\"+Inf\"} 3", h);
    assert_true(has_line(&b, want));
    snprintf(want, sizeof(want), "%s_count 3", h);
    assert_true(has_line(&b, want));
    snprintf(want, sizeof(want), "%s_sum 0.00006", h);
    assert_true(has_line(&b, want));
    assert_true(has_line(&b, "sipwarden_http_requests_total 9"));
    assert_true(
        has_line(&b, "sipwarden_http_responses_total{class=\"2xx\"} 7"));
    assert_true(
        has_line(&b, "sipwarden_http_responses_total{class=\"4xx\"} 2"));
    assert_true(
        has_line(&b, "sipwarden_http_responses_total{class=\"5xx\"} 0"));
    buf_fini(&b);
}

static void allow_list(void **state)
{
    (void)state;
    struct sec_net nets[4];
    size_t n = 99;
    char err[256];
    assert_int_equal(api_metrics_allow_parse(API_METRICS_ALLOW_DEFAULT, nets, 4,
                                             &n, err, sizeof(err)),
                     0);
    assert_int_equal(n, 2);
    struct net_addr a;
    assert_int_equal(net_addr_parse("127.0.0.1", 1, &a), 0);
    assert_true(sec_net_covers(&nets[0], &a));
    assert_int_equal(net_addr_parse("127.0.0.5", 1, &a), 0);
    assert_false(sec_net_covers(&nets[0], &a));
    assert_false(sec_net_covers(&nets[1], &a));

    assert_int_equal(api_metrics_allow_parse(" 10.0.0.0/8 ,, 2001:db8::/32 ",
                                             nets, 4, &n, err, sizeof(err)),
                     0);
    assert_int_equal(n, 2);
    assert_int_equal(api_metrics_allow_parse("", nets, 4, &n, err, sizeof(err)),
                     0);
    assert_int_equal(n, 0);
    assert_int_equal(
        api_metrics_allow_parse("10.0.0.0/33", nets, 4, &n, err, sizeof(err)),
        -EINVAL);
    assert_non_null(strstr(err, "10.0.0.0/33"));
    assert_int_equal(api_metrics_allow_parse("1.1.1.1,2.2.2.2", nets, 1, &n,
                                             err, sizeof(err)),
                     -EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(help_and_type), cmocka_unit_test(label_escaping),
        cmocka_unit_test(seconds_text),  cmocka_unit_test(histograms),
        cmocka_unit_test(allow_list),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
