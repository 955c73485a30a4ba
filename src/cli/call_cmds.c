/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The calls commands (groups, country profile, number lists, office hours,
 * a tenant's password policy, trunks, inbound and outbound rules, limits,
 * fraud, suspensions, CDRs) and the security event log's listing: one
 * table maps each command line to its ops request (positional arguments
 * and --options to members) and to its human output. Transport and JSON
 * output are cli.c's (cli_run_request).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli_int.h"

enum { EXIT_USAGE = 2, EXIT_FAIL = 1, SECRET_LINE_MAX = 1024 };

enum arg_kind {
    ARG_STR,    /* string member */
    ARG_NUM,    /* integer member when decimal, else the text */
    ARG_FLAG,   /* option without value: member true */
    ARG_SECRET, /* string; "-" reads the first line of standard input */
    ARG_REST,   /* positional: this and every later argument, as an array */
};

struct arg {
    const char *name;   /* option "--min-len"; positionals: for messages */
    const char *member; /* request member */
    enum arg_kind kind;
};

/* One column of a list table: header, member, how to show it. */
struct col {
    const char *head;
    const char *key;
    char kind; /* 's' text / number / list, 't' unix ms, 'T' unix s */
};

struct call_cmd {
    const char *word;
    const char *sub; /* one or two words ("member add") */
    const char *op;
    struct arg pos[6]; /* positionals in order; name NULL ends */
    int min_pos;
    struct arg opts[14]; /* name NULL ends */
    const char *synopsis;
    /* Output: a table of 'list' rows, else "done" + the value at
     * obj.key (obj NULL: top-level key). */
    const char *list;
    const struct col *cols;
    const char *empty;
    const char *done;
    const char *obj;
    const char *key;
};

#define P(m)            \
    {                   \
#m, #m, ARG_STR \
    }
#define PN(m)           \
    {                   \
#m, #m, ARG_NUM \
    }
#define O(n, m)       \
    {                 \
        n, m, ARG_STR \
    }
#define ON(n, m)      \
    {                 \
        n, m, ARG_NUM \
    }
#define OF(n, m)       \
    {                  \
        n, m, ARG_FLAG \
    }
#define DESCR O("--descr", "description")
#define END                 \
    {                       \
        NULL, NULL, ARG_STR \
    }

static const struct col group_cols[] = { { "NAME", "name", 's' },
                                         { "MEMBERS", "members", 's' },
                                         { NULL, NULL, 0 } };
static const struct col country_cols[] = {
    { "COUNTRY CODE", "country_code", 's' },
    { "DESCRIPTION", "description", 's' },
    { "ADDED", "created_at", 'T' },
    { NULL, NULL, 0 }
};
static const struct col prefix_cols[] = { { "PREFIX", "prefix", 's' },
                                          { "DESCRIPTION", "description", 's' },
                                          { "ADDED", "created_at", 'T' },
                                          { NULL, NULL, 0 } };
static const struct col number_cols[] = { { "NUMBER", "number", 's' },
                                          { "DESCRIPTION", "description", 's' },
                                          { "ADDED", "created_at", 'T' },
                                          { NULL, NULL, 0 } };
static const struct col holiday_cols[] = { { "DATE", "date", 's' },
                                           { "DESCRIPTION", "description",
                                             's' },
                                           { NULL, NULL, 0 } };
static const struct col hours_cols[] = { { "DAY", "day", 's' },
                                         { "START", "start", 's' },
                                         { "END", "end", 's' },
                                         { NULL, NULL, 0 } };
static const struct col trunk_cols[] = { { "NAME", "name", 's' },
                                         { "KIND", "kind", 's' },
                                         { "HOST", "host", 's' },
                                         { "PORT", "port", 's' },
                                         { "TRANSPORT", "transport", 's' },
                                         { "USER", "username", 's' },
                                         { "PASSWORD", "has_password", 's' },
                                         { "NETWORKS", "networks", 's' },
                                         { "MAX CALLS", "max_calls", 's' },
                                         { NULL, NULL, 0 } };
static const struct col inbound_cols[] = { { "ID", "id", 's' },
                                           { "DID", "did", 's' },
                                           { "EXT", "ext", 's' },
                                           { "TRUNK", "trunk", 's' },
                                           { NULL, NULL, 0 } };
