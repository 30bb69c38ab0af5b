/*
 * accesslog: Common or Combined Log Format lines, buffered.
 *
 * Lines collect in a buffer written when it fills, once a second (the
 * caller's timer calls alog_flush) and on close; alog_reopen() opens the
 * path again for logrotate (SIGHUP).  "-" writes to stderr.
 */
#ifndef LABGATE_ACCESSLOG_H
#define LABGATE_ACCESSLOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <time.h>

#include "http_parse.h"

#define ALOG_BUFFER_SIZE 65536 /* bytes buffered before a write */
#define ALOG_MAX_FIELD   1024  /* bytes of one logged request field */

struct alog;

/* Opens path ("-": stderr).  Returns NULL with errno on failure. */
struct alog *alog_open(const char *path, bool combined);
/* Flushes, then opens the path again.  Returns 0, or -1 (old fd kept). */
int alog_reopen(struct alog *a, const char *path, bool combined);
/*
 * One request: the peer, the request (r and buf may be NULL when none
 * was parsed), the status and the body bytes sent; `now` is wall time.
 */
void alog_request(struct alog *a, const struct sockaddr *peer,
		  const struct http_request *r, const char *buf, int status,
		  uint64_t bytes, time_t now);
void alog_flush(struct alog *a);
void alog_close(struct alog *a);

/*
 * Copies s[0..len) into out (size outsize, NUL-terminated) escaping '"',
 * '\\' and bytes outside printable ASCII as \xHH; cut at outsize.
 * Returns the length written.
 */
size_t alog_escape(const char *s, size_t len, char *out, size_t outsize);

#endif
