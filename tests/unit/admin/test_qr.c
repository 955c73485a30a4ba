/* SPDX-License-Identifier: Apache-2.0 */
/* The enrolment QR code as SVG, checked for structure (nothing is
 * decoded): one unit square per dark module of libqrencode's matrix, all
 * inside the quiet zone's frame, the document's size and viewBox from the
 * symbol's width, the three finder patterns in their corners. */
#include <errno.h>
#include <qrencode.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "admin/qr.h"

#define URI                                                                  \
    "otpauth://totp/sipwarden:admin?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP" \
    "&issuer=sipwarden&algorithm=SHA1&digits=6&period=30"

/* The dark modules of the SVG's path ("M x y h1v1h-1z" each) into 'dark'
 * (side x side, quiet zone removed); fails on anything outside. */
static size_t squares(const char *svg, int side, unsigned char *dark)
{
    const char *d = strstr(svg, " d=\"");
    assert_non_null(d);
    d += 4;
    size_t n = 0;
    while (*d == 'M') {
        char *end = NULL;
        long x = strtol(d + 1, &end, 10);
        assert_true(*end == ' ');
        long y = strtol(end + 1, &end, 10);
        assert_memory_equal(end, "h1v1h-1z", 8);
        d = end + 8;
        /* Inside the symbol: the quiet zone stays light. */
        assert_true(x >= ADMIN_QR_QUIET && x < ADMIN_QR_QUIET + side);
        assert_true(y >= ADMIN_QR_QUIET && y < ADMIN_QR_QUIET + side);
        unsigned char *m =
            &dark[(y - ADMIN_QR_QUIET) * side + (x - ADMIN_QR_QUIET)];
        assert_int_equal(*m, 0); /* each module once */
        *m = 1;
        n++;
    }
    assert_memory_equal(d, "\"/></svg>\n", 10);
    return n;
}

static void svg_structure(void **state)
{
    (void)state;
    char *svg = NULL;
    int side = 0;
    assert_int_equal(admin_qr_svg(URI, &svg, &side), 0);
    assert_non_null(svg);
    /* Versions are 21, 25, ... modules wide. */
    assert_true(side >= 21 && (side - 21) % 4 == 0);
    int full = side + 2 * ADMIN_QR_QUIET;
    char want[160];
    snprintf(want, sizeof(want),
             "width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\"",
             full * ADMIN_QR_SCALE, full * ADMIN_QR_SCALE, full, full);
    assert_non_null(strstr(svg, want));
    assert_int_equal(
        strncmp(svg, "<svg xmlns=\"http://www.w3.org/2000/svg\"", 39), 0);
    snprintf(want, sizeof(want),
             "<rect width=\"%d\" height=\"%d\" fill=\"#fff\"/>", full, full);
    assert_non_null(strstr(svg, want));
    /* The text itself is not in the document. */
    assert_null(strstr(svg, "secret"));

    unsigned char *dark = calloc((size_t)side * (size_t)side, 1);
    assert_non_null(dark);
    size_t n = squares(svg, side, dark);
    /* Exactly the dark modules of the same encoding. */
    QRcode *qr = QRcode_encodeString8bit(URI, 0, QR_ECLEVEL_M);
    assert_non_null(qr);
    assert_int_equal(qr->width, side);
    size_t want_n = 0;
    for (int i = 0; i < side * side; i++) {
        assert_int_equal(dark[i], qr->data[i] & 1);
        want_n += qr->data[i] & 1;
    }
    assert_int_equal(n, want_n);
    QRcode_free(qr);
    /* Finder patterns: a dark 7x7 ring in three corners, light inside
     * ring, dark 3x3 centre. */
    const int corners[3][2] = { { 0, 0 }, { side - 7, 0 }, { 0, side - 7 } };
    for (int c = 0; c < 3; c++) {
        for (int y = 0; y < 7; y++) {
            for (int x = 0; x < 7; x++) {
                bool ring = x == 0 || y == 0 || x == 6 || y == 6;
                bool centre = x >= 2 && x <= 4 && y >= 2 && y <= 4;
                int at = (corners[c][1] + y) * side + corners[c][0] + x;
                assert_int_equal(dark[at], ring || centre);
            }
        }
    }
    free(dark);
    free(svg);
}

static void bigger_text_bigger_symbol(void **state)
{
    (void)state;
    char *a = NULL;
    char *b = NULL;
    int sa = 0;
    int sb = 0;
    char long_text[600];
    memset(long_text, 'x', sizeof(long_text) - 1);
    long_text[sizeof(long_text) - 1] = '\0';
    assert_int_equal(admin_qr_svg("x", &a, &sa), 0);
    assert_int_equal(sa, 21); /* version 1 */
    assert_int_equal(admin_qr_svg(long_text, &b, &sb), 0);
    assert_true(sb > sa);
    free(a);
    free(b);
}

static void refused(void **state)
{
    (void)state;
    char *svg = (char *)1;
    char big[ADMIN_QR_TEXT_MAX + 2];
    memset(big, 'a', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    assert_int_equal(admin_qr_svg(NULL, &svg, NULL), -EINVAL);
    assert_null(svg);
    assert_int_equal(admin_qr_svg("", &svg, NULL), -EINVAL);
    assert_int_equal(admin_qr_svg(big, &svg, NULL), -EINVAL);
    assert_null(svg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(svg_structure),
        cmocka_unit_test(bigger_text_bigger_symbol),
        cmocka_unit_test(refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
