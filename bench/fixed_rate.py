#!/usr/bin/env python3
"""Fixed-rate (open-loop) HTTP GET driver for bench/scale.sh; prints p50/p99.

  fixed_rate.py --host 127.0.0.1 --port P --rate R --seconds S [-H 'Name: v' ...] PATH...

Request i is due at start + i/R whatever the earlier answers take, goes out
on an idle keep-alive connection (a new one when none is idle), and its
latency is counted from the moment it was due, not from when it was sent:
a server that falls behind shows as latency instead of as a lower rate
(wrk measures a closed loop; wrk2, which fixes the rate, is not installed).
The paths are used in turn. Every answer must be 200 (a bench that measures
error pages measures nothing); the others are counted and reported.
Output, one line: p50_ms p99_ms requests errors max_ms
"""

import argparse
import asyncio
import sys
import time


async def read_response(reader):
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    length, chunked, close = None, False, False
    for line in lines[1:]:
        name, _, value = line.partition(":")
        name, value = name.strip().lower(), value.strip().lower()
        if name == "content-length":
            length = int(value)
        elif name == "transfer-encoding" and "chunked" in value:
            chunked = True
        elif name == "connection" and value == "close":
            close = True
    if chunked:
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            await reader.readexactly(size + 2)
            if size == 0:
                break
    elif length is not None:
        await reader.readexactly(length)
    else:
        await reader.read()
        close = True
    return status, close


class Driver:
    def __init__(self, args):
        self.args = args
        self.idle = []
        self.latencies = []
        self.errors = 0
        self.headers = "".join(h.strip() + "\r\n" for h in args.header)

    async def one(self, path, due, record):
        conn = self.idle.pop() if self.idle else None
        try:
            if conn is None:
                conn = await asyncio.open_connection(self.args.host, self.args.port)
            reader, writer = conn
            writer.write(
                f"GET {path} HTTP/1.1\r\nHost: {self.args.host}\r\n{self.headers}\r\n".encode()
            )
            status, close = await read_response(reader)
            elapsed = time.perf_counter() - due
            if close:
                writer.close()
            else:
                self.idle.append(conn)
            if record:
                self.latencies.append(elapsed)
                if status != 200:
                    self.errors += 1
        except (OSError, asyncio.IncompleteReadError, ValueError, IndexError):
            if record:
                self.errors += 1
            if conn is not None:
                conn[1].close()

    async def run(self):
        paths, rate = self.args.paths, self.args.rate
        warm = self.args.warmup
        total = warm + int(rate * self.args.seconds)
        start = time.perf_counter()
        tasks = []
        for i in range(total):
            due = start + i / rate
            delay = due - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(self.one(paths[i % len(paths)], due, i >= warm)))
        await asyncio.gather(*tasks)
        for reader, writer in self.idle:
            writer.close()


def percentile(sorted_values, q):
    if not sorted_values:
        return 0.0
    k = min(len(sorted_values) - 1, max(0, int(round(q * len(sorted_values) + 0.5)) - 1))
    return sorted_values[k]


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--rate", type=float, default=50.0, help="requests per second")
    p.add_argument("--seconds", type=float, default=10.0)
    p.add_argument("--warmup", type=int, default=20, help="requests sent first, not counted")
    p.add_argument("-H", "--header", action="append", default=[])
    p.add_argument("paths", nargs="+")
    args = p.parse_args()
    d = Driver(args)
    asyncio.run(d.run())
    lat = sorted(x * 1000 for x in d.latencies)
    print(
        f"{percentile(lat, 0.50):.2f} {percentile(lat, 0.99):.2f} {len(lat)} {d.errors} "
        f"{(lat[-1] if lat else 0):.2f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
