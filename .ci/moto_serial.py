"""moto's server on a single thread, for CI: it handles one request at a time, so concurrent
conditional writes are serialised as DynamoDB serialises them, and the concurrent contract tests
(20 creates of one unique value, 8 x 100 increments) run against the DynamoDB adapter too.
moto_server itself serves on several threads without serialising them."""
import sys

from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
from werkzeug.serving import run_simple

if __name__ == "__main__":
    host, port = sys.argv[1], int(sys.argv[2])
    run_simple(host, port, DomainDispatcherApplication(create_backend_app), threaded=False, use_reloader=False)
