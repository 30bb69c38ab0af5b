#!/bin/bash
# tests/bench/dns.sh: dnsfwd side by side with Unbound (num-threads 1),
# dnsmasq and dnsdist, all forwarding to the same knotd, measured with
# dnsperf.  Run by `./lab bench`; not a test.
#
# Everything runs in a network namespace of its own (its loopback only).
# The server under test is pinned to CPU 1, dnsperf and knotd to CPU 0;
# servers alternate (A B C D A B C D ...), ROUNDS rounds, medians.
# Workloads:
#   hits    1,000 names, all cached (each server warmed first)
#   misses  unique names (NXDOMAIN from knotd): every query goes upstream
#   rss     RSS after 100,000 distinct answers were cached
#   prefetch  dnsfwd alone, dns.prefetch off then on: 100 names whose TTL
#           is 4 s, asked at a steady 4,000 queries/s for PREFETCH_SECS;
#           counts the answers that had to wait for the upstream (cache
#           misses after the warm-up), the refreshes, the mean latency and
#           the CPU per query
# "Per core" is answers per second of server CPU (utime+stime of the
# process over the window); ratios are dnsfwd's over each peer's.
# Every server's answers are checked (rcode and data) before timing.
#
# Needs root, knotd (knot), dnsperf, and the peers it finds: unbound,
# dnsmasq (dnsmasq-base), dnsdist.  Environment: ROUNDS (3), SECONDS_PER
# (10), PREFETCH_SECS (16), PREFETCH_ONLY (set: only the prefetch case).
set -u

