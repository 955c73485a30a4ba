/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The registrar end to end in memory: real parser, real digest, a fake
 * clock and table-backed look-ups instead of the store.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fake_clock.h"
#include "reg/digest.h"
#include "reg/registrar.h"

struct fixture {
    struct sw_clock clock;
    struct reg_loc loc;
    struct reg_registrar reg;
    struct sockaddr_in sa;
    struct reg_origin org;
    struct reg_lookup lk;
    struct buf out;
    struct reg_result res;
    char raw[4096];
    struct sip_msg msg;
    uint32_t cseq;
    char chal[4096]; /* the last 401 received */
};

static const char realm[] = "example.com";
static const char password[] = "s3cret-Pass";

static int fx_tenant(void *ud, struct sv domain, struct reg_tenant *out)
{
    (void)ud;
    if (!sv_eq_cstr(domain, realm)) {
        return -ENOENT;
    }
    out->tenant_id = 1;
    out->min_expires_s = 60;
    out->max_expires_s = 7200;
    out->default_expires_s = 3600;
    out->max_contacts = 5;
    return 0;
}

static int fx_creds(void *ud, struct sv domain, struct sv user,
                    struct reg_creds *out)
{
    (void)ud;
    if (!sv_eq_cstr(domain, realm)
        || !(sv_eq_cstr(user, "1001") || sv_eq_cstr(user, "1002"))) {
        return -ENOENT;
    }
    out->user_id = sv_eq_cstr(user, "1001") ? 11 : 12;
    out->tenant_id = 1;
    reg_digest_ha1(REG_DIGEST_MD5, user, sv_cstr(realm), sv_cstr(password),
                   out->ha1_md5);
    reg_digest_ha1(REG_DIGEST_SHA256, user, sv_cstr(realm), sv_cstr(password),
                   out->ha1_sha256);
    return 0;
}

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    fake_clock_init(&f->clock, 1000, 1700000000);
    assert_int_equal(reg_loc_init(&f->loc), 0);
    assert_int_equal(reg_registrar_init(&f->reg, &f->loc, &f->clock, NULL, 300),
                     0);
    f->sa.sin_family = AF_INET;
    f->sa.sin_port = htons(5070);
    inet_pton(AF_INET, "192.0.2.10", &f->sa.sin_addr);
    f->org.sa = (const struct sockaddr *)&f->sa;
    f->org.ip = SV_LIT("192.0.2.10");
    f->org.port = 5070;
    f->org.src.family = AF_INET;
    f->org.src.port = 5070;
    f->lk.tenant = fx_tenant;
    f->lk.creds = fx_creds;
    buf_init(&f->out, SIP_MAX_MSG_LEN);
    f->cseq = 1;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    buf_fini(&f->out);
    reg_registrar_fini(&f->reg);
    reg_loc_fini(&f->loc);
    free(f);
    return 0;
}

/* Send a REGISTER for 'user' with optional extra header lines. */
static int send_reg(struct fixture *f, const char *user, const char *extra)
{
    struct sip_err err;
    int n = snprintf(f->raw, sizeof(f->raw),
                     "REGISTER sip:example.com SIP/2.0\r\n"
                     "Via: SIP/2.0/UDP 192.0.2.10:5070;branch=z9hG4bK%u;"
                     "rport\r\n"
                     "Max-Forwards: 70\r\n"
                     "From: <sip:%s@example.com>;tag=ft1\r\n"
                     "To: <sip:%s@example.com>\r\n"
                     "Call-ID: cid-%s@192.0.2.10\r\n"
                     "CSeq: %u REGISTER\r\n"
                     "%s"
                     "Content-Length: 0\r\n\r\n",
                     f->cseq, user, user, user, f->cseq, extra);
    f->cseq++;
    assert_true(n > 0 && (size_t)n < sizeof(f->raw));
    assert_int_equal(sip_msg_parse(&f->msg, sv_make(f->raw, (size_t)n), &err),
                     SIP_PARSE_OK);
    buf_reset(&f->out);
    assert_int_equal(reg_registrar_handle(&f->reg, &f->msg, &f->org, &f->lk,
                                          &f->out, &f->res),
                     0);
    assert_int_equal(f->out.err, 0);
    if (f->res.status == 401) {
        snprintf(f->chal, sizeof(f->chal), "%s", f->out.p);
    }
    return f->res.status;
}

