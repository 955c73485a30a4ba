// fuzz-link: sw_route
/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer target for route/: the first byte picks a country profile and
 * a caller role, the rest is a dialed string. Classification must be
 * total and self-consistent (E.164 form of 1-15 digits starting with the
 * reported country code, a reason exactly when invalid); the permission
 * check must allow emergency and internal numbers and refuse invalid
 * ones; outbound selection must produce a bounded number. The same bytes
 * are also fed to the DID matcher, the office-hours text forms and the
 * POSIX TZ parser, which must not crash or leak.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "route/e164.h"
#include "route/hours.h"
#include "route/permit.h"
#include "route/profile.h"
#include "route/rules.h"
#include "route/tz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool is_ext(void *ud, struct sv dialed)
{
    (void)ud;
    return dialed.len == 4 && dialed.p[0] == '1';
}

static void check(bool ok)
{
    if (!ok) {
        abort();
    }
}

static void init_profile(struct route_profile *p, unsigned which)
{
    static const char *const cfg[][3] = {
        { "44", "0", "00" }, { "1", "1", "011" }, { "353", "0", "00" },
        { "39", "", "00" },  { "7", "8", "810" }, { "61", "0", "0011" },
    };
    const char *const *c = cfg[which % 6];
    check(route_profile_init(p, c[0], c[1], c[2]) == 0);
    check(route_profile_add_emergency(p, "112") == 0);
    check(route_profile_add_emergency(p, "999") == 0);
    check(route_profile_allow_cc(p, "33") == 0);
    check(route_profile_disallow(p, "4490") == 0);
    if (which & 8) {
        check(route_profile_set_local_area(p, "20") == 0);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0) {
        return 0;
    }
    unsigned sel = data[0];
    struct sv dialed = sv_make((const char *)data + 1, size - 1);
    struct route_profile p;
    init_profile(&p, sel);

    struct route_number num;
    check(route_classify(&p, dialed, is_ext, NULL, &num) == 0);
    size_t elen = strnlen(num.e164, sizeof(num.e164));
    check(elen < sizeof(num.e164));
    switch (num.cls) {
    case ROUTE_CLASS_INVALID:
        check(num.reason != NULL && elen == 0);
        break;
    case ROUTE_CLASS_LOCAL_NATIONAL:
    case ROUTE_CLASS_INTERNATIONAL: {
        check(num.reason == NULL && elen >= 1 && elen <= ROUTE_E164_MAX_DIGITS);
        for (size_t i = 0; i < elen; i++) {
            check(num.e164[i] >= '0' && num.e164[i] <= '9');
        }
        char cc[ROUTE_CC_MAX_LEN + 1];
        size_t cl = route_cc_match(sv_make(num.e164, elen), cc);
        check(cl > 0 && strcmp(cc, num.cc) == 0);
        check((num.cls == ROUTE_CLASS_LOCAL_NATIONAL)
              == (strcmp(cc, p.cc) == 0));
        break;
    }
    case ROUTE_CLASS_EMERGENCY:
    case ROUTE_CLASS_INTERNAL:
        check(num.reason == NULL && elen == 0);
        break;
    default:
        check(false);
    }

    struct route_refusal why;
    enum route_role role = (enum route_role)((sel >> 4) % ROUTE_ROLE_COUNT);
    int rc = route_permit_check(&p, role, &num, &why);
    check(rc == 0 || rc == ROUTE_REFUSED);
    if (num.cls == ROUTE_CLASS_EMERGENCY || num.cls == ROUTE_CLASS_INTERNAL) {
        check(rc == 0);
    }
    if (num.cls == ROUTE_CLASS_INVALID) {
        check(rc == ROUTE_REFUSED);
    }
    if (rc == ROUTE_REFUSED) {
        for (const char *t = why.text; *t; t++) {
            check(*t >= 0x20 && *t <= 0x7e && *t != '"' && *t != '\\');
        }
    }

    static const struct route_outbound_rule rules[] = {
        { .id = 1,
          .name = "a",
          .prefix = "00",
          .strip = 2,
          .prepend = "+",
          .trunks = { 1 },
          .n_trunks = 1,
          .office_hours_only = true },
        { .id = 2,
          .name = "b",
          .match_on = ROUTE_MATCH_E164,
          .strip = 1,
          .prepend = "123456789012345",
          .trunks = { 2 },
          .n_trunks = 1 },
    };
    struct route_caller caller = { role, NULL, 0 };
    struct route_outbound_result res;
    struct route_hours h;
    route_hours_init(&h, NULL);
    check(route_hours_add_range(&h, 1, 540, 1020) == 0);
    if (dialed.len <= ROUTE_DIALED_MAX) {
        rc = route_outbound(rules, 2, &caller, dialed, &num, &h,
                            (int64_t)sel * 7919 * 60, &res, &why);
        check(rc == 0 || rc == ROUTE_REFUSED);
        if (rc == 0) {
            check(strlen(res.number) <= ROUTE_OUT_NUMBER_MAX);
        }
    }

    /* The other parsers on the same bytes. */
    (void)route_did_match(dialed, sv_cstr("442071234567"));
    (void)route_did_match(sv_cstr("44XXX."), dialed);
    route_hours_init(&h, NULL);
    if (route_hours_add_spec(&h, dialed) == 0) {
        (void)route_hours_open(&h, (int64_t)sel * 86400 * 3);
    }
    (void)route_hours_add_holiday_spec(&h, dialed);
    struct route_tz *tz = NULL;
    if (route_tz_posix(dialed, &tz) == 0) {
        struct route_local lt;
        route_tz_local(tz, (int64_t)sel * 86400 * 40, &lt);
        check(lt.sec < 86400 && lt.month >= 1 && lt.month <= 12);
        route_tz_free(tz);
    }
    if (route_tz_parse(data, size, NULL, &tz) == 0) {
        (void)route_tz_offset(tz, 0);
        route_tz_free(tz);
    }
    return 0;
}
