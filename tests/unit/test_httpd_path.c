/*
 * httpd path resolver: cleaning (percent-decoding once, NUL, encoded
 * '/', dot segments, climbing above the root) and opening beneath a real
 * root directory with symlinks pointing inside and outside it, with
 * openat2 and with the O_NOFOLLOW fallback; and autoindex escaping.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "autoindex.h"
#include "http_path.h"

/*
 * One input cleaned with the single-pass shortcut and without it: the
 * same status, and when OK the same path, length and dotfile answer.
 */
static void
clean_both(const char *in, size_t len, size_t outsize)
{
	char a[HTTP_PATH_MAX + 16], b[HTTP_PATH_MAX + 16];
	size_t alen = 0, blen = 0;
	bool adot = true, bdot = false;
	enum http_path_status ast, bst;

	assert_true(outsize <= sizeof(a));
	http_path_force_full_clean(false);
	ast = http_path_clean_dot(in, len, a, outsize, &alen, &adot);
	http_path_force_full_clean(true);
	bst = http_path_clean_dot(in, len, b, outsize, &blen, &bdot);
	http_path_force_full_clean(false);
	if (ast != bst)
		fail_msg("\"%.*s\" (%zu, out %zu): %d, full %d", (int)len, in,
			 len, outsize, ast, bst);
	if (ast != HTTP_PATH_OK)
		return;
	if (alen != blen || strcmp(a, b) != 0 || alen != strlen(a) ||
	    adot != bdot || adot != http_path_has_dotfile(a))
		fail_msg("\"%.*s\": \"%s\" %d, full \"%s\" %d", (int)len, in, a,
			 adot, b, bdot);
}

struct clean_case {
	const char *in;
	enum http_path_status want;
	const char *out;
};

static void
test_clean(void **state)
{
	static const struct clean_case cases[] = {
		{"/", HTTP_PATH_OK, "/"},
		{"/a/b", HTTP_PATH_OK, "/a/b"},
		{"/a/b/", HTTP_PATH_OK, "/a/b/"},
		{"//a///b", HTTP_PATH_OK, "/a/b"},
		{"/a/./b/.", HTTP_PATH_OK, "/a/b/"},
		{"/a/../b", HTTP_PATH_OK, "/b"},
		{"/a/b/..", HTTP_PATH_OK, "/a/"},
		{"/a/b/%2e", HTTP_PATH_OK, "/a/b/"},
		{"/x..", HTTP_PATH_OK, "/x.."}, /* a name, not a dot segment */
		{"/a/b..", HTTP_PATH_OK, "/a/b.."},
		{"/a/...", HTTP_PATH_OK, "/a/..."},
		{"/a/%2e%2e/b", HTTP_PATH_OK, "/b"},
		{"/%41%62", HTTP_PATH_OK, "/Ab"},
		{"/a%20b", HTTP_PATH_OK, "/a b"},
		{"/%252e%252e/", HTTP_PATH_OK, "/%2e%2e/"}, /* decoded once */
		{"/..", HTTP_PATH_BAD, NULL},
		{"/../etc/passwd", HTTP_PATH_BAD, NULL},
		{"/a/../../etc", HTTP_PATH_BAD, NULL},
		{"/%2e%2e/etc", HTTP_PATH_BAD, NULL},
		{"/a/%2E%2E/%2e%2e/x", HTTP_PATH_BAD, NULL},
		{"/a%2fb", HTTP_PATH_BAD, NULL},
		{"/a%2Fb", HTTP_PATH_BAD, NULL},
		{"/a%00b", HTTP_PATH_BAD, NULL},
		{"/a%", HTTP_PATH_BAD, NULL},
		{"/a%4", HTTP_PATH_BAD, NULL},
		{"/a%zz", HTTP_PATH_BAD, NULL},
		{"a/b", HTTP_PATH_BAD, NULL},
		{"", HTTP_PATH_BAD, NULL},
	};
	char out[HTTP_PATH_MAX];
	size_t i, len;
	enum http_path_status st;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		st = http_path_clean(cases[i].in, strlen(cases[i].in), out,
				     sizeof(out), &len);
		if (st != cases[i].want)
			fail_msg("\"%s\": %d, want %d", cases[i].in, st,
				 cases[i].want);
		if (st == HTTP_PATH_OK &&
		    (strcmp(out, cases[i].out) != 0 || len != strlen(out)))
			fail_msg("\"%s\": \"%s\", want \"%s\"", cases[i].in,
				 out, cases[i].out);
		clean_both(cases[i].in, strlen(cases[i].in), sizeof(out));
	}
	/* a NUL byte in the raw path */
	assert_int_equal(http_path_clean("/a\0b", 4, out, sizeof(out), &len),
			 HTTP_PATH_BAD);
	/* too long for the output */
	assert_int_equal(http_path_clean("/abcdef", 7, out, 4, &len),
			 HTTP_PATH_TOO_LONG);
	assert_true(http_path_has_dotfile("/a/.git/config"));
	assert_true(http_path_has_dotfile("/.env"));
	assert_false(http_path_has_dotfile("/a/b.c/d"));
}

