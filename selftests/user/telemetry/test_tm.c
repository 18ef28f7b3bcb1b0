// SPDX-License-Identifier: GPL-2.0
/*
 * user/telemetry and bpf/telemetry.bpf.c on the host kernel: every test
 * that loads programs runs in its own network and mount namespace (the
 * harness forks per test), on a veth pair, with a private bpffs, so
 * nothing leaks onto the host. Frames are sent with AF_PACKET from tma
 * and counted at tmb's ingress and tma's egress. Without root or BPF the
 * loading tests are skipped; the pure ones always run.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <linux/if_packet.h>
#include <net/if.h>

#include "kselftest_harness.h"
#include "lib/prng.h"
#include "telemetry/tm.h"

static const uint8_t mac_a[6] = { 0x02, 0, 0, 0, 0, 0x0a };
static const uint8_t mac_b[6] = { 0x02, 0, 0, 0, 0, 0x0b };
static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

#define FRAME_LEN	60	/* Ethernet minimum without FCS */

/* ---- pure functions -------------------------------------------------------- */

TEST(loss_is_lost_over_expected_in_ppm)
{
	struct tm_loss_val v = { .received = 90, .lost = 10 };
	uint32_t ppm;

	ASSERT_EQ(0, tm_loss_ppm(&v, false, &ppm));
	EXPECT_EQ(100000, ppm);
}

TEST(loss_window_ignores_history_before_it)
{
	struct tm_loss_val v = {
		.received = 1000, .lost = 500,
		.win_prev_received = 60, .win_prev_lost = 4,
		.win_cur_received = 30, .win_cur_lost = 6,
	};
	uint32_t ppm;

	ASSERT_EQ(0, tm_loss_ppm(&v, true, &ppm));
	EXPECT_EQ(100000, ppm);
}

TEST(loss_without_samples_is_no_data_not_zero)
{
	struct tm_loss_val v = { 0 };
	uint32_t ppm = 7;

	EXPECT_EQ(-ENODATA, tm_loss_ppm(&v, true, &ppm));
	EXPECT_EQ(7, ppm);
}

TEST(opts_out_of_range_are_refused_with_a_reason)
{
	struct tm_opts o = { .link_entries = 8 };
	const char *why = NULL;

	EXPECT_EQ(-EINVAL, tm_opts_check(&o, &why));
	EXPECT_NE(NULL, why);
	o = (struct tm_opts){ .loss_window = 1u << 20 };
	EXPECT_EQ(-EINVAL, tm_opts_check(&o, &why));
	o = (struct tm_opts){ .pin_dir = "relative/dir" };
	EXPECT_EQ(-EINVAL, tm_opts_check(&o, &why));
	o = (struct tm_opts){ .link_entries = 64, .loss_window = 8 };
	EXPECT_EQ(0, tm_opts_check(&o, &why));
}

TEST(bad_opts_load_nothing)
{
	struct tm_opts o = { .orig_entries = TM_ENTRIES_MAX + 1,
			     .pin_dir = "/nonexistent/x0tta" };
	struct tm *t = NULL;

	EXPECT_EQ(-EINVAL, tm_load(&t, &o));
	EXPECT_EQ(NULL, t);
}

/* ---- programs on a veth pair -------------------------------------------- */

FIXTURE(veth) {
	bool skip;
	char bpffs[64];
	char pin[96];
	int ia, ib;
	int sock;
	struct tm_opts opts;
};

static int veth_netns(void)
{
	if (unshare(CLONE_NEWNET | CLONE_NEWNS) < 0)
		return -errno;
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return -errno;
	return system("ip link add tma address 02:00:00:00:00:0a type veth "
		      "peer name tmb address 02:00:00:00:00:0b && "
		      "ip link set tma up && ip link set tmb up") ? -EIO : 0;
}

