//! Type-erased parameter and return values.
//!
//! Parameters flow between tasks whose types the scheduler cannot know statically (a
//! `#[param]` function in one module, the task that takes it in another), so values are
//! stored as `Arc<dyn Any + Send + Sync>` together with their type's identity and name. The
//! name is kept because every type mismatch is reported to a human. A value may also carry a
//! serializer captured at insertion time: the process executor sends values to a child
//! process and needs a way to encode them without knowing `T`.

use std::any::{Any, TypeId};
use std::fmt;
use std::sync::Arc;

/// The identity and printable name of a Rust type, const-constructible.
///
/// Generated code puts these into static definitions, so both parts are function
/// pointers (`TypeId::of` and `type_name` are not callable in a `const` context on stable).
#[derive(Clone, Copy)]
pub struct TypeInfo {
    id: fn() -> TypeId,
    name: fn() -> &'static str,
}

impl TypeInfo {
    /// The type information of `T`.
    pub const fn of<T: Any>() -> Self {
        TypeInfo {
            id: TypeId::of::<T>,
            name: std::any::type_name::<T>,
        }
    }

    /// The type's `TypeId`.
    pub fn id(&self) -> TypeId {
        (self.id)()
    }

    /// The type's name as `std::any::type_name` prints it (for messages).
    pub fn name(&self) -> &'static str {
        (self.name)()
    }

    /// Whether this is the type `T`.
    pub fn is<T: Any>(&self) -> bool {
        self.id() == TypeId::of::<T>()
    }
}

impl PartialEq for TypeInfo {
    fn eq(&self, other: &Self) -> bool {
        self.id() == other.id()
    }
}

impl Eq for TypeInfo {}

impl fmt::Debug for TypeInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Encodes a type-erased value as JSON; captured when the value is created from a
/// `T: Serialize`.
type SerializeFn = fn(&(dyn Any + Send + Sync)) -> Result<String, String>;

/// A type-erased, cheaply clonable value: a parameter or a task's return value.
#[derive(Clone)]
pub struct Value {
    inner: Arc<dyn Any + Send + Sync>,
    ty: TypeInfo,
    serialize: Option<SerializeFn>,
}

impl Value {
    /// Wraps any shareable value. It can be handed to `thread` and `main` tasks; a `process`
    /// task needs [`Value::serializable`].
    pub fn new<T: Any + Send + Sync>(value: T) -> Self {
        Value {
            inner: Arc::new(value),
            ty: TypeInfo::of::<T>(),
            serialize: None,
        }
    }

    /// Wraps a value that can also be sent to a child process (serialized as JSON).
    pub fn serializable<T: Any + Send + Sync + serde::Serialize>(value: T) -> Self {
        fn encode<T: Any + serde::Serialize>(
            any: &(dyn Any + Send + Sync),
        ) -> Result<String, String> {
            match any.downcast_ref::<T>() {
                Some(v) => serde_json::to_string(v).map_err(|e| e.to_string()),
                None => Err(format!("value is not a `{}`", std::any::type_name::<T>())),
            }
        }
        Value {
            inner: Arc::new(value),
            ty: TypeInfo::of::<T>(),
            serialize: Some(encode::<T>),
        }
    }

    /// The type of the wrapped value.
    pub fn type_info(&self) -> TypeInfo {
        self.ty
    }

    /// The name of the wrapped value's type.
    pub fn type_name(&self) -> &'static str {
        self.ty.name()
    }

    /// A reference to the value if it is a `T`.
    pub fn downcast_ref<T: Any>(&self) -> Option<&T> {
        self.inner.downcast_ref::<T>()
    }

    /// A clone of the value if it is a `T`.
    pub fn get<T: Any + Clone>(&self) -> Option<T> {
        self.downcast_ref::<T>().cloned()
    }

    /// The value as a string slice, if it is a `String` or a `&'static str`.
    ///
    /// The `env` and `param … is …` conditions compare string parameters only.
    pub fn as_str(&self) -> Option<&str> {
        if let Some(s) = self.downcast_ref::<String>() {
            return Some(s);
        }
        self.downcast_ref::<&'static str>().copied()
    }

    /// JSON encoding of the value: `None` when it was not created with
    /// [`Value::serializable`], `Some(Err)` when encoding failed.
    pub fn to_json(&self) -> Option<Result<String, String>> {
        self.serialize.map(|encode| encode(&*self.inner))
    }
}

impl fmt::Debug for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Value<{}>", self.type_name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_access_and_names() {
        let v = Value::new(vec!["me@example.com".to_string()]);
        assert_eq!(v.get::<Vec<String>>().map(|v| v.len()), Some(1));
        assert!(v.get::<String>().is_none());
        assert!(v.type_name().contains("Vec<alloc::string::String>"));
        assert!(v.to_json().is_none());
        assert_eq!(Value::new("x".to_string()).as_str(), Some("x"));
        assert_eq!(Value::new("y").as_str(), Some("y"));
    }

    #[test]
    fn serializable_values_encode() {
        let v = Value::serializable(vec![1, 2]);
        assert_eq!(v.to_json(), Some(Ok("[1,2]".to_string())));
        assert_eq!(TypeInfo::of::<u8>(), TypeInfo::of::<u8>());
        assert_ne!(TypeInfo::of::<u8>(), TypeInfo::of::<u16>());
    }
}
