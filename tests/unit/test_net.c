/*
 * net: address parsers (table-driven, good and hostile text), formatters
 * (round trips, short buffers), CIDR matching at its boundaries, and
 * net_listen on loopback (options, errors, fd flags).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "net.h"

#define N(t) (sizeof(t) / sizeof((t)[0]))

/* A string of `len` copies of c, freed by the caller. */
static char *
repeat(char c, size_t len)
{
	char *s = malloc(len + 1);

	assert_non_null(s);
	memset(s, c, len);
	s[len] = '\0';
	return s;
}

static struct net_addr
addr(const char *text)
{
	struct net_addr a;

	if (net_parse_addr(text, &a) != 0)
		fail_msg("test address \"%s\" does not parse", text);
	return a;
}

static struct net_sockaddr
sockaddr_of(const char *text)
{
	struct net_sockaddr sa;

	if (net_parse_sockaddr(text, 0, true, &sa) != 0)
		fail_msg("test address \"%s\" does not parse", text);
	return sa;
}

/* --- net_parse_addr4 / net_parse_addr -------------------------------- */

static void
test_addr4_good(void **state)
{
	static const struct {
		const char *text;
		uint32_t want; /* host order */
	} cases[] = {
		{"192.0.2.1", 0xc0000201},       {"0.0.0.0", 0},
		{"255.255.255.255", 0xffffffff}, {"10.0.0.10", 0x0a00000a},
		{"1.0.100.0", 0x01006400},
	};
	size_t i;

	(void)state;
	for (i = 0; i < N(cases); i++) {
		struct in_addr a;

		if (net_parse_addr4(cases[i].text, &a) != 0)
			fail_msg("\"%s\" refused", cases[i].text);
		assert_int_equal(ntohl(a.s_addr), cases[i].want);
	}
}

static void
test_addr4_bad(void **state)
{
	static const char *const cases[] = {
		"",          "01.2.3.4",  "1.02.3.4",   "1.2.3.04",
		"1.2.3.00",  "00.0.0.0",  "1.2.3",      "1.2.3.4.5",
		"256.1.1.1", "1.2.3.256", "1.2.3.-1",   " 1.2.3.4",
		"1.2.3.4 ",  "0x1.2.3.4", "1..2.3",     "1.2.3.",
		".1.2.3",    "::1",       "1.2.3.4/32", "1.2.3.4:53",
		"a.b.c.d",   "1.2.3.4\n",
	};
	size_t i;

	(void)state;
	for (i = 0; i < N(cases); i++) {
		struct in_addr a;

		if (net_parse_addr4(cases[i], &a) != -1)
			fail_msg("\"%s\" accepted", cases[i]);
	}
}

static void
test_addr_families(void **state)
{
	static const struct {
		const char *text;
		sa_family_t family;
	} cases[] = {
		{"192.0.2.1", AF_INET},
		{"::1", AF_INET6},
		{"::", AF_INET6},
		{"2001:db8::1", AF_INET6},
		{"2001:DB8:0:0:0:0:0:1", AF_INET6},
		{"::ffff:192.0.2.1", AF_INET6},
	};
	size_t i;

	(void)state;
	for (i = 0; i < N(cases); i++) {
		struct net_addr a;

		if (net_parse_addr(cases[i].text, &a) != 0)
			fail_msg("\"%s\" refused", cases[i].text);
		assert_int_equal(a.family, cases[i].family);
	}
}

static void
test_addr_bad(void **state)
{
	static const char *const cases[] = {
		"",
		"fe80::1%eth0",
		"fe80::1%1",
		"[::1]",
		":::",
		"2001:db8::g",
		"1:2:3:4:5:6:7:8:9",
		"2001:db8::1/64",
		"01.2.3.4",
		"1.2.3",
		"localhost",
		" ::1",
		"::1 ",
		"12345::1",
	};
	char *long_v6 = repeat(':', 4096), *long_v4 = repeat('1', 4096);
	struct net_addr a;
	size_t i;

	(void)state;
	for (i = 0; i < N(cases); i++) {
		if (net_parse_addr(cases[i], &a) != -1)
			fail_msg("\"%s\" accepted", cases[i]);
	}
	assert_int_equal(net_parse_addr(long_v6, &a), -1);
	assert_int_equal(net_parse_addr(long_v4, &a), -1);
	free(long_v6);
	free(long_v4);
}

/* --- net_parse_sockaddr ---------------------------------------------- */

struct sockaddr_case {
	const char *text;
	uint16_t default_port;
	bool allow_zero;
	const char *want; /* formatted result; NULL: must be refused */
};

