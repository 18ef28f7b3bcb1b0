// SPDX-License-Identifier: GPL-2.0
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "lib/crc32c.h"
#include "lib/fileio.h"
#include "lib/prng.h"

#define BIG (1u << 20)

static volatile sig_atomic_t alarms;

static void on_alarm(int sig)
{
	alarms++;
}

/* SIGALRM every 100 us, without SA_RESTART, so blocked writes are cut. */
static void alarm_storm(bool on)
{
	struct itimerval it = {
		.it_interval = { .tv_usec = on ? 100 : 0 },
		.it_value = { .tv_usec = on ? 100 : 0 },
	};
	struct sigaction sa = { .sa_handler = on_alarm };

	if (on)
		sigaction(SIGALRM, &sa, NULL);
	setitimer(ITIMER_REAL, &it, NULL);
}

/* Child: read the pipe slowly, report byte count and CRC32C on @res. */
static void slow_reader(int in, int res)
{
	uint8_t chunk[512];
	uint64_t total = 0;
	uint32_t crc = 0;
	ssize_t n;

	while ((n = read(in, chunk, sizeof(chunk))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			_exit(1);
		crc = crc32c(crc, chunk, n);
		total += n;
		usleep(20);
	}
	if (write(res, &total, sizeof(total)) != sizeof(total) ||
	    write(res, &crc, sizeof(crc)) != sizeof(crc))
		_exit(1);
	_exit(0);
}

static void fill(uint8_t *buf, size_t len, uint64_t seed)
{
	struct prng r;

	prng_seed(&r, seed);
	for (size_t i = 0; i < len; i++)
		buf[i] = prng_next(&r);
}

/*
 * A plain write() of a large buffer into a small pipe while signals
 * arrive comes back short or with EINTR (checked first, so this test
 * can fail); file_write_all() must still deliver every byte, in order.
 */
TEST(write_all_delivers_every_byte_through_short_writes_and_eintr)
{
	int data[2], res[2], status;
	uint8_t *buf = malloc(BIG);
	uint64_t total = 0;
	uint32_t crc = 0;
	ssize_t first;
	size_t done;
	pid_t pid;

	ASSERT_NE(NULL, buf);
	fill(buf, BIG, 7);
	ASSERT_EQ(0, pipe(data));
	ASSERT_EQ(0, pipe(res));
	ASSERT_LE(0, fcntl(data[1], F_SETPIPE_SZ, 4096));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		close(data[1]);
		close(res[0]);
		slow_reader(data[0], res[1]);
	}
	close(data[0]);
	close(res[1]);
	alarm_storm(true);
	first = write(data[1], buf, BIG);
	done = first > 0 ? (size_t)first : 0;
	EXPECT_GT(BIG, done);
	EXPECT_EQ(0, file_write_all(data[1], buf + done, BIG - done));
	alarm_storm(false);
	close(data[1]);
	EXPECT_LT(0, alarms);
	ASSERT_EQ(sizeof(total), read(res[0], &total, sizeof(total)));
	ASSERT_EQ(sizeof(crc), read(res[0], &crc, sizeof(crc)));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(0, status);
	EXPECT_EQ(BIG, total);
	EXPECT_EQ(crc32c(0, buf, BIG), crc);
	free(buf);
}

TEST(write_all_reports_the_error_of_write)
{
	int p[2];

	signal(SIGPIPE, SIG_IGN);
	ASSERT_EQ(0, pipe(p));
	close(p[0]);
	EXPECT_EQ(-EPIPE, file_write_all(p[1], "x", 1));
	close(p[1]);
	EXPECT_EQ(-EBADF, file_write_all(p[1], "x", 1));
}

FIXTURE(dir) {
	char path[64];
	char file[128];
	int dirfd;
};

FIXTURE_SETUP(dir)
{
	snprintf(self->path, sizeof(self->path), "/tmp/x0tta-fileio-XXXXXX");
	ASSERT_NE(NULL, mkdtemp(self->path));
	snprintf(self->file, sizeof(self->file), "%s/state", self->path);
	self->dirfd = open(self->path, O_RDONLY | O_DIRECTORY);
	ASSERT_LE(0, self->dirfd);
}

