#!/bin/sh
# make bench, its import part: `clankers import claude` of a generated
# history, against its write floor (the rows it stored, copied by the
# sqlite3 shell into a new database of the same schema) and ccusage's one
# read of the same folder; a second import with nothing new; `clankers
# report` over the imported history against ccusage's daily, session and
# monthly reports (and their totals); and what a hook pays to read 40 new
# lines of a 100 MB session, or nothing new, against the hook floor
# (test/floor: open the database, insert one row).
# Not a test. IMPORT_MB=... sets the history's size (default 1000),
# IMPORT_FILES=... the least number of session files (default 2000).
set -eu
cd "$(dirname "$0")/.."
MB=${IMPORT_MB:-1000}
NF=${IMPORT_FILES:-2000}
root=$(mktemp -d "${TMPDIR:-/tmp}/clankers-bench-import.XXXXXX")
trap 'rm -rf "$root"' EXIT
H=$root/claude
P=$H/projects
TR=test/fixtures/transcripts
SPOT_DIR=$TR/spotter-2.1.39/projects/-home-USER-projects-spotter-worktrees-spotter-dov
SPOT=4d5611e5-241a-462a-8d15-5122611a9569
SUB_DIR=$TR/e2e/subagent
SUB=f87458f2-5bf3-406a-add9-e71fd29f2481

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }

