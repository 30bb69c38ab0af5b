/*
 * net: addresses as users write them, and listening sockets.
 *
 * Parsers take NUL-terminated text, accept exactly one form, return 0 or
 * -1 and never log: the caller names the bad value and where it was.
 */
#ifndef LABGATE_NET_H
#define LABGATE_NET_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

/* An IPv4 or IPv6 address, no port. */
struct net_addr {
	sa_family_t family; /* AF_INET or AF_INET6 */
	union {
		struct in_addr v4;
		struct in6_addr v6;
	};
};

/* A socket address: address and port, ready for bind/connect/sendto. */
struct net_sockaddr {
	socklen_t len;
	union {
		struct sockaddr sa;
		struct sockaddr_in sin;
		struct sockaddr_in6 sin6;
		struct sockaddr_storage ss;
	};
};

struct net_cidr {
	struct net_addr addr; /* host bits are zero */
	uint8_t prefix;       /* 0..32 or 0..128 */
};

/* An inclusive range of IPv4 addresses, host byte order. */
struct net_range4 {
	uint32_t first;
	uint32_t last;
};

#define NET_MAC_LEN 6
/* Longest text any net_format_* writes, NUL included. */
#define NET_ADDRSTRLEN (INET6_ADDRSTRLEN + 8)

/* "192.0.2.1" or "2001:db8::1" (scope ids are not accepted). */
int net_parse_addr(const char *s, struct net_addr *out);
/* IPv4 only, dotted quad with exactly four parts. */
int net_parse_addr4(const char *s, struct in_addr *out);
/*
 * "192.0.2.1", "192.0.2.1:53", "[2001:db8::1]:53", "[::1]" or a bare
 * IPv6 address; `default_port` when the text has none.  Port 0 is
 * refused unless allow_zero.
 */
int net_parse_sockaddr(const char *s, uint16_t default_port, bool allow_zero,
		       struct net_sockaddr *out);
/* "192.0.2.0/24", "2001:db8::/32"; host bits must be zero. */
int net_parse_cidr(const char *s, struct net_cidr *out);
/* "00:00:5e:00:53:01" or with '-'; six two-digit hex bytes. */
int net_parse_mac(const char *s, uint8_t mac[NET_MAC_LEN]);
/* "192.0.2.100-192.0.2.200" with first <= last. */
int net_parse_range4(const char *s, struct net_range4 *out);

/* Formatters write at most NET_ADDRSTRLEN bytes and return buf. */
const char *net_format_addr(const struct net_addr *a, char *buf, size_t len);
/* "192.0.2.1:53" or "[2001:db8::1]:53". */
const char *net_format_sockaddr(const struct net_sockaddr *sa, char *buf,
				size_t len);
const char *net_format_mac(const uint8_t mac[NET_MAC_LEN], char *buf,
			   size_t len);

bool net_cidr_contains(const struct net_cidr *net, const struct net_addr *a);
/* Whether a socket address (as from recvfrom) falls inside net. */
bool net_cidr_contains_sockaddr(const struct net_cidr *net,
				const struct sockaddr *sa);
/* Whether sa falls inside any of the count networks in list. */
bool net_cidr_list_contains_sockaddr(const struct net_cidr *list, size_t count,
				     const struct sockaddr *sa);
bool net_addr_equal(const struct net_addr *a, const struct net_addr *b);
bool net_sockaddr_equal(const struct net_sockaddr *a,
			const struct net_sockaddr *b);
/* The address part of a socket address. */
void net_sockaddr_addr(const struct net_sockaddr *sa, struct net_addr *out);
uint16_t net_sockaddr_port(const struct net_sockaddr *sa);

/* Options for net_listen; OR them together. */
#define NET_LISTEN_REUSEPORT 0x01 /* SO_REUSEPORT, for `workers` */
#define NET_LISTEN_BROADCAST 0x02 /* SO_BROADCAST (DHCP) */
#define NET_LISTEN_PKTINFO   0x04 /* IP_PKTINFO / IPV6_RECVPKTINFO */
/*
 * IP_PMTUDISC_OMIT: datagrams sized by the interface MTU, ICMP "fragmentation
 * needed" ignored, so a forged one cannot make our answers fragment
 * (RFC 9715 3.1; DNS)
 */
#define NET_LISTEN_NO_PMTUD 0x08

#define NET_LISTEN_BACKLOG 1024
#define NET_ERRLEN         256

/*
 * Opens a non-blocking, close-on-exec socket of `type` (SOCK_STREAM or
 * SOCK_DGRAM) bound to `sa`, listening if a stream, optionally bound to
 * the device `ifname` (SO_BINDTODEVICE; NULL for none).  IPv6 sockets are
 * IPV6_V6ONLY so "[::]:53" and "0.0.0.0:53" can both be listed.  Returns
 * the fd, or -1 with a line such as "127.0.0.1:53: Address already in use"
 * in err (never logs).
 */
int net_listen(const struct net_sockaddr *sa, int type, unsigned flags,
	       const char *ifname, char *err, size_t errlen);

#endif
