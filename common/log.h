/*
 * log: leveled logging to stderr.
 *
 * Run by systemd (JOURNAL_STREAM names our stderr), each line carries a
 * "<N>" syslog-priority prefix and no timestamp, since the journal adds
 * its own; otherwise each line starts with a local timestamp.  One
 * write(2) per line, so lines from several workers never interleave.
 */
#ifndef LABGATE_LOG_H
#define LABGATE_LOG_H

#include <stdarg.h>
#include <stdbool.h>
#include <time.h>

/* Ordered as syslog priorities: a lower number is more severe. */
enum log_level {
	LOG_LEVEL_ERROR = 3,
	LOG_LEVEL_WARNING = 4,
	LOG_LEVEL_NOTICE = 5,
	LOG_LEVEL_INFO = 6,
	LOG_LEVEL_DEBUG = 7,
};

/* Longest line written, prefix included; longer messages are cut. */
#define LOG_MAX_LINE 1024

/* Sets the name put on each line and detects the journal.  Safe to repeat. */
void log_init(const char *ident);
void log_set_level(enum log_level level);
enum log_level log_get_level(void);
bool log_enabled(enum log_level level);
/* "error" ... "debug"; NULL for an unknown level. */
const char *log_level_name(enum log_level level);
/* Returns 0 and sets *level for a known name, -1 otherwise. */
int log_level_parse(const char *name, enum log_level *level);

void log_msg(enum log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void log_vmsg(enum log_level level, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));

#define log_err(...)    log_msg(LOG_LEVEL_ERROR, __VA_ARGS__)
#define log_warn(...)   log_msg(LOG_LEVEL_WARNING, __VA_ARGS__)
#define log_notice(...) log_msg(LOG_LEVEL_NOTICE, __VA_ARGS__)
#define log_info(...)   log_msg(LOG_LEVEL_INFO, __VA_ARGS__)
#define log_debug(...)                                         \
	do {                                                   \
		if (log_enabled(LOG_LEVEL_DEBUG))              \
			log_msg(LOG_LEVEL_DEBUG, __VA_ARGS__); \
	} while (0)

/*
 * A rate limit for messages a peer can provoke (one per malformed packet):
 * at most `burst` messages per `interval` seconds; the rest are counted and
 * reported in one line when the next window opens.  Zero-initialise, then
 * set burst and interval (LOG_LIMIT_INIT gives the defaults).
 */
struct log_limit {
	unsigned burst;
	unsigned interval; /* seconds */
	time_t window_start;
	unsigned in_window;
	unsigned long suppressed;
};

#define LOG_LIMIT_BURST    10 /* messages per window */
#define LOG_LIMIT_INTERVAL 10 /* seconds */
#define LOG_LIMIT_INIT                                                    \
	{                                                                 \
		.burst = LOG_LIMIT_BURST, .interval = LOG_LIMIT_INTERVAL, \
	}

/*
 * Decides whether one more message may go out at time `now` (seconds,
 * greater than 0: a window_start of 0 marks a limit not used yet).
 * Pure: no output.  When a new window opens and messages were held back
 * in the last one, *reported receives their count (else 0).
 */
bool log_limit_allow(struct log_limit *lim, time_t now,
		     unsigned long *reported);

/* log_msg through a limit, using the monotonic clock. */
void log_limited(struct log_limit *lim, enum log_level level, const char *fmt,
		 ...) __attribute__((format(printf, 3, 4)));

#endif
