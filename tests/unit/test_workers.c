/*
 * workers: the back-off schedule and the crash window (pure), then a real
 * pool on an event loop: two workers forked, one killed and replaced, a
 * stop that waits for both, and a stop that kills a worker ignoring
 * SIGTERM once the grace is over.  The workers only wait for signals.
 * Last, a worker that changes its uid after the fork, as the daemons'
 * privilege drop does, still dies with its first process.
 */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <event2/event.h>

#include "clock.h"
#include "log.h"
#include "workers.h"

#define WAIT_MS  10000 /* for anything the loop should bring, at most */
#define GRACE_MS 300   /* of the pools here */

static void
test_backoff_doubles_to_the_cap(void **state)
{
	static const uint64_t want[] = {100, 200, 400, 800, 1600, 3200, 5000};
	unsigned n;

	(void)state;
	for (n = 1; n <= 7; n++)
		assert_int_equal(workers_backoff_ms(n), want[n - 1]);
	assert_int_equal(workers_backoff_ms(8), WORKERS_RESTART_MAX_MS);
	assert_int_equal(workers_backoff_ms(1000), WORKERS_RESTART_MAX_MS);
	assert_int_equal(workers_backoff_ms(~0u), WORKERS_RESTART_MAX_MS);
}

static void
test_crash_window(void **state)
{
	struct workers_crashes c = {0};
	const uint64_t win = (uint64_t)WORKERS_CRASH_WINDOW_S * 1000;
	unsigned i;

	(void)state;
	/* A first death at time 0 opens a window there. */
	assert_int_equal(workers_count_death(&c, 0), 1);
	assert_int_equal(workers_count_death(&c, win - 1), 2);
	/* The window's age reached: a new one, counting from 1. */
	assert_int_equal(workers_count_death(&c, win), 1);
	assert_int_equal(c.window_ms, win);
	for (i = 2; i <= WORKERS_CRASH_LIMIT + 1; i++)
		assert_int_equal(workers_count_death(&c, win + i), i);
	/* The crash loop is the count past the limit... */
	assert_true(c.deaths > WORKERS_CRASH_LIMIT);
	/* ... and a quiet window afterwards starts again. */
	assert_int_equal(workers_count_death(&c, 3 * win), 1);
}

/* --- a real pool ------------------------------------------------------- */

struct run {
	struct event_base *base;
	struct workers *w;
	bool (*until)(struct run *r);
	uint64_t end_ms;
	pid_t old; /* the worker killed */
	bool done; /* the stop's callback ran */
};

static bool ignore_term; /* the next workers ignore SIGTERM */

/* A worker that only waits: SIGTERM (unless ignored) or SIGKILL end it. */
static int
idle_worker(void *arg)
{
	sigset_t none;

	(void)arg;
	if (ignore_term)
		signal(SIGTERM, SIG_IGN);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	for (;;)
		pause();
	return 0;
}

static const struct workers_hooks idle_hooks = {.worker = idle_worker};

static void
tick_cb(evutil_socket_t fd, short what, void *arg)
{
	struct run *r = arg;

	(void)fd;
	(void)what;
	if (r->until(r) || clock_mono_ms_now() > r->end_ms)
		event_base_loopbreak(r->base);
}

/* Runs the loop until r->until holds (checked every 10 ms); returns it. */
static bool
run_until(struct run *r, bool (*until)(struct run *r))
{
	struct timeval tick = {0, 10000};
	struct event *ev = event_new(r->base, -1, EV_PERSIST, tick_cb, r);

	assert_non_null(ev);
	r->until = until;
	r->end_ms = clock_mono_ms_now() + WAIT_MS;
	event_add(ev, &tick);
	event_base_dispatch(r->base);
	event_free(ev);
	return until(r);
}

static bool
replaced(struct run *r)
{
	return workers_running(r->w) == 2 && workers_pid(r->w, 0) != r->old;
}

static bool
stopped(struct run *r)
{
	return r->done;
}

static void
stop_done(void *arg)
{
	struct run *r = arg;

	r->done = true;
}

static int
pool_setup(void **state)
{
	struct run *r = calloc(1, sizeof(*r));

	if (r == NULL || (r->base = event_base_new()) == NULL)
		return -1;
	r->w = workers_new(r->base, 2, GRACE_MS, &idle_hooks, NULL);
	if (r->w == NULL || workers_start(r->w) != 0)
		return -1;
	*state = r;
	return 0;
}

static int
pool_teardown(void **state)
{
	struct run *r = *state;

	workers_free(r->w);
	event_base_free(r->base);
	free(r);
	ignore_term = false;
	return 0;
}

static int
stubborn_setup(void **state)
{
	ignore_term = true;
	return pool_setup(state);
}

static void
test_killed_worker_replaced_then_stop(void **state)
{
	struct run *r = *state;
	pid_t other = workers_pid(r->w, 1);

	assert_int_equal(workers_running(r->w), 2);
	r->old = workers_pid(r->w, 0);
	assert_true(r->old > 0 && other > 0 && r->old != other);
	assert_int_equal(kill(r->old, SIGKILL), 0);
	assert_true(run_until(r, replaced));
	assert_int_equal(workers_pid(r->w, 1), other);
	/* The replacement is ours: it runs and we can signal it. */
	assert_int_equal(kill(workers_pid(r->w, 0), 0), 0);

	workers_stop(r->w, stop_done, r);
	assert_true(run_until(r, stopped));
	assert_int_equal(workers_running(r->w), 0);
	assert_int_equal(kill(other, 0), -1);
}

