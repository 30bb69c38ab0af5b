/*
 * dns_wire: names with and without compression, every bound of the
 * cursor, pointer loops, OPT parsing, reply building and TTL scans.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "dns_wire.h"

/* A query for www.Example.org A with an OPT (DO set, 4096). */
static const uint8_t query[] = {
	0x12, 0x34, 0x01, 0x00, 0,    1,   0,   0,    0,   0,   0,
	1,    3,    'w',  'w',  'w',  7,   'E', 'x',  'a', 'm', 'p',
	'l',  'e',  3,    'o',  'r',  'g', 0,   0,    1,   0,   1,
	0,    0,    41,   0x10, 0x00, 0,   0,   0x80, 0,   0,   0,
};

static void
test_parse_query(void **state)
{
	struct dns_msg m;

	(void)state;
	assert_int_equal(dns_msg_parse(query, sizeof(query), &m), DNS_OK);
	assert_int_equal(m.id, 0x1234);
	assert_int_equal(m.q.qtype, DNS_TYPE_A);
	assert_int_equal(m.q.qclass, DNS_CLASS_IN);
	assert_int_equal(m.q.name_len, 17);
	assert_int_equal(m.question_end, 33);
	assert_true(m.has_edns);
	assert_int_equal(m.edns_udp, 4096);
	assert_true(m.edns_flags & DNS_EDNS_DO);
	assert_int_equal(m.opt_offset, 33);
	assert_int_equal(m.opt_len, 11);
}

/* Every proper prefix of a valid message is rejected, never read past. */
static void
test_every_truncation(void **state)
{
	struct dns_msg m;
	size_t n;

	(void)state;
	for (n = 0; n < sizeof(query); n++)
		assert_int_not_equal(dns_msg_parse(query, n, &m), DNS_OK);
}

static void
test_qdcount(void **state)
{
	uint8_t q[sizeof(query)];
	struct dns_msg m;

	(void)state;
	memcpy(q, query, sizeof(q));
	q[5] = 0;
	assert_int_equal(dns_msg_parse(q, sizeof(q), &m), DNS_ERR_NOT_QUERY);
	q[5] = 2;
	assert_int_equal(dns_msg_parse(q, sizeof(q), &m), DNS_ERR_NOT_QUERY);
}

static void
test_second_opt(void **state)
{
	uint8_t q[sizeof(query) + 11];
	struct dns_msg m;

	(void)state;
	memcpy(q, query, sizeof(query));
	memcpy(q + sizeof(query), query + 33, 11);
	q[11] = 2;
	assert_int_equal(dns_msg_parse(q, sizeof(q), &m), DNS_ERR_OPT);
}

static void
test_opt_with_owner(void **state)
{
	static const uint8_t q[] = {
		0, 1, 0, 0,   0, 1, 0,  0, 0, 0, 0, 1, 0, 0, 1,
		0, 1, 1, 'a', 0, 0, 41, 2, 0, 0, 0, 0, 0, 0, 0,
	};
	struct dns_msg m;

	(void)state;
	assert_int_equal(dns_msg_parse(q, sizeof(q), &m), DNS_ERR_OPT);
}

static void
test_small_edns_size(void **state)
{
	uint8_t q[sizeof(query)];
	struct dns_msg m;

	(void)state;
	memcpy(q, query, sizeof(q));
	q[36] = 0;
	q[37] = 100;
	assert_int_equal(dns_msg_parse(q, sizeof(q), &m), DNS_OK);
	assert_int_equal(m.edns_udp, DNS_MIN_UDP);
}

static void
test_pointer_backwards(void **state)
{
	/* "a.b" at 12, then a pointer to "b" at 14. */
	static const uint8_t msg[] = {
		0, 0, 0,   0, 0,   1, 0, 0,   0,    0,  0,
		0, 1, 'a', 1, 'b', 0, 1, 'c', 0xc0, 14,
	};
	uint8_t out[DNS_MAX_NAME], n;
	size_t off = 17;

	(void)state;
	assert_int_equal(dns_name_read(msg, sizeof(msg), &off, out, &n),
			 DNS_OK);
	assert_int_equal(n, 5);
	assert_memory_equal(out, "\001c\001b", 5);
	assert_int_equal(off, sizeof(msg));
}

