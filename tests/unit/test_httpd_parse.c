/*
 * httpd request parser: table-driven cases for every malformed input the
 * server must refuse (and the status each calls for), the fields of good
 * requests, and each request fed again split at every byte, which must
 * give the same result as feeding it whole.  Inputs live in heap buffers
 * of exactly their length, so the sanitizer build catches any overread.
 */
#include <setjmp.h>
#include <stdio.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "http_parse.h"
#include "http_util.h"

#define MAX_HEADERS 20
#define MAX_TARGET  256

struct parse_case {
	const char *text;
	enum http_parse_status want;
	int status; /* HTTP status the error calls for */
	size_t len; /* 0: strlen(text); set when text holds a NUL */
};

static enum http_parse_status
parse_whole(const char *text, size_t len, struct http_parser *p)
{
	char *buf = malloc(len ? len : 1);
	enum http_parse_status st;

	assert_non_null(buf);
	memcpy(buf, text, len);
	http_parser_init(p, MAX_HEADERS, MAX_TARGET);
	st = http_parse_request(p, buf, len);
	free(buf);
	return st;
}

/*
 * Feeds text[0..i) for i = 1..len: AGAIN until the end, then the same
 * result and, for a good head, the same fields as parsing it whole (the
 * parser consumes runs of plain bytes at once, and must stop each run at
 * the end of what it was given).
 */
static void
parse_split(const char *text, size_t len, enum http_parse_status want)
{
	size_t i;
	struct http_parser p, whole;
	enum http_parse_status st = HTTP_PARSE_AGAIN;
	char *buf;

	http_parser_init(&p, MAX_HEADERS, MAX_TARGET);
	for (i = 1; i <= len && st == HTTP_PARSE_AGAIN; i++) {
		buf = malloc(i);
		assert_non_null(buf);
		memcpy(buf, text, i);
		st = http_parse_request(&p, buf, i);
		free(buf);
	}
	if (st != want)
		fail_msg("split feed of \"%s\": %d, want %d", text, st, want);
	if (want == HTTP_PARSE_OK &&
	    (parse_whole(text, len, &whole) != HTTP_PARSE_OK ||
	     memcmp(&p.req, &whole.req, sizeof(p.req)) != 0))
		fail_msg("split feed of \"%s\": other fields than whole", text);
}

static void
check_cases(const struct parse_case *cases, size_t n)
{
	struct http_parser p;
	enum http_parse_status st;
	size_t i;

	size_t len;

	for (i = 0; i < n; i++) {
		len = cases[i].len ? cases[i].len : strlen(cases[i].text);
		st = parse_whole(cases[i].text, len, &p);
		if (st != cases[i].want)
			fail_msg("case %zu \"%s\": got %d (%s), want %d", i,
				 cases[i].text, st, http_parse_strerror(st),
				 cases[i].want);
		if (cases[i].status != 0 &&
		    http_parse_status_code(st) != cases[i].status)
			fail_msg("case %zu: status %d, want %d", i,
				 http_parse_status_code(st), cases[i].status);
		parse_split(cases[i].text, len, cases[i].want);
	}
}

#define CHECK(t) check_cases((t), sizeof(t) / sizeof((t)[0]))

