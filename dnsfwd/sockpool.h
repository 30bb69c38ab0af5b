/*
 * sockpool: the UDP sockets upstream queries leave from.
 *
 * As Unbound's outgoing-range: many sockets, each bound to a port drawn
 * at random from the whole unprivileged range, each carrying at most one
 * outstanding query.  A query takes a free socket chosen at random, so its
 * source port is unpredictable; a socket is closed and replaced by one on
 * a fresh random port after SOCKPOOL_MAX_USES queries, or at once when a
 * query on it timed out (so a late answer finds nothing).  Keeping the
 * sockets open makes a query cost one sendto and one recvfrom, where a
 * socket per query would add socket, bind, close and two epoll_ctl.
 */
#ifndef LABGATE_DNS_SOCKPOOL_H
#define LABGATE_DNS_SOCKPOOL_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#define SOCKPOOL_MIN        128  /* sockets opened per family at first use */
#define SOCKPOOL_MAX        4096 /* sockets per family, at most */
#define SOCKPOOL_MAX_USES   16   /* queries per socket before a new port */
#define SOCKPOOL_PORT_TRIES 8    /* random ports tried per socket */
#define SOCKPOOL_RANDOM     4096 /* bytes of getrandom() kept */

struct event_base;
struct sockpool;
struct sockpool_sock;

/* Called when a socket is readable; owner is NULL for an idle socket. */
typedef void (*sockpool_read_fn)(int fd, void *owner, void *arg);

struct sockpool *sockpool_new(struct event_base *base, sockpool_read_fn cb,
			      void *arg);
/* Closes every socket (their owners must be gone). */
void sockpool_free(struct sockpool *p);

/* 16 bits from the kernel's CSPRNG, buffered (query IDs, ports). */
uint16_t sockpool_random16(struct sockpool *p);

/*
 * A free socket of `family` for `owner`, chosen at random; NULL (errno
 * set) when none can be had.
 */
struct sockpool_sock *sockpool_get(struct sockpool *p, sa_family_t family,
				   void *owner);
int sockpool_fd(const struct sockpool_sock *s);
/* Gives a socket back; `retire` replaces it with one on a new port. */
void sockpool_put(struct sockpool *p, struct sockpool_sock *s, bool retire);
/* Sockets open and sockets busy, over both families. */
void sockpool_counts(const struct sockpool *p, unsigned *open, unsigned *busy);

#endif
