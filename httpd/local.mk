# httpd: included by the top Makefile.am (one non-recursive build).
# Paths are relative to the top of the tree.

sbin_PROGRAMS += httpd/httpd
httpd_httpd_SOURCES = httpd/main.c
httpd_httpd_LDADD = $(LABGATE_LIBS)
