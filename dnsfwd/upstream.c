/* upstream: queries forwarded to the upstream servers; see upstream.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include "clock.h"
#include "log.h"
#include "sockpool.h"
#include "upstream.h"

#define UPSTREAM_BUCKETS   4096 /* in-flight hash table, power of 2 */
#define UPSTREAM_QUERY_MAX (DNS_HDR_LEN + DNS_MAX_NAME + 4 + DNS_OPT_LEN)

/*
 * One upstream address and port, shared by every set naming it and kept
 * across reloads while a set names it, so its health outlives a SIGHUP.
 */
struct upstream_server {
	struct net_sockaddr addr;
	unsigned refs;       /* sets holding it */
	unsigned fails;      /* timeouts in a row */
	uint64_t dead_until; /* ms; 0: alive */
	uint64_t backoff;    /* ms */
	uint64_t sent, answers, timeouts, tcp_failures;
	uint64_t rtt_sum, rtt_max; /* ms over answers */
};

/*
 * The upstreams of the default or of one dns.forward domain, in order.
 * Queries in flight hold the set they started with, so a reload cannot
 * change under them which upstreams they go on to.
 */
struct upstream_set {
	unsigned refs;                /* the current list, queries in flight */
	uint8_t domain[DNS_MAX_NAME]; /* empty (len 0) for the default */
	uint8_t domain_len;
	size_t count;
	struct upstream_server *servers[UPSTREAM_MAX_SERVERS];
};

struct upstream_query {
	struct upstream_query *hnext;
	struct upstream *u;
	struct cache_key key;
	uint8_t name[DNS_MAX_NAME]; /* lowercase; key.name points here */
	struct sockpool_sock *sock; /* while a UDP query is out */
	struct event *timer;
	struct bufferevent *tcp;
	bool tcp_connecting;      /* inside bufferevent_socket_connect */
	bool tcp_tried;           /* a TCP retry happened: deadline_ms holds */
	struct net_sockaddr addr; /* the upstream asked now */
	struct upstream_set *set; /* held: the upstreams it started with */
	size_t server;            /* index in set */
	uint32_t tried;           /* bit per server of the set */
	unsigned tries;
	uint64_t sent_ms;
	uint64_t deadline_ms; /* UPSTREAM_MAX_TRIES timeouts after the start */
	uint16_t id;
	uint16_t qflags; /* RD and CD of the first client */
	uint8_t qmsg[UPSTREAM_QUERY_MAX];
	size_t qlen;
	struct upstream_waiter *waiters;
	size_t nwaiters, cap;
};

struct upstream {
	struct event_base *base;
	struct upstream_set **sets; /* [0]: dns.upstreams, then dns.forward */
	size_t nsets;
	uint32_t timeout; /* ms per try */
	upstream_done_fn done;
	void *arg;
	struct upstream_query *buckets[UPSTREAM_BUCKETS];
	struct upstream_stats st;
	struct sockpool *pool;
	struct log_limit limit;
};

static void upstream_read_cb(int fd, void *owner, void *arg);
static void upstream_timer_cb(evutil_socket_t fd, short what, void *arg);
static void upstream_next(struct upstream_query *q);

static void
upstream_set_unref(struct upstream_set *s)
{
	size_t i;

	if (s == NULL || --s->refs > 0)
		return;
	for (i = 0; i < s->count; i++) {
		if (--s->servers[i]->refs == 0)
			free(s->servers[i]);
	}
	free(s);
}

static void
upstream_sets_release(struct upstream_set **sets, size_t n)
{
	size_t i;

	for (i = 0; i < n && sets != NULL; i++)
		upstream_set_unref(sets[i]);
	free(sets);
}

/* The server for addr in sets[0..n), or NULL. */
static struct upstream_server *
upstream_server_find(struct upstream_set *const *sets, size_t n,
		     const struct net_sockaddr *addr)
{
	size_t i, j;

	for (i = 0; i < n; i++) {
		for (j = 0; sets[i] != NULL && j < sets[i]->count; j++) {
			if (net_sockaddr_equal(&sets[i]->servers[j]->addr,
					       addr))
				return sets[i]->servers[j];
		}
	}
	return NULL;
}

/*
 * The server for addr with one more reference: the one the running
 * configuration or the sets built so far have (health kept, matched by
 * address and port), else a new one.  NULL on no memory.
 */
