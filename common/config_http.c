/* config_http: checks and converts the `http:` section (see config_check.h). */
#include <string.h>

#include "arena.h"
#include "config_check.h"

struct config_http *
config_check_http(struct check *c, const struct raw_http *raw)
{
	struct config_http *h = check_calloc(c, 1, sizeof(*h));

	if (h == NULL)
		return NULL;
	h->listen = check_sockaddrs(c, "http.listen", raw->listen,
				    raw->listen_count, CONFIG_DEFAULT_HTTP_PORT);
	h->listen_count = raw->listen_count;
	h->root = arena_strdup(c->arena, raw->root);
	h->index = arena_strdup(c->arena, raw->index != NULL
						  ? raw->index
						  : CONFIG_DEFAULT_INDEX);
	if (h->index != NULL &&
	    (strchr(h->index, '/') != NULL || strcmp(h->index, ".") == 0 ||
	     strcmp(h->index, "..") == 0))
		check_err(c, "http.index", "'%s' must be a file name, not a path",
			  h->index);
	h->autoindex = raw->autoindex != NULL && *raw->autoindex;
	if (raw->access_log != NULL)
		h->access_log = arena_strdup(c->arena, raw->access_log);
	return h;
}