SRC=${LABGATE_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
BLD=${LABGATE_BUILDDIR:-$SRC/build}
DNSFWD=$BLD/dnsfwd/dnsfwd
ROUNDS=${ROUNDS:-3}
PREFETCH_SECS=${PREFETCH_SECS:-16}
SECS=${SECONDS_PER:-10}
SERVER_CPU=1
LOAD_CPU=0
FILL_NAMES=100000

say() { echo "[dns bench] $*"; }
die() {
	say "$*" >&2
	exit 1
}

[ "$(id -u)" = 0 ] || die "needs root (network namespace)"
for t in knotd dnsperf dig taskset; do
	command -v "$t" >/dev/null || die "$t missing (apt-get install knot dnsperf dnsutils util-linux)"
done
[ -x "$DNSFWD" ] || die "$DNSFWD not built"
PEERS=(dnsfwd)
command -v unbound >/dev/null && PEERS+=(unbound)
command -v dnsmasq >/dev/null && PEERS+=(dnsmasq)
command -v dnsdist >/dev/null && PEERS+=(dnsdist)
[ "$(nproc)" -ge 2 ] || { SERVER_CPU=0; say "one CPU: no pinning apart"; }

NS=lgdnsb-$$-$RANDOM
TMP=$(mktemp -d /tmp/dns-bench.XXXXXX)
chmod 755 "$TMP"
PIDS=()
cleanup() {
	local p
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
	for p in $(ip netns pids "$NS" 2>/dev/null); do kill "$p" 2>/dev/null; done
	for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null; done
	ip netns del "$NS" 2>/dev/null
	rm -rf "/etc/netns/$NS" "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
in_ns() { ip netns exec "$NS" "$@"; }

ip netns add "$NS" || die "cannot create a namespace"
mkdir -p "/etc/netns/$NS"
echo "nameserver 127.0.0.1" >"/etc/netns/$NS/resolv.conf"
ip -n "$NS" link set lo up

# --- the upstream: knotd with bench.test (100,000 names) --------------------
mkdir -p "$TMP/knot"
cat >"$TMP/knot/knot.conf" <<CONF
server:
    rundir: "$TMP/knot"
    listen: 127.0.0.2@5300
    background-workers: 1
    udp-workers: 1
    tcp-workers: 1
log:
  - target: stderr
    any: error
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
  - domain: bench.test
CONF
{
	echo '$ORIGIN bench.test.'
	echo '$TTL 3600'
	echo '@ IN SOA ns.bench.test. hostmaster.bench.test. 1 3600 900 604800 3600'
	echo '@ IN NS ns.bench.test.'
	echo 'ns IN A 127.0.0.2'
	awk -v n=$FILL_NAMES 'BEGIN { for (i = 1; i <= n; i++)
		printf "h%d IN A 10.%d.%d.%d\n", i, int(i / 65536), int(i / 256) % 256, i % 256 }'
	awk 'BEGIN { for (i = 1; i <= 100; i++) printf "p%d 4 IN A 10.200.0.%d\n", i, i }'
} >"$TMP/knot/bench.test.zone"
ip netns exec "$NS" taskset -c $LOAD_CPU knotd -c "$TMP/knot/knot.conf" >"$TMP/knotd.log" 2>&1 &
PIDS+=($!)
for i in $(seq 1 100); do
	[ "$(in_ns dig +short +time=1 +tries=1 -p 5300 @127.0.0.2 h1.bench.test A)" = 10.0.0.1 ] && break
	sleep 0.2
done
[ "$(in_ns dig +short +time=1 +tries=1 -p 5300 @127.0.0.2 h1.bench.test A)" = 10.0.0.1 ] ||
	die "knotd does not answer (log: $(tail -3 "$TMP/knotd.log"))"

awk 'BEGIN { for (i = 1; i <= 1000; i++) printf "h%d.bench.test A\n", i }' >"$TMP/hits.txt"
awk 'BEGIN { for (i = 1; i <= 100; i++) printf "p%d.bench.test A\n", i }' >"$TMP/prefetch.txt"
awk -v n=$FILL_NAMES 'BEGIN { for (i = 1; i <= n; i++) printf "h%d.bench.test A\n", i }' >"$TMP/fill.txt"

# --- the servers --------------------------------------------------------------------
write_configs() {
	cat >"$TMP/dnsfwd.yaml" <<CONF
log:
  level: warning
dns:
  listen: [127.0.0.1:53]
  upstreams: [127.0.0.2:5300]
  cache_size: 100000
CONF
	cat >"$TMP/unbound.conf" <<CONF
server:
    interface: 127.0.0.1
    port: 53
    num-threads: 1
    username: ""
    chroot: ""
    directory: "$TMP"
    pidfile: ""
    use-syslog: no
    logfile: ""
    verbosity: 0
    do-not-query-localhost: no
    access-control: 127.0.0.0/8 allow
    module-config: "iterator"
    local-zone: "test." nodefault
    msg-cache-size: 128m
    rrset-cache-size: 256m
    prefetch: no
forward-zone:
    name: "."
    forward-addr: 127.0.0.2@5300
CONF
	cat >"$TMP/dnsdist.conf" <<CONF
setLocal("127.0.0.1:53")
setACL({"127.0.0.0/8"})
newServer({address="127.0.0.2:5300"})
pc = newPacketCache(100000, {maxTTL=86400})
getPool(""):setCache(pc)
CONF
}

start_server() { # NAME: sets SPID
	local name=$1
	case $name in
	dnsfwd) ip netns exec "$NS" taskset -c $SERVER_CPU "$DNSFWD" -c "$TMP/dnsfwd.yaml" \
			>"$TMP/$name.log" 2>&1 & ;;
	unbound) ip netns exec "$NS" taskset -c $SERVER_CPU unbound -d -p -c "$TMP/unbound.conf" \
			>"$TMP/$name.log" 2>&1 & ;;
	dnsmasq) ip netns exec "$NS" taskset -c $SERVER_CPU dnsmasq -k -C /dev/null \
			--listen-address=127.0.0.1 --bind-interfaces -p 53 \
			--no-resolv --no-hosts --server=127.0.0.2#5300 \
			--cache-size=10000 --user=root --pid-file= \
			>"$TMP/$name.log" 2>&1 & ;;
	dnsdist) ip netns exec "$NS" taskset -c $SERVER_CPU dnsdist --supervised \
			--disable-syslog -C "$TMP/dnsdist.conf" \
			>"$TMP/$name.log" 2>&1 & ;;
	esac
	SPID=$!
	PIDS+=($SPID)
	for i in $(seq 1 100); do
		[ -n "$(in_ns dig +short +time=1 +tries=1 @127.0.0.1 h1.bench.test A 2>/dev/null)" ] && return 0
		sleep 0.1
	done
	say "$name did not start: $(tail -3 "$TMP/$name.log")"
	return 1
}

stop_server() {
	kill "$SPID" 2>/dev/null
	wait "$SPID" 2>/dev/null
	sleep 0.3
}

# Answers must be the upstream's real ones before anything is timed.
check_answers() { # NAME
	local a n
	a=$(in_ns dig +short +time=2 +tries=1 @127.0.0.1 h258.bench.test A)
	[ "$a" = 10.0.1.2 ] || { say "$1: h258.bench.test A gave '$a'"; return 1; }
	n=$(in_ns dig +time=2 +tries=1 @127.0.0.1 nope-$RANDOM.bench.test A)
	grep -q "status: NXDOMAIN" <<<"$n" || { say "$1: no NXDOMAIN for an unknown name"; return 1; }
}

cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
rss_kb() { awk '/^VmRSS/ { print $2 }' "/proc/$1/status"; }