static struct upstream_server *
upstream_server_get(const struct upstream *u, struct upstream_set *const *made,
		    size_t nmade, const struct net_sockaddr *addr)
{
	struct upstream_server *sv =
		upstream_server_find(u->sets, u->nsets, addr);

	if (sv == NULL)
		sv = upstream_server_find(made, nmade, addr);
	if (sv == NULL) {
		sv = calloc(1, sizeof(*sv));
		if (sv == NULL)
			return NULL;
		sv->addr = *addr;
	}
	sv->refs++;
	return sv;
}

/* sets[i] from domain (NULL: the default) and addrs; -1 on failure. */
static int
upstream_set_make(const struct upstream *u, struct upstream_set **sets,
		  size_t i, const char *domain,
		  const struct net_sockaddr *addrs, size_t n)
{
	struct upstream_set *s = calloc(1, sizeof(*s));
	int len;

	if (s == NULL)
		return -1;
	s->refs = 1;
	sets[i] = s;
	if (n > UPSTREAM_MAX_SERVERS)
		n = UPSTREAM_MAX_SERVERS;
	if (domain != NULL) {
		len = dns_name_from_text(domain, s->domain, DNS_MAX_NAME);
		if (len < 0)
			return -1;
		s->domain_len = (uint8_t)len;
	}
	for (s->count = 0; s->count < n; s->count++) {
		s->servers[s->count] =
			upstream_server_get(u, sets, i, &addrs[s->count]);
		if (s->servers[s->count] == NULL)
			return -1;
	}
	return 0;
}

int
upstream_configure(struct upstream *u, const struct config_dns *cfg)
{
	size_t n = cfg->forward_count + 1, i;
	struct upstream_set **sets = calloc(n, sizeof(*sets));

	if (sets == NULL)
		return -1;
	if (upstream_set_make(u, sets, 0, NULL, cfg->upstreams,
			      cfg->upstreams_count) == -1)
		goto fail;
	for (i = 0; i < cfg->forward_count; i++) {
		if (upstream_set_make(u, sets, i + 1, cfg->forward[i].domain,
				      cfg->forward[i].upstreams,
				      cfg->forward[i].upstreams_count) == -1)
			goto fail;
	}
	upstream_sets_release(u->sets, u->nsets);
	u->sets = sets;
	u->nsets = n;
	u->timeout = cfg->timeout;
	return 0;
fail:
	upstream_sets_release(sets, n);
	return -1;
}

struct upstream *
upstream_new(struct event_base *base, const struct config_dns *cfg,
	     upstream_done_fn done, void *arg)
{
	struct upstream *u = calloc(1, sizeof(*u));

	if (u == NULL)
		return NULL;
	u->base = base;
	u->done = done;
	u->arg = arg;
	u->limit = (struct log_limit)LOG_LIMIT_INIT;
	u->pool = sockpool_new(base, upstream_read_cb, u);
	if (u->pool == NULL || upstream_configure(u, cfg) == -1) {
		sockpool_free(u->pool);
		free(u);
		return NULL;
	}
	return u;
}

/* The longest dns.forward domain holding the name; 0 (default) if none. */
static struct upstream_set *
upstream_set_for(const struct upstream *u, const struct cache_key *k)
{
	size_t i, best = 0, best_len = 0;

	for (i = 1; i < u->nsets; i++) {
		const struct upstream_set *s = u->sets[i];

		if (s->domain_len > best_len &&
		    dns_name_under(k->name, k->name_len, s->domain,
				   s->domain_len)) {
			best = i;
			best_len = s->domain_len;
		}
	}
	return u->sets[best];
}

/*
 * The first upstream in order that is alive and not tried yet, else the
 * first alive one; a dead one whose back-off is over becomes the probe
 * and holds the others off for one timeout.  -1 when none may be asked.
 */
static long
upstream_pick(struct upstream *u, struct upstream_set *s, uint32_t tried)
{
	uint64_t now = clock_mono_ms_now();
	long alive_tried = -1;
	size_t i;

	for (i = 0; i < s->count; i++) {
		struct upstream_server *sv = s->servers[i];

		if (now < sv->dead_until)
			continue;
		if (sv->fails >= UPSTREAM_DEAD_AFTER)
			sv->dead_until = now + u->timeout;
		if (i < 32 && (tried & (1u << i)) != 0) {
			if (alive_tried < 0)
				alive_tried = (long)i;
			continue;
		}
		return (long)i;
	}
	return alive_tried;
}

