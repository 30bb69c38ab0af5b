#!/bin/bash
# httpd_fair.sh: one worker, one fast reader of a huge file on loopback:
# small requests on other connections must still be answered promptly,
# because a connection sends at most CONN_SENDFILE_TURN chunks before
# it lets the event loop serve the others.  Bounded: about 10 s.
# Emits TAP.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/httpd_lib.sh"

lg_require_cmd curl python3 truncate strace ss
[ -x "$HTTPD_BIN" ] || bail_out "$HTTPD_BIN not built"

PORT=$(httpd_free_port)
[ -n "$PORT" ] || bail_out "no free port"
U=http://127.0.0.1:$PORT
WWW=$(lg_tmpdir)
httpd_seed_index "$WWW"
# Sparse: reading it costs the page cache no I/O, so sendfile is as fast
# as the loopback reader, which is what used to stall the loop.
truncate -s 64G "$WWW/huge.bin"
CFG=$LG_TMP/lab.yaml
httpd_config "$CFG" "$PORT" "$WWW" "workers: 1" "send_timeout: 60"
lg_start_daemon "$HTTPD_BIN" -c "$CFG" || bail_out "httpd did not start"
HP=$LG_PID

is "$(curl -s -o /dev/null -w '%{http_code}' "$U/")" 200 "small file served"

# The fast reader, for up to 15 s (it cannot finish 64 GiB sooner).
curl -s -m 15 -o /dev/null "$U/huge.bin" &
RP=$!
lg_track "$RP" curl
# Wait until the reader is under way.
lg_wait_for 5 sh -c "ss -Htn state established '( sport = :$PORT )' | grep -q ."
sleep 0.5

# Deterministic: between two epoll_wait calls the worker makes at most
# CONN_SENDFILE_TURN sendfile calls.  Without the bound a wake-up kept
# sending 1 MiB chunks for as long as the reader kept up (hundreds).
TURN=$(sed -n 's/^#define CONN_SENDFILE_TURN[[:space:]]*\([0-9]*\).*/\1/p' \
	"$LABGATE_SRCDIR/httpd/conn.h")
timeout -s INT 2 strace -q -p "$HP" -e trace=sendfile,epoll_wait,epoll_pwait \
	-o "$LG_TMP/strace.out" 2>/dev/null
runs=$(awk '/epoll_p?wait/ { if (n > max) max = n; n = 0 }
	/^sendfile|[^_]sendfile\(/ { n++; total++ }
	END { if (n > max) max = n; print max + 0, total + 0 }' "$LG_TMP/strace.out")
diag "sendfile calls between two epoll_waits: at most ${runs% *}, ${runs#* } in all"
[ "${runs#* }" -ge 20 ] && pass "the reader was being served" ||
	fail "the reader was being served"
[ -n "$TURN" ] && [ "${runs% *}" -le "$TURN" ] &&
	pass "at most CONN_SENDFILE_TURN ($TURN) chunks per loop turn" ||
	fail "at most CONN_SENDFILE_TURN ($TURN) chunks per loop turn"

# What clients see: the median of 9 small requests, each on a connection
# of its own, stays far below the stall (reported up to about 1 s).
times=()
for i in 1 2 3 4 5 6 7 8 9; do
	times+=("$(curl -s -m 10 -o /dev/null -w '%{time_total}' "$U/")")
done
median=$(printf '%s\n' "${times[@]}" | sort -n | sed -n 5p)
diag "small request times during the big read: ${times[*]}"
ok "the reader was still reading" kill -0 "$RP"
awk -v m="$median" 'BEGIN { exit !(m < 0.5) }' &&
	pass "small requests not stalled (median $median s < 0.5 s)" ||
	fail "small requests not stalled (median $median s < 0.5 s)"

kill "$RP" 2>/dev/null
wait "$RP" 2>/dev/null
is "$(curl -s -o /dev/null -w '%{http_code}' "$U/")" 200 "still serving afterwards"
lg_stop "$HP"
is "$?" 0 "clean stop"
done_testing
