"""Typer command groups: parse options, call one use case, render. No business logic here."""
