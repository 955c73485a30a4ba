/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Temporary SSH grants as kernel set elements with timeouts (through the
 * daemon's helper or libnftables in this process), the nft text for them,
 * the duration parser and sshd's ports. Keeping the record of grants and
 * auditing them is ops/fwops.c's; the rules using the sets are render.c's.
 */
#include "fw/ssh.h"

#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/check.h"
#include "fw/fw_int.h"
#include "fw/render.h"

/* Longest sshd_config file read. */
#define SSHD_FILE_MAX (1u << 20)
/* Include nesting followed. */
#define SSHD_DEPTH_MAX 4

/* ---- nft text ----------------------------------------------------------- */

/* "10.77.0.2" for a host, "10.77.0.0/24" for a network. */
static void elem_text(const struct sec_net *net, char *out, size_t cap)
{
    char full[SEC_NET_FMT_CAP];
    char *slash;

    sec_net_fmt(net, full, sizeof(full));
    slash = strchr(full, '/');
    if (slash != NULL && net->prefix == (net->family == AF_INET ? 32 : 128)) {
        *slash = '\0';
    }
    snprintf(out, cap, "%s", full);
}

int fw_cmd_ssh(char *buf, size_t cap, const char *svc_table,
               const struct fw_req *req)
{
    char elem[SEC_NET_FMT_CAP];
    const char *set;
    int n;

    if (!fw_table_name_ok(svc_table)) {
        return -EINVAL;
    }
    if (req->type == FW_REQ_SSH_FLUSH) {
        n = snprintf(buf, cap,
                     "flush set inet %s ssh_allow4\n"
                     "flush set inet %s ssh_allow6\n",
                     svc_table, svc_table);
        return n < 0 || (size_t)n >= cap ? -ENOSPC : n;
    }
    if ((req->type != FW_REQ_SSH_ADD && req->type != FW_REQ_SSH_DEL)
        || !sec_net_is_valid(&req->net)
        || (req->type == FW_REQ_SSH_ADD
            && (req->arg == 0 || req->arg > FW_TIMEOUT_MAX_S))) {
        return -EINVAL;
    }
    set = req->net.family == AF_INET ? "ssh_allow4" : "ssh_allow6";
    elem_text(&req->net, elem, sizeof(elem));
    if (req->type == FW_REQ_SSH_ADD) {
        /* As for bans: add (no-op if present), delete, add with the new
         * timeout, so a repeated grant is extended, in one transaction. */
        n = snprintf(buf, cap,
                     "add element inet %s %s { %s }\n"
                     "delete element inet %s %s { %s }\n"
                     "add element inet %s %s { %s timeout %us }\n",
                     svc_table, set, elem, svc_table, set, elem, svc_table, set,
                     elem, (unsigned)req->arg);
    } else {
        n = snprintf(buf, cap,
                     "add element inet %s %s { %s }\n"
                     "delete element inet %s %s { %s }\n",
                     svc_table, set, elem, svc_table, set, elem);
    }
    return n < 0 || (size_t)n >= cap ? -ENOSPC : n;
}

/* ---- grants ------------------------------------------------------------- */

void fw_ssh_ctl_init(struct fw_ssh_ctl *c, const struct fw_svc_cfg *svc,
                     struct fw *fw)
{
    memset(c, 0, sizeof(*c));
    c->enabled = svc->temp_ssh;
    c->min_s = svc->ssh_min_s;
    snprintf(c->table, sizeof(c->table), "%s", svc->table);
    c->fw = fw;
}

/* Words for a failure: what the operator should do about it. */
static void explain(int rc, const char *table, const char *nft, char *err,
                    size_t cap)
{
    if (cap == 0) {
        return;
    }
    switch (rc) {
    case -ENOENT:
        snprintf(err, cap,
                 "table inet %s has no SSH grant sets: apply the service "
                 "firewall first (sipwarden firewall apply)",
                 table);
        break;
    case -EPERM:
    case -EACCES:
        snprintf(err, cap, "changing the firewall needs root (CAP_NET_ADMIN)");
        break;
    case -ENOTCONN:
        snprintf(err, cap,
                 "%s; temporary SSH needs [firewall] nftables = auto or on",
                 nft[0] != '\0' ? nft : "the firewall helper is not running");
        break;
    default:
        snprintf(err, cap, "nftables: %s",
                 nft[0] != '\0' ? nft : strerror(-rc));
        break;
    }
}

static int ssh_change(const struct fw_ssh_ctl *c, const struct sec_net *net,
                      uint32_t timeout_s, char *err, size_t cap)
{
    char nft[FW_ERR_CAP] = "";
    char script[FW_CMD_CAP];
    struct fw_req req = { 0 };
    int rc;

    if (net != NULL && !sec_net_is_valid(net)) {
        snprintf(err, cap, "invalid network");
        return -EINVAL;
    }
    if (c->fw != NULL) {
        rc = fw_ssh_request(c->fw, net, timeout_s, FW_SSH_TIMEOUT_MS, nft,
                            sizeof(nft));
    } else {
        req.type = net == NULL     ? FW_REQ_SSH_FLUSH
                   : timeout_s > 0 ? FW_REQ_SSH_ADD
                                   : FW_REQ_SSH_DEL;
        if (net != NULL) {
            req.net = *net;
        }
        req.arg = timeout_s;
        rc = fw_cmd_ssh(script, sizeof(script), c->table, &req);
        if (rc >= 0) {
            rc = fw_nft_local(script, false, NULL, nft, sizeof(nft));
        }
    }
    if (rc != 0) {
        explain(rc, c->table, nft, err, cap);
    }
    return rc;
}

int fw_ssh_grant(const struct fw_ssh_ctl *c, const struct sec_net *net,
                 uint32_t timeout_s, char *err, size_t cap)
{
    if (net == NULL || timeout_s == 0 || timeout_s > FW_SSH_MAX_S) {
        snprintf(err, cap, "a grant needs a network and 1..%u seconds",
                 FW_SSH_MAX_S);
        return -EINVAL;
    }
    return ssh_change(c, net, timeout_s, err, cap);
}

int fw_ssh_revoke(const struct fw_ssh_ctl *c, const struct sec_net *net,
                  char *err, size_t cap)
{
    return ssh_change(c, net, 0, err, cap);
}

/* ---- durations ---------------------------------------------------------- */

int fw_duration_parse(const char *text, uint32_t min_s, uint32_t max_s,
                      uint32_t *out_s, char *why, size_t why_cap)
{
    struct sv v = sv_trim(sv_cstr(text != NULL ? text : ""));
    uint64_t total = 0;
    size_t i = 0;

    if (v.len == 0) {
        snprintf(why, why_cap, "empty duration");
        return -EINVAL;
    }
    while (i < v.len) {
        size_t start = i;
        uint64_t n;
        uint64_t mul;

        while (i < v.len && v.p[i] >= '0' && v.p[i] <= '9') {
            i++;
        }
        if (i == start || i - start > 9
            || sv_to_u64(sv_slice(v, start, i), 999999999, &n) != 0) {
            snprintf(why, why_cap,
                     "duration '%.*s': expected NUMBER UNIT, e.g. 30m, 2h, "
                     "90s",
                     SV_FMT(v));
            return -EINVAL;
        }
        if (i == v.len) {
            snprintf(why, why_cap,
                     "duration '%.*s': give a unit (s, m, h or d), e.g. "
                     "%.*sm",
                     SV_FMT(v), SV_FMT(v));
            return -EINVAL;
        }
        switch (v.p[i]) {
        case 's':
            mul = 1;
            break;
        case 'm':
            mul = 60;
            break;
        case 'h':
            mul = 3600;
            break;
        case 'd':
            mul = 86400;
            break;
        default:
            snprintf(why, why_cap,
                     "duration '%.*s': unknown unit '%c' (s, m, h or d)",
                     SV_FMT(v), v.p[i]);
            return -EINVAL;
        }
        i++;
        total += n * mul;
        if (total > UINT32_MAX) {
            break;
        }
    }
    if (total < min_s || total > max_s) {
        snprintf(why, why_cap, "duration '%.*s' is outside %us..%us", SV_FMT(v),
                 min_s, max_s);
        return -ERANGE;
    }
    *out_s = (uint32_t)total;
    return 0;
}

/* ---- sshd_config -------------------------------------------------------- */

/* The keyword and the value of a config line ("Port 22", "Port=22"). */
static bool split_line(struct sv line, struct sv *key, struct sv *val)
{
    size_t i = 0;

    line = sv_trim(line);
    if (line.len == 0 || line.p[0] == '#') {
        return false;
    }
    while (i < line.len && line.p[i] != ' ' && line.p[i] != '\t'
           && line.p[i] != '=') {
        i++;
    }
    *key = sv_slice(line, 0, i);
    while (i < line.len
           && (line.p[i] == ' ' || line.p[i] == '\t' || line.p[i] == '=')) {
        i++;
    }
    *val = sv_trim(sv_slice(line, i, line.len));
    return true;
}

int fw_sshd_ports_parse(struct sv text, uint16_t *ports, size_t cap,
                        fw_sshd_include_fn *include, void *ud)
{
    bool in_match = false;
    size_t n = 0;

    while (text.len > 0) {
        ptrdiff_t nl = sv_find_char(text, '\n');
        struct sv line = nl < 0 ? text : sv_slice(text, 0, (size_t)nl);
        struct sv key, val;

        text = nl < 0 ? SV_NULL : sv_slice(text, (size_t)nl + 1, text.len);
        if (!split_line(line, &key, &val)) {
            continue;
        }
        if (sv_eq_cstr_nocase(key, "Match")) {
            in_match = true; /* until the end: Match blocks don't end */
            continue;
        }
        if (sv_eq_cstr_nocase(key, "Include") && !in_match) {
            if (include != NULL) {
                include(ud, val);
            }
            continue;
        }
        if (!sv_eq_cstr_nocase(key, "Port") || in_match) {
            continue;
        }
        uint64_t p;
        ptrdiff_t hash = sv_find_char(val, '#');
        if (hash >= 0) {
            val = sv_trim(sv_slice(val, 0, (size_t)hash));
        }
        if (sv_to_u64(val, 65535, &p) != 0 || p == 0) {
            return -EINVAL;
        }
        bool seen = false;
        for (size_t i = 0; i < n; i++) {
            seen = seen || ports[i] == (uint16_t)p;
        }
        if (!seen && n < cap) {
            ports[n++] = (uint16_t)p;
        }
    }
    return (int)n;
}

struct sshd_read {
    uint16_t *ports;
    size_t cap;
    size_t n;
    int depth;
    int err; /* first error of an included file */
};

static int read_file(const char *path, struct buf *b)
{
    char chunk[4096];
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    ssize_t got;

    if (fd == -1) {
        return -errno;
    }
    do {
        got = read(fd, chunk, sizeof(chunk));
        if (got > 0 && buf_append(b, chunk, (size_t)got) != 0) {
            close(fd);
            return -EFBIG;
        }
    } while (got > 0 || (got == -1 && errno == EINTR));
    close(fd);
    return got == 0 ? 0 : -EIO;
}

static int read_one(struct sshd_read *r, const char *path);

static void on_include(void *ud, struct sv patterns)
{
    struct sshd_read *r = ud;
    struct sv rest = patterns;

    /* Several patterns may share one line. */
    while (rest.len > 0 && r->err == 0) {
        char pat[1024];
        glob_t g;
        size_t i = 0;

        while (i < rest.len && rest.p[i] != ' ' && rest.p[i] != '\t') {
            i++;
        }
        struct sv one = sv_slice(rest, 0, i);
        rest = sv_trim(sv_slice(rest, i, rest.len));
        if (one.len == 0) {
            continue;
        }
        int len =
            one.p[0] == '/'
                ? snprintf(pat, sizeof(pat), "%.*s", SV_FMT(one))
                : snprintf(pat, sizeof(pat), "/etc/ssh/%.*s", SV_FMT(one));
        if (len < 0 || (size_t)len >= sizeof(pat)) {
            continue;
        }
        if (glob(pat, 0, NULL, &g) != 0) {
            continue; /* no match: sshd ignores it too */
        }
        for (size_t k = 0; k < g.gl_pathc && r->err == 0; k++) {
            int rc = read_one(r, g.gl_pathv[k]);
            if (rc < 0 && rc != -ENOENT) {
                r->err = rc;
            }
        }
        globfree(&g);
    }
}

static int read_one(struct sshd_read *r, const char *path)
{
    uint16_t found[16] = { 0 };
    struct buf b;
    int rc;

    if (r->depth >= SSHD_DEPTH_MAX) {
        return 0;
    }
    buf_init(&b, SSHD_FILE_MAX);
    rc = read_file(path, &b);
    if (rc == 0) {
        /* Included files add theirs while this one is parsed. */
        r->depth++;
        rc = fw_sshd_ports_parse(buf_sv(&b), found, SW_ARRAY_LEN(found),
                                 on_include, r);
        r->depth--;
    }
    buf_fini(&b);
    for (int i = 0; i < rc; i++) {
        bool seen = false;
        for (size_t k = 0; k < r->n; k++) {
            seen = seen || r->ports[k] == found[i];
        }
        if (!seen && r->n < r->cap) {
            r->ports[r->n++] = found[i];
        }
    }
    return rc < 0 ? rc : 0;
}

int fw_sshd_ports_read(const char *path, uint16_t *ports, size_t cap)
{
    struct sshd_read r = { ports, cap, 0, 0, 0 };
    int rc = read_one(&r, path);

    if (rc == 0) {
        rc = r.err;
    }
    return rc < 0 ? rc : (int)r.n;
}
