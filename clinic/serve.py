"""`make run` helpers: refuse a taken port with a hint before anything starts, and print the address only once
gunicorn is serving.

``python -m clinic.serve check HOST PORT`` exits 1 with a message when the port is taken. The module is also
gunicorn's config (``gunicorn -c python:clinic.serve``): the production settings of ``clinic/gunicorn.conf.py``
(threaded workers with their render processes, access log without query strings, no control socket,
worker timeout), and a ``when_ready`` hook that prints the
address when the workers can answer. The Makefile passes HOST and PORT.
"""

from __future__ import annotations

import errno
import runpy
import socket
import sys
from pathlib import Path

# One home for gunicorn's settings: make run serves with the same ones as the README's deployment.
_PRODUCTION = runpy.run_path(str(Path(__file__).with_name("gunicorn.conf.py")))
timeout = _PRODUCTION["timeout"]
access_log_format = _PRODUCTION["access_log_format"]
forwarded_allow_ips = _PRODUCTION["forwarded_allow_ips"]
control_socket_disable = _PRODUCTION["control_socket_disable"]
worker_class = _PRODUCTION["worker_class"]
threads = _PRODUCTION["threads"]
post_worker_init = _PRODUCTION["post_worker_init"]
worker_exit = _PRODUCTION["worker_exit"]


def port_problem(host: str, port: int) -> str | None:
    """Why ``host:port`` cannot be served (taken, not a local address, not allowed), or None."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror:
        return f"HOST={host} is not an address of this machine. Try HOST=127.0.0.1 make run."
    family, kind, proto, _name, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as gunicorn does: TIME_WAIT is no clash
        try:
            probe.bind(address)
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                return (f"Port {port} on {host} is already in use (another clinic, or another program). "
                        f"Stop it, or choose another port: PORT={port + 1} make run")
            if exc.errno in (errno.EACCES, errno.EPERM):
                return f"Port {port} needs administrator rights. Choose a port above 1023: PORT=5000 make run"
            if exc.errno == errno.EADDRNOTAVAIL:
                return f"HOST={host} is not an address of this machine. Try HOST=127.0.0.1 make run."
            return f"Cannot listen on {host}:{port}: {exc.strerror}. Choose another: PORT={port + 1} make run"
    return None


def when_ready(server) -> None:
    """Gunicorn hook: the socket is bound and the workers are starting; now the address is true."""
    for listener in server.LISTENERS:
        host, port = listener.sock.getsockname()[:2]
        shown = f"[{host}]" if ":" in host else host
        print(f"clinic is at http://{shown}:{port}  (Ctrl+C stops it)", flush=True)


def main(argv: list[str]) -> int:
    """``check HOST PORT``: 0 when the port is free, 1 with a message on stderr when not."""
    if len(argv) != 3 or argv[0] != "check" or not argv[2].isdigit():
        print("usage: python -m clinic.serve check HOST PORT", file=sys.stderr)
        return 2
    problem = port_problem(argv[1], int(argv[2]))
    if problem:
        print(problem, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
