/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The CLI run in-process: offline flows on a temp data directory, output
 * formats, exit codes, and the control-socket transport against a fake
 * daemon thread.
 */
#include <errno.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>

#include <cmocka.h>

#include "cli_fx.h"
#include "ops/ops.h"
#include "store/store.h"

static void ha1_sha256(const char *in, char *hex)
{
    unsigned char d[32];
    unsigned int n = 0;
    assert_int_equal(EVP_Digest(in, strlen(in), d, &n, EVP_sha256(), NULL), 1);
    for (unsigned int i = 0; i < n; i++) {
        snprintf(hex + 2 * i, 3, "%02x", d[i]);
    }
}

/* ------------------------------------------------------------------ */
/* Offline flows                                                        */
/* ------------------------------------------------------------------ */

static void tenant_and_user_flow(void **state)
{
    struct fx *fx = *state;

    assert_int_equal(
        cli(fx, "tenant", "add", "Example.com", "--name", "Example Ltd", NULL),
        0);
    has(fx->out, "added tenant example.com");
    assert_string_equal(fx->err, "");
    assert_int_equal(cli(fx, "tenant", "add", "b.example", NULL), 0);
    assert_int_equal(cli(fx, "tenant", "list", NULL), 0);
    has(fx->out, "DOMAIN");
    has(fx->out, "example.com  Example Ltd");
    has(fx->out, "b.example");

    assert_int_equal(cli(fx, "user", "add", "100@example.com", "--role",
                         "admin", "--name", "Alice", "--email",
                         "alice@example.com", "--sip-password",
                         "Correct-Horse-9", NULL),
                     0);
    has(fx->out, "added user 100@example.com (role admin)");
    lacks(fx->out, "Correct-Horse-9");
    assert_int_equal(
        cli(fx, "user", "add", "101@example.com", "--generate-password", NULL),
        0);
    has(fx->out, "SIP password (shown only once): ");
    const char *pw = strstr(fx->out, "once): ") + 7;
    assert_int_equal(strcspn(pw, "\n"), 20);

    assert_int_equal(cli(fx, "user", "list", "example.com", NULL), 0);
    has(fx->out, "EXT");
    has(fx->out, "100  Alice");
    has(fx->out, "alice@example.com");
    has(fx->out, "101");

    assert_int_equal(cli(fx, "user", "set", "100@example.com", "--role",
                         "international", NULL),
                     0);
    has(fx->out, "updated user 100@example.com (role international)");
    assert_int_equal(cli(fx, "user", "rm", "101@example.com", NULL), 0);
    has(fx->out, "removed user 101@example.com");
    assert_int_equal(cli(fx, "user", "list", "example.com", NULL), 0);
    lacks(fx->out, "101");
    has(fx->out, "international");

    assert_int_equal(cli(fx, "user", "list", "b.example", NULL), 0);
    has(fx->out, "no users in b.example");
    assert_int_equal(cli(fx, "reg", "list", NULL), 0);
    has(fx->out, "no registrations");
}

static void json_output(void **state)
{
    struct fx *fx = *state;
    json_error_t jerr;

    assert_int_equal(cli(fx, "tenant", "add", "example.com", "--json", NULL),
                     0);
    assert_int_equal(cli(fx, "tenant", "list", "--json", NULL), 0);
    json_t *j = json_loads(fx->out, 0, &jerr);
    assert_non_null(j);
    assert_true(json_is_true(json_object_get(j, "ok")));
    json_t *t = json_array_get(json_object_get(j, "tenants"), 0);
    assert_string_equal(json_string_value(json_object_get(t, "domain")),
                        "example.com");
    json_decref(j);

    assert_int_equal(cli(fx, "user", "add", "7@example.com", "--json", NULL),
                     0);
    j = json_loads(fx->out, 0, &jerr);
    assert_non_null(j);
    assert_int_equal(
        strlen(json_string_value(json_object_get(j, "sip_password"))), 20);
    json_decref(j);

    /* Errors in JSON mode: the response on stdout, the message on
     * stderr, exit 1. */
    assert_int_equal(cli(fx, "tenant", "add", "example.com", "--json", NULL),
                     1);
    j = json_loads(fx->out, 0, &jerr);
    assert_non_null(j);
    assert_string_equal(json_string_value(json_object_get(j, "code")),
                        "exists");
    json_decref(j);
    has(fx->err, "already exists");
}

