/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The nft command text the helper runs, and its batches: many requests
 * become one script (one kernel transaction); when that fails, each
 * request is retried alone so that one refused element does not cost the
 * others. Running the text is left to the caller's fw_run_fn.
 */
#include "fw/fw_int.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "base/check.h"

/* Append printf output to buf[*len..cap); false when it does not fit. */
static bool appendf(char *buf, size_t cap, size_t *len, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static bool appendf(char *buf, size_t cap, size_t *len, const char *fmt, ...)
{
    va_list ap;
    int n;

    if (*len >= cap) {
        return false;
    }
    va_start(ap, fmt);
    n = vsnprintf(buf + *len, cap - *len, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= cap - *len) {
        buf[*len] = '\0';
        return false;
    }
    *len += (size_t)n;
    return true;
}

bool fw_table_name_ok(const char *name)
{
    size_t n = strnlen(name, FW_TABLE_MAX + 1);

    if (n == 0 || n > FW_TABLE_MAX) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        char c = name[i];
        bool alpha =
            (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
        if (!alpha && !(i > 0 && c >= '0' && c <= '9')) {
            return false;
        }
    }
    return true;
}

static bool net_is_host(const struct sec_net *net)
{
    return net->prefix == (net->family == AF_INET ? 32 : 128);
}

const char *fw_set_name(const struct sec_net *net)
{
    if (net->family == AF_INET) {
        return net_is_host(net) ? "ban4" : "net4";
    }
    return net_is_host(net) ? "ban6" : "net6";
}

/* "1.2.3.4" for a host, "10.0.0.0/8" for a network. */
static void elem_text(const struct sec_net *net, char *out, size_t cap)
{
    if (net_is_host(net)) {
        if (inet_ntop(net->family, net->addr, out, (socklen_t)cap) == NULL) {
            snprintf(out, cap, "-");
        }
        return;
    }
    sec_net_fmt(net, out, cap);
}

int fw_cmd_setup(char *buf, size_t cap, const char *table)
{
    static const char *const sets[][2] = {
        { "ban4", "ipv4_addr; flags timeout" },
        { "ban6", "ipv6_addr; flags timeout" },
        { "net4", "ipv4_addr; flags interval, timeout" },
        { "net6", "ipv6_addr; flags interval, timeout" },
    };
    size_t len = 0;
    bool ok;

    /* add + delete first: replaces a table left by a crashed run, and a
     * missing one is no error; all of it is one transaction. */
    ok = appendf(buf, cap, &len,
                 "add table inet %s\ndelete table inet %s\n"
                 "table inet %s {\n",
                 table, table, table);
    for (size_t i = 0; ok && i < SW_ARRAY_LEN(sets); i++) {
        ok = appendf(buf, cap, &len, "\tset %s { type %s; counter; }\n",
                     sets[i][0], sets[i][1]);
    }
    ok = ok
         && appendf(buf, cap, &len,
                    "\tchain prerouting {\n"
                    "\t\ttype filter hook prerouting priority raw; "
                    "policy accept;\n"
                    "\t\tip saddr @ban4 counter drop\n"
                    "\t\tip saddr @net4 counter drop\n"
                    "\t\tip6 saddr @ban6 counter drop\n"
                    "\t\tip6 saddr @net6 counter drop\n"
                    "\t}\n}\n");
    return ok ? (int)len : -ENOSPC;
}

int fw_cmd_teardown(char *buf, size_t cap, const char *table)
{
    size_t len = 0;

    return appendf(buf, cap, &len, "delete table inet %s\n", table) ? (int)len
                                                                    : -ENOSPC;
}

int fw_cmd_req(char *buf, size_t cap, const char *table,
               const struct fw_req *req)
{
    char elem[SEC_NET_FMT_CAP];
    char tmo[24] = "";
    const char *set;
    size_t len = 0;
    bool ok;

    if (cap > 0) {
        buf[0] = '\0';
    }
    if (req->type == FW_REQ_FLUSH) {
        ok = appendf(buf, cap, &len,
                     "flush set inet %s ban4\nflush set inet %s ban6\n"
                     "flush set inet %s net4\nflush set inet %s net6\n",
                     table, table, table, table);
        return ok ? (int)len : -ENOSPC;
    }
    if ((req->type != FW_REQ_ADD && req->type != FW_REQ_DEL)
        || !sec_net_is_valid(&req->net)) {
        return -EINVAL;
    }
    set = fw_set_name(&req->net);
    elem_text(&req->net, elem, sizeof(elem));
    if (req->type == FW_REQ_ADD) {
        if (req->arg > 0 && req->arg <= FW_TIMEOUT_MAX_S) {
            snprintf(tmo, sizeof(tmo), " timeout %us", (unsigned)req->arg);
        }
        /* nft 1.0.6 has no "destroy" and does not refresh the timeout of
         * an element that exists: add (no-op if present), delete, add. */
        ok = appendf(buf, cap, &len,
                     "add element inet %s %s { %s }\n"
                     "delete element inet %s %s { %s }\n"
                     "add element inet %s %s { %s%s }\n",
                     table, set, elem, table, set, elem, table, set, elem, tmo);
    } else {
        ok = appendf(buf, cap, &len,
                     "add element inet %s %s { %s }\n"
                     "delete element inet %s %s { %s }\n",
                     table, set, elem, table, set, elem);
    }
    return ok ? (int)len : -ENOSPC;
}

int fw_err_from_text(const char *text)
{
    static const struct {
        const char *needle;
        int err;
    } map[] = {
        { "Operation not permitted", EPERM },
        { "Permission denied", EACCES },
        { "No such file or directory", ENOENT },
        { "Operation not supported", EOPNOTSUPP },
        { "Protocol not supported", EPROTONOSUPPORT },
        { "Address family not supported", EAFNOSUPPORT },
        { "Cannot allocate memory", ENOMEM },
        { "Device or resource busy", EBUSY },
    };

    for (size_t i = 0; i < SW_ARRAY_LEN(map); i++) {
        if (strstr(text, map[i].needle) != NULL) {
            return map[i].err;
        }
    }
    return EIO;
}

const char *fw_err_first_line(const char *text, char *out, size_t cap)
{
    const char *p = strstr(text, "Error: ");
    size_t n;

    if (p != NULL) {
        p += strlen("Error: ");
    } else {
        p = text;
        while (*p == '\n' || *p == ' ') {
            p++;
        }
    }
    n = strcspn(p, "\n");
    if (cap == 0) {
        return out;
    }
    if (n >= cap) {
        n = cap - 1;
    }
    memcpy(out, p, n);
    out[n] = '\0';
    if (n == 0) {
        snprintf(out, cap, "unknown nft error");
    }
    return out;
}

void fw_batch_init(struct fw_batch *b, const char *table)
{
    SW_ASSERT(fw_table_name_ok(table));
    snprintf(b->table, sizeof(b->table), "%s", table);
    b->len = 0;
    b->n = 0;
    b->buf[0] = '\0';
}

int fw_batch_add(struct fw_batch *b, const struct fw_req *req)
{
    int n;

    if (b->n == FW_BATCH_MAX) {
        return -ENOSPC;
    }
    n = fw_cmd_req(b->buf + b->len, sizeof(b->buf) - b->len, b->table, req);
    if (n < 0) {
        b->buf[b->len] = '\0';
        return n;
    }
    b->req[b->n] = *req;
    b->off[b->n] = (uint32_t)b->len;
    b->n++;
    b->len += (size_t)n;
    return 0;
}

unsigned fw_batch_apply(struct fw_batch *b, fw_run_fn *run, void *run_arg,
                        fw_fail_fn *fail, void *fail_arg)
{
    char err[FW_REP_TEXT_CAP * 4];
    char one[FW_CMD_CAP];
    unsigned n_failed = 0;

    if (b->n == 0) {
        return 0;
    }
    err[0] = '\0';
    if (run(run_arg, b->buf, err, sizeof(err)) == 0) {
        goto done;
    }
    for (unsigned i = 0; i < b->n; i++) {
        size_t end = i + 1 < b->n ? b->off[i + 1] : b->len;
        size_t n = end - b->off[i];

        SW_ASSERT(n < sizeof(one));
        memcpy(one, b->buf + b->off[i], n);
        one[n] = '\0';
        if (b->n > 1) {
            err[0] = '\0';
            if (run(run_arg, one, err, sizeof(err)) == 0) {
                continue;
            }
        }
        /* A lone DEL fails only when its element is absent (or overlaps
         * another, so is absent too): the wanted state holds. */
        if (b->req[i].type == FW_REQ_DEL) {
            continue;
        }
        fail(fail_arg, &b->req[i], err);
        n_failed++;
    }
done:
    b->len = 0;
    b->n = 0;
    b->buf[0] = '\0';
    return n_failed;
}
