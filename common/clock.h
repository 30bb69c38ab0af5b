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
/* The cache; read it through the functions below (0: not read yet). */
struct clock_cache {
	uint64_t mono_ms;
	time_t wall;
};
extern struct clock_cache clock_cache;

/* Cached monotonic time, milliseconds since an arbitrary start, to a
 * tick: never compare it with clock_mono_ms_now().  Inline: it is read
 * several times per request. */
static inline uint64_t
clock_mono_ms(void)
{
	if (clock_cache.mono_ms == 0)
		clock_refresh();
	return clock_cache.mono_ms;
}

/* Cached monotonic time, whole seconds. */
static inline time_t
clock_mono_s(void)
{
	return (time_t)(clock_mono_ms() / 1000);
}

/* Cached wall-clock time (for lease times, HTTP dates, logs). */
static inline time_t
clock_wall(void)
{
	if (clock_cache.wall == 0)
		clock_refresh();
	return clock_cache.wall;
}

/* Uncached, exact monotonic milliseconds (for timing one operation). */
uint64_t clock_mono_ms_now(void);

#endif
