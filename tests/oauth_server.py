#!/usr/bin/env python3
"""A small OAuth 2 authorization server and an SMTP server that checks its bearer tokens, for
lettermerge's sign-in tests. Python standard library plus aiosmtpd 1.4.6 (for the SMTP half,
which reuses tests/smtp_server.py).

Usage:
    oauth_server.py --maildir DIR [--token-lifetime SECONDS] [--claimed-lifetime SECONDS]
                    [--client-id ID] [--client-secret S] [--interval SECONDS]
                    [--max-messages-per-conn N] [--no-pipelining]
                    [--tls-cert C --tls-key K]   (HTTPS instead of HTTP)

--claimed-lifetime is the expires_in told to clients (default: the real --token-lifetime),
so a test can make a token expire before the client expects. --max-messages-per-conn N
answers the MAIL after N messages on one connection with 421 and closes it.

Prints `READY <http-port> <smtp-port>` once both listen on 127.0.0.1.

HTTP (http://127.0.0.1:<http-port>):
    POST /device      RFC 8628 device authorization: device_code, user_code, verification_uri
    POST /token       grant_type = device_code (authorization_pending until approved; slow_down
                      when polled faster than the interval), authorization_code (+ PKCE S256),
                      refresh_token (rotated: the old refresh token stops working)
    GET  /authorize   authorization code + PKCE: redirects at once to redirect_uri with code
                      and state (auto-approved)
    GET  /approve?user_code=C   test hook: the user approves the device code C
    GET  /revoke[?token=T]      test hook: refresh token T (all of them without T) -> invalid_grant
    GET  /expire                test hook: every access token issued so far expires now
    GET  /tokens                test hook: every token text issued, so tests can look for leaks
    GET  /verify                the verification page (does nothing)

SMTP (127.0.0.1:<smtp-port>, no TLS): AUTH XOAUTH2 and OAUTHBEARER only, required before
MAIL; a bearer token is accepted when this server issued it and it has not expired. A bad
token gets Gmail's answer: 334 with a base64 JSON error, then 535 after the client's empty
line (XOAUTH2) or its \\x01 (OAUTHBEARER, RFC 7628).

Events go to DIR/events.jsonl as one JSON object a line, as in smtp_server.py, HTTP ones with
"conn": null: device, token (grant, ok, error), authorize, approve, revoke, expire, and
auth (mechanism, ok, token_id) for the SMTP logins. Token texts are never logged; each
access token has a number, token_id, in issue order.
"""

import argparse
import asyncio
import base64
import hashlib
import json
import os
import secrets
import ssl
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from smtp_server import Handler, RecordingSMTP, Recorder  # noqa: E402

from aiosmtpd.smtp import AuthResult, LoginPassword  # noqa: E402

DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"


class LockedRecorder(Recorder):
    """The HTTP thread and the SMTP loop both log."""

    def __init__(self, maildir):
        super().__init__(maildir)
        self.lock = threading.Lock()

    def event(self, conn, kind, **fields):
        with self.lock:
            super().event(conn, kind, **fields)


class State:
    def __init__(self, args, recorder):
        self.args = args
        self.recorder = recorder
        self.lock = threading.Lock()
        self.devices = {}  # device_code -> {"user_code", "approved", "last_poll", "scope"}
        self.codes = {}  # code -> {"challenge", "redirect_uri", "scope"}
        self.refresh = {}  # refresh token -> scope, while valid
        self.access = {}  # access token -> (expiry, token_id)
        self.issued = 0
        self.texts = []  # every token text issued (the /tokens hook)

    def issue(self, scope):
        """A new access + refresh token pair (the caller holds the lock)."""
        self.issued += 1
        access = "at-" + secrets.token_urlsafe(24)
        refresh = "rt-" + secrets.token_urlsafe(24)
        self.access[access] = (time.time() + self.args.token_lifetime, self.issued)
        self.refresh[refresh] = scope
        self.texts += [access, refresh]
        claimed = self.args.claimed_lifetime if self.args.claimed_lifetime is not None else self.args.token_lifetime
        return {
            "access_token": access,
            "token_type": "Bearer",
            "expires_in": int(claimed),
            "refresh_token": refresh,
            "scope": scope,
        }, self.issued

    def check_access(self, token):
        """The token's number when it is valid, else None."""
        with self.lock:
            entry = self.access.get(token)
        if entry is None or entry[0] <= time.time():
            return None
        return entry[1]


