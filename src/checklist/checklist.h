/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The security checklist behind `sipwarden audit`, GET
 * /api/v1/security-checklist and the portal's checklist page: one table
 * of items, each a function of a context (startup configuration facts,
 * the store, the shield and admin-plane settings, sshd's configuration,
 * the server's own addresses, the time and a firewall probe) giving
 * pass, warn or fail with the evidence and the fix. Reading the settings
 * and probing the kernel are the caller's (ops/checklist.c, the daemon,
 * the CLI), so tests hand in fixtures. Not the admin audit log
 * (admin/audit.c).
 */
#ifndef SW_CHECKLIST_CHECKLIST_H
#define SW_CHECKLIST_CHECKLIST_H

#include <jansson.h>
#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct admin_config;
struct sec_net;
struct sec_settings;
struct store;

/* Listener addresses as the configuration writes them ("*:5060"). */
#define CHECKLIST_ADDR_CAP 96
/* Evidence and fix texts are cut to fit this, "..." marking a cut. */
#define CHECKLIST_TEXT_CAP 1024
/* Days: inactive accounts, certificate expiry warning, log retention. */
#define CHECKLIST_INACTIVE_DAYS  90
#define CHECKLIST_CERT_WARN_DAYS 30
#define CHECKLIST_RETENTION_DAYS 30

enum checklist_status {
    CHECKLIST_PASS = 0,
    CHECKLIST_WARN = 1,
    CHECKLIST_FAIL = 2,
};

/* The startup configuration as the checklist sees it (the daemon's
 * struct sw_config is the daemon's; it fills this). "" = off / unset. */
struct checklist_conf {
    char sip_udp[CHECKLIST_ADDR_CAP]; /* [sip] udp */
    char sip_tcp[CHECKLIST_ADDR_CAP]; /* [sip] tcp */
    char sip_tls[CHECKLIST_ADDR_CAP]; /* [sip] tls */
    char sip_wss[CHECKLIST_ADDR_CAP]; /* [sip] wss (also TLS) */
    char tls_cert[PATH_MAX]; /* [sip] tls_cert; "" = self-signed, made in
                                the data directory */
    char http_listen[CHECKLIST_ADDR_CAP];       /* [http] listen */
    char http_plain_listen[CHECKLIST_ADDR_CAP]; /* [http] plain_listen */
    /* Plain-HTTP provisioning: the hook for the [provisioning] keys.
     * prov_known false: this build's configuration has no such keys. */
    bool prov_known;
    char prov_plain[CHECKLIST_ADDR_CAP]; /* plain-HTTP listener, "" off */
    uint32_t fw_ssh_port;  /* [firewall] ssh_port, 0 = sshd's own */
    char fw_svc_table[32]; /* the service firewall table ("<table>_fw") */
};

/*
 * Is the service firewall table loaded in the kernel? Returns 1 (yes), 0
 * (no: 'why' may say more) or a negative errno when it cannot be known,
 * with the reason in 'why' (cap bytes).
 */
typedef int checklist_fw_probe_fn(void *ud, char *why, size_t cap);

struct checklist_ctx {
    const struct checklist_conf *conf; /* required */
    struct store *st;                  /* required; only read */
    const struct sec_settings *sec;    /* the shield's stored settings */
    const struct admin_config *adm;    /* the admin plane's settings */
    const char *sshd_config;           /* NULL: /etc/ssh/sshd_config */
    const struct sec_net *own;         /* the server's addresses */
    size_t n_own;
    int64_t now;                     /* unix s */
    checklist_fw_probe_fn *fw_probe; /* NULL: firewall state unknown */
    void *fw_ud;
};

struct checklist_item {
    const char *id;    /* stable: "admin.default_password" */
    const char *title; /* one line for people */
};

struct checklist_result {
    const char *id;    /* static, the item's */
    const char *title; /* static, the item's */
    enum checklist_status status;
    char evidence[CHECKLIST_TEXT_CAP]; /* what was seen, naming offenders */
    char fix[CHECKLIST_TEXT_CAP];      /* what to do; "" on pass */
};

/* Number of items, and item 'i' (< checklist_count(); NULL past it). */
size_t checklist_count(void);
const struct checklist_item *checklist_item(size_t i);

/* "pass", "warn", "fail". */
const char *checklist_status_name(enum checklist_status s);

/*
 * Run item 'i' against 'ctx' into *out. A store read that fails makes
 * the item warn, saying so in the evidence. Returns 0, or -EINVAL for a
 * bad 'i' or a context without conf, store, sec or adm.
 */
int checklist_item_run(const struct checklist_ctx *ctx, size_t i,
                       struct checklist_result *out);

/*
 * Every item as JSON: {items: [{id, title, status, evidence, fix}],
 * summary: {pass, warn, fail}}. *n_fail (may be NULL) gets the number of
 * failing items. Returns a new object, or NULL on -ENOMEM or a bad
 * context.
 */
json_t *checklist_run_json(const struct checklist_ctx *ctx, size_t *n_fail);

#endif
