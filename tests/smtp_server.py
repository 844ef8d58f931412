#!/usr/bin/env python3
"""A real SMTP server (aiosmtpd 1.4.6) for lettermerge's tests, with faults chosen by recipient.

Usage:
    smtp_server.py --port 0 --maildir DIR [--tls-cert C --tls-key K [--require-starttls] [--implicit-tls]]
                   [--auth USER:PASS] [--slow-seconds N] [--no-pipelining]
                   [--idle-timeout SECONDS [--idle-silent]] [--login-only]

Prints `READY <port>` on stdout once listening. Every accepted message is saved as DIR/<n>.eml
(n = 1, 2, ... in acceptance order) and every event is appended as one JSON line to
DIR/events.jsonl, so tests can count connections and attempts.

Faults, chosen by the local part of a recipient (so one run can mix them):
    reject550...@   550 at RCPT
    tempfail451...@ 451 at RCPT the first time that address is seen, accepted afterwards
    data554...@     554 after DATA (message not stored)
    dropdata...@    message stored, then the connection is closed without replying to the final ".",
                    the first time that address is seen; accepted normally afterwards
    down421...@     421 at RCPT and the connection closed, the first time only; accepted afterwards
    slow...@        the reply to the final "." is delayed by --slow-seconds (default 3)
    dropahead...@   the connection is closed without a reply at RCPT, the first time that address
                    is seen (with pipelining: in the middle of a flight, after the reply to the
                    previous message's final ".")

--reply-delay-ms N waits N ms before taking each message (before it is stored), so a test can
kill the client while a message is in flight. Every disconnect event carries `flights`: the
client's bursts that followed a reply of the server, i.e. the round trips the client made
(EHLO is the first; the greeting is not one).
"""

import argparse
import asyncio
import base64
import itertools
import json
import os
import ssl
import sys

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword


class Recorder:
    """Appends events to events.jsonl and stores accepted messages."""

    def __init__(self, maildir):
        self.maildir = maildir
        self.events = open(os.path.join(maildir, "events.jsonl"), "a", encoding="utf-8")
        self.stored = 0
        self.connections = itertools.count(1)

    def event(self, conn, kind, **fields):
        record = {"conn": conn, "event": kind}
        record.update(fields)
        self.events.write(json.dumps(record) + "\n")
        self.events.flush()

    def store(self, content):
        self.stored += 1
        final = os.path.join(self.maildir, f"{self.stored}.eml")
        partial = final + ".part"
        with open(partial, "wb") as f:
            f.write(content)
        os.replace(partial, final)
        return self.stored


def local_part(address):
    return address.split("@", 1)[0].lower()


class Handler:
    def __init__(self, recorder, slow_seconds, pipelining, reply_delay=0.0):
        self.recorder = recorder
        self.reply_delay = reply_delay
        self.slow_seconds = slow_seconds
        self.pipelining = pipelining
        self.seen_tempfail = set()
        self.seen_down = set()
        self.seen_drop = set()
        self.seen_dropahead = set()

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        session.host_name = hostname
        server.recorder_event("ehlo", name=hostname, tls=session.ssl is not None)
        if self.pipelining:
            # aiosmtpd reads commands from a buffered stream, so pipelined commands just work;
            # it only lacks the advertisement.
            responses.insert(-1, "250-PIPELINING")
        return responses

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        server.recorder_event("mail", address=address)
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        local = local_part(address)
        status = "250 OK"
        if local.startswith("reject550"):
            status = "550 5.1.1 no such user"
        elif local.startswith("tempfail451") and address not in self.seen_tempfail:
            self.seen_tempfail.add(address)
            status = "451 4.3.0 try again later"
        elif local.startswith("down421") and address not in self.seen_down:
            self.seen_down.add(address)
            status = "421 4.3.2 service shutting down"
            # The reply is written before this callback runs; close() flushes it first.
            server.loop.call_soon(server.transport.close)
        elif local.startswith("dropahead") and address not in self.seen_dropahead:
            self.seen_dropahead.add(address)
            server.recorder_event("rcpt", address=address, code=None, dropped=True)
            server.transport.abort()
            # connection_lost cancels this coroutine; nothing is ever replied.
            await asyncio.sleep(3600)
        server.recorder_event("rcpt", address=address, code=int(status[:3]))
        if status.startswith("250"):
            envelope.rcpt_tos.append(address)
            envelope.rcpt_options.extend(rcpt_options)
        return status

    async def handle_DATA(self, server, session, envelope):
        locals_ = [local_part(a) for a in envelope.rcpt_tos]
        if any(l.startswith("data554") for l in locals_):
            server.recorder_event("data", code=554)
            return "554 5.6.0 message content rejected"
        if self.reply_delay:
            await asyncio.sleep(self.reply_delay)
        number = self.recorder.store(envelope.original_content)
        drop = [a for a in envelope.rcpt_tos
                if local_part(a).startswith("dropdata") and a not in self.seen_drop]
        if drop:
            self.seen_drop.update(drop)
            server.recorder_event("data", code=None, stored=number, dropped=True)
            server.transport.abort()
            # connection_lost cancels this coroutine; nothing is ever replied.
            await asyncio.sleep(3600)
        if any(l.startswith("slow") for l in locals_):
            await asyncio.sleep(self.slow_seconds)
        server.recorder_event("data", code=250, stored=number)
        return f"250 2.0.0 Ok: queued as {number}"


