"""The vocabulary every layer shares: the ticket's words and rules, and the neutral message model.

Dialogs (handlers/), services, the console, the staff API and the channels import from here;
nothing here imports handlers/ or bot.services, so the layers depend on it and never on each other
for a label.
"""