static size_t
upstream_bucket(uint32_t hash)
{
	return hash & (UPSTREAM_BUCKETS - 1);
}

static struct upstream_query *
upstream_find(struct upstream *u, const struct cache_key *k)
{
	struct upstream_query *q;

	for (q = u->buckets[upstream_bucket(k->hash)]; q != NULL;
	     q = q->hnext) {
		if (q->key.hash == k->hash && q->key.qtype == k->qtype &&
		    q->key.qclass == k->qclass && q->key.flags == k->flags &&
		    dns_name_equal(q->name, q->key.name_len, k->name,
				   k->name_len))
			return q;
	}
	return NULL;
}

/* retire: the query on the socket timed out, so it gets a new port. */
static void
upstream_close_transport(struct upstream_query *q, bool retire)
{
	if (q->sock != NULL) {
		sockpool_put(q->u->pool, q->sock, retire);
		q->sock = NULL;
	}
	if (q->tcp != NULL) {
		bufferevent_free(q->tcp);
		q->tcp = NULL;
	}
}

/* Calls back with the outcome, unlinks and frees the query. */
static void
upstream_finish(struct upstream_query *q, const uint8_t *msg, size_t len)
{
	struct upstream *u = q->u;
	struct upstream_query **pp = &u->buckets[upstream_bucket(q->key.hash)];

	while (*pp != NULL && *pp != q)
		pp = &(*pp)->hnext;
	if (*pp == q)
		*pp = q->hnext;
	u->st.inflight--;
	if (msg == NULL)
		u->st.failures++;
	upstream_close_transport(q, msg == NULL);
	if (q->timer != NULL)
		event_free(q->timer);
	upstream_set_unref(q->set);
	u->done(u->arg, &q->key, q->waiters, q->nwaiters, msg, len);
	free(q->waiters);
	free(q);
}

/*
 * RFC 1035 4.1: RD always, since the answer is cached and shared whatever
 * the RD of the client that asked first; CD from the client (it is part
 * of the key); OPT with DO (RFC 6891).
 */
static void
upstream_build(struct upstream_query *q)
{
	uint8_t *p = q->qmsg;
	int n;

	dns_put16(p, q->id);
	dns_put16(p + 2, (uint16_t)(DNS_FLAG_RD | (q->qflags & DNS_FLAG_CD)));
	dns_put16(p + 4, 1);
	memset(p + 6, 0, 6);
	memcpy(p + DNS_HDR_LEN, q->name, q->key.name_len);
	dns_put16(p + DNS_HDR_LEN + q->key.name_len, q->key.qtype);
	dns_put16(p + DNS_HDR_LEN + q->key.name_len + 2, q->key.qclass);
	n = dns_opt_append(p, DNS_HDR_LEN + q->key.name_len + 4,
			   sizeof(q->qmsg), DNS_EDNS_UDP,
			   (q->key.flags & CACHE_KEY_DO) != 0);
	q->qlen = (size_t)n;
}

/*
 * Arms the timer for one try: dns.timeout, but once a TCP retry joined
 * in, never past the query's deadline, so TCP cannot stretch the bound
 * of UPSTREAM_MAX_TRIES timeouts.  (UDP alone keeps to it by its count
 * of sends.)
 */
static int
upstream_arm(struct upstream_query *q)
{
	uint64_t now = clock_mono_ms_now(), ms = q->u->timeout;
	struct timeval tv;

	if (q->tcp_tried && q->deadline_ms <= now)
		ms = 1;
	else if (q->tcp_tried && q->deadline_ms - now < ms)
		ms = q->deadline_ms - now;
	tv.tv_sec = (time_t)(ms / 1000);
	tv.tv_usec = (suseconds_t)(ms % 1000) * 1000;
	return evtimer_add(q->timer, &tv);
}

/* Sends (again) to the upstream chosen in q->server. */
static int
upstream_send(struct upstream_query *q)
{
	struct upstream *u = q->u;
	struct upstream_server *sv = q->set->servers[q->server];

	/* A retry leaves from another random socket: a new port. */
	upstream_close_transport(q, q->tries > 0);
	q->addr = sv->addr;
	q->id = sockpool_random16(u->pool);
	upstream_build(q);
	q->sock = sockpool_get(u->pool, q->addr.sa.sa_family, q);
	if (q->sock == NULL)
		return -1;
	if (sendto(sockpool_fd(q->sock), q->qmsg, q->qlen, 0, &q->addr.sa,
		   q->addr.len) != (ssize_t)q->qlen)
		return -1;
	q->sent_ms = clock_mono_ms_now();
	q->tries++;
	if (q->server < 32)
		q->tried |= 1u << q->server;
	sv->sent++;
	return upstream_arm(q);
}

