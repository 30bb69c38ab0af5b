/*
 * handler: RFC 2131 section 4.3, one parsed request at a time.  Chooses
 * the subnet, asks its pool, queues the journal record and the reply.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "clock.h"
#include "lease_store.h"
#include "log.h"
#include "server.h"

#define HANDLER_MAX_ROUTES 64 /* configured routes used in option 121 */

/* Client identity: option 61, else htype and chaddr (RFC 2132 9.14). */
struct client {
	const uint8_t *id;
	size_t id_len;
	uint8_t mac[6];
	uint8_t hw[1 + DHCP_CHADDR_LEN];
};

static void
client_of(const struct dhcp_msg *m, struct client *c)
{
	memset(c->mac, 0, sizeof(c->mac));
	if (m->htype == 1 && m->hlen == 6)
		memcpy(c->mac, m->chaddr, 6);
	if (m->client_id_len > 0) {
		c->id = m->client_id;
		c->id_len = m->client_id_len;
		return;
	}
	c->hw[0] = m->htype;
	memcpy(c->hw + 1, m->chaddr, m->hlen);
	c->id = c->hw;
	c->id_len = 1 + (size_t)m->hlen;
}

static struct srv_subnet *
pick_subnet(struct server *s, struct srv_if *ifp, const struct dhcp_msg *m)
{
	struct srv_subnet *sn, *first = NULL;
	struct net_addr a = {.family = AF_INET};
	size_t i;

	for (i = 0; i < s->nsubnets; i++) {
		sn = &s->subnets[i];
		if (m->giaddr.s_addr != 0) {
			a.v4 = m->giaddr;
			if (sn->cfg->interface == NULL &&
			    net_cidr_contains(&sn->cfg->network, &a))
				return sn;
			continue;
		}
		if (sn->iface != ifp || sn->cfg->interface == NULL)
			continue;
		a.v4 = m->ciaddr.s_addr != 0 ? m->ciaddr : ifp->addr;
		if (net_cidr_contains(&sn->cfg->network, &a))
			return sn;
		if (first == NULL)
			first = sn;
	}
	return first;
}

/*
 * Several subnets on one interface form a shared network (as in Kea and
 * ISC dhcpd): the next one after `after` on the same interface whose
 * network holds `addr` (any address when addr is 0), or NULL.
 */
static struct srv_subnet *
shared_next(struct server *s, const struct srv_subnet *sn,
	    const struct srv_subnet *after, struct in_addr addr)
{
	struct net_addr a = {.family = AF_INET, .v4 = addr};
	size_t i = after != NULL ? (size_t)(after - s->subnets) + 1 : 0;

	if (sn->iface == NULL)
		return NULL; /* relayed: giaddr names one subnet */
	for (; i < s->nsubnets; i++) {
		struct srv_subnet *o = &s->subnets[i];

		if (o == sn || o->iface != sn->iface)
			continue;
		if (addr.s_addr == 0 || net_cidr_contains(&o->cfg->network, &a))
			return o;
	}
	return NULL;
}

/*
 * In a shared network the message may belong to another subnet than the
 * interface's own: the one holding the address it names, or, for a
 * DISCOVER, the one where the client already has a lease.
 */
static struct srv_subnet *
shared_pick(struct server *s, struct srv_subnet *sn, const struct dhcp_msg *m,
	    const struct client *c)
{
	struct net_addr a = {.family = AF_INET};
	struct srv_subnet *o;

	if (m->type == DHCP_DISCOVER) {
		if (pool_find(sn->pool, c->id, c->id_len, c->mac) != NULL)
			return sn;
		for (o = shared_next(s, sn, NULL, (struct in_addr){0});
		     o != NULL; o = shared_next(s, sn, o, (struct in_addr){0}))
			if (pool_find(o->pool, c->id, c->id_len, c->mac) !=
			    NULL)
				return o;
		return sn;
	}
	a.v4 = m->has_requested ? m->requested : m->ciaddr;
	if (a.v4.s_addr == 0 || net_cidr_contains(&sn->cfg->network, &a))
		return sn;
	o = shared_next(s, sn, NULL, a.v4);
	return o != NULL ? o : sn;
}

