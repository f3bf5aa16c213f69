#!/bin/sh
# test/t-spool.sh: a hook that cannot write the database in its time budget
# (write lock held, corrupt file, newer schema) keeps the event in the spool,
# exits 0 and says so; the next invocation that can write ingests the spool
# first, once per event, in arrival order, with each event's own time.
. "$(dirname "$0")/lib.sh"

# Under a permissive umask, the modes of the spool are clankers' own doing.
umask 022

SINGLE=$FIX/claude/hooks/single
SID=11111111-2222-3333-4444-555555555555

# payload OUT FIXTURE TOOL_USE_ID: the fixture with our session and tool id.
payload() {
	jq -c --arg s "$SID" --arg t "$3" \
	    '.session_id = $s | if has("tool_use_id") then .tool_use_id = $t else . end' \
	    "$SINGLE/$2" >"$1"
}
payload "$TMP/stop.json" Stop.seeknal-2026-02.json -
payload "$TMP/prompt.json" UserPromptSubmit.seeknal-2026-02.json -
for id in t1 t2 t3; do
	payload "$TMP/pre-$id.json" PreToolUse-Bash.seeknal-2026-02.json "call_$id"
	payload "$TMP/post-$id.json" PostToolUse-Bash.seeknal-2026-02.json "call_$id"
done

# The spool's event files, sorted (arrival order), one a line.
events() { ls "$ROOT/spool" 2>/dev/null | grep '\.event$'; }
nevents() { events | wc -l | tr -d ' '; }
# Everything in the spool folder but temporary files.
spool_all() { ls -A "$ROOT/spool" 2>/dev/null; }
hdr() { head -n 1 "$1" | jq -r ".$2"; }
mode() { stat -c %a "$1" 2>/dev/null || stat -f %Lp "$1"; }
# Log lines of one component and message, as compact JSON.
logged() { log_lines | jq -c --arg m "$1" 'select(.message == $m)'; }
# The schema version clankers writes (PRAGMA user_version of a new db).
set_version() { q "PRAGMA user_version = $1"; }

# ---------------------------------------------------------------- (a)
# The write lock held by another process: the hook spools, then the next
# hook ingests it with the event's own receive time.
fresh
hook Stop "$TMP/stop.json"
is "a: first hook creates the database" "0 1" "$RC $(q 'SELECT count(*) FROM hook_events')"
VERSION=$(q 'PRAGMA user_version')

hold_db ".timeout 5000
BEGIN IMMEDIATE;"
probe=$(sqlite3 "$DB" 'BEGIN IMMEDIATE;' 2>&1)
case $probe in
*locked*) pass "a: another process holds the write lock" ;;
*) fail "a: another process holds the write lock (probe said: $probe; shell: $(cat "$HELD_OUT"))" ;;
esac

# A short budget for this one hook; the suite's own (a long one under
# valgrind, see lib.sh) for the rest.
budget=${CLANKERS_TIMEOUT_MS-}
export CLANKERS_TIMEOUT_MS=200
hook PreToolUse "$TMP/pre-t1.json"
if [ -n "$budget" ]; then CLANKERS_TIMEOUT_MS=$budget; else unset CLANKERS_TIMEOUT_MS; fi
is "a: hook exits 0 while the database is locked" 0 "$RC"
ok "a: stderr says the event was spooled" grep -q spooled "$ERR"
ok "a: stderr says the database is locked" grep -q locked "$ERR"
line=$(log_lines | tail -n 1)
is "a: log line is warn, outcome spooled" "warn spooled PreToolUse" \
    "$(printf '%s' "$line" | jq -r '"\(.level) \(.outcome) \(.event)"')"
is "a: exactly one .event file in the spool" 1 "$(nevents)"
f=$ROOT/spool/$(events | head -n 1)
is "a: spool folder is mode 0700" 700 "$(mode "$ROOT/spool")"
is "a: spool file is mode 0600" 600 "$(mode "$f")"
is "a: spool header names the event and the log line's invocation" \
    "PreToolUse $(printf '%s' "$line" | jq -r .invocation)" \
    "$(hdr "$f" event) $(hdr "$f" invocation)"
