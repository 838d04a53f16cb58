"""The definition: the files a user writes, read safely into one canonical artifact and its
digest. No I/O."""
