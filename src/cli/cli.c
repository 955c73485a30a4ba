/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Command-line front end: parse a command into an ops request, send it to
 * the daemon's control socket or, when no daemon answers, run it
 * in-process on the store, and print the response as a table or JSON.
 */
#include "cli/cli.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli/alert_cmds.h"
#include "cli/cli_int.h"
#include "cli/prov_cmds.h"
#include "fw/ssh.h"
#include "ops/ops.h"
#include "store/store.h"

#ifndef SW_VERSION
#define SW_VERSION "0.0.0"
#endif

enum { EXIT_OK = 0, EXIT_FAIL = 1, EXIT_USAGE = 2 };
enum { PW_LINE_MAX = 1024 };

static const char usage_text[] =
    "usage: sipwarden [-c FILE] COMMAND [ARGS] [--json]\n"
    "\n"
    "  serve                                  run the daemon\n"
    "  tenant add DOMAIN [--name NAME]\n"
    "  tenant list\n"
    "  user add EXT@DOMAIN [--role admin|international|standard]\n"
    "           [--name NAME] [--email EMAIL]\n"
    "           [--sip-password PW|- | --generate-password]\n"
    "  user list DOMAIN\n"
    "  user set EXT@DOMAIN [--role ROLE] [--name NAME] [--email EMAIL]\n"
    "           [--sip-password PW|- | --generate-password]\n"
    "  user rm EXT@DOMAIN\n"
    "  user import DOMAIN FILE|-\n"
    "  reg list [DOMAIN]\n"
    "  security show\n"
    "  security set KEY VALUE\n"
    "  ip allow|block NET [--descr TEXT]\n"
    "  ip list [--action allow|block]\n"
    "  ip rm NET\n"
    "  ban list\n"
    "  ban why NET\n"
    "  ban lift NET [--whitelist] [--descr TEXT]\n"
    "  ua list\n"
    "  ua add|rm PATTERN\n"
    "  geo allow|rm COUNTRY\n"
    "  geo list\n"
    "  rate add NET METHOD RATE PERIOD_S [--burst N]\n"
    "  rate list\n"
    "  rate rm NET METHOD\n"
    "  group add|rm DOMAIN NAME | group list DOMAIN\n"
    "  group member add|rm DOMAIN GROUP EXT\n"
    "  tenant profile set DOMAIN [--country-code CC] [--national-prefix P]\n"
    "           [--international-prefix P] [--time-zone TZ]\n"
    "  tenant profile show DOMAIN\n"
    "  country allow|rm DOMAIN CC | country list DOMAIN\n"
    "  prefix block|rm DOMAIN PREFIX | prefix list DOMAIN\n"
    "  emergency add|rm DOMAIN NUMBER | emergency list DOMAIN\n"
    "  hours set DOMAIN DAY HH:MM-HH:MM... | hours rm DOMAIN DAY\n"
    "  hours list DOMAIN\n"
    "  holiday add|rm DOMAIN YYYY-MM-DD | holiday list DOMAIN\n"
    "  trunk add NAME --kind register|ip|accept_register [--host H]\n"
    "           [--port N] [--transport udp] [--username U]\n"
    "           [--password PW|-] [--realm R] [--expires S]\n"
    "           [--networks CIDR,...] [--max-calls N]\n"
    "           [--tls-cert-fp SHA256]  (client certificate, TLS)\n"
    "  trunk set NAME [--new-name N] [trunk add options]\n"
    "  trunk list | trunk rm NAME\n"
    "  trunk limit set TRUNK DOMAIN MAX_CALLS\n"
    "  inbound add DOMAIN DID EXT [--trunk NAME]\n"
    "  inbound list DOMAIN | inbound rm DOMAIN ID\n"
    "  outbound add DOMAIN NAME --trunks T1,T2 [--position N] [--prefix P]\n"
    "           [--min-len N] [--max-len N] [--roles R,...] [--groups G,...]\n"
    "           [--office-hours] [--strip N] [--prepend DIGITS]\n"
    "  outbound list DOMAIN | outbound rm DOMAIN NAME\n"
    "  outbound move DOMAIN NAME POSITION\n"
    "  limit set DOMAIN [--ext EXT | --group G] [--calls N --period S]\n"
    "           [--max-concurrent N] [--window HH:MM-HH:MM]\n"
    "  limit list DOMAIN | limit rm DOMAIN ID\n"
    "  fraud set DOMAIN METRIC WINDOW_S WARNING CRITICAL [--ext EXT]\n"
    "  fraud list DOMAIN | fraud rm DOMAIN ID\n"
    "  suspend list [DOMAIN] [--all] | suspend lift EXT@DOMAIN\n"
    "  cdr list [DOMAIN] [--user EXT] [--from UNIX_S] [--to UNIX_S]\n"
    "           [--result R] [--limit N] [--offset N]\n"
    "  events list [--kind K] [--address A] [--since UNIX_S] [--limit N]\n"
    "           [--offset N]\n"
    "  admin-settings show | admin-settings set KEY VALUE\n"
    "  tenant policy DOMAIN [--min-len N] [--classes N] [--expiry-days N]\n"
    "           [--history N] | tenant policy show DOMAIN\n"
    "  firewall render [--backend nftables|firewalld|iptables|ip6tables]\n"
    "  firewall apply [--dry-run] | firewall rollback\n"
    "  ssh open --from CIDR --for DURATION | ssh close [--from CIDR]\n"
    "  ssh list\n"
    "  alerts test [--wait S] | alerts status\n"
    "  audit [--json]\n"
    "  provision enable|rotate|disable EXT@DOMAIN | provision list\n"
    "  version\n"
    "\n"
    "--json prints the full response as JSON. --sip-password - reads the\n"
    "password from standard input (safer than the command line). Without a\n"
    "password option, user add generates one and shows it once.\n"
    "user import reads CSV lines ext,password[,role[,name[,email]]] (# starts\n"
    "a comment; an empty password is generated and printed as ext,password)\n"
    "and adds them all or, if any line is refused, none.\n"
    "NET is 10.0.0.0/8, 2001:db8::/32, a bare address, or an address and a\n"
    "subnet mask (\"41.202.0.0 255.255.0.0\", quoted or as two arguments).\n"
    "ip block refuses networks holding this server's addresses or the\n"
    "address of your SSH session. security show lists every KEY with its\n"
    "default and range. Trunk passwords are write-only (--password - reads\n"
    "standard input); lists are comma-separated.\n";

