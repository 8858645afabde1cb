"""Every trainer a user would pick, run as the whole job a user runs: one fresh process that scans, trains, saves.

* fastw2v: its CLI, ``fastw2v train CORPUS --out MODEL --vectors vectors.bin`` (the model directory *and*
  a word2vec binary, so it writes more than any peer);
* word2vec.c: the binary pip ``word2vec`` compiles from Mikolov's C at install, ``-binary 1``;
* fastText: ``fasttext-wheel``'s ``train_unsupervised`` with subwords off (``minn=maxn=0``: plain word2vec)
  and ``save_model``, in a Python process of its own;
* gensim 4.4: ``Word2Vec(sentences=LineSentence(...))`` (``gensim``) or ``Word2Vec(corpus_file=...)``
  (``gensim_cf``), then ``wv.save_word2vec_format(binary=True)``, in a Python process of its own.

Settings a job leaves out stay at the trainer's own default: that is what a user gets. The scores of a
job's vectors (Google analogies among the 30k most frequent words, 3CosAdd; WordSim-353 Spearman) come
from ``fastw2v.evaluation`` after the job, outside its time; word2vec.c's and fastText's ``</s>`` row is
dropped first.

    python benchmarks/peers.py --job JSON     (the Python peers' job body; the parent runs it)
    python benchmarks/peers.py --score JSON   (a finished job's scores, in a process of its own)
"""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from common import EVAL

MODES = {
    "SG-NS": dict(sg=1, hs=0, negative=5),
    "CBOW-NS": dict(sg=0, hs=0, negative=5),
    "SG-HS": dict(sg=1, hs=1, negative=0),
    "CBOW-HS": dict(sg=0, hs=1, negative=0),
}
TRAINERS = ("fastw2v", "word2vec.c", "fasttext", "gensim", "gensim_cf")
LABELS = {"fastw2v": "fastw2v", "word2vec.c": "word2vec.c", "fasttext": "fastText", "gensim": "gensim iterable",
          "gensim_cf": "gensim corpus_file"}
COMMON = dict(window=5, min_count=5)
#: Each trainer's own defaults for what the jobs may set, per architecture (sg 0 / 1): a job's settings
#: are stored without the values that equal these, so equal jobs share their runs.
DEFAULTS = {
    "fastw2v": {"alpha": (0.05, 0.025), "sample": (1e-3, 1e-3)},
    "word2vec.c": {"alpha": (0.05, 0.025), "sample": (1e-3, 1e-3)},
    "fasttext": {"alpha": (0.05, 0.05), "sample": (1e-4, 1e-4)},
    "gensim": {"alpha": (0.025, 0.025), "sample": (1e-3, 1e-3)},
    "gensim_cf": {"alpha": (0.025, 0.025), "sample": (1e-3, 1e-3)},
}
BIN = Path(sys.executable).parent
WORD2VEC_C = BIN / "word2vec"


@dataclass(frozen=True)
class Job:
    """One whole job: ``settings`` holds ``alpha`` / ``sample`` where they differ from the trainer's defaults."""

    trainer: str
    mode: str
    corpus: str
    epochs: int
    workers: int = 2
    seed: int = 1
    settings: dict = field(default_factory=dict)
    vector_size: int = 100

    def normalised(self) -> Job:
        sg = MODES[self.mode]["sg"]
        own = {k: v[sg] for k, v in DEFAULTS[self.trainer].items()}
        return Job(**{**asdict(self), "settings": {k: v for k, v in sorted(self.settings.items()) if own[k] != v}})

    def key(self) -> str:
        job = self.normalised()
        # word2vec.c and fastText (fasttext-wheel 0.9.2) take no seed: their runs differ by thread timing.
        return json.dumps({**asdict(job), "corpus": Path(job.corpus).name}, sort_keys=True)


