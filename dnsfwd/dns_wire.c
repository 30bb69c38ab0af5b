/* dns_wire: the DNS message format; see dns_wire.h. */
#include <string.h>

#include "dns_wire.h"

#define DNS_RR_FIXED  10          /* type, class, TTL, RDLENGTH */
#define DNS_SOA_FIXED 20          /* serial refresh retry expire minimum */
#define DNS_TTL_MAX   0x7fffffffu /* RFC 2181 8: a larger TTL means 0 */

static const char *const dns_err_names[] = {
	[DNS_OK] = "ok",
	[DNS_ERR_SHORT] = "message too short",
	[DNS_ERR_LABEL] = "bad label type",
	[DNS_ERR_NAME_LONG] = "name too long",
	[DNS_ERR_POINTER] = "bad compression pointer",
	[DNS_ERR_NOT_QUERY] = "not exactly one question",
	[DNS_ERR_OPT] = "bad OPT record",
	[DNS_ERR_TOO_MANY] = "too many records",
	[DNS_ERR_SPACE] = "no room",
};

const char *
dns_err_str(enum dns_err e)
{
	if ((size_t)e >= sizeof(dns_err_names) / sizeof(dns_err_names[0]))
		return "unknown error";
	return dns_err_names[e];
}

uint16_t
dns_get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

uint32_t
dns_get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

void
dns_put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

void
dns_put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/*
 * RFC 1035 4.1.4.  Each pointer must point before the start of the run of
 * labels it ends, so the run start strictly decreases and no loop exists;
 * DNS_MAX_PTRS bounds the work anyway.
 */
enum dns_err
dns_name_read(const uint8_t *msg, size_t len, size_t *off, uint8_t *out,
	      uint8_t *out_len)
{
	size_t pos = *off, run_start = *off, after = 0, n = 0;
	unsigned ptrs = 0;
	uint8_t c;

	for (;;) {
		if (pos >= len)
			return DNS_ERR_SHORT;
		c = msg[pos];
		if ((c & 0xc0) == 0xc0) {
			size_t target;

			if (pos + 1 >= len)
				return DNS_ERR_SHORT;
			target = (size_t)(c & 0x3f) << 8 | msg[pos + 1];
			if (target >= run_start || ++ptrs > DNS_MAX_PTRS)
				return DNS_ERR_POINTER;
			if (after == 0)
				after = pos + 2;
			pos = run_start = target;
			continue;
		}
		if ((c & 0xc0) != 0)
			return DNS_ERR_LABEL;
		if (n + 1 + c > DNS_MAX_NAME)
			return DNS_ERR_NAME_LONG;
		if (c == 0)
			break;
		if (c > len - pos - 1)
			return DNS_ERR_SHORT;
		if (out != NULL)
			memcpy(out + n, msg + pos, 1 + (size_t)c);
		n += 1 + (size_t)c;
		pos += 1 + (size_t)c;
	}
	if (out != NULL)
		out[n] = 0;
	n++;
	if (out_len != NULL)
		*out_len = (uint8_t)n;
	*off = after != 0 ? after : pos + 1;
	return DNS_OK;
}

static uint8_t
dns_lower(uint8_t c)
{
	return c >= 'A' && c <= 'Z' ? (uint8_t)(c + ('a' - 'A')) : c;
}

/* Label lengths are compared as bytes too: they are below 'A'. */
bool
dns_name_equal(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
	size_t i;

	if (alen != blen)
		return false;
	for (i = 0; i < alen; i++) {
		if (dns_lower(a[i]) != dns_lower(b[i]))
			return false;
	}
	return true;
}

void
dns_name_lower(uint8_t *name, size_t len)
{
	size_t i = 0;

	while (i < len && name[i] != 0) {
		size_t l = name[i], j;

		for (j = i + 1; j <= i + l && j < len; j++)
			name[j] = dns_lower(name[j]);
		i += l + 1;
	}
}

bool
dns_name_under(const uint8_t *name, size_t len, const uint8_t *zone,
	       size_t zlen)
{
	size_t i = 0;

	/* Walk label boundaries until the remaining suffix has zlen octets. */
	while (i < len && len - i > zlen)
		i += (size_t)name[i] + 1;
	if (i >= len || len - i != zlen)
		return false;
	return dns_name_equal(name + i, zlen, zone, zlen);
}

