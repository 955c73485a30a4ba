/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The REST resources and the operation behind each: one table that the
 * router, the permission check and the OpenAPI document all read, so the
 * three cannot drift apart. Path parameters and the listed query
 * arguments become members of the operation's request; the JSON body
 * gives the rest.
 */
#include "api/api_int.h"

#define T "/api/v1/tenants/{domain}"

/* clang-format off */
const struct api_route api_routes_table[] = {
    /* tenants, users, registrations */
    { HTTP_GET, "/api/v1/tenants", "tenant.list", API_SYSTEM, "tenants", {0}, false, false, "List tenants" },
    { HTTP_POST, "/api/v1/tenants", "tenant.add", API_SYSTEM, NULL, {0}, true, false, "Add a tenant" },
    { HTTP_GET, T "/users", "user.list", API_TENANT, "users", {0}, false, false, "List a tenant's users" },
    { HTTP_POST, T "/users", "user.add", API_TENANT, NULL, {0}, true, false, "Add a user" },
    { HTTP_PATCH, T "/users/{ext}", "user.set", API_TENANT, NULL, {0}, false, false, "Change a user" },
    { HTTP_DELETE, T "/users/{ext}", "user.rm", API_TENANT, NULL, {0}, false, false, "Remove a user" },
    { HTTP_GET, T "/registrations", "reg.list", API_OWN, "registrations", {0}, false, false, "Live registrations" },
    /* groups */
    { HTTP_GET, T "/groups", "group.list", API_TENANT, "groups", {0}, false, false, "List groups" },
    { HTTP_POST, T "/groups", "group.add", API_TENANT, NULL, {0}, true, false, "Add a group" },
    { HTTP_DELETE, T "/groups/{name}", "group.rm", API_TENANT, NULL, {0}, false, false, "Remove a group" },
    { HTTP_POST, T "/groups/{name}/members", "group.member.add", API_TENANT, NULL, {0}, true, false, "Add a member" },
    { HTTP_DELETE, T "/groups/{name}/members/{ext}", "group.member.rm", API_TENANT, NULL, {0}, false, false, "Remove a member" },
    /* country profile and number lists */
    { HTTP_GET, T "/profile", "tenant.profile.show", API_TENANT, NULL, {0}, false, false, "Country profile" },
    { HTTP_GET, T "/media-policy", "tenant.media.show", API_TENANT, NULL, {0}, false, false, "When calls must offer encrypted media" },
    { HTTP_PUT, T "/media-policy", "tenant.media.set", API_TENANT, NULL, {0}, false, false, "Set the media policy (optional, secure, always)" },
    { HTTP_PUT, T "/profile", "tenant.profile.set", API_TENANT, NULL, {0}, false, false, "Set the country profile" },
    { HTTP_GET, T "/countries", "country.list", API_TENANT, "countries", {0}, false, false, "Allowed country codes" },
    { HTTP_POST, T "/countries", "country.allow", API_TENANT, NULL, {0}, true, false, "Allow a country code" },
    { HTTP_DELETE, T "/countries/{country_code}", "country.rm", API_TENANT, NULL, {0}, false, false, "Remove a country code" },
    { HTTP_GET, T "/prefixes", "prefix.list", API_TENANT, "prefixes", {0}, false, false, "Disallowed prefixes" },
    { HTTP_POST, T "/prefixes", "prefix.block", API_TENANT, NULL, {0}, true, false, "Disallow a prefix" },
    { HTTP_DELETE, T "/prefixes/{prefix}", "prefix.rm", API_TENANT, NULL, {0}, false, false, "Remove a prefix" },
    { HTTP_GET, T "/emergency-numbers", "emergency.list", API_TENANT, "numbers", {0}, false, false, "Emergency numbers" },
    { HTTP_POST, T "/emergency-numbers", "emergency.add", API_TENANT, NULL, {0}, true, false, "Add an emergency number" },
    { HTTP_DELETE, T "/emergency-numbers/{number}", "emergency.rm", API_TENANT, NULL, {0}, false, false, "Remove an emergency number" },
    { HTTP_GET, T "/holidays", "holiday.list", API_TENANT, "holidays", {0}, false, false, "Holidays" },
    { HTTP_POST, T "/holidays", "holiday.add", API_TENANT, NULL, {0}, true, false, "Add a holiday" },
    { HTTP_DELETE, T "/holidays/{date}", "holiday.rm", API_TENANT, NULL, {0}, false, false, "Remove a holiday" },
    { HTTP_GET, T "/hours", "hours.list", API_TENANT, "hours", {0}, false, false, "Office hours" },
    { HTTP_PUT, T "/hours/{day}", "hours.set", API_TENANT, NULL, {0}, false, false, "Set a day's office hours" },
    { HTTP_DELETE, T "/hours/{day}", "hours.rm", API_TENANT, NULL, {0}, false, false, "Close a day" },
    /* routing rules, limits, fraud, suspensions, CDRs */
    { HTTP_GET, T "/inbound-rules", "inbound.list", API_TENANT, "inbound_rules", {0}, false, false, "Inbound rules" },
    { HTTP_POST, T "/inbound-rules", "inbound.add", API_TENANT, NULL, {0}, true, false, "Add an inbound rule" },
    { HTTP_DELETE, T "/inbound-rules/{id}", "inbound.rm", API_TENANT, NULL, {0}, false, false, "Remove an inbound rule" },
    { HTTP_GET, T "/outbound-rules", "outbound.list", API_TENANT, "outbound_rules", {0}, false, false, "Outbound rules in order" },
    { HTTP_POST, T "/outbound-rules", "outbound.add", API_TENANT, NULL, {0}, true, false, "Add an outbound rule" },
    { HTTP_DELETE, T "/outbound-rules/{name}", "outbound.rm", API_TENANT, NULL, {0}, false, false, "Remove an outbound rule" },
    { HTTP_POST, T "/outbound-rules/{name}/move", "outbound.move", API_TENANT, NULL, {0}, false, false, "Move an outbound rule" },
    { HTTP_GET, T "/limits", "limit.list", API_TENANT, "limits", {0}, false, false, "Call limits" },
    { HTTP_POST, T "/limits", "limit.set", API_TENANT, NULL, {0}, true, false, "Set a call limit" },
    { HTTP_DELETE, T "/limits/{id}", "limit.rm", API_TENANT, NULL, {0}, false, false, "Remove a call limit" },
    { HTTP_GET, T "/fraud-rules", "fraud.list", API_TENANT, "fraud_rules", {0}, false, false, "Fraud thresholds" },
    { HTTP_POST, T "/fraud-rules", "fraud.set", API_TENANT, NULL, {0}, true, false, "Set fraud thresholds" },
    { HTTP_DELETE, T "/fraud-rules/{id}", "fraud.rm", API_TENANT, NULL, {0}, false, false, "Remove fraud thresholds" },
    { HTTP_GET, T "/suspensions", "suspend.list", API_TENANT, "suspensions", {"all"}, false, false, "Suspended extensions" },
    { HTTP_POST, T "/suspensions/{ext}/lift", "suspend.lift", API_TENANT, NULL, {0}, false, true, "Lift a suspension" },
    { HTTP_GET, T "/cdrs", "cdr.list", API_OWN, NULL, {"user", "from", "to", "result", "limit", "offset"}, false, false, "Call detail records, newest first" },
    /* trunks */
    { HTTP_GET, "/api/v1/trunks", "trunk.list", API_SYSTEM, "trunks", {0}, false, false, "List trunks" },
    { HTTP_POST, "/api/v1/trunks", "trunk.add", API_SYSTEM, NULL, {0}, true, false, "Add a trunk" },
    { HTTP_PATCH, "/api/v1/trunks/{name}", "trunk.set", API_SYSTEM, NULL, {0}, false, false, "Change a trunk" },
    { HTTP_DELETE, "/api/v1/trunks/{name}", "trunk.rm", API_SYSTEM, NULL, {0}, false, false, "Remove a trunk" },
    { HTTP_PUT, "/api/v1/trunks/{trunk}/limits/{domain}", "trunk.limit.set", API_SYSTEM, NULL, {0}, false, false, "A tenant's call limit on a trunk" },
    /* the shield */
    { HTTP_GET, "/api/v1/security", "security.show", API_SYSTEM, NULL, {0}, false, false, "Anti-hacking settings" },
    { HTTP_PUT, "/api/v1/security/{key}", "security.set", API_SYSTEM, NULL, {0}, false, false, "Change a setting" },
    { HTTP_GET, "/api/v1/ip-rules", "ip.list", API_SYSTEM, "ip_rules", {"action"}, false, false, "IP allow and block rules" },
    { HTTP_POST, "/api/v1/ip-rules/allow", "ip.allow", API_SYSTEM, NULL, {0}, true, false, "Allow a network" },
    { HTTP_POST, "/api/v1/ip-rules/block", "ip.block", API_SYSTEM, NULL, {0}, true, false, "Block a network" },
    { HTTP_DELETE, "/api/v1/ip-rules", "ip.rm", API_SYSTEM, NULL, {"net"}, false, false, "Remove the rule of ?net=" },
    { HTTP_GET, "/api/v1/bans", "ban.list", API_SYSTEM, "bans", {0}, false, false, "Active bans" },
    { HTTP_GET, "/api/v1/bans/why", "ban.why", API_SYSTEM, NULL, {"net"}, false, false, "Why ?net= is banned" },
    { HTTP_POST, "/api/v1/bans/lift", "ban.lift", API_SYSTEM, NULL, {0}, false, false, "Lift a ban (optionally whitelist)" },
    { HTTP_GET, "/api/v1/ua-rules", "ua.list", API_SYSTEM, "ua_rules", {0}, false, false, "Blocked User-Agents" },
    { HTTP_POST, "/api/v1/ua-rules", "ua.add", API_SYSTEM, NULL, {0}, true, false, "Block a User-Agent pattern" },
    { HTTP_DELETE, "/api/v1/ua-rules", "ua.rm", API_SYSTEM, NULL, {"pattern"}, false, false, "Remove ?pattern=" },
    { HTTP_GET, "/api/v1/geo-rules", "geo.list", API_SYSTEM, "geo_rules", {0}, false, false, "Allowed countries (GeoIP)" },
    { HTTP_POST, "/api/v1/geo-rules", "geo.allow", API_SYSTEM, NULL, {0}, true, false, "Allow a country" },
    { HTTP_DELETE, "/api/v1/geo-rules/{country}", "geo.rm", API_SYSTEM, NULL, {0}, false, false, "Remove a country" },
    { HTTP_GET, "/api/v1/rate-rules", "rate.list", API_SYSTEM, "rate_rules", {0}, false, false, "Method rate rules" },
    { HTTP_POST, "/api/v1/rate-rules", "rate.add", API_SYSTEM, NULL, {0}, true, false, "Add a rate rule" },
    { HTTP_DELETE, "/api/v1/rate-rules", "rate.rm", API_SYSTEM, NULL, {"net", "method"}, false, false, "Remove the rule of ?net=&method=" },
    /* temporary SSH access */
    { HTTP_GET, "/api/v1/ssh-access", "ssh.list", API_SYSTEM, "grants", {0}, false, false, "Temporary SSH grants, open and expired" },
    { HTTP_POST, "/api/v1/ssh-access", "ssh.open", API_SYSTEM, NULL, {0}, true, false, "Open SSH to {from} for {minutes}" },
    { HTTP_DELETE, "/api/v1/ssh-access", "ssh.close", API_SYSTEM, NULL, {"from"}, false, false, "Close the grant of ?from= (none: all)" },
    /* security checklist */
    { HTTP_GET, "/api/v1/security-checklist", "audit.run", API_SYSTEM, NULL, {0}, false, false, "The security checklist: pass, warn or fail per item, with evidence and fix" },
    /* phone provisioning (ops/prov.c; the files: /prov/<token>/<file>) */
    { HTTP_GET, "/api/v1/provisioning", "prov.list", API_SYSTEM, "provisioning", {"domain"}, false, false, "Provisioned extensions" },
    { HTTP_POST, "/api/v1/provisioning", "prov.enable", API_SYSTEM, NULL, {0}, true, false, "Enable provisioning of {user, vendor}: new token and SIP password" },
    { HTTP_DELETE, "/api/v1/provisioning/{user}", "prov.disable", API_SYSTEM, NULL, {0}, false, false, "Disable provisioning of ext@domain" },
    { HTTP_POST, "/api/v1/provisioning/{user}/rotate", "prov.rotate", API_SYSTEM, NULL, {0}, false, false, "New token and SIP password for ext@domain" },
    { HTTP_GET, T "/provisioning", "prov.list", API_TENANT, "provisioning", {0}, false, false, "A tenant's provisioned extensions" },
    { HTTP_POST, T "/provisioning", "prov.enable", API_TENANT, NULL, {0}, true, false, "Enable provisioning of {ext, vendor}" },
    { HTTP_DELETE, T "/provisioning/{ext}", "prov.disable", API_TENANT, NULL, {0}, false, true, "Disable provisioning of an extension" },
    { HTTP_POST, T "/provisioning/{ext}/rotate", "prov.rotate", API_TENANT, NULL, {0}, false, true, "New token and SIP password for an extension" },
};
/* clang-format on */

const size_t api_routes_count =
    sizeof(api_routes_table) / sizeof(api_routes_table[0]);
