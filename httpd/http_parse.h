/*
 * http_parse: a pure, resumable HTTP/1.x request-head parser (RFC 9112).
 *
 * http_parse_request() walks the bytes of one request head, from the
 * start of the request, and may be called again with more bytes: it
 * resumes where it stopped.  It does no I/O, allocation or logging, and
 * records offsets into the caller's buffer rather than copies.  The
 * caller owns the buffer, its size limit (414/431) and every policy.
 */
#ifndef LABGATE_HTTP_PARSE_H
#define LABGATE_HTTP_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HTTP_PARSE_MAX_METHOD 16 /* bytes; longer is "not implemented" */

enum http_parse_status {
	HTTP_PARSE_OK = 0,              /* the head is complete */
	HTTP_PARSE_AGAIN,               /* need more bytes */
	HTTP_PARSE_BAD_REQUEST_LINE,    /* 400 */
	HTTP_PARSE_BAD_METHOD,          /* 400: not a token */
	HTTP_PARSE_METHOD_TOO_LONG,     /* 501 */
	HTTP_PARSE_BAD_TARGET,          /* 400 */
	HTTP_PARSE_TARGET_TOO_LONG,     /* 414 */
	HTTP_PARSE_BAD_VERSION,         /* 400 */
	HTTP_PARSE_VERSION_UNSUPPORTED, /* 505 */
	HTTP_PARSE_BAD_HEADER,          /* 400 */
	HTTP_PARSE_OBS_FOLD,            /* 400: RFC 9112 5.2 */
	HTTP_PARSE_TOO_MANY_HEADERS,    /* 431 */
	HTTP_PARSE_DUPLICATE_HEADER,    /* 400: Host, Content-Length */
	HTTP_PARSE_BAD_CONTENT_LENGTH,  /* 400 */
	HTTP_PARSE_CL_AND_TE,           /* 400: RFC 9112 6.1, smuggling */
	HTTP_PARSE_BAD_TRANSFER_CODING, /* 501 */
	HTTP_PARSE_NO_HOST,             /* 400: RFC 9112 3.2 */
	HTTP_PARSE_STATUS_COUNT
};

enum http_method {
	HTTP_METHOD_OTHER = 0, /* a token we do not implement: 501 */
	HTTP_METHOD_GET,
	HTTP_METHOD_HEAD,
	HTTP_METHOD_POST, /* known methods we refuse: 405 */
	HTTP_METHOD_PUT,
	HTTP_METHOD_DELETE,
	HTTP_METHOD_OPTIONS,
	HTTP_METHOD_PATCH,
	HTTP_METHOD_TRACE,
	HTTP_METHOD_CONNECT,
};

/* Header fields the server acts on; their values are kept as spans. */
enum http_header {
	HTTP_H_HOST,
	HTTP_H_CONNECTION,
	HTTP_H_CONTENT_LENGTH,
	HTTP_H_TRANSFER_ENCODING,
	HTTP_H_IF_NONE_MATCH,
	HTTP_H_IF_MODIFIED_SINCE,
	HTTP_H_RANGE,
	HTTP_H_IF_RANGE,
	HTTP_H_ACCEPT_ENCODING,
	HTTP_H_USER_AGENT,
	HTTP_H_REFERER,
	HTTP_H_IF_MATCH,
	HTTP_H_IF_UNMODIFIED_SINCE,
	HTTP_H_COUNT
};

/* Bytes [off, off + len) of the request's buffer; len 0 and off 0: absent. */
struct http_span {
	uint32_t off;
	uint32_t len;
};

struct http_request {
	enum http_method method;
	struct http_span method_s;
	struct http_span target; /* as sent */
	struct http_span path;   /* origin-form path, still encoded */
	struct http_span query;  /* after '?', or empty */
	unsigned version_major;
	unsigned version_minor; /* 1.x with x > 1 reads as 1.1 */
	struct http_span headers[HTTP_H_COUNT];
	bool has_header[HTTP_H_COUNT];
	unsigned header_count;
	uint64_t content_length; /* 0 when absent */
	bool te_chunked;         /* Transfer-Encoding ends in chunked */
	bool conn_close;         /* Connection: close */
	bool conn_keep_alive;    /* Connection: keep-alive */
	uint32_t head_len;       /* bytes of the head, final CRLF included */
};

struct http_parser {
	unsigned state;
	uint32_t pos;      /* next byte to read */
	uint32_t mark;     /* start of the current token */
	uint32_t name_end; /* header: end of the name */
	uint32_t value_start;
	uint32_t value_end;   /* last non-blank byte + 1 */
	bool value_blank;     /* SP or HTAB inside the value */
	unsigned max_headers; /* 431 past this many */
	uint32_t max_target;  /* 414 past this many bytes */
	struct http_request req;
};

/* Resets p for a new request; limits stay as set by the caller. */
void http_parser_init(struct http_parser *p, unsigned max_headers,
		      uint32_t max_target);

/*
 * Parses buf[p->pos .. len), where buf holds the request from its first
 * byte.  Returns HTTP_PARSE_OK with p->req filled (p->req.head_len is
 * where the body or the next request starts), HTTP_PARSE_AGAIN to be
 * called again with the same bytes and more, or an error.  After an error
 * the parser must be re-initialised.
 */
enum http_parse_status http_parse_request(struct http_parser *p,
					  const char *buf, size_t len);

/* The HTTP status a parse error calls for (400, 414, 431, 501, 505). */
int http_parse_status_code(enum http_parse_status st);
/* A fixed, short reason for logs ("bad request line", ...). */
const char *http_parse_strerror(enum http_parse_status st);
/* Whether the parser is still in the request line (so a full buffer means 414). */
bool http_parse_in_request_line(const struct http_parser *p);
/*
 * A chunked request body (RFC 9112 7.1), decoded and dropped: pure and
 * resumable like the head parser.  Lines must end in CRLF (a bare LF is
 * refused: it is how bodies get smuggled past proxies that disagree).
 */
#define HTTP_CHUNKED_MAX_LINE    4096 /* bytes of a chunk-size line */
#define HTTP_CHUNKED_MAX_TRAILER 8192 /* bytes of the trailer section */

enum http_chunked_status {
	HTTP_CHUNKED_DONE,      /* the body ended: *used bytes were its end */
	HTTP_CHUNKED_AGAIN,     /* every byte used; feed more */
	HTTP_CHUNKED_BAD,       /* 400 */
	HTTP_CHUNKED_TOO_LARGE, /* 413: data past max_body */
};

struct http_chunked {
	unsigned state;
	uint64_t left;     /* chunk size being read, then data bytes left */
	uint64_t total;    /* data bytes so far */
	uint64_t max_body; /* 413 past this many data bytes */
	uint32_t line;     /* bytes of the current size line */
	uint32_t trailer;  /* bytes of the trailer section */
};

/* Starts decoding a body of at most max_body data bytes. */
void http_chunked_init(struct http_chunked *d, uint64_t max_body);
/*
 * Decodes buf[0..len), the next bytes of the body; *used gets how many
 * were part of it (all of them unless DONE).  After BAD or TOO_LARGE the
 * decoder must be re-initialised.
 */
enum http_chunked_status http_chunked_feed(struct http_chunked *d,
					   const char *buf, size_t len,
					   size_t *used);

/* "GET" ... for a known method, NULL for OTHER. */
const char *http_method_name(enum http_method m);

#endif
