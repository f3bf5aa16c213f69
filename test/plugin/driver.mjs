// test/plugin/driver.mjs: loads opencode-plugin.js the way OpenCode does and
// feeds its event hook, under Node or Bun (BUN_BE_BUN=1 opencode). Used by
// test/t-plugin.sh, which reads what the fake clankers recorded.
//
//   driver.mjs PLUGIN MODE [FILE]
//
// PLUGIN  path of the plugin file
// MODE    events:  each line of FILE is either a capture line
//                  ({"hook": "event", "event": {...}}; other hooks skipped)
//                  or an event itself ({type, properties}); each is handed to
//                  the hook and awaited, in order
//         exit:    the same, but the handler's promises are not awaited and
//                  the process exits as soon as the last one is handed over,
//                  as `opencode run` does
//         garbage: calls the constructor and the hook with odd input
// Environment: DRIVER_DIRECTORY (ctx.directory; "" leaves it out),
// DRIVER_NO_CLIENT=1 (no ctx.client: the plugin warns on stderr).
//
// Prints one JSON line on stdout: exports (the module's export names and
// types), init (the hooks' names), calls, throws (synchronous throws out of
// the hook), rejects (rejected promises, also unhandled ones), results (what
// the promises resolved to, distinct values), logs (client.app.log calls).
import { readFileSync } from "node:fs"
import { pathToFileURL } from "node:url"

const [plugin, mode, file] = process.argv.slice(2)
const out = { exports: {}, init: null, calls: 0, throws: 0, rejects: 0, results: [], logs: [] }
process.on("unhandledRejection", () => out.rejects++)

const mod = await import(pathToFileURL(plugin).href)
for (const [k, v] of Object.entries(mod)) out.exports[k] = typeof v

const client = { app: { log: async (arg) => { out.logs.push(arg); return { data: true } } } }
const ctx = {
  project: { id: "global", worktree: "/", time: { created: 1 } },
  directory: process.env.DRIVER_DIRECTORY || undefined,
  worktree: "/",
  serverUrl: new URL("http://localhost:4096"),
  $: undefined,
}
if (process.env.DRIVER_NO_CLIENT !== "1") ctx.client = client

// Every export is called as a plugin, as OpenCode's loader does.
const hooks = []
for (const fn of new Set(Object.values(mod))) hooks.push(await fn(ctx))
out.init = hooks.map((h) => Object.keys(h).sort().join(","))

const pending = []
function call(input) {
  out.calls++
  for (const h of hooks) {
    let p
    try {
      p = h.event(input)
    } catch {
      out.throws++
      continue
    }
    pending.push(
      Promise.resolve(p).then(
        (v) => { const s = String(v); if (!out.results.includes(s)) out.results.push(s) },
        () => out.rejects++,
      ),
    )
  }
}

if (mode === "events" || mode === "exit") {
  for (const line of readFileSync(file, "utf8").split("\n")) {
    if (line === "") continue
    const v = JSON.parse(line)
    if ("hook" in v && v.hook !== "event") continue
    call({ event: "hook" in v ? v.event : v })
    if (mode === "events") await pending[pending.length - 1]
  }
  if (mode === "exit") {
    process.stdout.write(JSON.stringify(out) + "\n")
    process.exit(0)
  }
} else if (mode === "garbage") {
  for (const input of [undefined, null, 0, "x", {}, { event: null }, { event: 5 }, { event: {} },
    { event: { type: 7 } }, { event: { type: "session.idle" } },
    { event: { type: "message.part.updated" } },
    { event: { type: "message.part.updated", properties: null } },
    { event: { type: "message.part.updated", properties: { part: null } } },
    { event: { type: "message.part.updated", properties: { part: { type: "tool" } } } },
    { event: { type: "message.part.updated", properties: { part: { type: "tool", state: null } } } },
    { event: { type: "message.part.updated", properties: { part: { type: "text", time: 5 } } } },
    { event: { type: "message.part.updated", properties: { part: { type: "text", time: null } } } }])
    call(input)
  // Cannot be written as JSON: the plugin must catch, warn once, not throw.
  call({ event: { type: "session.updated", properties: { n: 1n } } })
  const loop = { type: "session.updated", properties: {} }
  loop.properties.self = loop
  call({ event: loop })
  for (const arg of [undefined, null, {}]) {
    try {
      const h = await mod.ClankersPlugin(arg)
      if (typeof h.event !== "function") out.throws++
    } catch {
      out.throws++
    }
  }
}
await Promise.all(pending)
// Let the children's error events (ENOENT) and the log calls come in.
await new Promise((r) => setTimeout(r, 300))
process.stdout.write(JSON.stringify(out) + "\n")