is "a: spool header version 2 names the agent and its context" \
    "2 claude -1" "$(hdr "$f" v) $(hdr "$f" agent) $(hdr "$f" context.transcript_size)"
tail -n +2 "$f" >"$TMP/spooled-payload"
ok "a: spool file holds the payload as received" cmp -s "$TMP/pre-t1.json" "$TMP/spooled-payload"
is "a: no tools row while locked" 0 "$(q "SELECT count(*) FROM tools WHERE id = 'call_t1'")"
SPOOLED_AT=$(hdr "$f" received_at)
SPOOLED_INV=$(hdr "$f" invocation)
is "a: no hook_events row while locked" 0 \
    "$(q "SELECT count(*) FROM hook_events WHERE invocation = '$SPOOLED_INV'")"

printf 'COMMIT;\n' >&3
release_db
is "a: lock holder committed and exited" "0 " "$HELD_RC $(cat "$HELD_OUT")"

hook Stop "$TMP/stop.json"
is "a: next hook exits 0 and stores its own event" "0 stored" \
    "$RC $(log_lines | tail -n 1 | jq -r .outcome)"
is "a: tools row appears, still running" "Bash running" \
    "$(q "SELECT tool_name, status FROM tools WHERE id = 'call_t1'" | tr '|' ' ')"
is "a: started_at is the spooled event's receive time" "$SPOOLED_AT" \
    "$(q "SELECT started_at FROM tools WHERE id = 'call_t1'")"
is "a: hook_events row is spooled=1 with the spooled receive time" "1 $SPOOLED_AT PreToolUse" \
    "$(q "SELECT spooled, received_at, event FROM hook_events WHERE invocation = '$SPOOLED_INV'" | tr '|' ' ')"
is "a: the ingesting hook's own row is not spooled and later" "0 1" \
    "$(q "SELECT spooled, received_at > $SPOOLED_AT FROM hook_events WHERE event = 'Stop' ORDER BY id DESC LIMIT 1" | tr '|' ' ')"
is "a: spool has no .event files left" 0 "$(nevents)"
is "a: spool has nothing else left" "" "$(spool_all)"
is "a: info log line 'ingested spooled event' for the spooled invocation" "info $SPOOLED_INV" \
    "$(logged 'ingested spooled event' | jq -r '"\(.level) \(.invocation)"')"
is "a: session counts its one tool" 1 "$(q "SELECT tool_call_count FROM sessions WHERE id = '$SID'")"

# ---------------------------------------------------------------- (b)
# A corrupt database: the hook spools, leaves the file alone, and nothing is
# lost once the file is moved aside.
fresh
hook Stop "$TMP/stop.json"
# The whole database corrupt: a WAL left beside it could hold every page,
# and SQLite would read them from there, so it goes too.
rm -f "$DB-wal" "$DB-shm"
yes 'this is not an SQLite database, just text' | head -c 8192 >"$DB"
cp "$DB" "$TMP/garbage"
hook PreToolUse "$TMP/pre-t1.json"
is "b: hook on a corrupt database exits 0" 0 "$RC"
ok "b: stderr says spooled" grep -q spooled "$ERR"
is "b: log line warn, outcome spooled" "warn spooled" \
    "$(log_lines | tail -n 1 | jq -r '"\(.level) \(.outcome)"')"
is "b: one .event file in the spool" 1 "$(nevents)"
hook PostToolUse "$TMP/post-t1.json"
is "b: a second hook spools too" "0 2" "$RC $(nevents)"
ok "b: the corrupt file is left as it was" cmp -s "$TMP/garbage" "$DB"
mv "$DB" "$DB.broken"
rm -f "$DB-wal" "$DB-shm"
hook Stop "$TMP/stop.json"
is "b: with the file moved aside, the next hook stores" "0 stored" \
    "$RC $(log_lines | tail -n 1 | jq -r .outcome)"
is "b: both spooled events ingested into one ok row" "ok 1" \
    "$(q "SELECT status, duration_ms IS NOT NULL FROM tools WHERE id = 'call_t1'" | tr '|' ' ')"
is "b: spool empty" "" "$(spool_all)"

