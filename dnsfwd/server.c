/* server: listeners and answers; see server.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>

#include "cache.h"
#include "clock.h"
#include "dgram.h"
#include "dns_wire.h"
#include "local.h"
#include "log.h"
#include "server.h"
#include "upstream.h"

struct server_udp {
	int fd;
	struct dgram_reader *reader;
	/* Answers from upstream, sent together once the loop turn ends. */
	struct dgram_batch *late;
	struct event *flush;
};

struct server_tcp_conn {
	struct server *srv;
	struct bufferevent *bev; /* NULL once closed */
	struct net_sockaddr peer;
	unsigned pending; /* queries waiting upstream */
	struct server_tcp_conn *prev, *next;
};

struct server_stats {
	uint64_t queries, udp, tcp, refused, formerr, notimp, dropped, local,
		hits, forwarded, servfail, stale, truncated, tcp_conns,
		tcp_refused, prefetches;
};

struct server {
	struct event_base *base;
	const struct config_dns *cfg;
	struct cache *cache;
	struct local_zone *local;
	struct upstream *up;
	struct server_udp *udp;
	size_t nudp;
	struct evconnlistener **tcp;
	size_t ntcp;
	struct server_tcp_conn *conns;
	unsigned nconns;
	struct server_stats st;
	struct log_limit limit;
	bool stopping;
	bool discarding; /* a forked copy: it sends nothing */
	void (*stop_done)(void *);
	void *stop_arg;
	struct event *stop_timer;
	struct event *accept_pause; /* TCP accept resumes when it fires */
};

/* Where a reply goes and what the client asked for. */
struct server_client {
	const struct net_sockaddr *peer;
	int fd;
	struct server_tcp_conn *conn;
	const uint8_t *control; /* the query's IP_PKTINFO, or NULL */
	size_t control_len;
};

static void
server_cache_limits(const struct config_dns *cfg, struct cache_limits *lim)
{
	lim->min_ttl = cfg->min_ttl;
	lim->max_ttl = cfg->max_ttl;
	lim->neg_max_ttl = cfg->negative_ttl;
	lim->servfail_ttl = cfg->servfail_ttl;
	lim->stale_ttl = cfg->stale_ttl;
}

static bool
server_allowed(const struct server *s, const struct net_sockaddr *peer)
{
	return net_cidr_list_contains_sockaddr(s->cfg->allow,
					       s->cfg->allow_count, &peer->sa);
}

/*
 * RFC 6891 7: OPT in the answer when the query had one; RFC 1035 4.2.1
 * and 6891 6.2.3: over `limit`, only the header and question, with TC.
 */
static size_t
server_finish_reply(uint8_t *out, size_t len, size_t outlen, size_t limit,
		    uint16_t udp_size, bool do_bit, size_t qend,
		    struct server_stats *st)
{
	int n;

	if (udp_size > 0) {
		n = dns_opt_append(out, len, outlen, DNS_EDNS_UDP, do_bit);
		if (n > 0)
			len = (size_t)n;
	}
	if (len <= limit)
		return len;
	st->truncated++;
	dns_put16(out + 2, (uint16_t)(dns_get16(out + 2) | DNS_FLAG_TC));
	memset(out + 6, 0, 6);
	len = qend;
	if (udp_size > 0) {
		n = dns_opt_append(out, len, outlen, DNS_EDNS_UDP, do_bit);
		if (n > 0)
			len = (size_t)n;
	}
	return len;
}

_Static_assert(CONFIG_MAX_DNS_MAX_UDP <= SERVER_MAX_UDP_REPLY,
	       "dns.max_udp_size must fit the send batch's buffers");

/*
 * The client's UDP size, at most dns.max_udp_size: answers that would be
 * fragmented are truncated instead, so the client retries over TCP
 * (RFC 9715 3.1, as Unbound's max-udp-size and dnsmasq's edns-packet-max).
 */
static size_t
server_limit(const struct server *s, const struct server_client *c,
	     uint16_t udp_size)
{
	size_t limit;

	if (c->conn != NULL)
		return DNS_MAX_MSG;
	limit = udp_size > 0 ? udp_size : DNS_MIN_UDP;
	return limit < s->cfg->max_udp_size ? limit : s->cfg->max_udp_size;
}

/*
 * Where the question of our reply to m ends: we always write it
 * uncompressed, whatever the client's own question_end.
 */
static size_t
server_qend(const struct dns_msg *m)
{
	return DNS_HDR_LEN + (size_t)m->q.name_len + 4;
}

/* Header and question only, with rcode: FORMERR, REFUSED, SERVFAIL... */
static size_t
server_error(struct server *s, const struct dns_msg *m, bool parsed,
	     enum dns_rcode rcode, uint8_t *out, size_t outlen)
{
	int n;

