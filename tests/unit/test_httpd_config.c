/*
 * The `http:` section: defaults, every key httpd adds, and the errors
 * each bad value gets (with its line), through the real loader.
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

static void
test_defaults(void **state)
{
	struct config_errors errs;
	struct config *cfg = load("http:\n  listen: [127.0.0.1]\n"
				  "  root: /srv\n",
				  &errs);
	const struct config_http *h;

	(void)state;
	assert_non_null(cfg);
	h = cfg->http;
	assert_int_equal(h->workers, CONFIG_DEFAULT_HTTP_WORKERS);
	assert_false(h->dotfiles);
	assert_true(h->log_combined);
	assert_int_equal(h->header_timeout, CONFIG_DEFAULT_HTTP_HEADER_TIMEOUT);
	assert_int_equal(h->keepalive_timeout,
			 CONFIG_DEFAULT_HTTP_KEEPALIVE_TIMEOUT);
	assert_int_equal(h->send_timeout, CONFIG_DEFAULT_HTTP_SEND_TIMEOUT);
	assert_int_equal(h->max_connections,
			 CONFIG_DEFAULT_HTTP_MAX_CONNECTIONS);
	assert_int_equal(h->max_header_size,
			 CONFIG_DEFAULT_HTTP_MAX_HEADER_SIZE);
	assert_int_equal(h->max_headers, CONFIG_DEFAULT_HTTP_MAX_HEADERS);
	assert_int_equal(h->max_body, CONFIG_DEFAULT_HTTP_MAX_BODY);
	assert_int_equal(h->cache_validity_ms, 1000);
	assert_int_equal(h->cache_bytes, CONFIG_DEFAULT_HTTP_CACHE_BYTES);
	assert_int_equal(h->cache_file_max, CONFIG_DEFAULT_HTTP_CACHE_FILE_MAX);
	assert_int_equal(h->mime_count, 0);
	config_free(cfg);
}

static void
test_all_keys(void **state)
{
	static const char text[] = "http:\n"
				   "  listen: [127.0.0.1:8080]\n"
				   "  root: /srv\n"
				   "  access_log: \"-\"\n"
				   "  access_log_format: common\n"
				   "  workers: 4\n"
				   "  dotfiles: true\n"
				   "  header_timeout: 5\n"
				   "  keepalive_timeout: 0\n"
				   "  send_timeout: 7\n"
				   "  max_connections: 100\n"
				   "  max_header_size: 4096\n"
				   "  max_headers: 10\n"
				   "  max_body: 0\n"
				   "  cache_validity_ms: 0\n"
				   "  cache_bytes: 1000\n"
				   "  cache_file_max: 500\n"
				   "  mime_types: [\"MD text/markdown; "
				   "charset=utf-8\", \".x a/b\"]\n";
	struct config_errors errs;
	struct config *cfg = load(text, &errs);
	const struct config_http *h;

	(void)state;
	if (cfg == NULL)
		config_errors_print("t.yaml", &errs);
	assert_non_null(cfg);
	h = cfg->http;
	assert_false(h->log_combined);
	assert_int_equal(h->workers, 4);
	assert_true(h->dotfiles);
	assert_int_equal(h->header_timeout, 5);
	assert_int_equal(h->keepalive_timeout, 0);
	assert_int_equal(h->send_timeout, 7);
	assert_int_equal(h->max_connections, 100);
	assert_int_equal(h->max_header_size, 4096);
	assert_int_equal(h->max_headers, 10);
	assert_int_equal(h->max_body, 0);
	assert_int_equal(h->cache_validity_ms, 0);
	assert_int_equal(h->cache_bytes, 1000);
	assert_int_equal(h->cache_file_max, 500);
	assert_int_equal(h->mime_count, 2);
	assert_string_equal(h->mime_ext[0], "md");
	assert_string_equal(h->mime_type[0], "text/markdown; charset=utf-8");
	assert_string_equal(h->mime_ext[1], "x");
	config_free(cfg);
}

struct bad {
	const char *line; /* the third line of an http section */
	const char *needle;
};

static void
test_bad_values(void **state)
{
	static const struct bad cases[] = {
		{"  workers: 0\n", "out of range"},
		{"  workers: 65\n", "out of range"},
		{"  header_timeout: 0\n", "out of range"},
		{"  max_header_size: 100\n", "out of range"},
		{"  max_headers: 0\n", "out of range"},
		{"  cache_file_max: 99999999999\n", ""},
		{"  access_log_format: json\n", "common or combined"},
		{"  mime_types: [html]\n", "EXTENSION TYPE"},
		{"  mime_types: [\"html texthtml\"]\n", "EXTENSION TYPE"},
		{"  index: a/b\n", "file name"},
		{"  keepalive_timeout: -1\n", ""},
		{"  bogus: 1\n", "bogus"},
	};
	char text[256];
	struct config_errors errs;
	struct config *cfg;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(text, sizeof(text),
			 "http:\n  listen: [127.0.0.1]\n%s  root: /srv\n",
			 cases[i].line);
		cfg = load(text, &errs);
		if (cfg != NULL) {
			config_free(cfg);
			fail_msg("accepted: %s", cases[i].line);
		}
		assert_true(errs.count >= 1);
		assert_int_equal(errs.list[0].line, 3);
		if (strstr(errs.list[0].message, cases[i].needle) == NULL)
			fail_msg("%s: \"%s\" lacks \"%s\"", cases[i].line,
				 errs.list[0].message, cases[i].needle);
	}
	cfg = load("http:\n  listen: [127.0.0.1]\n  root: srv\n", &errs);
	assert_null(cfg);
	assert_non_null(strstr(errs.list[0].message, "absolute"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_all_keys),
		cmocka_unit_test(test_bad_values),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
