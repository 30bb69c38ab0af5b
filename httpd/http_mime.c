/* http_mime: extension to Content-Type (see http_mime.h). */
#include "http_mime.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Sorted by extension for bsearch. */
static const struct http_mime_override http_mime_builtin[] = {
	{"7z", "application/x-7z-compressed"},
	{"avif", "image/avif"},
	{"bin", "application/octet-stream"},
	{"bmp", "image/bmp"},
	{"bz2", "application/x-bzip2"},
	{"css", "text/css; charset=utf-8"},
	{"csv", "text/csv; charset=utf-8"},
	{"gif", "image/gif"},
	{"gz", "application/gzip"},
	{"htm", "text/html; charset=utf-8"},
	{"html", "text/html; charset=utf-8"},
	{"ico", "image/vnd.microsoft.icon"},
	{"iso", "application/octet-stream"},
	{"jpeg", "image/jpeg"},
	{"jpg", "image/jpeg"},
	{"js", "text/javascript; charset=utf-8"},
	{"json", "application/json"},
	{"m4a", "audio/mp4"},
	{"md", "text/markdown; charset=utf-8"},
	{"mjs", "text/javascript; charset=utf-8"},
	{"mp3", "audio/mpeg"},
	{"mp4", "video/mp4"},
	{"oga", "audio/ogg"},
	{"ogg", "audio/ogg"},
	{"ogv", "video/ogg"},
	{"otf", "font/otf"},
	{"pdf", "application/pdf"},
	{"png", "image/png"},
	{"sh", "text/plain; charset=utf-8"},
	{"svg", "image/svg+xml"},
	{"tar", "application/x-tar"},
	{"tgz", "application/gzip"},
	{"ttf", "font/ttf"},
	{"txt", "text/plain; charset=utf-8"},
	{"wasm", "application/wasm"},
	{"wav", "audio/wav"},
	{"webm", "video/webm"},
	{"webp", "image/webp"},
	{"woff", "font/woff"},
	{"woff2", "font/woff2"},
	{"xml", "application/xml"},
	{"xz", "application/x-xz"},
	{"yaml", "application/yaml"},
	{"yml", "application/yaml"},
	{"zip", "application/zip"},
};

static int
http_mime_cmp(const void *key, const void *elem)
{
	const struct http_mime_override *m = elem;

	return strcasecmp(key, m->ext);
}

const char *
http_mime_type(const char *name, const struct http_mime_override *over,
	       size_t n)
{
	const char *dot = strrchr(name, '.');
	const char *slash = strrchr(name, '/');
	const struct http_mime_override *m;
	size_t i;

	if (dot == NULL || (slash != NULL && dot < slash) || dot[1] == '\0' ||
	    strlen(dot + 1) > HTTP_MIME_MAX_EXT)
		return HTTP_MIME_DEFAULT;
	for (i = 0; over != NULL && i < n; i++) {
		if (strcasecmp(dot + 1, over[i].ext) == 0)
			return over[i].type;
	}
	m = bsearch(dot + 1, http_mime_builtin,
		    sizeof(http_mime_builtin) / sizeof(http_mime_builtin[0]),
		    sizeof(http_mime_builtin[0]), http_mime_cmp);
	return m != NULL ? m->type : HTTP_MIME_DEFAULT;
}
