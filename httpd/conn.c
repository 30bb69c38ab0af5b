/* conn: the connection state machine (see conn.h). */
#include "conn.h"

#include <errno.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "cache.h"
#include "clock.h"
#include "log.h"
#include "respond.h"
#include "server.h"

static struct log_limit conn_log_limit = LOG_LIMIT_INIT;

static void conn_event_cb(evutil_socket_t fd, short what, void *arg);
static void conn_timeout(struct conn *c);

/* --- buffer pools: no malloc per request, nothing held while idle --- */

static struct conn_in *
conn_in_get(struct server *s)
{
	struct conn_in *in = s->free_in;

	if (in != NULL && in->cap == s->in_size) {
		s->free_in = in->next_free;
		s->nfree_in--;
	} else {
		in = malloc(sizeof(*in) + s->in_size);
		if (in == NULL)
			return NULL;
		in->cap = s->in_size;
	}
	in->len = in->start = 0;
	in->in_head = false;
	in->chunked = in->deferred = false; /* the parser: at a head's start */
	return in;
}

static void
conn_in_put(struct server *s, struct conn_in *in)
{
	if (in == NULL)
		return;
	if (s->nfree_in >= SERVER_POOL_MAX || in->cap != s->in_size) {
		free(in);
		return;
	}
	in->next_free = s->free_in;
	s->free_in = in;
	s->nfree_in++;
}

static struct conn_out *
conn_out_get(struct server *s)
{
	struct conn_out *out = s->free_out;

	if (out != NULL) {
		s->free_out = out->next_free;
		s->nfree_out--;
	} else if ((out = malloc(sizeof(*out))) == NULL) {
		return NULL;
	}
	out->head = out->n = 0;
	out->len = 0;
	return out;
}

static void
conn_out_put(struct server *s, struct conn_out *out)
{
	if (out == NULL)
		return;
	if (s->nfree_out >= SERVER_POOL_MAX) {
		free(out);
		return;
	}
	out->next_free = s->free_out;
	s->free_out = out;
	s->nfree_out++;
}

void
conn_pools_free(struct server *s)
{
	struct conn_in *in;
	struct conn_out *out;

	while ((in = s->free_in) != NULL) {
		s->free_in = in->next_free;
		free(in);
	}
	while ((out = s->free_out) != NULL) {
		s->free_out = out->next_free;
		free(out);
	}
	s->nfree_in = s->nfree_out = 0;
}

static void
conn_item_release(struct server *s, struct conn_item *it)
{
	cache_release(s->cache, it->ent);
	free(it->heap);
	it->ent = NULL;
	it->heap = NULL;
}

/* --- timeouts: ordered queues and one timer (see server.h) --- */

static void
conn_timer_arm(struct server *s, uint64_t at)
{
	uint64_t now = clock_mono_ms(), left = at > now ? at - now : 0;
	struct timeval tv = {.tv_sec = (time_t)(left / 1000),
			     .tv_usec = (suseconds_t)(left % 1000) * 1000};

	s->timer_at = at;
	event_add(s->timer, &tv);
}

static void
conn_tq_unlink(struct conn *c)
{
	struct server_timeq *q = &c->srv->tq[c->tq];

	if (c->prev != NULL)
		c->prev->next = c->next;
	else
		q->head = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
	else
		q->tail = c->prev;
}

/*
 * Links c into queue i in deadline order: at the tail when no entry is
 * later (always so for now + the queue's duration), at the head when
 * all are; otherwise (a request head resumed after a write, a queue
 * shared after many reloads) after the last entry not later than it.
 */
static void
conn_tq_link(struct conn *c, uint8_t i, uint64_t deadline)
{
	struct server_timeq *q = &c->srv->tq[i];
	struct conn *after = q->tail;

	if (q->head == NULL || deadline < q->head->deadline_ms)
		after = NULL;
	else
		while (after->deadline_ms > deadline)
			after = after->prev;
	c->prev = after;
	c->next = after != NULL ? after->next : q->head;
	if (c->prev != NULL)
		c->prev->next = c;
	else
		q->head = c;
	if (c->next != NULL)
		c->next->prev = c;
	else
		q->tail = c;
	c->tq = i;
	c->deadline_ms = deadline;
	if (deadline < c->srv->timer_at)
		conn_timer_arm(c->srv, deadline);
}

