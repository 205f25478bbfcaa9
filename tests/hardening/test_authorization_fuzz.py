"""Property: no Authorization header makes the API answer 5xx, and no forgery is accepted.

Hypothesis starts from a request the recipient's access key signed and mutates it: random
text, the header's parts dropped, repeated, reordered or emptied, a character inserted or
replaced (NUL, control and non-ASCII characters, lone surrogates, separators), the header
grown huge, and the X-Sdk-Date and X-Project-Id headers changed beside it. Every answer is
below 500, a refusal is the API's JSON error, and only the untouched request is accepted.
AUTH_FUZZ_EXAMPLES sets the number of examples (1,000 by default).
"""

from __future__ import annotations

import os
from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from console.iam.services import access_key_create
from tests.hardening.sweeps import COUNTS
from tests.iam.test_signature_binding import authorization

pytestmark = pytest.mark.django_db

EXAMPLES = int(os.environ.get("AUTH_FUZZ_EXAMPLES", "1000"))
ROUTES = [
    ("get", "/api/ims/v2/cloudimages"),
    ("get", "/api/iam/v3/projects"),
    ("get", "/api/iam/v3/auth/tokens"),
    ("post", "/api/ims/v2/images"),
    ("delete", "/api/iam/v3/auth/tokens"),
]
ODD = ["\x00", "\r", "\n", "\t", " ", ",", ";", "=", "ä", "€", "🙂", "\udcff", "\ud800", "%00"]
NAMES = ["host", "x-sdk-date", "x-project-id", "content-type", "", "HOST", "x-sdk-date ", "\x00"]

odd_text = st.one_of(
    st.text(max_size=60),
    st.lists(st.sampled_from(ODD + list("AZaz09-_")), max_size=30).map("".join),
    st.binary(max_size=40).map(lambda b: b.decode("latin-1")),
)


def mutate(data, value: str) -> str:
    """One mutation of a header value."""
    how = data.draw(st.sampled_from(["insert", "replace", "cut", "grow", "case", "none"]))
    if how == "none" or not value:
        return value
    at = data.draw(st.integers(0, len(value) - 1))
    if how == "insert":
        return value[:at] + data.draw(st.sampled_from(ODD)) + value[at:]
    if how == "replace":
        return value[:at] + data.draw(st.sampled_from(ODD)) + value[at + 1 :]
    if how == "cut":
        return value[:at]
    if how == "grow":
        return value + data.draw(st.sampled_from(ODD + ["A"])) * data.draw(
            st.sampled_from([1, 100, 5000, 200_000])
        )
    return value.swapcase()


def structured(data, ak: str, signed: str, sig: str) -> str:
    """The header rebuilt from its parts, some dropped, repeated, reordered or changed."""
    parts = [f"Access={ak}", f"SignedHeaders={signed}", f"Signature={sig}"]
    parts = data.draw(st.lists(st.sampled_from(parts), max_size=5))
    parts = [mutate(data, p) if data.draw(st.booleans()) else p for p in parts]
    scheme = data.draw(st.sampled_from(["SDK-HMAC-SHA256", "sdk-hmac-sha256", "", "Bearer"]))
    separator = data.draw(st.sampled_from([", ", ",", " ", ";", ",\x00 "]))
    return f"{scheme} " + separator.join(parts)


def test_no_authorization_header_makes_a_server_error(client, world):
    key = access_key_create(
        actor=world.recipient_user, project=world.recipient_de, password="console-demo"
    )
    ak, sk = key.key.access_key, key.secret
    pid = world.recipient_de.project_id

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(data=st.data())
    def request(data):
        method, path = data.draw(st.sampled_from(ROUTES))
        date = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        headers = {"Host": "testserver", "X-Project-Id": pid, "X-Sdk-Date": date}
        body = b'{"name": "fuzz"}' if method == "post" else b""
        if body:
            headers["Content-Type"] = "application/json"
        names = sorted(n.lower() for n in headers)
        genuine = authorization(ak, sk, method.upper(), path, headers, names, body=body)
        sig = genuine.rsplit("=", 1)[1]
        shape = data.draw(st.sampled_from(["random", "mutated", "structured", "names"]))
        # Signed with the secret over the headers the gateway requires (all of them here).
        legit = shape == "mutated"
        if shape == "random":
            value = data.draw(odd_text)
        elif shape == "mutated":
            value = mutate(data, genuine)
            legit = value == genuine
        elif shape == "structured":
            value = structured(data, ak, ";".join(names), sig)
        else:
            chosen = data.draw(st.lists(st.sampled_from(NAMES), max_size=5))
            value = authorization(ak, sk, method.upper(), path, headers, chosen, body=body)
            legit = {"host", "x-sdk-date", "x-project-id"} <= {n.lower() for n in chosen}
        sent = dict(headers)
        if data.draw(st.booleans()):
            sent["X-Sdk-Date"] = data.draw(
                st.one_of(odd_text, st.sampled_from(["99991231T235959Z", "00010101T000000Z"]))
            )
        if data.draw(st.booleans()):
            sent["X-Project-Id"] = data.draw(
                st.one_of(odd_text, st.just(world.sharer_de.project_id))
            )
        content_type = sent.pop("Content-Type", None)
        kwargs = {"headers": {**sent, "Authorization": value}}
        if content_type:
            kwargs.update(data=body, content_type=content_type)
        response = getattr(client, method)(path, **kwargs)
        counts = COUNTS["authorization fuzz"]
        counts["examples"] += 1
        assert response.status_code < 500, (method, path, value[:300], sent)
        untouched = sent == {k: v for k, v in headers.items() if k != "Content-Type"}
        if response.status_code < 400:
            counts["accepted (genuinely signed)"] += 1
            assert legit and untouched, ("a forgery was accepted", value[:300], sent)
        else:
            counts["refused"] += 1
            assert "error" in response.json()

    request()
