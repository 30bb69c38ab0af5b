/*
 * test_httpd_conn: a connection whose response cannot be built (out of
 * memory) must end instead of answering the next pipelined request in
 * its place; the usual response goes out in one send(); a request head
 * keeps its deadline across a write.  malloc is wrapped at link time (-Wl,--wrap=malloc) so the
 * output buffer's allocation can be made to fail.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cmocka.h>
#include <event2/event.h>

#include "cache.h"
#include "config.h"
#include "conn.h"
#include "server.h"

void *__real_malloc(size_t size);
void *__wrap_malloc(size_t size);

static unsigned fail_out_allocs; /* output buffers still to refuse */
static size_t largest_malloc;    /* since the test last cleared it */

void *
__wrap_malloc(size_t size)
{
	if (size > largest_malloc)
		largest_malloc = size;
	if (size == sizeof(struct conn_out) && fail_out_allocs > 0) {
		fail_out_allocs--;
		errno = ENOMEM;
		return NULL;
	}
	return __real_malloc(size);
}

ssize_t __real_send(int fd, const void *buf, size_t len, int flags);
ssize_t __wrap_send(int fd, const void *buf, size_t len, int flags);

static unsigned sends;       /* send() calls since the test cleared it */
static char last_send[4096]; /* what the last one carried */

ssize_t
__wrap_send(int fd, const void *buf, size_t len, int flags)
{
	size_t keep = len < sizeof(last_send) - 1 ? len : sizeof(last_send) - 1;

	sends++;
	memcpy(last_send, buf, keep);
	last_send[keep] = '\0';
	return __real_send(fd, buf, len, flags);
}

/* What conn.c and respond.c need from server.c. */
const char *
server_head(struct server *s)
{
	(void)s;
	return "Server: " SERVER_NAME
	       "\r\nDate: Thu, 01 Jan 1970 00:00:00 GMT\r\n";
}

void
server_conn_closed(struct server *s)
{
	(void)s;
}

struct fixture {
	char root[64];
	char index[16];
	struct config_http cfg;
	struct server s;
	int peer; /* the client's end */
};

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct cache_config cc = {0};
	struct sockaddr_in sin = {.sin_family = AF_INET};
	char p[128];
	int sv[2];
	FILE *fp;

	assert_non_null(f);
	snprintf(f->index, sizeof(f->index), "index.html");
	snprintf(f->root, sizeof(f->root), "/tmp/test_httpd_conn.XXXXXX");
	assert_non_null(mkdtemp(f->root));
	snprintf(p, sizeof(p), "%s/index.html", f->root);
	assert_non_null(fp = fopen(p, "w"));
	fputs("hello\n", fp);
	fclose(fp);
	f->cfg.index = f->index;
	f->cfg.max_headers = 64;
	f->cfg.max_header_size = 8192;
	f->cfg.max_body = 65536;
	f->cfg.header_timeout = 10;
	f->cfg.keepalive_timeout = 10;
	f->cfg.send_timeout = 10;
	f->s.base = event_base_new();
	assert_non_null(f->s.base);
	f->s.cfg = &f->cfg;
	f->s.rootfd = open(f->root, O_PATH | O_DIRECTORY);
	assert_true(f->s.rootfd >= 0);
	f->s.in_size = f->cfg.max_header_size;
	assert_int_equal(conn_timers_init(&f->s), 0);
	conn_timers_apply(&f->s);
	assert_non_null(f->s.cache = cache_new());
	cc.rootfd = f->s.rootfd;
	cc.index = f->cfg.index;
	cc.validity_ms = 60000; /* a test's second request finds it cached */
	cc.max_bytes = 1 << 20;
	cc.file_max = 1 << 16;
	cache_configure(f->s.cache, &cc);
	assert_int_equal(
		socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv), 0);
	f->peer = sv[1];
	assert_int_equal(
		conn_new(&f->s, sv[0], (struct sockaddr *)&sin, sizeof(sin)),
		0);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;
	char cmd[128];

	conn_close_all(&f->s, "test over");
	conn_timers_free(&f->s);
	close(f->peer);
	conn_pools_free(&f->s);
	cache_free(f->s.cache);
	close(f->s.rootfd);
	event_base_free(f->s.base);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->root);
	if (system(cmd) != 0)
		return -1;
	free(f);
	return 0;
}

