#!/usr/bin/python3
"""Session-keeping reverse proxy between a scanner and the portal (used by scripts/scan.sh).

Scanners are bad at keeping a signed-in session: wapiti 3.0.4's exclude option (-x) breaks on
Python 3.11, so it would happily submit the sign-out form; an attack on a step-up form can end
the session on purpose (the portal does that after repeated wrong passwords); and with
COOKIE_SECURE on, the session cookie is `Secure`, which Python's cookie jars never send over
plain HTTP. This proxy owns the session instead:

- it signs in as ROLE's account at start (or, for `public`, only fetches an anonymous session
  from /login), and replaces the Cookie header of every forwarded request with that session;
- when a form carries the CSRF token of an earlier session of this proxy (the scanner read the
  form before a re-sign-in), it adds the current token as `X-CSRF-Token` (the portal prefers the
  header to the form field), so the form still reaches its handler; a missing or altered token
  is passed on untouched, so CSRF checks stay honest;
- it answers POST /logout itself (403, never forwarded);
- when the portal answers "signed out" (a redirect to /login, or a 403 after the session ended),
  it signs in again and retries the request once.

Set-Cookie headers still reach the scanner, so wapiti's cookie-flag checks see the real cookie.
Counters are printed to stderr when the proxy is stopped (SIGTERM).

Usage: scan-proxy.py LISTEN_PORT UPSTREAM_PORT ROLE [EMAIL PASSWORD]   (ROLE: public|customer|...)
Standard library only: it runs inside the scan's network namespace with nothing to download.
"""

import http.client
import os
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LISTEN, UPSTREAM, ROLE = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
EMAIL, PASSWORD = (sys.argv[4], sys.argv[5]) if ROLE != "public" else ("", "")
LANDING = {"customer": "/customer/account", "partner": "/partner/customers",
           "manager": "/manager/partners", "public": "/login"}[ROLE]
CSRF_RE = re.compile(rb'name="csrf_token" value="([^"]+)"')
# The token a form carries: url-encoded `csrf_token=...` or a multipart part of that name.
# (wapiti sends every field as a file part: `name="csrf_token"; filename="csrf_token"`).
SENT_RE = re.compile(
    rb'(?:^|&)csrf_token=([^&]*)|name="csrf_token"[^\r\n]*\r\n(?:[^\r\n]+\r\n)*\r\n([^\r\n]*)')
# Hop-by-hop headers and the ones the proxy sets itself.
DROP_REQUEST = {"cookie", "x-csrf-token", "connection", "keep-alive", "proxy-connection",
                "transfer-encoding", "te", "upgrade", "host", "content-length"}
DROP_RESPONSE = {"connection", "keep-alive", "transfer-encoding", "content-length"}

lock = threading.Lock()
state = {"cookie": "", "csrf": "", "last_login": 0.0}
earlier_tokens = set()
counts = {"requests": 0, "logout_blocked": 0, "sign_ins": 0, "sign_in_failures": 0,
          "throttle_cleared": 0}


def upstream(method, path, body=b"", headers=None):
    conn = http.client.HTTPConnection("127.0.0.1", UPSTREAM, timeout=30)
    try:
        conn.request(method, path, body=body or None, headers=headers or {})
        resp = conn.getresponse()
        return resp.status, resp.getheaders(), resp.read()
    finally:
        conn.close()


def session_cookie(headers):
    """The portal's session cookie (`name=value`) from Set-Cookie headers, if any."""
    for name, value in headers:
        if name.lower() == "set-cookie" and "portal_session=" in value:
            pair = value.split(";", 1)[0].strip()
            return "" if pair.endswith("=") else pair
    return None


def learn(headers, body):
    """Adopts a rotated session cookie and the CSRF token shown on a page."""
    cookie = session_cookie(headers)
    if cookie is not None:
        state["cookie"] = cookie
    match = CSRF_RE.search(body)
    if match and match.group(1).decode() != state["csrf"]:
        if state["csrf"]:
            earlier_tokens.add(state["csrf"])
        state["csrf"] = match.group(1).decode()


def stale_token(body):
    """Whether the body carries a CSRF token of an earlier session of this proxy."""
    match = SENT_RE.search(body)
    if not match:
        return False
    sent = urllib.parse.unquote_to_bytes(match.group(1) or match.group(2) or b"").decode("latin-1")
    return sent in earlier_tokens


