/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Phone provisioning rows (migration "provisioning"): per user the SHA-256
 * of the directory token, the vendor, the SIP password generated for the
 * phone (sealed with the store's secret key, since the users table keeps
 * only HA1s) and the last fetch (time, address, count). A password changed
 * by any other path deletes the row (trigger). Token generation, which
 * vendors exist and what the file says belong to src/prov and src/ops.
 */
#ifndef SW_STORE_PROV_H
#define SW_STORE_PROV_H

#include <stdint.h>

#include "store/store.h"

#define STORE_PROV_HASH_LEN   64 /* SHA-256 hex */
#define STORE_PROV_VENDOR_MAX 15
#define STORE_PROV_IP_MAX     45

/* One provisioned user, as listed. */
struct store_prov {
    int64_t user_id;
    int64_t tenant_id;
    char ext[STORE_EXT_MAX + 1];
    char domain[STORE_DOMAIN_MAX + 1];
    char name[STORE_NAME_MAX + 1]; /* display name, may be "" */
    char vendor[STORE_PROV_VENDOR_MAX + 1];
    int64_t created_at;                        /* unix s */
    int64_t last_fetch_ms;                     /* unix ms, 0 = never */
    char last_fetch_ip[STORE_PROV_IP_MAX + 1]; /* "" = never */
    uint64_t fetch_count;
};

/* What rendering a phone's file needs, found by token hash. */
struct store_prov_file {
    struct store_prov p;
    char token_hash[STORE_PROV_HASH_LEN + 1];
    char sip_password[STORE_SIP_PW_MAX + 1]; /* decrypted: wipe after use */
    uint32_t expires_s; /* the tenant's default registration expiry */
};

/*
 * Enable (or replace) provisioning of 'user_id': 'token_hash' (64
 * lowercase hex), 'vendor' (generic | yealink | polycom) and the SIP
 * password 'sip_password' (1..STORE_SIP_PW_MAX bytes, sealed here). Set
 * the user's password first: that update ends any earlier row. Fetch
 * statistics start over. Returns 0, -EINVAL, -ENOENT (no such user),
 * -EEXIST (hash already used) or -EIO.
 */
int store_prov_put(struct store *st, int64_t user_id, const char *token_hash,
                   const char *vendor, const char *sip_password, int64_t now);

/* Disable provisioning of 'user_id'. Returns 0, -ENOENT or -EIO. */
int store_prov_del(struct store *st, int64_t user_id);

/* The row of 'user_id' (no secrets). Returns 0, -ENOENT or -EIO. */
int store_prov_get(struct store *st, int64_t user_id, struct store_prov *out);

typedef int store_prov_fn(void *ud, const struct store_prov *p);

/*
 * Call 'cb' for every provisioned user of tenant 'tenant_id' (0: every
 * tenant), ordered by domain and extension. A non-zero return from 'cb'
 * stops the walk and is returned. Returns 0 or -EIO.
 */
int store_prov_list(struct store *st, int64_t tenant_id, store_prov_fn *cb,
                    void *ud);

/*
 * The row whose token hash is 'token_hash', with the password unsealed.
 * The caller wipes out->sip_password (sodium_memzero) when done. Returns
 * 0, -ENOENT, -EBADMSG (the sealed password does not open) or -EIO.
 */
int store_prov_find(struct store *st, const char *token_hash,
                    struct store_prov_file *out);

/* Record a fetch of user 'user_id''s file at 'at_ms' from 'ip'. Returns
 * 0, -ENOENT or -EIO. */
int store_prov_fetched(struct store *st, int64_t user_id, int64_t at_ms,
                       const char *ip);

#endif
