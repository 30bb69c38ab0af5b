/* server: listeners, limits, timeouts and counters (see server.h). */
#include "server.h"

#include <errno.h>
#include <event2/event.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "accesslog.h"
#include "cache.h"
#include "clock.h"
#include "conn.h"
#include "log.h"
#include "net.h"

static struct log_limit server_log_limit = LOG_LIMIT_INIT;

const char *
server_head(struct server *s)
{
	static const char prefix[] = "Server: " SERVER_NAME "\r\nDate: ";
	time_t now = clock_wall();

	if (now != s->date_t) {
		memcpy(s->head, prefix, sizeof(prefix) - 1);
		http_date_format(now, s->head + sizeof(prefix) - 1);
		memcpy(s->head + sizeof(prefix) - 1 + HTTP_DATE_LEN, "\r\n", 3);
		s->date_t = now;
	}
	return s->head;
}

static int
server_open_root(const char *root, char *err, size_t errlen)
{
	int fd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);

	if (fd == -1)
		snprintf(err, errlen, "root %s: %s", root, strerror(errno));
	return fd;
}

/* Mime overrides, borrowed from the config (valid until the next reload). */
static int
server_mime(struct server *s, const struct config_http *cfg)
{
	size_t i;

	free(s->mime);
	s->mime = NULL;
	s->nmime = 0;
	if (cfg->mime_count == 0)
		return 0;
	s->mime = calloc(cfg->mime_count, sizeof(*s->mime));
	if (s->mime == NULL)
		return -1;
	for (i = 0; i < cfg->mime_count; i++) {
		s->mime[i].ext = cfg->mime_ext[i];
		s->mime[i].type = cfg->mime_type[i];
	}
	s->nmime = cfg->mime_count;
	return 0;
}

/* Applies everything a reload may change; rootfd is already open. */
static int
server_apply(struct server *s, const struct config_http *cfg, int rootfd)
{
	struct cache_config cc;

	if (server_mime(s, cfg) == -1)
		return -1;
	if (s->rootfd != -1 && s->rootfd != rootfd)
		close(s->rootfd);
	s->rootfd = rootfd;
	s->cfg = cfg;
	s->in_size = cfg->max_header_size;
	/* Open connections keep their deadlines; from their next activity
	 * on, they get the new durations. */
	conn_timers_apply(s);
	memset(&cc, 0, sizeof(cc));
	cc.rootfd = rootfd;
	cc.index = cfg->index;
	cc.dotfiles = cfg->dotfiles;
	cc.validity_ms = cfg->cache_validity_ms;
	cc.max_bytes = cfg->cache_bytes;
	cc.file_max = cfg->cache_file_max;
	cc.mime = s->mime;
	cc.mime_count = s->nmime;
	cache_configure(s->cache, &cc);
	return 0;
}

/* Room for every connection, cached fd and listener. */
static void
server_raise_nofile(const struct config_http *cfg)
{
	struct rlimit rl;
	rlim_t want = (rlim_t)cfg->max_connections + CACHE_MAX_ENTRIES +
		      SERVER_FD_SLACK + cfg->listen_count;

	if (getrlimit(RLIMIT_NOFILE, &rl) == -1 || rl.rlim_cur >= want)
		return;
	rl.rlim_cur = want;
	if (rl.rlim_max < want)
		rl.rlim_max = want;
	if (setrlimit(RLIMIT_NOFILE, &rl) == 0)
		return;
	(void)getrlimit(RLIMIT_NOFILE, &rl);
	rl.rlim_cur = rl.rlim_max;
	(void)setrlimit(RLIMIT_NOFILE, &rl);
	if (rl.rlim_cur < (rlim_t)cfg->max_connections + SERVER_FD_SLACK)
		log_warn("open files limited to %llu: fewer than "
			 "max_connections (%u) may be served",
			 (unsigned long long)rl.rlim_cur, cfg->max_connections);
}

static void
server_flush_cb(evutil_socket_t fd, short what, void *arg)
{
	struct server *s = arg;

	(void)fd;
	(void)what;
	alog_flush(s->alog);
}

