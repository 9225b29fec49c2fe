# A service for tests/suggestions.rs whose failures are not HTTP statuses: an
# HTTP port (argv[1]) and a small Redis-speaking port (argv[2]). Each failing
# path comes in two forms, one that logs a Python traceback first and one that
# logs nothing, so a test can hold that the suggestion quotes the log only
# when there is something in it.
#
# HTTP: /hang and /hang-quietly never answer (a test's timeout ends them);
# /orders and /orders-quietly answer 202 ("accepted") but the order is not
# saved; /health answers.
# Redis: `GET order:7` and `GET order:quiet` close the connection unanswered
# (a crash mid-command); `SELECT 3` and `SELECT 4` (sent while connecting to
# database 3 or 4) close it during the handshake; anything else is +OK.
import socket, sys, threading, time, traceback
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def logged(error):
    """Raises `error` and prints its traceback, as a crashing handler's
    framework would."""
    try:
        raise error
    except Exception:
        traceback.print_exc(file=sys.stdout)
        sys.stdout.flush()


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
        if self.path == "/hang":
            logged(TimeoutError("lock on orders_pk held by worker 1"))
            time.sleep(60)
        elif self.path == "/hang-quietly":
            time.sleep(60)
        else:
            self.answer(200, b'{"status":"healthy"}')

    def do_POST(self):
        if self.path == "/orders":
            logged(ConnectionResetError("order 7 not saved: database went away"))
        self.answer(202, b'{"accepted":true}')


def read_command(stream):
    """One RESP array of bulk strings, as a list of str; None at the end."""
    header = stream.readline()
    if not header.startswith(b"*"):
        return None
    words = []
    for _ in range(int(header[1:])):
        length = int(stream.readline()[1:])
        words.append(stream.read(length + 2)[:-2].decode())
    return words


def serve_redis(connection):
    stream = connection.makefile("rb")
    while True:
        words = read_command(stream)
        if words is None:
            break
        said = " ".join(words)
        if said == "GET order:7":
            logged(MemoryError("cannot allocate the reply for order:7"))
            break
        if said == "GET order:quiet":
            break
        if said == "SELECT 3":
            logged(PermissionError("database 3 is being restored"))
            break
        if said == "SELECT 4":
            break
        connection.sendall(b"+OK\r\n")
    # The file made from the socket keeps it open: shut down first, so the
    # client sees the connection end.
    connection.shutdown(socket.SHUT_RDWR)
    stream.close()
    connection.close()


def accept_redis(listener):
    while True:
        connection, _ = listener.accept()
        threading.Thread(target=serve_redis, args=(connection,), daemon=True).start()


# Bound before the HTTP port, so that the service is ready only once both are.
redis_listener = socket.socket()
redis_listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
redis_listener.bind(("127.0.0.1", int(sys.argv[2])))
redis_listener.listen(16)
threading.Thread(target=accept_redis, args=(redis_listener,), daemon=True).start()
print("listening", flush=True)
ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Handler).serve_forever()
