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
///
/// A third function pointer says how to send values of the type to a process child
/// ([`Codec`]): `#[task]` fills it in for every argument and return type that implements
/// serde's `Serialize` and `DeserializeOwned`, [`TypeInfo::serde`] does for builder code.
/// It never takes part in equality.
#[derive(Clone, Copy)]
pub struct TypeInfo {
    id: fn() -> TypeId,
    name: fn() -> &'static str,
    codec: fn() -> Option<Codec>,
}

/// The codec of a type that has none.
fn no_codec() -> Option<Codec> {
    None
}

impl TypeInfo {
    /// The type information of `T` (values of it cannot cross to a process child).
    pub const fn of<T: Any>() -> Self {
        TypeInfo {
            id: TypeId::of::<T>,
            name: std::any::type_name::<T>,
            codec: no_codec,
        }
    }

    /// The type information of a serializable `T`: its values can be sent to and from a
    /// process child as JSON.
    pub const fn serde<T>() -> Self
    where
        T: Any + Send + Sync + serde::Serialize + serde::de::DeserializeOwned,
    {
        TypeInfo {
            id: TypeId::of::<T>,
            name: std::any::type_name::<T>,
            codec: Codec::some::<T>,
        }
    }

    /// The type information of `T` with a codec computed by `codec` (generated code picks
    /// it at compile time: `None` for types that are not serializable).
    pub const fn with_codec<T: Any>(codec: fn() -> Option<Codec>) -> Self {
        TypeInfo {
            id: TypeId::of::<T>,
            name: std::any::type_name::<T>,
            codec,
        }
    }

    /// Not public API: the type information of a type that generated code cannot name
    /// (`#[task]` finds a return type's kept value type on the concrete type, by trait
    /// dispatch), given by its three functions.
    #[doc(hidden)]
    pub const fn from_fns(
        id: fn() -> TypeId,
        name: fn() -> &'static str,
        codec: fn() -> Option<Codec>,
    ) -> Self {
        TypeInfo { id, name, codec }
    }

    /// How values of this type cross to a process child, if they can.
    pub fn codec(&self) -> Option<Codec> {
        (self.codec)()
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

/// Decodes JSON into a [`Value`] of a fixed type.
type DeserializeFn = fn(&str) -> Result<Value, String>;

/// How values of one type are sent to a process child and back: JSON through serde.
///
/// The process executor knows parameters only as type-erased [`Value`]s, so the codec is
/// captured where the concrete type is known: by `#[task]` for each argument and return
/// type, or by [`TypeInfo::serde`].
#[derive(Clone, Copy)]
pub struct Codec {
    encode: SerializeFn,
    decode: DeserializeFn,
}

impl Codec {
    /// The codec of `T`.
    pub fn of<T>() -> Codec
    where
        T: Any + Send + Sync + serde::Serialize + serde::de::DeserializeOwned,
    {
        fn decode<T: Any + Send + Sync + serde::de::DeserializeOwned>(
            json: &str,
        ) -> Result<Value, String> {
            serde_json::from_str::<T>(json)
                .map(Value::new)
                .map_err(|e| format!("cannot decode a `{}`: {e}", std::any::type_name::<T>()))
        }
        Codec {
            encode: encode::<T>,
            decode: decode::<T>,
        }
    }

    fn some<T>() -> Option<Codec>
    where
        T: Any + Send + Sync + serde::Serialize + serde::de::DeserializeOwned,
    {
        Some(Codec::of::<T>())
    }

    /// The JSON text of `value`; an error when it is not of this codec's type or serde
    /// refuses it (e.g. a map with non-string keys).
    pub fn encode(&self, value: &Value) -> Result<String, String> {
        (self.encode)(&*value.inner)
    }

    /// The value encoded in `json`.
    pub fn decode(&self, json: &str) -> Result<Value, String> {
        (self.decode)(json)
    }
}

impl fmt::Debug for Codec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Codec")
    }
}

