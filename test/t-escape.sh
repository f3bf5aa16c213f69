#!/bin/sh
# Stored text is untrusted: sessions whose id, title and model hold a CSI
# (ESC [31m), an OSC 52 clipboard write (ESC ] 52;c;... BEL), a C1 CSI
# (U+009B), a bidi override (U+202E) and DEL. session-end's summary,
# report's table and its "names several sessions" message, and query's
# table show them escaped, none of those bytes raw; query --format tsv and
# csv stay byte-exact.
. "$(dirname "$0")/lib.sh"

export NO_COLOR=1
ESC=$(printf '\033') BEL=$(printf '\007') DEL=$(printf '\177')
C1=$(printf '\302\233') RLO=$(printf '\342\200\256')
# The SQL of the same characters.
E="char(27)" B="char(7)" K="char(155)" R="char(8238)" D="char(127)"
ESCAPED='\x1b[31m\u009b\u202e\x7f'

# clean FILE: none of ESC, BEL, DEL, C1 (raw byte 0x80..0x9f as UTF-8 or
# alone) or U+202E in FILE.
clean() {
	! LC_ALL=C grep -q "[$ESC$BEL$DEL]" "$1" &&
	! LC_ALL=C grep -q "$(printf '\302[\200-\237]')" "$1" &&
	! LC_ALL=C grep -q "$RLO" "$1" &&
	! LC_ALL=C grep -q "$(printf '\342\201[\246-\251]')" "$1"
}
# has FILE TEXT: TEXT (fixed string) is in FILE.
has() { LC_ALL=C grep -qF -- "$2" "$1"; }

fresh
# A transcript whose title and model hold every one of them; its session id
# is a plain one (the reader keeps ids as written).
SID=esc-session-1
T=$TMP/t.jsonl
cat >"$T" <<EOT
{"type":"user","message":{"role":"user","content":"hi \u001b]52;c;aGVsbG8=\u0007"},"uuid":"u1","timestamp":"2026-11-24T16:33:01.573Z","cwd":"/tmp/w","sessionId":"$SID","version":"2.1.197"}
{"type":"assistant","message":{"id":"msg_1","role":"assistant","model":"mod\u001b[31m\u009b\u202e\u007fel","content":[{"type":"text","text":"ok"}],"usage":{"input_tokens":10,"output_tokens":5}},"uuid":"a1","parentUuid":"u1","timestamp":"2026-11-24T16:33:02.573Z","cwd":"/tmp/w","sessionId":"$SID"}
{"type":"custom-title","customTitle":"t \u001b]52;c;aGVsbG8=\u0007 \u001b[31m\u009b\u202e\u007f","sessionId":"$SID"}
EOT
run session-end --transcript "$T"
is "session-end: exit 0" 0 "$RC"
ok "session-end: the stored title and model are there, raw" \
	test "$(q "SELECT title = 't ' || $E || ']52;c;aGVsbG8=' || $B || ' ' || $E || '[31m' || $K || $R || $D
	    AND model = 'mod' || $E || '[31m' || $K || $R || $D || 'el' FROM sessions WHERE id = '$SID'")" = 1
ok "session-end: no ESC, BEL, DEL, C1 or bidi control on stdout" clean "$OUT"
ok "session-end: the title escaped" has "$OUT" "  title: t \\x1b]52;c;aGVsbG8=\\x07 $ESCAPED"
ok "session-end: the models escaped" has "$OUT" "  models: mod${ESCAPED}el"
ok "session-end: the unpriced model escaped" has "$OUT" "(no price for mod${ESCAPED}el)"

# Sessions whose ids hold them too, with the same title and model.
q "INSERT INTO sessions (id, source, title, model, project_name, project_path, created_at, updated_at)
     SELECT 'ev' || $E || '[31m' || $K || $R || $D || '-' || x, 'claude-code',
       'osc ' || $E || ']52;c;aGVsbG8=' || $B || ' ' || $E || '[31m' || $K || $R || $D,
       'm' || $E || '[31m' || $K || $R || $D, 'p', '/tmp/p', 1764000000000 + n, 1764000000000 + n
     FROM (SELECT 'a' AS x, 1 AS n UNION ALL SELECT 'b', 2);
   INSERT INTO messages (id, session_id, role, model, source, input_tokens, created_at)
     SELECT 'm-' || rowid, id, 'assistant', model, 'claude-code', 5, created_at
     FROM sessions WHERE id LIKE 'ev%'"

run report --by session --section usage
is "report: exit 0" 0 "$RC"
ok "report: no ESC, BEL, DEL, C1 or bidi control in the table" clean "$OUT"
# The session column: 8 bytes of the id, cut before U+009B (whole characters).
ok "report: the session column escaped" has "$OUT" 'ev\x1b[31m  osc '
ok "report: the title escaped" has "$OUT" 'osc \x1b]52;c;aGVsbG8=\x07 \x1b[31m\u009b\u202e'"$(printf '\342\200\246')"

run report --session "ev$ESC"
is "report --session prefix of two: exit 1" 1 "$RC"
ok "report --session: no ESC, BEL, DEL, C1 or bidi control in the message" clean "$ERR"
ok "report --session: the argument and both ids escaped" test "$(cat "$ERR")" = \
	"$(printf '%s\n' "clankers: report: 'ev\\x1b' names several sessions:" \
	    "  ev$ESCAPED-a" "  ev$ESCAPED-b")"

run report --session "ev$ESC[31m${C1}${RLO}${DEL}-a" --section usage
is "report --session one id: exit 0" 0 "$RC"
ok "report --session one id: the header escaped" has "$OUT" "  session ev$ESCAPED-a"
ok "report --session one id: nothing raw" clean "$OUT"

SQL="SELECT id, title, model FROM sessions WHERE id LIKE 'ev%' ORDER BY id"
run query --format table "$SQL"
is "query table: exit 0" 0 "$RC"
ok "query table: no ESC, BEL, DEL, C1 or bidi control" clean "$OUT"
ok "query table: id, title and model escaped" \
	has "$OUT" "ev$ESCAPED-a  osc \\x1b]52;c;aGVsbG8=\\x07 $ESCAPED  m$ESCAPED"

run query --format table "SELECT no_such$ESC[31m"
ok "query error: the SQL quoted escaped" clean "$ERR"

# The formats for programs keep every byte, as documented.
run query --format tsv "$SQL"
is "query tsv: byte-exact" \
	"$(printf 'id\ttitle\tmodel\nev%s-a\t%s\tm%s\nev%s-b\t%s\tm%s' \
	    "$ESC[31m$C1$RLO$DEL" "osc $ESC]52;c;aGVsbG8=$BEL $ESC[31m$C1$RLO$DEL" "$ESC[31m$C1$RLO$DEL" \
	    "$ESC[31m$C1$RLO$DEL" "osc $ESC]52;c;aGVsbG8=$BEL $ESC[31m$C1$RLO$DEL" "$ESC[31m$C1$RLO$DEL")" \
	"$(cat "$OUT")"
run query --format csv "SELECT title FROM sessions WHERE id LIKE 'ev%-a'"
is "query csv: byte-exact" \
	"$(printf 'title\r\nosc %s]52;c;aGVsbG8=%s %s[31m%s%s%s\r' "$ESC" "$BEL" "$ESC" "$C1" "$RLO" "$DEL")" \
	"$(cat "$OUT")"

finish