def word2vec_c_args(mode: str, epochs: int, workers: int, settings: dict, vector_size: int = 100) -> list[str]:
    """word2vec.c's options for a job (everything but ``-train`` and ``-output``)."""
    m = MODES[mode]
    args = ["-binary", "1", "-cbow", str(1 - m["sg"]), "-size", str(vector_size), "-window", str(COMMON["window"]),
            "-min-count", str(COMMON["min_count"]), "-hs", str(m["hs"]), "-negative", str(m["negative"]),
            "-threads", str(workers), "-iter", str(epochs)]
    return args + [a for k in ("alpha", "sample") if k in settings for a in (f"-{k}", str(settings[k]))]


def fasttext_kwargs(mode: str, epochs: int, workers: int, settings: dict, vector_size: int = 100) -> dict:
    """``fasttext.train_unsupervised`` keywords for a job: subwords off, so it trains word2vec."""
    m = MODES[mode]
    kw = dict(model="skipgram" if m["sg"] else "cbow", dim=vector_size, ws=COMMON["window"],
              minCount=COMMON["min_count"], epoch=epochs, loss="hs" if m["hs"] else "ns", neg=5, minn=0, maxn=0,
              thread=workers)
    kw.update({"lr": settings["alpha"]} if "alpha" in settings else {})
    kw.update({"t": settings["sample"]} if "sample" in settings else {})
    return kw


def gensim_kwargs(job: Job) -> dict:
    return dict(**COMMON, vector_size=job.vector_size, **MODES[job.mode], **job.settings, epochs=job.epochs,
                workers=job.workers, seed=job.seed)


def command(job: Job, out: Path) -> list[str]:
    """The command line of ``job``, writing into the directory ``out``."""
    if job.trainer == "fastw2v":
        m = MODES[job.mode]
        cmd = [str(BIN / "fastw2v"), "train", job.corpus, "--out", str(out / "model"), "--vectors",
               str(out / "vectors.bin"), "--sg" if m["sg"] else "--cbow", "--hs" if m["hs"] else "--no-hs",
               "--negative", str(m["negative"]), "--vector-size", str(job.vector_size), "--window",
               str(COMMON["window"]), "--min-count", str(COMMON["min_count"]), "--epochs", str(job.epochs),
               "--workers", str(job.workers), "--seed", str(job.seed)]
        return cmd + [a for k in ("alpha", "sample") if k in job.settings
                      for a in (f"--{k}", str(job.settings[k]))]
    if job.trainer == "word2vec.c":
        return [str(WORD2VEC_C), "-train", job.corpus, "-output", str(out / "vectors.bin"), "-debug", "2",
                *word2vec_c_args(job.mode, job.epochs, job.workers, job.settings, job.vector_size)]
    return [sys.executable, __file__, "--job", json.dumps({**asdict(job), "out": str(out)})]


def python_job(spec: dict) -> None:
    """The body of fastText's and gensim's jobs: train on the corpus, save the result."""
    out = Path(spec.pop("out"))
    job = Job(**spec)
    if job.trainer == "fasttext":
        import fasttext

        ft = fasttext.train_unsupervised(job.corpus, **fasttext_kwargs(job.mode, job.epochs, job.workers,
                                                                         job.settings, job.vector_size), verbose=2)
        ft.save_model(str(out / "model.bin"))
        return
    import logging

    from gensim.models import Word2Vec
    from gensim.models.word2vec import LineSentence

    # gensim's per-epoch INFO record is where its training-only speed is read from.
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    source = {"corpus_file": job.corpus} if job.trainer == "gensim_cf" else {"sentences": LineSentence(job.corpus)}
    model = Word2Vec(**source, **gensim_kwargs(job))
    model.wv.save_word2vec_format(str(out / "vectors.bin"), binary=True)


# ---------------------------------------------------------------- what the parent reads off a job's output
#: fastw2v's log lines that end a phase of its job.
PHASE_LINES = {"scan": re.compile(r" vocabulary: "), "train": re.compile(r" epoch (\d+)/\1 done"),
               "save": re.compile(r" wrote \d+ vectors ")}


