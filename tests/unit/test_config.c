/*
 * Config loader: valid files load with their defaults; every kind of
 * error is reported once, at its own line and column, naming the key or
 * value.
 */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "config.h"

static struct config *
load(const char *text, struct config_errors *errs)
{
	return config_load_buffer("t.yaml", text, strlen(text), errs);
}

static const char minimal_dhcp[] = "dhcp:\n"
				   "  subnets:\n"
				   "    - network: 192.0.2.0/24\n"
				   "      pools: [192.0.2.100-192.0.2.200]\n";

static void
test_minimal_dhcp_defaults(void **state)
{
	struct config_errors errs;
	struct config *cfg = load(minimal_dhcp, &errs);
	const struct config_subnet *s;

	(void)state;
	assert_non_null(cfg);
	assert_int_equal(cfg->log_level, LOG_LEVEL_INFO);
	assert_null(cfg->user);
	assert_null(cfg->dns);
	assert_null(cfg->http);
	assert_true(config_has_section(cfg, CONFIG_SECTION_DHCP));
	assert_false(config_has_section(cfg, CONFIG_SECTION_DNS));
	assert_string_equal(cfg->dhcp->lease_file, CONFIG_DEFAULT_LEASE_FILE);
	assert_int_equal(cfg->dhcp->subnets_count, 1);
	s = &cfg->dhcp->subnets[0];
	assert_null(s->interface);
	assert_int_equal(s->network.prefix, 24);
	assert_int_equal(s->lease_time, CONFIG_DEFAULT_LEASE_TIME);
	assert_false(s->has_router);
	assert_int_equal(s->pools_count, 1);
	assert_int_equal(s->pools[0].first, 0xc0000264);
	assert_int_equal(s->pools[0].last, 0xc00002c8);
	config_free(cfg);
}

static void
test_example_file_loads(void **state)
{
	const char *srcdir = getenv("LABGATE_SRCDIR");
	char path[4096];
	struct config_errors errs;
	struct config *cfg;
	const struct config_subnet *s;

	(void)state;
	snprintf(path, sizeof(path), "%s/etc/lab.yaml", srcdir ? srcdir : "..");
	cfg = config_load(path, &errs);
	if (cfg == NULL)
		config_errors_print(path, &errs);
	assert_non_null(cfg);
	assert_string_equal(cfg->user, "labgate");
	s = &cfg->dhcp->subnets[0];
	assert_string_equal(s->interface, "s-veth0");
	assert_true(s->has_router);
	assert_int_equal(s->routes_count, 1);
	assert_int_equal(s->routes[0].to.prefix, 24);
	assert_int_equal(s->reservations_count, 1);
	assert_string_equal(s->reservations[0].hostname, "printer");
	assert_int_equal(s->reservations[0].mac[5], 0x01);
	assert_int_equal(cfg->dns->listen_count, 2);
	assert_int_equal(cfg->dns->upstreams_count, 2);
	assert_int_equal(net_sockaddr_port(&cfg->dns->upstreams[0]), 53);
	assert_int_equal(cfg->dns->records_count, 1);
	assert_int_equal(cfg->dns->records[0].type, CONFIG_RR_A);
	assert_string_equal(cfg->dns->records[0].name, "gw.lab.test");
	assert_int_equal(net_sockaddr_port(&cfg->http->listen[0]), 80);
	assert_false(cfg->http->autoindex);
	config_free(cfg);
}

