"""Processes for the benchmark: start a server pinned to CPU 0, and read the
CPU time and RSS of its whole process tree from /proc."""
import os
import signal
import socket
import subprocess
import time

CLK_TCK = os.sysconf("SC_CLK_TCK")


def free_port():
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def tree(pid):
    """pid and all its descendants (every process a server forked: workers,
    CGI helpers, FastCGI spawners)."""
    out = [pid]
    i = 0
    while i < len(out):
        try:
            kids = open(f"/proc/{out[i]}/task/{out[i]}/children").read().split()
        except OSError:
            kids = []
        out += [int(k) for k in kids]
        i += 1
    return out


def cpu_ticks(pid):
    """utime+stime of every process in pid's tree, all threads, plus what its
    reaped children used (cutime+cstime), in clock ticks."""
    total = 0
    for p in tree(pid):
        try:
            stat = open(f"/proc/{p}/stat").read()
        except OSError:
            continue
        fields = stat[stat.rfind(")") + 2:].split()
        # utime stime cutime cstime are fields 14-17 (1-based), i.e. 11..14 here.
        total += sum(int(x) for x in fields[11:15])
    return total


def rss_by_name(pid):
    """VmRSS in KiB summed over pid's tree, per process name (comm)."""
    out = {}
    for p in tree(pid):
        try:
            name = open(f"/proc/{p}/comm").read().strip()
            for line in open(f"/proc/{p}/status"):
                if line.startswith("VmRSS:"):
                    out[name] = out.get(name, 0) + int(line.split()[1])
        except OSError:
            pass
    return out


def wait_port(port, timeout=10):
    """True once 127.0.0.1:port accepts a connection, False after timeout s."""
    end = time.time() + timeout
    while time.time() < end:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return True
        except OSError:
            time.sleep(0.05)
    return False


class Server:
    """One server under test, started in its own session so that stop()
    ends it and everything it forked. cgi_na: why it runs no CGI case, or "";
    tls_port and h2c_port: its TLS and h2c listeners, where it has them."""

    def __init__(self, name, argv, port, env=None, cgi_na=""):
        self.name, self.argv, self.port, self.env, self.cgi_na = name, argv, port, env, cgi_na
        self.tls_port = self.h2c_port = None
        self.proc = None

    def start(self):
        env = dict(os.environ, **self.env) if self.env else None
        self.proc = subprocess.Popen(["taskset", "-c", "0"] + self.argv, env=env,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                     start_new_session=True)
        if not wait_port(self.port):
            raise RuntimeError(f"{self.name} did not start: {' '.join(self.argv)}")

    def stop(self):
        """SIGTERM to the server, so that it ends its own helpers (h2o's
        FastCGI spawner then removes its socket directory); after 10 s, or if
        any of its process group is left 2 s after it exits, SIGKILL to the group."""
        if not self.proc or self.proc.poll() is not None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            pass
        end = time.time() + 2
        while time.time() < end:
            try:
                os.killpg(self.proc.pid, 0)
            except ProcessLookupError:
                return
            time.sleep(0.05)
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.proc.wait()
