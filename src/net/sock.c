/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Listening socket creation shared by UDP and TCP: we make the fd
 * ourselves (SO_REUSEPORT, IPV6_V6ONLY, SO_RCVBUF must precede bind) and
 * hand it to libuv afterwards.
 */
#include "net/net_int.h"

#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "net/addr.h"

static int set_int(int fd, int level, int opt, int val)
{
    if (setsockopt(fd, level, opt, &val, sizeof(val)) == -1) {
        return -errno;
    }
    return 0;
}

static int open_bound(const struct net_addr *addr, int type, bool dual_stack,
                      size_t rcvbuf_bytes, int *fd_out, struct net_addr *bound)
{
    int fd = socket(addr->sa.sa_family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd == -1) {
        return -errno;
    }
    int rc = set_int(fd, SOL_SOCKET, SO_REUSEPORT, 1);
    if (rc == 0 && type == SOCK_STREAM) {
        /* Rebind at once after a restart despite TIME_WAIT connections. */
        rc = set_int(fd, SOL_SOCKET, SO_REUSEADDR, 1);
    }
    if (rc == 0 && addr->sa.sa_family == AF_INET6) {
        rc = set_int(fd, IPPROTO_IPV6, IPV6_V6ONLY, dual_stack ? 0 : 1);
    }
    if (rc == 0 && rcvbuf_bytes > 0) {
        int val = rcvbuf_bytes > INT_MAX / 2 ? INT_MAX / 2 : (int)rcvbuf_bytes;
        /* FORCE passes net.core.rmem_max when privileged; else clamped. */
        if (set_int(fd, SOL_SOCKET, SO_RCVBUFFORCE, val) != 0) {
            rc = set_int(fd, SOL_SOCKET, SO_RCVBUF, val);
        }
    }
    if (rc == 0 && bind(fd, &addr->sa, addr->len) == -1) {
        rc = -errno;
    }
    if (rc == 0) {
        struct sockaddr_storage ss;
        socklen_t len = sizeof(ss);
        if (getsockname(fd, (struct sockaddr *)&ss, &len) == -1) {
            rc = -errno;
        } else {
            rc = net_addr_from_sa(bound, (struct sockaddr *)&ss, len);
        }
    }
    if (rc != 0) {
        close(fd);
        return rc;
    }
    *fd_out = fd;
    return 0;
}

int net_sock_bind(const struct net_addr *addr, int type, bool dual_stack,
                  size_t rcvbuf_bytes, int *fd, struct net_addr *bound)
{
    int rc = open_bound(addr, type, dual_stack, rcvbuf_bytes, fd, bound);
    if (rc == -EAFNOSUPPORT && dual_stack && net_addr_is_any(addr)
        && addr->sa.sa_family == AF_INET6) {
        /* No IPv6 on this host: "all addresses" means 0.0.0.0. */
        struct net_addr v4 = { 0 };
        v4.in4.sin_family = AF_INET;
        v4.in4.sin_addr.s_addr = htonl(INADDR_ANY);
        v4.in4.sin_port = addr->in6.sin6_port;
        v4.len = sizeof(v4.in4);
        rc = open_bound(&v4, type, false, rcvbuf_bytes, fd, bound);
    }
    return rc;
}
