/* cache: resolved files beneath the root (see cache.h). */
#include "cache.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "http_path.h"

struct cache {
	struct cache_entry *buckets[CACHE_BUCKETS];
	struct cache_entry *lru_head, *lru_tail;
	struct cache_config cfg;
	struct cache_stats st;
};

/* The outcome of opening one path: what a revalidation compares. */
struct cache_probe {
	enum cache_kind kind;
	int err;
	int fd;
	struct stat sb;
};

/* FNV-1a of the path; *len gets its length, for the key compare. */
static uint32_t
cache_hash(const char *s, size_t *len)
{
	const char *p = s;
	uint32_t h = 2166136261u;

	while (*p != '\0') {
		h ^= (unsigned char)*p++;
		h *= 16777619u;
	}
	*len = (size_t)(p - s);
	return h;
}

struct cache *
cache_new(void)
{
	return calloc(1, sizeof(struct cache));
}

static void
cache_file_clear(struct cache *c, struct cache_file *f)
{
	if (f->fd != -1)
		close(f->fd);
	f->fd = -1;
	if (f->data != NULL)
		c->st.bytes -= f->size;
	if (f->head_body_len == 0) /* else data is inside head */
		free(f->data);
	f->data = NULL;
	free(f->head);
	f->head = NULL;
	f->head_body_len = 0;
}

static void
cache_entry_free(struct cache *c, struct cache_entry *e)
{
	cache_file_clear(c, &e->file);
	cache_file_clear(c, &e->gz);
	free(e->key);
	free(e);
}

static void
cache_lru_remove(struct cache *c, struct cache_entry *e)
{
	if (e->prev != NULL)
		e->prev->next = e->next;
	else
		c->lru_head = e->next;
	if (e->next != NULL)
		e->next->prev = e->prev;
	else
		c->lru_tail = e->prev;
	e->prev = e->next = NULL;
}

static void
cache_lru_front(struct cache *c, struct cache_entry *e)
{
	e->prev = NULL;
	e->next = c->lru_head;
	if (c->lru_head != NULL)
		c->lru_head->prev = e;
	c->lru_head = e;
	if (c->lru_tail == NULL)
		c->lru_tail = e;
}

/* Takes e out of the table; it is freed once no response uses it. */
static void
cache_unlink(struct cache *c, struct cache_entry *e)
{
	struct cache_entry **pp = &c->buckets[e->hash & (CACHE_BUCKETS - 1)];

	while (*pp != NULL && *pp != e)
		pp = &(*pp)->hnext;
	if (*pp == e)
		*pp = e->hnext;
	cache_lru_remove(c, e);
	e->linked = false;
	c->st.entries--;
	cache_release(c, e);
}

void
cache_release(struct cache *c, struct cache_entry *e)
{
	if (e == NULL)
		return;
	if (--e->refs == 0)
		cache_entry_free(c, e);
}

/* Evicts unused entries from the cold end until `need` more bytes fit. */
static void
cache_evict(struct cache *c, size_t need, bool one_entry)
{
	struct cache_entry *e = c->lru_tail, *prev;

	while (e != NULL &&
	       (c->st.bytes + need > c->cfg.max_bytes ||
		(one_entry && c->st.entries >= CACHE_MAX_ENTRIES))) {
		prev = e->prev;
		if (e->refs == 1) {
			c->st.evictions++;
			cache_unlink(c, e);
		}
		e = prev;
	}
}

void
cache_configure(struct cache *c, const struct cache_config *cfg)
{
	struct cache_entry *e = c->lru_head, *next;

	for (; e != NULL; e = next) {
		next = e->next;
		cache_unlink(c, e);
	}
	c->cfg = *cfg;
}

void
cache_free(struct cache *c)
{
	if (c == NULL)
		return;
	cache_configure(c, &c->cfg);
	free(c);
}

void
cache_stats(const struct cache *c, struct cache_stats *out)
{
	*out = c->st;
}

/* Out of fds: closes those held by unused entries; whether any went. */
static bool
cache_evict_fds(struct cache *c)
{
	struct cache_entry *e = c->lru_tail, *prev;
	bool freed = false;

	for (; e != NULL; e = prev) {
		prev = e->prev;
		if (e->refs == 1 && (e->file.fd != -1 || e->gz.fd != -1)) {
			c->st.evictions++;
			cache_unlink(c, e);
			freed = true;
		}
	}
	return freed;
}

