"""Integer addition as strings, for an encoder-decoder: "535+61" -> "596" (Zaremba & Sutskever 2014).

Each operand has 1 to ``digits`` digits (the count uniform, then the number
uniform among those with that many digits), so the questions differ in length:
the point of packing.  Tokens:

    0 PAD   1 GO (starts decoding)   2 EOS (ends an answer)   3..12 the digits 0..9   13 '+'

A fixed set of held-out problems is drawn first; the training stream never
yields one of them (they are filtered out), so exact match on them measures
generalisation, not memory.
"""
from __future__ import annotations

import numpy as np

PAD, GO, EOS, DIGIT0, PLUS = 0, 1, 2, 3, 13
VOCAB = 14
CHARS = {PAD: "", GO: "", EOS: "", PLUS: "+", **{DIGIT0 + d: str(d) for d in range(10)}}


def operands(n: int, digits: int, rng: np.random.Generator) -> np.ndarray:
    """(n, 2) int64 operands, each with a uniform number of digits in 1..digits."""
    count = rng.integers(1, digits + 1, size=(n, 2))
    low = np.where(count == 1, 0, 10 ** (count - 1))
    return rng.integers(low, 10 ** count)


def encode(text: list[str], reverse: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Strings -> (tokens (T, B) right-padded with PAD, lengths (B,)); ``reverse`` reverses each string."""
    lengths = np.array([len(s) for s in text], dtype=np.int64)
    tokens = np.full((lengths.max(), len(text)), PAD, dtype=np.int64)
    for b, s in enumerate(text):
        chars = s[::-1] if reverse else s
        tokens[: len(s), b] = [PLUS if c == "+" else DIGIT0 + int(c) for c in chars]
    return tokens, lengths


def decode(tokens) -> str:
    """One answer's token ids -> its string, up to the first EOS."""
    out = []
    for t in tokens:
        if t == EOS:
            break
        out.append(CHARS.get(int(t), "?"))
    return "".join(out)


def batch(pairs: np.ndarray, reverse: bool, reverse_answer: bool = False) -> dict:
    """Everything a step needs for problems ``pairs`` (B, 2); ``reverse_answer``: last digit first.

    src (T, B) and src_lengths: the questions; dec_in (S, B): GO then the answer
    (teacher forcing); dec_out (S, B): the answer then EOS, PAD after (ignored by the loss).
    """
    src, src_lengths = encode([f"{a}+{b}" for a, b in pairs], reverse)
    answers = [str(a + b)[::-1] if reverse_answer else str(a + b) for a, b in pairs]
    answer, _ = encode(answers)
    steps, size = answer.shape[0] + 1, len(answers)
    dec_out = np.full((steps, size), PAD, dtype=np.int64)
    dec_out[:-1] = answer
    dec_out[[len(s) for s in answers], np.arange(size)] = EOS
    dec_in = np.concatenate([np.full((1, size), GO, dtype=np.int64), np.where(dec_out[:-1] == EOS, PAD,
                                                                              dec_out[:-1])])
    return {"src": src, "src_lengths": src_lengths, "dec_in": dec_in, "dec_out": dec_out, "pairs": pairs}


class AdditionTask:
    """An endless stream of training batches that never contains a held-out problem; saveable."""

    def __init__(self, digits: int, batch: int, held_out: int = 1000, seed: int = 0, reverse: bool = True,
                 reverse_answer: bool = True):
        self.digits, self.batch, self.reverse, self.reverse_answer = digits, batch, reverse, reverse_answer
        test_rng = np.random.default_rng([seed, 1])  # held-out problems: their own stream, fixed by the seed
        if held_out > (10 ** digits) ** 2 // 4:
            raise ValueError(f"AdditionTask: {held_out} held-out problems is too many for {digits}-digit sums")
        codes: list = []
        while len(codes) < held_out:
            codes = list(dict.fromkeys(codes + list(self._code(operands(held_out, digits, test_rng)))))
        self.held_out_codes = np.array(codes[:held_out])
        self.held_out = np.stack(np.divmod(self.held_out_codes, 10 ** digits), axis=1)
        self.rng = np.random.default_rng([seed, 2])

    def _code(self, pairs: np.ndarray) -> np.ndarray:
        return pairs[:, 0] * 10 ** self.digits + pairs[:, 1]

    def __iter__(self):
        return self

    def __next__(self) -> tuple[dict, dict]:
        """(inputs, targets) as the training loop takes them: the same batch dict twice."""
        pairs = np.zeros((0, 2), dtype=np.int64)
        while len(pairs) < self.batch:
            fresh = operands(self.batch, self.digits, self.rng)
            pairs = np.concatenate([pairs, fresh[~np.isin(self._code(fresh), self.held_out_codes)]])
        data = batch(pairs[: self.batch], self.reverse, self.reverse_answer)
        return data, data

    def state_dict(self) -> dict:
        return {"digits": self.digits, "batch": self.batch, "rng": self.rng.bit_generator.state}

    def load_state_dict(self, state: dict) -> None:
        if state["digits"] != self.digits:
            raise ValueError(f"AdditionTask: checkpoint is for {state['digits']}-digit sums, not {self.digits}")
        self.batch = state["batch"]
        self.rng.bit_generator.state = state["rng"]
