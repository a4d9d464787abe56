"""`coach bench`: timings of search, turns, cold starts and ingest, as ratios to the floor.

`runner` measures, `scale` builds synthetic scale indexes, `coldstart` times
fresh processes, `report` prints the table. Nothing here runs in the tests'
timed paths: measurements are printed, never asserted.
"""
