/* SPDX-License-Identifier: Apache-2.0 */
/*
 * INI startup configuration (inih). Every key is described once in a table
 * (section, name, kind, where it goes, bounds), so parsing, validation and
 * error messages come from one place.
 */
#include "daemon/config.h"

#include <errno.h>
#include <ini.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "api/metrics.h"
#include "base/log.h"
#include "base/sv.h"
#include "checklist/checklist.h"
#include "fw/render.h"
#include "net/transport.h"
#include "reg/digest.h"

enum key_kind {
    KEY_STR,
    KEY_ADDR,
    KEY_U32,
    KEY_LOGLEVEL,
    KEY_DIGEST,
    KEY_FWMODE,
    KEY_IDENT,
    KEY_MS,     /* seconds in the file, milliseconds in the struct */
    KEY_ONOFF,  /* on / off into a bool */
    KEY_FWTEXT, /* a string fw_svc_key_check() accepts */
    KEY_NETS,   /* comma-separated networks (api_metrics_allow_parse) */
    KEY_PROTOS, /* comma-separated transport names into a bit mask */
};

struct key_desc {
    const char *section;
    const char *name;
    enum key_kind kind;
    size_t off;   /* offset in struct sw_config */
    size_t size;  /* bytes for strings */
    uint32_t min; /* bounds for numbers */
    uint32_t max;
};

#define STR(sec, key, field, kind)                         \
    {                                                      \
        sec, key, kind, offsetof(struct sw_config, field), \
            sizeof(((struct sw_config *)0)->field), 0, 0   \
    }
#define U32(sec, key, field, lo, hi)                                    \
    {                                                                   \
        sec, key, KEY_U32, offsetof(struct sw_config, field), 0, lo, hi \
    }

static const struct key_desc keys[] = {
    STR("core", "data_dir", data_dir, KEY_STR),
    U32("core", "workers", workers, 0, 256),
    { "core", "log_level", KEY_LOGLEVEL, offsetof(struct sw_config, log_level),
      0, 0, 0 },
    STR("sip", "udp", sip_udp, KEY_ADDR),
    STR("sip", "tcp", sip_tcp, KEY_ADDR),
    STR("sip", "tls", sip_tls, KEY_ADDR),
    STR("sip", "tls_cert", tls_cert, KEY_STR),
    STR("sip", "tls_key", tls_key, KEY_STR),
    STR("sip", "tls_sni_dir", tls_sni_dir, KEY_STR),
    STR("sip", "tls_client_ca", tls_client_ca, KEY_STR),
    STR("sip", "wss", sip_wss, KEY_ADDR),
    STR("sip", "wss_origins", wss_origins, KEY_STR),
    U32("sip", "nonce_lifetime_s", nonce_lifetime_s, 10, 3600),
    U32("sip", "udp_rcvbuf", udp_rcvbuf_bytes, 65536, 256u << 20),
    U32("sip", "tcp_idle_timeout_s", tcp_idle_timeout_s, 1, 86400),
    U32("sip", "tcp_max_conns_per_ip", tcp_max_conns_per_ip, 1, 100000),
    U32("sip", "tcp_max_conns", tcp_max_conns, 1, 1000000),
    U32("sip", "max_transactions", max_transactions, 64, 10000000),
    { "sip", "digest_algorithms", KEY_DIGEST, 0, 0, 0, 0 },
    STR("http", "listen", http_listen, KEY_ADDR),
    STR("http", "plain_listen", http_plain_listen, KEY_ADDR),
    STR("http", "portal_dir", http_portal_dir, KEY_STR),
    U32("http", "clock_offset_s", http_clock_offset_s, 0, 315360000),
    /* register trunks: retry after a failure, doubling from min to max */
    { "calls", "trunk_retry_min_s", KEY_MS,
      offsetof(struct sw_config, trunk_backoff_min_ms), 0, 1, 3600 },
    { "calls", "trunk_retry_max_s", KEY_MS,
      offsetof(struct sw_config, trunk_backoff_max_ms), 0, 1, 86400 },
    { "firewall", "nftables", KEY_FWMODE, offsetof(struct sw_config, fw_mode),
      0, 0, 0 },
    STR("firewall", "table", fw_table, KEY_IDENT),
    /* service firewall and temporary SSH (fw/render.h, fw/ssh.h) */
    U32("firewall", "ssh_port", fw_ssh_port, 0, 65535),
    { "firewall", "temp_ssh", KEY_ONOFF,
      offsetof(struct sw_config, fw_temp_ssh), 0, 0, 0 },
    U32("firewall", "ssh_min_s", fw_ssh_min_s, 1, 86400),
    STR("firewall", "rate_limits", fw_rate_limits, KEY_FWTEXT),
    STR("firewall", "rate_sources", fw_rate_sources, KEY_FWTEXT),
    U32("firewall", "rate_burst", fw_rate_burst, 1, 100000),
    STR("media", "rtp_ports", media_rtp_ports, KEY_FWTEXT),
    { "media", "require_encrypted", KEY_PROTOS,
      offsetof(struct sw_config, media_transports), 0, 0, 0 },
    /* phone provisioning (api/prov.h) */
    STR("provisioning", "plain_listen", prov_plain_listen, KEY_ADDR),
    STR("provisioning", "template_dir", prov_template_dir, KEY_STR),
    STR("provisioning", "sip_host", prov_sip_host, KEY_STR),
    U32("provisioning", "guess_max", prov_guess_max, 1, 1000),
    U32("provisioning", "guess_window_s", prov_guess_window_s, 1, 86400),
    STR("metrics", "allow", metrics_allow, KEY_NETS),
    /* alerts by webhook and e-mail (src/alert); checked again at start */
    STR("alerts", "webhook_url", alert_webhook_url, KEY_STR),
    STR("alerts", "webhook_secret", alert_webhook_secret, KEY_STR),
    STR("alerts", "smtp_url", alert_smtp_url, KEY_STR),
    STR("alerts", "smtp_ca", alert_smtp_ca, KEY_STR),
    STR("alerts", "smtp_user", alert_smtp_user, KEY_STR),
    STR("alerts", "smtp_password", alert_smtp_password, KEY_STR),
    STR("alerts", "mail_from", alert_mail_from, KEY_STR),
    STR("alerts", "mail_to", alert_mail_to, KEY_STR),
    STR("alerts", "ban_rules", alert_ban_rules, KEY_STR),
    STR("alerts", "host", alert_host, KEY_STR),
    U32("alerts", "login_fail_spike", alert_login_fail_spike, 1, 1000),
    U32("alerts", "min_interval_s", alert_min_interval_s, 0, 86400),
    U32("alerts", "max_per_hour", alert_max_per_hour, 1, 1000),
    U32("alerts", "timeout_s", alert_timeout_s, 1, 60),
};

