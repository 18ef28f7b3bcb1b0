/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _X0TTA_COMMANDS_H
#define _X0TTA_COMMANDS_H

/*
 * The subcommands of x0ttactl, one file each. A command gets its own
 * argv (argv[0] is its name), prints its output on stdout and its errors
 * on stderr, and returns CTL_EXIT_OK, CTL_EXIT_FAIL or CTL_EXIT_USAGE.
 * To add one: write <cmd>.c with <cmd>_main(), declare it here, and add
 * a line to the table in main.c.
 */
int version_main(int argc, char *argv[]);
int config_main(int argc, char *argv[]);
int interfaces_main(int argc, char *argv[]);
int stats_main(int argc, char *argv[]);
int ca_main(int argc, char *argv[]);
int identity_main(int argc, char *argv[]);
/* identity revoke and identity revoked (argv[0] is which). */
int identity_revoke_main(int argc, char *argv[]);
int telemetry_main(int argc, char *argv[]);
int path_main(int argc, char *argv[]);
int neighbours_main(int argc, char *argv[]);
int quarantine_main(int argc, char *argv[]);
int monitor_main(int argc, char *argv[]);
int raft_main(int argc, char *argv[]);
int crdt_main(int argc, char *argv[]);

#endif /* _X0TTA_COMMANDS_H */
