/*
 * dhcpd allocator: O(1) allocation over a /16, exhaustion, reservations,
 * returning clients, offer holds, reuse of expired addresses oldest
 * first, quarantine after DECLINE, REQUEST verdicts and journal restore.
 */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "pool.h"

#define T0   1000000
#define HOLD 60
#define LT   3600

static struct net_range4 ranges[2];
static struct config_reservation resv[2];
static struct config_subnet subnet;

static uint32_t
ip(const char *s)
{
	return ntohl(inet_addr(s));
}

static struct in_addr
in(const char *s)
{
	struct in_addr a;

	a.s_addr = inet_addr(s);
	return a;
}

/* 192.0.2.0/24 with pools .10-.12 and .20-.21, optional reservation. */
static void
small_subnet(bool with_resv)
{
	memset(&subnet, 0, sizeof(subnet));
	subnet.network.addr.family = AF_INET;
	subnet.network.addr.v4 = in("192.0.2.0");
	subnet.network.prefix = 24;
	ranges[0].first = ip("192.0.2.20");
	ranges[0].last = ip("192.0.2.21");
	ranges[1].first = ip("192.0.2.10");
	ranges[1].last = ip("192.0.2.12");
	subnet.pools = ranges;
	subnet.pools_count = 2;
	subnet.lease_time = LT;
	if (with_resv) {
		memcpy(resv[0].mac, "\x00\x00\x5e\x00\x53\x01", 6);
		resv[0].address = in("192.0.2.11"); /* inside a pool */
		resv[0].hostname = (char *)(uintptr_t) "printer";
		memcpy(resv[1].mac, "\x00\x00\x5e\x00\x53\x02", 6);
		resv[1].address = in("192.0.2.200"); /* outside */
		subnet.reservations = resv;
		subnet.reservations_count = 2;
	}
}

struct cl {
	uint8_t id[7];
	uint8_t mac[6];
};

static struct cl
client(unsigned n)
{
	struct cl c = {{1, 2, 0, 0, 0, 0, 0}, {2, 0, 0, 0, 0, 0}};

	c.id[3] = c.mac[2] = (uint8_t)(n >> 16);
	c.id[4] = c.mac[3] = (uint8_t)(n >> 8);
	c.id[5] = c.mac[4] = (uint8_t)n;
	c.id[6] = c.mac[5] = 0x77;
	return c;
}

static struct lease *
offer(struct pool *p, const struct cl *c, time_t now)
{
	return pool_offer(p, c->id, sizeof(c->id), c->mac, NULL, now, HOLD);
}

static enum pool_verdict
request(struct pool *p, const struct cl *c, struct in_addr a, bool take,
	time_t now)
{
	struct lease *l;

	return pool_request(p, c->id, sizeof(c->id), c->mac, a, take, now, LT,
			    &l);
}

static void
test_order_and_exhaustion(void **state)
{
	struct pool *p;
	struct lease *l;
	struct cl c;
	unsigned i;
	static const char *const want[] = {"192.0.2.10", "192.0.2.11",
					   "192.0.2.12", "192.0.2.20",
					   "192.0.2.21"};

	(void)state;
	small_subnet(false);
	p = pool_new(&subnet);
	assert_non_null(p);
	assert_int_equal(pool_size(p), 5);
	for (i = 0; i < 5; i++) {
		c = client(i);
		l = offer(p, &c, T0);
		assert_non_null(l);
		assert_int_equal(l->addr.s_addr, in(want[i]).s_addr);
		assert_int_equal(l->state, LEASE_OFFERED);
	}
	c = client(99);
	assert_null(offer(p, &c, T0));
	assert_int_equal(pool_free_count(p), 0);
	/* the same client asking again keeps its offer */
	c = client(2);
	assert_int_equal(offer(p, &c, T0 + 1)->addr.s_addr,
			 in("192.0.2.12").s_addr);
	/* held offers expire: the oldest address comes back first */
	c = client(99);
	l = offer(p, &c, T0 + HOLD + 1);
	assert_non_null(l);
	assert_int_equal(l->addr.s_addr, in("192.0.2.10").s_addr);
	pool_free(p);
}

