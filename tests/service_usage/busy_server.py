# A service for tests/service_usage.rs: /busy keeps the CPU busy for 0.1 s
# before it answers (so it is busy only while a load runs against it); any
# other path answers at once. Usage: python3 busy_server.py PORT
import sys, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_GET(self):
        if self.path == "/busy":
            until = time.monotonic() + 0.1
            while time.monotonic() < until:
                pass
        self.send_response(200)
        self.send_header("content-length", "2")
        self.end_headers()
        self.wfile.write(b"ok")


ThreadingHTTPServer.daemon_threads = True
print("listening", flush=True)
ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Handler).serve_forever()