void sw_config_defaults(struct sw_config *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    snprintf(cfg->data_dir, sizeof(cfg->data_dir), "./sipwarden-data");
    cfg->log_level = LOG_LVL_INFO;
    snprintf(cfg->sip_udp, sizeof(cfg->sip_udp), "*:5060");
    snprintf(cfg->sip_tcp, sizeof(cfg->sip_tcp), "*:5063");
    snprintf(cfg->sip_tls, sizeof(cfg->sip_tls), "*:5061");
    snprintf(cfg->sip_wss, sizeof(cfg->sip_wss), "*:5065");
    snprintf(cfg->http_listen, sizeof(cfg->http_listen), "*:8887");
    snprintf(cfg->http_portal_dir, sizeof(cfg->http_portal_dir), "%s",
             SW_PORTAL_DIR);
    cfg->nonce_lifetime_s = 300;
    cfg->udp_rcvbuf_bytes = 4u << 20;
    cfg->tcp_idle_timeout_s = 120;
    cfg->tcp_max_conns_per_ip = 32;
    cfg->tcp_max_conns = 10000;
    cfg->max_transactions = 262144;
    /* RFC 8760 §2.4: the preferred algorithm first. */
    cfg->digest_algs[0] = REG_DIGEST_SHA256;
    cfg->digest_algs[1] = REG_DIGEST_MD5;
    cfg->n_digest_algs = 2;
    cfg->trunk_backoff_min_ms = 30000;
    cfg->trunk_backoff_max_ms = 1800000;
    cfg->fw_mode = SW_FW_AUTO;
    snprintf(cfg->fw_table, sizeof(cfg->fw_table), "sipwarden");
    cfg->fw_ssh_min_s = 60;
    cfg->fw_rate_burst = 4;
    /* sipXcom's suggestions; they apply only to [firewall] rate_sources */
    snprintf(cfg->fw_rate_limits, sizeof(cfg->fw_rate_limits),
             "REGISTER 20/minute, INVITE 20/minute, SUBSCRIBE 20/minute, "
             "OPTIONS 10/second, ACK 20/second");
    snprintf(cfg->media_rtp_ports, sizeof(cfg->media_rtp_ports), "10000-20000");
    snprintf(cfg->prov_template_dir, sizeof(cfg->prov_template_dir), "%s",
             SW_PROV_TEMPLATE_DIR);
    cfg->prov_guess_max = 5;
    cfg->prov_guess_window_s = 60;
    snprintf(cfg->metrics_allow, sizeof(cfg->metrics_allow), "%s",
             API_METRICS_ALLOW_DEFAULT);
    snprintf(cfg->alert_ban_rules, sizeof(cfg->alert_ban_rules), "default");
    cfg->alert_login_fail_spike = 10;
    cfg->alert_min_interval_s = 300;
    cfg->alert_max_per_hour = 30;
    cfg->alert_timeout_s = 5;
}

