/*
 * log: the rate limiter with injected times, level names, and the exact
 * lines written to stderr (captured by pointing fd 2 at a temp file for
 * the duration of one call, then restoring it before any assertion).
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
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "log.h"

#define N(t)  (sizeof(t) / sizeof((t)[0]))
#define IDENT "labtest"

/* --- the rate limiter ------------------------------------------------ */

static bool
allow(struct log_limit *lim, time_t now, unsigned long want_reported)
{
	unsigned long reported = 12345;
	bool ok = log_limit_allow(lim, now, &reported);

	if (reported != want_reported)
		fail_msg("t=%lld: reported %lu, want %lu", (long long)now,
			 reported, want_reported);
	return ok;
}

static void
test_limit_burst_then_suppressed(void **state)
{
	struct log_limit lim = {.burst = 3, .interval = 10};

	(void)state;
	assert_true(allow(&lim, 100, 0));
	assert_true(allow(&lim, 100, 0));
	assert_true(allow(&lim, 101, 0));
	assert_false(allow(&lim, 101, 0));
	assert_false(allow(&lim, 105, 0));
	assert_false(allow(&lim, 109, 0)); /* last second of the window */
	assert_int_equal(lim.suppressed, 3);
}

static void
test_limit_reports_suppressed_once(void **state)
{
	struct log_limit lim = {.burst = 2, .interval = 10};
	int i;

	(void)state;
	for (i = 0; i < 7; i++)
		allow(&lim, 100, 0);
	assert_true(allow(&lim, 110, 5)); /* the next window opens */
	assert_true(allow(&lim, 110, 0)); /* reported only once */
	assert_false(allow(&lim, 111, 0));
	assert_true(allow(&lim, 125, 1));
}

static void
test_limit_quiet_window_reports_zero(void **state)
{
	struct log_limit lim = {.burst = 2, .interval = 10};

	(void)state;
	assert_true(allow(&lim, 100, 0));
	assert_true(allow(&lim, 200, 0));
	assert_true(allow(&lim, 201, 0));
	assert_false(allow(&lim, 202, 0));
}

static void
test_limit_windows_reset_burst(void **state)
{
	struct log_limit lim = {.burst = 2, .interval = 5};
	time_t t;

	(void)state;
	for (t = 1000; t < 1050; t += 5) {
		unsigned long first = t == 1000 ? 0 : 1;

		assert_true(allow(&lim, t, first));
		assert_true(allow(&lim, t + 1, 0));
		assert_false(allow(&lim, t + 4, 0));
	}
}

static void
test_limit_burst_zero_never_allows(void **state)
{
	struct log_limit lim = {.burst = 0, .interval = 10};

	(void)state;
	assert_false(allow(&lim, 100, 0));
	assert_false(allow(&lim, 101, 0));
	assert_false(allow(&lim, 110, 2));
	assert_false(allow(&lim, 120, 1));
}

/* A clock stepping back opens a new window instead of muting for long. */
static void
test_limit_time_backwards(void **state)
{
	struct log_limit lim = {.burst = 1, .interval = 10};

	(void)state;
	assert_true(allow(&lim, 1000, 0));
	assert_false(allow(&lim, 1001, 0));
	assert_false(allow(&lim, 1002, 0));
	assert_true(allow(&lim, 500, 2));
	assert_false(allow(&lim, 501, 0));
	assert_true(allow(&lim, 510, 1));
}

static void
test_limit_init_defaults(void **state)
{
	struct log_limit lim = LOG_LIMIT_INIT;
	unsigned i;

	(void)state;
	assert_int_equal(lim.burst, LOG_LIMIT_BURST);
	assert_int_equal(lim.interval, LOG_LIMIT_INTERVAL);
	for (i = 0; i < LOG_LIMIT_BURST; i++)
		assert_true(allow(&lim, 50, 0));
	assert_false(allow(&lim, 50, 0));
	assert_true(allow(&lim, 50 + LOG_LIMIT_INTERVAL, 1));
}

/* --- level names ----------------------------------------------------- */

static void
test_level_names_round_trip(void **state)
{
	static const struct {
		enum log_level level;
		const char *name;
	} cases[] = {
		{LOG_LEVEL_ERROR, "error"},   {LOG_LEVEL_WARNING, "warning"},
		{LOG_LEVEL_NOTICE, "notice"}, {LOG_LEVEL_INFO, "info"},
		{LOG_LEVEL_DEBUG, "debug"},
	};
	size_t i;

	(void)state;
	for (i = 0; i < N(cases); i++) {
		enum log_level l = LOG_LEVEL_ERROR;

		assert_string_equal(log_level_name(cases[i].level),
				    cases[i].name);
		assert_int_equal(log_level_parse(cases[i].name, &l), 0);
		assert_int_equal(l, cases[i].level);
	}
}