static void failures_exit_1(void **state)
{
    struct fx *fx = *state;
    assert_int_equal(cli(fx, "tenant", "add", "example.com", NULL), 0);

    assert_int_equal(cli(fx, "tenant", "add", "EXAMPLE.com", NULL), 1);
    has(fx->err, "sipwarden: error: tenant example.com already exists");
    assert_string_equal(fx->out, "");
    assert_int_equal(cli(fx, "tenant", "add", "bad..domain", NULL), 1);
    has(fx->err, "domain");
    assert_int_equal(cli(fx, "user", "add", "1@nope.example", NULL), 1);
    has(fx->err, "nope.example");
    assert_int_equal(
        cli(fx, "user", "add", "1@example.com", "--sip-password", "abc", NULL),
        1);
    has(fx->err, "too_short");
    assert_int_equal(
        cli(fx, "user", "add", "1@example.com", "--role", "root", NULL), 1);
    has(fx->err, "role must be admin, international or standard");
    assert_int_equal(cli(fx, "user", "rm", "1@example.com", NULL), 1);
    has(fx->err, "no user 1@example.com");
    assert_int_equal(
        cli(fx, "user", "set", "1@example.com", "--name", "x", NULL), 1);
    assert_int_equal(cli(fx, "user", "list", "nope.example", NULL), 1);
    assert_int_equal(cli(fx, "reg", "list", "nope.example", NULL), 1);
    assert_int_equal(cli(fx, "tenant", "add", "bad\xff.example", NULL), 2);
    has(fx->err, "UTF-8");
}

static void usage_errors_exit_2(void **state)
{
    struct fx *fx = *state;
    static const char *const cases[][7] = {
        { "tenant", "add", NULL },
        { "tenant", "add", "a.example", "b.example", NULL },
        { "tenant", "add", "a.example", "--role", "admin", NULL },
        { "tenant", "list", "extra", NULL },
        { "tenant", "nuke", NULL },
        { "tenant", NULL },
        { "user", "add", "1@a.example", "--bogus", NULL },
        { "user", "add", "1@a.example", "--sip-password", NULL },
        { "user", "add", "1@a.example", "--generate-password=yes", NULL },
        { "user", "add", "1@a.example", "--name", "a", "--name", NULL },
        { "user", "list", NULL },
        { "user", "rm", "1@a.example", "--role", "admin", NULL },
        { "version", "extra", NULL },
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const char *const *c = cases[i];
        int rc = cli(fx, c[0], c[1], c[2], c[3], c[4], c[5], c[6], NULL);
        if (rc != 2) {
            fail_msg("case %zu (%s %s): exit %d, stderr: %s", i, c[0],
                     c[1] ? c[1] : "", rc, fx->err);
        }
        has(fx->err, "sipwarden: ");
        has(fx->err, "usage");
    }
    assert_int_equal(cli(fx, "user", "add", "1@a.example", "--sip-password",
                         "x", "--generate-password", NULL),
                     2);
    has(fx->err, "not both");
    /* Nothing was created by a usage error. */
    struct stat sb;
    assert_int_equal(stat(fx->data_dir, &sb), -1);
}

static void unknown_commands_are_left_to_main(void **state)
{
    struct fx *fx = *state;
    assert_int_equal(cli(fx, "serve", NULL), -ENOSYS);
    assert_string_equal(fx->out, "");
    assert_string_equal(fx->err, "");
    assert_int_equal(cli(fx, "wait-ready", "--timeout", "5", NULL), -ENOSYS);
    assert_int_equal(cli(fx, NULL), 2);
}

