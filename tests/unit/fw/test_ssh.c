/* SPDX-License-Identifier: Apache-2.0 */
/* Temporary SSH: the duration parser, sshd's ports (text and files with
 * Include), the nft text of grants, their wire requests and replies, and
 * grants without a running helper. Nothing here touches nftables. */
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "base/sv.h"
#include "fw/fw_int.h"
#include "fw/ssh.h"

static struct sec_net net_of(const char *s)
{
    struct sec_net n;
    assert_int_equal(sec_net_parse(sv_cstr(s), 0, &n, NULL, NULL, 0), 0);
    return n;
}

/* ---- durations ---------------------------------------------------------- */

static void durations(void **state)
{
    static const struct {
        const char *text;
        uint32_t min_s, max_s;
        int rc;
        uint32_t want;
    } cases[] = {
        { "30m", 60, 86400, 0, 1800 },
        { "1m", 60, 86400, 0, 60 },
        { "24h", 60, 86400, 0, 86400 },
        { "1d", 60, 86400, 0, 86400 },
        { "1h30m", 60, 86400, 0, 5400 },
        { " 90s ", 60, 86400, 0, 90 },
        { "2s", 1, 86400, 0, 2 },        /* a test's short window, if allowed */
        { "2s", 60, 86400, -ERANGE, 0 }, /* ... and refused by default */
        { "59s", 60, 86400, -ERANGE, 0 },
        { "24h1s", 60, 86400, -ERANGE, 0 },
        { "25h", 60, 86400, -ERANGE, 0 },
        { "0m", 60, 86400, -ERANGE, 0 },
        { "30", 60, 86400, -EINVAL, 0 }, /* no unit: not guessed */
        { "", 60, 86400, -EINVAL, 0 },
        { "m", 60, 86400, -EINVAL, 0 },
        { "5x", 60, 86400, -EINVAL, 0 },
        { "-5m", 60, 86400, -EINVAL, 0 },
        { "1h 30m", 60, 86400, -EINVAL, 0 },
        { "9999999999h", 60, 86400, -EINVAL, 0 },
        { "999999999h", 60, 86400, -ERANGE, 0 }, /* no wrap-around */
    };
    char why[128];

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        uint32_t got = 7;
        int rc = fw_duration_parse(cases[i].text, cases[i].min_s,
                                   cases[i].max_s, &got, why, sizeof(why));
        if (rc != cases[i].rc) {
            fail_msg("'%s': rc %d, want %d (%s)", cases[i].text, rc,
                     cases[i].rc, why);
        }
        if (rc == 0) {
            assert_int_equal(got, cases[i].want);
        } else {
            assert_int_equal(got, 7); /* untouched */
            assert_true(why[0] != '\0');
        }
    }
    assert_int_equal(fw_duration_parse("30", 60, 86400, NULL, why, sizeof(why)),
                     -EINVAL);
    assert_non_null(strstr(why, "give a unit"));
    assert_int_equal(fw_duration_parse(NULL, 60, 86400, NULL, NULL, 0),
                     -EINVAL);
}

/* ---- sshd_config -------------------------------------------------------- */

struct includes {
    char seen[4][64];
    int n;
};

static void on_include(void *ud, struct sv pattern)
{
    struct includes *inc = ud;
    assert_true(inc->n < 4);
    sv_copy_cstr(pattern, inc->seen[inc->n++], sizeof(inc->seen[0]));
}

static int ports_of(const char *text, uint16_t *ports, size_t cap)
{
    return fw_sshd_ports_parse(sv_cstr(text), ports, cap, NULL, NULL);
}

