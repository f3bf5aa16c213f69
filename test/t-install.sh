#!/bin/sh
# clankers install / uninstall claude: which settings file, what a fresh
# install writes, merging with the user's settings and hooks, an older
# clankers entry updated rather than doubled, --shell, --dry-run, files
# refused and left untouched, backups, uninstall, and the plugin's
# hooks/hooks.json kept equal to what install writes.
. "$(dirname "$0")/lib.sh"

unset CLAUDE_CONFIG_DIR
# The path install must write: this binary, its folder resolved.
SELF=$(cd "$(dirname "$CLANKERS")" && pwd -P)/clankers
EVENTS="SessionStart Setup UserPromptSubmit UserPromptExpansion PreToolUse
PermissionRequest PermissionDenied PostToolUse PostToolUseFailure PostToolBatch
Notification SubagentStart SubagentStop TaskCreated TaskCompleted Stop
StopFailure TeammateIdle InstructionsLoaded ConfigChange CwdChanged
DirectoryAdded FileChanged PreCompact PostCompact PreModelSwitch
PostModelSwitch Elicitation ElicitationResult SessionEnd"
EVENTS=$(echo $EVENTS)

# Registered events, in file order.
events() { jq -r '.hooks | keys_unsorted | join(" ")' "$1"; }
# Our handlers (exec or shell form, any path) per event: "Stop:1 ...".
ours() {
	jq -r '.hooks | to_entries | map("\(.key):\([.value[].hooks[]
		| select((.command | test("(^|/)clankers$")) and .args[0] == "hook"
		    or (.command | test("^\u0027?([^ ]*/)?clankers\u0027? hook ")))] | length)")
		| join(" ")' "$1"
}
# Size, modification time (ns) and bytes' checksum: unchanged means untouched.
state() { [ -e "$1" ] && echo "$(stat -c '%s %y' "$1") $(cksum <"$1")" || echo absent; }
# What Claude Code reads: per event, matcher groups of command handlers.
shape_ok() {
	jq -e '.hooks | to_entries | all(.value | type == "array" and all(.[];
		(.hooks | type) == "array" and all(.hooks[]; .type == "command"
		and (.command | type) == "string")))' "$1" >/dev/null
}
ones() { for e in $EVENTS; do printf '%s:1 ' "$e"; done | sed 's/ $//'; }
sorted() { tr ' ' '\n' | sort | tr '\n' ' ' | sed 's/ $//'; }

# --- a fresh install: user settings in ~/.claude ---
fresh
S=$HOME/.claude/settings.json
run install claude
is "install into a missing file exits 0 and says so" \
	"0|clankers: registered 30 events in '$S' (30 added); new file" "$RC|$(cat "$OUT")"
is "every event once, in claude.c's order" "$EVENTS" "$(events "$S")"
is "one handler of ours per event" "$(ones)" "$(ours "$S")"
is "exec form: this binary by its absolute path, args hook EVENT, timeout 10" 30 \
	"$(jq --arg self "$SELF" '[.hooks | to_entries[] | select(.value == [{hooks: [{type: "command",
		command: $self, args: ["hook", .key], timeout: 10}]}])] | length' "$S")"
ok "the shape Claude Code reads" shape_ok "$S"
is "not registered: MessageDisplay, WorktreeCreate, WorktreeRemove" "null null null" \
	"$(jq -r '[.hooks.MessageDisplay, .hooks.WorktreeCreate, .hooks.WorktreeRemove] | map(tostring) | join(" ")' "$S")"
is "new file 0600, no backup" "600|absent" "$(stat -c %a "$S")|$(state "$S.clankers-backup")"
before=$(state "$S")
run install claude
is "second run: already registered" \
	"0|clankers: already registered: 30 events in '$S'; nothing changed" "$RC|$(cat "$OUT")"
