/*
 * cache: hits rewrite the ID and question case and age the TTLs; TTL
 * clamps; negative answers per RFC 2308; SERVFAIL briefly; LRU eviction
 * at the bound; the DO bit splits entries; serve-stale; the prefetch
 * decision (near expiry, once per entry).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "cache.h"
#include "dns_wire.h"

static const struct cache_limits limits = {
	.min_ttl = 0,
	.max_ttl = 86400,
	.neg_max_ttl = 3600,
	.servfail_ttl = 5,
	.stale_ttl = 0,
};

/* An answer for `name` (text) with one A record of `ttl` and an OPT. */
static size_t
make_answer(const char *name, uint16_t rcode, uint32_t ttl, uint8_t *out)
{
	struct dns_msg m;
	uint8_t q[600];
	static const uint8_t addr[4] = {192, 0, 2, 7};
	int n, nl;

	memset(q, 0, DNS_HDR_LEN);
	q[5] = 1;
	nl = dns_name_from_text(name, q + DNS_HDR_LEN, DNS_MAX_NAME);
	assert_true(nl > 0);
	dns_put16(q + DNS_HDR_LEN + nl, DNS_TYPE_A);
	dns_put16(q + DNS_HDR_LEN + nl + 2, DNS_CLASS_IN);
	assert_int_equal(dns_msg_parse(q, DNS_HDR_LEN + (size_t)nl + 4, &m),
			 DNS_OK);
	n = dns_reply_start(&m, 0, rcode, out, 600);
	if (rcode == DNS_RCODE_NOERROR)
		n = dns_rr_append(out, (size_t)n, 600, 12, DNS_TYPE_A, ttl,
				  addr, 4);
	n = dns_opt_append(out, (size_t)n, 600, 1232, false);
	assert_true(n > 0);
	return (size_t)n;
}

/* Appends an SOA to the authority section (TTL, MINIMUM). */
static size_t
add_soa(uint8_t *msg, size_t len, uint32_t ttl, uint32_t minimum)
{
	uint8_t *p;

	/* Drop the OPT (last 11 octets) to keep sections in order. */
	len -= 11;
	dns_put16(msg + 10, 0);
	p = msg + len;
	p[0] = 0xc0;
	p[1] = 12;
	dns_put16(p + 2, DNS_TYPE_SOA);
	dns_put16(p + 4, DNS_CLASS_IN);
	dns_put32(p + 6, ttl);
	dns_put16(p + 10, 22);
	p[12] = 0;
	p[13] = 0;
	memset(p + 14, 0, 16);
	dns_put32(p + 30, minimum);
	dns_put16(msg + 8, 1);
	return len + 34;
}

static struct cache_key
key_for(const uint8_t *msg, uint8_t flags)
{
	struct cache_key k = {
		.name = msg + DNS_HDR_LEN,
		.qtype = DNS_TYPE_A,
		.qclass = DNS_CLASS_IN,
		.flags = flags,
	};
	size_t off = DNS_HDR_LEN;

	assert_int_equal(dns_name_read(msg, 600, &off, NULL, &k.name_len),
			 DNS_OK);
	cache_key_hash(&k);
	return k;
}

static uint32_t
answer_ttl(const uint8_t *msg)
{
	/* header 12, question, then pointer(2) type class: TTL after. */
	size_t off = DNS_HDR_LEN;

	dns_name_read(msg, 600, &off, NULL, NULL);
	return dns_get32(msg + off + 4 + 6);
}

