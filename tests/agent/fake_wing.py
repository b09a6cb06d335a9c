#!/usr/bin/env python3
"""A stand-in for winglang's `wing`, for the runtime agent's tests: `wing test` and `wing it` as the agent
calls them, with the results file and Wing Console tRPC routes shaped like winglang 0.85's (recorded by
running the real one). What it does is read from `fake-wing.json` in the app's folder:

    {"test": "pass" | "fail" | "compile-error" | "no-results",
     "it": "serve" | "crash" | "app-error",
     "body": "what the endpoint answers", "die_after": seconds (the app dies once running), "print": "..."}
"""

import json
import os
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit


def main(argv: list[str]) -> int:
    behaviour = json.loads(Path("fake-wing.json").read_text()) if Path("fake-wing.json").exists() else {}
    command = argv[0]
    if command == "test":
        return wing_test(argv, behaviour)
    if command == "it":
        return wing_it(argv, behaviour)
    print(f"fake wing: unknown command {command}", file=sys.stderr)
    return 2


def wing_test(argv: list[str], behaviour: dict) -> int:
    output = Path(argv[argv.index("-o") + 1])
    entry = argv[-1]
    mode = behaviour.get("test", "pass")
    print(f"fake wing test {entry} (secret seen: {os.environ.get('MY_SECRET', '-')})")
    if mode == "no-results":
        print("the test harness crashed", file=sys.stderr)
        return 1
    if mode == "compile-error":
        message = 'error: Expected type to be "num", but got "str" instead\n  --> main.w:2:14'
        print(message)
        output.write_text(json.dumps({"results": {entry: {"*": {"pass": False, "error": message}}}}))
        return 1
    results = {"the api says hello": {"pass": True}, "arithmetic": {"pass": mode != "fail"}}
    if mode == "fail":
        results["arithmetic"]["error"] = "Error: assertion failed: 1 + 1 == 3\n    at Object.handle (bundle.cjs:1:1)"
    for name, outcome in results.items():
        print(f"{'pass' if outcome['pass'] else 'fail'} ─ {entry}sim » root/Default/test:{name}")
    output.write_text(json.dumps({"results": {entry: results}}))
    return 0 if mode != "fail" else 1


def wing_it(argv: list[str], behaviour: dict) -> int:
    port = int(argv[argv.index("-p") + 1])
    mode = behaviour.get("it", "serve")
    if mode == "crash":
        print("fake wing it: cannot start", flush=True)
        return 3
    body = behaviour.get("body", "hello").encode()
    logs: list[dict] = []
    started = time.time()

    class Endpoint(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            logs.append(
                {
                    "id": str(len(logs)),
                    "timestamp": int(time.time() * 1000),
                    "level": "info",
                    "message": f"served {self.path}",
                    "ctx": {"sourcePath": "root/Default/Api/OnRequestHandler0"},
                }
            )
            self.send_response(200)
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    api = ThreadingHTTPServer(("127.0.0.1", 0), Endpoint)
    threading.Thread(target=api.serve_forever, daemon=True).start()
    api_url = f"http://127.0.0.1:{api.server_address[1]}"

    class Console(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            url = urlsplit(self.path)
            procedure = url.path.removeprefix("/trpc/")
            ready = time.time() - started > 0.3  # compiling, then loadingSimulator, then success
            if procedure == "app.state":
                data = ("error" if mode == "app-error" else "success") if ready else "compiling"
            elif procedure == "app.error":
                data = "Error: the app threw at startup: boom" if mode == "app-error" else ""
            elif procedure == "endpoint.list":
                data = [
                    {
                        "id": "root/Default/Api/Endpoint",
                        "label": "Api root/Default/Api",
                        "url": api_url,
                        "localUrl": api_url,
                        "browserSupport": False,
                        "exposeStatus": "disconnected",
                    }
                ]
            elif procedure == "app.logs":
                since = json.loads(parse_qs(url.query)["input"][0])["filters"]["timestamp"]
                data = {"logs": [e for e in logs if e["timestamp"] >= since], "hiddenLogs": 0}
            else:
                self.send_response(404)
                self.end_headers()
                return
            payload = json.dumps({"result": {"data": data}}).encode()
            self.send_response(200)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args: object) -> None:
            pass

    console = ThreadingHTTPServer(("127.0.0.1", port), Console)
    print(f"The Wing Console is running at http://localhost:{port}/", flush=True)
    if behaviour.get("print"):
        print(behaviour["print"], flush=True)
    if "die_after" in behaviour:
        threading.Timer(float(behaviour["die_after"]), lambda: os._exit(7)).start()
    console.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