is "... and the file is not rewritten, no backup" "$before|absent" "$(state "$S")|$(state "$S.clankers-backup")"
run uninstall claude
is "uninstall of a file only we wrote leaves {}" "0|{}" "$RC|$(jq -c . "$S")"
ok "... and says what it removed" grep -q "^clankers: removed 30 clankers hooks from '$S'; backup in '$S.clankers-backup'$" "$OUT"

# --- merging with the user's settings ---
fresh
S=$HOME/.claude/settings.json
mkdir -p "$HOME/.claude"
cat >"$S" <<'EOF'
{
    "model": "opus",
    "permissions": { "allow": ["Bash(git status)"], "deny": [] },
    "hooks": {
        "PreToolUse": [
            { "matcher": "Bash", "hooks": [{ "type": "command", "command": "~/bin/guard.sh" }] },
            { "hooks": [{ "type": "command", "command": "logger pre", "timeout": 5 }] }
        ],
        "Stop": [{ "hooks": [{ "type": "command", "command": "notify-send done" }] }],
        "MyFutureEvent": []
    },
    "env": { "FOO": "1" }
}
EOF
chmod 640 "$S"
cp "$S" "$TMP/theirs.json"
run install claude
is "merge: exits 0 with a backup" "0|clankers: registered 30 events in '$S' (30 added); backup in '$S.clankers-backup'" "$RC|$(cat "$OUT")"
is "backup holds the old file, byte for byte" same "$(cmp -s "$TMP/theirs.json" "$S.clankers-backup" && echo same)"
is "other keys kept, in their order" "model permissions hooks env|opus|[\"Bash(git status)\"]|{\"FOO\":\"1\"}" \
	"$(jq -r '[(keys_unsorted | join(" ")), .model, (.permissions.allow | tojson), (.env | tojson)] | join("|")' "$S")"
is "their hooks kept first, in order; ours added once after them" \
	"$(jq -c '.hooks.PreToolUse' "$TMP/theirs.json")|$(jq -c '.hooks.Stop' "$TMP/theirs.json")|3|2" \
	"$(jq -c '.hooks.PreToolUse[0:2]' "$S")|$(jq -c '.hooks.Stop[0:1]' "$S")|$(jq '.hooks.PreToolUse | length' "$S")|$(jq '.hooks.Stop | length' "$S")"
is "events already there keep their place; ours follow" "PreToolUse Stop MyFutureEvent SessionStart" \
	"$(events "$S" | cut -d' ' -f1-4)"
is "their indentation (4 spaces) and mode (0640) kept" "    \"model\": \"opus\",|640" "$(sed -n 2p "$S")|$(stat -c %a "$S")"
ok "the shape Claude Code reads" shape_ok "$S"
installed=$(state "$S")
cp "$S" "$TMP/installed.json"
run install claude
is "second run: nothing written, the backup still the original" \
	"0|$installed|same" "$RC|$(state "$S")|$(cmp -s "$TMP/theirs.json" "$S.clankers-backup" && echo same)"

# --- uninstall: ours out, theirs kept, the file otherwise as it was ---
run uninstall claude
is "uninstall exits 0" "0|clankers: removed 30 clankers hooks from '$S'; backup in '$S.clankers-backup'" "$RC|$(cat "$OUT")"
is "... leaves their settings as they were" "$(jq -c . "$TMP/theirs.json")" "$(jq -c . "$S")"
is "... after backing up the installed file" same "$(cmp -s "$TMP/installed.json" "$S.clankers-backup" && echo same)"
before=$(state "$S")
run uninstall claude
is "uninstall twice: nothing to remove, file untouched" "0|clankers: nothing to remove in '$S'|$before" "$RC|$(cat "$OUT")|$(state "$S")"

