/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The default User-Agent blacklist, copied from the non-comment lines of
 * shared/testdata/bad-user-agents.txt (same order; see that file for the
 * source of each pattern and for the legitimate tools deliberately left
 * out). tests/unit/sec/test_ua.c fails when the two drift apart.
 */
#include "sec/ua.h"

#include "base/check.h"

static const char *const defaults[] = {
    "friendly-scanner", /* SIPVicious svmap/svwar/svcrack */
    "sipvicious",
    "sundayddr", /* modified SIPVicious */
    "sipcli",
    "VaxSIPUserAgent", /* VaxVoIP SDK: allow-list it if you ship it */
    "VaxIPUserAgent",
    "pplsip", /* SIPPTS */
    "iWar",
    "sip-scan",
    "sipscan",
    "siparmyknife",
    "SIVuS",
    "friendly-request",
    "Hacker", /* erase_registrations / add_registrations */
};

const char *const *sec_ua_defaults(size_t *n)
{
    *n = SW_ARRAY_LEN(defaults);
    return defaults;
}
