//! Hostile inputs for the nn and linalg ops: windows, paddings, sizes and
//! equations that overflow or exceed the budget must fail cleanly (an
//! error, never a panic or an allocation past the budget), and degenerate
//! but valid cases must still work.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::arithmetic_side_effects
)]

use crate::kernel::{EvalCtx, FunctionRunner, OpDef, ValueInfo};
use ward_graph::{Attr, Node, TypeAttr};
use ward_tensor::{Budget, DType, Limits, Result, Shape, Tensor};

struct NoCalls;
impl FunctionRunner for NoCalls {
    fn call(&self, _: &str, _: Vec<Tensor>, _: &EvalCtx<'_>) -> Result<Vec<Tensor>> {
        Err(ward_tensor::Error::internal("no calls"))
    }
}

fn ty(d: DType) -> Attr {
    Attr::Type(TypeAttr::Data(d))
}
fn ints(v: &[i64]) -> Attr {
    Attr::IntList(v.to_vec())
}
fn s(v: &str) -> Attr {
    Attr::Str(v.as_bytes().to_vec())
}
fn f32s(dims: &[usize]) -> Tensor {
    let n: usize = dims.iter().product();
    Tensor::from_vec(
        Shape::new(dims.to_vec()).unwrap(),
        (0..n).map(|i| (i % 7) as f32 - 3.0).collect(),
        None,
    )
    .unwrap()
}
fn i32s(v: &[i32]) -> Tensor {
    Tensor::from_vec(Shape::vector(v.len()), v.to_vec(), None).unwrap()
}

/// Builds `def` with `attrs`, runs inference on the inputs as constants and
/// evaluates with a 1 MiB budget on two threads.
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
        .num_threads(2)
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

fn conv_attrs(strides: &[i64], padding: &str, explicit: &[i64]) -> Vec<(&'static str, Attr)> {
    vec![
        ("T", ty(DType::F32)),
        ("strides", ints(strides)),
        ("padding", s(padding)),
        ("explicit_paddings", ints(explicit)),
        ("data_format", s("NHWC")),
    ]
}

#[test]
fn conv_windows_that_overflow_fail_cleanly() {
    let x = f32s(&[1, 4, 4, 2]);
    let w = f32s(&[3, 3, 2, 2]);
    let big = 1i64 << 40;
    for def in [&super::conv2d::DEF, &super::depthwise_conv2d_native::DEF] {
        // Padding so large the output exceeds the budget or overflows.
        for p in [big, i64::MAX] {
            let attrs = conv_attrs(&[1, 1, 1, 1], "EXPLICIT", &[0, 0, p, p, p, p, 0, 0]);
            assert!(run(def, &attrs, vec![x.clone(), w.clone()]).is_err());
        }
        // Dilations whose effective window overflows.
        let mut attrs = conv_attrs(&[1, 1, 1, 1], "SAME", &[]);
        attrs.push(("dilations", ints(&[1, i64::MAX, i64::MAX, 1])));
        assert!(run(def, &attrs, vec![x.clone(), w.clone()]).is_err());
        // Huge strides are fine: one output pixel.
        let attrs = conv_attrs(&[1, i64::MAX, i64::MAX, 1], "SAME", &[]);
        let out = run(def, &attrs, vec![x.clone(), w.clone()]).unwrap();
        assert_eq!(out[0].dims()[1..3], [1, 1]);
        for bad in [vec![1, 0, 1, 1], vec![1, -1, 1, 1], vec![1, 1, 1]] {
            let attrs = conv_attrs(&bad, "SAME", &[]);
            assert!(run(def, &attrs, vec![x.clone(), w.clone()]).is_err());
        }
    }
}

