#!/bin/bash
# httpd_workers.sh: http.workers: 3 on loopback.  A worker killed with
# SIGKILL is replaced by a new child of the daemon, which serves and takes
# SIGHUP and SIGUSR1 like the others; a crash loop is given up with a log
# line while the rest go on serving; no access log line is written twice
# (by a worker forked while the first process had lines buffered);
# SIGTERM stops every process, exit 0.
# Then, with the shim dnsfwd_reinit_delay.so holding each new worker 3 s
# before its own event loop: a SIGUSR1 sent to the worker in that window
# is the worker's, never the first process's (until event_reinit,
# libevent's handler writes into a pipe shared with the first process).
# Last, with user: nobody, a worker stops when its first process is
# killed after the privilege drop.
# Emits TAP.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/httpd_lib.sh"

lg_require_cmd curl python3
[ -x "$HTTPD_BIN" ] || bail_out "$HTTPD_BIN not built"
SHIM=$LABGATE_BUILDDIR/tests/integration/dnsfwd_reinit_delay.so
[ -f "$SHIM" ] || bail_out "$SHIM not built (make check builds it)"

PORT=$(httpd_free_port)
[ -n "$PORT" ] || bail_out "no free port"
U=http://127.0.0.1:$PORT
WWW=$(lg_tmpdir)
httpd_seed_index "$WWW"
CFG=$LG_TMP/lab.yaml
ALOG=$LG_TMP/access.log
httpd_config "$CFG" "$PORT" "$WWW" "workers: 3" "access_log: $ALOG"

