// SPDX-License-Identifier: GPL-2.0
/*
 * Segment files and snapshots for a Raft node; see storage.h for the
 * format and the crash guarantees.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/crc32c.h"
#include "lib/fileio.h"
#include "lib/le.h"
#include "raft/conf.h"
#include "raft/log.h"
#include "raft/storage.h"

#define RAFT_REC_HDR		8
#define RAFT_REC_ENTRY		1
#define RAFT_REC_HARD_STATE	2
#define RAFT_REC_RESET		3	/* the log restarts after a snapshot */
/* entry: type, entry type, 2 zero, u64 term, u64 index, then data */
#define RAFT_REC_ENTRY_FIXED	20
/* hard state: type, 7 zero, u64 term, vote, commit */
#define RAFT_REC_HS_SIZE	32
#define RAFT_REC_RESET_SIZE	24	/* type, 7 zero, u64 index, term */
#define RAFT_REC_MAX		(RAFT_REC_ENTRY_FIXED + RAFT_MAX_ENTRY_SIZE)
#define RAFT_SNAP_MAGIC		0x53523058u	/* "X0RS" */
/*
 * snapshot file: u32 magic, u32 version, u64 index, term, u32 data
 * length, u32 crc32c of everything else; version 2 then has the
 * configuration block (conf.h); then the data.
 */
#define RAFT_SNAP_HDR		32
#define RAFT_SNAP_VERSION	2
#define RAFT_MAX_SEGMENTS	100000

/* A segment and the highest index it names, to know when it is obsolete. */
struct raft_segment {
	uint64_t seq;
	uint64_t max_index;
};

struct raft_storage {
	int dirfd;
	int fd;			/* the open (last) segment */
	struct raft_segment *segs;	/* oldest first; the last is open */
	size_t n_segs;
	uint64_t seg_seq;
	uint64_t seg_bytes;
	size_t seg_max;
	uint64_t last_index;
	uint64_t last_term;
	struct raft_hard_state hs;
};

static uint32_t raft_rec_crc(const uint8_t *hdr, const uint8_t *body,
			     uint32_t len)
{
	return crc32c(crc32c(0, hdr, 4), body, len);
}

/* ---- file helpers ------------------------------------------------------- */

static int raft_read_file(int dirfd, const char *name, uint8_t **buf,
			  size_t *len)
{
	struct stat sb;
	size_t off = 0;
	int fd, err;

	fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	err = -errno;
	if (fstat(fd, &sb))
		goto out;
	err = -EFBIG;
	if ((uint64_t)sb.st_size > SIZE_MAX / 2)
		goto out;
	err = -ENOMEM;
	*buf = malloc(sb.st_size ? sb.st_size : 1);
	if (!*buf)
		goto out;
	while (off < (size_t)sb.st_size) {
		ssize_t n = read(fd, *buf + off, sb.st_size - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			err = n < 0 ? -errno : -EIO;
			free(*buf);
			*buf = NULL;
			goto out;
		}
		off += n;
	}
	*len = off;
	err = 0;
out:
	close(fd);
	return err;
}

static void raft_seg_name(char *buf, size_t len, uint64_t seq)
{
	snprintf(buf, len, "seg-%016" PRIx64, seq);
}

static bool raft_seg_parse(const char *name, uint64_t *seq)
{
	char *end;

	if (strncmp(name, "seg-", 4) || strlen(name) != 20)
		return false;
	errno = 0;
	*seq = strtoull(name + 4, &end, 16);
	return !errno && !*end && *seq;
}

