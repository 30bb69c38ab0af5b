#!/bin/bash
# dnsfwd_basic.sh: dnsfwd against real clients (dig, kdig) and real
# upstreams (knotd for normal answers; dns-test-upstream for delays,
# drops, truncation and forgeries), all inside a network namespace of
# its own so the only traffic is on that namespace's loopback.
#
# Needs root, knotd (Debian knot), dig (dnsutils); kdig (knot-dnsutils)
# is used when present.  Emits TAP.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/dnsfwd_lib.sh"
lg_require_cmd knotd
q() { in_ns dig +time=3 +tries=1 -p 53 @127.0.0.1 "$@" 2>&1; }

NS=$(lg_ns dns) || bail_out "cannot create a network namespace"
TMP=$LG_TMP

# --- knotd: example.org on 127.0.0.2:5300 ---------------------------------
mkdir -p "$TMP/knot"
cat >"$TMP/knot/knot.conf" <<CONF
server:
    rundir: "$TMP/knot"
    listen: 127.0.0.2@5300
log:
  - target: stderr
    any: warning
database:
    storage: "$TMP/knot"
template:
  - id: default
    storage: "$TMP/knot"
    file: "%s.zone"
    zonefile-sync: -1
    zonefile-load: whole
    journal-content: none
zone:
  - domain: example.org
CONF
{
	echo '$ORIGIN example.org.'
	echo '$TTL 300'
	echo '@ IN SOA ns.example.org. hostmaster.example.org. 1 3600 900 604800 120'
	echo '@ IN NS ns.example.org.'
	echo 'ns IN A 127.0.0.2'
	echo '@ IN A 93.184.216.34'
	echo 'www IN CNAME example.org.'
	for i in $(seq 1 40); do
		echo "big IN TXT \"record $i: padding padding padding padding padding\""
	done
} >"$TMP/knot/example.org.zone"
# Started with `ip netns exec` directly (not through a function) so that
# $! is the server's own PID.
ip netns exec "$NS" knotd -c "$TMP/knot/knot.conf" >"$TMP/knotd.log" 2>&1 &
lg_track $! knotd

# --- the test upstreams, one behaviour each ------------------------------------
start_upstream() { # ADDR MODE [ARGS]
	local a=$1 m=$2
	shift 2
	ip netns exec "$NS" "$UPSTREAM" -a "$a" -p 5300 -m "$m" "$@" \
		>"$TMP/up-$m.log" 2>&1 &
	lg_track $! dns-test-upstream
	eval "UP_PID_${m}=$!"
}
start_upstream 127.0.0.3 forge -d 200
start_upstream 127.0.0.4 truncate
start_upstream 127.0.0.5 drop
start_upstream 127.0.0.6 delay -d 200
start_upstream 127.0.0.7 answer
start_upstream 127.0.0.8 refuse
start_upstream 127.0.0.11 big
start_upstream 127.0.0.12 flaky -t 1
start_upstream 127.0.0.13 ad
start_upstream 127.0.0.14 badvers
ip netns exec "$NS" "$UPSTREAM" -a 127.0.0.9 -p 5300 -m answer -t 1 >"$TMP/up-stale.log" 2>&1 &
STALE_PID=$!
lg_track $STALE_PID dns-test-upstream

# 100 local TXT records: more than a UDP answer can hold
MANY=$(for i in $(seq 1 100); do
	printf '    - many.lab.test TXT "record %03d padding padding padding padding"\n' "$i"
done)
cat >"$TMP/lab.yaml" <<CONF
log:
  level: info
dns:
  listen: [127.0.0.1:53, "[::1]:53", 0.0.0.0:5354]
  upstreams: [127.0.0.2:5300]
  allow: [127.0.0.1/32, "::1/128"]
  timeout: 400
  records:
    - gw.lab.test A 192.0.2.254
    - gw.lab.test AAAA 2001:db8::fe
    - alias.lab.test CNAME gw.lab.test
    - note.lab.test TXT "hello lab"
    - lab.test MX 10 gw.lab.test
    - _http._tcp.lab.test SRV 0 5 8080 gw.lab.test
