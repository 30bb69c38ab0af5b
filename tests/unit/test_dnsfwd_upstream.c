/*
 * upstream: real UDP and TCP sockets on loopback and a real event loop.
 * Answers count only with the right ID and question from the right port;
 * a silent upstream is failed over in order, marked dead after repeated
 * timeouts and then skipped; with every upstream dead a query fails at
 * once; identical queries share one upstream query.  A truncated answer
 * whose TCP retry fails (or answers REFUSED) moves on to the next
 * upstream; health survives a reload, and a query in flight keeps the
 * upstreams it started with.
 */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>
#include <event2/event.h>

#include "clock.h"
#include "upstream.h"

#define FAKES 3

/* A fake upstream: UDP, and a TCP listener on the same port (or -1). */
struct fake {
	int fd;
	int tcp;
	struct net_sockaddr addr;
};

struct outcome {
	int calls;
	size_t waiters;
	bool answered;
	uint8_t addr4; /* last octet of the A record received */
};

struct env {
	struct event_base *base;
	struct fake up[FAKES];
	struct net_sockaddr addrs[FAKES];
	struct config_dns cfg;
	struct upstream *u;
	struct outcome out;
};

static void
done(void *arg, const struct cache_key *key, const struct upstream_waiter *w,
     size_t n, const uint8_t *msg, size_t len)
{
	struct outcome *o = arg;

	(void)key;
	(void)w;
	o->calls++;
	o->waiters += n;
	o->answered = msg != NULL;
	if (msg != NULL && len >= 4)
		o->addr4 = msg[len - 1];
}

/* A TCP listener on a free port, then UDP on the same port number. */
static void
fake_open(struct fake *f)
{
	int tries;

	for (tries = 0; tries < 20; tries++) {
		memset(&f->addr, 0, sizeof(f->addr));
		f->addr.sin.sin_family = AF_INET;
		f->addr.sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		f->addr.len = sizeof(f->addr.sin);
		f->tcp = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
		assert_true(f->tcp >= 0);
		assert_int_equal(bind(f->tcp, &f->addr.sa, f->addr.len), 0);
		assert_int_equal(listen(f->tcp, 4), 0);
		assert_int_equal(getsockname(f->tcp, &f->addr.sa, &f->addr.len),
				 0);
		f->fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
		assert_true(f->fd >= 0);
		if (bind(f->fd, &f->addr.sa, f->addr.len) == 0)
			return;
		close(f->fd);
		close(f->tcp);
	}
	fail_msg("no port free for both UDP and TCP");
}

static void
fake_close(struct fake *f)
{
	close(f->fd);
	if (f->tcp >= 0)
		close(f->tcp);
}

static int
setup(void **state)
{
	struct env *e = calloc(1, sizeof(*e));
	int i;

	e->base = event_base_new();
	for (i = 0; i < FAKES; i++) {
		fake_open(&e->up[i]);
		e->addrs[i] = e->up[i].addr;
	}
	e->cfg.upstreams = e->addrs;
	e->cfg.upstreams_count = 2;
	e->cfg.timeout = 300; /* ms: generous, the machine may be busy */
	e->u = upstream_new(e->base, &e->cfg, done, &e->out);
	assert_non_null(e->u);
	*state = e;
	return 0;
}

static int
teardown(void **state)
{
	struct env *e = *state;
	int i;

	upstream_free(e->u);
	for (i = 0; i < FAKES; i++)
		fake_close(&e->up[i]);
	event_base_free(e->base);
	free(e);
	return 0;
}

static struct cache_key
key(const char *text)
{
	static uint8_t name[DNS_MAX_NAME];
	struct cache_key k = {
		.name = name, .qtype = DNS_TYPE_A, .qclass = DNS_CLASS_IN};
	int n = dns_name_from_text(text, name, sizeof(name));

	k.name_len = (uint8_t)n;
	cache_key_hash(&k);
	return k;
}

static int
ask(struct env *e, const char *name)
{
	struct upstream_waiter w = {.fd = -1, .id = 7};
	struct cache_key k = key(name);

	w.name_len = k.name_len;
	memcpy(w.name, k.name, k.name_len);
	return upstream_query(e->u, &k, &w);
}