static int raft_u64_cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* The sequence numbers of every segment, sorted. */
static int raft_list_segments(int dirfd, uint64_t **seqs, size_t *n)
{
	size_t cap = 0;
	struct dirent *de;
	DIR *d;
	int fd;

	*seqs = NULL;
	*n = 0;
	fd = dup(dirfd);
	if (fd < 0)
		return -errno;
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return -errno;
	}
	while ((de = readdir(d))) {
		uint64_t seq;

		if (!raft_seg_parse(de->d_name, &seq))
			continue;
		if (*n == cap) {
			uint64_t *p;

			cap = cap ? cap * 2 : 16;
			p = cap > RAFT_MAX_SEGMENTS ? NULL :
				realloc(*seqs, cap * sizeof(*p));
			if (!p) {
				closedir(d);
				return -ENOMEM;
			}
			*seqs = p;
		}
		(*seqs)[(*n)++] = seq;
	}
	closedir(d);
	if (*n)
		qsort(*seqs, *n, sizeof(**seqs), raft_u64_cmp);
	return 0;
}

/* ---- replay ------------------------------------------------------------- */

static int raft_replay_entry(struct raft_storage_state *st,
			     const uint8_t *b, uint32_t len)
{
	struct raft_entry e = {
		.type = b[1],
		.term = le_get64(b + 4),
		.index = le_get64(b + 12),
		.len = len - RAFT_REC_ENTRY_FIXED,
		.data = (void *)(b + RAFT_REC_ENTRY_FIXED),
	};
	uint64_t base = st->snapshot.index;
	struct raft_entry *ents;
	uint64_t prev_term;

	if (b[2] || b[3] || !e.term || !e.index ||
	    e.index > base + st->n_entries + 1)
		return -EBADMSG;
	if (e.type != RAFT_ENTRY_NORMAL && e.type != RAFT_ENTRY_NOOP &&
	    e.type != RAFT_ENTRY_CONF)
		return -EBADMSG;
	if (e.type == RAFT_ENTRY_CONF &&
	    raft_conf_entry_decode(e.data, e.len, NULL, NULL))
		return -EBADMSG;
	/*
	 * The record replaces the log from its index on. One the snapshot
	 * covers was written before the snapshot was taken: it still voids
	 * what followed it then, and the records after it rebuild that.
	 */
	while (st->n_entries && base + st->n_entries >= e.index)
		raft_entry_release(&st->entries[--st->n_entries]);
	if (e.index <= base)
		return 0;
	/*
	 * Terms never decrease along the log. Against the snapshot this is
	 * checked once replay is over: records older than it may follow
	 * entries it has since replaced.
	 */
	prev_term = st->n_entries ? st->entries[st->n_entries - 1].term : 0;
	if (prev_term > e.term)
		return -EBADMSG;
	ents = realloc(st->entries, (st->n_entries + 1) * sizeof(*ents));
	if (!ents)
		return -ENOMEM;
	st->entries = ents;
	if (!e.len)
		e.data = NULL;
	if (raft_entry_copy(&st->entries[st->n_entries], &e))
		return -ENOMEM;
	st->n_entries++;
	return 0;
}

static int raft_replay_hs(struct raft_storage_state *st, const uint8_t *b,
			  uint32_t len)
{
	struct raft_hard_state hs = {
		.term = le_get64(b + 8),
		.vote = le_get64(b + 16),
		.commit = le_get64(b + 24),
	};

	for (int i = 1; i < 8; i++)
		if (b[i])
			return -EBADMSG;
	if (len != RAFT_REC_HS_SIZE || hs.term < st->hs.term)
		return -EBADMSG;
	st->hs = hs;
	return 0;
}

/*
 * A snapshot was installed: the log before it is void. The snapshot file
 * is written first, so it is at least as new as this record.
 */
static int raft_replay_reset(struct raft_storage_state *st, const uint8_t *b,
			     uint32_t len)
{
	uint64_t index = le_get64(b + 8);

	for (int i = 1; i < 8; i++)
		if (b[i])
			return -EBADMSG;
	if (len != RAFT_REC_RESET_SIZE || !index ||
	    index > st->snapshot.index)
		return -EBADMSG;
	while (st->n_entries)
		raft_entry_release(&st->entries[--st->n_entries]);
	return 0;
}

