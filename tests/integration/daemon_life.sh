#!/usr/bin/env bash
# daemon_life: what the three daemons share about being a daemon.  Each runs
# in a namespace of its own on a minimal configuration:
#   READY=1 once bound; SIGHUP with a broken file keeps it running and logs
#   the failure; SIGHUP changing a restart-only key logs that key; SIGUSR1
#   logs something; SIGTERM notifies STOPPING=1 and exits 0; `user: nobody`
#   started as root runs as nobody once ready.
# Protocol behaviour belongs to each daemon's own tests.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
lg_require_root

T=$(lg_tmpdir)
mkdir -p "$T/www" "$T/state"
echo "hello" >"$T/www/index.html"
# dhcpd keeps its lease file here, also after dropping to nobody.
chown 65534:65534 "$T/state"

# conf DAEMON VARIANT: prints a configuration.  VARIANT is one of
#   base     minimal and valid
#   broken   base with a misspelt key
#   restart  base with the daemon's restart-only key changed
#   nobody   base with `user: nobody`
conf() {
	local d=$1 v=$2
	echo "log:"
	echo "  level: info"
	[ "$v" = nobody ] && echo "user: nobody"
	case $d in
	dhcpd)
		echo "dhcp:"
		if [ "$v" = restart ]; then
			echo "  lease_file: $T/state/other.leases"
		else
			echo "  lease_file: $T/state/dhcpd.leases"
		fi
		echo "  subnets:"
		echo "    - interface: s-veth0"
		echo "      network: 192.0.2.0/24"
		echo "      pools: [192.0.2.100-192.0.2.200]"
		[ "$v" = broken ] && echo "      lease_tme: 600"
		;;
	dnsfwd)
		echo "dns:"
		if [ "$v" = restart ]; then
			echo "  listen: [127.0.0.1:5301]"
		else
			echo "  listen: [127.0.0.1:53]"
		fi
		echo "  upstreams: [127.0.0.1:5353]"
		[ "$v" = broken ] && echo "  upstream: [127.0.0.1:5353]"
		;;
	httpd)
		echo "http:"
		if [ "$v" = restart ]; then
			echo "  listen: [127.0.0.1:8081]"
		else
			echo "  listen: [127.0.0.1:80]"
		fi
		echo "  root: $T/www"
		[ "$v" = broken ] && echo "  rot: $T/www"
		;;
	esac
	return 0
}

# The key whose change a reload must name.
restart_key() {
	case $1 in
	dhcpd) echo lease_file ;;
	*) echo listen ;;
	esac
}

# A namespace for DAEMON, with what it needs to bind.
daemon_ns() {
	local ns peer
	ns=$(lg_ns "${1:0:4}") || return 1
	if [ "$1" = dhcpd ]; then
		peer=$(lg_ns cli) || return 1
		lg_veth "$ns" s-veth0 "$peer" c-veth0 || return 1
		ip -n "$ns" addr add 192.0.2.254/24 dev s-veth0 || return 1
	fi
	echo "$ns"
}

count() { grep -c -E -i -- "$1" "$2" 2>/dev/null || true; }

# log_has FILE ERE BEFORE: FILE has more than BEFORE lines matching ERE.
log_has() { [ "$(count "$2" "$1")" -gt "$3" ]; }

life() {
	local d=$1 ns cf pid log notify n rc key
	if ! ns=$(daemon_ns "$d"); then
		fail "$d: namespace set up"
		return
	fi
	cf=$T/$d.yaml
	conf "$d" base >"$cf"
	if ! lg_start_daemon -n "$ns" "$d" -c "$cf"; then
		fail "$d: starts and notifies READY=1"
		return
	fi
	pass "$d: starts and notifies READY=1"
	pid=$LG_PID log=$LG_LOG notify=$LG_NOTIFY

	# A broken file: logged, and the old configuration stays.
	n=$(count 'reload.*fail|fail.*reload' "$log")
	conf "$d" broken >"$cf"
	kill -HUP "$pid"
	if lg_wait_for 10 log_has "$log" 'reload.*fail|fail.*reload' "$n"; then
		pass "$d: SIGHUP with a broken file logs that the reload failed"
	else
		fail "$d: SIGHUP with a broken file logs that the reload failed"
	fi
	lg_wait_for 10 grep -qx 'READY=1' "$notify"
	ok "$d: still running after the failed reload" lg_alive "$pid"
	ok "$d: notified RELOADING=1" grep -qx 'RELOADING=1' "$notify"

	# A restart-only key: named in one line, the old value kept.
	key=$(restart_key "$d")
	n=$(count "restart.*$key" "$log")
	conf "$d" restart >"$cf"
	kill -HUP "$pid"
	if lg_wait_for 10 log_has "$log" "restart.*$key" "$n"; then
		pass "$d: SIGHUP changing $key logs that it needs a restart"
		is "$(($(count "restart.*$key" "$log") - n))" 1 "$d: ... in one line"
	else
		fail "$d: SIGHUP changing $key logs that it needs a restart"
		skip "$d: ... in one line" "no such line"
	fi
	ok "$d: still running after the reload" lg_alive "$pid"

	# SIGUSR1: statistics to the log.
	n=$(wc -l <"$log")
	kill -USR1 "$pid"
	if lg_wait_for 10 eval '[ "$(wc -l <"$log")" -gt "$n" ]'; then
		pass "$d: SIGUSR1 logs statistics"
		tail -n +"$((n + 1))" "$log" | grep -qi stat || diag "$d: SIGUSR1 logged no 'stat' word: $(tail -n +"$((n + 1))" "$log")"
	else
		fail "$d: SIGUSR1 logs statistics"
	fi
	ok "$d: still running after SIGUSR1" lg_alive "$pid"

	# SIGTERM: STOPPING=1, exit 0.
	lg_stop "$pid"
	rc=$?
	is "$rc" 0 "$d: SIGTERM: exits 0"
	ok "$d: SIGTERM: notified STOPPING=1" grep -qx 'STOPPING=1' "$notify"
}

# After READY=1, a daemon told `user: nobody` runs as nobody.
drops_privileges() {
	local d=$1 ns cf pid uid gid groups
	if ! ns=$(daemon_ns "$d"); then
		fail "$d: namespace set up (user: nobody)"
		return
	fi
	cf=$T/$d-nobody.yaml
	conf "$d" nobody >"$cf"
	if ! lg_start_daemon -n "$ns" "$d" -c "$cf"; then
		fail "$d: user: nobody: starts as root and notifies READY=1"
		return
	fi
	pass "$d: user: nobody: starts as root and notifies READY=1"
	pid=$LG_PID
	uid=$(awk '/^Uid:/ { print $2, $3, $4, $5 }' "/proc/$pid/status")
	gid=$(awk '/^Gid:/ { print $2, $3, $4, $5 }' "/proc/$pid/status")
	groups=$(awk '/^Groups:/ { $1 = ""; print }' "/proc/$pid/status" | xargs)
	is "$uid" "65534 65534 65534 65534" "$d: user: nobody: every uid is nobody's"
	is "$gid" "65534 65534 65534 65534" "$d: user: nobody: every gid is nobody's"
	like "$groups" '^(65534)?$' "$d: user: nobody: no supplementary group but nobody's"
	lg_stop "$pid"
	is "$?" 0 "$d: user: nobody: SIGTERM: exits 0"
}

for d in dhcpd dnsfwd httpd; do
	if [ ! -x "$LABGATE_BUILDDIR/$d/$d" ]; then
		skip "$d" "not built"
		continue
	fi
	life "$d"
	drops_privileges "$d"
done

done_testing