FIXTURE_SETUP(veth)
{
	struct sockaddr_ll sll = { .sll_family = AF_PACKET };

	self->sock = -1;
	if (geteuid() || veth_netns() < 0) {
		self->skip = true;
		return;
	}
	strcpy(self->bpffs, "/tmp/tm-bpffs-XXXXXX");
	ASSERT_NE(NULL, mkdtemp(self->bpffs));
	ASSERT_EQ(0, mount("bpf", self->bpffs, "bpf", 0, NULL));
	snprintf(self->pin, sizeof(self->pin), "%s/x0tta", self->bpffs);
	self->opts.pin_dir = self->pin;
	self->ia = if_nametoindex("tma");
	self->ib = if_nametoindex("tmb");
	ASSERT_LT(0, self->ia);
	ASSERT_LT(0, self->ib);
	self->sock = socket(AF_PACKET, SOCK_RAW, htons(TM_ETH_P_BATMAN));
	ASSERT_LE(0, self->sock);
	sll.sll_protocol = htons(TM_ETH_P_BATMAN);
	sll.sll_ifindex = self->ia;
	ASSERT_EQ(0, bind(self->sock, (struct sockaddr *)&sll, sizeof(sll)));
}

FIXTURE_TEARDOWN(veth)
{
	if (self->sock >= 0)
		close(self->sock);
	if (self->bpffs[0]) {
		umount(self->bpffs);
		rmdir(self->bpffs);
	}
}

#define NEED_BPF() do { \
	if (self->skip) \
		SKIP(return, "needs root and unshare(CLONE_NEWNET)"); \
} while (0)

/* Load with self->opts and attach to both ends. */
static int veth_attach(FIXTURE_DATA(veth) *self)
{
	struct tm *t;
	int ret;

	ret = tm_load(&t, &self->opts);
	if (ret < 0)
		return ret;
	ret = tm_attach(t, self->ia);
	if (!ret)
		ret = tm_attach(t, self->ib);
	tm_close(t);
	return ret;
}

static void frame_send(int sock, const uint8_t *dst, const uint8_t *src,
		       const void *bat, size_t len)
{
	uint8_t f[1514] = { 0 };
	uint16_t proto = htons(TM_ETH_P_BATMAN);
	size_t n = 14 + len < FRAME_LEN ? FRAME_LEN : 14 + len;

	memcpy(f, dst, 6);
	memcpy(f + 6, src, 6);
	memcpy(f + 12, &proto, 2);
	memcpy(f + 14, bat, len);
	if (send(sock, f, n, 0) != (ssize_t)n)
		abort();
}

/* A batman header of @type with zero padding, as batframe.py sends. */
static void frames_of_type(int sock, uint8_t type, unsigned int n)
{
	uint8_t bat[3] = { type, 15, 50 };

	for (unsigned int i = 0; i < n; i++)
		frame_send(sock, bcast, mac_a, bat, sizeof(bat));
}

static int link_get(const char *pin, int ifindex, const uint8_t *neigh,
		    uint8_t dir, struct tm_link_val *out);

struct link_find {
	struct tm_link_key want;
	struct tm_link_val *out;
	bool found;
};

static int link_find_cb(const void *key, const void *val, void *ctx)
{
	struct link_find *lf = ctx;

	if (memcmp(key, &lf->want, sizeof(lf->want)))
		return 0;
	memcpy(lf->out, val, sizeof(*lf->out));
	lf->found = true;
	return 1;
}

static int link_get(const char *pin, int ifindex, const uint8_t *neigh,
		    uint8_t dir, struct tm_link_val *out)
{
	struct link_find lf = { .want = { .ifindex = ifindex, .dir = dir },
				.out = out };
	int ret;

	memcpy(lf.want.neigh, neigh, 6);
	ret = tm_map_walk(pin, TM_MAP_LINK, link_find_cb, &lf);
	if (ret < 0)
		return ret;
	return lf.found ? 0 : -ENOENT;
}

static uint64_t link_total(const struct tm_link_val *v)
{
	uint64_t n = 0;

	for (int i = 0; i < TM_PT_MAX; i++)
		n += v->frames[i];
	return n;
}

/*
 * veth delivers to the peer from a softirq: wait until @n frames have
 * been counted at tmb's ingress, then a little more so that any extra
 * frame would show.
 */
