/*
 * config: the gateway's one YAML file (lab.yaml(5)).
 *
 * Loading runs three passes over the same schema tables (config_schema.c):
 *  1. a libyaml document walk that rejects unknown, duplicate and missing
 *     keys, wrong node kinds and every scalar that is not strictly of its
 *     type (so "3600s", "1e3" and "010" are errors, not 3600, 1 and 8),
 *     each at its own FILE:LINE:COL, and records where every value sits;
 *  2. libcyaml loads the checked document into raw structs;
 *  3. semantic checks (config_check.c) turn the raw strings into the
 *     parsed runtime structs below, applying every default in one place,
 *     and report bad values at the positions pass 1 recorded.
 *
 * A loaded config is immutable and owns all its memory (one arena).
 */
#ifndef LABGATE_CONFIG_H
#define LABGATE_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "log.h"
#include "net.h"

/* Limits on the file itself: it is input like any other. */
#define CONFIG_MAX_FILE_SIZE (1024 * 1024) /* bytes */
#define CONFIG_MAX_DEPTH     16            /* nested collections */
#define CONFIG_MAX_ERRORS    10            /* reported per load */
#define CONFIG_MAX_ERRLEN    512           /* one message */

/* Defaults (documented in lab.yaml(5)). */
#define CONFIG_DEFAULT_LEASE_TIME             3600 /* seconds */
#define CONFIG_MIN_LEASE_TIME                 60
#define CONFIG_MAX_LEASE_TIME                 (365 * 86400)
#define CONFIG_DEFAULT_DNS_PORT               53
#define CONFIG_DEFAULT_HTTP_PORT              80
#define CONFIG_DEFAULT_CACHE_SIZE             10000
#define CONFIG_MAX_CACHE_SIZE                 10000000
#define CONFIG_DEFAULT_DNS_TIMEOUT            1000 /* ms per upstream try */
#define CONFIG_MIN_DNS_TIMEOUT                50
#define CONFIG_MAX_DNS_TIMEOUT                10000
#define CONFIG_DEFAULT_MAX_TTL                86400 /* seconds */
#define CONFIG_DEFAULT_NEGATIVE_TTL           3600  /* seconds */
#define CONFIG_DEFAULT_SERVFAIL_TTL           5     /* seconds */
#define CONFIG_DEFAULT_STALE_TTL              86400 /* seconds (RFC 8767 5) */
#define CONFIG_DEFAULT_TCP_TIMEOUT            10 /* seconds (RFC 7766 6.2.3) */
#define CONFIG_DEFAULT_TCP_CONNECTIONS        256
#define CONFIG_MAX_TCP_CONNECTIONS            65536
#define CONFIG_DEFAULT_DNS_MAX_UDP            1232 /* DNS flag day 2020 */
#define CONFIG_MIN_DNS_MAX_UDP                512  /* RFC 1035 */
#define CONFIG_MAX_DNS_MAX_UDP                4096
#define CONFIG_MAX_DNS_WORKERS                64 /* dns.workers */
#define CONFIG_MAX_DNS_UPSTREAMS              32 /* dns.upstreams entries */
#define CONFIG_MAX_FORWARD_UPSTREAMS          8  /* per dns.forward entry */
#define CONFIG_DEFAULT_INDEX                  "index.html"
#define CONFIG_DEFAULT_HTTP_WORKERS           1
#define CONFIG_MAX_HTTP_WORKERS               64
#define CONFIG_DEFAULT_HTTP_HEADER_TIMEOUT    10   /* seconds */
#define CONFIG_DEFAULT_HTTP_KEEPALIVE_TIMEOUT 15   /* seconds */
#define CONFIG_DEFAULT_HTTP_SEND_TIMEOUT      30   /* seconds */
#define CONFIG_MAX_HTTP_TIMEOUT               3600 /* seconds */
#define CONFIG_DEFAULT_HTTP_MAX_CONNECTIONS   16384
#define CONFIG_MAX_HTTP_MAX_CONNECTIONS       1000000
#define CONFIG_DEFAULT_HTTP_MAX_HEADER_SIZE   8192 /* bytes */
#define CONFIG_MIN_HTTP_MAX_HEADER_SIZE       1024
#define CONFIG_MAX_HTTP_MAX_HEADER_SIZE       65536
#define CONFIG_DEFAULT_HTTP_MAX_HEADERS       64
#define CONFIG_MAX_HTTP_MAX_HEADERS           1000
#define CONFIG_DEFAULT_HTTP_MAX_BODY          65536 /* bytes */
#define CONFIG_MAX_HTTP_MAX_BODY              (64 * 1024 * 1024)
#define CONFIG_DEFAULT_HTTP_CACHE_VALIDITY_MS 1000
#define CONFIG_MAX_HTTP_CACHE_VALIDITY_MS     3600000
#define CONFIG_DEFAULT_HTTP_CACHE_BYTES       (64 * 1024 * 1024)
#define CONFIG_DEFAULT_HTTP_CACHE_FILE_MAX    (256 * 1024)
#define CONFIG_MAX_HTTP_MIME_TYPE             200 /* bytes of a mime_types type */
#define CONFIG_DEFAULT_LEASE_FILE             "/var/lib/labgate/dhcpd.leases"
#define CONFIG_DEFAULT_OFFER_HOLD             60 /* seconds an offer is held */
#define CONFIG_MAX_OFFER_HOLD                 3600
#define CONFIG_DEFAULT_QUARANTINE             600 /* seconds after a DECLINE */
#define CONFIG_MAX_QUARANTINE                 86400