	if (!parsed) {
		/* No question to echo: the header alone (RFC 1035 4.1.1). */
		if (outlen < DNS_HDR_LEN)
			return 0;
		dns_put16(out, m->id);
		dns_put16(out + 2,
			  (uint16_t)(DNS_FLAG_QR |
				     (m->flags & (0x7800 | DNS_FLAG_RD)) |
				     rcode));
		memset(out + 4, 0, 8);
		return DNS_HDR_LEN;
	}
	if (rcode == DNS_RCODE_BADVERS) {
		/* RFC 6891 6.1.3: header RCODE 0, the rest in our OPT. */
		n = dns_reply_start(m, 0, DNS_RCODE_NOERROR, out, outlen);
		if (n > 0)
			n = dns_opt_append_ext(out, (size_t)n, outlen,
					       DNS_EDNS_UDP, false,
					       DNS_RCODE_BADVERS >> 4);
		return n > 0 ? (size_t)n : 0;
	}
	n = dns_reply_start(m, 0, rcode, out, outlen);
	if (n < 0)
		return 0;
	if (rcode == DNS_RCODE_SERVFAIL)
		s->st.servfail++;
	return server_finish_reply(out, (size_t)n, outlen, DNS_MAX_MSG,
				   m->has_edns ? m->edns_udp : 0,
				   (m->edns_flags & DNS_EDNS_DO) != 0,
				   (size_t)n, &s->st);
}

static void
server_key(const struct dns_msg *m, struct cache_key *k)
{
	k->name = m->q.name;
	k->name_len = m->q.name_len;
	k->qtype = m->q.qtype;
	k->qclass = m->q.qclass;
	k->flags =
		(uint8_t)(((m->edns_flags & DNS_EDNS_DO) ? CACHE_KEY_DO : 0) |
			  ((m->flags & DNS_FLAG_CD) ? CACHE_KEY_CD : 0));
	cache_key_hash(k);
}

static void
server_waiter(const struct dns_msg *m, const struct server_client *c,
	      struct upstream_waiter *w)
{
	w->peer = *c->peer;
	w->fd = c->fd;
	w->conn = c->conn;
	w->id = m->id;
	w->flags = m->flags;
	w->udp_size = m->has_edns ? m->edns_udp : 0;
	w->do_bit = (m->edns_flags & DNS_EDNS_DO) != 0;
	w->name_len = m->q.name_len;
	memcpy(w->name, m->q.name, m->q.name_len);
	w->control_len = 0;
	if (c->control != NULL && c->control_len <= sizeof(w->control)) {
		memcpy(w->control, c->control, c->control_len);
		w->control_len = (uint8_t)c->control_len;
	}
}

/*
 * An answer relayed or from the cache is not authoritative here (RFC 1035
 * 4.1.1) and we do offer recursion; RD and CD echo this client's query.
 * AD only to a client that set DO or AD (RFC 6840 5.8): per reply, since
 * one cache entry serves clients asking with and without AD.
 */
static void
server_relay_flags(uint8_t *out, uint16_t client_flags, bool do_bit)
{
	uint16_t f = dns_get16(out + 2);

	f = (uint16_t)((f & ~(DNS_FLAG_AA | DNS_FLAG_RD | DNS_FLAG_CD)) |
		       DNS_FLAG_RA |
		       (client_flags & (DNS_FLAG_RD | DNS_FLAG_CD)));
	if (!do_bit && (client_flags & DNS_FLAG_AD) == 0)
		f = (uint16_t)(f & ~DNS_FLAG_AD);
	dns_put16(out + 2, f);
}

/* A cache entry as the reply to m; 0 when it does not fit. */
static size_t
server_from_cache(struct server *s, const struct cache_entry *e,
		  const struct dns_msg *m, const struct server_client *c,
		  uint8_t *out, size_t outlen)
{
	size_t n = cache_answer(e, m->id, m->q.name, (uint32_t)clock_mono_s(),
				out, outlen);

	if (n == 0)
		return 0;
	server_relay_flags(out, m->flags, (m->edns_flags & DNS_EDNS_DO) != 0);
	return server_finish_reply(
		out, n, outlen,
		server_limit(s, c, m->has_edns ? m->edns_udp : 0),
		m->has_edns ? m->edns_udp : 0,
		(m->edns_flags & DNS_EDNS_DO) != 0, server_qend(m), &s->st);
}

static void
server_log_bad(struct server *s, const struct net_sockaddr *peer,
	       const char *what)
{
	char addr[NET_ADDRSTRLEN];

	log_limited(&s->limit, LOG_LEVEL_INFO, "query from %s: %s",
		    net_format_sockaddr(peer, addr, sizeof(addr)), what);
}

/*
 * Local data: false when the name is not local, else *reply is the
 * answer's length.  Over UDP, an answer larger than the client takes
 * becomes TC (local_answer_fit), so that it asks over TCP.
 */
