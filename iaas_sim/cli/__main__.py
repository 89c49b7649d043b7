"""``python -m iaas_sim.cli``: the ``iaas-sim`` command."""

from iaas_sim.cli.app import main

if __name__ == "__main__":
    main()