/* ------------------------------------------------------------------ */
/* Parsed command line                                                  */
/* ------------------------------------------------------------------ */

enum opt_id {
    OPT_NAME,
    OPT_ROLE,
    OPT_EMAIL,
    OPT_SIP_PASSWORD,
    OPT_GENERATE_PASSWORD,
    OPT_DESCR,
    OPT_ACTION,
    OPT_WHITELIST,
    OPT_BURST,
    OPT_COUNT_
};

static const struct {
    const char *name;
    bool has_arg;
} opt_specs[OPT_COUNT_] = {
    [OPT_NAME] = { "--name", true },
    [OPT_ROLE] = { "--role", true },
    [OPT_EMAIL] = { "--email", true },
    [OPT_SIP_PASSWORD] = { "--sip-password", true },
    [OPT_GENERATE_PASSWORD] = { "--generate-password", false },
    [OPT_DESCR] = { "--descr", true },
    [OPT_ACTION] = { "--action", true },
    [OPT_WHITELIST] = { "--whitelist", false },
    [OPT_BURST] = { "--burst", true },
};

struct args {
    const char *pos[6];
    int n_pos;
    const char *val[OPT_COUNT_]; /* value, or "" for a given flag */
    bool json;
    bool help;
};

struct io {
    FILE *out;
    FILE *err;
    FILE *in;
};

/* What one run of a command keeps between building and printing. */
struct cmd_run {
    const char *src;   /* import: file name as shown in messages */
    uint32_t *line_of; /* import: file line of each entry, owned */
    size_t n_entries;  /* import: entries read */
    int timeout_ms;    /* control request; 0: the environment's */
};

typedef int cmd_build_fn(const struct args *a, const struct io *io, json_t *req,
                         struct cmd_run *run);
typedef void cmd_print_fn(const json_t *resp, FILE *out);

struct cmd {
    const char *word; /* "tenant" */
    const char *sub;  /* "add", or NULL */
    const char *op;   /* ops name */
    int min_pos;      /* positional arguments after the words */
    int max_pos;
    unsigned opts; /* bit set of enum opt_id accepted */
    const char *synopsis;
    cmd_build_fn *build;
    cmd_print_fn *print;
};

static int usage_err(const struct io *io, const struct cmd *c, const char *fmt,
                     ...) __attribute__((format(printf, 3, 4)));

static int usage_err(const struct io *io, const struct cmd *c, const char *fmt,
                     ...)
{
    va_list ap;
    fputs("sipwarden: ", io->err);
    va_start(ap, fmt);
    vfprintf(io->err, fmt, ap);
    va_end(ap);
    fputc('\n', io->err);
    if (c) {
        fprintf(io->err, "usage: sipwarden %s\n", c->synopsis);
    } else {
        fputs("see 'sipwarden help' for usage\n", io->err);
    }
    return EXIT_USAGE;
}

static int parse_args(const struct cmd *c, int argc, char **argv,
                      const struct io *io, struct args *a)
{
    bool opts_done = false;
    memset(a, 0, sizeof(*a));
    for (int i = 0; i < argc; i++) {
        const char *s = argv[i];
        if (!opts_done && strcmp(s, "--") == 0) {
            opts_done = true;
            continue;
        }
        if (opts_done || s[0] != '-' || strcmp(s, "-") == 0) {
            if (a->n_pos >= c->max_pos) {
                return usage_err(io, c, "unexpected argument '%s'", s);
            }
            a->pos[a->n_pos++] = s;
            continue;
        }
        if (strcmp(s, "--json") == 0) {
            a->json = true;
            continue;
        }
        if (strcmp(s, "-h") == 0 || strcmp(s, "--help") == 0) {
            a->help = true;
            continue;
        }
        const char *eq = strchr(s, '=');
        size_t name_len = eq ? (size_t)(eq - s) : strlen(s);
        int id = -1;
        for (int k = 0; k < OPT_COUNT_; k++) {
            if ((c->opts & (1u << k)) && strlen(opt_specs[k].name) == name_len
                && strncmp(s, opt_specs[k].name, name_len) == 0) {
                id = k;
                break;
            }
        }
        if (id < 0) {
            return usage_err(io, c, "unknown option '%s'", s);
        }
        if (a->val[id]) {
            return usage_err(io, c, "option %s given twice",
                             opt_specs[id].name);
        }
        if (!opt_specs[id].has_arg) {
            if (eq) {
                return usage_err(io, c, "option %s takes no value",
                                 opt_specs[id].name);
            }
            a->val[id] = "";
        } else if (eq) {
            a->val[id] = eq + 1;
        } else if (i + 1 < argc) {
            a->val[id] = argv[++i];
        } else {
            return usage_err(io, c, "option %s needs a value",
                             opt_specs[id].name);
        }
    }
    if (!a->help && a->n_pos < c->min_pos) {
        return usage_err(io, c, "%s", "missing argument");
    }
    if (a->val[OPT_SIP_PASSWORD] && a->val[OPT_GENERATE_PASSWORD]) {
        return usage_err(io, c, "%s",
                         "give --sip-password or --generate-password, "
                         "not both");
    }
    return 0;
}

/* ------------------------------------------------------------------ */
/* Requests                                                             */
/* ------------------------------------------------------------------ */

/* Add a string member; -EILSEQ when the text is not UTF-8. */
static int put_str(json_t *req, const char *key, const char *v)
{
    json_t *s = json_string(v);
    if (!s) {
        return -EILSEQ;
    }
    return json_object_set_new(req, key, s) == 0 ? 0 : -ENOMEM;
}

