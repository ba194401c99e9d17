"""The throughput baseline: a bare Flask app with one small HTML page, served like the real one.

gunicorn -c gunicorn.conf.py bench.trivial_app:app
"""

from flask import Flask

PAGE = (
    "<!doctype html><html lang=en><meta charset=utf-8><title>Trivial</title>"
    "<p>Hello from a trivial Flask route.</p></html>"
)

app = Flask(__name__)


@app.get("/")
def index() -> str:
    return PAGE
