#!/bin/bash
# dhcpd behind a relay: a subnet without `interface` serves relay agents
# whose giaddr is inside its network.  A hand-made relayed DISCOVER gets
# its OFFER on port 67 of the relay with option 82 echoed; then dhclient
# in a third namespace gets a lease through ISC dhcrelay (-a: with agent
# information, which dhcrelay strips again).  The server also serves its
# own LAN, so a relayed request broadcast onto that LAN reaches two of
# its sockets: it must be answered once.
. "$(dirname "$0")/dhcpd_lib.sh"
dl_require_root
command -v python3 >/dev/null || dl_skip_all "python3 not installed"
dl_plan 10

S=$(lg_ns server) && R=$(lg_ns relay) && C=$(lg_ns client) ||
	bail_out "cannot create the namespaces"
W=$DL_WORK
lg_veth "$S" "ds$DL_ID" "$R" "du$DL_ID" || bail_out "cannot create a veth"
lg_veth "$R" "dd$DL_ID" "$C" "dc$DL_ID" || bail_out "cannot create a veth"
ip -n "$S" addr add 192.0.2.254/24 dev "ds$DL_ID"
ip -n "$R" addr add 192.0.2.1/24 dev "du$DL_ID"
ip -n "$R" addr add 10.77.0.1/24 dev "dd$DL_ID"
ip -n "$S" route add 10.77.0.0/24 via 192.0.2.1
ip netns exec "$R" sysctl -qw net.ipv4.ip_forward=1

cat >"$W/lab.yaml" <<EOF
dhcp:
  lease_file: $W/leases
  subnets:
    - interface: ds$DL_ID
      network: 192.0.2.0/24
      pools: [192.0.2.100-192.0.2.150]
    - network: 10.77.0.0/24
      pools: [10.77.0.100-10.77.0.150]
      router: 10.77.0.1
      dns: [10.77.0.1]
      routes:
        - to: 203.0.113.0/24
          via: 10.77.0.1
EOF
dl_dhcpd "$S" "$W/lab.yaml"
dl_ok $? "dhcpd starts with a LAN subnet and a relay-only subnet"

# A relayed DISCOVER from port 67 of the relay's address; the answer
# must come back to that port with yiaddr in the relayed network and
# option 82 exactly as sent.
timeout 10 ip netns exec "$R" python3 - >"$W/relay.txt" 2>&1 <<'EOF'
import socket, struct, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("", 67))
s.settimeout(3)
agent = bytes([1, 4]) + b"port" + bytes([2, 3]) + b"abc"
hdr = struct.pack("!BBBBIHH4s4s4s4s16s64s128sI", 1, 1, 6, 1, 0xfeed, 0, 0,
                  bytes(4), bytes(4), bytes(4), bytes([10, 77, 0, 1]),
                  bytes([2, 0, 0x5e, 0, 0x53, 0x42]) + bytes(10), bytes(64),
                  bytes(128), 0x63825363)
opts = bytes([53, 1, 1, 82, len(agent)]) + agent + bytes([255])
s.sendto(hdr + opts, ("192.0.2.254", 67))
data, peer = s.recvfrom(2048)
yi = socket.inet_ntoa(data[16:20])
i, found, mtype = 240, None, None
while i < len(data) and data[i] != 255:
    if data[i] == 0:
        i += 1
        continue
    code, ln = data[i], data[i + 1]
    if code == 82:
        found = data[i + 2:i + 2 + ln]
    if code == 53:
        mtype = data[i + 2]
    i += 2 + ln
print("peer", peer[0], peer[1], "yiaddr", yi, "type", mtype,
      "agent", "echoed" if found == agent else repr(found))
EOF
grep -q "peer 192.0.2.254 67 yiaddr 10.77.0.1[0-9][0-9] type 2 agent echoed" "$W/relay.txt"
dl_ok $? "relayed DISCOVER: OFFER to the relay's port 67, option 82 echoed ($(cat "$W/relay.txt"))"

# Hostile input: 5 each of six kinds of malformed request, then a valid
# one.  dhcpd drops them with rate-limited log lines and keeps serving.
timeout 10 ip netns exec "$R" python3 - >"$W/bad.txt" 2>&1 <<'EOF'
import socket, struct
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("", 67))
s.settimeout(3)
def pkt(opts, op=1, hlen=6, cookie=0x63825363):
    return struct.pack("!BBBBIHH4s4s4s4s16s64s128sI", op, 1, hlen, 1, 0xbad,
                       0, 0, bytes(4), bytes(4), bytes(4), bytes([10, 77, 0, 1]),
                       bytes([2, 0, 0x5e, 0, 0x53, 0x43]) + bytes(10),
                       bytes(64), bytes(128), cookie) + opts