static void
test_dns_and_http_defaults(void **state)
{
	static const char text[] =
		"log: {level: debug}\n"
		"dns:\n"
		"  listen: [\"[::1]\", 127.0.0.1:5353]\n"
		"  upstreams: [\"[2001:db8::53]:5300\"]\n"
		"  records:\n"
		"    - Host.Lab.Test. AAAA 2001:db8::1\n"
		"    - t.lab.test TXT \"hello world\"\n"
		"    - 1.2.0.192.in-addr.arpa PTR gw.lab.test.\n"
		"    - lab.test mx 10 Mail.Lab.Test.\n"
		"    - _http._tcp.lab.test SRV 0 5 8080 gw.lab.test\n"
		"    - null.lab.test MX 0 .\n"
		"http:\n"
		"  listen: [127.0.0.1]\n"
		"  root: /srv/www\n"
		"  autoindex: true\n";
	struct config_errors errs;
	struct config *cfg = load(text, &errs);

	(void)state;
	assert_non_null(cfg);
	assert_int_equal(cfg->log_level, LOG_LEVEL_DEBUG);
	assert_int_equal(net_sockaddr_port(&cfg->dns->listen[0]), 53);
	assert_int_equal(cfg->dns->listen[0].sa.sa_family, AF_INET6);
	assert_int_equal(net_sockaddr_port(&cfg->dns->listen[1]), 5353);
	assert_int_equal(net_sockaddr_port(&cfg->dns->upstreams[0]), 5300);
	assert_int_equal(cfg->dns->cache_size, CONFIG_DEFAULT_CACHE_SIZE);
	/* not an open resolver by default */
	assert_int_equal(cfg->dns->allow_count, 2);
	assert_string_equal(cfg->dns->records[0].name, "host.lab.test");
	assert_int_equal(cfg->dns->records[0].type, CONFIG_RR_AAAA);
	assert_string_equal(cfg->dns->records[1].target, "hello world");
	assert_string_equal(cfg->dns->records[2].target, "gw.lab.test");
	assert_int_equal(cfg->dns->records[3].type, CONFIG_RR_MX);
	assert_int_equal(cfg->dns->records[3].priority, 10);
	assert_string_equal(cfg->dns->records[3].target, "mail.lab.test");
	assert_int_equal(cfg->dns->records[4].type, CONFIG_RR_SRV);
	assert_int_equal(cfg->dns->records[4].priority, 0);
	assert_int_equal(cfg->dns->records[4].weight, 5);
	assert_int_equal(cfg->dns->records[4].port, 8080);
	/* RFC 7505 null MX: the root as the exchange */
	assert_string_equal(cfg->dns->records[5].target, ".");
	assert_string_equal(cfg->http->index, CONFIG_DEFAULT_INDEX);
	assert_true(cfg->http->autoindex);
	assert_null(cfg->http->access_log);
	config_free(cfg);
}

/* One bad file: the first error's line, column and a part of its text. */
struct bad_case {
	const char *text;
	unsigned line;
	unsigned column;
	const char *needle;
};

