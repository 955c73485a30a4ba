// fuzz-link: sw_sec
/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer target for the settings parser: the input is "KEY=VALUE"
 * lines (up to 16). Each accepted value must print back (sec_settings_get)
 * to text that sets the same value again, refused ones must leave the
 * settings untouched, and the result must always pass sec_settings_check.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sec/settings.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum { MAX_LINES = 16, LINE_MAX_LEN = 8192 };

static void one(struct sec_settings *s, const char *line)
{
    char err[SEC_SETTINGS_ERR_CAP];
    char key[128];
    const char *eq = strchr(line, '=');
    if (!eq || (size_t)(eq - line) >= sizeof(key)) {
        return;
    }
    memcpy(key, line, (size_t)(eq - line));
    key[eq - line] = '\0';
    struct sec_settings before = *s;
    int rc = sec_settings_set(s, key, eq + 1, err, sizeof(err));
    if (rc != 0) {
        if (memcmp(&before, s, sizeof(*s)) != 0 || strlen(err) == 0) {
            abort();
        }
        return;
    }
    char *val = malloc(SEC_SETTINGS_VALUE_CAP);
    if (!val) {
        return;
    }
    if (sec_settings_get(s, key, val, SEC_SETTINGS_VALUE_CAP) != 0) {
        abort();
    }
    struct sec_settings again = before;
    if (sec_settings_set(&again, key, val, err, sizeof(err)) != 0
        || memcmp(&again, s, sizeof(*s)) != 0) {
        abort();
    }
    free(val);
    if (sec_settings_check(s, err, sizeof(err)) != 0) {
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct sec_settings *s = malloc(sizeof(*s));
    char *line = malloc(LINE_MAX_LEN);
    size_t at = 0;
    if (!s || !line) {
        free(s);
        free(line);
        return 0;
    }
    sec_settings_defaults(s);
    for (int n = 0; n < MAX_LINES && at < size; n++) {
        size_t len = 0;
        while (at < size && data[at] != '\n' && len < LINE_MAX_LEN - 1) {
            line[len++] = (char)data[at++];
        }
        at++;
        line[len] = '\0';
        one(s, line); /* a NUL inside the line just ends it early */
    }
    free(line);
    free(s);
    return 0;
}
