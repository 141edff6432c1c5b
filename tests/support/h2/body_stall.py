#!/usr/bin/python3
"""A client that promises a request body and stalls: POSTs --path with content-length 10, sends 4 bytes, then
nothing. Records the stream's status and when it ended, and whether the connection stayed open."""
from h2wire import Conn, common_args
from hyperframe.frame import DataFrame

p = common_args(__doc__)
p.add_argument("--path", default="/upload.cgi")
a = p.parse_args()
c = Conn(a)
c.wait(lambda: c.server_settings, 2)
sid = c.get(a.path, method="POST", end_stream=False, extra=[("content-length", "10")])
d = DataFrame(sid)
d.data = b"1234"
c.send(d)
c.wait(lambda: c.streams[sid].ended or c.streams[sid].reset is not None, min(a.seconds, 10))
st = c.streams[sid]
c.report(status=st.status, stream_ended=st.ended, ended_at=round(c.elapsed(), 3))
