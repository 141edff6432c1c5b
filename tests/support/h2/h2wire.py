"""A raw HTTP/2 client for the attack and h2 feature tests.

It frames with hyperframe and encodes header blocks with hpack (Debian's
python3-hyperframe and python3-hpack, which python3-h2 pulls in), and keeps no
protocol state of its own beyond what a test asks for, so that a script can
send frames a conforming client never would. Each script prints one JSON object
on stdout that the gtest driver reads.
"""
import argparse
import json
import select
import socket
import ssl
import sys
import time

from hpack import Decoder, Encoder
from hyperframe.frame import (ContinuationFrame, DataFrame, Frame, GoAwayFrame, HeadersFrame, PingFrame,
                              PriorityFrame, RstStreamFrame, SettingsFrame, WindowUpdateFrame)

PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
ERROR_NAMES = {0: "NO_ERROR", 1: "PROTOCOL_ERROR", 2: "INTERNAL_ERROR", 3: "FLOW_CONTROL_ERROR",
               4: "SETTINGS_TIMEOUT", 5: "STREAM_CLOSED", 6: "FRAME_SIZE_ERROR", 7: "REFUSED_STREAM",
               8: "CANCEL", 9: "COMPRESSION_ERROR", 10: "CONNECT_ERROR", 11: "ENHANCE_YOUR_CALM",
               12: "INADEQUATE_SECURITY", 13: "HTTP_1_1_REQUIRED"}
MAX_WINDOW = 2**31 - 1


def common_args(description):
    """Returns a parser with the options every script takes."""
    p = argparse.ArgumentParser(description=description)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--tls", action="store_true", help="TLS with ALPN h2 (certificate not checked)")
    p.add_argument("--authority", default="localhost")
    p.add_argument("--seconds", type=float, default=10.0, help="the attack's time budget (at most 10 s)")
    return p


class Stream:
    """What one stream received."""

    def __init__(self):
        self.status = None
        self.headers = []
        self.body = bytearray()
        self.body_len = 0
        self.ended = False
        self.reset = None
        self.done_at = None