/* A reply slot, or NULL when the queue is full (the request is dropped). */
static struct srv_reply *
reply_new(struct server *s)
{
	struct srv_reply *r;

	if (s->nreplies == SERVER_MAX_REPLIES)
		return NULL;
	r = &s->replies[s->nreplies];
	memset(r, 0, offsetof(struct srv_reply, buf));
	return r;
}

/* RFC 2131 4.1: where a reply goes. */
static void
reply_route(struct srv_reply *r, struct srv_if *ifp, const struct dhcp_msg *m,
	    enum dhcp_type type, struct in_addr yiaddr)
{
	struct sockaddr_in *sin = &r->peer.sin;

	r->fd = ifp->fd;
	r->peer.len = sizeof(*sin);
	sin->sin_family = AF_INET;
	sin->sin_port = htons(DHCP_CLIENT_PORT);
	if (m->giaddr.s_addr != 0) {
		sin->sin_addr = m->giaddr;
		sin->sin_port = htons(DHCP_SERVER_PORT);
	} else if (m->ciaddr.s_addr != 0 && type != DHCP_NAK) {
		sin->sin_addr = m->ciaddr;
	} else if (type == DHCP_NAK || (m->flags & DHCP_FLAG_BROADCAST) ||
		   ifp->raw_fd == -1 || m->htype != 1 || m->hlen != 6) {
		sin->sin_addr.s_addr = htonl(INADDR_BROADCAST);
	} else {
		r->raw = true;
		r->fd = ifp->raw_fd;
		r->ifindex = ifp->ifindex;
		memcpy(r->mac, m->chaddr, 6);
		sin->sin_addr = yiaddr;
		rawpkt_build(r->buf, r->len, ifp->addr, DHCP_SERVER_PORT,
			     yiaddr, DHCP_CLIENT_PORT);
	}
}

static struct in_addr
prefix_mask(uint8_t prefix)
{
	struct in_addr a;

	a.s_addr = prefix == 0 ? 0 : htonl(0xffffffffu << (32 - prefix));
	return a;
}

/*
 * Our address on the subnet's own link, or 0: in a shared network the
 * interface's address may be in another subnet, off this one's link.
 */
static struct in_addr
subnet_local(const struct srv_subnet *sn)
{
	struct net_addr a = {.family = AF_INET};

	if (sn->addr.s_addr != 0 || sn->iface == NULL)
		return sn->addr;
	a.v4 = sn->iface->addr;
	if (net_cidr_contains(&sn->cfg->network, &a))
		return a.v4;
	return (struct in_addr){0};
}

static bool
router_of(const struct srv_subnet *sn, struct in_addr *out)
{
	if (sn->cfg->has_router) {
		*out = sn->cfg->router;
		return true;
	}
	*out = subnet_local(sn); /* a router off the link is unreachable */
	return out->s_addr != 0;
}

/* Options 121 and 249: the routes, plus 0.0.0.0/0 via the router. */
static void
add_routes(struct dhcp_builder *b, const struct srv_subnet *sn)
{
	struct dhcp_route r[HANDLER_MAX_ROUTES + 1];
	uint8_t data[DHCP_MAX_OPT];
	size_t i, n = 0;
	struct in_addr gw;
	int len;

	if (sn->cfg->routes_count == 0)
		return;
	for (i = 0; i < sn->cfg->routes_count && n < HANDLER_MAX_ROUTES; i++) {
		r[n].to = sn->cfg->routes[i].to.addr.v4;
		r[n].prefix = sn->cfg->routes[i].to.prefix;
		r[n++].via = sn->cfg->routes[i].via;
	}
	if (router_of(sn, &gw)) {
		r[n].to.s_addr = 0;
		r[n].prefix = 0;
		r[n++].via = gw;
	}
	if ((len = dhcp_encode_routes(r, n, data, sizeof(data))) <= 0)
		return;
	dhcp_build_opt(b, DHO_CLASSLESS_ROUTES, data, (size_t)len, false);
	if (b->req->prl_len > 0 &&
	    dhcp_requested(b->req, DHO_MS_CLASSLESS_ROUTES))
		dhcp_build_opt(b, DHO_MS_CLASSLESS_ROUTES, data, (size_t)len,
			       false);
}

