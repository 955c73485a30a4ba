/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Internals of the fw subsystem shared by the client, the helper process
 * and the unit tests: the wire format between them (fixed-size messages,
 * big-endian fields, validated on decode), the nft command text, the
 * helper's batch of commands with its per-command fallback, and the
 * capability primitives.
 */
#ifndef SW_FW_FW_INT_H
#define SW_FW_FW_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdnoreturn.h>

#include "fw/fw.h"
#include "sec/acl.h"

/* ---- wire format -------------------------------------------------------- */

/* Requests, parent -> helper. */
enum fw_req_type {
    FW_REQ_ADD = 1,   /* ban 'net' for 'arg' seconds (0: no timeout) */
    FW_REQ_DEL = 2,   /* lift the ban of 'net' */
    FW_REQ_FLUSH = 3, /* lift every ban */
    FW_REQ_SYNC = 4,  /* apply what came before, answer FW_REP_SYNC 'arg' */
    /* Temporary SSH grants in the service table "<table>_fw" (ssh.h),
     * each answered by FW_REP_SSH carrying the request's 'seq'. */
    FW_REQ_SSH_ADD = 5,   /* grant 'net' for 'arg' seconds (1..) */
    FW_REQ_SSH_DEL = 6,   /* revoke the grant of 'net' */
    FW_REQ_SSH_FLUSH = 7, /* revoke every grant */
    /* Is the service table loaded? Answered by FW_REP_SSH: 'err' 0 yes,
     * ENOENT no, another errno: could not tell. */
    FW_REQ_SVC_PROBE = 8,
};

/* Replies, helper -> parent. */
enum fw_rep_type {
    FW_REP_ACTIVE = 1,  /* table created, requests welcome */
    FW_REP_UNAVAIL = 2, /* can't work: 'err' and 'text' say why; exits */
    FW_REP_ERROR = 3,   /* one request failed: 'text' is nft's message */
    FW_REP_SYNC = 4,    /* everything before SYNC 'arg' was applied */
    FW_REP_SSH = 5,     /* SSH request 'arg' done: 'err' 0 or errno, 'text' */
};

/* Encoded sizes: type, family, prefix, reserved (SSH_*, SVC_PROBE: seq),
 * arg (4), addr (16). */
#define FW_REQ_LEN 24
/* type, 3 reserved, err (4), arg (4), text (244, NUL-terminated). */
#define FW_REP_LEN      256
#define FW_REP_TEXT_CAP (FW_REP_LEN - 12)

struct fw_req {
    uint8_t type;       /* enum fw_req_type */
    uint8_t seq;        /* SSH_*: echoed in FW_REP_SSH; otherwise 0 */
    struct sec_net net; /* ADD, DEL, SSH_ADD, SSH_DEL: valid; else zero */
    uint32_t arg;       /* ADD, SSH_ADD: timeout_s; SYNC: sequence number */
};

struct fw_rep {
    uint8_t type;               /* enum fw_rep_type */
    int32_t err;                /* positive errno (UNAVAIL), else 0 */
    uint32_t arg;               /* SYNC: sequence number */
    char text[FW_REP_TEXT_CAP]; /* printable ASCII, NUL-terminated */
};

/* Encode 'req' into buf[FW_REQ_LEN]. Returns 0 or -EINVAL (bad request). */
int fw_req_encode(const struct fw_req *req, uint8_t *buf);

/*
 * Decode 'len' bytes into *req: exactly FW_REQ_LEN, known type, a valid
 * network (sec_net_is_valid) for ADD / DEL / SSH_ADD / SSH_DEL, a timeout
 * of 1..FW_TIMEOUT_MAX_S for SSH_ADD, zeros elsewhere. Returns 0 or
 * -EINVAL.
 */
int fw_req_decode(const uint8_t *buf, size_t len, struct fw_req *req);

/* Encode 'rep' into buf[FW_REP_LEN]; 'text' is cut to fit. */
void fw_rep_encode(const struct fw_rep *rep, uint8_t *buf);

/*
 * Decode 'len' bytes into *rep: exactly FW_REP_LEN, known type, text
 * NUL-terminated; bytes outside printable ASCII become '?'. Returns 0 or
 * -EINVAL.
 */
int fw_rep_decode(const uint8_t *buf, size_t len, struct fw_rep *rep);

