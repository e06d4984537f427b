PYTHON ?= python

.PHONY: install test lint bench copy-task examples docs-figures gpu-check

install:
	$(PYTHON) -m pip install -e '.[dev]'

# Both cores: two pytest-xdist workers (JOBS=0: one process).  loadgroup keeps each Markdown file's code blocks
# together in one worker, in order (conftest.py).
JOBS ?= 2

test:
	$(PYTHON) -m pytest -q -n $(JOBS) --dist loadgroup

lint:
	$(PYTHON) -m ruff check tinygrad_rnn tests examples benchmarks
	lint-imports

bench:
	$(PYTHON) benchmarks/bench_ops.py
	$(PYTHON) benchmarks/bench_rnn.py
	$(PYTHON) benchmarks/bench_lstm_parts.py
	$(PYTHON) benchmarks/bench_memory.py
	$(PYTHON) benchmarks/bench_copy_task.py

copy-task:
	$(PYTHON) examples/train_copy_task.py

examples:
	$(PYTHON) examples/vanishing_gradients.py --plot gradient_flow.png
	$(PYTHON) examples/classify_sequences.py
	$(PYTHON) examples/char_rnn.py

docs-figures:
	$(PYTHON) examples/vanishing_gradients.py --plot docs/gradient_flow.png
	$(PYTHON) examples/plot_copy_task_models.py --out docs/copy_task_models.png

gpu-check:
	bash benchmarks/gpu_check.sh
