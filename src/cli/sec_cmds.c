/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Human output of the shield commands (security, ip, ban, ua, geo, rate):
 * tables and one-line confirmations built from the ops responses. Parsing
 * the command lines stays in cli.c with the other commands.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli/cli_int.h"

enum { LINE_CAP = 512 };

static const char *jstr(const json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s ? s : "";
}

/* A member as text: strings as they are, integers in decimal. */
static const char *jtext(const json_t *o, const char *key, char *buf,
                         size_t cap)
{
    json_t *v = json_object_get(o, key);
    if (json_is_integer(v)) {
        snprintf(buf, cap, "%lld", (long long)json_integer_value(v));
        return buf;
    }
    return jstr(o, key);
}

static void fmt_time(const json_t *o, const char *key, char *dst, size_t cap)
{
    json_t *v = json_object_get(o, key);
    struct tm tm;
    time_t t = (time_t)json_integer_value(v);
    if (!json_is_integer(v) || t <= 0 || !gmtime_r(&t, &tm)
        || strftime(dst, cap, "%Y-%m-%d %H:%M:%S", &tm) == 0) {
        snprintf(dst, cap, "-");
    }
}

/* "prefix" + terminal-safe 's' + newline. */
static void line(FILE *out, const char *prefix, const char *s)
{
    char safe[1024];
    cli_term_safe(s, safe, sizeof(safe), 0);
    fprintf(out, "%s%s\n", prefix, safe);
}

static void print_warning(const json_t *resp, FILE *out)
{
    const char *w = json_string_value(json_object_get(resp, "warning"));
    if (w) {
        line(out, "warning: ", w);
    }
}

/* ---- security ------------------------------------------------------------ */

void cli_print_security_show(const json_t *resp, FILE *out)
{
    static const char *const head[] = { "KEY", "VALUE", "DEFAULT", "RANGE",
                                        "MEANING" };
    struct cli_table t;
    size_t i;
    json_t *v;
    cli_table_init(&t, 5);
    cli_table_add(&t, head);
    json_array_foreach(json_object_get(resp, "keys"), i, v)
    {
        char val[64];
        char def[64];
        const char *value = jtext(v, "value", val, sizeof(val));
        const char *dflt = jtext(v, "default", def, sizeof(def));
        const char *row[] = { jstr(v, "key"), value[0] ? value : "\"\"",
                              dflt[0] ? dflt : "\"\"", jstr(v, "range"),
                              jstr(v, "help") };
        cli_table_add(&t, row);
    }
    cli_table_print(&t, out);
    cli_table_fini(&t);
    print_warning(resp, out);
}

void cli_print_security_set(const json_t *resp, FILE *out)
{
    char msg[LINE_CAP];
    char val[64];
    snprintf(msg, sizeof(msg), "%s = %s", jstr(resp, "key"),
             jtext(resp, "value", val, sizeof(val)));
    line(out, "set ", msg);
}

/* ---- ip ------------------------------------------------------------------ */

void cli_print_ip_add(const json_t *resp, FILE *out)
{
    const json_t *r = json_object_get(resp, "ip_rule");
    char msg[LINE_CAP];
    snprintf(msg, sizeof(msg), "%s %s", jstr(r, "net"),
             strcmp(jstr(r, "action"), "allow") == 0 ? "to the allow list"
                                                     : "to the block list");
    line(out, "added ", msg);
    print_warning(resp, out);
}

void cli_print_ip_list(const json_t *resp, FILE *out)
{
    static const char *const head[] = { "NET", "ACTION", "DESCRIPTION",
                                        "CREATED" };
    json_t *arr = json_object_get(resp, "ip_rules");
    struct cli_table t;
    size_t i;
    json_t *v;
    if (json_array_size(arr) == 0) {
        fputs("no IP rules\n", out);
        return;
    }
    cli_table_init(&t, 4);
    cli_table_add(&t, head);
    json_array_foreach(arr, i, v)
    {
        char created[32];
        fmt_time(v, "created_at", created, sizeof(created));
        const char *row[] = { jstr(v, "net"), jstr(v, "action"),
                              jstr(v, "description"), created };
        cli_table_add(&t, row);
    }
    cli_table_print(&t, out);
    cli_table_fini(&t);
}

void cli_print_ip_rm(const json_t *resp, FILE *out)
{
    char msg[LINE_CAP];
    snprintf(msg, sizeof(msg), "%s from the %s list", jstr(resp, "net"),
             jstr(resp, "action"));
    line(out, "removed ", msg);
}

/* ---- bans ---------------------------------------------------------------- */

void cli_print_ban_list(const json_t *resp, FILE *out)
{
    static const char *const head[] = { "NET",     "REASON", "COUNT", "BANNED",
                                        "EXPIRES", "LEFT",   "SOURCE" };
    json_t *arr = json_object_get(resp, "bans");
    struct cli_table t;
    size_t i;
    json_t *v;
    if (json_array_size(arr) == 0) {
        fputs("no active bans\n", out);
        return;
    }
    cli_table_init(&t, 7);
    cli_table_add(&t, head);
    json_array_foreach(arr, i, v)
    {
        char count[48];
        char banned[32];
        char expires[32];
        char left[32];
        snprintf(
            count, sizeof(count), "%lld/%lld",
            (long long)json_integer_value(json_object_get(v, "count")),
            (long long)json_integer_value(json_object_get(v, "threshold")));
        fmt_time(v, "created_at", banned, sizeof(banned));
        fmt_time(v, "expires_at", expires, sizeof(expires));
        snprintf(
            left, sizeof(left), "%llds",
            (long long)json_integer_value(json_object_get(v, "expires_in")));
        const char *row[] = { jstr(v, "net"),   jstr(v, "reason"), count,
                              banned,           expires,           left,
                              jstr(v, "source") };
        cli_table_add(&t, row);
    }
    cli_table_print(&t, out);
    cli_table_fini(&t);
}

