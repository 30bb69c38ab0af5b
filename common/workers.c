#include "workers.h"

#include <errno.h>
#include <event2/event.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "clock.h"
#include "log.h"

#define WORKERS_REAP_STEP_MS 20 /* polling while the loop no longer runs */

struct workers {
	struct event_base *base;
	const struct workers_hooks *hooks;
	void *arg;
	pid_t parent;      /* the first process */
	pid_t *pids;       /* by slot; 0: dead (to be replaced) */
	unsigned count;    /* slots in use */
	unsigned grace_ms; /* to stop before SIGKILL */
	struct event *sigchld;
	struct event *restart; /* replaces dead workers */
	struct event *kill;    /* ends the grace of a stop */
	struct workers_crashes crashes;
	bool gave_up;  /* crash loop: no replacing */
	bool stopping; /* no replacing either */
	void (*done)(void *);
	void *done_arg;
};

unsigned
workers_count_death(struct workers_crashes *c, uint64_t now_ms)
{
	if (c->deaths == 0 ||
	    now_ms - c->window_ms >= (uint64_t)WORKERS_CRASH_WINDOW_S * 1000) {
		c->window_ms = now_ms;
		c->deaths = 0;
	}
	return ++c->deaths;
}

uint64_t
workers_backoff_ms(unsigned n)
{
	uint64_t ms = WORKERS_RESTART_MS;
	unsigned i;

	for (i = 1; i < n && ms < WORKERS_RESTART_MAX_MS; i++)
		ms *= 2;
	return ms < WORKERS_RESTART_MAX_MS ? ms : WORKERS_RESTART_MAX_MS;
}

static struct timeval
workers_tv(uint64_t ms)
{
	struct timeval tv = {(time_t)(ms / 1000),
			     (suseconds_t)(ms % 1000) * 1000};

	return tv;
}

struct workers *
workers_new(struct event_base *base, unsigned count, unsigned grace_ms,
	    const struct workers_hooks *hooks, void *arg)
{
	struct workers *w = calloc(1, sizeof(*w));

	if (w == NULL)
		return NULL;
	w->pids = calloc(count > 0 ? count : 1, sizeof(*w->pids));
	if (w->pids == NULL) {
		free(w);
		return NULL;
	}
	w->base = base;
	w->count = count;
	w->grace_ms = grace_ms;
	w->hooks = hooks;
	w->arg = arg;
	w->parent = getpid();
	return w;
}

void
workers_signal(struct workers *w, int sig)
{
	unsigned i;

	for (i = 0; i < w->count; i++) {
		if (w->pids[i] > 0)
			kill(w->pids[i], sig);
	}
}

unsigned
workers_running(const struct workers *w)
{
	unsigned i, n = 0;

	for (i = 0; i < w->count; i++)
		n += w->pids[i] > 0;
	return n;
}

pid_t
workers_pid(const struct workers *w, unsigned i)
{
	return i < w->count ? w->pids[i] : 0;
}

static void
workers_free_events(struct workers *w)
{
	if (w->sigchld != NULL)
		event_free(w->sigchld);
	if (w->restart != NULL)
		event_free(w->restart);
	if (w->kill != NULL)
		event_free(w->kill);
	w->sigchld = w->restart = w->kill = NULL;
}

/*
 * On a worker's first loop turn, after the daemon's privilege drop: that
 * drop (a change of uid or gid) clears the parent-death signal set at
 * the fork, and the worker would outlive the first process.
 */
static void
workers_rearm_pdeath(evutil_socket_t fd, short what, void *arg)
{
	pid_t parent = (pid_t)(intptr_t)arg;

	(void)fd;
	(void)what;
	if (prctl(PR_SET_PDEATHSIG, SIGTERM) == -1 || getppid() != parent)
		kill(getpid(), SIGTERM); /* gone already: stop as it would */
}

