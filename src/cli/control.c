/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Client side of the daemon's control socket: one JSON request line out,
 * one JSON response line back, under one deadline. The server side (and
 * who may connect) belongs to the daemon.
 */
#include "cli/cli.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "base/buf.h"

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Wait for 'events' on fd until the deadline. 0, -ETIMEDOUT or -errno. */
static int wait_fd(int fd, short events, int64_t deadline)
{
    for (;;) {
        int64_t left = deadline - mono_ms();
        if (left <= 0) {
            return -ETIMEDOUT;
        }
        struct pollfd p = { .fd = fd, .events = events };
        int n = poll(&p, 1, left > INT32_MAX ? INT32_MAX : (int)left);
        if (n == -1) {
            if (errno == EINTR) {
                continue;
            }
            return -errno;
        }
        if (n > 0) {
            return 0;
        }
    }
}

static int send_all(int fd, const char *p, size_t n, int64_t deadline)
{
    while (n > 0) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        if (w == -1) {
            if (errno == EINTR) {
                continue;
            }
            if (errno != EAGAIN && errno != EWOULDBLOCK) {
                return -errno;
            }
            int rc = wait_fd(fd, POLLOUT, deadline);
            if (rc < 0) {
                return rc;
            }
            continue;
        }
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* Read until the first '\n' into 'b' (newline not kept). */
static int recv_line(int fd, struct buf *b, int64_t deadline)
{
    char chunk[4096];
    for (;;) {
        ssize_t r = recv(fd, chunk, sizeof(chunk), 0);
        if (r == -1) {
            if (errno == EINTR) {
                continue;
            }
            if (errno != EAGAIN && errno != EWOULDBLOCK) {
                return -errno;
            }
            int rc = wait_fd(fd, POLLIN, deadline);
            if (rc < 0) {
                return rc;
            }
            continue;
        }
        if (r == 0) {
            return -EPROTO;
        }
        const char *nl = memchr(chunk, '\n', (size_t)r);
        size_t take = nl ? (size_t)(nl - chunk) : (size_t)r;
        if (buf_append(b, chunk, take) < 0) {
            return -EMSGSIZE;
        }
        if (nl) {
            return 0;
        }
    }
}

int cli_control_request(const char *sock_path, const json_t *req, json_t **resp,
                        int timeout_ms)
{
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    struct buf line;
    char *text = NULL;
    int rc;

    *resp = NULL;
    if (!sock_path || strlen(sock_path) >= sizeof(sa.sun_path)) {
        return -ENAMETOOLONG;
    }
    memcpy(sa.sun_path, sock_path, strlen(sock_path) + 1);
    if (timeout_ms <= 0) {
        timeout_ms = CLI_CONTROL_TIMEOUT_MS;
    }
    int64_t deadline = mono_ms() + timeout_ms;

    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd == -1) {
        return -errno;
    }
    buf_init(&line, CLI_CONTROL_MAX_LINE);
    if (connect(fd, (const struct sockaddr *)&sa, sizeof(sa)) == -1) {
        /* A unix stream connect completes or fails at once; EAGAIN means
         * the listen backlog is full: retry until the deadline. */
        rc = -errno;
        while (rc == -EAGAIN && mono_ms() < deadline) {
            struct timespec pause = { 0, 10L * 1000 * 1000 };
            nanosleep(&pause, NULL);
            rc = connect(fd, (const struct sockaddr *)&sa, sizeof(sa)) == -1
                     ? -errno
                     : 0;
        }
        if (rc == -EAGAIN) {
            rc = -ETIMEDOUT;
        }
        if (rc < 0) {
            goto out;
        }
    }
    /* Compact JSON never contains a raw newline: strings escape it. */
    text = json_dumps(req, JSON_COMPACT);
    if (!text) {
        rc = -ENOMEM;
        goto out;
    }
    size_t text_len = strlen(text);
    /* The daemon reads in steps of up to 4 KiB and wants room for a
     * whole step before each read. */
    if (text_len + 1 > CLI_CONTROL_MAX_REQ - 4096) {
        rc = -EMSGSIZE;
        goto out;
    }
    rc = send_all(fd, text, text_len, deadline);
    if (rc == 0) {
        rc = send_all(fd, "\n", 1, deadline);
    }
    if (rc == 0) {
        rc = recv_line(fd, &line, deadline);
    }
    if (rc == 0) {
        json_error_t jerr;
        *resp = json_loadb(line.p ? line.p : "", line.len, 0, &jerr);
        if (!json_is_object(*resp)) {
            json_decref(*resp);
            *resp = NULL;
            rc = -EPROTO;
        }
    }

out:
    /* Requests and responses may carry a SIP password. */
    if (text) {
        explicit_bzero(text, strlen(text));
    }
    free(text);
    if (line.p) {
        explicit_bzero(line.p, line.cap);
    }
    buf_fini(&line);
    close(fd);
    return rc;
}