struct load_state {
    struct sw_config *cfg;
    struct sw_config_err *err;
    bool failed;
};

__attribute__((format(printf, 2, 3))) static int fail(struct load_state *st,
                                                      const char *fmt, ...)
{
    if (!st->failed) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(st->err->reason, sizeof(st->err->reason), fmt, ap);
        va_end(ap);
        st->failed = true;
    }
    return 0;
}

/* ADDRESS:PORT with a numeric port 1-65535; '*' or empty host = any. */
static bool addr_ok(const char *v)
{
    const char *colon = strrchr(v, ':');
    uint64_t port;

    if (!colon || colon[1] == '\0') {
        return false;
    }
    if (sv_to_u64(sv_cstr(colon + 1), 65535, &port) != 0 || port == 0) {
        return false;
    }
    if (v[0] == '[') {
        return colon > v && colon[-1] == ']';
    }
    /* an unbracketed IPv6 address has more than one ':' */
    return strchr(v, ':') == colon;
}

/* "SHA-256, MD5": a preference-ordered list without repeats. */
static int set_digest(struct load_state *st, const char *value)
{
    struct sv rest = sv_cstr(value);
    unsigned n = 0;
    int algs[2];

    while (rest.len > 0) {
        ptrdiff_t cut = sv_find_char(rest, ',');
        struct sv tok =
            sv_trim(cut < 0 ? rest : sv_slice(rest, 0, (size_t)cut));
        rest = cut < 0 ? SV_NULL : sv_slice(rest, (size_t)cut + 1, rest.len);
        enum reg_digest_alg alg;
        if (tok.len == 0 && rest.len == 0 && n > 0) {
            break;
        }
        if (reg_digest_alg_parse(tok, &alg) != 0 || tok.len == 0) {
            return fail(st,
                        "digest_algorithms: unknown algorithm '%.*s' "
                        "(use SHA-256 and/or MD5)",
                        SV_FMT(tok));
        }
        if ((n > 0 && algs[0] == (int)alg) || n == 2) {
            return fail(st, "digest_algorithms: '%.*s' listed twice",
                        SV_FMT(tok));
        }
        algs[n++] = (int)alg;
    }
    if (n == 0) {
        return fail(st, "digest_algorithms: at least one of SHA-256, MD5");
    }
    memcpy(st->cfg->digest_algs, algs, sizeof(algs[0]) * n);
    st->cfg->n_digest_algs = n;
    return 1;
}

