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

void
http_path_force_fallback(bool on)
{
	http_path_no_openat2 = on;
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
