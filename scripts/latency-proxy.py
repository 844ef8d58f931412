#!/usr/bin/env python3
"""A TCP proxy that adds a fixed delay each way, and counts SMTP round trips.

Usage: latency-proxy.py --listen PORT --upstream HOST:PORT --rtt-ms MS --stats FILE

Each byte is forwarded RTT/2 after it arrived, in both directions, in order, so a client
that waits for a reply waits one full RTT. A new connection is held for one RTT before the
upstream connection is made, standing in for the TCP handshake a real relay costs (a client
that opens a connection per message pays it per message, as it would over a real link).

Round trips: a client->server burst that starts after the server has sent something since
the client's previous burst is one round trip (the client had to wait for the server to go
on). The greeting is not one (the server speaks first); EHLO is the first. Bytes the client
sends while still waiting belong to the burst they continue. On every closed connection one
JSON line is appended to FILE: {"round_trips": N, "client_bytes": B, "server_bytes": S}.
Prints `READY <port>` once listening.
"""

import argparse
import asyncio
import json
import sys
import time


class Link:
    def __init__(self):
        self.round_trips = 0
        self.client_bytes = 0
        self.server_bytes = 0
        # True once the client got something from the server since its last burst.
        self.server_spoke = False


async def pump(reader, writer, delay, on_chunk, on_deliver=None):
    """Forwards reader -> writer, each chunk `delay` seconds after it arrived, in order;
    `on_deliver` runs as a chunk is handed on."""
    queue = asyncio.Queue()

    async def forward():
        while True:
            due, data = await queue.get()
            if data is None:
                break
            wait = due - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
            if on_deliver is not None:
                on_deliver()
            writer.write(data)
            await writer.drain()
        try:
            writer.write_eof()
        except (OSError, RuntimeError):
            pass

    task = asyncio.ensure_future(forward())
    try:
        while True:
            data = await reader.read(65536)
            if not data:
                break
            on_chunk(data)
            queue.put_nowait((time.monotonic() + delay, data))
    except (ConnectionError, OSError):
        pass
    queue.put_nowait((0, None))
    try:
        await task
    except (ConnectionError, OSError):
        pass


async def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--listen", type=int, required=True)
    parser.add_argument("--upstream", required=True)
    parser.add_argument("--rtt-ms", type=float, required=True)
    parser.add_argument("--stats", required=True)
    args = parser.parse_args()
    up_host, up_port = args.upstream.rsplit(":", 1)
    rtt = args.rtt_ms / 1000.0
    half = rtt / 2

    async def handle(client_reader, client_writer):
        link = Link()
        if rtt > 0:
            await asyncio.sleep(rtt)
        try:
            server_reader, server_writer = await asyncio.open_connection(up_host, int(up_port))
        except OSError:
            client_writer.close()
            return

        def from_client(data):
            if link.server_spoke:
                link.round_trips += 1
                link.server_spoke = False
            link.client_bytes += len(data)

        def from_server(data):
            link.server_bytes += len(data)

        def to_client():
            # Counted as the client gets it: only then can its next burst be an answer.
            link.server_spoke = True

        await asyncio.gather(
            pump(client_reader, server_writer, half, from_client),
            pump(server_reader, client_writer, half, from_server, to_client),
        )
        for w in (client_writer, server_writer):
            w.close()
        with open(args.stats, "a") as f:
            f.write(json.dumps({
                "round_trips": link.round_trips,
                "client_bytes": link.client_bytes,
                "server_bytes": link.server_bytes,
            }) + "\n")

    server = await asyncio.start_server(handle, "127.0.0.1", args.listen)
    port = server.sockets[0].getsockname()[1]
    print(f"READY {port}", flush=True)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        sys.exit(0)
