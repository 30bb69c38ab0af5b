/* lease_store: the append-only lease journal (see lease_store.h). */
#include "lease_store.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"

#define REC_HDR         8  /* u32 length, u32 crc */
#define REC_MIN         30 /* payload with empty id and name */
#define REC_VERSION     1
#define STORE_BUF_FLUSH (1024 * 1024) /* rewrite buffer, bytes */

/* Encoded records and how many they are; buffers change roles by value. */
struct rec_buf {
	uint8_t *data;
	size_t len, cap;
	size_t n; /* records */
};

static void
rec_buf_swap(struct rec_buf *a, struct rec_buf *b)
{
	struct rec_buf t = *a;

	*a = *b;
	*b = t;
}

struct lease_store {
	char *path;
	char *tmp_path;
	int fd;
	int tmp_fd;
	int failed;
	off_t size;            /* bytes known good on disk */
	struct rec_buf q;      /* queued records */
	struct rec_buf flight; /* the batch being written and synced */
	int fresult, ferrno;   /* its outcome, set by commit_run */
	int fsync_failed, ftrunc_failed;
	uint64_t tmp_records;
	int tmp_errno; /* a rewrite_add failed: the rewrite must fail */
	/*
	 * The queue set aside while a rewrite uses q: dropped when the
	 * rewrite succeeds (it holds every lease), queued again if it fails.
	 */
	struct rec_buf held;
	struct lease_store_io io;
	struct lease_store_stats stats;
};

static uint32_t crc_table[256];

static void
crc_init(void)
{
	uint32_t i, j, c;

	if (crc_table[1] != 0)
		return;
	for (i = 0; i < 256; i++) {
		c = i;
		for (j = 0; j < 8; j++)
			c = (c & 1) ? 0xedb88320u ^ (c >> 1) : c >> 1;
		crc_table[i] = c;
	}
}

uint32_t
lease_store_crc32(const uint8_t *p, size_t len)
{
	uint32_t c = 0xffffffffu;
	size_t i;

	crc_init();
	for (i = 0; i < len; i++)
		c = crc_table[(c ^ p[i]) & 0xff] ^ (c >> 8);
	return c ^ 0xffffffffu;
}

static void
put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static uint32_t
get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static void
put64(uint8_t *p, int64_t v)
{
	put32(p, (uint32_t)((uint64_t)v >> 32));
	put32(p + 4, (uint32_t)v);
}

static int64_t
get64(const uint8_t *p)
{
	return (int64_t)((uint64_t)get32(p) << 32 | get32(p + 4));
}

size_t
lease_store_encode(const struct lease *l, uint8_t *buf, size_t cap)
{
	size_t hn = strnlen(l->hostname, POOL_MAX_HOSTNAME);
	size_t len = REC_MIN + l->id_len + hn, n = REC_HDR;

	if (l->id_len > POOL_MAX_CLIENT_ID || REC_HDR + len > cap)
		return 0;
	buf[n++] = REC_VERSION;
	buf[n++] = (uint8_t)l->state;
	memcpy(buf + n, &l->addr, 4);
	n += 4;
	put64(buf + n, (int64_t)l->start);
	put64(buf + n + 8, (int64_t)l->expires);
	n += 16;
	memcpy(buf + n, l->mac, 6);
	n += 6;
	buf[n++] = (uint8_t)l->id_len;
	memcpy(buf + n, l->id, l->id_len);
	n += l->id_len;
	buf[n++] = (uint8_t)hn;
	memcpy(buf + n, l->hostname, hn);
	n += hn;
	put32(buf, (uint32_t)len);
	put32(buf + 4, lease_store_crc32(buf + REC_HDR, len));
	return n;
}

int
lease_store_decode(const uint8_t *p, size_t len, struct lease_rec *out)
{
	struct lease *l = &out->lease;
	size_t n = 0, idl, hn;

	if (len < REC_MIN || p[0] != REC_VERSION || p[1] > LEASE_DECLINED)
		return -1;
	memset(l, 0, sizeof(*l));
	l->state = (enum lease_state)p[1];
	memcpy(&l->addr, p + 2, 4);
	l->start = (time_t)get64(p + 6);
	l->expires = (time_t)get64(p + 14);
	memcpy(l->mac, p + 22, 6);
	n = 28;
	idl = p[n++];
	if (n + idl + 1 > len)
		return -1;
	memcpy(l->id, p + n, idl);
	l->id_len = (uint16_t)idl;
	n += idl;
	hn = p[n++];
	if (hn > POOL_MAX_HOSTNAME || n + hn != len)
		return -1;
	memcpy(l->hostname, p + n, hn);
	l->hostname[hn] = '\0';
	l->slot = POOL_NONE;
	return 0;
}

