/*
 * dns-test-upstream: a misbehaving DNS upstream for dnsfwd's tests.
 *
 *   dns-test-upstream -a 127.0.0.1 -p PORT -m MODE [-d MS] [-t TTL]
 *
 * Every query for NAME answers NAME A 192.0.2.<n> (TTL -t, default 300),
 * where n counts queries seen (so a cached answer is recognisable), after
 * the mode's misbehaviour:
 *   answer    answer at once
 *   drop      never answer
 *   delay     answer after -d MS
 *   truncate  over UDP: TC and no records; over TCP (same port): 60 A
 *             records, more than a 512-byte or 1232-byte UDP answer
 *   big       as truncate, with 256 A records over TCP: more than the
 *             largest UDP answer dnsfwd sends (4096 bytes)
 *   forge     first answers with a wrong ID, a wrong question and from a
 *             wrong port (all with 6.6.6.6), then the real one after -d MS
 *   refuse    REFUSED
 *   flaky     answer the first query, SERVFAIL to every later one
 *   ad        answer with the AD bit set, whatever the query asked
 *   badvers   answer with an OPT RR carrying the extended RCODE BADVERS
 *             (16: header RCODE 0, upper bits 1 in the OPT TTL)
 *   tcpfail   over UDP as truncate; over TCP accept, then reset
 * One line per query goes to stdout ("query NAME TYPE"), flushed.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_DELAYED   256
#define TRUNC_RECORDS 60
#define BIG_RECORDS   256 /* what dnsfwd caches: CACHE_MAX_TTLS */

struct delayed {
	uint64_t due;
	struct sockaddr_in to;
	uint8_t msg[512];
	size_t len;
};

static struct delayed delayed[MAX_DELAYED];
static unsigned counter;

static uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* The question's end, or 0 when the query is not one we understand. */
static size_t
question_end(const uint8_t *q, size_t len)
{
	size_t off = 12;

	if (len < 12 || q[5] != 1)
		return 0;
	while (off < len && q[off] != 0) {
		if (q[off] > 63)
			return 0;
		off += (size_t)q[off] + 1;
	}
	return off + 5 <= len ? off + 5 : 0;
}

static size_t
add_a(uint8_t *out, size_t n, uint32_t ttl, const uint8_t addr[4])
{
	static const uint8_t rr[] = {0xc0, 12, 0, 1, 0, 1};

	memcpy(out + n, rr, sizeof(rr));
	n += sizeof(rr);
	out[n++] = (uint8_t)(ttl >> 24);
	out[n++] = (uint8_t)(ttl >> 16);
	out[n++] = (uint8_t)(ttl >> 8);
	out[n++] = (uint8_t)ttl;
	out[n++] = 0;
	out[n++] = 4;
	memcpy(out + n, addr, 4);
	return n + 4;
}

/* An OPT RR (RFC 6891) with the extended RCODE's upper 8 bits. */
static size_t
add_opt(uint8_t *out, size_t n, uint8_t rcode_hi)
{
	static const uint8_t opt[] = {0, 0, 41, 0x04, 0xd0};

	memcpy(out + n, opt, sizeof(opt));
	n += sizeof(opt);
	out[n++] = rcode_hi;
	memset(out + n, 0, 5); /* version, flags, RDLENGTH */
	out[11]++;
	return n + 5;
}

/* Header, the question echoed, `records` A records. */
static size_t
build(const uint8_t *q, size_t qend, uint8_t *out, unsigned rcode, bool tc,
      unsigned records, uint32_t ttl, const uint8_t addr[4])
{
	size_t n = qend;
	unsigned i;

	memcpy(out, q, qend);
	out[2] = (uint8_t)(0x80 | (q[2] & 0x01) | (tc ? 0x02 : 0));
	out[3] = (uint8_t)(0x80 | rcode);
	out[6] = (uint8_t)(records >> 8);
	out[7] = (uint8_t)records;
	memset(out + 8, 0, 4);
	for (i = 0; i < records; i++)
		n = add_a(out, n, ttl, addr);
	return n;
}

