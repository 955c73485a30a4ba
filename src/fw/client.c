/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The daemon's side of the firewall helper: starting it and reading its
 * verdict, queueing requests without ever blocking (a full socket loses
 * the request, counts it and asks for a resync), reading its reports in
 * the main loop, and stopping it. What the kernel does with the requests
 * is the helper's (helper.c).
 */
#include "fw/fw.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base/check.h"
#include "base/log.h"
#include "fw/fw_int.h"

static const struct log_ctx lc = { "fw", NULL };

/* How long fw_start() waits for the helper's verdict. */
#define START_TIMEOUT_MS 10000
/* How long fw_stop() waits for the helper to remove its table. */
#define STOP_TIMEOUT_MS 3000
/* Socket buffer asked for each direction (SO_SNDBUFFORCE when allowed). */
#define SOCK_BUF_BYTES (4 << 20)

enum fw_state {
    ST_OFF,     /* FW_OFF */
    ST_ACTIVE,  /* helper running */
    ST_UNAVAIL, /* never started: 'status' says why */
    ST_DEAD,    /* helper went away */
};

struct fw {
    int fd;                /* our end of the socket pair, or -1 */
    _Atomic pid_t pid;     /* helper, -1 when none or reaped */
    _Atomic int state;     /* enum fw_state */
    _Atomic uint64_t sent; /* see struct fw_stats */
    _Atomic uint64_t dropped;
    _Atomic uint64_t errors;
    atomic_bool resync;             /* a request was lost to a full socket */
    _Atomic uint32_t sync_seq;      /* last SYNC sent */
    uint32_t sync_acked;            /* last SYNC answered (reader thread) */
    uint8_t ssh_seq;                /* last SSH request sent (main thread) */
    uint8_t ssh_acked;              /* last SSH request answered */
    int ssh_err;                    /* its errno, 0 on success */
    char ssh_text[FW_REP_TEXT_CAP]; /* its message */
    char table[FW_TABLE_MAX + 1];
    char status[FW_STATUS_CAP]; /* text for ST_ACTIVE / ST_UNAVAIL */
};

static int64_t now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Wait until 'fd' has 'events' or 'deadline' (now_ms) passes. */
static int wait_fd(int fd, short events, int64_t deadline)
{
    for (;;) {
        struct pollfd p = { .fd = fd, .events = events };
        int64_t left = deadline - now_ms();
        int rc;

        if (left <= 0) {
            return -ETIMEDOUT;
        }
        rc = poll(&p, 1, (int)SW_MIN(left, 1000));
        if (rc == -1 && errno != EINTR) {
            return -errno;
        }
        if (rc > 0) {
            return 0;
        }
    }
}

static void reap(struct fw *fw, bool force)
{
    pid_t pid = atomic_exchange(&fw->pid, -1);
    int st;

    if (pid <= 0) {
        return;
    }
    if (force) {
        (void)kill(pid, SIGKILL);
    }
    while (waitpid(pid, &st, 0) == -1 && errno == EINTR) {
    }
    /* ECHILD (someone else reaped it, or SIGCHLD ignored): gone anyway. */
}

static void set_sock_buf(int fd, int opt_force, int opt)
{
    int v = SOCK_BUF_BYTES;

    if (setsockopt(fd, SOL_SOCKET, opt_force, &v, sizeof(v)) == -1) {
        (void)setsockopt(fd, SOL_SOCKET, opt, &v, sizeof(v));
    }
}

/* ---- replies ------------------------------------------------------------ */

static void helper_gone(struct fw *fw)
{
    if (atomic_exchange(&fw->state, ST_DEAD) == ST_ACTIVE) {
        log_err(&lc, "firewall helper exited: kernel bans are no longer "
                     "enforced");
    }
    reap(fw, false);
}

/*
 * Read every reply that is there. Returns 0 (EAGAIN reached), -EPIPE
 * (EOF: helper gone).
 */
static int read_replies(struct fw *fw)
{
    uint8_t buf[FW_REP_LEN + 1];
    struct fw_rep rep;

    for (;;) {
        ssize_t n = recv(fw->fd, buf, sizeof(buf), MSG_DONTWAIT);
        if (n == -1 && errno == EINTR) {
            continue;
        }
        if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            return 0;
        }
        if (n <= 0) {
            helper_gone(fw);
            return -EPIPE;
        }
        if (fw_rep_decode(buf, (size_t)n, &rep) != 0) {
            atomic_fetch_add(&fw->errors, 1);
            log_warn_rl(&lc,
                        "firewall helper sent a malformed reply "
                        "(%zd bytes)",
                        n);
            continue;
        }
        switch (rep.type) {
        case FW_REP_ERROR:
            atomic_fetch_add(&fw->errors, 1);
            log_warn_rl(&lc, "firewall helper: %s", rep.text);
            break;
        case FW_REP_SYNC:
            fw->sync_acked = rep.arg;
            break;
        case FW_REP_SSH:
            fw->ssh_acked = (uint8_t)rep.arg;
            fw->ssh_err = rep.err;
            memcpy(fw->ssh_text, rep.text, sizeof(fw->ssh_text));
            break;
        default:
            break; /* a late status: nothing to do */
        }
    }
}