bad = [pkt(b"")[:100], pkt(bytes([53, 1, 1, 255]), op=2),
       pkt(bytes([53, 1, 1, 255]), hlen=17),
       pkt(bytes([53, 1, 1, 255]), cookie=0x63825364),
       pkt(bytes([53, 1, 1, 12, 40, 65])), pkt(bytes([12, 1, 65, 255]))]
for b in bad * 5:
    s.sendto(b, ("192.0.2.254", 67))
s.sendto(pkt(bytes([53, 1, 1, 255])), ("192.0.2.254", 67))
data, peer = s.recvfrom(2048)
print("answered", data[0], socket.inet_ntoa(data[16:20]))
EOF
grep -q "^answered 2 10.77.0.1" "$W/bad.txt"
dl_ok $? "after 30 malformed requests a valid one is still answered ($(cat "$W/bad.txt"))"
n=$(grep -c 'malformed packet' "$DHCPD_LOG")
kinds=0
for why in "too short" "not a BOOTREQUEST" "bad hardware address length" \
	"no DHCP magic cookie" "option runs past the end" "no message type"; do
	grep -q "malformed packet .*: $why" "$DHCPD_LOG" && kinds=$((kinds + 1))
done
[ "$n" -ge 1 ] && [ "$n" -le 10 ] && [ "$kinds" -ge 1 ]
dl_ok $? "malformed requests logged, rate-limited ($n lines, $kinds kinds named)"

# A relayed DISCOVER broadcast onto the served LAN, to the limited and
# to the subnet's broadcast address: one OFFER each, not two.
for to in 255.255.255.255 192.0.2.255; do
timeout 10 ip netns exec "$R" python3 - "du$DL_ID" "$to" >"$W/bcast.txt" 2>&1 <<'EOF'
import socket, struct, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
s.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, sys.argv[1].encode())
s.bind(("", 67))
hdr = struct.pack("!BBBBIHH4s4s4s4s16s64s128sI", 1, 1, 6, 1, 0xb0ca, 0, 0,
                  bytes(4), bytes(4), bytes(4), bytes([10, 77, 0, 1]),
                  bytes([2, 0, 0x5e, 0, 0x53, 0x44]) + bytes(10), bytes(64),
                  bytes(128), 0x63825363)
s.sendto(hdr + bytes([53, 1, 1, 255]), (sys.argv[2], 67))
offers, end = 0, time.time() + 2
while time.time() < end:
    s.settimeout(max(0.01, end - time.time()))
    try:
        data, peer = s.recvfrom(2048)
    except socket.timeout:
        break
    if data[0] == 2 and data[4:8] == struct.pack("!I", 0xb0ca):
        offers += 1
print("offers", offers)
EOF
grep -q "^offers 1$" "$W/bcast.txt"
dl_ok $? "a relayed DISCOVER broadcast to $to on a served LAN is answered once ($(cat "$W/bcast.txt"))"
done

if command -v dhcrelay >/dev/null && command -v dhclient >/dev/null; then
	ip netns exec "$R" dhcrelay -d -4 -a -pf "$W/dhcrelay.pid" \
		-id "dd$DL_ID" -iu "du$DL_ID" 192.0.2.254 >"$W/dhcrelay.out" 2>&1 &
	lg_track "$!" dhcrelay
	sleep 1
	dl_dhclient_files
	dl_dhclient "$C" "dc$DL_ID"
	A=$(dl_addr "$C" "dc$DL_ID")
	case "$A" in 10.77.0.1[0-4][0-9] | 10.77.0.150) r=0 ;; *) r=1 ;; esac
	dl_ok $r "dhclient through dhcrelay: address $A from the relayed pool"
	ip -n "$C" -4 route show | grep -q "^default via 10.77.0.1" &&
		ip -n "$C" -4 route show | grep -q "^203.0.113.0/24 via 10.77.0.1"
	dl_ok $? "dhclient through dhcrelay: default and classless routes"
	dl_leases "$W/lab.yaml" | grep -q "^$A *bound"
	dl_ok $? "the relayed lease is journaled"
	dl_diag <"$W/dhcrelay.out" | tail -3
else
	for _ in 1 2 3; do dl_skip "dhcrelay" "isc-dhcp-relay or isc-dhcp-client not installed"; done
fi
dl_dhcpd_stop
dl_ok $? "dhcpd stops"
dl_finish