struct server *
server_new(struct event_base *base, const struct config_http *cfg, char *err,
	   size_t errlen)
{
	struct server *s = calloc(1, sizeof(*s));
	int rootfd;

	if (s == NULL || (s->cache = cache_new()) == NULL) {
		free(s);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	s->base = base;
	s->rootfd = -1;
	s->date_t = -1;
	if (conn_timers_init(s) == -1) {
		snprintf(err, errlen, "out of memory");
		server_free(s);
		return NULL;
	}
	if ((rootfd = server_open_root(cfg->root, err, errlen)) == -1 ||
	    server_apply(s, cfg, rootfd) == -1) {
		if (rootfd != -1 && s->rootfd == -1)
			close(rootfd);
		server_free(s);
		return NULL;
	}
	if (cfg->access_log != NULL &&
	    (s->alog = alog_open(cfg->access_log, cfg->log_combined)) == NULL) {
		snprintf(err, errlen, "access_log %s: %s", cfg->access_log,
			 strerror(errno));
		server_free(s);
		return NULL;
	}
	s->stop_timer = event_new(base, -1, EV_PERSIST, server_flush_cb, s);
	server_raise_nofile(cfg);
	return s;
}

static void server_accept_cb(evutil_socket_t fd, short what, void *arg);

int
server_listen(struct server *s, bool reuseport, char *err, size_t errlen)
{
	size_t i;

	s->listeners = calloc(s->cfg->listen_count, sizeof(*s->listeners));
	if (s->listeners == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (i = 0; i < s->cfg->listen_count; i++) {
		s->listeners[i].fd =
			net_listen(&s->cfg->listen[i], SOCK_STREAM,
				   reuseport ? NET_LISTEN_REUSEPORT : 0, NULL,
				   err, errlen);
		if (s->listeners[i].fd == -1)
			return -1;
		s->nlisteners++;
	}
	return 0;
}

void
server_unlisten(struct server *s)
{
	size_t i;

	for (i = 0; i < s->nlisteners; i++) {
		if (s->listeners[i].ev != NULL)
			event_free(s->listeners[i].ev);
		if (s->listeners[i].fd != -1)
			close(s->listeners[i].fd);
	}
	free(s->listeners);
	s->listeners = NULL;
	s->nlisteners = 0;
}

int
server_start(struct server *s)
{
	struct timeval sec = {.tv_sec = 1};
	size_t i;

	for (i = 0; i < s->nlisteners; i++) {
		s->listeners[i].ev =
			event_new(s->base, s->listeners[i].fd,
				  EV_READ | EV_PERSIST, server_accept_cb, s);
		if (s->listeners[i].ev == NULL ||
		    event_add(s->listeners[i].ev, NULL) == -1)
			return -1;
	}
	if (s->stop_timer != NULL && s->alog != NULL)
		event_add(s->stop_timer, &sec);
	return 0;
}

static void
server_pause(struct server *s, bool pause)
{
	size_t i;

	if (s->paused == pause || s->stopping)
		return;
	s->paused = pause;
	for (i = 0; i < s->nlisteners; i++) {
		if (pause)
			event_del(s->listeners[i].ev);
		else
			event_add(s->listeners[i].ev, NULL);
	}
}

static void
server_accept_cb(evutil_socket_t fd, short what, void *arg)
{
	struct server *s = arg;
	struct sockaddr_storage ss;
	socklen_t sl;
	int cfd, i;

	(void)what;
	clock_refresh();
	for (i = 0; i < SERVER_ACCEPT_BATCH; i++) {
		if (s->nconns >= s->cfg->max_connections) {
			s->stats.refused++;
			server_pause(s, true);
			return;
		}
		sl = sizeof(ss);
		cfd = accept4(fd, (struct sockaddr *)&ss, &sl,
			      SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (cfd == -1) {
			if (errno == EMFILE || errno == ENFILE) {
				log_limited(&server_log_limit,
					    LOG_LEVEL_WARNING, "accept: %s",
					    strerror(errno));
				server_pause(s, true);
			}
			return;
		}
		s->stats.accepted++;
		(void)conn_new(s, cfd, (struct sockaddr *)&ss, sl);
	}
}

void
server_conn_closed(struct server *s)
{
	if (s->paused && s->nconns < s->cfg->max_connections)
		server_pause(s, false);
	if (s->stopping && s->nconns == 0 && s->stopped != NULL) {
		void (*cb)(void *) = s->stopped;

		s->stopped = NULL;
		cb(s->stopped_arg);
	}
}

int
server_reload(struct server *s, const struct config_http *cfg, char *err,
	      size_t errlen)
{
	int rootfd = server_open_root(cfg->root, err, errlen);

	if (rootfd == -1)
		return -1;
	if (s->alog != NULL && cfg->access_log != NULL &&
	    alog_reopen(s->alog, cfg->access_log, cfg->log_combined) == -1) {
		snprintf(err, errlen, "access_log %s: %s", cfg->access_log,
			 strerror(errno));
		close(rootfd);
		return -1;
	}
	if (s->alog == NULL && cfg->access_log != NULL &&
	    (s->alog = alog_open(cfg->access_log, cfg->log_combined)) == NULL) {
		snprintf(err, errlen, "access_log %s: %s", cfg->access_log,
			 strerror(errno));
		close(rootfd);
		return -1;
	}
	if (cfg->access_log == NULL) {
		alog_close(s->alog);
		s->alog = NULL;
	}
	if (server_apply(s, cfg, rootfd) == -1) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (s->alog != NULL && s->stop_timer != NULL) {
		struct timeval sec = {.tv_sec = 1};

		event_add(s->stop_timer, &sec);
	}
	server_raise_nofile(cfg);
	return 0;
}

static void
server_grace_cb(evutil_socket_t fd, short what, void *arg)
{
	struct server *s = arg;

	(void)fd;
	(void)what;
	log_notice("stop: closing %u connections still open after %ds",
		   s->nconns, SERVER_STOP_GRACE);
	conn_close_all(s, "server stopped");
}

void
server_stop(struct server *s, void (*stopped)(void *), void *arg)
{
	struct timeval grace = {.tv_sec = SERVER_STOP_GRACE};
	size_t i;

	for (i = 0; i < s->nlisteners; i++) {
		if (s->listeners[i].ev != NULL)
			event_del(s->listeners[i].ev);
	}
	s->stopping = true;
	s->stopped = stopped;
	s->stopped_arg = arg;
	conn_stop_all(s);
	if (s->nconns == 0) {
		s->stopped = NULL;
		stopped(arg);
		return;
	}
	if (s->stop_timer != NULL) {
		event_free(s->stop_timer);
		s->stop_timer = evtimer_new(s->base, server_grace_cb, s);
		if (s->stop_timer != NULL)
			event_add(s->stop_timer, &grace);
	}
}

void
server_flush_log(struct server *s)
{
	alog_flush(s->alog);
}

void
server_log_stats(struct server *s)
{
	struct cache_stats cs;
	const struct server_stats *st = &s->stats;

	cache_stats(s->cache, &cs);
	log_notice("http: %u open connections, %lu accepted, %lu refused at "
		   "max_connections, %lu requests (2xx %lu, 206 %lu, 3xx %lu, "
		   "304 %lu, 4xx %lu, 404 %lu, 5xx %lu), %lu bad requests, "
		   "%lu timeouts, %llu body bytes",
		   s->nconns, st->accepted, st->refused, st->requests,
		   st->status[2], st->s206, st->status[3], st->s304,
		   st->status[4], st->s404, st->status[5], st->bad_requests,
		   st->timeouts, st->body_bytes);
	log_notice("http cache: %zu entries, %zu bytes, %lu hits, %lu misses, "
		   "%lu revalidations, %lu reloads, %lu evictions",
		   cs.entries, cs.bytes, cs.hits, cs.misses, cs.revalidations,
		   cs.reloads, cs.evictions);
}

void
server_free(struct server *s)
{
	if (s == NULL)
		return;
	s->stopped = NULL;
	conn_close_all(s, "server freed");
	conn_timers_free(s);
	server_unlisten(s);
	if (s->stop_timer != NULL)
		event_free(s->stop_timer);
	alog_close(s->alog);
	cache_free(s->cache);
	conn_pools_free(s);
	if (s->rootfd != -1)
		close(s->rootfd);
	free(s->mime);
	free(s);
}
