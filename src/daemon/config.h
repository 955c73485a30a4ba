/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The startup configuration: the INI file given with -c, or built-in
 * defaults. It holds only what the daemon needs before it can open its
 * database (data directory, listeners, workers, logging, transport limits);
 * everything else lives in the database. Any error is fatal and names the
 * file, the line and the reason.
 */
#ifndef SW_DAEMON_CONFIG_H
#define SW_DAEMON_CONFIG_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SW_CONF_ADDR_LEN 96

/* [firewall] nftables (same values as enum fw_mode). */
enum sw_fw_mode { SW_FW_OFF = 0, SW_FW_AUTO = 1, SW_FW_ON = 2 };

struct sw_config {
    char path[PATH_MAX];     /* the file read, or "" for defaults */
    char data_dir[PATH_MAX]; /* [core] data_dir */
    unsigned workers;        /* [core] workers, 0 = online CPUs */
    int log_level;           /* [core] log_level (enum log_level) */

    char sip_udp[SW_CONF_ADDR_LEN]; /* [sip] udp, "" = disabled */
    char sip_tcp[SW_CONF_ADDR_LEN]; /* [sip] tcp */
    char sip_tls[SW_CONF_ADDR_LEN]; /* [sip] tls */
    char tls_cert[PATH_MAX];        /* [sip] tls_cert, "" = self-signed */
    char tls_key[PATH_MAX];         /* [sip] tls_key */
    /* [sip] tls_sni_dir: <domain>.crt + <domain>.key pairs picked by SNI;
     * "" = <data_dir>/tls/sni */
    char tls_sni_dir[PATH_MAX];
    char tls_client_ca[PATH_MAX]; /* [sip] tls_client_ca, "" = no mTLS */
    /* [sip] wss: SIP over secure WebSocket (RFC 7118), same certificate
     * as [sip] tls; "" = disabled. [sip] wss_origins: allowed Origin
     * values (commas or blanks between), "" = any. */
    char sip_wss[SW_CONF_ADDR_LEN];
    char wss_origins[1024];
    uint32_t nonce_lifetime_s;     /* [sip] nonce_lifetime_s */
    uint32_t udp_rcvbuf_bytes;     /* [sip] udp_rcvbuf */
    uint32_t tcp_idle_timeout_s;   /* [sip] tcp_idle_timeout_s */
    uint32_t tcp_max_conns_per_ip; /* [sip] tcp_max_conns_per_ip */
    uint32_t tcp_max_conns;        /* [sip] tcp_max_conns */
    uint32_t max_transactions;     /* [sip] max_transactions per worker */
    /* [sip] digest_algorithms: offered in this order (enum reg_digest_alg
     * values), e.g. "SHA-256, MD5" */
    int digest_algs[2];
    unsigned n_digest_algs;

    char http_listen[SW_CONF_ADDR_LEN];       /* [http] listen, "" = off */
    char http_plain_listen[SW_CONF_ADDR_LEN]; /* [http] plain_listen */
    char http_portal_dir[PATH_MAX]; /* [http] portal_dir, "" = no portal */
    /* [http] clock_offset_s: the admin plane's clock runs this far ahead
     * of the wall clock (tests of session expiry; 0 in production) */
    uint32_t http_clock_offset_s;

    uint32_t trunk_backoff_min_ms; /* [calls] trunk_retry_min_s, in ms */
    uint32_t trunk_backoff_max_ms; /* [calls] trunk_retry_max_s, in ms */

    int fw_mode;       /* [firewall] nftables: enum sw_fw_mode */
    char fw_table[32]; /* [firewall] table */

