/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Template rendering for the phone configuration files: file-name
 * matching per vendor, "{{name}}" substitution with per-format escaping,
 * and loading the templates from disk at start-up so a broken template is
 * reported once, not on every phone's request.
 */
#include "prov/render.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *const vendor_names[PROV_VENDOR_COUNT] = {
    [PROV_VENDOR_GENERIC] = "generic",
    [PROV_VENDOR_YEALINK] = "yealink",
    [PROV_VENDOR_POLYCOM] = "polycom",
};

const char *prov_vendor_name(enum prov_vendor v)
{
    return (unsigned)v < PROV_VENDOR_COUNT ? vendor_names[v] : "?";
}

int prov_vendor_parse(const char *name, enum prov_vendor *out)
{
    for (unsigned v = 0; name != NULL && v < PROV_VENDOR_COUNT; v++) {
        if (strcmp(name, vendor_names[v]) == 0) {
            *out = (enum prov_vendor)v;
            return 0;
        }
    }
    return -EINVAL;
}

static const struct {
    const char *path;
    enum prov_format fmt;
    const char *ctype;
} tmpls[PROV_TMPL_COUNT] = {
    [PROV_TMPL_GENERIC] = { "generic/config.xml", PROV_FMT_XML,
                            "application/xml" },
    [PROV_TMPL_YEALINK] = { "yealink/account.cfg", PROV_FMT_CFG,
                            "text/plain; charset=utf-8" },
    [PROV_TMPL_POLYCOM_MASTER] = { "polycom/master.cfg", PROV_FMT_XML,
                                   "application/xml" },
    [PROV_TMPL_POLYCOM_PHONE] = { "polycom/phone.cfg", PROV_FMT_XML,
                                  "application/xml" },
};

enum prov_format prov_tmpl_format(enum prov_tmpl t)
{
    return tmpls[t].fmt;
}

const char *prov_tmpl_path(enum prov_tmpl t)
{
    return tmpls[t].path;
}

const char *prov_tmpl_content_type(enum prov_tmpl t)
{
    return tmpls[t].ctype;
}

/* ---- file names ------------------------------------------------------ */

static bool is_mac(struct sv s)
{
    if (s.len != 12) {
        return false;
    }
    for (size_t i = 0; i < 12; i++) {
        char c = s.p[i];
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')
              || (c >= 'A' && c <= 'F'))) {
            return false;
        }
    }
    return true;
}

/* Does 'file' end with 'suffix', the rest being a MAC address? */
static bool mac_with(struct sv file, const char *suffix)
{
    size_t n = strlen(suffix);
    return file.len == 12 + n && memcmp(file.p + 12, suffix, n) == 0
           && is_mac(sv_make(file.p, 12));
}

int prov_file_match(enum prov_vendor v, struct sv file, enum prov_tmpl *out)
{
    switch (v) {
    case PROV_VENDOR_GENERIC:
        if (sv_eq_cstr(file, "config.xml")) {
            *out = PROV_TMPL_GENERIC;
            return 0;
        }
        break;
    case PROV_VENDOR_YEALINK:
        /* y000000000000.cfg is the common file of every model. */
        if (sv_eq_cstr(file, "y000000000000.cfg") || mac_with(file, ".cfg")) {
            *out = PROV_TMPL_YEALINK;
            return 0;
        }
        break;
    case PROV_VENDOR_POLYCOM:
        if (sv_eq_cstr(file, "phone.cfg") || mac_with(file, "-phone.cfg")) {
            *out = PROV_TMPL_POLYCOM_PHONE;
            return 0;
        }
        /* 000000000000.cfg is the default master file; a MAC-named one
         * is the phone's own. */
        if (mac_with(file, ".cfg")) {
            *out = PROV_TMPL_POLYCOM_MASTER;
            return 0;
        }
        break;
    case PROV_VENDOR_COUNT:
        break;
    }
    return -ENOENT;
}

/* ---- rendering ------------------------------------------------------- */

static void put_escaped(struct buf *out, enum prov_format fmt, const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        unsigned char c = *p;
        if (c < 0x20 || c == 0x7f) {
            /* No line breaks or other controls inside a value: in a
             * key = value file they would start a new key. */
            buf_append_char(out, ' ');
            continue;
        }
        if (fmt == PROV_FMT_XML) {
            switch (c) {
            case '&':
                buf_append_cstr(out, "&amp;");
                continue;
            case '<':
                buf_append_cstr(out, "&lt;");
                continue;
            case '>':
                buf_append_cstr(out, "&gt;");
                continue;
            case '"':
                buf_append_cstr(out, "&quot;");
                continue;
            case '\'':
                buf_append_cstr(out, "&apos;");
                continue;
            default:
                break;
            }
        }
        buf_append_char(out, (char)c);
    }
}

