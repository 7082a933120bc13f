"""tandem for Python: regional-economics indicators, impact-evaluation estimators and the
bundled data of tandem, on pandas DataFrames.

>>> import tandem
>>> out = tandem.complexity(df, {"time": "year", "loc": "region", "prod": "industry",
...                              "val": "employment"}, verbose=False)

Modules: :mod:`tandem.specialisation`, :mod:`tandem.disparity`, :mod:`tandem.spatial`,
:mod:`tandem.io`, :mod:`tandem.data`; functions :func:`complexity`, :func:`proximity`,
:func:`shift_share`, :func:`att_gt`, :func:`aggte`, :func:`synth`, :func:`sdid`. Every
computation is tandem's Rust library; an input it cannot compute on raises
:class:`TandemError` (a ``ValueError``) with the library's message.
"""
from . import data, disparity, io, spatial, specialisation
from ._tandem import TandemError, __version__
from .complexity import complexity, proximity
from .evaluate import aggte, att_gt, sdid, synth
from .shiftshare import shift_share

__all__ = [
    "TandemError", "__version__", "complexity", "proximity", "shift_share",
    "att_gt", "aggte", "synth", "sdid",
    "data", "disparity", "io", "spatial", "specialisation",
]
