/* SPDX-License-Identifier: Apache-2.0 */
/* The WebSocket handshake, frame decoder and encoder (net/ws.c). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "net/ws.h"

/* ---- handshake ---------------------------------------------------------- */

#define KEY "dGhlIHNhbXBsZSBub25jZQ==" /* RFC 6455 §1.3 */

static void accept_key_rfc_example(void **state)
{
    (void)state;
    char out[29];
    assert_int_equal(ws_accept_key(SV_LIT(KEY), out), 0);
    assert_string_equal(out, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
    assert_int_equal(ws_accept_key(SV_LIT(""), out), -EINVAL);
}

struct hs_case {
    const char *name;
    const char *req;
    const char *origins;
    int rc;
    const char *status; /* start of the answer */
    const char *reason; /* substring of the reason, refusals only */
};

#define LINE  "GET /ws HTTP/1.1\r\n"
#define HOST  "Host: 127.0.0.1:5065\r\n"
#define UPG   "Upgrade: websocket\r\n"
#define CONN  "Connection: Upgrade\r\n"
#define VER   "Sec-WebSocket-Version: 13\r\n"
#define KEYH  "Sec-WebSocket-Key: " KEY "\r\n"
#define PROTO "Sec-WebSocket-Protocol: sip\r\n"

static const struct hs_case hs_cases[] = {
    { "ok", LINE HOST UPG CONN VER KEYH PROTO "\r\n", "", 0, "HTTP/1.1 101 ",
      NULL },
    { "ok, lists and case",
      "GET / HTTP/1.1\r\nhost: x\r\nupgrade: WebSocket\r\n"
      "connection: keep-alive, Upgrade\r\nsec-websocket-version: 13\r\n"
      "sec-websocket-key: " KEY "\r\nsec-websocket-protocol: foo, sip\r\n\r\n",
      "", 0, "HTTP/1.1 101 ", NULL },
    { "ok, origin allowed",
      LINE HOST UPG CONN VER KEYH PROTO "Origin: https://a.example\r\n\r\n",
      "https://b.example, https://a.example", 0, "HTTP/1.1 101 ", NULL },
    { "origin refused",
      LINE HOST UPG CONN VER KEYH PROTO "Origin: https://evil.example\r\n\r\n",
      "https://a.example", -1, "HTTP/1.1 403 ", "origin" },
    { "origin missing with a list", LINE HOST UPG CONN VER KEYH PROTO "\r\n",
      "https://a.example", -1, "HTTP/1.1 403 ", "origin" },
    { "no sip subprotocol",
      LINE HOST UPG CONN VER KEYH "Sec-WebSocket-Protocol: chat\r\n\r\n", "",
      -1, "HTTP/1.1 400 ", "sip not offered" },
    { "no subprotocol", LINE HOST UPG CONN VER KEYH "\r\n", "", -1,
      "HTTP/1.1 400 ", "sip required" },
    { "not GET", "POST / HTTP/1.1\r\n" HOST UPG CONN VER KEYH PROTO "\r\n", "",
      -1, "HTTP/1.1 400 ", "GET" },
    { "HTTP/1.0", "GET / HTTP/1.0\r\n" HOST UPG CONN VER KEYH PROTO "\r\n", "",
      -1, "HTTP/1.1 400 ", "GET" },
    { "no host", LINE UPG CONN VER KEYH PROTO "\r\n", "", -1, "HTTP/1.1 400 ",
      "Host" },
    { "no upgrade", LINE HOST CONN VER KEYH PROTO "\r\n", "", -1,
      "HTTP/1.1 400 ", "Upgrade" },
    { "connection without upgrade",
      LINE HOST UPG "Connection: keep-alive\r\n" VER KEYH PROTO "\r\n", "", -1,
      "HTTP/1.1 400 ", "Connection" },
    { "version 8",
      LINE HOST UPG CONN "Sec-WebSocket-Version: 8\r\n" KEYH PROTO "\r\n", "",
      -1, "HTTP/1.1 400 ", "Version" },
    { "short key",
      LINE HOST UPG CONN VER "Sec-WebSocket-Key: dGhlIHNhbXBsZQ==\r\n" PROTO
                             "\r\n",
      "", -1, "HTTP/1.1 400 ", "Key" },
    { "key not base64",
      LINE HOST UPG CONN VER
      "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25j*Q==\r\n" PROTO "\r\n",
      "", -1, "HTTP/1.1 400 ", "Key" },
    { "two keys", LINE HOST UPG CONN VER KEYH KEYH PROTO "\r\n", "", -1,
      "HTTP/1.1 400 ", "Key" },
    { "bare LF", "GET / HTTP/1.1\n" HOST UPG CONN VER KEYH PROTO "\r\n", "", -1,
      "HTTP/1.1 400 ", NULL },
    { "no colon", LINE HOST "Bogus\r\n" UPG CONN VER KEYH PROTO "\r\n", "", -1,
      "HTTP/1.1 400 ", "header" },
};

static void handshake_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(hs_cases) / sizeof(hs_cases[0]); i++) {
        const struct hs_case *c = &hs_cases[i];
        char resp[WS_HS_RESP_CAP];
        size_t rl = 0;
        size_t used = 0;
        const char *why = NULL;
        print_message("case: %s\n", c->name);
        int rc = ws_handshake(c->req, strlen(c->req), sv_cstr(c->origins), resp,
                              sizeof(resp), &rl, &used, &why);
        assert_int_equal(rc, c->rc);
        assert_true(rl > 0 && rl < sizeof(resp));
        resp[rl] = '\0';
        assert_memory_equal(resp, c->status, strlen(c->status));
        if (rc == 0) {
            assert_int_equal(used, strlen(c->req));
            assert_non_null(strstr(resp, "Sec-WebSocket-Accept: "
                                         "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"));
            assert_non_null(strstr(resp, "Sec-WebSocket-Protocol: sip\r\n"));
            assert_null(why);
        } else {
            assert_non_null(why);
            assert_non_null(strstr(resp, "Connection: close\r\n"));
            if (c->reason) {
                assert_non_null(strstr(why, c->reason));
            }
        }
    }
}

