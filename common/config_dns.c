/* config_dns: checks and converts the `dns:` section (see config_check.h). */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "arena.h"
#include "config_check.h"
#include "num.h"

static const struct {
	const char *name;
	enum config_rr_type type;
} dns_rr_types[] = {
	{"A", CONFIG_RR_A},         {"AAAA", CONFIG_RR_AAAA},
	{"CNAME", CONFIG_RR_CNAME}, {"PTR", CONFIG_RR_PTR},
	{"TXT", CONFIG_RR_TXT},     {"MX", CONFIG_RR_MX},
	{"SRV", CONFIG_RR_SRV},
};

/* Lowercase copy of a name without its trailing dot. */
static char *
dns_name_dup(struct check *c, const char *name, size_t len)
{
	char *out;
	size_t i;

	if (len > 1 && name[len - 1] == '.')
		len--;
	out = arena_strndup(c->arena, name, len);
	if (out == NULL)
		return NULL;
	for (i = 0; i < len; i++)
		out[i] = (char)tolower((unsigned char)out[i]);
	return out;
}

/* Splits off the next blank-separated word; returns its length. */
static size_t
dns_word(const char **p)
{
	const char *start;

	while (**p == ' ' || **p == '\t')
		(*p)++;
	start = *p;
	while (**p != '\0' && **p != ' ' && **p != '\t')
		(*p)++;
	return (size_t)(*p - start);
}

/*
 * A target name (CNAME, PTR, MX, SRV) into r->target.  MX and SRV may
 * name the root, ".": no mail (RFC 7505), no such service (RFC 2782).
 */
static int
dns_record_target(struct check *c, const char *path, struct config_record *r,
		  const char *data, size_t len)
{
	bool root_ok = r->type == CONFIG_RR_MX || r->type == CONFIG_RR_SRV;

	r->target = dns_name_dup(c, data, len);
	if (r->target != NULL && root_ok && strcmp(r->target, ".") == 0)
		return 0;
	if (r->target == NULL || !config_valid_dns_name(r->target)) {
		check_err(c, path, "'%.*s' is not a domain name", (int)len,
			  data);
		return -1;
	}
	return 0;
}

/*
 * "PREF TARGET" (MX) or "PRIORITY WEIGHT PORT TARGET" (SRV): the numbers
 * 0 to 65535, then the name and nothing after it.
 */
static int
dns_record_fields(struct check *c, const char *path, struct config_record *r,
		  const char *data)
{
	uint16_t *nums[3] = {&r->priority, &r->weight, &r->port};
	size_t i, n = r->type == CONFIG_RR_MX ? 1 : 3, len;
	const char *p = data, *word, *errstr;
	const char *form =
		n == 1 ? "PREFERENCE NAME" : "PRIORITY WEIGHT PORT NAME";
	long long v;

	for (i = 0; i < n; i++) {
		word = p + strspn(p, " \t");
		len = dns_word(&p);
		if (num_parse_n(word, len, 0, UINT16_MAX, &v, &errstr) == -1)
			goto bad;
		*nums[i] = (uint16_t)v;
	}
	word = p + strspn(p, " \t");
	len = dns_word(&p);
	if (len == 0 || p[strspn(p, " \t")] != '\0')
		goto bad;
	return dns_record_target(c, path, r, word, len);
bad:
	check_err(c, path, "'%s' is not \"%s\" (each number 0 to 65535)", data,
		  form);
	return -1;
}

static int
dns_record_data(struct check *c, const char *path, struct config_record *r,
		const char *data)
{
	size_t len = strlen(data);

	switch (r->type) {
	case CONFIG_RR_A:
	case CONFIG_RR_AAAA:
		if (net_parse_addr(data, &r->addr) == -1 ||
		    r->addr.family !=
			    (r->type == CONFIG_RR_A ? AF_INET : AF_INET6)) {
			check_err(c, path, "'%s' is not an %s address", data,
				  r->type == CONFIG_RR_A ? "IPv4" : "IPv6");
			return -1;
		}
		return 0;
	case CONFIG_RR_CNAME:
	case CONFIG_RR_PTR:
		return dns_record_target(c, path, r, data, len);
	case CONFIG_RR_MX:
	case CONFIG_RR_SRV:
		return dns_record_fields(c, path, r, data);
	case CONFIG_RR_TXT:
		if (len >= 2 && data[0] == '"' && data[len - 1] == '"') {
			data++;
			len -= 2;
		}
		if (len > 255) {
			check_err(c, path, "TXT data is longer than 255 bytes");
			return -1;
		}
		r->target = arena_strndup(c->arena, data, len);
		return r->target != NULL ? 0 : -1;
	}
	return -1;
}

/* "NAME TYPE DATA": "gw.lab.test A 192.0.2.254". */
static void
dns_check_record(struct check *c, const char *path, const char *text,
		 struct config_record *r)
{
	const char *p = text, *name, *type;
	size_t name_len, type_len, i;

