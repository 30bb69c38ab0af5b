/* local: names answered from the configuration; see local.h. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "local.h"

#define LOCAL_MIN_INDEX 16 /* hash slots, at least; a power of 2 */

struct local_rr {
	uint32_t name_off;  /* into bytes: wire name, lowercase */
	uint32_t rdata_off; /* into bytes */
	uint16_t type;
	uint16_t rdlen;
	uint8_t name_len;
};

struct local_domain {
	uint8_t name[DNS_MAX_NAME];
	uint8_t name_len;
};

struct local_zone {
	struct local_rr *rrs;
	size_t count, cap;
	uint8_t *bytes; /* names and RDATA of every RR */
	size_t blen, bcap;
	uint32_t *index; /* rr index + 1; 0: empty (linear probing) */
	size_t index_size;
	struct local_domain *domains;
	size_t domains_count;
};

static uint32_t
local_hash(const uint8_t *name, size_t len)
{
	uint32_t h = 2166136261u;
	size_t i;

	for (i = 0; i < len; i++) {
		uint8_t c = name[i];

		if (c >= 'A' && c <= 'Z')
			c = (uint8_t)(c + ('a' - 'A'));
		h = (h ^ c) * 16777619u;
	}
	return h ^ (h >> 16);
}

static const uint8_t *
local_name(const struct local_zone *z, const struct local_rr *rr)
{
	return z->bytes + rr->name_off;
}

/* The next RR named `name` along its probe run from *pos; NULL at the end. */
static const struct local_rr *
local_next(const struct local_zone *z, const uint8_t *name, size_t len,
	   size_t *pos)
{
	size_t mask = z->index_size - 1;

	while (z->index[*pos] != 0) {
		const struct local_rr *rr = &z->rrs[z->index[*pos] - 1];

		*pos = (*pos + 1) & mask;
		if (dns_name_equal(local_name(z, rr), rr->name_len, name, len))
			return rr;
	}
	return NULL;
}

static size_t
local_start(const struct local_zone *z, const uint8_t *name, size_t len)
{
	return local_hash(name, len) & (z->index_size - 1);
}

static void
local_index_put(struct local_zone *z, size_t i)
{
	const struct local_rr *rr = &z->rrs[i];
	size_t pos = local_start(z, local_name(z, rr), rr->name_len);

	while (z->index[pos] != 0)
		pos = (pos + 1) & (z->index_size - 1);
	z->index[pos] = (uint32_t)(i + 1);
}

/* Keeps the index at most half full. */
static int
local_index_grow(struct local_zone *z)
{
	size_t size = z->index_size, i;
	uint32_t *n;

	if ((z->count + 1) * 2 <= size)
		return 0;
	size = size == 0 ? LOCAL_MIN_INDEX : size * 2;
	n = calloc(size, sizeof(*n));
	if (n == NULL)
		return -1;
	free(z->index);
	z->index = n;
	z->index_size = size;
	for (i = 0; i < z->count; i++)
		local_index_put(z, i);
	return 0;
}

static int
local_bytes(struct local_zone *z, const uint8_t *p, size_t len, uint32_t *off)
{
	if (z->blen + len > z->bcap) {
		size_t cap = z->bcap == 0 ? 4096 : z->bcap * 2;
		uint8_t *n;

		while (cap < z->blen + len)
			cap *= 2;
		n = realloc(z->bytes, cap);
		if (n == NULL)
			return -1;
		z->bytes = n;
		z->bcap = cap;
	}
	memcpy(z->bytes + z->blen, p, len);
	*off = (uint32_t)z->blen;
	z->blen += len;
	return 0;
}

static int
local_push(struct local_zone *z, const uint8_t *name, size_t nlen,
	   uint16_t type, const uint8_t *rdata, size_t rdlen)
{
	struct local_rr *rr;

	if (z->count >= LOCAL_MAX_RRS) {
		errno = E2BIG;
		return -1;
	}
	if (z->count == z->cap) {
		size_t cap = z->cap == 0 ? 16 : z->cap * 2;
		struct local_rr *n = realloc(z->rrs, cap * sizeof(*n));

		if (n == NULL)
			return -1;
		z->rrs = n;
		z->cap = cap;
	}
	if (local_index_grow(z) == -1)
		return -1;
	rr = &z->rrs[z->count];
	rr->type = type;
	rr->rdlen = (uint16_t)rdlen;
	rr->name_len = (uint8_t)nlen;
	if (local_bytes(z, name, nlen, &rr->name_off) == -1 ||
	    local_bytes(z, rdata, rdlen, &rr->rdata_off) == -1)
		return -1;
	dns_name_lower(z->bytes + rr->name_off, nlen);
	local_index_put(z, z->count++);
	return 0;
}

