/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The firewall helper process, forked by fw_start(): it keeps only
 * CAP_NET_ADMIN, closes everything it inherited but its socket, creates
 * the table, then applies the daemon's requests in batches (one
 * libnftables call for whatever has arrived) until EOF or SIGTERM, when it
 * deletes the table and exits. Temporary SSH grants (elements of the
 * service table "<table>_fw", which it never creates) run at once and are
 * answered. It reports failures as messages; it never logs (its stdio is
 * /dev/null).
 */
#include "fw/fw_int.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <nftables/libnftables.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fw/render.h"

#define HELPER_FD 3

static volatile sig_atomic_t got_term;

static void on_term(int sig)
{
    (void)sig;
    got_term = 1;
}

static void send_rep(const struct fw_rep *rep)
{
    uint8_t buf[FW_REP_LEN];
    ssize_t n;

    fw_rep_encode(rep, buf);
    /* Never block on a parent that does not read: a lost report is only
     * a lost log line. */
    do {
        n = send(HELPER_FD, buf, sizeof(buf), MSG_DONTWAIT | MSG_NOSIGNAL);
    } while (n == -1 && errno == EINTR);
}

static noreturn void unavailable(int err, const char *why)
{
    struct fw_rep rep;

    fw_rep_set(&rep, FW_REP_UNAVAIL, err, 0, "%s", why);
    send_rep(&rep);
    _exit(0);
}

/* Signals as a fresh process has them, except what the helper wants. */
static void reset_signals(void)
{
    struct sigaction sa;
    sigset_t all;

    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = SIG_DFL;
    for (int sig = 1; sig < NSIG; sig++) {
        (void)sigaction(sig, &sa, NULL); /* EINVAL for KILL, STOP: fine */
    }
    /* The terminal's ^C and hang-up are for the daemon; the helper leaves
     * when the daemon's socket closes, after removing its table. */
    sa.sa_handler = SIG_IGN;
    (void)sigaction(SIGINT, &sa, NULL);
    (void)sigaction(SIGHUP, &sa, NULL);
    (void)sigaction(SIGQUIT, &sa, NULL);
    (void)sigaction(SIGPIPE, &sa, NULL);
    sa.sa_handler = on_term;
    (void)sigaction(SIGTERM, &sa, NULL);
    sigemptyset(&all);
    (void)sigprocmask(SIG_SETMASK, &all, NULL);
}

/* Make 'fd' descriptor 3, stdio /dev/null, close everything else. */
static int isolate_fds(int fd)
{
    int null = open("/dev/null", O_RDWR | O_CLOEXEC);
    int null_hi, fd_hi;

    if (null == -1) {
        return -errno;
    }
    /* Park both above the range we rearrange so no dup2 hits the other. */
    null_hi = fcntl(null, F_DUPFD_CLOEXEC, 100);
    fd_hi = fcntl(fd, F_DUPFD_CLOEXEC, 100);
    if (null_hi == -1 || fd_hi == -1 || dup2(fd_hi, HELPER_FD) == -1) {
        return -EBADF;
    }
    for (int i = 0; i < 3; i++) {
        if (dup2(null_hi, i) == -1) {
            return -errno;
        }
    }
    if (close_range(HELPER_FD + 1, ~0u, 0) == -1) {
        long max = sysconf(_SC_OPEN_MAX);
        for (long i = HELPER_FD + 1; i < (max > 0 ? max : 1024); i++) {
            (void)close((int)i);
        }
    }
    return 0;
}

struct run_ctx {
    struct nft_ctx *nft;
};

static int nft_run(void *arg, const char *script, char *err, size_t cap)
{
    struct run_ctx *rc = arg;
    int r = nft_run_cmd_from_buffer(rc->nft, script);
    const char *e = nft_ctx_get_error_buffer(rc->nft);

    if (r == 0) {
        return 0;
    }
    snprintf(err, cap, "%s", e != NULL ? e : "");
    return -1;
}

