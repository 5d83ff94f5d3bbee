//! Task arguments are owned values: the scheduler keeps each parameter and hands every
//! run its own clone (a `process` child decodes its own copy), so nothing outlives the
//! call to borrow from. A reference or a lifetime in an argument type is therefore
//! refused here, on the type, with its owned form, instead of surfacing later as a serde
//! "not general enough" or a `'static` error about generated code.

use quote::ToTokens;
use syn::{GenericArgument, Lifetime, PathArguments, Type, TypeReference};

/// The first borrow in `ty`: a reference, or a lifetime other than `'static`. Types
/// inside `fn(…)` pointers and `Fn(…)` bounds do not count: those are owned values.
pub(crate) fn borrow(ty: &Type) -> Option<&dyn ToTokens> {
    match ty {
        Type::Reference(reference) => Some(reference),
        Type::Array(array) => borrow(&array.elem),
        Type::Slice(slice) => borrow(&slice.elem),
        Type::Group(group) => borrow(&group.elem),
        Type::Paren(paren) => borrow(&paren.elem),
        Type::Ptr(ptr) => borrow(&ptr.elem),
        Type::Tuple(tuple) => tuple.elems.iter().find_map(borrow),
        Type::Path(path) => {
            path.path
                .segments
                .iter()
                .find_map(|segment| match &segment.arguments {
                    PathArguments::AngleBracketed(args) => {
                        args.args.iter().find_map(|arg| match arg {
                            GenericArgument::Type(inner) => borrow(inner),
                            GenericArgument::Lifetime(lifetime) if !is_static(lifetime) => {
                                Some(lifetime as &dyn ToTokens)
                            }
                            _ => None,
                        })
                    }
                    _ => None,
                })
        }
        Type::TraitObject(object) => object.bounds.iter().find_map(|bound| match bound {
            syn::TypeParamBound::Lifetime(lifetime) if !is_static(lifetime) => {
                Some(lifetime as &dyn ToTokens)
            }
            _ => None,
        }),
        _ => None,
    }
}

fn is_static(lifetime: &Lifetime) -> bool {
    lifetime.ident == "static"
}

/// The owned form of `ty` as the user would write it (`&str` → `String`, `Vec<&str>` →
/// `Vec<String>`, `&[u8]` → `Vec<u8>`), or `None` when a lifetime parameter of some other
/// type leaves no obvious owned form.
pub(crate) fn owned(ty: &Type) -> Option<String> {
    let text = match ty {
        Type::Reference(reference) => return owned_referent(reference),
        Type::Array(array) => format!("[{}; {}]", owned(&array.elem)?, text(&array.len)),
        Type::Slice(slice) => format!("[{}]", owned(&slice.elem)?),
        Type::Group(group) => owned(&group.elem)?,
        Type::Paren(paren) => format!("({})", owned(&paren.elem)?),
        Type::Tuple(tuple) => {
            let elems: Option<Vec<String>> = tuple.elems.iter().map(owned).collect();
            let elems = elems?;
            if elems.len() == 1 {
                format!("({},)", elems[0])
            } else {
                format!("({})", elems.join(", "))
            }
        }
        Type::Path(path) if path.qself.is_none() => {
            let mut segments = Vec::new();
            for segment in &path.path.segments {
                let mut written = segment.ident.to_string();
                if let PathArguments::AngleBracketed(args) = &segment.arguments {
                    if segment.ident == "Cow" {
                        // `Cow<'_, str>` owns as `String`, like `&str`.
                        let inner = args.args.iter().find_map(|arg| match arg {
                            GenericArgument::Type(inner) => Some(inner),
                            _ => None,
                        })?;
                        return owned_of_unsized(inner);
                    }
                    let mut parts = Vec::new();
                    for arg in &args.args {
                        match arg {
                            GenericArgument::Type(inner) => parts.push(owned(inner)?),
                            GenericArgument::Lifetime(lifetime) if is_static(lifetime) => {
                                parts.push(text(lifetime));
                            }
                            GenericArgument::Lifetime(_) => return None,
                            other => parts.push(text(other)),
                        }
                    }
                    written.push_str(&format!("<{}>", parts.join(", ")));
                } else if !segment.arguments.is_empty() {
                    written.push_str(&text(&segment.arguments));
                }
                segments.push(written);
            }
            let leading = if path.path.leading_colon.is_some() {
                "::"
            } else {
                ""
            };
            format!("{leading}{}", segments.join("::"))
        }
        Type::TraitObject(_) if borrow(ty).is_some() => return None,
        other => text(other),
    };
    Some(text)
}