static void
check_sockaddr_case(const struct sockaddr_case *c)
{
	char buf[NET_ADDRSTRLEN];
	struct net_sockaddr sa;
	int rc = net_parse_sockaddr(c->text, c->default_port, c->allow_zero,
				    &sa);

	if (c->want == NULL) {
		if (rc != -1)
			fail_msg("\"%s\" accepted as %s", c->text,
				 net_format_sockaddr(&sa, buf, sizeof(buf)));
		return;
	}
	if (rc != 0)
		fail_msg("\"%s\" refused", c->text);
	net_format_sockaddr(&sa, buf, sizeof(buf));
	if (strcmp(buf, c->want) != 0)
		fail_msg("\"%s\" parsed as %s, want %s", c->text, buf, c->want);
	if (sa.sa.sa_family == AF_INET)
		assert_int_equal(sa.len, sizeof(struct sockaddr_in));
	else
		assert_int_equal(sa.len, sizeof(struct sockaddr_in6));
}

static void
test_sockaddr_good(void **state)
{
	static const struct sockaddr_case cases[] = {
		{"192.0.2.1", 53, false, "192.0.2.1:53"},
		{"192.0.2.1:53", 99, false, "192.0.2.1:53"},
		{"192.0.2.1:1", 99, false, "192.0.2.1:1"},
		{"192.0.2.1:65535", 99, false, "192.0.2.1:65535"},
		{"[2001:db8::1]:53", 99, false, "[2001:db8::1]:53"},
		{"[::1]", 67, false, "[::1]:67"},
		{"::1", 53, false, "[::1]:53"},
		{"2001:db8::1", 8080, false, "[2001:db8::1]:8080"},
		{"[::]:0", 53, true, "[::]:0"},
		{"1.2.3.4:0", 53, true, "1.2.3.4:0"},
		{"1.2.3.4", 0, true, "1.2.3.4:0"},
		{"[::ffff:192.0.2.1]:53", 0, false, "[::ffff:192.0.2.1]:53"},
	};
	size_t i;

	(void)state;
	for (i = 0; i < N(cases); i++)
		check_sockaddr_case(&cases[i]);
}

static void
test_sockaddr_bad(void **state)
{
	static const struct sockaddr_case cases[] = {
		{"", 53, true, NULL},
		{"[192.0.2.1]:53", 53, false, NULL},
		{"[192.0.2.1]", 53, false, NULL},
		{":53", 53, false, NULL},
		{"1.2.3.4:", 53, false, NULL},
		{"1.2.3.4:0", 53, false, NULL},
		{"[::1]:0", 53, false, NULL},
		{"1.2.3.4", 0, false, NULL},
		{"[::1]", 0, false, NULL},
		{"1.2.3.4:65536", 53, false, NULL},
		{"1.2.3.4:99999999999999999999", 53, false, NULL},
		{"1.2.3.4:053", 53, false, NULL},
		{"1.2.3.4:+53", 53, false, NULL},
		{"1.2.3.4:-1", 53, true, NULL},
		{"1.2.3.4: 53", 53, false, NULL},
		{"1.2.3.4:53 ", 53, false, NULL},
		{"1.2.3.4:dns", 53, false, NULL},
		{"[::1]x", 53, false, NULL},
		{"[::1]:", 53, false, NULL},
		{"[::1]:53x", 53, false, NULL},
		{"[::1]]:53", 53, false, NULL},
		{"[::1", 53, false, NULL},
		{"::1]:53", 53, false, NULL},
		{"[]:53", 53, false, NULL},
		{"[]", 53, false, NULL},
		{"[", 53, false, NULL},
		{"[[::1]]:53", 53, false, NULL},
		{"[fe80::1%eth0]:53", 53, false, NULL},
		{"localhost:53", 53, false, NULL},
		{"01.2.3.4:53", 53, false, NULL},
		{"1.2.3:53", 53, false, NULL},
	};
	size_t i;

	(void)state;
	for (i = 0; i < N(cases); i++)
		check_sockaddr_case(&cases[i]);
}

static void
test_sockaddr_overlong(void **state)
{
	static const size_t lens[] = {63, 64, 65, 255, 256, 4096, 65536};
	struct net_sockaddr sa;
	size_t i;

	(void)state;
	for (i = 0; i < N(lens); i++) {
		char *digits = repeat('1', lens[i]);
		char *colons = repeat(':', lens[i]);
		char *bracket = repeat(']', lens[i]);

		digits[0] = '[';
		assert_int_equal(net_parse_sockaddr(digits, 53, true, &sa), -1);
		assert_int_equal(net_parse_sockaddr(colons, 53, true, &sa), -1);
		bracket[0] = '[';
		assert_int_equal(net_parse_sockaddr(bracket, 53, true, &sa),
				 -1);
		free(digits);
		free(colons);
		free(bracket);
	}
}

/* The longest text the parser meets in practice still fits. */
static void
test_sockaddr_longest_v6(void **state)
{
	static const struct sockaddr_case c = {
		"[ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255]:65535", 0,
		false, "[ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff]:65535"};

	(void)state;
	check_sockaddr_case(&c);
}

/* --- net_parse_cidr -------------------------------------------------- */

