/*
 * dnsfwd: the labgate caching DNS forwarder.
 *
 * This file wires the daemon into common/daemon.c: the command line, the
 * configuration's `dns:` section, signals and readiness.  The protocol
 * engine is not written yet; until it is, dnsfwd runs its loop and says so.
 */
#include "daemon.h"
#include "log.h"

static int
dnsfwd_start(struct daemon *d)
{
	(void)d;
	log_warn("the DNS engine is not implemented yet: "
		 "dnsfwd checks its configuration and handles signals only");
	return 0;
}

static const struct daemon_hooks dnsfwd_hooks = {
	.name = "dnsfwd",
	.section = CONFIG_SECTION_DNS,
	.start = dnsfwd_start,
};

int
main(int argc, char **argv)
{
	return daemon_main(argc, argv, &dnsfwd_hooks, NULL);
}