static int set_key(struct load_state *st, const struct key_desc *k,
                   const char *value)
{
    char *field = (char *)st->cfg + k->off;
    uint64_t n;

    switch (k->kind) {
    case KEY_ADDR:
        if (value[0] != '\0' && !addr_ok(value)) {
            return fail(st, "%s: expected ADDRESS:PORT ([v6]:port), got '%s'",
                        k->name, value);
        }
        /* fallthrough */
    case KEY_STR:
        if (strlen(value) >= k->size) {
            return fail(st, "%s: value too long", k->name);
        }
        memcpy(field, value, strlen(value) + 1);
        return 1;
    case KEY_U32:
    case KEY_MS:
        if (sv_to_u64(sv_cstr(value), k->max, &n) != 0 || n < k->min) {
            char range[64];
            snprintf(range, sizeof(range), "%u..%u", k->min, k->max);
            return fail(st, "%s: expected a whole number in %s", k->name,
                        range);
        }
        *(uint32_t *)(void *)field =
            (uint32_t)(k->kind == KEY_MS ? n * 1000 : n);
        return 1;
    case KEY_DIGEST:
        return set_digest(st, value);
    case KEY_FWMODE:
        if (strcmp(value, "auto") == 0) {
            *(int *)(void *)field = SW_FW_AUTO;
        } else if (strcmp(value, "on") == 0) {
            *(int *)(void *)field = SW_FW_ON;
        } else if (strcmp(value, "off") == 0) {
            *(int *)(void *)field = SW_FW_OFF;
        } else {
            return fail(st, "%s: expected auto, on or off, got '%s'", k->name,
                        value);
        }
        return 1;
    case KEY_IDENT: {
        size_t len = strlen(value);
        bool ok =
            len > 0 && len < k->size
            && ((value[0] >= 'a' && value[0] <= 'z')
                || (value[0] >= 'A' && value[0] <= 'Z') || value[0] == '_');
        for (size_t i = 1; ok && i < len; i++) {
            char ch = value[i];
            ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z')
                 || (ch >= '0' && ch <= '9') || ch == '_';
        }
        if (!ok) {
            return fail(st,
                        "%s: expected a name of letters, digits and '_' "
                        "(1..%zu, not starting with a digit), got '%s'",
                        k->name, k->size - 1, value);
        }
        memcpy(field, value, len + 1);
        return 1;
    }
    case KEY_ONOFF:
        if (strcmp(value, "on") != 0 && strcmp(value, "off") != 0) {
            return fail(st, "%s: expected on or off, got '%s'", k->name, value);
        }
        *(bool *)(void *)field = strcmp(value, "on") == 0;
        return 1;
    case KEY_FWTEXT: {
        char why[FW_WHY_CAP];
        if (strlen(value) >= k->size) {
            return fail(st, "%s: value too long", k->name);
        }
        if (fw_svc_key_check(k->name, value, why, sizeof(why)) != 0) {
            return fail(st, "%s: %s", k->name, why);
        }
        memcpy(field, value, strlen(value) + 1);
        return 1;
    }
    case KEY_NETS: {
        struct sec_net nets[API_METRICS_NETS_MAX];
        size_t n_nets;
        char why[256];
        if (strlen(value) >= k->size) {
            return fail(st, "%s: value too long", k->name);
        }
        if (api_metrics_allow_parse(value, nets, API_METRICS_NETS_MAX, &n_nets,
                                    why, sizeof(why))
            != 0) {
            return fail(st, "%s: %s", k->name, why);
        }
        memcpy(field, value, strlen(value) + 1);
        return 1;
    }
    case KEY_PROTOS: {
        uint32_t mask = 0;
        const char *p = value;
        while (*p != '\0') {
            size_t len = strcspn(p, ", \t");
            bool known = len == 0;
            for (int t = 0; !known && t < NET_PROTO_COUNT; t++) {
                const char *name = net_proto_name((enum net_proto)t);
                if (strlen(name) == len && strncmp(p, name, len) == 0) {
                    mask |= 1u << t;
                    known = true;
                }
            }
            if (!known) {
                return fail(st,
                            "%s: unknown transport '%.*s' (udp, tcp, tls, "
                            "wss)",
                            k->name, (int)len, p);
            }
            p += len;
            p += strspn(p, ", \t");
        }
        *(uint32_t *)(void *)field = mask;
        return 1;
    }
    case KEY_LOGLEVEL: {
        int lvl = log_level_parse(value);
        if (lvl < 0) {
            return fail(st, "%s: expected err, warn, info or debug, got '%s'",
                        k->name, value);
        }
        *(int *)(void *)field = lvl;
        return 1;
    }
    }
    return fail(st, "%s: internal error", k->name);
}

static int on_key(void *user, const char *section, const char *name,
                  const char *value)
{
    struct load_state *st = user;

    if (st->failed) {
        return 1; /* keep the first error only */
    }
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
        if (strcmp(keys[i].section, section) == 0
            && strcmp(keys[i].name, name) == 0) {
            return set_key(st, &keys[i], value);
        }
    }
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
        if (strcmp(keys[i].section, section) == 0) {
            return fail(st, "unknown key '%s' in section [%s]", name, section);
        }
    }
    if (section[0] == '\0') {
        return fail(st, "key '%s' outside any section", name);
    }
    return fail(st, "unknown section [%s]", section);
}

static int finish(struct load_state *st, int rc)
{
    if (rc == -1) {
        snprintf(st->err->reason, sizeof(st->err->reason), "cannot open: %s",
                 strerror(errno));
        return -ENOENT;
    }
    if (rc == -2) {
        snprintf(st->err->reason, sizeof(st->err->reason), "out of memory");
        return -ENOMEM;
    }
    if (rc > 0) {
        st->err->line = rc;
        if (!st->failed) {
            snprintf(st->err->reason, sizeof(st->err->reason),
                     "syntax error (expected [section] or key = value)");
        }
        return -EINVAL;
    }
    if (st->cfg->data_dir[0] == '\0') {
        snprintf(st->err->reason, sizeof(st->err->reason),
                 "data_dir must not be empty");
        return -EINVAL;
    }
    if ((st->cfg->tls_cert[0] == '\0') != (st->cfg->tls_key[0] == '\0')) {
        snprintf(st->err->reason, sizeof(st->err->reason),
                 "tls_cert and tls_key must be set together");
        return -EINVAL;
    }
    return 0;
}

