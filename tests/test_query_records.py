"""The search contract and the records: validation, plain-words descriptions, tolerance of missing fields."""

from datetime import date

import pytest

from lib.errors import InvalidQueryError
from lib.query import SearchQuery
from lib.records import ModelRecord, record_from_api


@pytest.mark.parametrize(
    ("kwargs", "says", "why"),
    [
        ({"kind": "papers"}, "Unknown kind 'papers'", "unknown kind"),
        ({"sort": "random"}, "cannot be sorted by 'random'", "unknown sort"),
        ({"kind": "spaces", "sort": "downloads"}, "spaces cannot be sorted by 'downloads'", "Spaces have no downloads"),
        ({"limit": 0}, "limit must be between 1 and 1000, not 0", "empty page"),
        ({"limit": 5000}, "limit must be between 1 and 1000, not 5000", "page too large"),
        ({"offset": -1}, "offset must be 0 or more, not -1", "negative offset"),
        ({"kind": "datasets", "library": "transformers"}, "Only models have a library", "only models have a library"),
        ({"kind": "spaces", "task": "text-generation"}, "Spaces have no task", "a Space's task is a tag"),
        ({"kind": "spaces", "gated": True}, "Spaces are never gated", "Spaces are never gated"),
        ({"kind": "spaces", "downloads_min": 1}, "Spaces have no download counts", "Spaces have no downloads"),
        ({"kind": "datasets", "sdk": "gradio"}, "Only Spaces have an SDK", "only Spaces have an SDK"),
        ({"kind": "datasets", "originals_only": True}, "applies to models only", "a models-only toggle"),
        ({"created_from": date(2024, 5, 1), "created_to": date(2024, 1, 1)},
         "The created range is empty: 2024-05-01 is after 2024-01-01", "empty date window"),
        ({"params_min": 10, "params_max": 1}, "The parameters range is empty: 10 is after 1", "empty parameter range"),
        ({"likes_min": -1}, "Likes min must be 0 or more, not -1", "negative count"),
    ],
)
def test_invalid_queries_fail_early_and_say_why(kwargs, says, why):
    with pytest.raises(InvalidQueryError) as info:
        SearchQuery(**kwargs)
    assert says in str(info.value), why


def test_describe_in_plain_words():
    q = SearchQuery(kind="models", text="bert", task="fill-mask", sort="downloads")
    assert q.describe(1204) == "1,204 models matching 'bert' where task = fill-mask, by downloads"
    assert SearchQuery(kind="datasets").describe(1) == "1 dataset, by trending"
    assert SearchQuery(kind="spaces", sort="created").describe(None) == "Spaces, by recently created"
    every = SearchQuery(kind="models", text="x", task="fill-mask", library="transformers", language="en",
                        license="mit", author="org", tags=("gguf",), gated=False, has_license=True,
                        originals_only=True, params_min=7_000_000_000, params_max=13_000_000_000, downloads_min=1000,
                        likes_max=50, created_from=date(2024, 1, 1), updated_to=date(2024, 6, 30), sort="likes")
    assert every.describe(3) == (
        "3 models matching 'x' where task = fill-mask and library = transformers and language = en and license = mit"
        " and author = org and has a license and originals only and not gated and parameters 7B–13B and"
        " downloads ≥ 1K and likes ≤ 50 and created since 2024-01-01 and updated until 2024-06-30 and tag = gguf,"
        " by likes")
    space = SearchQuery(kind="spaces", sdk="gradio", hardware="t4-small", limit=5)
    assert space.describe(2) == "2 Spaces where SDK = gradio and hardware = t4-small, by trending"
    used = SearchQuery(kind="spaces", stage="RUNTIME_ERROR", uses_model="openai/whisper-large-v3",
                       uses_dataset="mteb/results", sort="likes")  # fmt: skip
    assert used.describe(1) == ("1 Space where status = RUNTIME_ERROR and model used = openai/whisper-large-v3 and "
                                "dataset used = mteb/results, by likes")  # fmt: skip
    # as a page says it: a choice's value in the words of its chip (the CLI and URL keep the value itself)
    assert used.describe(1, words=True).startswith("1 Space where status = Runtime error and model used = openai/")
    assert q.describe(1204, words=True) == "1,204 models matching 'bert' where task = Fill mask, by downloads"
    from lib.ui.filters import applied

    assert applied("spaces", used) == [("stage", "status: Runtime error"),  # the chip says the stage in words
                                       ("uses_model", "model used: openai/whisper-large-v3"),
                                       ("uses_dataset", "dataset used: mteb/results")]  # fmt: skip


def test_list_item_with_almost_nothing():
    rec = record_from_api("models", {"_id": "x", "id": "gpt2"})
    assert isinstance(rec, ModelRecord)
    assert (rec.id, rec.downloads, rec.pipeline_tag, rec.params, rec.files) == ("gpt2", None, None, None, None)
    assert rec.namespace is None and rec.licenses == () and rec.base_models == ()


def test_model_fields_are_derived_from_tags_and_card():
    rec = record_from_api(
        "models",
        {
            "id": "org/m",
            "downloads": 5,
            "tags": ["transformers", "en", "fr", "license:mit", "license:apache-2.0", "dataset:squad",
                     "arxiv:1810.04805", "base_model:finetune:org/base", "base_model:org/base", "gpt"],
            "cardData": {"license": "mit", "language": ["en", "de"]},
            "safetensors": {"parameters": {"BF16": 10, "F32": 2}, "total": 12},
            "siblings": [{"rfilename": "README.md", "size": 10}, {"rfilename": "model.safetensors",
                         "size": 135, "lfs": {"size": 100, "sha256": "a" * 64, "pointerSize": 135}}],
            "createdAt": "2024-01-02T03:04:05.000Z",
        },
    )
    assert rec.licenses == ("mit", "apache-2.0")
    assert rec.languages == ("en", "fr", "de")  # "gpt" is not a language code
    assert rec.datasets == ("squad",) and rec.papers == ("1810.04805",)
    assert rec.base_models == (("org/base", "finetune"),)
    assert rec.params.total == 12 and rec.params.by_dtype == {"BF16": 10, "F32": 2}
    assert rec.total_file_size == 110  # LFS size, not the pointer's
    assert rec.has_card is True
    assert rec.created_at.year == 2024
    assert rec.web_url("http://127.0.0.1:5000/") == "http://127.0.0.1:5000/org/m"