static void
later(uint64_t due, const struct sockaddr_in *to, const uint8_t *msg,
      size_t len)
{
	int i;

	for (i = 0; i < MAX_DELAYED; i++) {
		if (delayed[i].due == 0) {
			delayed[i].due = due;
			delayed[i].to = *to;
			memcpy(delayed[i].msg, msg, len);
			delayed[i].len = len;
			return;
		}
	}
}

static void
print_query(const uint8_t *q, size_t qend)
{
	char name[300];
	size_t off = 12, o = 0;

	while (q[off] != 0 && o + 66 < sizeof(name)) {
		memcpy(name + o, q + off + 1, q[off]);
		o += q[off];
		name[o++] = '.';
		off += (size_t)q[off] + 1;
	}
	name[o] = '\0';
	printf("query %s %u\n", name,
	       (unsigned)(q[qend - 4] << 8 | q[qend - 3]));
	fflush(stdout);
}

static void
forge(int fd, int other, const struct sockaddr_in *to, const uint8_t *q,
      size_t qend, uint32_t ttl)
{
	static const uint8_t evil[4] = {6, 6, 6, 6};
	uint8_t out[512];
	size_t n;

	/* Wrong ID. */
	n = build(q, qend, out, 0, false, 1, ttl, evil);
	out[0] ^= 0x55;
	sendto(fd, out, n, 0, (const struct sockaddr *)to, sizeof(*to));
	/* Wrong question (a different first letter). */
	n = build(q, qend, out, 0, false, 1, ttl, evil);
	if (qend > 13)
		out[13] = out[13] == 'z' ? 'y' : 'z';
	sendto(fd, out, n, 0, (const struct sockaddr *)to, sizeof(*to));
	/* Right ID and question, wrong source port. */
	n = build(q, qend, out, 0, false, 1, ttl, evil);
	sendto(other, out, n, 0, (const struct sockaddr *)to, sizeof(*to));
}

/* Closes with an RST: SO_LINGER with a zero timeout. */
static void
reset(int fd)
{
	struct linger l = {.l_onoff = 1, .l_linger = 0};

	setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
	close(fd);
}

static void
serve_tcp(int lfd, uint32_t ttl, unsigned records, bool fail)
{
	uint8_t q[514], out[2 + 12 + 260 + BIG_RECORDS * 16];
	uint8_t addr[4] = {192, 0, 2, 0};
	size_t got = 0, need, qend, n;
	ssize_t r;
	int fd = accept(lfd, NULL, NULL);

	if (fd == -1)
		return;
	if (fail) {
		reset(fd);
		return;
	}
	while (got < 2 || got < 2 + (size_t)(q[0] << 8 | q[1])) {
		r = read(fd, q + got, sizeof(q) - got);
		if (r <= 0)
			goto done;
		got += (size_t)r;
	}
	need = (size_t)(q[0] << 8 | q[1]);
	qend = question_end(q + 2, need);
	if (qend == 0)
		goto done;
	print_query(q + 2, qend);
	addr[3] = (uint8_t)++counter;
	n = build(q + 2, qend, out + 2, 0, false, records, ttl, addr);
	out[0] = (uint8_t)(n >> 8);
	out[1] = (uint8_t)n;
	if (write(fd, out, n + 2) < 0)
		perror("write");
done:
	close(fd);
}

