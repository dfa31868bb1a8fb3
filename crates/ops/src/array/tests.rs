//! Hostile inputs for the array ops: sizes that overflow or exceed the
//! budget, out-of-range indices and extreme slice specs must fail cleanly
//! (an error, never a panic or an allocation past the budget).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::arithmetic_side_effects
)]

use crate::kernel::{EvalCtx, FunctionRunner, OpDef, ValueInfo};
use ward_graph::{Attr, Node, TypeAttr};
use ward_tensor::{Budget, Code, DType, Limits, Result, Shape, Tensor};

struct NoCalls;
impl FunctionRunner for NoCalls {
    fn call(&self, _: &str, _: Vec<Tensor>, _: &EvalCtx<'_>) -> Result<Vec<Tensor>> {
        Err(ward_tensor::Error::internal("no calls"))
    }
}

fn ty(d: DType) -> Attr {
    Attr::Type(TypeAttr::Data(d))
}

fn vec_i64(v: &[i64]) -> Tensor {
    Tensor::from_vec(Shape::vector(v.len()), v.to_vec(), None).unwrap()
}

fn mat_i64(rows: usize, v: &[i64]) -> Tensor {
    Tensor::from_vec(
        Shape::new(vec![rows, v.len() / rows]).unwrap(),
        v.to_vec(),
        None,
    )
    .unwrap()
}

fn f32s(dims: &[usize]) -> Tensor {
    let n: usize = dims.iter().product();
    Tensor::from_vec(
        Shape::new(dims.to_vec()).unwrap(),
        (0..n).map(|i| i as f32).collect(),
        None,
    )
    .unwrap()
}

/// Builds `def` with `attrs`, runs inference on the inputs as constants and
/// then evaluates with a 1 MiB budget.
fn run(def: &OpDef, attrs: &[(&str, Attr)], inputs: Vec<Tensor>) -> Result<Vec<Tensor>> {
    let mut node = Node::new("op", def.spec.name);
    for (k, v) in attrs {
        node.attrs.insert((*k).to_string(), v.clone());
    }
    let kernel = (def.build)(&node)?;
    let infos: Vec<ValueInfo> = inputs.iter().cloned().map(ValueInfo::constant).collect();
    let _ = kernel.infer(&infos);
    let budget = Budget::new(&Limits {
        memory_bytes: 1 << 20,
        ..Default::default()
    });
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap();
    let ctx = EvalCtx {
        budget: &budget,
        pool: &pool,
        functions: &NoCalls,
    };
    let out = kernel.eval(&ctx, inputs);
    assert!(budget.peak() <= 1 << 20);
    out
}

fn fails(r: Result<Vec<Tensor>>) -> Code {
    match r {
        Ok(t) => panic!("expected an error, got {t:?}"),
        Err(e) => e.code(),
    }
}

const T_F32: (&str, DType) = ("T", DType::F32);

fn t_f32() -> (&'static str, Attr) {
    (T_F32.0, ty(T_F32.1))
}

