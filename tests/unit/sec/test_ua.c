/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "base/check.h"
#include "sec/ua.h"

static struct sec_ua *build(const char *const *pats, size_t n)
{
    struct sv v[64];
    assert_true(n <= SW_ARRAY_LEN(v));
    for (size_t i = 0; i < n; i++) {
        v[i] = sv_cstr(pats[i]);
    }
    struct sec_ua *ua = NULL;
    assert_int_equal(sec_ua_build(v, n, &ua, NULL), 0);
    return ua;
}

static int match(const struct sec_ua *ua, const char *s)
{
    return sec_ua_match(ua, sv_cstr(s));
}

/* Reference: lowest i whose pattern occurs in 'text', case-insensitively. */
static int naive(const struct sv *pats, size_t n, struct sv text)
{
    for (size_t i = 0; i < n; i++) {
        if (sv_contains_nocase(text, pats[i])) {
            return (int)i;
        }
    }
    return -1;
}

static uint64_t rng_state;

static uint64_t rnd(void)
{
    uint64_t z = (rng_state += UINT64_C(0x9e3779b97f4a7c15));
    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}

static double now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/* ---- the defaults ------------------------------------------------------- */

/* The compiled-in table must equal the shared list, in order. */
static void defaults_match_testdata(void **state)
{
    (void)state;
    const char *path = SW_SHARED_DIR "/testdata/bad-user-agents.txt";
    FILE *f = fopen(path, "r");
    if (!f) {
        print_error("cannot open %s\n", path);
    }
    assert_non_null(f);
    size_t n;
    const char *const *d = sec_ua_defaults(&n);
    size_t i = 0;
    char line[512];
    while (fgets(line, sizeof(line), f)) {
        struct sv pat;
        if (!sec_ua_line_pattern(sv_cstr(line), &pat)) {
            continue;
        }
        if (i >= n || !sv_eq(pat, sv_cstr(d[i]))) {
            print_error("line pattern '%.*s' vs default %zu '%s': update "
                        "src/sec/ua_defaults.c\n",
                        SV_FMT(pat), i, i < n ? d[i] : "(none)");
        }
        assert_true(i < n);
        assert_true(sv_eq(pat, sv_cstr(d[i])));
        i++;
    }
    fclose(f);
    assert_int_equal(i, n);
    assert_true(n >= 10);
}

static void line_pattern(void **state)
{
    (void)state;
    struct sv p = SV_NULL;
    assert_false(sec_ua_line_pattern(sv_cstr(""), &p));
    assert_false(sec_ua_line_pattern(sv_cstr("  \t\r\n"), &p));
    assert_false(sec_ua_line_pattern(sv_cstr("# sipsak  legit"), &p));
    assert_false(sec_ua_line_pattern(sv_cstr("   # indented comment"), &p));
    assert_null(p.p);
    assert_true(sec_ua_line_pattern(sv_cstr("friendly-scanner\n"), &p));
    assert_true(sv_eq(p, SV_LIT("friendly-scanner")));
    assert_true(sec_ua_line_pattern(sv_cstr(" Test Agent \r\n"), &p));
    assert_true(sv_eq(p, SV_LIT("Test Agent")));
}

/* Mixed case, alone and inside a longer value. */
static void defaults_match_themselves(void **state)
{
    (void)state;
    struct sec_ua *ua;
    assert_int_equal(sec_ua_build_defaults(&ua), 0);
    size_t n;
    const char *const *d = sec_ua_defaults(&n);
    assert_int_equal(sec_ua_count(ua), n);
    for (size_t i = 0; i < n; i++) {
        assert_true(sv_eq(sec_ua_pattern(ua, i), sv_cstr(d[i])));
        assert_true(strlen(d[i]) < 150);
        char v[3][200];
        size_t len = strlen(d[i]);
        for (size_t j = 0; j <= len; j++) {
            char c = d[i][j];
            v[0][j] = c;
            v[1][j] = (char)(j % 2 ? (c >= 'a' && c <= 'z' ? c - 32 : c)
                                   : (c >= 'A' && c <= 'Z' ? c + 32 : c));
        }
        snprintf(v[2], sizeof(v[2]), "Mozilla/5.0 (%.150s 0.3.3) x", v[1]);
        for (int k = 0; k < 3; k++) {
            int r = match(ua, v[k]);
            if (r < 0 || (size_t)r > i) {
                print_error("'%s' -> %d, want <= %zu\n", v[k], r, i);
            }
            assert_true(r >= 0 && (size_t)r <= i);
            /* Whatever wins really occurs in the value. */
            assert_true(sv_contains_nocase(sv_cstr(v[k]), sv_cstr(d[r])));
        }
        /* One byte short, or broken in the middle, no longer matches it. */
        assert_int_not_equal(sec_ua_match(ua, sv_make(d[i], len - 1)), (int)i);
        char broken[256];
        snprintf(broken, sizeof(broken), "%.*s %s", (int)(len / 2), d[i],
                 d[i] + len / 2);
        assert_int_not_equal(match(ua, broken), (int)i);
    }
    /* Real scanner values. */
    assert_int_equal(match(ua, "friendly-scanner"), 0);
    assert_true(match(ua, "sipvicious 0.3.3") >= 0);
    assert_true(match(ua, "pplsip") >= 0);
    assert_true(match(ua, "VaxSIPUserAgent/3.1") >= 0);
    assert_true(match(ua, "Hacker") >= 0);
    sec_ua_release(ua);
}