static int raft_replay_record(struct raft_storage_state *st,
			      const uint8_t *b, uint32_t len)
{
	if (b[0] == RAFT_REC_ENTRY && len >= RAFT_REC_ENTRY_FIXED)
		return raft_replay_entry(st, b, len);
	if (b[0] == RAFT_REC_HARD_STATE)
		return raft_replay_hs(st, b, len);
	if (b[0] == RAFT_REC_RESET)
		return raft_replay_reset(st, b, len);
	return -EBADMSG;
}

/* The index a record names, for the segment's high-water mark. */
static uint64_t raft_record_index(const uint8_t *b, uint32_t len)
{
	if (b[0] == RAFT_REC_ENTRY && len >= RAFT_REC_ENTRY_FIXED)
		return le_get64(b + 12);
	if (b[0] == RAFT_REC_RESET && len == RAFT_REC_RESET_SIZE)
		return le_get64(b + 8);
	return 0;
}

/*
 * Replay one segment. Returns the length of its valid prefix in *good;
 * a record that fails its checksum or runs past the end stops the
 * replay there (the caller decides whether that is a torn tail).
 */
static int raft_replay_segment(struct raft_storage_state *st,
			       const uint8_t *buf, size_t len, size_t *good,
			       uint64_t *max_index)
{
	size_t off = 0;

	while (len - off >= RAFT_REC_HDR) {
		uint32_t rlen = le_get32(buf + off);
		const uint8_t *body = buf + off + RAFT_REC_HDR;
		int err;

		if (!rlen || rlen > RAFT_REC_MAX ||
		    rlen > len - off - RAFT_REC_HDR)
			break;
		if (raft_rec_crc(buf + off, body, rlen) !=
		    le_get32(buf + off + 4))
			break;
		err = raft_replay_record(st, body, rlen);
		if (err)
			return err;
		if (raft_record_index(body, rlen) > *max_index)
			*max_index = raft_record_index(body, rlen);
		off += RAFT_REC_HDR + rlen;
	}
	*good = off;
	return 0;
}

/*
 * Segments are preallocated (raft_prealloc()), so a segment whose records
 * stop before its end is clean if nothing but zeros follows them: space
 * not written yet. Returns the end of the written part: just after its
 * last non-zero byte, and never before @good.
 */
static size_t raft_written_end(const uint8_t *buf, size_t good, size_t len)
{
	while (len > good && !buf[len - 1])
		len--;
	return len;
}

static int raft_recover_segment(struct raft_storage *s,
				struct raft_storage_state *st,
				struct raft_segment *seg, bool last)
{
	char name[32];
	uint8_t *buf = NULL;
	size_t len, good, end = 0;
	int err;

	raft_seg_name(name, sizeof(name), seg->seq);
	err = raft_read_file(s->dirfd, name, &buf, &len);
	if (err)
		return err;
	err = raft_replay_segment(st, buf, len, &good, &seg->max_index);
	if (!err)
		end = raft_written_end(buf, good, len);
	free(buf);
	if (err)
		return err;
	if (last)
		s->seg_bytes = good;	/* the next record goes there */
	if (end == good)
		return 0;
	/* Only the last write can be torn; anything else is damage. */
	if (!last)
		return -EBADMSG;
	st->torn_bytes = end - good;
	return 1;
}

/*
 * Give a segment its full size at once. Appending to a file whose size
 * grows makes every fdatasync() commit the new size to the filesystem's
 * journal too; within a preallocated file most of them only write data,
 * which in the raft benchmark doubled the rate of one-at-a-time commits
 * and quartered their p99. A filesystem that cannot preallocate just
 * grows the file as it is written.
 */
static int raft_prealloc(struct raft_storage *s, int fd)
{
	if (!fallocate(fd, 0, 0, s->seg_max))
		return 0;
	if (errno == EOPNOTSUPP || errno == ENOSYS)
		return 0;
	return -errno;
}

