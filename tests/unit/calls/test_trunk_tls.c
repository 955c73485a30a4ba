/* SPDX-License-Identifier: Apache-2.0 */
/* Trunks recognised by their TLS client certificate (mTLS): the
 * fingerprint as stored (validated, normalised), the certificate naming
 * its trunk from any address, and a trunk with a fingerprint never
 * recognised by its address alone. */
#include "calls_fx.h"

static const char fp_colons[] =
    "AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:"
    "AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89";
static const char fp_hex[] =
    "abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789";

static void fp_bytes(const char *hex, uint8_t out[32])
{
    for (size_t i = 0; i < 32; i++) {
        unsigned v = 0;
        assert_int_equal(sscanf(hex + 2 * i, "%2x", &v), 1);
        out[i] = (uint8_t)v;
    }
}

static int64_t trunk_of(struct fx *fx, const char *ip, const uint8_t *fp)
{
    struct net_addr a;
    assert_int_equal(net_addr_parse(ip, 5061, &a), 0);
    return calls_engine_trunk_of_tls(fx->e, &a, fp);
}

/* Set 'fp' on trunk 'name' through store_trunk_set. */
static int set_fp(struct fx *fx, const char *name, const char *fp)
{
    struct store_trunk t;
    int rc = store_trunk_find(fx->st, name, &t);
    if (rc != 0) {
        return rc;
    }
    snprintf(t.tls_cert_fp, sizeof(t.tls_cert_fp), "%s", fp);
    return store_trunk_set(fx->st, t.id, &t, NULL, fx_now());
}

static void fp_stored_normalised(void **state)
{
    struct fx *fx = *state;
    assert_int_equal(set_fp(fx, "prov1", fp_colons), 0);
    struct store_trunk t;
    assert_int_equal(store_trunk_find(fx->st, "prov1", &t), 0);
    assert_string_equal(t.tls_cert_fp, fp_hex);
    /* cleared with "" */
    assert_int_equal(set_fp(fx, "prov1", ""), 0);
    assert_int_equal(store_trunk_find(fx->st, "prov1", &t), 0);
    assert_string_equal(t.tls_cert_fp, "");
    /* malformed ones are refused, the stored value kept */
    static const char *const bad[] = {
        "abcd",
        "abcdef0123456789abcdef0123456789abcdef0123456789abcdef012345678",
        "xbcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789",
        "AB-CD-EF-01-23-45-67-89-AB-CD-EF-01-23-45-67-89-"
        "AB-CD-EF-01-23-45-67-89-AB-CD-EF-01-23-45-67-89",
    };
    assert_int_equal(set_fp(fx, "prov1", fp_hex), 0);
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        if (set_fp(fx, "prov1", bad[i]) != -EINVAL) {
            fail_msg("'%s' accepted", bad[i]);
        }
    }
    assert_int_equal(store_trunk_find(fx->st, "prov1", &t), 0);
    assert_string_equal(t.tls_cert_fp, fp_hex);
    /* one trunk per certificate */
    assert_int_equal(set_fp(fx, "prov2", fp_colons), -EEXIST);
    assert_non_null(strstr(store_errmsg(fx->st), "prov1"));
    assert_int_equal(fx_trunk(fx, "dup", STORE_TRUNK_IP, "", 0, "192.0.2.0/24",
                              0, "", "", NULL, NULL),
                     0);
    assert_int_equal(set_fp(fx, "dup", fp_hex), -EEXIST);
    /* removing the trunk frees its certificate */
    assert_int_equal(store_trunk_rm(fx->st, "dup"), 0);
    assert_int_equal(store_trunk_find(fx->st, "prov2", &t), 0);
    assert_int_equal(set_fp(fx, "prov2", ""), 0);
}

static void cert_names_trunk(void **state)
{
    struct fx *fx = *state;
    uint8_t fp[32];
    uint8_t other[32];
    fp_bytes(fp_hex, fp);
    memcpy(other, fp, sizeof(other));
    other[31] ^= 1;

    /* Before: prov1 by its networks, with or without a certificate. */
    assert_int_equal(trunk_of(fx, "10.1.2.3", NULL), fx->prov1);
    assert_int_equal(trunk_of(fx, "10.1.2.3", fp), fx->prov1);
    assert_int_equal(trunk_of(fx, "203.0.113.7", fp), 0);

    assert_int_equal(set_fp(fx, "prov1", fp_colons), 0);
    assert_int_equal(calls_engine_reload(fx->e, fx->st), 0);
    /* The certificate names prov1 from any address ... */
    assert_int_equal(trunk_of(fx, "203.0.113.7", fp), fx->prov1);
    assert_int_equal(trunk_of(fx, "10.1.2.3", fp), fx->prov1);
    /* ... and its networks alone no longer do. */
    assert_int_equal(trunk_of(fx, "10.1.2.3", NULL), 0);
    assert_int_equal(trunk_of(fx, "10.1.2.3", other), 0);
    /* Other trunks are unchanged: prov2 by its host, regt likewise. */
    assert_int_equal(trunk_of(fx, "127.0.0.2", NULL), fx->prov2);
    assert_int_equal(trunk_of(fx, "127.0.0.3", other), fx->regt);
    /* A certificate wins over the address of another trunk. */
    assert_int_equal(trunk_of(fx, "127.0.0.2", fp), fx->prov1);

    /* Cleared: back to the networks. */
    assert_int_equal(set_fp(fx, "prov1", ""), 0);
    assert_int_equal(calls_engine_reload(fx->e, fx->st), 0);
    assert_int_equal(trunk_of(fx, "10.1.2.3", NULL), fx->prov1);
    assert_int_equal(trunk_of(fx, "203.0.113.7", fp), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, fx_setup, fx_teardown)
        T(fp_stored_normalised),
        T(cert_names_trunk),
#undef T
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