static void
test_cidr_good(void **state)
{
	static const struct {
		const char *text;
		const char *addr;
		unsigned prefix;
	} cases[] = {
		{"192.0.2.0/24", "192.0.2.0", 24},
		{"0.0.0.0/0", "0.0.0.0", 0},
		{"192.0.2.1/32", "192.0.2.1", 32},
		{"192.0.2.128/25", "192.0.2.128", 25},
		{"10.0.0.0/7", "10.0.0.0", 7},
		{"2001:db8::/32", "2001:db8::", 32},
		{"2001:db8::1/128", "2001:db8::1", 128},
		{"::/0", "::", 0},
		{"2001:db8:8000::/33", "2001:db8:8000::", 33},
	};
	size_t i;

	(void)state;
	for (i = 0; i < N(cases); i++) {
		struct net_cidr c;
		struct net_addr want = addr(cases[i].addr);

		if (net_parse_cidr(cases[i].text, &c) != 0)
			fail_msg("\"%s\" refused", cases[i].text);
		assert_int_equal(c.prefix, cases[i].prefix);
		assert_true(net_addr_equal(&c.addr, &want));
	}
}

static void
test_cidr_bad(void **state)
{
	static const char *const cases[] = {
		"192.0.2.1/24", /* host bits set */
		"192.0.2.64/25",
		"11.0.0.0/7",
		"1.0.0.0/0",
		"2001:db8::1/64",
		"2001:db8:4000::/33",
		"::1/0",
		"192.0.2.0/33",
		"::/129",
		"192.0.2.0/255",
		"192.0.2.0/256",
		"192.0.2.0",
		"192.0.2.0/",
		"/24",
		"/",
		"",
		"192.0.2.0/024",
		"192.0.2.0/24/",
		"192.0.2.0/ 24",
		"192.0.2.0 /24",
		"192.0.2.0/-1",
		"192.0.2.0/+24",
		"192.0.2.0/0x18",
		"192.0.2/24",
		"fe80::%eth0/64",
		"[2001:db8::]/32",
		"192.0.2.0/99999999999999999999999",
	};
	char *long_host = repeat('1', 300);
	struct net_cidr c;
	size_t i;

	(void)state;
	for (i = 0; i < N(cases); i++) {
		if (net_parse_cidr(cases[i], &c) != -1)
			fail_msg("\"%s\" accepted", cases[i]);
	}
	long_host[299] = '/';
	assert_int_equal(net_parse_cidr(long_host, &c), -1);
	free(long_host);
}

/* --- net_parse_mac --------------------------------------------------- */

static void
test_mac_good(void **state)
{
	static const char *const cases[] = {
		"00:00:5e:00:53:af",
		"00-00-5e-00-53-af",
		"00:00:5E:00:53:AF",
		"00-00-5E-00-53-aF",
	};
	static const uint8_t want[NET_MAC_LEN] = {0, 0, 0x5e, 0, 0x53, 0xaf};
	size_t i;

	(void)state;
	for (i = 0; i < N(cases); i++) {
		uint8_t mac[NET_MAC_LEN];

		if (net_parse_mac(cases[i], mac) != 0)
			fail_msg("\"%s\" refused", cases[i]);
		assert_memory_equal(mac, want, NET_MAC_LEN);
	}
}

static void
test_mac_bad(void **state)
{
	static const char *const cases[] = {
		"00:00-5e:00:53:01",  "00-00:5e-00:53-01",
		"00:00:5e:00:53",     "00:00:5e:00:53:01:02",
		"00:00:5e:00:53:1",   "0:00:5e:00:53:01",
		"00:00:5e:00:53:0g",  "000:0:5e:00:53:01",
		"00.00.5e.00.53.01",  "0000.5e00.5301",
		"00005e005301",       "00:00:5e:00:53:01 ",
		" 00:00:5e:00:53:01", "",
		"::::::::::::::::",   "00:00:5e:00:53:",
		"00 00 5e 00 53 01",  "+0:00:5e:00:53:01",
	};
	uint8_t mac[NET_MAC_LEN];
	size_t i;

	(void)state;
	for (i = 0; i < N(cases); i++) {
		if (net_parse_mac(cases[i], mac) != -1)
			fail_msg("\"%s\" accepted", cases[i]);
	}
}

/* --- net_parse_range4 ------------------------------------------------ */

static void
test_range4_good(void **state)
{
	static const struct {
		const char *text;
		uint32_t first, last;
	} cases[] = {
		{"192.0.2.100-192.0.2.200", 0xc0000264, 0xc00002c8},
		{"192.0.2.7-192.0.2.7", 0xc0000207, 0xc0000207},
		{"0.0.0.0-255.255.255.255", 0, 0xffffffff},
		{"192.0.2.255-192.0.3.0", 0xc00002ff, 0xc0000300},
	};
	size_t i;

	(void)state;
	for (i = 0; i < N(cases); i++) {
		struct net_range4 r;

		if (net_parse_range4(cases[i].text, &r) != 0)
			fail_msg("\"%s\" refused", cases[i].text);
		assert_int_equal(r.first, cases[i].first);
		assert_int_equal(r.last, cases[i].last);
	}
}

