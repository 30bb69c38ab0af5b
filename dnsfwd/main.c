/*
 * dnsfwd: the labgate caching DNS forwarder.
 *
 * This file wires the server (server.c) into common/daemon.c: the command
 * line, the configuration's `dns:` section, signals and readiness.  With
 * dns.workers N > 1 the process forks N-1 workers once its own sockets
 * are bound; each worker binds its own SO_REUSEPORT sockets, so the
 * kernel spreads clients over them, and keeps its own cache.  The first
 * process passes SIGHUP, SIGUSR1 and SIGTERM on to its workers, and a
 * worker whose parent dies stops (PR_SET_PDEATHSIG).  A worker that dies
 * while the daemon runs is replaced after a back-off that doubles with
 * each death; more than DNSFWD_CRASH_LIMIT deaths within
 * DNSFWD_CRASH_WINDOW_S seconds stop the replacing (a crash loop).
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <event2/event.h>

#include "clock.h"
#include "daemon.h"
#include "log.h"
#include "server.h"

#define DNSFWD_REAP_MS        (SERVER_STOP_MS + 2000) /* at most, for workers */
#define DNSFWD_REAP_STEP_MS   20
#define DNSFWD_RESTART_MS     100  /* wait before replacing a dead worker */
#define DNSFWD_RESTART_MAX_MS 5000 /* the wait doubles per death, to this */
#define DNSFWD_CRASH_LIMIT    5    /* deaths replaced per window ... */
#define DNSFWD_CRASH_WINDOW_S 60   /* ... of this many seconds */

struct dnsfwd {
	struct daemon *d;
	struct server *srv;
	pid_t parent;
	pid_t workers[CONFIG_MAX_DNS_WORKERS]; /* 0: dead, to be replaced */
	unsigned nworkers;                     /* slots in use */
	struct event *sigchld;                 /* parent with workers only */
	struct event *restart;                 /* replaces dead workers */
	uint64_t window_ms;                    /* first death of the window */
	unsigned deaths;                       /* in the window */
	bool gave_up;                          /* crash loop: no replacing */
};

static void
dnsfwd_signal_workers(struct dnsfwd *f, int sig)
{
	unsigned i;

	for (i = 0; i < f->nworkers; i++) {
		if (f->workers[i] > 0)
			kill(f->workers[i], sig);
	}
}

static void
dnsfwd_free_events(struct dnsfwd *f)
{
	if (f->sigchld != NULL)
		event_free(f->sigchld);
	if (f->restart != NULL)
		event_free(f->restart);
	f->sigchld = NULL;
	f->restart = NULL;
}

/*
 * In a new worker: its own sockets, its own cache, no readiness.  The
 * parent's server is dropped without a word to its clients: it may have
 * queries in flight when a dead worker is replaced.
 */
static int
dnsfwd_worker(struct daemon *d, struct dnsfwd *f)
{
	f->nworkers = 0;
	if (prctl(PR_SET_PDEATHSIG, SIGTERM) == -1 || getppid() != f->parent)
		_exit(1);
	unsetenv("NOTIFY_SOCKET");
	if (event_reinit(d->base) == -1) {
		log_err("worker: cannot reinitialise the event loop");
		return -1;
	}
	dnsfwd_free_events(f);
	server_discard(f->srv);
	f->srv = server_new(d->base, d->cfg->dns, true);
	return f->srv != NULL ? 0 : -1;
}

/*
 * Forks a worker into slot i: 1 in the parent, 0 in the worker, -1.
 * Signals stay blocked in the worker until it has its own event loop:
 * before event_reinit, libevent's handler would write them into the
 * parent's signal pipe, so the parent would take a SIGTERM or SIGHUP
 * meant for the worker as its own (and pass it on again).
 */
