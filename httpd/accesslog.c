/* accesslog: buffered CLF/Combined lines (see accesslog.h). */
#include "accesslog.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct alog {
	int fd;
	bool owned; /* not stderr */
	bool combined;
	size_t len;
	time_t stamp_t;
	char stamp[40]; /* "[10/Oct/2000:13:55:36 +0000]" */
	char buf[ALOG_BUFFER_SIZE];
};

static int
alog_open_fd(const char *path, bool *owned)
{
	if (strcmp(path, "-") == 0) {
		*owned = false;
		return STDERR_FILENO;
	}
	*owned = true;
	return open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
}

struct alog *
alog_open(const char *path, bool combined)
{
	struct alog *a = calloc(1, sizeof(*a));

	if (a == NULL)
		return NULL;
	a->fd = alog_open_fd(path, &a->owned);
	if (a->fd == -1) {
		free(a);
		return NULL;
	}
	a->combined = combined;
	a->stamp_t = -1;
	return a;
}

void
alog_flush(struct alog *a)
{
	size_t off = 0;
	ssize_t n;

	if (a == NULL)
		return;
	while (off < a->len) {
		n = write(a->fd, a->buf + off, a->len - off);
		if (n <= 0) {
			if (n == -1 && errno == EINTR)
				continue;
			break; /* disk full: drop rather than block */
		}
		off += (size_t)n;
	}
	a->len = 0;
}

int
alog_reopen(struct alog *a, const char *path, bool combined)
{
	bool owned;
	int fd;

	alog_flush(a);
	fd = alog_open_fd(path, &owned);
	if (fd == -1)
		return -1;
	if (a->owned)
		close(a->fd);
	a->fd = fd;
	a->owned = owned;
	a->combined = combined;
	return 0;
}

void
alog_close(struct alog *a)
{
	if (a == NULL)
		return;
	alog_flush(a);
	if (a->owned)
		close(a->fd);
	free(a);
}

size_t
alog_escape(const char *s, size_t len, char *out, size_t outsize)
{
	static const char hex[] = "0123456789abcdef";
	size_t i, o = 0;
	unsigned char c;

	if (outsize == 0)
		return 0;
	for (i = 0; i < len; i++) {
		c = (unsigned char)s[i];
		if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
			if (o + 1 >= outsize)
				break;
			out[o++] = (char)c;
			continue;
		}
		if (o + 4 >= outsize)
			break;
		out[o++] = '\\';
		out[o++] = 'x';
		out[o++] = hex[c >> 4];
		out[o++] = hex[c & 15];
	}
	out[o] = '\0';
	return o;
}

static void
alog_stamp(struct alog *a, time_t now)
{
	struct tm tm;

	if (now == a->stamp_t)
		return;
	gmtime_r(&now, &tm);
	strftime(a->stamp, sizeof(a->stamp), "[%d/%b/%Y:%H:%M:%S +0000]", &tm);
	a->stamp_t = now;
}

static void
alog_field(const char *buf, const struct http_request *r, int h, char *out,
	   size_t outsize)
{
	if (r == NULL || buf == NULL || !r->has_header[h]) {
		snprintf(out, outsize, "-");
		return;
	}
	alog_escape(buf + r->headers[h].off, r->headers[h].len, out, outsize);
}

static void
alog_peer(const struct sockaddr *sa, char *out, size_t outsize)
{
	const void *a =
		sa->sa_family == AF_INET6
			? (const void *)&(
				  (const struct sockaddr_in6 *)(const void *)sa)
				  ->sin6_addr
			: (const void *)&(
				  (const struct sockaddr_in *)(const void *)sa)
				  ->sin_addr;

	if (inet_ntop(sa->sa_family, a, out, (socklen_t)outsize) == NULL)
		snprintf(out, outsize, "-");
}

void
alog_request(struct alog *a, const struct sockaddr *peer,
	     const struct http_request *r, const char *buf, int status,
	     uint64_t bytes, time_t now)
{
	char addr[64], line[ALOG_MAX_FIELD], ref[ALOG_MAX_FIELD],
		ua[ALOG_MAX_FIELD];
	size_t room;
	int n;

	if (a == NULL)
		return;
	alog_stamp(a, now);
	alog_peer(peer, addr, sizeof(addr));
	if (r != NULL && buf != NULL) {
		uint32_t end =
			r->target.off + r->target.len + 9; /* " HTTP/1.x" */
		alog_escape(buf + r->method_s.off, end - r->method_s.off, line,
			    sizeof(line));
	} else {
		snprintf(line, sizeof(line), "-");
	}
	alog_field(buf, r, HTTP_H_REFERER, ref, sizeof(ref));
	alog_field(buf, r, HTTP_H_USER_AGENT, ua, sizeof(ua));
	if (ALOG_BUFFER_SIZE - a->len < 4 * ALOG_MAX_FIELD + 128)
		alog_flush(a);
	room = ALOG_BUFFER_SIZE - a->len;
	if (a->combined)
		n = snprintf(a->buf + a->len, room,
			     "%s - - %s \"%s\" %d %llu \"%s\" \"%s\"\n", addr,
			     a->stamp, line, status, (unsigned long long)bytes,
			     ref, ua);
	else
		n = snprintf(a->buf + a->len, room,
			     "%s - - %s \"%s\" %d %llu\n", addr, a->stamp, line,
			     status, (unsigned long long)bytes);
	if (n > 0 && (size_t)n < room)
		a->len += (size_t)n;
}