class Conn:
    """One HTTP/2 connection with a receive loop that records what came back."""

    def __init__(self, args, rcvbuf=0, settings=None, keep_body=True, auto_window=True, window=0):
        """auto_window: the client's receive windows are opened wide and kept so. window > 0: the client's
        stream and connection windows are that many bytes, each DATA frame's length given back as it arrives."""
        self.t0 = time.monotonic()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        if rcvbuf:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.settimeout(5)
        sock.connect((args.host, args.port))
        if args.tls:
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE
            ctx.set_alpn_protocols(["h2"])
            sock = ctx.wrap_socket(sock, server_hostname=args.authority)
            if sock.selected_alpn_protocol() != "h2":
                raise SystemExit("server did not select h2 by ALPN")
        sock.setblocking(False)
        self.sock = sock
        self.args = args
        self.enc = Encoder()
        self.dec = Decoder()
        self.dec.max_allowed_table_size = 65536
        self.inbuf = bytearray()
        self.streams = {}
        self.goaway = None
        self.closed = False
        self.close_reason = ""
        self.frames_in = {}
        self.rst_received = 0
        self.server_settings = {}
        self.pings_acked = 0
        self.keep_body = keep_body
        self.auto_window = auto_window
        self.unacked = 0
        self.on_done = None  # called with each Stream as it ends, while its frame is handled
        self.next_id = 1
        self.outbuf = bytearray()
        self.window = window
        self.send_window = 65535  # the server's connection window for our DATA
        self.stream_send_window = {}
        first = SettingsFrame(0)
        if settings is None:
            settings = {SettingsFrame.INITIAL_WINDOW_SIZE: window or MAX_WINDOW, SettingsFrame.ENABLE_PUSH: 0}
        first.settings = settings
        self.send_raw(PREFACE + first.serialize())
        if auto_window and not window:
            self.send(WindowUpdateFrame(0, window_increment=MAX_WINDOW - 65535))

    def elapsed(self):
        return time.monotonic() - self.t0

    # ---- sending
    def send_raw(self, data, block=True):
        """Queues bytes and writes what the socket takes; with block, waits until all are written or the peer
        ends the connection. Returns False once the connection is gone."""
        if self.closed:
            return False
        self.outbuf += data
        while self.outbuf:
            try:
                n = self.sock.send(self.outbuf)
                del self.outbuf[:n]
            except (BlockingIOError, ssl.SSLWantWriteError, ssl.SSLWantReadError):
                if not block:
                    return True
                self.pump(0.05)
                if self.closed:
                    return False
            except (BrokenPipeError, ConnectionResetError, ssl.SSLError, OSError) as e:
                self.mark_closed("send: %s" % e.__class__.__name__)
                return False
        return True

    def send(self, *frames, block=True):
        return self.send_raw(b"".join(f.serialize() for f in frames), block)

    def new_stream_id(self):
        sid = self.next_id
        self.next_id += 2
        self.streams[sid] = Stream()
        return sid

    def upload(self, sid, data, timeout=30.0):
        """Sends data on stream sid as DATA frames within the server's windows, END_STREAM on the last;
        returns False when the connection ended or timeout passed first."""
        initial = self.server_settings.get(SettingsFrame.INITIAL_WINDOW_SIZE, 65535)
        frame_max = self.server_settings.get(SettingsFrame.MAX_FRAME_SIZE, 16384)
        pos = 0
        deadline = time.monotonic() + timeout
        while True:
            win = min(self.send_window, initial + self.stream_send_window.get(sid, 0), frame_max, len(data) - pos)
            st = self.streams[sid]
            if st.reset is not None or st.ended:
                return False
            if win > 0 or pos == len(data):
                f = DataFrame(sid, data=bytes(data[pos:pos + max(win, 0)]))
                pos += max(win, 0)
                self.send_window -= max(win, 0)
                self.stream_send_window[sid] = self.stream_send_window.get(sid, 0) - max(win, 0)
                if pos == len(data):
                    f.flags.add("END_STREAM")
                if not self.send(f):
                    return False
                if pos == len(data):
                    return True
                self.pump(0)
            else:
                self.pump(0.05)
            if self.closed or time.monotonic() > deadline:
                return False

    def request_headers(self, path, method="GET", extra=()):
        return [(":method", method), (":scheme", "https" if self.args.tls else "http"),
                (":authority", self.args.authority), (":path", path)] + list(extra)

    def headers_frame(self, sid, path, method="GET", end_stream=True, extra=()):
        f = HeadersFrame(sid)
        f.data = self.enc.encode(self.request_headers(path, method, extra))
        f.flags.add("END_HEADERS")
        if end_stream:
            f.flags.add("END_STREAM")
        return f

    def get(self, path, method="GET", end_stream=True, extra=(), block=True):
        """Opens a stream with a request; returns its id."""
        sid = self.new_stream_id()
        self.send(self.headers_frame(sid, path, method, end_stream, extra), block=block)
        return sid

    # ---- receiving
    def mark_closed(self, why):
        if not self.closed:
            self.closed = True
            self.close_reason = why
            self.closed_at = self.elapsed()

    def pump(self, timeout=0.0):
        """Reads what arrives within timeout (0: only what is there) and handles every whole frame."""
        if self.closed:
            return
        deadline = time.monotonic() + timeout
        while True:
            wait = max(0.0, deadline - time.monotonic())
            pending = isinstance(self.sock, ssl.SSLSocket) and self.sock.pending()
            if not pending:
                r, _, _ = select.select([self.sock], [], [], wait)
                if not r:
                    return
            try:
                data = self.sock.recv(1 << 20)
            except (BlockingIOError, ssl.SSLWantReadError, ssl.SSLWantWriteError):
                if time.monotonic() >= deadline:
                    return
                continue
            except (ConnectionResetError, ssl.SSLError, OSError) as e:
                self.mark_closed("recv: %s" % e.__class__.__name__)
                return
            if not data:
                self.mark_closed("eof")
                return
            self.inbuf += data
            self.parse()
            if time.monotonic() >= deadline:
                return

    def peer_gone(self):
        """Checks, without reading, whether the server closed or reset the connection; records it."""
        if not self.closed:
            p = select.poll()
            p.register(self.sock, select.POLLRDHUP)
            for _, ev in p.poll(0):
                if ev & (select.POLLERR | select.POLLHUP | select.POLLRDHUP):
                    self.mark_closed("peer closed")
        return self.closed

    def parse(self):
        view = memoryview(self.inbuf)
        pos = 0
        acks = []
        while len(view) - pos >= 9:
            frame, length = Frame.parse_frame_header(view[pos:pos + 9])
            if len(view) - pos - 9 < length:
                break
            frame.parse_body(view[pos + 9:pos + 9 + length])
            pos += 9 + length
            acks += self.handle(frame, length)
        view.release()
        del self.inbuf[:pos]
        if acks:
            self.send(*acks, block=False)

    def mark_done(self, st):
        """Records when stream st ended (END_STREAM or RST_STREAM) and tells the on_done hook, if any."""
        st.done_at = self.elapsed()
        if self.on_done is not None:
            self.on_done(st)

    def handle(self, f, length):
        name = type(f).__name__
        self.frames_in[name] = self.frames_in.get(name, 0) + 1
        out = []
        st = self.streams.get(f.stream_id)
        if isinstance(f, SettingsFrame):
            if "ACK" not in f.flags:
                self.server_settings.update(f.settings)
                out.append(SettingsFrame(0, flags=["ACK"]))
        elif isinstance(f, PingFrame):
            if "ACK" in f.flags:
                self.pings_acked += 1
        elif isinstance(f, WindowUpdateFrame):
            if f.stream_id == 0:
                self.send_window += f.window_increment
            else:
                self.stream_send_window[f.stream_id] = self.stream_send_window.get(f.stream_id, 0) + f.window_increment
        elif isinstance(f, GoAwayFrame):
            if self.goaway is None:
                self.goaway_at = self.elapsed()
            self.goaway = (f.error_code, f.last_stream_id, bytes(f.additional_data))
        elif isinstance(f, RstStreamFrame):
            self.rst_received += 1
            if st is not None:
                st.reset = f.error_code
                self.mark_done(st)
        elif isinstance(f, (HeadersFrame, ContinuationFrame)):
            # Header blocks from the server fit one frame here (our SETTINGS keep the default sizes).
            try:
                fields = self.dec.decode(bytes(f.data))
            except Exception:  # a block split over CONTINUATION frames: keep going without it
                fields = []
            if st is not None:
                for k, v in fields:
                    k = k.decode() if isinstance(k, bytes) else k
                    v = v.decode() if isinstance(v, bytes) else v
                    if k == ":status" and st.status is None:
                        st.status = int(v)
                    st.headers.append((k, v))
                if "END_STREAM" in f.flags:
                    st.ended = True
                    self.mark_done(st)
        elif isinstance(f, DataFrame):
            if st is not None:
                st.body_len += len(f.data)
                if self.keep_body:
                    st.body += f.data
                if "END_STREAM" in f.flags:
                    st.ended = True
                    self.mark_done(st)
            if self.window and length:
                out.append(WindowUpdateFrame(0, window_increment=length))
                if st is not None and not st.ended:
                    out.append(WindowUpdateFrame(f.stream_id, window_increment=length))
            elif self.auto_window and length:
                self.unacked += length
                if self.unacked >= 1 << 24:
                    out.append(WindowUpdateFrame(0, window_increment=self.unacked))
                    self.unacked = 0
        return out

    def wait(self, cond, timeout):
        """Pumps until cond() holds, the connection ends, or timeout; returns cond()."""
        deadline = time.monotonic() + timeout
        while not cond() and not self.closed and time.monotonic() < deadline:
            self.pump(min(0.05, max(0.0, deadline - time.monotonic())))
        return cond()

    def wait_end(self, timeout):
        """Waits for the server to close the connection; returns True when it did."""
        return self.wait(lambda: self.closed, timeout)

    def ended(self):
        """True once the server sent GOAWAY (other than a graceful NO_ERROR one) or closed the connection."""
        return self.closed or (self.goaway is not None and self.goaway[0] != 0)

    def report(self, **extra):
        """Prints the JSON result the gtest driver reads and returns it."""
        out = {
            "ended": self.ended(),
            "closed": self.closed,
            "close_reason": self.close_reason,
            "goaway": self.goaway is not None,
            "goaway_code": self.goaway[0] if self.goaway else -1,
            "goaway_name": ERROR_NAMES.get(self.goaway[0], "?") if self.goaway else "",
            "goaway_last_stream": self.goaway[1] if self.goaway else -1,
            "goaway_debug": self.goaway[2].decode("latin-1") if self.goaway else "",
            "end_seconds": round(getattr(self, "goaway_at", getattr(self, "closed_at", self.elapsed())), 3),
            "elapsed": round(self.elapsed(), 3),
            "rst_received": self.rst_received,
            "frames_in": self.frames_in,
        }
        out.update(extra)
        for k, v in list(out.items()):  # nested counts also as flat "key.sub" entries for the C++ reader
            if isinstance(v, dict):
                for sk, sv in v.items():
                    out["%s.%s" % (k, sk)] = sv
        print(json.dumps(out, sort_keys=True))
        sys.stdout.flush()
        return out

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


def status_counts(conn, ids):
    """Counts the final statuses (and resets as 'rst:CODE') of the given streams."""
    counts = {}
    for sid in ids:
        st = conn.streams[sid]
        key = str(st.status) if st.status is not None else ("rst:%s" % ERROR_NAMES.get(st.reset, st.reset)
                                                            if st.reset is not None else "none")
        counts[key] = counts.get(key, 0) + 1
    return counts


def frame_bytes(frames):
    return b"".join(f.serialize() for f in frames)


__all__ = ["Conn", "Stream", "common_args", "status_counts", "frame_bytes", "ERROR_NAMES", "MAX_WINDOW",
           "ContinuationFrame", "DataFrame", "HeadersFrame", "PingFrame", "PriorityFrame", "RstStreamFrame",
           "SettingsFrame", "WindowUpdateFrame", "GoAwayFrame"]
