/*
 * notify: the sd_notify datagram reaches a path socket and an abstract
 * socket, bad addresses fail with EINVAL, and notify_send follows
 * $NOTIFY_SOCKET (through sd_notify when built with libsystemd, which
 * reads the same variable, so these tests cover both builds).
 */
#include <errno.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cmocka.h>

#include "notify.h"

/* A bound AF_UNIX datagram socket in a fresh temp dir. */
struct listener {
	char dir[64];
	char path[128]; /* what notify_send_to is given */
	int fd;
};

static int
listener_path_setup(void **state)
{
	struct listener *l = calloc(1, sizeof(*l));
	struct sockaddr_un sun;

	if (l == NULL)
		return -1;
	*state = l;
	l->fd = -1;
	snprintf(l->dir, sizeof(l->dir), "/tmp/labgate-notify-XXXXXX");
	if (mkdtemp(l->dir) == NULL)
		return -1;
	snprintf(l->path, sizeof(l->path), "%s/notify.sock", l->dir);
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, l->path, strlen(l->path) + 1);
	l->fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (l->fd == -1 ||
	    bind(l->fd, (struct sockaddr *)&sun, sizeof(sun)) == -1)
		return -1;
	return 0;
}

static int
listener_abstract_setup(void **state)
{
	struct listener *l = calloc(1, sizeof(*l));
	struct sockaddr_un sun;
	size_t len;

	if (l == NULL)
		return -1;
	*state = l;
	snprintf(l->path, sizeof(l->path), "@labgate-test-%ld", (long)getpid());
	len = strlen(l->path);
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path + 1, l->path + 1, len - 1); /* sun_path[0] = 0 */
	l->fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	len += offsetof(struct sockaddr_un, sun_path);
	if (l->fd == -1 ||
	    bind(l->fd, (struct sockaddr *)&sun, (socklen_t)len) == -1)
		return -1;
	return 0;
}

static int
listener_teardown(void **state)
{
	struct listener *l = *state;

	unsetenv("NOTIFY_SOCKET");
	if (l == NULL)
		return 0;
	if (l->fd != -1)
		close(l->fd);
	if (l->dir[0] != '\0') {
		unlink(l->path);
		rmdir(l->dir);
	}
	free(l);
	return 0;
}

/* The next datagram on the listener must be exactly `want`. */
static void
expect_datagram(const struct listener *l, const char *want)
{
	struct pollfd pfd = {.fd = l->fd, .events = POLLIN};
	char buf[512];
	ssize_t n;

	assert_int_equal(poll(&pfd, 1, 2000), 1);
	n = recv(l->fd, buf, sizeof(buf), MSG_DONTWAIT);
	assert_int_equal(n, (ssize_t)strlen(want));
	assert_memory_equal(buf, want, (size_t)n);
}

static void
expect_nothing(const struct listener *l)
{
	char buf[16];

	assert_int_equal(recv(l->fd, buf, sizeof(buf), MSG_DONTWAIT), -1);
}

static void
test_send_to_path_socket(void **state)
{
	struct listener *l = *state;

	assert_int_equal(notify_send_to(l->path, "READY=1"), 1);
	expect_datagram(l, "READY=1");
	expect_nothing(l);
}

static void
test_send_to_abstract_socket(void **state)
{
	struct listener *l = *state;

	assert_int_equal(notify_send_to(l->path, "READY=1"), 1);
	expect_datagram(l, "READY=1");
}

static void
test_send_multiline_state(void **state)
{
	struct listener *l = *state;
	static const char msg[] = "STATUS=serving 3 subnets\nREADY=1";

	assert_int_equal(notify_send_to(l->path, msg), 1);
	expect_datagram(l, msg);
}

static void
test_send_to_bad_paths_einval(void **state)
{
	static const char *const bad[] = {
		"", "relative", "./notify.sock", "notify/sock", " /tmp/x",
	};
	char too_long[sizeof(((struct sockaddr_un *)NULL)->sun_path) + 1];
	char much_too_long[4096];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		errno = 0;
		if (notify_send_to(bad[i], "READY=1") != -1 || errno != EINVAL)
			fail_msg("\"%s\": errno %d, want EINVAL", bad[i],
				 errno);
	}
	memset(too_long, 'a', sizeof(too_long) - 1);
	too_long[0] = '/';
	too_long[sizeof(too_long) - 1] = '\0';
	errno = 0;
	assert_int_equal(notify_send_to(too_long, "READY=1"), -1);
	assert_int_equal(errno, EINVAL);
	memset(much_too_long, 'a', sizeof(much_too_long) - 1);
	much_too_long[sizeof(much_too_long) - 1] = '\0';
	for (i = 0; i < 2; i++) {
		much_too_long[0] = i == 0 ? '/' : '@';
		errno = 0;
		assert_int_equal(notify_send_to(much_too_long, "READY=1"), -1);
		assert_int_equal(errno, EINVAL);
	}
}

