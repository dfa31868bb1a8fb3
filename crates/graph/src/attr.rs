//! Node attributes, as TensorFlow's AttrValue holds them.

use std::collections::BTreeMap;
use std::fmt;
use ward_tensor::{DType, Error, Result, Tensor};

/// A TensorFlow type as it appears in a `type` attribute: ward's data types,
/// plus the handle types and anything else kept by its TF enum number so the
/// scanner can still see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TypeAttr {
    Data(DType),
    Resource,
    Variant,
    /// A TF type ward cannot hold (complex, quantized, ...), by enum number.
    Other(i32),
}

impl fmt::Display for TypeAttr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TypeAttr::Data(d) => write!(f, "{d}"),
            TypeAttr::Resource => f.write_str("resource"),
            TypeAttr::Variant => f.write_str("variant"),
            TypeAttr::Other(n) => write!(f, "tf-type-{n}"),
        }
    }
}

/// A shape that may be partly unknown: `None` rank means unknown rank,
/// `None` dim means unknown size.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct PartialShape(pub Option<Vec<Option<usize>>>);

impl PartialShape {
    pub fn unknown() -> Self {
        PartialShape(None)
    }
    pub fn known(dims: &[usize]) -> Self {
        PartialShape(Some(dims.iter().map(|&d| Some(d)).collect()))
    }
    pub fn rank(&self) -> Option<usize> {
        self.0.as_ref().map(Vec::len)
    }
    /// The full shape when every dim is known.
    pub fn concrete(&self) -> Option<Vec<usize>> {
        self.0.as_ref()?.iter().copied().collect()
    }
    pub fn dims(&self) -> Option<&[Option<usize>]> {
        self.0.as_deref()
    }
    /// Whether a concrete shape is compatible with this one.
    pub fn accepts(&self, dims: &[usize]) -> bool {
        match &self.0 {
            None => true,
            Some(expected) => {
                expected.len() == dims.len()
                    && expected
                        .iter()
                        .zip(dims)
                        .all(|(e, d)| e.is_none_or(|e| e == *d))
            }
        }
    }
}

impl fmt::Display for PartialShape {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            None => f.write_str("<unknown>"),
            Some(dims) => {
                f.write_str("(")?;
                for (i, d) in dims.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    match d {
                        Some(d) => write!(f, "{d}")?,
                        None => f.write_str("-1")?,
                    }
                }
                if dims.len() == 1 {
                    f.write_str(",")?;
                }
                f.write_str(")")
            }
        }
    }
}

/// A reference to a library function with bound attributes.
#[derive(Debug, Clone, PartialEq)]
pub struct FuncRef {
    pub name: String,
    pub attrs: Attrs,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Attr {
    Int(i64),
    Float(f32),
    Bool(bool),
    Type(TypeAttr),
    Shape(PartialShape),
    Tensor(Tensor),
    Str(Vec<u8>),
    Func(FuncRef),
    /// A function-body attribute bound at call time (`$T`).
    Placeholder(String),
    IntList(Vec<i64>),
    FloatList(Vec<f32>),
    BoolList(Vec<bool>),
    TypeList(Vec<TypeAttr>),
    ShapeList(Vec<PartialShape>),
    TensorList(Vec<Tensor>),
    StrList(Vec<Vec<u8>>),
    FuncList(Vec<FuncRef>),
}

impl Attr {
    pub fn kind(&self) -> &'static str {
        match self {
            Attr::Int(_) => "int",
            Attr::Float(_) => "float",
            Attr::Bool(_) => "bool",
            Attr::Type(_) => "type",
            Attr::Shape(_) => "shape",
            Attr::Tensor(_) => "tensor",
            Attr::Str(_) => "string",
            Attr::Func(_) => "func",
            Attr::Placeholder(_) => "placeholder",
            Attr::IntList(_) => "list(int)",
            Attr::FloatList(_) => "list(float)",
            Attr::BoolList(_) => "list(bool)",
            Attr::TypeList(_) => "list(type)",
            Attr::ShapeList(_) => "list(shape)",
            Attr::TensorList(_) => "list(tensor)",
            Attr::StrList(_) => "list(string)",
            Attr::FuncList(_) => "list(func)",
        }
    }

    /// Every function this attribute references.
    pub fn funcs(&self) -> Vec<&FuncRef> {
        match self {
            Attr::Func(f) => vec![f],
            Attr::FuncList(fs) => fs.iter().collect(),
            _ => Vec::new(),
        }
    }
}

