"""Neural Sheaf Diffusion: restriction-map learners, sheaf Laplacians, diffusion layers and models."""

from geogen.nn.sheaf.builders import DiagonalSheaf, GeneralSheaf, OrthogonalSheaf, SheafBuilder
from geogen.nn.sheaf.continuous import ContinuousSheafDiffusion, SheafODEFunc
from geogen.nn.sheaf.block_sparse import EdgeBlockPattern
from geogen.nn.sheaf.dense_backbone import SheafDenseBackbone, dense_to_sheaf_graph
from geogen.nn.sheaf.features import (DenseFeatures, EncodedFeatures, NodeFeatures, SparseFeatures,
                                      prepare_node_features)
from geogen.nn.sheaf.graph import SheafGraph
from geogen.nn.sheaf.laplacian import (BlockLaplacian, ConnectionLaplacian, DiagonalLaplacian, SheafLaplacian,
                                       StackedLaplacian, symmetric_normalise)
from geogen.nn.sheaf.layer import SheafDiffusionLayer
from geogen.nn.sheaf.learners import ConcatMapLearner, EdgeWeightLearner
from geogen.nn.sheaf.model import NeuralSheafDiffusion, as_sheaf_graph
from geogen.nn.sheaf.orthogonal import Cayley, Householder, MatrixExponential, OrthogonalMap

__all__ = [
    "BlockLaplacian", "Cayley", "ConnectionLaplacian", "ConcatMapLearner", "ContinuousSheafDiffusion", "DenseFeatures", "DiagonalLaplacian", "DiagonalSheaf",
    "EdgeBlockPattern", "EdgeWeightLearner", "EncodedFeatures", "NodeFeatures", "SparseFeatures", "prepare_node_features",
    "GeneralSheaf", "Householder", "MatrixExponential", "NeuralSheafDiffusion", "OrthogonalMap",
    "OrthogonalSheaf", "SheafBuilder", "SheafDenseBackbone", "SheafDiffusionLayer", "SheafODEFunc", "SheafGraph", "SheafLaplacian", "StackedLaplacian",
    "as_sheaf_graph", "dense_to_sheaf_graph", "symmetric_normalise",
]
