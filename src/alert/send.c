/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The alert thread and its two libcurl channels. The queue is a ring under
 * a mutex held only to copy an alert in or out; the network work happens
 * outside it, on the alert thread alone (one easy handle per attempt, no
 * signals, protocols pinned per channel, no redirects).
 */
#include "alert/send.h"

#include <curl/curl.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "base/log.h"

static const struct log_ctx lc = { "alerts", NULL };

#define FAIL_LOG_EVERY_S 60

struct alert_sender {
    struct alert_send_cfg cfg;
    char to[ALERT_MAIL_TO_MAX][ALERT_ADDR_CAP];
    size_t n_to;
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool is_stopping;
    struct alert *ring; /* queue_cap entries */
    size_t cap;
    size_t head;
    size_t n;
    struct alert_send_stats stats; /* under mu */
    int64_t webhook_logged_at;     /* alert thread only */
    int64_t mail_logged_at;
    uint64_t n_msgid;
};

/* ---- configuration ------------------------------------------------------ */

static bool has_prefix(const char *s, const char *p)
{
    return strncmp(s, p, strlen(p)) == 0;
}

static bool no_ctl(const char *s)
{
    for (; *s; s++) {
        if ((unsigned char)*s < 0x20 || *s == 0x7f) {
            return false;
        }
    }
    return true;
}

bool alert_send_cfg_any(const struct alert_send_cfg *cfg)
{
    return cfg->webhook_url[0] || cfg->smtp_url[0];
}

int alert_send_cfg_check(const struct alert_send_cfg *cfg, char *err,
                         size_t err_cap)
{
    char to[ALERT_MAIL_TO_MAX][ALERT_ADDR_CAP];
    size_t n = 0;
    if (cfg->webhook_url[0]
        && (!no_ctl(cfg->webhook_url)
            || !(has_prefix(cfg->webhook_url, "https://")
                 || has_prefix(cfg->webhook_url, "http://")))) {
        snprintf(err, err_cap,
                 "[alerts] webhook_url must be http:// or "
                 "https://");
        return -EINVAL;
    }
    if (!no_ctl(cfg->webhook_secret) || !no_ctl(cfg->smtp_user)
        || !no_ctl(cfg->smtp_password) || !no_ctl(cfg->smtp_ca)) {
        snprintf(err, err_cap,
                 "[alerts] values must not hold control "
                 "characters");
        return -EINVAL;
    }
    if (!cfg->smtp_url[0]) {
        return 0;
    }
    if (!no_ctl(cfg->smtp_url)
        || !(has_prefix(cfg->smtp_url, "smtp://")
             || has_prefix(cfg->smtp_url, "smtps://"))) {
        snprintf(err, err_cap, "[alerts] smtp_url must be smtp://HOST:PORT");
        return -EINVAL;
    }
    if (alert_addr_check(cfg->mail_from) != 0) {
        snprintf(err, err_cap,
                 "[alerts] mail_from must be one plain address "
                 "(no blanks, CR, LF or brackets)");
        return -EINVAL;
    }
    if (alert_mail_list_parse(cfg->mail_to, to, ALERT_MAIL_TO_MAX, &n) != 0) {
        snprintf(err, err_cap,
                 "[alerts] mail_to must be 1..%d plain addresses separated "
                 "by commas (no blanks inside, CR, LF or brackets)",
                 ALERT_MAIL_TO_MAX);
        return -EINVAL;
    }
    return 0;
}

/* ---- channels ----------------------------------------------------------- */

static int64_t now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return ts.tv_sec;
}

static size_t discard(char *p, size_t sz, size_t n, void *ud)
{
    (void)p;
    (void)ud;
    return sz * n;
}

static void common_opts(struct alert_sender *s, CURL *c)
{
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)s->cfg.timeout_ms);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, (long)s->cfg.timeout_ms);
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
}

