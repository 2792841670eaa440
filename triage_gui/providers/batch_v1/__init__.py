"""The Batch Outbound API v1 (our contract): client, paging, the connection probe, the provider."""