struct config_reservation {
	uint8_t mac[NET_MAC_LEN];
	struct in_addr address;
	char *hostname; /* NULL: none */
};

struct config_route {
	struct net_cidr to; /* IPv4 */
	struct in_addr via;
};

/* An option by code (dhcp.subnets[].options): code, length, data. */
struct config_dhcp_option {
	uint8_t code;
	uint8_t len;
	uint8_t data[255];
};

struct config_subnet {
	char *interface;         /* NULL: serves relays inside network */
	struct net_cidr network; /* IPv4 */
	struct net_range4 *pools;
	size_t pools_count;
	uint32_t lease_time; /* seconds */
	bool has_router;     /* false: the server's own address */
	struct in_addr router;
	struct in_addr *dns;
	size_t dns_count;
	char *domain; /* NULL: none */
	struct config_route *routes;
	size_t routes_count;
	struct config_reservation *reservations;
	size_t reservations_count;
	uint32_t renew_time;  /* T1, option 58; seconds */
	uint32_t rebind_time; /* T2, option 59 */
	struct in_addr *ntp;  /* option 42 */
	size_t ntp_count;
	struct config_dhcp_option *options;
	size_t options_count;
};

struct config_dhcp {
	char *lease_file;
	struct config_subnet *subnets;
	size_t subnets_count;
	uint32_t offer_hold; /* seconds */
	uint32_t quarantine; /* seconds */
};

/* DNS record types a `records` line may hold (RFC 1035 type codes). */
enum config_rr_type {
	CONFIG_RR_A = 1,
	CONFIG_RR_CNAME = 5,
	CONFIG_RR_PTR = 12,
	CONFIG_RR_MX = 15,
	CONFIG_RR_TXT = 16,
	CONFIG_RR_AAAA = 28,
	CONFIG_RR_SRV = 33, /* RFC 2782 */
};

struct config_record {
	char *name; /* lowercase, no trailing dot */
	enum config_rr_type type;
	struct net_addr addr;  /* A, AAAA */
	char *target;          /* CNAME, PTR, MX, SRV: a name; TXT: the text */
	uint16_t priority;     /* MX: preference; SRV: priority */
	uint16_t weight, port; /* SRV */
};

/* dns.forward: names under `domain` go to these upstreams instead. */
struct config_forward {
	char *domain; /* lowercase, no trailing dot */
	struct net_sockaddr *upstreams;
	size_t upstreams_count;
};

