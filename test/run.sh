#!/bin/sh
# test/run.sh: runs the C unit tests and every test/t-*.sh, adds up their
# TAP lines and ends with "N passed, M failed". Exits 1 when any failed.
# VALGRIND=1 runs every clankers process under valgrind. Arguments, when
# given, are the tests to run instead (make e2e: test/t-e2e.sh).
set -u
cd "$(dirname "$0")/.." || exit 1
if [ "${VALGRIND:-0}" = 1 ]; then
	export WRAPPER="valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect"
fi
# A sanitizer report must not pass for exit 1, which a hook may return.
export ASAN_OPTIONS="${ASAN_OPTIONS:-exitcode=98:detect_leaks=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-exitcode=97:print_stacktrace=1}"
out=$(mktemp)
trap 'rm -f "$out"' EXIT
total_pass=0 total_fail=0
[ $# -gt 0 ] || set -- test/unit test/t-*.sh
for t in "$@"; do
	echo "# $t"
	case $t in
	*.sh) sh "$t" >"$out" 2>&1 ;;
	*) ${WRAPPER:-} "./$t" >"$out" 2>&1 ;;
	esac
	rc=$?
	grep -v -E '^[0-9]+ passed, [0-9]+ failed$' "$out"
	p=$(grep -c '^ok ' "$out")
	f=$(grep -c '^not ok ' "$out")
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		echo "not ok - $t exited $rc"
		f=1
	fi
	total_pass=$((total_pass + p))
	total_fail=$((total_fail + f))
done
echo "$total_pass passed, $total_fail failed"
[ "$total_fail" -eq 0 ]
