/* pool: per-subnet address allocation in O(1) (see pool.h). */
#include "pool.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define POOL_HASH_MIN 64 /* initial client hash buckets */
#define SLOT_RESERVED 4  /* a slot no list holds */
#define POOL_LISTS    4  /* free, offered, bound, declined */

struct slot {
	uint32_t prev, next;
	uint8_t list;        /* enum lease_state, or SLOT_RESERVED */
	struct lease *lease; /* holder or previous holder, or NULL */
};

struct plist {
	uint32_t head, tail, count;
};

struct resv {
	uint8_t mac[6];
	struct in_addr addr;
	const char *hostname;
	struct lease *lease;
};

struct pool {
	struct net_cidr network;
	struct net_range4 *ranges; /* sorted */
	uint32_t *range_base;      /* index of each range's first */
	size_t nranges;
	uint32_t size;
	struct slot *slots;
	struct plist lists[POOL_LISTS];
	struct lease **hash;
	size_t hmask;
	size_t nleases;
	struct resv *resv; /* sorted by MAC */
	size_t nresv;
};

static int
cmp_range(const void *a, const void *b)
{
	const struct net_range4 *x = a, *y = b;

	return x->first < y->first ? -1 : x->first > y->first;
}

static int
cmp_resv(const void *a, const void *b)
{
	return memcmp(((const struct resv *)a)->mac,
		      ((const struct resv *)b)->mac, 6);
}

static uint32_t
addr_index(const struct pool *p, struct in_addr a)
{
	uint32_t h = ntohl(a.s_addr);
	size_t lo = 0, hi = p->nranges;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (h < p->ranges[mid].first)
			hi = mid;
		else if (h > p->ranges[mid].last)
			lo = mid + 1;
		else
			return p->range_base[mid] + (h - p->ranges[mid].first);
	}
	return POOL_NONE;
}

static struct in_addr
index_addr(const struct pool *p, uint32_t idx)
{
	size_t lo = 0, hi = p->nranges;
	struct in_addr a;

	while (hi - lo > 1) {
		size_t mid = (lo + hi) / 2;

		if (idx < p->range_base[mid])
			hi = mid;
		else
			lo = mid;
	}
	a.s_addr = htonl(p->ranges[lo].first + (idx - p->range_base[lo]));
	return a;
}

static void
list_remove(struct pool *p, uint32_t i)
{
	struct slot *s = &p->slots[i];
	struct plist *l;

	if (s->list >= POOL_LISTS)
		return;
	l = &p->lists[s->list];
	if (s->prev != POOL_NONE)
		p->slots[s->prev].next = s->next;
	else
		l->head = s->next;
	if (s->next != POOL_NONE)
		p->slots[s->next].prev = s->prev;
	else
		l->tail = s->prev;
	l->count--;
	s->list = SLOT_RESERVED;
}

static time_t
slot_expiry(const struct pool *p, uint32_t i)
{
	return p->slots[i].lease != NULL ? p->slots[i].lease->expires : 0;
}

/* Inserts after the last slot expiring no later (from the tail: O(1) usually). */
static void
list_insert(struct pool *p, uint32_t i, uint8_t which)
{
	struct plist *l = &p->lists[which];
	struct slot *s = &p->slots[i];
	time_t e = slot_expiry(p, i);
	uint32_t at = l->tail;

	if (which != LEASE_FREE) {
		while (at != POOL_NONE && slot_expiry(p, at) > e)
			at = p->slots[at].prev;
	}
	s->prev = at;
	s->next = at == POOL_NONE ? l->head : p->slots[at].next;
	if (s->next != POOL_NONE)
		p->slots[s->next].prev = i;
	else
		l->tail = i;
	if (at != POOL_NONE)
		p->slots[at].next = i;
	else
		l->head = i;
	s->list = which;
	l->count++;
}

static void
slot_move(struct pool *p, uint32_t i, enum lease_state st, time_t expires)
{
	struct lease *l = p->slots[i].lease;

	list_remove(p, i);
	if (l != NULL) {
		l->state = st;
		l->expires = expires;
	}
	list_insert(p, i, (uint8_t)st);
}