static ssize_t
io_write(struct lease_store *st, int fd, const void *p, size_t len)
{
	return st->io.write != NULL ? st->io.write(fd, p, len)
				    : write(fd, p, len);
}

static int
io_sync(struct lease_store *st, int fd)
{
	return st->io.fdatasync != NULL ? st->io.fdatasync(fd) : fdatasync(fd);
}

/* Writes all of p; returns 0 or -1 with errno. */
static int
write_all(struct lease_store *st, int fd, const uint8_t *p, size_t len)
{
	ssize_t n;

	while (len > 0) {
		n = io_write(st, fd, p, len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			return -1;
		if (n == 0) {
			errno = EIO;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int
buf_reserve(struct lease_store *st, size_t more)
{
	size_t cap = st->q.cap ? st->q.cap : 4096;
	uint8_t *nb;

	while (cap < st->q.len + more)
		cap *= 2;
	if (cap == st->q.cap)
		return 0;
	nb = realloc(st->q.data, cap);
	if (nb == NULL)
		return -1;
	st->q.data = nb;
	st->q.cap = cap;
	return 0;
}

/* Whether a whole, valid record starts at off: decoded into rec. */
static int
record_at(const uint8_t *p, size_t size, size_t off, struct lease_rec *rec,
	  size_t *len)
{
	if (size - off < REC_HDR)
		return 0;
	*len = get32(p + off);
	if (*len < REC_MIN || *len > LEASE_STORE_MAX_RECORD ||
	    *len > size - off - REC_HDR)
		return 0;
	return lease_store_crc32(p + off + REC_HDR, *len) ==
		       get32(p + off + 4) &&
	       lease_store_decode(p + off + REC_HDR, *len, rec) == 0;
}

/*
 * Replays records from a mapped file; returns the length to keep.  Bad
 * bytes followed by a valid record (their checksum makes a false match
 * unlikely) are skipped: a damaged length must not cut off the records
 * after it.  Bad bytes up to the end are a torn tail, cut by the caller.
 */
static off_t
replay(struct lease_store *st, const uint8_t *p, size_t size,
       lease_store_replay_fn fn, void *arg)
{
	struct lease_rec rec;
	size_t off = LEASE_STORE_MAGIC_LEN, next, len;

	while (off < size) {
		if (record_at(p, size, off, &rec, &len)) {
			off += REC_HDR + len;
			st->stats.records++;
			if (fn != NULL && fn(&rec.lease, arg) == -1)
				break;
			continue;
		}
		st->stats.torn++;
		for (next = off + 1;
		     next < size && !record_at(p, size, next, &rec, &len);
		     next++)
			;
		if (next >= size) {
			log_warn("%s: torn record at offset %zu skipped",
				 st->path, off);
			break;
		}
		log_warn("%s: corrupt bytes at offsets %zu-%zu skipped",
			 st->path, off, next - 1);
		off = next;
	}
	return (off_t)off;
}

static int
load(struct lease_store *st, lease_store_replay_fn fn, void *arg, char *err,
     size_t errlen)
{
	struct stat sb;
	uint8_t *p;
	off_t good;

	if (fstat(st->fd, &sb) == -1) {
		snprintf(err, errlen, "%s: %s", st->path, strerror(errno));
		return -1;
	}
	if (sb.st_size == 0) {
		if (write_all(st, st->fd, (const uint8_t *)LEASE_STORE_MAGIC,
			      LEASE_STORE_MAGIC_LEN) == -1 ||
		    io_sync(st, st->fd) == -1) {
			snprintf(err, errlen, "%s: %s", st->path,
				 strerror(errno));
			return -1;
		}
		st->size = LEASE_STORE_MAGIC_LEN;
		return 0;
	}
	p = mmap(NULL, (size_t)sb.st_size, PROT_READ, MAP_PRIVATE, st->fd, 0);
	if (p == MAP_FAILED) {
		snprintf(err, errlen, "%s: %s", st->path, strerror(errno));
		return -1;
	}
	if (sb.st_size < LEASE_STORE_MAGIC_LEN ||
	    memcmp(p, LEASE_STORE_MAGIC, LEASE_STORE_MAGIC_LEN) != 0) {
		munmap(p, (size_t)sb.st_size);
		snprintf(err, errlen,
			 "%s: not a labgate lease journal "
			 "(no %s header)",
			 st->path, LEASE_STORE_MAGIC);
		return -1;
	}
	good = replay(st, p, (size_t)sb.st_size, fn, arg);
	munmap(p, (size_t)sb.st_size);
	if (good < sb.st_size && ftruncate(st->fd, good) == -1) {
		snprintf(err, errlen, "%s: cutting the torn tail: %s", st->path,
			 strerror(errno));
		return -1;
	}
	st->size = good;
	return 0;
}

struct lease_store *
lease_store_open(const char *path, lease_store_replay_fn fn, void *arg,
		 char *err, size_t errlen)
{
	struct lease_store *st = calloc(1, sizeof(*st));

	if (st != NULL)
		st->fd = st->tmp_fd = -1;
	if (st == NULL || (st->path = strdup(path)) == NULL ||
	    asprintf(&st->tmp_path, "%s.new", path) == -1) {
		if (st != NULL)
			st->tmp_path = NULL;
		snprintf(err, errlen, "out of memory");
		lease_store_close(st);
		return NULL;
	}
	st->fd = open(path, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
	if (st->fd == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		lease_store_close(st);
		return NULL;
	}
	if (load(st, fn, arg, err, errlen) == -1) {
		lease_store_close(st);
		return NULL;
	}
	return st;
}

void
lease_store_close(struct lease_store *st)
{
	if (st == NULL)
		return;
	if (st->fd != -1)
		close(st->fd);
	if (st->tmp_fd != -1) {
		close(st->tmp_fd);
		unlink(st->tmp_path);
	}
	free(st->path);
	free(st->tmp_path);
	free(st->q.data);
	free(st->held.data);
	free(st->flight.data);
	free(st);
}

void
lease_store_set_io(struct lease_store *st, const struct lease_store_io *io)
{
	if (io != NULL)
		st->io = *io;
	else
		memset(&st->io, 0, sizeof(st->io));
}

int
lease_store_append(struct lease_store *st, const struct lease *l)
{
	size_t n;

	if (buf_reserve(st, LEASE_STORE_MAX_RECORD) == -1)
		return -1;
	n = lease_store_encode(l, st->q.data + st->q.len,
			       st->q.cap - st->q.len);
	if (n == 0)
		return -1;
	st->q.len += n;
	st->q.n++;
	return 0;
}

size_t
lease_store_pending(const struct lease_store *st)
{
	return st->q.n;
}

size_t
lease_store_commit_begin(struct lease_store *st)
{
	if (st->q.n == 0)
		return 0;
	/* swap buffers: the queue keeps filling while the batch is written */
	rec_buf_swap(&st->q, &st->flight);
	st->q.len = st->q.n = 0;
	return st->flight.n;
}

void
lease_store_commit_run(struct lease_store *st)
{
	st->fresult = 0;
	st->fsync_failed = st->ftrunc_failed = 0;
	if (write_all(st, st->fd, st->flight.data, st->flight.len) == -1) {
		st->ferrno = errno;
		st->fresult = -1;
		/* cut the partial batch off; the file stays valid */
		if (ftruncate(st->fd, st->size) == -1)
			st->ftrunc_failed = 1;
		return;
	}
	if (io_sync(st, st->fd) == -1) {
		st->ferrno = errno;
		st->fresult = -1;
		st->fsync_failed = 1; /* never fsync this file again */
	}
}

int
lease_store_commit_end(struct lease_store *st)
{
	size_t n = st->flight.n;

	st->flight.n = 0;
	if (st->fresult == 0) {
		st->size += (off_t)st->flight.len;
		st->stats.records += n;
		st->stats.commits++;
		return 0;
	}
	if (st->fsync_failed || st->ftrunc_failed)
		st->failed = 1;
	st->stats.failures++;
	errno = st->ferrno;
	return -1;
}

int
lease_store_commit(struct lease_store *st)
{
	if (st->failed) {
		st->q.len = st->q.n = 0;
		errno = EIO;
		return -1;
	}
	if (lease_store_commit_begin(st) == 0)
		return 0;
	lease_store_commit_run(st);
	return lease_store_commit_end(st);
}

int
lease_store_failed(const struct lease_store *st)
{
	return st->failed;
}

int
lease_store_should_compact(const struct lease_store *st, size_t live)
{
	return st->stats.records > LEASE_STORE_COMPACT_MIN &&
	       st->stats.records > 2 * (uint64_t)live;
}

/* A rewrite failed: its buffer is dropped, the queue comes back. */
static void
rewrite_abandon(struct lease_store *st)
{
	if (st->tmp_fd != -1) {
		close(st->tmp_fd);
		st->tmp_fd = -1;
		unlink(st->tmp_path);
	}
	rec_buf_swap(&st->q, &st->held);
	st->held.len = st->held.n = 0;
}

int
lease_store_rewrite_begin(struct lease_store *st, char *err, size_t errlen)
{
	if (st->tmp_fd != -1)
		rewrite_abandon(st); /* an unfinished one: never ended */
	rec_buf_swap(&st->q, &st->held);
	st->q.len = st->q.n = 0;
	st->tmp_records = 0;
	st->tmp_errno = 0;
	st->tmp_fd =
		open(st->tmp_path,
		     O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0640);
	if (st->tmp_fd == -1) {
		snprintf(err, errlen, "%s: %s", st->tmp_path, strerror(errno));
		rewrite_abandon(st);
		return -1;
	}
	if (buf_reserve(st, LEASE_STORE_MAGIC_LEN) == -1) {
		snprintf(err, errlen, "out of memory");
		rewrite_abandon(st);
		return -1;
	}
	memcpy(st->q.data, LEASE_STORE_MAGIC, LEASE_STORE_MAGIC_LEN);
	st->q.len = LEASE_STORE_MAGIC_LEN;
	return 0;
}

int
lease_store_rewrite_add(struct lease_store *st, const struct lease *l)
{
	size_t n;

	if (st->tmp_fd == -1 || st->tmp_errno != 0)
		return -1;
	/*
	 * A failed flush may have written part of the buffer: writing it
	 * again would repeat records, so the whole rewrite fails instead.
	 */
	if (st->q.len >= STORE_BUF_FLUSH) {
		if (write_all(st, st->tmp_fd, st->q.data, st->q.len) == -1)
			goto fail;
		st->q.len = 0;
	}
	if (buf_reserve(st, LEASE_STORE_MAX_RECORD) == -1)
		goto fail;
	n = lease_store_encode(l, st->q.data + st->q.len,
			       st->q.cap - st->q.len);
	if (n == 0) {
		errno = EINVAL;
		goto fail;
	}
	st->q.len += n;
	st->tmp_records++;
	return 0;
fail:
	st->tmp_errno = errno != 0 ? errno : EIO;
	return -1;
}

static int
sync_dir(const char *path)
{
	char *copy = strdup(path);
	int fd, r = -1;

	if (copy == NULL)
		return -1;
	fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd != -1) {
		r = fsync(fd);
		close(fd);
	}
	free(copy);
	return r;
}

int
lease_store_rewrite_end(struct lease_store *st, char *err, size_t errlen)
{
	struct stat sb;
	const char *step = "write";

	if (st->tmp_fd == -1) {
		snprintf(err, errlen, "%s: no rewrite in progress", st->path);
		return -1;
	}
	if (st->tmp_errno != 0) {
		errno = st->tmp_errno;
		goto fail;
	}
	if (write_all(st, st->tmp_fd, st->q.data, st->q.len) == -1)
		goto fail;
	step = "fsync";
	if (io_sync(st, st->tmp_fd) == -1 || fstat(st->tmp_fd, &sb) == -1)
		goto fail;
	step = "rename";
	if (rename(st->tmp_path, st->path) == -1)
		goto fail;
	close(st->fd);
	st->fd = st->tmp_fd;
	st->tmp_fd = -1;
	st->size = sb.st_size;
	st->stats.records = st->tmp_records;
	st->stats.commits++;
	st->failed = 0;
	st->q.len = st->q.n = 0;
	st->held.len = st->held.n = 0; /* the new file holds them */
	if (sync_dir(st->path) == -1) {
		/* the new file is in place but its name may not be durable */
		snprintf(err, errlen, "%s: directory fsync: %s", st->path,
			 strerror(errno));
		st->failed = 1;
		return -1;
	}
	return 0;
fail:
	snprintf(err, errlen, "%s: rewrite failed at %s: %s", st->path, step,
		 strerror(errno));
	st->stats.failures++;
	rewrite_abandon(st);
	return -1;
}

void
lease_store_get_stats(const struct lease_store *st,
		      struct lease_store_stats *out)
{
	*out = st->stats;
}

int
lease_store_read(const char *path, lease_store_replay_fn fn, void *arg,
		 char *err, size_t errlen)
{
	struct lease_store st = {.fd = -1, .tmp_fd = -1};
	struct stat sb;
	uint8_t *p;
	int r = -1;

	st.path = (char *)(uintptr_t)path;
	st.fd = open(path, O_RDONLY | O_CLOEXEC);
	if (st.fd == -1 && errno == ENOENT)
		return 0; /* never written: no leases yet */
	if (st.fd == -1 || fstat(st.fd, &sb) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		goto out;
	}
	if (sb.st_size == 0) {
		r = 0;
		goto out;
	}
	p = mmap(NULL, (size_t)sb.st_size, PROT_READ, MAP_PRIVATE, st.fd, 0);
	if (p == MAP_FAILED) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		goto out;
	}
	if (sb.st_size >= LEASE_STORE_MAGIC_LEN &&
	    memcmp(p, LEASE_STORE_MAGIC, LEASE_STORE_MAGIC_LEN) == 0) {
		replay(&st, p, (size_t)sb.st_size, fn, arg);
		r = 0;
	} else {
		snprintf(err, errlen, "%s: not a labgate lease journal", path);
	}
	munmap(p, (size_t)sb.st_size);
out:
	if (st.fd != -1)
		close(st.fd);
	return r;
}
