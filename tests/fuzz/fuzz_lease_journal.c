/*
 * libFuzzer target for dhcpd's lease journal reader (dhcpd.leases(5)):
 * the input is the file, behind a memfd.  It is replayed read-only, as
 * `dhcpd -l` does, then opened as dhcpd opens it at start-up, which cuts a
 * torn tail and resynchronises after damage.  Every replayed lease is
 * read whole (identity, host name) so an out-of-bounds record shows.
 * Records may be skipped; nothing may crash, hang, leak or read out of
 * bounds.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "fuzz_file.h"
#include "lease_store.h"
#include "pool.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static volatile unsigned fuzz_sink; /* keeps the reads of every lease */

static int
fuzz_replayed(const struct lease *l, void *arg)
{
	unsigned *sum = arg;
	uint16_t i;

	if (l->id_len > LEASE_STORE_MAX_RECORD ||
	    memchr(l->hostname, '\0', sizeof(l->hostname)) == NULL)
		__builtin_trap(); /* the reader let a bad record through */
	for (i = 0; i < l->id_len; i++)
		*sum += l->id[i];
	*sum += (unsigned)strlen(l->hostname) + l->state;
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[64], err[LEASE_STORE_ERRLEN];
	struct lease_store *st;
	unsigned sum = 0;
	int fd;

	fd = fuzz_file("leases", data, size, path, sizeof(path));
	if (fd == -1)
		return 0;
	lease_store_read(path, fuzz_replayed, &sum, err, sizeof(err));
	st = lease_store_open(path, fuzz_replayed, &sum, err, sizeof(err));
	lease_store_close(st);
	close(fd);
	fuzz_sink = sum;
	return 0;
}
