"""A photo server on a loopback address, for the tests of what fetches photos by URL."""

import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

SLOW_SECONDS = 3
DRIP_SECONDS = 3


class PhotoServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address) -> None:
        """A client that hangs up early is what the tests of a fetch that gives up want: not
        worth a traceback in the test log; anything else is."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


def serve(files: dict[str, bytes], redirects: dict[str, str], host: str = "127.0.0.1"):
    """A threaded server of ``files``, answering ``redirects`` with a 302; ``/slow.jpg`` waits
    before answering, ``/drip.jpg`` sends ``files["/drip.jpg"]`` a little at a time."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            if self.path == "/slow.jpg":
                time.sleep(SLOW_SECONDS)
            if self.path in redirects:
                self.send_response(302)
                self.send_header("Location", redirects[self.path])
                self.end_headers()
                return
            body = files.get(self.path)
            if body is None:
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Type", "image/jpeg")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.path == "/drip.jpg":
                pieces = 30
                for start in range(0, len(body), len(body) // pieces + 1):
                    self.wfile.write(body[start : start + len(body) // pieces + 1])
                    self.wfile.flush()
                    time.sleep(DRIP_SECONDS / pieces)
                return
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = PhotoServer((host, 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server
