"""`kok serve`: the officer's workplace, a case register with a web interface
and a REST API (the optional extra kokdsl[serve]).

A wing: it imports the pipeline (kokdsl/*.py) and kokdsl/outputs/ only. What
it needs from the other wings (the rerun job, the waivers loader, the edition
chooser, the book) is handed to it as an `Engine` (engine.py), built by the
command line (kokdsl/cli.py, the one module that imports every wing). The
server calls the engine; it never copies its semantics.
"""