/* Runs the loop until it idles; returns what the client received. */
static size_t
exchange(struct fixture *f, const char *req, char *out, size_t size, bool *eof)
{
	size_t got = 0;
	ssize_t n = -1;
	int i;

	assert_int_equal(write(f->peer, req, strlen(req)),
			 (ssize_t)strlen(req));
	*eof = false;
	for (i = 0; i < 20 && !*eof; i++) {
		event_base_loop(f->s.base, EVLOOP_ONCE | EVLOOP_NONBLOCK);
		while (got < size - 1 &&
		       (n = read(f->peer, out + got, size - 1 - got)) > 0)
			got += (size_t)n;
		*eof = n == 0;
	}
	out[got] = '\0';
	return got;
}

#define REQ "GET / HTTP/1.1\r\nHost: a\r\n\r\n"

/* req three times over (in a static buffer). */
static const char *
req_three(const char *req)
{
	static char buf[1024];

	assert_true(strlen(req) * 3 < sizeof(buf));
	snprintf(buf, sizeof(buf), "%s%s%s", req, req, req);
	return buf;
}

static void
test_answers(void **state)
{
	struct fixture *f = *state;
	char out[4096];
	bool eof;

	exchange(f, REQ REQ, out, sizeof(out), &eof);
	assert_non_null(strstr(out, "HTTP/1.1 200"));
	assert_non_null(
		strstr(strstr(out, "HTTP/1.1 200") + 1, "HTTP/1.1 200"));
	assert_false(eof);
}

/* A small cached file: its head and body go out in one send(). */
static void
test_small_file_one_send(void **state)
{
	struct fixture *f = *state;
	char out[4096];
	bool eof;

	exchange(f, REQ, out, sizeof(out), &eof); /* loads the cache */
	sends = 0;
	exchange(f, REQ, out, sizeof(out), &eof);
	assert_non_null(strstr(out, "HTTP/1.1 200"));
	assert_int_equal(sends, 1);
	assert_non_null(strstr(last_send, "HTTP/1.1 200"));
	assert_non_null(strstr(last_send, "\r\n\r\nhello\n"));
}

/* No output buffer for the first: nothing may answer it, not even the
 * second request's response; the connection ends. */
static void
test_out_of_memory_closes(void **state)
{
	struct fixture *f = *state;
	char out[4096];
	bool eof;

	fail_out_allocs = 1;
	exchange(f, REQ REQ, out, sizeof(out), &eof);
	fail_out_allocs = 0;
	assert_string_equal(out, "");
	assert_true(eof);
}

/*
 * A chunked request whose head ends a byte short of the input buffer's
 * end, behind a pipelined one: the head moves to the front, so the body
 * comes in with a few reads, not one read per byte of it.
 */
static void
test_chunked_body_late_in_buffer(void **state)
{
	struct fixture *f = *state;
	static const char chunked[] = "GET / HTTP/1.1\r\nHost: a\r\n"
				      "Transfer-Encoding: chunked\r\n\r\n";
	static const char first[] = "GET / HTTP/1.1\r\nHost: a\r\nX: ";
	static const char body[] = "40\r\n"
				   "0123456789abcdef0123456789abcdef"
				   "0123456789abcdef0123456789abcdef"
				   "\r\n0\r\n\r\n";
	size_t pad = f->s.in_size - 1 - strlen(chunked) - strlen(first) - 4;
	char *req = malloc(f->s.in_size + sizeof(body));
	char out[4096];
	const char *p;
	bool eof;

	assert_non_null(req);
	strcpy(req, first);
	memset(req + strlen(first), 'x', pad);
	strcpy(req + strlen(first) + pad, "\r\n\r\n");
	strcat(req, chunked);
	assert_int_equal(strlen(req), f->s.in_size - 1);
	strcat(req, body);
	exchange(f, req, out, sizeof(out), &eof);
	free(req);
	assert_non_null(p = strstr(out, "HTTP/1.1 200"));
	assert_non_null(strstr(p + 1, "HTTP/1.1 200"));
	assert_false(eof);
}