/* The longest path that fits is tried (and, with no socket there, fails). */
static void
test_send_to_longest_path_tried(void **state)
{
	char path[sizeof(((struct sockaddr_un *)NULL)->sun_path)];

	(void)state;
	memset(path, 'z', sizeof(path) - 1);
	memcpy(path, "/tmp/", 5);
	path[sizeof(path) - 1] = '\0';
	errno = 0;
	assert_int_equal(notify_send_to(path, "READY=1"), -1);
	assert_int_equal(errno, ENOENT);
}

static void
test_send_to_missing_socket(void **state)
{
	(void)state;
	errno = 0;
	assert_int_equal(
		notify_send_to("/nonexistent-labgate/notify.sock", "READY=1"),
		-1);
	assert_int_equal(errno, ENOENT);
}

/* A socket file whose owner has gone refuses the datagram. */
static void
test_send_to_stale_socket(void **state)
{
	struct listener *l = *state;

	close(l->fd);
	l->fd = -1;
	errno = 0;
	assert_int_equal(notify_send_to(l->path, "READY=1"), -1);
	assert_int_equal(errno, ECONNREFUSED);
}

static void
test_notify_send_unset_is_noop(void **state)
{
	(void)state;
	unsetenv("NOTIFY_SOCKET");
	assert_int_equal(notify_send("READY=1"), 0);
}

static void
test_notify_send_to_env_path(void **state)
{
	struct listener *l = *state;

	assert_int_equal(setenv("NOTIFY_SOCKET", l->path, 1), 0);
	assert_int_equal(notify_send("READY=1"), 1);
	expect_datagram(l, "READY=1");
	assert_int_equal(notify_send("STOPPING=1"), 1);
	expect_datagram(l, "STOPPING=1");
	/* the variable is left for the next call */
	assert_string_equal(getenv("NOTIFY_SOCKET"), l->path);
}

static void
test_notify_send_to_env_abstract(void **state)
{
	struct listener *l = *state;

	assert_int_equal(setenv("NOTIFY_SOCKET", l->path, 1), 0);
	assert_int_equal(notify_send("RELOADING=1"), 1);
	expect_datagram(l, "RELOADING=1");
}

static void
test_notify_send_env_missing_socket(void **state)
{
	(void)state;
	assert_int_equal(
		setenv("NOTIFY_SOCKET", "/nonexistent-labgate/notify.sock", 1),
		0);
	errno = 0;
	assert_int_equal(notify_send("READY=1"), -1);
	assert_int_equal(errno, ENOENT);
}

static void
test_notify_send_env_relative_einval(void **state)
{
	(void)state;
	assert_int_equal(setenv("NOTIFY_SOCKET", "relative/notify.sock", 1), 0);
	errno = 0;
	assert_int_equal(notify_send("READY=1"), -1);
	assert_int_equal(errno, EINVAL);
}

#define PATH_TEST(f)                                            \
	cmocka_unit_test_setup_teardown(f, listener_path_setup, \
					listener_teardown)
#define ABSTRACT_TEST(f)                                            \
	cmocka_unit_test_setup_teardown(f, listener_abstract_setup, \
					listener_teardown)
#define PLAIN_TEST(f) cmocka_unit_test_teardown(f, listener_teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		PATH_TEST(test_send_to_path_socket),
		ABSTRACT_TEST(test_send_to_abstract_socket),
		PATH_TEST(test_send_multiline_state),
		cmocka_unit_test(test_send_to_bad_paths_einval),
		cmocka_unit_test(test_send_to_longest_path_tried),
		cmocka_unit_test(test_send_to_missing_socket),
		PATH_TEST(test_send_to_stale_socket),
		PLAIN_TEST(test_notify_send_unset_is_noop),
		PATH_TEST(test_notify_send_to_env_path),
		ABSTRACT_TEST(test_notify_send_to_env_abstract),
		PLAIN_TEST(test_notify_send_env_missing_socket),
		PLAIN_TEST(test_notify_send_env_relative_einval),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
