"""Tiny random transformers models for tests (hidden size 32, 2 layers): outputs are gibberish, code paths real.

``build(kind, folder)`` writes a model folder that ``transformers.pipeline(task, model=folder)`` (or the runner's
own engines) loads; ``kind`` is one of ``KINDS``. Tokenizers are trained with ``tokenizers`` on a few sentences;
image processors and audio feature extractors are made from their classes, so nothing comes from the network
(no timm either: the detector is YOLOS, a plain ViT with detection tokens).
"""

from __future__ import annotations

from pathlib import Path

SENTENCES = [
    "My name is Sarah and I live in London.",
    "My name is Wolfgang and I live in Berlin.",
    "Paris is the capital of France.",
    "The quick brown fox jumps over the lazy dog.",
    "A man is eating food. Someone is having a meal.",
    "Where do I live? I like you. I love you.",
]

# kind -> (pipeline task, model class name, config kind)
KINDS: dict[str, tuple[str, str, str]] = {
    "text-generation": ("text-generation", "GPT2LMHeadModel", "gpt2"),
    "fill-mask": ("fill-mask", "BertForMaskedLM", "bert"),
    "text-classification": ("text-classification", "BertForSequenceClassification", "bert"),
    "token-classification": ("token-classification", "BertForTokenClassification", "bert"),
    "question-answering": ("question-answering", "BertForQuestionAnswering", "bert"),
    "feature-extraction": ("feature-extraction", "BertModel", "bert"),
    "zero-shot-classification": ("zero-shot-classification", "BertForSequenceClassification", "bert"),
    "text2text-generation": ("text2text-generation", "T5ForConditionalGeneration", "t5"),
    "image-classification": ("image-classification", "ViTForImageClassification", "vit"),
    "object-detection": ("object-detection", "YolosForObjectDetection", "yolos"),
    "automatic-speech-recognition": ("automatic-speech-recognition", "Wav2Vec2ForCTC", "wav2vec2"),
    "image-to-text": ("image-text-to-text", "GitForCausalLM", "git"),
}

IMAGE_LABELS = ["cat", "dog", "car"]  # image-classification and object-detection classes
CTC_CHARS = list("abcdefghijklmnopqrstuvwxyz'")


def _bert_tokenizer(folder: Path, mask: str = "[MASK]"):
    from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, processors, trainers
    from transformers import PreTrainedTokenizerFast

    tok = Tokenizer(models.WordPiece(unk_token="[UNK]"))
    tok.normalizer = normalizers.BertNormalizer(lowercase=True)
    tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    specials = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", mask]
    tok.train_from_iterator(SENTENCES, trainers.WordPieceTrainer(vocab_size=200, special_tokens=specials))
    cls, sep = tok.token_to_id("[CLS]"), tok.token_to_id("[SEP]")
    tok.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]", pair="[CLS] $A [SEP] $B:1 [SEP]:1", special_tokens=[("[CLS]", cls), ("[SEP]", sep)]
    )
    from tokenizers import decoders

    tok.decoder = decoders.WordPiece()
    fast = PreTrainedTokenizerFast(
        tokenizer_object=tok,
        unk_token="[UNK]",
        pad_token="[PAD]",
        cls_token="[CLS]",
        sep_token="[SEP]",
        mask_token=mask,
        model_max_length=64,
    )
    fast.save_pretrained(folder)
    return fast


def _gpt2_tokenizer(folder: Path):
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    tok.train_from_iterator(
        SENTENCES,
        trainers.BpeTrainer(
            vocab_size=300, special_tokens=["<|endoftext|>"], initial_alphabet=pre_tokenizers.ByteLevel.alphabet()
        ),
    )
    fast = PreTrainedTokenizerFast(
        tokenizer_object=tok,
        bos_token="<|endoftext|>",
        eos_token="<|endoftext|>",
        unk_token="<|endoftext|>",
        model_max_length=64,
    )
    fast.save_pretrained(folder)
    return fast


