/*
 * dhcpd lease journal: record round trip, replay, a torn tail cut off
 * with later appends intact, a corrupt record skipped, compaction by
 * rewrite, write and fsync failures injected through the I/O hook, and
 * a million leases loaded in under a second.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "lease_store.h"

#if defined(__SANITIZE_ADDRESS__)
#define LOAD_LIMIT_S 5.0 /* instrumented builds are slower */
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define LOAD_LIMIT_S 5.0
#endif
#endif
#ifndef LOAD_LIMIT_S
#define LOAD_LIMIT_S 1.0
#endif

static char dir[64];
static char path[128];

static int
setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/test_dhcpd_store.XXXXXX");
	if (mkdtemp(dir) == NULL)
		return -1;
	snprintf(path, sizeof(path), "%s/dhcpd.leases", dir);
	return 0;
}

static int
teardown(void **state)
{
	char p[160];

	(void)state;
	unlink(path);
	snprintf(p, sizeof(p), "%s.new", path);
	unlink(p);
	rmdir(dir);
	return 0;
}

static void
make(struct lease_rec *r, uint32_t n)
{
	struct lease *l = &r->lease;

	memset(r, 0, sizeof(*r));
	l->addr.s_addr = htonl(0xc0000200u + (n & 0xff) + ((n >> 8) << 16));
	l->state = LEASE_BOUND;
	l->start = 1700000000 + n;
	l->expires = l->start + 3600;
	memcpy(l->mac, "\x02\x00\x5e\x00\x00\x00", 6);
	l->mac[4] = (uint8_t)(n >> 8);
	l->mac[5] = (uint8_t)n;
	l->id_len = 7;
	l->id[0] = 1;
	memcpy(l->id + 1, l->mac, 6);
	snprintf(l->hostname, sizeof(l->hostname), "host%u", n);
}

struct seen {
	uint32_t count;
	uint32_t last_start;
	int in_order;
};

static int
collect(const struct lease *l, void *arg)
{
	struct seen *s = arg;
	uint32_t n = (uint32_t)(l->start - 1700000000);

	if (s->count > 0 && n <= s->last_start)
		s->in_order = 0;
	s->last_start = n;
	s->count++;
	return 0;
}

static struct lease_store *
open_store(struct seen *s)
{
	char err[LEASE_STORE_ERRLEN];
	struct lease_store *st;

	memset(s, 0, sizeof(*s));
	s->in_order = 1;
	st = lease_store_open(path, collect, s, err, sizeof(err));
	if (st == NULL)
		fprintf(stderr, "# %s\n", err);
	return st;
}

static void
append_range(struct lease_store *st, uint32_t from, uint32_t to)
{
	struct lease_rec r;
	uint32_t i;

	for (i = from; i < to; i++) {
		make(&r, i);
		assert_int_equal(lease_store_append(st, &r.lease), 0);
	}
}

static off_t
file_size(const char *p)
{
	struct stat sb;

	return stat(p, &sb) == 0 ? sb.st_size : -1;
}

static void
test_roundtrip(void **state)
{
	struct lease_rec a, b;
	uint8_t buf[LEASE_STORE_MAX_RECORD];
	size_t n;

	(void)state;
	make(&a, 42);
	a.lease.state = LEASE_DECLINED;
	n = lease_store_encode(&a.lease, buf, sizeof(buf));
	assert_true(n > 8);
	assert_int_equal(lease_store_crc32(buf + 8, n - 8),
			 (uint32_t)buf[4] << 24 | (uint32_t)buf[5] << 16 |
				 (uint32_t)buf[6] << 8 | buf[7]);
	assert_int_equal(lease_store_decode(buf + 8, n - 8, &b), 0);
	assert_int_equal(b.lease.addr.s_addr, a.lease.addr.s_addr);
	assert_int_equal(b.lease.state, LEASE_DECLINED);
	assert_int_equal(b.lease.start, a.lease.start);
	assert_int_equal(b.lease.expires, a.lease.expires);
	assert_memory_equal(b.lease.mac, a.lease.mac, 6);
	assert_int_equal(b.lease.id_len, 7);
	assert_memory_equal(b.lease.id, a.lease.id, 7);
	assert_string_equal(b.lease.hostname, "host42");
	/* bad fields: version, state, lengths */
	assert_int_equal(lease_store_decode(buf + 8, n - 9, &b), -1);
	buf[8] = 2;
	assert_int_equal(lease_store_decode(buf + 8, n - 8, &b), -1);
	buf[8] = 1;
	buf[9] = 9;
	assert_int_equal(lease_store_decode(buf + 8, n - 8, &b), -1);
	assert_int_equal(lease_store_encode(&a.lease, buf, 20), 0);
	/* the standard check value of CRC-32 */
	assert_int_equal(lease_store_crc32((const uint8_t *)"123456789", 9),
			 0xcbf43926u);
}

