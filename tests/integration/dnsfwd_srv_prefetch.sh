#!/bin/bash
# dnsfwd_srv_prefetch.sh: dns.prefetch.  A name with a 30 s TTL from an
# upstream that answers after 1 s, asked four times a second: the hit in
# the last 10% of the TTL (CACHE_PREFETCH_PERCENT) sends one refresh
# upstream while the cached answer is still served, so no client ever
# waits for the upstream again and the answer changes (the test upstream
# numbers its answers) before the old one expires.  In a network
# namespace of its own.  Needs root and dig.  Emits TAP.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/dnsfwd_lib.sh"

NS=$(lg_ns dnspf) || bail_out "cannot create a network namespace"
TMP=$LG_TMP
ip netns exec "$NS" "$UPSTREAM" -a 127.0.0.2 -p 5300 -m delay -d 1000 \
	-t 30 >"$TMP/up.log" 2>&1 &
lg_track $! dns-test-upstream

cat >"$TMP/lab.yaml" <<CONF
dns:
  listen: [127.0.0.1:53]
  upstreams: [127.0.0.2:5300]
  timeout: 3000
  prefetch: true
CONF

plan 5
dnsfwd_start "$TMP/lab.yaml"

# ask: "ADDRESS TTL MSEC" for pf.example A.
ask() {
	in_ns dig +noall +answer +stats +time=4 +tries=1 @127.0.0.1 pf.example A |
		awk '$4 == "A" { a = $5; t = $2 } /Query time:/ { ms = $4 }
		     END { print (a ? a : "none"), (t ? t : 0), (ms ? ms : 0) }'
}
upstream_queries() { grep -c "query pf.example" "$TMP/up.log"; }

first=$(ask)
like "$first" "^192\.0\.2\.1 30 " "the first query is forwarded (192.0.2.1, TTL 30)"

# Until the refreshed answer (192.0.2.2) is served, at most 45 s.
slow="" gap="" seen_refresh="" last=""
end=$(($(date +%s) + 45))
while [ "$(date +%s)" -lt "$end" ]; do
	r=$(ask)
	read -r addr _ ms <<<"$r"
	[ "$addr" = none ] && gap="$gap $r"
	[ "$ms" -ge 700 ] && slow="$slow $r"
	# The moment the upstream has seen a second query: what is served?
	if [ -z "$seen_refresh" ] && [ "$(upstream_queries)" -ge 2 ]; then
		seen_refresh=$r
	fi
	last=$r
	[ "$addr" = 192.0.2.2 ] && break
	sleep 0.25
done

if [ -z "$gap" ] && [ -z "$slow" ] && [ "${last%% *}" = 192.0.2.2 ]; then
	pass "every query answered from the cache until the refreshed answer came"
else
	not_ok "every query answered from the cache until the refreshed answer came" \
		"unanswered:$gap" "waited 700 ms or more:$slow" "last: $last"
fi
# Still the old answer, not yet expired, when the refresh went out.
if [[ $seen_refresh =~ ^192\.0\.2\.1\ ([0-9]+)\  ]] && [ "${BASH_REMATCH[1]}" -ge 1 ]; then
	pass "the upstream saw the refresh before the TTL ran out ($seen_refresh)"
else
	not_ok "the upstream saw the refresh before the TTL ran out" "served then: '$seen_refresh'" "$(cat "$TMP/up.log")"
fi

kill -USR1 "$DPID"
sleep 0.5
if grep -q "prefetches 1$" "$LG_LOG" && [ "$(upstream_queries)" = 2 ]; then
	pass "one prefetch, two upstream queries in all"
else
	not_ok "one prefetch, two upstream queries in all" "$(grep "stats: queries" "$LG_LOG")" "$(cat "$TMP/up.log")"
fi

dnsfwd_stop_clean
done_testing
