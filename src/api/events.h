/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The security event log, the dashboard and the exports in the REST API
 * (events.c): their route table for api_fixed_tables[], and the CSV
 * writer the exports share. Never included outside src/api/.
 */
#ifndef SW_API_EVENTS_H
#define SW_API_EVENTS_H

#include <stddef.h>

#include "api/api_int.h"
#include "base/buf.h"

/* GET /security-events, .../export, /audit/export, /dashboard. */
extern const struct api_fixed_route api_event_routes[];
extern const size_t api_event_count;

/*
 * Append 's' (NULL: empty) to 'b' as one CSV field (RFC 4180): a field
 * holding a comma, a double quote, CR or LF, or starting or ending with a
 * blank, is put in double quotes with its quotes doubled; a field starting
 * with '=', '+', '-', '@', a tab or CR first gets a leading ' so a
 * spreadsheet shows it as text instead of running it as a formula. The
 * separators and line ends are the caller's. Errors are b->err's
 * (sticky, as every buf append).
 */
void api_csv_field(struct buf *b, const char *s);

#endif