static void
test_range4_bad(void **state)
{
	static const char *const cases[] = {
		"192.0.2.200-192.0.2.100",
		"192.0.3.0-192.0.2.255",
		"192.0.2.100-",
		"-192.0.2.200",
		"-",
		"",
		"192.0.2.100",
		"192.0.2.100 - 192.0.2.200",
		"192.0.2.100--192.0.2.200",
		"192.0.2.100-192.0.2.200-192.0.2.250",
		"01.0.0.1-1.0.0.2",
		"1.0.0.1-1.0.0.02",
		"::1-::2",
		"192.0.2.0/24",
		"192.0.2.100-192.0.2",
		"192.0.2.100-192.0.2.256",
	};
	char *long_first = repeat('1', 200);
	struct net_range4 r;
	size_t i;

	(void)state;
	for (i = 0; i < N(cases); i++) {
		if (net_parse_range4(cases[i], &r) != -1)
			fail_msg("\"%s\" accepted", cases[i]);
	}
	long_first[150] = '-';
	assert_int_equal(net_parse_range4(long_first, &r), -1);
	free(long_first);
}

/* --- formatters ------------------------------------------------------ */

static void
test_format_addr_round_trip(void **state)
{
	static const char *const cases[] = {
		"192.0.2.1",
		"0.0.0.0",
		"255.255.255.255",
		"::",
		"::1",
		"2001:db8::1",
		"::ffff:192.0.2.1",
		"fe80::1:2:3:4",
		"ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
	};
	size_t i;

	(void)state;
	for (i = 0; i < N(cases); i++) {
		char buf[NET_ADDRSTRLEN];
		struct net_addr a = addr(cases[i]);

		assert_ptr_equal(net_format_addr(&a, buf, sizeof(buf)), buf);
		assert_string_equal(buf, cases[i]);
	}
}

static void
test_format_sockaddr_round_trip(void **state)
{
	static const char *const cases[] = {
		"192.0.2.1:53",
		"255.255.255.255:65535",
		"[::1]:1",
		"[2001:db8::1]:53",
		"[ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff]:65535",
	};
	size_t i;

	(void)state;
	for (i = 0; i < N(cases); i++) {
		char buf[NET_ADDRSTRLEN], again[NET_ADDRSTRLEN];
		struct net_sockaddr sa = sockaddr_of(cases[i]), sb;

		assert_ptr_equal(net_format_sockaddr(&sa, buf, sizeof(buf)),
				 buf);
		assert_string_equal(buf, cases[i]);
		assert_int_equal(net_parse_sockaddr(buf, 0, false, &sb), 0);
		assert_true(net_sockaddr_equal(&sa, &sb));
		net_format_sockaddr(&sb, again, sizeof(again));
		assert_string_equal(again, buf);
	}
}

static void
test_format_mac_round_trip(void **state)
{
	uint8_t mac[NET_MAC_LEN], again[NET_MAC_LEN];
	char buf[NET_ADDRSTRLEN];

	(void)state;
	assert_int_equal(net_parse_mac("0A-1b-C2-d3-E4-ff", mac), 0);
	assert_string_equal(net_format_mac(mac, buf, sizeof(buf)),
			    "0a:1b:c2:d3:e4:ff");
	assert_int_equal(net_parse_mac(buf, again), 0);
	assert_memory_equal(mac, again, NET_MAC_LEN);
}

/* A buffer shorter than the text stays NUL-terminated and in bounds. */
static void
test_format_short_buffer(void **state)
{
	struct net_addr a = addr("2001:db8::1");
	struct net_sockaddr sa = sockaddr_of("[2001:db8::1]:53");
	uint8_t mac[NET_MAC_LEN] = {1, 2, 3, 4, 5, 6};
	char buf[16];

	(void)state;
	memset(buf, 'X', sizeof(buf));
	net_format_addr(&a, buf, 8);
	assert_true(strlen(buf) < 8);
	assert_int_equal(buf[8], 'X');
	memset(buf, 'X', sizeof(buf));
	net_format_sockaddr(&sa, buf, 8);
	assert_true(strlen(buf) < 8);
	assert_int_equal(buf[8], 'X');
	memset(buf, 'X', sizeof(buf));
	net_format_mac(mac, buf, 8);
	assert_string_equal(buf, "01:02:0");
	assert_int_equal(buf[8], 'X');
}

/* --- matching -------------------------------------------------------- */

static struct net_cidr
cidr(const char *text)
{
	struct net_cidr c;

	if (net_parse_cidr(text, &c) != 0)
		fail_msg("test network \"%s\" does not parse", text);
	return c;
}