#[test]
fn conv_degenerate_shapes() {
    let attrs = conv_attrs(&[1, 1, 1, 1], "SAME", &[]);
    // Zero filter depth, zero output depth, zero-size batch.
    assert!(
        run(
            &super::conv2d::DEF,
            &attrs,
            vec![f32s(&[1, 2, 2, 0]), f32s(&[1, 1, 0, 2])]
        )
        .is_err()
    );
    let out = run(
        &super::conv2d::DEF,
        &attrs,
        vec![f32s(&[1, 2, 2, 2]), f32s(&[1, 1, 2, 0])],
    )
    .unwrap();
    assert_eq!(out[0].dims(), [1, 2, 2, 0]);
    let out = run(
        &super::conv2d::DEF,
        &attrs,
        vec![f32s(&[0, 2, 2, 2]), f32s(&[3, 3, 2, 4])],
    )
    .unwrap();
    assert_eq!(out[0].dims(), [0, 2, 2, 4]);
    // Input of the wrong rank or a mismatched filter.
    assert!(
        run(
            &super::conv2d::DEF,
            &attrs,
            vec![f32s(&[2, 2, 2]), f32s(&[1, 1, 2, 2])]
        )
        .is_err()
    );
    assert!(
        run(
            &super::conv2d::DEF,
            &attrs,
            vec![f32s(&[1, 2, 2, 3]), f32s(&[1, 1, 2, 2])]
        )
        .is_err()
    );
}

#[test]
fn pooling_with_huge_windows() {
    let x = f32s(&[1, 5, 5, 3]);
    for def in [&super::max_pool::DEF, &super::avg_pool::DEF] {
        let attrs = vec![
            ("T", ty(DType::F32)),
            ("ksize", ints(&[1, 1 << 40, i64::MAX, 1])),
            ("strides", ints(&[1, 1, 1, 1])),
            ("padding", s("SAME")),
        ];
        // SAME with a window far larger than the input: every window is
        // clipped to the input, so this is a global pool per pixel.
        let out = run(def, &attrs, vec![x.clone()]);
        match out {
            Ok(out) => assert_eq!(out[0].dims(), [1, 5, 5, 3]),
            Err(e) => assert_eq!(e.code(), ward_tensor::Code::InvalidArgument),
        }
        let attrs = vec![
            ("T", ty(DType::F32)),
            ("ksize", ints(&[1, 2, 2, 1])),
            ("strides", ints(&[1, 0, 1, 1])),
            ("padding", s("VALID")),
        ];
        assert!(run(def, &attrs, vec![x.clone()]).is_err());
    }
}

#[test]
fn backprop_input_sizes_are_checked() {
    let w = f32s(&[3, 3, 2, 2]);
    let dy = f32s(&[1, 2, 2, 2]);
    let attrs = conv_attrs(&[1, 1, 1, 1], "VALID", &[]);
    for sizes in [
        vec![1, i32::MAX, i32::MAX, 2],
        vec![1, -4, 4, 2],
        vec![1, 4, 4],
        vec![1, 5, 5, 2],
    ] {
        assert!(
            run(
                &super::conv2d_backprop_input::DEF,
                &attrs,
                vec![i32s(&sizes), w.clone(), dy.clone()]
            )
            .is_err()
        );
    }
    let out = run(
        &super::conv2d_backprop_input::DEF,
        &attrs,
        vec![i32s(&[1, 4, 4, 2]), w, dy],
    )
    .unwrap();
    assert_eq!(out[0].dims(), [1, 4, 4, 2]);
}

#[test]
fn resize_sizes_are_checked() {
    for def in [
        &super::resize_bilinear::DEF,
        &super::resize_nearest_neighbor::DEF,
    ] {
        let attrs = vec![("T", ty(DType::F32))];
        assert!(
            run(
                def,
                &attrs,
                vec![f32s(&[1, 2, 2, 1]), i32s(&[i32::MAX, i32::MAX])]
            )
            .is_err()
        );
        assert!(run(def, &attrs, vec![f32s(&[1, 2, 2, 1]), i32s(&[0, 3])]).is_err());
        // An empty batch needs no weights, however large the size.
        let out = run(
            def,
            &attrs,
            vec![f32s(&[0, 2, 2, 1]), i32s(&[i32::MAX, i32::MAX])],
        )
        .unwrap();
        assert_eq!(out[0].len(), 0);
    }
}

