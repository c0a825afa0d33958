"""Journal rules: the lifecycle once (`lifecycle`), what a kind may add to it (`kind`), and one
small module per kind (`outcome`, `strategy`, `performance`) holding only what differs."""
