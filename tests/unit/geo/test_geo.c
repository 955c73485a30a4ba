/* SPDX-License-Identifier: Apache-2.0 */
/*
 * GeoIP: databases are written at test time by tests/tools/make_mmdb.pl
 * (MaxMind::DB::Writer) into a private temp dir and read back through the
 * real libmaxminddb; plus the allowed-country set and code parsing.
 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "base/check.h"
#include "base/sv.h"
#include "geo/allow.h"
#include "geo/geo.h"
#include "net/addr.h"

extern char **environ;

/* ---- helpers ------------------------------------------------------------ */

static char tmpdir[256];

static void path_in_tmp(char *dst, size_t cap, const char *name)
{
    int n = snprintf(dst, cap, "%s/%s", tmpdir, name);
    assert_true(n > 0 && (size_t)n < cap);
}

static struct geo_db *open_ok(const char *name)
{
    char path[512];
    char err[GEO_ERR_CAP] = "";
    struct geo_db *db = NULL;

    path_in_tmp(path, sizeof(path), name);
    int rc = geo_db_open(path, &db, err, sizeof(err));
    if (rc != 0) {
        print_error("%s: %s\n", path, err);
    }
    assert_int_equal(rc, 0);
    assert_non_null(db);
    return db;
}

/* Open must fail with 'want' and a message containing 'needle'. */
static void open_refused(const char *name, int want, const char *needle)
{
    char path[512];
    char err[GEO_ERR_CAP] = "";
    struct geo_db *db = (struct geo_db *)(uintptr_t)0x1;

    path_in_tmp(path, sizeof(path), name);
    assert_int_equal(geo_db_open(path, &db, err, sizeof(err)), want);
    assert_ptr_equal(db, (struct geo_db *)(uintptr_t)0x1);
    if (strstr(err, needle) == NULL || strstr(err, path) == NULL) {
        print_error("message: '%s' (want '%s' and the path)\n", err, needle);
        fail();
    }
}

static struct net_addr addr_of(const char *s)
{
    struct net_addr a;
    assert_int_equal(net_addr_parse(s, 5060, &a), 0);
    return a;
}

/* Look 'ip' up; want == NULL means -ENOENT expected. */
static void expect_cc(const struct geo_db *db, const char *ip, const char *want)
{
    struct net_addr a = addr_of(ip);
    char cc[3] = "??";
    int rc = geo_db_country(db, &a, cc);

    if (want == NULL) {
        if (rc != -ENOENT) {
            print_error("%s: rc %d cc '%s', want -ENOENT\n", ip, rc, cc);
        }
        assert_int_equal(rc, -ENOENT);
        assert_string_equal(cc, "");
    } else {
        if (rc != 0) {
            print_error("%s: rc %d, want %s\n", ip, rc, want);
        }
        assert_int_equal(rc, 0);
        assert_string_equal(cc, want);
    }
}

