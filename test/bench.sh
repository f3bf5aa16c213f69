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

# The transcript reader: a full read of a large transcript and an
# incremental update, against baselines read in the same run.
# TRANSCRIPT_MB sets the size (default 100).
echo
echo "transcript reader (peak memory is the max RSS of the process)"
mb=${TRANSCRIPT_MB:-100}
src=test/fixtures/transcripts/spotter-2.1.39/projects/-home-USER-projects-spotter-worktrees-spotter-dov/4d5611e5-241a-462a-8d15-5122611a9569.jsonl
# Two shapes: copies of a real 2.1.39 session (ids rewritten per copy, so
# every response is new), mostly progress and tool-result lines; and only
# its assistant lines, where every line carries usage.
mkdir -p "$root/ccu/projects/mix" "$root/ccu/projects/asst"
gen() {  # gen SOURCE OUT: copies of SOURCE until OUT is at least $mb MB
	i=0
	: >"$2"
	while [ "$(wc -c <"$2")" -lt $((mb * 1000000)) ]; do
		i=$((i + 1))
		sed -e "s/\"msg_/\"msg_${i}x/g; s/\"req_/\"req_${i}x/g; s/\"toolu_/\"toolu_${i}x/g" \
			-e "s/\"uuid\":\"/\"uuid\":\"${i}x/g; s/Uuid\":\"/Uuid\":\"${i}x/g" "$1" >>"$2"
	done
}
gen "$src" "$root/ccu/projects/mix/4d5611e5-241a-462a-8d15-5122611a9569.jsonl"
grep '"type":"assistant"' "$src" >"$root/asst-src.jsonl"
gen "$root/asst-src.jsonl" "$root/ccu/projects/asst/4d5611e5-241a-462a-8d15-5122611a9569.jsonl"
ccusage=$(sh test/ccusage.sh 2>"$root/ccusage.err") || ccusage=

# measure LABEL BYTES BASE_US COMMAND...: one line with time, MB/s, peak memory.
measure() {
	label=$1 bytes=$2 base=$3
	shift 3
	set -- $(./test/rss "$@")
	line=$(awk -v l="$label" -v us="$1" -v kb="$2" -v b="$bytes" -v base="$base" 'BEGIN {
		printf "  %-34s %8.0f ms %7.0f MB/s %7.1f MB peak", l, us / 1000,
		    b / us, kb / 1024
		if (base > 0) printf "   %.2fx %s", us / base, "ccusage"
	}')
	echo "$line"
	last_us=$1
}
for shape in mix asst; do
	file="$root/ccu/projects/$shape/4d5611e5-241a-462a-8d15-5122611a9569.jsonl"
	bytes=$(wc -c <"$file")
	lines=$(wc -l <"$file")
	echo " $shape: $((bytes / 1000000)) MB, $lines lines"
	cat "$file" >/dev/null  # in the page cache for every reader
	measure "wc -l" "$bytes" 0 wc -l "$file"
	measure "jq -c ." "$bytes" 0 jq -c . "$file"
	ccu_us=0
	if [ -n "$ccusage" ]; then
		mkdir -p "$root/one/projects"
		rm -rf "$root/one/projects/$shape"
		cp -r "$root/ccu/projects/$shape" "$root/one/projects/$shape"
		CLAUDE_CONFIG_DIR="$root/one" measure "ccusage session --offline" "$bytes" 0 \
			"$ccusage" session --offline --json
		ccu_us=$last_us
		rm -rf "$root/one/projects/$shape"
	fi
	rm -rf "$root/t-$shape"
	measure "clankers session-end (full read)" "$bytes" "$ccu_us" \
		./clankers --data-root "$root/t-$shape" session-end --transcript "$file"
	full_us=$last_us
	# The write floor: the rows that read stored, copied by the sqlite3
	# shell in one transaction into a new database of the same schema (its
	# indexes and triggers): what storing them costs with no reading at all.
	rm -rf "$root/w-$shape"
	./clankers --data-root "$root/w-$shape" hook SessionStart \
		<test/fixtures/claude/hooks/single/SessionStart-resume.attio-2025-08.json
	{
		echo "PRAGMA synchronous=NORMAL; PRAGMA temp_store=MEMORY;"
		echo "ATTACH '$root/t-$shape/clankers.db' AS src; BEGIN;"
		for t in sessions messages tools; do
			c=$(sqlite3 "$root/t-$shape/clankers.db" \
				"SELECT group_concat(name, ',') FROM pragma_table_info('$t')")
			echo "INSERT INTO $t ($c) SELECT $c FROM src.$t;"
		done
		echo "COMMIT;"
	} >"$root/copy.sql"
	measure "sqlite3 copying the same rows" "$bytes" 0 \
		sqlite3 "$root/w-$shape/clankers.db" ".read $root/copy.sql"
	floor=" $(ratio "$full_us" "$last_us")x this write floor"
	[ "$ccu_us" = 0 ] || floor="$floor; the floor alone is $(ratio "$last_us" "$ccu_us")x ccusage"
	echo "    (the full read is$floor)"
	# A Stop hook after one more response: the new lines only.
	tail -n 40 "$src" | sed -e 's/"msg_/"msg_newx/g; s/"req_/"req_newx/g; s/"toolu_/"toolu_newx/g' \
		-e 's/"uuid":"/"uuid":"newx/g' >>"$file"
	measure "clankers session-end (40 new lines)" 0 0 \
		./clankers --data-root "$root/t-$shape" session-end --transcript "$file"
	measure "clankers session-end (nothing new)" 0 0 \
		./clankers --data-root "$root/t-$shape" session-end --transcript "$file"
