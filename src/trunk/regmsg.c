/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The wire side of the trunk registration client: which digest challenge
 * of a 401 / 407 to answer (RFC 7616, RFC 8760), and the REGISTER request
 * with its credentials. Timing, state and transactions live in
 * regclient.c; the digest arithmetic in reg/digest.c.
 */
#include "trunk/regclient_int.h"

#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

#include "sip/msg.h"

/* ---- validation of configured strings ---------------------------------- */

bool trunk_user_ok(const char *s)
{
    /* RFC 3261 §25.1: user = 1*( unreserved / escaped / user-unreserved ) */
    static const char extra[] = "-_.!~*'()&=+$,;?/%";
    if (s[0] == '\0') {
        return false;
    }
    for (const char *c = s; *c; c++) {
        bool alnum = (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z')
                     || (*c >= '0' && *c <= '9');
        if (!alnum && strchr(extra, *c) == NULL) {
            return false;
        }
    }
    return true;
}

static bool ipv6_ok(const char *s, size_t len)
{
    char tmp[INET6_ADDRSTRLEN];
    struct in6_addr a;
    if (len == 0 || len >= sizeof(tmp)) {
        return false;
    }
    memcpy(tmp, s, len);
    tmp[len] = '\0';
    return inet_pton(AF_INET6, tmp, &a) == 1;
}

bool trunk_host_ok(const char *s)
{
    size_t len = strlen(s);
    if (len == 0) {
        return false;
    }
    if (s[0] == '[') {
        return len > 2 && s[len - 1] == ']' && ipv6_ok(s + 1, len - 2);
    }
    if (strchr(s, ':') != NULL) {
        return ipv6_ok(s, len);
    }
    /* a host name or an IPv4 address: RFC 3261 §25.1 hostname chars */
    for (const char *c = s; *c; c++) {
        bool ok = (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z')
                  || (*c >= '0' && *c <= '9') || *c == '-' || *c == '.';
        if (!ok) {
            return false;
        }
    }
    return true;
}

/* ---- challenges -------------------------------------------------------- */

/* Unquoted copy of a challenge value; refuses controls (they would end up
 * in our headers) and values that do not fit. */
static bool copy_value(struct sv v, char *dst, size_t cap)
{
    long n = sip_unquote(v, dst, cap - 1);
    if (n < 0) {
        return false;
    }
    dst[n] = '\0';
    for (long i = 0; i < n; i++) {
        unsigned char c = (unsigned char)dst[i];
        if (c < 0x20 || c == 0x7f) {
            return false;
        }
    }
    return true;
}

/* qop-options is a quoted list of tokens: "auth,auth-int". */
static bool qop_offers_auth(struct sv qop)
{
    size_t i = 0;
    while (i < qop.len) {
        size_t j = i;
        while (j < qop.len && qop.p[j] != ',') {
            j++;
        }
        if (sv_eq_cstr_nocase(sv_trim(sv_slice(qop, i, j)), "auth")) {
            return true;
        }
        i = j + 1;
    }
    return false;
}

enum pick_res { PICK_OK, PICK_SKIP, PICK_REALM };

static enum pick_res take_one(struct sv value, const char *want_realm,
                              struct trunk_challenge *c)
{
    struct sip_digest d;
    if (sip_parse_digest(value, &d, NULL) != SIP_PARSE_OK
        || !sv_eq_cstr_nocase(d.scheme, "Digest")) {
        return PICK_SKIP;
    }
    if (reg_digest_alg_parse(d.algorithm, &c->alg) != 0) {
        return PICK_SKIP; /* -sess and unknown algorithms */
    }
    c->has_alg = d.algorithm.len > 0;
    c->qop_auth = false;
    if (d.qop.len > 0) {
        if (!qop_offers_auth(d.qop)) {
            return PICK_SKIP; /* auth-int only */
        }
        c->qop_auth = true;
    }
    c->stale = d.stale;
    if (!copy_value(d.realm, c->realm, sizeof(c->realm))
        || !copy_value(d.nonce, c->nonce, sizeof(c->nonce))
        || c->nonce[0] == '\0') {
        return PICK_SKIP;
    }
    c->has_opaque = d.opaque.p != NULL;
    c->opaque[0] = '\0';
    if (c->has_opaque && !copy_value(d.opaque, c->opaque, sizeof(c->opaque))) {
        return PICK_SKIP;
    }
    /* Never hand a response made from our password to a realm we were
     * not configured for. */
    if (want_realm[0] != '\0' && strcmp(c->realm, want_realm) != 0) {
        return PICK_REALM;
    }
    return PICK_OK;
}

int trunk_challenge_pick(const struct sip_msg *resp, const char *want_realm,
                         struct trunk_challenge *out)
{
    bool is_proxy = resp->status == 407;
    enum sip_hdr_id id =
        is_proxy ? SIP_HDR_PROXY_AUTHENTICATE : SIP_HDR_WWW_AUTHENTICATE;
    struct trunk_challenge cand;
    bool have = false;
    bool realm_refused = false;

    for (const struct sip_hdr *h = sip_msg_hdr(resp, id); h != NULL;
         h = sip_msg_hdr_next(resp, h)) {
        memset(&cand, 0, sizeof(cand));
        enum pick_res r = take_one(h->value, want_realm, &cand);
        if (r == PICK_REALM) {
            realm_refused = true;
        }
        if (r != PICK_OK) {
            continue;
        }
        /* RFC 8760 says the topmost supported one unless local policy
         * says otherwise; ours prefers SHA-256 over MD5. */
        if (!have
            || (cand.alg == REG_DIGEST_SHA256
                && out->alg != REG_DIGEST_SHA256)) {
            *out = cand;
            out->is_proxy = is_proxy;
            have = true;
        }
    }
    memset(&cand, 0, sizeof(cand));
    if (have) {
        return 0;
    }
    return realm_refused ? -EACCES : -ENOENT;
}

/* ---- the request ------------------------------------------------------- */

static void put_host(struct buf *b, const char *host)
{
    if (host[0] != '[' && strchr(host, ':') != NULL) {
        buf_printf(b, "[%s]", host);
    } else {
        buf_append_cstr(b, host);
    }
}

int trunk_ruri(const struct trunk_reg_params *p, char *out, size_t cap)
{
    struct buf b;
    buf_init(&b, cap - 1);
    buf_append_cstr(&b, "sip:");
    put_host(&b, p->host);
    if (p->port != 0 && p->port != 5060) {
        buf_printf(&b, ":%u", (unsigned)p->port);
    }
    int rc = b.err;
    if (rc == 0) {
        memcpy(out, b.p, b.len);
        out[b.len] = '\0';
    }
    buf_fini(&b);
    return rc;
}

/* A quoted-string with '"' and '\' escaped (RFC 3261 §25.1). */
static void put_quoted(struct buf *b, const char *s)
{
    buf_append_char(b, '"');
    for (const char *c = s; *c; c++) {
        if (*c == '"' || *c == '\\') {
            buf_append_char(b, '\\');
        }
        buf_append_char(b, *c);
    }
    buf_append_char(b, '"');
}

static int put_credentials(struct buf *b, const struct trunk_req *r,
                           const char *uri)
{
    const struct trunk_challenge *ch = r->ch;
    const char *qop = ch->qop_auth ? "auth" : "";
    const char *nc = "00000001"; /* each nonce is answered once */
    char ha1[REG_DIGEST_HEX_MAX];
    char resp[REG_DIGEST_HEX_MAX];

    int rc = reg_digest_ha1(ch->alg, sv_cstr(r->p->user), sv_cstr(ch->realm),
                            sv_cstr(r->p->password), ha1);
    if (rc == 0) {
        rc = reg_digest_response(
            ch->alg, sv_cstr(ha1), sv_cstr(ch->nonce), sv_cstr(nc),
            sv_cstr(ch->qop_auth ? r->cnonce : ""), sv_cstr(qop),
            SV_LIT("REGISTER"), sv_cstr(uri), resp);
    }
    explicit_bzero(ha1, sizeof(ha1));
    if (rc != 0) {
        return rc;
    }
    buf_append_cstr(b, ch->is_proxy ? "Proxy-Authorization: Digest username="
                                    : "Authorization: Digest username=");
    put_quoted(b, r->p->user);
    buf_append_cstr(b, ", realm=");
    put_quoted(b, ch->realm);
    buf_append_cstr(b, ", nonce=");
    put_quoted(b, ch->nonce);
    buf_append_cstr(b, ", uri=");
    put_quoted(b, uri);
    buf_printf(b, ", response=\"%s\"", resp);
    if (ch->has_alg) {
        buf_printf(b, ", algorithm=%s", reg_digest_alg_name(ch->alg));
    }
    if (ch->qop_auth) {
        buf_append_cstr(b, ", cnonce=");
        put_quoted(b, r->cnonce);
        buf_printf(b, ", qop=auth, nc=%s", nc);
    }
    if (ch->has_opaque) {
        buf_append_cstr(b, ", opaque=");
        put_quoted(b, ch->opaque);
    }
    buf_append_cstr(b, "\r\n");
    explicit_bzero(resp, sizeof(resp));
    return 0;
}

int trunk_build_register(struct buf *out, const struct trunk_req *r)
{
    const struct trunk_reg_params *p = r->p;
    char uri[TRUNK_URI_CAP];
    int rc = trunk_ruri(p, uri, sizeof(uri));
    if (rc != 0) {
        return rc;
    }
    buf_printf(out,
               "REGISTER %s SIP/2.0\r\n"
               "Via: SIP/2.0/UDP %s;branch=%s;rport\r\n"
               "Max-Forwards: 70\r\n",
               uri, r->cfg->sent_by, r->branch);
    buf_printf(out, "From: <sip:%s@", p->user);
    put_host(out, p->host);
    buf_printf(out, ">;tag=%s\r\nTo: <sip:%s@", r->from_tag, p->user);
    put_host(out, p->host);
    buf_printf(out,
               ">\r\n"
               "Call-ID: %s\r\n"
               "CSeq: %u REGISTER\r\n"
               "Contact: <sip:%s@",
               r->call_id, (unsigned)r->cseq, p->user);
    put_host(out, r->cfg->contact_ip);
    buf_printf(out, ":%u>\r\nExpires: %u\r\n", (unsigned)r->cfg->contact_port,
               (unsigned)r->expires_s);
    if (r->ch != NULL) {
        rc = put_credentials(out, r, uri);
        if (rc != 0) {
            return rc;
        }
    }
    buf_append_cstr(out, "User-Agent: sipwarden\r\n"
                         "Content-Length: 0\r\n\r\n");
    return out->err;
}
