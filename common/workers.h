/*
 * workers: a daemon's forked worker processes (dns.workers, http.workers).
 *
 * The first process forks the workers once its own sockets are bound; each
 * worker builds its own server (SO_REUSEPORT sockets, event loop) in a
 * hook.  The pool reaps workers on SIGCHLD and replaces one that dies
 * while the daemon runs, after a back-off that doubles with each death;
 * more than WORKERS_CRASH_LIMIT deaths within WORKERS_CRASH_WINDOW_S
 * seconds are a crash loop, logged once, after which the dead are no
 * longer replaced.  A worker whose first process dies gets SIGTERM
 * (PR_SET_PDEATHSIG, set again on the worker's first loop turn: the
 * daemon's privilege drop clears it).  Signals for the workers are passed
 * on by the daemon's hooks through workers_signal().
 */
#ifndef LABGATE_WORKERS_H
#define LABGATE_WORKERS_H

#include <stdint.h>
#include <sys/types.h>

#define WORKERS_RESTART_MS     100  /* wait before replacing a dead worker */
#define WORKERS_RESTART_MAX_MS 5000 /* the wait doubles per death, to this */
#define WORKERS_CRASH_LIMIT    5    /* deaths replaced per window ... */
#define WORKERS_CRASH_WINDOW_S 60   /* ... of this many seconds */

struct event_base;
struct workers;

struct workers_hooks {
	/*
	 * In the first process just before each fork, or NULL: flush what
	 * the worker must not inherit and write a second time (buffered
	 * log lines).
	 */
	void (*before_fork)(void *arg);
	/*
	 * In a new worker, its event loop re-initialised, the pool's events
	 * gone and every signal still blocked: drop the first process's
	 * server without a word to its clients and build the worker's own.
	 * Returns 0, or -1 (logged): the worker exits with status 1.
	 */
	int (*worker)(void *arg);
};

/*
 * A pool of `count` workers beside the first process (0: none, and every
 * call below does nothing).  grace_ms bounds the wait for workers to
 * stop before they are killed.  hooks must outlive the pool.  Returns
 * NULL when out of memory.
 */
struct workers *workers_new(struct event_base *base, unsigned count,
			    unsigned grace_ms,
			    const struct workers_hooks *hooks, void *arg);
/*
 * Forks every worker.  Returns 0 in the first process (a failed fork is
 * logged and leaves fewer workers), 1 in a new worker (set up by the
 * hook), or -1 (logged) when SIGCHLD cannot be watched.
 */
int workers_start(struct workers *w);
/* Sends sig to every live worker (SIGHUP after a reload, SIGUSR1). */
void workers_signal(struct workers *w, int sig);
/*
 * Stops replacing the dead, sends SIGTERM to every worker, kills the ones
 * still running after grace_ms, and calls done(arg) once all are reaped:
 * at once (before returning) when none runs.
 */
void workers_stop(struct workers *w, void (*done)(void *), void *arg);
/* The workers alive now (not counting the first process). */
unsigned workers_running(const struct workers *w);
/* The pid in slot i < count, 0 while it is dead; for tests and logs. */
pid_t workers_pid(const struct workers *w, unsigned i);
/*
 * Sends SIGTERM to the workers left, waits for them at most grace_ms,
 * kills the rest, frees the pool.  NULL is ignored.
 */
void workers_free(struct workers *w);

/* Deaths counted in the current crash window (pure; for tests). */
struct workers_crashes {
	uint64_t window_ms; /* first death of the window, monotonic ms */
	unsigned deaths;
};

/*
 * Counts a death at now_ms, starting a new window when the last one is
 * WORKERS_CRASH_WINDOW_S old; returns the deaths in the window.
 */
unsigned workers_count_death(struct workers_crashes *c, uint64_t now_ms);
/* The wait before replacing the n-th death of a window (n >= 1), in ms. */
uint64_t workers_backoff_ms(unsigned n);

#endif
