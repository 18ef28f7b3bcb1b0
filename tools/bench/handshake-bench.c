// SPDX-License-Identifier: GPL-2.0
/*
 * Handshake rates between two processes on loopback, each beside a
 * baseline from the same run:
 *   handshake_full     x0tta mTLS full handshakes per second (SPIFFE
 *                      validation and authorization on both sides),
 *                      against gnutls-serv and a plain GnuTLS client doing
 *                      the same TLS 1.3 mutual handshake with the same
 *                      certificates and GnuTLS's own chain verification
 *   handshake_resumed  x0tta handshakes resumed from a session ticket per
 *                      second, against x0tta full handshakes
 * and, for scale, what the plain GnuTLS pair gains by resuming.
 * Usage: handshake-bench [COUNT] (default 300 handshakes per figure).
 *
 * handshake-bench --only full|resumed COUNT makes COUNT x0tta handshakes
 * of one kind and nothing else, for a profiler: under
 * valgrind --tool=callgrind, the instructions of one handshake per side
 * are the difference between two COUNTs divided by their difference,
 * which takes out the set-up (certificates, credentials, first ticket).
 * Certificates are made fresh for each run in a temporary directory.
 * Built and run by tools/bench/handshake.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <dirent.h>

#include "identity/ca.h"
#include "identity/source.h"

/* The baseline speaks exactly what x0tta speaks. */
#define PRIORITY IDN_TLS_PRIORITY

static const char *const any_node[] = { "spiffe://mesh.test/node/" };
static char path_buf[8][512];

static const char *bench_path(int slot, const char *dir, const char *name)
{
	snprintf(path_buf[slot], sizeof(path_buf[slot]), "%s/%s", dir, name);
	return path_buf[slot];
}

static double bench_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int bench_socket(unsigned short port, bool listening)
{
	struct sockaddr_in sin = { .sin_family = AF_INET,
				   .sin_port = htons(port) };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	socklen_t len = sizeof(sin);

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0)
		return -1;
	/*
	 * Handshake flights are small writes; without this, Nagle and
	 * delayed ACKs add 40 ms to every exchange (x0ttad must set it too).
	 */
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &(int){ 1 }, sizeof(int));
	if (!listening)
		return connect(fd, (void *)&sin, sizeof(sin)) ? -1 : fd;
	if (bind(fd, (void *)&sin, sizeof(sin)) || listen(fd, 64) ||
	    getsockname(fd, (void *)&sin, &len))
		return -1;
	return fd;
}

/* Drive a handshake on a blocking socket through the non-blocking API. */
static enum idn_err bench_handshake(struct idn_conn *c, int fd,
				    struct idn_status *st)
{
	enum idn_err err;

	while ((err = idn_conn_handshake(c, st)) == IDN_ERR_AGAIN) {
		struct pollfd p = { .fd = fd };

		p.events = idn_conn_events(c) & EPOLLOUT ? POLLOUT : POLLIN;
		poll(&p, 1, 1000);
	}
	return err;
}

static enum idn_err bench_open_source(struct idn_source *src, const char *dir,
				      const char *who, struct idn_status *st)
{
	char cert[16], key[16];
	struct idn_files f = { .n_bundles = 1 };

	snprintf(cert, sizeof(cert), "%s.pem", who);
	snprintf(key, sizeof(key), "%s.key", who);
	f.cert = bench_path(who[0] == 'a' ? 0 : 3, dir, cert);
	f.key = bench_path(who[0] == 'a' ? 1 : 4, dir, key);
	f.bundles[0] = bench_path(who[0] == 'a' ? 2 : 5, dir, "ca.pem");
	return idn_source_open(src, &f, any_node, 1, IDN_SKEW_DEFAULT,
			       time(NULL), st);
}

/* The x0tta server: one connection at a time, as fast as they come. */
static void bench_serve(const char *dir, int lfd)
{
	struct idn_source src;
	struct idn_status st;

	if (bench_open_source(&src, dir, "b", &st)) {
		fprintf(stderr, "server: %s\n", st.detail);
		exit(1);
	}
	for (;;) {
		int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		struct idn_conn c;
		size_t done;

		if (fd < 0)
			continue;
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &(int){ 1 },
			   sizeof(int));
		if (idn_conn_init(&c, src.tls, IDN_ROLE_SERVER, fd, NULL,
				  &st) == IDN_OK) {
			/* One byte tells the client it was accepted. */
			if (bench_handshake(&c, fd, &st) == IDN_OK)
				idn_conn_send(&c, "k", 1, &done, &st);
			idn_conn_free(&c);
		}
		close(fd);
	}
}