static bool
server_local(struct server *s, const struct dns_msg *m,
	     const struct server_client *c, uint8_t *out, size_t outlen,
	     size_t *reply)
{
	uint16_t udp = m->has_edns ? m->edns_udp : 0;
	size_t limit = server_limit(s, c, udp);
	int n;

	if (c->conn != NULL)
		n = local_answer(s->local, m, out, outlen);
	else
		n = local_answer_fit(s->local, m, out, outlen,
				     udp > 0 ? limit - DNS_OPT_LEN : limit);
	if (n == 0)
		return false;
	s->st.local++;
	if (n < 0) {
		*reply = server_error(s, m, true, DNS_RCODE_SERVFAIL, out,
				      outlen);
		return true;
	}
	if ((dns_get16(out + 2) & DNS_FLAG_TC) != 0)
		s->st.truncated++;
	*reply = server_finish_reply(out, (size_t)n, outlen, limit, udp,
				     (m->edns_flags & DNS_EDNS_DO) != 0,
				     server_qend(m), &s->st);
	return true;
}

/*
 * Steps 1-2 of dnsfwd(8): -1 to drop the datagram, else the rcode to
 * answer with (NOERROR: go on).  *parsed says whether m holds a question.
 */
static int
server_screen(struct server *s, const uint8_t *msg, size_t len,
	      const struct server_client *c, struct dns_msg *m, bool *parsed)
{
	enum dns_err err = dns_msg_parse(msg, len, m);

	*parsed = err == DNS_OK;
	if (len < DNS_HDR_LEN || (m->flags & DNS_FLAG_QR) != 0) {
		s->st.dropped++;
		server_log_bad(s, c->peer,
			       len < DNS_HDR_LEN ? "shorter than a "
						   "header, dropped"
						 : "a response, dropped");
		return -1;
	}
	if (!server_allowed(s, c->peer)) {
		s->st.refused++;
		return DNS_RCODE_REFUSED;
	}
	if (err != DNS_OK) {
		s->st.formerr++;
		server_log_bad(s, c->peer, dns_err_str(err));
		*parsed = false;
		return DNS_RCODE_FORMERR;
	}
	if (DNS_OPCODE(m->flags) != 0) {
		s->st.notimp++;
		return DNS_RCODE_NOTIMP;
	}
	if (m->has_edns && m->edns_version != 0) {
		s->st.formerr++;
		return DNS_RCODE_BADVERS;
	}
	if (m->q.qtype == DNS_TYPE_AXFR || m->q.qtype == DNS_TYPE_IXFR ||
	    m->q.qtype == DNS_TYPE_OPT) {
		s->st.refused++;
		return DNS_RCODE_REFUSED;
	}
	return DNS_RCODE_NOERROR;
}

/*
 * dns.prefetch: a waiter that is no client (no listener, no connection);
 * its answer only refreshes the cache.
 */
static bool
server_is_prefetch(const struct upstream_waiter *w)
{
	return w->fd == -1 && w->conn == NULL;
}

/*
 * Asks the upstream again for a cached answer near its expiry; an
 * identical query in flight is shared (upstream_query).
 */
static void
server_prefetch(struct server *s, const struct dns_msg *m,
		const struct cache_key *k)
{
	static const struct net_sockaddr nobody;
	struct server_client c = {&nobody, -1, NULL, NULL, 0};
	struct upstream_waiter w;

	if (s->stopping)
		return;
	server_waiter(m, &c, &w);
	if (upstream_query(s->up, k, &w) == 0)
		s->st.prefetches++;
}

/*
 * Everything up to the upstream: returns the reply's length, or 0 when
 * there is none now (dropped, or waiting for an upstream).
 */
static size_t
server_handle(struct server *s, const uint8_t *msg, size_t len,
	      const struct server_client *c, uint8_t *out, size_t outlen)
{
	struct dns_msg m;
	struct cache_key k;
	struct upstream_waiter w;
	struct cache_entry *e;
	uint32_t now;
	size_t reply;
	bool parsed;
	int n;

	s->st.queries++;
	n = server_screen(s, msg, len, c, &m, &parsed);
	if (n < 0)
		return 0;
	if (n != DNS_RCODE_NOERROR)
		return server_error(s, &m, parsed, (enum dns_rcode)n, out,
				    outlen);
	if (server_local(s, &m, c, out, outlen, &reply))
		return reply;
	server_key(&m, &k);
	now = (uint32_t)clock_mono_s();
	e = cache_lookup(s->cache, &k, now, false);
	if (e != NULL) {
		s->st.hits++;
		reply = server_from_cache(s, e, &m, c, out, outlen);
		/* Off: a flag test; on: one compare more per hit. */
		if (s->cfg->prefetch && cache_prefetch_due(e, now))
			server_prefetch(s, &m, &k);
		return reply;
	}
	server_waiter(&m, c, &w);
	if (!s->stopping && upstream_query(s->up, &k, &w) == 0) {
		s->st.forwarded++;
		if (c->conn != NULL)
			c->conn->pending++;
		return 0;
	}
	/* RFC 8767: no upstream can be asked now; a stale answer if any. */
	e = cache_lookup(s->cache, &k, (uint32_t)clock_mono_s(), true);
	if (e != NULL) {
		s->st.stale++;
		return server_from_cache(s, e, &m, c, out, outlen);
	}
	return server_error(s, &m, true, DNS_RCODE_SERVFAIL, out, outlen);
}

