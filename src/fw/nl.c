/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Host bans (ban4 / ban6, plain hash sets) go straight to the kernel as
 * one nftables netlink batch per helper batch. libnftables would first
 * dump every element of the table's interval sets into its cache on each
 * call, which costs milliseconds per thousand bans; these messages need no
 * cache, so a ban costs the same with 60,000 present. Networks and flushes
 * keep using libnftables (cmd.c), which knows the interval encoding.
 */
#include "fw/fw_int.h"

#include <arpa/inet.h>
#include <endian.h>
#include <errno.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netlink.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

struct nlb {
    uint8_t *p;
    size_t len;
    size_t cap;
    bool full;
};

static void *nlb_put(struct nlb *b, size_t n)
{
    size_t al = NLMSG_ALIGN(n);
    void *at;

    if (b->full || al > b->cap - b->len) {
        b->full = true;
        return NULL;
    }
    at = b->p + b->len;
    memset(at, 0, al);
    b->len += al;
    return at;
}

static struct nlmsghdr *msg_begin(struct nlb *b, uint16_t type, uint16_t flags,
                                  uint32_t seq, uint8_t family, uint16_t res_id)
{
    struct nlmsghdr *h = nlb_put(b, NLMSG_HDRLEN);
    struct nfgenmsg *g = nlb_put(b, sizeof(*g));

    if (h == NULL || g == NULL) {
        return NULL;
    }
    h->nlmsg_type = type;
    h->nlmsg_flags = (uint16_t)(NLM_F_REQUEST | flags);
    h->nlmsg_seq = seq;
    g->nfgen_family = family;
    g->version = NFNETLINK_V0;
    g->res_id = htons(res_id);
    return h;
}

static void msg_end(struct nlb *b, struct nlmsghdr *h)
{
    if (h != NULL && !b->full) {
        h->nlmsg_len = (uint32_t)(b->p + b->len - (uint8_t *)h);
    }
}

static void attr_put(struct nlb *b, uint16_t type, const void *data, size_t len)
{
    struct nlattr *a = nlb_put(b, NLA_HDRLEN + len);

    if (a == NULL) {
        return;
    }
    a->nla_type = type;
    a->nla_len = (uint16_t)(NLA_HDRLEN + len);
    memcpy((uint8_t *)a + NLA_HDRLEN, data, len);
}

static struct nlattr *nest_begin(struct nlb *b, uint16_t type)
{
    struct nlattr *a = nlb_put(b, NLA_HDRLEN);

    if (a != NULL) {
        a->nla_type = (uint16_t)(type | NLA_F_NESTED);
    }
    return a;
}

static void nest_end(struct nlb *b, struct nlattr *a)
{
    if (a != NULL && !b->full) {
        a->nla_len = (uint16_t)(b->p + b->len - (uint8_t *)a);
    }
}

/* One NEWSETELEM / DELSETELEM for a host; timeout_ms 0: none. */
static void elem_msg(struct nlb *b, const char *table, const struct sec_net *n,
                     bool add, uint64_t timeout_ms, uint32_t seq)
{
    uint16_t type =
        (uint16_t)((NFNL_SUBSYS_NFTABLES << 8)
                   | (add ? NFT_MSG_NEWSETELEM : NFT_MSG_DELSETELEM));
    struct nlmsghdr *h =
        msg_begin(b, type, (uint16_t)(NLM_F_ACK | (add ? NLM_F_CREATE : 0)),
                  seq, NFPROTO_INET, 0);
    const char *set = fw_set_name(n);
    struct nlattr *list, *el, *key;

    attr_put(b, NFTA_SET_ELEM_LIST_TABLE, table, strlen(table) + 1);
    attr_put(b, NFTA_SET_ELEM_LIST_SET, set, strlen(set) + 1);
    list = nest_begin(b, NFTA_SET_ELEM_LIST_ELEMENTS);
    el = nest_begin(b, NFTA_LIST_ELEM);
    key = nest_begin(b, NFTA_SET_ELEM_KEY);
    attr_put(b, NFTA_DATA_VALUE, n->addr, n->family == AF_INET ? 4 : 16);
    nest_end(b, key);
    if (timeout_ms > 0) {
        uint64_t be = htobe64(timeout_ms);
        attr_put(b, NFTA_SET_ELEM_TIMEOUT, &be, sizeof(be));
    }
    nest_end(b, el);
    nest_end(b, list);
    msg_end(b, h);
}

bool fw_nl_is_host(const struct fw_req *req)
{
    return (req->type == FW_REQ_ADD || req->type == FW_REQ_DEL)
           && req->net.prefix == (req->net.family == AF_INET ? 32 : 128);
}