/*
 * One x0tta client connection: handshake and wait for the server's byte,
 * which also brings the session ticket. Returns 1 if it resumed, 0 if
 * not, -1 on failure.
 */
static int bench_connect(struct idn_tls *tls, unsigned short port,
			 const gnutls_datum_t *resume, gnutls_datum_t *ticket)
{
	struct idn_status st;
	struct idn_conn c;
	char buf[4];
	size_t done;
	int fd = bench_socket(port, false), ret = -1;

	if (fd < 0 || idn_conn_init(&c, tls, IDN_ROLE_CLIENT, fd, resume, &st))
		goto out;
	if (bench_handshake(&c, fd, &st) == IDN_OK) {
		enum idn_err err;

		while ((err = idn_conn_recv(&c, buf, sizeof(buf), &done,
					    &st)) == IDN_ERR_AGAIN) {
			struct pollfd p = { .fd = fd, .events = POLLIN };

			poll(&p, 1, 1000);
		}
		if (err == IDN_OK)
			ret = idn_conn_resumed(&c);
		if (err == IDN_OK && ticket)
			idn_conn_session_data(&c, ticket, &st);
	}
	if (ret < 0)
		fprintf(stderr, "client: %s\n", st.detail);
	idn_conn_free(&c);
out:
	if (fd >= 0)
		close(fd);
	return ret;
}

/*
 * The baseline client: plain GnuTLS, its own chain verification. Like
 * the x0tta client it waits for a record from the server (gnutls-serv
 * echoes a line), which the server sends only once it has judged the
 * client: a TLS 1.3 client finishes first, and a connection timed
 * without that wait would leave the server's half of the work to the
 * next one. With ticket, it also fetches a session ticket (it arrives
 * before the echo). Returns 1 if it resumed, 0 if not, -1 on failure.
 */
static int bench_plain_connect(gnutls_certificate_credentials_t cred,
			       gnutls_priority_t prio, unsigned short port,
			       const gnutls_datum_t *resume,
			       gnutls_datum_t *ticket)
{
	gnutls_session_t s;
	int fd = bench_socket(port, false), ret = -1;
	char buf[8];

	if (fd < 0 || gnutls_init(&s, GNUTLS_CLIENT) < 0)
		goto out;
	gnutls_priority_set(s, prio);
	gnutls_credentials_set(s, GNUTLS_CRD_CERTIFICATE, cred);
	gnutls_session_set_verify_cert(s, NULL, 0);
	gnutls_transport_set_int(s, fd);
	if (resume)
		gnutls_session_set_data(s, resume->data, resume->size);
	do {
		ret = gnutls_handshake(s);
	} while (ret == GNUTLS_E_AGAIN || ret == GNUTLS_E_INTERRUPTED);
	if (ret >= 0)
		ret = gnutls_record_send(s, "x\n", 2);
	/*
	 * gnutls-serv leaves Nagle on and writes tickets and echo apart: the
	 * echo waits for our ACK of the tickets, which must not be delayed.
	 */
	setsockopt(fd, IPPROTO_TCP, TCP_QUICKACK, &(int){ 1 }, sizeof(int));
	if (ret >= 0) {
		/* A ticket alone makes GnuTLS return AGAIN, even blocking. */
		do {
			ret = gnutls_record_recv(s, buf, sizeof(buf));
		} while (ret == GNUTLS_E_AGAIN);
		if (ret == 0)
			ret = GNUTLS_E_PREMATURE_TERMINATION;
	}
	if (ret >= 0 && ticket)
		ret = gnutls_session_get_data2(s, ticket);
	if (ret < 0)
		fprintf(stderr, "baseline: %s\n", gnutls_strerror(ret));
	else
		ret = gnutls_session_is_resumed(s);
	gnutls_bye(s, GNUTLS_SHUT_WR);
	gnutls_deinit(s);
out:
	if (fd >= 0)
		close(fd);
	return ret;
}