$MANY
  local_domains: [lab.test]
  forward:
    - forge.test 127.0.0.3:5300
    - trunc.test 127.0.0.4:5300
    - dead.test 127.0.0.5:5300
    - delay.test 127.0.0.6:5300
    - count.test 127.0.0.7:5300
    - refused.test 127.0.0.8:5300 127.0.0.7:5300
    - stale.test 127.0.0.9:5300
    - big.test 127.0.0.11:5300
    - flaky.test 127.0.0.12:5300
    - ad.test 127.0.0.13:5300
    - badvers.test 127.0.0.14:5300 127.0.0.7:5300
CONF

plan 43

for i in $(seq 1 50); do
	[ "$(in_ns dig +short +time=1 +tries=1 -p 5300 @127.0.0.2 example.org A)" = 93.184.216.34 ] && break
	sleep 0.1
done

if ! lg_start_daemon -n "$NS" "$DNSFWD" -c "$TMP/lab.yaml"; then
	fail "dnsfwd starts and reports READY=1"
	done_testing
fi
pass "dnsfwd starts and reports READY=1"
DPID=$LG_PID

# 2-3: a normal answer through knotd, by dig and kdig
r=$(q example.org A)
if has "$r" "status: NOERROR" && has "$r" "93.184.216.34"; then
	pass "dig example.org A is answered through knotd"
else
	not_ok "dig example.org A is answered through knotd" "$r"
fi
if command -v kdig >/dev/null; then
	r=$(in_ns kdig +time=3 +retry=0 @127.0.0.1 www.example.org A 2>&1)
	if has "$r" "NOERROR" && has "$r" "CNAME" && has "$r" "93.184.216.34"; then
		pass "kdig www.example.org A follows the CNAME"
	else
		not_ok "kdig www.example.org A follows the CNAME" "$r"
	fi
else
	skip "kdig" "kdig missing (knot-dnsutils)"
fi

# 4: the second ask is a cache hit: its TTL has not grown, and the count says so
r=$(in_ns dig +noall +answer +time=2 -p 53 @127.0.0.1 EXAMPLE.ORG A)
if has "$r" "EXAMPLE.ORG." && has "$r" "93.184.216.34"; then
	pass "a cache hit keeps the client's case (0x20)"
else
	not_ok "a cache hit keeps the client's case (0x20)" "$r"
fi

# 5-8: local data with AA; automatic PTR; CNAME chased locally; NXDOMAIN
r=$(q gw.lab.test A)
if has "$r" "flags: qr aa" && has "$r" "192.0.2.254"; then
	pass "local A record answered with AA"
else
	not_ok "local A record answered with AA" "$r"
fi
r=$(q -x 192.0.2.254)
check "automatic PTR for a local A record" has "$r" "PTR.gw.lab.test."
r=$(q alias.lab.test AAAA)
if has "$r" "CNAME.gw.lab.test." && has "$r" "2001:db8::fe"; then
	pass "local CNAME followed to the local AAAA"
else
	not_ok "local CNAME followed to the local AAAA" "$r"
fi
r=$(q nope.lab.test A)
if has "$r" "status: NXDOMAIN" && has "$r" "flags: qr aa"; then
	pass "unknown name of a local domain: NXDOMAIN with AA"
else
	not_ok "unknown name of a local domain: NXDOMAIN with AA" "$r"
fi
r=$(q note.lab.test TXT)
check "local TXT record" has "$r" '"hello lab"'
r=$(in_ns dig +short +time=2 +tries=1 -p 53 @127.0.0.1 lab.test MX 2>&1)
r2=$(in_ns dig +short +time=2 +tries=1 -p 53 @127.0.0.1 _http._tcp.lab.test SRV 2>&1)
if [ "$r" = "10 gw.lab.test." ] && [ "$r2" = "0 5 8080 gw.lab.test." ]; then
	pass "local MX and SRV records"