static void sshd_text(void **state)
{
    uint16_t p[4];
    struct includes inc = { 0 };

    (void)state;
    assert_int_equal(ports_of("", p, 4), 0);
    assert_int_equal(ports_of("#Port 22\n# Port 2222\n", p, 4), 0);
    assert_int_equal(ports_of("Port 2222\n", p, 4), 1);
    assert_int_equal(p[0], 2222);
    assert_int_equal(ports_of("  port=2200\r\nPermitRootLogin no\n"
                              "PORT\t22 # also the default\n"
                              "Port 2200\n",
                              p, 4),
                     2);
    assert_int_equal(p[0], 2200);
    assert_int_equal(p[1], 22);
    /* Match blocks can't hold Port: lines after Match are ignored. */
    assert_int_equal(
        ports_of("Port 2022\nMatch User backup\n  Port 3333\n", p, 4), 1);
    assert_int_equal(p[0], 2022);
    /* At most 'cap' ports. */
    assert_int_equal(ports_of("Port 1\nPort 2\nPort 3\n", p, 2), 2);
    /* Words that merely start with Port are other keywords. */
    assert_int_equal(ports_of("PortForwarding yes\n", p, 4), 0);
    assert_int_equal(ports_of("Port 0\n", p, 4), -EINVAL);
    assert_int_equal(ports_of("Port 65536\n", p, 4), -EINVAL);
    assert_int_equal(ports_of("Port ssh\n", p, 4), -EINVAL);
    /* No final newline. */
    assert_int_equal(ports_of("Port 2345", p, 4), 1);
    assert_int_equal(p[0], 2345);

    assert_int_equal(
        fw_sshd_ports_parse(sv_cstr("Include /etc/ssh/sshd_config.d/*.conf\n"
                                    "Port 22\ninclude extra.conf more.conf\n"
                                    "Match all\nInclude ignored.conf\n"),
                            p, 4, on_include, &inc),
        1);
    assert_int_equal(inc.n, 2);
    assert_string_equal(inc.seen[0], "/etc/ssh/sshd_config.d/*.conf");
    assert_string_equal(inc.seen[1], "extra.conf more.conf");
}

static void write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    assert_int_equal(fclose(f), 0);
}

static void sshd_files(void **state)
{
    char dir[] = "/tmp/sw-sshd-XXXXXX";
    char main_path[256], sub[128], a[256], b[256];
    char text[512];
    uint16_t p[4];

    (void)state;
    assert_non_null(mkdtemp(dir));
    snprintf(sub, sizeof(sub), "%s/conf.d", dir);
    assert_int_equal(mkdir(sub, 0700), 0);
    snprintf(a, sizeof(a), "%s/10-port.conf", sub);
    snprintf(b, sizeof(b), "%s/20-more.conf", sub);
    write_text(a, "Port 2200\n");
    write_text(b, "Port 22\nPort 2201\n");
    snprintf(main_path, sizeof(main_path), "%s/sshd_config", dir);
    snprintf(text, sizeof(text), "Include %s/*.conf\nPort 22\n", sub);
    write_text(main_path, text);

    assert_int_equal(fw_sshd_ports_read(main_path, p, 4), 3);
    assert_int_equal(p[0], 2200);
    assert_int_equal(p[1], 22);
    assert_int_equal(p[2], 2201);

    /* No Port line anywhere: 0 (sshd's default 22 applies). */
    write_text(main_path, "PermitRootLogin no\n");
    assert_int_equal(fw_sshd_ports_read(main_path, p, 4), 0);
    /* A bad value in an included file is an error. */
    write_text(b, "Port 99999\n");
    write_text(main_path, text);
    assert_int_equal(fw_sshd_ports_read(main_path, p, 4), -EINVAL);
    /* A missing include pattern is ignored, as sshd does. */
    snprintf(text, sizeof(text), "Include %s/none/*.conf\nPort 2020\n", dir);
    write_text(main_path, text);
    assert_int_equal(fw_sshd_ports_read(main_path, p, 4), 1);
    assert_int_equal(p[0], 2020);

    assert_int_equal(unlink(a), 0);
    assert_int_equal(unlink(b), 0);
    assert_int_equal(rmdir(sub), 0);
    assert_int_equal(unlink(main_path), 0);
    assert_int_equal(fw_sshd_ports_read(main_path, p, 4), -ENOENT);
    assert_int_equal(rmdir(dir), 0);
}

/* ---- nft text and wire -------------------------------------------------- */