/*
 * Multi-range requests for a file sent with sendfile, pipelined: each
 * takes an item per part, so the second does not fit behind the first.
 * It waits, and gets its parts too, not the whole file.
 */
static void
test_multipart_pipelined(void **state)
{
	struct fixture *f = *state;
	static const char req[] =
		"GET /big HTTP/1.1\r\nHost: a\r\n"
		"Range: bytes=0-0,2-2,4-4,6-6,8-8,10-10,12-12,14-14\r\n\r\n";
	char path[128], out[8192];
	const char *p;
	unsigned n = 0;
	FILE *fp;
	bool eof;

	snprintf(path, sizeof(path), "%s/big", f->root);
	assert_non_null(fp = fopen(path, "w"));
	for (n = 0; n < 100000; n++)
		fputc('a' + n % 26, fp);
	fclose(fp);
	exchange(f, req_three(req), out, sizeof(out), &eof);
	for (n = 0, p = out; (p = strstr(p, "HTTP/1.1 206")) != NULL; p++)
		n++;
	assert_int_equal(n, 3);
	assert_null(strstr(out, "HTTP/1.1 200"));
	assert_false(eof);
}

/* root/NAME with `size` bytes of letters from `first`. */
static void
write_letters(struct fixture *f, const char *name, size_t size, int first)
{
	char path[160];
	FILE *fp;
	size_t i;

	snprintf(path, sizeof(path), "%s/%s", f->root, name);
	assert_non_null(fp = fopen(path, "w"));
	for (i = 0; i < size; i++)
		fputc(first + (int)(i % 26), fp);
	fclose(fp);
}

/*
 * Several ranges of a file held in memory: the parts go out from the
 * cache's copy.  A copy per answer would let a pipeline of such requests
 * on each of many connections hold that much memory each.
 */
static void
test_multipart_no_copy(void **state)
{
	struct fixture *f = *state;
	static char out[65536];
	bool eof;

	write_letters(f, "mid", 60000, 'a');
	exchange(f, "HEAD /mid HTTP/1.1\r\nHost: a\r\n\r\n", out, sizeof(out),
		 &eof);
	assert_non_null(strstr(out, "HTTP/1.1 200"));
	largest_malloc = 0;
	exchange(f,
		 "GET /mid HTTP/1.1\r\nHost: a\r\n"
		 "Range: bytes=0-0,2-49999\r\n\r\n",
		 out, sizeof(out), &eof);
	assert_non_null(strstr(out, "HTTP/1.1 206"));
	assert_non_null(strstr(out, "multipart/byteranges"));
	assert_non_null(strstr(out, "Content-Range: bytes 2-49999/60000"));
	assert_true(largest_malloc < 40000);
}

/*
 * A head that came in behind a long response keeps the deadline of its
 * first byte while the response goes out: once it is, the expired head
 * is answered 408 on the next loop turn, not header_timeout later.  The
 * loop below never waits, so only a deadline already passed can fire.
 */
static void
test_head_deadline_kept_across_write(void **state)
{
	struct fixture *f = *state;
	static const char req[] = "GET /big HTTP/1.1\r\nHost: a\r\n\r\n"
				  "GET / HT";
	static char buf[32 + 65536];
	size_t total = 0, carry = 0;
	bool eof = false, got408 = false;
	ssize_t n;
	int i;

	write_letters(f, "big", 1 << 20, 'a');
	f->cfg.header_timeout = 1;
	conn_timers_apply(&f->s); /* as a reload does */
	assert_int_equal(write(f->peer, req, strlen(req)),
			 (ssize_t)strlen(req));
	for (i = 0; i < 5; i++) /* reads both; the socket fills */
		event_base_loop(f->s.base, EVLOOP_ONCE | EVLOOP_NONBLOCK);
	usleep(1500 * 1000); /* the second head's deadline passes */
	for (i = 0; i < 5000 && !eof; i++) {
		event_base_loop(f->s.base, EVLOOP_ONCE | EVLOOP_NONBLOCK);
		while ((n = read(f->peer, buf + carry, sizeof(buf) - carry)) >
		       0) {
			total += (size_t)n;
			n += (ssize_t)carry;
			got408 = got408 || memmem(buf, (size_t)n,
						  "HTTP/1.1 408", 12) != NULL;
			carry = n < 32 ? (size_t)n : 32;
			memmove(buf, buf + n - carry, carry);
		}
		eof = n == 0;
	}
	assert_true(total > 1 << 20);
	assert_true(got408);
	assert_true(eof);
}

