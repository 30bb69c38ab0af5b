/*
 * http_range: byte ranges and conditional requests (RFC 9110 13, 14).
 * Pure functions over header values; the responder applies the result.
 */
#ifndef LABGATE_HTTP_RANGE_H
#define LABGATE_HTTP_RANGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

enum http_range_result {
	HTTP_RANGE_NONE,          /* ignore the header: send 200 */
	HTTP_RANGE_ONE,           /* 206 with the one range */
	HTTP_RANGE_MANY,          /* 206 multipart/byteranges */
	HTTP_RANGE_UNSATISFIABLE, /* 416 */
};

#define HTTP_RANGE_MAX_PARTS 100 /* range-specs in a Range; more: ignored */
/* Ranges in a multipart/byteranges answer, once coalesced; more: 200. */
#define HTTP_RANGE_MAX_MULTI 8

struct http_byte_range {
	uint64_t first, last; /* inclusive */
};

/* The satisfiable ranges, ascending, none overlapping or adjacent. */
struct http_range_set {
	unsigned n;
	struct http_byte_range r[HTTP_RANGE_MAX_MULTI];
};

/*
 * Parses a Range value ("bytes=0-99", "bytes=500-", "bytes=-500", lists)
 * against a representation of `size` bytes into set.  A malformed value
 * or an unknown unit is ignored (RFC 9110 14.2), and so are more than
 * HTTP_RANGE_MAX_MULTI ranges once overlapping and adjacent ones are
 * merged (RFC 9110 14.6 lets a server coalesce them, in any order).
 */
enum http_range_result http_range_parse(const char *v, size_t len,
					uint64_t size,
					struct http_range_set *set);

/*
 * If-None-Match (RFC 9110 13.1.2): whether the list v[0..len) matches
 * `etag` (weak comparison; "*" matches anything).
 */
bool http_etag_match_weak(const char *v, size_t len, const char *etag);

/*
 * If-Match (RFC 9110 13.1.1): whether the list v[0..len) matches `etag`
 * (strong comparison: a weak tag on either side never matches; "*"
 * matches any file).
 */
bool http_etag_match_strong(const char *v, size_t len, const char *etag);

/*
 * If-Range (RFC 9110 13.1.5): whether the condition holds, so the Range
 * applies: a strong ETag equal to etag, or an HTTP-date equal to mtime.
 */
bool http_if_range_holds(const char *v, size_t len, const char *etag,
			 time_t mtime);

/*
 * If-Modified-Since (RFC 9110 13.1.3): true when the date parses and the
 * file is not newer (so 304).  An invalid date is ignored (false).
 */
bool http_not_modified_since(const char *v, size_t len, time_t mtime);

/*
 * If-Unmodified-Since (RFC 9110 13.1.4): true when the date parses and
 * the file is newer (so 412).  An invalid date is ignored (false).
 */
bool http_modified_since(const char *v, size_t len, time_t mtime);

#endif