static void handshake_partial_and_trailing(void **state)
{
    (void)state;
    static const char req[] = LINE HOST UPG CONN VER KEYH PROTO "\r\n";
    char buf[sizeof(req) + 8];
    char resp[WS_HS_RESP_CAP];
    size_t rl;
    size_t used;
    const char *why;
    /* Every prefix asks for more. */
    for (size_t n = 0; n < sizeof(req) - 1; n++) {
        assert_int_equal(ws_handshake(req, n, SV_LIT(""), resp, sizeof(resp),
                                      &rl, &used, &why),
                         1);
        assert_int_equal(rl, 0);
    }
    /* A frame right behind the request is not consumed. */
    memcpy(buf, req, sizeof(req) - 1);
    memcpy(buf + sizeof(req) - 1, "\x81\x80", 2);
    assert_int_equal(ws_handshake(buf, sizeof(req) + 1, SV_LIT(""), resp,
                                  sizeof(resp), &rl, &used, &why),
                     0);
    assert_int_equal(used, sizeof(req) - 1);
}

static void handshake_too_large(void **state)
{
    (void)state;
    static char big[WS_HS_MAX + 16];
    memset(big, 'a', sizeof(big));
    memcpy(big, LINE "X-Pad: ", strlen(LINE "X-Pad: "));
    char resp[WS_HS_RESP_CAP];
    size_t rl;
    size_t used;
    const char *why;
    assert_int_equal(ws_handshake(big, WS_HS_MAX - 1, SV_LIT(""), resp,
                                  sizeof(resp), &rl, &used, &why),
                     1);
    assert_int_equal(ws_handshake(big, sizeof(big), SV_LIT(""), resp,
                                  sizeof(resp), &rl, &used, &why),
                     -1);
    assert_non_null(strstr(why, "too large"));
}

