/*
 * config_reload: which keys a SIGHUP cannot change.
 *
 * Sockets are bound and privileges dropped once, at start; a new file may
 * not move them.  Those keys keep their old values in the new config, and
 * the caller logs the names collected here in one line.
 */
#include <stdio.h>
#include <string.h>

#include "arena.h"
#include "config.h"

struct restart_keys {
	char *buf;
	size_t len;
	struct config_arena *arena; /* the new config's */
	int failed;
};

static void
restart_note(struct restart_keys *k, const char *key)
{
	size_t used = strlen(k->buf);

	snprintf(k->buf + used, k->len - used, "%s%s", used ? ", " : "", key);
}

static bool
same_string(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

static char *
keep_string(struct restart_keys *k, const char *old)
{
	char *copy;

	if (old == NULL)
		return NULL;
	copy = arena_strdup(k->arena, old);
	if (copy == NULL)
		k->failed = 1;
	return copy;
}

static void
keep_listen(struct restart_keys *k, const char *key, struct net_sockaddr *old,
	    size_t old_count, struct net_sockaddr **next, size_t *next_count)
{
	size_t i;
	bool same = old_count == *next_count;

	for (i = 0; same && i < old_count; i++)
		same = net_sockaddr_equal(&old[i], &(*next)[i]);
	if (same)
		return;
	restart_note(k, key);
	*next = arena_memdup(k->arena, old, old_count * sizeof(*old));
	*next_count = old_count;
	if (*next == NULL)
		k->failed = 1;
}

static void
keep_workers(struct restart_keys *k, const char *key, uint32_t old,
	     uint32_t *next)
{
	if (old == *next)
		return;
	restart_note(k, key);
	*next = old;
}

static bool
has_interface(const struct config_dhcp *d, const char *name)
{
	size_t i;

	for (i = 0; i < d->subnets_count; i++) {
		if (same_string(d->subnets[i].interface, name))
			return true;
	}
	return false;
}

static void
keep_dhcp(struct restart_keys *k, const struct config_dhcp *old,
	  struct config_dhcp *next)
{
	size_t i;
	bool same = true;

	if (!same_string(old->lease_file, next->lease_file)) {
		restart_note(k, "dhcp.lease_file");
		next->lease_file = keep_string(k, old->lease_file);
	}
	for (i = 0; i < next->subnets_count; i++)
		same = same && has_interface(old, next->subnets[i].interface);
	for (i = 0; i < old->subnets_count; i++)
		same = same && has_interface(next, old->subnets[i].interface);
	if (!same) {
		/* Subnets cannot be matched to sockets any more: keep all. */
		restart_note(k, "dhcp.subnets[].interface");
		k->failed = 1;
	}
}

int
config_keep_restart_keys(const struct config *old, struct config *next,
			 enum config_section section, char *changed, size_t len)
{
	struct restart_keys k = {
		.buf = changed,
		.len = len,
		.arena = next->arena,
	};

	changed[0] = '\0';
	if (!same_string(old->user, next->user)) {
		restart_note(&k, "user");
		next->user = keep_string(&k, old->user);
	}
	switch (section) {
	case CONFIG_SECTION_DHCP:
		if (old->dhcp != NULL && next->dhcp != NULL)
			keep_dhcp(&k, old->dhcp, next->dhcp);
		break;
	case CONFIG_SECTION_DNS:
		if (old->dns == NULL || next->dns == NULL)
			break;
		keep_listen(&k, "dns.listen", old->dns->listen,
			    old->dns->listen_count, &next->dns->listen,
			    &next->dns->listen_count);
		keep_workers(&k, "dns.workers", old->dns->workers,
			     &next->dns->workers);
		break;
	case CONFIG_SECTION_HTTP:
		if (old->http == NULL || next->http == NULL)
			break;
		keep_listen(&k, "http.listen", old->http->listen,
			    old->http->listen_count, &next->http->listen,
			    &next->http->listen_count);
		keep_workers(&k, "http.workers", old->http->workers,
			     &next->http->workers);
		break;
	}
	return k.failed ? -1 : 0;
}
