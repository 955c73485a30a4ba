/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Capability handling with the raw capget/capset syscalls and prctl (no
 * libcap): the daemon drops its firewall privileges once the helper runs,
 * and the helper keeps nothing but CAP_NET_ADMIN. Capabilities are per
 * thread; the callers run these before any other thread exists.
 */
#include "fw/fw.h"
#include "fw/fw_int.h"

#include <errno.h>
#include <linux/capability.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

struct caps {
    struct __user_cap_header_struct hdr;
    struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3];
};

static int caps_get(struct caps *c)
{
    c->hdr.version = _LINUX_CAPABILITY_VERSION_3;
    c->hdr.pid = 0;
    if (syscall(SYS_capget, &c->hdr, c->data) == -1) {
        return -errno;
    }
    return 0;
}

static uint64_t word64(uint32_t lo, uint32_t hi)
{
    return ((uint64_t)hi << 32) | lo;
}

bool fw_cap_effective(int cap)
{
    struct caps c;

    if (cap < 0 || cap > 63 || caps_get(&c) != 0) {
        return false;
    }
    return (word64(c.data[0].effective, c.data[1].effective) >> cap) & 1u;
}

int fw_caps_drop(uint64_t drop)
{
    struct caps c;
    int rc;

    /* Bounding set first: dropping from it needs CAP_SETPCAP, which the
     * capset below may remove. */
    for (int cap = 0; cap < 64; cap++) {
        if (!((drop >> cap) & 1u)) {
            continue;
        }
        rc = prctl(PR_CAPBSET_READ, cap, 0, 0, 0);
        if (rc == -1) {
            break; /* EINVAL: past the kernel's last capability */
        }
        if (rc == 1 && prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) == -1
            && errno != EPERM) {
            return -errno;
        }
    }
    rc = caps_get(&c);
    if (rc != 0) {
        return rc;
    }
    for (int w = 0; w < 2; w++) {
        uint32_t keep = ~(uint32_t)(drop >> (32 * w));
        c.data[w].effective &= keep;
        c.data[w].permitted &= keep;
        c.data[w].inheritable &= keep;
    }
    c.hdr.version = _LINUX_CAPABILITY_VERSION_3;
    c.hdr.pid = 0;
    if (syscall(SYS_capset, &c.hdr, c.data) == -1) {
        return -errno;
    }
    /* Ambient capabilities need permitted+inheritable, so those dropped
     * are gone already; clear the rest too (EINVAL before Linux 4.3). */
    if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) == -1
        && errno != EINVAL) {
        return -errno;
    }
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1) {
        return -errno;
    }
    /* Trust, but verify. */
    rc = caps_get(&c);
    if (rc != 0) {
        return rc;
    }
    if ((word64(c.data[0].permitted, c.data[1].permitted) & drop) != 0
        || (word64(c.data[0].effective, c.data[1].effective) & drop) != 0) {
        return -EPERM;
    }
    return 0;
}

int fw_drop_privileges(void)
{
    uint64_t drop =
        (UINT64_C(1) << CAP_NET_ADMIN) | (UINT64_C(1) << CAP_NET_RAW)
        | (UINT64_C(1) << CAP_SYS_ADMIN) | (UINT64_C(1) << CAP_SYS_MODULE);

    return fw_caps_drop(drop);
}