int
dns_name_from_text(const char *text, uint8_t *out, size_t outlen)
{
	size_t n = 0, tl = strlen(text);
	const char *p = text, *end = text + tl;

	if (tl > 0 && text[tl - 1] == '.')
		end--;
	while (p < end) {
		const char *dot = memchr(p, '.', (size_t)(end - p));
		size_t l = (size_t)((dot != NULL ? dot : end) - p);

		if (l == 0 || l > DNS_MAX_LABEL ||
		    n + 1 + l + 1 > DNS_MAX_NAME || n + 1 + l + 1 > outlen)
			return -1;
		out[n++] = (uint8_t)l;
		memcpy(out + n, p, l);
		n += l;
		p += l + (dot != NULL ? 1 : 0);
	}
	if (n + 1 > outlen)
		return -1;
	out[n++] = 0;
	return (int)n;
}

void
dns_name_to_text(const uint8_t *name, size_t nlen, char *buf, size_t len)
{
	size_t i = 0, o = 0;

	if (len == 0)
		return;
	while (i < nlen && name[i] != 0) {
		size_t l = name[i], j;

		for (j = 1; j <= l && i + j < nlen && o + 2 < len; j++) {
			uint8_t c = name[i + j];

			buf[o++] = (c > 0x20 && c < 0x7f) ? (char)c : '?';
		}
		if (o + 2 < len)
			buf[o++] = '.';
		i += l + 1;
	}
	if (o == 0 && len > 1)
		buf[o++] = '.';
	buf[o] = '\0';
}

/* Skips one RR at *off; reports its type and where its fixed part is. */
static enum dns_err
dns_rr_skip(const uint8_t *msg, size_t len, size_t *off, uint16_t *type,
	    size_t *fixed)
{
	enum dns_err e = dns_name_read(msg, len, off, NULL, NULL);
	uint16_t rdlen;

	if (e != DNS_OK)
		return e;
	if (len - *off < DNS_RR_FIXED)
		return DNS_ERR_SHORT;
	*fixed = *off;
	*type = dns_get16(msg + *off);
	rdlen = dns_get16(msg + *off + 8);
	*off += DNS_RR_FIXED;
	if (len - *off < rdlen)
		return DNS_ERR_SHORT;
	*off += rdlen;
	return DNS_OK;
}

static enum dns_err
dns_header_question(const uint8_t *msg, size_t len, struct dns_msg *m)
{
	size_t off = DNS_HDR_LEN;
	enum dns_err e;

	memset(m, 0, sizeof(*m));
	if (len < DNS_HDR_LEN)
		return DNS_ERR_SHORT;
	m->id = dns_get16(msg);
	m->flags = dns_get16(msg + 2);
	m->qdcount = dns_get16(msg + 4);
	m->ancount = dns_get16(msg + 6);
	m->nscount = dns_get16(msg + 8);
	m->arcount = dns_get16(msg + 10);
	if (m->qdcount != 1)
		return DNS_ERR_NOT_QUERY;
	e = dns_name_read(msg, len, &off, m->q.name, &m->q.name_len);
	if (e != DNS_OK)
		return e;
	if (len - off < 4)
		return DNS_ERR_SHORT;
	m->q.qtype = dns_get16(msg + off);
	m->q.qclass = dns_get16(msg + off + 2);
	m->question_end = off + 4;
	return DNS_OK;
}

/* RFC 6891 6.1: one OPT at most, owned by the root. */
static enum dns_err
dns_opt_take(const uint8_t *msg, size_t start, size_t fixed, size_t end,
	     struct dns_msg *m)
{
	uint32_t ttl;

	if (m->has_edns || fixed != start + 1)
		return DNS_ERR_OPT;
	m->has_edns = true;
	m->edns_udp = dns_get16(msg + fixed + 2);
	if (m->edns_udp < DNS_MIN_UDP)
		m->edns_udp = DNS_MIN_UDP;
	ttl = dns_get32(msg + fixed + 4);
	m->edns_rcode_hi = (uint8_t)(ttl >> 24);
	m->edns_version = (uint8_t)(ttl >> 16);
	m->edns_flags = (uint16_t)ttl;
	m->opt_offset = start;
	m->opt_len = end - start;
	return DNS_OK;
}