static void
test_good_requests(void **state)
{
	static const struct parse_case cases[] = {
		{"GET / HTTP/1.0\r\n\r\n", HTTP_PARSE_OK, 200, 0},
		{"GET / HTTP/1.1\r\nHost: a\r\n\r\n", HTTP_PARSE_OK, 200, 0},
		{"GET / HTTP/1.0\n\n", HTTP_PARSE_OK, 200, 0}, /* bare LF */
		{"\r\n\r\nGET / HTTP/1.0\r\n\r\n", HTTP_PARSE_OK, 200, 0},
		{"HEAD /a?b=c HTTP/1.1\r\nHost: x:80\r\nX-Y:\r\n\r\n",
		 HTTP_PARSE_OK, 200, 0},
		{"GET http://h/p HTTP/1.1\r\nHost: h\r\n\r\n", HTTP_PARSE_OK,
		 200, 0},
		{"GET / HTTP/1.2\r\nHost: a\r\n\r\n", HTTP_PARSE_OK, 200, 0},
		{"BREW / HTTP/1.0\r\n\r\n", HTTP_PARSE_OK, 200, 0},
		{"GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 5, 5\r\n\r\n",
		 HTTP_PARSE_OK, 200, 0},
		{"GET / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: "
		 "chunked\r\n\r\n",
		 HTTP_PARSE_OK, 200, 0},
		{"GET / HTTP/1.1\r\nHost: a\r\nUser-Agent: \x80\xff ok\r\n\r\n",
		 HTTP_PARSE_OK, 200, 0},
		/* blanks inside and after values, runs up to every kind of end */
		{"GET /a/b.c?x=1#?y HTTP/1.1\r\nHost: a\r\n\r\n",
		 HTTP_PARSE_BAD_TARGET, 400, 0},
		{"GET /a?b?c HTTP/1.1\r\nHost: a \t \r\nX-A: b  c\t\r\n"
		 "X-B:\t\r\nX-C: d\n\r\n",
		 HTTP_PARSE_OK, 200, 0},
	};

	(void)state;
	CHECK(cases);
}

static void
test_bad_request_line(void **state)
{
	static const struct parse_case cases[] = {
		{"GET  / HTTP/1.1\r\n", HTTP_PARSE_BAD_REQUEST_LINE, 400, 0},
		{"GET / HTTP/1.1 \r\n", HTTP_PARSE_BAD_VERSION, 400, 0},
		{"GET /\r\n\r\n", HTTP_PARSE_BAD_REQUEST_LINE, 400,
		 0}, /* 0.9 */
		{" GET / HTTP/1.1\r\n", HTTP_PARSE_BAD_METHOD, 400, 0},
		{"G(T / HTTP/1.1\r\n", HTTP_PARSE_BAD_METHOD, 400, 0},
		{"GETTTTTTTTTTTTTTTTTTTTT / HTTP/1.1\r\n",
		 HTTP_PARSE_METHOD_TOO_LONG, 501, 0},
		{"GET / HTTP/1.1\rX", HTTP_PARSE_BAD_REQUEST_LINE, 400, 0},
		{"\rGET / HTTP/1.1\r\n", HTTP_PARSE_BAD_REQUEST_LINE, 400, 0},
		{"GET x HTTP/1.1\r\n", HTTP_PARSE_BAD_TARGET, 400, 0},
		{"GET /a b HTTP/1.1\r\n", HTTP_PARSE_BAD_VERSION, 400, 0},
		{"GET /a\x01 HTTP/1.1\r\n", HTTP_PARSE_BAD_TARGET, 400, 0},
		{"GET /a\x80 HTTP/1.1\r\n", HTTP_PARSE_BAD_TARGET, 400, 0},
		{"GET /a#f HTTP/1.1\r\n", HTTP_PARSE_BAD_TARGET, 400, 0},
		{"GET ftp://h/ HTTP/1.1\r\n", HTTP_PARSE_BAD_TARGET, 400, 0},
		{"GET http:/// HTTP/1.1\r\n", HTTP_PARSE_BAD_TARGET, 400, 0},
		{"GET http://u@h/ HTTP/1.1\r\n", HTTP_PARSE_BAD_TARGET, 400, 0},
		{"GET * HTTP/1.1\r\n", HTTP_PARSE_BAD_TARGET, 400, 0},
		{"GET / HTTP/2.0\r\n\r\n", HTTP_PARSE_VERSION_UNSUPPORTED, 505,
		 0},
		{"GET / HTTP/0.9\r\n\r\n", HTTP_PARSE_VERSION_UNSUPPORTED, 505,
		 0},
		{"GET / HTTP/1.10\r\n\r\n", HTTP_PARSE_BAD_VERSION, 400, 0},
		{"GET / HTTP/1\r\n\r\n", HTTP_PARSE_BAD_VERSION, 400, 0},
		{"GET / http/1.1\r\n\r\n", HTTP_PARSE_BAD_VERSION, 400, 0},
		{"GET / HTTP/a.1\r\n\r\n", HTTP_PARSE_BAD_VERSION, 400, 0},
		{"GET / HTTP/1.1\0\r\n", HTTP_PARSE_BAD_VERSION, 400, 17},
		{"GET /a\0b HTTP/1.1\r\n", HTTP_PARSE_BAD_TARGET, 400, 20},
		{"\0GET / HTTP/1.1\r\n", HTTP_PARSE_BAD_METHOD, 400, 17},
	};

	(void)state;
	CHECK(cases);
}

