#!/bin/bash
# dhcpd with real clients: dhclient, udhcpc and dhcpcd each obtain an
# address, the default route (option 3 defaults to the server's address;
# with option 121 the server adds 0.0.0.0/0 itself), DNS and the
# classless routes; renew and release; a reserved MAC gets its address
# and host name.  Every client runs in its own namespace on a bridge in
# the server's namespace.
. "$(dirname "$0")/dhcpd_lib.sh"
dl_require_root
dl_plan 23

S=$(lg_ns server) || bail_out "cannot create a namespace"
BR=dlbr$DL_ID
W=$DL_WORK
declare -A CNS
ip -n "$S" link add "$BR" type bridge
ip -n "$S" addr add 192.0.2.254/24 dev "$BR"
ip -n "$S" link set "$BR" up

# client namespace N with veth cN$ID, its peer enslaved to the bridge
client_ns() {
	CNS[$1]=$(lg_ns "c$1") &&
		lg_veth "$S" "dp$1$DL_ID" "${CNS[$1]}" "dc$1$DL_ID" &&
		ip -n "$S" link set "dp$1$DL_ID" master "$BR"
}

cat >"$W/lab.yaml" <<EOF
log:
  level: info
dhcp:
  lease_file: $W/leases
  subnets:
    - interface: $BR
      network: 192.0.2.0/24
      pools: [192.0.2.100-192.0.2.199]
      lease_time: 600
      renew_time: 200
      rebind_time: 400
      ntp: [192.0.2.123]
      options:
        - code: 66
          text: tftp.lab.test
      dns: [192.0.2.53]
      domain: lab.test
      routes:
        - to: 198.51.100.0/24
          via: 192.0.2.1
      reservations:
        - mac: 02:00:5e:00:53:77
          address: 192.0.2.10
          hostname: printer
EOF
dl_dhcpd "$S" "$W/lab.yaml"
dl_ok $? "dhcpd starts and reports READY=1"
dl_dhclient_files

in_pool() { case "$1" in 192.0.2.1[0-9][0-9]) return 0 ;; esac; return 1; }
has_route() { ip -n "$1" -4 route show | grep -q "^$2"; }
lease_state() { dl_leases "$W/lab.yaml" | awk -v a="$1" '$1 == a {print $2}'; }

# --- dhclient -------------------------------------------------------------
if command -v dhclient >/dev/null; then
	client_ns 1
	C=${CNS[1]}
	dl_dhclient "$C" "dc1$DL_ID"
	A=$(dl_addr "$C" "dc1$DL_ID")
	in_pool "$A"
	dl_ok $? "dhclient: address from the pool ($A)"
	has_route "$C" "default via 192.0.2.254" &&
		has_route "$C" "198.51.100.0/24 via 192.0.2.1"
	dl_ok $? "dhclient: default route via the server's address and the option-121 route"
	grep -q "nameserver 192.0.2.53" "/etc/netns/$C/resolv.conf" &&
		grep -q "search lab.test" "/etc/netns/$C/resolv.conf"
	dl_ok $? "dhclient: DNS server and domain"
	E=$W/dhclient.$C.log.env
	grep -qx "new_dhcp_renewal_time=200" "$E" &&
		grep -qx "new_dhcp_rebinding_time=400" "$E" &&
		grep -qx "new_ntp_servers=192.0.2.123" "$E" &&
		grep -qx "new_tftp_server_name=tftp.lab.test" "$E" &&
		grep -qx "new_dhcp_lease_time=600" "$E"
	dl_ok $? "dhclient: T1/T2, NTP (42) and an option by code (66)"
	dl_dhclient_stop "$C"
	# a second run reuses its lease file: INIT-REBOOT, same address
	dl_dhclient "$C" "dc1$DL_ID"
	[ "$(dl_addr "$C" "dc1$DL_ID")" = "$A" ] &&
		grep -Eq "^(REBOOT|BOUND) $A" "$W/dhclient.$C.log"
	dl_ok $? "dhclient: renewed lease keeps $A"
	[ "$(lease_state "$A")" = bound ]
	dl_ok $? "dhcpd -l lists $A as bound"
	dl_dhclient_stop "$C"
	dl_dhclient "$C" "dc1$DL_ID" -r
	sleep 0.3
	[ "$(lease_state "$A")" = free ]
	dl_ok $? "dhclient -r releases $A"