void cli_print_ban_why(const json_t *resp, FILE *out)
{
    static const struct {
        const char *label;
        const char *key;
        int kind; /* 0 text, 1 number, 2 time */
    } fields[] = {
        { "net", "net", 0 },
        { "reason", "reason", 0 },
        { "source", "source", 0 },
        { "threshold", "threshold", 1 },
        { "count", "count", 1 },
        { "window (s)", "window_s", 1 },
        { "first seen", "first_seen", 2 },
        { "last seen", "last_seen", 2 },
        { "banned at", "created_at", 2 },
        { "expires at", "expires_at", 2 },
        { "expires in (s)", "expires_in", 1 },
        { "last method", "method", 0 },
        { "last request URI", "ruri", 0 },
        { "last From user", "from_user", 0 },
        { "last User-Agent", "user_agent", 0 },
    };
    const json_t *b = json_object_get(resp, "ban");
    struct cli_table t;
    cli_table_init(&t, 2);
    for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
        char buf[64];
        const char *val;
        if (fields[i].kind == 2) {
            fmt_time(b, fields[i].key, buf, sizeof(buf));
            val = buf;
        } else {
            val = jtext(b, fields[i].key, buf, sizeof(buf));
        }
        const char *row[] = { fields[i].label, val };
        cli_table_add(&t, row);
    }
    cli_table_print(&t, out);
    cli_table_fini(&t);
}

void cli_print_ban_lift(const json_t *resp, FILE *out)
{
    line(out, "lifted the ban on ", jstr(resp, "net"));
    if (json_is_true(json_object_get(resp, "whitelisted"))) {
        line(out, "added to the allow list: ", jstr(resp, "net"));
    }
}

/* ---- User-Agent patterns ------------------------------------------------- */

/* A two-column list: one text member and when it was added. */
static void print_added_list(const json_t *arr, const char *head0,
                             const char *member, const char *empty, FILE *out)
{
    const char *const head[] = { head0, "ADDED" };
    struct cli_table t;
    size_t i;
    json_t *v;
    if (json_array_size(arr) == 0) {
        fputs(empty, out);
        return;
    }
    cli_table_init(&t, 2);
    cli_table_add(&t, head);
    json_array_foreach(arr, i, v)
    {
        char added[32];
        fmt_time(v, "created_at", added, sizeof(added));
        const char *row[] = { jstr(v, member), added };
        cli_table_add(&t, row);
    }
    cli_table_print(&t, out);
    cli_table_fini(&t);
}

void cli_print_ua_list(const json_t *resp, FILE *out)
{
    print_added_list(json_object_get(resp, "ua_rules"), "PATTERN", "pattern",
                     "no User-Agent patterns\n", out);
}

void cli_print_ua_add(const json_t *resp, FILE *out)
{
    line(out, "added User-Agent pattern ",
         jstr(json_object_get(resp, "ua_rule"), "pattern"));
}

void cli_print_ua_rm(const json_t *resp, FILE *out)
{
    line(out, "removed User-Agent pattern ", jstr(resp, "pattern"));
}

/* ---- countries ----------------------------------------------------------- */

void cli_print_geo_allow(const json_t *resp, FILE *out)
{
    line(out, "allowed country ", jstr(resp, "country"));
}

void cli_print_geo_list(const json_t *resp, FILE *out)
{
    print_added_list(json_object_get(resp, "geo_rules"), "COUNTRY", "country",
                     "no countries listed: every country is allowed\n", out);
}

void cli_print_geo_rm(const json_t *resp, FILE *out)
{
    line(out, "removed country ", jstr(resp, "country"));
}

/* ---- rate rules ---------------------------------------------------------- */

void cli_print_rate_add(const json_t *resp, FILE *out)
{
    const json_t *r = json_object_get(resp, "rate_rule");
    char msg[LINE_CAP];
    snprintf(msg, sizeof(msg), "%s %s %lld per %lld s, burst %lld",
             jstr(r, "net"), jstr(r, "method"),
             (long long)json_integer_value(json_object_get(r, "rate")),
             (long long)json_integer_value(json_object_get(r, "period_s")),
             (long long)json_integer_value(json_object_get(r, "burst")));
    line(out, "added rate rule ", msg);
}

void cli_print_rate_list(const json_t *resp, FILE *out)
{
    static const char *const head[] = { "NET", "METHOD", "RATE", "PERIOD",
                                        "BURST" };
    json_t *arr = json_object_get(resp, "rate_rules");
    struct cli_table t;
    size_t i;
    json_t *v;
    if (json_array_size(arr) == 0) {
        fputs("no rate rules\n", out);
        return;
    }
    cli_table_init(&t, 5);
    cli_table_add(&t, head);
    json_array_foreach(arr, i, v)
    {
        char rate[24];
        char period[24];
        char burst[24];
        const char *row[] = { jstr(v, "net"), jstr(v, "method"),
                              jtext(v, "rate", rate, sizeof(rate)),
                              jtext(v, "period_s", period, sizeof(period)),
                              jtext(v, "burst", burst, sizeof(burst)) };
        cli_table_add(&t, row);
    }
    cli_table_print(&t, out);
    cli_table_fini(&t);
}

void cli_print_rate_rm(const json_t *resp, FILE *out)
{
    char msg[LINE_CAP];
    snprintf(msg, sizeof(msg), "%s %s", jstr(resp, "net"),
             jstr(resp, "method"));
    line(out, "removed rate rule ", msg);
}
