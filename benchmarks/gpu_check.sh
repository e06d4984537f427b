#!/usr/bin/env bash
# GPU check: run on any machine with an NVIDIA GPU, from the repository root (or `make gpu-check`).
#
#   1. installs CuPy (the `[cuda]` extra) unless it already imports;  CUPY=<pip spec> picks another,
#      e.g. CUPY='cupy-cuda12x==13.0.*' to check the oldest CuPy the library supports;
#   2. runs the whole test suite with the GPU tests on real CuPy (TINYGRAD_RNN_TEST_DEVICE=cuda: the
#      `gpu` fixture uses CuPy instead of the strict stand-in, and the `device` fixture adds "cuda");
#   3. times RNN/LSTM/GRU training steps against torch's cuDNN layers when torch sees a GPU;
#   4. prints one summary.  Exit status: 0 only if CuPy imported, saw a GPU, and every test passed.
#
# Logs go to $GPU_CHECK_OUT (default: gpu_check_out/).  GPU_CHECK_NO_INSTALL=1: never pip install.
set -uo pipefail
PYTHON=${PYTHON:-python}
OUT=${GPU_CHECK_OUT:-gpu_check_out}
mkdir -p "$OUT"
say() { printf '%s\n' "$*" >> "$OUT/summary.txt"; printf 'gpu-check: %s\n' "$*" | head -1 >&2; }
finish() { echo "===== gpu-check summary ====="; cat "$OUT/summary.txt"; exit "$1"; }
: > "$OUT/summary.txt"

gpu=$(nvidia-smi --query-gpu=name,driver_version --format=csv,noheader 2>/dev/null | head -1)
say "gpu-check $(date -u +%FT%TZ): ${gpu:-no nvidia-smi (no NVIDIA driver?)}"

if [ -n "${GPU_CHECK_NO_INSTALL:-}" ]; then
  :
elif [ -n "${CUPY:-}" ]; then
  $PYTHON -m pip install -q "$CUPY" >"$OUT/install.log" 2>&1 || say "install of $CUPY FAILED (see $OUT/install.log)"
elif ! $PYTHON -c "import cupy" 2>/dev/null; then
  $PYTHON -m pip install -q -e '.[cuda]' >"$OUT/install.log" 2>&1 || say "install of .[cuda] FAILED (see $OUT/install.log)"
fi
cupy_line=$($PYTHON - <<'EOF' 2>&1
import cupy
n = cupy.cuda.runtime.getDeviceCount()
if n == 0:
    raise SystemExit("CuPy sees no GPU")
print(f"CuPy {cupy.__version__}, CUDA runtime {cupy.cuda.runtime.runtimeGetVersion()}, {n} GPU(s)")
EOF
)
status=$?
say "cupy: $(printf '%s\n' "$cupy_line" | tail -1)"
if [ $status -ne 0 ]; then
  say "RESULT: FAILED (CuPy does not import or sees no GPU)"
  finish 1
fi

TINYGRAD_RNN_TEST_DEVICE=cuda $PYTHON -m pytest -q -p no:cacheprovider tests >"$OUT/tests.log" 2>&1
tests_status=$?
say "tests (GPU tests on real CuPy): $(tail -1 "$OUT/tests.log")"
grep -E '^(FAILED|ERROR)' "$OUT/tests.log" | head -20 >> "$OUT/summary.txt"

if $PYTHON -c "import torch, sys; sys.exit(0 if torch.cuda.is_available() else 1)" 2>/dev/null; then
  if $PYTHON benchmarks/bench_rnn.py --device cuda --no-unrolled --samples 15 >"$OUT/bench_rnn.txt" 2>&1; then
    say "bench_rnn (ms per training step, ours vs torch cuDNN):"
    sed 's/^/  /' "$OUT/bench_rnn.txt" >> "$OUT/summary.txt"
  else
    say "bench_rnn FAILED (see $OUT/bench_rnn.txt)"
  fi
else
  say "bench_rnn: skipped, torch with CUDA is not installed (pip install torch with a CUDA build)"
fi

if [ $tests_status -eq 0 ]; then say "RESULT: OK"; else say "RESULT: FAILED (tests, see $OUT/tests.log)"; fi
finish $tests_status
