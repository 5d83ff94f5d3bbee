//! The machinery under the phrase grammar: a cursor over one phrase, the parse tree it
//! builds, and the bookkeeping of the furthest failure that error messages are made from.
//!
//! The grammar (`grammar.rs`) is a parsing expression grammar written as Rust functions:
//! ordered choice is `||`, sequence is `&&`, and every rule function goes through
//! [`State::rule`] (or [`State::atomic_rule`] for a rule that is one token). A failed
//! rule or sequence puts the cursor back where it started, so a choice tries its next
//! alternative from the same place.
//!
//! Error messages list what was expected where the parse got furthest. Which rules count
//! as "expected" follows a few rules of thumb that make the lists short and precise
//! (they are the ones the `diagnose.rs` messages were written against):
//! - only named rules are reported, never the characters inside them;
//! - inside an atomic rule (a keyword, a duration, a cron field) nothing is reported but
//!   the atomic rule itself;
//! - only the furthest position counts: a failure further on replaces the list;
//! - a rule that failed where it started reports itself, unless exactly one of its
//!   children failed there: then that child is the more precise answer ("expected
//!   `daily`" rather than "expected a frequency").

use super::rule::Rule;

/// One node of the parse tree: a rule that matched `start..end` of the phrase. Tokens are
/// stored in pre-order; a node's children are the tokens up to `next`.
#[derive(Clone, Copy, Debug)]
pub(super) struct Token {
    pub(super) rule: Rule,
    pub(super) start: usize,
    pub(super) end: usize,
    /// The index just past this node's subtree.
    pub(super) next: usize,
}

/// Why a phrase did not parse: the furthest byte position reached and the rules that
/// could have continued there, sorted in [`Rule`] order and deduplicated.
#[derive(Debug)]
pub(super) struct Failure {
    pub(super) pos: usize,
    pub(super) positives: Vec<Rule>,
}

/// The cursor, the tree built so far and the furthest failure.
pub(super) struct State<'i> {
    input: &'i str,
    pos: usize,
    /// Inside an atomic rule: inner rules neither build nodes nor report failures.
    atomic: bool,
    /// Whether failures are noted (only when explaining a failed phrase).
    tracking: bool,
    /// The furthest position where a rule failed, and the rules that failed there.
    attempt_pos: usize,
    positives: Vec<Rule>,
    tokens: Vec<Token>,
}

