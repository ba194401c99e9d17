"""Production server settings: gevent workers hold many open sockets each (DESIGN.md, live path)."""

import multiprocessing
import os

bind = os.environ.get("MLN_BIND", "127.0.0.1:8000")
worker_class = "gevent"
workers = int(os.environ.get("MLN_WEB_WORKERS", multiprocessing.cpu_count()))
worker_connections = int(os.environ.get("MLN_WORKER_CONNECTIONS", 10000))
preload_app = False  # psycopg must be imported after gevent patches the standard library
accesslog = os.environ.get("MLN_ACCESS_LOG") or None
graceful_timeout = 10
control_socket_disable = True  # one fixed path per user would clash between instances