static void
test_stop_kills_after_grace(void **state)
{
	struct run *r = *state;
	uint64_t t0 = clock_mono_ms_now();

	/*
	 * No race with the workers' SIG_IGN: they are forked with every
	 * signal blocked, so the SIGTERM waits for it.
	 */
	workers_stop(r->w, stop_done, r);
	assert_false(r->done);
	assert_true(run_until(r, stopped));
	assert_true(clock_mono_ms_now() - t0 >= GRACE_MS);
	assert_int_equal(workers_running(r->w), 0);
}

static void
test_no_workers_stop_at_once(void **state)
{
	struct event_base *base = event_base_new();
	struct workers *w;
	struct run r = {0};

	(void)state;
	assert_non_null(base);
	w = workers_new(base, 0, GRACE_MS, &idle_hooks, NULL);
	assert_non_null(w);
	assert_int_equal(workers_start(w), 0);
	assert_int_equal(workers_running(w), 0);
	assert_int_equal(workers_pid(w, 0), 0);
	workers_signal(w, SIGTERM);
	workers_stop(w, stop_done, &r);
	assert_true(r.done);
	workers_free(w);
	event_base_free(base);
}

/* --- a worker dies with its first process, after a privilege drop ------ */

#define DROP_ID 65534 /* nobody */

static int pd_pipe[2]; /* the worker's pid, from the first process */

static int
returning_worker(void *arg)
{
	(void)arg;
	return 0;
}

static const struct workers_hooks returning_hooks = {
	.worker = returning_worker,
};

static void
pd_ready_cb(evutil_socket_t fd, short what, void *arg)
{
	pid_t self = getpid();

	(void)fd;
	(void)what;
	(void)arg;
	if (write(pd_pipe[1], &self, sizeof(self)) != sizeof(self))
		_exit(3);
}

static void
pd_expire_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	_exit(4); /* still alive long after its first process died */
}

/*
 * The worker: drops its ids as daemon_drop_privileges does once the
 * start hook returned, then runs its loop; after a few turns it reports
 * its pid, and it exits on its own much later in any case.
 */
static void
pd_worker_run(struct event_base *base)
{
	struct timeval ready = {0, 200000};
	struct timeval expire = {3 * WAIT_MS / 1000, 0};

	if (setresgid(DROP_ID, DROP_ID, DROP_ID) == -1 ||
	    setresuid(DROP_ID, DROP_ID, DROP_ID) == -1)
		_exit(5);
	event_base_once(base, -1, EV_TIMEOUT, pd_ready_cb, NULL, &ready);
	event_base_once(base, -1, EV_TIMEOUT, pd_expire_cb, NULL, &expire);
	event_base_dispatch(base);
	_exit(0);
}

/* The first process: one worker, then it waits to be killed. */
static void
pd_first_process(void)
{
	struct event_base *base = event_base_new();
	struct workers *w;

	if (base == NULL || (w = workers_new(base, 1, GRACE_MS,
					     &returning_hooks, NULL)) == NULL)
		_exit(2);
	switch (workers_start(w)) {
	case 1:
		pd_worker_run(base);
		break;
	case 0:
		for (;;)
			pause();
	default:
		_exit(2);
	}
}

static void
test_worker_dies_with_parent_after_uid_change(void **state)
{
	uint64_t end;
	pid_t first, worker = 0, got = 0;
	int status = 0;
	ssize_t n;

	(void)state;
	if (geteuid() != 0)
		skip(); /* the ids cannot change */
	/* The orphaned worker comes to us, so it can be waited for. */
	assert_int_equal(prctl(PR_SET_CHILD_SUBREAPER, 1), 0);
	assert_int_equal(pipe(pd_pipe), 0);
	first = fork();
	assert_true(first != -1);
	if (first == 0)
		pd_first_process();
	n = read(pd_pipe[0], &worker, sizeof(worker));
	kill(first, SIGKILL);
	assert_int_equal(waitpid(first, NULL, 0), first);
	assert_int_equal(n, sizeof(worker));
	assert_true(worker > 0);
	end = clock_mono_ms_now() + WAIT_MS;
	while ((got = waitpid(worker, &status, WNOHANG)) == 0 &&
	       clock_mono_ms_now() < end)
		usleep(20000);
	if (got == 0) {
		kill(worker, SIGKILL);
		waitpid(worker, NULL, 0);
	}
	close(pd_pipe[0]);
	close(pd_pipe[1]);
	prctl(PR_SET_CHILD_SUBREAPER, 0);
	assert_int_equal(got, worker);
	assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_backoff_doubles_to_the_cap),
		cmocka_unit_test(test_crash_window),
		cmocka_unit_test(test_no_workers_stop_at_once),
		cmocka_unit_test_setup_teardown(
			test_killed_worker_replaced_then_stop, pool_setup,
			pool_teardown),
		cmocka_unit_test_setup_teardown(test_stop_kills_after_grace,
						stubborn_setup, pool_teardown),
		cmocka_unit_test(test_worker_dies_with_parent_after_uid_change),
	};

	log_init("test_workers");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
