/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The fixture the operations' tests share: a store in a temporary
 * directory, a fake clock, an ops context whose after_change hook records
 * the last change, and helpers to run a request and check a refusal.
 */
#ifndef SW_TEST_OPS_FX_H
#define SW_TEST_OPS_FX_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../store/tmpdir.h"
#include "fake_clock.h"
#include "ops/ops.h"
#include "store/store.h"

struct fx {
    struct tmpdir dir;
    struct store *st;
    struct sw_clock clock;
    struct ops_ctx ctx;
    struct ops_hooks hooks;
    int n_changes;
    char last_op[32];
    json_t *last_req;
    /* what a test's reg_list hook records and answers */
    int reg_rc;
    char reg_domain[256];
    json_t *resp;
    char err[512];
};

static void on_change(void *ud, const char *op, const json_t *req)
{
    struct fx *fx = ud;
    fx->n_changes++;
    snprintf(fx->last_op, sizeof(fx->last_op), "%s", op);
    json_decref(fx->last_req);
    fx->last_req = json_deep_copy(req);
}

static int setup(void **state)
{
    struct fx *fx = calloc(1, sizeof(*fx));
    if (!fx || tmpdir_make(&fx->dir) != 0) {
        free(fx);
        return -1;
    }
    if (store_open(fx->dir.path, &fx->st, fx->err, sizeof(fx->err)) != 0) {
        tmpdir_rm(&fx->dir);
        free(fx);
        return -1;
    }
    fake_clock_init(&fx->clock, 1000, 1700000000);
    fx->hooks.after_change = on_change;
    fx->ctx = (struct ops_ctx){
        .st = fx->st, .hooks = &fx->hooks, .hooks_ud = fx, .clock = &fx->clock
    };
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    struct fx *fx = *state;
    json_decref(fx->resp);
    json_decref(fx->last_req);
    store_close(fx->st);
    tmpdir_rm(&fx->dir);
    free(fx);
    return 0;
}

/* Run 'req' (reference stolen); the response stays in fx->resp. */
static int run_req(struct fx *fx, json_t *req)
{
    assert_non_null(req);
    json_decref(fx->resp);
    fx->resp = NULL;
    int rc = ops_exec(&fx->ctx, req, &fx->resp);
    json_decref(req);
    assert_non_null(fx->resp);
    assert_int_equal(json_is_true(json_object_get(fx->resp, "ok")), rc == 0);
    return rc;
}

/* Run a request given as JSON text; the response stays in fx->resp. */
static int run(struct fx *fx, const char *json)
{
    json_error_t jerr;
    json_t *req = json_loads(json, JSON_ALLOW_NUL, &jerr);
    if (!req) {
        fail_msg("bad test JSON: %s: %s", json, jerr.text);
    }
    return run_req(fx, req);
}

static const char *rs(const json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s ? s : "(none)";
}

static void expect_err(struct fx *fx, int rc, int want_rc, const char *code,
                       const char *field, const char *needle)
{
    if (rc != want_rc) {
        fail_msg("rc %d, want %d: %s", rc, want_rc, rs(fx->resp, "error"));
    }
    assert_string_equal(rs(fx->resp, "code"), code);
    if (field) {
        assert_string_equal(rs(fx->resp, "field"), field);
    }
    if (needle && !strstr(rs(fx->resp, "error"), needle)) {
        fail_msg("'%s' not in '%s'", needle, rs(fx->resp, "error"));
    }
}

#endif