/* Zero what a crash tore after the last good record, keeping the size. */
static int raft_cut_tail(struct raft_storage *s)
{
	int err;

	if (ftruncate(s->fd, s->seg_bytes))
		return -errno;
	err = raft_prealloc(s, s->fd);
	if (err)
		return err;
	return fsync(s->fd) ? -errno : 0;
}

static int raft_open_segment(struct raft_storage *s, uint64_t seq, bool create)
{
	char name[32];
	int flags = O_WRONLY | O_CLOEXEC;
	int fd, err;

	raft_seg_name(name, sizeof(name), seq);
	if (create) {
		struct raft_segment *segs = realloc(s->segs, (s->n_segs + 1) *
							     sizeof(*segs));

		if (!segs)
			return -ENOMEM;
		s->segs = segs;
		flags |= O_CREAT | O_EXCL;
	}
	fd = openat(s->dirfd, name, flags, 0600);
	if (fd < 0)
		return -errno;
	/* A new file's name is durable only once the directory is synced. */
	err = create ? raft_prealloc(s, fd) : 0;
	if (!err && create && fsync(s->dirfd))
		err = -errno;
	if (err) {
		close(fd);
		return err;
	}
	if (s->fd >= 0)
		close(s->fd);
	s->fd = fd;
	s->seg_seq = seq;
	if (create) {
		s->segs[s->n_segs++] = (struct raft_segment){ .seq = seq };
		s->seg_bytes = 0;
	}
	return 0;
}

static int raft_snap_read(int dirfd, struct raft_snapshot *snap);

static int raft_recover(struct raft_storage *s, struct raft_storage_state *st)
{
	uint64_t *seqs;
	size_t n;
	int err, torn = 0;

	err = raft_snap_read(s->dirfd, &st->snapshot);
	if (err && err != -ENOENT)
		return err;
	err = raft_list_segments(s->dirfd, &seqs, &n);
	if (err)
		return err;
	s->segs = calloc(n + 1, sizeof(*s->segs));
	if (!s->segs) {
		free(seqs);
		return -ENOMEM;
	}
	for (size_t i = 0; i < n && !err; i++) {
		s->segs[i].seq = seqs[i];
		s->n_segs++;
		err = raft_recover_segment(s, st, &s->segs[i], i == n - 1);
		if (err > 0) {
			torn = 1;
			err = 0;
		}
	}
	if (!err && n)
		err = raft_open_segment(s, seqs[n - 1], false);
	if (!err && torn)
		err = raft_cut_tail(s);
	if (!err && !n)
		err = raft_open_segment(s, 1, true);
	if (!err && st->hs.commit > st->snapshot.index + st->n_entries)
		err = -EBADMSG;
	if (!err && st->n_entries && st->entries[0].term < st->snapshot.term)
		err = -EBADMSG;
	free(seqs);
	return err;
}

int raft_storage_open(const char *dir, size_t segment_size,
		      struct raft_storage **out, struct raft_storage_state *st)
{
	struct raft_storage *s;
	int err;

	memset(st, 0, sizeof(*st));
	if (mkdir(dir, 0700) && errno != EEXIST)
		return -errno;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->fd = -1;
	s->seg_max = segment_size ? segment_size : RAFT_STORAGE_SEGMENT_SIZE;
	s->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (s->dirfd < 0) {
		err = -errno;
		goto err_free;
	}
	err = raft_recover(s, st);
	if (err)
		goto err_close;
	s->hs = st->hs;
	s->last_index = st->snapshot.index + st->n_entries;
	s->last_term = st->n_entries ? st->entries[st->n_entries - 1].term :
				       st->snapshot.term;
	/* A temporary snapshot is a crash during a snapshot: discard it. */
	unlinkat(s->dirfd, "snapshot.tmp", 0);
	*out = s;
	return 0;
err_close:
	raft_storage_state_release(st);
	if (s->fd >= 0)
		close(s->fd);
	close(s->dirfd);
	free(s->segs);
err_free:
	free(s);
	return err;
}