static const struct bad_case bad_cases[] = {
	/* unknown, duplicate and missing keys */
	{"dhcp:\n  subnets:\n    - network: 192.0.2.0/24\n"
	 "      pools: [192.0.2.1-192.0.2.2]\n      lease_tme: 5\n",
	 5, 7, "unknown key 'lease_tme' in dhcp.subnets[0]"},
	{"colour: blue\n", 1, 1, "unknown key 'colour'"},
	{"user: a\nuser: b\n", 2, 1, "duplicate key 'user'"},
	{"dhcp:\n  subnets:\n    - pools: [192.0.2.1-192.0.2.2]\n", 3, 7,
	 "missing key 'network' in dhcp.subnets[0]"},
	{"http:\n  root: /x\n", 2, 3, "missing key 'listen' in http"},
	/* strict scalars: what libcyaml alone would accept */
	{"dhcp:\n  subnets:\n    - network: 192.0.2.0/24\n"
	 "      pools: [192.0.2.1-192.0.2.2]\n      lease_time: 3600s\n",
	 5, 19, "'3600s' is not valid"},
	{"dns:\n  listen: [127.0.0.1]\n  upstreams: [127.0.0.2]\n"
	 "  cache_size: 1e3\n",
	 4, 15, "'1e3' is not valid"},
	{"dns:\n  listen: [127.0.0.1]\n  upstreams: [127.0.0.2]\n"
	 "  cache_size: 010\n",
	 4, 15, "'010' is not valid"},
	{"dns:\n  listen: [127.0.0.1]\n  upstreams: [127.0.0.2]\n"
	 "  cache_size: -1\n",
	 4, 15, "'-1' is too small"},
	{"dns:\n  listen: [127.0.0.1]\n  upstreams: [127.0.0.2]\n"
	 "  cache_size: 99999999999\n",
	 4, 15, "too large"},
	{"http:\n  listen: [127.0.0.1]\n  root: /x\n  autoindex: yes\n", 4, 14,
	 "'yes' is not true or false"},
	{"log:\n  level: loud\n", 2, 10, "'loud' is not one of"},
	{"user:\n", 1, 6, "user: needs a value"},
	/* wrong kinds */
	{"dhcp: 5\n", 1, 7, "dhcp must be a mapping"},
	{"dhcp:\n  subnets: {a: 1}\n", 2, 12, "must be a list"},
	{"http:\n  listen: 127.0.0.1\n  root: /x\n", 2, 11, "must be a list"},
	{"- a\n", 1, 1, "the file must be a mapping"},
	{"dns:\n  listen: []\n  upstreams: [127.0.0.2]\n", 2, 11, "needs 1 to"},
	/* syntax, aliases, documents */
	{"dhcp: [\n", 2, 1, "YAML syntax error"},
	{"user: \"abc\n", 2, 1, "YAML syntax error"},
	{"log: &l {level: info}\nuser: *l\n", 2, 1,
	 "aliases are not supported"},
	{"user: a\n---\nuser: b\n", 2, 1, "only one YAML document"},
	{"user: \"a\\0b\"\n", 1, 7, "NUL byte"},
	/* semantic checks, at the value's own position */
	{"dhcp:\n  subnets:\n    - network: 192.0.2.0/24\n"
	 "      pools: [192.0.2.1-192.0.2.9, 192.0.3.1-192.0.3.5]\n",
	 4, 36, "192.0.3.1-192.0.3.5 is outside network 192.0.2.0/24"},
	{"dhcp:\n  subnets:\n    - network: 192.0.2.1/24\n"
	 "      pools: [192.0.2.1-192.0.2.2]\n",
	 3, 16, "not an IPv4 network"},
	{"dhcp:\n  subnets:\n    - network: 192.0.2.0/24\n"
	 "      pools: [192.0.2.9-192.0.2.1]\n",
	 4, 15, "FIRST <= LAST"},
	{"dhcp:\n  subnets:\n    - network: 192.0.2.0/24\n"
	 "      pools: [192.0.2.0-192.0.2.9]\n",
	 4, 15, "network or broadcast"},
	{"dhcp:\n  subnets:\n    - network: 192.0.2.0/24\n"
	 "      pools: [192.0.2.1-192.0.2.9, 192.0.2.5-192.0.2.20]\n",
	 4, 36, "overlaps pool"},
	{"dhcp:\n  subnets:\n    - network: 192.0.2.0/24\n"
	 "      pools: [192.0.2.1-192.0.2.9]\n      router: 192.0.2.300\n",
	 5, 15, "'192.0.2.300' is not an IPv4 address"},
	{"dhcp:\n  subnets:\n    - network: 192.0.2.0/24\n"
	 "      pools: [192.0.2.1-192.0.2.9]\n      lease_time: 5\n",
	 5, 19, "lease_time: 5 is outside"},
	{"dhcp:\n  subnets:\n    - network: 192.0.2.0/24\n"
	 "      pools: [192.0.2.1-192.0.2.9]\n      interface: a/b\n",
	 5, 18, "not an interface name"},
	{"dhcp:\n  subnets:\n    - network: 192.0.2.0/24\n"
	 "      pools: [192.0.2.1-192.0.2.9]\n"
	 "      reservations:\n        - {mac: 00:00:5e:00:53:1, address: "
	 "192.0.2.5}\n",
	 6, 17, "not a MAC address"},
	{"dhcp:\n  subnets:\n    - network: 192.0.2.0/24\n"
	 "      pools: [192.0.2.1-192.0.2.9]\n"
	 "    - network: 192.0.2.128/25\n      pools: "
	 "[192.0.2.130-192.0.2.140]\n",
	 5, 16, "overlaps dhcp.subnets[0]"},
	{"dns:\n  listen: [127.0.0.1:53, 127.0.0.1]\n  upstreams: "
	 "[127.0.0.2]\n",
	 2, 26, "listed twice"},
	{"dns:\n  listen: [127.0.0.1]\n  upstreams: [\"::1:53:x\"]\n", 3, 15,
	 "not an address[:port]"},
	{"dns:\n  listen: [127.0.0.1]\n  upstreams: [127.0.0.2]\n"
	 "  allow: [10.0.0.1/8]\n",
	 4, 11, "dns.allow[0]"},
	{"dns:\n  listen: [127.0.0.1]\n  upstreams: [127.0.0.2]\n"
	 "  records: [\"bad..name A 192.0.2.1\"]\n",
	 4, 13, "not a domain name"},
	{"dns:\n  listen: [127.0.0.1]\n  upstreams: [127.0.0.2]\n"
	 "  records: [\"x.test AAAA 192.0.2.1\"]\n",
	 4, 13, "not an IPv6"},
	{"dns:\n  listen: [127.0.0.1]\n  upstreams: [127.0.0.2]\n"
	 "  records: [\"x.test MX mail.x.test\"]\n",
	 4, 13, "PREFERENCE NAME"},
	{"dns:\n  listen: [127.0.0.1]\n  upstreams: [127.0.0.2]\n"
	 "  records: [\"x.test MX 10 mail.x.test extra\"]\n",
	 4, 13, "PREFERENCE NAME"},
	{"dns:\n  listen: [127.0.0.1]\n  upstreams: [127.0.0.2]\n"
	 "  records: [\"_s._tcp.x.test SRV 1 2 65536 h.x.test\"]\n",
	 4, 13, "PRIORITY WEIGHT PORT NAME"},
	{"dns:\n  listen: [127.0.0.1]\n  upstreams: [127.0.0.2]\n"
	 "  records: [\"_s._tcp.x.test SRV 1 2 3 bad..name\"]\n",
	 4, 13, "not a domain name"},
	{"dns:\n  listen: [127.0.0.1]\n  upstreams: [127.0.0.2]\n"
	 "  records: [\"x.test CNAME .\"]\n",
	 4, 13, "not a domain name"},
	{"dns:\n  listen: [127.0.0.1]\n  upstreams: [127.0.0.2]\n"
	 "  records: [\"x.test NS ns.x.test\"]\n",
	 4, 13, "CNAME, MX, PTR, SRV, TXT"},
	{"http:\n  listen: [127.0.0.1]\n  root: /x\n  index: ../etc/passwd\n",
	 4, 10, "file name, not a path"},
};