static uint64_t
hash_id(const uint8_t *id, size_t len)
{
	uint64_t h = 1469598103934665603ull;
	size_t i;

	for (i = 0; i < len; i++)
		h = (h ^ id[i]) * 1099511628211ull;
	return h;
}

static struct lease **
hash_slot(struct pool *p, const uint8_t *id, size_t len)
{
	struct lease **pp = &p->hash[hash_id(id, len) & p->hmask];

	while (*pp != NULL &&
	       ((*pp)->id_len != len || memcmp((*pp)->id, id, len) != 0))
		pp = &(*pp)->hnext;
	return pp;
}

static void
hash_grow(struct pool *p)
{
	size_t n = (p->hmask + 1) * 2, i;
	struct lease **t = calloc(n, sizeof(*t)), *l, *next;

	if (t == NULL)
		return; /* chains just get longer */
	for (i = 0; i <= p->hmask; i++) {
		for (l = p->hash[i]; l != NULL; l = next) {
			next = l->hnext;
			l->hnext = t[hash_id(l->id, l->id_len) & (n - 1)];
			t[hash_id(l->id, l->id_len) & (n - 1)] = l;
		}
	}
	free(p->hash);
	p->hash = t;
	p->hmask = n - 1;
}

static void
hash_unlink(struct pool *p, struct lease *l)
{
	struct lease **pp = hash_slot(p, l->id, l->id_len);

	if (*pp == l) {
		*pp = l->hnext;
		l->hnext = NULL;
		p->nleases--;
	}
}

/* Whether the lease is the one the hash holds for its client. */
static bool
hashed(struct pool *p, const struct lease *l)
{
	return *hash_slot(p, l->id, l->id_len) == l;
}

/* A lease object outside the client hash. */
static struct lease *
lease_alloc(const uint8_t *id, size_t id_len, const uint8_t mac[6],
	    struct in_addr a, uint32_t slot)
{
	struct lease *l = calloc(1, sizeof(*l) + id_len);

	if (l == NULL)
		return NULL;
	l->addr = a;
	l->slot = slot;
	l->id_len = (uint16_t)id_len;
	memcpy(l->id, id, id_len);
	memcpy(l->mac, mac, 6);
	return l;
}

static struct lease *
lease_new(struct pool *p, const uint8_t *id, size_t id_len,
	  const uint8_t mac[6], struct in_addr a, uint32_t slot)
{
	struct lease *l = lease_alloc(id, id_len, mac, a, slot), **pp;

	if (l == NULL)
		return NULL;
	if (p->nleases >= p->hmask + 1)
		hash_grow(p);
	pp = hash_slot(p, id, id_len);
	if (*pp != NULL) /* caller removed it; defensive */
		hash_unlink(p, *pp);
	pp = hash_slot(p, id, id_len);
	l->hnext = NULL;
	*pp = l;
	p->nleases++;
	return l;
}

/* Forgets a lease object: out of the hash and off its slot. */
static void
lease_drop(struct pool *p, struct lease *l)
{
	struct resv *r;
	size_t i;

	hash_unlink(p, l);
	if (l->slot != POOL_NONE) {
		p->slots[l->slot].lease = NULL;
	} else {
		for (i = 0, r = p->resv; i < p->nresv; i++, r++) {
			if (r->lease == l)
				r->lease = NULL;
		}
	}
	free(l);
}

static int
pool_set_ranges(struct pool *p, const struct config_subnet *s)
{
	uint64_t total = 0;
	size_t i;

	p->ranges = calloc(s->pools_count + 1, sizeof(*p->ranges));
	p->range_base = calloc(s->pools_count + 1, sizeof(*p->range_base));
	if (p->ranges == NULL || p->range_base == NULL)
		return -1;
	memcpy(p->ranges, s->pools, s->pools_count * sizeof(*p->ranges));
	p->nranges = s->pools_count;
	qsort(p->ranges, p->nranges, sizeof(*p->ranges), cmp_range);
	for (i = 0; i < p->nranges; i++) {
		p->range_base[i] = (uint32_t)total;
		total += (uint64_t)p->ranges[i].last - p->ranges[i].first + 1;
		if (total > POOL_MAX_ADDRESSES)
			return -1;
	}
	p->size = (uint32_t)total;
	return 0;
}