else
	not_ok "local MX and SRV records" "$r" "$r2"
fi

# Local data too large for UDP: TC, then all of it over TCP
r=$(q +ignore +bufsize=4096 many.lab.test TXT)
r2=$(q many.lab.test TXT)
n=$(grep -c "^many.lab.test.*TXT" <<<"$r2")
if has "$r" "flags: qr aa tc" && [ "$n" = 100 ]; then
	pass "large local answer: TC over UDP, 100 records over TCP"
else
	not_ok "large local answer: TC over UDP, 100 records over TCP" "$(head -8 <<<"$r")" "count $n"
fi

# 10: NXDOMAIN from upstream, with its SOA
r=$(q nx.example.org A)
if has "$r" "status: NXDOMAIN" && has "$r" "SOA"; then
	pass "upstream NXDOMAIN passed on with its SOA"
else
	not_ok "upstream NXDOMAIN passed on with its SOA" "$r"
fi

# 11: not an open resolver
r=$(in_ns dig +time=2 +tries=1 -b 127.0.0.10 -p 53 @127.0.0.1 example.org A 2>&1)
check "a client outside allow gets REFUSED" has "$r" "status: REFUSED"
# Over TCP it is closed at accept, so it cannot hold connection slots.
r=$(in_ns dig +tcp +time=2 +tries=1 -b 127.0.0.10 -p 53 @127.0.0.1 example.org A 2>&1)
if has "$r" "status:"; then
	not_ok "a TCP client outside allow is closed unanswered" "$r"
else
	pass "a TCP client outside allow is closed unanswered"
fi

# 12: forged answers (wrong ID, wrong question, wrong port) are ignored
r=$(in_ns dig +short +time=3 +tries=1 -p 53 @127.0.0.1 a.forge.test A 2>&1)
if [ "$r" = 192.0.2.1 ]; then
	pass "forged answers ignored, the real one taken"
else
	not_ok "forged answers ignored, the real one taken" "$r"
fi

# 13-14: TC from upstream -> TCP upstream; TC to a small UDP client
r=$(q +tcp t.trunc.test A)
n=$(grep -c "IN.A.192.0.2" <<<"$r")
check "upstream TC: retried over TCP, all 60 records" [ "$n" = 60 ]
r=$(q +notcp +ignore +bufsize=512 t.trunc.test A)
check "too large for the client's UDP size: TC set" has "$r" "flags: qr tc"

# 14b: a cached answer over 4096 bytes still answers UDP, with TC
r=$(q +tcp b.big.test A)
r=$(q +notcp +ignore +bufsize=1232 b.big.test A)
check "cached answer larger than any UDP answer: TC set" has "$r" "flags: qr tc"

# 15: knotd's own truncation, with dig falling back to TCP
r=$(q big.example.org TXT)
n=$(grep -c "^big.example.org.*IN.TXT" <<<"$r")
if [ "$n" = 40 ]; then
	pass "large TXT set through UDP->TCP fallbacks (40 records)"
else
	not_ok "large TXT set through UDP->TCP fallbacks (40 records)" "$r"
fi
# RFC 9715: no UDP answer over dns.max_udp_size (1232 by default), even to
# a client offering 4096: it gets TC and asks again over TCP
r=$(q +notcp +ignore +bufsize=4096 big.example.org TXT)
check "2.5 KB answer to a 4096-byte client: TC at the 1232 default" has "$r" "flags: qr tc"

# 16: a dead upstream gives SERVFAIL within the bound
start=$(date +%s%N)
r=$(in_ns dig +time=5 +tries=1 -p 53 @127.0.0.1 x.dead.test A 2>&1)
ms=$((($(date +%s%N) - start) / 1000000))
if has "$r" "status: SERVFAIL" && [ "$ms" -lt 2500 ]; then
	pass "dead upstream: SERVFAIL in ${ms} ms"
