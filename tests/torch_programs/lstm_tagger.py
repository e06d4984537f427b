"""An LSTM part-of-speech tagger, in the style of the PyTorch tutorial "Sequence Models and LSTM Networks".

Embedding -> LSTM -> Linear to tag space, F.log_softmax(dim=1), nn.NLLLoss, SGD; one sentence per step.
Written for PyTorch; the tests run it unchanged but for the import lines.
"""
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim

TRAINING_DATA = [
    ("The dog ate the apple".split(), ["DET", "NN", "V", "DET", "NN"]),
    ("Everybody read that book".split(), ["NN", "V", "DET", "NN"]),
    ("The cat read the book".split(), ["DET", "NN", "V", "DET", "NN"]),
    ("Everybody ate that apple".split(), ["NN", "V", "DET", "NN"]),
]
TAG_TO_IX = {"DET": 0, "NN": 1, "V": 2}


class LSTMTagger(nn.Module):
    def __init__(self, embedding_dim, hidden_dim, vocab_size, tagset_size):
        super().__init__()
        self.hidden_dim = hidden_dim
        self.word_embeddings = nn.Embedding(vocab_size, embedding_dim)
        self.lstm = nn.LSTM(embedding_dim, hidden_dim)
        self.hidden2tag = nn.Linear(hidden_dim, tagset_size)

    def forward(self, sentence):
        embeds = self.word_embeddings(sentence)
        lstm_out, _ = self.lstm(embeds.view(len(sentence), 1, -1))
        tag_space = self.hidden2tag(lstm_out.view(len(sentence), -1))
        return F.log_softmax(tag_space, dim=1)


def word_index():
    word_to_ix = {}
    for sent, _ in TRAINING_DATA:
        for word in sent:
            if word not in word_to_ix:
                word_to_ix[word] = len(word_to_ix)
    return word_to_ix


def prepare_sequence(seq, to_ix):
    return torch.tensor([to_ix[w] for w in seq], dtype=torch.long)


def build():
    return LSTMTagger(6, 6, len(word_index()), len(TAG_TO_IX))


def train(model, epochs=30):
    word_to_ix = word_index()
    loss_function = nn.NLLLoss()
    optimizer = optim.SGD(model.parameters(), lr=0.1)
    losses = []
    for _ in range(epochs):
        for sentence, tags in TRAINING_DATA:
            model.zero_grad()
            sentence_in = prepare_sequence(sentence, word_to_ix)
            targets = prepare_sequence(tags, TAG_TO_IX)
            tag_scores = model(sentence_in)
            loss = loss_function(tag_scores, targets)
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
    with torch.no_grad():
        scores = model(prepare_sequence(TRAINING_DATA[0][0], word_to_ix))
        predicted = scores.argmax(dim=1).tolist()
    return losses, predicted
