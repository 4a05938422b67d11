"""A bare Flask hello-world: the yardstick bench/knock.py measures the knock against."""
from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello():
    return "hello"
