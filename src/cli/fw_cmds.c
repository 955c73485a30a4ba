/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The firewall and ssh commands: `firewall render | apply | rollback`
 * work on this machine's nftables directly (apply and rollback as root),
 * from the configuration file; `ssh open | close | list` are operations
 * (ops/fwops.c) sent to the daemon or run in-process like the others.
 * What the rules say is fw/render.c's, loading them fw/apply.c's.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "base/buf.h"
#include "base/log.h"
#include "cli/cli.h"
#include "cli/cli_int.h"
#include "fw/apply.h"
#include "fw/render.h"
#include "fw/ssh.h"

enum { EXIT_OK = 0, EXIT_FAIL = 1, EXIT_USAGE = 2 };

/* Largest rendering (rate limits and grants included). */
#define RENDER_MAX (4u << 20)

static const char *const synopses[] = {
    "firewall render [--backend nftables|firewalld|iptables|ip6tables]",
    "firewall apply [--dry-run]",
    "firewall rollback",
    "ssh open --from CIDR --for DURATION (e.g. 30m, 2h) [--json]",
    "ssh close [--from CIDR] [--json]",
    "ssh list [--json]",
};

static void usage_of(const char *word, FILE *err)
{
    size_t n = strlen(word);

    for (size_t i = 0; i < sizeof(synopses) / sizeof(synopses[0]); i++) {
        if (strncmp(synopses[i], word, n) == 0 && synopses[i][n] == ' ') {
            fprintf(err, "usage: sipwarden %s\n", synopses[i]);
        }
    }
}

bool cli_fw_word(const char *word)
{
    return strcmp(word, "firewall") == 0 || strcmp(word, "ssh") == 0;
}

static int usage(const char *word, FILE *err, const char *what, const char *arg)
{
    char safe[128];

    cli_term_safe(arg, safe, sizeof(safe), 64);
    fprintf(err, "sipwarden: %s%s%s\n", what, arg ? " " : "", arg ? safe : "");
    usage_of(word, err);
    return EXIT_USAGE;
}

/* "--name VALUE" or "--name=VALUE" at argv[*i]; *val gets VALUE. */
static bool opt_value(int argc, char **argv, int *i, const char *name,
                      const char **val)
{
    size_t n = strlen(name);
    const char *a = argv[*i];

    if (strncmp(a, name, n) != 0) {
        return false;
    }
    if (a[n] == '=') {
        *val = a + n + 1;
        return true;
    }
    if (a[n] == '\0' && *i + 1 < argc) {
        *val = argv[++*i];
        return true;
    }
    return false;
}

static const char *jstr(const json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s ? s : "";
}

static void fmt_time(int64_t t, char *dst, size_t cap)
{
    time_t tt = (time_t)t;
    struct tm tm;

    if (t <= 0 || !gmtime_r(&tt, &tm)
        || strftime(dst, cap, "%Y-%m-%d %H:%M:%S", &tm) == 0) {
        snprintf(dst, cap, "-");
    }
}

/* "1h 30m", "45s" for a count of seconds. */
static void fmt_span(int64_t s, char *dst, size_t cap)
{
    if (s >= 3600) {
        snprintf(dst, cap, "%lldh %02lldm", (long long)(s / 3600),
                 (long long)(s % 3600 / 60));
    } else if (s >= 60) {
        snprintf(dst, cap, "%lldm %02llds", (long long)(s / 60),
                 (long long)(s % 60));
    } else {
        snprintf(dst, cap, "%llds", (long long)s);
    }
}

/* ---- the service configuration ------------------------------------------ */

/*
 * The configuration's firewall view with sshd's ports filled in when
 * [firewall] ssh_port is unset. Returns 0 or an exit code after a message.
 */
static int svc_of(const struct cli_env *env, FILE *err, struct fw_svc_cfg *c)
{
    uint16_t ports[FW_SSH_PORTS_MAX];
    int n;

    if (env->fw_svc == NULL) {
        fputs("sipwarden: [firewall] table is too long to name the service "
              "table after it (at most 28 characters)\n",
              err);
        return EXIT_FAIL;
    }
    *c = *env->fw_svc;
    if (!c->ssh_ports_from_sshd) {
        return 0;
    }
    n = fw_sshd_ports_read(FW_SSHD_CONFIG, ports, FW_SSH_PORTS_MAX);
    if (n == -EINVAL) {
        fprintf(err,
                "sipwarden: %s has a Port line that is not a port; set "
                "[firewall] ssh_port\n",
                FW_SSHD_CONFIG);
        return EXIT_FAIL;
    }
    if (n > 0) {
        memcpy(c->ssh_ports, ports, sizeof(ports[0]) * (size_t)n);
        c->n_ssh_ports = (size_t)n;
    }
    /* No sshd_config or no Port line: sshd's default 22 (kept). */
    return 0;
}

