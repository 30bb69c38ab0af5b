# shellcheck shell=bash
# httpd_lib.sh: helpers shared by the httpd integration tests (sourced
# after lib.sh).  Everything runs on loopback in the root namespace, on
# ports picked free for this run.

HTTPD_BIN=$LABGATE_BUILDDIR/httpd/httpd

# A free TCP port on 127.0.0.1: bind-tested, random in a high range.
httpd_free_port() {
	python3 - <<'PY'
import random, socket
for _ in range(200):
    p = random.randint(20000, 60000)
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", p))
    except OSError:
        continue
    finally:
        s.close()
    print(p)
    break
PY
}

# httpd_config FILE PORT ROOT [EXTRA-YAML-LINES...]
httpd_config() {
	local file=$1 port=$2 root=$3 line
	shift 3
	{
		echo "http:"
		echo "  listen: [127.0.0.1:$port]"
		echo "  root: $root"
		for line in "$@"; do
			echo "  $line"
		done
	} >"$file"
}

# The seed's index.html (111 bytes).
httpd_seed_index() {
	cat >"$1/index.html" <<'HTML'
<!doctype html>
<html>
<head>
<title>Hello, World</title>
</head>
<body>
<h1>Hello, World</h1>
</body>
</html>
HTML
}

# httpd_raw PORT DATA-PRINTF-FORMAT: sends the bytes, prints everything
# received until the server closes (or 5 s pass: then "<TIMEOUT>").
httpd_raw() {
	python3 - "$1" "$2" <<'PY'
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.sendall(sys.argv[2].encode("latin-1").decode("unicode_escape").encode("latin-1"))
s.settimeout(5)
out = b""
try:
    while True:
        d = s.recv(65536)
        if not d:
            break
        out += d
except socket.timeout:
    out += b"<TIMEOUT>"
sys.stdout.write(out.decode("latin-1"))
PY
}

# httpd_byteranges URL FILE RANGES: fetches URL with "Range: bytes=RANGES"
# and checks a 206 multipart/byteranges answer against FILE: prints the
# parts' ranges ("0-1 5-6"), or what was wrong.
httpd_byteranges() {
	python3 - "$1" "$2" "$3" <<'PY'
import re, sys, urllib.request
url, path, ranges = sys.argv[1:4]
data = open(path, "rb").read()
req = urllib.request.Request(url, headers={"Range": "bytes=" + ranges})
with urllib.request.urlopen(req) as r:
    body = r.read()
    ctype = r.headers.get("Content-Type", "")
    if r.status != 206:
        sys.exit(print("status", r.status))
    if int(r.headers["Content-Length"]) != len(body):
        sys.exit(print("Content-Length", r.headers["Content-Length"], len(body)))
m = re.fullmatch(r"multipart/byteranges; boundary=(\S+)", ctype)
if not m:
    sys.exit(print("Content-Type", ctype))
delim = b"\r\n--" + m.group(1).encode()
parts = body.split(delim)
if parts[0] != b"" or parts[-1] != b"--\r\n":
    sys.exit(print("framing", parts[0][:40], parts[-1][:40]))
seen = []
for p in parts[1:-1]:
    head, _, payload = p.partition(b"\r\n\r\n")
    cr = re.search(rb"Content-Range: bytes (\d+)-(\d+)/(\d+)", head)
    if not cr or int(cr.group(3)) != len(data):
        sys.exit(print("part head", head))
    a, b = int(cr.group(1)), int(cr.group(2))
    if payload != data[a:b + 1]:
        sys.exit(print("part bytes", a, b))
    seen.append("%d-%d" % (a, b))
print(" ".join(seen))
PY
}
