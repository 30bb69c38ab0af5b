/*
 * httpd file cache on a real directory: hits without touching the file
 * system inside the validity window, revalidation after it (a changed
 * file is reloaded, an unchanged one kept), index and directory kinds,
 * errors, .gz siblings, large files served from an fd, references that
 * outlive replacement, and eviction under the byte budget.
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
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include <cmocka.h>

#include "cache.h"

struct fixture {
	char root[64];
	int rootfd;
	struct cache *c;
};

static void
put(struct fixture *f, const char *name, const char *text)
{
	char p[256];
	FILE *fp;

	snprintf(p, sizeof(p), "%s/%s", f->root, name);
	fp = fopen(p, "w");
	assert_non_null(fp);
	fputs(text, fp);
	fclose(fp);
}

static void
configure(struct fixture *f, uint32_t validity, size_t max_bytes,
	  size_t file_max)
{
	struct cache_config cc = {
		.rootfd = f->rootfd,
		.index = "index.html",
		.validity_ms = validity,
		.max_bytes = max_bytes,
		.file_max = file_max,
	};

	cache_configure(f->c, &cc);
}

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	char p[128];

	assert_non_null(f);
	snprintf(f->root, sizeof(f->root), "/tmp/test_httpd_cache.XXXXXX");
	assert_non_null(mkdtemp(f->root));
	snprintf(p, sizeof(p), "%s/dir", f->root);
	assert_int_equal(mkdir(p, 0755), 0);
	snprintf(p, sizeof(p), "%s/empty", f->root);
	assert_int_equal(mkdir(p, 0755), 0);
	put(f, "index.html", "<p>hi</p>\n");
	put(f, "a.txt", "aaaa");
	put(f, "a.txt.gz", "gzipped");
	put(f, "dir/index.html", "dir index");
	f->rootfd = open(f->root, O_PATH | O_DIRECTORY);
	assert_true(f->rootfd >= 0);
	f->c = cache_new();
	assert_non_null(f->c);
	configure(f, 1000, 1 << 20, 1 << 16);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;
	char cmd[128];

	cache_free(f->c);
	close(f->rootfd);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->root);
	if (system(cmd) != 0)
		return -1;
	free(f);
	return 0;
}

static void
test_kinds(void **state)
{
	struct fixture *f = *state;
	struct cache_entry *e;
	char want[512];

	e = cache_get(f->c, "/a.txt", 1000);
	assert_int_equal(e->kind, CACHE_FILE);
	assert_int_equal(e->file.size, 4);
	assert_memory_equal(e->file.data, "aaaa", 4);
	assert_true(e->has_gz);
	assert_memory_equal(e->gz.data, "gzipped", 7);
	assert_string_equal(e->type, "text/plain; charset=utf-8");
	assert_int_equal(e->file.etag[0], '"');
	/* the whole-file 200's header lines, formatted with the entry */
	snprintf(want, sizeof(want),
		 "Content-Type: text/plain; charset=utf-8\r\n"
		 "Content-Length: 4\r\nLast-Modified: %s\r\nETag: %s\r\n"
		 "Accept-Ranges: bytes\r\nVary: Accept-Encoding\r\n",
		 e->file.last_modified, e->file.etag);
	assert_int_equal(e->file.head_len, strlen(want));
	assert_memory_equal(e->file.head, want, e->file.head_len);
	snprintf(want, sizeof(want),
		 "Content-Type: text/plain; charset=utf-8\r\n"
		 "Content-Length: 7\r\nLast-Modified: %s\r\nETag: %s\r\n"
		 "Accept-Ranges: bytes\r\nContent-Encoding: gzip\r\n"
		 "Vary: Accept-Encoding\r\n",
		 e->gz.last_modified, e->gz.etag);
	assert_int_equal(e->gz.head_len, strlen(want));
	assert_memory_equal(e->gz.head, want, e->gz.head_len);
	cache_release(f->c, e);
	e = cache_get(f->c, "/", 1000);
	assert_int_equal(e->kind, CACHE_FILE);
	assert_string_equal(e->type, "text/html; charset=utf-8");
	assert_false(e->has_gz);
	assert_null(memmem(e->file.head, e->file.head_len, "Vary", 4));
	cache_release(f->c, e);
	e = cache_get(f->c, "/dir", 1000);
	assert_int_equal(e->kind, CACHE_DIR);
	cache_release(f->c, e);
	e = cache_get(f->c, "/dir/", 1000);
	assert_int_equal(e->kind, CACHE_FILE);
	assert_memory_equal(e->file.data, "dir index", 9);
	cache_release(f->c, e);
	e = cache_get(f->c, "/empty/", 1000);
	assert_int_equal(e->kind, CACHE_NO_INDEX);
	cache_release(f->c, e);
	e = cache_get(f->c, "/missing", 1000);
	assert_int_equal(e->kind, CACHE_ERROR);
	assert_int_equal(e->err, ENOENT);
	cache_release(f->c, e);
	e = cache_get(f->c, "/a.txt/", 1000);
	assert_int_equal(e->kind, CACHE_ERROR);
	cache_release(f->c, e);
}

