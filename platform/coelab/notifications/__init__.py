"""In-app notifications: what happened to a person's work, also sent by e-mail."""
