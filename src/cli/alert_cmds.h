/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `sipwarden alerts test | status`: a test alert through the running
 * daemon's channels (op alert.test), waiting for its outcome (op
 * alert.status, polled), and the channels' counters.
 */
#ifndef SW_CLI_ALERT_CMDS_H
#define SW_CLI_ALERT_CMDS_H

#include <stdio.h>

struct cli_env;

/*
 * Run argv when argv[0] is "alerts": "alerts test [--json] [--wait S]"
 * (exit 0 when every configured channel delivered it, 1 otherwise or when
 * no answer came within S seconds, default 30) and "alerts status
 * [--json]". Returns the exit code, or -ENOSYS for any other word.
 */
int cli_alert_main(int argc, char **argv, const struct cli_env *env, FILE *out,
                   FILE *err);

#endif