static int
pool_set_resv(struct pool *p, const struct config_subnet *s)
{
	size_t i;
	uint32_t idx;

	p->resv = calloc(s->reservations_count + 1, sizeof(*p->resv));
	if (p->resv == NULL)
		return -1;
	p->nresv = s->reservations_count;
	for (i = 0; i < p->nresv; i++) {
		memcpy(p->resv[i].mac, s->reservations[i].mac, 6);
		p->resv[i].addr = s->reservations[i].address;
		p->resv[i].hostname = s->reservations[i].hostname;
		idx = addr_index(p, p->resv[i].addr);
		if (idx != POOL_NONE) {
			list_remove(p, idx);
			p->slots[idx].list = SLOT_RESERVED;
		}
	}
	qsort(p->resv, p->nresv, sizeof(*p->resv), cmp_resv);
	return 0;
}

struct pool *
pool_new(const struct config_subnet *s)
{
	struct pool *p = calloc(1, sizeof(*p));
	uint32_t i;

	if (p == NULL)
		return NULL;
	p->network = s->network;
	for (i = 0; i < POOL_LISTS; i++)
		p->lists[i].head = p->lists[i].tail = POOL_NONE;
	p->hmask = POOL_HASH_MIN - 1;
	p->hash = calloc(POOL_HASH_MIN, sizeof(*p->hash));
	if (p->hash == NULL || pool_set_ranges(p, s) == -1)
		goto fail;
	p->slots = calloc((size_t)p->size + 1, sizeof(*p->slots));
	if (p->slots == NULL)
		goto fail;
	/* all free, in address order: a chain built in one pass */
	for (i = 0; i < p->size; i++) {
		p->slots[i].prev = i == 0 ? POOL_NONE : i - 1;
		p->slots[i].next = i + 1 == p->size ? POOL_NONE : i + 1;
		p->slots[i].list = LEASE_FREE;
	}
	if (p->size > 0) {
		p->lists[LEASE_FREE].head = 0;
		p->lists[LEASE_FREE].tail = p->size - 1;
		p->lists[LEASE_FREE].count = p->size;
	}
	if (pool_set_resv(p, s) == -1)
		goto fail;
	return p;
fail:
	pool_free(p);
	return NULL;
}

void
pool_free(struct pool *p)
{
	size_t i;
	struct lease *l, *next;

	if (p == NULL)
		return;
	for (i = 0; p->hash != NULL && i <= p->hmask; i++) {
		for (l = p->hash[i]; l != NULL; l = next) {
			next = l->hnext;
			if (l->slot != POOL_NONE)
				p->slots[l->slot].lease = NULL;
			free(l);
		}
	}
	/* declined leases left the hash but still sit on their slots */
	for (i = 0; p->slots != NULL && i < p->size; i++)
		free(p->slots[i].lease);
	free(p->hash);
	free(p->slots);
	free(p->ranges);
	free(p->range_base);
	free(p->resv);
	free(p);
}

uint32_t
pool_size(const struct pool *p)
{
	return p->size;
}

uint32_t
pool_free_count(const struct pool *p)
{
	return p->lists[LEASE_FREE].count;
}

bool
pool_contains(const struct pool *p, struct in_addr a)
{
	size_t i;

	if (addr_index(p, a) != POOL_NONE)
		return true;
	for (i = 0; i < p->nresv; i++) {
		if (p->resv[i].addr.s_addr == a.s_addr)
			return true;
	}
	return false;
}

/* Expired offers, leases and quarantines go to the free list's tail. */
static void
pool_reap(struct pool *p, time_t now)
{
	static const uint8_t lists[] = {LEASE_OFFERED, LEASE_BOUND,
					LEASE_DECLINED};
	size_t k;
	uint32_t i;

	for (k = 0; k < sizeof(lists); k++) {
		while ((i = p->lists[lists[k]].head) != POOL_NONE &&
		       slot_expiry(p, i) <= now) {
			struct lease *l = p->slots[i].lease;

			if (l != NULL && !hashed(p, l)) {
				p->slots[i].lease = NULL;
				free(l);
			}
			slot_move(p, i, LEASE_FREE, now);
		}
	}
}

