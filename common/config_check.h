/*
 * config_check: pass 3 of loading lab.yaml (see config.h).
 *
 * Turns the raw text values into struct config, applying every default
 * in this one place, and reports bad values (addresses, networks, pools
 * outside their network, overlaps, names) at their recorded positions.
 */
#ifndef LABGATE_CONFIG_CHECK_H
#define LABGATE_CONFIG_CHECK_H

#include "config.h"
#include "config_schema.h"
#include "config_walk.h"

/* Fills cfg (whose arena is set) from raw.  Returns 0, or -1 with errors. */
int config_check(struct config *cfg, const struct raw_config *raw,
		 const struct config_marks *marks, struct config_errors *errs);

/*
 * Internal to the checkers (config_check*.c): the state of one pass and
 * the helpers every section uses.
 */
struct check {
	struct config_arena *arena;
	const struct config_marks *marks;
	struct config_errors *errs;
	int failed;
};

/*
 * Formats a dotted path into buf.  Paths are short (the schema is
 * shallow); one that does not fit is cut, which only blurs a message.
 */
void check_path(char *buf, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Records an error for the value at `path` (or its nearest parent). */
void check_err(struct check *c, const char *path, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Zeroed arena memory for n entries (at least one); NULL after an error. */
void *check_calloc(struct check *c, size_t n, size_t size);
/* An IPv4 address; with `net`, it must lie inside that network. */
int check_addr4(struct check *c, const char *path, const char *text,
		const struct net_cidr *net, struct in_addr *out);
/* An IPv4 network with its host bits zero. */
int check_cidr4(struct check *c, const char *path, const char *text,
		struct net_cidr *out);
/* A host-order IPv4 address as text in buf. */
const char *check_fmt4(uint32_t host_order, char *buf, size_t len);
/*
 * An optional number: `def` when absent (raw NULL), else *raw, which must
 * lie in [min, max] (an error at `path` otherwise).
 */
uint32_t check_uint(struct check *c, const char *path, const uint32_t *raw,
		    uint32_t def, uint32_t min, uint32_t max);
/* A list of "address[:port]" with a default port; NULL after an error. */
struct net_sockaddr *check_sockaddrs(struct check *c, const char *path,
				     char *const *list, uint32_t count,
				     uint16_t default_port);

struct config_dhcp *config_check_dhcp(struct check *c,
				      const struct raw_dhcp *raw);
struct config_dns *config_check_dns(struct check *c, const struct raw_dns *raw);
struct config_http *config_check_http(struct check *c,
				      const struct raw_http *raw);

/* A DNS name: labels of letters, digits, '-' and '_', 1-63 bytes each, 253 in all. */
bool config_valid_dns_name(const char *name);

#endif