def _t5_tokenizer(folder: Path):
    """A SentencePiece-style tokenizer with T5's specials (pad 0, eos 1, unk 2) that appends ``</s>`` as T5's does.

    BPE rather than T5's Unigram: the Unigram trainer gives a different vocabulary on each run (so would the
    model's greedy answers), the BPE trainer the same one every time.
    """
    from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, processors, trainers
    from transformers import PreTrainedTokenizerFast

    tok = Tokenizer(models.BPE(unk_token="<unk>"))
    tok.normalizer = normalizers.NFKC()
    tok.pre_tokenizer = pre_tokenizers.Metaspace()
    tok.decoder = decoders.Metaspace()
    tok.train_from_iterator(
        SENTENCES + ["summarize: translate English to French: question:"],
        trainers.BpeTrainer(vocab_size=150, special_tokens=["<pad>", "</s>", "<unk>"]),
    )
    tok.post_processor = processors.TemplateProcessing(
        single="$A </s>", pair="$A </s> $B </s>", special_tokens=[("</s>", tok.token_to_id("</s>"))]
    )
    fast = PreTrainedTokenizerFast(
        tokenizer_object=tok, pad_token="<pad>", eos_token="</s>", unk_token="<unk>", model_max_length=64
    )
    fast.save_pretrained(folder)
    return fast


def _ctc_tokenizer(folder: Path):
    import json

    from transformers import Wav2Vec2CTCTokenizer

    vocab = {"<pad>": 0, "<unk>": 1, "|": 2, **{c: i + 3 for i, c in enumerate(CTC_CHARS)}}
    (folder / "vocab.json").write_text(json.dumps(vocab))
    tok = Wav2Vec2CTCTokenizer(
        str(folder / "vocab.json"),
        pad_token="<pad>",
        unk_token="<unk>",
        bos_token=None,
        eos_token=None,
        word_delimiter_token="|",
    )
    tok.save_pretrained(folder)
    return tok


def _labels(names: list[str]) -> dict[str, dict]:
    return {"id2label": dict(enumerate(names)), "label2id": {v: k for k, v in enumerate(names)}}


def _media_config(kind: str, family: str, folder: Path):
    """Config (and processor files written to ``folder``) for the image and audio kinds."""
    import transformers

    small = {"hidden_size": 32, "num_hidden_layers": 2, "num_attention_heads": 2, "intermediate_size": 37}
    if family == "vit":
        transformers.ViTImageProcessor(size={"height": 32, "width": 32}).save_pretrained(folder)
        return transformers.ViTConfig(image_size=32, patch_size=8, **small, **_labels(IMAGE_LABELS))
    if family == "yolos":
        transformers.YolosImageProcessor(size={"shortest_edge": 64, "longest_edge": 64}).save_pretrained(folder)
        return transformers.YolosConfig(
            image_size=[64, 64], patch_size=16, num_detection_tokens=4, **small, **_labels(IMAGE_LABELS)
        )
    if family == "wav2vec2":
        tok = _ctc_tokenizer(folder)
        transformers.Wav2Vec2FeatureExtractor(
            feature_size=1, sampling_rate=16000, padding_value=0.0, do_normalize=True, return_attention_mask=False
        ).save_pretrained(folder)
        return transformers.Wav2Vec2Config(
            vocab_size=len(tok),
            **small,
            conv_dim=(16, 16),
            conv_stride=(5, 4),
            conv_kernel=(10, 8),
            num_feat_extract_layers=2,
            num_conv_pos_embeddings=16,
            num_conv_pos_embedding_groups=2,
            pad_token_id=tok.pad_token_id,
            ctc_loss_reduction="mean",
        )
    if family == "git":
        tok = _bert_tokenizer(folder)
        image_processor = transformers.CLIPImageProcessor(
            size={"shortest_edge": 32}, crop_size={"height": 32, "width": 32}
        )
        transformers.GitProcessor(image_processor=image_processor, tokenizer=tok).save_pretrained(folder)
        vision = {
            "hidden_size": 32,
            "intermediate_size": 37,
            "num_hidden_layers": 2,
            "num_attention_heads": 2,
            "image_size": 32,
            "patch_size": 8,
        }
        return transformers.GitConfig(
            vision_config=vision,
            vocab_size=len(tok),
            **small,
            max_position_embeddings=64,
            pad_token_id=tok.pad_token_id,
            bos_token_id=tok.cls_token_id,
            eos_token_id=tok.sep_token_id,
        )
    raise KeyError(kind)