# --- an older clankers entry is updated in place, never doubled ---
fresh
S=$HOME/s.json
cat >"$S" <<'EOF'
{"hooks": {
  "Stop": [{"hooks": [{"type": "command", "command": "/old/bin/clankers", "args": ["hook", "Stop"], "timeout": 30, "async": true}]}],
  "PostToolUse": [{"matcher": "*", "hooks": [{"type": "command", "command": "/usr/local/bin/clankers hook PostToolUse", "timeout": 10}]}],
  "SessionStart": [
    {"hooks": [{"type": "command", "command": "'/opt/my tools/clankers' hook SessionStart"}, {"type": "command", "command": "echo hi"}]},
    {"hooks": [{"type": "command", "command": "clankers", "args": ["hook", "SessionStart"]}]}
  ],
  "MessageDisplay": [{"hooks": [{"type": "command", "command": "/old/bin/clankers", "args": ["hook", "MessageDisplay"]}]}],
  "Notification": [{"hooks": [{"type": "command", "command": "/usr/bin/notclankers hook Notification"}, {"type": "command", "command": "clankers-wrapper", "args": ["hook"]}]}]
}}
EOF
run install claude --settings "$S"
is "old entries: 4 updated, 1 duplicate removed" \
	"0|clankers: registered 30 events in '$S' (27 added, 4 updated, 1 duplicate removed); backup in '$S.clankers-backup'" \
	"$RC|$(cat "$OUT")"
is "exec form at another path: now this path; its timeout and async kept" \
	"{\"type\":\"command\",\"command\":\"$SELF\",\"args\":[\"hook\",\"Stop\"],\"timeout\":30,\"async\":true}|1" \
	"$(jq -c '.hooks.Stop[0].hooks[0]' "$S")|$(jq '.hooks.Stop | length' "$S")"
is "shell form: now exec form, matcher kept" \
	"[{\"matcher\":\"*\",\"hooks\":[{\"type\":\"command\",\"command\":\"$SELF\",\"args\":[\"hook\",\"PostToolUse\"],\"timeout\":10}]}]" \
	"$(jq -c '.hooks.PostToolUse' "$S")"
is "two of ours on one event (a quoted path, a bare name): the first kept, the other's group gone" \
	"[{\"hooks\":[{\"type\":\"command\",\"command\":\"$SELF\",\"args\":[\"hook\",\"SessionStart\"]},{\"type\":\"command\",\"command\":\"echo hi\"}]}]" \
	"$(jq -c '.hooks.SessionStart' "$S")"
is "an event we do not register keeps our entry, with the new path" "$SELF" "$(jq -r '.hooks.MessageDisplay[0].hooks[0].command' "$S")"
is "look-alikes are not ours: kept, and ours added" "2|2" \
	"$(jq '.hooks.Notification[0].hooks | length' "$S")|$(jq '.hooks.Notification | length' "$S")"
is "one handler of ours per event (and MessageDisplay's)" "$(ones | sed 's/$/ MessageDisplay:1/' | sorted)" "$(ours "$S" | sorted)"

# --- --shell: the shell form, quoted for sh ---
fresh
mkdir -p "$HOME/it's here"
dir=$(cd "$HOME/it's here" && pwd -P)
cp "$CLANKERS" "$dir/clankers"
S=$HOME/.claude/settings.json
OUT=$TMP/out ERR=$TMP/err
$WRAPPER "$dir/clankers" install claude --shell >"$OUT" 2>"$ERR"
RC=$?
is "--shell: command '<path>' hook EVENT, no args" "0|'${dir%%\'*}'\\''s here/clankers' hook Stop|null|10" \
	"$RC|$(jq -r '.hooks.Stop[0].hooks[0] | "\(.command)|\(.args)|\(.timeout)"' "$S")"
cmd=$(jq -r '.hooks.Stop[0].hooks[0].command' "$S")
sh -c "$cmd" <"$FIX/claude/hooks/single/Stop.seeknal-2026-02.json" >"$OUT" 2>"$ERR"
RC=$?
is "... and sh runs it: the event is stored" "0|1" "$RC|$(q 'select count(*) from hook_events')"
run install claude
is "exec form over the shell form: 30 updated, still one each" \
	"0|clankers: registered 30 events in '$S' (0 added, 30 updated); backup in '$S.clankers-backup'|$(ones)" \
	"$RC|$(cat "$OUT")|$(ours "$S")"

