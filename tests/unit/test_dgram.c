/*
 * dgram: batches over real UDP sockets on 127.0.0.1 (port 0, so runs never
 * collide): sizes and peers of received datagrams, capacity and
 * truncation, queue and flush, the event-driven reader (echo, several
 * batches per wake-up, the round cap) and IP_PKTINFO ancillary data.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cmocka.h>
#include <event2/event.h>

#include "dgram.h"
#include "net.h"

/* Two sockets on 127.0.0.1: `a` sends, `b` receives (and replies). */
struct pair {
	int a, b;
	struct net_sockaddr a_addr, b_addr;
};

static int
udp_bound(struct net_sockaddr *addr)
{
	struct sockaddr_in sin;
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (fd == -1)
		return -1;
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	memset(addr, 0, sizeof(*addr));
	addr->len = sizeof(addr->ss);
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1 ||
	    getsockname(fd, &addr->sa, &addr->len) == -1) {
		close(fd);
		return -1;
	}
	return fd;
}

static int
pair_setup(void **state)
{
	struct pair *p = calloc(1, sizeof(*p));

	if (p == NULL)
		return -1;
	p->a = udp_bound(&p->a_addr);
	p->b = udp_bound(&p->b_addr);
	*state = p;
	return p->a == -1 || p->b == -1 ? -1 : 0;
}

static int
pair_teardown(void **state)
{
	struct pair *p = *state;

	if (p->a != -1)
		close(p->a);
	if (p->b != -1)
		close(p->b);
	free(p);
	return 0;
}

static void
send_to(int fd, const struct net_sockaddr *to, const void *buf, size_t len)
{
	ssize_t n = sendto(fd, buf, len, 0, &to->sa, to->len);

	assert_int_equal(n, (ssize_t)len);
}

static void
wait_readable(int fd)
{
	struct pollfd pfd = {.fd = fd, .events = POLLIN};

	assert_int_equal(poll(&pfd, 1, 2000), 1);
}

/* One datagram from fd, waiting up to 2 s; returns its length. */
static size_t
recv_one(int fd, void *buf, size_t size, struct net_sockaddr *from)
{
	ssize_t n;

	wait_readable(fd);
	from->len = sizeof(from->ss);
	n = recvfrom(fd, buf, size, MSG_DONTWAIT, &from->sa, &from->len);
	assert_true(n >= 0);
	return (size_t)n;
}

/* Datagram i is `size_of(i)` bytes of the value i. */
static size_t
size_of(unsigned i)
{
	return (size_t)i * 37 + 1;
}

static void
send_numbered(const struct pair *p, unsigned count)
{
	uint8_t buf[1024];
	unsigned i;

	for (i = 0; i < count; i++) {
		memset(buf, (int)i, size_of(i));
		send_to(p->a, &p->b_addr, buf, size_of(i));
	}
	wait_readable(p->b);
}

static void
check_numbered(struct dgram_batch *b, unsigned first, unsigned count,
	       const struct net_sockaddr *from)
{
	unsigned i;
	size_t j;

	assert_int_equal(dgram_batch_used(b), count);
	for (i = 0; i < count; i++) {
		struct dgram_slot *s = dgram_batch_slot(b, i);

		assert_int_equal(s->len, size_of(first + i));
		assert_false(s->truncated);
		assert_true(net_sockaddr_equal(&s->peer, from));
		assert_int_equal(s->peer.len, sizeof(struct sockaddr_in));
		for (j = 0; j < s->len; j++)
			assert_int_equal(s->data[j], (first + i) & 0xff);
	}
}

/* --- batches --------------------------------------------------------- */

