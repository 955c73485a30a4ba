/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Nonce minting and checking under a fake clock (lifetime, source and realm
 * binding, tampering, garbage, keys) and the nonce-count replay table
 * (ordering, expiry, bounded eviction, concurrent use).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>

#include <cmocka.h>

#include "base/clock.h"
#include "fake_clock.h"
#include "reg/nonce.h"

#define T0_S  1700000000
#define REALM SV_LIT("pbx.example.com")

static struct sockaddr_storage addr(const char *ip, uint16_t port)
{
    struct sockaddr_storage ss;
    memset(&ss, 0, sizeof(ss));
    if (strchr(ip, ':')) {
        struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
        s6->sin6_family = AF_INET6;
        s6->sin6_port = htons(port);
        assert_int_equal(inet_pton(AF_INET6, ip, &s6->sin6_addr), 1);
    } else {
        struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
        s4->sin_family = AF_INET;
        s4->sin_port = htons(port);
        assert_int_equal(inet_pton(AF_INET, ip, &s4->sin_addr), 1);
    }
    return ss;
}

#define SA(ss) ((const struct sockaddr *)&(ss))

struct fixture {
    struct sw_clock clock;
    struct reg_nonce_ctx ctx;
    struct sockaddr_storage src;
    char nonce[REG_NONCE_BUF];
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    if (!f) {
        return -1;
    }
    fake_clock_init(&f->clock, 1000, T0_S);
    if (reg_nonce_init(&f->ctx, NULL, 0, &f->clock) != 0) {
        free(f);
        return -1;
    }
    f->src = addr("192.0.2.10", 5060);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    reg_nonce_fini(&f->ctx);
    free(f);
    return 0;
}

static enum reg_nonce_res check(struct fixture *f, const char *nonce,
                                struct sockaddr_storage src)
{
    return reg_nonce_check(&f->ctx, sv_cstr(nonce), SA(src), REALM);
}

/* ------------------------------------------------------------------------
 * Nonces
 */

