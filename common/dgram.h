/*
 * dgram: batches of datagrams in and out with recvmmsg/sendmmsg.
 *
 * A batch owns `count` slots, each with a buffer of `bufsize` bytes, a
 * peer address and room for ancillary data (IP_PKTINFO).  One wake-up of
 * an EV_READ|EV_PERSIST event drains the socket in calls of up to `count`
 * datagrams each, and replies queued in an output batch leave in one
 * sendmmsg.
 */
#ifndef LABGATE_DGRAM_H
#define LABGATE_DGRAM_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "net.h"

struct event_base;

#define DGRAM_MAX_BATCH   64  /* slots per batch, at most */
#define DGRAM_CONTROL_LEN 128 /* ancillary bytes per slot */
/* recvmmsg calls per wake-up, so one busy socket cannot starve others */
#define DGRAM_MAX_ROUNDS 16

struct dgram_slot {
	uint8_t *data;            /* bufsize bytes, owned by the batch */
	size_t len;               /* bytes received, or bytes to send */
	struct net_sockaddr peer; /* source on receive, destination on send */
	uint8_t *control;         /* DGRAM_CONTROL_LEN bytes */
	size_t control_len; /* received ancillary length; 0 to send none */
	int truncated;      /* the datagram did not fit (MSG_TRUNC) */
};

struct dgram_batch;

/* Allocates a batch; NULL on bad sizes or no memory. */
struct dgram_batch *dgram_batch_new(unsigned count, size_t bufsize);
void dgram_batch_free(struct dgram_batch *b);
unsigned dgram_batch_capacity(const struct dgram_batch *b);
size_t dgram_batch_bufsize(const struct dgram_batch *b);
struct dgram_slot *dgram_batch_slot(struct dgram_batch *b, unsigned i);
/* Slots in use: received by the last dgram_recv, or queued to send. */
unsigned dgram_batch_used(const struct dgram_batch *b);

/*
 * Receives up to the batch's capacity without blocking.  Returns the
 * number received (0 when none is waiting), or -1 with errno.
 */
int dgram_recv(struct dgram_batch *b, int fd);

/*
 * Reserves the next free slot of an output batch for a reply; NULL when
 * full (flush first).  Fill data/len/peer (and control) in the slot.
 */
struct dgram_slot *dgram_queue(struct dgram_batch *b);
/*
 * Sends every queued slot with sendmmsg, retrying after partial sends.
 * Datagrams the kernel refuses (EAGAIN with a full buffer, or an error
 * for one peer) are dropped and counted.  Empties the batch.  Returns the
 * number sent.
 */
int dgram_flush(struct dgram_batch *b, int fd, unsigned *dropped);

/*
 * Called once per received batch.  `in` holds dgram_batch_used(in)
 * datagrams; the callback may queue replies in `out`, which the reader
 * flushes to the same fd after the callback returns.
 */
typedef void (*dgram_handler)(struct dgram_batch *in, struct dgram_batch *out,
			      int fd, void *arg);

struct dgram_reader;

/*
 * Watches fd with EV_READ|EV_PERSIST; each wake-up refreshes the clock
 * cache, receives in up to DGRAM_MAX_ROUNDS batches and passes each to
 * handler.  The reader does not own fd.  NULL on failure.
 */
struct dgram_reader *dgram_reader_new(struct event_base *base, int fd,
				      unsigned batch, size_t bufsize,
				      dgram_handler handler, void *arg);
void dgram_reader_free(struct dgram_reader *r);

#endif
