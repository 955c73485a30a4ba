/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Webhook JSON (jansson), its HMAC (OpenSSL) and the RFC 5322 e-mail of an
 * alert. Every value from an event is reduced to printable ASCII before it
 * is written, so neither a header nor a body line can be split by data an
 * attacker put in a SIP header or a user name.
 */
#include "alert/format.h"

#include <errno.h>
#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Printable ASCII copy of 's': controls (CR, LF, tab...) become a blank,
 * other bytes outside 0x20..0x7e become '?'. */
static void clean(const char *s, char *dst, size_t cap)
{
    size_t i = 0;
    for (; s && *s && i + 1 < cap; s++) {
        unsigned char c = (unsigned char)*s;
        dst[i++] = c < 0x20 || c == 0x7f ? ' ' : c > 0x7e ? '?' : (char)c;
    }
    dst[i] = '\0';
}

void alert_format_time(int64_t at, char dst[ALERT_TIME_CAP])
{
    time_t t = (time_t)at;
    struct tm tm;
    if (!gmtime_r(&t, &tm)) {
        snprintf(dst, ALERT_TIME_CAP, "1970-01-01T00:00:00Z");
        return;
    }
    /* strftime: bounded, and the compiler knows it fits. */
    if (strftime(dst, ALERT_TIME_CAP, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0) {
        snprintf(dst, ALERT_TIME_CAP, "1970-01-01T00:00:00Z");
    }
}

/* RFC 5322 §3.3 date-time, always in UTC, locale-free. */
static void mail_date(int64_t at, char *dst, size_t cap)
{
    static const char *const days[] = { "Sun", "Mon", "Tue", "Wed",
                                        "Thu", "Fri", "Sat" };
    static const char *const months[] = { "Jan", "Feb", "Mar", "Apr",
                                          "May", "Jun", "Jul", "Aug",
                                          "Sep", "Oct", "Nov", "Dec" };
    time_t t = (time_t)at;
    struct tm tm;
    if (!gmtime_r(&t, &tm)) {
        memset(&tm, 0, sizeof(tm));
        tm.tm_year = 70;
        tm.tm_mday = 1;
        tm.tm_wday = 4;
    }
    snprintf(dst, cap, "%s, %02d %s %04d %02d:%02d:%02d +0000",
             days[tm.tm_wday % 7], tm.tm_mday, months[tm.tm_mon % 12],
             tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

int alert_addr_check(const char *addr)
{
    size_t n = addr ? strlen(addr) : 0;
    if (n < 3 || n >= ALERT_ADDR_CAP) {
        return -EINVAL;
    }
    const char *at = strchr(addr, '@');
    if (!at || at == addr || at[1] == '\0' || strchr(at + 1, '@')) {
        return -EINVAL;
    }
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)addr[i];
        if (c <= 0x20 || c >= 0x7f || strchr("<>,;\"()\\", c)) {
            return -EINVAL;
        }
    }
    return 0;
}

int alert_mail_list_parse(const char *text, char out[][ALERT_ADDR_CAP],
                          size_t max, size_t *n)
{
    size_t k = 0;
    const char *p = text ? text : "";
    *n = 0;
    while (*p) {
        p += strspn(p, " \t");
        size_t len = strcspn(p, ",");
        size_t end = len;
        while (end > 0 && (p[end - 1] == ' ' || p[end - 1] == '\t')) {
            end--;
        }
        if (end > 0) {
            if (k >= max || end >= ALERT_ADDR_CAP) {
                return -EINVAL;
            }
            memcpy(out[k], p, end);
            out[k][end] = '\0';
            if (alert_addr_check(out[k]) != 0) {
                return -EINVAL;
            }
            k++;
        }
        p += len;
        if (*p == ',') {
            p++;
        }
    }
    if (k == 0) {
        return -EINVAL;
    }
    *n = k;
    return 0;
}

static int put_clean(json_t *o, const char *key, const char *v)
{
    char buf[ALERT_SUMMARY_CAP > ALERT_DVALUE_CAP ? ALERT_SUMMARY_CAP
                                                  : ALERT_DVALUE_CAP];
    clean(v, buf, sizeof(buf));
    return json_object_set_new(o, key, json_string(buf));
}

int alert_format_json(const struct alert *a, const char *host, char **out)
{
    char when[ALERT_TIME_CAP];
    alert_format_time(a->at, when);
    json_t *o = json_object();
    json_t *d = json_object();
    int rc = o && d ? 0 : -1;
    rc |= json_object_set_new(o, "kind", json_string(alert_kind_name(a->kind)));
    rc |= json_object_set_new(o, "severity",
                              json_string(alert_severity_name(a->severity)));
    rc |= json_object_set_new(o, "time", json_string(when));
    rc |= put_clean(o, "host", host ? host : "");
    rc |= put_clean(o, "summary", a->summary);
    for (size_t i = 0; rc == 0 && i < a->n_details; i++) {
        char k[ALERT_DKEY_CAP];
        clean(a->details[i].key, k, sizeof(k));
        rc |= put_clean(d, k, a->details[i].value);
    }
    if (rc == 0) {
        rc = json_object_set(o, "details", d);
    }
    rc |= json_object_set_new(o, "suppressed", json_integer(a->suppressed));
    if (a->kind == ALERT_TEST) {
        rc |= json_object_set_new(o, "test_id",
                                  json_integer((json_int_t)a->test_id));
    }
    json_decref(d);
    *out = rc == 0 ? json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    json_decref(o);
    return *out ? 0 : -ENOMEM;
}

int alert_format_sign(const char *secret, const char *body, size_t len,
                      char hex[ALERT_SIG_HEX_CAP])
{
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int mac_len = 0;
    if (!HMAC(EVP_sha256(), secret, (int)strlen(secret),
              (const unsigned char *)body, len, mac, &mac_len)
        || mac_len != 32) {
        hex[0] = '\0';
        return -EIO;
    }
    for (unsigned i = 0; i < mac_len; i++) {
        snprintf(hex + 2 * i, 3, "%02x", mac[i]);
    }
    return 0;
}

/* ---- e-mail -----------------------------------------------------------------
 */

struct out {
    char *p;
    size_t len;
    size_t cap;
    bool is_bad;
};

__attribute__((format(printf, 2, 3))) static void put(struct out *o,
                                                      const char *fmt, ...)
{
    if (o->is_bad) {
        return;
    }
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(o->p + o->len, o->cap - o->len, fmt, ap);
        va_end(ap);
        if (n < 0) {
            o->is_bad = true;
            return;
        }
        if ((size_t)n < o->cap - o->len) {
            o->len += (size_t)n;
            return;
        }
        size_t cap = o->cap * 2 + (size_t)n;
        char *p = realloc(o->p, cap);
        if (!p) {
            o->is_bad = true;
            return;
        }
        o->p = p;
        o->cap = cap;
    }
}

