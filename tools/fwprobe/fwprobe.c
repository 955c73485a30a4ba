/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sw-fwprobe: drives the fw subsystem against the real kernel for
 * tests/e2e/fw_helper (run inside a private network namespace, as root).
 * Subcommands:
 *   run TABLE PORT     bans, UDP drop and counters, delete, expiry,
 *                      idempotence, errors, flush, add latency, privilege
 *                      drop, helper death
 *   lifecycle TABLE    leftover table replaced, fw_stop and parent death
 *                      remove the table
 *   noperm TABLE       without CAP_NET_ADMIN: auto is unavailable, on fails
 *   status TABLE MODE  print fw_status() for MODE (off|auto|on); exit 0 if
 *                      fw_start() succeeded, 2 if not
 * Prints "ok: ..." per check, "FAIL: ..." and exits 1 on the first failure.
 * Kernel state is read with libnftables (as `nft list` shows it) and, for
 * the latency, from nftables netlink notifications.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netlink.h>
#include <nftables/libnftables.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base/sv.h"
#include "fw/fw.h"
#include "sec/acl.h"

#define BANNED6  "2001:db8:1:2::5" /* run.sh puts it on lo */
#define BANNED6N "2001:db8:1:2::/64"
#define N_LAT    200

static const char *table;

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void die(const char *fmt, ...)
{
    va_list ap;

    fputs("FAIL: ", stdout);
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    fputc('\n', stdout);
    fflush(stdout);
    exit(1);
}

