"""Users, sign-in sessions, password policy and login throttling."""
