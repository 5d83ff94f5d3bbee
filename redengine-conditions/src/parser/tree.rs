//! A read-only view of a parsed phrase: the nodes the grammar recorded, navigated the way
//! the builder (`phrase.rs`) asks about them ("the `anchor`s of this window").

use super::rule::Rule;
use super::state::Token;

/// One node of a phrase's tree, with the phrase text its positions index.
#[derive(Clone, Copy)]
pub(super) struct Pair<'t> {
    text: &'t str,
    tokens: &'t [Token],
    index: usize,
}

impl<'t> Pair<'t> {
    /// The node at `index` of `tokens` (as [`super::state::State::run`] returned them).
    pub(super) fn new(text: &'t str, tokens: &'t [Token], index: usize) -> Option<Self> {
        (index < tokens.len()).then_some(Pair {
            text,
            tokens,
            index,
        })
    }

    fn token(&self) -> Token {
        self.tokens[self.index]
    }

    /// The rule that matched.
    pub(super) fn as_rule(&self) -> Rule {
        self.token().rule
    }

    /// The matched text.
    pub(super) fn as_str(&self) -> &'t str {
        let t = self.token();
        &self.text[t.start..t.end]
    }

    /// Where the match starts in the phrase (bytes).
    pub(super) fn start(&self) -> usize {
        self.token().start
    }

    /// Where the match ends in the phrase (bytes).
    pub(super) fn end(&self) -> usize {
        self.token().end
    }

    /// The direct children, in order.
    pub(super) fn children(&self) -> impl Iterator<Item = Pair<'t>> + 't {
        let (text, tokens) = (self.text, self.tokens);
        let end = self.token().next;
        let mut at = self.index + 1;
        std::iter::from_fn(move || {
            if at >= end {
                return None;
            }
            let pair = Pair {
                text,
                tokens,
                index: at,
            };
            at = tokens[at].next;
            Some(pair)
        })
    }

    /// Every node below this one, in pre-order.
    pub(super) fn descendants(&self) -> impl Iterator<Item = Pair<'t>> + 't {
        let (text, tokens) = (self.text, self.tokens);
        (self.index + 1..self.token().next).map(move |index| Pair {
            text,
            tokens,
            index,
        })
    }
}
