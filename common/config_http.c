/* config_http: checks and converts the `http:` section (see config_check.h). */
#include <ctype.h>
#include <string.h>

#include "arena.h"
#include "config_check.h"

/* check_uint for a key of the http section. */
static uint32_t
http_num(struct check *c, const char *key, const uint32_t *raw, uint32_t def,
	 uint32_t min, uint32_t max)
{
	char path[64];

	check_path(path, sizeof(path), "http.%s", key);
	return check_uint(c, path, raw, def, min, max);
}

/* One mime_types entry: "ext type/subtype[; params]". */
static void
http_mime_entry(struct check *c, struct config_http *h, size_t i,
		const char *text)
{
	char path[64];
	const char *sp = strchr(text, ' ');
	size_t el, k;

	check_path(path, sizeof(path), "http.mime_types[%zu]", i);
	el = sp != NULL ? (size_t)(sp - text) : 0;
	while (sp != NULL && *sp == ' ')
		sp++;
	if (el == 0 || el > 16 || sp == NULL || strchr(sp, '/') == NULL ||
	    strlen(sp) > CONFIG_MAX_HTTP_MIME_TYPE ||
	    strpbrk(sp, "\r\n") != NULL) {
		check_err(c, path, "'%s' is not \"EXTENSION TYPE/SUBTYPE\"",
			  text);
		return;
	}
	h->mime_ext[i] =
		arena_strndup(c->arena, text[0] == '.' ? text + 1 : text,
			      text[0] == '.' ? el - 1 : el);
	h->mime_type[i] = arena_strdup(c->arena, sp);
	for (k = 0; h->mime_ext[i] != NULL && h->mime_ext[i][k]; k++)
		h->mime_ext[i][k] =
			(char)tolower((unsigned char)h->mime_ext[i][k]);
}

static void
http_check_mime(struct check *c, struct config_http *h,
		const struct raw_http *raw)
{
	uint32_t i;

	if (raw->mime_types_count == 0)
		return;
	h->mime_ext = check_calloc(c, raw->mime_types_count, sizeof(char *));
	h->mime_type = check_calloc(c, raw->mime_types_count, sizeof(char *));
	if (h->mime_ext == NULL || h->mime_type == NULL)
		return;
	h->mime_count = raw->mime_types_count;
	for (i = 0; i < raw->mime_types_count; i++)
		http_mime_entry(c, h, i, raw->mime_types[i]);
}

static void
http_check_limits(struct check *c, struct config_http *h,
		  const struct raw_http *raw)
{
	h->workers = http_num(c, "workers", raw->workers,
			      CONFIG_DEFAULT_HTTP_WORKERS, 1,
			      CONFIG_MAX_HTTP_WORKERS);
	h->header_timeout = http_num(c, "header_timeout", raw->header_timeout,
				     CONFIG_DEFAULT_HTTP_HEADER_TIMEOUT, 1,
				     CONFIG_MAX_HTTP_TIMEOUT);
	h->keepalive_timeout =
		http_num(c, "keepalive_timeout", raw->keepalive_timeout,
			 CONFIG_DEFAULT_HTTP_KEEPALIVE_TIMEOUT, 0,
			 CONFIG_MAX_HTTP_TIMEOUT);
	h->send_timeout = http_num(c, "send_timeout", raw->send_timeout,
				   CONFIG_DEFAULT_HTTP_SEND_TIMEOUT, 1,
				   CONFIG_MAX_HTTP_TIMEOUT);
	h->max_connections =
		http_num(c, "max_connections", raw->max_connections,
			 CONFIG_DEFAULT_HTTP_MAX_CONNECTIONS, 1,
			 CONFIG_MAX_HTTP_MAX_CONNECTIONS);
	h->max_header_size =
		http_num(c, "max_header_size", raw->max_header_size,
			 CONFIG_DEFAULT_HTTP_MAX_HEADER_SIZE,
			 CONFIG_MIN_HTTP_MAX_HEADER_SIZE,
			 CONFIG_MAX_HTTP_MAX_HEADER_SIZE);
	h->max_headers = http_num(c, "max_headers", raw->max_headers,
				  CONFIG_DEFAULT_HTTP_MAX_HEADERS, 1,
				  CONFIG_MAX_HTTP_MAX_HEADERS);
	h->max_body = http_num(c, "max_body", raw->max_body,
			       CONFIG_DEFAULT_HTTP_MAX_BODY, 0,
			       CONFIG_MAX_HTTP_MAX_BODY);
	h->cache_validity_ms =
		http_num(c, "cache_validity_ms", raw->cache_validity_ms,
			 CONFIG_DEFAULT_HTTP_CACHE_VALIDITY_MS, 0,
			 CONFIG_MAX_HTTP_CACHE_VALIDITY_MS);
	h->cache_bytes =
		http_num(c, "cache_bytes", raw->cache_bytes,
			 CONFIG_DEFAULT_HTTP_CACHE_BYTES, 0, UINT32_MAX);
	h->cache_file_max =
		http_num(c, "cache_file_max", raw->cache_file_max,
			 CONFIG_DEFAULT_HTTP_CACHE_FILE_MAX, 0, h->cache_bytes);
}

struct config_http *
config_check_http(struct check *c, const struct raw_http *raw)
{
	struct config_http *h = check_calloc(c, 1, sizeof(*h));

	if (h == NULL)
		return NULL;
	h->listen =
		check_sockaddrs(c, "http.listen", raw->listen,
				raw->listen_count, CONFIG_DEFAULT_HTTP_PORT);
	h->listen_count = raw->listen_count;
	h->root = arena_strdup(c->arena, raw->root);
	if (h->root != NULL && h->root[0] != '/')
		check_err(c, "http.root", "'%s' must be an absolute path",
			  h->root);
	h->index = arena_strdup(c->arena, raw->index != NULL
						  ? raw->index
						  : CONFIG_DEFAULT_INDEX);
	if (h->index != NULL &&
	    (h->index[0] == '\0' || strchr(h->index, '/') != NULL ||
	     strcmp(h->index, ".") == 0 || strcmp(h->index, "..") == 0))
		check_err(c, "http.index",
			  "'%s' must be a file name, not a path", h->index);
	h->autoindex = raw->autoindex != NULL && *raw->autoindex;
	h->dotfiles = raw->dotfiles != NULL && *raw->dotfiles;
	if (raw->access_log != NULL)
		h->access_log = arena_strdup(c->arena, raw->access_log);
	h->log_combined = true;
	if (raw->access_log_format != NULL) {
		if (strcmp(raw->access_log_format, "common") == 0)
			h->log_combined = false;
		else if (strcmp(raw->access_log_format, "combined") != 0)
			check_err(c, "http.access_log_format",
				  "'%s' is not common or combined",
				  raw->access_log_format);
	}
	http_check_limits(c, h, raw);
	http_check_mime(c, h, raw);
	return h;
}
