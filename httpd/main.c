/*
 * httpd: the labgate static HTTP server.
 *
 * This file wires the server (server.c) into common/daemon.c: the hooks
 * for start, reload, stop, stats and cleanup, and `workers: N`: the
 * first process forks N-1 more, each with its own SO_REUSEPORT sockets
 * and event loop, and passes its signals on to them.
 */
#include <errno.h>
#include <event2/event.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "clock.h"
#include "daemon.h"
#include "log.h"
#include "server.h"

#define HTTPD_ERRLEN 512

struct httpd {
	struct daemon *d;
	struct server *srv;
	uint32_t workers; /* as started: a restart-only key */
	pid_t *children;  /* workers 1..N-1, 0 when gone */
	pid_t parent;     /* in a child: the first process */
	bool child;
	bool server_done;
	struct event *sigchld;
	struct event *sigfwd[3]; /* SIGTERM, SIGINT, SIGHUP, for children */
};

static struct httpd httpd_ctx;

static void
httpd_signal_children(struct httpd *h, int sig)
{
	uint32_t i;

	for (i = 0; h->children != NULL && i + 1 < h->workers; i++) {
		if (h->children[i] > 0)
			kill(h->children[i], sig);
	}
}

static bool
httpd_children_gone(const struct httpd *h)
{
	uint32_t i;

	for (i = 0; h->children != NULL && i + 1 < h->workers; i++) {
		if (h->children[i] > 0)
			return false;
	}
	return true;
}

static void
httpd_maybe_stopped(struct httpd *h)
{
	if (h->server_done && httpd_children_gone(h))
		daemon_stopped(h->d);
}

static void
httpd_server_stopped(void *arg)
{
	struct httpd *h = arg;

	h->server_done = true;
	httpd_maybe_stopped(h);
}

/* In a new worker: own sockets, no readiness messages, die with the parent. */
static int
httpd_child_init(struct httpd *h)
{
	char err[HTTPD_ERRLEN];

	h->child = true;
	free(h->children);
	h->children = NULL;
	(void)prctl(PR_SET_PDEATHSIG, SIGTERM);
	if (getppid() != h->parent)
		_exit(0);
	unsetenv("NOTIFY_SOCKET");
	if (event_reinit(h->d->base) == -1) {
		log_err("worker: event_reinit failed");
		_exit(1);
	}
	server_unlisten(h->srv);
	if (server_listen(h->srv, true, err, sizeof(err)) == -1) {
		log_err("worker: %s", err);
		_exit(1);
	}
	return 0;
}

static int
httpd_fork_workers(struct httpd *h)
{
	uint32_t i;
	pid_t pid;

	h->children = calloc(h->workers, sizeof(pid_t));
	if (h->children == NULL)
		return -1;
	h->parent = getpid();
	for (i = 0; i + 1 < h->workers; i++) {
		pid = fork();
		if (pid == -1) {
			log_err("fork: %s", strerror(errno));
			return -1;
		}
		if (pid == 0)
			return httpd_child_init(h);
		h->children[i] = pid;
	}
	return 0;
}

static void
httpd_sigchld_cb(evutil_socket_t sig, short what, void *arg)
{
	struct httpd *h = arg;
	uint32_t i;
	pid_t pid;
	int status;

	(void)sig;
	(void)what;
	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		for (i = 0; i + 1 < h->workers; i++) {
			if (h->children[i] != pid)
				continue;
			h->children[i] = 0;
			if (!h->d->stopping)
				log_err("worker %d exited (status %d): serving "
					"with fewer workers",
					(int)pid, status);
		}
	}
	httpd_maybe_stopped(h);
}

/* The parent passes SIGHUP and SIGUSR1 on; the daemon's own handler runs too. */
static void
httpd_forward_cb(evutil_socket_t sig, short what, void *arg)
{
	(void)what;
	httpd_signal_children(arg, (int)sig);
}

static int
httpd_parent_events(struct httpd *h)
{
	static const int sigs[] = {SIGHUP, SIGUSR1};
	size_t i;

	h->sigchld = evsignal_new(h->d->base, SIGCHLD, httpd_sigchld_cb, h);
	if (h->sigchld == NULL || event_add(h->sigchld, NULL) == -1)
		return -1;
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		h->sigfwd[i] =
			evsignal_new(h->d->base, sigs[i], httpd_forward_cb, h);
		if (h->sigfwd[i] == NULL || event_add(h->sigfwd[i], NULL) == -1)
			return -1;
	}
	return 0;
}

static int
httpd_start(struct daemon *d)
{
	struct httpd *h = d->ctx;
	char err[HTTPD_ERRLEN];

	h->d = d;
	h->workers = d->cfg->http->workers;
	h->srv = server_new(d->base, d->cfg->http, err, sizeof(err));
	if (h->srv == NULL) {
		log_err("%s", err);
		return -1;
	}
	if (server_listen(h->srv, h->workers > 1, err, sizeof(err)) == -1) {
		log_err("%s", err);
		return -1;
	}
	if (h->workers > 1 && (httpd_fork_workers(h) == -1 ||
			       (!h->child && httpd_parent_events(h) == -1)))
		return -1;
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
	return 0;
}

static void
httpd_stop(struct daemon *d)
{
	struct httpd *h = d->ctx;

	httpd_signal_children(h, SIGTERM);
	server_stop(h->srv, httpd_server_stopped, h);
}

static void
httpd_stats(struct daemon *d)
{
	struct httpd *h = d->ctx;

	if (h->srv != NULL)
		server_log_stats(h->srv);
}

static void
httpd_cleanup(struct daemon *d)
{
	struct httpd *h = d->ctx;
	size_t i;

	if (!h->child && h->children != NULL) {
		httpd_signal_children(h, SIGTERM);
		while (waitpid(-1, NULL, 0) > 0)
			;
	}
	server_free(h->srv);
	h->srv = NULL;
	if (h->sigchld != NULL)
		event_free(h->sigchld);
	for (i = 0; i < sizeof(h->sigfwd) / sizeof(h->sigfwd[0]); i++) {
		if (h->sigfwd[i] != NULL)
			event_free(h->sigfwd[i]);
	}
	free(h->children);
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
