"""A word-level language model in the style of pytorch/examples word_language_model.

Embedding -> LSTM or GRU -> Linear decoder; F.log_softmax over the vocabulary and nn.NLLLoss;
batchify with narrow/view/t().contiguous(); the hidden state repackaged with detach();
clip_grad_norm_ and the manual update p.data.add_(p.grad, alpha=-lr).
Written for PyTorch; the tests run it unchanged but for the import lines.
"""
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


class RNNModel(nn.Module):
    def __init__(self, rnn_type, ntoken, ninp, nhid, nlayers, dropout=0.0):
        super().__init__()
        self.ntoken = ntoken
        self.drop = nn.Dropout(dropout)
        self.encoder = nn.Embedding(ntoken, ninp)
        self.rnn = getattr(nn, rnn_type)(ninp, nhid, nlayers, dropout=dropout)
        self.decoder = nn.Linear(nhid, ntoken)
        self.rnn_type, self.nhid, self.nlayers = rnn_type, nhid, nlayers

    def forward(self, input, hidden):
        emb = self.drop(self.encoder(input))
        output, hidden = self.rnn(emb, hidden)
        output = self.drop(output)
        decoded = self.decoder(output)
        decoded = decoded.view(-1, self.ntoken)
        return F.log_softmax(decoded, dim=1), hidden

    def init_hidden(self, bsz):
        weight = next(self.parameters())
        if self.rnn_type == "LSTM":
            return (weight.new_zeros(self.nlayers, bsz, self.nhid), weight.new_zeros(self.nlayers, bsz, self.nhid))
        return weight.new_zeros(self.nlayers, bsz, self.nhid)


def batchify(data, bsz):
    nbatch = data.size(0) // bsz
    data = data.narrow(0, 0, nbatch * bsz)
    return data.view(bsz, -1).t().contiguous()


def repackage_hidden(h):
    if isinstance(h, torch.Tensor):
        return h.detach()
    return tuple(repackage_hidden(v) for v in h)


def get_batch(source, i, bptt):
    seq_len = min(bptt, len(source) - 1 - i)
    return source[i:i + seq_len], source[i + 1:i + 1 + seq_len].view(-1)


def corpus(n_tokens=1200, ntoken=20, seed=0):
    """A toy corpus with structure to learn: each token mostly follows from the previous one."""
    rng = np.random.default_rng(seed)
    ids = [0]
    for _ in range(n_tokens - 1):
        ids.append((ids[-1] * 3 + 1) % ntoken if rng.random() < 0.8 else int(rng.integers(ntoken)))
    return torch.tensor(ids, dtype=torch.long)


def build(rnn_type="LSTM"):
    return RNNModel(rnn_type, 20, 16, 24, 2)


def train(model, epochs=2, lr=5.0, bptt=10, clip=0.25):
    criterion = nn.NLLLoss()
    train_data = batchify(corpus(), 8)
    losses = []
    model.train()
    for _ in range(epochs):
        hidden = model.init_hidden(8)
        for i in range(0, train_data.size(0) - 1, bptt):
            data, targets = get_batch(train_data, i, bptt)
            model.zero_grad()
            hidden = repackage_hidden(hidden)
            output, hidden = model(data, hidden)
            loss = criterion(output, targets)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), clip)
            for p in model.parameters():
                p.data.add_(p.grad, alpha=-lr)
            losses.append(loss.item())
    return losses
