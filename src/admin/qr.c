/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The QR code of a text as SVG, from libqrencode's module matrix.
 */
#include "admin/qr.h"

#include <errno.h>
#include <qrencode.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"

/* One dark module's path segment is at most "M1234 1234h1v1h-1z". */
#define SEGMENT_MAX 24

int admin_qr_svg(const char *text, char **out, int *side)
{
    *out = NULL;
    if (text == NULL || text[0] == '\0'
        || strnlen(text, ADMIN_QR_TEXT_MAX + 1) > ADMIN_QR_TEXT_MAX) {
        return -EINVAL;
    }
    /* 8-bit mode: the URI's case and punctuation are kept exactly. */
    QRcode *qr = QRcode_encodeString8bit(text, 0, QR_ECLEVEL_M);
    if (qr == NULL) {
        return errno == ERANGE || errno == EINVAL ? -EINVAL : -ENOMEM;
    }
    int w = qr->width;
    int full = w + 2 * ADMIN_QR_QUIET;
    struct buf b;
    buf_init(&b, (size_t)w * (size_t)w * SEGMENT_MAX + 1024);
    buf_printf(&b,
               "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" "
               "width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
               "shape-rendering=\"crispEdges\">"
               "<rect width=\"%d\" height=\"%d\" fill=\"#fff\"/>"
               "<path fill=\"#000\" d=\"",
               full * ADMIN_QR_SCALE, full * ADMIN_QR_SCALE, full, full, full,
               full);
    for (int y = 0; y < w; y++) {
        for (int x = 0; x < w; x++) {
            /* Bit 0 of each byte is the module's colour (1 = dark). */
            if (qr->data[y * w + x] & 1) {
                buf_printf(&b, "M%d %dh1v1h-1z", x + ADMIN_QR_QUIET,
                           y + ADMIN_QR_QUIET);
            }
        }
    }
    buf_append_cstr(&b, "\"/></svg>\n");
    QRcode_free(qr);
    if (b.err != 0) {
        buf_fini(&b);
        return -ENOMEM;
    }
    char *s = malloc(b.len + 1);
    if (s == NULL) {
        buf_fini(&b);
        return -ENOMEM;
    }
    memcpy(s, b.p, b.len);
    s[b.len] = '\0';
    buf_fini(&b);
    *out = s;
    if (side) {
        *side = w;
    }
    return 0;
}