/* Reads one query at a fake upstream; returns its length (0: none). */
static size_t
fake_read(struct fake *f, uint8_t *q, struct net_sockaddr *from)
{
	ssize_t n;

	from->len = sizeof(from->ss);
	n = recvfrom(f->fd, q, 512, 0, &from->sa, &from->len);
	return n > 0 ? (size_t)n : 0;
}

/* Answers q (len bytes, OPT dropped) with one A record 192.0.2.`last`. */
static void
fake_answer(int fd, const uint8_t *q, size_t len, const struct net_sockaddr *to,
	    uint16_t id_xor, uint8_t last)
{
	static const uint8_t rr[] = {0xc0, 12, 0, 1, 0,   1, 0, 0,
				     0,    60, 0, 4, 192, 0, 2};
	uint8_t a[600];
	size_t qend = len - DNS_OPT_LEN;

	memcpy(a, q, qend);
	a[0] ^= (uint8_t)(id_xor >> 8);
	a[1] ^= (uint8_t)id_xor;
	a[2] |= 0x80;
	a[7] = 1;
	a[11] = 0;
	memcpy(a + qend, rr, sizeof(rr));
	a[qend + sizeof(rr)] = last;
	sendto(fd, a, qend + sizeof(rr) + 1, 0, &to->sa, to->len);
}

/* Answers q with TC set and no records: ask again over TCP. */
static void
fake_truncated(int fd, const uint8_t *q, size_t len,
	       const struct net_sockaddr *to)
{
	uint8_t a[512];
	size_t qend = len - DNS_OPT_LEN;

	memcpy(a, q, qend);
	a[2] |= 0x82; /* QR, TC */
	a[11] = 0;
	sendto(fd, a, qend, 0, &to->sa, to->len);
}

/* Runs the loop until the callback ran or ms passed. */
static void
run(struct env *e, int ms)
{
	uint64_t end = clock_mono_ms_now() + (uint64_t)ms;

	while (e->out.calls == 0 && clock_mono_ms_now() < end) {
		struct timeval tv = {0, 10000};

		event_base_loopexit(e->base, &tv);
		event_base_dispatch(e->base);
	}
}

/* Runs the loop until f receives a query or ms pass: its length, or 0. */
static size_t
wait_query(struct env *e, struct fake *f, uint8_t *q, struct net_sockaddr *from,
	   int ms)
{
	uint64_t end = clock_mono_ms_now() + (uint64_t)ms;
	size_t n;

	while ((n = fake_read(f, q, from)) == 0 && clock_mono_ms_now() < end)
		run(e, 10);
	return n;
}

static void
test_forged_ignored_real_taken(void **state)
{
	struct env *e = *state;
	struct net_sockaddr from;
	uint8_t q[512];
	size_t n;

	assert_int_equal(ask(e, "www.example.org"), 0);
	n = fake_read(&e->up[0], q, &from);
	assert_true(n > DNS_HDR_LEN);
	/* Wrong ID, then right ID from the wrong port, then the real one. */
	fake_answer(e->up[0].fd, q, n, &from, 0x1111, 66);
	fake_answer(e->up[1].fd, q, n, &from, 0, 67);
	fake_answer(e->up[0].fd, q, n, &from, 0, 5);
	run(e, 500);
	assert_int_equal(e->out.calls, 1);
	assert_true(e->out.answered);
	assert_int_equal(e->out.addr4, 5);
}

static void
test_failover_in_order(void **state)
{
	struct env *e = *state;
	struct net_sockaddr from;
	uint8_t q[512];
	size_t n;
	int i;

	/* Queries leave at once: loopback delivers them within sendto. */
	assert_int_equal(ask(e, "a.example.org"), 0);
	assert_true(fake_read(&e->up[0], q, &from) > 0);
	assert_int_equal(fake_read(&e->up[1], q, &from), 0);
	/* up[0] stays silent: after the timeout, up[1] is asked. */
	n = 0;
	for (i = 0; i < 300 && n == 0; i++) {
		run(e, 10);
		n = fake_read(&e->up[1], q, &from);
	}
	assert_true(n > 0);
	fake_answer(e->up[1].fd, q, n, &from, 0, 9);
	run(e, 500);
	assert_true(e->out.answered);
	assert_int_equal(e->out.addr4, 9);
}

static void
test_dead_skipped_then_all_dead_fail_fast(void **state)
{
	struct env *e = *state;
	struct net_sockaddr from;
	uint8_t q[512];
	uint64_t t0;
	int i;

	/* Neither answers: each query times out on both, three sends. */
	for (i = 0; i < 2; i++) {
		e->out.calls = 0;
		assert_int_equal(ask(e, i == 0 ? "d1.example" : "d2.example"),
				 0);
		run(e, 5000);
		assert_int_equal(e->out.calls, 1);
		assert_false(e->out.answered);
		while (fake_read(&e->up[0], q, &from) > 0 ||
		       fake_read(&e->up[1], q, &from) > 0)
			;
	}
	/* Both have three or more timeouts now: dead, so no waiting. */
	t0 = clock_mono_ms_now();
	assert_int_equal(ask(e, "d3.example"), -1);
	assert_true(clock_mono_ms_now() - t0 < 50);
}

static void
test_identical_queries_share(void **state)
{
	struct env *e = *state;
	struct net_sockaddr from;
	uint8_t q[512];
	size_t n;

	assert_int_equal(ask(e, "same.example"), 0);
	assert_int_equal(ask(e, "SAME.example"), 0);
	assert_int_equal(ask(e, "same.example"), 0);
	n = fake_read(&e->up[0], q, &from);
	assert_true(n > 0);
	assert_int_equal(fake_read(&e->up[0], q + 256, &from), 0);
	fake_answer(e->up[0].fd, q, n, &from, 0, 1);
	run(e, 500);
	assert_int_equal(e->out.calls, 1);
	assert_int_equal(e->out.waiters, 3);
}

static void
test_random_ids_and_ports(void **state)
{
	struct env *e = *state;
	struct net_sockaddr from[2];
	uint8_t q[2][512];

	assert_int_equal(ask(e, "r1.example"), 0);
	assert_int_equal(ask(e, "r2.example"), 0);
	assert_true(fake_read(&e->up[0], q[0], &from[0]) > 0);
	assert_true(fake_read(&e->up[0], q[1], &from[1]) > 0);
	/* Two queries: two sockets (ports), and IDs drawn independently. */
	assert_int_not_equal(net_sockaddr_port(&from[0]),
			     net_sockaddr_port(&from[1]));
	assert_true(memcmp(q[0], q[1], 2) != 0 ||
		    net_sockaddr_port(&from[0]) != net_sockaddr_port(&from[1]));
}

static void
test_rd_always_sent(void **state)
{
	struct env *e = *state;
	struct net_sockaddr from;
	uint8_t q[512];

	/* The client's RD is 0, but the answer is cached for everyone. */
	assert_int_equal(ask(e, "rd.example"), 0);
	assert_true(fake_read(&e->up[0], q, &from) > DNS_HDR_LEN);
	assert_true((dns_get16(q + 2) & DNS_FLAG_RD) != 0);
}

static void
test_compressed_question_ignored(void **state)
{
	struct env *e = *state;
	struct net_sockaddr from;
	uint8_t q[512], a[64];
	size_t n;

	/* The root's question as a pointer to QDCOUNT's 0x00: the same
	 * name, but not where replies write the client's question. */
	assert_int_equal(ask(e, "."), 0);
	n = fake_read(&e->up[0], q, &from);
	assert_true(n > DNS_HDR_LEN + 5);
	memcpy(a, q, DNS_HDR_LEN);
	a[2] |= 0x80;
	a[11] = 0;
	a[12] = 0xc0;
	a[13] = 4;
	memcpy(a + 14, q + 13, 4);
	sendto(e->up[0].fd, a, 18, 0, &from.sa, from.len);
	run(e, 100);
	assert_int_equal(e->out.calls, 0);
	/* The well-formed answer is still taken. */
	fake_answer(e->up[0].fd, q, n, &from, 0, 3);
	run(e, 500);
	assert_int_equal(e->out.calls, 1);
	assert_true(e->out.answered);
}