static void
test_replay(void **state)
{
	struct lease_store *st;
	struct lease_store_stats stats;
	struct seen s;

	(void)state;
	st = open_store(&s);
	assert_non_null(st);
	assert_int_equal(s.count, 0);
	append_range(st, 0, 100);
	assert_int_equal(lease_store_pending(st), 100);
	assert_int_equal(lease_store_commit(st), 0);
	assert_int_equal(lease_store_pending(st), 0);
	assert_int_equal(lease_store_commit(st), 0); /* nothing queued */
	append_range(st, 100, 150);
	assert_int_equal(lease_store_commit(st), 0);
	lease_store_get_stats(st, &stats);
	assert_int_equal(stats.records, 150);
	assert_int_equal(stats.commits, 2); /* one fsync per batch */
	lease_store_close(st);
	st = open_store(&s);
	assert_non_null(st);
	assert_int_equal(s.count, 150);
	assert_true(s.in_order);
	lease_store_close(st);
	/* read-only listing sees the same */
	memset(&s, 0, sizeof(s));
	{
		char err[LEASE_STORE_ERRLEN];

		assert_int_equal(
			lease_store_read(path, collect, &s, err, sizeof(err)),
			0);
	}
	assert_int_equal(s.count, 150);
}

static void
test_torn_tail(void **state)
{
	struct lease_store *st;
	struct lease_store_stats stats;
	struct seen s;
	off_t good;
	int fd;

	(void)state;
	st = open_store(&s);
	append_range(st, 0, 10);
	assert_int_equal(lease_store_commit(st), 0);
	lease_store_close(st);
	good = file_size(path);
	/* half of a record: a crash in the middle of a write */
	fd = open(path, O_WRONLY | O_APPEND);
	assert_true(fd >= 0);
	assert_int_equal(
		write(fd, "\x00\x00\x00\x30\x12\x34\x56\x78\x01\x02", 10), 10);
	close(fd);
	st = open_store(&s);
	assert_non_null(st);
	assert_int_equal(s.count, 10);
	lease_store_get_stats(st, &stats);
	assert_int_equal(stats.torn, 1);
	assert_int_equal(file_size(path), good); /* cut off */
	append_range(st, 10, 12);
	assert_int_equal(lease_store_commit(st), 0);
	lease_store_close(st);
	st = open_store(&s);
	assert_int_equal(s.count, 12);
	assert_true(s.in_order);
	lease_store_close(st);
	/* a whole last record with a bad checksum is torn too */
	fd = open(path, O_RDWR);
	assert_int_equal(pwrite(fd, "\xff", 1, file_size(path) - 1), 1);
	close(fd);
	st = open_store(&s);
	assert_int_equal(s.count, 11);
	lease_store_close(st);
}