FIXTURE_TEARDOWN(dir)
{
	DIR *d = fdopendir(self->dirfd);
	struct dirent *de;

	while (d && (de = readdir(d)))
		unlinkat(self->dirfd, de->d_name, 0);
	if (d)
		closedir(d);
	rmdir(self->path);
}

/* Names in the directory other than "." and "..", joined by spaces. */
static void list_dir(const char *path, char *out, size_t size)
{
	struct dirent **names;
	int n = scandir(path, &names, NULL, alphasort);
	size_t used = 0;

	out[0] = '\0';
	for (int i = 0; i < n; i++) {
		if (names[i]->d_name[0] != '.' && used < size)
			used += snprintf(out + used, size - used, "%s%s",
					 used ? " " : "", names[i]->d_name);
		free(names[i]);
	}
	free(names);
}

static size_t read_path(const char *path, uint8_t *buf, size_t size)
{
	int fd = open(path, O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return (size_t)-1;
	n = read(fd, buf, size);
	close(fd);
	return n < 0 ? (size_t)-1 : (size_t)n;
}

static mode_t mode_of(const char *path)
{
	struct stat sb;

	return stat(path, &sb) ? (mode_t)-1 : (sb.st_mode & 07777);
}

TEST_F(dir, replace_creates_the_file_with_the_mode_asked_whatever_the_umask)
{
	uint8_t got[16];

	umask(077);
	ASSERT_EQ(0, file_replace(self->file, "bundle", 6, 0644));
	EXPECT_EQ(0644, mode_of(self->file));
	umask(0);
	ASSERT_EQ(0, file_replace(self->file, "key", 3, 0600));
	EXPECT_EQ(0600, mode_of(self->file));
	ASSERT_EQ(3, read_path(self->file, got, sizeof(got)));
	EXPECT_EQ(0, memcmp(got, "key", 3));
}

TEST_F(dir, replace_leaves_only_the_file_behind)
{
	char names[256];

	ASSERT_EQ(0, file_replace(self->file, "one", 3, 0600));
	ASSERT_EQ(0, file_replace(self->file, "two", 3, 0600));
	list_dir(self->path, names, sizeof(names));
	EXPECT_STREQ("state", names);
}

TEST_F(dir, replace_at_writes_the_pieces_in_order)
{
	struct iovec iov[3] = {
		{ .iov_base = "head", .iov_len = 4 },
		{ .iov_base = "", .iov_len = 0 },
		{ .iov_base = "body", .iov_len = 4 },
	};
	uint8_t got[16];

	ASSERT_EQ(0, file_replace_at(self->dirfd, "state", "state.tmp", iov, 3,
				     0600, 0));
	ASSERT_EQ(8, read_path(self->file, got, sizeof(got)));
	EXPECT_EQ(0, memcmp(got, "headbody", 8));
	ASSERT_EQ(0, file_replace_at(self->dirfd, "state", "state.tmp", iov, 1,
				     0600, FILE_REPLACE_NOSYNC));
	ASSERT_EQ(4, read_path(self->file, got, sizeof(got)));
}

/* A write that fails (here the file size limit) changes nothing. */
TEST_F(dir, failed_replace_keeps_the_old_file_and_no_temporary)
{
	struct rlimit lim = { .rlim_cur = 4096, .rlim_max = 4096 };
	static uint8_t big[8192];
	char names[256];
	uint8_t got[16];

	ASSERT_EQ(0, file_replace(self->file, "old", 3, 0600));
	signal(SIGXFSZ, SIG_IGN);
	ASSERT_EQ(0, setrlimit(RLIMIT_FSIZE, &lim));
	EXPECT_EQ(-EFBIG, file_replace(self->file, big, sizeof(big), 0600));
	ASSERT_EQ(3, read_path(self->file, got, sizeof(got)));
	EXPECT_EQ(0, memcmp(got, "old", 3));
	list_dir(self->path, names, sizeof(names));
	EXPECT_STREQ("state", names);
}

/*
 * A temporary left by a crashed writer is replaced, and a link planted at
 * its name is not followed: the file it points to keeps its bytes.
 */
TEST_F(dir, leftover_or_planted_temporary_is_neither_fatal_nor_followed)
{
	struct iovec iov = { .iov_base = "new", .iov_len = 3 };
	char victim[160];
	uint8_t got[16];

	snprintf(victim, sizeof(victim), "%s/victim", self->path);
	ASSERT_EQ(0, file_replace(victim, "precious", 8, 0644));
	ASSERT_EQ(0, symlinkat("victim", self->dirfd, "state.tmp"));
	ASSERT_EQ(0, file_replace_at(self->dirfd, "state", "state.tmp", &iov,
				     1, 0600, 0));
	ASSERT_EQ(8, read_path(victim, got, sizeof(got)));
	EXPECT_EQ(0, memcmp(got, "precious", 8));
	ASSERT_EQ(3, read_path(self->file, got, sizeof(got)));
	EXPECT_EQ(0, memcmp(got, "new", 3));
	EXPECT_EQ(0600, mode_of(self->file));
}

TEST_F(dir, bad_names_and_flags_are_refused_and_nothing_is_created)
{
	struct iovec iov = { .iov_base = "x", .iov_len = 1 };
	char names[256];

	EXPECT_EQ(-EINVAL, file_replace_at(self->dirfd, "a/b", "t", &iov, 1,
					   0600, 0));
	EXPECT_EQ(-EINVAL, file_replace_at(self->dirfd, "a", "../t", &iov, 1,
					   0600, 0));
	EXPECT_EQ(-EINVAL, file_replace_at(self->dirfd, "a", "", &iov, 1,
					   0600, 0));
	EXPECT_EQ(-EINVAL, file_replace_at(self->dirfd, "a", "a", &iov, 1,
					   0600, 0));
	EXPECT_EQ(-EINVAL, file_replace_at(self->dirfd, "a", "t", &iov, 1,
					   0600, 1u << 7));
	snprintf(names, sizeof(names), "%s/", self->path);
	EXPECT_EQ(-EINVAL, file_replace(names, "x", 1, 0600));
	list_dir(self->path, names, sizeof(names));
	EXPECT_STREQ("", names);
}

/* Child: replace the file with a or b, alternately, until killed. */
static void replace_forever(const char *path, const uint8_t *a, size_t alen,
			    const uint8_t *b, size_t blen)
{
	for (unsigned long i = 0;; i++) {
		int err = i & 1 ? file_replace(path, b, blen, 0600) :
				  file_replace(path, a, alen, 0600);

		if (err)
			_exit(1);
	}
}

static bool is_a_or_b(const uint8_t *got, size_t n, const uint8_t *a,
		      size_t alen, const uint8_t *b, size_t blen)
{
	return (n == alen && !memcmp(got, a, alen)) ||
	       (n == blen && !memcmp(got, b, blen));
}

/*
 * Readers during a stream of replacements, and the file after the writer
 * is killed at random moments, see the whole old or the whole new bytes.
 */
TEST_F(dir, readers_and_crashes_see_the_old_or_the_new_file_whole)
{
	const size_t alen = 20000, blen = 70000;
	uint8_t *a = malloc(alen), *b = malloc(blen), *got = malloc(blen + 1);
	struct prng r;
	size_t n;

	ASSERT_TRUE(a && b && got);
	fill(a, alen, 1);
	fill(b, blen, 2);
	prng_seed(&r, 3);
	ASSERT_EQ(0, file_replace(self->file, a, alen, 0600));
	for (int round = 0; round < 20; round++) {
		pid_t pid = fork();

		ASSERT_LE(0, pid);
		if (!pid)
			replace_forever(self->file, a, alen, b, blen);
		for (int i = 0; i < 20; i++) {
			n = read_path(self->file, got, blen + 1);
			ASSERT_TRUE(is_a_or_b(got, n, a, alen, b, blen));
		}
		usleep(prng_below(&r, 2000));
		kill(pid, SIGKILL);
		ASSERT_EQ(pid, waitpid(pid, NULL, 0));
		n = read_path(self->file, got, blen + 1);
		ASSERT_TRUE(is_a_or_b(got, n, a, alen, b, blen));
	}
	free(a);
	free(b);
	free(got);
}

TEST_HARNESS_MAIN