/* Copy the value of param 'name' from the first challenge of 'resp'. */
static void chal_param(const char *resp, const char *name, char *dst,
                       size_t cap)
{
    char key[32];
    snprintf(key, sizeof(key), "%s=\"", name);
    const char *p = strstr(resp, key);
    assert_non_null(p);
    p += strlen(key);
    const char *e = strchr(p, '"');
    assert_non_null(e);
    assert_true((size_t)(e - p) < cap);
    memcpy(dst, p, (size_t)(e - p));
    dst[e - p] = '\0';
}

/* Authorization header line answering the last challenge received. */
static void answer_line(struct fixture *f, const char *user, const char *pw,
                        enum reg_digest_alg alg, const char *nc, char *dst,
                        size_t cap)
{
    char nonce[128];
    char opaque[64];
    char ha1[REG_DIGEST_HEX_MAX];
    char resp[REG_DIGEST_HEX_MAX];
    chal_param(f->chal, "nonce", nonce, sizeof(nonce));
    chal_param(f->chal, "opaque", opaque, sizeof(opaque));
    reg_digest_ha1(alg, sv_cstr(user), sv_cstr(realm), sv_cstr(pw), ha1);
    reg_digest_response(alg, sv_cstr(ha1), sv_cstr(nonce), sv_cstr(nc),
                        SV_LIT("0a4f113b"), SV_LIT("auth"), SV_LIT("REGISTER"),
                        SV_LIT("sip:example.com"), resp);
    snprintf(dst, cap,
             "Authorization: Digest username=\"%s\", realm=\"%s\", "
             "nonce=\"%s\", uri=\"sip:example.com\", response=\"%s\", "
             "algorithm=%s, qop=auth, nc=%s, cnonce=\"0a4f113b\", "
             "opaque=\"%s\"\r\n",
             user, realm, nonce, resp, reg_digest_alg_name(alg), nc, opaque);
}

static void first_request_is_challenged_sha256_first(void **state)
{
    struct fixture *f = *state;
    assert_int_equal(
        send_reg(f, "1001", "Contact: <sip:1001@192.0.2.10:5070>\r\n"), 401);
    assert_int_equal(f->res.outcome, REG_OUT_CHALLENGED);
    const char *sha = strstr(f->out.p, "algorithm=SHA-256");
    const char *md5 = strstr(f->out.p, "algorithm=MD5");
    assert_non_null(sha);
    assert_non_null(md5);
    assert_true(sha < md5);
    assert_non_null(strstr(f->out.p, "qop=\"auth\""));
    assert_non_null(strstr(f->out.p, "realm=\"example.com\""));
    assert_non_null(strstr(f->out.p, "rport=5070"));
}

static void md5_and_sha256_register_then_replay_refused(void **state)
{
    struct fixture *f = *state;
    char hdrs[1024];
    char auth[700];
    enum reg_digest_alg algs[] = { REG_DIGEST_MD5, REG_DIGEST_SHA256 };

    for (size_t i = 0; i < 2; i++) {
        send_reg(f, "1001", "");
        answer_line(f, "1001", password, algs[i], "00000001", auth,
                    sizeof(auth));
        snprintf(hdrs, sizeof(hdrs),
                 "Contact: <sip:1001@192.0.2.10:5070>;expires=600\r\n%s", auth);
        assert_int_equal(send_reg(f, "1001", hdrs), 200);
        assert_int_equal(f->res.outcome, REG_OUT_REGISTERED);
        assert_non_null(strstr(
            f->out.p, "Contact: <sip:1001@192.0.2.10:5070>;expires=600"));
        /* The same nonce and nc again: a replay. */
        assert_int_equal(send_reg(f, "1001", hdrs), 401);
        assert_int_equal(f->res.outcome, REG_OUT_REPLAY);
    }
    assert_int_equal(reg_loc_count(&f->loc, 1700000000), 1);
}

static void mask(char *s, const char *param)
{
    char key[32];
    snprintf(key, sizeof(key), "%s=\"", param);
    for (char *p = strstr(s, key); p; p = strstr(p, key)) {
        p += strlen(key);
        while (*p && *p != '"') {
            *p++ = '*';
        }
    }
}

