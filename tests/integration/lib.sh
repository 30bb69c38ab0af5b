# shellcheck shell=bash
# tests/integration/lib.sh: the harness every integration test sources.
#
#   . "$(dirname "$0")/lib.sh"
#
# Tests write TAP on stdout (Automake's TAP driver counts it) and run as
# plain bash scripts too.  Call the TAP helpers from the test's own shell,
# never inside $(...), so the count stays right.
#
# TAP      plan N | done_testing         the plan, before or after the tests
#          ok DESC CMD [ARGS...]         passes if CMD exits 0
#          is GOT WANT DESC              string equality
#          like GOT ERE DESC             GOT matches the extended regex
#          pass DESC | fail DESC         a result decided by the test
#          skip DESC REASON              "ok N # SKIP REASON"
#          diag TEXT...                  "# TEXT" lines
#          skip_all REASON               "1..0 # SKIP REASON", then exit 0
#          bail_out REASON               "Bail out! REASON", then exit 1
# Needs    lg_require_root               skip_all unless root with `ip netns`
#          lg_require_cmd CMD...         skip_all unless each CMD exists
# Files    $LG_TMP                       this test's directory (0711, so a
#                                        daemon that dropped to nobody can
#                                        reach its files); removed at exit
#                                        unless LG_KEEP=1
#          lg_tmpdir                     prints a new directory inside it
# Network  lg_ns NAME                    creates a namespace named
#                                        lgt-$$-NAME-$RANDOM with lo up and
#                                        its own /etc/netns/<ns>/resolv.conf;
#                                        prints its name
#          lg_veth NS1 IF1 NS2 IF2       a veth pair between two namespaces
#                                        of this test (IF names <= 15 chars)
# Daemons  lg_start_daemon [-n NS] [-t SECS] NAME ARGS...
#                                        runs $LABGATE_BUILDDIR/NAME/NAME (or
#                                        NAME itself if it holds a '/') under
#                                        notify-wait, in NS if given, and
#                                        waits for READY=1.  Sets LG_PID,
#                                        LG_LOG (its stdout+stderr) and
#                                        LG_NOTIFY (later notifications;
#                                        the last line EXIT_STATUS=N or
#                                        EXIT_SIGNAL=N).  Returns 1 if it
#                                        did not become ready.
#          lg_stop PID [SECS]            SIGTERM, wait (10 s), SIGKILL; returns
#                                        the daemon's exit status (128+N for
#                                        signal N)
#          lg_alive PID                  runs and is not a zombie
#          lg_track PID NAME             kill this process too at exit
#          lg_wait_for SECS CMD...       polls CMD until it succeeds
#          lg_notified PID STATE [SECS]  waits for a STATE line ("STOPPING=1")
#                                        in PID's notifications
#          lg_log PID | lg_notify_file PID   the files of a started daemon
#          lg_at_exit CMD...             run CMD at exit, after the processes
#                                        are stopped, before namespaces go
#
# At exit, even on failure or timeout, a trap stops every process started
# (by PID), deletes every namespace and veth made and their /etc/netns
# directories, and on failure prints each daemon's log as diagnostics.
# LG_TIMEOUT (default 120 s) bounds the whole test: a watchdog then stops
# the test's children and the test, which still cleans up.

