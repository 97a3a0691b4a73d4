"""``tinyspike tokenizer``: train a lower-cased WordPiece on a corpus and save its ``tokenizer.json``."""
from __future__ import annotations

import json

from ..cli import command
from ..io.files import check_output_file, write_text_atomic
from ..data.tokenizer import load_tokenizer, train_wordpiece
from ..training.pretrain import corpus_texts
from ._flags import non_empty, positive_int


def _configure(p):
    p.add_argument("--corpus", help="'toy' (the toy-GLUE suite's sentences) or a text file, one passage a line")
    p.add_argument("--glue-dir", help="also (or only) the sentences of every <Task>/train.tsv in this GLUE folder")
    p.add_argument("--vocab-size", type=positive_int, default=8192)
    p.add_argument("--out", required=True, type=non_empty, help="where to write tokenizer.json (a new file)")
    p.add_argument("--force", action="store_true", help="replace --out if it exists")
    p.add_argument("--show", default="the film was not good", help="a sentence to tokenize with the result")


@command("tokenizer", "train a BERT-style WordPiece tokenizer on a corpus and save tokenizer.json", _configure)
def run(args) -> int:
    check_output_file(args.out, args.force)            # before reading the corpus
    texts = corpus_texts(args.corpus, args.glue_dir)
    write_text_atomic(args.out, train_wordpiece(texts, vocab_size=args.vocab_size).to_str(pretty=True))
    tok = load_tokenizer(args.out)                     # what later commands will read
    print(json.dumps({"out": args.out, "sentences": len(texts), "vocab_size": tok.get_vocab_size(),
                      "example": tok.encode(args.show).tokens}))
    return 0
