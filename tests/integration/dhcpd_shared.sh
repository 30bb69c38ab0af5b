#!/bin/bash
# dhcpd with a shared network: two subnets on one interface that holds an
# address in each, each pool one address wide.  Two clients on the link
# get one address from each subnet; every OFFER and ACK must name, as
# server id and router, our address in the client's own subnet (one it
# can reach without a router), with that subnet's mask; a client of the
# second subnet then renews by unicast to that server id.
. "$(dirname "$0")/dhcpd_lib.sh"
dl_require_root
command -v python3 >/dev/null || dl_skip_all "python3 not installed"
dl_plan 5

S=$(lg_ns server) && C=$(lg_ns client) ||
	bail_out "cannot create the namespaces"
W=$DL_WORK
lg_veth "$S" "ds$DL_ID" "$C" "dc$DL_ID" || bail_out "cannot create a veth"
ip -n "$S" addr add 192.0.2.254/24 dev "ds$DL_ID"
ip -n "$S" addr add 198.18.0.1/16 dev "ds$DL_ID"

cat >"$W/lab.yaml" <<EOF
dhcp:
  lease_file: $W/leases
  subnets:
    - interface: ds$DL_ID
      network: 192.0.2.0/24
      pools: [192.0.2.100-192.0.2.100]
    - interface: ds$DL_ID
      network: 198.18.0.0/16
      pools: [198.18.5.10-198.18.5.10]
EOF
dl_dhcpd "$S" "$W/lab.yaml"
dl_ok $? "dhcpd starts with two subnets on one interface"

# For each client: DISCOVER, REQUEST (broadcast flag: the answers come
# to 255.255.255.255:68); one line per answer: type yiaddr sid router
# mask.  Then the client in 198.18/16 takes its address and renews.
timeout 20 ip netns exec "$C" python3 - "dc$DL_ID" >"$W/shared.txt" 2>&1 <<'EOF'
import socket, struct, subprocess, sys
dev = sys.argv[1]
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
s.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, dev.encode())
s.bind(("", 68))
s.settimeout(5)
def req(xid, mac, opts, ciaddr=bytes(4), dst="255.255.255.255"):
    flags = 0 if ciaddr != bytes(4) else 0x8000
    p = struct.pack("!BBBBIHH4s4s4s4s16s64s128sI", 1, 1, 6, 0, xid, 0,
                    flags, ciaddr, bytes(4), bytes(4), bytes(4),
                    mac + bytes(10), bytes(64), bytes(128), 0x63825363)
    s.sendto(p + opts + bytes([255]), (dst, 67))
    while True:
        d, _ = s.recvfrom(2048)
        if d[0] == 2 and d[4:8] == struct.pack("!I", xid):
            break
    o, i = {}, 240
    while i < len(d) and d[i] != 255:
        if d[i] == 0:
            i += 1
            continue
        o[d[i]] = d[i + 2:i + 2 + d[i + 1]]
        i += 2 + d[i + 1]
    a = lambda c: socket.inet_ntoa(o[c]) if c in o else "-"
    print(o[53][0], socket.inet_ntoa(d[16:20]), a(54), a(3), a(1))
    return d[16:20], o.get(54, bytes(4))
got = {}
for n in (1, 2):
    mac = bytes([2, 0, 0x5e, 0, 0x53, 0x60 + n])
    yi, sid = req(0x5a00 + n, mac, bytes([53, 1, 1]))
    yi, sid = req(0x5b00 + n, mac, bytes([53, 1, 3, 50, 4]) + yi +
                  bytes([54, 4]) + sid)
    got[socket.inet_ntoa(yi)] = (mac, sid)
for a, (mac, sid) in got.items():
    if a.startswith("198.18."):
        subprocess.run(["ip", "addr", "add", a + "/16", "dev", dev],
                       check=True)
        s.close()
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind((a, 68))
        s.settimeout(5)
        print("renew", end=" ")
        req(0x5c00, mac, bytes([53, 1, 3]), socket.inet_aton(a),
            socket.inet_ntoa(sid))
EOF
dl_diag <"$W/shared.txt"
# type yiaddr sid router mask, for an address in each subnet
ok1='192\.0\.2\.100 192\.0\.2\.254 192\.0\.2\.254 255\.255\.255\.0$'
ok2='198\.18\.5\.10 198\.18\.0\.1 198\.18\.0\.1 255\.255\.0\.0$'
[ "$(grep -c "^2 \($ok1\|$ok2\)" "$W/shared.txt")" -eq 2 ] &&
	grep -q "^2 $ok1" "$W/shared.txt" && grep -q "^2 $ok2" "$W/shared.txt"
dl_ok $? "OFFERs from each subnet name our address on the client's link"
[ "$(grep -c "^5 \($ok1\|$ok2\)" "$W/shared.txt")" -eq 2 ]
dl_ok $? "both clients are ACKed with their own subnet's server id and router"
grep -q "^renew 5 $ok2" "$W/shared.txt"
dl_ok $? "a client of the second subnet renews by unicast to its server id"
dl_dhcpd_stop
dl_ok $? "dhcpd stops"
dl_finish
