/*
 * server: dhcpd's sockets, event loop turn and group commit.
 *
 * One UDP socket on port 67 per interface named in the config
 * (SO_BINDTODEVICE, IP_PKTINFO), one more without a device when a subnet
 * serves relays, and one packet socket per interface for unicast replies
 * to clients without an address.  A wake-up drains the sockets in
 * batches; each request is answered into a reply queue; the turn ends
 * with one journal commit (write + fdatasync) and then one sendmmsg per
 * socket, so no ACK leaves before its lease is on disk.
 */
#ifndef LABGATE_DHCPD_SERVER_H
#define LABGATE_DHCPD_SERVER_H

#include <net/if.h>
#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "dhcp_wire.h"
#include "log.h"
#include "pool.h"
#include "rawpkt.h"

struct event_base;
struct event;
struct lease_store;
struct dgram_batch;
struct syncer;

#define SERVER_MAX_IFS            64   /* interfaces served, at most */
#define SERVER_MAX_REPLIES        64   /* replies built per turn */
#define SERVER_MAX_WAITING        1024 /* ACKs waiting for one fdatasync */
#define SERVER_MAX_QUEUED         SERVER_MAX_WAITING /* journal records, too */
#define SERVER_SEND_BATCH         64   /* datagrams per sendmmsg */
#define SERVER_COMMIT_DELAY_MS    2    /* a record waits for company, at most */
#define SERVER_COMMIT_BATCH       32   /* records that commit without delay */
#define SERVER_COALESCE_MIN       8    /* datagrams a wake-up should find */
#define SERVER_COALESCE_US        1000 /* pause when it found fewer */
#define SERVER_BATCH              32   /* datagrams per recvmmsg */
#define SERVER_RECV_BUF           1536 /* bytes per received datagram */
#define SERVER_RCVBUF             (4 << 20) /* socket receive buffer, bytes */
#define SERVER_MAX_ROUNDS         16        /* recvmmsg calls per wake-up */
#define SERVER_EXHAUSTED_INTERVAL 60 /* seconds between exhaustion lines */
#define SERVER_RETRY_REWRITE      1  /* seconds between journal rewrites */

struct srv_if {
	char name[IF_NAMESIZE]; /* "" for the relay socket */
	unsigned ifindex;
	int fd;     /* UDP port 67 */
	int raw_fd; /* AF_PACKET, or -1 */
	uint8_t mac[6];
	struct in_addr addr; /* our IPv4 address on it */
	struct event *ev;
	struct event *pause; /* interrupt coalescing timer */
	struct server *srv;
};

struct srv_subnet {
	const struct config_subnet *cfg;
	struct pool *pool;
	struct srv_if *iface; /* NULL: serves relays */
	struct in_addr addr;  /* ours on iface inside its network, or 0 */
	struct log_limit exhausted;
};

struct srv_reply {
	int fd;
	bool raw;                 /* through the packet socket */
	bool durable;             /* an ACK: only after the commit */
	size_t len;               /* bytes at buf + RAWPKT_HDR_LEN */
	struct net_sockaddr peer; /* UDP destination */
	uint8_t mac[6];           /* raw destination */
	unsigned ifindex;
	uint8_t buf[RAWPKT_HDR_LEN + DHCP_MAX_REPLY];
};

struct srv_counters {
	unsigned long received, malformed, ignored;
	unsigned long by_type[DHCP_INFORM + 1];
	unsigned long offers, acks, naks, exhausted, unsent;
};

struct server {
	struct event_base *base;
	const struct config_dhcp *cfg;
	struct srv_if ifs[SERVER_MAX_IFS];
	size_t nifs;
	struct srv_subnet *subnets;
	size_t nsubnets;
	struct lease_store *store;
	struct dgram_batch *in;
	struct srv_reply *replies; /* this turn's, SERVER_MAX_REPLIES */
	size_t nreplies;
	struct srv_reply *waiting; /* ACKs of records still queued */
	size_t nwaiting;
	struct srv_reply *flight; /* ACKs of the batch being synced */
	size_t nflight;
	struct syncer *syncer;
	struct event *commit_timer; /* ends a group commit delay */
	uint64_t first_queued_ms;   /* when the queue's first record came */
	bool queue_timed;
	time_t next_rewrite;
	uint64_t compact_at; /* journal records that trigger compaction */
	struct log_limit malformed_log;
	struct log_limit store_log;
	struct log_limit send_log;
	struct srv_counters n;
};

/* Opens sockets and the lease store.  Returns NULL (logged) on failure. */
struct server *server_new(struct event_base *base,
			  const struct config_dhcp *cfg);
/* Adopts a new dhcp section: pools rebuilt, leases kept.  0 or -1. */
int server_reload(struct server *s, const struct config_dhcp *cfg);
/*
 * Makes every queued change durable (waiting for the journal thread) and
 * sends the ACKs that waited for it.  Returns 0 or -1 (logged).
 */
int server_sync(struct server *s);
void server_stats(const struct server *s);
void server_free(struct server *s);

/* Builds pools for cfg and restores the journal at cfg->lease_file. */
struct srv_subnet *server_pools_new(const struct config_dhcp *cfg,
				    size_t *count);
void server_pools_free(struct srv_subnet *p, size_t count);
/* The subnet whose network holds a, or NULL. */
struct srv_subnet *server_subnet_by_addr(struct srv_subnet *p, size_t count,
					 struct in_addr a);
struct restore_ctx {
	struct srv_subnet *subnets;
	size_t count;
	unsigned long restored, dropped;
};

/* Restores one journal record into the matching pool (replay callback). */
int server_restore(const struct lease *l, void *arg);

/* handler.c: answers one parsed request (may queue a reply). */
void handler_request(struct server *s, struct srv_if *ifp,
		     const struct dhcp_msg *m, struct in_addr local);
/* The journal record kind for a lease as kept in memory. */
void handler_journal(struct server *s, const struct lease *l);

#endif
