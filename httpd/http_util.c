/* http_util: character classes, lists and dates (see http_util.h). */
#include "http_util.h"

#include <string.h>

static const char http_days[7][4] = {
	"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat",
};
static const char http_months[12][4] = {
	"Jan", "Feb", "Mar", "Apr", "May", "Jun",
	"Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
};

/*
 * The classes of every byte, built at compile time so the parser tests a
 * byte with one load instead of a call and a strchr.
 */
#define CC_ALNUM(c)                                                  \
	(((c) >= 'a' && (c) <= 'z') || ((c) >= 'A' && (c) <= 'Z') || \
	 ((c) >= '0' && (c) <= '9'))
#define CC_TPUNCT(c)                                                           \
	((c) == '!' || (c) == '#' || (c) == '$' || (c) == '%' || (c) == '&' || \
	 (c) == '\'' || (c) == '*' || (c) == '+' || (c) == '-' ||              \
	 (c) == '.' || (c) == '^' || (c) == '_' || (c) == '`' || (c) == '|' || \
	 (c) == '~')
#define CC_VCHAR(c) (((c) > 0x20 && (c) < 0x7f) || (c) >= 0x80)
#define CC(c)                                                                 \
	((CC_ALNUM(c) || CC_TPUNCT(c) ? HTTP_CC_TCHAR : 0) |                  \
	 (CC_VCHAR(c) ? HTTP_CC_VCHAR : 0) |                                  \
	 ((c) > 0x20 && (c) < 0x7f && (c) != '#' && (c) != '?' ? HTTP_CC_PATH \
							       : 0) |         \
	 ((c) == ' ' || (c) == '\t' ? HTTP_CC_WS : 0))
#define CC4(c)  CC(c), CC((c) + 1), CC((c) + 2), CC((c) + 3)
#define CC16(c) CC4(c), CC4((c) + 4), CC4((c) + 8), CC4((c) + 12)
#define CC64(c) CC16(c), CC16((c) + 16), CC16((c) + 32), CC16((c) + 48)

const uint8_t http_char_class[256] = {
	CC64(0x00),
	CC64(0x40),
	CC64(0x80),
	CC64(0xc0),
};

bool
http_token_eq(const char *s, size_t len, const char *lc)
{
	size_t i;
	unsigned char c;

	for (i = 0; i < len; i++) {
		if (lc[i] == '\0')
			return false;
		c = (unsigned char)s[i];
		if (c >= 'A' && c <= 'Z')
			c = (unsigned char)(c - 'A' + 'a');
		if (c != (unsigned char)lc[i])
			return false;
	}
	return lc[len] == '\0';
}

bool
http_list_next(const char *s, size_t len, size_t *pos, struct http_span *item)
{
	size_t i = *pos, start, end;

	if (i > len || (i == len && (len == 0 || s[len - 1] != ',')))
		return false;
	while (i < len && (s[i] == ' ' || s[i] == '\t'))
		i++;
	start = i;
	while (i < len && s[i] != ',')
		i++;
	end = i;
	while (end > start && (s[end - 1] == ' ' || s[end - 1] == '\t'))
		end--;
	item->off = (uint32_t)start;
	item->len = (uint32_t)(end - start);
	*pos = i < len ? i + 1 : len + 1;
	return true;
}

static void
put2(char *p, int v)
{
	p[0] = (char)('0' + v / 10 % 10);
	p[1] = (char)('0' + v % 10);
}

void
http_date_format(time_t t, char *buf)
{
	struct tm tm;

	gmtime_r(&t, &tm);
	memcpy(buf, http_days[tm.tm_wday % 7], 3);
	memcpy(buf + 3, ", ", 2);
	put2(buf + 5, tm.tm_mday);
	buf[7] = ' ';
	memcpy(buf + 8, http_months[tm.tm_mon % 12], 3);
	buf[11] = ' ';
	put2(buf + 12, (tm.tm_year + 1900) / 100);
	put2(buf + 14, (tm.tm_year + 1900) % 100);
	buf[16] = ' ';
	put2(buf + 17, tm.tm_hour);
	buf[19] = ':';
	put2(buf + 20, tm.tm_min);
	buf[22] = ':';
	put2(buf + 23, tm.tm_sec);
	memcpy(buf + 25, " GMT", 5); /* with the NUL */
}

/* n digits at s; -1 if any is not a digit. */
static int
http_digits(const char *s, size_t n)
{
	int v = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

static int
http_month(const char *s)
{
	int i;

	for (i = 0; i < 12; i++) {
		if (memcmp(s, http_months[i], 3) == 0)
			return i;
	}
	return -1;
}

/* "HH:MM:SS" into tm. */
static int
http_hms(const char *s, struct tm *tm)
{
	if (s[2] != ':' || s[5] != ':')
		return -1;
	tm->tm_hour = http_digits(s, 2);
	tm->tm_min = http_digits(s + 3, 2);
	tm->tm_sec = http_digits(s + 6, 2);
	if (tm->tm_hour < 0 || tm->tm_hour > 23 || tm->tm_min < 0 ||
	    tm->tm_min > 59 || tm->tm_sec < 0 || tm->tm_sec > 60)
		return -1;
	return 0;
}

int
http_date_parse(const char *s, size_t len, time_t *out)
{
	struct tm tm;
	const char *p;

	memset(&tm, 0, sizeof(tm));
	if (len == HTTP_DATE_LEN && s[3] == ',') {
		/* IMF-fixdate: "Sun, 06 Nov 1994 08:49:37 GMT" */
		if (s[4] != ' ' || s[7] != ' ' || s[11] != ' ' ||
		    s[16] != ' ' || memcmp(s + 25, " GMT", 4) != 0)
			return -1;
		tm.tm_mday = http_digits(s + 5, 2);
		tm.tm_mon = http_month(s + 8);
		tm.tm_year = http_digits(s + 12, 4) - 1900;
		if (http_hms(s + 17, &tm) == -1)
			return -1;
	} else if (len == 24 && s[3] == ' ') {
		/* asctime: "Sun Nov  6 08:49:37 1994" */
		tm.tm_mon = http_month(s + 4);
		tm.tm_mday =
			http_digits(s + 8 + (s[8] == ' '), 2 - (s[8] == ' '));
		if (s[7] != ' ' || s[10] != ' ' || s[19] != ' ' ||
		    http_hms(s + 11, &tm) == -1)
			return -1;
		tm.tm_year = http_digits(s + 20, 4) - 1900;
	} else if ((p = memchr(s, ',', len)) != NULL &&
		   len - (size_t)(p - s) == 24) {
		/* RFC 850: "Sunday, 06-Nov-94 08:49:37 GMT" */
		if (p[1] != ' ' || p[4] != '-' || p[8] != '-' || p[11] != ' ' ||
		    memcmp(p + 20, " GMT", 4) != 0)
			return -1;
		tm.tm_mday = http_digits(p + 2, 2);
		tm.tm_mon = http_month(p + 5);
		tm.tm_year = http_digits(p + 9, 2);
		if (tm.tm_year >= 0 && tm.tm_year < 70)
			tm.tm_year +=
				100; /* RFC 9110 5.6.7: 50-year rule, roughly */
		if (http_hms(p + 12, &tm) == -1)
			return -1;
	} else {
		return -1;
	}
	if (tm.tm_mday < 1 || tm.tm_mday > 31 || tm.tm_mon < 0 ||
	    tm.tm_year < 70)
		return -1;
	*out = timegm(&tm);
	return *out == (time_t)-1 ? -1 : 0;
}