static void
test_cidr_contains_boundaries(void **state)
{
	static const struct {
		const char *net, *addr;
		bool want;
	} cases[] = {
		{"192.0.2.0/24", "192.0.2.0", true},
		{"192.0.2.0/24", "192.0.2.255", true},
		{"192.0.2.0/24", "192.0.1.255", false},
		{"192.0.2.0/24", "192.0.3.0", false},
		{"192.0.2.128/25", "192.0.2.128", true},
		{"192.0.2.128/25", "192.0.2.255", true},
		{"192.0.2.128/25", "192.0.2.127", false},
		{"10.0.0.0/7", "11.255.255.255", true},
		{"10.0.0.0/7", "12.0.0.0", false},
		{"10.0.0.0/7", "9.255.255.255", false},
		{"0.0.0.0/0", "0.0.0.0", true},
		{"0.0.0.0/0", "255.255.255.255", true},
		{"192.0.2.1/32", "192.0.2.1", true},
		{"192.0.2.1/32", "192.0.2.0", false},
		{"192.0.2.1/32", "192.0.2.2", false},
		{"2001:db8::/32", "2001:db8:ffff:ffff::1", true},
		{"2001:db8::/32", "2001:db9::", false},
		{"2001:db8::/32", "2001:db7:ffff::", false},
		{"2001:db8:8000::/33", "2001:db8:ffff::", true},
		{"2001:db8:8000::/33", "2001:db8:7fff::", false},
		{"::1/128", "::1", true},
		{"::1/128", "::2", false},
		{"::/0", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", true},
		/* never across families */
		{"0.0.0.0/0", "::1", false},
		{"0.0.0.0/0", "::ffff:192.0.2.1", false},
		{"::/0", "192.0.2.1", false},
	};
	size_t i;

	(void)state;
	for (i = 0; i < N(cases); i++) {
		struct net_cidr c = cidr(cases[i].net);
		struct net_addr a = addr(cases[i].addr);

		if (net_cidr_contains(&c, &a) != cases[i].want)
			fail_msg("%s in %s: want %d", cases[i].addr,
				 cases[i].net, cases[i].want);
	}
}

static void
test_cidr_list_contains_sockaddr(void **state)
{
	struct net_cidr list[2];
	struct net_sockaddr in4, out4, in6;

	(void)state;
	assert_int_equal(net_parse_cidr("127.0.0.0/8", &list[0]), 0);
	assert_int_equal(net_parse_cidr("::1/128", &list[1]), 0);
	assert_int_equal(net_parse_sockaddr("127.9.9.9:53", 0, false, &in4), 0);
	assert_int_equal(net_parse_sockaddr("192.0.2.1:53", 0, false, &out4),
			 0);
	assert_int_equal(net_parse_sockaddr("[::1]:53", 0, false, &in6), 0);
	assert_true(net_cidr_list_contains_sockaddr(list, 2, &in4.sa));
	assert_true(net_cidr_list_contains_sockaddr(list, 2, &in6.sa));
	assert_false(net_cidr_list_contains_sockaddr(list, 2, &out4.sa));
	assert_false(net_cidr_list_contains_sockaddr(list, 0, &in4.sa));
	assert_false(net_cidr_list_contains_sockaddr(list, 1, &in6.sa));
}

static void
test_cidr_contains_sockaddr(void **state)
{
	struct net_cidr c4 = cidr("192.0.2.0/24"), c6 = cidr("2001:db8::/32");
	struct net_sockaddr in = sockaddr_of("192.0.2.9:5353");
	struct net_sockaddr out = sockaddr_of("198.51.100.1:53");
	struct net_sockaddr in6 = sockaddr_of("[2001:db8::5]:53");
	struct sockaddr_storage un;

	(void)state;
	assert_true(net_cidr_contains_sockaddr(&c4, &in.sa));
	assert_false(net_cidr_contains_sockaddr(&c4, &out.sa));
	assert_false(net_cidr_contains_sockaddr(&c4, &in6.sa));
	assert_true(net_cidr_contains_sockaddr(&c6, &in6.sa));
	memset(&un, 0, sizeof(un));
	un.ss_family = AF_UNIX;
	assert_false(net_cidr_contains_sockaddr(&c4, (struct sockaddr *)&un));
	assert_false(net_cidr_contains_sockaddr(&c6, (struct sockaddr *)&un));
}

static void
test_sockaddr_equal(void **state)
{
	static const struct {
		const char *a, *b;
		bool want;
	} cases[] = {
		{"192.0.2.1:53", "192.0.2.1:53", true},
		{"192.0.2.1:53", "192.0.2.1:54", false},
		{"192.0.2.1:53", "192.0.2.2:53", false},
		{"[::1]:53", "[::1]:53", true},
		{"[::1]:53", "[::1]:54", false},
		{"[::1]:53", "[::2]:53", false},
		{"192.0.2.1:53", "[::ffff:192.0.2.1]:53", false},
		{"0.0.0.0:53", "[::]:53", false},
	};
	size_t i;

	(void)state;
	for (i = 0; i < N(cases); i++) {
		struct net_sockaddr a = sockaddr_of(cases[i].a);
		struct net_sockaddr b = sockaddr_of(cases[i].b);

		if (net_sockaddr_equal(&a, &b) != cases[i].want ||
		    net_sockaddr_equal(&b, &a) != cases[i].want)
			fail_msg("%s == %s: want %d", cases[i].a, cases[i].b,
				 cases[i].want);
	}
}

static void
test_addr_equal(void **state)
{
	static const struct {
		const char *a, *b;
		bool want;
	} cases[] = {
		{"192.0.2.1", "192.0.2.1", true},
		{"192.0.2.1", "192.0.2.2", false},
		{"2001:db8::1", "2001:db8:0::1", true},
		{"2001:db8::1", "2001:db8::2", false},
		{"2001:db8::1", "2001:db9::1", false},
		/* equal bytes, different families */
		{"0.0.0.0", "::", false},
		{"192.0.2.1", "c000:201::", false},
		{"192.0.2.1", "::ffff:192.0.2.1", false},
	};
	size_t i;

	(void)state;
	for (i = 0; i < N(cases); i++) {
		struct net_addr a = addr(cases[i].a), b = addr(cases[i].b);

		if (net_addr_equal(&a, &b) != cases[i].want ||
		    net_addr_equal(&b, &a) != cases[i].want)
			fail_msg("%s == %s: want %d", cases[i].a, cases[i].b,
				 cases[i].want);
	}
}

static void
test_sockaddr_parts(void **state)
{
	struct net_sockaddr sa = sockaddr_of("[2001:db8::7]:8053");
	struct net_addr a, want = addr("2001:db8::7");

	(void)state;
	net_sockaddr_addr(&sa, &a);
	assert_true(net_addr_equal(&a, &want));
	assert_int_equal(net_sockaddr_port(&sa), 8053);
	sa = sockaddr_of("192.0.2.7:67");
	want = addr("192.0.2.7");
	net_sockaddr_addr(&sa, &a);
	assert_true(net_addr_equal(&a, &want));
	assert_int_equal(net_sockaddr_port(&sa), 67);
}

/* --- net_listen ------------------------------------------------------ */

static uint16_t
local_port(int fd)
{
	struct net_sockaddr sa;

	sa.len = sizeof(sa.ss);
	assert_int_equal(getsockname(fd, &sa.sa, &sa.len), 0);
	return net_sockaddr_port(&sa);
}

static int
sockopt_int(int fd, int level, int name)
{
	socklen_t len = sizeof(int);
	int v = -1;

	assert_int_equal(getsockopt(fd, level, name, &v, &len), 0);
	return v;
}

static void
check_fd_flags(int fd)
{
	int fl = fcntl(fd, F_GETFL), fdfl = fcntl(fd, F_GETFD);

	assert_true(fl != -1 && (fl & O_NONBLOCK));
	assert_true(fdfl != -1 && (fdfl & FD_CLOEXEC));
}

/* Whether this host can bind ::1 (containers often lack IPv6). */
static bool
have_ipv6_loopback(void)
{
	struct sockaddr_in6 sin6;
	int fd = socket(AF_INET6, SOCK_DGRAM, 0), ok;

	if (fd == -1)
		return false;
	memset(&sin6, 0, sizeof(sin6));
	sin6.sin6_family = AF_INET6;
	sin6.sin6_addr = in6addr_loopback;
	ok = bind(fd, (struct sockaddr *)&sin6, sizeof(sin6)) == 0;
	close(fd);
	if (!ok)
		print_message("# no IPv6 loopback here; test skipped\n");
	return ok;
}

static void
test_listen_tcp_loopback(void **state)
{
	struct net_sockaddr sa = sockaddr_of("127.0.0.1:0");
	char err[NET_ERRLEN] = "";
	int fd = net_listen(&sa, SOCK_STREAM, 0, NULL, err, sizeof(err));

	(void)state;
	if (fd == -1)
		fail_msg("%s", err);
	check_fd_flags(fd);
	assert_true(local_port(fd) != 0);
	assert_int_equal(sockopt_int(fd, SOL_SOCKET, SO_TYPE), SOCK_STREAM);
	assert_int_equal(sockopt_int(fd, SOL_SOCKET, SO_ACCEPTCONN), 1);
	assert_int_equal(sockopt_int(fd, SOL_SOCKET, SO_REUSEADDR), 1);
	close(fd);
}

static void
test_listen_udp_loopback(void **state)
{
	struct net_sockaddr sa = sockaddr_of("127.0.0.1:0");
	char err[NET_ERRLEN] = "";
	int fd = net_listen(&sa, SOCK_DGRAM, 0, NULL, err, sizeof(err));

	(void)state;
	if (fd == -1)
		fail_msg("%s", err);
	check_fd_flags(fd);
	assert_true(local_port(fd) != 0);
	assert_int_equal(sockopt_int(fd, SOL_SOCKET, SO_TYPE), SOCK_DGRAM);
	assert_int_equal(sockopt_int(fd, SOL_SOCKET, SO_REUSEPORT), 0);
	assert_int_equal(sockopt_int(fd, SOL_SOCKET, SO_BROADCAST), 0);
	assert_int_equal(sockopt_int(fd, IPPROTO_IP, IP_PKTINFO), 0);
	assert_true(sockopt_int(fd, IPPROTO_IP, IP_MTU_DISCOVER) !=
		    IP_PMTUDISC_OMIT);
	close(fd);
}

static void
test_listen_flags_set_options(void **state)
{
	struct net_sockaddr sa = sockaddr_of("127.0.0.1:0");
	char err[NET_ERRLEN] = "";
	int fd = net_listen(&sa, SOCK_DGRAM,
			    NET_LISTEN_REUSEPORT | NET_LISTEN_BROADCAST |
				    NET_LISTEN_PKTINFO | NET_LISTEN_NO_PMTUD,
			    NULL, err, sizeof(err));
	struct net_sockaddr sa6 = sockaddr_of("[::1]:0");

	(void)state;
	if (fd == -1)
		fail_msg("%s", err);
	assert_int_equal(sockopt_int(fd, SOL_SOCKET, SO_REUSEPORT), 1);
	assert_int_equal(sockopt_int(fd, SOL_SOCKET, SO_BROADCAST), 1);
	assert_int_equal(sockopt_int(fd, IPPROTO_IP, IP_PKTINFO), 1);
	assert_int_equal(sockopt_int(fd, IPPROTO_IP, IP_MTU_DISCOVER),
			 IP_PMTUDISC_OMIT);
	close(fd);
	fd = net_listen(&sa6, SOCK_DGRAM, NET_LISTEN_NO_PMTUD, NULL, err,
			sizeof(err));
	if (fd == -1) /* a host without IPv6 */
		return;
	assert_int_equal(sockopt_int(fd, IPPROTO_IPV6, IPV6_MTU_DISCOVER),
			 IPV6_PMTUDISC_OMIT);
	close(fd);
}

/* A plain socket holding 127.0.0.1:<port>; returns the fd. */
static int
occupy_port(int type, uint16_t *port)
{
	struct net_sockaddr sa = sockaddr_of("127.0.0.1:0");
	int fd = socket(AF_INET, type, 0);

	assert_true(fd >= 0);
	assert_int_equal(bind(fd, &sa.sa, sa.len), 0);
	if (type == SOCK_STREAM)
		assert_int_equal(listen(fd, 1), 0);
	*port = local_port(fd);
	return fd;
}

static void
check_address_in_use(int type)
{
	char text[32], err[NET_ERRLEN], want[NET_ERRLEN];
	struct net_sockaddr sa;
	uint16_t port;
	int busy = occupy_port(type, &port), fd;

	snprintf(text, sizeof(text), "127.0.0.1:%u", (unsigned)port);
	sa = sockaddr_of(text);
	snprintf(want, sizeof(want), "%s: Address already in use", text);
	memset(err, 0, sizeof(err));
	fd = net_listen(&sa, type, 0, NULL, err, sizeof(err));
	close(busy);
	if (fd != -1)
		close(fd);
	assert_int_equal(fd, -1);
	assert_string_equal(err, want);
}

static void
test_listen_tcp_address_in_use(void **state)
{
	(void)state;
	check_address_in_use(SOCK_STREAM);
}

static void
test_listen_udp_address_in_use(void **state)
{
	(void)state;
	check_address_in_use(SOCK_DGRAM);
}

/* A short err buffer is cut, never overrun. */
static void
test_listen_error_truncated(void **state)
{
	struct net_sockaddr sa;
	char text[32], err[16];
	uint16_t port;
	int busy = occupy_port(SOCK_STREAM, &port), fd;

	(void)state;
	snprintf(text, sizeof(text), "127.0.0.1:%u", (unsigned)port);
	sa = sockaddr_of(text);
	memset(err, 'X', sizeof(err));
	fd = net_listen(&sa, SOCK_STREAM, 0, NULL, err, 8);
	close(busy);
	assert_int_equal(fd, -1);
	assert_true(strlen(err) == 7);
	assert_memory_equal(err, text, 7);
	assert_int_equal(err[8], 'X');
}

static void
test_listen_ipv6_loopback(void **state)
{
	struct net_sockaddr sa = sockaddr_of("[::1]:0");
	char err[NET_ERRLEN] = "";
	int fd;

	(void)state;
	if (!have_ipv6_loopback())
		return;
	fd = net_listen(&sa, SOCK_STREAM, 0, NULL, err, sizeof(err));
	if (fd == -1)
		fail_msg("%s", err);
	check_fd_flags(fd);
	assert_true(local_port(fd) != 0);
	close(fd);
}

/*
 * IPV6_V6ONLY lets "[::]:P" and "0.0.0.0:P" both be listened on.  (Only
 * the wildcard shows it: the kernel makes sockets bound to a specific
 * IPv6 address v6-only anyway.)  TCP, since SO_REUSEADDR would let two
 * UDP sockets share the port regardless.
 */
static void
test_listen_v6_any_is_v6only(void **state)
{
	struct net_sockaddr any6 = sockaddr_of("[::]:0"), any4;
	char err[NET_ERRLEN] = "", text[32];
	int fd6, fd4;

	(void)state;
	if (!have_ipv6_loopback())
		return;
	fd6 = net_listen(&any6, SOCK_STREAM, 0, NULL, err, sizeof(err));
	if (fd6 == -1)
		fail_msg("%s", err);
	assert_int_equal(sockopt_int(fd6, IPPROTO_IPV6, IPV6_V6ONLY), 1);
	snprintf(text, sizeof(text), "0.0.0.0:%u", (unsigned)local_port(fd6));
	any4 = sockaddr_of(text);
	fd4 = net_listen(&any4, SOCK_STREAM, 0, NULL, err, sizeof(err));
	close(fd6);
	if (fd4 == -1)
		fail_msg("%s", err);
	close(fd4);
}

static void
test_listen_ifname_too_long(void **state)
{
	static const char *const names[] = {
		"abcdefghijklmnop", /* IF_NAMESIZE chars */
		"abcdefghijklmnopqrstuvwxyz0123456789",
	};
	struct net_sockaddr sa = sockaddr_of("127.0.0.1:0");
	size_t i;

	(void)state;
	assert_int_equal(strlen(names[0]), IF_NAMESIZE);
	for (i = 0; i < N(names); i++) {
		char err[NET_ERRLEN] = "", want[NET_ERRLEN];
		int fd = net_listen(&sa, SOCK_DGRAM, 0, names[i], err,
				    sizeof(err));

		snprintf(want, sizeof(want),
			 "127.0.0.1:0: interface name too long: %s", names[i]);
		if (fd != -1)
			close(fd);
		assert_int_equal(fd, -1);
		assert_string_equal(err, want);
	}
}

static void
test_listen_bind_to_device_lo(void **state)
{
	struct net_sockaddr sa = sockaddr_of("127.0.0.1:0");
	char err[NET_ERRLEN] = "", dev[IF_NAMESIZE] = "";
	socklen_t len = sizeof(dev);
	int fd;

	(void)state;
	if (geteuid() != 0) {
		print_message("# not root: SO_BINDTODEVICE test skipped\n");
		return;
	}
	fd = net_listen(&sa, SOCK_DGRAM, 0, "lo", err, sizeof(err));
	if (fd == -1)
		fail_msg("%s", err);
	assert_int_equal(getsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, dev, &len),
			 0);
	assert_string_equal(dev, "lo");
	close(fd);
}

