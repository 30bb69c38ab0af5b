# dhcpd: included by the top Makefile.am (one non-recursive build).
# Paths are relative to the top of the tree.

sbin_PROGRAMS += dhcpd/dhcpd
dhcpd_dhcpd_SOURCES = dhcpd/main.c
dhcpd_dhcpd_LDADD = $(LABGATE_LIBS)
