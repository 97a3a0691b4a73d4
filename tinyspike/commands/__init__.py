"""Sub-commands of the ``tinyspike`` CLI; importing this package registers them, in this order."""
from . import tokenizer, pretrain, finetune, evaluate, report, fuse, demo  # noqa: F401
