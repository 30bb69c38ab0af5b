#!/bin/bash
# httpd_timeouts.sh: every connection timeout fires at its time, in
# deadline order, and only then: a head trickled byte by byte still gets
# 408 at header_timeout; idle keep-alive connections end after
# keepalive_timeout, in the order they were last active, while an active
# one lives on; a reader lives on, and is dropped send_timeout after it
# stops reading; lingering after an error is not extended by trickled
# bytes; after a reload, idle connections keep their deadline and the new
# keepalive_timeout applies from the next request.  Bounds are wide
# (seconds): only a timer that is wrong, not one that is late on a busy
# machine, fails them.  About 20 s.  Emits TAP.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/httpd_lib.sh"

lg_require_cmd python3
[ -x "$HTTPD_BIN" ] || bail_out "$HTTPD_BIN not built"

PORT=$(httpd_free_port)
[ -n "$PORT" ] || bail_out "no free port"
WWW=$(lg_tmpdir)
httpd_seed_index "$WWW"
# larger than any socket buffers on the way: a client that never reads
# leaves most of it unsent
dd if=/dev/zero of="$WWW/big.bin" bs=1M count=48 status=none
chmod 644 "$WWW/index.html" "$WWW/big.bin"
CFG=$LG_TMP/lab.yaml
# durations all different: each has its own queue (linger's is 2 s too)
httpd_config "$CFG" "$PORT" "$WWW" "header_timeout: 3" \
	"keepalive_timeout: 4" "send_timeout: 2"
lg_start_daemon "$HTTPD_BIN" -c "$CFG" || bail_out "httpd did not start"
HP=$LG_PID

# Python helpers both checkers below import.
cat >"$LG_TMP/timeouts_lib.py" <<'PY'
GET = b"GET / HTTP/1.1\r\nHost: a\r\n\r\n"

def request(s):
    """One GET /; True when a whole 200 came."""
    s.sendall(GET)
    got = b""
    while b"</html>\n" not in got:
        d = s.recv(4096)
        if not d:
            return False
        got += d
    return got.startswith(b"HTTP/1.1 200")
PY

# Reads a checker's "ok DESC" / "not ok DESC: DETAIL" lines as TAP.
tap_lines() {
	local line
	while IFS= read -r line; do
		case $line in
		"ok "*) pass "${line#ok }" ;;
		"not ok "*) fail "${line#not ok }" ;;
		*) diag "$line" ;;
		esac
	done <"$1"
}

# Prints "ok DESC" or "not ok DESC: DETAIL" lines, one per check.
PYTHONPATH=$LG_TMP python3 - "$PORT" >"$LG_TMP/timeouts.out" 2>&1 <<'PY'
import socket, sys, threading, time
from timeouts_lib import GET, request

port = int(sys.argv[1])
T0 = time.monotonic()
out, lock = [], threading.Lock()

def now():
    return time.monotonic() - T0

def check(cond, desc, detail):
    with lock:
        out.append(("ok " if cond else "not ok ") + desc +
                   ("" if cond else ": " + detail))

def connect():
    s = socket.create_connection(("127.0.0.1", port))
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s

def wait_closed(s, limit):
    """Time the server closed s (None: still open at `limit`)."""
    s.settimeout(max(0.01, limit - now()))
    try:
        while s.recv(4096):
            pass
    except socket.timeout:
        return None
    except OSError:
        pass
    return now()

def trickle():
    s = connect()
    s.setblocking(False)
    head = b"GET / HTTP/1.1\r\nHost: a\r\nX-Slow: " + b"a" * 100
    start, got, pos = now(), b"", 0
    while now() < 10 and not got:
        try:
            s.send(head[pos:pos + 1])
            pos += 1
        except OSError:
            pass
        time.sleep(0.25)
        try:
            got = s.recv(4096) or b"<EOF>"
        except BlockingIOError:
            pass
        except OSError:
            got = b"<RESET>"
    dt = now() - start
    check(got.startswith(b"HTTP/1.1 408") and 2.5 <= dt <= 6,
          "a trickled head gets 408 at header_timeout (3 s), not later",
          "got %r after %.1f s" % (got[:20], dt))

def idle():
    s = connect()
    ok = request(s)
    t = now()
    c = wait_closed(s, 10)
    check(ok and c is not None and 3.5 <= c - t <= 6.5,
          "an idle keep-alive connection ends after keepalive_timeout (4 s)",
          "answered %s, closed %s s after" % (ok, c and round(c - t, 2)))

def active():
    s = connect()
    n, ok = 0, True
    while now() < 7 and ok:
        ok = request(s)
        n += ok
        time.sleep(0.5)
    check(ok and n >= 10,
          "a connection active every 0.5 s outlives idle ones (7 s)",
          "%d answers, last ok %s" % (n, ok))