void raft_storage_state_release(struct raft_storage_state *st)
{
	for (size_t i = 0; i < st->n_entries; i++)
		raft_entry_release(&st->entries[i]);
	free(st->entries);
	free(st->snapshot.data);
	memset(st, 0, sizeof(*st));
}

/* ---- writing ------------------------------------------------------------ */

static void raft_rec_seal(uint8_t *rec, uint32_t len)
{
	le_put32(rec, len);
	le_put32(rec + 4, raft_rec_crc(rec, rec + RAFT_REC_HDR, len));
}

static size_t raft_rec_entry(uint8_t *rec, const struct raft_entry *e)
{
	uint8_t *b = rec + RAFT_REC_HDR;
	uint32_t len = RAFT_REC_ENTRY_FIXED + e->len;

	memset(b, 0, RAFT_REC_ENTRY_FIXED);
	b[0] = RAFT_REC_ENTRY;
	b[1] = e->type;
	le_put64(b + 4, e->term);
	le_put64(b + 12, e->index);
	if (e->len)
		memcpy(b + RAFT_REC_ENTRY_FIXED, e->data, e->len);
	raft_rec_seal(rec, len);
	return RAFT_REC_HDR + len;
}

static size_t raft_rec_hs(uint8_t *rec, const struct raft_hard_state *hs)
{
	uint8_t *b = rec + RAFT_REC_HDR;

	memset(b, 0, RAFT_REC_HS_SIZE);
	b[0] = RAFT_REC_HARD_STATE;
	le_put64(b + 8, hs->term);
	le_put64(b + 16, hs->vote);
	le_put64(b + 24, hs->commit);
	raft_rec_seal(rec, RAFT_REC_HS_SIZE);
	return RAFT_REC_HDR + RAFT_REC_HS_SIZE;
}

static size_t raft_rec_reset(uint8_t *rec, const struct raft_snapshot *snap)
{
	uint8_t *b = rec + RAFT_REC_HDR;

	memset(b, 0, RAFT_REC_RESET_SIZE);
	b[0] = RAFT_REC_RESET;
	le_put64(b + 8, snap->index);
	le_put64(b + 16, snap->term);
	raft_rec_seal(rec, RAFT_REC_RESET_SIZE);
	return RAFT_REC_HDR + RAFT_REC_RESET_SIZE;
}

/* Refuse a ready that would make the log on disk inconsistent. */
static int raft_storage_check(const struct raft_storage *s,
			      const struct raft_ready *rd, size_t *bytes)
{
	uint64_t last = rd->snapshot ? rd->snapshot->index : s->last_index;

	*bytes = RAFT_REC_HDR + RAFT_REC_HS_SIZE;	/* hard state */
	*bytes += RAFT_REC_HDR + RAFT_REC_HS_SIZE;	/* after a rotation */
	*bytes += RAFT_REC_HDR + RAFT_REC_RESET_SIZE;
	if (rd->snapshot && (!rd->snapshot->index || !rd->snapshot->term ||
			     rd->snapshot->len > RAFT_MAX_SNAPSHOT_SIZE))
		return -EINVAL;
	if (rd->n_entries && (rd->entries[0].index == 0 ||
			      rd->entries[0].index > last + 1))
		return -EINVAL;
	for (size_t i = 0; i < rd->n_entries; i++) {
		const struct raft_entry *e = &rd->entries[i];

		if (e->index != rd->entries[0].index + i ||
		    e->len > RAFT_MAX_ENTRY_SIZE)
			return -EINVAL;
		*bytes += RAFT_REC_HDR + RAFT_REC_ENTRY_FIXED + e->len;
	}
	if (rd->hs_changed && rd->hs.term < s->hs.term)
		return -EINVAL;
	return 0;
}