class RecordingSMTP(SMTP):
    """aiosmtpd's SMTP with connect/disconnect/STARTTLS/AUTH events."""

    def __init__(self, handler, recorder, idle_silent=False, **kwargs):
        super().__init__(handler, **kwargs)
        self.recorder = recorder
        self.conn_id = None
        self.idle_silent = idle_silent
        self.flights = 0
        self.replied = False

    def _timeout_cb(self):
        # Like Postfix: say 421 before closing an idle connection (or just close, with
        # --idle-silent, like a NAT box that forgot the connection).
        self.recorder_event("idle-close")
        if not self.idle_silent and self.transport is not None:
            self.transport.write(b"421 4.4.2 lettermerge-test Error: timeout exceeded\r\n")
        super()._timeout_cb()

    def recorder_event(self, kind, **fields):
        self.recorder.event(self.conn_id, kind, **fields)

    def connection_made(self, transport):
        first = self.transport is None
        if first:
            self.conn_id = next(self.recorder.connections)
            self.recorder_event("connect")
        else:
            self.recorder_event("starttls")
        super().connection_made(transport)

    def connection_lost(self, error):
        self.recorder_event("disconnect", flights=self.flights)
        super().connection_lost(error)

    async def push(self, status):
        self.replied = True
        await super().push(status)

    def data_received(self, data):
        if self.replied:
            self.flights += 1
            self.replied = False
        super().data_received(data)

    async def auth_XOAUTH2(self, _, args):
        # RFC-less but widely used: base64("user=" U "\x01auth=Bearer " T "\x01\x01").
        if len(args) < 2:
            await self.push("501 5.5.2 XOAUTH2 needs an initial response")
            return AuthResult(success=False, handled=True)
        try:
            raw = base64.b64decode(args[1].encode(), validate=True).decode()
            fields = dict(p.split("=", 1) for p in raw.split("\x01") if p)
            login = fields["user"].encode()
            token = fields["auth"].removeprefix("Bearer ").encode()
        except Exception:
            await self.push("501 5.5.2 Can't decode XOAUTH2 response")
            return AuthResult(success=False, handled=True)
        return self._authenticate("XOAUTH2", LoginPassword(login, token))


def make_authenticator(user, password):
    def authenticate(server, session, envelope, mechanism, auth_data):
        ok = (
            isinstance(auth_data, LoginPassword)
            and auth_data.login.decode(errors="replace") == user
            and auth_data.password.decode(errors="replace") == password
        )
        login = auth_data.login.decode(errors="replace") if isinstance(auth_data, LoginPassword) else None
        server.recorder_event("auth", ok=ok, mechanism=mechanism, user=login)
        # handled=False: aiosmtpd itself replies 535 to a failure.
        return AuthResult(success=ok, handled=False)

    return authenticate


async def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--maildir", required=True)
    parser.add_argument("--tls-cert")
    parser.add_argument("--tls-key")
    parser.add_argument("--require-starttls", action="store_true")
    parser.add_argument("--implicit-tls", action="store_true")
    parser.add_argument("--auth", help="USER:PASS; AUTH is then required")
    parser.add_argument("--slow-seconds", type=float, default=3.0)
    parser.add_argument("--no-pipelining", action="store_true")
    parser.add_argument("--reply-delay-ms", type=float, default=0.0)
    parser.add_argument("--idle-timeout", type=float, help="close connections idle this long")
    parser.add_argument("--idle-silent", action="store_true", help="close idle ones without a 421")
    parser.add_argument("--login-only", action="store_true", help="offer AUTH LOGIN, not PLAIN")
    parser.add_argument("--size-limit", type=int, help="advertise SIZE N and refuse bigger messages")
    args = parser.parse_args()

    os.makedirs(args.maildir, exist_ok=True)
    recorder = Recorder(args.maildir)
    handler = Handler(recorder, args.slow_seconds, not args.no_pipelining, args.reply_delay_ms / 1000.0)

    tls_context = None
    if args.tls_cert:
        tls_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        tls_context.load_cert_chain(args.tls_cert, args.tls_key)

    smtp_kwargs = {"hostname": "lettermerge-test", "data_size_limit": None, "idle_silent": args.idle_silent}
    if args.size_limit:
        # aiosmtpd advertises `SIZE n` then, and refuses a bigger MAIL SIZE= or DATA with 552.
        smtp_kwargs["data_size_limit"] = args.size_limit
    if args.idle_timeout:
        smtp_kwargs["timeout"] = args.idle_timeout
    if tls_context is not None and not args.implicit_tls:
        smtp_kwargs["tls_context"] = tls_context
        smtp_kwargs["require_starttls"] = args.require_starttls
    if args.auth:
        user, _, password = args.auth.partition(":")
        smtp_kwargs["auth_required"] = True
        # Under implicit TLS aiosmtpd does not know the socket is encrypted.
        smtp_kwargs["auth_require_tls"] = tls_context is not None and not args.implicit_tls
        smtp_kwargs["authenticator"] = make_authenticator(user, password)
        if args.login_only:
            smtp_kwargs["auth_exclude_mechanism"] = ["PLAIN", "XOAUTH2"]

    loop = asyncio.get_running_loop()

    def factory():
        return RecordingSMTP(handler, recorder, loop=loop, **smtp_kwargs)

    server = await loop.create_server(
        factory,
        host="127.0.0.1",
        port=args.port,
        ssl=tls_context if args.implicit_tls else None,
    )
    port = server.sockets[0].getsockname()[1]
    print(f"READY {port}", flush=True)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        sys.exit(0)
