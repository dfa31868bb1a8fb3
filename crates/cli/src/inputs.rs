//! `--inputs 'key=x.npy;key2=y.npz[name]'` and `--input_exprs 'key=[[1,2]]'`,
//! as saved_model_cli takes them.

use crate::Failure;
use std::path::PathBuf;
use ward_tensor::npy::{read_file_capped, read_npy, read_npz};
use ward_tensor::{Budget, DType, Error, Result, Shape, Tensor};

/// One `key=file` or `key=file.npz[array]` entry.
pub struct FileInput {
    pub key: String,
    pub path: PathBuf,
    pub array: Option<String>,
}

fn split_entries(spec: &str) -> impl Iterator<Item = &str> {
    spec.split(';').map(str::trim).filter(|s| !s.is_empty())
}

pub fn parse_file_inputs(spec: &str) -> Result<Vec<FileInput>, Failure> {
    split_entries(spec)
        .map(|entry| {
            let (key, value) = entry.split_once('=').ok_or_else(|| {
                Failure::Usage(format!("--inputs entry '{entry}' is not key=file"))
            })?;
            let (path, array) = match value.strip_suffix(']').and_then(|v| v.split_once('[')) {
                Some((path, array)) => (path, Some(array.to_string())),
                None => (value, None),
            };
            Ok(FileInput {
                key: key.trim().to_string(),
                path: PathBuf::from(path.trim()),
                array,
            })
        })
        .collect()
}

/// Reads one input file: a .npy, or one array (or the only array) of a .npz.
pub fn read_file_input(input: &FileInput, max_bytes: u64, budget: &Budget) -> Result<Tensor> {
    let bytes = read_file_capped(&input.path, max_bytes)?;
    let with_file = |e: Error| e.with(ward_tensor::Frame::File(input.path.display().to_string()));
    if bytes.starts_with(b"PK") {
        let arrays = read_npz(&bytes, budget, max_bytes).map_err(with_file)?;
        let wanted = match &input.array {
            Some(name) => arrays.into_iter().find(|(k, _)| k == name),
            None if arrays.len() == 1 => arrays.into_iter().next(),
            None => {
                return Err(with_file(Error::invalid_argument(
                    "the .npz holds several arrays; name one as file.npz[name]",
                )));
            }
        };
        return wanted.map(|(_, t)| t).ok_or_else(|| {
            with_file(Error::not_found(format!(
                "no array '{}' in the .npz",
                input.array.clone().unwrap_or_default()
            )))
        });
    }
    read_npy(&bytes, budget).map_err(with_file)
}

/// Parsed `key=literal` entries.
pub fn parse_expr_inputs(spec: &str) -> Result<Vec<(String, Literal)>, Failure> {
    split_entries(spec)
        .map(|entry| {
            let (key, value) = entry.split_once('=').ok_or_else(|| {
                Failure::Usage(format!("--input_exprs entry '{entry}' is not key=value"))
            })?;
            let literal = parse_literal(value)
                .map_err(|e| Failure::Usage(format!("--input_exprs '{key}': {e}")))?;
            Ok((key.trim().to_string(), literal))
        })
        .collect()
}

/// A nested list of numbers or booleans.
#[derive(Debug)]
pub struct Literal {
    pub dims: Vec<usize>,
    pub values: Vec<f64>,
    pub all_int: bool,
}

/// Longest literal accepted: literals are for small hand-typed inputs.
const MAX_LITERAL_ELEMENTS: usize = 1 << 20;

fn parse_literal(text: &str) -> Result<Literal, String> {
    let mut parser = LiteralParser {
        text: text.as_bytes(),
        pos: 0,
        values: Vec::new(),
        all_int: true,
    };
    let dims = parser.value(0)?;
    parser.skip_ws();
    if parser.pos != parser.text.len() {
        return Err("unexpected characters after the value".into());
    }
    Ok(Literal {
        dims,
        values: parser.values,
        all_int: parser.all_int,
    })
}

struct LiteralParser<'a> {
    text: &'a [u8],
    pos: usize,
    values: Vec<f64>,
    all_int: bool,
}

impl LiteralParser<'_> {
    fn skip_ws(&mut self) {
        while self.text.get(self.pos).is_some_and(u8::is_ascii_whitespace) {
            self.pos = self.pos.saturating_add(1);
        }
    }

    /// Parses a value and returns its dims.
    fn value(&mut self, depth: usize) -> Result<Vec<usize>, String> {
        if depth > ward_tensor::MAX_RANK {
            return Err("nested too deeply".into());
        }
        self.skip_ws();
        if self.text.get(self.pos) == Some(&b'[') {
            self.pos = self.pos.saturating_add(1);
            let mut inner: Option<Vec<usize>> = None;
            let mut count = 0usize;
            loop {
                self.skip_ws();
                if self.text.get(self.pos) == Some(&b']') {
                    self.pos = self.pos.saturating_add(1);
                    break;
                }
                let dims = self.value(depth.saturating_add(1))?;
                match &inner {
                    Some(d) if *d != dims => return Err("ragged nested list".into()),
                    _ => inner = Some(dims),
                }
                count = count.saturating_add(1);
                self.skip_ws();
                match self.text.get(self.pos) {
                    Some(b',') => self.pos = self.pos.saturating_add(1),
                    Some(b']') => {}
                    _ => return Err("expected ',' or ']'".into()),
                }
            }
            let mut dims = vec![count];
            dims.extend(inner.unwrap_or_default());
            return Ok(dims);
        }
        let start = self.pos;
        while self
            .text
            .get(self.pos)
            .is_some_and(|c| c.is_ascii_alphanumeric() || matches!(c, b'.' | b'-' | b'+'))
        {
            self.pos = self.pos.saturating_add(1);
        }
        let token =
            std::str::from_utf8(self.text.get(start..self.pos).unwrap_or_default()).unwrap_or("");
        let value = match token {
            "True" | "true" => 1.0,
            "False" | "false" => 0.0,
            _ => {
                if token.contains(['.', 'e', 'E', 'n', 'N']) {
                    self.all_int = false;
                }
                token
                    .parse::<f64>()
                    .map_err(|_| format!("invalid number '{token}'"))?
            }
        };
        if self.values.len() >= MAX_LITERAL_ELEMENTS {
            return Err("literal has too many elements".into());
        }
        self.values.push(value);
        Ok(Vec::new())
    }
}

/// Converts a literal to a tensor of `dtype`.
pub fn literal_tensor(literal: &Literal, dtype: DType, budget: &Budget) -> Result<Tensor> {
    let shape = Shape::new(literal.dims.clone())?;
    if dtype == DType::Bool {
        let values: Vec<bool> = literal.values.iter().map(|&v| v != 0.0).collect();
        return Tensor::from_slice(budget, shape, &values, "input literal");
    }
    if dtype.is_int() && !literal.all_int {
        return Err(Error::invalid_argument(format!(
            "literal has non-integer values for a {dtype} input"
        )));
    }
    ward_ops::util::cast::from_f64_values(budget, dtype, shape, &literal.values)
}
