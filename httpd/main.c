/*
 * httpd: the labgate static HTTP server.
 *
 * This file wires the daemon into common/daemon.c: the command line, the
 * configuration's `http:` section, signals and readiness.  The protocol
 * engine is not written yet; until it is, httpd runs its loop and says so.
 */
#include "daemon.h"
#include "log.h"

static int
httpd_start(struct daemon *d)
{
	(void)d;
	log_warn("the HTTP engine is not implemented yet: "
		 "httpd checks its configuration and handles signals only");
	return 0;
}

static const struct daemon_hooks httpd_hooks = {
	.name = "httpd",
	.section = CONFIG_SECTION_HTTP,
	.start = httpd_start,
};

int
main(int argc, char **argv)
{
	return daemon_main(argc, argv, &httpd_hooks, NULL);
}
