/* SPDX-License-Identifier: Apache-2.0 */
/* TOTP: the RFC 6238 Appendix B vectors, HOTP (RFC 4226 Appendix D),
 * base32 (RFC 4648 §10), verification window and replay, otpauth URIs. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "admin/totp.h"

static const uint8_t seed1[] = "12345678901234567890";
static const uint8_t seed256[] = "12345678901234567890123456789012";
static const uint8_t seed512[] = "1234567890123456789012345678901234567890"
                                 "123456789012345678901234";

/* RFC 6238 Appendix B: time, then the SHA1 / SHA256 / SHA512 codes. */
static const struct {
    int64_t t;
    uint32_t sha1, sha256, sha512;
} rfc6238[] = {
    { 59, 94287082, 46119246, 90693936 },
    { 1111111109, 7081804, 68084774, 25091201 },
    { 1111111111, 14050471, 67062674, 99943326 },
    { 1234567890, 89005924, 91819424, 93441116 },
    { 2000000000, 69279037, 90698825, 38618901 },
    { 20000000000, 65353130, 77737706, 47863826 },
};

static void rfc6238_vectors(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(rfc6238) / sizeof(rfc6238[0]); i++) {
        uint64_t step = (uint64_t)admin_totp_step(rfc6238[i].t, 30);
        uint32_t c = 0;
        assert_int_equal(admin_hotp(ADMIN_TOTP_SHA1, seed1, 20, step, 8, &c),
                         0);
        assert_int_equal(c, rfc6238[i].sha1);
        assert_int_equal(
            admin_hotp(ADMIN_TOTP_SHA256, seed256, 32, step, 8, &c), 0);
        assert_int_equal(c, rfc6238[i].sha256);
        assert_int_equal(
            admin_hotp(ADMIN_TOTP_SHA512, seed512, 64, step, 8, &c), 0);
        assert_int_equal(c, rfc6238[i].sha512);
    }
}

static void rfc4226_hotp_vectors(void **state)
{
    (void)state;
    static const uint32_t want[] = { 755224, 287082, 359152, 969429, 338314,
                                     254676, 287922, 162583, 399871, 520489 };
    for (uint64_t i = 0; i < 10; i++) {
        uint32_t c = 0;
        assert_int_equal(admin_hotp(ADMIN_TOTP_SHA1, seed1, 20, i, 6, &c), 0);
        assert_int_equal(c, want[i]);
    }
    uint32_t c = 0;
    assert_int_equal(admin_hotp(ADMIN_TOTP_SHA1, seed1, 20, 0, 5, &c), -EINVAL);
    assert_int_equal(admin_hotp(ADMIN_TOTP_SHA1, seed1, 0, 0, 6, &c), -EINVAL);
    assert_int_equal(admin_hotp((enum admin_totp_alg)9, seed1, 20, 0, 6, &c),
                     -EINVAL);
}

static void code_at(int64_t t, char out[7])
{
    uint32_t c = 0;
    assert_int_equal(admin_hotp(ADMIN_TOTP_SHA1, seed1, 20,
                                (uint64_t)admin_totp_step(t, 30), 6, &c),
                     0);
    snprintf(out, 7, "%06u", c);
}

