/*
 * pool: the addresses of one subnet and who holds them.
 *
 * Every pool address has a slot; slots sit on one of four lists: free
 * (oldest freed first), offered, leased and declined (each sorted by
 * expiry, so reaping only looks at heads).  Allocation takes the free
 * head after reaping: O(1) whatever the pool's size.  Leases are kept
 * per client identity (option 61, else htype+chaddr) in a hash, so a
 * returning client finds its previous address while that address is
 * still unclaimed.  Reserved addresses never enter the free list.
 * Pure data structure: no I/O, no logging, times are passed in.
 */
#ifndef LABGATE_DHCPD_POOL_H
#define LABGATE_DHCPD_POOL_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "config.h"

#define POOL_MAX_CLIENT_ID 255 /* bytes of a client identity */
#define POOL_MAX_HOSTNAME  63
#define POOL_MAX_ADDRESSES (1u << 24) /* addresses in one pool, at most */
#define POOL_NONE          UINT32_MAX

enum lease_state {
	LEASE_FREE = 0,     /* released or expired; may keep its owner */
	LEASE_OFFERED = 1,  /* held for the client until the offer expires */
	LEASE_BOUND = 2,    /* acknowledged */
	LEASE_DECLINED = 3, /* quarantined after a DECLINE */
};

struct lease {
	struct in_addr addr;
	enum lease_state state;
	time_t start; /* wall clock */
	time_t expires;
	uint8_t mac[6];
	char hostname[POOL_MAX_HOSTNAME + 1];
	uint32_t slot;       /* pool slot, or POOL_NONE (reserved) */
	struct lease *hnext; /* client hash chain */
	uint16_t id_len;
	uint8_t id[]; /* client identity */
};

struct pool;

/* Builds the pool of a subnet; NULL when out of memory or too large. */
struct pool *pool_new(const struct config_subnet *s);
void pool_free(struct pool *p);
/* Addresses in the pool's ranges; how many are free now. */
uint32_t pool_size(const struct pool *p);
uint32_t pool_free_count(const struct pool *p);

/*
 * Chooses an address for a DISCOVER: the client's reservation, its
 * current or previous address, the requested one if free, else the
 * oldest free.  Holds it `hold` seconds.  NULL when the pool is
 * exhausted.
 */
struct lease *pool_offer(struct pool *p, const uint8_t *id, size_t id_len,
			 const uint8_t mac[6], const struct in_addr *requested,
			 time_t now, uint32_t hold);

/* The lease this client holds or held here, or NULL. */
struct lease *pool_find(struct pool *p, const uint8_t *id, size_t id_len,
			const uint8_t mac[6]);
/* The lease on an address, or NULL. */
struct lease *pool_by_addr(struct pool *p, struct in_addr a);
/* Whether the address is in a range or a reservation of this pool. */
bool pool_contains(const struct pool *p, struct in_addr a);

enum pool_verdict {
	POOL_ACK,     /* bound: acknowledge */
	POOL_NAK,     /* the address is not the client's */
	POOL_UNKNOWN, /* no record of the client: stay silent */
};

/*
 * A REQUEST for `addr`: binds it for `lease_time` when it is the
 * client's (or free and not reserved for another, if `may_take`).
 */
enum pool_verdict pool_request(struct pool *p, const uint8_t *id, size_t id_len,
			       const uint8_t mac[6], struct in_addr addr,
			       bool may_take, time_t now, uint32_t lease_time,
			       struct lease **out);
/* RELEASE: frees the client's lease on addr; returns it or NULL. */
struct lease *pool_release(struct pool *p, const uint8_t *id, size_t id_len,
			   const uint8_t mac[6], struct in_addr addr,
			   time_t now);
/* DECLINE: quarantines addr for `secs`; returns the lease or NULL. */
struct lease *pool_decline(struct pool *p, const uint8_t *id, size_t id_len,
			   const uint8_t mac[6], struct in_addr addr,
			   time_t now, uint32_t secs);
/* A SELECTING client chose another server: drop our offer. */
void pool_cancel_offer(struct pool *p, const uint8_t *id, size_t id_len,
		       const uint8_t mac[6], time_t now);

/*
 * Restores a lease read from the journal.  Returns 0, or -1 when the
 * address is not this pool's (or no memory).
 */
int pool_restore(struct pool *p, const struct lease *l, time_t now);

/*
 * Calls fn for every lease object: the free list's oldest first, then
 * offered, bound and declined ones by expiry, then reservations.  A
 * restore in this order (a compacted journal, a reload) costs O(1) per
 * lease.
 */
void pool_foreach(struct pool *p, void (*fn)(const struct lease *, void *),
		  void *arg);

#endif
