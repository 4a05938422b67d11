"""deploy/nginx/doorstep.conf for real: Debian's nginx in front of gunicorn (as `make run` serves),
over https with a throwaway certificate. The proxy passes the app's compression through, keeps the
phone's connection, redirects http to https, and the app knows the request was https (the session
cookie is Secure). Needs nginx and openssl; with DOORSTEP_REQUIRE_NGINX=1 (CI) it fails without them."""
import http.client
import os
import re
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CONFIG = ROOT / "deploy" / "nginx" / "doorstep.conf"


def _tool(name: str) -> str:
    found = shutil.which(name) or next((p for p in (f"/usr/sbin/{name}", f"/usr/bin/{name}") if os.path.exists(p)), None)
    if found is None:
        if os.environ.get("DOORSTEP_REQUIRE_NGINX"):
            pytest.fail(f"{name} is required (DOORSTEP_REQUIRE_NGINX=1): apt-get install nginx-light openssl")
        pytest.skip(f"{name} is not installed")
    return found


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for(port: int, proc: subprocess.Popen) -> None:
    for _ in range(300):
        if proc.poll() is not None:
            raise AssertionError(f"exited with {proc.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"nothing listening on {port}")


def _site_config(tmp: Path, app_port: int, https_port: int, http_port: int) -> str:
    """The shipped file, changed only where a test must: ports, certificate paths, IPv4 only."""
    text = CONFIG.read_text()
    text = re.sub(r"server 10\.0\.0\.11:8000", f"server 127.0.0.1:{app_port}", text)
    text = text.replace("listen [::]:80;", "").replace("listen [::]:443 ssl http2;", "")
    text = text.replace("listen 80;", f"listen 127.0.0.1:{http_port};")
    text = text.replace("listen 443 ssl http2;", f"listen 127.0.0.1:{https_port} ssl http2;")
    text = re.sub(r"/etc/letsencrypt/live/[^/]+/fullchain\.pem", str(tmp / "cert.pem"), text)
    text = re.sub(r"/etc/letsencrypt/live/[^/]+/privkey\.pem", str(tmp / "key.pem"), text)
    assert str(tmp / "cert.pem") in text and f"127.0.0.1:{app_port}" in text
    return text


def test_nginx_serves_the_app_over_https_as_deployed(tmp_path):
    nginx, openssl = _tool("nginx"), _tool("openssl")
    subprocess.run([openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj",
                    "/CN=doorstep.example.gov.cn", "-keyout", str(tmp_path / "key.pem"),
                    "-out", str(tmp_path / "cert.pem")], check=True, capture_output=True)
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'app.db'}", "SECRET_KEY": "nginx-test-secret"}
    flask = [sys.executable, "-m", "flask", "--app", "wsgi"]
    subprocess.run(flask + ["db", "upgrade"], cwd=ROOT, env=env, check=True, capture_output=True)
    app_port, https_port, http_port = _free_port(), _free_port(), _free_port()
    (tmp_path / "site.conf").write_text(_site_config(tmp_path, app_port, https_port, http_port))
    temp_paths = " ".join(f"{kind}_temp_path {tmp_path / kind};"
                          for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path / 'nginx.pid'}; error_log {tmp_path / 'error.log'}; events {{}}\n"
        f"http {{ access_log off; {temp_paths} include {tmp_path / 'site.conf'}; }}\n")
    checked = subprocess.run([nginx, "-t", "-c", str(tmp_path / "nginx.conf"), "-p", str(tmp_path)],
                             capture_output=True, text=True)
    assert checked.returncode == 0, checked.stderr

    app = subprocess.Popen([sys.executable, "-m", "gunicorn", "--config", "gunicorn.conf.py", "wsgi:app"], cwd=ROOT,
                           env={**env, "PORT": str(app_port), "WORKERS": "1", "ACCESS_LOG": ""},
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    proxy = subprocess.Popen([nginx, "-c", str(tmp_path / "nginx.conf"), "-p", str(tmp_path), "-g", "daemon off;"],
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    try:
        _wait_for(app_port, app)
        _wait_for(https_port, proxy)
        plain = http.client.HTTPConnection("127.0.0.1", http_port, timeout=30)
        plain.request("GET", "/h/abc", headers={"Host": "doorstep.example.gov.cn"})
        moved = plain.getresponse()
        assert moved.status == 301 and moved.getheader("Location") == "https://doorstep.example.gov.cn/h/abc"

        context = ssl.create_default_context()
        context.check_hostname, context.verify_mode = False, ssl.CERT_NONE
        phone = http.client.HTTPSConnection("127.0.0.1", https_port, timeout=30, context=context)
        sockets = []
        for _ in range(2):  # the same connection twice: kept alive between taps
            phone.request("GET", "/login", headers={"Host": "doorstep.example.gov.cn",
                                                    "Accept-Encoding": "gzip, deflate, br"})
            page = phone.getresponse()
            body = page.read()
            assert page.status == 200
            assert page.getheader("Content-Encoding") == "br" and b"<html" not in body  # the app's own brotli
            assert page.getheader("Strict-Transport-Security") == "max-age=31536000"
            assert "Secure" in page.getheader("Set-Cookie")  # the app saw https through X-Forwarded-Proto
            sockets.append(phone.sock)
        assert sockets[0] is not None and sockets[0] is sockets[1]
        phone.close()
    finally:
        for proc in (proxy, app):
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=30)
