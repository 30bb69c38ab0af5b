/* respond: answers to requests (see respond.h). */
#include "respond.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "accesslog.h"
#include "autoindex.h"
#include "cache.h"
#include "clock.h"
#include "conn.h"
#include "http_path.h"
#include "http_range.h"
#include "http_util.h"
#include "server.h"

#define RESP_ALLOW "GET, HEAD"
/* Bodies up to this size are copied behind their head (see resp_file). */
#define RESP_INLINE_MAX 1024

/* Each status with its reason and its whole status line. */
#define RESP_STATUS(code, reason)                                       \
	{                                                               \
		code, reason, "HTTP/1.1 " #code " " reason "\r\n",      \
			sizeof("HTTP/1.1 " #code " " reason "\r\n") - 1 \
	}

static const struct {
	int code;
	const char *reason;
	const char *line;
	size_t line_len;
} resp_statuses[] = {
	RESP_STATUS(200, "OK"),
	RESP_STATUS(206, "Partial Content"),
	RESP_STATUS(301, "Moved Permanently"),
	RESP_STATUS(304, "Not Modified"),
	RESP_STATUS(400, "Bad Request"),
	RESP_STATUS(403, "Forbidden"),
	RESP_STATUS(404, "Not Found"),
	RESP_STATUS(405, "Method Not Allowed"),
	RESP_STATUS(408, "Request Timeout"),
	RESP_STATUS(411, "Length Required"),
	RESP_STATUS(412, "Precondition Failed"),
	RESP_STATUS(413, "Content Too Large"),
	RESP_STATUS(414, "URI Too Long"),
	RESP_STATUS(416, "Range Not Satisfiable"),
	RESP_STATUS(431, "Request Header Fields Too Large"),
	RESP_STATUS(500, "Internal Server Error"),
	RESP_STATUS(501, "Not Implemented"),
	RESP_STATUS(503, "Service Unavailable"),
	RESP_STATUS(505, "HTTP Version Not Supported"),
};

static int
resp_status_index(int status)
{
	size_t i;

	for (i = 0; i < sizeof(resp_statuses) / sizeof(resp_statuses[0]); i++) {
		if (resp_statuses[i].code == status)
			return (int)i;
	}
	return -1;
}

const char *
resp_reason(int status)
{
	int i = resp_status_index(status);

	return i < 0 ? NULL : resp_statuses[i].reason;
}

/* A bounded appender over the connection's header space. */
struct hbuf {
	char *p;
	size_t len, cap;
	bool over;
};

static void
hb_mem(struct hbuf *h, const char *s, size_t n)
{
	if (h->over || h->cap - h->len < n) {
		h->over = true;
		return;
	}
	memcpy(h->p + h->len, s, n);
	h->len += n;
}

static void
hb_str(struct hbuf *h, const char *s)
{
	hb_mem(h, s, strlen(s));
}

static void
hb_u64(struct hbuf *h, uint64_t v)
{
	char tmp[24];
	size_t i = sizeof(tmp);

	do {
		tmp[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	hb_mem(h, tmp + i, sizeof(tmp) - i);
}

#define HB_LIT(h, s) hb_mem((h), (s), sizeof(s) - 1)

static void
resp_status_line(struct conn *c, struct hbuf *h, int status)
{
	int i = resp_status_index(status);

	if (i >= 0) {
		hb_mem(h, resp_statuses[i].line, resp_statuses[i].line_len);
	} else {
		HB_LIT(h, "HTTP/1.1 ");
		hb_u64(h, (uint64_t)status);
		HB_LIT(h, " Error\r\n");
	}
	hb_mem(h, server_head(c->srv), SERVER_HEAD_LEN);
}

static void
resp_connection(struct conn *c, struct hbuf *h, const struct http_request *r)
{
	if (c->close_after)
		HB_LIT(h, "Connection: close\r\n");
	else if (r != NULL && r->version_minor == 0)
		HB_LIT(h, "Connection: keep-alive\r\n");
	HB_LIT(h, "\r\n");
}

static void
resp_count(struct conn *c, const struct http_request *r, const char *buf,
	   int status, uint64_t bytes)
{
	struct server_stats *st = &c->srv->stats;

	st->requests++;
	if (status >= 100 && status < 600)
		st->status[status / 100]++;
	st->s304 += status == 304;
	st->s404 += status == 404;
	st->s206 += status == 206;
	st->body_bytes += bytes;
	if (c->srv->alog != NULL) /* no log, no call: the usual setup */
		alog_request(c->srv->alog, &c->peer.sa, r, buf, status, bytes,
			     clock_wall());
}

/* Queues an item whose whole response was built in h; logs it. */
static void
resp_finish(struct conn *c, struct conn_item *it, struct hbuf *h,
	    const struct http_request *r, const char *buf, int status,
	    uint64_t bytes)
{
	if (h->over) {
		/* Out of memory for a long 301: say so, and end there. */
		cache_release(c->srv->cache, it->ent);
		free(it->heap);
		it->ent = NULL;
		it->heap = NULL;
		c->close_after = true;
		if (status != 500)
			resp_error(c, 500, r, buf);
		return;
	}
	conn_push(c, it, (uint32_t)h->len);
	resp_count(c, r, buf, status, bytes);
}

static void
resp_error_hdr(struct conn *c, int status, const struct http_request *r,
	       const char *buf, const char *extra)
{
	struct conn_item *it;
	struct hbuf h;
	char body[256];
	const char *reason = resp_reason(status);
	int blen;
	bool head = r != NULL && r->method == HTTP_METHOD_HEAD;

	if ((it = conn_item_next(c, &h.p, &h.cap)) == NULL) {
		c->close_after = true;
		return;
	}
	h.len = 0;
	h.over = false;
	blen = snprintf(body, sizeof(body),
			"<!DOCTYPE html>\n<html><head><title>%d %s</title>"
			"</head>\n<body><h1>%d %s</h1></body></html>\n",
			status, reason, status, reason);
	resp_status_line(c, &h, status);
	HB_LIT(&h,
	       "Content-Type: text/html; charset=utf-8\r\nContent-Length: ");
	hb_u64(&h, (uint64_t)blen);
	HB_LIT(&h, "\r\n");
	if (status == 405)
		HB_LIT(&h, "Allow: " RESP_ALLOW "\r\n");
	if (extra != NULL)
		hb_str(&h, extra);
	resp_connection(c, &h, r);
	if (!head)
		hb_mem(&h, body, (size_t)blen);
	resp_finish(c, it, &h, r, buf, status, head ? 0 : (uint64_t)blen);
}

void
resp_error(struct conn *c, int status, const struct http_request *r,
	   const char *buf)
{
	resp_error_hdr(c, status, r, buf, NULL);
}

/* Percent-encodes a cleaned path for a Location header. */
static void
resp_location(struct hbuf *h, const char *path)
{
	static const char hex[] = "0123456789ABCDEF";
	unsigned char ch;
	char e[3];

	for (; *path != '\0'; path++) {
		ch = (unsigned char)*path;
		if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		    (ch >= '0' && ch <= '9') ||
		    strchr("/-._~!$&'()*+,;=:@", ch)) {
			hb_mem(h, path, 1);
			continue;
		}
		e[0] = '%';
		e[1] = hex[ch >> 4];
		e[2] = hex[ch & 15];
		hb_mem(h, e, 3);
	}
}

static const char resp_redirect_body[] =
	"<!DOCTYPE html>\n<html><head><title>301 Moved Permanently"
	"</title></head>\n<body><h1>301 Moved Permanently</h1>"
	"</body></html>\n";
/* Bytes of a 301 besides its Location's path and query. */
#define RESP_REDIRECT_ROOM (512 + sizeof(resp_redirect_body))

static void
resp_redirect_build(struct conn *c, struct hbuf *h,
		    const struct http_request *r, const char *buf,
		    const char *path)
{
	resp_status_line(c, h, 301);
	HB_LIT(h, "Location: ");
	resp_location(h, path);
	HB_LIT(h, "/");
	if (r->query.len > 0) {
		HB_LIT(h, "?");
		hb_mem(h, buf + r->query.off, r->query.len);
	}
	HB_LIT(h, "\r\nContent-Type: text/html; charset=utf-8\r\n"
		  "Content-Length: ");
	hb_u64(h, sizeof(resp_redirect_body) - 1);
	HB_LIT(h, "\r\n");
	resp_connection(c, h, r);
	if (r->method != HTTP_METHOD_HEAD)
		HB_LIT(h, resp_redirect_body);
}

/*
 * A Location longer than the room left in the connection's buffer (a
 * long path or query, or one late in a pipeline) gets a buffer of its
 * own, sent as the item's body; h->over stays set only without memory.
 */
static void
resp_redirect_heap(struct conn *c, struct conn_item *it, struct hbuf *h,
		   const struct http_request *r, const char *buf,
		   const char *path)
{
	struct hbuf big = {.cap = RESP_REDIRECT_ROOM + 3 * strlen(path) +
				  r->query.len};

	if ((big.p = malloc(big.cap)) == NULL)
		return;
	resp_redirect_build(c, &big, r, buf, path);
	if (big.over) {
		free(big.p);
		return;
	}
	it->heap = big.p;
	it->body = big.p;
	it->blen = big.len;
	h->len = 0;
	h->over = false;
}

static void
resp_redirect(struct conn *c, const struct http_request *r, const char *buf,
	      const char *path)
{
	struct conn_item *it;
	struct hbuf h;
	bool head = r->method == HTTP_METHOD_HEAD;

	if ((it = conn_item_next(c, &h.p, &h.cap)) == NULL)
		return;
	h.len = 0;
	h.over = false;
	resp_redirect_build(c, &h, r, buf, path);
	if (h.over)
		resp_redirect_heap(c, it, &h, r, buf, path);
	resp_finish(c, it, &h, r, buf, 301,
		    head ? 0 : sizeof(resp_redirect_body) - 1);
}

static void
resp_listing(struct conn *c, const struct http_request *r, const char *buf,
	     const char *path)
{
	struct conn_item *it;
	struct hbuf h;
	char *page;
	size_t plen;
	int err;
	bool head = r->method == HTTP_METHOD_HEAD;

	err = autoindex_build(c->srv->rootfd, path, c->srv->cfg->dotfiles,
			      &page, &plen);
	if (err != 0) {
		resp_error(c,
			   err == ENOENT   ? 404
			   : err == ENOMEM ? 500
					   : 403,
			   r, buf);
		return;
	}
	if ((it = conn_item_next(c, &h.p, &h.cap)) == NULL) {
		free(page);
		return;
	}
	h.len = 0;
	h.over = false;
	it->heap = page;
	if (!head) {
		it->body = page;
		it->blen = plen;
	}
	resp_status_line(c, &h, 200);
	HB_LIT(&h, "Content-Type: text/html; charset=utf-8\r\n"
		   "Content-Length: ");
	hb_u64(&h, plen);
	HB_LIT(&h, "\r\n");
	resp_connection(c, &h, r);
	resp_finish(c, it, &h, r, buf, 200, head ? 0 : plen);
}

static bool
resp_accepts_gzip(const struct http_request *r, const char *buf)
{
	const char *v = buf + r->headers[HTTP_H_ACCEPT_ENCODING].off;
	size_t len = r->headers[HTTP_H_ACCEPT_ENCODING].len, pos = 0;
	struct http_span item;
	const char *t;
	size_t tl, k;

	if (!r->has_header[HTTP_H_ACCEPT_ENCODING])
		return false;
	while (http_list_next(v, len, &pos, &item)) {
		t = v + item.off;
		for (tl = 0; tl < item.len && t[tl] != ';' && t[tl] != ' ';)
			tl++;
		if (!http_token_eq(t, tl, "gzip") &&
		    !http_token_eq(t, tl, "x-gzip"))
			continue;
		/* "gzip;q=0" refuses it (RFC 9110 12.4.2) */
		for (k = tl; k + 3 <= item.len; k++) {
			if ((t[k] == 'q' || t[k] == 'Q') && t[k + 1] == '=')
				return !(t[k + 2] == '0' &&
					 strspn(t + k + 3, ".0") >=
						 item.len - (k + 3));
		}
		return true;
	}
	return false;
}

/*
 * The preconditions of RFC 9110 13.2.2 steps 1 and 2: If-Match, or
 * without it If-Unmodified-Since; false means 412.
 */
static bool
resp_preconditions_hold(const struct http_request *r, const char *buf,
			const struct cache_file *f)
{
	const struct http_span *im = &r->headers[HTTP_H_IF_MATCH];
	const struct http_span *ius = &r->headers[HTTP_H_IF_UNMODIFIED_SINCE];

	if (r->has_header[HTTP_H_IF_MATCH])
		return http_etag_match_strong(buf + im->off, im->len, f->etag);
	if (r->has_header[HTTP_H_IF_UNMODIFIED_SINCE])
		return !http_modified_since(buf + ius->off, ius->len, f->mtime);
	return true;
}

/* 304 per RFC 9110 13.2.2: If-None-Match first, else If-Modified-Since. */
static bool
resp_not_modified(const struct http_request *r, const char *buf,
		  const struct cache_file *f)
{
	if (r->has_header[HTTP_H_IF_NONE_MATCH])
		return http_etag_match_weak(
			buf + r->headers[HTTP_H_IF_NONE_MATCH].off,
			r->headers[HTTP_H_IF_NONE_MATCH].len, f->etag);
	if (r->has_header[HTTP_H_IF_MODIFIED_SINCE])
		return http_not_modified_since(
			buf + r->headers[HTTP_H_IF_MODIFIED_SINCE].off,
			r->headers[HTTP_H_IF_MODIFIED_SINCE].len, f->mtime);
	return false;
}

struct resp_file {
	const struct cache_file *f;
	int status;
	uint64_t first, last; /* the range sent */
	bool gz;
	struct http_range_set set; /* several ranges: multipart */
	const char *boundary;      /* for them, else NULL */
};

/* Picks 200, 206, 304, 412 or 416 and the byte range. */
static void
resp_file_status(const struct http_request *r, const char *buf,
		 struct resp_file *rf)
{
	const struct cache_file *f = rf->f;
	const struct http_span *rg = &r->headers[HTTP_H_RANGE];
	const struct http_span *ir = &r->headers[HTTP_H_IF_RANGE];

	rf->status = 200;
	rf->first = 0;
	rf->last = f->size - 1;
	if (!resp_preconditions_hold(r, buf, f)) {
		rf->status = 412;
		return;
	}
	if (resp_not_modified(r, buf, f)) {
		rf->status = 304;
		return;
	}
	if (r->method != HTTP_METHOD_GET || !r->has_header[HTTP_H_RANGE])
		return;
	if (r->has_header[HTTP_H_IF_RANGE] &&
	    !http_if_range_holds(buf + ir->off, ir->len, f->etag, f->mtime))
		return;
	switch (http_range_parse(buf + rg->off, rg->len, f->size, &rf->set)) {
	case HTTP_RANGE_ONE:
		rf->status = 206;
		rf->first = rf->set.r[0].first;
		rf->last = rf->set.r[0].last;
		break;
	case HTTP_RANGE_MANY:
		rf->status = 206;
		break;
	case HTTP_RANGE_UNSATISFIABLE:
		rf->status = 416;
		break;
	default: /* none, or several ranges: the whole file (200) */
		rf->first = 0;
		rf->last = f->size - 1;
		break;
	}
}

static void
resp_file_headers(struct conn *c, struct hbuf *h, const struct cache_entry *e,
		  const struct resp_file *rf, uint64_t len)
{
	const struct cache_file *f = rf->f;

	resp_status_line(c, h, rf->status);
	if (rf->status == 200 && rf->boundary == NULL && f->head != NULL) {
		hb_mem(h, f->head, f->head_len);
		return;
	}
	if (rf->status != 304) {
		HB_LIT(h, "Content-Type: ");
		if (rf->boundary != NULL) {
			HB_LIT(h, "multipart/byteranges; boundary=");
			hb_str(h, rf->boundary);
		} else {
			hb_str(h, e->type);
		}
		HB_LIT(h, "\r\nContent-Length: ");
		hb_u64(h, len);
		HB_LIT(h, "\r\n");
	}
	HB_LIT(h, "Last-Modified: ");
	hb_mem(h, f->last_modified, HTTP_DATE_LEN);
	HB_LIT(h, "\r\nETag: ");
	hb_str(h, f->etag);
	HB_LIT(h, "\r\nAccept-Ranges: bytes\r\n");
	if (rf->gz)
		HB_LIT(h, "Content-Encoding: gzip\r\n");
	if (e->has_gz)
		HB_LIT(h, "Vary: Accept-Encoding\r\n");
	if (rf->status == 206 && rf->boundary == NULL) {
		HB_LIT(h, "Content-Range: bytes ");
		hb_u64(h, rf->first);
		HB_LIT(h, "-");
		hb_u64(h, rf->last);
		HB_LIT(h, "/");
		hb_u64(h, f->size);
		HB_LIT(h, "\r\n");
	}
}

/*
 * multipart/byteranges (RFC 9110 14.6): each range a part with its own
 * Content-Type and Content-Range, between boundary lines.
 */
#define RESP_BOUNDARY_LEN  24  /* "labgate-" and 16 hex digits */
#define RESP_PART_HEAD_MAX 512 /* bytes of one part's head */

/*
 * A random boundary: one a file's author could predict could be written
 * into the file, and the client would split the parts in the wrong place.
 * Without entropy (never after boot), a mix of the file and a counter.
 */
static void
resp_boundary(struct conn *c, const struct cache_file *f, char *out)
{
	static const char hex[] = "0123456789abcdef";
	uint64_t v;
	int i;

	if (getrandom(&v, sizeof(v), GRND_NONBLOCK) != (ssize_t)sizeof(v))
		v = (uint64_t)f->mtime * 0x9e3779b97f4a7c15ull ^ f->size ^
		    (c->srv->stats.s206 << 20);

	memcpy(out, "labgate-", 8);
	for (i = 0; i < 16; i++, v >>= 4)
		out[8 + i] = hex[v & 15];
	out[RESP_BOUNDARY_LEN] = '\0';
}

/* The lines before part i's bytes ("\r\n--B\r\n...\r\n\r\n"). */
static void
resp_part_head(struct hbuf *h, const struct cache_entry *e,
	       const struct resp_file *rf, unsigned i)
{
	HB_LIT(h, "\r\n--");
	hb_str(h, rf->boundary);
	HB_LIT(h, "\r\nContent-Type: ");
	hb_str(h, e->type);
	HB_LIT(h, "\r\nContent-Range: bytes ");
	hb_u64(h, rf->set.r[i].first);
	HB_LIT(h, "-");
	hb_u64(h, rf->set.r[i].last);
	HB_LIT(h, "/");
	hb_u64(h, rf->f->size);
	HB_LIT(h, "\r\n\r\n");
}

static void
resp_part_tail(struct hbuf *h, const struct resp_file *rf)
{
	HB_LIT(h, "\r\n--");
	hb_str(h, rf->boundary);
	HB_LIT(h, "--\r\n");
}

/* Bytes of the whole multipart body; 0 if a part head is too long. */
static uint64_t
resp_multipart_len(const struct cache_entry *e, const struct resp_file *rf)
{
	char tmp[RESP_PART_HEAD_MAX];
	struct hbuf h = {.p = tmp, .cap = sizeof(tmp)};
	uint64_t len = 0;
	unsigned i;

	for (i = 0; i < rf->set.n; i++) {
		h.len = 0;
		resp_part_head(&h, e, rf, i);
		len += h.len + rf->set.r[i].last - rf->set.r[i].first + 1;
	}
	h.len = 0;
	resp_part_tail(&h, rf);
	return h.over ? 0 : len + h.len;
}

/*
 * Part i's bytes, after its head in the item: they stay in the cache
 * (memory or fd) while the item holds the entry, so none are copied.
 */
static void
resp_part_body(struct conn_item *it, struct cache_entry *e,
	       const struct resp_file *rf, unsigned i)
{
	const struct http_byte_range *rg = &rf->set.r[i];

	if (rf->f->data != NULL) {
		it->body = rf->f->data + rg->first;
		it->blen = (size_t)(rg->last - rg->first + 1);
	} else {
		it->sfd = rf->f->fd;
		it->soff = (off_t)rg->first;
		it->slen = (size_t)(rg->last - rg->first + 1);
	}
	it->ent = e;
	e->refs++;
}

/*
 * The parts after the first, each queued as an item (its head in the
 * connection's buffer, then its bytes), and the closing line.  Room was
 * checked before the first was queued.
 */
static void
resp_multipart_rest(struct conn *c, struct cache_entry *e,
		    const struct resp_file *rf)
{
	struct conn_item *it;
	struct hbuf h;
	unsigned i;

	for (i = 1; i <= rf->set.n; i++) {
		if ((it = conn_item_next(c, &h.p, &h.cap)) == NULL)
			return; /* cannot happen; the connection closes */
		h.len = 0;
		h.over = false;
		if (i < rf->set.n) {
			resp_part_head(&h, e, rf, i);
			resp_part_body(it, e, rf, i);
		} else {
			resp_part_tail(&h, rf);
		}
		conn_push(c, it, (uint32_t)h.len);
	}
}

/*
 * Several ranges (on GET): 206 multipart/byteranges, an item per part.
 * Behind a pipeline without that much room, the request waits for the
 * queue to empty (conn_defer).  Returns false when it cannot be sent (a
 * part head too long): then the whole file goes out, which RFC 9110
 * 14.2 allows.
 */
static bool
resp_multipart(struct conn *c, const struct http_request *r, const char *buf,
	       struct cache_entry *e, struct resp_file *rf)
{
	char boundary[RESP_BOUNDARY_LEN + 1];
	struct conn_item *it;
	struct hbuf h;
	uint64_t len;
	bool over;

	resp_boundary(c, rf->f, boundary);
	rf->boundary = boundary;
	if ((len = resp_multipart_len(e, rf)) == 0 ||
	    !conn_has_room(c, rf->set.n + 1,
			   (rf->set.n + 2) * RESP_PART_HEAD_MAX)) {
		rf->boundary = NULL;
		return len != 0 && conn_defer(c);
	}
	if ((it = conn_item_next(c, &h.p, &h.cap)) == NULL)
		return true;
	h.len = 0;
	h.over = false;
	resp_file_headers(c, &h, e, rf, len);
	resp_connection(c, &h, r);
	resp_part_head(&h, e, rf, 0);
	resp_part_body(it, e, rf, 0);
	over = h.over;
	resp_finish(c, it, &h, r, buf, 206, len);
	if (!over)
		resp_multipart_rest(c, e, rf);
	return true;
}

/*
 * Bytes first..first+len-1 of f behind the head in h: copied there when
 * small, else referenced (memory or fd) while the item holds e, with a
 * reference the caller gives it.
 */
static void
resp_file_body(struct conn_item *it, struct hbuf *h, struct cache_entry *e,
	       const struct cache_file *f, uint64_t first, uint64_t len)
{
	if (len > 0 && f->data != NULL && len <= RESP_INLINE_MAX &&
	    h->cap - h->len >= len) {
		/* One buffer: the write takes one part, not two. */
		hb_mem(h, f->data + first, (size_t)len);
	} else if (len > 0 && f->data != NULL) {
		it->body = f->data + first;
		it->blen = (size_t)len;
	} else if (len > 0) {
		it->sfd = f->fd;
		it->soff = (off_t)first;
		it->slen = (size_t)len;
	}
	it->ent = e;
}

/*
 * The usual request: the whole file, no Range and no precondition.  The
 * same bytes resp_file() writes for it, from the entry's prebuilt head
 * (and body) with one bounds check instead of one per piece.  True when
 * answered: then the caller's reference to e is spent (the item holds
 * it).  False leaves the request to resp_file().
 */
static bool
resp_file_whole(struct conn *c, const struct http_request *r, const char *buf,
		struct cache_entry *e)
{
	static const char status[] = "HTTP/1.1 200 OK\r\n";
	const bool *has = r->has_header;
	const struct cache_file *f = &e->file;
	struct server_stats *st = &c->srv->stats;
	struct conn_item *it;
	struct hbuf h;
	uint64_t len;

	if (has[HTTP_H_RANGE] | has[HTTP_H_IF_NONE_MATCH] |
	    has[HTTP_H_IF_MODIFIED_SINCE] | has[HTTP_H_IF_MATCH] |
	    has[HTTP_H_IF_UNMODIFIED_SINCE])
		return false;
	if (e->has_gz && resp_accepts_gzip(r, buf))
		f = &e->gz;
	if (f->head == NULL)
		return false;
	if ((it = conn_item_next(c, &h.p, &h.cap)) == NULL) {
		cache_release(c->srv->cache, e);
		return true;
	}
	/* the status line, Server, Date, the head and the longest
	 * Connection line with the blank line after it */
	if (h.cap < sizeof(status) - 1 + SERVER_HEAD_LEN + f->head_len +
			    sizeof("Connection: keep-alive\r\n\r\n"))
		return false;
	memcpy(h.p, status, sizeof(status) - 1);
	memcpy(h.p + sizeof(status) - 1, server_head(c->srv), SERVER_HEAD_LEN);
	h.len = sizeof(status) - 1 + SERVER_HEAD_LEN;
	h.over = false;
	len = r->method == HTTP_METHOD_HEAD ? 0 : f->size;
	if (f->head_body_len != 0 && len != 0 && !c->close_after &&
	    r->version_minor != 0 && h.cap - h.len >= f->head_body_len) {
		/* no Connection line: head, blank line and body in one */
		memcpy(h.p + h.len, f->head, f->head_body_len);
		h.len += f->head_body_len;
		it->ent = e;
	} else {
		memcpy(h.p + h.len, f->head, f->head_len);
		h.len += f->head_len;
		resp_connection(c, &h, r);
		resp_file_body(it, &h, e, f, 0, len);
	}
	conn_push(c, it, (uint32_t)h.len);
	/* resp_count() for a 200, without its tests */
	st->requests++;
	st->status[2]++;
	st->body_bytes += len;
	if (c->srv->alog != NULL)
		alog_request(c->srv->alog, &c->peer.sa, r, buf, 200, len,
			     clock_wall());
	return true;
}

static void
resp_file(struct conn *c, const struct http_request *r, const char *buf,
	  struct cache_entry *e)
{
	struct resp_file rf = {.f = &e->file};
	struct conn_item *it;
	struct hbuf h;
	uint64_t len;

	if (e->has_gz && resp_accepts_gzip(r, buf)) {
		rf.f = &e->gz;
		rf.gz = true;
	}
	resp_file_status(r, buf, &rf);
	/* Not of a gzip sibling: clients would take its Content-Encoding
	 * for the multipart body's, and fail to decode it. */
	if (rf.status == 206 && rf.set.n > 1 && !rf.gz &&
	    resp_multipart(c, r, buf, e, &rf))
		return;
	if (rf.status == 206 && rf.set.n > 1) { /* the whole file after all */
		rf.status = 200;
		rf.first = 0;
		rf.last = rf.f->size - 1;
	}
	if (rf.status == 412) {
		resp_error(c, 412, r, buf);
		return;
	}
	if (rf.status == 416) {
		char cr[64];

		snprintf(cr, sizeof(cr), "Content-Range: bytes */%llu\r\n",
			 (unsigned long long)rf.f->size);
		resp_error_hdr(c, 416, r, buf, cr);
		return;
	}
	if ((it = conn_item_next(c, &h.p, &h.cap)) == NULL)
		return;
	h.len = 0;
	h.over = false;
	len = rf.f->size == 0 ? 0 : rf.last - rf.first + 1;
	resp_file_headers(c, &h, e, &rf, len);
	resp_connection(c, &h, r);
	if (rf.status == 304 || r->method == HTTP_METHOD_HEAD)
		len = 0;
	e->refs++;
	resp_file_body(it, &h, e, rf.f, rf.first, len);
	resp_finish(c, it, &h, r, buf, rf.status, len);
}

/* The cleaned path, or an error answered; returns false when answered. */
static bool
resp_clean(struct conn *c, const struct http_request *r, const char *buf,
	   char *path, size_t size)
{
	size_t plen;
	bool dotfile = false;

	switch (http_path_clean_dot(buf + r->path.off, r->path.len, path, size,
				    &plen,
				    c->srv->cfg->dotfiles ? NULL : &dotfile)) {
	case HTTP_PATH_OK:
		break;
	case HTTP_PATH_TOO_LONG:
		resp_error(c, 414, r, buf);
		return false;
	default:
		resp_error(c, 400, r, buf);
		return false;
	}
	if (!c->srv->cfg->dotfiles && dotfile) {
		resp_error(c, 403, r, buf);
		return false;
	}
	return true;
}

static int
resp_errno_status(int err)
{
	switch (err) {
	case ENOENT:
	case ENOTDIR:
		return 404;
	case ENAMETOOLONG:
		return 414;
	case EACCES:
	case EPERM:
	case EXDEV:
	case ELOOP:
		return 403;
	default:
		return 500;
	}
}

void
resp_request(struct conn *c, const struct http_request *r, const char *buf)
{
	char path[HTTP_PATH_MAX];
	struct cache_entry *e;

	if (r->method == HTTP_METHOD_OTHER) {
		resp_error(c, 501, r, buf);
		return;
	}
	if (r->method != HTTP_METHOD_GET && r->method != HTTP_METHOD_HEAD) {
		resp_error(c, 405, r, buf);
		return;
	}
	if (!resp_clean(c, r, buf, path, sizeof(path)))
		return;
	e = cache_get(c->srv->cache, path, clock_mono_ms());
	if (e == NULL) {
		resp_error(c, 500, r, buf);
		return;
	}
	switch (e->kind) {
	case CACHE_FILE:
		if (resp_file_whole(c, r, buf, e))
			return; /* with e's reference */
		resp_file(c, r, buf, e);
		break;
	case CACHE_DIR:
		resp_redirect(c, r, buf, path);
		break;
	case CACHE_NO_INDEX:
		if (c->srv->cfg->autoindex)
			resp_listing(c, r, buf, path);
		else
			resp_error(c, 403, r, buf);
		break;
	case CACHE_ERROR:
		resp_error(c, resp_errno_status(e->err), r, buf);
		break;
	}
	cache_release(c->srv->cache, e);
}