static const struct col outbound_cols[] = {
    { "POS", "position", 's' },  { "NAME", "name", 's' },
    { "PREFIX", "prefix", 's' }, { "MIN", "min_len", 's' },
    { "MAX", "max_len", 's' },   { "ROLES", "roles", 's' },
    { "GROUPS", "groups", 's' }, { "HOURS", "office_hours_only", 's' },
    { "STRIP", "strip", 's' },   { "PREPEND", "prepend", 's' },
    { "TRUNKS", "trunks", 's' }, { NULL, NULL, 0 }
};
static const struct col limit_cols[] = {
    { "ID", "id", 's' },           { "SCOPE", "scope", 's' },
    { "TARGET", "target", 's' },   { "CALLS", "calls", 's' },
    { "PERIOD", "period_s", 's' }, { "CONCURRENT", "max_concurrent", 's' },
    { "WINDOW", "window", 's' },   { NULL, NULL, 0 }
};
static const struct col fraud_cols[] = { { "ID", "id", 's' },
                                         { "EXT", "ext", 's' },
                                         { "METRIC", "metric", 's' },
                                         { "WINDOW", "window_s", 's' },
                                         { "WARNING", "warning", 's' },
                                         { "CRITICAL", "critical", 's' },
                                         { NULL, NULL, 0 } };
static const struct col susp_cols[] = { { "USER", "user", 's' },
                                        { "SINCE", "since", 'T' },
                                        { "REASON", "reason", 's' },
                                        { "LIFTED", "lifted_at", 'T' },
                                        { NULL, NULL, 0 } };
static const struct col cdr_cols[] = { { "START", "start_ms", 't' },
                                       { "CALLER", "caller", 's' },
                                       { "CALLEE", "callee", 's' },
                                       { "CLASS", "class", 's' },
                                       { "CC", "country_code", 's' },
                                       { "RULE", "rule", 's' },
                                       { "TRUNK", "trunk", 's' },
                                       { "RESULT", "result", 's' },
                                       { "STATUS", "status", 's' },
                                       { "REASON", "reason", 's' },
                                       { NULL, NULL, 0 } };
static const struct col event_cols[] = {
    { "TIME", "at", 'T' },         { "KIND", "kind", 's' },
    { "ADDRESS", "address", 's' }, { "CC", "country", 's' },
    { "DETAIL", "detail", 's' },   { NULL, NULL, 0 }
};

#define TRUNK_OPTS                                                       \
    O("--kind", "kind"), O("--host", "host"), ON("--port", "port"),      \
        O("--transport", "transport"), O("--username", "username"),      \
        { "--password", "password", ARG_SECRET }, O("--realm", "realm"), \
        ON("--expires", "expires_s"), O("--networks", "networks"),       \
        ON("--max-calls", "max_calls"), O("--tls-cert-fp", "tls_cert_fp")

