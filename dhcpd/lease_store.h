/*
 * lease_store: durable leases behind a small interface.
 *
 * The embedded backend is an append-only journal (dhcpd.leases(5)): one
 * checksummed record per change.  Changes are queued with
 * lease_store_append() during an event-loop turn and made durable
 * together by lease_store_commit(): one write and one fdatasync for the
 * whole batch (group commit).  The caller sends the acknowledgements of
 * a batch only after its commit returned 0.
 *
 * A failed write is cut back off the file; a failed fsync is never
 * retried on the same file (the kernel may have dropped the dirty
 * pages): the caller rewrites everything it holds into a fresh file with
 * lease_store_rewrite_*(), and until one succeeds the store stays failed
 * and every commit returns -1.
 */
#ifndef LABGATE_DHCPD_LEASE_STORE_H
#define LABGATE_DHCPD_LEASE_STORE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "pool.h"

#define LEASE_STORE_MAGIC       "LGLEASE1" /* file header, 8 bytes */
#define LEASE_STORE_MAGIC_LEN   8
#define LEASE_STORE_MAX_RECORD  512  /* bytes, header included */
#define LEASE_STORE_COMPACT_MIN 4096 /* records before compaction */
#define LEASE_STORE_ERRLEN      256

/* One lease as the journal holds it, with room for its client id. */
struct lease_rec {
	union {
		struct lease lease;
		uint8_t raw[sizeof(struct lease) + POOL_MAX_CLIENT_ID];
	};
};

/* Replay callback: one record, in file order.  Returns 0, -1 to stop. */
typedef int (*lease_store_replay_fn)(const struct lease *l, void *arg);

/*
 * Test-only I/O seam: unit tests replace write and fdatasync to inject
 * failures.  NULL members mean the real system calls.
 */
struct lease_store_io {
	ssize_t (*write)(int fd, const void *buf, size_t len);
	int (*fdatasync)(int fd);
};

struct lease_store_stats {
	uint64_t records;  /* in the current file */
	uint64_t commits;  /* fdatasync calls that succeeded */
	uint64_t failures; /* failed writes or syncs */
	uint64_t torn;     /* torn or corrupt records skipped at load */
};

struct lease_store;

/*
 * Opens (creating) the journal at path and replays it through fn.  A torn
 * last record is skipped with a warning and cut off.  Returns the store,
 * or NULL with the cause in err.
 */
struct lease_store *lease_store_open(const char *path, lease_store_replay_fn fn,
				     void *arg, char *err, size_t errlen);
/*
 * Replays the journal at path read-only (for listing): nothing is
 * created, cut or locked; a missing file holds no leases.  Returns 0, or
 * -1 with the cause in err.
 */
int lease_store_read(const char *path, lease_store_replay_fn fn, void *arg,
		     char *err, size_t errlen);
/* Flushes nothing; closes the file.  Call lease_store_commit() first. */
void lease_store_close(struct lease_store *st);
void lease_store_set_io(struct lease_store *st,
			const struct lease_store_io *io);

/* Queues a record; -1 only when out of memory. */
int lease_store_append(struct lease_store *st, const struct lease *l);
/* Records queued and not yet committed. */
size_t lease_store_pending(const struct lease_store *st);
/*
 * Writes the queued records and fdatasyncs once.  Returns 0 when they are
 * durable (also when none were queued), -1 (errno kept, logged by the
 * caller) when not; the queue is then discarded and the store failed.
 */
int lease_store_commit(struct lease_store *st);
/*
 * The same in three steps, so the write and fdatasync can run on another
 * thread while the queue keeps filling: begin (loop thread) moves the
 * queue into the in-flight batch and returns its record count (0: nothing
 * to do); run (any one thread) writes and syncs it, touching nothing
 * else; end (loop thread) applies the outcome and returns 0 or -1 with
 * errno.  No rewrite may start while a batch is in flight.
 */
size_t lease_store_commit_begin(struct lease_store *st);
void lease_store_commit_run(struct lease_store *st);
int lease_store_commit_end(struct lease_store *st);
/* Whether the last commit or rewrite failed. */
int lease_store_failed(const struct lease_store *st);
/* Whether the journal holds many more records than `live` leases. */
int lease_store_should_compact(const struct lease_store *st, size_t live);

/*
 * A rewrite: begin opens path.new, add writes each live lease, end
 * fsyncs it, renames it over the journal and fsyncs the directory.
 * end returns 0 (the store is healthy again and the queue is empty) or
 * -1 with the cause in err (the old journal stays in use or failed, and
 * the records queued before begin are queued again).
 */
int lease_store_rewrite_begin(struct lease_store *st, char *err, size_t errlen);
int lease_store_rewrite_add(struct lease_store *st, const struct lease *l);
int lease_store_rewrite_end(struct lease_store *st, char *err, size_t errlen);

void lease_store_get_stats(const struct lease_store *st,
			   struct lease_store_stats *out);

/* Encodes one record into buf; returns its length, or 0 if too large. */
size_t lease_store_encode(const struct lease *l, uint8_t *buf, size_t cap);
/* Decodes one record's payload; returns 0 or -1 (bad fields). */
int lease_store_decode(const uint8_t *p, size_t len, struct lease_rec *out);
/* CRC-32 (IEEE 802.3), as the journal uses. */
uint32_t lease_store_crc32(const uint8_t *p, size_t len);

#endif