/* First line of 'in' without its line ending. */
static int read_password(FILE *in, char *dst, size_t cap)
{
    if (!fgets(dst, (int)cap, in)) {
        return -ENODATA;
    }
    size_t n = strlen(dst);
    if (n == cap - 1 && dst[n - 1] != '\n') {
        explicit_bzero(dst, cap);
        return -EMSGSIZE;
    }
    while (n > 0 && (dst[n - 1] == '\n' || dst[n - 1] == '\r')) {
        dst[--n] = '\0';
    }
    return n > 0 ? 0 : -ENODATA;
}

static int build_user_attrs(const struct args *a, const struct io *io,
                            json_t *req)
{
    static const struct {
        enum opt_id id;
        const char *key;
    } map[] = {
        { OPT_NAME, "name" },
        { OPT_ROLE, "role" },
        { OPT_EMAIL, "email" },
    };
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < sizeof(map) / sizeof(map[0]); i++) {
        if (a->val[map[i].id]) {
            rc = put_str(req, map[i].key, a->val[map[i].id]);
        }
    }
    if (rc == 0 && a->val[OPT_GENERATE_PASSWORD]) {
        rc = json_object_set_new(req, "generate_password", json_true()) == 0
                 ? 0
                 : -ENOMEM;
    }
    const char *pw = a->val[OPT_SIP_PASSWORD];
    if (rc == 0 && pw && strcmp(pw, "-") == 0) {
        char line[PW_LINE_MAX];
        rc = read_password(io->in, line, sizeof(line));
        if (rc == -ENODATA) {
            fputs("sipwarden: no password on standard input\n", io->err);
            return -ENODATA;
        }
        if (rc == -EMSGSIZE) {
            fputs("sipwarden: password on standard input is too long\n",
                  io->err);
            return -EMSGSIZE;
        }
        rc = put_str(req, "sip_password", line);
        explicit_bzero(line, sizeof(line));
    } else if (rc == 0 && pw) {
        rc = put_str(req, "sip_password", pw);
    }
    return rc;
}

static int build_pos0(const char *key, const struct args *a, json_t *req)
{
    return a->n_pos > 0 ? put_str(req, key, a->pos[0]) : 0;
}

static int build_tenant_add(const struct args *a, const struct io *io,
                            json_t *req, struct cmd_run *run)
{
    (void)io;
    (void)run;
    int rc = build_pos0("domain", a, req);
    if (rc == 0 && a->val[OPT_NAME]) {
        rc = put_str(req, "name", a->val[OPT_NAME]);
    }
    return rc;
}

static int build_domain(const struct args *a, const struct io *io, json_t *req,
                        struct cmd_run *run)
{
    (void)io;
    (void)run;
    return build_pos0("domain", a, req);
}

static int build_user(const struct args *a, const struct io *io, json_t *req,
                      struct cmd_run *run)
{
    (void)run;
    int rc = build_pos0("user", a, req);
    if (rc == 0) {
        rc = build_user_attrs(a, io, req);
    }
    return rc;
}

static int build_none(const struct args *a, const struct io *io, json_t *req,
                      struct cmd_run *run)
{
    (void)run;
    (void)a;
    (void)io;
    (void)req;
    return 0;
}

/* ------------------------------------------------------------------ */
/* Shield commands                                                      */
/* ------------------------------------------------------------------ */

/* cli_int.h */
const char *cli_ssh_client_ip(char *buf, size_t cap)
{
    static const char *const vars[] = { "SSH_CONNECTION", "SSH_CLIENT" };
    for (size_t i = 0; i < sizeof(vars) / sizeof(vars[0]); i++) {
        const char *v = getenv(vars[i]);
        if (!v) {
            continue;
        }
        v += strspn(v, " ");
        size_t n = strcspn(v, " ");
        if (n > 0 && n < cap) {
            memcpy(buf, v, n);
            buf[n] = '\0';
            return buf;
        }
    }
    return NULL;
}

/*
 * Member "net" from positionals first..first+n-1: one argument
 * ("10.0.0.0/8", "41.202.0.0 255.255.0.0") or an address and a mask given
 * as two.
 */
static int put_net(json_t *req, const struct args *a, int first, int n)
{
    char joined[512];
    if (n == 1) {
        return put_str(req, "net", a->pos[first]);
    }
    int len = snprintf(joined, sizeof(joined), "%s %s", a->pos[first],
                       a->pos[first + 1]);
    if (len < 0 || (size_t)len >= sizeof(joined)) {
        /* Too long to be a network: let the operation say so. */
        return put_str(req, "net", a->pos[first]);
    }
    return put_str(req, "net", joined);
}

/* A number member: an integer when 'v' is plain decimal, else the text
 * (the operation then names the member and its range). */
static int put_num(json_t *req, const char *key, const char *v)
{
    size_t n = strlen(v);
    if (n > 0 && n <= 15 && strspn(v, "0123456789") == n) {
        json_int_t x = 0;
        for (size_t i = 0; i < n; i++) {
            x = x * 10 + (v[i] - '0');
        }
        return json_object_set_new(req, key, json_integer(x)) == 0 ? 0
                                                                   : -ENOMEM;
    }
    return put_str(req, key, v);
}

static int put_opt(json_t *req, const char *key, const struct args *a,
                   enum opt_id id)
{
    return a->val[id] ? put_str(req, key, a->val[id]) : 0;
}

static int build_security_set(const struct args *a, const struct io *io,
                              json_t *req, struct cmd_run *run)
{
    (void)io;
    (void)run;
    int rc = put_str(req, "key", a->pos[0]);
    if (rc == 0) {
        rc = put_str(req, "value", a->pos[1]);
    }
    return rc;
}

static int build_net(const struct args *a, const struct io *io, json_t *req,
                     struct cmd_run *run)
{
    (void)io;
    (void)run;
    return put_net(req, a, 0, a->n_pos);
}

static int build_ip_allow(const struct args *a, const struct io *io,
                          json_t *req, struct cmd_run *run)
{
    int rc = build_net(a, io, req, run);
    if (rc == 0) {
        rc = put_opt(req, "description", a, OPT_DESCR);
    }
    return rc;
}