static void
test_batch_new_bounds(void **state)
{
	static const struct {
		unsigned count;
		size_t bufsize;
		bool ok;
	} cases[] = {
		{0, 512, false},       {DGRAM_MAX_BATCH + 1, 512, false},
		{1000000, 512, false}, {1, 0, false},
		{1, 65537, false},     {1, SIZE_MAX, false},
		{1, 1, true},          {DGRAM_MAX_BATCH, 512, true},
		{1, 65536, true},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct dgram_batch *b =
			dgram_batch_new(cases[i].count, cases[i].bufsize);

		if ((b != NULL) != cases[i].ok)
			fail_msg("dgram_batch_new(%u, %zu): %p", cases[i].count,
				 cases[i].bufsize, (void *)b);
		if (b != NULL) {
			assert_int_equal(dgram_batch_capacity(b),
					 cases[i].count);
			assert_int_equal(dgram_batch_bufsize(b),
					 cases[i].bufsize);
			assert_int_equal(dgram_batch_used(b), 0);
		}
		dgram_batch_free(b);
	}
	dgram_batch_free(NULL);
}

/* Every slot has its own buffer of bufsize bytes; none past capacity. */
static void
test_batch_slots_separate(void **state)
{
	struct dgram_batch *b = dgram_batch_new(8, 100);
	unsigned i;

	(void)state;
	assert_non_null(b);
	for (i = 0; i < 8; i++) {
		struct dgram_slot *s = dgram_batch_slot(b, i);

		assert_non_null(s);
		assert_non_null(s->control);
		memset(s->data, (int)i, 100);
		memset(s->control, (int)i, DGRAM_CONTROL_LEN);
	}
	for (i = 0; i < 8; i++) {
		struct dgram_slot *s = dgram_batch_slot(b, i);

		assert_int_equal(s->data[0], i);
		assert_int_equal(s->data[99], i);
		assert_int_equal(s->control[DGRAM_CONTROL_LEN - 1], i);
	}
	assert_null(dgram_batch_slot(b, 8));
	assert_null(dgram_batch_slot(b, UINT32_MAX));
	dgram_batch_free(b);
}

/* --- receiving ------------------------------------------------------- */

static void
test_recv_ten_sizes_one_call(void **state)
{
	struct pair *p = *state;
	struct dgram_batch *b = dgram_batch_new(16, 1024);

	assert_non_null(b);
	send_numbered(p, 10);
	assert_int_equal(dgram_recv(b, p->b), 10);
	check_numbered(b, 0, 10, &p->a_addr);
	assert_int_equal(dgram_recv(b, p->b), 0);
	dgram_batch_free(b);
}

static void
test_recv_over_capacity_two_calls(void **state)
{
	struct pair *p = *state;
	struct dgram_batch *b = dgram_batch_new(4, 1024);

	assert_non_null(b);
	send_numbered(p, 6);
	assert_int_equal(dgram_recv(b, p->b), 4);
	check_numbered(b, 0, 4, &p->a_addr);
	assert_int_equal(dgram_recv(b, p->b), 2);
	check_numbered(b, 4, 2, &p->a_addr);
	assert_int_equal(dgram_recv(b, p->b), 0);
	assert_int_equal(dgram_batch_used(b), 0);
	dgram_batch_free(b);
}

static void
test_recv_oversized_truncated(void **state)
{
	struct pair *p = *state;
	struct dgram_batch *b = dgram_batch_new(4, 16);
	uint8_t big[100], fits[16];

	assert_non_null(b);
	memset(big, 'B', sizeof(big));
	memset(fits, 'F', sizeof(fits));
	send_to(p->a, &p->b_addr, big, sizeof(big));
	send_to(p->a, &p->b_addr, fits, sizeof(fits));
	wait_readable(p->b);
	assert_int_equal(dgram_recv(b, p->b), 2);
	assert_true(dgram_batch_slot(b, 0)->truncated);
	assert_int_equal(dgram_batch_slot(b, 0)->len, 16);
	assert_int_equal(dgram_batch_slot(b, 0)->data[15], 'B');
	assert_false(dgram_batch_slot(b, 1)->truncated);
	assert_int_equal(dgram_batch_slot(b, 1)->len, 16);
	dgram_batch_free(b);
}

static void
test_recv_empty_socket_zero(void **state)
{
	struct pair *p = *state;
	struct dgram_batch *b = dgram_batch_new(4, 64);

	assert_non_null(b);
	assert_int_equal(dgram_recv(b, p->b), 0);
	assert_int_equal(dgram_batch_used(b), 0);
	dgram_batch_free(b);
}

