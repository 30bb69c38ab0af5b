/* config_dhcp: checks and converts the `dhcp:` section (see config_check.h). */
#include <net/if.h>
#include <stdio.h>
#include <string.h>

#include "arena.h"
#include "config_check.h"

/* One DHCP option's data, at most (RFC 2132 2). */
#define DHCP_MAX_OPTION_LEN 255

static bool
dhcp_valid_ifname(const char *name)
{
	size_t len = strlen(name), i;

	if (len == 0 || len >= IF_NAMESIZE || strcmp(name, ".") == 0 ||
	    strcmp(name, "..") == 0)
		return false;
	for (i = 0; i < len; i++) {
		if (name[i] == '/' || name[i] == ':' || name[i] <= ' ' ||
		    name[i] == 0x7f)
			return false;
	}
	return true;
}

static uint32_t
dhcp_broadcast(const struct net_cidr *net)
{
	uint32_t base = ntohl(net->addr.v4.s_addr);

	return net->prefix == 0 ? 0xffffffffu
				: base | (0xffffffffu >> net->prefix);
}

static void
dhcp_check_pools(struct check *c, const char *path, struct config_subnet *s,
		 const struct raw_subnet *raw)
{
	char entry[CONFIG_MAX_PATH], a[INET_ADDRSTRLEN], b[INET_ADDRSTRLEN];
	uint32_t base = ntohl(s->network.addr.v4.s_addr);
	uint32_t bcast = dhcp_broadcast(&s->network), i, j;

	s->pools = check_calloc(c, raw->pools_count, sizeof(*s->pools));
	if (s->pools == NULL)
		return;
	s->pools_count = raw->pools_count;
	for (i = 0; i < raw->pools_count; i++) {
		struct net_range4 *r = &s->pools[i];

		check_path(entry, sizeof(entry), "%s.pools[%u]", path, i);
		if (net_parse_range4(raw->pools[i], r) == -1) {
			check_err(c, entry,
				  "'%s' is not a range FIRST-LAST of "
				  "IPv4 addresses with FIRST <= LAST",
				  raw->pools[i]);
			continue;
		}
		if ((r->first & ~(bcast ^ base)) != base ||
		    (r->last & ~(bcast ^ base)) != base) {
			check_err(c, entry, "%s is outside network %s/%u",
				  raw->pools[i], check_fmt4(base, a, sizeof(a)),
				  s->network.prefix);
			continue;
		}
		if (s->network.prefix < 31 &&
		    (r->first == base || r->last == bcast)) {
			check_err(c, entry,
				  "%s includes the network or "
				  "broadcast address",
				  raw->pools[i]);
			continue;
		}
		for (j = 0; j < i; j++) {
			if (r->first <= s->pools[j].last &&
			    s->pools[j].first <= r->last)
				check_err(c, entry, "%s overlaps pool %s-%s",
					  raw->pools[i],
					  check_fmt4(s->pools[j].first, a,
						     sizeof(a)),
					  check_fmt4(s->pools[j].last, b,
						     sizeof(b)));
		}
	}
}

static void
dhcp_check_routes(struct check *c, const char *path, struct config_subnet *s,
		  const struct raw_subnet *raw)
{
	char entry[CONFIG_MAX_PATH];
	size_t bytes = 1 + 4; /* the 0.0.0.0/0 route dhcpd adds */
	uint32_t i;

	s->routes = check_calloc(c, raw->routes_count, sizeof(*s->routes));
	if (s->routes == NULL)
		return;
	s->routes_count = raw->routes_count;
	for (i = 0; i < raw->routes_count; i++) {
		check_path(entry, sizeof(entry), "%s.routes[%u].to", path, i);
		check_cidr4(c, entry, raw->routes[i].to, &s->routes[i].to);
		check_path(entry, sizeof(entry), "%s.routes[%u].via", path, i);
		check_addr4(c, entry, raw->routes[i].via, &s->network,
			    &s->routes[i].via);
		/* RFC 3442: width, the significant octets, the router */
		bytes += 1 + (s->routes[i].to.prefix + 7u) / 8 + 4;
	}
	if (bytes > DHCP_MAX_OPTION_LEN) {
		check_path(entry, sizeof(entry), "%s.routes", path);
		check_err(c, entry,
			  "these routes need %zu bytes in option 121 "
			  "(with the default route dhcpd adds); at most %d fit",
			  bytes, DHCP_MAX_OPTION_LEN);
	}
}