static void wait_ingress(FIXTURE_DATA(veth) *self, uint64_t n)
{
	struct tm_link_val v;

	for (int i = 0; i < 200; i++) {
		if (!link_get(self->pin, self->ib, mac_a, TM_DIR_INGRESS, &v) &&
		    link_total(&v) >= n)
			break;
		usleep(10000);
	}
	usleep(50000);
}

static const uint8_t all_types[] = {
	0x00, 0x01, 0x02, 0x03, 0x04, 0x40, 0x41, 0x42, 0x43, 0x44, 0x99,
};

TEST_F(veth, counts_frames_and_bytes_of_each_type_exactly)
{
	struct tm_link_val in, out;
	uint64_t total = 0;

	NEED_BPF();
	ASSERT_EQ(0, veth_attach(self));
	/* A different count per type, so a swapped slot would show. */
	for (unsigned int i = 0; i < sizeof(all_types); i++) {
		frames_of_type(self->sock, all_types[i], 3 + i);
		total += 3 + i;
	}
	wait_ingress(self, total);
	ASSERT_EQ(0, link_get(self->pin, self->ib, mac_a, TM_DIR_INGRESS, &in));
	ASSERT_EQ(0, link_get(self->pin, self->ia, bcast, TM_DIR_EGRESS, &out));
	for (unsigned int i = 0; i < sizeof(all_types); i++) {
		EXPECT_EQ(3 + i, in.frames[i]) TH_LOG("%s", tm_ptype_name(i));
		EXPECT_EQ((3 + i) * FRAME_LEN, in.bytes[i]);
		EXPECT_EQ(3 + i, out.frames[i]) TH_LOG("%s", tm_ptype_name(i));
		EXPECT_EQ((3 + i) * FRAME_LEN, out.bytes[i]);
	}
	EXPECT_LT(0, in.last_seen_ns);
	EXPECT_GE(tm_now_ns(), in.last_seen_ns);
}

struct ogm {
	uint8_t type, version, ttl, flags;
	uint32_t seqno;
	uint8_t orig[6], prev_sender[6];
	uint8_t reserved, tq;
	uint16_t tvlv_len;
} __attribute__((packed));

static size_t ogm_put(uint8_t *buf, uint8_t last, uint32_t seqno,
		      uint8_t tq, uint16_t tvlv_len)
{
	struct ogm o = {
		.type = 0x00, .version = 15, .ttl = 50,
		.seqno = htonl(seqno), .tq = tq, .tvlv_len = htons(tvlv_len),
		.orig = { 0x02, 0, 0, 0, 1, last },
		.prev_sender = { 0x02, 0, 0, 0, 2, last },
	};

	memcpy(buf, &o, sizeof(o));
	memset(buf + sizeof(o), 0xee, tvlv_len);
	return sizeof(o) + tvlv_len;
}

struct orig_find {
	uint8_t last;		/* last byte of the originator */
	struct tm_orig_key key;
	struct tm_orig_val val;
	int found;
};

static int orig_find_cb(const void *key, const void *val, void *ctx)
{
	const struct tm_orig_key *k = key;
	struct orig_find *of = ctx;

	if (k->orig[4] != 1 || k->orig[5] != of->last)
		return 0;
	of->key = *k;
	memcpy(&of->val, val, sizeof(of->val));
	of->found++;
	return 0;
}

static int orig_get(const char *pin, uint8_t last, struct orig_find *of)
{
	int ret;

	memset(of, 0, sizeof(*of));
	of->last = last;
	ret = tm_map_walk(pin, TM_MAP_ORIG, orig_find_cb, of);
	return ret < 0 ? ret : of->found;
}

