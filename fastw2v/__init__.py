"""fastw2v: a fast word2vec trainer that can fine-tune pre-trained vectors."""
from .config import Word2VecConfig
from .model import Word2Vec, load

__version__ = "0.1.0"
__all__ = ["Word2Vec", "Word2VecConfig", "__version__", "load"]
