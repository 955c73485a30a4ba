/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The table behind route_emergency_defaults(): police, fire and
 * ambulance numbers of common country codes, plus 112 everywhere.
 */
#include "route/emergency.h"

#include <string.h>

struct country_numbers {
    const char *cc;
    const char *nums[8];
};

static const struct country_numbers table[] = {
    { "1", { "911", "112", NULL } },
    { "7", { "112", "101", "102", "103", NULL } },
    { "27", { "10111", "10177", "112", NULL } },
    { "30", { "112", "100", "166", "199", NULL } },
    { "31", { "112", NULL } },
    { "32", { "112", "101", "100", NULL } },
    { "33", { "112", "15", "17", "18", "114", NULL } },
    { "34", { "112", "091", "092", "061", "080", NULL } },
    { "36", { "112", "104", "105", "107", NULL } },
    { "39", { "112", "113", "115", "118", NULL } },
    { "40", { "112", NULL } },
    { "41", { "112", "117", "118", "144", NULL } },
    { "43", { "112", "122", "133", "144", NULL } },
    { "44", { "999", "112", NULL } },
    { "45", { "112", "114", NULL } },
    { "46", { "112", NULL } },
    { "47", { "112", "110", "113", NULL } },
    { "48", { "112", "997", "998", "999", NULL } },
    { "49", { "112", "110", NULL } },
    { "52", { "911", "112", NULL } },
    { "54", { "911", "107", "100", "101", "112", NULL } },
    { "55", { "190", "192", "193", "112", NULL } },
    { "61", { "000", "112", "106", NULL } },
    { "64", { "111", "112", NULL } },
    { "65", { "999", "995", "112", NULL } },
    { "81", { "110", "119", "112", NULL } },
    { "82", { "112", "119", NULL } },
    { "86", { "110", "119", "120", "112", NULL } },
    { "91", { "112", "100", "101", "102", "108", NULL } },
    { "351", { "112", NULL } },
    { "352", { "112", "113", NULL } },
    { "353", { "999", "112", NULL } },
    { "358", { "112", NULL } },
    { "420", { "112", "150", "155", "158", NULL } },
    { "852", { "999", "112", NULL } },
    { "971", { "999", "998", "997", "112", NULL } },
    { "972", { "100", "101", "102", "112", NULL } },
};

static const char *const only_112[] = { "112", NULL };

const char *const *route_emergency_defaults(const char *cc)
{
    for (size_t i = 0; cc && i < sizeof(table) / sizeof(table[0]); i++) {
        if (strcmp(table[i].cc, cc) == 0) {
            return table[i].nums;
        }
    }
    return only_112;
}