/*
 * Item: a truncated answer whose TCP retry fails goes on to the next
 * upstream, as a UDP timeout does, instead of failing the query.
 */
static void
tc_then_next(struct env *e, const char *name, void (*tcp_side)(struct env *))
{
	struct net_sockaddr from;
	uint8_t q[512];
	size_t n;

	assert_int_equal(ask(e, name), 0);
	n = fake_read(&e->up[0], q, &from);
	assert_true(n > DNS_OPT_LEN);
	fake_truncated(e->up[0].fd, q, n, &from);
	if (tcp_side != NULL)
		tcp_side(e);
	n = wait_query(e, &e->up[1], q, &from, 3000);
	assert_int_equal(e->out.calls, 0);
	assert_true(n > 0);
	fake_answer(e->up[1].fd, q, n, &from, 0, 4);
	run(e, 1000);
	assert_int_equal(e->out.calls, 1);
	assert_true(e->out.answered);
	assert_int_equal(e->out.addr4, 4);
}

static void
test_tcp_refused_next_upstream(void **state)
{
	struct env *e = *state;

	close(e->up[0].tcp); /* nothing listens: connection refused */
	e->up[0].tcp = -1;
	tc_then_next(e, "refused.example", NULL);
}

static void
test_tcp_silent_next_upstream(void **state)
{
	/* up[0] listens but never accepts: the TCP try times out. */
	tc_then_next(*state, "silent.example", NULL);
}

static int accepted = -1;

/* Accepts the retry and answers it with a header of no question. */
static void
tcp_garbage(struct env *e)
{
	static const uint8_t junk[] = {0, 12, 0xde, 0xad, 0x81, 0x80, 0,
				       0, 0,  0,    0,    0,    0,    0};
	int i;

	for (i = 0; i < 300 && accepted < 0; i++) {
		run(e, 10);
		accepted = accept(e->up[0].tcp, NULL, NULL);
	}
	assert_true(accepted >= 0);
	assert_int_equal(write(accepted, junk, sizeof(junk)),
			 (ssize_t)sizeof(junk));
}

static void
test_tcp_malformed_next_upstream(void **state)
{
	tc_then_next(*state, "junk.example", tcp_garbage);
	close(accepted);
	accepted = -1;
}

/* Accepts the retry and answers it REFUSED (its question echoed). */
static void
tcp_refused(struct env *e)
{
	uint8_t q[2 + 512];
	ssize_t n = 0;
	size_t len;
	int i;

	for (i = 0; i < 300 && accepted < 0; i++) {
		run(e, 10);
		accepted = accept(e->up[0].tcp, NULL, NULL);
	}
	assert_true(accepted >= 0);
	for (i = 0; i < 300 && n < 2 + DNS_HDR_LEN + DNS_OPT_LEN; i++) {
		run(e, 10);
		n = recv(accepted, q, sizeof(q), MSG_DONTWAIT | MSG_PEEK);
	}
	assert_true(n >= 2 + DNS_HDR_LEN + DNS_OPT_LEN);
	assert_int_equal(recv(accepted, q, (size_t)n, 0), n);
	len = (size_t)n - 2 - DNS_OPT_LEN; /* header and question */
	q[0] = (uint8_t)(len >> 8);
	q[1] = (uint8_t)len;
	q[2 + 2] |= 0x80;                          /* QR */
	q[2 + 3] = (uint8_t)(q[2 + 3] & 0xf0) | 5; /* REFUSED */
	q[2 + 11] = 0;                             /* no OPT */
	assert_int_equal(write(accepted, q, 2 + len), (ssize_t)(2 + len));
}

/* Item: REFUSED over TCP skips the upstream, as it does over UDP. */
static void
test_tcp_answer_refused_next_upstream(void **state)
{
	tc_then_next(*state, "tcprefused.example", tcp_refused);
	close(accepted);
	accepted = -1;
}

