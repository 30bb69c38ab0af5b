#!/bin/bash
# dnsfwd_tcp.sh: dnsfwd's TCP side (RFC 7766) with real clients: several
# queries on one connection (kdig +keepopen), the idle timeout, the
# connection limit, a query split across TCP segments, and an upstream
# whose TCP fails after a truncated UDP answer.  Everything
# runs inside a network namespace of its own, on its loopback.
# Needs root, knotd (knot) and dig (dnsutils); kdig (knot-dnsutils) when
# present.  Emits TAP.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/dnsfwd_lib.sh"

NS=$(lg_ns dnstcp) || bail_out "cannot create a network namespace"
TMP=$LG_TMP

ip netns exec "$NS" "$UPSTREAM" -a 127.0.0.2 -p 5300 -m answer \
	>"$TMP/up.log" 2>&1 &
lg_track $! dns-test-upstream
ip netns exec "$NS" "$UPSTREAM" -a 127.0.0.3 -p 5300 -m tcpfail \
	>"$TMP/up-tcpfail.log" 2>&1 &
lg_track $! dns-test-upstream

cat >"$TMP/lab.yaml" <<CONF
dns:
  listen: [127.0.0.1:53]
  upstreams: [127.0.0.2:5300]
  forward:
    - tcpfail.test 127.0.0.3:5300 127.0.0.2:5300
  tcp_timeout: 1
  tcp_connections: 2
  records:
    - gw.lab.test A 192.0.2.254
CONF

plan 7
dnsfwd_start "$TMP/lab.yaml"

# 1: several queries on one connection
if command -v kdig >/dev/null; then
	r=$(in_ns kdig +tcp +keepopen +time=3 @127.0.0.1 a.example A \
		gw.lab.test A b.example A 2>&1)
	if [ "$(grep -c "NOERROR" <<<"$r")" = 3 ] && has "$r" "192.0.2.254"; then
		pass "three queries on one TCP connection (kdig +keepopen)"
	else
		not_ok "three queries on one TCP connection (kdig +keepopen)" "$r"
	fi
else
	skip "kdig +keepopen" "kdig missing (knot-dnsutils)"
fi

# 2: a query written in pieces: the length prefix, then the rest later
r=$(in_ns timeout 5 bash -c '
	exec 3<>/dev/tcp/127.0.0.1/53
	printf "\x00" >&3; sleep 0.2
	printf "\x1d\xab\xcd\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00" >&3
	sleep 0.2
	printf "\x02gw\x03lab\x04test\x00\x00\x01\x00\x01" >&3
	head -c 2 <&3 | od -An -tx1; head -c 2 <&3 | od -An -tx1' 2>&1)
if has "$r" "ab cd"; then
	pass "a query split across segments is answered"
else
	not_ok "a query split across segments is answered" "$r"
fi

# 3: an idle connection is closed after tcp_timeout (1 s)
r=$(in_ns timeout 8 bash -c '
	exec 3<>/dev/tcp/127.0.0.1/53
	s=$(date +%s%N); cat <&3 >/dev/null
	echo $((($(date +%s%N) - s) / 1000000))' 2>&1)
if [ -n "$r" ] && [ "$r" -ge 700 ] && [ "$r" -lt 4000 ]; then
	pass "idle TCP client closed after the timeout (${r} ms)"
else
	not_ok "idle TCP client closed after the timeout" "$r"
fi

# 4-5: at most tcp_connections (2) at once; the third is closed at once
for i in 1 2; do
	ip netns exec "$NS" bash -c 'exec 3<>/dev/tcp/127.0.0.1/53; sleep 0.8' &
	lg_track $! bash
done
sleep 0.3
r=$(in_ns dig +tcp +time=1 +tries=1 @127.0.0.1 gw.lab.test A 2>&1)
if ! has "$r" "192.0.2.254"; then
	pass "a third concurrent TCP client is turned away"
else
	not_ok "a third concurrent TCP client is turned away" "$r"
fi
sleep 2
r=$(in_ns dig +tcp +time=2 +tries=1 @127.0.0.1 gw.lab.test A 2>&1)
if has "$r" "192.0.2.254"; then
	pass "once the others are gone, TCP clients are served again"
else
	not_ok "once the others are gone, TCP clients are served again" "$r"
fi
# 6: TC over UDP, then the TCP retry is reset: the next upstream answers
r=$(in_ns dig +time=3 +tries=1 @127.0.0.1 t.tcpfail.test A 2>&1)
if has "$r" "status: NOERROR" && grep -q "IN.A.192\.0\.2\." <<<"$r" &&
	grep -q "query t.tcpfail.test" "$TMP/up-tcpfail.log"; then
	pass "upstream TCP reset after TC: the next upstream answers"
else
	not_ok "upstream TCP reset after TC: the next upstream answers" "$r"
fi
kill -TERM "$DPID"
for i in $(seq 1 50); do
	grep -q EXIT_ "$LG_NOTIFY" 2>/dev/null && break
	sleep 0.1
done
if grep -q "EXIT_STATUS=0" "$LG_NOTIFY" &&
	! grep -qiE "sanitizer|runtime error" "$LG_LOG"; then
	pass "SIGTERM: exit status 0, no sanitizer reports"
else
	not_ok "SIGTERM: exit status 0, no sanitizer reports" "$(tail -5 "$LG_LOG")"
fi
done_testing
