#!/bin/bash
# httpd_basic.sh: httpd against real clients on loopback: curl, the
# seed's nc one-liner and raw-socket client, pipelining over a raw
# socket, wrk; files, index, redirects, listings, ranges, validators,
# gzip siblings, errors, traversal and symlinks, keep-alive, reload,
# access log reopen, workers, graceful stop.  Emits TAP.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/httpd_lib.sh"

lg_require_cmd curl python3 nc
[ -x "$HTTPD_BIN" ] || bail_out "$HTTPD_BIN not built"

PORT=$(httpd_free_port)
[ -n "$PORT" ] || bail_out "no free port"
U=http://127.0.0.1:$PORT
WWW=$(lg_tmpdir)
OUT=$(lg_tmpdir)
httpd_seed_index "$WWW"
mkdir -p "$WWW/sub" "$WWW/list" "$WWW/.hidden" "$WWW/v"
echo "in sub" >"$WWW/sub/index.html"
echo "escape me" >"$WWW/list/<b>&x.txt"
echo "secret" >"$WWW/.hidden/key"
echo "outside" >"$LG_TMP/outside.txt"
ln -s "$LG_TMP/outside.txt" "$WWW/out"
ln -s index.html "$WWW/alias.html"
ln -s .hidden/key "$WWW/keylink"
ln -s .hidden "$WWW/hidlink"
head -c 2097152 /dev/urandom >"$WWW/big.bin"
seq 1 2000 >"$WWW/v/text.txt"
gzip -9 -k "$WWW/v/text.txt"
CFG=$LG_TMP/lab.yaml
httpd_config "$CFG" "$PORT" "$WWW" "autoindex: true" \
	"access_log: $OUT/access.log" "access_log_format: combined" \
	"cache_validity_ms: 200"

if ! lg_start_daemon "$HTTPD_BIN" -c "$CFG" -v; then
	bail_out "httpd did not start"
fi
HP=$LG_PID
pass "httpd started and notified READY=1"

# --- the seed's clients --------------------------------------------------------
body=$(curl -s "$U/")
is "$body" "$(cat "$WWW/index.html")" "curl GET / returns index.html"
is "$(curl -s -o /dev/null -w '%{http_code} %{size_download}' -X GET "$U/")" \
	"200 111" "curl -X GET: 200 with the 111-byte page"
nc_out=$(echo -en "GET / HTTP/1.0\r\n\r\n" | timeout 5 nc 127.0.0.1 "$PORT")
is "$?" 0 "nc: the server answers and closes (nc exits by itself)"
like "$nc_out" '^HTTP/1\.1 200 OK' "nc: status line"
like "$nc_out" '<h1>Hello, World</h1>' "nc: the body"
like "$nc_out" 'Connection: close' "nc: HTTP/1.0 without keep-alive is closed"
seed_out=$(timeout 5 python3 - "$PORT" <<'PY'
import socket, sys
def recv_msg(sock, chunk_len=1024):
    while True:
        received_chunk = sock.recv(chunk_len)
        if len(received_chunk) == 0:
            break
        yield received_chunk
client_socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
client_socket.connect(('127.0.0.1', int(sys.argv[1])))
client_socket.sendall('GET / HTTP/1.0\r\n\r\n'.encode('ASCII'))
print(b''.join(recv_msg(client_socket)).decode('ASCII'))
client_socket.close()
PY
)
like "$seed_out" 'Content-Length: 111' "seed raw-socket client reads until close"

# --- files, directories, listings ------------------------------------------------
code() { curl -s -o /dev/null -w '%{http_code}' "$@"; }
is "$(code "$U/sub")" 301 "directory without slash: 301"
like "$(curl -s -D - -o /dev/null "$U/sub?a=1")" 'Location: /sub/\?a=1' \
	"301 Location adds the slash and keeps the query"
