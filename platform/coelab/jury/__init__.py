"""Juries: panels of trainers and practising professionals, their impartiality, and
the scheduling of soutenances."""
