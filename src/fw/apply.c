/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The service firewall in the kernel: libnftables in this process (the
 * CLI as root) checks a rendering, saves the table it replaces to a file,
 * loads it in one transaction, and rolls back from the file. What the
 * rules say is render.c's; the ban table and its helper are untouched.
 */
#include "fw/apply.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <nftables/libnftables.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/buf.h"
#include "fw/fw_int.h"
#include "fw/render.h"

/* First line of a save file; the table name follows. */
#define SAVE_MAGIC "# sipwarden-saved table inet "
#define SAVE_NONE  "# previous: none\n"
#define SAVE_TABLE "# previous: table\n"

int fw_nft_local(const char *script, bool check, struct buf *out, char *err,
                 size_t cap)
{
    struct nft_ctx *nft;
    const char *text;
    int nl;
    int rc = 0;

    if (cap > 0) {
        err[0] = '\0';
    }
    if (!fw_cap_effective(CAP_NET_ADMIN)) {
        snprintf(err, cap, "no CAP_NET_ADMIN (not root?)");
        return -EPERM;
    }
    /* libnftables 1.0 exits the process when it can't open its netlink
     * socket; find out first, and say why. */
    nl = fw_nl_open();
    if (nl < 0) {
        snprintf(err, cap, "netfilter netlink socket: %s", strerror(-nl));
        return nl;
    }
    close(nl);
    nft = nft_ctx_new(NFT_CTX_DEFAULT);
    if (nft == NULL) {
        snprintf(err, cap, "libnftables: out of memory");
        return -ENOMEM;
    }
    if (nft_ctx_buffer_output(nft) != 0 || nft_ctx_buffer_error(nft) != 0) {
        nft_ctx_free(nft);
        snprintf(err, cap, "libnftables: out of memory");
        return -ENOMEM;
    }
    nft_ctx_set_dry_run(nft, check);
    if (nft_run_cmd_from_buffer(nft, script) != 0) {
        text = nft_ctx_get_error_buffer(nft);
        text = text != NULL ? text : "";
        fw_err_first_line(text, err, cap);
        rc = -fw_err_from_text(text);
    } else if (out != NULL) {
        text = nft_ctx_get_output_buffer(nft);
        if (text != NULL && buf_append_cstr(out, text) != 0) {
            snprintf(err, cap, "listing too large");
            rc = out->err;
        }
    }
    nft_ctx_free(nft);
    return rc;
}

int fw_nft_check(const char *script, char *err, size_t cap)
{
    return fw_nft_local(script, true, NULL, err, cap);
}

/* Write 'len' bytes to 'path' through a temporary file, mode 0600. */
static int write_atomic(const char *path, const char *data, size_t len)
{
    char tmp[4096];
    int n = snprintf(tmp, sizeof(tmp), "%s.tmp", path);
    int fd;
    int rc = 0;

    if (n < 0 || (size_t)n >= sizeof(tmp)) {
        return -ENAMETOOLONG;
    }
    fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd == -1) {
        return -errno;
    }
    while (len > 0) {
        ssize_t w = write(fd, data, len);
        if (w == -1 && errno == EINTR) {
            continue;
        }
        if (w <= 0) {
            rc = w == -1 ? -errno : -EIO;
            break;
        }
        data += w;
        len -= (size_t)w;
    }
    if (rc == 0 && fsync(fd) == -1) {
        rc = -errno;
    }
    if (close(fd) == -1 && rc == 0) {
        rc = -errno;
    }
    if (rc == 0 && rename(tmp, path) == -1) {
        rc = -errno;
    }
    if (rc != 0) {
        (void)unlink(tmp);
    }
    return rc;
}

int fw_svc_apply(const char *table, const char *script, const char *save_path,
                 bool dry_run, struct fw_apply_info *info, char *err,
                 size_t cap)
{
    char nft[FW_REP_TEXT_CAP];
    char cmd[128];
    struct buf saved;
    bool had;
    int rc;

    if (info != NULL) {
        memset(info, 0, sizeof(*info));
    }
    if (!fw_table_name_ok(table)) {
        snprintf(err, cap, "invalid table name");
        return -EINVAL;
    }
    rc = fw_nft_check(script, nft, sizeof(nft));
    if (rc != 0) {
        snprintf(err, cap, "check: %s", nft);
        return rc;
    }
    if (dry_run) {
        return 0;
    }
    buf_init(&saved, FW_SAVE_MAX);
    buf_printf(&saved, SAVE_MAGIC "%s\n", table);
    snprintf(cmd, sizeof(cmd), "list table inet %s", table);
    /* Listed with counters and element expiries, which nft reads back. */
    {
        struct buf listing;
        buf_init(&listing, FW_SAVE_MAX);
        rc = fw_nft_local(cmd, false, &listing, nft, sizeof(nft));
        had = rc == 0;
        if (rc == 0) {
            buf_append_cstr(&saved, SAVE_TABLE);
            buf_append(&saved, listing.p, listing.len);
        } else if (rc == -ENOENT) {
            buf_append_cstr(&saved, SAVE_NONE);
            rc = 0;
        }
        buf_fini(&listing);
    }
    if (rc != 0) {
        snprintf(err, cap, "save: listing table inet %s: %s", table, nft);
        goto out;
    }
    if (saved.err != 0) {
        rc = saved.err;
        snprintf(err, cap, "save: table inet %s too large to save", table);
        goto out;
    }
    rc = write_atomic(save_path, saved.p, saved.len);
    if (rc != 0) {
        snprintf(err, cap, "save %s: %s", save_path, strerror(-rc));
        goto out;
    }
    rc = fw_nft_local(script, false, NULL, nft, sizeof(nft));
    if (rc != 0) {
        snprintf(err, cap, "load: %s", nft);
        goto out;
    }
    if (info != NULL) {
        info->had_table = had;
        info->saved_bytes = saved.len;
    }
out:
    buf_fini(&saved);
    return rc;
}

