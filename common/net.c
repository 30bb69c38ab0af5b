#include "net.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "num.h"

/* Longest text any parser here accepts ("[v6]:port" is the longest). */
#define NET_MAX_TEXT 64

/*
 * inet_pton(AF_INET) refuses "1.2.3", "0x1.2.3.4" and leading spaces.
 * Leading zeros ("01.2.3.4", which some tools read as octal) are refused
 * here too, since not every libc's inet_pton does.
 */
int
net_parse_addr4(const char *s, struct in_addr *out)
{
	const char *p;

	for (p = s; *p != '\0'; p++) {
		if (*p == '0' && (p == s || p[-1] == '.') && p[1] >= '0' &&
		    p[1] <= '9')
			return -1;
	}
	return inet_pton(AF_INET, s, out) == 1 ? 0 : -1;
}

int
net_parse_addr(const char *s, struct net_addr *out)
{
	memset(out, 0, sizeof(*out));
	if (strchr(s, ':') != NULL) {
		if (inet_pton(AF_INET6, s, &out->v6) != 1)
			return -1;
		out->family = AF_INET6;
		return 0;
	}
	if (net_parse_addr4(s, &out->v4) == -1)
		return -1;
	out->family = AF_INET;
	return 0;
}

static int
net_parse_port(const char *s, bool allow_zero, uint16_t *port)
{
	const char *errstr;
	long long v;

	if (num_parse(s, allow_zero ? 0 : 1, 65535, &v, &errstr) == -1)
		return -1;
	*port = (uint16_t)v;
	return 0;
}

static void
net_sockaddr_set(struct net_sockaddr *out, const struct net_addr *a,
		 uint16_t port)
{
	memset(out, 0, sizeof(*out));
	if (a->family == AF_INET) {
		out->sin.sin_family = AF_INET;
		out->sin.sin_addr = a->v4;
		out->sin.sin_port = htons(port);
		out->len = sizeof(out->sin);
	} else {
		out->sin6.sin6_family = AF_INET6;
		out->sin6.sin6_addr = a->v6;
		out->sin6.sin6_port = htons(port);
		out->len = sizeof(out->sin6);
	}
}

int
net_parse_sockaddr(const char *s, uint16_t default_port, bool allow_zero,
		   struct net_sockaddr *out)
{
	char host[NET_MAX_TEXT];
	const char *colon, *port_text = NULL;
	struct net_addr a;
	uint16_t port = default_port;
	size_t len = strlen(s);

	if (len == 0 || len >= sizeof(host))
		return -1;
	if (s[0] == '[') {
		const char *close = strchr(s, ']');

		if (close == NULL || close == s + 1)
			return -1;
		memcpy(host, s + 1, (size_t)(close - s - 1));
		host[close - s - 1] = '\0';
		if (close[1] == ':')
			port_text = close + 2;
		else if (close[1] != '\0')
			return -1;
		if (strchr(host, ':') == NULL)
			return -1; /* brackets are for IPv6 only */
	} else if ((colon = strchr(s, ':')) != NULL &&
		   strchr(colon + 1, ':') == NULL) {
		memcpy(host, s, (size_t)(colon - s));
		host[colon - s] = '\0';
		port_text = colon + 1;
	} else {
		memcpy(host, s, len + 1); /* no port, or bare IPv6 */
	}
	if (net_parse_addr(host, &a) == -1)
		return -1;
	if (port_text != NULL &&
	    net_parse_port(port_text, allow_zero, &port) == -1)
		return -1;
	if (port == 0 && !allow_zero)
		return -1;
	net_sockaddr_set(out, &a, port);
	return 0;
}

static bool
net_host_bits_zero(const struct net_addr *a, unsigned prefix)
{
	const uint8_t *bytes =
		a->family == AF_INET ? (const uint8_t *)&a->v4 : a->v6.s6_addr;
	unsigned total = a->family == AF_INET ? 4 : 16, i;

	for (i = 0; i < total; i++) {
		unsigned bit = i * 8;
		uint8_t host_mask;

		if (bit + 8 <= prefix)
			continue;
		host_mask = bit >= prefix ? 0xff
					  : (uint8_t)(0xff >> (prefix - bit));
		if (bytes[i] & host_mask)
			return false;
	}
	return true;
}

int
net_parse_cidr(const char *s, struct net_cidr *out)
{
	char host[NET_MAX_TEXT];
	const char *slash = strchr(s, '/'), *errstr;
	long long prefix;

	if (slash == NULL || (size_t)(slash - s) >= sizeof(host))
		return -1;
	memcpy(host, s, (size_t)(slash - s));
	host[slash - s] = '\0';
	if (net_parse_addr(host, &out->addr) == -1)
		return -1;
	if (num_parse(slash + 1, 0, out->addr.family == AF_INET ? 32 : 128,
		      &prefix, &errstr) == -1)
		return -1;
	out->prefix = (uint8_t)prefix;
	return net_host_bits_zero(&out->addr, out->prefix) ? 0 : -1;
}

