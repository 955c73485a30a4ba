/* SPDX-License-Identifier: Apache-2.0 */
/*
 * WebSocket (RFC 6455) as SIP over WebSocket (RFC 7118) needs it, with no
 * I/O: the server side of the opening handshake (subprotocol "sip", an
 * optional Origin allow-list) and a frame decoder that reassembles one
 * message at a time, answers nothing itself and reports control frames.
 * Everything here is pure and fuzzable; net/wsconn.c drives it on a
 * stream connection.
 */
#ifndef SW_NET_WS_H
#define SW_NET_WS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/sv.h"

enum {
    WS_HS_MAX = 8192,      /* largest opening handshake we read */
    WS_HS_RESP_CAP = 512,  /* room for our 101 or 400 answer */
    WS_FRAME_HDR_MAX = 14, /* 2 + 8 (length) + 4 (mask) */
    WS_CONTROL_MAX = 125,  /* control frame payload cap */
};

/* Opcodes. */
enum ws_opcode {
    WS_OP_CONT = 0x0,
    WS_OP_TEXT = 0x1,
    WS_OP_BINARY = 0x2,
    WS_OP_CLOSE = 0x8,
    WS_OP_PING = 0x9,
    WS_OP_PONG = 0xA,
};

/* Close status codes we send. */
enum ws_close_code {
    WS_CLOSE_NORMAL = 1000,
    WS_CLOSE_PROTOCOL = 1002,
    WS_CLOSE_TOO_BIG = 1009,
};

/*
 * The opening handshake. 'data' holds the bytes read so far. Returns 1
 * when the header block is not complete yet (and below WS_HS_MAX), 0 when
 * accepted: 'resp' holds the 101 answer (subprotocol "sip") and *consumed
 * the bytes of the request (frames may follow in the same read). Returns
 * -1 when refused: 'resp' holds a 400 (or 403 for a forbidden Origin)
 * with the reason in a text body, *reason a static short reason for logs.
 * 'origins' is a list of allowed Origin values separated by commas or
 * blanks; empty allows any. resp_cap must be >= WS_HS_RESP_CAP; *resp_len
 * is 0 when 1 is returned.
 */
int ws_handshake(const char *data, size_t len, struct sv origins, char *resp,
                 size_t resp_cap, size_t *resp_len, size_t *consumed,
                 const char **reason);

/*
 * Sec-WebSocket-Accept for 'key' (the client's base64 key as sent):
 * base64(SHA-1(key + RFC 6455 GUID)), 28 characters and a NUL in 'out'.
 * Returns 0 or -EINVAL (key empty or over 64 bytes).
 */
int ws_accept_key(struct sv key, char out[29]);

/* What ws_dec_next() found. */
enum ws_event {
    WS_EV_NEED = 0, /* more bytes needed */
    WS_EV_MESSAGE,  /* a complete text or binary message */
    WS_EV_PING,     /* answer with a pong carrying the same payload */
    WS_EV_PONG,     /* nothing to do */
    WS_EV_CLOSE,    /* peer closes: answer close with 'code', then close */
    WS_EV_ERROR,    /* protocol error: send close 'code', then close */
};

/*
 * Decoder state of one connection. Fragments of a message are kept in
 * 'frag' (at most max_msg bytes). Init with ws_dec_init, free with
 * ws_dec_fini.
 */
struct ws_dec {
    size_t max_msg;  /* largest message (reassembled) */
    bool in_msg;     /* a fragmented message is being reassembled */
    struct buf frag; /* the fragments so far */
};

void ws_dec_init(struct ws_dec *d, size_t max_msg);
void ws_dec_fini(struct ws_dec *d);

/* One decoded event; payload views stay valid until the next call. */
struct ws_ev {
    enum ws_event type;
    const char *data; /* MESSAGE / PING / PONG / CLOSE payload */
    size_t len;
    uint16_t code;      /* CLOSE: the peer's code (1005 none); ERROR: ours */
    const char *reason; /* ERROR: static text for logs */
};

/*
 * Decode the next event from the 'len' bytes at 'data' (the connection's
 * receive buffer; unmasked in place, hence not const). *consumed gets the
 * bytes used, which the caller drops before the next call. WS_EV_NEED
 * with *consumed 0 means wait for more bytes; with *consumed > 0 a
 * non-final fragment was taken into 'frag': call again. Client frames must be
 * masked; reserved bits and opcodes, unmasked frames, fragmented or oversize (>
 * 125) control frames, continuation without a start and a new data frame inside
 * a fragmented message are errors (1002); a message or frame over max_msg is
 * error 1009. Never reads past 'len'.
 */
void ws_dec_next(struct ws_dec *d, char *data, size_t len, size_t *consumed,
                 struct ws_ev *ev);

/*
 * A server frame header (FIN, unmasked) for 'opcode' and a payload of
 * 'len' bytes into 'hdr'; returns its length (2, 4 or 10).
 */
size_t ws_frame_header(uint8_t hdr[WS_FRAME_HDR_MAX], enum ws_opcode opcode,
                       size_t len);

/*
 * A close frame with 'code' into 'out' (4 bytes: header + code); returns
 * 4.
 */
size_t ws_close_frame(uint8_t out[4], uint16_t code);

#endif
