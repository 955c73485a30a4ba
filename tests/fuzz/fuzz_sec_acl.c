// fuzz-link: sw_sec
/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer target for the network parser and the prefix table: every line
 * of the input is parsed as a network (lenient and strict); what parses
 * must format and re-parse to itself and cover its own address. The parsed
 * networks then form a table whose lookups are checked against a linear
 * scan.
 */
#include <arpa/inet.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "net/addr.h"
#include "sec/acl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum { MAX_LINES = 64 };

static struct net_addr addr_of_net(const struct sec_net *n, uint8_t fill)
{
    struct net_addr a = { 0 };
    uint8_t ip[16];
    memcpy(ip, n->addr, sizeof(ip));
    unsigned width = n->family == AF_INET ? 32 : 128;
    for (unsigned b = n->prefix; b < width; b++) { /* some host bits */
        if (fill & (1u << (b % 8))) {
            ip[b / 8] |= (uint8_t)(0x80u >> (b % 8));
        }
    }
    if (n->family == AF_INET) {
        a.in4.sin_family = AF_INET;
        memcpy(&a.in4.sin_addr, ip, 4);
        a.len = sizeof(a.in4);
    } else {
        a.in6.sin6_family = AF_INET6;
        memcpy(a.in6.sin6_addr.s6_addr, ip, 16);
        a.len = sizeof(a.in6);
    }
    return a;
}

static void check_one(struct sv line, struct sec_acl_entry *e, size_t *n)
{
    struct sec_net net;
    struct sec_net strict;
    unsigned warn = 0;
    char err[SEC_NET_ERR_CAP];
    int rc = sec_net_parse(line, 0, &net, &warn, err, sizeof(err));
    int rc_strict =
        sec_net_parse(line, SEC_NET_STRICT, &strict, NULL, err, sizeof(err));
    if (rc != 0) {
        if (rc_strict == 0 || strnlen(err, sizeof(err)) == 0) {
            abort();
        }
        return;
    }
    if (!sec_net_is_valid(&net)) {
        abort();
    }
    /* Strict differs exactly when host bits were cleared. */
    if ((rc_strict == 0) == ((warn & SEC_NET_WARN_HOST_BITS) != 0)) {
        abort();
    }
    if (rc_strict == 0 && !sec_net_eq(&net, &strict)) {
        abort();
    }
    char txt[SEC_NET_FMT_CAP];
    struct sec_net again;
    sec_net_fmt(&net, txt, sizeof(txt));
    if (sec_net_parse(sv_cstr(txt), SEC_NET_STRICT, &again, &warn, NULL, 0) != 0
        || warn != 0 || !sec_net_eq(&net, &again)) {
        abort();
    }
    struct net_addr a = addr_of_net(&net, (uint8_t)line.len);
    if (!sec_net_covers(&net, &a) || !sec_net_contains(&net, &net)
        || !sec_net_overlaps(&net, &net)) {
        abort();
    }
    struct sec_net back;
    if (sec_net_from_addr(&a, net.prefix, &back) != 0
        || !sec_net_eq(&back, &net)) {
        abort();
    }
    for (size_t i = 0; i < *n; i++) {
        if (sec_net_eq(&e[i].net, &net)) {
            return;
        }
    }
    if (sec_acl_entry_set(&e[*n], &net,
                          line.len % 2 ? SEC_ACL_ALLOW : SEC_ACL_BLOCK,
                          (int64_t)*n, line)
        != 0) {
        /* The line itself may hold control bytes: no description then. */
        if (sec_acl_entry_set(&e[*n], &net, SEC_ACL_BLOCK, (int64_t)*n, SV_NULL)
            != 0) {
            abort();
        }
    }
    (*n)++;
}

static long naive(const struct sec_acl_entry *e, size_t n,
                  const struct net_addr *a)
{
    long best = -1;
    for (size_t i = 0; i < n; i++) {
        if (sec_net_covers(&e[i].net, a)
            && (best < 0 || e[i].net.prefix > e[best].net.prefix)) {
            best = (long)i;
        }
    }
    return best;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct sv in = sv_make((const char *)data, size);
    struct sec_acl_entry *e = calloc(MAX_LINES + 1, sizeof(*e));
    if (!e) {
        return 0;
    }
    size_t n = 0;
    size_t start = 0;
    for (size_t i = 0; i <= size && n < MAX_LINES; i++) {
        if (i == size || in.p[i] == '\n') {
            check_one(sv_slice(in, start, i), e, &n);
            start = i + 1;
        }
    }
    if (size <= SEC_NET_TEXT_MAX) {
        size_t whole = n;
        check_one(in, e, &whole); /* may add entry MAX_LINES */
        n = whole;
    }

    struct sec_acl *acl;
    if (sec_acl_build(e, n, &acl, NULL) != 0) {
        abort();
    }
    for (size_t i = 0; i < n; i++) {
        for (uint8_t fill = 0; fill < 4; fill++) {
            struct net_addr a = addr_of_net(&e[i].net, (uint8_t)(fill * 85));
            const struct sec_acl_entry *m = sec_acl_lookup(acl, &a);
            long want = naive(e, n, &a);
            long got = m ? (long)(m - sec_acl_entry_at(acl, 0)) : -1;
            /* Misses happen: ::/80 holds ::ffff:0:0/96, which is IPv4. */
            if (got != want) {
                abort();
            }
            uint8_t ip16[16];
            net_addr_ip16(&a, ip16);
            if (sec_acl_lookup_ip16(acl, ip16) != m) {
                abort();
            }
        }
    }
    sec_acl_release(acl);
    free(e);
    return 0;
}
