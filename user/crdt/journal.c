// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crdt/ae.h"
#include "crdt/journal.h"
#include "lib/crc32c.h"
#include "lib/fileio.h"

#define CRDT_REC_DELTA	1
#define CRDT_REC_STATE	2
#define CRDT_REC_HDR	8

static const char crdt_journal_name[] = "journal";
static const char crdt_snapshot_name[] = "snapshot";
static const char crdt_snapshot_tmp[] = "snapshot.tmp";

int crdt_journal_open(struct crdt_journal *j, const char *dir,
		      enum crdt_fsync policy)
{
	struct stat st;
	int err;

	memset(j, 0, sizeof(*j));
	j->fd = -1;
	j->policy = policy;
	j->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (j->dirfd < 0)
		return -errno;
	j->fd = openat(j->dirfd, crdt_journal_name,
		       O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	if (j->fd < 0)
		goto err_errno;
	if (fstat(j->fd, &st))
		goto err_errno;
	j->size = st.st_size;
	return 0;
err_errno:
	err = -errno;
	crdt_journal_close(j);
	return err;
}

void crdt_journal_close(struct crdt_journal *j)
{
	if (j->fd >= 0)
		close(j->fd);
	if (j->dirfd >= 0)
		close(j->dirfd);
	j->fd = j->dirfd = -1;
}

/* Frame @payload as a record: length, checksum over length and payload. */
static void crdt_record(struct crdt_buf *out, const struct crdt_buf *payload)
{
	uint8_t le[4];
	uint32_t crc;

	for (int i = 0; i < 4; i++)
		le[i] = payload->len >> (8 * i);
	crc = crc32c(crc32c(0, le, 4), payload->data, payload->len);
	crdt_put_u32(out, payload->len);
	crdt_put_u32(out, crc);
	crdt_put_bytes(out, payload->data, payload->len);
}

int crdt_journal_sync(struct crdt_journal *j)
{
	if (!j->dirty)
		return 0;
	if (fdatasync(j->fd))
		return -errno;
	j->dirty = 0;
	return 0;
}

int crdt_journal_append(struct crdt_journal *j, uint64_t origin, uint64_t seq,
			const uint8_t *delta, size_t len)
{
	struct crdt_buf payload, rec;
	int err;

	crdt_buf_init(&payload);
	crdt_buf_init(&rec);
	crdt_put_u8(&payload, CRDT_REC_DELTA);
	crdt_put_u64(&payload, origin);
	crdt_put_u64(&payload, seq);
	crdt_put_bytes(&payload, delta, len);
	crdt_record(&rec, &payload);
	err = payload.err ? payload.err : rec.err;
	if (!err && rec.len > CRDT_RECORD_MAX)
		err = -EMSGSIZE;
	if (err)
		goto cleanup;
	err = file_write_all(j->fd, rec.data, rec.len);
	if (err) {
		/* Never leave a torn record behind a later good one. */
		if (ftruncate(j->fd, j->size))
			err = -EIO;
		goto cleanup;
	}
	j->size += rec.len;
	j->dirty = 1;
	if (j->policy == CRDT_FSYNC_ALWAYS)
		err = crdt_journal_sync(j);
cleanup:
	crdt_buf_free(&payload);
	crdt_buf_free(&rec);
	return err;
}

static int crdt_state_payload(struct crdt_buf *b, const struct crdt_ae *ae)
{
	crdt_put_u8(b, CRDT_REC_STATE);
	crdt_put_u32(b, ae->nvv);
	for (uint32_t i = 0; i < ae->nvv; i++) {
		crdt_put_u64(b, ae->vv[i].node);
		crdt_put_u64(b, ae->vv[i].counter);
	}
	crdt_store_encode(b, ae->store);
	return b->err;
}

static int crdt_snapshot_write(struct crdt_journal *j, const struct crdt_buf *rec)
{
	struct iovec iov = { .iov_base = rec->data, .iov_len = rec->len };
	unsigned int flags = 0;

	if (j->policy == CRDT_FSYNC_NONE)
		flags |= FILE_REPLACE_NOSYNC;
	return file_replace_at(j->dirfd, crdt_snapshot_name, crdt_snapshot_tmp,
			       &iov, 1, 0600, flags);
}

int crdt_journal_snapshot(struct crdt_journal *j, const struct crdt_ae *ae)
{
	struct crdt_buf payload, rec;
	int err;

	crdt_buf_init(&payload);
	crdt_buf_init(&rec);
	err = crdt_state_payload(&payload, ae);
	if (!err) {
		crdt_record(&rec, &payload);
		err = rec.err;
	}
	if (!err && rec.len > CRDT_RECORD_MAX)
		err = -EMSGSIZE;
	if (!err)
		err = crdt_snapshot_write(j, &rec);
	/* Only once the snapshot is durable may the journal go. */
	if (!err && ftruncate(j->fd, 0))
		err = -errno;
	if (!err) {
		j->size = 0;
		j->dirty = 1;
		err = j->policy == CRDT_FSYNC_NONE ? 0 : crdt_journal_sync(j);
	}
	crdt_buf_free(&payload);
	crdt_buf_free(&rec);
	return err;
}

/* ---- recovery ---------------------------------------------------------- */

static int crdt_read_file(int dirfd, const char *name, struct crdt_buf *b)
{
	uint8_t chunk[65536];
	int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC);
	int err = 0;

