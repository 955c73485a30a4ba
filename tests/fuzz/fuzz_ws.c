// fuzz-link: sw_net
/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The WebSocket code we own (net/ws.c) on arbitrary bytes: the first byte
 * picks the opening handshake (with or without an Origin list) or the
 * frame decoder over the rest. The decoder must never report more bytes
 * used than it was given, and views it returns stay inside its input or
 * its reassembly buffer.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "net/ws.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_handshake(const char *p, size_t n, struct sv origins)
{
    char resp[WS_HS_RESP_CAP];
    size_t rl = 0;
    size_t used = 0;
    const char *why = NULL;
    int rc = ws_handshake(p, n, origins, resp, sizeof(resp), &rl, &used, &why);
    if ((rc == 0 && (used == 0 || used > n || rl == 0 || why))
        || (rc < 0 && (rl == 0 || !why)) || (rc == 1 && rl != 0)
        || rl >= sizeof(resp)) {
        abort();
    }
}

static void fuzz_frames(const uint8_t *data, size_t size)
{
    char *p = malloc(size ? size : 1);
    struct ws_dec d;
    if (!p) {
        return;
    }
    memcpy(p, data, size);
    ws_dec_init(&d, 4096);
    size_t off = 0;
    while (off <= size) {
        struct ws_ev ev;
        size_t used = 0;
        ws_dec_next(&d, p + off, size - off, &used, &ev);
        if (used > size - off) {
            abort();
        }
        if (ev.type == WS_EV_MESSAGE && ev.len > 4096) {
            abort();
        }
        if (ev.len > 0) {
            /* Touch the view: ASan catches anything out of bounds. */
            volatile char c = ev.data[0];
            c = ev.data[ev.len - 1];
            (void)c;
        }
        off += used;
        if (ev.type == WS_EV_ERROR || ev.type == WS_EV_CLOSE
            || (ev.type == WS_EV_NEED && used == 0)) {
            break;
        }
    }
    ws_dec_fini(&d);
    free(p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0) {
        return 0;
    }
    const char *rest = (const char *)data + 1;
    switch (data[0] % 3) {
    case 0:
        fuzz_handshake(rest, size - 1, SV_LIT(""));
        break;
    case 1:
        fuzz_handshake(rest, size - 1,
                       SV_LIT("https://a.example, https://b.example"));
        break;
    default:
        fuzz_frames(data + 1, size - 1);
        break;
    }
    return 0;
}
