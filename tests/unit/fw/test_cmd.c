/* SPDX-License-Identifier: Apache-2.0 */
/* nft command text, batches with a fake nft, the netlink encoding of host
 * bans, and the client without a helper. Nothing here touches nftables. */
#include <arpa/inet.h>
#include <endian.h>
#include <errno.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netlink.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "base/sv.h"
#include "fw/fw_int.h"

static struct sec_net net_of(const char *s)
{
    struct sec_net n;
    assert_int_equal(sec_net_parse(sv_cstr(s), 0, &n, NULL, NULL, 0), 0);
    return n;
}

static struct fw_req req_of(uint8_t type, const char *net, uint32_t arg)
{
    struct fw_req r;
    memset(&r, 0, sizeof(r));
    r.type = type;
    if (net != NULL) {
        r.net = net_of(net);
    }
    r.arg = arg;
    return r;
}

static void table_names(void **state)
{
    (void)state;
    assert_true(fw_table_name_ok("sipwarden"));
    assert_true(fw_table_name_ok("_sw2"));
    assert_true(fw_table_name_ok("a234567890123456789012345678901"));
    assert_false(fw_table_name_ok("a2345678901234567890123456789012"));
    assert_false(fw_table_name_ok(""));
    assert_false(fw_table_name_ok("2sw"));
    assert_false(fw_table_name_ok("sw-x"));
    assert_false(fw_table_name_ok("sw x"));
    assert_false(fw_table_name_ok("sw;flush ruleset"));
}

static void setup_text(void **state)
{
    char buf[2048];
    int n;

    (void)state;
    n = fw_cmd_setup(buf, sizeof(buf), "sipwarden");
    assert_true(n > 0);
    assert_int_equal((size_t)n, strlen(buf));
    assert_non_null(strstr(buf, "add table inet sipwarden\n"
                                "delete table inet sipwarden\n"
                                "table inet sipwarden {\n"));
    assert_non_null(
        strstr(buf, "set ban4 { type ipv4_addr; flags timeout; counter; }"));
    assert_non_null(strstr(
        buf, "set net6 { type ipv6_addr; flags interval, timeout; counter; }"));
    assert_non_null(strstr(buf, "hook prerouting priority raw;"));
    assert_non_null(strstr(buf, "ip saddr @ban4 counter drop\n"));
    assert_non_null(strstr(buf, "ip6 saddr @net6 counter drop\n"));
    assert_int_equal(fw_cmd_setup(buf, 100, "sipwarden"), -ENOSPC);
    n = fw_cmd_teardown(buf, sizeof(buf), "sw");
    assert_string_equal(buf, "delete table inet sw\n");
    assert_int_equal(n, 21);
}

static void request_text(void **state)
{
    char buf[FW_CMD_CAP];
    struct fw_req r;

    (void)state;
    r = req_of(FW_REQ_ADD, "1.2.3.4", 3600);
    assert_true(fw_cmd_req(buf, sizeof(buf), "sw", &r) > 0);
    assert_string_equal(buf, "add element inet sw ban4 { 1.2.3.4 }\n"
                             "delete element inet sw ban4 { 1.2.3.4 }\n"
                             "add element inet sw ban4 { 1.2.3.4 timeout "
                             "3600s }\n");
    r = req_of(FW_REQ_ADD, "2001:db8:1:2::/64", 0);
    assert_true(fw_cmd_req(buf, sizeof(buf), "sw", &r) > 0);
    assert_string_equal(buf,
                        "add element inet sw net6 { 2001:db8:1:2::/64 }\n"
                        "delete element inet sw net6 { 2001:db8:1:2::/64 }\n"
                        "add element inet sw net6 { 2001:db8:1:2::/64 }\n");
    r = req_of(FW_REQ_ADD, "10.0.0.0/8", FW_TIMEOUT_MAX_S + 1);
    assert_true(fw_cmd_req(buf, sizeof(buf), "sw", &r) > 0);
    assert_null(strstr(buf, "timeout")); /* too long: no kernel timeout */
    r = req_of(FW_REQ_DEL, "2001:db8::7", 0);
    assert_true(fw_cmd_req(buf, sizeof(buf), "sw", &r) > 0);
    assert_string_equal(buf, "add element inet sw ban6 { 2001:db8::7 }\n"
                             "delete element inet sw ban6 { 2001:db8::7 }\n");
    r = req_of(FW_REQ_FLUSH, NULL, 0);
    assert_true(fw_cmd_req(buf, sizeof(buf), "sw", &r) > 0);
    assert_string_equal(buf, "flush set inet sw ban4\nflush set inet sw ban6\n"
                             "flush set inet sw net4\nflush set inet sw "
                             "net6\n");
    r = req_of(FW_REQ_SYNC, NULL, 1);
    assert_int_equal(fw_cmd_req(buf, sizeof(buf), "sw", &r), -EINVAL);
    r = req_of(FW_REQ_ADD, "1.2.3.4", 1);
    assert_int_equal(fw_cmd_req(buf, 20, "sw", &r), -ENOSPC);

    /* The longest request fits FW_CMD_CAP. */
    r = req_of(FW_REQ_ADD, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe/127",
               FW_TIMEOUT_MAX_S);
    assert_true(
        fw_cmd_req(buf, sizeof(buf), "a234567890123456789012345678901", &r)
        > 0);
}

