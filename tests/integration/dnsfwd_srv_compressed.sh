#!/bin/bash
# dnsfwd_srv_compressed.sh: clients that compress their own question (a
# pointer in the QNAME of the query).  dnsfwd writes the question out in
# full, so an answer it must truncate for UDP ends right after that
# question: for local data (records) and for a cached answer.  In a
# network namespace of its own.  Needs root, dig and python3.  Emits TAP.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/dnsfwd_lib.sh"
lg_require_cmd python3

NS=$(lg_ns dnscq) || bail_out "cannot create a network namespace"
TMP=$LG_TMP
# Over UDP TC, over TCP 60 A records: more than 512 bytes once cached.
ip netns exec "$NS" "$UPSTREAM" -a 127.0.0.2 -p 5300 -m truncate \
	>"$TMP/up.log" 2>&1 &
lg_track $! dns-test-upstream

{
	echo "dns:"
	echo "  listen: [127.0.0.1:53]"
	echo "  upstreams: [127.0.0.2:5300]"
	echo "  records:"
	for i in $(seq 1 40); do echo "    - big.lab.test A 192.0.2.$i"; done
} >"$TMP/lab.yaml"

# ask NAME: a UDP query whose QNAME is NAME's labels, then a pointer to
# offset 4 (the high octet of QDCOUNT: 0, the root); prints the reply's
# flags, counts and whether it ends exactly after its question.
ask() {
	in_ns python3 - "$1" <<'PY'
import socket, struct, sys
labels = b"".join(bytes([len(l)]) + l.encode() for l in sys.argv[1].split("."))
q = struct.pack(">HHHHHH", 0x1234, 0x0100, 1, 0, 0, 0) + labels + b"\xc0\x04" \
    + struct.pack(">HH", 1, 1)
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(3)
s.sendto(q, ("127.0.0.1", 53))
r = s.recv(4096)
ident, flags, qd, an, ns, ar = struct.unpack(">HHHHHH", r[:12])
end = 12 + len(labels) + 1 + 4
tc = "TC" if flags & 0x0200 else "noTC"
print(tc, qd, an + ns + ar, "exact" if len(r) == end else
      "length %d, question ends at %d" % (len(r), end))
PY
}

plan 4
dnsfwd_start "$TMP/lab.yaml"

is "$(ask big.lab.test)" "TC 1 0 exact" \
	"local data over 512 bytes: TC, ends right after the question"

# The answer comes over TCP from the upstream and is cached...
in_ns dig +time=3 +tries=1 @127.0.0.1 many.example A >/dev/null
grep -q "query many.example" "$TMP/up.log" || diag "upstream saw nothing"
# ... and a compressed question gets it from the cache, truncated.
is "$(ask many.example)" "TC 1 0 exact" \
	"cached answer over 512 bytes: TC, ends right after the question"
r=$(in_ns dig +tcp +short +time=3 +tries=1 @127.0.0.1 many.example A | grep -c .)
is "$r" 60 "over TCP the whole cached answer (60 records)"

dnsfwd_stop_clean
done_testing
