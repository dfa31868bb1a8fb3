//! .npy / .npz: round trips for every dtype and clean errors for hostile files.
#![allow(
    clippy::arithmetic_side_effects,
    clippy::cast_possible_truncation,
    clippy::unreachable
)]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use ward_tensor::npy::{read_npy, read_npz, write_npy, write_npz};
use ward_tensor::{Budget, Code, DType, Limits, Shape, Tensor, bf16, f16};

fn sample(dtype: DType, shape: &[usize]) -> Tensor {
    let shape = Shape::new(shape.to_vec()).unwrap();
    let n = shape.len();
    let b = Budget::unlimited();
    match dtype {
        DType::F16 => Tensor::from_vec(
            shape,
            (0..n)
                .map(|i| f16::from_f32(i as f32 * 0.5 - 3.0))
                .collect(),
            None,
        ),
        DType::F32 => {
            Tensor::from_vec(shape, (0..n).map(|i| i as f32 * 0.25 - 1.0).collect(), None)
        }
        DType::F64 => {
            Tensor::from_vec(shape, (0..n).map(|i| i as f64 * 1e-3 - 7.0).collect(), None)
        }
        DType::I8 => Tensor::from_vec(
            shape,
            (0..n).map(|i| (i as i64 % 256 - 128) as i8).collect(),
            None,
        ),
        DType::I16 => Tensor::from_vec(
            shape,
            (0..n).map(|i| (i as i16).wrapping_mul(-371)).collect(),
            None,
        ),
        DType::I32 => Tensor::from_vec(
            shape,
            (0..n).map(|i| (i as i32).wrapping_mul(-100_003)).collect(),
            None,
        ),
        DType::I64 => Tensor::from_vec(
            shape,
            (0..n).map(|i| (i as i64) * -(1 << 40)).collect(),
            None,
        ),
        DType::U8 => Tensor::from_vec(shape, (0..n).map(|i| i as u8).collect(), None),
        DType::U16 => Tensor::from_vec(
            shape,
            (0..n).map(|i| (i as u16).wrapping_mul(997)).collect(),
            None,
        ),
        DType::U32 => Tensor::from_vec(
            shape,
            (0..n).map(|i| (i as u32).wrapping_mul(4_000_037)).collect(),
            None,
        ),
        DType::U64 => Tensor::from_vec(shape, (0..n).map(|i| (i as u64) << 40).collect(), None),
        DType::Bool => Tensor::from_vec(shape, (0..n).map(|i| i % 3 == 0).collect(), None),
        DType::BF16 => Tensor::full(&b, shape, bf16::from_f32(1.0), "x"),
        DType::String => unreachable!(),
    }
    .unwrap()
}

const NPY_DTYPES: [DType; 12] = [
    DType::F16,
    DType::F32,
    DType::F64,
    DType::I8,
    DType::I16,
    DType::I32,
    DType::I64,
    DType::U8,
    DType::U16,
    DType::U32,
    DType::U64,
    DType::Bool,
];

#[test]
fn npy_round_trips_every_dtype_and_rank() {
    let budget = Budget::unlimited();
    for dtype in NPY_DTYPES {
        for shape in [
            &[][..],
            &[0][..],
            &[5][..],
            &[2, 3][..],
            &[2, 0, 4][..],
            &[1, 2, 3, 4][..],
        ] {
            let t = sample(dtype, shape);
            let bytes = write_npy(&t).unwrap();
            assert_eq!(bytes.len() % 64, t.to_le_bytes().unwrap().len() % 64);
            let back = read_npy(&bytes, &budget).unwrap();
            assert_eq!(back.dtype(), dtype);
            assert_eq!(back.dims(), shape);
            assert_eq!(
                back.to_le_bytes().unwrap(),
                t.to_le_bytes().unwrap(),
                "{dtype} {shape:?}"
            );
        }
    }
}