static void
test_slash16(void **state)
{
	struct config_subnet s;
	struct net_range4 r;
	struct pool *p;
	struct lease *l;
	struct cl c;
	uint32_t i, n;
	clock_t t0;
	double secs;
	static uint8_t seen[1 << 16];

	(void)state;
	memset(&s, 0, sizeof(s));
	s.network.addr.family = AF_INET;
	s.network.addr.v4 = in("198.18.0.0");
	s.network.prefix = 16;
	r.first = ip("198.18.0.1");
	r.last = ip("198.18.255.254");
	s.pools = &r;
	s.pools_count = 1;
	s.lease_time = LT;
	p = pool_new(&s);
	assert_non_null(p);
	n = pool_size(p);
	assert_int_equal(n, 65534);
	memset(seen, 0, sizeof(seen));
	t0 = clock();
	for (i = 0; i < n; i++) {
		c = client(i);
		l = offer(p, &c, T0);
		assert_non_null(l);
		assert_int_equal(request(p, &c, l->addr, false, T0), POOL_ACK);
		assert_int_equal(seen[ntohl(l->addr.s_addr) & 0xffff], 0);
		seen[ntohl(l->addr.s_addr) & 0xffff] = 1;
	}
	secs = (double)(clock() - t0) / CLOCKS_PER_SEC;
	/* a scan per request would take minutes; O(1) takes milliseconds */
	assert_true(secs < 2.0);
	assert_int_equal(pool_free_count(p), 0);
	c = client(n + 1);
	assert_null(offer(p, &c, T0));
	/* all expire at once: allocation works again, oldest first */
	l = offer(p, &c, T0 + LT + 1);
	assert_non_null(l);
	assert_int_equal(l->addr.s_addr, in("198.18.0.1").s_addr);
	pool_free(p);
}

static void
test_reservations(void **state)
{
	struct cl owner = {{1, 0, 0, 0x5e, 0, 0x53, 1},
			   {0, 0, 0x5e, 0, 0x53, 1}};
	struct cl outside = {{1, 0, 0, 0x5e, 0, 0x53, 2},
			     {0, 0, 0x5e, 0, 0x53, 2}};
	struct pool *p;
	struct lease *l;
	struct cl c;
	unsigned i;

	(void)state;
	small_subnet(true);
	p = pool_new(&subnet);
	assert_non_null(p);
	assert_int_equal(pool_free_count(p), 4); /* .11 is reserved */
	assert_true(pool_contains(p, in("192.0.2.200")));
	assert_false(pool_contains(p, in("192.0.2.201")));
	for (i = 0; i < 4; i++) {
		c = client(i);
		l = offer(p, &c, T0);
		assert_non_null(l);
		assert_int_not_equal(l->addr.s_addr, in("192.0.2.11").s_addr);
	}
	c = client(50);
	assert_null(offer(p, &c, T0));
	/* another client may not take it, even by asking */
	assert_int_equal(request(p, &c, in("192.0.2.11"), true, T0), POOL_NAK);
	assert_null(pool_offer(p, c.id, sizeof(c.id), c.mac, &resv[0].address,
			       T0, HOLD));
	/* its owner gets it, with the reservation's host name */
	l = offer(p, &owner, T0);
	assert_non_null(l);
	assert_int_equal(l->addr.s_addr, in("192.0.2.11").s_addr);
	assert_string_equal(l->hostname, "printer");
	assert_int_equal(request(p, &owner, in("192.0.2.11"), false, T0),
			 POOL_ACK);
	/* and is refused any other address */
	assert_int_equal(request(p, &owner, in("192.0.2.10"), true, T0),
			 POOL_NAK);
	/* a reservation outside the pools */
	l = offer(p, &outside, T0);
	assert_non_null(l);
	assert_int_equal(l->addr.s_addr, in("192.0.2.200").s_addr);
	assert_ptr_equal(pool_by_addr(p, in("192.0.2.200")), l);
	pool_free(p);
}

