# dnsfwd_lib.sh: sourced by the dnsfwd_*.sh integration tests, after
# lib.sh.  Checks that the daemon and the test upstream are built, and
# gives the small result helpers every dnsfwd script uses.

lg_require_root
lg_require_cmd dig
DNSFWD=$LABGATE_BUILDDIR/dnsfwd/dnsfwd
UPSTREAM=$LABGATE_BUILDDIR/tests/integration/dns-test-upstream
[ -x "$UPSTREAM" ] || bail_out "$UPSTREAM not built (make check builds it)"
[ -x "$DNSFWD" ] || bail_out "$DNSFWD not built"

# Results decided here: not_ok DESC [DIAG...]; check DESC CMD...
not_ok() {
	fail "$1"
	shift
	[ $# -gt 0 ] && diag "$@"
	return 0
}
check() {
	local d=$1
	shift
	if "$@"; then pass "$d"; else fail "$d"; fi
}
has() { grep -q -- "$2" <<<"$1"; }
# Runs a command in the test's namespace ($NS, set by the script).
in_ns() { ip netns exec "$NS" "$@"; }

# dnsfwd_start CONFIG: dnsfwd in $NS, ready, its PID in DPID; when it does
# not start, one failed test and the end of the script.
dnsfwd_start() {
	if ! lg_start_daemon -n "$NS" "$DNSFWD" -c "$1"; then
		fail "dnsfwd starts"
		done_testing
	fi
	DPID=$LG_PID
}

# One test: SIGTERM stops dnsfwd with status 0 and no sanitizer report.
dnsfwd_stop_clean() {
	local rc=0
	lg_stop "$DPID" || rc=$?
	if [ "$rc" = 0 ] && ! grep -qiE "sanitizer|runtime error" "$LG_LOG"; then
		pass "SIGTERM: exit 0, no sanitizer reports"
	else
		not_ok "SIGTERM: exit 0, no sanitizer reports" "exit $rc" "$(tail -5 "$LG_LOG")"
	fi
}
