/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The provisioning commands (prov_cmds.c): `provision enable | rotate |
 * disable | list`, operations of ops/prov.c sent to the daemon or run
 * in-process like the others.
 */
#ifndef SW_CLI_PROV_CMDS_H
#define SW_CLI_PROV_CMDS_H

#include <stdio.h>

struct cli_env;

/*
 * Run argv when argv[0] is "provision" and return the exit code (0 ok, 1
 * failed, 2 usage); else -ENOSYS without output.
 *   provision enable EXT@DOMAIN [--vendor generic|yealink|polycom]
 *                    [--host HOST] [--json]
 *   provision rotate EXT@DOMAIN [--vendor V] [--host HOST] [--json]
 *   provision disable EXT@DOMAIN [--json]
 *   provision list [DOMAIN] [--json]
 * enable and rotate print the directory's URL,
 * https://HOST:PORT/prov/<token>/ (PORT: the portal's; HOST: --host, else
 * this machine's name), and the plain-HTTP one when [provisioning]
 * plain_listen is set. The token is shown only then.
 */
int cli_prov_main(int argc, char **argv, const struct cli_env *env, FILE *out,
                  FILE *err);

#endif