# The sources, real transcripts of four client versions: sessions with
# their subagent files, and sessions without. Not spotter-2.1.38's
# subagent.jsonl: its responses seen only in progress lines are a known
# difference with ccusage (test/t-ccusage.sh), and totals must match here.
small() {  # small I: the I-th (mod 6) of the smaller sources, without .jsonl
	case $(($1 % 6)) in
	0) echo "$TR/claude-code-viewer-1.0.98/fe5e1c67-53e7-4862-81ae-d0e013e3270b" ;;
	1) echo "$TR/spotter-2.1.38/tool_heavy" ;;
	2) echo "$SUB_DIR/$SUB" ;;
	3) echo "$TR/claude-code-viewer-1.0.98/1af7fc5e-8455-4414-9ccd-011d40f70b2a" ;;
	4) echo "$TR/spotter-2.1.38/short" ;;
	5) echo "$TR/e2e/basic/a125bd5f-b2e1-42db-87ce-1ce0974290de" ;;
	esac
}
# Each copy k of a source: every id made its own (responses, requests,
# tools, prompts), a session id of its own as the file's name, in one of
# 40 project folders. The 3 MB session (with its two subagent files) is
# copied whenever the files so far are below the mean size asked, the
# smaller ones in turn otherwise.
echo
echo "import of a generated history (IMPORT_MB=$MB, IMPORT_FILES=$NF)"
t0=$(date +%s)
k=0 bytes=0
rewrite() {  # rewrite K SRC OUT
	sed -e "s/\"msg_/\"msg_k$1x/g; s/\"req_/\"req_k$1x/g; s/\"toolu_/\"toolu_k$1x/g" \
		-e "s/\"uuid\":\"/\"uuid\":\"k$1x/g; s/Uuid\":\"/Uuid\":\"k$1x/g" "$2" >"$3"
}
mean=$((MB * 1000000 / NF))
while [ $bytes -lt $((MB * 1000000)) ] || [ $k -lt "$NF" ]; do
	k=$((k + 1))
	if [ $bytes -lt $((k * mean)) ]; then
		src=$SPOT_DIR/$SPOT
	else
		src=$(small $k)
	fi
	sid=$(printf '%08x-b000-4000-8000-%012x' $k $k)
	d=$P/-home-u-src-project$((k % 40))
	mkdir -p "$d"
	rewrite $k "$src.jsonl" "$d/$sid.jsonl"
	bytes=$((bytes + $(wc -c <"$d/$sid.jsonl")))
	if [ -d "$src/subagents" ]; then
		mkdir -p "$d/$sid/subagents"
		for s in "$src"/subagents/*.jsonl; do
			rewrite $k "$s" "$d/$sid/subagents/$(basename "$s")"
			bytes=$((bytes + $(wc -c <"$d/$sid/subagents/$(basename "$s")")))
		done
	fi
done
t1=$(date +%s)
files=$(find "$P" -name '*.jsonl' | wc -l)
subs=$(find "$P" -path '*/subagents/*' -name '*.jsonl' | wc -l)
total=$(du -sb "$P" | cut -f1)
echo "  $((total / 1000000)) MB in $files files ($k sessions, $subs subagent files, 40 projects), made in $((t1 - t0)) s"
cat $(find "$P" -name '*.jsonl') >/dev/null  # in the page cache for every reader

ccusage=$(sh test/ccusage.sh 2>"$root/ccusage.err") || ccusage=
mkdir -p "$root/cchome"
# run LABEL BASE_US COMMAND...: one line with time, peak memory, ratio to BASE.
run() {
	label=$1 base=$2
	shift 2
	set -- $(./test/rss "$@")
	awk -v l="$label" -v us="$1" -v kb="$2" -v base="$base" -v rc="$3" -v cpu="$4" 'BEGIN {
		printf "  %-44s %9.0f ms %9.0f ms CPU %7.1f MB peak", l, us / 1000, cpu / 1000, kb / 1024
		if (base > 0) printf "  %8.3fx", us / base
		if (rc != 0) printf "  (exit %d)", rc
		printf "\n" }'
	last_us=$1 last_cpu=$4
}
cc() { HOME=$root/cchome XDG_CONFIG_HOME=$root/cchome/.config CLAUDE_CONFIG_DIR=$H "$ccusage" "$@"; }

ccu_us=0
if [ -n "$ccusage" ]; then
	run "ccusage daily --offline" 0 sh -c 'HOME=$1/cchome XDG_CONFIG_HOME=$1/cchome/.config CLAUDE_CONFIG_DIR=$2 "$3" daily --offline --json' \
		sh "$root" "$H" "$ccusage"
	ccu_us=$last_us ccu_cpu=$last_cpu
fi
export HOME=$root/home CLANKERS_DATA_PATH=$root/data
mkdir -p "$HOME"
run "clankers import claude (first)" 0 ./clankers import claude "$H"
import_us=$last_us import_cpu=$last_cpu
db=$root/data/clankers.db
# The write floor: the rows the import stored, copied by the sqlite3 shell
# in one transaction into a new database of the same schema.
./clankers --data-root "$root/floor" hook SessionStart \
	<test/fixtures/claude/hooks/single/SessionStart-resume.attio-2025-08.json
{
	echo "PRAGMA synchronous=NORMAL; PRAGMA temp_store=MEMORY;"
	echo "ATTACH '$db' AS src; BEGIN;"
	for t in sessions messages tools transcript_files; do
		c=$(sqlite3 "$db" "SELECT group_concat(name, ',') FROM pragma_table_info('$t')")
		echo "INSERT INTO $t ($c) SELECT $c FROM src.$t;"
	done
	echo "COMMIT;"
} >"$root/copy.sql"
run "sqlite3 copying the same rows (write floor)" 0 sqlite3 "$root/floor/clankers.db" ".read $root/copy.sql"
floor_us=$last_us floor_cpu=$last_cpu
run "clankers import claude (nothing new)" "$import_us" ./clankers import claude "$H"
echo "  the import: $(ratio "$import_us" "$floor_us")x its write floor$([ "$ccu_us" = 0 ] || echo ", $(ratio "$import_us" "$ccu_us")x ccusage's one read"); the second: $(awk -v a="$last_us" -v b="$import_us" 'BEGIN { printf "%.2f", 100 * a / b }')% of the first"
echo "  in CPU time: $(ratio "$import_cpu" "$floor_cpu")x its write floor$([ "$ccu_us" = 0 ] || echo ", $(ratio "$import_cpu" "$ccu_cpu")x ccusage's")"
echo "  ($(sqlite3 "$db" "SELECT (SELECT count(*) FROM sessions) || ' sessions, ' || (SELECT count(*) FROM messages) || ' messages, ' || (SELECT count(*) FROM tools) || ' tool calls'"), $(($(wc -c <"$db") / 1000000)) MB database)"

# Reports over the imported history against ccusage's over the files.
echo " reports (best of 3)"
best() {  # best LABEL BASE_US COMMAND...
	label=$1 base=$2
	shift 2
	b=0
	for i in 1 2 3; do
		set -- $(./test/rss "$@") "$@"
		[ "$b" != 0 ] && [ "$1" -ge "$b" ] || b=$1
		shift 4
	done
	awk -v l="$label" -v us="$b" -v base="$base" 'BEGIN {
		printf "  %-44s %9.1f ms", l, us / 1000
		if (base > 0) printf "   ccusage %.0fx slower", base / us
		printf "\n" }'
	best_us=$b
}
for pair in "report:daily" "report --by day:daily" "report --by session:session" "report --by day:monthly"; do
	ours=${pair%%:*} theirs=${pair#*:}
	cu=0
	if [ -n "$ccusage" ]; then
		best "ccusage $theirs --offline" 0 sh -c 'HOME=$1/cchome XDG_CONFIG_HOME=$1/cchome/.config CLAUDE_CONFIG_DIR=$2 "$3" "$4" --offline --json' \
			sh "$root" "$H" "$ccusage" "$theirs"
		cu=$best_us
	fi
	best "clankers $ours" "$cu" ./clankers $ours
done
if [ -n "$ccusage" ]; then
	cc daily --offline --json | jq -r '.totals | "\(.inputTokens) \(.outputTokens) \(.cacheCreationTokens) \(.cacheReadTokens) \(.totalCost * 100 | round / 100)"' >"$root/cc.tot"
	./clankers report --json --section usage | jq -r '.usage.total | "\(.input_tokens) \(.output_tokens) \(.cache_creation_input_tokens) \(.cache_read_input_tokens) \(.cost_usd * 100 | round / 100)"' >"$root/ours.tot"
	if cmp -s "$root/cc.tot" "$root/ours.tot"; then
		echo "  totals equal (input, output, cache write, cache read, cost): $(cat "$root/ours.tot")"
	else
		echo "  totals DIFFER: ccusage $(cat "$root/cc.tot"), clankers $(cat "$root/ours.tot")"
	fi
else
	echo "  (ccusage not measured: $(cat "$root/ccusage.err"))"
fi

# A hook's incremental read: a 100 MB session read once, then Stop hooks
# with 40 new lines each, and with nothing new, against the hook floor.
echo " a hook's read of a 100 MB session (median of 15)"
big_dir=$root/big/projects/-home-u-big
mkdir -p "$big_dir"
bf=$big_dir/00000000-b000-4000-8000-00000000beef.jsonl
i=0
: >"$bf"
while [ "$(wc -c <"$bf")" -lt 100000000 ]; do
	i=$((i + 1))
	rewrite "big$i" "$SPOT_DIR/$SPOT.jsonl" "$root/piece"
	cat "$root/piece" >>"$bf"
done
jq -c --arg p "$bf" '.transcript_path = $p | .session_id = "00000000-b000-4000-8000-00000000beef"' \
	test/fixtures/e2e/basic/1795537984455960558-Stop.json >"$root/stop.json"
./clankers --data-root "$root/hookdb" session-end --transcript "$bf" >/dev/null
./test/floor "$root/floor2.db" <"$root/stop.json" >/dev/null
med() {  # med N COMMAND...: median wall and CPU time in us, in $mw and $mc
	n=$1
	shift
	: >"$root/times"
	: >"$root/cpus"
	j=0
	while [ $j -lt "$n" ]; do
		j=$((j + 1))
		[ -z "${PRE:-}" ] || eval "$PRE"
		set -- $(./test/rss "$@" <"$root/stop.json") "$@"
		echo "$1" >>"$root/times"
		echo "$4" >>"$root/cpus"
		shift 4
	done
	mw=$(sort -n "$root/times" | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }')
	mc=$(sort -n "$root/cpus" | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }')
}
new_lines() {
	tail -n 40 "$SPOT_DIR/$SPOT.jsonl" | sed -e "s/\"msg_/\"msg_n${j}x/g; s/\"req_/\"req_n${j}x/g; s/\"toolu_/\"toolu_n${j}x/g" \
		-e "s/\"uuid\":\"/\"uuid\":\"n${j}x/g" >>"$bf"
}
med 15 ./test/floor "$root/floor2.db"
f_us=$mw f_cpu=$mc
PRE=new_lines
med 15 ./clankers --data-root "$root/hookdb" hook Stop
n_us=$mw n_cpu=$mc
PRE=
med 15 ./clankers --data-root "$root/hookdb" hook Stop
z_us=$mw z_cpu=$mc
ms() { awk -v us="$1" 'BEGIN { printf "%6.1f ms", us / 1000 }'; }
echo "                                                  wall            CPU"
echo "  hook floor (open + insert one row)           $(ms "$f_us")   1.00x  $(ms "$f_cpu")   1.00x"
echo "  clankers hook Stop, 40 new lines             $(ms "$n_us")   $(ratio "$n_us" "$f_us")x  $(ms "$n_cpu")   $(ratio "$n_cpu" "$f_cpu")x"
echo "  clankers hook Stop, nothing new              $(ms "$z_us")   $(ratio "$z_us" "$f_us")x  $(ms "$z_cpu")   $(ratio "$z_cpu" "$f_cpu")x"
echo "  (the 40-line hooks read $(jq -s '[.[] | select(.component == "hook" and .event == "Stop") | .transcript.lines // 0] | add' "$root"/hookdb/clankers-*.jsonl) lines in all)"
