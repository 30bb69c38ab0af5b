#!/bin/bash
# httpd_browser.sh: headless Chromium (Debian's chromium) loads a page
# from httpd with its stylesheet, an image and a video, which Chromium
# fetches with Range requests; the page reports what loaded into its own
# DOM, and the access log shows the requests and the 206s.  Skips when
# chromium is not installed.  Emits TAP.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/httpd_lib.sh"

# A browser under the sanitizer pass would only test Chromium again, slowly.
[ -z "${LABGATE_SANITIZER_PASS:-}" ] || skip_all "browser tests run in the normal build only"
lg_require_cmd chromium python3 curl
[ -x "$HTTPD_BIN" ] || bail_out "$HTTPD_BIN not built"

PORT=$(httpd_free_port)
[ -n "$PORT" ] || bail_out "no free port"
WWW=$(lg_tmpdir)
cat >"$WWW/index.html" <<'HTML'
<!doctype html>
<html><head><meta charset="utf-8"><title>labgate</title>
<link rel="stylesheet" href="style.css"></head>
<body><h1 id="h">Hello, World</h1>
<img id="i" src="img/dot.png" alt="dot">
<video id="v" src="media/clip.mp4" preload="auto" muted></video>
<p id="r">pending</p>
<script>
window.addEventListener("load", function () {
  var h = getComputedStyle(document.getElementById("h")).color;
  var i = document.getElementById("i");
  document.getElementById("r").textContent =
    "css:" + (h === "rgb(1, 2, 3)" ? "ok" : h) +
    " img:" + (i.complete && i.naturalWidth === 2 ? "ok" : "bad");
});
</script></body></html>
HTML
echo 'h1 { color: rgb(1, 2, 3); }' >"$WWW/style.css"
mkdir -p "$WWW/img" "$WWW/media"
python3 - "$WWW/img/dot.png" <<'PY'
import struct, sys, zlib
def chunk(t, d):
    return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d) & 0xffffffff)
raw = b"".join(b"\x00" + b"\xff\x00\x00" * 2 for _ in range(2))
png = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 2, 2, 8, 2, 0, 0, 0))
       + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))
open(sys.argv[1], "wb").write(png)
PY
head -c 3145728 /dev/urandom >"$WWW/media/clip.mp4"
CFG=$LG_TMP/lab.yaml
httpd_config "$CFG" "$PORT" "$WWW" "access_log: $LG_TMP/access.log"
lg_start_daemon "$HTTPD_BIN" -c "$CFG" || bail_out "httpd did not start"
HP=$LG_PID

PROFILE=$(lg_tmpdir)
dom=$(timeout 60 chromium --headless --no-sandbox --disable-gpu \
	--disable-background-networking --disable-component-update \
	--disable-sync --no-first-run --user-data-dir="$PROFILE" \
	--virtual-time-budget=5000 --dump-dom "http://127.0.0.1:$PORT/" 2>"$LG_TMP/chromium.err")
like "$dom" 'id="r">css:ok img:ok<' "the page ran with its stylesheet and image"
lg_stop "$HP"
is "$?" 0 "httpd stopped cleanly (access log flushed)"
log=$(cat "$LG_TMP/access.log")
diag "$log"
like "$log" '"GET / HTTP/1\.1" 200 ' "page requested"
like "$log" '"GET /style\.css HTTP/1\.1" 200 ' "stylesheet requested"
like "$log" '"GET /img/dot\.png HTTP/1\.1" 200 ' "image requested"
like "$log" '"GET /media/clip\.mp4 HTTP/1\.1" 206 ' "video fetched with a Range request (206)"
done_testing
