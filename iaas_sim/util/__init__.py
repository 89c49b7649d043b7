"""What every layer uses and that belongs to none: the package's version, and writing a file
so that it is never seen half-written. Imports nothing of ours."""