else
	not_ok "dead upstream: SERVFAIL in ${ms} ms" "$r"
fi

# 17: REFUSED from the first upstream: the next one answers
r=$(in_ns dig +short +time=3 +tries=1 -p 53 @127.0.0.1 r.refused.test A 2>&1)
check "upstream REFUSED: the next upstream answers" grep -q '^192\.0\.2\.' <<<"$r"

# 18: identical queries in flight share one upstream query
for i in 1 2 3 4 5; do
	in_ns dig +short +time=3 +tries=1 -p 53 @127.0.0.1 same.delay.test A >"$TMP/par.$i" 2>&1 &
done
wait_for=0
for i in $(seq 1 50); do
	sleep 0.1
	[ "$(cat "$TMP"/par.* | grep -c '^192\.0\.2\.')" = 5 ] && break
done
n=$(grep -c "same.delay.test" "$TMP/up-delay.log")
a=$(cat "$TMP"/par.* | grep -c '^192\.0\.2\.')
if [ "$n" = 1 ] && [ "$a" = 5 ]; then
	pass "5 identical queries in flight: 1 upstream query, 5 answers"
else
	not_ok "5 identical queries in flight: 1 upstream query, 5 answers" \
		"upstream saw $n, clients got $a"
fi

# 19-20: cached answers survive SIGHUP
first=$(in_ns dig +short +time=2 -p 53 @127.0.0.1 c.count.test A)
second=$(in_ns dig +short +time=2 -p 53 @127.0.0.1 c.count.test A)
check "a second query is answered from the cache" [ -n "$first" ] && [ "$first" = "$second" ]
kill -HUP "$DPID"
sleep 0.5
third=$(in_ns dig +short +time=2 -p 53 @127.0.0.1 c.count.test A)
n=$(grep -c "c.count.test" "$TMP/up-answer.log")
if [ "$first" = "$third" ] && [ "$n" = 1 ]; then
	pass "SIGHUP keeps the cache"
else
	not_ok "SIGHUP keeps the cache" "$first / $third, upstream saw $n"
fi

# 21: serve-stale (RFC 8767) once the upstream is gone
r1=$(in_ns dig +short +time=2 -p 53 @127.0.0.1 s.stale.test A)
kill "$STALE_PID"
wait "$STALE_PID" 2>/dev/null
sleep 2.2
r=$(in_ns dig +noall +answer +time=3 +tries=1 -p 53 @127.0.0.1 s.stale.test A)
if [ -n "$r1" ] && has "$r" "$r1" && has "$r" "30.IN.A"; then
	pass "stale answer with TTL 30 when the upstream is gone"
else
	not_ok "stale answer with TTL 30 when the upstream is gone" "$r1 / $r"
fi

# 21b: an upstream SERVFAIL neither replaces nor hides the stale answer
r1=$(in_ns dig +short +time=2 -p 53 @127.0.0.1 f.flaky.test A)
sleep 2.2
r=$(in_ns dig +noall +answer +time=3 +tries=1 -p 53 @127.0.0.1 f.flaky.test A)
r2=$(in_ns dig +noall +answer +time=3 +tries=1 -p 53 @127.0.0.1 f.flaky.test A)
if [ -n "$r1" ] && has "$r" "30.IN.A.$r1" && has "$r2" "30.IN.A.$r1"; then
	pass "upstream SERVFAIL: the stale answer, again and again"
else
	not_ok "upstream SERVFAIL: the stale answer, again and again" "$r1 / $r / $r2"
fi

# EDNS version 1 is not ours: BADVERS (RFC 6891 6.1.3)
r=$(q +edns=1 +noednsnegotiation example.org A)
check "EDNS version 1: BADVERS" has "$r" "status: BADVERS"

