"""Identity domain: the org tree, schools, people and accounts, free of I/O."""