/* Fill a reply: type, err, arg and printf-style text (cut to fit). */
void fw_rep_set(struct fw_rep *rep, uint8_t type, int err, uint32_t arg,
                const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* ---- nft command text --------------------------------------------------- */

/* True for a table name fw_start() accepts. */
bool fw_table_name_ok(const char *name);

/* The set 'net' lives in: "ban4", "ban6", "net4" or "net6". */
const char *fw_set_name(const struct sec_net *net);

/*
 * The script that (re)creates the table with its sets and chain in one
 * transaction. Returns the length written, or -ENOSPC.
 */
int fw_cmd_setup(char *buf, size_t cap, const char *table);

/* "delete table inet T\n". Returns the length or -ENOSPC. */
int fw_cmd_teardown(char *buf, size_t cap, const char *table);

/*
 * The commands for one ADD, DEL or FLUSH request, newline-terminated,
 * idempotent: ADD is add + delete + add (so an existing element takes the
 * new timeout), DEL is add + delete (so a missing element is no error).
 * Returns the length or -ENOSPC / -EINVAL.
 */
int fw_cmd_req(char *buf, size_t cap, const char *table,
               const struct fw_req *req);

/*
 * errno for an nft error message ("... Operation not permitted" ->
 * EPERM, "No such file or directory" -> ENOENT, ...), EIO if unknown.
 */
int fw_err_from_text(const char *text);

/*
 * The first "Error: ..." line of nft's error output without the prefix
 * (or its first line), into 'out' (cap bytes). Returns 'out'.
 */
const char *fw_err_first_line(const char *text, char *out, size_t cap);

/*
 * The commands for one SSH_ADD / SSH_DEL / SSH_FLUSH request on sets
 * ssh_allow4 / ssh_allow6 of table inet 'svc_table', idempotent like
 * fw_cmd_req() (ssh.c). Returns the length, -ENOSPC or -EINVAL.
 */
int fw_cmd_ssh(char *buf, size_t cap, const char *svc_table,
               const struct fw_req *req);

/* ---- nftables in this process (apply.c) --------------------------------- */

/*
 * Run 'script' with libnftables in the calling process, which needs
 * CAP_NET_ADMIN (checked first, as is the netfilter netlink socket, so
 * libnftables never gets to exit the process). 'check' only validates
 * it in the kernel, as `nft -c` does. Listings go to 'out' (may be NULL).
 * Returns 0, or -errno (fw_err_from_text, -EPERM without the capability)
 * with nft's first error line in err (cap bytes).
 */
struct buf;
int fw_nft_local(const char *script, bool check, struct buf *out, char *err,
                 size_t cap);

/* ---- batches (helper) --------------------------------------------------- */

/* Requests per batch; FW_CMD_CAP bounds one request's text (~350 bytes
 * for the longest table name and IPv6 network). */
#define FW_BATCH_MAX 256
#define FW_CMD_CAP   512
#define FW_BATCH_CAP (FW_BATCH_MAX * FW_CMD_CAP)

/*
 * Runs an nft script: returns 0, or -1 with nft's error text in 'err'
 * (cap bytes). The helper passes libnftables, the tests a fake.
 */
typedef int fw_run_fn(void *arg, const char *script, char *err, size_t cap);

/* One request that failed for good: its request and nft's message. */
typedef void fw_fail_fn(void *arg, const struct fw_req *req, const char *err);

struct fw_batch {
    char table[FW_TABLE_MAX + 1];
    size_t len; /* bytes in 'buf' */
    unsigned n; /* requests in 'req' */
    struct fw_req req[FW_BATCH_MAX];
    uint32_t off[FW_BATCH_MAX]; /* where each request's text starts */
    char buf[FW_BATCH_CAP];     /* the script, NUL-terminated */
};

/* Empty 'b' for 'table' (valid name). */
void fw_batch_init(struct fw_batch *b, const char *table);

/* Append one ADD / DEL / FLUSH. Returns 0, -ENOSPC (full) or -EINVAL. */
int fw_batch_add(struct fw_batch *b, const struct fw_req *req);

/*
 * Run the batch as one transaction; if it fails, run each request alone
 * so one bad request does not cost the others. A DEL that fails alone
 * means its element was not there (or overlaps another) and is ignored;
 * other failures go to 'fail'. Empties the batch. Returns the number of
 * requests reported to 'fail'.
 */
unsigned fw_batch_apply(struct fw_batch *b, fw_run_fn *run, void *run_arg,
                        fw_fail_fn *fail, void *fail_arg);

/* ---- host bans over netlink (helper) ------------------------------------ */

/* True for an ADD / DEL of a single address (/32, /128). */
bool fw_nl_is_host(const struct fw_req *req);

/*
 * Encode host requests 'reqs' (n <= FW_BATCH_MAX, all fw_nl_is_host) as
 * one nftables netlink batch into 'buf': BATCH_BEGIN (sequence seq0), the
 * element messages (seq0 + 1 ..., each asking for an ack, *n_msgs of
 * them), BATCH_END. Returns the length, -EINVAL or -ENOSPC.
 */
int fw_nl_build(uint8_t *buf, size_t cap, const char *table,
                const struct fw_req *reqs, unsigned n, uint32_t seq0,
                unsigned *n_msgs);

/* A bound NETLINK_NETFILTER socket, or -errno. */
int fw_nl_open(void);

/*
 * Apply host requests as one transaction on 'sock'; *seq is the next
 * sequence number to use and is advanced. Returns 0, or the first error
 * (negative errno) the kernel reported, the whole batch then undone.
 */
int fw_nl_apply(int sock, const char *table, const struct fw_req *reqs,
                unsigned n, uint32_t *seq);

/* ---- capabilities and the helper ---------------------------------------- */

/* True when the calling thread has capability 'cap' in its effective set. */
bool fw_cap_effective(int cap);

/*
 * Remove the capabilities in 'drop' (bit = capability number) from the
 * bounding set (where CAP_SETPCAP allows), the effective, permitted,
 * inheritable and ambient sets, and set no_new_privs. Returns 0 or -errno.
 */
int fw_caps_drop(uint64_t drop);

/*
 * The helper process: serves requests on 'fd' for table 'table' until EOF
 * or SIGTERM, then deletes the table and exits. 'parent' is the PID that
 * forked it (to notice a parent already gone). Never returns.
 */
noreturn void fw_helper_main(int fd, const char *table, pid_t parent);

#endif
