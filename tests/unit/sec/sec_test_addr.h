/* SPDX-License-Identifier: Apache-2.0 */
/* Address builders shared by the shield's per-source tests. */
#ifndef SW_TESTS_SEC_TEST_ADDR_H
#define SW_TESTS_SEC_TEST_ADDR_H

#include <arpa/inet.h>
#include <stdint.h>
#include <string.h>

#include "net/addr.h"

/* IPv4 a.b.c.d given as one host-order word, port 5060. */
static inline struct net_addr test_v4(uint32_t ip)
{
    struct net_addr a;
    memset(&a, 0, sizeof(a));
    a.in4.sin_family = AF_INET;
    a.in4.sin_port = htons(5060);
    a.in4.sin_addr.s_addr = htonl(ip);
    a.len = sizeof(a.in4);
    return a;
}

/* IPv6 from its two 64-bit halves (host order), port 5060. */
static inline struct net_addr test_v6(uint64_t hi, uint64_t lo)
{
    struct net_addr a;
    memset(&a, 0, sizeof(a));
    a.in6.sin6_family = AF_INET6;
    a.in6.sin6_port = htons(5060);
    for (int i = 0; i < 8; i++) {
        a.in6.sin6_addr.s6_addr[i] = (uint8_t)(hi >> (56 - 8 * i));
        a.in6.sin6_addr.s6_addr[8 + i] = (uint8_t)(lo >> (56 - 8 * i));
    }
    a.len = sizeof(a.in6);
    return a;
}

/* ::ffff:a.b.c.d for the IPv4 'ip'. */
static inline struct net_addr test_v4_mapped(uint32_t ip)
{
    return test_v6(0, 0x0000ffff00000000ull | ip);
}

#endif
