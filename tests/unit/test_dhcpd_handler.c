/*
 * dhcpd's protocol engine (handler.c) without sockets: requests go in as
 * bytes, replies come out of the server's reply queue and are parsed back.
 * DISCOVER/OFFER with the configured options and RFC 3442's default route,
 * option 55 honoured, SELECTING/INIT-REBOOT/RENEWING, another server
 * chosen, DECLINE and RELEASE journaled, INFORM, relayed requests with
 * option 82 echoed, and where each reply goes (RFC 2131 4.1).
 */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "clock.h"
#include "config.h"
#include "lease_store.h"
#include "server.h"

/* 255 bytes of option data: with it a reply is nearly full */
#define HEX30 \
	"abababababababababababababababababababababababababababababab" /* 30 bytes */
#define BIG_HEX                                         \
	HEX30 HEX30 HEX30 HEX30 HEX30 HEX30 HEX30 HEX30 \
		"ababababababababababababababab"

static const char yaml[] = "dhcp:\n"
			   "  lease_file: /unused\n"
			   "  subnets:\n"
			   "    - interface: eth9\n"
			   "      network: 192.0.2.0/24\n"
			   "      pools: [192.0.2.100-192.0.2.101]\n"
			   "      lease_time: 600\n"
			   "      dns: [192.0.2.53]\n"
			   "      domain: lab.test\n"
			   "      ntp: [192.0.2.123]\n"
			   "      routes:\n"
			   "        - to: 198.51.100.0/24\n"
			   "          via: 192.0.2.1\n"
			   "      options:\n"
			   "        - code: 66\n"
			   "          text: tftp\n"
			   "    - network: 10.77.0.0/24\n"
			   "      pools: [10.77.0.100-10.77.0.150]\n"
			   "      router: 10.77.0.1\n"
			   "    - network: 10.78.0.0/24\n"
			   "      pools: [10.78.0.100-10.78.0.110]\n"
			   "      router: 10.78.0.1\n"
			   "      options:\n"
			   "        - code: 66\n"
			   "          hex: " BIG_HEX "\n";

/* A shared network: two subnets on one interface. */
static const char yaml_shared[] = "dhcp:\n"
				  "  lease_file: /unused\n"
				  "  subnets:\n"
				  "    - interface: eth9\n"
				  "      network: 192.0.2.0/24\n"
				  "      pools: [192.0.2.100-192.0.2.101]\n"
				  "    - interface: eth9\n"
				  "      network: 198.18.5.0/24\n"
				  "      pools: [198.18.5.10-198.18.5.11]\n"
				  "      router: 198.18.5.1\n";

/* A shared network whose second subnet has no router configured. */
static const char yaml_shared_norouter[] =
	"dhcp:\n"
	"  lease_file: /unused\n"
	"  subnets:\n"
	"    - interface: eth9\n"
	"      network: 192.0.2.0/24\n"
	"      pools: [192.0.2.100-192.0.2.100]\n"
	"    - interface: eth9\n"
	"      network: 198.18.0.0/16\n"
	"      pools: [198.18.5.10-198.18.5.11]\n";

struct fixture {
	struct config *cfg;
	struct server s;
	struct srv_if ifp;
	struct srv_if relay;
	char dir[64];
	char path[128];
};

