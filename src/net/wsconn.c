/* SPDX-License-Identifier: Apache-2.0 */
/*
 * WebSocket on a TLS stream connection (NET_PROTO_WSS, RFC 7118): the
 * decrypted bytes go through the opening handshake (ws.c) and then the
 * frame decoder; each complete text or binary message is handed to the
 * listener's on_msg as one message, pings are answered, a close is
 * echoed, and messages we send leave as unmasked text frames. The SIP
 * framing function is not used: the WebSocket message is the frame.
 */
#include "net/net_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/check.h"
#include "net/ws.h"

static size_t ws_cap(const struct net_conn *conn)
{
    return conn->nw->ctx->cfg.max_frame_bytes + NET_STREAM_READ_SLACK;
}

void net_ws_conn_init(struct net_conn *conn)
{
    ws_dec_init(&conn->ws, conn->nw->ctx->cfg.max_frame_bytes);
    conn->is_ws_open = false;
    conn->is_ws_ping_sent = false;
}

void net_ws_conn_fini(struct net_conn *conn)
{
    ws_dec_fini(&conn->ws);
}

/* A frame of our own (control or data) in one TLS write. */
static int send_frame(struct net_conn *conn, enum ws_opcode op,
                      const char *data, size_t len)
{
    uint8_t hdr[WS_FRAME_HDR_MAX];
    size_t hl = ws_frame_header(hdr, op, len);
    char small[WS_FRAME_HDR_MAX + WS_CONTROL_MAX];
    char *out = small;
    if (hl + len > sizeof(small)) {
        out = malloc(hl + len);
        if (!out) {
            return -ENOMEM;
        }
    }
    memcpy(out, hdr, hl);
    if (len > 0) {
        memcpy(out + hl, data, len);
    }
    int rc = net_tls_conn_send(conn, out, hl + len);
    if (out != small) {
        free(out);
    }
    return rc;
}

static void close_with(struct net_conn *conn, uint16_t code,
                       enum net_close_reason why)
{
    uint8_t fr[4];
    size_t n = ws_close_frame(fr, code);
    (void)net_tls_conn_send(conn, (const char *)fr, n);
    net_conn_close_why(conn, why);
}

int net_ws_conn_send(struct net_conn *conn, const char *data, size_t len)
{
    if (!conn->is_established || !conn->is_ws_open) {
        return -EAGAIN;
    }
    return send_frame(conn, WS_OP_TEXT, data, len);
}

bool net_ws_conn_idle_ping(struct net_conn *conn)
{
    if (!conn->is_ws_open || conn->is_ws_ping_sent) {
        return false;
    }
    if (send_frame(conn, WS_OP_PING, NULL, 0) != 0) {
        return false;
    }
    conn->is_ws_ping_sent = true;
    net_conn_arm_idle(conn);
    return true;
}

/* The opening handshake; returns the bytes it used, or SIZE_MAX when the
 * connection closed (or the request is not complete: 0). */
static size_t handshake(struct net_conn *conn, const char *data, size_t len)
{
    char resp[WS_HS_RESP_CAP];
    size_t resp_len = 0;
    size_t used = 0;
    const char *why = NULL;
    const char *orig = conn->lsn->spec->ws_origins;
    int rc = ws_handshake(data, len, sv_cstr(orig ? orig : ""), resp,
                          sizeof(resp), &resp_len, &used, &why);
    if (rc == 1) {
        return 0;
    }
    if (resp_len > 0) {
        (void)net_tls_conn_send(conn, resp, resp_len);
    }
    if (rc != 0) {
        char peer[NET_ADDR_FMT_CAP];
        NET_STAT_INC(conn->nw, ws_refused);
        log_info_rl(&net_lc, "wss from %s: handshake refused: %s",
                    net_addr_fmt(&conn->peer, peer, sizeof(peer)),
                    why ? why : "?");
        net_conn_close_why(conn, NET_CLOSE_WS_REFUSED);
        return SIZE_MAX;
    }
    if (atomic_load(&conn->is_closing)) {
        return SIZE_MAX;
    }
    conn->is_ws_open = true;
    net_conn_arm_idle(conn);
    return used;
}

/* Every complete frame in data[0..len); the bytes used or SIZE_MAX. */
static size_t frames(struct net_conn *conn, char *data, size_t len)
{
    size_t off = 0;
    while (off < len) {
        struct ws_ev ev;
        size_t used = 0;
        ws_dec_next(&conn->ws, data + off, len - off, &used, &ev);
        off += used;
        if (ev.type == WS_EV_NEED) {
            if (used == 0) {
                break;
            }
            continue;
        }
        conn->is_ws_ping_sent = false;
        net_conn_arm_idle(conn);
        switch (ev.type) {
        case WS_EV_MESSAGE:
            if (ev.len > 0) {
                net_conn_deliver(conn, ev.data, ev.len);
            }
            break;
        case WS_EV_PING:
            (void)send_frame(conn, WS_OP_PONG, ev.data, ev.len);
            break;
        case WS_EV_PONG:
        case WS_EV_NEED:
            break;
        case WS_EV_CLOSE:
            close_with(conn, WS_CLOSE_NORMAL, NET_CLOSE_PEER);
            return SIZE_MAX;
        case WS_EV_ERROR: {
            char peer[NET_ADDR_FMT_CAP];
            log_debug(&net_lc, "wss from %s: %s",
                      net_addr_fmt(&conn->peer, peer, sizeof(peer)),
                      ev.reason ? ev.reason : "?");
            NET_STAT_INC(conn->nw, conns_bad_frame);
            if (ev.code == WS_CLOSE_TOO_BIG) {
                NET_STAT_INC(conn->nw, drops_oversize);
            }
            close_with(conn, ev.code,
                       ev.code == WS_CLOSE_TOO_BIG ? NET_CLOSE_OVERSIZE
                                                   : NET_CLOSE_BAD_FRAME);
            return SIZE_MAX;
        }
        }
        if (atomic_load(&conn->is_closing)) {
            return SIZE_MAX;
        }
    }
    return off;
}

void net_ws_conn_feed(struct net_conn *conn, const char *data, size_t len)
{
    size_t cap = ws_cap(conn);
    while (len > 0 && !atomic_load(&conn->is_closing)) {
        size_t room = cap - conn->rbuf.len;
        size_t n = SW_MIN(room, len);
        if (buf_append(&conn->rbuf, data, n) != 0) {
            net_conn_close_why(conn, NET_CLOSE_ERROR);
            return;
        }
        data += n;
        len -= n;
        size_t used = 0;
        if (!conn->is_ws_open) {
            used = handshake(conn, conn->rbuf.p, conn->rbuf.len);
            if (used == SIZE_MAX) {
                return;
            }
        }
        if (conn->is_ws_open) {
            size_t more =
                frames(conn, conn->rbuf.p + used, conn->rbuf.len - used);
            if (more == SIZE_MAX) {
                return;
            }
            used += more;
        }
        buf_consume(&conn->rbuf, used);
        if (conn->rbuf.len >= cap) {
            /* Full, and the decoder still wants more. */
            NET_STAT_INC(conn->nw, drops_oversize);
            net_conn_close_why(conn, NET_CLOSE_OVERSIZE);
            return;
        }
    }
    if (conn->rbuf.len == 0 && conn->rbuf.p) {
        /* Idle connections hold no buffer. */
        buf_fini(&conn->rbuf);
        buf_init(&conn->rbuf, cap);
    }
}
