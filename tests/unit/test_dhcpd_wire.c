/*
 * dhcpd packet codec: every option the server reads, every malformed
 * case, option overload and concatenation, the reply builder honouring
 * options 55 and 57, RFC 3442 route encoding, and the raw IP/UDP headers.
 */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "dhcp_wire.h"
#include "rawpkt.h"

#define PKT_MAX 1024

struct pkt {
	uint8_t b[PKT_MAX];
	size_t len;
};

/* A BOOTREQUEST from 02:00:5e:00:53:01 with the cookie, no options yet. */
static void
pkt_init(struct pkt *p)
{
	memset(p, 0, sizeof(*p));
	p->b[0] = DHCP_BOOTREQUEST;
	p->b[1] = 1;
	p->b[2] = 6;
	p->b[4] = 0x12;
	p->b[7] = 0x78;
	memcpy(p->b + 28, "\x02\x00\x5e\x00\x53\x01", 6);
	p->b[236] = 0x63;
	p->b[237] = 0x82;
	p->b[238] = 0x53;
	p->b[239] = 0x63;
	p->len = DHCP_OPTIONS_OFF;
}

static void
pkt_add(struct pkt *p, const void *bytes, size_t n)
{
	memcpy(p->b + p->len, bytes, n);
	p->len += n;
}

#define ADD(p, ...)                                   \
	do {                                          \
		const uint8_t add_[] = {__VA_ARGS__}; \
		pkt_add((p), add_, sizeof(add_));     \
	} while (0)

static enum dhcp_parse_err
parse(struct pkt *p, struct dhcp_msg *m)
{
	return dhcp_parse(p->b, p->len, m);
}

static void
test_discover_options(void **state)
{
	struct dhcp_msg m;
	struct pkt p;

	(void)state;
	pkt_init(&p);
	ADD(&p, DHO_MSG_TYPE, 1, DHCP_DISCOVER);
	ADD(&p, DHO_PAD, DHO_PAD);
	ADD(&p, DHO_CLIENT_ID, 7, 1, 2, 0, 0x5e, 0, 0x53, 1);
	ADD(&p, DHO_PARAM_LIST, 4, 1, 3, 6, 121);
	ADD(&p, DHO_MAX_SIZE, 2, 0x05, 0xdc);
	ADD(&p, DHO_REQUESTED_ADDR, 4, 192, 0, 2, 100);
	ADD(&p, DHO_SERVER_ID, 4, 192, 0, 2, 254);
	ADD(&p, DHO_HOSTNAME, 5, 'h', 'o', 's', 't', '1');
	ADD(&p, DHO_AGENT_INFO, 4, 1, 2, 'a', 'b');
	ADD(&p, DHO_END);
	ADD(&p, 0xde, 0xad); /* after END: ignored */
	assert_int_equal(parse(&p, &m), DHCP_OK);
	assert_int_equal(m.type, DHCP_DISCOVER);
	assert_int_equal(m.xid, htonl(0x12000078));
	assert_int_equal(m.client_id_len, 7);
	assert_memory_equal(m.client_id, "\x01\x02\x00\x5e\x00\x53\x01", 7);
	assert_int_equal(m.prl_len, 4);
	assert_true(dhcp_requested(&m, 121));
	assert_false(dhcp_requested(&m, 15));
	assert_int_equal(m.max_size, 1500);
	assert_true(m.has_requested);
	assert_int_equal(m.requested.s_addr, inet_addr("192.0.2.100"));
	assert_true(m.has_server_id);
	assert_int_equal(m.server_id.s_addr, inet_addr("192.0.2.254"));
	assert_string_equal(m.hostname, "host1");
	assert_int_equal(m.agent_len, 4);
	assert_memory_equal(m.agent,
			    "\x01\x02"
			    "ab",
			    4);
	assert_memory_equal(m.chaddr, "\x02\x00\x5e\x00\x53\x01", 6);
}

static void
test_no_prl_means_everything(void **state)
{
	struct dhcp_msg m;
	struct pkt p;

	(void)state;
	pkt_init(&p);
	ADD(&p, DHO_MSG_TYPE, 1, DHCP_REQUEST, DHO_END);
	assert_int_equal(parse(&p, &m), DHCP_OK);
	assert_true(dhcp_requested(&m, 42));
	assert_false(m.has_requested);
	assert_int_equal(m.client_id_len, 0);
}