/* testdata lists these as legitimate: the defaults must let them through. */
static void legitimate_pass(void **state)
{
    (void)state;
    static const char *const legit[] = {
        "Yealink SIP-T46S 66.86.0.15",
        "Yealink SIP-T54W 96.86.0.100",
        "Linphone/5.0.16 (belle-sip/5.0.0)",
        "Linphone Desktop/4.4.10 (Debian GNU/Linux 12)",
        "baresip v2.9.0 (x86_64/linux)",
        "PJSIP/2.13",
        "PJSUA v2.13 Linux-6.1/x86_64/glibc-2.36",
        "Zoiper rv2.10.20.2",
        "Z 5.6.1 v2.10.19.9",
        "sipsak 0.9.8",
        "sipp",
        "SIPp/3.6.1",
        "Asterisk PBX 18.10.0~dfsg+~cs6.10.40431411-1",
        "FreeSWITCH-mod_sofia/1.10.9-release~64bit",
        "eyeBeam release 1011d stamp 40820",
        "X-Lite release 5.8.3 stamp 102639",
        "xlite",
        "CSipSimple_mako-23/r2457",
        "MizuPhone",
        "MicroSIP/3.21.3",
        "PortSIP VoIP SDK 19.2.3",
        "Ozeki VoIP SIP SDK v10.3",
        "Cisco-SIPGateway/IOS-15.7.3",
        "Cisco-CUCM12.5",
        "Linksys/SPA942-6.1.5(a)",
        "FreePBX",
        "FPBX-16.0.40(18.20.0)",
        "PBX",
        "voip",
        "VoIP SIP",
        "Test Agent",
        "Nmap NSE",
        "friendly",
        "scanner",
        "Grandstream GXP2170 1.0.11.23",
        "snom760/10.1.54.13",
        "Polycom/5.9.5.0614 PolycomVVX-VVX_411-UA/5.9.5.0614",
        "Bria 5 release 5.9.0 stamp 102244",
        "Fanvil X4U 2.12.1",
        "sipwarden/0.1",
        "",
    };
    struct sec_ua *ua;
    assert_int_equal(sec_ua_build_defaults(&ua), 0);
    for (size_t i = 0; i < SW_ARRAY_LEN(legit); i++) {
        int r = match(ua, legit[i]);
        if (r != -1) {
            print_error("'%s' matched '%.*s'\n", legit[i],
                        SV_FMT(sec_ua_pattern(ua, (size_t)r)));
        }
        assert_int_equal(r, -1);
    }
    sec_ua_release(ua);
}

/* ---- matching semantics ------------------------------------------------- */

