#!/usr/bin/python3
"""One POST of --bytes bytes to --path over one stream, sent within the server's flow-control windows (so the
server's WINDOW_UPDATEs pace it), and the answer compared with what upload.cgi must say: the CONTENT_LENGTH and
the sha256 of the body ("N\\nHEX  -\\n"). Reports the status, whether the body matched, and the WINDOW_UPDATEs seen."""
import hashlib
import os

from h2wire import Conn, common_args

p = common_args(__doc__)
p.add_argument("--path", default="/upload.cgi")
p.add_argument("--bytes", type=int, default=40 << 20)
a = p.parse_args()
c = Conn(a)
c.wait(lambda: c.server_settings, 2)
c.pump(0.1)
body = os.urandom(a.bytes)
sid = c.get(a.path, "POST", end_stream=False, extra=[("content-length", str(len(body)))])
uploaded = c.upload(sid, body, timeout=min(a.seconds, 30))
c.wait(lambda: c.streams[sid].ended or c.streams[sid].reset is not None, 10)
st = c.streams[sid]
want = b"%d\n%s  -\n" % (len(body), hashlib.sha256(body).hexdigest().encode())
c.report(uploaded=uploaded, status=st.status, body_matches=bytes(st.body) == want, body=st.body[:200].decode("latin-1"),
         reset=st.reset, window_updates=c.frames_in.get("WindowUpdateFrame", 0))