static void report_fail(void *arg, const struct fw_req *req, const char *err)
{
    char line[FW_REP_TEXT_CAP];
    char net[SEC_NET_FMT_CAP] = "-";
    struct fw_rep rep;

    (void)arg;
    fw_err_first_line(err, line, sizeof(line));
    if (req->type == FW_REQ_FLUSH) {
        fw_rep_set(&rep, FW_REP_ERROR, 0, 0, "flush: %s", line);
    } else {
        sec_net_fmt(&req->net, net, sizeof(net));
        fw_rep_set(&rep, FW_REP_ERROR, 0, 0, "%s %s: %s",
                   req->type == FW_REQ_ADD ? "ban" : "unban", net, line);
    }
    send_rep(&rep);
}

/* Requests wait here until the socket is empty (or a batch is full):
 * host bans in 'hosts' (netlink), the rest in 'batch' (libnftables). Only
 * one of them is non-empty at a time, which keeps the arrival order. */
static struct fw_batch batch;
static struct fw_req hosts[FW_BATCH_MAX];
static unsigned n_hosts;

struct helper {
    struct run_ctx rc;
    int nl;                     /* netlink socket for host bans */
    uint32_t seq;               /* its next sequence number */
    char svc[FW_TABLE_MAX + 1]; /* service table ("" if none fits) */
};

static void apply_hosts(struct helper *h)
{
    int rc;

    if (n_hosts == 0) {
        return;
    }
    rc = fw_nl_apply(h->nl, batch.table, hosts, n_hosts, &h->seq);
    for (unsigned i = 0; rc != 0 && i < n_hosts; i++) {
        int one = n_hosts == 1
                      ? rc
                      : fw_nl_apply(h->nl, batch.table, &hosts[i], 1, &h->seq);
        /* A DEL can't fail for a missing element (see fw_nl_build); if it
         * fails anyway the element is not there either. */
        if (one != 0 && hosts[i].type == FW_REQ_ADD) {
            report_fail(NULL, &hosts[i], strerror(-one));
        }
    }
    n_hosts = 0;
}

static void apply_all(struct helper *h)
{
    apply_hosts(h);
    fw_batch_apply(&batch, nft_run, &h->rc, report_fail, NULL);
}

static void enqueue(struct helper *h, const struct fw_req *req)
{
    if (fw_nl_is_host(req)) {
        if (batch.n > 0) {
            fw_batch_apply(&batch, nft_run, &h->rc, report_fail, NULL);
        }
        if (n_hosts == FW_BATCH_MAX) {
            apply_hosts(h);
        }
        hosts[n_hosts++] = *req;
        return;
    }
    apply_hosts(h);
    if (fw_batch_add(&batch, req) == -ENOSPC) {
        fw_batch_apply(&batch, nft_run, &h->rc, report_fail, NULL);
        (void)fw_batch_add(&batch, req);
    }
}

/* A temporary SSH grant change, or the probe of the service table, run
 * at once and answered (the daemon waits for it). */
static void run_ssh(struct helper *h, const struct fw_req *req)
{
    char script[FW_CMD_CAP];
    char err[1024];
    char line[FW_REP_TEXT_CAP];
    struct fw_rep rep;

    int n =
        req->type == FW_REQ_SVC_PROBE
            ? snprintf(script, sizeof(script), "list table inet %s\n", h->svc)
            : fw_cmd_ssh(script, sizeof(script), h->svc, req);
    if (h->svc[0] == '\0' || n < 0 || (size_t)n >= sizeof(script)) {
        fw_rep_set(&rep, FW_REP_SSH, EINVAL, req->seq,
                   "no service table name fits this ban table's");
    } else if (nft_run(&h->rc, script, err, sizeof(err)) != 0) {
        fw_err_first_line(err, line, sizeof(line));
        fw_rep_set(&rep, FW_REP_SSH, fw_err_from_text(err), req->seq, "%s",
                   line);
    } else {
        fw_rep_set(&rep, FW_REP_SSH, 0, req->seq, "ok");
    }
    send_rep(&rep);
}