static void lowest_index_wins(void **state)
{
    (void)state;
    static const char *const p1[] = { "he", "she", "his", "hers" };
    struct sec_ua *ua = build(p1, 4);
    assert_int_equal(match(ua, "ushers"), 0);
    assert_int_equal(match(ua, "USHERS"), 0);
    assert_int_equal(match(ua, "this"), 2);
    assert_int_equal(match(ua, "hi s"), -1);
    assert_int_equal(match(ua, "h"), -1);
    sec_ua_release(ua);

    /* A pattern found only through a failure link. */
    static const char *const p2[] = { "abcd", "bc" };
    ua = build(p2, 2);
    assert_int_equal(match(ua, "abcx"), 1);
    assert_int_equal(match(ua, "xabcd"), 0);
    assert_int_equal(match(ua, "aabcabcd"), 0);
    assert_int_equal(match(ua, "ab"), -1);
    sec_ua_release(ua);

    /* Later but lower-numbered occurrences still win. */
    static const char *const p3[] = { "zz", "a", "Zz" };
    ua = build(p3, 3);
    assert_int_equal(match(ua, "a...zz"), 0);
    assert_int_equal(match(ua, "a"), 1);
    assert_int_equal(match(ua, "ZZ"), 0); /* duplicate: the first one */
    assert_int_equal(sec_ua_count(ua), 3);
    assert_true(sv_eq(sec_ua_pattern(ua, 2), SV_LIT("Zz")));
    sec_ua_release(ua);

    /* Blanks and punctuation inside patterns are ordinary bytes. */
    static const char *const p4[] = { "Test Agent", "a/b", "x-y.z" };
    ua = build(p4, 3);
    assert_int_equal(match(ua, "my test  agent"), -1);
    assert_int_equal(match(ua, "my TEST AGENT/1"), 0);
    assert_int_equal(match(ua, "A/B"), 1);
    assert_int_equal(match(ua, "x-y-z x-y.z"), 2);
    sec_ua_release(ua);
}

static void odd_values(void **state)
{
    (void)state;
    struct sec_ua *ua;
    assert_int_equal(sec_ua_build_defaults(&ua), 0);
    assert_int_equal(sec_ua_match(ua, SV_NULL), -1);
    assert_int_equal(sec_ua_match(NULL, SV_LIT("friendly-scanner")), -1);
    /* A NUL or non-ASCII byte splits a pattern. */
    assert_int_equal(sec_ua_match(ua, SV_LIT("friendly\0-scanner")), -1);
    assert_int_equal(sec_ua_match(ua, SV_LIT("friendly\xc3-scanner")), -1);
    assert_int_equal(sec_ua_match(ua, SV_LIT("\xff\0friendly-scanner\0")), 0);
    /* Only ASCII folds: no Unicode case games. */
    assert_int_equal(match(ua, "\xc4\xb0war"), -1); /* U+0130 + "war" */
    assert_true(match(ua, "IWAR") >= 0);
    /* Only the view is read. */
    assert_int_equal(sec_ua_match(ua, sv_make("friendly-scanner", 15)), -1);
    sec_ua_release(ua);

    /* No patterns: nothing matches. */
    assert_int_equal(sec_ua_build(NULL, 0, &ua, NULL), 0);
    assert_int_equal(match(ua, "friendly-scanner"), -1);
    assert_int_equal(sec_ua_count(ua), 0);
    sec_ua_release(ua);
    sec_ua_release(NULL);
    assert_int_equal(sec_ua_count(NULL), 0);
}

/* ---- validation --------------------------------------------------------- */

static void pattern_checks(void **state)
{
    (void)state;
    char err[SEC_UA_ERR_CAP];
    char big[SEC_UA_PATTERN_MAX + 1];
    memset(big, 'a', sizeof(big));
    struct {
        struct sv p;
        int rc;
        const char *msg;
    } cases[] = {
        { SV_LIT("friendly-scanner"), 0, NULL },
        { SV_LIT("a"), 0, NULL },
        { SV_LIT("Test Agent"), 0, NULL },
        { SV_LIT("~!@#$%^&*()"), 0, NULL },
        { sv_make(big, SEC_UA_PATTERN_MAX), 0, NULL },
        { sv_make(big, SEC_UA_PATTERN_MAX + 1), -EINVAL,
          "pattern longer than 128 bytes" },
        { SV_NULL, -EINVAL, "empty pattern" },
        { SV_LIT(""), -EINVAL, "empty pattern" },
        { SV_LIT("bad\tpattern"), -EINVAL,
          "pattern byte 3 (0x09) is not printable ASCII" },
        { SV_LIT("nul\0"), -EINVAL, "(0x00)" },
        { SV_LIT("caf\xc3\xa9"), -EINVAL, "(0xc3)" },
        { SV_LIT("del\x7f"), -EINVAL, "(0x7f)" },
        { SV_LIT(" lead"), -EINVAL, "starts or ends with a blank" },
        { SV_LIT("trail "), -EINVAL, "starts or ends with a blank" },
        { SV_LIT(" "), -EINVAL, "starts or ends with a blank" },
    };
    for (size_t i = 0; i < SW_ARRAY_LEN(cases); i++) {
        err[0] = '\0';
        int rc = sec_ua_pattern_check(cases[i].p, err, sizeof(err));
        if (rc != cases[i].rc || (cases[i].msg && !strstr(err, cases[i].msg))) {
            print_error("case %zu: rc %d err '%s'\n", i, rc, err);
        }
        assert_int_equal(rc, cases[i].rc);
        if (cases[i].msg) {
            assert_non_null(strstr(err, cases[i].msg));
        }
        /* The same verdict from the builder, with the index. */
        struct sv pats[3] = { SV_LIT("ok"), cases[i].p, SV_LIT("ok2") };
        struct sec_ua *ua = (struct sec_ua *)&pats; /* must stay untouched */
        size_t bad = 99;
        rc = sec_ua_build(pats, 3, &ua, &bad);
        assert_int_equal(rc, cases[i].rc);
        if (rc == 0) {
            assert_int_equal(match(ua, "xOKx"), 0);
            sec_ua_release(ua);
        } else {
            assert_int_equal(bad, 1);
            assert_ptr_equal(ua, (struct sec_ua *)&pats);
        }
    }
    assert_int_equal(sec_ua_pattern_check(SV_LIT(""), NULL, 0), -EINVAL);
}

