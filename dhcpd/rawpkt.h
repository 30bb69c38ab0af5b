/*
 * rawpkt: IPv4 and UDP headers for replies sent through a packet socket
 * to a client that has no address yet (RFC 2131 4.1: unicast to chaddr
 * and yiaddr without ARP).  Pure: no I/O.
 */
#ifndef LABGATE_DHCPD_RAWPKT_H
#define LABGATE_DHCPD_RAWPKT_H

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>

#define RAWPKT_HDR_LEN 28 /* IPv4 header without options + UDP */
#define RAWPKT_TTL     64

/*
 * Writes the IPv4 and UDP headers into pkt[0..28), in front of the
 * `len` payload bytes already at pkt + 28, with both checksums.
 * Returns the datagram's total length.
 */
size_t rawpkt_build(uint8_t *pkt, size_t len, struct in_addr src,
		    uint16_t sport, struct in_addr dst, uint16_t dport);
/* The Internet checksum (RFC 1071) of p[0..len), folded, complemented. */
uint16_t rawpkt_checksum(const uint8_t *p, size_t len, uint32_t sum);

#endif
