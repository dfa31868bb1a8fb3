//! The gRPC API (package `tensorflow.serving`): `PredictionService.Predict`
//! and `GetModelMetadata`, `ModelService.GetModelStatus`, and the standard
//! health service. `HandleReloadConfigRequest` is refused: models come
//! only from the local config file. Thin adapters over [`Core`].

use std::collections::BTreeMap;
use std::sync::Arc;

use prost::Message as _;
use tonic::{Request, Response};
use ward_tensor::{Budget, Limits};
use ward_tf::proto::{SignatureDef, TensorInfo, TensorShapeProto, tensor_info, tensor_shape_proto};

use crate::auth::Verb;
use crate::convert::{check_inputs, input_spec, tensor_from_proto, tensor_to_proto};
use crate::core::{Call, ConnInfo, Core, Resolved};
use crate::error::{ServeError, ServeResult, Status};
use crate::models::VersionSelector;
use crate::proto::model_service_server::{ModelService, ModelServiceServer};
use crate::proto::prediction_service_server::{PredictionService, PredictionServiceServer};
use crate::proto::{
    ClassificationRequest, ClassificationResponse, GetModelMetadataRequest,
    GetModelMetadataResponse, GetModelStatusRequest, GetModelStatusResponse, ModelSpec,
    ModelVersionStatus, MultiInferenceRequest, MultiInferenceResponse, PredictRequest,
    PredictResponse, RegressionRequest, RegressionResponse, ReloadConfigRequest,
    ReloadConfigResponse, SignatureDefMap, StatusProto, model_spec,
};

#[derive(Clone)]
pub struct GrpcApi {
    core: Arc<Core>,
}

/// The gRPC routes (prediction, model and health services) as one router.
pub async fn router(core: Arc<Core>, max_message_bytes: usize) -> axum::Router {
    let api = GrpcApi { core };
    let (reporter, health) = tonic_health::server::health_reporter();
    reporter
        .set_serving::<PredictionServiceServer<GrpcApi>>()
        .await;
    reporter.set_serving::<ModelServiceServer<GrpcApi>>().await;
    tonic::service::Routes::new(
        PredictionServiceServer::new(api.clone())
            .max_decoding_message_size(max_message_bytes)
            .max_encoding_message_size(usize::MAX),
    )
    .add_service(ModelServiceServer::new(api).max_decoding_message_size(max_message_bytes))
    .add_service(health)
    .prepare()
    .into_axum_router()
}

fn selector(spec: Option<&ModelSpec>) -> (String, VersionSelector, String) {
    let Some(spec) = spec else {
        return (String::new(), VersionSelector::Latest, String::new());
    };
    let version = match &spec.version_choice {
        None => VersionSelector::Latest,
        Some(model_spec::VersionChoice::Version(v)) => VersionSelector::Number(*v),
        Some(model_spec::VersionChoice::VersionLabel(l)) => VersionSelector::Label(l.clone()),
    };
    (spec.name.clone(), version, spec.signature_name.clone())
}

fn response_spec(name: &str, version: i64, signature: &str) -> ModelSpec {
    ModelSpec {
        name: name.to_string(),
        version_choice: Some(model_spec::VersionChoice::Version(version)),
        signature_name: signature.to_string(),
    }
}

fn shape_proto(dims: &[i64], known_rank: bool) -> TensorShapeProto {
    TensorShapeProto {
        dim: dims
            .iter()
            .map(|&size| tensor_shape_proto::Dim {
                size,
                name: String::new(),
            })
            .collect(),
        unknown_rank: !known_rank,
    }
}

fn signature_def(r: &Resolved) -> SignatureDef {
    let reply = &r.loaded.reply;
    let info = |key: &str, dtype: i32, shape: TensorShapeProto| TensorInfo {
        encoding: Some(tensor_info::Encoding::Name(key.to_string())),
        dtype,
        tensor_shape: Some(shape),
    };
    let inputs: BTreeMap<String, TensorInfo> = reply
        .inputs
        .iter()
        .map(|(k, d, dims)| {
            (
                k.clone(),
                info(k, ward_tf::dtype::tf_code(*d), shape_proto(dims, true)),
            )
        })
        .collect();
    let outputs: BTreeMap<String, TensorInfo> = reply
        .outputs
        .iter()
        .enumerate()
        .map(|(i, k)| {
            let (d, dims) = reply
                .output_specs
                .get(i)
                .cloned()
                .unwrap_or((None, Vec::new()));
            let known = d.is_some() || !dims.is_empty();
            (
                k.clone(),
                info(
                    k,
                    d.map_or(0, ward_tf::dtype::tf_code),
                    shape_proto(&dims, known),
                ),
            )
        })
        .collect();
    SignatureDef {
        inputs,
        outputs,
        method_name: "tensorflow/serving/predict".into(),
    }
}

