"""formgen: a ledger (台账) of in-service party cadres in; the Shiyan forms out.

The pipeline, one module per stage::

    load -> validate -> model -> plan -> context -> render -> write

``generator.pipeline.export`` reads as the whole run.
"""

__version__ = "0.1.0"
