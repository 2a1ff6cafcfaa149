"""Channel adapters: transport in, neutral messages to the dialog engine, rendered replies out."""