static void
server_udp_batch(struct dgram_batch *in, struct dgram_batch *out, int fd,
		 void *arg)
{
	/* Room for any cached answer: server_finish_reply truncates it. */
	static uint8_t reply[DNS_MAX_MSG];
	struct server *s = arg;
	unsigned i, used = dgram_batch_used(in);

	for (i = 0; i < used; i++) {
		struct dgram_slot *q = dgram_batch_slot(in, i), *r;
		struct server_client c = {&q->peer, fd, NULL, q->control,
					  q->control_len};
		size_t n;

		s->st.udp++;
		if (q->truncated) {
			s->st.dropped++;
			server_log_bad(s, &q->peer,
				       "larger than our buffer, "
				       "dropped");
			continue;
		}
		n = server_handle(s, q->data, q->len, &c, reply, sizeof(reply));
		if (n == 0 || n > dgram_batch_bufsize(out) ||
		    (r = dgram_queue(out)) == NULL)
			continue;
		memcpy(r->data, reply, n);
		r->len = n;
		r->peer = q->peer;
		/* Wildcard listeners: from the address the query went to. */
		if (q->control_len > 0 && q->control_len <= DGRAM_CONTROL_LEN) {
			memcpy(r->control, q->control, q->control_len);
			r->control_len = q->control_len;
		}
	}
}

/* --- TCP (RFC 7766) ------------------------------------------------------ */

static void
server_conn_free(struct server_tcp_conn *conn)
{
	struct server *s = conn->srv;

	if (conn->bev != NULL) {
		bufferevent_free(conn->bev);
		conn->bev = NULL;
		if (conn->prev != NULL)
			conn->prev->next = conn->next;
		else
			s->conns = conn->next;
		if (conn->next != NULL)
			conn->next->prev = conn->prev;
		s->nconns--;
	}
	/* Waiters still point here: the last answer frees it. */
	if (conn->pending == 0)
		free(conn);
}

/*
 * Queues one length-prefixed answer.  Returns -1 when the client does not
 * read what it asked for (SERVER_TCP_MAX_OUTPUT): the caller closes it,
 * as its last use of conn.
 */
static int
server_tcp_write(struct server_tcp_conn *conn, const uint8_t *msg, size_t len)
{
	uint8_t hdr[2];
	struct evbuffer *out;

	if (conn->bev == NULL)
		return 0;
	out = bufferevent_get_output(conn->bev);
	if (evbuffer_get_length(out) > SERVER_TCP_MAX_OUTPUT)
		return -1;
	dns_put16(hdr, (uint16_t)len);
	if (evbuffer_add(out, hdr, 2) == -1 ||
	    evbuffer_add(out, msg, len) == -1)
		return -1;
	return 0;
}

static void
server_tcp_read_cb(struct bufferevent *bev, void *arg)
{
	static uint8_t reply[DNS_MAX_MSG];
	struct server_tcp_conn *conn = arg;
	struct server *s = conn->srv;
	struct evbuffer *in = bufferevent_get_input(bev);
	struct server_client c = {&conn->peer, -1, conn, NULL, 0};
	uint8_t hdr[2], *msg;
	size_t len, n;

	while (conn->pending < SERVER_TCP_MAX_PENDING &&
	       evbuffer_copyout(in, hdr, 2) == 2) {
		len = dns_get16(hdr);
		if (evbuffer_get_length(in) < 2 + len)
			return;
		msg = evbuffer_pullup(in, (ev_ssize_t)(2 + len));
		s->st.tcp++;
		n = msg != NULL ? server_handle(s, msg + 2, len, &c, reply,
						sizeof(reply))
				: 0;
		evbuffer_drain(in, 2 + len);
		if (n > 0 && server_tcp_write(conn, reply, n) == -1) {
			server_conn_free(conn);
			return;
		}
	}
	if (conn->pending >= SERVER_TCP_MAX_PENDING)
		bufferevent_disable(bev, EV_READ);
}

static void
server_tcp_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct server_tcp_conn *conn = arg;

	(void)bev;
	if ((what & BEV_EVENT_TIMEOUT) && conn->pending > 0) {
		bufferevent_enable(bev, EV_READ);
		return;
	}
	server_conn_free(conn);
}