static void
test_pointer_loop_self(void **state)
{
	static const uint8_t msg[] = {
		0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xc0, 12, 0, 1, 0, 1,
	};
	struct dns_msg m;

	(void)state;
	assert_int_equal(dns_msg_parse(msg, sizeof(msg), &m), DNS_ERR_POINTER);
}

static void
test_pointer_forward(void **state)
{
	static const uint8_t msg[] = {
		0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xc0, 14, 0, 0, 1, 0, 1,
	};
	struct dns_msg m;

	(void)state;
	assert_int_equal(dns_msg_parse(msg, sizeof(msg), &m), DNS_ERR_POINTER);
}

/* Two pointers pointing at each other: a loop through earlier bytes. */
static void
test_pointer_loop_pair(void **state)
{
	static const uint8_t msg[] = {
		0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1, 'a', 0xc0, 12, 0xc0, 12,
	};
	size_t off = 16;

	(void)state;
	assert_int_equal(dns_name_read(msg, sizeof(msg), &off, NULL, NULL),
			 DNS_ERR_POINTER);
}

static void
test_pointer_truncated(void **state)
{
	static const uint8_t msg[] = {0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xc0};
	size_t off = 12;

	(void)state;
	assert_int_equal(dns_name_read(msg, sizeof(msg), &off, NULL, NULL),
			 DNS_ERR_SHORT);
}

static void
test_label_types(void **state)
{
	uint8_t msg[] = {0x40, 'a', 0};
	size_t off = 0;

	(void)state;
	assert_int_equal(dns_name_read(msg, sizeof(msg), &off, NULL, NULL),
			 DNS_ERR_LABEL);
	msg[0] = 0x80;
	off = 0;
	assert_int_equal(dns_name_read(msg, sizeof(msg), &off, NULL, NULL),
			 DNS_ERR_LABEL);
}

static void
test_label_overrun(void **state)
{
	static const uint8_t msg[] = {5, 'a', 'b', 0};
	size_t off = 0;

	(void)state;
	assert_int_equal(dns_name_read(msg, sizeof(msg), &off, NULL, NULL),
			 DNS_ERR_SHORT);
}

/* 255 octets is the longest name; 256 is refused, also via pointers. */
static void
test_name_length_bound(void **state)
{
	uint8_t msg[400], out[DNS_MAX_NAME], n;
	size_t off = 0, i, p = 0;

	(void)state;
	/* 4 labels of 63 = 256 octets, plus root = 257: too long. */
	for (i = 0; i < 4; i++) {
		msg[p++] = 63;
		memset(msg + p, 'x', 63);
		p += 63;
	}
	msg[p++] = 0;
	assert_int_equal(dns_name_read(msg, p, &off, out, &n),
			 DNS_ERR_NAME_LONG);
	/* 3 x 63 + a 61-octet label + root = 255: fits. */
	msg[192] = 61;
	msg[192 + 62] = 0;
	off = 0;
	assert_int_equal(dns_name_read(msg, 255, &off, out, &n), DNS_OK);
	assert_int_equal(n, 255);
	assert_int_equal(off, 255);
	/* The same name made long through a pointer to it. */
	msg[255] = 1;
	msg[256] = 'y';
	msg[257] = 0xc0;
	msg[258] = 0;
	off = 255;
	assert_int_equal(dns_name_read(msg, 259, &off, out, &n),
			 DNS_ERR_NAME_LONG);
}

static void
test_pointer_chain_limit(void **state)
{
	uint8_t msg[2 + 2 * (DNS_MAX_PTRS + 2)];
	size_t i, off;

	(void)state;
	msg[0] = 0;
	msg[1] = 0;
	/* Each pointer points at the one before, ending at the root. */
	for (i = 1; i < sizeof(msg) / 2; i++) {
		msg[2 * i] = 0xc0;
		msg[2 * i + 1] = (uint8_t)(2 * (i - 1));
	}
	msg[2] = 0xc0;
	msg[3] = 1; /* -> root label at 1 */
	off = 2 * (DNS_MAX_PTRS + 1);
	assert_int_equal(dns_name_read(msg, sizeof(msg), &off, NULL, NULL),
			 DNS_ERR_POINTER);
	off = 2 * DNS_MAX_PTRS;
	assert_int_equal(dns_name_read(msg, sizeof(msg), &off, NULL, NULL),
			 DNS_OK);
}