static const struct call_cmd cmds[] = {
    { "group",
      "add",
      "group.add",
      { P(domain), P(name), END },
      2,
      { END },
      "group add DOMAIN NAME",
      NULL,
      NULL,
      NULL,
      "added group",
      "group",
      "name" },
    { "group",
      "list",
      "group.list",
      { P(domain), END },
      1,
      { END },
      "group list DOMAIN",
      "groups",
      group_cols,
      "no groups\n",
      NULL,
      NULL,
      NULL },
    { "group",
      "rm",
      "group.rm",
      { P(domain), P(name), END },
      2,
      { END },
      "group rm DOMAIN NAME",
      NULL,
      NULL,
      NULL,
      "removed group",
      NULL,
      "name" },
    { "group",
      "member add",
      "group.member.add",
      { P(domain), P(name), P(ext), END },
      3,
      { END },
      "group member add DOMAIN GROUP EXT",
      NULL,
      NULL,
      NULL,
      "members now:",
      "group",
      "members" },
    { "group",
      "member rm",
      "group.member.rm",
      { P(domain), P(name), P(ext), END },
      3,
      { END },
      "group member rm DOMAIN GROUP EXT",
      NULL,
      NULL,
      NULL,
      "members now:",
      "group",
      "members" },
    { "tenant",
      "policy show",
      "tenant.policy.show",
      { P(domain), END },
      1,
      { END },
      "tenant policy show DOMAIN",
      NULL,
      NULL,
      NULL,
      NULL,
      "policy",
      NULL },
    { "tenant",
      "policy",
      "tenant.policy.set",
      { P(domain), END },
      1,
      { ON("--min-len", "pw_min_len"), ON("--classes", "pw_classes"),
        ON("--expiry-days", "pw_expiry_days"), ON("--history", "pw_history"),
        END },
      "tenant policy DOMAIN [--min-len 8..20] [--classes 1..4] "
      "[--expiry-days 30..365] [--history 0..24]",
      NULL,
      NULL,
      NULL,
      NULL,
      "policy",
      NULL },
    { "tenant",
      "media show",
      "tenant.media.show",
      { P(domain), END },
      1,
      { END },
      "tenant media show DOMAIN",
      NULL,
      NULL,
      NULL,
      NULL,
      "media_policy",
      NULL },
    { "tenant",
      "media",
      "tenant.media.set",
      { P(domain), P(media_policy), END },
      2,
      { END },
      "tenant media DOMAIN optional|secure|always",
      NULL,
      NULL,
      NULL,
      NULL,
      "media_policy",
      NULL },
    { "tenant",
      "profile set",
      "tenant.profile.set",
      { P(domain), END },
      1,
      { O("--country-code", "country_code"),
        O("--national-prefix", "national_prefix"),
        O("--international-prefix", "international_prefix"),
        O("--time-zone", "time_zone"), END },
      "tenant profile set DOMAIN [--country-code CC] [--national-prefix P] "
      "[--international-prefix P] [--time-zone TZ]",
      NULL,
      NULL,
      NULL,
      "profile saved, time zone",
      "profile",
      "time_zone" },
    { "tenant",
      "profile show",
      "tenant.profile.show",
      { P(domain), END },
      1,
      { END },
      "tenant profile show DOMAIN",
      NULL,
      NULL,
      NULL,
      NULL,
      "profile",
      NULL },
    { "country",
      "allow",
      "country.allow",
      { P(domain), { "CC", "country_code", ARG_STR }, END },
      2,
      { DESCR, END },
      "country allow DOMAIN CC [--descr TEXT]",
      NULL,
      NULL,
      NULL,
      "allowed country code",
      "entry",
      "country_code" },
    { "country",
      "list",
      "country.list",
      { P(domain), END },
      1,
      { END },
      "country list DOMAIN",
      "countries",
      country_cols,
      "no country codes allowed: international calls go nowhere\n",
      NULL,
      NULL,
      NULL },
    { "country",
      "rm",
      "country.rm",
      { P(domain), { "CC", "country_code", ARG_STR }, END },
      2,
      { END },
      "country rm DOMAIN CC",
      NULL,
      NULL,
      NULL,
      "removed country code",
      NULL,
      "country_code" },
    { "prefix",
      "block",
      "prefix.block",
      { P(domain), P(prefix), END },
      2,
      { DESCR, END },
      "prefix block DOMAIN PREFIX [--descr TEXT]",
      NULL,
      NULL,
      NULL,
      "blocked prefix",
      "entry",
      "prefix" },
    { "prefix",
      "list",
      "prefix.list",
      { P(domain), END },
      1,
      { END },
      "prefix list DOMAIN",
      "prefixes",
      prefix_cols,
      "no disallowed prefixes\n",
      NULL,
      NULL,
      NULL },
    { "prefix",
      "rm",
      "prefix.rm",
      { P(domain), P(prefix), END },
      2,
      { END },
      "prefix rm DOMAIN PREFIX",
      NULL,
      NULL,
      NULL,
      "removed prefix",
      NULL,
      "prefix" },
    { "emergency",
      "add",
      "emergency.add",
      { P(domain), P(number), END },
      2,
      { DESCR, END },
      "emergency add DOMAIN NUMBER [--descr TEXT]",
      NULL,
      NULL,
      NULL,
      "added emergency number",
      "entry",
      "number" },
    { "emergency",
      "list",
      "emergency.list",
      { P(domain), END },
      1,
      { END },
      "emergency list DOMAIN",
      "numbers",
      number_cols,
      "no emergency numbers\n",
      NULL,
      NULL,
      NULL },
    { "emergency",
      "rm",
      "emergency.rm",
      { P(domain), P(number), END },
      2,
      { END },
      "emergency rm DOMAIN NUMBER",
      NULL,
      NULL,
      NULL,
      "removed emergency number",
      NULL,
      "number" },
    { "hours",
      "set",
      "hours.set",
      { P(domain), P(day), { "ranges", "ranges", ARG_REST }, END },
      3,
      { END },
      "hours set DOMAIN DAY HH:MM-HH:MM...",
      "hours",
      hours_cols,
      "",
      NULL,
      NULL,
      NULL },
    { "hours",
      "list",
      "hours.list",
      { P(domain), END },
      1,
      { END },
      "hours list DOMAIN",
      "hours",
      hours_cols,
      "no office hours: rules limited to office hours never apply\n",
      NULL,
      NULL,
      NULL },
    { "hours",
      "rm",
      "hours.rm",
      { P(domain), P(day), END },
      2,
      { END },
      "hours rm DOMAIN DAY",
      NULL,
      NULL,
      NULL,
      "closed",
      NULL,
      "day" },
    { "holiday",
      "add",
      "holiday.add",
      { P(domain), P(date), END },
      2,
      { DESCR, END },
      "holiday add DOMAIN YYYY-MM-DD [--descr TEXT]",
      NULL,
      NULL,
      NULL,
      "added holiday",
      "entry",
      "date" },
    { "holiday",
      "list",
      "holiday.list",
      { P(domain), END },
      1,
      { END },
      "holiday list DOMAIN",
      "holidays",
      holiday_cols,
      "no holidays\n",
      NULL,
      NULL,
      NULL },
    { "holiday",
      "rm",
      "holiday.rm",
      { P(domain), P(date), END },
      2,
      { END },
      "holiday rm DOMAIN YYYY-MM-DD",
      NULL,
      NULL,
      NULL,
      "removed holiday",
      NULL,
      "date" },
    { "trunk",
      "add",
      "trunk.add",
      { P(name), END },
      1,
      { TRUNK_OPTS, END },
      "trunk add NAME --kind register|ip|accept_register [--host H] "
      "[--port N] [--transport udp] [--username U] [--password PW|-] "
      "[--realm R] [--expires S] [--networks CIDR,...] [--max-calls N] "
      "[--tls-cert-fp SHA256]",
      NULL,
      NULL,
      NULL,
      "added trunk",
      "trunk",
      "name" },
    { "trunk",
      "set",
      "trunk.set",
      { P(name), END },
      1,
      { TRUNK_OPTS, O("--new-name", "new_name"), END },
      "trunk set NAME [--new-name N] [trunk add options]",
      NULL,
      NULL,
      NULL,
      "updated trunk",
      "trunk",
      "name" },
    { "trunk",
      "list",
      "trunk.list",
      { END },
      0,
      { END },
      "trunk list",
      "trunks",
      trunk_cols,
      "no trunks\n",
      NULL,
      NULL,
      NULL },
    { "trunk",
      "rm",
      "trunk.rm",
      { P(name), END },
      1,
      { END },
      "trunk rm NAME",
      NULL,
      NULL,
      NULL,
      "removed trunk",
      NULL,
      "name" },
    { "trunk",
      "limit set",
      "trunk.limit.set",
      { P(trunk), P(domain), PN(max_calls), END },
      3,
      { END },
      "trunk limit set TRUNK DOMAIN MAX_CALLS",
      NULL,
      NULL,
      NULL,
      "saved the tenant limits of trunk",
      "trunk",
      "name" },
    { "inbound",
      "add",
      "inbound.add",
      { P(domain), P(did), P(ext), END },
      3,
      { O("--trunk", "trunk"), END },
      "inbound add DOMAIN DID EXT [--trunk NAME]",
      NULL,
      NULL,
      NULL,
      "added inbound rule",
      "inbound_rule",
      "id" },
    { "inbound",
      "list",
      "inbound.list",
      { P(domain), END },
      1,
      { END },
      "inbound list DOMAIN",
      "inbound_rules",
      inbound_cols,
      "no inbound rules\n",
      NULL,
      NULL,
      NULL },
    { "inbound",
      "rm",
      "inbound.rm",
      { P(domain), PN(id), END },
      2,
      { END },
      "inbound rm DOMAIN ID",
      NULL,
      NULL,
      NULL,
      "removed inbound rule",
      NULL,
      "id" },
    { "outbound",
      "add",
      "outbound.add",
      { P(domain), P(name), END },
      2,
      { O("--trunks", "trunks"), ON("--position", "position"),
        O("--prefix", "prefix"), ON("--min-len", "min_len"),
        ON("--max-len", "max_len"), O("--roles", "roles"),
        O("--groups", "groups"), OF("--office-hours", "office_hours_only"),
        ON("--strip", "strip"), O("--prepend", "prepend"), END },
      "outbound add DOMAIN NAME --trunks T1,T2 [--position N] [--prefix P] "
      "[--min-len N] [--max-len N] [--roles R,...] [--groups G,...] "
      "[--office-hours] [--strip N] [--prepend DIGITS]",
      NULL,
      NULL,
      NULL,
      "added outbound rule",
      "outbound_rule",
      "name" },
    { "outbound",
      "list",
      "outbound.list",
      { P(domain), END },
      1,
      { END },
      "outbound list DOMAIN",
      "outbound_rules",
      outbound_cols,
      "no outbound rules: nothing leaves this tenant\n",
      NULL,
      NULL,
      NULL },
    { "outbound",
      "rm",
      "outbound.rm",
      { P(domain), P(name), END },
      2,
      { END },
      "outbound rm DOMAIN NAME",
      NULL,
      NULL,
      NULL,
      "removed outbound rule",
      NULL,
      "name" },
    { "outbound",
      "move",
      "outbound.move",
      { P(domain), P(name), PN(position), END },
      3,
      { END },
      "outbound move DOMAIN NAME POSITION",
      NULL,
      NULL,
      NULL,
      "outbound rule now at position",
      "outbound_rule",
      "position" },
    { "limit",
      "set",
      "limit.set",
      { P(domain), END },
      1,
      { O("--ext", "ext"), O("--group", "group"), ON("--calls", "calls"),
        ON("--period", "period_s"), ON("--max-concurrent", "max_concurrent"),
        O("--window", "window"), END },
      "limit set DOMAIN [--ext EXT | --group G] [--calls N --period S] "
      "[--max-concurrent N] [--window HH:MM-HH:MM]",
      NULL,
      NULL,
      NULL,
      "saved limit",
      "limit",
      "id" },
    { "limit",
      "list",
      "limit.list",
      { P(domain), END },
      1,
      { END },
      "limit list DOMAIN",
      "limits",
      limit_cols,
      "no limits stored: the default of 5 calls per second applies\n",
      NULL,
      NULL,
      NULL },
    { "limit",
      "rm",
      "limit.rm",
      { P(domain), PN(id), END },
      2,
      { END },
      "limit rm DOMAIN ID",
      NULL,
      NULL,
      NULL,
      "removed limit",
      NULL,
      "id" },
    { "fraud",
      "set",
      "fraud.set",
      { P(domain), P(metric), PN(window_s), PN(warning), PN(critical), END },
      5,
      { O("--ext", "ext"), END },
      "fraud set DOMAIN international|destinations|after_hours WINDOW_S "
      "WARNING CRITICAL [--ext EXT]",
      NULL,
      NULL,
      NULL,
      "saved fraud rule",
      "fraud_rule",
      "id" },
    { "fraud",
      "list",
      "fraud.list",
      { P(domain), END },
      1,
      { END },
      "fraud list DOMAIN",
      "fraud_rules",
      fraud_cols,
      "no fraud rules\n",
      NULL,
      NULL,
      NULL },
    { "fraud",
      "rm",
      "fraud.rm",
      { P(domain), PN(id), END },
      2,
      { END },
      "fraud rm DOMAIN ID",
      NULL,
      NULL,
      NULL,
      "removed fraud rule",
      NULL,
      "id" },
    { "suspend",
      "list",
      "suspend.list",
      { P(domain), END },
      0,
      { OF("--all", "all"), END },
      "suspend list [DOMAIN] [--all]",
      "suspensions",
      susp_cols,
      "no suspended extensions\n",
      NULL,
      NULL,
      NULL },
    { "suspend",
      "lift",
      "suspend.lift",
      { P(user), END },
      1,
      { END },
      "suspend lift EXT@DOMAIN",
      NULL,
      NULL,
      NULL,
      "lifted the suspension of",
      NULL,
      "user" },
    { "cdr",
      "list",
      "cdr.list",
      { P(domain), END },
      0,
      { O("--user", "user"), ON("--from", "from"), ON("--to", "to"),
        O("--result", "result"), ON("--limit", "limit"),
        ON("--offset", "offset"), END },
      "cdr list [DOMAIN] [--user EXT] [--from UNIX_S] [--to UNIX_S] "
      "[--result answered|refused|failed|cancelled] [--limit N] [--offset N]",
      "cdrs",
      cdr_cols,
      "no call records\n",
      NULL,
      NULL,
      NULL },
    { "events",
      "list",
      "event.list",
      { END },
      0,
      { O("--kind", "kind"), O("--address", "address"), ON("--since", "since"),
        ON("--limit", "limit"), ON("--offset", "offset"), END },
      "events list [--kind K] [--address A] [--since UNIX_S] [--limit N] "
      "[--offset N]",
      "events",
      event_cols,
      "no security events\n",
      NULL,
      NULL,
      NULL },
};