/* ---- start and stop ----------------------------------------------------- */

/* Read the helper's first message: 0 active, else -errno + 'why'. */
static int await_verdict(struct fw *fw, char *why, size_t cap)
{
    int64_t deadline = now_ms() + START_TIMEOUT_MS;
    uint8_t buf[FW_REP_LEN + 1];
    struct fw_rep rep;
    ssize_t n;
    int rc;

    for (;;) {
        rc = wait_fd(fw->fd, POLLIN, deadline);
        if (rc != 0) {
            snprintf(why, cap, "helper did not answer");
            return rc;
        }
        n = recv(fw->fd, buf, sizeof(buf), MSG_DONTWAIT);
        if (n == -1 && (errno == EINTR || errno == EAGAIN)) {
            continue;
        }
        if (n <= 0) {
            snprintf(why, cap, "helper exited during setup");
            return -EIO;
        }
        if (fw_rep_decode(buf, (size_t)n, &rep) != 0) {
            snprintf(why, cap, "helper sent a malformed reply");
            return -EIO;
        }
        switch (rep.type) {
        case FW_REP_ACTIVE:
            return 0;
        case FW_REP_UNAVAIL: {
            /* The reason is cut to fit the status line. */
            size_t len = strnlen(rep.text, cap - 1);
            memcpy(why, rep.text, len);
            why[len] = '\0';
            return rep.err > 0 ? -rep.err : -EIO;
        }
        case FW_REP_ERROR:
            /* Hardening trouble before the verdict: note it, go on. */
            atomic_fetch_add(&fw->errors, 1);
            log_warn(&lc, "firewall helper: %s", rep.text);
            continue;
        default:
            snprintf(why, cap, "helper sent an unexpected reply");
            return -EIO;
        }
    }
}

int fw_start(const struct fw_cfg *cfg, struct fw **out)
{
    char why[FW_STATUS_CAP - 16];
    struct fw *fw;
    int sv[2];
    pid_t parent = getpid();
    pid_t pid;
    int rc;

    if (cfg->mode != FW_OFF && cfg->mode != FW_AUTO && cfg->mode != FW_ON) {
        return -EINVAL;
    }
    if (cfg->mode != FW_OFF && !fw_table_name_ok(cfg->table)) {
        return -EINVAL;
    }
    fw = calloc(1, sizeof(*fw));
    if (fw == NULL) {
        return -ENOMEM;
    }
    fw->fd = -1;
    atomic_init(&fw->pid, -1);
    atomic_init(&fw->state, ST_OFF);
    if (cfg->mode == FW_OFF) {
        snprintf(fw->status, sizeof(fw->status), "off");
        *out = fw;
        return 0;
    }
    snprintf(fw->table, sizeof(fw->table), "%s", cfg->table);
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) == -1) {
        rc = -errno;
        snprintf(why, sizeof(why), "socketpair: %s", strerror(-rc));
        goto unavailable;
    }
    set_sock_buf(sv[0], SO_SNDBUFFORCE, SO_SNDBUF);
    set_sock_buf(sv[1], SO_SNDBUFFORCE, SO_SNDBUF);
    pid = fork();
    if (pid == -1) {
        rc = -errno;
        close(sv[0]);
        close(sv[1]);
        snprintf(why, sizeof(why), "fork: %s", strerror(-rc));
        goto unavailable;
    }
    if (pid == 0) {
        fw_helper_main(sv[1], fw->table, parent);
    }
    atomic_store(&fw->pid, pid);
    close(sv[1]);
    fw->fd = sv[0];
    rc = await_verdict(fw, why, sizeof(why));
    if (rc == 0) {
        snprintf(fw->status, sizeof(fw->status), "active (table inet %s)",
                 fw->table);
        atomic_store(&fw->state, ST_ACTIVE);
        *out = fw;
        return 0;
    }
    /* The helper exits by itself after a verdict; don't wait on one that
     * said nothing sensible. */
    reap(fw, true);
    close(fw->fd);
    fw->fd = -1;
