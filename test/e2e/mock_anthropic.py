#!/usr/bin/env python3
"""Tiny mock of the Anthropic Messages API, for driving the real Claude Code CLI
offline in an end-to-end test (test/t-e2e.sh).

Copied from shared/tools/claude-e2e/mock_anthropic.py (the tool that captured
the 2.1.197 fixtures), then changed for the test:
  - --port 0 (the default) binds a free port, and --port-file names a file the
    chosen port is written to once the socket listens, so that runs can overlap;
  - every response is logged once it has been sent whole, with its final usage
    numbers (a line with "response"), so that the test sums what the client
    received from the mock's own log; a stream the client dropped is logged
    as "response_dropped", never counted;
  - --max-seconds: the mock exits by itself after that long (a safety net
    for a test killed before it could stop it);
  - FAIL_STATUS (the environment), as in the original: every request to
    /v1/messages gets that HTTP status and an error body.
The script, the usage numbers and the ids are the original's.

Usage: mock_anthropic.py --log requests.jsonl [--port N] [--port-file F] [--workdir DIR]
                         [--scenario basic|subagent] [--delay S] [--max-seconds S]

Every request (method, path, headers, parsed body) is appended as one JSON line to --log.
Every response to POST /v1/messages sent whole is one more line:
  {"response": "<msg id>", "label": "t0", "model": ..., "usage": {...}, "request_id": ...,
   "session": ..., "text": ..., "tool_uses": [{"id", "name", "input"}, ...]}
where usage is the final usage (the message_delta's), session is the
request's X-Claude-Code-Session-Id header (null when absent), text its text
blocks joined and tool_uses the tool calls it made.

POST /v1/messages is scripted.  A "main" request is one whose `tools` list contains
the Bash tool; the reply depends on how many user turns carrying tool_result blocks
the conversation already has (so the script is deterministic and stateless):

  scenario basic:
    0 tool results -> text + tool_use Bash {"command": "echo hello-from-tool"}
    1              -> tool_use Read {workdir}/hello.txt + tool_use Read {workdir}/missing.txt (fails)
    2              -> text + tool_use Bash {"command": "echo failing >&2; exit 3"} (fails)
    3              -> tool_use Write {workdir}/written.txt (not in the allow list: denied)
    4+             -> final text, stop_reason end_turn
  scenario subagent:
    0              -> text + tool_use Agent (subagent_type general-purpose, prompt SUB_PROMPT)
    inside the subagent (first user message contains SUB_PROMPT):
                      Bash echo hello-from-subagent, then final text
    1+             -> final text
  any scenario: a request whose last user message asks for a summary and mentions
  "compact" (the /compact request) -> a <summary>...</summary> text.

Each scripted turn carries distinct usage numbers (see USAGE below) so token
accounting can be checked: message_start carries input/cache numbers and
output_tokens=1, message_delta carries the final output_tokens (as the real API does).
--delay N sleeps N seconds after each SSE event (a slow stream).

Any other request to /v1/messages (no tools: title generation, topic detection, ...)
gets a short text reply.  HEAD / (a connectivity probe) gets 200.  /v1/messages/count_tokens answers {"input_tokens": 42}.
Unknown paths get 404 with an Anthropic-style error body.
"""
import argparse
import json
import os
import random
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LOCK = threading.Lock()
ARGS = None
COUNTER = [0]

# usage per scripted turn: (input, cache_creation, cache_read, output)
USAGE = {
    "t0": (1001, 2001, 3001, 101),
    "t1": (1002, 2002, 3002, 102),
    "t2": (1003, 2003, 3003, 103),
    "t3": (1005, 2005, 3005, 105),
    "compact": (1201, 0, 0, 121),
    "final": (1004, 2004, 3004, 104),
    "side": (11, 0, 0, 7),
    "sub0": (1101, 0, 0, 111),
    "sub_final": (1102, 0, 0, 112),
}


def log(entry):
    with LOCK:
        with open(ARGS.log, "a") as f:
            f.write(json.dumps(entry) + "\n")


RUN = "%08x" % random.getrandbits(32)  # ids unique across mock processes, as the real API's are


def next_id(prefix):
    with LOCK:
        COUNTER[0] += 1
        return "%s_mock%s%06d" % (prefix, RUN, COUNTER[0])


def count_tool_result_turns(messages):
    n = 0
    for m in messages:
        if m.get("role") != "user" or not isinstance(m.get("content"), list):
            continue
        if any(isinstance(b, dict) and b.get("type") == "tool_result" for b in m["content"]):
            n += 1
    return n


def tool_names(body):
    return [t.get("name") for t in (body.get("tools") or []) if isinstance(t, dict)]


SUB_PROMPT = "SUBAGENT-TASK: run echo hello-from-subagent"


def all_text(msg):
    c = msg.get("content")
    if isinstance(c, str):
        return c
    out = []
    for b in c or []:
        if isinstance(b, dict):
            if b.get("type") == "text":
                out.append(b.get("text", ""))
            elif b.get("type") == "tool_result":
                rc = b.get("content")
                out.append(rc if isinstance(rc, str) else json.dumps(rc))
    return "\n".join(out)