static int
setup_yaml(void **state, const char *text)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct config_errors e;
	struct log_limit lim = LOG_LIMIT_INIT;
	char err[LEASE_STORE_ERRLEN];
	size_t i;

	log_set_level(LOG_LEVEL_ERROR);
	clock_refresh();
	f->cfg = config_load_buffer("t.yaml", text, strlen(text), &e);
	assert_non_null(f->cfg);
	f->s.cfg = f->cfg->dhcp;
	f->s.nsubnets = f->cfg->dhcp->subnets_count;
	f->s.subnets = calloc(f->s.nsubnets, sizeof(*f->s.subnets));
	for (i = 0; i < f->s.nsubnets; i++) {
		f->s.subnets[i].cfg = &f->cfg->dhcp->subnets[i];
		f->s.subnets[i].pool = pool_new(f->s.subnets[i].cfg);
		f->s.subnets[i].exhausted = lim;
	}
	snprintf(f->ifp.name, sizeof(f->ifp.name), "eth9");
	f->ifp.fd = 5;
	f->ifp.raw_fd = 6;
	f->ifp.ifindex = 9;
	f->ifp.addr.s_addr = inet_addr("192.0.2.254");
	f->relay.fd = 7;
	f->relay.raw_fd = -1;
	for (i = 0; i < f->s.nsubnets; i++)
		if (f->s.subnets[i].cfg->interface != NULL)
			f->s.subnets[i].iface = &f->ifp;
	f->s.replies = calloc(SERVER_MAX_REPLIES, sizeof(*f->s.replies));
	f->s.malformed_log = f->s.store_log = f->s.send_log = lim;
	snprintf(f->dir, sizeof(f->dir), "/tmp/test_dhcpd_handler.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->path, sizeof(f->path), "%s/leases", f->dir);
	f->s.store = lease_store_open(f->path, NULL, NULL, err, sizeof(err));
	assert_non_null(f->s.store);
	*state = f;
	return 0;
}

static int
setup(void **state)
{
	return setup_yaml(state, yaml);
}

static int
setup_shared(void **state)
{
	return setup_yaml(state, yaml_shared);
}

static int
setup_shared_norouter(void **state)
{
	return setup_yaml(state, yaml_shared_norouter);
}

static int
teardown(void **state)
{
	struct fixture *f = *state;
	size_t i;

	lease_store_close(f->s.store);
	unlink(f->path);
	rmdir(f->dir);
	for (i = 0; i < f->s.nsubnets; i++)
		pool_free(f->s.subnets[i].pool);
	free(f->s.subnets);
	free(f->s.replies);
	config_free(f->cfg);
	free(f);
	return 0;
}

struct req {
	uint8_t type;
	uint8_t mac_last;
	bool no_hw; /* htype 32 (InfiniBand), hlen 0 */
	const char *client_id;
	const char *ciaddr, *giaddr, *requested, *server_id;
	uint16_t flags;
	const uint8_t *prl;
	size_t prl_len;
	const uint8_t *agent;
	size_t agent_len;
};

/* Builds, parses and hands one request to the handler. */
static void
send_req(struct fixture *f, struct srv_if *ifp, const struct req *q)
{
	uint8_t b[600] = {0};
	size_t n = DHCP_OPTIONS_OFF;
	struct dhcp_msg m;
	struct in_addr a;

	b[0] = 1;
	b[1] = q->no_hw ? 32 : 1;
	b[2] = q->no_hw ? 0 : 6;
	b[7] = q->mac_last;
	b[10] = (uint8_t)(q->flags >> 8);
	if (q->ciaddr != NULL)
		inet_pton(AF_INET, q->ciaddr, b + 12);
	if (q->giaddr != NULL)
		inet_pton(AF_INET, q->giaddr, b + 24);
	memcpy(b + 28, "\x02\x00\x5e\x00\x53", 5);
	b[33] = q->mac_last;
	memcpy(b + 236, "\x63\x82\x53\x63", 4);
	b[n++] = DHO_MSG_TYPE;
	b[n++] = 1;
	b[n++] = q->type;
	if (q->requested != NULL) {
		b[n++] = DHO_REQUESTED_ADDR;
		b[n++] = 4;
		inet_pton(AF_INET, q->requested, b + n);
		n += 4;
	}
	if (q->client_id != NULL) {
		b[n++] = DHO_CLIENT_ID;
		b[n++] = (uint8_t)strlen(q->client_id);
		memcpy(b + n, q->client_id, strlen(q->client_id));
		n += strlen(q->client_id);
	}
	if (q->server_id != NULL) {
		b[n++] = DHO_SERVER_ID;
		b[n++] = 4;
		inet_pton(AF_INET, q->server_id, b + n);
		n += 4;
	}
	if (q->prl_len > 0) {
		b[n++] = DHO_PARAM_LIST;
		b[n++] = (uint8_t)q->prl_len;
		memcpy(b + n, q->prl, q->prl_len);
		n += q->prl_len;
	}
	if (q->agent_len > 0) {
		b[n++] = DHO_AGENT_INFO;
		b[n++] = (uint8_t)q->agent_len;
		memcpy(b + n, q->agent, q->agent_len);
		n += q->agent_len;
	}
	b[n++] = DHO_END;
	assert_int_equal(dhcp_parse(b, n, &m), DHCP_OK);
	a.s_addr = q->giaddr != NULL ? inet_addr("192.0.2.254") : INADDR_ANY;
	handler_request(&f->s, ifp, &m, a);
}