static void
test_level_unknown(void **state)
{
	static const char *const names[] = {
		"",      "warn",     "ERROR",  "Info", "info ",
		" info", "critical", "debug2", "7",    "err",
	};
	static const int levels[] = {-1, 0, 1, 2, 8, 100};
	size_t i;

	(void)state;
	for (i = 0; i < N(names); i++) {
		enum log_level l = LOG_LEVEL_NOTICE;

		if (log_level_parse(names[i], &l) != -1)
			fail_msg("\"%s\" accepted", names[i]);
		assert_int_equal(l, LOG_LEVEL_NOTICE);
	}
	for (i = 0; i < N(levels); i++)
		assert_null(log_level_name((enum log_level)levels[i]));
}

static void
test_set_level_clamps(void **state)
{
	(void)state;
	log_set_level((enum log_level)0);
	assert_int_equal(log_get_level(), LOG_LEVEL_ERROR);
	log_set_level((enum log_level)99);
	assert_int_equal(log_get_level(), LOG_LEVEL_DEBUG);
	log_set_level(LOG_LEVEL_NOTICE);
	assert_int_equal(log_get_level(), LOG_LEVEL_NOTICE);
	assert_true(log_enabled(LOG_LEVEL_ERROR));
	assert_true(log_enabled(LOG_LEVEL_NOTICE));
	assert_false(log_enabled(LOG_LEVEL_INFO));
	assert_false(log_enabled(LOG_LEVEL_DEBUG));
	log_set_level(LOG_LEVEL_INFO);
}

/* --- output ---------------------------------------------------------- */

struct capture {
	int fd;    /* the temp file */
	int saved; /* the real stderr */
	char text[8192];
	size_t len;
};

static void
capture_start(struct capture *c)
{
	char path[] = "/tmp/labgate-test-log-XXXXXX";

	c->fd = mkstemp(path);
	assert_true(c->fd >= 0);
	unlink(path);
	c->saved = dup(STDERR_FILENO);
	assert_true(c->saved >= 0);
	assert_int_equal(dup2(c->fd, STDERR_FILENO), STDERR_FILENO);
}

/* Restores stderr and reads what was written, NUL-terminated. */
static void
capture_end(struct capture *c)
{
	ssize_t n;

	dup2(c->saved, STDERR_FILENO);
	close(c->saved);
	n = pread(c->fd, c->text, sizeof(c->text) - 1, 0);
	close(c->fd);
	assert_true(n >= 0);
	c->len = (size_t)n;
	c->text[c->len] = '\0';
}

static size_t
count_lines(const char *s)
{
	size_t n = 0;

	for (; *s != '\0'; s++)
		n += *s == '\n';
	return n;
}

/* Fresh state for output tests: plain stderr, our ident, level info. */
static int
reset_log(void **state)
{
	(void)state;
	unsetenv("JOURNAL_STREAM");
	log_init(IDENT);
	log_set_level(LOG_LEVEL_INFO);
	return 0;
}

/* "YYYY-MM-DD HH:MM:SS ident[pid]: level: message\n" */
static void
test_msg_line_format(void **state)
{
	struct capture c;
	char want[256];
	unsigned y, mo, d, h, mi, s;
	int used = 0;

	reset_log(state);
	capture_start(&c);
	log_msg(LOG_LEVEL_WARNING, "disk %s at %d%%", "full", 99);
	capture_end(&c);
	assert_int_equal(sscanf(c.text, "%4u-%2u-%2u %2u:%2u:%2u %n", &y, &mo,
				&d, &h, &mi, &s, &used),
			 6);
	assert_int_equal(used, 20);
	snprintf(want, sizeof(want),
		 IDENT "[%ld]: warning: disk full at 99%%\n", (long)getpid());
	assert_string_equal(c.text + used, want);
}

static void
test_msg_each_level_named(void **state)
{
	static const enum log_level levels[] = {
		LOG_LEVEL_ERROR, LOG_LEVEL_WARNING, LOG_LEVEL_NOTICE,
		LOG_LEVEL_INFO,  LOG_LEVEL_DEBUG,
	};
	size_t i;

	reset_log(state);
	log_set_level(LOG_LEVEL_DEBUG);
	for (i = 0; i < N(levels); i++) {
		struct capture c;
		char want[64];

		capture_start(&c);
		log_msg(levels[i], "m");
		capture_end(&c);
		snprintf(want, sizeof(want), "]: %s: m\n",
			 log_level_name(levels[i]));
		assert_non_null(strstr(c.text, want));
		assert_int_equal(count_lines(c.text), 1);
	}
	log_set_level(LOG_LEVEL_INFO);
}