static void
test_corrupt_middle(void **state)
{
	struct lease_store *st;
	struct lease_store_stats stats;
	struct seen s;
	off_t before;
	int fd;

	(void)state;
	st = open_store(&s);
	append_range(st, 0, 3);
	assert_int_equal(lease_store_commit(st), 0);
	lease_store_close(st);
	/* flip a byte inside the first record's payload */
	fd = open(path, O_RDWR);
	assert_int_equal(pwrite(fd, "\xee", 1, 8 + 8 + 3), 1);
	close(fd);
	st = open_store(&s);
	assert_non_null(st);
	assert_int_equal(s.count, 2);
	lease_store_get_stats(st, &stats);
	assert_int_equal(stats.torn, 1);
	lease_store_close(st);
	/*
	 * a damaged length field in the middle: the records after it are
	 * kept, not cut off as if they were a torn tail
	 */
	st = open_store(&s);
	append_range(st, 3, 6);
	assert_int_equal(lease_store_commit(st), 0);
	lease_store_close(st);
	before = file_size(path);
	fd = open(path, O_RDWR);
	assert_int_equal(pwrite(fd, "\xff\xff", 2, 8 + 50 + 50), 2);
	close(fd);
	st = open_store(&s);
	assert_non_null(st);
	assert_int_equal(s.count, 4); /* 1, 3, 4, 5: only 2 is lost */
	assert_true(s.in_order);
	assert_int_equal(file_size(path), before);
	lease_store_close(st);
	/* not a journal at all: refused, not overwritten */
	fd = open(path, O_WRONLY | O_TRUNC);
	assert_int_equal(write(fd, "hello world\n", 12), 12);
	close(fd);
	assert_null(open_store(&s));
	assert_int_equal(file_size(path), 12);
}

static void
test_compaction(void **state)
{
	char err[LEASE_STORE_ERRLEN], tmp[160];
	struct lease_store *st;
	struct lease_rec r;
	struct seen s;
	uint32_t i;

	(void)state;
	st = open_store(&s);
	for (i = 0; i < 10; i++) {
		append_range(st, 0, 1000); /* the same leases, renewed */
		assert_int_equal(lease_store_commit(st), 0);
	}
	assert_true(lease_store_should_compact(st, 1000));
	assert_false(lease_store_should_compact(st, 6000));
	assert_int_equal(lease_store_rewrite_begin(st, err, sizeof(err)), 0);
	for (i = 0; i < 1000; i++) {
		make(&r, i);
		assert_int_equal(lease_store_rewrite_add(st, &r.lease), 0);
	}
	assert_int_equal(lease_store_rewrite_end(st, err, sizeof(err)), 0);
	assert_false(lease_store_should_compact(st, 1000));
	snprintf(tmp, sizeof(tmp), "%s.new", path);
	assert_int_equal(access(tmp, F_OK), -1);
	/* appends go to the new file */
	append_range(st, 1000, 1001);
	assert_int_equal(lease_store_commit(st), 0);
	lease_store_close(st);
	st = open_store(&s);
	assert_int_equal(s.count, 1001);
	lease_store_close(st);
}

static int fail_sync;
static long fail_write_after = -1; /* bytes accepted before ENOSPC */

static int
bad_fdatasync(int fd)
{
	(void)fd;
	if (fail_sync) {
		errno = EIO;
		return -1;
	}
	return 0;
}

static ssize_t
bad_write(int fd, const void *buf, size_t len)
{
	if (fail_write_after >= 0) {
		if (fail_write_after == 0) {
			errno = ENOSPC;
			return -1;
		}
		if ((long)len > fail_write_after)
			len = (size_t)fail_write_after;
		fail_write_after -= (long)len;
	}
	return write(fd, buf, len);
}

static const struct lease_store_io faulty = {bad_write, bad_fdatasync};

static void
test_fsync_failure(void **state)
{
	char err[LEASE_STORE_ERRLEN];
	struct lease_store *st;
	struct lease_rec r;
	struct seen s;

	(void)state;
	st = open_store(&s);
	lease_store_set_io(st, &faulty);
	append_range(st, 0, 5);
	assert_int_equal(lease_store_commit(st), 0);
	fail_sync = 1;
	append_range(st, 5, 6);
	assert_int_equal(lease_store_commit(st), -1);
	assert_true(lease_store_failed(st));
	/* never fsynced again on that file, even when the disk is fine */
	fail_sync = 0;
	append_range(st, 6, 7);
	assert_int_equal(lease_store_commit(st), -1);
	/* a rewrite whose fsync fails leaves the store failed, no .new */
	fail_sync = 1;
	assert_int_equal(lease_store_rewrite_begin(st, err, sizeof(err)), 0);
	make(&r, 0);
	assert_int_equal(lease_store_rewrite_add(st, &r.lease), 0);
	assert_int_equal(lease_store_rewrite_end(st, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "fsync"));
	assert_true(lease_store_failed(st));
	/* a rewrite from memory into a fresh file heals it */
	fail_sync = 0;
	assert_int_equal(lease_store_rewrite_begin(st, err, sizeof(err)), 0);
	for (uint32_t i = 0; i < 7; i++) {
		make(&r, i);
		assert_int_equal(lease_store_rewrite_add(st, &r.lease), 0);
	}
	assert_int_equal(lease_store_rewrite_end(st, err, sizeof(err)), 0);
	assert_false(lease_store_failed(st));
	append_range(st, 7, 8);
	assert_int_equal(lease_store_commit(st), 0);
	lease_store_close(st);
	st = open_store(&s);
	assert_int_equal(s.count, 8);
	lease_store_close(st);
}