static void write_file(const char *name, const void *p, size_t len)
{
    char path[512];
    path_in_tmp(path, sizeof(path), name);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(p, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
}

/* ---- fixture: databases written once, in one temp dir ------------------ */

/*
 * Every database the tests use, one make_mmdb.pl line each (loading the
 * Perl writer costs far more than writing, hence one batch run). In
 * main.mmdb the IPv4 /32 follows its /8 on purpose: the script must order
 * inserts so the specific network wins.
 */
static const char db_spec[] =
    "main.mmdb 127.0.0.0/8=US 127.0.0.2/32=CN ::1/128=DE 2001:db8::/32=fr"
    " 10.0.0.0/8=rc:JP 192.0.2.0/24=- 198.51.100.0/24=USA"
    " 198.51.100.128/25=U1 203.0.113.0/24=\n"
    "--no-alias noalias.mmdb 127.0.0.0/8=US 127.0.0.2/32=CN\n"
    "--ip-version 4 v4.mmdb 127.0.0.0/8=US 192.0.2.0/24=BR\n"
    "--type GeoLite2-ASN asn.mmdb 1.0.0.0/24=asn:13335"
    " 2001:db8::/32=asn:64500\n"
    "nocc.mmdb 192.0.2.0/24=- 198.51.100.0/24=-\n"
    "--type GeoLite2-Country empty.mmdb\n"
    "--type DBIP-City-Lite city.mmdb 192.0.2.0/24=- 203.0.113.0/24=NZ\n"
    "rc.mmdb 2001:db8::/32=rc:CH\n"
    "swap_a.mmdb 127.0.0.0/8=CN 2001:db8::/32=FR\n"
    "swap_b.mmdb 127.0.0.0/8=AU 2001:db8::/32=NL\n";

/* Files the tests create (the databases above and a few more). */
static const char *const tmp_files[] = {
    "spec.txt",    "main.mmdb",  "noalias.mmdb", "v4.mmdb",    "asn.mmdb",
    "nocc.mmdb",   "empty.mmdb", "city.mmdb",    "rc.mmdb",    "swap_a.mmdb",
    "swap_b.mmdb", "text.mmdb",  "zero.mmdb",    "trunc.mmdb",
};

/* Run "perl make_mmdb.pl --batch spec.txt" inside tmpdir. */
static int make_databases(void)
{
    char script[512];
    char *argv[] = { (char *)(uintptr_t) "perl", script,
                     (char *)(uintptr_t) "--batch",
                     (char *)(uintptr_t) "spec.txt", NULL };
    posix_spawn_file_actions_t fa;
    pid_t pid;
    int status;
    int rc;

    snprintf(script, sizeof(script), "%s/../tools/make_mmdb.pl",
             SW_TESTDATA_DIR);
    if (posix_spawn_file_actions_init(&fa) != 0) {
        return -1;
    }
    rc = posix_spawn_file_actions_addchdir_np(&fa, tmpdir);
    if (rc == 0) {
        rc = posix_spawnp(&pid, "perl", &fa, NULL, argv, environ);
    }
    posix_spawn_file_actions_destroy(&fa);
    if (rc != 0) {
        fprintf(stderr, "cannot run perl %s: %s\n", script, strerror(rc));
        return -1;
    }
    if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status)
        || WEXITSTATUS(status) != 0) {
        fprintf(stderr, "%s --batch failed (status %d)\n", script, status);
        return -1;
    }
    return 0;
}

static int teardown_all(void **state)
{
    char path[512];

    (void)state;
    for (size_t i = 0; i < SW_ARRAY_LEN(tmp_files); i++) {
        if (snprintf(path, sizeof(path), "%s/%s", tmpdir, tmp_files[i])
            < (int)sizeof(path)) {
            (void)unlink(path);
        }
    }
    return rmdir(tmpdir);
}

static int setup_all(void **state)
{
    const char *base = getenv("TMPDIR");
    char path[512];
    FILE *f;

    (void)state;
    snprintf(tmpdir, sizeof(tmpdir), "%s/sw-geo-XXXXXX",
             base && base[0] ? base : "/tmp");
    if (mkdtemp(tmpdir) == NULL) {
        return -1;
    }
    snprintf(path, sizeof(path), "%s/spec.txt", tmpdir);
    f = fopen(path, "w");
    int werr = f == NULL || fputs(db_spec, f) == EOF;
    if (f != NULL && fclose(f) != 0) {
        werr = 1;
    }
    if (werr || make_databases() != 0) {
        (void)teardown_all(state);
        return -1;
    }
    return 0;
}

/* ---- lookups ------------------------------------------------------------- */

static void lookup_ipv4(void **state)
{
    (void)state;
    struct geo_db *db = open_ok("main.mmdb");
    expect_cc(db, "127.0.0.2", "CN");
    expect_cc(db, "127.0.0.1", "US");
    expect_cc(db, "127.255.255.255:5080", "US");
    assert_string_equal(geo_db_type(db), "GeoLite2-Country");
    assert_true(geo_db_build_epoch(db) > 0);
    geo_db_close(db);
}

