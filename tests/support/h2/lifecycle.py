#!/usr/bin/python3
"""A connection's end of life. idle: one GET, then nothing; waits for the server's GOAWAY and close (keepalive
timeout). graceful: a GET for a large file read slowly (a 64 KiB socket buffer and window, read every 5 ms); once its
first DATA has arrived, sends --signal to --pid (SIGTERM: a graceful stop), then reads on, and records the GOAWAY
(code, last stream id), whether the file came whole, and whether a request sent after the GOAWAY was served."""
import os
import signal
import time

from h2wire import Conn, common_args

p = common_args(__doc__)
p.add_argument("--mode", choices=["idle", "graceful"], required=True)
p.add_argument("--path", default="/big.bin")
p.add_argument("--pid", type=int, default=0)
p.add_argument("--signal", default="SIGTERM")
a = p.parse_args()
if a.mode == "idle":
    c = Conn(a)
    c.wait(lambda: c.server_settings, 2)
    sid = c.get("/small.txt")
    c.wait(lambda: c.streams[sid].ended, 3)
    c.wait(lambda: c.closed, min(a.seconds, 10))
    c.report(mode=a.mode, status=c.streams[sid].status, closed_at=round(getattr(c, "closed_at", -1), 3))
else:
    c = Conn(a, window=65535, keep_body=False, rcvbuf=64 * 1024)
    c.wait(lambda: c.server_settings, 2)
    sid = c.get(a.path)
    c.wait(lambda: c.streams[sid].body_len > 0, 5)
    signalled_at = c.elapsed()
    os.kill(a.pid, getattr(signal, a.signal))
    deadline = time.monotonic() + min(a.seconds, 10)
    while not c.closed and not c.streams[sid].ended and time.monotonic() < deadline:
        c.pump(0)
        time.sleep(0.005)  # a slow reader (about 10 MB/s): the stream is in flight when the GOAWAY comes
    late = c.get("/small.txt", block=False) if c.goaway is not None and not c.closed else None
    c.wait(lambda: c.closed, 8)
    st = c.streams[sid]
    c.report(mode=a.mode, stream=sid, status=st.status, body_bytes=st.body_len, stream_ended=st.ended,
             signalled_at=round(signalled_at, 3), closed_at=round(getattr(c, "closed_at", -1), 3),
             late_status=c.streams[late].status if late else None,
             late_reset=c.streams[late].reset if late else None)
