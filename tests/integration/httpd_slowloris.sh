#!/bin/bash
# httpd_slowloris.sh: 1,000 slow-loris connections (each trickling a
# request head a byte at a time) must not stop normal clients being
# served, and header_timeout must end them.  Bounded: 1,000 sockets,
# about 15 s.  Emits TAP.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/httpd_lib.sh"

lg_require_cmd curl python3
[ -x "$HTTPD_BIN" ] || bail_out "$HTTPD_BIN not built"

SLOW=1000
PORT=$(httpd_free_port)
[ -n "$PORT" ] || bail_out "no free port"
U=http://127.0.0.1:$PORT
WWW=$(lg_tmpdir)
httpd_seed_index "$WWW"
CFG=$LG_TMP/lab.yaml
httpd_config "$CFG" "$PORT" "$WWW" "header_timeout: 4" "max_connections: 4000"
lg_start_daemon "$HTTPD_BIN" -c "$CFG" || bail_out "httpd did not start"
HP=$LG_PID

# The attacker: opens SLOW connections, sends one byte of a head per
# connection every 0.5 s, and reports how many the server has closed.
python3 - "$PORT" "$SLOW" >"$LG_TMP/slow.out" 2>&1 <<'PY' &
import resource, socket, sys, time
port, n = int(sys.argv[1]), int(sys.argv[2])
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, n + 100), hard))
req = b"GET / HTTP/1.1\r\nHost: a\r\nX-Slow: " + b"a" * 200
socks = []
for i in range(n):
    s = socket.create_connection(("127.0.0.1", port))
    s.setblocking(False)
    socks.append(s)
print("open", len(socks), flush=True)
closed = 0
got408 = 0
start = time.time()
pos = 0
while time.time() - start < 12 and closed < n:
    for s in socks:
        if s is None:
            continue
        try:
            s.send(req[pos:pos + 1])
        except OSError:
            pass
    pos = min(pos + 1, len(req) - 1)
    time.sleep(0.5)
    for i, s in enumerate(socks):
        if s is None:
            continue
        try:
            d = s.recv(4096)
        except BlockingIOError:
            continue
        except OSError:
            d = b""
        if d.startswith(b"HTTP/1.1 408"):
            got408 += 1
        s.close()
        socks[i] = None
        closed += 1
print("closed", closed, "408", got408, "after", round(time.time() - start, 1), flush=True)
PY
SP=$!
lg_track "$SP" python3
lg_wait_for 20 grep -q "^open $SLOW" "$LG_TMP/slow.out" || {
	fail "the slow connections opened"
	diag "$(cat "$LG_TMP/slow.out")"
}
ok "the slow connections are open" grep -q "^open $SLOW" "$LG_TMP/slow.out"

codes=""
t0=$(date +%s%N)
for i in $(seq 1 20); do
	codes="$codes$(curl -s -m 2 -o /dev/null -w '%{http_code}' "$U/")"
done
t1=$(date +%s%N)
is "$codes" "$(printf '200%.0s' $(seq 1 20))" "20 normal requests served during the attack"
ms=$(((t1 - t0) / 1000000))
[ "$ms" -lt 5000 ] && pass "... in ${ms} ms (< 5 s)" || fail "... in ${ms} ms (< 5 s)"

wait "$SP"
res=$(cat "$LG_TMP/slow.out")
diag "$res"
like "$res" "^closed $SLOW 408 [0-9]+" "header_timeout closed every slow connection"
n408=$(sed -n 's/^closed [0-9]* 408 \([0-9]*\).*/\1/p' <<<"$res")
[ "${n408:-0}" -ge $((SLOW / 2)) ] && pass "most got a 408 ($n408)" || fail "most got a 408 (${n408:-0})"
is "$(curl -s -o /dev/null -w '%{http_code}' "$U/")" 200 "still serving afterwards"
lg_stop "$HP"
is "$?" 0 "clean stop"
done_testing