/*
 * The fast path for a whole cached file against resp_file(): every
 * response byte the same.  A non-matching If-None-Match takes the slow
 * path and changes nothing else in a 200.
 */
static size_t
ask_new_conn(struct fixture *f, const char *req, char *out, size_t size)
{
	struct sockaddr_in sin = {.sin_family = AF_INET};
	size_t got = 0;
	ssize_t n = -1;
	int sv[2], i;

	assert_int_equal(
		socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv), 0);
	assert_int_equal(
		conn_new(&f->s, sv[0], (struct sockaddr *)&sin, sizeof(sin)),
		0);
	assert_int_equal(write(sv[1], req, strlen(req)), (ssize_t)strlen(req));
	for (i = 0; i < 40; i++) {
		event_base_loop(f->s.base, EVLOOP_ONCE | EVLOOP_NONBLOCK);
		while (got < size - 1 &&
		       (n = read(sv[1], out + got, size - 1 - got)) > 0)
			got += (size_t)n;
		if (n == 0)
			break;
	}
	close(sv[1]);
	out[got] = '\0';
	return got;
}

/* One request, fast (as asked) and slow (with If-None-Match): equal. */
static void
check_same_bytes(struct fixture *f, const char *method, const char *name,
		 const char *tail)
{
	static char a[200000], b[200000];
	char req[512];
	size_t alen, blen;

	snprintf(req, sizeof(req), "%s /%s %s\r\n", method, name, tail);
	alen = ask_new_conn(f, req, a, sizeof(a));
	snprintf(req, sizeof(req), "%s /%s %sIf-None-Match: \"nope\"\r\n\r\n",
		 method, name, tail);
	blen = ask_new_conn(f, req, b, sizeof(b));
	if (alen != blen || memcmp(a, b, alen) != 0)
		fail_msg("%s /%s %s: %zu vs %zu bytes:\n%.300s\n---\n%.300s",
			 method, name, tail, alen, blen, a, b);
}

static void
test_whole_file_same_bytes(void **state)
{
	struct fixture *f = *state;
	static const size_t sizes[] = {0, 1, 5, 1023, 1024, 1025, 2000, 70000};
	static const char *const methods[] = {"GET", "HEAD"};
	static const char *const tails[] = {
		"HTTP/1.1\r\nHost: a\r\n",
		"HTTP/1.1\r\nHost: a\r\nConnection: close\r\n",
		"HTTP/1.0\r\n",
		"HTTP/1.0\r\nConnection: keep-alive\r\n",
		"HTTP/1.1\r\nHost: a\r\nAccept-Encoding: gzip\r\n",
		"HTTP/1.1\r\nHost: a\r\nIf-Range: \"x\"\r\n",
	};
	char name[64], gz[80];
	size_t s, k, m, t;

	for (s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
		for (k = 0; k < 2; k++) { /* k: with a gzip sibling */
			snprintf(name, sizeof(name), "f%zu_%zu", s, k);
			write_letters(f, name, sizes[s], 'a');
			snprintf(gz, sizeof(gz), "%s.gz", name);
			if (k == 1)
				write_letters(f, gz, sizes[s] / 2 + 3, 'A');
			for (m = 0; m < 2; m++) {
				for (t = 0;
				     t < sizeof(tails) / sizeof(tails[0]); t++)
					check_same_bytes(f, methods[m], name,
							 tails[t]);
			}
		}
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_answers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_small_file_one_send, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_out_of_memory_closes,
						setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_chunked_body_late_in_buffer, setup, teardown),
		cmocka_unit_test_setup_teardown(test_multipart_pipelined, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_multipart_no_copy, setup,
						teardown),
		cmocka_unit_test_setup_teardown(
			test_head_deadline_kept_across_write, setup, teardown),
		cmocka_unit_test_setup_teardown(test_whole_file_same_bytes,
						setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