/*
 * Puts c under timeout `to` until `deadline`.  The timer is not touched
 * unless this is now the earliest deadline: a later one is found when
 * the timer fires.
 */
static void
conn_timer_set(struct conn *c, enum server_timeout to, uint64_t deadline)
{
	uint8_t i = c->srv->to_q[to];

	if (c->tq == i && (c->deadline_ms == deadline ||
			   (c->next == NULL && deadline > c->deadline_ms))) {
		c->deadline_ms = deadline; /* in place and still in order */
		return;
	}
	conn_tq_unlink(c);
	conn_tq_link(c, i, deadline);
}

/* Timeout `to` from now. */
static void
conn_timer_restart(struct conn *c, enum server_timeout to)
{
	conn_timer_set(c, to, clock_mono_ms() + c->srv->to_ms[to]);
}

/* Ends what is due at the queues' heads; arms for the next one. */
static void
conn_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct server *s = arg;
	uint64_t now, next = UINT64_MAX;
	struct server_timeq *q;

	(void)fd;
	(void)what;
	clock_refresh();
	now = clock_mono_ms();
	s->timer_at = UINT64_MAX;
	for (q = s->tq; q < s->tq + SERVER_TIMEQ_MAX; q++) {
		while (q->head != NULL && q->head->deadline_ms <= now)
			conn_timeout(q->head);
		if (q->head != NULL && q->head->deadline_ms < next)
			next = q->head->deadline_ms;
	}
	if (next != UINT64_MAX)
		conn_timer_arm(s, next);
}

int
conn_timers_init(struct server *s)
{
	s->timer_at = UINT64_MAX;
	s->timer = evtimer_new(s->base, conn_timer_cb, s);
	return s->timer != NULL ? 0 : -1;
}

void
conn_timers_free(struct server *s)
{
	if (s->timer != NULL)
		event_free(s->timer);
	s->timer = NULL;
}

/*
 * A queue for a duration: one that has it, else an empty one no other
 * timeout took, else (reloads faster than old connections end) the one
 * `to` had, whose order conn_tq_link keeps, only no longer in O(1).
 */
static uint8_t
conn_tq_for(struct server *s, enum server_timeout to, const bool *taken)
{
	uint32_t ms = s->to_ms[to];
	uint8_t i;

	for (i = 0; i < SERVER_TIMEQ_MAX; i++) {
		if (s->tq[i].ms == ms)
			return i;
	}
	for (i = 0; i < SERVER_TIMEQ_MAX; i++) {
		if (s->tq[i].head == NULL && !taken[i])
			break;
	}
	if (i == SERVER_TIMEQ_MAX)
		i = s->to_q[to];
	s->tq[i].ms = ms;
	return i;
}

void
conn_timers_apply(struct server *s)
{
	const struct config_http *cfg = s->cfg;
	bool taken[SERVER_TIMEQ_MAX] = {false};
	int to;

	/* keepalive_timeout 0 closes after each response (conn_request) */
	s->to_ms[SERVER_TO_HEADER] = cfg->header_timeout * 1000u;
	s->to_ms[SERVER_TO_KEEPALIVE] =
		(cfg->keepalive_timeout > 0 ? cfg->keepalive_timeout : 1) *
		1000u;
	s->to_ms[SERVER_TO_SEND] = cfg->send_timeout * 1000u;
	s->to_ms[SERVER_TO_LINGER] = CONN_LINGER_TIMEOUT * 1000u;
	for (to = 0; to < SERVER_TO_COUNT; to++) {
		s->to_q[to] = conn_tq_for(s, (enum server_timeout)to, taken);
		taken[s->to_q[to]] = true;
	}
}

/* --- life --- */

int
conn_new(struct server *s, int fd, const struct sockaddr *sa, socklen_t salen)
{
	struct conn *c = calloc(1, sizeof(*c));

	if (c == NULL) {
		close(fd);
		return -1;
	}
	c->srv = s;
	c->fd = fd;
	if (salen > sizeof(c->peer))
		salen = sizeof(c->peer);
	memcpy(&c->peer, sa, salen);
	/*
	 * Reading is edge-triggered: epoll then does not poll every socket
	 * it reported once more on its next wait.  A read that fills the
	 * buffer falls back to level-triggered until a short read (see
	 * conn_set_event), so no input is stranded without an event.
	 */
	event_assign(&c->ev, s->base, fd, EV_READ | EV_PERSIST | EV_ET,
		     conn_event_cb, c);
	c->edge = true;
	if (event_add(&c->ev, NULL) == -1) {
		close(fd);
		free(c);
		return -1;
	}
	/* The first request's head is due header_timeout from now. */
	conn_tq_link(c, s->to_q[SERVER_TO_HEADER],
		     clock_mono_ms() + s->to_ms[SERVER_TO_HEADER]);
	s->nconns++;
	return 0;
}

