/* rawpkt: IPv4/UDP headers and checksums (see rawpkt.h). */
#include "rawpkt.h"

#include <string.h>

static uint32_t
sum_bytes(const uint8_t *p, size_t len, uint32_t sum)
{
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	return sum;
}

uint16_t
rawpkt_checksum(const uint8_t *p, size_t len, uint32_t sum)
{
	sum = sum_bytes(p, len, sum);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static void
put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

size_t
rawpkt_build(uint8_t *pkt, size_t len, struct in_addr src, uint16_t sport,
	     struct in_addr dst, uint16_t dport)
{
	uint8_t *ip = pkt, *udp = pkt + 20;
	size_t udplen = 8 + len;
	uint32_t pseudo = 0;
	uint16_t ck;

	memset(ip, 0, 20);
	ip[0] = 0x45; /* version 4, 5 words */
	put16(ip + 2, (uint16_t)(20 + udplen));
	ip[6] = 0x40; /* don't fragment */
	ip[8] = RAWPKT_TTL;
	ip[9] = IPPROTO_UDP;
	memcpy(ip + 12, &src, 4);
	memcpy(ip + 16, &dst, 4);
	put16(ip + 10, rawpkt_checksum(ip, 20, 0));
	put16(udp, sport);
	put16(udp + 2, dport);
	put16(udp + 4, (uint16_t)udplen);
	put16(udp + 6, 0);
	/* pseudo-header: addresses, protocol, UDP length (RFC 768) */
	pseudo = sum_bytes(ip + 12, 8, 0) + IPPROTO_UDP + (uint32_t)udplen;
	ck = rawpkt_checksum(udp, udplen, pseudo);
	put16(udp + 6, ck == 0 ? 0xffff : ck);
	return 20 + udplen;
}