/// The owned form of what `reference` points to.
fn owned_referent(reference: &TypeReference) -> Option<String> {
    owned_of_unsized(&reference.elem)
}

/// The owned form of a borrowed `ty`: the owning type of `str`, `[T]`, `Path`, `OsStr`
/// and `CStr`, else `ty`'s own owned form.
fn owned_of_unsized(ty: &Type) -> Option<String> {
    if let Type::Slice(slice) = ty {
        return Some(format!("Vec<{}>", owned(&slice.elem)?));
    }
    if let Type::Path(path) = ty {
        if path.qself.is_none() && path.path.segments.len() == 1 {
            let name = path.path.segments[0].ident.to_string();
            let owner = match name.as_str() {
                "str" => Some("String"),
                "Path" => Some("PathBuf"),
                "OsStr" => Some("OsString"),
                "CStr" => Some("CString"),
                _ => None,
            };
            if let Some(owner) = owner {
                return Some(owner.to_owned());
            }
        }
    }
    owned(ty)
}

/// Tokens as a person writes them: `Vec<String>`, not `Vec < String >`.
pub(crate) fn text(tokens: &dyn ToTokens) -> String {
    let mut out = tokens.to_token_stream().to_string();
    for (from, to) in [
        (" < ", "<"),
        ("< ", "<"),
        (" <", "<"),
        (" >", ">"),
        (" :: ", "::"),
        (":: ", "::"),
        (" ,", ","),
        ("& ", "&"),
        ("[ ", "["),
        (" ]", "]"),
        ("( ", "("),
        (" )", ")"),
        (" ;", ";"),
        ("' ", "'"),
    ] {
        out = out.replace(from, to);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ty(text: &str) -> Type {
        syn::parse_str(text).unwrap_or_else(|e| panic!("{text}: {e}"))
    }

    #[test]
    fn borrows_are_found_anywhere() {
        for borrowed in [
            "&str",
            "&'static str",
            "Vec<&str>",
            "Option<Vec<&'static [u8]>>",
            "(u8, &String)",
            "Cow<'a, str>",
            "HashMap<String, &mut u32>",
            "Box<dyn Display + 'a>",
            "[&str; 2]",
        ] {
            assert!(borrow(&ty(borrowed)).is_some(), "{borrowed}");
        }
        for owned in [
            "String",
            "Vec<String>",
            "Cow<'static, str>",
            "Arc<dyn Fn(&str) -> usize + Send + Sync>",
            "fn(&str) -> bool",
            "Arc<dyn Any + Send + Sync + 'static>",
            "[u8; 4]",
        ] {
            assert!(borrow(&ty(owned)).is_none(), "{owned}");
        }
    }

    #[test]
    fn the_owned_form_is_what_a_person_would_write() {
        for (borrowed, owned_form) in [
            ("&str", "String"),
            ("&'static str", "String"),
            ("Vec<&str>", "Vec<String>"),
            ("&[u8]", "Vec<u8>"),
            ("&[&str]", "Vec<String>"),
            ("Option<&Path>", "Option<PathBuf>"),
            ("&mut Vec<u32>", "Vec<u32>"),
            ("(u8, &str)", "(u8, String)"),
            (
                "std::collections::HashMap<String, &str>",
                "std::collections::HashMap<String, String>",
            ),
            ("Cow<'_, str>", "String"),
            ("[&str; 2]", "[String; 2]"),
        ] {
            assert_eq!(
                owned(&ty(borrowed)).as_deref(),
                Some(owned_form),
                "{borrowed}"
            );
        }
        assert_eq!(owned(&ty("Wrapper<'a>")), None);
    }
}
