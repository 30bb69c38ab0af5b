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
