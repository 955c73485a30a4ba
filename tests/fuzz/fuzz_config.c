// fuzz-link: sw_daemon
/* SPDX-License-Identifier: Apache-2.0 */
/* The startup configuration parser on arbitrary text. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct sw_config cfg;
    struct sw_config_err err;
    char *text = malloc(size + 1);

    if (!text) {
        return 0;
    }
    memcpy(text, data, size);
    text[size] = '\0';
    sw_config_defaults(&cfg);
    if (sw_config_load_string(&cfg, text, "fuzz.conf", &err) != 0) {
        /* An error always names a reason. */
        if (err.reason[0] == '\0') {
            abort();
        }
    }
    free(text);
    return 0;
}
