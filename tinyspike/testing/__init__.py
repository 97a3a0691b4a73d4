"""The in-library gradient checker used by every test (and by users checking their own layers)."""
from .gradcheck import GradcheckError, check_gradients, check_layer, numerical_gradient

__all__ = ["GradcheckError", "check_gradients", "check_layer", "numerical_gradient"]