/// JSON encoding of a type-erased `T`.
fn encode<T: Any + serde::Serialize>(any: &(dyn Any + Send + Sync)) -> Result<String, String> {
    match any.downcast_ref::<T>() {
        Some(v) => serde_json::to_string(v)
            .map_err(|e| format!("cannot encode a `{}`: {e}", std::any::type_name::<T>())),
        None => Err(format!("value is not a `{}`", std::any::type_name::<T>())),
    }
}

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

    /// Wraps a value that can also be sent to a child process (serialized as JSON). Its
    /// [`TypeInfo`] carries the type's [`Codec`], so a task parameter set from it declares
    /// an argument a process child can decode.
    pub fn serializable<T>(value: T) -> Self
    where
        T: Any + Send + Sync + serde::Serialize + serde::de::DeserializeOwned,
    {
        Value {
            inner: Arc::new(value),
            ty: TypeInfo::serde::<T>(),
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

/// Picks a type's [`Codec`] at compile time in generated code, without requiring serde.
///
/// `(&Probe::<T>::new()).codec()` resolves to [`ViaSerde::codec`] when `T` is
/// serializable and to [`ViaNothing::codec`] otherwise (autoref specialization: the
/// by-value impl is tried before the by-reference one). It works because `#[task]` names
/// concrete types; tasks whose execution is not spelled out as `process` therefore compile
/// with any types, and a value that cannot cross becomes a pre-run failure at dispatch.
#[doc(hidden)]
pub struct Probe<T>(std::marker::PhantomData<fn() -> T>);

impl<T> Probe<T> {
    /// A probe for `T`.
    pub const fn new() -> Self {
        Probe(std::marker::PhantomData)
    }
}

impl<T> Default for Probe<T> {
    fn default() -> Self {
        Probe::new()
    }
}

/// The serializable branch of [`Probe`].
#[doc(hidden)]
pub trait ViaSerde {
    /// `Some(codec)`.
    fn codec(&self) -> Option<Codec>;
}

impl<T> ViaSerde for Probe<T>
where
    T: Any + Send + Sync + serde::Serialize + serde::de::DeserializeOwned,
{
    fn codec(&self) -> Option<Codec> {
        Some(Codec::of::<T>())
    }
}

/// The fallback branch of [`Probe`].
#[doc(hidden)]
pub trait ViaNothing {
    /// `None`.
    fn codec(&self) -> Option<Codec>;
}

impl<T> ViaNothing for &Probe<T> {
    fn codec(&self) -> Option<Codec> {
        None
    }
}

/// What the argument and return types of a `#[task(execution = "process")]` must be:
/// serde's `Serialize` and `DeserializeOwned`, checked at compile time.
#[doc(hidden)]
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be sent to or from a process task's child process",
    label = "this type must implement `serde::Serialize` and `serde::de::DeserializeOwned`",
    note = "values of `execution = \"process\"` tasks cross to the child as JSON: derive `serde::Serialize` and `serde::Deserialize` for it, or use `execution = \"thread\"`"
)]
pub trait ProcessValue {}

impl<T: serde::Serialize + serde::de::DeserializeOwned> ProcessValue for T {}

/// Compile-time check emitted by `#[task(execution = "process")]` for each type that
/// crosses the process boundary.
#[doc(hidden)]
pub const fn assert_process_value<T: ProcessValue>() {}

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
    fn codecs_round_trip_and_never_affect_equality() {
        let ty = TypeInfo::serde::<Vec<u32>>();
        assert_eq!(ty, TypeInfo::of::<Vec<u32>>());
        assert!(TypeInfo::of::<Vec<u32>>().codec().is_none());
        let codec = ty.codec().expect("serde types have a codec");
        let json = codec.encode(&Value::new(vec![1_u32, 2])).unwrap();
        assert_eq!(json, "[1,2]");
        assert_eq!(
            codec.decode(&json).unwrap().get::<Vec<u32>>(),
            Some(vec![1, 2])
        );
        let wrong = codec.encode(&Value::new("x")).unwrap_err();
        assert!(wrong.contains("Vec<u32>"), "{wrong}");
        let bad = codec.decode("{").unwrap_err();
        assert!(bad.contains("cannot decode"), "{bad}");
    }

    #[test]
    #[allow(clippy::needless_borrow)] // the borrow is the point: autoref picks the impl
    fn the_probe_finds_codecs_of_serializable_types_only() {
        struct Opaque;
        assert!((&Probe::<Vec<String>>::new()).codec().is_some());
        assert!((&Probe::<Opaque>::new()).codec().is_none());
        let _ = Opaque;
    }

    #[test]
    fn serializable_values_encode() {
        let v = Value::serializable(vec![1, 2]);
        assert_eq!(v.to_json(), Some(Ok("[1,2]".to_string())));
        assert_eq!(TypeInfo::of::<u8>(), TypeInfo::of::<u8>());
        assert_ne!(TypeInfo::of::<u8>(), TypeInfo::of::<u16>());
    }
}