static void unknown_user_looks_like_wrong_password(void **state)
{
    struct fixture *f = *state;
    char hdrs[1024];
    char a[4096];
    char b[4096];

    /* wrong password for a real user */
    send_reg(f, "1001", "");
    answer_line(f, "1001", "wrong-Pass1", REG_DIGEST_MD5, "00000001", hdrs,
                sizeof(hdrs));
    f->cseq = 50;
    assert_int_equal(send_reg(f, "1001", hdrs), 401);
    assert_int_equal(f->res.outcome, REG_OUT_AUTH_FAILED);
    snprintf(a, sizeof(a), "%s", f->out.p);
    /* any password for a user that does not exist, same Call-ID shape */
    send_reg(f, "9999", "");
    answer_line(f, "9999", "wrong-Pass1", REG_DIGEST_MD5, "00000001", hdrs,
                sizeof(hdrs));
    f->cseq = 50;
    assert_int_equal(send_reg(f, "9999", hdrs), 401);
    assert_int_equal(f->res.outcome, REG_OUT_AUTH_FAILED);
    snprintf(b, sizeof(b), "%s", f->out.p);
    mask(a, "nonce");
    mask(a, "opaque");
    mask(b, "nonce");
    mask(b, "opaque");
    /* Only the user part of From/To/Call-ID differs (it is echoed). */
    for (char *p = strstr(b, "9999"); p; p = strstr(p, "9999")) {
        memcpy(p, "1001", 4);
    }
    /* The To-tag is keyed on the Call-ID, which embeds the user. */
    char *ta = strstr(a, ";tag=");
    char *tb = strstr(b, ";tag=");
    assert_non_null(ta);
    assert_non_null(tb);
    ta = strstr(ta + 1, ";tag=");
    tb = strstr(tb + 1, ";tag=");
    if (ta && tb) {
        memset(ta, '*', 21);
        memset(tb, '*', 21);
    }
    assert_string_equal(a, b);
}

static void expiry_bounds_and_star(void **state)
{
    struct fixture *f = *state;
    char hdrs[1024];
    char auth[700];

    send_reg(f, "1002", "");
    answer_line(f, "1002", password, REG_DIGEST_SHA256, "00000001", auth,
                sizeof(auth));
    snprintf(hdrs, sizeof(hdrs),
             "Contact: <sip:1002@192.0.2.10:5070>\r\nExpires: 10\r\n%s", auth);
    assert_int_equal(send_reg(f, "1002", hdrs), 423);
    assert_non_null(strstr(f->out.p, "Min-Expires: 60\r\n"));

    answer_line(f, "1002", password, REG_DIGEST_SHA256, "00000002", auth,
                sizeof(auth));
    snprintf(hdrs, sizeof(hdrs),
             "Contact: <sip:1002@192.0.2.10:5070>\r\nExpires: 99999\r\n%s",
             auth);
    assert_int_equal(send_reg(f, "1002", hdrs), 200);
    assert_non_null(strstr(f->out.p, ";expires=7200\r\n"));

    answer_line(f, "1002", password, REG_DIGEST_SHA256, "00000003", auth,
                sizeof(auth));
    snprintf(hdrs, sizeof(hdrs), "Contact: *\r\nExpires: 5\r\n%s", auth);
    assert_int_equal(send_reg(f, "1002", hdrs), 400);

    answer_line(f, "1002", password, REG_DIGEST_SHA256, "00000004", auth,
                sizeof(auth));
    snprintf(hdrs, sizeof(hdrs), "Contact: *\r\nExpires: 0\r\n%s", auth);
    assert_int_equal(send_reg(f, "1002", hdrs), 200);
    assert_null(strstr(f->out.p, "Contact:"));
    assert_int_equal(reg_loc_count(&f->loc, 1700000000), 0);
}

static void stale_nonce_and_foreign_source(void **state)
{
    struct fixture *f = *state;
    char auth[700];

    send_reg(f, "1001", "");
    answer_line(f, "1001", password, REG_DIGEST_MD5, "00000001", auth,
                sizeof(auth));
    fake_clock_advance_ms(&f->clock, 301 * 1000);
    assert_int_equal(send_reg(f, "1001", auth), 401);
    assert_int_equal(f->res.outcome, REG_OUT_STALE);
    assert_non_null(strstr(f->out.p, "stale=true"));

    /* A nonce minted for another address is a failure. */
    answer_line(f, "1001", password, REG_DIGEST_MD5, "00000001", auth,
                sizeof(auth));
    inet_pton(AF_INET, "192.0.2.99", &f->sa.sin_addr);
    f->org.ip = SV_LIT("192.0.2.99");
    assert_int_equal(send_reg(f, "1001", auth), 401);
    assert_int_equal(f->res.outcome, REG_OUT_AUTH_FAILED);
}

