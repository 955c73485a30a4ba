/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Digest authentication shared by the registrar and the INVITE gate:
 * challenges (one per offered algorithm, nonces bound to the source) and
 * the check of an answer. Every refusal looks the same whether the user
 * exists or not.
 */
#include "reg/auth.h"

#include <errno.h>
#include <string.h>

#include "reg/digest.h"
#include "sip/build.h"

#define NONCE_MAX REG_NONCE_BUF

/* HA1 used when the user does not exist, so the work done is the same. */
static const char dummy_ha1[] =
    "0000000000000000000000000000000000000000000000000000000000000000";

int reg_respond(const struct reg_registrar *r, const struct sip_msg *msg,
                const struct reg_origin *org, int status, const char *reason,
                struct sv extra, struct buf *out)
{
    char tag[17];
    reg_to_tag(r, msg, tag);
    return sip_build_response(out, msg, status, reason, sv_cstr(tag), org->ip,
                              org->port, extra);
}

/* 'v' as 16 lower-case hex digits and a NUL. */
static void hex16(uint64_t v, char dst[17])
{
    static const char digits[] = "0123456789abcdef";
    for (int i = 15; i >= 0; i--) {
        dst[i] = digits[v & 0xf];
        v >>= 4;
    }
    dst[16] = '\0';
}

/* A fresh 401 / 407 with one challenge per algorithm, SHA-256 first (RFC 8760
 * §2.4: in order of preference). The opaque is derived from the nonce, so
 * two challenges differ only in those two values. */
int reg_auth_challenge(struct reg_registrar *r, const struct sip_msg *msg,
                       const struct reg_origin *org, struct sv realm,
                       enum reg_auth_kind kind, bool stale, struct buf *out)
{
    char nonce[NONCE_MAX];
    char opaque[17];
    struct buf extra;
    int rc;

    rc = reg_nonce_mint(&r->nonce, org->sa, realm, nonce, sizeof(nonce));
    if (rc < 0) {
        return rc;
    }
    hex16(sv_hash(sv_cstr(nonce))
              ^ sv_hash(sv_make((const char *)r->tag_key, sizeof(r->tag_key))),
          opaque);
    buf_init(&extra, 2048);
    /* Plain appends, not printf: one challenge is built per new REGISTER. */
    for (unsigned i = 0; i < r->n_algs; i++) {
        buf_append_cstr(&extra, kind == REG_AUTH_PROXY ? "Proxy-Authenticate"
                                                       : "WWW-Authenticate");
        buf_append_cstr(&extra, ": Digest realm=\"");
        buf_append_sv(&extra, realm);
        buf_append_cstr(&extra, "\", nonce=\"");
        buf_append_cstr(&extra, nonce);
        buf_append_cstr(&extra, "\", opaque=\"");
        buf_append_cstr(&extra, opaque);
        buf_append_cstr(&extra, "\", algorithm=");
        buf_append_cstr(&extra,
                        reg_digest_alg_name((enum reg_digest_alg)r->algs[i]));
        buf_append_cstr(&extra, ", qop=\"auth\"");
        if (stale) {
            buf_append_cstr(&extra, ", stale=true");
        }
        buf_append_cstr(&extra, "\r\n");
    }
    if (extra.err) {
        rc = extra.err;
    } else if (kind == REG_AUTH_PROXY) {
        rc = reg_respond(r, msg, org, 407, "Proxy Authentication Required",
                         buf_sv(&extra), out);
    } else {
        rc = reg_respond(r, msg, org, 401, "Unauthorized", buf_sv(&extra), out);
    }
    buf_fini(&extra);
    return rc;
}

/* ---- authentication ---------------------------------------------------- */

/* The (Proxy-)Authorization header whose realm is ours, parsed; false if
 * none. */
static bool find_credentials(const struct sip_msg *msg, struct sv realm,
                             enum reg_auth_kind kind, struct sip_digest *dig,
                             bool *malformed)
{
    enum sip_hdr_id id = kind == REG_AUTH_PROXY ? SIP_HDR_PROXY_AUTHORIZATION
                                                : SIP_HDR_AUTHORIZATION;
    *malformed = false;
    for (const struct sip_hdr *h = sip_msg_hdr(msg, id); h;
         h = sip_msg_hdr_next(msg, h)) {
        struct sip_err err;
        struct sip_digest d;
        if (sip_parse_digest(h->value, &d, &err) != SIP_PARSE_OK) {
            *malformed = true;
            continue;
        }
        if (sv_eq_nocase(d.realm, realm)) {
            *dig = d;
            *malformed = false;
            return true;
        }
    }
    return false;
}