/* The DHCP payload of reply i; its option `code` (data, length). */
static const uint8_t *
reply_opt(const struct srv_reply *r, uint8_t code, uint8_t *len)
{
	const uint8_t *p = r->buf + RAWPKT_HDR_LEN;
	size_t i = DHCP_OPTIONS_OFF;

	while (i + 1 < r->len && p[i] != DHO_END) {
		if (p[i] == DHO_PAD) {
			i++;
			continue;
		}
		if (p[i] == code) {
			*len = p[i + 1];
			return p + i + 2;
		}
		i += 2 + (size_t)p[i + 1];
	}
	return NULL;
}

static uint8_t
reply_type(const struct srv_reply *r)
{
	uint8_t len;
	const uint8_t *t = reply_opt(r, DHO_MSG_TYPE, &len);

	return t != NULL ? t[0] : 0;
}

static const char *
yiaddr(const struct srv_reply *r, char *buf)
{
	return inet_ntop(AF_INET, r->buf + RAWPKT_HDR_LEN + 16, buf, 16);
}

static void
test_discover_offer(void **state)
{
	struct fixture *f = *state;
	struct req q = {.type = DHCP_DISCOVER, .mac_last = 1};
	const struct srv_reply *r;
	const uint8_t *o;
	uint8_t len;
	char a[16];
	static const uint8_t routes[] = {24, 198, 51,  100, 192, 0,  2,
					 1,  0,   192, 0,   2,   254};

	send_req(f, &f->ifp, &q);
	assert_int_equal(f->s.nreplies, 1);
	r = &f->s.replies[0];
	assert_int_equal(reply_type(r), DHCP_OFFER);
	assert_string_equal(yiaddr(r, a), "192.0.2.100");
	assert_false(r->durable);
	/* no address, no broadcast flag: unicast through the packet socket */
	assert_true(r->raw);
	assert_int_equal(r->fd, 6);
	assert_int_equal(r->buf[9], 17); /* IP protocol UDP */
	assert_memory_equal(r->mac, "\x02\x00\x5e\x00\x53\x01", 6);
	o = reply_opt(r, DHO_SERVER_ID, &len);
	assert_memory_equal(o, "\xc0\x00\x02\xfe", 4);
	o = reply_opt(r, DHO_ROUTER, &len); /* default: our own address */
	assert_memory_equal(o, "\xc0\x00\x02\xfe", 4);
	o = reply_opt(r, DHO_LEASE_TIME, &len);
	assert_memory_equal(o, "\x00\x00\x02\x58", 4);
	o = reply_opt(r, DHO_T1, &len);
	assert_memory_equal(o, "\x00\x00\x01\x2c", 4);
	o = reply_opt(r, DHO_SUBNET_MASK, &len);
	assert_memory_equal(o, "\xff\xff\xff\x00", 4);
	assert_non_null(reply_opt(r, DHO_DNS, &len));
	assert_non_null(reply_opt(r, DHO_DOMAIN, &len));
	o = reply_opt(r, DHO_BROADCAST, &len);
	assert_memory_equal(o, "\xc0\x00\x02\xff", 4);
	assert_non_null(reply_opt(r, DHO_NTP, &len));
	o = reply_opt(r, 66, &len);
	assert_int_equal(len, 4);
	o = reply_opt(r, DHO_CLASSLESS_ROUTES, &len);
	assert_non_null(o);
	assert_int_equal(len, sizeof(routes));
	assert_memory_equal(o, routes, sizeof(routes));
	/* no option 55 sent: 249 only goes to those who ask for it */
	assert_null(reply_opt(r, DHO_MS_CLASSLESS_ROUTES, &len));
}