static bool token_ok(const char *s)
{
    size_t n = s ? strlen(s) : 0;
    return n > 0 && n < 128
           && strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                        "0123456789.-")
                  == n;
}

int alert_format_mail(const struct alert *a, const struct alert_mail_hdr *h,
                      char **out, size_t *len)
{
    *out = NULL;
    *len = 0;
    if (alert_addr_check(h->from) != 0 || h->n_to == 0 || !token_ok(h->msgid)) {
        return -EINVAL;
    }
    for (size_t i = 0; i < h->n_to; i++) {
        if (alert_addr_check(h->to[i]) != 0) {
            return -EINVAL;
        }
    }
    char host[128];
    char summary[ALERT_SUMMARY_CAP];
    char date[64];
    char when[ALERT_TIME_CAP];
    char idhost[128];
    clean(h->host ? h->host : "", host, sizeof(host));
    clean(a->summary, summary, sizeof(summary));
    mail_date(a->at, date, sizeof(date));
    alert_format_time(a->at, when);
    /* Message-ID's right side: the host name when it is a plain name. */
    snprintf(idhost, sizeof(idhost), "%s", token_ok(host) ? host : "sipwarden");

    struct out o = { .cap = 2048 };
    o.p = malloc(o.cap);
    if (!o.p) {
        return -ENOMEM;
    }
    o.p[0] = '\0';
    put(&o, "From: %s\r\n", h->from);
    put(&o, "To: ");
    for (size_t i = 0; i < h->n_to; i++) {
        put(&o, "%s%s", i ? ", " : "", h->to[i]);
    }
    put(&o, "\r\n");
    put(&o, "Subject: [sipwarden %s] %s %s: %s\r\n", host,
        alert_severity_name(a->severity), alert_kind_name(a->kind), summary);
    put(&o, "Date: %s\r\n", date);
    put(&o, "Message-ID: <%s@%s>\r\n", h->msgid, idhost);
    put(&o, "MIME-Version: 1.0\r\n");
    put(&o, "Content-Type: text/plain; charset=us-ascii\r\n");
    put(&o, "Content-Transfer-Encoding: 7bit\r\n");
    put(&o, "X-Sipwarden-Alert: %s\r\n", alert_kind_name(a->kind));
    put(&o, "\r\n");
    put(&o, "%s\r\n\r\n", summary);
    put(&o, "kind: %s\r\n", alert_kind_name(a->kind));
    put(&o, "severity: %s\r\n", alert_severity_name(a->severity));
    put(&o, "time: %s\r\n", when);
    put(&o, "host: %s\r\n", host);
    for (size_t i = 0; i < a->n_details; i++) {
        char k[ALERT_DKEY_CAP];
        char v[ALERT_DVALUE_CAP];
        clean(a->details[i].key, k, sizeof(k));
        clean(a->details[i].value, v, sizeof(v));
        put(&o, "%s: %s\r\n", k, v);
    }
    put(&o, "suppressed: %u\r\n", a->suppressed);
    if (a->suppressed > 0) {
        put(&o,
            "\r\n%u earlier alert(s) of this kind were suppressed by the "
            "rate limit.\r\n",
            a->suppressed);
    }
    if (o.is_bad) {
        free(o.p);
        return -ENOMEM;
    }
    *out = o.p;
    *len = o.len;
    return 0;
}
