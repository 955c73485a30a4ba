/* SPDX-License-Identifier: Apache-2.0 */
/* Provisioning tokens: generation, validation, hashing, constant-time
 * comparison and the split of /prov/ paths. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "prov/token.h"

static void token_new_is_valid_and_random(void **state)
{
    char a[PROV_TOKEN_HEX + 1];
    char b[PROV_TOKEN_HEX + 1];
    (void)state;
    assert_int_equal(prov_token_new(a), 0);
    assert_int_equal(prov_token_new(b), 0);
    assert_int_equal(strlen(a), PROV_TOKEN_HEX);
    assert_true(prov_token_valid(sv_cstr(a)));
    assert_true(prov_token_valid(sv_cstr(b)));
    assert_string_not_equal(a, b);
}

static void token_valid_rules(void **state)
{
    (void)state;
    assert_true(prov_token_valid(sv_cstr("0123456789abcdef0123456789abcdef")));
    /* upper case: one directory, one name */
    assert_false(prov_token_valid(sv_cstr("0123456789ABCDEF0123456789abcdef")));
    assert_false(prov_token_valid(sv_cstr("0123456789abcdef0123456789abcde")));
    assert_false(
        prov_token_valid(sv_cstr("0123456789abcdef0123456789abcdef0")));
    assert_false(prov_token_valid(sv_cstr("0123456789abcdeg0123456789abcdef")));
    assert_false(prov_token_valid(sv_cstr("")));
    assert_false(prov_token_valid(SV_NULL));
}

static void token_hash_known_value(void **state)
{
    char h[PROV_TOKEN_HASH_HEX + 1];
    char h2[PROV_TOKEN_HASH_HEX + 1];
    (void)state;
    /* sha256("00000000000000000000000000000000") */
    assert_int_equal(
        prov_token_hash(sv_cstr("00000000000000000000000000000000"), h), 0);
    assert_string_equal(
        h, "84e0c0eafaa95a34c293f278ac52e45ce537bab5e752a00e6959a13ae103b65a");
    assert_int_equal(strlen(h), PROV_TOKEN_HASH_HEX);
    assert_int_equal(
        prov_token_hash(sv_cstr("00000000000000000000000000000001"), h2), 0);
    assert_false(prov_hash_equal(h, h2));
    assert_true(prov_hash_equal(h, h));
    assert_int_equal(prov_token_hash(sv_cstr("xyz"), h), -EINVAL);
}

struct path_case {
    const char *path;
    enum prov_path_kind kind;
    const char *file;
};

static void path_parse_table(void **state)
{
    static const struct path_case cases[] = {
        { "/prov/0123456789abcdef0123456789abcdef/config.xml", PROV_PATH_FILE,
          "config.xml" },
        { "/prov/0123456789abcdef0123456789abcdef/0004f2aabbcc-phone.cfg",
          PROV_PATH_FILE, "0004f2aabbcc-phone.cfg" },
        { "/prov/0123456789abcdef0123456789abcdef/", PROV_PATH_DIR, NULL },
        { "/prov/0123456789abcdef0123456789abcdef", PROV_PATH_DIR, NULL },
        { "/prov/", PROV_PATH_BAD, NULL },
        { "/prov/abc/config.xml", PROV_PATH_BAD, NULL },
        { "/prov/0123456789ABCDEF0123456789abcdef/config.xml", PROV_PATH_BAD,
          NULL },
        { "/prov/0123456789abcdef0123456789abcdef/a/b", PROV_PATH_BAD, NULL },
        { "/prov/0123456789abcdef0123456789abcdef/../x", PROV_PATH_BAD, NULL },
        { "/prov/0123456789abcdef0123456789abcdef/.hidden", PROV_PATH_BAD,
          NULL },
        { "/prov/0123456789abcdef0123456789abcdef/a b", PROV_PATH_BAD, NULL },
        { "/portal/x", PROV_PATH_BAD, NULL },
    };
    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct sv tok;
        struct sv file;
        enum prov_path_kind k =
            prov_path_parse(sv_cstr(cases[i].path), &tok, &file);
        assert_int_equal(k, cases[i].kind);
        if (k == PROV_PATH_BAD) {
            assert_null(tok.p);
            continue;
        }
        assert_int_equal(tok.len, PROV_TOKEN_HEX);
        if (cases[i].file != NULL) {
            assert_true(sv_eq_cstr(file, cases[i].file));
        } else {
            assert_int_equal(file.len, 0);
        }
    }
    /* A file name past PROV_FILE_MAX is malformed. */
    char longp[256];
    memset(longp, 'a', sizeof(longp));
    memcpy(longp, "/prov/0123456789abcdef0123456789abcdef/", 39);
    longp[39 + PROV_FILE_MAX + 1] = '\0';
    struct sv t;
    struct sv f;
    assert_int_equal(prov_path_parse(sv_cstr(longp), &t, &f), PROV_PATH_BAD);
    longp[39 + PROV_FILE_MAX] = '\0';
    assert_int_equal(prov_path_parse(sv_cstr(longp), &t, &f), PROV_PATH_FILE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(token_new_is_valid_and_random),
        cmocka_unit_test(token_valid_rules),
        cmocka_unit_test(token_hash_known_value),
        cmocka_unit_test(path_parse_table),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
