/*
 * local: records from a real config answered with AA, automatic PTRs,
 * CNAMEs followed, NODATA and NXDOMAIN for local domains, and nothing for
 * names that are not local.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "local.h"

static const char yaml[] =
	"dns:\n"
	"  listen: [127.0.0.1:53]\n"
	"  upstreams: [127.0.0.2]\n"
	"  records:\n"
	"    - gw.lab.test A 192.0.2.254\n"
	"    - gw.lab.test AAAA 2001:db8::1\n"
	"    - www.lab.test CNAME gw.lab.test\n"
	"    - txt.lab.test TXT \"hello there\"\n"
	"    - 1.2.0.192.in-addr.arpa PTR printer.lab.test\n"
	"    - printer.lab.test A 192.0.2.1\n"
	"    - lab.test MX 10 mail.lab.test\n"
	"    - _sip._tcp.lab.test SRV 5 60 5060 pbx.lab.test.\n"
	"    - _ftp._tcp.lab.test SRV 0 0 0 .\n"
	"  local_domains: [lab.test]\n";

struct fixture {
	struct config *cfg;
	struct local_zone *z;
};

static int
setup(void **state)
{
	struct config_errors errs;
	struct fixture *f = calloc(1, sizeof(*f));
	char err[LOCAL_ERRLEN];
	size_t bad;

	f->cfg = config_load_buffer("t.yaml", yaml, strlen(yaml), &errs);
	if (f->cfg == NULL)
		config_errors_print("t.yaml", &errs);
	assert_non_null(f->cfg);
	f->z = local_new(f->cfg->dns, &bad, err, sizeof(err));
	assert_non_null(f->z);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	local_free(f->z);
	config_free(f->cfg);
	free(f);
	return 0;
}

static int
ask(struct fixture *f, const char *name, uint16_t type, struct dns_msg *r,
    uint8_t *out)
{
	uint8_t q[300];
	struct dns_msg m;
	int n;

	memset(q, 0, DNS_HDR_LEN);
	q[0] = 0xbe;
	q[1] = 0xef;
	q[2] = 0x01;
	q[5] = 1;
	n = dns_name_from_text(name, q + DNS_HDR_LEN, DNS_MAX_NAME);
	assert_true(n > 0);
	dns_put16(q + DNS_HDR_LEN + n, type);
	dns_put16(q + DNS_HDR_LEN + n + 2, DNS_CLASS_IN);
	assert_int_equal(dns_msg_parse(q, DNS_HDR_LEN + (size_t)n + 4, &m),
			 DNS_OK);
	n = local_answer(f->z, &m, out, 600);
	if (n > 0)
		assert_int_equal(dns_msg_parse(out, (size_t)n, r), DNS_OK);
	return n;
}

static void
test_a_with_aa(void **state)
{
	struct dns_msg r;
	uint8_t out[600];
	int n = ask(*state, "GW.lab.test", DNS_TYPE_A, &r, out);

	assert_true(n > 0);
	assert_int_equal(r.id, 0xbeef);
	assert_true(r.flags & DNS_FLAG_AA);
	assert_int_equal(DNS_RCODE(r.flags), DNS_RCODE_NOERROR);
	assert_int_equal(r.ancount, 1);
	assert_memory_equal(out + n - 4, "\xc0\x00\x02\xfe", 4);
	/* The question keeps the client's case. */
	assert_memory_equal(r.q.name, "\002GW", 3);
}

static void
test_automatic_ptr(void **state)
{
	struct dns_msg r;
	uint8_t out[600];
	static const uint8_t target[] = "\002gw\003lab\004test";
	int n = ask(*state, "254.2.0.192.in-addr.arpa", DNS_TYPE_PTR, &r, out);

	assert_true(n > 0);
	assert_int_equal(r.ancount, 1);
	assert_memory_equal(out + n - sizeof(target), target, sizeof(target));
	/* IPv6 reverse name, nibbles. */
	n = ask(*state,
		"1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0."
		"2"
		".ip6.arpa",
		DNS_TYPE_PTR, &r, out);
	assert_true(n > 0);
	assert_int_equal(r.ancount, 1);
}

static void
test_configured_ptr_wins(void **state)
{
	struct dns_msg r;
	uint8_t out[600];
	static const uint8_t target[] = "\007printer\003lab\004test";
	int n = ask(*state, "1.2.0.192.in-addr.arpa", DNS_TYPE_PTR, &r, out);

	assert_true(n > 0);
	assert_int_equal(r.ancount, 1);
	assert_memory_equal(out + n - sizeof(target), target, sizeof(target));
}

static void
test_cname_followed(void **state)
{
	struct dns_msg r;
	uint8_t out[600];
	int n = ask(*state, "www.lab.test", DNS_TYPE_AAAA, &r, out);

	assert_true(n > 0);
	assert_int_equal(r.ancount, 2);
	n = ask(*state, "www.lab.test", DNS_TYPE_CNAME, &r, out);
	assert_int_equal(r.ancount, 1);
}