/*
 * In a new worker: it dies with the first process, says nothing to
 * $NOTIFY_SOCKET (readiness is the first process's), runs its own loop
 * and knows no workers.  Returns only when the hook has set it up.
 */
static void
workers_become_worker(struct workers *w)
{
	static const struct timeval first_turn = {0, 0};

	if (prctl(PR_SET_PDEATHSIG, SIGTERM) == -1 || getppid() != w->parent)
		_exit(1);
	unsetenv("NOTIFY_SOCKET");
	if (event_reinit(w->base) == -1) {
		log_err("worker: cannot reinitialise the event loop");
		_exit(1);
	}
	workers_free_events(w);
	memset(w->pids, 0, w->count * sizeof(*w->pids));
	w->count = 0;
	if (w->hooks->worker(w->arg) == -1)
		_exit(1); /* logged by the hook */
	if (event_base_once(w->base, -1, EV_TIMEOUT, workers_rearm_pdeath,
			    (void *)(intptr_t)w->parent, &first_turn) == -1)
		log_warn("worker: may outlive the first process");
}

/*
 * Forks a worker into slot i: 0 in the first process, 1 in the worker,
 * -1 (logged).  Signals stay blocked in the worker until it has its own
 * event loop: before event_reinit, libevent's handler would write them
 * into the signal pipe it shares with the first process, which would
 * take a SIGTERM or SIGHUP meant for the worker as its own (and pass it
 * on again).
 */
static int
workers_fork(struct workers *w, unsigned i)
{
	sigset_t all, old;
	pid_t pid;
	int err;

	if (w->hooks->before_fork != NULL)
		w->hooks->before_fork(w->arg);
	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, &old);
	pid = fork();
	err = errno;
	if (pid == 0) {
		workers_become_worker(w);
		sigprocmask(SIG_SETMASK, &old, NULL);
		return 1;
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
	if (pid == -1) {
		log_warn("fork: %s", strerror(err));
		return -1;
	}
	w->pids[i] = pid;
	return 0;
}

/* Fills every empty slot; a failed fork is tried again later. */
static void
workers_restart_cb(evutil_socket_t fd, short what, void *arg)
{
	struct timeval later = workers_tv(WORKERS_RESTART_MAX_MS);
	struct workers *w = arg;
	unsigned i;

	(void)fd;
	(void)what;
	for (i = 0; i < w->count; i++) {
		if (w->pids[i] != 0 || w->stopping || w->gave_up)
			continue;
		switch (workers_fork(w, i)) {
		case 0:
			log_notice("worker %ld started in place of a dead one",
				   (long)w->pids[i]);
			break;
		case 1:
			return; /* the new worker goes on in this loop */
		default:
			evtimer_add(w->restart, &later);
			return;
		}
	}
}

/* Counts a death; schedules the replacement unless it is a crash loop. */
static void
workers_schedule_restart(struct workers *w)
{
	unsigned n = workers_count_death(&w->crashes, clock_mono_ms_now());
	struct timeval tv = workers_tv(workers_backoff_ms(n));

	if (n > WORKERS_CRASH_LIMIT) {
		w->gave_up = true;
		log_err("workers died %u times within %d s: "
			"no longer replaced",
			n, WORKERS_CRASH_WINDOW_S);
		return;
	}
	if (!evtimer_pending(w->restart, NULL))
		evtimer_add(w->restart, &tv);
}

static void
workers_log_death(pid_t pid, int status)
{
	if (WIFSIGNALED(status))
		log_warn("worker %ld killed by signal %d", (long)pid,
			 WTERMSIG(status));
	else
		log_warn("worker %ld exited with status %d", (long)pid,
			 WEXITSTATUS(status));
}

/* Once stopping and the last worker is reaped: the stop's callback. */
static void
workers_maybe_done(struct workers *w)
{
	void (*done)(void *) = w->done;

	if (done == NULL || workers_running(w) > 0)
		return;
	w->done = NULL;
	if (w->kill != NULL)
		evtimer_del(w->kill);
	done(w->done_arg);
}