#[test]
fn top_k_and_arg_max_reject_bad_k_and_axes() {
    let x = f32s(&[2, 3]);
    let attrs = vec![("T", ty(DType::F32))];
    for k in [4, -1, i32::MAX, i32::MIN] {
        assert!(
            run(
                &super::top_k_v2::DEF,
                &attrs,
                vec![x.clone(), Tensor::scalar(k)]
            )
            .is_err()
        );
    }
    let out = run(
        &super::top_k_v2::DEF,
        &attrs,
        vec![x.clone(), Tensor::scalar(0i32)],
    )
    .unwrap();
    assert_eq!(out[0].dims(), [2, 0]);
    for axis in [2i64, -3, i64::MIN, i64::MAX] {
        assert!(
            run(
                &super::arg_max::DEF,
                &attrs,
                vec![x.clone(), Tensor::scalar(axis)]
            )
            .is_err()
        );
    }
}

#[test]
fn batch_matmul_broadcasts_that_explode_fail_cleanly() {
    let a = f32s(&[1 << 12, 1, 1, 1]);
    let b = f32s(&[1 << 12, 1, 1]);
    let attrs = vec![("T", ty(DType::F32))];
    assert!(run(&crate::linalg::batch_mat_mul_v2::DEF, &attrs, vec![a, b]).is_err());
}

#[test]
fn einsum_equations_never_panic() {
    let x = f32s(&[2, 3]);
    for eq in [
        "",
        "->",
        "ij",
        "ij->",
        "ij->ji",
        "ii->i",
        "i.j->i",
        "....->",
        "...->...",
        "ij...->...",
        "ij,jk->ik",
        "ij->iij",
        "ij->k",
        "a...b,b...c->a...c",
        "ij,->ij",
        "é->",
    ] {
        for n in [1i64, 2] {
            let attrs = vec![
                ("T", ty(DType::F32)),
                ("N", Attr::Int(n)),
                ("equation", s(eq)),
            ];
            let inputs = vec![x.clone(); usize::try_from(n).unwrap()];
            let _ = run(&crate::linalg::einsum::DEF, &attrs, inputs);
        }
    }
    // Labels of one operand only are summed out first rather than
    // broadcast into the other: a*b*c elements are never materialized.
    let attrs = vec![
        ("T", ty(DType::F32)),
        ("N", Attr::Int(2)),
        ("equation", s("ab,c->a")),
    ];
    let a = f32s(&[64, 64]);
    let c = f32s(&[1024]);
    let out = run(
        &crate::linalg::einsum::DEF,
        &attrs,
        vec![a.clone(), c.clone()],
    )
    .unwrap();
    let (av, cv) = (a.as_slice::<f32>().unwrap(), c.as_slice::<f32>().unwrap());
    let c_sum: f32 = cv.iter().sum();
    for (i, got) in out[0].as_slice::<f32>().unwrap().iter().enumerate() {
        let a_sum: f32 = av[i * 64..(i + 1) * 64].iter().sum();
        assert!((got - a_sum * c_sum).abs() <= 1e-3 * (a_sum * c_sum).abs().max(1.0));
    }
}

fn strs(v: &[&str]) -> Attr {
    Attr::StrList(v.iter().map(|s| s.as_bytes().to_vec()).collect())
}

