# A service for tests/suggestions.rs. /orders waits 0.2 s, logs a Python
# traceback and answers 500; /quiet answers 500 and logs nothing; /users/42
# answers 404 with a body that repeats the request's Authorization header (a
# secret the report must mask); /slow answers after 0.3 s; /health answers.
import sys, time, traceback
from http.server import BaseHTTPRequestHandler, HTTPServer

class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def answer(self, status, body):
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def orders(self):
        raise RuntimeError("connection pool exhausted (10 of 10 in use)")

    def do_GET(self):
        if self.path == "/orders":
            time.sleep(0.2)
            try:
                self.orders()
            except RuntimeError:
                print("GET /orders failed", flush=True)
                traceback.print_exc(file=sys.stdout)
                sys.stdout.flush()
            self.answer(500, b'{"error":"internal"}')
        elif self.path == "/quiet":
            self.answer(500, b'{"error":"internal"}')
        elif self.path == "/users/42":
            given = self.headers.get("authorization", "")
            self.answer(404, ('{"error":"no user 42","seen":"%s"}' % given).encode())
        elif self.path == "/slow":
            time.sleep(0.3)
            self.answer(200, b'{"status":"healthy"}')
        else:
            self.answer(200, b'{"status":"healthy"}')

print("listening", flush=True)
HTTPServer(("127.0.0.1", int(sys.argv[1])), Handler).serve_forever()
