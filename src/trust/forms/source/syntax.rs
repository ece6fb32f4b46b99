//! The tree-sitter side both languages share: parsing a text with a grammar, walking the tree
//! without recursion (a file of a million nested brackets must not overflow the stack), and
//! reading a node's text. Pure: no I/O.

use tree_sitter::{Language, Node, Parser};

/// Expressions lowered below this depth are read as [`super::ast::Kind::Other`] (unresolved):
/// real configuration nests a few levels, and lowering recurses.
pub const MAX_DEPTH: usize = 96;

/// A parsed file.
pub struct Tree<'t> {
    pub text: &'t str,
    tree: tree_sitter::Tree,
}

impl<'t> Tree<'t> {
    /// Parses `text`; `None` only if the parser gives up (it recovers from syntax errors).
    pub fn parse(text: &'t str, language: &Language) -> Option<Tree<'t>> {
        let mut parser = Parser::new();
        parser.set_language(language).ok()?;
        let tree = parser.parse(text, None)?;
        Some(Tree { text, tree })
    }

    pub fn root(&self) -> Node<'_> {
        self.tree.root_node()
    }

    /// The source text of a node.
    pub fn text(&self, n: Node<'_>) -> &'t str {
        self.text.get(n.start_byte()..n.end_byte()).unwrap_or("")
    }
}

/// The named children of a node.
pub fn children(n: Node<'_>) -> Vec<Node<'_>> {
    let mut cursor = n.walk();
    n.named_children(&mut cursor).collect()
}

/// Calls `visit` on every node below `root` (itself included) in source order, without
/// recursion.
pub fn descend<'a>(root: Node<'a>, visit: &mut dyn FnMut(Node<'a>)) {
    let mut cursor = root.walk();
    loop {
        visit(cursor.node());
        if cursor.goto_first_child() {
            continue;
        }
        loop {
            if cursor.node() == root {
                return;
            }
            if cursor.goto_next_sibling() {
                break;
            }
            if !cursor.goto_parent() {
                return;
            }
        }
    }
}
