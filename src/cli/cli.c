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
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli_int.h"
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
    "  reg list [DOMAIN]\n"
    "  version\n"
    "\n"
    "--json prints the full response as JSON. --sip-password - reads the\n"
    "password from standard input (safer than the command line). Without a\n"
    "password option, user add generates one and shows it once.\n";

/* ------------------------------------------------------------------ */
/* Parsed command line                                                  */
/* ------------------------------------------------------------------ */

enum opt_id {
    OPT_NAME,
    OPT_ROLE,
    OPT_EMAIL,
    OPT_SIP_PASSWORD,
    OPT_GENERATE_PASSWORD,
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
};

struct args {
    const char *pos[4];
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

typedef int cmd_build_fn(const struct args *a, const struct io *io,
                         json_t *req);
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
                            json_t *req)
{
    (void)io;
    int rc = build_pos0("domain", a, req);
    if (rc == 0 && a->val[OPT_NAME]) {
        rc = put_str(req, "name", a->val[OPT_NAME]);
    }
    return rc;
}

static int build_domain(const struct args *a, const struct io *io, json_t *req)
{
    (void)io;
    return build_pos0("domain", a, req);
}

static int build_user(const struct args *a, const struct io *io, json_t *req)
{
    int rc = build_pos0("user", a, req);
    if (rc == 0) {
        rc = build_user_attrs(a, io, req);
    }
    return rc;
}

static int build_none(const struct args *a, const struct io *io, json_t *req)
{
    (void)a;
    (void)io;
    (void)req;
    return 0;
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
    { "reg", "list", "reg.list", 0, 1, 0, "reg list [DOMAIN] [--json]",
      build_domain, print_reg_list },
};

/* ------------------------------------------------------------------ */
/* Transport                                                            */
/* ------------------------------------------------------------------ */

static bool op_writes(const char *op)
{
    return strstr(op, ".list") == NULL;
}

/*
 * Ask the daemon; if none listens, run in-process. Returns 0 with *resp
 * set, or an exit code after printing why there is no response.
 */
static int transport(const struct cli_env *env, const struct io *io,
                     const char *op, const json_t *req, json_t **resp)
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
    int rc = cli_control_request(sock_path, req, resp, env->timeout_ms);
    if (rc == 0) {
        return 0;
    }
    if (rc != -ENOENT && rc != -ECONNREFUSED) {
        fprintf(io->err, "sipwarden: control socket %s: %s\n", sock_path,
                rc == -EPROTO ? "bad or missing response from the daemon"
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
    struct ops_ctx ctx = { .st = st };
    ops_exec(&ctx, req, resp);
    store_close(st);
    if (!*resp) {
        fputs("sipwarden: out of memory\n", io->err);
        return EXIT_FAIL;
    }
    return 0;
}

static int run_cmd(const struct cmd *c, int argc, char **argv,
                   const struct cli_env *env, const struct io *io)
{
    struct args a;
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
    rc = c->build(&a, io, req);
    if (rc == -EILSEQ) {
        json_decref(req);
        fputs("sipwarden: arguments must be valid UTF-8\n", io->err);
        return EXIT_USAGE;
    }
    if (rc < 0) {
        json_decref(req);
        if (rc == -ENOMEM) {
            fputs("sipwarden: out of memory\n", io->err);
        }
        return EXIT_FAIL;
    }
    rc = transport(env, io, c->op, req, &resp);
    /* The request may hold a SIP password: drop it before printing. */
    json_object_del(req, "sip_password");
    json_decref(req);
    if (rc != 0) {
        return rc;
    }
    bool ok = json_is_true(json_object_get(resp, "ok"));
    if (a.json) {
        json_dumpf(resp, io->out, JSON_INDENT(2));
        fputc('\n', io->out);
    } else if (ok) {
        c->print(resp, io->out);
    }
    if (!ok) {
        const char *msg = json_string_value(json_object_get(resp, "error"));
        print_safe_line(
            io->err, "sipwarden: error: ", msg ? msg : "the operation failed");
    }
    json_decref(resp);
    return ok ? EXIT_OK : EXIT_FAIL;
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
    bool known_word = false;
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
    return EXIT_USAGE;
}