/* A small file's bytes follow its head and a blank line, in one copy. */
static void
check_head_body(const struct cache_file *cf, const char *data, size_t size)
{
	assert_int_equal(cf->size, size);
	assert_int_equal(cf->head_body_len, cf->head_len + 2 + size);
	assert_memory_equal(cf->head + cf->head_len, "\r\n", 2);
	assert_ptr_equal(cf->data, cf->head + cf->head_len + 2);
	assert_memory_equal(cf->data, data, size);
}

static void
test_head_body(void **state)
{
	struct fixture *f = *state;
	struct cache_entry *e;
	struct cache_stats st;
	char text[CACHE_HEAD_BODY_MAX + 2];

	e = cache_get(f->c, "/a.txt", 1000);
	check_head_body(&e->file, "aaaa", 4);
	check_head_body(&e->gz, "gzipped", 7);
	cache_release(f->c, e);
	cache_stats(f->c, &st);
	assert_int_equal(st.bytes, 4 + 7); /* each byte counted once */
	memset(text, 'z', sizeof(text) - 1);
	text[sizeof(text) - 1] = '\0';
	put(f, "over.txt", text); /* one byte over: data on its own */
	text[CACHE_HEAD_BODY_MAX] = '\0';
	put(f, "max.txt", text);
	e = cache_get(f->c, "/max.txt", 1000);
	check_head_body(&e->file, text, CACHE_HEAD_BODY_MAX);
	cache_release(f->c, e);
	e = cache_get(f->c, "/over.txt", 1000);
	assert_non_null(e->file.data);
	assert_int_equal(e->file.head_body_len, 0);
	assert_null(memmem(e->file.head, e->file.head_len, "zzz", 3));
	cache_release(f->c, e);
}

/*
 * Keys whose FNV-1a hashes collide (pairs of equal length, of different
 * lengths, and one the prefix of the other) are told apart; a hit moves
 * its entry to the front of the LRU list, so the one evicted is the
 * least recently used.
 */
static void
test_keys_and_lru(void **state)
{
	static const char *const names[] = {"czigbi",  "mlp5htqat", "joaxtly",
					    "sfyqxgq", "pelijb2v",  "p"};
	enum { N = sizeof(names) / sizeof(names[0]) };
	struct fixture *f = *state;
	struct cache_entry *e, *first[N], *f1;
	struct cache_stats st, st0;
	char path[32], forty[41];
	size_t i;

	for (i = 0; i < N; i++)
		put(f, names[i], names[i]);
	for (i = 0; i < 2 * N; i++) {
		snprintf(path, sizeof(path), "/%s", names[i % N]);
		e = cache_get(f->c, path, 1000);
		assert_int_equal(e->kind, CACHE_FILE);
		assert_int_equal(e->file.size, strlen(names[i % N]));
		assert_memory_equal(e->file.data, names[i % N], e->file.size);
		if (i < N)
			first[i] = e;
		else
			assert_ptr_equal(e, first[i % N]);
		cache_release(f->c, e);
	}
	/* room for two 40-byte files: f1, f2, f1 again, then f3 */
	configure(f, 1000, 100, 64);
	memset(forty, 'q', 40);
	forty[40] = '\0';
	put(f, "f1", forty);
	put(f, "f2", forty);
	put(f, "f3", forty);
	cache_stats(f->c, &st0);
	f1 = cache_get(f->c, "/f1", 1);
	cache_release(f->c, f1);
	cache_release(f->c, cache_get(f->c, "/f2", 1));
	cache_release(f->c, cache_get(f->c, "/f1", 1));
	cache_release(f->c, cache_get(f->c, "/f3", 1));
	cache_stats(f->c, &st);
	assert_int_equal(st.evictions - st0.evictions, 1);
	e = cache_get(f->c, "/f1", 1); /* still there: f2 went */
	assert_ptr_equal(e, f1);
	cache_release(f->c, e);
	cache_stats(f->c, &st);
	assert_int_equal(st.evictions - st0.evictions, 1);
	assert_int_equal(st.misses - st0.misses, 3);
}

