#!/usr/bin/python3
"""A client that gives up on a CGI stream: GETs --path, waits for the response's HEADERS (the script runs and has
written its header block), resets the stream with CANCEL, waits --settle seconds, then GETs /small.txt on the same
connection. Records both statuses and whether the connection outlived the reset."""
import time

from h2wire import Conn, common_args
from hyperframe.frame import RstStreamFrame

p = common_args(__doc__)
p.add_argument("--path", default="/slow.cgi")
p.add_argument("--settle", type=float, default=1.0)
a = p.parse_args()
c = Conn(a)
c.wait(lambda: c.server_settings, 2)
sid = c.get(a.path)
c.wait(lambda: c.streams[sid].status is not None, 5)
first = c.streams[sid].status
c.send(RstStreamFrame(sid, error_code=8))
deadline = time.monotonic() + a.settle
while time.monotonic() < deadline and not c.closed:
    c.pump(0.05)
later = c.get("/small.txt")
c.wait(lambda: c.streams[later].ended, 5)
c.report(first_status=first, first_ended=c.streams[sid].ended, later_status=c.streams[later].status,
         later_body=c.streams[later].body.decode("latin-1"))