static void
test_every_client_type(void **state)
{
	static const uint8_t ok[] = {DHCP_DISCOVER, DHCP_REQUEST, DHCP_DECLINE,
				     DHCP_RELEASE, DHCP_INFORM};
	static const uint8_t bad[] = {0,        DHCP_OFFER, DHCP_ACK,
				      DHCP_NAK, 9,          255};
	struct dhcp_msg m;
	struct pkt p;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(ok); i++) {
		pkt_init(&p);
		ADD(&p, DHO_MSG_TYPE, 1, ok[i], DHO_END);
		assert_int_equal(parse(&p, &m), DHCP_OK);
		assert_int_equal(m.type, ok[i]);
	}
	for (i = 0; i < sizeof(bad); i++) {
		pkt_init(&p);
		ADD(&p, DHO_MSG_TYPE, 1, bad[i], DHO_END);
		assert_int_equal(parse(&p, &m), bad[i] == 0
							? DHCP_ERR_NO_TYPE
							: DHCP_ERR_BAD_TYPE);
	}
	assert_string_equal(dhcp_type_name(DHCP_INFORM), "INFORM");
	assert_string_equal(dhcp_type_name(99), "?");
}

static void
test_short(void **state)
{
	struct dhcp_msg m;
	struct pkt p;
	size_t n;

	(void)state;
	pkt_init(&p);
	for (n = 0; n < DHCP_OPTIONS_OFF; n++)
		assert_int_equal(dhcp_parse(p.b, n, &m), DHCP_ERR_SHORT);
	/* header and cookie only: parses, but has no type */
	assert_int_equal(dhcp_parse(p.b, DHCP_OPTIONS_OFF, &m),
			 DHCP_ERR_NO_TYPE);
}

static void
test_bad_header(void **state)
{
	struct dhcp_msg m;
	struct pkt p;

	(void)state;
	pkt_init(&p);
	ADD(&p, DHO_MSG_TYPE, 1, DHCP_DISCOVER, DHO_END);
	p.b[0] = DHCP_BOOTREPLY;
	assert_int_equal(parse(&p, &m), DHCP_ERR_OP);
	p.b[0] = 7;
	assert_int_equal(parse(&p, &m), DHCP_ERR_OP);
	p.b[0] = DHCP_BOOTREQUEST;
	p.b[2] = 17;
	assert_int_equal(parse(&p, &m), DHCP_ERR_HLEN);
	p.b[2] = 255;
	assert_int_equal(parse(&p, &m), DHCP_ERR_HLEN);
	p.b[2] = 7; /* Ethernet must be 6 */
	assert_int_equal(parse(&p, &m), DHCP_ERR_HLEN);
	p.b[1] = 32; /* InfiniBand-style: 0 is allowed */
	p.b[2] = 0;
	assert_int_equal(parse(&p, &m), DHCP_OK);
	p.b[1] = 1;
	p.b[2] = 6;
	p.b[239] = 0x64;
	assert_int_equal(parse(&p, &m), DHCP_ERR_COOKIE);
	assert_string_equal(dhcp_parse_strerror(DHCP_ERR_COOKIE),
			    "no DHCP magic cookie");
}

static void
test_option_past_end(void **state)
{
	struct dhcp_msg m;
	struct pkt p;

	(void)state;
	pkt_init(&p);
	ADD(&p, DHO_MSG_TYPE, 1, DHCP_DISCOVER, DHO_HOSTNAME, 10, 'a', 'b');
	assert_int_equal(parse(&p, &m), DHCP_ERR_TRUNCATED);
	pkt_init(&p);
	ADD(&p, DHO_MSG_TYPE, 1, DHCP_DISCOVER, DHO_HOSTNAME); /* no length */
	assert_int_equal(parse(&p, &m), DHCP_ERR_TRUNCATED);
	pkt_init(&p);
	ADD(&p, DHO_MSG_TYPE, 2, DHCP_DISCOVER);
	assert_int_equal(parse(&p, &m), DHCP_ERR_TRUNCATED);
	/* no END but the last option ends exactly at the datagram's end */
	pkt_init(&p);
	ADD(&p, DHO_MSG_TYPE, 1, DHCP_DISCOVER, DHO_PAD);
	assert_int_equal(parse(&p, &m), DHCP_OK);
}