# An upstream's extended RCODE (RFC 6891 6.1.3) is about our exchange with
# it, not the client's question: that upstream is skipped and the next
# one answers, with EDNS and without
r=$(q b1.badvers.test A)
if has "$r" "status: NOERROR" && grep -q "query b1.badvers.test" "$TMP/up-answer.log"; then
	pass "upstream BADVERS: the next upstream answers"
else
	not_ok "upstream BADVERS: the next upstream answers" "$r" "$(tail -3 "$TMP/up-answer.log")"
fi
r=$(q +noedns b2.badvers.test A)
if has "$r" "status: NOERROR" && grep -q "query b2.badvers.test" "$TMP/up-answer.log"; then
	pass "upstream BADVERS, client without EDNS: the next upstream answers"
else
	not_ok "upstream BADVERS, client without EDNS: the next upstream answers" "$r"
fi

# RFC 6840 5.8: the upstream's AD bit only for a client that set AD or DO,
# from upstream and from the cache alike
adflag() { grep -qE "^;; flags:[a-z ]* ad[ ;]" <<<"$1"; }
r=$(q +noadflag a1.ad.test A)
r2=$(q +noadflag a1.ad.test A)
if has "$r" "status: NOERROR" && ! adflag "$r" && ! adflag "$r2"; then
	pass "AD cleared for a client that set neither AD nor DO"
else
	not_ok "AD cleared for a client that set neither AD nor DO" "$r" "$r2"
fi
r=$(q +adflag a1.ad.test A)
r2=$(q +noadflag +dnssec a2.ad.test A)
if adflag "$r" && adflag "$r2"; then
	pass "AD kept for a client that set AD (cache hit) or DO"
else
	not_ok "AD kept for a client that set AD (cache hit) or DO" "$r" "$r2"
fi

# IPv6 listener, UDP and TCP
r=$(in_ns dig +time=2 +tries=1 -p 53 @::1 example.org A 2>&1)
r2=$(in_ns dig +tcp +time=2 +tries=1 -p 53 @::1 gw.lab.test A 2>&1)
if has "$r" "93.184.216.34" && has "$r2" "192.0.2.254"; then
	pass "IPv6 listener answers over UDP and TCP"
else
	not_ok "IPv6 listener answers over UDP and TCP" "$r" "$r2"
fi

# A wildcard listener answers from the address asked (IP_PKTINFO), for a
# local answer and for one that came from upstream later
r=$(in_ns dig +short +time=2 +tries=1 -p 5354 @127.0.0.3 gw.lab.test A 2>&1)
r2=$(in_ns dig +short +time=2 +tries=1 -p 5354 @127.0.0.3 w.count.test A 2>&1)
if [ "$r" = 192.0.2.254 ] && grep -q '^192\.0\.2\.' <<<"$r2"; then
	pass "wildcard listener: answers leave from the address asked"
else
	not_ok "wildcard listener: answers leave from the address asked" "$r" "$r2"
fi

# SIGHUP applies new records (and keeps listen)
sed -i 's/    - note.lab.test TXT "hello lab"/    - note.lab.test TXT "hello again"\n    - new.lab.test A 192.0.2.77/' "$TMP/lab.yaml"
kill -HUP "$DPID"
for i in $(seq 1 30); do
	r=$(in_ns dig +short +time=1 +tries=1 -p 53 @127.0.0.1 new.lab.test A)
	[ "$r" = 192.0.2.77 ] && break
	sleep 0.1
done
r2=$(in_ns dig +short +time=1 +tries=1 -p 53 @127.0.0.1 note.lab.test TXT)
if [ "$r" = 192.0.2.77 ] && [ "$r2" = '"hello again"' ]; then
	pass "SIGHUP applies changed local records"
else
	not_ok "SIGHUP applies changed local records" "$r / $r2"
fi