LABGATE_SRCDIR=${LABGATE_SRCDIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
LABGATE_BUILDDIR=${LABGATE_BUILDDIR:-$LABGATE_SRCDIR/build}
LG_TIMEOUT=${LG_TIMEOUT:-120}
LG_READY_TIMEOUT=${LG_READY_TIMEOUT:-30}
LG_NOTIFY_WAIT=${LG_NOTIFY_WAIT:-$LABGATE_BUILDDIR/tests/integration/notify-wait}
LG_NAME=$(basename "$0" .sh)

LG_N=0          # results printed
LG_FAILED=0     # of which "not ok"
LG_PLANNED=0    # plan printed
LG_PID=""
LG_LOG=""
LG_NOTIFY=""
LG_WATCHDOG=""
LG_AT_EXIT=()
LG_TMP=$(mktemp -d "${TMPDIR:-/tmp}/lgt-$LG_NAME.XXXXXX") || {
	echo "Bail out! cannot create a temporary directory"
	exit 1
}
chmod 711 "$LG_TMP"
# What this test made, one "KIND VALUE..." line each, so cleanup finds
# things made inside $(...) subshells too.
LG_RESOURCES=$LG_TMP/.resources
: >"$LG_RESOURCES"

# --- TAP ---------------------------------------------------------------------------

plan() {
	LG_PLANNED=1
	echo "1..$1"
}

done_testing() {
	[ "$LG_PLANNED" -eq 1 ] || plan "$LG_N"
	[ "$LG_FAILED" -eq 0 ] || diag "$LG_FAILED of $LG_N tests failed"
	exit 0
}

diag() {
	local line
	while IFS= read -r line; do
		printf '# %s\n' "$line"
	done <<<"$*"
}

pass() {
	LG_N=$((LG_N + 1))
	echo "ok $LG_N - $1"
}

fail() {
	LG_N=$((LG_N + 1))
	LG_FAILED=$((LG_FAILED + 1))
	echo "not ok $LG_N - $1"
}

skip() {
	LG_N=$((LG_N + 1))
	echo "ok $LG_N - $1 # SKIP ${2:-}"
}

ok() {
	local desc=$1 out rc=0
	shift
	out=$("$@" 2>&1) || rc=$?
	if [ "$rc" -eq 0 ]; then
		pass "$desc"
	else
		fail "$desc"
		diag "command: $* (exit $rc)"
		[ -n "$out" ] && diag "$(printf '%s\n' "$out" | tail -n 20)"
	fi
	return "$rc"
}

is() {
	if [ "$1" = "$2" ]; then
		pass "$3"
	else
		fail "$3"
		diag "got:  '$1'"
		diag "want: '$2'"
		return 1
	fi
}

like() {
	if printf '%s\n' "$1" | grep -qE -- "$2"; then
		pass "$3"
	else
		fail "$3"
		diag "got:  '$1'"
		diag "want: a match for /$2/"
		return 1
	fi
}

skip_all() {
	echo "1..0 # SKIP $*"
	exit 0
}

bail_out() {
	echo "Bail out! $*"
	exit 1
}

lg_require_root() {
	[ "$(id -u)" -eq 0 ] || skip_all "needs root (network namespaces)"
	command -v ip >/dev/null || skip_all "no ip command (iproute2)"
	ip netns list >/dev/null 2>&1 || skip_all "ip netns does not work here"
}

lg_require_cmd() {
	local c
	for c in "$@"; do
		command -v "$c" >/dev/null || skip_all "needs $c"
	done
}

# --- files and names ---------------------------------------------------------------

lg_tmpdir() {
	local d
	d=$(mktemp -d "$LG_TMP/d.XXXXXX") && chmod 711 "$d" && echo "$d"
}

lg__remember() {
	echo "$*" >>"$LG_RESOURCES"
}

lg_ns() {
	local ns="lgt-$$-$1-$RANDOM"
	if [ ! -d /etc/netns ]; then
		mkdir -p /etc/netns && lg__remember etcnetns /etc/netns
	fi
	ip netns add "$ns" || return 1
	lg__remember ns "$ns"
	# `ip netns exec` binds this over /etc/resolv.conf: no client run in
	# the namespace reads or writes the host's resolver configuration.
	mkdir -p "/etc/netns/$ns"
	echo "nameserver 127.0.0.1" >"/etc/netns/$ns/resolv.conf"
	ip -n "$ns" link set lo up || return 1
	echo "$ns"
}

# Made under temporary names in the root namespace, then moved and renamed,
# so no interface of the host is ever touched.
lg_veth() {
	local ns1=$1 if1=$2 ns2=$3 if2=$4 t i
	if [ "${#if1}" -gt 15 ] || [ "${#if2}" -gt 15 ]; then
		echo "lg_veth: interface names longer than 15 characters" >&2
		return 1
	fi
	for i in 1 2 3 4 5; do
		t="lgv${RANDOM}${RANDOM}"
		ip link show "${t}a" >/dev/null 2>&1 || break
	done
	lg__remember link "${t}a"
	lg__remember link "${t}b"
	ip link add "${t}a" type veth peer name "${t}b" &&
		ip link set "${t}a" netns "$ns1" &&
		ip link set "${t}b" netns "$ns2" &&
		ip -n "$ns1" link set "${t}a" name "$if1" &&
		ip -n "$ns2" link set "${t}b" name "$if2" &&
		ip -n "$ns1" link set "$if1" up &&
		ip -n "$ns2" link set "$if2" up
}

# --- processes -----------------------------------------------------------------------

lg_alive() {
	local state
	[ -r "/proc/$1/stat" ] || return 1
	state=$(sed 's/.*) \(.\).*/\1/' "/proc/$1/stat" 2>/dev/null) || return 1
	[ -n "$state" ] && [ "$state" != Z ] && [ "$state" != X ]
}

# PID still runs NAME (its executable or argv[0]), so a recycled PID is
# never signalled.
lg__runs() {
	local exe arg0
	exe=$(readlink "/proc/$1/exe" 2>/dev/null) || exe=""
	exe=${exe% (deleted)}
	arg0=$(tr '\0' '\n' <"/proc/$1/cmdline" 2>/dev/null | head -n 1) || arg0=""
	[ "${exe##*/}" = "$2" ] || [ "${arg0##*/}" = "$2" ]
}

lg_track() {
	lg__remember pid "$1" "$2" - -
}

lg_wait_for() {
	local secs=$1 deadline
	shift
	deadline=$(($(date +%s%N) / 1000000 + secs * 1000))
	until "$@" >/dev/null 2>&1; do
		[ $(($(date +%s%N) / 1000000)) -lt "$deadline" ] || return 1
		sleep 0.1
	done
}

# The resource line of a started PID: "pid PID NAME LOG NOTIFY".
lg__entry() {
	awk -v p="$1" '$1 == "pid" && $2 == p { print; exit }' "$LG_RESOURCES"
}

lg_log() { lg__entry "$1" | awk '{ print $4 }'; }
lg_notify_file() { lg__entry "$1" | awk '{ print $5 }'; }

lg_start_daemon() {
	local ns="" secs=$LG_READY_TIMEOUT bin name k base cmd rc=0
	while [ $# -gt 0 ]; do
		case $1 in
		-n) ns=$2; shift 2 ;;
		-t) secs=$2; shift 2 ;;
		*) break ;;
		esac
	done
	case $1 in
	*/*) bin=$1 ;;
	*) bin=$LABGATE_BUILDDIR/$1/$1 ;;
	esac
	name=${bin##*/}
	shift
	# shellcheck disable=SC2034 # LG_LOG and LG_NOTIFY are for the caller
	LG_PID="" LG_LOG="" LG_NOTIFY=""
	if [ ! -x "$LG_NOTIFY_WAIT" ]; then
		diag "notify-wait not built: $LG_NOTIFY_WAIT"
		return 1
	fi
	k=$(grep -c "^pid [0-9]* $name " "$LG_RESOURCES" || true)
	base=$LG_TMP/$name.$((k + 1))
	cmd=("$bin" "$@")
	[ -n "$ns" ] && cmd=(ip netns exec "$ns" "${cmd[@]}")
	"$LG_NOTIFY_WAIT" -t "$secs" -o "$base.notify" "$base.sock" -- "${cmd[@]}" \
		>"$base.out" 2>"$base.log" </dev/null || rc=$?
	# shellcheck disable=SC2034
	LG_LOG=$base.log
	# shellcheck disable=SC2034
	LG_NOTIFY=$base.notify
	LG_PID=$(sed -n 's/^pid=//p' "$base.out")
	local rec
	rec=$(sed -n 's/^recorder=//p' "$base.out")
	if [ "$rc" -ne 0 ] || [ -z "$LG_PID" ]; then
		diag "$name did not become ready (notify-wait exit $rc):"
		diag "$(tail -n 20 "$base.log")"
		lg__remember log - "$name" "$base.log"
		return 1
	fi
	lg__remember pid "$LG_PID" "$name" "$base.log" "$base.notify"
	[ -n "$rec" ] && lg__remember pid "$rec" notify-wait - -
	return 0
}

