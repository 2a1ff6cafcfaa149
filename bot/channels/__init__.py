"""Channel adapters: transport in, neutral messages to the dialog engine, rendered replies out."""

# Where Telegram posts updates in webhook mode (here, so that routing it does not import aiogram).
WEBHOOK_PATH = "/telegram/webhook"