static void
dhcp_check_reservation(struct check *c, const char *path,
		       struct config_subnet *s, uint32_t i,
		       const struct raw_reservation *raw)
{
	struct config_reservation *r = &s->reservations[i];
	char entry[CONFIG_MAX_PATH];
	uint32_t j;

	check_path(entry, sizeof(entry), "%s.reservations[%u].mac", path, i);
	if (net_parse_mac(raw->mac, r->mac) == -1)
		check_err(c, entry,
			  "'%s' is not a MAC address "
			  "(six hex bytes, 00:00:5e:00:53:01)",
			  raw->mac);
	for (j = 0; j < i; j++) {
		if (memcmp(s->reservations[j].mac, r->mac, NET_MAC_LEN) == 0)
			check_err(c, entry, "%s is reserved twice", raw->mac);
	}
	check_path(entry, sizeof(entry), "%s.reservations[%u].address", path,
		   i);
	if (check_addr4(c, entry, raw->address, &s->network, &r->address) ==
	    0) {
		for (j = 0; j < i; j++) {
			if (s->reservations[j].address.s_addr ==
			    r->address.s_addr)
				check_err(c, entry, "%s is reserved twice",
					  raw->address);
		}
	}
	if (raw->hostname != NULL) {
		check_path(entry, sizeof(entry), "%s.reservations[%u].hostname",
			   path, i);
		if (!config_valid_dns_name(raw->hostname) ||
		    strchr(raw->hostname, '.') != NULL)
			check_err(c, entry,
				  "'%s' is not a host name (one "
				  "label of letters, digits and '-')",
				  raw->hostname);
		r->hostname = arena_strdup(c->arena, raw->hostname);
	}
}

static void
dhcp_check_options(struct check *c, const char *path, struct config_subnet *s,
		   const struct raw_subnet *raw)
{
	char entry[CONFIG_MAX_PATH];
	uint32_t i;

	if (raw->router != NULL) {
		check_path(entry, sizeof(entry), "%s.router", path);
		s->has_router = check_addr4(c, entry, raw->router, &s->network,
					    &s->router) == 0;
	}
	s->dns = check_calloc(c, raw->dns_count, sizeof(*s->dns));
	if (s->dns != NULL) {
		s->dns_count = raw->dns_count;
		for (i = 0; i < raw->dns_count; i++) {
			check_path(entry, sizeof(entry), "%s.dns[%u]", path, i);
			check_addr4(c, entry, raw->dns[i], NULL, &s->dns[i]);
		}
	}
	if (raw->domain != NULL) {
		check_path(entry, sizeof(entry), "%s.domain", path);
		if (!config_valid_dns_name(raw->domain))
			check_err(c, entry, "'%s' is not a domain name",
				  raw->domain);
		s->domain = arena_strdup(c->arena, raw->domain);
	}
}

/* Options dhcpd sets itself from other keys or the protocol. */
static bool
dhcp_option_reserved(uint32_t code)
{
	static const uint8_t own[] = {0,  1,  3,  6,  12, 15,  28,  42,
				      50, 51, 52, 53, 54, 55,  56,  57,
				      58, 59, 61, 81, 82, 121, 249, 255};
	size_t i;

	for (i = 0; i < sizeof(own); i++) {
		if (code == own[i])
			return true;
	}
	return code > 255;
}