/* SIGCHLD: reaps every dead worker; replaces it unless we are stopping. */
static void
workers_sigchld_cb(evutil_socket_t sig, short what, void *arg)
{
	struct workers *w = arg;
	unsigned i;
	pid_t pid;
	int status;

	(void)sig;
	(void)what;
	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		for (i = 0; i < w->count && w->pids[i] != pid; i++)
			;
		if (i == w->count)
			continue;
		w->pids[i] = 0;
		if (w->stopping)
			continue;
		workers_log_death(pid, status);
		if (!w->gave_up)
			workers_schedule_restart(w);
	}
	workers_maybe_done(w);
}

/* The grace of a stop is over: the workers left are killed. */
static void
workers_kill_cb(evutil_socket_t fd, short what, void *arg)
{
	struct workers *w = arg;
	unsigned i;

	(void)fd;
	(void)what;
	for (i = 0; i < w->count; i++) {
		if (w->pids[i] > 0) {
			log_warn("worker %ld did not stop: killed",
				 (long)w->pids[i]);
			kill(w->pids[i], SIGKILL);
		}
	}
}

/*
 * Before the first fork, so that no death goes unseen; the workers free
 * their copies.
 */
static int
workers_add_events(struct workers *w)
{
	w->sigchld = evsignal_new(w->base, SIGCHLD, workers_sigchld_cb, w);
	w->restart = evtimer_new(w->base, workers_restart_cb, w);
	w->kill = evtimer_new(w->base, workers_kill_cb, w);
	if (w->sigchld == NULL || w->restart == NULL || w->kill == NULL ||
	    event_add(w->sigchld, NULL) == -1) {
		log_err("cannot watch the workers");
		return -1;
	}
	return 0;
}

int
workers_start(struct workers *w)
{
	unsigned i;
	int r;

	if (w->count == 0)
		return 0;
	w->parent = getpid();
	if (workers_add_events(w) == -1)
		return -1;
	for (i = 0; i < w->count; i++) {
		r = workers_fork(w, i);
		if (r == 1)
			return 1;
		if (r == -1) {
			log_warn("running %u workers", i + 1);
			w->count = i;
			break;
		}
	}
	return 0;
}

void
workers_stop(struct workers *w, void (*done)(void *), void *arg)
{
	struct timeval grace = workers_tv(w->grace_ms);

	w->stopping = true;
	w->done = done;
	w->done_arg = arg;
	if (w->restart != NULL)
		evtimer_del(w->restart);
	workers_signal(w, SIGTERM);
	if (w->kill != NULL && workers_running(w) > 0)
		evtimer_add(w->kill, &grace);
	workers_maybe_done(w);
}

/*
 * After the loop (a second stop signal, a failed start): waits for the
 * workers by polling, at most grace_ms, then kills the rest.
 */
static void
workers_reap(struct workers *w)
{
	uint64_t end = clock_mono_ms_now() + w->grace_ms;
	unsigned i, left = workers_running(w);

	workers_signal(w, SIGTERM);
	while (left > 0 && clock_mono_ms_now() < end) {
		for (i = 0; i < w->count; i++) {
			if (w->pids[i] > 0 &&
			    waitpid(w->pids[i], NULL, WNOHANG) != 0) {
				w->pids[i] = 0;
				left--;
			}
		}
		if (left > 0)
			usleep(WORKERS_REAP_STEP_MS * 1000);
	}
	for (i = 0; i < w->count; i++) {
		if (w->pids[i] > 0) {
			log_warn("worker %ld did not stop: killed",
				 (long)w->pids[i]);
			kill(w->pids[i], SIGKILL);
			waitpid(w->pids[i], NULL, 0);
			w->pids[i] = 0;
		}
	}
}

void
workers_free(struct workers *w)
{
	if (w == NULL)
		return;
	workers_free_events(w);
	workers_reap(w);
	free(w->pids);
	free(w);
}
