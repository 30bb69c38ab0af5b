/*
 * autoindex: an HTML listing of a directory beneath the root, names
 * HTML-escaped and links percent-encoded.
 */
#ifndef LABGATE_AUTOINDEX_H
#define LABGATE_AUTOINDEX_H

#include <stdbool.h>
#include <stddef.h>

#define AUTOINDEX_MAX_ENTRIES 10000 /* names listed, at most */

/*
 * Lists the cleaned directory path `path` (ending in '/') beneath rootfd
 * into a malloc'ed page the caller frees.  Dotfiles are left out unless
 * `dotfiles`.  Returns 0, or an errno value.
 */
int autoindex_build(int rootfd, const char *path, bool dotfiles, char **page,
		    size_t *len);

/* HTML-escapes s into out (outsize >= 1); returns the length, cut if needed. */
size_t autoindex_escape_html(const char *s, char *out, size_t outsize);

#endif
