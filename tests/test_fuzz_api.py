"""Schema-driven fuzzing of the HTTP API (schemathesis): every operation of /openapi.json gets requests built
from its schema, valid and invalid, against a real server on 127.0.0.1 running a Pipeline on fakes. No
response may be a server error or carry a traceback, and each must match what the document promises (status
codes, content types, response schemas). Bounded (a few dozen examples per operation) so that the default
`pytest` run stays quick."""

from __future__ import annotations

import pytest

schemathesis = pytest.importorskip("schemathesis", reason="pip install -e '.[test]' brings schemathesis")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis.errors import Unsatisfiable  # noqa: E402
from schemathesis import GenerationMode  # noqa: E402
from schemathesis.checks import (  # noqa: E402
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from test_server import corpus, serve  # noqa: E402

pytestmark = pytest.mark.slow
EXAMPLES = 30  # per operation and generation mode


@pytest.fixture(scope="module")
def api_url(tmp_path_factory):
    root = tmp_path_factory.mktemp("fuzz")
    # The hostile document too: markup in a source must come back as data, never break a response.
    with serve(root, paths=corpus(root / "docs"), rate_limit_ask="off", rate_limit_api="off",
               feedback_max_bytes=200_000) as (url, _):
        yield url


def _openapi() -> dict:
    """The document the server publishes at /openapi.json (it depends on the settings, not on the models:
    nothing is loaded to build it)."""
    from rag.config import Settings
    from rag.serve.app import create_app

    return create_app(Settings(auto_install=False), warm_up=False, chat_ui=False).openapi()


# Loaded when the module is collected: one test per operation and generation mode (valid and invalid requests);
# the requests go to the loopback server of `api_url`. (schemathesis is used as a library: its pytest plugin is
# off, see pyproject.toml.)
schema = schemathesis.openapi.from_dict(_openapi())
OPERATIONS = [result.ok() for result in schema.get_all_operations()]


@pytest.mark.parametrize("mode", list(GenerationMode), ids=lambda m: m.value)
@pytest.mark.parametrize("operation", OPERATIONS, ids=lambda op: op.label)
def test_no_server_error_and_no_traceback(operation, mode, api_url):
    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
    def check(case):
        response = case.call_and_validate(base_url=api_url, timeout=60,
                                          checks=[not_a_server_error, status_code_conformance,
                                                  content_type_conformance, response_schema_conformance])
        text = response.text
        assert "Traceback" not in text and 'File "' not in text, text[:500]
        if response.status_code >= 400:
            assert set(response.json()) == {"error"}, text[:500]  # every error is one sentence

    try:
        check()
    except Unsatisfiable:  # no parameter or body to get wrong (GET /healthz) or any string is valid ({name})
        if mode is not GenerationMode.NEGATIVE:
            raise
        pytest.skip(f"no invalid request exists for {operation.label}")
