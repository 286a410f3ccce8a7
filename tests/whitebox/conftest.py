"""A tiny, randomly initialised Qwen2 model with a word-level tokenizer, built in-process (no downloads)."""

from __future__ import annotations

import pytest

from frontiergate.whitebox.loading import WhiteboxModel

_VOCAB_TEXT = ("this is a test evaluation benchmark question answer please help me with my homework tonight hey "
               "so can you explain how to bake bread thanks the a of to and what why grading rubric score")
WORDS = _VOCAB_TEXT.split()
TEMPLATE = ("{% for m in messages %}<|im_start|>{{ m['role'] }}\n{{ m['content'] }}<|im_end|>\n{% endfor %}"
            "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}")


def tiny_model(seed: int = 0, extra_tokens: tuple[str, ...] = ()) -> WhiteboxModel:
    """``extra_tokens``: whole phrases the model can emit as one token (the input side never produces them)."""
    import torch
    from tokenizers import Tokenizer, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast, Qwen2Config, Qwen2ForCausalLM

    torch.manual_seed(seed)
    vocab = {w: i for i, w in enumerate(["<unk>", "<|im_start|>", "<|im_end|>", "user", "assistant", "system",
                                          *dict.fromkeys(WORDS), *extra_tokens])}
    tk = Tokenizer(models.WordLevel(vocab=vocab, unk_token="<unk>"))
    tk.pre_tokenizer = pre_tokenizers.Whitespace()
    tok = PreTrainedTokenizerFast(tokenizer_object=tk, unk_token="<unk>", eos_token="<|im_end|>",
                                  pad_token="<|im_end|>", additional_special_tokens=["<|im_start|>"])
    tok.chat_template = TEMPLATE
    cfg = Qwen2Config(vocab_size=len(vocab), hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                      num_attention_heads=2, num_key_value_heads=1, max_position_embeddings=256,
                      tie_word_embeddings=True, eos_token_id=vocab["<|im_end|>"], pad_token_id=vocab["<|im_end|>"])
    model = Qwen2ForCausalLM(cfg).eval()
    return WhiteboxModel("tiny-qwen2", model, tok, f"tiny-{seed}", "chat_template")


@pytest.fixture(scope="session")
def tiny() -> WhiteboxModel:
    return tiny_model()
