/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The alert thread: a bounded queue of alerts (a full queue drops and
 * counts; pushing never waits on the network) and one thread sending each
 * alert to the configured channels with libcurl: the webhook (HTTP(S)
 * POST of the JSON body, optionally signed with X-Sipwarden-Signature:
 * sha256=<hex HMAC>) and e-mail over SMTP with STARTTLS required
 * (CURLUSESSL_ALL), the server verified against smtp_ca. Each attempt has
 * a timeout and is retried once; every send is counted per channel and a
 * failure is logged at most once a minute per channel.
 */
#ifndef SW_ALERT_SEND_H
#define SW_ALERT_SEND_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "alert/alert.h"
#include "alert/format.h"

#define ALERT_URL_CAP        512
#define ALERT_SECRET_CAP     256
#define ALERT_QUEUE_DEFAULT  64
#define ALERT_TIMEOUT_MS_DEF 5000
#define ALERT_ERR_CAP        160

struct alert_send_cfg {
    char webhook_url[ALERT_URL_CAP];       /* "" = no webhook */
    char webhook_secret[ALERT_SECRET_CAP]; /* "" = unsigned */
    char smtp_url[ALERT_URL_CAP];          /* smtp://host:port, "" = no mail */
    char smtp_ca[PATH_MAX];                /* CA file, "" = system store */
    char smtp_user[128];                   /* "" = no AUTH */
    char smtp_password[ALERT_SECRET_CAP];
    char mail_from[ALERT_ADDR_CAP];
    char mail_to[1024];  /* comma-separated */
    char host[128];      /* this server's name in alerts */
    uint32_t timeout_ms; /* per attempt, 0: ALERT_TIMEOUT_MS_DEF */
    uint32_t queue_cap;  /* 0: ALERT_QUEUE_DEFAULT */
};

/* One channel's counters. */
struct alert_chan_stats {
    bool is_on;       /* configured */
    uint64_t sent;    /* alerts delivered */
    uint64_t failed;  /* alerts not delivered after the retry */
    uint64_t retries; /* second attempts */
};

struct alert_send_stats {
    uint64_t queued;  /* alerts accepted into the queue */
    uint64_t dropped; /* alerts refused: queue full */
    struct alert_chan_stats webhook;
    struct alert_chan_stats mail;
    /* The last test alert sent (0: none yet) and its outcome per channel:
     * 0 delivered, negative errno failed, 1 channel off. */
    uint64_t test_done_id;
    int test_webhook_rc;
    int test_mail_rc;
    char test_webhook_err[ALERT_ERR_CAP];
    char test_mail_err[ALERT_ERR_CAP];
};

struct alert_sender;

/*
 * Check 'cfg' (URL schemes http(s) for the webhook and smtp(s) for mail,
 * mail_from and mail_to required with smtp_url, addresses as
 * alert_addr_check) without starting anything. Returns 0 or -EINVAL with
 * 'err' saying which key is wrong.
 */
int alert_send_cfg_check(const struct alert_send_cfg *cfg, char *err,
                         size_t err_cap);

/* Does 'cfg' name at least one channel? */
bool alert_send_cfg_any(const struct alert_send_cfg *cfg);

/*
 * Check 'cfg' and start the thread (libcurl is initialised once per
 * process here: call before other threads use libcurl). Returns 0 with
 * *out set, -EINVAL (see alert_send_cfg_check), -ENOMEM or the thread
 * error.
 */
int alert_sender_new(const struct alert_send_cfg *cfg,
                     struct alert_sender **out, char *err, size_t err_cap);

/*
 * Queue a copy of 'a'. Never waits on the network (a short mutex only).
 * Returns 0, or -ENOSPC (queue full: dropped and counted).
 */
int alert_sender_push(struct alert_sender *s, const struct alert *a);

/* A copy of the counters. Any thread. */
void alert_sender_stats_get(struct alert_sender *s,
                            struct alert_send_stats *out);

/*
 * Stop the thread after the alert being sent (at most one attempt's
 * timeout and a retry), drop what is still queued, free. NULL is a no-op.
 */
void alert_sender_free(struct alert_sender *s);

#endif
