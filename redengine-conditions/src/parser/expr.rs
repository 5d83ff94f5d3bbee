//! The operator layer: a quote-aware scanner that cuts the input into
//! operators and phrases, and a recursive-descent parser over those tokens with an
//! explicit depth limit, so `((((…` can never overflow the stack.

use std::ops::Range;
use std::sync::Arc;

use super::phrase;
use crate::ast::Condition;
use crate::error::{ParseError, ParseErrorKind};

/// How many parentheses may nest. Deeper input is an error, not a stack overflow.
pub(crate) const MAX_DEPTH: usize = 100;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Not,
    And,
    Or,
    Open,
    Close,
}

impl Op {
    fn symbol(self) -> &'static str {
        match self {
            Op::Not => "~",
            Op::And => "&",
            Op::Or => "|",
            Op::Open => "(",
            Op::Close => ")",
        }
    }
}

#[derive(Debug, Clone)]
enum Token {
    Op(Op, usize),
    /// A phrase: its trimmed byte range and its index among the phrases.
    Phrase(Range<usize>, usize),
}

/// Cuts the input into tokens. Outside quotes `~ & | ( )` are operators; everything else
/// up to the next operator is one phrase, trimmed.
fn scan(input: &str) -> Vec<Token> {
    let bytes = input.as_bytes();
    let mut tokens = Vec::new();
    let mut phrases = 0;
    let mut phrase: Option<(usize, usize)> = None;
    let mut i = 0;
    let flush =
        |phrase: &mut Option<(usize, usize)>, tokens: &mut Vec<Token>, phrases: &mut usize| {
            if let Some((start, end)) = phrase.take() {
                tokens.push(Token::Phrase(start..end, *phrases));
                *phrases += 1;
            }
        };
    while i < bytes.len() {
        let b = bytes[i];
        let op = match b {
            b'~' => Some(Op::Not),
            b'&' => Some(Op::And),
            b'|' => Some(Op::Or),
            b'(' => Some(Op::Open),
            b')' => Some(Op::Close),
            _ => None,
        };
        if let Some(op) = op {
            flush(&mut phrase, &mut tokens, &mut phrases);
            tokens.push(Token::Op(op, i));
            i += 1;
            continue;
        }
        if b.is_ascii_whitespace() {
            i += 1;
            continue;
        }
        let mut end = i + 1;
        if b == b'\'' {
            // A quoted name: skip to the closing quote; `\'` and `\\` are escapes. An
            // unclosed quote runs to the end and the phrase parser reports it.
            while end < bytes.len() && bytes[end] != b'\'' {
                end += if bytes[end] == b'\\' { 2 } else { 1 };
            }
            end = (end + 1).min(bytes.len());
        } else {
            while !input.is_char_boundary(end) {
                end += 1;
            }
        }
        phrase = Some(match phrase {
            Some((start, _)) => (start, end),
            None => (i, end),
        });
        i = end;
    }
    flush(&mut phrase, &mut tokens, &mut phrases);
    tokens
}

/// Parses the whole input: every phrase on its own, then the operator structure.
pub(super) fn parse(input: &str) -> Result<Condition, Vec<ParseError>> {
    let tokens = scan(input);
    let mut errors = Vec::new();
    let mut phrases = Vec::new();
    let mut shared: Option<Arc<str>> = None;
    for token in &tokens {
        if let Token::Phrase(range, _) = token {
            // Each phrase is parsed on its own slice, so its errors copy only the
            // phrase; they are moved into one shared copy of the whole input.
            let text = &input[range.clone()];
            match phrase::phrase(text, 0, text.len()) {
                Ok(c) => phrases.push(c),
                Err(e) => {
                    let whole = shared.get_or_insert_with(|| Arc::from(input));
                    errors.extend(e.into_iter().map(|e| e.rebase(range.start, whole)));
                    phrases.push(Condition::False);
                }
            }
        }
    }
    let mut parser = Parser {
        input,
        tokens: &tokens,
        pos: 0,
        phrases: &mut phrases,
    };
    match parser.condition() {
        Ok(c) if errors.is_empty() => return Ok(c),
        Ok(_) => {}
        Err(e) => errors.push(e),
    }
    errors.sort_by_key(|e| e.span().start);
    Err(errors)
}