/* ---- firewall render ---------------------------------------------------- */

static int fw_render(int argc, char **argv, const struct cli_env *env,
                     FILE *out, FILE *err)
{
    enum fw_backend be = FW_BACKEND_NFTABLES;
    struct fw_svc_cfg c;
    struct buf b;
    int rc;

    for (int i = 0; i < argc; i++) {
        const char *v = NULL;
        if (opt_value(argc, argv, &i, "--backend", &v)) {
            if (fw_backend_parse(v, &be) != 0) {
                return usage("firewall", err, "unknown backend", v);
            }
            continue;
        }
        return usage("firewall", err, "unexpected argument", argv[i]);
    }
    rc = svc_of(env, err, &c);
    if (rc != 0) {
        return rc;
    }
    buf_init(&b, RENDER_MAX);
    rc = fw_svc_render(&c, be, NULL, 0, &b);
    if (rc == 0) {
        fwrite(b.p, 1, b.len, out);
    } else {
        char why[FW_WHY_CAP] = "";
        (void)fw_svc_cfg_check(&c, why, sizeof(why));
        fprintf(err, "sipwarden: cannot render the firewall: %s\n",
                why[0] ? why : strerror(-rc));
    }
    buf_fini(&b);
    return rc == 0 ? EXIT_OK : EXIT_FAIL;
}

/* ---- firewall apply / rollback ------------------------------------------ */

/* Open grants from the record (daemon or store), so a new table keeps
 * them with their remaining time. Returns how many, or -1 on failure
 * (with the reason in why). */
static int open_grants(const struct cli_env *env, struct fw_grant *g,
                       size_t cap, char *why, size_t why_cap)
{
    char *msg = NULL;
    size_t msg_len = 0;
    FILE *quiet = open_memstream(&msg, &msg_len);
    json_t *req = json_pack("{s:s}", "op", "ssh.list");
    json_t *resp = NULL;
    json_t *v;
    size_t i;
    int n = 0;
    int rc;

    char db[4096];
    struct stat sb;

    /* No database yet: nothing was ever granted. */
    snprintf(db, sizeof(db), "%s/sipwarden.db", env->data_dir);
    if (stat(db, &sb) == -1 && errno == ENOENT) {
        if (quiet != NULL) {
            fclose(quiet);
        }
        free(msg);
        json_decref(req);
        return 0;
    }
    if (quiet == NULL || req == NULL) {
        if (quiet != NULL) {
            fclose(quiet);
        }
        free(msg);
        json_decref(req);
        snprintf(why, why_cap, "out of memory");
        return -1;
    }
    rc = cli_run_request(env, quiet, quiet, req, "ssh.list", &resp);
    fclose(quiet);
    if (rc != 0 || !json_is_true(json_object_get(resp, "ok"))) {
        snprintf(why, why_cap, "%s",
                 rc != 0 ? (msg != NULL ? msg : "") : jstr(resp, "error"));
        why[strcspn(why, "\n")] = '\0';
        free(msg);
        json_decref(resp);
        return -1;
    }
    free(msg);
    json_array_foreach(json_object_get(resp, "grants"), i, v)
    {
        json_int_t left = json_integer_value(json_object_get(v, "expires_in"));
        struct sec_net net;
        if (strcmp(jstr(v, "state"), "open") != 0 || left <= 0
            || (size_t)n == cap
            || sec_net_parse(sv_cstr(jstr(v, "from")), 0, &net, NULL, NULL, 0)
                   != 0) {
            continue;
        }
        g[n].net = net;
        g[n].timeout_s = (uint32_t)(left > FW_SSH_MAX_S ? FW_SSH_MAX_S : left);
        n++;
    }
    json_decref(resp);
    return n;
}

/* The operator's SSH client address, or NULL outside SSH. */
static const char *ssh_client(char *buf, size_t cap)
{
    const char *v = getenv("SSH_CONNECTION");
    size_t n;

    if (v == NULL) {
        v = getenv("SSH_CLIENT");
    }
    if (v == NULL) {
        return NULL;
    }
    n = strcspn(v, " ");
    if (n == 0 || n >= cap) {
        return NULL;
    }
    memcpy(buf, v, n);
    buf[n] = '\0';
    return buf;
}

