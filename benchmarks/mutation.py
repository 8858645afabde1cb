"""Mutation testing of the core modules: does the fast lane fail when a line that matters is wrong?

    python benchmarks/mutation.py [--all] [--only NAME ...] [--timeout 1200]

Each entry of :data:`MUTATIONS` is one named one-line change to a file of ``fastw2v/`` (the exact
original text, its replacement, and why the line matters). For each, the repository is copied to a
temporary directory, the change is applied there, and ``python -m pytest -x -q -m "not slow"
-p no:cacheprovider`` runs on the test files listed with it (``--all``: the whole fast lane). A
failing run kills the mutant; a passing one means it survived: a test is missing, or the mutant is
equivalent (its ``survives`` says which). The repository itself is never modified. Writes
``benchmarks/results/mutation.md``.

First the unmutated copy runs every listed test file once: the baseline must pass, and it fills
Numba's on-disk cache in that copy, which every mutant's copy starts from, so only a mutated kernel
module compiles again (Numba's cache is keyed on a hash of the source file's contents, not its path).

Why a hand-listed runner and not mutmut or cosmic-ray: mutmut (3.x) rewrites each function of a
module into copies (the original and one per mutant) behind a trampoline that reads
``MUTANT_UNDER_TEST`` from ``os.environ`` and forwards ``*args, **kwargs`` to one of them, so that
one import serves every mutant. Numba's nopython mode compiles none of that, and mutmut skips every
decorated function: every ``@njit`` kernel of ``fastw2v/kernels`` (the window, subsampling,
in-epoch learning rate, update and anchoring) would get no mutant at all. Generating mutants by
operator at every site, as both tools do, also yields thousands of mutants, most in messages and
validation, each needing the test files and, for a kernel module, a cold compile of tens of
seconds on two cores; the list below names the lines whose failure would silently train or read
the wrong thing, kernels included (each applied to the file, so Numba compiles the mutant).
"""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "benchmarks" / "results"
# Not copied into a mutant's directory: version control, environments, caches of other tools.
SKIPPED = shutil.ignore_patterns(".git", ".venv", ".hypothesis", ".pytest_cache", ".cache", "*.egg-info")


@dataclass(frozen=True)
class Mutation:
    """A one-line change to ``file``: ``original`` (occurring exactly once) becomes ``replacement``."""

    name: str
    file: str
    original: str
    replacement: str
    why: str
    tests: tuple[str, ...]
    survives: str = ""  # why no fast test can fail (an equivalent mutant), or which change is to kill it


