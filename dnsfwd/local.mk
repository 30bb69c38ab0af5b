# dnsfwd: included by the top Makefile.am (one non-recursive build).
# Paths are relative to the top of the tree.

sbin_PROGRAMS += dnsfwd/dnsfwd
dnsfwd_dnsfwd_SOURCES = dnsfwd/main.c
dnsfwd_dnsfwd_LDADD = $(LABGATE_LIBS)
