"""kokdsl: the KoK-bok requirements of Swedish primary care as code.

The pipeline, one module per stage:

    parser     .kok source        -> AST (ast.py)
    compiler   AST                -> CompiledRulebook (facts schema + checks)
    selfreport YAML/JSON          -> typed facts + data diagnostics
    evaluator  rulebook x facts   -> RequirementResults (three-valued, explained)
    decision   results            -> Decision (approved / rejection / supplement)
    render     results + decision -> text / JSON (reports/ templates for HTML, Markdown)
"""

__version__ = "0.1.0"
