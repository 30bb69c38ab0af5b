/*
 * http_path: turning a request path into a file beneath the root.
 *
 * http_path_clean() is pure: it percent-decodes once, refuses NUL and an
 * encoded '/', and removes dot segments (RFC 3986 5.2.4), refusing any
 * that would climb above the root.  http_path_open() then opens the
 * result beneath a directory fd without ever leaving it, even through
 * symlinks (openat2 RESOLVE_BENEATH; per-component O_NOFOLLOW where the
 * kernel has no openat2 or a seccomp filter refuses it).
 */
#ifndef LABGATE_HTTP_PATH_H
#define LABGATE_HTTP_PATH_H

#include <stdbool.h>
#include <stddef.h>

#define HTTP_PATH_MAX 4096 /* bytes of a cleaned path, NUL included */

enum http_path_status {
	HTTP_PATH_OK = 0,
	HTTP_PATH_BAD,      /* 400: bad escape, NUL, %2F, above the root */
	HTTP_PATH_TOO_LONG, /* 414 */
};

/*
 * Cleans the encoded path in[0..len) (which starts with '/') into out, a
 * NUL-terminated absolute path: no "//", no "." or ".." segments, a
 * trailing '/' kept.  *outlen gets its length.
 */
enum http_path_status http_path_clean(const char *in, size_t len, char *out,
				      size_t outsize, size_t *outlen);

/*
 * http_path_clean(), also telling (unless dotfile is NULL) whether the
 * cleaned path has a dotfile, as http_path_has_dotfile() would.  A path
 * that needs no change (the usual one) costs a single pass.
 */
enum http_path_status http_path_clean_dot(const char *in, size_t len, char *out,
					  size_t outsize, size_t *outlen,
					  bool *dotfile);

/* Whether any segment of a cleaned path starts with '.'. */
bool http_path_has_dotfile(const char *path);

/*
 * Opens the cleaned path (leading '/' allowed, "/" is the root itself)
 * beneath rootfd with `flags` (O_RDONLY, O_DIRECTORY, ... ; O_CLOEXEC is
 * added).  Returns the fd, or -1 with errno (EXDEV or ELOOP when the
 * path would leave the root).  Unless `dotfiles`, a symlink that leads
 * to a name starting with '.' below the root is refused with EACCES
 * (the caller checks the path itself with http_path_has_dotfile()).
 */
int http_path_open(int rootfd, const char *path, int flags, bool dotfiles);

/* Forces the per-component O_NOFOLLOW walk, for tests of the fallback. */
void http_path_force_fallback(bool on);
/* Turns off the single-pass shortcut of cleaning, for tests comparing both. */
void http_path_force_full_clean(bool on);

#endif