#[test]
fn huge_outputs_fail_cleanly() {
    let big = 1i64 << 40;
    let x = f32s(&[1, 1]);
    fails(run(
        &super::tile::DEF,
        &[t_f32(), ("Tmultiples", ty(DType::I64))],
        vec![x.clone(), vec_i64(&[big, big])],
    ));
    fails(run(
        &super::broadcast_to::DEF,
        &[t_f32(), ("Tidx", ty(DType::I64))],
        vec![x.clone(), vec_i64(&[big, big, big])],
    ));
    for dims in [[big, big, big], [i64::MAX, 1, 1], [1 << 20, 1 << 20, 0]] {
        let r = run(
            &super::fill::DEF,
            &[t_f32(), ("index_type", ty(DType::I64))],
            vec![vec_i64(&dims), Tensor::scalar(1.0f32)],
        );
        if dims[2] != 0 {
            fails(r);
        } else {
            assert_eq!(r.unwrap()[0].len(), 0);
        }
    }
    for (s, l, d) in [
        (0, i64::MAX, 1),
        (i64::MIN, i64::MAX, 1),
        (i64::MAX, i64::MIN, -1),
        (i64::MIN, i64::MAX, i64::MAX),
    ] {
        let r = run(
            &super::range::DEF,
            &[("Tidx", ty(DType::I64))],
            vec![Tensor::scalar(s), Tensor::scalar(l), Tensor::scalar(d)],
        );
        if d == i64::MAX {
            assert_eq!(r.unwrap()[0].len(), 3);
        } else {
            assert_eq!(fails(r), Code::ResourceExhausted);
        }
    }
    fails(run(
        &super::range::DEF,
        &[("Tidx", ty(DType::F32))],
        vec![
            Tensor::scalar(0.0f32),
            Tensor::scalar(f32::MAX),
            Tensor::scalar(f32::MIN_POSITIVE),
        ],
    ));
    fails(run(
        &super::one_hot::DEF,
        &[t_f32(), ("TI", ty(DType::I64)), ("axis", Attr::Int(-1))],
        vec![
            vec_i64(&[0; 1000]),
            Tensor::scalar(i32::MAX),
            Tensor::scalar(1.0f32),
            Tensor::scalar(0.0f32),
        ],
    ));
    for pads in [[0, i64::MAX], [i64::MAX, i64::MAX], [big, big], [-1, 0]] {
        fails(run(
            &super::pad::DEF,
            &[t_f32(), ("Tpaddings", ty(DType::I64))],
            vec![f32s(&[2]), mat_i64(1, &pads)],
        ));
        fails(run(
            &super::mirror_pad::DEF,
            &[
                t_f32(),
                ("Tpaddings", ty(DType::I64)),
                ("mode", Attr::Str(b"SYMMETRIC".to_vec())),
            ],
            vec![f32s(&[2]), mat_i64(1, &pads)],
        ));
    }
    fails(run(
        &super::unpack::DEF,
        &[t_f32(), ("num", Attr::Int(1 << 40)), ("axis", Attr::Int(0))],
        vec![f32s(&[0])],
    ));
    fails(run(
        &super::split::DEF,
        &[t_f32(), ("num_split", Attr::Int(1 << 40))],
        vec![Tensor::scalar(0i32), f32s(&[0, 2])],
    ));
}

#[test]
fn bad_indices_are_invalid_argument() {
    let params = f32s(&[5, 3]);
    for i in [-1, 5, i64::MAX, i64::MIN] {
        let code = fails(run(
            &super::gather_v2::DEF,
            &[
                ("Tparams", ty(DType::F32)),
                ("Tindices", ty(DType::I64)),
                ("Taxis", ty(DType::I64)),
            ],
            vec![params.clone(), vec_i64(&[0, i]), Tensor::scalar(0i64)],
        ));
        assert_eq!(code, Code::InvalidArgument);
        let code = fails(run(
            &super::gather_nd::DEF,
            &[("Tparams", ty(DType::F32)), ("Tindices", ty(DType::I64))],
            vec![params.clone(), mat_i64(1, &[0, i])],
        ));
        assert_eq!(code, Code::InvalidArgument);
    }
    for axis in [i64::MIN, i64::MAX, 2, -3] {
        fails(run(
            &super::gather_v2::DEF,
            &[
                ("Tparams", ty(DType::F32)),
                ("Tindices", ty(DType::I64)),
                ("Taxis", ty(DType::I64)),
                ("batch_dims", Attr::Int(axis)),
            ],
            vec![params.clone(), vec_i64(&[0]), Tensor::scalar(axis)],
        ));
        fails(run(
            &super::concat_v2::DEF,
            &[t_f32(), ("N", Attr::Int(2)), ("Tidx", ty(DType::I64))],
            vec![params.clone(), params.clone(), Tensor::scalar(axis)],
        ));
        fails(run(
            &super::transpose::DEF,
            &[t_f32(), ("Tperm", ty(DType::I64))],
            vec![params.clone(), vec_i64(&[0, axis])],
        ));
        fails(run(
            &super::expand_dims::DEF,
            &[t_f32(), ("Tdim", ty(DType::I64))],
            vec![params.clone(), Tensor::scalar(axis.saturating_mul(2))],
        ));
        fails(run(
            &crate::reduce::sum::DEF,
            &[t_f32(), ("Tidx", ty(DType::I64))],
            vec![params.clone(), vec_i64(&[axis])],
        ));
        fails(run(
            &super::cumsum::DEF,
            &[t_f32(), ("Tidx", ty(DType::I64))],
            vec![params.clone(), Tensor::scalar(axis)],
        ));
    }
    for (b, s) in [(i64::MAX, -1), (1, i64::MAX), (i64::MIN, 1), (4, 2)] {
        fails(run(
            &super::slice::DEF,
            &[t_f32(), ("Index", ty(DType::I64))],
            vec![params.clone(), vec_i64(&[b, 0]), vec_i64(&[s, -1])],
        ));
    }
    for shape in [
        [i64::MAX, 2],
        [-1, 0],
        [-1, i64::MAX],
        [-2, -1],
        [i64::MIN, 1],
    ] {
        fails(run(
            &super::reshape::DEF,
            &[t_f32(), ("Tshape", ty(DType::I64))],
            vec![params.clone(), vec_i64(&shape)],
        ));
    }
}