impl GrpcApi {
    /// Authenticates a call; every method starts here.
    fn begin<T>(
        &self,
        request: &Request<T>,
        verb: &'static str,
    ) -> ServeResult<(Call, Arc<crate::auth::Identity>)> {
        let conn = request
            .extensions()
            .get::<ConnInfo>()
            .cloned()
            .ok_or_else(|| ServeError::internal("no connection info"))?;
        let mut call = Call::new("grpc", verb, &conn);
        let authorization = request
            .metadata()
            .get("authorization")
            .map(|v| v.as_bytes());
        match self.core.authenticate(authorization, &conn) {
            Ok(who) => {
                call.identity = Some(Arc::clone(&who));
                Ok((call, who))
            }
            Err(e) => {
                self.core
                    .finish(&call, Some(e.status), grpc_code_number(e.status), 0);
                Err(e)
            }
        }
    }

    fn end<T: prost::Message>(
        &self,
        call: &Call,
        result: ServeResult<T>,
    ) -> Result<Response<T>, tonic::Status> {
        match result {
            Ok(msg) => {
                let bytes = u64::try_from(msg.encoded_len()).unwrap_or(u64::MAX);
                self.core.finish(call, None, 0, bytes);
                Ok(Response::new(msg))
            }
            Err(e) => {
                self.core.finish(
                    call,
                    Some(e.status),
                    u16::try_from(e.status.grpc() as i32).unwrap_or(2),
                    0,
                );
                Err(e.into())
            }
        }
    }

    async fn predict_inner(
        &self,
        call: &mut Call,
        who: &crate::auth::Identity,
        req: PredictRequest,
    ) -> ServeResult<PredictResponse> {
        let (name, version, signature) = selector(req.model_spec.as_ref());
        call.model = Some(name.clone());
        let r = self.core.resolve(who, &name, &version, Verb::Predict)?;
        call.version = Some(r.loaded.version);
        crate::core::check_signature(&r, Some(&signature))?;
        let budget = Budget::new(&Limits {
            memory_bytes: self
                .core
                .models
                .get(&name)
                .map_or(1 << 30, |m| m.config.memory_bytes),
            ..Limits::default()
        });
        let mut inputs = Vec::with_capacity(req.inputs.len());
        for (key, proto) in &req.inputs {
            input_spec(&r.loaded.reply, key)?;
            inputs.push((
                key.clone(),
                tensor_from_proto(key, proto, &r.limits, &budget)?,
            ));
        }
        check_inputs(&inputs, &r.limits)?;
        drop(req.inputs);
        for f in &req.output_filter {
            if !r.loaded.reply.outputs.contains(f) {
                return Err(ServeError::invalid(format!(
                    "output_filter names '{f}', which the signature does not have"
                )));
            }
        }
        let outputs = self.core.predict(&r, None, inputs).await?;
        let mut map = BTreeMap::new();
        for (key, t) in outputs {
            if req.output_filter.is_empty() || req.output_filter.contains(&key) {
                map.insert(key, tensor_to_proto(&t)?);
            }
        }
        Ok(PredictResponse {
            model_spec: Some(response_spec(&name, r.loaded.version, &r.signature)),
            outputs: map,
        })
    }

    fn metadata_inner(
        &self,
        call: &mut Call,
        who: &crate::auth::Identity,
        req: &GetModelMetadataRequest,
    ) -> ServeResult<GetModelMetadataResponse> {
        let (name, version, _) = selector(req.model_spec.as_ref());
        call.model = Some(name.clone());
        let r = self.core.resolve(who, &name, &version, Verb::Metadata)?;
        call.version = Some(r.loaded.version);
        if req.metadata_field.is_empty() {
            return Err(ServeError::invalid(
                "metadata_field must name 'signature_def'",
            ));
        }
        if let Some(other) = req.metadata_field.iter().find(|f| *f != "signature_def") {
            return Err(ServeError::invalid(format!(
                "metadata field '{other}' is not supported"
            )));
        }
        let map = SignatureDefMap {
            signature_def: [(r.signature.clone(), signature_def(&r))].into(),
        };
        let any = prost_types::Any {
            type_url: "type.googleapis.com/tensorflow.serving.SignatureDefMap".into(),
            value: map.encode_to_vec(),
        };
        Ok(GetModelMetadataResponse {
            model_spec: Some(response_spec(&name, r.loaded.version, "")),
            metadata: [("signature_def".to_string(), any)].into(),
        })
    }