static void ok(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void ok(const char *fmt, ...)
{
    va_list ap;

    fputs("ok: ", stdout);
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    fputc('\n', stdout);
    fflush(stdout);
}

static int64_t now_us(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static struct sec_net net_of(const char *s)
{
    struct sec_net n;
    char err[SEC_NET_ERR_CAP];

    if (sec_net_parse(sv_cstr(s), 0, &n, NULL, err, sizeof(err)) != 0) {
        die("bad network %s: %s", s, err);
    }
    return n;
}

/* ---- kernel state through libnftables ----------------------------------- */

/* Run 'cmd'; on success the output (static buffer), else NULL + *err. */
static const char *nft_do(const char *cmd, const char **err)
{
    static char out[1 << 20];
    struct nft_ctx *nft = nft_ctx_new(NFT_CTX_DEFAULT);
    int rc;

    if (nft == NULL) {
        die("nft_ctx_new failed");
    }
    nft_ctx_buffer_output(nft);
    nft_ctx_buffer_error(nft);
    rc = nft_run_cmd_from_buffer(nft, cmd);
    snprintf(out, sizeof(out), "%s",
             rc == 0 ? nft_ctx_get_output_buffer(nft)
                     : nft_ctx_get_error_buffer(nft));
    nft_ctx_free(nft);
    if (err != NULL) {
        *err = rc == 0 ? NULL : out;
    }
    return rc == 0 ? out : NULL;
}

static const char *list_set(const char *set)
{
    char cmd[128];
    const char *err;
    const char *out;

    snprintf(cmd, sizeof(cmd), "list set inet %s %s", table, set);
    out = nft_do(cmd, &err);
    if (out == NULL) {
        die("%s: %s", cmd, err);
    }
    return out;
}

static bool table_exists(void)
{
    char cmd[128];

    snprintf(cmd, sizeof(cmd), "list table inet %s", table);
    return nft_do(cmd, NULL) != NULL;
}

/* Element text "ELEM counter packets N" in 'set': N, or -1 if absent. */
static long elem_packets(const char *set, const char *elem)
{
    const char *out = list_set(set);
    char key[96];
    const char *p;

    snprintf(key, sizeof(key), "%s counter packets ", elem);
    p = strstr(out, key);
    if (p == NULL) {
        return -1;
    }
    return strtol(p + strlen(key), NULL, 10);
}

static bool set_has(const char *set, const char *needle)
{
    return strstr(list_set(set), needle) != NULL;
}

static size_t count_in(const char *hay, const char *needle)
{
    size_t n = 0;

    for (const char *p = strstr(hay, needle); p != NULL;
         p = strstr(p + 1, needle)) {
        n++;
    }
    return n;
}

/* ---- nftables notifications ---------------------------------------------- */

static int monitor_open(void)
{
    struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
    int grp = NFNLGRP_NFTABLES;
    int s = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_NETFILTER);

    if (s == -1 || bind(s, (struct sockaddr *)&sa, sizeof(sa)) == -1
        || setsockopt(s, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, &grp, sizeof(grp))
               == -1) {
        die("nftables monitor socket: %s", strerror(errno));
    }
    return s;
}

static void monitor_drain(int s)
{
    char buf[65536];

    for (;;) {
        ssize_t n = recv(s, buf, sizeof(buf), MSG_DONTWAIT);
        if (n <= 0 && !(n == -1 && errno == ENOBUFS)) {
            break; /* EAGAIN: empty (ENOBUFS: overflowed, go on) */
        }
    }
}

/* Wait for a new-set-element notification; its arrival time, or -1. */
static int64_t monitor_wait_newelem(int s, int timeout_ms)
{
    static char buf[65536];
    const int want = (NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_NEWSETELEM;
    int64_t deadline = now_us() + (int64_t)timeout_ms * 1000;

    for (;;) {
        struct pollfd p = { .fd = s, .events = POLLIN };
        int64_t left = (deadline - now_us()) / 1000;
        ssize_t n;

        if (left <= 0 || poll(&p, 1, (int)left) <= 0) {
            return -1;
        }
        n = recv(s, buf, sizeof(buf), MSG_DONTWAIT);
        if (n <= 0) {
            continue; /* ENOBUFS: notifications lost, keep waiting */
        }
        for (struct nlmsghdr *h = (struct nlmsghdr *)buf;
             NLMSG_OK(h, (size_t)n); h = NLMSG_NEXT(h, n)) {
            if (h->nlmsg_type == want) {
                return now_us();
            }
        }
    }
}

/* ---- UDP ---------------------------------------------------------------- */

static int udp_bound(int family, const char *ip, int port)
{
    struct sockaddr_storage ss;
    socklen_t len;
    int s = socket(family, SOCK_DGRAM | SOCK_CLOEXEC, 0);

    memset(&ss, 0, sizeof(ss));
    if (family == AF_INET) {
        struct sockaddr_in *a = (struct sockaddr_in *)&ss;
        a->sin_family = AF_INET;
        a->sin_port = htons((uint16_t)port);
        inet_pton(AF_INET, ip, &a->sin_addr);
        len = sizeof(*a);
    } else {
        struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;
        a->sin6_family = AF_INET6;
        a->sin6_port = htons((uint16_t)port);
        inet_pton(AF_INET6, ip, &a->sin6_addr);
        len = sizeof(*a);
    }
    if (s == -1 || bind(s, (struct sockaddr *)&ss, len) == -1) {
        die("bind udp %s:%d: %s", ip, port, strerror(errno));
    }
    return s;
}

static void udp_send(int family, const char *from, const char *to, int port,
                     const char *payload)
{
    struct sockaddr_storage dst;
    socklen_t len;
    int s = udp_bound(family, from, 0);

    memset(&dst, 0, sizeof(dst));
    if (family == AF_INET) {
        struct sockaddr_in *a = (struct sockaddr_in *)&dst;
        a->sin_family = AF_INET;
        a->sin_port = htons((uint16_t)port);
        inet_pton(AF_INET, to, &a->sin_addr);
        len = sizeof(*a);
    } else {
        struct sockaddr_in6 *a = (struct sockaddr_in6 *)&dst;
        a->sin6_family = AF_INET6;
        a->sin6_port = htons((uint16_t)port);
        inet_pton(AF_INET6, to, &a->sin6_addr);
        len = sizeof(*a);
    }
    if (sendto(s, payload, strlen(payload), 0, (struct sockaddr *)&dst, len)
        == -1) {
        die("sendto from %s: %s", from, strerror(errno));
    }
    close(s);
}

/* Next datagram's payload (bounded wait), or "" if none came. */
static const char *udp_next(int s, int timeout_ms)
{
    static char buf[256];
    struct pollfd p = { .fd = s, .events = POLLIN };
    ssize_t n;

    if (poll(&p, 1, timeout_ms) <= 0) {
        return "";
    }
    n = recv(s, buf, sizeof(buf) - 1, 0);
    if (n < 0) {
        return "";
    }
    buf[n] = '\0';
    return buf;
}

/*
 * Send from 'banned' then from 'control': loopback delivers in order, so
 * the control datagram arriving first proves the other one was dropped,
 * with no timing guess.
 */
static void expect_dropped(int rx, int family, const char *banned,
                           const char *control, const char *dst, int port)
{
    const char *got;

    udp_send(family, banned, dst, port, "from-banned");
    udp_send(family, control, dst, port, "control");
    got = udp_next(rx, 5000);
    if (strcmp(got, "control") != 0) {
        die("from %s: expected only the control datagram, got '%s'", banned,
            got);
    }
    got = udp_next(rx, 0);
    if (*got != '\0') {
        die("from %s: unexpected datagram '%s'", banned, got);
    }
}

static void expect_arrives(int rx, int family, const char *from,
                           const char *control, const char *dst, int port)
{
    const char *got;

    udp_send(family, from, dst, port, "from-unbanned");
    udp_send(family, control, dst, port, "control");
    got = udp_next(rx, 5000);
    if (strcmp(got, "from-unbanned") != 0) {
        die("from %s: datagram did not arrive (got '%s')", from, got);
    }
    got = udp_next(rx, 5000);
    if (strcmp(got, "control") != 0) {
        die("control datagram missing (got '%s')", got);
    }
}

/* ---- checks -------------------------------------------------------------- */

static struct fw *start(int mode)
{
    struct fw_cfg cfg = { .mode = mode };
    struct fw *fw;
    int rc;

    snprintf(cfg.table, sizeof(cfg.table), "%s", table);
    rc = fw_start(&cfg, &fw);
    if (rc != 0) {
        die("fw_start: %s", strerror(-rc));
    }
    return fw;
}

static void sync_ok(struct fw *fw)
{
    int rc = fw_sync(fw, 60000);

    if (rc != 0) {
        die("fw_sync: %s", strerror(-rc));
    }
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

    return (x > y) - (x < y);
}

/* N_LAT single adds, each timed until the kernel's notification. */
static int64_t measure_latency(struct fw *fw, int mon, int third,
                               const char *label)
{
    static int64_t lat[N_LAT];
    char ip[32];
    int64_t t0, t1, sum = 0;
    const char *out;
    char prefix[16];

    for (int i = 0; i < N_LAT; i++) {
        struct sec_net n;
        snprintf(ip, sizeof(ip), "10.%d.%d.%d", third, i / 250, i % 250 + 1);
        n = net_of(ip);
        monitor_drain(mon);
        t0 = now_us();
        if (fw_ban_add(fw, &n, 600) != 0) {
            die("fw_ban_add %s", ip);
        }
        t1 = monitor_wait_newelem(mon, 2000);
        if (t1 < 0) {
            die("no kernel notification within 2 s of adding %s", ip);
        }
        lat[i] = t1 - t0;
        sum += lat[i];
    }
    sync_ok(fw);
    out = list_set("ban4");
    snprintf(prefix, sizeof(prefix), "10.%d.", third);
    if (count_in(out, prefix) != N_LAT) {
        die("ban4 holds %zu of the %d latency bans", count_in(out, prefix),
            N_LAT);
    }
    qsort(lat, N_LAT, sizeof(lat[0]), cmp_i64);
    printf("latency (%s): fw_ban_add -> kernel element committed, %d adds: "
           "min %lld us, median %lld us, mean %lld us, p99 %lld us, "
           "max %lld us\n",
           label, N_LAT, (long long)lat[0], (long long)lat[N_LAT / 2],
           (long long)(sum / N_LAT), (long long)lat[N_LAT * 99 / 100],
           (long long)lat[N_LAT - 1]);
    return lat[N_LAT / 2];
}

static void check_latency(struct fw *fw, int mon)
{
    char ip[32];
    int64_t t0, t1, med;
    const char *out;

    med = measure_latency(fw, mon, 77, "empty sets");
    if (med > 5000) {
        die("median add latency %lld us exceeds 5 ms", (long long)med);
    }
    ok("%d bans in the kernel, median latency under 5 ms", N_LAT);

    /* A burst: 2000 adds back to back, then wait until all are applied. */
    t0 = now_us();
    for (int i = 0; i < 2000; i++) {
        struct sec_net n;
        snprintf(ip, sizeof(ip), "10.78.%d.%d", i / 250, i % 250 + 1);
        n = net_of(ip);
        if (fw_ban_add(fw, &n, 600) != 0) {
            die("burst fw_ban_add %s", ip);
        }
    }
    sync_ok(fw);
    t1 = now_us();
    out = list_set("ban4");
    if (count_in(out, "10.78.") != 2000) {
        die("ban4 holds %zu of the 2000 burst bans", count_in(out, "10.78."));
    }
    printf("burst: 2000 bans applied in %lld ms\n",
           (long long)((t1 - t0) / 1000));
    ok("burst of 2000 bans applied");

    /* Loaded sets: 20000 hosts and 500 networks already banned. */
    t0 = now_us();
    for (int i = 0; i < 20000; i++) {
        struct sec_net n;
        snprintf(ip, sizeof(ip), "10.%d.%d.%d", 100 + i / 10000, i / 100 % 100,
                 i % 100 + 1);
        n = net_of(ip);
        if (fw_ban_add(fw, &n, 600) != 0) {
            die("load fw_ban_add %s", ip);
        }
        if (i % 2000 == 1999) {
            sync_ok(fw); /* stay within the socket buffer */
        }
    }
    sync_ok(fw);
    printf("load: 20000 host bans applied in %lld ms\n",
           (long long)((now_us() - t0) / 1000));
    t0 = now_us();
    for (int i = 0; i < 500; i++) {
        struct sec_net n;
        snprintf(ip, sizeof(ip), "172.%d.%d.0/24", 16 + i / 250, i % 250);
        n = net_of(ip);
        if (fw_ban_add(fw, &n, 600) != 0) {
            die("load fw_ban_add %s", ip);
        }
    }
    sync_ok(fw);
    printf("load: 500 network bans applied in %lld ms\n",
           (long long)((now_us() - t0) / 1000));
    med = measure_latency(fw, mon, 79, "20500 bans present");
    if (med > 5000) {
        die("median add latency with 20500 bans %lld us exceeds 5 ms",
            (long long)med);
    }
    ok("median latency under 5 ms with 20500 bans present");
    if (fw_ban_flush(fw) != 0) {
        die("fw_ban_flush");
    }
    sync_ok(fw);
    if (strstr(list_set("ban4"), "elements") != NULL) {
        die("ban4 not empty after flush");
    }
    ok("flush empties the sets");
}

static void check_drop(struct fw *fw, int port)
{
    struct sec_net h4 = net_of("127.0.0.2");
    struct sec_net n6 = net_of(BANNED6N);
    struct sec_net absent = net_of("192.0.2.77");
    struct fw_stats st0, st1;
    int rx4 = udp_bound(AF_INET, "127.0.0.1", port);
    int rx6 = udp_bound(AF_INET6, "::1", port);
    const char *out;

    /* Baseline: both sources get through. */
    expect_arrives(rx4, AF_INET, "127.0.0.2", "127.0.0.3", "127.0.0.1", port);
    expect_arrives(rx6, AF_INET6, BANNED6, "::1", "::1", port);

    if (fw_ban_add(fw, &h4, 3) != 0 || fw_ban_add(fw, &n6, 3600) != 0) {
        die("fw_ban_add");
    }
    sync_ok(fw);
    out = list_set("ban4");
    if (strstr(out, "127.0.0.2 counter packets 0 bytes 0 timeout 3s") == NULL) {
        die("ban4 lacks 127.0.0.2 with timeout 3s:\n%s", out);
    }
    out = list_set("net6");
    if (strstr(out, BANNED6N " counter packets 0 bytes 0 timeout 1h") == NULL) {
        die("net6 lacks " BANNED6N " with timeout 1h:\n%s", out);
    }
    printf("%s", list_set("ban4"));
    printf("%s", list_set("net6"));
    ok("host ban (ban4, 3 s) and /64 ban (net6, 1 h) in the kernel");

    expect_dropped(rx4, AF_INET, "127.0.0.2", "127.0.0.3", "127.0.0.1", port);
    expect_dropped(rx6, AF_INET6, BANNED6, "::1", "::1", port);
    if (elem_packets("ban4", "127.0.0.2") < 1) {
        die("ban4 counter of 127.0.0.2 did not rise");
    }
    if (elem_packets("net6", BANNED6N) < 1) {
        die("net6 counter of " BANNED6N " did not rise");
    }
    ok("banned IPv4 host and IPv6 /64 dropped, element counters %ld / %ld",
       elem_packets("ban4", "127.0.0.2"), elem_packets("net6", BANNED6N));

    fw_stats_get(fw, &st0);
    if (fw_ban_del(fw, &h4) != 0 || fw_ban_del(fw, &n6) != 0
        || fw_ban_del(fw, &absent) != 0) {
        die("fw_ban_del");
    }
    sync_ok(fw);
    fw_stats_get(fw, &st1);
    if (st1.helper_errors != st0.helper_errors) {
        die("deleting an absent ban was reported as an error");
    }
    if (set_has("ban4", "127.0.0.2") || set_has("net6", "2001:db8:1:2::")) {
        die("elements still present after fw_ban_del");
    }
    expect_arrives(rx4, AF_INET, "127.0.0.2", "127.0.0.3", "127.0.0.1", port);
    expect_arrives(rx6, AF_INET6, BANNED6, "::1", "::1", port);
    ok("after delete (and deleting an absent ban: no error) packets arrive "
       "again");

    /* Expiry: the kernel removes the element after its timeout. */
    if (fw_ban_add(fw, &h4, 3) != 0) {
        die("fw_ban_add");
    }
    sync_ok(fw);
    int64_t t0 = now_us();
    if (!set_has("ban4", "127.0.0.2")) {
        die("127.0.0.2 missing after re-adding");
    }
    expect_dropped(rx4, AF_INET, "127.0.0.2", "127.0.0.3", "127.0.0.1", port);
    while (set_has("ban4", "127.0.0.2")) {
        if (now_us() - t0 > 10 * 1000000) {
            die("127.0.0.2 still in ban4 10 s after a 3 s ban");
        }
        struct timespec ts = { 0, 20 * 1000000 };
        nanosleep(&ts, NULL); /* bounded poll of the kernel state */
    }
    int64_t gone_ms = (now_us() - t0) / 1000;
    if (gone_ms < 2000) {
        die("3 s ban gone after only %lld ms", (long long)gone_ms);
    }
    expect_arrives(rx4, AF_INET, "127.0.0.2", "127.0.0.3", "127.0.0.1", port);
    ok("3 s ban expired by itself after %lld ms; packets arrive again",
       (long long)gone_ms);
    close(rx4);
    close(rx6);
}

static void check_idempotence_and_errors(struct fw *fw)
{
    struct sec_net h = net_of("198.51.100.7");
    struct sec_net wide = net_of("10.9.0.0/16");
    struct sec_net inner = net_of("10.9.1.0/24");
    struct sec_net other = net_of("198.51.100.8");
    struct fw_stats st0, st1;

    if (fw_ban_add(fw, &h, 100) != 0 || fw_ban_add(fw, &h, 200) != 0) {
        die("fw_ban_add");
    }
    sync_ok(fw);
    if (!set_has("ban4", "198.51.100.7 counter packets 0 bytes 0 timeout "
                         "3m20s")) {
        die("re-adding did not take the new timeout:\n%s", list_set("ban4"));
    }
    ok("adding an existing ban refreshes its timeout");

    if (fw_ban_add(fw, &wide, 60) != 0) {
        die("fw_ban_add wide");
    }
    sync_ok(fw);
    fw_stats_get(fw, &st0);
    /* One batch: a refused element must not cost the other one. */
    if (fw_ban_add(fw, &inner, 60) != 0 || fw_ban_add(fw, &other, 60) != 0) {
        die("fw_ban_add inner/other");
    }
    sync_ok(fw);
    fw_stats_get(fw, &st1);
    if (st1.helper_errors != st0.helper_errors + 1) {
        die("overlapping network: expected 1 helper error, got %llu",
            (unsigned long long)(st1.helper_errors - st0.helper_errors));
    }
    if (!set_has("ban4", "198.51.100.8")) {
        die("the request next to a refused one was lost");
    }
    ok("a refused ban (overlapping network) is reported and does not cost "
       "its neighbours");
    if (fw_ban_flush(fw) != 0) {
        die("flush");
    }
    sync_ok(fw);
}

static void check_privileges(struct fw *fw, int mon)
{
    struct sec_net h = net_of("203.0.113.9");
    const char *err = NULL;
    char cmd[128];
    pid_t pid;
    int st;

    if (fw_drop_privileges() != 0) {
        die("fw_drop_privileges");
    }
    snprintf(cmd, sizeof(cmd), "add table inet %s_denied", table);
    if (nft_do(cmd, &err) != NULL) {
        die("created an nftables table after fw_drop_privileges");
    }
    if (strstr(err, "Operation not permitted") == NULL) {
        die("expected EPERM from nftables, got: %s", err);
    }
    ok("after fw_drop_privileges libnftables fails: %.*s",
       (int)strcspn(err, "\n"), err);
    pid = fork();
    if (pid == 0) {
        char *argv[] = { "nft", "add", "table", "inet", "swprobe_exec", NULL };
        execvp("nft", argv);
        _exit(127);
    }
    if (pid == -1 || waitpid(pid, &st, 0) != pid) {
        die("fork/wait nft");
    }
    if (!WIFEXITED(st) || WEXITSTATUS(st) == 0 || WEXITSTATUS(st) == 127) {
        die("exec'd nft was not refused (status %d)", st);
    }
    ok("exec'd nft refused too (exit %d)", WEXITSTATUS(st));

    monitor_drain(mon);
    if (fw_ban_add(fw, &h, 60) != 0) {
        die("fw_ban_add after drop");
    }
    if (monitor_wait_newelem(mon, 2000) < 0) {
        die("helper did not add a ban after the daemon dropped privileges");
    }
    sync_ok(fw);
    ok("the helper still applies bans");
}

static void check_death(struct fw *fw)
{
    struct sec_net h = net_of("203.0.113.10");
    struct fw_stats st;
    struct pollfd p;
    int rc = 0;

    fw_stats_get(fw, &st);
    if (st.helper_pid <= 0 || kill(st.helper_pid, SIGKILL) != 0) {
        die("cannot kill helper %d", (int)st.helper_pid);
    }
    p.fd = fw_poll_fd(fw);
    p.events = POLLIN;
    while (rc == 0) {
        if (poll(&p, 1, 5000) != 1) {
            die("helper death not noticed within 5 s");
        }
        rc = fw_on_readable(fw);
    }
    if (rc != -EPIPE || strcmp(fw_status(fw), "unavailable: helper exited")
        || fw_is_active(fw)) {
        die("after helper death: rc %d, status '%s'", rc, fw_status(fw));
    }
    if (fw_ban_add(fw, &h, 60) != -EPIPE) {
        die("fw_ban_add after helper death did not say EPIPE");
    }
    ok("helper death noticed: status '%s'", fw_status(fw));
}

static int cmd_run(int port)
{
    struct fw *fw = start(FW_ON);
    int mon = monitor_open();

    if (strncmp(fw_status(fw), "active (table inet ", 19) != 0) {
        die("status '%s'", fw_status(fw));
    }
    ok("fw_start: %s", fw_status(fw));
    check_latency(fw, mon);
    check_drop(fw, port);
    check_idempotence_and_errors(fw);
    check_privileges(fw, mon);
    check_death(fw);
    fw_stop(fw);
    close(mon);
    return 0;
}

static void wait_table_gone(const char *what)
{
    int64_t t0 = now_us();

    while (table_exists()) {
        if (now_us() - t0 > 5 * 1000000) {
            die("table still there 5 s after %s", what);
        }
        struct timespec ts = { 0, 10 * 1000000 };
        nanosleep(&ts, NULL); /* bounded poll */
    }
    ok("table removed after %s (%lld ms)", what,
       (long long)((now_us() - t0) / 1000));
}

static int cmd_lifecycle(void)
{
    char cmd[256];
    const char *err;
    struct fw *fw;
    struct sec_net h = net_of("192.0.2.1");
    pid_t pid;
    int st;

    /* A leftover table of a crashed run, with a foreign set: replaced. */
    snprintf(cmd, sizeof(cmd),
             "add table inet %s\nadd set inet %s junk { type ipv4_addr; }\n",
             table, table);
    if (nft_do(cmd, &err) == NULL) {
        die("creating the leftover table: %s", err);
    }
    fw = start(FW_AUTO);
    if (!fw_is_active(fw)) {
        die("status '%s'", fw_status(fw));
    }
    snprintf(cmd, sizeof(cmd), "list set inet %s junk", table);
    if (nft_do(cmd, NULL) != NULL) {
        die("leftover table not replaced");
    }
    if (fw_ban_add(fw, &h, 60) != 0) {
        die("fw_ban_add");
    }
    sync_ok(fw);
    if (!set_has("ban4", "192.0.2.1")) {
        die("ban missing");
    }
    ok("leftover table replaced; bans work");
    fw_stop(fw);
    if (table_exists()) {
        die("table still there after fw_stop");
    }
    ok("fw_stop removed the table");

    /* The daemon dies without fw_stop: the helper removes its table. */
    pid = fork();
    if (pid == 0) {
        struct fw *f2 = start(FW_ON);
        if (fw_ban_add(f2, &h, 60) != 0 || fw_sync(f2, 5000) != 0) {
            _exit(3);
        }
        _exit(0); /* no fw_stop */
    }
    if (pid == -1 || waitpid(pid, &st, 0) != pid || !WIFEXITED(st)
        || WEXITSTATUS(st) != 0) {
        die("child with a helper failed (status %d)", st);
    }
    wait_table_gone("the daemon died without fw_stop");
    return 0;
}

static int cmd_noperm(void)
{
    struct fw_cfg cfg = { .mode = FW_AUTO };
    struct sec_net h = net_of("192.0.2.1");
    struct fw *fw = NULL;
    int rc;

    snprintf(cfg.table, sizeof(cfg.table), "%s", table);
    if (fw_drop_privileges() != 0) {
        die("fw_drop_privileges");
    }
    rc = fw_start(&cfg, &fw);
    if (rc != 0 || strncmp(fw_status(fw), "unavailable: ", 13) != 0) {
        die("auto without CAP_NET_ADMIN: rc %d, status '%s'", rc,
            fw_status(fw));
    }
    ok("auto without CAP_NET_ADMIN: fw_start 0, status '%s'", fw_status(fw));
    if (fw_ban_add(fw, &h, 60) != -ENOTCONN || fw_poll_fd(fw) != -1) {
        die("unavailable fw accepted a ban or has a socket");
    }
    fw_stop(fw);
    cfg.mode = FW_ON;
    fw = NULL;
    rc = fw_start(&cfg, &fw);
    if (rc != -EPERM || fw != NULL) {
        die("on without CAP_NET_ADMIN: rc %d (want -EPERM)", rc);
    }
    ok("on without CAP_NET_ADMIN: fw_start fails with EPERM");
    return 0;
}

static int cmd_status(const char *mode)
{
    struct fw_cfg cfg = { .mode = -1 };
    struct fw *fw;
    int rc;

    cfg.mode = strcmp(mode, "off") == 0    ? FW_OFF
               : strcmp(mode, "auto") == 0 ? FW_AUTO
               : strcmp(mode, "on") == 0   ? FW_ON
                                           : -1;
    snprintf(cfg.table, sizeof(cfg.table), "%s", table);
    rc = fw_start(&cfg, &fw);
    if (rc != 0) {
        printf("fw_start: %s\n", strerror(-rc));
        return 2;
    }
    printf("%s\n", fw_status(fw));
    fw_stop(fw);
    return 0;
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc >= 4 && strcmp(argv[1], "run") == 0) {
        table = argv[2];
        return cmd_run((int)strtol(argv[3], NULL, 10));
    }
    if (argc >= 3 && strcmp(argv[1], "lifecycle") == 0) {
        table = argv[2];
        return cmd_lifecycle();
    }
    if (argc >= 3 && strcmp(argv[1], "noperm") == 0) {
        table = argv[2];
        return cmd_noperm();
    }
    if (argc >= 4 && strcmp(argv[1], "status") == 0) {
        table = argv[2];
        return cmd_status(argv[3]);
    }
    fprintf(stderr, "usage: sw-fwprobe run TABLE PORT | lifecycle TABLE | "
                    "noperm TABLE | status TABLE off|auto|on\n");
    return 2;
}
