"""The REST client against the stand-in: operations, typed errors, retries."""

from __future__ import annotations

from typing import Any

import pytest
import requests

from datacite_client import errors
from datacite_client.client import DataCiteClient
from datacite_client.retry import RetryPolicy, parse_retry_after

from .conftest import PREFIX, fast_retry, make_client
from .standin import DataCiteStandIn, Faults

DOI = f"{PREFIX}/abc-1"
COMPLETE: dict[str, Any] = {
    "url": "https://repo.example.org/records/abc-1",
    "creators": [{"name": "Müller, Anna"}],
    "titles": [{"title": "Ocean temperatures"}],
    "publisher": {"name": "Example Data Centre"},
    "publicationYear": "2021",
    "types": {"resourceTypeGeneral": "Dataset"},
}


def test_publish_update_hide_republish(client: DataCiteClient, standin: DataCiteStandIn) -> None:
    created = client.publish(DOI, COMPLETE)
    assert (created.state, created.created) == ("findable", True)
    updated = client.put_doi(DOI, {"titles": [{"title": "New title"}]})
    assert (updated.state, updated.created) == ("findable", False)
    assert client.get_doi(DOI).attributes["titles"] == [{"title": "New title"}]
    assert client.hide(DOI).state == "registered"
    assert client.publish(DOI).state == "findable"  # restore
    assert standin.dois[DOI].state == "findable"


def test_put_is_idempotent(client: DataCiteClient, standin: DataCiteStandIn) -> None:
    first = client.publish(DOI, COMPLETE)
    again = client.publish(DOI, COMPLETE)
    assert first.created and not again.created
    assert first.attributes == again.attributes
    assert list(standin.dois) == [DOI]


def test_reserve_register_and_delete_draft(client: DataCiteClient, standin: DataCiteStandIn) -> None:
    assert client.put_doi(DOI, {}).state == "draft"  # reserve: no metadata needed
    client.delete_doi(DOI)
    assert DOI not in standin.dois
    assert client.put_doi(DOI, COMPLETE).state == "draft"
    assert client.register(DOI).state == "registered"
    with pytest.raises(errors.MethodNotAllowed) as info:
        client.delete_doi(DOI)  # registered DOIs are for ever
    assert info.value.status == 405
    assert standin.dois[DOI].state == "registered"


def test_user_agent_and_media_type(client: DataCiteClient, standin: DataCiteStandIn) -> None:
    client.put_doi(DOI, {})
    (agent,) = standin.user_agents
    assert agent.startswith("oaiserver/") and agent.endswith("(+admin@example.org)")


def test_bad_credentials(standin: DataCiteStandIn) -> None:
    client = DataCiteClient(standin.url, auth=("TEST.REPO", "wrong"), retry=fast_retry())
    with pytest.raises(errors.BadCredentials) as info:
        client.get_doi(DOI)
    assert info.value.status == 401
    assert info.value.errors[0]["title"] == "Bad credentials."
    assert standin.requests["401"] == 1  # not retried


def test_forbidden_prefix(client: DataCiteClient, standin: DataCiteStandIn) -> None:
    with pytest.raises(errors.ForbiddenPrefix) as info:
        client.publish("10.9999/theirs", COMPLETE)
    assert info.value.status == 403 and "10.9999/theirs" not in standin.dois


def test_not_found(client: DataCiteClient) -> None:
    with pytest.raises(errors.DOINotFound) as info:
        client.get_doi(f"{PREFIX}/nothing")
    assert info.value.status == 404
    with pytest.raises(errors.DOINotFound):
        client.delete_doi(f"{PREFIX}/nothing")


def test_invalid_metadata_names_the_attribute(client: DataCiteClient,
                                              standin: DataCiteStandIn) -> None:
    incomplete = {k: v for k, v in COMPLETE.items() if k != "creators"}
    with pytest.raises(errors.InvalidMetadata) as info:
        client.publish(DOI, incomplete)
    assert info.value.status == 422
    assert info.value.pointers == ["creators"]
    assert "creators" in str(info.value)
    assert standin.requests["422"] == 1  # validation errors are not retried
    assert DOI not in standin.dois