static int put_var(struct buf *out, enum prov_format fmt, struct sv name,
                   const struct prov_vars *v)
{
    char num[16];
    const char *val = NULL;
    if (sv_eq_cstr(name, "server")) {
        val = v->server;
    } else if (sv_eq_cstr(name, "port")) {
        snprintf(num, sizeof(num), "%u", (unsigned)v->port);
        val = num;
    } else if (sv_eq_cstr(name, "transport")) {
        val = v->transport;
    } else if (sv_eq_cstr(name, "transport_upper")) {
        size_t i = 0;
        for (; v->transport[i] != '\0' && i + 1 < sizeof(num); i++) {
            char c = v->transport[i];
            num[i] = c >= 'a' && c <= 'z' ? (char)(c - 'a' + 'A') : c;
        }
        num[i] = '\0';
        val = num;
    } else if (sv_eq_cstr(name, "transport_yealink")) {
        /* account.N.sip_server.M.transport_type: 0 UDP, 1 TCP, 2 TLS */
        val = strcmp(v->transport, "tls") == 0   ? "2"
              : strcmp(v->transport, "tcp") == 0 ? "1"
                                                 : "0";
    } else if (sv_eq_cstr(name, "transport_polycom")) {
        /* reg.N.server.M.transport */
        val = strcmp(v->transport, "tls") == 0   ? "TLS"
              : strcmp(v->transport, "tcp") == 0 ? "TCPOnly"
                                                 : "UDPOnly";
    } else if (sv_eq_cstr(name, "user")) {
        val = v->user;
    } else if (sv_eq_cstr(name, "auth_name")) {
        val = v->auth_name;
    } else if (sv_eq_cstr(name, "password")) {
        val = v->password;
    } else if (sv_eq_cstr(name, "display_name")) {
        val = v->display_name;
    } else if (sv_eq_cstr(name, "label")) {
        val = v->display_name[0] != '\0' ? v->display_name : v->user;
    } else if (sv_eq_cstr(name, "domain")) {
        val = v->domain;
    } else if (sv_eq_cstr(name, "realm")) {
        val = v->realm;
    } else if (sv_eq_cstr(name, "expires_s")) {
        snprintf(num, sizeof(num), "%u", (unsigned)v->expires_s);
        val = num;
    } else {
        return -EINVAL;
    }
    put_escaped(out, fmt, val != NULL ? val : "");
    return 0;
}

int prov_render(struct sv tmpl, enum prov_format fmt,
                const struct prov_vars *vars, struct buf *out)
{
    size_t i = 0;
    while (i < tmpl.len) {
        const char *open = NULL;
        for (size_t j = i; j + 1 < tmpl.len; j++) {
            if (tmpl.p[j] == '{' && tmpl.p[j + 1] == '{') {
                open = tmpl.p + j;
                break;
            }
        }
        if (open == NULL) {
            buf_append(out, tmpl.p + i, tmpl.len - i);
            break;
        }
        size_t at = (size_t)(open - tmpl.p);
        buf_append(out, tmpl.p + i, at - i);
        size_t name_at = at + 2;
        size_t k = name_at;
        while (k + 1 < tmpl.len && !(tmpl.p[k] == '}' && tmpl.p[k + 1] == '}')
               && k - name_at <= 32) {
            k++;
        }
        if (k + 1 >= tmpl.len || tmpl.p[k] != '}' || tmpl.p[k + 1] != '}') {
            return -EINVAL;
        }
        int rc =
            put_var(out, fmt, sv_make(tmpl.p + name_at, k - name_at), vars);
        if (rc != 0) {
            return rc;
        }
        i = k + 2;
    }
    return out->err != 0 ? -ENOSPC : 0;
}

/* ---- loading ---------------------------------------------------------- */

static int read_file(const char *path, char **text, size_t *len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd == -1) {
        return -errno;
    }
    struct stat sb;
    int rc = 0;
    char *p = NULL;
    if (fstat(fd, &sb) == -1) {
        rc = -errno;
        goto out;
    }
    if (!S_ISREG(sb.st_mode)) {
        rc = -EINVAL;
        goto out;
    }
    if (sb.st_size > (off_t)PROV_TMPL_MAX) {
        rc = -EFBIG;
        goto out;
    }
    p = malloc((size_t)sb.st_size + 1);
    if (p == NULL) {
        rc = -ENOMEM;
        goto out;
    }
    size_t got = 0;
    while (got < (size_t)sb.st_size) {
        ssize_t n = read(fd, p + got, (size_t)sb.st_size - got);
        if (n == -1 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            rc = n == 0 ? -EIO : -errno;
            goto out;
        }
        got += (size_t)n;
    }
    p[got] = '\0';
    *text = p;
    *len = got;
    p = NULL;
out:
    free(p);
    close(fd);
    return rc;
}

int prov_templates_load(struct prov_templates *t, const char *dir, char *err,
                        size_t err_cap)
{
    memset(t, 0, sizeof(*t));
    const struct prov_vars dummy = {
        .server = "s",
        .port = 5061,
        .transport = "tls",
        .user = "u",
        .auth_name = "u",
        .password = "p",
        .display_name = "d",
        .domain = "d",
        .realm = "r",
        .expires_s = 3600,
    };
    for (unsigned i = 0; i < PROV_TMPL_COUNT; i++) {
        char path[4096];
        int n = snprintf(path, sizeof(path), "%s/%s", dir, tmpls[i].path);
        if (n < 0 || (size_t)n >= sizeof(path)) {
            snprintf(err, err_cap, "template directory path too long");
            prov_templates_fini(t);
            return -EINVAL;
        }
        int rc = read_file(path, &t->text[i], &t->len[i]);
        if (rc == 0) {
            struct buf b;
            buf_init(&b, PROV_OUT_MAX);
            rc = prov_render(sv_make(t->text[i], t->len[i]), tmpls[i].fmt,
                             &dummy, &b);
            buf_fini(&b);
            if (rc != 0) {
                snprintf(err, err_cap,
                         "%s: unknown or unterminated {{placeholder}}", path);
                prov_templates_fini(t);
                return -EINVAL;
            }
        }
        if (rc != 0) {
            snprintf(err, err_cap, "%s: %s", path, strerror(-rc));
            prov_templates_fini(t);
            return rc;
        }
    }
    return 0;
}

void prov_templates_fini(struct prov_templates *t)
{
    for (unsigned i = 0; i < PROV_TMPL_COUNT; i++) {
        free(t->text[i]);
        t->text[i] = NULL;
        t->len[i] = 0;
    }
}