static int
upstream_add_waiter(struct upstream_query *q, const struct upstream_waiter *w)
{
	if (q->nwaiters == q->cap) {
		size_t cap = q->cap == 0 ? 1 : q->cap * 4;
		struct upstream_waiter *n;

		if (cap > UPSTREAM_MAX_WAITERS)
			cap = UPSTREAM_MAX_WAITERS;
		if (q->nwaiters == cap)
			return -1;
		n = realloc(q->waiters, cap * sizeof(*n));
		if (n == NULL)
			return -1;
		q->waiters = n;
		q->cap = cap;
	}
	q->waiters[q->nwaiters++] = *w;
	return 0;
}

static struct upstream_query *
upstream_query_new(struct upstream *u, const struct cache_key *key,
		   const struct upstream_waiter *w)
{
	struct upstream_query *q = calloc(1, sizeof(*q));

	if (q == NULL)
		return NULL;
	q->u = u;
	q->key = *key;
	memcpy(q->name, key->name, key->name_len);
	dns_name_lower(q->name, key->name_len);
	q->key.name = q->name;
	q->qflags = w->flags;
	q->deadline_ms =
		clock_mono_ms_now() + (uint64_t)UPSTREAM_MAX_TRIES * u->timeout;
	q->timer = evtimer_new(u->base, upstream_timer_cb, q);
	if (q->timer == NULL || upstream_add_waiter(q, w) == -1) {
		if (q->timer != NULL)
			event_free(q->timer);
		free(q->waiters);
		free(q);
		return NULL;
	}
	return q;
}

int
upstream_query(struct upstream *u, const struct cache_key *key,
	       const struct upstream_waiter *w)
{
	struct upstream_query *q = upstream_find(u, key);
	struct upstream_set *set;
	long server;

	if (q != NULL) {
		if (upstream_add_waiter(q, w) == -1) {
			u->st.waiters_dropped++;
			return -1;
		}
		u->st.shared++;
		return 0;
	}
	if (u->st.inflight >= UPSTREAM_MAX_INFLIGHT)
		return -1;
	set = upstream_set_for(u, key);
	server = upstream_pick(u, set, 0);
	if (server < 0)
		return -1;
	q = upstream_query_new(u, key, w);
	if (q == NULL)
		return -1;
	q->set = set;
	set->refs++;
	q->server = (size_t)server;
	q->hnext = u->buckets[upstream_bucket(key->hash)];
	u->buckets[upstream_bucket(key->hash)] = q;
	u->st.inflight++;
	u->st.queries++;
	if (upstream_send(q) == -1) {
		/* Logged once per cause, not per query. */
		log_limited(&u->limit, LOG_LEVEL_WARNING,
			    "upstream query not sent: %s", strerror(errno));
		q->nwaiters = 0; /* the caller answers this one itself */
		upstream_finish(q, NULL, 0);
		return -1;
	}
	return 0;
}

/*
 * An answer matches when its ID, QR, opcode and question are ours.  The
 * question must not be compressed: replies and the cache write the
 * client's question over it in place.  m receives the parsed answer.
 */
static bool
upstream_matches(const struct upstream_query *q, const uint8_t *msg, size_t len,
		 struct dns_msg *m)
{
	if (len < DNS_HDR_LEN || dns_get16(msg) != q->id)
		return false;
	if (dns_msg_parse(msg, len, m) != DNS_OK)
		return false;
	if ((m->flags & DNS_FLAG_QR) == 0 || DNS_OPCODE(m->flags) != 0 ||
	    m->question_end != DNS_HDR_LEN + (size_t)m->q.name_len + 4)
		return false;
	return m->q.qtype == q->key.qtype && m->q.qclass == q->key.qclass &&
	       dns_name_equal(m->q.name, m->q.name_len, q->name,
			      q->key.name_len);
}

static void
upstream_answered(struct upstream_query *q)
{
	struct upstream_server *sv = q->set->servers[q->server];
	uint64_t rtt = clock_mono_ms_now() - q->sent_ms;

	sv->answers++;
	sv->fails = 0;
	sv->dead_until = 0;
	sv->backoff = 0;
	sv->rtt_sum += rtt;
	if (rtt > sv->rtt_max)
		sv->rtt_max = rtt;
}

