"""gunicorn settings for clinic: `gunicorn -c clinic/gunicorn.conf.py` (the README's systemd unit uses it).

This is gunicorn's own configuration file, read by gunicorn before the app exists; the app itself reads
its settings in ``clinic.app.create_app`` only. Override per instance with ``CLINIC_BIND``,
``CLINIC_WORKERS`` and ``CLINIC_ACCESS_LOG``, or with gunicorn's command-line options after ``-c``.
"""

import os

wsgi_app = "clinic.app:create_app()"
bind = os.environ.get("CLINIC_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("CLINIC_WORKERS", "2"))
# Threaded workers: a request that waits for a PDF render (an approval, a first print) waits on its own thread,
# and the worker's other threads serve pages meanwhile (PERFORMANCE 6). Renders run in separate, lower-priority
# processes (RENDER_PROCESSES per worker, started below): WeasyPrint is single-threaded and holds the GIL.
worker_class = "gthread"
# Why 4 threads and not more (measured 2026-11-30 with the load bench, SQLite, side by side, 2 shared cores): a thread
# waiting for a render blocks nothing but itself, yet when a worker's 4 threads all wait for renders its pages queue
# behind them. With 8 threads flat-out pages' p50 about halved (protocol page 120-150 -> 30-40 ms) but renders
# waited twice as long (approval p50 2.2-3.3 -> 4.2-4.8 s, p95 up to 10.8 s) at the same throughput (37-44
# requests/s): at saturation the CPU goes to pages or to renders, so more threads only move the wait from one to
# the other, and the render target (2 s) is the one the paced run must meet. Paced, 4 and 8 measured the same.
threads = int(os.environ.get("CLINIC_THREADS", "4"))
RENDER_PROCESSES = int(os.environ.get("CLINIC_RENDER_PROCESSES", "1"))
# A handout renders in a few seconds at most; a stuck worker is restarted after this.
timeout = 60

# Logs go to standard output/error: systemd's journal keeps them (`journalctl -u clinic`).
# The access log is on by default (REL-17). Its format leaves out the query string and the Referer:
# a patient search puts the patient's name in the query string, and a log is no place for it.
accesslog = os.environ.get("CLINIC_ACCESS_LOG", "-")
errorlog = "-"
access_log_format = '%({x-forwarded-for}i)s %(h)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s %(L)ss "%(a)s"'

# Forwarded headers (X-Forwarded-For/-Proto) are trusted by the app itself, and only from the
# addresses in its TRUSTED_PROXIES setting (clinic/proxy.py), so gunicorn trusts nobody.
forwarded_allow_ips = ""

# gunicorn >= 25.1 opens a control socket at one fixed path per user: a second instance on the same
# machine logged an ERROR because the first held it. clinic does not use gunicornc, so it is off.
control_socket_disable = True


def post_worker_init(worker) -> None:
    """Before this worker takes requests: compile its page templates and start its render processes."""
    from clinic.handouts.render import start_render_pool
    from clinic.templating import compile_page_templates

    compile_page_templates(worker.wsgi)
    start_render_pool(RENDER_PROCESSES)


def worker_exit(server, worker) -> None:
    """Stop this worker's render processes with it."""
    from clinic.handouts.render import stop_render_pool

    stop_render_pool()