/* ---- frames ------------------------------------------------------------- */

/* A client frame: FIN/opcode byte, masked with 'mask', into 'out'. */
static size_t client_frame(char *out, uint8_t b0, const char *payload,
                           size_t len, const uint8_t mask[4])
{
    size_t n = 0;
    out[n++] = (char)b0;
    if (len < 126) {
        out[n++] = (char)(0x80 | len);
    } else if (len <= 0xffff) {
        out[n++] = (char)(0x80 | 126);
        out[n++] = (char)(len >> 8);
        out[n++] = (char)len;
    } else {
        out[n++] = (char)(0x80 | 127);
        for (int k = 7; k >= 0; k--) {
            out[n++] = (char)((uint64_t)len >> (8 * k));
        }
    }
    memcpy(out + n, mask, 4);
    n += 4;
    for (size_t i = 0; i < len; i++) {
        out[n + i] = (char)((uint8_t)payload[i] ^ mask[i & 3]);
    }
    return n + len;
}

static const uint8_t mask1[4] = { 0x37, 0xfa, 0x21, 0x3d };

static void decode_masked_text(void **state)
{
    (void)state;
    struct ws_dec d;
    struct ws_ev ev;
    char buf[256];
    size_t used;
    ws_dec_init(&d, 1000);
    /* RFC 6455 §5.7: a masked "Hello". */
    static const char hello[] = "\x81\x85\x37\xfa\x21\x3d\x7f\x9f\x4d\x51\x58";
    memcpy(buf, hello, 11);
    for (size_t n = 0; n < 11; n++) {
        char tmp[16];
        memcpy(tmp, hello, n);
        ws_dec_next(&d, tmp, n, &used, &ev);
        assert_int_equal(ev.type, WS_EV_NEED);
        assert_int_equal(used, 0);
    }
    ws_dec_next(&d, buf, 11, &used, &ev);
    assert_int_equal(ev.type, WS_EV_MESSAGE);
    assert_int_equal(used, 11);
    assert_int_equal(ev.len, 5);
    assert_memory_equal(ev.data, "Hello", 5);
    ws_dec_fini(&d);
}

static void decode_lengths(void **state)
{
    (void)state;
    static char payload[70000];
    static char buf[70100];
    struct ws_dec d;
    struct ws_ev ev;
    size_t used;
    memset(payload, 'x', sizeof(payload));
    ws_dec_init(&d, 65535);
    const size_t lens[] = { 0, 125, 126, 200, 65535 };
    for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
        size_t n = client_frame(buf, 0x82, payload, lens[i], mask1);
        ws_dec_next(&d, buf, n, &used, &ev);
        assert_int_equal(ev.type, WS_EV_MESSAGE);
        assert_int_equal(used, n);
        assert_int_equal(ev.len, lens[i]);
        if (lens[i]) {
            assert_memory_equal(ev.data, payload, lens[i]);
        }
    }
    /* Over the cap: 1009 from the header alone. */
    size_t n = client_frame(buf, 0x81, payload, 65536, mask1);
    ws_dec_next(&d, buf, 14, &used, &ev);
    assert_int_equal(ev.type, WS_EV_ERROR);
    assert_int_equal(ev.code, WS_CLOSE_TOO_BIG);
    (void)n;
    ws_dec_fini(&d);
}

