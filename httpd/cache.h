/*
 * cache: what the server knows about files beneath the root, so that a
 * request for a small file costs no open, stat or read.
 *
 * An entry is keyed by a cleaned request path (http_path.h) and holds
 * the outcome of resolving it: a regular file (its bytes in memory when
 * small, else an open fd for sendfile), a directory, or an error.  An
 * entry is trusted for `validity_ms` after it was last checked; then
 * the next lookup re-resolves the path and reloads the file if its
 * identity, size or mtime changed.  Entries in use by a response are
 * referenced and outlive their replacement.  Memory and entries are
 * bounded; the least recently used unreferenced entries go first.
 */
#ifndef LABGATE_CACHE_H
#define LABGATE_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "http_mime.h"
#include "http_util.h"

#define CACHE_MAX_ENTRIES 8192  /* entries, including errors */
#define CACHE_BUCKETS     16384 /* hash buckets, a power of two */
#define CACHE_ETAG_LEN    48    /* bytes of a quoted ETag with NUL */
/* Files up to this size in memory also have their bytes behind the head */
#define CACHE_HEAD_BODY_MAX 1024

enum cache_kind {
	CACHE_FILE,     /* a regular file */
	CACHE_DIR,      /* a directory (path without '/': redirect) */
	CACHE_NO_INDEX, /* "dir/" without its index file */
	CACHE_ERROR,    /* resolution failed: see err */
};

struct cache_file {
	int fd;     /* -1 when the bytes are in data */
	char *data; /* NULL when served from fd */
	uint64_t size;
	time_t mtime;
	dev_t dev;
	ino_t ino;
	char etag[CACHE_ETAG_LEN];
	char last_modified[HTTP_DATE_LEN + 1];
	/*
	 * The header lines of a whole-file 200 after its status line, from
	 * Content-Type to Vary, formatted once with the entry so a hit
	 * copies them in one piece; NULL if out of memory.
	 */
	char *head;
	size_t head_len;
	/*
	 * For a file of up to CACHE_HEAD_BODY_MAX bytes in data: the bytes
	 * of head, the blank line and the file, all in head, so a whole
	 * response after the Date line is one copy; else 0.
	 */
	size_t head_body_len;
};

struct cache_entry {
	struct cache_entry *hnext;
	struct cache_entry *prev, *next; /* LRU, most recent first */
	char *key;
	size_t key_len;
	uint32_t hash;
	unsigned refs; /* responses using it, plus one while cached */
	bool linked;   /* in the table */
	enum cache_kind kind;
	int err;             /* CACHE_ERROR: errno */
	uint64_t checked_ms; /* monotonic */
	struct cache_file file;
	bool has_gz; /* a "NAME.gz" sibling, in gz */
	struct cache_file gz;
	const char *type; /* Content-Type */
};

struct cache_stats {
	unsigned long hits, misses, revalidations, reloads, evictions;
	size_t entries, bytes;
};

struct cache;

/* Settings a reload may change. */
struct cache_config {
	int rootfd;        /* not owned */
	const char *index; /* index file name */
	bool dotfiles;     /* symlinks may lead to dotfiles */
	uint32_t validity_ms;
	size_t max_bytes; /* of file data in memory */
	size_t file_max;  /* larger files are not read in */
	const struct http_mime_override *mime;
	size_t mime_count;
};

struct cache *cache_new(void);
/* Drops every entry not in use and adopts cfg (copied; strings borrowed). */
void cache_configure(struct cache *c, const struct cache_config *cfg);
void cache_free(struct cache *c);

/*
 * The entry for the cleaned path `path` at monotonic time now_ms,
 * resolving or revalidating it as needed.  Returns it with a reference
 * the caller drops with cache_release(), or NULL when out of memory.
 */
struct cache_entry *cache_get(struct cache *c, const char *path,
			      uint64_t now_ms);
void cache_release(struct cache *c, struct cache_entry *e);
void cache_stats(const struct cache *c, struct cache_stats *out);

#endif
