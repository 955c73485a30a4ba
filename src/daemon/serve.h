/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The daemon's lifecycle: start (data directory, store, certificates,
 * location table, workers, listeners, control socket), run until SIGTERM or
 * SIGINT, stop cleanly (flush registrations, close everything).
 */
#ifndef SW_DAEMON_SERVE_H
#define SW_DAEMON_SERVE_H

struct sw_config;

/* Run the daemon in the foreground. Returns 0 after a clean stop, or a
 * negative errno when it could not start (the reason is logged). */
int sw_serve(const struct sw_config *cfg);

/* `sipwarden wait-ready [--timeout S]`: exit status 0 once the daemon
 * answers on its control socket, 1 on timeout, 2 on usage errors. */
int sw_wait_ready(const struct sw_config *cfg, int argc, char **argv);

/* `sipwarden stats [--json]`: print the running daemon's counters.
 * Returns the process exit status. */
int sw_stats_cmd(const struct sw_config *cfg, int argc, char **argv);

#endif