# --- --dry-run changes nothing ---
fresh
S=$HOME/.claude/settings.json
run install claude --dry-run
is "--dry-run on a missing file: no file, no folder" "0|absent|absent" "$RC|$(state "$S")|$(state "$HOME/.claude")"
ok "... prints the JSON it would write" shape_ok "$OUT"
is "... and says so on stderr" "clankers: dry run, nothing written: registered 30 events in '$S' (30 added)" "$(cat "$ERR")"
run uninstall claude
is "uninstall with no file: nothing to remove, no file made" "0|clankers: nothing to remove in '$S'|absent" "$RC|$(cat "$OUT")|$(state "$S")"
mkdir -p "$HOME/.claude"
cp "$TMP/theirs.json" "$S"
before=$(state "$S")
run install claude --dry-run
cp "$OUT" "$TMP/dry.json"
is "--dry-run on a file: bytes and mtime unchanged, no backup" "0|$before|absent" "$RC|$before|$(state "$S.clankers-backup")"
run install claude
is "... it printed what install then writes" same "$(cmp -s "$TMP/dry.json" "$S" && echo same)"
before=$(state "$S")
run uninstall claude --dry-run
is "uninstall --dry-run: prints their file back, writes nothing" "0|$(jq -c . "$TMP/theirs.json")|$before" \
	"$RC|$(jq -c . "$OUT")|$(state "$S")"

# --- which file: --project, --project DIR, CLAUDE_CONFIG_DIR, a link ---
fresh
mkdir -p "$HOME/proj" "$HOME/other"
(cd "$HOME/proj" && $WRAPPER "$CLANKERS" install claude --project >"$TMP/out" 2>"$TMP/err")
RC=$?
is "--project: ./.claude/settings.json" "0|30" "$RC|$(jq '.hooks | length' "$HOME/proj/.claude/settings.json")"
run install claude --project "$HOME/other" --dry-run
is "--project DIR" "clankers: dry run, nothing written: registered 30 events in '$HOME/other/.claude/settings.json' (30 added)" "$(cat "$ERR")"
run install claude --project "$HOME/missing"
is "--project DIR that does not exist: exit 1, nothing made" "1|absent" "$RC|$(state "$HOME/missing")"
export CLAUDE_CONFIG_DIR="$HOME/cfg"
run install claude
unset CLAUDE_CONFIG_DIR
is "CLAUDE_CONFIG_DIR/settings.json, ~/.claude untouched" "0|30|absent" \
	"$RC|$(jq '.hooks | length' "$HOME/cfg/settings.json")|$(state "$HOME/.claude")"
mkdir -p "$HOME/dotfiles" "$HOME/.claude"
echo '{"disableAllHooks": true}' >"$HOME/dotfiles/settings.json"
ln -s ../dotfiles/settings.json "$HOME/.claude/settings.json"
run install claude
is "a link stays a link; its target gets the hooks, the backup sits next to it" "link|30|same" \
	"$([ -L "$HOME/.claude/settings.json" ] && echo link)|$(jq '.hooks | length' "$HOME/dotfiles/settings.json")|$(
	echo '{"disableAllHooks": true}' | cmp -s - "$HOME/dotfiles/settings.json.clankers-backup" && echo same)"
ok "... and a note that disableAllHooks turns them off" grep -q 'disableAllHooks' "$ERR"