/*
 * The shortcut against the full algorithm: every path of up to 6 bytes
 * over the bytes that matter ('/', '.', '%', hex digits, NUL, a letter),
 * each at output sizes around its length; then random longer ones and
 * lengths at HTTP_PATH_MAX.
 */
static void
test_clean_shortcut(void **state)
{
	static const char alpha[] = {'/', '.', '%', '2', 'e', 'f', 'a', '\0'};
	char in[HTTP_PATH_MAX + 8];
	size_t len, k, idx, n, total = 1, outsize;
	unsigned seed = 1;

	(void)state;
	for (len = 0; len <= 6; len++, total *= sizeof(alpha)) {
		for (idx = 0; idx < total; idx++) {
			for (k = 0, n = idx; k < len; k++, n /= sizeof(alpha))
				in[k] = alpha[n % sizeof(alpha)];
			for (outsize = 0; outsize <= len + 3; outsize++)
				clean_both(in, len, outsize);
			clean_both(in, len, HTTP_PATH_MAX);
		}
	}
	for (n = 0; n < 20000; n++) {
		len = 1 + (size_t)(rand_r(&seed) % 40);
		in[0] = '/';
		for (k = 1; k < len; k++)
			in[k] = (rand_r(&seed) % 4 == 0)
					? alpha[rand_r(&seed) % sizeof(alpha)]
					: (char)('a' + rand_r(&seed) % 26);
		clean_both(in, len, HTTP_PATH_MAX);
		clean_both(in, len, len + 1);
		clean_both(in, len, len + 2);
	}
	/* long plain paths: the output size and the segment buffer bind */
	for (len = HTTP_PATH_MAX - 4; len <= HTTP_PATH_MAX + 4; len++) {
		memset(in, 'x', len);
		in[0] = '/';
		clean_both(in, len, HTTP_PATH_MAX);
		clean_both(in, len, HTTP_PATH_MAX + 16);
		for (k = 64; k < len; k += 64)
			in[k] = '/';
		clean_both(in, len, HTTP_PATH_MAX);
		clean_both(in, len, HTTP_PATH_MAX + 16);
	}
}

struct tree {
	char top[64]; /* holds root/ and outside/ */
	char root[96];
	int rootfd;
};