	name = p + strspn(p, " \t");
	name_len = dns_word(&p);
	type = p + strspn(p, " \t");
	type_len = dns_word(&p);
	p += strspn(p, " \t");
	if (name_len == 0 || type_len == 0 || *p == '\0') {
		check_err(c, path, "'%s' is not \"NAME TYPE DATA\"", text);
		return;
	}
	r->name = dns_name_dup(c, name, name_len);
	if (r->name == NULL || !config_valid_dns_name(r->name)) {
		check_err(c, path, "'%.*s' is not a domain name", (int)name_len,
			  name);
		return;
	}
	for (i = 0; i < sizeof(dns_rr_types) / sizeof(dns_rr_types[0]); i++) {
		if (strlen(dns_rr_types[i].name) == type_len &&
		    strncasecmp(type, dns_rr_types[i].name, type_len) == 0)
			break;
	}
	if (i == sizeof(dns_rr_types) / sizeof(dns_rr_types[0])) {
		check_err(c, path,
			  "record type '%.*s' is not one of A, AAAA, "
			  "CNAME, MX, PTR, SRV, TXT",
			  (int)type_len, type);
		return;
	}
	r->type = dns_rr_types[i].type;
	dns_record_data(c, path, r, p);
}

static void
dns_check_allow(struct check *c, struct config_dns *d,
		const struct raw_dns *raw)
{
	char entry[CONFIG_MAX_PATH];
	uint32_t i;

	if (raw->allow == NULL) {
		/* Not an open resolver: loopback only unless told otherwise. */
		d->allow = check_calloc(c, 2, sizeof(*d->allow));
		if (d->allow == NULL)
			return;
		net_parse_cidr("127.0.0.0/8", &d->allow[0]);
		net_parse_cidr("::1/128", &d->allow[1]);
		d->allow_count = 2;
		return;
	}
	d->allow = check_calloc(c, raw->allow_count, sizeof(*d->allow));
	if (d->allow == NULL)
		return;
	d->allow_count = raw->allow_count;
	for (i = 0; i < raw->allow_count; i++) {
		check_path(entry, sizeof(entry), "dns.allow[%u]", i);
		if (net_parse_cidr(raw->allow[i], &d->allow[i]) == -1)
			check_err(c, entry,
				  "'%s' is not a network "
				  "(address/prefix, host bits zero)",
				  raw->allow[i]);
	}
}

/* An upstream that is one of our own listeners would query itself. */
static void
dns_check_loop(struct check *c, const struct config_dns *d)
{
	char buf[NET_ADDRSTRLEN];
	size_t i, j;

	if (d->listen == NULL || d->upstreams == NULL)
		return;
	for (i = 0; i < d->upstreams_count; i++) {
		for (j = 0; j < d->listen_count; j++) {
			if (!net_sockaddr_equal(&d->upstreams[i],
						&d->listen[j]))
				continue;
			check_err(c, "dns.upstreams",
				  "%s is one of dns.listen: "
				  "dnsfwd would forward to itself",
				  net_format_sockaddr(&d->upstreams[i], buf,
						      sizeof(buf)));
			return;
		}
	}
}

static void
dns_check_limits(struct check *c, struct config_dns *d,
		 const struct raw_dns *raw)
{
	d->timeout = check_uint(c, "dns.timeout", raw->timeout,
				CONFIG_DEFAULT_DNS_TIMEOUT,
				CONFIG_MIN_DNS_TIMEOUT, CONFIG_MAX_DNS_TIMEOUT);
	d->min_ttl = check_uint(c, "dns.min_ttl", raw->min_ttl, 0, 0, 86400);
	d->max_ttl = check_uint(c, "dns.max_ttl", raw->max_ttl,
				CONFIG_DEFAULT_MAX_TTL, 1, 7 * 86400);
	if (d->min_ttl > d->max_ttl)
		check_err(c, "dns.min_ttl", "%u is above max_ttl %u",
			  d->min_ttl, d->max_ttl);
	d->negative_ttl = check_uint(c, "dns.negative_ttl", raw->negative_ttl,
				     CONFIG_DEFAULT_NEGATIVE_TTL, 0, 86400);
	d->servfail_ttl = check_uint(c, "dns.servfail_ttl", raw->servfail_ttl,
				     CONFIG_DEFAULT_SERVFAIL_TTL, 0, 300);
	d->stale_ttl = check_uint(c, "dns.stale_ttl", raw->stale_ttl,
				  CONFIG_DEFAULT_STALE_TTL, 0, 7 * 86400);
	d->tcp_timeout = check_uint(c, "dns.tcp_timeout", raw->tcp_timeout,
				    CONFIG_DEFAULT_TCP_TIMEOUT, 1, 3600);
	d->tcp_connections = check_uint(
		c, "dns.tcp_connections", raw->tcp_connections,
		CONFIG_DEFAULT_TCP_CONNECTIONS, 1, CONFIG_MAX_TCP_CONNECTIONS);
	d->workers = check_uint(c, "dns.workers", raw->workers, 1, 1,
				CONFIG_MAX_DNS_WORKERS);
	d->max_udp_size =
		check_uint(c, "dns.max_udp_size", raw->max_udp_size,
			   CONFIG_DEFAULT_DNS_MAX_UDP, CONFIG_MIN_DNS_MAX_UDP,
			   CONFIG_MAX_DNS_MAX_UDP);
	d->prefetch = raw->prefetch != NULL && *raw->prefetch;
}