static void
test_fixed_lengths(void **state)
{
	static const uint8_t codes[] = {DHO_MSG_TYPE, DHO_REQUESTED_ADDR,
					DHO_SERVER_ID, DHO_MAX_SIZE,
					DHO_OVERLOAD};
	static const uint8_t good[] = {1, 4, 4, 2, 1};
	struct dhcp_msg m;
	struct pkt p;
	size_t i;
	uint8_t len;

	(void)state;
	for (i = 0; i < sizeof(codes); i++) {
		for (len = 0; len < 8; len++) {
			if (len == good[i])
				continue;
			pkt_init(&p);
			ADD(&p, DHO_MSG_TYPE, 1, DHCP_DISCOVER);
			ADD(&p, codes[i], len, 1, 1, 1, 1, 1, 1, 1, 1);
			p.len -= (size_t)(8 - len);
			ADD(&p, DHO_END);
			assert_int_equal(parse(&p, &m), DHCP_ERR_OPTLEN);
		}
	}
	pkt_init(&p);
	ADD(&p, DHO_MSG_TYPE, 1, DHCP_DISCOVER, DHO_OVERLOAD, 1, 4, DHO_END);
	assert_int_equal(parse(&p, &m), DHCP_ERR_OPTLEN);
}

static void
test_overload(void **state)
{
	struct dhcp_msg m;
	struct pkt p;

	(void)state;
	pkt_init(&p);
	ADD(&p, DHO_OVERLOAD, 1, 3, DHO_END);
	/* file: the message type and a nested overload (ignored) */
	memcpy(p.b + DHCP_FILE_OFF, "\x35\x01\x08\x34\x01\x01\xff", 7);
	/* sname: a host name */
	memcpy(p.b + DHCP_SNAME_OFF,
	       "\x0c\x03"
	       "abc\xff",
	       6);
	assert_int_equal(parse(&p, &m), DHCP_OK);
	assert_int_equal(m.type, DHCP_INFORM);
	assert_int_equal(m.overload, 3);
	assert_string_equal(m.hostname, "abc");
	/* an option running past the end of sname */
	memcpy(p.b + DHCP_SNAME_OFF + 60, "\x0c\x09", 2);
	memset(p.b + DHCP_SNAME_OFF + 2, 0, 4);
	p.b[DHCP_SNAME_OFF] = 0;
	p.b[DHCP_SNAME_OFF + 1] = 0;
	assert_int_equal(parse(&p, &m), DHCP_ERR_TRUNCATED);
	/* overload 1 only: sname is not read */
	pkt_init(&p);
	ADD(&p, DHO_OVERLOAD, 1, 1, DHO_END);
	memcpy(p.b + DHCP_FILE_OFF, "\x35\x01\x01\xff", 4);
	memcpy(p.b + DHCP_SNAME_OFF, "\x0c\x09", 2);
	assert_int_equal(parse(&p, &m), DHCP_OK);
	assert_int_equal(m.type, DHCP_DISCOVER);
	/* without option 52 a file full of junk is just a file name */
	pkt_init(&p);
	ADD(&p, DHO_MSG_TYPE, 1, DHCP_DISCOVER, DHO_END);
	memset(p.b + DHCP_FILE_OFF, 0x0c, DHCP_FILE_LEN);
	assert_int_equal(parse(&p, &m), DHCP_OK);
}

static void
test_concatenation(void **state)
{
	struct dhcp_msg m;
	struct pkt p;
	uint8_t big[255];
	int i;

	(void)state;
	pkt_init(&p);
	ADD(&p, DHO_MSG_TYPE, 1, DHCP_DISCOVER);
	ADD(&p, DHO_PARAM_LIST, 2, 1, 3);
	ADD(&p, DHO_PARAM_LIST, 2, 6, 121);
	ADD(&p, DHO_CLIENT_ID, 2, 'a', 'b', DHO_CLIENT_ID, 1, 'c');
	assert_int_equal(parse(&p, &m), DHCP_OK);
	assert_int_equal(m.prl_len, 4);
	assert_memory_equal(m.prl, "\x01\x03\x06\x79", 4);
	assert_int_equal(m.client_id_len, 3);
	/* concatenation is capped at 255 bytes */
	memset(big, 'x', sizeof(big));
	pkt_init(&p);
	ADD(&p, DHO_MSG_TYPE, 1, DHCP_DISCOVER);
	for (i = 0; i < 2; i++) {
		ADD(&p, DHO_CLIENT_ID, 255);
		pkt_add(&p, big, sizeof(big));
	}
	ADD(&p, DHO_END);
	assert_int_equal(parse(&p, &m), DHCP_OK);
	assert_int_equal(m.client_id_len, DHCP_MAX_OPT);
}