static struct resv *
resv_by_mac(struct pool *p, const uint8_t mac[6])
{
	struct resv key;

	if (p->nresv == 0)
		return NULL;
	memcpy(key.mac, mac, 6);
	return bsearch(&key, p->resv, p->nresv, sizeof(key), cmp_resv);
}

static struct resv *
resv_by_addr(struct pool *p, struct in_addr a)
{
	size_t i;

	if (p->nresv == 0 || !pool_contains(p, a))
		return NULL;
	for (i = 0; i < p->nresv; i++) {
		if (p->resv[i].addr.s_addr == a.s_addr)
			return &p->resv[i];
	}
	return NULL;
}

struct lease *
pool_find(struct pool *p, const uint8_t *id, size_t id_len,
	  const uint8_t mac[6])
{
	struct resv *r = resv_by_mac(p, mac);

	(void)mac;
	if (r != NULL && r->lease != NULL && r->lease->id_len == id_len &&
	    memcmp(r->lease->id, id, id_len) == 0)
		return r->lease;
	return *hash_slot(p, id, id_len);
}

struct lease *
pool_by_addr(struct pool *p, struct in_addr a)
{
	uint32_t i = addr_index(p, a);
	struct resv *r;

	if (i != POOL_NONE && p->slots[i].list != SLOT_RESERVED)
		return p->slots[i].lease;
	r = resv_by_addr(p, a);
	return r != NULL ? r->lease : NULL;
}

/* Drops the client's lease object, if any, freeing a slot it occupied. */
static void
forget_client(struct pool *p, const uint8_t *id, size_t id_len, time_t now)
{
	struct lease *l = *hash_slot(p, id, id_len);
	uint32_t i;

	if (l == NULL)
		return;
	i = l->slot;
	if (i != POOL_NONE && p->slots[i].list != LEASE_FREE)
		slot_move(p, i, LEASE_FREE, now);
	lease_drop(p, l);
}

/* The lease object of a reservation, made for this client. */
static struct lease *
reserved_lease(struct pool *p, struct resv *r, const uint8_t *id, size_t id_len,
	       time_t now)
{
	struct lease *l = r->lease;

	if (l != NULL && (l->id_len != id_len || memcmp(l->id, id, id_len)))
		lease_drop(p, l); /* same MAC, new client identity */
	if (r->lease == NULL) {
		forget_client(p, id, id_len, now);
		l = lease_new(p, id, id_len, r->mac, r->addr, POOL_NONE);
		if (l == NULL)
			return NULL;
		l->state = LEASE_FREE;
		l->start = l->expires = now;
		r->lease = l;
	}
	if (r->hostname != NULL)
		snprintf(r->lease->hostname, sizeof(r->lease->hostname), "%s",
			 r->hostname);
	return r->lease;
}

/* Gives slot i to a client: the previous holder is forgotten. */
static struct lease *
take_slot(struct pool *p, uint32_t i, const uint8_t *id, size_t id_len,
	  const uint8_t mac[6], time_t now)
{
	struct lease *l;

	if (p->slots[i].lease != NULL)
		lease_drop(p, p->slots[i].lease);
	forget_client(p, id, id_len, now);
	l = lease_new(p, id, id_len, mac, index_addr(p, i), i);
	if (l == NULL)
		return NULL;
	l->start = now;
	p->slots[i].lease = l;
	return l;
}

/* Whether slot i may go to this client now. */
static bool
slot_available(struct pool *p, uint32_t i, const uint8_t *id, size_t id_len)
{
	struct lease *l = p->slots[i].lease;

	if (p->slots[i].list == SLOT_RESERVED)
		return false;
	if (l != NULL && l->id_len == id_len && !memcmp(l->id, id, id_len))
		return p->slots[i].list != LEASE_DECLINED;
	return p->slots[i].list == LEASE_FREE;
}

