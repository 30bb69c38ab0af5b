/*
 * httpd: the labgate static HTTP server.
 *
 * This file wires the server (server.c) into common/daemon.c: the hooks
 * for start, reload, stop, stats and cleanup, and `workers: N`: the
 * first process forks N-1 more (common/workers.c), each with its own
 * SO_REUSEPORT sockets, event loop and file cache, passes SIGHUP and
 * SIGUSR1 on to them, and replaces one that dies.
 */
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include "daemon.h"
#include "log.h"
#include "server.h"
#include "workers.h"

#define HTTPD_ERRLEN 512
/* For workers to stop, at most, before they are killed. */
#define HTTPD_WORKER_STOP_MS (SERVER_STOP_GRACE * 1000 + 2000)

struct httpd {
	struct daemon *d;
	struct server *srv;
	struct workers *pool;
	bool server_done; /* stopping: the last connection closed */
	bool pool_done;   /* stopping: every worker reaped */
};

static struct httpd httpd_ctx;

/* A worker would write the access log lines buffered here again. */
static void
httpd_before_fork(void *arg)
{
	struct httpd *h = arg;

	server_flush_log(h->srv);
}

/*
 * In a new worker: a server of its own, from the current configuration,
 * with its own sockets, cache and counters.  The first process's server
 * is freed, which only closes this process's copies of its sockets: its
 * connections, answered by nobody here, go on in the first process.
 */
static int
httpd_worker(void *arg)
{
	struct httpd *h = arg;
	char err[HTTPD_ERRLEN];

	server_free(h->srv);
	h->srv = server_new(h->d->base, h->d->cfg->http, err, sizeof(err));
	if (h->srv == NULL ||
	    server_listen(h->srv, true, err, sizeof(err)) == -1) {
		log_err("worker: %s", err);
		return -1;
	}
	if (server_start(h->srv) == -1) {
		log_err("worker: cannot add the accept events");
		return -1;
	}
	return 0;
}

static const struct workers_hooks httpd_worker_hooks = {
	.before_fork = httpd_before_fork,
	.worker = httpd_worker,
};

static int
httpd_start(struct daemon *d)
{
	struct httpd *h = d->ctx;
	uint32_t n = d->cfg->http->workers;
	char err[HTTPD_ERRLEN];
	int r;

	h->d = d;
	h->srv = server_new(d->base, d->cfg->http, err, sizeof(err));
	if (h->srv == NULL ||
	    server_listen(h->srv, n > 1, err, sizeof(err)) == -1) {
		log_err("%s", err);
		return -1;
	}
	h->pool = workers_new(d->base, n - 1, HTTPD_WORKER_STOP_MS,
			      &httpd_worker_hooks, h);
	if (h->pool == NULL) {
		log_err("workers: out of memory");
		return -1;
	}
	r = workers_start(h->pool);
	if (r != 0)
		return r == 1 ? 0 : -1; /* 1: in a new worker, serving */
	if (n > 1)
		log_notice("%u workers on SO_REUSEPORT sockets",
			   workers_running(h->pool) + 1);
	if (server_start(h->srv) == -1) {
		log_err("cannot add the accept events");
		return -1;
	}
	return 0;
}

static int
httpd_reload(struct daemon *d, const struct config *next)
{
	struct httpd *h = d->ctx;
	char err[HTTPD_ERRLEN];

	/* http.workers is restart-only: common/config_reload.c kept it. */
	if (server_reload(h->srv, next->http, err, sizeof(err)) == -1) {
		log_err("reload: %s", err);
		return -1;
	}
	/* Each worker reads the same file again. */
	workers_signal(h->pool, SIGHUP);
	return 0;
}

/* The loop ends once the server and every worker have stopped. */
static void
httpd_server_stopped(void *arg)
{
	struct httpd *h = arg;

	h->server_done = true;
	if (h->pool_done)
		daemon_stopped(h->d);
}

static void
httpd_pool_stopped(void *arg)
{
	struct httpd *h = arg;

	h->pool_done = true;
	if (h->server_done)
		daemon_stopped(h->d);
}

static void
httpd_stop(struct daemon *d)
{
	struct httpd *h = d->ctx;

	workers_stop(h->pool, httpd_pool_stopped, h);
	server_stop(h->srv, httpd_server_stopped, h);
}

static void
httpd_stats(struct daemon *d)
{
	struct httpd *h = d->ctx;

	server_log_stats(h->srv);
	workers_signal(h->pool, SIGUSR1);
}

static void
httpd_cleanup(struct daemon *d)
{
	struct httpd *h = d->ctx;

	workers_free(h->pool);
	h->pool = NULL;
	server_free(h->srv);
	h->srv = NULL;
}

static const struct daemon_hooks httpd_hooks = {
	.name = "httpd",
	.section = CONFIG_SECTION_HTTP,
	.start = httpd_start,
	.reload = httpd_reload,
	.stop = httpd_stop,
	.stats = httpd_stats,
	.cleanup = httpd_cleanup,
};

int
main(int argc, char **argv)
{
	return daemon_main(argc, argv, &httpd_hooks, &httpd_ctx);
}