#define N_CMDS (sizeof(cmds) / sizeof(cmds[0]))

/* ------------------------------------------------------------------ */
/* Output                                                               */
/* ------------------------------------------------------------------ */

static void fmt_time(int64_t t, char *dst, size_t cap)
{
    struct tm tm;
    time_t tt = (time_t)t;
    if (t <= 0 || !gmtime_r(&tt, &tm)
        || strftime(dst, cap, "%Y-%m-%d %H:%M:%S", &tm) == 0) {
        snprintf(dst, cap, "-");
    }
}

/* A JSON value as one cell of text. */
static void cell(const json_t *v, char kind, char *dst, size_t cap)
{
    dst[0] = '\0';
    if (json_is_integer(v) && (kind == 't' || kind == 'T')) {
        int64_t t = (int64_t)json_integer_value(v);
        fmt_time(kind == 't' ? t / 1000 : t, dst, cap);
    } else if (json_is_integer(v)) {
        snprintf(dst, cap, "%lld", (long long)json_integer_value(v));
    } else if (json_is_string(v)) {
        snprintf(dst, cap, "%s", json_string_value(v));
    } else if (json_is_boolean(v)) {
        snprintf(dst, cap, "%s", json_is_true(v) ? "yes" : "no");
    } else if (json_is_array(v)) {
        size_t i;
        size_t off = 0;
        json_t *e;
        json_array_foreach(v, i, e)
        {
            int n = snprintf(dst + off, cap - off, "%s%s", i ? "," : "",
                             json_is_string(e) ? json_string_value(e) : "?");
            if (n < 0 || (size_t)n >= cap - off) {
                break;
            }
            off += (size_t)n;
        }
    } else if (json_is_object(v)) {
        /* A window {start, end}. */
        snprintf(dst, cap, "%s-%s",
                 json_string_value(json_object_get(v, "start")),
                 json_string_value(json_object_get(v, "end")));
    }
}