	if (fd < 0)
		return -errno;
	for (;;) {
		ssize_t n = read(fd, chunk, sizeof(chunk));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err = -errno;
			break;
		}
		if (!n)
			break;
		crdt_put_bytes(b, chunk, n);
		if (b->err) {
			err = b->err;
			break;
		}
	}
	close(fd);
	return err;
}

/*
 * The record at @r, if whole and intact: its payload in @payload and
 * true; false at the end of data or at a torn or corrupt record.
 */
static bool crdt_record_next(struct crdt_rd *r, struct crdt_rd *payload)
{
	struct crdt_rd save = *r;
	uint32_t len = crdt_get_u32(r), crc = crdt_get_u32(r);
	const uint8_t *p;
	uint8_t le[4];

	if (r->err || len > CRDT_RECORD_MAX)
		goto bad;
	p = crdt_get_bytes(r, len);
	if (!p)
		goto bad;
	for (int i = 0; i < 4; i++)
		le[i] = len >> (8 * i);
	if (crc32c(crc32c(0, le, 4), p, len) != crc)
		goto bad;
	crdt_rd_init(payload, p, len);
	return true;
bad:
	*r = save;
	return false;
}

static int crdt_recover_snapshot(struct crdt_journal *j, struct crdt_ae *ae,
				 struct crdt_recovery *rec)
{
	struct crdt_rd r, p;
	struct crdt_buf b;
	uint32_t n;
	int err;

	crdt_buf_init(&b);
	err = crdt_read_file(j->dirfd, crdt_snapshot_name, &b);
	if (err == -ENOENT) {
		err = 0;
		goto cleanup;
	}
	if (err)
		goto cleanup;
	rec->snapshot_bytes = b.len;
	crdt_rd_init(&r, b.data, b.len);
	err = -EBADMSG;
	if (!crdt_record_next(&r, &p) || r.left)
		goto cleanup;
	if (crdt_get_u8(&p) != CRDT_REC_STATE)
		goto cleanup;
	n = crdt_get_count(&p, 16);
	for (uint32_t i = 0; i < n && !p.err; i++) {
		uint64_t origin = crdt_get_u64(&p), seq = crdt_get_u64(&p);

		if (p.err)
			break;
		err = crdt_ae_restore(ae, origin, seq);
		if (err)
			goto cleanup;
	}
	err = p.err ? -EBADMSG : crdt_store_load(ae->store, p.p, p.left);
cleanup:
	crdt_buf_free(&b);
	return err;
}

static int crdt_replay_record(struct crdt_ae *ae, struct crdt_rd *p)
{
	uint8_t type = crdt_get_u8(p);
	uint64_t origin = crdt_get_u64(p), seq = crdt_get_u64(p);

	if (p->err || type != CRDT_REC_DELTA)
		return -EBADMSG;
	return crdt_ae_replay(ae, origin, seq, p->p, p->left);
}

int crdt_journal_recover(struct crdt_journal *j, struct crdt_ae *ae,
			 struct crdt_recovery *rec)
{
	struct crdt_rd r, p;
	struct crdt_buf b;
	int err;

	memset(rec, 0, sizeof(*rec));
	err = crdt_recover_snapshot(j, ae, rec);
	if (err)
		return err;
	crdt_buf_init(&b);
	err = crdt_read_file(j->dirfd, crdt_journal_name, &b);
	if (err)
		goto cleanup;
	crdt_rd_init(&r, b.data, b.len);
	for (;;) {
		struct crdt_rd at = r;

		if (!crdt_record_next(&r, &p))
			break;
		err = crdt_replay_record(ae, &p);
		if (err == -ENOMEM)
			goto cleanup;
		/* A record that checksums but does not decode is corrupt too. */
		if (err) {
			err = 0;
			r = at;
			break;
		}
		rec->records++;
	}
	rec->cut_bytes = b.len - (r.p - b.data);
	j->size = b.len - rec->cut_bytes;
	if (rec->cut_bytes && ftruncate(j->fd, j->size))
		err = -errno;
	if (!err && rec->cut_bytes && j->policy != CRDT_FSYNC_NONE &&
	    fdatasync(j->fd))
		err = -errno;
cleanup:
	crdt_buf_free(&b);
	return err;
}