static void help_and_version(void **state)
{
    struct fx *fx = *state;
    assert_int_equal(cli(fx, "version", NULL), 0);
    assert_string_equal(fx->out, "sipwarden " SW_VERSION "\n");
    assert_int_equal(cli(fx, "version", "--json", NULL), 0);
    json_error_t jerr;
    json_t *j = json_loads(fx->out, 0, &jerr);
    assert_non_null(j);
    assert_string_equal(json_string_value(json_object_get(j, "version")),
                        SW_VERSION);
    json_decref(j);
    assert_int_equal(cli(fx, "help", NULL), 0);
    has(fx->out, "user add EXT@DOMAIN");
    assert_int_equal(cli(fx, "user", "add", "--help", NULL), 0);
    has(fx->out, "usage: sipwarden user add EXT@DOMAIN");
}

static void password_from_stdin(void **state)
{
    struct fx *fx = *state;
    struct store *st = NULL;
    struct store_creds c;
    char want[65];
    char err[512];

    assert_int_equal(cli(fx, "tenant", "add", "example.com", NULL), 0);
    fx->stdin_text = "Stdin-Horse-77\r\nignored second line\n";
    assert_int_equal(
        cli(fx, "user", "add", "300@example.com", "--sip-password", "-", NULL),
        0);
    lacks(fx->out, "SIP password");
    assert_int_equal(store_open(fx->data_dir, &st, err, sizeof(err)), 0);
    assert_int_equal(store_user_get_creds(st, "example.com", "300", &c), 0);
    store_close(st);
    ha1_sha256("300:example.com:Stdin-Horse-77", want);
    assert_string_equal(c.ha1_sha256, want);

    fx->stdin_text = "";
    assert_int_equal(
        cli(fx, "user", "set", "300@example.com", "--sip-password", "-", NULL),
        1);
    has(fx->err, "no password on standard input");
    fx->stdin_text = "\n";
    assert_int_equal(
        cli(fx, "user", "set", "300@example.com", "--sip-password=-", NULL), 1);
}

static void reg_list_offline(void **state)
{
    struct fx *fx = *state;
    struct store *st = NULL;
    struct store_tenant t;
    struct store_user u;
    char err[512];

    assert_int_equal(cli(fx, "tenant", "add", "example.com", NULL), 0);
    assert_int_equal(cli(fx, "user", "add", "100@example.com", NULL), 0);
    assert_int_equal(store_open(fx->data_dir, &st, err, sizeof(err)), 0);
    assert_int_equal(store_tenant_find(st, "example.com", &t), 0);
    assert_int_equal(store_user_find(st, t.id, "100", &u), 0);
    struct store_binding b = {
        .user_id = u.id,
        .aor = "sip:100@example.com",
        .contact_uri = "sip:100@192.0.2.7:5060",
        .expires_at = (int64_t)time(NULL) + 3600,
        .source = "udp:192.0.2.7:5060",
        .user_agent = "Evil\x1b[2J\xc2\x9b"
                      "31mUA",
    };
    assert_int_equal(store_binding_upsert(st, &b, (int64_t)time(NULL), NULL),
                     0);
    store_close(st);

    assert_int_equal(cli(fx, "reg", "list", NULL), 0);
    has(fx->out, "USER");
    has(fx->out, "100@example.com");
    has(fx->out, "sip:100@192.0.2.7:5060");
    has(fx->out, "udp:192.0.2.7:5060");
    /* Terminal controls from the wire are neutralised. */
    lacks(fx->out, "\x1b");
    lacks(fx->out, "\xc2\x9b");
    has(fx->out, "Evil?[2J?31mUA");
    assert_int_equal(cli(fx, "reg", "list", "EXAMPLE.com", NULL), 0);
    has(fx->out, "100@example.com");
}

static void reading_never_creates_a_data_dir(void **state)
{
    struct fx *fx = *state;
    struct stat sb;
    assert_int_equal(cli(fx, "tenant", "list", NULL), 1);
    has(fx->err, "no database");
    assert_int_equal(stat(fx->data_dir, &sb), -1);
}

