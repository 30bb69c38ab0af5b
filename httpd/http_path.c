/* http_path: request paths to files beneath the root (see http_path.h). */
#include "http_path.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "num.h"

static bool http_path_no_openat2;
static bool http_path_full_only;

void
http_path_force_fallback(bool on)
{
	http_path_no_openat2 = on;
}

void
http_path_force_full_clean(bool on)
{
	http_path_full_only = on;
}

/*
 * Copies in[0..len) to out (NUL-terminated) while proving it clean
 * already, with no dotfile: '/' first, no '%' or NUL (nothing to decode
 * or refuse), no "//" (no empty segment) and no "/." (no dot segment, no
 * dotfile).  Every segment is then a name kept as it is, so the cleaned
 * path is the copy; the length bounds are those under which
 * http_path_segment() never answers HTTP_PATH_TOO_LONG for it.  False
 * (out clobbered) means the full algorithm must decide.
 */
static bool
http_path_copy_plain(const char *in, size_t len, char *out, size_t outsize)
{
	size_t i;
	char ch;

	if (http_path_full_only || len == 0 || in[0] != '/' ||
	    len + 2 > outsize || len + 2 > HTTP_PATH_MAX)
		return false;
	for (i = 0; i < len; i++) {
		ch = in[i];
		if (ch == '%' || ch == '\0')
			return false;
		if (ch == '/' && i + 1 < len &&
		    (in[i + 1] == '/' || in[i + 1] == '.'))
			return false;
		out[i] = ch;
	}
	out[len] = '\0';
	return true;
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

/* The whole algorithm: decode, split, drop dot segments.  Not inlined:
 * its segment buffer would cost every call a larger frame. */
static __attribute__((noinline)) enum http_path_status
http_path_clean_full(const char *in, size_t len, char *out, size_t outsize,
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
			hi = num_hexval((unsigned char)in[i + 1]);
			lo = num_hexval((unsigned char)in[i + 2]);
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

enum http_path_status
http_path_clean_dot(const char *in, size_t len, char *out, size_t outsize,
		    size_t *outlen, bool *dotfile)
{
	enum http_path_status st;

	if (http_path_copy_plain(in, len, out, outsize)) {
		*outlen = len;
		if (dotfile != NULL)
			*dotfile = false;
		return HTTP_PATH_OK;
	}
	st = http_path_clean_full(in, len, out, outsize, outlen);
	if (st == HTTP_PATH_OK && dotfile != NULL)
		*dotfile = http_path_has_dotfile(out);
	return st;
}

enum http_path_status
http_path_clean(const char *in, size_t len, char *out, size_t outsize,
		size_t *outlen)
{
	return http_path_clean_dot(in, len, out, outsize, outlen, NULL);
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

/*
 * The part of an fd's path below the root's ("/a/b" for root/a/b, "" for
 * the root itself), in buf; NULL when either path is unknown (no /proc,
 * unlinked, too long) or the fd is not beneath the root.
 */
static const char *
http_path_below_root(int rootfd, int fd, char *buf, size_t size)
{
	char link[64], root[HTTP_PATH_MAX];
	ssize_t rl, tl;

	snprintf(link, sizeof(link), "/proc/self/fd/%d", rootfd);
	rl = readlink(link, root, sizeof(root));
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	tl = readlink(link, buf, size - 1);
	if (rl <= 0 || (size_t)rl >= sizeof(root) || tl <= 0 ||
	    (size_t)tl >= size - 1)
		return NULL;
	buf[tl] = '\0';
	if (rl == 1) /* the root is "/" */
		return buf;
	if (tl < rl || memcmp(buf, root, (size_t)rl) != 0 ||
	    (buf[rl] != '\0' && buf[rl] != '/'))
		return NULL;
	return buf + rl;
}

/*
 * openat2 found a symlink on the way: follow it (still beneath the
 * root), then refuse what it led to when that is a dotfile.  Only here
 * does a cleaned path without dot segments reach one, and only a cache
 * miss gets here, so the extra syscalls are off the hot path.
 */
static int
http_path_open_symlinked(int rootfd, const char *rel, struct open_how *how)
{
	char target[HTTP_PATH_MAX + 64];
	const char *below;
	long fd;

	how->resolve &= ~(uint64_t)RESOLVE_NO_SYMLINKS;
	fd = syscall(SYS_openat2, rootfd, rel, how, sizeof(*how));
	if (fd == -1)
		return -1;
	below = http_path_below_root(rootfd, (int)fd, target, sizeof(target));
	if (below == NULL || http_path_has_dotfile(below)) {
		close((int)fd);
		errno = EACCES; /* unknown target: fail closed */
		return -1;
	}
	return (int)fd;
}

int
http_path_open(int rootfd, const char *path, int flags, bool dotfiles)
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
		if (!dotfiles)
			how.resolve |= RESOLVE_NO_SYMLINKS;
		fd = syscall(SYS_openat2, rootfd, rel, &how, sizeof(how));
		if (fd == -1 && errno == ELOOP && !dotfiles)
			return http_path_open_symlinked(rootfd, rel, &how);
		/* seccomp filters that predate openat2 answer EPERM */
		if (fd != -1 || (errno != ENOSYS && errno != EPERM))
			return (int)fd;
	}
	/* Follows no symlink: what opens is the path the caller checked. */
	return http_path_walk(rootfd, rel, flags);
}