static void
test_prl_and_broadcast(void **state)
{
	struct fixture *f = *state;
	static const uint8_t prl[] = {1, 3, 249};
	struct req q = {.type = DHCP_DISCOVER,
			.mac_last = 2,
			.flags = DHCP_FLAG_BROADCAST,
			.prl = prl,
			.prl_len = sizeof(prl)};
	const struct srv_reply *r;
	uint8_t len;

	send_req(f, &f->ifp, &q);
	r = &f->s.replies[0];
	assert_false(r->raw);
	assert_int_equal(r->fd, 5);
	assert_int_equal(r->peer.sin.sin_addr.s_addr, INADDR_BROADCAST);
	assert_int_equal(ntohs(r->peer.sin.sin_port), 68);
	assert_non_null(reply_opt(r, DHO_ROUTER, &len));
	assert_non_null(reply_opt(r, DHO_MS_CLASSLESS_ROUTES, &len));
	assert_null(reply_opt(r, DHO_CLASSLESS_ROUTES, &len));
	assert_null(reply_opt(r, DHO_DNS, &len));
	assert_null(reply_opt(r, DHO_DOMAIN, &len));
	assert_null(reply_opt(r, 66, &len));
	/* always: 51, 54, 58, 59, 1 */
	assert_non_null(reply_opt(r, DHO_LEASE_TIME, &len));
	assert_non_null(reply_opt(r, DHO_T2, &len));
	assert_non_null(reply_opt(r, DHO_SUBNET_MASK, &len));
}

static void
test_selecting_renewing(void **state)
{
	struct fixture *f = *state;
	struct req d = {.type = DHCP_DISCOVER, .mac_last = 3};
	struct req q = {.type = DHCP_REQUEST,
			.mac_last = 3,
			.requested = "192.0.2.100",
			.server_id = "192.0.2.254"};
	struct req renew = {
		.type = DHCP_REQUEST, .mac_last = 3, .ciaddr = "192.0.2.100"};
	struct req other = {.type = DHCP_REQUEST,
			    .mac_last = 4,
			    .requested = "192.0.2.100"};
	const struct srv_reply *r;

	send_req(f, &f->ifp, &d);
	send_req(f, &f->ifp, &q);
	assert_int_equal(f->s.nreplies, 2);
	r = &f->s.replies[1];
	assert_int_equal(reply_type(r), DHCP_ACK);
	assert_true(r->durable); /* waits for the journal */
	assert_int_equal(lease_store_pending(f->s.store), 1);
	/* RENEWING: unicast to ciaddr */
	send_req(f, &f->ifp, &renew);
	r = &f->s.replies[2];
	assert_int_equal(reply_type(r), DHCP_ACK);
	assert_false(r->raw);
	assert_int_equal(r->peer.sin.sin_addr.s_addr, inet_addr("192.0.2.100"));
	assert_int_equal(lease_store_pending(f->s.store), 2);
	/* INIT-REBOOT of another client for that address: NAK, broadcast */
	send_req(f, &f->ifp, &other);
	r = &f->s.replies[3];
	assert_int_equal(reply_type(r), DHCP_NAK);
	assert_false(r->durable);
	assert_int_equal(r->peer.sin.sin_addr.s_addr, INADDR_BROADCAST);
	/* INIT-REBOOT on a foreign network: NAK */
	other.requested = "10.1.2.3";
	send_req(f, &f->ifp, &other);
	assert_int_equal(reply_type(&f->s.replies[4]), DHCP_NAK);
	/* INIT-REBOOT of an unknown client for a free address: silence */
	other.requested = "192.0.2.101";
	send_req(f, &f->ifp, &other);
	assert_int_equal(f->s.nreplies, 5);
}

