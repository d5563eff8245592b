"""What a detail view shows, computed without Streamlit (`lib.details`), and the detail view's URL parameters
(`lib.detail_url`). Expected values are written out by hand from the records' API fields."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from lib import detail_url
from lib.details import key_figures, tag_groups
from lib.records import ParamCounts, record_from_api

NOW = datetime(2026, 1, 15, tzinfo=UTC)


# --- key figures ---------------------------------------------------------------------------------------------------


def test_key_figures_of_each_kind():
    model = record_from_api("models", {"id": "o/m", "downloads": 1_234_567, "likes": 89,
                                       "createdAt": "2024-03-05T10:00:00.000Z",
                                       "lastModified": "2026-01-12T00:00:00.000Z"})
    assert key_figures(model, ParamCounts({"BF16": 7_000_000_000}, 7_241_732_096), now=NOW) == [
        ("Downloads (30 d)", "1.23M"), ("Likes", "89"), ("Parameters", "7.24B"), ("Created", "2024-03-05"),
        ("Updated", "3 days ago"),
    ]
    # unknown parameters and dates are dashes, not errors
    assert key_figures(model.__class__(id="o/x"), None, now=NOW) == [
        ("Downloads (30 d)", "–"), ("Likes", "–"), ("Parameters", "–"), ("Created", "–"), ("Updated", "–"),
    ]
    dataset = record_from_api("datasets", {"id": "o/d", "downloads": 950, "likes": 1500})
    assert [label for label, _ in key_figures(dataset, now=NOW)] == ["Downloads (30 d)", "Likes", "Created",
                                                                      "Updated"]
    assert key_figures(dataset, now=NOW)[:2] == [("Downloads (30 d)", "950"), ("Likes", "1.5K")]
    space = record_from_api("spaces", {"id": "o/s", "likes": 3})
    # Spaces have no download counts and no parameters
    assert [label for label, _ in key_figures(space, now=NOW)] == ["Likes", "Created", "Updated"]


# --- tag groups ----------------------------------------------------------------------------------------------------


def test_model_tags_are_grouped_and_the_rest_is_other():
    model = record_from_api("models", {
        "id": "o/m", "pipeline_tag": "fill-mask", "library_name": "transformers",
        "tags": ["transformers", "fill-mask", "en", "fr", "license:mit", "dataset:o/wiki", "arxiv:1810.04805",
                 "base_model:o/base", "region:us", "bert", "safetensors"],
    })
    assert tag_groups(model) == {
        "task": ("fill-mask",),
        "library": ("transformers",),
        "licenses": ("mit",),
        "languages": ("en", "fr"),
        "datasets": ("o/wiki",),
        "papers": ("arXiv:1810.04805",),
        "other": ("bert", "safetensors"),  # prefixed tags, the task, the library and languages are claimed
    }


def test_dataset_tags_group_task_categories_and_size_first():
    dataset = record_from_api("datasets", {
        "id": "o/d",
        "tags": ["task_categories:text-classification", "task_categories:translation", "size_categories:1K<n<10K",
                 "language:en", "license:cc-by-4.0", "croissant"],
    })
    groups = tag_groups(dataset)
    assert list(groups) == ["tasks", "size", "licenses", "languages", "other"]
    assert groups["tasks"] == ("text-classification", "translation") and groups["size"] == ("1K<n<10K",)
    assert groups["other"] == ("croissant",)


def test_empty_groups_are_left_out():
    assert tag_groups(record_from_api("spaces", {"id": "o/s"})) == {}


# --- URL parameters ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "choices", "value", "noted", "why"),
    [
        ("files", ["card", "files"], "files", None, "a choice"),
        (None, ["card", "files"], None, None, "no parameter: the default, silently"),
        ("Files", ["card", "files"], None, "Ignored tab='Files': it is not one of card, files.",
         "names are case-sensitive"),
        ("", ["card", "files"], None, "Ignored tab='': it is not one of card, files.", "empty"),
        ("x" * 100, ["card"], None, f"Ignored tab='{'x' * 59}…': it is not one of card.", "long values are cut"),
        ("z", [f"c{i}" for i in range(10)], None,
         "Ignored tab='z': it is not one of c0, c1, c2, c3, c4, c5, c6, c7 (and 2 more).", "long lists are cut"),
        ("a", [], None, "Ignored tab='a': there is nothing to choose here.", "no choices at all"),
        ("**bold** <b>x</b>", ["card"], None, "Ignored tab='**bold** <b>x</b>': it is not one of card.",
         "notes quote the value as plain text (the page escapes it)"),
    ],
)
def test_choose(raw, choices, value, noted, why):
    assert detail_url.choose("tab", raw, choices) == (value, noted), why


def test_defaults_stay_out_of_the_url_and_params_split_by_owner():
    assert detail_url.url_value("card", "card") is None and detail_url.url_value("files", "card") == "files"
    params = {"q": "bert", "repo": "o/m", "tab": "files", "config": "sst2", "split": "test", "page": "2"}
    assert detail_url.browse_params(params) == {"q": "bert", "repo": "o/m", "page": "2"}
    assert detail_url.detail_params(params) == {"tab": "files", "config": "sst2", "split": "test"}
    assert set(detail_url.DETAIL_PARAMS) == {"tab", "config", "split"}


def test_every_space_stage_reads_as_words() -> None:
    """Each stage huggingface_hub knows (and SLEEPING, which the Hub sends too) has a badge and words a person
    reads ("Runtime error", not "runtime_error" or "The Space is runtime error"); a stage nobody knows yet is
    made into words from its name."""
    from huggingface_hub import SpaceStage

    from lib.details import SPACE_STAGES, space_stage

    for stage in [*(s.value for s in SpaceStage), "SLEEPING"]:
        color, icon, words, meaning = space_stage(stage)
        assert stage in SPACE_STAGES, stage
        assert words[0].isupper() and "_" not in words and words != stage, (stage, words)
        assert color in {"green", "orange", "gray", "red"} and icon.startswith(":material/"), stage
        assert meaning is None or meaning.startswith(words), (stage, meaning)  # "Sleeping: opening the app..."
        assert ("ERROR" in stage or stage == "NO_APP_FILE") == (color == "red"), stage
    assert space_stage("RUNNING")[3] is None  # nothing to say about a running app
    assert space_stage("RUNTIME_ERROR")[2] == "Runtime error"
    assert space_stage("SOME_NEW_STAGE")[2:] == ("Some new stage", None)
    assert space_stage(None)[2] == "Unknown stage"