static int
dhcp_nibble(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

/* "c0:00:02:01" or "c0000201": bytes into out; -1 when malformed. */
static int
dhcp_hex(const char *s, uint8_t *out, size_t cap)
{
	size_t n = 0;
	int hi, lo;

	while (*s != '\0') {
		if (*s == ':' && n > 0 && s[1] != '\0') {
			s++;
			continue;
		}
		if (n == cap || (hi = dhcp_nibble(s[0])) < 0 ||
		    (lo = dhcp_nibble(s[1])) < 0)
			return -1;
		out[n++] = (uint8_t)(hi << 4 | lo);
		s += 2;
	}
	return (int)n;
}

static void
dhcp_check_option(struct check *c, const char *path, uint32_t i,
		  struct config_dhcp_option *o,
		  const struct raw_dhcp_option *raw)
{
	char entry[CONFIG_MAX_PATH];
	int forms = (raw->text != NULL) + (raw->hex != NULL) +
		    (raw->addresses_count > 0),
	    n = 0;
	uint32_t k;

	check_path(entry, sizeof(entry), "%s.options[%u]", path, i);
	if (dhcp_option_reserved(raw->code))
		check_err(c, entry,
			  "option %u is set by dhcpd itself or by "
			  "another key, or is not an option code (1-254)",
			  raw->code);
	if (forms != 1) {
		check_err(c, entry,
			  "give exactly one of text, hex or addresses");
		return;
	}
	o->code = (uint8_t)raw->code;
	if (raw->text != NULL) {
		n = strlen(raw->text) <= 255 ? (int)strlen(raw->text) : -1;
		if (n > 0)
			memcpy(o->data, raw->text, (size_t)n);
	} else if (raw->hex != NULL) {
		n = dhcp_hex(raw->hex, o->data, sizeof(o->data));
	} else {
		for (k = 0; k < raw->addresses_count; k++, n += 4) {
			check_path(entry, sizeof(entry),
				   "%s.options[%u].addresses[%u]", path, i, k);
			check_addr4(c, entry, raw->addresses[k], NULL,
				    (struct in_addr *)(void *)(o->data + n));
		}
	}
	check_path(entry, sizeof(entry), "%s.options[%u]", path, i);
	if (n <= 0)
		check_err(c, entry,
			  "the value must be 1 to 255 bytes (hex: "
			  "pairs of hex digits, optionally ':'-separated)");
	else
		o->len = (uint8_t)n;
}

static void
dhcp_check_extras(struct check *c, const char *path, struct config_subnet *s,
		  const struct raw_subnet *raw)
{
	char entry[CONFIG_MAX_PATH];
	uint32_t i;

	s->renew_time =
		raw->renew_time != NULL ? *raw->renew_time : s->lease_time / 2;
	s->rebind_time = raw->rebind_time != NULL
				 ? *raw->rebind_time
				 : (uint32_t)((uint64_t)s->lease_time * 7 / 8);
	if (s->renew_time == 0 || s->renew_time >= s->rebind_time ||
	    s->rebind_time >= s->lease_time) {
		check_path(entry, sizeof(entry), "%s.%s", path,
			   raw->renew_time != NULL ? "renew_time"
						   : "rebind_time");
		check_err(c, entry,
			  "need 0 < renew_time (%u) < rebind_time "
			  "(%u) < lease_time (%u)",
			  s->renew_time, s->rebind_time, s->lease_time);
	}
	s->ntp = check_calloc(c, raw->ntp_count, sizeof(*s->ntp));
	if (s->ntp != NULL) {
		s->ntp_count = raw->ntp_count;
		for (i = 0; i < raw->ntp_count; i++) {
			check_path(entry, sizeof(entry), "%s.ntp[%u]", path, i);
			check_addr4(c, entry, raw->ntp[i], NULL, &s->ntp[i]);
		}
	}
	s->options = check_calloc(c, raw->options_count, sizeof(*s->options));
	if (s->options == NULL)
		return;
	s->options_count = raw->options_count;
	for (i = 0; i < raw->options_count; i++)
		dhcp_check_option(c, path, i, &s->options[i], &raw->options[i]);
}

static void
dhcp_check_subnet(struct check *c, const char *path, struct config_subnet *s,
		  const struct raw_subnet *raw)
{
	char entry[CONFIG_MAX_PATH];
	uint32_t i;

	if (raw->interface != NULL) {
		check_path(entry, sizeof(entry), "%s.interface", path);
		if (!dhcp_valid_ifname(raw->interface))
			check_err(c, entry, "'%s' is not an interface name",
				  raw->interface);
		s->interface = arena_strdup(c->arena, raw->interface);
	}
	check_path(entry, sizeof(entry), "%s.network", path);
	if (check_cidr4(c, entry, raw->network, &s->network) == -1)
		return; /* everything below is checked against it */
	dhcp_check_pools(c, path, s, raw);
	check_path(entry, sizeof(entry), "%s.lease_time", path);
	s->lease_time =
		check_uint(c, entry, raw->lease_time, CONFIG_DEFAULT_LEASE_TIME,
			   CONFIG_MIN_LEASE_TIME, CONFIG_MAX_LEASE_TIME);
	dhcp_check_options(c, path, s, raw);
	dhcp_check_extras(c, path, s, raw);
	dhcp_check_routes(c, path, s, raw);
	s->reservations = check_calloc(c, raw->reservations_count,
				       sizeof(*s->reservations));
	if (s->reservations == NULL)
		return;
	s->reservations_count = raw->reservations_count;
	for (i = 0; i < raw->reservations_count; i++)
		dhcp_check_reservation(c, path, s, i, &raw->reservations[i]);
}

static bool
dhcp_networks_overlap(const struct net_cidr *a, const struct net_cidr *b)
{
	return net_cidr_contains(a, &b->addr) || net_cidr_contains(b, &a->addr);
}

struct config_dhcp *
config_check_dhcp(struct check *c, const struct raw_dhcp *raw)
{
	struct config_dhcp *d = check_calloc(c, 1, sizeof(*d));
	char path[CONFIG_MAX_PATH];
	uint32_t i, j;

	if (d == NULL)
		return NULL;
	d->lease_file = arena_strdup(
		c->arena, raw->lease_file != NULL ? raw->lease_file
						  : CONFIG_DEFAULT_LEASE_FILE);
	d->offer_hold =
		check_uint(c, "dhcp.offer_hold", raw->offer_hold,
			   CONFIG_DEFAULT_OFFER_HOLD, 1, CONFIG_MAX_OFFER_HOLD);
	d->quarantine = raw->quarantine != NULL ? *raw->quarantine
						: CONFIG_DEFAULT_QUARANTINE;
	if (d->quarantine > CONFIG_MAX_QUARANTINE)
		check_err(c, "dhcp.quarantine", "%u is over %d seconds",
			  d->quarantine, CONFIG_MAX_QUARANTINE);
	d->subnets = check_calloc(c, raw->subnets_count, sizeof(*d->subnets));
	if (d->subnets == NULL)
		return NULL;
	d->subnets_count = raw->subnets_count;
	for (i = 0; i < raw->subnets_count; i++) {
		check_path(path, sizeof(path), "dhcp.subnets[%u]", i);
		dhcp_check_subnet(c, path, &d->subnets[i], &raw->subnets[i]);
		if (d->subnets[i].network.addr.family != AF_INET)
			continue;
		for (j = 0; j < i; j++) {
			if (d->subnets[j].network.addr.family == AF_INET &&
			    dhcp_networks_overlap(&d->subnets[i].network,
						  &d->subnets[j].network)) {
				check_path(path, sizeof(path),
					   "dhcp.subnets[%u].network", i);
				check_err(c, path, "overlaps dhcp.subnets[%u]",
					  j);
			}
		}
	}
	return d;
}
