#!/usr/bin/env python3
"""Tiny mock of an OpenAI-compatible Chat Completions API, for driving the real
OpenCode CLI offline (custom provider with npm "@ai-sdk/openai-compatible")
in an end-to-end test (test/t-e2e-opencode.sh).

Copied from shared/tools/opencode-e2e/mock_openai.py (the tool that captured
the OpenCode 1.18.33 fixtures), then changed for the test:
  - --port 0 (the default) binds a free port, and --port-file names a file the
    chosen port is written to once the socket listens, so that runs can overlap;
  - every response is logged once it has been sent whole, with its id, label,
    usage, text and tool calls (a line with "response"), so that the test
    compares the rows with the mock's own figures; a stream the client
    dropped is logged as "response_dropped", never counted;
  - --max-seconds: the mock exits by itself after that long (a safety net
    for a test killed before it could stop it).
The script, the usage numbers and the ids are the original's.

Usage: mock_openai.py --log requests.jsonl [--port N] [--port-file F] [--workdir DIR]
                      [--max-seconds S]

Every request is appended as one JSON line to --log.
Every response to POST /v1/chat/completions sent whole is one more line:
  {"response": "<chatcmpl id>", "label": "t0", "model": ..., "usage": {...},
   "text": ..., "tool_calls": [{"id", "name", "arguments"}, ...]}
where arguments is the call's arguments, parsed.
POST /v1/chat/completions (stream or not).  A "main" request is one whose tools
include "bash"; the reply depends on how many assistant messages with tool_calls the
conversation already holds:
  0 -> text + tool_call bash {"command": "echo hello-from-tool"}
  1 -> tool_call read {workdir}/hello.txt + tool_call read {workdir}/missing.txt (fails)
  2 -> tool_call bash "echo failing >&2; exit 3"
  3+-> final text (finish_reason stop)
Any other request (title generation etc.) gets a short text.  Each reply carries
distinct usage numbers (prompt_tokens, completion_tokens, prompt_tokens_details.cached_tokens).
GET /v1/models lists the mock model.  Unknown paths: 404.
"""
import argparse
import json
import os
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LOCK = threading.Lock()
ARGS = None
COUNTER = [0]
USAGE = {"t0": (2001, 201, 501), "t1": (2002, 202, 502), "t2": (2003, 203, 503),
         "final": (2004, 204, 504), "side": (21, 7, 0)}


def nid(p):
    with LOCK:
        COUNTER[0] += 1
        return "%s_mock%06d" % (p, COUNTER[0])


def log(e):
    with LOCK:
        with open(ARGS.log, "a") as f:
            f.write(json.dumps(e) + "\n")


def plan(body):
    tools = [((t.get("function") or {}).get("name")) for t in (body.get("tools") or [])]
    msgs = body.get("messages") or []
    wd = ARGS.workdir
    if "bash" not in tools:
        return "side", "Mock title", []
    n = sum(1 for m in msgs if m.get("role") == "assistant" and m.get("tool_calls"))
    tc = lambda name, args: {"id": nid("call"), "type": "function",
                             "function": {"name": name, "arguments": json.dumps(args)}}
    if n == 0:
        return "t0", "I will run echo.", [tc("bash", {"command": "echo hello-from-tool", "description": "Print hello"})]
    if n == 1:
        return "t1", "", [tc("read", {"filePath": wd + "/hello.txt"}), tc("read", {"filePath": wd + "/missing.txt"})]
    if n == 2:
        return "t2", "Now a failing command.", [tc("bash", {"command": "echo failing >&2; exit 3", "description": "Fail on purpose"})]
    return "final", "All done. MOCK-FINAL-ANSWER: hello-from-tool", []


def usage(label):
    p, c, cached = USAGE[label]
    return {"prompt_tokens": p, "completion_tokens": c, "total_tokens": p + c,
            "prompt_tokens_details": {"cached_tokens": cached}}


