/*
 * syncer: one thread that writes and fdatasyncs the lease journal's
 * in-flight batch, so the event loop keeps answering (OFFERs, NAKs, the
 * next batch's bookkeeping) while the disk works.  The loop hands over a
 * batch with syncer_start(); when the batch is durable (or failed) the
 * thread wakes the loop through an eventfd and `done` runs there.
 */
#ifndef LABGATE_DHCPD_SYNCER_H
#define LABGATE_DHCPD_SYNCER_H

#include <stdbool.h>

struct event_base;
struct lease_store;
struct syncer;

/* Called on the loop thread once a started batch has been run. */
typedef void (*syncer_done_fn)(void *arg);

/* Creates the thread and its eventfd.  NULL (errno) on failure. */
struct syncer *syncer_new(struct event_base *base, struct lease_store *st,
			  syncer_done_fn done, void *arg);
/* Runs lease_store_commit_run() on the thread.  Never while busy. */
void syncer_start(struct syncer *sy);
bool syncer_busy(const struct syncer *sy);
/* Blocks until the batch in flight (if any) ran, then calls done. */
void syncer_wait(struct syncer *sy);
/* Stops and joins the thread (after syncer_wait). */
void syncer_free(struct syncer *sy);

#endif