not_ok() {
	fail "$1"
	shift
	[ $# -gt 0 ] && diag "$@"
	return 0
}
# The daemon has N workers, none of them in OLD.
new_workers() {
	local w k
	w=$(lg_children "$HP")
	[ "$(grep -c . <<<"$w")" = "$1" ] || return 1
	for k in $2; do grep -qx "$k" <<<"$w" && return 1; done
	return 0
}
replaced_or_given_up() {
	new_workers 2 "$1" || grep -q "no longer replaced" "$LG_LOG"
}
# N GET /?TAG-I answered 200: prints how many.  Each request is its own
# access log line.
answered() {
	local i good=0
	for ((i = 0; i < $1; i++)); do
		[ "$(curl -s -o /dev/null -w '%{http_code}' "$U/?$2-$i")" = 200 ] &&
			good=$((good + 1))
	done
	echo "$good"
}
lines_of() { grep -c "httpd\[$1\]: notice: $2" "$LG_LOG"; }
more_lines() { [ "$(lines_of "$1" "$2")" -gt "$3" ]; }
# PID's statistics, asked for by SIGUSR1: it has accepted connections.
has_served() {
	local before
	before=$(lines_of "$1" "http: ")
	kill -USR1 "$1"
	lg_wait_for 10 more_lines "$1" "http: " "$before" &&
		grep "httpd\[$1\]: notice: http: " "$LG_LOG" | tail -n 1 |
		grep -qE ', [1-9][0-9]* accepted'
}
# Every process logged LINE (after the first N of all such lines).
all_logged() {
	local n
	n=$(grep "notice: $2" "$LG_LOG" | tail -n +$(($3 + 1)) |
		sed -n 's/.*httpd\[\([0-9]*\)\].*/\1/p' | sort -u | wc -l)
	[ "$n" = "$1" ]
}

plan 14
if ! lg_start_daemon "$HTTPD_BIN" -c "$CFG"; then
	bail_out "httpd with workers: 3 did not start"
fi
HP=$LG_PID
lg_wait_for 10 new_workers 2 ""
kids=$(lg_children "$HP")
seen=$kids
is "$(grep -c . <<<"$kids")" 2 "workers: 3 runs two worker processes"
is "$(answered 10 a)" 10 "10 GETs answered"

# SIGKILL to a worker: the first process forks a new one.
victim=$(head -n 1 <<<"$kids")
kill -KILL "$victim"
if lg_wait_for 10 new_workers 2 "$victim"; then
	pass "a worker killed with SIGKILL is replaced by a new child of the daemon"
else
	not_ok "a worker killed with SIGKILL is replaced by a new child of the daemon" \
		"workers: $(lg_children "$HP" | tr '\n' ' ')" "$(tail -5 "$LG_LOG")"
fi
new=$(lg_children "$HP" | grep -vxF "$kids" | head -n 1)
seen="$seen $new"
like "$(grep "worker $victim killed by signal 9" "$LG_LOG")" . \
	"the death is logged with its signal"

# The replacement serves: curl until its statistics count a connection
# (the kernel spreads connections by a hash of the client port).
good=0 asked=0 served=no
for round in 1 2 3 4 5 6 7 8 9 10; do
	[ -n "$new" ] || break
	good=$((good + $(answered 20 "b$round")))
	asked=$((asked + 20))
	if has_served "$new"; then
		served=yes
		break
	fi
done
if [ "$served" = yes ] && [ "$good" = "$asked" ]; then
	pass "the replacement accepts connections; $good of $asked GETs answered"
else
	not_ok "the replacement accepts connections; every GET answered" \
		"worker ${new:-none}: served $served, $good of $asked answered"
fi

# SIGHUP and SIGUSR1 reach the replacement like the others.
before=$(grep -c "notice: reloaded" "$LG_LOG")
kill -HUP "$HP"
if lg_wait_for 10 all_logged 3 "reloaded" "$before"; then
	pass "SIGHUP: all three processes reload"
else
	not_ok "SIGHUP: all three processes reload" "$(grep "reloaded" "$LG_LOG" | tail -4)"
fi
before=$(grep -c "notice: stats: uptime" "$LG_LOG")
kill -USR1 "$HP"
if lg_wait_for 10 all_logged 3 "stats: uptime" "$before"; then
	pass "SIGUSR1: all three processes log statistics"
else
	not_ok "SIGUSR1: all three processes log statistics" "$(grep "stats: uptime" "$LG_LOG" | tail -4)"
fi

# A crash loop: each replacement killed at once.  After
# WORKERS_CRASH_LIMIT (5) deaths within a minute, the next is not
# replaced; the first process and the last worker go on serving.  The
# GETs leave access log lines buffered in the first process when it forks.
for i in $(seq 1 8); do
	grep -q "no longer replaced" "$LG_LOG" && break
	answered 6 "c$i" >/dev/null
	victim=$(lg_children "$HP" | head -n 1)
	kill -KILL "$victim"
	lg_wait_for 10 replaced_or_given_up "$victim" || break
	seen="$seen $(lg_children "$HP" | tr '\n' ' ')"
done
lg_wait_for 5 new_workers 1 ""
kids=$(lg_children "$HP")
if grep -q "workers died 6 times within 60 s: no longer replaced" "$LG_LOG" &&
	[ "$(grep -c . <<<"$kids")" = 1 ]; then
	pass "a crash loop is given up with a log line; one worker left"
else
	not_ok "a crash loop is given up with a log line; one worker left" \
		"workers: $(tr '\n' ' ' <<<"$kids")" "$(grep -E "worker|died" "$LG_LOG" | tail -8)"
fi
is "$(answered 20 d)" 20 "after giving up, the rest answer every GET"

# SIGTERM: exit 0, and no worker ever started is left.
lg_stop "$HP"
rc=$?
left=""
for k in $seen; do
	lg_alive "$k" && left="$left $k"
done
if [ "$rc" = 0 ] && [ -z "$left" ] &&
	! grep -qiE "sanitizer|runtime error" "$LG_LOG"; then
	pass "SIGTERM: exit 0, no process left, no sanitizer reports"
else
	not_ok "SIGTERM: exit 0, no process left, no sanitizer reports" \
		"exit $rc, left:$left" "$(tail -5 "$LG_LOG")"
fi

# A worker killed with SIGKILL loses the lines it buffered, but none is
# written twice.
twice=$(grep -o '"GET /?[^ ]*' "$ALOG" | sort | uniq -d)
if [ -z "$twice" ] && grep -q '"GET /?d-19 ' "$ALOG"; then
	pass "no access log line written twice"
else
	not_ok "no access log line written twice" "twice: $(head -5 <<<"$twice" | tr '\n' ' ')"
fi

# --- a signal before the worker has its own loop ------------------------------
# The shim is not instrumented: an ASan build must not insist on being
# the first library.  The first process is ready before its workers leave
# the shim; when the SIGUSR1 comes too late, nothing is proven, but
# nothing fails either.
httpd_config "$CFG" "$PORT" "$WWW" "workers: 2"
if ! LD_PRELOAD=$SHIM LG_REINIT_DELAY_MS=3000 \
	ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0 \
	lg_start_daemon "$HTTPD_BIN" -c "$CFG"; then
	bail_out "httpd with the shim did not start"
fi
HP=$LG_PID
lg_wait_for 10 new_workers 1 ""
w=$(lg_children "$HP")
[ -n "$w" ] && kill -USR1 "$w"
[ -n "$w" ] && lg_wait_for 20 more_lines "$w" "stats: uptime" 0
sleep 0.5
if [ -n "$w" ] && [ "$(lines_of "$HP" "stats: uptime")" = 0 ] &&
	[ "$(lines_of "$w" "stats: uptime")" = 1 ]; then
	pass "SIGUSR1 to a worker before its loop is its own, once"
else
	not_ok "SIGUSR1 to a worker before its loop is its own, once" \
		"worker ${w:-none}: $(lines_of "${w:-0}" "stats: uptime") stats lines; first process: $(lines_of "$HP" "stats: uptime")"
fi
lg_stop "$HP"
is "$?" 0 "SIGTERM with the shim: exit 0"

# --- the first process dies after the privilege drop ----------------------------
# Dropping to `user` clears the parent-death signal set at the fork; the
# pool sets it again on the worker's first loop turn, so the worker still
# stops when its first process is killed.  The worker is waited for until
# it runs as nobody and has logged "ready" (its loop comes next).
gone() { ! lg_alive "$1"; }
dropped() {
	grep -qE '^Uid:[[:space:]]+65534[[:space:]]' "/proc/$1/status" &&
		grep -q "httpd\[$1\]: notice: httpd .* ready" "$LG_LOG"
}
httpd_config "$CFG" "$PORT" "$WWW" "workers: 2"
sed -i '1i user: nobody' "$CFG"
if ! lg_start_daemon "$HTTPD_BIN" -c "$CFG"; then
	bail_out "httpd with user: nobody did not start"
fi
HP=$LG_PID
lg_wait_for 10 new_workers 1 ""
w=$(lg_children "$HP")
[ -n "$w" ] && lg_track "$w" httpd && lg_wait_for 10 dropped "$w"
kill -KILL "$HP"
if [ -n "$w" ] && lg_wait_for 10 gone "$w"; then
	pass "user: nobody: a worker stops when its first process is killed"
else
	not_ok "user: nobody: a worker stops when its first process is killed" \
		"worker ${w:-none} $(lg_alive "${w:-0}" && echo alive)" "$(tail -5 "$LG_LOG")"
fi
done_testing