static void
test_write_failure(void **state)
{
	struct lease_store *st;
	struct seen s;
	off_t before;

	(void)state;
	st = open_store(&s);
	lease_store_set_io(st, &faulty);
	append_range(st, 0, 3);
	assert_int_equal(lease_store_commit(st), 0);
	before = file_size(path);
	/* disk full after 20 bytes of the next batch */
	fail_write_after = 20;
	append_range(st, 3, 6);
	assert_int_equal(lease_store_commit(st), -1);
	assert_int_equal(errno, ENOSPC);
	assert_int_equal(file_size(path), before); /* partial batch cut */
	fail_write_after = -1;
	append_range(st, 6, 7);
	assert_int_equal(lease_store_commit(st), 0);
	lease_store_set_io(st, NULL);
	lease_store_close(st);
	st = open_store(&s);
	assert_int_equal(s.count, 4);
	lease_store_close(st);
}

/*
 * Disk full during one of a rewrite's intermediate flushes, then space
 * again: the caller (server.c) does not check each add, so the rewrite
 * must fail as a whole rather than rename a file with a torn record and
 * a repeated block in its middle over the good journal.
 */
static void
test_rewrite_flush_failure(void **state)
{
	char err[LEASE_STORE_ERRLEN];
	struct lease_store *st;
	struct lease_rec r;
	struct seen s;
	uint32_t i;
	int failed = 0;

	(void)state;
	st = open_store(&s);
	append_range(st, 0, 10);
	assert_int_equal(lease_store_commit(st), 0);
	lease_store_set_io(st, &faulty);
	assert_int_equal(lease_store_rewrite_begin(st, err, sizeof(err)), 0);
	fail_write_after = 1000; /* the first flush stops part-way */
	for (i = 0; i < 40000; i++) {
		make(&r, i);
		if (lease_store_rewrite_add(st, &r.lease) == -1 && !failed) {
			failed = 1;
			fail_write_after = -1; /* space again */
		}
	}
	assert_true(failed);
	assert_int_equal(lease_store_rewrite_end(st, err, sizeof(err)), -1);
	lease_store_set_io(st, NULL);
	lease_store_close(st);
	st = open_store(&s);
	assert_non_null(st);
	assert_int_equal(s.count, 10); /* the old journal, whole */
	lease_store_close(st);
}

/*
 * A failed compaction must not lose the records queued before it began
 * (the releases and declines of that turn, and the records the waiting
 * ACKs stand on): they are queued again and the next commit writes them.
 */
static void
test_rewrite_failure_keeps_queue(void **state)
{
	char err[LEASE_STORE_ERRLEN];
	struct lease_store *st;
	struct lease_rec r;
	struct seen s;
	uint32_t i;

	(void)state;
	st = open_store(&s);
	lease_store_set_io(st, &faulty);
	append_range(st, 0, 3);
	assert_int_equal(lease_store_commit(st), 0);
	append_range(st, 3, 5); /* queued, not yet committed */
	assert_int_equal(lease_store_pending(st), 2);
	assert_int_equal(lease_store_rewrite_begin(st, err, sizeof(err)), 0);
	for (i = 0; i < 5; i++) {
		make(&r, i);
		assert_int_equal(lease_store_rewrite_add(st, &r.lease), 0);
	}
	fail_write_after = 0; /* the disk is full for the new file */
	assert_int_equal(lease_store_rewrite_end(st, err, sizeof(err)), -1);
	fail_write_after = -1;
	assert_false(lease_store_failed(st)); /* the old journal is fine */
	assert_int_equal(lease_store_pending(st), 2);
	assert_int_equal(lease_store_commit(st), 0);
	lease_store_set_io(st, NULL);
	lease_store_close(st);
	st = open_store(&s);
	assert_int_equal(s.count, 5);
	lease_store_close(st);
}