static void
test_validity(void **state)
{
	struct fixture *f = *state;
	struct cache_entry *e, *old;
	struct cache_stats st;
	char p[128];
	struct timeval tv[2] = {{1000000, 0}, {1000000, 0}};

	old = cache_get(f->c, "/a.txt", 5000);
	/* changed on disk, but still inside the window: the cached bytes */
	put(f, "a.txt", "bbbbbb");
	snprintf(p, sizeof(p), "%s/a.txt", f->root);
	assert_int_equal(utimes(p, tv), 0);
	e = cache_get(f->c, "/a.txt", 5999);
	assert_ptr_equal(e, old);
	assert_int_equal(e->file.size, 4);
	cache_release(f->c, e);
	/* after it: reloaded; the old entry lives while referenced */
	e = cache_get(f->c, "/a.txt", 6000);
	assert_ptr_not_equal(e, old);
	assert_int_equal(e->file.size, 6);
	assert_memory_equal(e->file.data, "bbbbbb", 6);
	assert_memory_equal(old->file.data, "aaaa", 4);
	cache_release(f->c, old);
	cache_release(f->c, e);
	/* unchanged after the window: the same entry, revalidated */
	old = cache_get(f->c, "/a.txt", 8000);
	assert_ptr_equal(old, e);
	cache_release(f->c, old);
	/* a file that appears is seen after the window */
	e = cache_get(f->c, "/new.txt", 9000);
	assert_int_equal(e->kind, CACHE_ERROR);
	cache_release(f->c, e);
	put(f, "new.txt", "n");
	e = cache_get(f->c, "/new.txt", 10001);
	assert_int_equal(e->kind, CACHE_FILE);
	cache_release(f->c, e);
	cache_stats(f->c, &st);
	assert_true(st.hits >= 1);
	assert_true(st.reloads >= 2);
	assert_true(st.revalidations >= 3);
}

static void
test_large_and_budget(void **state)
{
	struct fixture *f = *state;
	struct cache_entry *e, *a;
	struct cache_stats st;
	char big[2048];

	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	put(f, "big.bin", big);
	configure(f, 1000, 100, 64);
	e = cache_get(f->c, "/big.bin", 1);
	assert_int_equal(e->kind, CACHE_FILE);
	assert_null(e->file.data); /* too big: sendfile from the fd */
	assert_true(e->file.fd >= 0);
	assert_int_equal(e->file.size, sizeof(big) - 1);
	cache_release(f->c, e);
	/* the byte budget (100) holds one 60-byte file at a time */
	memset(big, 'y', 60);
	big[60] = '\0';
	put(f, "f1", big);
	put(f, "f2", big);
	a = cache_get(f->c, "/f1", 1);
	assert_non_null(a->file.data);
	cache_release(f->c, a);
	e = cache_get(f->c, "/f2", 1);
	assert_non_null(e->file.data);
	cache_release(f->c, e);
	cache_stats(f->c, &st);
	assert_true(st.bytes <= 100);
	assert_true(st.evictions >= 1);
}

/* Cached large files hold fds: running out evicts them, not 500s. */
static void
test_fd_exhaustion(void **state)
{
	struct fixture *f = *state;
	struct cache_entry *e;
	struct rlimit old, rl;
	char name[32];
	int i, errors = 0;

	configure(f, 1000, 1 << 20, 0); /* every file from its fd */
	for (i = 0; i < 64; i++) {
		snprintf(name, sizeof(name), "f%d", i);
		put(f, name, "x");
	}
	assert_int_equal(getrlimit(RLIMIT_NOFILE, &old), 0);
	rl = old;
	rl.rlim_cur = 32;
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &rl), 0);
	for (i = 0; i < 64; i++) {
		snprintf(name, sizeof(name), "/f%d", i);
		e = cache_get(f->c, name, 1);
		assert_non_null(e);
		errors += e->kind != CACHE_FILE;
		cache_release(f->c, e);
	}
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &old), 0);
	assert_int_equal(errors, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_kinds, setup, teardown),
		cmocka_unit_test_setup_teardown(test_head_body, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_keys_and_lru, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_validity, setup, teardown),
		cmocka_unit_test_setup_teardown(test_large_and_budget, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_fd_exhaustion, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
