# shellcheck shell=bash
# dhcpd_lib.sh: dhcpd's helpers on top of lib.sh (sourced by dhcpd_*.sh).
#
# lib.sh gives TAP, uniquely named namespaces and veths, daemons under
# notify-wait, the watchdog and the cleanup trap; this adds DHCP clients
# run only with scripts of our own that touch nothing outside their
# namespace, and a few shorthands the dhcpd tests share.
. "$(dirname "$0")/lib.sh"

DHCPD=$LABGATE_BUILDDIR/dhcpd/dhcpd
# shellcheck disable=SC2034 # for the tests: unique interface names
DL_ID=$$
DL_WORK=$LG_TMP
DHCPD_PID=""
DHCPD_LOG=""

dl_plan() { plan "$1"; }
# dl_ok STATUS DESCRIPTION: a result decided by the test.
dl_ok() {
	if [ "$1" -eq 0 ]; then
		pass "$2"
	else
		fail "$2"
	fi
}
dl_skip() { skip "$1" "$2"; }
dl_skip_all() { skip_all "$1"; }
# Standard input as "# " lines.
dl_diag() {
	local line
	while IFS= read -r line; do
		diag "$line"
	done
}

dl_require_root() {
	lg_require_root
	[ -x "$DHCPD" ] || bail_out "dhcpd not built at $DHCPD"
	[ -x "$LG_NOTIFY_WAIT" ] || bail_out "notify-wait not built"
}

# dl_dhcpd NS CONFIG [WRAPPER ARGS...]: dhcpd in NS, ready; sets DHCPD_PID
# and DHCPD_LOG.  With a wrapper (strace ...), DHCPD_PID is the wrapper's.
dl_dhcpd() {
	local ns=$1 conf=$2
	shift 2
	if [ $# -gt 0 ]; then
		lg_start_daemon -n "$ns" "$@" "$DHCPD" -c "$conf" || return 1
	else
		lg_start_daemon -n "$ns" dhcpd -c "$conf" || return 1
	fi
	DHCPD_PID=$LG_PID
	DHCPD_LOG=$LG_LOG
}

# Stops dhcpd; fails unless it exits 0 with no sanitizer report.
dl_dhcpd_stop() {
	local rc=0
	lg_stop "$DHCPD_PID" || rc=$?
	[ "$rc" -eq 0 ] && ! grep -Eq 'Sanitizer|runtime error' "$DHCPD_LOG"
}

# A dhclient script that configures only its own namespace.
dl_dhclient_files() {
	cat >"$DL_WORK/dhclient.conf" <<'EOF'
option rfc3442-classless-static-routes code 121 = array of unsigned integer 8;
request subnet-mask, broadcast-address, routers, domain-name,
	domain-name-servers, host-name, rfc3442-classless-static-routes,
	ntp-servers, tftp-server-name;
timeout 15;
retry 1;
EOF
	cat >"$DL_WORK/dhclient-script" <<'EOF'
#!/bin/sh
# Test dhclient script: this namespace's interface, routes and its
# /etc/netns/$DL_NSNAME/resolv.conf only.
resolv=/etc/netns/$DL_NSNAME/resolv.conf
classless_routes() {
	set -- $(echo "$1" | tr , ' ')
	while [ $# -gt 0 ]; do
		len=$1; shift
		octets=$(((len + 7) / 8)); net=""
		for i in 1 2 3 4; do
			if [ "$i" -le "$octets" ]; then v=$1; shift; else v=0; fi
			net="$net${net:+.}$v"
		done
		[ $# -ge 4 ] || return 0
		via="$1.$2.$3.$4"; shift 4
		ip -4 route replace "$net/$len" via "$via" dev "$interface"
	done
}
echo "$reason $new_ip_address $new_host_name" >>"$DL_LOG"
env | grep '^new_' | sort >"$DL_LOG.env"
case "$reason" in
PREINIT) ip link set dev "$interface" up ;;
BOUND | RENEW | REBIND | REBOOT)
	ip -4 addr replace "$new_ip_address/$new_subnet_mask" dev "$interface"
	if [ -n "$new_rfc3442_classless_static_routes" ]; then
		classless_routes "$new_rfc3442_classless_static_routes"
	else
		for r in $new_routers; do
			ip -4 route replace default via "$r" dev "$interface"
		done
	fi
	{
		[ -n "$new_domain_name" ] && echo "search $new_domain_name"
		for s in $new_domain_name_servers; do echo "nameserver $s"; done
	} >"$resolv"
	;;
EXPIRE | FAIL | RELEASE | STOP) ip -4 addr flush dev "$interface" ;;
esac
exit 0
EOF
	chmod 755 "$DL_WORK/dhclient-script"
}

# dl_dhclient NS IF [ARGS...]: one dhclient run (-1: try once) in NS; the
# dhclient that stays behind is stopped at exit.
dl_dhclient() {
	local ns=$1 ifn=$2 rc=0
	shift 2
	timeout 40 ip netns exec "$ns" dhclient -1 -cf "$DL_WORK/dhclient.conf" \
		-sf "$DL_WORK/dhclient-script" -lf "$DL_WORK/dhclient.$ns.leases" \
		-pf "$DL_WORK/dhclient.$ns.pid" -e DL_NSNAME="$ns" \
		-e DL_LOG="$DL_WORK/dhclient.$ns.log" "$@" "$ifn" \
		>>"$DL_WORK/dhclient.$ns.out" 2>&1 || rc=$?
	[ -s "$DL_WORK/dhclient.$ns.pid" ] &&
		lg_track "$(cat "$DL_WORK/dhclient.$ns.pid")" dhclient
	return $rc
}

# dl_dhclient_stop NS: the dhclient left running in NS, if any.
dl_dhclient_stop() {
	local f=$DL_WORK/dhclient.$1.pid
	[ -s "$f" ] && kill "$(cat "$f")" 2>/dev/null
	return 0
}

# dl_addr NS IF: the first IPv4 address on IF.
dl_addr() {
	ip -n "$1" -4 -o addr show dev "$2" | awk '{split($4, a, "/"); print a[1]; exit}'
}

# dl_leases CONFIG: dhcpd -l output without the header.
dl_leases() { "$DHCPD" -l -c "$1" 2>>"$DL_WORK/list.err" | grep -v '^#'; }

dl_finish() { done_testing; }