static void
test_name_compare(void **state)
{
	static const uint8_t a[] = "\003WwW\007example\003org";
	static const uint8_t b[] = "\003www\007EXAMPLE\003ORG";
	static const uint8_t c[] = "\003www\007exampld\003org";
	static const uint8_t zone[] = "\007example\003org";

	(void)state;
	assert_true(dns_name_equal(a, sizeof(a), b, sizeof(b)));
	assert_false(dns_name_equal(a, sizeof(a), c, sizeof(c)));
	assert_false(dns_name_equal(a, sizeof(a), b, sizeof(b) - 1));
	assert_true(dns_name_under(a, sizeof(a), zone, sizeof(zone)));
	assert_true(dns_name_under(zone, sizeof(zone), zone, sizeof(zone)));
	assert_false(dns_name_under(zone, sizeof(zone), a, sizeof(a)));
	assert_false(dns_name_under((const uint8_t *)"\003org", 5, zone,
				    sizeof(zone)));
}

static void
test_name_text(void **state)
{
	uint8_t w[DNS_MAX_NAME];
	char t[300];
	char big[300];

	(void)state;
	assert_int_equal(dns_name_from_text("gw.lab.test.", w, sizeof(w)), 13);
	assert_memory_equal(w, "\002gw\003lab\004test", 13);
	dns_name_to_text(w, 13, t, sizeof(t));
	assert_string_equal(t, "gw.lab.test.");
	assert_int_equal(dns_name_from_text(".", w, sizeof(w)), 1);
	dns_name_to_text(w, 1, t, sizeof(t));
	assert_string_equal(t, ".");
	assert_int_equal(dns_name_from_text("a..b", w, sizeof(w)), -1);
	memset(big, 'a', 64);
	big[64] = '\0';
	assert_int_equal(dns_name_from_text(big, w, sizeof(w)), -1);
	assert_int_equal(dns_name_from_text("a.b", w, 3), -1);
}

static void
test_reply_start_and_records(void **state)
{
	struct dns_msg m, r;
	uint8_t out[512];
	static const uint8_t addr[4] = {192, 0, 2, 1};
	int n;

	(void)state;
	assert_int_equal(dns_msg_parse(query, sizeof(query), &m), DNS_OK);
	n = dns_reply_start(&m, DNS_FLAG_AA, DNS_RCODE_NOERROR, out,
			    sizeof(out));
	assert_int_equal(n, 33);
	n = dns_rr_append(out, (size_t)n, sizeof(out), 12, DNS_TYPE_A, 300,
			  addr, 4);
	assert_int_equal(n, 33 + 16);
	n = dns_opt_append(out, (size_t)n, sizeof(out), DNS_EDNS_UDP, true);
	assert_int_equal(n, 33 + 16 + 11);
	assert_int_equal(dns_msg_parse(out, (size_t)n, &r), DNS_OK);
	assert_int_equal(r.id, 0x1234);
	assert_true(r.flags & DNS_FLAG_QR);
	assert_true(r.flags & DNS_FLAG_AA);
	assert_true(r.flags & DNS_FLAG_RD);
	assert_int_equal(r.ancount, 1);
	assert_int_equal(r.arcount, 1);
	assert_int_equal(r.edns_udp, DNS_EDNS_UDP);
	assert_true(
		dns_name_equal(r.q.name, r.q.name_len, m.q.name, m.q.name_len));
	/* No room: refused, not overrun. */
	assert_int_equal(dns_reply_start(&m, 0, DNS_RCODE_REFUSED, out, 20),
			 -1);
	assert_int_equal(dns_rr_append(out, 33, 40, 12, DNS_TYPE_A, 1, addr, 4),
			 -1);
	assert_int_equal(dns_opt_append(out, 33, 40, 1232, false), -1);
}