static void errors_from_text(void **state)
{
    char line[64];

    (void)state;
    assert_int_equal(
        fw_err_from_text("Error: Could not process rule: Operation not "
                         "permitted\n"),
        EPERM);
    assert_int_equal(fw_err_from_text("Error: Could not process rule: No such "
                                      "file or directory"),
                     ENOENT);
    assert_int_equal(fw_err_from_text("Error: syntax error"), EIO);
    assert_string_equal(
        fw_err_first_line("/dev/stdin:1:2: Error: interval overlaps\nadd "
                          "element\n   ^^^\n",
                          line, sizeof(line)),
        "interval overlaps");
    assert_string_equal(
        fw_err_first_line("\nplain text\nmore", line, sizeof(line)),
        "plain text");
    assert_string_equal(fw_err_first_line("", line, sizeof(line)),
                        "unknown nft error");
    assert_string_equal(fw_err_first_line("Error: abcdefgh", line, 4), "abc");
}

/* ---- batches with a fake nft ----------------------------------------------
 */

struct fake {
    int n_runs;
    char last[FW_BATCH_CAP];
    int n_fails;
    char failed[8][64];
};

/* Fails any script that mentions 10.9.1.0/24 or 192.0.2.9. */
static int fake_run(void *arg, const char *script, char *err, size_t cap)
{
    struct fake *f = arg;

    f->n_runs++;
    snprintf(f->last, sizeof(f->last), "%s", script);
    if (strstr(script, "10.9.1.0/24") || strstr(script, "192.0.2.9")) {
        snprintf(err, cap, "/dev/stdin:1:1: Error: interval overlaps\nx\n");
        return -1;
    }
    return 0;
}

static void fake_fail(void *arg, const struct fw_req *req, const char *err)
{
    struct fake *f = arg;
    char net[SEC_NET_FMT_CAP];
    char line[48];

    snprintf(f->failed[f->n_fails++ % 8], 64, "%s %s",
             sec_net_fmt(&req->net, net, sizeof(net)),
             fw_err_first_line(err, line, sizeof(line)));
}

