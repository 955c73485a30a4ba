/* SPDX-License-Identifier: Apache-2.0 */
/* The abort path of SW_BUG_ON / SW_ASSERT. */
#include "base/check.h"

#include <stdio.h>
#include <stdlib.h>

noreturn void sw_bug(const char *file, int line, const char *expr)
{
    fprintf(stderr, "BUG: %s:%d: %s\n", file, line, expr);
    fflush(stderr);
    abort();
}