def training_words_per_s(job: Job, text: str, tokens: int) -> float | None:
    """Training-only words/s as each trainer reports it (corpus tokens x epochs / training seconds)."""
    if job.trainer == "fastw2v":
        rates = [float(x) * 1e3 for x in re.findall(r"epoch \d+/\d+ done: .*?, (\d+)k words/s", text)]
        return sorted(rates)[len(rates) // 2] if rates else None
    if job.trainer == "word2vec.c":  # words read per thread per second, over the whole run so far
        rates = re.findall(r"Words/thread/sec: ([\d.]+)k", text)
        return float(rates[-1]) * 1e3 * job.workers if rates else None
    if job.trainer == "fasttext":
        rates = re.findall(r"words/sec/thread:\s*(\d+)", text)
        return float(rates[-1]) * job.workers if rates else None
    took = [float(s) for s in re.findall(r"training on \d+ raw words .*? took ([\d.]+)s", text)]
    return tokens * len(took) / sum(took) if took else None


def run_job(job: Job, out: Path, env: dict | None = None, timeout: float = 7200) -> dict:
    """Run ``job`` in a fresh process writing into ``out``: wall seconds, peak RSS and its phases' ends."""
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    started = time.perf_counter()
    load_before = os.getloadavg()[0]
    proc = subprocess.Popen(command(job, out), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            env={**os.environ, **(env or {})}, cwd=Path(__file__).parent)
    assert proc.stdout is not None
    lines, phases = [], {}
    buffer = b""
    while chunk := proc.stdout.read1(65536):  # type: ignore[attr-defined]
        now = time.perf_counter() - started
        buffer += chunk
        # word2vec.c and fastText redraw their progress with '\r'
        *complete, buffer = re.split(rb"[\r\n]", buffer)
        for raw in complete:
            line = raw.decode("utf-8", "replace")
            lines.append(line)
            for phase, pattern in PHASE_LINES.items():
                if job.trainer == "fastw2v" and pattern.search(line):
                    phases[phase] = now
        if time.perf_counter() - started > timeout:
            proc.kill()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    text = "\n".join(lines + [buffer.decode("utf-8", "replace")])
    if proc.returncode != 0:
        raise RuntimeError(f"{job.trainer} job failed ({proc.returncode}): {' '.join(command(job, out))}\n{text[-3000:]}")
    phases["exit"] = wall
    return {"wall": wall, "rss_mb": usage.ru_maxrss / 1024, "phases": phases, "output": text[-4000:],
            "load": [load_before, os.getloadavg()[0]]}


def keyed_vectors(job: Job, out: Path):
    """The job's input vectors as gensim KeyedVectors, ``</s>`` dropped."""
    from gensim.models import KeyedVectors

    if job.trainer == "fasttext":
        import fasttext

        ft = fasttext.load_model(str(out / "model.bin"))
        words = ft.get_words()
        return keyed(words, ft.get_input_matrix()[:len(words)])
    full = KeyedVectors.load_word2vec_format(str(out / "vectors.bin"), binary=True)
    return keyed(full.index_to_key, full.vectors)


def keyed(words, vectors):
    """KeyedVectors of ``words`` and their rows, without word2vec.c's and fastText's ``</s>``."""
    from gensim.models import KeyedVectors

    keep = [i for i, w in enumerate(words) if w != "</s>"]
    kv = KeyedVectors(vectors.shape[1])
    kv.add_vectors([words[i] for i in keep], vectors[keep])
    return kv


def scores(kv) -> dict:
    """Google analogies among the 30k most frequent words (3CosAdd) and WordSim-353 Spearman."""
    from fastw2v.evaluation import evaluate_analogies, evaluate_similarity

    return {"analogy": evaluate_analogies(kv, EVAL / "questions-words.txt", restrict_vocab=30000).accuracy,
            "ws353": evaluate_similarity(kv, EVAL / "wordsim353.tsv").spearman}


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] in ("--job", "--score"):
        spec = json.loads(sys.argv[2])
        if sys.argv[1] == "--job":
            python_job(spec)
        else:
            out = Path(spec.pop("out"))
            print(json.dumps(scores(keyed_vectors(Job(**spec), out))))
    else:
        sys.exit(__doc__)