/* Tell an operator on SSH that temp_ssh closes new sessions from them. */
static void warn_ssh_lockout(const struct fw_svc_cfg *c,
                             const struct fw_grant *g, size_t n, FILE *err)
{
    char ip[128];
    char safe[160];
    struct sec_net me;

    if (!c->temp_ssh || c->n_ssh_ports == 0 || !ssh_client(ip, sizeof(ip))
        || sec_net_parse(sv_cstr(ip), 0, &me, NULL, NULL, 0) != 0) {
        return;
    }
    for (size_t i = 0; i < n; i++) {
        if (sec_net_contains(&g[i].net, &me)) {
            return;
        }
    }
    cli_term_safe(ip, safe, sizeof(safe), 64);
    fprintf(err,
            "warning: [firewall] temp_ssh = on: this session stays up, but "
            "new SSH connections from %s need `sipwarden ssh open --from "
            "%s --for 30m`\n",
            safe, safe);
}

/* 'msg' for an event line's quoted value: no quotes, no control bytes. */
static const char *event_text(const char *msg, char *out, size_t cap)
{
    size_t i = 0;

    for (; msg[i] != '\0' && i + 1 < cap; i++) {
        unsigned char ch = (unsigned char)msg[i];
        out[i] =
            (char)(ch < 0x20 || ch >= 0x7f || ch == '"' || ch == '\\' ? '_'
                                                                      : ch);
    }
    out[i] = '\0';
    return out;
}

static void save_path_of(const struct cli_env *env, char *buf, size_t cap)
{
    snprintf(buf, cap, "%s/%s", env->data_dir, FW_SAVE_FILE);
}

static int fw_apply(int argc, char **argv, const struct cli_env *env, FILE *out,
                    FILE *err)
{
    struct fw_grant grants[64];
    struct fw_apply_info info;
    char path[4096];
    char msg[512];
    char esc[LOG_ESC_CAP];
    struct fw_svc_cfg c;
    bool dry_run = false;
    struct buf b;
    int n_grants = 0;
    int rc;

    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--dry-run") == 0) {
            dry_run = true;
            continue;
        }
        return usage("firewall", err, "unexpected argument", argv[i]);
    }
    rc = svc_of(env, err, &c);
    if (rc != 0) {
        return rc;
    }
    if (c.temp_ssh && !dry_run) {
        n_grants = open_grants(env, grants, sizeof(grants) / sizeof(grants[0]),
                               msg, sizeof(msg));
        if (n_grants < 0) {
            cli_term_safe(msg, esc, sizeof(esc), 200);
            fprintf(err,
                    "warning: open SSH grants not carried over (cannot "
                    "list them: %s)\n",
                    esc);
            n_grants = 0;
        }
    }
    buf_init(&b, RENDER_MAX);
    rc = fw_svc_render(&c, FW_BACKEND_NFTABLES, grants, (size_t)n_grants, &b);
    if (rc != 0) {
        fprintf(err, "sipwarden: cannot render the firewall: %s\n",
                strerror(-rc));
        buf_fini(&b);
        return EXIT_FAIL;
    }
    if (!dry_run) {
        /* The save file lives in the data directory, maybe not made yet. */
        (void)mkdir(env->data_dir, 0750);
    }
    save_path_of(env, path, sizeof(path));
    rc = fw_svc_apply(c.table, b.p, path, dry_run, &info, msg, sizeof(msg));
    buf_fini(&b);
    if (rc != 0) {
        log_event("event=firewall_apply table=inet %s result=failed "
                  "dry_run=%d error=\"%s\"",
                  c.table, dry_run ? 1 : 0, event_text(msg, esc, sizeof(esc)));
        cli_term_safe(msg, esc, sizeof(esc), 0);
        fprintf(err, "sipwarden: firewall apply failed: %s\n", esc);
        return EXIT_FAIL;
    }
    if (dry_run) {
        fprintf(out,
                "check passed: table inet %s loads as rendered (nothing "
                "changed)\n",
                c.table);
        return EXIT_OK;
    }
    log_event("event=firewall_apply table=inet %s result=ok previous=%s "
              "saved=%s grants=%d",
              c.table, info.had_table ? "table" : "none", path, n_grants);
    fprintf(out,
            "applied table inet %s; the previous %s saved in %s (undo: "
            "sipwarden firewall rollback)\n",
            c.table, info.had_table ? "table is" : "state (no such table) is",
            path);
    warn_ssh_lockout(&c, grants, (size_t)n_grants, err);
    return EXIT_OK;
}