static void
test_recv_bad_fd_error(void **state)
{
	struct dgram_batch *b = dgram_batch_new(4, 64);

	(void)state;
	assert_non_null(b);
	errno = 0;
	assert_int_equal(dgram_recv(b, -1), -1);
	assert_int_equal(errno, EBADF);
	dgram_batch_free(b);
}

static void
test_recv_empty_datagram(void **state)
{
	struct pair *p = *state;
	struct dgram_batch *b = dgram_batch_new(4, 64);

	assert_non_null(b);
	send_to(p->a, &p->b_addr, "", 0);
	wait_readable(p->b);
	assert_int_equal(dgram_recv(b, p->b), 1);
	assert_int_equal(dgram_batch_slot(b, 0)->len, 0);
	assert_false(dgram_batch_slot(b, 0)->truncated);
	dgram_batch_free(b);
}

/* --- sending --------------------------------------------------------- */

static void
test_queue_until_full(void **state)
{
	struct dgram_batch *b = dgram_batch_new(3, 64);
	struct dgram_slot *s[3];
	unsigned i;

	(void)state;
	assert_non_null(b);
	for (i = 0; i < 3; i++) {
		s[i] = dgram_queue(b);
		assert_non_null(s[i]);
		assert_int_equal(s[i]->len, 0);
		assert_int_equal(s[i]->control_len, 0);
		assert_int_equal(dgram_batch_used(b), i + 1);
	}
	assert_ptr_not_equal(s[0], s[1]);
	assert_ptr_not_equal(s[1], s[2]);
	assert_null(dgram_queue(b));
	assert_null(dgram_queue(b));
	assert_int_equal(dgram_batch_used(b), 3);
	dgram_batch_free(b);
}

static void
queue_text(struct dgram_batch *b, const char *text,
	   const struct net_sockaddr *to)
{
	struct dgram_slot *s = dgram_queue(b);

	assert_non_null(s);
	memcpy(s->data, text, strlen(text));
	s->len = strlen(text);
	s->peer = *to;
}

static void
expect_text(int fd, const char *text, const struct net_sockaddr *from)
{
	char buf[256];
	struct net_sockaddr peer;
	size_t n = recv_one(fd, buf, sizeof(buf), &peer);

	assert_int_equal(n, strlen(text));
	assert_memory_equal(buf, text, n);
	assert_true(net_sockaddr_equal(&peer, from));
}

static void
test_flush_sends_all_in_order(void **state)
{
	static const char *const texts[] = {"one", "two", "three", "four"};
	struct pair *p = *state;
	struct dgram_batch *b = dgram_batch_new(4, 64);
	unsigned dropped = 99, i;
	char probe;

	assert_non_null(b);
	for (i = 0; i < 4; i++)
		queue_text(b, texts[i], &p->b_addr);
	assert_int_equal(dgram_flush(b, p->a, &dropped), 4);
	assert_int_equal(dropped, 0);
	assert_int_equal(dgram_batch_used(b), 0);
	for (i = 0; i < 4; i++)
		expect_text(p->b, texts[i], &p->a_addr);
	assert_int_equal(recv(p->b, &probe, 1, MSG_DONTWAIT), -1);
	assert_non_null(dgram_queue(b)); /* usable again */
	dgram_batch_free(b);
}

/* A datagram with no destination is dropped; the others still go. */
static void
test_flush_drops_unsendable(void **state)
{
	struct pair *p = *state;
	struct dgram_batch *b = dgram_batch_new(4, 64);
	struct net_sockaddr nowhere;
	unsigned dropped = 99;

	assert_non_null(b);
	memset(&nowhere, 0, sizeof(nowhere));
	queue_text(b, "first", &p->b_addr);
	queue_text(b, "lost", &nowhere);
	queue_text(b, "third", &p->b_addr);
	assert_int_equal(dgram_flush(b, p->a, &dropped), 2);
	assert_int_equal(dropped, 1);
	assert_int_equal(dgram_batch_used(b), 0);
	expect_text(p->b, "first", &p->a_addr);
	expect_text(p->b, "third", &p->a_addr);
	dgram_batch_free(b);
}