#[test]
fn npz_round_trips() {
    let budget = Budget::unlimited();
    let entries = vec![
        ("a".to_string(), sample(DType::F32, &[3, 4])),
        ("b".to_string(), sample(DType::I64, &[2])),
        ("flag".to_string(), sample(DType::Bool, &[])),
    ];
    let bytes = write_npz(&entries).unwrap();
    let back = read_npz(&bytes, &budget, 1 << 20).unwrap();
    assert_eq!(back.len(), 3);
    for ((n1, t1), (n2, t2)) in entries.iter().zip(&back) {
        assert_eq!(n1, n2);
        assert_eq!(t1.to_le_bytes().unwrap(), t2.to_le_bytes().unwrap());
    }
}

fn npy_with_header(header: &str, data: &[u8]) -> Vec<u8> {
    let mut out = b"\x93NUMPY\x01\x00".to_vec();
    out.extend_from_slice(&(header.len() as u16).to_le_bytes());
    out.extend_from_slice(header.as_bytes());
    out.extend_from_slice(data);
    out
}

#[test]
fn truncated_files_are_clean_errors() {
    let budget = Budget::unlimited();
    let bytes = write_npy(&sample(DType::F32, &[4, 4])).unwrap();
    for cut in 0..bytes.len() {
        let err = read_npy(&bytes[..cut], &budget).unwrap_err();
        assert_eq!(err.code(), Code::InvalidArgument, "cut at {cut}: {err}");
    }
}

#[test]
fn lying_headers_are_clean_errors() {
    let budget = Budget::unlimited();
    // Shape larger than the data.
    let f = npy_with_header(
        "{'descr': '<f4', 'fortran_order': False, 'shape': (100, 100), }\n",
        &[0; 16],
    );
    let err = read_npy(&f, &budget).unwrap_err();
    assert_eq!(err.code(), Code::InvalidArgument);
    assert!(err.to_string().contains("truncated"), "{err}");
    // Absurd shape: 2^62 elements, must not allocate.
    let limited = Budget::new(&Limits {
        memory_bytes: 1 << 20,
        ..Limits::default()
    });
    let f = npy_with_header(
        "{'descr': '<f4', 'fortran_order': False, 'shape': (4611686018427387904,), }\n",
        &[0; 16],
    );
    assert_eq!(
        read_npy(&f, &limited).unwrap_err().code(),
        Code::InvalidArgument
    );
    assert_eq!(limited.peak(), 0);
    // Overflowing product.
    let f = npy_with_header(
        "{'descr': '<f8', 'fortran_order': False, 'shape': (4294967296, 4294967296, 16), }\n",
        &[],
    );
    assert_eq!(
        read_npy(&f, &limited).unwrap_err().code(),
        Code::InvalidArgument
    );
    // Unknown dtype, object arrays, Fortran order, negative dims, garbage.
    for (header, code) in [
        (
            "{'descr': '<c8', 'fortran_order': False, 'shape': (1,), }",
            Code::Unimplemented,
        ),
        (
            "{'descr': '|O', 'fortran_order': False, 'shape': (1,), }",
            Code::InvalidArgument,
        ),
        (
            "{'descr': '<f4', 'fortran_order': True, 'shape': (2, 2), }",
            Code::Unimplemented,
        ),
        (
            "{'descr': '<f4', 'fortran_order': False, 'shape': (-1,), }",
            Code::InvalidArgument,
        ),
        ("{'descr': '<f4', 'shape': (1,), }", Code::InvalidArgument),
        ("not a dict", Code::InvalidArgument),
        (
            "{'descr': '<f4', 'fortran_order': False, 'shape': (1,), 'x': 1}",
            Code::InvalidArgument,
        ),
    ] {
        let f = npy_with_header(header, &[0; 16]);
        let err = read_npy(&f, &budget).unwrap_err();
        assert_eq!(err.code(), code, "{header}: {err}");
    }
    // Trailing bytes after the data.
    let f = npy_with_header(
        "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }\n",
        &[0; 12],
    );
    assert_eq!(
        read_npy(&f, &budget).unwrap_err().code(),
        Code::InvalidArgument
    );
}

#[test]
fn big_endian_data_is_converted() {
    let budget = Budget::unlimited();
    let f = npy_with_header(
        "{'descr': '>i4', 'fortran_order': False, 'shape': (2,), }\n",
        &[0, 0, 1, 0, 255, 255, 255, 254],
    );
    let t = read_npy(&f, &budget).unwrap();
    assert_eq!(t.as_slice::<i32>().unwrap(), &[256, -2]);
}