# --- files that are not settings are left untouched ---
fresh
S=$HOME/s.json
refused() {  # TITLE CONTENT MESSAGE
	printf '%s' "$2" >"$S"
	before=$(state "$S")
	run install claude --settings "$S"
	is "$1: exit 1, untouched, no backup, says why" "1|$before|absent|1" \
		"$RC|$(state "$S")|$(state "$S.clankers-backup")|$(grep -c "$3" "$ERR")"
}
refused "invalid JSON" '{"model": "opus",
  "hooks": {' "^clankers: '$S' is not valid JSON (line 2, column 12); left untouched$"
refused "trailing text" '{} {}' "not valid JSON"
refused "top level an array" '[]' "the top level is not an object"
refused "\"hooks\": [] (not an object)" '{"hooks": []}' '"hooks" is not an object'
refused "an event that is not an array" '{"hooks": {"Stop": {}}}' '"hooks"."Stop" is not an array'
run uninstall claude --settings "$S"
is "uninstall refuses it too" "1|absent" "$RC|$(state "$S.clankers-backup")"
run install claude --settings "$HOME"
is "a folder: exit 1" 1 "$RC"
printf ' \n' >"$S"
run install claude --settings "$S"
is "a file of white space reads as {}" "0|30" "$RC|$(jq '.hooks | length' "$S")"

# --- what is not ours keeps its bytes ---
fresh
S=$HOME/s.json
# A number past 2^53, a string holding \u0000, escapes, odd spacing, a
# duplicate key off our path, a hook of theirs with a number past 2^53.
cat >"$S" <<'EOF'
{
	"big": 12345678901234567890123,
	"nul": "a\u0000b",   "esc": "\u00e9\/x",
	"model": "a", "model": "b",
	"hooks": {
		"PreToolUse": [ { "hooks": [ { "type": "command", "command": "mine", "timeout": 1e400, "x": "c\u0000d" } ] } ]
	},
	"tail": [1.50, -0, 1E2]
}
EOF
cp "$S" "$TMP/odd.json"
run install claude --settings "$S"
is "odd values: install exits 0" 0 "$RC"
outside() { sed -e '/"hooks": {/,/^	},$/d' "$1"; }
is "... every line outside \"hooks\" byte for byte" "$(outside "$TMP/odd.json")" "$(outside "$S")"
ok "... their hook's line inside \"hooks\" too" grep -qF \
	'"PreToolUse": [ { "hooks": [ { "type": "command", "command": "mine", "timeout": 1e400, "x": "c\u0000d" } ] }' "$S"
is "... and ours added (by jq: both \"model\" keys there, jq keeps the last)" "b|$(ones | sorted)" "$(jq -r .model "$S")|$(ours "$S" | sorted)"
is "... a new event: JSON.stringify's layout at its depth" '		"SessionStart": [
			{
				"hooks": [' "$(grep -A2 '^		"SessionStart": \[$' "$S")"
run uninstall claude --settings "$S"
is "... uninstall gives the file back byte for byte" "0|same" "$RC|$(cmp -s "$TMP/odd.json" "$S" && echo same)"
printf '{\n    "hooks": {\n        "Stop": []\n    }\n}\n' >"$S"
run install claude --settings "$S"
is "a group of ours in an empty event: JSON.stringify's layout at its depth" '        "Stop": [
            {
                "hooks": [' "$(grep -A2 '^        "Stop": \[$' "$S")"

# An older handler of ours: command and args rewritten where they are, the rest kept.
printf '%s\n' '{"hooks": {"Stop": [{"hooks": [{"type": "command", "command": "/old/clankers", "args": ["hook", "Stop"], "timeout": 123456789012345678901, "why": "a\u0000b"}]}]}}' >"$S"
run install claude --settings "$S"
is "an old handler of ours: only its command changes" \
	"{\"hooks\": {\"Stop\": [{\"hooks\": [{\"type\": \"command\", \"command\": \"$SELF\", \"args\": [\"hook\", \"Stop\"], \"timeout\": 123456789012345678901, \"why\": \"a\\u0000b\"}]}]," \
	"$(head -1 "$S" | sed 's/]}],.*/]}],/')"
run install claude --settings "$S" --shell
is "... to the shell form: args taken out, on the same line" \
	"{\"hooks\": {\"Stop\": [{\"hooks\": [{\"type\": \"command\", \"command\": \"'$SELF' hook Stop\", \"timeout\": 123456789012345678901, \"why\": \"a\\u0000b\"}]}]," \
	"$(head -1 "$S" | sed 's/]}],.*/]}],/')"

# A file on one line stays on one line; its missing final newline stays missing.
printf '{"a":1}' >"$S"
run install claude --settings "$S"
is "a one-line file: ours on the same line" "0|0|$(ones)" "$RC|$(wc -l <"$S" | tr -d ' ')|$(ours "$S")"
run uninstall claude --settings "$S"
is "... and uninstall gives it back" '{"a":1}' "$(cat "$S")"

# Duplicate keys on the path: Claude Code reads the last, so nothing is guessed.
dup() {  # TITLE CONTENT LINES
	printf '%s\n' "$2" >"$S"
	rm -f "$S.clankers-backup"
	before=$(state "$S")
	run install claude --settings "$S"
	is "$1: install exits 1, untouched, no backup" "1|$before|absent" "$RC|$(state "$S")|$(state "$S.clankers-backup")"
	ok "... and says which key, where" grep -q "is there twice in one object ($3); Claude Code reads only the last: remove one; left untouched$" "$ERR"
	run uninstall claude --settings "$S"
	is "... uninstall too" "1|$before" "$RC|$(state "$S")"
}
dup 'two "hooks"' '{"hooks": {},
"model": "x",
"hooks": {"Stop": []}}' "lines 1 and 3"
dup 'one event twice' '{"hooks": {"Stop": [],
  "Stop": []}}' "lines 1 and 2"
dup 'one event twice, spelled two ways' '{"hooks": {"Stop": [], "St\u006fp": []}}' "lines 1 and 1"
dup 'two "hooks" in a matcher group' '{"hooks": {"Stop": [{"hooks": [], "hooks": []}]}}' "lines 1 and 1"
dup 'two "command" in a handler' '{"hooks": {"Stop": [{"hooks": [{"type": "command",
  "command": "clankers", "args": ["hook", "Stop"], "command": "/bin/true"}]}]}}' "lines 2 and 2"