done
[ -n "$ccusage" ] || echo "  (ccusage not measured: $(cat "$root/ccusage.err"))"

# Hook overhead as the client sees it: the scripted basic session of
# test/t-e2e.sh (the real Claude Code against the mock API, test/e2e/), its
# wall time with the hooks `clankers install claude` writes against the
# same session with no hooks. Runs alternate between the two, so that a
# slow moment of the machine falls on both. E2E_RUNS=... sets the runs.
echo
runs=${E2E_RUNS:-5}
if ! CLAUDE=$(sh test/claude.sh 2>"$root/claude.err"); then
	echo "Claude Code end to end: not measured: $(cat "$root/claude.err")"
elif ! command -v python3 >/dev/null 2>&1; then
	echo "Claude Code end to end: not measured: python3 not found (it runs the mock API)"
else
	TOP=$(pwd)
	. test/e2e/session.sh
	echo "Claude Code $("$CLAUDE" --version </dev/null | cut -d' ' -f1) end to end: the scripted basic session, $runs runs each, median wall time"
	e2e_project "$root/e2e/work"
	for h in none hooks; do
		(HOME=$root/e2e/$h && e2e_settings)
	done
	HOME=$root/e2e/hooks ./clankers install claude >/dev/null
	mock_start "$root/e2e" basic
	i=0
	while [ $i -lt "$runs" ]; do
		for h in none hooks; do
			t0=$(date +%s%N)
			(
				HOME=$root/e2e/$h CLANKERS_DATA_PATH=$root/e2e/data
				claude_run "$root/e2e/$h-$i" -p "run echo" --output-format json
			)
			t1=$(date +%s%N)
			[ "$(cat "$root/e2e/$h-$i.rc")" = 0 ] ||
				echo "  run $i with $h: claude exited $(cat "$root/e2e/$h-$i.rc"): $(head -c 200 "$root/e2e/$h-$i.err")"
			echo $(((t1 - t0) / 1000000)) >>"$root/e2e/$h.ms"
		done
		i=$((i + 1))
	done
	mock_stop
	med() { sort -n "$1" | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
	none_ms=$(med "$root/e2e/none.ms")
	hooks_ms=$(med "$root/e2e/hooks.ms")
	per=$(($(cat "$root"/e2e/data/clankers-*.jsonl | wc -l) / runs))
	own=$(jq -r '.duration_us' "$root"/e2e/data/clankers-*.jsonl |
		awk -v r="$runs" '{ s += $1 } END { printf "%.0f", s / r / 1000 }')
	echo "  no hooks                              ${none_ms} ms"
	echo "  clankers hooks ($per runs a session)    ${hooks_ms} ms   $(ratio "$hooks_ms" "$none_ms")x no hooks"
	echo "  the hooks' own time (duration_us)     ${own} ms a session, on average"
fi