static void
test_msg_below_level_not_written(void **state)
{
	struct capture c;

	reset_log(state);
	log_set_level(LOG_LEVEL_WARNING);
	capture_start(&c);
	log_msg(LOG_LEVEL_NOTICE, "notice");
	log_info("info");
	log_debug("debug");
	log_err("shown");
	capture_end(&c);
	log_set_level(LOG_LEVEL_INFO);
	assert_int_equal(count_lines(c.text), 1);
	assert_non_null(strstr(c.text, ": error: shown\n"));
}

static void
check_one_cut_line(const struct capture *c)
{
	assert_true(c->len <= LOG_MAX_LINE);
	assert_true(c->len >= LOG_MAX_LINE - 1);
	assert_int_equal(c->text[c->len - 1], '\n');
	assert_int_equal(count_lines(c->text), 1);
}

static void
test_msg_cut_at_max_line(void **state)
{
	char *big = malloc(4 * LOG_MAX_LINE);
	struct capture c;

	reset_log(state);
	assert_non_null(big);
	memset(big, 'a', 4 * LOG_MAX_LINE - 1);
	big[4 * LOG_MAX_LINE - 1] = '\0';
	capture_start(&c);
	log_msg(LOG_LEVEL_ERROR, "%s", big);
	capture_end(&c);
	free(big);
	check_one_cut_line(&c);
	assert_int_equal(c.text[c.len - 2], 'a');
}

/* Lengths around the limit: whole if they fit, else cut; always one line. */
static void
test_msg_lengths_near_limit(void **state)
{
	char msg[LOG_MAX_LINE + 128];
	size_t extra;

	reset_log(state);
	for (extra = 0; extra < 8; extra++) {
		struct capture c;
		size_t mlen = LOG_MAX_LINE - 64 + extra * 16;

		memset(msg, 'b', mlen);
		msg[mlen] = '\0';
		capture_start(&c);
		log_msg(LOG_LEVEL_ERROR, "%s", msg);
		capture_end(&c);
		assert_true(c.len <= LOG_MAX_LINE);
		assert_int_equal(c.text[c.len - 1], '\n');
		assert_int_equal(count_lines(c.text), 1);
	}
}

/* An ident longer than a line still yields one bounded line. */
static void
test_msg_huge_ident_bounded(void **state)
{
	char *ident = malloc(3 * LOG_MAX_LINE);
	struct capture c;

	(void)state;
	assert_non_null(ident);
	memset(ident, 'i', 3 * LOG_MAX_LINE - 1);
	ident[3 * LOG_MAX_LINE - 1] = '\0';
	unsetenv("JOURNAL_STREAM");
	log_init(ident);
	capture_start(&c);
	log_msg(LOG_LEVEL_ERROR, "after a long ident");
	capture_end(&c);
	log_init(IDENT);
	free(ident);
	check_one_cut_line(&c);
}

static void
test_msg_keeps_errno(void **state)
{
	struct capture c;
	int after_error, after_info;

	reset_log(state);
	capture_start(&c);
	errno = EPROTO;
	log_msg(LOG_LEVEL_ERROR, "x");
	after_error = errno;
	errno = ENOSPC;
	log_info("y");
	after_info = errno;
	capture_end(&c);
	assert_int_equal(after_error, EPROTO);
	assert_int_equal(after_info, ENOSPC);
	assert_int_equal(count_lines(c.text), 2);
}

/* A stderr that refuses writes (EBADF) costs the line, not errno. */
static void
test_msg_unwritable_stderr_keeps_errno(void **state)
{
	int ro = open("/dev/null", O_RDONLY), saved = dup(STDERR_FILENO);
	int after;

	reset_log(state);
	assert_true(ro >= 0 && saved >= 0);
	dup2(ro, STDERR_FILENO);
	errno = EPROTO;
	log_msg(LOG_LEVEL_ERROR, "lost");
	after = errno;
	dup2(saved, STDERR_FILENO);
	close(saved);
	close(ro);
	assert_int_equal(after, EPROTO);
}

/* Points JOURNAL_STREAM at the capture file (or at another inode). */
static void
set_journal_stream(const struct capture *c, long ino_delta)
{
	struct stat st;
	char env[64];

	assert_int_equal(fstat(c->fd, &st), 0);
	snprintf(env, sizeof(env), "%llu:%llu", (unsigned long long)st.st_dev,
		 (unsigned long long)st.st_ino + (unsigned long long)ino_delta);
	assert_int_equal(setenv("JOURNAL_STREAM", env, 1), 0);
}

static void
test_journal_priority_prefix(void **state)
{
	struct capture c;

	reset_log(state);
	capture_start(&c);
	set_journal_stream(&c, 0);
	log_init(IDENT);
	log_warn("disk full");
	log_err("gone");
	log_info("fine %d", 1);
	capture_end(&c);
	reset_log(state);
	assert_string_equal(c.text, "<4>disk full\n<3>gone\n<6>fine 1\n");
}