/*
 * Start a new segment once the current one is full. Its first record
 * repeats the hard state, so that deleting older segments at compaction
 * never loses the term and vote.
 */
static int raft_maybe_rotate(struct raft_storage *s, bool *rotated)
{
	*rotated = false;
	if (s->seg_bytes < s->seg_max)
		return 0;
	/* Sync the old segment before any later write can land after it. */
	if (fsync(s->fd))
		return -errno;
	*rotated = true;
	return raft_open_segment(s, s->seg_seq + 1, true);
}

static int raft_snap_write(struct raft_storage *s,
			   const struct raft_snapshot *snap);

int raft_storage_save(struct raft_storage *s, const struct raft_ready *rd)
{
	struct raft_segment *seg;
	size_t bytes, off = 0;
	bool rotated;
	uint8_t *buf;
	int err;

	if (!rd->n_entries && !rd->hs_changed && !rd->snapshot)
		return 0;
	err = raft_storage_check(s, rd, &bytes);
	if (err)
		return err;
	/* The snapshot first: a reset record must never be without it. */
	if (rd->snapshot) {
		err = raft_snap_write(s, rd->snapshot);
		if (err)
			return err;
	}
	err = raft_maybe_rotate(s, &rotated);
	if (err)
		return err;
	buf = malloc(bytes);
	if (!buf)
		return -ENOMEM;
	if (rotated && s->hs.term)
		off += raft_rec_hs(buf + off, &s->hs);
	if (rd->snapshot)
		off += raft_rec_reset(buf + off, rd->snapshot);
	/* Entries before the hard state that may name them as committed. */
	for (size_t i = 0; i < rd->n_entries; i++)
		off += raft_rec_entry(buf + off, &rd->entries[i]);
	if (rd->hs_changed)
		off += raft_rec_hs(buf + off, &rd->hs);
	err = file_pwrite_all(s->fd, buf, off, s->seg_bytes);
	free(buf);
	if (err)
		return err;
	s->seg_bytes += off;
	/*
	 * A commit index that moved alone need not be durable: one that
	 * comes back older after a crash is learnt again from the leader
	 * (etcd's MustSync). Entries, term and vote must be.
	 */
	if ((rd->n_entries || rd->snapshot || rd->hs.term != s->hs.term ||
	     rd->hs.vote != s->hs.vote) &&
	    fdatasync(s->fd))
		return -errno;
	if (rd->snapshot) {
		s->last_index = rd->snapshot->index;
		s->last_term = rd->snapshot->term;
	}
	if (rd->n_entries) {
		s->last_index = rd->entries[rd->n_entries - 1].index;
		s->last_term = rd->entries[rd->n_entries - 1].term;
	}
	seg = &s->segs[s->n_segs - 1];
	if (s->last_index > seg->max_index)
		seg->max_index = s->last_index;
	if (rd->hs_changed)
		s->hs = rd->hs;
	return 0;
}

/* ---- snapshots ---------------------------------------------------------- */

static int raft_snap_write(struct raft_storage *s,
			   const struct raft_snapshot *snap)
{
	uint8_t hdr[RAFT_SNAP_HDR + RAFT_CONF_BLOCK_HDR + 8 * RAFT_MAX_NODES];
	size_t conf_len = raft_conf_block_size(&snap->conf);
	struct iovec iov[2];
	uint32_t crc;

	if ((snap->len && !snap->data) || !raft_conf_valid(&snap->conf))
		return -EINVAL;
	memset(hdr, 0, sizeof(hdr));
	le_put32(hdr, RAFT_SNAP_MAGIC);
	le_put32(hdr + 4, RAFT_SNAP_VERSION);
	le_put64(hdr + 8, snap->index);
	le_put64(hdr + 16, snap->term);
	le_put32(hdr + 24, snap->len);
	raft_conf_block_put(hdr + RAFT_SNAP_HDR, &snap->conf);
	crc = crc32c(0, hdr, 28);
	crc = crc32c(crc, hdr + RAFT_SNAP_HDR, conf_len);
	crc = crc32c(crc, snap->data, snap->len);
	le_put32(hdr + 28, crc);
	iov[0] = (struct iovec){ .iov_base = hdr,
				 .iov_len = RAFT_SNAP_HDR + conf_len };
	iov[1] = (struct iovec){ .iov_base = snap->data, .iov_len = snap->len };
	/* The old snapshot or the new, never half; see file_replace_at(). */
	return file_replace_at(s->dirfd, "snapshot", "snapshot.tmp", iov, 2,
			       0600, 0);
}

