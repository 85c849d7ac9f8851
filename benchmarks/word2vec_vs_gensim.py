"""Our Keras word2vec against gensim's Word2Vec: same corpus, same hyperparameters, one run.

Prints a markdown section: wordsim353 / simlex999 Spearman, analogy accuracy, and words per
second (corpus words x epochs / wall seconds, vocabulary building included for both) for
skip-gram and CBOW. Goals: wordsim353 Spearman >= gensim's - 0.02, throughput >= 0.3x gensim's.

    python benchmarks/word2vec_vs_gensim.py [--quick] [--workers 2] [--batch-size 16384]
"""

import argparse
import datetime
import os
import platform
import time

import numpy as np


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="1 epoch, skip-gram only")
    parser.add_argument("--workers", type=int, default=2, help="gensim worker threads (this machine: 2 cores)")
    parser.add_argument("--batch-size", type=int, default=8192)
    parser.add_argument("--epochs", type=int, default=5)
    args = parser.parse_args(argv)

    from gensim.models import Word2Vec

    from keras_course.data.text import load_word2vec_corpus
    from keras_course.text.evaluate import evaluate_embeddings
    from keras_course.text.word2vec import train_word2vec

    sentences = load_word2vec_corpus()
    words = sum(len(s) for s in sentences)
    epochs = 1 if args.quick else args.epochs
    hyper = dict(vector_size=100, window=5, negative=5, min_count=5, epochs=epochs, sample=1e-3, alpha=0.025,
                 min_alpha=1e-4, seed=0)
    rows = []
    for sg in ((1,) if args.quick else (1, 0)):
        start, cpu = time.perf_counter(), time.process_time()
        gensim_model = Word2Vec(sentences, sg=sg, workers=args.workers, **hyper)
        gensim_times = time.perf_counter() - start, time.process_time() - cpu
        start, cpu = time.perf_counter(), time.process_time()
        ours = train_word2vec(sentences, sg=sg, batch_size=args.batch_size, **hyper)
        our_times = time.perf_counter() - start, time.process_time() - cpu
        for name, kv, (seconds, cpu_seconds) in (("gensim", gensim_model.wv, gensim_times),
                                                 ("ours (Keras)", ours, our_times)):
            rows.append({"model": "skip-gram" if sg else "CBOW", "impl": name, "vocab": len(kv),
                         "seconds": seconds, "cpu_seconds": cpu_seconds, "words_per_s": words * epochs / seconds,
                         **evaluate_embeddings(kv)})

    cpu = os.cpu_count()
    print(f"## word2vec: ours (Keras) vs gensim {__import__('gensim').__version__}\n")
    print(f"{datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC; machine: {cpu}-core CPU, shared "
          f"({platform.machine()}); load average {os.getloadavg()[0]:.1f} at the end.")
    print("Wall-clock words/s on a shared machine swing with the other jobs' load; CPU seconds (all "
          "threads of the process) are the steadier cost measure.")
    print(f"Corpus: enwiki excerpt + Lee ({len(sentences)} sentences, {words:,} tokens); "
          f"dim 100, window 5, 5 negatives, min_count 5, sample 1e-3, {epochs} epochs, alpha 0.025 -> 1e-4; "
          f"gensim workers={args.workers}; ours batch {args.batch_size}, SGD, summed loss.\n")
    print("| model | impl | vocab | wordsim353 rho | simlex999 rho | analogy acc (n) | wall s | CPU s "
          "| words/s (wall) |")
    print("|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['model']} | {r['impl']} | {r['vocab']} | {r['wordsim353']:.3f} | {r['simlex999']:.3f} | "
              f"{r['analogy_accuracy']:.3f} ({r['analogy_questions']}) | {r['seconds']:.1f} | {r['cpu_seconds']:.1f} | "
              f"{r['words_per_s']:,.0f} |")
    print()
    for g, o in zip(rows[::2], rows[1::2]):
        gap = o["wordsim353"] - g["wordsim353"]
        ratio = o["words_per_s"] / g["words_per_s"]
        cpu_ratio = g["cpu_seconds"] / o["cpu_seconds"]
        print(f"- {g['model']}: wordsim353 ours - gensim = {gap:+.3f} (goal >= -0.02: "
              f"{'met' if gap >= -0.02 else 'NOT met'}); throughput ours / gensim = {ratio:.2f}x "
              f"(goal >= 0.3x: {'met' if ratio >= 0.3 else 'NOT met'}); per CPU second {cpu_ratio:.2f}x")
    # same words seen by both: the vocabularies must agree
    assert all(np.equal(r["vocab"], rows[0]["vocab"]) for r in rows)


if __name__ == "__main__":
    main()