# a chat template as simple as can be: each message as <|role|>content, then <|assistant|> to answer
CHAT_TEMPLATE = ("{% for m in messages %}<|{{ m['role'] }}|>{{ m['content'] }}\n{% endfor %}"
                 "{% if add_generation_prompt %}<|assistant|>{% endif %}")


def build(kind: str, folder: str | Path, *, seed: int = 0, mask_token: str = "[MASK]", hidden: int = 32,
          layers: int = 2, labels: list[str] | None = None, chat_template: str | None = None) -> Path:
    """Write a tiny random model for ``kind`` into ``folder`` (created) and return the folder.

    ``mask_token`` is the BERT-family tokenizer's mask token (``"<mask>"`` makes a RoBERTa-style fill-mask model).
    ``hidden`` and ``layers`` size the BERT and GPT-2 families (hidden 512 with 4 layers is about 50 MB of weights:
    a model clearly bigger than the default); ``labels`` names a text classifier's classes; ``chat_template`` goes
    into a GPT-2 tokenizer's config (an instruct model's).
    """
    import torch
    import transformers

    _task, class_name, family = KINDS[kind]
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    torch.manual_seed(seed)
    if family == "gpt2":
        tok = _gpt2_tokenizer(folder)
        if chat_template:
            tok.chat_template = chat_template
            tok.save_pretrained(folder)
        config = transformers.GPT2Config(
            vocab_size=len(tok),
            n_positions=64,
            n_embd=hidden,
            n_layer=layers,
            n_head=2,
            bos_token_id=tok.bos_token_id,
            eos_token_id=tok.eos_token_id,
        )
    elif family == "t5":
        tok = _t5_tokenizer(folder)
        config = transformers.T5Config(
            vocab_size=len(tok),
            d_model=32,
            d_kv=16,
            d_ff=37,
            num_layers=2,
            num_decoder_layers=2,
            num_heads=2,
            pad_token_id=tok.pad_token_id,
            eos_token_id=tok.eos_token_id,
            decoder_start_token_id=tok.pad_token_id,
        )
    elif family == "bert":
        tok = _bert_tokenizer(folder, mask_token)
        extra = {}
        if kind == "token-classification":
            extra = _labels(["O", "B-PER", "I-PER", "B-LOC", "I-LOC"])
        elif kind == "zero-shot-classification":  # an NLI head: the pipeline looks for the "entailment" label
            extra = _labels(["contradiction", "neutral", "entailment"])
        elif kind == "text-classification":
            extra = _labels(labels or ["NEGATIVE", "POSITIVE"])
        config = transformers.BertConfig(
            vocab_size=len(tok),
            hidden_size=hidden,
            num_hidden_layers=layers,
            num_attention_heads=2,
            intermediate_size=37 if hidden == 32 else 4 * hidden,
            max_position_embeddings=64,
            pad_token_id=tok.pad_token_id,
            **extra,
        )
    else:
        config = _media_config(kind, family, folder)
    model = getattr(transformers, class_name)(config)
    if family == "yolos":
        # random heads score every class near 1/4, under the pipeline's 0.5 threshold: make the first class
        # ("cat") win clearly, so the detector reports boxes (their places still come from random weights)
        with torch.no_grad():
            model.class_labels_classifier.layers[-1].bias[0] = 8.0
    model.eval()
    model.save_pretrained(folder)
    return folder
