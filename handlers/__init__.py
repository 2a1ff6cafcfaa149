"""Channel-neutral dialogs: what a resident can say, and what Minsheng answers."""