def make_http_handler(state):
    recorder = state.recorder
    args = state.args

    class OAuthHTTP(BaseHTTPRequestHandler):
        def log_message(self, fmt, *a):
            sys.stderr.write("http: " + (fmt % a) + "\n")

        def reply(self, status, body, headers=None):
            data = json.dumps(body).encode() if not isinstance(body, bytes) else body
            self.send_response(status)
            self.send_header("Content-Type", "application/json" if not isinstance(body, bytes) else "text/plain")
            self.send_header("Content-Length", str(len(data)))
            self.send_header("Cache-Control", "no-store")
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(data)

        def error(self, status, code, description=""):
            self.reply(status, {"error": code, "error_description": description})

        def form(self):
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length).decode()
            if "application/x-www-form-urlencoded" not in (self.headers.get("Content-Type") or ""):
                return None
            return {k: v[0] for k, v in urllib.parse.parse_qs(raw, keep_blank_values=True).items()}

        def client_ok(self, form):
            if form.get("client_id") != args.client_id:
                self.error(401, "invalid_client", "unknown client_id")
                return False
            if args.client_secret is not None and form.get("client_secret") != args.client_secret:
                self.error(401, "invalid_client", "wrong or missing client_secret")
                return False
            return True

        def do_GET(self):
            url = urllib.parse.urlsplit(self.path)
            q = {k: v[0] for k, v in urllib.parse.parse_qs(url.query).items()}
            if url.path == "/approve":
                with state.lock:
                    found = [d for d in state.devices.values() if d["user_code"] == q.get("user_code")]
                    for d in found:
                        d["approved"] = True
                recorder.event(None, "approve", ok=bool(found))
                self.reply(200 if found else 404, {"approved": bool(found)})
            elif url.path == "/revoke":
                with state.lock:
                    if "token" in q:
                        n = 1 if state.refresh.pop(q["token"], None) is not None else 0
                    else:
                        n = len(state.refresh)
                        state.refresh.clear()
                recorder.event(None, "revoke", count=n)
                self.reply(200, {"revoked": n})
            elif url.path == "/expire":
                with state.lock:
                    for t, (_, n) in list(state.access.items()):
                        state.access[t] = (0, n)
                recorder.event(None, "expire")
                self.reply(200, {"expired": True})
            elif url.path == "/authorize":
                need = ["response_type", "client_id", "redirect_uri", "state", "code_challenge",
                        "code_challenge_method"]
                missing = [k for k in need if k not in q]
                redirect = urllib.parse.urlsplit(q.get("redirect_uri", ""))
                ok = (not missing and q["response_type"] == "code" and q["client_id"] == args.client_id
                      and q["code_challenge_method"] == "S256" and redirect.scheme == "http"
                      and redirect.hostname == "127.0.0.1")
                recorder.event(None, "authorize", ok=ok, missing=missing)
                if not ok:
                    self.reply(400, b"bad authorization request: " + ",".join(missing).encode())
                    return
                code = "code-" + secrets.token_urlsafe(16)
                with state.lock:
                    state.codes[code] = {"challenge": q["code_challenge"], "redirect_uri": q["redirect_uri"],
                                         "scope": q.get("scope", "")}
                sep = "&" if redirect.query else "?"
                location = q["redirect_uri"] + sep + urllib.parse.urlencode({"code": code, "state": q["state"]})
                self.reply(302, b"", {"Location": location})
            elif url.path == "/tokens":
                with state.lock:
                    self.reply(200, {"tokens": list(state.texts)})
            elif url.path == "/verify":
                self.reply(200, b"enter the code")
            else:
                self.reply(404, b"not found")

        def do_POST(self):
            url = urllib.parse.urlsplit(self.path)
            form = self.form()
            if form is None:
                self.error(400, "invalid_request", "form body expected")
                return
            if url.path == "/device":
                if not self.client_ok(form):
                    return
                device_code = "dc-" + secrets.token_urlsafe(16)
                user_code = "%04d-%04d" % (secrets.randbelow(10000), secrets.randbelow(10000))
                with state.lock:
                    state.devices[device_code] = {"user_code": user_code, "approved": False,
                                                  "last_poll": 0.0, "scope": form.get("scope", "")}
                recorder.event(None, "device", scope=form.get("scope", ""))
                port = self.server.server_address[1]
                self.reply(200, {
                    "device_code": device_code,
                    "user_code": user_code,
                    "verification_uri": f"{'https' if args.tls_cert else 'http'}://127.0.0.1:{port}/verify",
                    "expires_in": 600,
                    "interval": args.interval,
                })
            elif url.path == "/token":
                self.token(form)
            else:
                self.reply(404, b"not found")

        def token(self, form):
            grant = form.get("grant_type")
            if not self.client_ok(form):
                recorder.event(None, "token", grant=grant, ok=False, error="invalid_client")
                return

            def fail(code, description=""):
                recorder.event(None, "token", grant=grant, ok=False, error=code)
                self.error(400, code, description)

            with state.lock:
                if grant == DEVICE_GRANT:
                    d = state.devices.get(form.get("device_code"))
                    if d is None:
                        return fail("invalid_grant", "unknown device_code")
                    now = time.time()
                    too_fast = now - d["last_poll"] < args.interval * 0.8
                    d["last_poll"] = now
                    if not d["approved"]:
                        return fail("slow_down" if too_fast else "authorization_pending")
                    del state.devices[form["device_code"]]
                    body, n = state.issue(d["scope"])
                elif grant == "authorization_code":
                    c = state.codes.pop(form.get("code"), None)
                    if c is None:
                        return fail("invalid_grant", "unknown or used code")
                    if form.get("redirect_uri") != c["redirect_uri"]:
                        return fail("invalid_grant", "redirect_uri differs")
                    verifier = form.get("code_verifier", "")
                    digest = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=")
                    if digest.decode() != c["challenge"]:
                        return fail("invalid_grant", "PKCE code_verifier does not match")
                    body, n = state.issue(c["scope"])
                elif grant == "refresh_token":
                    scope = state.refresh.pop(form.get("refresh_token"), None)
                    if scope is None:
                        return fail("invalid_grant", "the refresh token is revoked or unknown")
                    body, n = state.issue(scope)
                else:
                    return fail("unsupported_grant_type")
            recorder.event(None, "token", grant=grant, ok=True, token_id=n)
            self.reply(200, body)

    return OAuthHTTP


