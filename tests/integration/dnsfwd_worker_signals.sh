#!/bin/bash
# dnsfwd_worker_signals.sh: a signal that reaches a new worker before it
# has its own event loop is the worker's, never the first process's.
# Until event_reinit, libevent's handler in the worker still writes into
# the pipe it shares with the first process, which then took a SIGHUP,
# SIGUSR1 or SIGTERM meant for the worker as its own (and passed it on to
# the worker again).  The shim dnsfwd_reinit_delay.so holds each worker
# 3 s before event_reinit, so the test signals a replaced worker inside
# that window; when it comes too late the test passes without proving
# anything, never fails.  In a network namespace of its own.  Needs root
# and dig.  Emits TAP.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/dnsfwd_lib.sh"

SHIM=$LABGATE_BUILDDIR/tests/integration/dnsfwd_reinit_delay.so
[ -f "$SHIM" ] || bail_out "$SHIM not built (make check builds it)"
NS=$(lg_ns dnsws) || bail_out "cannot create a network namespace"
TMP=$LG_TMP
ip netns exec "$NS" "$UPSTREAM" -a 127.0.0.2 -p 5300 -m answer \
	>"$TMP/up.log" 2>&1 &
lg_track $! dns-test-upstream

cat >"$TMP/lab.yaml" <<CONF
dns:
  listen: [127.0.0.1:53]
  upstreams: [127.0.0.2:5300]
  workers: 2
CONF

plan 4
# The shim is not instrumented: an ASan build must not insist on being
# the first library.
LD_PRELOAD=$SHIM LG_REINIT_DELAY_MS=3000 \
	ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0 \
	dnsfwd_start "$TMP/lab.yaml"

# The worker set up: it logs its statistics on SIGUSR1.
uptime_lines() { grep -c "dnsfwd\[$1\]: notice: stats: uptime" "$LG_LOG"; }
set_up() { kill -USR1 "$1" && sleep 0.3 && [ "$(uptime_lines "$1")" -ge 1 ]; }

first=$(lg_children "$DPID")
if lg_wait_for 20 set_up "$first"; then
	pass "the worker runs its own loop after the shim's delay"
else
	not_ok "the worker runs its own loop after the shim's delay" "worker: $first" "$(tail -5 "$LG_LOG")"
fi

# Kill it; its replacement comes 0.1 s later (WORKERS_RESTART_MS) and then
# waits 3 s in the shim: SIGUSR1 to it alone, at once.
parent_before=$(uptime_lines "$DPID")
kill -KILL "$first"
new=""
for i in $(seq 1 200); do
	new=$(lg_children "$DPID" | grep -vx "$first")
	[ -n "$new" ] && break
	sleep 0.01
done
[ -n "$new" ] && kill -USR1 "$new"
logged() { [ "$(uptime_lines "$1")" -ge 1 ]; }
[ -n "$new" ] && lg_wait_for 20 logged "$new"
sleep 0.5
parent_after=$(uptime_lines "$DPID")
if [ -n "$new" ] && [ "$parent_after" = "$parent_before" ]; then
	pass "SIGUSR1 to a new worker is not taken by the first process"
else
	not_ok "SIGUSR1 to a new worker is not taken by the first process" \
		"worker $new; first process stats lines $parent_before -> $parent_after" \
		"$(grep -E "stats: uptime|worker" "$LG_LOG" | tail -8)"
fi
if [ -n "$new" ] && [ "$(uptime_lines "$new")" = 1 ]; then
	pass "the new worker gets its SIGUSR1 once it has its loop"
else
	not_ok "the new worker gets its SIGUSR1 once it has its loop" \
		"worker $new: $(uptime_lines "${new:-0}") stats lines"
fi
dnsfwd_stop_clean
done_testing