static void
test_bad_headers(void **state)
{
	static const struct parse_case cases[] = {
		{"GET / HTTP/1.1\r\n\r\n", HTTP_PARSE_NO_HOST, 400, 0},
		{"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",
		 HTTP_PARSE_DUPLICATE_HEADER, 400, 0},
		{"GET / HTTP/1.1\r\nHost: a b\r\n\r\n", HTTP_PARSE_BAD_HEADER,
		 400, 0},
		/* blanks inside Host, also where a feed splits them off */
		{"GET / HTTP/1.1\r\nHost:  a \t b  \r\n\r\n",
		 HTTP_PARSE_BAD_HEADER, 400, 0},
		{"GET / HTTP/1.1\r\nHost: a.b\tc\r\n\r\n",
		 HTTP_PARSE_BAD_HEADER, 400, 0},
		{"GET / HTTP/1.1\r\nHost : a\r\n\r\n", HTTP_PARSE_BAD_HEADER,
		 400, 0},
		{"GET / HTTP/1.1\r\n: a\r\n\r\n", HTTP_PARSE_BAD_HEADER, 400,
		 0},
		{"GET / HTTP/1.1\r\nHost: a\r\nX: 1\r\n 2\r\n\r\n",
		 HTTP_PARSE_OBS_FOLD, 400, 0},
		{"GET / HTTP/1.1\r\n X: 1\r\n\r\n", HTTP_PARSE_BAD_HEADER, 400,
		 0},
		{"GET / HTTP/1.1\r\nHost: a\r\nX: a\0"
		 "b\r\n\r\n",
		 HTTP_PARSE_BAD_HEADER, 400, 36},
		{"GET / HTTP/1.1\r\nHost: a\r\nX\0: a\r\n\r\n",
		 HTTP_PARSE_BAD_HEADER, 400, 33},
		{"GET / HTTP/1.1\r\nHost: a\r\nX: a\x0b\r\n\r\n",
		 HTTP_PARSE_BAD_HEADER, 400, 0},
		{"GET / HTTP/1.1\r\nHost: a\r\nX: a\x7f\r\n\r\n",
		 HTTP_PARSE_BAD_HEADER, 400, 0},
		{"GET / HTTP/1.1\r\nHost: a\r\nX: a\rb\r\n\r\n",
		 HTTP_PARSE_BAD_HEADER, 400, 0},
		{"GET / HTTP/1.1\r\nHost: a\r\nX\r\n\r\n",
		 HTTP_PARSE_BAD_HEADER, 400, 0},
		{"GET / HTTP/1.1\r\nHost: a\r\n\rX", HTTP_PARSE_BAD_HEADER, 400,
		 0},
		{"GET / HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\n",
		 HTTP_PARSE_BAD_CONTENT_LENGTH, 400, 0},
		{"GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 1x\r\n\r\n",
		 HTTP_PARSE_BAD_CONTENT_LENGTH, 400, 0},
		{"GET / HTTP/1.1\r\nHost: a\r\nContent-Length:\r\n\r\n",
		 HTTP_PARSE_BAD_CONTENT_LENGTH, 400, 0},
		{"GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 1, 2\r\n\r\n",
		 HTTP_PARSE_BAD_CONTENT_LENGTH, 400, 0},
		{"GET / HTTP/1.1\r\nHost: a\r\nContent-Length: "
		 "99999999999999999999\r\n\r\n",
		 HTTP_PARSE_BAD_CONTENT_LENGTH, 400, 0},
		{"GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\n"
		 "Content-Length: 2\r\n\r\n",
		 HTTP_PARSE_DUPLICATE_HEADER, 400, 0},
		{"GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\n"
		 "Transfer-Encoding: chunked\r\n\r\n",
		 HTTP_PARSE_CL_AND_TE, 400, 0},
		{"GET / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n"
		 "Content-Length: 1\r\n\r\n",
		 HTTP_PARSE_CL_AND_TE, 400, 0},
		{"GET / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n\r\n",
		 HTTP_PARSE_BAD_TRANSFER_CODING, 501, 0},
		{"GET / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, "
		 "gzip\r\n\r\n",
		 HTTP_PARSE_BAD_TRANSFER_CODING, 501, 0},
		{"GET / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n"
		 "Transfer-Encoding: chunked\r\n\r\n",
		 HTTP_PARSE_BAD_TRANSFER_CODING, 501, 0},
		{"GET / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n",
		 HTTP_PARSE_BAD_HEADER, 400, 0},
	};

	(void)state;
	CHECK(cases);
}

