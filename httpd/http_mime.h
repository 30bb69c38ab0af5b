/*
 * http_mime: Content-Type from a file name's extension.  A built-in
 * table of the common types, overridden by the `mime_types` config list.
 */
#ifndef LABGATE_HTTP_MIME_H
#define LABGATE_HTTP_MIME_H

#include <stddef.h>

#define HTTP_MIME_DEFAULT "application/octet-stream"
#define HTTP_MIME_MAX_EXT 16 /* bytes of an extension we look up */

struct http_mime_override {
	const char *ext; /* lowercase, no dot */
	const char *type;
};

/*
 * The type for `name` (a path or a file name): the overrides first
 * (n entries, may be NULL), then the built-in table, else
 * HTTP_MIME_DEFAULT.  Extensions compare without case.
 */
const char *http_mime_type(const char *name,
			   const struct http_mime_override *over, size_t n);

#endif