else
	for _ in 1 2 3 4 5 6 7; do dl_skip "dhclient" "isc-dhcp-client not installed"; done
fi

# --- udhcpc (busybox) -----------------------------------------------------
if command -v udhcpc >/dev/null; then
	client_ns 2
	C=${CNS[2]}
	cat >"$W/udhcpc.script" <<'EOF'
#!/bin/sh
# Test udhcpc script: this namespace only.
echo "$1 $ip $router $dns $domain $staticroutes" >>"$DL_LOG"
case "$1" in
bound | renew)
	ip -4 addr replace "$ip/$mask" dev "$interface"
	if [ -n "$staticroutes" ]; then
		set -- $staticroutes
		while [ $# -ge 2 ]; do
			ip -4 route replace "$1" via "$2" dev "$interface"
			shift 2
		done
	else
		for r in $router; do ip -4 route replace default via "$r"; done
	fi
	{
		[ -n "$domain" ] && echo "search $domain"
		for s in $dns; do echo "nameserver $s"; done
	} >"/etc/netns/$DL_NSNAME/resolv.conf"
	;;
deconfig) ip -4 addr flush dev "$interface" ;;
esac
exit 0
EOF
	chmod 755 "$W/udhcpc.script"
	ULOG=$W/udhcpc.log
	DL_LOG=$ULOG DL_NSNAME=$C ip netns exec "$C" udhcpc -f -R -i "dc2$DL_ID" \
		-s "$W/udhcpc.script" -t 5 -T 2 -O staticroutes \
		>"$W/udhcpc.out" 2>&1 &
	UPID=$!
	lg_track "$UPID" udhcpc
	for _ in $(seq 100); do grep -q '^bound' "$ULOG" 2>/dev/null && break; sleep 0.1; done
	A=$(dl_addr "$C" "dc2$DL_ID")
	in_pool "$A"
	dl_ok $? "udhcpc: address from the pool ($A)"
	has_route "$C" "default via 192.0.2.254" &&
		has_route "$C" "198.51.100.0/24 via 192.0.2.1"
	dl_ok $? "udhcpc: default route and the option-121 route"
	grep -q "nameserver 192.0.2.53" "/etc/netns/$C/resolv.conf"
	dl_ok $? "udhcpc: DNS server"
	kill -USR1 "$UPID"
	for _ in $(seq 50); do grep -q "^renew $A" "$ULOG" && break; sleep 0.1; done
	grep -q "^renew $A" "$ULOG"
	dl_ok $? "udhcpc: SIGUSR1 renews $A (unicast REQUEST, ACK)"
	kill -TERM "$UPID"
	wait "$UPID" 2>/dev/null
	sleep 0.3
	[ "$(lease_state "$A")" = free ]
	dl_ok $? "udhcpc -R: release on exit frees $A"
	cat "$W/udhcpc.out" | dl_diag
else
	for _ in 1 2 3 4 5; do dl_skip "udhcpc" "udhcpc not installed"; done
fi

# --- dhcpcd -----------------------------------------------------------------
if command -v dhcpcd >/dev/null; then
	client_ns 3
	C=${CNS[3]}
	IFN=dc3$DL_ID
	cat >"$W/dhcpcd.conf" <<'EOF'
# test dhcpcd: IPv4 only, no ARP probing, no hooks touching the host
ipv4only
noarp
option domain_name_servers, domain_name, classless_static_routes
option host_name
EOF
	cat >"$W/dhcpcd.script" <<EOF
#!/bin/sh
echo "\$reason \$new_ip_address \$new_domain_name_servers" >>$W/dhcpcd.log
case "\$reason" in
BOUND | RENEW | REBIND | REBOOT)
	for s in \$new_domain_name_servers; do echo "nameserver \$s"; done \
		>/etc/netns/$C/resolv.conf ;;
