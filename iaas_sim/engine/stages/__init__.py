"""The month's close as a chain of stages.

Each stage is a function of a frozen input (arrays and numbers, no ``World``) that returns a
frozen output; ``World`` gathers the inputs from its books, calls the stages in order and
applies what they decide::

    channels     demand by channel: web, direct sales (the pipeline of leads), partners
    admission    which arrivals fit the capacity installed (first come, first served)
    promotion    partners moving up a certification tier, their customers' groups with them
    pooling      the month's hourly demand against capacity (pooling state in and out)
    billing      revenue by stream, channel and partner type
    costs        operating cost lines
    procurement  servers to order (forecast, thresholds)

The monthly row each stage contributes is named by the output registry
(``iaas_sim.engine.columns``), which also says how the ledger totals the families.
"""
