#include "log.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "clock.h"

static struct {
	const char *ident;
	enum log_level level;
	int journal; /* stderr is the journal: "<N>" prefixes */
} log_state = {
	.ident = "labgate",
	.level = LOG_LEVEL_INFO,
};

static const char *const log_names[] = {
	[LOG_LEVEL_ERROR] = "error",   [LOG_LEVEL_WARNING] = "warning",
	[LOG_LEVEL_NOTICE] = "notice", [LOG_LEVEL_INFO] = "info",
	[LOG_LEVEL_DEBUG] = "debug",
};

/* JOURNAL_STREAM is "DEV:INODE" of the stream systemd connected us to. */
static int
log_stderr_is_journal(void)
{
	const char *env = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;

	if (env == NULL || sscanf(env, "%llu:%llu", &dev, &ino) != 2)
		return 0;
	if (fstat(STDERR_FILENO, &st) == -1)
		return 0;
	return (unsigned long long)st.st_dev == dev &&
	       (unsigned long long)st.st_ino == ino;
}

void
log_init(const char *ident)
{
	log_state.ident = ident;
	log_state.journal = log_stderr_is_journal();
}

void
log_set_level(enum log_level level)
{
	if (level < LOG_LEVEL_ERROR)
		level = LOG_LEVEL_ERROR;
	if (level > LOG_LEVEL_DEBUG)
		level = LOG_LEVEL_DEBUG;
	log_state.level = level;
}

enum log_level
log_get_level(void)
{
	return log_state.level;
}

bool
log_enabled(enum log_level level)
{
	return level <= log_state.level;
}

const char *
log_level_name(enum log_level level)
{
	if (level < LOG_LEVEL_ERROR || level > LOG_LEVEL_DEBUG)
		return NULL;
	return log_names[level];
}

int
log_level_parse(const char *name, enum log_level *level)
{
	int l;

	for (l = LOG_LEVEL_ERROR; l <= LOG_LEVEL_DEBUG; l++) {
		if (strcmp(name, log_names[l]) == 0) {
			*level = (enum log_level)l;
			return 0;
		}
	}
	return -1;
}

static size_t
log_prefix(char *buf, size_t size, enum log_level level)
{
	char stamp[32];
	struct tm tm;
	time_t now;
	int n;

	if (log_state.journal) {
		n = snprintf(buf, size, "<%d>", (int)level);
	} else {
		now = time(NULL);
		localtime_r(&now, &tm);
		strftime(stamp, sizeof(stamp), "%Y-%m-%d %H:%M:%S", &tm);
		n = snprintf(buf, size, "%s %s[%ld]: %s: ", stamp,
			     log_state.ident, (long)getpid(), log_names[level]);
	}
	if (n < 0)
		return 0;
	return (size_t)n < size ? (size_t)n : size - 1;
}

void
log_vmsg(enum log_level level, const char *fmt, va_list ap)
{
	char line[LOG_MAX_LINE];
	size_t len;
	int n, saved_errno = errno;

	if (!log_enabled(level))
		return;
	len = log_prefix(line, sizeof(line), level);
	n = vsnprintf(line + len, sizeof(line) - len - 1, fmt, ap);
	if (n < 0)
		n = 0;
	len += (size_t)n < sizeof(line) - len - 1 ? (size_t)n
						  : sizeof(line) - len - 2;
	line[len++] = '\n';
	/* One write per line; a short write to stderr is not worth a retry. */
	if (write(STDERR_FILENO, line, len) < 0) {
		/* nowhere left to report it */
	}
	errno = saved_errno;
}

void
log_msg(enum log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(level, fmt, ap);
	va_end(ap);
}

bool
log_limit_allow(struct log_limit *lim, time_t now, unsigned long *reported)
{
	*reported = 0;
	if (lim->window_start == 0 || now < lim->window_start ||
	    now - lim->window_start >= (time_t)lim->interval) {
		*reported = lim->suppressed;
		lim->window_start = now;
		lim->in_window = 0;
		lim->suppressed = 0;
	}
	if (lim->in_window >= lim->burst) {
		lim->suppressed++;
		return false;
	}
	lim->in_window++;
	return true;
}

void
log_limited(struct log_limit *lim, enum log_level level, const char *fmt, ...)
{
	unsigned long held;
	va_list ap;

	if (!log_enabled(level))
		return;
	/* +1: a window_start of 0 marks a limit not used yet */
	if (!log_limit_allow(lim, clock_mono_s() + 1, &held))
		return;
	if (held > 0)
		log_msg(level, "%lu similar messages suppressed", held);
	va_start(ap, fmt);
	log_vmsg(level, fmt, ap);
	va_end(ap);
}
