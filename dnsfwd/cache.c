/* cache: upstream answers in wire form; see cache.h. */
#include <stdlib.h>
#include <string.h>

#include "cache.h"
#include "dns_wire.h"

struct cache_entry {
	struct cache_entry *hnext;       /* hash bucket chain */
	struct cache_entry *prev, *next; /* LRU: head is most recent */
	uint32_t hash;
	uint32_t stored;      /* monotonic seconds */
	uint32_t expire;      /* monotonic seconds */
	uint32_t prefetch_at; /* near expiry from here; UINT32_MAX: claimed */
	uint16_t msg_len;
	uint16_t ttl_count;
	uint16_t qtype, qclass;
	uint8_t name_len;
	uint8_t flags;
	uint8_t rcode;
	/* name_len name octets, ttl_count uint16 offsets, msg_len octets */
	uint8_t data[];
};

struct cache {
	struct cache_entry **buckets;
	uint32_t mask;
	uint32_t max_entries;
	struct cache_limits lim;
	struct cache_entry *head, *tail;
	struct cache_stats st;
};

#define CACHE_MIN_BUCKETS 64

static uint8_t
cache_lower(uint8_t c)
{
	return c >= 'A' && c <= 'Z' ? (uint8_t)(c + ('a' - 'A')) : c;
}

/* FNV-1a over the lowercased name, then type, class and flags. */
void
cache_key_hash(struct cache_key *k)
{
	uint32_t h = 2166136261u;
	size_t i;

	for (i = 0; i < k->name_len; i++)
		h = (h ^ cache_lower(k->name[i])) * 16777619u;
	h = (h ^ (k->qtype >> 8)) * 16777619u;
	h = (h ^ (k->qtype & 0xff)) * 16777619u;
	h = (h ^ k->qclass) * 16777619u;
	h = (h ^ k->flags) * 16777619u;
	k->hash = h ^ (h >> 15);
}

struct cache *
cache_new(uint32_t max_entries, const struct cache_limits *lim)
{
	struct cache *c = calloc(1, sizeof(*c));
	uint32_t n = CACHE_MIN_BUCKETS;

	if (c == NULL)
		return NULL;
	while (n < max_entries && n < (1u << 31))
		n <<= 1;
	c->buckets = calloc(n, sizeof(*c->buckets));
	if (c->buckets == NULL) {
		free(c);
		return NULL;
	}
	c->mask = n - 1;
	c->max_entries = max_entries > 0 ? max_entries : 1;
	c->lim = *lim;
	return c;
}

static void
cache_unlink(struct cache *c, struct cache_entry *e)
{
	struct cache_entry **pp = &c->buckets[e->hash & c->mask];

	while (*pp != NULL && *pp != e)
		pp = &(*pp)->hnext;
	if (*pp == e)
		*pp = e->hnext;
	if (e->prev != NULL)
		e->prev->next = e->next;
	else
		c->head = e->next;
	if (e->next != NULL)
		e->next->prev = e->prev;
	else
		c->tail = e->prev;
	c->st.entries--;
	c->st.bytes -= sizeof(*e) + e->name_len + (size_t)e->ttl_count * 2 +
		       e->msg_len;
	free(e);
}

static bool
cache_over(const struct cache *c)
{
	return c->st.entries > c->max_entries ||
	       c->st.bytes > (size_t)c->max_entries * CACHE_BYTES_PER_ENTRY;
}

static void
cache_push_front(struct cache *c, struct cache_entry *e)
{
	e->prev = NULL;
	e->next = c->head;
	if (c->head != NULL)
		c->head->prev = e;
	c->head = e;
	if (c->tail == NULL)
		c->tail = e;
}

static void
cache_touch(struct cache *c, struct cache_entry *e)
{
	if (c->head == e)
		return;
	e->prev->next = e->next;
	if (e->next != NULL)
		e->next->prev = e->prev;
	else
		c->tail = e->prev;
	cache_push_front(c, e);
}

void
cache_configure(struct cache *c, uint32_t max_entries,
		const struct cache_limits *lim)
{
	c->max_entries = max_entries > 0 ? max_entries : 1;
	c->lim = *lim;
	while (cache_over(c) && c->tail != NULL) {
		cache_unlink(c, c->tail);
		c->st.evictions++;
	}
}