static void
test_hostnames(void **state)
{
	struct dhcp_msg m;
	struct pkt p;
	uint8_t longname[100];

	(void)state;
	/* option 81, canonical wire form (E bit) */
	pkt_init(&p);
	ADD(&p, DHO_MSG_TYPE, 1, DHCP_REQUEST);
	ADD(&p, DHO_FQDN, 13, 0x05, 0, 0, 4, 'l', 'a', 'p', '1', 3, 'l', 'a',
	    'b', 0);
	ADD(&p, DHO_END);
	assert_int_equal(parse(&p, &m), DHCP_OK);
	assert_string_equal(m.hostname, "lap1");
	/* option 81 as ASCII: the first label */
	pkt_init(&p);
	ADD(&p, DHO_MSG_TYPE, 1, DHCP_REQUEST);
	ADD(&p, DHO_FQDN, 10, 0x01, 0, 0, 'p', 'c', '.', 'l', 'a', 'b', 0);
	ADD(&p, DHO_END);
	assert_int_equal(parse(&p, &m), DHCP_OK);
	assert_string_equal(m.hostname, "pc");
	/* option 12 wins over 81, either order */
	pkt_init(&p);
	ADD(&p, DHO_MSG_TYPE, 1, DHCP_REQUEST);
	ADD(&p, DHO_HOSTNAME, 2, 'h', '2');
	ADD(&p, DHO_FQDN, 5, 0x01, 0, 0, 'p', 'c');
	ADD(&p, DHO_END);
	assert_int_equal(parse(&p, &m), DHCP_OK);
	assert_string_equal(m.hostname, "h2");
	/* 81 too short, bad wire label: no name */
	pkt_init(&p);
	ADD(&p, DHO_MSG_TYPE, 1, DHCP_REQUEST, DHO_FQDN, 3, 4, 0, 0);
	ADD(&p, DHO_FQDN, 5, 0x04, 0, 0, 63, 'x', DHO_END);
	assert_int_equal(parse(&p, &m), DHCP_OK);
	assert_int_equal(m.hostname_len, 0);
	/* unsafe bytes dropped, length capped at one label */
	pkt_init(&p);
	ADD(&p, DHO_MSG_TYPE, 1, DHCP_REQUEST);
	ADD(&p, DHO_HOSTNAME, 7, 'a', ';', ' ', 'b', '\n', '-', 'c');
	ADD(&p, DHO_END);
	assert_int_equal(parse(&p, &m), DHCP_OK);
	assert_string_equal(m.hostname, "ab-c");
	memset(longname, 'n', sizeof(longname));
	pkt_init(&p);
	ADD(&p, DHO_MSG_TYPE, 1, DHCP_REQUEST, DHO_HOSTNAME, 100);
	pkt_add(&p, longname, sizeof(longname));
	ADD(&p, DHO_END);
	assert_int_equal(parse(&p, &m), DHCP_OK);
	assert_int_equal(m.hostname_len, DHCP_MAX_HOSTNAME);
}

/* Finds option code in a built reply; returns its data or NULL. */
static const uint8_t *
find_opt(const uint8_t *b, size_t len, uint8_t code, uint8_t *olen)
{
	size_t i = DHCP_OPTIONS_OFF;

	while (i < len && b[i] != DHO_END) {
		if (b[i] == DHO_PAD) {
			i++;
			continue;
		}
		assert_true(i + 1 < len && i + 2 + b[i + 1] <= len);
		if (b[i] == code) {
			*olen = b[i + 1];
			return b + i + 2;
		}
		i += 2 + (size_t)b[i + 1];
	}
	return NULL;
}

static void
request_with(struct dhcp_msg *m, const uint8_t *prl, size_t n,
	     uint16_t max_size)
{
	struct pkt p;

	pkt_init(&p);
	p.b[10] = 0x80; /* broadcast flag */
	ADD(&p, DHO_MSG_TYPE, 1, DHCP_DISCOVER);
	if (n > 0) {
		ADD(&p, DHO_PARAM_LIST, (uint8_t)n);
		pkt_add(&p, prl, n);
	}
	if (max_size != 0)
		ADD(&p, DHO_MAX_SIZE, 2, (uint8_t)(max_size >> 8),
		    (uint8_t)max_size);
	ADD(&p, DHO_END);
	assert_int_equal(dhcp_parse(p.b, p.len, m), DHCP_OK);
}

