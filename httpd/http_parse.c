/*
 * http_parse: the request-head state machine (see http_parse.h).
 *
 * One flat switch over a state saved in the parser, as nginx does it.
 * Grammar (RFC 9112): request-line = method SP request-target SP
 * HTTP-version CRLF; field-line = field-name ":" OWS field-value OWS.
 * Deliberately strict: single SP separators, no whitespace before the
 * colon, no obs-fold, no CTLs; a bare LF is accepted as a line end
 * (RFC 9112 2.2), a bare CR is not.
 */
#include "http_parse.h"

#include <string.h>

#include "http_util.h"
#include "num.h"

enum {
	S_START = 0, /* before the method; empty lines are skipped */
	S_START_LF,  /* CR seen before the method */
	S_METHOD,
	S_TARGET_START,
	S_TARGET_ABS,  /* "http://" */
	S_TARGET_AUTH, /* authority of an absolute-form target */
	S_TARGET,      /* path */
	S_QUERY,
	S_VERSION, /* "HTTP/" */
	S_VER_MAJOR,
	S_VER_DOT,
	S_VER_MINOR,
	S_VER_END, /* CR or LF */
	S_RL_LF,   /* CR seen after the version */
	S_HDR_START,
	S_HDR_NAME,
	S_HDR_OWS,
	S_HDR_VALUE,
	S_HDR_LF,
	S_END_LF,
};

static const struct {
	const char *name;
	size_t len;
	enum http_method method;
} http_methods[] = {
	{"GET", 3, HTTP_METHOD_GET},
	{"HEAD", 4, HTTP_METHOD_HEAD},
	{"POST", 4, HTTP_METHOD_POST},
	{"PUT", 3, HTTP_METHOD_PUT},
	{"DELETE", 6, HTTP_METHOD_DELETE},
	{"OPTIONS", 7, HTTP_METHOD_OPTIONS},
	{"PATCH", 5, HTTP_METHOD_PATCH},
	{"TRACE", 5, HTTP_METHOD_TRACE},
	{"CONNECT", 7, HTTP_METHOD_CONNECT},
};

static const struct {
	const char *name;
	size_t len;
} http_header_names[HTTP_H_COUNT] = {
	[HTTP_H_HOST] = {"host", 4},
	[HTTP_H_CONNECTION] = {"connection", 10},
	[HTTP_H_CONTENT_LENGTH] = {"content-length", 14},
	[HTTP_H_TRANSFER_ENCODING] = {"transfer-encoding", 17},
	[HTTP_H_IF_NONE_MATCH] = {"if-none-match", 13},
	[HTTP_H_IF_MODIFIED_SINCE] = {"if-modified-since", 17},
	[HTTP_H_RANGE] = {"range", 5},
	[HTTP_H_IF_RANGE] = {"if-range", 8},
	[HTTP_H_ACCEPT_ENCODING] = {"accept-encoding", 15},
	[HTTP_H_USER_AGENT] = {"user-agent", 10},
	[HTTP_H_REFERER] = {"referer", 7},
	[HTTP_H_IF_MATCH] = {"if-match", 8},
	[HTTP_H_IF_UNMODIFIED_SINCE] = {"if-unmodified-since", 19},
};

static const struct {
	int code;
	const char *text;
} http_parse_errors[HTTP_PARSE_STATUS_COUNT] = {
	[HTTP_PARSE_OK] = {200, "ok"},
	[HTTP_PARSE_AGAIN] = {0, "incomplete"},
	[HTTP_PARSE_BAD_REQUEST_LINE] = {400, "bad request line"},
	[HTTP_PARSE_BAD_METHOD] = {400, "bad method"},
	[HTTP_PARSE_METHOD_TOO_LONG] = {501, "method too long"},
	[HTTP_PARSE_BAD_TARGET] = {400, "bad request target"},
	[HTTP_PARSE_TARGET_TOO_LONG] = {414, "request target too long"},
	[HTTP_PARSE_BAD_VERSION] = {400, "bad HTTP version"},
	[HTTP_PARSE_VERSION_UNSUPPORTED] = {505, "unsupported HTTP version"},
	[HTTP_PARSE_BAD_HEADER] = {400, "bad header field"},
	[HTTP_PARSE_OBS_FOLD] = {400, "folded header field"},
	[HTTP_PARSE_TOO_MANY_HEADERS] = {431, "too many header fields"},
	[HTTP_PARSE_DUPLICATE_HEADER] = {400, "duplicate header field"},
	[HTTP_PARSE_BAD_CONTENT_LENGTH] = {400, "bad Content-Length"},
	[HTTP_PARSE_CL_AND_TE] = {400, "Content-Length with Transfer-Encoding"},
	[HTTP_PARSE_BAD_TRANSFER_CODING] = {501, "unsupported transfer coding"},
	[HTTP_PARSE_NO_HOST] = {400, "HTTP/1.1 request without Host"},
};