static void other_users_aor_is_forbidden(void **state)
{
    struct fixture *f = *state;
    char auth[700];
    char raw[2048];
    struct sip_err err;

    send_reg(f, "1001", "");
    answer_line(f, "1002", password, REG_DIGEST_MD5, "00000001", auth,
                sizeof(auth));
    /* 1002 authenticates but asks to register 1001 */
    int n = snprintf(raw, sizeof(raw),
                     "REGISTER sip:example.com SIP/2.0\r\n"
                     "Via: SIP/2.0/UDP 192.0.2.10:5070;branch=z9hG4bKx\r\n"
                     "From: <sip:1001@example.com>;tag=a\r\n"
                     "To: <sip:1001@example.com>\r\n"
                     "Call-ID: x\r\nCSeq: 9 REGISTER\r\n"
                     "Contact: <sip:1002@192.0.2.10>\r\n%s"
                     "Content-Length: 0\r\n\r\n",
                     auth);
    assert_int_equal(sip_msg_parse(&f->msg, sv_make(raw, (size_t)n), &err),
                     SIP_PARSE_OK);
    buf_reset(&f->out);
    assert_int_equal(reg_registrar_handle(&f->reg, &f->msg, &f->org, &f->lk,
                                          &f->out, &f->res),
                     0);
    assert_int_equal(f->res.status, 403);
    assert_int_equal(reg_loc_count(&f->loc, 1700000000), 0);
}

static void escaped_credentials_are_refused(void **state)
{
    struct fixture *f = *state;
    assert_int_equal(
        send_reg(f, "1001",
                 "Authorization: Digest username=\"10\\01\", "
                 "realm=\"example.com\", nonce=\"abc\", "
                 "uri=\"sip:example.com\", response=\"00\", qop=auth, "
                 "nc=00000001, cnonce=\"x\"\r\n"),
        400);
    assert_non_null(strstr(f->out.p, "Escaped characters"));
}

/* What the gate was told, and what it answers. */
struct gate_fx {
    int calls;
    enum reg_auth_event last;
    char user[32];
    enum reg_gate answer;
};

static enum reg_gate fx_gate(void *ud, struct sv user, struct sv domain,
                             enum reg_auth_event ev)
{
    struct gate_fx *g = ud;
    assert_true(sv_eq_cstr(domain, realm));
    g->calls++;
    g->last = ev;
    snprintf(g->user, sizeof(g->user), "%.*s", SV_FMT(user));
    return g->answer;
}

static void gate_sees_every_checked_credential(void **state)
{
    struct fixture *f = *state;
    struct gate_fx g = { 0 };
    char hdrs[1024];
    char auth[700];
    f->lk.gate = fx_gate;
    f->lk.ud = &g;

    /* A first challenge is not a checked credential. */
    send_reg(f, "1001", "");
    assert_int_equal(g.calls, 0);

    answer_line(f, "1001", "wrong-Pass1", REG_DIGEST_MD5, "00000001", auth,
                sizeof(auth));
    assert_int_equal(send_reg(f, "1001", auth), 401);
    assert_int_equal(g.calls, 1);
    assert_int_equal(g.last, REG_AUTH_EV_FAILED);
    assert_string_equal(g.user, "1001");

    /* FORBID: the right password gets 403 and nothing is bound. */
    g.answer = REG_GATE_FORBID;
    send_reg(f, "1001", "");
    answer_line(f, "1001", password, REG_DIGEST_MD5, "00000001", auth,
                sizeof(auth));
    snprintf(hdrs, sizeof(hdrs), "Contact: <sip:1001@192.0.2.10:5070>\r\n%s",
             auth);
    assert_int_equal(send_reg(f, "1001", hdrs), 403);
    assert_int_equal(g.last, REG_AUTH_EV_OK);
    assert_int_equal(reg_loc_count(&f->loc, 1700000000), 0);

    /* DROP: nothing at all is answered. */
    g.answer = REG_GATE_DROP;
    send_reg(f, "1001", "");
    answer_line(f, "1001", "wrong-Pass1", REG_DIGEST_MD5, "00000001", auth,
                sizeof(auth));
    assert_int_equal(send_reg(f, "1001", auth), 0);
    assert_int_equal(f->res.outcome, REG_OUT_DROPPED);
    assert_int_equal(f->out.len, 0);

    /* PASS: registered as usual. */
    g.answer = REG_GATE_PASS;
    send_reg(f, "1001", "");
    answer_line(f, "1001", password, REG_DIGEST_MD5, "00000001", auth,
                sizeof(auth));
    snprintf(hdrs, sizeof(hdrs), "Contact: <sip:1001@192.0.2.10:5070>\r\n%s",
             auth);
    assert_int_equal(send_reg(f, "1001", hdrs), 200);
    assert_int_equal(reg_loc_count(&f->loc, 1700000000), 1);
}

