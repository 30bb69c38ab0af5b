#!/usr/bin/env bash
# config_check: `-t` and the common command line of all three daemons.
# A configuration error is exactly one line on stderr, "FILE:LINE:COL:
# message" naming the key or value at its own place (or "FILE: message"
# when the file itself is the problem), and exit status 1.  Needs neither
# root nor a namespace.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

DAEMONS=(dhcpd dnsfwd httpd)
for d in "${DAEMONS[@]}"; do
	[ -x "$LABGATE_BUILDDIR/$d/$d" ] || bail_out "$d not built in $LABGATE_BUILDDIR"
done
T=$(lg_tmpdir)

bin() { echo "$LABGATE_BUILDDIR/$1/$1"; }

# run_t DAEMON FILE: runs `DAEMON -t -c FILE`; sets RC, OUT, ERR.
run_t() {
	RC=0
	"$(bin "$1")" -t -c "$2" >"$T/out" 2>"$T/err" </dev/null || RC=$?
	OUT=$(cat "$T/out")
	ERR=$(cat "$T/err")
}

lines() { printf '%s' "$1" | grep -c '' || true; }

# check_error DAEMON FILE LINE COL ERE WHAT: -t fails with one line at
# FILE:LINE:COL (COL "" for any) whose message matches ERE.
check_error() {
	local d=$1 file=$2 line=$3 col=$4 ere=$5 what=$6 where
	run_t "$d" "$file"
	is "$RC" 1 "$d -t: $what: exit 1"
	is "$(lines "$ERR")" 1 "$d -t: $what: one line on stderr"
	if [ -n "$line" ]; then
		where="$file:$line:${col:-[0-9]+}: "
	else
		where="$file: "
	fi
	like "$ERR" "^$(sed 's/[.[\*^$+?(){}|]/\\&/g' <<<"$file")${where#"$file"}" \
		"$d -t: $what: at ${where#"$T/"}"
	like "$ERR" "$ere" "$d -t: $what: says $ere"
}

# --- valid files -------------------------------------------------------------------

lab_yaml=$LABGATE_SRCDIR/etc/lab.yaml
for d in "${DAEMONS[@]}"; do
	if [ -f "$lab_yaml" ]; then
		run_t "$d" "$lab_yaml"
		is "$RC" 0 "$d -t -c etc/lab.yaml: valid"
		[ "$RC" -eq 0 ] || diag "$ERR"
	else
		skip "$d -t -c etc/lab.yaml" "no etc/lab.yaml"
	fi
done

cat >"$T/http-only.yaml" <<'EOF'
http:
  listen: [127.0.0.1:8080]
  root: /tmp
EOF
run_t httpd "$T/http-only.yaml"
is "$RC" 0 "httpd -t: a file with only http: is enough for httpd"
check_error dhcpd "$T/http-only.yaml" "" "" "dhcp" "no dhcp: section"
check_error dnsfwd "$T/http-only.yaml" "" "" "dns" "no dns: section"

# --- misspelt keys, each in its daemon's section -------------------------------------

cat >"$T/dhcp-typo.yaml" <<'EOF'
dhcp:
  lease_file: /tmp/lgt-never-written.leases
  subnets:
    - interface: s-veth0
      network: 192.0.2.0/24
      pools: [192.0.2.100-192.0.2.200]
      lease_tme: 3600
EOF
check_error dhcpd "$T/dhcp-typo.yaml" 7 7 "lease_tme" "misspelt key"

cat >"$T/dns-typo.yaml" <<'EOF'
dns:
  listen: [127.0.0.1:53]
  upstreams: [192.0.2.53]
  alow: [127.0.0.0/8]
EOF
check_error dnsfwd "$T/dns-typo.yaml" 4 3 "alow" "misspelt key"

cat >"$T/http-typo.yaml" <<'EOF'
http:
  listen: [127.0.0.1:8080]
  root: /tmp
  autoindx: true
EOF
check_error httpd "$T/http-typo.yaml" 4 3 "autoindx" "misspelt key"

# --- bad values and bad YAML ------------------------------------------------------------

subnet_file() { # FILE EXTRA-LINE...: a dhcp file with lines added to its subnet
	local f=$1
	shift
	{
		printf 'dhcp:\n  lease_file: /tmp/lgt-never-written.leases\n  subnets:\n'
		printf '    - interface: s-veth0\n      network: 192.0.2.0/24\n'
		printf '%s\n' "$@"
	} >"$f"
}

subnet_file "$T/pool.yaml" "      pools: [192.0.2.100-192.0.3.10]"
check_error dhcpd "$T/pool.yaml" 6 15 "192\.0\.3\.10|outside|network" "pool outside its network"

subnet_file "$T/addr.yaml" "      pools: [192.0.2.100-192.0.2.200]" "      router: 192.0.2.300"
check_error dhcpd "$T/addr.yaml" 7 15 "192\.0\.2\.300" "bad address"

for v in 3600s 1e3 010; do
	subnet_file "$T/num.yaml" "      pools: [192.0.2.100-192.0.2.200]" "      lease_time: $v"
	check_error dhcpd "$T/num.yaml" 7 19 "lease_time" "lease_time: $v is no number"
done

cat >"$T/syntax.yaml" <<'EOF'
dhcp:
  lease_file: /tmp/lgt-never-written.leases
  subnets: a: b
EOF
check_error dhcpd "$T/syntax.yaml" 3 "" "[Ss]yntax|mapping|YAML" "YAML syntax error"

# --- files that cannot be read ----------------------------------------------------------

for d in "${DAEMONS[@]}"; do
	check_error "$d" "$T/does-not-exist.yaml" "" "" "[Nn]o such file|not found|does not exist" "missing file"
done

cp "$LABGATE_SRCDIR/etc/lab.yaml" "$T/unreadable.yaml" 2>/dev/null || cp "$T/http-only.yaml" "$T/unreadable.yaml"
chmod 000 "$T/unreadable.yaml"
if [ "$(id -u)" -ne 0 ]; then
	check_error httpd "$T/unreadable.yaml" "" "" "[Pp]ermission|denied|cannot|unreadable" "unreadable file"
elif command -v setpriv >/dev/null; then
	# Root reads anything: be nobody for this one.
	RC=0
	setpriv --reuid=65534 --regid=65534 --clear-groups "$(bin httpd)" -t \
		-c "$T/unreadable.yaml" >"$T/out" 2>"$T/err" </dev/null || RC=$?
	ERR=$(cat "$T/err")
	is "$RC" 1 "httpd -t: unreadable file: exit 1"
	is "$(lines "$ERR")" 1 "httpd -t: unreadable file: one line on stderr"
	like "$ERR" "^$T/unreadable\.yaml: .*([Pp]ermission|denied)" "httpd -t: unreadable file: names the file and the cause"
else
	skip "unreadable file" "no setpriv to drop root"
fi

# --- the rest of the command line --------------------------------------------------------

for d in "${DAEMONS[@]}"; do
	RC=0
	OUT=$("$(bin "$d")" -V 2>&1) || RC=$?
	is "$RC" 0 "$d -V: exit 0"
	like "$OUT" "(^|[^0-9.])0\.1\.0([^0-9.]|$)" "$d -V: prints the version 0.1.0"

	RC=0
	OUT=$("$(bin "$d")" -h 2>/dev/null) || RC=$?
	is "$RC" 0 "$d -h: exit 0"
	like "$OUT" "[Uu]sage" "$d -h: prints usage"

	RC=0
	"$(bin "$d")" -Z >/dev/null 2>&1 </dev/null || RC=$?
	is "$RC" 2 "$d -Z: unknown option exits 2"
done

done_testing