static void
test_txt(void **state)
{
	struct dns_msg r;
	uint8_t out[600];
	int n = ask(*state, "txt.lab.test", DNS_TYPE_TXT, &r, out);

	assert_true(n > 0);
	assert_memory_equal(out + n - 12, "\013hello there", 12);
}

/* The record's data is its last bytes: numbers, then the name uncompressed. */
static void
test_mx_and_srv(void **state)
{
	static const uint8_t mx[] = "\0\012\004mail\003lab\004test";
	static const uint8_t srv[] =
		"\0\005\0\074\023\304\003pbx\003lab\004test";
	struct dns_msg r;
	uint8_t out[600];
	int n = ask(*state, "lab.test", DNS_TYPE_MX, &r, out);

	assert_true(n > 0);
	assert_int_equal(r.ancount, 1);
	assert_true(r.flags & DNS_FLAG_AA);
	assert_memory_equal(out + n - sizeof(mx), mx, sizeof(mx));
	n = ask(*state, "_SIP._tcp.lab.test", DNS_TYPE_SRV, &r, out);
	assert_true(n > 0);
	assert_int_equal(r.ancount, 1);
	assert_memory_equal(out + n - sizeof(srv), srv, sizeof(srv));
	/* RFC 2782 "decidedly not available": the root as the target */
	n = ask(*state, "_ftp._tcp.lab.test", DNS_TYPE_SRV, &r, out);
	assert_true(n > 0);
	assert_int_equal(r.ancount, 1);
	assert_memory_equal(out + n - 9, "\0\007\0\0\0\0\0\0\0", 9);
	/* the MX owner has no A: NODATA, not NXDOMAIN */
	assert_true(ask(*state, "lab.test", DNS_TYPE_A, &r, out) > 0);
	assert_int_equal(DNS_RCODE(r.flags), DNS_RCODE_NOERROR);
	assert_int_equal(r.ancount, 0);
}

static void
test_nodata_nxdomain_and_foreign(void **state)
{
	struct dns_msg r;
	uint8_t out[600];

	assert_true(ask(*state, "txt.lab.test", DNS_TYPE_A, &r, out) > 0);
	assert_int_equal(DNS_RCODE(r.flags), DNS_RCODE_NOERROR);
	assert_int_equal(r.ancount, 0);
	assert_true(ask(*state, "nope.lab.test", DNS_TYPE_A, &r, out) > 0);
	assert_int_equal(DNS_RCODE(r.flags), DNS_RCODE_NXDOMAIN);
	assert_true(r.flags & DNS_FLAG_AA);
	assert_int_equal(ask(*state, "example.org", DNS_TYPE_A, &r, out), 0);
	assert_int_equal(ask(*state, "lab.test.example", DNS_TYPE_A, &r, out),
			 0);
}

static void
test_no_room(void **state)
{
	struct fixture *f = *state;
	uint8_t q[64], out[600];
	struct dns_msg m;
	int n;

	memset(q, 0, DNS_HDR_LEN);
	q[5] = 1;
	n = dns_name_from_text("gw.lab.test", q + DNS_HDR_LEN, 50);
	dns_put16(q + DNS_HDR_LEN + n, DNS_TYPE_A);
	dns_put16(q + DNS_HDR_LEN + n + 2, DNS_CLASS_IN);
	assert_int_equal(dns_msg_parse(q, DNS_HDR_LEN + (size_t)n + 4, &m),
			 DNS_OK);
	assert_int_equal(local_answer(f->z, &m, out, 30), -1);
}

/*
 * A client may compress its own question: here QNAME ends with a pointer
 * to offset 4, whose octet 0 is the root.  Our reply writes the name out
 * in full, so a truncated answer must end where that question ends, not
 * at the client's question_end (one octet further).
 */