static void print_table(const struct call_cmd *c, const json_t *resp, FILE *out)
{
    const json_t *arr = json_object_get(resp, c->list);
    struct cli_table t;
    const char *head[16];
    size_t n_cols = 0;
    size_t i;
    json_t *v;
    if (json_array_size(arr) == 0) {
        fputs(c->empty, out);
        return;
    }
    while (c->cols[n_cols].head && n_cols < 16) {
        head[n_cols] = c->cols[n_cols].head;
        n_cols++;
    }
    cli_table_init(&t, n_cols);
    cli_table_add(&t, head);
    json_array_foreach(arr, i, v)
    {
        char cells[16][256];
        const char *row[16];
        for (size_t k = 0; k < n_cols; k++) {
            cell(json_object_get(v, c->cols[k].key), c->cols[k].kind, cells[k],
                 sizeof(cells[k]));
            row[k] = cells[k];
        }
        cli_table_add(&t, row);
    }
    cli_table_print(&t, out);
    cli_table_fini(&t);
    if (strcmp(c->op, "cdr.list") == 0 || strcmp(c->op, "event.list") == 0) {
        fprintf(out, "%zu of %lld %s (offset %lld)\n", json_array_size(arr),
                (long long)json_integer_value(json_object_get(resp, "total")),
                strcmp(c->op, "cdr.list") == 0 ? "records" : "events",
                (long long)json_integer_value(json_object_get(resp, "offset")));
    }
}