static int read_all(const char *path, struct buf *b)
{
    char chunk[65536];
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    ssize_t got;

    if (fd == -1) {
        return -errno;
    }
    do {
        got = read(fd, chunk, sizeof(chunk));
        if (got > 0 && buf_append(b, chunk, (size_t)got) != 0) {
            close(fd);
            return -EFBIG;
        }
    } while (got > 0 || (got == -1 && errno == EINTR));
    close(fd);
    return got == 0 ? 0 : -EIO;
}

/* Empty the grant set 'set' of a restored table and put 'grants' of
 * 'family' in it, when the saved table has that set. */
static void regrant(struct buf *script, const char *body, const char *table,
                    const char *set, int family, const struct fw_grant *g,
                    size_t n)
{
    char decl[64];

    snprintf(decl, sizeof(decl), "\tset %s {\n", set);
    if (strstr(body, decl) == NULL) {
        return;
    }
    buf_printf(script, "flush set inet %s %s\n", table, set);
    for (size_t i = 0; i < n; i++) {
        char net[SEC_NET_FMT_CAP];
        if (g[i].net.family != family) {
            continue;
        }
        buf_printf(script, "add element inet %s %s { %s timeout %us }\n", table,
                   set, sec_net_fmt(&g[i].net, net, sizeof(net)),
                   g[i].timeout_s);
    }
}

int fw_svc_rollback(const char *table, const char *save_path,
                    const struct fw_grant *grants, size_t n_grants,
                    bool *had_table, char *err, size_t cap)
{
    char nft[FW_REP_TEXT_CAP];
    char head[128];
    struct buf file, script;
    const char *body;
    bool had;
    int rc;

    if (!fw_table_name_ok(table) || (n_grants > 0 && grants == NULL)) {
        snprintf(err, cap, "invalid table name or grants");
        return -EINVAL;
    }
    for (size_t i = 0; i < n_grants; i++) {
        if (!sec_net_is_valid(&grants[i].net) || grants[i].timeout_s == 0
            || grants[i].timeout_s > FW_TIMEOUT_MAX_S) {
            snprintf(err, cap, "invalid grant");
            return -EINVAL;
        }
    }
    buf_init(&file, FW_SAVE_MAX);
    buf_init(&script, FW_SAVE_MAX + 256);
    rc = read_all(save_path, &file);
    if (rc == -ENOENT) {
        snprintf(err, cap,
                 "nothing to roll back: no saved ruleset at %s (written by "
                 "sipwarden firewall apply)",
                 save_path);
        goto out;
    }
    if (rc != 0) {
        snprintf(err, cap, "read %s: %s", save_path, strerror(-rc));
        goto out;
    }
    snprintf(head, sizeof(head), SAVE_MAGIC "%s\n", table);
    if (file.len < strlen(head) || memcmp(file.p, head, strlen(head)) != 0) {
        snprintf(err, cap, "%s is not a saved ruleset of table inet %s",
                 save_path, table);
        rc = -EINVAL;
        goto out;
    }
    body = file.p + strlen(head);
    if (strncmp(body, SAVE_NONE, strlen(SAVE_NONE)) == 0) {
        had = false;
    } else if (strncmp(body, SAVE_TABLE, strlen(SAVE_TABLE)) == 0) {
        had = true;
        body += strlen(SAVE_TABLE);
    } else {
        snprintf(err, cap, "%s: unknown save format", save_path);
        rc = -EINVAL;
        goto out;
    }
    /* One transaction: whatever is there goes, the saved table (if any)
     * comes back. */
    buf_printf(&script, "add table inet %s\ndelete table inet %s\n", table,
               table);
    if (had) {
        buf_append_cstr(&script, body);
        regrant(&script, body, table, "ssh_allow4", AF_INET, grants, n_grants);
        regrant(&script, body, table, "ssh_allow6", AF_INET6, grants, n_grants);
    }
    if (script.err != 0) {
        rc = script.err;
        snprintf(err, cap, "out of memory");
        goto out;
    }
    rc = fw_nft_local(script.p, false, NULL, nft, sizeof(nft));
    if (rc != 0) {
        snprintf(err, cap, "restore: %s", nft);
        goto out;
    }
    if (unlink(save_path) == -1) {
        rc = -errno;
        snprintf(err, cap, "restored, but could not remove %s: %s", save_path,
                 strerror(errno));
        goto out;
    }
    if (had_table != NULL) {
        *had_table = had;
    }
out:
    buf_fini(&file);
    buf_fini(&script);
    return rc;
}
