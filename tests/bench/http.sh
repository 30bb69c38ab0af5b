#!/bin/bash
# tests/bench/http.sh: httpd against nginx (worker_processes 1, sendfile
# on, access_log off) and lighttpd, serving the same root on the same
# pinned core, with wrk pinned to another; runs alternate (A B C A B C),
# medians over ROUNDS, and prints requests/s, the server's CPU per
# request (utime+stime of its process tree over the load window), per-core
# throughput and the ratios.  Cases (issue 4):
#   (a) the seed's 111-byte index.html, keep-alive, wrk -t1 -c64
#   (b) a new connection per request (Connection: close), wrk -t1 -c32
#   (c) a 1 MiB file, keep-alive, wrk -t1 -c16
#   (d) (a) while ~10,000 idle keep-alive connections stay open, with RSS
# Case (a) also runs tests/bench/http_floor.c, a floor: see below.
# Bounded: DURATION seconds per run (default 5), ROUNDS (default 3),
# IDLE idle connections (default 9800: lighttpd holds at most half its
# fds, and a container's hard limit of 20000 fds, which root cannot raise
# without CAP_SYS_RESOURCE, caps it at 10000 connections in all).
# Loopback only.  Not a test.
set -u

SRC=${LABGATE_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
BLD=${LABGATE_BUILDDIR:-$SRC/build}
HTTPD=$BLD/httpd/httpd
DURATION=${DURATION:-5}
ROUNDS=${ROUNDS:-3}
IDLE=${IDLE:-9800}
SERVER_CPU=${SERVER_CPU:-1}
CLIENT_CPU=${CLIENT_CPU:-0}
CASES=${CASES:-a b c d}

say() { printf '%s\n' "$*"; }
die() { say "http.sh: $*" >&2; exit 1; }

for c in wrk taskset python3; do
	command -v "$c" >/dev/null || die "needs $c"
done
[ -x "$HTTPD" ] || die "$HTTPD not built"
SERVERS=(httpd)
command -v nginx >/dev/null && SERVERS+=(nginx) || say "# nginx not installed (Debian nginx-light): skipped"
command -v lighttpd >/dev/null && SERVERS+=(lighttpd) || say "# lighttpd not installed: skipped"

TMP=$(mktemp -d /tmp/lg-bench-http.XXXXXX)
chmod 755 "$TMP"
PIDS=()
cleanup() {
	local p
	for p in "${PIDS[@]}"; do
		kill "$p" 2>/dev/null
	done
	sleep 0.3
	for p in "${PIDS[@]}"; do
		kill -9 "$p" 2>/dev/null
	done
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

ulimit -n "$(ulimit -Hn)" 2>/dev/null

WWW=$TMP/www
mkdir -p "$WWW"
chmod 755 "$WWW"
printf '<!doctype html>\n<html>\n<head>\n<title>Hello, World</title>\n</head>\n<body>\n<h1>Hello, World</h1>\n</body>\n</html>\n' >"$WWW/index.html"
head -c 1048576 /dev/urandom >"$WWW/1m.bin"
chmod 644 "$WWW"/*

# The floor for case (a): tests/bench/http_floor.c, the least an epoll
# server does per request (one recv, one send of a fixed answer the size
# of httpd's).  Not a peer: the CPU no server can go below on this
# machine, to read the ratios against.
if command -v cc >/dev/null &&
	cc -O2 -o "$TMP/http_floor" "$SRC/tests/bench/http_floor.c" 2>"$TMP/floor.err"; then
	SERVERS+=(floor)
else
	say "# tests/bench/http_floor.c not built: no floor row"
fi

start_floor() {
	taskset -c "$SERVER_CPU" "$TMP/http_floor" "$1" "$WWW/index.html" >/dev/null 2>&1 &
	echo $!
}

# Whether SERVER runs in CASE: the floor only knows case (a).
runs_in() { [ "$1" != floor ] || [ "$2" = a ]; }

free_port() {
	python3 -c '
import random, socket
while True:
    p = random.randint(20000, 60000); s = socket.socket()
    try:
        s.bind(("127.0.0.1", p)); s.close(); print(p); break
    except OSError:
        s.close()'
}

# --- the servers, each started fresh per run ---------------------------------------

start_httpd() {
	cat >"$TMP/httpd.yaml" <<YAML
http:
  listen: [127.0.0.1:$1]
  root: $WWW
  keepalive_timeout: 300
  max_connections: 16000
YAML
	taskset -c "$SERVER_CPU" "$HTTPD" -c "$TMP/httpd.yaml" >"$TMP/httpd.log" 2>&1 &
	echo $!
}

start_nginx() {
	mkdir -p "$TMP/nginx"
	cat >"$TMP/nginx/nginx.conf" <<CONF
worker_processes 1;
daemon off;
pid $TMP/nginx/nginx.pid;
error_log $TMP/nginx/error.log;
worker_rlimit_nofile 20000;
events { worker_connections 16000; }
http {
	access_log off;
	sendfile on;
	tcp_nopush on;
	keepalive_timeout 300;
	keepalive_requests 10000000;
	client_body_temp_path $TMP/nginx;
	proxy_temp_path $TMP/nginx;
	types { text/html html; application/octet-stream bin; }
	server { listen 127.0.0.1:$1; root $WWW; }
}
CONF
	taskset -c "$SERVER_CPU" nginx -c "$TMP/nginx/nginx.conf" -e "$TMP/nginx/error.log" >/dev/null 2>&1 &
	echo $!
}

start_lighttpd() {
	cat >"$TMP/lighttpd.conf" <<CONF
server.document-root = "$WWW"
server.bind = "127.0.0.1"
server.port = $1
server.errorlog = "$TMP/lighttpd.err"
server.max-keep-alive-idle = 300
server.max-keep-alive-requests = 10000000
server.max-connections = 30000
server.max-fds = 65535
index-file.names = ( "index.html" )
mimetype.assign = ( ".html" => "text/html", ".bin" => "application/octet-stream" )
CONF
	taskset -c "$SERVER_CPU" lighttpd -D -f "$TMP/lighttpd.conf" >/dev/null 2>&1 &
	echo $!
}

tree_pids() {
	local p=$1 c
	echo "$p"
	for c in $(ps -o pid= --ppid "$p" 2>/dev/null); do
		tree_pids "$c"
	done
}

# utime+stime ticks of a process tree
tree_ticks() {
	local t=0 p v
	for p in $(tree_pids "$1"); do
		v=$(awk '{ print $14 + $15 }' "/proc/$p/stat" 2>/dev/null) || continue
		t=$((t + ${v:-0}))
	done
	echo "$t"
}

tree_rss_kb() {
	local t=0 p v
	for p in $(tree_pids "$1"); do
		v=$(awk '/^VmRSS/ { print $2 }' "/proc/$p/status" 2>/dev/null)
		t=$((t + ${v:-0}))
	done
	echo "$t"
}

wait_port() {
	local i
	for ((i = 0; i < 50; i++)); do
		curl -s -o /dev/null "http://127.0.0.1:$1/" && return 0
		sleep 0.1
	done
	return 1
}

# Holds N idle keep-alive connections (each made one request) until
# killed; prints "ready N" when all are open.  exec: the background job's
# PID is python's own, so killing it ends the holder (run() is a subshell
# whose PIDS the cleanup trap never sees).
hold_idle() {
	exec python3 - "$1" "$2" <<'PY'
import resource, socket, sys, time, select
port, n = int(sys.argv[1]), int(sys.argv[2])
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
req = b"GET / HTTP/1.1\r\nHost: bench\r\n\r\n"
socks = []
for i in range(n):
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(req)
    socks.append(s)
    if len(socks) % 500 == 0:
        for t in socks[-500:]:
            t.recv(4096)
for t in socks[len(socks) - len(socks) % 500:]:
    t.recv(4096)
print("ready", len(socks), flush=True)
time.sleep(3600)
PY
}

CLK=$(getconf CLK_TCK)

# run SERVER CASE -> "reqs_per_s cpu_us_per_req rss_per_idle_bytes"
run() {
	local srv=$1 cs=$2 port pid url args t0 t1 out rps rss0 rss1 hp="" per_idle=-
	port=$(free_port)
	pid=$(start_"$srv" "$port")
	PIDS+=("$pid")
	wait_port "$port" || { say "# $srv did not start"; kill "$pid"; echo "0 0 -"; return; }
	url=http://127.0.0.1:$port/
	case $cs in
	a | d) args=(-t1 -c64) ;;
	b) args=(-t1 -c32 -H "Connection: close") ;;
	c) args=(-t1 -c16); url=${url}1m.bin ;;
	esac
	if [ "$cs" = d ]; then
		rss0=$(tree_rss_kb "$pid")
		hold_idle "$port" "$IDLE" >"$TMP/idle.out" 2>&1 &
		hp=$!
		PIDS+=("$hp")
		for ((i = 0; i < 600; i++)); do
			grep -q '^ready' "$TMP/idle.out" && break
			sleep 0.1
		done
		grep -q '^ready' "$TMP/idle.out" || say "# $srv: idle connections not all open: $(tail -n 2 "$TMP/idle.out")"
		sleep 0.5
		rss1=$(tree_rss_kb "$pid")
		per_idle=$(((rss1 - rss0) * 1024 / IDLE))
	fi
	taskset -c "$CLIENT_CPU" wrk "${args[@]}" -d1s "$url" >/dev/null 2>&1	# warm-up
	t0=$(tree_ticks "$pid")
	out=$(taskset -c "$CLIENT_CPU" wrk "${args[@]}" -d"${DURATION}s" "$url" 2>&1)
	t1=$(tree_ticks "$pid")
	rps=$(awk '/^Requests\/sec/ { print $2 }' <<<"$out")
	if grep -q 'Non-2xx\|Socket errors' <<<"$out"; then
		say "# $srv case $cs: $(grep -E 'Non-2xx|Socket errors' <<<"$out" | tr -s ' ')"
	fi
	[ -n "$hp" ] && kill "$hp" 2>/dev/null
	kill "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	[ -n "$hp" ] && wait "$hp" 2>/dev/null
	python3 -c "
rps = float('${rps:-0}'); ticks = $t1 - $t0; d = float($DURATION)
cpu_s = ticks / $CLK
us = cpu_s * 1e6 / (rps * d) if rps > 0 else 0
print('%.0f %.2f %s' % (rps, us, '$per_idle'))"
}

median() { sort -n | awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)]; else print 0 }'; }

say "# labgate httpd benchmark: server on CPU $SERVER_CPU, wrk on CPU $CLIENT_CPU, ${DURATION}s runs, $ROUNDS rounds, medians"
say "# servers: ${SERVERS[*]}"
declare -A R
for cs in $CASES; do
	for ((r = 1; r <= ROUNDS; r++)); do
		for srv in "${SERVERS[@]}"; do
			runs_in "$srv" "$cs" && R[$srv,$cs,$r]=$(run "$srv" "$cs")
		done
	done
	say ""
	case $cs in
	a) say "(a) 111-byte index.html, keep-alive, wrk -t1 -c64" ;;
	b) say "(b) new connection per request, wrk -t1 -c32 (generator-bound: compare CPU per request)" ;;
	c) say "(c) 1 MiB file, keep-alive, wrk -t1 -c16 (generator-bound: compare CPU per request)" ;;
	d) say "(d) as (a) with $IDLE idle keep-alive connections open" ;;
	esac
	printf '%-10s %12s %16s %14s %16s\n' server "req/s" "CPU us/request" "per core r/s" "RSS/idle conn"
	for srv in "${SERVERS[@]}"; do
		runs_in "$srv" "$cs" || continue
		rps=$(for ((r = 1; r <= ROUNDS; r++)); do echo "${R[$srv,$cs,$r]}"; done | awk '{ print $1 }' | median)
		us=$(for ((r = 1; r <= ROUNDS; r++)); do echo "${R[$srv,$cs,$r]}"; done | awk '{ print $2 }' | median)
		rss=$(for ((r = 1; r <= ROUNDS; r++)); do echo "${R[$srv,$cs,$r]}"; done | awk '{ print $3 }' | median)
		R[$srv,$cs,rps]=$rps
		R[$srv,$cs,us]=$us
		percore=$(python3 -c "print('%.0f' % (1e6 / $us if $us > 0 else 0))")
		R[$srv,$cs,core]=$percore
		[ "$cs" = d ] || rss=-
		printf '%-10s %12s %16s %14s %16s\n' "$srv" "$rps" "$us" "$percore" "$rss${rss:+ B}"
	done
	for srv in "${SERVERS[@]}"; do
		[ "$srv" = httpd ] && continue
		runs_in "$srv" "$cs" || continue
		python3 -c "
a, b = float('${R[httpd,$cs,core]}'), float('${R[$srv,$cs,core]}')
ra, rb = float('${R[httpd,$cs,rps]}'), float('${R[$srv,$cs,rps]}')
print('ratio httpd/$srv: per core %.2fx, req/s %.2fx' % (a / b if b else 0, ra / rb if rb else 0))"
	done
done

# (d)'s target is (a)'s throughput held with the idle connections open:
# each server's (d) per core over its own (a) per core.
if [[ " $CASES " == *" a "* && " $CASES " == *" d "* ]]; then
	say ""
	for srv in "${SERVERS[@]}"; do
		runs_in "$srv" d || continue
		python3 -c "
a, d = float('${R[$srv,a,core]}'), float('${R[$srv,d,core]}')
print('%-10s (d) per core / (a) per core: %.2f' % ('$srv', d / a if a else 0))"
	done
fi