static void
cache_probe_path(struct cache *c, const char *path, struct cache_probe *p)
{
	p->fd = http_path_open(c->cfg.rootfd, path,
			       O_RDONLY | O_NONBLOCK | O_NOCTTY,
			       c->cfg.dotfiles);
	/* Large files keep their fd while cached: the table may be full. */
	if (p->fd == -1 && (errno == EMFILE || errno == ENFILE) &&
	    cache_evict_fds(c))
		p->fd = http_path_open(c->cfg.rootfd, path,
				       O_RDONLY | O_NONBLOCK | O_NOCTTY,
				       c->cfg.dotfiles);
	p->err = 0;
	if (p->fd == -1 || fstat(p->fd, &p->sb) == -1) {
		p->kind = CACHE_ERROR;
		p->err = errno;
		if (p->fd != -1)
			close(p->fd);
		p->fd = -1;
		return;
	}
	if (S_ISREG(p->sb.st_mode)) {
		p->kind = CACHE_FILE;
	} else if (S_ISDIR(p->sb.st_mode)) {
		p->kind = CACHE_DIR;
	} else {
		p->kind = CACHE_ERROR;
		p->err = EACCES; /* devices, FIFOs, sockets: 403 */
	}
	if (p->kind != CACHE_FILE) {
		close(p->fd);
		p->fd = -1;
	}
}

/* "dir/" -> "dir/index.html": the index, else whether dir exists. */
static void
cache_probe_main(struct cache *c, const char *path, struct cache_probe *p)
{
	char buf[HTTP_PATH_MAX + 256];
	size_t len = strlen(path);

	if (len == 0 || path[len - 1] != '/') {
		cache_probe_path(c, path, p);
		return;
	}
	if (snprintf(buf, sizeof(buf), "%s%s", path, c->cfg.index) >=
	    (int)sizeof(buf)) {
		p->kind = CACHE_ERROR;
		p->err = ENAMETOOLONG;
		p->fd = -1;
		return;
	}
	cache_probe_path(c, buf, p);
	if (p->kind == CACHE_FILE)
		return;
	cache_probe_path(c, path, p);
	if (p->kind == CACHE_DIR)
		p->kind = CACHE_NO_INDEX;
	else if (p->kind == CACHE_FILE)
		p->err = ENOTDIR, p->kind = CACHE_ERROR;
}

static void
cache_probe_gz(struct cache *c, const char *path, struct cache_probe *p)
{
	char buf[HTTP_PATH_MAX + 256];
	size_t len = strlen(path);

	if (len > 0 && path[len - 1] == '/') {
		snprintf(buf, sizeof(buf), "%s%s.gz", path, c->cfg.index);
	} else if (snprintf(buf, sizeof(buf), "%s.gz", path) >=
		   (int)sizeof(buf)) {
		p->kind = CACHE_ERROR;
		p->fd = -1;
		return;
	}
	cache_probe_path(c, buf, p);
}

static bool
cache_same_file(const struct cache_file *f, const struct stat *sb)
{
	return f->dev == sb->st_dev && f->ino == sb->st_ino &&
	       f->size == (uint64_t)sb->st_size && f->mtime == sb->st_mtime;
}