static void
test_limits(void **state)
{
	char big[MAX_TARGET + 64], many[64 * (MAX_HEADERS + 2)];
	struct http_parser p;
	size_t n;
	int i;

	(void)state;
	memcpy(big, "GET /", 5);
	memset(big + 5, 'a', MAX_TARGET);
	memcpy(big + 5 + MAX_TARGET, " HTTP/1.0\r\n\r\n", 14);
	assert_int_equal(parse_whole(big, 5 + MAX_TARGET + 14, &p),
			 HTTP_PARSE_TARGET_TOO_LONG);
	assert_int_equal(http_parse_status_code(HTTP_PARSE_TARGET_TOO_LONG),
			 414);
	parse_split(big, 5 + MAX_TARGET + 14, HTTP_PARSE_TARGET_TOO_LONG);
	/* a target of exactly MAX_TARGET bytes is fine, whole or split */
	memcpy(big + 4 + MAX_TARGET, " HTTP/1.0\r\n\r\n", 14);
	assert_int_equal(parse_whole(big, 4 + MAX_TARGET + 14, &p),
			 HTTP_PARSE_OK);
	assert_int_equal(p.req.target.len, MAX_TARGET);
	parse_split(big, 4 + MAX_TARGET + 14, HTTP_PARSE_OK);
	n = (size_t)snprintf(many, sizeof(many), "GET / HTTP/1.0\r\n");
	for (i = 0; i <= MAX_HEADERS; i++)
		n += (size_t)snprintf(many + n, sizeof(many) - n, "X-%d: v\r\n",
				      i);
	n += (size_t)snprintf(many + n, sizeof(many) - n, "\r\n");
	assert_int_equal(parse_whole(many, n, &p), HTTP_PARSE_TOO_MANY_HEADERS);
	assert_int_equal(http_parse_status_code(HTTP_PARSE_TOO_MANY_HEADERS),
			 431);
	/* a head that stops short is AGAIN, and says where it stopped */
	assert_int_equal(parse_whole("GET /abc", 8, &p), HTTP_PARSE_AGAIN);
	assert_true(http_parse_in_request_line(&p));
	assert_int_equal(parse_whole("GET / HTTP/1.0\r\nA: b", 20, &p),
			 HTTP_PARSE_AGAIN);
	assert_false(http_parse_in_request_line(&p));
}

#define SPAN_IS(buf, sp, s)                                            \
	do {                                                           \
		assert_int_equal((sp).len, strlen(s));                 \
		assert_memory_equal((buf) + (sp).off, (s), strlen(s)); \
	} while (0)

