/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Own addresses from getifaddrs() and the "would this block myself" check
 * on an explicit list, so tests can supply the list. Read at the moment
 * of the check: interfaces change, and the check is rare (operator
 * commands).
 */
#include "sec/own.h"

#include <errno.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "base/sv.h"
#include "net/addr.h"

/* The address of a host network, without its "/32" or "/128". */
static void host_fmt(const struct sec_net *n, char *buf, size_t cap)
{
    sec_net_fmt(n, buf, cap);
    char *slash = strchr(buf, '/');
    if (slash) {
        *slash = '\0';
    }
}

static bool have_net(const struct sec_own *own, const struct sec_net *n)
{
    for (size_t i = 0; i < own->n; i++) {
        if (sec_net_eq(&own->nets[i], n)) {
            return true;
        }
    }
    return false;
}

int sec_own_load(struct sec_own *own)
{
    struct ifaddrs *list = NULL;
    size_t cap = 0;
    own->nets = NULL;
    own->n = 0;
    if (getifaddrs(&list) == -1) {
        return -errno;
    }
    for (struct ifaddrs *i = list; i; i = i->ifa_next) {
        struct net_addr a;
        struct sec_net n;
        if (!i->ifa_addr
            || (i->ifa_addr->sa_family != AF_INET
                && i->ifa_addr->sa_family != AF_INET6)) {
            continue;
        }
        if (net_addr_from_sa(&a, i->ifa_addr,
                             i->ifa_addr->sa_family == AF_INET
                                 ? sizeof(struct sockaddr_in)
                                 : sizeof(struct sockaddr_in6))
            != 0) {
            continue;
        }
        net_addr_normalize(&a);
        unsigned width = net_addr_family(&a) == AF_INET ? 32 : 128;
        if (sec_net_from_addr(&a, width, &n) != 0 || have_net(own, &n)) {
            continue;
        }
        if (own->n == cap) {
            size_t ncap = cap ? cap * 2 : 8;
            struct sec_net *p = realloc(own->nets, ncap * sizeof(*p));
            if (!p) {
                freeifaddrs(list);
                sec_own_fini(own);
                return -ENOMEM;
            }
            own->nets = p;
            cap = ncap;
        }
        own->nets[own->n++] = n;
    }
    freeifaddrs(list);
    return 0;
}

void sec_own_fini(struct sec_own *own)
{
    free(own->nets);
    own->nets = NULL;
    own->n = 0;
}

bool sec_own_conflict(const struct sec_net *net, const struct sec_net *own,
                      size_t n_own, const char *client_ip, char *msg,
                      size_t cap)
{
    char net_txt[SEC_NET_FMT_CAP];
    char host_txt[SEC_NET_FMT_CAP];
    struct sec_net client;

    sec_net_fmt(net, net_txt, sizeof(net_txt));
    if (client_ip && client_ip[0]
        && sec_net_parse(sv_cstr(client_ip), 0, &client, NULL, NULL, 0) == 0
        && sec_net_contains(net, &client)) {
        if (msg && cap > 0) {
            host_fmt(&client, host_txt, sizeof(host_txt));
            snprintf(msg, cap,
                     "%s covers %s, the address you are connected from: "
                     "blocking it would lock you out",
                     net_txt, host_txt);
        }
        return true;
    }
    for (size_t i = 0; i < n_own; i++) {
        if (sec_net_contains(net, &own[i])) {
            if (msg && cap > 0) {
                host_fmt(&own[i], host_txt, sizeof(host_txt));
                snprintf(msg, cap,
                         "%s covers %s, an address of this server: "
                         "blocking it would cut the server off",
                         net_txt, host_txt);
            }
            return true;
        }
    }
    return false;
}
