/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The messages between the daemon and the firewall helper: fixed sizes,
 * big-endian integers, every field checked on decode so that neither side
 * trusts the other's bytes blindly. Transport and meaning are elsewhere.
 */
#include "fw/fw_int.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

static void put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static uint32_t get32(const uint8_t *p)
{
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16)
           | ((uint32_t)p[2] << 8) | (uint32_t)p[3];
}

static bool req_has_net(uint8_t type)
{
    return type == FW_REQ_ADD || type == FW_REQ_DEL || type == FW_REQ_SSH_ADD
           || type == FW_REQ_SSH_DEL;
}

static bool req_has_arg(uint8_t type)
{
    return type == FW_REQ_ADD || type == FW_REQ_SYNC || type == FW_REQ_SSH_ADD;
}

/* Requests answered by FW_REP_SSH, which carry a sequence number. */
static bool req_is_ssh(uint8_t type)
{
    return type >= FW_REQ_SSH_ADD && type <= FW_REQ_SVC_PROBE;
}

static bool req_type_ok(uint8_t type)
{
    return type >= FW_REQ_ADD && type <= FW_REQ_SVC_PROBE;
}

/* A grant always has a kernel timeout: one without would never close. */
static bool ssh_arg_ok(const struct fw_req *req)
{
    return req->type != FW_REQ_SSH_ADD
           || (req->arg > 0 && req->arg <= FW_TIMEOUT_MAX_S);
}

int fw_req_encode(const struct fw_req *req, uint8_t *buf)
{
    if (!req_type_ok(req->type)) {
        return -EINVAL;
    }
    if (req_has_net(req->type) && !sec_net_is_valid(&req->net)) {
        return -EINVAL;
    }
    if (!ssh_arg_ok(req)) {
        return -EINVAL;
    }
    memset(buf, 0, FW_REQ_LEN);
    buf[0] = req->type;
    if (req_has_net(req->type)) {
        buf[1] = req->net.family == AF_INET ? 4 : 6;
        buf[2] = req->net.prefix;
        memcpy(buf + 8, req->net.addr, 16);
    }
    if (req_is_ssh(req->type)) {
        buf[3] = req->seq;
    }
    if (req_has_arg(req->type)) {
        put32(buf + 4, req->arg);
    }
    return 0;
}

int fw_req_decode(const uint8_t *buf, size_t len, struct fw_req *req)
{
    struct fw_req r;

    if (len != FW_REQ_LEN || !req_type_ok(buf[0])
        || (buf[3] != 0 && !req_is_ssh(buf[0]))) {
        return -EINVAL;
    }
    memset(&r, 0, sizeof(r));
    r.type = buf[0];
    if (req_is_ssh(r.type)) {
        r.seq = buf[3];
    }
    if (req_has_net(r.type)) {
        if (buf[1] != 4 && buf[1] != 6) {
            return -EINVAL;
        }
        r.net.family = buf[1] == 4 ? AF_INET : AF_INET6;
        r.net.prefix = buf[2];
        memcpy(r.net.addr, buf + 8, 16);
        if (!sec_net_is_valid(&r.net)) {
            return -EINVAL;
        }
    } else {
        for (size_t i = 8; i < FW_REQ_LEN; i++) {
            if (buf[i] != 0) {
                return -EINVAL;
            }
        }
        if (buf[1] != 0 || buf[2] != 0) {
            return -EINVAL;
        }
    }
    if (req_has_arg(r.type)) {
        r.arg = get32(buf + 4);
    } else if (get32(buf + 4) != 0) {
        return -EINVAL;
    }
    if (!ssh_arg_ok(&r)) {
        return -EINVAL;
    }
    *req = r;
    return 0;
}

void fw_rep_encode(const struct fw_rep *rep, uint8_t *buf)
{
    size_t n = strnlen(rep->text, FW_REP_TEXT_CAP - 1);

    memset(buf, 0, FW_REP_LEN);
    buf[0] = rep->type;
    put32(buf + 4, (uint32_t)rep->err);
    put32(buf + 8, rep->arg);
    memcpy(buf + 12, rep->text, n);
}

int fw_rep_decode(const uint8_t *buf, size_t len, struct fw_rep *rep)
{
    struct fw_rep r;
    const uint8_t *text = buf + 12;
    size_t n;

    if (len != FW_REP_LEN || buf[0] < FW_REP_ACTIVE || buf[0] > FW_REP_SSH
        || buf[1] != 0 || buf[2] != 0 || buf[3] != 0) {
        return -EINVAL;
    }
    n = strnlen((const char *)text, FW_REP_TEXT_CAP);
    if (n == FW_REP_TEXT_CAP) {
        return -EINVAL;
    }
    memset(&r, 0, sizeof(r));
    r.type = buf[0];
    r.err = (int32_t)get32(buf + 4);
    r.arg = get32(buf + 8);
    if (r.err < 0 || r.err > 4095) {
        return -EINVAL;
    }
    for (size_t i = 0; i < n; i++) {
        r.text[i] = text[i] >= 0x20 && text[i] < 0x7f ? (char)text[i] : '?';
    }
    *rep = r;
    return 0;
}

void fw_rep_set(struct fw_rep *rep, uint8_t type, int err, uint32_t arg,
                const char *fmt, ...)
{
    va_list ap;

    memset(rep, 0, sizeof(*rep));
    rep->type = type;
    rep->err = err;
    rep->arg = arg;
    va_start(ap, fmt);
    vsnprintf(rep->text, sizeof(rep->text), fmt, ap);
    va_end(ap);
}
