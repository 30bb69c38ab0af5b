/*
 * upstream: queries forwarded to the upstream servers.
 *
 * Each query in flight holds one UDP socket of the pool (sockpool.h),
 * picked at random among free sockets bound to random ports, one query
 * per socket as with Unbound's outgoing-range, plus a random ID and a
 * timer.  An answer counts only from that address and port, with
 * that ID and the same question (case-insensitive); anything else is
 * counted as forged and ignored.  Identical questions in flight share one
 * query: later clients wait on it.  A truncated answer is asked again over
 * TCP; when that fails (or answers REFUSED), the next upstream is asked,
 * within the same bound of UPSTREAM_MAX_TRIES timeouts.  Upstreams are
 * tried in their configured order; one that times out UPSTREAM_DEAD_AFTER
 * times in a row is skipped until a probe (one query, after a growing
 * back-off) succeeds.  When no upstream can be asked, a query fails at
 * once, never hangs.  Health is kept per address and port, across
 * reloads; a query in flight keeps the upstream list it started with.
 */
#ifndef LABGATE_DNS_UPSTREAM_H
#define LABGATE_DNS_UPSTREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cache.h"
#include "config.h"
#include "dns_wire.h"
#include "net.h"

#define UPSTREAM_MAX_INFLIGHT   4096  /* queries (sockets) at once */
#define UPSTREAM_MAX_WAITERS    64    /* clients sharing one query */
#define UPSTREAM_MAX_TRIES      3     /* sends per query, over upstreams */
#define UPSTREAM_DEAD_AFTER     3     /* timeouts in a row: dead */
#define UPSTREAM_PROBE_MS       2000  /* first back-off of a dead upstream */
#define UPSTREAM_PROBE_MAX_MS   60000 /* longest back-off */
#define UPSTREAM_PORT_TRIES     8     /* random ports tried per socket */
#define UPSTREAM_RECV_MAX       16    /* datagrams read per wake-up */
#define UPSTREAM_MAX_SERVERS    32    /* per set (default or a domain) */
#define UPSTREAM_WAITER_CONTROL 64    /* bytes of IP_PKTINFO kept per waiter */

struct event_base;
struct upstream;
struct upstream_query;

/* A client waiting for an answer. */
struct upstream_waiter {
	struct net_sockaddr peer;
	int fd;     /* the UDP listener it came in on, or -1 */
	void *conn; /* the TCP connection, or NULL */
	uint16_t id;
	uint16_t flags;    /* the query's header flags */
	uint16_t udp_size; /* 0: no EDNS0 */
	bool do_bit;
	uint8_t name_len;
	uint8_t control_len;        /* 0: none */
	uint8_t name[DNS_MAX_NAME]; /* as the client wrote it */
	/* The query's IP_PKTINFO, so that the answer leaves from the address
	 * the query went to (wildcard listeners). */
	uint8_t control[UPSTREAM_WAITER_CONTROL];
};

/*
 * The outcome of a query: msg is the upstream's answer (checked: its
 * header and question parse and match), or NULL when every try failed.
 * The callback answers the waiters; the query is freed after it returns.
 */
typedef void (*upstream_done_fn)(void *arg, const struct cache_key *key,
				 const struct upstream_waiter *w, size_t n,
				 const uint8_t *msg, size_t len);

struct upstream_stats {
	uint64_t queries, shared, answers, timeouts, forged, failures,
		tcp_retries, tcp_failures, waiters_dropped;
	unsigned inflight;
};

struct upstream *upstream_new(struct event_base *base,
			      const struct config_dns *cfg,
			      upstream_done_fn done, void *arg);
/*
 * Applies new upstreams and timeouts.  An upstream whose address and port
 * stay keeps its health; queries in flight go on with the upstreams they
 * started with.
 */
int upstream_configure(struct upstream *u, const struct config_dns *cfg);
/* Fails every query in flight (their waiters get the callback) and frees. */
void upstream_free(struct upstream *u);

/*
 * Asks for key on behalf of w, or adds w to an identical query in flight.
 * Returns 0 when w will get the callback, -1 when the query cannot be
 * sent now (no upstream alive, too many in flight): answer it yourself.
 */
int upstream_query(struct upstream *u, const struct cache_key *key,
		   const struct upstream_waiter *w);

unsigned upstream_inflight(const struct upstream *u);
void upstream_get_stats(const struct upstream *u, struct upstream_stats *s);
/* One log line per upstream: state, sent, answers, timeouts, latency. */
void upstream_log_stats(const struct upstream *u);

#endif