static void serve(struct helper *h)
{
    uint8_t buf[FW_REP_LEN];
    struct fw_rep rep;
    bool eof = false;

    while (!eof && !got_term) {
        struct pollfd p = { .fd = HELPER_FD, .events = POLLIN };
        if (poll(&p, 1, -1) == -1) {
            if (errno == EINTR) {
                continue; /* got_term decides */
            }
            break;
        }
        /* Take whatever has arrived; one transaction per kind and
         * FW_BATCH_MAX requests. */
        for (;;) {
            struct fw_req req;
            ssize_t n = recv(HELPER_FD, buf, sizeof(buf), MSG_DONTWAIT);
            if (n == -1 && errno == EINTR) {
                continue;
            }
            if (n == -1) {
                eof = errno != EAGAIN && errno != EWOULDBLOCK;
                break;
            }
            if (n == 0) {
                eof = true;
                break;
            }
            if (fw_req_decode(buf, (size_t)n, &req) != 0) {
                fw_rep_set(&rep, FW_REP_ERROR, 0, 0,
                           "malformed request (%zd bytes) ignored", n);
                send_rep(&rep);
                continue;
            }
            if (req.type == FW_REQ_SYNC) {
                apply_all(h);
                fw_rep_set(&rep, FW_REP_SYNC, 0, req.arg, "sync");
                send_rep(&rep);
                continue;
            }
            if (req.type >= FW_REQ_SSH_ADD) {
                apply_all(h);
                run_ssh(h, &req);
                continue;
            }
            enqueue(h, &req);
        }
        apply_all(h);
    }
}

noreturn void fw_helper_main(int fd, const char *table, pid_t parent)
{
    char script[2048];
    char err[1024];
    char line[FW_REP_TEXT_CAP];
    struct helper h = { { NULL }, -1, 1, "" };
    struct fw_rep rep;

    reset_signals();
    /* SIGTERM when the thread that forked us dies; it may already have. */
    if (prctl(PR_SET_PDEATHSIG, SIGTERM, 0, 0, 0) == -1
        || getppid() != parent) {
        _exit(1);
    }
    if (isolate_fds(fd) != 0) {
        _exit(1);
    }
    (void)prctl(PR_SET_NAME, "sipwarden-fw", 0, 0, 0);
    if (!fw_cap_effective(CAP_NET_ADMIN)) {
        unavailable(EPERM, "no CAP_NET_ADMIN (not root?)");
    }
    /* Everything but CAP_NET_ADMIN goes; a failure here is not fatal to
     * the job, only to the hardening, so it is reported and we go on. */
    if (fw_caps_drop(~(UINT64_C(1) << CAP_NET_ADMIN)) != 0) {
        fw_rep_set(&rep, FW_REP_ERROR, 0, 0,
                   "could not drop the helper's other capabilities");
        send_rep(&rep);
    }
    /* Our own socket for host bans; it also tells why, where libnftables
     * 1.0 would exit the process when it can't open its own. */
    h.nl = fw_nl_open();
    if (h.nl < 0) {
        snprintf(line, sizeof(line), "netfilter netlink socket: %s",
                 strerror(-h.nl));
        unavailable(-h.nl, line);
    }
    h.rc.nft = nft_ctx_new(NFT_CTX_DEFAULT);
    if (h.rc.nft == NULL) {
        unavailable(ENOMEM, "libnftables context: out of memory");
    }
    if (nft_ctx_buffer_output(h.rc.nft) != 0
        || nft_ctx_buffer_error(h.rc.nft) != 0) {
        unavailable(ENOMEM, "libnftables buffers: out of memory");
    }
    if (fw_cmd_setup(script, sizeof(script), table) < 0) {
        unavailable(EINVAL, "table name too long");
    }
    if (nft_run(&h.rc, script, err, sizeof(err)) != 0) {
        char why[FW_REP_TEXT_CAP];
        fw_err_first_line(err, line, sizeof(line));
        snprintf(why, sizeof(why), "nftables: %.200s", line);
        unavailable(fw_err_from_text(err), why);
    }
    fw_batch_init(&batch, table);
    if (fw_svc_table_name(table, h.svc, sizeof(h.svc)) != 0) {
        h.svc[0] = '\0';
    }
    fw_rep_set(&rep, FW_REP_ACTIVE, 0, 0, "active");
    send_rep(&rep);

    serve(&h);

    if (fw_cmd_teardown(script, sizeof(script), table) > 0) {
        (void)nft_run(&h.rc, script, err, sizeof(err));
    }
    nft_ctx_free(h.rc.nft);
    close(h.nl);
    _exit(0);
}