void
cache_free(struct cache *c)
{
	struct cache_entry *e, *next;

	if (c == NULL)
		return;
	for (e = c->head; e != NULL; e = next) {
		next = e->next;
		free(e);
	}
	free(c->buckets);
	free(c);
}

static struct cache_entry *
cache_find(struct cache *c, const struct cache_key *k)
{
	struct cache_entry *e;

	for (e = c->buckets[k->hash & c->mask]; e != NULL; e = e->hnext) {
		if (e->hash == k->hash && e->qtype == k->qtype &&
		    e->qclass == k->qclass && e->flags == k->flags &&
		    dns_name_equal(e->data, e->name_len, k->name, k->name_len))
			return e;
	}
	return NULL;
}

struct cache_entry *
cache_lookup(struct cache *c, const struct cache_key *k, uint32_t now,
	     bool stale)
{
	struct cache_entry *e = cache_find(c, k);

	if (e != NULL && now >= e->expire) {
		if (now - e->expire >= c->lim.stale_ttl) {
			cache_unlink(c, e);
			c->st.expired++;
			e = NULL;
		} else if (!stale) {
			e = NULL;
		} else {
			c->st.stale_hits++;
		}
	}
	if (e == NULL) {
		c->st.misses++;
		return NULL;
	}
	c->st.hits++;
	cache_touch(c, e);
	return e;
}

uint32_t
cache_prefetch_at(uint32_t stored, uint32_t life)
{
	uint32_t window =
		(uint32_t)(((uint64_t)life * CACHE_PREFETCH_PERCENT + 99) /
			   100);

	return stored + life - window;
}

bool
cache_prefetch_due(struct cache_entry *e, uint32_t now)
{
	if (now < e->prefetch_at)
		return false;
	e->prefetch_at = UINT32_MAX;
	return true;
}

unsigned
cache_entry_rcode(const struct cache_entry *e)
{
	return e->rcode;
}

size_t
cache_answer(const struct cache_entry *e, uint16_t id, const uint8_t *qname,
	     uint32_t now, uint8_t *out, size_t outlen)
{
	const uint8_t *offs = e->data + e->name_len;
	uint32_t age = now > e->stored ? now - e->stored : 0;
	size_t i;

	if (outlen < e->msg_len)
		return 0;
	memcpy(out, offs + (size_t)e->ttl_count * 2, e->msg_len);
	dns_put16(out, id);
	memcpy(out + DNS_HDR_LEN, qname, e->name_len);
	for (i = 0; i < e->ttl_count; i++) {
		uint16_t off = dns_get16(offs + i * 2);
		uint32_t ttl = dns_get32(out + off);

		if (now >= e->expire)
			ttl = CACHE_STALE_TTL;
		else
			ttl = ttl > age ? ttl - age : 0;
		dns_put32(out + off, ttl);
	}
	return e->msg_len;
}

/* How long an answer may be kept: -1 when it must not be. */
static int64_t
cache_lifetime(const struct cache *c, const uint8_t *msg,
	       const struct dns_ttl_scan *s)
{
	uint16_t flags = dns_get16(msg + 2);
	unsigned rcode = DNS_RCODE(flags);
	uint32_t ttl;

	if ((flags & DNS_FLAG_TC) != 0)
		return -1;
	if (rcode == DNS_RCODE_SERVFAIL)
		return c->lim.servfail_ttl > 0 ? (int64_t)c->lim.servfail_ttl
					       : -1;
	if (rcode == DNS_RCODE_NXDOMAIN ||
	    (rcode == DNS_RCODE_NOERROR && dns_get16(msg + 6) == 0)) {
		/* RFC 2308 5: without an SOA, a negative answer is not kept. */
		if (!s->has_soa)
			return -1;
		ttl = s->soa_neg_ttl;
		return ttl < c->lim.neg_max_ttl ? ttl : c->lim.neg_max_ttl;
	}
	if (rcode != DNS_RCODE_NOERROR)
		return -1;
	ttl = s->min_ttl;
	if (ttl < c->lim.min_ttl)
		ttl = c->lim.min_ttl;
	return ttl < c->lim.max_ttl ? ttl : c->lim.max_ttl;
}