/* An object as a two-column table of its members. */
static void print_object(const json_t *o, FILE *out)
{
    struct cli_table t;
    const char *key;
    json_t *v;
    cli_table_init(&t, 2);
    json_object_foreach((json_t *)(uintptr_t)o, key, v)
    {
        char val[256];
        cell(v, strstr(key, "_at") ? 'T' : 's', val, sizeof(val));
        const char *row[] = { key, val };
        cli_table_add(&t, row);
    }
    cli_table_print(&t, out);
    cli_table_fini(&t);
}

static void print_resp(const struct call_cmd *c, const json_t *resp, FILE *out)
{
    if (c->list) {
        print_table(c, resp, out);
        return;
    }
    const json_t *o = c->obj ? json_object_get(resp, c->obj) : resp;
    if (!c->done) {
        print_object(o, out);
        return;
    }
    char val[512];
    char safe[600];
    cell(json_object_get(o, c->key), 's', val, sizeof(val));
    cli_term_safe(val, safe, sizeof(safe), 0);
    fprintf(out, "%s %s\n", c->done, safe);
}

/* ------------------------------------------------------------------ */
/* Requests                                                             */
/* ------------------------------------------------------------------ */

static int usage(FILE *err, const struct call_cmd *c, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int usage(FILE *err, const struct call_cmd *c, const char *fmt, ...)
{
    va_list ap;
    fputs("sipwarden: ", err);
    va_start(ap, fmt);
    vfprintf(err, fmt, ap);
    va_end(ap);
    fprintf(err, "\nusage: sipwarden %s [--json]\n", c->synopsis);
    return EXIT_USAGE;
}

/* Add member 'key' as 'kind' from text 'v'; -EILSEQ when not UTF-8. */
static int put(json_t *req, const char *key, enum arg_kind kind, const char *v)
{
    json_t *j;
    size_t n = strlen(v);
    if (kind == ARG_NUM && n > 0 && n <= 15 && strspn(v, "0123456789") == n) {
        json_int_t x = 0;
        for (size_t i = 0; i < n; i++) {
            x = x * 10 + (v[i] - '0');
        }
        j = json_integer(x);
    } else {
        j = json_string(v);
        if (!j) {
            return -EILSEQ;
        }
    }
    return json_object_set_new(req, key, j) == 0 ? 0 : -ENOMEM;
}

static int put_secret(json_t *req, const char *key, const char *v, FILE *in,
                      FILE *err)
{
    char line[SECRET_LINE_MAX];
    if (strcmp(v, "-") != 0) {
        return put(req, key, ARG_STR, v);
    }
    if (!fgets(line, sizeof(line), in)) {
        fputs("sipwarden: no password on standard input\n", err);
        return -ENODATA;
    }
    size_t n = strlen(line);
    while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r')) {
        line[--n] = '\0';
    }
    int rc = put(req, key, ARG_STR, line);
    explicit_bzero(line, sizeof(line));
    return rc;
}