static void invite_is_challenged_with_407(void **state)
{
    struct fixture *f = *state;
    struct sip_err err;
    struct gate_fx g = { 0 };
    f->lk.gate = fx_gate;
    f->lk.ud = &g;
    int n = snprintf(f->raw, sizeof(f->raw),
                     "INVITE sip:200@example.com SIP/2.0\r\n"
                     "Via: SIP/2.0/UDP 192.0.2.10:5070;branch=z9hG4bKinv1\r\n"
                     "Max-Forwards: 70\r\n"
                     "From: <sip:1001@Example.COM>;tag=a1\r\n"
                     "To: <sip:200@example.com>\r\n"
                     "Call-ID: inv-1@192.0.2.10\r\n"
                     "CSeq: 1 INVITE\r\n"
                     "Content-Length: 0\r\n\r\n");
    assert_int_equal(sip_msg_parse(&f->msg, sv_make(f->raw, (size_t)n), &err),
                     SIP_PARSE_OK);
    buf_reset(&f->out);
    assert_int_equal(reg_registrar_auth_request(&f->reg, &f->msg, &f->org,
                                                &f->lk, &f->out, &f->res),
                     0);
    assert_int_equal(f->res.status, 407);
    assert_int_equal(f->res.outcome, REG_OUT_CHALLENGED);
    assert_non_null(strstr(f->out.p, "SIP/2.0 407 Proxy Authentication"));
    assert_non_null(
        strstr(f->out.p, "Proxy-Authenticate: Digest realm=\"example.com\""));
    assert_null(strstr(f->out.p, "WWW-Authenticate"));
    assert_int_equal(g.calls, 0);

    /* Credentials in the wrong header (Authorization) are not ours: the
     * INVITE is challenged again, not checked. */
    n = snprintf(
        f->raw, sizeof(f->raw),
        "INVITE sip:200@example.com SIP/2.0\r\n"
        "Via: SIP/2.0/UDP 192.0.2.10:5070;branch=z9hG4bKinv2\r\n"
        "Max-Forwards: 70\r\n"
        "From: <sip:1001@example.com>;tag=a1\r\n"
        "To: <sip:200@example.com>\r\n"
        "Call-ID: inv-1@192.0.2.10\r\n"
        "CSeq: 2 INVITE\r\n"
        "Authorization: Digest username=\"1001\", "
        "realm=\"example.com\", nonce=\"x\", uri=\"sip:200@example.com\", "
        "response=\"00\", qop=auth, nc=00000001, cnonce=\"c\"\r\n"
        "Content-Length: 0\r\n\r\n");
    assert_int_equal(sip_msg_parse(&f->msg, sv_make(f->raw, (size_t)n), &err),
                     SIP_PARSE_OK);
    buf_reset(&f->out);
    assert_int_equal(reg_registrar_auth_request(&f->reg, &f->msg, &f->org,
                                                &f->lk, &f->out, &f->res),
                     0);
    assert_int_equal(f->res.status, 407);

    /* A wrong Proxy-Authorization is a failure the gate sees. */
    n = snprintf(
        f->raw, sizeof(f->raw),
        "INVITE sip:200@example.com SIP/2.0\r\n"
        "Via: SIP/2.0/UDP 192.0.2.10:5070;branch=z9hG4bKinv3\r\n"
        "Max-Forwards: 70\r\n"
        "From: <sip:1001@example.com>;tag=a1\r\n"
        "To: <sip:200@example.com>\r\n"
        "Call-ID: inv-1@192.0.2.10\r\n"
        "CSeq: 3 INVITE\r\n"
        "Proxy-Authorization: Digest username=\"1001\", "
        "realm=\"example.com\", nonce=\"x\", uri=\"sip:200@example.com\", "
        "response=\"00\", algorithm=MD5, qop=auth, nc=00000001, "
        "cnonce=\"c\"\r\n"
        "Content-Length: 0\r\n\r\n");
    assert_int_equal(sip_msg_parse(&f->msg, sv_make(f->raw, (size_t)n), &err),
                     SIP_PARSE_OK);
    buf_reset(&f->out);
    assert_int_equal(reg_registrar_auth_request(&f->reg, &f->msg, &f->org,
                                                &f->lk, &f->out, &f->res),
                     0);
    assert_int_equal(f->res.status, 407);
    assert_int_equal(f->res.outcome, REG_OUT_AUTH_FAILED);
    assert_int_equal(g.calls, 1);
    assert_int_equal(g.last, REG_AUTH_EV_FAILED);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(first_request_is_challenged_sha256_first),
        T(md5_and_sha256_register_then_replay_refused),
        T(unknown_user_looks_like_wrong_password),
        T(expiry_bounds_and_star),
        T(stale_nonce_and_foreign_source),
        T(other_users_aor_is_forbidden),
        T(escaped_credentials_are_refused),
        T(gate_sees_every_checked_credential),
        T(invite_is_challenged_with_407),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