int
http_parse_status_code(enum http_parse_status st)
{
	if ((unsigned)st >= HTTP_PARSE_STATUS_COUNT)
		return 400;
	return http_parse_errors[st].code;
}

const char *
http_parse_strerror(enum http_parse_status st)
{
	if ((unsigned)st >= HTTP_PARSE_STATUS_COUNT)
		return "unknown";
	return http_parse_errors[st].text;
}

const char *
http_method_name(enum http_method m)
{
	size_t i;

	for (i = 0; i < sizeof(http_methods) / sizeof(http_methods[0]); i++) {
		if (http_methods[i].method == m)
			return http_methods[i].name;
	}
	return NULL;
}

bool
http_parse_in_request_line(const struct http_parser *p)
{
	return p->state < S_HDR_START;
}

void
http_parser_init(struct http_parser *p, unsigned max_headers,
		 uint32_t max_target)
{
	memset(p, 0, sizeof(*p));
	p->max_headers = max_headers;
	p->max_target = max_target;
}

static enum http_method
http_method_lookup(const char *s, size_t len)
{
	size_t i;

	/* Methods are case-sensitive (RFC 9110 9.1); GET is most of them. */
	if (len == 3 && s[0] == 'G' && s[1] == 'E' && s[2] == 'T')
		return HTTP_METHOD_GET;
	for (i = 0; i < sizeof(http_methods) / sizeof(http_methods[0]); i++) {
		if (http_methods[i].len == len &&
		    memcmp(http_methods[i].name, s, len) == 0)
			return http_methods[i].method;
	}
	return HTTP_METHOD_OTHER;
}

/*
 * Whether the field name s[0..len) equals lc, a lowercase name made of
 * letters and '-'.  s holds tchars only (the parser checked), and for a
 * tchar b, (b | 0x20) is a lowercase letter only when b is that letter
 * in either case, and '-' only when b is '-': one OR folds the case.
 */
static inline bool
http_name_eq(const char *s, const char *lc, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		if (((unsigned char)s[i] | 0x20) != (unsigned char)lc[i])
			return false;
	}
	return true;
}

static int
http_header_lookup(const char *s, size_t len)
{
	int i;

	for (i = 0; i < HTTP_H_COUNT; i++) {
		if (http_header_names[i].len == len &&
		    http_name_eq(s, http_header_names[i].name, len))
			return i;
	}
	return -1;
}

/* Content-Length = 1*DIGIT (RFC 9110 8.6); a list of equal values too. */
static enum http_parse_status
http_content_length(struct http_request *r, const char *v, size_t len)
{
	size_t pos = 0;
	struct http_span item;
	uint64_t n, seen = 0;
	bool any = false;
	size_t i;

	while (http_list_next(v, len, &pos, &item)) {
		if (item.len == 0 || item.len > 18)
			return HTTP_PARSE_BAD_CONTENT_LENGTH;
		n = 0;
		for (i = item.off; i < item.off + item.len; i++) {
			if (v[i] < '0' || v[i] > '9')
				return HTTP_PARSE_BAD_CONTENT_LENGTH;
			n = n * 10 + (uint64_t)(v[i] - '0');
		}
		if (any && n != seen)
			return HTTP_PARSE_BAD_CONTENT_LENGTH;
		seen = n;
		any = true;
	}
	if (!any)
		return HTTP_PARSE_BAD_CONTENT_LENGTH;
	if (r->has_header[HTTP_H_CONTENT_LENGTH] && r->content_length != seen)
		return HTTP_PARSE_DUPLICATE_HEADER;
	r->content_length = seen;
	return HTTP_PARSE_OK;
}

