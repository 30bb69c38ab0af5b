/*
 * sockpool: sockets on random unprivileged ports, a random free one per
 * query, a new port after a retire, datagrams reported with their owner
 * (NULL for an idle socket).
 */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>
#include <event2/event.h>

#include "sockpool.h"

struct seen {
	int calls;
	void *owner;
};

static void
on_read(int fd, void *owner, void *arg)
{
	struct seen *s = arg;
	uint8_t buf[64];

	while (recv(fd, buf, sizeof(buf), 0) > 0)
		;
	s->calls++;
	s->owner = owner;
}

static uint16_t
port_of(int fd)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);

	assert_int_equal(getsockname(fd, (struct sockaddr *)&sin, &len), 0);
	return ntohs(sin.sin_port);
}

static void
test_random_ports_and_counts(void **state)
{
	struct event_base *base = event_base_new();
	struct seen seen = {0};
	struct sockpool *p = sockpool_new(base, on_read, &seen);
	struct sockpool_sock *s[20];
	unsigned open, busy, i, j;
	int owner;

	(void)state;
	for (i = 0; i < 20; i++) {
		s[i] = sockpool_get(p, AF_INET, &owner);
		assert_non_null(s[i]);
		assert_true(port_of(sockpool_fd(s[i])) >= 1024);
		for (j = 0; j < i; j++)
			assert_int_not_equal(sockpool_fd(s[i]),
					     sockpool_fd(s[j]));
	}
	sockpool_counts(p, &open, &busy);
	assert_int_equal(open, SOCKPOOL_MIN);
	assert_int_equal(busy, 20);
	for (i = 0; i < 20; i++)
		sockpool_put(p, s[i], false);
	sockpool_counts(p, &open, &busy);
	assert_int_equal(busy, 0);
	sockpool_free(p);
	event_base_free(base);
}

/* Free sockets are picked at random, not in turn or always the same. */
static void
test_random_pick(void **state)
{
	struct event_base *base = event_base_new();
	struct seen seen = {0};
	struct sockpool *p = sockpool_new(base, on_read, &seen);
	struct sockpool_sock *first, *s;
	int owner, i, other = 0;

	(void)state;
	first = sockpool_get(p, AF_INET, &owner);
	sockpool_put(p, first, false);
	for (i = 0; i < 8; i++) {
		s = sockpool_get(p, AF_INET, &owner);
		other += s != first;
		sockpool_put(p, s, false);
	}
	assert_true(other > 0);
	sockpool_free(p);
	event_base_free(base);
}

static void
test_retire_changes_port(void **state)
{
	struct event_base *base = event_base_new();
	struct seen seen = {0};
	struct sockpool *p = sockpool_new(base, on_read, &seen);
	struct sockpool_sock *s;
	int owner, i, changed = 0;
	uint16_t before;

	(void)state;
	s = sockpool_get(p, AF_INET, &owner);
	for (i = 0; i < 3; i++) {
		before = port_of(sockpool_fd(s));
		sockpool_put(p, s, true);
		changed += port_of(sockpool_fd(s)) != before;
	}
	assert_true(changed > 0);
	sockpool_free(p);
	event_base_free(base);
}

static void
send_to(int fd)
{
	struct sockaddr_in to = {.sin_family = AF_INET};
	int c = socket(AF_INET, SOCK_DGRAM, 0);

	to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	to.sin_port = htons(port_of(fd));
	assert_int_equal(
		sendto(c, "x", 1, 0, (struct sockaddr *)&to, sizeof(to)), 1);
	close(c);
}

static void
test_owner_reported(void **state)
{
	struct event_base *base = event_base_new();
	struct seen seen = {0};
	struct sockpool *p = sockpool_new(base, on_read, &seen);
	struct sockpool_sock *s;
	int owner, fd;

	(void)state;
	s = sockpool_get(p, AF_INET, &owner);
	fd = sockpool_fd(s);
	send_to(fd);
	event_base_loop(base, EVLOOP_ONCE);
	assert_int_equal(seen.calls, 1);
	assert_ptr_equal(seen.owner, &owner);
	sockpool_put(p, s, false);
	send_to(fd);
	event_base_loop(base, EVLOOP_ONCE);
	assert_int_equal(seen.calls, 2);
	assert_null(seen.owner);
	sockpool_free(p);
	event_base_free(base);
}

static void
test_random16_varies(void **state)
{
	struct event_base *base = event_base_new();
	struct seen seen = {0};
	struct sockpool *p = sockpool_new(base, on_read, &seen);
	uint16_t a = sockpool_random16(p);
	int i, differ = 0;

	(void)state;
	for (i = 0; i < 4; i++)
		differ += sockpool_random16(p) != a;
	assert_true(differ > 0);
	sockpool_free(p);
	event_base_free(base);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_random_ports_and_counts),
		cmocka_unit_test(test_random_pick),
		cmocka_unit_test(test_retire_changes_port),
		cmocka_unit_test(test_owner_reported),
		cmocka_unit_test(test_random16_varies),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
