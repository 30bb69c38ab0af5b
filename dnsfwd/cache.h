/*
 * cache: upstream answers kept in wire form.
 *
 * An entry holds the answer as the upstream sent it (its OPT RR removed)
 * and the offsets of its TTLs, so a hit is one memcpy, an ID and question
 * rewrite and a TTL decrement per RR.  Keys are the lowercased question
 * name, type, class and the DO and CD bits; the caller computes the hash
 * once per query.  Entries live on an LRU list bounded by a count; times
 * are monotonic seconds passed in by the caller, so the cache is pure.
 */
#ifndef LABGATE_DNS_CACHE_H
#define LABGATE_DNS_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CACHE_KEY_DO    0x01 /* the query asked for DNSSEC records */
#define CACHE_KEY_CD    0x02 /* checking disabled */
#define CACHE_MAX_TTLS  256  /* RRs with a TTL per cached answer */
#define CACHE_STALE_TTL 30   /* TTL of a stale answer (RFC 8767 4) */
/* dns.prefetch: a hit in this last part of an entry's lifetime refreshes
 * it (as Unbound's prefetch), at least the last second. */
#define CACHE_PREFETCH_PERCENT 10
/*
 * Memory: an answer larger than CACHE_MAX_ANSWER is not kept, and all
 * entries together stay under max_entries * CACHE_BYTES_PER_ENTRY (LRU
 * eviction), so a few huge answers cannot grow the cache past its bound.
 */
#define CACHE_MAX_ANSWER      8192 /* bytes of one cached message */
#define CACHE_BYTES_PER_ENTRY 1024 /* budget per entry, on average */

struct cache_limits {
	uint32_t min_ttl;      /* seconds; positive answers clamped up */
	uint32_t max_ttl;      /* seconds; every answer clamped down */
	uint32_t neg_max_ttl;  /* NXDOMAIN/NODATA, at most (RFC 2308 5) */
	uint32_t servfail_ttl; /* SERVFAIL kept this long; 0: not at all */
	uint32_t stale_ttl;    /* kept past expiry for serve-stale; 0: off */
};

struct cache_key {
	const uint8_t *name; /* wire form, any case */
	uint8_t name_len;
	uint16_t qtype;
	uint16_t qclass;
	uint8_t flags; /* CACHE_KEY_* */
	uint32_t hash; /* from cache_key_hash */
};

struct cache_stats {
	uint32_t entries;
	uint64_t hits, misses, stale_hits, inserts, evictions, expired;
	size_t bytes; /* entry memory, headers included */
};

struct cache;
struct cache_entry;

/* NULL on no memory.  max_entries >= 1. */
struct cache *cache_new(uint32_t max_entries, const struct cache_limits *lim);
void cache_free(struct cache *c);
/* New bounds (SIGHUP): evicts least recently used entries over the count. */
void cache_configure(struct cache *c, uint32_t max_entries,
		     const struct cache_limits *lim);
/* Sets k->hash from the other fields (the name lowercased on the fly). */
void cache_key_hash(struct cache_key *k);

/*
 * A fresh entry for k at time now, moved to the front of the LRU; NULL on
 * a miss.  With stale set, an expired entry still inside stale_ttl is
 * returned too (and counted as a stale hit).
 */
struct cache_entry *cache_lookup(struct cache *c, const struct cache_key *k,
				 uint32_t now, bool stale);
/*
 * When an entry stored at `stored` for `life` seconds is near expiry:
 * CACHE_PREFETCH_PERCENT of life (rounded up) before it expires.
 */
uint32_t cache_prefetch_at(uint32_t stored, uint32_t life);
/*
 * dns.prefetch, on a fresh hit: true, once per entry, when it is near
 * expiry (cache_prefetch_at); the caller then asks the upstream again and
 * cache_store replaces the entry.  One compare on the hit path.
 */
bool cache_prefetch_due(struct cache_entry *e, uint32_t now);
/*
 * Writes the entry's answer to out for a query with `id` whose question
 * name is qname (same length as the key's; its case is kept, RFC 1034
 * 3.1 and 0x20), TTLs decremented by the entry's age.  Returns the
 * length, or 0 when out is too small.
 */
size_t cache_answer(const struct cache_entry *e, uint16_t id,
		    const uint8_t *qname, uint32_t now, uint8_t *out,
		    size_t outlen);
/* The entry's rcode (for statistics and logs). */
unsigned cache_entry_rcode(const struct cache_entry *e);

/*
 * Stores an upstream answer to k received at `now`, replacing an older
 * one.  Answers that must not be cached (truncated, REFUSED, negative
 * without SOA, malformed) are ignored.  Returns 1 when stored, 0 when not
 * cacheable, -1 on no memory.
 */
int cache_store(struct cache *c, const struct cache_key *k, const uint8_t *msg,
		size_t len, uint32_t now);

void cache_get_stats(const struct cache *c, struct cache_stats *s);

#endif