# ---------------------------------------------------------------- (c)
# A database from a newer clankers: refused, not touched, spooled.
fresh
hook PreToolUse "$TMP/pre-t1.json"
set_version 999
q .dump >"$TMP/dump-before"
hook PostToolUse "$TMP/post-t1.json"
is "c: hook on a newer schema exits 0" 0 "$RC"
ok "c: stderr says the schema is newer" grep -q newer "$ERR"
ok "c: stderr says spooled" grep -q spooled "$ERR"
is "c: log line warn spooled, error says newer" "warn spooled true" \
    "$(log_lines | tail -n 1 | jq -r '"\(.level) \(.outcome) \(.error.message | test("newer"))"')"
is "c: one .event file in the spool" 1 "$(nevents)"
q .dump >"$TMP/dump-after"
ok "c: tables and rows unchanged" cmp -s "$TMP/dump-before" "$TMP/dump-after"
is "c: schema version still 999" 999 "$(q 'PRAGMA user_version')"
is "c: tool still running, one hook_events row" "running 1" \
    "$(q "SELECT status, (SELECT count(*) FROM hook_events) FROM tools WHERE id = 'call_t1'" | tr '|' ' ')"
set_version "$VERSION"
hook Stop "$TMP/stop.json"
is "c: back at a known version, the spooled Post is ingested" "ok 1" \
    "$(q "SELECT status, (SELECT count(*) FROM hook_events WHERE spooled = 1) FROM tools WHERE id = 'call_t1'" | tr '|' ' ')"

# ---------------------------------------------------------------- (d)
# A spool file ingested twice changes nothing the second time.
fresh
hook Stop "$TMP/stop.json"
set_version 999
hook PreToolUse "$TMP/pre-t1.json"
f=$(events | head -n 1)
cp "$ROOT/spool/$f" "$TMP/copy.event"
INV=$(hdr "$TMP/copy.event" invocation)
set_version "$VERSION"
hook PostToolUse "$TMP/post-t1.json"
q 'SELECT * FROM tools' >"$TMP/tools-before"
is "d: spooled Pre and stored Post make one ok row" "ok 3" \
    "$(q "SELECT status, (SELECT count(*) FROM hook_events) FROM tools WHERE id = 'call_t1'" | tr '|' ' ')"
cp "$TMP/copy.event" "$ROOT/spool/$f"
hook Stop "$TMP/stop.json"
is "d: hook after the copy is put back exits 0, stored" "0 stored" \
    "$RC $(log_lines | tail -n 1 | jq -r .outcome)"
is "d: still one tools row" 1 "$(q 'SELECT count(*) FROM tools')"
q 'SELECT * FROM tools' >"$TMP/tools-after"
ok "d: the tools row is unchanged (still ok, same times)" cmp -s "$TMP/tools-before" "$TMP/tools-after"
is "d: one hook_events row for the spooled invocation" 1 \
    "$(q "SELECT count(*) FROM hook_events WHERE invocation = '$INV'")"
is "d: hook_events counts each invocation once" 4 "$(q 'SELECT count(*) FROM hook_events')"
is "d: the repeated file is gone from the spool" "" "$(spool_all)"

# ---------------------------------------------------------------- (e)
# A claim left by a dead process is taken back; a live one is left alone.
fresh
hook Stop "$TMP/stop.json"
set_version 999
hook PreToolUse "$TMP/pre-t1.json"
hook PreToolUse "$TMP/pre-t2.json"
set_version "$VERSION"
f1=$(events | sed -n 1p)
f2=$(events | sed -n 2p)
INV1=$(hdr "$ROOT/spool/$f1" invocation)
INV2=$(hdr "$ROOT/spool/$f2" invocation)
sh -c 'exit 0' &
dead=$!
wait "$dead"
if kill -0 "$dead" 2>/dev/null; then
	fail "e: pid $dead is dead"
fi
sleep 600 &
live=$!
mv "$ROOT/spool/$f1" "$ROOT/spool/$f1.claim-$dead"
mv "$ROOT/spool/$f2" "$ROOT/spool/$f2.claim-$live"
hook Stop "$TMP/stop.json"
is "e: hook exits 0, stored" "0 stored" "$RC $(log_lines | tail -n 1 | jq -r .outcome)"
is "e: the dead process's claim was ingested" "running 1" \
    "$(q "SELECT status, (SELECT spooled FROM hook_events WHERE invocation = '$INV1') FROM tools WHERE id = 'call_t1'" | tr '|' ' ')"
