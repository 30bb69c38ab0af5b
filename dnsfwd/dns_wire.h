/*
 * dns_wire: the DNS message format (RFC 1035 section 4, RFC 6891 EDNS0).
 *
 * Pure functions over byte buffers: no sockets, no allocation, no logging.
 * Every read goes through a bounds-checked cursor; errors are returned as
 * enum dns_err and the caller decides what to answer and what to log.
 */
#ifndef LABGATE_DNS_WIRE_H
#define LABGATE_DNS_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DNS_HDR_LEN        12    /* RFC 1035 4.1.1 */
#define DNS_MAX_NAME       255   /* octets of a wire name, root included */
#define DNS_MAX_LABEL      63    /* octets of one label */
#define DNS_MAX_PTRS       32    /* compression pointers followed per name */
#define DNS_MAX_MSG        65535 /* any message (TCP length prefix) */
#define DNS_MIN_UDP        512   /* a client without EDNS0 (RFC 1035 4.2.1) */
#define DNS_EDNS_UDP       1232  /* what we advertise (DNS flag day 2020) */
#define DNS_OPT_LEN        11    /* an OPT RR without options */
#define DNS_MAX_RR_PER_MSG 512   /* RRs walked in one message */

/* Header flags (RFC 1035 4.1.1, RFC 4035 3.2). */
#define DNS_FLAG_QR   0x8000
#define DNS_FLAG_AA   0x0400
#define DNS_FLAG_TC   0x0200
#define DNS_FLAG_RD   0x0100
#define DNS_FLAG_RA   0x0080
#define DNS_FLAG_AD   0x0020
#define DNS_FLAG_CD   0x0010
#define DNS_OPCODE(f) (((f) >> 11) & 0xf)
#define DNS_RCODE(f)  ((f)&0xf)
#define DNS_EDNS_DO   0x8000 /* in the OPT TTL's low 16 bits */

enum dns_rcode {
	DNS_RCODE_NOERROR = 0,
	DNS_RCODE_FORMERR = 1,
	DNS_RCODE_SERVFAIL = 2,
	DNS_RCODE_NXDOMAIN = 3,
	DNS_RCODE_NOTIMP = 4,
	DNS_RCODE_REFUSED = 5,
	DNS_RCODE_BADVERS = 16, /* extended: OPT's upper bits 1 (RFC 6891) */
};

enum dns_type {
	DNS_TYPE_A = 1,
	DNS_TYPE_NS = 2,
	DNS_TYPE_CNAME = 5,
	DNS_TYPE_SOA = 6,
	DNS_TYPE_PTR = 12,
	DNS_TYPE_MX = 15,
	DNS_TYPE_TXT = 16,
	DNS_TYPE_AAAA = 28,
	DNS_TYPE_SRV = 33,
	DNS_TYPE_OPT = 41,
	DNS_TYPE_AXFR = 252,
	DNS_TYPE_IXFR = 251,
	DNS_TYPE_ANY = 255,
};
#define DNS_CLASS_IN 1

enum dns_err {
	DNS_OK = 0,
	DNS_ERR_SHORT,     /* the message ends inside a field */
	DNS_ERR_LABEL,     /* a label type other than 0b00 or 0b11 */
	DNS_ERR_NAME_LONG, /* a name over DNS_MAX_NAME octets */
	DNS_ERR_POINTER,   /* a pointer forward, to itself, or too many */
	DNS_ERR_NOT_QUERY, /* QR set, or not exactly one question */
	DNS_ERR_OPT,       /* a bad or second OPT RR */
	DNS_ERR_TOO_MANY,  /* more RRs than DNS_MAX_RR_PER_MSG */
	DNS_ERR_SPACE,     /* the output buffer is too small */
};

/* A message's question, as the parser found it. */
struct dns_question {
	uint8_t name[DNS_MAX_NAME]; /* uncompressed wire form, as sent */
	uint8_t name_len;           /* octets in name, root label included */
	uint16_t qtype;
	uint16_t qclass;
};

/* What the server needs to know about a message. */
struct dns_msg {
	uint16_t id;
	uint16_t flags;
	uint16_t qdcount, ancount, nscount, arcount;
	struct dns_question q; /* valid when qdcount >= 1 */
	size_t question_end;   /* offset just after the first question */
	bool has_edns;
	uint16_t edns_udp; /* the peer's UDP size, at least 512 */
	uint8_t edns_version;
	uint8_t edns_rcode_hi; /* extended RCODE's upper 8 bits */
	uint16_t edns_flags;   /* DO among them */
	size_t opt_offset;     /* of the OPT RR's owner name, when has_edns */
	size_t opt_len;        /* octets of the OPT RR */
};

/* A short, fixed description of an error, for log lines. */
const char *dns_err_str(enum dns_err e);

uint16_t dns_get16(const uint8_t *p);
uint32_t dns_get32(const uint8_t *p);
void dns_put16(uint8_t *p, uint16_t v);
void dns_put32(uint8_t *p, uint32_t v);