/* Configuration options, each only if requested and fitting. */
static void
add_config_opts(struct dhcp_builder *b, const struct srv_subnet *sn,
		const struct lease *l)
{
	const struct config_subnet *c = sn->cfg;
	struct in_addr a = prefix_mask(c->network.prefix), gw;
	uint8_t dns[4 * 63];
	size_t i, n;

	dhcp_build_opt(b, DHO_SUBNET_MASK, &a, 4, true);
	if (router_of(sn, &gw))
		dhcp_build_opt(b, DHO_ROUTER, &gw, 4, false);
	for (i = 0, n = 0; i < c->dns_count && i < 63; i++, n += 4)
		memcpy(dns + n, &c->dns[i], 4);
	if (n > 0)
		dhcp_build_opt(b, DHO_DNS, dns, n, false);
	if (l != NULL && l->slot == POOL_NONE && l->hostname[0] != '\0')
		dhcp_build_opt(b, DHO_HOSTNAME, l->hostname,
			       strlen(l->hostname), false);
	if (c->domain != NULL)
		dhcp_build_opt(b, DHO_DOMAIN, c->domain, strlen(c->domain),
			       false);
	a.s_addr = c->network.addr.v4.s_addr |
		   ~prefix_mask(c->network.prefix).s_addr;
	dhcp_build_opt(b, DHO_BROADCAST, &a, 4, false);
	for (i = 0, n = 0; i < c->ntp_count && i < 63; i++, n += 4)
		memcpy(dns + n, &c->ntp[i], 4);
	if (n > 0)
		dhcp_build_opt(b, DHO_NTP, dns, n, false);
	add_routes(b, sn);
	/* options by code: sent when asked for (or when no list was sent) */
	for (i = 0; i < c->options_count; i++)
		dhcp_build_opt(b, c->options[i].code, c->options[i].data,
			       c->options[i].len, false);
}

/* Builds and queues a reply. */
static void
send_reply(struct server *s, struct srv_if *ifp, const struct dhcp_msg *m,
	   const struct srv_subnet *sn, enum dhcp_type type,
	   const struct lease *l, struct in_addr server_id)
{
	struct srv_reply *r = reply_new(s);
	struct dhcp_builder b;
	struct in_addr yi = {0};
	size_t agent = 0;
	uint32_t lt;

	if (r == NULL) {
		s->n.unsent++;
		return;
	}
	if (l != NULL && type != DHCP_NAK)
		yi = l->addr;
	dhcp_build_start(&b, r->buf + RAWPKT_HDR_LEN, DHCP_MAX_REPLY, m, type,
			 yi, server_id);
	/* RFC 3046 2.2: option 82 goes back to the relay, whatever else fits */
	if (m->giaddr.s_addr != 0 && m->agent_len > 0)
		agent = 2 + (size_t)m->agent_len;
	b.cap -= agent;
	if (type == DHCP_NAK) {
		b.buf[10] |= (uint8_t)(m->giaddr.s_addr != 0 ? 0x80 : 0);
	} else {
		if (l != NULL) {
			lt = sn->cfg->lease_time;
			dhcp_build_u32(&b, DHO_LEASE_TIME, lt, true);
			dhcp_build_u32(&b, DHO_T1, sn->cfg->renew_time, true);
			dhcp_build_u32(&b, DHO_T2, sn->cfg->rebind_time, true);
		}
		add_config_opts(&b, sn, l);
	}
	b.cap += agent;
	if (agent > 0)
		dhcp_build_opt(&b, DHO_AGENT_INFO, m->agent, m->agent_len,
			       true);
	r->len = dhcp_build_finish(&b);
	r->durable = type == DHCP_ACK && l != NULL;
	reply_route(r, ifp, m, type, yi);
	s->nreplies++;
	if (type == DHCP_OFFER)
		s->n.offers++;
	else if (type == DHCP_ACK)
		s->n.acks++;
	else
		s->n.naks++;
}