static void
test_hit_ages_ttl_and_rewrites(void **state)
{
	struct cache *c = cache_new(10, &limits);
	uint8_t msg[600], out[600];
	struct cache_key k;
	const struct cache_entry *e;
	struct dns_msg m;
	size_t len = make_answer("Www.Example.org", 0, 300, msg), n;
	static const uint8_t upper[] = "\003WWW\007EXAMPLE\003ORG";

	(void)state;
	k = key_for(msg, 0);
	assert_int_equal(cache_store(c, &k, msg, len, 1000), 1);
	e = cache_lookup(c, &k, 1100, false);
	assert_non_null(e);
	n = cache_answer(e, 0x4242, upper, 1100, out, sizeof(out));
	assert_int_equal(n, len - 11); /* OPT removed */
	assert_int_equal(dns_msg_parse(out, n, &m), DNS_OK);
	assert_int_equal(m.id, 0x4242);
	assert_memory_equal(m.q.name, upper, sizeof(upper));
	assert_int_equal(answer_ttl(out), 200);
	/* Too small a buffer is refused. */
	assert_int_equal(cache_answer(e, 1, upper, 1100, out, 10), 0);
	/* Expired at stored + TTL. */
	assert_null(cache_lookup(c, &k, 1300, false));
	cache_free(c);
}

static void
test_case_insensitive_key(void **state)
{
	struct cache *c = cache_new(10, &limits);
	uint8_t a[600], b[600];
	struct cache_key ka, kb;
	size_t len = make_answer("www.example.org", 0, 60, a);

	(void)state;
	make_answer("WWW.EXAMPLE.ORG", 0, 60, b);
	ka = key_for(a, 0);
	kb = key_for(b, 0);
	assert_int_equal(ka.hash, kb.hash);
	assert_int_equal(cache_store(c, &ka, a, len, 0), 1);
	assert_non_null(cache_lookup(c, &kb, 1, false));
	cache_free(c);
}

static void
test_do_bit_splits(void **state)
{
	struct cache *c = cache_new(10, &limits);
	uint8_t msg[600];
	struct cache_key k0, k1;
	size_t len = make_answer("a.example", 0, 60, msg);

	(void)state;
	k0 = key_for(msg, 0);
	k1 = key_for(msg, CACHE_KEY_DO);
	assert_int_equal(cache_store(c, &k0, msg, len, 0), 1);
	assert_non_null(cache_lookup(c, &k0, 1, false));
	assert_null(cache_lookup(c, &k1, 1, false));
	cache_free(c);
}

static void
test_ttl_clamps(void **state)
{
	struct cache_limits lim = limits;
	struct cache *c;
	uint8_t msg[600], out[600];
	struct cache_key k;
	const struct cache_entry *e;
	size_t len;

	(void)state;
	lim.min_ttl = 100;
	lim.max_ttl = 1000;
	c = cache_new(10, &lim);
	len = make_answer("low.example", 0, 5, msg);
	k = key_for(msg, 0);
	assert_int_equal(cache_store(c, &k, msg, len, 0), 1);
	e = cache_lookup(c, &k, 50, false);
	assert_non_null(e);
	cache_answer(e, 1, k.name, 50, out, sizeof(out));
	assert_int_equal(answer_ttl(out), 50);
	len = make_answer("high.example", 0, 999999, msg);
	k = key_for(msg, 0);
	assert_int_equal(cache_store(c, &k, msg, len, 0), 1);
	e = cache_lookup(c, &k, 0, false);
	cache_answer(e, 1, k.name, 0, out, sizeof(out));
	assert_int_equal(answer_ttl(out), 1000);
	assert_null(cache_lookup(c, &k, 1000, false));
	cache_free(c);
}

static void
test_negative_uses_soa_minimum(void **state)
{
	struct cache *c = cache_new(10, &limits);
	uint8_t msg[600];
	struct cache_key k;
	size_t len = make_answer("nx.example", DNS_RCODE_NXDOMAIN, 0, msg);

	(void)state;
	k = key_for(msg, 0);
	/* Without an SOA: not cached (RFC 2308 5). */
	assert_int_equal(cache_store(c, &k, msg, len, 0), 0);
	len = add_soa(msg, len, 600, 120);
	assert_int_equal(cache_store(c, &k, msg, len, 0), 1);
	assert_non_null(cache_lookup(c, &k, 119, false));
	assert_null(cache_lookup(c, &k, 120, false));
	/* SOA TTL below MINIMUM wins. */
	len = make_answer("nx.example", DNS_RCODE_NXDOMAIN, 0, msg);
	len = add_soa(msg, len, 30, 120);
	assert_int_equal(cache_store(c, &k, msg, len, 0), 1);
	assert_non_null(cache_lookup(c, &k, 29, false));
	assert_null(cache_lookup(c, &k, 30, false));
	cache_free(c);
}

