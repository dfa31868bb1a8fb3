//! Where a model's files come from: a directory on disk (read with size
//! caps), or bytes already in memory — what a sandboxed worker receives,
//! since it may not open files itself.

use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};
use ward_tensor::npy::read_file_capped;
use ward_tensor::{Error, Frame, Result};

/// A model's files by path relative to its root (`saved_model.pb`,
/// `variables/variables.index`, ...).
pub trait ModelFiles: Send + Sync {
    /// Reads one file, refusing files larger than `max_bytes`.
    fn read(&self, path: &str, max_bytes: u64) -> Result<Vec<u8>>;
    /// A human-readable location for errors.
    fn describe(&self, path: &str) -> String;
}

/// Files under a directory. Paths must stay inside it.
#[derive(Debug, Clone)]
pub struct DirFiles {
    root: PathBuf,
}

impl DirFiles {
    pub fn new(root: impl Into<PathBuf>) -> Self {
        DirFiles { root: root.into() }
    }
    pub fn root(&self) -> &Path {
        &self.root
    }
}

/// Rejects absolute paths and `..`.
fn checked_relative(path: &str) -> Result<&Path> {
    let p = Path::new(path);
    if p.components()
        .all(|c| matches!(c, Component::Normal(_) | Component::CurDir))
    {
        Ok(p)
    } else {
        Err(Error::invalid_argument(format!(
            "model file path '{path}' leaves the model directory"
        )))
    }
}

impl ModelFiles for DirFiles {
    fn read(&self, path: &str, max_bytes: u64) -> Result<Vec<u8>> {
        let full = self.root.join(checked_relative(path)?);
        read_file_capped(&full, max_bytes)
    }
    fn describe(&self, path: &str) -> String {
        self.root.join(path).display().to_string()
    }
}

/// Files held in memory.
#[derive(Debug, Clone, Default)]
pub struct MemFiles {
    files: BTreeMap<String, Vec<u8>>,
}

impl MemFiles {
    pub fn new(files: impl IntoIterator<Item = (String, Vec<u8>)>) -> Self {
        MemFiles {
            files: files.into_iter().collect(),
        }
    }
}

impl ModelFiles for MemFiles {
    fn read(&self, path: &str, max_bytes: u64) -> Result<Vec<u8>> {
        let bytes = self.files.get(path).ok_or_else(|| {
            Error::not_found(format!("the model has no file '{path}'"))
                .with(Frame::File(path.into()))
        })?;
        if u64::try_from(bytes.len()).unwrap_or(u64::MAX) > max_bytes {
            return Err(Error::resource_exhausted(format!(
                "file is {} bytes, more than the limit of {max_bytes}",
                bytes.len()
            ))
            .with(Frame::File(path.into())));
        }
        Ok(bytes.clone())
    }
    fn describe(&self, path: &str) -> String {
        path.to_string()
    }
}

/// Lists the files a SavedModel directory holds that ward reads
/// (`saved_model.pb` and `variables/`), for handing to a worker. Assets are
/// never read. Each file is capped at `max_bytes`.
pub fn collect_saved_model(dir: &Path, max_bytes: u64) -> Result<Vec<(String, Vec<u8>)>> {
    let files = DirFiles::new(dir);
    let mut out = vec![(
        "saved_model.pb".to_string(),
        files.read("saved_model.pb", max_bytes)?,
    )];
    let variables = dir.join("variables");
    if variables.is_dir() {
        let mut names: Vec<String> = std::fs::read_dir(&variables)
            .map_err(Error::from)?
            .filter_map(|e| e.ok())
            .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
            .filter_map(|e| e.file_name().to_str().map(str::to_string))
            .filter(|n| n.starts_with("variables."))
            .collect();
        names.sort();
        for name in names {
            let rel = format!("variables/{name}");
            let bytes = files.read(&rel, max_bytes)?;
            out.push((rel, bytes));
        }
    }
    Ok(out)
}