/// Attributes by name, in a stable order.
pub type Attrs = BTreeMap<String, Attr>;

fn wrong_kind(name: &str, want: &str, got: Option<&Attr>) -> Error {
    match got {
        None => Error::invalid_argument(format!("missing attribute '{name}' ({want})")),
        Some(a) => Error::invalid_argument(format!(
            "attribute '{name}' must be {want} but holds {}",
            a.kind()
        )),
    }
}

/// Typed attribute lookup with errors that name the attribute.
pub trait AttrsExt {
    fn get_attr(&self, name: &str) -> Option<&Attr>;

    fn int(&self, name: &str) -> Result<i64> {
        match self.get_attr(name) {
            Some(Attr::Int(v)) => Ok(*v),
            other => Err(wrong_kind(name, "an int", other)),
        }
    }
    fn int_or(&self, name: &str, default: i64) -> Result<i64> {
        match self.get_attr(name) {
            None => Ok(default),
            _ => self.int(name),
        }
    }
    fn float_or(&self, name: &str, default: f32) -> Result<f32> {
        match self.get_attr(name) {
            None => Ok(default),
            Some(Attr::Float(v)) => Ok(*v),
            other => Err(wrong_kind(name, "a float", other)),
        }
    }
    fn bool_or(&self, name: &str, default: bool) -> Result<bool> {
        match self.get_attr(name) {
            None => Ok(default),
            Some(Attr::Bool(v)) => Ok(*v),
            other => Err(wrong_kind(name, "a bool", other)),
        }
    }
    fn type_attr(&self, name: &str) -> Result<TypeAttr> {
        match self.get_attr(name) {
            Some(Attr::Type(t)) => Ok(*t),
            other => Err(wrong_kind(name, "a type", other)),
        }
    }
    /// A type attribute that must be one of ward's data types.
    fn dtype(&self, name: &str) -> Result<DType> {
        match self.type_attr(name)? {
            TypeAttr::Data(d) => Ok(d),
            other => Err(Error::unimplemented(format!(
                "attribute '{name}' is {other}, which ward does not support here"
            ))),
        }
    }
    fn dtype_or(&self, name: &str, default: DType) -> Result<DType> {
        match self.get_attr(name) {
            None => Ok(default),
            _ => self.dtype(name),
        }
    }
    fn str_or(&self, name: &str, default: &str) -> Result<String> {
        match self.get_attr(name) {
            None => Ok(default.to_string()),
            Some(Attr::Str(s)) => String::from_utf8(s.clone())
                .map_err(|_| Error::invalid_argument(format!("attribute '{name}' is not UTF-8"))),
            other => Err(wrong_kind(name, "a string", other)),
        }
    }
    fn ints_or(&self, name: &str, default: &[i64]) -> Result<Vec<i64>> {
        match self.get_attr(name) {
            None => Ok(default.to_vec()),
            Some(Attr::IntList(v)) => Ok(v.clone()),
            other => Err(wrong_kind(name, "a list of ints", other)),
        }
    }
    fn types(&self, name: &str) -> Result<Vec<TypeAttr>> {
        match self.get_attr(name) {
            Some(Attr::TypeList(v)) => Ok(v.clone()),
            // An empty list carries no element kind on the wire.
            Some(Attr::IntList(v)) if v.is_empty() => Ok(Vec::new()),
            other => Err(wrong_kind(name, "a list of types", other)),
        }
    }
    fn shape_attr(&self, name: &str) -> Result<Option<PartialShape>> {
        match self.get_attr(name) {
            None => Ok(None),
            Some(Attr::Shape(s)) => Ok(Some(s.clone())),
            other => Err(wrong_kind(name, "a shape", other)),
        }
    }
    fn tensor(&self, name: &str) -> Result<&Tensor>;
    fn func(&self, name: &str) -> Result<&FuncRef>;
}

impl AttrsExt for Attrs {
    fn get_attr(&self, name: &str) -> Option<&Attr> {
        self.get(name)
    }
    fn tensor(&self, name: &str) -> Result<&Tensor> {
        match self.get(name) {
            Some(Attr::Tensor(t)) => Ok(t),
            other => Err(wrong_kind(name, "a tensor", other)),
        }
    }
    fn func(&self, name: &str) -> Result<&FuncRef> {
        match self.get(name) {
            Some(Attr::Func(f)) => Ok(f),
            other => Err(wrong_kind(name, "a function", other)),
        }
    }
}