static void pattern_limits(void **state)
{
    (void)state;
    size_t n = SEC_UA_MAX_PATTERNS + 1;
    struct sv *pats = calloc(n, sizeof(*pats));
    char *text = calloc(n, SEC_UA_PATTERN_MAX);
    assert_non_null(pats);
    assert_non_null(text);
    /* Worst case size: the maximum number of maximum-length patterns. */
    for (size_t i = 0; i < n; i++) {
        char *p = text + i * SEC_UA_PATTERN_MAX;
        memset(p, 'a' + (int)(i % 26), SEC_UA_PATTERN_MAX);
        snprintf(p, 16, "ua%06zu-", i); /* writes a NUL too: */
        p[strlen(p)] = 'x';
        pats[i] = sv_make(p, SEC_UA_PATTERN_MAX);
    }
    struct sec_ua *ua;
    assert_int_equal(sec_ua_build(pats, n, &ua, NULL), -E2BIG);
    double t0 = now_ns();
    assert_int_equal(sec_ua_build(pats, n - 1, &ua, NULL), 0);
    double t1 = now_ns();
    assert_int_equal(sec_ua_count(ua), n - 1);
    for (size_t i = 0; i < n - 1; i += 997) {
        char v[SEC_UA_PATTERN_MAX + 16];
        snprintf(v, sizeof(v), "<<%.*s>>", SV_FMT(pats[i]));
        assert_int_equal(match(ua, v), (int)i);
        v[SEC_UA_PATTERN_MAX] = '\0'; /* cut the last byte */
        assert_int_equal(match(ua, v), -1);
    }
    printf("sec_ua_build: %d patterns of %d bytes in %.1f ms\n",
           SEC_UA_MAX_PATTERNS, SEC_UA_PATTERN_MAX, (t1 - t0) / 1e6);
    sec_ua_release(ua);
    free(text);
    free(pats);
}

/* ---- differential test against strstr ----------------------------------- */

static void random_vs_naive(void **state)
{
    (void)state;
    rng_state = 4475;
    static const char alpha[] = "abcAB-";
    enum { N_SETS = 200, N_TEXTS = 200 };
    long hits = 0;
    for (int set = 0; set < N_SETS; set++) {
        char store[64][8];
        struct sv pats[64];
        size_t n = 1 + rnd() % 64;
        for (size_t i = 0; i < n; i++) {
            size_t len = 1 + rnd() % 6;
            for (size_t j = 0; j < len; j++) {
                store[i][j] = alpha[rnd() % (sizeof(alpha) - 1)];
            }
            pats[i] = sv_make(store[i], len);
        }
        struct sec_ua *ua;
        assert_int_equal(sec_ua_build(pats, n, &ua, NULL), 0);
        for (int t = 0; t < N_TEXTS; t++) {
            char text[80];
            size_t len = rnd() % sizeof(text);
            for (size_t j = 0; j < len; j++) {
                uint64_t r = rnd();
                text[j] = r % 17 == 0 ? (char)(r >> 8) /* any byte */
                                      : alpha[(r >> 8) % (sizeof(alpha) - 1)];
            }
            struct sv v = sv_make(text, len);
            int want = naive(pats, n, v);
            int got = sec_ua_match(ua, v);
            if (got != want) {
                print_error("set %d text %d: got %d want %d\n", set, t, got,
                            want);
            }
            assert_int_equal(got, want);
            hits += got >= 0;
        }
        sec_ua_release(ua);
    }
    assert_true(hits > N_SETS * N_TEXTS / 4);
    assert_true(hits < N_SETS * N_TEXTS);
}