static int build_ip_block(const struct args *a, const struct io *io,
                          json_t *req, struct cmd_run *run)
{
    char ip[128];
    int rc = build_ip_allow(a, io, req, run);
    const char *client = cli_ssh_client_ip(ip, sizeof(ip));
    if (rc == 0 && client) {
        rc = put_str(req, "client_ip", client);
    }
    return rc;
}

static int build_ip_list(const struct args *a, const struct io *io, json_t *req,
                         struct cmd_run *run)
{
    (void)io;
    (void)run;
    return put_opt(req, "action", a, OPT_ACTION);
}

static int build_ban_lift(const struct args *a, const struct io *io,
                          json_t *req, struct cmd_run *run)
{
    int rc = build_net(a, io, req, run);
    if (rc == 0 && a->val[OPT_WHITELIST]) {
        rc = json_object_set_new(req, "whitelist", json_true()) == 0 ? 0
                                                                     : -ENOMEM;
    }
    if (rc == 0) {
        rc = put_opt(req, "description", a, OPT_DESCR);
    }
    return rc;
}

static int build_pattern(const struct args *a, const struct io *io, json_t *req,
                         struct cmd_run *run)
{
    (void)io;
    (void)run;
    return put_str(req, "pattern", a->pos[0]);
}

static int build_country(const struct args *a, const struct io *io, json_t *req,
                         struct cmd_run *run)
{
    (void)io;
    (void)run;
    return put_str(req, "country", a->pos[0]);
}

/* rate add NET [MASK] METHOD RATE PERIOD_S [--burst N] */
static int build_rate_add(const struct args *a, const struct io *io,
                          json_t *req, struct cmd_run *run)
{
    (void)io;
    (void)run;
    int k = a->n_pos - 3; /* positionals of the network: 1 or 2 */
    int rc = put_net(req, a, 0, k);
    if (rc == 0) {
        rc = put_str(req, "method", a->pos[k]);
    }
    if (rc == 0) {
        rc = put_num(req, "rate", a->pos[k + 1]);
    }
    if (rc == 0) {
        rc = put_num(req, "period_s", a->pos[k + 2]);
    }
    if (rc == 0 && a->val[OPT_BURST]) {
        rc = put_num(req, "burst", a->val[OPT_BURST]);
    }
    return rc;
}

/* rate rm NET [MASK] METHOD */
static int build_rate_rm(const struct args *a, const struct io *io, json_t *req,
                         struct cmd_run *run)
{
    (void)io;
    (void)run;
    int k = a->n_pos - 1;
    int rc = put_net(req, a, 0, k);
    if (rc == 0) {
        rc = put_str(req, "method", a->pos[k]);
    }
    return rc;
}

/* ------------------------------------------------------------------ */
/* user import: a CSV file in, one user.import request out              */
/* ------------------------------------------------------------------ */

enum {
    IMPORT_LINE_MAX = 4096, /* bytes per CSV line, line ending included */
    IMPORT_FIELDS = 5,      /* ext,password,role,name,email */
    /* Control-socket time allowed per entry on top of the default
     * timeout: the daemon checks, hashes and seals every password. */
    IMPORT_US_PER_USER = 1000,
};

/*
 * Split 'line' in place at commas into at most IMPORT_FIELDS fields. A
 * field may be double-quoted to hold commas ("Doe, Jane"); "" inside
 * quotes is one quote. Returns the number of fields or -EINVAL with
 * *why set.
 */
static int csv_split(char *line, char **f, const char **why)
{
    char *r = line;
    int n = 0;
    for (;;) {
        if (n == IMPORT_FIELDS) {
            *why = "too many fields (expected ext,password[,role[,name[,"
                   "email]]])";
            return -EINVAL;
        }
        char *w = r;
        f[n++] = w;
        if (*r == '"') {
            r++;
            for (;;) {
                if (*r == '\0') {
                    *why = "unterminated quoted field";
                    return -EINVAL;
                }
                if (*r == '"' && r[1] == '"') {
                    *w++ = '"';
                    r += 2;
                } else if (*r == '"') {
                    r++;
                    break;
                } else {
                    *w++ = *r++;
                }
            }
            if (*r != ',' && *r != '\0') {
                *why = "text after a closing quote";
                return -EINVAL;
            }
        } else {
            while (*r != ',' && *r != '\0') {
                *w++ = *r++;
            }
        }
        char end = *r;
        *w = '\0';
        if (end == '\0') {
            return n;
        }
        r++;
    }
}

/* Add string member 'key' unless 'v' is empty; -EILSEQ when not UTF-8. */
static int put_nonempty(json_t *o, const char *key, const char *v)
{
    return v[0] ? put_str(o, key, v) : 0;
}

/*
 * The user.import entry for one line's fields. The checks that need no
 * tenant (syntax of ext, role, name, email) run here so a bad file is
 * refused before anything is sent; the daemon checks everything again.
 * Returns 0, or -EINVAL with *why set, or -ENOMEM.
 */
static int import_entry(char *const *f, int n, json_t **out, const char **why)
{
    const char *empty = "";
    const char *role = n > 2 ? f[2] : empty;
    const char *name = n > 3 ? f[3] : empty;
    const char *email = n > 4 ? f[4] : empty;
    enum store_role r;

    *out = NULL;
    if (n < 2) {
        *why = "expected ext,password[,role[,name[,email]]] (leave the "
               "password empty to have one generated)";
        return -EINVAL;
    }
    if (store_ext_check(f[0], why) < 0 || store_name_check(name, why) < 0
        || store_email_check(email, why) < 0) {
        return -EINVAL;
    }
    if (role[0] && store_role_parse(role, &r) < 0) {
        *why = "role must be admin, international or standard";
        return -EINVAL;
    }
    json_t *o = json_object();
    if (!o) {
        return -ENOMEM;
    }
    int rc = put_str(o, "ext", f[0]);
    if (rc == 0) {
        rc = put_nonempty(o, "sip_password", f[1]);
    }
    if (rc == 0) {
        rc = put_nonempty(o, "role", role);
    }
    if (rc == 0) {
        rc = put_nonempty(o, "name", name);
    }
    if (rc == 0) {
        rc = put_nonempty(o, "email", email);
    }
    if (rc == -EILSEQ) {
        *why = "not valid UTF-8";
        rc = -EINVAL;
    }
    if (rc < 0) {
        json_decref(o);
        return rc;
    }
    *out = o;
    return 0;
}