static void
test_fields(void **state)
{
	static const char req[] = "\r\nGET /d/f.txt?q=1&r HTTP/1.1\r\n"
				  "host:  example.test:8080  \r\n"
				  "CONNECTION: Keep-Alive, close\r\n"
				  "Content-Length: 12\r\n"
				  "If-None-Match: \"a\", W/\"b\"\r\n"
				  "Range: bytes=0-9\r\n"
				  "Referer: http://r/\r\n"
				  "User-Agent: t/1\r\n"
				  "X-Other: 1\r\n"
				  "\r\nBODY";
	struct http_parser p;
	const struct http_request *r = &p.req;

	(void)state;
	assert_int_equal(parse_whole(req, sizeof(req) - 1, &p), HTTP_PARSE_OK);
	assert_int_equal(r->method, HTTP_METHOD_GET);
	SPAN_IS(req, r->method_s, "GET");
	SPAN_IS(req, r->target, "/d/f.txt?q=1&r");
	SPAN_IS(req, r->path, "/d/f.txt");
	SPAN_IS(req, r->query, "q=1&r");
	assert_int_equal(r->version_major, 1);
	assert_int_equal(r->version_minor, 1);
	SPAN_IS(req, r->headers[HTTP_H_HOST], "example.test:8080");
	assert_true(r->conn_close);
	assert_true(r->conn_keep_alive);
	assert_int_equal(r->content_length, 12);
	SPAN_IS(req, r->headers[HTTP_H_IF_NONE_MATCH], "\"a\", W/\"b\"");
	SPAN_IS(req, r->headers[HTTP_H_RANGE], "bytes=0-9");
	SPAN_IS(req, r->headers[HTTP_H_USER_AGENT], "t/1");
	SPAN_IS(req, r->headers[HTTP_H_REFERER], "http://r/");
	assert_int_equal(r->header_count, 8);
	assert_int_equal(r->head_len, sizeof(req) - 1 - 4);
	parse_split(req, sizeof(req) - 1, HTTP_PARSE_OK);
	assert_string_equal(req + r->head_len, "BODY");
}

static void
test_methods_and_pipeline(void **state)
{
	static const char two[] = "HEAD /a HTTP/1.0\r\n\r\n"
				  "POST /b HTTP/1.1\r\nHost: h\r\n\r\n";
	struct http_parser p;
	uint32_t first;

	(void)state;
	assert_int_equal(parse_whole(two, sizeof(two) - 1, &p), HTTP_PARSE_OK);
	assert_int_equal(p.req.method, HTTP_METHOD_HEAD);
	assert_false(p.req.conn_keep_alive);
	first = p.req.head_len;
	http_parser_init(&p, MAX_HEADERS, MAX_TARGET);
	assert_int_equal(
		http_parse_request(&p, two + first, sizeof(two) - 1 - first),
		HTTP_PARSE_OK);
	assert_int_equal(p.req.method, HTTP_METHOD_POST);
	assert_string_equal(http_method_name(HTTP_METHOD_POST), "POST");
	assert_null(http_method_name(HTTP_METHOD_OTHER));
	assert_int_equal(parse_whole("get / HTTP/1.0\r\n\r\n", 18, &p),
			 HTTP_PARSE_OK);
	assert_int_equal(p.req.method, HTTP_METHOD_OTHER); /* case matters */
	assert_int_equal(parse_whole("OPTIONS * HTTP/1.0\r\n\r\n", 22, &p),
			 HTTP_PARSE_OK);
	SPAN_IS("OPTIONS * HTTP/1.0\r\n\r\n", p.req.path, "*");
}