static void
test_bad_files(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		const struct bad_case *c = &bad_cases[i];
		struct config_errors errs;
		struct config *cfg = load(c->text, &errs);

		if (cfg != NULL || errs.count == 0 ||
		    errs.list[0].line != c->line ||
		    errs.list[0].column != c->column ||
		    strstr(errs.list[0].message, c->needle) == NULL)
			print_error(
				"case %zu: want %u:%u '%s', got %u:%u '%s'\n",
				i, c->line, c->column, c->needle,
				errs.count ? errs.list[0].line : 0,
				errs.count ? errs.list[0].column : 0,
				errs.count ? errs.list[0].message : "(none)");
		assert_null(cfg);
		assert_true(errs.count > 0);
		assert_non_null(strstr(errs.list[0].message, c->needle));
		assert_int_equal(errs.list[0].line, c->line);
		assert_int_equal(errs.list[0].column, c->column);
	}
}

static void
test_errors_are_capped(void **state)
{
	char text[8192] = "";
	struct config_errors errs;
	int i;

	(void)state;
	for (i = 0; i < 30; i++) {
		char line[64];

		snprintf(line, sizeof(line), "key%d: 1\n", i);
		strcat(text, line);
	}
	assert_null(load(text, &errs));
	assert_int_equal(errs.count, CONFIG_MAX_ERRORS);
	assert_int_equal(errs.dropped, 30 - CONFIG_MAX_ERRORS);
}