class H(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *a):
        sys.stderr.write("mock: " + (fmt % a) + "\n")

    def _json(self, code, obj):
        d = json.dumps(obj).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(d)))
        self.end_headers()
        self.wfile.write(d)

    def do_GET(self):
        log({"t": time.time(), "method": "GET", "path": self.path, "headers": dict(self.headers.items())})
        if self.path.split("?")[0].rstrip("/") == "/v1/models":
            return self._json(200, {"object": "list", "data": [{"id": "mock-model", "object": "model", "owned_by": "mock"}]})
        self._json(404, {"error": {"message": "mock: no such path", "type": "not_found"}})

    def do_POST(self):
        n = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(n) if n else b""
        try:
            body = json.loads(raw)
        except Exception:
            body = None
        p = self.path.split("?")[0]
        if p != "/v1/chat/completions" or not isinstance(body, dict):
            log({"t": time.time(), "method": "POST", "path": self.path, "headers": dict(self.headers.items()),
                 "body": body if body is not None else raw.decode("utf-8", "replace"), "reply": "404"})
            return self._json(404, {"error": {"message": "mock: no such path", "type": "not_found"}})
        label, text, calls = plan(body)
        log({"t": time.time(), "method": "POST", "path": self.path, "headers": dict(self.headers.items()),
             "body": body, "reply": label})
        cid, model, created = nid("chatcmpl"), body.get("model", "mock-model"), int(time.time())
        finish = "tool_calls" if calls else "stop"
        sent = {"response": cid, "label": label, "model": model, "stream": bool(body.get("stream")),
                "usage": usage(label), "text": text,
                "tool_calls": [{"id": c["id"], "name": c["function"]["name"],
                                "arguments": json.loads(c["function"]["arguments"])} for c in calls]}
        if not body.get("stream"):
            msg = {"role": "assistant", "content": text or None}
            if calls:
                msg["tool_calls"] = calls
            self._json(200, {"id": cid, "object": "chat.completion", "created": created, "model": model,
                             "choices": [{"index": 0, "message": msg, "finish_reason": finish}],
                             "usage": usage(label)})
            sent["t"] = time.time()
            return log(sent)
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Connection", "close")
        self.end_headers()
        self.close_connection = True
        try:
            self._stream(cid, model, created, text, calls, finish, label)
        except OSError as e:
            sent["response_dropped"] = sent.pop("response")
            sent["error"] = repr(e)
        sent["t"] = time.time()
        log(sent)

    def _stream(self, cid, model, created, text, calls, finish, label):
        """The SSE chunks of one response; OSError when the client has gone."""
        def chunk(delta, fr=None, u=None):
            c = {"id": cid, "object": "chat.completion.chunk", "created": created, "model": model,
                 "choices": [{"index": 0, "delta": delta, "finish_reason": fr}]}
            if u is not None:
                c["choices"] = []
                c["usage"] = u
            self.wfile.write(("data: %s\n\n" % json.dumps(c)).encode())
            self.wfile.flush()

        chunk({"role": "assistant", "content": ""})
        if text:
            chunk({"content": text[: len(text) // 2]})
            chunk({"content": text[len(text) // 2:]})
        for i, c in enumerate(calls):
            a = c["function"]["arguments"]
            chunk({"tool_calls": [{"index": i, "id": c["id"], "type": "function",
                                   "function": {"name": c["function"]["name"], "arguments": a[: len(a) // 2]}}]})
            chunk({"tool_calls": [{"index": i, "function": {"arguments": a[len(a) // 2:]}}]})
        chunk({}, finish)
        chunk(None, None, usage(label))
        self.wfile.write(b"data: [DONE]\n\n")
        self.wfile.flush()


def main():
    global ARGS
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, default=0, help="0: any free port")
    ap.add_argument("--port-file", help="write the port here once listening")
    ap.add_argument("--max-seconds", type=float, default=600,
                    help="exit after this long, whatever happens")
    ap.add_argument("--log", required=True)
    ap.add_argument("--workdir", default="/tmp/oc-e2e/work")
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
