/*
 * dhcpd: the labgate DHCP server.
 *
 * This file wires the daemon into common/daemon.c: the command line
 * (-l lists the leases instead of serving), the configuration's `dhcp:`
 * section, signals and readiness.  The work is in server.c.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "daemon.h"
#include "lease_store.h"
#include "log.h"
#include "server.h"

static int
dhcpd_start(struct daemon *d)
{
	d->ctx = server_new(d->base, d->cfg->dhcp);
	return d->ctx != NULL ? 0 : -1;
}

static int
dhcpd_reload(struct daemon *d, const struct config *next)
{
	return server_reload(d->ctx, next->dhcp);
}

static void
dhcpd_stop(struct daemon *d)
{
	if (d->ctx != NULL && server_sync(d->ctx) == -1)
		log_err("stopping: the last lease changes are not durable");
	daemon_stopped(d);
}

static void
dhcpd_stats(struct daemon *d)
{
	if (d->ctx != NULL)
		server_stats(d->ctx);
}

static void
dhcpd_cleanup(struct daemon *d)
{
	server_free(d->ctx);
	d->ctx = NULL;
}

static int dhcpd_list(struct daemon *d);

static int
dhcpd_option(struct daemon *d, int opt, const char *arg)
{
	(void)arg;
	if (opt != 'l')
		return -1;
	d->run_instead = dhcpd_list;
	return 0;
}

static const char *const state_names[] = {"free", "offered", "bound",
					  "declined"};

static void
list_one(const struct lease *l, void *arg)
{
	char a[INET_ADDRSTRLEN], mac[NET_ADDRSTRLEN], exp[32];
	char id[2 * POOL_MAX_CLIENT_ID + 1];
	struct tm tm;
	size_t i;

	(void)arg;
	for (i = 0; i < l->id_len; i++)
		snprintf(id + 2 * i, 3, "%02x", l->id[i]);
	id[2 * l->id_len] = '\0';
	gmtime_r(&l->expires, &tm);
	strftime(exp, sizeof(exp), "%Y-%m-%dT%H:%M:%SZ", &tm);
	printf("%-15s %-8s %s %s %s %s\n",
	       inet_ntop(AF_INET, &l->addr, a, sizeof(a)),
	       state_names[l->state], net_format_mac(l->mac, mac, sizeof(mac)),
	       exp, l->hostname[0] ? l->hostname : "-", id);
}

/* dhcpd -l: the leases the journal holds now, one line each. */
static int
dhcpd_list(struct daemon *d)
{
	const struct config_dhcp *cfg = d->cfg->dhcp;
	char err[LEASE_STORE_ERRLEN];
	struct restore_ctx rc = {0};
	struct srv_subnet *p;
	size_t n, i;
	int status;

	clock_refresh();
	p = server_pools_new(cfg, &n);
	if (p == NULL)
		return 1;
	rc.subnets = p;
	rc.count = n;
	status = lease_store_read(cfg->lease_file, server_restore, &rc, err,
				  sizeof(err)) == 0
			 ? 0
			 : 1;
	if (status != 0)
		fprintf(stderr, "dhcpd: %s\n", err);
	if (status == 0) {
		printf("%-15s %-8s %-17s %-20s %s %s\n", "# address", "state",
		       "mac", "expires", "hostname", "client-id");
		for (i = 0; i < n; i++)
			pool_foreach(p[i].pool, list_one, NULL);
	}
	server_pools_free(p, n);
	return status;
}

static const struct daemon_hooks dhcpd_hooks = {
	.name = "dhcpd",
	.section = CONFIG_SECTION_DHCP,
	.extra_opts = "l",
	.extra_usage = "  -l       list the current leases and exit\n",
	.option = dhcpd_option,
	.start = dhcpd_start,
	.reload = dhcpd_reload,
	.stop = dhcpd_stop,
	.stats = dhcpd_stats,
	.cleanup = dhcpd_cleanup,
};

int
main(int argc, char **argv)
{
	return daemon_main(argc, argv, &dhcpd_hooks, NULL);
}