/* Remember that entry run->n_entries comes from line 'line_no'. */
static int import_note_line(struct cmd_run *run, size_t *cap, size_t line_no)
{
    if (run->n_entries == *cap) {
        size_t ncap = *cap ? *cap * 2 : 256;
        uint32_t *p = realloc(run->line_of, ncap * sizeof(*p));
        if (!p) {
            return -ENOMEM;
        }
        run->line_of = p;
        *cap = ncap;
    }
    run->line_of[run->n_entries] =
        line_no > UINT32_MAX ? UINT32_MAX : (uint32_t)line_no;
    return 0;
}

/* Read the CSV lines of 'in' into 'users'; refusals name FILE:LINE. */
static int import_read(FILE *in, const struct io *io, struct cmd_run *run,
                       json_t *users)
{
    char *line = NULL;
    size_t line_cap = 0;
    size_t map_cap = 0;
    size_t line_no = 0;
    const char *why = NULL;
    int rc = 0;

    for (;;) {
        ssize_t len = getline(&line, &line_cap, in);
        if (len == -1) {
            break;
        }
        line_no++;
        if (len > IMPORT_LINE_MAX) {
            why = "line longer than 4096 bytes";
            rc = -EINVAL;
            break;
        }
        if (strlen(line) != (size_t)len) {
            why = "line contains a NUL byte";
            rc = -EINVAL;
            break;
        }
        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r')) {
            line[--len] = '\0';
        }
        if (line[0] == '#' || strspn(line, " \t") == (size_t)len) {
            continue;
        }
        if (run->n_entries == OPS_USER_IMPORT_MAX) {
            why = "more than 100000 users in one import (split the file)";
            rc = -EINVAL;
            break;
        }
        char *f[IMPORT_FIELDS];
        json_t *e = NULL;
        int n = csv_split(line, f, &why);
        rc = n < 0 ? n : import_entry(f, n, &e, &why);
        if (rc == 0) {
            rc = import_note_line(run, &map_cap, line_no);
        }
        if (rc == 0 && json_array_append_new(users, e) != 0) {
            rc = -ENOMEM;
        }
        if (rc < 0) {
            break;
        }
        run->n_entries++;
    }
    if (rc == 0 && ferror(in)) {
        fprintf(io->err, "sipwarden: %s: read error\n", run->src);
        rc = -EIO;
    } else if (rc == -EINVAL) {
        fprintf(io->err, "sipwarden: %s:%zu: %s\n", run->src, line_no, why);
    }
    if (line) {
        explicit_bzero(line, line_cap); /* it held passwords */
    }
    free(line);
    return rc;
}

static int build_user_import(const struct args *a, const struct io *io,
                             json_t *req, struct cmd_run *run)
{
    const char *path = a->pos[1];
    bool is_stdin = strcmp(path, "-") == 0;
    FILE *in = is_stdin ? io->in : fopen(path, "re");

    run->src = is_stdin ? "<stdin>" : path;
    if (!in) {
        fprintf(io->err, "sipwarden: %s: %s\n", path, strerror(errno));
        return -ENOENT;
    }
    json_t *users = json_array();
    int rc = users ? import_read(in, io, run, users) : -ENOMEM;
    if (!is_stdin) {
        fclose(in);
    }
    if (rc == 0) {
        rc = build_pos0("domain", a, req);
    }
    if (rc == 0) {
        rc = json_object_set_new(req, "users", users) == 0 ? 0 : -ENOMEM;
        users = NULL;
    }
    json_decref(users);
    /* The daemon needs time for every entry. */
    run->timeout_ms = CLI_CONTROL_TIMEOUT_MS
                      + (int)(run->n_entries * IMPORT_US_PER_USER / 1000);
    return rc;
}

/* ------------------------------------------------------------------ */
/* Human output                                                         */
/* ------------------------------------------------------------------ */

static const char *jstr(const json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s ? s : "";
}

static void fmt_time(const json_t *o, const char *key, char *dst, size_t cap)
{
    json_t *v = json_object_get(o, key);
    struct tm tm;
    time_t t = (time_t)json_integer_value(v);
    if (!json_is_integer(v) || t <= 0 || !gmtime_r(&t, &tm)
        || strftime(dst, cap, "%Y-%m-%d %H:%M", &tm) == 0) {
        snprintf(dst, cap, "-");
    }
}

static void print_safe_line(FILE *out, const char *prefix, const char *s)
{
    char safe[1024];
    cli_term_safe(s, safe, sizeof(safe), 0);
    fprintf(out, "%s%s\n", prefix, safe);
}

static void print_tenant_add(const json_t *resp, FILE *out)
{
    print_safe_line(out, "added tenant ",
                    jstr(json_object_get(resp, "tenant"), "domain"));
}

static void print_tenant_list(const json_t *resp, FILE *out)
{
    static const char *const head[] = { "DOMAIN", "NAME", "USERS", "CREATED" };
    json_t *arr = json_object_get(resp, "tenants");
    struct cli_table t;
    size_t i;
    json_t *v;

    if (json_array_size(arr) == 0) {
        fputs("no tenants\n", out);
        return;
    }
    cli_table_init(&t, 4);
    cli_table_add(&t, head);
    json_array_foreach(arr, i, v)
    {
        char users[24];
        char created[32];
        snprintf(users, sizeof(users), "%lld",
                 (long long)json_integer_value(json_object_get(v, "users")));
        fmt_time(v, "created_at", created, sizeof(created));
        const char *row[] = { jstr(v, "domain"), jstr(v, "name"), users,
                              created };
        cli_table_add(&t, row);
    }
    cli_table_print(&t, out);
    cli_table_fini(&t);
}

