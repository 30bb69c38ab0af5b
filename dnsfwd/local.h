/*
 * local: names answered here and never forwarded: dns.records and the
 * entries of dns.hosts_file (hosts(5) format), with PTR records made for
 * every A and AAAA, and dns.local_domains whose other names get
 * NXDOMAIN.  Answers carry AA.  Names are found through a hash index, so
 * a large hosts file costs no time per query.
 */
#ifndef LABGATE_DNS_LOCAL_H
#define LABGATE_DNS_LOCAL_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "dns_wire.h"

#define LOCAL_TTL       60     /* seconds, on every local answer */
#define LOCAL_MAX_CHAIN 8      /* CNAMEs followed inside local data */
#define LOCAL_MAX_RRS   200000 /* records, PTRs and hosts entries */
#define LOCAL_MAX_LINE  4096   /* bytes in one hosts file line */
#define LOCAL_ERRLEN    256

struct local_zone;

/*
 * Builds the table from the config, reading dns.hosts_file if set.
 * Returns NULL with the cause in err.  *bad_lines receives the number of
 * hosts file lines that were skipped as malformed.
 */
struct local_zone *local_new(const struct config_dns *cfg, size_t *bad_lines,
			     char *err, size_t errlen);
void local_free(struct local_zone *z);
size_t local_count(const struct local_zone *z);

/*
 * Answers q from local data into out (header, question, answers; no OPT).
 * Returns the length, 0 when the name is not local, -1 when out is too
 * small.
 */
int local_answer(const struct local_zone *z, const struct dns_msg *q,
		 uint8_t *out, size_t outlen);
/*
 * local_answer for a client that takes `limit` octets at most (its UDP
 * size, less the room for an OPT): a longer answer becomes the header and
 * question alone with TC (RFC 1035 4.2.1), so the client asks over TCP.
 * Returns as local_answer; -1 only when not even that fits.
 */
int local_answer_fit(const struct local_zone *z, const struct dns_msg *q,
		     uint8_t *out, size_t outlen, size_t limit);

#endif
