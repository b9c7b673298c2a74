"""One dispatcher for every walk over the AST.

The checker, the closure backend, the code generator and the explainer each
handle a node by a method named for its class (``visit_Compare``), as
Python's ``ast.NodeVisitor`` does. A visitor may choose another prefix
(``gen_``, ``explain_``) where that reads better in its module. A node class
without a method of its own is walked through: its children are visited in
turn (``ast.children``), as Jinja's visitor does.
"""

from __future__ import annotations

from typing import Any

from kokdsl import ast


class NodeVisitor:
    """Calls ``<method_prefix><NodeClass>(node, *args)``; a node class without
    a method goes to generic_visit."""

    method_prefix = "visit_"

    def visit(self, node: object, *args: Any) -> Any:
        method = getattr(self, self.method_prefix + type(node).__name__, None)
        if method is None:
            return self.generic_visit(node, *args)
        return method(node, *args)

    def generic_visit(self, node: object, *args: Any) -> Any:
        """Visit the node's children in turn, for what they find or change; the node itself gives None."""
        for child in ast.children(node):
            self.visit(child, *args)
        return None