static void
test_nodata_is_negative(void **state)
{
	struct cache *c = cache_new(10, &limits);
	uint8_t msg[600];
	struct cache_key k;
	size_t len = make_answer("nd.example", DNS_RCODE_NOERROR, 0, msg);

	(void)state;
	/* make_answer added one A; strip it to get NODATA with an SOA. */
	len = make_answer("nd.example", DNS_RCODE_SERVFAIL, 0, msg);
	msg[3] = (uint8_t)(msg[3] & 0xf0);
	k = key_for(msg, 0);
	assert_int_equal(cache_store(c, &k, msg, len, 0), 0);
	len = add_soa(msg, len, 7200, 7200);
	assert_int_equal(cache_store(c, &k, msg, len, 0), 1);
	/* neg_max_ttl caps it at 3600. */
	assert_non_null(cache_lookup(c, &k, 3599, false));
	assert_null(cache_lookup(c, &k, 3600, false));
	cache_free(c);
}

static void
test_servfail_brief_and_refused_never(void **state)
{
	struct cache *c = cache_new(10, &limits);
	uint8_t msg[600];
	struct cache_key k;
	size_t len = make_answer("sf.example", DNS_RCODE_SERVFAIL, 0, msg);

	(void)state;
	k = key_for(msg, 0);
	assert_int_equal(cache_store(c, &k, msg, len, 0), 1);
	assert_non_null(cache_lookup(c, &k, 4, false));
	assert_null(cache_lookup(c, &k, 5, false));
	len = make_answer("sf.example", DNS_RCODE_REFUSED, 0, msg);
	assert_int_equal(cache_store(c, &k, msg, len, 10), 0);
	/* Truncated answers are not kept either. */
	len = make_answer("tc.example", 0, 60, msg);
	msg[2] |= 0x02;
	k = key_for(msg, 0);
	assert_int_equal(cache_store(c, &k, msg, len, 0), 0);
	cache_free(c);
}

static void
test_lru_eviction(void **state)
{
	struct cache *c = cache_new(3, &limits);
	uint8_t msg[4][600];
	struct cache_key k[4];
	struct cache_stats st;
	size_t len;
	char name[32];
	int i;

	(void)state;
	for (i = 0; i < 4; i++) {
		snprintf(name, sizeof(name), "n%d.example", i);
		len = make_answer(name, 0, 60, msg[i]);
		k[i] = key_for(msg[i], 0);
		if (i == 3) /* touch n0 so n1 is the least recently used */
			assert_non_null(cache_lookup(c, &k[0], 1, false));
		assert_int_equal(cache_store(c, &k[i], msg[i], len, 1), 1);
	}
	assert_non_null(cache_lookup(c, &k[0], 2, false));
	assert_null(cache_lookup(c, &k[1], 2, false));
	assert_non_null(cache_lookup(c, &k[2], 2, false));
	assert_non_null(cache_lookup(c, &k[3], 2, false));
	cache_get_stats(c, &st);
	assert_int_equal(st.entries, 3);
	assert_int_equal(st.evictions, 1);
	/* Shrinking the bound evicts down to it. */
	cache_configure(c, 1, &limits);
	cache_get_stats(c, &st);
	assert_int_equal(st.entries, 1);
	assert_non_null(cache_lookup(c, &k[3], 2, false));
	cache_free(c);
}

