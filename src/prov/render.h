/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Phone configuration files: the vendors we write for, which file names
 * their phones ask for, the templates (loaded once from the template
 * directory) and their rendering with escaping fit for each format (XML
 * entities; single-line values in key=value files). What goes into a file
 * (server, credentials) is the caller's; this file only formats it.
 */
#ifndef SW_PROV_RENDER_H
#define SW_PROV_RENDER_H

#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/sv.h"

enum prov_vendor {
    PROV_VENDOR_GENERIC = 0, /* sipwarden's own XML: config.xml */
    PROV_VENDOR_YEALINK,     /* Yealink .cfg (key = value) */
    PROV_VENDOR_POLYCOM,     /* Polycom UC Software XML */
    PROV_VENDOR_COUNT,
};

/* "generic", "yealink", "polycom"; "?" out of range. */
const char *prov_vendor_name(enum prov_vendor v);

/* The vendor named 'name' (exact, lowercase). Returns 0 or -EINVAL. */
int prov_vendor_parse(const char *name, enum prov_vendor *out);

/* How a template's values are escaped. */
enum prov_format {
    PROV_FMT_XML = 0, /* & < > " ' as entities, controls as spaces */
    PROV_FMT_CFG,     /* key = value lines: controls (CR, LF) as spaces */
};

/* The templates of one vendor (file names inside <dir>/<vendor>/). */
enum prov_tmpl {
    PROV_TMPL_GENERIC = 0,    /* generic/config.xml */
    PROV_TMPL_YEALINK,        /* yealink/account.cfg */
    PROV_TMPL_POLYCOM_MASTER, /* polycom/master.cfg */
    PROV_TMPL_POLYCOM_PHONE,  /* polycom/phone.cfg */
    PROV_TMPL_COUNT,
};

/*
 * Which template answers a request for 'file' from a phone of vendor 'v':
 *   generic: config.xml
 *   yealink: y000000000000.cfg, <mac>.cfg
 *   polycom: 000000000000.cfg, <mac>.cfg (master configuration),
 *            phone.cfg, <mac>-phone.cfg (the account settings)
 * <mac> is 12 hex digits, either case. Returns 0 with *out set, or
 * -ENOENT when the vendor's phones have no such file.
 */
int prov_file_match(enum prov_vendor v, struct sv file, enum prov_tmpl *out);

/* The template's format, vendor and path below the template directory. */
enum prov_format prov_tmpl_format(enum prov_tmpl t);
const char *prov_tmpl_path(enum prov_tmpl t);
/* Content-Type of a rendered file of 't'. */
const char *prov_tmpl_content_type(enum prov_tmpl t);

/* What a configuration file says. Strings are NUL-terminated, not NULL. */
struct prov_vars {
    const char *server;       /* SIP server host (name or address) */
    uint16_t port;            /* its port for 'transport' */
    const char *transport;    /* "tls", "tcp" or "udp" */
    const char *user;         /* SIP user (the extension) */
    const char *auth_name;    /* digest username */
    const char *password;     /* SIP password */
    const char *display_name; /* may be "" */
    const char *domain;       /* the tenant's SIP domain */
    const char *realm;        /* digest realm (the domain) */
    uint32_t expires_s;       /* registration expiry asked for */
};

#define PROV_TMPL_MAX (64u * 1024u)  /* bytes of one template */
#define PROV_OUT_MAX  (256u * 1024u) /* bytes of one rendered file */

/*
 * Render 'tmpl': every "{{name}}" is replaced by the escaped value of
 * 'vars' (names: server, port, transport, transport_upper,
 * transport_yealink (0/1/2), transport_polycom (UDPOnly/TCPOnly/TLS), user,
 * auth_name, password, display_name, label (display name, else user),
 * domain, realm, expires_s).
 * Text outside placeholders is copied as is. Appends to 'out'. Returns 0,
 * -EINVAL for an unknown or unterminated placeholder, -ENOSPC when 'out'
 * is full.
 */
int prov_render(struct sv tmpl, enum prov_format fmt,
                const struct prov_vars *vars, struct buf *out);

/* Every vendor's templates, loaded from one directory. */
struct prov_templates {
    char *text[PROV_TMPL_COUNT]; /* owned, NUL-terminated */
    size_t len[PROV_TMPL_COUNT];
};

/*
 * Read every template from 'dir' and check it renders (placeholders
 * known). Returns 0, or -ENOENT / -EACCES / -EFBIG / -EINVAL / -ENOMEM
 * with the file and the reason in 'err' (cap bytes). On failure 't' holds
 * nothing. prov_templates_fini() releases it.
 */
int prov_templates_load(struct prov_templates *t, const char *dir, char *err,
                        size_t err_cap);
void prov_templates_fini(struct prov_templates *t);

#endif
