/*
 * config_schema: lab.yaml as libcyaml sees it.
 *
 * The raw structs hold the file's values as text; config_check.c turns
 * them into struct config.  The same schema tables drive the strict
 * document walk (config_walk.c) and libcyaml's load, so a key added here
 * is checked and loaded in one step.
 */
#ifndef LABGATE_CONFIG_SCHEMA_H
#define LABGATE_CONFIG_SCHEMA_H

#include <cyaml/cyaml.h>
#include <stdbool.h>
#include <stdint.h>

/* Entries a list may hold; a longer one is an error, not a truncation. */
#define CONFIG_MAX_LIST         4096
#define CONFIG_MAX_SUBNETS      256
#define CONFIG_MAX_RESERVATIONS 65536
#define CONFIG_MAX_RECORDS      65536
#define CONFIG_MAX_STRING       4096 /* bytes in one scalar */

struct raw_log {
	uint32_t *level; /* enum log_level */
};

struct raw_route {
	char *to;
	char *via;
};

struct raw_reservation {
	char *mac;
	char *address;
	char *hostname;
};

/* dhcp.subnets[].options[]: one option by code, one of three forms. */
struct raw_dhcp_option {
	uint32_t code;
	char *text;
	char *hex;
	char **addresses;
	uint32_t addresses_count;
};

struct raw_subnet {
	char *interface;
	char *network;
	char **pools;
	uint32_t pools_count;
	uint32_t *lease_time;
	char *router;
	char **dns;
	uint32_t dns_count;
	char *domain;
	struct raw_route *routes;
	uint32_t routes_count;
	struct raw_reservation *reservations;
	uint32_t reservations_count;
	uint32_t *renew_time;
	uint32_t *rebind_time;
	char **ntp;
	uint32_t ntp_count;
	struct raw_dhcp_option *options;
	uint32_t options_count;
};

struct raw_dhcp {
	char *lease_file;
	struct raw_subnet *subnets;
	uint32_t subnets_count;
	uint32_t *offer_hold;
	uint32_t *quarantine;
};

struct raw_dns {
	char **listen;
	uint32_t listen_count;
	char **upstreams;
	uint32_t upstreams_count;
	uint32_t *cache_size;
	char **allow;
	uint32_t allow_count;
	char **records;
	uint32_t records_count;
	char **local_domains;
	uint32_t local_domains_count;
	char *hosts_file;
	char **forward;
	uint32_t forward_count;
	uint32_t *timeout;
	uint32_t *min_ttl;
	uint32_t *max_ttl;
	uint32_t *negative_ttl;
	uint32_t *servfail_ttl;
	uint32_t *stale_ttl;
	uint32_t *tcp_timeout;
	uint32_t *tcp_connections;
	uint32_t *max_udp_size;
	uint32_t *workers;
	bool *prefetch;
};

struct raw_http {
	char **listen;
	uint32_t listen_count;
	char *root;
	char *index;
	bool *autoindex;
	char *access_log;
	char *access_log_format;
	uint32_t *workers;
	bool *dotfiles;
	uint32_t *header_timeout;
	uint32_t *keepalive_timeout;
	uint32_t *send_timeout;
	uint32_t *max_connections;
	uint32_t *max_header_size;
	uint32_t *max_headers;
	uint32_t *max_body;
	uint32_t *cache_validity_ms;
	uint32_t *cache_bytes;
	uint32_t *cache_file_max;
	char **mime_types;
	uint32_t mime_types_count;
};

struct raw_config {
	struct raw_log *log;
	char *user;
	struct raw_dhcp *dhcp;
	struct raw_dns *dns;
	struct raw_http *http;
};

/* The top-level value: a pointer to struct raw_config. */
extern const cyaml_schema_value_t config_schema_top;

/* log.level names and their enum log_level values. */
extern const cyaml_strval_t config_log_levels[];
extern const unsigned config_log_levels_count;

#endif
