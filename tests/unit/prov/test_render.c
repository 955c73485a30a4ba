/* SPDX-License-Identifier: Apache-2.0 */
/* Phone configuration files: the file names each vendor's phones ask for,
 * placeholder substitution with the escaping of each format (hostile
 * display names with <, &, quotes and line breaks), and the templates
 * shipped in templates/provisioning rendered for every vendor. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "base/buf.h"
#include "prov/render.h"

#define TEMPLATE_DIR SW_TESTDATA_DIR "/../../templates/provisioning"

static const char hostile[] = "Eve <x> & \"q\" 'a'\nkey=evil\r\tz";

static struct prov_vars vars(const char *display)
{
    return (struct prov_vars){
        .server = "pbx.example.com",
        .port = 5061,
        .transport = "tls",
        .user = "100",
        .auth_name = "100",
        .password = "pW-9.x_Q+z=",
        .display_name = display,
        .domain = "example.com",
        .realm = "example.com",
        .expires_s = 3600,
    };
}

/* Render into a static string. */
static const char *render(const char *tmpl, enum prov_format fmt,
                          const struct prov_vars *v, int want_rc)
{
    static char text[PROV_OUT_MAX + 1];
    struct buf b;
    buf_init(&b, PROV_OUT_MAX);
    assert_int_equal(prov_render(sv_cstr(tmpl), fmt, v, &b), want_rc);
    memcpy(text, b.p ? b.p : "", b.len);
    text[b.len] = '\0';
    buf_fini(&b);
    return text;
}

static void xml_escaping(void **state)
{
    (void)state;
    struct prov_vars v = vars(hostile);
    const char *t =
        render("<n a=\"{{display_name}}\">{{label}}</n>", PROV_FMT_XML, &v, 0);
    assert_string_equal(t, "<n a=\"Eve &lt;x&gt; &amp; &quot;q&quot; "
                           "&apos;a&apos; key=evil  z\">Eve &lt;x&gt; &amp; "
                           "&quot;q&quot; &apos;a&apos; key=evil  z</n>");
    assert_null(strchr(t, '\n'));
}

static void cfg_no_newlines(void **state)
{
    (void)state;
    struct prov_vars v = vars(hostile);
    const char *t =
        render("a = {{display_name}}\nb = {{user}}\n", PROV_FMT_CFG, &v, 0);
    /* Quotes and markup stay (key = value has no escaping), but the line
     * break cannot start a new key. */
    assert_string_equal(t, "a = Eve <x> & \"q\" 'a' key=evil  z\nb = 100\n");
}

static void placeholders(void **state)
{
    (void)state;
    struct prov_vars v = vars("");
    assert_string_equal(render("{{server}}:{{port}};{{transport}}/"
                               "{{transport_upper}}/{{transport_yealink}}/"
                               "{{transport_polycom}} {{expires_s}} {{label}}",
                               PROV_FMT_CFG, &v, 0),
                        "pbx.example.com:5061;tls/TLS/2/TLS 3600 100");
    v.transport = "udp";
    assert_string_equal(render("{{transport_yealink}}{{transport_polycom}}",
                               PROV_FMT_CFG, &v, 0),
                        "0UDPOnly");
    v.transport = "tcp";
    assert_string_equal(render("{{transport_yealink}}{{transport_polycom}}",
                               PROV_FMT_CFG, &v, 0),
                        "1TCPOnly");
    render("x {{nope}}", PROV_FMT_CFG, &v, -EINVAL);
    render("x {{server", PROV_FMT_CFG, &v, -EINVAL);
    /* Lone braces are text. */
    assert_string_equal(render("{a} }} {", PROV_FMT_CFG, &v, 0), "{a} }} {");
}

static void out_cap(void **state)
{
    (void)state;
    struct prov_vars v = vars("");
    struct buf b;
    buf_init(&b, 4);
    assert_int_equal(prov_render(sv_cstr("{{server}}"), PROV_FMT_CFG, &v, &b),
                     -ENOSPC);
    buf_fini(&b);
}

struct file_case {
    enum prov_vendor v;
    const char *file;
    int rc;
    enum prov_tmpl t;
};