struct lease *
pool_offer(struct pool *p, const uint8_t *id, size_t id_len,
	   const uint8_t mac[6], const struct in_addr *requested, time_t now,
	   uint32_t hold)
{
	struct resv *r;
	struct lease *l;
	uint32_t i;

	pool_reap(p, now);
	if ((r = resv_by_mac(p, mac)) != NULL) {
		l = reserved_lease(p, r, id, id_len, now);
		if (l != NULL &&
		    (l->state != LEASE_BOUND || l->expires <= now)) {
			l->state = LEASE_OFFERED;
			l->expires = now + hold;
		}
		return l;
	}
	l = *hash_slot(p, id, id_len);
	if (l != NULL && l->slot != POOL_NONE &&
	    slot_available(p, l->slot, id, id_len)) {
		i = l->slot;
	} else if (requested != NULL &&
		   (i = addr_index(p, *requested)) != POOL_NONE &&
		   slot_available(p, i, id, id_len)) {
		/* the requested address is free */
	} else if ((i = p->lists[LEASE_FREE].head) == POOL_NONE) {
		return NULL;
	}
	l = p->slots[i].lease;
	if (l == NULL || l->id_len != id_len || memcmp(l->id, id, id_len))
		l = take_slot(p, i, id, id_len, mac, now);
	if (l == NULL)
		return NULL;
	memcpy(l->mac, mac, 6);
	if (l->state != LEASE_BOUND || l->expires <= now)
		slot_move(p, i, LEASE_OFFERED, now + hold);
	return l;
}

static enum pool_verdict
bind_lease(struct pool *p, struct lease *l, const uint8_t mac[6], time_t now,
	   uint32_t lease_time, struct lease **out)
{
	memcpy(l->mac, mac, 6);
	l->start = now;
	if (l->slot != POOL_NONE) {
		slot_move(p, l->slot, LEASE_BOUND, now + lease_time);
	} else {
		l->state = LEASE_BOUND;
		l->expires = now + lease_time;
	}
	*out = l;
	return POOL_ACK;
}

enum pool_verdict
pool_request(struct pool *p, const uint8_t *id, size_t id_len,
	     const uint8_t mac[6], struct in_addr addr, bool may_take,
	     time_t now, uint32_t lease_time, struct lease **out)
{
	struct resv *r;
	struct lease *l;
	uint32_t i;

	*out = NULL;
	pool_reap(p, now);
	if ((r = resv_by_mac(p, mac)) != NULL) {
		if (r->addr.s_addr != addr.s_addr)
			return POOL_NAK;
		l = reserved_lease(p, r, id, id_len, now);
		if (l == NULL)
			return POOL_UNKNOWN;
		return bind_lease(p, l, mac, now, lease_time, out);
	}
	if (resv_by_addr(p, addr) != NULL)
		return POOL_NAK; /* reserved for someone else */
	l = *hash_slot(p, id, id_len);
	if (l != NULL && l->addr.s_addr == addr.s_addr &&
	    l->slot != POOL_NONE && slot_available(p, l->slot, id, id_len))
		return bind_lease(p, l, mac, now, lease_time, out);
	if ((i = addr_index(p, addr)) == POOL_NONE)
		return POOL_NAK;
	if (!slot_available(p, i, id, id_len))
		return POOL_NAK; /* someone else's */
	if (may_take) {
		l = take_slot(p, i, id, id_len, mac, now);
		if (l == NULL)
			return POOL_UNKNOWN;
		return bind_lease(p, l, mac, now, lease_time, out);
	}
	return l != NULL ? POOL_NAK : POOL_UNKNOWN;
}

/* The client's lease on addr, if it holds one. */
static struct lease *
client_lease(struct pool *p, const uint8_t *id, size_t id_len,
	     const uint8_t mac[6], struct in_addr addr)
{
	struct lease *l = pool_find(p, id, id_len, mac);

	if (l == NULL || l->addr.s_addr != addr.s_addr ||
	    (l->state != LEASE_BOUND && l->state != LEASE_OFFERED))
		return NULL;
	return l;
}

