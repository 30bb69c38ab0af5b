/*
 * libFuzzer target for dnsfwd's hosts(5) reader (dns.hosts_file): the
 * input is the file, read through a memfd as the daemon reads a path, and
 * the table built from it answers a few queries (A, AAAA and the PTR made
 * from each address).  Lines may be skipped as malformed; nothing may
 * crash, hang, leak or read out of bounds.
 */
#include <arpa/inet.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "fuzz_file.h"
#include "dns_wire.h"
#include "local.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A query for name (dotted, no trailing dot) of type qtype, parsed. */
static int
fuzz_query(const char *name, uint16_t qtype, uint8_t *buf, size_t cap,
	   struct dns_msg *m)
{
	size_t n = 12;
	const char *p = name;

	if (cap < 12 + 256 + 4)
		return -1;
	memset(buf, 0, 12);
	buf[5] = 1; /* QDCOUNT */
	while (*p != '\0') {
		const char *dot = strchr(p, '.');
		size_t len = dot != NULL ? (size_t)(dot - p) : strlen(p);

		if (len == 0 || len > 63 || n + 1 + len > 12 + 255)
			return -1;
		buf[n++] = (uint8_t)len;
		memcpy(buf + n, p, len);
		n += len;
		p += len;
		if (*p == '.')
			p++;
	}
	buf[n++] = 0;
	buf[n++] = (uint8_t)(qtype >> 8);
	buf[n++] = (uint8_t)qtype;
	buf[n++] = 0;
	buf[n++] = 1; /* IN */
	return dns_msg_parse(buf, n, m) == DNS_OK ? 0 : -1;
}

static void
fuzz_ask(const struct local_zone *z, const char *name, uint16_t qtype)
{
	static uint8_t q[512], out[DNS_MAX_MSG];
	struct dns_msg m;

	if (fuzz_query(name, qtype, q, sizeof(q), &m) == 0) {
		local_answer(z, &m, out, sizeof(out));
		local_answer_fit(z, &m, out, sizeof(out), 512);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char path[64];
	static struct config_dns cfg;
	struct local_zone *z;
	char err[LOCAL_ERRLEN];
	size_t bad;
	int fd;

	fd = fuzz_file("hosts", data, size, path, sizeof(path));
	if (fd == -1)
		return 0;
	cfg.hosts_file = path;
	z = local_new(&cfg, &bad, err, sizeof(err));
	close(fd);
	if (z == NULL)
		return 0;
	fuzz_ask(z, "localhost", DNS_TYPE_A);
	fuzz_ask(z, "host.lab.test", DNS_TYPE_AAAA);
	fuzz_ask(z, "1.0.0.127.in-addr.arpa", DNS_TYPE_PTR);
	fuzz_ask(z,
		 "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0."
		 "0.0.ip6.arpa",
		 DNS_TYPE_PTR);
	local_free(z);
	return 0;
}
