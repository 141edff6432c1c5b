#!/usr/bin/python3
"""One connection carrying 100 concurrent streams: the 50 MiB big.bin first, then 59 small files (small/N.txt),
20 slow CGI requests (slow.cgi?N, which answers "slow N" after a second), one 5 MiB upload to upload.cgi (which
answers its CONTENT_LENGTH and the body's sha256), and 19 requests for missing files. Every answer is compared with
what it must be (files read from --root); prints the mismatches and when each kind finished."""
import hashlib
import os

from h2wire import Conn, common_args

p = common_args(__doc__)
p.add_argument("--root", required=True)
a = p.parse_args()
c = Conn(a)
c.wait(lambda: c.server_settings, 2)
c.pump(0.1)
expect = {}  # stream id -> (kind, status, body)


def file_bytes(rel):
    with open(os.path.join(a.root, rel), "rb") as f:
        return f.read()


big = c.get("/big.bin")
expect[big] = ("big", 200, file_bytes("big.bin"))
for i in range(1, 60):
    expect[c.get("/small/%d.txt" % i)] = ("small", 200, file_bytes("small/%d.txt" % i))
for i in range(20):
    expect[c.get("/slow.cgi?%d" % i)] = ("slow", 200, b"slow %d" % i)
upload = bytes((i * 7 + (i >> 12)) & 0xFF for i in range(5 << 20))
up = c.get("/upload.cgi", "POST", end_stream=False, extra=[("content-length", str(len(upload)))])
expect[up] = ("upload", 200, b"%d\n%s  -\n" % (len(upload), hashlib.sha256(upload).hexdigest().encode()))
for i in range(19):
    expect[c.get("/missing/%d.txt" % i)] = ("missing", 404, None)
uploaded = c.upload(up, upload, timeout=30)
c.wait(lambda: all(c.streams[s].ended or c.streams[s].reset is not None for s in expect), 30)
mismatches = []
done = {}
for sid, (kind, status, body) in expect.items():
    st = c.streams[sid]
    if not st.ended or st.status != status or (body is not None and bytes(st.body) != body):
        mismatches.append("%s stream %d: status %s ended %s reset %s, %d body bytes" %
                          (kind, sid, st.status, st.ended, st.reset, len(st.body)))
    if st.done_at is not None:
        done[kind] = max(done.get(kind, 0), st.done_at)
c.report(streams=len(expect), uploaded=uploaded, mismatches=mismatches, mismatch_count=len(mismatches),
         big_done=done.get("big", -1), small_last_done=done.get("small", -1), slow_last_done=done.get("slow", -1),
         upload_done=done.get("upload", -1), missing_last_done=done.get("missing", -1))