MUTATIONS = [
    Mutation("huffman-reversed-counts", "fastw2v/vocabulary.py",
             'order = np.argsort(counts, kind="stable")  # ascending',
             'order = np.argsort(-counts, kind="stable")  # ascending',
             "the Huffman tree merges the most frequent words first: frequent words get the longest codes, "
             "hierarchical softmax still trains but slower and worse",
             ("tests/test_vocabulary.py", "tests/test_kernels.py", "tests/test_training.py")),
    Mutation("aligned-share-flipped", "fastw2v/finetune/combine.py",
             "rho[shared] = preserve_rates(plan, rows[shared]) if shares is None else shares[rows[shared]]",
             "rho[shared] = 1 - preserve_rates(plan, rows[shared]) if shares is None else shares[rows[shared]]",
             "method='aligned' gives each shared word the base's share instead of the domain's: words the "
             "domain knows best keep the base vector",
             ("tests/test_finetune.py", "tests/test_alignment.py", "tests/test_recipes.py")),
    Mutation("phrase-threshold-inclusive", "fastw2v/phrases/counting.py",
             "chosen = score > threshold",
             "chosen = score >= threshold",
             "gensim's Phrases keeps a bigram only when its score is strictly above the threshold",
             ("tests/test_phrases.py",)),
    Mutation("cbow-runs-skipgram", "fastw2v/training.py",
             "architecture = kernels.SkipGram() if config.sg else kernels.Cbow(config.cbow_mean)",
             "architecture = kernels.SkipGram()",
             "sg=False trains skip-gram: a CBOW model that is silently another model",
             ("tests/test_wiring.py", "tests/test_training.py")),
    Mutation("noise-exponent-ignored", "fastw2v/vocabulary.py",
             "weights = np.asarray(counts, dtype=np.float64) ** exponent",
             "weights = np.asarray(counts, dtype=np.float64) ** 1.0",
             "negatives drawn by raw frequency instead of count**ns_exponent (0.75): rare words are never "
             "negatives",
             ("tests/test_vocabulary.py", "tests/test_training.py")),
    Mutation("subsampling-paper-formula", "fastw2v/vocabulary.py",
             "p = (np.sqrt(counts / threshold) + 1.0) * threshold / counts",
             "p = np.sqrt(threshold / counts)",
             "the paper's keep probability sqrt(t/f) instead of word2vec.c's (sqrt(f/t)+1)*t/f: gensim "
             "and word2vec.c drop fewer frequent words",
             ("tests/test_vocabulary.py", "tests/test_training.py")),
    Mutation("learning-rate-constant", "fastw2v/state.py",
             "return self.alpha - (self.alpha - self.min_alpha) * min(progress / self.total_epochs, 1.0)",
             "return self.alpha",
             "the rate never decays from alpha to min_alpha over the run",
             ("tests/test_state.py", "tests/test_training.py", "tests/test_kernels.py")),
    Mutation("in-epoch-rate-constant", "fastw2v/kernels/architectures.py",
             "return lr_start + (lr_end - lr_start) * (done / total)",
             "return lr_start",
             "within an epoch every sentence trains at the epoch's first rate (a kernel)",
             ("tests/test_kernels.py", "tests/test_training.py")),
    Mutation("window-never-shrinks", "fastw2v/kernels/architectures.py",
             "return state, window - np.int64(bits % np.uint64(window))",
             "return state, np.int64(window)",
             "word2vec's random window shrink is off: distant context weighs as much as near (a kernel)",
             ("tests/test_kernels.py", "tests/test_training.py")),
    Mutation("subsample-keeps-the-dropped", "fastw2v/kernels/architectures.py",
             "if uniform(bits) >= p:",
             "if uniform(bits) < p:",
             "subsampling drops the occurrences it should keep (a kernel)",
             ("tests/test_kernels.py", "tests/test_training.py")),
    Mutation("anchor-pulls-away", "fastw2v/kernels/anchor.py",
             "w_in[word, c] = anchor[a, c] + (w_in[word, c] - anchor[a, c]) * shrink",
             "w_in[word, c] = anchor[a, c] - (w_in[word, c] - anchor[a, c]) * shrink",
             "the L2 anchor reflects a row through its pre-trained vector instead of pulling it back (a kernel)",
             ("tests/test_recipes.py", "tests/test_kernels.py", "tests/test_finetune.py")),
    Mutation("anchor-weights-flipped", "fastw2v/base_counts.py",
             "return strength * (1.0 - r)",
             "return strength * r",
             "anchoring holds hardest the words the domain knows best",
             ("tests/test_base_counts.py", "tests/test_finetune.py")),
    Mutation("evidence-rates-swapped", "fastw2v/base_counts.py",
             "return np.where(n_d > 0, n_d / np.where(total > 0, total, 1.0), 1.0)",
             "return np.where(n_d > 0, n_b / np.where(total > 0, total, 1.0), 1.0)",
             "preserve='high' gives each word the base's share of the evidence instead of the domain's",
             ("tests/test_base_counts.py", "tests/test_finetune.py")),
    Mutation("freeze-new-ignored", "fastw2v/finetune/shares.py",
             'w.in_lr[n_pre:] = 0.0 if s.freeze == "new" else 1.0',
             "w.in_lr[n_pre:] = 1.0",
             "freeze='new' still trains the corpus's new words",
             ("tests/test_finetune.py",)),
    Mutation("mix-shares-swapped", "fastw2v/alignment.py",
             "mixed = _unit(_unit(base) * (1.0 - r) + _unit(other) * r)",
             "mixed = _unit(_unit(base) * r + _unit(other) * (1.0 - r))",
             "the aligned and blend mixes weigh the base by the domain's share",
             ("tests/test_alignment.py", "tests/test_finetune.py")),
    Mutation("procrustes-transposed", "fastw2v/alignment.py",
             "return u @ vt",
             "return (u @ vt).T",
             "the inverse rotation: the domain model lands away from the base space",
             ("tests/test_alignment.py", "tests/test_finetune.py")),
    Mutation("min-count-exclusive", "fastw2v/vocabulary.py",
             "kept = [(w, c) for w, c in items if c >= min_count]",
             "kept = [(w, c) for w, c in items if c > min_count]",
             "gensim keeps words seen exactly min_count times",
             ("tests/test_vocabulary.py", "tests/test_training.py")),
    Mutation("writer-row-count", "fastw2v/vector_blocks.py",
             'fout.write(f"{n} {dim}\\n".encode())',
             'fout.write(f"{n - 1} {dim}\\n".encode())',
             "the header promises one vector fewer than written: readers drop the last word",
             ("tests/test_vectors_io.py",)),
    Mutation("glove-last-row-dropped", "fastw2v/vector_blocks.py",
             'lines += last != b"\\n"',
             "lines += False",
             "a GloVe file without a final newline loses its last vector (rows are counted first)",
             ("tests/test_vectors_io.py",)),
    Mutation("text-last-row-dropped", "fastw2v/vector_blocks.py",
             'lines, carry = [chunk], b""',
             'lines, carry = [], b""',
             "a text vector file without a final newline loses its last row",
             ("tests/test_vectors_io.py",)),
    Mutation("npmi-sign", "fastw2v/phrases/counting.py",
             "score = np.log(p_ab / (p_a * p_b)) / -np.log(p_ab)",
             "score = np.log(p_ab / (p_a * p_b)) / np.log(p_ab)",
             "npmi scores change sign: the phrases kept are the anti-correlated pairs",
             ("tests/test_phrases.py",)),
]


