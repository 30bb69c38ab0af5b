#include "dgram.h"

#include <errno.h>
#include <event2/event.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "clock.h"

struct dgram_batch {
	unsigned capacity;
	unsigned used;
	size_t bufsize;
	struct dgram_slot *slots;
	struct mmsghdr *msgs;
	struct iovec *iovs;
	uint8_t *data;    /* capacity * bufsize */
	uint8_t *control; /* capacity * DGRAM_CONTROL_LEN */
};

struct dgram_reader {
	struct event *ev;
	int fd;
	struct dgram_batch *in;
	struct dgram_batch *out;
	dgram_handler handler;
	void *arg;
	unsigned long dropped; /* replies the kernel refused */
};

struct dgram_batch *
dgram_batch_new(unsigned count, size_t bufsize)
{
	struct dgram_batch *b;
	unsigned i;

	if (count == 0 || count > DGRAM_MAX_BATCH || bufsize == 0 ||
	    bufsize > 65536)
		return NULL;
	b = calloc(1, sizeof(*b));
	if (b == NULL)
		return NULL;
	b->capacity = count;
	b->bufsize = bufsize;
	b->slots = calloc(count, sizeof(*b->slots));
	b->msgs = calloc(count, sizeof(*b->msgs));
	b->iovs = calloc(count, sizeof(*b->iovs));
	b->data = malloc(count * bufsize);
	b->control = malloc((size_t)count * DGRAM_CONTROL_LEN);
	if (b->slots == NULL || b->msgs == NULL || b->iovs == NULL ||
	    b->data == NULL || b->control == NULL) {
		dgram_batch_free(b);
		return NULL;
	}
	for (i = 0; i < count; i++) {
		b->slots[i].data = b->data + (size_t)i * bufsize;
		b->slots[i].control =
			b->control + (size_t)i * DGRAM_CONTROL_LEN;
	}
	return b;
}

void
dgram_batch_free(struct dgram_batch *b)
{
	if (b == NULL)
		return;
	free(b->slots);
	free(b->msgs);
	free(b->iovs);
	free(b->data);
	free(b->control);
	free(b);
}

unsigned
dgram_batch_capacity(const struct dgram_batch *b)
{
	return b->capacity;
}

size_t
dgram_batch_bufsize(const struct dgram_batch *b)
{
	return b->bufsize;
}

struct dgram_slot *
dgram_batch_slot(struct dgram_batch *b, unsigned i)
{
	return i < b->capacity ? &b->slots[i] : NULL;
}

unsigned
dgram_batch_used(const struct dgram_batch *b)
{
	return b->used;
}

/* Points message i at slot i; `sending` uses the slot's lengths. */
static void
dgram_prepare(struct dgram_batch *b, unsigned i, int sending)
{
	struct dgram_slot *s = &b->slots[i];
	struct msghdr *h = &b->msgs[i].msg_hdr;

	b->iovs[i].iov_base = s->data;
	b->iovs[i].iov_len = sending ? s->len : b->bufsize;
	memset(h, 0, sizeof(*h));
	h->msg_name = &s->peer.ss;
	h->msg_namelen = sending ? s->peer.len : sizeof(s->peer.ss);
	h->msg_iov = &b->iovs[i];
	h->msg_iovlen = 1;
	if (!sending || s->control_len > 0) {
		h->msg_control = s->control;
		h->msg_controllen =
			sending ? s->control_len : DGRAM_CONTROL_LEN;
	}
	b->msgs[i].msg_len = 0;
}

int
dgram_recv(struct dgram_batch *b, int fd)
{
	unsigned i;
	int n;

	for (i = 0; i < b->capacity; i++)
		dgram_prepare(b, i, 0);
	b->used = 0;
	n = recvmmsg(fd, b->msgs, b->capacity, MSG_DONTWAIT, NULL);
	if (n == -1) {
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return 0;
		return -1;
	}
	for (i = 0; i < (unsigned)n; i++) {
		struct dgram_slot *s = &b->slots[i];
		const struct msghdr *h = &b->msgs[i].msg_hdr;

		s->len = b->msgs[i].msg_len;
		s->peer.len = h->msg_namelen;
		s->control_len = h->msg_controllen;
		s->truncated = (h->msg_flags & MSG_TRUNC) != 0;
	}
	b->used = (unsigned)n;
	return n;
}

struct dgram_slot *
dgram_queue(struct dgram_batch *b)
{
	struct dgram_slot *s;

	if (b->used == b->capacity)
		return NULL;
	s = &b->slots[b->used++];
	s->len = 0;
	s->control_len = 0;
	s->truncated = 0;
	return s;
}

int
dgram_flush(struct dgram_batch *b, int fd, unsigned *dropped)
{
	unsigned i, done = 0, sent = 0;
	int n;

	*dropped = 0;
	for (i = 0; i < b->used; i++)
		dgram_prepare(b, i, 1);
	while (done < b->used) {
		n = sendmmsg(fd, b->msgs + done, b->used - done, MSG_DONTWAIT);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			/* This datagram cannot go (full buffer, bad peer): skip it. */
			(*dropped)++;
			done++;
			continue;
		}
		done += (unsigned)n;
		sent += (unsigned)n;
	}
	b->used = 0;
	return (int)sent;
}

static void
dgram_reader_cb(evutil_socket_t fd, short what, void *arg)
{
	struct dgram_reader *r = arg;
	unsigned round, dropped;
	int n;

	(void)what;
	clock_refresh();
	for (round = 0; round < DGRAM_MAX_ROUNDS; round++) {
		n = dgram_recv(r->in, fd);
		if (n <= 0)
			break;
		r->handler(r->in, r->out, fd, r->arg);
		if (dgram_batch_used(r->out) > 0) {
			dgram_flush(r->out, fd, &dropped);
			r->dropped += dropped;
		}
		if ((unsigned)n < dgram_batch_capacity(r->in))
			break; /* drained */
	}
}

struct dgram_reader *
dgram_reader_new(struct event_base *base, int fd, unsigned batch,
		 size_t bufsize, dgram_handler handler, void *arg)
{
	struct dgram_reader *r = calloc(1, sizeof(*r));

	if (r == NULL)
		return NULL;
	r->fd = fd;
	r->handler = handler;
	r->arg = arg;
	r->in = dgram_batch_new(batch, bufsize);
	r->out = dgram_batch_new(batch, bufsize);
	if (r->in != NULL && r->out != NULL)
		r->ev = event_new(base, fd, EV_READ | EV_PERSIST,
				  dgram_reader_cb, r);
	if (r->ev == NULL || event_add(r->ev, NULL) == -1) {
		dgram_reader_free(r);
		return NULL;
	}
	return r;
}

void
dgram_reader_free(struct dgram_reader *r)
{
	if (r == NULL)
		return;
	if (r->ev != NULL)
		event_free(r->ev);
	dgram_batch_free(r->in);
	dgram_batch_free(r->out);
	free(r);
}