static void
server_tcp_accept(struct evconnlistener *l, evutil_socket_t fd,
		  struct sockaddr *sa, int salen, void *arg)
{
	struct server *s = arg;
	struct server_tcp_conn *conn;
	struct timeval tv = {s->cfg->tcp_timeout, 0};

	(void)l;
	/* A host outside `allow` is closed at once: otherwise it could hold
	 * every connection slot with idle connections. */
	if (s->nconns >= s->cfg->tcp_connections || s->stopping ||
	    !net_cidr_list_contains_sockaddr(s->cfg->allow, s->cfg->allow_count,
					     sa) ||
	    (conn = calloc(1, sizeof(*conn))) == NULL) {
		s->st.tcp_refused++;
		close(fd);
		return;
	}
	conn->srv = s;
	memcpy(&conn->peer.ss, sa, (size_t)salen);
	conn->peer.len = (socklen_t)salen;
	conn->bev = bufferevent_socket_new(s->base, fd, BEV_OPT_CLOSE_ON_FREE);
	if (conn->bev == NULL) {
		close(fd);
		free(conn);
		return;
	}
	bufferevent_setcb(conn->bev, server_tcp_read_cb, NULL,
			  server_tcp_event_cb, conn);
	bufferevent_set_timeouts(conn->bev, &tv, &tv);
	bufferevent_enable(conn->bev, EV_READ | EV_WRITE);
	conn->next = s->conns;
	if (s->conns != NULL)
		s->conns->prev = conn;
	s->conns = conn;
	s->nconns++;
	s->st.tcp_conns++;
}

/*
 * accept() failed for another reason than a retriable one, mostly EMFILE
 * or ENFILE: the connection stays queued and the listener would wake up
 * again at once, so every listener pauses for SERVER_ACCEPT_PAUSE_MS
 * while open connections end (as nginx does).
 */
static void
server_tcp_accept_error(struct evconnlistener *l, void *arg)
{
	struct server *s = arg;
	struct timeval tv = {SERVER_ACCEPT_PAUSE_MS / 1000,
			     (SERVER_ACCEPT_PAUSE_MS % 1000) * 1000};
	int err = EVUTIL_SOCKET_ERROR();
	size_t i;

	(void)l;
	for (i = 0; i < s->ntcp; i++)
		evconnlistener_disable(s->tcp[i]);
	evtimer_add(s->accept_pause, &tv);
	log_limited(&s->limit, LOG_LEVEL_WARNING,
		    "tcp accept: %s: paused for %d ms (%u clients)",
		    strerror(err), SERVER_ACCEPT_PAUSE_MS, s->nconns);
}

static void
server_accept_resume(evutil_socket_t fd, short what, void *arg)
{
	struct server *s = arg;
	size_t i;

	(void)fd;
	(void)what;
	for (i = 0; i < s->ntcp; i++)
		evconnlistener_enable(s->tcp[i]);
}

/* --- answers from upstream ----------------------------------------------- */

/* SERVFAIL to w: every try failed, or the answer cannot be given it. */
static size_t
server_waiter_servfail(struct server *s, const struct upstream_waiter *w,
		       const struct cache_key *k, uint8_t *out, size_t outlen)
{
	struct dns_msg m;

	memset(&m, 0, sizeof(m));
	m.id = w->id;
	m.flags = w->flags;
	m.q.name_len = w->name_len;
	memcpy(m.q.name, w->name, w->name_len);
	m.q.qtype = k->qtype;
	m.q.qclass = k->qclass;
	m.has_edns = w->udp_size > 0;
	m.edns_udp = w->udp_size;
	m.edns_flags = w->do_bit ? DNS_EDNS_DO : 0;
	return server_error(s, &m, true, DNS_RCODE_SERVFAIL, out, outlen);
}

static size_t
server_waiter_reply(struct server *s, const struct upstream_waiter *w,
		    const struct cache_key *k, const uint8_t *msg, size_t len,
		    uint8_t *out, size_t outlen)
{
	struct server_client c = {&w->peer, w->fd, w->conn, NULL, 0};
	size_t qend = DNS_HDR_LEN + w->name_len + 4;
	struct dns_msg m;

	if (msg == NULL || len > outlen || len < qend)
		return server_waiter_servfail(s, w, k, out, outlen);
	memcpy(out, msg, len);
	if (dns_msg_parse(out, len, &m) == DNS_OK && m.has_edns)
		len = dns_rr_remove_additional(out, len, m.opt_offset,
					       m.opt_len);
	dns_put16(out, w->id);
	server_relay_flags(out, w->flags, w->do_bit);
	memcpy(out + DNS_HDR_LEN, w->name, w->name_len);
	return server_finish_reply(out, len, outlen,
				   server_limit(s, &c, w->udp_size),
				   w->udp_size, w->do_bit, qend, &s->st);
}

