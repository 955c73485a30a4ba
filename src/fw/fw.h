/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Kernel enforcement of bans through nftables. fw_start() forks a small
 * helper process that alone keeps CAP_NET_ADMIN and owns table
 * "inet <table>"; the daemon then drops its own firewall privileges with
 * fw_drop_privileges() and sends the helper fixed-size binary requests over
 * a SOCK_SEQPACKET socket pair, never blocking. Which addresses to ban, and
 * for how long, is the shield's business (src/sec); this subsystem only
 * mirrors its decisions into the kernel.
 *
 * Kernel layout (table inet <table>): sets ban4 / ban6 hold single
 * addresses (/32, /128), sets net4 / net6 (flags interval) hold networks,
 * so a /64 can be banned while /128s inside it are; all four have per-
 * element timeouts and counters. A chain hooked at prerouting, priority
 * raw, drops every packet whose source is in one of them.
 *
 * The helper also changes temporary SSH grants in the service table
 * "inet <table>_fw" (fw_ssh_request(); the table itself is render.h's and
 * apply.h's, loaded by the CLI, never by the daemon).
 */
#ifndef SW_FW_FW_H
#define SW_FW_FW_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

struct sec_net;
struct fw;

enum fw_mode {
    FW_OFF = 0,  /* no kernel enforcement, no helper */
    FW_AUTO = 1, /* use nftables when it works, else carry on without */
    FW_ON = 2,   /* nftables is required: fw_start() fails without it */
};

/* Longest table name, NUL excluded (nftables allows more; we don't). */
#define FW_TABLE_MAX 31
/* Longest kernel timeout; longer bans are sent without one (see below). */
#define FW_TIMEOUT_MAX_S 4294967u
/* Broadest networks fw_ban_add() accepts (the chain drops all traffic). */
#define FW_MIN_PREFIX4 8
#define FW_MIN_PREFIX6 32
/* Enough for any fw_status() text, NUL included. */
#define FW_STATUS_CAP 256

struct fw_cfg {
    int mode;                     /* enum fw_mode */
    char table[FW_TABLE_MAX + 1]; /* [A-Za-z_][A-Za-z0-9_]*, NUL-terminated */
};

/* Counters since fw_start(); any thread may read them. */
struct fw_stats {
    uint64_t sent;          /* requests handed to the helper */
    uint64_t dropped;       /* requests lost: socket full or helper gone */
    uint64_t helper_errors; /* failures the helper reported */
    pid_t helper_pid;       /* helper process, or -1 when none runs */
};

/*
 * Start kernel enforcement as 'cfg' says. FW_OFF spawns nothing; otherwise
 * a helper process is forked (call this from the main thread before any
 * other thread exists: the child runs libnftables after fork()). It drops
 * every capability but CAP_NET_ADMIN, closes every inherited descriptor
 * and (re)creates the table, replacing a leftover of an earlier run. It
 * dies with the parent thread (PR_SET_PDEATHSIG) and deletes its table
 * when its socket reaches EOF.
 * Returns 0 with *out set (status "off", "active (table inet T)" or, with
 * FW_AUTO, "unavailable: <reason>"), or -EINVAL (bad mode or table name),
 * -ENOMEM, or with FW_ON the reason nftables can't be used (-EPERM without
 * CAP_NET_ADMIN, -ENOENT / -EOPNOTSUPP without kernel support, -EIO,
 * -ETIMEDOUT), logged at err level; *out is written only on success.
 * Free *out with fw_stop().
 */
int fw_start(const struct fw_cfg *cfg, struct fw **out);

/*
 * Ask the helper to delete the table and exit, then reap it by PID
 * (SIGKILL after 3 s without an answer) and free 'fw'. NULL is a no-op.
 * No other call on 'fw' may run concurrently or later.
 */
void fw_stop(struct fw *fw);

/*
 * Queue the ban of 'net' (a host goes into ban4/ban6, a network into
 * net4/net6) for 'timeout_s' seconds: 0, or more than FW_TIMEOUT_MAX_S,
 * means no kernel timeout (the caller lifts it with fw_ban_del()). A ban
 * already present gets the new timeout. Never blocks; any thread.
 * Returns 0 when queued (the helper applies it within milliseconds; a
 * failure there is reported through fw_on_readable()), -EINVAL for an
 * invalid 'net' or one broader than FW_MIN_PREFIX4 / FW_MIN_PREFIX6,
 * -ENOTCONN when enforcement is off or unavailable, -EAGAIN when the
 * socket is full (counted as dropped; fw_resync_take() then says so),
 * -EPIPE when the helper is gone (counted as dropped).
 */
int fw_ban_add(struct fw *fw, const struct sec_net *net, uint32_t timeout_s);

/*
 * Queue the removal of the ban of exactly 'net'; removing one that is not
 * there (expired, never added) is not an error. Same context and returns
 * as fw_ban_add().
 */
int fw_ban_del(struct fw *fw, const struct sec_net *net);

/*
 * Queue the removal of every ban (all four sets emptied). Same context
 * and returns as fw_ban_add() except -EINVAL.
 */
int fw_ban_flush(struct fw *fw);

/*
 * True once after a request was dropped because the socket was full: the
 * kernel sets no longer match the caller's bans, which should re-send
 * them all (fw_ban_flush() + fw_ban_add() each) when the load allows.
 * Any thread.
 */
bool fw_resync_take(struct fw *fw);

/*
 * "off", "active (table inet T)", "unavailable: <reason>" (e.g. "no
 * CAP_NET_ADMIN (not root?)", "helper exited"). The text stays valid
 * until fw_stop(); any thread. NULL 'fw' gives "off".
 */
const char *fw_status(const struct fw *fw);

/* True while the helper runs and accepts requests. Any thread. */
bool fw_is_active(const struct fw *fw);

/* Copy the counters into *out. Any thread; NULL 'fw' gives zeros. */
void fw_stats_get(const struct fw *fw, struct fw_stats *out);

/*
 * Descriptor to poll for readability in the main loop (the helper's
 * error reports and its death), or -1 when no helper runs. It stays open
 * until fw_stop().
 */
int fw_poll_fd(const struct fw *fw);

/*
 * Read what the helper sent: each error is counted and logged (warn, rate
 * limited). Returns 0 (keep polling) or -EPIPE when the helper is gone:
 * the status becomes "unavailable: helper exited", the helper is reaped,
 * and the caller must stop polling fw_poll_fd() (it stays readable).
 * One thread at a time (the main loop), not concurrently with fw_sync().
 */
int fw_on_readable(struct fw *fw);

/*
 * Wait until the helper has applied every request queued before this
 * call, for at most 'timeout_ms' milliseconds, handling its replies as
 * fw_on_readable() does. For tools, tests and orderly shutdown; blocks.
 * Returns 0, -ETIMEDOUT, -ENOTCONN (no helper) or -EPIPE (helper gone).
 */
int fw_sync(struct fw *fw, int timeout_ms);

/*
 * Temporary SSH grants through the helper (fw/ssh.h uses this): with
 * 'net' and 'timeout_s' > 0 (1..FW_TIMEOUT_MAX_S) add 'net' to set
 * ssh_allow4 / ssh_allow6 of table "inet <table>_fw" with that kernel
 * timeout, with 'timeout_s' 0 remove it, with 'net' NULL empty both sets.
 * Blocks until the helper answers, at most 'timeout_ms': for the main
 * loop's thread only (as fw_on_readable(), which it does not run
 * concurrently with). Returns 0, -ENOTCONN (no helper running),
 * -EINVAL, -ETIMEDOUT, -EPIPE, or the helper's nft failure as -errno
 * (-ENOENT: the service table or set is missing); 'err' (cap bytes) says
 * why in words.
 */
int fw_ssh_request(struct fw *fw, const struct sec_net *net, uint32_t timeout_s,
                   int timeout_ms, char *err, size_t cap);

/*
 * Is the service table "inet <table>_fw" loaded in the kernel? Asked of
 * the helper (the daemon has dropped CAP_NET_ADMIN); blocks up to
 * 'timeout_ms', main loop's thread only, as fw_ssh_request(). Returns 1
 * (loaded), 0 (not loaded; 'err' has nft's message), or -ENOTCONN (no
 * helper running), -ETIMEDOUT, -EPIPE or the helper's other failure as
 * -errno, with 'err' (cap bytes) saying why.
 */
int fw_svc_probe(struct fw *fw, int timeout_ms, char *err, size_t cap);

/*
 * The same question in this process with libnftables (needs
 * CAP_NET_ADMIN: the CLI as root), for table inet 'table' (the service
 * table's full name). Returns 1, 0 (not loaded; 'err' has nft's message)
 * or -errno (-EPERM without the capability, -EINVAL for a bad name) with
 * 'err' (cap bytes) saying why.
 */
int fw_svc_loaded(const char *table, char *err, size_t cap);

/*
 * Drop CAP_NET_ADMIN, CAP_NET_RAW, CAP_SYS_ADMIN and CAP_SYS_MODULE from
 * the calling thread's effective, permitted and inheritable sets and from
 * its bounding set (the latter only when CAP_SETPCAP allows; without it
 * no_new_privs still keeps exec from regaining them), clear the ambient
 * set and set PR_SET_NO_NEW_PRIVS. Capabilities are per thread: call it
 * after fw_start() and before creating any thread. Returns 0 (also when
 * those capabilities were never held) or -errno.
 */
int fw_drop_privileges(void);

#endif
