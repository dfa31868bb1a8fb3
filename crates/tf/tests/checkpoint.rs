//! Tensor-bundle checkpoints written by TensorFlow: values, and clean
//! errors for every kind of corruption.
#![allow(clippy::arithmetic_side_effects, clippy::unreachable)]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::path::{Path, PathBuf};
use ward_graph::{Attr, TypeAttr};
use ward_tensor::{Budget, Code, DType};
use ward_tf::checkpoint::{Checkpoint, CheckpointLimits};

fn models() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/models")
}

fn tf1_prefix() -> PathBuf {
    models().join("tf1_variables/saved_model/variables/variables")
}

#[test]
fn tf1_checkpoint_values_equal_the_frozen_constants() {
    let budget = Budget::unlimited();
    let (ckpt, files) = Checkpoint::open(&tf1_prefix(), &CheckpointLimits::default()).unwrap();
    let names: Vec<&str> = ckpt.entries().map(|e| e.name.as_str()).collect();
    assert_eq!(names, ["W", "b"]);
    let values = ckpt.read(&files, &["W", "b"], &budget).unwrap();
    assert_eq!(values[0].dims(), &[4, 3]);
    assert_eq!(values[1].dims(), &[3]);
    let frozen = std::fs::read(models().join("tf1_variables/frozen.pb")).unwrap();
    let model = ward_tf::load_graph_def(&frozen, 1 << 30, &budget).unwrap();
    for (name, value) in ["W", "b"].iter().zip(&values) {
        let node = model.graph.node(model.graph.find(name).unwrap()).unwrap();
        let Some(Attr::Tensor(constant)) = node.attrs.get("value") else {
            panic!()
        };
        assert_eq!(
            constant.as_slice::<f32>().unwrap(),
            value.as_slice::<f32>().unwrap()
        );
    }
}

#[test]
fn tf2_checkpoint_lists_keras_variables_and_the_object_graph() {
    let (ckpt, files) = Checkpoint::open(
        &models().join("mlp/saved_model/variables/variables"),
        &CheckpointLimits::default(),
    )
    .unwrap();
    let kernel = ckpt
        .entry("model/_layers/1/_kernel/.ATTRIBUTES/VARIABLE_VALUE")
        .unwrap();
    assert_eq!(kernel.dtype, TypeAttr::Data(DType::F32));
    assert_eq!(kernel.shape, [20, 32]);
    let graph = ckpt
        .read(
            &files,
            &["_CHECKPOINTABLE_OBJECT_GRAPH"],
            &Budget::unlimited(),
        )
        .unwrap();
    assert_eq!(graph[0].dtype(), DType::String);
    assert!(!graph[0].as_strings().unwrap()[0].is_empty());
}

/// Copies the TF1 checkpoint into a temp dir and returns the new prefix.
fn copy_checkpoint(dir: &Path) -> PathBuf {
    for suffix in [".index", ".data-00000-of-00001"] {
        let mut from = tf1_prefix().into_os_string();
        from.push(suffix);
        std::fs::copy(&from, dir.join(format!("variables{suffix}"))).unwrap();
    }
    dir.join("variables")
}

fn open_and_read(prefix: &Path) -> Result<(), ward_tensor::Error> {
    let (ckpt, files) = Checkpoint::open(prefix, &CheckpointLimits::default())?;
    ckpt.read(&files, &["W", "b"], &Budget::unlimited())
        .map(|_| ())
}

#[test]
fn corrupt_checkpoints_are_clean_errors() {
    let dir = tempfile::tempdir().unwrap();
    let prefix = copy_checkpoint(dir.path());
    open_and_read(&prefix).unwrap();
    let index = dir.path().join("variables.index");
    let data = dir.path().join("variables.data-00000-of-00001");
    let original_index = std::fs::read(&index).unwrap();
    let original_data = std::fs::read(&data).unwrap();

    // A flipped data byte fails the tensor CRC.
    let mut bad = original_data.clone();
    bad[5] ^= 0x40;
    std::fs::write(&data, &bad).unwrap();
    let err = open_and_read(&prefix).unwrap_err();
    assert_eq!(err.code(), Code::DataLoss, "{err}");
    assert!(err.to_string().contains("CRC"), "{err}");

    // A truncated shard: an entry points past its end.
    std::fs::write(&data, &original_data[..original_data.len() / 2]).unwrap();
    let err = open_and_read(&prefix).unwrap_err();
    assert_eq!(err.code(), Code::DataLoss, "{err}");
    assert!(err.to_string().contains("shard holds"), "{err}");

    // A missing shard.
    std::fs::remove_file(&data).unwrap();
    assert_eq!(open_and_read(&prefix).unwrap_err().code(), Code::NotFound);
    std::fs::write(&data, &original_data).unwrap();

    // Every single-byte corruption and every truncation of the index is a
    // clean error (or, where the byte is unused, still a valid read).
    for i in 0..original_index.len() {
        let mut bad = original_index.clone();
        bad[i] ^= 0x5a;
        std::fs::write(&index, &bad).unwrap();
        if let Err(e) = open_and_read(&prefix) {
            assert!(
                matches!(
                    e.code(),
                    Code::DataLoss | Code::InvalidArgument | Code::NotFound | Code::Unimplemented
                ),
                "byte {i}: {e}"
            );
        }
    }
    for cut in 0..original_index.len() {
        std::fs::write(&index, &original_index[..cut]).unwrap();
        assert!(open_and_read(&prefix).is_err(), "truncated at {cut}");
    }
    // Random bytes.
    let random: Vec<u8> = (0..4096u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 11) as u8)
        .collect();
    std::fs::write(&index, &random).unwrap();
    assert_eq!(open_and_read(&prefix).unwrap_err().code(), Code::DataLoss);
    // A missing index.
    std::fs::remove_file(&index).unwrap();
    assert_eq!(open_and_read(&prefix).unwrap_err().code(), Code::NotFound);
}