/* Transfer-Encoding: only "chunked", once, last (RFC 9112 6.1, 7). */
static enum http_parse_status
http_transfer_encoding(struct http_request *r, const char *v, size_t len)
{
	size_t pos = 0;
	struct http_span item;
	unsigned n = 0;

	if (r->has_header[HTTP_H_TRANSFER_ENCODING])
		return HTTP_PARSE_BAD_TRANSFER_CODING;
	while (http_list_next(v, len, &pos, &item)) {
		if (item.len == 0)
			continue;
		if (n++ > 0 ||
		    !http_token_eq(v + item.off, item.len, "chunked"))
			return HTTP_PARSE_BAD_TRANSFER_CODING;
	}
	if (n == 0)
		return HTTP_PARSE_BAD_TRANSFER_CODING;
	r->te_chunked = true;
	return HTTP_PARSE_OK;
}

static void
http_connection(struct http_request *r, const char *v, size_t len)
{
	size_t pos = 0;
	struct http_span item;

	while (http_list_next(v, len, &pos, &item)) {
		if (http_token_eq(v + item.off, item.len, "close"))
			r->conn_close = true;
		else if (http_token_eq(v + item.off, item.len, "keep-alive"))
			r->conn_keep_alive = true;
	}
}

/* A complete field line: count it, and keep the value if we use it. */
static enum http_parse_status
http_header_done(struct http_parser *p, const char *buf)
{
	struct http_request *r = &p->req;
	const char *v = buf + p->value_start;
	size_t vlen = p->value_end - p->value_start;
	enum http_parse_status st = HTTP_PARSE_OK;
	int h;

	if (++r->header_count > p->max_headers)
		return HTTP_PARSE_TOO_MANY_HEADERS;
	h = http_header_lookup(buf + p->mark, p->name_end - p->mark);
	if (h < 0)
		return HTTP_PARSE_OK;
	switch (h) {
	case HTTP_H_HOST:
		if (r->has_header[h])
			return HTTP_PARSE_DUPLICATE_HEADER;
		if (p->value_blank || memchr(v, '/', vlen) != NULL)
			return HTTP_PARSE_BAD_HEADER;
		break;
	case HTTP_H_CONTENT_LENGTH:
		st = http_content_length(r, v, vlen);
		break;
	case HTTP_H_TRANSFER_ENCODING:
		st = http_transfer_encoding(r, v, vlen);
		break;
	case HTTP_H_CONNECTION:
		http_connection(r, v, vlen);
		break;
	default:
		break;
	}
	if (st != HTTP_PARSE_OK)
		return st;
	r->has_header[h] = true;
	r->headers[h].off = p->value_start;
	r->headers[h].len = (uint32_t)vlen;
	return HTTP_PARSE_OK;
}

/* The empty line at pos: checks that need the whole head (RFC 9112 3.2, 6.1). */
static enum http_parse_status
http_head_done(struct http_parser *p, uint32_t pos)
{
	struct http_request *r = &p->req;

	r->head_len = pos + 1;
	if (r->has_header[HTTP_H_TRANSFER_ENCODING]) {
		if (r->has_header[HTTP_H_CONTENT_LENGTH])
			return HTTP_PARSE_CL_AND_TE;
		if (r->version_minor == 0)
			return HTTP_PARSE_BAD_HEADER;
	}
	if (r->version_minor >= 1 && !r->has_header[HTTP_H_HOST])
		return HTTP_PARSE_NO_HOST;
	return HTTP_PARSE_OK;
}

/* The method ends at pos (the SP). */
static void
http_method_done(struct http_parser *p, const char *buf, uint32_t pos)
{
	struct http_request *r = &p->req;

	r->method_s.off = p->mark;
	r->method_s.len = pos - p->mark;
	r->method = http_method_lookup(buf + p->mark, r->method_s.len);
}

