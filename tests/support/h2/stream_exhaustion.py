#!/usr/bin/python3
"""Stream exhaustion. open: after acknowledging the server's SETTINGS, opens --streams requests for a large file
with a zero window, so none can finish, and records how the server refuses those past its max_concurrent_streams
(RST_STREAM REFUSED_STREAM or GOAWAY PROTOCOL_ERROR). cgi: --streams requests to a slow CGI script at once, in
--rounds rounds on one connection; every stream must end (200 or the CGI limit's 503)."""
import time

from h2wire import Conn, SettingsFrame, common_args, status_counts

p = common_args(__doc__)
p.add_argument("--mode", choices=["open", "cgi"], required=True)
p.add_argument("--path", default="/big.bin")
p.add_argument("--streams", type=int, default=150)
p.add_argument("--rounds", type=int, default=1)
a = p.parse_args()
if a.mode == "open":
    c = Conn(a, settings={SettingsFrame.INITIAL_WINDOW_SIZE: 0, SettingsFrame.ENABLE_PUSH: 0}, auto_window=False)
else:
    c = Conn(a)
c.wait(lambda: c.server_settings, 2)
c.pump(0.2)  # our ACK of its SETTINGS reaches the server first, so its limit is in force
advertised = c.server_settings.get(SettingsFrame.MAX_CONCURRENT_STREAMS, -1)
deadline = time.monotonic() + min(a.seconds, 10)
ids = []
rounds = 0
while rounds < a.rounds and not c.ended() and time.monotonic() < deadline:
    batch = [c.new_stream_id() for _ in range(a.streams)]
    c.send_raw(b"".join(c.headers_frame(s, a.path).serialize() for s in batch))
    ids += batch
    rounds += 1
    if a.mode == "cgi":
        c.wait(lambda: all(c.streams[s].ended or c.streams[s].reset is not None for s in batch),
               max(0.0, deadline - time.monotonic()))
if a.mode == "open":
    c.wait(lambda: c.ended() or sum(1 for s in ids if c.streams[s].reset is not None) >= a.streams - advertised,
           max(0.5, deadline - time.monotonic()))
unfinished = sum(1 for s in ids if not c.streams[s].ended and c.streams[s].reset is None)
c.report(mode=a.mode, advertised_max_concurrent_streams=advertised, streams_sent=len(ids), rounds=rounds,
         outcomes=status_counts(c, ids), unfinished=unfinished,
         headers_answered=sum(1 for s in ids if c.streams[s].status is not None))
