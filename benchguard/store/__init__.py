"""What benchguard keeps in git notes: records, the notes store and its sync, overrides, and a
benchmark's history read back from them."""
