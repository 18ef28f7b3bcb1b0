// SPDX-License-Identifier: GPL-2.0
/*
 * x0ttactl identity revoke SERIAL | --cert FILE [--reason TEXT]
 * x0ttactl identity revoked
 *
 * Revocation through x0ttad: the serial goes into the raft log, and every
 * node refuses the certificate from the moment it applies the entry,
 * closing the connections it had made with it. Any node takes the
 * request (a follower hands it to the leader), which is answered once the
 * entry is committed. `revoked` lists the serials the answering node has
 * applied, that is the ones it refuses.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "identity/svid.h"
#include "x0ttactl/commands.h"
#include "x0ttactl/ctl.h"

#define REVOKE_USAGE \
	"[-j] [-s SOCKET] identity revoke SERIAL | --cert FILE [--reason TEXT]\n" \
	"       identity revoked\n" \
	"SERIAL is hex, as `x0ttactl ca inspect` prints it; --cert reads it from a certificate"

#define NCOLS(c) (sizeof(c) / sizeof((c)[0]))

/* The leaf serial of a PEM certificate file, for --cert. */
static int revoke_cert_serial(const char *path, char serial[IDN_SERIAL_HEX_MAX])
{
	struct idn_chain chain = { 0 };
	struct idn_status st;
	int ret = 0;

	if (idn_chain_load(&chain, path, &st) ||
	    idn_crt_serial_hex(chain.crt[0], serial, &st)) {
		ctl_err("identity revoke: %s", st.detail);
		ret = -EINVAL;
	}
	idn_chain_free(&chain);
	return ret;
}

static int revoke_send(const char *serial, const char *reason)
{
	char buf[256];
	struct ctl_xd c;
	struct xd_msg req;
	int ret;

	xd_msg_init(&req, buf, sizeof(buf), XD_CMD_IDENTITY_REVOKE, 0);
	xd_msg_put_str(&req, XD_A_SERIAL, serial);
	if (reason)
		xd_msg_put_str(&req, XD_A_REASON, reason);
	if (req.overflow) {
		ctl_err("identity revoke: serial or reason too long");
		return -EMSGSIZE;
	}
	ret = ctl_xd_open(&c);
	if (ret)
		return ret;
	ret = ctl_xd_call(&c, "identity revoke", &req);
	ctl_xd_close(&c);
	return ret;
}

static int identity_revoke(int argc, char *argv[])
{
	static const struct option opts[] = {
		{ "cert", required_argument, NULL, 'c' },
		{ "reason", required_argument, NULL, 'r' },
		{ NULL, 0, NULL, 0 },
	};
	const char *cert = NULL, *reason = NULL, *serial;
	char from_cert[IDN_SERIAL_HEX_MAX];
	int opt;

	optind = 0;
	while ((opt = getopt_long(argc, argv, "c:r:", opts, NULL)) != -1) {
		switch (opt) {
		case 'c':
			cert = optarg;
			break;
		case 'r':
			reason = optarg;
			break;
		default:
			return ctl_usage(REVOKE_USAGE,
					 "identity revoke: bad option %s",
					 argv[optind - 1]);
		}
	}
	if (!!cert + (argc - optind) != 1)
		return ctl_usage(REVOKE_USAGE, "identity revoke takes one "
				 "SERIAL or --cert FILE");
	if (reason && strlen(reason) > XD_REASON_MAX)
		return ctl_usage(REVOKE_USAGE, "--reason: at most %u bytes",
				 XD_REASON_MAX);
	serial = cert ? from_cert : argv[optind];
	/* The daemon checks the serial itself and names what is wrong. */
	if (cert && revoke_cert_serial(cert, from_cert))
		return CTL_EXIT_FAIL;
	return revoke_send(serial, reason) ? CTL_EXIT_FAIL : CTL_EXIT_OK;
}

static int identity_revoked(void)
{
	static const struct out_col rec_cols[] = {
		{ "node_id", OUT_U64, XD_A_NODE_ID },
		{ "applied", OUT_U64, XD_A_APPLIED },
	};
	static const struct out_col row_cols[] = {
		{ "serial", OUT_STR, XD_REV_A_SERIAL },
		{ "reason", OUT_STR, XD_REV_A_REASON },
	};
	static const struct ctl_xd_view v = {
		rec_cols, NCOLS(rec_cols), "node",
		row_cols, NCOLS(row_cols), "revoked",
		XD_A_REVOCATION, XD_REV_A_MAX,
	};
	struct ctl_xd c;
	int ret;

	if (ctl_xd_open(&c))
		return CTL_EXIT_FAIL;
	ret = ctl_xd_view_call(&c, XD_CMD_IDENTITY_REVOKED, &v);
	ctl_xd_close(&c);
	return ret ? CTL_EXIT_FAIL : CTL_EXIT_OK;
}

int identity_revoke_main(int argc, char *argv[])
{
	if (argc == 2 && ctl_is_help(argv[1])) {
		printf("Usage: x0ttactl %s\n", REVOKE_USAGE);
		return CTL_EXIT_OK;
	}
	if (strcmp(argv[0], "revoked") == 0) {
		if (argc != 1)
			return ctl_usage(REVOKE_USAGE,
					 "identity revoked takes no argument");
		return identity_revoked();
	}
	return identity_revoke(argc, argv);
}
