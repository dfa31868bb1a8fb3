//! SavedModel loading: signatures, variables bound from checkpoints, and
//! clean errors for broken SavedModels (edited with ward's own protos).
#![allow(clippy::arithmetic_side_effects, clippy::unreachable)]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use prost::Message;
use std::path::{Path, PathBuf};
use ward_tensor::{Budget, Code};
use ward_tf::proto::{SavedModel, attr_value, tensor_info};
use ward_tf::saved_model::{SavedModelLimits, load_saved_model};

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures/models")
        .join(name)
        .join("saved_model")
}

fn load(
    dir: &Path,
    tags: &str,
    signature: &str,
) -> Result<ward_tf::saved_model::RunnableSignature, ward_tensor::Error> {
    let budget = Budget::unlimited();
    let limits = SavedModelLimits::default();
    load_saved_model(dir, tags, &limits, &budget)?.runnable(signature, &limits, &budget)
}

#[test]
fn tf2_keras_model_binds_every_variable() {
    let budget = Budget::unlimited();
    let loaded = load_saved_model(
        &fixture("mlp"),
        "serve",
        &SavedModelLimits::default(),
        &budget,
    )
    .unwrap();
    assert_eq!(loaded.variables.len(), 6, "{:?}", loaded.variables);
    assert!(
        loaded
            .variables
            .iter()
            .all(|v| v.checkpoint_key.ends_with("/.ATTRIBUTES/VARIABLE_VALUE"))
    );
    assert_eq!(loaded.init_ops, ["NoOp"]);
    let runnable = loaded
        .runnable("serving_default", &SavedModelLimits::default(), &budget)
        .unwrap();
    assert_eq!(runnable.inputs.keys().collect::<Vec<_>>(), ["x"]);
    assert_eq!(runnable.outputs[0].0, "probs");
    // Save/restore machinery is pruned away; only constants remain for variables.
    let ops: Vec<&str> = runnable
        .model
        .graph
        .nodes()
        .iter()
        .map(|n| n.op.as_str())
        .collect();
    assert!(
        !ops.contains(&"VarHandleOp") && !ops.contains(&"RestoreV2") && !ops.contains(&"SaveV2"),
        "{ops:?}"
    );
    assert!(
        runnable
            .model
            .graph
            .nodes()
            .iter()
            .any(|n| n.attrs.contains_key("_ward_variable"))
    );
}

#[test]
fn tf1_model_binds_variablev2_through_the_restore_graph() {
    let budget = Budget::unlimited();
    let loaded = load_saved_model(
        &fixture("tf1_variables"),
        "serve",
        &SavedModelLimits::default(),
        &budget,
    )
    .unwrap();
    let mut keys: Vec<(&str, &str)> = loaded
        .variables
        .iter()
        .map(|v| (v.node.as_str(), v.checkpoint_key.as_str()))
        .collect();
    keys.sort();
    assert_eq!(keys, [("W", "W"), ("b", "b")]);
}

/// Copies a SavedModel fixture to a temp dir after editing its proto.
fn edited(name: &str, edit: impl FnOnce(&mut SavedModel)) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let src = fixture(name);
    let mut saved = SavedModel::decode(
        std::fs::read(src.join("saved_model.pb"))
            .unwrap()
            .as_slice(),
    )
    .unwrap();
    edit(&mut saved);
    std::fs::write(dir.path().join("saved_model.pb"), saved.encode_to_vec()).unwrap();
    std::fs::create_dir(dir.path().join("variables")).unwrap();
    for entry in std::fs::read_dir(src.join("variables")).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(
            entry.path(),
            dir.path().join("variables").join(entry.file_name()),
        )
        .unwrap();
    }
    dir
}

#[test]
fn broken_saved_models_are_clean_errors() {
    // A tag set that does not exist.
    let err = load(&fixture("mlp"), "serve,gpu", "serving_default").unwrap_err();
    assert_eq!(err.code(), Code::NotFound);
    assert!(err.to_string().contains("available: serve"), "{err}");
    // A signature that does not exist, and the init op signature.
    assert_eq!(
        load(&fixture("mlp"), "serve", "nope").unwrap_err().code(),
        Code::NotFound
    );
    assert_eq!(
        load(&fixture("mlp"), "serve", "__saved_model_init_op")
            .unwrap_err()
            .code(),
        Code::PermissionDenied
    );

    // A signature naming a missing tensor.
    let dir = edited("mlp", |saved| {
        let sig = saved.meta_graphs[0]
            .signature_def
            .get_mut("serving_default")
            .unwrap();
        sig.outputs.get_mut("probs").unwrap().encoding =
            Some(tensor_info::Encoding::Name("missing:0".into()));
    });
    let err = load(dir.path(), "serve", "serving_default").unwrap_err();
    assert_eq!(err.code(), Code::NotFound, "{err}");
    assert!(err.to_string().contains("missing"), "{err}");

    // A variable whose declared shape disagrees with the checkpoint.
    let dir = edited("tf1_variables", |saved| {
        let graph = saved.meta_graphs[0].graph_def.as_mut().unwrap();
        let w = graph.node.iter_mut().find(|n| n.name == "W").unwrap();
        let shape = w.attr.get_mut("shape").unwrap();
        if let Some(attr_value::Value::Shape(s)) = &mut shape.value {
            s.dim[0].size = 5;
        }
    });
    let err = load(dir.path(), "serve", "serving_default").unwrap_err();
    assert_eq!(err.code(), Code::InvalidArgument, "{err}");
    assert!(err.to_string().contains("shape"), "{err}");

    // A missing checkpoint shard.
    let dir = edited("mlp", |_| {});
    std::fs::remove_file(dir.path().join("variables/variables.data-00000-of-00001")).unwrap();
    assert_eq!(
        load(dir.path(), "serve", "serving_default")
            .unwrap_err()
            .code(),
        Code::NotFound
    );

    // Truncated and random saved_model.pb.
    let dir = edited("mlp", |_| {});
    let bytes = std::fs::read(dir.path().join("saved_model.pb")).unwrap();
    for cut in [0, 1, 10, bytes.len() / 2, bytes.len() - 1] {
        std::fs::write(dir.path().join("saved_model.pb"), &bytes[..cut]).unwrap();
        let result = load(dir.path(), "serve", "serving_default");
        assert!(result.is_err(), "truncated at {cut}");
    }
    let random: Vec<u8> = (0..10_000u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 9) as u8)
        .collect();
    std::fs::write(dir.path().join("saved_model.pb"), random).unwrap();
    assert!(load(dir.path(), "serve", "serving_default").is_err());
    // A directory that is not a SavedModel.
    assert_eq!(
        load(&PathBuf::from("/nonexistent"), "serve", "serving_default")
            .unwrap_err()
            .code(),
        Code::NotFound
    );
}