int sw_config_load(struct sw_config *cfg, const char *path,
                   struct sw_config_err *err)
{
    struct load_state st = { cfg, err, false };

    memset(err, 0, sizeof(*err));
    snprintf(err->file, sizeof(err->file), "%s", path);
    snprintf(cfg->path, sizeof(cfg->path), "%s", path);
    return finish(&st, ini_parse(path, on_key, &st));
}

int sw_config_load_string(struct sw_config *cfg, const char *text,
                          const char *name, struct sw_config_err *err)
{
    struct load_state st = { cfg, err, false };

    memset(err, 0, sizeof(*err));
    snprintf(err->file, sizeof(err->file), "%s", name);
    return finish(&st, ini_parse_string(text, on_key, &st));
}

/* ---- the service firewall's view ---------------------------------------- */

/* Provisioning hook: the port of the plain-HTTP provisioning listener,
 * opened by the service firewall; 0 when [provisioning] plain_listen is
 * off (the HTTPS files share the portal's port). */
static uint16_t provisioning_port(const struct sw_config *cfg)
{
    uint16_t port = 0;
    (void)fw_listen_port(cfg->prov_plain_listen, &port);
    return port;
}

int sw_config_fw_svc(const struct sw_config *cfg, struct fw_svc_cfg *out)
{
    fw_svc_cfg_defaults(out);
    snprintf(out->ban_table, sizeof(out->ban_table), "%s", cfg->fw_table);
    if (fw_svc_table_name(cfg->fw_table, out->table, sizeof(out->table)) != 0) {
        return -EINVAL;
    }
    /* The values were checked when the file was read. */
    (void)fw_listen_port(cfg->sip_udp, &out->sip_udp);
    (void)fw_listen_port(cfg->sip_tcp, &out->sip_tcp);
    (void)fw_listen_port(cfg->sip_tls, &out->sip_tls);
    (void)fw_listen_port(cfg->sip_wss, &out->sip_wss);
    (void)fw_listen_port(cfg->http_listen, &out->http);
    (void)fw_listen_port(cfg->http_plain_listen, &out->http_plain);
    out->prov = provisioning_port(cfg);
    (void)fw_port_range_parse(cfg->media_rtp_ports, &out->rtp_lo, &out->rtp_hi);
    if (cfg->fw_ssh_port != 0) {
        out->ssh_ports[0] = (uint16_t)cfg->fw_ssh_port;
        out->n_ssh_ports = 1;
    } else {
        out->ssh_ports_from_sshd = true;
    }
    out->temp_ssh = cfg->fw_temp_ssh;
    out->ssh_min_s = cfg->fw_ssh_min_s;
    out->rate_burst = cfg->fw_rate_burst;
    if (fw_rates_parse(cfg->fw_rate_limits, out->rates, FW_RATE_MAX,
                       &out->n_rates, NULL, 0)
            != 0
        || fw_nets_parse(cfg->fw_rate_sources, out->rate_src, FW_RATE_SRC_MAX,
                         &out->n_rate_src, NULL, 0)
               != 0) {
        return -EINVAL;
    }
    return 0;
}

/* ---- the audit checklist's view ------------------------------------------ */

void sw_config_checklist(const struct sw_config *cfg,
                         struct checklist_conf *out)
{
    memset(out, 0, sizeof(*out));
    snprintf(out->sip_udp, sizeof(out->sip_udp), "%s", cfg->sip_udp);
    snprintf(out->sip_tcp, sizeof(out->sip_tcp), "%s", cfg->sip_tcp);
    snprintf(out->sip_tls, sizeof(out->sip_tls), "%s", cfg->sip_tls);
    snprintf(out->sip_wss, sizeof(out->sip_wss), "%s", cfg->sip_wss);
    snprintf(out->tls_cert, sizeof(out->tls_cert), "%s", cfg->tls_cert);
    snprintf(out->http_listen, sizeof(out->http_listen), "%s",
             cfg->http_listen);
    snprintf(out->http_plain_listen, sizeof(out->http_plain_listen), "%s",
             cfg->http_plain_listen);
    out->prov_known = true;
    snprintf(out->prov_plain, sizeof(out->prov_plain), "%s",
             cfg->prov_plain_listen);
    out->fw_ssh_port = cfg->fw_ssh_port;
    if (fw_svc_table_name(cfg->fw_table, out->fw_svc_table,
                          sizeof(out->fw_svc_table))
        != 0) {
        out->fw_svc_table[0] = '\0';
    }
}