static void
test_journal_other_inode_ignored(void **state)
{
	struct capture c;

	reset_log(state);
	capture_start(&c);
	set_journal_stream(&c, 1);
	log_init(IDENT);
	log_warn("plain");
	capture_end(&c);
	reset_log(state);
	assert_true(c.text[0] != '<');
	assert_non_null(strstr(c.text, IDENT "["));
	assert_non_null(strstr(c.text, ": warning: plain\n"));
}

static void
test_journal_malformed_ignored(void **state)
{
	static const char *const values[] = {"", "garbage", "12", ":", "1:"};
	size_t i;

	for (i = 0; i < N(values); i++) {
		struct capture c;

		reset_log(state);
		capture_start(&c);
		setenv("JOURNAL_STREAM", values[i], 1);
		log_init(IDENT);
		log_warn("plain");
		capture_end(&c);
		reset_log(state);
		if (c.text[0] == '<')
			fail_msg("JOURNAL_STREAM=\"%s\": %s", values[i],
				 c.text);
	}
}

static void
test_limited_prints_burst(void **state)
{
	struct log_limit lim = LOG_LIMIT_INIT;
	struct capture c;
	int i;

	reset_log(state);
	capture_start(&c);
	for (i = 0; i < 100; i++)
		log_limited(&lim, LOG_LEVEL_WARNING, "bad packet %d", i);
	capture_end(&c);
	assert_int_equal(count_lines(c.text), LOG_LIMIT_BURST);
	assert_non_null(strstr(c.text, ": bad packet 0\n"));
	assert_null(strstr(c.text, ": bad packet 10\n"));
	assert_int_equal(lim.suppressed, 100 - LOG_LIMIT_BURST);
}

/* Once the window has passed, the next message is preceded by a count. */
static void
test_limited_reports_suppressed(void **state)
{
	struct log_limit lim = LOG_LIMIT_INIT;
	struct capture c;
	int i;

	reset_log(state);
	capture_start(&c);
	for (i = 0; i < 25; i++)
		log_limited(&lim, LOG_LEVEL_WARNING, "bad packet %d", i);
	lim.window_start -= LOG_LIMIT_INTERVAL; /* as if 10 s went by */
	log_limited(&lim, LOG_LEVEL_WARNING, "later");
	capture_end(&c);
	assert_int_equal(count_lines(c.text), LOG_LIMIT_BURST + 2);
	assert_non_null(
		strstr(c.text, ": warning: 15 similar messages suppressed\n"));
	assert_string_equal(c.text + c.len - strlen(": warning: later\n"),
			    ": warning: later\n");
}

static void
test_limited_below_level_not_counted(void **state)
{
	struct log_limit lim = LOG_LIMIT_INIT;
	struct capture c;
	int i;

	reset_log(state);
	log_set_level(LOG_LEVEL_ERROR);
	capture_start(&c);
	for (i = 0; i < 100; i++)
		log_limited(&lim, LOG_LEVEL_INFO, "quiet %d", i);
	capture_end(&c);
	log_set_level(LOG_LEVEL_INFO);
	assert_int_equal(c.len, 0);
	assert_int_equal(lim.in_window, 0);
	assert_int_equal(lim.suppressed, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_limit_burst_then_suppressed),
		cmocka_unit_test(test_limit_reports_suppressed_once),
		cmocka_unit_test(test_limit_quiet_window_reports_zero),
		cmocka_unit_test(test_limit_windows_reset_burst),
		cmocka_unit_test(test_limit_burst_zero_never_allows),
		cmocka_unit_test(test_limit_time_backwards),
		cmocka_unit_test(test_limit_init_defaults),
		cmocka_unit_test(test_level_names_round_trip),
		cmocka_unit_test(test_level_unknown),
		cmocka_unit_test(test_set_level_clamps),
		cmocka_unit_test(test_msg_line_format),
		cmocka_unit_test(test_msg_each_level_named),
		cmocka_unit_test(test_msg_below_level_not_written),
		cmocka_unit_test(test_msg_cut_at_max_line),
		cmocka_unit_test(test_msg_lengths_near_limit),
		cmocka_unit_test(test_msg_huge_ident_bounded),
		cmocka_unit_test(test_msg_keeps_errno),
		cmocka_unit_test(test_msg_unwritable_stderr_keeps_errno),
		cmocka_unit_test(test_journal_priority_prefix),
		cmocka_unit_test(test_journal_other_inode_ignored),
		cmocka_unit_test(test_journal_malformed_ignored),
		cmocka_unit_test(test_limited_prints_burst),
		cmocka_unit_test(test_limited_reports_suppressed),
		cmocka_unit_test(test_limited_below_level_not_counted),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
