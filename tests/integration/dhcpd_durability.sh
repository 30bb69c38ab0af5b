#!/bin/bash
# dhcpd's durability: under strace, every ACK leaves only after an
# fdatasync of the journal that followed the ACK's record; kill -9 and a
# restart keep every ACKed lease and hand none of them to another
# client; pool exhaustion gives no offer and one log line; a full disk
# gives no ACK, corrupts nothing, and serving resumes once space is back.
. "$(dirname "$0")/dhcpd_lib.sh"
dl_require_root
command -v dhclient >/dev/null || dl_skip_all "dhclient (isc-dhcp-client) not installed"
command -v udhcpc >/dev/null || dl_skip_all "udhcpc not installed"
dl_plan 14

S=$(lg_ns server) || bail_out "cannot create a namespace"
BR=dlbr$DL_ID
W=$DL_WORK
NCLIENTS=4
declare -A CNS
ip -n "$S" link add "$BR" type bridge
ip -n "$S" addr add 192.0.2.254/24 dev "$BR"
ip -n "$S" link set "$BR" up
for i in $(seq 1 $((NCLIENTS + 3))); do
	CNS[$i]=$(lg_ns "c$i") &&
		lg_veth "$S" "dp$i$DL_ID" "${CNS[$i]}" "dc$i$DL_ID" &&
		ip -n "$S" link set "dp$i$DL_ID" master "$BR" ||
		bail_out "cannot create client namespace $i"
done
dl_dhclient_files

write_config() {	# write_config FILE LEASE_FILE
	cat >"$1" <<EOF
log:
  level: info
dhcp:
  lease_file: $2
  subnets:
    - interface: $BR
      network: 192.0.2.0/24
      pools: [192.0.2.100-192.0.2.$((100 + NCLIENTS))]
      lease_time: 600
EOF
}
write_config "$W/lab.yaml" "$W/leases"

# udhcpc that tries 3 times, 1 s apart, and exits either way
cat >"$W/udhcpc.script" <<'EOF'
#!/bin/sh
case "$1" in
bound | renew) ip -4 addr replace "$ip/$mask" dev "$interface" ;;
deconfig) ip -4 addr flush dev "$interface" ;;
esac
exit 0
EOF
chmod 755 "$W/udhcpc.script"
quick_udhcpc() {	# quick_udhcpc N: 0 if client N got an address
	timeout 20 ip netns exec "${CNS[$1]}" udhcpc -q -n -t 3 -T 1 -i "dc$1$DL_ID" \
		-s "$W/udhcpc.script" >>"$W/udhcpc.out" 2>&1
}

# --- ACKs under strace ----------------------------------------------------------
if command -v strace >/dev/null; then
	# shellcheck disable=SC2054 # the commas belong to strace's -e
	STRACE=("$(command -v strace)" -f -tt -xx -s 65536 -o "$W/trace"
		-e trace=openat,write,fsync,fdatasync,sendto,sendmsg,sendmmsg)
else
	STRACE=()
fi
dl_dhcpd "$S" "$W/lab.yaml" "${STRACE[@]}"
dl_ok $? "dhcpd starts (under strace when installed)"
TOP=$DHCPD_PID
declare -A ADDR
got=0
for i in $(seq 1 $NCLIENTS); do
	dl_dhclient "${CNS[$i]}" "dc$i$DL_ID"
	ADDR[$i]=$(dl_addr "${CNS[$i]}" "dc$i$DL_ID")
	kill "$(cat "$W/dhclient.${CNS[$i]}.pid")" 2>/dev/null
	[ -n "${ADDR[$i]}" ] && got=$((got + 1))
done
[ "$got" -eq "$NCLIENTS" ]
dl_ok $? "$NCLIENTS dhclients bound: ${ADDR[*]}"