esac
exit 0
EOF
	chmod 755 "$W/dhcpcd.script"
	clean_dhcpcd() { rm -f /var/lib/dhcpcd/"$IFN"* /run/dhcpcd/"$IFN"* 2>/dev/null; }
	clean_dhcpcd
	ip netns exec "$C" dhcpcd -4 -B --noarp -f "$W/dhcpcd.conf" \
		-c "$W/dhcpcd.script" -t 20 "$IFN" >"$W/dhcpcd.out" 2>&1 &
	DPID=$!
	lg_track "$DPID" dhcpcd
	for _ in $(seq 150); do grep -q '^BOUND' "$W/dhcpcd.log" 2>/dev/null && break; sleep 0.1; done
	sleep 0.3	# routes follow the hook
	A=$(dl_addr "$C" "$IFN")
	in_pool "$A"
	dl_ok $? "dhcpcd: address from the pool ($A)"
	has_route "$C" "default via 192.0.2.254" &&
		has_route "$C" "198.51.100.0/24 via 192.0.2.1"
	dl_ok $? "dhcpcd: default route (from option 121) and the option-121 route"
	grep -q "nameserver 192.0.2.53" "/etc/netns/$C/resolv.conf"
	dl_ok $? "dhcpcd: DNS server"
	# -n asks the running dhcpcd to renew: it must keep its address
	timeout 20 ip netns exec "$C" dhcpcd -4 -n "$IFN" >>"$W/dhcpcd.out" 2>&1
	for _ in $(seq 50); do
		[ "$(grep -c "^\(BOUND\|RENEW\|REBIND\|REBOOT\) $A" "$W/dhcpcd.log")" -ge 2 ] && break
		sleep 0.1
	done
	[ "$(grep -c "^\(BOUND\|RENEW\|REBIND\|REBOOT\) $A" "$W/dhcpcd.log")" -ge 2 ]
	dl_ok $? "dhcpcd -n: renewed, keeps $A"
	# -k makes the running dhcpcd release its lease and exit
	timeout 20 ip netns exec "$C" dhcpcd -4 -k "$IFN" >>"$W/dhcpcd.out" 2>&1
	for _ in $(seq 50); do kill -0 "$DPID" 2>/dev/null || break; sleep 0.1; done
	sleep 0.3
	[ "$(lease_state "$A")" = free ]
	dl_ok $? "dhcpcd -k: release frees $A"
	dl_diag <"$W/dhcpcd.out" | tail -5
	clean_dhcpcd
else
	for _ in 1 2 3 4 5; do dl_skip "dhcpcd" "dhcpcd not installed"; done
fi

# --- a reserved MAC -----------------------------------------------------------
if command -v dhclient >/dev/null; then
	client_ns 4
	C=${CNS[4]}
	ip -n "$C" link set "dc4$DL_ID" address 02:00:5e:00:53:77
	dl_dhclient "$C" "dc4$DL_ID"
	[ "$(dl_addr "$C" "dc4$DL_ID")" = 192.0.2.10 ] &&
		grep -q "^BOUND 192.0.2.10 printer" "$W/dhclient.$C.log"
	dl_ok $? "reserved MAC gets 192.0.2.10 and host name 'printer'"
	dl_leases "$W/lab.yaml" | grep -q '^192.0.2.10 .*bound.*02:00:5e:00:53:77.*printer'
	dl_ok $? "dhcpd -l lists the reservation's lease"
else
	for _ in 1 2; do dl_skip "reservation" "isc-dhcp-client not installed"; done
fi

# --- SIGHUP: a new file, the leases kept ----------------------------------------
if command -v dhclient >/dev/null; then
	sed -i -e 's/pools: \[192.0.2.100-192.0.2.199\]/pools: [192.0.2.100-192.0.2.220]/' \
		-e 's/dns: \[192.0.2.53\]/dns: [192.0.2.54]/' "$W/lab.yaml"
	kill -HUP "$DHCPD_PID"
	for _ in $(seq 50); do grep -q 'reload: .* leases kept' "$DHCPD_LOG" && break; sleep 0.1; done
	grep -q 'reload: [1-9][0-9]* leases kept, 0 outside' "$DHCPD_LOG"
	dl_ok $? "SIGHUP: new pools, every lease kept ($(grep -o 'reload: .*' "$DHCPD_LOG" | tail -1))"
	C=${CNS[4]}
	dl_dhclient_stop "$C"
	dl_dhclient "$C" "dc4$DL_ID"
	[ "$(dl_addr "$C" "dc4$DL_ID")" = 192.0.2.10 ] &&
		grep -q "nameserver 192.0.2.54" "/etc/netns/$C/resolv.conf"
	dl_ok $? "after the reload: same reserved address, the new DNS server"
else
	for _ in 1 2; do dl_skip "reload" "isc-dhcp-client not installed"; done
fi

dl_dhcpd_stop
dl_ok $? "dhcpd stops on SIGTERM"
dl_finish