ok "... the message names the key" grep -q '"command" is there twice' "$ERR"
mkdir -p "$HOME/.claude"
printf '%s\n' '{"hooks": {"Stop": [], "Stop": []}}' >"$HOME/.claude/settings.json"
run doctor
ok "doctor: a FAIL line for the duplicate" grep -q "^FAIL  settings: .*\"Stop\" is there twice in one object (lines 1 and 1)" "$OUT"

# 60,000 keys in one object, and 60,000 events in "hooks" (once 72 s).
awk 'BEGIN { printf "{"; for (i = 0; i < 60000; i++) printf "%s\"k%d\": %d", i ? ",\n  " : "\n  ", i, i; print "\n}" }' >"$S"
cp "$S" "$TMP/many.json"
run install claude --settings "$S"
is "60,000 keys: installed, theirs first and in order" "0|60001|k0 k59999 hooks" \
	"$RC|$(jq 'keys | length' "$S")|$(jq -r 'keys_unsorted | [.[0], .[59999], .[60000]] | join(" ")' "$S")"
run uninstall claude --settings "$S"
is "... uninstall gives the file back" "0|same" "$RC|$(cmp -s "$TMP/many.json" "$S" && echo same)"
jq '{hooks: with_entries(.value = [])}' "$TMP/many.json" >"$S"
run install claude --settings "$S"
is "60,000 events in \"hooks\": ours added after them" "0|60030|k0 SessionStart" \
	"$RC|$(jq '.hooks | keys | length' "$S")|$(jq -r '.hooks | keys_unsorted | [.[0], .[60000]] | join(" ")' "$S")"

# --- the command line ---
run install
is "no agent: 64" "64|1" "$RC|$(grep -c "which agent" "$ERR")"
run install nosuch
is "an agent clankers does not know: 64" "64|clankers: install: 'nosuch' is not supported yet (only 'claude' is)" "$RC|$(cat "$ERR")"
run install claude --bogus
is "unknown option: 64" 64 "$RC"
run install claude --project --settings "$S"
is "--project with --settings: 64" 64 "$RC"
run uninstall claude --shell
is "uninstall has no --shell: 64" 64 "$RC"
run help install
ok "help install" grep -q '^usage: clankers install claude' "$OUT"