static void
test_other_server_release_decline(void **state)
{
	struct fixture *f = *state;
	struct req d = {.type = DHCP_DISCOVER, .mac_last = 5};
	struct req q = {.type = DHCP_REQUEST,
			.mac_last = 5,
			.requested = "192.0.2.100",
			.server_id = "192.0.2.7"};
	struct req rel = {.type = DHCP_RELEASE,
			  .mac_last = 5,
			  .ciaddr = "192.0.2.100",
			  .server_id = "192.0.2.254"};
	struct req dec = {.type = DHCP_DECLINE,
			  .mac_last = 6,
			  .requested = "192.0.2.101",
			  .server_id = "192.0.2.254"};
	char a[16];

	send_req(f, &f->ifp, &d);
	assert_string_equal(yiaddr(&f->s.replies[0], a), "192.0.2.100");
	/* it chose another server: no reply, our offer is released */
	send_req(f, &f->ifp, &q);
	assert_int_equal(f->s.nreplies, 1);
	assert_int_equal(lease_store_pending(f->s.store), 0);
	/* bind it properly, release it: the release is journaled, no reply */
	q.server_id = "192.0.2.254";
	send_req(f, &f->ifp, &q);
	send_req(f, &f->ifp, &rel);
	assert_int_equal(f->s.nreplies, 2);
	assert_int_equal(lease_store_pending(f->s.store), 2);
	/* a decline quarantines and is journaled */
	d.mac_last = 6;
	send_req(f, &f->ifp, &d);
	q.mac_last = 6;
	q.requested = yiaddr(&f->s.replies[2], a);
	send_req(f, &f->ifp, &q);
	dec.requested = a;
	send_req(f, &f->ifp, &dec);
	assert_int_equal(lease_store_pending(f->s.store), 4);
	assert_int_equal(lease_store_commit(f->s.store), 0);
}

static void
test_inform(void **state)
{
	struct fixture *f = *state;
	struct req q = {
		.type = DHCP_INFORM, .mac_last = 8, .ciaddr = "192.0.2.77"};
	const struct srv_reply *r;
	uint8_t len;
	char a[16];

	send_req(f, &f->ifp, &q);
	r = &f->s.replies[0];
	assert_int_equal(reply_type(r), DHCP_ACK);
	assert_false(r->durable);
	assert_string_equal(yiaddr(r, a), "0.0.0.0");
	assert_null(reply_opt(r, DHO_LEASE_TIME, &len));
	assert_non_null(reply_opt(r, DHO_DNS, &len));
	assert_int_equal(r->peer.sin.sin_addr.s_addr, inet_addr("192.0.2.77"));
}

static void
test_relayed(void **state)
{
	struct fixture *f = *state;
	static const uint8_t agent[] = {1, 3, 'a', 'b', 'c'};
	struct req q = {.type = DHCP_DISCOVER,
			.mac_last = 9,
			.giaddr = "10.77.0.1",
			.agent = agent,
			.agent_len = sizeof(agent)};
	struct req stray = {
		.type = DHCP_DISCOVER, .mac_last = 10, .giaddr = "172.16.0.1"};
	const struct srv_reply *r;
	const uint8_t *o;
	uint8_t len;
	char a[16];

	send_req(f, &f->relay, &q);
	assert_int_equal(f->s.nreplies, 1);
	r = &f->s.replies[0];
	assert_string_equal(yiaddr(r, a), "10.77.0.100");
	assert_int_equal(r->fd, 7);
	assert_int_equal(r->peer.sin.sin_addr.s_addr, inet_addr("10.77.0.1"));
	assert_int_equal(ntohs(r->peer.sin.sin_port), 67);
	o = reply_opt(r, DHO_AGENT_INFO, &len);
	assert_non_null(o);
	assert_int_equal(len, sizeof(agent));
	assert_memory_equal(o, agent, sizeof(agent));
	o = reply_opt(r, DHO_ROUTER, &len);
	assert_memory_equal(o, "\x0a\x4d\x00\x01", 4);
	o = reply_opt(r, DHO_SERVER_ID, &len); /* where the relay sent it */
	assert_memory_equal(o, "\xc0\x00\x02\xfe", 4);
	/* a giaddr no subnet holds, and a broadcast copy on the relay
	 * socket: ignored */
	send_req(f, &f->relay, &stray);
	q.giaddr = NULL;
	send_req(f, &f->relay, &q);
	assert_int_equal(f->s.nreplies, 1);
}