void
conn_close(struct conn *c, const char *reason)
{
	struct server *s = c->srv;
	unsigned i;

	log_debug("connection fd %d closed: %s", c->fd, reason);
	event_del(&c->ev);
	close(c->fd);
	if (c->out != NULL) {
		for (i = 0; i < c->out->n; i++)
			conn_item_release(s, &c->out->items[(c->out->head + i) %
							    CONN_MAX_PIPELINE]);
		conn_out_put(s, c->out);
	}
	conn_in_put(s, c->in);
	conn_tq_unlink(c);
	s->nconns--;
	free(c);
	server_conn_closed(s);
}

static bool
conn_busy(const struct conn *c)
{
	return c->out != NULL || c->discard > 0 ||
	       (c->in != NULL && c->in->len > c->in->start);
}

void
conn_stop(struct conn *c)
{
	if (!conn_busy(c) && c->state == CONN_READING) {
		conn_close(c, "server stopping");
		return;
	}
	c->close_after = true;
}

void
conn_stop_all(struct server *s)
{
	struct server_timeq *q;
	struct conn *c, *next;

	for (q = s->tq; q < s->tq + SERVER_TIMEQ_MAX; q++) {
		for (c = q->head; c != NULL; c = next) {
			next = c->next;
			conn_stop(c);
		}
	}
}

void
conn_close_all(struct server *s, const char *reason)
{
	struct server_timeq *q;

	for (q = s->tq; q < s->tq + SERVER_TIMEQ_MAX; q++) {
		while (q->head != NULL)
			conn_close(q->head, reason);
	}
}

/* --- output --- */

struct conn_item *
conn_item_next(struct conn *c, char **hbuf, size_t *hcap)
{
	struct conn_out *o = c->out;
	struct conn_item *it;
	uint32_t len;

	/*
	 * No room means this request goes unanswered: the connection must
	 * end, or the next response would be taken for this one's.
	 */
	if ((o == NULL && (o = c->out = conn_out_get(c->srv)) == NULL) ||
	    o->n >= CONN_MAX_PIPELINE ||
	    CONN_OUT_SIZE - o->len < CONN_OUT_RESERVE) {
		c->close_after = true;
		return NULL;
	}
	len = o->len; /* read once: the stores below may alias it */
	it = &o->items[(o->head + o->n) % CONN_MAX_PIPELINE];
	memset(it, 0, sizeof(*it));
	it->sfd = -1;
	it->hoff = len;
	*hbuf = o->buf + len;
	*hcap = CONN_OUT_SIZE - len;
	return it;
}

void
conn_push(struct conn *c, struct conn_item *it, uint32_t hlen)
{
	it->hlen = hlen;
	c->out->len += hlen;
	c->out->n++;
}

bool
conn_has_room(const struct conn *c, unsigned items, size_t bytes)
{
	unsigned n = c->out != NULL ? c->out->n : 0;
	size_t used = c->out != NULL ? c->out->len : 0;

	return CONN_MAX_PIPELINE - n >= items &&
	       CONN_OUT_SIZE - used >= CONN_OUT_RESERVE + bytes;
}

bool
conn_defer(struct conn *c)
{
	if (c->out == NULL || c->in == NULL)
		return false;
	c->in->deferred = true;
	return true;
}

/* Full also while a deferred request waits for the queue to empty. */
static bool
conn_out_full(const struct conn *c)
{
	return c->out != NULL &&
	       (c->out->n >= CONN_MAX_PIPELINE ||
		CONN_OUT_SIZE - c->out->len < CONN_OUT_RESERVE ||
		(c->in != NULL && c->in->deferred));
}