/* One webhook attempt. 0, or -EIO with 'err'. */
static int webhook_once(struct alert_sender *s, const char *body,
                        const char *sig, char *err, size_t err_cap)
{
    CURL *c = curl_easy_init();
    struct curl_slist *h = NULL;
    char sig_hdr[sizeof("X-Sipwarden-Signature: sha256=") + ALERT_SIG_HEX_CAP];
    if (!c) {
        snprintf(err, err_cap, "out of memory");
        return -ENOMEM;
    }
    h = curl_slist_append(h, "Content-Type: application/json");
    if (sig[0]) {
        snprintf(sig_hdr, sizeof(sig_hdr), "X-Sipwarden-Signature: sha256=%s",
                 sig);
        h = curl_slist_append(h, sig_hdr);
    }
    h = curl_slist_append(h, "Expect:");
    common_opts(s, c);
    curl_easy_setopt(c, CURLOPT_URL, s->cfg.webhook_url);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_USERAGENT, "sipwarden-alerts/" SW_VERSION);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
    CURLcode cc = curl_easy_perform(c);
    long status = 0;
    int rc = 0;
    if (cc != CURLE_OK) {
        snprintf(err, err_cap, "%s", curl_easy_strerror(cc));
        rc = -EIO;
    } else {
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
        if (status < 200 || status > 299) {
            snprintf(err, err_cap, "HTTP status %ld", status);
            rc = -EIO;
        }
    }
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
    return rc;
}

struct upload {
    const char *p;
    size_t left;
};

static size_t read_mail(char *dst, size_t sz, size_t n, void *ud)
{
    struct upload *u = ud;
    size_t want = sz * n;
    if (want > u->left) {
        want = u->left;
    }
    memcpy(dst, u->p, want);
    u->p += want;
    u->left -= want;
    return want;
}

/* One SMTP attempt with STARTTLS required. 0, or -EIO with 'err'. */
static int mail_once(struct alert_sender *s, const char *msg, size_t len,
                     char *err, size_t err_cap)
{
    CURL *c = curl_easy_init();
    struct curl_slist *rcpt = NULL;
    char from[ALERT_ADDR_CAP + 2];
    if (!c) {
        snprintf(err, err_cap, "out of memory");
        return -ENOMEM;
    }
    snprintf(from, sizeof(from), "<%s>", s->cfg.mail_from);
    for (size_t i = 0; i < s->n_to; i++) {
        char to[ALERT_ADDR_CAP + 2];
        snprintf(to, sizeof(to), "<%s>", s->to[i]);
        rcpt = curl_slist_append(rcpt, to);
    }
    struct upload u = { msg, len };
    common_opts(s, c);
    curl_easy_setopt(c, CURLOPT_URL, s->cfg.smtp_url);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
    /* STARTTLS or nothing: never mail in clear text. */
    curl_easy_setopt(c, CURLOPT_USE_SSL, (long)CURLUSESSL_ALL);
    if (s->cfg.smtp_ca[0]) {
        curl_easy_setopt(c, CURLOPT_CAINFO, s->cfg.smtp_ca);
    }
    if (s->cfg.smtp_user[0]) {
        curl_easy_setopt(c, CURLOPT_USERNAME, s->cfg.smtp_user);
        curl_easy_setopt(c, CURLOPT_PASSWORD, s->cfg.smtp_password);
    }
    curl_easy_setopt(c, CURLOPT_MAIL_FROM, from);
    curl_easy_setopt(c, CURLOPT_MAIL_RCPT, rcpt);
    curl_easy_setopt(c, CURLOPT_READFUNCTION, read_mail);
    curl_easy_setopt(c, CURLOPT_READDATA, &u);
    curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(c, CURLOPT_INFILESIZE, (long)len);
    CURLcode cc = curl_easy_perform(c);
    int rc = 0;
    if (cc != CURLE_OK) {
        snprintf(err, err_cap, "%s", curl_easy_strerror(cc));
        rc = -EIO;
    }
    curl_slist_free_all(rcpt);
    curl_easy_cleanup(c);
    return rc;
}