static bool
local_has(const struct local_zone *z, const uint8_t *name, size_t nlen,
	  uint16_t type)
{
	size_t pos = local_start(z, name, nlen);
	const struct local_rr *rr;

	while ((rr = local_next(z, name, nlen, &pos)) != NULL) {
		if (rr->type == type)
			return true;
	}
	return false;
}

/* RFC 1035 3.5 and RFC 3596 2.5: the reverse name of an address. */
static int
local_reverse_name(const struct net_addr *a, uint8_t *out)
{
	char text[80];
	size_t o = 0;
	int i;

	if (a->family == AF_INET) {
		const uint8_t *b = (const uint8_t *)&a->v4;

		snprintf(text, sizeof(text), "%u.%u.%u.%u.in-addr.arpa", b[3],
			 b[2], b[1], b[0]);
	} else {
		static const char hex[] = "0123456789abcdef";

		for (i = 15; i >= 0; i--) {
			text[o++] = hex[a->v6.s6_addr[i] & 0xf];
			text[o++] = '.';
			text[o++] = hex[a->v6.s6_addr[i] >> 4];
			text[o++] = '.';
		}
		memcpy(text + o, "ip6.arpa", 9);
	}
	return dns_name_from_text(text, out, DNS_MAX_NAME);
}

/* An A or AAAA for name, and its PTR unless one exists. */
static int
local_push_addr(struct local_zone *z, const uint8_t *name, size_t nlen,
		const struct net_addr *a)
{
	uint8_t rev[DNS_MAX_NAME];
	int rlen;

	if (a->family == AF_INET) {
		if (local_push(z, name, nlen, DNS_TYPE_A,
			       (const uint8_t *)&a->v4, 4) == -1)
			return -1;
	} else if (local_push(z, name, nlen, DNS_TYPE_AAAA, a->v6.s6_addr,
			      16) == -1) {
		return -1;
	}
	rlen = local_reverse_name(a, rev);
	if (rlen < 0 || local_has(z, rev, (size_t)rlen, DNS_TYPE_PTR))
		return 0;
	return local_push(z, rev, (size_t)rlen, DNS_TYPE_PTR, name, nlen);
}

/*
 * MX (RFC 1035 3.3.9): preference, exchange.  SRV (RFC 2782): priority,
 * weight, port, target, whose name is never compressed.
 */
static int
local_add_fields(struct local_zone *z, const uint8_t *name, size_t nlen,
		 const struct config_record *r)
{
	uint8_t rd[6 + DNS_MAX_NAME];
	size_t off = 2;
	int tl;

	dns_put16(rd, r->priority);
	if (r->type == CONFIG_RR_SRV) {
		dns_put16(rd + 2, r->weight);
		dns_put16(rd + 4, r->port);
		off = 6;
	}
	tl = dns_name_from_text(r->target, rd + off, sizeof(rd) - off);
	if (tl < 0)
		return 0;
	return local_push(z, name, nlen, (uint16_t)r->type, rd,
			  off + (size_t)tl);
}

static int
local_add_record(struct local_zone *z, const struct config_record *r)
{
	uint8_t name[DNS_MAX_NAME], rd[DNS_MAX_NAME + 1];
	int n = dns_name_from_text(r->name, name, sizeof(name)), rl;

	if (n < 0)
		return 0;
	switch (r->type) {
	case CONFIG_RR_A:
	case CONFIG_RR_AAAA:
		return 0; /* after the others, so a configured PTR wins */
	case CONFIG_RR_CNAME:
	case CONFIG_RR_PTR:
		rl = dns_name_from_text(r->target, rd, sizeof(rd));
		if (rl < 0)
			return 0;
		return local_push(z, name, (size_t)n, (uint16_t)r->type, rd,
				  (size_t)rl);
	case CONFIG_RR_MX:
	case CONFIG_RR_SRV:
		return local_add_fields(z, name, (size_t)n, r);
	case CONFIG_RR_TXT:
		rl = (int)strlen(r->target);
		if (rl > 255)
			return 0;
		rd[0] = (uint8_t)rl;
		memcpy(rd + 1, r->target, (size_t)rl);
		return local_push(z, name, (size_t)n, DNS_TYPE_TXT, rd,
				  (size_t)rl + 1);
	}
	return 0;
}

