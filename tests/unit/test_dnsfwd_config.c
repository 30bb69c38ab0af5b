/*
 * The dns section's own keys: defaults, every value checked with its
 * position, forward entries parsed, restart-only workers kept in range.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "config.h"

static struct config *
load(const char *text, struct config_errors *errs)
{
	return config_load_buffer("t.yaml", text, strlen(text), errs);
}

static const char base[] = "dns:\n"
			   "  listen: [127.0.0.1:53]\n"
			   "  upstreams: [127.0.0.2]\n";

static void
test_defaults(void **state)
{
	struct config_errors errs;
	struct config *cfg = load(base, &errs);
	const struct config_dns *d;

	(void)state;
	assert_non_null(cfg);
	d = cfg->dns;
	assert_int_equal(d->timeout, CONFIG_DEFAULT_DNS_TIMEOUT);
	assert_int_equal(d->min_ttl, 0);
	assert_int_equal(d->max_ttl, CONFIG_DEFAULT_MAX_TTL);
	assert_int_equal(d->negative_ttl, CONFIG_DEFAULT_NEGATIVE_TTL);
	assert_int_equal(d->servfail_ttl, CONFIG_DEFAULT_SERVFAIL_TTL);
	assert_int_equal(d->stale_ttl, CONFIG_DEFAULT_STALE_TTL);
	assert_int_equal(d->tcp_timeout, CONFIG_DEFAULT_TCP_TIMEOUT);
	assert_int_equal(d->tcp_connections, CONFIG_DEFAULT_TCP_CONNECTIONS);
	assert_int_equal(d->workers, 1);
	assert_false(d->prefetch);
	assert_int_equal(d->max_udp_size, 1232);
	assert_int_equal(d->forward_count, 0);
	assert_int_equal(d->local_domains_count, 0);
	assert_null(d->hosts_file);
	/* Not an open resolver by default. */
	assert_int_equal(d->allow_count, 2);
	config_free(cfg);
}

static void
test_all_keys(void **state)
{
	static const char text[] =
		"dns:\n"
		"  listen: [127.0.0.1:53]\n"
		"  upstreams: [127.0.0.2]\n"
		"  local_domains: [Lab.Test.]\n"
		"  forward:\n"
		"    - corp.example 192.0.2.53 [2001:db8::53]:5353\n"
		"  hosts_file: /etc/hosts\n"
		"  timeout: 250\n"
		"  min_ttl: 10\n"
		"  max_ttl: 600\n"
		"  negative_ttl: 60\n"
		"  servfail_ttl: 0\n"
		"  stale_ttl: 0\n"
		"  tcp_timeout: 5\n"
		"  tcp_connections: 10\n"
		"  workers: 2\n"
		"  prefetch: true\n"
		"  max_udp_size: 1400\n";
	struct config_errors errs;
	struct config *cfg = load(text, &errs);
	const struct config_dns *d;

	(void)state;
	if (cfg == NULL)
		config_errors_print("t.yaml", &errs);
	assert_non_null(cfg);
	d = cfg->dns;
	assert_string_equal(d->local_domains[0], "lab.test");
	assert_int_equal(d->forward_count, 1);
	assert_string_equal(d->forward[0].domain, "corp.example");
	assert_int_equal(d->forward[0].upstreams_count, 2);
	assert_int_equal(net_sockaddr_port(&d->forward[0].upstreams[0]), 53);
	assert_int_equal(net_sockaddr_port(&d->forward[0].upstreams[1]), 5353);
	assert_string_equal(d->hosts_file, "/etc/hosts");
	assert_int_equal(d->timeout, 250);
	assert_int_equal(d->min_ttl, 10);
	assert_int_equal(d->max_ttl, 600);
	assert_int_equal(d->servfail_ttl, 0);
	assert_int_equal(d->workers, 2);
	assert_true(d->prefetch);
	assert_int_equal(d->max_udp_size, 1400);
	config_free(cfg);
}

/* Each bad value is reported once, at its line. */
static void
expect_error(const char *extra, unsigned line, const char *words)
{
	char text[1024];
	struct config_errors errs;
	struct config *cfg;

	snprintf(text, sizeof(text), "%s%s", base, extra);
	cfg = load(text, &errs);
	assert_null(cfg);
	assert_int_equal(errs.count, 1);
	assert_int_equal(errs.list[0].line, line);
	if (strstr(errs.list[0].message, words) == NULL)
		fail_msg("'%s' lacks '%s'", errs.list[0].message, words);
}

static void
test_errors(void **state)
{
	(void)state;
	expect_error("  timeout: 10\n", 4, "outside");
	expect_error("  timeout: 20000\n", 4, "outside");
	expect_error("  min_ttl: 100\n  max_ttl: 50\n", 4, "above max_ttl");
	expect_error("  workers: 0\n", 4, "outside");
	expect_error("  workers: 65\n", 4, "outside");
	expect_error("  max_udp_size: 511\n", 4, "outside");
	expect_error("  max_udp_size: 4097\n", 4, "outside");
	expect_error("  tcp_connections: 0\n", 4, "outside");
	expect_error("  local_domains: [\"bad domain\"]\n", 4,
		     "not a domain name");
	expect_error("  forward: [corp.example]\n", 4, "DOMAIN ADDRESS");
	expect_error("  forward: [\"corp.example 300.1.1.1\"]\n", 4,
		     "300.1.1.1");
	expect_error("  forward: [\"-bad- 192.0.2.1\"]\n", 4,
		     "not a domain name");
	expect_error("  hosts_file: relative/hosts\n", 4, "absolute");
	expect_error("  timeout: 1s\n", 4, "timeout");
	expect_error("  prefetch: often\n", 4, "prefetch");
	{
		struct config_errors errs;
		static const char loop[] = "dns:\n"
					   "  listen: [127.0.0.1:53]\n"
					   "  upstreams: [127.0.0.1]\n";

		assert_null(load(loop, &errs));
		assert_int_equal(errs.count, 1);
		assert_int_equal(errs.list[0].line, 3);
		assert_non_null(strstr(errs.list[0].message, "itself"));
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_all_keys),
		cmocka_unit_test(test_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