static void store_errors_are_reported(void **state)
{
    struct fx *fx = *state;
    char p[400];
    assert_int_equal(cli(fx, "tenant", "add", "example.com", NULL), 0);
    snprintf(p, sizeof(p), "%s/secret.key", fx->data_dir);
    assert_int_equal(chmod(p, 0644), 0);
    assert_int_equal(cli(fx, "tenant", "list", NULL), 1);
    has(fx->err, "secret.key");
    has(fx->err, "chmod 600");
}

/* ------------------------------------------------------------------ */
/* user import                                                          */
/* ------------------------------------------------------------------ */

/* Write 'text' to a file 'name' in the test's temp dir; path in 'path'. */
static void write_file(const struct fx *fx, const char *name, const char *text,
                       char *path, size_t cap)
{
    snprintf(path, cap, "%s/%s", fx->dir.path, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    assert_int_equal(fwrite(text, 1, strlen(text), f), strlen(text));
    assert_int_equal(fclose(f), 0);
}

/* The HA1-SHA256 stored for ext@example.com is that of 'pw'. */
static void creds_are(const struct fx *fx, const char *ext, const char *pw)
{
    struct store *st = NULL;
    struct store_creds c;
    char in[256];
    char want[65];
    char err[512];

    assert_int_equal(store_open(fx->data_dir, &st, err, sizeof(err)), 0);
    assert_int_equal(store_user_get_creds(st, "example.com", ext, &c), 0);
    store_close(st);
    snprintf(in, sizeof(in), "%s:example.com:%s", ext, pw);
    ha1_sha256(in, want);
    assert_string_equal(c.ha1_sha256, want);
}

static void user_import_from_file(void **state)
{
    struct fx *fx = *state;
    char path[512];
    char pw[32];

    assert_int_equal(cli(fx, "tenant", "add", "example.com", NULL), 0);
    write_file(fx, "users.csv",
               "# ext,password,role,name,email\n"
               "\n"
               "1000,Correct-Horse-9,admin,\"Doe, Jane\",jane@example.com\r\n"
               "1001,\n"
               "   \n"
               "1002,,international,Bob\n"
               "1003,\"Quoted,\"\"Horse\"\"-8\"\n",
               path, sizeof(path));
    assert_int_equal(cli(fx, "user", "import", "example.com", path, NULL), 0);
    assert_string_equal(fx->err, "");
    has(fx->out, "imported 4 users into example.com\n");
    lacks(fx->out, "Correct-Horse-9");
    /* Generated passwords, one "ext,password" line each. */
    const char *g = strstr(fx->out, "\n1001,");
    assert_non_null(g);
    g += 6;
    assert_int_equal(strcspn(g, "\n"), 20);
    memcpy(pw, g, 20);
    pw[20] = '\0';
    creds_are(fx, "1001", pw);
    g = strstr(fx->out, "\n1002,");
    assert_non_null(g);
    assert_int_equal(strcspn(g + 6, "\n"), 20);
    lacks(fx->out, "1000,");
    lacks(fx->out, "1003,");
    creds_are(fx, "1000", "Correct-Horse-9");
    creds_are(fx, "1003", "Quoted,\"Horse\"-8");

    assert_int_equal(cli(fx, "user", "list", "example.com", NULL), 0);
    has(fx->out, "1000  Doe, Jane  admin");
    has(fx->out, "jane@example.com");
    has(fx->out, "1001");
    has(fx->out, "1002  Bob");
    has(fx->out, "international");
    has(fx->out, "1003");

    /* --json prints the response; standard input as the file. */
    fx->stdin_text = "2000,\n2001,Correct-Horse-9\n";
    assert_int_equal(
        cli(fx, "user", "import", "example.com", "-", "--json", NULL), 0);
    json_error_t jerr;
    json_t *j = json_loads(fx->out, 0, &jerr);
    assert_non_null(j);
    assert_int_equal(json_integer_value(json_object_get(j, "added")), 2);
    json_t *gen = json_object_get(j, "generated");
    assert_int_equal(json_array_size(gen), 1);
    assert_string_equal(
        json_string_value(json_object_get(json_array_get(gen, 0), "ext")),
        "2000");
    json_decref(j);
}

/* A line that cannot be an entry stops the import before anything is
 * sent or opened: no data directory appears. */
static void user_import_malformed_line(void **state)
{
    struct fx *fx = *state;
    static const struct {
        const char *text;
        const char *where; /* ":LINE: reason" */
    } cases[] = {
        { "# header\n1000,Correct-Horse-9\n1001,Correct-Horse-9,root\n",
          ":3: role must be admin, international or standard" },
        { "1000\n", ":1: expected ext,password" },
        { "1000,a,standard,n,e@x.org,extra\n", ":1: too many fields" },
        { "\n\n1000,\"abc\n", ":3: unterminated quoted field" },
        { "1000,\"abc\"def\n", ":1: text after a closing quote" },
        { ",Correct-Horse-9\n", ":1: extension is empty" },
        { "10 0,Correct-Horse-9\n", ":1: extension may contain only" },
        { "1000,Correct-Horse-9,,,not-an-email\n", ":1: " },
        { "1000,Correct-\xff-Horse\n", ":1: not valid UTF-8" },
        { "1000,ok\n1001,Correct-Horse-9,admin,\"a\x01b\"\n", ":2: " },
    };
    char path[512];
    char want[600];
    struct stat sb;

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        write_file(fx, "bad.csv", cases[i].text, path, sizeof(path));
        int rc = cli(fx, "user", "import", "example.com", path, NULL);
        snprintf(want, sizeof(want), "sipwarden: %s%s", path, cases[i].where);
        if (rc != 1 || !strstr(fx->err, want)) {
            fail_msg("case %zu: exit %d, stderr '%s', want '%s'", i, rc,
                     fx->err, want);
        }
        assert_string_equal(fx->out, "");
    }
    assert_int_equal(stat(fx->data_dir, &sb), -1);

    /* Missing file; missing argument. */
    snprintf(path, sizeof(path), "%s/none.csv", fx->dir.path);
    assert_int_equal(cli(fx, "user", "import", "example.com", path, NULL), 1);
    has(fx->err, "none.csv: No such file or directory");
    assert_int_equal(cli(fx, "user", "import", "example.com", NULL), 2);
    has(fx->err, "usage: sipwarden user import DOMAIN FILE");

    /* Refused by the daemon's checks (here: offline): the error is
     * traced back to the file line, and no user was added. */
    assert_int_equal(cli(fx, "tenant", "add", "example.com", NULL), 0);
    write_file(fx, "policy.csv",
               "# users\n"
               "1000,Correct-Horse-9\n"
               "\n"
               "1001,Xy-1234-Qwe\n"
               "1002,\n",
               path, sizeof(path));
    assert_int_equal(cli(fx, "user", "import", "example.com", path, NULL), 1);
    snprintf(
        want, sizeof(want),
        "sipwarden: error: %s:4: entry 1 (ext 1001): sip_password: ", path);
    has(fx->err, want);
    has(fx->err, "sequence");
    assert_string_equal(fx->out, "");
    assert_int_equal(cli(fx, "user", "list", "example.com", NULL), 0);
    has(fx->out, "no users in example.com");
}