struct lease *
pool_release(struct pool *p, const uint8_t *id, size_t id_len,
	     const uint8_t mac[6], struct in_addr addr, time_t now)
{
	struct lease *l = client_lease(p, id, id_len, mac, addr);

	if (l == NULL)
		return NULL;
	if (l->slot != POOL_NONE) {
		slot_move(p, l->slot, LEASE_FREE, now);
	} else {
		l->state = LEASE_FREE;
		l->expires = now;
	}
	return l;
}

struct lease *
pool_decline(struct pool *p, const uint8_t *id, size_t id_len,
	     const uint8_t mac[6], struct in_addr addr, time_t now,
	     uint32_t secs)
{
	struct lease *l = client_lease(p, id, id_len, mac, addr);

	if (l == NULL)
		return NULL;
	if (l->slot == POOL_NONE) { /* a reservation stays its owner's */
		l->state = LEASE_DECLINED;
		l->expires = now + secs;
		return l;
	}
	hash_unlink(p, l); /* the client gets another address */
	slot_move(p, l->slot, LEASE_DECLINED, now + secs);
	return l;
}

void
pool_cancel_offer(struct pool *p, const uint8_t *id, size_t id_len,
		  const uint8_t mac[6], time_t now)
{
	struct lease *l = pool_find(p, id, id_len, mac);

	if (l == NULL || l->state != LEASE_OFFERED)
		return;
	if (l->slot != POOL_NONE) {
		slot_move(p, l->slot, LEASE_FREE, now);
	} else {
		l->state = LEASE_FREE;
		l->expires = now;
	}
}

static void
restore_copy(struct lease *dst, const struct lease *src)
{
	dst->start = src->start;
	dst->expires = src->expires;
	memcpy(dst->mac, src->mac, 6);
	memcpy(dst->hostname, src->hostname, sizeof(dst->hostname));
}

int
pool_restore(struct pool *p, const struct lease *src, time_t now)
{
	enum lease_state st = src->state;
	struct resv *r;
	struct lease *l;
	uint32_t i;

	if (st == LEASE_OFFERED || src->expires <= now)
		st = LEASE_FREE;
	if ((r = resv_by_addr(p, src->addr)) != NULL) {
		if (memcmp(r->mac, src->mac, 6) != 0)
			return -1;
		l = reserved_lease(p, r, src->id, src->id_len, now);
		if (l == NULL)
			return -1;
		restore_copy(l, src);
		l->state = st;
		return 0;
	}
	if ((i = addr_index(p, src->addr)) == POOL_NONE ||
	    p->slots[i].list == SLOT_RESERVED)
		return -1;
	if (st == LEASE_DECLINED) {
		/*
		 * Not the client's lease any more: its current one (maybe
		 * restored earlier, compaction writes in slot order) stays.
		 */
		if (p->slots[i].lease != NULL)
			lease_drop(p, p->slots[i].lease);
		l = lease_alloc(src->id, src->id_len, src->mac, src->addr, i);
		p->slots[i].lease = l;
	} else {
		l = take_slot(p, i, src->id, src->id_len, src->mac, now);
	}
	if (l == NULL)
		return -1;
	restore_copy(l, src);
	slot_move(p, i, st, st == LEASE_FREE ? now : src->expires);
	l->expires = src->expires;
	return 0;
}

void
pool_foreach(struct pool *p, void (*fn)(const struct lease *, void *),
	     void *arg)
{
	size_t i, k;
	uint32_t j;

	/*
	 * List by list, in list order: pool_restore() of the leases in this
	 * order inserts each at its list's tail, so a journal compacted
	 * from it replays in linear time (in slot order, expiries come
	 * shuffled and every insertion walks its list).
	 */
	for (k = 0; k < POOL_LISTS; k++) {
		for (j = p->lists[k].head; j != POOL_NONE;
		     j = p->slots[j].next) {
			if (p->slots[j].lease != NULL)
				fn(p->slots[j].lease, arg);
		}
	}
	for (i = 0; i < p->nresv; i++) {
		if (p->resv[i].lease != NULL)
			fn(p->resv[i].lease, arg);
	}
}
