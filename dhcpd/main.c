/*
 * dhcpd: the labgate DHCP server.
 *
 * This file wires the daemon into common/daemon.c: the command line, the
 * configuration's `dhcp:` section, signals and readiness.  The protocol
 * engine is not written yet; until it is, dhcpd runs its loop and says so.
 */
#include "daemon.h"
#include "log.h"

static int
dhcpd_start(struct daemon *d)
{
	(void)d;
	log_warn("the DHCP engine is not implemented yet: "
		 "dhcpd checks its configuration and handles signals only");
	return 0;
}

static const struct daemon_hooks dhcpd_hooks = {
	.name = "dhcpd",
	.section = CONFIG_SECTION_DHCP,
	.start = dhcpd_start,
};

int
main(int argc, char **argv)
{
	return daemon_main(argc, argv, &dhcpd_hooks, NULL);
}
