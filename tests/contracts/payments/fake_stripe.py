"""A small HTTP server on 127.0.0.1 that answers like Stripe's API for the
calls the Stripe gateway makes (create, list and retrieve transfers), so
the real stripe-python client is exercised end to end (never mocked):

- ``POST /v1/transfers`` (form-encoded, ``metadata[...]`` included) creates
  a transfer; a repeated ``Idempotency-Key`` gets the stored answer back
  (Stripe's rule), so a retry never makes a second transfer;
- ``GET /v1/transfers`` lists them (one page), ``GET /v1/transfers/<id>``
  retrieves one;
- ``POST /v1/accounts`` creates an Express connected account (under the
  idempotency key too), ``GET /v1/accounts/<id>`` retrieves it,
  ``POST /v1/account_links`` makes an onboarding link;
  ``finish_onboarding(id)`` plays the organization completing Stripe's
  form (details submitted, transfers active);
- ``faults``: the next requests' faults, in order: ``"timeout"`` (the
  transfer is made, the answer comes after the client gave up), ``"500"``
  (nothing made), ``"400"`` (a refusal with Stripe's error body, not
  stored under the key), ``"drop"`` (the connection closes unanswered)."""

import itertools
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl


class FakeStripe:
    def __init__(self, slow_seconds=1.5):
        self.transfers = {}
        self.accounts = {}
        self.links = []
        self.by_key = {}
        self.faults = []
        self.requests = []
        self.slow_seconds = slow_seconds
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _answer(self, status, body):
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.send_header("Request-Id", "req_fake")
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self):  # noqa: N802 - http.server's name
                fake.requests.append(("GET", self.path))
                path = self.path.split("?", 1)[0]
                if path == "/v1/transfers":
                    data = sorted(fake.transfers.values(), key=lambda t: t["created"])
                    return self._answer(200, {"object": "list", "data": data, "has_more": False, "url": path})
                if path.startswith("/v1/accounts/"):
                    if fake.faults and fake.faults[0] == "500":  # (transfers' reads take no faults)
                        fake.faults.pop(0)
                        return self._answer(500, _error("api_error", "Something went wrong on Stripe's end."))
                    found = fake.accounts.get(path.rsplit("/", 1)[-1])
                    if found is None:
                        return self._answer(404, _error("invalid_request_error", "No such account"))
                    return self._answer(200, found)
                found = fake.transfers.get(path.rsplit("/", 1)[-1])
                if found is None:
                    return self._answer(404, _error("resource_missing", "No such transfer"))
                return self._answer(200, found)

            def do_POST(self):  # noqa: N802 - http.server's name
                length = int(self.headers.get("Content-Length") or 0)
                form = dict(parse_qsl(self.rfile.read(length).decode()))
                key = self.headers.get("Idempotency-Key", "")
                fake.requests.append(("POST", self.path, key))
                fault = fake.faults.pop(0) if fake.faults else None
                if fault == "500":
                    return self._answer(500, _error("api_error", "Something went wrong on Stripe's end."))
                if fault == "400":
                    return self._answer(400, _error("invalid_request_error", "No such destination: 'acct_gone'"))
                if fault == "drop":
                    self.close_connection = True
                    return None
                path = self.path.split("?", 1)[0]
                if path == "/v1/account_links":
                    if form.get("account") not in fake.accounts:
                        return self._answer(400, _error("invalid_request_error", "No such account"))
                    return self._answer(200, fake._link(form))
                create = fake._create_account if path == "/v1/accounts" else fake._create
                with fake._lock:
                    if key and key in fake.by_key:
                        status, body = fake.by_key[key]
                    else:
                        status, body = 200, create(form)
                        if key:
                            fake.by_key[key] = (status, body)
                if fault == "timeout":
                    time.sleep(fake.slow_seconds)
                return self._answer(status, body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def _create(self, form):
        number = next(self._ids)
        transfer = {
            "id": f"tr_fake{number:06d}",
            "object": "transfer",
            "amount": int(form["amount"]),
            "currency": form["currency"],
            "destination": form["destination"],
            "transfer_group": form.get("transfer_group"),
            "metadata": {k[len("metadata[") : -1]: v for k, v in form.items() if k.startswith("metadata[")},
            "reversed": False,
            "amount_reversed": 0,
            "created": int(time.time()) * 1000 + number,
            "livemode": False,
        }
        self.transfers[transfer["id"]] = transfer
        return transfer

    def _create_account(self, form):
        number = next(self._ids)
        account = {
            "id": f"acct_fake{number:06d}",
            "object": "account",
            "type": form.get("type"),
            "country": form.get("country", "US"),
            "business_profile": {"name": form.get("business_profile[name]")},
            "metadata": {k[len("metadata[") : -1]: v for k, v in form.items() if k.startswith("metadata[")},
            "details_submitted": False,
            "charges_enabled": False,
            "payouts_enabled": False,
            "capabilities": {"transfers": "inactive"},
            "requested": {k: v for k, v in form.items() if k.startswith("capabilities[")},
        }
        self.accounts[account["id"]] = account
        return account

    def _link(self, form):
        self.links.append(form)
        return {
            "object": "account_link",
            "url": f"https://connect.stripe.test/setup/e/{form['account']}/{len(self.links)}",
            "created": int(time.time()),
            "expires_at": int(time.time()) + 300,
        }

    def finish_onboarding(self, account_id, transfers="active"):
        account = self.accounts[account_id]
        account["details_submitted"] = True
        account["payouts_enabled"] = transfers == "active"
        account["capabilities"] = {"transfers": transfers}
        return account

    def start(self):
        self.thread.start()
        return self

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


def _error(kind, message):
    return {"error": {"type": kind, "message": message}}