static int fw_rollback(int argc, char **argv, const struct cli_env *env,
                       FILE *out, FILE *err)
{
    struct fw_grant grants[64];
    char path[4096];
    char msg[512];
    char esc[LOG_ESC_CAP];
    struct fw_svc_cfg c;
    bool had = false;
    int n_grants;
    int rc;

    if (argc > 0) {
        return usage("firewall", err, "unexpected argument", argv[0]);
    }
    rc = svc_of(env, err, &c);
    if (rc != 0) {
        return rc;
    }
    /* The restored table gets today's grants, not the saved ones. */
    n_grants = open_grants(env, grants, sizeof(grants) / sizeof(grants[0]), msg,
                           sizeof(msg));
    if (n_grants < 0) {
        cli_term_safe(msg, esc, sizeof(esc), 200);
        fprintf(err,
                "warning: open SSH grants not carried over (cannot list "
                "them: %s)\n",
                esc);
        n_grants = 0;
    }
    save_path_of(env, path, sizeof(path));
    rc = fw_svc_rollback(c.table, path, grants, (size_t)n_grants, &had, msg,
                         sizeof(msg));
    if (rc != 0) {
        log_event("event=firewall_rollback table=inet %s result=failed "
                  "error=\"%s\"",
                  c.table, event_text(msg, esc, sizeof(esc)));
        cli_term_safe(msg, esc, sizeof(esc), 0);
        fprintf(err, "sipwarden: firewall rollback failed: %s\n", esc);
        return EXIT_FAIL;
    }
    log_event("event=firewall_rollback table=inet %s result=ok restored=%s",
              c.table, had ? "table" : "none");
    fprintf(out, "rolled back: %s\n",
            had ? "the previous table is restored"
                : "the table is removed (there was none before)");
    return EXIT_OK;
}

/* ---- ssh ---------------------------------------------------------------- */

static void print_error(const json_t *resp, FILE *err)
{
    char safe[1024];

    cli_term_safe(json_string_value(json_object_get(resp, "error")), safe,
                  sizeof(safe), 0);
    fprintf(err, "sipwarden: error: %s\n", safe);
}

static void print_grant_open(const json_t *g, FILE *out)
{
    char from[SEC_NET_FMT_CAP + 8];
    char until[32];
    char span[32];

    cli_term_safe(jstr(g, "from"), from, sizeof(from), 0);
    fmt_time(json_integer_value(json_object_get(g, "expires_at")), until,
             sizeof(until));
    fmt_span(json_integer_value(json_object_get(g, "seconds")), span,
             sizeof(span));
    fprintf(out,
            "SSH open for %s for %s, until %s UTC; the kernel closes it "
            "then\n",
            from, span, until);
}

static void print_list(const json_t *resp, FILE *out)
{
    static const char *const head[] = { "FROM",  "STATE", "OPENED (UTC)",
                                        "UNTIL", "LEFT",  "BY" };
    json_t *arr = json_object_get(resp, "grants");
    struct cli_table t;
    size_t i;
    json_t *v;

    if (!json_is_true(json_object_get(resp, "enabled"))) {
        fputs("temporary SSH access is disabled ([firewall] temp_ssh = "
              "off)\n",
              out);
    }
    if (json_array_size(arr) == 0) {
        fputs("no temporary SSH grants\n", out);
        return;
    }
    cli_table_init(&t, 6);
    cli_table_add(&t, head);
    json_array_foreach(arr, i, v)
    {
        char opened[32], until[32], left[32];
        bool open = strcmp(jstr(v, "state"), "open") == 0;
        fmt_time(json_integer_value(json_object_get(v, "opened_at")), opened,
                 sizeof(opened));
        fmt_time(json_integer_value(json_object_get(v, "expires_at")), until,
                 sizeof(until));
        if (open) {
            fmt_span(json_integer_value(json_object_get(v, "expires_in")), left,
                     sizeof(left));
        } else {
            snprintf(left, sizeof(left), "-");
        }
        const char *row[] = { jstr(v, "from"),
                              open ? "open" : "closed (expired)",
                              opened,
                              until,
                              left,
                              jstr(v, "by") };
        cli_table_add(&t, row);
    }
    cli_table_print(&t, out);
    cli_table_fini(&t);
}