# --- the plugin: its hooks are what install writes, found on PATH ---
fresh
run install claude --settings "$HOME/none.json" --dry-run
is "hooks/hooks.json registers what install does, by name on PATH" \
	"$(jq -c '.hooks | map_values(map(.hooks |= map(.command = "clankers")))' "$OUT")" \
	"$(jq -c '.hooks' "$TOP/hooks/hooks.json")"
is "hooks/hooks.json: description and hooks only" "description hooks" "$(jq -r 'keys_unsorted | join(" ")' "$TOP/hooks/hooks.json")"
is ".claude-plugin/plugin.json: name, and the binary's version" \
	"clankers $("$CLANKERS" --version | cut -d' ' -f2)" \
	"$(jq -r '"\(.name) \(.version)"' "$TOP/.claude-plugin/plugin.json")"

# --- OpenCode: the plugin ---
fresh
unset XDG_CONFIG_HOME
OCP=$HOME/.config/opencode/plugin/clankers.js
run install opencode
is "opencode: installed in the user's config folder, exit 0" \
    "0|clankers: installed the OpenCode plugin '$OCP' (runs $SELF); new file" "$RC|$(cat "$OUT")"
is "opencode: the plugin is 0600 in a 0700 folder" "600 700" \
    "$(stat -c %a "$OCP") $(stat -c %a "$(dirname "$OCP")")"
is "opencode: it runs this binary by its absolute path" "const CLANKERS = \"$SELF\"" \
    "$(grep '^const CLANKERS = ' "$OCP")"
is "opencode: the rest is opencode-plugin.js as shipped" "" \
    "$(grep -v '^const CLANKERS = ' "$OCP" | diff - "$TOP/opencode-plugin.js" | grep '^[<>]' | grep -v 'const CLANKERS = ')"
before=$(state "$OCP")
run install opencode
is "opencode: a second install changes nothing" "0|$before" "$RC|$(state "$OCP")"
ok "... and says so" grep -q "nothing changed" "$OUT"
export XDG_CONFIG_HOME=$HOME/xdg
run install opencode --dry-run
is "opencode --dry-run: the plugin on stdout, nothing written" "0|absent" \
    "$RC|$(state "$XDG_CONFIG_HOME/opencode/plugin/clankers.js")"
ok "... stdout is the plugin" grep -q "^// opencode-plugin.js: the clankers plugin for OpenCode" "$OUT"
run install opencode
is "opencode: \$XDG_CONFIG_HOME/opencode when set" "0" "$RC"
ok "... the file is there" test -f "$XDG_CONFIG_HOME/opencode/plugin/clankers.js"
unset XDG_CONFIG_HOME
mkdir -p "$HOME/proj"
run install opencode --project "$HOME/proj"
ok "opencode --project DIR: .opencode/plugin/clankers.js" test -f "$HOME/proj/.opencode/plugin/clankers.js"
printf 'export const Mine = async () => ({})\n' >"$HOME/proj/.opencode/plugin/clankers.js"
before=$(state "$HOME/proj/.opencode/plugin/clankers.js")
run install opencode --project "$HOME/proj"
is "opencode: a clankers.js that is not ours is left alone, exit 1" "1|$before" \
    "$RC|$(state "$HOME/proj/.opencode/plugin/clankers.js")"
run uninstall opencode --project "$HOME/proj"
is "... and uninstall will not remove it either" "1|$before" \
    "$RC|$(state "$HOME/proj/.opencode/plugin/clankers.js")"
run install opencode --bogus
is "opencode: unknown option: 64" 64 "$RC"
run uninstall opencode --dry-run
is "uninstall opencode --dry-run: nothing removed" "0|present" "$RC|$(test -f "$OCP" && echo present)"
run uninstall opencode
is "uninstall opencode: the plugin is gone" "0|absent" "$RC|$(state "$OCP")"
run uninstall opencode
is "uninstall opencode again: nothing to remove, exit 0" "0" "$RC"

finish