/* The target ends at pos (the SP). */
static void
http_target_done(struct http_parser *p, uint32_t pos)
{
	struct http_request *r = &p->req;

	r->target.len = pos - r->target.off;
	if (r->query.off != 0)
		r->query.len = pos - r->query.off;
	else
		r->path.len = pos - r->path.off;
}

/*
 * Runs of ordinary bytes are consumed by these loops rather than one turn
 * of the state machine each.  Each takes the position of a byte already
 * judged part of the run, returns the position of the run's last byte,
 * and stops before any byte the state machine must judge.
 */

/* A method's tchars, up to HTTP_PARSE_MAX_METHOD (the byte past that
 * bound is left for the caller's length check). */
static uint32_t
http_skip_method(const struct http_parser *p, const char *buf, size_t len,
		 uint32_t pos)
{
	size_t end = (size_t)p->mark + HTTP_PARSE_MAX_METHOD;

	if (end > len)
		end = len;
	while (pos + 1 < end && http_is_tchar((unsigned char)buf[pos + 1]))
		pos++;
	return pos;
}

/* A path or query; a byte at the max_target bound is left for the
 * caller's length check. */
static uint32_t
http_skip_target(const struct http_parser *p, const char *buf, size_t len,
		 uint32_t pos)
{
	size_t end = (size_t)p->req.target.off + p->max_target;

	if (end > len)
		end = len;
	while (pos + 1 < end &&
	       (http_char_class[(unsigned char)buf[pos + 1]] & HTTP_CC_PATH))
		pos++;
	return pos;
}

/* A field name's tchars. */
static uint32_t
http_skip_name(const char *buf, size_t len, uint32_t pos)
{
	while (pos + 1 < len && http_is_tchar((unsigned char)buf[pos + 1]))
		pos++;
	return pos;
}

/* A field value, up to its line end; value_end follows the last
 * field-vchar, so trailing OWS is dropped.  Blanks inside a value are
 * rare: runs of field-vchars are taken first. */
static uint32_t
http_skip_value(struct http_parser *p, const char *buf, size_t len,
		uint32_t pos)
{
	uint32_t blank;

	for (;;) {
		while (pos + 1 < len &&
		       (http_char_class[(unsigned char)buf[pos + 1]] &
			HTTP_CC_VCHAR))
			pos++;
		p->value_end = pos + 1;
		blank = pos;
		while (blank + 1 < len &&
		       (http_char_class[(unsigned char)buf[blank + 1]] &
			HTTP_CC_WS))
			blank++;
		if (blank == pos || blank + 1 >= len ||
		    !(http_char_class[(unsigned char)buf[blank + 1]] &
		      HTTP_CC_VCHAR))
			return blank;
		p->value_blank = true;
		pos = blank + 1;
	}
}

/*
 * Fast paths for the usual shapes, taken only when the whole line is in
 * buf: they record exactly what the state machine would, and anything
 * else (another method, a query, a split feed, an empty value, a bare
 * LF, a byte it must judge) is left to the machine, byte by byte.
 */

/* "GET /path HTTP/1.x\r\n" at the start: the position of its LF, or 0. */
static uint32_t
http_fast_request_line(struct http_parser *p, const char *buf, size_t len)
{
	struct http_request *r = &p->req;
	/* the machine refuses a path byte at 4 + max_target or beyond */
	size_t end = 4 + (size_t)p->max_target, q = 5;

	if (len < 16 || memcmp(buf, "GET /", 5) != 0)
		return 0;
	if (end > len)
		end = len;
	while (q < end &&
	       (http_char_class[(unsigned char)buf[q]] & HTTP_CC_PATH))
		q++;
	if (q + 11 > len || memcmp(buf + q, " HTTP/1.", 8) != 0 ||
	    (buf[q + 8] != '0' && buf[q + 8] != '1') || buf[q + 9] != '\r' ||
	    buf[q + 10] != '\n')
		return 0;
	r->method = HTTP_METHOD_GET;
	r->method_s.len = 3;
	r->target.off = r->path.off = 4;
	r->target.len = r->path.len = (uint32_t)(q - 4);
	r->version_major = 1;
	r->version_minor = (unsigned)(buf[q + 8] - '0');
	p->mark = (uint32_t)q + 1;
	return (uint32_t)q + 10;
}