#[test]
fn fused_ops_refuse_bad_attributes_and_biases() {
    use crate::linalg::fused_mat_mul;
    use crate::nn::{fused_conv2d, fused_depthwise_conv2d_native};
    let code = |r: Result<Vec<Tensor>>| r.map(|_| ()).unwrap_err().code();
    let fused = |ops: &[&str], num_args: i64| {
        let mut a = conv_attrs(&[1, 1, 1, 1], "VALID", &[]);
        a.push(("fused_ops", strs(ops)));
        a.push(("num_args", Attr::Int(num_args)));
        a
    };
    let x = f32s(&[1, 4, 4, 2]);
    let w = f32s(&[3, 3, 2, 3]);
    // FusedBatchNorm is _FusedConv2D's alone.
    for def in [&fused_depthwise_conv2d_native::DEF, &fused_mat_mul::DEF] {
        let mut node = Node::new("op", def.spec.name);
        for (k, v) in fused(&["FusedBatchNorm"], 4) {
            node.attrs.insert(k.to_string(), v);
        }
        assert!((def.build)(&node).is_err());
    }
    // Forms TF has but ward does not run, and forms TF does not have.
    for (ops, n) in [
        (&["FusedBatchNorm"][..], 1),
        (&["FusedBatchNorm", "Tanh"][..], 4),
        (&["BiasAdd", "Tanh"][..], 1),
        (&["Relu"][..], 0),
        (&["BiasAdd", "Relu", "Relu"][..], 1),
        (&["BiasAdd"][..], 2),
    ] {
        let def = &fused_conv2d::DEF;
        let err = (def.build)(&{
            let mut node = Node::new("op", def.spec.name);
            for (k, v) in fused(ops, n) {
                node.attrs.insert(k.to_string(), v);
            }
            node
        })
        .unwrap_err();
        assert!(
            matches!(
                err.code(),
                ward_tensor::Code::Unimplemented | ward_tensor::Code::InvalidArgument
            ),
            "{ops:?}: {err}"
        );
    }
    // A bias of the wrong length or rank is an error, never an out-of-bounds read.
    for bias in [f32s(&[1]), f32s(&[4]), f32s(&[1, 3]), f32s(&[])] {
        let r = run(
            &fused_conv2d::DEF,
            &fused(&["BiasAdd", "Relu6"], 1),
            vec![x.clone(), w.clone(), bias.clone()],
        );
        assert_eq!(code(r), ward_tensor::Code::InvalidArgument);
        let r = run(
            &fused_depthwise_conv2d_native::DEF,
            &fused(&["BiasAdd", "Relu"], 1),
            vec![x.clone(), f32s(&[3, 3, 2, 1]), bias.clone()],
        );
        assert_eq!(code(r), ward_tensor::Code::InvalidArgument);
        let mut mm = vec![("T", ty(DType::F32)), ("num_args", Attr::Int(1))];
        mm.push(("fused_ops", strs(&["BiasAdd"])));
        let r = run(
            &fused_mat_mul::DEF,
            &mm,
            vec![f32s(&[2, 5]), f32s(&[5, 3]), bias],
        );
        assert_eq!(code(r), ward_tensor::Code::InvalidArgument);
    }
    // Mixed dtypes.
    let r = run(
        &fused_conv2d::DEF,
        &fused(&["BiasAdd"], 1),
        vec![x, w, i32s(&[1, 2, 3])],
    );
    assert_eq!(code(r), ward_tensor::Code::InvalidArgument);
}

/// `_FusedConv2D` with `FusedBatchNorm`: the convolution, then
/// `(y - mean) · scale / sqrt(variance + ε) + offset` per channel, then the
/// activation, as the separate ops compute it; bad parameters are errors.
#[test]
fn fused_conv2d_runs_the_batch_norm_form() {
    use crate::nn::{conv2d, fused_conv2d};
    let x = f32s(&[1, 5, 5, 3]);
    let w = f32s(&[3, 3, 3, 4]);
    let vec4 =
        |v: [f32; 4]| Tensor::from_vec(Shape::new(vec![4]).unwrap(), v.to_vec(), None).unwrap();
    let (scale, offset) = (vec4([0.5, -1.0, 2.0, 1.5]), vec4([0.1, 0.2, -0.3, 0.0]));
    let (mean, variance) = (vec4([1.0, -2.0, 0.5, 0.0]), vec4([0.25, 1.0, 4.0, 0.01]));
    let eps = 0.001f32;
    let attrs = conv_attrs(&[1, 1, 1, 1], "SAME", &[]);
    let conv = run(&conv2d::DEF, &attrs, vec![x.clone(), w.clone()])
        .unwrap()
        .remove(0);
    let mut fused_attrs = attrs.clone();
    fused_attrs.push(("fused_ops", strs(&["FusedBatchNorm", "Relu"])));
    fused_attrs.push(("num_args", Attr::Int(4)));
    fused_attrs.push(("epsilon", Attr::Float(eps)));
    let params = [
        scale.clone(),
        offset.clone(),
        mean.clone(),
        variance.clone(),
    ];
    let mut inputs = vec![x.clone(), w.clone()];
    inputs.extend(params.iter().cloned());
    let got = run(&fused_conv2d::DEF, &fused_attrs, inputs)
        .unwrap()
        .remove(0);
    assert_eq!(got.dims(), conv.dims());
    let p = |t: &Tensor, c: usize| t.as_slice::<f32>().unwrap()[c];
    for (i, (&y, &g)) in conv
        .as_slice::<f32>()
        .unwrap()
        .iter()
        .zip(got.as_slice::<f32>().unwrap())
        .enumerate()
    {
        let c = i % 4;
        let bn = (y - p(&mean, c)) * p(&scale, c) / (p(&variance, c) + eps).sqrt() + p(&offset, c);
        let want = bn.max(0.0);
        assert!(
            (g - want).abs() <= 1e-4 * want.abs().max(1.0),
            "{i}: {g} vs {want}"
        );
    }
    // A parameter of the wrong length is an error naming its input.
    for bad in 0..4 {
        let mut inputs = vec![x.clone(), w.clone()];
        for (j, t) in params.iter().enumerate() {
            inputs.push(if j == bad { f32s(&[3]) } else { t.clone() });
        }
        let err = run(&fused_conv2d::DEF, &fused_attrs, inputs).unwrap_err();
        assert_eq!(err.code(), ward_tensor::Code::InvalidArgument, "{err}");
    }
}