/* Reads a small file in, or keeps its fd for sendfile; takes p->fd. */
static void
cache_file_load(struct cache *c, struct cache_file *f, struct cache_probe *p)
{
	size_t size = (size_t)p->sb.st_size, got = 0;
	ssize_t n;

	f->fd = p->fd;
	f->data = NULL;
	f->size = (uint64_t)p->sb.st_size;
	f->mtime = p->sb.st_mtime;
	f->dev = p->sb.st_dev;
	f->ino = p->sb.st_ino;
	snprintf(f->etag, sizeof(f->etag), "\"%llx-%llx\"",
		 (unsigned long long)f->mtime, (unsigned long long)f->size);
	http_date_format(f->mtime, f->last_modified);
	if (size > c->cfg.file_max || size > c->cfg.max_bytes)
		return;
	cache_evict(c, size, false);
	if (c->st.bytes + size > c->cfg.max_bytes ||
	    (f->data = malloc(size > 0 ? size : 1)) == NULL)
		return;
	while (got < size) {
		n = pread(f->fd, f->data + got, size - got, (off_t)got);
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	if (got != size) { /* changed under us: serve from the fd */
		free(f->data);
		f->data = NULL;
		return;
	}
	c->st.bytes += size;
	close(f->fd);
	f->fd = -1;
}

/* f->head for an entry whose type and siblings are known. */
static void
cache_file_head(struct cache_file *f, const char *type, bool gz, bool has_gz)
{
	char *head;
	int n;

	n = asprintf(&head,
		     "Content-Type: %s\r\nContent-Length: %llu\r\n"
		     "Last-Modified: %s\r\nETag: %s\r\n"
		     "Accept-Ranges: bytes\r\n%s%s",
		     type, (unsigned long long)f->size, f->last_modified,
		     f->etag, gz ? "Content-Encoding: gzip\r\n" : "",
		     has_gz ? "Vary: Accept-Encoding\r\n" : "");
	if (n < 0)
		return;
	f->head = head;
	f->head_len = (size_t)n;
	if (f->data == NULL || f->size > CACHE_HEAD_BODY_MAX ||
	    (head = realloc(head, (size_t)n + 3 + f->size)) == NULL)
		return;
	memcpy(head + n, "\r\n", 2);
	memcpy(head + n + 2, f->data, f->size);
	head[n + 2 + f->size] = '\0';
	free(f->data); /* one copy of the bytes, the budget's */
	f->data = head + n + 2;
	f->head = head;
	f->head_body_len = (size_t)n + 2 + f->size;
}

static struct cache_entry *
cache_build(struct cache *c, const char *path, uint32_t hash,
	    struct cache_probe *m, struct cache_probe *g, uint64_t now_ms)
{
	struct cache_entry *e = calloc(1, sizeof(*e));

	if (e != NULL) {
		e->key = strdup(path);
		e->key_len = strlen(path);
	}
	if (e == NULL || e->key == NULL) {
		free(e);
		if (m->fd != -1)
			close(m->fd);
		if (g->fd != -1)
			close(g->fd);
		return NULL;
	}
	e->file.fd = e->gz.fd = -1;
	e->hash = hash;
	e->kind = m->kind;
	e->err = m->err;
	e->checked_ms = now_ms;
	e->refs = 1;
	if (m->kind == CACHE_FILE) {
		cache_file_load(c, &e->file, m);
		e->type = http_mime_type(
			path[strlen(path) - 1] == '/' ? c->cfg.index : path,
			c->cfg.mime, c->cfg.mime_count);
	}
	if (g->kind == CACHE_FILE) {
		e->has_gz = true;
		cache_file_load(c, &e->gz, g);
		cache_file_head(&e->gz, e->type, true, true);
	}
	if (m->kind == CACHE_FILE)
		cache_file_head(&e->file, e->type, false, e->has_gz);
	return e;
}

static void
cache_insert(struct cache *c, struct cache_entry *e)
{
	struct cache_entry **b = &c->buckets[e->hash & (CACHE_BUCKETS - 1)];

	cache_evict(c, 0, true);
	e->hnext = *b;
	*b = e;
	e->linked = true;
	cache_lru_front(c, e);
	c->st.entries++;
}

/* Whether a fresh probe shows the same thing the entry holds. */
static bool
cache_unchanged(const struct cache_entry *e, const struct cache_probe *m,
		const struct cache_probe *g)
{
	if (e->kind != m->kind || e->err != m->err)
		return false;
	if (m->kind == CACHE_FILE && !cache_same_file(&e->file, &m->sb))
		return false;
	if (e->has_gz != (g->kind == CACHE_FILE))
		return false;
	return !e->has_gz || cache_same_file(&e->gz, &g->sb);
}

static void
cache_probe_all(struct cache *c, const char *path, struct cache_probe *m,
		struct cache_probe *g)
{
	cache_probe_main(c, path, m);
	g->kind = CACHE_ERROR;
	g->fd = -1;
	if (m->kind == CACHE_FILE)
		cache_probe_gz(c, path, g);
}

/*
 * A miss, or e found stale: resolves the path, then revalidates e or
 * builds a new entry.  Apart from cache_get() so that a hit does not pay
 * for this one's frame.
 */
static __attribute__((noinline)) struct cache_entry *
cache_resolve(struct cache *c, const char *path, uint32_t hash,
	      struct cache_entry *e, uint64_t now_ms)
{
	struct cache_probe m, g;

	if (e != NULL)
		e->refs++; /* the probe may evict: not this one */
	cache_probe_all(c, path, &m, &g);
	if (e != NULL) {
		c->st.revalidations++;
		if (cache_unchanged(e, &m, &g)) {
			if (m.fd != -1)
				close(m.fd);
			if (g.fd != -1)
				close(g.fd);
			e->checked_ms = now_ms;
			return e;
		}
		c->st.reloads++;
		cache_unlink(c, e);
		cache_release(c, e);
	} else {
		c->st.misses++;
	}
	e = cache_build(c, path, hash, &m, &g, now_ms);
	if (e == NULL)
		return NULL;
	cache_insert(c, e);
	e->refs++;
	return e;
}

struct cache_entry *
cache_get(struct cache *c, const char *path, uint64_t now_ms)
{
	size_t len;
	uint32_t hash = cache_hash(path, &len);
	struct cache_entry *e = c->buckets[hash & (CACHE_BUCKETS - 1)];

	while (e != NULL && (e->hash != hash || e->key_len != len ||
			     memcmp(e->key, path, len) != 0))
		e = e->hnext;
	if (e == NULL || now_ms - e->checked_ms >= c->cfg.validity_ms)
		return cache_resolve(c, path, hash, e, now_ms);
	c->st.hits++;
	if (c->lru_head != e) { /* the hottest entry is there already */
		cache_lru_remove(c, e);
		cache_lru_front(c, e);
	}
	e->refs++;
	return e;
}