# dnsperf FILE [ARGS...]: prints "completed cpu_ticks noerror nxdomain other qps"
perf() {
	local file=$1 t0 t1 out
	shift
	t0=$(cpu_ticks "$SPID")
	out=$(in_ns taskset -c $LOAD_CPU dnsperf -s 127.0.0.1 -d "$file" -c 8 -T 1 -t 2 "$@" 2>&1)
	t1=$(cpu_ticks "$SPID")
	awk -v cpu=$((t1 - t0)) '
		/Queries completed:/ { done = $3 }
		/Queries per second:/ { qps = int($4) }
		/Response codes:/ { for (i = 3; i <= NF; i += 2) { c[$i] = $(i + 1) + 0 } }
		END { other = 0; for (k in c) if (k != "NOERROR" && k != "NXDOMAIN") other += c[k]
		      printf "%d %d %d %d %d %d\n", done, cpu, c["NOERROR"] + 0, c["NXDOMAIN"] + 0, other, qps }' <<<"$out"
}

per_core() { # completed ticks -> answers per CPU-second
	awk -v q="$1" -v t="$2" -v hz="$(getconf CLK_TCK)" 'BEGIN { if (t == 0) print 0; else printf "%.0f", q / (t / hz) }'
}

median() { sort -n | awk '{ v[NR] = $1 } END { if (NR == 0) print 0; else print v[int((NR + 1) / 2)] }'; }

write_configs
declare -A HITS MISS RSS QPSH QPSM
for name in "${PEERS[@]}"; do HITS[$name]=""; MISS[$name]=""; QPSH[$name]=""; QPSM[$name]=""; done
say "servers: ${PEERS[*]}; server on CPU $SERVER_CPU, dnsperf and knotd on CPU $LOAD_CPU; $ROUNDS rounds of ${SECS}s"

[ -n "${PREFETCH_ONLY:-}" ] && ROUNDS=0 && PEERS=(dnsfwd)
for round in $(seq 1 "$ROUNDS"); do
	for name in "${PEERS[@]}"; do
		start_server "$name" || continue
		if ! check_answers "$name"; then
			stop_server
			continue
		fi
		# (a) hits: warm every name, then time.
		in_ns taskset -c $LOAD_CPU dnsperf -s 127.0.0.1 -d "$TMP/hits.txt" -n 1 -c 1 >/dev/null 2>&1
		read -r done ticks ok nx other qps <<<"$(perf "$TMP/hits.txt" -l "$SECS" -q 200)"
		if [ "$nx" != 0 ] || [ "$other" != 0 ] || [ "$done" = 0 ]; then
			say "$name hits: rcodes NOERROR $ok NXDOMAIN $nx other $other: not counted"
		else
			HITS[$name]+="$(per_core "$done" "$ticks") "
			QPSH[$name]+="$qps "
		fi
		# (b) misses: names nobody asked before (NXDOMAIN from knotd).
		awk -v r="$round$RANDOM" 'BEGIN { for (i = 1; i <= 400000; i++) printf "m%s-%d.bench.test A\n", r, i }' >"$TMP/miss.txt"
		read -r done ticks ok nx other qps <<<"$(perf "$TMP/miss.txt" -l "$SECS" -n 1 -q 100)"
		if [ "$ok" != 0 ] || [ "$other" != 0 ] || [ "$done" = 0 ]; then
			say "$name misses: rcodes NOERROR $ok NXDOMAIN $nx other $other: not counted"
		else
			MISS[$name]+="$(per_core "$done" "$ticks") "
			QPSM[$name]+="$qps "
		fi
		stop_server
	done
done

# (c) RSS with 100,000 cached answers (once per server).
for name in "${PEERS[@]}"; do
	[ -n "${PREFETCH_ONLY:-}" ] && break
	start_server "$name" || continue
	in_ns taskset -c $LOAD_CPU dnsperf -s 127.0.0.1 -d "$TMP/fill.txt" -n 1 -c 8 -q 100 >/dev/null 2>&1
	a=$(in_ns dig +short +time=2 +tries=1 @127.0.0.1 h99999.bench.test A)
	RSS[$name]=$(rss_kb "$SPID")
	[ "$a" = 10.1.134.159 ] || say "$name: fill check gave '$a'"
	stop_server
done

