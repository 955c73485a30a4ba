/* SPDX-License-Identifier: Apache-2.0 */
/* Terminal-safe text and table layout of the CLI. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cli/cli_int.h"

static void term_safe_cases(void **state)
{
    (void)state;
    static const struct {
        const char *in;
        size_t max;
        const char *out;
    } cases[] = {
        { "plain", 0, "plain" },
        { NULL, 0, "-" },
        { "a\x1b[31mb", 0, "a?[31mb" },
        { "tab\there\r\n", 0, "tab?here??" },
        { "del\x7f", 0, "del?" },
        { "c1\xc2\x9b"
          "2J",
          0, "c1?2J" },
        { "caf\xc3\xa9", 0, "caf\xc3\xa9" },   /* UTF-8 kept */
        { "nbsp\xc2\xa0", 0, "nbsp\xc2\xa0" }, /* U+00A0 is not C1 */
        { "bad\xff\xfe", 0, "bad??" },         /* not UTF-8 */
        { "cut\xe2\x82", 0, "cut??" },         /* truncated seq */
        { "hide\xe0\x1b[", 0, "hide??[" },     /* ESC inside seq */
        { "0123456789", 8, "01234..." },
        { "0123456789", 10, "0123456789" },
        { "abcd\xe2\x82\xac"
          "efgh",
          8, "abcd..." }, /* no split euro */
    };
    char out[64];
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        cli_term_safe(cases[i].in, out, sizeof(out), cases[i].max);
        if (strcmp(out, cases[i].out) != 0) {
            fail_msg("case %zu: got '%s' want '%s'", i, out, cases[i].out);
        }
    }
    /* The destination size caps too, and is always terminated. */
    char small[6];
    cli_term_safe("0123456789", small, sizeof(small), 0);
    assert_string_equal(small, "01...");
    cli_term_safe("x", small, 1, 0);
    assert_string_equal(small, "");
}

static void table_layout(void **state)
{
    (void)state;
    struct cli_table t;
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);

    cli_table_init(&t, 3);
    const char *h[] = { "A", "LONGER", "C" };
    const char *r1[] = { "1234", "x", "last" };
    const char *r2[] = { "caf\xc3\xa9", "", "e\x1b" };
    cli_table_add(&t, h);
    cli_table_add(&t, r1);
    cli_table_add(&t, r2);
    assert_int_equal(t.err, 0);
    cli_table_print(&t, f);
    cli_table_fini(&t);
    fclose(f);
    /* Widths count characters, empty cells print "-", no trailing
     * blanks, controls replaced. */
    assert_string_equal(buf, "A     LONGER  C\n"
                             "1234  x       last\n"
                             "caf\xc3\xa9  -       e?\n");
    free(buf);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(term_safe_cases),
        cmocka_unit_test(table_layout),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