static void verify_window_and_replay(void **state)
{
    (void)state;
    const int64_t now = 1111111111; /* step 37037037 */
    const int64_t step = admin_totp_step(now, 30);
    char code[7];
    int64_t m = 0;
    code_at(now, code);
    assert_int_equal(admin_totp_verify(seed1, 20, code, now, 0, &m), 0);
    assert_int_equal(m, step);
    /* The same code again, with its step recorded: a replay. */
    assert_int_equal(admin_totp_verify(seed1, 20, code, now, step, &m),
                     -EALREADY);
    /* One step either side is accepted, two is not. */
    code_at(now - 30, code);
    assert_int_equal(admin_totp_verify(seed1, 20, code, now, 0, &m), 0);
    assert_int_equal(m, step - 1);
    code_at(now + 30, code);
    assert_int_equal(admin_totp_verify(seed1, 20, code, now, 0, &m), 0);
    assert_int_equal(m, step + 1);
    code_at(now - 60, code);
    assert_int_equal(admin_totp_verify(seed1, 20, code, now, 0, &m), -EACCES);
    code_at(now + 60, code);
    assert_int_equal(admin_totp_verify(seed1, 20, code, now, 0, &m), -EACCES);
    /* An earlier code after a later one was used: refused. */
    code_at(now - 30, code);
    assert_int_equal(admin_totp_verify(seed1, 20, code, now, step, &m),
                     -EALREADY);
    /* Shapes. */
    assert_int_equal(admin_totp_verify(seed1, 20, "12345", now, 0, &m),
                     -EINVAL);
    assert_int_equal(admin_totp_verify(seed1, 20, "1234567", now, 0, &m),
                     -EINVAL);
    assert_int_equal(admin_totp_verify(seed1, 20, "12a456", now, 0, &m),
                     -EINVAL);
    assert_int_equal(admin_totp_verify(seed1, 20, NULL, now, 0, &m), -EINVAL);
}

static void base32_rfc4648(void **state)
{
    (void)state;
    static const char *const in[] = { "",     "f",     "fo",    "foo",
                                      "foob", "fooba", "foobar" };
    static const char *const out[] = { "",          "MY",      "MZXQ",
                                       "MZXW6",     "MZXW6YQ", "MZXW6YTB",
                                       "MZXW6YTBOI" };
    char buf[40];
    uint8_t dec[16];
    for (size_t i = 0; i < 7; i++) {
        assert_int_equal(admin_base32_encode((const uint8_t *)in[i],
                                             strlen(in[i]), buf, sizeof(buf)),
                         0);
        assert_string_equal(buf, out[i]);
        if (i > 0) {
            int n = admin_base32_decode(out[i], dec, sizeof(dec));
            assert_int_equal(n, (int)strlen(in[i]));
            assert_memory_equal(dec, in[i], strlen(in[i]));
        }
    }
    /* As people type it: lower case, blanks, padding. */
    assert_int_equal(
        admin_base32_decode("mzxw 6ytb oi======", dec, sizeof(dec)), 6);
    assert_memory_equal(dec, "foobar", 6);
    assert_int_equal(admin_base32_decode("MZ1W", dec, sizeof(dec)), -EINVAL);
    assert_int_equal(admin_base32_decode("MY=A", dec, sizeof(dec)), -EINVAL);
    assert_int_equal(admin_base32_decode("", dec, sizeof(dec)), -EINVAL);
    assert_int_equal(admin_base32_decode("MZXW6YTBOI", dec, 3), -ENOSPC);
    assert_int_equal(admin_base32_encode((const uint8_t *)"foobar", 6, buf, 10),
                     -ENOSPC);
    /* The RFC 6238 seed round trip. */
    assert_int_equal(admin_base32_encode(seed1, 20, buf, sizeof(buf)), 0);
    assert_string_equal(buf, "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
}

static void otpauth_uri(void **state)
{
    (void)state;
    char uri[ADMIN_TOTP_URI_CAP];
    assert_int_equal(admin_totp_uri("sipwarden", "alice@example.com", seed1, 20,
                                    uri, sizeof(uri)),
                     0);
    assert_string_equal(uri,
                        "otpauth://totp/sipwarden:alice%40example.com?secret="
                        "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=sipwarden&"
                        "algorithm=SHA1&digits=6&period=30");
    assert_int_equal(
        admin_totp_uri("My PBX", "a b", seed1, 20, uri, sizeof(uri)), 0);
    assert_non_null(strstr(uri, "totp/My%20PBX:a%20b?"));
    assert_int_equal(admin_totp_uri("", "a", seed1, 20, uri, sizeof(uri)),
                     -EINVAL);
    assert_int_equal(admin_totp_uri("x", "a", seed1, 20, uri, 40), -ENOSPC);
    assert_string_equal(uri, "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(rfc6238_vectors),
        cmocka_unit_test(rfc4226_hotp_vectors),
        cmocka_unit_test(verify_window_and_replay),
        cmocka_unit_test(base32_rfc4648),
        cmocka_unit_test(otpauth_uri),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
