/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The flood's SIP requests: a small append-only writer (no printf in the
 * per-packet path) producing well-formed REGISTER, OPTIONS and INVITE
 * requests whose Call-ID, tag, branch and CSeq change with every packet,
 * so a server sees new transactions, never retransmissions.
 */
#include "blaster.h"

#include <string.h>

struct wr {
    char *p;
    size_t len;
    size_t cap;
    bool full; /* something did not fit: the result is unusable */
};

static void put(struct wr *w, const char *s, size_t n)
{
    if (w->full || n > w->cap - w->len) {
        w->full = true;
        return;
    }
    memcpy(w->p + w->len, s, n);
    w->len += n;
}

static void put_s(struct wr *w, const char *s)
{
    put(w, s, strlen(s));
}

static void put_dec(struct wr *w, uint64_t v)
{
    char tmp[20];
    size_t n = 0;
    do {
        tmp[sizeof(tmp) - 1 - n] = (char)('0' + v % 10);
        v /= 10;
        n++;
    } while (v != 0);
    put(w, tmp + sizeof(tmp) - n, n);
}

/* Sixteen lower-case hex digits, fixed width. */
static void put_hex(struct wr *w, uint64_t v)
{
    static const char digits[] = "0123456789abcdef";
    char tmp[16];
    for (int i = 15; i >= 0; i--) {
        tmp[i] = digits[v & 0xf];
        v >>= 4;
    }
    put(w, tmp, sizeof(tmp));
}

/* A bijective 64-bit mix (splitmix64 finaliser): distinct in, distinct out. */
static uint64_t mix(uint64_t x)
{
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ULL;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebULL;
    x ^= x >> 31;
    return x;
}

static void put_host(struct wr *w, const char *host)
{
    bool v6 = strchr(host, ':') != NULL;
    if (v6) {
        put_s(w, "[");
    }
    put_s(w, host);
    if (v6) {
        put_s(w, "]");
    }
}

static const char sdp_fmt_head[] = "v=0\r\n"
                                   "o=- ";

/* The SDP offer of an INVITE, into 'w'; 'seq' makes the session id. */
static void put_sdp(struct wr *w, const char *host, uint64_t seq)
{
    bool v6 = strchr(host, ':') != NULL;
    put(w, sdp_fmt_head, sizeof(sdp_fmt_head) - 1);
    put_dec(w, seq % 1000000000 + 1000);
    put_s(w, " 1 IN ");
    put_s(w, v6 ? "IP6 " : "IP4 ");
    put_s(w, host);
    put_s(w, "\r\ns=-\r\nc=IN ");
    put_s(w, v6 ? "IP6 " : "IP4 ");
    put_s(w, host);
    put_s(w, "\r\nt=0 0\r\nm=audio 40000 RTP/AVP 0 8 101\r\n"
             "a=rtpmap:0 PCMU/8000\r\na=rtpmap:8 PCMA/8000\r\n"
             "a=rtpmap:101 telephone-event/8000\r\na=sendrecv\r\n");
}

size_t blaster_msg_build(char *buf, size_t cap,
                         const struct blaster_msg_cfg *cfg,
                         const char *via_host, uint16_t via_port, uint64_t seq)
{
    struct wr w = { .p = buf, .cap = cap };
    const char *m = cfg->method;
    bool invite = strcmp(m, "INVITE") == 0;
    bool reg = strcmp(m, "REGISTER") == 0;
    uint64_t id = mix(seq ^ cfg->salt);

    /* Request line: REGISTER and OPTIONS address the domain itself. */
    put_s(&w, m);
    put_s(&w, " sip:");
    if (invite) {
        put_s(&w, cfg->target);
        put_s(&w, "@");
    }
    put_s(&w, cfg->domain);
    put_s(&w, " SIP/2.0\r\nVia: SIP/2.0/UDP ");
    put_host(&w, via_host);
    put_s(&w, ":");
    put_dec(&w, via_port);
    put_s(&w, ";branch=z9hG4bK");
    put_hex(&w, id);
    put_s(&w, ";rport\r\nMax-Forwards: 70\r\nFrom: <sip:");
    put_s(&w, cfg->user);
    put_s(&w, "@");
    put_s(&w, cfg->domain);
    put_s(&w, ">;tag=");
    put_hex(&w, mix(id));
    put_s(&w, "\r\nTo: <sip:");
    if (invite || reg) {
        put_s(&w, invite ? cfg->target : cfg->user);
        put_s(&w, "@");
    }
    put_s(&w, cfg->domain);
    put_s(&w, ">\r\nCall-ID: ");
    put_hex(&w, id);
    put_hex(&w, seq);
    put_s(&w, "@blaster\r\nCSeq: ");
    put_dec(&w, seq % 2000000000 + 1);
    put_s(&w, " ");
    put_s(&w, m);
    put_s(&w, "\r\n");
    if (reg || invite) {
        put_s(&w, "Contact: <sip:");
        put_s(&w, cfg->user);
        put_s(&w, "@");
        put_host(&w, via_host);
        put_s(&w, ":");
        put_dec(&w, via_port);
        put_s(&w, ">\r\n");
    }
    if (reg) {
        put_s(&w, "Expires: 3600\r\n");
    }
    if (cfg->ua && cfg->ua[0]) {
        put_s(&w, "User-Agent: ");
        put_s(&w, cfg->ua);
        put_s(&w, "\r\n");
    }
    if (!invite) {
        put_s(&w, "Content-Length: 0\r\n\r\n");
        return w.full ? 0 : w.len;
    }
    char body[1024];
    struct wr b = { .p = body, .cap = sizeof(body) };
    put_sdp(&b, via_host, seq);
    if (b.full) {
        return 0;
    }
    put_s(&w, "Allow: INVITE, ACK, CANCEL, BYE, OPTIONS\r\n"
              "Content-Type: application/sdp\r\nContent-Length: ");
    put_dec(&w, b.len);
    put_s(&w, "\r\n\r\n");
    put(&w, body, b.len);
    if (w.full) {
        return 0;
    }
    return w.len;
}
