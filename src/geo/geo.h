/* SPDX-License-Identifier: Apache-2.0 */
/*
 * GeoIP country lookup over a MaxMind DB (.mmdb) file: any database with
 * country data (GeoLite2-Country, GeoLite2-City, DB-IP country lite...).
 * An opened database is immutable and reference-counted, so one file can
 * replace another while worker threads still look addresses up in the old
 * one. Publishing the current database to the workers (and deciding what
 * an unknown country means) is the caller's business.
 */
#ifndef SW_GEO_GEO_H
#define SW_GEO_GEO_H

#include <stddef.h>
#include <stdint.h>

struct geo_db;
struct net_addr;

/* Enough for every message geo_db_open() writes (the path is cut short). */
#define GEO_ERR_CAP 512

/*
 * Open the MaxMind DB at 'path' (memory-mapped) and check that it holds
 * country data: a sample of its records must carry "country"/"iso_code" or
 * "registered_country"/"iso_code"; the metadata database_type is only
 * quoted in messages. On success *out holds the one reference the caller
 * owns (drop it with geo_db_close()). On failure *out is untouched and a
 * one-line message naming the file is written to 'err' (errcap bytes, may
 * be 0): -EINVAL for an empty path, a file that is not an .mmdb (an
 * empty one too) or a database without country data; -ENOENT, -EACCES...
 * when the file cannot be opened; -EISDIR, -EIO, -ENOMEM.
 *
 * The file is mmap()ed for the life of the handle: replace it by renaming
 * a new file over it (as geoipupdate does), never by rewriting it in
 * place, then open the new file and publish it. Any thread.
 */
int geo_db_open(const char *path, struct geo_db **out, char *err,
                size_t errcap);

/*
 * Add a reference to a database the caller already holds (a reference it
 * owns, or one kept alive by whoever published it). Lock-free; any thread.
 *
 * Publication for reload, with the caller's own pointer: the publisher
 * opens the new database, swaps it into the shared slot and releases the
 * old one; a reader that needs the database beyond the publisher's
 * lifetime guarantees holds it, and releases it when done. (To publish
 * through sec_snap, wrap the handle in an object embedding a struct
 * sec_snap whose free_fn calls geo_db_release().)
 */
void geo_db_hold(struct geo_db *db);

/*
 * Drop one reference; the last one unmaps the file and frees the handle.
 * NULL is a no-op. Any thread.
 */
void geo_db_release(struct geo_db *db);

/* Same as geo_db_release(): the owner's "I am done with it". */
void geo_db_close(struct geo_db *db);

/*
 * Look up the country of 'addr' (port ignored; IPv4-mapped IPv6 is looked
 * up as IPv4). Uses "country"/"iso_code", falling back to
 * "registered_country"/"iso_code". On 0, 'cc' holds the upper-case ISO
 * 3166 alpha-2 code and a NUL. Returns -ENOENT when the address is not in
 * the database, has no (valid two-letter) country code, or is IPv6 and the
 * database IPv4-only; -EINVAL for an unset address; -EIO when the database
 * is damaged ('cc' is then written as ""). The caller must hold a
 * reference. No allocation, no lock: any number of threads at once.
 */
int geo_db_country(const struct geo_db *db, const struct net_addr *addr,
                   char cc[3]);

/* The metadata database_type ("GeoLite2-Country"); valid while held. */
const char *geo_db_type(const struct geo_db *db);

/* The metadata build_epoch (Unix seconds when the file was built). */
uint64_t geo_db_build_epoch(const struct geo_db *db);

#endif
