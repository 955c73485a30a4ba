/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sw-blaster: command line, safety checks and the JSON summary. Floods a
 * SIP server over UDP (optionally from a spoofed IPv4 range through a raw
 * socket) or, with --sink, measures the raw recvmmsg rate of one thread.
 * It refuses destinations off loopback unless --allow-any, and refuses to
 * run without a bound (--count and/or --duration).
 */
#include "blaster.h"

#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <time.h>

#include "base/sv.h"

volatile sig_atomic_t blaster_stop;

static const char default_ua[] = "Yealink SIP-T46S 66.86.0.15";

double blaster_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

double blaster_wall(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

double blaster_cpu_s(void)
{
    struct rusage ru;
    if (getrusage(RUSAGE_SELF, &ru) == -1) {
        return 0;
    }
    return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6
           + (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

static void usage(FILE *out)
{
    fprintf(out,
            "usage: sw-blaster --dst IP:PORT (--count N | --duration S) "
            "[options]\n"
            "       sw-blaster --sink IP:PORT --duration S [--count N]\n"
            "\n"
            "Flood (UDP, one request per datagram, new Call-ID/branch/CSeq "
            "each):\n"
            "  --dst IP:PORT      destination (127.0.0.0/8 or ::1 unless "
            "--allow-any)\n"
            "  --src IP           bind address (e.g. 127.0.0.2)\n"
            "  --sport PORT       source port (default: ephemeral; 5060 "
            "with --spoof)\n"
            "  --spoof CIDR       raw IPv4 socket, sources over CIDR "
            "(needs CAP_NET_RAW)\n"
            "  --distinct N       cycle over N sources of the --spoof range "
            "(default all)\n"
            "  --method M         REGISTER (default), OPTIONS or INVITE\n"
            "  --ua TEXT          User-Agent (default \"%s\"; \"\" = no "
            "header)\n"
            "  --user U           From user (default 1000)\n"
            "  --target U         INVITE callee (default 100)\n"
            "  --domain D         request-URI host (default: the "
            "destination IP)\n"
            "  --count N          stop after N datagrams\n"
            "  --duration S       stop after S seconds (first bound reached "
            "wins)\n"
            "  --rate PPS         pace to PPS (default 0: as fast as "
            "possible)\n"
            "  --batch N          datagrams per sendmmsg (default 64, max "
            "%d)\n"
            "  --allow-any        allow a destination off loopback\n"
            "Sink:\n"
            "  --sink IP:PORT     count datagrams with recvmmsg on one "
            "thread\n"
            "  --drain MS         sleep MS, let the queue fill, drain it "
            "(only draining\n"
            "                     is timed: the saturated rate even with a "
            "slow sender)\n"
            "Prints one JSON line: sent/received, seconds, pps.\n",
            default_ua, BLASTER_BATCH_MAX);
}

static int parse_num(const char *s, uint64_t max, uint64_t *out)
{
    return sv_to_u64(sv_cstr(s), max, out);
}

static int parse_seconds(const char *s, double *out)
{
    char *end = NULL;
    errno = 0;
    double v = strtod(s, &end);
    if (errno != 0 || end == s || *end != '\0' || !(v > 0) || v > 86400) {
        return -EINVAL;
    }
    *out = v;
    return 0;
}

static int parse_cidr(const char *s, struct blaster_opts *o)
{
    char ip[INET_ADDRSTRLEN];
    const char *slash = strchr(s, '/');
    uint64_t plen = 32;
    size_t n = slash ? (size_t)(slash - s) : strlen(s);
    if (n >= sizeof(ip)) {
        return -EINVAL;
    }
    memcpy(ip, s, n);
    ip[n] = '\0';
    if (slash && parse_num(slash + 1, 32, &plen) != 0) {
        return -EINVAL;
    }
    struct in_addr a;
    if (inet_pton(AF_INET, ip, &a) != 1) {
        return -EINVAL;
    }
    uint32_t mask = plen == 0 ? 0 : 0xffffffffu << (32 - plen);
    o->spoof_base = ntohl(a.s_addr) & mask;
    o->spoof_size = 1ULL << (32 - plen);
    return 0;
}

static bool is_loopback(const struct net_addr *a)
{
    struct net_addr n = *a;
    net_addr_normalize(&n);
    if (net_addr_family(&n) == AF_INET) {
        return (ntohl(n.in4.sin_addr.s_addr) >> 24) == 127;
    }
    return IN6_IS_ADDR_LOOPBACK(&n.in6.sin6_addr);
}

static void on_signal(int sig)
{
    (void)sig;
    blaster_stop = 1;
}

enum {
    OPT_DST = 256,
    OPT_SRC,
    OPT_SPORT,
    OPT_SPOOF,
    OPT_DISTINCT,
    OPT_METHOD,
    OPT_UA,
    OPT_USER,
    OPT_TARGET,
    OPT_DOMAIN,
    OPT_COUNT,
    OPT_DURATION,
    OPT_RATE,
    OPT_BATCH,
    OPT_ALLOW_ANY,
    OPT_SINK,
    OPT_DRAIN,
    OPT_HELP,
};

static const struct option long_opts[] = {
    { "dst", required_argument, NULL, OPT_DST },
    { "src", required_argument, NULL, OPT_SRC },
    { "sport", required_argument, NULL, OPT_SPORT },
    { "spoof", required_argument, NULL, OPT_SPOOF },
    { "distinct", required_argument, NULL, OPT_DISTINCT },
    { "method", required_argument, NULL, OPT_METHOD },
    { "ua", required_argument, NULL, OPT_UA },
    { "user", required_argument, NULL, OPT_USER },
    { "target", required_argument, NULL, OPT_TARGET },
    { "domain", required_argument, NULL, OPT_DOMAIN },
    { "count", required_argument, NULL, OPT_COUNT },
    { "duration", required_argument, NULL, OPT_DURATION },
    { "rate", required_argument, NULL, OPT_RATE },
    { "batch", required_argument, NULL, OPT_BATCH },
    { "allow-any", no_argument, NULL, OPT_ALLOW_ANY },
    { "sink", required_argument, NULL, OPT_SINK },
    { "drain", required_argument, NULL, OPT_DRAIN },
    { "help", no_argument, NULL, OPT_HELP },
    { NULL, 0, NULL, 0 },
};

static int bad(const char *what, const char *val)
{
    fprintf(stderr, "sw-blaster: bad %s '%s' (see --help)\n", what, val);
    return 2;
}

int main(int argc, char **argv)
{
    struct blaster_opts o = { .batch = 64 };
    o.msg = (struct blaster_msg_cfg){
        .method = "REGISTER", .ua = default_ua, .user = "1000", .target = "100"
    };
    const char *dst_txt = NULL, *sink_txt = NULL, *domain = NULL;
    bool allow_any = false, sport_set = false;
    uint64_t v;
    int c;
    while ((c = getopt_long(argc, argv, "", long_opts, NULL)) != -1) {
        switch (c) {
        case OPT_DST:
            dst_txt = optarg;
            if (net_addr_parse(optarg, 0, &o.dst) != 0) {
                return bad("--dst", optarg);
            }
            break;
        case OPT_SINK:
            sink_txt = optarg;
            if (net_addr_parse(optarg, 0, &o.dst) != 0) {
                return bad("--sink", optarg);
            }
            break;
        case OPT_SRC:
            if (net_addr_parse(optarg, 1, &o.src) != 0) {
                return bad("--src", optarg);
            }
            net_addr_set_port(&o.src, 0);
            break;
        case OPT_SPORT:
            if (parse_num(optarg, UINT16_MAX, &v) != 0) {
                return bad("--sport", optarg);
            }
            o.sport = (uint16_t)v;
            sport_set = true;
            break;
        case OPT_SPOOF:
            if (parse_cidr(optarg, &o) != 0) {
                return bad("--spoof", optarg);
            }
            o.spoof = true;
            break;
        case OPT_DISTINCT:
            if (parse_num(optarg, UINT32_MAX, &o.distinct) != 0
                || o.distinct == 0) {
                return bad("--distinct", optarg);
            }
            break;
        case OPT_METHOD:
            if (strcmp(optarg, "REGISTER") != 0
                && strcmp(optarg, "OPTIONS") != 0
                && strcmp(optarg, "INVITE") != 0) {
                return bad("--method", optarg);
            }
            o.msg.method = optarg;
            break;
        case OPT_UA:
            o.msg.ua = optarg;
            break;
        case OPT_USER:
            o.msg.user = optarg;
            break;
        case OPT_TARGET:
            o.msg.target = optarg;
            break;
        case OPT_DOMAIN:
            domain = optarg;
            break;
        case OPT_COUNT:
            if (parse_num(optarg, UINT64_MAX, &o.count) != 0 || o.count == 0) {
                return bad("--count", optarg);
            }
            break;
        case OPT_DURATION:
            if (parse_seconds(optarg, &o.duration_s) != 0) {
                return bad("--duration", optarg);
            }
            break;
        case OPT_RATE:
            if (parse_num(optarg, 100000000, &o.rate_pps) != 0) {
                return bad("--rate", optarg);
            }
            break;
        case OPT_BATCH:
            if (parse_num(optarg, BLASTER_BATCH_MAX, &v) != 0 || v == 0) {
                return bad("--batch", optarg);
            }
            o.batch = (unsigned)v;
            break;
        case OPT_DRAIN:
            if (parse_num(optarg, 10000, &v) != 0 || v == 0) {
                return bad("--drain", optarg);
            }
            o.drain_pause_ms = (unsigned)v;
            break;
        case OPT_ALLOW_ANY:
            allow_any = true;
            break;
        case OPT_HELP:
            usage(stdout);
            return 0;
        default:
            usage(stderr);
            return 2;
        }
    }
    if (optind != argc || (dst_txt == NULL) == (sink_txt == NULL)) {
        fprintf(stderr, "sw-blaster: exactly one of --dst, --sink\n");
        usage(stderr);
        return 2;
    }

    struct sigaction sa = { .sa_handler = on_signal }; /* no SA_RESTART */
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);

    struct blaster_result r;
    int rc;
    if (sink_txt) {
        if (o.duration_s <= 0) {
            fprintf(stderr, "sw-blaster: --sink needs --duration\n");
            return 2;
        }
        rc = blaster_sink_run(&o, &r);
        if (rc != 0) {
            fprintf(stderr, "sw-blaster: sink: %s\n", strerror(-rc));
            return 1;
        }
        printf("{\"mode\":\"%s\",\"received\":%llu,\"bytes\":%llu,"
               "\"seconds\":%.6f,\"pps\":%.0f,\"cpu_s\":%.3f,"
               "\"pps_per_cpu\":%.0f,\"start_unix\":%.6f}\n",
               o.drain_pause_ms ? "sink-drain" : "sink",
               (unsigned long long)r.packets, (unsigned long long)r.bytes,
               r.seconds, r.seconds > 0 ? (double)r.packets / r.seconds : 0,
               r.cpu_s, r.cpu_s > 0 ? (double)r.packets / r.cpu_s : 0,
               r.start_unix);
        return 0;
    }

    if (o.count == 0 && o.duration_s <= 0) {
        fprintf(stderr, "sw-blaster: refusing to run unbounded: give "
                        "--count and/or --duration\n");
        return 2;
    }
    if (!allow_any && !is_loopback(&o.dst)) {
        fprintf(stderr,
                "sw-blaster: %s is not a loopback address; tests "
                "and benchmarks flood loopback or a namespace "
                "(--allow-any to override)\n",
                dst_txt);
        return 2;
    }
    if (o.spoof) {
        if (net_addr_family(&o.dst) != AF_INET) {
            fprintf(stderr, "sw-blaster: --spoof is IPv4 only\n");
            return 2;
        }
        if (o.src.len != 0) {
            fprintf(stderr, "sw-blaster: --src and --spoof exclude each "
                            "other\n");
            return 2;
        }
        if (o.distinct == 0 || o.distinct > o.spoof_size) {
            o.distinct = o.spoof_size;
        }
        if (!sport_set) {
            o.sport = 5060;
        }
    }
    if (o.src.len != 0 && net_addr_family(&o.src) != net_addr_family(&o.dst)) {
        fprintf(stderr, "sw-blaster: --src and --dst differ in family\n");
        return 2;
    }
    char dom[NET_ADDR_FMT_CAP + 2];
    if (!domain) {
        char ip[NET_ADDR_FMT_CAP];
        net_addr_ip_fmt(&o.dst, ip, sizeof(ip));
        bool v6 = strchr(ip, ':') != NULL;
        snprintf(dom, sizeof(dom), "%s%s%s", v6 ? "[" : "", ip, v6 ? "]" : "");
        domain = dom;
    }
    o.msg.domain = domain;
    if (getrandom(&o.msg.salt, sizeof(o.msg.salt), 0) != sizeof(o.msg.salt)) {
        o.msg.salt = (uint64_t)blaster_wall() * 1000003u;
    }

    rc = blaster_flood_run(&o, &r);
    if (rc != 0) {
        fprintf(stderr, "sw-blaster: flood: %s\n", strerror(-rc));
        return 1;
    }
    printf("{\"mode\":\"flood\",\"transport\":\"%s\",\"method\":\"%s\","
           "\"sent\":%llu,\"errors\":%llu,\"bytes\":%llu,\"seconds\":%.6f,"
           "\"pps\":%.0f,\"sources\":%llu,\"cpu_s\":%.3f,"
           "\"start_unix\":%.6f}\n",
           o.spoof ? "raw" : "udp", o.msg.method, (unsigned long long)r.packets,
           (unsigned long long)r.errors, (unsigned long long)r.bytes, r.seconds,
           r.seconds > 0 ? (double)r.packets / r.seconds : 0,
           (unsigned long long)(o.spoof ? o.distinct : 1), r.cpu_s,
           r.start_unix);
    return 0;
}
