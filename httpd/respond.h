/*
 * respond: the answer to one request, queued on its connection: files
 * from the cache (200, 206, 304, 416), redirects, listings and error
 * pages.  conn.c decides keep-alive before calling; these add the
 * matching Connection header and write the access-log line.
 */
#ifndef LABGATE_RESPOND_H
#define LABGATE_RESPOND_H

#include "http_parse.h"

struct conn;

/* Answers a complete, well-formed request head in buf. */
void resp_request(struct conn *c, const struct http_request *r,
		  const char *buf);
/*
 * Queues a small HTML error page for `status`; r and buf may be NULL when
 * no request line was parsed.
 */
void resp_error(struct conn *c, int status, const struct http_request *r,
		const char *buf);
/* "Not Found" for 404 ...; NULL for a status we never send. */
const char *resp_reason(int status);

#endif
