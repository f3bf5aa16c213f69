// opencode-plugin.js: the clankers plugin for OpenCode. OpenCode loads it from
// its config folder's plugin/ directory (`clankers install opencode`, or
// .opencode/plugin/ with --project) and calls its `event` hook for every bus
// event. The few events a recorder needs are each handed to one
// `clankers hook opencode` process, on its stdin, as one JSON object:
//
//   {"id": "evt_...", "type": "message.updated", "properties": {...},
//    "directory": "/abs/path"}
//
// that is, the event exactly as OpenCode passed it ({id?, type, properties}),
// with one key added at the top level: `directory`, the absolute directory of
// the OpenCode instance that loaded the plugin (where opencode was started),
// absent when OpenCode gave none. OpenCode makes one instance per directory
// and (1.18.33) hands a plugin only its own instance's events, so the C side
// can take it as the session's project path while the session's own
// `info.directory` has not been seen.
//
// Forwarded: session.created, .updated, .deleted, .idle, .error, .compacted;
// message.updated and message.removed; message.part.updated only for a
// finished part: a tool part in state completed or error, step-finish, a text
// part with time.end or with no time at all (how a user's prompt arrives),
// compaction and subtask. Everything else is dropped, above all
// message.part.delta (one per streamed chunk), pending and running tool
// updates (bash sends one per output chunk) and unfinished text (which is
// also how OpenCode 1.1 and older streamed, a part update per chunk),
// session.diff (file patches, several per turn) and the rest. Reasoning
// parts are dropped too: their tokens arrive in step-finish and in the
// message's info, and clankers stores no reasoning text. session.status is
// dropped: 1.18.33 still publishes session.idle right after a status of idle,
// and forwarding both would start the idle repair twice per turn.
//
// The child's stdin is a file, not a pipe: the JSON is written to a new file
// in the temporary folder (mode 0600), which is unlinked at once and handed
// over open, so the whole event is delivered before spawn returns. A pipe is
// fed later, by the event loop, and `opencode run` exits without waiting for
// it: measured with a process that exits right after spawning, Bun 1.3.14
// (OpenCode 1.18.33's) delivered nothing and Node 20 219 kB of 300 kB, so the
// child read no JSON or cut JSON. Only when no such file can be made is the
// pipe used.
//
// What it does not do: it never waits for a child, never reads its output,
// never retries, keeps no state between events and does not look at
// OpenCode's database (the clankers process spawned for session.idle does).
// It never throws into OpenCode: `opencode run` aborts on a synchronous throw
// in a handler and Node and Bun may end the process on a rejected promise
// nobody awaits, so the handler catches everything, and the child and its
// stdin carry `error` listeners. A missing binary costs one warning in
// OpenCode's log (on stderr when there is no client), once per process.
//
// OpenCode's loader (1.18.33) calls every export of this file as a plugin
// function; before anomalyco/opencode#6787 (January 2026) a function exported
// both by name and as default was registered twice. So the file exports one
// named function and nothing else: no default, no helpers.