/// A small deterministic generator for the slice sweep.
struct Lcg(u64);
impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }
    fn pick(&mut self, v: &[i64]) -> i64 {
        v[(self.next() as usize) % v.len()]
    }
}

#[test]
fn strided_slice_never_panics() {
    let x = f32s(&[3, 4, 2]);
    let values = [i64::MIN, i64::MIN + 1, -5, -3, -1, 0, 1, 2, 3, 5, i64::MAX];
    let mut rng = Lcg(7);
    let mut ok = 0;
    for _ in 0..3000 {
        let n = 1 + (rng.next() as usize) % 4;
        let spec = |rng: &mut Lcg| (0..n).map(|_| rng.pick(&values)).collect::<Vec<_>>();
        let (b, e, s) = (spec(&mut rng), spec(&mut rng), spec(&mut rng));
        let mask = |rng: &mut Lcg| Attr::Int((rng.next() % 16) as i64);
        let attrs = [
            t_f32(),
            ("Index", ty(DType::I64)),
            ("begin_mask", mask(&mut rng)),
            ("end_mask", mask(&mut rng)),
            ("ellipsis_mask", mask(&mut rng)),
            ("new_axis_mask", mask(&mut rng)),
            ("shrink_axis_mask", mask(&mut rng)),
        ];
        if let Ok(out) = run(
            &super::strided_slice::DEF,
            &attrs,
            vec![x.clone(), vec_i64(&b), vec_i64(&e), vec_i64(&s)],
        ) {
            ok += 1;
            assert!(out[0].len() <= x.len());
        }
    }
    assert!(ok > 100, "only {ok} slices succeeded");
}

#[test]
fn cast_extremes_do_not_panic() {
    let x = Tensor::from_vec(
        Shape::vector(8),
        vec![
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::MAX,
            f64::MIN,
            f64::MIN_POSITIVE / 4.0,
            -0.0,
            1e19,
        ],
        None,
    )
    .unwrap();
    for dst in crate::util::layout::ELEMENTS {
        let out = run(
            &super::cast::DEF,
            &[("SrcT", ty(DType::F64)), ("DstT", ty(*dst))],
            vec![x.clone()],
        )
        .unwrap();
        assert_eq!(out[0].dtype(), *dst);
        assert_eq!(out[0].len(), 8);
    }
}

/// begin, end, strides, masks, expected dims, expected values (if checked).
type SliceCase = (
    &'static [i64],
    &'static [i64],
    &'static [i64],
    [i64; 5],
    &'static [usize],
    &'static [f32],
);