is "e: the live process's claim was left alone" "0 $f2.claim-$live" \
    "$(q "SELECT count(*) FROM hook_events WHERE invocation = '$INV2'") $(spool_all)"
kill "$live"
wait "$live" 2>/dev/null
hook Stop "$TMP/stop.json"
is "e: once its process is gone, that claim is ingested too" "1 call_t2" \
    "$(q "SELECT spooled, tool_use_id FROM hook_events WHERE invocation = '$INV2'" | tr '|' ' ')"
is "e: spool empty" "" "$(spool_all)"

# ---------------------------------------------------------------- (f)
# Unreadable spool files are set aside as .bad; the rest still go in.
fresh
hook Stop "$TMP/stop.json"
set_version 999
hook PreToolUse "$TMP/pre-t1.json"
hook PreToolUse "$TMP/pre-t2.json"
hook PreToolUse "$TMP/pre-t3.json"
set_version "$VERSION"
f1=$(events | sed -n 1p)
f2=$(events | sed -n 2p)
f3=$(events | sed -n 3p)
INV3=$(hdr "$ROOT/spool/$f3" invocation)
# f1: a header that is not JSON; f2: JSON without an invocation.
{ printf '{"v":1,"event":"PreToolUse",\n'; tail -n +2 "$ROOT/spool/$f1"; } >"$TMP/x" &&
    mv "$TMP/x" "$ROOT/spool/$f1"
{ head -n 1 "$ROOT/spool/$f2" | jq -c 'del(.invocation)'; tail -n +2 "$ROOT/spool/$f2"; } >"$TMP/x" &&
    mv "$TMP/x" "$ROOT/spool/$f2"
hook Stop "$TMP/stop.json"
is "f: hook exits 0, stored" "0 stored" "$RC $(log_lines | tail -n 1 | jq -r .outcome)"
is "f: broken files renamed .bad, nothing else left" "$(printf '%s\n%s' "$f1.bad" "$f2.bad")" "$(spool_all)"
is "f: the good file was ingested" "1 call_t3" \
    "$(q "SELECT spooled, tool_use_id FROM hook_events WHERE invocation = '$INV3'" | tr '|' ' ')"
is "f: only its tool row exists" "call_t3" "$(q 'SELECT id FROM tools')"
is "f: error log line for each unreadable file" "error error" \
    "$(logged 'cannot read spooled event' | jq -r .level | tr '\n' ' ' | sed 's/ $//')"
hook Stop "$TMP/stop.json"
is "f: .bad files are not retried" "0 2 $f1.bad" \
    "$RC $(logged 'cannot read spooled event' | wc -l | tr -d ' ') $(spool_all | head -n 1)"

# ---------------------------------------------------------------- (g)
# Spooled Pre and Post, replayed in arrival order, end in one ok row whose
# times are the events' own.
fresh
hook UserPromptSubmit "$TMP/prompt.json"
set_version 999
hook PreToolUse "$TMP/pre-t1.json"
hook PreToolUse "$TMP/pre-t2.json"
hook PostToolUse "$TMP/post-t1.json"
hook PostToolUse "$TMP/post-t2.json"
is "g: four events spooled" 4 "$(nevents)"
PRE_AT=$(hdr "$ROOT/spool/$(events | sed -n 1p)" received_at)
POST_AT=$(hdr "$ROOT/spool/$(events | sed -n 3p)" received_at)
order=$(for e in $(events); do hdr "$ROOT/spool/$e" event; done | tr '\n' ' ')
set_version "$VERSION"
hook Stop "$TMP/stop.json"
is "g: spooled events stored in arrival order" "$order" \
    "$(q 'SELECT event FROM hook_events WHERE spooled = 1 ORDER BY id' | tr '\n' ' ')"
is "g: Stop stored after them" "Stop 0" \
    "$(q 'SELECT event, spooled FROM hook_events ORDER BY id DESC LIMIT 1' | tr '|' ' ')"
