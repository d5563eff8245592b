"""Will it run here? Pure checks on records built the way the app builds them (record_from_api)."""

from __future__ import annotations

import pytest

from lib.errors import GatedRepoError
from lib.records import FileEntry, ParamCounts, record_from_api
from lib.tryit import fit

GB = 10**9


def _record(**item):
    base = {"id": "org/model", "tags": ["license:apache-2.0"],
            "safetensors": {"parameters": {"BF16": 7 * GB}, "total": 7 * GB},
            "siblings": [
                {"rfilename": "model-00001-of-00002.safetensors", "size": 10 * GB,
                 "lfs": {"size": 10 * GB, "sha256": "a" * 64, "pointerSize": 130}},
                {"rfilename": "model-00002-of-00002.safetensors", "size": 4 * GB,
                 "lfs": {"size": 4 * GB, "sha256": "b" * 64, "pointerSize": 130}},
                {"rfilename": "model.safetensors.index.json", "size": 1000},
                {"rfilename": "config.json", "size": 600},
                {"rfilename": "tokenizer.json", "size": 2000},
                {"rfilename": "pytorch_model.bin", "size": 28 * GB},   # not fetched: safetensors preferred
                {"rfilename": "onnx/model.onnx", "size": 28 * GB},     # not fetched: other format, subfolder
                {"rfilename": "README.md", "size": 100},
            ]}
    base.update(item)
    return record_from_api("models", base)


@pytest.mark.parametrize("dtype,expected", [(None, 14 * GB), ("float32", 28 * GB), ("bfloat16", 14 * GB),
                                            ("torch.float16", 14 * GB), ("int8", 7 * GB)])
def test_weights_bytes(dtype, expected):
    assert fit.weights_bytes(ParamCounts.from_mapping({"BF16": 7 * GB}), dtype) == expected


def test_mixed_stored_dtypes():
    assert fit.weights_bytes(ParamCounts.from_mapping({"F32": 10, "I8": 10})) == 50


def test_unknown_dtype_is_rejected():
    with pytest.raises(ValueError, match="float128"):
        fit.bytes_per_param("float128")


def test_pipeline_files_prefer_safetensors_in_the_root():
    names = [f.path for f in fit.pipeline_files(_record().files)]
    assert "pytorch_model.bin" not in names and "onnx/model.onnx" not in names and "README.md" not in names
    assert {"model-00001-of-00002.safetensors", "model.safetensors.index.json", "config.json"} <= set(names)
    only_bin = [FileEntry("pytorch_model.bin", 5), FileEntry("config.json", 1)]
    assert [f.path for f in fit.pipeline_files(only_bin)] == ["pytorch_model.bin", "config.json"]


def test_fits_with_enough_memory():
    rep = fit.check(_record(), ram_free=64 * GB, cached=False)
    assert rep.ok and rep.fits is True and fit.refusal(rep) is None
    assert rep.params == 7 * GB and rep.weights_bytes == 14 * GB
    assert rep.needed_bytes == int(14 * GB * fit.OVERHEAD)
    assert rep.download_bytes == 14 * GB + 1000 + 600 + 2000
    assert rep.download_files == 5
    assert rep.license == "apache-2.0" and not rep.remote_code and not rep.gated


def test_too_big_is_refused_with_the_figures():
    rep = fit.check(_record(), ram_free=8 * GB)
    assert rep.fits is False and not rep.ok
    err = fit.refusal(rep)
    assert isinstance(err, fit.TooBigError) and isinstance(err, MemoryError)
    assert "16.80 GB" in str(err) and "8.00 GB" in str(err)
    # a smaller dtype makes it fit
    assert fit.check(_record(), dtype="int8", ram_free=9 * GB).ok


def test_cuda_uses_vram():
    rep = fit.check(_record(), device="cuda", ram_free=500 * GB, vram_free=10 * GB)
    assert rep.free_bytes == 10 * GB and rep.fits is False


def test_unknown_parameters_do_not_refuse_but_say_so():
    rep = fit.check(_record(safetensors=None), ram_free=1)
    assert rep.fits is None and rep.ok and "parameter count unknown" in rep.notes[0]


def test_gated_needs_a_token():
    rep = fit.check(_record(gated="manual"), ram_free=64 * GB)
    assert isinstance(fit.refusal(rep), GatedRepoError)
    assert fit.refusal(fit.check(_record(gated="manual"), ram_free=64 * GB, token="hf_x")) is None
    assert fit.check(_record(gated=False), ram_free=64 * GB).ok


@pytest.mark.parametrize("item,remote", [
    ({"tags": ["custom_code"]}, True),
    ({"config": {"auto_map": {"AutoModel": "modeling_x.XModel"}}}, True),
    ({"config": {"model_type": "bert"}}, False),
])
def test_remote_code_needs_consent(item, remote):
    rec = _record(**item)
    assert fit.needs_remote_code(rec) is remote
    rep = fit.check(rec, ram_free=64 * GB)
    assert isinstance(fit.refusal(rep), fit.RemoteCodeRefusedError) is remote
    assert fit.refusal(fit.check(rec, ram_free=64 * GB, consent_remote_code=True)) is None


def test_free_vram_does_not_import_torch():
    import sys

    if "torch" not in sys.modules:
        assert fit.free_vram() is None
        assert "torch" not in sys.modules
    assert fit.free_ram() > 0


def test_cached_files_reads_an_empty_cache_as_nothing_cached(tmp_path):
    files = fit.pipeline_files(_record().files)
    assert fit.cached_files("org/model", files, cache_dir=str(tmp_path)) == (0, len(files))