static void print_generated(const json_t *resp, FILE *out)
{
    const char *pw = json_string_value(json_object_get(resp, "sip_password"));
    if (pw) {
        print_safe_line(out, "SIP password (shown only once): ", pw);
    }
}

static void print_user_add(const json_t *resp, FILE *out)
{
    const json_t *u = json_object_get(resp, "user");
    char line[512];
    snprintf(line, sizeof(line), "%s (role %s)", jstr(u, "user"),
             jstr(u, "role"));
    print_safe_line(out, "added user ", line);
    print_generated(resp, out);
}

static void print_user_set(const json_t *resp, FILE *out)
{
    const json_t *u = json_object_get(resp, "user");
    char line[512];
    snprintf(line, sizeof(line), "%s (role %s)", jstr(u, "user"),
             jstr(u, "role"));
    print_safe_line(out, "updated user ", line);
    print_generated(resp, out);
}

static void print_user_rm(const json_t *resp, FILE *out)
{
    print_safe_line(out, "removed user ", jstr(resp, "user"));
}

static void print_user_import(const json_t *resp, FILE *out)
{
    char domain[STORE_DOMAIN_MAX + 8];
    size_t i;
    json_t *v;

    cli_term_safe(jstr(resp, "domain"), domain, sizeof(domain), 0);
    fprintf(out, "imported %lld users into %s\n",
            (long long)json_integer_value(json_object_get(resp, "added")),
            domain);
    json_array_foreach(json_object_get(resp, "generated"), i, v)
    {
        char line[STORE_EXT_MAX + STORE_SIP_PW_MAX + 2];
        snprintf(line, sizeof(line), "%s,%s", jstr(v, "ext"),
                 jstr(v, "sip_password"));
        print_safe_line(out, "", line);
        explicit_bzero(line, sizeof(line));
    }
}

static void print_user_list(const json_t *resp, FILE *out)
{
    static const char *const head[] = { "EXT", "NAME", "ROLE", "EMAIL",
                                        "PASSWORD CHANGED" };
    json_t *arr = json_object_get(resp, "users");
    struct cli_table t;
    size_t i;
    json_t *v;

    if (json_array_size(arr) == 0) {
        print_safe_line(out, "no users in ", jstr(resp, "domain"));
        return;
    }
    cli_table_init(&t, 5);
    cli_table_add(&t, head);
    json_array_foreach(arr, i, v)
    {
        char changed[32];
        fmt_time(v, "sip_pw_changed_at", changed, sizeof(changed));
        const char *row[] = { jstr(v, "ext"), jstr(v, "name"), jstr(v, "role"),
                              jstr(v, "email"), changed };
        cli_table_add(&t, row);
    }
    cli_table_print(&t, out);
    cli_table_fini(&t);
}

static void print_reg_list(const json_t *resp, FILE *out)
{
    static const char *const head[] = { "USER", "CONTACT", "SOURCE", "EXPIRES",
                                        "USER AGENT" };
    json_t *arr = json_object_get(resp, "registrations");
    struct cli_table t;
    size_t i;
    json_t *v;

    if (json_array_size(arr) == 0) {
        fputs("no registrations\n", out);
        return;
    }
    cli_table_init(&t, 5);
    cli_table_add(&t, head);
    json_array_foreach(arr, i, v)
    {
        char expires[32];
        char ua[64];
        snprintf(
            expires, sizeof(expires), "%llds",
            (long long)json_integer_value(json_object_get(v, "expires_in")));
        cli_term_safe(jstr(v, "user_agent"), ua, sizeof(ua), 40);
        const char *row[] = { jstr(v, "user"), jstr(v, "contact"),
                              jstr(v, "source"), expires, ua };
        cli_table_add(&t, row);
    }
    cli_table_print(&t, out);
    cli_table_fini(&t);
}

/* ------------------------------------------------------------------ */
/* Commands                                                             */
/* ------------------------------------------------------------------ */

#define O(id) (1u << (id))
#define USER_OPTS                                                   \
    (O(OPT_NAME) | O(OPT_ROLE) | O(OPT_EMAIL) | O(OPT_SIP_PASSWORD) \
     | O(OPT_GENERATE_PASSWORD))

