/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Static portal files: which request paths may name a file, which content
 * type a file gets, and opening it strictly beneath the portal directory.
 * No directory listings; a directory answers with its index.html or not
 * at all.
 */
#ifndef SW_HTTP_STATIC_H
#define SW_HTTP_STATIC_H

#include <stdint.h>

#include "base/sv.h"

/*
 * Accept a decoded request path as a file name: it starts with '/', has no
 * ".." or "." segment, no segment starting with '.' (hidden files), no
 * empty segment except a trailing '/', no backslash, NUL or control byte,
 * no '%' (a path is decoded once; what is still encoded was encoded twice)
 * and is at most 1024 bytes. Returns 0 or -EINVAL.
 */
int http_static_path_check(struct sv path);

/*
 * Content type for a file name by its extension (case-insensitive):
 * "text/html; charset=utf-8", "application/javascript", ...; unknown
 * extensions get "application/octet-stream". Never NULL.
 */
const char *http_static_mime(struct sv path);

/*
 * Open 'path' (accepted by http_static_path_check) beneath the directory
 * 'dir_fd' without leaving it (no "..", no absolute or escaping symlinks),
 * read-only. A directory is replaced by its "index.html". Only regular
 * files are served. On success *fd_out is an fd the caller closes,
 * *size_out its size in bytes, *mime_out its content type. Returns 0,
 * -EINVAL (path refused), -ENOENT (no such file, or not a regular file) or
 * another negative errno.
 */
int http_static_open(int dir_fd, struct sv path, int *fd_out,
                     uint64_t *size_out, const char **mime_out);

#endif
