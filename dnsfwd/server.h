/*
 * server: dnsfwd's listeners and the answer to each query.
 *
 * A query passes, in order: the `allow` check (REFUSED), the parser
 * (FORMERR, or dropped when not even a header), the opcode (NOTIMP),
 * local data (AA), the cache, and else an upstream query shared by every
 * identical query in flight.  UDP answers larger than the client's size
 * go out truncated with TC.  TCP (RFC 7766) carries length-prefixed
 * queries, several per connection, answered in any order.
 */
#ifndef LABGATE_DNS_SERVER_H
#define LABGATE_DNS_SERVER_H

#include <stdbool.h>
#include <stdint.h>

#include "config.h"

#define SERVER_UDP_BATCH       32   /* datagrams per recvmmsg */
#define SERVER_UDP_BUFSIZE     4096 /* bytes per received query */
#define SERVER_MAX_UDP_REPLY   4096 /* largest UDP answer we send */
#define SERVER_TCP_MAX_PENDING 64   /* unanswered queries per connection */
#define SERVER_TCP_MAX_OUTPUT  (256 * 1024) /* bytes queued per connection */
#define SERVER_STOP_MS         3000         /* in-flight work allowed at stop */
#define SERVER_ACCEPT_PAUSE_MS 500          /* TCP accept paused after EMFILE */

struct event_base;
struct server;

/*
 * Binds every dns.listen (UDP and TCP), with SO_REUSEPORT when reuseport
 * (dns.workers > 1).  NULL with the cause logged.
 */
struct server *server_new(struct event_base *base, const struct config_dns *cfg,
			  bool reuseport);
/* Applies a new config (not listen); the cache is kept. */
int server_reload(struct server *s, const struct config_dns *cfg);
/* Stops accepting; calls done(arg) once no query is in flight. */
void server_stop(struct server *s, void (*done)(void *), void *arg);
void server_log_stats(const struct server *s);
void server_free(struct server *s);
/*
 * In a forked child: frees the parent's server without sending anything,
 * so the parent's clients and queries in flight are left to the parent.
 */
void server_discard(struct server *s);

#endif
