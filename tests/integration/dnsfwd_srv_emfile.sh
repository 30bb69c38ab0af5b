#!/bin/bash
# dnsfwd_srv_emfile.sh: dnsfwd out of file descriptors.  With a low
# RLIMIT_NOFILE (prlimit on its PID), TCP clients fill its table until
# accept() fails with EMFILE; dnsfwd must then pause accepting
# (SERVER_ACCEPT_PAUSE_MS) instead of spinning on the listener, keep
# answering over UDP, and accept again once the clients have gone.  In a
# network namespace of its own.  Needs root, dig, python3 and prlimit.
# Emits TAP.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/dnsfwd_lib.sh"
lg_require_cmd python3 prlimit

NS=$(lg_ns dnsfd) || bail_out "cannot create a network namespace"
TMP=$LG_TMP

cat >"$TMP/lab.yaml" <<CONF
dns:
  listen: [127.0.0.1:53]
  upstreams: [127.0.0.2:5300]
  tcp_timeout: 60
  tcp_connections: 1000
  records:
    - gw.lab.test A 192.0.2.254
CONF

plan 5
dnsfwd_start "$TMP/lab.yaml"

# A few more descriptors than it has open now (counted, not the highest:
# one may be inherited far up).
nfd=$(find "/proc/$DPID/fd" -mindepth 1 -maxdepth 1 | wc -l)
prlimit --pid "$DPID" --nofile=$((nfd + 6)):$((nfd + 6)) ||
	bail_out "prlimit failed"

# 30 idle TCP clients, held until $TMP/release exists.
in_ns python3 - "$TMP/release" >"$TMP/clients.log" 2>&1 <<'PY' &
import os, socket, sys, time
held = []
for i in range(30):
    s = socket.socket()
    s.settimeout(2)
    s.connect(("127.0.0.1", 53))
    held.append(s)
print("connected", len(held), flush=True)
deadline = time.time() + 60
while not os.path.exists(sys.argv[1]) and time.time() < deadline:
    time.sleep(0.1)
for s in held:
    s.close()
PY
CLIENTS=$!
lg_track "$CLIENTS" python3

paused() { grep -q "tcp accept: Too many open files: paused" "$LG_LOG"; }
if lg_wait_for 10 paused; then
	pass "EMFILE on accept is logged and pauses the listener"
else
	not_ok "EMFILE on accept is logged and pauses the listener" "$(tail -5 "$LG_LOG")" "$(cat "$TMP/clients.log")"
fi

# CPU time (utime + stime, in clock ticks) over one second: a listener
# woken again and again by the queued connections would use all of it.
cpu() { awk '{ print $14 + $15 }' "/proc/$DPID/stat"; }
hz=$(getconf CLK_TCK)
c0=$(cpu)
sleep 1
c1=$(cpu)
used=$((c1 - c0))
if [ "$used" -lt $((hz / 5)) ]; then
	pass "no spinning while out of descriptors ($used of $hz ticks in 1 s)"
else
	not_ok "no spinning while out of descriptors" "$used of $hz ticks in 1 s"
fi

r=$(in_ns dig +short +time=2 +tries=1 @127.0.0.1 gw.lab.test A)
is "$r" 192.0.2.254 "UDP is answered meanwhile"

touch "$TMP/release"
wait "$CLIENTS"
tcp_ok() {
	[ "$(in_ns dig +tcp +short +time=1 +tries=1 @127.0.0.1 gw.lab.test A)" = 192.0.2.254 ]
}
if lg_wait_for 10 tcp_ok; then
	pass "once the clients have gone, TCP is accepted and answered again"
else
	not_ok "once the clients have gone, TCP is accepted and answered again" "$(tail -5 "$LG_LOG")"
fi

dnsfwd_stop_clean
done_testing