/* iovecs for the queued memory parts, up to and including a file item. */
static int
conn_iov(struct conn *c, struct iovec *iov)
{
	struct conn_out *o = c->out;
	struct conn_item *it;
	unsigned i;
	size_t skip;
	int n = 0;

	for (i = 0; i < o->n && n + 2 <= CONN_MAX_IOV; i++) {
		it = &o->items[(o->head + i) % CONN_MAX_PIPELINE];
		skip = it->sent;
		if (skip < it->hlen) {
			iov[n].iov_base = o->buf + it->hoff + skip;
			iov[n++].iov_len = it->hlen - skip;
			skip = 0;
		} else {
			skip -= it->hlen;
		}
		if (it->body != NULL && skip < it->blen) {
			iov[n].iov_base = (char *)(uintptr_t)(it->body + skip);
			iov[n++].iov_len = it->blen - skip;
		}
		if (it->sfd != -1)
			break;
	}
	return n;
}

/* Drops finished items after `n` bytes went out. */
static void
conn_advance(struct conn *c, size_t n)
{
	struct conn_out *o = c->out;
	struct conn_item *it;
	size_t mem, take;

	while (o->n > 0) {
		it = &o->items[o->head];
		mem = it->hlen + (it->body != NULL ? it->blen : 0);
		take = it->sent < mem ? mem - it->sent : 0;
		if (take > n)
			take = n;
		it->sent += take;
		n -= take;
		if (it->sent < mem + it->slen)
			return;
		conn_item_release(c->srv, it);
		o->head = (o->head + 1) % CONN_MAX_PIPELINE;
		o->n--;
	}
}

static void
conn_nodelay(struct conn *c)
{
	int one = 1;

	if (!c->nodelay) {
		(void)setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one,
				 sizeof(one));
		c->nodelay = true;
	}
}

/* sendfile for the head item once its memory part is out: 1 done, 0 again, -1 error. */
static int
conn_sendfile(struct conn *c)
{
	struct conn_item *it = &c->out->items[c->out->head];
	size_t mem = it->hlen + (it->body != NULL ? it->blen : 0);
	size_t left = it->slen - (it->sent - mem), chunk;
	off_t off = it->soff + (off_t)(it->sent - mem);
	ssize_t n;

	conn_nodelay(c);
	chunk = left < CONN_SENDFILE_CHUNK ? left : CONN_SENDFILE_CHUNK;
	n = sendfile(c->fd, it->sfd, &off, chunk);
	if (n == -1)
		return errno == EAGAIN || errno == EINTR ? 0 : -1;
	if (n == 0)
		return -1; /* the file shrank under us */
	it->sent += (size_t)n;
	if ((size_t)n == left) {
		conn_advance(c, 0);
		return 1;
	}
	return (size_t)n < chunk ? 0 : 1;
}

/*
 * send and sendmsg go to the socket without writev's file layer; one
 * part (the usual response: head and small body in one buffer) takes
 * send, which needs no iovec copied in.
 */
static ssize_t
conn_send(int fd, struct iovec *iov, int cnt)
{
	struct msghdr mh;

	if (cnt == 1)
		return send(fd, iov[0].iov_base, iov[0].iov_len, MSG_NOSIGNAL);
	memset(&mh, 0, sizeof(mh));
	mh.msg_iov = iov;
	mh.msg_iovlen = (size_t)cnt;
	return sendmsg(fd, &mh, MSG_NOSIGNAL);
}

/*
 * The usual response: alone in the queue, all of it in out->buf.  Sent
 * without the iovec walk; a short send means the socket is full.
 * Returns as conn_flush().
 */
static int
conn_flush_one(struct conn *c, struct conn_item *it)
{
	ssize_t n = send(c->fd, c->out->buf + it->hoff + it->sent,
			 it->hlen - it->sent, MSG_NOSIGNAL);

	if (n == -1)
		return errno == EAGAIN || errno == EINTR ? 0 : -1;
	it->sent += (size_t)n;
	if (it->sent < it->hlen)
		return 0;
	conn_item_release(c->srv, it);
	conn_out_put(c->srv, c->out);
	c->out = NULL;
	return 1;
}

/*
 * Writes what is queued.  Returns 1 when everything went out, 0 when
 * the socket is full or this turn's sendfile calls are used up, -1 when
 * the connection is broken.
 */
