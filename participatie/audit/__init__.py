"""The audit log: who did what with which data, when — exports now, moderation later."""