static void decode_fragments(void **state)
{
    (void)state;
    struct ws_dec d;
    struct ws_ev ev;
    char buf[512];
    size_t used;
    size_t off = 0;
    ws_dec_init(&d, 10);
    size_t len = client_frame(buf, 0x01, "REG", 3, mask1);   /* start */
    len += client_frame(buf + len, 0x89, "p", 1, mask1);     /* ping */
    len += client_frame(buf + len, 0x00, "IST", 3, mask1);   /* cont */
    len += client_frame(buf + len, 0x80, "ER", 2, mask1);    /* last */
    len += client_frame(buf + len, 0x81, "again", 5, mask1); /* new */
    ws_dec_next(&d, buf, len, &used, &ev);
    assert_int_equal(ev.type, WS_EV_NEED);
    assert_true(used > 0);
    off += used;
    ws_dec_next(&d, buf + off, len - off, &used, &ev);
    assert_int_equal(ev.type, WS_EV_PING); /* control inside a message */
    assert_int_equal(ev.len, 1);
    assert_memory_equal(ev.data, "p", 1);
    off += used;
    ws_dec_next(&d, buf + off, len - off, &used, &ev);
    assert_int_equal(ev.type, WS_EV_NEED);
    off += used;
    ws_dec_next(&d, buf + off, len - off, &used, &ev);
    assert_int_equal(ev.type, WS_EV_MESSAGE);
    assert_int_equal(ev.len, 8);
    assert_memory_equal(ev.data, "REGISTER", 8);
    off += used;
    ws_dec_next(&d, buf + off, len - off, &used, &ev);
    assert_int_equal(ev.type, WS_EV_MESSAGE);
    assert_memory_equal(ev.data, "again", 5);
    off += used;
    assert_int_equal(off, len);

    /* Reassembly past the cap: 1009. */
    len = client_frame(buf, 0x01, "123456", 6, mask1);
    len += client_frame(buf + len, 0x80, "7890x", 5, mask1);
    ws_dec_next(&d, buf, len, &used, &ev);
    assert_int_equal(ev.type, WS_EV_NEED);
    ws_dec_next(&d, buf + used, len - used, &used, &ev);
    assert_int_equal(ev.type, WS_EV_ERROR);
    assert_int_equal(ev.code, WS_CLOSE_TOO_BIG);
    ws_dec_fini(&d);
}

struct bad_case {
    const char *name;
    uint8_t b0;
    uint8_t b1; /* 0: a masked frame with a 1-byte payload */
    uint16_t code;
};

static void decode_errors(void **state)
{
    (void)state;
    static const struct bad_case cases[] = {
        { "rsv1", 0xc1, 0, WS_CLOSE_PROTOCOL },
        { "rsv3", 0x91, 0, WS_CLOSE_PROTOCOL },
        { "opcode 3", 0x83, 0, WS_CLOSE_PROTOCOL },
        { "opcode 0xb", 0x8b, 0, WS_CLOSE_PROTOCOL },
        { "unmasked", 0x81, 0x05, WS_CLOSE_PROTOCOL },
        { "fragmented ping", 0x09, 0, WS_CLOSE_PROTOCOL },
        { "long ping", 0x89, 0x80 | 126, WS_CLOSE_PROTOCOL },
        { "close, 1 byte", 0x88, 0, WS_CLOSE_PROTOCOL },
        { "continuation first", 0x80, 0, WS_CLOSE_PROTOCOL },
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct ws_dec d;
        struct ws_ev ev;
        size_t used;
        char buf[32];
        print_message("case: %s\n", cases[i].name);
        ws_dec_init(&d, 1000);
        size_t n = client_frame(buf, cases[i].b0, "z", 1, mask1);
        if (cases[i].b1) {
            buf[1] = (char)cases[i].b1;
            buf[2] = 0;
            buf[3] = (char)200;
        }
        ws_dec_next(&d, buf, n, &used, &ev);
        assert_int_equal(ev.type, WS_EV_ERROR);
        assert_int_equal(ev.code, cases[i].code);
        assert_non_null(ev.reason);
        ws_dec_fini(&d);
    }
    /* A new data frame inside a fragmented message. */
    struct ws_dec d;
    struct ws_ev ev;
    size_t used;
    char buf[64];
    ws_dec_init(&d, 1000);
    size_t len = client_frame(buf, 0x01, "a", 1, mask1);
    len += client_frame(buf + len, 0x81, "b", 1, mask1);
    ws_dec_next(&d, buf, len, &used, &ev);
    ws_dec_next(&d, buf + used, len - used, &used, &ev);
    assert_int_equal(ev.type, WS_EV_ERROR);
    assert_int_equal(ev.code, WS_CLOSE_PROTOCOL);
    /* 64-bit length with the top bit set. */
    static const char huge[] = "\x82\xff\x80\x00\x00\x00\x00\x00\x00\x01";
    memcpy(buf, huge, 10);
    ws_dec_fini(&d);
    ws_dec_init(&d, 1000);
    ws_dec_next(&d, buf, 10, &used, &ev);
    assert_int_equal(ev.type, WS_EV_ERROR);
    ws_dec_fini(&d);
}