static int
local_add_records(struct local_zone *z, const struct config_dns *cfg)
{
	uint8_t name[DNS_MAX_NAME];
	size_t i;
	int n;

	for (i = 0; i < cfg->records_count; i++) {
		if (local_add_record(z, &cfg->records[i]) == -1)
			return -1;
	}
	for (i = 0; i < cfg->records_count; i++) {
		const struct config_record *r = &cfg->records[i];

		if (r->type != CONFIG_RR_A && r->type != CONFIG_RR_AAAA)
			continue;
		n = dns_name_from_text(r->name, name, sizeof(name));
		if (n > 0 &&
		    local_push_addr(z, name, (size_t)n, &r->addr) == -1)
			return -1;
	}
	return 0;
}

/* A host name as hosts(5) allows: letters, digits, '-', '_' and dots. */
static bool
local_host_name(const char *s)
{
	for (; *s != '\0'; s++) {
		if (!isalnum((unsigned char)*s) && *s != '-' && *s != '.' &&
		    *s != '_')
			return false;
	}
	return true;
}

/* "ADDRESS NAME [ALIAS...]  # comment"; returns 0, 1 if malformed, -1. */
static int
local_hosts_line(struct local_zone *z, char *line)
{
	uint8_t name[DNS_MAX_NAME];
	struct net_addr a;
	char *save = NULL, *tok, *hash = strchr(line, '#');
	int n, names = 0;

	if (hash != NULL)
		*hash = '\0';
	tok = strtok_r(line, " \t\r\n", &save);
	if (tok == NULL)
		return 0;
	if (net_parse_addr(tok, &a) == -1)
		return 1;
	while ((tok = strtok_r(NULL, " \t\r\n", &save)) != NULL) {
		if (!local_host_name(tok) ||
		    (n = dns_name_from_text(tok, name, sizeof(name))) < 0)
			return 1;
		if (local_push_addr(z, name, (size_t)n, &a) == -1)
			return -1;
		names++;
	}
	return names > 0 ? 0 : 1;
}

