#include "config_check.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <net/if.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "arena.h"

void
check_path(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (vsnprintf(buf, len, fmt, ap) < 0)
		buf[0] = '\0';
	va_end(ap);
}

void
check_err(struct check *c, const char *path, const char *fmt, ...)
{
	char msg[CONFIG_MAX_ERRLEN];
	unsigned line = 0, col = 0;
	va_list ap;

	c->failed = 1;
	if (config_errors_full(c->errs)) {
		c->errs->dropped++;
		return;
	}
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	config_marks_find(c->marks, path, &line, &col);
	config_errors_add(c->errs, line, col, "%s: %s", path, msg);
}

void *
check_calloc(struct check *c, size_t n, size_t size)
{
	void *p = arena_calloc(c->arena, n ? n : 1, size);

	if (p == NULL)
		check_err(c, "", "out of memory");
	return p;
}

bool
config_valid_dns_name(const char *name)
{
	size_t total = strlen(name), label = 0;
	const char *p;

	if (total == 0 || total > 253 || name[0] == '.')
		return false;
	for (p = name; *p != '\0'; p++) {
		if (*p == '.') {
			if (label == 0 || p[-1] == '-')
				return false;
			label = 0;
			continue;
		}
		if (!isalnum((unsigned char)*p) && *p != '-' && *p != '_')
			return false;
		if (label == 0 && *p == '-')
			return false;
		if (++label > 63)
			return false;
	}
	return p[-1] != '-';
}

const char *
check_fmt4(uint32_t host_order, char *buf, size_t len)
{
	struct in_addr a = {.s_addr = htonl(host_order)};

	inet_ntop(AF_INET, &a, buf, (socklen_t)len);
	return buf;
}

int
check_addr4(struct check *c, const char *path, const char *text,
	    const struct net_cidr *net, struct in_addr *out)
{
	struct net_addr a = {.family = AF_INET};

	if (net_parse_addr4(text, out) == -1) {
		check_err(c, path, "'%s' is not an IPv4 address", text);
		return -1;
	}
	a.v4 = *out;
	if (net != NULL && !net_cidr_contains(net, &a)) {
		char buf[INET_ADDRSTRLEN];

		check_err(c, path, "%s is outside network %s/%u", text,
			  inet_ntop(AF_INET, &net->addr.v4, buf, sizeof(buf)),
			  net->prefix);
		return -1;
	}
	return 0;
}

int
check_cidr4(struct check *c, const char *path, const char *text,
	    struct net_cidr *out)
{
	if (net_parse_cidr(text, out) == -1 || out->addr.family != AF_INET) {
		check_err(c, path,
			  "'%s' is not an IPv4 network "
			  "(address/prefix, host bits zero)",
			  text);
		return -1;
	}
	return 0;
}

int
config_check(struct config *cfg, const struct raw_config *raw,
	     const struct config_marks *marks, struct config_errors *errs)
{
	struct check c = {.arena = cfg->arena, .marks = marks, .errs = errs};

	cfg->log_level = LOG_LEVEL_INFO;
	if (raw->log != NULL && raw->log->level != NULL)
		cfg->log_level = (enum log_level) * raw->log->level;
	if (raw->user != NULL)
		cfg->user = arena_strdup(c.arena, raw->user);
	if (raw->dhcp != NULL)
		cfg->dhcp = config_check_dhcp(&c, raw->dhcp);
	if (raw->dns != NULL)
		cfg->dns = config_check_dns(&c, raw->dns);
	if (raw->http != NULL)
		cfg->http = config_check_http(&c, raw->http);
	return c.failed ? -1 : 0;
}

uint32_t
check_uint(struct check *c, const char *path, const uint32_t *raw, uint32_t def,
	   uint32_t min, uint32_t max)
{
	if (raw == NULL)
		return def;
	if (*raw < min || *raw > max)
		check_err(c, path, "%u is outside %u..%u (out of range)", *raw,
			  min, max);
	return *raw;
}

struct net_sockaddr *
check_sockaddrs(struct check *c, const char *path, char *const *list,
		uint32_t count, uint16_t default_port)
{
	struct net_sockaddr *out = check_calloc(c, count, sizeof(*out));
	char entry[CONFIG_MAX_PATH];
	uint32_t i, j;

	if (out == NULL)
		return NULL;
	for (i = 0; i < count; i++) {
		check_path(entry, sizeof(entry), "%s[%u]", path, i);
		if (net_parse_sockaddr(list[i], default_port, false, &out[i]) ==
		    -1) {
			check_err(c, entry,
				  "'%s' is not an address[:port] "
				  "(IPv6 as \"[::1]:53\")",
				  list[i]);
			continue;
		}
		for (j = 0; j < i; j++) {
			if (net_sockaddr_equal(&out[i], &out[j]))
				check_err(c, entry, "'%s' is listed twice",
					  list[i]);
		}
	}
	return out;
}