/* ---- publication -------------------------------------------------------- */

static void publish(void **state)
{
    (void)state;
    struct sec_ua_ref ref;
    struct sec_ua_view view = { 0 };
    assert_int_equal(sec_ua_ref_init(&ref), 0);
    assert_null(sec_ua_view_get(&view, &ref));
    assert_null(sec_ua_ref_acquire(&ref));
    struct sec_ua *ua;
    assert_int_equal(sec_ua_build_defaults(&ua), 0);
    sec_ua_ref_publish(&ref, ua);
    assert_int_equal(
        sec_ua_match(sec_ua_view_get(&view, &ref), SV_LIT("friendly-scanner")),
        0);
    static const char *const mine[] = { "evil" };
    sec_ua_ref_publish(&ref, build(mine, 1));
    const struct sec_ua *cur = sec_ua_view_get(&view, &ref);
    assert_int_equal(sec_ua_match(cur, SV_LIT("friendly-scanner")), -1);
    assert_int_equal(sec_ua_match(cur, SV_LIT("EvilBot")), 0);
    struct sec_ua *held = sec_ua_ref_acquire(&ref);
    sec_ua_hold(held);
    sec_ua_release(held);
    sec_ua_ref_publish(&ref, NULL);
    assert_int_equal(sec_ua_match(held, SV_LIT("evil")), 0); /* still ours */
    sec_ua_release(held);
    assert_null(sec_ua_view_get(&view, &ref));
    sec_ua_view_fini(&view);
    sec_ua_ref_fini(&ref);
}

/* ---- figures ------------------------------------------------------------ */

static void match_speed(void **state)
{
    (void)state;
    static const char *const values[] = {
        "Yealink SIP-T46S 66.86.0.15",
        "Linphone/5.0.16 (belle-sip/5.0.0)",
        "PJSUA v2.13 Linux-6.1/x86_64/glibc-2.36",
        "Polycom/5.9.5.0614 PolycomVVX-VVX_411-UA/5.9.5.0614",
        "friendly-scanner",
        "Asterisk PBX 18.10.0~dfsg+~cs6.10.40431411-1",
        "Z 5.6.1 v2.10.19.9",
        "sipsak 0.9.8",
    };
    struct sec_ua *ua;
    assert_int_equal(sec_ua_build_defaults(&ua), 0);
    struct sv v[SW_ARRAY_LEN(values)];
    size_t bytes = 0;
    for (size_t i = 0; i < SW_ARRAY_LEN(values); i++) {
        v[i] = sv_cstr(values[i]);
        bytes += v[i].len;
    }
    /* Best of 10 rounds: the machine is shared. */
    volatile int sink = 0;
    size_t reps = 10000;
    double best = 1e18;
    for (int round = 0; round < 10; round++) {
        double t0 = now_ns();
        for (size_t r = 0; r < reps; r++) {
            for (size_t i = 0; i < SW_ARRAY_LEN(v); i++) {
                sink += sec_ua_match(ua, v[i]);
            }
        }
        best = SW_MIN(best, now_ns() - t0);
    }
    double per = best / (double)(reps * SW_ARRAY_LEN(v));
    printf("sec_ua_match: %.1f ns per User-Agent (%zu default patterns, "
           "%.0f bytes average, %.2f ns/byte), %s\n",
           per, sec_ua_count(ua), (double)bytes / SW_ARRAY_LEN(v),
           per * SW_ARRAY_LEN(v) / (double)bytes,
#ifdef __OPTIMIZE__
           "optimised build"
#else
           "unoptimised build"
#endif
    );
    (void)sink;
    sec_ua_release(ua);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(defaults_match_testdata),
        cmocka_unit_test(line_pattern),
        cmocka_unit_test(defaults_match_themselves),
        cmocka_unit_test(legitimate_pass),
        cmocka_unit_test(lowest_index_wins),
        cmocka_unit_test(odd_values),
        cmocka_unit_test(pattern_checks),
        cmocka_unit_test(pattern_limits),
        cmocka_unit_test(random_vs_naive),
        cmocka_unit_test(publish),
        cmocka_unit_test(match_speed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