is "$(curl -s "$U/sub/")" "in sub" "directory index"
list=$(curl -s "$U/list/")
like "$list" '&lt;b&gt;&amp;x\.txt' "autoindex escapes names"
like "$list" 'href="%3Cb%3E%26x\.txt"' "autoindex encodes links"
is "$(curl -s "$U/list/%3Cb%3E%26x.txt")" "escape me" "the listed file is served"
is "$(code "$U/nope")" 404 "missing file: 404"
is "$(code "$U/.hidden/key")" 403 "dotfiles refused"
is "$(code "$U/out")" 403 "symlink out of the root refused"
is "$(curl -s "$U/alias.html")" "$(cat "$WWW/index.html")" "symlink inside the root served"
is "$(code "$U/keylink")" 403 "symlink to a dotfile inside the root: 403"
is "$(code "$U/hidlink/key")" 403 "through a symlink to a dot directory: 403"
is "$(code "$U/hidlink/")" 403 "listing a dot directory through a symlink: 403"
is "$(code --path-as-is "$U/../../etc/passwd")" 400 "dot-dot above the root: 400"
is "$(code --path-as-is "$U/%2e%2e/%2e%2e/etc/passwd")" 400 "encoded dot-dot: 400"
is "$(code "$U/sub%2findex.html")" 400 "encoded slash: 400"
is "$(code "$U/index.html%00.txt")" 400 "encoded NUL: 400"
ctype=$(curl -s -o /dev/null -w '%{content_type}' "$U/v/text.txt")
is "$ctype" "text/plain; charset=utf-8" "Content-Type from the extension"
curl -s -o "$OUT/big" "$U/big.bin"
is "$(cmp "$OUT/big" "$WWW/big.bin" && echo same)" same "2 MiB file (sendfile) intact"

# --- ranges and validators ---------------------------------------------------------
hdr=$(curl -s -D - -o "$OUT/r" -r 0-99 "$U/big.bin")
like "$hdr" '^HTTP/1\.1 206' "Range: 206"
like "$hdr" 'Content-Range: bytes 0-99/2097152' "Content-Range"
is "$(cmp "$OUT/r" <(head -c 100 "$WWW/big.bin") && echo same)" same "range bytes"
is "$(curl -s -r -5 "$U/v/text.txt")" "$(tail -c 5 "$WWW/v/text.txt")" "suffix range"
is "$(curl -s -r 8880- "$U/v/text.txt")" "$(tail -c +8881 "$WWW/v/text.txt")" "open range"
hdr=$(curl -s -D - -o /dev/null -r 99999999- "$U/v/text.txt")
like "$hdr" '^HTTP/1\.1 416' "unsatisfiable: 416"
like "$hdr" 'Content-Range: bytes \*/' "416 names the size"
# Several ranges: multipart/byteranges (RFC 9110 14.6), coalesced.
is "$(httpd_byteranges "$U/v/text.txt" "$WWW/v/text.txt" 0-1,5-6)" "0-1 5-6" \
	"two ranges: multipart/byteranges"
is "$(httpd_byteranges "$U/v/text.txt" "$WWW/v/text.txt" 100-200,0-9,5-20,-4)" \
	"0-20 100-200 8889-8892" "overlapping ranges coalesced, in file order"
is "$(httpd_byteranges "$U/big.bin" "$WWW/big.bin" 0-99,1000000-1500000,-10)" \
	"0-99 1000000-1500000 2097142-2097151" "multipart from a sendfile'd file"
hdr=$(curl -s -D - -o /dev/null -r 0-1,5-6 "$U/v/text.txt")
like "$hdr" 'Content-Type: multipart/byteranges; boundary=labgate-' "multipart head"
b1=$(sed -n 's/^Content-Type: multipart.*boundary=//p' <<<"$hdr" | tr -d '\r')
b2=$(curl -s -D - -o /dev/null -r 0-1,5-6 "$U/v/text.txt" |
	sed -n 's/^Content-Type: multipart.*boundary=//p' | tr -d '\r')
