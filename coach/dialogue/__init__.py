"""The dialogue: a pure state machine over plain dataclasses.

Reading order: `schema`/`yamlfile`/`content` load the coach's words from
prompts/; `state` is what a conversation remembers; `language` and `parsing`
read user input; `coaching` ranks follow-ups, quotes and actions; `turn`
builds a reply, `flow` and `interrupts` decide each turn; `machine` is the
public entry point (`start`, `queries_for`, `step`); `summary` renders the
reflection as Markdown.
"""
