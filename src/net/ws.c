/* SPDX-License-Identifier: Apache-2.0 */
/*
 * RFC 6455 for RFC 7118: the server side of the opening handshake and the
 * frame decoder and encoder. No I/O and no global state: net/wsconn.c
 * feeds it what a connection read and sends what it produced.
 */
#include "net/ws.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/sha.h>

/* ---- handshake ------------------------------------------------------------
 */

static const char ws_guid[] = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

int ws_accept_key(struct sv key, char out[29])
{
    unsigned char in[64 + sizeof(ws_guid)];
    unsigned char md[SHA_DIGEST_LENGTH];

    if (key.len == 0 || key.len > 64) {
        return -EINVAL;
    }
    memcpy(in, key.p, key.len);
    memcpy(in + key.len, ws_guid, sizeof(ws_guid) - 1);
    SHA1(in, key.len + sizeof(ws_guid) - 1, md);
    /* 20 bytes -> 28 base64 characters and a NUL. */
    EVP_EncodeBlock((unsigned char *)out, md, SHA_DIGEST_LENGTH);
    return 0;
}

/* Does the comma-separated list 'v' hold 'tok' (case-insensitive)? */
static bool list_has(struct sv v, const char *tok)
{
    while (v.len > 0) {
        ptrdiff_t c = sv_find_char(v, ',');
        size_t n = c < 0 ? v.len : (size_t)c;
        if (sv_eq_cstr_nocase(sv_trim(sv_make(v.p, n)), tok)) {
            return true;
        }
        if (c < 0) {
            break;
        }
        v = sv_make(v.p + n + 1, v.len - n - 1);
    }
    return false;
}

/* Is 'origin' one of the allowed entries (commas or blanks between)? */
static bool origin_allowed(struct sv origins, struct sv origin)
{
    size_t i = 0;
    bool any = false;
    while (i < origins.len) {
        while (i < origins.len
               && (origins.p[i] == ',' || origins.p[i] == ' '
                   || origins.p[i] == '\t')) {
            i++;
        }
        size_t s = i;
        while (i < origins.len && origins.p[i] != ',' && origins.p[i] != ' '
               && origins.p[i] != '\t') {
            i++;
        }
        if (i > s) {
            any = true;
            if (sv_eq_nocase(sv_make(origins.p + s, i - s), origin)) {
                return true;
            }
        }
    }
    return !any; /* a list of separators only allows any */
}

/* A 24-character base64 encoding of 16 bytes ("...==" at the end). */
static bool key_ok(struct sv k)
{
    if (k.len != 24 || k.p[22] != '=' || k.p[23] != '=') {
        return false;
    }
    for (size_t i = 0; i < 22; i++) {
        char c = k.p[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')
              || (c >= '0' && c <= '9') || c == '+' || c == '/')) {
            return false;
        }
    }
    /* The last character before "==" carries 2 bits: AQgw only. */
    return strchr("AQgw", k.p[21]) != NULL;
}

static size_t refuse(char *resp, size_t cap, int status, const char *why,
                     bool want_version)
{
    const char *text = status == 403 ? "Forbidden" : "Bad Request";
    int n = snprintf(resp, cap,
                     "HTTP/1.1 %d %s\r\n"
                     "Content-Type: text/plain\r\n"
                     "Content-Length: %zu\r\n"
                     "%s"
                     "Connection: close\r\n"
                     "\r\n"
                     "%s\n",
                     status, text, strlen(why) + 1,
                     want_version ? "Sec-WebSocket-Version: 13\r\n" : "", why);
    return n < 0 ? 0 : ((size_t)n < cap ? (size_t)n : cap - 1);
}

/* The end of the header block within the first 'len' bytes, or 0. */
static size_t head_end(const char *data, size_t len)
{
    for (size_t i = 3; i < len; i++) {
        if (data[i] == '\n' && data[i - 1] == '\r' && data[i - 2] == '\n'
            && data[i - 3] == '\r') {
            return i + 1;
        }
    }
    return 0;
}