/*
 * "name: value\r\n" from its first byte at pos: the position of its LF
 * with the field recorded (*st: what the field's checks say), or 0.
 */
static uint32_t
http_fast_field_line(struct http_parser *p, const char *buf, size_t len,
		     uint32_t pos, enum http_parse_status *st)
{
	uint32_t colon = http_skip_name(buf, len, pos) + 1, value, last;

	if (colon >= len || buf[colon] != ':')
		return 0;
	value = colon + 1;
	while (value < len && (buf[value] == ' ' || buf[value] == '\t'))
		value++;
	if (value >= len || !http_is_field_vchar((unsigned char)buf[value]))
		return 0;
	/* value_end and value_blank: set again by the machine if it must */
	p->value_blank = false;
	last = http_skip_value(p, buf, len, value);
	if ((size_t)last + 2 >= len || buf[last + 1] != '\r' ||
	    buf[last + 2] != '\n')
		return 0;
	p->mark = pos;
	p->name_end = colon;
	p->value_start = value;
	*st = http_header_done(p, buf);
	return last + 2;
}

/*
 * The scan position and state are locals while the loop runs, saved to
 * the parser when it stops: buf is char data, which may alias *p, so
 * fields of *p would be reloaded from memory after every store.
 */
enum http_parse_status
http_parse_request(struct http_parser *p, const char *buf, size_t len)
{
	struct http_request *r = &p->req;
	enum http_parse_status st = HTTP_PARSE_AGAIN, field;
	uint32_t pos = p->pos, lf;
	unsigned state = p->state;
	unsigned char c;

	if (len > UINT32_MAX)
		len = UINT32_MAX;
	if (pos == 0 && state == S_START &&
	    (lf = http_fast_request_line(p, buf, len)) != 0) {
		pos = lf + 1;
		state = S_HDR_START;
	}
	for (; pos < len; pos++) {
		c = (unsigned char)buf[pos];
		switch (state) {
		case S_START:
			if (c == '\r') {
				state = S_START_LF;
				break;
			}
			if (c == '\n')
				break;
			if (!http_is_tchar(c))
				return HTTP_PARSE_BAD_METHOD;
			p->mark = pos;
			pos = http_skip_method(p, buf, len, pos);
			state = S_METHOD;
			break;
		case S_START_LF:
			if (c != '\n')
				return HTTP_PARSE_BAD_REQUEST_LINE;
			state = S_START;
			break;
		case S_METHOD:
			if (c == ' ') {
				http_method_done(p, buf, pos);
				state = S_TARGET_START;
				break;
			}
			if (!http_is_tchar(c))
				return HTTP_PARSE_BAD_METHOD;
			if (pos - p->mark >= HTTP_PARSE_MAX_METHOD)
				return HTTP_PARSE_METHOD_TOO_LONG;
			pos = http_skip_method(p, buf, len, pos);
			break;
		case S_TARGET_START:
			r->target.off = pos;
			p->mark = pos;
			if (c == '/') {
				r->path.off = pos;
				state = S_TARGET;
			} else if (c == 'h' || c == 'H') {
				state = S_TARGET_ABS;
			} else if (c == '*' &&
				   r->method == HTTP_METHOD_OPTIONS) {
				r->path.off = pos;
				state = S_TARGET;
			} else {
				return c == ' ' ? HTTP_PARSE_BAD_REQUEST_LINE
						: HTTP_PARSE_BAD_TARGET;
			}
			break;
		case S_TARGET_ABS:
			/* absolute-form (RFC 9112 3.2.2): "http://" only */
			if (c != (unsigned char)"http://"[pos - p->mark] &&
			    c != (unsigned char)"HTTP://"[pos - p->mark])
				return HTTP_PARSE_BAD_TARGET;
			if (pos - p->mark == 6) {
				p->mark = pos + 1;
				state = S_TARGET_AUTH;
			}
			break;
		case S_TARGET_AUTH:
			if (c == '/') {
				if (pos == p->mark)
					return HTTP_PARSE_BAD_TARGET;
				r->path.off = pos;
				state = S_TARGET;
				break;
			}
			if (c <= 0x20 || c >= 0x7f || c == '?' || c == '#' ||
			    c == '@')
				return HTTP_PARSE_BAD_TARGET;
			if (pos - r->target.off >= p->max_target)
				return HTTP_PARSE_TARGET_TOO_LONG;
			break;
		case S_TARGET:
		case S_QUERY:
			if (http_char_class[c] & HTTP_CC_PATH) {
				if (pos - r->target.off >= p->max_target)
					return HTTP_PARSE_TARGET_TOO_LONG;
				pos = http_skip_target(p, buf, len, pos);
				break;
			}
			if (c == ' ') {
				http_target_done(p, pos);
				p->mark = pos + 1;
				state = S_VERSION;
				break;
			}
			if (c < 0x21 || c >= 0x7f || c == '#')
				return c == '\r' || c == '\n'
					       ? HTTP_PARSE_BAD_REQUEST_LINE
					       : HTTP_PARSE_BAD_TARGET;
			if (pos - r->target.off >= p->max_target)
				return HTTP_PARSE_TARGET_TOO_LONG;
			if (c == '?' && state == S_TARGET) {
				r->path.len = pos - r->path.off;
				r->query.off = pos + 1;
				state = S_QUERY;
			}
			break;
		case S_VERSION:
			if (pos == p->mark && len - pos >= 5 &&
			    memcmp(buf + pos, "HTTP/", 5) == 0) {
				pos += 4;
				state = S_VER_MAJOR;
				break;
			}
			if (c != (unsigned char)"HTTP/"[pos - p->mark])
				return HTTP_PARSE_BAD_VERSION;
			if (pos - p->mark == 4)
				state = S_VER_MAJOR;
			break;
		case S_VER_MAJOR:
			if (c < '0' || c > '9')
				return HTTP_PARSE_BAD_VERSION;
			r->version_major = c - '0';
			state = S_VER_DOT;
			break;
		case S_VER_DOT:
			if (c != '.')
				return HTTP_PARSE_BAD_VERSION;
			state = S_VER_MINOR;
			break;
		case S_VER_MINOR:
			if (c < '0' || c > '9')
				return HTTP_PARSE_BAD_VERSION;
			r->version_minor = c - '0';
			state = S_VER_END;
			break;
		case S_VER_END:
			if (c != '\r' && c != '\n')
				return HTTP_PARSE_BAD_VERSION;
			if (r->version_major != 1)
				return HTTP_PARSE_VERSION_UNSUPPORTED;
			if (r->version_minor > 1)
				r->version_minor = 1;
			state = c == '\r' ? S_RL_LF : S_HDR_START;
			break;
		case S_RL_LF:
			if (c != '\n')
				return HTTP_PARSE_BAD_REQUEST_LINE;
			state = S_HDR_START;
			break;
		case S_HDR_START:
			/* the final CRLF, both in hand */
			if (c == '\r' && pos + 1 < len &&
			    buf[pos + 1] == '\n') {
				st = http_head_done(p, pos + 1);
				pos++;
				goto out;
			}
			if (c == '\r') {
				state = S_END_LF;
				break;
			}
			if (c == '\n') {
				st = http_head_done(p, pos);
				goto out;
			}
			if (c == ' ' || c == '\t')
				return r->header_count > 0
					       ? HTTP_PARSE_OBS_FOLD
					       : HTTP_PARSE_BAD_HEADER;
			if (!http_is_tchar(c))
				return HTTP_PARSE_BAD_HEADER;
			lf = http_fast_field_line(p, buf, len, pos, &field);
			if (lf != 0) {
				if (field != HTTP_PARSE_OK)
					return field;
				pos = lf; /* state stays S_HDR_START */
				break;
			}
			p->mark = pos;
			pos = http_skip_name(buf, len, pos);
			state = S_HDR_NAME;
			break;
		case S_HDR_NAME:
			if (c == ':') {
				p->name_end = pos;
				state = S_HDR_OWS;
				break;
			}
			if (!http_is_tchar(c))
				return HTTP_PARSE_BAD_HEADER;
			pos = http_skip_name(buf, len, pos);
			break;
		case S_HDR_OWS:
			if (c == ' ' || c == '\t')
				break;
			p->value_start = pos;
			p->value_end = pos;
			p->value_blank = false;
			if (c == '\r' || c == '\n') {
				state = S_HDR_VALUE;
				pos--; /* let S_HDR_VALUE end the line */
				break;
			}
			if (!http_is_field_vchar(c))
				return HTTP_PARSE_BAD_HEADER;
			pos = http_skip_value(p, buf, len, pos);
			state = S_HDR_VALUE;
			break;
		case S_HDR_VALUE:
			if (c == '\r' || c == '\n') {
				st = http_header_done(p, buf);
				if (st != HTTP_PARSE_OK)
					return st;
				st = HTTP_PARSE_AGAIN;
				state = c == '\r' ? S_HDR_LF : S_HDR_START;
				break;
			}
			if (c == ' ' || c == '\t')
				break;
			if (!http_is_field_vchar(c))
				return HTTP_PARSE_BAD_HEADER;
			if (pos != p->value_end) /* blanks came before it */
				p->value_blank = true;
			pos = http_skip_value(p, buf, len, pos);
			break;
		case S_HDR_LF:
			if (c != '\n')
				return HTTP_PARSE_BAD_HEADER;
			state = S_HDR_START;
			break;
		case S_END_LF:
			if (c != '\n')
				return HTTP_PARSE_BAD_HEADER;
			st = http_head_done(p, pos);
			goto out;
		default:
			return HTTP_PARSE_BAD_REQUEST_LINE;
		}
	}
out:
	/* After an error the caller starts again: only these need saving. */
	p->pos = pos;
	p->state = state;
	return st;
}

