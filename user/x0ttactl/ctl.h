/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _X0TTA_CTL_H
#define _X0TTA_CTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <linux/x0tta.h>

#include "lib/genl.h"
#include "lib/output.h"

/* Exit statuses of x0ttactl and of every <cmd>_main(). */
enum {
	CTL_EXIT_OK = 0,
	CTL_EXIT_FAIL = 1,	/* the command could not be carried out */
	CTL_EXIT_USAGE = 2,	/* the command line is wrong */
};

/* How to print, chosen once in main() from -j and the terminal. */
extern struct out_opts ctl_out;

/* A connection to the x0tta family in the caller's network namespace. */
struct ctl {
	struct genl_sock gs;
	struct genl_family fam;
};

/* Print "x0ttactl: <message>" on stderr. */
void ctl_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * Print a usage error ("x0ttactl: <message>" and "Usage: x0ttactl
 * <usage>") and return CTL_EXIT_USAGE, for `return ctl_usage(...)`.
 */
int ctl_usage(const char *usage, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * For commands that take no arguments besides -h/--help: returns -1 to
 * go on, or the exit status to return right away.
 */
int ctl_no_args(int argc, char *argv[], const char *usage);

/* True for -h and --help. */
bool ctl_is_help(const char *arg);

/*
 * Open a socket and find the family "x0tta". On failure, says why on
 * stderr (naming the module when it is not loaded) and returns -errno.
 */
int ctl_open(struct ctl *c);
void ctl_close(struct ctl *c);

/* Start a request of family x0tta (see genl_msg_start()). */
struct nlmsghdr *ctl_msg(struct ctl *c, uint8_t cmd, uint16_t flags);

/*
 * Send it, run @cb per reply, and on failure print the kernel's reason
 * ("echo_interval_ms: integer out of range (10..10000)"), or "<what>:
 * <strerror>" when it gave none. Returns 0 or -errno.
 */
int ctl_request(struct ctl *c, const char *what, genl_cb_t cb, void *data);

/*
 * The message ctl_request() prints for @err, without the program name.
 * Exposed for tests.
 */
void ctl_format_error(char *buf, size_t len, const char *what,
		      const struct genl_err *err);

/* The name people know an attribute path of family x0tta by, or NULL. */
const char *ctl_attr_name(const uint16_t *path, unsigned int depth);

/*
 * Fill the cells of row @row whose column has an attribute (out_col.attr)
 * from @tb, indexed by attribute type up to @maxtype. OUT_U64 takes
 * u8/u16/u32/u64, OUT_BOOL a u8, OUT_STR a NUL-terminated string; an
 * absent attribute leaves its cell unset. -EBADMSG if one is malformed.
 */
int ctl_fill_row(struct out_table *t, size_t row, const struct nlattr **tb,
		 unsigned int maxtype);

/* ---- arguments and addresses ------------------------------------------- */

#define CTL_MAC_LEN	6
/* "aa:bb:cc:dd:ee:ff" and its NUL. */
#define CTL_MAC_STRLEN	18
/* An interface name, or "if<index>" for one this namespace lacks. */
#define CTL_IFNAME_LEN	16

/*
 * Unsigned decimal digits only, at most @max: no sign, blanks, hex or
 * trailing characters (strtoul() takes all of those). 0, -EINVAL (not a
 * number) or -ERANGE (above @max).
 */
int ctl_parse_uint(const char *s, uint64_t max, uint64_t *v);

/*
 * Exactly six pairs of hex digits separated by ':' (either case). Syntax
 * only: whether the address may be used (unicast, not zero) is the
 * kernel's to say. 0 or -EINVAL.
 */
int ctl_mac_parse(const char *s, uint8_t mac[CTL_MAC_LEN]);
/* Lower case, as ip and batctl print addresses. */
void ctl_mac_format(const uint8_t mac[CTL_MAC_LEN], char buf[CTL_MAC_STRLEN]);

/*
 * The name of interface @ifindex in this namespace, or "if<ifindex>"
 * when there is none (it left, or lives in another namespace), as ip
 * prints an unknown peer index.
 */
void ctl_ifname(uint32_t ifindex, char buf[CTL_IFNAME_LEN]);

/*
 * Copy a binary attribute of exactly CTL_MAC_LEN bytes into @mac.
 * -EBADMSG for any other length.
 */
int ctl_mac_attr(const struct nlattr *a, uint8_t mac[CTL_MAC_LEN]);

/* "unknown", "up", "down", or the number of a state this build lacks. */
const char *ctl_neigh_state_name(unsigned int state, char *buf, size_t len);

/* ---- config (config.c) ------------------------------------------------- */

/*
 * The configuration keys, their types and attributes: the names that
 * `x0ttactl config` prints, that `config set` takes and that errors use.
 */
extern const struct out_col ctl_config_cols[];
extern const size_t ctl_config_ncols;

struct ctl_config_set {
	unsigned int n;
	struct {
		const struct out_col *key;
		uint32_t value;
	} items[8];
};

/*
 * Parse "KEY VALUE [KEY VALUE...]" into @set. Only syntax is checked
 * here (known key, given once, a number that fits in u32, on/off/1/0
 * for multipath); ranges are the kernel's to check, so that its message
 * is the one shown. On error, @msg says what is wrong; @set is unusable.
 */
int ctl_config_parse(int argc, char *argv[], struct ctl_config_set *set,
		     char *msg, size_t len);

/* Add the X0TTA_A_CONFIG nest of a SET_CONFIG request for @set. */
void ctl_config_put(struct nlmsghdr *nlh, const struct ctl_config_set *set);

/* ---- counters (counters.c) --------------------------------------------- */

/* Counters of one stats nest, by direction and batman-adv packet type. */
struct ctl_counters {
	uint64_t frames[2][256];
	uint64_t bytes[2][256];
	bool seen[256];
	bool has_ifaces;
	uint32_t ifaces;
	/*
	 * Namespace totals of the datapath (X0TTA_STATS_A_REROUTED ...
	 * _QUARANTINE_DROPPED), by attribute type; only those the module
	 * sent are printed.
	 */
	bool has_ns[X0TTA_STATS_A_MAX + 1];
	uint64_t ns[X0TTA_STATS_A_MAX + 1];
};

/* Name of a batman-adv packet type: "iv_ogm", ..., "other", or "0x%02x". */
const char *ctl_ptype_name(unsigned int ptype, char *buf, size_t len);

/* Add the counters of an X0TTA_*_A_STATS nest to @c. 0 or -EBADMSG. */
int ctl_counters_parse(const struct nlattr *stats, struct ctl_counters *c);

/*
 * One row per packet type batman-adv 2022.3 defines (zeros included:
 * the kernel only sends non-zero counters) and per other type seen:
 * type, rx_frames, rx_bytes, tx_frames, tx_bytes.
 */
int ctl_counters_table(const struct ctl_counters *c, struct out_table *t);

/* Frames and bytes over every packet type, by direction. */
void ctl_counters_sum(const struct ctl_counters *c, uint64_t frames[2],
		      uint64_t bytes[2]);

/*
 * Text: "ifname NAME" (if @ifname) or "interfaces N" (if the nest had
 * it) and the namespace totals the nest had ("rerouted N", ...), a blank
 * line, then the table. JSON: {"ifname":NAME or "interfaces":N,
 * "counters":[rows], "rerouted":N, ...}. 0 or -errno.
 */
int ctl_counters_print(const struct ctl_counters *c, const char *ifname,
		       FILE *f, const struct out_opts *o);

/* ---- path (path.c) ------------------------------------------------------ */

/*
 * Next hops `path add` takes. More than the module's X0TTA_PATH_MAX_HOPS,
 * so that the module, not x0ttactl, refuses a fourth one with its own
 * message, as it does every other semantic mistake.
 */
#define CTL_PATH_ARG_HOPS	8

struct ctl_path_req {
	uint8_t orig[CTL_MAC_LEN];
	unsigned int nhops;	/* 0 for `path del` */
	struct {
		uint32_t ifindex;
		uint8_t neigh[CTL_MAC_LEN];
		uint8_t weight;
	} hops[CTL_PATH_ARG_HOPS];
};

/*
 * Parse the arguments after `path add` (ORIG via IFNAME NEIGH_MAC
 * [weight W] [via ...]) or after `path del` (ORIG). Checks syntax and
 * resolves interface names in this namespace; on error @msg says what is
 * wrong and @req is unusable.
 */
int ctl_path_parse_add(int argc, char *argv[], struct ctl_path_req *req,
		       char *msg, size_t len);
int ctl_path_parse_del(int argc, char *argv[], struct ctl_path_req *req,
		       char *msg, size_t len);

/* The X0TTA_A_PATH nest of a SET_PATH (or, without hops, DEL_PATH). */
void ctl_path_put(struct nlmsghdr *nlh, const struct ctl_path_req *req);

/*
 * A GET_PATH dump: one destination row (orig, frames, bytes) per
 * message, each with a table of its next hops (ifname, neigh, weight,
 * state, frames, bytes).
 */
struct ctl_path_show {
	struct out_table dests;
	struct out_table *hops;	/* dests.nrows of them */
	size_t cap;
};

void ctl_path_show_init(struct ctl_path_show *ps);
void ctl_path_show_free(struct ctl_path_show *ps);
/* genl_cb_t for one dump message. 0, -EBADMSG or -ENOMEM. */
int ctl_path_show_add(const struct nlmsghdr *nlh, void *ps);
/*
 * Text: one row per next hop, ORIG first. JSON: an array with one object
 * per destination: orig, frames, bytes and "hops", its next hops.
 */
int ctl_path_show_print(const struct ctl_path_show *ps, FILE *f,
			const struct out_opts *o);

/* ---- neighbours (neighbours.c) ------------------------------------------ */

/*
 * ifname, addr, state, rtt_last_us, rtt_smooth_us, echo_sent,
 * echo_received, changes: the columns of `neighbours`.
 */
extern const struct out_col ctl_neigh_cols[];
extern const size_t ctl_neigh_ncols;

/* genl_cb_t: one GET_NEIGH dump message as a row of @table. */
int ctl_neigh_add(const struct nlmsghdr *nlh, void *table);

/* ---- quarantine (quarantine.c) ------------------------------------------- */

/* addr, dropped: the columns of `quarantine show`. */
extern const struct out_col ctl_quarantine_cols[];
extern const size_t ctl_quarantine_ncols;

/*
 * Parse the arguments after `quarantine`: add MAC, del MAC, show or
 * nothing. Sets @cmd to X0TTA_CMD_ADD_QUARANTINE, _DEL_ or _GET_ and
 * @addr for the first two. On error @msg says why.
 */
int ctl_quarantine_parse(int argc, char *argv[], uint8_t *cmd,
			 uint8_t addr[CTL_MAC_LEN], char *msg, size_t len);
/* The X0TTA_A_QUARANTINE nest of an ADD_ or DEL_QUARANTINE. */
void ctl_quarantine_put(struct nlmsghdr *nlh,
			const uint8_t addr[CTL_MAC_LEN]);
/* genl_cb_t: one GET_QUARANTINE dump message as a row of @table. */
int ctl_quarantine_add(const struct nlmsghdr *nlh, void *table);

/* ---- monitor (monitor.c) ------------------------------------------------- */

/*
 * Parse the arguments after `monitor`: nothing (@count 0: forever) or
 * "count N" with N >= 1.
 */
int ctl_monitor_parse(int argc, char *argv[], uint64_t *count, char *msg,
		      size_t len);

/*
 * Print one notification of family @family as a line: "neigh IFNAME MAC
 * up|down" or "route-needed ORIG", or one JSON object per line, and
 * flush it. Returns 1 if printed, 0 if it is not an x0tta event this
 * build knows (skipped), -EBADMSG or -EIO.
 */
int ctl_monitor_print(const struct nlmsghdr *nlh, uint16_t family, FILE *f,
		      const struct out_opts *o);

/* ---- x0ttad's control socket (xdclient.c) -------------------------------- */

#include "x0ttad/ctlmsg.h"

#define CTL_SOCKET_DEFAULT	"/run/x0tta/x0ttad.sock"

/* -s SOCKET, if given; see ctl_socket_path(). */
extern const char *ctl_socket;

/* -s SOCKET, else $X0TTA_SOCKET, else CTL_SOCKET_DEFAULT. */
const char *ctl_socket_path(void);

/* A connection to x0ttad and its last reply. */
struct ctl_xd {
	int fd;
	uint8_t *buf;		/* XD_REPLY_MAX bytes */
	size_t len;
	struct xd_msg_hdr hdr;
	const struct nlattr *tb[XD_A_MAX + 1];
};

/*
 * Connect to the daemon; says why on stderr when it cannot ("x0ttad is
 * not running ...") and returns -errno.
 */
int ctl_xd_open(struct ctl_xd *c);
void ctl_xd_close(struct ctl_xd *c);

/*
 * Send @req and wait for its reply in c->tb. A refusal is printed as
 * "x0ttactl: WHAT: <the daemon's sentence>" and returned as -errno;
 * "no leader yet" (-EAGAIN) is retried for a few seconds first.
 */
int ctl_xd_call(struct ctl_xd *c, const char *what, const struct xd_msg *req);

/* A binary attribute (key, value) as a string cell. */
int ctl_xd_set_bin(struct out_table *t, size_t row, size_t col,
		   const struct nlattr *a);
/* A binary attribute and a newline, as is. 0 or -EIO. */
int ctl_xd_print_value(const struct nlattr *a, FILE *f);

/* Each row's extra cells, for what a column's attribute cannot say. */
typedef int (*ctl_xd_fill_fn)(struct out_table *t, size_t row,
			      const struct nlattr **tb);
/*
 * One row of @t per nest of type @type in the reply, its cells from the
 * columns' attributes (nest attributes 1..@maxtype), then @fill if any.
 * -EBADMSG for a malformed nest.
 */
int ctl_xd_rows(const struct ctl_xd *c, uint16_t type, struct out_table *t,
		unsigned int maxtype, ctl_xd_fill_fn fill);

/*
 * A reply that is one record (its top-level attributes) and a table (its
 * @row_type nests): `raft status`, `raft members`, `crdt status`.
 */
struct ctl_xd_view {
	const struct out_col *rec_cols;
	size_t n_rec_cols;
	const char *rec_key;		/* JSON member of the record */
	const struct out_col *row_cols;
	size_t n_row_cols;
	const char *rows_key;		/* JSON member of the table */
	uint16_t row_type;
	unsigned int row_maxtype;
};

/*
 * Print @v from the reply: the record's lines, a blank line and the
 * table; with -j one object {rec_key: {...}, rows_key: [...]}. -errno.
 */
int ctl_xd_show(struct ctl_xd *c, const struct ctl_xd_view *v);
/*
 * Send @cmd, a request without attributes, and print its reply as @v;
 * says why on stderr when it fails. -errno.
 */
int ctl_xd_view_call(struct ctl_xd *c, uint16_t cmd,
		     const struct ctl_xd_view *v);

#endif /* _X0TTA_CTL_H */
