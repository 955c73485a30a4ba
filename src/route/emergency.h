/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Emergency numbers by country code, for seeding a tenant's list when its
 * country profile is first set, so no tenant starts without a way to call
 * for help (PRODUCT.md §2: emergency numbers are always allowed). The
 * operator can add and remove numbers afterwards.
 */
#ifndef SW_ROUTE_EMERGENCY_H
#define SW_ROUTE_EMERGENCY_H

/*
 * The usual emergency numbers of country code 'cc' ("44", "1", "33"),
 * NULL-terminated. 112 (GSM and EU-wide) is included for every code;
 * unknown codes get 112 alone. Never NULL.
 */
const char *const *route_emergency_defaults(const char *cc);

#endif