/* --- chunked bodies (RFC 9112 7.1) --- */

enum {
	C_SIZE0,    /* the first hex digit of a chunk-size */
	C_SIZE,     /* more digits, or what ends them */
	C_SIZE_BWS, /* whitespace after them: only ";" may follow */
	C_EXT,      /* chunk-ext: skipped up to CR */
	C_SIZE_LF,  /* LF after the size line */
	C_DATA,     /* chunk-data */
	C_DATA_CR,  /* CRLF after the data */
	C_DATA_LF,
	C_TRAILER0,    /* the start of a trailer line, or the final CRLF */
	C_TRAILER,     /* a trailer field's name, up to ":" */
	C_TRAILER_VAL, /* its value, up to CR */
	C_TRAILER_LF,
	C_END_LF,
};

void
http_chunked_init(struct http_chunked *d, uint64_t max_body)
{
	memset(d, 0, sizeof(*d));
	d->state = C_SIZE0;
	d->max_body = max_body;
}

/* A byte of a size line (C_SIZE0, C_SIZE, C_EXT). */
static enum http_chunked_status
http_chunked_size(struct http_chunked *d, unsigned char c)
{
	int h = num_hexval(c);

	if (++d->line > HTTP_CHUNKED_MAX_LINE)
		return HTTP_CHUNKED_BAD;
	if ((d->state == C_SIZE0 || d->state == C_SIZE) && h >= 0) {
		if (d->left > (UINT64_MAX >> 4))
			return HTTP_CHUNKED_TOO_LARGE;
		d->left = d->left * 16 + (uint64_t)h;
		if (d->left > d->max_body - d->total)
			return HTTP_CHUNKED_TOO_LARGE;
		d->state = C_SIZE;
		return HTTP_CHUNKED_AGAIN;
	}
	if (d->state == C_SIZE0 || (d->state == C_SIZE_BWS && c == '\r'))
		return HTTP_CHUNKED_BAD;
	if (c == '\r') {
		d->state = C_SIZE_LF;
		return HTTP_CHUNKED_AGAIN;
	}
	/*
	 * BWS ";" ext-name [ "=" value ]: the value is checked only for
	 * stray controls, but "1 2" is refused, not read as 1 (or 0x12).
	 */
	if (d->state != C_EXT) {
		if (c != ';' && c != ' ' && c != '\t')
			return HTTP_CHUNKED_BAD;
		d->state = c == ';' ? C_EXT : C_SIZE_BWS;
		return HTTP_CHUNKED_AGAIN;
	}
	if ((c < 0x20 && c != '\t') || c == 0x7f)
		return HTTP_CHUNKED_BAD;
	return HTTP_CHUNKED_AGAIN;
}