static void
test_flush_empty_batch(void **state)
{
	struct pair *p = *state;
	struct dgram_batch *b = dgram_batch_new(4, 64);
	unsigned dropped = 99;

	assert_non_null(b);
	assert_int_equal(dgram_flush(b, p->a, &dropped), 0);
	assert_int_equal(dropped, 0);
	dgram_batch_free(b);
}

/* --- the reader ------------------------------------------------------ */

struct echo_ctx {
	unsigned calls;
	unsigned datagrams;
	unsigned batch_sizes[32];
	int fd_seen;
};

/* Echoes every datagram back to its sender. */
static void
echo_handler(struct dgram_batch *in, struct dgram_batch *out, int fd, void *arg)
{
	struct echo_ctx *ctx = arg;
	unsigned i, n = dgram_batch_used(in);

	if (ctx->calls < 32)
		ctx->batch_sizes[ctx->calls] = n;
	ctx->calls++;
	ctx->datagrams += n;
	ctx->fd_seen = fd;
	for (i = 0; i < n; i++) {
		struct dgram_slot *s = dgram_batch_slot(in, i);
		struct dgram_slot *o = dgram_queue(out);

		if (o == NULL)
			break;
		memcpy(o->data, s->data, s->len);
		o->len = s->len;
		o->peer = s->peer;
	}
}

/* One turn of the loop, bounded by a timeout so a bug cannot hang us. */
static void
loop_once(struct event_base *base)
{
	struct timeval tv = {.tv_sec = 2, .tv_usec = 0};

	assert_int_equal(event_base_loopexit(base, &tv), 0);
	assert_true(event_base_loop(base, EVLOOP_ONCE) >= 0);
}

static void
expect_numbered_echoes(const struct pair *p, unsigned count)
{
	unsigned i;

	for (i = 0; i < count; i++) {
		uint8_t buf[1024];
		struct net_sockaddr from;
		size_t n = recv_one(p->a, buf, sizeof(buf), &from);

		assert_int_equal(n, size_of(i));
		assert_int_equal(buf[0], i & 0xff);
		assert_int_equal(buf[n - 1], i & 0xff);
		assert_true(net_sockaddr_equal(&from, &p->b_addr));
	}
}

static void
test_reader_echo(void **state)
{
	struct pair *p = *state;
	struct event_base *base = event_base_new();
	struct echo_ctx ctx = {0};
	struct dgram_reader *r;

	assert_non_null(base);
	r = dgram_reader_new(base, p->b, 8, 1024, echo_handler, &ctx);
	assert_non_null(r);
	send_numbered(p, 3);
	loop_once(base);
	assert_int_equal(ctx.calls, 1);
	assert_int_equal(ctx.batch_sizes[0], 3);
	assert_int_equal(ctx.fd_seen, p->b);
	expect_numbered_echoes(p, 3);
	dgram_reader_free(r);
	event_base_free(base);
}

/* One wake-up drains more than a batch, in batch-sized calls. */
static void
test_reader_several_batches(void **state)
{
	struct pair *p = *state;
	struct event_base *base = event_base_new();
	struct echo_ctx ctx = {0};
	struct dgram_reader *r;

	assert_non_null(base);
	r = dgram_reader_new(base, p->b, 4, 1024, echo_handler, &ctx);
	assert_non_null(r);
	send_numbered(p, 10);
	loop_once(base);
	assert_int_equal(ctx.calls, 3);
	assert_int_equal(ctx.batch_sizes[0], 4);
	assert_int_equal(ctx.batch_sizes[1], 4);
	assert_int_equal(ctx.batch_sizes[2], 2);
	expect_numbered_echoes(p, 10);
	dgram_reader_free(r);
	event_base_free(base);
}

