/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The registrar (RFC 3261 §10.3) with digest authentication (RFC 7616,
 * RFC 8760: SHA-256 and MD5, qop=auth). It decides the answer to a REGISTER
 * and builds it; it reads credentials and tenant settings through callbacks
 * (backed by the store in the daemon, by tables in tests) and keeps bindings
 * in the shared location table. Sending, transactions and the shield are
 * the caller's business: the result says what happened so the shield can
 * count failures.
 */
#ifndef SW_REG_REGISTRAR_H
#define SW_REG_REGISTRAR_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/clock.h"
#include "base/sv.h"
#include "reg/location.h"
#include "reg/nonce.h"
#include "sip/msg.h"

struct sockaddr;

#define REG_HA1_HEX_MAX 65

/* What the registrar needs to know about an extension. */
struct reg_creds {
    int64_t user_id;
    int64_t tenant_id;
    int role; /* enum store_role of the extension (for the call policy) */
    char ha1_md5[REG_HA1_HEX_MAX];    /* hex, realm = tenant domain */
    char ha1_sha256[REG_HA1_HEX_MAX]; /* hex */
};

/* Per-tenant registration settings. */
struct reg_tenant {
    int64_t tenant_id;
    uint32_t min_expires_s;
    uint32_t max_expires_s;
    uint32_t default_expires_s;
    unsigned max_contacts;
};

/* A checked credential, as the shield sees it. */
enum reg_auth_event {
    REG_AUTH_EV_OK = 0, /* right credentials */
    REG_AUTH_EV_FAILED, /* wrong password, unknown user, bad nonce, replay */
    REG_AUTH_EV_STALE,  /* right answer to an expired nonce */
};

/* The shield's word on a checked credential. */
enum reg_gate {
    REG_GATE_PASS = 0, /* carry on */
    REG_GATE_FORBID,   /* answer 403: this user is blocked from there */
    REG_GATE_DROP,     /* answer nothing: the source is now banned */
};

/*
 * Look-ups the registrar calls, on the calling thread. tenant and creds
 * return 0, -ENOENT when unknown, other negative errno on failure (answered
 * 500). gate (NULL: always pass) is told every checked credential before
 * anything is answered or stored, with the username tried and the realm.
 */
struct reg_lookup {
    int (*tenant)(void *ud, struct sv domain, struct reg_tenant *out);
    int (*creds)(void *ud, struct sv domain, struct sv user,
                 struct reg_creds *out);
    enum reg_gate (*gate)(void *ud, struct sv user, struct sv domain,
                          enum reg_auth_event ev);
    void *ud;
};

/* What happened to one REGISTER, for the shield, logs and counters. */
enum reg_outcome {
    REG_OUT_CHALLENGED = 0, /* first challenge: never a failure */
    REG_OUT_STALE,          /* correct answer, stale nonce: not a failure */
    REG_OUT_AUTH_FAILED,    /* wrong password, unknown user, bad nonce */
    REG_OUT_REPLAY,         /* nonce-count replayed */
    REG_OUT_REGISTERED,     /* 200 with bindings changed or queried */
    REG_OUT_REFUSED,        /* 4xx/5xx after authentication or on syntax */
    REG_OUT_DROPPED,        /* the gate said drop: nothing to send */
};

struct reg_result {
    enum reg_outcome outcome;
    int status;
    struct sv auth_user; /* username the client tried (view into msg) */
    const char *detail;  /* static, for the security log */
};

struct reg_stats {
    _Atomic uint64_t challenges;
    _Atomic uint64_t auth_ok;
    _Atomic uint64_t auth_failed;
    _Atomic uint64_t replays;
    _Atomic uint64_t stale;
    _Atomic uint64_t refused;
    _Atomic uint64_t blocked; /* refused by the gate: 403 */
    _Atomic uint64_t dropped; /* dropped by the gate */
};

struct reg_registrar {
    struct reg_nonce_ctx nonce;
    struct reg_nc_table *nc;
    struct reg_loc *loc; /* not owned */
    const struct sw_clock *clock;
    uint8_t tag_key[16]; /* keys the To-tag we put on our answers */
    int algs[2];         /* enum reg_digest_alg, offered in this order */
    unsigned n_algs;
    struct reg_stats stats;
};

/* Where the request came from. */
struct reg_origin {
    const struct sockaddr *sa; /* source address (nonces are bound to it) */
    struct sv ip;              /* textual source address, no brackets */
    uint16_t port;
    struct reg_src src;
};

/*
 * Set up a registrar over 'loc' (borrowed; must outlive it). 'nonce_key' of
 * 32 bytes lets nonces survive a restart; NULL picks a random one.
 */
int reg_registrar_init(struct reg_registrar *r, struct reg_loc *loc,
                       const struct sw_clock *clock, const uint8_t *nonce_key,
                       uint32_t nonce_lifetime_s);
void reg_registrar_fini(struct reg_registrar *r);

/*
 * Which digest algorithms the challenges offer, in order of preference
 * (default: SHA-256, then MD5). Clients that read only the first challenge
 * (SIPp, some phones) need MD5 first. Returns 0 or -EINVAL (none, more than
 * two, unknown value). Before the registrar is used.
 */
int reg_registrar_set_algorithms(struct reg_registrar *r, const int *algs,
                                 unsigned n);

/*
 * Answer one parsed REGISTER from 'org': the full response is appended to
 * 'out' and 'res' says what happened (REG_OUT_DROPPED: 'out' untouched,
 * status 0, send nothing). Any worker thread. Returns 0, or a
 * negative errno when no response could be built (the caller drops).
 */
int reg_registrar_handle(struct reg_registrar *r, const struct sip_msg *msg,
                         const struct reg_origin *org,
                         const struct reg_lookup *lk, struct buf *out,
                         struct reg_result *res);

/*
 * Build the To-tag the registrar and the stateless answers use: a keyed hash
 * of Call-ID and From tag, so retransmissions get the same tag. 'dst' gets
 * 16 hex characters and a NUL.
 */
void reg_to_tag(const struct reg_registrar *r, const struct sip_msg *msg,
                char dst[17]);

/*
 * Authenticate a request other than REGISTER as a proxy (407, realm = the
 * From domain) through 'lk' (gate included). REG_OUT_REGISTERED means the
 * credentials are good and nothing was written to 'out': the caller goes
 * on. Otherwise the answer (407, 403, 400, 500) is in 'out', or nothing
 * for REG_OUT_DROPPED. Returns 0 or a negative errno.
 */
int reg_registrar_auth_request(struct reg_registrar *r,
                               const struct sip_msg *msg,
                               const struct reg_origin *org,
                               const struct reg_lookup *lk, struct buf *out,
                               struct reg_result *res);

#endif