static void
test_servfail_echoes_question(void **state)
{
	struct dns_msg m, r;
	uint8_t out[512];
	int n;

	(void)state;
	assert_int_equal(dns_msg_parse(query, sizeof(query), &m), DNS_OK);
	n = dns_reply_start(&m, 0, DNS_RCODE_SERVFAIL, out, sizeof(out));
	assert_int_equal(dns_msg_parse(out, (size_t)n, &r), DNS_OK);
	assert_int_equal(DNS_RCODE(r.flags), DNS_RCODE_SERVFAIL);
	assert_int_equal(r.q.qtype, DNS_TYPE_A);
	assert_memory_equal(r.q.name, m.q.name, m.q.name_len);
}

/* NXDOMAIN with an SOA (TTL 600, MINIMUM 300) and an OPT. */
static const uint8_t nx[] = {
	0xab, 0xcd, 0x81, 0x83, 0,   1,    0,   0,   0,  1, 0,  1, 1,   'x',
	7,    'e',  'x',  'a',  'm', 'p',  'l', 'e', 0,  0, 1,  0, 1,   0xc0,
	14,   0,    6,    0,    1,   0,    0,   2,   88, 0, 30, 2, 'n', 's',
	0xc0, 14,   2,    'h',  'm', 0xc0, 14,  0,   0,  0, 1,  0, 0,   0,
	2,    0,    0,    0,    3,   0,    0,   0,   4,  0, 0,  1, 44,  0,
	0,    41,   4,    208,  0,   0,    0,   0,   0,  0,
};

static void
test_ttl_scan_negative(void **state)
{
	uint16_t offs[4];
	struct dns_ttl_scan s = {.offsets = offs, .max = 4};

	(void)state;
	assert_int_equal(dns_ttl_scan(nx, sizeof(nx), &s), DNS_OK);
	assert_int_equal(s.count, 1);
	assert_int_equal(offs[0], 33);
	assert_true(s.has_soa);
	assert_int_equal(s.soa_neg_ttl, 300);
	assert_int_equal(s.min_ttl, 600);
	assert_int_equal(s.opt_offset, sizeof(nx) - 11);
	assert_int_equal(s.opt_len, 11);
}

static void
test_ttl_scan_truncations(void **state)
{
	uint16_t offs[4];
	struct dns_ttl_scan s = {.offsets = offs, .max = 4};
	size_t n;

	(void)state;
	for (n = 0; n < sizeof(nx); n++)
		assert_int_not_equal(dns_ttl_scan(nx, n, &s), DNS_OK);
}

/* An SOA whose RDATA is shorter than its names and counters. */
static void
test_ttl_scan_short_soa(void **state)
{
	uint8_t m[sizeof(nx)];
	uint16_t offs[4];
	struct dns_ttl_scan s = {.offsets = offs, .max = 4};

	(void)state;
	memcpy(m, nx, sizeof(m));
	m[38] = 29; /* RDLENGTH one short: the MINIMUM is cut */
	assert_int_not_equal(dns_ttl_scan(m, sizeof(m), &s), DNS_OK);
}

static void
test_too_many_records(void **state)
{
	uint8_t m[sizeof(query)];
	struct dns_msg d;

	(void)state;
	memcpy(m, query, sizeof(m));
	m[6] = 0xff;
	assert_int_equal(dns_msg_parse(m, sizeof(m), &d), DNS_ERR_TOO_MANY);
}

static void
test_remove_opt(void **state)
{
	uint8_t m[sizeof(nx)];
	size_t len;
	struct dns_msg d;

	(void)state;
	memcpy(m, nx, sizeof(m));
	len = dns_rr_remove_additional(m, sizeof(m), sizeof(m) - 11, 11);
	assert_int_equal(len, sizeof(m) - 11);
	assert_int_equal(dns_msg_parse(m, len, &d), DNS_OK);
	assert_false(d.has_edns);
	assert_int_equal(d.arcount, 0);
	/* Out-of-range requests change nothing. */
	assert_int_equal(dns_rr_remove_additional(m, len, len - 2, 11), len);
}