struct bench_plain {
	gnutls_certificate_credentials_t cred;
	gnutls_priority_t prio;
	unsigned short port;
	gnutls_datum_t ticket;
};

static int bench_plain_init(struct bench_plain *b, const char *dir)
{
	if (gnutls_certificate_allocate_credentials(&b->cred) < 0)
		return -1;
	if (gnutls_certificate_set_x509_key_file(b->cred,
						 bench_path(6, dir, "a.pem"),
						 bench_path(7, dir, "a.key"),
						 GNUTLS_X509_FMT_PEM) < 0 ||
	    gnutls_certificate_set_x509_trust_file(b->cred,
						   bench_path(2, dir, "ca.pem"),
						   GNUTLS_X509_FMT_PEM) <= 0 ||
	    gnutls_priority_init(&b->prio, PRIORITY, NULL) < 0) {
		gnutls_certificate_free_credentials(b->cred);
		return -1;
	}
	return 0;
}

static void bench_plain_free(struct bench_plain *b)
{
	gnutls_free(b->ticket.data);
	gnutls_priority_deinit(b->prio);
	gnutls_certificate_free_credentials(b->cred);
}

/* A CA and the two nodes' files, as `x0ttactl ca` would write them. */
static int bench_certs(const char *dir)
{
	static const char *const names[] = { "a", "b" };
	struct idn_status st;
	struct idn_ca ca;
	time_t now = time(NULL);
	int ret = -1;

	if (idn_ca_create(&ca, "mesh.test", IDN_KEY_ED25519, now - 60, 3600,
			  &st) ||
	    idn_ca_save(&ca, bench_path(2, dir, "ca.pem"),
			bench_path(6, dir, "ca.key"), &st))
		goto out;
	for (int i = 0; i < 2; i++) {
		char id[64], cert[16], key[16];
		struct idn_svid svid;

		snprintf(id, sizeof(id), "spiffe://mesh.test/node/%s",
			 names[i]);
		snprintf(cert, sizeof(cert), "%s.pem", names[i]);
		snprintf(key, sizeof(key), "%s.key", names[i]);
		if (idn_ca_issue(&ca, id, IDN_KEY_ED25519, now, 3600, &svid,
				 &st))
			goto out_ca;
		ret = idn_svid_save(&svid, bench_path(6, dir, cert),
				    bench_path(7, dir, key), &st);
		idn_svid_free(&svid);
		if (ret)
			goto out_ca;
	}
	ret = 0;
out_ca:
	idn_ca_free(&ca);
out:
	if (ret)
		fprintf(stderr, "certificates: %s\n", st.detail);
	return ret;
}

static unsigned short bench_port(int lfd)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);

	if (getsockname(lfd, (void *)&sin, &len))
		return 0;
	return ntohs(sin.sin_port);
}

/* The baseline server: gnutls-serv with the same certificates. */
static pid_t bench_gnutls_serv(const char *dir, unsigned short *port)
{
	char portarg[16];
	int probe = bench_socket(0, true);
	pid_t pid;

	/* Borrow a free port from the kernel; gnutls-serv takes it over. */
	*port = bench_port(probe);
	close(probe);
	snprintf(portarg, sizeof(portarg), "%u", *port);
	pid = fork();
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR);

		dup2(null, 1);
		dup2(null, 2);
		execlp("gnutls-serv", "gnutls-serv", "--quiet", "--echo",
		       "--port", portarg, "--priority", PRIORITY,
		       "--x509certfile",
		       bench_path(3, dir, "b.pem"), "--x509keyfile",
		       bench_path(4, dir, "b.key"), "--x509cafile",
		       bench_path(5, dir, "ca.pem"), "--require-client-cert",
		       "--verify-client-cert", (char *)NULL);
		_exit(127);
	}
	for (int i = 0; i < 100; i++) {
		int fd = bench_socket(*port, false);

		if (fd >= 0) {
			close(fd);
			return pid;
		}
		usleep(50000);
	}
	fprintf(stderr, "gnutls-serv did not start (gnutls-bin installed?)\n");
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	return -1;
}

static void bench_rmdir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char path[600];

	while (d && (e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		unlink(path);
	}
	if (d)
		closedir(d);
	rmdir(dir);
}

