/* SPDX-License-Identifier: Apache-2.0 */
/* Terminal-safe text and aligned tables for the CLI's human output. */
#include "cli/cli_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

enum { CELL_MAX = 512 };

void cli_term_safe(const char *s, char *dst, size_t cap, size_t max_chars)
{
    size_t o = 0;
    size_t i = 0;
    if (cap == 0) {
        return;
    }
    if (!s) {
        s = "-";
    }
    size_t limit = cap - 1;
    if (max_chars > 0 && max_chars < limit) {
        limit = max_chars;
    }
    size_t n = strlen(s);
    /* Replacements never lengthen the text: only a longer input is cut,
     * and then room is kept for the ellipsis. */
    if (n > limit && limit > 3) {
        limit -= 3;
    }
    while (i < n && o < limit) {
        unsigned char c = (unsigned char)s[i];
        size_t len = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1;
        if (len > n - i) {
            len = 1; /* sequence cut short by the end of the text */
        }
        for (size_t k = 1; k < len; k++) {
            if (((unsigned char)s[i + k] & 0xc0) != 0x80) {
                len = 1; /* broken sequence: the lead byte alone */
                break;
            }
        }
        if (c < 0x20 || c == 0x7f || (c >= 0x80 && len == 1)) {
            /* C0 control, DEL, or a stray byte of broken UTF-8. */
            dst[o++] = '?';
            i++;
            continue;
        }
        if (c == 0xc2 && (unsigned char)s[i + 1] <= 0x9f) {
            /* U+0080..U+009F, the C1 controls (CSI is U+009B); len is 2
             * here, so s[i + 1] is a continuation byte. */
            dst[o++] = '?';
            i += 2;
            continue;
        }
        if (o + len > limit) {
            break; /* never split a UTF-8 sequence */
        }
        memcpy(dst + o, s + i, len);
        o += len;
        i += len;
    }
    if (i < n && o + 3 <= cap - 1) {
        memcpy(dst + o, "...", 3);
        o += 3;
    }
    dst[o] = '\0';
}

void cli_table_init(struct cli_table *t, size_t n_cols)
{
    memset(t, 0, sizeof(*t));
    t->n_cols = n_cols;
}

void cli_table_add(struct cli_table *t, const char *const *row)
{
    char cell[CELL_MAX];
    if (t->err) {
        return;
    }
    size_t need = (t->n_rows + 1) * t->n_cols;
    if (need > t->cap) {
        size_t cap = t->cap ? t->cap * 2 : t->n_cols * 16;
        while (cap < need) {
            cap *= 2;
        }
        char **c = realloc(t->cells, cap * sizeof(*c));
        if (!c) {
            t->err = -ENOMEM;
            return;
        }
        t->cells = c;
        t->cap = cap;
    }
    char **dst = t->cells + t->n_rows * t->n_cols;
    for (size_t i = 0; i < t->n_cols; i++) {
        cli_term_safe(row[i] && row[i][0] ? row[i] : "-", cell, sizeof(cell),
                      0);
        dst[i] = strdup(cell);
        if (!dst[i]) {
            for (size_t k = 0; k < i; k++) {
                free(dst[k]);
            }
            t->err = -ENOMEM;
            return;
        }
    }
    t->n_rows++;
}

/* Display width: UTF-8 continuation bytes take no column. */
static size_t width(const char *s)
{
    size_t w = 0;
    for (; *s; s++) {
        if (((unsigned char)*s & 0xc0) != 0x80) {
            w++;
        }
    }
    return w;
}

void cli_table_print(const struct cli_table *t, FILE *f)
{
    size_t widths[16] = { 0 };
    size_t n_cols = t->n_cols < 16 ? t->n_cols : 16;
    for (size_t r = 0; r < t->n_rows; r++) {
        for (size_t c = 0; c < n_cols; c++) {
            size_t w = width(t->cells[r * t->n_cols + c]);
            if (w > widths[c]) {
                widths[c] = w;
            }
        }
    }
    for (size_t r = 0; r < t->n_rows; r++) {
        for (size_t c = 0; c < n_cols; c++) {
            const char *s = t->cells[r * t->n_cols + c];
            fputs(s, f);
            if (c + 1 < n_cols) {
                for (size_t k = width(s); k < widths[c] + 2; k++) {
                    fputc(' ', f);
                }
            }
        }
        fputc('\n', f);
    }
}

void cli_table_fini(struct cli_table *t)
{
    for (size_t i = 0; i < t->n_rows * t->n_cols; i++) {
        free(t->cells[i]);
    }
    free(t->cells);
    memset(t, 0, sizeof(*t));
}