static const struct cmd cmds[] = {
    { "tenant", "add", "tenant.add", 1, 1, O(OPT_NAME),
      "tenant add DOMAIN [--name NAME] [--json]", build_tenant_add,
      print_tenant_add },
    { "tenant", "list", "tenant.list", 0, 0, 0, "tenant list [--json]",
      build_none, print_tenant_list },
    { "user", "add", "user.add", 1, 1, USER_OPTS,
      "user add EXT@DOMAIN [--role admin|international|standard] "
      "[--name NAME] [--email EMAIL] [--sip-password PW|- | "
      "--generate-password] [--json]",
      build_user, print_user_add },
    { "user", "list", "user.list", 1, 1, 0, "user list DOMAIN [--json]",
      build_domain, print_user_list },
    { "user", "set", "user.set", 1, 1, USER_OPTS,
      "user set EXT@DOMAIN [--role ROLE] [--name NAME] [--email EMAIL] "
      "[--sip-password PW|- | --generate-password] [--json]",
      build_user, print_user_set },
    { "user", "rm", "user.rm", 1, 1, 0, "user rm EXT@DOMAIN [--json]",
      build_user, print_user_rm },
    { "user", "import", "user.import", 2, 2, 0,
      "user import DOMAIN FILE|- [--json]", build_user_import,
      print_user_import },
    { "reg", "list", "reg.list", 0, 1, 0, "reg list [DOMAIN] [--json]",
      build_domain, print_reg_list },
    { "security", "show", "security.show", 0, 0, 0, "security show [--json]",
      build_none, cli_print_security_show },
    { "security", "set", "security.set", 2, 2, 0,
      "security set KEY VALUE [--json]", build_security_set,
      cli_print_security_set },
    { "ip", "allow", "ip.allow", 1, 2, O(OPT_DESCR),
      "ip allow NET [--descr TEXT] [--json]", build_ip_allow,
      cli_print_ip_add },
    { "ip", "block", "ip.block", 1, 2, O(OPT_DESCR),
      "ip block NET [--descr TEXT] [--json]", build_ip_block,
      cli_print_ip_add },
    { "ip", "list", "ip.list", 0, 0, O(OPT_ACTION),
      "ip list [--action allow|block] [--json]", build_ip_list,
      cli_print_ip_list },
    { "ip", "rm", "ip.rm", 1, 2, 0, "ip rm NET [--json]", build_net,
      cli_print_ip_rm },
    { "ban", "list", "ban.list", 0, 0, 0, "ban list [--json]", build_none,
      cli_print_ban_list },
    { "ban", "why", "ban.why", 1, 2, 0, "ban why NET [--json]", build_net,
      cli_print_ban_why },
    { "ban", "lift", "ban.lift", 1, 2, O(OPT_WHITELIST) | O(OPT_DESCR),
      "ban lift NET [--whitelist] [--descr TEXT] [--json]", build_ban_lift,
      cli_print_ban_lift },
    { "ua", "list", "ua.list", 0, 0, 0, "ua list [--json]", build_none,
      cli_print_ua_list },
    { "ua", "add", "ua.add", 1, 1, 0, "ua add PATTERN [--json]", build_pattern,
      cli_print_ua_add },
    { "ua", "rm", "ua.rm", 1, 1, 0, "ua rm PATTERN [--json]", build_pattern,
      cli_print_ua_rm },
    { "geo", "allow", "geo.allow", 1, 1, 0, "geo allow COUNTRY [--json]",
      build_country, cli_print_geo_allow },
    { "geo", "list", "geo.list", 0, 0, 0, "geo list [--json]", build_none,
      cli_print_geo_list },
    { "geo", "rm", "geo.rm", 1, 1, 0, "geo rm COUNTRY [--json]", build_country,
      cli_print_geo_rm },
    { "rate", "add", "rate.add", 4, 5, O(OPT_BURST),
      "rate add NET METHOD RATE PERIOD_S [--burst N] [--json]", build_rate_add,
      cli_print_rate_add },
    { "rate", "list", "rate.list", 0, 0, 0, "rate list [--json]", build_none,
      cli_print_rate_list },
    { "rate", "rm", "rate.rm", 2, 3, 0, "rate rm NET METHOD [--json]",
      build_rate_rm, cli_print_rate_rm },
};

/* ------------------------------------------------------------------ */
/* Transport                                                            */
/* ------------------------------------------------------------------ */

static bool op_writes(const char *op)
{
    return strstr(op, ".list") == NULL && strstr(op, ".show") == NULL
           && strstr(op, ".why") == NULL;
}

/*
 * Ask the daemon; if none listens, run in-process. Returns 0 with *resp
 * set, or an exit code after printing why there is no response.
 */
static int transport(const struct cli_env *env, const struct io *io,
                     const char *op, const json_t *req, int timeout_ms,
                     json_t **resp)
{
    char sock[4096];
    char db_path[4096];
    char err[STORE_ERRMSG_CAP + 4096];
    struct stat sb;

    if (!env->data_dir || !env->data_dir[0]) {
        fputs("sipwarden: no data directory configured\n", io->err);
        return EXIT_FAIL;
    }
    const char *sock_path = env->control_sock;
    if (!sock_path) {
        snprintf(sock, sizeof(sock), "%s/control.sock", env->data_dir);
        sock_path = sock;
    }
    int rc = cli_control_request(sock_path, req, resp, timeout_ms);
    if (rc == 0) {
        return 0;
    }
    if (rc != -ENOENT && rc != -ECONNREFUSED) {
        fprintf(io->err, "sipwarden: control socket %s: %s\n", sock_path,
                rc == -EPROTO     ? "bad or missing response from the daemon"
                : rc == -EMSGSIZE ? "request or response over the size limit"
                                  : strerror(-rc));
        return EXIT_FAIL;
    }

    /* Offline: the daemon is not running. Reading never creates a data
     * directory (a mistyped -c would otherwise look like an empty one). */
    snprintf(db_path, sizeof(db_path), "%s/sipwarden.db", env->data_dir);
    if (!op_writes(op) && stat(db_path, &sb) == -1) {
        fprintf(io->err,
                "sipwarden: no database at %s (wrong -c file, or nothing "
                "added yet?)\n",
                db_path);
        return EXIT_FAIL;
    }
    struct store *st = NULL;
    rc = store_open(env->data_dir, &st, err, sizeof(err));
    if (rc < 0) {
        fprintf(io->err, "sipwarden: %s\n", err);
        return EXIT_FAIL;
    }
    char ip[128];
    struct fw_ssh_ctl ssh; /* temporary SSH: nftables in this process */
    if (env->fw_svc) {
        fw_ssh_ctl_init(&ssh, env->fw_svc, NULL);
    }
    struct ops_ctx ctx = { .st = st,
                           .client_ip = cli_ssh_client_ip(ip, sizeof(ip)),
                           .ssh = env->fw_svc ? &ssh : NULL };
    ops_exec(&ctx, req, resp);
    store_close(st);
    if (!*resp) {
        fputs("sipwarden: out of memory\n", io->err);
        return EXIT_FAIL;
    }
    return 0;
}

int cli_run_request(const struct cli_env *env, FILE *out, FILE *err,
                    json_t *req, const char *op, json_t **resp)
{
    struct io io = { .out = out, .err = err, .in = NULL };
    *resp = NULL;
    int rc = transport(env, &io, op, req, env->timeout_ms, resp);
    json_decref(req);
    return rc;
}

/*
 * "FILE:LINE: " when the error response blames entry N of an import
 * ("field":"users[N]..."), else "".
 */