static void
test_build_reply(void **state)
{
	static const uint8_t prl[] = {1, 3, 6};
	uint8_t buf[DHCP_MAX_REPLY], olen;
	const uint8_t *o;
	struct dhcp_builder b;
	struct dhcp_msg m;
	struct in_addr yi, sid;
	size_t len;

	(void)state;
	request_with(&m, prl, sizeof(prl), 0);
	yi.s_addr = inet_addr("192.0.2.100");
	sid.s_addr = inet_addr("192.0.2.254");
	dhcp_build_start(&b, buf, sizeof(buf), &m, DHCP_OFFER, yi, sid);
	assert_int_equal(b.cap, DHCP_MIN_MAX_SIZE - DHCP_IPUDP_LEN);
	assert_int_equal(dhcp_build_u32(&b, DHO_LEASE_TIME, 3600, true), 0);
	assert_int_equal(dhcp_build_opt(&b, DHO_ROUTER, &sid, 4, false), 0);
	assert_int_equal(dhcp_build_opt(&b, DHO_DOMAIN, "lab", 3, false), 0);
	len = dhcp_build_finish(&b);
	assert_int_equal(len, DHCP_BOOTP_MIN);
	assert_int_equal(buf[0], DHCP_BOOTREPLY);
	assert_int_equal(buf[1], 1);
	assert_int_equal(buf[2], 6);
	assert_memory_equal(buf + 4, &m.xid, 4);
	assert_int_equal(buf[10], 0x80);
	assert_memory_equal(buf + 16, &yi, 4);
	assert_memory_equal(buf + 28, m.chaddr, 16);
	assert_memory_equal(buf + 236, "\x63\x82\x53\x63", 4);
	/* 53 and 54 come first */
	assert_memory_equal(buf + 240, "\x35\x01\x02\x36\x04", 5);
	assert_memory_equal(buf + 245, &sid, 4);
	o = find_opt(buf, len, DHO_LEASE_TIME, &olen);
	assert_non_null(o);
	assert_memory_equal(o, "\x00\x00\x0e\x10", 4);
	assert_non_null(find_opt(buf, len, DHO_ROUTER, &olen));
	/* 15 was not requested */
	assert_null(find_opt(buf, len, DHO_DOMAIN, &olen));
}

static void
test_build_max_size(void **state)
{
	uint8_t buf[DHCP_MAX_REPLY], big[255] = {0};
	struct dhcp_builder b;
	struct dhcp_msg m;
	struct in_addr a = {0};
	int added = 0;

	(void)state;
	/* 57 = 1000: 972 bytes of DHCP */
	request_with(&m, NULL, 0, 1000);
	dhcp_build_start(&b, buf, sizeof(buf), &m, DHCP_ACK, a, a);
	assert_int_equal(b.cap, 1000 - DHCP_IPUDP_LEN);
	while (dhcp_build_opt(&b, 224, big, sizeof(big), false) == 0)
		added++;
	assert_int_equal(added, 2);
	assert_true(b.full);
	assert_true(dhcp_build_finish(&b) <= 1000 - DHCP_IPUDP_LEN);
	/* a silly 57 below 576 is raised to it, a huge one capped */
	request_with(&m, NULL, 0, 100);
	dhcp_build_start(&b, buf, sizeof(buf), &m, DHCP_ACK, a, a);
	assert_int_equal(b.cap, DHCP_MIN_MAX_SIZE - DHCP_IPUDP_LEN);
	request_with(&m, NULL, 0, 65535);
	dhcp_build_start(&b, buf, sizeof(buf), &m, DHCP_ACK, a, a);
	assert_int_equal(b.cap, DHCP_MAX_REPLY);
	/* an option over 255 bytes is refused */
	assert_int_equal(dhcp_build_opt(&b, 224, buf, 256, true), -1);
}