/*
 * REFUSED, or an extended RCODE (RFC 6891 6.1.3): every one defined
 * (BADVERS, the TSIG codes, BADCOOKIE) is about our exchange with that
 * upstream, not the client's question, so it is not passed on: that
 * upstream is skipped for this query.
 */
static bool
upstream_declined(const struct dns_msg *m)
{
	unsigned rcode = dns_msg_rcode(m);

	return rcode == DNS_RCODE_REFUSED || rcode > 0xf;
}

/*
 * The TCP retry failed (refused, reset, closed early, timed out, a
 * malformed answer, REFUSED or an extended RCODE): the next upstream is
 * asked, as after a UDP timeout.
 * The upstream's health is left alone: it did answer over UDP.
 */
static void
upstream_tcp_failed(struct upstream_query *q)
{
	q->u->st.tcp_failures++;
	q->set->servers[q->server]->tcp_failures++;
	upstream_next(q);
}

static void
upstream_tcp_read_cb(struct bufferevent *bev, void *arg)
{
	struct upstream_query *q = arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	struct dns_msg m;
	uint8_t hdr[2], *msg;
	size_t len;

	if (evbuffer_copyout(in, hdr, 2) != 2)
		return;
	len = dns_get16(hdr);
	if (evbuffer_get_length(in) < 2 + len)
		return;
	msg = evbuffer_pullup(in, (ev_ssize_t)(2 + len));
	if (msg == NULL || !upstream_matches(q, msg + 2, len, &m)) {
		q->u->st.forged++;
		upstream_tcp_failed(q);
		return;
	}
	/* As over UDP: an upstream that refuses is skipped for this query. */
	if (upstream_declined(&m)) {
		upstream_tcp_failed(q);
		return;
	}
	q->u->st.answers++;
	upstream_finish(q, msg + 2, len);
}

static void
upstream_tcp_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct upstream_query *q = arg;

	(void)bev;
	/* An error inside connect: upstream_tcp sees its -1 and goes on. */
	if ((what & BEV_EVENT_CONNECTED) || q->tcp_connecting)
		return;
	upstream_tcp_failed(q);
}

/* RFC 7766 5: a truncated answer is asked again over TCP. */
static void
upstream_tcp(struct upstream_query *q)
{
	struct upstream *u = q->u;
	uint8_t len[2];
	int r;

	upstream_close_transport(q, false);
	evtimer_del(q->timer);
	u->st.tcp_retries++;
	q->tcp_tried = true;
	q->tcp = bufferevent_socket_new(u->base, -1, BEV_OPT_CLOSE_ON_FREE);
	if (q->tcp == NULL) {
		upstream_tcp_failed(q);
		return;
	}
	bufferevent_setcb(q->tcp, upstream_tcp_read_cb, NULL,
			  upstream_tcp_event_cb, q);
	q->tcp_connecting = true;
	r = bufferevent_socket_connect(q->tcp, &q->addr.sa, (int)q->addr.len);
	q->tcp_connecting = false;
	dns_put16(len, (uint16_t)q->qlen);
	if (r == -1 || bufferevent_write(q->tcp, len, 2) == -1 ||
	    bufferevent_write(q->tcp, q->qmsg, q->qlen) == -1 ||
	    bufferevent_enable(q->tcp, EV_READ | EV_WRITE) == -1 ||
	    upstream_arm(q) == -1)
		upstream_tcp_failed(q);
}

/* After a matching UDP answer: TCP, the next upstream, or done. */
static void
upstream_udp_answer(struct upstream_query *q, const uint8_t *msg, size_t len,
		    const struct dns_msg *m)
{
	upstream_answered(q);
	if (upstream_declined(m)) {
		upstream_next(q);
		return;
	}
	if (m->flags & DNS_FLAG_TC) {
		upstream_tcp(q);
		return;
	}
	q->u->st.answers++;
	upstream_finish(q, msg, len);
}