/*
 * A byte of the trailer section (C_TRAILER0, C_TRAILER, C_TRAILER_VAL).
 * Each line must be field-name ":" ...: a request line after a "0\r\n"
 * that lacks its final CRLF is refused, not swallowed as a trailer.
 */
static enum http_chunked_status
http_chunked_trailer(struct http_chunked *d, unsigned char c)
{
	if (++d->trailer > HTTP_CHUNKED_MAX_TRAILER)
		return HTTP_CHUNKED_BAD;
	if (d->state == C_TRAILER_VAL) {
		if (c == '\r')
			d->state = C_TRAILER_LF;
		else if ((c < 0x20 && c != '\t') || c == 0x7f)
			return HTTP_CHUNKED_BAD;
		return HTTP_CHUNKED_AGAIN;
	}
	if (d->state == C_TRAILER0 && c == '\r') {
		d->state = C_END_LF;
		return HTTP_CHUNKED_AGAIN;
	}
	if (d->state == C_TRAILER && c == ':') {
		d->state = C_TRAILER_VAL;
		return HTTP_CHUNKED_AGAIN;
	}
	if (!http_is_tchar(c))
		return HTTP_CHUNKED_BAD;
	d->state = C_TRAILER;
	return HTTP_CHUNKED_AGAIN;
}

