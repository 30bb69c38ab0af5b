/*
 * libFuzzer target for the HTTP request parser, and for what the server
 * does next with a parsed head: the path cleaner and the Range, If-Range
 * and If-None-Match readers, and the chunked body decoder.  The input is
 * parsed whole, again fed in two pieces at a split taken from its first
 * byte, and again a byte at a time (the parser consumes runs of bytes:
 * each run must stop where its feed ends); all must agree.  An odd second
 * byte makes the target limit small, so runs meet it.  Anything may be
 * rejected; nothing may crash, hang, leak or overread.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http_parse.h"
#include "http_path.h"
#include "http_range.h"
#include "http_util.h"

#define FUZZ_MAX_HEADERS  64
#define FUZZ_MAX_TARGET   8192
#define FUZZ_SMALL_TARGET 48   /* an odd data[1]: 1 + data[1] % this */
#define FUZZ_MAX_BYTEWISE 4096 /* longer inputs: quadratic, skipped */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Ranges come out inside the file, ascending, apart. */
static void
fuzz_check_ranges(const struct http_range_set *set, uint64_t size)
{
	unsigned i;

	if (set->n > HTTP_RANGE_MAX_MULTI)
		abort();
	for (i = 0; i < set->n; i++) {
		if (set->r[i].first > set->r[i].last ||
		    set->r[i].last >= size ||
		    (i > 0 && set->r[i].first <= set->r[i - 1].last + 1))
			abort();
	}
}

/* The chunked decoder: whole and byte by byte must agree. */
static void
fuzz_chunked(const char *buf, size_t len)
{
	struct http_chunked a, b;
	enum http_chunked_status sa, sb = HTTP_CHUNKED_AGAIN;
	size_t used, one = 0, i;

	http_chunked_init(&a, 4096);
	sa = http_chunked_feed(&a, buf, len, &used);
	http_chunked_init(&b, 4096);
	for (i = 0; i < len && sb == HTTP_CHUNKED_AGAIN; i++)
		sb = http_chunked_feed(&b, buf + i, 1, &one);
	/* i bytes fed, the last of them used when DONE */
	if (sa != sb || used > len || (sa == HTTP_CHUNKED_DONE && used != i))
		abort();
}

static void
fuzz_use(const struct http_request *r, const char *buf)
{
	char path[HTTP_PATH_MAX];
	size_t plen;
	struct http_range_set set;
	const struct http_span *rg = &r->headers[HTTP_H_RANGE];
	const struct http_span *inm = &r->headers[HTTP_H_IF_NONE_MATCH];
	const struct http_span *ir = &r->headers[HTTP_H_IF_RANGE];

	if (r->path.len > 0 &&
	    http_path_clean(buf + r->path.off, r->path.len, path, sizeof(path),
			    &plen) == HTTP_PATH_OK &&
	    (path[0] != '/' || strstr(path, "/../") != NULL ||
	     strlen(path) != plen))
		abort(); /* a cleaned path never climbs */
	if (r->has_header[HTTP_H_RANGE] &&
	    http_range_parse(buf + rg->off, rg->len, 1000, &set) !=
		    HTTP_RANGE_NONE)
		fuzz_check_ranges(&set, 1000);
	if (r->has_header[HTTP_H_IF_NONE_MATCH])
		(void)http_etag_match_weak(buf + inm->off, inm->len, "\"1-2\"");
	if (r->has_header[HTTP_H_IF_RANGE])
		(void)http_if_range_holds(buf + ir->off, ir->len, "\"1-2\"", 0);
}

/* Fed buf[0..i) for i = 1, 2, ...: the same status and fields as whole. */
static void
fuzz_bytewise(const struct http_parser *whole, enum http_parse_status a,
	      const char *buf, size_t size, uint32_t max_target)
{
	struct http_parser p;
	enum http_parse_status b = HTTP_PARSE_AGAIN;
	size_t i;

	http_parser_init(&p, FUZZ_MAX_HEADERS, max_target);
	for (i = 1; i <= size && b == HTTP_PARSE_AGAIN; i++)
		b = http_parse_request(&p, buf, i);
	if (a != b || (a == HTTP_PARSE_OK &&
		       memcmp(&whole->req, &p.req, sizeof(p.req)) != 0))
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct http_parser whole, split;
	enum http_parse_status a, b;
	const char *buf = (const char *)data;
	uint32_t max_target = FUZZ_MAX_TARGET;
	size_t cut;

	if (size > 65536)
		return 0;
	if (size > 1 && (data[1] & 1))
		max_target = 1 + data[1] % FUZZ_SMALL_TARGET;
	http_parser_init(&whole, FUZZ_MAX_HEADERS, max_target);
	a = http_parse_request(&whole, buf, size);
	if (a == HTTP_PARSE_OK) {
		if (whole.req.head_len > size)
			abort();
		fuzz_use(&whole.req, buf);
		if (whole.req.te_chunked)
			fuzz_chunked(buf + whole.req.head_len,
				     size - whole.req.head_len);
	}
	cut = size > 0 ? data[0] % (size + 1) : 0;
	http_parser_init(&split, FUZZ_MAX_HEADERS, max_target);
	b = http_parse_request(&split, buf, cut);
	if (b == HTTP_PARSE_AGAIN)
		b = http_parse_request(&split, buf, size);
	if (a != b || (a == HTTP_PARSE_OK &&
		       memcmp(&whole.req, &split.req, sizeof(whole.req)) != 0))
		abort();
	if (size <= FUZZ_MAX_BYTEWISE)
		fuzz_bytewise(&whole, a, buf, size, max_target);
	return 0;
}