static void decode_close_and_pong(void **state)
{
    (void)state;
    struct ws_dec d;
    struct ws_ev ev;
    size_t used;
    char buf[64];
    ws_dec_init(&d, 1000);
    size_t n = client_frame(buf, 0x88,
                            "\x03\xe9"
                            "bye",
                            5, mask1);
    ws_dec_next(&d, buf, n, &used, &ev);
    assert_int_equal(ev.type, WS_EV_CLOSE);
    assert_int_equal(ev.code, 1001);
    assert_int_equal(ev.len, 3);
    assert_memory_equal(ev.data, "bye", 3);
    n = client_frame(buf, 0x88, "", 0, mask1);
    ws_dec_next(&d, buf, n, &used, &ev);
    assert_int_equal(ev.type, WS_EV_CLOSE);
    assert_int_equal(ev.code, 1005);
    n = client_frame(buf, 0x8a, "", 0, mask1);
    ws_dec_next(&d, buf, n, &used, &ev);
    assert_int_equal(ev.type, WS_EV_PONG);
    assert_int_equal(used, n);
    ws_dec_fini(&d);
}

static void encode(void **state)
{
    (void)state;
    uint8_t h[WS_FRAME_HDR_MAX];
    assert_int_equal(ws_frame_header(h, WS_OP_TEXT, 5), 2);
    assert_int_equal(h[0], 0x81);
    assert_int_equal(h[1], 5);
    assert_int_equal(ws_frame_header(h, WS_OP_TEXT, 125), 2);
    assert_int_equal(h[1], 125);
    assert_int_equal(ws_frame_header(h, WS_OP_TEXT, 126), 4);
    assert_int_equal(h[1], 126);
    assert_int_equal(h[2], 0);
    assert_int_equal(h[3], 126);
    assert_int_equal(ws_frame_header(h, WS_OP_PONG, 65535), 4);
    assert_int_equal(h[0], 0x8a);
    assert_int_equal(h[2], 0xff);
    assert_int_equal(h[3], 0xff);
    assert_int_equal(ws_frame_header(h, WS_OP_BINARY, 65536), 10);
    assert_int_equal(h[1], 127);
    assert_int_equal(h[7], 1);
    assert_int_equal(h[8], 0);
    assert_int_equal(h[9], 0);
    uint8_t c[4];
    assert_int_equal(ws_close_frame(c, WS_CLOSE_PROTOCOL), 4);
    assert_int_equal(c[0], 0x88);
    assert_int_equal(c[1], 2);
    assert_int_equal((c[2] << 8) | c[3], 1002);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(accept_key_rfc_example),
        cmocka_unit_test(handshake_table),
        cmocka_unit_test(handshake_partial_and_trailing),
        cmocka_unit_test(handshake_too_large),
        cmocka_unit_test(decode_masked_text),
        cmocka_unit_test(decode_lengths),
        cmocka_unit_test(decode_fragments),
        cmocka_unit_test(decode_errors),
        cmocka_unit_test(decode_close_and_pong),
        cmocka_unit_test(encode),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