# lg__kill PID NAME SECS: SIGTERM, up to SECS, then SIGKILL; 0 if it went
# by itself.
lg__kill() {
	local pid=$1 name=$2 secs=${3:-10} i
	lg_alive "$pid" && lg__runs "$pid" "$name" || return 0
	kill -TERM "$pid" 2>/dev/null || return 0
	for ((i = 0; i < secs * 10; i++)); do
		lg_alive "$pid" || return 0
		sleep 0.1
	done
	diag "$name (pid $pid) ignored SIGTERM for ${secs}s: SIGKILL"
	kill -KILL "$pid" 2>/dev/null
	return 1
}

lg_stop() {
	local pid=$1 secs=${2:-10} entry name notify i line
	entry=$(lg__entry "$pid")
	name=$(awk '{ print $3 }' <<<"$entry")
	notify=$(awk '{ print $5 }' <<<"$entry")
	[ -n "$name" ] || { diag "lg_stop: $pid was not started here"; return 255; }
	lg__kill "$pid" "$name" "$secs" || return 137
	# The supervisor writes the exit status when it has reaped the daemon.
	[ -n "$notify" ] && [ "$notify" != - ] || return 0
	for ((i = 0; i < 50; i++)); do
		line=$(grep -E '^EXIT_(STATUS|SIGNAL)=' "$notify" 2>/dev/null | tail -n 1)
		case $line in
		EXIT_STATUS=*) return "${line#EXIT_STATUS=}" ;;
		EXIT_SIGNAL=*) return $((128 + ${line#EXIT_SIGNAL=})) ;;
		esac
		sleep 0.1
	done
	diag "lg_stop: no exit status for $name (pid $pid)"
	return 255
}

lg_at_exit() {
	LG_AT_EXIT+=("$(printf '%q ' "$@")")
}

lg_notified() {
	local file
	file=$(lg_notify_file "$1")
	[ -n "$file" ] || return 1
	lg_wait_for "${3:-10}" grep -qxF -- "$2" "$file"
}

# --- cleanup and the watchdog ----------------------------------------------------------

# The children of PID, one per line (the workers of a daemon, in tests).
lg_children() {
	ps -o pid= --ppid "$1" 2>/dev/null | tr -d ' '
}
lg__children() { lg_children "$1"; }

# Every descendant of PID (deepest last), not PID itself.
lg__descendants() {
	local c
	for c in $(lg__children "$1"); do
		echo "$c"
		lg__descendants "$c"
	done
}

lg__print_logs() {
	local kind pid name log rest
	while read -r kind pid name log rest; do
		case $kind in pid | log) ;; *) continue ;; esac
		[ -n "$log" ] && [ "$log" != - ] && [ -f "$log" ] || continue
		diag "--- $name (pid $pid): $log"
		diag "$(tail -n 40 "$log")"
	done <"$LG_RESOURCES"
}