static void
test_returning_client(void **state)
{
	struct pool *p;
	struct lease *l;
	struct cl a = client(1), b = client(2), c = client(3);

	(void)state;
	small_subnet(false);
	p = pool_new(&subnet);
	l = offer(p, &a, T0);
	assert_int_equal(request(p, &a, l->addr, false, T0), POOL_ACK);
	assert_int_equal(l->state, LEASE_BOUND);
	/* a DISCOVER while bound keeps the lease bound */
	l = offer(p, &a, T0 + 10);
	assert_int_equal(l->state, LEASE_BOUND);
	/* released: others get never-used addresses first */
	assert_non_null(pool_release(p, a.id, sizeof(a.id), a.mac,
				     in("192.0.2.10"), T0 + 20));
	assert_int_equal(offer(p, &b, T0 + 21)->addr.s_addr,
			 in("192.0.2.11").s_addr);
	/* a comes back to its previous address */
	assert_int_equal(offer(p, &a, T0 + 22)->addr.s_addr,
			 in("192.0.2.10").s_addr);
	assert_int_equal(request(p, &a, in("192.0.2.10"), false, T0 + 22),
			 POOL_ACK);
	/* after expiry, still its own if nobody took it */
	assert_int_equal(
		request(p, &a, in("192.0.2.10"), false, T0 + 22 + LT + 5),
		POOL_ACK);
	/* a stranger asking for a's bound address is refused */
	assert_int_equal(request(p, &c, in("192.0.2.10"), true, T0 + LT + 30),
			 POOL_NAK);
	/* a client unknown to us, not selecting us: silence */
	assert_int_equal(request(p, &c, in("192.0.2.20"), false, T0 + 30),
			 POOL_UNKNOWN);
	/* out of range */
	assert_int_equal(request(p, &c, in("192.0.2.99"), true, T0 + 30),
			 POOL_NAK);
	/* selecting us after a restart lost the offer: free, so taken */
	assert_int_equal(request(p, &c, in("192.0.2.20"), true, T0 + 30),
			 POOL_ACK);
	/* and a client with a record asking for another address: NAK */
	assert_int_equal(request(p, &c, in("192.0.2.21"), false, T0 + 31),
			 POOL_NAK);
	pool_free(p);
}

static void
test_requested_address(void **state)
{
	struct pool *p;
	struct lease *l;
	struct cl a = client(1);
	struct in_addr want = in("192.0.2.21"), bad = in("10.0.0.1");

	(void)state;
	small_subnet(false);
	p = pool_new(&subnet);
	l = pool_offer(p, a.id, sizeof(a.id), a.mac, &want, T0, HOLD);
	assert_int_equal(l->addr.s_addr, want.s_addr);
	pool_cancel_offer(p, a.id, sizeof(a.id), a.mac, T0);
	assert_int_equal(l->state, LEASE_FREE);
	pool_free(p);
	p = pool_new(&subnet);
	l = pool_offer(p, a.id, sizeof(a.id), a.mac, &bad, T0, HOLD);
	assert_int_equal(l->addr.s_addr, in("192.0.2.10").s_addr);
	pool_free(p);
}

static void
test_decline_quarantine(void **state)
{
	struct pool *p;
	struct lease *l;
	struct cl a = client(1), b = client(2);
	unsigned i;

	(void)state;
	small_subnet(false);
	p = pool_new(&subnet);
	l = offer(p, &a, T0);
	assert_int_equal(request(p, &a, l->addr, false, T0), POOL_ACK);
	l = pool_decline(p, a.id, sizeof(a.id), a.mac, in("192.0.2.10"), T0,
			 600);
	assert_non_null(l);
	assert_int_equal(l->state, LEASE_DECLINED);
	/* the decliner gets another address */
	assert_int_equal(offer(p, &a, T0 + 1)->addr.s_addr,
			 in("192.0.2.11").s_addr);
	/* nobody gets .10 while quarantined: the pool runs dry first */
	for (i = 10; i < 13; i++) {
		struct cl c = client(i);

		assert_non_null(offer(p, &c, T0 + 2));
	}
	b = client(77);
	assert_null(offer(p, &b, T0 + 3));
	/* after quarantine it is free again */
	l = offer(p, &b, T0 + 601);
	assert_non_null(l);
	pool_free(p);
}

