//! AttrValue → Attr.

use crate::dtype::type_attr;
use crate::proto::{AttrValue, NameAttrList, attr_value};
use crate::tensor_proto::{partial_shape, tensor};
use std::collections::BTreeMap;
use ward_graph::{Attr, Attrs, FuncRef};
use ward_tensor::{Budget, Error, Result};

pub fn attrs(map: &BTreeMap<String, AttrValue>, budget: &Budget, depth: usize) -> Result<Attrs> {
    map.iter()
        .map(|(name, value)| {
            convert(value, budget, depth)
                .map(|a| (name.clone(), a))
                .map_err(|e| e.with(ward_tensor::Frame::Note(format!("attribute '{name}'"))))
        })
        .collect()
}

/// Deepest nesting of function attributes inside attributes.
const MAX_ATTR_DEPTH: usize = 16;

fn func(f: &NameAttrList, budget: &Budget, depth: usize) -> Result<FuncRef> {
    if depth >= MAX_ATTR_DEPTH {
        return Err(Error::invalid_argument(
            "function attributes nest too deeply",
        ));
    }
    Ok(FuncRef {
        name: f.name.clone(),
        attrs: attrs(&f.attr, budget, depth.saturating_add(1))?,
    })
}

pub fn convert(value: &AttrValue, budget: &Budget, depth: usize) -> Result<Attr> {
    use attr_value::Value;
    let Some(v) = &value.value else {
        // An unset AttrValue is an empty list in TF's encoding.
        return Ok(Attr::IntList(Vec::new()));
    };
    Ok(match v {
        Value::S(s) => Attr::Str(s.clone()),
        Value::I(i) => Attr::Int(*i),
        Value::F(f) => Attr::Float(*f),
        Value::B(b) => Attr::Bool(*b),
        Value::Type(t) => Attr::Type(type_attr(*t)),
        Value::Shape(s) => Attr::Shape(partial_shape(s)?),
        Value::Tensor(t) => Attr::Tensor(tensor(t, budget)?),
        Value::Func(f) => Attr::Func(func(f, budget, depth)?),
        Value::Placeholder(p) => Attr::Placeholder(p.clone()),
        Value::List(list) => {
            // A list holds one kind; the first non-empty field decides.
            if !list.s.is_empty() {
                Attr::StrList(list.s.clone())
            } else if !list.i.is_empty() {
                Attr::IntList(list.i.clone())
            } else if !list.f.is_empty() {
                Attr::FloatList(list.f.clone())
            } else if !list.b.is_empty() {
                Attr::BoolList(list.b.clone())
            } else if !list.r#type.is_empty() {
                Attr::TypeList(list.r#type.iter().map(|&t| type_attr(t)).collect())
            } else if !list.shape.is_empty() {
                Attr::ShapeList(
                    list.shape
                        .iter()
                        .map(partial_shape)
                        .collect::<Result<_>>()?,
                )
            } else if !list.tensor.is_empty() {
                Attr::TensorList(
                    list.tensor
                        .iter()
                        .map(|t| tensor(t, budget))
                        .collect::<Result<_>>()?,
                )
            } else if !list.func.is_empty() {
                Attr::FuncList(
                    list.func
                        .iter()
                        .map(|f| func(f, budget, depth))
                        .collect::<Result<_>>()?,
                )
            } else {
                Attr::IntList(Vec::new())
            }
        }
    })
}