/*
 * The kinds take turns connection by connection, and each connection is
 * timed alone. A rate is the inverse of the median connection time: on
 * a machine shared with compilers, the mean carries every time slice
 * another process took in the middle of a handshake, the median does
 * not. The mean-based rates are printed too.
 */
enum { BENCH_FULL, BENCH_RESUMED, BENCH_PLAIN, BENCH_PLAIN_RESUMED,
       BENCH_KINDS };

static int bench_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* One connection of kind k; 0 if it went as that kind expects. */
static int bench_one(int k, struct idn_tls *tls, unsigned short port,
		     const gnutls_datum_t *ticket, struct bench_plain *plain)
{
	int resumed;

	switch (k) {
	case BENCH_FULL:
		return bench_connect(tls, port, NULL, NULL) == 0 ? 0 : -1;
	case BENCH_RESUMED:
		resumed = bench_connect(tls, port, ticket, NULL);
		break;
	case BENCH_PLAIN:
		return bench_plain_connect(plain->cred, plain->prio,
					   plain->port, NULL, NULL) == 0 ?
		       0 : -1;
	default:
		resumed = bench_plain_connect(plain->cred, plain->prio,
					      plain->port, &plain->ticket,
					      NULL);
		break;
	}
	if (resumed != 1)
		fprintf(stderr, "%s connection did not resume\n",
			k == BENCH_RESUMED ? "x0tta" : "baseline");
	return resumed == 1 ? 0 : -1;
}

/* Time count connections of each kind into lat[kind][i]. */
static int bench_time(struct idn_tls *tls, unsigned short port,
		      const gnutls_datum_t *ticket, struct bench_plain *plain,
		      int count, double *lat[BENCH_KINDS])
{
	for (int i = 0; i < count; i++) {
		for (int k = 0; k < BENCH_KINDS; k++) {
			double t0 = bench_now();

			if (bench_one(k, tls, port, ticket, plain))
				return -1;
			lat[k][i] = bench_now() - t0;
		}
	}
	return 0;
}

/* Rates from the median (med) and the mean (mean) connection time. */
static void bench_rates(double *lat[BENCH_KINDS], int count,
			double med[BENCH_KINDS], double mean[BENCH_KINDS])
{
	for (int k = 0; k < BENCH_KINDS; k++) {
		double sum = 0;

		for (int i = 0; i < count; i++)
			sum += lat[k][i];
		mean[k] = count / sum;
		qsort(lat[k], count, sizeof(double), bench_cmp);
		med[k] = 1 / lat[k][count / 2];
	}
}

static int bench_measure(const char *dir, unsigned short port,
			 struct bench_plain *plain, int count)
{
	double *lat[BENCH_KINDS] = { NULL }, med[BENCH_KINDS], mean[BENCH_KINDS];
	gnutls_datum_t ticket = { NULL, 0 };
	struct idn_source src;
	struct idn_status st;
	int ret = -1;

	if (bench_open_source(&src, dir, "a", &st)) {
		fprintf(stderr, "client: %s\n", st.detail);
		return -1;
	}
	for (int k = 0; k < BENCH_KINDS; k++) {
		lat[k] = calloc(count, sizeof(double));
		if (!lat[k])
			goto out;
	}
	if (bench_connect(src.tls, port, NULL, &ticket) != 0 ||
	    bench_plain_connect(plain->cred, plain->prio, plain->port, NULL,
				&plain->ticket) != 0 ||
	    bench_time(src.tls, port, &ticket, plain, count, lat))
		goto out;
	bench_rates(lat, count, med, mean);
	printf("# %d handshakes of each kind, interleaved, rate = 1 / median "
	       "time; Ed25519 SVIDs, TLS 1.3, loopback\n", count);
	printf("# by mean time: x0tta full %.0f/s, resumed %.0f/s (%.2fx); "
	       "baseline full %.0f/s\n", mean[BENCH_FULL], mean[BENCH_RESUMED],
	       mean[BENCH_RESUMED] / mean[BENCH_FULL], mean[BENCH_PLAIN]);
	/* What GnuTLS alone gains by resuming, for scale. */
	printf("# gnutls-serv + plain client: full %.0f/s, resumed %.0f/s "
	       "(%.2fx)\n", med[BENCH_PLAIN], med[BENCH_PLAIN_RESUMED],
	       med[BENCH_PLAIN_RESUMED] / med[BENCH_PLAIN]);
	printf("RESULT handshake_full x0tta=%.0f/s baseline=%.0f/s "
	       "ratio=%.2f\n", med[BENCH_FULL], med[BENCH_PLAIN],
	       med[BENCH_FULL] / med[BENCH_PLAIN]);
	printf("RESULT handshake_resumed x0tta=%.0f/s baseline=%.0f/s "
	       "ratio=%.2f\n", med[BENCH_RESUMED], med[BENCH_FULL],
	       med[BENCH_RESUMED] / med[BENCH_FULL]);
	ret = 0;
out:
	for (int k = 0; k < BENCH_KINDS; k++)
		free(lat[k]);
	gnutls_free(ticket.data);
	idn_source_close(&src);
	return ret;
}

