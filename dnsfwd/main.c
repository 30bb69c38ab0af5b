/*
 * dnsfwd: the labgate caching DNS forwarder.
 *
 * This file wires the server (server.c) into common/daemon.c: the command
 * line, the configuration's `dns:` section, signals and readiness.  With
 * dns.workers N > 1 the process forks N-1 workers once its own sockets
 * are bound; each worker binds its own SO_REUSEPORT sockets, so the
 * kernel spreads clients over them, and keeps its own cache.  The first
 * process passes SIGHUP, SIGUSR1 and SIGTERM on to its workers, and a
 * worker whose parent dies stops (PR_SET_PDEATHSIG).
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

#define DNSFWD_REAP_MS      (SERVER_STOP_MS + 2000) /* wait for workers, at most */
#define DNSFWD_REAP_STEP_MS 20

struct dnsfwd {
	struct server *srv;
	pid_t workers[CONFIG_MAX_DNS_WORKERS];
	unsigned nworkers;
};

static void
dnsfwd_signal_workers(struct dnsfwd *f, int sig)
{
	unsigned i;

	for (i = 0; i < f->nworkers; i++)
		kill(f->workers[i], sig);
}

/* In a new worker: its own sockets, its own cache, no readiness. */
static int
dnsfwd_worker(struct daemon *d, struct dnsfwd *f, pid_t parent)
{
	f->nworkers = 0;
	if (prctl(PR_SET_PDEATHSIG, SIGTERM) == -1 || getppid() != parent)
		_exit(1);
	unsetenv("NOTIFY_SOCKET");
	if (event_reinit(d->base) == -1) {
		log_err("worker: cannot reinitialise the event loop");
		return -1;
	}
	server_free(f->srv); /* the parent's copies */
	f->srv = server_new(d->base, d->cfg->dns, true);
	return f->srv != NULL ? 0 : -1;
}

static int
dnsfwd_start(struct daemon *d)
{
	struct dnsfwd *f = d->ctx;
	uint32_t n = d->cfg->dns->workers, i;
	pid_t parent = getpid(), pid;

	f->srv = server_new(d->base, d->cfg->dns, n > 1);
	if (f->srv == NULL)
		return -1;
	for (i = 1; i < n; i++) {
		pid = fork();
		if (pid == -1) {
			log_warn("fork: %s: running %u workers",
				 strerror(errno), i);
			break;
		}
		if (pid == 0)
			return dnsfwd_worker(d, f, parent);
		f->workers[f->nworkers++] = pid;
	}
	if (n > 1)
		log_notice("%u workers on SO_REUSEPORT sockets",
			   f->nworkers + 1);
	return 0;
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
	unsigned i, left = f->nworkers;

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