def sign_in():
    """Starts a fresh session (anonymous for `public`); at most one attempt every 5 s so a
    throttled account does not turn the scan into a sign-in flood. Call with `lock` held."""
    if time.time() - state["last_login"] < 5:
        return
    state["last_login"] = time.time()
    state["cookie"] = ""
    try:
        status, headers, body = upstream("GET", "/login")
        learn(headers, body)
        if ROLE == "public":
            return
        form = urllib.parse.urlencode({"csrf_token": state["csrf"], "email": EMAIL,
                                       "password": PASSWORD, "next": ""})
        status, headers, body = upstream("POST", "/login", form.encode(), {
            "Cookie": state["cookie"], "Content-Type": "application/x-www-form-urlencoded"})
        learn(headers, body)
        location = dict((k.lower(), v) for k, v in headers).get("location", "")
        if status == 429 and clear_throttle():
            # The scanner's wrong passwords on the step-up forms locked the account, as they
            # must; the scan is after injections, not the throttle (its own tests cover it), so
            # the lock is lifted in the throwaway database and the sign-in tried once more.
            state["cookie"] = ""
            status, headers, body = upstream("GET", "/login")
            learn(headers, body)
            form = urllib.parse.urlencode({"csrf_token": state["csrf"], "email": EMAIL,
                                           "password": PASSWORD, "next": ""})
            status, headers, body = upstream("POST", "/login", form.encode(), {
                "Cookie": state["cookie"], "Content-Type": "application/x-www-form-urlencoded"})
            learn(headers, body)
            location = dict((k.lower(), v) for k, v in headers).get("location", "")
        if status != 303 or location.startswith("/login"):
            counts["sign_in_failures"] += 1
            print(f"scan-proxy[{ROLE}]: sign-in answered {status} {location}", file=sys.stderr)
            return
        counts["sign_ins"] += 1
        status, headers, body = upstream("GET", LANDING, headers={"Cookie": state["cookie"]})
        learn(headers, body)
    except OSError as err:
        counts["sign_in_failures"] += 1
        print(f"scan-proxy[{ROLE}]: sign-in failed: {err}", file=sys.stderr)


def clear_throttle():
    """Deletes the sign-in throttle rows of this role's account and of the scanners' address in
    the scan's throwaway database (SCAN_DATABASE_URL); true when that worked."""
    url = os.environ.get("SCAN_DATABASE_URL")
    if not url:
        return False
    sql = ("delete from login_throttle where key in "
           f"('account:{EMAIL.lower()}', 'ip:127.0.0.1')")
    done = subprocess.run(["psql", url, "-qAt", "-c", sql], capture_output=True, timeout=10)
    if done.returncode == 0:
        counts["throttle_cleared"] += 1
        return True
    print(f"scan-proxy[{ROLE}]: could not clear the throttle: {done.stderr!r}", file=sys.stderr)
    return False


def signed_out(status, headers):
    location = dict((k.lower(), v) for k, v in headers).get("location", "")
    return ROLE != "public" and (status == 403 or (status in (302, 303) and location.startswith("/login")))


class Proxy(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):  # the portal's own log is the record
        pass

    def forward(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        counts["requests"] += 1
        if self.command == "POST" and urllib.parse.urlsplit(self.path).path.rstrip("/") == "/logout":
            counts["logout_blocked"] += 1
            return self.reply(403, [("Content-Type", "text/plain")], b"sign-out is not scanned\n")
        for attempt in (1, 2):
            with lock:
                cookie, csrf = state["cookie"], state["csrf"]
            headers = {k: v for k, v in self.headers.items() if k.lower() not in DROP_REQUEST}
            headers["Host"] = f"127.0.0.1:{UPSTREAM}"
            if cookie:
                headers["Cookie"] = cookie
            if csrf and stale_token(body):
                headers["X-CSRF-Token"] = csrf
            if body:
                headers["Content-Length"] = str(len(body))
            try:
                status, resp_headers, resp_body = upstream(self.command, self.path, body, headers)
            except OSError as err:
                return self.reply(502, [("Content-Type", "text/plain")], f"{err}\n".encode())
            with lock:
                learn(resp_headers, resp_body)
                if attempt == 1 and signed_out(status, resp_headers) and not self.still_signed_in():
                    sign_in()
                    continue
            return self.reply(status, resp_headers, resp_body)

    def still_signed_in(self):
        """Whether the held session still opens the role's landing page (called with `lock`)."""
        try:
            status, headers, body = upstream("GET", LANDING, headers={"Cookie": state["cookie"]})
        except OSError:
            return True
        learn(headers, body)
        return status == 200

    def reply(self, status, headers, body):
        self.send_response(status)
        for name, value in headers:
            if name.lower() not in DROP_RESPONSE:
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_OPTIONS = forward
    do_TRACE = do_PROPFIND = forward


def stop(*_):
    print(f"scan-proxy[{ROLE}]: " + " ".join(f"{k}={v}" for k, v in counts.items()), file=sys.stderr)
    sys.exit(0)


signal.signal(signal.SIGTERM, stop)
with lock:
    sign_in()
if ROLE != "public" and not state["cookie"]:
    sys.exit(f"scan-proxy[{ROLE}]: could not sign in as {EMAIL}")
class Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        # Scanners drop connections all the time; only report what is not that.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


server = Server(("127.0.0.1", LISTEN), Proxy)
print(f"scan-proxy[{ROLE}]: 127.0.0.1:{LISTEN} -> 127.0.0.1:{UPSTREAM}", file=sys.stderr, flush=True)
server.serve_forever()