    fn status_inner(
        &self,
        call: &mut Call,
        who: &crate::auth::Identity,
        req: &GetModelStatusRequest,
    ) -> ServeResult<GetModelStatusResponse> {
        let (name, version, _) = selector(req.model_spec.as_ref());
        call.model = Some(name.clone());
        let statuses = self.core.status(who, &name, &version)?;
        Ok(GetModelStatusResponse {
            model_version_status: statuses
                .into_iter()
                .map(|s| ModelVersionStatus {
                    version: s.version,
                    state: s.state.number(),
                    status: Some(match s.error {
                        None => StatusProto::default(),
                        Some(e) => StatusProto {
                            error_code: e.status.grpc() as i32,
                            error_message: e.message,
                        },
                    }),
                })
                .collect(),
        })
    }

    /// Authenticates, then refuses: for methods ward does not offer.
    fn refuse<T: prost::Message>(
        &self,
        request: &Request<impl Sized>,
        verb: &'static str,
        error: ServeError,
    ) -> Result<Response<T>, tonic::Status> {
        let (call, _) = self.begin(request, verb)?;
        self.end::<T>(&call, Err(error))
    }
}

/// The numeric gRPC code, as the audit log records it.
fn grpc_code_number(status: Status) -> u16 {
    u16::try_from(status.grpc() as i32).unwrap_or(2)
}

fn unimplemented(what: &str) -> ServeError {
    ServeError::new(
        Status::Unimplemented,
        format!("{what} is not implemented; use Predict"),
    )
}

#[tonic::async_trait]
impl PredictionService for GrpcApi {
    async fn classify(
        &self,
        request: Request<ClassificationRequest>,
    ) -> Result<Response<ClassificationResponse>, tonic::Status> {
        self.refuse(&request, "classify", unimplemented("Classify"))
    }
    async fn regress(
        &self,
        request: Request<RegressionRequest>,
    ) -> Result<Response<RegressionResponse>, tonic::Status> {
        self.refuse(&request, "regress", unimplemented("Regress"))
    }
    async fn multi_inference(
        &self,
        request: Request<MultiInferenceRequest>,
    ) -> Result<Response<MultiInferenceResponse>, tonic::Status> {
        self.refuse(&request, "multi_inference", unimplemented("MultiInference"))
    }
    async fn predict(
        &self,
        request: Request<PredictRequest>,
    ) -> Result<Response<PredictResponse>, tonic::Status> {
        let (mut call, who) = self.begin(&request, "predict")?;
        let req = request.into_inner();
        call.request_bytes = u64::try_from(req.encoded_len()).unwrap_or(u64::MAX);
        let result = self.predict_inner(&mut call, &who, req).await;
        self.end(&call, result)
    }
    async fn get_model_metadata(
        &self,
        request: Request<GetModelMetadataRequest>,
    ) -> Result<Response<GetModelMetadataResponse>, tonic::Status> {
        let (mut call, who) = self.begin(&request, "metadata")?;
        let result = self.metadata_inner(&mut call, &who, request.get_ref());
        self.end(&call, result)
    }
}

#[tonic::async_trait]
impl ModelService for GrpcApi {
    async fn get_model_status(
        &self,
        request: Request<GetModelStatusRequest>,
    ) -> Result<Response<GetModelStatusResponse>, tonic::Status> {
        let (mut call, who) = self.begin(&request, "status")?;
        let result = self.status_inner(&mut call, &who, request.get_ref());
        self.end(&call, result)
    }
    async fn handle_reload_config_request(
        &self,
        request: Request<ReloadConfigRequest>,
    ) -> Result<Response<ReloadConfigResponse>, tonic::Status> {
        self.refuse(
            &request,
            "reload_config",
            ServeError::denied("ward does not reload its configuration over the network; models come only from the local config file"),
        )
    }
}