static void lookup_ipv6(void **state)
{
    (void)state;
    struct geo_db *db = open_ok("main.mmdb");
    expect_cc(db, "::1", "DE");
    expect_cc(db, "[2001:db8::5]:5060", "FR"); /* stored "fr": upper-cased */
    expect_cc(db, "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff", "FR");
    geo_db_close(db);
}

static void lookup_mapped(void **state)
{
    (void)state;
    struct geo_db *db = open_ok("main.mmdb");
    expect_cc(db, "::ffff:127.0.0.2", "CN");
    expect_cc(db, "::ffff:127.0.0.3", "US");
    expect_cc(db, "::ffff:8.8.8.8", NULL);
    geo_db_close(db);

    /* Without the vendor alias only our own normalisation finds it. */
    db = open_ok("noalias.mmdb");
    expect_cc(db, "::ffff:127.0.0.2", "CN");
    expect_cc(db, "::ffff:127.9.9.9", "US");
    expect_cc(db, "127.0.0.2", "CN");
    geo_db_close(db);
}

static void lookup_unknown(void **state)
{
    (void)state;
    struct geo_db *db = open_ok("main.mmdb");
    expect_cc(db, "8.8.8.8", NULL);        /* not in the file */
    expect_cc(db, "2001:db9::1", NULL);    /* not in the file */
    expect_cc(db, "::2", NULL);            /* the IPv4 tree, 0.0.0.2 */
    expect_cc(db, "192.0.2.7", NULL);      /* record without country */
    expect_cc(db, "198.51.100.1", NULL);   /* "USA": not alpha-2 */
    expect_cc(db, "198.51.100.200", NULL); /* "U1": not letters */
    expect_cc(db, "203.0.113.1", NULL);    /* "": empty code */
    geo_db_close(db);
}

static void lookup_registered_country(void **state)
{
    (void)state;
    struct geo_db *db = open_ok("main.mmdb");
    expect_cc(db, "10.20.30.40", "JP");
    geo_db_close(db);
}

static void lookup_ipv4_only_database(void **state)
{
    (void)state;
    struct geo_db *db = open_ok("v4.mmdb");
    expect_cc(db, "127.1.2.3", "US");
    expect_cc(db, "192.0.2.1", "BR");
    expect_cc(db, "::ffff:192.0.2.1", "BR");
    expect_cc(db, "2001:db8::1", NULL);
    expect_cc(db, "::1", NULL);
    geo_db_close(db);
}

static void lookup_unset_address(void **state)
{
    (void)state;
    struct geo_db *db = open_ok("main.mmdb");
    struct net_addr a;
    char cc[3] = "??";
    memset(&a, 0, sizeof(a));
    assert_int_equal(geo_db_country(db, &a, cc), -EINVAL);
    assert_string_equal(cc, "");
    geo_db_close(db);
}

/* ---- refusals ------------------------------------------------------------ */

static void open_not_mmdb(void **state)
{
    (void)state;
    static const char text[] = "[general]\nthis is not a MaxMind database\n";
    write_file("text.mmdb", text, sizeof(text) - 1);
    open_refused("text.mmdb", -EINVAL, "not a MaxMind DB");
    write_file("zero.mmdb", "", 0);
    open_refused("zero.mmdb", -EINVAL, "not a MaxMind DB");

    /* A real file cut in half loses its metadata. */
    char path[512];
    path_in_tmp(path, sizeof(path), "main.mmdb");
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    static char data[1 << 16];
    size_t len = fread(data, 1, sizeof(data), f);
    assert_int_equal(fclose(f), 0);
    assert_true(len > 100 && len < sizeof(data));
    write_file("trunc.mmdb", data, len / 2);
    open_refused("trunc.mmdb", -EINVAL, "not a MaxMind DB");
}