static void
test_replace_same_key(void **state)
{
	struct cache *c = cache_new(10, &limits);
	uint8_t msg[600], out[600];
	struct cache_key k;
	struct cache_stats st;
	size_t len = make_answer("r.example", 0, 60, msg);

	(void)state;
	k = key_for(msg, 0);
	assert_int_equal(cache_store(c, &k, msg, len, 0), 1);
	len = make_answer("r.example", 0, 500, msg);
	assert_int_equal(cache_store(c, &k, msg, len, 0), 1);
	cache_get_stats(c, &st);
	assert_int_equal(st.entries, 1);
	cache_answer(cache_lookup(c, &k, 0, false), 1, k.name, 0, out,
		     sizeof(out));
	assert_int_equal(answer_ttl(out), 500);
	cache_free(c);
}

static void
test_serve_stale(void **state)
{
	struct cache_limits lim = limits;
	struct cache *c;
	uint8_t msg[600], out[600];
	struct cache_key k;
	const struct cache_entry *e;
	size_t len;

	(void)state;
	lim.stale_ttl = 100;
	c = cache_new(10, &lim);
	len = make_answer("st.example", 0, 10, msg);
	k = key_for(msg, 0);
	assert_int_equal(cache_store(c, &k, msg, len, 0), 1);
	assert_null(cache_lookup(c, &k, 50, false));
	e = cache_lookup(c, &k, 50, true);
	assert_non_null(e);
	cache_answer(e, 1, k.name, 50, out, sizeof(out));
	assert_int_equal(answer_ttl(out), CACHE_STALE_TTL);
	/* Past the staleness bound it is gone. */
	assert_null(cache_lookup(c, &k, 110, true));
	cache_free(c);
}

static void
test_servfail_keeps_stale(void **state)
{
	struct cache_limits lim = limits;
	struct cache *c;
	uint8_t msg[600], fail[600];
	struct cache_key k;
	const struct cache_entry *e;
	size_t len, flen;

	(void)state;
	lim.stale_ttl = 100;
	c = cache_new(10, &lim);
	len = make_answer("sf.example", 0, 10, msg);
	flen = make_answer("sf.example", DNS_RCODE_SERVFAIL, 0, fail);
	k = key_for(msg, 0);
	assert_int_equal(cache_store(c, &k, msg, len, 0), 1);
	/* Expired: the upstream's SERVFAIL must not replace it. */
	assert_int_equal(cache_store(c, &k, fail, flen, 20), 0);
	e = cache_lookup(c, &k, 21, true);
	assert_non_null(e);
	assert_int_equal(cache_entry_rcode(e), DNS_RCODE_NOERROR);
	cache_free(c);
}

static void
test_malformed_not_stored(void **state)
{
	struct cache *c = cache_new(10, &limits);
	uint8_t msg[600];
	struct cache_key k;
	size_t len = make_answer("m.example", 0, 60, msg);

	(void)state;
	k = key_for(msg, 0);
	assert_int_equal(cache_store(c, &k, msg, len - 12, 0), 0);
	assert_int_equal(cache_store(c, &k, msg, 5, 0), 0);
	cache_free(c);
}

/* Large answers: one over CACHE_MAX_ANSWER is not kept; many big ones
 * are evicted to keep the byte budget, whatever the entry count. */
