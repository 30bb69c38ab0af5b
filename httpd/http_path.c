/* http_path: request paths to files beneath the root (see http_path.h). */
#include "http_path.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdint.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static bool http_path_no_openat2;

void
http_path_force_fallback(bool on)
{
	http_path_no_openat2 = on;
}

static int
http_hexval(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Drops the last segment of out[0..*n) ("/a/b/" -> "/a/"); -1 at the root. */
static int
http_path_pop(char *out, size_t *n)
{
	size_t i = *n;

	if (i <= 1)
		return -1;
	i--; /* the trailing '/' */
	while (i > 0 && out[i - 1] != '/')
		i--;
	*n = i;
	return 0;
}

/*
 * Appends one decoded segment seg[0..sl) (without '/') to out, handling
 * "." and "..".  `last` tells whether a '/' followed it.
 */
static enum http_path_status
http_path_segment(char *out, size_t outsize, size_t *n, const char *seg,
		  size_t sl, bool slash)
{
	if (sl == 0)
		return HTTP_PATH_OK; /* "//" */
	if (sl == 1 && seg[0] == '.')
		return HTTP_PATH_OK;
	if (sl == 2 && seg[0] == '.' && seg[1] == '.')
		return http_path_pop(out, n) == -1 ? HTTP_PATH_BAD
						   : HTTP_PATH_OK;
	if (*n + sl + 2 > outsize)
		return HTTP_PATH_TOO_LONG;
	memcpy(out + *n, seg, sl);
	*n += sl;
	if (slash)
		out[(*n)++] = '/';
	return HTTP_PATH_OK;
}

enum http_path_status
http_path_clean(const char *in, size_t len, char *out, size_t outsize,
		size_t *outlen)
{
	char seg[HTTP_PATH_MAX];
	size_t i = 0, sl = 0, n = 1;
	enum http_path_status st;
	int hi, lo;
	unsigned char c;

	if (len == 0 || in[0] != '/' || outsize < 2)
		return HTTP_PATH_BAD;
	out[0] = '/';
	for (i = 1; i <= len; i++) {
		if (i == len || in[i] == '/') {
			st = http_path_segment(out, outsize, &n, seg, sl,
					       i < len);
			if (st != HTTP_PATH_OK)
				return st;
			sl = 0;
			continue;
		}
		c = (unsigned char)in[i];
		if (c == '%') {
			if (i + 2 >= len)
				return HTTP_PATH_BAD;
			hi = http_hexval((unsigned char)in[i + 1]);
			lo = http_hexval((unsigned char)in[i + 2]);
			if (hi < 0 || lo < 0)
				return HTTP_PATH_BAD;
			c = (unsigned char)(hi * 16 + lo);
			if (c == '\0' || c == '/')
				return HTTP_PATH_BAD;
			i += 2;
		} else if (c == '\0') {
			return HTTP_PATH_BAD;
		}
		if (sl + 1 >= sizeof(seg))
			return HTTP_PATH_TOO_LONG;
		seg[sl++] = (char)c;
	}
	/* A final "." or ".." leaves the '/' before it: a directory. */
	out[n] = '\0';
	*outlen = n;
	return HTTP_PATH_OK;
}

bool
http_path_has_dotfile(const char *path)
{
	const char *p;

	for (p = path; (p = strchr(p, '/')) != NULL; p++) {
		if (p[1] == '.')
			return true;
	}
	return false;
}

/* The per-component walk: every step O_NOFOLLOW, so no symlink at all. */
static int
http_path_walk(int rootfd, const char *path, int flags)
{
	char comp[HTTP_PATH_MAX];
	const char *p = path, *slash;
	int fd = -1, next, err;
	size_t l;

	fd = openat(rootfd, ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	while (fd != -1) {
		while (*p == '/')
			p++;
		if (*p == '\0')
			break;
		slash = strchr(p, '/');
		l = slash != NULL ? (size_t)(slash - p) : strlen(p);
		if (l >= sizeof(comp) ||
		    (l == 2 && p[0] == '.' && p[1] == '.')) {
			close(fd);
			errno = l >= sizeof(comp) ? ENAMETOOLONG : EXDEV;
			return -1;
		}
		memcpy(comp, p, l);
		comp[l] = '\0';
		p += l;
		next = openat(fd, comp,
			      (*p == '\0' || p[strspn(p, "/")] == '\0'
				       ? flags
				       : O_PATH | O_DIRECTORY) |
				      O_NOFOLLOW | O_CLOEXEC);
		err = errno;
		close(fd);
		errno = err;
		fd = next;
	}
	return fd;
}

int
http_path_open(int rootfd, const char *path, int flags)
{
	struct open_how how;
	const char *rel = path;
	long fd;

	while (*rel == '/')
		rel++;
	if (*rel == '\0')
		rel = ".";
	if (!http_path_no_openat2) {
		memset(&how, 0, sizeof(how));
		how.flags = (uint64_t)(flags | O_CLOEXEC);
		how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;
		fd = syscall(SYS_openat2, rootfd, rel, &how, sizeof(how));
		/* seccomp filters that predate openat2 answer EPERM */
		if (fd != -1 || (errno != ENOSYS && errno != EPERM))
			return (int)fd;
	}
	return http_path_walk(rootfd, rel, flags);
}