def test_missing_url_is_invalid(client: DataCiteClient) -> None:
    with pytest.raises(errors.InvalidMetadata) as info:
        client.publish(DOI, {k: v for k, v in COMPLETE.items() if k != "url"})
    assert info.value.pointers == ["url"]


@pytest.mark.parametrize(
    "faults, outcome",
    [
        (Faults(p_429=1.0, retry_after="7"), "429"),
        (Faults(p_500=1.0), "500"),
        (Faults(p_drop=1.0, seed=3), "dropped"),
    ],
)
def test_transient_errors_are_retried(standin: DataCiteStandIn, faults: Faults,
                                      outcome: str) -> None:
    slept: list[float] = []
    client = make_client(standin, retry=RetryPolicy(attempts=3, base=0.001, cap=0.002),
                         sleep=slept.append)
    standin.set_faults(faults)
    with pytest.raises(errors.TransientError) as info:
        client.get_doi(DOI)
    assert standin.requests[outcome] == 3 and len(slept) == 2
    if outcome == "429":
        assert isinstance(info.value, errors.RateLimited)
        assert info.value.retry_after == 7.0 and slept == [7.0, 7.0]  # Retry-After honoured
    elif outcome == "500":
        assert isinstance(info.value, errors.ServerError) and info.value.status == 500
    else:
        assert isinstance(info.value, errors.NetworkError) and info.value.status is None
    standin.set_faults(Faults())
    client.put_doi(DOI, {})  # and then it works again


@pytest.mark.parametrize("faults", [Faults(p_429=0.5, seed=5), Faults(p_500=0.5, seed=6),
                                    Faults(p_drop=0.5, seed=7)])
def test_retries_succeed_through_faults(standin: DataCiteStandIn, faults: Faults) -> None:
    client = make_client(standin, retry=fast_retry(attempts=12))
    standin.set_faults(faults)
    for i in range(10):
        assert client.publish(f"{PREFIX}/r{i}", COMPLETE).state == "findable"
    assert client.retries > 0
    assert sorted(standin.dois) == sorted(f"{PREFIX}/r{i}" for i in range(10))


def test_timeout_is_a_network_error(standin: DataCiteStandIn) -> None:
    client = make_client(standin, timeout=0.05, retry=RetryPolicy(attempts=2, base=0.001))
    standin.set_faults(Faults(latency=(0.3, 0.3)))
    with pytest.raises(errors.NetworkError, match="Timeout"):
        client.get_doi(DOI)


def test_connection_refused_is_a_network_error() -> None:
    client = DataCiteClient("http://127.0.0.1:9", auth=("a", "b"), timeout=1,
                            retry=RetryPolicy(attempts=1))
    with pytest.raises(errors.NetworkError):
        client.get_doi(DOI)


def test_session_is_the_seam(standin: DataCiteStandIn) -> None:
    session = requests.Session()
    seen: list[str] = []
    session.hooks["response"].append(lambda r, *a, **k: seen.append(r.request.method))
    client = make_client(standin, session=session)
    client.put_doi(DOI, {})
    client.get_doi(DOI)
    assert seen == ["PUT", "GET"]


def test_one_error_tree() -> None:
    for cls in (errors.BadCredentials, errors.ForbiddenPrefix, errors.DOINotFound,
                errors.MethodNotAllowed, errors.InvalidMetadata, errors.RateLimited,
                errors.ServerError, errors.NetworkError, errors.UnexpectedResponse):
        assert issubclass(cls, errors.DataCiteError)
    assert errors.RateLimited.retryable and not errors.InvalidMetadata.retryable
    assert isinstance(errors.error_for_status(503, []), errors.ServerError)
    assert isinstance(errors.error_for_status(409, []), errors.UnexpectedResponse)


def test_parse_retry_after() -> None:
    assert parse_retry_after("3") == 3.0
    assert parse_retry_after(None) is None
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0  # in the past
    assert parse_retry_after("soon") is None