struct hs_hdrs {
    bool has_host;
    bool upgrade_ok;
    bool connection_ok;
    bool proto_sip;
    bool has_proto;
    struct sv version;
    struct sv key;
    struct sv origin;
    unsigned n_keys;
};

static void hs_header(struct hs_hdrs *h, struct sv name, struct sv value)
{
    if (sv_eq_cstr_nocase(name, "Host")) {
        h->has_host = value.len > 0;
    } else if (sv_eq_cstr_nocase(name, "Upgrade")) {
        h->upgrade_ok = h->upgrade_ok || list_has(value, "websocket");
    } else if (sv_eq_cstr_nocase(name, "Connection")) {
        h->connection_ok = h->connection_ok || list_has(value, "upgrade");
    } else if (sv_eq_cstr_nocase(name, "Sec-WebSocket-Version")) {
        h->version = value;
    } else if (sv_eq_cstr_nocase(name, "Sec-WebSocket-Key")) {
        h->key = value;
        h->n_keys++;
    } else if (sv_eq_cstr_nocase(name, "Sec-WebSocket-Protocol")) {
        h->has_proto = true;
        h->proto_sip = h->proto_sip || list_has(value, "sip");
    } else if (sv_eq_cstr_nocase(name, "Origin")) {
        h->origin = value;
    }
}

/* "GET <target> HTTP/1.1" (or a later 1.x). */
static bool request_line_ok(struct sv line)
{
    static const char ver[] = " HTTP/1.";
    if (line.len < 4 + 1 + sizeof(ver) || memcmp(line.p, "GET ", 4) != 0) {
        return false;
    }
    const char *v = line.p + line.len - (sizeof(ver) - 1) - 1;
    char minor = line.p[line.len - 1];
    if (memcmp(v, ver, sizeof(ver) - 1) != 0 || minor < '1' || minor > '9') {
        return false;
    }
    /* One target, no blanks in it. */
    for (const char *p = line.p + 4; p < v; p++) {
        if (*p == ' ' || *p == '\t') {
            return false;
        }
    }
    return v > line.p + 4;
}

int ws_handshake(const char *data, size_t len, struct sv origins, char *resp,
                 size_t resp_cap, size_t *resp_len, size_t *consumed,
                 const char **reason)
{
    struct hs_hdrs h;
    const char *why = NULL;
    int status = 400;
    bool want_version = false;

    *resp_len = 0;
    *consumed = 0;
    *reason = NULL;
    size_t end = head_end(data, len < WS_HS_MAX ? len : WS_HS_MAX);
    if (end == 0) {
        if (len < WS_HS_MAX) {
            return 1;
        }
        why = "handshake too large";
        goto refused;
    }
    memset(&h, 0, sizeof(h));
    size_t i = 0;
    bool first = true;
    while (i < end - 2) {
        const char *nl = memchr(data + i, '\n', end - i);
        size_t eol = (size_t)(nl - data); /* always found before 'end' */
        if (eol == i || data[eol - 1] != '\r') {
            why = "bare line feed in the handshake";
            goto refused;
        }
        struct sv line = sv_make(data + i, eol - 1 - i);
        i = eol + 1;
        if (first) {
            first = false;
            if (!request_line_ok(line)) {
                why = "not a GET request";
                goto refused;
            }
            continue;
        }
        ptrdiff_t colon = sv_find_char(line, ':');
        if (colon <= 0 || line.p[0] == ' ' || line.p[0] == '\t') {
            why = "malformed header line";
            goto refused;
        }
        struct sv name = sv_make(line.p, (size_t)colon);
        struct sv value =
            sv_trim(sv_make(line.p + colon + 1, line.len - (size_t)colon - 1));
        for (size_t k = 0; k < name.len; k++) {
            if (name.p[k] <= ' ' || name.p[k] >= 0x7f) {
                why = "malformed header name";
                goto refused;
            }
        }
        hs_header(&h, name, value);
    }
    if (!h.has_host) {
        why = "missing Host";
    } else if (!h.upgrade_ok) {
        why = "Upgrade is not websocket";
    } else if (!h.connection_ok) {
        why = "Connection does not name Upgrade";
    } else if (!sv_eq_cstr(h.version, "13")) {
        why = "Sec-WebSocket-Version must be 13";
        want_version = true;
    } else if (h.n_keys != 1 || !key_ok(h.key)) {
        why = "bad Sec-WebSocket-Key";
    } else if (!h.proto_sip) {
        why = h.has_proto ? "subprotocol sip not offered"
                          : "no Sec-WebSocket-Protocol (sip required)";
    } else if (origins.len > 0 && !origin_allowed(origins, h.origin)) {
        why = "origin not allowed";
        status = 403;
    }
    if (why) {
        goto refused;
    }
    char acc[29];
    if (ws_accept_key(h.key, acc) != 0) {
        why = "bad Sec-WebSocket-Key";
        goto refused;
    }
    int n = snprintf(resp, resp_cap,
                     "HTTP/1.1 101 Switching Protocols\r\n"
                     "Upgrade: websocket\r\n"
                     "Connection: Upgrade\r\n"
                     "Sec-WebSocket-Accept: %s\r\n"
                     "Sec-WebSocket-Protocol: sip\r\n"
                     "\r\n",
                     acc);
    if (n < 0 || (size_t)n >= resp_cap) {
        why = "internal: answer does not fit";
        goto refused;
    }
    *resp_len = (size_t)n;
    *consumed = end;
    return 0;

refused:
    *reason = why;
    *resp_len = refuse(resp, resp_cap, status, why, want_version);
    return -1;
}

