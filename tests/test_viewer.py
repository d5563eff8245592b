"""The dataset viewer client against the fake viewer (`tests/fakehub/viewer.py`), its error seam, and the
`datasets` streaming fallback against the fake Hub.

Expected values come from the fixture files (`tests/fixtures/viewer/`), never from the fake server's code.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx2
import pytest

from lib import datasets_preview, errors
from lib.errors import PreviewUnavailableError, ViewerDisabledError
from lib.hub import viewer as viewer_mod
from lib.hub.viewer import (
    Feature,
    SplitRef,
    ViewerClient,
    describe_type,
)
from lib.settings import DEFAULT_VIEWER_ENDPOINT, load_settings
from lib.translate import viewer_error
from tests.fakehub import NO_ACCESS_TOKEN, VALID_TOKEN, FakeHub
from tests.fakehub.viewer import (
    DISABLED_VIEWER_DATASET,
    LOCAL_REPOS,
    STREAMING_ONLY_DATASET,
    add_viewer_repos,
    viewer_fixture,
)

ROOT = Path(__file__).resolve().parent.parent
GLUE, FINEWEB, GATED = "nyu-mll/glue", "HuggingFaceFW/fineweb", "lmsys/lmsys-chat-1m"


def fixture(dataset: str) -> dict[str, Any]:
    data = viewer_fixture(dataset)
    assert data is not None, f"no viewer fixture for {dataset}"
    return data


def jsonl(split: str) -> list[dict[str, Any]]:
    path = LOCAL_REPOS[STREAMING_ONLY_DATASET] / "data" / f"{split}.jsonl"
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.fixture
def vhub(hub: FakeHub, monkeypatch: pytest.MonkeyPatch) -> FakeHub:
    """The session's fake Hub with the viewer fixtures' repos, and the viewer endpoint pointing at it."""
    add_viewer_repos(hub)
    monkeypatch.setenv("HUB_EXPLORER_VIEWER_ENDPOINT", hub.url + "/viewer/")
    monkeypatch.delenv("HF_TOKEN", raising=False)
    return hub


@pytest.fixture
def client(vhub: FakeHub) -> ViewerClient:
    return ViewerClient(load_settings())


def viewer_requests(hub: FakeHub, dataset: str) -> list[Any]:
    return [r for r in hub.requests if r.path.startswith("/viewer/") and dataset in r.params("dataset")]


# --- settings --------------------------------------------------------------------------------------------------


def test_viewer_endpoint_setting_defaults_to_datasets_server_and_reads_the_env(monkeypatch):
    monkeypatch.delenv("HUB_EXPLORER_VIEWER_ENDPOINT", raising=False)
    assert load_settings().viewer_endpoint == DEFAULT_VIEWER_ENDPOINT == "https://datasets-server.huggingface.co"
    monkeypatch.setenv("HUB_EXPLORER_VIEWER_ENDPOINT", "http://127.0.0.1:9/viewer/")
    assert load_settings().viewer_endpoint == "http://127.0.0.1:9/viewer"  # trailing slash dropped


# --- records from the fake viewer ------------------------------------------------------------------------------


def test_overview_lists_configs_splits_and_row_counts(client, vhub):
    expected = fixture(GLUE)
    overview = client.overview(GLUE)
    assert overview.has_rows and not overview.disabled and overview.note is None
    assert overview.splits.splits == tuple(SplitRef(s["config"], s["split"]) for s in expected["splits"]["splits"])
    assert overview.splits.configs == ("cola", "sst2")
    assert overview.splits.splits_of("cola") == ("train", "validation", "test")
    assert overview.size is not None and overview.size.num_rows == expected["size"]["size"]["dataset"]["num_rows"]
    for split in expected["size"]["size"]["splits"]:
        assert overview.size.split(split["config"], split["split"]).num_rows == split["num_rows"]
    assert overview.size.num_bytes_memory == expected["size"]["size"]["dataset"]["num_bytes_memory"]


def test_first_rows_have_typed_features_and_the_rows(client):
    expected = fixture(GLUE)["first-rows"]["cola/train"]
    rows = client.first_rows(GLUE, "cola", "train")
    assert (rows.dataset, rows.config, rows.split, rows.source) == (GLUE, "cola", "train", "viewer")
    assert rows.columns == ("sentence", "label", "idx")
    assert [f.label for f in rows.features] == ["string", "ClassLabel (2 names)", "int32"]
    assert rows.features[1].class_names == ("unacceptable", "acceptable")
    assert [r.row for r in rows.rows] == [r["row"] for r in expected["rows"]]
    assert [r.idx for r in rows.rows] == list(range(len(expected["rows"])))


def test_info_gives_the_config_features(client):
    expected = fixture(GLUE)["info"]["sst2"]["dataset_info"]
    info = client.info(GLUE, "sst2")
    assert [(f.name, f.type) for f in info.features] == list(expected["features"].items())


def test_statistics_cover_numbers_labels_and_text(client):
    expected = fixture(FINEWEB)["statistics"]["CC-MAIN-2024-10/train"]
    stats = client.statistics(FINEWEB, "CC-MAIN-2024-10", "train")
    assert stats.partial is True and stats.num_examples == expected["num_examples"]
    by_name = {c.name: c for c in stats.columns}
    assert {c.type for c in stats.columns} >= {"int", "float", "string_label", "string_text"}
    score = by_name["language_score"]
    raw = next(c for c in expected["statistics"] if c["column_name"] == "language_score")["column_statistics"]
    assert score.histogram is not None and list(score.histogram.hist) == raw["histogram"]["hist"]
    assert len(score.histogram.bin_edges) == len(score.histogram.hist) + 1
    assert (score.min, score.max, score.nan_count) == (raw["min"], raw["max"], 0)
    dump = by_name["dump"]
    assert dump.frequencies == {"CC-MAIN-2024-10": expected["num_examples"]} and dump.histogram is None
    assert by_name["text"].frequencies is None and by_name["text"].histogram is not None


def test_class_label_statistics_count_rows_without_label(client):
    expected = fixture(GLUE)["statistics"]["cola/test"]["statistics"]
    label = next(c for c in client.statistics(GLUE, "cola", "test").columns if c.name == "label")
    raw = next(c for c in expected if c["column_name"] == "label")["column_statistics"]
    assert label.type == "class_label" and label.frequencies == {}
    assert label.no_label_count == raw["no_label_count"] > 0


# --- errors ------------------------------------------------------------------------------------------------------


def test_a_disabled_viewer_is_an_answer_for_the_overview_and_an_error_for_rows(client):
    overview = client.overview(DISABLED_VIEWER_DATASET)
    assert overview.disabled and not overview.has_rows
    assert overview.note is not None and "viewer: false" in overview.note
    with pytest.raises(ViewerDisabledError) as info:
        client.first_rows(DISABLED_VIEWER_DATASET, "default", "train")
    assert isinstance(info.value, errors.NotFoundError)  # pages catch HubExplorerError only


def test_nothing_from_the_viewer_is_an_answer_with_a_note(client):
    overview = client.overview(STREAMING_ONLY_DATASET)
    assert not overview.has_rows and not overview.disabled
    assert overview.note and STREAMING_ONLY_DATASET in overview.note
    with pytest.raises(errors.NotFoundError, match="has nothing"):
        client.first_rows(STREAMING_ONLY_DATASET, "default", "train")


@pytest.mark.parametrize(
    ("token", "said", "advised"),
    [
        # anonymous: 401 ExternalUnauthenticatedError; the hint says which setting gives access
        (None, "without a token", "Set `HF_TOKEN`"),
        # a token without access: 404 ExternalAuthenticatedError; another token would not help, accepting would
        (NO_ACCESS_TOKEN, "refused the token", "accept its conditions"),
    ],
)
def test_gated_dataset_without_access_is_an_access_error_that_never_shows_the_token(vhub, monkeypatch, token, said,
                                                                                     advised):
    if token:
        monkeypatch.setenv("HF_TOKEN", token)
    with pytest.raises(errors.AccessError) as info:
        ViewerClient(load_settings()).overview(GATED)
    assert said in str(info.value) and GATED in str(info.value)
    assert advised in info.value.hint
    if token:
        assert token not in str(info.value) and token not in info.value.hint


def test_the_token_goes_as_bearer_and_opens_a_gated_dataset(vhub, monkeypatch):
    monkeypatch.setenv("HF_TOKEN", VALID_TOKEN)
    vhub.clear_requests()
    overview = ViewerClient(load_settings()).overview(GATED)
    assert overview.splits.splits == (SplitRef("default", "train"),)
    sent = viewer_requests(vhub, GATED)
    assert sent and all(r.token == VALID_TOKEN for r in sent)
    assert all(VALID_TOKEN not in f"{r.path}?{r.query}" for r in sent)  # never in a URL


def test_missing_split_is_not_found(client):
    with pytest.raises(errors.NotFoundError, match="has nothing for split 'nope'"):
        client.first_rows(GLUE, "cola", "nope")


@pytest.mark.parametrize(
    ("fault", "expected"),
    [
        ({"status": 500}, errors.HubUnavailableError),  # the viewer's "not ready yet" is a 500 too
        ({"status": 429, "retry_after": 7}, errors.RateLimitedError),
        ({"malformed": True}, errors.MalformedAnswerError),
        ({"disconnect": True}, errors.HubUnreachableError),
    ],
)
def test_viewer_failures_become_app_errors_at_once(client, vhub, fault, expected):
    vhub.add_fault("/viewer/first-rows", **fault)
    with pytest.raises(expected) as info:
        client.first_rows(GLUE, "cola", "train")
    assert "viewer" in str(info.value)
    if expected is errors.RateLimitedError:
        assert info.value.retry_after == 7


def test_an_unreachable_viewer_names_its_setting():
    client = ViewerClient(replace(load_settings(), viewer_endpoint="http://127.0.0.1:9"))
    with pytest.raises(errors.HubUnreachableError) as info:
        client.is_valid(GLUE)
    assert "HUB_EXPLORER_VIEWER_ENDPOINT" in info.value.hint and info.value.retryable


def _response(status: int, code: str | None = None, body: Any = None) -> httpx2.Response:
    headers = {"X-Error-Code": code} if code else {}
    return httpx2.Response(status, headers=headers, json=body if body is not None else {"error": "x"},
                           request=httpx2.Request("GET", "http://viewer.test/first-rows"))


@pytest.mark.parametrize(
    ("status", "code", "expected", "words", "why"),
    [
        (501, "NotSupportedDisabledViewerError", ViewerDisabledError, "disabled for dataset 'org/x'",
         "the card sets viewer: false"),
        (501, "NotSupportedDisabledRepositoryError", PreviewUnavailableError, "does not support dataset 'org/x'",
         "other NotSupported* answers"),
        (401, "ExternalUnauthenticatedError", errors.AccessError, "cannot show dataset 'org/x' without a token",
         "gated or private, no token"),
        (404, "ExternalAuthenticatedError", errors.AccessError, "refused the token for dataset 'org/x'",
         "a token without access gets a 404"),
        (404, "ResponseNotFound", errors.NotFoundError, "has nothing for dataset 'org/x'", "not processed"),
        (422, "MissingRequiredParameter", errors.InvalidQueryError, "rejected the request for dataset 'org/x'",
         "a parameter is missing"),
        (429, None, errors.ViewerRateLimitedError, "The dataset viewer's rate limit was reached",
         "rate limit (when the transport let it through)"),
        (501, "UnexpectedApiError", errors.ViewerUnavailableError, "answered HTTP 501 for dataset 'org/x'",
         "a server error the transport let through"),
    ],
)
def test_viewer_error_table(status, code, expected, words, why):
    err = viewer_error(_response(status, code), "dataset 'org/x'")
    assert type(err) is expected, why
    assert words in str(err), why


def test_viewer_error_text_is_short_and_never_a_traceback():
    body = {"error": "boom " * 200, "cause_traceback": ["Traceback (most recent call last):", "..."]}
    err = viewer_error(_response(501, "NotSupportedPrivateRepositoryError", body), "dataset 'org/x'")
    assert len(str(err)) < 400 and "Traceback" not in str(err)


@pytest.mark.parametrize(
    ("type_", "label"),
    [
        ({"dtype": "string", "_type": "Value"}, "string"),
        ({"names": ["a", "b", "c"], "_type": "ClassLabel"}, "ClassLabel (3 names)"),
        ({"sampling_rate": 16000, "_type": "Audio"}, "Audio (16 kHz)"),
        ({"_type": "Image"}, "Image"),
        ({"feature": {"dtype": "int32", "_type": "Value"}, "_type": "List"}, "List[int32]"),
        ({"feature": {"dtype": "float32", "_type": "Value"}, "length": 3, "_type": "Sequence"}, "List[float32, 3]"),
        ([{"dtype": "string", "_type": "Value"}], "List[string]"),  # the legacy list form
        ({"text": {"dtype": "string", "_type": "Value"}, "start": {"dtype": "int32", "_type": "Value"}},
         "struct{text: string, start: int32}"),
        ({"shape": [2, 3], "dtype": "float32", "_type": "Array2D"}, "Array2D(2, 3) float32"),
    ],
)
def test_describe_type(type_, label):
    assert describe_type(type_) == label


def test_media_features_are_recognised():
    assert Feature("img", {"_type": "Image"}).media == "Image"
    assert Feature("txt", {"dtype": "string", "_type": "Value"}).media is None


# --- the streaming fallback --------------------------------------------------------------------------------------


def test_fallback_streams_the_real_rows_through_the_fake_hub(client, vhub):
    vhub.clear_requests()
    rows = datasets_preview.first_rows(client, STREAMING_ONLY_DATASET, "default", "train")
    assert rows.source == "datasets" and rows.note and "has nothing" in rows.note
    assert [r.row for r in rows.rows] == jsonl("train")
    assert {f.name: f.label for f in rows.features} == {
        "text": "string", "label": "string", "score": "float64", "tags": "List[string]",
    }
    paths = [r.path for r in vhub.requests]
    assert any(p.startswith(f"/datasets/{STREAMING_ONLY_DATASET}/resolve/") and p.endswith("/data/train.jsonl")
               for p in paths), paths
    assert datasets_preview.stream_splits(client.settings, STREAMING_ONLY_DATASET) == (
        SplitRef("default", "train"), SplitRef("default", "test"))


def test_datasets_is_configured_once_never_patched_per_call(vhub):
    """`datasets` reads HF_ENDPOINT at its import, as the settings do: a preview changes none of its globals."""
    datasets = datasets_preview.import_datasets()
    config = datasets.config
    before = {name: getattr(config, name) for name in ("HF_ENDPOINT", "HUB_DATASETS_URL", "USE_PARQUET_EXPORT",
                                                       "STREAMING_READ_MAX_RETRIES")}
    assert before["HF_ENDPOINT"].rstrip("/") == load_settings().endpoint == vhub.url
    assert before["USE_PARQUET_EXPORT"] is False and before["STREAMING_READ_MAX_RETRIES"] == 1
    vhub.clear_requests()
    rows = datasets_preview.stream_first_rows(load_settings(), STREAMING_ONLY_DATASET, "default", "test", n=1)
    assert [r.row for r in rows.rows] == jsonl("test")[:1]
    assert any(r.path.endswith("/data/test.jsonl") for r in vhub.requests)
    assert {name: getattr(config, name) for name in before} == before


@pytest.mark.parametrize(
    ("dataset", "config", "split", "expected"),
    [
        ("facebook/flores", "default", "train", PreviewUnavailableError),  # a loading script
        (GATED, "default", "train", errors.GatedRepoError),  # no token
        (STREAMING_ONLY_DATASET, "default", "nope", errors.NotFoundError),  # no such split
    ],
)
def test_fallback_failures_are_app_errors(vhub, dataset, config, split, expected):
    with pytest.raises(expected):
        datasets_preview.stream_first_rows(load_settings(), dataset, config, split)


def test_when_streaming_fails_too_its_error_is_raised_with_the_viewers_reason(client, vhub):
    vhub.add_fault("/viewer/first-rows", status=500)
    with pytest.raises(PreviewUnavailableError) as info:  # a loading script: nothing to stream
        datasets_preview.first_rows(client, "facebook/flores", "default", "train")
    assert "loading script" in str(info.value)
    assert any("dataset viewer" in note for note in info.value.__notes__)


def test_no_fallback_when_the_owner_disabled_the_viewer(client, vhub):
    vhub.clear_requests()
    with pytest.raises(ViewerDisabledError):
        datasets_preview.first_rows(client, DISABLED_VIEWER_DATASET, "default", "train")
    assert not [r for r in vhub.requests if "/resolve/" in r.path]


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (b"\x00\x01", "<2 bytes>"),
        ({"bytes": b"abc", "path": "cat.jpg"}, "cat.jpg · 3 bytes"),  # an undecoded image
        ({"a": [1, {"bytes": None, "path": "x.wav"}]}, {"a": [1, "x.wav"]}),
        (None, None),
    ],
)
def test_plain_cell(value, shown):
    assert datasets_preview.plain_cell(value) == shown


def test_no_page_file_shadows_an_installed_library():
    """Streamlit puts a page's folder first on sys.path when the page runs alone (as AppTest does): a page file named
    like a library (`datasets.py`) would be imported instead of it."""
    import importlib.util

    for page in (ROOT / "pages").glob("*.py"):
        assert importlib.util.find_spec(page.stem) is None, f"pages/{page.name} shadows the {page.stem!r} module"


def test_statistics_keep_datetime_columns_and_columns_of_unknown_shape():
    edges = [f"2013-05-{d:02d} 04:54:11" for d in range(18, 29)]
    answer = {"num_examples": 466, "partial": False, "statistics": [
        {"column_name": "date", "column_type": "datetime", "column_statistics": {
            "nan_count": 0, "nan_proportion": 0.0, "min": edges[0], "max": edges[-1], "mean": "2013-05-22 10:01:02",
            "median": "2013-05-21 12:00:00", "std": "3 days, 4:57:32.811460",
            "histogram": {"hist": [318, 22, 15, 14, 16, 15, 11, 13, 25, 17], "bin_edges": edges}}},
        {"column_name": "odd", "column_type": "int", "column_statistics": {
            "nan_count": 0, "histogram": {"hist": [1, 2], "bin_edges": [0, 1]}}},  # one edge short
    ]}
    date, odd = viewer_mod.parse_statistics(answer).columns
    assert date.histogram is not None and not date.histogram.numeric and date.min == edges[0]
    assert (odd.name, odd.type, odd.histogram, odd.nan_count) == ("odd", "int", None, None)