/* Count, and log a failure at most once a minute per channel. */
static void account(struct alert_sender *s, struct alert_chan_stats *st,
                    int64_t *logged_at, const char *chan, int rc, bool retried,
                    const char *err)
{
    pthread_mutex_lock(&s->mu);
    if (retried) {
        st->retries++;
    }
    if (rc == 0) {
        st->sent++;
    } else {
        st->failed++;
    }
    uint64_t failed = st->failed;
    pthread_mutex_unlock(&s->mu);
    int64_t now = now_s();
    if (rc != 0 && now - *logged_at >= FAIL_LOG_EVERY_S) {
        *logged_at = now;
        log_warn(&lc, "alert by %s not delivered: %s (%llu failed so far)",
                 chan, err, (unsigned long long)failed);
    }
}

static int send_webhook(struct alert_sender *s, const struct alert *a,
                        char *err, size_t err_cap)
{
    char *body = NULL;
    char sig[ALERT_SIG_HEX_CAP] = "";
    int rc = alert_format_json(a, s->cfg.host, &body);
    if (rc == 0 && s->cfg.webhook_secret[0]) {
        rc = alert_format_sign(s->cfg.webhook_secret, body, strlen(body), sig);
    }
    if (rc != 0) {
        snprintf(err, err_cap, "formatting failed");
        free(body);
        return rc;
    }
    bool retried = false;
    rc = webhook_once(s, body, sig, err, err_cap);
    if (rc != 0) {
        retried = true;
        rc = webhook_once(s, body, sig, err, err_cap);
    }
    free(body);
    account(s, &s->stats.webhook, &s->webhook_logged_at, "webhook", rc, retried,
            err);
    return rc;
}

static int send_mail(struct alert_sender *s, const struct alert *a, char *err,
                     size_t err_cap)
{
    unsigned char rnd[8] = { 0 };
    char msgid[96];
    const char *to[ALERT_MAIL_TO_MAX];
    if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd)) {
        /* The counter and the time still make it unique here. */
        memset(rnd, 0, sizeof(rnd));
    }
    snprintf(msgid, sizeof(msgid), "%lld.%llu.%02x%02x%02x%02x%02x%02x%02x%02x",
             (long long)a->at, (unsigned long long)++s->n_msgid, rnd[0], rnd[1],
             rnd[2], rnd[3], rnd[4], rnd[5], rnd[6], rnd[7]);
    for (size_t i = 0; i < s->n_to; i++) {
        to[i] = s->to[i];
    }
    struct alert_mail_hdr h = { .from = s->cfg.mail_from,
                                .to = to,
                                .n_to = s->n_to,
                                .host = s->cfg.host,
                                .msgid = msgid };
    char *msg = NULL;
    size_t len = 0;
    int rc = alert_format_mail(a, &h, &msg, &len);
    if (rc != 0) {
        snprintf(err, err_cap, "formatting failed");
        return rc;
    }
    bool retried = false;
    rc = mail_once(s, msg, len, err, err_cap);
    if (rc != 0) {
        retried = true;
        rc = mail_once(s, msg, len, err, err_cap);
    }
    free(msg);
    account(s, &s->stats.mail, &s->mail_logged_at, "e-mail", rc, retried, err);
    return rc;
}

/* ---- thread ---------------------------------------------------------------
 */

static void *run(void *ud)
{
    struct alert_sender *s = ud;
    struct alert a;
    for (;;) {
        pthread_mutex_lock(&s->mu);
        while (s->n == 0 && !s->is_stopping) {
            pthread_cond_wait(&s->cv, &s->mu);
        }
        if (s->is_stopping) {
            pthread_mutex_unlock(&s->mu);
            break;
        }
        a = s->ring[s->head];
        s->head = (s->head + 1) % s->cap;
        s->n--;
        pthread_mutex_unlock(&s->mu);

        char werr[ALERT_ERR_CAP] = "";
        char merr[ALERT_ERR_CAP] = "";
        int wrc = 1;
        int mrc = 1;
        if (s->cfg.webhook_url[0]) {
            wrc = send_webhook(s, &a, werr, sizeof(werr));
        }
        if (s->cfg.smtp_url[0]) {
            mrc = send_mail(s, &a, merr, sizeof(merr));
        }
        if (a.kind == ALERT_TEST) {
            pthread_mutex_lock(&s->mu);
            s->stats.test_done_id = a.test_id;
            s->stats.test_webhook_rc = wrc;
            s->stats.test_mail_rc = mrc;
            snprintf(s->stats.test_webhook_err,
                     sizeof(s->stats.test_webhook_err), "%s", werr);
            snprintf(s->stats.test_mail_err, sizeof(s->stats.test_mail_err),
                     "%s", merr);
            pthread_mutex_unlock(&s->mu);
        }
    }
    return NULL;
}