static void open_missing_and_empty_path(void **state)
{
    (void)state;
    char err[GEO_ERR_CAP] = "";
    struct geo_db *db = NULL;

    open_refused("does-not-exist.mmdb", -ENOENT, "cannot open");
    open_refused(".", -EISDIR, "is a directory");
    assert_int_equal(geo_db_open("", &db, err, sizeof(err)), -EINVAL);
    assert_non_null(strstr(err, "empty path"));
    assert_int_equal(geo_db_open(NULL, &db, NULL, 0), -EINVAL);
    assert_null(db);
    /* A short message buffer truncates, never overflows. */
    char small[8];
    memset(small, 'x', sizeof(small));
    open_refused("does-not-exist.mmdb", -ENOENT, "cannot open");
    assert_int_equal(geo_db_open("/nonexistent/x.mmdb", &db, small, 4),
                     -ENOENT);
    assert_int_equal(small[3], '\0');
    assert_int_equal(small[4], 'x');
}

static void open_no_country_data(void **state)
{
    (void)state;
    open_refused("asn.mmdb", -EINVAL, "no country data");
    open_refused("asn.mmdb", -EINVAL, "GeoLite2-ASN");

    /* The type name is not trusted: "Country" without country data. */
    open_refused("nocc.mmdb", -EINVAL, "no country data");

    /* No records at all. */
    open_refused("empty.mmdb", -EINVAL, "no country data");
}

static void open_accepts_city_and_registered_only(void **state)
{
    (void)state;
    /* Any type name, provided the data has countries. */
    struct geo_db *db = open_ok("city.mmdb");
    assert_string_equal(geo_db_type(db), "DBIP-City-Lite");
    expect_cc(db, "203.0.113.9", "NZ");
    geo_db_close(db);

    db = open_ok("rc.mmdb");
    expect_cc(db, "2001:db8::1", "CH");
    geo_db_close(db);
}

/* ---- references and concurrent readers ----------------------------------- */

static void refcount_hold_release(void **state)
{
    (void)state;
    struct geo_db *db = open_ok("main.mmdb");
    geo_db_hold(db);
    geo_db_hold(db);
    geo_db_close(db); /* the owner's reference */
    expect_cc(db, "127.0.0.2", "CN");
    geo_db_release(db);
    expect_cc(db, "::1", "DE");
    geo_db_release(db); /* last: unmapped (ASan/valgrind check the rest) */
    geo_db_release(NULL);
    geo_db_close(NULL);
}

/*
 * A caller-side publication slot (a mutex around the pointer, as the
 * contract allows): readers take a reference under the lock and look up
 * outside it while the writer keeps swapping two databases.
 */
struct slot {
    pthread_mutex_t lock;
    struct geo_db *cur;
    atomic_bool stop;
    atomic_uint lookups;
    atomic_uint bad;
};

static void *reader_main(void *arg)
{
    struct slot *s = arg;
    struct net_addr a = addr_of("127.0.0.2");
    struct net_addr b = addr_of("2001:db8::1");
    unsigned n = 0;

    while (!atomic_load(&s->stop) || n < 1000) {
        pthread_mutex_lock(&s->lock);
        struct geo_db *db = s->cur;
        geo_db_hold(db);
        pthread_mutex_unlock(&s->lock);

        char cc[3];
        char cc6[3];
        int rc = geo_db_country(db, &a, cc);
        int rc6 = geo_db_country(db, &b, cc6);
        /* Database A says CN/FR, B says AU/NL: never a mix of the two. */
        bool ok = rc == 0 && rc6 == 0
                  && ((strcmp(cc, "CN") == 0 && strcmp(cc6, "FR") == 0)
                      || (strcmp(cc, "AU") == 0 && strcmp(cc6, "NL") == 0));
        if (!ok) {
            atomic_fetch_add(&s->bad, 1);
        }
        geo_db_release(db);
        n++;
    }
    atomic_fetch_add(&s->lookups, n);
    return NULL;
}