if [ "${#STRACE[@]}" -gt 0 ]; then
	# Each ACK (option 53 = 5, "\x35\x01\x05") sent with sendto/sendmsg/
	# sendmmsg must follow a journal fdatasync that returned 0 after a
	# write holding that ACK's own record (an ACK sent before its record
	# was even written, after some earlier sync, fails too).
	# strace -xx writes paths in hex too
	LFHEX=$(printf '%s' "$W/leases" | od -An -tx1 | tr -d ' \n' | sed 's/\(..\)/\\\\x\1/g')
	awk -v lf="$LFHEX" '
	# journal fds: the file itself, and FILE.new while it is rewritten
	/openat\(/ && (index($0, "\"" lf "\"") || index($0, "\"" lf "\\x2e\\x6e\\x65\\x77\"")) && / = [0-9]+$/ {
		n = split($0, f, " = "); jfd[f[n] + 0] = 1 }
	/ write\(/ && match($0, /write\([0-9]+,/) {
		fd = substr($0, RSTART + 6, RLENGTH - 7) + 0
		if (fd in jfd) {
			writes++
			q = index($0, "\"")
			pending = pending substr($0, q + 1) } }
	# a sync may be split by another thread: "fdatasync(3 <unfinished ...>"
	# then "<... fdatasync resumed>) = 0"; what was written before it
	# started is what it makes durable
	/ (fdatasync|fsync)\([0-9]+ <unfinished/ {
		match($0, /sync\([0-9]+/)
		fd = substr($0, RSTART + 5, RLENGTH - 5) + 0
		if (fd in jfd) { insync[$1] = pending; pending = ""; pend[$1] = 1 } }
	/<\.\.\. (fdatasync|fsync) resumed>/ && ($1 in pend) {
		delete pend[$1]
		if ($0 ~ / = 0$/) {
			synced = synced insync[$1]; syncs++; if (sends) served++ } }
	/ (fdatasync|fsync)\([0-9]+\)/ {
		match($0, /sync\([0-9]+\)/)
		fd = substr($0, RSTART + 5, RLENGTH - 6) + 0
		if ((fd in jfd) && $0 ~ / = 0$/) {
			synced = synced pending; pending = ""
			syncs++; if (sends) served++ } }
	/ (sendto|sendmsg|sendmmsg)\(/ { sends++ }
	# each ACK (option 53 = 5) for yiaddr Y: a bound record for Y
	# (version 1, state 2, address) must be in a journal write whose
	# fdatasync returned before the send; each record serves one ACK
	/ (sendto|sendmsg|sendmmsg)\(/ && index($0, "\\x35\\x01\\x05") {
		m = split($0, msg, /iov_base="|sendto\([0-9]+, "/)
		for (k = 2; k <= m; k++) {
			if (!index(msg[k], "\\x35\\x01\\x05"))
				continue
			h = index(msg[k], "\\x02\\x01\\x06\\x00")
			if (h == 0)
				continue
			y = substr(msg[k], h + 64, 16)
			if (y == "\\x00\\x00\\x00\\x00")
				continue # an INFORM ACK: no lease
			acks++
			key = "\\x01\\x02" y
			p = index(synced, key)
			if (p == 0) { bad++; print "unordered ACK for " y > "/dev/stderr"; continue }
			synced = substr(synced, 1, p - 1) substr(synced, p + length(key))
		} }
	END {
		printf "acks=%d journal_writes=%d syncs=%d serving_syncs=%d unordered=%d\n", acks, writes, syncs, served, bad
		exit !(acks > 0 && bad == 0 && syncs > 0)
	}' "$W/trace" >"$W/order.txt"
	dl_ok $? "strace: every ACK sent after its journal fdatasync returned ($(cat "$W/order.txt"))"
	acks=$(sed 's/.*acks=\([0-9]*\).*/\1/' "$W/order.txt")
	syncs=$(sed 's/.*serving_syncs=\([0-9]*\).*/\1/' "$W/order.txt")
	[ "$syncs" -le "$acks" ]
	dl_ok $? "strace: at most one fdatasync per ACK ($syncs for $acks)"
else
	dl_skip "ACK ordering" "strace not installed"
	dl_skip "fsyncs per ACK" "strace not installed"
fi

# --- kill -9, restart -----------------------------------------------------------
DPID=$(ps -o pid= --ppid "$TOP" | head -1 | tr -d ' ')
[ -n "$DPID" ] || DPID=$TOP
kill -KILL "$DPID" "$TOP" 2>/dev/null
sleep 0.3
dl_dhcpd "$S" "$W/lab.yaml"
dl_ok $? "dhcpd restarts after kill -9"
missing=0
for i in $(seq 1 $NCLIENTS); do
	dl_leases "$W/lab.yaml" | grep -q "^${ADDR[$i]} *bound" || missing=$((missing + 1))
done
[ "$missing" -eq 0 ]
dl_ok $? "every ACKed lease survived kill -9 ($missing missing)"
N=$((NCLIENTS + 1))
dl_dhclient "${CNS[$N]}" "dc$N$DL_ID"
NEW=$(dl_addr "${CNS[$N]}" "dc$N$DL_ID")
kill "$(cat "$W/dhclient.${CNS[$N]}.pid")" 2>/dev/null
clash=0
for i in $(seq 1 $NCLIENTS); do [ "${ADDR[$i]}" = "$NEW" ] && clash=1; done
[ -n "$NEW" ] && [ "$clash" -eq 0 ]
dl_ok $? "a new client gets a free address ($NEW), none of the ACKed ones"
same=0
for i in $(seq 1 $NCLIENTS); do
	ip -n "${CNS[$i]}" -4 addr flush dev "dc$i$DL_ID"
	dl_dhclient "${CNS[$i]}" "dc$i$DL_ID"
	[ "$(dl_addr "${CNS[$i]}" "dc$i$DL_ID")" = "${ADDR[$i]}" ] && same=$((same + 1))
	kill "$(cat "$W/dhclient.${CNS[$i]}.pid")" 2>/dev/null
done
[ "$same" -eq "$NCLIENTS" ]
dl_ok $? "each returning client gets its own address back ($same of $NCLIENTS)"

# --- exhaustion -------------------------------------------------------------------
X=$((NCLIENTS + 2))
quick_udhcpc "$X"
rc=$?
[ "$rc" -ne 0 ] && [ -z "$(dl_addr "${CNS[$X]}" "dc$X$DL_ID")" ]
dl_ok $? "pool exhausted: no offer to one client too many"
quick_udhcpc "$X"
[ "$(grep -c 'pool exhausted' "$DHCPD_LOG")" -eq 1 ]
dl_ok $? "exhaustion logged once per interval ($(grep -c 'pool exhausted' "$DHCPD_LOG") lines for 6 DISCOVERs)"
dl_dhcpd_stop

# --- disk full ------------------------------------------------------------------------
T=$W/tmpfs
mkdir -p "$T"
if mount -t tmpfs -o size=64k tmpfs "$T"; then
	lg_at_exit umount "$T"
	# a journal of exactly one page: the next record needs a new block
	python3 - "$T/leases" <<'EOF'
import struct, sys, zlib
def rec(i, hn):
    payload = struct.pack("!BB4sqq6sB", 1, 2, bytes([10, 9, i // 256, i % 256]),
                          1700000000, 1700003600, bytes([2, 0, 0, 0, 0, i % 256]), 7)
    payload += bytes([1, 2, 0, 0, 0, 0, i % 256]) + bytes([hn]) + b"h" * hn
    return struct.pack("!II", len(payload), zlib.crc32(payload)) + payload
data = b"LGLEASE1" + b"".join(rec(i, 63) for i in range(37)) + rec(37, 47)
assert len(data) == 4096, len(data)
open(sys.argv[1], "wb").write(data)
EOF
	write_config "$W/full.yaml" "$T/leases"
	dl_dhcpd "$S" "$W/full.yaml" || echo "# dhcpd on tmpfs did not start"
	dd if=/dev/zero of="$T/fill" bs=4k >/dev/null 2>&1
	F=$((NCLIENTS + 3))
	quick_udhcpc "$F"
	[ -z "$(dl_addr "${CNS[$F]}" "dc$F$DL_ID")" ] &&
		grep -q 'lease journal.*No space left' "$DHCPD_LOG"
	dl_ok $? "disk full: no ACK, and the journal error is logged"
	cmp -s <(head -c 4096 "$T/leases") "$T/leases" &&
		"$DHCPD" -l -c "$W/full.yaml" >/dev/null 2>"$W/full.err" &&
		! grep -q torn "$W/full.err"
	dl_ok $? "disk full: the journal is intact (no partial record)"
	rm -f "$T/fill"
	quick_udhcpc "$F"
	A=$(dl_addr "${CNS[$F]}" "dc$F$DL_ID")
	[ -n "$A" ] && "$DHCPD" -l -c "$W/full.yaml" 2>/dev/null | grep -q "^$A *bound"
	dl_ok $? "space back: the client is ACKed ($A) and its lease is on disk"
	dl_dhcpd_stop
	dl_ok $? "dhcpd stops cleanly after the disk-full episode"
else
	for _ in 1 2 3 4; do dl_skip "disk full" "cannot mount a tmpfs"; done
fi
dl_finish
