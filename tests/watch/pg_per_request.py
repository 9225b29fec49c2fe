# A service for tests/watch.rs: each request to /orders opens a PostgreSQL
# connection as the role it is given (a `psql` of its own), holds it for
# 3 s (`pg_sleep`: far longer than starting psql takes on a busy machine, so
# the connections of concurrent requests overlap) and answers 200 — or 503 with an ERROR line when the
# role's connection limit refused it. /health answers without touching the
# database. Usage: python3 pg_per_request.py PORT ROLE
import subprocess, sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PORT, ROLE = int(sys.argv[1]), sys.argv[2]


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def answer(self, status, body):
        self.send_response(status)
        self.send_header("content-type", "text/plain")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        if self.path != "/orders":
            self.answer(200, b"ok")
            return
        held = subprocess.run(
            ["psql", "-X", "-q", "-A", "-t", "-h", "127.0.0.1", "-p", "5432",
             "-U", ROLE, "-d", "test", "-c", "SELECT pg_sleep(3)"],
            capture_output=True, text=True,
        )
        if held.returncode == 0:
            self.answer(200, b"orders")
        else:
            print("ERROR", held.stderr.strip(), flush=True)
            self.answer(503, b"database refused")


ThreadingHTTPServer.daemon_threads = True
print("listening", flush=True)
ThreadingHTTPServer(("127.0.0.1", PORT), Handler).serve_forever()