static void
count_one(const struct lease *l, void *arg)
{
	(void)l;
	(*(unsigned *)arg)++;
}

static void
test_restore(void **state)
{
	uint8_t raw[sizeof(struct lease) + 16];
	struct lease *rec = (struct lease *)(void *)raw;
	struct pool *p;
	struct lease *l;
	struct cl a = client(1), b = client(2);
	unsigned n = 0;

	(void)state;
	small_subnet(true);
	p = pool_new(&subnet);
	memset(raw, 0, sizeof(raw));
	rec->addr = in("192.0.2.12");
	rec->state = LEASE_BOUND;
	rec->start = T0;
	rec->expires = T0 + LT;
	memcpy(rec->mac, a.mac, 6);
	memcpy(rec->id, a.id, sizeof(a.id));
	rec->id_len = sizeof(a.id);
	snprintf(rec->hostname, sizeof(rec->hostname), "alpha");
	assert_int_equal(pool_restore(p, rec, T0 + 5), 0);
	/* a later record for the same address supersedes it */
	memcpy(rec->id, b.id, sizeof(b.id));
	memcpy(rec->mac, b.mac, 6);
	assert_int_equal(pool_restore(p, rec, T0 + 5), 0);
	l = pool_find(p, b.id, sizeof(b.id), b.mac);
	assert_non_null(l);
	assert_int_equal(l->addr.s_addr, in("192.0.2.12").s_addr);
	assert_string_equal(l->hostname, "alpha");
	assert_null(pool_find(p, a.id, sizeof(a.id), a.mac));
	/* bound: not offered to anyone else */
	l = offer(p, &a, T0 + 6);
	assert_int_not_equal(l->addr.s_addr, in("192.0.2.12").s_addr);
	/* outside the pools, or a reservation held by the wrong MAC */
	rec->addr = in("192.0.2.99");
	assert_int_equal(pool_restore(p, rec, T0), -1);
	rec->addr = in("192.0.2.200");
	assert_int_equal(pool_restore(p, rec, T0), -1);
	pool_foreach(p, count_one, &n);
	assert_int_equal(n, 2);
	pool_free(p);
}

/* Records as a compaction writes them: slot order, declined ones too. */
struct saved {
	uint8_t raw[8][sizeof(struct lease) + 16];
	unsigned n;
};

static void
save_one(const struct lease *l, void *arg)
{
	struct saved *sv = arg;

	assert_true(sv->n < 8);
	memcpy(sv->raw[sv->n++], l, sizeof(*l) + l->id_len);
}

/*
 * A client that declined one address and holds another at a lower slot:
 * replaying the compacted records (bound, then declined) must not free
 * the bound lease, or the address goes to a second client.
 */
