/* SPDX-License-Identifier: Apache-2.0 */
/*
 * QR codes for TOTP enrolment: the otpauth:// URI drawn as an SVG
 * document the portal can show inline, so an authenticator app can scan
 * it. Encoding is libqrencode's; this module only draws the modules.
 */
#ifndef SW_ADMIN_QR_H
#define SW_ADMIN_QR_H

#include <stddef.h>

/* Light modules around the symbol (ISO/IEC 18004 asks for 4). */
#define ADMIN_QR_QUIET 4
/* Pixels per module of the SVG's nominal size. */
#define ADMIN_QR_SCALE 4
/* Longest text encoded (an otpauth URI is well below). */
#define ADMIN_QR_TEXT_MAX 1024

/*
 * Encode 'text' (bytes, 1..ADMIN_QR_TEXT_MAX) as a QR code, error
 * correction level M, the smallest version that holds it, and draw it as
 * an SVG document: a white square of (side + 2 * ADMIN_QR_QUIET) modules
 * (viewBox units), and one black unit square "M x y h1v1h-1z" per dark
 * module of the path, offset by the quiet zone. *out is a new
 * NUL-terminated string (free() it); *side (if not NULL) gets the
 * symbol's width in modules, quiet zone excluded. Returns 0, -EINVAL
 * (NULL, empty or too long text) or -ENOMEM.
 */
int admin_qr_svg(const char *text, char **out, int *side);

#endif
