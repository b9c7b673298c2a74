"""Walking the AST: ast.children and ast.walk, and the NodeVisitor that
dispatches by class name and walks through nodes it has no method for."""

import typing

import pytest

from kokdsl import ast
from kokdsl.checker import Checker
from kokdsl.closures import ClosureBuilder
from kokdsl.codegen import _Writer
from kokdsl.parser import parse_or_raise
from kokdsl.visitor import NodeVisitor

BOOK = ('regelbok "T" utgåva 2025\nuppgift x: heltal\nuppgift y: ja/nej\n'
        'krav 1 "t" skall\n  gäller om y\n  x + 1 > 2 och inte y\n')


def _requirement() -> ast.Requirement:
    [req] = [item for item in parse_or_raise(BOOK).items if isinstance(item, ast.Requirement)]
    return req


def test_children_are_the_operands_in_field_order_without_spans():
    check = _requirement().check
    assert isinstance(check, ast.Logic)
    assert list(ast.children(check)) == [check.left, check.right]
    assert list(ast.children(ast.Name("x"))) == []  # a leaf; its span is no child
    assert list(ast.children("not a node")) == []


def test_walk_is_depth_first_node_first():
    check = _requirement().check
    names = [type(n).__name__ for n in ast.walk(check)]
    assert names == ["Logic", "Compare", "Arith", "Name", "Literal", "Literal", "Not", "Name"]
    assert list(ast.walk(None)) == []


def test_a_visitor_walks_through_nodes_it_has_no_method_for():
    class Names(NodeVisitor):
        def __init__(self) -> None:
            self.seen: list[str] = []

        def visit_Name(self, node: ast.Name) -> None:
            self.seen.append(node.name)

    names = Names()
    assert names.visit(_requirement().check) is None
    assert names.seen == ["x", "y"]


def test_a_visitor_can_choose_its_prefix_and_pass_arguments():
    class Depth(NodeVisitor):
        method_prefix = "depth_"

        def depth_Name(self, node: ast.Name, depth: int) -> int:
            return depth

        def depth_Not(self, node: ast.Not, depth: int) -> int:
            result: int = self.visit(node.operand, depth + 1)
            return result

    assert Depth().visit(ast.Not(ast.Name("y")), 0) == 1


@pytest.mark.parametrize("visitor", [Checker, ClosureBuilder, _Writer], ids=lambda v: v.__name__)
def test_the_compiling_visitors_handle_every_expression_themselves(visitor):
    """A new expression class must be checked, built and generated on purpose,
    never walked through by the default."""
    missing = [cls.__name__ for cls in typing.get_args(ast.Expr)
               if not callable(getattr(visitor, visitor.method_prefix + cls.__name__, None))]
    assert missing == []