static void
serve_udp(int fd, int other, const char *mode, unsigned delay, uint32_t ttl)
{
	uint8_t q[512], out[512];
	uint8_t addr[4] = {192, 0, 2, 0};
	struct sockaddr_in from;
	socklen_t fl = sizeof(from);
	ssize_t r =
		recvfrom(fd, q, sizeof(q), 0, (struct sockaddr *)&from, &fl);
	size_t qend, n;

	if (r <= 0 || (qend = question_end(q, (size_t)r)) == 0)
		return;
	print_query(q, qend);
	addr[3] = (uint8_t)++counter;
	if (strcmp(mode, "drop") == 0)
		return;
	if (strcmp(mode, "refuse") == 0)
		n = build(q, qend, out, 5, false, 0, ttl, addr);
	else if (strcmp(mode, "truncate") == 0 || strcmp(mode, "big") == 0 ||
		 strcmp(mode, "tcpfail") == 0)
		n = build(q, qend, out, 0, true, 0, ttl, addr);
	else if (strcmp(mode, "flaky") == 0 && counter > 1)
		n = build(q, qend, out, 2, false, 0, ttl, addr);
	else
		n = build(q, qend, out, 0, false, 1, ttl, addr);
	if (strcmp(mode, "ad") == 0)
		out[3] |= 0x20;
	if (strcmp(mode, "badvers") == 0)
		n = add_opt(out, n, 16 >> 4);
	if (strcmp(mode, "forge") == 0)
		forge(fd, other, &from, q, qend, ttl);
	if (strcmp(mode, "delay") == 0 || strcmp(mode, "forge") == 0)
		later(now_ms() + delay, &from, out, n);
	else
		sendto(fd, out, n, 0, (struct sockaddr *)&from, fl);
}

static int
open_socket(int type, const char *a, unsigned port)
{
	struct sockaddr_in sin = {.sin_family = AF_INET};
	int fd = socket(AF_INET, type, 0), one = 1;

	sin.sin_port = htons((uint16_t)port);
	if (fd == -1 || inet_pton(AF_INET, a, &sin.sin_addr) != 1)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1)
		return -1;
	if (type == SOCK_STREAM && listen(fd, 16) == -1)
		return -1;
	return fd;
}

int
main(int argc, char **argv)
{
	const char *a = "127.0.0.1", *mode = "answer";
	unsigned port = 0, delay = 0;
	uint32_t ttl = 300;
	struct pollfd p[2];
	int c, udp, tcp, other, i, timeout;

	while ((c = getopt(argc, argv, "a:p:m:d:t:")) != -1) {
		switch (c) {
		case 'a':
			a = optarg;
			break;
		case 'p':
			port = (unsigned)atoi(optarg);
			break;
		case 'm':
			mode = optarg;
			break;
		case 'd':
			delay = (unsigned)atoi(optarg);
			break;
		case 't':
			ttl = (uint32_t)strtoul(optarg, NULL, 10);
			break;
		default:
			fprintf(stderr,
				"usage: %s -a ADDR -p PORT -m MODE "
				"[-d MS] [-t TTL]\n",
				argv[0]);
			return 2;
		}
	}
	udp = open_socket(SOCK_DGRAM, a, port);
	tcp = open_socket(SOCK_STREAM, a, port);
	other = open_socket(SOCK_DGRAM, a, 0);
	if (udp == -1 || tcp == -1 || other == -1) {
		perror("dns-test-upstream: socket");
		return 1;
	}
	p[0] = (struct pollfd){.fd = udp, .events = POLLIN};
	p[1] = (struct pollfd){.fd = tcp, .events = POLLIN};
	for (;;) {
		uint64_t now = now_ms();

		timeout = 100;
		for (i = 0; i < MAX_DELAYED; i++) {
			if (delayed[i].due == 0)
				continue;
			if (delayed[i].due <= now) {
				sendto(udp, delayed[i].msg, delayed[i].len, 0,
				       (struct sockaddr *)&delayed[i].to,
				       sizeof(delayed[i].to));
				delayed[i].due = 0;
			} else if (delayed[i].due - now < (uint64_t)timeout) {
				timeout = (int)(delayed[i].due - now);
			}
		}
		if (poll(p, 2, timeout) < 0 && errno != EINTR)
			return 1;
		if (p[0].revents & POLLIN)
			serve_udp(udp, other, mode, delay, ttl);
		if (p[1].revents & POLLIN)
			serve_tcp(tcp, ttl,
				  strcmp(mode, "big") == 0 ? BIG_RECORDS
							   : TRUNC_RECORDS,
				  strcmp(mode, "tcpfail") == 0);
	}
}