import { spawn } from "node:child_process"
import { closeSync, existsSync, openSync, unlinkSync, writeSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"

// The clankers binary. `clankers install opencode` replaces the string literal
// on the next line, quotes included, by the binary's absolute path written as
// a JSON string literal; it occurs nowhere else in this file. While it is still
// the placeholder, or names no file, "clankers" is looked up in PATH. The
// environment variable CLANKERS_BIN, when set and not empty, wins over both.
const CLANKERS = "@CLANKERS_BIN@"

// Events forwarded whatever their properties hold.
const FORWARDED = new Set([
  "session.created",
  "session.updated",
  "session.deleted",
  "session.idle",
  "session.error",
  "session.compacted",
  "message.updated",
  "message.removed",
])

let warned = false // one warning per process, not per event or per instance
let files = 0 // makes the names of the stdin files unique within the process

function binary() {
  const env = process.env.CLANKERS_BIN
  if (env) return env
  // Tested by shape, not by comparison with the placeholder's spelling, which
  // the installer's replacement would change too.
  const placeholder = CLANKERS.startsWith("@") && CLANKERS.endsWith("@")
  if (!placeholder && CLANKERS !== "" && existsSync(CLANKERS)) return CLANKERS
  return "clankers"
}

// Whether an event is worth a process: see the list at the top.
function wanted(event) {
  if (event === null || typeof event !== "object") return false
  if (FORWARDED.has(event.type)) return true
  if (event.type !== "message.part.updated") return false
  const part = event.properties && event.properties.part
  if (part === null || typeof part !== "object") return false
  switch (part.type) {
    case "tool": {
      const status = part.state && part.state.status
      return status === "completed" || status === "error"
    }
    case "text":
      // A streamed text part has time.start at once and time.end when done;
      // a user's prompt part has no time at all.
      return part.time == null || (typeof part.time === "object" && part.time.end != null)
    case "step-finish":
    case "compaction":
    case "subtask":
      return true
    default:
      return false
  }
}

function warn(client, bin, err) {
  if (warned) return
  warned = true
  const reason = (err && (err.code || err.message)) || String(err)
  const message = `clankers: cannot forward OpenCode events to '${bin}': ${reason}`
  const stderr = () => {
    try {
      console.error(message)
    } catch {}
  }
  try {
    // OpenCode's log rather than stderr, which the TUI draws over.
    const log = client && client.app && client.app.log
    if (typeof log !== "function") return stderr()
    const p = log.call(client.app, { body: { service: "clankers", level: "warn", message } })
    if (p && typeof p.then === "function") p.then(undefined, stderr)
  } catch {
    stderr()
  }
}

// An open descriptor of an unlinked file that holds json, read from its
// start; -1 when the file cannot be made. The caller closes it.
function stdinFile(json) {
  const path = join(tmpdir(), `clankers-opencode-${process.pid}-${++files}-${Math.random().toString(36).slice(2)}`)
  let fd = -1
  try {
    fd = openSync(path, "wx+", 0o600)
    unlinkSync(path)
    // Written at explicit offsets (pwrite): the descriptor's own offset stays
    // at 0, where the child starts reading.
    const buf = Buffer.from(json)
    for (let off = 0; off < buf.length; ) off += writeSync(fd, buf, off, buf.length - off, off)
    return fd
  } catch {
    // Closed before the unlink, which some systems refuse on an open file.
    if (fd !== -1) {
      closeSync(fd)
      try {
        unlinkSync(path)
      } catch {}
    }
    return -1
  }
}

// Starts `BIN hook opencode` with json on its stdin and lets it go: its own
// process group (a Ctrl-C in OpenCode's terminal does not cut it short),
// unref'd so that OpenCode never waits for it, output ignored.
function forward(bin, json, onError) {
  const fd = stdinFile(json)
  let child
  try {
    child = spawn(bin, ["hook", "opencode"], {
      stdio: [fd === -1 ? "pipe" : fd, "ignore", "ignore"],
      detached: true,
      windowsHide: true,
    })
  } finally {
    if (fd !== -1) closeSync(fd)
  }
  child.on("error", onError)
  if (child.stdin) {
    // EPIPE when the child is gone before reading: the child's own business.
    child.stdin.on("error", () => {})
    child.stdin.end(json)
  }
  child.unref()
}

export const ClankersPlugin = async (ctx) => {
  const directory = ctx && typeof ctx.directory === "string" && ctx.directory !== "" ? ctx.directory : undefined
  const client = ctx ? ctx.client : undefined
  const bin = binary()
  const onError = (err) => warn(client, bin, err)
  return {
    // No await anywhere in here: `opencode run` exits without awaiting event
    // handlers, so the process must be started before the handler yields.
    event: async (input) => {
      try {
        const event = input ? input.event : undefined
        if (!wanted(event)) return
        const json = JSON.stringify(directory === undefined ? event : { ...event, directory })
        forward(bin, json, onError)
      } catch (err) {
        onError(err)
      }
    },
  }
}
