"""The notebooks are committed without outputs (CI runs them with nbmake)."""

from __future__ import annotations

import json

from tests.conftest import ROOT


def test_notebooks_are_numbered_and_stripped_of_outputs() -> None:
    books = sorted((ROOT / "notebooks").glob("*.ipynb"))
    assert books, "no notebooks"
    for path in books:
        assert path.name[:3][:2].isdigit(), path.name
        assert path.name[2] == "_", path.name
        nb = json.loads(path.read_text())
        for cell in nb["cells"]:
            if cell["cell_type"] == "code":
                assert cell["outputs"] == [], f"{path.name}: outputs left in"
                assert cell["execution_count"] is None, f"{path.name}: execution count left"
        assert "import iaas_sim as sim" in "".join("".join(c["source"]) for c in nb["cells"])
