/* SPDX-License-Identifier: Apache-2.0 */
/* SipHash-2-4: the reference vectors, and random keys that differ. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "base/siphash.h"

/* Key 00..0f, message 00..len-1 (the paper's test vectors). */
static void reference_vectors(void **state)
{
    (void)state;
    unsigned char msg[64];
    for (unsigned i = 0; i < sizeof(msg); i++) {
        msg[i] = (unsigned char)i;
    }
    struct siphash_key k = { 0x0706050403020100ULL, 0x0f0e0d0c0b0a0908ULL };
    assert_int_equal(siphash_24(&k, NULL, 0), 0x726fdb47dd0e0e31ULL);
    assert_int_equal(siphash_24(&k, msg, 1), 0x74f839c593dc67fdULL);
    assert_int_equal(siphash_24(&k, msg, 8), 0x93f5f5799a932462ULL);
    assert_int_equal(siphash_24(&k, msg, 15), 0xa129ca6149be45e5ULL);
    assert_int_equal(siphash_24(&k, msg, 63), 0x958a324ceb064572ULL);
}

static void random_keys_differ(void **state)
{
    (void)state;
    struct siphash_key a, b;
    assert_int_equal(siphash_key_random(&a), 0);
    assert_int_equal(siphash_key_random(&b), 0);
    assert_true(a.k0 != b.k0 || a.k1 != b.k1);
    assert_true(siphash_24(&a, "u:1001@example.com", 18)
                != siphash_24(&b, "u:1001@example.com", 18));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(reference_vectors),
        cmocka_unit_test(random_keys_differ),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
