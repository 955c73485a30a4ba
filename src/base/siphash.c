/* SPDX-License-Identifier: Apache-2.0 */
/*
 * SipHash-2-4 and key generation. Written from the reference description:
 * 2 compression rounds per 8-byte word, 4 finalization rounds, the length
 * in the last word's top byte.
 */
#include "base/siphash.h"

#include <errno.h>
#include <string.h>
#include <sys/random.h>

static inline uint64_t rotl(uint64_t v, unsigned n)
{
    return (v << n) | (v >> (64 - n));
}

static inline uint64_t load_le64(const unsigned char *p)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < 8; i++) {
        v |= (uint64_t)p[i] << (8 * i);
    }
    return v;
}

struct state {
    uint64_t v0, v1, v2, v3;
};

static inline void sipround(struct state *s)
{
    s->v0 += s->v1;
    s->v1 = rotl(s->v1, 13);
    s->v1 ^= s->v0;
    s->v0 = rotl(s->v0, 32);
    s->v2 += s->v3;
    s->v3 = rotl(s->v3, 16);
    s->v3 ^= s->v2;
    s->v0 += s->v3;
    s->v3 = rotl(s->v3, 21);
    s->v3 ^= s->v0;
    s->v2 += s->v1;
    s->v1 = rotl(s->v1, 17);
    s->v1 ^= s->v2;
    s->v2 = rotl(s->v2, 32);
}

uint64_t siphash_24(const struct siphash_key *key, const void *data, size_t len)
{
    const unsigned char *p = data;
    struct state s = {
        key->k0 ^ 0x736f6d6570736575ULL,
        key->k1 ^ 0x646f72616e646f6dULL,
        key->k0 ^ 0x6c7967656e657261ULL,
        key->k1 ^ 0x7465646279746573ULL,
    };
    size_t full = len - (len % 8);

    for (size_t i = 0; i < full; i += 8) {
        uint64_t m = load_le64(p + i);
        s.v3 ^= m;
        sipround(&s);
        sipround(&s);
        s.v0 ^= m;
    }
    uint64_t b = (uint64_t)len << 56;
    for (size_t i = full; i < len; i++) {
        b |= (uint64_t)p[i] << (8 * (i - full));
    }
    s.v3 ^= b;
    sipround(&s);
    sipround(&s);
    s.v0 ^= b;
    s.v2 ^= 0xff;
    for (unsigned i = 0; i < 4; i++) {
        sipround(&s);
    }
    return s.v0 ^ s.v1 ^ s.v2 ^ s.v3;
}

int siphash_key_random(struct siphash_key *key)
{
    unsigned char raw[16];
    memset(key, 0, sizeof(*key));
    if (getrandom(raw, sizeof(raw), 0) != (ssize_t)sizeof(raw)) {
        return -EIO;
    }
    key->k0 = load_le64(raw);
    key->k1 = load_le64(raw + 8);
    return 0;
}
