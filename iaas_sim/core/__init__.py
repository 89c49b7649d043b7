"""Pure numpy models: adoption, usage profiles, pooling, admission, billing, procurement,
finance. Arrays, the relevant scenario sub-model and an ``rng`` in; arrays out; no I/O."""