/* RFC 7616 §3.4.6: the digest uri must name the Request-URI. Phones differ
 * in what they copy, so equal text or the same host and port both match. */
static bool uri_matches(const struct sip_msg *msg, struct sv uri)
{
    if (sv_eq(uri, msg->ruri_raw)) {
        return true;
    }
    struct sip_uri u;
    struct sip_err err;
    if (sip_parse_uri(uri, &u, &err) != SIP_PARSE_OK) {
        return false;
    }
    return sv_eq_nocase(u.host, msg->ruri.host)
           && u.has_port == msg->ruri.has_port
           && (!u.has_port || u.port == msg->ruri.port);
}

static bool offered(const struct reg_registrar *r, enum reg_digest_alg alg)
{
    for (unsigned i = 0; i < r->n_algs; i++) {
        if (r->algs[i] == (int)alg) {
            return true;
        }
    }
    return false;
}

enum reg_auth_verdict
reg_auth_check(struct reg_registrar *r, const struct sip_msg *msg,
               const struct reg_origin *org, struct sv domain,
               enum reg_auth_kind kind, const struct reg_lookup *lk,
               struct reg_creds *creds, struct reg_result *res)
{
    struct sip_digest dig;
    bool malformed;
    enum reg_digest_alg alg;
    uint32_t nc;

    if (!find_credentials(msg, domain, kind, &dig, &malformed)) {
        if (malformed) {
            res->detail = "Malformed Authorization header";
            return REG_AUTH_BAD_REQUEST;
        }
        return REG_AUTH_CHALLENGE;
    }
    res->auth_user = dig.username;
    if (dig.username.len == 0 || dig.nonce.len == 0 || dig.uri.len == 0
        || dig.response.len == 0) {
        res->detail = "Incomplete Authorization header";
        return REG_AUTH_BAD_REQUEST;
    }
    /* Quoted-pairs are legal but no extension, nonce or URI of ours needs
     * one; refusing them keeps the hashed text equal to the sent text. */
    if (sv_find_char(dig.username, '\\') >= 0
        || sv_find_char(dig.cnonce, '\\') >= 0
        || sv_find_char(dig.uri, '\\') >= 0
        || sv_find_char(dig.nonce, '\\') >= 0) {
        res->detail = "Escaped characters in Authorization header";
        return REG_AUTH_BAD_REQUEST;
    }
    if (!sv_eq_nocase(dig.qop, SV_LIT("auth")) || dig.cnonce.len == 0
        || reg_nc_parse(dig.nc, &nc) != 0) {
        res->detail = "qop=auth with nc and cnonce required";
        return REG_AUTH_FAILED;
    }
    if (reg_digest_alg_parse(dig.algorithm, &alg) != 0 || !offered(r, alg)) {
        res->detail = "digest algorithm not offered";
        return REG_AUTH_FAILED;
    }
    if (!uri_matches(msg, dig.uri)) {
        res->detail = "Digest uri does not match Request-URI";
        return REG_AUTH_BAD_REQUEST;
    }
    enum reg_nonce_res nr =
        reg_nonce_check(&r->nonce, dig.nonce, org->sa, domain);
    if (nr == REG_NONCE_BAD) {
        res->detail = "nonce not issued to this source";
        return REG_AUTH_FAILED;
    }

    int rc = lk->creds(lk->ud, domain, dig.username, creds);
    bool known = rc == 0;
    if (rc != 0 && rc != -ENOENT) {
        res->detail = "credential lookup failed";
        return REG_AUTH_ERROR;
    }
    const char *ha1 =
        known ? (alg == REG_DIGEST_SHA256 ? creds->ha1_sha256 : creds->ha1_md5)
              : dummy_ha1;
    struct sv ha1_sv = sv_make(ha1, reg_digest_hex_len(alg));
    if (strlen(ha1) < ha1_sv.len) {
        ha1_sv = sv_cstr(dummy_ha1);
        known = false;
    }
    rc = reg_digest_verify(alg, ha1_sv, dig.nonce, dig.nc, dig.cnonce, dig.qop,
                           msg->method_name, dig.uri, dig.response, 0);
    if (rc != 0 || !known) {
        res->detail = known ? "wrong password" : "unknown user";
        return REG_AUTH_FAILED;
    }
    if (nr == REG_NONCE_STALE) {
        res->detail = "stale nonce";
        return REG_AUTH_STALE;
    }
    if (reg_nc_check_and_update(r->nc, dig.nonce, nc, clock_wall_s(r->clock))
        != REG_NC_OK) {
        res->detail = "nonce-count replayed";
        return REG_AUTH_REPLAY;
    }
    return REG_AUTH_OK;
}
