/* SPDX-License-Identifier: Apache-2.0 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "base/pool.h"

static void classes_reuse_and_align(void **state)
{
    (void)state;
    struct pool p;
    pool_init(&p);
    void *a = pool_alloc(&p, 100);
    void *b = pool_alloc(&p, 100);
    assert_non_null(a);
    assert_non_null(b);
    assert_int_equal((uintptr_t)a % 16, 0);
    assert_int_equal((uintptr_t)b % 16, 0);
    assert_true((char *)b - (char *)a >= 112);
    memset(a, 0xab, 100);
    pool_free(&p, a, 100);
    /* Same class (97..112 bytes) gets the freed slot back. */
    assert_ptr_equal(pool_alloc(&p, 110), a);
    /* Another class does not. */
    void *c = pool_alloc(&p, 40);
    assert_ptr_not_equal(c, a);
    pool_free(&p, c, 40);
    pool_free(&p, NULL, 40);
    /* Past the largest class: the heap, freed with the same size. */
    void *big = pool_alloc(&p, POOL_MAX_SIZE + 1);
    assert_non_null(big);
    pool_free(&p, big, POOL_MAX_SIZE + 1);
    pool_fini(&p);
}

static void many_objects_span_blocks(void **state)
{
    (void)state;
    struct pool p;
    pool_init(&p);
    enum { N = 20000 };
    static void *objs[N];
    for (size_t i = 0; i < N; i++) {
        objs[i] = pool_alloc(&p, 16 + (i % 31) * 16);
        assert_non_null(objs[i]);
        memset(objs[i], (int)(i & 0xff), 16);
    }
    assert_true(pool_bytes(&p) >= 2 * POOL_BLOCK_LEN);
    size_t held = pool_bytes(&p);
    for (size_t i = 0; i < N; i++) {
        pool_free(&p, objs[i], 16 + (i % 31) * 16);
    }
    /* Everything again: served from the free lists, no new block. */
    for (size_t i = 0; i < N; i++) {
        objs[i] = pool_alloc(&p, 16 + (i % 31) * 16);
        assert_non_null(objs[i]);
    }
    assert_int_equal(pool_bytes(&p), held);
    pool_fini(&p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(classes_reuse_and_align),
        cmocka_unit_test(many_objects_span_blocks),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