def test_dataset_and_space_fields():
    ds = record_from_api("datasets", {"id": "o/d", "gated": "manual",
                                      "tags": ["task_categories:question-answering", "size_categories:1K<n<10K",
                                               "language:en", "license:cc-by-4.0"]})
    assert ds.is_gated and ds.task_categories == ("question-answering",)
    assert ds.size_categories == ("1K<n<10K",) and ds.languages == ("en",) and ds.licenses == ("cc-by-4.0",)
    assert ds.web_url() == "https://huggingface.co/datasets/o/d"
    sp = record_from_api("spaces", {"id": "o/s", "sdk": "gradio", "subdomain": "o-s",
                                    "runtime": {"stage": "SLEEPING", "hardware": {"current": None,
                                                                                  "requested": "cpu-basic"}},
                                    "models": ["o/m"]})
    assert (sp.sdk, sp.stage, sp.hardware, sp.models) == ("gradio", "SLEEPING", "cpu-basic", ("o/m",))
    assert sp.app_url == "https://o-s.hf.space" and sp.error_message is None
    # the Hub's message about a failed Space: its runtime's "errorMessage" (huggingface_hub keeps it in `raw`)
    failed = record_from_api("spaces", {"id": "o/f", "runtime": {"stage": "BUILD_ERROR", "errorMessage": " E: x\n"}})
    assert (failed.stage, failed.error_message) == ("BUILD_ERROR", "E: x")
    blank = record_from_api("spaces", {"id": "o/g", "runtime": {"stage": "RUNNING", "errorMessage": "  "}})
    assert blank.error_message is None
    assert not record_from_api("datasets", {"id": "o/e", "gated": False}).is_gated


def test_malformed_item_raises():
    with pytest.raises(KeyError):
        record_from_api("models", {"downloads": 3})


def test_usage_snippet_by_library():
    from lib.details import usage_snippet

    tf = record_from_api("models", {"id": "o/m", "library_name": "transformers", "pipeline_tag": "fill-mask"})
    assert usage_snippet(tf) == 'from transformers import pipeline\n\npipe = pipeline("fill-mask", model="o/m")\n'
    bare = record_from_api("models", {"id": "o/m", "library_name": "transformers",
                                      "transformersInfo": {"auto_model": "AutoModelForCausalLM"}})
    assert "AutoModelForCausalLM.from_pretrained(\"o/m\")" in usage_snippet(bare)
    st = record_from_api("models", {"id": "o/e", "library_name": "sentence-transformers"})
    assert 'SentenceTransformer("o/e")' in usage_snippet(st)
    assert usage_snippet(record_from_api("models", {"id": "o/g", "library_name": "gguf"})) is None


def test_results_frame_share_of_top_downloads():
    from lib.tables import results_frame

    recs = [record_from_api("models", {"id": f"o/{i}", "downloads": d}) for i, d in enumerate([200, 50, None])]
    frame = results_frame(recs, "https://huggingface.co")
    assert list(frame["share"]) == [1.0, 0.25, 0.0]
    assert list(frame["params"]) == ["–", "–", "–"]


def test_visible_columns_pick_one_date_and_missing_text_shows_a_dash():
    from lib.tables import results_frame, visible_columns

    recs = [record_from_api("models", {"id": "o/a", "createdAt": "2024-01-01T00:00:00.000Z"})]
    frame = results_frame(recs, "https://huggingface.co")
    assert frame["task"].tolist() == ["–"] and frame["library"].tolist() == ["–"]
    assert "created" in visible_columns("models", "downloads", frame)  # no update dates at all
    assert "updated" not in visible_columns("models", "downloads", frame)
    dated = record_from_api("models", {"id": "o/b", "lastModified": "2024-02-01T00:00:00.000Z"})
    frame = results_frame([dated], "https://huggingface.co")
    assert visible_columns("models", "downloads", frame)[-1] == "updated"
    assert visible_columns("models", "created", frame)[-1] == "created"


def test_the_task_column_is_as_wide_as_its_longest_task_unless_the_names_need_the_room() -> None:
    from lib.tables import name_and_task_widths

    short_ids, long_task = ["gpt2", "org/bert-base"], ["fill-mask", "automatic-speech-recognition"]
    name, task = name_and_task_widths(short_ids, long_task, others=300)
    assert task == int(28 * 7.5) + 24  # the whole task fits
    assert name == 180  # the names' least
    # ids that need all the room the other columns leave: the task column gives way, down to its least
    long_ids = ["an-organisation/" + "x" * 40]
    name, task = name_and_task_widths(long_ids, long_task, others=300)
    assert task == 135 and name == 820 - 300 - 135
    # in between: the names keep what they need and the task column takes the rest
    mid_ids = ["org/" + "y" * 36]  # 40 characters: 324 px
    name, task = name_and_task_widths(mid_ids, long_task, others=300)
    assert name == 324 and task == 820 - 300 - 324
    assert name_and_task_widths(short_ids, [], others=300)[1] == 135  # no tasks on the page
