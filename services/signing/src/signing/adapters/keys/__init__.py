"""Signer backends: where the private keys live (PKCS#12 file, PKCS#11 token, CSC service, the user's own device)."""
