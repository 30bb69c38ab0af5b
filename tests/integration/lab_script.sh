#!/usr/bin/env bash
# lab_script: `./lab up` builds a lab of namespaces, says "lab is up", and
# after Ctrl-C (SIGINT) leaves no namespace, veth, /etc/netns entry or
# process behind.  It runs on the binaries already in $LABGATE_BUILDDIR
# (LAB_NO_BUILD=1).
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
lg_require_root
lg_require_cmd knotd dig
env --default-signal=INT true 2>/dev/null ||
	skip_all "env --default-signal is missing (coreutils < 8.31)"

LAB_NS=(lab-server lab-client lab-wan)
for ns in "${LAB_NS[@]}"; do
	if ip netns list | awk '{ print $1 }' | grep -qx "$ns"; then
		skip_all "namespace $ns exists: a lab is up on this machine"
	fi
done
[ -x "$LABGATE_BUILDDIR/tests/integration/notify-wait" ] ||
	bail_out "notify-wait not built in $LABGATE_BUILDDIR"

T=$(lg_tmpdir)
OUT=$T/lab-up.out
PIDS=$LABGATE_BUILDDIR/lab-run/pids

lab_ns_left() {
	local ns
	for ns in "${LAB_NS[@]}"; do
		ip netns list | awk '{ print $1 }' | grep -qx "$ns" && return 0
	done
	return 1
}

# A safety net: if this test fails half-way, `./lab down` clears the lab.
safety_net() {
	lab_ns_left || return 0
	echo "# cleaning up with ./lab down"
	LABGATE_BUILDDIR=$LABGATE_BUILDDIR "$LABGATE_SRCDIR/lab" down 2>&1 | sed 's/^/# /'
}
lg_at_exit safety_net

# Started as from a terminal: SIGINT reaches it (a script's background
# job would ignore it) and its output goes to a file.
LAB_NO_BUILD=1 LABGATE_BUILDDIR=$LABGATE_BUILDDIR \
	env --default-signal=INT "$LABGATE_SRCDIR/lab" up >"$OUT" 2>&1 </dev/null &
lab_pid=$!
lg_track "$lab_pid" bash

if lg_wait_for 60 grep -q "lab is up" "$OUT"; then
	pass "./lab up says 'lab is up' within 60 s"
else
	fail "./lab up says 'lab is up' within 60 s"
	diag "$(tail -n 40 "$OUT")"
fi
for ns in "${LAB_NS[@]}"; do
	ok "namespace $ns exists while the lab is up" \
		sh -c "ip netns list | awk '{ print \$1 }' | grep -qx $ns"
done
like "$(cat "$OUT")" "example\.org A -> 93\.184\.216\.34" "knotd in lab-wan answers example.org"
for d in dhcpd dnsfwd httpd; do
	if [ -x "$LABGATE_BUILDDIR/$d/$d" ]; then
		like "$(cat "$OUT")" "$d: ready \(pid [0-9]+" "$d started in lab-server and ready"
	else
		skip "$d started in lab-server" "not built"
	fi
done
ok "c-veth0 has an address in lab-client" \
	sh -c "ip -n lab-client -4 addr show dev c-veth0 | grep -q 'inet 192\.0\.2\.'"
# The client uses the gateway as the seed's client would: through dhcpd's
# default route, dnsfwd at 192.0.2.254 and httpd on port 80.
ok "lab-client has a default route via 192.0.2.254" \
	sh -c "ip -n lab-client route show default | grep -q 'via 192\.0\.2\.254'"
is "$(ip netns exec lab-client timeout 10 dig +short +time=3 +tries=2 \
	@192.0.2.254 example.org A 2>&1)" "93.184.216.34" \
	"lab-client resolves example.org through dnsfwd"
like "$(ip netns exec lab-client timeout 10 curl -s -m 5 http://192.0.2.254/ 2>&1)" \
	"<" "lab-client fetches a page from httpd"

# What ./lab recorded, read before it removes the record.
recorded=$(cat "$PIDS" 2>/dev/null)
if [ -n "$recorded" ]; then
	pass "./lab up recorded the PIDs it started"
else
	fail "./lab up recorded the PIDs it started"
fi

kill -INT "$lab_pid"
if lg_wait_for 30 eval '! lg_alive "$lab_pid"'; then
	pass "./lab up exits within 30 s of SIGINT"
else
	fail "./lab up exits within 30 s of SIGINT"
	diag "$(tail -n 20 "$OUT")"
fi
st=0
wait "$lab_pid" 2>/dev/null || st=$?
like "$st" '^(0|130)$' "./lab up exits 0 or 130 after SIGINT"
like "$(tail -n 1 "$OUT")" "lab is down" "./lab up's last line: lab is down"

for ns in "${LAB_NS[@]}"; do
	ok "namespace $ns is gone" \
		sh -c "! ip netns list | awk '{ print \$1 }' | grep -qx $ns"
	ok "/etc/netns/$ns is gone" test ! -e "/etc/netns/$ns"
done
left=$(ip -o link show 2>/dev/null | awk -F': ' '{ print $2 }' | sed 's/@.*//' |
	grep -E '^(labtmp[0-9]+[a-z]|[cswu]-veth0)$')
is "$left" "" "no veth of the lab is left in the root namespace"

alive=""
while read -r pid name; do
	[ -n "$pid" ] || continue
	lg_alive "$pid" || continue
	exe=$(readlink "/proc/$pid/exe" 2>/dev/null)
	[ "${exe##*/}" = "$name" ] && alive="$alive $name($pid)"
done <<<"$recorded"
is "${alive# }" "" "no process the lab started is left"
ok "the PID record is removed" test ! -e "$PIDS"

done_testing