/* Match argv[1] (and argv[2] for two-word subs); words used into *n. */
static bool sub_match(const char *sub, int argc, char **argv, int *n)
{
    const char *sp = strchr(sub, ' ');
    if (!sp) {
        *n = 2;
        return argc >= 2 && strcmp(argv[1], sub) == 0;
    }
    size_t len = (size_t)(sp - sub);
    *n = 3;
    return argc >= 3 && strlen(argv[1]) == len
           && strncmp(argv[1], sub, len) == 0 && strcmp(argv[2], sp + 1) == 0;
}

static int build(const struct call_cmd *c, int argc, char **argv, FILE *in,
                 FILE *err, json_t *req, bool *json, bool *help)
{
    int n_pos = 0;
    int max_pos = 0;
    bool rest = false;
    bool opts_done = false;
    json_t *rest_arr = NULL;
    while (c->pos[max_pos].name) {
        rest |= c->pos[max_pos].kind == ARG_REST;
        max_pos++;
    }
    for (int i = 0; i < argc; i++) {
        const char *s = argv[i];
        int rc = 0;
        if (!opts_done && strcmp(s, "--") == 0) {
            opts_done = true;
            continue;
        }
        if (opts_done || s[0] != '-' || s[1] == '\0'
            || (s[1] >= '0' && s[1] <= '9')) {
            if (n_pos >= max_pos && !rest) {
                return usage(err, c, "unexpected argument '%s'", s);
            }
            const struct arg *p =
                &c->pos[n_pos < max_pos ? n_pos : max_pos - 1];
            if (p->kind == ARG_REST) {
                if (!rest_arr) {
                    rest_arr = json_array();
                    if (!rest_arr
                        || json_object_set_new(req, p->member, rest_arr) != 0) {
                        return -ENOMEM;
                    }
                }
                json_t *e = json_string(s);
                rc = !e                                        ? -EILSEQ
                     : json_array_append_new(rest_arr, e) == 0 ? 0
                                                               : -ENOMEM;
            } else {
                rc = put(req, p->member, p->kind, s);
            }
            n_pos += n_pos < max_pos ? 1 : 0;
            if (rc < 0) {
                return rc;
            }
            continue;
        }
        if (strcmp(s, "--json") == 0) {
            *json = true;
            continue;
        }
        if (strcmp(s, "-h") == 0 || strcmp(s, "--help") == 0) {
            *help = true;
            continue;
        }
        const char *eq = strchr(s, '=');
        size_t name_len = eq ? (size_t)(eq - s) : strlen(s);
        const struct arg *o = NULL;
        for (size_t k = 0; c->opts[k].name; k++) {
            if (strlen(c->opts[k].name) == name_len
                && strncmp(s, c->opts[k].name, name_len) == 0) {
                o = &c->opts[k];
            }
        }
        if (!o) {
            return usage(err, c, "unknown option '%s'", s);
        }
        if (json_object_get(req, o->member)) {
            return usage(err, c, "option %s given twice", o->name);
        }
        if (o->kind == ARG_FLAG) {
            if (eq) {
                return usage(err, c, "option %s takes no value", o->name);
            }
            rc = json_object_set_new(req, o->member, json_true()) == 0
                     ? 0
                     : -ENOMEM;
        } else {
            const char *v = eq ? eq + 1 : i + 1 < argc ? argv[++i] : NULL;
            if (!v) {
                return usage(err, c, "option %s needs a value", o->name);
            }
            rc = o->kind == ARG_SECRET ? put_secret(req, o->member, v, in, err)
                                       : put(req, o->member, o->kind, v);
        }
        if (rc < 0) {
            return rc;
        }
    }
    if (!*help && n_pos < c->min_pos) {
        return usage(err, c, "missing argument");
    }
    return 0;
}