static void
server_late_flush(evutil_socket_t fd, short what, void *arg)
{
	struct server_udp *l = arg;
	unsigned dropped;

	(void)fd;
	(void)what;
	dgram_flush(l->late, l->fd, &dropped);
}

/* Queues a UDP answer on its listener's batch, flushed after this turn. */
static void
server_send_udp(struct server *s, const struct upstream_waiter *w,
		const uint8_t *reply, size_t n)
{
	struct server_udp *l = NULL;
	struct dgram_slot *slot;
	unsigned dropped;
	size_t i;

	for (i = 0; i < s->nudp && l == NULL; i++) {
		if (s->udp[i].fd == w->fd)
			l = &s->udp[i];
	}
	if (l == NULL || n > dgram_batch_bufsize(l->late)) {
		if (sendto(w->fd, reply, n, 0, &w->peer.sa, w->peer.len) < 0)
			s->st.dropped++;
		return;
	}
	slot = dgram_queue(l->late);
	if (slot == NULL) {
		dgram_flush(l->late, l->fd, &dropped);
		s->st.dropped += dropped;
		slot = dgram_queue(l->late);
	}
	memcpy(slot->data, reply, n);
	slot->len = n;
	slot->peer = w->peer;
	if (w->control_len > 0) {
		memcpy(slot->control, w->control, w->control_len);
		slot->control_len = w->control_len;
	}
	if (dgram_batch_used(l->late) == 1)
		event_active(l->flush, EV_WRITE, 0);
}

static void
server_send(struct server *s, const struct upstream_waiter *w,
	    const uint8_t *reply, size_t n)
{
	struct server_tcp_conn *conn = w->conn;

	if (conn != NULL) {
		conn->pending--;
		if (conn->bev == NULL) {
			if (conn->pending == 0)
				free(conn);
			return;
		}
		if (n > 0 && server_tcp_write(conn, reply, n) == -1) {
			server_conn_free(conn);
			return;
		}
		if (conn->pending < SERVER_TCP_MAX_PENDING)
			bufferevent_enable(conn->bev, EV_READ);
		return;
	}
	if (n > 0)
		server_send_udp(s, w, reply, n);
}

/*
 * Caches an upstream's answer; returns a stale entry to give instead when
 * there is none or it is SERVFAIL (RFC 8767 4), else NULL.
 */
static const struct cache_entry *
server_store_or_stale(struct server *s, const struct cache_key *k, size_t nw,
		      const uint8_t *msg, size_t len, uint32_t now)
{
	const struct cache_entry *stale = NULL;

	if (msg != NULL &&
	    DNS_RCODE(dns_get16(msg + 2)) != DNS_RCODE_SERVFAIL) {
		cache_store(s->cache, k, msg, len, now);
		return NULL;
	}
	if (nw > 0)
		stale = cache_lookup(s->cache, k, now, true);
	if (stale != NULL && cache_entry_rcode(stale) == DNS_RCODE_SERVFAIL)
		stale = NULL;
	if (stale == NULL && msg != NULL)
		cache_store(s->cache, k, msg, len, now);
	return stale;
}

static void
server_upstream_done(void *arg, const struct cache_key *k,
		     const struct upstream_waiter *w, size_t nw,
		     const uint8_t *msg, size_t len)
{
	static uint8_t reply[DNS_MAX_MSG];
	struct server *s = arg;
	const struct cache_entry *stale;
	uint32_t now = (uint32_t)clock_mono_s();
	size_t i, n;

	if (s->discarding) {
		/* The parent's clients: it answers them itself. */
		for (i = 0; i < nw; i++)
			server_send(s, &w[i], NULL, 0);
		return;
	}
	stale = server_store_or_stale(s, k, nw, msg, len, now);
	for (i = 0; i < nw; i++) {
		if (server_is_prefetch(&w[i]))
			continue; /* the cache is refreshed: nobody to answer */
		if (stale != NULL) {
			struct server_client c = {&w[i].peer, w[i].fd,
						  w[i].conn, NULL, 0};

			n = cache_answer(stale, w[i].id, w[i].name, now, reply,
					 sizeof(reply));
			if (n > 0)
				server_relay_flags(reply, w[i].flags,
						   w[i].do_bit);
			n = n == 0 ? 0
				   : server_finish_reply(
					     reply, n, sizeof(reply),
					     server_limit(s, &c, w[i].udp_size),
					     w[i].udp_size, w[i].do_bit,
					     DNS_HDR_LEN + w[i].name_len + 4,
					     &s->st);
			s->st.stale++;
		} else {
			n = server_waiter_reply(s, &w[i], k, msg, len, reply,
						sizeof(reply));
		}
		server_send(s, &w[i], reply, n);
	}
	if (s->stopping && s->stop_done != NULL &&
	    upstream_inflight(s->up) == 0)
		event_active(s->stop_timer, EV_TIMEOUT, 0);
}

/* --- life ---------------------------------------------------------------- */

