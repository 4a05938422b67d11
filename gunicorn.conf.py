"""Gunicorn settings for `make run` and for deploy/ (read from the working directory).

Threaded workers (gthread) keep each phone's connection open between taps, so a knock on a weak
signal does not pay a new TCP handshake (one more round trip) every time; sync workers close every
connection after one response. Every value can be overridden from the environment.
"""
import os

bind = f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WORKERS", os.environ.get("WEB_CONCURRENCY", "2")))
worker_class = "gthread"
threads = int(os.environ.get("THREADS", "4"))
# Seconds an idle connection is kept open for the next request (a volunteer taps every few seconds).
keepalive = int(os.environ.get("KEEPALIVE", "30"))
# Idle keep-alive connections are cheap with gthread, but bounded.
worker_connections = int(os.environ.get("WORKER_CONNECTIONS", "1000"))
timeout = int(os.environ.get("TIMEOUT", "60"))
graceful_timeout = 20
# Restart a worker now and then, so a slow leak can never grow for weeks.
max_requests = int(os.environ.get("MAX_REQUESTS", "20000"))
max_requests_jitter = 2000
accesslog = os.environ.get("ACCESS_LOG", "-") or None
# Behind a proxy (deploy/): trust X-Forwarded-* from these addresses only.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