    /* Service firewall and temporary SSH (sipwarden firewall / ssh). */
    uint32_t fw_ssh_port;       /* [firewall] ssh_port, 0 = sshd_config's */
    bool fw_temp_ssh;           /* [firewall] temp_ssh */
    uint32_t fw_ssh_min_s;      /* [firewall] ssh_min_s, shortest grant */
    char fw_rate_limits[512];   /* [firewall] rate_limits */
    char fw_rate_sources[1024]; /* [firewall] rate_sources */
    uint32_t fw_rate_burst;     /* [firewall] rate_burst, packets */
    char media_rtp_ports[16];   /* [media] rtp_ports, "LOW-HIGH" */
    uint32_t media_transports;  /* [media] require_encrypted: bit per
                                   enum net_proto, 0 = none */

    /* [provisioning] (api/prov.h): files served over HTTPS on the portal
     * listener; plain_listen adds a plain-HTTP listener for them only. */
    char prov_plain_listen[SW_CONF_ADDR_LEN]; /* plain_listen, "" = off */
    char prov_template_dir[PATH_MAX];         /* template_dir */
    char prov_sip_host[256];      /* sip_host, "" = the Host phones ask */
    uint32_t prov_guess_max;      /* guess_max: misses that ban */
    uint32_t prov_guess_window_s; /* guess_window_s */
    /* [metrics] allow: networks reading /metrics without credentials,
     * comma-separated (api/metrics.h) */
    char metrics_allow[1024];

    /* [alerts] (src/alert): all off by default, no URL = no channel */
    char alert_webhook_url[512];     /* webhook_url, http(s):// */
    char alert_webhook_secret[256];  /* webhook_secret: HMAC key, "" = none */
    char alert_smtp_url[512];        /* smtp_url, smtp://HOST:PORT */
    char alert_smtp_ca[PATH_MAX];    /* smtp_ca: CA file for the server */
    char alert_smtp_user[128];       /* smtp_user, "" = no AUTH */
    char alert_smtp_password[256];   /* smtp_password */
    char alert_mail_from[255];       /* mail_from */
    char alert_mail_to[1024];        /* mail_to, comma-separated */
    char alert_ban_rules[256];       /* ban_rules: "default", "all", names */
    char alert_host[128];            /* host: name in alerts, "" = hostname */
    uint32_t alert_login_fail_spike; /* login_fail_spike per 5 minutes */
    uint32_t alert_min_interval_s;   /* min_interval_s per kind and key */
    uint32_t alert_max_per_hour;     /* max_per_hour, all kinds */
    uint32_t alert_timeout_s;        /* timeout_s per attempt */
};

/* Error from sw_config_load: file, line (0 if none) and reason. */
struct sw_config_err {
    char file[PATH_MAX];
    int line;
    char reason[256];
};

/* Fill 'cfg' with the built-in defaults. */
void sw_config_defaults(struct sw_config *cfg);

/*
 * Load 'path' over the defaults. Unknown sections or keys, bad values and
 * unreadable files are errors. Returns 0, or -EINVAL / -ENOENT with 'err'
 * filled.
 */
int sw_config_load(struct sw_config *cfg, const char *path,
                   struct sw_config_err *err);

/* Same, from a string (tests, fuzzing); 'name' is used in errors. */
int sw_config_load_string(struct sw_config *cfg, const char *text,
                          const char *name, struct sw_config_err *err);

struct fw_svc_cfg;

/*
 * The service firewall's view of 'cfg' (ports of the listeners, RTP
 * range, [firewall] keys; the service table is "<table>_fw"). With
 * [firewall] ssh_port unset, out->ssh_ports_from_sshd asks the caller to
 * read sshd's ports. Returns 0, or -EINVAL when [firewall] table is too
 * long to leave room for the "_fw" suffix.
 */
int sw_config_fw_svc(const struct sw_config *cfg, struct fw_svc_cfg *out);

struct checklist_conf;

/* The audit checklist's view of 'cfg' (listeners, certificate,
 * plain-HTTP provisioning, SSH port, service table). */
void sw_config_checklist(const struct sw_config *cfg,
                         struct checklist_conf *out);

#endif