static void
mkfile(const char *dir, const char *name, const char *text)
{
	char p[256];
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	f = fopen(p, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static int
tree_setup(void **state)
{
	struct tree *t = calloc(1, sizeof(*t));
	char p[256];

	assert_non_null(t);
	snprintf(t->top, sizeof(t->top), "/tmp/test_httpd_path.XXXXXX");
	assert_non_null(mkdtemp(t->top));
	snprintf(t->root, sizeof(t->root), "%s/root", t->top);
	assert_int_equal(mkdir(t->root, 0755), 0);
	snprintf(p, sizeof(p), "%s/outside", t->top);
	assert_int_equal(mkdir(p, 0755), 0);
	mkfile(p, "secret", "secret\n");
	mkfile(t->root, "file", "in\n");
	snprintf(p, sizeof(p), "%s/dir", t->root);
	assert_int_equal(mkdir(p, 0755), 0);
	mkfile(p, "<b>&x\"", "x\n");
	snprintf(p, sizeof(p), "%s/up", t->root);
	assert_int_equal(symlink("../outside/secret", p), 0);
	snprintf(p, sizeof(p), "%s/abs", t->root);
	assert_int_equal(symlink("/etc/passwd", p), 0);
	snprintf(p, sizeof(p), "%s/updir", t->root);
	assert_int_equal(symlink("../outside", p), 0);
	snprintf(p, sizeof(p), "%s/inside", t->root);
	assert_int_equal(symlink("dir", p), 0);
	/* symlinks inside the root that lead to dotfiles */
	mkfile(t->root, ".secret", "dot\n");
	snprintf(p, sizeof(p), "%s/.sdir", t->root);
	assert_int_equal(mkdir(p, 0755), 0);
	mkfile(p, "f", "in dot dir\n");
	snprintf(p, sizeof(p), "%s/link", t->root);
	assert_int_equal(symlink(".secret", p), 0);
	snprintf(p, sizeof(p), "%s/dlink", t->root);
	assert_int_equal(symlink(".sdir", p), 0);
	snprintf(p, sizeof(p), "%s/dir/back", t->root);
	assert_int_equal(symlink("../.sdir/f", p), 0);
	t->rootfd = open(t->root, O_PATH | O_DIRECTORY);
	assert_true(t->rootfd >= 0);
	*state = t;
	return 0;
}

static int
tree_teardown(void **state)
{
	struct tree *t = *state;
	char cmd[160];

	close(t->rootfd);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", t->top);
	if (system(cmd) != 0)
		return -1;
	free(t);
	http_path_force_fallback(false);
	return 0;
}

static void
expect_open_dot(int rootfd, const char *path, int flags, bool dotfiles,
		int want_errno)
{
	int fd = http_path_open(rootfd, path, flags, dotfiles);

	if (want_errno == 0) {
		if (fd < 0)
			fail_msg("%s: %s", path, strerror(errno));
		close(fd);
		return;
	}
	if (fd >= 0) {
		close(fd);
		fail_msg("%s: opened, want an error", path);
	}
	/* refusals: EXDEV (openat2), ELOOP or ENOTDIR (O_NOFOLLOW walk) */
	if (errno != want_errno &&
	    !(want_errno == EXDEV && (errno == ELOOP || errno == ENOTDIR)))
		fail_msg("%s: %s, want %s", path, strerror(errno),
			 strerror(want_errno));
}

static void
expect_open(int rootfd, const char *path, int flags, int want_errno)
{
	expect_open_dot(rootfd, path, flags, false, want_errno);
}

static void
open_cases(struct tree *t, bool fallback)
{
	http_path_force_fallback(fallback);
	expect_open(t->rootfd, "/file", O_RDONLY, 0);
	expect_open(t->rootfd, "/", O_RDONLY | O_DIRECTORY, 0);
	expect_open(t->rootfd, "/dir/", O_RDONLY | O_DIRECTORY, 0);
	expect_open(t->rootfd, "/missing", O_RDONLY, ENOENT);
	expect_open(t->rootfd, "/file/x", O_RDONLY, ENOTDIR);
	/* symlinks that leave the root never open */
	expect_open(t->rootfd, "/up", O_RDONLY, EXDEV);
	expect_open(t->rootfd, "/abs", O_RDONLY, EXDEV);
	expect_open(t->rootfd, "/updir/secret", O_RDONLY, EXDEV);
	/* and ".." is refused even where the cleaner would not send it */
	expect_open(t->rootfd, "/../outside/secret", O_RDONLY, EXDEV);
}

static void
test_open_openat2(void **state)
{
	struct tree *t = *state;

	open_cases(t, false);
	/* a symlink that stays inside is followed with openat2 */
	expect_open(t->rootfd, "/inside/<b>&x\"", O_RDONLY, 0);
	/* but not to a dotfile, unless dotfiles are served */
	expect_open(t->rootfd, "/link", O_RDONLY, EACCES);
	expect_open(t->rootfd, "/dlink/f", O_RDONLY, EACCES);
	expect_open(t->rootfd, "/dlink/", O_RDONLY | O_DIRECTORY, EACCES);
	expect_open(t->rootfd, "/dir/back", O_RDONLY, EACCES);
	expect_open(t->rootfd, "/inside/back", O_RDONLY, EACCES);
	expect_open_dot(t->rootfd, "/link", O_RDONLY, true, 0);
	expect_open_dot(t->rootfd, "/dlink/f", O_RDONLY, true, 0);
	expect_open_dot(t->rootfd, "/inside/back", O_RDONLY, true, 0);
	/* a missing target stays a 404, not a 403 */
	expect_open(t->rootfd, "/dlink/none", O_RDONLY, ENOENT);
}

static void
test_open_fallback(void **state)
{
	struct tree *t = *state;

	open_cases(t, true);
	/* the fallback follows no symlink at all */
	expect_open(t->rootfd, "/inside/<b>&x\"", O_RDONLY, EXDEV);
	expect_open(t->rootfd, "/link", O_RDONLY, EXDEV);
	expect_open_dot(t->rootfd, "/dlink/f", O_RDONLY, true, EXDEV);
}

/* openat2 refused with EPERM by a seccomp filter: fall back, not 403. */
static void
test_open_seccomp_eperm(void **state)
{
	struct tree *t = *state;
	struct sock_filter filter[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
			 offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_openat2, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = {
		.len = sizeof(filter) / sizeof(filter[0]),
		.filter = filter,
	};
	int status, fd;
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1 ||
		    prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) == -1)
			_exit(2);
		fd = http_path_open(t->rootfd, "/file", O_RDONLY, false);
		_exit(fd >= 0 ? 0 : 1);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	if (WEXITSTATUS(status) == 2)
		skip();
	assert_int_equal(WEXITSTATUS(status), 0);
}

static void
test_autoindex(void **state)
{
	struct tree *t = *state;
	char *page = NULL;
	size_t len = 0;
	char esc[64];

	assert_int_equal(
		autoindex_build(t->rootfd, "/dir/", false, &page, &len), 0);
	assert_non_null(strstr(page, "&lt;b&gt;&amp;x&quot;"));
	assert_non_null(strstr(page, "href=\"%3Cb%3E%26x%22\""));
	assert_null(strstr(page, "<b>"));
	assert_int_equal(strlen(page), len);
	free(page);
	assert_int_equal(
		autoindex_build(t->rootfd, "/updir/", false, &page, &len),
		EXDEV);
	assert_int_equal(
		autoindex_build(t->rootfd, "/dlink/", false, &page, &len),
		EACCES);
	assert_int_equal(
		autoindex_build(t->rootfd, "/dlink/", true, &page, &len), 0);
	assert_non_null(strstr(page, "href=\"f\""));
	free(page);
	autoindex_escape_html("a<'>", esc, sizeof(esc));
	assert_string_equal(esc, "a&lt;&#39;&gt;");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_clean),
		cmocka_unit_test(test_clean_shortcut),
		cmocka_unit_test_setup_teardown(test_open_openat2, tree_setup,
						tree_teardown),
		cmocka_unit_test_setup_teardown(test_open_fallback, tree_setup,
						tree_teardown),
		cmocka_unit_test_setup_teardown(test_open_seccomp_eperm,
						tree_setup, tree_teardown),
		cmocka_unit_test_setup_teardown(test_autoindex, tree_setup,
						tree_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
