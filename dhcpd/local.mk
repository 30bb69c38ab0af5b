# dhcpd: included by the top Makefile.am (one non-recursive build).
# Paths are relative to the top of the tree.

dhcpd_core = \
	dhcpd/dhcp_wire.c dhcpd/dhcp_wire.h \
	dhcpd/pool.c dhcpd/pool.h \
	dhcpd/lease_store.c dhcpd/lease_store.h \
	dhcpd/rawpkt.c dhcpd/rawpkt.h

sbin_PROGRAMS += dhcpd/dhcpd
dhcpd_dhcpd_SOURCES = dhcpd/main.c dhcpd/server.c dhcpd/server.h \
	dhcpd/handler.c dhcpd/syncer.c dhcpd/syncer.h $(dhcpd_core)
dhcpd_dhcpd_LDADD = $(LABGATE_LIBS) -lpthread

dist_man5_MANS += dhcpd/dhcpd.leases.5

unit_tests += \
	tests/unit/test_dhcpd_wire \
	tests/unit/test_dhcpd_pool \
	tests/unit/test_dhcpd_store \
	tests/unit/test_dhcpd_config \
	tests/unit/test_dhcpd_handler
tests_unit_test_dhcpd_wire_SOURCES = tests/unit/test_dhcpd_wire.c \
	dhcpd/dhcp_wire.c dhcpd/rawpkt.c
tests_unit_test_dhcpd_wire_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/dhcpd
tests_unit_test_dhcpd_wire_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_dhcpd_wire_LDADD = $(UNIT_LDADD)
tests_unit_test_dhcpd_pool_SOURCES = tests/unit/test_dhcpd_pool.c dhcpd/pool.c
tests_unit_test_dhcpd_pool_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/dhcpd
tests_unit_test_dhcpd_pool_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_dhcpd_pool_LDADD = $(UNIT_LDADD)
tests_unit_test_dhcpd_store_SOURCES = tests/unit/test_dhcpd_store.c \
	dhcpd/lease_store.c
tests_unit_test_dhcpd_store_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/dhcpd
tests_unit_test_dhcpd_store_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_dhcpd_store_LDADD = $(UNIT_LDADD)
tests_unit_test_dhcpd_config_SOURCES = tests/unit/test_dhcpd_config.c
tests_unit_test_dhcpd_config_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_dhcpd_config_LDADD = $(UNIT_LDADD)
tests_unit_test_dhcpd_handler_SOURCES = tests/unit/test_dhcpd_handler.c \
	dhcpd/handler.c $(dhcpd_core)
tests_unit_test_dhcpd_handler_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/dhcpd
tests_unit_test_dhcpd_handler_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_dhcpd_handler_LDADD = $(UNIT_LDADD)

integration_tests += \
	tests/integration/dhcpd_clients.sh \
	tests/integration/dhcpd_durability.sh \
	tests/integration/dhcpd_relay.sh \
	tests/integration/dhcpd_shared.sh
EXTRA_DIST += tests/integration/dhcpd_lib.sh

fuzz_targets += tests/fuzz/fuzz_dhcp_packet
tests_fuzz_fuzz_dhcp_packet_SOURCES = tests/fuzz/fuzz_dhcp_packet.c \
	dhcpd/dhcp_wire.c
tests_fuzz_fuzz_dhcp_packet_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/dhcpd
tests_fuzz_fuzz_dhcp_packet_LDADD = $(LABGATE_LIBS)
tests_fuzz_fuzz_dhcp_packet_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LDFLAGS)

fuzz_targets += tests/fuzz/fuzz_lease_journal
tests_fuzz_fuzz_lease_journal_SOURCES = tests/fuzz/fuzz_lease_journal.c tests/fuzz/fuzz_file.h \
	dhcpd/lease_store.c
tests_fuzz_fuzz_lease_journal_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/dhcpd
tests_fuzz_fuzz_lease_journal_LDADD = $(LABGATE_LIBS)
tests_fuzz_fuzz_lease_journal_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LDFLAGS)
