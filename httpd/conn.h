/*
 * conn: one client connection's state machine on raw libevent events.
 *
 *   IDLE --bytes--> HEAD --head parsed--> (BODY: discard) --> responses
 *   queued --> flushed in one writev (pipelined responses batched) -->
 *   IDLE again, or LINGER/closed when the connection must end.
 *
 * One event per connection, switched between read and write; input and
 * output buffers come from per-server pools only while in use, so an
 * idle keep-alive connection holds just this struct.
 */
#ifndef LABGATE_CONN_H
#define LABGATE_CONN_H

#include <event2/event.h>
#include <event2/event_struct.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "http_parse.h"

#define CONN_MAX_PIPELINE   16    /* responses queued at once */
#define CONN_OUT_SIZE       16384 /* bytes of queued headers and small bodies */
#define CONN_OUT_RESERVE    2048  /* room one more response needs */
#define CONN_LINGER_TIMEOUT 2     /* seconds to drain after our last byte */
#define CONN_LINGER_MAX     65536 /* bytes drained before giving up */
#define CONN_SENDFILE_CHUNK (1024 * 1024) /* bytes per sendfile call */
/*
 * sendfile calls per connection per event-loop turn: a fast reader of a
 * large file never fills its socket, so without a bound one connection
 * would keep the loop (and every other client of this worker) waiting.
 */
#define CONN_SENDFILE_TURN 4
#define CONN_MAX_IOV       64

struct server;
struct cache_entry;

enum conn_state {
	CONN_READING, /* idle, in a head, or discarding a body */
	CONN_WRITING, /* output pending; not reading */
	CONN_LINGER,  /* write side shut; draining input */
};

/* One queued response. */
struct conn_item {
	uint32_t hoff, hlen; /* header (and small body) in out->buf */
	const char *body;    /* memory body, or NULL */
	size_t blen;
	int sfd; /* file body for sendfile, or -1 */
	off_t soff;
	size_t slen;
	size_t sent;             /* bytes of this item written */
	struct cache_entry *ent; /* keeps body/sfd alive */
	char *heap;              /* owned body (autoindex) */
};

struct conn_in {
	struct conn_in *next_free;
	uint32_t cap, len, start; /* buf[start, len) unparsed */
	bool in_head;             /* a request (head, body) is under way */
	bool chunked;             /* its head kept while a chunked body goes */
	bool deferred;            /* or until the queue is empty */
	uint64_t deadline_ms;     /* header timeout for it */
	struct http_parser parser;
	struct http_chunked body; /* when chunked */
	char buf[];
};

struct conn_out {
	struct conn_out *next_free;
	unsigned head, n;
	struct conn_item items[CONN_MAX_PIPELINE];
	uint32_t len; /* of buf used */
	char buf[CONN_OUT_SIZE];
};

struct conn {
	struct conn *prev, *next; /* on its server's timeout queue */
	struct server *srv;
	int fd;
	enum conn_state state;
	bool close_after; /* end the connection once output is out */
	bool linger;      /* and drain input first */
	bool nodelay;     /* TCP_NODELAY set */
	bool write_mode;  /* event armed for EV_WRITE */
	bool edge;        /* event armed edge-triggered (EV_ET) */
	bool more_input;  /* the last read filled the buffer */
	uint8_t tq;       /* the timeout queue (server.h) prev/next link */
	unsigned sendfile_left; /* sendfile calls left in this loop turn */
	uint64_t deadline_ms;   /* of its timeout, clock_mono_ms() time */
	uint64_t discard;       /* body bytes still to read and drop */
	struct conn_in *in;
	struct conn_out *out;
	struct event ev;
	union {
		struct sockaddr sa;
		struct sockaddr_in sin;
		struct sockaddr_in6 sin6;
	} peer;
};

/* Takes over an accepted socket.  Returns 0, or -1 (fd closed). */
int conn_new(struct server *s, int fd, const struct sockaddr *sa,
	     socklen_t salen);
/* Ends a connection now, freeing everything it holds. */
void conn_close(struct conn *c, const char *reason);
/* For a graceful stop: close if idle, else close after the output. */
void conn_stop(struct conn *c);
/* Frees the server's buffer pools. */
void conn_pools_free(struct server *s);
/* conn_stop() and conn_close() for every connection. */
void conn_stop_all(struct server *s);
void conn_close_all(struct server *s, const char *reason);

/*
 * The server's connection timer (see struct server_timeq): init once
 * (0, or -1 out of memory), apply after each (re)load of s->cfg; free
 * once no connection is left.
 */
int conn_timers_init(struct server *s);
void conn_timers_apply(struct server *s);
void conn_timers_free(struct server *s);

/*
 * For the responder: room for the next response's header, or NULL when
 * the queue is full or out of memory (the connection is then marked to
 * close, so no later response can answer this request).  conn_push()
 * queues it.
 */
struct conn_item *conn_item_next(struct conn *c, char **hbuf, size_t *hcap);
void conn_push(struct conn *c, struct conn_item *it, uint32_t hlen);
/*
 * Whether `items` more responses' items with `bytes` of headers in all
 * fit the queue now (for an answer made of several items).
 */
bool conn_has_room(const struct conn *c, unsigned items, size_t bytes);
/*
 * For an answer that does not fit behind the responses queued: keeps the
 * request, to be answered again once they are out.  False when nothing
 * is queued (then waiting would not make room).
 */
bool conn_defer(struct conn *c);

#endif