static void batch_apply(void **state)
{
    struct fw_batch *b = malloc(sizeof(*b));
    struct fake *f = calloc(1, sizeof(*f));
    struct fw_req r;

    (void)state;
    assert_non_null(b);
    assert_non_null(f);
    fw_batch_init(b, "sw");
    assert_int_equal(fw_batch_apply(b, fake_run, f, fake_fail, f), 0);
    assert_int_equal(f->n_runs, 0); /* empty: nothing run */

    r = req_of(FW_REQ_ADD, "10.8.0.0/16", 60);
    assert_int_equal(fw_batch_add(b, &r), 0);
    r = req_of(FW_REQ_DEL, "10.7.0.0/16", 0);
    assert_int_equal(fw_batch_add(b, &r), 0);
    assert_int_equal(fw_batch_apply(b, fake_run, f, fake_fail, f), 0);
    assert_int_equal(f->n_runs, 1); /* one transaction */
    assert_non_null(strstr(f->last, "10.8.0.0/16 timeout 60s"));
    assert_non_null(strstr(f->last, "delete element inet sw net4 { "
                                    "10.7.0.0/16 }"));

    /* One bad add among good ones: whole batch, then each alone. */
    f->n_runs = 0;
    r = req_of(FW_REQ_ADD, "10.8.0.0/16", 60);
    assert_int_equal(fw_batch_add(b, &r), 0);
    r = req_of(FW_REQ_ADD, "10.9.1.0/24", 60);
    assert_int_equal(fw_batch_add(b, &r), 0);
    r = req_of(FW_REQ_DEL, "192.0.2.9", 0); /* failing DEL: ignored */
    assert_int_equal(fw_batch_add(b, &r), 0);
    r = req_of(FW_REQ_FLUSH, NULL, 0);
    assert_int_equal(fw_batch_add(b, &r), 0);
    assert_int_equal(fw_batch_apply(b, fake_run, f, fake_fail, f), 1);
    assert_int_equal(f->n_runs, 5);
    assert_int_equal(f->n_fails, 1);
    assert_string_equal(f->failed[0], "10.9.1.0/24 interval overlaps");
    assert_non_null(strstr(f->last, "flush set")); /* the last one alone */
    assert_int_equal(b->n, 0);

    /* A lone failing request is not run twice. */
    f->n_runs = 0;
    r = req_of(FW_REQ_ADD, "10.9.1.0/24", 60);
    assert_int_equal(fw_batch_add(b, &r), 0);
    assert_int_equal(fw_batch_apply(b, fake_run, f, fake_fail, f), 1);
    assert_int_equal(f->n_runs, 1);

    /* Full at FW_BATCH_MAX. */
    for (unsigned i = 0; i < FW_BATCH_MAX; i++) {
        r = req_of(FW_REQ_ADD, "2001:db8:ffff:ffff::/64", FW_TIMEOUT_MAX_S);
        assert_int_equal(fw_batch_add(b, &r), 0);
    }
    assert_int_equal(fw_batch_add(b, &r), -ENOSPC);
    assert_int_equal(fw_batch_apply(b, fake_run, f, fake_fail, f), 0);
    free(b);
    free(f);
}

/* ---- netlink encoding of host bans ----------------------------------------
 */

static const struct nlattr *find_attr(const uint8_t *p, size_t len,
                                      uint16_t type)
{
    while (len >= NLA_HDRLEN) {
        const struct nlattr *a = (const struct nlattr *)p;
        size_t al = NLA_ALIGN(a->nla_len);
        if (a->nla_len < NLA_HDRLEN || a->nla_len > len) {
            return NULL;
        }
        if ((a->nla_type & NLA_TYPE_MASK) == type) {
            return a;
        }
        if (al >= len) {
            return NULL;
        }
        p += al;
        len -= al;
    }
    return NULL;
}

#define ATTR_DATA(a) ((const uint8_t *)(a) + NLA_HDRLEN)
#define ATTR_LEN(a)  ((size_t)(a)->nla_len - NLA_HDRLEN)

