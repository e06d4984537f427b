"""A hand-written multi-layer Elman RNN classifier, trained with Adam and nn.CrossEntropyLoss.

Written for PyTorch; the tests run it unchanged but for the import lines.
The data: sequences of noisy sine waves of three frequencies; the label is the frequency.
"""
import numpy as np
import torch
import torch.nn as nn
import torch.optim as optim


class HandRNN(nn.Module):
    def __init__(self, input_size, hidden_size, num_layers, num_classes):
        super().__init__()
        self.hidden_size = hidden_size
        self.w_ih = nn.ParameterList()
        self.w_hh = nn.ParameterList()
        self.b = nn.ParameterList()
        for layer in range(num_layers):
            n_in = input_size if layer == 0 else hidden_size
            self.w_ih.append(nn.Parameter(torch.randn(hidden_size, n_in) * 0.3))
            self.w_hh.append(nn.Parameter(torch.randn(hidden_size, hidden_size) * 0.3))
            self.b.append(nn.Parameter(torch.zeros(hidden_size)))
        self.head = nn.Linear(hidden_size, num_classes)

    def forward(self, x):  # x: (seq, batch, input)
        seq_len, batch = x.size(0), x.size(1)
        for w_ih, w_hh, b in zip(self.w_ih, self.w_hh, self.b):
            h = torch.zeros(batch, self.hidden_size)
            states = []
            for t in range(seq_len):
                h = torch.tanh(torch.matmul(x[t], w_ih.t()) + torch.matmul(h, w_hh.t()) + b)
                states.append(h)
            x = torch.stack(states, dim=0)
        h = x.permute(0, 2, 1).contiguous().mean(dim=0)  # (hidden, batch): the mean state over time
        return self.head(h.t())


def make_data(n, seq_len, rng):
    labels = rng.integers(0, 3, size=n)
    t = np.arange(seq_len)[:, None]
    phase = rng.uniform(0, 2 * np.pi, size=n)
    waves = np.sin((labels + 1) * 0.3 * t + phase) + 0.1 * rng.standard_normal((seq_len, n))
    return torch.tensor(waves[:, :, None], dtype=torch.float32), torch.tensor(labels, dtype=torch.long)


def build():
    return HandRNN(1, 16, 2, 3)


def train(model, steps=30):
    rng = np.random.default_rng(0)
    criterion = nn.CrossEntropyLoss()
    optimizer = optim.Adam(model.parameters(), lr=0.01)
    losses = []
    for _ in range(steps):
        x, y = make_data(32, 12, rng)
        optimizer.zero_grad()
        loss = criterion(model(x), y)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses
