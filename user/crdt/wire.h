/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _X0TTA_WIRE_H
#define _X0TTA_WIRE_H

#include <stddef.h>
#include <stdint.h>

/*
 * Little-endian, fixed-width encoding helpers shared by every CRDT encoder.
 *
 * The writer grows a heap buffer; the first allocation failure sticks in
 * ->err so encoders can write a whole structure and check once at the end.
 * The reader never reads past its end: a short read sets ->err = -EBADMSG
 * and every later read returns zeroes, so decoders check once as well.
 */
struct crdt_buf {
	uint8_t *data;
	size_t len;
	size_t cap;
	int err;
};

struct crdt_rd {
	const uint8_t *p;
	size_t left;
	int err;
};

void crdt_buf_init(struct crdt_buf *b);
void crdt_buf_free(struct crdt_buf *b);
void crdt_buf_reset(struct crdt_buf *b);
void crdt_put_bytes(struct crdt_buf *b, const void *p, size_t n);
void crdt_put_u8(struct crdt_buf *b, uint8_t v);
void crdt_put_u16(struct crdt_buf *b, uint16_t v);
void crdt_put_u32(struct crdt_buf *b, uint32_t v);
void crdt_put_u64(struct crdt_buf *b, uint64_t v);
/* Overwrite a u32 written earlier at @off (length prefixes). */
void crdt_patch_u32(struct crdt_buf *b, size_t off, uint32_t v);

void crdt_rd_init(struct crdt_rd *r, const void *p, size_t len);
const uint8_t *crdt_get_bytes(struct crdt_rd *r, size_t n);
uint8_t crdt_get_u8(struct crdt_rd *r);
uint16_t crdt_get_u16(struct crdt_rd *r);
uint32_t crdt_get_u32(struct crdt_rd *r);
uint64_t crdt_get_u64(struct crdt_rd *r);
/*
 * Read an element count and refuse it unless @min_size bytes per element
 * are left: a hostile count can then never make a decoder allocate more
 * than the message itself could describe.
 */
uint32_t crdt_get_count(struct crdt_rd *r, size_t min_size);

/* Order of keys and elements: bytewise, then shorter first. */
int crdt_bytes_cmp(const uint8_t *a, size_t alen, const uint8_t *b,
		   size_t blen);
/* malloc(len) + memcpy that also succeeds for len 0 (returns non-NULL). */
uint8_t *crdt_bytes_dup(const void *p, size_t len);

#endif /* _X0TTA_WIRE_H */