struct Parser<'a> {
    input: &'a str,
    tokens: &'a [Token],
    pos: usize,
    phrases: &'a mut Vec<Condition>,
}

impl Parser<'_> {
    fn err(&self, span: Range<usize>, msg: String, help: &str) -> ParseError {
        let e = ParseError::new(self.input, span, ParseErrorKind::Structure, msg);
        if help.is_empty() {
            e
        } else {
            e.with_help(help)
        }
    }

    fn empty(&self) -> ParseError {
        ParseError::new(
            self.input,
            0..self.input.len(),
            ParseErrorKind::Empty,
            "empty condition",
        )
        .with_help("write a condition such as `daily` or `true`")
    }

    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.pos)
    }

    fn prev(&self) -> Option<&Token> {
        self.pos.checked_sub(1).and_then(|i| self.tokens.get(i))
    }

    fn describe(&self, token: &Token) -> String {
        match token {
            Token::Op(op, _) => format!("`{}`", op.symbol()),
            Token::Phrase(range, _) => format!("`{}`", &self.input[range.clone()]),
        }
    }

    fn condition(&mut self) -> Result<Condition, ParseError> {
        if self.tokens.is_empty() {
            return Err(self.empty());
        }
        let c = self.or(0)?;
        if let Some(Token::Op(_, at)) = self.peek() {
            // `or` stops only at the end or at a `)`.
            return Err(self.err(
                *at..*at + 1,
                "unmatched `)`".into(),
                "remove it or add a matching `(`",
            ));
        }
        Ok(c)
    }

    fn or(&mut self, depth: usize) -> Result<Condition, ParseError> {
        let mut items = vec![self.and(depth)?];
        while let Some(Token::Op(Op::Or, _)) = self.peek() {
            self.pos += 1;
            items.push(self.and(depth)?);
        }
        Ok(join(items, Condition::Any))
    }

    fn and(&mut self, depth: usize) -> Result<Condition, ParseError> {
        let mut items = vec![self.unary(depth)?];
        loop {
            match self.peek() {
                Some(Token::Op(Op::And, _)) => {
                    self.pos += 1;
                    items.push(self.unary(depth)?);
                }
                Some(Token::Op(Op::Not, at)) => {
                    return Err(self.err(
                        *at..*at + 1,
                        "expected `&` or `|` before `~` (`~` is a prefix operator)".into(),
                        "write `& ~` or `| ~`, or remove the `~`",
                    ));
                }
                Some(token @ (Token::Op(Op::Open, _) | Token::Phrase(..))) => {
                    let (span, what) = match token {
                        Token::Op(_, at) => (*at..*at + 1, "`(`".to_owned()),
                        Token::Phrase(range, _) => (range.clone(), self.describe(token)),
                    };
                    let before = self.prev().map(|t| self.describe(t)).unwrap_or_default();
                    return Err(self.err(
                        span,
                        format!("expected `&` or `|` between {before} and {what}"),
                        "join conditions with `&` or `|`",
                    ));
                }
                _ => return Ok(join(items, Condition::All)),
            }
        }
    }

    fn unary(&mut self, depth: usize) -> Result<Condition, ParseError> {
        // `~` chains are counted, not recursed into: `~~x` is `x`.
        let mut negate = false;
        while let Some(Token::Op(Op::Not, _)) = self.peek() {
            negate = !negate;
            self.pos += 1;
        }
        let c = self.primary(depth)?;
        Ok(if negate { not(c) } else { c })
    }

    fn primary(&mut self, depth: usize) -> Result<Condition, ParseError> {
        let end = self.input.len();
        let prev = self.prev().cloned();
        let Some(token) = self.peek().cloned() else {
            return Err(match prev {
                Some(Token::Op(Op::Open, at)) => self.err(
                    at..at + 1,
                    "unclosed `(`".into(),
                    "add a condition and a closing `)`",
                ),
                Some(Token::Op(op, _)) => self.err(
                    end..end,
                    format!("expected a condition after `{}`", op.symbol()),
                    &format!("add a condition after `{}` or remove it", op.symbol()),
                ),
                _ => self.empty(),
            });
        };
        match token {
            Token::Phrase(_, index) => {
                self.pos += 1;
                Ok(std::mem::replace(
                    &mut self.phrases[index],
                    Condition::False,
                ))
            }
            Token::Op(Op::Open, at) => {
                if depth >= MAX_DEPTH {
                    return Err(ParseError::new(
                        self.input,
                        at..at + 1,
                        ParseErrorKind::TooDeep,
                        format!("parentheses nest more than {MAX_DEPTH} levels deep"),
                    )
                    .with_help("remove redundant parentheses or split the condition"));
                }
                self.pos += 1;
                if let Some(Token::Op(Op::Close, close)) = self.peek() {
                    return Err(self.err(
                        at..close + 1,
                        "empty parentheses".into(),
                        "put a condition inside the parentheses or remove them",
                    ));
                }
                let c = self.or(depth + 1)?;
                match self.peek() {
                    Some(Token::Op(Op::Close, _)) => {
                        self.pos += 1;
                        Ok(c)
                    }
                    _ => Err(self.err(at..at + 1, "unclosed `(`".into(), "add a matching `)`")),
                }
            }
            Token::Op(op @ (Op::And | Op::Or), at) => Err(match prev {
                Some(Token::Op(p @ (Op::And | Op::Or), _)) => {
                    let help = if p == op {
                        format!("remove one `{}`", op.symbol())
                    } else {
                        format!("remove `{}` or `{}`", p.symbol(), op.symbol())
                    };
                    self.err(
                        at..at + 1,
                        format!(
                            "expected a condition between `{}` and `{}`",
                            p.symbol(),
                            op.symbol()
                        ),
                        &help,
                    )
                }
                Some(Token::Op(Op::Not, _)) => self.err(
                    at..at + 1,
                    "expected a condition after `~`".into(),
                    "write the condition to negate after `~`",
                ),
                _ => self.err(
                    at..at + 1,
                    format!("expected a condition before `{}`", op.symbol()),
                    &format!("add a condition before `{}` or remove it", op.symbol()),
                ),
            }),
            Token::Op(Op::Close, at) => Err(match prev {
                Some(Token::Op(p @ (Op::And | Op::Or | Op::Not), _)) => self.err(
                    at..at + 1,
                    format!("expected a condition after `{}`", p.symbol()),
                    &format!("add a condition after `{}` or remove it", p.symbol()),
                ),
                _ => self.err(
                    at..at + 1,
                    "unmatched `)`".into(),
                    "remove it or add a matching `(`",
                ),
            }),
            // `unary` consumed every `~`.
            Token::Op(Op::Not, at) => Err(self.err(
                at..at + 1,
                "expected a condition after `~`".into(),
                "write the condition to negate after `~`",
            )),
        }
    }
}

/// `~c`, with `~~c` collapsing to `c`.
pub(crate) fn not(c: Condition) -> Condition {
    match c {
        Condition::Not(inner) => *inner,
        c => Condition::Not(Box::new(c)),
    }
}

/// Builds an n-ary `&`/`|`, flattening nested nodes of the same kind so that
/// `(a & b) & c` is `a & b & c`.
fn join(items: Vec<Condition>, make: fn(Vec<Condition>) -> Condition) -> Condition {
    if items.len() == 1 {
        return items.into_iter().next().unwrap_or(Condition::False);
    }
    let mut flat = Vec::with_capacity(items.len());
    for item in items {
        match (item, make(Vec::new())) {
            (Condition::All(inner), Condition::All(_))
            | (Condition::Any(inner), Condition::Any(_)) => flat.extend(inner),
            (item, _) => flat.push(item),
        }
    }
    make(flat)
}