impl<'i> State<'i> {
    /// Runs `top` on the whole of `input`; it succeeds only if `top` does.
    ///
    /// The bookkeeping of failures is only needed to explain one, and most phrases
    /// parse: the first run keeps none, and a phrase that fails is parsed again with it
    /// (the grammar's path does not depend on it, so the second run fails the same way).
    pub(super) fn run(
        input: &'i str,
        top: fn(&mut State<'i>) -> bool,
    ) -> Result<Vec<Token>, Failure> {
        let mut state = State::new(input, false);
        if top(&mut state) {
            return Ok(state.tokens);
        }
        let mut state = State::new(input, true);
        let _failed = top(&mut state);
        let mut positives = state.positives;
        positives.sort_unstable();
        positives.dedup();
        Err(Failure {
            pos: state.attempt_pos,
            positives,
        })
    }

    fn new(input: &'i str, tracking: bool) -> Self {
        State {
            input,
            pos: 0,
            atomic: false,
            tracking,
            attempt_pos: 0,
            positives: Vec::new(),
            tokens: Vec::with_capacity(32),
        }
    }

    /// A named rule: records a node for it when it matches, reports it when it fails.
    pub(super) fn rule(&mut self, rule: Rule, body: impl FnOnce(&mut Self) -> bool) -> bool {
        let start = self.pos;
        let index = self.tokens.len();
        let before = self.attempts_at(start);
        let record = !self.atomic;
        if record {
            self.tokens.push(Token {
                rule,
                start,
                end: start,
                next: 0,
            });
        }
        if body(self) {
            if record {
                let next = self.tokens.len();
                let token = &mut self.tokens[index];
                token.end = self.pos;
                token.next = next;
            }
            return true;
        }
        self.track(rule, start, before);
        self.tokens.truncate(index);
        self.pos = start;
        false
    }

    /// An atomic rule (a keyword, a value): one node, whatever rules its body uses.
    /// The same as `rule(rule, |p| p.atomic(body))`, with the node recorded only once the
    /// body has matched, which spares the keywords a choice tries in vain.
    pub(super) fn atomic_rule(&mut self, rule: Rule, body: impl FnOnce(&mut Self) -> bool) -> bool {
        let start = self.pos;
        let before = self.attempts_at(start);
        if self.atomic(body) {
            if !self.atomic {
                let next = self.tokens.len() + 1;
                self.tokens.push(Token {
                    rule,
                    start,
                    end: self.pos,
                    next,
                });
            }
            return true;
        }
        self.track(rule, start, before);
        self.pos = start;
        false
    }

    /// An atomic rule's body: the rules inside it are details of one token.
    fn atomic(&mut self, body: impl FnOnce(&mut Self) -> bool) -> bool {
        let outer = std::mem::replace(&mut self.atomic, true);
        let matched = body(self);
        self.atomic = outer;
        matched
    }

    /// A sequence inside a choice, an option or a repetition: all or nothing.
    pub(super) fn seq(&mut self, body: impl FnOnce(&mut Self) -> bool) -> bool {
        let (pos, len) = (self.pos, self.tokens.len());
        if body(self) {
            return true;
        }
        self.pos = pos;
        self.tokens.truncate(len);
        false
    }

    /// `body?`: always succeeds.
    pub(super) fn opt(&mut self, body: impl FnOnce(&mut Self) -> bool) -> bool {
        self.seq(body);
        true
    }

    /// `body*`: as many times as it matches (and makes progress); always succeeds.
    pub(super) fn repeat(&mut self, mut body: impl FnMut(&mut Self) -> bool) -> bool {
        loop {
            let pos = self.pos;
            if !self.seq(&mut body) || self.pos == pos {
                return true;
            }
        }
    }

    /// Notes a failed `rule` that started at `pos`, where `before` failures were noted
    /// when it started (the ones noted since are its children's).
    fn track(&mut self, rule: Rule, pos: usize, before: usize) {
        if self.atomic || !self.tracking {
            return;
        }
        // Exactly one child failed here: it is the more precise answer.
        let now = self.attempts_at(pos);
        if now == before + 1 {
            return;
        }
        if pos == self.attempt_pos {
            // Several children (or none) failed here: the rule replaces them.
            self.positives.truncate(before);
        }
        if pos > self.attempt_pos {
            self.positives.clear();
            self.attempt_pos = pos;
        }
        if pos == self.attempt_pos {
            self.positives.push(rule);
        }
    }

    /// How many failures are noted at `pos` (0 unless it is the furthest position).
    fn attempts_at(&self, pos: usize) -> usize {
        if self.attempt_pos == pos {
            self.positives.len()
        } else {
            0
        }
    }

    /// The text from the cursor on.
    pub(super) fn rest(&self) -> &'i str {
        &self.input[self.pos..]
    }

    /// Matches `text` exactly.
    pub(super) fn text(&mut self, text: &str) -> bool {
        // The first byte rules out most of the keywords a choice tries.
        let rest = self.rest().as_bytes();
        let matched = match text.as_bytes().first() {
            Some(first) => rest.first() == Some(first) && rest.starts_with(text.as_bytes()),
            None => true,
        };
        if matched {
            self.pos += text.len();
        }
        matched
    }

    /// Matches `text` ignoring ASCII case.
    pub(super) fn text_ignoring_case(&mut self, text: &str) -> bool {
        let rest = self.rest().as_bytes();
        let matched =
            rest.len() >= text.len() && rest[..text.len()].eq_ignore_ascii_case(text.as_bytes());
        if matched {
            self.pos += text.len();
        }
        matched
    }

    /// Matches one ASCII character that satisfies `class`. (A byte below 0x80 is never
    /// part of a longer UTF-8 character, so testing bytes is testing characters.)
    pub(super) fn ascii(&mut self, class: impl Fn(u8) -> bool) -> bool {
        let matched = self
            .rest()
            .as_bytes()
            .first()
            .is_some_and(|&b| b.is_ascii() && class(b));
        if matched {
            self.pos += 1;
        }
        matched
    }

    /// `class+` over ASCII characters.
    pub(super) fn ascii_run(&mut self, class: impl Fn(u8) -> bool) -> bool {
        let start = self.pos;
        while self.ascii(&class) {}
        self.pos > start
    }

    /// Matches any one character.
    pub(super) fn any(&mut self) -> bool {
        match self.rest().chars().next() {
            Some(c) => {
                self.pos += c.len_utf8();
                true
            }
            None => false,
        }
    }

    /// Whether the next character is `class` (a lookahead: nothing is consumed).
    pub(super) fn peek(&self, class: impl Fn(u8) -> bool) -> bool {
        self.rest()
            .as_bytes()
            .first()
            .is_some_and(|&b| b.is_ascii() && class(b))
    }

    /// Whether the whole phrase has been consumed.
    pub(super) fn at_end(&self) -> bool {
        self.pos == self.input.len()
    }
}