/* ------------------------------------------------------------------ */
/* Control socket                                                       */
/* ------------------------------------------------------------------ */

enum daemon_mode {
    D_OPS,     /* run ops_exec on its own store handle */
    D_CLOSE,   /* read the request, close without answering */
    D_GARBAGE, /* answer a line that is not JSON */
    D_SILENT,  /* read the request, wait for the client to hang up */
};

struct daemon {
    int lfd;
    enum daemon_mode mode;
    const char *data_dir;
    char req_line[4096];
    int n_served;
    pthread_t thr;
};

static size_t read_line(int fd, char *dst, size_t cap)
{
    size_t n = 0;
    while (n + 1 < cap) {
        ssize_t r = read(fd, dst + n, 1);
        if (r <= 0 || dst[n] == '\n') {
            break;
        }
        n++;
    }
    dst[n] = '\0';
    return n;
}

static void *daemon_main(void *arg)
{
    struct daemon *d = arg;
    int fd = accept(d->lfd, NULL, NULL);
    if (fd < 0) {
        return NULL;
    }
    read_line(fd, d->req_line, sizeof(d->req_line));
    d->n_served++;
    if (d->mode == D_OPS) {
        struct store *st = NULL;
        char err[512];
        json_t *resp = NULL;
        json_error_t jerr;
        json_t *req = json_loads(d->req_line, 0, &jerr);
        if (store_open(d->data_dir, &st, err, sizeof(err)) == 0) {
            struct ops_ctx ctx = { .st = st };
            ops_exec(&ctx, req, &resp);
            store_close(st);
        }
        char *text = json_dumps(resp, JSON_COMPACT);
        if (text) {
            (void)!write(fd, text, strlen(text));
            (void)!write(fd, "\n", 1);
        }
        free(text);
        json_decref(resp);
        json_decref(req);
    } else if (d->mode == D_GARBAGE) {
        (void)!write(fd, "this is not json\n", 17);
    } else if (d->mode == D_SILENT) {
        char c;
        while (read(fd, &c, 1) > 0) {
        }
    }
    close(fd);
    return NULL;
}

static void sock_path(const struct fx *fx, struct sockaddr_un *sa)
{
    char p[512];
    int n = snprintf(p, sizeof(p), "%s/control.sock", fx->data_dir);
    assert_true(n > 0 && (size_t)n < sizeof(sa->sun_path));
    memcpy(sa->sun_path, p, (size_t)n + 1);
}

static void daemon_start(struct fx *fx, struct daemon *d, enum daemon_mode mode)
{
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    memset(d, 0, sizeof(*d));
    d->mode = mode;
    d->data_dir = fx->data_dir;
    mkdir(fx->data_dir, 0700);
    sock_path(fx, &sa);
    unlink(sa.sun_path);
    d->lfd = socket(AF_UNIX, SOCK_STREAM, 0);
    assert_true(d->lfd >= 0);
    assert_int_equal(bind(d->lfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    /* Listening before the client starts: no race to sleep over. */
    assert_int_equal(listen(d->lfd, 4), 0);
    assert_int_equal(pthread_create(&d->thr, NULL, daemon_main, d), 0);
}

static void daemon_stop(struct daemon *d)
{
    pthread_join(d->thr, NULL);
    close(d->lfd);
}

static void uses_the_daemon_when_it_answers(void **state)
{
    struct fx *fx = *state;
    struct daemon d;

    daemon_start(fx, &d, D_OPS);
    assert_int_equal(cli(fx, "tenant", "add", "sock.example", NULL), 0);
    daemon_stop(&d);
    assert_int_equal(d.n_served, 1);
    has(d.req_line, "\"op\":\"tenant.add\"");
    has(d.req_line, "\"domain\":\"sock.example\"");
    has(fx->out, "added tenant sock.example");

    /* The password travels in the request but is never printed. */
    daemon_start(fx, &d, D_OPS);
    fx->stdin_text = "Socket-Horse-5\n";
    assert_int_equal(
        cli(fx, "user", "add", "9@sock.example", "--sip-password", "-", NULL),
        0);
    daemon_stop(&d);
    has(d.req_line, "\"sip_password\":\"Socket-Horse-5\"");
    lacks(fx->out, "Socket-Horse-5");

    daemon_start(fx, &d, D_OPS);
    assert_int_equal(cli(fx, "user", "list", "sock.example", NULL), 0);
    daemon_stop(&d);
    has(fx->out, "9");
}

static void daemon_failures(void **state)
{
    struct fx *fx = *state;
    struct daemon d;

    daemon_start(fx, &d, D_CLOSE);
    assert_int_equal(cli(fx, "tenant", "list", NULL), 1);
    daemon_stop(&d);
    has(fx->err, "control socket");
    has(fx->err, "bad or missing response");

    daemon_start(fx, &d, D_GARBAGE);
    assert_int_equal(cli(fx, "tenant", "list", NULL), 1);
    daemon_stop(&d);
    has(fx->err, "bad or missing response");

    daemon_start(fx, &d, D_SILENT);
    fx->timeout_ms = 150;
    assert_int_equal(cli(fx, "tenant", "list", NULL), 1);
    daemon_stop(&d);
    has(fx->err, "timed out");
}

static void user_import_uses_the_daemon(void **state)
{
    struct fx *fx = *state;
    struct daemon d;
    char path[512];

    daemon_start(fx, &d, D_OPS);
    assert_int_equal(cli(fx, "tenant", "add", "example.com", NULL), 0);
    daemon_stop(&d);
    write_file(fx, "u.csv", "10,Socket-Horse-5\n11,\n", path, sizeof(path));
    daemon_start(fx, &d, D_OPS);
    assert_int_equal(cli(fx, "user", "import", "example.com", path, NULL), 0);
    daemon_stop(&d);
    assert_int_equal(d.n_served, 1);
    has(d.req_line, "\"op\":\"user.import\"");
    has(d.req_line, "\"users\":[{\"ext\":\"10\",\"sip_password\":"
                    "\"Socket-Horse-5\"},{\"ext\":\"11\"}]");
    has(fx->out, "imported 2 users into example.com");
    has(fx->out, "\n11,");
}

/* A request the daemon would refuse for its size is never sent. */
static void oversized_request_is_not_sent(void **state)
{
    struct fx *fx = *state;
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    struct daemon d;
    json_t *resp = NULL;

    size_t n = CLI_CONTROL_MAX_REQ;
    char *big = malloc(n);
    assert_non_null(big);
    memset(big, 'a', n);
    json_t *req =
        json_pack("{s:s, s:s%}", "op", "user.import", "domain", big, n);
    free(big);
    assert_non_null(req);
    daemon_start(fx, &d, D_CLOSE);
    sock_path(fx, &sa);
    assert_int_equal(cli_control_request(sa.sun_path, req, &resp, 5000),
                     -EMSGSIZE);
    daemon_stop(&d);
    assert_null(resp);
    assert_string_equal(d.req_line, "");
    json_decref(req);
}

static void stale_socket_falls_back_offline(void **state)
{
    struct fx *fx = *state;
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    json_t *resp = NULL;

    /* A socket file nobody listens on, as a crashed daemon leaves. */
    mkdir(fx->data_dir, 0700);
    sock_path(fx, &sa);
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    close(fd);
    json_t *req = json_pack("{s:s}", "op", "tenant.list");
    assert_int_equal(cli_control_request(sa.sun_path, req, &resp, 100),
                     -ECONNREFUSED);
    assert_null(resp);
    assert_int_equal(cli(fx, "tenant", "add", "offline.example", NULL), 0);
    has(fx->out, "added tenant offline.example");

    char missing[400];
    snprintf(missing, sizeof(missing), "%s/none.sock", fx->dir.path);
    assert_int_equal(cli_control_request(missing, req, &resp, 100), -ENOENT);
    char longp[200];
    memset(longp, 'x', sizeof(longp) - 1);
    longp[sizeof(longp) - 1] = '\0';
    assert_int_equal(cli_control_request(longp, req, &resp, 100),
                     -ENAMETOOLONG);
    json_decref(req);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(tenant_and_user_flow),
        T(json_output),
        T(failures_exit_1),
        T(usage_errors_exit_2),
        T(unknown_commands_are_left_to_main),
        T(help_and_version),
        T(password_from_stdin),
        T(reg_list_offline),
        T(reading_never_creates_a_data_dir),
        T(store_errors_are_reported),
        T(user_import_from_file),
        T(user_import_malformed_line),
        T(uses_the_daemon_when_it_answers),
        T(daemon_failures),
        T(user_import_uses_the_daemon),
        T(oversized_request_is_not_sent),
        T(stale_socket_falls_back_offline),
    };
#undef T
    return cmocka_run_group_tests(tests, NULL, NULL);
}
