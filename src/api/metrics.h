/* SPDX-License-Identifier: Apache-2.0 */
/*
 * GET /metrics: the daemon's counters in the Prometheus text exposition
 * format 0.0.4. The figures come from the main thread ("metrics.show")
 * and the HTTP server; the text is made by a pure function so it can be
 * tested on its own. Access: sources in [metrics] allow without
 * credentials, or a system administrator's API token from anywhere.
 */
#ifndef SW_API_METRICS_H
#define SW_API_METRICS_H

#include <jansson.h>
#include <stddef.h>

#include "base/buf.h"
#include "base/hist.h"
#include "http/http.h"
#include "sec/acl.h"

/* [metrics] allow when the file says nothing. */
#define API_METRICS_ALLOW_DEFAULT "127.0.0.1/32, ::1/128"
/* Most networks [metrics] allow may list. */
#define API_METRICS_NETS_MAX 32

/*
 * Parse a comma-separated list of networks (sec_net_parse() syntax;
 * blanks around items are ignored; an empty list allows no source) into
 * out[0..cap). Returns 0 with *n set, or -EINVAL with the reason in 'err'
 * (err_cap bytes) for a bad item or more than 'cap' items.
 */
int api_metrics_allow_parse(const char *text, struct sec_net *out, size_t cap,
                            size_t *n, char *err, size_t err_cap);

/*
 * Append the exposition text to 'out': every family with # HELP and
 * # TYPE lines, label values escaped (\\, \", \n), histograms as
 * cumulative _bucket lines ending with le="+Inf" equal to _count, then
 * _sum and _count. 'live' is the answer of "metrics.show" (members it
 * lacks are shown as 0 or left out for labelled families), 'hs' the HTTP
 * server's counters and 'http_lat' its handler times (either may be
 * NULL: left out). Returns 0 or the buffer's error (-ENOMEM / -ENOSPC).
 */
int api_metrics_render(const json_t *live, const struct http_stats *hs,
                       const struct hist_snap *http_lat, struct buf *out);

/* Append 'v' with \\, \" and newline escaped as a label value needs. */
int api_metrics_escape_label(struct buf *out, const char *v);

/* Append 'ns' nanoseconds as seconds in plain decimal ("0.00025", "5"). */
int api_metrics_seconds(struct buf *out, uint64_t ns);

#endif
