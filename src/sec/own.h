/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The server's own addresses, so an operator cannot block the machine
 * from itself or lock out the session they are typing in: a list of host
 * networks (/32, /128) read from the interfaces, and the check "does this
 * network cover one of them or the client's address". What to do about a
 * conflict (refuse the block, warn) is the caller's.
 */
#ifndef SW_SEC_OWN_H
#define SW_SEC_OWN_H

#include <stdbool.h>
#include <stddef.h>

#include "sec/acl.h"

/* Enough for any sec_own_conflict() message. */
#define SEC_OWN_MSG_CAP 256

/* Host networks of the server's addresses (heap array, owned). */
struct sec_own {
    struct sec_net *nets; /* n entries, /32 or /128 each */
    size_t n;
};

/*
 * Read every IPv4 and IPv6 address of every interface (loopback and
 * link-local included: they are this machine's too) into 'own', without
 * duplicates; IPv4-mapped addresses count as IPv4. Returns 0 (release
 * with sec_own_fini()) or -errno from getifaddrs() / -ENOMEM, 'own'
 * empty then.
 */
int sec_own_load(struct sec_own *own);

/* Free the list and empty 'own'; an empty or zeroed 'own' is a no-op. */
void sec_own_fini(struct sec_own *own);

/*
 * Does 'net' cover one of own[0..n_own) or the address in 'client_ip'
 * (text as sec_net_parse() takes it, e.g. the first field of
 * SSH_CONNECTION; NULL, empty or unparsable is ignored)? Returns true and
 * a message naming the covered address and why blocking it is refused in
 * 'msg' (cap bytes; may be NULL / 0), else false. The client's address
 * is reported in preference to the server's.
 */
bool sec_own_conflict(const struct sec_net *net, const struct sec_net *own,
                      size_t n_own, const char *client_ip, char *msg,
                      size_t cap);

#endif
