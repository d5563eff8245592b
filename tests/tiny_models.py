"""Tiny random transformers models for tests (hidden size 32, 2 layers): outputs are gibberish, code paths real.

``build(kind, folder)`` writes a model folder that ``transformers.pipeline(task, model=folder)`` loads;
``kind`` is one of ``KINDS``. Tokenizers are trained with ``tokenizers`` on a few sentences.
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
}


def _bert_tokenizer(folder: Path):
    from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, processors, trainers
    from transformers import PreTrainedTokenizerFast

    tok = Tokenizer(models.WordPiece(unk_token="[UNK]"))
    tok.normalizer = normalizers.BertNormalizer(lowercase=True)
    tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    specials = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    tok.train_from_iterator(SENTENCES, trainers.WordPieceTrainer(vocab_size=200, special_tokens=specials))
    cls, sep = tok.token_to_id("[CLS]"), tok.token_to_id("[SEP]")
    tok.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]", pair="[CLS] $A [SEP] $B:1 [SEP]:1", special_tokens=[("[CLS]", cls), ("[SEP]", sep)]
    )
    from tokenizers import decoders

    tok.decoder = decoders.WordPiece()
    fast = PreTrainedTokenizerFast(tokenizer_object=tok, unk_token="[UNK]", pad_token="[PAD]", cls_token="[CLS]",
                                   sep_token="[SEP]", mask_token="[MASK]", model_max_length=64)
    fast.save_pretrained(folder)
    return fast


def _gpt2_tokenizer(folder: Path):
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    tok.train_from_iterator(SENTENCES, trainers.BpeTrainer(vocab_size=300, special_tokens=["<|endoftext|>"],
                                                           initial_alphabet=pre_tokenizers.ByteLevel.alphabet()))
    fast = PreTrainedTokenizerFast(tokenizer_object=tok, bos_token="<|endoftext|>", eos_token="<|endoftext|>",
                                   unk_token="<|endoftext|>", model_max_length=64)
    fast.save_pretrained(folder)
    return fast


def build(kind: str, folder: str | Path, *, seed: int = 0) -> Path:
    """Write a tiny random model for ``kind`` into ``folder`` (created) and return the folder."""
    import torch
    import transformers

    _task, class_name, family = KINDS[kind]
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    torch.manual_seed(seed)
    if family == "gpt2":
        tok = _gpt2_tokenizer(folder)
        config = transformers.GPT2Config(vocab_size=len(tok), n_positions=64, n_embd=32, n_layer=2, n_head=2,
                                         bos_token_id=tok.bos_token_id, eos_token_id=tok.eos_token_id)
    else:
        tok = _bert_tokenizer(folder)
        extra = {}
        if kind == "token-classification":
            labels = ["O", "B-PER", "I-PER", "B-LOC", "I-LOC"]
            extra = {"id2label": dict(enumerate(labels)), "label2id": {v: k for k, v in enumerate(labels)}}
        elif kind == "text-classification":
            extra = {"id2label": {0: "NEGATIVE", 1: "POSITIVE"}, "label2id": {"NEGATIVE": 0, "POSITIVE": 1}}
        config = transformers.BertConfig(vocab_size=len(tok), hidden_size=32, num_hidden_layers=2,
                                         num_attention_heads=2, intermediate_size=37, max_position_embeddings=64,
                                         pad_token_id=tok.pad_token_id, **extra)
    model = getattr(transformers, class_name)(config)
    model.eval()
    model.save_pretrained(folder)
    return folder