/* owner: the query the socket carries, or NULL when it is idle. */
static void
upstream_read_cb(int fd, void *owner, void *arg)
{
	static uint8_t buf[DNS_MAX_MSG];
	struct upstream_query *q = owner;
	struct upstream *u = arg;
	struct net_sockaddr from;
	struct dns_msg m;
	ssize_t n;
	int i;

	for (i = 0; i < UPSTREAM_RECV_MAX; i++) {
		from.len = sizeof(from.ss);
		n = recvfrom(fd, buf, sizeof(buf), 0, &from.sa, &from.len);
		if (n < 0)
			return; /* EAGAIN, or an ICMP error: the timer decides */
		if (q == NULL) {
			u->st.forged++; /* late, or never asked for */
			continue;
		}
		if (!net_sockaddr_equal(&from, &q->addr) ||
		    !upstream_matches(q, buf, (size_t)n, &m)) {
			q->u->st.forged++;
			continue;
		}
		upstream_udp_answer(q, buf, (size_t)n, &m);
		return;
	}
}

/*
 * Tries the next upstream of the query's own set, or fails the query:
 * after UPSTREAM_MAX_TRIES sends, or past its deadline after TCP.
 */
static void
upstream_next(struct upstream_query *q)
{
	struct upstream *u = q->u;
	long server = -1;

	evtimer_del(q->timer);
	if (q->tries < UPSTREAM_MAX_TRIES &&
	    (!q->tcp_tried || clock_mono_ms_now() < q->deadline_ms))
		server = upstream_pick(u, q->set, q->tried);
	if (server < 0) {
		upstream_finish(q, NULL, 0);
		return;
	}
	q->server = (size_t)server;
	if (upstream_send(q) == -1)
		upstream_finish(q, NULL, 0);
}

/* A UDP try without an answer counts against the upstream. */
static void
upstream_udp_timeout(struct upstream_query *q)
{
	struct upstream_server *sv = q->set->servers[q->server];

	q->u->st.timeouts++;
	sv->timeouts++;
	if (++sv->fails >= UPSTREAM_DEAD_AFTER) {
		sv->backoff =
			sv->backoff == 0 ? UPSTREAM_PROBE_MS : sv->backoff * 2;
		if (sv->backoff > UPSTREAM_PROBE_MAX_MS)
			sv->backoff = UPSTREAM_PROBE_MAX_MS;
		sv->dead_until = clock_mono_ms_now() + sv->backoff;
	}
}

static void
upstream_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct upstream_query *q = arg;

	(void)fd;
	(void)what;
	clock_refresh();
	if (q->tcp != NULL) {
		upstream_tcp_failed(q);
		return;
	}
	upstream_udp_timeout(q);
	upstream_next(q);
}

unsigned
upstream_inflight(const struct upstream *u)
{
	return u->st.inflight;
}

void
upstream_get_stats(const struct upstream *u, struct upstream_stats *s)
{
	*s = u->st;
}

/* Whether sets before (i, j) already hold the server at (i, j). */
static bool
upstream_listed_before(const struct upstream *u, size_t i, size_t j)
{
	const struct upstream_server *sv = u->sets[i]->servers[j];
	size_t a, b;

	for (a = 0; a <= i; a++) {
		for (b = 0; b < (a == i ? j : u->sets[a]->count); b++) {
			if (u->sets[a]->servers[b] == sv)
				return true;
		}
	}
	return false;
}

void
upstream_log_stats(const struct upstream *u)
{
	char addr[NET_ADDRSTRLEN];
	uint64_t now = clock_mono_ms_now();
	size_t i, j;

	for (i = 0; i < u->nsets; i++) {
		for (j = 0; j < u->sets[i]->count; j++) {
			const struct upstream_server *sv =
				u->sets[i]->servers[j];

			if (upstream_listed_before(u, i, j))
				continue;
			log_notice(
				"stats: upstream %s %s: sent %llu answers "
				"%llu timeouts %llu tcp failures %llu "
				"rtt avg %llu ms max %llu ms",
				net_format_sockaddr(&sv->addr, addr,
						    sizeof(addr)),
				now < sv->dead_until ? "dead" : "alive",
				(unsigned long long)sv->sent,
				(unsigned long long)sv->answers,
				(unsigned long long)sv->timeouts,
				(unsigned long long)sv->tcp_failures,
				(unsigned long long)(sv->answers > 0
							     ? sv->rtt_sum /
								       sv->answers
							     : 0),
				(unsigned long long)sv->rtt_max);
		}
	}
}

void
upstream_free(struct upstream *u)
{
	size_t i;

	if (u == NULL)
		return;
	for (i = 0; i < UPSTREAM_BUCKETS; i++) {
		while (u->buckets[i] != NULL)
			upstream_finish(u->buckets[i], NULL, 0);
	}
	upstream_sets_release(u->sets, u->nsets);
	sockpool_free(u->pool);
	free(u);
}