if [[ $b1 =~ ^labgate-[0-9a-f]{16}$ && $b2 =~ ^labgate-[0-9a-f]{16}$ && $b1 != "$b2" ]]; then
	pass "each multipart response has its own random boundary"
else
	fail "each multipart response has its own random boundary"
	diag "boundaries: $b1 $b2"
fi
is "$(code -I -r 0-1,5-6 "$U/v/text.txt")" 200 "HEAD ignores Range"
is "$(code -r 0-0,2-2,4-4,6-6,8-8,10-10,12-12,14-14,16-16 "$U/v/text.txt")" 200 \
	"more ranges than HTTP_RANGE_MAX_MULTI: the whole file (200)"
is "$(code -r 0-5,3-9 "$U/v/text.txt")" 206 "overlapping ranges that merge into one: plain 206"
etag=$(curl -s -D - -o /dev/null "$U/" | sed -n 's/^ETag: //p' | tr -d '\r')
lm=$(curl -s -D - -o /dev/null "$U/" | sed -n 's/^Last-Modified: //p' | tr -d '\r')
is "$(code -H "If-None-Match: $etag" "$U/")" 304 "If-None-Match: 304"
is "$(code -H "If-None-Match: \"other\"" "$U/")" 200 "If-None-Match other: 200"
is "$(code -H "If-Modified-Since: $lm" "$U/")" 304 "If-Modified-Since: 304"
is "$(code -r 0-3 -H "If-Range: $etag" "$U/")" 206 "If-Range matching: 206"
is "$(code -r 0-3 -H 'If-Range: "stale"' "$U/")" 200 "If-Range stale: 200"
# Preconditions (RFC 9110 13.2.2): If-Match, else If-Unmodified-Since
is "$(code -H "If-Match: $etag" "$U/")" 200 "If-Match matching: 200"
is "$(code -H 'If-Match: "other"' "$U/")" 412 "If-Match other: 412"
is "$(code -H 'If-Match: *' "$U/")" 200 "If-Match *: 200"
is "$(code -H "If-Match: W/$etag" "$U/")" 412 "If-Match weak: 412 (strong comparison)"
is "$(code -H 'If-Unmodified-Since: Sun, 06 Nov 1994 08:49:37 GMT' "$U/")" 412 \
	"If-Unmodified-Since before the file: 412"
is "$(code -H "If-Unmodified-Since: $lm" "$U/")" 200 "If-Unmodified-Since its date: 200"
is "$(code -H "If-Match: $etag" -H 'If-Unmodified-Since: Sun, 06 Nov 1994 08:49:37 GMT' "$U/")" 200 \
	"If-Match holds: If-Unmodified-Since ignored"
is "$(code -H 'If-Match: "other"' -H "If-None-Match: $etag" "$U/")" 412 \
	"If-Match fails before If-None-Match is looked at"

# --- precompressed siblings ----------------------------------------------------------
hdr=$(curl -s -D - -o /dev/null -H 'Accept-Encoding: gzip' "$U/v/text.txt")
like "$hdr" 'Content-Encoding: gzip' "gzip sibling served"
like "$hdr" 'Vary: Accept-Encoding' "with Vary"
# Its Content-Encoding would be read as the multipart body's: no parts.
hdr=$(curl -s -D - -o "$OUT/gz" -H 'Accept-Encoding: gzip' -r 0-1,5-6 "$U/v/text.txt")
like "$hdr" '^HTTP/1\.1 200' "several ranges of a gzip sibling: 200"
is "$(gzip -dc <"$OUT/gz")" "$(cat "$WWW/v/text.txt")" "... the whole gzip file"
is "$(curl -s --compressed "$U/v/text.txt" | md5sum)" "$(md5sum <"$WWW/v/text.txt")" \
	"curl --compressed decodes it to the file"
hdr=$(curl -s -D - -o /dev/null "$U/v/text.txt")
like "$hdr" 'Vary: Accept-Encoding' "the plain file varies too"

