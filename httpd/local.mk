# httpd: included by the top Makefile.am (one non-recursive build).
# Paths are relative to the top of the tree.

HTTPD_CORE = \
	httpd/http_parse.c httpd/http_parse.h \
	httpd/http_util.c httpd/http_util.h \
	httpd/http_path.c httpd/http_path.h \
	httpd/http_range.c httpd/http_range.h \
	httpd/http_mime.c httpd/http_mime.h

sbin_PROGRAMS += httpd/httpd
httpd_httpd_SOURCES = httpd/main.c $(HTTPD_CORE) \
	httpd/accesslog.c httpd/accesslog.h \
	httpd/autoindex.c httpd/autoindex.h \
	httpd/cache.c httpd/cache.h \
	httpd/conn.c httpd/conn.h \
	httpd/respond.c httpd/respond.h \
	httpd/server.c httpd/server.h
httpd_httpd_LDADD = $(LABGATE_LIBS)

unit_tests += \
	tests/unit/test_httpd_parse \
	tests/unit/test_httpd_path \
	tests/unit/test_httpd_range \
	tests/unit/test_httpd_cache \
	tests/unit/test_httpd_config \
	tests/unit/test_httpd_conn

tests_unit_test_httpd_config_SOURCES = tests/unit/test_httpd_config.c
tests_unit_test_httpd_config_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_httpd_config_LDADD = $(UNIT_LDADD)

tests_unit_test_httpd_parse_SOURCES = tests/unit/test_httpd_parse.c \
	httpd/http_parse.c httpd/http_util.c
tests_unit_test_httpd_parse_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/httpd
tests_unit_test_httpd_parse_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_httpd_parse_LDADD = $(UNIT_LDADD)

tests_unit_test_httpd_path_SOURCES = tests/unit/test_httpd_path.c \
	httpd/http_path.c httpd/autoindex.c
tests_unit_test_httpd_path_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/httpd
tests_unit_test_httpd_path_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_httpd_path_LDADD = $(UNIT_LDADD)

tests_unit_test_httpd_range_SOURCES = tests/unit/test_httpd_range.c \
	httpd/http_range.c httpd/http_util.c httpd/http_mime.c \
	httpd/accesslog.c
tests_unit_test_httpd_range_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/httpd
tests_unit_test_httpd_range_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_httpd_range_LDADD = $(UNIT_LDADD)

tests_unit_test_httpd_cache_SOURCES = tests/unit/test_httpd_cache.c \
	httpd/cache.c httpd/http_path.c httpd/http_util.c httpd/http_mime.c
tests_unit_test_httpd_cache_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/httpd
tests_unit_test_httpd_cache_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_httpd_cache_LDADD = $(UNIT_LDADD)

# The connection with its responder, malloc wrapped to fail on demand.
tests_unit_test_httpd_conn_SOURCES = tests/unit/test_httpd_conn.c \
	httpd/conn.c httpd/respond.c httpd/cache.c httpd/autoindex.c \
	httpd/accesslog.c httpd/http_parse.c httpd/http_util.c \
	httpd/http_path.c httpd/http_range.c httpd/http_mime.c
tests_unit_test_httpd_conn_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/httpd
tests_unit_test_httpd_conn_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_httpd_conn_LDADD = $(UNIT_LDADD)
tests_unit_test_httpd_conn_LDFLAGS = $(AM_LDFLAGS) -Wl,--wrap=malloc \
	-Wl,--wrap=send

integration_tests += \
	tests/integration/httpd_basic.sh \
	tests/integration/httpd_slowloris.sh \
	tests/integration/httpd_timeouts.sh \
	tests/integration/httpd_browser.sh \
	tests/integration/httpd_fair.sh \
	tests/integration/httpd_workers.sh

fuzz_targets += tests/fuzz/fuzz_http_parse
tests_fuzz_fuzz_http_parse_SOURCES = tests/fuzz/fuzz_http_parse.c \
	httpd/http_parse.c httpd/http_util.c httpd/http_path.c \
	httpd/http_range.c
tests_fuzz_fuzz_http_parse_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/httpd
tests_fuzz_fuzz_http_parse_LDADD = $(LABGATE_LIBS)
tests_fuzz_fuzz_http_parse_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LDFLAGS)

EXTRA_DIST += tests/integration/httpd_lib.sh
