"""Vendor revenue sharing: servers at no capex for a share of the revenue earned on them."""

from __future__ import annotations

import numpy as np

import iaas_sim as sim
from tests.conftest import tiny


def test_all_vendor_servers_cost_no_capex_and_a_share_of_revenue() -> None:
    sc = tiny(
        **{
            "capacity.vendor_share_of_servers": 1.0,
            "capacity.vendor_revenue_share": 0.25,
            "capacity.capex_per_server": 5000.0,
        }
    )
    m = sim.simulate(sc).monthly
    assert (m["capex"] == 0).all()
    assert (m["depreciation"] == 0).all()
    assert (m["opex_maintenance"] == 0).all()
    np.testing.assert_allclose(m["opex_vendor_share"], 0.25 * m["revenue_usage"], rtol=1e-12)


def test_a_mix_shares_revenue_pro_rata_to_server_hours() -> None:
    sc = tiny(
        **{
            "capacity.vendor_share_of_servers": 0.3,
            "capacity.vendor_revenue_share": 0.5,
            "capacity.capex_per_server": 5000.0,
        }
    )
    m = sim.simulate(sc).monthly
    assert m["capex"].iloc[0] == 70 * 5000.0  # 100 initial servers, 30 the vendor's
    np.testing.assert_allclose(m["opex_vendor_share"], 0.5 * 0.3 * m["revenue_usage"], rtol=1e-12)


def test_without_vendor_servers_nothing_is_shared() -> None:
    m = sim.simulate(tiny(**{"capacity.vendor_revenue_share": 0.5})).monthly
    assert (m["opex_vendor_share"] == 0).all()
