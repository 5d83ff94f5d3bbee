//! Reading the shape of a written type. Macros see tokens, not resolved types, so these
//! look at how a type is spelled (`Option<T>`, `Result<T, E>`, `std::option::Option<T>`),
//! which is what the generated code's behaviour depends on.

use syn::{GenericArgument, PathArguments, PathSegment, ReturnType, Type};

/// The last path segment of a path type (`TerminationFlag` of
/// `redengine::TerminationFlag`), which names the type as the user wrote it.
pub(crate) fn last_segment(ty: &Type) -> Option<&PathSegment> {
    match ty {
        Type::Path(path) => path.path.segments.last(),
        _ => None,
    }
}

/// The first type argument of `ty` when `ty` is written `Wrapper<T, …>` (by its last path
/// segment, so `std::option::Option<T>` counts as `Option`).
pub(crate) fn first_type_arg<'a>(ty: &'a Type, wrapper: &str) -> Option<&'a Type> {
    if matches!(ty, Type::Path(path) if path.qself.is_some()) {
        return None;
    }
    let last = last_segment(ty)?;
    if last.ident != wrapper {
        return None;
    }
    let PathArguments::AngleBracketed(args) = &last.arguments else {
        return None;
    };
    match args.args.first()? {
        GenericArgument::Type(inner) => Some(inner),
        _ => None,
    }
}

/// `Some(T)` when `ty` is written `Option<T>`.
pub(crate) fn option_inner(ty: &Type) -> Option<&Type> {
    first_type_arg(ty, "Option")
}

/// `Some(T)` when the function returns a type written `Result<T, …>`.
pub(crate) fn result_ok_type(output: &ReturnType) -> Option<&Type> {
    match output {
        ReturnType::Type(_, ty) => first_type_arg(ty, "Result"),
        ReturnType::Default => None,
    }
}