static void concurrent_readers_and_reload(void **state)
{
    (void)state;
    enum { READERS = 4, SWAPS = 200 };
    struct slot s;
    pthread_t th[READERS];

    assert_int_equal(pthread_mutex_init(&s.lock, NULL), 0);
    s.cur = open_ok("swap_a.mmdb");
    atomic_init(&s.stop, false);
    atomic_init(&s.lookups, 0);
    atomic_init(&s.bad, 0);
    for (int i = 0; i < READERS; i++) {
        assert_int_equal(pthread_create(&th[i], NULL, reader_main, &s), 0);
    }
    for (int i = 0; i < SWAPS; i++) {
        struct geo_db *next = open_ok(i % 2 ? "swap_a.mmdb" : "swap_b.mmdb");
        pthread_mutex_lock(&s.lock);
        struct geo_db *old = s.cur;
        s.cur = next;
        pthread_mutex_unlock(&s.lock);
        geo_db_release(old); /* readers may still hold it */
    }
    atomic_store(&s.stop, true);
    for (int i = 0; i < READERS; i++) {
        assert_int_equal(pthread_join(th[i], NULL), 0);
    }
    assert_int_equal(atomic_load(&s.bad), 0);
    assert_true(atomic_load(&s.lookups) >= READERS * 1000u);
    geo_db_close(s.cur);
    pthread_mutex_destroy(&s.lock);
}

/* ---- country codes and the allow set ------------------------------------- */

static void cc_parse_table(void **state)
{
    (void)state;
    static const struct {
        const char *in;
        const char *want; /* NULL: refused */
    } cases[] = {
        { "CN", "CN" },  { "cn", "CN" }, { "eU", "EU" },  { "zz", "ZZ" },
        { "", NULL },    { "C", NULL },  { "CNN", NULL }, { " CN", NULL },
        { "CN ", NULL }, { "C1", NULL }, { "1C", NULL },  { "C-", NULL },
        { "@[", NULL },  { "`{", NULL },
    };
    for (size_t i = 0; i < SW_ARRAY_LEN(cases); i++) {
        char out[GEO_CC_CAP] = "??";
        int rc = geo_cc_parse(sv_cstr(cases[i].in), out);
        if (cases[i].want) {
            assert_int_equal(rc, 0);
            assert_string_equal(out, cases[i].want);
        } else {
            if (rc != -EINVAL) {
                print_error("'%s' accepted\n", cases[i].in);
            }
            assert_int_equal(rc, -EINVAL);
            assert_string_equal(out, "");
        }
    }
}

/* Every two-byte input, including NUL and high bytes: exactly the 676
 * letter pairs parse, and parse, add and has agree on them. */
static void cc_parse_exhaustive(void **state)
{
    (void)state;
    struct geo_allow set;
    size_t accepted = 0;

    geo_allow_init(&set);
    for (unsigned x = 0; x < 256; x++) {
        for (unsigned y = 0; y < 256; y++) {
            char in[3] = { (char)x, (char)y, '\0' };
            char out[GEO_CC_CAP];
            bool letters = ((x | 0x20) >= 'a' && (x | 0x20) <= 'z')
                           && ((y | 0x20) >= 'a' && (y | 0x20) <= 'z');
            int rc = geo_cc_parse(sv_make(in, 2), out);
            assert_int_equal(rc, letters ? 0 : -EINVAL);
            if (x != 0 && y != 0) {
                assert_int_equal(geo_allow_add(&set, in),
                                 letters ? 0 : -EINVAL);
            }
            if (rc == 0) {
                accepted++;
                assert_true(geo_allow_has(&set, out));
                assert_true(geo_allow_has(&set, in));
            }
        }
    }
    assert_int_equal(accepted, 26 * 26 * 4);
    assert_int_equal(geo_allow_count(&set), 26 * 26);
}