static int
conn_flush(struct conn *c)
{
	struct iovec iov[CONN_MAX_IOV];
	struct conn_item *it;
	ssize_t n;
	int cnt, rc;

	if (c->out != NULL && c->out->n == 1) {
		it = &c->out->items[c->out->head];
		if (it->body == NULL && it->sfd == -1 && it->sent < it->hlen)
			return conn_flush_one(c, it);
	}
	while (c->out != NULL && c->out->n > 0) {
		cnt = conn_iov(c, iov);
		if (cnt > 0) {
			n = conn_send(c->fd, iov, cnt);
			if (n == -1)
				return errno == EAGAIN || errno == EINTR ? 0
									 : -1;
			conn_advance(c, (size_t)n);
			continue;
		}
		it = &c->out->items[c->out->head];
		if (it->sfd == -1) { /* nothing left in it */
			conn_advance(c, 0);
			continue;
		}
		/* Turn over: the event stays armed for EV_WRITE, and the
		 * socket is still writable, so the next turn goes on. */
		if (c->sendfile_left == 0)
			return 0;
		c->sendfile_left--;
		rc = conn_sendfile(c);
		if (rc != 1)
			return rc;
	}
	conn_out_put(c->srv, c->out);
	c->out = NULL;
	return 1;
}

/* --- input --- */

static void
conn_parse_error(struct conn *c, enum http_parse_status st)
{
	char addr[64];

	c->srv->stats.bad_requests++;
	if (log_enabled(LOG_LEVEL_INFO)) {
		struct net_sockaddr na;

		memset(&na, 0, sizeof(na));
		memcpy(&na.ss, &c->peer, sizeof(c->peer));
		na.len = c->peer.sa.sa_family == AF_INET6
				 ? sizeof(struct sockaddr_in6)
				 : sizeof(struct sockaddr_in);
		log_limited(&conn_log_limit, LOG_LEVEL_INFO, "%s: %s",
			    net_format_sockaddr(&na, addr, sizeof(addr)),
			    http_parse_strerror(st));
	}
	c->close_after = true;
	c->linger = true;
	resp_error(c, http_parse_status_code(st),
		   st == HTTP_PARSE_NO_HOST || st >= HTTP_PARSE_BAD_HEADER
			   ? &c->in->parser.req
			   : NULL,
		   c->in->buf + c->in->start);
}

/* Keep-alive per RFC 9112 9.3, and the body that follows the head. */
static void
conn_request(struct conn *c, const struct http_request *r, const char *buf)
{
	const struct config_http *cfg = c->srv->cfg;

	if (r->version_minor == 0 ? !r->conn_keep_alive : r->conn_close)
		c->close_after = true;
	if (cfg->keepalive_timeout == 0 || c->srv->stopping)
		c->close_after = true;
	if (r->te_chunked) {
		/* Answered once the body is in: 413 can still be said. */
		c->in->chunked = true;
		http_chunked_init(&c->in->body, cfg->max_body);
		return;
	}
	if (r->content_length > cfg->max_body) {
		c->close_after = c->linger = true;
		resp_error(c, 413, r, buf);
		return;
	}
	c->discard = r->content_length;
	resp_request(c, r, buf);
}

/* The request is done: on to the next one in the buffer. */
static void
conn_next_request(struct conn *c)
{
	struct conn_in *in = c->in;

	in->start += in->parser.req.head_len;
	/* A body to discard stays under the header deadline. */
	in->in_head = c->discard > 0;
}

/*
 * Decodes and drops the chunked body after the head kept at buf[start],
 * then answers the request.  Decoded bytes leave the buffer, so a body
 * of any size passes through the room after the head.  Returns false
 * when more input is needed.
 */
static bool
conn_chunked_body(struct conn *c)
{
	struct conn_in *in = c->in;
	const struct http_request *r = &in->parser.req;
	uint32_t body = in->start + r->head_len;
	enum http_chunked_status st;
	size_t used;

	st = http_chunked_feed(&in->body, in->buf + body, in->len - body,
			       &used);
	memmove(in->buf + body, in->buf + body + used, in->len - body - used);
	in->len -= (uint32_t)used;
	/* The head to the front now: the room after it is all a read gets,
	 * and a head late in the buffer would leave a byte or so. */
	if (st == HTTP_CHUNKED_AGAIN && in->start > 0) {
		memmove(in->buf, in->buf + in->start, in->len - in->start);
		in->len -= in->start;
		in->start = 0;
	}
	if (st == HTTP_CHUNKED_AGAIN && in->len < in->cap)
		return false;
	in->chunked = false;
	if (st == HTTP_CHUNKED_DONE) {
		resp_request(c, r, in->buf + in->start);
		if (in->deferred)
			return true;
	} else { /* malformed, too large, or a head that fills the buffer */
		c->close_after = c->linger = true;
		resp_error(c, st == HTTP_CHUNKED_BAD ? 400 : 413, r,
			   in->buf + in->start);
	}
	conn_next_request(c);
	return true;
}