void
handler_journal(struct server *s, const struct lease *l)
{
	if (lease_store_append(s->store, l) == -1)
		log_limited(&s->store_log, LOG_LEVEL_ERROR,
			    "lease journal: cannot queue a record");
}

static void
log_exhausted(struct srv_subnet *sn, const struct client *c)
{
	char net[INET_ADDRSTRLEN], mac[NET_ADDRSTRLEN];

	inet_ntop(AF_INET, &sn->cfg->network.addr.v4, net, sizeof(net));
	log_limited(&sn->exhausted, LOG_LEVEL_WARNING,
		    "subnet %s/%u: pool exhausted (%u addresses): no offer "
		    "for %s",
		    net, sn->cfg->network.prefix, pool_size(sn->pool),
		    net_format_mac(c->mac, mac, sizeof(mac)));
}

/*
 * The address a reply names as its server: ours on the subnet's link,
 * else on the interface (a relayed one: where the relay sent it).
 */
static struct in_addr
server_id_for(const struct srv_if *ifp, const struct srv_subnet *sn,
	      const struct dhcp_msg *m, struct in_addr local)
{
	struct in_addr a;

	if (m->giaddr.s_addr != 0 && local.s_addr != 0 &&
	    local.s_addr != htonl(INADDR_BROADCAST))
		return local;
	if (m->giaddr.s_addr == 0 && (a = subnet_local(sn)).s_addr != 0)
		return a;
	return ifp->addr.s_addr != 0 ? ifp->addr : local;
}

static void
on_discover(struct server *s, struct srv_if *ifp, const struct dhcp_msg *m,
	    struct srv_subnet *sn, const struct client *c, struct in_addr local)
{
	struct srv_subnet *o = NULL;
	struct lease *l;

	l = pool_offer(sn->pool, c->id, c->id_len, c->mac,
		       m->has_requested ? &m->requested : NULL, clock_wall(),
		       s->cfg->offer_hold);
	/* Shared network: the next subnet's pool when this one is full. */
	while (l == NULL &&
	       (o = shared_next(s, sn, o, (struct in_addr){0})) != NULL) {
		l = pool_offer(o->pool, c->id, c->id_len, c->mac, NULL,
			       clock_wall(), s->cfg->offer_hold);
		if (l != NULL)
			sn = o;
	}
	if (l == NULL) {
		s->n.exhausted++;
		log_exhausted(sn, c);
		return;
	}
	if (m->hostname_len > 0 && l->slot != POOL_NONE)
		memcpy(l->hostname, m->hostname, (size_t)m->hostname_len + 1);
	send_reply(s, ifp, m, sn, DHCP_OFFER, l,
		   server_id_for(ifp, sn, m, local));
}

/* RFC 2131 4.3.2: SELECTING, INIT-REBOOT, RENEWING or REBINDING. */
static void
on_request(struct server *s, struct srv_if *ifp, const struct dhcp_msg *m,
	   struct srv_subnet *sn, const struct client *c, struct in_addr sid)
{
	struct net_addr na = {.family = AF_INET};
	enum pool_verdict v;
	struct in_addr addr;
	struct lease *l;
	bool selecting = m->has_server_id;