# --- errors ------------------------------------------------------------------------------
r=$(httpd_raw "$PORT" 'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n')
like "$r" '^HTTP/1\.1 405' "POST: 405"
like "$r" 'Allow: GET, HEAD' "405 with Allow"
like "$(httpd_raw "$PORT" 'BREW / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n')" '^HTTP/1\.1 501' "unknown method: 501"
like "$(httpd_raw "$PORT" 'GET / HTTP/2.0\r\n\r\n')" '^HTTP/1\.1 505' "HTTP/2.0 on the wire: 505"
like "$(httpd_raw "$PORT" 'GET / HTTP/1.1\r\n\r\n')" '^HTTP/1\.1 400' "HTTP/1.1 without Host: 400"
r=$(httpd_raw "$PORT" 'GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /x HTTP/1.1\r\nHost: a\r\n\r\n')
like "$r" '^HTTP/1\.1 400' "Content-Length with Transfer-Encoding: 400"
is "$(grep -c 'HTTP/1.1 ' <<<"$r")" 1 "... and the connection closes (no smuggled request)"
like "$(httpd_raw "$PORT" 'GET / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n\r\n')" '^HTTP/1\.1 501' "unknown transfer coding: 501"
like "$(httpd_raw "$PORT" "GET /$(head -c 9000 /dev/zero | tr '\0' a) HTTP/1.1\r\nHost: a\r\n\r\n")" '^HTTP/1\.1 414' "long target: 414"
like "$(httpd_raw "$PORT" "GET / HTTP/1.1\r\nHost: a\r\nX: $(head -c 9000 /dev/zero | tr '\0' a)\r\n\r\n")" '^HTTP/1\.1 431' "big header: 431"
like "$(httpd_raw "$PORT" 'GET / HTTP/1.1\r\nHost: a\r\nX: 1\r\n 2\r\n\r\n')" '^HTTP/1\.1 400' "obs-fold: 400"
# Chunked request bodies (RFC 9112 7.1): read, dropped, then answered.
r=$(httpd_raw "$PORT" 'GET /sub/ HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5;e=1\r\nhello\r\n0\r\nT: x\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n')
is "$(grep -o 'HTTP/1.1 [0-9]*' <<<"$r" | tr '\n' ' ')" "HTTP/1.1 200 HTTP/1.1 200 " \
	"GET with a chunked body: answered, then the next request"
like "$r" 'in sub' "... the first answer is the first request's"
chunk=$(head -c 30000 /dev/zero | tr '\0' c)
r=$(httpd_raw "$PORT" "GET /nope HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n7530\r\n${chunk}\r\n7530\r\n${chunk}\r\n0\r\n\r\n")
like "$r" '^HTTP/1\.1 404' "a chunked body larger than the input buffer, on a closing connection"
r=$(httpd_raw "$PORT" 'GET / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n10001\r\n')
like "$r" '^HTTP/1\.1 413' "chunked body over max_body: 413"
r=$(httpd_raw "$PORT" 'GET / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhelloGET / HTTP/1.1\r\nHost: a\r\n\r\n')
like "$r" '^HTTP/1\.1 400' "malformed chunked body: 400"
is "$(grep -c 'HTTP/1.1 ' <<<"$r")" 1 "... and the connection closes"
# A last chunk short of its final CRLF: the next request is not a trailer.
r=$(httpd_raw "$PORT" 'GET / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nGET /sub/ HTTP/1.1\r\nHost: a\r\n\r\n')
like "$r" '^HTTP/1\.1 400' "a request line in the trailer section: 400"
is "$(grep -c 'HTTP/1.1 ' <<<"$r")" 1 "... and the connection closes"
r=$(httpd_raw "$PORT" 'GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 99999999\r\n\r\n')
like "$r" '^HTTP/1\.1 413' "body over max_body: 413"
like "$r" '<h1>413 Content Too Large</h1>' "error pages are small HTML"