/*
 * Reads the (possibly compressed) name at msg[*off], writing its
 * uncompressed wire form to out (DNS_MAX_NAME octets) and its length to
 * *out_len.  Pointers must point strictly backwards, at most DNS_MAX_PTRS
 * of them.  *off moves past the name as it appears at *off.  out may be
 * NULL to only skip.
 */
enum dns_err dns_name_read(const uint8_t *msg, size_t len, size_t *off,
			   uint8_t *out, uint8_t *out_len);

/* Case-insensitive (ASCII) comparison of two uncompressed wire names. */
bool dns_name_equal(const uint8_t *a, size_t alen, const uint8_t *b,
		    size_t blen);
/* ASCII lowercase in place over an uncompressed wire name. */
void dns_name_lower(uint8_t *name, size_t len);
/* Whether `name` equals `zone` or lies below it (case-insensitive). */
bool dns_name_under(const uint8_t *name, size_t len, const uint8_t *zone,
		    size_t zlen);
/*
 * "gw.lab.test" (trailing dot optional; "." or "" is the root) to wire
 * form.  Returns the length, or -1 for an empty label or over-long name.
 */
int dns_name_from_text(const char *text, uint8_t *out, size_t outlen);
/* Wire name to dotted text ("gw.lab.test."); writes at most len bytes. */
void dns_name_to_text(const uint8_t *name, size_t nlen, char *buf, size_t len);

/*
 * Parses a message's header, first question and the OPT RR of its
 * additional section.  Needs qdcount >= 1; checks every RR's bounds.
 */
enum dns_err dns_msg_parse(const uint8_t *msg, size_t len, struct dns_msg *m);

/* The whole RCODE: the header's 4 bits and the OPT's upper 8 (RFC 6891). */
unsigned dns_msg_rcode(const struct dns_msg *m);
/*
 * Sets msg's RCODE: the low 4 bits in the header, the upper 8 in the TTL
 * of its OPT RR (RFC 6891 6.1.3).  Returns 0, or -1 when msg does not
 * parse, or rcode needs an OPT RR and msg has none.
 */
int dns_msg_set_rcode(uint8_t *msg, size_t len, unsigned rcode);

/*
 * Writes a reply header and the question of `q` (from dns_msg_parse of a
 * request) into out: the request's ID, opcode, RD and CD, QR and RA set,
 * rcode, QDCOUNT 1 and the other counts 0.  Returns the length, or -1.
 */
int dns_reply_start(const struct dns_msg *q, uint16_t extra_flags,
		    enum dns_rcode rcode, uint8_t *out, size_t outlen);
/*
 * Appends an OPT RR (RFC 6891 6.1.2) advertising udp_size with the DO
 * flag of do_bit and bumps ARCOUNT.  Returns the new length, or -1.
 */
int dns_opt_append(uint8_t *msg, size_t len, size_t outlen, uint16_t udp_size,
		   bool do_bit);
/* The same carrying the extended RCODE's upper 8 bits (BADVERS: 1). */
int dns_opt_append_ext(uint8_t *msg, size_t len, size_t outlen,
		       uint16_t udp_size, bool do_bit, uint8_t rcode_hi);
/*
 * Appends an RR whose owner is the question name (a pointer to offset 12)
 * and bumps ANCOUNT.  Returns the new length, or -1 when it does not fit.
 */
int dns_rr_append(uint8_t *msg, size_t len, size_t outlen, uint16_t owner_ptr,
		  uint16_t type, uint32_t ttl, const uint8_t *rdata,
		  uint16_t rdlen);
/* The same with an uncompressed owner name. */
int dns_rr_append_named(uint8_t *msg, size_t len, size_t outlen,
			const uint8_t *owner, size_t olen, uint16_t type,
			uint32_t ttl, const uint8_t *rdata, uint16_t rdlen);

/*
 * Everything the cache needs about an upstream answer: where its TTLs
 * are, the smallest one, and for a negative answer (RFC 2308 section 5)
 * the SOA's TTL and MINIMUM.  The OPT RR is reported, not counted.
 */
struct dns_ttl_scan {
	uint16_t *offsets;    /* caller's array */
	size_t max;           /* its capacity */
	size_t count;         /* TTLs found (all of them, even past max) */
	uint32_t min_ttl;     /* over answer, authority and additional */
	bool has_soa;         /* an SOA in the authority section */
	uint32_t soa_neg_ttl; /* min(SOA TTL, SOA MINIMUM) */
	size_t opt_offset;    /* 0: no OPT RR */
	size_t opt_len;
};

/*
 * Walks every RR after the first question of a well-formed message.
 * Returns DNS_OK, or the first problem found.
 */
enum dns_err dns_ttl_scan(const uint8_t *msg, size_t len,
			  struct dns_ttl_scan *s);

/*
 * Removes the RR at [off, off+rrlen) of the additional section (the OPT
 * RR) from msg and decrements ARCOUNT.  Returns the new length.
 */
size_t dns_rr_remove_additional(uint8_t *msg, size_t len, size_t off,
				size_t rrlen);

#endif
