"""tandem.io.IOSystem against pymrio's golden outputs (its bundled test system, treated as
one table of 48 sectors) and, where pymrio installs, side by side with pymrio."""
import numpy as np
import pandas as pd
import pytest

import tandem
from conftest import CORE, read

TOL = dict(rtol=1e-12, atol=1e-14)


def _system():
    z = read(CORE, "inputs/mrio_Z.csv", index_col=0)
    y = read(CORE, "inputs/mrio_Y.csv", index_col=0)
    f = read(CORE, "inputs/mrio_F_factor_inputs.csv", index_col=0)
    return tandem.io.IOSystem(Z=z, Y=y, F=f).calc_all()


def _golden(name):
    return read(CORE, f"outputs/{name}", index_col=0)


def test_matrices_match_pymrio_golden():
    io = _system()
    for name in ["A", "L", "B", "G"]:
        ref = _golden(f"mrio_{name}.csv")
        np.testing.assert_allclose(getattr(io, name).to_numpy(), ref.to_numpy(), **TOL, err_msg=name)
    np.testing.assert_allclose(io.x.indout.to_numpy(), _golden("mrio_x.csv").iloc[:, 0], **TOL)
    np.testing.assert_allclose(io.S.to_numpy(), _golden("mrio_S_factor_inputs.csv").to_numpy(), **TOL)
    np.testing.assert_allclose(io.M.to_numpy(), _golden("mrio_M_factor_inputs.csv").to_numpy(), **TOL)
    np.testing.assert_allclose(io.M_down.to_numpy(), _golden("mrio_M_down_factor_inputs.csv").to_numpy(),
                               rtol=1e-12, atol=1e-12)


def test_linkages_match_golden():
    io = _system()
    ref = _golden("own_io_linkages.csv")
    pairs = {"output_multiplier": "output_multiplier", "backward_linkage": "backward_linkage_index",
             "forward_linkage": "forward_linkage_index_leontief",
             "forward_linkage_ghosh": "forward_linkage_index_ghosh",
             "direct_backward": "direct_backward", "direct_forward": "direct_forward"}
    for ours, theirs in pairs.items():
        np.testing.assert_allclose(io.linkages[ours], ref[theirs], **TOL, err_msg=ours)


def test_regionalisation_caps_coefficients():
    io = _system()
    emp = io.x.indout
    regional = emp * np.linspace(0.01, 0.2, len(emp))
    for method in ["SLQ", "CILQ", "FLQ"]:
        r = io.regionalise(regional, emp, method=method)
        assert (r.A.to_numpy() <= io.A.to_numpy() + 1e-15).all()
        assert r.L is not None
    with pytest.raises(tandem.TandemError, match="method"):
        io.regionalise(regional, emp, method="XLQ")


def test_side_by_side_with_pymrio():
    pymrio = pytest.importorskip("pymrio")
    ref = pymrio.load_test()
    ref.calc_all()
    z = ref.Z
    ours = tandem.io.IOSystem(Z=z, Y=ref.Y).calc_all()
    np.testing.assert_allclose(ours.A.to_numpy(), ref.A.to_numpy(), **TOL)
    np.testing.assert_allclose(ours.L.to_numpy(), ref.L.to_numpy(), **TOL)
    np.testing.assert_allclose(ours.x.indout.to_numpy(), ref.x.indout.to_numpy(), **TOL)
