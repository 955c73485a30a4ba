/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Named administrative operations shared by the CLI (offline), the daemon's
 * unix control socket and the REST API: a JSON request in, a JSON response
 * out. This layer validates requests, applies the tenant password policy
 * and talks to the store; who may call what (authentication, roles, audit
 * attribution) is the transport's business, decided before ops_exec.
 *
 * Requests:  {"op":"tenant.add","domain":"example.com"}
 * Responses: {"ok":true, ...} or
 *            {"ok":false,"error":"<message naming the problem>",
 *             "code":"bad_request|policy|not_found|exists|busy|internal",
 *             "field":"<request member at fault>"   (when there is one),
 *             "rule":"<policy rule>"                 (code "policy" only)}
 *
 * Operations (members beyond these are refused, naming the member):
 *   tenant.add  domain, [name]            -> tenant{}
 *   tenant.list                           -> tenants[]
 *   tenant.policy.set  domain, [pw_min_len 8..20], [pw_classes 1..4],
 *               [pw_expiry_days 30..365], [pw_history 0..24] (at least
 *               one; the others keep their value; a range error has rule
 *               "range")                  -> tenant{}, policy{pw_min_len,
 *                                            pw_classes, pw_expiry_days,
 *                                            pw_history}
 *   tenant.policy.show domain             -> tenant{}, policy{}
 *   user.add    user "ext@domain" (or ext + domain), [role admin |
 *               international | standard (default)], [name], [email],
 *               [sip_password | generate_password:true]
 *                                         -> user{}, [sip_password]
 *               With neither password member a password is generated.
 *   user.list   domain                    -> domain, users[]
 *   user.set    user (or ext + domain), [role], [name], [email],
 *               [sip_password | generate_password:true]
 *                                         -> user{}, [sip_password]
 *   user.rm     user (or ext + domain)    -> user
 *   user.import domain, users[] of {ext, [sip_password], [role], [name],
 *               [email]} (at most OPS_USER_IMPORT_MAX entries)
 *                                         -> domain, added, generated[] of
 *                                            {ext, sip_password}
 *               Each entry is checked exactly as user.add checks one user
 *               and a missing sip_password is generated. All entries are
 *               added in one store transaction, or none: the first refused
 *               entry stops the import, its error message starts with
 *               "entry N (ext E): " and its field is "users[N].<member>"
 *               (N counts from 0).
 *   reg.list    [domain]                  -> registrations[]
 *
 * Shield (settings and rules are read by the daemon after every change):
 *   security.show                         -> settings{key: value}, keys[]
 *               of {key, value, default, range, help}; numbers are JSON
 *               integers, the rest strings
 *   security.set key, value (string; a number or boolean is accepted too)
 *                                         -> key, value (as stored)
 *   ip.allow    net, [description]        -> ip_rule{}, [warning]
 *   ip.block    net, [description], [client_ip]
 *                                         -> ip_rule{}, [warning]
 *               net: CIDR, bare address or "address mask"; stored
 *               normalised ("41.202.0.0/16"). ip.block refuses (code
 *               "policy", field "net") a network covering an address of
 *               this server, ctx->client_ip or the client_ip member (the
 *               CLI sends its SSH session's address there, which the
 *               control socket cannot see). One rule per network.
 *   ip.list     [action allow | block]    -> ip_rules[]
 *   ip.rm       net                       -> net, action
 *   ban.list                              -> bans[]
 *   ban.why     net                       -> ban{} (the ban of that
 *               network, else an active ban containing it)
 *   ban.lift    net, [whitelist:true], [description]
 *                                         -> net, whitelisted, ban{}
 *               Deletes the ban found as for ban.why; whitelist adds an
 *               allow rule for its network in the same transaction. The
 *               change is notified with "net" set to that network.
 *   ua.list                               -> ua_rules[]
 *   ua.add      pattern                   -> ua_rule{}
 *   ua.rm       pattern                   -> pattern
 *               The first ua.* operation on a database seeds the list with
 *               the compiled-in defaults (once: removals stay removed).
 *   geo.allow   country                   -> country
 *   geo.list                              -> geo_rules[]
 *   geo.rm      country                   -> country
 *               country: two letters, stored upper case. No country
 *               listed: every country is allowed.
 *   rate.add    net, method, rate, period_s, [burst] (integers; burst
 *               defaults to rate, capped to 6 hours of refill; method
 *               upper-cased, "*" for any)       -> rate_rule{}
 *   rate.list                             -> rate_rules[]
 *   rate.rm     net, method               -> net, method
 *
 * Calls (every "domain" names an existing tenant; ids come from the lists):
 *   group.add   domain, name               -> group{}
 *   group.list  domain                     -> groups[]
 *   group.rm    domain, name               -> name
 *   group.member.add | group.member.rm  domain, name, ext -> group{}
 *   tenant.profile.set  domain, country_code ("33"), [national_prefix
 *               (default "0")], [international_prefix (default "00")],
 *               time_zone (IANA name present in /usr/share/zoneinfo);
 *               country_code and time_zone may be left out once set
 *                                          -> profile{}
 *   tenant.profile.show domain             -> profile{}
 *   country.allow  domain, country_code, [description] -> entry{}
 *   prefix.block   domain, prefix (digits, country code first),
 *                  [description]           -> entry{}
 *   emergency.add  domain, number, [description] -> entry{}
 *   holiday.add    domain, date (YYYY-MM-DD), [description] -> entry{}
 *   country.list | prefix.list | emergency.list | holiday.list  domain
 *               -> countries[] | prefixes[] | numbers[] | holidays[]
 *   country.rm | prefix.rm | emergency.rm | holiday.rm  domain and the
 *               value member (country_code, prefix, number, date)
 *   hours.set   domain, day (sun..sat or 0..6), ranges (["08:00-12:00",
 *               ...] or one comma-separated string; replaces the day)
 *                                          -> hours[]
 *   hours.list  domain                     -> hours[]
 *   hours.rm    domain, day                -> day
 *   trunk.add   name, kind (register | ip | accept_register), [host],
 *               [port], [transport udp], [username], [password],
 *               [realm], [expires_s 60..86400], [networks (CIDR list)],
 *               [max_calls (global, 0 unlimited)]   -> trunk{}
 *               register needs host, username and password; ip needs
 *               networks; accept_register needs username, password and realm.
 *   trunk.set   name, [new_name], any trunk.add member; password ""
 *               removes it                 -> trunk{}
 *   trunk.list                             -> trunks[]
 *   trunk.rm    name (refused while an outbound rule uses it) -> name
 *   trunk.limit.set  trunk, domain, max_calls (0 removes) -> trunk{}
 *               The password is write-only: never in a response, and
 *               dropped from the request given to after_change.
 *   inbound.add  domain, did, ext, [trunk] -> inbound_rule{}
 *   inbound.list domain                    -> inbound_rules[]
 *   inbound.rm   domain, id                -> id
 *   outbound.add domain, name, trunks (list, failover order), [position],
 *               [prefix], [min_len], [max_len], [roles (list)], [groups
 *               (list)], [office_hours_only], [strip], [prepend]
 *                                          -> outbound_rule{}
 *   outbound.list domain                   -> outbound_rules[] (in order)
 *   outbound.rm  domain, name              -> name
 *   outbound.move domain, name, position   -> outbound_rule{}
 *   limit.set   domain, [ext | group], [calls + period_s],
 *               [max_concurrent], [window "HH:MM-HH:MM"]; replaces the
 *               limit of the same target and window -> limit{}
 *   limit.list  domain                     -> limits[]
 *   limit.rm    domain, id                 -> id
 *   fraud.set   domain, [ext], metric (international | destinations |
 *               after_hours), window_s, warning, critical -> fraud_rule{}
 *   fraud.list  domain                     -> fraud_rules[]
 *   fraud.rm    domain, id                 -> id
 *   suspend.list [domain], [all:true (lifted ones too)] -> suspensions[]
 *   suspend.lift user "ext@domain"         -> user
 *   cdr.list    [domain], [user (caller or callee)], [from], [to] (unix
 *               s, start time), [result answered | refused | failed |
 *               cancelled], [limit 1..1000 (100)], [offset]
 *                                          -> cdrs[] (newest first),
 *                                             total, limit, offset
 *
 * Security event log (written by the daemon; its control socket writes
 * the queued events before listing):
 *   event.list  [kind (ban, auth_failure, ... as sec_ev_name)], [address],
 *               [since (unix s)], [limit 1..1000 (100)], [offset]
 *                                          -> events[] (newest first),
 *                                             total, limit, offset
 *               event {id, at, kind, address, country ("" unknown),
 *               detail (the event's key=value fields)}
 * Security checklist (needs ctx->audit; auditops.c, src/checklist):
 *   audit.run                              -> items[] of {id, title,
 *               status pass | warn | fail, evidence, fix}, summary{pass,
 *               warn, fail}
 * Temporary SSH access (needs ctx->ssh; fwops.c):
 *   ssh.open    [from] (CIDR; default the caller's address), minutes |
 *               seconds (ctx->ssh->min_s .. 86400) -> grant{}
 *               Refused (code "policy") with [firewall] temp_ssh = off,
 *               for sources broader than /16 (IPv6 /48), or when the
 *               service firewall is not applied. Logged as event=ssh_open.
 *   ssh.close   [from] (none: every grant) -> closed[] (sources that were
 *               open); event=ssh_close per grant
 *   ssh.list                               -> grants[], enabled
 *               grant {from, opened_at, expires_at, seconds, by, state
 *               open | closed, expires_in (open) | closed_at + cause
 *               "expired" (closed)}
 * Alerts (needs ctx->alert: the running daemon with a channel; alertops.c):
 *   alert.test                            -> id (of the test alert queued)
 *   alert.status                          -> alerts{channels{webhook,
 *               mail}, queued, dropped, suppressed, alerts, test{id,
 *               webhook, mail}} (see alert_svc_status_json)
 * Call objects: group {id, name, members[] (exts), created_at}; profile
 * {domain, country_code, national_prefix, international_prefix,
 * time_zone, updated_at}; entry {id, <value member>, description,
 * created_at}; hours {id, weekday, day, start, end}; trunk {id, name,
 * kind, host, port, transport, username, has_password, realm, expires_s,
 * networks[], max_calls, tenant_limits[] of {domain, max_calls},
 * created_at, updated_at}; inbound_rule {id, did, ext, trunk (null: any),
 * created_at}; outbound_rule {id, name, position, prefix, min_len,
 * max_len, roles[], groups[], office_hours_only, strip, prepend,
 * trunks[], created_at}; limit {id, scope tenant|user|group, target,
 * calls, period_s, max_concurrent, window {start, end} | null};
 * fraud_rule {id, ext (null: tenant), metric, window_s, warning,
 * critical}; suspension {id, user, since, reason, lifted_at | null}; cdr
 * {id, caller, callee, dialed, class, country_code, rule, trunk, result,
 * status, reason, start_ms, answer_ms, end_ms}.
 * A generated password (20 characters) appears in the response once, as
 * "sip_password"; it is not retrievable later.
 * Shield objects: ip_rule {id, net, action, description, created_at};
 * ua_rule {id, pattern, created_at}; geo_rule {country, created_at};
 * rate_rule {id, net, method, rate, period_s, burst}; ban: see
 * ops_ban_json.
 * Objects: tenant {id, domain, name, created_at, users, policy{pw_min_len,
 * pw_classes, pw_expiry_days, pw_history, max_contacts, reg_expires_min_s,
 * reg_expires_default_s, reg_expires_max_s}}; user {user, ext, domain,
 * name, role, email, created_at, updated_at, sip_pw_changed_at};
 * registration: see ops_binding_json. Times are unix seconds.
 *
 * Secrets: error messages for field "sip_password" may quote part of the
 * offered password (to help the person choosing it). Return them to the
 * caller; never log them.
 */
#ifndef SW_OPS_OPS_H
#define SW_OPS_OPS_H

#include <jansson.h>
#include <stdint.h>

/* Most entries one user.import request may carry. */
#define OPS_USER_IMPORT_MAX 100000

struct alert_svc;
struct checklist_ctx;
struct fw_ssh_ctl;
struct store;
struct store_ban;
struct store_binding;
struct sw_clock;

/*
 * Registrations of 'domain' (NULL: every tenant) from the caller's own
 * table (the daemon's in-memory registrar). On 0, *out is a new JSON array
 * of ops_binding_json-shaped objects, owned by ops afterwards. Returns 0
 * or -errno.
 */
typedef int ops_reg_list_fn(void *ud, const char *domain, json_t **out);

/*
 * Called after an operation changed the store, with its name and the
 * request minus any "sip_password" member (user.import: minus those of its
 * entries). 'req' is borrowed for the call.
 */
typedef void ops_after_change_fn(void *ud, const char *op, const json_t *req);

/*
 * Active bans from the caller's own table (the daemon's in-memory ban
 * list, which the store may lag behind). On 0, *out is a new JSON array of
 * ops_ban_json-shaped objects, owned by ops afterwards. Returns 0 or -errno.
 */
typedef int ops_ban_list_fn(void *ud, json_t **out);

struct ops_hooks {
    ops_reg_list_fn *reg_list;         /* NULL: read bindings from store */
    ops_after_change_fn *after_change; /* NULL: nothing to notify */
    ops_ban_list_fn *ban_list;         /* NULL: read bans from store */
};

struct ops_ctx {
    struct store *st;              /* the calling thread's handle */
    const struct ops_hooks *hooks; /* NULL: no hooks */
    void *hooks_ud;                /* passed to every hook */
    const struct sw_clock *clock;  /* NULL: the real clock */
    const char *client_ip;         /* operator's address; NULL unknown */
    const struct fw_ssh_ctl *ssh;  /* temporary SSH; NULL: not available */
    /* audit.run: the caller's view (configuration, sshd_config, own
     * addresses, firewall probe); its st, sec, adm and now are filled by
     * the operation. NULL: audit.run refused. */
    const struct checklist_ctx *audit;
    struct alert_svc *alert; /* the daemon's alerts; NULL: none */
};

/*
 * Run the operation described by 'req' (a JSON object with a string "op").
 * On return *resp is a new response object owned by the caller, except on
 * -ENOMEM where it may be NULL. Returns 0 when the response has ok:true,
 * otherwise a negative errno matching the response code (-EINVAL
 * bad_request or policy, -ENOENT not_found, -EEXIST exists, -EBUSY busy,
 * -EIO internal). Runs on the thread that owns ctx->st; hooks run on it too.
 */
int ops_exec(struct ops_ctx *ctx, const json_t *req, json_t **resp);

/*
 * The JSON object for one registration, the shape of reg.list entries:
 * {user "ext@domain", domain, ext, aor, contact, expires_at, expires_in
 * (seconds from 'now', >= 0), source, user_agent, call_id, cseq, q,
 * instance, received, path, updated_at}. Text that is not valid UTF-8
 * (user agents come off the wire) has its bad bytes replaced by '?'.
 * Returns a new object or NULL on allocation failure.
 */
json_t *ops_binding_json(const struct store_binding *b, int64_t now);

/*
 * The JSON object for one ban, the shape of ban.list entries: {net,
 * reason, source, threshold, count, window_s, first_seen, last_seen,
 * created_at, expires_at, expires_in (seconds from 'now', >= 0), method,
 * ruri, from_user, user_agent}. Wire text that is not UTF-8 has its bad
 * bytes replaced by '?'. Returns a new object or NULL on -ENOMEM.
 */
json_t *ops_ban_json(const struct store_ban *b, int64_t now);

/*
 * A JSON string for 's' even when it is not valid UTF-8 (bad bytes become
 * '?'). NULL 's' gives "". Returns a new reference or NULL on -ENOMEM.
 */
json_t *ops_json_string(const char *s);

#endif