static void
dns_check_local_domains(struct check *c, struct config_dns *d,
			const struct raw_dns *raw)
{
	char entry[CONFIG_MAX_PATH];
	uint32_t i;

	d->local_domains = check_calloc(c, raw->local_domains_count + 1,
					sizeof(*d->local_domains));
	if (d->local_domains == NULL)
		return;
	d->local_domains_count = raw->local_domains_count;
	for (i = 0; i < raw->local_domains_count; i++) {
		const char *s = raw->local_domains[i];

		check_path(entry, sizeof(entry), "dns.local_domains[%u]", i);
		d->local_domains[i] = dns_name_dup(c, s, strlen(s));
		if (d->local_domains[i] == NULL ||
		    !config_valid_dns_name(d->local_domains[i]))
			check_err(c, entry, "'%s' is not a domain name", s);
	}
}

/* "DOMAIN ADDRESS[:PORT] [ADDRESS[:PORT]...]": "lab.test 192.0.2.53". */
static void
dns_check_forward(struct check *c, const char *path, const char *text,
		  struct config_forward *f)
{
	char *words[CONFIG_MAX_FORWARD_UPSTREAMS + 1];
	const char *p = text, *w;
	size_t n = 0, len;

	for (;;) {
		w = p + strspn(p, " \t");
		len = dns_word(&p);
		if (len == 0)
			break;
		if (n == CONFIG_MAX_FORWARD_UPSTREAMS + 1) {
			check_err(c, path, "more than %d upstreams",
				  CONFIG_MAX_FORWARD_UPSTREAMS);
			return;
		}
		words[n] = arena_strndup(c->arena, w, len);
		if (words[n++] == NULL)
			return;
	}
	if (n < 2) {
		check_err(c, path, "'%s' is not \"DOMAIN ADDRESS...\"", text);
		return;
	}
	f->domain = dns_name_dup(c, words[0], strlen(words[0]));
	if (f->domain == NULL || !config_valid_dns_name(f->domain)) {
		check_err(c, path, "'%s' is not a domain name", words[0]);
		return;
	}
	f->upstreams = check_sockaddrs(c, path, words + 1, (uint32_t)(n - 1),
				       CONFIG_DEFAULT_DNS_PORT);
	f->upstreams_count = n - 1;
}

struct config_dns *
config_check_dns(struct check *c, const struct raw_dns *raw)
{
	struct config_dns *d = check_calloc(c, 1, sizeof(*d));
	char entry[CONFIG_MAX_PATH];
	uint32_t i;

	if (d == NULL)
		return NULL;
	d->listen = check_sockaddrs(c, "dns.listen", raw->listen,
				    raw->listen_count, CONFIG_DEFAULT_DNS_PORT);
	d->listen_count = raw->listen_count;
	d->upstreams =
		check_sockaddrs(c, "dns.upstreams", raw->upstreams,
				raw->upstreams_count, CONFIG_DEFAULT_DNS_PORT);
	d->upstreams_count = raw->upstreams_count;
	if (d->upstreams_count > CONFIG_MAX_DNS_UPSTREAMS)
		check_err(c, "dns.upstreams", "more than %d upstreams",
			  CONFIG_MAX_DNS_UPSTREAMS);
	dns_check_loop(c, d);
	d->cache_size =
		check_uint(c, "dns.cache_size", raw->cache_size,
			   CONFIG_DEFAULT_CACHE_SIZE, 1, CONFIG_MAX_CACHE_SIZE);
	dns_check_allow(c, d, raw);
	dns_check_limits(c, d, raw);
	dns_check_local_domains(c, d, raw);
	if (raw->hosts_file != NULL) {
		if (raw->hosts_file[0] != '/')
			check_err(c, "dns.hosts_file",
				  "'%s' is not an absolute "
				  "path",
				  raw->hosts_file);
		d->hosts_file = arena_strdup(c->arena, raw->hosts_file);
	}
	d->forward =
		check_calloc(c, raw->forward_count + 1, sizeof(*d->forward));
	if (d->forward == NULL)
		return d;
	d->forward_count = raw->forward_count;
	for (i = 0; i < raw->forward_count; i++) {
		check_path(entry, sizeof(entry), "dns.forward[%u]", i);
		dns_check_forward(c, entry, raw->forward[i], &d->forward[i]);
	}
	d->records = check_calloc(c, raw->records_count, sizeof(*d->records));
	if (d->records == NULL)
		return d;
	d->records_count = raw->records_count;
	for (i = 0; i < raw->records_count; i++) {
		check_path(entry, sizeof(entry), "dns.records[%u]", i);
		dns_check_record(c, entry, raw->records[i], &d->records[i]);
	}
	return d;
}