/* Version 1 had no configuration: it reads as an empty one. */
static int raft_snap_read_conf(const uint8_t *buf, size_t n,
			       struct raft_conf *conf, size_t *used)
{
	memset(conf, 0, sizeof(*conf));
	*used = 0;
	if (le_get32(buf + 4) == 1)
		return 0;
	if (le_get32(buf + 4) != RAFT_SNAP_VERSION)
		return -EBADMSG;
	return raft_conf_block_get(buf + RAFT_SNAP_HDR, n - RAFT_SNAP_HDR, conf,
				   used);
}

static int raft_snap_read(int dirfd, struct raft_snapshot *snap)
{
	struct raft_conf conf;
	uint8_t *buf = NULL;
	size_t n, off;
	uint32_t dlen;
	int err;

	memset(snap, 0, sizeof(*snap));
	err = raft_read_file(dirfd, "snapshot", &buf, &n);
	if (err)
		return err;
	err = -EBADMSG;
	if (n < RAFT_SNAP_HDR || le_get32(buf) != RAFT_SNAP_MAGIC ||
	    raft_snap_read_conf(buf, n, &conf, &off))
		goto out;
	off += RAFT_SNAP_HDR;
	dlen = le_get32(buf + 24);
	if (dlen != n - off || dlen > RAFT_MAX_SNAPSHOT_SIZE ||
	    crc32c(crc32c(0, buf, 28), buf + RAFT_SNAP_HDR,
		   n - RAFT_SNAP_HDR) != le_get32(buf + 28))
		goto out;
	if (!le_get64(buf + 8) || !le_get64(buf + 16))
		goto out;
	err = -ENOMEM;
	snap->data = malloc(dlen ? dlen : 1);
	if (!snap->data)
		goto out;
	memcpy(snap->data, buf + off, dlen);
	snap->index = le_get64(buf + 8);
	snap->term = le_get64(buf + 16);
	snap->len = dlen;
	snap->conf = conf;
	err = 0;
out:
	free(buf);
	return err;
}

int raft_storage_compact(struct raft_storage *s,
			 const struct raft_snapshot *snap)
{
	size_t gone = 0;
	int err;

	if (!snap->index || snap->index > s->last_index ||
	    snap->len > RAFT_MAX_SNAPSHOT_SIZE)
		return -EINVAL;
	err = raft_snap_write(s, snap);
	if (err)
		return err;
	/*
	 * Only a prefix of segments goes: a reset record must never outlive
	 * the stale entries it voids, which are in the same or older ones.
	 */
	while (gone + 1 < s->n_segs && s->segs[gone].max_index <= snap->index) {
		char name[32];

		raft_seg_name(name, sizeof(name), s->segs[gone].seq);
		if (unlinkat(s->dirfd, name, 0) && errno != ENOENT)
			break;
		gone++;
	}
	if (!gone)
		return 0;
	memmove(s->segs, s->segs + gone, (s->n_segs - gone) * sizeof(*s->segs));
	s->n_segs -= gone;
	return fsync(s->dirfd) ? -errno : 0;
}

void raft_storage_close(struct raft_storage *s)
{
	if (!s)
		return;
	if (s->fd >= 0)
		close(s->fd);
	close(s->dirfd);
	free(s->segs);
	free(s);
}