int
net_parse_mac(const char *s, uint8_t mac[NET_MAC_LEN])
{
	char sep;
	int i;

	if (strlen(s) != NET_MAC_LEN * 3 - 1)
		return -1;
	sep = s[2];
	if (sep != ':' && sep != '-')
		return -1;
	for (i = 0; i < NET_MAC_LEN; i++) {
		int hi = num_hexval((unsigned char)s[i * 3]),
		    lo = num_hexval((unsigned char)s[i * 3 + 1]);

		if (hi < 0 || lo < 0)
			return -1;
		if (i < NET_MAC_LEN - 1 && s[i * 3 + 2] != sep)
			return -1;
		mac[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

int
net_parse_range4(const char *s, struct net_range4 *out)
{
	char first[NET_MAX_TEXT];
	const char *dash = strchr(s, '-');
	struct in_addr a, b;

	if (dash == NULL || (size_t)(dash - s) >= sizeof(first))
		return -1;
	memcpy(first, s, (size_t)(dash - s));
	first[dash - s] = '\0';
	if (net_parse_addr4(first, &a) == -1 ||
	    net_parse_addr4(dash + 1, &b) == -1)
		return -1;
	out->first = ntohl(a.s_addr);
	out->last = ntohl(b.s_addr);
	return out->first <= out->last ? 0 : -1;
}

const char *
net_format_addr(const struct net_addr *a, char *buf, size_t len)
{
	if (inet_ntop(a->family,
		      a->family == AF_INET ? (const void *)&a->v4
					   : (const void *)&a->v6,
		      buf, (socklen_t)len) == NULL)
		snprintf(buf, len, "?");
	return buf;
}

const char *
net_format_sockaddr(const struct net_sockaddr *sa, char *buf, size_t len)
{
	char host[INET6_ADDRSTRLEN];
	struct net_addr a;

	net_sockaddr_addr(sa, &a);
	net_format_addr(&a, host, sizeof(host));
	snprintf(buf, len, a.family == AF_INET6 ? "[%s]:%u" : "%s:%u", host,
		 (unsigned)net_sockaddr_port(sa));
	return buf;
}

const char *
net_format_mac(const uint8_t mac[NET_MAC_LEN], char *buf, size_t len)
{
	snprintf(buf, len, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1],
		 mac[2], mac[3], mac[4], mac[5]);
	return buf;
}

bool
net_addr_equal(const struct net_addr *a, const struct net_addr *b)
{
	if (a->family != b->family)
		return false;
	if (a->family == AF_INET)
		return a->v4.s_addr == b->v4.s_addr;
	return memcmp(&a->v6, &b->v6, sizeof(a->v6)) == 0;
}

bool
net_cidr_contains(const struct net_cidr *net, const struct net_addr *a)
{
	const uint8_t *x, *y;
	unsigned full, rest;

	if (net->addr.family != a->family)
		return false;
	x = net->addr.family == AF_INET ? (const uint8_t *)&net->addr.v4
					: net->addr.v6.s6_addr;
	y = a->family == AF_INET ? (const uint8_t *)&a->v4 : a->v6.s6_addr;
	full = net->prefix / 8;
	rest = net->prefix % 8;
	if (memcmp(x, y, full) != 0)
		return false;
	if (rest == 0)
		return true;
	return ((x[full] ^ y[full]) & (uint8_t)(0xff << (8 - rest))) == 0;
}

void
net_sockaddr_addr(const struct net_sockaddr *sa, struct net_addr *out)
{
	memset(out, 0, sizeof(*out));
	out->family = sa->sa.sa_family;
	if (sa->sa.sa_family == AF_INET)
		out->v4 = sa->sin.sin_addr;
	else
		out->v6 = sa->sin6.sin6_addr;
}

uint16_t
net_sockaddr_port(const struct net_sockaddr *sa)
{
	return ntohs(sa->sa.sa_family == AF_INET ? sa->sin.sin_port
						 : sa->sin6.sin6_port);
}

bool
net_cidr_contains_sockaddr(const struct net_cidr *net,
			   const struct sockaddr *sa)
{
	struct net_addr a;

	memset(&a, 0, sizeof(a));
	a.family = sa->sa_family;
	if (sa->sa_family == AF_INET)
		a.v4 = ((const struct sockaddr_in *)(const void *)sa)->sin_addr;
	else if (sa->sa_family == AF_INET6)
		a.v6 = ((const struct sockaddr_in6 *)(const void *)sa)
			       ->sin6_addr;
	else
		return false;
	return net_cidr_contains(net, &a);
}

bool
net_cidr_list_contains_sockaddr(const struct net_cidr *list, size_t count,
				const struct sockaddr *sa)
{
	size_t i;

	for (i = 0; i < count; i++) {
		if (net_cidr_contains_sockaddr(&list[i], sa))
			return true;
	}
	return false;
}

bool
net_sockaddr_equal(const struct net_sockaddr *a, const struct net_sockaddr *b)
{
	struct net_addr x, y;

	if (a->sa.sa_family != b->sa.sa_family)
		return false;
	net_sockaddr_addr(a, &x);
	net_sockaddr_addr(b, &y);
	return net_addr_equal(&x, &y) &&
	       net_sockaddr_port(a) == net_sockaddr_port(b);
}

static int
net_setopt(int fd, int level, int name, const char *what, char *err,
	   size_t errlen, const char *where)
{
	int on = 1;

	if (setsockopt(fd, level, name, &on, sizeof(on)) == -1) {
		snprintf(err, errlen, "%s: %s: %s", where, what,
			 strerror(errno));
		return -1;
	}
	return 0;
}

static int
net_no_pmtud(int fd, int v6, char *err, size_t errlen, const char *where)
{
	int omit = v6 ? IPV6_PMTUDISC_OMIT : IP_PMTUDISC_OMIT;

	if (setsockopt(fd, v6 ? IPPROTO_IPV6 : IPPROTO_IP,
		       v6 ? IPV6_MTU_DISCOVER : IP_MTU_DISCOVER, &omit,
		       sizeof(omit)) == -1) {
		snprintf(err, errlen, "%s: MTU_DISCOVER: %s", where,
			 strerror(errno));
		return -1;
	}
	return 0;
}

static int
net_listen_options(int fd, const struct net_sockaddr *sa, int type,
		   unsigned flags, const char *ifname, char *err, size_t errlen,
		   const char *where)
{
	int v6 = sa->sa.sa_family == AF_INET6;

	if (net_setopt(fd, SOL_SOCKET, SO_REUSEADDR, "SO_REUSEADDR", err,
		       errlen, where) == -1)
		return -1;
	if ((flags & NET_LISTEN_REUSEPORT) &&
	    net_setopt(fd, SOL_SOCKET, SO_REUSEPORT, "SO_REUSEPORT", err,
		       errlen, where) == -1)
		return -1;
	if ((flags & NET_LISTEN_BROADCAST) &&
	    net_setopt(fd, SOL_SOCKET, SO_BROADCAST, "SO_BROADCAST", err,
		       errlen, where) == -1)
		return -1;
	if (v6 && net_setopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, "IPV6_V6ONLY", err,
			     errlen, where) == -1)
		return -1;
	if ((flags & NET_LISTEN_PKTINFO) && type == SOCK_DGRAM &&
	    net_setopt(fd, v6 ? IPPROTO_IPV6 : IPPROTO_IP,
		       v6 ? IPV6_RECVPKTINFO : IP_PKTINFO, "PKTINFO", err,
		       errlen, where) == -1)
		return -1;
	if ((flags & NET_LISTEN_NO_PMTUD) && type == SOCK_DGRAM &&
	    net_no_pmtud(fd, v6, err, errlen, where) == -1)
		return -1;
	if (ifname != NULL &&
	    setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, ifname,
		       (socklen_t)strlen(ifname) + 1) == -1) {
		snprintf(err, errlen, "%s: interface %s: %s", where, ifname,
			 strerror(errno));
		return -1;
	}
	return 0;
}

int
net_listen(const struct net_sockaddr *sa, int type, unsigned flags,
	   const char *ifname, char *err, size_t errlen)
{
	char where[NET_ADDRSTRLEN];
	int fd;

	net_format_sockaddr(sa, where, sizeof(where));
	if (ifname != NULL && strlen(ifname) >= IF_NAMESIZE) {
		snprintf(err, errlen, "%s: interface name too long: %s", where,
			 ifname);
		return -1;
	}
	fd = socket(sa->sa.sa_family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd == -1) {
		snprintf(err, errlen, "%s: socket: %s", where, strerror(errno));
		return -1;
	}
	if (net_listen_options(fd, sa, type, flags, ifname, err, errlen,
			       where) == -1)
		goto fail;
	if (bind(fd, &sa->sa, sa->len) == -1) {
		snprintf(err, errlen, "%s: %s", where, strerror(errno));
		goto fail;
	}
	if (type == SOCK_STREAM && listen(fd, NET_LISTEN_BACKLOG) == -1) {
		snprintf(err, errlen, "%s: listen: %s", where, strerror(errno));
		goto fail;
	}
	return fd;
fail:
	close(fd);
	return -1;
}