/* Item: an upstream marked dead stays dead over a reload naming it. */
static void
test_health_kept_across_reload(void **state)
{
	struct env *e = *state;
	struct net_sockaddr from, again[2];
	struct config_dns cfg = e->cfg;
	uint8_t q[512];
	char name[32];
	size_t n;
	int i;

	/* up[0] stays silent: each query times out there, then up[1]
	 * answers; three in a row make up[0] dead. */
	for (i = 0; i < UPSTREAM_DEAD_AFTER; i++) {
		snprintf(name, sizeof(name), "h%d.example", i);
		e->out.calls = 0;
		assert_int_equal(ask(e, name), 0);
		n = wait_query(e, &e->up[1], q, &from, 3000);
		assert_true(n > 0);
		fake_answer(e->up[1].fd, q, n, &from, 0, 1);
		run(e, 1000);
		assert_true(e->out.answered);
	}
	while (fake_read(&e->up[0], q, &from) > 0)
		;
	/* The same upstreams, from a new file (SIGHUP). */
	again[0] = e->addrs[0];
	again[1] = e->addrs[1];
	cfg.upstreams = again;
	assert_int_equal(upstream_configure(e->u, &cfg), 0);
	e->out.calls = 0;
	assert_int_equal(ask(e, "after.example"), 0);
	assert_int_equal(fake_read(&e->up[0], q, &from), 0);
	assert_true(fake_read(&e->up[1], q, &from) > 0);
}

/*
 * Item: a query in flight during a reload goes on with the upstreams it
 * started with, even when the reload reorders dns.forward and the
 * domain's own upstreams.
 */
static void
test_inflight_keeps_its_upstreams(void **state)
{
	struct env *e = *state;
	struct net_sockaddr from, a_old[2], a_new[2], b[1];
	struct config_forward fwd_old[2], fwd_new[2];
	char da[] = "a.test", db[] = "b.test";
	struct config_dns cfg = e->cfg;
	uint8_t q[512];
	size_t n;

	a_old[0] = a_new[1] = e->up[0].addr;
	a_old[1] = a_new[0] = e->up[1].addr;
	b[0] = e->up[2].addr;
	fwd_old[0] = (struct config_forward){da, a_old, 2};
	fwd_old[1] = (struct config_forward){db, b, 1};
	fwd_new[0] = fwd_old[1];
	fwd_new[1] = (struct config_forward){da, a_new, 2};
	cfg.forward = fwd_old;
	cfg.forward_count = 2;
	assert_int_equal(upstream_configure(e->u, &cfg), 0);
	assert_int_equal(ask(e, "x.a.test"), 0);
	assert_true(fake_read(&e->up[0], q, &from) > 0);
	cfg.forward = fwd_new;
	assert_int_equal(upstream_configure(e->u, &cfg), 0);
	/* up[0] stays silent: the retry goes to a.test's other upstream,
	 * not to b.test's nor to up[0] again. */
	n = wait_query(e, &e->up[1], q, &from, 3000);
	assert_true(n > 0);
	assert_int_equal(fake_read(&e->up[2], q + 256, &from), 0);
	fake_answer(e->up[1].fd, q, n, &from, 0, 8);
	run(e, 1000);
	assert_true(e->out.answered);
	assert_int_equal(e->out.addr4, 8);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_forged_ignored_real_taken,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_failover_in_order, setup,
						teardown),
		cmocka_unit_test_setup_teardown(
			test_dead_skipped_then_all_dead_fail_fast, setup,
			teardown),
		cmocka_unit_test_setup_teardown(test_identical_queries_share,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_random_ids_and_ports,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_rd_always_sent, setup,
						teardown),
		cmocka_unit_test_setup_teardown(
			test_compressed_question_ignored, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tcp_refused_next_upstream,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_tcp_silent_next_upstream,
						setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_tcp_malformed_next_upstream, setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_tcp_answer_refused_next_upstream, setup, teardown),
		cmocka_unit_test_setup_teardown(test_health_kept_across_reload,
						setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_inflight_keeps_its_upstreams, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
