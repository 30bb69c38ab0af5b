/*
 * libFuzzer target for dnsfwd's message handling: the parser (header,
 * question with decompression, OPT), the TTL walk the cache relies on,
 * storing the bytes as an upstream answer and answering a hit from them,
 * local answers, reply building and rewriting the (extended) RCODE.  Anything may be rejected; nothing
 * may crash, hang, leak or read out of bounds.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "cache.h"
#include "dns_wire.h"
#include "local.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct cache_limits fuzz_limits = {
	.min_ttl = 0,
	.max_ttl = 86400,
	.neg_max_ttl = 3600,
	.servfail_ttl = 5,
	.stale_ttl = 60,
};

static void
fuzz_cache(const struct dns_msg *m, const uint8_t *data, size_t size)
{
	static struct cache *c;
	static uint32_t now;
	static uint8_t out[DNS_MAX_MSG];
	struct cache_key k = {
		.name = m->q.name,
		.name_len = m->q.name_len,
		.qtype = m->q.qtype,
		.qclass = m->q.qclass,
		.flags = (m->edns_flags & DNS_EDNS_DO) ? CACHE_KEY_DO : 0,
	};
	const struct cache_entry *e;

	if (c == NULL)
		c = cache_new(64, &fuzz_limits);
	if (c == NULL)
		return;
	cache_key_hash(&k);
	cache_store(c, &k, data, size, now);
	e = cache_lookup(c, &k, now + (size & 7), (size & 1) != 0);
	if (e != NULL)
		cache_answer(e, 0x1234, m->q.name, now + (size & 7), out,
			     sizeof(out));
	now++;
}

static void
fuzz_local(const struct dns_msg *m)
{
	static struct local_zone *z;
	static uint8_t out[DNS_MAX_MSG];
	char err[LOCAL_ERRLEN];
	size_t bad;

	if (z == NULL) {
		static char name[] = "gw.lab.test", target[] = "gw.lab.test",
			    alias[] = "alias.lab.test", dom[] = "lab.test";
		static char *doms[] = {dom};
		static struct config_record recs[2];
		static struct config_dns cfg;

		recs[0].name = name;
		recs[0].type = CONFIG_RR_A;
		recs[0].addr.family = AF_INET;
		recs[0].addr.v4.s_addr = htonl(0xc00002fe);
		recs[1].name = alias;
		recs[1].type = CONFIG_RR_CNAME;
		recs[1].target = target;
		cfg.records = recs;
		cfg.records_count = 2;
		cfg.local_domains = doms;
		cfg.local_domains_count = 1;
		z = local_new(&cfg, &bad, err, sizeof(err));
		if (z == NULL)
			return;
	}
	local_answer(z, m, out, sizeof(out));
	local_answer(z, m, out, 40);
}

/* A relayed answer's RCODE, header and OPT, rewritten in a copy. */
static void
fuzz_rcode(const struct dns_msg *m, const uint8_t *data, size_t size)
{
	static uint8_t copy[DNS_MAX_MSG];
	struct dns_msg r;

	memcpy(copy, data, size);
	if (dns_msg_set_rcode(copy, size, dns_msg_rcode(m) ^ (size & 0xfff)) ==
	    0)
		dns_msg_parse(copy, size, &r);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint16_t offs[16];
	struct dns_ttl_scan s = {.offsets = offs, .max = 16};
	struct dns_msg m;
	uint8_t out[600];
	char text[1100];
	int n;

	if (size > DNS_MAX_MSG)
		return 0;
	dns_ttl_scan(data, size, &s);
	if (dns_msg_parse(data, size, &m) != DNS_OK)
		return 0;
	dns_name_to_text(m.q.name, m.q.name_len, text, sizeof(text));
	n = dns_reply_start(&m, 0, DNS_RCODE_SERVFAIL, out, sizeof(out));
	if (n > 0)
		dns_opt_append(out, (size_t)n, sizeof(out), DNS_EDNS_UDP, true);
	fuzz_local(&m);
	fuzz_cache(&m, data, size);
	fuzz_rcode(&m, data, size);
	return 0;
}