/* Every TTL of the stored copy is clamped to the entry's lifetime. */
static void
cache_clamp_ttls(uint8_t *msg, const uint16_t *offs, size_t n, uint32_t life,
		 uint32_t min_ttl)
{
	size_t i;

	for (i = 0; i < n; i++) {
		uint32_t t = dns_get32(msg + offs[i]);

		if (t > 0x7fffffffu)
			t = 0;
		if (t < min_ttl)
			t = min_ttl;
		if (t > life)
			t = life;
		dns_put32(msg + offs[i], t);
	}
}

static struct cache_entry *
cache_entry_make(const struct cache_key *k, const uint8_t *msg, size_t len,
		 const uint16_t *offs, size_t n)
{
	struct cache_entry *e;
	size_t i;

	e = malloc(sizeof(*e) + k->name_len + n * 2 + len);
	if (e == NULL)
		return NULL;
	memset(e, 0, sizeof(*e));
	e->hash = k->hash;
	e->qtype = k->qtype;
	e->qclass = k->qclass;
	e->flags = k->flags;
	e->name_len = k->name_len;
	e->msg_len = (uint16_t)len;
	e->ttl_count = (uint16_t)n;
	e->rcode = (uint8_t)DNS_RCODE(dns_get16(msg + 2));
	memcpy(e->data, k->name, k->name_len);
	dns_name_lower(e->data, k->name_len);
	for (i = 0; i < n; i++)
		dns_put16(e->data + k->name_len + i * 2, offs[i]);
	memcpy(e->data + k->name_len + n * 2, msg, len);
	return e;
}

static void
cache_insert(struct cache *c, struct cache_entry *e)
{
	struct cache_entry *old =
		cache_find(c, &(struct cache_key){.name = e->data,
						  .name_len = e->name_len,
						  .qtype = e->qtype,
						  .qclass = e->qclass,
						  .flags = e->flags,
						  .hash = e->hash});

	if (old != NULL)
		cache_unlink(c, old);
	e->hnext = c->buckets[e->hash & c->mask];
	c->buckets[e->hash & c->mask] = e;
	cache_push_front(c, e);
	c->st.entries++;
	c->st.inserts++;
	c->st.bytes += sizeof(*e) + e->name_len + (size_t)e->ttl_count * 2 +
		       e->msg_len;
	while (cache_over(c) && c->tail != NULL) {
		cache_unlink(c, c->tail);
		c->st.evictions++;
	}
}

int
cache_store(struct cache *c, const struct cache_key *k, const uint8_t *msg,
	    size_t len, uint32_t now)
{
	uint8_t buf[CACHE_MAX_ANSWER];
	uint16_t offs[CACHE_MAX_TTLS];
	struct dns_ttl_scan s = {.offsets = offs, .max = CACHE_MAX_TTLS};
	struct cache_entry *e;
	int64_t life;

	if (len < DNS_HDR_LEN || len > CACHE_MAX_ANSWER ||
	    dns_ttl_scan(msg, len, &s) != DNS_OK || s.count > CACHE_MAX_TTLS)
		return 0;
	/* RFC 8767: a SERVFAIL does not push out data that may be served
	 * stale (cache_find: any entry, fresh or stale). */
	if (DNS_RCODE(dns_get16(msg + 2)) == DNS_RCODE_SERVFAIL &&
	    (e = cache_find(c, k)) != NULL && e->rcode != DNS_RCODE_SERVFAIL)
		return 0;
	life = cache_lifetime(c, msg, &s);
	if (life <= 0)
		return 0;
	memcpy(buf, msg, len);
	if (s.opt_offset != 0) {
		/* Our own OPT goes out on each answer; offsets are before it. */
		if (s.opt_offset + s.opt_len != len)
			return 0;
		len = dns_rr_remove_additional(buf, len, s.opt_offset,
					       s.opt_len);
	}
	cache_clamp_ttls(buf, offs, s.count, (uint32_t)life,
			 DNS_RCODE(dns_get16(msg + 2)) == DNS_RCODE_NOERROR &&
					 dns_get16(msg + 6) > 0
				 ? c->lim.min_ttl
				 : 0);
	e = cache_entry_make(k, buf, len, offs, s.count);
	if (e == NULL)
		return -1;
	e->stored = now;
	e->expire = now + (uint32_t)life;
	e->prefetch_at = cache_prefetch_at(now, (uint32_t)life);
	cache_insert(c, e);
	return 1;
}

void
cache_get_stats(const struct cache *c, struct cache_stats *s)
{
	*s = c->st;
}