/*
 * RFC 3046 2.2: the server copies option 82 into its reply.  A reply
 * that the configured options nearly fill must keep room for it, or the
 * relay cannot match the reply to its client.
 */
static void
test_relayed_full_reply(void **state)
{
	struct fixture *f = *state;
	static const uint8_t agent[] = {1, 6, 'c', 'i', 'r', 'c', 'u', 'i'};
	struct req q = {.type = DHCP_DISCOVER,
			.mac_last = 9,
			.giaddr = "10.78.0.1",
			.agent = agent,
			.agent_len = sizeof(agent)};
	const struct srv_reply *r;
	const uint8_t *o;
	uint8_t len;

	send_req(f, &f->relay, &q);
	assert_int_equal(f->s.nreplies, 1);
	r = &f->s.replies[0];
	assert_int_equal(reply_type(r), DHCP_OFFER);
	assert_true(r->len <= DHCP_MIN_MAX_SIZE - DHCP_IPUDP_LEN);
	o = reply_opt(r, DHO_AGENT_INFO, &len);
	assert_non_null(o);
	assert_int_equal(len, sizeof(agent));
	assert_memory_equal(o, agent, sizeof(agent));
	assert_non_null(reply_opt(r, DHO_LEASE_TIME, &len));
}

/*
 * While the disk is slow the journal queue is capped: a REQUEST that
 * would add a record beyond it gets no answer and changes nothing.
 */
static void
test_journal_queue_cap(void **state)
{
	struct fixture *f = *state;
	struct req d = {.type = DHCP_DISCOVER, .mac_last = 3};
	struct req q = {.type = DHCP_REQUEST,
			.mac_last = 3,
			.requested = "192.0.2.100",
			.server_id = "192.0.2.254"};
	struct lease_rec rec;
	struct pool *p = f->s.subnets[0].pool;
	struct in_addr a;
	unsigned i;

	memset(&rec, 0, sizeof(rec));
	rec.lease.addr.s_addr = inet_addr("192.0.2.200");
	rec.lease.state = LEASE_BOUND;
	for (i = 0; i < SERVER_MAX_QUEUED; i++)
		assert_int_equal(lease_store_append(f->s.store, &rec.lease), 0);
	send_req(f, &f->ifp, &d); /* an OFFER adds no record */
	assert_int_equal(f->s.nreplies, 1);
	send_req(f, &f->ifp, &q);
	assert_int_equal(f->s.nreplies, 1);
	assert_int_equal(lease_store_pending(f->s.store), SERVER_MAX_QUEUED);
	a.s_addr = inet_addr("192.0.2.100");
	assert_int_equal(pool_by_addr(p, a)->state, LEASE_OFFERED);
	/* the disk caught up: the retry is acknowledged */
	assert_int_equal(lease_store_commit(f->s.store), 0);
	send_req(f, &f->ifp, &q);
	assert_int_equal(f->s.nreplies, 2);
	assert_int_equal(reply_type(&f->s.replies[1]), DHCP_ACK);
	assert_int_equal(lease_store_pending(f->s.store), 1);
}

static void
test_exhaustion(void **state)
{
	struct fixture *f = *state;
	struct req q = {.type = DHCP_DISCOVER};
	unsigned i;

	for (i = 1; i <= 3; i++) {
		q.mac_last = (uint8_t)(20 + i);
		send_req(f, &f->ifp, &q);
	}
	assert_int_equal(f->s.nreplies, 2); /* a pool of two */
	assert_int_equal(f->s.n.exhausted, 1);
}

/* Shared network: a full first pool spills into the second subnet. */
static void
test_shared_exhaustion(void **state)
{
	struct fixture *f = *state;
	struct req q = {.type = DHCP_DISCOVER};
	char a[16];
	unsigned i;

	for (i = 1; i <= 5; i++) {
		q.mac_last = (uint8_t)(40 + i);
		send_req(f, &f->ifp, &q);
	}
	assert_int_equal(f->s.nreplies, 4);
	assert_string_equal(yiaddr(&f->s.replies[2], a), "198.18.5.10");
	assert_string_equal(yiaddr(&f->s.replies[3], a), "198.18.5.11");
	assert_int_equal(f->s.n.exhausted, 1);
}