static void allow_set(void **state)
{
    (void)state;
    struct geo_allow set;
    struct geo_allow zeroed = { { 0 } };

    geo_allow_init(&set);
    assert_int_equal(geo_allow_count(&set), 0);
    assert_int_equal(geo_allow_count(&zeroed), 0);
    assert_false(geo_allow_has(&set, "CN"));

    assert_int_equal(geo_allow_add(&set, "cn"), 0);
    assert_int_equal(geo_allow_add(&set, "CN"), 0); /* twice: one entry */
    assert_int_equal(geo_allow_add(&set, "AA"), 0); /* bit 0 */
    assert_int_equal(geo_allow_add(&set, "ZZ"), 0); /* bit 675 */
    assert_int_equal(geo_allow_count(&set), 3);
    assert_true(geo_allow_has(&set, "CN"));
    assert_true(geo_allow_has(&set, "cn"));
    assert_true(geo_allow_has(&set, "AA"));
    assert_true(geo_allow_has(&set, "zz"));
    assert_false(geo_allow_has(&set, "CO"));
    assert_false(geo_allow_has(&set, "AB"));
    assert_false(geo_allow_has(&set, "ZY"));
    assert_false(geo_allow_has(&set, "BN")); /* neighbours of CN differ */

    /* Malformed codes: refused, set unchanged, never found. */
    static const char *const bad[] = {
        "", "C", "CNN", "C1", "c ", "\xc3\x89U"
    };
    for (size_t i = 0; i < SW_ARRAY_LEN(bad); i++) {
        assert_int_equal(geo_allow_add(&set, bad[i]), -EINVAL);
        assert_false(geo_allow_has(&set, bad[i]));
    }
    assert_int_equal(geo_allow_add(&set, NULL), -EINVAL);
    assert_false(geo_allow_has(&set, NULL));
    assert_int_equal(geo_allow_count(&set), 3);

    geo_allow_init(&set);
    assert_int_equal(geo_allow_count(&set), 0);
    assert_false(geo_allow_has(&set, "CN"));
}

/* The pipeline's check end to end: database code -> set. */
static void allow_with_lookup(void **state)
{
    (void)state;
    struct geo_db *db = open_ok("main.mmdb");
    struct geo_allow set;
    struct net_addr a = addr_of("[2001:db8::7]:5060");
    char cc[3];

    geo_allow_init(&set);
    assert_int_equal(geo_allow_add(&set, "fr"), 0);
    assert_int_equal(geo_db_country(db, &a, cc), 0);
    assert_true(geo_allow_has(&set, cc));
    a = addr_of("127.0.0.2");
    assert_int_equal(geo_db_country(db, &a, cc), 0);
    assert_false(geo_allow_has(&set, cc));
    geo_db_close(db);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(lookup_ipv4),
        cmocka_unit_test(lookup_ipv6),
        cmocka_unit_test(lookup_mapped),
        cmocka_unit_test(lookup_unknown),
        cmocka_unit_test(lookup_registered_country),
        cmocka_unit_test(lookup_ipv4_only_database),
        cmocka_unit_test(lookup_unset_address),
        cmocka_unit_test(open_not_mmdb),
        cmocka_unit_test(open_missing_and_empty_path),
        cmocka_unit_test(open_no_country_data),
        cmocka_unit_test(open_accepts_city_and_registered_only),
        cmocka_unit_test(refcount_hold_release),
        cmocka_unit_test(concurrent_readers_and_reload),
        cmocka_unit_test(cc_parse_table),
        cmocka_unit_test(cc_parse_exhaustive),
        cmocka_unit_test(allow_set),
        cmocka_unit_test(allow_with_lookup),
    };
    return cmocka_run_group_tests(tests, setup_all, teardown_all);
}
