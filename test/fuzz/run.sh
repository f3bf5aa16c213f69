#!/bin/sh
# test/fuzz/run.sh TARGET...: runs each libFuzzer target FUZZ_SECONDS
# (60) seconds, seeded from test/fixtures, its corpus kept under
# test/fuzz/work/TARGET/corpus (not committed) so that the next run goes
# on from it. The inputs of test/fuzz/regress/TARGET (crashes found and
# fixed) are run first, once each. A crash stops the run: its input is in
# test/fuzz/work/TARGET/, and the exit status is 1. Prints, per target,
# the seconds, executions and corpus size. FUZZ_BINDIR (test/fuzz) and
# FUZZ_WORK (test/fuzz/work) move the binaries and the work folders, for a
# long run beside ongoing work.
set -u
cd "$(dirname "$0")/../.." || exit 1
secs=${FUZZ_SECONDS:-60}
fx=test/fixtures
status=0

# seeds TARGET DIR: the fixture files that target reads, one per file.
seeds() {
	case $1 in
	claude)
		find $fx/claude/hooks $fx/e2e -name '*.json' -size -64k -exec cp {} "$2" \; ;;
	opencode)
		n=0
		cat $fx/opencode/*.jsonl | while IFS= read -r line; do
			n=$((n + 1))
			printf '%s\n' "$line" > "$2/event-$n.json"
		done ;;
	transcript)
		find $fx -name '*.jsonl' ! -path '*/opencode/*' -size -256k | while read -r f; do
			cp "$f" "$2/$(echo "$f" | tr / _)"
		done ;;
	redact)
		cp test/fuzz/seeds/redact/* "$2"
		find $fx/claude/hooks -name '*.json' -size -16k -exec cp {} "$2" \; ;;
	esac
}

for t in "$@"; do
	bin=${FUZZ_BINDIR:-test/fuzz}/fuzz-$t
	work=${FUZZ_WORK:-test/fuzz/work}/$t
	mkdir -p "$work/corpus" "$work/seeds"
	rm -f "$work/seeds"/*
	seeds "$t" "$work/seeds"
	case $t in
	transcript) max=262144 ;;
	*) max=65536 ;;
	esac
	if [ -d test/fuzz/regress/$t ] && [ -n "$(ls test/fuzz/regress/$t)" ]; then
		if ! "$bin" test/fuzz/regress/$t/* > "$work/regress.log" 2>&1; then
			echo "fuzz $t: a regression input fails again (see $work/regress.log)"
			status=1
			continue
		fi
	fi
	"$bin" -max_total_time="$secs" -max_len=$max -timeout=20 -rss_limit_mb=2048 \
	    -print_final_stats=1 -artifact_prefix="$work/" \
	    "$work/corpus" "$work/seeds" > "$work/fuzz.log" 2>&1
	rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/fuzz.log")
	corpus=$(ls "$work/corpus" | wc -l)
	if [ $rc -ne 0 ]; then
		echo "fuzz $t: FAILED after ${execs:-?} executions (exit $rc); see $work/fuzz.log and $work/crash-*"
		status=1
	else
		echo "fuzz $t: ${secs} s, ${execs:-?} executions, corpus $corpus inputs, no crash"
	fi
done
exit $status