/* libcurl once per process, before the first handle. */
static void curl_init_once(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
}

int alert_sender_new(const struct alert_send_cfg *cfg,
                     struct alert_sender **out, char *err, size_t err_cap)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    *out = NULL;
    int rc = alert_send_cfg_check(cfg, err, err_cap);
    if (rc != 0) {
        return rc;
    }
    struct alert_sender *s = calloc(1, sizeof(*s));
    if (!s) {
        return -ENOMEM;
    }
    s->cfg = *cfg;
    if (s->cfg.timeout_ms == 0) {
        s->cfg.timeout_ms = ALERT_TIMEOUT_MS_DEF;
    }
    s->cap = s->cfg.queue_cap ? s->cfg.queue_cap : ALERT_QUEUE_DEFAULT;
    s->ring = calloc(s->cap, sizeof(*s->ring));
    if (!s->ring) {
        free(s);
        return -ENOMEM;
    }
    if (s->cfg.smtp_url[0]) {
        (void)alert_mail_list_parse(s->cfg.mail_to, s->to, ALERT_MAIL_TO_MAX,
                                    &s->n_to);
    }
    s->stats.webhook.is_on = s->cfg.webhook_url[0] != '\0';
    s->stats.mail.is_on = s->cfg.smtp_url[0] != '\0';
    s->webhook_logged_at = s->mail_logged_at = INT64_MIN / 2;
    pthread_once(&once, curl_init_once);
    pthread_mutex_init(&s->mu, NULL);
    pthread_cond_init(&s->cv, NULL);
    rc = pthread_create(&s->thread, NULL, run, s);
    if (rc != 0) {
        snprintf(err, err_cap, "alert thread: %s", strerror(rc));
        pthread_cond_destroy(&s->cv);
        pthread_mutex_destroy(&s->mu);
        free(s->ring);
        free(s);
        return -rc;
    }
    *out = s;
    return 0;
}

int alert_sender_push(struct alert_sender *s, const struct alert *a)
{
    int rc = 0;
    pthread_mutex_lock(&s->mu);
    if (s->n == s->cap || s->is_stopping) {
        s->stats.dropped++;
        rc = -ENOSPC;
    } else {
        s->ring[(s->head + s->n) % s->cap] = *a;
        s->n++;
        s->stats.queued++;
        pthread_cond_signal(&s->cv);
    }
    pthread_mutex_unlock(&s->mu);
    return rc;
}

void alert_sender_stats_get(struct alert_sender *s,
                            struct alert_send_stats *out)
{
    pthread_mutex_lock(&s->mu);
    *out = s->stats;
    pthread_mutex_unlock(&s->mu);
}

void alert_sender_free(struct alert_sender *s)
{
    if (!s) {
        return;
    }
    pthread_mutex_lock(&s->mu);
    s->is_stopping = true;
    pthread_cond_signal(&s->cv);
    pthread_mutex_unlock(&s->mu);
    pthread_join(s->thread, NULL);
    pthread_cond_destroy(&s->cv);
    pthread_mutex_destroy(&s->mu);
    free(s->ring);
    /* The SMTP password and webhook secret do not linger in freed memory. */
    explicit_bzero(&s->cfg, sizeof(s->cfg));
    free(s);
}