/*
 * The queue set aside by a rewrite survives every order of calls: a
 * begin that abandons an unfinished rewrite, a begin that cannot open
 * path.new, an end with no rewrite, an end failing at fsync; then a
 * rewrite that succeeds holds every lease and empties the queue.
 */
static void
test_rewrite_call_orders(void **state)
{
	char err[LEASE_STORE_ERRLEN], tmp[160];
	struct lease_store *st;
	struct lease_rec r;
	struct seen s;
	uint32_t i;

	(void)state;
	snprintf(tmp, sizeof(tmp), "%s.new", path);
	st = open_store(&s);
	lease_store_set_io(st, &faulty);
	append_range(st, 0, 3);
	assert_int_equal(lease_store_rewrite_begin(st, err, sizeof(err)), 0);
	assert_int_equal(lease_store_rewrite_begin(st, err, sizeof(err)), 0);
	assert_int_equal(lease_store_pending(st), 0);
	make(&r, 9);
	assert_int_equal(lease_store_rewrite_add(st, &r.lease), 0);
	fail_sync = 1;
	assert_int_equal(lease_store_rewrite_end(st, err, sizeof(err)), -1);
	fail_sync = 0;
	assert_int_equal(lease_store_pending(st), 3);
	assert_int_equal(mkdir(tmp, 0700), 0); /* path.new cannot open */
	assert_int_equal(lease_store_rewrite_begin(st, err, sizeof(err)), -1);
	assert_int_equal(rmdir(tmp), 0);
	assert_int_equal(lease_store_rewrite_end(st, err, sizeof(err)), -1);
	assert_int_equal(lease_store_pending(st), 3);
	append_range(st, 3, 4);
	assert_int_equal(lease_store_rewrite_begin(st, err, sizeof(err)), 0);
	for (i = 0; i < 4; i++) {
		make(&r, i);
		assert_int_equal(lease_store_rewrite_add(st, &r.lease), 0);
	}
	assert_int_equal(lease_store_rewrite_end(st, err, sizeof(err)), 0);
	assert_int_equal(lease_store_pending(st), 0);
	append_range(st, 4, 6);
	assert_int_equal(lease_store_commit(st), 0);
	lease_store_close(st);
	st = open_store(&s);
	assert_int_equal(s.count, 6);
	assert_true(s.in_order);
	lease_store_close(st);
}

static void
test_million(void **state)
{
	char err[LEASE_STORE_ERRLEN];
	struct lease_store *st;
	struct lease_rec r;
	struct seen s;
	struct timespec t0, t1;
	uint32_t i;
	double secs;

	(void)state;
	st = open_store(&s);
	assert_int_equal(lease_store_rewrite_begin(st, err, sizeof(err)), 0);
	for (i = 0; i < 1000000; i++) {
		make(&r, i);
		assert_int_equal(lease_store_rewrite_add(st, &r.lease), 0);
	}
	assert_int_equal(lease_store_rewrite_end(st, err, sizeof(err)), 0);
	lease_store_close(st);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	st = open_store(&s);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	assert_non_null(st);
	assert_int_equal(s.count, 1000000);
	secs = (double)(t1.tv_sec - t0.tv_sec) +
	       (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	fprintf(stderr, "# a million leases replayed in %.3f s\n", secs);
	assert_true(secs < LOAD_LIMIT_S);
	lease_store_close(st);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_roundtrip, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_replay, setup, teardown),
		cmocka_unit_test_setup_teardown(test_torn_tail, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_corrupt_middle, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_compaction, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_fsync_failure, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_write_failure, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_rewrite_flush_failure,
						setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_rewrite_failure_keeps_queue, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rewrite_call_orders, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_million, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
