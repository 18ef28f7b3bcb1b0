/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _X0TTA_FILEIO_H
#define _X0TTA_FILEIO_H

#include <stddef.h>
#include <sys/types.h>
#include <sys/uio.h>

/*
 * Durable file writes shared by every part that keeps state on disk
 * (raft segments and snapshots, CRDT snapshots, SVID keys and bundles).
 * All functions return 0 or -errno and work on blocking descriptors.
 */

/*
 * Write all of buf to fd, resuming after short writes and EINTR (a
 * signal handler installed without SA_RESTART interrupts a long write
 * part way). On error some prefix of buf may have been written.
 */
int file_write_all(int fd, const void *buf, size_t len);
/* The same at offset @off (>= 0), with pwrite(): the file offset stays. */
int file_pwrite_all(int fd, const void *buf, size_t len, off_t off);

/* file_replace_at() flags */
enum file_replace_flags {
	/* Skip both fsyncs: atomic against readers, not against power loss. */
	FILE_REPLACE_NOSYNC = 1 << 0,
};

/*
 * Replace the file name in directory dirfd with the concatenation of
 * iov[0..iovcnt), so that a reader, or a restart after a crash or a power
 * loss, finds either the whole old file or the whole new one, never a mix.
 *
 * The bytes go to tmpname in the same directory, created with exactly
 * mode (whatever the umask) before any byte is written, fsynced, renamed
 * over name, and then the directory is fsynced so the rename itself is
 * durable. name and tmpname are plain names (no '/'); dirfd is an open
 * directory, not AT_FDCWD. The caller guarantees that nobody else writes
 * tmpname at the same time: a file already there is taken for the
 * leftover of a writer that crashed and removed. On failure before the
 * rename, name is untouched and tmpname is removed; a failure of the final
 * directory fsync is reported although name already has the new bytes.
 */
int file_replace_at(int dirfd, const char *name, const char *tmpname,
		    const struct iovec *iov, size_t iovcnt, mode_t mode,
		    unsigned int flags);

/*
 * file_replace_at() for one buffer and a path, durable. The temporary
 * file is "<basename>.<pid>.tmp" beside path, so that processes replacing
 * the same path at once do not write into each other's file.
 */
int file_replace(const char *path, const void *data, size_t len, mode_t mode);

#endif /* _X0TTA_FILEIO_H */
