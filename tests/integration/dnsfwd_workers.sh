#!/bin/bash
# dnsfwd_workers.sh: dns.workers: 3 processes on SO_REUSEPORT sockets,
# all answering (dig from many source ports), all reloading on SIGHUP, all
# logging statistics on SIGUSR1, a worker killed with SIGKILL replaced
# and a crash loop given up, all gone after SIGTERM.  In a network
# namespace of its own.  Needs root and dig (dnsutils).  Emits TAP.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/dnsfwd_lib.sh"

NS=$(lg_ns dnsw) || bail_out "cannot create a network namespace"
TMP=$LG_TMP
ip netns exec "$NS" "$UPSTREAM" -a 127.0.0.2 -p 5300 -m answer \
	>"$TMP/up.log" 2>&1 &
lg_track $! dns-test-upstream

cat >"$TMP/lab.yaml" <<CONF
dns:
  listen: [127.0.0.1:53]
  upstreams: [127.0.0.2:5300]
  workers: 3
  records:
    - gw.lab.test A 192.0.2.254
CONF

plan 9
dnsfwd_start "$TMP/lab.yaml"
sleep 0.3

# Waits until the daemon has N workers, none of them in OLD.
new_workers() {
	local w
	w=$(lg_children "$DPID")
	[ "$(grep -c . <<<"$w")" = "$1" ] || return 1
	for k in $2; do grep -qx "$k" <<<"$w" && return 1; done
	return 0
}
replaced_or_given_up() {
	new_workers 2 "$1" || grep -q "no longer replaced" "$LG_LOG"
}
kids=$(lg_children "$DPID")
n=$(echo "$kids" | grep -c .)
if [ "$n" = 2 ]; then
	pass "workers: 3 runs two worker processes beside the first"
else
	not_ok "workers: 3 runs two worker processes beside the first" "children: $kids"
fi

# 40 queries, each from its own source port: all answered
good=0
for i in $(seq 1 40); do
	[ "$(in_ns dig +short +time=2 +tries=1 @127.0.0.1 gw.lab.test A)" = 192.0.2.254 ] && good=$((good + 1))
done
if [ "$good" = 40 ]; then
	pass "40 queries from 40 source ports all answered"
else
	not_ok "40 queries from 40 source ports all answered" "$good answered"
fi

# SIGUSR1: three processes log statistics, and more than one has served
kill -USR1 "$DPID"
sleep 0.5
lines=$(grep "stats: queries" "$LG_LOG")
busy=$(grep -c -v "stats: queries 0 " <<<"$lines")
if [ "$(grep -c . <<<"$lines")" = 3 ] && [ "$busy" -ge 2 ]; then
	pass "SIGUSR1 reaches every worker; the kernel spread the queries ($busy busy)"
else
	not_ok "SIGUSR1 reaches every worker; the kernel spread the queries" "$lines"
fi

# SIGHUP: every worker takes the new record
sed -i 's/192.0.2.254/192.0.2.253/' "$TMP/lab.yaml"
kill -HUP "$DPID"
sleep 0.8
good=0
for i in $(seq 1 30); do
	[ "$(in_ns dig +short +time=2 +tries=1 @127.0.0.1 gw.lab.test A)" = 192.0.2.253 ] && good=$((good + 1))
done
if [ "$good" = 30 ]; then
	pass "after SIGHUP every worker answers the new record"
else
	not_ok "after SIGHUP every worker answers the new record" "$good of 30"
fi

# SIGKILL to a worker: the first process notices (SIGCHLD) and forks a
# new one, which answers like the others
victim=$(head -n 1 <<<"$kids")
kill -KILL "$victim"
if lg_wait_for 10 new_workers 2 "$victim"; then
	pass "a worker killed with SIGKILL is replaced"
else
	not_ok "a worker killed with SIGKILL is replaced" "workers: $(lg_children "$DPID")" "$(tail -5 "$LG_LOG")"
fi
good=0
for i in $(seq 1 30); do
	[ "$(in_ns dig +short +time=2 +tries=1 @127.0.0.1 gw.lab.test A)" = 192.0.2.253 ] && good=$((good + 1))
done
before=$(grep -c "stats: queries" "$LG_LOG")
kill -USR1 "$DPID"
sleep 0.5
lines=$(grep "stats: queries" "$LG_LOG" | tail -n +$((before + 1)))
if [ "$good" = 30 ] && [ "$(grep -c -v "stats: queries 0 " <<<"$lines")" = 3 ]; then
	pass "after the replacement all 30 queries are answered, by three processes"
else
	not_ok "after the replacement all 30 queries are answered, by three processes" "$good of 30" "$lines"
fi

# A crash loop: each replacement killed at once.  After
# WORKERS_CRASH_LIMIT (5) deaths within a minute, the next is not replaced.
for i in $(seq 1 8); do
	grep -q "no longer replaced" "$LG_LOG" && break
	cur=$(lg_children "$DPID")
	victim=$(head -n 1 <<<"$cur")
	kill -KILL "$victim"
	lg_wait_for 10 replaced_or_given_up "$victim" || break
done
sleep 1
kids=$(lg_children "$DPID")
if grep -q "died 6 times within 60 s: no longer replaced" "$LG_LOG" &&
	[ "$(grep -c . <<<"$kids")" = 1 ] &&
	[ "$(in_ns dig +short +time=2 +tries=1 @127.0.0.1 gw.lab.test A)" = 192.0.2.253 ]; then
	pass "a crash loop is given up with a log line; the others still answer"
else
	not_ok "a crash loop is given up with a log line; the others still answer" "workers: $kids" "$(grep -E "worker|died" "$LG_LOG" | tail -8)"
fi

# SIGTERM: the first process stops its workers, then exits 0
kill -TERM "$DPID"
for i in $(seq 1 80); do
	grep -q EXIT_ "$LG_NOTIFY" 2>/dev/null && break
	sleep 0.1
done
if grep -q "EXIT_STATUS=0" "$LG_NOTIFY"; then
	pass "SIGTERM: exit status 0"
else
	not_ok "SIGTERM: exit status 0" "$(cat "$LG_NOTIFY")"
fi
left=""
for k in $kids; do
	kill -0 "$k" 2>/dev/null && left="$left $k"
done
if [ -z "$left" ] && ! grep -qiE "sanitizer|runtime error" "$LG_LOG"; then
	pass "no worker left behind, no sanitizer reports"
else
	not_ok "no worker left behind, no sanitizer reports" "left:$left" "$(tail -5 "$LG_LOG")"
fi
done_testing