/*
 * A client holding a lease in the second subnet of the interface: its
 * INIT-REBOOT (no server id, option 50) gets an ACK from that subnet,
 * with that subnet's router, not a NAK; and its DISCOVER offers the same
 * address again.
 */
static void
test_shared_init_reboot(void **state)
{
	struct fixture *f = *state;
	struct req q = {.type = DHCP_DISCOVER};
	const uint8_t *rt;
	uint8_t len;
	unsigned i;
	char a[16];

	for (i = 1; i <= 3; i++) { /* the third spills into 198.18.5.0/24 */
		q.mac_last = (uint8_t)(50 + i);
		send_req(f, &f->ifp, &q);
	}
	assert_string_equal(yiaddr(&f->s.replies[2], a), "198.18.5.10");
	q = (struct req){.type = DHCP_REQUEST,
			 .mac_last = 53,
			 .requested = "198.18.5.10",
			 .server_id = "192.0.2.254"};
	send_req(f, &f->ifp, &q);
	assert_int_equal(reply_type(&f->s.replies[3]), DHCP_ACK);
	q.server_id = NULL; /* INIT-REBOOT */
	send_req(f, &f->ifp, &q);
	assert_int_equal(f->s.nreplies, 5);
	assert_int_equal(reply_type(&f->s.replies[4]), DHCP_ACK);
	assert_string_equal(yiaddr(&f->s.replies[4], a), "198.18.5.10");
	rt = reply_opt(&f->s.replies[4], DHO_ROUTER, &len);
	assert_non_null(rt);
	assert_int_equal(len, 4);
	assert_memory_equal(rt, "\xc6\x12\x05\x01", 4);
	q = (struct req){.type = DHCP_DISCOVER, .mac_last = 53};
	send_req(f, &f->ifp, &q);
	assert_string_equal(yiaddr(&f->s.replies[5], a), "198.18.5.10");
	/* outside every subnet of the interface: still a NAK */
	q = (struct req){.type = DHCP_REQUEST,
			 .mac_last = 53,
			 .requested = "203.0.113.9"};
	send_req(f, &f->ifp, &q);
	assert_int_equal(reply_type(&f->s.replies[6]), DHCP_NAK);
}

/*
 * Shared network: a client that chose another server releases our offer
 * in whichever subnet of the shared network it was made.
 */
static void
test_shared_other_server(void **state)
{
	struct fixture *f = *state;
	struct req q = {.type = DHCP_DISCOVER};
	char a[16];
	unsigned i;

	for (i = 1; i <= 3; i++) { /* the third spills into 198.18.5.0/24 */
		q.mac_last = (uint8_t)(60 + i);
		send_req(f, &f->ifp, &q);
	}
	assert_string_equal(yiaddr(&f->s.replies[2], a), "198.18.5.10");
	/* it takes another server's offer, in our first subnet's network */
	q = (struct req){.type = DHCP_REQUEST,
			 .mac_last = 63,
			 .requested = "192.0.2.200",
			 .server_id = "192.0.2.7"};
	send_req(f, &f->ifp, &q);
	assert_int_equal(f->s.nreplies, 3);
	/* both addresses of the second pool are free for others again */
	for (i = 4; i <= 5; i++) {
		q = (struct req){.type = DHCP_DISCOVER,
				 .mac_last = (uint8_t)(60 + i)};
		send_req(f, &f->ifp, &q);
	}
	assert_int_equal(f->s.nreplies, 5);
	assert_int_equal(f->s.n.exhausted, 0);
}

/*
 * Replies from the second subnet of a shared network carry its mask, a
 * server id and a router on its own link: never the first subnet's
 * address, which the client could not reach.
 */