static void
test_lists_and_dates(void **state)
{
	struct http_span it;
	size_t pos = 0;
	char d[HTTP_DATE_LEN + 1];
	time_t t;
	const char *l = " a , ,b,";

	(void)state;
	assert_true(http_list_next(l, strlen(l), &pos, &it));
	assert_int_equal(it.len, 1);
	assert_true(http_list_next(l, strlen(l), &pos, &it));
	assert_int_equal(it.len, 0);
	assert_true(http_list_next(l, strlen(l), &pos, &it));
	assert_memory_equal(l + it.off, "b", 1);
	assert_true(http_list_next(l, strlen(l), &pos, &it));
	assert_int_equal(it.len, 0);
	assert_false(http_list_next(l, strlen(l), &pos, &it));
	http_date_format(784111777, d);
	assert_string_equal(d, "Sun, 06 Nov 1994 08:49:37 GMT");
	assert_int_equal(http_date_parse(d, HTTP_DATE_LEN, &t), 0);
	assert_int_equal(t, 784111777);
	assert_int_equal(
		http_date_parse("Sunday, 06-Nov-94 08:49:37 GMT", 30, &t), 0);
	assert_int_equal(t, 784111777);
	assert_int_equal(http_date_parse("Sun Nov  6 08:49:37 1994", 24, &t),
			 0);
	assert_int_equal(t, 784111777);
	assert_int_equal(
		http_date_parse("Sun, 06 Nov 1994 08:49:37 UTC", 29, &t), -1);
	assert_int_equal(http_date_parse("yesterday", 9, &t), -1);
	assert_true(http_token_eq("Chunked", 7, "chunked"));
	assert_false(http_token_eq("chunk", 5, "chunked"));
}

/* --- chunked bodies --- */

struct chunk_case {
	const char *text; /* the body, then possibly the next request */
	enum http_chunked_status want;
	size_t used; /* bytes of the body when DONE */
};

#define CHUNK_MAX_BODY 16

/* Fed whole, then a byte at a time: the same result and length. */
static void
chunk_check(const struct chunk_case *k)
{
	size_t len = strlen(k->text), used, i, total = 0;
	struct http_chunked d;
	enum http_chunked_status st = HTTP_CHUNKED_AGAIN;
	char *buf = malloc(len ? len : 1);

	assert_non_null(buf);
	memcpy(buf, k->text, len);
	http_chunked_init(&d, CHUNK_MAX_BODY);
	st = http_chunked_feed(&d, buf, len, &used);
	if (st != k->want || (st == HTTP_CHUNKED_DONE && used != k->used))
		fail_msg("\"%s\": %d after %zu, want %d", k->text, st, used,
			 k->want);
	http_chunked_init(&d, CHUNK_MAX_BODY);
	st = HTTP_CHUNKED_AGAIN;
	for (i = 0; i < len && st == HTTP_CHUNKED_AGAIN; i++) {
		st = http_chunked_feed(&d, buf + i, 1, &used);
		total += used;
	}
	if (st != k->want || (st == HTTP_CHUNKED_DONE && total != k->used))
		fail_msg("\"%s\" bytewise: %d after %zu, want %d", k->text, st,
			 total, k->want);
	free(buf);
}