class LimitedHandler(Handler):
    """Handler with an optional cap on messages per connection (like Exchange Online)."""

    def __init__(self, recorder, pipelining, max_per_conn):
        super().__init__(recorder, 3.0, pipelining)
        self.max_per_conn = max_per_conn

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        done = getattr(session, "messages_done", 0)
        if self.max_per_conn is not None and done >= self.max_per_conn:
            server.recorder_event("mail", address=address, code=421)
            server.loop.call_soon(server.transport.close)
            return "421 4.7.0 too many messages on this connection"
        return await super().handle_MAIL(server, session, envelope, address, mail_options)

    async def handle_DATA(self, server, session, envelope):
        status = await super().handle_DATA(server, session, envelope)
        if status.startswith("250"):
            session.messages_done = getattr(session, "messages_done", 0) + 1
        return status


class BearerSMTP(RecordingSMTP):
    """Accepts XOAUTH2 and OAUTHBEARER with a token the authorization server issued."""

    state = None  # set before the server starts

    def auth_ok(self, mechanism, login, token):
        n = self.state.check_access(token)
        self.recorder_event("auth", mechanism=mechanism, ok=n is not None, token_id=n, user=login)
        return n

    async def refuse(self, cancel_line):
        error = json.dumps({"status": "401", "schemes": "bearer", "scope": "https://mail.example/"})
        await self.push("334 " + base64.b64encode(error.encode()).decode())
        await self._reader.readline()  # the client's empty line (XOAUTH2) or \x01 (OAUTHBEARER)
        await self.push("535 5.7.8 Username and Password not accepted (invalid or expired token)")
        return AuthResult(success=False, handled=True)

    def decode(self, args):
        if len(args) < 2:
            return None
        try:
            return base64.b64decode(args[1].encode(), validate=True).decode()
        except Exception:
            return None

    async def auth_XOAUTH2(self, _, args):
        raw = self.decode(args)
        try:
            fields = dict(p.split("=", 1) for p in raw.split("\x01") if p)
            login, token = fields["user"], fields["auth"].removeprefix("Bearer ")
        except Exception:
            await self.push("501 5.5.2 Can't decode XOAUTH2 response")
            return AuthResult(success=False, handled=True)
        if self.auth_ok("XOAUTH2", login, token) is None:
            return await self.refuse("")
        return AuthResult(success=True, auth_data=LoginPassword(login.encode(), b""))

    async def auth_OAUTHBEARER(self, _, args):
        # RFC 7628: gs2-header "n,a=USER," then \x01-separated key=value pairs, \x01\x01.
        raw = self.decode(args)
        try:
            header, rest = raw.split("\x01", 1)
            gs2 = header.split(",")
            login = next(p[2:] for p in gs2 if p.startswith("a="))
            fields = dict(p.split("=", 1) for p in rest.split("\x01") if p)
            token = fields["auth"].removeprefix("Bearer ")
            if gs2[0] != "n" or not raw.endswith("\x01\x01"):
                raise ValueError
        except Exception:
            await self.push("501 5.5.2 Can't decode OAUTHBEARER response")
            return AuthResult(success=False, handled=True)
        if self.auth_ok("OAUTHBEARER", login, token) is None:
            return await self.refuse("\x01")
        return AuthResult(success=True, auth_data=LoginPassword(login.encode(), b""))


