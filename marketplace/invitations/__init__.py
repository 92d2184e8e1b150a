"""Invitations: a role granted by email reaches the address's verified owner when they accept it."""