static void blamed_line(const struct cmd_run *run, const json_t *resp,
                        char *dst, size_t cap)
{
    const char *field = json_string_value(json_object_get(resp, "field"));
    dst[0] = '\0';
    if (!run->line_of || !field || strncmp(field, "users[", 6) != 0) {
        return;
    }
    char *end = NULL;
    errno = 0;
    unsigned long idx = strtoul(field + 6, &end, 10);
    if (errno == 0 && end != field + 6 && *end == ']' && idx < run->n_entries) {
        snprintf(dst, cap, "%s:%u: ", run->src, run->line_of[idx]);
    }
}

static int run_cmd(const struct cmd *c, int argc, char **argv,
                   const struct cli_env *env, const struct io *io)
{
    struct args a;
    struct cmd_run run = { 0 };
    json_t *resp = NULL;
    int rc = parse_args(c, argc, argv, io, &a);
    if (rc != 0) {
        return rc;
    }
    if (a.help) {
        fprintf(io->out, "usage: sipwarden %s\n", c->synopsis);
        return EXIT_OK;
    }
    json_t *req = json_object();
    if (!req || put_str(req, "op", c->op) != 0) {
        json_decref(req);
        fputs("sipwarden: out of memory\n", io->err);
        return EXIT_FAIL;
    }
    rc = c->build(&a, io, req, &run);
    if (rc == -EILSEQ) {
        rc = EXIT_USAGE;
        fputs("sipwarden: arguments must be valid UTF-8\n", io->err);
        goto out;
    }
    if (rc < 0) {
        if (rc == -ENOMEM) {
            fputs("sipwarden: out of memory\n", io->err);
        }
        rc = EXIT_FAIL;
        goto out;
    }
    rc = transport(env, io, c->op, req,
                   env->timeout_ms > 0 ? env->timeout_ms : run.timeout_ms,
                   &resp);
    /* The request may hold SIP passwords: drop them before anything else
     * happens. */
    json_decref(req);
    req = NULL;
    if (rc != 0) {
        goto out;
    }
    bool ok = json_is_true(json_object_get(resp, "ok"));
    if (a.json) {
        json_dumpf(resp, io->out, JSON_INDENT(2));
        fputc('\n', io->out);
    } else if (ok) {
        c->print(resp, io->out);
    }
    if (!ok) {
        char where[4096 + 32];
        char prefix[sizeof(where) + 32];
        const char *msg = json_string_value(json_object_get(resp, "error"));
        blamed_line(&run, resp, where, sizeof(where));
        snprintf(prefix, sizeof(prefix), "sipwarden: error: %s", where);
        print_safe_line(io->err, prefix, msg ? msg : "the operation failed");
    }
    rc = ok ? EXIT_OK : EXIT_FAIL;

out:
    json_decref(req);
    json_decref(resp);
    free(run.line_of);
    return rc;
}

static int cmd_version(int argc, char **argv, const struct io *io)
{
    bool json = false;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--json") != 0) {
            return usage_err(io, NULL, "unexpected argument '%s'", argv[i]);
        }
        json = true;
    }
    if (json) {
        fputs("{\n  \"ok\": true,\n  \"version\": \"" SW_VERSION "\"\n}\n",
              io->out);
    } else {
        fputs("sipwarden " SW_VERSION "\n", io->out);
    }
    return EXIT_OK;
}

int cli_main(int argc, char **argv, const struct cli_env *env)
{
    struct io io = {
        .out = env->out ? env->out : stdout,
        .err = env->err ? env->err : stderr,
        .in = env->in ? env->in : stdin,
    };
    int rc;

    if (argc < 1 || !argv[0]) {
        fputs(usage_text, io.err);
        return EXIT_USAGE;
    }
    const char *word = argv[0];
    if (strcmp(word, "help") == 0 || strcmp(word, "--help") == 0
        || strcmp(word, "-h") == 0) {
        fputs(usage_text, io.out);
        return EXIT_OK;
    }
    if (strcmp(word, "version") == 0 || strcmp(word, "--version") == 0) {
        rc = cmd_version(argc, argv, &io);
        fflush(io.out);
        return rc;
    }
    rc = cli_admin_main(argc, argv, env, io.out, io.err);
    if (rc != -ENOSYS) {
        fflush(io.out);
        return rc;
    }
    rc = cli_audit_main(argc, argv, env, io.out, io.err);
    if (rc != -ENOSYS) {
        fflush(io.out);
        return rc;
    }
    rc = cli_alert_main(argc, argv, env, io.out, io.err);
    if (rc != -ENOSYS) {
        fflush(io.out);
        return rc;
    }
    rc = cli_fw_main(argc, argv, env, io.out, io.err);
    if (rc != -ENOSYS) {
        fflush(io.out);
        return rc;
    }
    rc = cli_prov_main(argc, argv, env, io.out, io.err);
    if (rc != -ENOSYS) {
        fflush(io.out);
        return rc;
    }
    rc = cli_call_main(argc, argv, env, io.out, io.err, io.in);
    if (rc != -ENOSYS) {
        fflush(io.out);
        return rc;
    }
    bool known_word = cli_call_word(word);
    for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
        if (strcmp(word, cmds[i].word) != 0) {
            continue;
        }
        known_word = true;
        if (argc >= 2 && strcmp(argv[1], cmds[i].sub) == 0) {
            rc = run_cmd(&cmds[i], argc - 2, argv + 2, env, &io);
            fflush(io.out);
            return rc;
        }
    }
    if (!known_word) {
        return -ENOSYS;
    }
    char safe[128];
    cli_term_safe(argc >= 2 ? argv[1] : NULL, safe, sizeof(safe), 64);
    if (argc < 2) {
        fprintf(io.err, "sipwarden: '%s' needs a subcommand\n", word);
    } else {
        fprintf(io.err, "sipwarden: unknown command '%s %s'\n", word, safe);
    }
    for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
        if (strcmp(word, cmds[i].word) == 0) {
            fprintf(io.err, "usage: sipwarden %s\n", cmds[i].synopsis);
        }
    }
    cli_call_usage(word, io.err);
    return EXIT_USAGE;
}