def copy_repo(dest: Path) -> None:
    """The repository's files in ``dest``, with their ``__pycache__`` (Numba's cache)."""
    shutil.copytree(REPO, dest, symlinks=True, ignore=SKIPPED)


def apply(root: Path, m: Mutation) -> None:
    path = root / m.file
    text = path.read_text(encoding="utf-8")
    if text.count(m.original) != 1:
        raise SystemExit(f"{m.name}: {m.file} holds {text.count(m.original)} copies of {m.original!r}, not 1")
    path.write_text(text.replace(m.original, m.replacement), encoding="utf-8")


def run_tests(root: Path, tests: list[str], timeout: float) -> tuple[str, float, str]:
    """Run the fast lane's ``tests`` in ``root``: (outcome, seconds, last output line)."""
    env = dict(os.environ, PYTHONPATH=str(root))
    cmd = [sys.executable, "-m", "pytest", "-x", "-q", "-m", "not slow", "-p", "no:cacheprovider", *tests]
    started = time.perf_counter()
    try:
        done = subprocess.run(cmd, cwd=root, env=env, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return "timeout", time.perf_counter() - started, f"no result within {timeout:.0f} s"
    seconds = time.perf_counter() - started
    lines = [line for line in done.stdout.splitlines() if line.strip()]
    failed = next((line for line in lines if line.startswith(("FAILED", "ERROR"))), None)
    last = failed or (lines[-1] if lines else done.stderr.strip()[-200:])
    # pytest: 0 all passed, 1 some failed; anything else (collection error, usage) is no verdict.
    outcome = {0: "passed", 1: "failed"}.get(done.returncode, f"error (exit {done.returncode})")
    return outcome, seconds, last


def check_copy_is_imported(root: Path) -> None:
    """The copy's package is what its tests import (not an installed one)."""
    env = dict(os.environ, PYTHONPATH=str(root))
    found = subprocess.run([sys.executable, "-c", "import fastw2v; print(fastw2v.__file__)"], cwd=root, env=env,
                           capture_output=True, text=True, check=True).stdout.strip()
    if not Path(found).resolve().is_relative_to(root.resolve()):
        raise SystemExit(f"the copy in {root} imports fastw2v from {found}")


def write_report(rows: list[tuple[Mutation, str, float, str]], baseline: float, lane: str) -> Path:
    killed = sum(1 for _, verdict, _, _ in rows if verdict == "killed")
    survived = [m.name for m, verdict, _, _ in rows if verdict == "survived"]
    other = len(rows) - killed - len(survived)
    out = [
        "# Mutation testing",
        "",
        "`python benchmarks/mutation.py" + (" --all" if lane == "all" else "") + "`: each mutant is one line of "
        "`fastw2v/` changed in a copy of the repository; it is killed when "
        f"`pytest -x -m \"not slow\"` on {'the whole fast lane' if lane == 'all' else 'its listed test files'} "
        "fails. Times are wall seconds on this machine (the mutated kernels compile again).",
        "",
        f"**{killed} killed, {len(survived)} survived" + (f", {other} without a verdict" if other else "")
        + f"** of {len(rows)}; baseline (unmutated, every listed file) {baseline:.0f} s.",
        "",
        "| mutant | file | verdict | s | why it matters | first failure |",
        "|---|---|---|---:|---|---|",
    ]
    for m, verdict, seconds, detail in rows:
        shown = detail.replace("|", "\\|") if verdict != "survived" else ""
        out.append(f"| {m.name} | `{m.file}` | {verdict} | {seconds:.0f} | {m.why} | {shown} |")
    if survived:
        out += ["", "## Survivors", ""]
        out += [f"* **{m.name}**: {m.survives or 'no test fails: one is missing'}"
                for m, verdict, _, _ in rows if verdict == "survived"]
    path = RESULTS / "mutation.md"
    path.write_text("\n".join(out) + "\n", encoding="utf-8")
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--all", action="store_true", help="run the whole fast lane for every mutant")
    parser.add_argument("--only", nargs="+", metavar="NAME", help="run only these mutants")
    parser.add_argument("--timeout", type=float, default=1200.0, help="seconds per mutant before giving up")
    args = parser.parse_args()
    chosen = [m for m in MUTATIONS if args.only is None or m.name in args.only]
    unknown = set(args.only or ()) - {m.name for m in MUTATIONS}
    if unknown:
        raise SystemExit(f"unknown mutants: {', '.join(sorted(unknown))}")
    lane = "all" if args.all else "listed"
    with tempfile.TemporaryDirectory(prefix="fastw2v-mutation-") as tmp:
        template = Path(tmp) / "template" / "repo"
        template.parent.mkdir()
        copy_repo(template)
        shared = REPO.parent / "shared"
        if shared.is_dir():  # tests find ../shared/data next to the repository
            (template.parent / "shared").symlink_to(shared)
        check_copy_is_imported(template)
        files = ["tests"] if args.all else sorted({t for m in chosen for t in m.tests})
        outcome, baseline, detail = run_tests(template, files, args.timeout * 2)
        if outcome != "passed":
            raise SystemExit(f"the unmutated tests do not pass ({outcome}): {detail}")
        print(f"baseline passed in {baseline:.0f} s", flush=True)
        rows = []
        for m in chosen:
            trial = Path(tmp) / m.name
            shutil.copytree(template.parent, trial, symlinks=True)
            apply(trial / "repo", m)
            outcome, seconds, detail = run_tests(trial / "repo", ["tests"] if args.all else list(m.tests),
                                                 args.timeout)
            verdict = {"failed": "killed", "passed": "survived"}.get(outcome, outcome)
            rows.append((m, verdict, seconds, detail))
            print(f"{m.name}: {verdict} in {seconds:.0f} s  {detail if verdict != 'survived' else ''}", flush=True)
            shutil.rmtree(trial)
    print(f"wrote {write_report(rows, baseline, lane)}")


if __name__ == "__main__":
    main()