unavailable:
    if (cfg->mode == FW_ON) {
        log_err(&lc,
                "nftables required ([firewall] nftables = on) but "
                "unavailable: %s",
                why);
        free(fw);
        return rc;
    }
    snprintf(fw->status, sizeof(fw->status), "unavailable: %s", why);
    atomic_store(&fw->state, ST_UNAVAIL);
    *out = fw;
    return 0;
}

void fw_stop(struct fw *fw)
{
    int64_t deadline;
    bool gone = false;

    if (fw == NULL) {
        return;
    }
    if (fw->fd != -1) {
        atomic_store(&fw->state, ST_DEAD); /* an exit now is expected */
        /* EOF tells the helper to apply what is queued, delete its table
         * and exit; its end closing tells us it did. */
        (void)shutdown(fw->fd, SHUT_WR);
        deadline = now_ms() + STOP_TIMEOUT_MS;
        while (!gone && wait_fd(fw->fd, POLLIN, deadline) == 0) {
            gone = read_replies(fw) == -EPIPE;
        }
        reap(fw, !gone);
        close(fw->fd);
    }
    free(fw);
}

/* ---- requests ----------------------------------------------------------- */

static int send_req(struct fw *fw, const struct fw_req *req)
{
    uint8_t buf[FW_REQ_LEN];
    ssize_t n;
    int st = atomic_load_explicit(&fw->state, memory_order_acquire);

    if (st == ST_OFF || st == ST_UNAVAIL) {
        return -ENOTCONN;
    }
    if (fw_req_encode(req, buf) != 0) {
        return -EINVAL;
    }
    if (st == ST_DEAD) {
        atomic_fetch_add(&fw->dropped, 1);
        return -EPIPE;
    }
    do {
        n = send(fw->fd, buf, sizeof(buf), MSG_DONTWAIT | MSG_NOSIGNAL);
    } while (n == -1 && errno == EINTR);
    if (n == (ssize_t)sizeof(buf)) {
        atomic_fetch_add(&fw->sent, 1);
        return 0;
    }
    atomic_fetch_add(&fw->dropped, 1);
    if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
        atomic_store(&fw->resync, true);
        log_warn_rl(&lc, "firewall helper socket full: request dropped");
        return -EAGAIN;
    }
    return -EPIPE;
}

static bool prefix_ok(const struct sec_net *net)
{
    return net->family == AF_INET ? net->prefix >= FW_MIN_PREFIX4
                                  : net->prefix >= FW_MIN_PREFIX6;
}

int fw_ban_add(struct fw *fw, const struct sec_net *net, uint32_t timeout_s)
{
    struct fw_req req = { .type = FW_REQ_ADD, .arg = timeout_s };

    if (net == NULL || !sec_net_is_valid(net) || !prefix_ok(net)) {
        return -EINVAL;
    }
    req.net = *net;
    if (timeout_s > FW_TIMEOUT_MAX_S) {
        req.arg = 0;
    }
    return send_req(fw, &req);
}

int fw_ban_del(struct fw *fw, const struct sec_net *net)
{
    struct fw_req req = { .type = FW_REQ_DEL };

    if (net == NULL || !sec_net_is_valid(net) || !prefix_ok(net)) {
        return -EINVAL;
    }
    req.net = *net;
    return send_req(fw, &req);
}

int fw_ban_flush(struct fw *fw)
{
    struct fw_req req = { .type = FW_REQ_FLUSH };

    return send_req(fw, &req);
}

bool fw_resync_take(struct fw *fw)
{
    return fw != NULL && atomic_exchange(&fw->resync, false);
}

int fw_sync(struct fw *fw, int timeout_ms)
{
    int64_t deadline = now_ms() + timeout_ms;
    uint32_t seq = atomic_fetch_add(&fw->sync_seq, 1) + 1;
    struct fw_req req = { .type = FW_REQ_SYNC, .arg = seq };
    int rc;

    for (;;) {
        rc = send_req(fw, &req);
        if (rc != -EAGAIN) {
            break;
        }
        /* send_req counted a drop: this one is only retried. */
        atomic_fetch_sub(&fw->dropped, 1);
        rc = wait_fd(fw->fd, POLLOUT, deadline);
        if (rc != 0) {
            return rc;
        }
    }
    if (rc != 0) {
        return rc;
    }
    while ((int32_t)(fw->sync_acked - seq) < 0) {
        rc = wait_fd(fw->fd, POLLIN, deadline);
        if (rc != 0) {
            return rc;
        }
        rc = read_replies(fw);
        if (rc != 0) {
            return rc;
        }
    }
    return 0;
}

/* Send one request answered by FW_REP_SSH and wait for that answer (up
 * to 'deadline'). Returns 0 (fw->ssh_err / ssh_text hold the helper's
 * result) or -errno with 'err' saying why. */