static void file_names(void **state)
{
    static const struct file_case cases[] = {
        { PROV_VENDOR_GENERIC, "config.xml", 0, PROV_TMPL_GENERIC },
        { PROV_VENDOR_GENERIC, "y000000000000.cfg", -ENOENT, 0 },
        { PROV_VENDOR_YEALINK, "y000000000000.cfg", 0, PROV_TMPL_YEALINK },
        { PROV_VENDOR_YEALINK, "001565AABBCC.cfg", 0, PROV_TMPL_YEALINK },
        { PROV_VENDOR_YEALINK, "001565aabbcc.cfg", 0, PROV_TMPL_YEALINK },
        { PROV_VENDOR_YEALINK, "001565aabbcg.cfg", -ENOENT, 0 },
        { PROV_VENDOR_YEALINK, "config.xml", -ENOENT, 0 },
        { PROV_VENDOR_POLYCOM, "000000000000.cfg", 0,
          PROV_TMPL_POLYCOM_MASTER },
        { PROV_VENDOR_POLYCOM, "0004f2aabbcc.cfg", 0,
          PROV_TMPL_POLYCOM_MASTER },
        { PROV_VENDOR_POLYCOM, "phone.cfg", 0, PROV_TMPL_POLYCOM_PHONE },
        { PROV_VENDOR_POLYCOM, "0004f2aabbcc-phone.cfg", 0,
          PROV_TMPL_POLYCOM_PHONE },
        { PROV_VENDOR_POLYCOM, "0004f2aabbc-phone.cfg", -ENOENT, 0 },
        { PROV_VENDOR_POLYCOM, "y000000000000.cfg", -ENOENT, 0 },
    };
    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        enum prov_tmpl t = PROV_TMPL_COUNT;
        assert_int_equal(
            prov_file_match(cases[i].v, sv_cstr(cases[i].file), &t),
            cases[i].rc);
        if (cases[i].rc == 0) {
            assert_int_equal(t, cases[i].t);
        }
    }
    enum prov_vendor v;
    assert_int_equal(prov_vendor_parse("yealink", &v), 0);
    assert_int_equal(v, PROV_VENDOR_YEALINK);
    assert_int_equal(prov_vendor_parse("Yealink", &v), -EINVAL);
    assert_int_equal(prov_vendor_parse(NULL, &v), -EINVAL);
    assert_string_equal(prov_vendor_name(PROV_VENDOR_POLYCOM), "polycom");
}

static const char *render_tmpl(const struct prov_templates *t,
                               enum prov_tmpl which, const struct prov_vars *v)
{
    static char text[PROV_OUT_MAX + 1];
    struct buf b;
    buf_init(&b, PROV_OUT_MAX);
    assert_int_equal(prov_render(sv_make(t->text[which], t->len[which]),
                                 prov_tmpl_format(which), v, &b),
                     0);
    memcpy(text, b.p, b.len);
    text[b.len] = '\0';
    buf_fini(&b);
    return text;
}

static void shipped_templates(void **state)
{
    struct prov_templates t;
    char err[512];
    (void)state;
    int rc = prov_templates_load(&t, TEMPLATE_DIR, err, sizeof(err));
    if (rc != 0) {
        fail_msg("loading %s: %s", TEMPLATE_DIR, err);
    }
    struct prov_vars v = vars(hostile);

    const char *g = render_tmpl(&t, PROV_TMPL_GENERIC, &v);
    assert_non_null(strstr(g, "<password>pW-9.x_Q+z=</password>"));
    assert_non_null(strstr(g, "host=\"pbx.example.com\" port=\"5061\" "
                              "transport=\"tls\""));
    assert_non_null(strstr(g, "<display-name>Eve &lt;x&gt; &amp; "));
    assert_null(strstr(g, "<x>"));
    assert_non_null(strstr(g, "<registration-expires>3600<"));

    const char *y = render_tmpl(&t, PROV_TMPL_YEALINK, &v);
    assert_true(strncmp(y, "#!version:1.0.0.1\n", 18) == 0);
    assert_non_null(strstr(y, "\naccount.1.password = pW-9.x_Q+z=\n"));
    assert_non_null(strstr(y, "\naccount.1.user_name = 100\n"));
    assert_non_null(strstr(y, "\naccount.1.sip_server.1.address = "
                              "pbx.example.com\n"));
    assert_non_null(strstr(y, "\naccount.1.sip_server.1.port = 5061\n"));
    assert_non_null(strstr(y, "\naccount.1.sip_server.1.transport_type = 2\n"));
    assert_non_null(
        strstr(y, "\naccount.1.display_name = Eve <x> & \"q\" 'a' key=evil"));
    assert_null(strstr(y, "\nkey=evil"));

    const char *pm = render_tmpl(&t, PROV_TMPL_POLYCOM_MASTER, &v);
    assert_non_null(strstr(pm, "CONFIG_FILES=\"phone.cfg\""));
    const char *pp = render_tmpl(&t, PROV_TMPL_POLYCOM_PHONE, &v);
    assert_non_null(strstr(pp, "reg.1.auth.password=\"pW-9.x_Q+z=\""));
    assert_non_null(strstr(pp, "reg.1.address=\"100@example.com\""));
    assert_non_null(strstr(pp, "reg.1.server.1.transport=\"TLS\""));
    assert_non_null(strstr(pp, "reg.1.displayName=\"Eve &lt;x&gt; &amp; "
                               "&quot;q&quot; &apos;a&apos; key=evil"));
    prov_templates_fini(&t);
}

static void load_errors(void **state)
{
    struct prov_templates t;
    char err[512];
    (void)state;
    assert_int_equal(
        prov_templates_load(&t, "/nonexistent-sw-dir", err, sizeof(err)),
        -ENOENT);
    assert_non_null(strstr(err, "generic/config.xml"));
    assert_null(t.text[0]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(xml_escaping), cmocka_unit_test(cfg_no_newlines),
        cmocka_unit_test(placeholders), cmocka_unit_test(out_cap),
        cmocka_unit_test(file_names),   cmocka_unit_test(shipped_templates),
        cmocka_unit_test(load_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