lg__cleanup() {
	local status=$1 kind a b rest pid
	trap '' INT TERM HUP
	if [ -n "$LG_WATCHDOG" ]; then
		kill -TERM "$LG_WATCHDOG" 2>/dev/null
		wait "$LG_WATCHDOG" 2>/dev/null
	fi
	if [ "$LG_FAILED" -gt 0 ] || [ "$status" -ne 0 ]; then
		lg__print_logs
	fi
	# Processes first (newest first), then what they ran in.
	while read -r kind a b rest; do
		[ "$kind" = pid ] && lg__kill "$a" "$b" 5 >/dev/null
	done < <(tac "$LG_RESOURCES")
	local hook
	for hook in "${LG_AT_EXIT[@]}"; do
		eval "$hook"
	done
	while read -r kind a rest; do
		case $kind in
		ns)
			# Anything still inside is ours: the namespace is this test's.
			for pid in $(ip netns pids "$a" 2>/dev/null); do
				kill -KILL "$pid" 2>/dev/null
			done
			ip netns del "$a" 2>/dev/null
			rm -rf "/etc/netns/$a"
			;;
		link) ip link del "$a" 2>/dev/null ;;
		esac
	done <"$LG_RESOURCES"
	grep -q '^etcnetns ' "$LG_RESOURCES" && rmdir /etc/netns 2>/dev/null
	if [ "${LG_KEEP:-0}" = 1 ]; then
		echo "# kept $LG_TMP"
	else
		rm -rf "$LG_TMP"
	fi
	return 0
}

# Started before the traps below exist, so it inherits none of them.
lg__start_watchdog() {
	local test_pid=$$
	(
		trap 'kill $! 2>/dev/null; exit 0' TERM
		sleep "$LG_TIMEOUT" &
		wait $! || exit 0
		echo "Bail out! $LG_NAME timed out after ${LG_TIMEOUT}s"
		for pid in $(lg__descendants "$test_pid"); do
			[ "$pid" = "$BASHPID" ] || kill -TERM "$pid" 2>/dev/null
		done
		kill -TERM "$test_pid"
	) &
	LG_WATCHDOG=$!
}

lg__start_watchdog
trap 'lg__cleanup $?' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP
