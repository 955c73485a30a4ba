/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Temporary SSH access: a grant puts one source network into set
 * ssh_allow4 / ssh_allow6 of the service table with a kernel timeout, so
 * the kernel itself closes the port again when the time is up. Also
 * sshd's ports (from its configuration) and the duration parser of
 * `ssh open --for`. Recording and auditing grants is the caller's
 * (ops/fwops.c); the rules that use the sets are render.c's.
 */
#ifndef SW_FW_SSH_H
#define SW_FW_SSH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/sv.h"
#include "fw/fw.h"
#include "sec/acl.h"

/* Longest grant: one day. */
#define FW_SSH_MAX_S 86400u
/* Default shortest grant ([firewall] ssh_min_s). */
#define FW_SSH_MIN_S 60u
/* How long a grant waits for the helper's answer. */
#define FW_SSH_TIMEOUT_MS 3000
/* Enough for an nft error line. */
#define FW_ERR_CAP 256
/* sshd's configuration, for its ports. */
#define FW_SSHD_CONFIG "/etc/ssh/sshd_config"

struct fw_svc_cfg;

/* Where grants go: the running daemon's helper, or nftables directly. */
struct fw_ssh_ctl {
    bool enabled;                 /* [firewall] temp_ssh */
    uint32_t min_s;               /* shortest grant, [firewall] ssh_min_s */
    char table[FW_TABLE_MAX + 1]; /* the service table */
    struct fw *fw; /* daemon: its helper; NULL: libnftables in this process
                      (needs CAP_NET_ADMIN) */
};

/* Fill 'c' from the service firewall's configuration and 'fw' (may be
 * NULL). */
void fw_ssh_ctl_init(struct fw_ssh_ctl *c, const struct fw_svc_cfg *svc,
                     struct fw *fw);

/*
 * Let 'net' reach the SSH port for 'timeout_s' seconds (1..FW_SSH_MAX_S):
 * added to ssh_allow4 / ssh_allow6 of c->table with that kernel timeout;
 * an existing grant of the same network gets the new timeout. Through
 * c->fw (blocks up to FW_SSH_TIMEOUT_MS: the daemon's main thread only)
 * or in-process. Does not look at c->enabled (the caller decides).
 * Returns 0, -EINVAL (bad network or timeout), -EPERM (no CAP_NET_ADMIN),
 * -ENOENT (the table or set is missing: the rules were never applied),
 * -ENOTCONN (c->fw has no running helper), -ETIMEDOUT, -EIO; on failure
 * 'err' (cap bytes) says why in words.
 */
int fw_ssh_grant(const struct fw_ssh_ctl *c, const struct sec_net *net,
                 uint32_t timeout_s, char *err, size_t cap);

/*
 * Remove the grant of exactly 'net' (none there is not an error), or
 * every grant when 'net' is NULL. Same context and returns as
 * fw_ssh_grant().
 */
int fw_ssh_revoke(const struct fw_ssh_ctl *c, const struct sec_net *net,
                  char *err, size_t cap);

/*
 * A duration "30m", "2h", "90s", "1h30m", "1d" into *out_s, which must
 * lie in [min_s, max_s]. A bare number is refused (the unit is not
 * guessed). Returns 0, or -EINVAL (malformed) / -ERANGE (out of range)
 * with the reason in why (cap bytes, may be NULL).
 */
int fw_duration_parse(const char *text, uint32_t min_s, uint32_t max_s,
                      uint32_t *out_s, char *why, size_t why_cap);

/* Called for each "Include" line with its patterns as written. */
typedef void fw_sshd_include_fn(void *ud, struct sv patterns);

/*
 * Ports of the "Port" lines of an sshd_config text (keyword case-
 * insensitive, "Port 2222" or "Port=2222", '#' comments, lines inside a
 * "Match" block ignored), in order, without repeats, at most 'cap'.
 * "Include" lines go to 'include' (may be NULL). Returns the number of
 * ports found (0: none, sshd then uses 22), or -EINVAL for a Port value
 * that is not 1..65535.
 */
int fw_sshd_ports_parse(struct sv text, uint16_t *ports, size_t cap,
                        fw_sshd_include_fn *include, void *ud);

/*
 * The ports sshd listens on according to 'path' (normally
 * /etc/ssh/sshd_config) and the files its Include lines name (glob
 * patterns; relative ones under /etc/ssh; at most 4 levels). Returns the
 * number of ports (0..cap; 0 when no Port line: sshd's default 22
 * applies), -ENOENT when 'path' does not exist, -EINVAL for a bad Port
 * value, or another -errno when a file can't be read.
 */
int fw_sshd_ports_read(const char *path, uint16_t *ports, size_t cap);

#endif
