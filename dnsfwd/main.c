/*
 * dnsfwd: the labgate caching DNS forwarder.
 *
 * This file wires the server (server.c) into common/daemon.c: the command
 * line, the configuration's `dns:` section, signals and readiness.  With
 * dns.workers N > 1 the process forks N-1 workers once its own sockets
 * are bound; each worker binds its own SO_REUSEPORT sockets, so the
 * kernel spreads clients over them, and keeps its own cache.  The first
 * process passes SIGHUP, SIGUSR1 and SIGTERM on to its workers.  The
 * pool (common/workers.c) forks them, replaces one that dies after a
 * back-off and gives up on a crash loop.
 */
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include "daemon.h"
#include "log.h"
#include "server.h"
#include "workers.h"

/* For workers to stop, at most, before they are killed. */
#define DNSFWD_WORKER_STOP_MS (SERVER_STOP_MS + 2000)

struct dnsfwd {
	struct daemon *d;
	struct server *srv;
	struct workers *pool;
	bool server_done; /* stopping: no query in flight */
	bool pool_done;   /* stopping: every worker reaped */
};

/*
 * In a new worker: its own sockets, its own cache, no readiness.  The
 * parent's server is dropped without a word to its clients: it may have
 * queries in flight when a dead worker is replaced.
 */
static int
dnsfwd_worker(void *arg)
{
	struct dnsfwd *f = arg;

	server_discard(f->srv);
	f->srv = server_new(f->d->base, f->d->cfg->dns, true);
	return f->srv != NULL ? 0 : -1;
}

static const struct workers_hooks dnsfwd_worker_hooks = {
	.worker = dnsfwd_worker,
};

static int
dnsfwd_start(struct daemon *d)
{
	struct dnsfwd *f = d->ctx;
	uint32_t n = d->cfg->dns->workers;
	int r;

	f->d = d;
	f->srv = server_new(d->base, d->cfg->dns, n > 1);
	if (f->srv == NULL)
		return -1;
	f->pool = workers_new(d->base, n - 1, DNSFWD_WORKER_STOP_MS,
			      &dnsfwd_worker_hooks, f);
	if (f->pool == NULL) {
		log_err("workers: out of memory");
		return -1;
	}
	r = workers_start(f->pool);
	if (r != 0)
		return r == 1 ? 0 : -1; /* 1: in a new worker, set up */
	if (n > 1)
		log_notice("%u workers on SO_REUSEPORT sockets",
			   workers_running(f->pool) + 1);
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
	workers_signal(f->pool, SIGHUP);
	return 0;
}

/* The loop ends once the server and every worker have stopped. */
static void
dnsfwd_server_stopped(void *arg)
{
	struct dnsfwd *f = arg;

	f->server_done = true;
	if (f->pool_done)
		daemon_stopped(f->d);
}

static void
dnsfwd_pool_stopped(void *arg)
{
	struct dnsfwd *f = arg;

	f->pool_done = true;
	if (f->server_done)
		daemon_stopped(f->d);
}

static void
dnsfwd_stop(struct daemon *d)
{
	struct dnsfwd *f = d->ctx;

	workers_stop(f->pool, dnsfwd_pool_stopped, f);
	server_stop(f->srv, dnsfwd_server_stopped, f);
}

static void
dnsfwd_stats(struct daemon *d)
{
	struct dnsfwd *f = d->ctx;

	server_log_stats(f->srv);
	workers_signal(f->pool, SIGUSR1);
}

static void
dnsfwd_cleanup(struct daemon *d)
{
	struct dnsfwd *f = d->ctx;

	workers_free(f->pool);
	f->pool = NULL;
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