static void
test_restore_declined_after_bound(void **state)
{
	struct saved sv = {.n = 0};
	struct in_addr want = in("192.0.2.11");
	struct pool *p, *q;
	struct lease *l;
	struct cl a = client(1), b = client(2);
	unsigned i;

	(void)state;
	small_subnet(false);
	p = pool_new(&subnet);
	l = pool_offer(p, a.id, sizeof(a.id), a.mac, &want, T0, HOLD);
	assert_int_equal(l->addr.s_addr, want.s_addr);
	assert_int_equal(request(p, &a, want, true, T0), POOL_ACK);
	assert_non_null(
		pool_decline(p, a.id, sizeof(a.id), a.mac, want, T0, 600));
	l = offer(p, &a, T0 + 1);
	assert_int_equal(l->addr.s_addr, in("192.0.2.10").s_addr);
	assert_int_equal(request(p, &a, l->addr, true, T0 + 1), POOL_ACK);
	pool_foreach(p, save_one, &sv);
	assert_int_equal(sv.n, 2);
	q = pool_new(&subnet);
	for (i = 0; i < sv.n; i++)
		assert_int_equal(pool_restore(q,
					      (struct lease *)(void *)sv.raw[i],
					      T0 + 2),
				 0);
	l = pool_find(q, a.id, sizeof(a.id), a.mac);
	assert_non_null(l);
	assert_int_equal(l->addr.s_addr, in("192.0.2.10").s_addr);
	assert_int_equal(l->state, LEASE_BOUND);
	l = pool_by_addr(q, want);
	assert_non_null(l);
	assert_int_equal(l->state, LEASE_DECLINED);
	/* nobody else gets either address */
	l = offer(q, &b, T0 + 3);
	assert_non_null(l);
	assert_int_not_equal(l->addr.s_addr, in("192.0.2.10").s_addr);
	assert_int_not_equal(l->addr.s_addr, want.s_addr);
	/* and the client renews its own */
	assert_int_equal(request(q, &a, in("192.0.2.10"), false, T0 + 4),
			 POOL_ACK);
	pool_free(p);
	pool_free(q);
}

struct copy_ctx {
	struct pool *to;
	time_t now;
	unsigned n;
};

static void
copy_one(const struct lease *l, void *arg)
{
	struct copy_ctx *c = arg;

	if (pool_restore(c->to, l, c->now) == 0)
		c->n++;
}

/*
 * Addresses handed out in shuffled order over time: slot order and
 * expiry order differ.  Replaying what pool_foreach() gives (what a
 * compaction writes and a reload restores) must stay linear.
 */
static void
test_restore_many_shuffled(void **state)
{
	static struct net_range4 big;
	struct config_subnet sub;
	struct copy_ctx c = {.n = 0};
	struct timespec t0, t1;
	struct pool *p;
	struct lease *l;
	struct in_addr want;
	uint32_t i, n = 32768;
	double secs;

	(void)state;
	memset(&sub, 0, sizeof(sub));
	sub.network.addr.family = AF_INET;
	sub.network.addr.v4 = in("10.1.0.0");
	sub.network.prefix = 16;
	big.first = ip("10.1.0.0");
	big.last = ip("10.1.255.255");
	sub.pools = &big;
	sub.pools_count = 1;
	p = pool_new(&sub);
	for (i = 0; i < n; i++) {
		struct cl a = client(i);

		/* an odd multiplier permutes the /16 */
		want.s_addr = htonl(big.first + ((i * 40503u) & 0xffffu));
		assert_non_null(pool_offer(p, a.id, sizeof(a.id), a.mac, &want,
					   T0 + i, HOLD));
		assert_int_equal(pool_request(p, a.id, sizeof(a.id), a.mac,
					      want, true, T0 + i, 2 * n, &l),
				 POOL_ACK);
	}
	c.to = pool_new(&sub);
	c.now = T0 + n; /* none expired yet */
	clock_gettime(CLOCK_MONOTONIC, &t0);
	pool_foreach(p, copy_one, &c);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	secs = (double)(t1.tv_sec - t0.tv_sec) +
	       (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	print_message("# %u leases restored in %.3f s\n", c.n, secs);
	assert_int_equal(c.n, n);
	assert_int_equal(pool_free_count(c.to), 65536 - n);
	assert_true(secs < 1.0);
	pool_free(p);
	pool_free(c.to);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_order_and_exhaustion),
		cmocka_unit_test(test_slash16),
		cmocka_unit_test(test_reservations),
		cmocka_unit_test(test_returning_client),
		cmocka_unit_test(test_requested_address),
		cmocka_unit_test(test_decline_quarantine),
		cmocka_unit_test(test_restore),
		cmocka_unit_test(test_restore_declined_after_bound),
		cmocka_unit_test(test_restore_many_shuffled),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