static void netlink_batch(void **state)
{
    static uint8_t buf[1 << 16];
    struct fw_req reqs[2];
    unsigned n_msgs = 0;
    int len;
    struct nlmsghdr *h;
    int i = 0;
    const int newel = (NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_NEWSETELEM;
    const int delel = (NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_DELSETELEM;
    const int want[] = {
        NFNL_MSG_BATCH_BEGIN, newel, delel, newel, newel, delel,
        NFNL_MSG_BATCH_END
    };

    (void)state;
    reqs[0] = req_of(FW_REQ_ADD, "198.51.100.7", 3600);
    reqs[1] = req_of(FW_REQ_DEL, "2001:db8::9", 0);
    assert_true(fw_nl_is_host(&reqs[0]));
    len = fw_nl_build(buf, sizeof(buf), "sw", reqs, 2, 100, &n_msgs);
    assert_true(len > 0);
    assert_int_equal(n_msgs, 5);
    for (h = (struct nlmsghdr *)buf; NLMSG_OK(h, (size_t)len);
         h = NLMSG_NEXT(h, len), i++) {
        const struct nfgenmsg *g = NLMSG_DATA(h);
        const uint8_t *attrs = (const uint8_t *)g + NLMSG_ALIGN(sizeof(*g));
        size_t alen = h->nlmsg_len - NLMSG_HDRLEN - NLMSG_ALIGN(sizeof(*g));
        const struct nlattr *a, *list, *el, *key, *val, *tmo;

        assert_true(i < 7);
        assert_int_equal(h->nlmsg_type, want[i]);
        assert_int_equal(h->nlmsg_seq, 100 + i);
        if (i == 0 || i == 6) {
            assert_int_equal(ntohs(g->res_id), NFNL_SUBSYS_NFTABLES);
            continue;
        }
        assert_true(h->nlmsg_flags & NLM_F_ACK);
        assert_int_equal(g->nfgen_family, 1 /* NFPROTO_INET */);
        a = find_attr(attrs, alen, NFTA_SET_ELEM_LIST_TABLE);
        assert_non_null(a);
        assert_string_equal((const char *)ATTR_DATA(a), "sw");
        a = find_attr(attrs, alen, NFTA_SET_ELEM_LIST_SET);
        assert_non_null(a);
        assert_string_equal((const char *)ATTR_DATA(a),
                            i <= 3 ? "ban4" : "ban6");
        list = find_attr(attrs, alen, NFTA_SET_ELEM_LIST_ELEMENTS);
        assert_non_null(list);
        el = find_attr(ATTR_DATA(list), ATTR_LEN(list), NFTA_LIST_ELEM);
        assert_non_null(el);
        key = find_attr(ATTR_DATA(el), ATTR_LEN(el), NFTA_SET_ELEM_KEY);
        assert_non_null(key);
        val = find_attr(ATTR_DATA(key), ATTR_LEN(key), NFTA_DATA_VALUE);
        assert_non_null(val);
        assert_int_equal(ATTR_LEN(val), i <= 3 ? 4 : 16);
        assert_memory_equal(ATTR_DATA(val),
                            i <= 3 ? reqs[0].net.addr : reqs[1].net.addr,
                            ATTR_LEN(val));
        tmo = find_attr(ATTR_DATA(el), ATTR_LEN(el), NFTA_SET_ELEM_TIMEOUT);
        if (i == 3) {
            uint64_t ms;
            assert_non_null(tmo);
            memcpy(&ms, ATTR_DATA(tmo), sizeof(ms));
            assert_int_equal(be64toh(ms), 3600000);
        } else {
            assert_null(tmo);
        }
    }
    assert_int_equal(i, 7);

    reqs[0] = req_of(FW_REQ_ADD, "10.0.0.0/8", 1);
    assert_false(fw_nl_is_host(&reqs[0]));
    assert_int_equal(fw_nl_build(buf, sizeof(buf), "sw", reqs, 1, 1, &n_msgs),
                     -EINVAL);
    reqs[0] = req_of(FW_REQ_ADD, "10.0.0.1", 1);
    assert_int_equal(fw_nl_build(buf, 64, "sw", reqs, 1, 1, &n_msgs), -ENOSPC);
}

/* ---- client without a helper ----------------------------------------------
 */

static void client_off_and_bad_cfg(void **state)
{
    struct fw_cfg cfg = { .mode = FW_OFF };
    struct sec_net n = net_of("192.0.2.1");
    struct sec_net wide = net_of("10.0.0.0/7");
    struct fw_stats st;
    struct fw *fw = NULL;

    (void)state;
    assert_int_equal(fw_start(&cfg, &fw), 0);
    assert_string_equal(fw_status(fw), "off");
    assert_false(fw_is_active(fw));
    assert_int_equal(fw_poll_fd(fw), -1);
    assert_int_equal(fw_ban_add(fw, &n, 60), -ENOTCONN);
    assert_int_equal(fw_ban_add(fw, &wide, 60), -EINVAL);
    assert_int_equal(fw_ban_del(fw, &n), -ENOTCONN);
    assert_int_equal(fw_ban_flush(fw), -ENOTCONN);
    assert_int_equal(fw_sync(fw, 10), -ENOTCONN);
    assert_int_equal(fw_on_readable(fw), -EPIPE);
    assert_false(fw_resync_take(fw));
    fw_stats_get(fw, &st);
    assert_int_equal(st.sent + st.dropped + st.helper_errors, 0);
    assert_int_equal(st.helper_pid, -1);
    fw_stop(fw);
    fw_stop(NULL);
    assert_string_equal(fw_status(NULL), "off");

    fw = NULL;
    cfg.mode = FW_AUTO;
    snprintf(cfg.table, sizeof(cfg.table), "bad-name");
    assert_int_equal(fw_start(&cfg, &fw), -EINVAL);
    cfg.mode = 7;
    snprintf(cfg.table, sizeof(cfg.table), "sw");
    assert_int_equal(fw_start(&cfg, &fw), -EINVAL);
    assert_null(fw);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(table_names),
        cmocka_unit_test(setup_text),
        cmocka_unit_test(request_text),
        cmocka_unit_test(errors_from_text),
        cmocka_unit_test(batch_apply),
        cmocka_unit_test(netlink_batch),
        cmocka_unit_test(client_off_and_bad_cfg),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
