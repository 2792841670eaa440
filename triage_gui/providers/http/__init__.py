"""HTTP pieces shared by every provider: transport, TLS, retry policy, error mapping."""