/* A busy socket yields after DGRAM_MAX_ROUNDS batches; the rest come next. */
static void
test_reader_round_cap(void **state)
{
	struct pair *p = *state;
	struct event_base *base = event_base_new();
	struct echo_ctx ctx = {0};
	struct dgram_reader *r;
	unsigned total = DGRAM_MAX_ROUNDS + 4;

	assert_non_null(base);
	r = dgram_reader_new(base, p->b, 1, 1024, echo_handler, &ctx);
	assert_non_null(r);
	send_numbered(p, total);
	loop_once(base);
	assert_int_equal(ctx.calls, DGRAM_MAX_ROUNDS);
	loop_once(base);
	assert_int_equal(ctx.datagrams, total);
	expect_numbered_echoes(p, total);
	dgram_reader_free(r);
	event_base_free(base);
}

static void
test_reader_new_bad_sizes(void **state)
{
	struct event_base *base = event_base_new();
	struct echo_ctx ctx = {0};

	(void)state;
	assert_non_null(base);
	assert_null(dgram_reader_new(base, 0, 0, 512, echo_handler, &ctx));
	assert_null(dgram_reader_new(base, 0, DGRAM_MAX_BATCH + 1, 512,
				     echo_handler, &ctx));
	assert_null(dgram_reader_new(base, 0, 4, 0, echo_handler, &ctx));
	dgram_reader_free(NULL);
	event_base_free(base);
}

/* --- ancillary data -------------------------------------------------- */

static bool
find_pktinfo(const struct dgram_slot *s, struct in_pktinfo *out)
{
	struct msghdr m;
	struct cmsghdr *cm;

	memset(&m, 0, sizeof(m));
	m.msg_control = s->control;
	m.msg_controllen = s->control_len;
	for (cm = CMSG_FIRSTHDR(&m); cm != NULL; cm = CMSG_NXTHDR(&m, cm)) {
		if (cm->cmsg_level == IPPROTO_IP &&
		    cm->cmsg_type == IP_PKTINFO) {
			memcpy(out, CMSG_DATA(cm), sizeof(*out));
			return true;
		}
	}
	return false;
}

static int
pktinfo_socket(struct net_sockaddr *addr)
{
	char err[NET_ERRLEN] = "";
	int fd;

	assert_int_equal(net_parse_sockaddr("127.0.0.1:0", 0, true, addr), 0);
	fd = net_listen(addr, SOCK_DGRAM, NET_LISTEN_PKTINFO, NULL, err,
			sizeof(err));
	if (fd == -1)
		fail_msg("%s", err);
	addr->len = sizeof(addr->ss);
	assert_int_equal(getsockname(fd, &addr->sa, &addr->len), 0);
	return fd;
}

static void
test_pktinfo_received(void **state)
{
	struct pair *p = *state;
	struct dgram_batch *b = dgram_batch_new(4, 64);
	struct net_sockaddr addr;
	struct in_pktinfo pi;
	int fd = pktinfo_socket(&addr);

	assert_non_null(b);
	send_to(p->a, &addr, "hello", 5);
	wait_readable(fd);
	assert_int_equal(dgram_recv(b, fd), 1);
	assert_true(dgram_batch_slot(b, 0)->control_len > 0);
	assert_true(find_pktinfo(dgram_batch_slot(b, 0), &pi));
	assert_int_equal(ntohl(pi.ipi_addr.s_addr), INADDR_LOOPBACK);
	assert_int_equal(pi.ipi_ifindex, if_nametoindex("lo"));
	close(fd);
	dgram_batch_free(b);
}

static void
test_no_pktinfo_without_option(void **state)
{
	struct pair *p = *state;
	struct dgram_batch *b = dgram_batch_new(4, 64);

	assert_non_null(b);
	send_to(p->a, &p->b_addr, "hello", 5);
	wait_readable(p->b);
	assert_int_equal(dgram_recv(b, p->b), 1);
	assert_int_equal(dgram_batch_slot(b, 0)->control_len, 0);
	dgram_batch_free(b);
}

