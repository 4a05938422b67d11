"""A tiny HTTP client with a cookie jar, for driving a live server from other processes
(the knock benchmark and the concurrency test). One connection per request, as gunicorn's sync
workers close them anyway."""
from __future__ import annotations

import http.client
import re
import socket
import urllib.parse

CSRF_META = re.compile(r'name="csrf-token" content="([^"]+)"')


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Session:
    def __init__(self, port: int):
        self.port, self.cookies = port, {}

    def request(self, method: str, path: str, body: dict | None = None, headers: dict | None = None):
        """(status, headers, text) of one request, keeping the cookies it sets."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        headers = dict(headers or {})
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        data = None
        if body is not None:
            data = urllib.parse.urlencode(body)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        conn.request(method, path, body=data, headers=headers)
        response = conn.getresponse()
        for header in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            self.cookies[name] = rest.split(";")[0]
        text = response.read().decode()
        conn.close()
        return response.status, response.headers, text

    def login(self, username: str, password: str) -> str:
        """Log in and return the CSRF token for later POSTs."""
        _, _, html = self.request("GET", "/login")
        status, _, _ = self.request("POST", "/login", {"username": username, "password": password,
                                                       "csrf_token": CSRF_META.search(html).group(1)})
        assert status == 303, status
        _, _, html = self.request("GET", "/")
        return CSRF_META.search(html).group(1)