static int
dnsfwd_fork(struct daemon *d, struct dnsfwd *f, unsigned i)
{
	sigset_t all, old;
	pid_t pid;
	int err, r;

	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, &old);
	pid = fork();
	err = errno;
	if (pid == 0) {
		r = dnsfwd_worker(d, f) == 0 ? 0 : -1;
		sigprocmask(SIG_SETMASK, &old, NULL);
		return r;
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
	if (pid == -1) {
		log_warn("fork: %s", strerror(err));
		return -1;
	}
	f->workers[i] = pid;
	return 1;
}

/* Fills every empty slot; a failed fork is tried again later. */
static void
dnsfwd_restart_cb(evutil_socket_t fd, short what, void *arg)
{
	struct timeval later = {DNSFWD_RESTART_MAX_MS / 1000, 0};
	struct dnsfwd *f = arg;
	unsigned i;
	int r;

	(void)fd;
	(void)what;
	for (i = 0; i < f->nworkers; i++) {
		if (f->workers[i] != 0 || f->d->stopping || f->gave_up)
			continue;
		r = dnsfwd_fork(f->d, f, i);
		if (r == 1) {
			log_notice("worker %ld started in place of a dead one",
				   (long)f->workers[i]);
			continue;
		}
		if (getpid() != f->parent) {
			if (r == -1)
				_exit(1); /* could not set up: logged */
			return; /* the new worker goes on in this loop */
		}
		evtimer_add(f->restart, &later);
		return;
	}
}

/* Counts a death; schedules the replacement unless it is a crash loop. */
static void
dnsfwd_schedule_restart(struct dnsfwd *f)
{
	uint64_t now = clock_mono_ms_now(), ms = DNSFWD_RESTART_MS;
	struct timeval tv;
	unsigned i;

	if (f->deaths == 0 ||
	    now - f->window_ms >= (uint64_t)DNSFWD_CRASH_WINDOW_S * 1000) {
		f->window_ms = now;
		f->deaths = 0;
	}
	if (++f->deaths > DNSFWD_CRASH_LIMIT) {
		f->gave_up = true;
		log_err("workers died %u times within %d s: "
			"no longer replaced",
			f->deaths, DNSFWD_CRASH_WINDOW_S);
		return;
	}
	for (i = 1; i < f->deaths && ms < DNSFWD_RESTART_MAX_MS; i++)
		ms *= 2;
	if (ms > DNSFWD_RESTART_MAX_MS)
		ms = DNSFWD_RESTART_MAX_MS;
	tv.tv_sec = (time_t)(ms / 1000);
	tv.tv_usec = (suseconds_t)(ms % 1000) * 1000;
	if (!evtimer_pending(f->restart, NULL))
		evtimer_add(f->restart, &tv);
}

static void
dnsfwd_log_death(pid_t pid, int status)
{
	if (WIFSIGNALED(status))
		log_warn("worker %ld killed by signal %d", (long)pid,
			 WTERMSIG(status));
	else
		log_warn("worker %ld exited with status %d", (long)pid,
			 WEXITSTATUS(status));
}

/* SIGCHLD: reaps every dead worker; replaces it unless we are stopping. */
static void
dnsfwd_sigchld_cb(evutil_socket_t sig, short what, void *arg)
{
	struct dnsfwd *f = arg;
	unsigned i;
	pid_t pid;
	int status;

	(void)sig;
	(void)what;
	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		for (i = 0; i < f->nworkers && f->workers[i] != pid; i++)
			;
		if (i == f->nworkers)
			continue;
		f->workers[i] = 0;
		if (f->d->stopping)
			continue;
		dnsfwd_log_death(pid, status);
		if (!f->gave_up)
			dnsfwd_schedule_restart(f);
	}
}

static int
dnsfwd_watch_workers(struct daemon *d, struct dnsfwd *f)
{
	f->sigchld = evsignal_new(d->base, SIGCHLD, dnsfwd_sigchld_cb, f);
	f->restart = evtimer_new(d->base, dnsfwd_restart_cb, f);
	if (f->sigchld == NULL || f->restart == NULL ||
	    event_add(f->sigchld, NULL) == -1) {
		log_err("cannot watch the workers");
		return -1;
	}
	/* One may have died before there was an event to tell. */
	dnsfwd_sigchld_cb(SIGCHLD, EV_SIGNAL, f);
	return 0;
}