static void
test_nak_clears_ciaddr(void **state)
{
	uint8_t buf[DHCP_MAX_REPLY];
	struct dhcp_builder b;
	struct dhcp_msg m;
	struct in_addr a = {.s_addr = 0x01010101};

	(void)state;
	request_with(&m, NULL, 0, 0);
	m.ciaddr.s_addr = inet_addr("192.0.2.9");
	dhcp_build_start(&b, buf, sizeof(buf), &m, DHCP_NAK, a, a);
	dhcp_build_finish(&b);
	assert_memory_equal(buf + 12, "\0\0\0\0", 4);
	dhcp_build_start(&b, buf, sizeof(buf), &m, DHCP_ACK, a, a);
	assert_memory_equal(buf + 12, &m.ciaddr, 4);
}

static struct dhcp_route
route(const char *to, uint8_t prefix, const char *via)
{
	struct dhcp_route r;

	r.to.s_addr = inet_addr(to);
	r.prefix = prefix;
	r.via.s_addr = inet_addr(via);
	return r;
}

static void
test_rfc3442(void **state)
{
	struct dhcp_route r[5];
	uint8_t out[64];
	static const uint8_t want[] = {
		0,  192, 0,   2,   254,               /* 0.0.0.0/0 */
		8,  10,  192, 0,   2,   1,            /* 10.0.0.0/8 */
		16, 10,  17,  192, 0,   2,   1,       /* 10.17.0.0/16 */
		25, 10,  229, 0,   128, 192, 0, 2, 1, /* 10.229.0.128/25 */
		32, 198, 51,  100, 7,   192, 0, 2, 1, /* a host */
	};

	(void)state;
	r[0] = route("0.0.0.0", 0, "192.0.2.254");
	r[1] = route("10.0.0.0", 8, "192.0.2.1");
	r[2] = route("10.17.0.0", 16, "192.0.2.1");
	r[3] = route("10.229.0.128", 25, "192.0.2.1");
	r[4] = route("198.51.100.7", 32, "192.0.2.1");
	assert_int_equal(dhcp_encode_routes(r, 5, out, sizeof(out)),
			 sizeof(want));
	assert_memory_equal(out, want, sizeof(want));
	assert_int_equal(dhcp_encode_routes(r, 5, out, sizeof(want) - 1), -1);
	r[0].prefix = 33;
	assert_int_equal(dhcp_encode_routes(r, 1, out, sizeof(out)), -1);
}

static void
test_rawpkt(void **state)
{
	uint8_t pkt[RAWPKT_HDR_LEN + 301];
	struct in_addr src, dst;
	uint32_t sum;
	size_t len, i;

	(void)state;
	for (i = 0; i < 301; i++)
		pkt[RAWPKT_HDR_LEN + i] = (uint8_t)(i * 7);
	src.s_addr = inet_addr("192.0.2.254");
	dst.s_addr = inet_addr("192.0.2.100");
	len = rawpkt_build(pkt, 301, src, 67, dst, 68);
	assert_int_equal(len, RAWPKT_HDR_LEN + 301);
	assert_int_equal(pkt[0], 0x45);
	assert_int_equal(pkt[2] << 8 | pkt[3], len);
	assert_int_equal(pkt[9], 17);
	/* a header with its checksum sums to 0xffff: complement 0 */
	assert_int_equal(rawpkt_checksum(pkt, 20, 0), 0);
	assert_int_equal(pkt[20] << 8 | pkt[21], 67);
	assert_int_equal(pkt[22] << 8 | pkt[23], 68);
	assert_int_equal(pkt[24] << 8 | pkt[25], 8 + 301);
	/* UDP over the pseudo-header verifies the same way */
	sum = (uint32_t)(0xc000 + 0x02fe + 0xc000 + 0x0264) + 17 + 8 + 301;
	assert_int_equal(rawpkt_checksum(pkt + 20, 8 + 301, sum), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_discover_options),
		cmocka_unit_test(test_no_prl_means_everything),
		cmocka_unit_test(test_every_client_type),
		cmocka_unit_test(test_short),
		cmocka_unit_test(test_bad_header),
		cmocka_unit_test(test_option_past_end),
		cmocka_unit_test(test_fixed_lengths),
		cmocka_unit_test(test_overload),
		cmocka_unit_test(test_concatenation),
		cmocka_unit_test(test_hostnames),
		cmocka_unit_test(test_build_reply),
		cmocka_unit_test(test_build_max_size),
		cmocka_unit_test(test_nak_clears_ciaddr),
		cmocka_unit_test(test_rfc3442),
		cmocka_unit_test(test_rawpkt),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
