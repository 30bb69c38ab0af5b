/* autoindex: directory listings (see autoindex.h). */
#include "autoindex.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "http_path.h"

struct ai_buf {
	char *p;
	size_t len, cap;
	bool fail;
};

static void
ai_put(struct ai_buf *b, const char *s, size_t n)
{
	char *np;
	size_t ncap;

	if (b->fail)
		return;
	if (b->cap - b->len < n + 1) {
		ncap = (b->cap + n + 1) * 2;
		np = realloc(b->p, ncap);
		if (np == NULL) {
			b->fail = true;
			return;
		}
		b->p = np;
		b->cap = ncap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
}

static void
ai_str(struct ai_buf *b, const char *s)
{
	ai_put(b, s, strlen(s));
}

size_t
autoindex_escape_html(const char *s, char *out, size_t outsize)
{
	size_t o = 0, n;
	const char *rep;
	char one[2] = {0, 0};

	for (; *s != '\0'; s++) {
		switch (*s) {
		case '&':
			rep = "&amp;";
			break;
		case '<':
			rep = "&lt;";
			break;
		case '>':
			rep = "&gt;";
			break;
		case '"':
			rep = "&quot;";
			break;
		case '\'':
			rep = "&#39;";
			break;
		default:
			one[0] = *s;
			rep = one;
			break;
		}
		n = strlen(rep);
		if (o + n >= outsize)
			break;
		memcpy(out + o, rep, n);
		o += n;
	}
	out[o] = '\0';
	return o;
}

static void
ai_href(struct ai_buf *b, const char *name)
{
	static const char hex[] = "0123456789ABCDEF";
	unsigned char c;
	char e[3];

	for (; *name != '\0'; name++) {
		c = (unsigned char)*name;
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || strchr("-._~", c) != NULL) {
			ai_put(b, name, 1);
			continue;
		}
		e[0] = '%';
		e[1] = hex[c >> 4];
		e[2] = hex[c & 15];
		ai_put(b, e, 3);
	}
}

static int
ai_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Reads the names (a trailing '/' on directories) into a sorted array. */
static int
ai_names(int dfd, bool dotfiles, char ***out, size_t *count)
{
	DIR *d = fdopendir(dfd);
	struct dirent *de;
	struct stat sb;
	char **names = NULL, **nn;
	size_t n = 0, cap = 0;
	int dir;

	if (d == NULL) {
		close(dfd);
		return errno;
	}
	while ((de = readdir(d)) != NULL && n < AUTOINDEX_MAX_ENTRIES) {
		if (de->d_name[0] == '.' &&
		    (!dotfiles || de->d_name[1] == '\0' ||
		     strcmp(de->d_name, "..") == 0))
			continue;
		dir = fstatat(dirfd(d), de->d_name, &sb, AT_SYMLINK_NOFOLLOW) ==
			      0 &&
		      S_ISDIR(sb.st_mode);
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			nn = realloc(names, cap * sizeof(*names));
			if (nn == NULL)
				break;
			names = nn;
		}
		if (asprintf(&names[n], "%s%s", de->d_name, dir ? "/" : "") < 0)
			break;
		n++;
	}
	closedir(d);
	if (n > 0)
		qsort(names, n, sizeof(*names), ai_cmp);
	*out = names;
	*count = n;
	return 0;
}

int
autoindex_build(int rootfd, const char *path, bool dotfiles, char **page,
		size_t *len)
{
	struct ai_buf b = {0};
	char esc[HTTP_PATH_MAX * 6];
	char **names = NULL;
	size_t n = 0, i;
	int fd, err;

	fd = http_path_open(rootfd, path, O_RDONLY | O_DIRECTORY, dotfiles);
	if (fd == -1)
		return errno;
	if ((err = ai_names(fd, dotfiles, &names, &n)) != 0)
		return err;
	autoindex_escape_html(path, esc, sizeof(esc));
	ai_str(&b, "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">"
		   "<title>Index of ");
	ai_str(&b, esc);
	ai_str(&b, "</title></head>\n<body><h1>Index of ");
	ai_str(&b, esc);
	ai_str(&b, "</h1>\n<ul>\n");
	if (strcmp(path, "/") != 0)
		ai_str(&b, "<li><a href=\"../\">../</a></li>\n");
	for (i = 0; i < n; i++) {
		autoindex_escape_html(names[i], esc, sizeof(esc));
		ai_str(&b, "<li><a href=\"");
		ai_href(&b, names[i]);
		if (names[i][strlen(names[i]) - 1] == '/')
			b.len -= 3, ai_str(&b, "/"); /* keep '/' literal */
		ai_str(&b, "\">");
		ai_str(&b, esc);
		ai_str(&b, "</a></li>\n");
		free(names[i]);
	}
	free(names);
	ai_str(&b, "</ul>\n</body></html>\n");
	if (b.fail) {
		free(b.p);
		return ENOMEM;
	}
	b.p[b.len] = '\0'; /* ai_put keeps room for it */
	*page = b.p;
	*len = b.len;
	return 0;
}
