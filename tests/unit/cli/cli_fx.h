/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The fixture the offline CLI tests share: a temporary data directory,
 * cli() running `sipwarden ARGS...` with standard output and error
 * captured, and has() to look for text in them.
 */
#ifndef SW_TEST_CLI_FX_H
#define SW_TEST_CLI_FX_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../store/tmpdir.h"
#include "cli/cli.h"

struct fx {
    struct tmpdir dir;
    char data_dir[300];
    char *out;
    size_t out_len;
    char *err;
    size_t err_len;
    const char *stdin_text; /* what the CLI reads as its input, NULL: "" */
    int timeout_ms;         /* cli_env.timeout_ms, 0: the default */
};

static int setup(void **state)
{
    struct fx *fx = calloc(1, sizeof(*fx));
    if (!fx || tmpdir_make(&fx->dir) != 0) {
        free(fx);
        return -1;
    }
    snprintf(fx->data_dir, sizeof(fx->data_dir), "%s/data", fx->dir.path);
    /* Not under SSH unless a test says so. */
    unsetenv("SSH_CONNECTION");
    unsetenv("SSH_CLIENT");
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    struct fx *fx = *state;
    free(fx->out);
    free(fx->err);
    tmpdir_rm(&fx->dir);
    free(fx);
    unsetenv("SSH_CONNECTION");
    return 0;
}

static int cli(struct fx *fx, ...)
{
    char *argv[32];
    int argc = 0;
    va_list ap;
    va_start(ap, fx);
    for (const char *a = va_arg(ap, const char *); a;
         a = va_arg(ap, const char *)) {
        assert_true(argc < 31);
        argv[argc++] = (char *)(uintptr_t)a;
    }
    va_end(ap);
    argv[argc] = NULL;
    free(fx->out);
    free(fx->err);
    fx->out = fx->err = NULL;
    FILE *out = open_memstream(&fx->out, &fx->out_len);
    FILE *err = open_memstream(&fx->err, &fx->err_len);
    const char *in_text = fx->stdin_text ? fx->stdin_text : "";
    /* Exactly the text (a NUL read as a line would be refused); fmemopen
     * wants a size of at least 1. */
    size_t in_len = strlen(in_text);
    FILE *in = fmemopen((void *)(uintptr_t)in_text, in_len ? in_len : 1, "r");
    assert_non_null(out);
    assert_non_null(err);
    assert_non_null(in);
    struct cli_env env = { .data_dir = fx->data_dir,
                           .out = out,
                           .err = err,
                           .in = in,
                           .timeout_ms = fx->timeout_ms };
    int rc = cli_main(argc, argv, &env);
    fclose(out);
    fclose(err);
    fclose(in);
    return rc;
}

static void has(const char *hay, const char *needle)
{
    if (!hay || !strstr(hay, needle)) {
        fail_msg("'%s' not found in:\n%s", needle, hay ? hay : "(null)");
    }
}

static inline void lacks(const char *hay, const char *needle)
{
    if (hay && strstr(hay, needle)) {
        fail_msg("'%s' unexpectedly found in:\n%s", needle, hay);
    }
}

#endif