static void mint_check_ok(void **state)
{
    struct fixture *f = *state;
    assert_int_equal(f->ctx.lifetime_s, REG_NONCE_LIFETIME_DEFAULT_S);
    assert_int_equal(
        reg_nonce_mint(&f->ctx, SA(f->src), REALM, f->nonce, sizeof(f->nonce)),
        0);
    assert_int_equal(strlen(f->nonce), REG_NONCE_LEN);
    for (size_t i = 0; i < REG_NONCE_LEN; i++) {
        char c = f->nonce[i];
        assert_true((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')
                    || (c >= '0' && c <= '9') || c == '-' || c == '_');
    }
    assert_int_equal(check(f, f->nonce, f->src), REG_NONCE_OK);
    /* NAT rebinding: another port from the same address is fine. */
    assert_int_equal(check(f, f->nonce, addr("192.0.2.10", 40000)),
                     REG_NONCE_OK);
    /* A dual-stack socket sees the same peer as ::ffff:192.0.2.10. */
    assert_int_equal(check(f, f->nonce, addr("::ffff:192.0.2.10", 5060)),
                     REG_NONCE_OK);
}

static void expired_is_stale(void **state)
{
    struct fixture *f = *state;
    assert_int_equal(
        reg_nonce_mint(&f->ctx, SA(f->src), REALM, f->nonce, sizeof(f->nonce)),
        0);
    fake_clock_advance_ms(&f->clock, UINT64_C(300000));
    assert_int_equal(check(f, f->nonce, f->src), REG_NONCE_OK);
    fake_clock_advance_ms(&f->clock, 1000);
    assert_int_equal(check(f, f->nonce, f->src), REG_NONCE_STALE);
    /* Stale is decided after the signature: a stale nonce from elsewhere
     * is still bad. */
    assert_int_equal(check(f, f->nonce, addr("192.0.2.11", 5060)),
                     REG_NONCE_BAD);
    fake_clock_advance_ms(&f->clock, UINT64_C(86400000));
    assert_int_equal(check(f, f->nonce, f->src), REG_NONCE_STALE);
}

static void clock_step_back_is_stale(void **state)
{
    struct fixture *f = *state;
    assert_int_equal(
        reg_nonce_mint(&f->ctx, SA(f->src), REALM, f->nonce, sizeof(f->nonce)),
        0);
    f->clock.fake_wall_s -= 1;
    assert_int_equal(check(f, f->nonce, f->src), REG_NONCE_OK);
    f->clock.fake_wall_s -= 3600;
    assert_int_equal(check(f, f->nonce, f->src), REG_NONCE_STALE);
}

static void custom_lifetime(void **state)
{
    (void)state;
    struct sw_clock clk;
    fake_clock_init(&clk, 0, T0_S);
    struct reg_nonce_ctx ctx;
    assert_int_equal(reg_nonce_init(&ctx, NULL, 30, &clk), 0);
    struct sockaddr_storage src = addr("2001:db8::1", 5060);
    char n[REG_NONCE_BUF];
    assert_int_equal(reg_nonce_mint(&ctx, SA(src), REALM, n, sizeof(n)), 0);
    fake_clock_advance_ms(&clk, UINT64_C(30000));
    assert_int_equal(reg_nonce_check(&ctx, sv_cstr(n), SA(src), REALM),
                     REG_NONCE_OK);
    fake_clock_advance_ms(&clk, 1000);
    assert_int_equal(reg_nonce_check(&ctx, sv_cstr(n), SA(src), REALM),
                     REG_NONCE_STALE);
    reg_nonce_fini(&ctx);
}

static void other_source_or_realm_is_bad(void **state)
{
    struct fixture *f = *state;
    assert_int_equal(
        reg_nonce_mint(&f->ctx, SA(f->src), REALM, f->nonce, sizeof(f->nonce)),
        0);
    assert_int_equal(check(f, f->nonce, addr("192.0.2.11", 5060)),
                     REG_NONCE_BAD);
    assert_int_equal(check(f, f->nonce, addr("10.0.2.10", 5060)),
                     REG_NONCE_BAD);
    assert_int_equal(check(f, f->nonce, addr("2001:db8::c000:20a", 5060)),
                     REG_NONCE_BAD);
    assert_int_equal(check(f, f->nonce, addr("::192.0.2.10", 5060)),
                     REG_NONCE_BAD);
    assert_int_equal(reg_nonce_check(&f->ctx, sv_cstr(f->nonce), SA(f->src),
                                     SV_LIT("other.example.com")),
                     REG_NONCE_BAD);
    assert_int_equal(
        reg_nonce_check(&f->ctx, sv_cstr(f->nonce), SA(f->src), SV_NULL),
        REG_NONCE_BAD);

    /* IPv6 sources bind all 16 bytes. */
    struct sockaddr_storage v6 = addr("2001:db8::1", 5060);
    assert_int_equal(
        reg_nonce_mint(&f->ctx, SA(v6), REALM, f->nonce, sizeof(f->nonce)), 0);
    assert_int_equal(check(f, f->nonce, v6), REG_NONCE_OK);
    assert_int_equal(check(f, f->nonce, addr("2001:db8::2", 5060)),
                     REG_NONCE_BAD);
    assert_int_equal(check(f, f->nonce, addr("192.0.2.10", 5060)),
                     REG_NONCE_BAD);
}

static void tampered_is_bad(void **state)
{
    struct fixture *f = *state;
    static const char alphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    assert_int_equal(
        reg_nonce_mint(&f->ctx, SA(f->src), REALM, f->nonce, sizeof(f->nonce)),
        0);
    /* Every position, replaced by every other character. */
    for (size_t i = 0; i < REG_NONCE_LEN; i++) {
        for (size_t k = 0; k < 64; k++) {
            char t[REG_NONCE_BUF];
            memcpy(t, f->nonce, sizeof(t));
            if (t[i] == alphabet[k]) {
                continue;
            }
            t[i] = alphabet[k];
            assert_int_equal(check(f, t, f->src), REG_NONCE_BAD);
        }
    }
    /* Moving the timestamp forward (a longer life) breaks the tag. */
    char t[REG_NONCE_BUF];
    memcpy(t, f->nonce, sizeof(t));
    t[9] = t[9] == 'A' ? 'B' : 'A';
    assert_int_equal(check(f, t, f->src), REG_NONCE_BAD);
    assert_int_equal(check(f, f->nonce, f->src), REG_NONCE_OK);
}

static void garbage_is_bad(void **state)
{
    struct fixture *f = *state;
    assert_int_equal(
        reg_nonce_mint(&f->ctx, SA(f->src), REALM, f->nonce, sizeof(f->nonce)),
        0);
    char buf[REG_NONCE_BUF + 8];
    /* Empty, truncated, extended. */
    assert_int_equal(check(f, "", f->src), REG_NONCE_BAD);
    assert_int_equal(reg_nonce_check(&f->ctx, SV_NULL, SA(f->src), REALM),
                     REG_NONCE_BAD);
    for (size_t len = 0; len < REG_NONCE_LEN; len++) {
        assert_int_equal(
            reg_nonce_check(&f->ctx, sv_make(f->nonce, len), SA(f->src), REALM),
            REG_NONCE_BAD);
    }
    (void)snprintf(buf, sizeof(buf), "%sA", f->nonce);
    assert_int_equal(check(f, buf, f->src), REG_NONCE_BAD);
    /* Standard base64 characters and padding are not base64url. */
    memcpy(buf, f->nonce, REG_NONCE_BUF);
    buf[5] = '+';
    assert_int_equal(check(f, buf, f->src), REG_NONCE_BAD);
    buf[5] = '/';
    assert_int_equal(check(f, buf, f->src), REG_NONCE_BAD);
    (void)snprintf(buf, sizeof(buf), "%s=", f->nonce);
    assert_int_equal(check(f, buf, f->src), REG_NONCE_BAD);
    /* Embedded NUL and high bytes. */
    memcpy(buf, f->nonce, REG_NONCE_BUF);
    buf[20] = '\0';
    assert_int_equal(reg_nonce_check(&f->ctx, sv_make(buf, REG_NONCE_LEN),
                                     SA(f->src), REALM),
                     REG_NONCE_BAD);
    buf[20] = (char)0xc3;
    assert_int_equal(reg_nonce_check(&f->ctx, sv_make(buf, REG_NONCE_LEN),
                                     SA(f->src), REALM),
                     REG_NONCE_BAD);
    /* Something resembling an RFC example nonce. */
    assert_int_equal(
        check(f, "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", f->src),
        REG_NONCE_BAD);
    assert_int_equal(
        check(f, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", f->src),
        REG_NONCE_BAD);
    /* Huge input. */
    size_t huge_len = 1 << 20;
    char *huge = malloc(huge_len);
    assert_non_null(huge);
    memset(huge, 'A', huge_len);
    assert_int_equal(
        reg_nonce_check(&f->ctx, sv_make(huge, huge_len), SA(f->src), REALM),
        REG_NONCE_BAD);
    /* Huge realm. */
    assert_int_equal(reg_nonce_check(&f->ctx, sv_cstr(f->nonce), SA(f->src),
                                     sv_make(huge, huge_len)),
                     REG_NONCE_BAD);
    assert_int_equal(reg_nonce_mint(&f->ctx, SA(f->src),
                                    sv_make(huge, huge_len), buf, sizeof(buf)),
                     -EINVAL);
    free(huge);
    /* No source, or one that is not IP. */
    assert_int_equal(reg_nonce_check(&f->ctx, sv_cstr(f->nonce), NULL, REALM),
                     REG_NONCE_BAD);
    struct sockaddr_un un;
    memset(&un, 0, sizeof(un));
    un.sun_family = AF_UNIX;
    assert_int_equal(reg_nonce_check(&f->ctx, sv_cstr(f->nonce),
                                     (const struct sockaddr *)&un, REALM),
                     REG_NONCE_BAD);
    assert_int_equal(check(f, f->nonce, f->src), REG_NONCE_OK);
}

static void mint_errors(void **state)
{
    struct fixture *f = *state;
    char small[REG_NONCE_LEN];
    assert_int_equal(
        reg_nonce_mint(&f->ctx, SA(f->src), REALM, small, sizeof(small)),
        -ENOSPC);
    struct sockaddr_un un;
    memset(&un, 0, sizeof(un));
    un.sun_family = AF_UNIX;
    assert_int_equal(reg_nonce_mint(&f->ctx, (const struct sockaddr *)&un,
                                    REALM, f->nonce, sizeof(f->nonce)),
                     -EAFNOSUPPORT);
    assert_int_equal(
        reg_nonce_mint(&f->ctx, NULL, REALM, f->nonce, sizeof(f->nonce)),
        -EINVAL);
}

static void keys(void **state)
{
    struct fixture *f = *state;
    assert_int_equal(
        reg_nonce_mint(&f->ctx, SA(f->src), REALM, f->nonce, sizeof(f->nonce)),
        0);
    /* Another random key. */
    struct reg_nonce_ctx other;
    assert_int_equal(reg_nonce_init(&other, NULL, 0, &f->clock), 0);
    assert_int_equal(
        reg_nonce_check(&other, sv_cstr(f->nonce), SA(f->src), REALM),
        REG_NONCE_BAD);
    reg_nonce_fini(&other);

    /* A caller-provided key: a second context with the same key (another
     * process, or after a restart) accepts the nonce; a different key not. */
    uint8_t key[REG_NONCE_KEY_LEN];
    for (size_t i = 0; i < sizeof(key); i++) {
        key[i] = (uint8_t)(i * 7 + 1);
    }
    struct reg_nonce_ctx a;
    struct reg_nonce_ctx b;
    assert_int_equal(reg_nonce_init(&a, key, 0, &f->clock), 0);
    assert_int_equal(reg_nonce_init(&b, key, 0, &f->clock), 0);
    char n[REG_NONCE_BUF];
    assert_int_equal(reg_nonce_mint(&a, SA(f->src), REALM, n, sizeof(n)), 0);
    assert_int_equal(reg_nonce_check(&b, sv_cstr(n), SA(f->src), REALM),
                     REG_NONCE_OK);
    reg_nonce_fini(&b);
    key[31] ^= 1;
    assert_int_equal(reg_nonce_init(&b, key, 0, &f->clock), 0);
    assert_int_equal(reg_nonce_check(&b, sv_cstr(n), SA(f->src), REALM),
                     REG_NONCE_BAD);
    reg_nonce_fini(&b);
    reg_nonce_fini(&a);
    /* After fini the key is gone and checks fail closed. */
    assert_int_equal(reg_nonce_check(&a, sv_cstr(n), SA(f->src), REALM),
                     REG_NONCE_BAD);
}

static int cmp_nonce(const void *a, const void *b)
{
    return memcmp(a, b, REG_NONCE_BUF);
}

static void nonces_are_unique(void **state)
{
    struct fixture *f = *state;
    enum { N = 2000 };
    char(*all)[REG_NONCE_BUF] = calloc(N, REG_NONCE_BUF);
    assert_non_null(all);
    /* Same second, same source: only the random part differs. */
    for (size_t i = 0; i < N; i++) {
        assert_int_equal(
            reg_nonce_mint(&f->ctx, SA(f->src), REALM, all[i], REG_NONCE_BUF),
            0);
    }
    qsort(all, N, REG_NONCE_BUF, cmp_nonce);
    for (size_t i = 1; i < N; i++) {
        assert_true(memcmp(all[i - 1], all[i], REG_NONCE_BUF) != 0);
    }
    free(all);
}

/* ------------------------------------------------------------------------
 * Nonce-count parsing and table
 */

static void nc_parse(void **state)
{
    (void)state;
    uint32_t v = 77;
    assert_int_equal(reg_nc_parse(SV_LIT("00000001"), &v), 0);
    assert_int_equal(v, 1);
    assert_int_equal(reg_nc_parse(SV_LIT("0000000a"), &v), 0);
    assert_int_equal(v, 10);
    assert_int_equal(reg_nc_parse(SV_LIT("0000000A"), &v), 0);
    assert_int_equal(v, 10);
    assert_int_equal(reg_nc_parse(SV_LIT("ffffffff"), &v), 0);
    assert_int_equal(v, UINT32_MAX);
    assert_int_equal(reg_nc_parse(SV_LIT("00000000"), &v), 0);
    assert_int_equal(v, 0);
    v = 77;
    static const char *const bad[] = {
        "",         "1",        "0000001",  "000000001", "0000000g",
        "+0000001", "-0000001", " 0000001", "0000001 ",  "0x000001",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_int_equal(reg_nc_parse(sv_cstr(bad[i]), &v), -EINVAL);
    }
    assert_int_equal(reg_nc_parse(sv_make("00000\0001", 8), &v), -EINVAL);
    assert_int_equal(v, 77);
}

static void nc_order(void **state)
{
    (void)state;
    struct reg_nc_table *t = reg_nc_table_new(1024, 300);
    assert_non_null(t);
    struct sv n1 = SV_LIT("nonce-one");
    struct sv n2 = SV_LIT("nonce-two");
    int64_t now = T0_S;
    assert_int_equal(reg_nc_check_and_update(t, n1, 1, now), REG_NC_OK);
    assert_int_equal(reg_nc_check_and_update(t, n1, 2, now), REG_NC_OK);
    assert_int_equal(reg_nc_check_and_update(t, n1, 3, now), REG_NC_OK);
    assert_int_equal(reg_nc_check_and_update(t, n1, 2, now), REG_NC_REPLAY);
    assert_int_equal(reg_nc_check_and_update(t, n1, 3, now), REG_NC_REPLAY);
    assert_int_equal(reg_nc_check_and_update(t, n1, 0, now), REG_NC_REPLAY);
    /* Gaps are fine (requests lost or reordered on the way). */
    assert_int_equal(reg_nc_check_and_update(t, n1, 10, now + 5), REG_NC_OK);
    assert_int_equal(reg_nc_check_and_update(t, n1, 9, now + 5), REG_NC_REPLAY);
    /* A fresh nonce starts over; its history is separate. */
    uint32_t nc;
    assert_int_equal(reg_nc_parse(SV_LIT("00000001"), &nc), 0);
    assert_int_equal(reg_nc_check_and_update(t, n2, nc, now), REG_NC_OK);
    assert_int_equal(reg_nc_check_and_update(t, n2, nc, now), REG_NC_REPLAY);
    /* nc 0 is never valid, not even first. */
    assert_int_equal(reg_nc_check_and_update(t, SV_LIT("n3"), 0, now),
                     REG_NC_REPLAY);
    assert_int_equal(reg_nc_check_and_update(t, SV_LIT("n3"), 1, now),
                     REG_NC_OK);
    assert_int_equal(reg_nc_check_and_update(t, SV_LIT("n3"), UINT32_MAX, now),
                     REG_NC_OK);
    assert_int_equal(reg_nc_check_and_update(t, SV_LIT("n3"), UINT32_MAX, now),
                     REG_NC_REPLAY);

    struct reg_nc_stats st;
    reg_nc_table_stats(t, &st);
    assert_int_equal(st.n_entries, 3);
    assert_int_equal(st.n_replays, 7);
    assert_int_equal(st.n_evicted_live, 0);
    reg_nc_table_free(t);
    reg_nc_table_free(NULL);
}

static void nc_expiry(void **state)
{
    (void)state;
    struct reg_nc_table *t = reg_nc_table_new(64, 300);
    assert_non_null(t);
    int64_t now = T0_S;
    struct sv n = SV_LIT("expiring");
    assert_int_equal(reg_nc_check_and_update(t, n, 1, now), REG_NC_OK);
    assert_int_equal(reg_nc_check_and_update(t, n, 2, now + 300), REG_NC_OK);
    /* Past the lifetime the nonce is stale anyway: fail closed. */
    assert_int_equal(reg_nc_check_and_update(t, n, 3, now + 301),
                     REG_NC_REPLAY);
    /* Expired entries are dropped when new ones arrive: with 64 slots over
     * 64 shards, later inserts into its shard reclaim it. */
    char name[32];
    for (int i = 0; i < 1000; i++) {
        (void)snprintf(name, sizeof(name), "later-%d", i);
        assert_int_equal(
            reg_nc_check_and_update(t, sv_cstr(name), 1, now + 301), REG_NC_OK);
    }
    struct reg_nc_stats st;
    reg_nc_table_stats(t, &st);
    assert_true(st.n_expired >= 1);
    assert_true(st.n_entries <= 64);
    reg_nc_table_free(t);
}

static void nc_bounded(void **state)
{
    (void)state;
    assert_null(reg_nc_table_new(10, 300));
    assert_null(reg_nc_table_new(1024, 0));
    struct reg_nc_table *t = reg_nc_table_new(128, 300);
    assert_non_null(t);
    struct reg_nc_stats st0;
    reg_nc_table_stats(t, &st0);
    assert_true(st0.mem_bytes > 0);
    assert_true(st0.mem_bytes
                <= 128 * reg_nc_entry_bytes() + (size_t)64 * 1024);

    int64_t now = T0_S;
    char name[32];
    enum { N = 20000 };
    for (int i = 0; i < N; i++) {
        (void)snprintf(name, sizeof(name), "nonce-%d", i);
        assert_int_equal(reg_nc_check_and_update(t, sv_cstr(name), 1, now),
                         REG_NC_OK);
    }
    struct reg_nc_stats st;
    reg_nc_table_stats(t, &st);
    assert_int_equal(st.n_entries, 128);
    assert_int_equal(st.n_evicted_live, N - 128);
    assert_int_equal(st.n_expired, 0);
    assert_int_equal(st.mem_bytes, st0.mem_bytes);
    /* The newest nonce is still tracked; the oldest was evicted. */
    (void)snprintf(name, sizeof(name), "nonce-%d", N - 1);
    assert_int_equal(reg_nc_check_and_update(t, sv_cstr(name), 1, now),
                     REG_NC_REPLAY);
    assert_int_equal(reg_nc_check_and_update(t, SV_LIT("nonce-0"), 1, now),
                     REG_NC_OK);
    reg_nc_table_free(t);
}

/* The ring follows the live nonces: small when idle, grown (nothing live
 * evicted, every nonce still found after the moves) under load up to the
 * cap, and back down once they expired. */
static void nc_grows_and_shrinks(void **state)
{
    (void)state;
    struct reg_nc_table *t = reg_nc_table_new(1u << 16, 300);
    assert_non_null(t);
    struct reg_nc_stats idle;
    reg_nc_table_stats(t, &idle);
    assert_true(idle.mem_bytes < (1u << 16) * reg_nc_entry_bytes() / 4);

    int64_t now = T0_S;
    char name[32];
    enum { N = 20000 };
    for (int i = 0; i < N; i++) {
        (void)snprintf(name, sizeof(name), "grow-%d", i);
        assert_int_equal(reg_nc_check_and_update(t, sv_cstr(name), 1, now),
                         REG_NC_OK);
    }
    struct reg_nc_stats st;
    reg_nc_table_stats(t, &st);
    assert_int_equal(st.n_entries, N);
    assert_int_equal(st.n_evicted_live, 0);
    assert_true(st.mem_bytes > idle.mem_bytes + N * 24);
    for (int i = 0; i < N; i++) {
        (void)snprintf(name, sizeof(name), "grow-%d", i);
        assert_int_equal(reg_nc_check_and_update(t, sv_cstr(name), 1, now),
                         REG_NC_REPLAY);
        assert_int_equal(reg_nc_check_and_update(t, sv_cstr(name), 2, now),
                         REG_NC_OK);
    }
    /* All expired: new nonces reclaim them and the rings shrink back. */
    for (int i = 0; i < 5000; i++) {
        (void)snprintf(name, sizeof(name), "after-%d", i);
        assert_int_equal(
            reg_nc_check_and_update(t, sv_cstr(name), 1, now + 301), REG_NC_OK);
    }
    struct reg_nc_stats after;
    reg_nc_table_stats(t, &after);
    assert_int_equal(after.n_entries, 5000);
    assert_int_equal(after.n_expired, N);
    assert_true(after.mem_bytes < st.mem_bytes / 2);
    reg_nc_table_free(t);
}

/* 4 threads: each drives its own nonces, and all race on one shared nonce
 * with the same nc sequence. */
enum { N_THREADS = 4, PER_THREAD = 50000, SHARED_N = 100000 };

struct worker {
    struct reg_nc_table *t;
    pthread_barrier_t *start; /* all threads begin together */
    int id;
    unsigned ok_own;
    unsigned replay_own;
    unsigned ok_shared;
    _Atomic unsigned *shared_hits; /* per nc value */
};

static void *worker_main(void *arg)
{
    struct worker *w = arg;
    char name[32];
    pthread_barrier_wait(w->start);
    for (int i = 0; i < PER_THREAD; i++) {
        (void)snprintf(name, sizeof(name), "t%d-%d", w->id, i);
        struct sv n = sv_cstr(name);
        for (uint32_t nc = 1; nc <= 3; nc++) {
            if (reg_nc_check_and_update(w->t, n, nc, T0_S) == REG_NC_OK) {
                w->ok_own++;
            }
        }
        if (reg_nc_check_and_update(w->t, n, 2, T0_S) == REG_NC_REPLAY) {
            w->replay_own++;
        }
    }
    for (uint32_t nc = 1; nc <= SHARED_N; nc++) {
        if (reg_nc_check_and_update(w->t, SV_LIT("shared"), nc, T0_S)
            == REG_NC_OK) {
            w->ok_shared++;
            atomic_fetch_add(&w->shared_hits[nc], 1);
        }
    }
    return NULL;
}

static void nc_threads(void **state)
{
    (void)state;
    struct reg_nc_table *t = reg_nc_table_new(1 << 18, 300);
    assert_non_null(t);
    pthread_barrier_t start;
    assert_int_equal(pthread_barrier_init(&start, NULL, N_THREADS), 0);
    _Atomic unsigned *hits = calloc(SHARED_N + 1, sizeof(*hits));
    assert_non_null(hits);
    struct worker w[N_THREADS];
    pthread_t th[N_THREADS];
    for (int i = 0; i < N_THREADS; i++) {
        w[i] = (struct worker){
            .t = t, .start = &start, .id = i, .shared_hits = hits
        };
        assert_int_equal(pthread_create(&th[i], NULL, worker_main, &w[i]), 0);
    }
    unsigned ok_shared = 0;
    for (int i = 0; i < N_THREADS; i++) {
        assert_int_equal(pthread_join(th[i], NULL), 0);
        assert_int_equal(w[i].ok_own, 3 * PER_THREAD);
        assert_int_equal(w[i].replay_own, PER_THREAD);
        ok_shared += w[i].ok_shared;
    }
    /* Every thread tries 1..N in order, so whoever tries a value first
     * finds the highest recorded value below it: each value is accepted by
     * exactly one thread, whatever the interleaving. */
    for (uint32_t nc = 1; nc <= SHARED_N; nc++) {
        assert_int_equal(hits[nc], 1);
    }
    assert_int_equal(ok_shared, SHARED_N);

    struct reg_nc_stats st;
    reg_nc_table_stats(t, &st);
    assert_int_equal(st.n_entries, N_THREADS * PER_THREAD + 1);
    assert_int_equal(st.n_evicted_live, 0);
    assert_int_equal(st.n_replays, N_THREADS * PER_THREAD
                                       + (N_THREADS * SHARED_N - ok_shared));
    pthread_barrier_destroy(&start);
    free(hits);
    reg_nc_table_free(t);
}

static double now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/* Prints the cost of the per-REGISTER path; asserts only correctness. */
static void check_and_nc_cost(void **state)
{
    struct fixture *f = *state;
    struct reg_nc_table *t = reg_nc_table_new(1 << 16, 300);
    assert_non_null(t);
    enum { N_NONCES = 64, ROUNDS = 20000 };
    char(*n)[REG_NONCE_BUF] = calloc(N_NONCES, REG_NONCE_BUF);
    assert_non_null(n);
    for (int i = 0; i < N_NONCES; i++) {
        assert_int_equal(
            reg_nonce_mint(&f->ctx, SA(f->src), REALM, n[i], REG_NONCE_BUF), 0);
    }
    double t0 = now_ns();
    for (uint32_t r = 0; r < ROUNDS; r++) {
        const char *nonce = n[r % N_NONCES];
        struct sv v = sv_make(nonce, REG_NONCE_LEN);
        assert_true(reg_nonce_check(&f->ctx, v, SA(f->src), REALM)
                    == REG_NONCE_OK);
        assert_true(reg_nc_check_and_update(t, v, r / N_NONCES + 1, T0_S)
                    == REG_NC_OK);
    }
    double per_op = (now_ns() - t0) / ROUNDS;
    print_message("nonce check + nc update: %.0f ns/op\n", per_op);
    free(n);
    reg_nc_table_free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(mint_check_ok, setup, teardown),
        cmocka_unit_test_setup_teardown(expired_is_stale, setup, teardown),
        cmocka_unit_test_setup_teardown(clock_step_back_is_stale, setup,
                                        teardown),
        cmocka_unit_test(custom_lifetime),
        cmocka_unit_test_setup_teardown(other_source_or_realm_is_bad, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(tampered_is_bad, setup, teardown),
        cmocka_unit_test_setup_teardown(garbage_is_bad, setup, teardown),
        cmocka_unit_test_setup_teardown(mint_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(keys, setup, teardown),
        cmocka_unit_test_setup_teardown(nonces_are_unique, setup, teardown),
        cmocka_unit_test(nc_parse),
        cmocka_unit_test(nc_order),
        cmocka_unit_test(nc_expiry),
        cmocka_unit_test(nc_bounded),
        cmocka_unit_test(nc_grows_and_shrinks),
        cmocka_unit_test(nc_threads),
        cmocka_unit_test_setup_teardown(check_and_nc_cost, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
