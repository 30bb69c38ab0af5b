/*
 * clock: the time as seen by one event-loop turn.
 *
 * Each daemon calls clock_refresh() once when the loop hands it work
 * (top of a callback batch); everything it does in that turn reads the
 * cached values, so one turn sees one "now" and no path reads the clock
 * per packet.
 */
#ifndef LABGATE_CLOCK_H
#define LABGATE_CLOCK_H

#include <stdint.h>
#include <time.h>

/* Reads the coarse monotonic clock (to a kernel tick, a few ms) and the
 * wall clock (seconds) into the cache. */
void clock_refresh(void);
/* Cached monotonic time, milliseconds since an arbitrary start, to a
 * tick: never compare it with clock_mono_ms_now(). */
uint64_t clock_mono_ms(void);
/* Cached monotonic time, whole seconds. */
time_t clock_mono_s(void);
/* Cached wall-clock time (for lease times, HTTP dates, logs). */
time_t clock_wall(void);
/* Uncached, exact monotonic milliseconds (for timing one operation). */
uint64_t clock_mono_ms_now(void);

#endif