static void grant_text(void **state)
{
    struct fw_req r = { 0 };
    char buf[FW_CMD_CAP];

    (void)state;
    r.type = FW_REQ_SSH_ADD;
    r.net = net_of("10.77.0.2");
    r.arg = 120;
    assert_true(fw_cmd_ssh(buf, sizeof(buf), "sipwarden_fw", &r) > 0);
    assert_string_equal(
        buf, "add element inet sipwarden_fw ssh_allow4 { 10.77.0.2 }\n"
             "delete element inet sipwarden_fw ssh_allow4 { 10.77.0.2 }\n"
             "add element inet sipwarden_fw ssh_allow4 { 10.77.0.2 timeout "
             "120s }\n");
    r.net = net_of("2001:db8:1::/48");
    assert_true(fw_cmd_ssh(buf, sizeof(buf), "t_fw", &r) > 0);
    assert_non_null(strstr(buf,
                           "add element inet t_fw ssh_allow6 { 2001:db8:1::/48 "
                           "timeout 120s }\n"));
    r.type = FW_REQ_SSH_DEL;
    r.arg = 0;
    r.net = net_of("2001:db8::5");
    assert_true(fw_cmd_ssh(buf, sizeof(buf), "t_fw", &r) > 0);
    assert_string_equal(buf,
                        "add element inet t_fw ssh_allow6 { 2001:db8::5 }\n"
                        "delete element inet t_fw ssh_allow6 { 2001:db8::5 "
                        "}\n");
    memset(&r, 0, sizeof(r));
    r.type = FW_REQ_SSH_FLUSH;
    assert_true(fw_cmd_ssh(buf, sizeof(buf), "t_fw", &r) > 0);
    assert_string_equal(buf, "flush set inet t_fw ssh_allow4\n"
                             "flush set inet t_fw ssh_allow6\n");

    /* Refusals: bad table, no timeout, a ban request, no room. */
    assert_int_equal(fw_cmd_ssh(buf, sizeof(buf), "t;flush ruleset", &r),
                     -EINVAL);
    r.type = FW_REQ_SSH_ADD;
    r.net = net_of("10.0.0.1");
    r.arg = 0;
    assert_int_equal(fw_cmd_ssh(buf, sizeof(buf), "t_fw", &r), -EINVAL);
    r.arg = FW_TIMEOUT_MAX_S + 1;
    assert_int_equal(fw_cmd_ssh(buf, sizeof(buf), "t_fw", &r), -EINVAL);
    r.arg = 60;
    r.type = FW_REQ_ADD;
    assert_int_equal(fw_cmd_ssh(buf, sizeof(buf), "t_fw", &r), -EINVAL);
    r.type = FW_REQ_SSH_ADD;
    assert_int_equal(fw_cmd_ssh(buf, 40, "t_fw", &r), -ENOSPC);
}

