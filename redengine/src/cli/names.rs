//! Type names as the user wrote them: `std::any::type_name` spells `Vec<u32>` as
//! `alloc::vec::Vec<u32>`, and a user's `Pool` as `my_app::db::Pool`. The command line
//! shows the last segment of every path.

/// `alloc::vec::Vec<alloc::string::String>` → `Vec<String>`: every `a::b::` prefix of a
/// path is dropped.
pub(crate) fn short_type(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    // Where the identifier being copied started in `out`.
    let mut ident_start: Option<usize> = None;
    let mut chars = name.chars().peekable();
    while let Some(c) = chars.next() {
        if c == ':' && chars.peek() == Some(&':') {
            if let Some(start) = ident_start.take() {
                chars.next();
                out.truncate(start);
                continue;
            }
        }
        if c.is_alphanumeric() || c == '_' {
            ident_start.get_or_insert(out.len());
        } else {
            ident_start = None;
        }
        out.push(c);
    }
    out
}

/// Shortens the type names quoted in a message: each backtick span that contains `::`
/// and looks like a type (generic arguments, or a last segment in `UpperCamelCase`).
/// Other spans (`redengine::scheduler`, commands, conditions) are left as they are.
pub(crate) fn short_types_in(text: &str) -> String {
    let parts: Vec<&str> = text.split('`').collect();
    if parts.len() < 3 {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len());
    for (i, part) in parts.iter().enumerate() {
        if i > 0 {
            out.push('`');
        }
        // Odd parts are inside backticks (when the span is closed).
        if i % 2 == 1 && i + 1 < parts.len() && looks_like_type(part) {
            out.push_str(&short_type(part));
        } else {
            out.push_str(part);
        }
    }
    out
}

fn looks_like_type(span: &str) -> bool {
    if !span.contains("::") || span.contains(char::is_whitespace) && !span.contains(',') {
        return false;
    }
    let last = span.rsplit("::").next().unwrap_or_default();
    span.contains('<') || last.starts_with(|c: char| c.is_ascii_uppercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_lose_their_modules() {
        assert_eq!(short_type("alloc::vec::Vec<u32>"), "Vec<u32>");
        assert_eq!(
            short_type("core::option::Option<alloc::vec::Vec<alloc::string::String>>"),
            "Option<Vec<String>>"
        );
        assert_eq!(
            short_type("std::collections::hash::map::HashMap<alloc::string::String, u8>"),
            "HashMap<String, u8>"
        );
        assert_eq!(
            short_type("(u8, &my_app::Pool, [core::time::Duration; 2])"),
            "(u8, &Pool, [Duration; 2])"
        );
        assert_eq!(short_type("u32"), "u32");
        assert_eq!(short_type("()"), "()");
    }

    #[test]
    fn only_quoted_types_change() {
        assert_eq!(
            short_types_in("function returning `alloc::vec::Vec<u32>`"),
            "function returning `Vec<u32>`"
        );
        assert_eq!(
            short_types_in("`x` is a `alloc::string::String`, not `my::Pool` on `redengine::task`"),
            "`x` is a `String`, not `Pool` on `redengine::task`"
        );
        assert_eq!(
            short_types_in("command: `echo a::B c`"),
            "command: `echo a::B c`"
        );
        assert_eq!(short_types_in("odd ` alloc::X"), "odd ` alloc::X");
    }
}