struct config_dns {
	struct net_sockaddr *listen;
	size_t listen_count;
	struct net_sockaddr *upstreams;
	size_t upstreams_count;
	uint32_t cache_size;
	struct net_cidr *allow; /* default: loopback only */
	size_t allow_count;
	struct config_record *records;
	size_t records_count;
	char **local_domains; /* lowercase, no trailing dot */
	size_t local_domains_count;
	char *hosts_file;               /* NULL: none */
	struct config_forward *forward; /* per-domain upstreams */
	size_t forward_count;
	uint32_t timeout;          /* ms per upstream try */
	uint32_t min_ttl, max_ttl; /* seconds, clamps on cached answers */
	uint32_t negative_ttl;     /* seconds, NXDOMAIN/NODATA at most */
	uint32_t servfail_ttl;     /* seconds; 0: SERVFAIL not cached */
	uint32_t stale_ttl;        /* seconds past expiry; 0: no serve-stale */
	uint32_t tcp_timeout;      /* seconds a TCP client may idle */
	uint32_t tcp_connections;  /* TCP clients at once */
	uint32_t max_udp_size;     /* bytes of a UDP answer, at most */
	uint32_t workers;          /* processes on SO_REUSEPORT sockets */
	bool prefetch; /* refresh cached answers hit near their expiry */
};

struct config_http {
	struct net_sockaddr *listen;
	size_t listen_count;
	char *root;
	char *index;
	bool autoindex;
	char *access_log;        /* NULL: off; "-": stderr */
	bool log_combined;       /* access_log_format: combined (else common) */
	uint32_t workers;        /* processes on SO_REUSEPORT sockets */
	bool dotfiles;           /* serve names starting with '.' */
	uint32_t header_timeout; /* seconds to receive a request head */
	uint32_t
		keepalive_timeout; /* seconds idle between requests; 0: close */
	uint32_t send_timeout;     /* seconds without send progress */
	uint32_t max_connections;
	uint32_t max_header_size; /* bytes of a request head */
	uint32_t max_headers;     /* header fields per request */
	uint32_t max_body; /* bytes of a request body read and discarded */
	uint32_t cache_validity_ms; /* how stale a cached file may be */
	uint32_t cache_bytes;       /* small-file cache, total */
	uint32_t cache_file_max;    /* largest file kept in memory */
	char **mime_ext;            /* mime_types overrides: extension ... */
	char **mime_type;           /* ... and its Content-Type */
	size_t mime_count;
};

struct config {
	char *path; /* the file it came from */
	enum log_level log_level;
	char *user;               /* NULL: keep the starting user */
	struct config_dhcp *dhcp; /* NULL when the section is absent */
	struct config_dns *dns;
	struct config_http *http;
	struct config_arena *arena; /* owns everything above */
};

/* One problem found while loading, at its place in the file. */
struct config_error {
	unsigned line;   /* 1-based; 0 when not in the file */
	unsigned column; /* 1-based */
	char message[CONFIG_MAX_ERRLEN];
};

struct config_errors {
	struct config_error list[CONFIG_MAX_ERRORS];
	size_t count;
	size_t dropped; /* errors past CONFIG_MAX_ERRORS */
};

/*
 * Loads and checks the file at `path`.  Returns the config, or NULL with
 * at least one entry in *errs (file errors have line 0).
 */
struct config *config_load(const char *path, struct config_errors *errs);
/* The same for a buffer; `name` is used in messages.  For tests and fuzzing. */
struct config *config_load_buffer(const char *name, const char *data,
				  size_t len, struct config_errors *errs);
void config_free(struct config *cfg);

/*
 * Writes each error as "NAME:LINE:COL: message" (or "NAME: message") to
 * stderr, one line each.
 */
void config_errors_print(const char *name, const struct config_errors *errs);

/* The names a daemon requires, for "-t" and start-up messages. */
enum config_section {
	CONFIG_SECTION_DHCP,
	CONFIG_SECTION_DNS,
	CONFIG_SECTION_HTTP,
};
const char *config_section_name(enum config_section s);
bool config_has_section(const struct config *cfg, enum config_section s);

/*
 * For SIGHUP: keys that cannot change without a restart (user, and in
 * `section`: listen, interface, lease_file) keep their values from `old`
 * inside `next`.  The dotted names of those that differed are written,
 * comma-separated, to `changed` ("" when none).  Returns 0, or -1 when
 * `next` cannot be reconciled (then keep `old`).
 */
int config_keep_restart_keys(const struct config *old, struct config *next,
			     enum config_section section, char *changed,
			     size_t len);

#endif
