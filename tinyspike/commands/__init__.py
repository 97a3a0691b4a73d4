"""Sub-commands of the ``tinyspike`` CLI; importing this package registers them."""
from . import demo  # noqa: F401