# (d) prefetch, dnsfwd only: misses while names expire under steady load.
prefetch_run() { # MODE (false|true): prints "misses prefetches latency_us cpu_us_per_query"
	local conf=$TMP/dnsfwd-prefetch.yaml pid out m0 m1 p1 t0 t1
	cat >"$conf" <<CONF
log:
  level: notice
dns:
  listen: [127.0.0.1:53]
  upstreams: [127.0.0.2:5300]
  prefetch: $1
CONF
	ip netns exec "$NS" taskset -c $SERVER_CPU "$DNSFWD" -c "$conf" >"$TMP/prefetch-$1.log" 2>&1 &
	pid=$!
	PIDS+=($pid)
	for i in $(seq 1 100); do
		[ -n "$(in_ns dig +short +time=1 +tries=1 @127.0.0.1 p1.bench.test A 2>/dev/null)" ] && break
		sleep 0.1
	done
	in_ns taskset -c $LOAD_CPU dnsperf -s 127.0.0.1 -d "$TMP/prefetch.txt" -n 1 -c 1 >/dev/null 2>&1
	kill -USR1 "$pid"
	sleep 0.3
	m0=$(grep -o 'misses [0-9]*' "$TMP/prefetch-$1.log" | tail -1 | awk '{ print $2 }')
	t0=$(cpu_ticks "$pid")
	out=$(in_ns taskset -c $LOAD_CPU dnsperf -s 127.0.0.1 -d "$TMP/prefetch.txt" -c 8 -T 1 \
		-Q 4000 -l "$PREFETCH_SECS" 2>&1)
	t1=$(cpu_ticks "$pid")
	kill -USR1 "$pid"
	sleep 0.3
	m1=$(grep -o 'misses [0-9]*' "$TMP/prefetch-$1.log" | tail -1 | awk '{ print $2 }')
	p1=$(grep -o 'prefetches [0-9]*' "$TMP/prefetch-$1.log" | tail -1 | awk '{ print $2 }')
	kill "$pid"
	wait "$pid" 2>/dev/null
	awk -v m=$((m1 - m0)) -v p="$p1" -v ticks=$((t1 - t0)) -v hz="$(getconf CLK_TCK)" '
		/Queries completed:/ { done = $3 }
		/Average Latency/ { lat = $4 * 1e6 }
		END { printf "%d %d %.0f %.2f %d\n", m, p, lat, done ? ticks / hz * 1e6 / done : 0, done }' <<<"$out"
}
read -r pm_off pp_off pl_off pc_off pd_off <<<"$(prefetch_run false)"
read -r pm_on pp_on pl_on pc_on pd_on <<<"$(prefetch_run true)"

if [ -z "${PREFETCH_ONLY:-}" ]; then
	echo
	printf '%-8s %14s %10s %14s %10s %10s\n' server "hits/core-s" "hits qps" "misses/core-s" "miss qps" "RSS MB"
	for name in "${PEERS[@]}"; do
		h=$(tr ' ' '\n' <<<"${HITS[$name]}" | grep . | median)
		m=$(tr ' ' '\n' <<<"${MISS[$name]}" | grep . | median)
		hq=$(tr ' ' '\n' <<<"${QPSH[$name]}" | grep . | median)
		mq=$(tr ' ' '\n' <<<"${QPSM[$name]}" | grep . | median)
		printf '%-8s %14s %10s %14s %10s %10s\n' "$name" "$h" "$hq" "$m" "$mq" \
			"$(awk -v k="${RSS[$name]:-0}" 'BEGIN { printf "%.1f", k / 1024 }')"
		eval "MED_H_$name=$h MED_M_$name=$m"
	done
	echo
	for name in "${PEERS[@]}"; do
		[ "$name" = dnsfwd ] && continue
		eval "ph=\$MED_H_$name pm=\$MED_M_$name"
		awk -v n="$name" -v fh="$MED_H_dnsfwd" -v ph="$ph" -v fm="$MED_M_dnsfwd" -v pm="$pm" \
			-v fr="${RSS[dnsfwd]:-0}" -v pr="${RSS[$name]:-0}" 'BEGIN {
			printf "dnsfwd vs %-8s per core: hits %.2fx, misses %.2fx; RSS %.2f of theirs\n", n,
				ph ? fh / ph : 0, pm ? fm / pm : 0, pr ? fr / pr : 0 }'
	done
fi
echo
echo "dnsfwd dns.prefetch (100 names, TTL 4 s, 4,000 queries/s for ${PREFETCH_SECS}s):"
printf '  %-4s %8s answers, %6s waited for the upstream, %5s refreshes, mean latency %4s us, %s us CPU per query\n' \
	off "${pd_off:-0}" "${pm_off:-?}" "${pp_off:-?}" "${pl_off:-?}" "${pc_off:-?}" \
	on "${pd_on:-0}" "${pm_on:-?}" "${pp_on:-?}" "${pl_on:-?}" "${pc_on:-?}"