enum dns_err
dns_msg_parse(const uint8_t *msg, size_t len, struct dns_msg *m)
{
	size_t off, i, total, fixed, start;
	enum dns_err e;
	uint16_t type;

	e = dns_header_question(msg, len, m);
	if (e != DNS_OK)
		return e;
	off = m->question_end;
	total = (size_t)m->ancount + m->nscount + m->arcount;
	if (total > DNS_MAX_RR_PER_MSG)
		return DNS_ERR_TOO_MANY;
	for (i = 0; i < total; i++) {
		start = off;
		e = dns_rr_skip(msg, len, &off, &type, &fixed);
		if (e != DNS_OK)
			return e;
		if (type != DNS_TYPE_OPT)
			continue;
		if (i < (size_t)m->ancount + m->nscount)
			return DNS_ERR_OPT;
		e = dns_opt_take(msg, start, fixed, off, m);
		if (e != DNS_OK)
			return e;
	}
	return DNS_OK;
}

unsigned
dns_msg_rcode(const struct dns_msg *m)
{
	return (unsigned)m->edns_rcode_hi << 4 | DNS_RCODE(m->flags);
}

int
dns_msg_set_rcode(uint8_t *msg, size_t len, unsigned rcode)
{
	struct dns_msg m;
	size_t ttl;

	if (rcode > 0xfff || dns_msg_parse(msg, len, &m) != DNS_OK)
		return -1;
	if (rcode > 0xf && !m.has_edns)
		return -1;
	dns_put16(msg + 2, (uint16_t)((m.flags & ~0xf) | (rcode & 0xf)));
	if (m.has_edns) {
		/* The OPT's owner is the root: one octet, then type, class. */
		ttl = m.opt_offset + 1 + 4;
		msg[ttl] = (uint8_t)(rcode >> 4);
	}
	return 0;
}

int
dns_reply_start(const struct dns_msg *q, uint16_t extra_flags,
		enum dns_rcode rcode, uint8_t *out, size_t outlen)
{
	size_t n = DNS_HDR_LEN + q->q.name_len + 4;
	uint16_t flags;

	if (outlen < n)
		return -1;
	flags = (uint16_t)(DNS_FLAG_QR | DNS_FLAG_RA | extra_flags |
			   (q->flags & (DNS_FLAG_RD | DNS_FLAG_CD | 0x7800)) |
			   (rcode & 0xf));
	dns_put16(out, q->id);
	dns_put16(out + 2, flags);
	dns_put16(out + 4, 1);
	memset(out + 6, 0, 6);
	memcpy(out + DNS_HDR_LEN, q->q.name, q->q.name_len);
	dns_put16(out + DNS_HDR_LEN + q->q.name_len, q->q.qtype);
	dns_put16(out + DNS_HDR_LEN + q->q.name_len + 2, q->q.qclass);
	return (int)n;
}

int
dns_opt_append(uint8_t *msg, size_t len, size_t outlen, uint16_t udp_size,
	       bool do_bit)
{
	return dns_opt_append_ext(msg, len, outlen, udp_size, do_bit, 0);
}

int
dns_opt_append_ext(uint8_t *msg, size_t len, size_t outlen, uint16_t udp_size,
		   bool do_bit, uint8_t rcode_hi)
{
	uint8_t *p = msg + len;

	if (len < DNS_HDR_LEN || outlen < len || outlen - len < DNS_OPT_LEN)
		return -1;
	p[0] = 0;
	dns_put16(p + 1, DNS_TYPE_OPT);
	dns_put16(p + 3, udp_size);
	dns_put32(p + 5, (uint32_t)rcode_hi << 24 | (do_bit ? DNS_EDNS_DO : 0));
	dns_put16(p + 9, 0);
	dns_put16(msg + 10, (uint16_t)(dns_get16(msg + 10) + 1));
	return (int)(len + DNS_OPT_LEN);
}

static int
dns_rr_put(uint8_t *msg, size_t len, size_t outlen, const uint8_t *owner,
	   size_t olen, uint16_t type, uint32_t ttl, const uint8_t *rdata,
	   uint16_t rdlen)
{
	uint8_t *p;

	if (len < DNS_HDR_LEN || outlen < len ||
	    outlen - len < olen + DNS_RR_FIXED + rdlen)
		return -1;
	p = msg + len;
	memcpy(p, owner, olen);
	p += olen;
	dns_put16(p, type);
	dns_put16(p + 2, DNS_CLASS_IN);
	dns_put32(p + 4, ttl);
	dns_put16(p + 8, rdlen);
	if (rdlen > 0)
		memcpy(p + DNS_RR_FIXED, rdata, rdlen);
	dns_put16(msg + 6, (uint16_t)(dns_get16(msg + 6) + 1));
	return (int)(len + olen + DNS_RR_FIXED + rdlen);
}

