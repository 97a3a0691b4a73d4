"""``tinyspike pretrain``: masked-LM pretraining on a text file, the toy suite or the GLUE training text."""
from __future__ import annotations

import json
import pathlib
import time

from ..cli import command
from ..io import prepare_run_folder
from ..models.spiking_lm import MaskedLM
from ..training.loop import train_loop
from ..training.pretrain import corpus_texts, masked_accuracy, mlm_step, special_ids
from ..training.trained import load_trained, tokenizer_extra
from ._common import (add_loop_args, add_model_args, add_tokenizer_args, check_memory, data_fingerprint,
                      encode_texts, loop_config, model_config, sample_indices, tokenizer_for)
from ._flags import positive_int


def _configure(p):
    p.add_argument("--corpus", help="'toy' (the toy-GLUE suite's sentences) or a text file, one passage a line")
    p.add_argument("--glue-dir", help="also (or only) the sentences of every <Task>/train.tsv in this GLUE folder")
    p.add_argument("--limit", type=positive_int, default=None, help="pretrain on this many sentences (a seeded sample)")
    add_tokenizer_args(p)
    add_model_args(p)
    add_loop_args(p, epochs=1, lr=1e-3)


def split_heldout(texts: list[str], every: int = 50, cap: int = 1000) -> tuple[list[str], list[str]]:
    """Every ``every``-th sentence (at most ``cap``) is held out to measure masked-token accuracy."""
    held = set(range(0, len(texts), every)[:cap]) if len(texts) >= 2 * every else set()
    return [t for i, t in enumerate(texts) if i not in held], [texts[i] for i in sorted(held)]


@command("pretrain", "masked-LM pretraining (BERT masking: 15 percent of tokens, 80/10/10) on a text corpus", _configure)
def run(args) -> int:
    with prepare_run_folder(args.out, resume=args.resume, force=args.force):   # before any data is read
        return _pretrain(args)


def corpus_source(args) -> str:
    parts = ["toy" if args.corpus == "toy" else str(pathlib.Path(args.corpus).resolve())] if args.corpus else []
    return "+".join(parts + ([str(pathlib.Path(args.glue_dir).resolve())] if args.glue_dir else []))


def _pretrain(args) -> int:
    texts = corpus_texts(args.corpus, args.glue_dir, seed=args.seed)
    texts = [texts[i] for i in sample_indices(len(texts), args.limit, args.seed)]
    train_texts, held_texts = split_heldout(texts)
    previous = None
    if args.resume:
        previous = load_trained(args.out)
        tok, cfg = previous.tokenizer, previous.config
    else:
        tok = tokenizer_for(args, train_texts)
        cfg = model_config(args, tok.get_vocab_size())
    check_memory(cfg, len(texts), args.batch)
    train = encode_texts(tok, train_texts, None, cfg.max_len, "training")
    held = encode_texts(tok, held_texts, None, cfg.max_len, "held-out") if held_texts else None
    data = data_fingerprint("mlm", corpus_source(args), train, train_sentences=len(train_texts),
                            heldout_sentences=len(held_texts))
    model = MaskedLM(cfg)
    step = mlm_step(model, train, tok.token_to_id("[MASK]"), tok.get_vocab_size(), special_ids(tok))
    print(f"pretraining a {cfg.n_layers}-layer d={cfg.d_model} T={cfg.T} {args.variant} masked LM on "
          f"{len(train_texts)} sentences (vocabulary {tok.get_vocab_size()}), {len(held_texts)} held out")
    t0 = time.perf_counter()
    result = train_loop(model, step, len(train_texts), loop_config(args, previous), out_dir=args.out,
                        resume=args.resume, config=cfg.to_dict(),
                        extra={"kind": "mlm", "num_labels": 0, "max_len": cfg.max_len, **tokenizer_extra(tok)},
                        evaluate=(lambda: masked_accuracy(model, held, tok, args.seed)) if held else None,
                        desc="pretrain", progress=not args.no_progress, data=data,
                        lr_change=args.resume and args.lr is not None)
    summary = {"step": result.step, "total_steps": result.total_steps, "seconds": round(time.perf_counter() - t0, 1),
               "checkpoint": str(result.checkpoint)}
    if held and result.step == result.total_steps:
        summary.update(result.last_eval or masked_accuracy(model, held, tok, args.seed))
    print(json.dumps(summary))
    return 0