static void
test_chunked(void **state)
{
	static const struct chunk_case cases[] = {
		{"0\r\n\r\n", HTTP_CHUNKED_DONE, 5},
		{"0\r\n\r\nGET / HTTP/1.1\r\n", HTTP_CHUNKED_DONE, 5},
		{"5\r\nhello\r\n0\r\n\r\n", HTTP_CHUNKED_DONE, 15},
		{"5\r\nhello\r\n6\r\n world\r\n000\r\n\r\nX", HTTP_CHUNKED_DONE,
		 28},
		{"A\r\n0123456789\r\n0\r\n\r\n", HTTP_CHUNKED_DONE, 20},
		{"a;name=v ; x=\"q\"\r\n0123456789\r\n0\r\n\r\n",
		 HTTP_CHUNKED_DONE, 35},
		{"2 ;x\r\nab\r\n0\r\nT: 1\r\nU: 2\r\n\r\n", HTTP_CHUNKED_DONE,
		 27},
		{"2\t \t;x\r\nab\r\n0\r\nT:\r\n\r\n", HTTP_CHUNKED_DONE, 21},
		/* exactly max_body, then one byte past it */
		{"10\r\n0123456789abcdef\r\n0\r\n\r\n", HTTP_CHUNKED_DONE, 27},
		{"11\r\n", HTTP_CHUNKED_TOO_LARGE, 0},
		{"8\r\n01234567\r\n9\r\n", HTTP_CHUNKED_TOO_LARGE, 0},
		{"ffffffffffffffffff\r\n", HTTP_CHUNKED_TOO_LARGE, 0},
		/* incomplete: more wanted */
		{"5\r\nhel", HTTP_CHUNKED_AGAIN, 0},
		{"0\r\n", HTTP_CHUNKED_AGAIN, 0},
		{"0\r\nT: 1\r\n", HTTP_CHUNKED_AGAIN, 0},
		/* malformed */
		{"\r\n", HTTP_CHUNKED_BAD, 0},
		{"x\r\n", HTTP_CHUNKED_BAD, 0},
		{"-1\r\n", HTTP_CHUNKED_BAD, 0},
		{"5x\r\nhello\r\n0\r\n\r\n", HTTP_CHUNKED_BAD, 0},
		{"5\nhello\r\n0\r\n\r\n", HTTP_CHUNKED_BAD, 0},
		{"5\r\nhello\n0\r\n\r\n", HTTP_CHUNKED_BAD, 0},
		{"5\r\nhelloX\r\n0\r\n\r\n", HTTP_CHUNKED_BAD, 0},
		{"0\r\n\n", HTTP_CHUNKED_BAD, 0},
		{"0\r\nT: 1\n\r\n", HTTP_CHUNKED_BAD, 0},
		{"0;a\x01\r\n\r\n", HTTP_CHUNKED_BAD, 0},
		/* whitespace after the size leads to ";" only */
		{"1 2\r\na\r\n0\r\n\r\n", HTTP_CHUNKED_BAD, 0},
		{"1 \r\na\r\n0\r\n\r\n", HTTP_CHUNKED_BAD, 0},
		/* trailer lines are field lines: a request after a "0\r\n"
		 * short of its final CRLF is not swallowed as trailers */
		{"0\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n", HTTP_CHUNKED_BAD, 0},
		{"0\r\nT\r\n\r\n", HTTP_CHUNKED_BAD, 0},
		{"0\r\n: v\r\n\r\n", HTTP_CHUNKED_BAD, 0},
		{"0\r\nT : v\r\n\r\n", HTTP_CHUNKED_BAD, 0},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		chunk_check(&cases[i]);
}

/* Over-long size lines and trailers are refused, not buffered. */
static void
test_chunked_limits(void **state)
{
	char *buf = malloc(HTTP_CHUNKED_MAX_TRAILER + 16);
	struct http_chunked d;
	size_t used;

	(void)state;
	assert_non_null(buf);
	buf[0] = '1';
	buf[1] = ';';
	memset(buf + 2, 'e', HTTP_CHUNKED_MAX_LINE);
	http_chunked_init(&d, CHUNK_MAX_BODY);
	assert_int_equal(
		http_chunked_feed(&d, buf, HTTP_CHUNKED_MAX_LINE + 2, &used),
		HTTP_CHUNKED_BAD);
	memcpy(buf, "0\r\nX: ", 6);
	memset(buf + 6, 'v', HTTP_CHUNKED_MAX_TRAILER);
	http_chunked_init(&d, CHUNK_MAX_BODY);
	assert_int_equal(
		http_chunked_feed(&d, buf, HTTP_CHUNKED_MAX_TRAILER + 6, &used),
		HTTP_CHUNKED_BAD);
	free(buf);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good_requests),
		cmocka_unit_test(test_bad_request_line),
		cmocka_unit_test(test_bad_headers),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_fields),
		cmocka_unit_test(test_methods_and_pipeline),
		cmocka_unit_test(test_lists_and_dates),
		cmocka_unit_test(test_chunked),
		cmocka_unit_test(test_chunked_limits),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
