#!/usr/bin/python3
"""PRIORITY frames. flood: --count PRIORITY frames on idle streams, each exclusive on the one before (a chain that
an RFC 7540 priority tree would keep rebuilding), then one GET on the same connection, which must be answered.
fairness: a GET for a large file, then, once its first DATA arrived, --small GETs for small files sent as
exclusive dependants of the large one (which an RFC 7540 scheduler would hold back until it finished); records
how many bytes of the large file came between asking for the small files and the last of them finishing
(--no-priority: plain requests, the round-robin case)."""
import time

from h2wire import Conn, PriorityFrame, common_args

p = common_args(__doc__)
p.add_argument("--mode", choices=["flood", "fairness"], required=True)
p.add_argument("--count", type=int, default=20000)
p.add_argument("--big", default="/big.bin")
p.add_argument("--small-path", default="/small.txt")
p.add_argument("--small", type=int, default=5)
p.add_argument("--no-priority", action="store_true", help="fairness: the small requests carry no priority")
a = p.parse_args()
c = Conn(a, keep_body=False, rcvbuf=256 * 1024 if a.mode == "fairness" else 0)
c.wait(lambda: c.server_settings, 2)
if a.mode == "flood":
    t = time.monotonic()
    sent = 0
    frames = []
    while sent < a.count and not c.ended() and time.monotonic() - t < min(a.seconds, 10):
        frames = [PriorityFrame(2 * (sent + i) + 101, depends_on=2 * (sent + i) + 99 if sent + i else 0,
                                stream_weight=(sent + i) % 256, exclusive=True) for i in range(500)]
        if not c.send_raw(b"".join(f.serialize() for f in frames)):
            break
        sent += len(frames)
        c.pump(0)
    c.next_id = 2 * sent + 103
    sid = c.get(a.small_path)
    c.wait(lambda: c.streams[sid].ended or c.streams[sid].reset is not None, 5)
    st = c.streams[sid]
    c.report(mode=a.mode, priority_sent=sent, send_seconds=round(time.monotonic() - t, 3), after_status=st.status,
             after_bytes=st.body_len)
else:
    big = c.get(a.big)
    c.wait(lambda: c.streams[big].body_len > 0, 5)
    at_ask = c.streams[big].body_len
    small = []
    # The big file's bytes when the last small one ended, taken as that frame is handled (a pump reads on for
    # up to 50 ms after, which is many MiB on loopback).
    at_small_done = [at_ask]
    c.on_done = lambda st: at_small_done.__setitem__(0, c.streams[big].body_len) if st is not c.streams[big] else None
    for _ in range(a.small):
        sid = c.new_stream_id()
        f = c.headers_frame(sid, a.small_path)
        if not a.no_priority:
            f.flags.add("PRIORITY")
            f.depends_on, f.stream_weight, f.exclusive = big, 0, True
        c.send(f)
        small.append(sid)
    c.wait(lambda: all(c.streams[s].ended or c.streams[s].reset is not None for s in small), 10)
    at_small_done = at_small_done[0]
    c.wait(lambda: c.streams[big].ended or c.streams[big].reset is not None, 10)
    b = c.streams[big]
    c.report(mode=a.mode, big_status=b.status, big_bytes=b.body_len, big_ended=b.ended,
             big_bytes_when_asked=at_ask, big_bytes_when_small_done=at_small_done,
             small_statuses=[c.streams[s].status for s in small], small_bytes=[c.streams[s].body_len for s in small],
             small_done_before_big=all(c.streams[s].done_at is not None and (b.done_at is None or
                                                                               c.streams[s].done_at < b.done_at)
                                       for s in small))