static int ssh_cmd(int argc, char **argv, const struct cli_env *env, FILE *out,
                   FILE *err)
{
    const char *sub = argv[0];
    const char *from = NULL;
    const char *dur = NULL;
    bool json = false;
    json_t *req;
    json_t *resp = NULL;
    char op[16];
    int rc;

    for (int i = 1; i < argc; i++) {
        const char *v = NULL;
        if (strcmp(argv[i], "--json") == 0) {
            json = true;
        } else if (strcmp(sub, "list") != 0
                   && opt_value(argc, argv, &i, "--from", &v)) {
            from = v;
        } else if (strcmp(sub, "open") == 0
                   && opt_value(argc, argv, &i, "--for", &v)) {
            dur = v;
        } else {
            return usage("ssh", err, "unexpected argument", argv[i]);
        }
    }
    snprintf(op, sizeof(op), "ssh.%s", sub);
    req = json_pack("{s:s}", "op", op);
    if (req == NULL) {
        fputs("sipwarden: out of memory\n", err);
        return EXIT_FAIL;
    }
    if (strcmp(sub, "open") == 0) {
        uint32_t min_s = env->fw_svc ? env->fw_svc->ssh_min_s : FW_SSH_MIN_S;
        char why[160];
        uint32_t secs;
        if (from == NULL || dur == NULL) {
            json_decref(req);
            return usage("ssh", err, "ssh open needs --from and --for", NULL);
        }
        if (fw_duration_parse(dur, min_s, FW_SSH_MAX_S, &secs, why, sizeof(why))
            != 0) {
            json_decref(req);
            return usage("ssh", err, why, NULL);
        }
        json_object_set_new(req, "seconds", json_integer(secs));
    }
    if (from != NULL) {
        json_t *s = json_string(from);
        if (s == NULL) {
            json_decref(req);
            return usage("ssh", err, "--from must be valid UTF-8", NULL);
        }
        json_object_set_new(req, "from", s);
    }
    rc = cli_run_request(env, out, err, req, op, &resp);
    if (rc != 0) {
        return rc;
    }
    if (json) {
        json_dumpf(resp, out, JSON_INDENT(2));
        fputc('\n', out);
    }
    if (!json_is_true(json_object_get(resp, "ok"))) {
        print_error(resp, err);
        json_decref(resp);
        return EXIT_FAIL;
    }
    if (!json && strcmp(sub, "open") == 0) {
        print_grant_open(json_object_get(resp, "grant"), out);
    } else if (!json && strcmp(sub, "close") == 0) {
        json_t *arr = json_object_get(resp, "closed");
        size_t i;
        json_t *v;
        if (json_array_size(arr) == 0) {
            fputs("no temporary SSH grant was open\n", out);
        }
        json_array_foreach(arr, i, v)
        {
            char safe[SEC_NET_FMT_CAP + 8];
            cli_term_safe(json_string_value(v), safe, sizeof(safe), 0);
            fprintf(out, "SSH closed for %s\n", safe);
        }
    } else if (!json) {
        print_list(resp, out);
    }
    json_decref(resp);
    return EXIT_OK;
}

/* ---- dispatch ----------------------------------------------------------- */

int cli_fw_main(int argc, char **argv, const struct cli_env *env, FILE *out,
                FILE *err)
{
    const char *word = argc > 0 ? argv[0] : "";
    const char *sub = argc > 1 ? argv[1] : NULL;

    if (!cli_fw_word(word)) {
        return -ENOSYS;
    }
    if (sub == NULL) {
        fprintf(err, "sipwarden: '%s' needs a subcommand\n", word);
        usage_of(word, err);
        return EXIT_USAGE;
    }
    if (strcmp(sub, "-h") == 0 || strcmp(sub, "--help") == 0) {
        usage_of(word, out);
        return EXIT_OK;
    }
    if (strcmp(word, "firewall") == 0) {
        if (strcmp(sub, "render") == 0) {
            return fw_render(argc - 2, argv + 2, env, out, err);
        }
        if (strcmp(sub, "apply") == 0) {
            return fw_apply(argc - 2, argv + 2, env, out, err);
        }
        if (strcmp(sub, "rollback") == 0) {
            return fw_rollback(argc - 2, argv + 2, env, out, err);
        }
    } else if (strcmp(sub, "open") == 0 || strcmp(sub, "close") == 0
               || strcmp(sub, "list") == 0) {
        return ssh_cmd(argc - 1, argv + 1, env, out, err);
    }
    return usage(word, err, "unknown subcommand", sub);
}
