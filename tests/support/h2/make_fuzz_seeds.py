#!/usr/bin/python3
"""Writes the seed corpus of the h2_session fuzz target (tests/fuzz/corpus/h2_session/): client bytes as they come
after the connection preface, one conversation per file: plain requests, a POST with DATA, a header block split
over CONTINUATION frames, PRIORITY, RST_STREAM, WINDOW_UPDATE, PING, SETTINGS and GOAWAY, and a few of the attacks'
openings. Run it again after changing it; the files are committed."""
import os
import sys

from hpack import Encoder
from hyperframe.frame import (ContinuationFrame, DataFrame, GoAwayFrame, HeadersFrame, PingFrame, PriorityFrame,
                              RstStreamFrame, SettingsFrame, WindowUpdateFrame)

out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "../../fuzz/corpus/h2_session")
enc = Encoder()


def settings(**kv):
    f = SettingsFrame(0)
    f.settings = {getattr(SettingsFrame, k): v for k, v in kv.items()}
    return f


def headers(sid, path, method="GET", end_stream=True, extra=(), end_headers=True):
    f = HeadersFrame(sid)
    f.data = enc.encode([(":method", method), (":scheme", "http"), (":authority", "localhost"), (":path", path)] +
                        list(extra))
    if end_headers:
        f.flags.add("END_HEADERS")
    if end_stream:
        f.flags.add("END_STREAM")
    return f


def data(sid, payload, end=True):
    f = DataFrame(sid, data=payload)
    if end:
        f.flags.add("END_STREAM")
    return f


def split_headers(sid, path):
    block = enc.encode([(":method", "GET"), (":scheme", "http"), (":authority", "localhost"), (":path", path),
                        ("x-long", "v" * 200)])
    h = HeadersFrame(sid, data=block[:10])
    h.flags.add("END_STREAM")
    c1 = ContinuationFrame(sid, data=block[10:50])
    c2 = ContinuationFrame(sid, data=block[50:])
    c2.flags.add("END_HEADERS")
    return [h, c1, c2]


seeds = {  # each a function, so that each conversation starts with a fresh HPACK encoder
    "get": lambda: [settings(INITIAL_WINDOW_SIZE=65535), headers(1, "/index.html")],
    "two_gets_and_ack": lambda: [settings(), SettingsFrame(0, flags=["ACK"]), headers(1, "/"), headers(3, "/a.txt")],
    "post": lambda: [settings(), headers(1, "/upload.cgi", "POST", False, [("content-length", "5")]),
                     data(1, b"hello")],
    "post_no_length": lambda: [settings(), headers(1, "/upload.cgi", "POST", False), data(1, b"abc", False),
                       data(1, b"", True)],
    "continuation": lambda: [settings()] + split_headers(1, "/big.bin"),
    "priority_reset": lambda: [settings(), PriorityFrame(3, depends_on=0, stream_weight=200), headers(1, "/"),
                       RstStreamFrame(1, error_code=8)],
    "window_ping_goaway": lambda: [settings(), WindowUpdateFrame(0, window_increment=1 << 20), headers(1, "/big.bin"),
                           WindowUpdateFrame(1, window_increment=65535), PingFrame(0, opaque_data=b"12345678"),
                           GoAwayFrame(0, last_stream_id=0, error_code=0)],
    "zero_window": lambda: [settings(INITIAL_WINDOW_SIZE=0), headers(1, "/big.bin")],
    "range_head": lambda: [settings(), headers(1, "/a.txt", "HEAD"),
                           headers(3, "/a.txt", extra=[("range", "bytes=0-1,5-")])],
    "headers_after_data": lambda: [settings(), headers(1, "/upload.cgi", "POST", False), data(1, b"body", False),
                 headers(1, "/ignored", end_stream=True, extra=[("x-trailer", "1")])],
}
os.makedirs(out, exist_ok=True)
for name, make in seeds.items():
    enc = Encoder()
    frames = make()
    with open(os.path.join(out, name), "wb") as f:
        f.write(b"".join(fr.serialize() for fr in frames))
print("wrote %d seeds to %s" % (len(seeds), out))