int
dns_rr_append(uint8_t *msg, size_t len, size_t outlen, uint16_t owner_ptr,
	      uint16_t type, uint32_t ttl, const uint8_t *rdata, uint16_t rdlen)
{
	uint8_t ptr[2];

	dns_put16(ptr, (uint16_t)(0xc000 | owner_ptr));
	return dns_rr_put(msg, len, outlen, ptr, 2, type, ttl, rdata, rdlen);
}

int
dns_rr_append_named(uint8_t *msg, size_t len, size_t outlen,
		    const uint8_t *owner, size_t olen, uint16_t type,
		    uint32_t ttl, const uint8_t *rdata, uint16_t rdlen)
{
	return dns_rr_put(msg, len, outlen, owner, olen, type, ttl, rdata,
			  rdlen);
}

/* RFC 2308 5: the SOA's MINIMUM, bounded by its own TTL. */
static enum dns_err
dns_soa_take(const uint8_t *msg, size_t len, size_t fixed, uint32_t ttl,
	     struct dns_ttl_scan *s)
{
	size_t rd = fixed + DNS_RR_FIXED, end = rd + dns_get16(msg + fixed + 8);
	size_t off = rd;
	enum dns_err e;
	uint32_t minimum;

	e = dns_name_read(msg, end, &off, NULL, NULL);
	if (e == DNS_OK)
		e = dns_name_read(msg, end, &off, NULL, NULL);
	if (e != DNS_OK)
		return e;
	if (end - off < DNS_SOA_FIXED)
		return DNS_ERR_SHORT;
	(void)len;
	minimum = dns_get32(msg + off + 16);
	if (minimum > DNS_TTL_MAX)
		minimum = 0;
	s->has_soa = true;
	s->soa_neg_ttl = minimum < ttl ? minimum : ttl;
	return DNS_OK;
}

enum dns_err
dns_ttl_scan(const uint8_t *msg, size_t len, struct dns_ttl_scan *s)
{
	struct dns_msg m;
	size_t off, i, total, fixed, start;
	enum dns_err e;
	uint16_t type;
	uint32_t ttl;

	s->count = 0;
	s->min_ttl = DNS_TTL_MAX;
	s->has_soa = false;
	s->soa_neg_ttl = 0;
	s->opt_offset = s->opt_len = 0;
	e = dns_header_question(msg, len, &m);
	if (e != DNS_OK)
		return e;
	off = m.question_end;
	total = (size_t)m.ancount + m.nscount + m.arcount;
	if (total > DNS_MAX_RR_PER_MSG)
		return DNS_ERR_TOO_MANY;
	for (i = 0; i < total; i++) {
		start = off;
		e = dns_rr_skip(msg, len, &off, &type, &fixed);
		if (e != DNS_OK)
			return e;
		if (type == DNS_TYPE_OPT) {
			if (s->opt_offset != 0 ||
			    i < (size_t)m.ancount + m.nscount)
				return DNS_ERR_OPT;
			s->opt_offset = start;
			s->opt_len = off - start;
			continue;
		}
		ttl = dns_get32(msg + fixed + 4);
		if (ttl > DNS_TTL_MAX)
			ttl = 0;
		if (s->count < s->max)
			s->offsets[s->count] = (uint16_t)(fixed + 4);
		s->count++;
		if (ttl < s->min_ttl)
			s->min_ttl = ttl;
		if (type == DNS_TYPE_SOA && i >= m.ancount &&
		    i < (size_t)m.ancount + m.nscount) {
			e = dns_soa_take(msg, len, fixed, ttl, s);
			if (e != DNS_OK)
				return e;
		}
	}
	return DNS_OK;
}

size_t
dns_rr_remove_additional(uint8_t *msg, size_t len, size_t off, size_t rrlen)
{
	if (off < DNS_HDR_LEN || off > len || rrlen > len - off)
		return len;
	memmove(msg + off, msg + off + rrlen, len - off - rrlen);
	dns_put16(msg + 10, (uint16_t)(dns_get16(msg + 10) - 1));
	return len - rrlen;
}