/// Row-major index of `at` in a tensor of `dims` broadcast to the output.
fn broadcast_index(at: &[usize], out_dims: &[usize], dims: &[usize]) -> usize {
    let skip = out_dims.len() - dims.len();
    dims.iter().enumerate().fold(0, |acc, (d, &size)| {
        acc * size + if size == 1 { 0 } else { at[skip + d] }
    })
}

#[test]
fn broadcast_rows_match_elementwise_broadcasting() {
    let cases: [(&[usize], &[usize]); 6] = [
        (&[2, 3, 4], &[3, 1]),
        (&[2, 1, 4], &[3, 4]),
        (&[2, 3, 4], &[2, 1, 4]),
        (&[4, 1], &[1, 3]),
        (&[2, 3, 1], &[2, 1, 5]),
        (&[3, 1, 5], &[1, 4, 1]),
    ];
    for (a_dims, b_dims) in cases {
        for (a_dims, b_dims) in [(a_dims, b_dims), (b_dims, a_dims)] {
            let (a, b) = (f32s(a_dims), f32s(b_dims));
            let out = run(
                &crate::math::mul::DEF,
                &[("T", ty(DType::F32))],
                vec![a.clone(), b.clone()],
            )
            .unwrap()
            .remove(0);
            let dims = out.dims().to_vec();
            let (av, bv, ov) = (
                a.as_slice::<f32>().unwrap(),
                b.as_slice::<f32>().unwrap(),
                out.as_slice::<f32>().unwrap(),
            );
            let mut at = vec![0usize; dims.len()];
            for (i, &got) in ov.iter().enumerate() {
                let mut rest = i;
                for d in (0..dims.len()).rev() {
                    at[d] = rest % dims[d];
                    rest /= dims[d];
                }
                let want = av[broadcast_index(&at, &dims, a_dims)]
                    * bv[broadcast_index(&at, &dims, b_dims)];
                assert_eq!(got, want, "{a_dims:?} * {b_dims:?} at {at:?}");
            }
        }
    }
}

#[test]
fn einsum_transposes_copy_whole_runs_correctly() {
    // "abcd->acbd": the innermost label stays contiguous, runs are copied.
    let x = f32s(&[2, 3, 4, 5]);
    let out = run(
        &crate::linalg::einsum::DEF,
        &[
            ("equation", s("abcd->acbd")),
            ("N", Attr::Int(1)),
            ("T", ty(DType::F32)),
        ],
        vec![x.clone()],
    )
    .unwrap()
    .remove(0);
    assert_eq!(out.dims(), &[2, 4, 3, 5]);
    let (xv, ov) = (x.as_slice::<f32>().unwrap(), out.as_slice::<f32>().unwrap());
    for a in 0..2 {
        for b in 0..3 {
            for c in 0..4 {
                for d in 0..5 {
                    assert_eq!(
                        ov[((a * 4 + c) * 3 + b) * 5 + d],
                        xv[((a * 3 + b) * 4 + c) * 5 + d]
                    );
                }
            }
        }
    }
}

