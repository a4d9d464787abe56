"""Offline evaluation: retrieval metrics and scripted conversations."""