#[test]
fn npy_reading_is_charged_to_the_budget() {
    let bytes = write_npy(&sample(DType::F64, &[64, 64])).unwrap();
    let small = Budget::new(&Limits {
        memory_bytes: 1000,
        ..Limits::default()
    });
    assert_eq!(
        read_npy(&bytes, &small).unwrap_err().code(),
        Code::ResourceExhausted
    );
}

#[test]
fn npz_garbage_and_oversized_members_are_clean_errors() {
    let budget = Budget::unlimited();
    assert_eq!(
        read_npz(b"PK\x03\x04garbage", &budget, 1 << 20)
            .unwrap_err()
            .code(),
        Code::InvalidArgument
    );
    let entries = vec![("big".to_string(), sample(DType::F64, &[100, 100]))];
    let bytes = write_npz(&entries).unwrap();
    assert_eq!(
        read_npz(&bytes, &budget, 1000).unwrap_err().code(),
        Code::ResourceExhausted
    );
}

/// The raw little-endian paths (the sandbox's IPC): encoding, the zero-copy
/// view, decoding and filling in place agree, and a bad fill or size is a
/// clean error.
#[test]
fn little_endian_bytes_roundtrip_through_every_path() {
    use ward_tensor::{Budget, DType, Shape, Tensor};
    let budget = Budget::unlimited();
    let floats = Tensor::from_vec(
        Shape::new(vec![2, 3]).unwrap(),
        vec![1.5f32, -2.0, 0.0, f32::MAX, f32::MIN_POSITIVE, -0.0],
        None,
    )
    .unwrap();
    let ints =
        Tensor::from_vec(Shape::new(vec![3]).unwrap(), vec![-1i64, 0, i64::MAX], None).unwrap();
    let bools =
        Tensor::from_vec(Shape::new(vec![3]).unwrap(), vec![true, false, true], None).unwrap();
    for t in [&floats, &ints, &bools] {
        let bytes = t.to_le_bytes().unwrap();
        if t.dtype() != DType::Bool {
            assert_eq!(t.le_bytes().unwrap(), bytes.as_slice());
        } else {
            assert!(t.le_bytes().is_none());
            assert_eq!(bytes, vec![1, 0, 1]);
        }
        let decoded =
            Tensor::from_le_bytes(&budget, t.dtype(), t.shape().clone(), &bytes, "x").unwrap();
        let filled = Tensor::from_le_fill(&budget, t.dtype(), t.shape().clone(), "x", |out| {
            out.copy_from_slice(&bytes);
            Ok(())
        })
        .unwrap();
        assert_eq!(decoded.to_le_bytes().unwrap(), bytes);
        assert_eq!(filled.to_le_bytes().unwrap(), bytes);
        assert_eq!(filled.dims(), t.dims());
        let mut appended = vec![7u8];
        t.append_le_bytes(&mut appended).unwrap();
        assert_eq!(&appended[1..], bytes.as_slice());
    }
    let short = Tensor::from_le_bytes(
        &budget,
        DType::F32,
        Shape::new(vec![2]).unwrap(),
        &[0; 7],
        "x",
    );
    assert!(short.is_err());
    let failed = Tensor::from_le_fill(
        &budget,
        DType::F32,
        Shape::new(vec![2]).unwrap(),
        "x",
        |_| Err(ward_tensor::Error::data_loss("short read")),
    );
    assert_eq!(failed.unwrap_err().code(), ward_tensor::Code::DataLoss);
    let strings = Tensor::from_le_fill(
        &budget,
        DType::String,
        Shape::new(vec![1]).unwrap(),
        "x",
        |_| Ok(()),
    );
    assert!(strings.is_err());
    // The fill is charged to the budget before it runs.
    let tight = Budget::new(&ward_tensor::Limits {
        memory_bytes: 16,
        ..ward_tensor::Limits::default()
    });
    let over = Tensor::from_le_fill(
        &tight,
        DType::F64,
        Shape::new(vec![4]).unwrap(),
        "x",
        |_| Ok(()),
    );
    assert_eq!(
        over.unwrap_err().code(),
        ward_tensor::Code::ResourceExhausted
    );
}
