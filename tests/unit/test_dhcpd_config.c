/*
 * dhcpd's own keys in lab.yaml: offer_hold, quarantine, renew_time,
 * rebind_time, ntp and options by code, with their defaults and every
 * error at its place.
 */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "config.h"

static const char head[] = "dhcp:\n"
			   "  subnets:\n"
			   "    - network: 192.0.2.0/24\n"
			   "      pools: [192.0.2.100-192.0.2.200]\n";

static struct config *
load(const char *extra_top, const char *extra_subnet, struct config_errors *e)
{
	char buf[4096];

	snprintf(buf, sizeof(buf),
		 "dhcp:\n%s  subnets:\n"
		 "    - network: 192.0.2.0/24\n"
		 "      pools: [192.0.2.100-192.0.2.200]\n%s",
		 extra_top, extra_subnet);
	return config_load_buffer("t.yaml", buf, strlen(buf), e);
}

static void
expect_error(const char *top, const char *subnet, const char *needle)
{
	struct config_errors e;
	struct config *cfg = load(top, subnet, &e);
	size_t i;
	int found = 0;

	assert_null(cfg);
	for (i = 0; i < e.count; i++) {
		if (strstr(e.list[i].message, needle) != NULL)
			found = 1;
	}
	if (!found)
		for (i = 0; i < e.count; i++)
			fprintf(stderr, "# %u:%u: %s\n", e.list[i].line,
				e.list[i].column, e.list[i].message);
	assert_true(found);
}

static void
test_defaults(void **state)
{
	struct config_errors e;
	struct config *cfg;
	const struct config_subnet *s;

	(void)state;
	cfg = config_load_buffer("t.yaml", head, strlen(head), &e);
	assert_non_null(cfg);
	assert_int_equal(cfg->dhcp->offer_hold, CONFIG_DEFAULT_OFFER_HOLD);
	assert_int_equal(cfg->dhcp->quarantine, CONFIG_DEFAULT_QUARANTINE);
	s = &cfg->dhcp->subnets[0];
	assert_int_equal(s->renew_time, 1800);
	assert_int_equal(s->rebind_time, 3150);
	assert_int_equal(s->ntp_count, 0);
	assert_int_equal(s->options_count, 0);
	config_free(cfg);
}

static void
test_extras(void **state)
{
	struct config_errors e;
	struct config *cfg;
	const struct config_subnet *s;

	(void)state;
	cfg = load("  offer_hold: 30\n  quarantine: 0\n",
		   "      lease_time: 600\n"
		   "      renew_time: 100\n"
		   "      rebind_time: 500\n"
		   "      ntp: [192.0.2.123, 198.51.100.1]\n"
		   "      options:\n"
		   "        - code: 66\n"
		   "          text: tftp.lab.test\n"
		   "        - code: 43\n"
		   "          hex: \"01:04:c0:00:02:01\"\n"
		   "        - code: 150\n"
		   "          addresses: [192.0.2.1, 192.0.2.2]\n",
		   &e);
	if (cfg == NULL)
		fprintf(stderr, "# %s\n", e.list[0].message);
	assert_non_null(cfg);
	assert_int_equal(cfg->dhcp->offer_hold, 30);
	assert_int_equal(cfg->dhcp->quarantine, 0);
	s = &cfg->dhcp->subnets[0];
	assert_int_equal(s->renew_time, 100);
	assert_int_equal(s->rebind_time, 500);
	assert_int_equal(s->ntp_count, 2);
	assert_int_equal(s->ntp[1].s_addr, inet_addr("198.51.100.1"));
	assert_int_equal(s->options_count, 3);
	assert_int_equal(s->options[0].code, 66);
	assert_int_equal(s->options[0].len, 13);
	assert_memory_equal(s->options[0].data, "tftp.lab.test", 13);
	assert_int_equal(s->options[1].len, 6);
	assert_memory_equal(s->options[1].data, "\x01\x04\xc0\x00\x02\x01", 6);
	assert_int_equal(s->options[2].len, 8);
	assert_memory_equal(s->options[2].data,
			    "\xc0\x00\x02\x01\xc0\x00\x02\x02", 8);
	config_free(cfg);
}

static void
test_errors(void **state)
{
	(void)state;
	expect_error("  offer_hold: 0\n", "", "dhcp.offer_hold");
	expect_error("  quarantine: 100000\n", "", "is over 86400");
	expect_error("", "      renew_time: 3000\n      rebind_time: 2000\n",
		     "renew_time (3000) < rebind_time (2000)");
	expect_error("", "      rebind_time: 3600\n", "< lease_time (3600)");
	expect_error("", "      ntp: [not-an-address]\n", "ntp[0]");
	expect_error("",
		     "      options:\n        - code: 53\n          text: x\n",
		     "set by dhcpd itself");
	expect_error("",
		     "      options:\n        - code: 300\n          text: x\n",
		     "not an option code");
	expect_error("", "      options:\n        - code: 66\n",
		     "exactly one of text, hex or addresses");
	expect_error("",
		     "      options:\n        - code: 66\n          text: a\n"
		     "          hex: \"00\"\n",
		     "exactly one of text, hex or addresses");
	expect_error(
		"",
		"      options:\n        - code: 66\n          hex: \"0g\"\n",
		"1 to 255 bytes");
	expect_error(
		"",
		"      options:\n        - code: 66\n          hex: \"abc\"\n",
		"1 to 255 bytes");
	expect_error(
		"",
		"      options:\n        - code: 66\n          hex: \":ab\"\n",
		"1 to 255 bytes");
	expect_error(
		"",
		"      options:\n        - code: 66\n          text: \"\"\n",
		"");
	expect_error("",
		     "      options:\n        - code: 66\n"
		     "          addresses: [192.0.2.300]\n",
		     "options[0].addresses[0]");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_extras),
		cmocka_unit_test(test_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