/* ---- frames ---------------------------------------------------------------
 */

void ws_dec_init(struct ws_dec *d, size_t max_msg)
{
    memset(d, 0, sizeof(*d));
    d->max_msg = max_msg;
    buf_init(&d->frag, max_msg);
}

void ws_dec_fini(struct ws_dec *d)
{
    buf_fini(&d->frag);
    d->in_msg = false;
}

static void dec_error(struct ws_ev *ev, uint16_t code, const char *why)
{
    ev->type = WS_EV_ERROR;
    ev->code = code;
    ev->reason = why;
}

void ws_dec_next(struct ws_dec *d, char *data, size_t len, size_t *consumed,
                 struct ws_ev *ev)
{
    memset(ev, 0, sizeof(*ev));
    *consumed = 0;
    ev->type = WS_EV_NEED;
    if (len < 2) {
        return;
    }
    uint8_t b0 = (uint8_t)data[0];
    uint8_t b1 = (uint8_t)data[1];
    bool fin = (b0 & 0x80) != 0;
    unsigned op = b0 & 0x0fu;
    if ((b0 & 0x70) != 0) {
        dec_error(ev, WS_CLOSE_PROTOCOL, "reserved bits set");
        return;
    }
    if (op != WS_OP_CONT && op != WS_OP_TEXT && op != WS_OP_BINARY
        && op != WS_OP_CLOSE && op != WS_OP_PING && op != WS_OP_PONG) {
        dec_error(ev, WS_CLOSE_PROTOCOL, "reserved opcode");
        return;
    }
    if ((b1 & 0x80) == 0) {
        dec_error(ev, WS_CLOSE_PROTOCOL, "unmasked client frame");
        return;
    }
    size_t hdr = 2;
    uint64_t plen = b1 & 0x7fu;
    if (plen == 126) {
        if (len < 4) {
            return;
        }
        plen = ((uint64_t)(uint8_t)data[2] << 8) | (uint8_t)data[3];
        hdr = 4;
    } else if (plen == 127) {
        if (len < 10) {
            return;
        }
        plen = 0;
        for (int k = 2; k < 10; k++) {
            plen = (plen << 8) | (uint8_t)data[k];
        }
        if (plen >> 63) {
            dec_error(ev, WS_CLOSE_PROTOCOL, "length with the top bit set");
            return;
        }
        hdr = 10;
    }
    hdr += 4;
    if (op >= WS_OP_CLOSE) {
        if (!fin) {
            dec_error(ev, WS_CLOSE_PROTOCOL, "fragmented control frame");
            return;
        }
        if (plen > WS_CONTROL_MAX) {
            dec_error(ev, WS_CLOSE_PROTOCOL, "control frame over 125 bytes");
            return;
        }
    } else {
        if (op == WS_OP_CONT && !d->in_msg) {
            dec_error(ev, WS_CLOSE_PROTOCOL, "continuation without a start");
            return;
        }
        if (op != WS_OP_CONT && d->in_msg) {
            dec_error(ev, WS_CLOSE_PROTOCOL,
                      "new message inside a fragmented one");
            return;
        }
        size_t have = op == WS_OP_CONT ? d->frag.len : 0;
        if (plen > d->max_msg || plen + have > d->max_msg) {
            dec_error(ev, WS_CLOSE_TOO_BIG, "message too big");
            return;
        }
    }
    if (len < hdr || len - hdr < plen) {
        return;
    }
    const uint8_t *mask = (const uint8_t *)data + hdr - 4;
    char *pl = data + hdr;
    for (size_t k = 0; k < plen; k++) {
        pl[k] = (char)((uint8_t)pl[k] ^ mask[k & 3]);
    }
    *consumed = hdr + (size_t)plen;
    switch (op) {
    case WS_OP_PING:
    case WS_OP_PONG:
        ev->type = op == WS_OP_PING ? WS_EV_PING : WS_EV_PONG;
        ev->data = pl;
        ev->len = (size_t)plen;
        return;
    case WS_OP_CLOSE:
        if (plen == 1) {
            dec_error(ev, WS_CLOSE_PROTOCOL, "close with a 1-byte payload");
            return;
        }
        ev->type = WS_EV_CLOSE;
        ev->code = 1005;
        if (plen >= 2) {
            ev->code = (uint16_t)(((uint8_t)pl[0] << 8) | (uint8_t)pl[1]);
            ev->data = pl + 2;
            ev->len = (size_t)plen - 2;
        }
        return;
    case WS_OP_TEXT:
    case WS_OP_BINARY:
        if (fin) {
            ev->type = WS_EV_MESSAGE;
            ev->data = pl;
            ev->len = (size_t)plen;
            return;
        }
        buf_reset(&d->frag);
        d->in_msg = true;
        break;
    default: /* continuation */
        break;
    }
    if (buf_append(&d->frag, pl, (size_t)plen) != 0) {
        d->in_msg = false;
        dec_error(ev, WS_CLOSE_TOO_BIG, "message too big");
        return;
    }
    if (!fin) {
        return; /* WS_EV_NEED with *consumed > 0: call again */
    }
    d->in_msg = false;
    ev->type = WS_EV_MESSAGE;
    ev->data = d->frag.p;
    ev->len = d->frag.len;
}

size_t ws_frame_header(uint8_t hdr[WS_FRAME_HDR_MAX], enum ws_opcode opcode,
                       size_t len)
{
    hdr[0] = (uint8_t)(0x80u | ((unsigned)opcode & 0x0fu));
    if (len < 126) {
        hdr[1] = (uint8_t)len;
        return 2;
    }
    if (len <= 0xffff) {
        hdr[1] = 126;
        hdr[2] = (uint8_t)(len >> 8);
        hdr[3] = (uint8_t)len;
        return 4;
    }
    hdr[1] = 127;
    uint64_t v = len;
    for (int k = 9; k >= 2; k--) {
        hdr[k] = (uint8_t)v;
        v >>= 8;
    }
    return 10;
}

size_t ws_close_frame(uint8_t out[4], uint16_t code)
{
    out[0] = 0x80u | WS_OP_CLOSE;
    out[1] = 2;
    out[2] = (uint8_t)(code >> 8);
    out[3] = (uint8_t)code;
    return 4;
}
