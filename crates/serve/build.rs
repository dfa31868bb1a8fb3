//! Compiles the TF Serving API subset (proto/) against ward-tf's TensorFlow
//! messages with protox (no protoc) and generates tonic services.

fn main() -> Result<(), Box<dyn std::error::Error>> {
    println!("cargo:rerun-if-changed=proto");
    println!("cargo:rerun-if-changed=../tf/proto");
    let descriptors = protox::compile(["tensorflow_serving.proto"], ["proto", "../tf/proto"])?;
    tonic_prost_build::configure()
        .build_client(true)
        .build_transport(false)
        .build_server(true)
        .btree_map(".")
        .extern_path(".tensorflow.TensorProto", "::ward_tf::proto::TensorProto")
        .extern_path(
            ".tensorflow.TensorShapeProto",
            "::ward_tf::proto::TensorShapeProto",
        )
        .extern_path(".tensorflow.SignatureDef", "::ward_tf::proto::SignatureDef")
        .extern_path(".tensorflow.TensorInfo", "::ward_tf::proto::TensorInfo")
        .compile_fds(descriptors)?;
    Ok(())
}