def plan_reply(body):
    """Return (label, content_blocks, stop_reason)."""
    names = tool_names(body)
    msgs = body.get("messages") or []
    wd = ARGS.workdir
    last_user = next((m for m in reversed(msgs) if m.get("role") == "user"), {})
    if "summary" in all_text(last_user).lower() and "compact" in json.dumps(body.get("system", "")).lower() + all_text(last_user).lower():
        return "compact", [{"type": "text", "text": "<summary>MOCK-COMPACT-SUMMARY: the user asked to run echo; it printed hello-from-tool.</summary>"}], "end_turn"
    if "Bash" not in names:
        return "side", [{"type": "text", "text": "Mock side reply"}], "end_turn"
    n = count_tool_result_turns(msgs)
    agent_tool = "Agent" if "Agent" in names else ("Task" if "Task" in names else None)
    in_sub = bool(msgs) and SUB_PROMPT in all_text(msgs[0])
    if in_sub:
        if n == 0:
            return "sub0", [
                {"type": "text", "text": "Subagent running echo."},
                {"type": "tool_use", "id": next_id("toolu"), "name": "Bash",
                 "input": {"command": "echo hello-from-subagent", "description": "Echo from subagent"}},
            ], "tool_use"
        return "sub_final", [{"type": "text", "text": "Subagent done: hello-from-subagent"}], "end_turn"
    if ARGS.scenario == "subagent":
        if n == 0:
            return "t0", [
                {"type": "text", "text": "Delegating to a subagent."},
                {"type": "tool_use", "id": next_id("toolu"), "name": agent_tool or "Agent",
                 "input": {"description": "Echo task", "prompt": SUB_PROMPT,
                           "subagent_type": "general-purpose"}},
            ], "tool_use"
        return "final", [{"type": "text", "text": "Subagent finished. MOCK-FINAL-ANSWER"}], "end_turn"
    # basic scenario
    if n == 0:
        return "t0", [
            {"type": "text", "text": "I will run echo."},
            {"type": "tool_use", "id": next_id("toolu"), "name": "Bash",
             "input": {"command": "echo hello-from-tool", "description": "Print hello"}},
        ], "tool_use"
    if n == 1:
        return "t1", [
            {"type": "tool_use", "id": next_id("toolu"), "name": "Read",
             "input": {"file_path": wd + "/hello.txt"}},
            {"type": "tool_use", "id": next_id("toolu"), "name": "Read",
             "input": {"file_path": wd + "/missing.txt"}},
        ], "tool_use"
    if n == 2:
        return "t2", [
            {"type": "text", "text": "Now a failing command."},
            {"type": "tool_use", "id": next_id("toolu"), "name": "Bash",
             "input": {"command": "echo failing >&2; exit 3", "description": "Fail on purpose"}},
        ], "tool_use"
    if n == 3:
        return "t3", [
            {"type": "tool_use", "id": next_id("toolu"), "name": "Write",
             "input": {"file_path": wd + "/written.txt", "content": "not allowed\n"}},
        ], "tool_use"
    return "final", [{"type": "text", "text": "All done. MOCK-FINAL-ANSWER: hello-from-tool"}], "end_turn"


def usage_dict(label, final=False):
    i, cc, cr, o = USAGE[label]
    return {"input_tokens": i, "cache_creation_input_tokens": cc,
            "cache_creation": {"ephemeral_5m_input_tokens": cc, "ephemeral_1h_input_tokens": 0},
            "cache_read_input_tokens": cr, "output_tokens": o if final else 1}


