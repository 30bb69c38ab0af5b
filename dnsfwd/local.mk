# dnsfwd: included by the top Makefile.am (one non-recursive build).
# Paths are relative to the top of the tree.

dnsfwd_core = dnsfwd/dns_wire.c dnsfwd/dns_wire.h dnsfwd/cache.c dnsfwd/cache.h \
	dnsfwd/local.c dnsfwd/local.h dnsfwd/upstream.c dnsfwd/upstream.h \
	dnsfwd/server.c dnsfwd/server.h dnsfwd/sockpool.c dnsfwd/sockpool.h

sbin_PROGRAMS += dnsfwd/dnsfwd
dnsfwd_dnsfwd_SOURCES = dnsfwd/main.c $(dnsfwd_core)
dnsfwd_dnsfwd_LDADD = $(LABGATE_LIBS)

unit_tests += tests/unit/test_dnsfwd_wire tests/unit/test_dnsfwd_cache \
	tests/unit/test_dnsfwd_upstream tests/unit/test_dnsfwd_local \
	tests/unit/test_dnsfwd_config tests/unit/test_dnsfwd_sockpool
tests_unit_test_dnsfwd_wire_SOURCES = tests/unit/test_dnsfwd_wire.c \
	dnsfwd/dns_wire.c
tests_unit_test_dnsfwd_wire_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/dnsfwd
tests_unit_test_dnsfwd_wire_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_dnsfwd_wire_LDADD = $(UNIT_LDADD)
tests_unit_test_dnsfwd_cache_SOURCES = tests/unit/test_dnsfwd_cache.c \
	dnsfwd/cache.c dnsfwd/dns_wire.c
tests_unit_test_dnsfwd_cache_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/dnsfwd
tests_unit_test_dnsfwd_cache_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_dnsfwd_cache_LDADD = $(UNIT_LDADD)
tests_unit_test_dnsfwd_upstream_SOURCES = tests/unit/test_dnsfwd_upstream.c \
	dnsfwd/upstream.c dnsfwd/sockpool.c dnsfwd/cache.c dnsfwd/dns_wire.c
tests_unit_test_dnsfwd_upstream_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/dnsfwd
tests_unit_test_dnsfwd_upstream_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_dnsfwd_upstream_LDADD = $(UNIT_LDADD)
tests_unit_test_dnsfwd_local_SOURCES = tests/unit/test_dnsfwd_local.c \
	dnsfwd/local.c dnsfwd/dns_wire.c
tests_unit_test_dnsfwd_local_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/dnsfwd
tests_unit_test_dnsfwd_local_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_dnsfwd_local_LDADD = $(UNIT_LDADD)
tests_unit_test_dnsfwd_config_SOURCES = tests/unit/test_dnsfwd_config.c
tests_unit_test_dnsfwd_config_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_dnsfwd_config_LDADD = $(UNIT_LDADD)
tests_unit_test_dnsfwd_sockpool_SOURCES = tests/unit/test_dnsfwd_sockpool.c \
	dnsfwd/sockpool.c
tests_unit_test_dnsfwd_sockpool_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/dnsfwd
tests_unit_test_dnsfwd_sockpool_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_dnsfwd_sockpool_LDADD = $(UNIT_LDADD)

# A misbehaving upstream for the integration tests (built by `make check`
# and `make check-integration`).
check_programs += tests/integration/dns-test-upstream
tests_integration_dns_test_upstream_SOURCES = \
	tests/integration/dns-test-upstream.c

# An LD_PRELOAD shim that delays event_reinit in a forked worker, for
# dnsfwd_worker_signals.sh.  Not instrumented: it only sleeps.
check_programs += tests/integration/dnsfwd_reinit_delay.so
tests_integration_dnsfwd_reinit_delay_so_SOURCES = \
	tests/integration/dnsfwd_reinit_delay.c
tests_integration_dnsfwd_reinit_delay_so_CFLAGS = -fPIC
tests_integration_dnsfwd_reinit_delay_so_LDFLAGS = -shared
tests_integration_dnsfwd_reinit_delay_so_LDADD = -ldl

integration_tests += tests/integration/dnsfwd_basic.sh \
	tests/integration/dnsfwd_tcp.sh tests/integration/dnsfwd_workers.sh \
	tests/integration/dnsfwd_srv_emfile.sh \
	tests/integration/dnsfwd_srv_compressed.sh \
	tests/integration/dnsfwd_srv_prefetch.sh \
	tests/integration/dnsfwd_worker_signals.sh

fuzz_targets += tests/fuzz/fuzz_dns_msg
tests_fuzz_fuzz_dns_msg_SOURCES = tests/fuzz/fuzz_dns_msg.c \
	dnsfwd/dns_wire.c dnsfwd/cache.c dnsfwd/local.c
tests_fuzz_fuzz_dns_msg_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/dnsfwd
tests_fuzz_fuzz_dns_msg_LDADD = $(LABGATE_LIBS)
tests_fuzz_fuzz_dns_msg_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LDFLAGS)

EXTRA_DIST += tests/integration/dnsfwd_lib.sh

fuzz_targets += tests/fuzz/fuzz_hosts_file
tests_fuzz_fuzz_hosts_file_SOURCES = tests/fuzz/fuzz_hosts_file.c tests/fuzz/fuzz_file.h \
	dnsfwd/dns_wire.c dnsfwd/local.c
tests_fuzz_fuzz_hosts_file_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/dnsfwd
tests_fuzz_fuzz_hosts_file_LDADD = $(LABGATE_LIBS)
tests_fuzz_fuzz_hosts_file_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LDFLAGS)
