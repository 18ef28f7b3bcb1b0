/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _X0TTA_CTL_H
#define _X0TTA_CTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

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
 * it), a blank line, then the table. JSON: {"ifname":NAME or
 * "interfaces":N, "counters":[rows]}. 0 or -errno.
 */
int ctl_counters_print(const struct ctl_counters *c, const char *ifname,
		       FILE *f, const struct out_opts *o);

#endif /* _X0TTA_CTL_H */
