/* SPDX-License-Identifier: Apache-2.0 */
/*
 * GeoIP country lookup on top of libmaxminddb: opening and vetting a
 * database, the allocation-free lookup path, and the reference count that
 * lets a reload replace a database under its readers.
 */
#include "geo/geo.h"

#include <errno.h>
#include <maxminddb.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/check.h"
#include "net/addr.h"

struct geo_db {
    atomic_uint_least32_t refs; /* counted references, >= 1 while alive */
    MMDB_s mmdb;                /* the mapped file and its metadata */
};

/*
 * Vetting walks the search tree depth first and reads the first data
 * records it meets: a country database has a country in nearly every
 * record, so a handful answers; the bounds keep a damaged or huge tree
 * cheap.
 */
enum {
    WALK_MAX_NODES = 1 << 16, /* search nodes read at most */
    WALK_MAX_RECORDS = 1024,  /* data records examined at most */
    WALK_STACK_CAP = 128 + 2, /* tree depth is at most 128 bits */
};

/* Paths as arrays: MMDB_aget_value() does not allocate, MMDB_get_value()
 * does. */
static const char *const path_country[] = { "country", "iso_code", NULL };
static const char *const path_registered[] = { "registered_country", "iso_code",
                                               NULL };

static void set_err(char *err, size_t errcap, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void set_err(char *err, size_t errcap, const char *fmt, ...)
{
    va_list ap;

    if (err == NULL || errcap == 0) {
        return;
    }
    va_start(ap, fmt);
    (void)vsnprintf(err, errcap, fmt, ap);
    va_end(ap);
}

static bool ascii_alpha(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

static char ascii_upper(char c)
{
    if (c >= 'a' && c <= 'z') {
        return (char)(c - ('a' - 'A'));
    }
    return c;
}

/*
 * Read the two-letter code at 'path' below 'entry' into 'cc'. Returns 0,
 * -ENOENT (absent or not a two-letter string) or -EIO (damaged data).
 */
static int read_cc(MMDB_entry_s *entry, const char *const *path, char cc[3])
{
    MMDB_entry_data_s data;
    int st = MMDB_aget_value(entry, &data, path);

    if (st == MMDB_INVALID_DATA_ERROR || st == MMDB_CORRUPT_SEARCH_TREE_ERROR) {
        return -EIO;
    }
    if (st != MMDB_SUCCESS || !data.has_data
        || data.type != MMDB_DATA_TYPE_UTF8_STRING || data.data_size != 2
        || !ascii_alpha(data.utf8_string[0])
        || !ascii_alpha(data.utf8_string[1])) {
        return -ENOENT;
    }
    cc[0] = ascii_upper(data.utf8_string[0]);
    cc[1] = ascii_upper(data.utf8_string[1]);
    cc[2] = '\0';
    return 0;
}

static int entry_cc(MMDB_entry_s *entry, char cc[3])
{
    int rc = read_cc(entry, path_country, cc);

    if (rc == -ENOENT) {
        rc = read_cc(entry, path_registered, cc);
    }
    return rc;
}

/* True when one of the first data records of the tree has a country. */
static bool has_country_data(const MMDB_s *mmdb)
{
    struct {
        uint32_t node;
        unsigned depth;
    } stack[WALK_STACK_CAP];
    size_t top = 0;
    unsigned max_depth = mmdb->metadata.ip_version == 4 ? 32 : 128;
    unsigned nodes = 0;
    unsigned records = 0;

    if (mmdb->metadata.node_count == 0) {
        return false;
    }
    stack[top].node = 0;
    stack[top].depth = 0;
    top++;
    while (top > 0 && nodes < WALK_MAX_NODES && records < WALK_MAX_RECORDS) {
        top--;
        uint32_t node = stack[top].node;
        unsigned depth = stack[top].depth;
        MMDB_search_node_s sn;

        nodes++;
        if (MMDB_read_node(mmdb, node, &sn) != MMDB_SUCCESS) {
            continue;
        }
        /* Right first on the stack, so the left (lower) half is read
         * first, like a walk over addresses in order. */
        const uint64_t rec[2] = { sn.right_record, sn.left_record };
        const uint8_t type[2] = { sn.right_record_type, sn.left_record_type };
        MMDB_entry_s *ent[2] = { &sn.right_record_entry,
                                 &sn.left_record_entry };
        for (int i = 0; i < 2; i++) {
            char cc[3];
            if (type[i] == MMDB_RECORD_TYPE_DATA) {
                records++;
                if (entry_cc(ent[i], cc) == 0) {
                    return true;
                }
            } else if (type[i] == MMDB_RECORD_TYPE_SEARCH_NODE
                       && depth + 1 < max_depth && top < WALK_STACK_CAP
                       && rec[i] <= UINT32_MAX) {
                stack[top].node = (uint32_t)rec[i];
                stack[top].depth = depth + 1;
                top++;
            }
        }
    }
    return false;
}

/*
 * MMDB_open() reports an empty file or a directory as a failed mmap();
 * tell the operator what the path really is.
 */
static int io_error(const char *path, int saved, char *err, size_t errcap)
{
    struct stat st;

    if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
        set_err(err, errcap, "GeoIP database '%s': is a directory", path);
        return -EISDIR;
    }
    if (stat(path, &st) == 0 && S_ISREG(st.st_mode) && st.st_size == 0) {
        set_err(err, errcap,
                "GeoIP database '%s': not a MaxMind DB (.mmdb) file (empty "
                "file)",
                path);
        return -EINVAL;
    }
    set_err(err, errcap, "GeoIP database '%s': read error: %s", path,
            saved > 0 ? strerror(saved) : MMDB_strerror(MMDB_IO_ERROR));
    return -EIO;
}

int geo_db_open(const char *path, struct geo_db **out, char *err, size_t errcap)
{
    struct geo_db *db;
    int st;
    int rc;

    if (path == NULL || path[0] == '\0') {
        set_err(err, errcap, "GeoIP database: empty path");
        return -EINVAL;
    }
    db = calloc(1, sizeof(*db));
    if (db == NULL) {
        set_err(err, errcap, "GeoIP database '%s': out of memory", path);
        return -ENOMEM;
    }
    errno = 0;
    st = MMDB_open(path, MMDB_MODE_MMAP, &db->mmdb);
    if (st != MMDB_SUCCESS) {
        int saved = errno;
        switch (st) {
        case MMDB_FILE_OPEN_ERROR:
            rc = saved > 0 ? -saved : -ENOENT;
            set_err(err, errcap, "GeoIP database '%s': cannot open: %s", path,
                    strerror(-rc));
            break;
        case MMDB_IO_ERROR:
            rc = io_error(path, saved, err, errcap);
            break;
        case MMDB_OUT_OF_MEMORY_ERROR:
            rc = -ENOMEM;
            set_err(err, errcap, "GeoIP database '%s': out of memory", path);
            break;
        default:
            rc = -EINVAL;
            set_err(err, errcap,
                    "GeoIP database '%s': not a MaxMind DB (.mmdb) file (%s)",
                    path, MMDB_strerror(st));
            break;
        }
        free(db);
        return rc;
    }
    if (!has_country_data(&db->mmdb)) {
        const char *type = db->mmdb.metadata.database_type;
        set_err(err, errcap,
                "GeoIP database '%s' (type '%s') has no country data: "
                "use a country or city database such as GeoLite2-Country, "
                "GeoLite2-City or DB-IP IP-to-Country Lite",
                path, type ? type : "?");
        MMDB_close(&db->mmdb);
        free(db);
        return -EINVAL;
    }
    atomic_init(&db->refs, 1);
    *out = db;
    return 0;
}

void geo_db_hold(struct geo_db *db)
{
    uint_least32_t old =
        atomic_fetch_add_explicit(&db->refs, 1, memory_order_relaxed);
    SW_BUG_ON(old == 0 || old == UINT_LEAST32_MAX);
}

void geo_db_release(struct geo_db *db)
{
    if (db == NULL) {
        return;
    }
    uint_least32_t old =
        atomic_fetch_sub_explicit(&db->refs, 1, memory_order_release);
    SW_BUG_ON(old == 0);
    if (old != 1) {
        return;
    }
    /* Pairs with the release above: every reader's lookups happen before
     * the unmap. */
    atomic_thread_fence(memory_order_acquire);
    MMDB_close(&db->mmdb);
    free(db);
}

void geo_db_close(struct geo_db *db)
{
    geo_db_release(db);
}

int geo_db_country(const struct geo_db *db, const struct net_addr *addr,
                   char cc[3])
{
    struct net_addr a;
    MMDB_lookup_result_s res;
    int mmdb_err = MMDB_SUCCESS;
    int rc;

    cc[0] = '\0';
    if (addr->len == 0
        || (addr->sa.sa_family != AF_INET && addr->sa.sa_family != AF_INET6)) {
        return -EINVAL;
    }
    /* Vendor databases alias ::ffff:0:0/96 to the IPv4 tree, but not every
     * file does: look the plain IPv4 address up. */
    a = *addr;
    net_addr_normalize(&a);
    res = MMDB_lookup_sockaddr(&db->mmdb, &a.sa, &mmdb_err);
    if (mmdb_err == MMDB_IPV6_LOOKUP_IN_IPV4_DATABASE_ERROR) {
        return -ENOENT;
    }
    if (mmdb_err != MMDB_SUCCESS) {
        return -EIO;
    }
    if (!res.found_entry) {
        return -ENOENT;
    }
    rc = entry_cc(&res.entry, cc);
    if (rc != 0) {
        cc[0] = '\0';
    }
    return rc;
}

const char *geo_db_type(const struct geo_db *db)
{
    const char *t = db->mmdb.metadata.database_type;
    return t ? t : "";
}

uint64_t geo_db_build_epoch(const struct geo_db *db)
{
    return db->mmdb.metadata.build_epoch;
}