#[test]
fn global_pooling_reductions_match_a_naive_sum() {
    // Mean, Sum and Max over the spatial axes of NHWC (batch 1): every
    // output reads one value from each row of channels.
    let x = f32s(&[1, 3, 4, 5]);
    let xs = x.as_slice::<f32>().unwrap().to_vec();
    let axes = Tensor::from_vec(Shape::vector(2), vec![1i32, 2], None).unwrap();
    let attrs = [("T", ty(DType::F32)), ("Tidx", ty(DType::I32))];
    for (def, want) in [
        (
            &crate::reduce::mean::DEF,
            (0..5)
                .map(|c| (0..12).map(|p| xs[p * 5 + c]).sum::<f32>() / 12.0)
                .collect::<Vec<f32>>(),
        ),
        (
            &crate::reduce::sum::DEF,
            (0..5)
                .map(|c| (0..12).map(|p| xs[p * 5 + c]).sum::<f32>())
                .collect(),
        ),
        (
            &crate::reduce::max::DEF,
            (0..5)
                .map(|c| (0..12).map(|p| xs[p * 5 + c]).fold(f32::MIN, f32::max))
                .collect(),
        ),
    ] {
        let out = run(def, &attrs, vec![x.clone(), axes.clone()]).unwrap();
        assert_eq!(out[0].dims(), [1, 5]);
        assert_eq!(
            out[0].as_slice::<f32>().unwrap(),
            &want[..],
            "{}",
            def.spec.name
        );
    }
}

/// Softmax (or log-softmax) of one row in f64, the textbook way.
fn softmax_reference(row: &[f32], log: bool) -> Vec<f64> {
    let max = row.iter().fold(f64::NEG_INFINITY, |m, &v| {
        if m.is_nan() || f64::from(v).is_nan() {
            f64::NAN
        } else {
            m.max(f64::from(v))
        }
    });
    let sum: f64 = row.iter().map(|&v| (f64::from(v) - max).exp()).sum();
    row.iter()
        .map(|&v| {
            if log {
                f64::from(v) - max - sum.ln()
            } else {
                (f64::from(v) - max).exp() / sum
            }
        })
        .collect()
}

/// Rows of every width from 1 to 70: whole vectors, tails and both, with
/// NaN, +inf and all -inf rows in either part.
#[test]
fn softmax_rows_of_every_width_match_the_textbook_formula() {
    for width in 1..=70usize {
        let rows = 5;
        let mut values: Vec<f32> = (0..rows * width)
            .map(|i| ((i * 37 % 101) as f32 - 50.0) * 0.37)
            .collect();
        // Row 1 gets a NaN, row 2 a +inf, row 3 is all -inf, row 4 has one
        // finite value among -inf.
        values[width + width / 2] = f32::NAN;
        values[2 * width + width / 3] = f32::INFINITY;
        values[3 * width..5 * width].fill(f32::NEG_INFINITY);
        values[5 * width - 1] = 3.0;
        for (def, log) in [
            (&super::softmax::DEF, false),
            (&super::log_softmax::DEF, true),
        ] {
            let x = Tensor::from_vec(Shape::new(vec![rows, width]).unwrap(), values.clone(), None)
                .unwrap();
            let y = run(def, &[("T", ty(DType::F32))], vec![x]).unwrap();
            let got = y[0].as_slice::<f32>().unwrap();
            for (r, row) in values.chunks(width).enumerate() {
                let want = softmax_reference(row, log);
                for (c, (&g, &w)) in got[r * width..][..width].iter().zip(&want).enumerate() {
                    let ok = if w.is_nan() {
                        g.is_nan()
                    } else if w.is_infinite() {
                        f64::from(g) == w
                    } else {
                        (f64::from(g) - w).abs() <= 1e-6 + 2e-6 * w.abs()
                    };
                    assert!(ok, "width {width} log {log} row {r} col {c}: {g} vs {w}");
                }
            }
        }
    }
}