int fw_nl_build(uint8_t *buf, size_t cap, const char *table,
                const struct fw_req *reqs, unsigned n, uint32_t seq0,
                unsigned *n_msgs)
{
    struct nlb b = { buf, 0, cap, false };
    uint32_t seq = seq0;
    struct nlmsghdr *h;

    *n_msgs = 0;
    h = msg_begin(&b, NFNL_MSG_BATCH_BEGIN, 0, seq++, AF_UNSPEC,
                  NFNL_SUBSYS_NFTABLES);
    msg_end(&b, h);
    for (unsigned i = 0; i < n; i++) {
        const struct fw_req *r = &reqs[i];
        uint64_t tmo = 0;

        if (!fw_nl_is_host(r) || !sec_net_is_valid(&r->net)) {
            return -EINVAL;
        }
        if (r->type == FW_REQ_ADD && r->arg <= FW_TIMEOUT_MAX_S) {
            tmo = (uint64_t)r->arg * 1000;
        }
        /* As in cmd.c: create (no-op if present), delete, and for an ADD
         * create again with the timeout, all in one transaction. */
        elem_msg(&b, table, &r->net, true, 0, seq++);
        elem_msg(&b, table, &r->net, false, 0, seq++);
        *n_msgs += 2;
        if (r->type == FW_REQ_ADD) {
            elem_msg(&b, table, &r->net, true, tmo, seq++);
            (*n_msgs)++;
        }
    }
    h = msg_begin(&b, NFNL_MSG_BATCH_END, 0, seq, AF_UNSPEC,
                  NFNL_SUBSYS_NFTABLES);
    msg_end(&b, h);
    return b.full ? -ENOSPC : (int)b.len;
}

int fw_nl_open(void)
{
    struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
    int s = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_NETFILTER);
    int one = 1;
    int rcvbuf = 8 << 20;

    if (s == -1) {
        return -errno;
    }
    if (bind(s, (struct sockaddr *)&sa, sizeof(sa)) == -1) {
        int e = errno;
        close(s);
        return -e;
    }
    /* A batch is acknowledged message by message: keep the acks small
     * (no copy of the request) and give them room. */
    (void)setsockopt(s, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
    if (setsockopt(s, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf))
        == -1) {
        (void)setsockopt(s, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
    }
    return s;
}

/*
 * Send one batch and collect an acknowledgement per message. Returns 0,
 * the first negative errno the kernel reported, or -errno / -ETIMEDOUT for
 * the socket.
 */
static int nl_exchange(int sock, const uint8_t *buf, size_t len, uint32_t seq0,
                       unsigned n_msgs)
{
    static uint8_t rx[65536];
    unsigned n_acks = 0;
    int first_err = 0;

    if (send(sock, buf, len, 0) != (ssize_t)len) {
        return -errno;
    }
    while (n_acks < n_msgs) {
        struct pollfd p = { .fd = sock, .events = POLLIN };
        ssize_t n;

        if (poll(&p, 1, 2000) != 1) {
            return -ETIMEDOUT;
        }
        n = recv(sock, rx, sizeof(rx), 0);
        if (n == -1) {
            if (errno == EINTR) {
                continue;
            }
            return -errno; /* ENOBUFS: acks lost, outcome unknown */
        }
        for (struct nlmsghdr *h = (struct nlmsghdr *)rx; NLMSG_OK(h, (size_t)n);
             h = NLMSG_NEXT(h, n)) {
            const struct nlmsgerr *e = NLMSG_DATA(h);
            if (h->nlmsg_type == NLMSG_ERROR && h->nlmsg_seq == seq0
                && e->error != 0) {
                return e->error; /* the whole batch refused (EPERM...) */
            }
            if (h->nlmsg_type != NLMSG_ERROR || h->nlmsg_seq <= seq0
                || h->nlmsg_seq > seq0 + n_msgs) {
                continue; /* not ours (a stale answer) */
            }
            n_acks++;
            if (e->error != 0 && first_err == 0) {
                first_err = e->error;
            }
        }
    }
    return first_err;
}

int fw_nl_apply(int sock, const char *table, const struct fw_req *reqs,
                unsigned n, uint32_t *seq)
{
    static uint8_t buf[FW_BATCH_MAX * 3 * 256 + 256];
    unsigned n_msgs;
    uint32_t seq0 = *seq;
    int len = fw_nl_build(buf, sizeof(buf), table, reqs, n, seq0, &n_msgs);

    if (len < 0) {
        return len;
    }
    *seq += n_msgs + 2;
    return nl_exchange(sock, buf, (size_t)len, seq0, n_msgs);
}