TEST_F(veth, every_ogm_of_an_aggregate_is_snooped_with_its_tvlv_skipped)
{
	uint8_t bat[512];
	struct orig_find of;
	size_t n = 0;

	NEED_BPF();
	ASSERT_EQ(0, veth_attach(self));
	n += ogm_put(bat + n, 1, 1000, 255, 0);
	n += ogm_put(bat + n, 2, 2000, 200, 12);
	n += ogm_put(bat + n, 3, 3000, 100, 0);
	/* Its TVLV runs past the frame: batman-adv ignores it, so do we. */
	n += ogm_put(bat + n, 4, 4000, 50, 0);
	((struct ogm *)(bat + n - sizeof(struct ogm)))->tvlv_len = htons(9);
	frame_send(self->sock, bcast, mac_a, bat, n);
	wait_ingress(self, 1);

	ASSERT_EQ(1, orig_get(self->pin, 2, &of));
	EXPECT_EQ(2000, of.val.seqno);
	EXPECT_EQ(200, of.val.metric);
	EXPECT_EQ(TM_ALGO_IV, of.val.algo);
	EXPECT_EQ(2, of.val.prev_sender[4]);
	EXPECT_EQ(0, memcmp(of.key.neigh, mac_a, 6));
	EXPECT_EQ(self->ib, (int)of.key.ifindex);
	ASSERT_EQ(1, orig_get(self->pin, 1, &of));
	EXPECT_EQ(255, of.val.metric);
	ASSERT_EQ(1, orig_get(self->pin, 3, &of));
	EXPECT_EQ(3000, of.val.seqno);
	EXPECT_EQ(0, orig_get(self->pin, 4, &of));
}

TEST_F(veth, ogm2_throughput_is_snooped)
{
	uint8_t bat[20] = { 0x04, 15, 50, 0 };
	uint32_t seq = htonl(77), thr = htonl(123456);
	uint8_t orig[6] = { 0x02, 0, 0, 0, 1, 9 };
	struct orig_find of;

	NEED_BPF();
	ASSERT_EQ(0, veth_attach(self));
	memcpy(bat + 4, &seq, 4);
	memcpy(bat + 8, orig, 6);
	memcpy(bat + 16, &thr, 4);
	frame_send(self->sock, bcast, mac_a, bat, sizeof(bat));
	wait_ingress(self, 1);
	ASSERT_EQ(1, orig_get(self->pin, 9, &of));
	EXPECT_EQ(123456, of.val.metric);
	EXPECT_EQ(77, of.val.seqno);
	EXPECT_EQ(TM_ALGO_V, of.val.algo);
}

struct loss_find {
	uint8_t kind;
	struct tm_loss_val val;
	int found;
};

static int loss_find_cb(const void *key, const void *val, void *ctx)
{
	const struct tm_loss_key *k = key;
	struct loss_find *lf = ctx;

	if (k->kind != lf->kind || k->addr[5] != 7)
		return 0;
	memcpy(&lf->val, val, sizeof(lf->val));
	lf->found++;
	return 0;
}

static int loss_get(const char *pin, uint8_t kind, struct tm_loss_val *v)
{
	struct loss_find lf = { .kind = kind };
	int ret;

	ret = tm_map_walk(pin, TM_MAP_LOSS, loss_find_cb, &lf);
	if (ret < 0)
		return ret;
	*v = lf.val;
	return lf.found;
}

static void elp_send(int sock, uint32_t seqno)
{
	uint8_t bat[16] = { 0x03, 15, 0x02, 0, 0, 0, 1, 7 };
	uint32_t s = htonl(seqno);

	memcpy(bat + 8, &s, 4);
	frame_send(sock, bcast, mac_a, bat, sizeof(bat));
}

static void ogm_send(int sock, uint32_t seqno)
{
	uint8_t bat[sizeof(struct ogm)];

	ogm_put(bat, 7, seqno, 200, 0);
	frame_send(sock, bcast, mac_a, bat, sizeof(bat));
}

TEST_F(veth, sequence_gaps_of_elp_count_as_exact_loss)
{
	struct tm_loss_val v;
	uint32_t ppm;

	NEED_BPF();
	self->opts.loss_window = 50;
	ASSERT_EQ(0, veth_attach(self));
	/* 1..300 but 5, 15, ... 295: 30 lost, 270 received. */
	for (uint32_t s = 1; s <= 300; s++)
		if (s % 10 != 5)
			elp_send(self->sock, s);
	wait_ingress(self, 270);
	ASSERT_EQ(1, loss_get(self->pin, TM_SEQ_ELP, &v));
	EXPECT_EQ(270, v.received);
	EXPECT_EQ(30, v.lost);
	ASSERT_EQ(0, tm_loss_ppm(&v, false, &ppm));
	EXPECT_EQ(100000, ppm);
	/* The window of 50 retired its buckets at 50, 100, ... seqnos. */
	EXPECT_EQ(50, v.win_prev_received + v.win_prev_lost);
	EXPECT_EQ(0, v.restarts);
}