/* Parses and answers what is buffered; stops when output is full. */
static void
conn_process(struct conn *c)
{
	struct conn_in *in = c->in;
	enum http_parse_status st;
	size_t take;

	/* A chunked body is read even on a closing connection, and a
	 * deferred request answered: they are still to be answered. */
	while (in != NULL && (!c->close_after || in->chunked || in->deferred) &&
	       !conn_out_full(c)) {
		if (in->deferred) { /* the queue is empty now */
			in->deferred = false;
			resp_request(c, &in->parser.req, in->buf + in->start);
			conn_next_request(c);
			continue;
		}
		if (in->chunked) {
			if (!conn_chunked_body(c))
				break;
			continue;
		}
		if (c->discard > 0) {
			take = in->len - in->start;
			if (take > c->discard)
				take = (size_t)c->discard;
			in->start += (uint32_t)take;
			c->discard -= take;
			/* Reuse the buffer: a body may be larger than it. */
			if (in->start == in->len)
				in->start = in->len = 0;
			if (c->discard > 0)
				break;
			in->in_head = false; /* the body is in: request done */
		}
		if (in->start == in->len)
			break;
		if (!in->in_head) { /* a new head: the one place it starts */
			in->in_head = true;
			in->deadline_ms = clock_mono_ms() +
					  c->srv->cfg->header_timeout * 1000ull;
			http_parser_init(&in->parser, c->srv->cfg->max_headers,
					 c->srv->cfg->max_header_size);
		}
		st = http_parse_request(&in->parser, in->buf + in->start,
					in->len - in->start);
		if (st == HTTP_PARSE_AGAIN) {
			if (in->len < in->cap)
				break;
			if (in->start > 0) {
				memmove(in->buf, in->buf + in->start,
					in->len - in->start);
				in->len -= in->start;
				in->start = 0;
				break;
			}
			c->close_after = c->linger = true;
			resp_error(c,
				   http_parse_in_request_line(&in->parser)
					   ? 414
					   : 431,
				   NULL, NULL);
			break;
		}
		if (st != HTTP_PARSE_OK) {
			conn_parse_error(c, st);
			break;
		}
		conn_request(c, &in->parser.req, in->buf + in->start);
		if (!in->chunked && !in->deferred)
			conn_next_request(c);
	}
}

static void
conn_switch_event(struct conn *c, bool write, bool edge)
{
	event_del(&c->ev);
	event_assign(&c->ev, c->srv->base, c->fd,
		     (write ? EV_WRITE : EV_READ) | EV_PERSIST |
			     (edge ? EV_ET : 0),
		     conn_event_cb, c);
	c->write_mode = write;
	c->edge = edge;
	event_add(&c->ev, NULL);
}

/*
 * Inline, the usual no change costs a compare: the event carries no
 * timeout, so EV_PERSIST re-adds nothing per event either.
 */
static inline void
conn_set_event(struct conn *c, bool write)
{
	/*
	 * Level-triggered to write (a sendfile turn ends with the socket
	 * still writable), to linger, and after a read that filled the
	 * buffer; edge-triggered otherwise.
	 */
	bool edge = !write && !c->more_input && c->state != CONN_LINGER;

	if (write != c->write_mode || edge != c->edge)
		conn_switch_event(c, write, edge);
}