is "g: each tool is one ok row with a duration" "call_t1 ok 1 1
call_t2 ok 1 1" \
    "$(q 'SELECT id, status, success, duration_ms IS NOT NULL FROM tools ORDER BY id' | tr '|' ' ')"
is "g: started_at and ended_at are the spooled events' times" \
    "$PRE_AT $POST_AT $((POST_AT - PRE_AT))" \
    "$(q "SELECT started_at, ended_at, duration_ms FROM tools WHERE id = 'call_t1'" | tr '|' ' ')"
is "g: session counts two tools, last event Stop" "2 Stop" \
    "$(q "SELECT tool_call_count, last_event FROM sessions WHERE id = '$SID'" | tr '|' ' ')"
is "g: spool empty" "" "$(spool_all)"
is "g: four ingest log lines" 4 "$(logged 'ingested spooled event' | wc -l | tr -d ' ')"

# ---------------------------------------------------------------- (h)
# A writer killed mid-write leaves .tmp-<invocation>: once it is older than
# a minute, a complete one is ingested and a cut one set aside as .bad,
# each with a warn line; a fresh one is left to its writer.
fresh
hook Stop "$TMP/stop.json"
mkdir -p "$ROOT/spool"
now=$(($(date +%s) * 1000))
{ printf '{"v":1,"event":"PreToolUse","invocation":"%032d","received_at":%s,"transcript_size":-1}\n' 1 "$now"; cat "$TMP/pre-t1.json"; } >"$ROOT/spool/.tmp-whole"
printf '{"v":1,"event":"PreTo' >"$ROOT/spool/.tmp-cut"
printf '{"v":1,"event":"PreTo' >"$ROOT/spool/.tmp-fresh"
touch -d '-2 minutes' "$ROOT/spool/.tmp-whole" "$ROOT/spool/.tmp-cut"
hook Stop "$TMP/stop.json"
is "h: a whole orphaned .tmp is ingested" "call_t1|running" "$(q 'SELECT id, status FROM tools')"
is "h: a cut one is set aside, a fresh one left alone" ".tmp-fresh 0000000000000-cut.event.bad" \
    "$(spool_all | sort | tr '\n' ' ' | sed 's/ $//')"
is "h: each take-back logged at warn" "2" \
    "$(log_lines | jq -c 'select(.level == "warn" and (.message | startswith("unfinished spool write")))' | wc -l | tr -d ' ')"

# ---------------------------------------------------------------- (i)
# A version 1 file (written before the header named its agent) is Claude
# Code's, its context at the top level; a header naming an agent this
# binary does not know is set aside, never taken for another's.
fresh
hook Stop "$TMP/stop.json"
mkdir -p "$ROOT/spool" "$TMP/proj-v1"
now=$(($(date +%s) * 1000))
jq -c '.session_id = "s-v1"' "$TMP/pre-t2.json" >"$TMP/pre-v1.json"
{ printf '{"v":1,"event":"PreToolUse","invocation":"%032d","received_at":%s,"transcript_size":-1,"project_dir":"%s"}\n' 7 "$now" "$TMP/proj-v1"; cat "$TMP/pre-v1.json"; } \
    >"$ROOT/spool/$now-v1.event"
{ printf '{"v":2,"agent":"nosuch","event":"PreToolUse","invocation":"%032d","received_at":%s,"context":{}}\n' 8 "$now"; cat "$TMP/pre-t3.json"; } \
    >"$ROOT/spool/$now-v2.event"
hook Stop "$TMP/stop.json"
is "i: a v1 file ingests as Claude Code's, with its project_dir" \
    "claude-code|$TMP/proj-v1|call_t2" \
    "$(q "SELECT s.source, s.project_path, t.id FROM sessions s JOIN tools t ON t.session_id = s.id WHERE s.id = 's-v1'")"
is "i: an unknown agent's event is set aside, not stored" "$now-v2.event.bad|0" \
    "$(spool_all | tr '\n' ' ' | sed 's/ $//')|$(q "SELECT count(*) FROM tools WHERE id = 'call_t3'")"

finish