def stalled():
    """Reads for 5 s (past header_timeout and keepalive_timeout: write
    progress restarts send_timeout), then stops reading.  A request sent
    once the answer is coming, which the server does not read while it
    writes, makes its close() a reset, seen at once, not only after the
    data its socket still holds."""
    size = 48 << 20
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(b"GET /big.bin HTTP/1.1\r\nHost: a\r\n\r\n")
    s.settimeout(2)
    got, start, slow = len(s.recv(4096)), now(), "ok"
    s.sendall(GET)
    try:
        while now() - start < 5 and slow == "ok":
            tick = 0  # 1 MiB every 0.2 s: about a tenth of the file a s
            while tick < 1 << 20 and slow == "ok":
                d = s.recv((1 << 20) - tick)
                tick += len(d)
                slow = "ok" if d else "EOF"
            got += tick
            time.sleep(0.2)
    except OSError as e:
        slow = repr(e)
    check(slow == "ok", "a client reading keeps its connection (5 s)",
          "%s after %.1f s, %d bytes" % (slow, now() - start, got))
    time.sleep(6)  # send_timeout 2 s: the server has given up by now
    end = "open"
    s.settimeout(5)
    try:
        while True:
            d = s.recv(1 << 20)
            if not d:
                end = "EOF"
                break
            got += len(d)
    except socket.timeout:
        end = "open"
    except OSError:
        end = "reset"
    check(end != "open" and got < size,
          "... and is dropped once it stops, after send_timeout",
          "%d of %d bytes, then %s" % (got, size, end))

def order():
    """Ten connections, last active in the reverse of their opening
    order, 0.3 s apart: they must end in that order, each ~4 s after
    (not all at the deadline of the one in front of the queue)."""
    socks = [connect() for _ in range(10)]
    ok = all(request(s) for s in socks)
    active_at = [0.0] * 10
    for i in reversed(range(10)):
        time.sleep(0.3)
        ok = request(socks[i]) and ok
        active_at[i] = now()
    closed = [None] * 10
    def waiter(i):
        closed[i] = wait_closed(socks[i], 16)
    ts = [threading.Thread(target=waiter, args=(i,)) for i in range(10)]
    for t in ts: t.start()
    for t in ts: t.join()
    life = [c - a if c is not None else None
            for c, a in zip(closed, active_at)]
    check(ok and all(x is not None and 3.5 <= x <= 6 for x in life),
          "ten staggered connections each end ~keepalive_timeout after "
          "their last request",
          "answered %s, lived %s" % (ok, [x and round(x, 2) for x in life]))
    by_activity = sorted(range(10), key=lambda i: active_at[i])
    seq = [closed[i] for i in by_activity]
    check(None not in seq and
          all(seq[k] + 0.1 >= seq[k - 1] for k in range(1, 10)),
          "... in the order of their last activity",
          "closed %s (by activity)" % [x and round(x, 2) for x in seq])

def linger():
    """A bad request with more bytes behind it: the server answers 400,
    shuts its side and drains for 2 s.  Bytes trickled every 0.4 s do
    not extend that: the socket is closed (our sends then fail)."""
    s = connect()
    s.sendall(b"GET / HTTP/1.1\r\nHost: a b\r\n\r\n" + b"x" * 10)
    s.settimeout(5)
    try:
        got = s.recv(4096)
    except OSError:
        got = b""
    t, end = now(), None
    while now() - t < 9 and end is None:
        time.sleep(0.4)
        try:
            s.send(b"x")
        except OSError:
            end = now() - t
    check(got.startswith(b"HTTP/1.1 400") and end is not None and
          1.5 <= end <= 4.5,
          "lingering after an error ends ~2 s after it, however the client "
          "trickles", "got %r, closed after %s s" % (got[:16], end and round(end, 2)))

threads = [threading.Thread(target=f)
           for f in (trickle, idle, active, stalled, order, linger)]
for t in threads: t.start()
for t in threads: t.join()
print("\n".join(out))
PY
tap_lines "$LG_TMP/timeouts.out"

# Reload to a shorter keepalive_timeout: an idle connection keeps its
# deadline; the next request on another gets the new one, and its end
# does not wait for the older, later deadline.
PYTHONPATH=$LG_TMP python3 - "$PORT" "$CFG" "$HP" >"$LG_TMP/reload.out" 2>&1 <<'PY'
import os, select, signal, socket, sys, time
from timeouts_lib import request
port, cfg, pid = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])

old, new = (socket.create_connection(("127.0.0.1", port)) for _ in range(2))
ok = request(old) and request(new)
with open(cfg) as f:
    text = f.read()
with open(cfg, "w") as f:
    f.write(text.replace("keepalive_timeout: 4", "keepalive_timeout: 1"))
t = time.monotonic()
os.kill(pid, signal.SIGHUP)
time.sleep(1)  # the reload is in
ok = request(new) and ok
tn = time.monotonic()
ends = {}
while len(ends) < 2 and time.monotonic() - t < 12:
    r, _, _ = select.select([x for x in (old, new) if x not in ends], [], [],
                            0.5)
    for x in r:
        try:
            if x.recv(4096):
                continue
        except OSError:
            pass
        ends[x] = time.monotonic()
co = ends[old] - t if old in ends else None
cn = ends[new] - tn if new in ends else None
print("ok" if ok and cn is not None and 0.7 <= cn <= 2.5 else "not ok",
      "the next request gets the reloaded keepalive_timeout (1 s): %s"
      % (cn and round(cn, 2)))
print("ok" if ok and co is not None and 2.5 <= co <= 6 else "not ok",
      "an idle connection keeps the one it had (4 s): %s"
      % (co and round(co, 2)))
PY
tap_lines "$LG_TMP/reload.out"
grep -q "reloaded" "$(lg_log "$HP")" && pass "the reload was taken" ||
	fail "the reload was taken"

lg_stop "$HP"
is "$?" 0 "clean stop"
done_testing