static void
test_shared_link_addresses(void **state)
{
	struct fixture *f = *state;
	struct req q = {.type = DHCP_DISCOVER, .mac_last = 71};
	const struct srv_reply *r;
	const uint8_t *o;
	uint8_t len;
	char a[16];

	send_req(f, &f->ifp, &q); /* 192.0.2.100, the first pool's only */
	q.mac_last = 72;
	send_req(f, &f->ifp, &q);
	r = &f->s.replies[1];
	assert_string_equal(yiaddr(r, a), "198.18.5.10");
	o = reply_opt(r, DHO_SUBNET_MASK, &len);
	assert_memory_equal(o, "\xff\xff\x00\x00", 4);
	/* no address of ours on 198.18/16: no router rather than one
	 * off the link; the server id is the interface's address */
	assert_null(reply_opt(r, DHO_ROUTER, &len));
	o = reply_opt(r, DHO_SERVER_ID, &len);
	assert_memory_equal(o, "\xc0\x00\x02\xfe", 4);
	/* with an address of ours on 198.18/16: that one, for both */
	f->s.subnets[1].addr.s_addr = inet_addr("198.18.0.1");
	q.mac_last = 73;
	send_req(f, &f->ifp, &q);
	r = &f->s.replies[2];
	assert_string_equal(yiaddr(r, a), "198.18.5.11");
	o = reply_opt(r, DHO_SERVER_ID, &len);
	assert_memory_equal(o, "\xc6\x12\x00\x01", 4);
	o = reply_opt(r, DHO_ROUTER, &len);
	assert_non_null(o);
	assert_memory_equal(o, "\xc6\x12\x00\x01", 4);
	/* the client selects us by that id: ACK, naming it again */
	q = (struct req){.type = DHCP_REQUEST,
			 .mac_last = 73,
			 .requested = "198.18.5.11",
			 .server_id = "198.18.0.1"};
	send_req(f, &f->ifp, &q);
	r = &f->s.replies[3];
	assert_int_equal(reply_type(r), DHCP_ACK);
	o = reply_opt(r, DHO_SERVER_ID, &len);
	assert_memory_equal(o, "\xc6\x12\x00\x01", 4);
	/* the first subnet keeps the interface's address */
	q = (struct req){.type = DHCP_REQUEST,
			 .mac_last = 71,
			 .requested = "192.0.2.100",
			 .server_id = "192.0.2.254"};
	send_req(f, &f->ifp, &q);
	r = &f->s.replies[4];
	assert_int_equal(reply_type(r), DHCP_ACK);
	o = reply_opt(r, DHO_ROUTER, &len);
	assert_memory_equal(o, "\xc0\x00\x02\xfe", 4);
}

/* No chaddr and no option 61: nothing tells such clients apart. */
static void
test_no_identity(void **state)
{
	struct fixture *f = *state;
	struct req q = {.type = DHCP_DISCOVER, .no_hw = true};
	char a0[16], a1[16];

	send_req(f, &f->ifp, &q);
	assert_int_equal(f->s.nreplies, 0);
	assert_int_equal(f->s.n.ignored, 1);
	q.client_id = "ib-host-1";
	send_req(f, &f->ifp, &q);
	q.client_id = "ib-host-2";
	send_req(f, &f->ifp, &q);
	assert_int_equal(f->s.nreplies, 2);
	assert_string_not_equal(yiaddr(&f->s.replies[0], a0),
				yiaddr(&f->s.replies[1], a1));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_discover_offer, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_prl_and_broadcast, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_selecting_renewing, setup,
						teardown),
		cmocka_unit_test_setup_teardown(
			test_other_server_release_decline, setup, teardown),
		cmocka_unit_test_setup_teardown(test_inform, setup, teardown),
		cmocka_unit_test_setup_teardown(test_relayed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_relayed_full_reply, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_journal_queue_cap, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_exhaustion, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_shared_exhaustion,
						setup_shared, teardown),
		cmocka_unit_test_setup_teardown(test_shared_init_reboot,
						setup_shared, teardown),
		cmocka_unit_test_setup_teardown(test_no_identity, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_shared_other_server,
						setup_shared, teardown),
		cmocka_unit_test_setup_teardown(test_shared_link_addresses,
						setup_shared_norouter,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