static void
test_listen_unknown_device(void **state)
{
	struct net_sockaddr sa = sockaddr_of("127.0.0.1:0");
	char err[NET_ERRLEN] = "", want[NET_ERRLEN];
	int fd;

	(void)state;
	if (geteuid() != 0) {
		print_message("# not root: SO_BINDTODEVICE test skipped\n");
		return;
	}
	fd = net_listen(&sa, SOCK_DGRAM, 0, "nosuchif0", err, sizeof(err));
	if (fd != -1)
		close(fd);
	assert_int_equal(fd, -1);
	snprintf(want, sizeof(want), "127.0.0.1:0: interface nosuchif0: %s",
		 strerror(ENODEV));
	assert_string_equal(err, want);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_addr4_good),
		cmocka_unit_test(test_addr4_bad),
		cmocka_unit_test(test_addr_families),
		cmocka_unit_test(test_addr_bad),
		cmocka_unit_test(test_sockaddr_good),
		cmocka_unit_test(test_sockaddr_bad),
		cmocka_unit_test(test_sockaddr_overlong),
		cmocka_unit_test(test_sockaddr_longest_v6),
		cmocka_unit_test(test_cidr_good),
		cmocka_unit_test(test_cidr_bad),
		cmocka_unit_test(test_mac_good),
		cmocka_unit_test(test_mac_bad),
		cmocka_unit_test(test_range4_good),
		cmocka_unit_test(test_range4_bad),
		cmocka_unit_test(test_format_addr_round_trip),
		cmocka_unit_test(test_format_sockaddr_round_trip),
		cmocka_unit_test(test_format_mac_round_trip),
		cmocka_unit_test(test_format_short_buffer),
		cmocka_unit_test(test_cidr_contains_boundaries),
		cmocka_unit_test(test_cidr_list_contains_sockaddr),
		cmocka_unit_test(test_cidr_contains_sockaddr),
		cmocka_unit_test(test_sockaddr_equal),
		cmocka_unit_test(test_addr_equal),
		cmocka_unit_test(test_sockaddr_parts),
		cmocka_unit_test(test_listen_tcp_loopback),
		cmocka_unit_test(test_listen_udp_loopback),
		cmocka_unit_test(test_listen_flags_set_options),
		cmocka_unit_test(test_listen_tcp_address_in_use),
		cmocka_unit_test(test_listen_udp_address_in_use),
		cmocka_unit_test(test_listen_error_truncated),
		cmocka_unit_test(test_listen_ipv6_loopback),
		cmocka_unit_test(test_listen_v6_any_is_v6only),
		cmocka_unit_test(test_listen_ifname_too_long),
		cmocka_unit_test(test_listen_bind_to_device_lo),
		cmocka_unit_test(test_listen_unknown_device),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