static int
dnsfwd_start(struct daemon *d)
{
	struct dnsfwd *f = d->ctx;
	uint32_t n = d->cfg->dns->workers, i;
	int r;

	f->d = d;
	f->parent = getpid();
	f->srv = server_new(d->base, d->cfg->dns, n > 1);
	if (f->srv == NULL)
		return -1;
	for (i = 1; i < n; i++) {
		r = dnsfwd_fork(d, f, f->nworkers);
		if (r == 1) {
			f->nworkers++;
			continue;
		}
		if (getpid() != f->parent)
			return r; /* in the new worker */
		log_warn("running %u workers", i);
		break;
	}
	if (n > 1)
		log_notice("%u workers on SO_REUSEPORT sockets",
			   f->nworkers + 1);
	return f->nworkers > 0 ? dnsfwd_watch_workers(d, f) : 0;
}

/* dns.workers is restart-only (config_reload.c keeps the old value). */
static int
dnsfwd_reload(struct daemon *d, const struct config *next)
{
	struct dnsfwd *f = d->ctx;

	if (server_reload(f->srv, next->dns) == -1)
		return -1;
	/* Each worker reads the same file again. */
	dnsfwd_signal_workers(f, SIGHUP);
	return 0;
}

static void
dnsfwd_stopped(void *arg)
{
	daemon_stopped(arg);
}

static void
dnsfwd_stop(struct daemon *d)
{
	struct dnsfwd *f = d->ctx;

	if (f->restart != NULL)
		evtimer_del(f->restart);
	dnsfwd_signal_workers(f, SIGTERM);
	server_stop(f->srv, dnsfwd_stopped, d);
}

static void
dnsfwd_stats(struct daemon *d)
{
	struct dnsfwd *f = d->ctx;

	server_log_stats(f->srv);
	dnsfwd_signal_workers(f, SIGUSR1);
}

/* Waits for every worker to exit, at most DNSFWD_REAP_MS, then kills. */
static void
dnsfwd_reap(struct dnsfwd *f)
{
	uint64_t end = clock_mono_ms_now() + DNSFWD_REAP_MS;
	unsigned i, left = 0;

	for (i = 0; i < f->nworkers; i++)
		left += f->workers[i] > 0;
	dnsfwd_signal_workers(f, SIGTERM);
	while (left > 0 && clock_mono_ms_now() < end) {
		for (i = 0; i < f->nworkers; i++) {
			if (f->workers[i] > 0 &&
			    waitpid(f->workers[i], NULL, WNOHANG) != 0) {
				f->workers[i] = 0;
				left--;
			}
		}
		if (left > 0)
			usleep(DNSFWD_REAP_STEP_MS * 1000);
	}
	for (i = 0; i < f->nworkers; i++) {
		if (f->workers[i] > 0) {
			log_warn("worker %ld did not stop: killed",
				 (long)f->workers[i]);
			kill(f->workers[i], SIGKILL);
			waitpid(f->workers[i], NULL, 0);
		}
	}
	f->nworkers = 0;
}

static void
dnsfwd_cleanup(struct daemon *d)
{
	struct dnsfwd *f = d->ctx;

	dnsfwd_free_events(f);
	dnsfwd_reap(f);
	server_free(f->srv);
	f->srv = NULL;
}

static const struct daemon_hooks dnsfwd_hooks = {
	.name = "dnsfwd",
	.section = CONFIG_SECTION_DNS,
	.start = dnsfwd_start,
	.reload = dnsfwd_reload,
	.stop = dnsfwd_stop,
	.stats = dnsfwd_stats,
	.cleanup = dnsfwd_cleanup,
};

int
main(int argc, char **argv)
{
	static struct dnsfwd f;

	return daemon_main(argc, argv, &dnsfwd_hooks, &f);
}