static int ssh_roundtrip(struct fw *fw, struct fw_req *req, int64_t deadline,
                         char *err, size_t cap)
{
    int rc;

    /* Never 0, so a zeroed ssh_acked matches no request. */
    fw->ssh_seq = (uint8_t)(fw->ssh_seq == UINT8_MAX ? 1 : fw->ssh_seq + 1);
    req->seq = fw->ssh_seq;
    for (;;) {
        rc = send_req(fw, req);
        if (rc != -EAGAIN) {
            break;
        }
        atomic_fetch_sub(&fw->dropped, 1); /* retried, not lost */
        rc = wait_fd(fw->fd, POLLOUT, deadline);
        if (rc != 0) {
            break;
        }
    }
    while (rc == 0 && fw->ssh_acked != req->seq) {
        rc = wait_fd(fw->fd, POLLIN, deadline);
        if (rc == 0) {
            rc = read_replies(fw);
        }
    }
    if (rc != 0) {
        snprintf(err, cap, "firewall helper: %s",
                 rc == -ETIMEDOUT ? "no answer" : strerror(-rc));
    }
    return rc;
}

int fw_ssh_request(struct fw *fw, const struct sec_net *net, uint32_t timeout_s,
                   int timeout_ms, char *err, size_t cap)
{
    int64_t deadline = now_ms() + timeout_ms;
    struct fw_req req = { 0 };
    int rc;

    if (cap > 0) {
        err[0] = '\0';
    }
    if (fw == NULL || atomic_load(&fw->state) != ST_ACTIVE) {
        snprintf(err, cap, "the firewall helper is not running (%s)",
                 fw_status(fw));
        return -ENOTCONN;
    }
    if (net != NULL && !sec_net_is_valid(net)) {
        return -EINVAL;
    }
    req.type = net == NULL     ? FW_REQ_SSH_FLUSH
               : timeout_s > 0 ? FW_REQ_SSH_ADD
                               : FW_REQ_SSH_DEL;
    if (net != NULL) {
        req.net = *net;
    }
    req.arg = req.type == FW_REQ_SSH_ADD ? timeout_s : 0;
    rc = ssh_roundtrip(fw, &req, deadline, err, cap);
    if (rc != 0) {
        return rc;
    }
    if (fw->ssh_err != 0) {
        snprintf(err, cap, "%s", fw->ssh_text);
        return -fw->ssh_err;
    }
    return 0;
}

int fw_svc_probe(struct fw *fw, int timeout_ms, char *err, size_t cap)
{
    struct fw_req req = { .type = FW_REQ_SVC_PROBE };
    int rc;

    if (cap > 0) {
        err[0] = '\0';
    }
    if (fw == NULL || atomic_load(&fw->state) != ST_ACTIVE) {
        snprintf(err, cap, "the firewall helper is not running (%s)",
                 fw_status(fw));
        return -ENOTCONN;
    }
    rc = ssh_roundtrip(fw, &req, now_ms() + timeout_ms, err, cap);
    if (rc != 0) {
        return rc;
    }
    if (fw->ssh_err == ENOENT) {
        snprintf(err, cap, "%s", fw->ssh_text);
        return 0;
    }
    if (fw->ssh_err != 0) {
        snprintf(err, cap, "%s", fw->ssh_text);
        return -fw->ssh_err;
    }
    return 1;
}

/* ---- status ------------------------------------------------------------- */

const char *fw_status(const struct fw *fw)
{
    if (fw == NULL) {
        return "off";
    }
    switch (atomic_load(&fw->state)) {
    case ST_ACTIVE:
    case ST_UNAVAIL:
        return fw->status;
    case ST_DEAD:
        return "unavailable: helper exited";
    default:
        return "off";
    }
}

bool fw_is_active(const struct fw *fw)
{
    return fw != NULL && atomic_load(&fw->state) == ST_ACTIVE;
}

void fw_stats_get(const struct fw *fw, struct fw_stats *out)
{
    memset(out, 0, sizeof(*out));
    out->helper_pid = -1;
    if (fw == NULL) {
        return;
    }
    out->sent = atomic_load(&fw->sent);
    out->dropped = atomic_load(&fw->dropped);
    out->helper_errors = atomic_load(&fw->errors);
    if (atomic_load(&fw->state) == ST_ACTIVE) {
        out->helper_pid = atomic_load(&fw->pid);
    }
}

int fw_poll_fd(const struct fw *fw)
{
    return fw != NULL ? fw->fd : -1;
}

int fw_on_readable(struct fw *fw)
{
    if (fw == NULL || fw->fd == -1 || atomic_load(&fw->state) == ST_DEAD) {
        return -EPIPE;
    }
    return read_replies(fw);
}