static void
test_memory_bound(void **state)
{
	struct cache *c = cache_new(4, &limits);
	struct cache_stats st;
	uint8_t msg[CACHE_MAX_ANSWER + 600];
	struct cache_key k;
	size_t len, i;
	char name[32];

	(void)state;
	for (i = 0; i < 4; i++) {
		snprintf(name, sizeof(name), "big%zu.example", i);
		len = make_answer(name, 0, 60, msg);
		/* Pad with TXT-like bytes in one more additional RR: an
		 * unknown type with 1500 bytes of RDATA. */
		len -= 11;
		dns_put16(msg + 10, 0);
		msg[len] = 0;
		dns_put16(msg + len + 1, 99);
		dns_put16(msg + len + 3, 1);
		dns_put32(msg + len + 5, 60);
		dns_put16(msg + len + 9, 1500);
		memset(msg + len + 11, 'x', 1500);
		len += 11 + 1500;
		dns_put16(msg + 10, 1);
		k = key_for(msg, 0);
		assert_int_equal(cache_store(c, &k, msg, len, 0), 1);
	}
	cache_get_stats(c, &st);
	assert_true(st.bytes <= 4 * CACHE_BYTES_PER_ENTRY);
	assert_true(st.evictions >= 2);
	/* Over CACHE_MAX_ANSWER: not cached at all. */
	len = make_answer("huge.example", 0, 60, msg);
	len -= 11;
	msg[len] = 0;
	dns_put16(msg + len + 1, 99);
	dns_put16(msg + len + 3, 1);
	dns_put32(msg + len + 5, 60);
	dns_put16(msg + len + 9, CACHE_MAX_ANSWER);
	memset(msg + len + 11, 'y', CACHE_MAX_ANSWER);
	len += 11 + CACHE_MAX_ANSWER;
	k = key_for(msg, 0);
	assert_int_equal(cache_store(c, &k, msg, len, 0), 0);
	cache_free(c);
}

/* The last CACHE_PREFETCH_PERCENT (10%) of a lifetime, at least 1 s. */
static void
test_prefetch_at(void **state)
{
	(void)state;
	assert_int_equal(cache_prefetch_at(1000, 300), 1270);
	assert_int_equal(cache_prefetch_at(1000, 100), 1090);
	assert_int_equal(cache_prefetch_at(1000, 20), 1018);
	/* Rounded up: 0.5 s and 0.1 s windows become the last second. */
	assert_int_equal(cache_prefetch_at(1000, 5), 1004);
	assert_int_equal(cache_prefetch_at(1000, 1), 1000);
	assert_int_equal(cache_prefetch_at(0, 7 * 86400), 7 * 86400 - 60480);
}

/* Due on the first hit near expiry, then not again until replaced. */
static void
test_prefetch_due_once(void **state)
{
	struct cache *c = cache_new(10, &limits);
	uint8_t msg[600];
	struct cache_key k;
	struct cache_entry *e;
	size_t len = make_answer("www.example.org", 0, 100, msg);

	(void)state;
	k = key_for(msg, 0);
	assert_int_equal(cache_store(c, &k, msg, len, 1000), 1);
	e = cache_lookup(c, &k, 1000, false);
	assert_false(cache_prefetch_due(e, 1000));
	e = cache_lookup(c, &k, 1089, false);
	assert_false(cache_prefetch_due(e, 1089));
	e = cache_lookup(c, &k, 1090, false);
	assert_true(cache_prefetch_due(e, 1090));
	/* One refresh per entry: later hits answer without asking again. */
	e = cache_lookup(c, &k, 1095, false);
	assert_false(cache_prefetch_due(e, 1095));
	assert_false(cache_prefetch_due(e, 1099));
	/* The refreshed answer replaces it, with a new window. */
	assert_int_equal(cache_store(c, &k, msg, len, 1096), 1);
	e = cache_lookup(c, &k, 1185, false);
	assert_non_null(e);
	assert_false(cache_prefetch_due(e, 1185));
	assert_true(cache_prefetch_due(e, 1186));
	cache_free(c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hit_ages_ttl_and_rewrites),
		cmocka_unit_test(test_case_insensitive_key),
		cmocka_unit_test(test_do_bit_splits),
		cmocka_unit_test(test_ttl_clamps),
		cmocka_unit_test(test_negative_uses_soa_minimum),
		cmocka_unit_test(test_nodata_is_negative),
		cmocka_unit_test(test_servfail_brief_and_refused_never),
		cmocka_unit_test(test_lru_eviction),
		cmocka_unit_test(test_replace_same_key),
		cmocka_unit_test(test_serve_stale),
		cmocka_unit_test(test_servfail_keeps_stale),
		cmocka_unit_test(test_malformed_not_stored),
		cmocka_unit_test(test_memory_bound),
		cmocka_unit_test(test_prefetch_at),
		cmocka_unit_test(test_prefetch_due_once),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