	if (selecting && m->server_id.s_addr != sid.s_addr) {
		/* the client chose another server; in a shared network our
		 * offer may be in any of its subnets */
		struct srv_subnet *o;

		pool_cancel_offer(sn->pool, c->id, c->id_len, c->mac,
				  clock_wall());
		for (o = shared_next(s, sn, NULL, (struct in_addr){0});
		     o != NULL; o = shared_next(s, sn, o, (struct in_addr){0}))
			pool_cancel_offer(o->pool, c->id, c->id_len, c->mac,
					  clock_wall());
		return;
	}
	addr = m->has_requested ? m->requested : m->ciaddr;
	if (addr.s_addr == 0) {
		s->n.ignored++;
		return;
	}
	na.v4 = addr;
	if (!net_cidr_contains(&sn->cfg->network, &na)) {
		send_reply(s, ifp, m, sn, DHCP_NAK, NULL, sid);
		return;
	}
	v = pool_request(sn->pool, c->id, c->id_len, c->mac, addr, selecting,
			 clock_wall(), sn->cfg->lease_time, &l);
	if (v == POOL_ACK) {
		if (m->hostname_len > 0 && l->slot != POOL_NONE)
			memcpy(l->hostname, m->hostname,
			       (size_t)m->hostname_len + 1);
		handler_journal(s, l);
		send_reply(s, ifp, m, sn, DHCP_ACK, l, sid);
	} else if (v == POOL_NAK) {
		send_reply(s, ifp, m, sn, DHCP_NAK, NULL, sid);
	} else {
		s->n.ignored++; /* no record of this client: stay silent */
	}
}

static void
on_release_decline(struct server *s, const struct dhcp_msg *m,
		   struct srv_subnet *sn, const struct client *c,
		   struct in_addr sid)
{
	struct lease *l;

	if (m->has_server_id && m->server_id.s_addr != sid.s_addr)
		return;
	if (m->type == DHCP_RELEASE)
		l = pool_release(sn->pool, c->id, c->id_len, c->mac, m->ciaddr,
				 clock_wall());
	else
		l = pool_decline(sn->pool, c->id, c->id_len, c->mac,
				 m->requested, clock_wall(),
				 s->cfg->quarantine);
	if (l == NULL) {
		s->n.ignored++;
		return;
	}
	if (m->type == DHCP_DECLINE) {
		char a[INET_ADDRSTRLEN];

		log_limited(&s->store_log, LOG_LEVEL_NOTICE,
			    "%s declined: quarantined for %us",
			    inet_ntop(AF_INET, &l->addr, a, sizeof(a)),
			    s->cfg->quarantine);
	}
	handler_journal(s, l);
}

void
handler_request(struct server *s, struct srv_if *ifp, const struct dhcp_msg *m,
		struct in_addr local)
{
	struct srv_subnet *sn;
	struct client c;
	struct in_addr sid;

	if (m->giaddr.s_addr == 0 && ifp->name[0] == '\0')
		return; /* a broadcast copy on the relay socket */
	s->n.by_type[m->type]++;
	if ((sn = pick_subnet(s, ifp, m)) == NULL) {
		s->n.ignored++;
		return;
	}
	/*
	 * A stalled disk must not grow the journal queue without bound: a
	 * change that would add a record waits for the client to retry.
	 */
	if (m->type != DHCP_DISCOVER && m->type != DHCP_INFORM &&
	    lease_store_pending(s->store) >= SERVER_MAX_QUEUED) {
		s->n.unsent++;
		log_limited(&s->store_log, LOG_LEVEL_WARNING,
			    "lease journal: %u records wait for the disk; "
			    "%s dropped",
			    SERVER_MAX_QUEUED, dhcp_type_name(m->type));
		return;
	}
	if (m->hlen == 0 && m->client_id_len == 0) {
		/* RFC 4390 and the like: nothing else tells clients apart */
		s->n.ignored++;
		log_limited(&s->malformed_log, LOG_LEVEL_NOTICE,
			    "%s without a hardware address or client "
			    "identifier: ignored",
			    dhcp_type_name(m->type));
		return;
	}
	client_of(m, &c);
	sn = shared_pick(s, sn, m, &c);
	sid = server_id_for(ifp, sn, m, local);
	switch (m->type) {
	case DHCP_DISCOVER:
		on_discover(s, ifp, m, sn, &c, local);
		break;
	case DHCP_REQUEST:
		on_request(s, ifp, m, sn, &c, sid);
		break;
	case DHCP_DECLINE:
	case DHCP_RELEASE:
		on_release_decline(s, m, sn, &c, sid);
		break;
	case DHCP_INFORM:
		if (m->ciaddr.s_addr != 0)
			send_reply(s, ifp, m, sn, DHCP_ACK, NULL, sid);
		break;
	}
}
