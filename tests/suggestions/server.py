# A service for tests/suggestions.rs: /orders fails with 500 and logs the error
# with its traceback; /quiet fails with 500 and logs nothing; /health answers.
import sys, traceback
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

    def do_GET(self):
        if self.path == "/orders":
            try:
                raise RuntimeError("connection pool exhausted (10 of 10 in use)")
            except RuntimeError:
                print("ERROR GET /orders failed", flush=True)
                traceback.print_exc(file=sys.stdout)
                sys.stdout.flush()
            self.answer(500, b'{"error":"internal"}')
        elif self.path == "/quiet":
            self.answer(500, b'{"error":"internal"}')
        else:
            self.answer(200, b'{"status":"healthy"}')

print("listening", flush=True)
HTTPServer(("127.0.0.1", int(sys.argv[1])), Handler).serve_forever()