# --- persistence and pipelining --------------------------------------------------------
r=$(httpd_raw "$PORT" 'GET /sub/ HTTP/1.1\r\nHost: a\r\n\r\nHEAD / HTTP/1.1\r\nHost: a\r\n\r\nGET /nope HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabcGET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\nGET /never HTTP/1.1\r\nHost: a\r\n\r\n')
is "$(grep -o 'HTTP/1.1 [0-9]*' <<<"$r" | tr '\n' ' ')" \
	"HTTP/1.1 200 HTTP/1.1 200 HTTP/1.1 404 HTTP/1.1 200 " \
	"pipelined requests answered in order; body discarded; nothing after close"
big=$(head -c 20000 /dev/zero | tr '\0' b)
r=$(httpd_raw "$PORT" "GET /nope HTTP/1.1\r\nHost: a\r\nContent-Length: 20000\r\n\r\n${big}GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
is "$(grep -o 'HTTP/1.1 [0-9]*' <<<"$r" | tr '\n' ' ')" \
	"HTTP/1.1 404 HTTP/1.1 200 " \
	"a body larger than the input buffer is discarded, then the next request"
r=$(httpd_raw "$PORT" 'GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n')
like "$r" 'Connection: keep-alive' "HTTP/1.0 keep-alive honoured"
like "$r" '<TIMEOUT>$' "... and the connection stays open"
v=$(curl -sv "$U/" "$U/sub/" 2>&1 >/dev/null)
like "$v" 'Re-using existing connection' "HTTP/1.1: curl reuses the connection"

# --- wrk -------------------------------------------------------------------------------------
if command -v wrk >/dev/null && [ -z "${LABGATE_SANITIZER_PASS:-}" ]; then
	w=$(timeout 20 wrk -t1 -c8 -d1s "$U/" 2>&1)
	like "$w" 'requests in' "wrk ran"
	if grep -q 'Non-2xx\|Socket errors' <<<"$w"; then
		fail "wrk: no errors"
		diag "$w"
	else
		pass "wrk: no errors"
	fi
else
	skip "wrk ran" "wrk not installed, or the sanitizer pass"
	skip "wrk: no errors" "wrk not installed, or the sanitizer pass"
fi

# --- reload, access log, stats ------------------------------------------------------------
# A request of its own to be the log's last line, whatever ran before.
curl -s -o /dev/null -A "labgate-test/1" "$U/" || true
sleep 1.2	# the log is written once a second
like "$(tail -n 1 "$OUT/access.log")" '^127\.0\.0\.1 - - \[[^]]+\] "GET / HTTP/1\.1" 200 111 "-" "[^"]+"$' \
	"access log: combined format"
like "$(grep -c . "$OUT/access.log")" '^[0-9]{2,}$' "access log has the requests"
mv "$OUT/access.log" "$OUT/access.log.1"
WWW2=$(lg_tmpdir)
echo "second root" >"$WWW2/index.html"
httpd_config "$CFG" "$PORT" "$WWW2" "access_log: $OUT/access.log" \
	"access_log_format: common"
kill -HUP "$HP"
lg_wait_for 5 grep -q "reloaded" "$(lg_log "$HP")"
is "$(curl -s "$U/")" "second root" "SIGHUP: the new root is served"
sleep 1.2
like "$(cat "$OUT/access.log" 2>/dev/null)" '"GET / HTTP/1\.1" 200 12$' \
	"SIGHUP reopened the access log (common format)"
kill -USR1 "$HP"
lg_wait_for 5 grep -q "http: .*requests" "$(lg_log "$HP")"
like "$(grep 'http: ' "$(lg_log "$HP")" | tail -n 1)" 'open connections.*requests \(2xx' "SIGUSR1: stats"

lg_stop "$HP"
is "$?" 0 "SIGTERM: exit 0"

# --- workers -------------------------------------------------------------------------------
httpd_config "$CFG" "$PORT" "$WWW" "workers: 3"
if lg_start_daemon "$HTTPD_BIN" -c "$CFG"; then
	WP=$LG_PID
	n=$(ps -o pid= --ppid "$WP" | wc -l)
	is "$n" 2 "workers: 3 runs two more processes"
	if command -v ss >/dev/null; then
		is "$(ss -Hltn "sport = :$PORT" | wc -l)" 3 \
			"each worker has its own SO_REUSEPORT socket"
	else
		skip "each worker has its own SO_REUSEPORT socket" "no ss"
	fi
	codes=""
	for i in 1 2 3 4 5 6 7 8 9 10; do
		codes="$codes$(code "$U/")"
	done
	is "$codes" "200200200200200200200200200200" "workers answer"
	lg_stop "$WP"
	is "$?" 0 "workers: graceful stop, exit 0"
	sleep 0.3
	is "$(ps -o pid= --ppid "$WP" | wc -l)" 0 "no worker left"
else
	fail "httpd with workers started"
fi

# --- long redirects ----------------------------------------------------------------------
# With room for long request heads, a 301's Location (path and query)
# may be longer than the connection's shared output buffer, alone or
# late in a pipeline: it gets a buffer of its own, never a 414.
httpd_config "$CFG" "$PORT" "$WWW" "max_header_size: 65536"
if lg_start_daemon "$HTTPD_BIN" -c "$CFG"; then
	long=$(printf '\303\251%.0s' $(seq 1 120))
	enc=$(printf '%%C3%%A9%.0s' $(seq 1 120))
	mkdir -p "$WWW/$long/$long/$long/$long/$long/$long"
	lpath=/$enc/$enc/$enc/$enc/$enc/$enc
	q=$(head -c 20000 /dev/zero | tr '\0' q)
	r=$(curl -s -o /dev/null -w '%{http_code} %{redirect_url}' "$U$lpath?$q")
	# (compared, not shown: a failure would print 50 kB)
	[ "$r" = "301 $U$lpath/?$q" ] && pass "301 with a 24 kB Location" ||
		fail "301 with a 24 kB Location (got ${r:0:40}...)"
	req="GET $lpath?${q:0:1500} HTTP/1.1\r\nHost: a\r\n\r\n"
	r=$(httpd_raw "$PORT" "$req$req$req${req}GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
	is "$(grep -o 'HTTP/1.1 [0-9]*' <<<"$r" | tr '\n' ' ')" \
		"HTTP/1.1 301 HTTP/1.1 301 HTTP/1.1 301 HTTP/1.1 301 HTTP/1.1 200 " \
		"6 kB 301s in a pipeline: no 414, and the pipeline goes on"
	is "$(grep -c "^Location: $lpath/?${q:0:1500}"$'\r'"\$" <<<"$r")" 4 \
		"... each with its whole Location"
	lg_stop "$LG_PID"
else
	fail "httpd with max_header_size: 65536 started"
fi

# --- header timeout: 408 ---------------------------------------------------------------------
httpd_config "$CFG" "$PORT" "$WWW" "header_timeout: 1"
if lg_start_daemon "$HTTPD_BIN" -c "$CFG"; then
	t0=$(date +%s)
	r=$(httpd_raw "$PORT" 'GET / HTTP/1.1\r\nHost: a\r\n')
	t1=$(date +%s)
	like "$r" '^HTTP/1\.1 408' "unfinished head: 408 after header_timeout"
	[ $((t1 - t0)) -le 3 ] && pass "408 within 3 s" || fail "408 within 3 s"
	t0=$(date +%s)
	r=$(httpd_raw "$PORT" 'GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\nabc')
	t1=$(date +%s)
	like "$r" '^HTTP/1\.1 200' "a request with an unfinished body is answered"
	if grep -q '<TIMEOUT>' <<<"$r"; then
		fail "the late body is under the header deadline: closed"
	else
		pass "the late body is under the header deadline: closed"
	fi
	[ $((t1 - t0)) -le 3 ] && pass "... closed within 3 s" || fail "... closed within 3 s"
	lg_stop "$LG_PID"
else
	fail "httpd with header_timeout started"
fi

done_testing
