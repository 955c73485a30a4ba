// fuzz-link: sw_policy
/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz the password check: input byte 0 picks a preset, the rest up to the
 * first NUL is the password, the bytes after it the account fields split on
 * newlines. A password the check accepts must satisfy the preset's length
 * and character invariants, whatever the bytes.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/check.h"
#include "policy/password.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool never_used(void *ud, const char *pw)
{
    (void)ud;
    return pw[0] == 'R'; /* exercise the REUSED path */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0) {
        return 0;
    }
    struct policy_password_rules rules = policy_rules_admin();
    if (data[0] & 1) {
        uint32_t min_len = 8 + (uint32_t)(data[0] >> 1) % 13;
        uint32_t classes = 1 + (uint32_t)(data[0] >> 5) % 4;
        SW_BUG_ON(policy_rules_tenant(min_len, classes, 90, 3, &rules, NULL)
                  != 0);
    }
    /* NUL-terminated copy: the password, then the account block. */
    char *buf = malloc(size + 1);
    if (!buf) {
        return 0;
    }
    memcpy(buf, data + 1, size - 1);
    buf[size - 1] = '\0';
    buf[size] = '\0';
    const char *pw = buf;
    size_t pw_len = strlen(pw);
    char *fields[5] = { NULL, NULL, NULL, NULL, NULL };
    if (pw_len + 1 < size) {
        char *p = buf + pw_len + 1;
        for (int i = 0; i < 5 && p; i++) {
            fields[i] = p;
            p = strchr(p, '\n');
            if (p) {
                *p++ = '\0';
            }
        }
    }
    struct policy_account_info acct = {
        .username = fields[0],
        .name = fields[1],
        .extension = fields[2],
        .email = fields[3],
        .phone = fields[4],
        .was_used = never_used,
    };
    struct policy_violation why;
    int rc = policy_password_check(&rules, pw, &acct, &why);
    SW_BUG_ON(rc != 0 && rc != -EINVAL);
    SW_BUG_ON((rc == 0) != (why.rule == POLICY_RULE_NONE));
    SW_BUG_ON(memchr(why.message, '\0', sizeof(why.message)) == NULL);
    if (rc == 0) {
        /* Accepted: no control bytes, and at least min_len bytes. */
        SW_BUG_ON(pw_len < rules.min_len);
        for (size_t i = 0; i < pw_len; i++) {
            unsigned char c = (unsigned char)pw[i];
            SW_BUG_ON(c < 0x20 || c == 0x7f);
        }
    }
    free(buf);
    return 0;
}