TEST_F(veth, late_ogm_turns_a_loss_back_into_a_reception)
{
	struct tm_loss_val v;

	NEED_BPF();
	ASSERT_EQ(0, veth_attach(self));
	ogm_send(self->sock, 10);
	ogm_send(self->sock, 13);	/* 11, 12 lost so far */
	ogm_send(self->sock, 11);	/* late */
	ogm_send(self->sock, 13);	/* duplicate: nothing */
	wait_ingress(self, 4);
	ASSERT_EQ(1, loss_get(self->pin, TM_SEQ_OGM, &v));
	EXPECT_EQ(3, v.received);
	EXPECT_EQ(1, v.lost);
	EXPECT_EQ(13, v.last_seqno);
}

TEST_F(veth, originator_restart_is_not_counted_as_loss)
{
	struct tm_loss_val v;

	NEED_BPF();
	ASSERT_EQ(0, veth_attach(self));
	ogm_send(self->sock, 5000000);
	ogm_send(self->sock, 5000001);
	ogm_send(self->sock, 3);	/* rebooted: seqnos start again */
	ogm_send(self->sock, 4);
	wait_ingress(self, 4);
	ASSERT_EQ(1, loss_get(self->pin, TM_SEQ_OGM, &v));
	EXPECT_EQ(4, v.received);
	EXPECT_EQ(0, v.lost);
	EXPECT_EQ(1, v.restarts);
}

static int count_cb(const void *key, const void *val, void *ctx)
{
	(*(uint64_t *)ctx)++;
	return 0;
}

TEST_F(veth, random_source_macs_stay_within_bound_and_new_neighbours_still_count)
{
	uint8_t bat[3] = { 0x40, 15, 50 }, src[6];
	struct tm_link_val v;
	struct prng r;
	uint64_t n = 0;

	NEED_BPF();
	self->opts.link_entries = 64;
	ASSERT_EQ(0, veth_attach(self));
	prng_seed(&r, 4);
	for (int i = 0; i < 3000; i++) {
		uint64_t x = prng_next(&r);

		memcpy(src, &x, 6);
		src[0] = (src[0] & 0xfe) | 0x02;	/* unicast, local */
		frame_send(self->sock, mac_b, src, bat, sizeof(bat));
	}
	usleep(200000);
	/* A real neighbour that appears after the flood is still recorded. */
	frames_of_type(self->sock, 0x40, 5);
	wait_ingress(self, 5);
	ASSERT_EQ(0, tm_map_walk(self->pin, TM_MAP_LINK, count_cb, &n));
	EXPECT_GE(64, n);
	EXPECT_LT(16, n);
	ASSERT_EQ(0, link_get(self->pin, self->ib, mac_a, TM_DIR_INGRESS, &v));
	EXPECT_EQ(5, v.frames[TM_PT_UNICAST]);
}