/* After I/O: release idle buffers, pick the next event and timeout. */
static void
conn_settle(struct conn *c)
{
	struct conn_in *in = c->in;

	if (c->out != NULL) {
		c->state = CONN_WRITING;
		conn_set_event(c, true);
		conn_timer_restart(c, SERVER_TO_SEND);
		return;
	}
	if (c->close_after && (in == NULL || !in->chunked)) {
		/* Unread input would make close() send RST over our answer. */
		if (conn_busy(c))
			c->linger = true;
		if (!c->linger) {
			conn_close(c, "done");
			return;
		}
		shutdown(c->fd, SHUT_WR);
		c->state = CONN_LINGER;
		conn_in_put(c->srv, c->in);
		c->in = NULL;
		conn_set_event(c, false);
		conn_timer_restart(c, SERVER_TO_LINGER);
		return;
	}
	c->state = CONN_READING;
	if (in != NULL && in->start == in->len && c->discard == 0) {
		conn_in_put(c->srv, in);
		c->in = in = NULL;
	}
	conn_set_event(c, false);
	if (in == NULL || !in->in_head) {
		conn_timer_restart(c, SERVER_TO_KEEPALIVE);
		return;
	}
	/*
	 * Fixed at the head's first byte: activity does not extend it.  A
	 * head that waited behind a write resumes its deadline (already
	 * passed: the timer ends it on the next loop turn).
	 */
	conn_timer_set(c, SERVER_TO_HEADER, in->deadline_ms);
}

static void
conn_linger_read(struct conn *c)
{
	char scratch[4096];
	ssize_t n = read(c->fd, scratch, sizeof(scratch));

	if ((n > 0 && c->discard < CONN_LINGER_MAX) ||
	    (n == -1 && (errno == EAGAIN || errno == EINTR))) {
		/* The deadline set at shutdown stands: a client trickling
		 * a byte now and then must not hold the socket for hours. */
		if (n > 0)
			c->discard += (uint64_t)n; /* counts drained bytes */
		return;
	}
	conn_close(c, "lingering done");
}

static void
conn_timeout(struct conn *c)
{
	c->srv->stats.timeouts++;
	/* Not after the response to a request whose body is late. */
	if (c->state == CONN_READING && conn_busy(c) && c->discard == 0) {
		/* 408 (RFC 9110 15.5.9), best effort, then close */
		c->close_after = true;
		c->linger = false;
		c->discard = 0;
		resp_error(c, 408, NULL, NULL);
		(void)conn_flush(c);
	}
	conn_close(c, c->state == CONN_WRITING  ? "send timeout"
		      : c->state == CONN_LINGER ? "linger timeout"
						: "idle timeout");
}

static int
conn_read(struct conn *c)
{
	struct conn_in *in;
	ssize_t n;

	if (c->in == NULL && (c->in = conn_in_get(c->srv)) == NULL)
		return -1;
	in = c->in;
	/* recv, not read: it goes to the socket without the VFS layer */
	n = recv(c->fd, in->buf + in->len, in->cap - in->len, 0);
	/* A short read drained the socket; a full one may not have. */
	c->more_input = (n > 0 && in->len + (size_t)n == in->cap) ||
			(n == -1 && errno == EINTR);
	if (n > 0) {
		in->len += (uint32_t)n;
		return 1;
	}
	if (n == -1 && (errno == EAGAIN || errno == EINTR))
		return 0;
	return -1;
}

static void
conn_event_cb(evutil_socket_t fd, short what, void *arg)
{
	struct conn *c = arg;
	int rc;

	(void)fd;
	clock_refresh();
	(void)what; /* no timeout on it: conn_timer_cb has them */
	c->sendfile_left = CONN_SENDFILE_TURN;
	if (c->state == CONN_LINGER) {
		conn_linger_read(c);
		return;
	}
	if (c->state == CONN_WRITING) {
		rc = conn_flush(c);
		if (rc == -1) {
			conn_close(c, "write failed");
			return;
		}
		if (rc == 0) { /* still writing: progress restarts it */
			conn_timer_restart(c, SERVER_TO_SEND);
			return;
		}
	} else {
		rc = conn_read(c);
		if (rc == -1) {
			conn_close(c, "closed by peer");
			return;
		}
	}
	for (;;) {
		conn_process(c);
		if (c->out == NULL)
			break;
		rc = conn_out_full(c);
		if (conn_flush(c) == -1) {
			conn_close(c, "write failed");
			return;
		}
		/* A full queue left parsed-but-unanswered input: go on. */
		if (c->out != NULL || !rc ||
		    (c->close_after && (c->in == NULL || !c->in->deferred)))
			break;
	}
	conn_settle(c);
}