/*
 * A wildcard listener learns each query's destination (IP_PKTINFO) so
 * that the answer leaves from it, as clients check.
 */
static bool
server_wildcard(const struct net_sockaddr *sa)
{
	if (sa->sa.sa_family == AF_INET)
		return sa->sin.sin_addr.s_addr == htonl(INADDR_ANY);
	return IN6_IS_ADDR_UNSPECIFIED(&sa->sin6.sin6_addr);
}

static int
server_listen(struct server *s, const struct config_dns *cfg, unsigned flags)
{
	char err[NET_ERRLEN];
	size_t i;
	int fd;

	s->udp = calloc(cfg->listen_count, sizeof(*s->udp));
	s->tcp = calloc(cfg->listen_count, sizeof(*s->tcp));
	if (s->udp == NULL || s->tcp == NULL)
		return -1;
	for (i = 0; i < cfg->listen_count; i++) {
		fd = net_listen(&cfg->listen[i], SOCK_DGRAM,
				flags | NET_LISTEN_NO_PMTUD |
					(server_wildcard(&cfg->listen[i])
						 ? NET_LISTEN_PKTINFO
						 : 0),
				NULL, err, sizeof(err));
		if (fd == -1) {
			log_err("udp %s", err);
			return -1;
		}
		s->udp[s->nudp].fd = fd;
		s->udp[s->nudp].reader = dgram_reader_new(
			s->base, fd, SERVER_UDP_BATCH, SERVER_UDP_BUFSIZE,
			server_udp_batch, s);
		s->udp[s->nudp].late =
			dgram_batch_new(SERVER_UDP_BATCH, SERVER_MAX_UDP_REPLY);
		s->udp[s->nudp].flush = event_new(
			s->base, -1, 0, server_late_flush, &s->udp[s->nudp]);
		if (s->udp[s->nudp++].reader == NULL ||
		    s->udp[s->nudp - 1].late == NULL ||
		    s->udp[s->nudp - 1].flush == NULL) {
			log_err("udp listener: out of memory");
			return -1;
		}
		fd = net_listen(&cfg->listen[i], SOCK_STREAM, flags, NULL, err,
				sizeof(err));
		if (fd == -1) {
			log_err("tcp %s", err);
			return -1;
		}
		s->tcp[s->ntcp] = evconnlistener_new(
			s->base, server_tcp_accept, s,
			LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC, -1, fd);
		if (s->tcp[s->ntcp] == NULL) {
			close(fd);
			log_err("tcp listener: out of memory");
			return -1;
		}
		evconnlistener_set_error_cb(s->tcp[s->ntcp],
					    server_tcp_accept_error);
		s->ntcp++;
	}
	return 0;
}

static void
server_stop_cb(evutil_socket_t fd, short what, void *arg)
{
	struct server *s = arg;
	void (*done)(void *) = s->stop_done;

	(void)fd;
	(void)what;
	if (done == NULL)
		return;
	if (upstream_inflight(s->up) > 0)
		log_notice("stopping with %u queries unanswered",
			   upstream_inflight(s->up));
	s->stop_done = NULL;
	done(s->stop_arg);
}

/* Local data from the config and hosts file; logs and returns -1. */
static int
server_local_load(struct server *s, const struct config_dns *cfg)
{
	char err[LOCAL_ERRLEN];
	struct local_zone *z;
	size_t bad;

	z = local_new(cfg, &bad, err, sizeof(err));
	if (z == NULL) {
		log_err("%s", err);
		return -1;
	}
	if (bad > 0)
		log_warn("%s: %zu malformed lines skipped", cfg->hosts_file,
			 bad);
	local_free(s->local);
	s->local = z;
	return 0;
}

struct server *
server_new(struct event_base *base, const struct config_dns *cfg,
	   bool reuseport)
{
	struct server *s = calloc(1, sizeof(*s));
	struct cache_limits lim;

	if (s == NULL) {
		log_err("out of memory");
		return NULL;
	}
	s->base = base;
	s->cfg = cfg;
	s->limit = (struct log_limit)LOG_LIMIT_INIT;
	server_cache_limits(cfg, &lim);
	if (server_local_load(s, cfg) == -1) {
		server_free(s);
		return NULL;
	}
	s->cache = cache_new(cfg->cache_size, &lim);
	s->up = upstream_new(base, cfg, server_upstream_done, s);
	s->stop_timer = evtimer_new(base, server_stop_cb, s);
	s->accept_pause = evtimer_new(base, server_accept_resume, s);
	if (s->cache == NULL || s->up == NULL || s->stop_timer == NULL ||
	    s->accept_pause == NULL) {
		log_err("out of memory");
		server_free(s);
		return NULL;
	}
	if (server_listen(s, cfg, reuseport ? NET_LISTEN_REUSEPORT : 0) == -1) {
		server_free(s);
		return NULL;
	}
	return s;
}