class H(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *a):
        sys.stderr.write("mock: " + (fmt % a) + "\n")

    def _read_body(self):
        n = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(n) if n else b""
        try:
            return raw, json.loads(raw) if raw else None
        except Exception:
            return raw, None

    def _log(self, body, raw, extra=None):
        e = {"t": time.time(), "method": self.command, "path": self.path,
             "headers": dict(self.headers.items()),
             "body": body if body is not None else raw.decode("utf-8", "replace")}
        if extra:
            e.update(extra)
        log(e)

    def _json(self, code, obj):
        data = json.dumps(obj).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("request-id", next_id("req"))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        raw, body = b"", None
        self._log(body, raw)
        p = self.path.split("?")[0]
        if p.startswith("/v1/models"):
            return self._json(200, {"data": [], "has_more": False, "first_id": None, "last_id": None})
        self._json(404, {"type": "error", "error": {"type": "not_found_error", "message": "mock: no such path"}})

    def do_HEAD(self):
        self._log(None, b"")
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    do_DELETE = do_GET

    def do_POST(self):
        raw, body = self._read_body()
        p = self.path.split("?")[0]
        if p == "/v1/messages/count_tokens":
            self._log(body, raw, {"reply": "count_tokens"})
            return self._json(200, {"input_tokens": 42})
        if p != "/v1/messages" or not isinstance(body, dict):
            self._log(body, raw, {"reply": "404"})
            return self._json(404, {"type": "error", "error": {"type": "not_found_error", "message": "mock: no such path"}})
        fs = os.environ.get("FAIL_STATUS")
        if fs:
            # As shared/tools/claude-e2e's mock: every request fails with this status.
            self._log(body, raw, {"reply": "fail" + fs})
            et = {"400": "invalid_request_error", "500": "api_error", "529": "overloaded_error",
                  "429": "rate_limit_error", "401": "authentication_error"}.get(fs, "api_error")
            return self._json(int(fs), {"type": "error", "error": {"type": et, "message": "mock failure"}})
        label, blocks, stop = plan_reply(body)
        self._log(body, raw, {"reply": label})
        model = body.get("model", "claude-mock")
        mid = next_id("msg")
        sent = {"response": mid, "label": label, "model": model,
                "stream": bool(body.get("stream")), "usage": usage_dict(label, final=True),
                "session": self.headers.get("X-Claude-Code-Session-Id"),
                "text": "".join(b["text"] for b in blocks if b["type"] == "text"),
                "tool_uses": [{"id": b["id"], "name": b["name"], "input": b["input"]}
                              for b in blocks if b["type"] == "tool_use"]}
        if not body.get("stream"):
            msg = {"id": mid, "type": "message", "role": "assistant", "model": model,
                   "content": blocks, "stop_reason": stop, "stop_sequence": None,
                   "usage": usage_dict(label, final=True)}
            self._json(200, msg)
            sent["t"] = time.time()
            return log(sent)
        rid = next_id("req")
        sent["request_id"] = rid
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Connection", "close")
        self.send_header("request-id", rid)
        self.end_headers()
        self.close_connection = True
        try:
            self._stream(mid, model, label, blocks, stop)
        except OSError as e:
            sent["t"] = time.time()
            sent["response_dropped"] = sent.pop("response")
            sent["error"] = repr(e)
            return log(sent)
        sent["t"] = time.time()
        log(sent)

    def _stream(self, mid, model, label, blocks, stop):
        """The SSE events of one response; OSError when the client has gone."""
        def ev(name, data):
            self.wfile.write(("event: %s\ndata: %s\n\n" % (name, json.dumps(data))).encode())
            self.wfile.flush()
            if ARGS.delay:
                time.sleep(ARGS.delay)

        ev("message_start", {"type": "message_start", "message": {
            "id": mid, "type": "message", "role": "assistant", "model": model, "content": [],
            "stop_reason": None, "stop_sequence": None, "usage": usage_dict(label)}})
        for i, b in enumerate(blocks):
            if b["type"] == "text":
                ev("content_block_start", {"type": "content_block_start", "index": i,
                                           "content_block": {"type": "text", "text": ""}})
                t = b["text"]
                for chunk in (t[: len(t) // 2], t[len(t) // 2:]):
                    ev("content_block_delta", {"type": "content_block_delta", "index": i,
                                               "delta": {"type": "text_delta", "text": chunk}})
            else:
                ev("content_block_start", {"type": "content_block_start", "index": i,
                                           "content_block": {"type": "tool_use", "id": b["id"],
                                                             "name": b["name"], "input": {}}})
                js = json.dumps(b["input"])
                for chunk in (js[: len(js) // 2], js[len(js) // 2:]):
                    ev("content_block_delta", {"type": "content_block_delta", "index": i,
                                               "delta": {"type": "input_json_delta", "partial_json": chunk}})
            ev("content_block_stop", {"type": "content_block_stop", "index": i})
        u = usage_dict(label, final=True)
        ev("message_delta", {"type": "message_delta", "delta": {"stop_reason": stop, "stop_sequence": None},
                             "usage": u})
        ev("message_stop", {"type": "message_stop"})


def main():
    global ARGS
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, default=0, help="0: any free port")
    ap.add_argument("--port-file", help="write the port here once listening")
    ap.add_argument("--max-seconds", type=float, default=600,
                    help="exit after this long, whatever happens")
    ap.add_argument("--log", required=True)
    ap.add_argument("--workdir", default="/tmp/cc-e2e/work")
    ap.add_argument("--delay", type=float, default=0.0,
                    help="seconds to sleep after each SSE event (simulates a slow stream)")
    ap.add_argument("--scenario", default="basic", choices=["basic", "subagent"])
    ARGS = ap.parse_args()
    srv = ThreadingHTTPServer(("127.0.0.1", ARGS.port), H)
    srv.daemon_threads = True
    port = srv.server_address[1]
    if ARGS.port_file:
        # Written whole under another name, then renamed: a reader never
        # sees half a number.
        tmp = "%s.tmp%d" % (ARGS.port_file, os.getpid())
        with open(tmp, "w") as f:
            f.write("%d\n" % port)
        os.rename(tmp, ARGS.port_file)
    sys.stderr.write("mock listening on 127.0.0.1:%d\n" % port)
    threading.Timer(ARGS.max_seconds, lambda: os._exit(0)).start()
    srv.serve_forever()


if __name__ == "__main__":
    main()
