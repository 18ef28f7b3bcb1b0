// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/fileio.h"

/* write() when @off is negative, else pwrite() at @off onwards. */
static int file_write_at(int fd, const void *buf, size_t len, off_t off)
{
	const unsigned char *p = buf;

	while (len) {
		ssize_t n = off < 0 ? write(fd, p, len) : pwrite(fd, p, len, off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		/* Only for len 0, which the loop never asks for: not progress. */
		if (n == 0)
			return -EIO;
		p += n;
		len -= n;
		if (off >= 0)
			off += n;
	}
	return 0;
}

int file_write_all(int fd, const void *buf, size_t len)
{
	return file_write_at(fd, buf, len, -1);
}

int file_pwrite_all(int fd, const void *buf, size_t len, off_t off)
{
	return off < 0 ? -EINVAL : file_write_at(fd, buf, len, off);
}

static int file_write_iov(int fd, const struct iovec *iov, size_t iovcnt)
{
	for (size_t i = 0; i < iovcnt; i++) {
		int err = file_write_all(fd, iov[i].iov_base, iov[i].iov_len);

		if (err)
			return err;
	}
	return 0;
}

/*
 * O_EXCL and O_NOFOLLOW: never write into a file or through a link that
 * someone else put there. The mode is set before the first byte, as the
 * creation mode alone is narrowed by the umask and a key must not be
 * readable by others even for a moment.
 */
static int file_create_tmp(int dirfd, const char *tmpname, mode_t mode)
{
	const int flags = O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC;
	int fd, err;

	fd = openat(dirfd, tmpname, flags, 0600);
	if (fd < 0 && errno == EEXIST) {
		if (unlinkat(dirfd, tmpname, 0) && errno != ENOENT)
			return -errno;
		fd = openat(dirfd, tmpname, flags, 0600);
	}
	if (fd < 0)
		return -errno;
	if (fchmod(fd, mode)) {
		err = -errno;
		close(fd);
		unlinkat(dirfd, tmpname, 0);
		return err;
	}
	return fd;
}

int file_replace_at(int dirfd, const char *name, const char *tmpname,
		    const struct iovec *iov, size_t iovcnt, mode_t mode,
		    unsigned int flags)
{
	bool sync = !(flags & FILE_REPLACE_NOSYNC);
	int fd, err;

	if (flags & ~FILE_REPLACE_NOSYNC)
		return -EINVAL;
	/* A '/' would put the file outside the directory that gets synced. */
	if (!*name || !*tmpname || strchr(name, '/') || strchr(tmpname, '/') ||
	    !strcmp(name, tmpname))
		return -EINVAL;
	fd = file_create_tmp(dirfd, tmpname, mode);
	if (fd < 0)
		return fd;
	err = file_write_iov(fd, iov, iovcnt);
	if (!err && sync && fsync(fd))
		err = -errno;
	if (close(fd) && !err)
		err = -errno;
	/* rename() is atomic: the old file or the new, never half of one. */
	if (!err && renameat(dirfd, tmpname, dirfd, name))
		err = -errno;
	if (err) {
		unlinkat(dirfd, tmpname, 0);
		return err;
	}
	if (sync && fsync(dirfd))
		return -errno;
	return 0;
}

/* Open the directory that holds path; *base points at its last part. */
static int file_open_parent(const char *path, const char **base)
{
	const char *slash = strrchr(path, '/');
	char dir[PATH_MAX];
	int fd;

	if (!slash) {
		*base = path;
		strcpy(dir, ".");
	} else if (slash == path) {
		*base = slash + 1;
		strcpy(dir, "/");
	} else {
		if ((size_t)(slash - path) >= sizeof(dir))
			return -ENAMETOOLONG;
		memcpy(dir, path, slash - path);
		dir[slash - path] = '\0';
		*base = slash + 1;
	}
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

int file_replace(const char *path, const void *data, size_t len, mode_t mode)
{
	struct iovec iov = { .iov_base = (void *)data, .iov_len = len };
	char tmp[NAME_MAX + 1];
	const char *base;
	int dirfd, err;

	dirfd = file_open_parent(path, &base);
	if (dirfd < 0)
		return dirfd;
	err = -ENAMETOOLONG;
	if (snprintf(tmp, sizeof(tmp), "%s.%d.tmp", base, (int)getpid()) >=
	    (int)sizeof(tmp))
		goto cleanup;
	err = file_replace_at(dirfd, base, tmp, &iov, 1, mode, 0);
cleanup:
	close(dirfd);
	return err;
}