int
server_reload(struct server *s, const struct config_dns *cfg)
{
	struct local_zone *old = s->local;
	struct cache_limits lim;

	s->local = NULL;
	if (server_local_load(s, cfg) == -1) {
		s->local = old;
		return -1;
	}
	if (upstream_configure(s->up, cfg) == -1) {
		local_free(s->local);
		s->local = old;
		log_err("reload: out of memory");
		return -1;
	}
	local_free(old);
	server_cache_limits(cfg, &lim);
	cache_configure(s->cache, cfg->cache_size, &lim);
	s->cfg = cfg;
	return 0;
}

static void
server_close_listeners(struct server *s)
{
	size_t i;

	for (i = 0; i < s->nudp; i++) {
		dgram_reader_free(s->udp[i].reader);
		s->udp[i].reader = NULL;
	}
	for (i = 0; i < s->ntcp; i++) {
		evconnlistener_free(s->tcp[i]);
		s->tcp[i] = NULL;
	}
	s->ntcp = 0;
}

void
server_stop(struct server *s, void (*done)(void *), void *arg)
{
	struct timeval tv = {SERVER_STOP_MS / 1000,
			     (SERVER_STOP_MS % 1000) * 1000};

	s->stopping = true;
	s->stop_done = done;
	s->stop_arg = arg;
	server_close_listeners(s);
	if (upstream_inflight(s->up) == 0)
		event_active(s->stop_timer, EV_TIMEOUT, 0);
	else
		evtimer_add(s->stop_timer, &tv);
}

void
server_log_stats(const struct server *s)
{
	struct cache_stats cs;
	struct upstream_stats us;

	cache_get_stats(s->cache, &cs);
	upstream_get_stats(s->up, &us);
	log_notice("stats: queries %llu (udp %llu tcp %llu) local %llu "
		   "cache hits %llu misses %llu forwarded %llu refused %llu "
		   "formerr %llu notimp %llu dropped %llu servfail %llu "
		   "stale %llu truncated %llu prefetches %llu",
		   (unsigned long long)s->st.queries,
		   (unsigned long long)s->st.udp, (unsigned long long)s->st.tcp,
		   (unsigned long long)s->st.local,
		   (unsigned long long)s->st.hits,
		   (unsigned long long)(s->st.forwarded + s->st.servfail),
		   (unsigned long long)s->st.forwarded,
		   (unsigned long long)s->st.refused,
		   (unsigned long long)s->st.formerr,
		   (unsigned long long)s->st.notimp,
		   (unsigned long long)s->st.dropped,
		   (unsigned long long)s->st.servfail,
		   (unsigned long long)s->st.stale,
		   (unsigned long long)s->st.truncated,
		   (unsigned long long)s->st.prefetches);
	log_notice("stats: cache entries %u bytes %zu inserts %llu "
		   "evictions %llu expired %llu",
		   cs.entries, cs.bytes, (unsigned long long)cs.inserts,
		   (unsigned long long)cs.evictions,
		   (unsigned long long)cs.expired);
	log_notice(
		"stats: upstream queries %llu shared %llu answers %llu "
		"timeouts %llu forged %llu failures %llu tcp %llu "
		"in flight %u; tcp clients %u (accepted %llu refused %llu)",
		(unsigned long long)us.queries, (unsigned long long)us.shared,
		(unsigned long long)us.answers, (unsigned long long)us.timeouts,
		(unsigned long long)us.forged, (unsigned long long)us.failures,
		(unsigned long long)us.tcp_retries, us.inflight, s->nconns,
		(unsigned long long)s->st.tcp_conns,
		(unsigned long long)s->st.tcp_refused);
	upstream_log_stats(s->up);
}

void
server_free(struct server *s)
{
	size_t i;

	if (s == NULL)
		return;
	s->stopping = true;
	s->stop_done = NULL;
	server_close_listeners(s);
	/* Answers SERVFAIL to whoever still waits, while the fds are open. */
	upstream_free(s->up);
	s->up = NULL;
	while (s->conns != NULL)
		server_conn_free(s->conns);
	for (i = 0; i < s->nudp; i++) {
		if (s->udp[i].flush != NULL) {
			/* Whatever is queued still goes out. */
			if (!s->discarding)
				server_late_flush(-1, 0, &s->udp[i]);
			event_free(s->udp[i].flush);
		}
		dgram_batch_free(s->udp[i].late);
		close(s->udp[i].fd);
	}
	free(s->udp);
	free(s->tcp);
	if (s->stop_timer != NULL)
		event_free(s->stop_timer);
	if (s->accept_pause != NULL)
		event_free(s->accept_pause);
	cache_free(s->cache);
	local_free(s->local);
	free(s);
}

void
server_discard(struct server *s)
{
	if (s == NULL)
		return;
	s->discarding = true;
	server_free(s);
}