/* BADVERS (16): header RCODE 0, upper bits 1 in the OPT TTL. */
static void
test_opt_extended_rcode(void **state)
{
	struct dns_msg m, r;
	uint8_t out[512];
	int n;

	(void)state;
	assert_int_equal(dns_msg_parse(query, sizeof(query), &m), DNS_OK);
	n = dns_reply_start(&m, 0, DNS_RCODE_NOERROR, out, sizeof(out));
	n = dns_opt_append_ext(out, (size_t)n, sizeof(out), DNS_EDNS_UDP, false,
			       DNS_RCODE_BADVERS >> 4);
	assert_true(n > 0);
	assert_int_equal(dns_msg_parse(out, (size_t)n, &r), DNS_OK);
	assert_int_equal(DNS_RCODE(r.flags), 0);
	assert_int_equal(r.edns_rcode_hi, 1);
	assert_int_equal(r.edns_version, 0);
}

/* A relayed extended RCODE: 4 bits in the header, 8 in the OPT TTL. */
static void
test_set_extended_rcode(void **state)
{
	struct dns_msg m, r;
	uint8_t out[512];
	int n;

	(void)state;
	assert_int_equal(dns_msg_parse(query, sizeof(query), &m), DNS_OK);
	n = dns_reply_start(&m, DNS_FLAG_AD, DNS_RCODE_NOERROR, out,
			    sizeof(out));
	n = dns_opt_append(out, (size_t)n, sizeof(out), DNS_EDNS_UDP, true);
	assert_true(n > 0);
	assert_int_equal(dns_msg_set_rcode(out, (size_t)n, 23), 0);
	assert_int_equal(dns_msg_parse(out, (size_t)n, &r), DNS_OK);
	assert_int_equal(DNS_RCODE(r.flags), 7);
	assert_int_equal(r.edns_rcode_hi, 1);
	assert_int_equal(dns_msg_rcode(&r), 23);
	/* The other flags, the DO bit and the version stay. */
	assert_true(r.flags & DNS_FLAG_AD);
	assert_true(r.flags & DNS_FLAG_QR);
	assert_true(r.edns_flags & DNS_EDNS_DO);
	assert_int_equal(r.edns_version, 0);
	assert_int_equal(dns_msg_set_rcode(out, (size_t)n, DNS_RCODE_NXDOMAIN),
			 0);
	assert_int_equal(dns_msg_parse(out, (size_t)n, &r), DNS_OK);
	assert_int_equal(dns_msg_rcode(&r), DNS_RCODE_NXDOMAIN);
	assert_int_equal(r.edns_rcode_hi, 0);
	/* Without an OPT, only the 4 header bits can be said. */
	n = dns_reply_start(&m, 0, DNS_RCODE_NOERROR, out, sizeof(out));
	assert_int_equal(dns_msg_set_rcode(out, (size_t)n, 16), -1);
	assert_int_equal(dns_msg_set_rcode(out, (size_t)n, 3), 0);
	assert_int_equal(DNS_RCODE(dns_get16(out + 2)), 3);
	assert_int_equal(dns_msg_set_rcode(out, 5, 3), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_query),
		cmocka_unit_test(test_every_truncation),
		cmocka_unit_test(test_qdcount),
		cmocka_unit_test(test_second_opt),
		cmocka_unit_test(test_opt_with_owner),
		cmocka_unit_test(test_small_edns_size),
		cmocka_unit_test(test_pointer_backwards),
		cmocka_unit_test(test_pointer_loop_self),
		cmocka_unit_test(test_pointer_forward),
		cmocka_unit_test(test_pointer_loop_pair),
		cmocka_unit_test(test_pointer_truncated),
		cmocka_unit_test(test_label_types),
		cmocka_unit_test(test_label_overrun),
		cmocka_unit_test(test_name_length_bound),
		cmocka_unit_test(test_pointer_chain_limit),
		cmocka_unit_test(test_name_compare),
		cmocka_unit_test(test_name_text),
		cmocka_unit_test(test_reply_start_and_records),
		cmocka_unit_test(test_servfail_echoes_question),
		cmocka_unit_test(test_ttl_scan_negative),
		cmocka_unit_test(test_ttl_scan_truncations),
		cmocka_unit_test(test_ttl_scan_short_soa),
		cmocka_unit_test(test_too_many_records),
		cmocka_unit_test(test_remove_opt),
		cmocka_unit_test(test_opt_extended_rcode),
		cmocka_unit_test(test_set_extended_rcode),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