static void
test_truncated_compressed_question(void **state)
{
	/* ID abcd, RD, QDCOUNT 1; big.lab.test + pointer to 4; A IN. */
	static const uint8_t q[] = "\xab\xcd\x01\x00\x00\x01\x00\x00"
				   "\x00\x00\x00\x00"
				   "\003big\003lab\004test\xc0\x04"
				   "\x00\x01\x00\x01";
	char yaml2[4096];
	struct config_errors errs;
	struct config *cfg;
	struct local_zone *z;
	struct dns_msg m, r;
	uint8_t out[DNS_MAX_MSG];
	char err[LOCAL_ERRLEN];
	size_t bad, o;
	int i, n;

	(void)state;
	o = (size_t)snprintf(yaml2, sizeof(yaml2),
			     "dns:\n  listen: [127.0.0.1:53]\n"
			     "  upstreams: [127.0.0.2]\n  records:\n");
	for (i = 1; i <= 40; i++)
		o += (size_t)snprintf(yaml2 + o, sizeof(yaml2) - o,
				      "    - big.lab.test A 192.0.2.%d\n", i);
	cfg = config_load_buffer("t.yaml", yaml2, strlen(yaml2), &errs);
	assert_non_null(cfg);
	z = local_new(cfg->dns, &bad, err, sizeof(err));
	assert_non_null(z);
	assert_int_equal(dns_msg_parse(q, sizeof(q) - 1, &m), DNS_OK);
	assert_int_equal(m.question_end, sizeof(q) - 1);
	assert_int_equal(m.q.name_len, 14);

	/* Room for everything: 40 A records. */
	n = local_answer_fit(z, &m, out, sizeof(out), sizeof(out));
	assert_true(n > 512);
	assert_int_equal(dns_msg_parse(out, (size_t)n, &r), DNS_OK);
	assert_int_equal(r.ancount, 40);
	assert_false(r.flags & DNS_FLAG_TC);

	/* 512 octets: header and question only, with TC and AA. */
	n = local_answer_fit(z, &m, out, sizeof(out), 512);
	assert_int_equal(dns_msg_parse(out, (size_t)n, &r), DNS_OK);
	assert_int_equal(r.id, 0xabcd);
	assert_true(r.flags & DNS_FLAG_TC);
	assert_true(r.flags & DNS_FLAG_AA);
	assert_int_equal(r.qdcount, 1);
	assert_int_equal(r.ancount + r.nscount + r.arcount, 0);
	assert_int_equal(r.q.name_len, 14);
	assert_memory_equal(r.q.name, "\003big\003lab\004test", 14);
	assert_int_equal(r.q.qtype, DNS_TYPE_A);
	/* Every octet read: nothing after the question. */
	assert_int_equal(r.question_end, (size_t)n);
	assert_int_equal(n, DNS_HDR_LEN + 14 + 4);

	/* Not even the question fits: -1. */
	assert_int_equal(local_answer_fit(z, &m, out, sizeof(out), 20), -1);
	local_free(z);
	config_free(cfg);
}

/* hosts(5): addresses with names and aliases, comments, bad lines. */
static void
test_hosts_file(void **state)
{
	char path[] = "/tmp/test_dnsfwd_hosts.XXXXXX", yaml2[512], err[256];
	static const char hosts[] =
		"# a comment\n"
		"192.0.2.20  nas.lab.test nas   # trailing comment\n"
		"2001:db8::20 nas.lab.test\n"
		"\n"
		"not-an-address foo\n"
		"192.0.2.21\n"
		"192.0.2.22 bad!name\n";
	struct config_errors errs;
	struct config *cfg;
	struct local_zone *z;
	struct fixture f;
	struct dns_msg r;
	uint8_t out[600];
	size_t bad;
	int fd = mkstemp(path);

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(write(fd, hosts, sizeof(hosts) - 1),
			 (ssize_t)sizeof(hosts) - 1);
	close(fd);
	snprintf(yaml2, sizeof(yaml2),
		 "dns:\n  listen: [127.0.0.1:53]\n  upstreams: [127.0.0.2]\n"
		 "  hosts_file: %s\n",
		 path);
	cfg = config_load_buffer("t.yaml", yaml2, strlen(yaml2), &errs);
	assert_non_null(cfg);
	z = local_new(cfg->dns, &bad, err, sizeof(err));
	assert_non_null(z);
	assert_int_equal(bad, 3);
	f.z = z;
	assert_true(ask(&f, "NAS.lab.test", DNS_TYPE_A, &r, out) > 0);
	assert_int_equal(r.ancount, 1);
	assert_true(ask(&f, "nas", DNS_TYPE_A, &r, out) > 0);
	assert_true(ask(&f, "nas.lab.test", DNS_TYPE_AAAA, &r, out) > 0);
	assert_int_equal(r.ancount, 1);
	/* The first name of the line owns the PTR. */
	assert_true(ask(&f, "20.2.0.192.in-addr.arpa", DNS_TYPE_PTR, &r, out) >
		    0);
	assert_int_equal(r.ancount, 1);
	local_free(z);
	unlink(path);
	/* A missing file is an error naming it. */
	assert_null(local_new(cfg->dns, &bad, err, sizeof(err)));
	assert_non_null(strstr(err, path));
	config_free(cfg);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_a_with_aa, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_automatic_ptr, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_configured_ptr_wins, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_cname_followed, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_txt, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mx_and_srv, setup,
						teardown),
		cmocka_unit_test_setup_teardown(
			test_nodata_nxdomain_and_foreign, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_room, setup, teardown),
		cmocka_unit_test(test_hosts_file),
		cmocka_unit_test(test_truncated_compressed_question),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