static int
local_load_hosts(struct local_zone *z, const char *path, size_t *bad, char *err,
		 size_t errlen)
{
	FILE *f = fopen(path, "re");
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	int r = 0;

	if (f == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	while (r != -1 && (len = getline(&line, &cap, f)) != -1) {
		if (len > LOCAL_MAX_LINE) {
			(*bad)++;
			continue;
		}
		r = local_hosts_line(z, line);
		if (r == 1)
			(*bad)++;
	}
	if (r == -1)
		snprintf(err, errlen, "%s: %s", path,
			 errno == E2BIG ? "too many names" : strerror(errno));
	free(line);
	fclose(f);
	return r == -1 ? -1 : 0;
}

struct local_zone *
local_new(const struct config_dns *cfg, size_t *bad_lines, char *err,
	  size_t errlen)
{
	struct local_zone *z = calloc(1, sizeof(*z));
	size_t i;

	*bad_lines = 0;
	if (z == NULL || local_index_grow(z) == -1 ||
	    (z->domains = calloc(cfg->local_domains_count + 1,
				 sizeof(*z->domains))) == NULL ||
	    local_add_records(z, cfg) == -1) {
		snprintf(err, errlen, "local records: %s", strerror(ENOMEM));
		local_free(z);
		return NULL;
	}
	if (cfg->hosts_file != NULL &&
	    local_load_hosts(z, cfg->hosts_file, bad_lines, err, errlen) ==
		    -1) {
		local_free(z);
		return NULL;
	}
	for (i = 0; i < cfg->local_domains_count; i++) {
		struct local_domain *d = &z->domains[z->domains_count];
		int n = dns_name_from_text(cfg->local_domains[i], d->name,
					   DNS_MAX_NAME);

		if (n > 0) {
			d->name_len = (uint8_t)n;
			z->domains_count++;
		}
	}
	return z;
}

void
local_free(struct local_zone *z)
{
	if (z == NULL)
		return;
	free(z->rrs);
	free(z->bytes);
	free(z->index);
	free(z->domains);
	free(z);
}

size_t
local_count(const struct local_zone *z)
{
	return z->count;
}

static bool
local_in_domain(const struct local_zone *z, const uint8_t *name, size_t len)
{
	size_t i;

	for (i = 0; i < z->domains_count; i++) {
		if (dns_name_under(name, len, z->domains[i].name,
				   z->domains[i].name_len))
			return true;
	}
	return false;
}

/*
 * Appends the RRs of `name` matching qtype (a CNAME otherwise), owned by
 * the question (first round) or by `name`.  Returns the new length, -1 on
 * no room; *cname receives a CNAME to follow, or NULL.
 */
static int
local_append(const struct local_zone *z, const uint8_t *name, size_t nlen,
	     uint16_t qtype, bool first, uint8_t *out, size_t len,
	     size_t outlen, const struct local_rr **cname)
{
	size_t pos = local_start(z, name, nlen);
	const struct local_rr *rr;
	int n = (int)len;
	bool any = false;

	*cname = NULL;
	while (n >= 0 && (rr = local_next(z, name, nlen, &pos)) != NULL) {
		const uint8_t *rd = z->bytes + rr->rdata_off;

		if (rr->type == qtype || qtype == DNS_TYPE_ANY)
			any = true;
		else if (rr->type == DNS_TYPE_CNAME)
			*cname = rr;
		else
			continue;
		n = first ? dns_rr_append(out, (size_t)n, outlen, DNS_HDR_LEN,
					  rr->type, LOCAL_TTL, rd, rr->rdlen)
			  : dns_rr_append_named(out, (size_t)n, outlen, name,
						nlen, rr->type, LOCAL_TTL, rd,
						rr->rdlen);
	}
	if (any)
		*cname = NULL;
	return n;
}

int
local_answer(const struct local_zone *z, const struct dns_msg *q, uint8_t *out,
	     size_t outlen)
{
	const struct local_rr *cname;
	const uint8_t *name = q->q.name;
	size_t nlen = q->q.name_len, pos;
	unsigned hops;
	int n;

	if (q->q.qclass != DNS_CLASS_IN)
		return 0;
	pos = local_start(z, name, nlen);
	if (local_next(z, name, nlen, &pos) == NULL) {
		if (!local_in_domain(z, name, nlen))
			return 0;
		return dns_reply_start(q, DNS_FLAG_AA, DNS_RCODE_NXDOMAIN, out,
				       outlen);
	}
	n = dns_reply_start(q, DNS_FLAG_AA, DNS_RCODE_NOERROR, out, outlen);
	for (hops = 0; n > 0 && hops < LOCAL_MAX_CHAIN; hops++) {
		n = local_append(z, name, nlen, q->q.qtype, hops == 0, out,
				 (size_t)n, outlen, &cname);
		if (cname == NULL || q->q.qtype == DNS_TYPE_CNAME)
			break;
		name = z->bytes + cname->rdata_off;
		nlen = cname->rdlen;
		pos = local_start(z, name, nlen);
		if (local_next(z, name, nlen, &pos) == NULL)
			break;
	}
	return n;
}

int
local_answer_fit(const struct local_zone *z, const struct dns_msg *q,
		 uint8_t *out, size_t outlen, size_t limit)
{
	/* Our question is the uncompressed name: it ends here, not at the
	 * client's question_end, which counts the client's own pointers. */
	size_t qend = DNS_HDR_LEN + (size_t)q->q.name_len + 4;
	int n = local_answer(z, q, out, outlen);

	if (n == 0 || (n > 0 && (size_t)n <= limit))
		return n;
	if (limit < qend)
		return -1;
	n = dns_reply_start(q, DNS_FLAG_AA | DNS_FLAG_TC, DNS_RCODE_NOERROR,
			    out, outlen);
	return n;
}