static void
test_file_errors(void **state)
{
	char dir[] = "/tmp/labgate-test-XXXXXX", path[256];
	struct config_errors errs;
	FILE *f;

	(void)state;
	assert_null(config_load("/nonexistent/lab.yaml", &errs));
	assert_int_equal(errs.count, 1);
	assert_int_equal(errs.list[0].line, 0);
	assert_string_equal(errs.list[0].message, "No such file or directory");
	assert_non_null(mkdtemp(dir));
	assert_null(config_load(dir, &errs));
	assert_string_equal(errs.list[0].message, "not a regular file");
	snprintf(path, sizeof(path), "%s/empty.yaml", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fclose(f);
	assert_null(config_load(path, &errs));
	assert_string_equal(errs.list[0].message, "empty configuration");
	unlink(path);
	rmdir(dir);
}

static struct config *
load_or_fail(const char *text)
{
	struct config_errors errs;
	struct config *cfg = load(text, &errs);

	if (cfg == NULL)
		config_errors_print("t.yaml", &errs);
	assert_non_null(cfg);
	return cfg;
}

static void
test_restart_keys_kept(void **state)
{
	struct config *old = load_or_fail(
		"user: a\nhttp:\n  listen: [127.0.0.1:80]\n  root: /x\n");
	struct config *next = load_or_fail(
		"user: b\nhttp:\n  listen: [127.0.0.1:81]\n  root: /y\n");
	char changed[128];

	(void)state;
	assert_int_equal(config_keep_restart_keys(old, next,
						  CONFIG_SECTION_HTTP, changed,
						  sizeof(changed)),
			 0);
	assert_string_equal(changed, "user, http.listen");
	assert_string_equal(next->user, "a");
	assert_int_equal(net_sockaddr_port(&next->http->listen[0]), 80);
	assert_string_equal(next->http->root, "/y"); /* not restart-only */
	config_free(old);
	/* the kept values live in next's own memory */
	assert_string_equal(next->user, "a");
	config_free(next);
}

static void
test_restart_keys_dhcp(void **state)
{
	static const char a[] =
		"dhcp:\n  lease_file: /a\n  subnets:\n    - interface: e0\n"
		"      network: 192.0.2.0/24\n      pools: "
		"[192.0.2.1-192.0.2.9]\n";
	static const char b[] =
		"dhcp:\n  lease_file: /b\n  subnets:\n    - interface: e0\n"
		"      network: 192.0.2.0/24\n      pools: "
		"[192.0.2.1-192.0.2.20]\n";
	static const char c[] = "dhcp:\n  subnets:\n    - interface: e1\n"
				"      network: 192.0.2.0/24\n      pools: "
				"[192.0.2.1-192.0.2.9]\n";
	struct config *old = load_or_fail(a), *next = load_or_fail(b);
	char changed[128];

	(void)state;
	assert_int_equal(config_keep_restart_keys(old, next,
						  CONFIG_SECTION_DHCP, changed,
						  sizeof(changed)),
			 0);
	assert_string_equal(changed, "dhcp.lease_file");
	assert_string_equal(next->dhcp->lease_file, "/a");
	config_free(next);
	next = load_or_fail(c);
	assert_int_equal(config_keep_restart_keys(old, next,
						  CONFIG_SECTION_DHCP, changed,
						  sizeof(changed)),
			 -1);
	assert_non_null(strstr(changed, "interface"));
	config_free(next);
	next = load_or_fail(a);
	assert_int_equal(config_keep_restart_keys(old, next,
						  CONFIG_SECTION_DHCP, changed,
						  sizeof(changed)),
			 0);
	assert_string_equal(changed, "");
	config_free(next);
	config_free(old);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_minimal_dhcp_defaults),
		cmocka_unit_test(test_example_file_loads),
		cmocka_unit_test(test_dns_and_http_defaults),
		cmocka_unit_test(test_bad_files),
		cmocka_unit_test(test_errors_are_capped),
		cmocka_unit_test(test_file_errors),
		cmocka_unit_test(test_restart_keys_kept),
		cmocka_unit_test(test_restart_keys_dhcp),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