/// Cases where TF accepts odd strides (recorded from TF 2.21): a zero
/// stride on a new axis, and a stride of i64::MIN on a one-element slice.
#[test]
fn strided_slice_odd_strides_match_tf() {
    let x = f32s(&[3, 4, 2]);
    let cases: [SliceCase; 3] = [
        (
            &[-3, -7],
            &[7, 3],
            &[-5, 0],
            [0, 0, 0, 3, 3],
            &[1, 1, 3, 4, 2],
            &[],
        ),
        (
            &[1, 2],
            &[7, 0],
            &[1, i64::MIN],
            [0, 0, 0, 0, 21],
            &[1, 2],
            &[12.0, 13.0],
        ),
        (
            &[-1],
            &[-4],
            &[i64::MIN],
            [0, 0, 0, 16, 0],
            &[1, 4, 2],
            &[16.0, 17.0, 18.0, 19.0, 20.0, 21.0, 22.0, 23.0],
        ),
    ];
    for (b, e, s, m, dims, vals) in cases {
        let attrs = [
            t_f32(),
            ("Index", ty(DType::I64)),
            ("begin_mask", Attr::Int(m[0])),
            ("end_mask", Attr::Int(m[1])),
            ("ellipsis_mask", Attr::Int(m[2])),
            ("new_axis_mask", Attr::Int(m[3])),
            ("shrink_axis_mask", Attr::Int(m[4])),
        ];
        let out = run(
            &super::strided_slice::DEF,
            &attrs,
            vec![x.clone(), vec_i64(b), vec_i64(e), vec_i64(s)],
        )
        .unwrap();
        assert_eq!(out[0].dims(), dims);
        if !vals.is_empty() {
            assert_eq!(out[0].as_slice::<f32>().unwrap(), vals);
        }
    }
}

/// Range computes `start + i * delta` and its size in the element type;
/// GatherV2 checks indices only when the output is non-empty (TF 2.21).
#[test]
fn range_and_gather_match_tf_details() {
    let out = run(
        &super::range::DEF,
        &[("Tidx", ty(DType::F64))],
        vec![
            Tensor::scalar(-1.0f64),
            Tensor::scalar(0.001f64),
            Tensor::scalar(0.1f64),
        ],
    )
    .unwrap();
    let v = out[0].as_slice::<f64>().unwrap();
    assert_eq!(v.len(), 11);
    assert_eq!(v[6], -0.3999999999999999);
    let bf = |x: f32| Tensor::scalar(ward_tensor::bf16::from_f32(x));
    let out = run(
        &super::range::DEF,
        &[("Tidx", ty(DType::BF16))],
        vec![bf(f32::from_bits(0xBDCD_0000)), bf(100.0), bf(100.0)],
    )
    .unwrap();
    assert_eq!(out[0].len(), 1);
    let out = run(
        &super::gather_v2::DEF,
        &[
            ("Tparams", ty(DType::F32)),
            ("Tindices", ty(DType::I64)),
            ("Taxis", ty(DType::I64)),
        ],
        vec![f32s(&[0, 2]), vec_i64(&[3, -1]), Tensor::scalar(1i64)],
    )
    .unwrap();
    assert_eq!(out[0].dims(), &[0, 2]);
}

/// GatherNd rejects scalar params, and any lookup into empty params.
#[test]
fn gather_nd_empty_and_scalar_params_fail() {
    let attrs = [("Tparams", ty(DType::F32)), ("Tindices", ty(DType::I64))];
    let empty_rows =
        Tensor::from_vec(Shape::new(vec![2, 0]).unwrap(), Vec::<i64>::new(), None).unwrap();
    fails(run(
        &super::gather_nd::DEF,
        &attrs,
        vec![Tensor::scalar(1.0f32), empty_rows.clone()],
    ));
    fails(run(
        &super::gather_nd::DEF,
        &attrs,
        vec![f32s(&[0, 1]), empty_rows],
    ));
    let no_rows =
        Tensor::from_vec(Shape::new(vec![0, 1]).unwrap(), Vec::<i64>::new(), None).unwrap();
    let out = run(&super::gather_nd::DEF, &attrs, vec![f32s(&[0, 1]), no_rows]).unwrap();
    assert_eq!(out[0].dims(), &[0, 1]);
}
