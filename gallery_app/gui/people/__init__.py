"""People and consent in the desktop app: the register, the review queue and withdrawals."""