/* Builds one IP_PKTINFO control message choosing source address `src`. */
static void
set_pktinfo_source(struct dgram_slot *s, const char *src)
{
	struct in_pktinfo pi;
	struct msghdr m;
	struct cmsghdr *cm;

	memset(s->control, 0, DGRAM_CONTROL_LEN);
	memset(&m, 0, sizeof(m));
	m.msg_control = s->control;
	m.msg_controllen = CMSG_SPACE(sizeof(pi));
	cm = CMSG_FIRSTHDR(&m);
	assert_non_null(cm);
	cm->cmsg_level = IPPROTO_IP;
	cm->cmsg_type = IP_PKTINFO;
	cm->cmsg_len = CMSG_LEN(sizeof(pi));
	memset(&pi, 0, sizeof(pi));
	assert_int_equal(inet_pton(AF_INET, src, &pi.ipi_spec_dst), 1);
	memcpy(CMSG_DATA(cm), &pi, sizeof(pi));
	s->control_len = CMSG_SPACE(sizeof(pi));
}

/*
 * A reply's control data goes out with it: IP_PKTINFO picks 127.0.0.2 as
 * the source although the socket is bound to 127.0.0.1.
 */
static void
test_flush_sends_control(void **state)
{
	struct pair *p = *state;
	struct dgram_batch *b = dgram_batch_new(2, 64);
	struct net_sockaddr addr, want;
	struct dgram_slot *s;
	unsigned dropped = 99;
	int fd = pktinfo_socket(&addr);
	char text[32];

	assert_non_null(b);
	s = dgram_queue(b);
	assert_non_null(s);
	memcpy(s->data, "reply", 5);
	s->len = 5;
	s->peer = p->a_addr;
	set_pktinfo_source(s, "127.0.0.2");
	assert_int_equal(dgram_flush(b, fd, &dropped), 1);
	assert_int_equal(dropped, 0);
	snprintf(text, sizeof(text), "127.0.0.2:%u",
		 (unsigned)net_sockaddr_port(&addr));
	assert_int_equal(net_parse_sockaddr(text, 0, false, &want), 0);
	expect_text(p->a, "reply", &want);
	close(fd);
	dgram_batch_free(b);
}

/* A slot reused after a flush starts empty: no stale length or control. */
static void
test_queue_after_flush_resets_slot(void **state)
{
	struct pair *p = *state;
	struct dgram_batch *b = dgram_batch_new(1, 64);
	struct dgram_slot *s;
	unsigned dropped;

	assert_non_null(b);
	s = dgram_queue(b);
	assert_non_null(s);
	memcpy(s->data, "first", 5);
	s->len = 5;
	s->peer = p->b_addr;
	set_pktinfo_source(s, "127.0.0.1");
	assert_int_equal(dgram_flush(b, p->a, &dropped), 1);
	s = dgram_queue(b);
	assert_non_null(s);
	assert_int_equal(s->len, 0);
	assert_int_equal(s->control_len, 0);
	assert_int_equal(s->truncated, 0);
	expect_text(p->b, "first", &p->a_addr);
	dgram_batch_free(b);
}

#define PAIR_TEST(f) \
	cmocka_unit_test_setup_teardown(f, pair_setup, pair_teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_batch_new_bounds),
		cmocka_unit_test(test_batch_slots_separate),
		PAIR_TEST(test_recv_ten_sizes_one_call),
		PAIR_TEST(test_recv_over_capacity_two_calls),
		PAIR_TEST(test_recv_oversized_truncated),
		PAIR_TEST(test_recv_empty_socket_zero),
		cmocka_unit_test(test_recv_bad_fd_error),
		PAIR_TEST(test_recv_empty_datagram),
		cmocka_unit_test(test_queue_until_full),
		PAIR_TEST(test_flush_sends_all_in_order),
		PAIR_TEST(test_flush_drops_unsendable),
		PAIR_TEST(test_flush_empty_batch),
		PAIR_TEST(test_reader_echo),
		PAIR_TEST(test_reader_several_batches),
		PAIR_TEST(test_reader_round_cap),
		cmocka_unit_test(test_reader_new_bad_sizes),
		PAIR_TEST(test_pktinfo_received),
		PAIR_TEST(test_no_pktinfo_without_option),
		PAIR_TEST(test_flush_sends_control),
		PAIR_TEST(test_queue_after_flush_resets_slot),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