bool cli_call_word(const char *word)
{
    for (size_t i = 0; i < N_CMDS; i++) {
        if (strcmp(word, cmds[i].word) == 0) {
            return true;
        }
    }
    return false;
}

void cli_call_usage(const char *word, FILE *err)
{
    for (size_t i = 0; i < N_CMDS; i++) {
        if (!word || strcmp(word, cmds[i].word) == 0) {
            fprintf(err, word ? "usage: sipwarden %s\n" : "  %s\n",
                    cmds[i].synopsis);
        }
    }
}

int cli_call_main(int argc, char **argv, const struct cli_env *env, FILE *out,
                  FILE *err, FILE *in)
{
    const struct call_cmd *c = NULL;
    int n_words = 0;
    for (size_t i = 0; argc >= 1 && i < N_CMDS && !c; i++) {
        if (strcmp(argv[0], cmds[i].word) == 0
            && sub_match(cmds[i].sub, argc, argv, &n_words)) {
            c = &cmds[i];
        }
    }
    if (!c) {
        return -ENOSYS;
    }
    bool json = false;
    bool help = false;
    json_t *req = json_object();
    if (!req || json_object_set_new(req, "op", json_string(c->op)) != 0) {
        json_decref(req);
        fputs("sipwarden: out of memory\n", err);
        return EXIT_FAIL;
    }
    int rc =
        build(c, argc - n_words, argv + n_words, in, err, req, &json, &help);
    if (rc == 0 && help) {
        fprintf(out, "usage: sipwarden %s [--json]\n", c->synopsis);
        json_decref(req);
        return 0;
    }
    if (rc != 0) {
        json_decref(req);
        if (rc == -EILSEQ) {
            fputs("sipwarden: arguments must be valid UTF-8\n", err);
            return EXIT_USAGE;
        }
        if (rc == -ENOMEM) {
            fputs("sipwarden: out of memory\n", err);
        }
        return rc > 0 ? rc : EXIT_FAIL;
    }
    json_t *resp = NULL;
    rc = cli_run_request(env, out, err, req, c->op, &resp);
    if (rc != 0) {
        return rc;
    }
    bool ok = json_is_true(json_object_get(resp, "ok"));
    if (json) {
        json_dumpf(resp, out, JSON_INDENT(2));
        fputc('\n', out);
    } else if (ok) {
        print_resp(c, resp, out);
    }
    if (!ok) {
        char safe[1024];
        const char *msg = json_string_value(json_object_get(resp, "error"));
        cli_term_safe(msg ? msg : "the operation failed", safe, sizeof(safe),
                      0);
        fprintf(err, "sipwarden: error: %s\n", safe);
    }
    json_decref(resp);
    return ok ? 0 : EXIT_FAIL;
}