TEST_F(veth, detach_leaves_nothing_attached_or_pinned_and_reattach_counts_afresh)
{
	uint32_t in_id, eg_id;
	struct tm_link_val v;
	struct stat st;

	NEED_BPF();
	ASSERT_EQ(0, veth_attach(self));
	ASSERT_EQ(0, tm_query(self->ib, &in_id, &eg_id));
	EXPECT_NE(0, in_id);
	EXPECT_NE(0, eg_id);
	frames_of_type(self->sock, 0x01, 4);
	wait_ingress(self, 4);

	EXPECT_EQ(0, tm_detach(self->ia));
	EXPECT_EQ(0, tm_detach(self->ib));
	EXPECT_EQ(-ENOENT, tm_detach(self->ib));
	ASSERT_EQ(0, tm_query(self->ib, &in_id, &eg_id));
	EXPECT_EQ(0, in_id);
	EXPECT_EQ(0, eg_id);
	ASSERT_EQ(0, tm_unpin(self->pin));
	EXPECT_EQ(-1, stat(self->pin, &st));
	EXPECT_EQ(-ENOENT, link_get(self->pin, self->ib, mac_a,
				    TM_DIR_INGRESS, &v));

	ASSERT_EQ(0, veth_attach(self));
	frames_of_type(self->sock, 0x01, 2);
	wait_ingress(self, 2);
	ASSERT_EQ(0, link_get(self->pin, self->ib, mac_a, TM_DIR_INGRESS, &v));
	EXPECT_EQ(2, v.frames[TM_PT_BCAST]);
}

TEST_F(veth, reload_keeps_pinned_counters_and_refuses_other_sizes)
{
	struct tm_link_val v;
	struct tm *t;

	NEED_BPF();
	ASSERT_EQ(0, veth_attach(self));
	frames_of_type(self->sock, 0x01, 3);
	wait_ingress(self, 3);
	ASSERT_EQ(0, veth_attach(self));	/* a second load reuses the maps */
	frames_of_type(self->sock, 0x01, 3);
	wait_ingress(self, 6);
	ASSERT_EQ(0, link_get(self->pin, self->ib, mac_a, TM_DIR_INGRESS, &v));
	EXPECT_EQ(6, v.frames[TM_PT_BCAST]);

	self->opts.link_entries = 128;
	EXPECT_EQ(-EEXIST, tm_load(&t, &self->opts));
}

TEST_F(veth, prune_ages_out_only_entries_not_seen_recently)
{
	uint64_t deleted = 0, n = 0;

	NEED_BPF();
	ASSERT_EQ(0, veth_attach(self));
	ogm_send(self->sock, 1);
	wait_ingress(self, 1);
	ASSERT_EQ(0, tm_prune(self->pin, 10ull * 1000000000, tm_now_ns(),
			      &deleted));
	EXPECT_EQ(0, deleted);
	ASSERT_EQ(0, tm_prune(self->pin, 1000000000,
			      tm_now_ns() + 2000000000ull, &deleted));
	/* tm_link at both ends, tm_orig and tm_loss at tmb. */
	EXPECT_EQ(4, deleted);
	ASSERT_EQ(0, tm_map_walk(self->pin, TM_MAP_LINK, count_cb, &n));
	EXPECT_EQ(0, n);
}

struct hardifs_seen {
	int n;
	char names[4][IF_NAMESIZE];
};

static int hardifs_collect(const char *ifname, void *ctx)
{
	struct hardifs_seen *seen = ctx;

	if (seen->n < 4)
		snprintf(seen->names[seen->n], IF_NAMESIZE, "%s", ifname);
	seen->n++;
	return 0;
}

/* `attach` without dev must not put programs on a bridge's ports. */
TEST_F(veth, ports_of_other_masters_are_not_batman_hard_interfaces)
{
	struct hardifs_seen seen = { 0 };

	NEED_BPF();
	if (system("ip link add tmbr type bridge && "
		   "ip link set tma master tmbr"))
		SKIP(return, "no bridge support");
	ASSERT_EQ(0, tm_hardifs(hardifs_collect, &seen));
	EXPECT_EQ(0, seen.n);
}

/* Needs batman-adv: runs in the VM (tools/vmtest), skips on the host. */
TEST_F(veth, batadv_slaves_are_found_in_this_namespace)
{
	struct hardifs_seen seen = { 0 };

	NEED_BPF();
	if (system("ip link add tmbat type batadv 2>/dev/null"))
		SKIP(return, "no batman-adv here (run in tools/vmtest/vmtest)");
	ASSERT_EQ(0, system("ip link set tmb master tmbat"));
	ASSERT_EQ(0, tm_hardifs(hardifs_collect, &seen));
	ASSERT_EQ(1, seen.n);
	EXPECT_STREQ("tmb", seen.names[0]);
}

TEST_HARNESS_MAIN