/* --only: count x0tta connections of kind k, without the baseline. */
static int bench_only(const char *dir, unsigned short port, int k, int count)
{
	gnutls_datum_t ticket = { NULL, 0 };
	struct idn_source src;
	struct idn_status st;
	double t0;
	int ret = -1;

	if (bench_open_source(&src, dir, "a", &st)) {
		fprintf(stderr, "client: %s\n", st.detail);
		return -1;
	}
	if (bench_connect(src.tls, port, NULL, &ticket) != 0)
		goto out;
	t0 = bench_now();
	for (int i = 0; i < count; i++)
		if (bench_one(k, src.tls, port, &ticket, NULL))
			goto out;
	printf("# %d %s x0tta handshakes in %.3f s\n", count,
	       k == BENCH_FULL ? "full" : "resumed", bench_now() - t0);
	ret = 0;
out:
	gnutls_free(ticket.data);
	idn_source_close(&src);
	return ret;
}

/* The baseline server, then the measurement; only is -1 or a kind. */
static int bench_compare(const char *dir, unsigned short port,
			 struct bench_plain *plain, int only, int count)
{
	pid_t baseline;
	int ret;

	if (only >= 0)
		return bench_only(dir, port, only, count) ? 1 : 0;
	baseline = bench_gnutls_serv(dir, &plain->port);
	if (baseline < 0)
		return 1;
	ret = bench_measure(dir, port, plain, count) ? 1 : 0;
	kill(baseline, SIGTERM);
	waitpid(baseline, NULL, 0);
	return ret;
}

static int bench_run(const char *dir, int only, int count)
{
	struct bench_plain plain;
	unsigned short port;
	pid_t server;
	int lfd, ret = 1;

	if (bench_plain_init(&plain, dir)) {
		fprintf(stderr, "baseline: cannot load credentials\n");
		return 1;
	}
	lfd = bench_socket(0, true);
	port = bench_port(lfd);
	if (lfd < 0 || !port)
		goto out_plain;
	server = fork();
	if (server == 0)
		bench_serve(dir, lfd);
	close(lfd);
	ret = bench_compare(dir, port, &plain, only, count);
	kill(server, SIGTERM);
	waitpid(server, NULL, 0);
out_plain:
	bench_plain_free(&plain);
	return ret;
}

/* The kind named by --only's argument, or -1. */
static int bench_kind(const char *name)
{
	if (strcmp(name, "full") == 0)
		return BENCH_FULL;
	if (strcmp(name, "resumed") == 0)
		return BENCH_RESUMED;
	return -1;
}

static int bench_usage(const char *prog)
{
	fprintf(stderr, "usage: %s [--only full|resumed] [COUNT]\n", prog);
	return 2;
}

int main(int argc, char **argv)
{
	char dir[] = "/tmp/x0tta-bench.XXXXXX";
	const char *prog = argv[0];
	int only = -1, count = 300, ret;

	if (argc > 2 && strcmp(argv[1], "--only") == 0) {
		only = bench_kind(argv[2]);
		if (only < 0)
			return bench_usage(prog);
		argc -= 2;
		argv += 2;
	}
	if (argc == 2)
		count = atoi(argv[1]);
	if (argc > 2 || count <= 0 || count > 1000000)
		return bench_usage(prog);
	signal(SIGPIPE, SIG_IGN);
	if (!mkdtemp(dir)) {
		perror(dir);
		return 1;
	}
	ret = bench_certs(dir) ? 1 : bench_run(dir, only, count);
	bench_rmdir(dir);
	return ret;
}
