/*
 * server: one worker's HTTP service: listening sockets, the connection
 * set and its limits, the file cache, the access log and counters.
 * Built from the `http:` section; server_reload() adopts a new one.
 */
#ifndef LABGATE_SERVER_H
#define LABGATE_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "config.h"
#include "http_mime.h"
#include "http_util.h"

/*
 * Accepts per listener wake-up.  The listener is level-triggered, so one
 * is enough: looping to EAGAIN costs a failing accept4 per wake-up.
 */
#define SERVER_ACCEPT_BATCH 1
#define SERVER_STOP_GRACE   5 /* seconds for in-flight responses */
#define SERVER_NAME         "labgate"
/* "Server: labgate\r\nDate: " IMF-fixdate "\r\n" */
#define SERVER_HEAD_LEN \
	(sizeof("Server: " SERVER_NAME "\r\nDate: \r\n") - 1 + HTTP_DATE_LEN)
#define SERVER_POOL_MAX 256 /* idle buffers kept for reuse */
#define SERVER_FD_SLACK 64  /* fds beyond connections and cache */

struct event_base;
struct event;
struct conn;
struct cache;
struct alog;

/* Counters for SIGUSR1 (and tests). */
struct server_stats {
	unsigned long accepted;
	unsigned long requests;
	unsigned long status[6]; /* by class: [2] 2xx ... [5] 5xx */
	unsigned long s304, s404, s206;
	unsigned long long body_bytes; /* of bodies queued */
	unsigned long refused;         /* max_connections reached */
	unsigned long timeouts;
	unsigned long bad_requests; /* parse errors */
};

/*
 * Connection timeouts.  The I/O events carry none: every connection is
 * on exactly one queue, that of its state's timeout, ordered by
 * deadline, and one timer for the earliest deadline serves them all.
 * A queue holds one duration, so a deadline of now + that duration (the
 * usual one) joins at the tail in O(1).  A reload that changes one
 * starts another queue: the connections on the old one keep their
 * deadlines.
 */
enum server_timeout {
	SERVER_TO_HEADER,    /* the first request, or one under way */
	SERVER_TO_KEEPALIVE, /* idle between requests */
	SERVER_TO_SEND,      /* output pending without progress */
	SERVER_TO_LINGER,    /* draining after our last byte */
	SERVER_TO_COUNT
};

#define SERVER_TIMEQ_MAX 8 /* durations at once: each reload may add some */

struct server_timeq {
	struct conn *head, *tail; /* earliest deadline first */
	uint32_t ms;              /* the duration its entries were given */
};

struct server_listener {
	int fd;
	struct event *ev;
};

struct server {
	struct event_base *base;
	const struct config_http *cfg;
	int rootfd;
	struct server_listener *listeners;
	size_t nlisteners;
	bool paused; /* at max_connections */
	unsigned nconns;
	/* every open connection, on the queue of its timeout (conn.c) */
	struct server_timeq tq[SERVER_TIMEQ_MAX];
	uint8_t to_q[SERVER_TO_COUNT];   /* the queue of each timeout */
	uint32_t to_ms[SERVER_TO_COUNT]; /* and its duration now */
	struct event *timer;             /* for the earliest deadline */
	uint64_t timer_at; /* when it fires; UINT64_MAX when unarmed */
	struct cache *cache;
	struct http_mime_override *mime;
	size_t nmime;
	void *free_in, *free_out; /* buffer pools (conn.c) */
	unsigned nfree_in, nfree_out;
	uint32_t in_size; /* bytes of an input buffer */
	/* "Server: ...\r\nDate: ...\r\n", formatted once a second */
	char head[SERVER_HEAD_LEN + 1];
	time_t date_t;
	struct alog *alog;
	struct server_stats stats;
	bool stopping;
	struct event *stop_timer;
	void (*stopped)(void *arg); /* when the last connection is gone */
	void *stopped_arg;
};

/*
 * Sets up a server for cfg on base: opens the root, the access log and
 * the cache; sockets are bound by server_listen().  Returns NULL (with
 * the cause in err) on failure.
 */
struct server *server_new(struct event_base *base,
			  const struct config_http *cfg, char *err,
			  size_t errlen);
/* Binds every http.listen address; reuseport for workers.  0 or -1 + err. */
int server_listen(struct server *s, bool reuseport, char *err, size_t errlen);
/* Closes the listening sockets (a worker drops its parent's copies). */
void server_unlisten(struct server *s);
/* Adds the accept events.  Returns 0 or -1. */
int server_start(struct server *s);
/*
 * Adopts a new http section (root, index, autoindex, access log reopen,
 * timeouts, limits, cache); returns 0, or -1 with err (old one kept).
 */
int server_reload(struct server *s, const struct config_http *cfg, char *err,
		  size_t errlen);
/* Stops accepting and closes connections once their responses are out. */
void server_stop(struct server *s, void (*stopped)(void *), void *arg);
void server_log_stats(struct server *s);
/* Writes out the buffered access log (before a fork: no line twice). */
void server_flush_log(struct server *s);
void server_free(struct server *s);

/*
 * The Server and Date lines every response starts with, SERVER_HEAD_LEN
 * bytes, the date that of the loop turn (formatted once a second).
 */
const char *server_head(struct server *s);
/* Called by conn.c when a connection is gone. */
void server_conn_closed(struct server *s);

#endif
