#!/bin/sh
# make bench: what one hook costs, as ratios against a floor measured in the
# same run (test/floor: open the same database, insert one row, exit).
# Not a test: nothing here fails on a slow machine. N=... sets the rounds.
set -eu
cd "$(dirname "$0")/.."
N=${N:-300}
root=$(mktemp -d "${TMPDIR:-/tmp}/clankers-bench.XXXXXX")
trap 'rm -rf "$root"' EXIT
payload=test/fixtures/claude/hooks/single/PostToolUse-Bash.seeknal-2026-02.json
export CLANKERS_LOG_LEVEL=info

# Median wall time in microseconds of N runs of "$@" < $payload.
median() {
	i=0
	: >"$root/times"
	while [ $i -lt "$N" ]; do
		t0=$(date +%s%N)
		"$@" <"$payload" >/dev/null
		t1=$(date +%s%N)
		echo $(((t1 - t0) / 1000)) >>"$root/times"
		i=$((i + 1))
	done
	sort -n "$root/times" | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }

echo "clankers bench: $N rounds each, median wall time per process"
echo "(includes one fork+exec of date per round on both sides)"
./clankers --data-root "$root/small" hook PostToolUse <"$payload"
./test/floor "$root/floor.db" <"$payload"
true_us=$(median true)
floor_us=$(median ./test/floor "$root/floor.db")
small_us=$(median ./clankers --data-root "$root/small" hook PostToolUse)
echo "  exec of true(1)                       ${true_us} us"
echo "  floor (open + insert one row)         ${floor_us} us   1.00x"
echo "  clankers hook PostToolUse, small db   ${small_us} us   $(ratio "$small_us" "$floor_us")x floor"

# The same hook on a database of a million tool rows.
./clankers --data-root "$root/big" hook SessionStart <test/fixtures/claude/hooks/single/SessionStart-resume.attio-2025-08.json
sqlite3 "$root/big/clankers.db" "
  INSERT INTO sessions (id, source, created_at, updated_at)
    SELECT 'bench-' || value, 'claude-code', 0, 0 FROM generate_series(1, 100000);
  INSERT INTO tools (id, session_id, source, tool_name, tool_input, status, created_at)
    SELECT 'toolu_bench_' || value, 'bench-' || (value % 100000 + 1), 'claude-code', 'Bash',
      '{\"command\":\"echo ' || value || '\"}', 'ok', value FROM generate_series(1, 1000000);" 2>/dev/null ||
sqlite3 "$root/big/clankers.db" "
  WITH RECURSIVE s(v) AS (SELECT 1 UNION ALL SELECT v + 1 FROM s WHERE v < 100000)
  INSERT INTO sessions (id, source, created_at, updated_at) SELECT 'bench-' || v, 'claude-code', 0, 0 FROM s;
  WITH RECURSIVE s(v) AS (SELECT 1 UNION ALL SELECT v + 1 FROM s WHERE v < 1000000)
  INSERT INTO tools (id, session_id, source, tool_name, tool_input, status, created_at)
    SELECT 'toolu_bench_' || v, 'bench-' || (v % 100000 + 1), 'claude-code', 'Bash',
      '{\"command\":\"echo ' || v || '\"}', 'ok', v FROM s;"
big_us=$(median ./clankers --data-root "$root/big" hook PostToolUse)
echo "  clankers hook PostToolUse, 1M tools   ${big_us} us   $(ratio "$big_us" "$floor_us")x floor, $(ratio "$big_us" "$small_us")x small db"

# Sixteen processes at once, each sending N/4 events (payloads made first).
P=16
per=$((N / 4))
mkdir -p "$root/payloads"
p=0
while [ $p -lt $P ]; do
	i=0
	while [ $i -lt $per ]; do
		sed "s/call_2d1f710e441b45ef8134c7bd/toolu_conc_${p}_$i/" "$payload" >"$root/payloads/$p-$i.json"
		i=$((i + 1))
	done
	p=$((p + 1))
done
t0=$(date +%s%N)
p=0
while [ $p -lt $P ]; do
	(
		i=0
		while [ $i -lt $per ]; do
			./clankers --data-root "$root/conc" hook PostToolUse <"$root/payloads/$p-$i.json" ||
				echo "exit $?" >>"$root/failures"
			i=$((i + 1))
		done
	) &
	p=$((p + 1))
done
wait
t1=$(date +%s%N)
stored=$(sqlite3 "$root/conc/clankers.db" "select count(*) from tools where id like 'toolu_conc_%'")
spooled=$(ls "$root/conc/spool" 2>/dev/null | wc -l)
echo "  $P concurrent writers on $(nproc) cores: $stored of $((P * per)) events stored, $spooled spooled," \
	"$(cat "$root/failures" 2>/dev/null | wc -l) failed; $(((t1 - t0) / (P * per) / 1000)) us of wall time per event"
jq -r 'select(.event == "PostToolUse") | .duration_us' "$root"/conc/clankers-*.jsonl | sort -n |
	awk '{ a[NR] = $1 } END { printf "  their own time in the log (duration_us): %d us p50, %d us p95, %d us max\n", a[int((NR + 1) / 2)], a[int(NR * 0.95)], a[NR] }'