async def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--maildir", required=True)
    parser.add_argument("--token-lifetime", type=float, default=3600.0)
    parser.add_argument("--claimed-lifetime", type=float)
    parser.add_argument("--max-messages-per-conn", type=int)
    parser.add_argument("--client-id", default="lettermerge-test")
    parser.add_argument("--client-secret")
    parser.add_argument("--interval", type=int, default=1, help="device polling interval, seconds")
    parser.add_argument("--no-pipelining", action="store_true")
    parser.add_argument("--tls-cert")
    parser.add_argument("--tls-key")
    args = parser.parse_args()

    os.makedirs(args.maildir, exist_ok=True)
    recorder = LockedRecorder(args.maildir)
    state = State(args, recorder)

    http = ThreadingHTTPServer(("127.0.0.1", 0), make_http_handler(state))
    http.daemon_threads = True
    if args.tls_cert:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(args.tls_cert, args.tls_key)
        http.socket = context.wrap_socket(http.socket, server_side=True)
    threading.Thread(target=http.serve_forever, daemon=True).start()

    BearerSMTP.state = state
    handler = LimitedHandler(recorder, not args.no_pipelining, args.max_messages_per_conn)
    smtp_kwargs = {
        "hostname": "lettermerge-test",
        "data_size_limit": None,
        "auth_required": True,
        "auth_require_tls": False,
        "auth_exclude_mechanism": ["PLAIN", "LOGIN"],
        # Never called: both mechanisms decide themselves.
        "authenticator": lambda *a: AuthResult(success=False),
    }
    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        lambda: BearerSMTP(handler, recorder, loop=loop, **smtp_kwargs), host="127.0.0.1", port=0
    )
    print(f"READY {http.server_address[1]} {server.sockets[0].getsockname()[1]}", flush=True)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        sys.exit(0)
