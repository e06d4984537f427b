PYTHON ?= python

.PHONY: install test lint bench copy-task

install:
	$(PYTHON) -m pip install -e '.[dev]'

test:
	$(PYTHON) -m pytest -q

lint:
	$(PYTHON) -m ruff check tinygrad_rnn tests examples benchmarks

bench:
	$(PYTHON) benchmarks/bench_ops.py
	$(PYTHON) benchmarks/bench_rnn.py
	$(PYTHON) benchmarks/bench_copy_task.py

copy-task:
	$(PYTHON) examples/train_copy_task.py