static void wire_ssh(void **state)
{
    uint8_t buf[FW_REQ_LEN], rbuf[FW_REP_LEN];
    struct fw_req in = { 0 }, out;
    struct fw_rep rep, got;

    (void)state;
    in.type = FW_REQ_SSH_ADD;
    in.seq = 200;
    in.net = net_of("10.77.0.0/24");
    in.arg = 1800;
    assert_int_equal(fw_req_encode(&in, buf), 0);
    assert_int_equal(fw_req_decode(buf, sizeof(buf), &out), 0);
    assert_int_equal(out.type, FW_REQ_SSH_ADD);
    assert_int_equal(out.seq, 200);
    assert_int_equal(out.arg, 1800);
    assert_true(sec_net_eq(&out.net, &in.net));

    /* A grant without a timeout would never close: refused both ways. */
    in.arg = 0;
    assert_int_equal(fw_req_encode(&in, buf), -EINVAL);
    in.arg = 5;
    assert_int_equal(fw_req_encode(&in, buf), 0);
    memset(buf + 4, 0, 4);
    assert_int_equal(fw_req_decode(buf, sizeof(buf), &out), -EINVAL);

    /* DEL carries a network and a seq but no argument; FLUSH neither. */
    in.type = FW_REQ_SSH_DEL;
    in.arg = 0;
    assert_int_equal(fw_req_encode(&in, buf), 0);
    assert_int_equal(fw_req_decode(buf, sizeof(buf), &out), 0);
    assert_int_equal(out.seq, 200);
    buf[5] = 1;
    assert_int_equal(fw_req_decode(buf, sizeof(buf), &out), -EINVAL);
    memset(&in, 0, sizeof(in));
    in.type = FW_REQ_SSH_FLUSH;
    in.seq = 3;
    assert_int_equal(fw_req_encode(&in, buf), 0);
    assert_int_equal(fw_req_decode(buf, sizeof(buf), &out), 0);
    assert_int_equal(out.seq, 3);
    buf[9] = 1;
    assert_int_equal(fw_req_decode(buf, sizeof(buf), &out), -EINVAL);
    /* Ban requests still refuse a non-zero reserved byte. */
    memset(&in, 0, sizeof(in));
    in.type = FW_REQ_FLUSH;
    in.seq = 9; /* not encoded */
    assert_int_equal(fw_req_encode(&in, buf), 0);
    assert_int_equal(buf[3], 0);
    buf[3] = 9;
    assert_int_equal(fw_req_decode(buf, sizeof(buf), &out), -EINVAL);
    buf[0] = FW_REQ_SVC_PROBE + 1; /* the last known type + 1 */
    buf[3] = 0;
    assert_int_equal(fw_req_decode(buf, sizeof(buf), &out), -EINVAL);

    fw_rep_set(&rep, FW_REP_SSH, ENOENT, 200, "No such file or directory");
    fw_rep_encode(&rep, rbuf);
    assert_int_equal(fw_rep_decode(rbuf, sizeof(rbuf), &got), 0);
    assert_int_equal(got.type, FW_REP_SSH);
    assert_int_equal(got.err, ENOENT);
    assert_int_equal(got.arg, 200);
    rbuf[0] = FW_REP_SSH + 1;
    assert_int_equal(fw_rep_decode(rbuf, sizeof(rbuf), &got), -EINVAL);
}

/* ---- grants without a helper -------------------------------------------- */

static void grant_without_helper(void **state)
{
    struct fw_cfg cfg = { .mode = FW_OFF };
    struct fw_ssh_ctl c = { .enabled = true, .min_s = 60 };
    struct sec_net n = net_of("10.77.0.2");
    char err[FW_ERR_CAP];
    struct fw *fw = NULL;

    (void)state;
    snprintf(c.table, sizeof(c.table), "sipwarden_fw");
    assert_int_equal(fw_start(&cfg, &fw), 0);
    c.fw = fw;
    /* nftables = off: no helper, and the message says what to change. */
    assert_int_equal(fw_ssh_grant(&c, &n, 60, err, sizeof(err)), -ENOTCONN);
    assert_non_null(strstr(err, "nftables = auto or on"));
    assert_int_equal(fw_ssh_revoke(&c, &n, err, sizeof(err)), -ENOTCONN);
    assert_int_equal(fw_ssh_revoke(&c, NULL, err, sizeof(err)), -ENOTCONN);
    assert_int_equal(fw_ssh_request(NULL, &n, 60, 100, err, sizeof(err)),
                     -ENOTCONN);
    /* Refused before anything is asked. */
    assert_int_equal(fw_ssh_grant(&c, &n, 0, err, sizeof(err)), -EINVAL);
    assert_int_equal(fw_ssh_grant(&c, &n, FW_SSH_MAX_S + 1, err, sizeof(err)),
                     -EINVAL);
    assert_int_equal(fw_ssh_grant(&c, NULL, 60, err, sizeof(err)), -EINVAL);
    n.prefix = 8; /* host bits set */
    assert_int_equal(fw_ssh_grant(&c, &n, 60, err, sizeof(err)), -EINVAL);
    fw_stop(fw);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(durations),  cmocka_unit_test(sshd_text),
        cmocka_unit_test(sshd_files), cmocka_unit_test(grant_text),
        cmocka_unit_test(wire_ssh),   cmocka_unit_test(grant_without_helper),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