# An invalid file on SIGHUP: logged, the old configuration stays
cp "$TMP/lab.yaml" "$TMP/lab.yaml.good"
echo "  bogus_key: 1" >>"$TMP/lab.yaml"
kill -HUP "$DPID"
sleep 0.5
r=$(in_ns dig +short +time=1 +tries=1 -p 53 @127.0.0.1 new.lab.test A)
if [ "$r" = 192.0.2.77 ] && grep -q "bogus_key" "$LG_LOG"; then
	pass "an invalid file on SIGHUP is logged and the old one stays"
else
	not_ok "an invalid file on SIGHUP is logged and the old one stays" "$r" "$(tail -3 "$LG_LOG")"
fi
cp "$TMP/lab.yaml.good" "$TMP/lab.yaml"

# dns.max_udp_size: 4096 (on SIGHUP) lets the same answer go over UDP
echo "  max_udp_size: 4096" >>"$TMP/lab.yaml"
kill -HUP "$DPID"
for i in $(seq 1 30); do
	r=$(q +notcp +ignore +bufsize=4096 big.example.org TXT)
	has "$r" "flags: qr tc" || break
	sleep 0.1
done
n=$(grep -c "^big.example.org.*IN.TXT" <<<"$r")
if ! has "$r" "flags: qr tc" && [ "$n" = 40 ]; then
	pass "max_udp_size 4096: the 40 records in one UDP answer"
else
	not_ok "max_udp_size 4096: the 40 records in one UDP answer" "$(head -5 <<<"$r")" "count $n"
fi
cp "$TMP/lab.yaml.good" "$TMP/lab.yaml"

# 22-23: malformed input: no crash, a log line, FORMERR for a bad question
in_ns bash -c 'printf "\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\xc0\x0c\x00\x01\x00\x01" >/dev/udp/127.0.0.1/53; printf "xx" >/dev/udp/127.0.0.1/53'
sleep 0.3
check "malformed queries are logged" grep -q "bad compression pointer" "$LG_LOG"
# Random bytes: 300 datagrams and 20 TCP streams of noise (bounded)
in_ns timeout 30 bash -c '
	for i in $(seq 1 300); do
		head -c $((RANDOM % 600 + 1)) /dev/urandom >/dev/udp/127.0.0.1/53
	done
	for i in $(seq 1 20); do
		head -c $((RANDOM % 3000 + 1)) /dev/urandom >/dev/tcp/127.0.0.1/53
	done' 2>/dev/null
sleep 0.3
r=$(q example.org A)
check "still answering after malformed input" has "$r" "93.184.216.34"

# 24: several queries on one TCP connection (RFC 7766)
if command -v kdig >/dev/null; then
	r=$(in_ns kdig +tcp +keepopen +time=3 @127.0.0.1 example.org A gw.lab.test A 2>&1)
	if [ "$(grep -c "NOERROR" <<<"$r")" = 2 ]; then
		pass "two queries on one TCP connection (kdig +keepopen)"
	else
		not_ok "two queries on one TCP connection (kdig +keepopen)" "$r"
	fi
else
	skip "kdig +keepopen" "kdig missing"
fi

# 25: SIGUSR1 statistics
kill -USR1 "$DPID"
sleep 0.3
if grep -q "stats: queries" "$LG_LOG" && grep -q "stats: upstream 127.0.0.2:5300" "$LG_LOG"; then
	pass "SIGUSR1 logs query, cache and upstream statistics"
else
	not_ok "SIGUSR1 logs query, cache and upstream statistics" "$(tail -5 "$LG_LOG")"
fi

# 26-27: SIGTERM stops it with status 0
kill -TERM "$DPID"
for i in $(seq 1 50); do
	grep -q EXIT_ "$LG_NOTIFY" 2>/dev/null && break
	sleep 0.1
done
check "SIGTERM: exit status 0" grep -q "EXIT_STATUS=0" "$LG_NOTIFY"
if grep -qiE "sanitizer|runtime error|leak" "$LG_LOG"; then
	not_ok "no sanitizer reports" "$(grep -iE 'sanitizer|runtime error|leak' "$LG_LOG" | head -5)"
else
	pass "no sanitizer reports"
fi
done_testing