/* CR or LF where the grammar wants it; the state that follows. */
static enum http_chunked_status
http_chunked_crlf(struct http_chunked *d, unsigned char c)
{
	switch (d->state) {
	case C_SIZE_LF:
		if (c != '\n')
			return HTTP_CHUNKED_BAD;
		d->line = 0;
		d->state = d->left == 0 ? C_TRAILER0 : C_DATA;
		return HTTP_CHUNKED_AGAIN;
	case C_DATA_CR:
		if (c != '\r')
			return HTTP_CHUNKED_BAD;
		d->state = C_DATA_LF;
		return HTTP_CHUNKED_AGAIN;
	case C_DATA_LF:
		if (c != '\n')
			return HTTP_CHUNKED_BAD;
		d->state = C_SIZE0;
		return HTTP_CHUNKED_AGAIN;
	case C_TRAILER_LF:
		if (c != '\n')
			return HTTP_CHUNKED_BAD;
		d->state = C_TRAILER0;
		return HTTP_CHUNKED_AGAIN;
	default: /* C_END_LF */
		return c == '\n' ? HTTP_CHUNKED_DONE : HTTP_CHUNKED_BAD;
	}
}

enum http_chunked_status
http_chunked_feed(struct http_chunked *d, const char *buf, size_t len,
		  size_t *used)
{
	enum http_chunked_status st = HTTP_CHUNKED_AGAIN;
	size_t i = 0, take;

	while (i < len && st == HTTP_CHUNKED_AGAIN) {
		if (d->state == C_DATA) {
			take = len - i < d->left ? len - i : (size_t)d->left;
			i += take;
			d->left -= take;
			d->total += take;
			if (d->left == 0)
				d->state = C_DATA_CR;
			continue;
		}
		if (d->state <= C_EXT)
			st = http_chunked_size(d, (unsigned char)buf[i]);
		else if (d->state >= C_TRAILER0 && d->state <= C_TRAILER_VAL)
			st = http_chunked_trailer(d, (unsigned char)buf[i]);
		else
			st = http_chunked_crlf(d, (unsigned char)buf[i]);
		i++;
	}
	*used = i;
	return st;
}
